"""Lloyd's k-means: history, convergence, the distortion J, empty clusters, k-means++."""

import numpy as np
import pytest

import mixlib


def J(X, centers, labels):
    """The distortion by hand: Σ_n ‖x_n − μ_{k(n)}‖²."""
    return float(sum(np.sum((x - centers[k]) ** 2) for x, k in zip(X, labels)))


def nearest(X, centers):
    return np.argmin(((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), axis=1)


@pytest.fixture(scope="module")
def blobs():
    X, labels, truth = mixlib.random_blobs(300, 3, 2, spread=6.0, seed=4)
    return X


@pytest.fixture(scope="module")
def faithful_std():
    return mixlib.standardise(mixlib.load_faithful())[0]


@pytest.mark.parametrize("init", ["k-means++", "random", "array"])
def test_history_structure(faithful_std, init):
    X, K = faithful_std, 3
    start = X[[0, 1, 2]] if init == "array" else init
    result = mixlib.kmeans(X, K, init=start, seed=1)
    history = result.history
    assert isinstance(history, tuple)
    assert len(history) == 1 + 2 * result.n_iter
    assert result.n_iter >= 1

    first = history[0]
    assert first.step == "init"
    assert first.labels is None and first.distortion is None
    if init == "array":
        np.testing.assert_array_equal(first.centers, X[[0, 1, 2]])

    assert [s.step for s in history[1:]] == ["assign", "update"] * result.n_iter
    for previous, step in zip(history[:-1], history[1:]):
        assert step.centers.shape == (K, 2) and step.labels.shape == (len(X),)
        # J at this entry's centres and labels, by hand.
        assert step.distortion == pytest.approx(J(X, step.centers, step.labels), rel=1e-10)
        if step.step == "assign":
            np.testing.assert_array_equal(step.centers, previous.centers)  # centres unchanged
            np.testing.assert_array_equal(step.labels, nearest(X, previous.centers))
        else:
            np.testing.assert_array_equal(step.labels, previous.labels)  # no empty clusters here
            for k in range(K):
                np.testing.assert_allclose(step.centers[k], X[step.labels == k].mean(axis=0), rtol=1e-12)

    last = history[-1]
    np.testing.assert_array_equal(result.centers, last.centers)
    np.testing.assert_array_equal(result.labels, last.labels)
    np.testing.assert_allclose(result.distortions, [s.distortion for s in history[1:]])


def test_converged_result_is_a_fixed_point(blobs):
    result = mixlib.kmeans(blobs, 3, seed=0)
    assert result.converged
    assert result.n_iter < 300
    np.testing.assert_array_equal(result.labels, nearest(blobs, result.centers))
    for k in range(3):
        np.testing.assert_allclose(result.centers[k], blobs[result.labels == k].mean(axis=0), rtol=1e-12)
    assert result.distortion == pytest.approx(J(blobs, result.centers, result.labels), rel=1e-12)


def test_not_converged_when_max_iter_is_too_small(faithful_std):
    full = mixlib.kmeans(faithful_std, 4, init=faithful_std[:4])
    assert full.converged and full.n_iter >= 3
    with pytest.warns(mixlib.ConvergenceWarning, match="max_iter=2"):
        short = mixlib.kmeans(faithful_std, 4, init=faithful_std[:4], max_iter=2)
    assert not short.converged
    assert short.n_iter == 2
    # Two rounds, then the assignment half-step of the returned centres.
    assert len(short.history) == 6 and short.history[-1].step == "assign"
    # That is the same as the full run's first six half-steps.
    for a, b in zip(short.history, full.history[:6]):
        assert a.step == b.step
        np.testing.assert_array_equal(a.centers, b.centers)
        if a.labels is not None:
            np.testing.assert_array_equal(a.labels, b.labels)


def test_distortion_equals_J_by_hand(faithful_std):
    for seed in range(3):
        result = mixlib.kmeans(faithful_std, 3, seed=seed)
        assert result.distortion == pytest.approx(J(faithful_std, result.centers, result.labels), rel=1e-12)
        assert result.distortion == pytest.approx(result.distortions[-1], rel=1e-12)


def test_result_arrays_are_read_only(blobs):
    result = mixlib.kmeans(blobs, 3, seed=0)
    with pytest.raises(ValueError):
        result.centers[0, 0] = 1.0
    with pytest.raises(ValueError):
        result.labels[0] = 1


# ---------------------------------------------------------------------------
# Empty clusters


def two_clouds():
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(0.0, 1.0, (50, 2)), rng.normal(6.0, 1.0, (50, 2))])


def test_empty_cluster_rule():
    X = two_clouds()
    init = np.array([[0.0, 0.0], [6.0, 6.0], [100.0, 100.0]])  # the third centre gets no point
    assert not np.any(nearest(X, init) == 2)

    result = mixlib.kmeans(X, 3, init=init)
    assert np.all(np.isfinite(result.centers))
    assert np.all(np.bincount(result.labels, minlength=3) > 0)
    assert np.all(np.diff(result.distortions) <= 1e-12 * result.distortions[0])

    # The documented rule: the empty centre moves onto the point farthest from its own centre.
    assign, update = result.history[1], result.history[2]
    assert not np.any(assign.labels == 2)
    own = ((X - init[assign.labels]) ** 2).sum(axis=1)
    farthest = int(np.argmax(own))
    np.testing.assert_array_equal(update.centers[2], X[farthest])
    assert update.labels[farthest] == 2
    assert np.sum(update.labels == 2) == 1
    assert update.distortion <= assign.distortion - own[farthest] + 1e-9


