"""How fast EM converges: the EM map on a parameter vector, its Jacobian, and the gradient.

One EM iteration of a K-component full-covariance Gaussian mixture (with the
exact M step, ``reg_covar=0``) is a map θ^(t+1) = M(θ^(t)).  To study it as a
map of R^P into itself, the parameters (π, μ, Σ) are written as one vector θ
of P = (K − 1) + K D + K D(D + 1)/2 free numbers.  Two coordinate systems:

``"unconstrained"`` (the default), every vector in R^P is a valid mixture:

- the log-odds of the weights against the last one, ζ_k = ln(π_k / π_K),
  k = 1, …, K − 1, so π = softmax(ζ_1, …, ζ_{K−1}, 0);
- the means μ_k, component by component;
- for each Σ_k = L_k L_kᵀ the lower triangle of its Cholesky factor L_k, row by
  row, with each diagonal entry replaced by its logarithm ln (L_k)_dd.

``"moments"``: π_1, …, π_{K−1}, the means, and the lower triangle of each Σ_k
row by row; valid only where the weights are positive and the Σ_k positive
definite.  It exists to show that what is measured here does not depend on the
coordinates.

At a fixed point θ* = M(θ*) the Jacobian DM = ∂M/∂θ (:func:`em_map_jacobian`)
governs the convergence once the iterates are close enough for the linear term to
dominate: θ^(t) − θ* ≈ DM^(t − t₀) (θ^(t₀) − θ*) from such an iteration t₀ on.  Dempster, Laird and
Rubin (1977) showed that DM is the fraction of missing information,
DM = I_c⁻¹ I_m with I_m = I_c − I_obs.  With I_c positive definite and I_m
positive semidefinite its eigenvalues are real and at least 0; they are below 1
exactly when I_obs is positive definite, i.e. at a strict, non-degenerate local
maximum (at a saddle point or a degenerate maximum some eigenvalue is ≥ 1).  Under
another coordinate system θ̃ = ψ(θ), the EM map is ψ ∘ M ∘ ψ⁻¹ and its Jacobian at
θ̃* = ψ(θ*) is Ψ DM Ψ⁻¹ with Ψ = ∂ψ/∂θ(θ*): a similar matrix, with the same
eigenvalues.

:func:`log_likelihood_and_gradient` gives ln p(X | θ) and ∇_θ ln p(X | θ) in
the unconstrained coordinates, for a gradient-based optimiser;
:func:`information_matrices` the observed and complete-data information I_obs
and I_c; and :func:`climb` runs EM or a scipy quasi-Newton method until the
log-likelihood reaches a target, counting iterations and evaluations.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import softmax

from . import gmm
from ._validation import check_data, check_parameters, check_positive_int, float_array

__all__ = [
    "COORDINATES",
    "Climb",
    "climb",
    "em_map",
    "em_map_jacobian",
    "from_vector",
    "information_matrices",
    "log_likelihood",
    "log_likelihood_and_gradient",
    "n_free_parameters",
    "to_vector",
]

COORDINATES = ("unconstrained", "moments")


def n_free_parameters(n_components: int, n_features: int) -> int:
    """P = (K − 1) + K D + K D(D + 1)/2, the length of θ."""
    K = check_positive_int(n_components, "n_components")
    D = check_positive_int(n_features, "n_features")
    return (K - 1) + K * D + K * D * (D + 1) // 2


def _check_coordinates(coordinates):
    if coordinates not in COORDINATES:
        raise ValueError(f"coordinates must be one of {COORDINATES}, got {coordinates!r}.")


def to_vector(weights, means, covariances, *, coordinates: str = "unconstrained") -> np.ndarray:
    """The vector θ of the mixture (π, μ, Σ), shape (P,); see the module docstring.

    In unconstrained coordinates every weight must be positive (ζ_k = ln(π_k / π_K)
    is finite only then).
    """
    _check_coordinates(coordinates)
    weights, means, covariances = check_parameters(weights, means, covariances)
    K, D = means.shape
    rows, cols = np.tril_indices(D)
    if coordinates == "moments":
        return np.concatenate([weights[:-1], means.ravel(), covariances[:, rows, cols].ravel()])
    if np.any(weights <= 0):
        k = int(np.flatnonzero(weights <= 0)[0])
        raise ValueError(
            f"weights[{k}] = {weights[k]!r}: unconstrained coordinates need every weight > 0 "
            f"(the log-odds ln(π_k / π_K) of a zero weight is infinite); drop the empty component."
        )
    log_odds = np.log(weights[:-1]) - np.log(weights[-1])
    chol = np.linalg.cholesky(covariances)
    chol[:, np.arange(D), np.arange(D)] = np.log(chol[:, np.arange(D), np.arange(D)])
    return np.concatenate([log_odds, means.ravel(), chol[:, rows, cols].ravel()])


def from_vector(theta, n_components: int, n_features: int, *, coordinates: str = "unconstrained"):
    """The mixture ``(weights, means, covariances)`` of the vector θ; inverse of :func:`to_vector`.

    Shapes (K,), (K, D), (K, D, D).  In moment coordinates the result is
    validated (positive weights summing to 1, positive definite covariances).
    """
    _check_coordinates(coordinates)
    K = check_positive_int(n_components, "n_components")
    D = check_positive_int(n_features, "n_features")
    theta = _check_theta(theta, K, D)
    rows, cols = np.tril_indices(D)
    head, means_part, tri_part = np.split(theta, [K - 1, K - 1 + K * D])
    means = means_part.reshape(K, D)
    lower = np.zeros((K, D, D))
    lower[:, rows, cols] = tri_part.reshape(K, -1)
    if coordinates == "moments":
        weights = np.append(head, 1.0 - head.sum())
        if np.any(weights <= 0):
            raise ValueError(f"theta gives weights {weights}; in moment coordinates every π_k must be > 0.")
        covariances = lower + np.swapaxes(np.tril(lower, -1), 1, 2)
        return check_parameters(weights, means, covariances)
    weights = softmax(np.append(head, 0.0))
    diagonal = np.arange(D)
    lower[:, diagonal, diagonal] = np.exp(lower[:, diagonal, diagonal])
    covariances = lower @ np.swapaxes(lower, 1, 2)
    return weights, means, covariances


def _check_theta(theta, K, D):
    theta = float_array(theta, "theta")
    P = n_free_parameters(K, D)
    if theta.shape != (P,):
        raise ValueError(
            f"theta must have shape ({P},) for K = {K} components in D = {D} dimensions "
            f"((K − 1) + K D + K D(D + 1)/2 entries), but it has shape {theta.shape}."
        )
    return theta


def em_map(X, theta, n_components: int, *, coordinates: str = "unconstrained") -> np.ndarray:
    """One EM iteration on the vector: M(θ) = to_vector(M step(E step(θ))).

    The E step freezes q_nk = γ(z_nk) at θ; the M step is the exact maximiser of Q
    (N_k = Σ_n q_nk, π_k = N_k / N, μ_k = Σ_n q_nk x_n / N_k,
    Σ_k = Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k), with no ``reg_covar``.
    """
    X = check_data(X)
    params = from_vector(theta, n_components, X.shape[1], coordinates=coordinates)
    resp = gmm.responsibilities(X, *params)
    return to_vector(*gmm.m_step(X, resp, reg_covar=0.0), coordinates=coordinates)


def em_map_jacobian(
    X, theta, n_components: int, *, step: float = 1e-5, coordinates: str = "unconstrained"
) -> np.ndarray:
    """The Jacobian DM_ij = ∂M_i/∂θ_j of :func:`em_map` by central differences, shape (P, P).

    Column j is (M(θ + h e_j) − M(θ − h e_j)) / 2h with h = ``step`` and e_j the j-th
    unit vector: its error is O(h²) from the third derivatives of M plus a rounding
    error of the order of the machine epsilon divided by h.
    """
    X = check_data(X)
    theta = _check_theta(theta, check_positive_int(n_components, "n_components"), X.shape[1])
    step = _check_step(step)
    return _central_differences(lambda point: em_map(X, point, n_components, coordinates=coordinates), theta, step)


def log_likelihood(X, theta, n_components: int) -> float:
    """ln p(X | θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k), θ in unconstrained coordinates."""
    X = check_data(X)
    return gmm.log_likelihood(X, *from_vector(theta, n_components, X.shape[1]))


def log_likelihood_and_gradient(X, theta, n_components: int):
    """ln p(X | θ) and its gradient with respect to the unconstrained θ, shape (P,).

    With γ(z_nk) the responsibilities at θ, N_k = Σ_n γ(z_nk) and
    S_k = Σ_n γ(z_nk) (x_n − μ_k)(x_n − μ_k)ᵀ about the current μ_k:

        ∂ ln p / ∂ζ_k = N_k − N π_k                         (k < K)
        ∂ ln p / ∂μ_k = Σ_k⁻¹ Σ_n γ(z_nk) (x_n − μ_k)
        ∂ ln p / ∂Σ_k = G_k = ½ Σ_k⁻¹ (S_k − N_k Σ_k) Σ_k⁻¹
        ∂ ln p / ∂L_k = 2 G_k L_k   (lower triangle; for the diagonal entries
                                     times (L_k)_dd, the chain rule of ln (L_k)_dd)

    Each line is the derivative of Q(θ', θ) = Σ_n Σ_k γ(z_nk) [ln π'_k + ln N(x_n | μ'_k, Σ'_k)]
    in θ' at θ' = θ, which equals the derivative of ln p at θ (Fisher's identity).
    """
    X = check_data(X)
    params = from_vector(theta, n_components, X.shape[1])
    resp, value = gmm.e_step(X, *params)
    return value, _gradient_of_q(X, resp, *params)


def _gradient_of_q(X, q, weights, means, covariances):
    """∇_θ' Σ_n Σ_k q_nk [ln π'_k + ln N(x_n | μ'_k, Σ'_k)] at θ' = (weights, means, covariances)."""
    N, D = X.shape
    Nk = q.sum(axis=0)
    rows, cols = np.tril_indices(D)
    grad_means = np.empty_like(means)
    grad_chol = []
    for k, (mean, chol) in enumerate(zip(means, gmm.cholesky_factors(covariances))):
        residual = X - mean
        whitened = solve_triangular(chol, residual.T, lower=True)  # L⁻¹ (x − μ)
        precision_residual = solve_triangular(chol, whitened, lower=True, trans="T")  # Σ⁻¹ (x − μ)
        grad_means[k] = precision_residual @ q[:, k]
        # G = ½ (Σ⁻¹ S Σ⁻¹ − N_k Σ⁻¹), and 2 G L = (Σ⁻¹ S Σ⁻¹ − N_k Σ⁻¹) L
        outer = (q[:, k] * precision_residual) @ precision_residual.T
        precision = solve_triangular(chol, solve_triangular(chol, np.eye(D), lower=True), lower=True, trans="T")
        d_chol = (outer - Nk[k] * precision) @ chol
        d_chol[np.arange(D), np.arange(D)] *= np.diag(chol)
        grad_chol.append(d_chol[rows, cols])
    grad_log_odds = Nk[:-1] - N * weights[:-1]
    return np.concatenate([grad_log_odds, grad_means.ravel(), np.concatenate(grad_chol)])


