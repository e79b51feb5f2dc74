"""Explorers for the lectures: k-means half-steps, EM iterations, the singularity
of the likelihood and the decomposition ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)).

Every explorer works in two worlds.

- On the static book page (no kernel) its frames are pre-rendered PNG images in
  a ``Stack``; the ``Play`` button and the frame slider are linked to it in the
  browser (``jslink``), so stepping through a run needs no Python.
- In Jupyter or on Binder the controls that rerun an algorithm (K, seed, ...)
  refit in Python, render only the frame on show at once and the others when
  the slider reaches them.

Each picture comes from a plain ``draw_*_frame(axes, ...)`` function that returns
its artists, and each run is turned into frames by a plain ``*_frames``
function, so tests (and readers) can call them without any widget.

This is the only module of mixlib that imports ipywidgets.
"""
from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image as PILImage

from . import em, gmm, plotting
from ._validation import check_data, frozen
from .clustering import KMeansStep, kmeans
from .gmm import COVARIANCE_TYPES, EMStep, SingularityError, fit_gmm

__all__ = [
    "EMFrame",
    "Explorer",
    "KLFrame",
    "KMeansFrame",
    "SingularityFrame",
    "draw_em_frame",
    "draw_kl_frame",
    "draw_kmeans_frame",
    "draw_singularity_frame",
    "em_explorer",
    "em_frames",
    "kl_explorer",
    "kl_frames",
    "kmeans_frames",
    "kmeans_stepper",
    "singularity_explorer",
    "singularity_frames",
]

#: Every frame is 640 × 256 pixels, about 10 kB as a 256-colour PNG: a 30-frame run is ~0.4 MB.
FIGSIZE = (8.0, 3.2)
DPI = 80
KERNEL_NOTE = (
    "These controls rerun the algorithm in Python: they work in Jupyter or on Binder "
    "(rocket icon above), not on this static page."
)
REG_COVAR_CHOICES = (0.0, 1e-6, 1e-3, 1e-1)
MAX_COMPONENTS = 6
_INITS = ("k-means++", "random")
_GIVEN = "given"
# Centres as filled crosses edged in black stand out on points of their own colour.
_CENTRE_STYLE = {"marker": "X", "s": 110, "edgecolors": "black", "linewidths": 1.0}


# ---------------------------------------------------------------------------
# Frames: the data behind each picture


@dataclass(frozen=True)
class KMeansFrame:
    """Half-step t of a k-means run: the state after it, the centres before it,
    and the distortion J after half-steps 1, …, t (empty for t = 0, the start)."""

    index: int
    step: KMeansStep
    previous_centers: np.ndarray | None
    distortions: np.ndarray


@dataclass(frozen=True)
class EMFrame:
    """EM iteration i: the parameters θ⁽ⁱ⁾ and the responsibilities γ(z_nk) at θ⁽ⁱ⁾."""

    step: EMStep
    responsibilities: np.ndarray


@dataclass(frozen=True)
class SingularityFrame:
    """A two-component mixture whose component 1 sits on the data point x_i:

        p(x) = π_1 N(x | x_i, (σ² + reg_covar) I) + π_2 N(x | μ, Σ),

    with (μ, Σ) the single Gaussian fitted to all the data and π_1 = 1/N (the
    share of one point).  ``log_sigmas`` and ``log_likelihoods`` hold ln σ and
    ln p(X) for this frame and every frame before it.
    """

    sigma: float
    reg_covar: float
    point_index: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_sigmas: np.ndarray
    log_likelihoods: np.ndarray

    @property
    def log_likelihood(self) -> float:
        return float(self.log_likelihoods[-1])


@dataclass(frozen=True)
class KLFrame:
    """One stage of ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)).

    ``stage`` is ``"q"`` (θ fixed, q = (1 − t) γ + t u), ``"E step"`` (q ← γ, so
    KL = 0) or ``"M step"`` (θ ← argmax_θ F(q, θ) with q fixed).
    ``previous_log_likelihood`` is ln p(X | θ_old), the level before the M step.
    """

    stage: str
    t: float | None
    q: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    free_energy: float
    kl: float
    log_likelihood: float
    previous_log_likelihood: float


def kmeans_frames(result) -> list[KMeansFrame]:
    """One frame per entry of ``result.history``: the start, then every half-step."""
    frames = []
    distortions = []
    previous = None
    for t, step in enumerate(result.history):
        if step.distortion is not None:
            distortions.append(step.distortion)
        frames.append(KMeansFrame(t, step, previous, frozen(np.array(distortions, dtype=float))))
        previous = step.centers
    return frames


def em_frames(X, result) -> list[EMFrame]:
    """One frame per EM iteration 0, 1, …, n_iter, with γ(z_nk) at that iteration's θ."""
    X = check_data(X)
    return [
        EMFrame(step, frozen(gmm.responsibilities(X, step.weights, step.means, step.covariances)))
        for step in result.history
    ]


