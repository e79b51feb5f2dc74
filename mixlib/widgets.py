"""Explorers for the lectures: k-means half-steps, EM iterations, the singularity
of the likelihood and the decomposition ln p(X | θ) = ℱ(q, θ) + KL(q ‖ p(Z | X, θ)).

Every explorer is shown in one of two ways.

- In Jupyter or on Binder it is a live ipywidget: Play and a frame slider step
  through pre-rendered frames (linked in the browser, so stepping is instant),
  and the controls that rerun an algorithm (K, seed, ...) refit in Python,
  render the frame on show at once and the others when the slider reaches them.
- On a static page (no kernel) it is the small HTML/JS player of
  :mod:`mixlib.player`, with the same frames and none of the kernel's controls.
  The explorer's ``text/html`` representation is that player; the book's build
  asks for it alone (:data:`mixlib.player.STATIC_ENV`), and then no widget is
  created at all.

The frames come from :mod:`mixlib.frames` (plain numpy) and are drawn by
:mod:`mixlib.drawing` (matplotlib on axes), so tests and readers can use both
without any widget.  This is the only module of mixlib that imports ipywidgets.
"""

from __future__ import annotations

import html
import warnings

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from . import gmm, plotting
from ._validation import check_data
from .clustering import kmeans
from .drawing import (
    DPI,
    FIGSIZE,
    FrameRenderer,
    draw_em_frame,
    draw_kl_frame,
    draw_kmeans_frame,
    draw_singularity_frame,
)
from .errors import ConvergenceWarning
from .frames import (
    EMFrame,
    KLFrame,
    KMeansFrame,
    SingularityFrame,
    as_2d,
    check_point_index,
    data_limits,
    describe_em_frame,
    describe_kl_frame,
    describe_kmeans_frame,
    describe_singularity_frame,
    em_frames,
    em_trace_limits,
    kl_frames,
    kmeans_frames,
    kmeans_trace_limits,
    most_isolated,
    padded,
    single_gaussian,
    singularity_frames,
)
from .gmm import COVARIANCE_TYPES, SingularityError, fit_gmm
from .player import PlayerFrame, is_static, player_html

