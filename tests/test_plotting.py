"""Tests for mixlib.plotting: geometry of the pictures, not their looks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.contour import QuadContourSet  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from scipy.special import logsumexp  # noqa: E402
from scipy.stats import multivariate_normal  # noqa: E402

from mixlib.gmm import log_density
from mixlib.plotting import (  # noqa: E402
    PALETTE,
    component_colors,
    covariance_ellipses,
    density_contours,
    distortion_trace,
    label_scatter,
    log_likelihood_trace,
    mark_means,
    responsibility_scatter,
)

TILTED = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 3 (along (1, 1)) and 1


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def three_components():
    weights = np.array([0.5, 0.3, 0.2])
    means = np.array([[0.0, 0.0], [4.0, 1.0], [-2.0, 3.0]])
    covariances = np.array([TILTED, [[1.0, 0.0], [0.0, 0.25]], [[0.5, -0.3], [-0.3, 1.5]]])
    return weights, means, covariances


def boundary_points(ellipse, n=64):
    """Points on the drawn ellipse: the unit circle under the patch transform."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return ellipse.get_patch_transform().transform(np.column_stack([np.cos(t), np.sin(t)]))


def mahalanobis_sq(points, mean, cov):
    diff = points - mean
    return np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)


def random_spd(rng, D):
    A = rng.normal(size=(D, D))
    return A @ A.T + 0.5 * np.eye(D)


# --------------------------------------------------------------------------
# palette
# --------------------------------------------------------------------------


def test_palette_is_okabe_ito_in_order():
    assert PALETTE == (
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#F0E442",
        "#000000",
    )


def test_component_colors_cycle_through_palette():
    rgb = component_colors(10)
    assert rgb.shape == (10, 3)
    np.testing.assert_array_equal(rgb[0], mcolors.to_rgb(PALETTE[0]))
    np.testing.assert_array_equal(rgb[7], mcolors.to_rgb(PALETTE[7]))
    np.testing.assert_array_equal(rgb[8], rgb[0])
    np.testing.assert_array_equal(rgb[9], rgb[1])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_component_colors_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError, match="n_components"):
        component_colors(bad)


# --------------------------------------------------------------------------
# covariance ellipses
# --------------------------------------------------------------------------


def test_one_sigma_ellipse_of_tilted_covariance(ax):
    (ellipse,) = covariance_ellipses(ax, [[1.0, -2.0]], [TILTED], n_std=1)
    assert isinstance(ellipse, Ellipse)
    np.testing.assert_allclose(ellipse.center, [1.0, -2.0])
    np.testing.assert_allclose(ellipse.width, 2 * np.sqrt(3.0))
    np.testing.assert_allclose(ellipse.height, 2 * np.sqrt(1.0))
    # An ellipse is symmetric under a half turn, so the angle is defined mod 180°.
    np.testing.assert_allclose(ellipse.angle % 180, 45.0)
    np.testing.assert_allclose(mahalanobis_sq(boundary_points(ellipse), [1.0, -2.0], TILTED), 1.0)


def test_axis_aligned_ellipse_with_major_axis_vertical(ax):
    (ellipse,) = covariance_ellipses(ax, [[0.0, 0.0]], [[[1.0, 0.0], [0.0, 4.0]]], n_std=(1,))
    np.testing.assert_allclose([ellipse.width, ellipse.height], [4.0, 2.0])
    np.testing.assert_allclose(ellipse.angle % 180, 90.0)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    log_eigs=st.tuples(st.floats(-2, 2), st.floats(-2, 2)),
    theta=st.floats(0, np.pi),
    mean=st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
    n=st.floats(0.5, 4),
)
def test_ellipse_boundary_has_mahalanobis_radius_n(log_eigs, theta, mean, n):
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    cov = rotation @ np.diag(np.exp(log_eigs)) @ rotation.T
    cov = (cov + cov.T) / 2
    fig, ax = plt.subplots()
    try:
        (ellipse,) = covariance_ellipses(ax, [mean], [cov], n_std=n)
        np.testing.assert_allclose(mahalanobis_sq(boundary_points(ellipse), mean, cov), n**2, rtol=1e-8)
    finally:
        plt.close(fig)