def singularity_frames(X, sigmas, *, point_index: int, reg_covar: float = 0.0) -> list[SingularityFrame]:
    """Frames for a shrinking σ: component 1 on x_i with variance σ² + reg_covar.

    With reg_covar = 0 the term ln N(x_i | x_i, σ² I) = −(D/2) ln 2π − D ln σ
    grows without bound as σ → 0; with reg_covar > 0 the variance never drops
    below reg_covar, so ln p(X) levels off.
    """
    X = _as_2d(X)
    sigmas = np.asarray(sigmas, dtype=float)
    if sigmas.ndim != 1 or sigmas.size == 0 or np.any(sigmas <= 0) or not np.all(np.isfinite(sigmas)):
        raise ValueError(f"sigmas must be a non-empty 1-D sequence of positive numbers, got {sigmas!r}.")
    point_index = _check_point_index(point_index, X.shape[0])
    broad = _single_gaussian(X)
    frames = []
    log_likelihoods = []
    for t, sigma in enumerate(sigmas):
        weights, means, covariances = _collapsing_mixture(X, point_index, sigma, reg_covar, broad)
        log_likelihoods.append(gmm.log_likelihood(X, weights, means, covariances))
        frames.append(SingularityFrame(
            float(sigma), float(reg_covar), point_index,
            frozen(weights), frozen(means), frozen(covariances),
            frozen(np.log(sigmas[: t + 1])), frozen(np.array(log_likelihoods)),
        ))
    return frames


def kl_frames(X, weights, means, covariances, *, ts=None, toward=None) -> list[KLFrame]:
    """Frames of ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)).

    First θ stays fixed while q moves from the posterior γ(z_nk) towards
    ``toward`` (default: uniform, u_nk = 1/K) as q_t = (1 − t) γ + t u for t in
    ``ts`` (default 0, 0.2, …, 1): F falls, KL grows, their sum stays ln p.
    Then the E step sets q ← γ (KL = 0) and the M step sets θ ← argmax_θ F(q, θ)
    (``gmm.m_step`` with reg_covar = 0): F and ln p rise, and KL > 0 again.
    KL is computed in log space (``em.kl_to_posterior``), so it stays finite
    where a responsibility underflows.
    """
    X = check_data(X)
    theta_old = tuple(np.asarray(a, dtype=float) for a in (weights, means, covariances))
    gamma, ln_p_old = gmm.e_step(X, *theta_old)
    ts = np.linspace(0.0, 1.0, 6) if ts is None else np.asarray(ts, dtype=float)
    if ts.ndim != 1 or ts.size == 0 or np.any((ts < 0) | (ts > 1)):
        raise ValueError(f"ts must be a non-empty 1-D sequence of numbers in [0, 1], got {ts!r}.")
    u = np.full_like(gamma, 1.0 / gamma.shape[1]) if toward is None else np.asarray(toward, dtype=float)
    if u.shape != gamma.shape:
        raise ValueError(f"toward must have shape (N, K) = {gamma.shape}, like the responsibilities; got {u.shape}.")

    def decomposition(stage, t, q, theta):
        return KLFrame(stage, t, frozen(q), *(frozen(a) for a in theta), em.free_energy(X, q, *theta),
                       em.kl_to_posterior(X, q, *theta), gmm.log_likelihood(X, *theta), ln_p_old)

    frames = [decomposition("q", float(t), (1.0 - t) * gamma + t * u, theta_old) for t in ts]
    frames.append(decomposition("E step", None, gamma, theta_old))
    theta_new = gmm.m_step(X, gamma, covariance_type="full", reg_covar=0.0)
    frames.append(decomposition("M step", None, gamma, theta_new))
    return frames


# ---------------------------------------------------------------------------
# Drawing: plain functions of axes and frame data


def draw_kmeans_frame(axes, X, frame: KMeansFrame, *, limits=None, trace_limits=None, axis_labels=None) -> dict:
    """Left: points coloured by r_nk, centres μ_k (the previous ones faint).
    Right: the distortion J after half-steps 1, …, t, the current one ringed."""
    ax, ax_trace = axes
    X = _check_points(X)
    step = frame.step
    colors = plotting.component_colors(len(step.centers))
    if step.labels is None:
        points = ax.scatter(X[:, 0], X[:, 1], s=12, color="0.65")
    else:
        points = plotting.label_scatter(ax, X, step.labels, colors=colors)
    previous_centers, moves = None, []
    if frame.previous_centers is not None:
        previous_centers = ax.scatter(*np.asarray(frame.previous_centers).T, marker="x", c=colors,
                                      s=70, linewidths=2, alpha=0.35, zorder=3)
        for old, new, color in zip(frame.previous_centers, step.centers, colors):
            if not np.allclose(old, new):
                moves.append(ax.annotate("", xy=new, xytext=old, zorder=3,
                                         arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5}))
    centers = plotting.mark_means(ax, step.centers, colors=colors, **_CENTRE_STYLE)
    text = {"init": r"start: $K$ centres $\mu_k$",
            "assign": rf"half-step {frame.index}: assign each $x_n$ to its nearest centre ($r_{{nk}}$)",
            "update": rf"half-step {frame.index}: move each $\mu_k$ to the mean of its points"}[step.step]
    label = _corner_text(ax, text)
    _data_axes(ax, X, limits, axis_labels)

    _trace_axes(ax_trace, "half-step", "distortion J")
    t = frame.index
    if len(frame.distortions):
        trace = plotting.distortion_trace(ax_trace, frame.distortions)
        # J after half-step 1 is the first value: number the points by half-step.
        trace.set_xdata(np.arange(1, len(frame.distortions) + 1))
        (marker,) = ax_trace.plot([t], [frame.distortions[-1]], "o", ms=10, mfc="none", mec="black", mew=1.5)
    else:
        (trace,) = ax_trace.plot([], [])
        marker = None
    if trace_limits is None:
        top = max(frame.distortions) if len(frame.distortions) else 1.0
        trace_limits = ((0.5, max(t, 1) + 0.5), (0.0, 1.05 * top))
    ax_trace.set_xlim(*trace_limits[0])
    ax_trace.set_ylim(*trace_limits[1])
    return {"points": points, "centers": centers, "previous_centers": previous_centers, "moves": moves,
            "trace": trace, "marker": marker, "label": label}