__all__ = [
    "DPI",
    "EMFrame",
    "Explorer",
    "FIGSIZE",
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

KERNEL_NOTE = "These controls rerun the algorithm in Python."
#: ρ, the value added to the diagonal of every Σ_k after the M step (``reg_covar``).
REG_COVAR_CHOICES = (0.0, 1e-6, 1e-3, 1e-1)
REG_COVAR_LABEL = "ρ added to Σ (heuristic, can lower ln p)"
#: The MAP alternative: a conjugate prior, whose M step maximises a penalised Q exactly.
PRIOR_CHOICES = (("none: maximum likelihood", None), ("MAP prior (default)", "default"))
MAX_COMPONENTS = 6
KL_FIGSIZE = (4.8, FIGSIZE[1])
_INITS = ("k-means++", "random")
_GIVEN = "given"
_SVG = "image/svg+xml"
# Attributes made on first use: a static build never creates a widget.
_WIDGET_ATTRIBUTES = frozenset(
    {"widget", "play", "slider", "stack", "stacks", "images", "links", "controls", "status", "kernel_box", "toggle"}
)


def kmeans_stepper(X, n_clusters: int = 2, *, seed=0, init=None, max_iter: int = 20, axis_labels=None):
    """Step through the half-steps of k-means (assign r_nk, then move μ_k) on 2-D X.

    ``init`` is None (k-means++), ``"random"`` or an array of K starting centres
    (e.g. Bishop's Fig 9.1 start).  Live controls: K (1–6), seed, initialisation.
    """
    return _KMeansStepper(X, n_clusters, seed=seed, init=init, max_iter=max_iter, axis_labels=axis_labels)


def em_explorer(
    X,
    n_components: int = 2,
    *,
    seed=0,
    init="k-means++",
    covariance_type: str = "full",
    reg_covar: float = 1e-6,
    max_iter: int = 30,
    axis_labels=None,
):
    """Step through the iterations of EM for a Gaussian mixture on 2-D X.

    ``init`` is ``"k-means++"``, ``"random"`` or a tuple (π, μ, Σ) of starting
    parameters (e.g. Bishop's Fig 9.8 poor start).  Live controls: K (1–6),
    seed, init, covariance type and ρ (``reg_covar``).  Adding ρI to each Σ_k
    is a safeguard, not an EM step: with ρ > 0 the log-likelihood can fall, and
    the explorer says so when it does.
    """
    return _EMExplorer(
        X,
        n_components,
        seed=seed,
        init=init,
        covariance_type=covariance_type,
        reg_covar=reg_covar,
        max_iter=max_iter,
        axis_labels=axis_labels,
    )


def singularity_explorer(X, *, point_index=None, sigmas=None, reg_covar: float = 1e-2, axis_labels=None):
    """Watch ln p(X) climb without bound as a component collapses onto one point.

    X is 1-D (N,) / (N, 1) or 2-D (N, 2).  Component 1 sits on x_i (default:
    the most isolated point) with σ shrinking over ``sigmas`` (default
    s·exp(0, −2, …, −30), s the smallest standard deviation of a column);
    component 2 is the Gaussian fitted to all the data.  A choice switches the
    variance from σ² to σ² + reg_covar.  Every frame is pre-rendered, so both
    controls work on the static page too.
    """
    return _SingularityExplorer(X, point_index=point_index, sigmas=sigmas, reg_covar=reg_covar, axis_labels=axis_labels)


def kl_explorer(X, weights, means, covariances, *, beta_values=None, toward=None, axis_labels=None):
    """ln p(X | θ) = ℱ(q, θ) + KL(q ‖ p(Z | X, θ)) as stacked bars (Bishop Figs 9.11–9.13).

    The frames move q from γ towards ``toward`` (default uniform) along
    q = (1 − β) γ + β · toward for β in ``beta_values``, then show the E step (q ← γ) and
    the M step (θ ← argmax ℱ).  Every frame is pre-rendered, so the slider works
    on the static page too.
    """
    return _KLExplorer(X, weights, means, covariances, beta_values=beta_values, toward=toward, axis_labels=axis_labels)


class Explorer:
    """An explorer's frames and, made on first use, its widget.

    Attributes shared by every explorer: ``frames``; ``figure``/``artists``,
    the figure and the artists of the frame on show; and the widget parts
    ``widget`` (the VBox), ``play``, ``slider`` (the frame control),
    ``stack`` (the ``Stack`` of frame images), ``images``, ``links`` (the
    browser-side ``jslink`` s), ``controls`` (name → kernel control) and
    ``status`` (HTML for messages).
    """

    title = "explorer"
    step_name = "frame"
    interval_ms = 700

    def __getattr__(self, name):
        # Only reached when normal lookup fails: build the widget parts once, on demand.
        if name in _WIDGET_ATTRIBUTES and "_widgets_built" not in self.__dict__:
            self._widgets_built = True
            self._build_widgets()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = {}
        if not is_static():
            bundle.update(self.widget._repr_mimebundle_(include=include, exclude=exclude))
        bundle["text/plain"] = f"<{self.title}: {self._n_frames()} frames>"
        bundle["text/html"] = self.static_html()
        return bundle

    def static_html(self) -> str:
        """The explorer without a kernel: :func:`mixlib.player.player_html` of its frames."""
        # Shown at 100 CSS px per inch at most, smaller on a narrow screen.
        width, height = (round(v * 100) for v in self._renderer.figure.get_size_inches())
        return player_html(
            self._player_variants(),
            title=self.title,
            step=self.step_name,
            note=self._note(),
            choice_label=getattr(self, "choice_label", ""),
            interval_ms=self.interval_ms,
            width=width,
            height=height,
        )

    def _note(self) -> str:
        return ""

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

    def _frame_player(self, n_frames, description):
        self.play = widgets.Play(
            value=0,
            min=0,
            max=n_frames - 1,
            interval=self.interval_ms,
            repeat=False,
            description="play",
            layout=widgets.Layout(width="auto"),
        )
        self.slider = widgets.IntSlider(
            value=0,
            min=0,
            max=n_frames - 1,
            description=description,
            continuous_update=True,
            style={"description_width": "initial"},
        )
        self.links = [widgets.jslink((self.play, "value"), (self.slider, "value"))]
        self.slider.observe(self._on_slider, names="value")

    def _image(self, svg: bytes):
        return widgets.Image(value=svg, format="svg+xml")

    def _on_slider(self, change):
        raise NotImplementedError


class _SteppingExplorer(Explorer):
    """Common machinery of the k-means and EM explorers: a run, its frames, and
    kernel controls that rerun it."""

    def __init__(self, X, settings, axis_labels):
        X = check_data(X)
        if X.shape[1] != 2:
            raise ValueError(
                f"X must have two columns to be drawn, got D = {X.shape[1]}; pass two at a time, e.g. X[:, [0, 1]]."
            )
        self.X = X
        self.axis_labels = axis_labels
        self._limits = data_limits(X)
        self._renderer = FrameRenderer()
        # A failure on the first run is the caller's to see, so no try here.
        self.settings = settings
        self.result = self._fit(**settings)
        self.frames, self._trace_limits = self._frames_of(self.result)
        self._generation = 0
        self._stale = set()
        self._svgs = [self._render(i) for i in range(len(self.frames))]

    def _build_widgets(self):
        n = len(self.frames)
        self.images = [self._image(self._svgs[i]) for i in range(n)]
        self.stack = widgets.Stack(children=self.images, selected_index=0)
        self._frame_player(n, self.step_name)
        self.links.append(widgets.jslink((self.slider, "value"), (self.stack, "selected_index")))
        self.controls = self._make_controls()
        for control in self.controls.values():
            control.observe(self._on_control, names="value")
        self.status = widgets.HTML(self._trace_warning())
        note = widgets.HTML(f"<small><i>{html.escape(KERNEL_NOTE)}</i></small>")
        rows = [widgets.HBox(list(self.controls.values())[i : i + 3]) for i in range(0, len(self.controls), 3)]
        self.kernel_box = widgets.VBox(
            [note, *rows, self.status], layout=widgets.Layout(border="1px solid #ddd", padding="2px 6px")
        )
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.stack, self.kernel_box])

    def _n_frames(self):
        return len(self.frames)

    def _player_variants(self):
        for i in sorted(self._stale):
            self._svgs[i] = self._render(i)
        self._stale.clear()
        n = len(self.frames)
        return [("", [PlayerFrame(self._svgs[i], _SVG, self._describe(i, n)) for i in range(n)])]

    def _trace_warning(self) -> str:
        return ""

    # -- frames --------------------------------------------------------------

    def _frame_key(self):
        return (self._generation, self.slider.value)

    def _draw_current(self, axes):
        return self._draw(axes, self.slider.value)

    def _render(self, index) -> bytes:
        return self._renderer.render(lambda axes: self._draw(axes, index), (self._generation, index), format="svg")

    def _on_slider(self, change):
        self._show(change["new"])

    def _show(self, index):
        """Render frame ``index`` if it is stale and select it (the browser's jslink
        has already selected it; this keeps Python's copy in step)."""
        if index in self._stale:
            self._svgs[index] = self._render(index)
            self.images[index].value = self._svgs[index]
            self._stale.discard(index)
        self.stack.selected_index = index

    # -- live refit ----------------------------------------------------------

    def _on_control(self, change):
        self.refit()

    def _settings_from_controls(self):
        return {name: control.value for name, control in self.controls.items()}

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
        self.settings = settings
        self.result = result
        self.frames, self._trace_limits = frames, trace_limits
        self.status.value = self._trace_warning()
        self._generation += 1
        n = len(self.frames)
        self._stale = set(range(n))
        self._resize(n)
        blank = _blank_svg()
        self._svgs = [blank] * n
        current = self.slider.value
        for i in self._stale - {current}:
            self.images[i].value = blank
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
            self.images += [self._image(_blank_svg()) for _ in range(n - old)]
            self.stack.children = tuple(self.images)
        self.slider.max = n - 1
        self.play.max = n - 1