def information_matrices(X, theta, n_components: int, *, step: float = 1e-5):
    """The observed and the complete-data information at θ (unconstrained), each (P, P).

        I_obs = −∇² ln p(X | θ),
        I_c   = −∇²_θ' Q(θ', θ) at θ' = θ,   Q with the responsibilities frozen at θ,

    by central differences (step h = ``step``) of the analytic gradients, symmetrised.
    At a fixed point θ* of EM, the Jacobian of the EM map is I_c⁻¹ (I_c − I_obs)
    (Dempster, Laird and Rubin 1977): the fraction of missing information.
    """
    X = check_data(X)
    K = check_positive_int(n_components, "n_components")
    theta = _check_theta(theta, K, X.shape[1])
    step = _check_step(step)
    resp = gmm.responsibilities(X, *from_vector(theta, K, X.shape[1]))

    def gradient_of_q(point):
        return _gradient_of_q(X, resp, *from_vector(point, K, X.shape[1]))

    def gradient_of_log_likelihood(point):
        return log_likelihood_and_gradient(X, point, K)[1]

    return tuple(-_symmetric(_central_differences(f, theta, step)) for f in (gradient_of_log_likelihood, gradient_of_q))


def _central_differences(f, theta, step):
    columns = []
    for j in range(theta.size):
        shift = np.zeros_like(theta)
        shift[j] = step
        columns.append((f(theta + shift) - f(theta - shift)) / (2 * step))
    return np.column_stack(columns)