def draw_em_frame(axes, X, step: EMStep, log_likelihoods, *, responsibilities=None, n_std=(1, 2),
                  limits=None, trace_limits=None, axis_labels=None) -> dict:
    """Left: points coloured by γ(z_nk) at θ⁽ⁱ⁾ with the ellipses of Σ_k around μ_k.
    Right: ln p(X | θ) at iterations 0, …, i (the first i + 1 of ``log_likelihoods``)."""
    ax, ax_trace = axes
    X = _check_points(X)
    gamma = (gmm.responsibilities(X, step.weights, step.means, step.covariances)
             if responsibilities is None else responsibilities)
    K = len(step.weights)
    points = plotting.responsibility_scatter(ax, X, gamma)
    n_radii = len(np.atleast_1d(n_std))
    flat = plotting.covariance_ellipses(ax, step.means, step.covariances, n_std=n_std)
    ellipses = [flat[k * n_radii:(k + 1) * n_radii] for k in range(K)]
    means = plotting.mark_means(ax, step.means, **_CENTRE_STYLE)
    label = _corner_text(ax, f"iteration {step.iteration}")
    _data_axes(ax, X, limits, axis_labels)

    values = np.asarray(log_likelihoods, dtype=float)[: step.iteration + 1]
    if len(values) != step.iteration + 1:
        raise ValueError(
            f"log_likelihoods must hold at least iterations 0, …, {step.iteration} "
            f"(e.g. result.log_likelihoods), got {len(values)} values."
        )
    _trace_axes(ax_trace, "iteration", "log-likelihood")
    trace = plotting.log_likelihood_trace(ax_trace, values)
    (marker,) = ax_trace.plot([step.iteration], [values[-1]], "o", ms=10, mfc="none", mec="black", mew=1.5)
    if trace_limits is not None:
        ax_trace.set_xlim(*trace_limits[0])
        ax_trace.set_ylim(*trace_limits[1])
    return {"points": points, "ellipses": ellipses, "means": means, "trace": trace, "marker": marker,
            "label": label}


def draw_singularity_frame(axes, X, frame: SingularityFrame, *, reference=None, baseline=None,
                           limits=None, trace_limits=None, axis_labels=None) -> dict:
    """Left: the data and the mixture (2-D: ellipses; 1-D: the density p(x) on a
    log scale, whose spike at x_i grows as σ shrinks).  Right: ln p(X) against
    ln σ so far; ``reference`` = (ln σ, ln p) of the other reg_covar variant,
    ``baseline`` = ln p(X) of the broad Gaussian alone."""
    ax, ax_trace = axes
    X = _as_2d(X)
    D = X.shape[1]
    x_i = X[frame.point_index]
    sigma_eff = math.sqrt(frame.sigma ** 2 + frame.reg_covar)
    colors = plotting.component_colors(2)
    density = ellipses = None
    if D == 1:
        lo, hi = limits[0] if limits is not None else _padded(X[:, 0])
        # The spike is σ wide: sample it on its own scale or the grid steps over it.
        grid = np.union1d(np.linspace(lo, hi, 400), x_i[0] + sigma_eff * np.linspace(-5, 5, 101))
        values = np.exp(gmm.log_density(grid[:, None], frame.weights, frame.means, frame.covariances))
        (density,) = ax.plot(grid, values, color=colors[0], lw=1.5)
        ax.set_yscale("log")
        if limits is not None:
            ax.set_ylim(*limits[1])
        floor = ax.get_ylim()[0]
        points = ax.scatter(X[:, 0], np.full(X.shape[0], floor * 2.0), marker="|", s=60, color="0.45")
        collapsing = ax.scatter([x_i[0]], [floor * 2.0], s=160, facecolors="none",
                                edgecolors=colors[1], linewidths=2, zorder=3)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(axis_labels[0] if axis_labels else "$x$")
        ax.set_ylabel("density p(x) (log scale)")
    elif D == 2:
        points = ax.scatter(X[:, 0], X[:, 1], s=12, color="0.65")
        # Component 1 is drawn in the vermillion of the ring around its point x_i.
        ellipses = plotting.covariance_ellipses(ax, frame.means, frame.covariances, n_std=(1, 2),
                                                colors=colors[::-1])
        collapsing = ax.scatter([x_i[0]], [x_i[1]], s=160, facecolors="none", edgecolors=colors[1],
                                linewidths=2, zorder=3)
        _data_axes(ax, X, limits, axis_labels)
    else:
        raise ValueError(f"X must have one or two columns to be drawn, got D = {D}.")
    text = f"σ = {frame.sigma:.2g}"
    if frame.reg_covar:
        text += f"\nvariance σ² + {frame.reg_covar:g}"
    label = _corner_text(ax, text)

    _trace_axes(ax_trace, "ln σ", "log-likelihood", integer=False)
    baseline_line = None
    if baseline is not None:
        baseline_line = ax_trace.axhline(baseline, color="0.5", lw=1, ls=":")
    reference_line = None
    if reference is not None:
        (reference_line,) = ax_trace.plot(*reference, "o-", ms=3, color="0.7", lw=1)
    (trace,) = ax_trace.plot(frame.log_sigmas, frame.log_likelihoods, "o-", ms=4, color=colors[1])
    (marker,) = ax_trace.plot([frame.log_sigmas[-1]], [frame.log_likelihoods[-1]], "o", ms=10,
                              mfc="none", mec="black", mew=1.5)
    if trace_limits is not None:
        ax_trace.set_xlim(*trace_limits[0])
        ax_trace.set_ylim(*trace_limits[1])
    else:
        # σ shrinks from left to right, so the climb reads left to right.
        ax_trace.set_xlim(max(ax_trace.get_xlim()), min(ax_trace.get_xlim()))
    return {"points": points, "collapsing": collapsing, "density": density, "ellipses": ellipses,
            "trace": trace, "marker": marker, "reference": reference_line, "baseline": baseline_line,
            "label": label}