class _KMeansStepper(_SteppingExplorer):
    """``result`` is the KMeansResult on show; ``frames`` its half-steps."""

    title = "k-means explorer"
    step_name = "half-step"

    def __init__(self, X, n_clusters, *, seed, init, max_iter, axis_labels):
        init = "k-means++" if init is None else init
        self._given = None if isinstance(init, str) else np.asarray(init, dtype=float)
        settings = {"n_clusters": n_clusters, "seed": seed, "init": init if isinstance(init, str) else _GIVEN}
        self.max_iter = max_iter
        super().__init__(X, settings, axis_labels)

    def _make_controls(self):
        inits = _INITS + ((_GIVEN,) if self._given is not None else ())
        return {
            "n_clusters": _k_slider(self.settings["n_clusters"]),
            "seed": _seed_box(self.settings["seed"]),
            "init": widgets.Dropdown(
                options=inits, value=self.settings["init"], description="init", layout=widgets.Layout(width="180px")
            ),
        }

    def _note(self):
        return "In Jupyter or on Binder this explorer also lets you change K, the seed and the initialisation."

    def _fit(self, n_clusters, seed, init):
        return kmeans(
            self.X, n_clusters, init=self._given if init == _GIVEN else init, max_iter=self.max_iter, seed=seed
        )

    def _frames_of(self, result):
        """The frames of a run and the trace's limits, fixed for the whole run."""
        frames = kmeans_frames(result)
        return frames, kmeans_trace_limits(frames)

    def _describe(self, index, n):
        return describe_kmeans_frame(self.frames[index], n)

    def _draw(self, axes, index):
        return draw_kmeans_frame(
            axes,
            self.X,
            self.frames[index],
            limits=self._limits,
            trace_limits=self._trace_limits,
            axis_labels=self.axis_labels,
        )


