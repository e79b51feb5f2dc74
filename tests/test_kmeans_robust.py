"""k-means on data nobody tuned it for: offsets far from the origin, repeated points,
runs cut short by max_iter, restarts, large N, and bad arguments."""

import warnings

import numpy as np
import pytest

import mixlib
from mixlib import ConvergenceWarning
from mixlib.clustering import distortion, squared_distances


def J(X, centers, labels):
    """The distortion by hand: Σ_n ‖x_n − μ_{k(n)}‖²."""
    return float(sum(np.sum((x - centers[k]) ** 2) for x, k in zip(X, labels)))


def nearest(X, centers):
    """The nearest centre by explicit differences, the first on a tie."""
    return np.argmin(((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), axis=1)


def grid_clusters(seed=0):
    """Three clusters of spread about 1, on a grid of step 2⁻⁶ and within ±16 of the
    origin, so that adding an offset up to 2⁴⁰ ≈ 1.1e12 is exact in float64."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(c, 1.0, (100, 2)) for c in ([0.0, 0.0], [6.0, 0.0], [0.0, 6.0])])
    return np.round(X * 64) / 64


def grid_of_blobs(seed=0, K=9, separation=10.0, n=50):
    """K round blobs of sd 1 on a square grid, `separation` apart: the optimum is the truth."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(K)))
    means = np.array([[separation * (k % side), separation * (k // side)] for k in range(K)])
    X = np.vstack([rng.normal(m, 1.0, (n, 2)) for m in means])
    return X, np.repeat(np.arange(K), n)


@pytest.fixture(scope="module")
def faithful_std():
    return mixlib.standardise(mixlib.load_faithful())[0]


# ---------------------------------------------------------------------------
# Translation invariance


OFFSETS = [(1e8, -1e8), (1.7e9, 0.0), (-3e11, 2.5e10), (1e12, -1e12), (2.0**40, 2.0**40)]


@pytest.mark.parametrize("offset", OFFSETS, ids=lambda c: f"{c[0]:.2g},{c[1]:.2g}")
@pytest.mark.parametrize("init", ["k-means++", "random", "array"])
def test_kmeans_is_translation_invariant(offset, init):
    X = grid_clusters()
    c = np.array(offset)
    shifted = X + c
    assert np.array_equal(shifted - c, X)  # the offset data hold exactly the same points
    start = X[[0, 150, 299]]
    for seed in range(3):
        here = mixlib.kmeans(X, 3, init=start if init == "array" else init, seed=seed)
        there = mixlib.kmeans(shifted, 3, init=start + c if init == "array" else init, seed=seed)
        assert here.converged and there.converged
        np.testing.assert_array_equal(there.labels, here.labels)
        assert abs(there.distortion - here.distortion) <= 1e-9 * here.distortion
        np.testing.assert_allclose(there.distortions, here.distortions, rtol=1e-9)
        # Centres come back in the caller's coordinates, to the precision those allow.
        np.testing.assert_allclose(there.centers - c, here.centers, rtol=0, atol=8 * np.spacing(np.abs(c)).max())
        np.testing.assert_allclose(
            there.history[-1].centers - c, here.centers, rtol=0, atol=8 * np.spacing(np.abs(c)).max()
        )


@pytest.mark.parametrize("offset", OFFSETS, ids=lambda c: f"{c[0]:.2g},{c[1]:.2g}")
def test_kmeans_plusplus_is_translation_invariant(offset):
    X = grid_clusters(1)
    c = np.array(offset)
    for seed in range(5):
        here = mixlib.kmeans_plusplus(X, 5, seed=seed)
        there = mixlib.kmeans_plusplus(X + c, 5, seed=seed)
        np.testing.assert_array_equal(there - c, here)  # the same data points, in the same order


def test_far_from_the_origin_every_point_is_at_its_nearest_centre():
    X = grid_clusters(2)
    c = np.array([1.7e9, -1.7e9])
    result = mixlib.kmeans(X + c, 3, seed=0)
    assert result.converged
    # Judged in the untranslated coordinates, where explicit differences are exact enough.
    np.testing.assert_array_equal(result.labels, nearest(X, result.centers - c))


def test_squared_distances_far_from_the_origin():
    X = grid_clusters()[:20]
    centers = X[:3]
    c = np.array([1e12, 3e11])
    expected = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_allclose(squared_distances(X + c, centers + c), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# More clusters than distinct points


def repeated_points():
    return np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0]]), [6, 3, 2], axis=0)


@pytest.mark.parametrize("K", [4, 5, 7])
@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_more_clusters_than_distinct_points_stops_and_warns(K, init):
    X = repeated_points()
    with pytest.warns(UserWarning, match=rf"n_clusters={K}.*only 3 distinct points") as record:
        result = mixlib.kmeans(X, K, init=init, seed=0)
    assert not any(issubclass(w.category, ConvergenceWarning) for w in record)
    assert result.converged
    assert result.n_iter < 10
    assert result.distortion == pytest.approx(0.0, abs=1e-20)  # centring rounds the means of copies
    assert np.all(np.bincount(result.labels, minlength=K) > 0)  # the empty-cluster rule still holds
    np.testing.assert_allclose(result.centers[result.labels], X, rtol=0, atol=1e-15)


def test_as_many_clusters_as_distinct_points_does_not_warn():
    X = repeated_points()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = mixlib.kmeans(X, 3, seed=0)
    assert result.converged and result.distortion == pytest.approx(0.0, abs=1e-20)


# ---------------------------------------------------------------------------
# Runs stopped by max_iter


def test_convergence_warning_names_max_iter(faithful_std):
    with pytest.warns(ConvergenceWarning, match=r"max_iter=2\b"):
        result = mixlib.kmeans(faithful_std, 4, init=faithful_std[:4], max_iter=2)
    assert not result.converged and result.n_iter == 2
    assert issubclass(ConvergenceWarning, UserWarning)


@pytest.mark.parametrize("K", [2, 3, 5, 8])
def test_ordinary_fits_converge_without_warnings(faithful_std, K):
    blobs = mixlib.random_blobs(2000, K, 3, seed=K)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for seed in range(5):
            assert mixlib.kmeans(faithful_std, K, seed=seed).converged
            assert mixlib.kmeans(blobs, K, init="random", seed=seed).converged


@pytest.mark.parametrize("max_iter", [1, 2, 3])
def test_result_is_consistent_when_max_iter_stops_the_run(faithful_std, max_iter):
    """The documented choice: the labels are the assignment half-step of the returned
    centres (each point's nearest centre), and the distortion is J at both."""
    with pytest.warns(ConvergenceWarning):
        result = mixlib.kmeans(faithful_std, 4, init=faithful_std[:4], max_iter=max_iter)
    np.testing.assert_array_equal(result.labels, nearest(faithful_std, result.centers))
    assert result.distortion == pytest.approx(J(faithful_std, result.centers, result.labels), rel=1e-12)
    last = result.history[-1]
    assert last.step == "assign"
    np.testing.assert_array_equal(last.labels, result.labels)
    np.testing.assert_array_equal(last.centers, result.centers)
    assert result.distortions[-1] == pytest.approx(result.distortion, rel=1e-12)


# ---------------------------------------------------------------------------
# Greedy k-means++


def test_greedy_kmeans_plusplus_recovers_separated_blobs():
    """Nine blobs 10 sd apart: k-means from a greedy k-means++ start should reach the
    optimum (the true partition) in nearly every one of 50 seeds; a single draw per
    centre misses a blob in about a quarter of them."""
    X, truth = grid_of_blobs()
    optimum = J(X, np.array([X[truth == k].mean(axis=0) for k in range(9)]), truth)
    finals = np.array([mixlib.kmeans(X, 9, seed=seed).distortion for seed in range(50)])
    assert np.all(finals >= optimum * (1 - 1e-9))
    assert np.sum(np.isclose(finals, optimum, rtol=1e-9)) >= 48


def test_greedy_kmeans_plusplus_starts_in_every_blob():
    """Each greedy step keeps the candidate that lowers Σ_n min_k ‖x_n − μ_k‖² the most;
    a second centre in a blob lowers it far less than a centre in an empty blob."""
    X, truth = grid_of_blobs(1, K=16, n=30)
    starts = [mixlib.kmeans_plusplus(X, 16, seed=seed) for seed in range(30)]
    rows = [[int(np.flatnonzero(np.all(X == c, axis=1))[0]) for c in start] for start in starts]
    blobs_hit = [len(np.unique(truth[r])) for r in rows]
    assert np.mean(np.array(blobs_hit) == 16) >= 0.9


# ---------------------------------------------------------------------------
# History and memory


def history_bytes(result):
    return sum(s.centers.nbytes + (0 if s.labels is None else s.labels.nbytes) for s in result.history)


def test_history_can_be_switched_off_keeping_the_distortion_trace(faithful_std):
    full = mixlib.kmeans(faithful_std, 3, seed=2)
    lean = mixlib.kmeans(faithful_std, 3, seed=2, keep_history=False)
    assert lean.history == ()
    np.testing.assert_array_equal(lean.labels, full.labels)
    np.testing.assert_array_equal(lean.centers, full.centers)
    assert lean.n_iter == full.n_iter and lean.converged
    np.testing.assert_allclose(lean.distortions, full.distortions, rtol=1e-12)
    assert lean.distortions[-1] == pytest.approx(lean.distortion, rel=1e-12)


def test_a_large_run_without_history_keeps_little():
    X = np.random.default_rng(0).standard_normal((200_000, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full = mixlib.kmeans(X, 8, seed=0, max_iter=40)
        lean = mixlib.kmeans(X, 8, seed=0, max_iter=40, keep_history=False)
    assert history_bytes(full) > 40 * 200_000  # a copy of the labels per half-step
    assert history_bytes(lean) == 0
    assert lean.distortions.nbytes < 1000
    assert len(lean.distortions) == len(full.distortions)


@pytest.mark.parametrize("bad", [None, 1, "no", np.array([True])])
def test_keep_history_must_be_a_bool(faithful_std, bad):
    with pytest.raises(TypeError, match="keep_history must be True or False"):
        mixlib.kmeans(faithful_std, 2, keep_history=bad)


# ---------------------------------------------------------------------------
# Restarts


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_n_init_keeps_the_run_with_the_lowest_distortion(init):
    X = mixlib.random_blobs(600, 8, 2, spread=3.0, seed=1)[0]  # overlapping: many local minima
    rng = np.random.default_rng(11)
    singles = [mixlib.kmeans(X, 8, init=init, seed=rng) for _ in range(8)]
    best = min(singles, key=lambda r: r.distortion)
    assert len({round(r.distortion, 6) for r in singles}) > 1  # the restarts differ
    chosen = mixlib.kmeans(X, 8, init=init, n_init=8, seed=11)
    assert chosen.distortion == best.distortion
    np.testing.assert_array_equal(chosen.labels, best.labels)
    np.testing.assert_array_equal(chosen.centers, best.centers)


def test_n_init_one_is_the_default(faithful_std):
    a = mixlib.kmeans(faithful_std, 3, seed=5)
    b = mixlib.kmeans(faithful_std, 3, seed=5, n_init=1)
    np.testing.assert_array_equal(a.labels, b.labels)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError)])
def test_n_init_must_be_a_positive_integer(faithful_std, bad, error):
    with pytest.raises(error, match="n_init must be a positive integer"):
        mixlib.kmeans(faithful_std, 2, n_init=bad)


def test_n_init_with_explicit_centres_is_refused(faithful_std):
    with pytest.raises(ValueError, match=r"n_init=3 .*init centres.*n_init=1"):
        mixlib.kmeans(faithful_std, 2, init=faithful_std[:2], n_init=3)


# ---------------------------------------------------------------------------
# Argument checks


def test_complex_initial_centres_are_refused(faithful_std):
    with pytest.raises(TypeError, match="init centres must be real"):
        mixlib.kmeans(faithful_std, 2, init=faithful_std[:2] + 1j)


def test_boolean_and_integer_centres_are_accepted(faithful_std):
    X = np.round(faithful_std * 4)
    result = mixlib.kmeans(X, 2, init=np.array([[-4, -4], [4, 4]]))
    assert result.converged


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_centres_with_nan_name_the_argument(faithful_std, bad):
    start = faithful_std[:2].copy()
    start[0, 1] = bad
    with pytest.raises(ValueError, match="init centres contain NaN or inf"):
        mixlib.kmeans(faithful_std, 2, init=start)


def test_distortion_checks_its_arguments(faithful_std):
    X = faithful_std
    centers = X[:3]
    labels = np.zeros(len(X), dtype=int)
    assert distortion(X, centers, labels) == pytest.approx(J(X, centers, labels))
    with pytest.raises(ValueError, match=r"labels must have shape \(N,\) = \(272,\)"):
        distortion(X, centers, labels[:-1])
    with pytest.raises(ValueError, match=r"labels must be integers in 0, …, K − 1 = 2"):
        distortion(X, centers, labels + 3)
    with pytest.raises(ValueError, match=r"labels must be integers in 0, …, K − 1 = 2"):
        distortion(X, centers, labels - 1)
    with pytest.raises(TypeError, match="labels must be integers"):
        distortion(X, centers, labels + 0.5)
    with pytest.raises(ValueError, match=r"centers must have shape \(K, D\) with D = 2"):
        distortion(X, X[:3, :1], labels)
    with pytest.raises(TypeError, match="centers must be real"):
        distortion(X, centers + 1j, labels)
    with pytest.raises(ValueError, match="centers contain NaN or inf"):
        distortion(X, centers * np.nan, labels)


def test_squared_distances_checks_its_arguments(faithful_std):
    X = faithful_std
    with pytest.raises(ValueError, match=r"centers must have shape \(K, D\) with D = 2"):
        squared_distances(X, X[:3, :1])
    with pytest.raises(TypeError, match="centers must be real"):
        squared_distances(X, X[:3] * 1j)
    with pytest.raises(ValueError, match=r"X must be 2-D"):
        squared_distances(X[:, 0], X[:3])
    np.testing.assert_allclose(
        squared_distances(X, X[:3]), ((X[:, None] - X[None, :3]) ** 2).sum(axis=2), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("bad", [0, -1, 2.0, "3", None])
def test_max_iter_must_be_a_positive_integer(faithful_std, bad):
    with pytest.raises((TypeError, ValueError), match="max_iter must be a positive integer"):
        mixlib.kmeans(faithful_std, 2, max_iter=bad)
