"""Tests for the explorers: frames (mixlib.frames), drawings (mixlib.drawing),
the static player (mixlib.player) and the live widgets' callbacks (mixlib.widgets),
without a browser.

The callbacks are driven from Python, as a kernel would after a user moves a
control; the live widget's stepping rests on the structure checked at the end
(jslinks, one pre-rendered SVG per frame), the static page's on the player's
HTML (tests/browser drives it in Chromium).
"""

import contextlib
import gzip
import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")

import ipywidgets as ipw  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

import mixlib  # noqa: E402
from mixlib import drawing, em, frames, gmm, player, plotting, widgets  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FRAME_PIXELS = (round(drawing.FIGSIZE[0] * drawing.DPI), round(drawing.FIGSIZE[1] * drawing.DPI))
BLANK = widgets._blank_svg()
# Bishop's Fig 9.8 kind of start: two round components on the wrong diagonal.
POOR_START = (np.array([0.5, 0.5]), np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0.5 * np.eye(2)] * 2))


class Built(NamedTuple):
    """An explorer, what building it printed, and the pyplot figures it left open."""

    explorer: object
    printed: tuple
    new_figures: set


def built_quietly(make):
    # An explorer is built once per module and read by several tests, so what its
    # constructor prints is recorded here rather than by one test's capsys.
    figures = set(plt.get_fignums())
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
        explorer = make()
    return Built(explorer, (out.getvalue(), err.getvalue()), set(plt.get_fignums()) - figures)


@pytest.fixture(scope="module")
def X():
    return mixlib.standardise(mixlib.load_faithful())[0]


@pytest.fixture(scope="module")
def collapsing_data():
    """A cloud plus ten copies of one point: with reg_covar = 0 the component
    k-means gives the copies has zero covariance, so EM fails at iteration 0."""
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(size=(40, 2)), np.tile([6.0, 6.0], (10, 1))])


# The fixtures below are read, never changed, by the tests that share them (a test that
# moves a slider puts it back).


@pytest.fixture(scope="module")
def singularity_2d(X):
    # Fewer σ than the default 16 (each is two rendered frames); the last six are small
    # enough for the asymptotic slope of ln p and for the plateau under reg_covar.
    return widgets.singularity_explorer(X, sigmas=np.exp(np.r_[0.0, -5.0, np.linspace(-10.0, -30.0, 6)]))


@pytest.fixture(scope="module")
def singularity_1d(X):
    """With the default σ, s·exp(0, −2, …, −30)."""
    return built_quietly(lambda: widgets.singularity_explorer(X[:, 0]))


@pytest.fixture(scope="module")
def kl_built(X):
    theta = gmm.m_step(X, gmm.responsibilities(X, *POOR_START), reg_covar=0.0)
    return theta, built_quietly(lambda: widgets.kl_explorer(X, *theta))


@pytest.fixture(scope="module")
def kl_setup(kl_built):
    theta, built = kl_built
    return theta, built.explorer


@pytest.fixture(scope="module")
def kmeans_built(X):
    """Six clusters from a random start: many half-steps, a large page."""
    return built_quietly(lambda: widgets.kmeans_stepper(X, 6, init="random"))


@pytest.fixture(scope="module")
def em_built(X):
    """Thirty-one frames from a random start: the largest page of the explorers."""
    return built_quietly(lambda: widgets.em_explorer(X, init="random", max_iter=30))


def axes_pair():
    figure = Figure(figsize=drawing.FIGSIZE)
    FigureCanvasAgg(figure)
    return figure.subplots(1, 2)


def png_size(data):
    data = bytes(data)
    assert data.startswith(PNG_SIGNATURE)
    return Image.open(io.BytesIO(data)).size


def is_rendered(image, explorer):
    data = bytes(image.value)
    return image.format == "svg+xml" and b"<svg" in data and b"<path" in data and data != BLANK


def has_link(explorer, source, target):
    return any(isinstance(link, Link) and link.source == source and link.target == target for link in explorer.links)