def draw_kl_frame(axes, X, frame: KLFrame, *, previous=None, value_limits=None, limits=None,
                  axis_labels=None) -> dict:
    """Bishop's Figs 9.11–9.13: ln p(X | θ) as a bar split into F(q, θ) (below)
    and KL(q ‖ p(Z | X, θ)) (above).  With two axes (and 2-D X) the left one shows
    the points coloured by q and the ellipses of θ (``previous`` θ dashed)."""
    axes = list(np.atleast_1d(axes))
    ax_bars = axes[-1]
    artists = {"points": None, "ellipses": None, "previous_ellipses": None}
    stage = {"q": f"q = (1 − t) γ + t u,  t = {frame.t:.2g}" if frame.t is not None else "",
             "E step": "E step: q ← γ = p(Z | X, θ)",
             "M step": "M step: θ ← argmax F(q, θ)"}[frame.stage]
    if len(axes) == 2:
        ax = axes[0]
        X = _check_points(X)
        artists["points"] = plotting.responsibility_scatter(ax, X, frame.q)
        if previous is not None:
            artists["previous_ellipses"] = plotting.covariance_ellipses(
                ax, previous[1], previous[2], n_std=1, linestyle="--", alpha=0.5, linewidth=1.2)
        artists["ellipses"] = plotting.covariance_ellipses(ax, frame.means, frame.covariances, n_std=1)
        _data_axes(ax, X, limits, axis_labels)
        artists["label"] = _corner_text(ax, stage)
    else:
        artists["label"] = _corner_text(ax_bars, stage)

    F, KL, lnp = frame.free_energy, frame.kl, frame.log_likelihood
    if value_limits is None:
        span = max(lnp - F, abs(lnp) * 0.05, 1.0)
        value_limits = (F - 0.6 * span, max(lnp, frame.previous_log_likelihood) + 0.3 * span)
    base = value_limits[0]
    width = 0.5
    (f_bar,) = ax_bars.bar(0.0, F - base, bottom=base, width=width, color=plotting.PALETTE[0])
    (kl_bar,) = ax_bars.bar(0.0, KL, bottom=F, width=width, color=plotting.PALETTE[1])
    (lnp_line,) = ax_bars.plot([-0.4, 0.4], [lnp, lnp], color="black", lw=2)
    texts = [
        ax_bars.text(0.45, lnp, f"ln p(X|θ) = {lnp:.1f}", va="bottom", fontsize=9),
        ax_bars.text(0.45, F, f"F(q, θ) = {F:.1f}", va="top", fontsize=9, color=plotting.PALETTE[0]),
        ax_bars.text(-0.3, F + KL / 2, f"KL(q‖p) = {KL:.1f}", ha="right", va="center", fontsize=9,
                     color=plotting.PALETTE[1]),
    ]
    previous_line = None
    if frame.stage == "M step":
        # Only the M step moves ln p: mark where it was, to see how far it rose.
        (previous_line,) = ax_bars.plot([-0.4, 0.4], [frame.previous_log_likelihood] * 2, color="0.3", lw=1.2,
                                        ls="--")
        texts.append(ax_bars.text(-0.3, frame.previous_log_likelihood,
                                  f"before: {frame.previous_log_likelihood:.1f}", ha="right", va="top",
                                  fontsize=9, color="0.4"))
    ax_bars.set_xlim(-1.6, 2.0)
    ax_bars.set_ylim(*value_limits)
    ax_bars.set_xticks([])
    ax_bars.set_ylabel("nats")
    ax_bars.grid(False)
    artists.update({"free_energy": f_bar, "kl": kl_bar, "log_likelihood": lnp_line,
                    "previous": previous_line, "texts": texts})
    return artists


# ---------------------------------------------------------------------------
# Explorers


def kmeans_stepper(X, n_clusters: int = 2, *, seed=0, init=None, max_iter: int = 20, axis_labels=None):
    """Step through the half-steps of k-means (assign r_nk, then move μ_k) on 2-D X.

    ``init`` is None (k-means++), ``"random"`` or an array of K starting centres
    (e.g. Bishop's Fig 9.1 start).  Live controls: K (1–6), seed, initialisation.
    """
    return _KMeansStepper(X, n_clusters, seed=seed, init=init, max_iter=max_iter, axis_labels=axis_labels)


def em_explorer(X, n_components: int = 2, *, seed=0, init="k-means++", covariance_type: str = "full",
                reg_covar: float = 1e-6, max_iter: int = 30, axis_labels=None):
    """Step through the iterations of EM for a Gaussian mixture on 2-D X.

    ``init`` is ``"k-means++"``, ``"random"`` or a tuple (π, μ, Σ) of starting
    parameters (e.g. Bishop's Fig 9.8 poor start).  Live controls: K (1–6),
    seed, init, covariance type and reg_covar.
    """
    return _EMExplorer(X, n_components, seed=seed, init=init, covariance_type=covariance_type,
                       reg_covar=reg_covar, max_iter=max_iter, axis_labels=axis_labels)