def test_ellipses_are_component_major_and_scale_with_n(ax):
    _, means, covariances = three_components()
    artists = covariance_ellipses(ax, means, covariances, n_std=(1, 2, 3))
    assert len(artists) == 3 * 3
    assert all(isinstance(a, Ellipse) and a in ax.patches for a in artists)
    for k in range(3):
        group = artists[3 * k : 3 * k + 3]
        for n, ellipse in zip((1, 2, 3), group):
            np.testing.assert_allclose(ellipse.center, means[k])
            np.testing.assert_allclose(ellipse.width, n * group[0].width)
            np.testing.assert_allclose(ellipse.height, n * group[0].height)
            assert not ellipse.get_fill()
            np.testing.assert_allclose(ellipse.get_edgecolor()[:3], mcolors.to_rgb(PALETTE[k]))
        widths = [e.get_linewidth() for e in group]
        alphas = [e.get_alpha() for e in group]
        assert widths[0] > widths[1] > widths[2] > 0
        assert 1 >= alphas[0] > alphas[1] > alphas[2] > 0


def test_ellipse_count_is_k_times_len_n_std(ax):
    _, means, covariances = three_components()
    assert len(covariance_ellipses(ax, means, covariances, n_std=(1, 2))) == 6
    assert len(covariance_ellipses(ax, means[:1], covariances[:1])) == 3


def test_ellipse_colors_kwargs_and_label(ax):
    _, means, covariances = three_components()
    artists = covariance_ellipses(
        ax, means, covariances, n_std=(1, 2), colors=["red", "green", "blue"], lw=5, label="fit"
    )
    np.testing.assert_allclose(artists[2].get_edgecolor()[:3], mcolors.to_rgb("green"))
    assert all(a.get_linewidth() == 5 for a in artists)
    # A legend should list the set once, not once per ellipse.
    assert [a.get_label() for a in artists].count("fit") == 1
    single = covariance_ellipses(ax, means, covariances, n_std=1, color="k")
    assert all(np.allclose(a.get_edgecolor()[:3], 0.0) for a in single)


def test_ellipses_reject_higher_dimensional_covariances(ax):
    means = np.zeros((2, 3))
    covariances = np.stack([np.eye(3)] * 2)
    with pytest.raises(ValueError, match=r"covariances must have shape \(K, 2, 2\).*slicing"):
        covariance_ellipses(ax, means[:, :2], covariances)
    with pytest.raises(ValueError, match=r"means must have shape \(K, 2\).*slicing"):
        covariance_ellipses(ax, means, covariances)


@pytest.mark.parametrize(
    "covariances, match",
    [
        (np.array([[[1.0, 0.5], [0.0, 1.0]]]), "covariances must be symmetric"),
        (np.array([[[1.0, 2.0], [2.0, 1.0]]]), r"covariances\[0\] is not positive definite"),
        (np.array([[1.0, 1.0]]), r"covariances must have shape .*v\[:, :, None\]"),
        (np.array([[[np.nan, 0.0], [0.0, 1.0]]]), "covariances contains NaN"),
        (np.stack([np.eye(2)] * 2), r"covariances must have shape"),
    ],
)
def test_ellipses_reject_bad_covariances(ax, covariances, match):
    with pytest.raises(ValueError, match=match):
        covariance_ellipses(ax, [[0.0, 0.0]], covariances)


@pytest.mark.parametrize("n_std", [(), (1, -2), 0, (1, np.inf)])
def test_ellipses_reject_bad_n_std(ax, n_std):
    with pytest.raises(ValueError, match="n_std"):
        covariance_ellipses(ax, [[0.0, 0.0]], [np.eye(2)], n_std=n_std)


def test_ellipses_reject_too_few_colors(ax):
    _, means, covariances = three_components()
    with pytest.raises(ValueError, match="colors"):
        covariance_ellipses(ax, means, covariances, colors=["red", "blue"])