def ellipse_centres(artists):
    """The centre of each component's ellipses, one row per component."""
    groups = artists["ellipses"]
    for group in groups:
        np.testing.assert_allclose([e.center for e in group], [group[0].center] * len(group))
    return np.array([group[0].center for group in groups])


def all_images(explorer):
    images = explorer.images
    return [image for group in images.values() for image in group] if isinstance(images, dict) else images


# ---------------------------------------------------------------------------
# Only widgets.py needs ipywidgets


def test_mixlib_imports_without_ipywidgets():
    codes = [
        "import sys, mixlib, mixlib.plotting, mixlib.style, mixlib.drawing, mixlib.player; "
        "assert 'ipywidgets' not in sys.modules",
        # What a static page or a test of frames needs imports neither widgets nor matplotlib.
        "import sys, mixlib.frames; assert not {'ipywidgets', 'matplotlib'} & set(sys.modules)",
    ]
    # Two fresh interpreters, started together.
    runs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for code in codes]
    for code, run in zip(codes, runs):
        _, err = run.communicate()
        assert run.returncode == 0, f"{code}\n{err}"
    package = Path(mixlib.__file__).parent
    importers = [p.name for p in package.rglob("*.py") if "import ipywidgets" in p.read_text(encoding="utf-8")]
    assert importers == ["widgets.py"]


# ---------------------------------------------------------------------------
# Frames and drawing functions, without widgets


def test_em_frames_hold_responsibilities_at_each_iteration(X):
    result = mixlib.fit_gmm(X, 2, init=POOR_START, max_iter=5, tol=0)
    em_frames = frames.em_frames(X, result)
    assert [f.step.iteration for f in em_frames] == list(range(6))
    for frame in em_frames:
        np.testing.assert_allclose(
            frame.responsibilities,
            gmm.responsibilities(X, frame.step.weights, frame.step.means, frame.step.covariances),
        )


def test_draw_em_frame_puts_ellipses_on_the_means_and_traces_up_to_the_iteration(X):
    result = mixlib.fit_gmm(X, 2, init=POOR_START, max_iter=6, tol=0)
    for step in (result.history[0], result.history[3], result.history[-1]):
        art = drawing.draw_em_frame(axes_pair(), X, step, result.log_likelihoods)
        assert len(art["ellipses"]) == 2
        np.testing.assert_allclose(ellipse_centres(art), step.means)
        np.testing.assert_allclose(art["means"].get_offsets(), step.means)
        i = step.iteration
        np.testing.assert_array_equal(art["trace"].get_xdata(), np.arange(i + 1))
        np.testing.assert_allclose(art["trace"].get_ydata(), result.log_likelihoods[: i + 1])
        np.testing.assert_allclose(np.ravel(art["marker"].get_xydata()), [i, result.log_likelihoods[i]])


def test_draw_em_frame_colours_points_by_responsibilities(X):
    result = mixlib.fit_gmm(X, 2, init=POOR_START, max_iter=10, tol=0)
    colours = []
    for step in (result.history[0], result.history[-1]):
        art = drawing.draw_em_frame(axes_pair(), X, step, result.log_likelihoods)
        gamma = gmm.responsibilities(X, step.weights, step.means, step.covariances)
        expected = np.clip(gamma @ plotting.component_colors(2), 0, 1)
        np.testing.assert_allclose(art["points"].get_facecolors()[:, :3], expected, atol=1e-12)
        colours.append(art["points"].get_facecolors()[:, :3])
    assert np.abs(colours[0] - colours[1]).max() > 0.5


def test_draw_em_frame_rejects_a_trace_shorter_than_the_iteration(X):
    result = mixlib.fit_gmm(X, 2, init=POOR_START, max_iter=4, tol=0)
    with pytest.raises(ValueError, match="log_likelihoods"):
        drawing.draw_em_frame(axes_pair(), X, result.history[4], result.log_likelihoods[:3])


