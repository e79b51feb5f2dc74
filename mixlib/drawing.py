"""Drawing the explorers' frames: plain functions of matplotlib axes, no widgets.

Each ``draw_*_frame(axes, X, frame, ...)`` draws one frame of
:mod:`mixlib.frames` with the primitives of :mod:`mixlib.plotting` and returns
its artists (tests inspect them).  :class:`FrameRenderer` reuses one Agg figure
for every frame of an explorer and turns it into PNG or SVG bytes, in the frame
style below: text large enough to read when the figure is shrunk to a phone's
width, few ticks, and glyphs as paths so that every browser shows them.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image as PILImage

from . import gmm, plotting
from .frames import (
    KLFrame,
    KMeansFrame,
    SingularityFrame,
    as_2d,
    check_points,
    data_limits,
    padded,
)
from .gmm import EMStep

__all__ = [
    "DPI",
    "FIGSIZE",
    "FRAME_STYLE",
    "FrameRenderer",
    "draw_em_frame",
    "draw_kl_frame",
    "draw_kmeans_frame",
    "draw_singularity_frame",
]

#: Inches. A frame is shown at most 600 CSS px wide, so 100 px per inch: 12 pt text is
#: about 17 px there and 9–10 px at a phone's 360 px.
FIGSIZE = (6.0, 2.9)
#: Pixels per inch of the PNG frames: twice the display density, sharp on HiDPI screens.
DPI = 200
FRAME_STYLE = {
    "font.size": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "path",
    "svg.hashsalt": "mixlib",
    "figure.facecolor": "white",
}
#: Ticks per axis, at most: more do not fit at phone width.
N_TICKS = 4
# Centres as filled crosses edged in black stand out on points of their own colour.
_CENTRE_STYLE = {"marker": "X", "s": 110, "edgecolors": "black", "linewidths": 1.0}
_CURRENT = {"ms": 10, "mfc": "none", "mec": "black", "mew": 1.5}


def draw_kmeans_frame(axes, X, frame: KMeansFrame, *, limits=None, trace_limits=None, axis_labels=None) -> dict:
    """Left: points coloured by r_nk, centres μ_k (the previous ones faint).
    Right: the distortion J after half-steps 1, …, t, the current one ringed."""
    ax, ax_trace = axes
    X = check_points(X)
    step = frame.step
    colors = plotting.component_colors(len(step.centers))
    if step.labels is None:
        points = ax.scatter(X[:, 0], X[:, 1], s=12, color="0.65")
    else:
        points = plotting.label_scatter(ax, X, step.labels, colors=colors)
    previous_centers, moves = None, []
    if frame.previous_centers is not None:
        previous_centers = ax.scatter(
            *np.asarray(frame.previous_centers).T, marker="x", c=colors, s=70, linewidths=2, alpha=0.35, zorder=3
        )
        for old, new, color in zip(frame.previous_centers, step.centers, colors):
            if not np.allclose(old, new):
                moves.append(
                    ax.annotate(
                        "", xy=new, xytext=old, zorder=3, arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5}
                    )
                )
    centers = plotting.mark_means(ax, step.centers, colors=colors, **_CENTRE_STYLE)
    text = {
        "init": r"start: $K$ centres $\mu_k$",
        "assign": rf"half-step {frame.index}: assign $r_{{nk}}$",
        "update": rf"half-step {frame.index}: move $\mu_k$",
    }[step.step]
    label = _corner_text(ax, text)
    _data_axes(ax, X, limits, axis_labels)

    _trace_axes(ax_trace, "half-step", "distortion J")
    t = frame.index
    if len(frame.distortions):
        trace = plotting.distortion_trace(ax_trace, frame.distortions)
        # J after half-step 1 is the first value: number the points by half-step.
        trace.set_xdata(np.arange(1, len(frame.distortions) + 1))
        (marker,) = ax_trace.plot([t], [frame.distortions[-1]], "o", **_CURRENT)
    else:
        (trace,) = ax_trace.plot([], [])
        marker = None
    if trace_limits is None:
        top = max(frame.distortions) if len(frame.distortions) else 1.0
        trace_limits = ((0.5, max(t, 1) + 0.5), (0.0, 1.05 * top))
    ax_trace.set_xlim(*trace_limits[0])
    ax_trace.set_ylim(*trace_limits[1])
    return {
        "points": points,
        "centers": centers,
        "previous_centers": previous_centers,
        "moves": moves,
        "trace": trace,
        "marker": marker,
        "label": label,
    }


def draw_em_frame(
    axes,
    X,
    step: EMStep,
    log_likelihoods,
    *,
    responsibilities=None,
    n_std=(1, 2),
    limits=None,
    trace_limits=None,
    axis_labels=None,
    trace_label="log-likelihood",
) -> dict:
    """Left: points coloured by γ(z_nk) at θ⁽ᵗ⁾, t = ``step.iteration``, with the
    ellipses of Σ_k around μ_k.  Right: ln p(X | θ) at iterations 0, …, t (the first
    t + 1 of ``log_likelihoods``; under a prior, pass the log posterior and
    ``trace_label="log posterior"``)."""
    ax, ax_trace = axes
    X = check_points(X)
    gamma = (
        gmm.responsibilities(X, step.weights, step.means, step.covariances)
        if responsibilities is None
        else responsibilities
    )
    K = len(step.weights)
    points = plotting.responsibility_scatter(ax, X, gamma)
    n_radii = len(np.atleast_1d(n_std))
    flat = plotting.covariance_ellipses(ax, step.means, step.covariances, n_std=n_std)
    ellipses = [flat[k * n_radii : (k + 1) * n_radii] for k in range(K)]
    means = plotting.mark_means(ax, step.means, **_CENTRE_STYLE)
    label = _corner_text(ax, f"iteration {step.iteration}")
    _data_axes(ax, X, limits, axis_labels)

    values = np.asarray(log_likelihoods, dtype=float)[: step.iteration + 1]
    if len(values) != step.iteration + 1:
        raise ValueError(
            f"log_likelihoods must hold at least iterations 0, …, {step.iteration} "
            f"(e.g. result.log_likelihoods), got {len(values)} values."
        )
    _trace_axes(ax_trace, "iteration", trace_label)
    trace = plotting.log_likelihood_trace(ax_trace, values)
    ax_trace.set_ylabel(trace_label)
    (marker,) = ax_trace.plot([step.iteration], [values[-1]], "o", **_CURRENT)
    if trace_limits is not None:
        ax_trace.set_xlim(*trace_limits[0])
        ax_trace.set_ylim(*trace_limits[1])
    return {"points": points, "ellipses": ellipses, "means": means, "trace": trace, "marker": marker, "label": label}


def draw_singularity_frame(
    axes, X, frame: SingularityFrame, *, reference=None, baseline=None, limits=None, trace_limits=None, axis_labels=None
) -> dict:
    """Left: the data and the mixture (2-D: ellipses; 1-D: the density p(x) on a
    log scale, whose spike at x_i grows as σ shrinks).  Right: ln p(X) against
    ln σ so far; ``reference`` = (ln σ, ln p) of the other reg_covar variant,
    ``baseline`` = ln p(X) of the broad Gaussian alone.

    The 2-D panel keeps the data's own aspect (a free one): with columns in
    different units (minutes and tens of minutes) equal scales would squeeze it
    into a strip."""
    ax, ax_trace = axes
    X = as_2d(X)
    D = X.shape[1]
    x_i = X[frame.point_index]
    sigma_eff = math.sqrt(frame.sigma**2 + frame.reg_covar)
    colors = plotting.component_colors(2)
    density = ellipses = None
    if D == 1:
        lo, hi = limits[0] if limits is not None else padded(X[:, 0])
        # The spike is σ wide: sample it on its own scale or the grid steps over it.
        grid = np.union1d(np.linspace(lo, hi, 400), x_i[0] + sigma_eff * np.linspace(-5, 5, 101))
        values = np.exp(gmm.log_density(grid[:, None], frame.weights, frame.means, frame.covariances))
        (density,) = ax.plot(grid, values, color=colors[0], lw=1.5)
        ax.set_yscale("log")
        if limits is not None:
            ax.set_ylim(*limits[1])
        floor = ax.get_ylim()[0]
        points = ax.scatter(X[:, 0], np.full(X.shape[0], floor * 2.0), marker="|", s=60, color="0.45")
        collapsing = ax.scatter(
            [x_i[0]], [floor * 2.0], s=160, facecolors="none", edgecolors=colors[1], linewidths=2, zorder=3
        )
        ax.set_xlim(lo, hi)
        ax.xaxis.set_major_locator(MaxNLocator(N_TICKS))
        ax.set_xlabel(axis_labels[0] if axis_labels else "$x$")
        ax.set_ylabel("p(x), log scale")
    elif D == 2:
        points = ax.scatter(X[:, 0], X[:, 1], s=10, color="0.65")
        # Component 1 is drawn in the vermilion of the ring around its point x_i.
        ellipses = plotting.covariance_ellipses(ax, frame.means, frame.covariances, n_std=(1, 2), colors=colors[::-1])
        collapsing = ax.scatter(
            [x_i[0]], [x_i[1]], s=160, facecolors="none", edgecolors=colors[1], linewidths=2, zorder=3
        )
        _data_axes(ax, X, limits, axis_labels, equal_aspect=False)
    else:
        raise ValueError(f"X must have one or two columns to be drawn, got D = {D}.")
    text = f"σ = {frame.sigma:.2g}"
    if frame.reg_covar:
        text += f", variance σ² + {frame.reg_covar:g}"
    label = _corner_text(ax, text)

    _trace_axes(ax_trace, "ln σ", "log-likelihood", integer=False)
    baseline_line = None
    if baseline is not None:
        baseline_line = ax_trace.axhline(baseline, color="0.5", lw=1, ls=":")
    reference_line = None
    if reference is not None:
        (reference_line,) = ax_trace.plot(*reference, "o-", ms=3, color="0.7", lw=1)
    (trace,) = ax_trace.plot(frame.log_sigmas, frame.log_likelihoods, "o-", ms=4, color=colors[1])
    (marker,) = ax_trace.plot([frame.log_sigmas[-1]], [frame.log_likelihoods[-1]], "o", **_CURRENT)
    if trace_limits is not None:
        ax_trace.set_xlim(*trace_limits[0])
        ax_trace.set_ylim(*trace_limits[1])
    else:
        # σ shrinks from left to right, so the climb reads left to right.
        ax_trace.set_xlim(max(ax_trace.get_xlim()), min(ax_trace.get_xlim()))
    return {
        "points": points,
        "collapsing": collapsing,
        "density": density,
        "ellipses": ellipses,
        "trace": trace,
        "marker": marker,
        "reference": reference_line,
        "baseline": baseline_line,
        "label": label,
    }


def draw_kl_frame(axes, X, frame: KLFrame, *, previous=None, value_limits=None, limits=None, axis_labels=None) -> dict:
    """Bishop's Figs 9.11–9.13: ln p(X | θ) as a bar split into ℱ(q, θ) (below)
    and KL(q ‖ p(Z | X, θ)) (above).  With two axes (and 2-D X) the left one shows
    the points coloured by q and the ellipses of θ (``previous`` θ dashed).

    The three values are written to the right of the bar, top to bottom in the
    bar's order and never closer than a line apart, so they cannot overlap
    each other or the axis when KL is small."""
    axes = list(np.atleast_1d(axes))
    ax_bars = axes[-1]
    artists = {"points": None, "ellipses": None, "previous_ellipses": None}
    stage = {
        "q": f"θ fixed, q moves: β = {frame.beta:.2g}" if frame.beta is not None else "",
        "E step": "E step: q ← p(Z | X, θ)",
        "M step": "M step: θ ← argmax ℱ(q, θ)",
    }[frame.stage]
    if len(axes) == 2:
        ax = axes[0]
        X = check_points(X)
        artists["points"] = plotting.responsibility_scatter(ax, X, frame.q)
        if previous is not None:
            artists["previous_ellipses"] = plotting.covariance_ellipses(
                ax, previous[1], previous[2], n_std=1, linestyle="--", alpha=0.5, linewidth=1.2
            )
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
    width = 0.4
    (f_bar,) = ax_bars.bar(0.0, F - base, bottom=base, width=width, color=plotting.PALETTE[0])
    (kl_bar,) = ax_bars.bar(0.0, KL, bottom=F, width=width, color=plotting.PALETTE[1])
    (lnp_line,) = ax_bars.plot([-0.3, 0.3], [lnp, lnp], color="black", lw=2)
    previous_line = None
    labels = [
        (lnp, f"ln p = {lnp:.1f}", "black"),
        (F + KL / 2, f"KL = {KL:.1f}", plotting.PALETTE[1]),
        (F, f"ℱ = {F:.1f}", plotting.PALETTE[0]),
    ]
    if frame.stage == "M step":
        # Only the M step moves ln p: mark where it was, to see how far it rose.
        (previous_line,) = ax_bars.plot([-0.3, 0.3], [frame.previous_log_likelihood] * 2, color="0.3", lw=1.2, ls="--")
        labels.append((frame.previous_log_likelihood, f"before: {frame.previous_log_likelihood:.1f}", "0.35"))
    ax_bars.set_xlim(-0.35, 2.3)
    ax_bars.set_ylim(*value_limits)
    low, high = value_limits
    # Label heights in axes fraction, pushed apart downwards to at least one line each.
    gap = 0.13
    # Highest first; ties keep the bar's order (ln p, KL, ℱ), as when KL = 0.
    wanted = sorted((((y - low) / (high - low), text, color) for y, text, color in labels), key=lambda w: -w[0])
    placed, texts = [], []
    for y, text, color in wanted:
        y = min(y, 0.95) if not placed else min(y, placed[-1] - gap)
        placed.append(y)
        texts.append(ax_bars.text(0.36, y, text, transform=ax_bars.get_xaxis_transform(), va="center", color=color))
    ax_bars.set_xticks([])
    ax_bars.yaxis.set_major_locator(MaxNLocator(N_TICKS))
    ax_bars.set_ylabel("nats")
    ax_bars.grid(False)
    artists.update(
        {"free_energy": f_bar, "kl": kl_bar, "log_likelihood": lnp_line, "previous": previous_line, "texts": texts}
    )
    return artists


class FrameRenderer:
    """One Agg figure reused for every frame of an explorer (no pyplot: no
    inline duplicates, nothing left open), drawn in :data:`FRAME_STYLE`."""

    def __init__(self, n_axes=2, width_ratios=(1.0, 1.4), figsize=FIGSIZE, dpi=DPI):
        with mpl.rc_context(FRAME_STYLE):
            self.figure = Figure(figsize=figsize, dpi=dpi)
            FigureCanvasAgg(self.figure)
            ratios = width_ratios if n_axes == 2 else (1.0,)
            self.axes = np.atleast_1d(self.figure.subplots(1, n_axes, gridspec_kw={"width_ratios": ratios}))
        self.figure.subplots_adjust(left=0.15, right=0.985, bottom=0.27, top=0.88, wspace=0.45)
        self.key = None
        self.artists = None
        self._blank = None

    @property
    def blank(self) -> bytes:
        """A white PNG of a frame's size: the placeholder of a frame not drawn yet."""
        if self._blank is None:
            width, height = self.figure.canvas.get_width_height()
            self._blank = encode_png(np.full((height, width, 3), 255, dtype=np.uint8))
        return self._blank

    def draw(self, draw, key=None):
        with mpl.rc_context(FRAME_STYLE):
            for ax in self.axes:
                _remove_artists(ax)
            self.artists = draw(self.axes)
        self.key = key
        return self.artists

    def render(self, draw, key=None, format="png") -> bytes:
        """Draw and encode: ``"png"`` (a 256-colour palette) or ``"svg"`` (glyphs as paths)."""
        self.draw(draw, key)
        with mpl.rc_context(FRAME_STYLE):
            if format == "png":
                return figure_png(self.figure)
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="svg", metadata={"Date": None})
        return compact_svg(buffer.getvalue())


