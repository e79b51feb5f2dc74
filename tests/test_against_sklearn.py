"""mixlib against scikit-learn: EM from identical starts, Lloyd's k-means, BIC/AIC."""

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

import mixlib
from mixlib import gmm

COVARIANCE_TYPES = ["full", "diag", "spherical", "tied"]
N_ITER = 20
REG = 1e-6


@pytest.fixture(scope="module")
def faithful():
    return mixlib.load_faithful()


@pytest.fixture(scope="module")
def blobs3d():
    X, _, _ = mixlib.random_blobs(400, 3, 3, spread=4.0, seed=11)
    return X


DATASETS = {"faithful": ("faithful", 2), "blobs3d": ("blobs3d", 3)}


def starting_parameters(X, K, covariance_type, seed):
    """Random but sensible starts: means near data points, covariances scaled from the data's."""
    rng = np.random.default_rng(seed)
    N, D = X.shape
    means = X[rng.choice(N, size=K, replace=False)] + 0.01 * rng.standard_normal((K, D))
    weights = rng.dirichlet(np.full(K, 5.0))
    S = np.cov(X.T, ddof=0)
    covariances = np.empty((K, D, D))
    for k in range(K):
        scale = rng.uniform(0.3, 1.5)
        if covariance_type == "tied":
            covariances[k] = covariances[0] if k else scale * S
        elif covariance_type == "full":
            covariances[k] = scale * S
        elif covariance_type == "diag":
            covariances[k] = np.diag(scale * np.diag(S) * rng.uniform(0.5, 1.5, size=D))
        else:
            covariances[k] = scale * np.mean(np.diag(S)) * np.eye(D)
    return weights, means, covariances


def to_sklearn_precisions(covariances, covariance_type):
    if covariance_type == "full":
        return np.linalg.inv(covariances)
    if covariance_type == "tied":
        return np.linalg.inv(covariances[0])
    diagonals = np.diagonal(covariances, axis1=1, axis2=2)
    if covariance_type == "diag":
        return 1.0 / diagonals
    return 1.0 / diagonals[:, 0]


def to_sklearn_covariances(covariances, covariance_type):
    diagonals = np.diagonal(covariances, axis1=1, axis2=2)
    return {"full": covariances, "tied": covariances[0], "diag": diagonals, "spherical": diagonals[:, 0]}[
        covariance_type
    ]


def from_sklearn_covariances(sk_covariances, covariance_type, D, K=None):
    if covariance_type == "full":
        return sk_covariances
    if covariance_type == "tied":
        return np.repeat(sk_covariances[None], K, axis=0)
    if covariance_type == "diag":
        out = np.zeros((len(sk_covariances), D, D))
        out[:, np.arange(D), np.arange(D)] = sk_covariances
        return out
    return sk_covariances[:, None, None] * np.eye(D)