def test_draw_kmeans_frame_trace_grows_with_the_half_step(X):
    result = mixlib.kmeans(X, 2, init=np.array([[-1.5, 1.0], [1.5, -1.0]]))
    km_frames = frames.kmeans_frames(result)
    assert len(km_frames) == len(result.history) >= 5
    for t, frame in enumerate(km_frames):
        art = drawing.draw_kmeans_frame(axes_pair(), X, frame)
        assert len(art["trace"].get_xdata()) == t
        np.testing.assert_allclose(art["trace"].get_ydata(), result.distortions[:t])
        np.testing.assert_allclose(art["centers"].get_offsets(), frame.step.centers)
        if t == 0:
            assert art["marker"] is None and art["previous_centers"] is None
        else:
            np.testing.assert_allclose(np.ravel(art["marker"].get_xydata()), [t, result.distortions[t - 1]])
            np.testing.assert_allclose(art["previous_centers"].get_offsets(), result.history[t - 1].centers)
        # Centres move only in update half-steps, and then an arrow shows each move.
        moved = t > 0 and not np.allclose(result.history[t - 1].centers, frame.step.centers)
        assert bool(art["moves"]) == moved
        assert not moved or frame.step.step == "update"


# ---------------------------------------------------------------------------
# em_explorer: callbacks


def test_em_slider_shows_that_iterations_parameters(X):
    ex = widgets.em_explorer(X, init=POOR_START, max_iter=5)
    history, lls = ex.result.history, ex.result.log_likelihoods
    assert len(history) == 6
    for j in (3, 0, len(history) - 1):
        ex.slider.value = j
        assert ex.stack.selected_index == j
        art = ex.artists
        np.testing.assert_allclose(ellipse_centres(art), history[j].means)
        assert len(art["trace"].get_xdata()) == j + 1
        np.testing.assert_allclose(np.ravel(art["marker"].get_xydata()), [j, lls[j]])
    ex.slider.value = 0
    first = ex.artists["points"].get_facecolors().copy()
    ex.slider.value = len(history) - 1
    assert np.abs(ex.artists["points"].get_facecolors() - first).max() > 0.5


# Runs stopped after a few iterations on purpose: fewer frames to render.
@pytest.mark.filterwarnings("ignore::mixlib.ConvergenceWarning")
def test_em_changing_k_refits_and_renders_only_the_frame_on_show(X):
    ex = widgets.em_explorer(X, n_components=2, seed=0, max_iter=6)
    ex.slider.value = 1
    ex.controls["n_components"].value = 3
    assert ex.result.n_components == 3
    expected = mixlib.fit_gmm(X, 3, seed=0, max_iter=6, reg_covar=1e-6)
    np.testing.assert_allclose(ex.result.means, expected.means)
    n = len(ex.result.history)
    assert len(ex.frames) == len(ex.stack.children) == len(ex.images) == n
    assert ex.slider.max == ex.play.max == n - 1
    current = ex.slider.value
    assert current == min(1, n - 1) and ex.stack.selected_index == current
    art = ex.artists
    assert len(art["ellipses"]) == 3
    np.testing.assert_allclose(ellipse_centres(art), ex.result.history[current].means)
    assert is_rendered(ex.images[current], ex)
    stale = [i for i in range(n) if i != current]
    assert stale and all(bytes(ex.images[i].value) == BLANK for i in stale)
    # A stale frame is rendered when the slider reaches it.
    ex.slider.value = stale[-1]
    assert is_rendered(ex.images[stale[-1]], ex)
    np.testing.assert_allclose(ellipse_centres(ex.artists), ex.result.history[stale[-1]].means)


def test_em_covariance_control_reaches_the_fit(X):
    ex = widgets.em_explorer(X)
    ex.controls["covariance_type"].value = "spherical"
    assert ex.result.covariance_type == "spherical"
    last = ex.result.history[ex.slider.value]
    for group in ex.artists["ellipses"]:
        np.testing.assert_allclose([e.width for e in group], [e.height for e in group])
    np.testing.assert_allclose(ellipse_centres(ex.artists), last.means)