class _EMExplorer(_SteppingExplorer):
    """``result`` is the GaussianMixtureResult on show; ``frames`` its iterations."""

    title = "EM explorer"
    step_name = "iteration"

    def __init__(self, X, n_components, *, seed, init, covariance_type, reg_covar, max_iter, axis_labels):
        self._given = None if isinstance(init, str) else tuple(init)
        settings = {
            "n_components": n_components,
            "seed": seed,
            "init": init if isinstance(init, str) else _GIVEN,
            "covariance_type": covariance_type,
            "reg_covar": float(reg_covar),
            "prior": None,
        }
        self.max_iter = max_iter
        super().__init__(X, settings, axis_labels)

    def _make_controls(self):
        inits = _INITS + ((_GIVEN,) if self._given is not None else ())
        choices = sorted(set(REG_COVAR_CHOICES) | {self.settings["reg_covar"]})
        return {
            "n_components": _k_slider(self.settings["n_components"]),
            "seed": _seed_box(self.settings["seed"]),
            "init": widgets.Dropdown(
                options=inits, value=self.settings["init"], description="init", layout=widgets.Layout(width="180px")
            ),
            "covariance_type": widgets.Dropdown(
                options=COVARIANCE_TYPES,
                value=self.settings["covariance_type"],
                description="covariance",
                layout=widgets.Layout(width="200px"),
            ),
            "reg_covar": widgets.Dropdown(
                options=[(f"{c:g}", c) for c in choices],
                value=self.settings["reg_covar"],
                description=REG_COVAR_LABEL,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="360px"),
            ),
            "prior": widgets.Dropdown(
                options=PRIOR_CHOICES,
                value=self.settings["prior"],
                description="prior",
                layout=widgets.Layout(width="300px"),
            ),
        }

    def _note(self):
        return (
            self._fell()
            + (" " if self._fell() else "")
            + "In Jupyter or on Binder this explorer also lets you change K, the seed, the initialisation, "
            "the covariance type, ρ (the value added to the diagonal of each covariance matrix) "
            "and a MAP prior."
        )

    def _fit(self, n_components, seed, init, covariance_type, reg_covar, prior):
        with warnings.catch_warnings():
            # max_iter is how many frames to show, not a claim of convergence.
            warnings.simplefilter("ignore", ConvergenceWarning)
            return fit_gmm(
                self.X,
                n_components,
                covariance_type=covariance_type,
                init=self._given if init == _GIVEN else init,
                max_iter=self.max_iter,
                reg_covar=reg_covar,
                seed=seed,
                prior=prior,
            )

    def _objective(self, result):
        """The trace EM never lowers (with reg_covar=0, or under a prior): ln p(X | θ),
        or ln p(X | θ) + ln p(θ) under a prior."""
        if result.log_posteriors is not None:
            return result.log_posteriors, "log posterior"
        return result.log_likelihoods, "log-likelihood"

    def _frames_of(self, result):
        """The frames of a run and the trace's limits, fixed for the whole run."""
        return em_frames(self.X, result), em_trace_limits(self._objective(result)[0])

    def _trace_warning(self):
        text = self._fell()
        return f"<small>{html.escape(text)}</small>" if text else ""

    def _fell(self) -> str:
        """Name the iterations at which ln p fell: with ρ > 0 the update is not an EM step."""
        lls, name = self._objective(self.result)
        fell = np.flatnonzero(np.diff(lls) < -1e-9 * np.abs(lls[1:])) + 1
        if not len(fell):
            return ""
        where = ", ".join(str(i) for i in fell[:5]) + (", …" if len(fell) > 5 else "")
        return (
            f"The {name} fell at iteration {where}: adding ρ = {self.result.reg_covar:g} to Σ_k "
            f"after the M step is a heuristic, not the maximiser of Q, so EM's guarantee is lost. "
            f"The MAP prior keeps it: its M step maximises the penalised Q exactly."
        )

    def _describe(self, index, n):
        frame = self.frames[index]
        return describe_em_frame(frame, n, self.result.log_likelihoods[frame.step.iteration])

    def _draw(self, axes, index):
        frame = self.frames[index]
        trace, name = self._objective(self.result)
        return draw_em_frame(
            axes,
            self.X,
            frame.step,
            trace,
            responsibilities=frame.responsibilities,
            limits=self._limits,
            trace_limits=self._trace_limits,
            axis_labels=self.axis_labels,
            trace_label=name,
        )


