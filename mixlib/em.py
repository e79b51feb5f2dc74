"""General EM: one loop for every mixture family, and the free-energy decomposition.

The loop
--------
A mixture p(x) = Σ_k π_k p(x | θ_k) is fitted by EM once the family says two
things (see :class:`MixtureFamily`):

- its **log-joint** ℓ_nk = ln π_k + ln p(x_n | θ_k), an (N, K) array, from which
  the E step is the same log-sum-exp for every family (:func:`posterior`):
  ln p(x_n) = ln Σ_k exp ℓ_nk and γ(z_nk) = exp(ℓ_nk − ln p(x_n));
- its **M step**, the parameters that maximise Σ_n Σ_k γ(z_nk) ℓ_nk (plus the log
  prior, for MAP-EM) for fixed responsibilities.

:func:`fit_mixture` alternates them, records the objective (the
log-likelihood, or the log posterior when the family has a prior), stops when
the objective per sample changes by less than ``tol``, warns with
:class:`~mixlib.ConvergenceWarning` when ``max_iter`` comes first, and runs
``n_init`` restarts, skipping those that collapse.  A Bernoulli mixture, say,
with ``params = (weights, means)``, plugs in as

    def log_joint(X, params):
        weights, means = params
        return np.log(weights) + X @ np.log(means).T + (1 - X) @ np.log1p(-means).T

    def m_step(X, resp):
        N_k = resp.sum(axis=0)
        return N_k / len(X), (resp.T @ X) / N_k[:, None]

    family = MixtureFamily(log_joint, m_step, name="Bernoulli mixture")
    start = lambda rng: (np.full(K, 1 / K), rng.uniform(0.25, 0.75, size=(K, D)))
    fit = fit_mixture(X, family, start, n_init=5, seed=0)

and ``fit.params``, ``fit.log_likelihoods`` and ``fit.history`` describe the run.

The decomposition
-----------------
For any distribution q(Z) over the latent variables,

    ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)),

where the free energy (the evidence lower bound, ELBO)

    F(q, θ) = Σ_Z q(Z) ln [ p(X, Z | θ) / q(Z) ]

is a lower bound on ln p(X | θ), because KL ≥ 0.  For a mixture the latent
Z = (z_1, …, z_N) factorises over points, q(Z) = Π_n q(z_n), and q is described
by an (N, K) array q_nk = q(z_nk = 1) whose rows sum to 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp, xlogy

from ._validation import (
    as_generator,
    check_data,
    check_distributions,
    check_nonnegative_float,
    check_positive_int,
)
from .errors import ConvergenceWarning, SingularityError, SingularityWarning

# ---------------------------------------------------------------------------
# The E step, shared by every family


def posterior(log_joint):
    """The E step from the log-joint ℓ_nk = ln π_k + ln p(x_n | θ_k), an (N, K) array.

    Returns ``(responsibilities, log_evidence)``: γ(z_nk) = exp(ℓ_nk − ln p(x_n)),
    shape (N, K), and ln p(x_n) = ln Σ_k exp ℓ_nk, shape (N,), both from one
    log-sum-exp: with m_n = max_k ℓ_nk,

        ln p(x_n) = m_n + ln Σ_k exp(ℓ_nk − m_n),

    every exponent ≤ 0 (nothing overflows) and the largest term is exactly 1 (the
    sum never underflows), so nothing underflows however far a point lies from a
    component.  This is ``scipy.special.logsumexp(log_joint, axis=1)`` (the tests
    compare the two), written out because scipy's general version, with its
    signs, weights and array-API dispatch, costs more than the rest of an EM
    iteration; the exponentials computed for the sum are reused as γ.

    Raises ``ValueError`` if a point has ℓ_nk = −∞ for every k: its density is
    below the floating-point range even in log space (a squared Mahalanobis
    distance beyond ~1e308), so it has no responsibilities.
    """
    log_joint = np.asarray(log_joint, dtype=float)
    top = log_joint.max(axis=1)
    if not np.all(np.isfinite(top)):
        n = int(np.flatnonzero(~np.isfinite(top))[0])
        raise ValueError(
            f"point {n} of X is too far from every component: its log-density is below the "
            f"floating-point range (a squared Mahalanobis distance beyond ~1e308). Check that "
            f"X and the parameters are in the same units, or standardise X."
        )
    resp = log_joint - top[:, None]
    np.exp(resp, out=resp)
    total = resp.sum(axis=1)
    resp /= total[:, None]
    return resp, top + np.log(total)


def total_log_likelihood(log_evidence) -> float:
    """Σ_n ln p(x_n), raising ``ValueError`` rather than returning −∞ if the sum overflows."""
    total = float(np.sum(log_evidence))
    if not np.isfinite(total):
        raise ValueError(
            "the total log-likelihood is below the floating-point range (−1.8e308): the points "
            "are absurdly far from the components. Check that X and the parameters are in the "
            "same units, or standardise X."
        )
    return total


# ---------------------------------------------------------------------------
# The generic loop


@dataclass(frozen=True)
class MixtureFamily:
    """What a mixture family plugs into :func:`fit_mixture`.

    ``params`` below is whatever object the family uses for θ = (π, θ_1, …, θ_K),
    e.g. a tuple ``(weights, means)``; the loop never looks inside it.

    Attributes
    ----------
    log_joint : callable ``(X, params) -> ndarray (N, K)``
        ℓ_nk = ln π_k + ln p(x_n | θ_k).  A component with π_k = 0 has ℓ_nk = −∞.
    m_step : callable ``(X, resp) -> params``
        The maximiser of Σ_nk q_nk ℓ_nk (+ ln p(θ)) for fixed responsibilities
        q_nk, ``resp`` (N, K).  It must return new arrays (the loop keeps every iterate
        in the history by reference) and raise :class:`~mixlib.SingularityError`
        if the answer does not exist (a component with N_k = 0, a collapsed
        covariance); the loop then prefixes the message with the iteration.
    log_prior : callable ``params -> float``, optional
        ln p(θ), for MAP-EM: the objective is then the log posterior
        ln p(X | θ) + ln p(θ), and convergence is judged on it.  ``None`` (the
        default) for maximum likelihood.
    name : str
        Used in messages.
    """

    log_joint: Callable[[np.ndarray, Any], np.ndarray]
    m_step: Callable[[np.ndarray, np.ndarray], Any]
    log_prior: Callable[[Any], float] | None = None
    name: str = "mixture"


@dataclass(frozen=True)
class MixtureStep:
    """The parameters after EM iteration ``iteration`` (0: the start), with the
    log-likelihood and, under a prior, the log posterior there."""

    iteration: int
    params: Any
    log_likelihood: float
    log_posterior: float | None = None


@dataclass(frozen=True)
class MixtureFit:
    """The outcome of :func:`fit_mixture`: the best run over the restarts.

    Attributes
    ----------
    params : the family's parameters at the last iteration of the best run
    log_likelihood : float
        ln p(X | θ) there.
    log_posterior : float or None
        ln p(X | θ) + ln p(θ) there (None without a prior).
    log_likelihoods, log_posteriors : ndarray (n_iter + 1,)
        The traces at iterations 0, …, n_iter (``log_posteriors`` None without a prior).
    history : tuple of MixtureStep
        Every iterate, or ``()`` when the fit ran with ``keep_history=False``.
    n_iter : int
    converged : bool
        Whether the objective per sample changed by less than ``tol``.
    n_collapsed : int
        How many of the ``n_init`` starts collapsed and were skipped.
    """

    params: Any
    log_likelihood: float
    log_posterior: float | None
    log_likelihoods: np.ndarray
    log_posteriors: np.ndarray | None
    history: tuple
    n_iter: int
    converged: bool
    n_collapsed: int = 0

    @property
    def objective(self) -> float:
        """What EM increased: the log posterior under a prior, else the log-likelihood."""
        return self.log_likelihood if self.log_posterior is None else self.log_posterior


def fit_mixture(
    X,
    family: MixtureFamily,
    start,
    *,
    max_iter: int = 500,
    tol: float = 1e-6,
    n_init: int = 1,
    seed=None,
    keep_history: bool = True,
    _stacklevel: int = 2,
) -> MixtureFit:
    """Fit a mixture by EM: one loop for every family.

    Each iteration is one M step (``family.m_step`` on the current
    responsibilities) followed by one E step (:func:`posterior` of
    ``family.log_joint``), whose normalisation also gives the log-likelihood of
    the new parameters.  EM never decreases the objective (the log-likelihood,
    or the log posterior when ``family.log_prior`` is given).

    Parameters
    ----------
    X : array (N, D)
        Passed unchanged to the family's functions.
    family : MixtureFamily
    start : params, or callable ``rng -> params``
        The starting parameters, or a function drawing them from a
        ``numpy.random.Generator`` (called once per restart).
    max_iter : int
        The largest number of EM iterations per run.
    tol : float
        Stop when the objective per sample, (ln p(X | θ) [+ ln p(θ)]) / N, changes
        by less than ``tol``; ``tol=0`` runs all ``max_iter`` iterations.
    n_init : int
        Restarts; the run with the highest objective is returned.  A run whose
        start or iterations raise :class:`~mixlib.SingularityError` is skipped
        with a :class:`~mixlib.SingularityWarning` counting the skipped runs;
        only if every run collapses is the error raised.
    seed : None, int or numpy Generator
    keep_history : bool
        Keep every iterate in ``history`` (the default, for replaying a run);
        with False only the objective traces are kept.

    Warns
    -----
    ConvergenceWarning
        If the best run stopped at ``max_iter`` before meeting ``tol`` (not with
        ``tol=0``, which asks for exactly ``max_iter`` iterations).
    """
    X = check_data(X)
    if not isinstance(family, MixtureFamily):
        raise TypeError(f"family must be a MixtureFamily, got {type(family).__name__}.")
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_nonnegative_float(tol, "tol")
    n_init = check_positive_int(n_init, "n_init")
    rng = as_generator(seed)
    draw = start if callable(start) else (lambda _rng: start)

    best, errors = None, []
    for _ in range(n_init):
        try:
            run = _run(X, family, draw, rng, max_iter, tol, keep_history)
        except SingularityError as error:
            if n_init == 1:
                raise
            errors.append(error)
            continue
        if best is None or run.objective > best.objective:
            best = run
    if best is None:
        raise SingularityError(f"all {n_init} starts collapsed; the first: {errors[0]}")
    if errors:
        warnings.warn(
            f"{len(errors)} of the {n_init} starts collapsed and were skipped (the first: {errors[0]}); "
            f"the best of the other {n_init - len(errors)} is returned.",
            SingularityWarning,
            stacklevel=_stacklevel,
        )
        best = MixtureFit(**{**best.__dict__, "n_collapsed": len(errors)})
    if not best.converged and tol > 0:
        objective = "log posterior" if best.log_posterior is not None else "log-likelihood"
        warnings.warn(
            f"EM stopped at max_iter={max_iter} iterations before the change in the {objective} "
            f"per sample fell below tol={tol:g} (last change "
            f"{_last_change(best, X.shape[0]):.3g}); raise max_iter or loosen tol.",
            ConvergenceWarning,
            stacklevel=_stacklevel,
        )
    return best


def _last_change(fit, N):
    trace = fit.log_likelihoods if fit.log_posteriors is None else fit.log_posteriors
    return abs(trace[-1] - trace[-2]) / N if len(trace) > 1 else float("nan")


def _run(X, family, draw, rng, max_iter, tol, keep_history):
    N = X.shape[0]
    iteration = 0
    try:
        params = draw(rng)
        resp, ll, lp = _evaluate(X, family, params)
        lls, lps = [ll], [lp]
        history = [MixtureStep(0, params, ll, lp)] if keep_history else []
        objective = ll if lp is None else lp
        converged = False
        for iteration in range(1, max_iter + 1):
            params = family.m_step(X, resp)
            resp, ll, lp = _evaluate(X, family, params)
            lls.append(ll)
            lps.append(lp)
            if keep_history:
                history.append(MixtureStep(iteration, params, ll, lp))
            new_objective = ll if lp is None else lp
            change = (new_objective - objective) / N
            objective = new_objective
            if abs(change) < tol:
                converged = True
                break
    except SingularityError as error:
        raise SingularityError(f"EM iteration {iteration}: {error}") from None
    return MixtureFit(
        params=params,
        log_likelihood=ll,
        log_posterior=lp,
        log_likelihoods=_frozen(np.array(lls)),
        log_posteriors=None if lp is None else _frozen(np.array(lps)),
        history=tuple(history),
        n_iter=iteration,
        converged=converged,
    )


def _evaluate(X, family, params):
    resp, log_evidence = posterior(family.log_joint(X, params))
    ll = float(np.sum(log_evidence))
    if not np.isfinite(ll):
        raise SingularityError(f"the log-likelihood became {ll}; a component has collapsed.")
    lp = None if family.log_prior is None else ll + float(family.log_prior(params))
    return resp, ll, lp


def _frozen(array):
    array.flags.writeable = False
    return array


# ---------------------------------------------------------------------------
# KL, entropy, free energy


def kl_divergence(q, p) -> float:
    """KL(q ‖ p) = Σ_n Σ_k q_nk ln(q_nk / p_nk), summed over the rows.

    Rows are distributions over K outcomes (a 1-D array is one row).  Terms
    with q_nk = 0 contribute 0; a q_nk > 0 where p_nk = 0 makes the divergence
    +inf, which is the true value.  Not symmetric: KL(q ‖ p) ≠ KL(p ‖ q).
    """
    q = check_distributions(q, "q")
    p = check_distributions(p, "p")
    if q.shape != p.shape:
        raise ValueError(f"q and p must have the same shape, got {q.shape} and {p.shape}.")
    if np.any((p == 0) & (q > 0)):
        return float("inf")
    with np.errstate(divide="ignore"):
        return float(np.sum(xlogy(q, q) - xlogy(q, p)))


def entropy(q) -> float:
    """H(q) = −Σ_n Σ_k q_nk ln q_nk, with 0 ln 0 = 0."""
    q = check_distributions(q, "q")
    return float(-np.sum(xlogy(q, q)))


def expected_complete_log_likelihood(X, q, weights, means, covariances) -> float:
    """Q = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k)], the expectation of ln p(X, Z | θ) under q.

    With q the responsibilities at θ_old this is Bishop's Q(θ, θ_old), the
    quantity the M step maximises.
    """
    q, log_joint = _joint(X, q, weights, means, covariances)
    return float(np.sum(_expectation_terms(q, log_joint)))


def free_energy(X, q, weights, means, covariances) -> float:
    """F(q, θ) = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k) / q_nk] = Q + H(q).

    The variational lower bound (ELBO) on ln p(X | θ): equal to it exactly
    when q is the posterior, q_nk = γ(z_nk), since then the KL term vanishes.
    """
    q, log_joint = _joint(X, q, weights, means, covariances)
    return float(np.sum(_expectation_terms(q, log_joint) - xlogy(q, q)))


def kl_to_posterior(X, q, weights, means, covariances) -> float:
    """KL(q ‖ p(Z | X, θ)) = Σ_n Σ_k q_nk [ln q_nk − ln γ(z_nk)], the gap between
    ln p(X | θ) and F(q, θ).

    The same as ``kl_divergence(q, gmm.responsibilities(X, ...))``, but computed
    from ln γ(z_nk) = ln π_k N(x_n | μ_k, Σ_k) − ln p(x_n) in log space, so it stays
    finite where a responsibility underflows to 0 (a point tens of standard
    deviations from a component to which q still gives weight).
    """
    q, log_joint = _joint(X, q, weights, means, covariances)
    log_gamma = log_joint - logsumexp(log_joint, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        terms = np.where(q > 0, xlogy(q, q) - q * log_gamma, 0.0)
    # KL ≥ 0; at q = γ the terms cancel to rounding, which must not show as −1e-16.
    return max(float(np.sum(terms)), 0.0)


def _expectation_terms(q, log_joint):
    """q_nk · ln[π_k N(x_n | μ_k, Σ_k)], with 0 · ln 0 = 0 (a component with π_k = 0)."""
    with np.errstate(invalid="ignore"):
        return np.where(q > 0, q * log_joint, 0.0)


def _joint(X, q, weights, means, covariances):
    # Imported here because gmm builds its fit on this module's loop.
    from .gmm import log_joint

    X = check_data(X)
    joint = log_joint(X, weights, means, covariances)
    q = check_distributions(q, "q")
    if q.shape != joint.shape:
        raise ValueError(
            f"q must have shape (N, K) = {joint.shape}, one row per point of X, but it has shape {q.shape}."
        )
    return q, joint