def test_em_frames_follow_a_longer_then_shorter_run(X):
    ex = widgets.em_explorer(X, max_iter=30)
    short = len(ex.frames)
    ex.controls["init"].value = "random"
    assert len(ex.frames) == len(ex.result.history) > short
    ex.slider.value = len(ex.frames) - 1
    ex.controls["init"].value = "k-means++"
    n = len(ex.result.history)
    assert len(ex.frames) == len(ex.stack.children) == n == short
    assert ex.slider.value == ex.stack.selected_index == n - 1
    assert all(isinstance(child, ipw.Image) for child in ex.stack.children)


def test_em_singularity_error_shows_message_and_keeps_last_run(collapsing_data):
    ex = widgets.em_explorer(collapsing_data, reg_covar=1e-6)
    assert ex.status.value == ""
    before = (ex.result, ex.frames, ex.stack.children, [bytes(i.value) for i in ex.images])
    ex.controls["reg_covar"].value = 0.0
    assert "SingularityError" in ex.status.value and "collapsed" in ex.status.value
    assert "reg_covar=1e-06" in ex.status.value  # names the run still on show
    assert ex.result is before[0] and ex.frames is before[1] and ex.stack.children == before[2]
    assert [bytes(i.value) for i in ex.images] == before[3]
    ex.controls["reg_covar"].value = 1e-3
    assert ex.status.value == "" and ex.result.reg_covar == 1e-3


def test_em_given_start_needs_its_own_k(X):
    ex = widgets.em_explorer(X, init=POOR_START, max_iter=2)
    assert ex.controls["init"].value == "given"
    ex.controls["n_components"].value = 3
    assert "n_components=3" in ex.status.value and ex.result.n_components == 2
    ex.controls["init"].value = "k-means++"
    assert ex.status.value == "" and ex.result.n_components == 3


# ---------------------------------------------------------------------------
# kmeans_stepper: callbacks


# Runs stopped after a few iterations on purpose: fewer frames to render.
@pytest.mark.filterwarnings("ignore::mixlib.ConvergenceWarning")
def test_kmeans_stepper_k_and_half_steps(X):
    # Two iterations are enough half-steps of both kinds; each is rendered below.
    ex = widgets.kmeans_stepper(X, 2, seed=0, max_iter=2)
    ex.controls["n_clusters"].value = 3
    assert len(ex.result.centers) == 3
    assert len(ex.frames) == len(ex.stack.children) == len(ex.result.history) == ex.slider.max + 1
    lengths = []
    for t in range(len(ex.frames)):
        ex.slider.value = t
        art = ex.artists
        assert len(art["centers"].get_offsets()) == 3
        np.testing.assert_allclose(art["centers"].get_offsets(), ex.result.history[t].centers)
        lengths.append(len(art["trace"].get_xdata()))
    assert lengths == list(range(len(ex.frames)))
    assert all(is_rendered(image, ex) for image in ex.images)


# Runs stopped after a few iterations on purpose: fewer frames to render.
@pytest.mark.filterwarnings("ignore::mixlib.ConvergenceWarning")
def test_kmeans_stepper_seed_reaches_kmeans(X):
    ex = widgets.kmeans_stepper(X, 4, seed=0, max_iter=2)
    ex.controls["seed"].value = 7
    expected = mixlib.kmeans(X, 4, max_iter=2, seed=7).centers
    np.testing.assert_allclose(ex.result.centers, expected)
    assert not np.allclose(mixlib.kmeans(X, 4, max_iter=2, seed=0).centers, expected)  # the seed matters


# ---------------------------------------------------------------------------
# singularity_explorer


def test_singularity_log_likelihood_climbs_without_reg_covar(singularity_2d, X):
    frames = singularity_2d.frames[0.0]
    lls = np.array([f.log_likelihood for f in frames])
    assert np.all(np.diff(lls) > 0)
    # Asymptotically ln p(X) = const − D ln σ: each step of ln σ adds D times its size.
    d_log_sigma = -np.diff(np.log(singularity_2d.sigmas))
    np.testing.assert_allclose(np.diff(lls)[-5:], X.shape[1] * d_log_sigma[-5:], rtol=1e-6)


