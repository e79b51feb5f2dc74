"""The Bernoulli mixture (mixtures of binary images) and its EM algorithm.

The model, in the lecture's notation, for binary x ∈ {0, 1}^D:

    p(x | μ_k) = Π_d μ_kd^x_d (1 − μ_kd)^(1 − x_d),     p(x) = Σ_k π_k p(x | μ_k),

with μ_kd ∈ [0, 1] the probability that pixel d is on in component k.  Its
EM algorithm is :func:`mixlib.em.fit_mixture` with this family's log-joint

    ℓ_nk = ln π_k + Σ_d [x_nd ln μ_kd + (1 − x_nd) ln(1 − μ_kd)]

and its M step, for responsibilities q_nk frozen at the old parameters,

    N_k = Σ_n q_nk,   π_k = N_k / N,   μ_k = (Σ_n q_nk x_n + α) / (N_k + 2α).

**Smoothing.** With α = 0 this is the maximum-likelihood M step; a pixel that
is never on (or always on) among a component's points then gets μ_kd = 0 (or
1) exactly.  The densities use 0 · ln 0 = 0, so nothing becomes NaN, but a new
image with that pixel on has probability 0 under the component.  α > 0 adds α
pseudo-observations of "on" and α of "off" to every pixel of every component:
it is the M step of maximum a posteriori EM with the prior

    p(μ_kd) = Beta(μ_kd | 1 + α, 1 + α) ∝ μ_kd^α (1 − μ_kd)^α,

independently for every k and d (no prior on π), which keeps every μ_kd strictly
inside (0, 1).  EM then never decreases the log posterior
ln p(X | θ) + ln p(θ) (``log_posterior``), the objective it is judged on, while
the log-likelihood can fall by a little.  :data:`DEFAULT_SMOOTHING` is small
enough that the two objectives differ by a fraction of a percent on the
digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import betaln

from . import em
from ._validation import (
    as_generator,
    check_data,
    check_distributions,
    check_enough_samples,
    check_means,
    check_nonnegative_float,
    check_positive_int,
    check_weights,
    frozen,
)
from .errors import SingularityError

__all__ = [
    "BernoulliMixtureResult",
    "BernoulliStep",
    "DEFAULT_SMOOTHING",
    "check_binary",
    "e_step",
    "fit_bernoulli_mixture",
    "log_bernoulli",
    "log_density",
    "log_joint",
    "log_likelihood",
    "log_prior",
    "m_step",
    "responsibilities",
    "sample",
]

DEFAULT_SMOOTHING = 0.01
"""The default α: a hundredth of a pseudo-observation of each value per pixel and component."""

INITS = ("random",)


# ---------------------------------------------------------------------------
# Checks


def check_binary(X, name: str = "X") -> np.ndarray:
    """``X`` as a float (N, D) array whose entries are all 0 or 1."""
    X = check_data(X, name)
    bad = (X != 0) & (X != 1)
    if np.any(bad):
        n, d = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must be binary (every entry 0 or 1) for a Bernoulli mixture, but "
            f"{name}[{n}, {d}] = {X[n, d]:g}; threshold it first, e.g. ({name} >= 8).astype(float) "
            f"for the digits' counts 0..16, or use mixlib.load_digits(threshold=8)."
        )
    return X


def check_pixel_probabilities(means, n_components=None, n_features=None) -> np.ndarray:
    """μ as a float (K, D) array with every entry in [0, 1]."""
    means = check_means(means, n_components, n_features)
    if np.any((means < 0) | (means > 1)):
        k, d = np.argwhere((means < 0) | (means > 1))[0]
        raise ValueError(f"means must be pixel probabilities in [0, 1], but means[{k}, {d}] = {means[k, d]:g}.")
    return means


def _check_parameters(X, weights, means):
    X = check_binary(X)
    weights = check_weights(weights)
    means = check_pixel_probabilities(means, len(weights), X.shape[1])
    return X, weights, means


# ---------------------------------------------------------------------------
# Densities


def _log_bernoulli(X, means):
    """Σ_d x_nd ln μ_kd + (1 − x_nd) ln(1 − μ_kd), shape (N, K), with 0 · ln 0 = 0.

    Linear in x_n: Σ_d x_nd [ln μ_kd − ln(1 − μ_kd)] + Σ_d ln(1 − μ_kd), one matrix
    product.  A μ_kd of exactly 0 or 1 would put 0 · (−∞) = NaN into it, so its
    logarithm is replaced by 0 there and the −∞ put back only where the pixel
    takes the value the component rules out."""
    never_on, never_off = means == 0, means == 1
    with np.errstate(divide="ignore"):
        log_on = np.where(never_on, 0.0, np.log(means))
        log_off = np.where(never_off, 0.0, np.log1p(-means))
    out = X @ (log_on - log_off).T + log_off.sum(axis=1)
    if np.any(never_on) or np.any(never_off):
        impossible = (X @ never_on.T.astype(float) + (1 - X) @ never_off.T.astype(float)) > 0
        out[impossible] = -np.inf
    return out


def _log_joint(X, weights, means):
    with np.errstate(divide="ignore"):  # a weight of exactly 0 gives ln 0 = −inf, which is right
        log_weights = np.log(weights)
    return _log_bernoulli(X, means) + log_weights


def log_bernoulli(X, means) -> np.ndarray:
    """Component log-densities ln p(x_n | μ_k) = Σ_d [x_nd ln μ_kd + (1 − x_nd) ln(1 − μ_kd)],
    an (N, K) array; −∞ where x_n has a pixel on that μ_k says is never on (or the reverse)."""
    X = check_binary(X)
    return _log_bernoulli(X, check_pixel_probabilities(means, n_features=X.shape[1]))


def log_joint(X, weights, means) -> np.ndarray:
    """ℓ_nk = ln π_k + ln p(x_n | μ_k), the (N, K) array every E step normalises."""
    return _log_joint(*_check_parameters(X, weights, means))


def e_step(X, weights, means):
    """The E step: ``(responsibilities, log_likelihood)``, with
    γ(z_nk) = π_k p(x_n | μ_k) / Σ_j π_j p(x_n | μ_j) from the same log-sum-exp as the
    Gaussian mixture (:func:`mixlib.em.posterior`) and Σ_n ln p(x_n) its by-product.

    Raises ``ValueError`` if some x_n has probability 0 under every component."""
    joint = log_joint(X, weights, means)
    _check_possible(joint)
    resp, log_evidence = em.posterior(joint)
    return resp, em.total_log_likelihood(log_evidence)


def _check_possible(joint, what="X"):
    impossible = np.flatnonzero(np.all(joint == -np.inf, axis=1))
    if impossible.size:
        raise ValueError(
            f"point {int(impossible[0])} of {what} has probability 0 under every component: it has a "
            f"pixel on where every μ_kd = 0 (or off where every μ_kd = 1); use parameters with every "
            f"μ_kd strictly between 0 and 1, e.g. from a fit with smoothing > 0."
        )


def log_density(X, weights, means) -> np.ndarray:
    """ln p(x_n) = ln Σ_k π_k p(x_n | μ_k) for each point, shape (N,); −∞ for an image that
    no component can produce."""
    joint = log_joint(X, weights, means)
    out = np.full(joint.shape[0], -np.inf)
    possible = ~np.all(joint == -np.inf, axis=1)
    if np.any(possible):
        out[possible] = em.posterior(joint[possible])[1]
    return out


def log_likelihood(X, weights, means) -> float:
    """ln p(X | π, μ) = Σ_n ln Σ_k π_k Π_d μ_kd^x_nd (1 − μ_kd)^(1 − x_nd), as a log-sum-exp."""
    return e_step(X, weights, means)[1]


def responsibilities(X, weights, means) -> np.ndarray:
    """γ(z_nk) = π_k p(x_n | μ_k) / Σ_j π_j p(x_n | μ_j), an (N, K) array whose rows sum to 1."""
    return e_step(X, weights, means)[0]


def log_prior(means, smoothing: float = DEFAULT_SMOOTHING) -> float:
    """ln p(μ) = Σ_k Σ_d ln Beta(μ_kd | 1 + α, 1 + α), the prior whose MAP M step is the
    smoothed one (0 for α = 0, the uniform prior)."""
    means = check_pixel_probabilities(means)
    alpha = check_nonnegative_float(smoothing, "smoothing")
    return _log_prior(means, alpha)


def _log_prior(means, alpha):
    if alpha == 0:
        return 0.0
    with np.errstate(divide="ignore"):
        terms = alpha * (np.log(means) + np.log1p(-means))
    return float(np.sum(terms) - means.size * betaln(1 + alpha, 1 + alpha))


# ---------------------------------------------------------------------------
# M step


def m_step(X, responsibilities, *, smoothing: float = DEFAULT_SMOOTHING):
    """The M step for frozen responsibilities q_nk = ``responsibilities[n, k]``; returns
    ``(weights, means)``:

        N_k = Σ_n q_nk,   π_k = N_k / N,   μ_k = (Σ_n q_nk x_n + α) / (N_k + 2α),

    with α = ``smoothing``.  For α = 0 this maximises
    Q = Σ_n Σ_k q_nk ℓ_nk; for α > 0 it maximises Q + ln p(μ) (see :func:`log_prior`).

    Raises :class:`~mixlib.SingularityError` if a component has N_k = 0, for every α:
    it has lost every point, and although the smoothed μ_k would be defined (1/2 at
    every pixel), its π_k = 0 gives it no responsibility in any later E step, so it
    would stay empty for good.
    """
    X = check_binary(X)
    resp = check_distributions(responsibilities, "responsibilities", n_samples=X.shape[0])
    alpha = check_nonnegative_float(smoothing, "smoothing")
    return _m_step(X, resp, alpha)


def _m_step(X, resp, alpha):
    Nk = resp.sum(axis=0)
    empty = np.flatnonzero(Nk == 0)
    if empty.size:
        raise SingularityError(
            f"component {int(empty[0])} has N_k = 0 (no responsibility from any point), so it can never "
            f"be used again; start from other parameters or use fewer components."
        )
    means = (resp.T @ X + alpha) / (Nk[:, None] + 2 * alpha)
    # Σ_n q_nk x_nd ≤ N_k, but the two sums round differently: keep μ_kd in [0, 1].
    np.clip(means, 0.0, 1.0, out=means)
    return Nk / X.shape[0], means


def sample(n: int, weights, means, *, seed=None):
    """Draw n binary images by the generative process: z ~ Categorical(π), then
    x_d ~ Bernoulli(μ_zd) independently for each d.  Returns ``(X, z)``."""
    n = check_positive_int(n, "n")
    weights = check_weights(weights)
    means = check_pixel_probabilities(means, len(weights))
    rng = as_generator(seed)
    z = rng.choice(len(weights), size=n, p=weights / weights.sum())
    X = (rng.uniform(size=(n, means.shape[1])) < means[z]).astype(float)
    return X, z


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class BernoulliStep:
    """The parameters after EM iteration ``iteration`` (0: the start), with the
    log-likelihood there and, for α > 0, the log posterior."""

    iteration: int
    weights: np.ndarray
    means: np.ndarray
    log_likelihood: float
    log_posterior: float | None = None


@dataclass(frozen=True)
class BernoulliMixtureResult:
    """A fitted Bernoulli mixture, returned by :func:`fit_bernoulli_mixture`.

    Attributes
    ----------
    weights, means : ndarrays (K,), (K, D)
        π_k and the pixel probabilities μ_kd.
    log_likelihood : float
        ln p(X | θ) at the returned parameters.
    log_posterior : float or None
        ln p(X | θ) + ln p(μ), the objective EM increases when smoothing α > 0; None for α = 0.
    history : tuple of BernoulliStep
        The start and every iteration (empty with ``keep_history=False``).
    log_likelihoods, log_posteriors : ndarray (n_iter + 1,)
        The traces (``log_posteriors`` None for α = 0).
    n_iter, converged, smoothing, n_collapsed
    """

    weights: np.ndarray
    means: np.ndarray
    log_likelihood: float
    log_posterior: float | None
    history: tuple = field(repr=False)
    log_likelihoods: np.ndarray = field(repr=False)
    log_posteriors: np.ndarray | None = field(repr=False)
    n_iter: int = 0
    converged: bool = False
    smoothing: float = DEFAULT_SMOOTHING
    n_collapsed: int = 0

    @property
    def n_components(self) -> int:
        return len(self.weights)

    @property
    def objective(self) -> float:
        """What EM increased: the log posterior for α > 0, else the log-likelihood."""
        return self.log_likelihood if self.log_posterior is None else self.log_posterior

    def log_density(self, X) -> np.ndarray:
        """ln p(x_n) of each image under the fitted mixture, shape (N,)."""
        return log_density(X, self.weights, self.means)

    def responsibilities(self, X) -> np.ndarray:
        """γ(z_nk) of the images X under the fitted parameters."""
        return responsibilities(X, self.weights, self.means)

    def predict(self, X) -> np.ndarray:
        """The most responsible component argmax_k γ(z_nk) of each image."""
        return np.argmax(self.responsibilities(X), axis=1)

    def sample(self, n: int, *, seed=None):
        """Draw n images from the fitted mixture; returns ``(X, z)`` as :func:`sample`."""
        return sample(n, self.weights, self.means, seed=seed)


def _family(alpha):
    def log_joint_(X, theta):
        return _log_joint(X, *theta)

    def m_step_(X, resp):
        return _m_step(X, resp, alpha)

    log_prior_ = None if alpha == 0 else (lambda theta: _log_prior(theta[1], alpha))
    return em.MixtureFamily(log_joint_, m_step_, log_prior_, "Bernoulli mixture")


def fit_bernoulli_mixture(
    X,
    n_components: int,
    *,
    init="random",
    max_iter: int = 500,
    tol: float = 1e-6,
    smoothing: float = DEFAULT_SMOOTHING,
    n_init: int = 1,
    seed=None,
    keep_history: bool = True,
) -> BernoulliMixtureResult:
    """Fit a K-component Bernoulli mixture to binary X with EM (:func:`mixlib.em.fit_mixture`).

    Parameters
    ----------
    X : array (N, D) of 0s and 1s
        Threshold grey-level data first (``ValueError`` otherwise).
    n_components : int
        K.
    init : "random" or (weights, means)
        "random" draws every μ_kd uniformly from (0.25, 0.75) with π_k = 1/K, a
        start from which no pixel is ruled out; a tuple gives the starting parameters.
    max_iter, tol : int, float
        Stop when the objective per image changes by less than ``tol``, or after
        ``max_iter`` iterations (with a :class:`~mixlib.ConvergenceWarning` unless ``tol=0``).
    smoothing : float
        α ≥ 0 (see the module docstring).  α = 0 is maximum likelihood and the
        log-likelihood never falls; α > 0 is MAP-EM with a Beta(1 + α, 1 + α)
        prior on every μ_kd and the log posterior never falls.
    n_init : int
        Restarts; the run with the highest objective is returned.  Starts that
        lose a component (N_k = 0) are skipped with a :class:`~mixlib.SingularityWarning`.
    seed : None, int or numpy Generator
    keep_history : bool
        Keep every iterate in ``history``.
    """
    X = check_binary(X)
    K = check_positive_int(n_components, "n_components")
    check_enough_samples(X, K)
    alpha = check_nonnegative_float(smoothing, "smoothing")
    if not isinstance(keep_history, (bool, np.bool_)):
        raise TypeError(f"keep_history must be True or False, got {keep_history!r}.")
    D = X.shape[1]
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init must be 'random' or a tuple (weights, means), got {init!r}.")

        def start(rng):
            return np.full(K, 1.0 / K), rng.uniform(0.25, 0.75, size=(K, D))
    else:
        if not isinstance(init, (tuple, list)) or len(init) != 2:
            raise TypeError(
                f"init must be 'random' or a tuple (weights, means) of starting parameters, got {type(init).__name__}."
            )
        weights = check_weights(init[0])
        if len(weights) != K:
            raise ValueError(f"init has {len(weights)} components but n_components={K}; they must agree.")
        start = (weights, check_pixel_probabilities(init[1], K, D))
        _check_possible(_log_joint(X, *start), "X under the starting parameters init")

    fit = em.fit_mixture(
        X,
        _family(alpha),
        start,
        max_iter=max_iter,
        tol=tol,
        n_init=n_init,
        seed=seed,
        keep_history=keep_history,
        _stacklevel=3,
    )
    weights, means = fit.params
    history = tuple(
        BernoulliStep(s.iteration, frozen(s.params[0]), frozen(s.params[1]), s.log_likelihood, s.log_posterior)
        for s in fit.history
    )
    return BernoulliMixtureResult(
        weights=frozen(weights),
        means=frozen(means),
        log_likelihood=fit.log_likelihood,
        log_posterior=fit.log_posterior,
        history=history,
        log_likelihoods=fit.log_likelihoods,
        log_posteriors=fit.log_posteriors,
        n_iter=fit.n_iter,
        converged=fit.converged,
        smoothing=alpha,
        n_collapsed=fit.n_collapsed,
    )