class _SingularityExplorer(Explorer):
    """``frames[r]`` and ``stacks[r]`` hold the σ frames for reg_covar r in
    ``reg_covars``; ``stack`` is the outer Stack over the two, chosen by
    ``toggle`` (linked in the browser, like the slider)."""

    title = "singularity explorer"
    step_name = "σ step"
    choice_label = "variance of component 1"

    def __init__(self, X, *, point_index, sigmas, reg_covar, axis_labels):
        X = as_2d(X)
        if X.shape[1] > 2:
            raise ValueError(f"X must have one or two columns to be drawn, got D = {X.shape[1]}.")
        if not reg_covar > 0:
            raise ValueError(f"reg_covar is the value the toggle compares with 0, so it must be > 0; got {reg_covar}.")
        self.X = X
        self.axis_labels = axis_labels
        self.point_index = most_isolated(X) if point_index is None else check_point_index(point_index, len(X))
        # The narrowest column's spread: a round component that starts wider than the
        # data in some direction would not look like a component of this data.
        scale = float(X.std(axis=0).min())
        self.sigmas = scale * np.exp(np.linspace(0.0, -30.0, 16)) if sigmas is None else np.asarray(sigmas, float)
        self.reg_covars = (0.0, float(reg_covar))
        self.frames = {
            r: singularity_frames(X, self.sigmas, point_index=self.point_index, reg_covar=r) for r in self.reg_covars
        }
        self.baseline = gmm.log_likelihood(X, *single_gaussian(X))
        self._set_limits()
        self._renderer = FrameRenderer()
        n = len(self.sigmas)
        self._svgs = {
            r: [
                self._renderer.render(lambda axes, r=r, i=i: self._draw(axes, r, i), (r, i), format="svg")
                for i in range(n)
            ]
            for r in self.reg_covars
        }

    def _labels(self):
        return [("variance σ²", 0.0), (f"σ² + {self.reg_covars[1]:g}", self.reg_covars[1])]

    def _build_widgets(self):
        n = len(self.sigmas)
        self.images = {r: [self._image(svg) for svg in self._svgs[r]] for r in self.reg_covars}
        self.stacks = {r: widgets.Stack(children=self.images[r], selected_index=0) for r in self.reg_covars}
        self.stack = widgets.Stack(children=[self.stacks[r] for r in self.reg_covars], selected_index=0)
        self._frame_player(n, self.step_name)
        self.toggle = widgets.ToggleButtons(
            options=self._labels(),
            value=0.0,
            description="variance",
            style={"description_width": "initial", "button_width": "auto"},
        )
        self.links += [
            widgets.jslink((self.slider, "value"), (self.stacks[r], "selected_index")) for r in self.reg_covars
        ]
        self.links.append(widgets.jslink((self.toggle, "index"), (self.stack, "selected_index")))
        self.toggle.observe(self._on_toggle, names="index")
        self.controls = {"reg_covar": self.toggle}
        self.status = None
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.toggle, self.stack])

    def _n_frames(self):
        return len(self.sigmas)

    def _player_variants(self):
        n = len(self.sigmas)
        return [
            (
                label,
                [
                    PlayerFrame(self._svgs[r][i], _SVG, describe_singularity_frame(self.frames[r][i], i, n))
                    for i in range(n)
                ],
            )
            for label, r in self._labels()
        ]

    def _set_limits(self):
        X = self.X
        all_frames = [f for frames in self.frames.values() for f in frames]
        lls = np.array([f.log_likelihood for f in all_frames] + [self.baseline])
        pad = 0.06 * max(lls.max() - lls.min(), 1.0)
        lns = np.log(self.sigmas)
        step = 0.05 * max(lns.max() - lns.min(), 1.0)
        self._trace_limits = ((lns.max() + step, lns.min() - step), (lls.min() - pad, lls.max() + pad))
        if X.shape[1] == 2:
            self._limits = data_limits(X)
            return
        xlim = padded(X[:, 0])
        grid = np.linspace(*xlim, 400)[:, None]
        lowest = min(np.exp(gmm.log_density(grid, f.weights, f.means, f.covariances)).min() for f in all_frames)
        highest = max(
            np.exp(gmm.log_density(X[[f.point_index]], f.weights, f.means, f.covariances))[0] for f in all_frames
        )
        self._limits = (xlim, (lowest / 10.0, highest * 5.0))

    def _frame_key(self):
        return (self.reg_covars[self.toggle.index], self.slider.value)

    def _draw_current(self, axes):
        return self._draw(axes, *self._frame_key())

    def _draw(self, axes, reg_covar, index):
        other = self.frames[self.reg_covars[1] if reg_covar == self.reg_covars[0] else self.reg_covars[0]][index]
        return draw_singularity_frame(
            axes,
            self.X,
            self.frames[reg_covar][index],
            reference=(other.log_sigmas, other.log_likelihoods),
            baseline=self.baseline,
            limits=self._limits,
            trace_limits=self._trace_limits,
            axis_labels=self.axis_labels,
        )

    def _on_slider(self, change):
        for stack in self.stacks.values():
            stack.selected_index = change["new"]

    def _on_toggle(self, change):
        self.stack.selected_index = change["new"]