def test_mark_means(ax):
    _, means, _ = three_components()
    markers = mark_means(ax, means)
    assert isinstance(markers, PathCollection)
    np.testing.assert_allclose(markers.get_offsets(), means)
    np.testing.assert_allclose(markers.get_facecolors()[:, :3], component_colors(3))
    with pytest.raises(ValueError, match="means must have shape"):
        mark_means(ax, [0.0, 1.0])


# --------------------------------------------------------------------------
# mixture density
# --------------------------------------------------------------------------


def scipy_log_density(points, weights, means, covariances):
    with np.errstate(divide="ignore"):
        terms = [np.log(w) + multivariate_normal(m, c).logpdf(points) for w, m, c in zip(weights, means, covariances)]
    return logsumexp(np.column_stack(terms), axis=1)


@pytest.mark.parametrize("D, K", [(1, 1), (2, 3), (3, 4)])
def test_log_density_matches_scipy(D, K):
    rng = np.random.default_rng(D * 10 + K)
    weights = rng.dirichlet(np.ones(K))
    means = rng.normal(scale=3, size=(K, D))
    covariances = np.stack([random_spd(rng, D) for _ in range(K)])
    points = rng.normal(scale=4, size=(200, D))
    np.testing.assert_allclose(
        log_density(points, weights, means, covariances),
        scipy_log_density(points, weights, means, covariances),
        rtol=1e-10,
    )


def test_log_density_is_finite_far_out_and_allows_zero_weights():
    weights, means, covariances = three_components()
    weights = np.array([0.0, 0.6, 0.4])
    points = np.array([[200.0, -300.0], [1e3, 1e3], [4.0, 1.0]])
    got = log_density(points, weights, means, covariances)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, scipy_log_density(points, weights, means, covariances), rtol=1e-10)


@pytest.mark.parametrize(
    "weights, match",
    [
        ([0.5, 0.3, 0.3], "weights must sum to 1"),
        ([1.2, -0.1, -0.1], "weights must be non-negative"),
        ([0.5, 0.5], r"to match the 2 weights"),
    ],
)
def test_log_density_rejects_bad_weights(weights, match):
    _, means, covariances = three_components()
    with pytest.raises(ValueError, match=match):
        log_density(np.zeros((1, 2)), weights, means, covariances)


def spy_on_contour(ax, monkeypatch):
    calls = []
    original = ax.contour

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(ax, "contour", spy)
    return calls


def test_density_contours_evaluate_the_mixture_density(ax, monkeypatch):
    weights, means, covariances = three_components()
    calls = spy_on_contour(ax, monkeypatch)
    cs = density_contours(ax, weights, means, covariances, n_grid=30, levels=5)
    assert isinstance(cs, QuadContourSet)
    (xx, yy, zz), kwargs = calls[0]
    assert xx.shape == yy.shape == zz.shape == (30, 30)
    assert kwargs["levels"] == 5
    points = np.column_stack([xx.ravel(), yy.ravel()])
    expected = np.exp(scipy_log_density(points, weights, means, covariances))
    np.testing.assert_allclose(zz.ravel(), expected, rtol=1e-10)


def test_density_contours_default_grid_is_means_plus_minus_three_sd(ax, monkeypatch):
    weights, means, covariances = three_components()
    calls = spy_on_contour(ax, monkeypatch)
    density_contours(ax, weights, means, covariances)
    (xx, yy, _), _ = calls[0]
    sd = np.sqrt(np.diagonal(covariances, axis1=1, axis2=2))
    np.testing.assert_allclose([xx.min(), xx.max()], [(means - 3 * sd)[:, 0].min(), (means + 3 * sd)[:, 0].max()])
    np.testing.assert_allclose([yy.min(), yy.max()], [(means - 3 * sd)[:, 1].min(), (means + 3 * sd)[:, 1].max()])
    assert xx.shape == (200, 200)


