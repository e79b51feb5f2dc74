"""Component and mixture densities against scipy.stats.multivariate_normal."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from mixlib import SingularityError, fit_gmm, gmm


def random_parameters(rng, K, D):
    weights = rng.dirichlet(np.full(K, 2.0))
    means = rng.normal(scale=3.0, size=(K, D))
    A = rng.normal(size=(K, D, D))
    covariances = A @ np.swapaxes(A, 1, 2) + 0.1 * np.eye(D)
    return weights, means, covariances


def scipy_log_components(X, means, covariances):
    return np.column_stack(
        [multivariate_normal(mean=m, cov=c).logpdf(X).reshape(-1) for m, c in zip(means, covariances)]
    )


DIMS = [1, 2, 3, 4, 5]
COMPONENTS = [1, 2, 3, 4]


@pytest.mark.parametrize("D", DIMS)
@pytest.mark.parametrize("K", COMPONENTS)
def test_log_gaussian_matches_scipy(K, D):
    rng = np.random.default_rng(1000 * K + D)
    _, means, covariances = random_parameters(rng, K, D)
    X = rng.normal(scale=4.0, size=(50, D))
    got = gmm.log_gaussian(X, means, covariances)
    assert got.shape == (50, K)
    np.testing.assert_allclose(got, scipy_log_components(X, means, covariances), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("D", DIMS)
@pytest.mark.parametrize("K", COMPONENTS)
def test_log_density_matches_weighted_scipy_sum(K, D):
    rng = np.random.default_rng(2000 * K + D)
    weights, means, covariances = random_parameters(rng, K, D)
    X = rng.normal(scale=4.0, size=(60, D))
    expected = np.log(
        sum(w * multivariate_normal(mean=m, cov=c).pdf(X).reshape(-1) for w, m, c in zip(weights, means, covariances))
    )
    got = gmm.log_density(X, weights, means, covariances)
    assert got.shape == (60,)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("D", DIMS)
@pytest.mark.parametrize("K", COMPONENTS)
def test_log_likelihood_is_sum_of_log_density(K, D):
    rng = np.random.default_rng(3000 * K + D)
    weights, means, covariances = random_parameters(rng, K, D)
    X = rng.normal(scale=4.0, size=(40, D))
    total = gmm.log_likelihood(X, weights, means, covariances)
    assert isinstance(total, float)
    np.testing.assert_allclose(total, gmm.log_density(X, weights, means, covariances).sum(), rtol=1e-12)
    expected = logsumexp(np.log(weights) + scipy_log_components(X, means, covariances), axis=1).sum()
    np.testing.assert_allclose(total, expected, rtol=1e-10)


@pytest.mark.parametrize("D", DIMS)
@pytest.mark.parametrize("K", COMPONENTS)
def test_responsibilities_are_bayes_rule(K, D):
    rng = np.random.default_rng(4000 * K + D)
    weights, means, covariances = random_parameters(rng, K, D)
    X = rng.normal(scale=4.0, size=(30, D))
    a = np.log(weights) + scipy_log_components(X, means, covariances)
    expected = np.exp(a - logsumexp(a, axis=1, keepdims=True))
    np.testing.assert_allclose(gmm.responsibilities(X, weights, means, covariances), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("D", DIMS)
@pytest.mark.parametrize("K", [2, 3, 4])
def test_far_away_points_stay_finite(K, D):
    """Points 1e3 standard deviations from every component: each density
    underflows to 0, so only a log-sum-exp keeps the log-likelihood finite."""
    rng = np.random.default_rng(5000 * K + D)
    weights, means, covariances = random_parameters(rng, K, D)
    largest_sd = np.sqrt(max(np.linalg.eigvalsh(c).max() for c in covariances))
    directions = rng.normal(size=(6, D))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    X = means.mean(axis=0) + 1e3 * largest_sd * directions
    # Sanity check on the construction: the naive sum of densities underflows.
    naive = sum(
        w * multivariate_normal(mean=m, cov=c).pdf(X).reshape(-1) for w, m, c in zip(weights, means, covariances)
    )
    assert np.all(naive == 0.0)

    ll = gmm.log_likelihood(X, weights, means, covariances)
    assert np.isfinite(ll)
    expected = logsumexp(np.log(weights) + scipy_log_components(X, means, covariances), axis=1)
    np.testing.assert_allclose(ll, expected.sum(), rtol=1e-9)
    np.testing.assert_allclose(gmm.log_density(X, weights, means, covariances), expected, rtol=1e-9)

    resp = gmm.responsibilities(X, weights, means, covariances)
    assert not np.any(np.isnan(resp))
    assert np.all((resp >= 0) & (resp <= 1))
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_far_away_points_in_fit_are_finite():
    """A fit whose data include a point 1e3 sd from everything stays finite."""
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(size=(40, 2)), rng.normal(size=(40, 2)) + 8.0, [[1e3, -1e3]]])
    weights = np.array([0.5, 0.5])
    means = np.array([[0.0, 0.0], [8.0, 8.0]])
    covariances = np.array([np.eye(2), np.eye(2)])
    result = fit_gmm(X, 2, init=(weights, means, covariances), tol=0, max_iter=5)
    assert np.all(np.isfinite(result.log_likelihoods))
    assert np.all(np.isfinite(result.covariances))


@pytest.mark.parametrize("D", DIMS)
@pytest.mark.parametrize("K", COMPONENTS)
def test_cholesky_factors_reproduce_covariances(K, D):
    rng = np.random.default_rng(6000 * K + D)
    _, _, covariances = random_parameters(rng, K, D)
    L = gmm.cholesky_factors(covariances)
    assert L.shape == (K, D, D)
    np.testing.assert_allclose(L @ np.swapaxes(L, 1, 2), covariances, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(np.triu(L, k=1), 0.0)  # lower triangular
    assert np.all(np.diagonal(L, axis1=1, axis2=2) > 0)


def test_cholesky_factors_names_the_singular_component():
    covariances = np.array([np.eye(2), [[1.0, 1.0], [1.0, 1.0]], np.eye(2)])
    with pytest.raises(SingularityError, match="component 1"):
        gmm.cholesky_factors(covariances)