def singularity_explorer(X, *, point_index=None, sigmas=None, reg_covar: float = 1e-2, axis_labels=None):
    """Watch ln p(X) climb without bound as a component collapses onto one point.

    X is 1-D (N,) / (N, 1) or 2-D (N, 2).  Component 1 sits on x_i (default:
    the most isolated point) with σ shrinking over ``sigmas`` (default
    s·exp(0, −2, …, −30), s the data's scale); component 2 is the Gaussian
    fitted to all the data.  A toggle switches the variance from σ² to
    σ² + reg_covar.  Every frame is pre-rendered, so both controls work on the
    static page too.
    """
    return _SingularityExplorer(X, point_index=point_index, sigmas=sigmas, reg_covar=reg_covar,
                                axis_labels=axis_labels)


def kl_explorer(X, weights, means, covariances, *, ts=None, toward=None, axis_labels=None):
    """ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)) as stacked bars (Bishop Figs 9.11–9.13).

    The frames move q from γ towards ``toward`` (default uniform) for t in
    ``ts``, then show the E step (q ← γ) and the M step (θ ← argmax F).  Every
    frame is pre-rendered, so the slider works on the static page too.
    """
    return _KLExplorer(X, weights, means, covariances, ts=ts, toward=toward, axis_labels=axis_labels)


class Explorer:
    """A widget and the state behind it; a notebook displays it as its widget.

    Attributes shared by every explorer: ``widget`` (the VBox), ``play``,
    ``slider`` (the frame control), ``stack`` (the ``Stack`` of frame images),
    ``images``, ``links`` (the browser-side ``jslink`` s), ``controls`` (name →
    kernel control), ``status`` (HTML for error messages), ``frames`` and
    ``figure``/``artists``: the figure and the artists of the frame on show.
    """

    widget: widgets.VBox
    controls: dict
    status: widgets.HTML | None = None

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def figure(self) -> Figure:
        self.artists  # noqa: B018  (drawing the frame on show is the point)
        return self._renderer.figure

    @property
    def artists(self) -> dict:
        """The artists of the frame on show, drawn now if the figure holds another."""
        key = self._frame_key()
        if self._renderer.key != key:
            self._renderer.draw(self._draw_current, key)
        return self._renderer.artists

    def _frame_player(self, n_frames, description, interval=700):
        self.play = widgets.Play(value=0, min=0, max=n_frames - 1, interval=interval, repeat=False,
                                 description="play", layout=widgets.Layout(width="auto"))
        self.slider = widgets.IntSlider(value=0, min=0, max=n_frames - 1, description=description,
                                        continuous_update=True, style={"description_width": "initial"})
        self.links = [widgets.jslink((self.play, "value"), (self.slider, "value"))]
        self.slider.observe(self._on_slider, names="value")

    def _on_slider(self, change):
        raise NotImplementedError


class _Renderer:
    """One Agg figure reused for every frame of an explorer (no pyplot: no
    inline duplicates, nothing left open)."""

    def __init__(self, n_axes=2, width_ratios=(1.0, 1.5), figsize=FIGSIZE, dpi=DPI):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        ratios = width_ratios if n_axes == 2 else (1.0,)
        self.axes = np.atleast_1d(self.figure.subplots(1, n_axes, gridspec_kw={"width_ratios": ratios}))
        self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88, wspace=0.3)
        self.key = None
        self.artists = None
        width, height = self.figure.canvas.get_width_height()
        self.blank = _encode_png(np.full((height, width, 3), 255, dtype=np.uint8))

    def draw(self, draw, key=None):
        for ax in self.axes:
            _remove_artists(ax)
        self.artists = draw(self.axes)
        self.key = key
        return self.artists

    def render(self, draw, key=None) -> bytes:
        self.draw(draw, key)
        return _figure_png(self.figure)


def _remove_artists(ax):
    """Empty ``ax`` for the next frame but keep its ticks: ``ax.clear()`` would
    rebuild them, which is half the cost of a frame.  The draw functions set
    everything else (limits, labels, scales) on every call."""
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images, *ax.artists]:
        artist.remove()
    ax.containers.clear()
    ax.set_prop_cycle(None)  # so the default colours do not drift from frame to frame
    ax.relim()
    ax.set_autoscale_on(True)


def _figure_png(figure: Figure) -> bytes:
    """The figure as a PNG with a 256-colour palette: a third of the RGB size."""
    figure.canvas.draw()
    return _encode_png(np.asarray(figure.canvas.buffer_rgba())[:, :, :3])