def test_density_contours_follow_plotted_data_then_explicit_grid(ax, monkeypatch):
    weights, means, covariances = three_components()
    ax.scatter([-8.0, 9.0], [-4.0, 6.0])
    ax.set_xlim(-10, 10)
    ax.set_ylim(-5, 7)
    calls = spy_on_contour(ax, monkeypatch)
    density_contours(ax, weights, means, covariances, n_grid=20)
    (xx, yy, _), _ = calls[-1]
    np.testing.assert_allclose([xx.min(), xx.max(), yy.min(), yy.max()], [-10, 10, -5, 7])
    density_contours(ax, weights, means, covariances, grid=((-1, 2), (3, 4)), n_grid=20)
    (xx, yy, _), _ = calls[-1]
    np.testing.assert_allclose([xx.min(), xx.max(), yy.min(), yy.max()], [-1, 2, 3, 4])


def test_density_contour_at_one_sigma_level_is_the_one_sigma_ellipse(ax):
    mean = np.array([1.0, -1.0])
    peak = 1 / (2 * np.pi * np.sqrt(np.linalg.det(TILTED)))
    cs = density_contours(ax, [1.0], [mean], [TILTED], levels=[peak * np.exp(-0.5)], n_grid=400)
    vertices = np.concatenate(
        [p.vertices[p.codes != Path.CLOSEPOLY] if p.codes is not None else p.vertices for p in cs.get_paths()]
    )
    assert len(vertices) > 20
    np.testing.assert_allclose(mahalanobis_sq(vertices, mean, TILTED), 1.0, atol=1e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"grid": ((0, 1),)}, "grid must be a pair"),
        ({"grid": ((1, 0), (0, 1))}, r"grid\[0\]"),
        ({"n_grid": 1}, "n_grid"),
    ],
)
def test_density_contours_reject_bad_grid(ax, kwargs, match):
    weights, means, covariances = three_components()
    with pytest.raises(ValueError, match=match):
        density_contours(ax, weights, means, covariances, **kwargs)


def test_density_contours_reject_three_dimensional_parameters(ax):
    with pytest.raises(ValueError, match="slicing"):
        density_contours(ax, [1.0], np.zeros((1, 3)), np.eye(3)[None])


# --------------------------------------------------------------------------
# scatters
# --------------------------------------------------------------------------


def test_responsibility_colours_mix_component_colours(ax):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    gamma = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.25, 0.75]])
    sc = responsibility_scatter(ax, X, gamma)
    assert isinstance(sc, PathCollection)
    np.testing.assert_allclose(sc.get_offsets(), X)
    face = sc.get_facecolors()[:, :3]
    blue, vermilion = (np.array(mcolors.to_rgb(c)) for c in PALETTE[:2])
    np.testing.assert_array_equal(face[0], blue)
    np.testing.assert_array_equal(face[1], vermilion)
    np.testing.assert_allclose(face[2], (blue + vermilion) / 2)
    np.testing.assert_allclose(face[3], 0.25 * blue + 0.75 * vermilion)


def test_responsibility_scatter_custom_colors_and_tolerance(ax):
    X = np.zeros((2, 2))
    gamma = np.array([[0.5, 0.5 + 1e-9], [0.0, 1.0]])
    sc = responsibility_scatter(ax, X, gamma, colors=["red", "blue"], s=40)
    np.testing.assert_allclose(sc.get_facecolors()[0, :3], [0.5, 0.0, 0.5], atol=1e-8)
    np.testing.assert_allclose(sc.get_sizes(), [40])


@pytest.mark.parametrize(
    "gamma, match",
    [
        ([[0.6, 0.6], [0.0, 1.0]], r"responsibilities must have rows summing to 1.*row 0"),
        ([[1.5, -0.5], [0.0, 1.0]], "responsibilities must be non-negative"),
        ([[np.nan, 1.0], [0.0, 1.0]], "responsibilities contains NaN"),
        ([[1.0, 0.0]], r"responsibilities must have shape \(N, K\)"),
        ([1.0, 1.0], r"responsibilities must have shape \(N, K\)"),
    ],
)
def test_responsibility_scatter_rejects_bad_responsibilities(ax, gamma, match):
    with pytest.raises(ValueError, match=match):
        responsibility_scatter(ax, np.zeros((2, 2)), gamma)


