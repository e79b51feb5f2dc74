"""Pictures of Gaussian mixtures, k-means and EM, in the style of PRML chapter 9.

The mixture is

    p(x) = Σ_k π_k N(x | μ_k, Σ_k),

with mixing coefficients ``weights`` π_k (shape (K,)), ``means`` μ_k (shape
(K, D)) and full ``covariances`` Σ_k (shape (K, D, D)).  Responsibilities
γ(z_nk) = p(z_k = 1 | x_n) have shape (N, K).

Every public function draws on the Axes ``ax`` passed as its first argument and
returns the artists it created; titles are left to the caller.  Component k is
always drawn in ``PALETTE[k % len(PALETTE)]`` unless ``colors`` is given, so the
same component has the same colour in every panel of a figure.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib import cbook
from matplotlib import colors as mcolors
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse
from matplotlib.ticker import MaxNLocator

from ._validation import SUM_TOLERANCE, float_array, sums_to_one
from .gmm import log_density

__all__ = [
    "PALETTE",
    "component_colors",
    "covariance_ellipses",
    "mark_means",
    "density_contours",
    "responsibility_scatter",
    "label_scatter",
    "log_likelihood_trace",
    "distortion_trace",
]

#: Okabe–Ito palette: distinguishable under the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

_SLICE_HINT = (
    "plot two coordinates at a time by slicing, e.g. means[:, [i, j]] and covariances[:, [i, j]][:, :, [i, j]]"
)


# --------------------------------------------------------------------------
# colours
# --------------------------------------------------------------------------


def component_colors(n_components):
    """RGB colours for components k = 0, ..., K−1, cycling through `PALETTE`.

    Parameters
    ----------
    n_components : int
        The number of components K ≥ 1.

    Returns
    -------
    ndarray, shape (K, 3)
        Row k is the RGB triple (floats in [0, 1]) of ``PALETTE[k % 8]``.
    """
    if isinstance(n_components, bool) or not isinstance(n_components, numbers.Integral):
        raise ValueError(
            f"n_components must be a positive integer, got {n_components!r}; "
            f"pass the number of components K, e.g. len(weights)."
        )
    if n_components < 1:
        raise ValueError(f"n_components must be at least 1, got {n_components}.")
    return np.array([mcolors.to_rgb(PALETTE[k % len(PALETTE)]) for k in range(int(n_components))])


def _resolve_colors(colors, n_components):
    """(K, 3) RGB array from ``colors`` (None, one colour, or ≥ K colours)."""
    if colors is None:
        return component_colors(n_components)
    # One colour for every component is the natural way to draw e.g. the true
    # parameters in black next to the fitted ones.
    if _is_single_color(colors):
        return np.tile(mcolors.to_rgb(colors), (n_components, 1))
    rgb = _color_list(colors, n_components)
    if rgb.shape[0] < n_components:
        raise ValueError(
            f"colors has {rgb.shape[0]} colours but {n_components} components need "
            f"colouring; pass at least {n_components}, or colors=None to cycle PALETTE."
        )
    return rgb[:n_components]


def _is_single_color(colors):
    # An RGB(A) tuple of numbers is colour-like and means one colour, whereas a
    # sequence of colours such as ("red", "blue") or an (K, 3) array is not.
    return colors is not None and mcolors.is_color_like(colors)


def _color_list(colors, n_components):
    try:
        return mcolors.to_rgba_array(colors)[:, :3]
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"colors must be None, one matplotlib colour, or a sequence of at least "
            f"{n_components} colours (e.g. mixlib.plotting.PALETTE): {exc}"
        ) from None


def _color_count(colors):
    """How many colours `colors` lists, or None if it colours any number of components."""
    if colors is None or _is_single_color(colors):
        return None
    return _color_list(colors, 1).shape[0]


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


def _check_means(means, n_features=None):
    means = float_array(means, "means")
    if means.ndim != 2 or means.shape[0] == 0:
        hint = "; for a single component use means[np.newaxis]" if means.ndim == 1 else ""
        raise ValueError(f"means must have shape (K, D), got shape {means.shape}{hint}.")
    if n_features is not None and means.shape[1] != n_features:
        raise ValueError(f"means must have shape (K, {n_features}), got shape {means.shape}; " + _SLICE_HINT + ".")
    return means


def _check_covariances(covariances, means, n_features=None):
    covariances = float_array(covariances, "covariances")
    K, D = means.shape
    if covariances.shape != (K, D, D):
        if n_features is not None and covariances.ndim == 3 and covariances.shape[0] == K:
            raise ValueError(
                f"covariances must have shape (K, {n_features}, {n_features}) = "
                f"({K}, {n_features}, {n_features}), got shape {covariances.shape}; " + _SLICE_HINT + "."
            )
        hint = ""
        if covariances.shape == (K, D):
            hint = "; for diagonal variances v of shape (K, D) pass v[:, :, None] * np.eye(D)"
        raise ValueError(
            f"covariances must have shape (K, D, D) = ({K}, {D}, {D}) to match means, "
            f"got shape {covariances.shape}{hint}."
        )
    scale = np.abs(covariances).max(axis=(1, 2), keepdims=True)
    if np.any(np.abs(covariances - np.swapaxes(covariances, 1, 2)) > 1e-8 * scale):
        raise ValueError("covariances must be symmetric matrices; symmetrise them with (S + S.transpose(0, 2, 1)) / 2.")
    return covariances


def _cholesky_factors(covariances):
    """Lower Cholesky factors L_k with Σ_k = L_k L_kᵀ; fails loudly if Σ_k is not SPD."""
    factors = np.empty_like(covariances)
    for k, cov in enumerate(covariances):
        try:
            factors[k] = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            D = cov.shape[0]
            raise ValueError(
                f"covariances[{k}] is not positive definite; add a small multiple of "
                f"the identity, e.g. covariances[{k}] + 1e-6 * np.eye({D})."
            ) from None
    return factors


def _check_weights(weights, n_components):
    weights = float_array(weights, "weights")
    if weights.shape != (n_components,):
        raise ValueError(f"weights must have shape (K,) = ({n_components},) to match means, got shape {weights.shape}.")
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative (they are the mixing coefficients π_k).")
    total = weights.sum()
    if not sums_to_one(total):
        raise ValueError(
            f"weights must sum to 1 (they are the mixing coefficients π_k; to a relative "
            f"{SUM_TOLERANCE:g}), but they sum to {float(total)!r}; divide them by their sum."
        )
    return weights


def _check_points(X, name="X"):
    X = float_array(X, name)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"{name} must have shape (N, 2), got shape {X.shape}; "
            f"plot two coordinates at a time, e.g. {name}[:, [i, j]]."
        )
    return X


# --------------------------------------------------------------------------
# parameters: ellipses, means, density
# --------------------------------------------------------------------------


def covariance_ellipses(ax, means, covariances, *, n_std=(1, 2, 3), colors=None, **kwargs):
    """Draw the ellipses of Mahalanobis radius c of each component.

    For component k and each c in `n_std` the ellipse is
    {x : (x − μ_k)ᵀ Σ_k⁻¹ (x − μ_k) = c²}; its semi-axes point along the
    eigenvectors of Σ_k and have lengths c·sqrt(ω_i), ω_i the eigenvalues.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    means : array_like, shape (K, 2)
        The centres μ_k.
    covariances : array_like, shape (K, 2, 2)
        The full covariance matrices Σ_k.
    n_std : float or sequence of float, default (1, 2, 3)
        Mahalanobis radii c > 0; outer ellipses are drawn thinner and fainter.
    colors : None, colour, or sequence of ≥ K colours, optional
        Edge colour of component k; default ``PALETTE`` cycled.
    **kwargs
        Passed to `matplotlib.patches.Ellipse` and override the defaults.
        A ``label`` is attached to the first ellipse only, so a legend shows
        it once.

    Returns
    -------
    list of matplotlib.patches.Ellipse
        Component-major: (k=0, n_std[0]), (k=0, n_std[1]), ..., (k=1, n_std[0]), ...
    """
    means = _check_means(means, n_features=2)
    covariances = _check_covariances(covariances, means, n_features=2)
    _cholesky_factors(covariances)
    radii = np.atleast_1d(np.asarray(n_std, dtype=float))
    if radii.ndim != 1 or radii.size == 0 or not np.all(np.isfinite(radii)) or np.any(radii <= 0):
        raise ValueError(
            f"n_std must be a positive number or a non-empty sequence of them, got {n_std!r}; e.g. n_std=(1, 2, 3)."
        )
    rgb = _resolve_colors(colors, means.shape[0])
    kwargs = cbook.normalize_kwargs(kwargs, Ellipse)
    # The ellipses are unfilled, so a plain colour can only mean the edge; passing
    # it on as `color` would make matplotlib warn about overriding edgecolor.
    if "color" in kwargs:
        kwargs["edgecolor"] = kwargs.pop("color")
    label = kwargs.pop("label", None)

    artists = []
    for k in range(means.shape[0]):
        eigvals, eigvecs = np.linalg.eigh(covariances[k])  # ascending eigenvalues
        major = eigvecs[:, -1]
        angle = np.degrees(np.arctan2(major[1], major[0]))
        for n in radii:
            # Relative to the innermost ellipse, so a lone n_std=2 is drawn boldly.
            prominence = radii.min() / n
            style = {
                "fill": False,
                "edgecolor": rgb[k],
                "linewidth": 2.0 * prominence,
                "alpha": 0.4 + 0.6 * prominence,
                **kwargs,
            }
            if label is not None and not artists:
                style["label"] = label
            ellipse = Ellipse(
                xy=means[k],
                width=2 * n * np.sqrt(eigvals[-1]),
                height=2 * n * np.sqrt(eigvals[0]),
                angle=angle,
                **style,
            )
            ax.add_patch(ellipse)
            artists.append(ellipse)
    return artists


def mark_means(ax, means, colors=None, **kwargs):
    """Mark each centre μ_k with an "x" in its component's colour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    means : array_like, shape (K, 2)
        The centres μ_k.
    colors : None, colour, or sequence of ≥ K colours, optional
        Default ``PALETTE`` cycled.
    **kwargs
        Passed to `matplotlib.axes.Axes.scatter`, overriding the defaults.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    means = _check_means(means, n_features=2)
    rgb = _resolve_colors(colors, means.shape[0])
    style = {"marker": "x", "s": 60, "linewidths": 2.0, "zorder": 3, **kwargs}
    return ax.scatter(means[:, 0], means[:, 1], c=rgb, **style)