def _encode_png(rgb) -> bytes:
    image = PILImage.fromarray(np.ascontiguousarray(rgb)).quantize(
        colors=256, method=PILImage.Quantize.FASTOCTREE, dither=PILImage.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


class _SteppingExplorer(Explorer):
    """Common machinery of the k-means and EM explorers: a run, its frames, and
    kernel controls that rerun it."""

    frame_label = "step"

    def __init__(self, X, settings, controls, axis_labels):
        X = check_data(X)
        if X.shape[1] != 2:
            raise ValueError(
                f"X must have two columns to be drawn, got D = {X.shape[1]}; pass two at a time, e.g. X[:, [0, 1]]."
            )
        self.X = X
        self.axis_labels = axis_labels
        self._limits = _padded_limits(X)
        self._renderer = _Renderer()
        # A failure on the first run is the caller's to see, so no try here.
        self.settings = settings
        self.result = self._fit(**settings)
        self.frames, self._trace_limits = self._frames_of(self.result)
        self._generation = 0
        self._stale = set()
        n = len(self.frames)
        self.images = [widgets.Image(value=self._render(i), format="png") for i in range(n)]
        self.stack = widgets.Stack(children=self.images, selected_index=0)
        self._frame_player(n, self.frame_label)
        self.links.append(widgets.jslink((self.slider, "value"), (self.stack, "selected_index")))

        self.controls = controls
        for control in controls.values():
            control.observe(self._on_control, names="value")
        self.status = widgets.HTML("")
        note = widgets.HTML(f"<small><i>{html.escape(KERNEL_NOTE)}</i></small>")
        rows = [widgets.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
        self.kernel_box = widgets.VBox([note, *rows, self.status],
                                       layout=widgets.Layout(border="1px solid #ddd", padding="2px 6px"))
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.stack, self.kernel_box])

    # -- frames --------------------------------------------------------------

    def _frame_key(self):
        return (self._generation, self.slider.value)

    def _draw_current(self, axes):
        return self._draw(axes, self.slider.value)

    def _render(self, index) -> bytes:
        return self._renderer.render(lambda axes: self._draw(axes, index), (self._generation, index))

    def _on_slider(self, change):
        self._show(change["new"])

    def _show(self, index):
        """Render frame ``index`` if it is stale and select it (the browser's jslink
        has already selected it; this keeps Python's copy in step)."""
        if index in self._stale:
            self.images[index].value = self._render(index)
            self._stale.discard(index)
        self.stack.selected_index = index

    # -- live refit ----------------------------------------------------------

    def _on_control(self, change):
        self.refit()

    def refit(self):
        """Rerun with the controls' settings; render only the frame on show."""
        settings = self._settings_from_controls()
        try:
            result = self._fit(**settings)
            frames, trace_limits = self._frames_of(result)
        except (SingularityError, ValueError) as error:
            # Keep the last good run on show; say why the new one has none.
            self.status.value = (
                f'<span style="color:{plotting.PALETTE[1]}"><b>{type(error).__name__}:</b> '
                f"{html.escape(str(error))}<br>Still showing the last run that worked "
                f"({html.escape(_describe(self.settings))}).</span>"
            )
            return False
        self.status.value = ""
        self.settings = settings
        self.result = result
        self.frames, self._trace_limits = frames, trace_limits
        self._generation += 1
        n = len(self.frames)
        self._stale = set(range(n))
        self._resize(n)
        current = self.slider.value
        for i in self._stale - {current}:
            self.images[i].value = self._renderer.blank
        self._show(current)
        return True

    def _resize(self, n):
        """Make the Stack, slider and Play cover exactly n frames, keeping the
        selected index valid at every moment (a Stack refuses one out of range)."""
        old = len(self.images)
        if n < old:
            index = min(self.slider.value, n - 1)
            self.play.value = min(self.play.value, n - 1)
            self.slider.value = index
            self.stack.selected_index = index
            for image in self.images[n:]:
                image.close()
            self.images = self.images[:n]
            self.stack.children = tuple(self.images)
        elif n > old:
            self.images += [widgets.Image(value=self._renderer.blank, format="png") for _ in range(n - old)]
            self.stack.children = tuple(self.images)
        self.slider.max = n - 1
        self.play.max = n - 1


class _KMeansStepper(_SteppingExplorer):
    """``result`` is the KMeansResult on show; ``frames`` its half-steps."""

    frame_label = "half-step"

    def __init__(self, X, n_clusters, *, seed, init, max_iter, axis_labels):
        init = "k-means++" if init is None else init
        self._given = None if isinstance(init, str) else np.asarray(init, dtype=float)
        inits = _INITS + ((_GIVEN,) if self._given is not None else ())
        settings = {"n_clusters": n_clusters, "seed": seed, "init": init if isinstance(init, str) else _GIVEN}
        self.max_iter = max_iter
        controls = {
            "n_clusters": _k_slider(n_clusters),
            "seed": _seed_box(seed),
            "init": widgets.Dropdown(options=inits, value=settings["init"], description="init",
                                     layout=widgets.Layout(width="180px")),
        }
        super().__init__(X, settings, controls, axis_labels)

    def _settings_from_controls(self):
        return {name: control.value for name, control in self.controls.items()}

    def _fit(self, n_clusters, seed, init):
        return kmeans(self.X, n_clusters, init=self._given if init == _GIVEN else init,
                      max_iter=self.max_iter, seed=seed)

    def _frames_of(self, result):
        """The frames of a run and the trace's limits, fixed for the whole run."""
        frames = kmeans_frames(result)
        return frames, ((0.5, max(len(frames) - 1, 1) + 0.5), (0.0, 1.05 * max(result.distortions)))

    def _draw(self, axes, index):
        return draw_kmeans_frame(axes, self.X, self.frames[index], limits=self._limits,
                                 trace_limits=self._trace_limits, axis_labels=self.axis_labels)