def test_scatters_reject_bad_points(ax):
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        responsibility_scatter(ax, np.zeros((2, 3)), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        label_scatter(ax, np.zeros(4), [0, 1])


def test_label_scatter_colours_by_label(ax):
    X = np.arange(10.0).reshape(5, 2)
    sc = label_scatter(ax, X, [0, 2, 1, 0, 2])
    assert isinstance(sc, PathCollection)
    np.testing.assert_allclose(sc.get_offsets(), X)
    expected = component_colors(3)[[0, 2, 1, 0, 2]]
    np.testing.assert_array_equal(sc.get_facecolors()[:, :3], expected)


def test_label_scatter_agrees_with_one_hot_responsibilities(ax):
    X = np.random.default_rng(0).normal(size=(6, 2))
    labels = np.array([1, 0, 1, 2, 2, 0])
    hard = label_scatter(ax, X, labels)
    soft = responsibility_scatter(ax, X, np.eye(3)[labels])
    np.testing.assert_allclose(hard.get_facecolors(), soft.get_facecolors())


@pytest.mark.parametrize(
    "labels, kwargs, match",
    [
        ([0, 1, 2], {"colors": ["red", "blue"]}, r"labels must lie in 0, \.\.\., 1"),
        ([0, -1, 1], {}, "labels must be non-negative integers"),
        ([0, 0.5, 1], {}, "labels must be non-negative integers"),
        ([0, 1], {}, r"labels must have shape \(N,\)"),
    ],
)
def test_label_scatter_rejects_bad_labels(ax, labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        label_scatter(ax, np.zeros((3, 2)), labels, **kwargs)


# --------------------------------------------------------------------------
# traces
# --------------------------------------------------------------------------


def test_log_likelihood_trace_data_and_labels(ax):
    values = [-120.0, -80.5, -75.25, -75.0]
    line = log_likelihood_trace(ax, values, label="EM")
    assert isinstance(line, Line2D)
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), values)
    assert line.get_marker() not in (None, "None", "", " ")
    assert line.get_label() == "EM"
    assert ax.get_xlabel() == "iteration"
    assert ax.get_ylabel() == "log-likelihood"


def test_distortion_trace_data_and_labels(ax):
    line = distortion_trace(ax, np.array([10.0, 4.0, 3.5]), color="k")
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(line.get_ydata(), [10.0, 4.0, 3.5])
    assert ax.get_ylabel() == "distortion J"
    assert mcolors.to_rgb(line.get_color()) == (0.0, 0.0, 0.0)


def test_traces_keep_existing_axis_labels(ax):
    ax.set_xlabel("EM step")
    ax.set_ylabel("ln p(X)")
    log_likelihood_trace(ax, [1.0, 2.0])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("EM step", "ln p(X)")


@pytest.mark.parametrize("trace, name", [(log_likelihood_trace, "log_likelihoods"), (distortion_trace, "distortions")])
@pytest.mark.parametrize("values", [[], [1.0, np.nan], [1.0, -np.inf], [[1.0, 2.0]]])
def test_traces_reject_empty_or_non_finite(ax, trace, name, values):
    with pytest.raises(ValueError, match=name):
        trace(ax, values)


def test_no_function_sets_a_title(ax):
    weights, means, covariances = three_components()
    covariance_ellipses(ax, means, covariances)
    mark_means(ax, means)
    density_contours(ax, weights, means, covariances, n_grid=20)
    responsibility_scatter(ax, means, np.eye(3))
    label_scatter(ax, means, [0, 1, 2])
    log_likelihood_trace(ax, [0.0, 1.0])
    distortion_trace(ax, [1.0, 0.0])
    assert ax.get_title() == ""
    assert ax.get_title(loc="left") == "" and ax.get_title(loc="right") == ""