def _check_limits(limits, name):
    try:
        lo, hi = (float(v) for v in limits)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {limits!r}.") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {(lo, hi)}.")
    return lo, hi


def density_contours(ax, weights, means, covariances, *, grid=None, levels=10, n_grid=200, **kwargs):
    """Contour lines of the mixture density p(x) = Σ_k π_k N(x | μ_k, Σ_k).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    weights : array_like, shape (K,)
        Mixing coefficients π_k, non-negative, summing to 1.
    means : array_like, shape (K, 2)
    covariances : array_like, shape (K, 2, 2)
    grid : pair (xlim, ylim), optional
        Region to evaluate p(x) on. Default: the current limits of `ax` if
        something is already plotted, else the box μ_k ± 3 sqrt((Σ_k)_dd)
        around all components.
    levels : int or sequence of float, default 10
        Passed to `matplotlib.axes.Axes.contour` (density values, not log).
    n_grid : int, default 200
        Grid points per axis.
    **kwargs
        Passed to `matplotlib.axes.Axes.contour`.

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    means = _check_means(means, n_features=2)
    weights = _check_weights(weights, means.shape[0])
    covariances = _check_covariances(covariances, means, n_features=2)
    if isinstance(n_grid, bool) or not isinstance(n_grid, numbers.Integral) or n_grid < 2:
        raise ValueError(f"n_grid must be an integer ≥ 2, got {n_grid!r}; e.g. n_grid=200.")

    if grid is not None:
        try:
            xlim, ylim = grid
        except (TypeError, ValueError):
            raise ValueError(f"grid must be a pair (xlim, ylim) such as ((-3, 3), (-2, 2)), got {grid!r}.") from None
        xlim, ylim = _check_limits(xlim, "grid[0] (xlim)"), _check_limits(ylim, "grid[1] (ylim)")
    elif ax.has_data():
        # Match the data already shown, so the contours neither stop short of
        # it nor rescale the view.
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
    else:
        sd = np.sqrt(np.diagonal(covariances, axis1=1, axis2=2))
        lo, hi = (means - 3 * sd).min(axis=0), (means + 3 * sd).max(axis=0)
        xlim, ylim = (lo[0], hi[0]), (lo[1], hi[1])

    xs = np.linspace(min(xlim), max(xlim), n_grid)
    ys = np.linspace(min(ylim), max(ylim), n_grid)
    xx, yy = np.meshgrid(xs, ys)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    density = np.exp(log_density(points, weights, means, covariances))
    return ax.contour(xx, yy, density.reshape(xx.shape), levels=levels, **kwargs)


# --------------------------------------------------------------------------
# data: soft and hard assignments
# --------------------------------------------------------------------------


def responsibility_scatter(ax, X, responsibilities, *, colors=None, s=12, **kwargs):
    """Scatter the points, each coloured by its responsibilities.

    Point n gets the RGB colour Σ_k γ(z_nk) c_k, where c_k is the colour of
    component k, so a point shared equally by a blue and a red component is
    drawn purple (PRML Figs 9.5 and 9.8).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    X : array_like, shape (N, 2)
        The points x_n.
    responsibilities : array_like, shape (N, K)
        γ(z_nk): finite, non-negative, each row summing to 1.
    colors : None, colour, or sequence of ≥ K colours, optional
        The c_k; default ``PALETTE`` cycled.
    s : float, default 12
        Marker area.
    **kwargs
        Passed to `matplotlib.axes.Axes.scatter`.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    X = _check_points(X)
    gamma = float_array(responsibilities, "responsibilities")
    if gamma.ndim != 2 or gamma.shape[0] != X.shape[0] or gamma.shape[1] == 0:
        raise ValueError(
            f"responsibilities must have shape (N, K) with N = len(X) = {X.shape[0]} "
            f"and K ≥ 1, got shape {gamma.shape}."
        )
    if np.any(gamma < 0):
        raise ValueError("responsibilities must be non-negative (they are probabilities γ(z_nk)).")
    row_sums = gamma.sum(axis=1)
    bad = np.flatnonzero(~sums_to_one(row_sums))
    if bad.size:
        raise ValueError(
            f"responsibilities must have rows summing to 1, but row {bad[0]} sums to "
            f"{row_sums[bad[0]]:.6g}; normalise with gamma / gamma.sum(axis=1, keepdims=True)."
        )
    rgb = gamma @ _resolve_colors(colors, gamma.shape[1])
    # Rows that sum to 1 only within tolerance can overshoot [0, 1] by rounding.
    rgb = np.clip(rgb, 0.0, 1.0)
    return ax.scatter(X[:, 0], X[:, 1], c=rgb, s=s, **kwargs)