class _EMExplorer(_SteppingExplorer):
    """``result`` is the GaussianMixtureResult on show; ``frames`` its iterations."""

    frame_label = "iteration"

    def __init__(self, X, n_components, *, seed, init, covariance_type, reg_covar, max_iter, axis_labels):
        self._given = None if isinstance(init, str) else tuple(init)
        inits = _INITS + ((_GIVEN,) if self._given is not None else ())
        settings = {"n_components": n_components, "seed": seed,
                    "init": init if isinstance(init, str) else _GIVEN,
                    "covariance_type": covariance_type, "reg_covar": float(reg_covar)}
        self.max_iter = max_iter
        choices = sorted(set(REG_COVAR_CHOICES) | {float(reg_covar)})
        controls = {
            "n_components": _k_slider(n_components),
            "seed": _seed_box(seed),
            "init": widgets.Dropdown(options=inits, value=settings["init"], description="init",
                                     layout=widgets.Layout(width="180px")),
            "covariance_type": widgets.Dropdown(options=COVARIANCE_TYPES, value=covariance_type,
                                                description="covariance", layout=widgets.Layout(width="200px")),
            "reg_covar": widgets.SelectionSlider(options=[(f"{c:g}", c) for c in choices],
                                                 value=float(reg_covar), description="reg_covar",
                                                 continuous_update=False),
        }
        super().__init__(X, settings, controls, axis_labels)

    def _settings_from_controls(self):
        return {name: control.value for name, control in self.controls.items()}

    def _fit(self, n_components, seed, init, covariance_type, reg_covar):
        return fit_gmm(self.X, n_components, covariance_type=covariance_type,
                       init=self._given if init == _GIVEN else init, max_iter=self.max_iter,
                       reg_covar=reg_covar, seed=seed)

    def _frames_of(self, result):
        """The frames of a run and the trace's limits, fixed for the whole run."""
        lls = result.log_likelihoods
        pad = 0.06 * max(lls.max() - lls.min(), 1.0)
        return em_frames(self.X, result), ((-0.5, max(len(lls) - 1, 1) + 0.5), (lls.min() - pad, lls.max() + pad))

    def _draw(self, axes, index):
        frame = self.frames[index]
        return draw_em_frame(axes, self.X, frame.step, self.result.log_likelihoods,
                             responsibilities=frame.responsibilities, limits=self._limits,
                             trace_limits=self._trace_limits, axis_labels=self.axis_labels)


class _SingularityExplorer(Explorer):
    """``frames[r]`` and ``stacks[r]`` hold the σ frames for reg_covar r in
    ``reg_covars``; ``stack`` is the outer Stack over the two, chosen by
    ``toggle`` (linked in the browser, like the slider)."""

    def __init__(self, X, *, point_index, sigmas, reg_covar, axis_labels):
        X = _as_2d(X)
        if X.shape[1] > 2:
            raise ValueError(f"X must have one or two columns to be drawn, got D = {X.shape[1]}.")
        if not reg_covar > 0:
            raise ValueError(f"reg_covar is the value the toggle compares with 0, so it must be > 0; got {reg_covar}.")
        self.X = X
        self.axis_labels = axis_labels
        self.point_index = _most_isolated(X) if point_index is None else _check_point_index(point_index, len(X))
        scale = float(X.std(axis=0).mean())
        self.sigmas = scale * np.exp(np.linspace(0.0, -30.0, 16)) if sigmas is None else np.asarray(sigmas, float)
        self.reg_covars = (0.0, float(reg_covar))
        self.frames = {r: singularity_frames(X, self.sigmas, point_index=self.point_index, reg_covar=r)
                       for r in self.reg_covars}
        self.baseline = gmm.log_likelihood(X, *_single_gaussian(X))
        self._set_limits()
        self._renderer = _Renderer()

        n = len(self.sigmas)
        self.images = {r: [widgets.Image(value=self._renderer.render(lambda axes, r=r, i=i: self._draw(axes, r, i),
                                                                     (r, i)), format="png")
                           for i in range(n)]
                       for r in self.reg_covars}
        self.stacks = {r: widgets.Stack(children=self.images[r], selected_index=0) for r in self.reg_covars}
        self.stack = widgets.Stack(children=[self.stacks[r] for r in self.reg_covars], selected_index=0)
        self._frame_player(n, "σ step")
        self.toggle = widgets.ToggleButtons(options=[("variance σ²", 0.0), (f"σ² + {reg_covar:g}", float(reg_covar))],
                                            value=0.0, description="reg_covar",
                                            style={"description_width": "initial", "button_width": "auto"})
        self.links += [widgets.jslink((self.slider, "value"), (self.stacks[r], "selected_index"))
                       for r in self.reg_covars]
        self.links.append(widgets.jslink((self.toggle, "index"), (self.stack, "selected_index")))
        self.toggle.observe(self._on_toggle, names="index")
        self.controls = {"reg_covar": self.toggle}
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.toggle, self.stack])

    def _set_limits(self):
        X = self.X
        all_frames = [f for frames in self.frames.values() for f in frames]
        lls = np.array([f.log_likelihood for f in all_frames] + [self.baseline])
        pad = 0.06 * max(lls.max() - lls.min(), 1.0)
        lns = np.log(self.sigmas)
        step = 0.05 * max(lns.max() - lns.min(), 1.0)
        self._trace_limits = ((lns.max() + step, lns.min() - step), (lls.min() - pad, lls.max() + pad))
        if X.shape[1] == 2:
            self._limits = _padded_limits(X)
            return
        xlim = _padded(X[:, 0])
        grid = np.linspace(*xlim, 400)[:, None]
        lowest = min(np.exp(gmm.log_density(grid, f.weights, f.means, f.covariances)).min() for f in all_frames)
        highest = max(np.exp(gmm.log_density(X[[f.point_index]], f.weights, f.means, f.covariances))[0]
                      for f in all_frames)
        self._limits = (xlim, (lowest / 10.0, highest * 5.0))

    def _frame_key(self):
        return (self.reg_covars[self.toggle.index], self.slider.value)

    def _draw_current(self, axes):
        return self._draw(axes, *self._frame_key())

    def _draw(self, axes, reg_covar, index):
        other = self.frames[self.reg_covars[1] if reg_covar == self.reg_covars[0] else self.reg_covars[0]][index]
        return draw_singularity_frame(axes, self.X, self.frames[reg_covar][index],
                                      reference=(other.log_sigmas, other.log_likelihoods), baseline=self.baseline,
                                      limits=self._limits, trace_limits=self._trace_limits,
                                      axis_labels=self.axis_labels)

    def _on_slider(self, change):
        for stack in self.stacks.values():
            stack.selected_index = change["new"]

    def _on_toggle(self, change):
        self.stack.selected_index = change["new"]