def fit_sklearn(X, K, covariance_type, start, max_iter=N_ITER):
    weights, means, covariances = start
    model = GaussianMixture(
        n_components=K,
        covariance_type=covariance_type,
        weights_init=weights,
        means_init=means,
        precisions_init=to_sklearn_precisions(covariances, covariance_type),
        reg_covar=REG,
        tol=0,
        max_iter=max_iter,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    return model


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("seed", [0, 1])
def test_em_matches_sklearn_from_the_same_start(request, dataset, covariance_type, seed):
    fixture, K = DATASETS[dataset]
    X = request.getfixturevalue(fixture)
    start = starting_parameters(X, K, covariance_type, seed)

    ours = mixlib.fit_gmm(X, K, covariance_type=covariance_type, init=start, tol=0, max_iter=N_ITER, reg_covar=REG)
    theirs = fit_sklearn(X, K, covariance_type, start)

    assert ours.n_iter == N_ITER == theirs.n_iter_
    assert not ours.converged  # tol=0 runs every iteration
    np.testing.assert_allclose(ours.weights, theirs.weights_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.means, theirs.means_, rtol=1e-6, atol=1e-8)
    theirs_full = from_sklearn_covariances(theirs.covariances_, covariance_type, X.shape[1], K)
    np.testing.assert_allclose(ours.covariances, theirs_full, rtol=1e-6, atol=1e-8)

    # Total log-likelihood at the final parameters.
    np.testing.assert_allclose(ours.log_likelihood, theirs.score(X) * X.shape[0], rtol=1e-9)
    np.testing.assert_allclose(ours.log_likelihood, ours.log_likelihoods[-1], rtol=0, atol=0)
    np.testing.assert_allclose(
        gmm.log_likelihood(X, ours.weights, ours.means, ours.covariances), ours.log_likelihood, rtol=1e-12
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_every_iteration_matches_sklearn(blobs3d, covariance_type):
    """The whole trajectory, not just the end point: sklearn run for m iterations
    equals mixlib's history entry m."""
    X, K = blobs3d, 3
    start = starting_parameters(X, K, covariance_type, seed=5)
    ours = mixlib.fit_gmm(X, K, covariance_type=covariance_type, init=start, tol=0, max_iter=6, reg_covar=REG)
    np.testing.assert_allclose(ours.history[0].weights, start[0])
    np.testing.assert_allclose(ours.history[0].means, start[1])
    for m in range(1, 7):
        theirs = fit_sklearn(X, K, covariance_type, start, max_iter=m)
        step = ours.history[m]
        assert step.iteration == m
        np.testing.assert_allclose(step.weights, theirs.weights_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(step.means, theirs.means_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(step.log_likelihood, theirs.score(X) * len(X), rtol=1e-9)


# ---------------------------------------------------------------------------
# k-means


def kmeans_cases():
    faithful_std, _, _ = mixlib.standardise(mixlib.load_faithful())
    blobs, _, _ = mixlib.random_blobs(500, 4, 2, seed=3)
    blobs5, _, _ = mixlib.random_blobs(300, 3, 5, spread=2.0, seed=8)
    return {
        "faithful_std_K2": (faithful_std, 2),
        "faithful_std_K4": (faithful_std, 4),
        "blobs_K4": (blobs, 4),
        "blobs_K6": (blobs, 6),
        "blobs5d_K3": (blobs5, 3),
    }


KMEANS_CASES = kmeans_cases()


@pytest.mark.parametrize("case", sorted(KMEANS_CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_matches_sklearn_lloyd(case, seed):
    X, K = KMEANS_CASES[case]
    rng = np.random.default_rng(seed)
    centres = X[rng.choice(len(X), size=K, replace=False)]

    ours = mixlib.kmeans(X, K, init=centres)
    theirs = KMeans(n_clusters=K, init=centres, n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(X)

    assert ours.converged
    np.testing.assert_allclose(ours.centers, theirs.cluster_centers_, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(ours.labels, theirs.labels_)
    np.testing.assert_allclose(ours.distortion, theirs.inertia_, rtol=1e-10)


# ---------------------------------------------------------------------------
# Information criteria


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_bic_aic_match_sklearn(request, dataset, covariance_type):
    fixture, K = DATASETS[dataset]
    X = request.getfixturevalue(fixture)
    N = X.shape[0]
    ours = mixlib.fit_gmm(X, K, covariance_type=covariance_type, seed=0, n_init=2)

    # A GaussianMixture of the same type and size, then given mixlib's parameters.
    theirs = fit_sklearn(X, K, covariance_type, (ours.weights, ours.means, ours.covariances), max_iter=1)
    sk_cov = to_sklearn_covariances(np.asarray(ours.covariances), covariance_type)
    theirs.weights_ = np.array(ours.weights)
    theirs.means_ = np.array(ours.means)
    theirs.covariances_ = np.array(sk_cov)
    theirs.precisions_cholesky_ = _compute_precision_cholesky(np.array(sk_cov), covariance_type)

    p = theirs._n_parameters()
    assert ours.n_parameters == p
    ll = theirs.score(X) * N
    np.testing.assert_allclose(ours.bic(X), -2.0 * ll + p * np.log(N), rtol=1e-10)
    np.testing.assert_allclose(ours.aic(X), -2.0 * ll + 2.0 * p, rtol=1e-10)
    np.testing.assert_allclose(ours.bic(X), theirs.bic(X), rtol=1e-10)
    np.testing.assert_allclose(ours.aic(X), theirs.aic(X), rtol=1e-10)


# ---------------------------------------------------------------------------
# Tied covariances and what a fitted model offers


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_tied_covariances_are_one_matrix(request, dataset):
    fixture, K = DATASETS[dataset]
    X = request.getfixturevalue(fixture)
    ours = mixlib.fit_gmm(X, K, covariance_type="tied", seed=0)
    np.testing.assert_array_equal(ours.covariances, np.repeat(ours.covariances[:1], K, axis=0))
    D = X.shape[1]
    assert ours.n_parameters == (K - 1) + K * D + D * (D + 1) // 2
    assert gmm.n_parameters(K, D, "tied") == ours.n_parameters


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_density_is_score_samples(blobs3d, covariance_type):
    start = starting_parameters(blobs3d, 3, covariance_type, seed=3)
    ours = mixlib.fit_gmm(
        blobs3d, 3, covariance_type=covariance_type, init=start, tol=0, max_iter=N_ITER, reg_covar=REG
    )
    theirs = fit_sklearn(blobs3d, 3, covariance_type, start)
    grid = np.random.default_rng(0).normal(scale=6.0, size=(50, 3))
    np.testing.assert_allclose(ours.log_density(grid), theirs.score_samples(grid), rtol=1e-6)
    np.testing.assert_allclose(ours.responsibilities(grid), theirs.predict_proba(grid), rtol=1e-5, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(blobs3d), theirs.predict(blobs3d))


def test_sample_from_a_fit(faithful):
    fit = mixlib.fit_gmm(faithful, 2, seed=0)
    X1, z1 = fit.sample(20_000, seed=4)
    X2, z2 = fit.sample(20_000, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(z1, z2)
    assert X1.shape == (20_000, 2) and z1.shape == (20_000,)
    np.testing.assert_allclose(np.bincount(z1) / 20_000, fit.weights, atol=0.015)
    for k in range(2):
        np.testing.assert_allclose(X1[z1 == k].mean(axis=0), fit.means[k], rtol=0.01)
