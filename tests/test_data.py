"""Data helpers: standardise, random_blobs, make_blobs."""

import numpy as np
import pytest

import mixlib


@pytest.fixture(scope="module")
def faithful():
    return mixlib.load_faithful()


def test_standardise_gives_mean_zero_and_unit_sd(faithful):
    Z, mean, sd = mixlib.standardise(faithful)
    assert Z.shape == faithful.shape
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0, ddof=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(mean, faithful.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(sd, faithful.std(axis=0, ddof=0), rtol=1e-14)


def test_standardise_can_be_inverted(faithful):
    Z, mean, sd = mixlib.standardise(faithful)
    np.testing.assert_allclose(Z * sd + mean, faithful, rtol=1e-13, atol=1e-12)


def test_standardise_does_not_modify_its_input(faithful):
    X = faithful.copy()
    mixlib.standardise(X)
    np.testing.assert_array_equal(X, faithful)


def test_standardise_accepts_integers():
    Z, mean, sd = mixlib.standardise(np.array([[1, 10], [2, 20], [3, 60]]))
    np.testing.assert_allclose(mean, [2.0, 30.0])
    np.testing.assert_allclose(Z[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])


@pytest.mark.parametrize("value", [0.0, 7.0, -3.0])
def test_constant_column_raises(faithful, value):
    X = faithful.copy()
    X[:, 1] = value
    with pytest.raises(ValueError, match="column 1 of X is constant"):
        mixlib.standardise(X)


@pytest.mark.parametrize("value", [0.1, 1e10 + 0.1])
def test_constant_column_raises_when_its_mean_is_inexact(faithful, value):
    """A constant column cannot be scaled, whatever the constant.  For 0.1 the
    floating-point mean of 272 copies is not exactly 0.1, so the computed sd is
    ~1e-16 rather than 0; the column must still be caught, not blown up to ±1."""
    X = faithful.copy()
    X[:, 1] = value
    with pytest.raises(ValueError, match="column 1 of X is constant"):
        mixlib.standardise(X)


# ---------------------------------------------------------------------------
# random_blobs and make_blobs


@pytest.mark.parametrize("N, K, D", [(100, 3, 2), (50, 1, 1), (7, 4, 5)])
def test_random_blobs_shapes(N, K, D):
    X, labels, (weights, means, covariances) = mixlib.random_blobs(N, K, D, seed=0)
    assert X.shape == (N, D) and X.dtype == np.float64
    assert labels.shape == (N,)
    assert np.all((labels >= 0) & (labels < K))
    assert weights.shape == (K,) and means.shape == (K, D) and covariances.shape == (K, D, D)
    np.testing.assert_allclose(weights, np.full(K, 1.0 / K))
    np.testing.assert_allclose(covariances, np.swapaxes(covariances, 1, 2))
    # A Aᵀ + 0.1 I: every eigenvalue is at least 0.1.
    assert np.all(np.linalg.eigvalsh(covariances) >= 0.1 - 1e-12)


def test_random_blobs_centres_lie_in_the_cube():
    _, _, (_, means, _) = mixlib.random_blobs(10, 200, 3, spread=2.5, seed=1)
    assert np.all(np.abs(means) <= 2.5)
    assert means.min() < -2.0 and means.max() > 2.0  # uniform over the cube, not a corner of it


def test_random_blobs_is_reproducible():
    a = mixlib.random_blobs(80, 3, 2, seed=42)
    b = mixlib.random_blobs(80, 3, 2, seed=42)
    c = mixlib.random_blobs(80, 3, 2, seed=43)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for x, y in zip(a[2], b[2]):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    d = mixlib.random_blobs(80, 3, 2, seed=np.random.default_rng(42))
    np.testing.assert_array_equal(a[0], d[0])


def test_random_blobs_points_come_from_their_components():
    X, labels, (weights, means, covariances) = mixlib.random_blobs(6000, 3, 2, seed=7)
    counts = np.bincount(labels, minlength=3)
    assert np.all(np.abs(counts / 6000 - 1 / 3) < 5 * np.sqrt((1 / 3) * (2 / 3) / 6000))
    for k in range(3):
        Xk = X[labels == k]
        np.testing.assert_allclose(Xk.mean(axis=0), means[k], atol=6 * np.sqrt(np.diag(covariances[k]).max() / len(Xk)))
        np.testing.assert_allclose(np.cov(Xk.T), covariances[k], rtol=0.15, atol=0.15 * np.abs(covariances[k]).max())


def test_random_blobs_covariances_follow_the_documented_distribution():
    """The docstring: each covariance is A Aᵀ + 0.1 I for A with N(0, 0.5²) entries,
    so E[Σ] = (0.25 D + 0.1) I.  Averaged over 4000 components."""
    D = 2
    _, _, (_, _, covariances) = mixlib.random_blobs(1, 4000, D, seed=0)
    average = covariances.mean(axis=0)
    np.testing.assert_allclose(np.diag(average), 0.25 * D + 0.1, rtol=0.05)
    assert abs(average[0, 1]) < 0.1


def test_make_blobs_returns_points_and_labels():
    weights = [0.25, 0.75]
    means = [[0.0, 0.0], [10.0, 10.0]]
    covariances = [np.eye(2), np.eye(2)]
    X, z = mixlib.make_blobs(4000, weights, means, covariances, seed=0)
    assert X.shape == (4000, 2) and z.shape == (4000,)
    assert abs(np.mean(z == 0) - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 4000)
    np.testing.assert_allclose(X[z == 1].mean(axis=0), [10.0, 10.0], atol=0.15)
    X2, z2 = mixlib.make_blobs(4000, weights, means, covariances, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(z, z2)