class _KLExplorer(Explorer):
    """``frames``: q moving away from γ, then the E step, then the M step;
    ``parameters``: θ_old, drawn dashed in the M step frame."""

    def __init__(self, X, weights, means, covariances, *, ts, toward, axis_labels):
        X = check_data(X)
        self.X = X
        self.axis_labels = axis_labels
        self.frames = kl_frames(X, weights, means, covariances, ts=ts, toward=toward)
        self.parameters = tuple(np.asarray(a, dtype=float) for a in (weights, means, covariances))
        two_d = X.shape[1] == 2
        self._limits = _padded_limits(X) if two_d else None
        low = min(f.free_energy for f in self.frames)
        high = max(max(f.log_likelihood, f.previous_log_likelihood) for f in self.frames)
        span = max(high - low, 1.0)
        self._value_limits = (low - 0.15 * span, high + 0.12 * span)
        self._renderer = _Renderer(n_axes=2 if two_d else 1, width_ratios=(1.0, 0.8))
        self.images = [widgets.Image(value=self._renderer.render(lambda axes, i=i: self._draw(axes, i), i),
                                     format="png") for i in range(len(self.frames))]
        self.stack = widgets.Stack(children=self.images, selected_index=0)
        self._frame_player(len(self.frames), "stage", interval=900)
        self.links.append(widgets.jslink((self.slider, "value"), (self.stack, "selected_index")))
        self.controls = {}
        caption = widgets.HTML(
            "<small>Frames 0–{}: q moves from γ towards u with θ fixed; then the E step "
            "(q ← γ) and the M step (θ ← argmax F).</small>".format(len(self.frames) - 3))
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), caption, self.stack])

    def _frame_key(self):
        return self.slider.value

    def _draw_current(self, axes):
        return self._draw(axes, self.slider.value)

    def _draw(self, axes, index):
        frame = self.frames[index]
        previous = self.parameters if frame.stage == "M step" else None
        return draw_kl_frame(axes, self.X, frame, previous=previous, value_limits=self._value_limits,
                             limits=self._limits, axis_labels=self.axis_labels)

    def _on_slider(self, change):
        self.stack.selected_index = change["new"]


# ---------------------------------------------------------------------------
# Helpers


def _k_slider(value):
    return widgets.IntSlider(value=value, min=1, max=MAX_COMPONENTS, description="K", continuous_update=False,
                             layout=widgets.Layout(width="220px"))


def _seed_box(value):
    return widgets.BoundedIntText(value=value, min=0, max=999_999, description="seed",
                                  layout=widgets.Layout(width="150px"))


def _describe(settings) -> str:
    return ", ".join(f"{'K' if name in ('n_clusters', 'n_components') else name}={value:g}"
                     if isinstance(value, float) else
                     f"{'K' if name in ('n_clusters', 'n_components') else name}={value}"
                     for name, value in settings.items())


def _check_points(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to be drawn, got {X.shape}; pass two columns, e.g. X[:, [0, 1]].")
    return X


def _as_2d(X):
    X = np.asarray(X, dtype=float)
    return check_data(X[:, None] if X.ndim == 1 else X)


def _check_point_index(point_index, n):
    if isinstance(point_index, bool) or not isinstance(point_index, (int, np.integer)) or not 0 <= point_index < n:
        raise ValueError(f"point_index must be an integer in 0, …, {n - 1} (a row of X), got {point_index!r}.")
    return int(point_index)


def _single_gaussian(X):
    """The maximum-likelihood Gaussian of all the data: the M step with γ_n1 = 1."""
    return gmm.m_step(X, np.ones((X.shape[0], 1)), reg_covar=0.0)


def _collapsing_mixture(X, point_index, sigma, reg_covar, broad):
    N, D = X.shape
    _, broad_mean, broad_cov = broad
    weights = np.array([1.0 / N, 1.0 - 1.0 / N])
    means = np.vstack([X[point_index], broad_mean[0]])
    covariances = np.stack([(sigma ** 2 + reg_covar) * np.eye(D), broad_cov[0]])
    return weights, means, covariances


def _most_isolated(X) -> int:
    """The point farthest from its nearest neighbour: no other point shares its spike,
    so ln p(X) grows like −D ln σ exactly."""
    from .clustering import squared_distances

    d2 = squared_distances(X, X)
    np.fill_diagonal(d2, np.inf)
    return int(np.argmax(d2.min(axis=1)))


def _padded(values, margin=0.08):
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = margin * max(hi - lo, 1e-9)
    return lo - pad, hi + pad


def _padded_limits(X):
    return _padded(X[:, 0]), _padded(X[:, 1])


def _data_axes(ax, X, limits, axis_labels):
    xlim, ylim = limits if limits is not None else _padded_limits(X)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    # Equal scales keep the ellipses' shapes true.
    ax.set_aspect("equal", adjustable="box")
    xlabel, ylabel = axis_labels if axis_labels else ("$x_1$", "$x_2$")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def _trace_axes(ax, xlabel, ylabel, integer=True):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if integer:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _corner_text(ax, text):
    return ax.text(0.0, 1.03, text, transform=ax.transAxes, ha="left", va="bottom", fontsize=9)