def label_scatter(ax, X, labels, *, colors=None, s=12, **kwargs):
    """Scatter the points, each coloured by its hard assignment.

    Point n gets the colour c_k of the k with r_nk = 1 (k-means), i.e. the
    limit of `responsibility_scatter` when every γ(z_nk) is 0 or 1.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    X : array_like, shape (N, 2)
        The points x_n.
    labels : array_like of int, shape (N,)
        Component indices in 0, ..., K−1.
    colors : None, colour, or sequence of ≥ K colours, optional
        The c_k; default ``PALETTE`` cycled, so label k always has ``PALETTE[k % 8]``.
    s : float, default 12
        Marker area.
    **kwargs
        Passed to `matplotlib.axes.Axes.scatter`.

    Returns
    -------
    matplotlib.collections.PathCollection
    """
    X = _check_points(X)
    values = float_array(labels, "labels")
    if values.shape != (X.shape[0],):
        raise ValueError(f"labels must have shape (N,) with N = len(X) = {X.shape[0]}, got shape {values.shape}.")
    if np.any(values != np.round(values)) or np.any(values < 0):
        raise ValueError(
            "labels must be non-negative integers 0, ..., K−1 (component indices); "
            "for soft assignments use responsibility_scatter."
        )
    labels = values.astype(int)
    n_components = int(labels.max()) + 1 if labels.size else 1
    n_given = _color_count(colors)
    if n_given is not None and n_components > n_given:
        raise ValueError(
            f"labels must lie in 0, ..., {n_given - 1} to index the {n_given} colours "
            f"given, but the largest label is {n_components - 1}; pass more colors "
            f"or colors=None."
        )
    rgb = _resolve_colors(colors, n_components)
    return ax.scatter(X[:, 0], X[:, 1], c=rgb[labels].reshape(-1, 3), s=s, **kwargs)


