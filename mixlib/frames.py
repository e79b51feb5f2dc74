"""The data behind each explorer frame: plain numpy, no widgets, no matplotlib.

A run (a k-means result, an EM result) or a construction (a collapsing
component, the decomposition ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ))) is
turned into a list of frozen frames, one per picture.  ``describe_*`` turns a
frame into the sentence that a screen reader announces and that is the
frame's alt text.  :mod:`mixlib.drawing` draws a frame on matplotlib axes;
:mod:`mixlib.player` (a static page) and :mod:`mixlib.widgets` (Jupyter) show
the frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import em, gmm
from ._validation import check_data, frozen
from .clustering import KMeansStep, squared_distances
from .gmm import EMStep

__all__ = [
    "EMFrame",
    "KLFrame",
    "KMeansFrame",
    "SingularityFrame",
    "describe_em_frame",
    "describe_kl_frame",
    "describe_kmeans_frame",
    "describe_singularity_frame",
    "em_frames",
    "kl_frames",
    "kmeans_frames",
    "singularity_frames",
]


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
    """EM iteration t: the parameters θ⁽ᵗ⁾ and the responsibilities γ(z_nk) at θ⁽ᵗ⁾."""

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

    ``stage`` is ``"q"`` (θ fixed, q = (1 − β) γ + β·(1/K) with the mixing weight β = ``beta``), ``"E step"`` (q ← γ, so
    KL = 0) or ``"M step"`` (θ ← argmax_θ F(q, θ) with q fixed).
    ``previous_log_likelihood`` is ln p(X | θ_old), the level before the M step.
    """

    stage: str
    beta: float | None
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
    X = as_2d(X)
    sigmas = np.asarray(sigmas, dtype=float)
    if sigmas.ndim != 1 or sigmas.size == 0 or np.any(sigmas <= 0) or not np.all(np.isfinite(sigmas)):
        raise ValueError(f"sigmas must be a non-empty 1-D sequence of positive numbers, got {sigmas!r}.")
    point_index = check_point_index(point_index, X.shape[0])
    broad = single_gaussian(X)
    frames = []
    log_likelihoods = []
    for t, sigma in enumerate(sigmas):
        weights, means, covariances = collapsing_mixture(X, point_index, sigma, reg_covar, broad)
        log_likelihoods.append(gmm.log_likelihood(X, weights, means, covariances))
        frames.append(
            SingularityFrame(
                float(sigma),
                float(reg_covar),
                point_index,
                frozen(weights),
                frozen(means),
                frozen(covariances),
                frozen(np.log(sigmas[: t + 1])),
                frozen(np.array(log_likelihoods)),
            )
        )
    return frames


def kl_frames(X, weights, means, covariances, *, beta_values=None, toward=None) -> list[KLFrame]:
    """Frames of ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)).

    First θ stays fixed while q moves from the posterior γ(z_nk) towards
    ``toward`` (default: the uniform table 1/K) as q = (1 − β) γ + β · toward for β in
    ``beta_values`` (default 0, 0.2, …, 1): F falls, KL grows, their sum stays ln p.
    Then the E step sets q ← γ (KL = 0) and the M step sets θ ← argmax_θ F(q, θ)
    (``gmm.m_step`` with reg_covar = 0): F and ln p rise, and KL > 0 again.
    KL is computed in log space (``em.kl_to_posterior``), so it stays finite
    where a responsibility underflows.
    """
    X = check_data(X)
    theta_old = tuple(np.asarray(a, dtype=float) for a in (weights, means, covariances))
    gamma, ln_p_old = gmm.e_step(X, *theta_old)
    beta_values = np.linspace(0.0, 1.0, 6) if beta_values is None else np.asarray(beta_values, dtype=float)
    if beta_values.ndim != 1 or beta_values.size == 0 or np.any((beta_values < 0) | (beta_values > 1)):
        raise ValueError(f"beta_values must be a non-empty 1-D sequence of numbers in [0, 1], got {beta_values!r}.")
    u = np.full_like(gamma, 1.0 / gamma.shape[1]) if toward is None else np.asarray(toward, dtype=float)
    if u.shape != gamma.shape:
        raise ValueError(f"toward must have shape (N, K) = {gamma.shape}, like the responsibilities; got {u.shape}.")

    def decomposition(stage, beta, q, theta):
        return KLFrame(
            stage,
            beta,
            frozen(q),
            *(frozen(a) for a in theta),
            em.free_energy(X, q, *theta),
            em.kl_to_posterior(X, q, *theta),
            gmm.log_likelihood(X, *theta),
            ln_p_old,
        )

    frames = [decomposition("q", float(beta), (1.0 - beta) * gamma + beta * u, theta_old) for beta in beta_values]
    frames.append(decomposition("E step", None, gamma, theta_old))
    theta_new = gmm.m_step(X, gamma, covariance_type="full", reg_covar=0.0)
    frames.append(decomposition("M step", None, gamma, theta_new))
    return frames