def test_singularity_reg_covar_uses_variance_sigma2_plus_reg_and_levels_off(singularity_2d, X):
    reg = singularity_2d.reg_covars[1]
    flat = np.array([f.log_likelihood for f in singularity_2d.frames[reg]])
    climbing = np.array([f.log_likelihood for f in singularity_2d.frames[0.0]])
    assert np.all(np.abs(np.diff(flat)[-5:]) < 1e-6)
    assert flat.max() < climbing[-1] - 10
    effective = np.sqrt(singularity_2d.sigmas**2 + reg)
    same = frames.singularity_frames(X, effective, point_index=singularity_2d.point_index)
    np.testing.assert_allclose(flat, [f.log_likelihood for f in same], rtol=1e-12)


def test_singularity_controls_select_frames(singularity_2d):
    ex = singularity_2d
    try:
        ex.slider.value = 5
        ex.toggle.index = 1
        assert ex.stack.selected_index == 1
        assert all(stack.selected_index == 5 for stack in ex.stacks.values())
        frame = ex.frames[ex.reg_covars[1]][5]
        art = ex.artists
        np.testing.assert_allclose(art["trace"].get_ydata(), frame.log_likelihoods)
        np.testing.assert_allclose(np.ravel(art["marker"].get_xydata()), [np.log(frame.sigma), frame.log_likelihood])
        ellipse = art["ellipses"][0]  # component 1's 1-σ circle, radius √(σ² + reg_covar)
        np.testing.assert_allclose(ellipse.center, ex.X[ex.point_index])
        np.testing.assert_allclose(ellipse.width / 2, np.sqrt(frame.sigma**2 + ex.reg_covars[1]))
        ex.toggle.index = 0
        np.testing.assert_allclose(ex.artists["trace"].get_ydata(), ex.frames[0.0][5].log_likelihoods)
    finally:
        ex.slider.value, ex.toggle.index = 0, 0


def test_singularity_one_dimensional_spike_grows(singularity_1d):
    ex = singularity_1d.explorer
    shown = (0, 3, 6, 9)  # σ = s·e⁰, s·e⁻⁶, s·e⁻¹², s·e⁻¹⁸
    np.testing.assert_allclose(np.diff(np.log(ex.sigmas[list(shown)])), -6.0)
    peaks = []
    try:
        for j in shown:
            ex.slider.value = j
            density = ex.artists["density"]
            peaks.append(density.get_ydata().max())
    finally:
        ex.slider.value = 0
    assert density.get_xdata()[np.argmax(density.get_ydata())] == pytest.approx(ex.X[ex.point_index, 0])
    # Once the spike dominates, its height π_1 / (σ √(2π)) grows like 1/σ.
    assert np.all(np.diff(peaks) > 0)
    assert np.log(peaks[-1] / peaks[-2]) == pytest.approx(6.0, rel=0.01)
    lls = [f.log_likelihood for f in ex.frames[0.0]]
    assert lls[-1] > lls[1] + 5


# ---------------------------------------------------------------------------
# kl_explorer


def test_kl_decomposition_holds_in_every_frame(kl_setup, X):
    theta, ex = kl_setup
    for frame in ex.frames:
        assert frame.free_energy + frame.kl == pytest.approx(frame.log_likelihood, rel=1e-10)
        theta = (frame.weights, frame.means, frame.covariances)
        assert frame.log_likelihood == pytest.approx(gmm.log_likelihood(X, *theta), rel=1e-12)
        assert frame.free_energy == pytest.approx(em.free_energy(X, frame.q, *theta), rel=1e-12)
        assert frame.kl == pytest.approx(em.kl_divergence(frame.q, gmm.responsibilities(X, *theta)), abs=1e-9)


