"""General EM: the KL divergence, the free energy and their decomposition.

For any distribution q(Z) over the latent variables,

    ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ)),

where the free energy (the evidence lower bound, ELBO)

    F(q, θ) = Σ_Z q(Z) ln [ p(X, Z | θ) / q(Z) ]

is a lower bound on ln p(X | θ), because KL ≥ 0.  For a Gaussian mixture the
latent Z = (z_1, …, z_N) factorises over points, q(Z) = Π_n q(z_n), and q is
described by an (N, K) array q_nk = q(z_nk = 1) whose rows sum to 1.
"""
from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from ._validation import check_data, check_parameters
from .gmm import _weighted_log_prob, cholesky_factors


def _check_distributions(q, name):
    q = np.asarray(q, dtype=float)
    if q.ndim == 1:
        q = q[None, :]
    if q.ndim != 2 or q.size == 0:
        raise ValueError(f"{name} must be an (N, K) array of distributions, one per row; got shape {q.shape}.")
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise ValueError(f"{name} must be finite and non-negative.")
    if not np.allclose(q.sum(axis=1), 1.0, rtol=0, atol=1e-8):
        raise ValueError(f"each row of {name} must sum to 1 (a distribution over the K components).")
    return q


def kl_divergence(q, p) -> float:
    """KL(q ‖ p) = Σ_n Σ_k q_nk ln(q_nk / p_nk), summed over the rows.

    Rows are distributions over K outcomes (a 1-D array is one row).  Terms
    with q_nk = 0 contribute 0; a q_nk > 0 where p_nk = 0 makes the divergence
    +inf, which is the true value.  Not symmetric: KL(q ‖ p) ≠ KL(p ‖ q).
    """
    q = _check_distributions(q, "q")
    p = _check_distributions(p, "p")
    if q.shape != p.shape:
        raise ValueError(f"q and p must have the same shape, got {q.shape} and {p.shape}.")
    if np.any((p == 0) & (q > 0)):
        return float("inf")
    with np.errstate(divide="ignore"):
        return float(np.sum(xlogy(q, q) - xlogy(q, p)))


def entropy(q) -> float:
    """H(q) = −Σ_n Σ_k q_nk ln q_nk, with 0 ln 0 = 0."""
    q = _check_distributions(q, "q")
    return float(-np.sum(xlogy(q, q)))


def expected_complete_log_likelihood(X, q, weights, means, covariances) -> float:
    """Q = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k)], the expectation of ln p(X, Z | θ) under q.

    With q the responsibilities at θ_old this is Bishop's Q(θ, θ_old), the
    quantity the M step maximises.
    """
    X, q, log_joint = _joint(X, q, weights, means, covariances)
    return float(np.sum(_expectation_terms(q, log_joint)))


def free_energy(X, q, weights, means, covariances) -> float:
    """F(q, θ) = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k) / q_nk] = Q + H(q).

    The variational lower bound (ELBO) on ln p(X | θ): equal to it exactly
    when q is the posterior, q_nk = γ(z_nk), since then the KL term vanishes.
    """
    X, q, log_joint = _joint(X, q, weights, means, covariances)
    return float(np.sum(_expectation_terms(q, log_joint) - xlogy(q, q)))


def kl_to_posterior(X, q, weights, means, covariances) -> float:
    """KL(q ‖ p(Z | X, θ)) = Σ_n Σ_k q_nk [ln q_nk − ln γ(z_nk)], the gap between
    ln p(X | θ) and F(q, θ).

    The same as ``kl_divergence(q, gmm.responsibilities(X, ...))``, but computed
    from ln γ(z_nk) = ln π_k N(x_n | μ_k, Σ_k) − ln p(x_n) in log space, so it stays
    finite where a responsibility underflows to 0 (a point tens of standard
    deviations from a component to which q still gives weight).
    """
    X, q, log_joint = _joint(X, q, weights, means, covariances)
    top = log_joint.max(axis=1, keepdims=True)
    log_evidence = top + np.log(np.exp(log_joint - top).sum(axis=1, keepdims=True))
    log_gamma = log_joint - log_evidence
    with np.errstate(invalid="ignore"):
        terms = np.where(q > 0, xlogy(q, q) - q * log_gamma, 0.0)
    # KL ≥ 0; at q = γ the terms cancel to rounding, which must not show as −1e-16.
    return max(float(np.sum(terms)), 0.0)


def _expectation_terms(q, log_joint):
    """q_nk · ln[π_k N(x_n | μ_k, Σ_k)], with 0 · ln 0 = 0 (a component with π_k = 0)."""
    with np.errstate(invalid="ignore"):
        return np.where(q > 0, q * log_joint, 0.0)


def _joint(X, q, weights, means, covariances):
    X = check_data(X)
    weights, means, covariances = check_parameters(weights, means, covariances, X.shape[1])
    q = _check_distributions(q, "q")
    if q.shape != (X.shape[0], len(weights)):
        raise ValueError(
            f"q must have shape (N, K) = ({X.shape[0]}, {len(weights)}), one row per point of X, "
            f"but it has shape {q.shape}."
        )
    return X, q, _weighted_log_prob(X, weights, means, cholesky_factors(covariances))