def compact_svg(svg: bytes) -> bytes:
    """Matplotlib's SVG without what a picture does not need: the XML prologue, the
    metadata, digits of positions beyond 0.01 pt (a hundredth of a pixel) and line breaks,
    which a data URI would have to spell as three characters each."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # Only positions (two or more digits before the point): a glyph's scale such as
    # 0.114583 must keep its digits or the text shrinks.
    text = re.sub(r"(?<![\d.])(\d{2,}\.\d\d)\d+", r"\1", text)
    text = re.sub(r"\s*\n\s*", " ", text)
    return text.encode("utf-8")


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


def figure_png(figure: Figure) -> bytes:
    """The figure as a PNG with a 256-colour palette: a third of the RGB size."""
    figure.canvas.draw()
    return encode_png(np.asarray(figure.canvas.buffer_rgba())[:, :, :3])


def encode_png(rgb, colors=256) -> bytes:
    image = PILImage.fromarray(np.ascontiguousarray(rgb)).quantize(
        colors=colors, method=PILImage.Quantize.FASTOCTREE, dither=PILImage.Dither.NONE
    )
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    return buffer.getvalue()


def _data_axes(ax, X, limits, axis_labels, equal_aspect=True):
    xlim, ylim = limits if limits is not None else data_limits(X)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if equal_aspect:
        # Equal scales keep the ellipses' shapes true (the data share one unit).
        ax.set_aspect("equal", adjustable="box")
    else:
        ax.set_aspect("auto")
    ax.xaxis.set_major_locator(MaxNLocator(N_TICKS))
    ax.yaxis.set_major_locator(MaxNLocator(N_TICKS))
    xlabel, ylabel = axis_labels if axis_labels else ("$x_1$", "$x_2$")
    ax.set_xlabel(_wrapped(xlabel))
    ax.set_ylabel(_wrapped(ylabel))


def _wrapped(label):
    """A long label's parenthesis on a line of its own: the data panel is narrow."""
    return label.replace(" (", "\n(", 1) if len(label) > 16 else label


def _trace_axes(ax, xlabel, ylabel, integer=True):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(N_TICKS, integer=integer))
    ax.yaxis.set_major_locator(MaxNLocator(N_TICKS))


def _corner_text(ax, text):
    return ax.text(0.0, 1.04, text, transform=ax.transAxes, ha="left", va="bottom")