# --------------------------------------------------------------------------
# convergence traces
# --------------------------------------------------------------------------


def _trace(ax, values, name, ylabel, label, kwargs):
    """Plot ``values`` against iteration 0, 1, 2, ... and label empty axes."""
    y = float_array(values, name)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence (one value per iteration), got shape {y.shape}.")
    style = {"marker": "o", "markersize": 4, **cbook.normalize_kwargs(kwargs, Line2D)}
    (line,) = ax.plot(np.arange(y.size), y, label=label, **style)
    # Respect labels the caller chose, e.g. when two traces share an axis.
    if not ax.get_xlabel():
        ax.set_xlabel("iteration")
    if not ax.get_ylabel():
        ax.set_ylabel(ylabel)
    # Iterations are counted; ticks at 2.5 would suggest otherwise.
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return line


def log_likelihood_trace(ax, log_likelihoods, *, label=None, **kwargs):
    """Plot ln p(X | π, μ, Σ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k) per EM iteration.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    log_likelihoods : sequence of float
        Finite values, entry i after i EM iterations (0 = initial parameters).
    label : str, optional
        Legend label of the line.
    **kwargs
        Passed to `matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.lines.Line2D
        Sets the axis labels "iteration" and "log-likelihood" where they are empty.
    """
    return _trace(ax, log_likelihoods, "log_likelihoods", "log-likelihood", label, kwargs)


def distortion_trace(ax, distortions, *, label=None, **kwargs):
    """Plot the k-means distortion J = Σ_n Σ_k r_nk ‖x_n − μ_k‖² per iteration.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    distortions : sequence of float
        Finite values of J, entry i after i iterations.
    label : str, optional
        Legend label of the line.
    **kwargs
        Passed to `matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.lines.Line2D
        Sets the axis labels "iteration" and "distortion J" where they are empty.
    """
    return _trace(ax, distortions, "distortions", "distortion J", label, kwargs)