def test_kl_stages(kl_setup, X):
    theta, ex = kl_setup
    q_frames = [f for f in ex.frames if f.stage == "q"]
    e_frame, m_frame = ex.frames[-2:]
    assert (e_frame.stage, m_frame.stage) == ("E step", "M step")
    assert np.all(np.diff([f.free_energy for f in q_frames]) < 0)
    assert np.all(np.diff([f.kl for f in q_frames]) > 0)
    assert q_frames[0].kl == pytest.approx(0.0, abs=1e-9)
    assert e_frame.kl == 0.0 and e_frame.free_energy == pytest.approx(e_frame.log_likelihood, rel=1e-12)
    new = gmm.m_step(X, gmm.responsibilities(X, *theta), reg_covar=0.0)
    for got, want in zip((m_frame.weights, m_frame.means, m_frame.covariances), new):
        np.testing.assert_allclose(got, want)
    assert m_frame.free_energy > e_frame.free_energy
    assert m_frame.log_likelihood > m_frame.free_energy + 1e-6  # KL > 0 again
    assert m_frame.previous_log_likelihood == pytest.approx(e_frame.log_likelihood)


def test_kl_bars_stack_free_energy_and_kl(kl_setup):
    _, ex = kl_setup
    try:
        for j, frame in enumerate(ex.frames):
            ex.slider.value = j
            assert ex.stack.selected_index == j
            art = ex.artists
            f_bar, kl_bar = art["free_energy"], art["kl"]
            assert f_bar.get_y() + f_bar.get_height() == pytest.approx(frame.free_energy, rel=1e-12)
            assert kl_bar.get_y() == pytest.approx(frame.free_energy, rel=1e-12)
            assert kl_bar.get_height() == pytest.approx(frame.kl, abs=1e-9)
            assert kl_bar.get_y() + kl_bar.get_height() == pytest.approx(frame.log_likelihood, rel=1e-10)
            assert (art["previous"] is not None) == (frame.stage == "M step")
    finally:
        ex.slider.value = 0


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), K=st.integers(1, 3), beta=st.floats(0.0, 1.0))
def test_kl_decomposition_for_random_parameters(seed, K, beta):
    # Overlapping blobs: far apart, γ(z_nk) underflows to 0 and KL(q ‖ γ) is +inf (see mixlib.em).
    X, _, (weights, means, covariances) = mixlib.random_blobs(60, K, spread=2.0, seed=seed)
    kl = frames.kl_frames(X, weights, means + 0.5, covariances * 1.5, beta_values=[beta])
    for frame in kl:
        assert frame.free_energy + frame.kl == pytest.approx(frame.log_likelihood, rel=1e-10, abs=1e-9)
        assert frame.kl >= -1e-9
    assert kl[-1].log_likelihood >= kl[-2].log_likelihood - 1e-9  # the M step never lowers ln p


# ---------------------------------------------------------------------------
# The static page: structure that works without a kernel


@pytest.mark.parametrize("make", ["kmeans", "em"])
def test_stepping_explorers_static_structure(make, kmeans_built, em_built):
    ex = (kmeans_built if make == "kmeans" else em_built).explorer
    assert isinstance(ex.widget, ipw.VBox)
    assert has_link(ex, (ex.play, "value"), (ex.slider, "value"))
    assert has_link(ex, (ex.slider, "value"), (ex.stack, "selected_index"))
    assert isinstance(ex.stack, ipw.Stack) and ex.stack.selected_index == ex.slider.value == 0
    assert len(ex.stack.children) == len(ex.frames) == len(ex.result.history) == ex.slider.max + 1
    assert all(isinstance(child, ipw.Image) and child.format == "svg+xml" for child in ex.stack.children)
    assert all(is_rendered(image, ex) for image in ex.images)
    notes = [w for w in ex.kernel_box.children if isinstance(w, ipw.HTML) and "rerun" in w.value]
    assert len(notes) == 1
    assert set(ex.controls.values()) <= {w for row in ex.kernel_box.children for w in getattr(row, "children", ())}
    assert ex.kernel_box in ex.widget.children and ex.stack in ex.widget.children
    bundle = ex._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id