class _KLExplorer(Explorer):
    """``frames``: q moving away from γ, then the E step, then the M step;
    ``parameters``: θ_old, drawn dashed in the M step frame."""

    title = "explorer of the decomposition ln p = ℱ + KL"
    step_name = "stage"
    interval_ms = 900

    def __init__(self, X, weights, means, covariances, *, beta_values, toward, axis_labels):
        X = check_data(X)
        self.X = X
        self.axis_labels = axis_labels
        self.frames = kl_frames(X, weights, means, covariances, beta_values=beta_values, toward=toward)
        self._target = "the uniform table 1/K" if toward is None else "the given table"
        self.parameters = tuple(np.asarray(a, dtype=float) for a in (weights, means, covariances))
        two_d = X.shape[1] == 2
        self._limits = data_limits(X) if two_d else None
        low = min(f.free_energy for f in self.frames)
        high = max(max(f.log_likelihood, f.previous_log_likelihood) for f in self.frames)
        span = max(high - low, 1.0)
        self._value_limits = (low - 0.15 * span, high + 0.12 * span)
        # Narrower than the other explorers': its bars need less room than a trace.
        self._renderer = FrameRenderer(n_axes=2 if two_d else 1, width_ratios=(1.0, 1.1), figsize=KL_FIGSIZE)
        self._svgs = [
            self._renderer.render(lambda axes, i=i: self._draw(axes, i), i, format="svg")
            for i in range(len(self.frames))
        ]

    def _build_widgets(self):
        self.images = [self._image(svg) for svg in self._svgs]
        self.stack = widgets.Stack(children=self.images, selected_index=0)
        self._frame_player(len(self.frames), self.step_name)
        self.links.append(widgets.jslink((self.slider, "value"), (self.stack, "selected_index")))
        self.controls = {}
        self.status = None
        caption = widgets.HTML(f"<small>{html.escape(self._note())}</small>")
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), caption, self.stack])

    def _note(self):
        return (
            f"Stages 0–{len(self.frames) - 3}: q moves from γ towards {self._target} with θ fixed; then the E step "
            "(q ← γ) and the M step (θ ← argmax ℱ)."
        )

    def _n_frames(self):
        return len(self.frames)

    def _player_variants(self):
        n = len(self.frames)
        return [
            ("", [PlayerFrame(svg, _SVG, describe_kl_frame(self.frames[i], i, n)) for i, svg in enumerate(self._svgs)])
        ]

    def _frame_key(self):
        return self.slider.value

    def _draw_current(self, axes):
        return self._draw(axes, self.slider.value)

    def _draw(self, axes, index):
        frame = self.frames[index]
        previous = self.parameters if frame.stage == "M step" else None
        return draw_kl_frame(
            axes,
            self.X,
            frame,
            previous=previous,
            value_limits=self._value_limits,
            limits=self._limits,
            axis_labels=self.axis_labels,
        )

    def _on_slider(self, change):
        self.stack.selected_index = change["new"]


# ---------------------------------------------------------------------------
# Helpers


def _blank_svg() -> bytes:
    """The placeholder of a frame not drawn yet: an empty picture of a frame's size."""
    width, height = (round(v * 100) for v in FIGSIZE)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="white"/></svg>'
    ).encode()


def _k_slider(value):
    return widgets.IntSlider(
        value=value,
        min=1,
        max=MAX_COMPONENTS,
        description="K",
        continuous_update=False,
        layout=widgets.Layout(width="220px"),
    )


def _seed_box(value):
    return widgets.BoundedIntText(
        value=value, min=0, max=999_999, description="seed", layout=widgets.Layout(width="150px")
    )


def _describe(settings) -> str:
    return ", ".join(
        f"{'K' if name in ('n_clusters', 'n_components') else name}={value:g}"
        if isinstance(value, float)
        else f"{'K' if name in ('n_clusters', 'n_components') else name}={value}"
        for name, value in settings.items()
    )
