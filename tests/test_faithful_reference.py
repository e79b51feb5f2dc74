"""Old Faithful against published reference values.

K = 2, full covariances (mclust model "VVV", G = 2): log-likelihood −1130.264,
BIC 2322.192 (mclust reports −2322.192, its BIC being 2 ln L − p ln N).
"""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

import mixlib


@pytest.fixture(scope="module")
def X():
    return mixlib.load_faithful()


@pytest.fixture(scope="module")
def best_of_ten(X):
    return mixlib.fit_gmm(X, 2, covariance_type="full", n_init=10, seed=20240601, tol=1e-10, max_iter=1000)


def test_load_faithful(X):
    assert X.shape == (272, 2)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X[0], [3.6, 79.0])
    np.testing.assert_array_equal(X[1], [1.8, 54.0])
    # Eruption times (minutes) and waiting times (minutes) lie in their known ranges.
    np.testing.assert_allclose(X.min(axis=0), [1.6, 43.0])
    np.testing.assert_allclose(X.max(axis=0), [5.1, 96.0])
    np.testing.assert_allclose(X.mean(axis=0), [3.487783, 70.897059], atol=1e-6)


def test_load_faithful_returns_a_fresh_array(X):
    first = mixlib.load_faithful()
    first[0, 0] = -1.0
    np.testing.assert_array_equal(mixlib.load_faithful()[0], [3.6, 79.0])


def test_two_components_log_likelihood(best_of_ten):
    assert best_of_ten.converged
    assert best_of_ten.log_likelihood == pytest.approx(-1130.2640, abs=1e-3)


def test_two_components_parameters(best_of_ten):
    order = np.argsort(best_of_ten.means[:, 0])  # by mean eruption time
    weights = np.asarray(best_of_ten.weights)[order]
    means = np.asarray(best_of_ten.means)[order]
    np.testing.assert_allclose(weights, [0.3559, 0.6441], rtol=0, atol=1e-4)
    np.testing.assert_allclose(means[0], [2.0364, 54.4785], rtol=0, atol=1e-3)
    np.testing.assert_allclose(means[1], [4.2897, 79.9681], rtol=0, atol=1e-3)


def test_two_components_bic(X, best_of_ten):
    assert best_of_ten.n_parameters == 11  # 1 weight + 2·2 mean entries + 2·3 covariance entries
    assert best_of_ten.bic(X) == pytest.approx(2322.19, abs=0.01)
    assert best_of_ten.aic(X) == pytest.approx(2 * 1130.2640 + 2 * 11, abs=2e-3)


def test_one_component_closed_form(X):
    mean = X.mean(axis=0)
    cov = np.cov(X.T, ddof=0)
    closed_form = multivariate_normal(mean, cov).logpdf(X).sum()
    assert closed_form == pytest.approx(-1289.7967, abs=1e-3)
    assert mixlib.gmm.log_likelihood(X, [1.0], mean[None, :], cov[None]) == pytest.approx(closed_form, rel=1e-12)

    fit = mixlib.fit_gmm(X, 1, tol=1e-12, max_iter=50, seed=0)
    assert fit.log_likelihood == pytest.approx(-1289.7967, abs=1e-3)
    np.testing.assert_allclose(fit.weights, [1.0])
    np.testing.assert_allclose(fit.means[0], mean, rtol=1e-12)
    np.testing.assert_allclose(fit.covariances[0], cov + 1e-6 * np.eye(2), rtol=1e-10)
    # Two components explain the data better than one, by a wide margin in BIC too.
    assert fit.bic(X) > 2322.19 + 100


def test_tied_three_components_win_bic(X, best_of_ten):
    """mclust's model "EEE" (one covariance shared by the components), G = 3: BIC 2314.30,
    below the unconstrained K = 2's 2322.19."""
    tied = mixlib.fit_gmm(X, 3, covariance_type="tied", n_init=10, seed=0, tol=1e-10, max_iter=2000)
    assert tied.converged
    assert tied.n_parameters == 11  # 2 weights + 3·2 mean entries + 3 covariance entries
    assert tied.bic(X) == pytest.approx(2314.30, abs=0.01)
    assert tied.bic(X) < best_of_ten.bic(X)
    np.testing.assert_array_equal(tied.covariances, np.repeat(tied.covariances[:1], 3, axis=0))