def test_singularity_static_structure(singularity_2d):
    ex = singularity_2d
    assert len(ex.stack.children) == 2 and list(ex.stack.children) == [ex.stacks[r] for r in ex.reg_covars]
    for r in ex.reg_covars:
        assert len(ex.stacks[r].children) == len(ex.frames[r]) == len(ex.sigmas) == ex.slider.max + 1
        assert has_link(ex, (ex.slider, "value"), (ex.stacks[r], "selected_index"))
    assert has_link(ex, (ex.toggle, "index"), (ex.stack, "selected_index"))
    assert has_link(ex, (ex.play, "value"), (ex.slider, "value"))
    assert all(is_rendered(image, ex) for image in all_images(ex))
    # Both controls are linked in the browser, so none needs the kernel note.
    assert "Binder" not in str([getattr(w, "value", "") for w in ex.widget.children])


def test_kl_static_structure(kl_setup):
    _, ex = kl_setup
    assert len(ex.stack.children) == len(ex.frames) == ex.slider.max + 1
    assert has_link(ex, (ex.slider, "value"), (ex.stack, "selected_index"))
    assert has_link(ex, (ex.play, "value"), (ex.slider, "value"))
    assert all(is_rendered(image, ex) for image in ex.images)


def test_explorers_print_nothing_leave_no_pyplot_figures_and_stay_small(
    kmeans_built, em_built, singularity_1d, kl_built, capsys
):
    built = [kmeans_built, em_built, singularity_1d, kl_built[1]]
    for b in built:
        assert b.printed == ("", "") and b.new_figures == set(), type(b.explorer).__name__
    figures = plt.get_fignums()
    pages = [b.explorer.static_html() for b in built]
    assert plt.get_fignums() == figures
    assert capsys.readouterr() == ("", "")
    # A page with an explorer stays within 2 MB as a web host sends it (gzip), theme included.
    for page in pages:
        assert len(gzip.compress(page.encode())) < 0.45e6


# ---------------------------------------------------------------------------
# The static player


class _PlayerParts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.data, self._in_data = [], None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_data = tag == "script" and attrs.get("class") == "mixlib-player-data"

    def handle_data(self, data):
        if self._in_data:
            self.data = json.loads(data.replace("<\\/", "</"))
            self._in_data = False


def player_parts(page):
    parser = _PlayerParts()
    parser.feed(page)
    return parser


@pytest.mark.parametrize("make", ["kmeans", "em", "singularity", "kl"])
def test_static_player_has_named_controls_alt_text_and_no_kernel_controls(
    make, kmeans_built, em_built, kl_setup, singularity_2d
):
    ex = {
        "kmeans": kmeans_built.explorer,
        "em": em_built.explorer,
        "singularity": singularity_2d,
        "kl": kl_setup[1],
    }[make]
    parts = player_parts(ex.static_html())
    buttons = [a for tag, a in parts.tags if tag == "button"]
    assert [b["class"] for b in buttons] == ["mixlib-player-play", "mixlib-player-prev", "mixlib-player-next"]
    (slider,) = [a for tag, a in parts.tags if tag == "input" and a.get("type") == "range"]
    labels = [a for tag, a in parts.tags if tag == "label" and a.get("for") == slider["id"]]
    assert len(labels) == 1
    n = ex._n_frames()
    assert slider["max"] == str(n - 1) and slider["aria-valuetext"] == f"{ex.step_name} 0 of {n - 1}"
    variants = parts.data["variants"]
    assert all(len(v["frames"]) == n for v in variants)
    alts = [f["alt"] for v in variants for f in v["frames"]]
    assert len(set(alts)) == len(alts) and all(str(n - 1) in alt for alt in alts)
    # "#" would start a URL's fragment and cut the picture short.
    assert all(
        f["src"].startswith("data:image/svg+xml,<svg") and "#" not in f["src"] for v in variants for f in v["frames"]
    )
    (img,) = [a for tag, a in parts.tags if tag == "img"]
    assert img["alt"] == variants[0]["frames"][0]["alt"]
    # The controls appear only once the script runs; the kernel's controls never.
    (controls,) = [a for tag, a in parts.tags if a.get("class") == "mixlib-player-controls"]
    assert "hidden" in controls
    assert not [a for tag, a in parts.tags if tag in ("select", "textarea") or a.get("type") in ("number", "text")]
    radios = [a for tag, a in parts.tags if a.get("type") == "radio"]
    assert len(radios) == (2 if make == "singularity" else 0)
    (status,) = [a for tag, a in parts.tags if a.get("class") == "mixlib-player-status"]
    assert status["aria-live"] == "polite"