def check_points(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to be drawn, got {X.shape}; pass two columns, e.g. X[:, [0, 1]].")
    return X


def as_2d(X):
    X = np.asarray(X, dtype=float)
    return check_data(X[:, None] if X.ndim == 1 else X)


def check_point_index(point_index, n):
    if isinstance(point_index, bool) or not isinstance(point_index, (int, np.integer)) or not 0 <= point_index < n:
        raise ValueError(f"point_index must be an integer in 0, …, {n - 1} (a row of X), got {point_index!r}.")
    return int(point_index)


def single_gaussian(X):
    """The maximum-likelihood Gaussian of all the data: the M step with γ_n1 = 1."""
    return gmm.m_step(X, np.ones((X.shape[0], 1)), reg_covar=0.0)


def collapsing_mixture(X, point_index, sigma, reg_covar, broad):
    N, D = X.shape
    _, broad_mean, broad_cov = broad
    weights = np.array([1.0 / N, 1.0 - 1.0 / N])
    means = np.vstack([X[point_index], broad_mean[0]])
    covariances = np.stack([(sigma**2 + reg_covar) * np.eye(D), broad_cov[0]])
    return weights, means, covariances


def most_isolated(X) -> int:
    """The point farthest from its nearest neighbour: no other point shares its spike,
    so ln p(X) grows like −D ln σ exactly."""
    d2 = squared_distances(X, X)
    np.fill_diagonal(d2, np.inf)
    return int(np.argmax(d2.min(axis=1)))


# ---------------------------------------------------------------------------
# Limits fixed for a whole run, so that frames do not jump


def padded(values, margin=0.08):
    """(low, high) of ``values`` widened by ``margin`` of their range on each side."""
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = margin * max(hi - lo, 1e-9)
    return lo - pad, hi + pad


def data_limits(X):
    """((x₁ low, high), (x₂ low, high)) of the points, padded."""
    return padded(X[:, 0]), padded(X[:, 1])


def kmeans_trace_limits(frames):
    """Half-steps 1, …, T on x; J from 0 to just above its largest value on y."""
    distortions = frames[-1].distortions
    top = float(distortions.max()) if len(distortions) else 1.0
    return (0.5, max(len(frames) - 1, 1) + 0.5), (0.0, 1.05 * top)


def em_trace_limits(log_likelihoods):
    """Iterations 0, …, n on x; the log-likelihood's range, padded, on y."""
    lls = np.asarray(log_likelihoods, dtype=float)
    pad = 0.06 * max(lls.max() - lls.min(), 1.0)
    return (-0.5, max(len(lls) - 1, 1) + 0.5), (lls.min() - pad, lls.max() + pad)


# ---------------------------------------------------------------------------
# What each frame shows, in words: alt text and the announced status


def describe_kmeans_frame(frame: KMeansFrame, n_frames: int) -> str:
    what = {
        "init": f"the start: {len(frame.step.centers)} centres placed",
        "assign": "each point assigned to its nearest centre",
        "update": "each centre moved to the mean of its points",
    }[frame.step.step]
    text = f"Half-step {frame.index} of {n_frames - 1}: {what}"
    if len(frame.distortions):
        text += f"; distortion J = {frame.distortions[-1]:.2f}"
    return text + "."


def describe_em_frame(frame: EMFrame, n_frames: int, log_likelihood: float) -> str:
    K = len(frame.step.weights)
    weights = ", ".join(f"{w:.2f}" for w in frame.step.weights)
    return (
        f"Iteration {frame.step.iteration} of {n_frames - 1}: {K} Gaussian components "
        f"(weights {weights}), points coloured by their responsibilities; "
        f"log-likelihood ln p(X | θ) = {log_likelihood:.2f}."
    )


def describe_singularity_frame(frame: SingularityFrame, index: int, n_frames: int) -> str:
    variance = f"σ² + {frame.reg_covar:g}" if frame.reg_covar else "σ²"
    return (
        f"Step {index} of {n_frames - 1}: component 1 sits on one data point with σ = {frame.sigma:.2g} "
        f"(variance {variance}); log-likelihood ln p(X) = {frame.log_likelihood:.2f}."
    )


def describe_kl_frame(frame: KLFrame, index: int, n_frames: int) -> str:
    stage = {
        "q": f"θ fixed, q moved away from the posterior (β = {frame.beta:.2g})" if frame.beta is not None else "",
        "E step": "E step, q set to the posterior, so KL = 0",
        "M step": f"M step, θ maximises ℱ with q fixed; ln p rose from {frame.previous_log_likelihood:.1f}",
    }[frame.stage]
    return (
        f"Stage {index} of {n_frames - 1}: {stage}. ln p(X | θ) = {frame.log_likelihood:.1f}, "
        f"ℱ(q, θ) = {frame.free_energy:.1f}, KL(q ‖ p) = {frame.kl:.1f}."
    )