def _symmetric(matrix):
    return (matrix + matrix.T) / 2


def _check_step(step):
    if isinstance(step, bool) or not isinstance(step, (int, float, np.floating)):
        raise TypeError(f"step must be a positive number (the difference h), got {step!r}.")
    step = float(step)
    if not np.isfinite(step) or step <= 0:
        raise ValueError(f"step must be a positive finite number (the difference h), got {step}.")
    return step


class Climb(NamedTuple):
    """A run of :func:`climb`: how long ``method`` took to reach the target, and where it stopped."""

    method: str
    n_iter: int
    n_evaluations: int
    theta: np.ndarray
    log_likelihood: float
    reached: bool


def climb(X, theta, n_components: int, target: float, *, method: str = "EM", max_iter: int = 1000) -> Climb:
    """Run EM, or scipy's ``"BFGS"`` or ``"L-BFGS-B"`` on −ln p, from θ (unconstrained)
    until ln p(X | θ) ≥ ``target``, or for at most ``max_iter`` iterations.

    The counts are comparable work: an evaluation is one E step (for EM, the E step
    of the next iteration, which also gives ln p; for an optimiser, ln p and its
    gradient, which are an E step and the weighted sums of :func:`_gradient_of_q`).
    EM evaluates once per iteration plus once at the start; an optimiser's line
    search may evaluate several times per iteration.
    """
    X = check_data(X)
    K = check_positive_int(n_components, "n_components")
    theta = _check_theta(theta, K, X.shape[1])
    max_iter = check_positive_int(max_iter, "max_iter")
    target = float(target)
    if not np.isfinite(target):
        raise ValueError(f"target must be a finite log-likelihood, got {target}.")
    if method == "EM":
        params = from_vector(theta, K, X.shape[1])
        for n_iter in range(max_iter + 1):
            resp, value = gmm.e_step(X, *params)
            if value >= target or n_iter == max_iter:
                break
            params = gmm.m_step(X, resp, reg_covar=0.0)
        return Climb(method, n_iter, n_iter + 1, to_vector(*params), float(value), bool(value >= target))
    if method not in ("BFGS", "L-BFGS-B"):
        raise ValueError(f"method must be 'EM', 'BFGS' or 'L-BFGS-B', got {method!r}.")
    from scipy.optimize import minimize

    counts = {"evaluations": 0, "iterations": 0}

    def negative_log_likelihood(point):
        counts["evaluations"] += 1
        value, gradient = log_likelihood_and_gradient(X, point, K)
        return -value, -gradient

    def stop_at_target(intermediate_result):
        counts["iterations"] += 1
        if -intermediate_result.fun >= target:
            raise StopIteration

    result = minimize(
        negative_log_likelihood, theta, jac=True, method=method, callback=stop_at_target, options={"maxiter": max_iter}
    )
    value = -float(result.fun)
    return Climb(method, counts["iterations"], counts["evaluations"], result.x, value, bool(value >= target))