def test_em_static_player_frames_show_each_iteration(em_built):
    ex = em_built.explorer
    frames_ = player_parts(ex.static_html()).data["variants"][0]["frames"]
    lls = ex.result.log_likelihoods
    for i, frame in enumerate(frames_):
        assert frame["alt"].startswith(f"Iteration {i} of {len(lls) - 1}:")
        assert f"{lls[i]:.2f}" in frame["alt"]
    assert len({f["src"] for f in frames_}) == len(frames_)


def test_static_mode_makes_no_widget(X, monkeypatch):
    monkeypatch.setenv(player.STATIC_ENV, "1")
    ex = widgets.em_explorer(X, init=POOR_START, max_iter=1)
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert "_widgets_built" not in ex.__dict__
    monkeypatch.delenv(player.STATIC_ENV)
    bundle = ex._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "text/html"} <= set(bundle)


def test_player_rejects_variants_of_different_lengths():
    frame = player.PlayerFrame(b"<svg></svg>", "image/svg+xml", "a frame")
    with pytest.raises(ValueError, match="same number of frames"):
        player.player_html([("a", [frame]), ("b", [frame, frame])], title="t", step="step")


def test_player_data_cannot_close_its_script():
    frame = player.PlayerFrame(b"<svg><text></script></text></svg>", "image/svg+xml", "</script> alt")
    page = player.player_html([("", [frame])], title="t", step="step")
    data = page.split('class="mixlib-player-data">', 1)[1]
    assert data.index("</script>") > data.index("alt")  # the first </script> is the element's own end


# ---------------------------------------------------------------------------
# ρ (reg_covar) and the MAP prior


def test_reg_covar_control_says_it_is_a_heuristic(em_built):
    ex = em_built.explorer
    assert ex.controls["reg_covar"].description == widgets.REG_COVAR_LABEL
    assert "heuristic" in widgets.REG_COVAR_LABEL and "can lower ln p" in widgets.REG_COVAR_LABEL


def test_em_explorer_names_the_iterations_where_ln_p_fell_and_the_prior_keeps_monotone(X):
    # ln p first falls at iteration 2; four iterations are enough to show it.
    ex = widgets.em_explorer(X, 3, max_iter=4, reg_covar=0.1)
    lls = ex.result.log_likelihoods
    fell = np.flatnonzero(np.diff(lls) < 0) + 1
    assert len(fell), "with K = 3 and ρ = 0.1 the log-likelihood falls on standardised Old Faithful"
    assert f"fell at iteration {fell[0]}" in ex.status.value
    assert f"fell at iteration {fell[0]}" in ex.static_html()  # the static page says so too
    ex.controls["reg_covar"].value = 0.0
    ex.controls["prior"].value = "default"
    assert ex.result.log_posteriors is not None
    assert np.all(np.diff(ex.result.log_posteriors) >= -1e-9 * np.abs(ex.result.log_posteriors[1:]))
    assert ex.status.value == ""
    assert ex.artists["trace"].axes.get_ylabel() == "log posterior"
    np.testing.assert_allclose(ex.artists["trace"].get_ydata(), ex.result.log_posteriors[: ex.slider.value + 1])


def test_compact_svg_keeps_glyph_scales_and_drops_what_a_picture_does_not_need():
    svg = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg x="1">\n <metadata>m</metadata>\n'
        b' <use x="123.456789" y="7.123456" transform="scale(0.114583 -0.114583)"/>\n</svg>\n'
    )
    assert drawing.compact_svg(svg) == (
        b'<svg x="1"> <use x="123.45" y="7.123456" transform="scale(0.114583 -0.114583)"/> </svg> '
    )
