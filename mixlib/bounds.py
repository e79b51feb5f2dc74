"""The bound of general EM at work: slices of it, hard EM, and a restricted q family.

Three ways of looking at the decomposition

    ln p(X | θ) = F(q, θ) + KL(q ‖ p(Z | X, θ))

for a Gaussian mixture, each a few lines of arithmetic that the general-EM chapter
draws and checks:

- **slices** (:func:`path_through`, :func:`along_path`): ln p(X | θ) and the bounds
  F(q, θ) for fixed tables q, evaluated along a curve θ(s) through parameter space,
  as in Bishop's Fig. 9.14;
- **hard EM** (:func:`hard_e_step`, :func:`hard_em`): coordinate ascent on F with q
  restricted to point masses, q_nk ∈ {0, 1}; with the covariances fixed at εI and
  equal weights it is k-means, and the gap KL(q ‖ p(Z | X, θ)) = −Σ_n ln γ(z_{n k_n})
  stays open;
- **an amortised q** (:func:`logistic_encoder`, :func:`best_logistic_encoder`):
  for K = 2, one log-odds function wᵀx + w_0 shared by all
  points, q(z_n1 = 1 | x_n) = sigm(wᵀx_n + w_0), in place of a free table; the best
  member of the family leaves a gap unless the posterior log-odds are linear in x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from . import em, gmm
from ._validation import (
    check_data,
    check_distributions,
    check_means,
    check_nonnegative_float,
    check_parameters,
    check_positive_int,
    frozen,
)
from .errors import SingularityError

# ---------------------------------------------------------------------------
# Slices of the bound along a curve θ(s)


def path_through(points, s):
    """θ(s), the polynomial curve of degree m − 1 through m parameter tuples.

    ``points`` is a sequence of m tuples ``(weights, means, covariances)``; the curve
    passes through ``points[i]`` at s = i, i = 0, …, m − 1, and interpolates every
    entry of the weights, means and covariances with the Lagrange polynomials

        L_i(s) = Π_{j ≠ i} (s − j) / (i − j),   θ(s) = Σ_i L_i(s) θ_i.

    Since Σ_i L_i(s) = 1, the weights still sum to 1 and the covariances stay
    symmetric; positivity is not guaranteed away from the points, so the result is
    checked and a ``ValueError`` says where the curve leaves the parameter space.
    """
    points = [check_parameters(*theta) for theta in points]
    if len(points) < 2:
        raise ValueError(f"path_through needs at least 2 parameter tuples, got {len(points)}.")
    shapes = [tuple(a.shape for a in theta) for theta in points]
    if any(shape != shapes[0] for shape in shapes):
        raise ValueError(f"the parameter tuples must have the same shapes, got {shapes}.")
    s = float(s)
    m = len(points)
    basis = [np.prod([(s - j) / (i - j) for j in range(m) if j != i]) for i in range(m)]
    weights, means, covariances = (sum(L * theta[c] for L, theta in zip(basis, points)) for c in range(3))
    if np.any(weights <= 0):
        raise ValueError(
            f"at s = {s:g} the curve leaves the simplex (a weight is {weights.min():.3g}); use a shorter range of s."
        )
    if np.any(np.linalg.eigvalsh(covariances)[:, 0] <= 0):
        raise ValueError(f"at s = {s:g} a covariance on the curve is not positive definite; use a shorter range of s.")
    return weights, means, covariances


def along_path(X, points, s_values, tables):
    """ln p(X | θ(s)) and F(q, θ(s)) for each table q, on a grid of s.

    ``points`` define the curve θ(s) of :func:`path_through`; ``tables`` is a
    sequence of (N, K) arrays q held fixed while θ moves.  Returns
    ``(log_p, F)`` with shapes (S,) and (len(tables), S).
    """
    X = check_data(X)
    tables = [check_distributions(q, "tables", n_samples=X.shape[0]) for q in tables]
    s_values = np.asarray(s_values, dtype=float).ravel()
    log_p = np.empty(s_values.size)
    F = np.empty((len(tables), s_values.size))
    for i, s in enumerate(s_values):
        theta = path_through(points, s)
        log_p[i] = gmm.log_likelihood(X, *theta)
        for j, q in enumerate(tables):
            F[j, i] = em.free_energy(X, q, *theta)
    return log_p, F


def random_neighbours(theta, n: int, scale: float, *, seed=None):
    """``n`` parameter tuples near ``theta`` = (weights, means, covariances), in random directions.

    Each neighbour moves the log-weights, the means and the Cholesky factors of the
    covariances by independent N(0, scale²) steps, so it is again a valid mixture
    (positive weights summing to 1, positive definite covariances).  Used to check
    that a point is a maximum over the whole parameter space, not only along a slice.
    """
    weights, means, covariances = check_parameters(*theta)
    n = check_positive_int(n, "n")
    scale = check_nonnegative_float(scale, "scale")
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(covariances)
    lower = np.tril(np.ones(chol.shape[1:], dtype=bool))
    out = []
    for _ in range(n):
        log_w = np.log(weights) + scale * rng.standard_normal(weights.shape)
        w = np.exp(log_w - log_w.max())
        L = chol + scale * rng.standard_normal(chol.shape) * lower
        out.append((w / w.sum(), means + scale * rng.standard_normal(means.shape), L @ L.transpose(0, 2, 1)))
    return out


# ---------------------------------------------------------------------------
# Hard EM: q restricted to point masses


def hard_e_step(X, weights, means, covariances) -> np.ndarray:
    """The maximiser of F(q, θ) over tables of point masses, q_nk ∈ {0, 1}.

    For a one-hot row the entropy term vanishes (1 ln 1 = 0 ln 0 = 0), so
    F(q, θ) = Σ_n ℓ_{n k_n} with ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k), and each row is
    best put on k_n = argmax_k ℓ_nk (the first such k on a tie): the most
    responsible component.  Returns the one-hot (N, K) table.
    """
    log_joint = gmm.log_joint(X, weights, means, covariances)
    return np.eye(log_joint.shape[1])[np.argmax(log_joint, axis=1)]


@dataclass(frozen=True)
class HardEMResult:
    """A run of :func:`hard_em`.  Index t = 0 is the start.

    Attributes
    ----------
    means : ndarray (T + 1, K, D)
        μ^(t); the covariances are ε I and the weights 1/K throughout.
    tables : ndarray (T, N, K)
        q^(t+1), the one-hot table of the hard E step at μ^(t).
    free_energy : ndarray (2T,)
        F after each half-step: F(q^(1), μ^(0)), F(q^(1), μ^(1)), F(q^(2), μ^(1)), …
    gap : ndarray (2T,)
        KL(q ‖ p(Z | X, θ)) at the same states.
    log_likelihood : ndarray (2T,)
        ln p(X | θ) at the same states (it changes only at the M steps).
    epsilon : float
    converged : bool
        Whether the assignments stopped changing before ``max_iter``.
    """

    means: np.ndarray
    tables: np.ndarray
    free_energy: np.ndarray
    gap: np.ndarray
    log_likelihood: np.ndarray
    epsilon: float
    converged: bool

    @property
    def n_iter(self) -> int:
        return self.tables.shape[0]


def hard_em(X, means, epsilon: float, *, max_iter: int = 100) -> HardEMResult:
    """Coordinate ascent on F(q, θ) with q_nk ∈ {0, 1}, Σ_k = εI fixed and π_k = 1/K.

    The E step is :func:`hard_e_step`; the M step maximises F(q, θ) over the means
    for fixed q: F = −(1/2ε) Σ_n Σ_k q_nk ‖x_n − μ_k‖² + const, so
    μ_k = Σ_n q_nk x_n / N_k, which needs N_k > 0 (a ``SingularityError`` otherwise).
    Stops after the first E step that repeats the previous assignments.
    """
    X = check_data(X)
    epsilon = check_nonnegative_float(epsilon, "epsilon")
    if not epsilon > 0:
        raise ValueError("epsilon must be positive: it is the variance of every component.")
    max_iter = check_positive_int(max_iter, "max_iter")
    mu = check_means(means, n_features=X.shape[1]).astype(float)
    K, D = mu.shape
    weights = np.full(K, 1.0 / K)
    covariances = np.array([epsilon * np.eye(D)] * K)

    def record(q, mu):
        theta = (weights, mu, covariances)
        F.append(em.free_energy(X, q, *theta))
        gap.append(em.kl_to_posterior(X, q, *theta))
        log_p.append(gmm.log_likelihood(X, *theta))

    history, tables, F, gap, log_p = [mu], [], [], [], []
    converged = False
    for _ in range(max_iter):
        q = hard_e_step(X, weights, mu, covariances)
        if tables and np.array_equal(q, tables[-1]):
            converged = True
            break
        tables.append(q)
        record(q, mu)
        N_k = q.sum(axis=0)
        if np.any(N_k == 0):
            k = int(np.flatnonzero(N_k == 0)[0])
            raise SingularityError(
                f"hard EM: component {k} was assigned no points, so its mean is undefined; start from other means."
            )
        mu = (q.T @ X) / N_k[:, None]
        history.append(mu)
        record(q, mu)
    return HardEMResult(
        means=frozen(np.array(history)),
        tables=frozen(np.array(tables)),
        free_energy=frozen(np.array(F)),
        gap=frozen(np.array(gap)),
        log_likelihood=frozen(np.array(log_p)),
        epsilon=epsilon,
        converged=converged,
    )


# ---------------------------------------------------------------------------
# An amortised q for two components: one log-odds function for all points


def logistic_encoder(X, w, w0) -> np.ndarray:
    """The table q_n1 = sigm(wᵀx_n + w_0), q_n2 = 1 − q_n1, shape (N, 2)."""
    X = check_data(X)
    w = np.asarray(w, dtype=float)
    if w.shape != (X.shape[1],):
        raise ValueError(f"w must hold one weight per column of X, shape ({X.shape[1]},), got shape {w.shape}.")
    w0 = float(w0)
    if not np.all(np.isfinite(w)) or not np.isfinite(w0):
        raise ValueError("w and w0 must be finite.")
    u = X @ w + w0
    return np.column_stack([expit(u), expit(-u)])


def _encoder_kl(phi, X, a):
    """KL(q_φ ‖ p(Z | X, θ)) and its gradient in φ = (w, w_0), from the log-odds u and a.

    Per point, with q = sigm(u), γ = sigm(a):
    KL_n = q (ln q − ln γ) + (1 − q)(ln(1 − q) − ln(1 − γ)), and dKL_n/du = q(1 − q)(u − a).
    """
    u = X @ phi[:-1] + phi[-1]
    q = expit(u)
    kl = q * (log_expit(u) - log_expit(a)) + (1 - q) * (log_expit(-u) - log_expit(-a))
    slope = q * (1 - q) * (u - a)
    return float(np.sum(kl)), np.append(X.T @ slope, slope.sum())


#: Largest entry of the KL gradient, per data point, that counts as stationary when BFGS stops on
#: precision loss (which it does at the optimum when the KL is close to its rounding floor).
_STATIONARY = 1e-6


def best_logistic_encoder(X, weights, means, covariances, *, start=None):
    """An encoder φ = (w, w_0) at which F(q_φ, θ) is stationary for fixed θ (K = 2).

    Maximising F(q_φ, θ) = ln p(X | θ) − KL(q_φ ‖ p(Z | X, θ)) over φ is minimising the
    KL divergence, done here by BFGS with the exact gradient, from φ = 0 (or ``start``).
    The KL divergence is not convex in φ, so the result is a stationary point found from
    that start, not a guaranteed global maximiser: restart from other encoders to check.  The posterior log-odds
    a_n = ℓ_n1 − ℓ_n2 are linear in x_n when the two covariances are equal, and then the
    family contains the posterior; otherwise they are quadratic and it does not.

    The search runs on the columns of X centred and scaled to unit variance, so its
    result does not depend on the data's origin or units; ``start = (w, w0)`` is in
    the units of X.  A ``RuntimeError`` is raised if BFGS stops away from a
    stationary point.

    Returns ``(w, w0, kl)``.
    """
    X = check_data(X)
    log_joint = gmm.log_joint(X, weights, means, covariances)
    if log_joint.shape[1] != 2:
        raise ValueError(f"the logistic encoder is for K = 2 components, got K = {log_joint.shape[1]}.")
    a = log_joint[:, 0] - log_joint[:, 1]
    # wᵀx + w_0 = w̃ᵀx̃ + w̃_0 with x̃ = (x − centre) / scale, w̃ = w · scale, w̃_0 = w_0 + wᵀcentre.
    centre = X.mean(axis=0)
    scale = np.where(np.ptp(X, axis=0) > 0, X.std(axis=0), 1.0)
    X_tilde = (X - centre) / scale
    if start is None:
        phi0 = np.zeros(X.shape[1] + 1)
    else:
        w_start, w0_start = np.asarray(start[0], dtype=float), float(start[1])
        if w_start.shape != (X.shape[1],):
            raise ValueError(f"start = (w, w0) needs w of shape ({X.shape[1]},), got shape {w_start.shape}.")
        phi0 = np.append(w_start * scale, w0_start + w_start @ centre)
    result = minimize(_encoder_kl, phi0, args=(X_tilde, a), jac=True, method="BFGS", options={"gtol": 1e-10})
    worst = float(np.max(np.abs(result.jac)))
    if not result.success and not worst <= _STATIONARY * X.shape[0]:
        raise RuntimeError(
            f"best_logistic_encoder: BFGS stopped after {result.nit} iterations away from the "
            f"optimum ({result.message}; largest gradient entry {worst:.3g}). Pass "
            f"start = (w, w0) nearer the optimum, e.g. from a fit of nearby parameters."
        )
    w = result.x[:-1] / scale
    w0 = float(result.x[-1] - w @ centre)
    return w, w0, float(max(result.fun, 0.0))