def test_several_empty_clusters_take_the_farthest_points_in_turn():
    X = two_clouds()
    init = np.array([[0.0, 0.0], [6.0, 6.0], [100.0, 100.0], [-100.0, 50.0]])
    result = mixlib.kmeans(X, 4, init=init)
    update = result.history[2]
    own = ((X - init[result.history[1].labels]) ** 2).sum(axis=1)
    first, second = np.argsort(own)[::-1][:2]
    np.testing.assert_array_equal(update.centers[2], X[first])
    np.testing.assert_array_equal(update.centers[3], X[second])
    assert np.all(np.isfinite(result.centers))
    assert np.all(np.bincount(result.labels, minlength=4) > 0)
    assert np.all(np.diff(result.distortions) <= 1e-12 * result.distortions[0])


def test_duplicate_starting_centres():
    X = two_clouds()
    init = np.array([[0.0, 0.0], [0.0, 0.0], [6.0, 6.0]])  # the second copy is always empty
    result = mixlib.kmeans(X, 3, init=init)
    assert np.all(np.isfinite(result.centers))
    assert np.all(np.bincount(result.labels, minlength=3) > 0)
    assert np.all(np.diff(result.distortions) <= 1e-12 * result.distortions[0])


def test_as_many_clusters_as_points():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    result = mixlib.kmeans(X, 4, init=np.zeros((4, 2)) + [[0.1, 0.1]])
    assert result.distortion == pytest.approx(0.0, abs=1e-12)
    assert sorted(result.labels) == [0, 1, 2, 3]


# ---------------------------------------------------------------------------
# k-means++ and seeds


@pytest.mark.parametrize("K", [1, 3, 8])
def test_kmeans_plusplus_returns_distinct_data_points(faithful_std, K):
    for seed in range(5):
        centres = mixlib.kmeans_plusplus(faithful_std, K, seed=seed)
        assert centres.shape == (K, 2)
        assert len(np.unique(centres, axis=0)) == K
        for c in centres:
            assert np.any(np.all(faithful_std == c, axis=1))


def test_kmeans_plusplus_is_reproducible(faithful_std):
    a = mixlib.kmeans_plusplus(faithful_std, 4, seed=17)
    b = mixlib.kmeans_plusplus(faithful_std, 4, seed=17)
    np.testing.assert_array_equal(a, b)
    c = mixlib.kmeans_plusplus(faithful_std, 4, seed=np.random.default_rng(17))
    np.testing.assert_array_equal(a, c)
    different = [mixlib.kmeans_plusplus(faithful_std, 4, seed=s) for s in range(18, 23)]
    assert any(not np.array_equal(a, d) for d in different)


def test_kmeans_plusplus_spreads_centres_over_separated_clusters():
    """With tight clusters 100 apart the squared-distance weighting picks one
    centre per cluster with probability ≈ 1 − 1e-5; uniform picking would not."""
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(c, 0.1, size=(40, 2)) for c in ([0, 0], [100, 0], [0, 100])])
    truth = np.repeat([0, 1, 2], 40)
    for seed in range(20):
        centres = mixlib.kmeans_plusplus(X, 3, seed=seed)
        rows = [int(np.flatnonzero(np.all(X == c, axis=1))[0]) for c in centres]
        assert sorted(truth[rows]) == [0, 1, 2]


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_kmeans_is_reproducible_with_a_seed(faithful_std, init):
    a = mixlib.kmeans(faithful_std, 4, init=init, seed=3)
    b = mixlib.kmeans(faithful_std, 4, init=init, seed=3)
    np.testing.assert_array_equal(a.centers, b.centers)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.distortion == b.distortion


def test_random_init_picks_distinct_data_points(faithful_std):
    for seed in range(5):
        with pytest.warns(mixlib.ConvergenceWarning):
            start = mixlib.kmeans(faithful_std, 5, init="random", seed=seed, max_iter=1).history[0].centers
        assert len(np.unique(start, axis=0)) == 5
        for c in start:
            assert np.any(np.all(faithful_std == c, axis=1))


def test_a_point_equally_near_two_centres_goes_to_the_first():
    X = np.array([[0.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [-2.0, 0.0], [2.0, 0.0]])
    result = mixlib.kmeans(X, 2, init=np.array([[-1.0, 0.0], [1.0, 0.0]]), max_iter=1)
    assign = result.history[1]
    assert assign.step == "assign"
    np.testing.assert_array_equal(assign.labels, [0, 0, 1, 0, 1])


def test_labels_survive_more_clusters_than_a_byte_holds():
    X = np.arange(600.0).reshape(-1, 1)
    result = mixlib.kmeans(X, 300, init=X[::2].copy())
    assert result.labels.max() == 299 and len(np.unique(result.labels)) == 300
    assert result.history[-1].labels.dtype == np.uint16
    np.testing.assert_array_equal(result.history[-1].labels, result.labels)
