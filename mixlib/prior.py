r"""MAP-EM: the Gaussian mixture with a conjugate prior on its means and covariances.

Maximum likelihood has no maximum when a component can shrink onto one point
(Σ_k → 0 sends ln p(X | θ) to +∞).  A prior p(θ) on the means and covariances
that vanishes fast enough as Σ_k → 0 removes the singularity: EM then climbs the
**log posterior** ln p(X | θ) + ln p(θ), which is bounded above, and every
M step has a positive definite answer even for a component with N_k = 0.

The prior is that of Fraley & Raftery (2007, "Bayesian regularization for normal
mixture estimation and model-based clustering", Journal of Classification 24,
155–181), as R's mclust uses it, with hyperparameters: shrinkage κ > 0, prior
mean μ_P, degrees of freedom ν and scale Λ (a D × D matrix for full and tied
covariances, a positive number for diagonal and spherical ones).  The weights π_k
get no prior.

The M step with a prior
-----------------------
Hold the responsibilities q_nk = γ(z_nk) at θ^old fixed and write
N_k = Σ_n q_nk and ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k).  The M step maximises

    Q(θ, θ^old) + ln p(θ) = Σ_n Σ_k q_nk ℓ_nk + ln p(θ).

Without a prior on π the weights are the maximum-likelihood ones, π_k = N_k / N
(the Lagrange multiplier λ = N).  For the other parameters collect the terms of
component k.  With x̄_k = (1/N_k) Σ_n q_nk x_n (only where N_k > 0) and

    W_k = Σ_n q_nk (x_n − x̄_k)(x_n − x̄_k)ᵀ,
    B_k = κ N_k / (κ + N_k) · (x̄_k − μ_P)(x̄_k − μ_P)ᵀ,

each model below puts on μ_k the prior μ_k | Σ_k ~ N(μ_P, Σ_k / κ).  The data and
this prior are both quadratic in μ_k with the same matrix Σ_k⁻¹:

    −½ Σ_n q_nk (x_n − μ_k)ᵀ Σ_k⁻¹ (x_n − μ_k) − ½ κ (μ_k − μ_P)ᵀ Σ_k⁻¹ (μ_k − μ_P),

whose gradient Σ_k⁻¹ [Σ_n q_nk (x_n − μ_k) − κ (μ_k − μ_P)] vanishes at

    μ_k = (N_k x̄_k + κ μ_P) / (κ + N_k)        (= μ_P when N_k = 0),

whatever Σ_k is.  At that μ_k the two quadratic forms add up to
−½ tr(Σ_k⁻¹ (W_k + B_k)), because

    Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ + κ (μ_k − μ_P)(μ_k − μ_P)ᵀ = W_k + B_k

(expand x_n − μ_k = (x_n − x̄_k) + (x̄_k − μ_k): the cross terms vanish because
Σ_n q_nk (x_n − x̄_k) = 0, and with x̄_k − μ_k = κ(x̄_k − μ_P)/(κ + N_k) and
μ_k − μ_P = N_k(x̄_k − μ_P)/(κ + N_k) the two outer products of x̄_k − μ_P carry
N_k κ²/(κ + N_k)² + κ N_k²/(κ + N_k)² = κN_k/(κ + N_k)).
The left-hand side needs no x̄_k, so it is the one computed: it is 0 when N_k = 0.

What is left is, for each covariance model, a function of the variances alone:

* **full**, Σ_k ~ IW(ν, Λ), the inverse Wishart with density
  ∝ det(Σ_k)^(−(ν+D+1)/2) exp(−½ tr(Λ Σ_k⁻¹)).  Collecting the powers of det Σ_k:
  N_k/2 from the data, 1/2 from N(μ_P, Σ_k/κ), (ν + D + 1)/2 from the inverse
  Wishart, the objective is

      −½ (ν + N_k + D + 2) ln det Σ_k − ½ tr(Σ_k⁻¹ (Λ + W_k + B_k)).

  Its gradient in Σ_k⁻¹, ½ (ν + N_k + D + 2) Σ_k − ½ (Λ + W_k + B_k), vanishes at

      Σ_k = (Λ + W_k + B_k) / (ν + N_k + D + 2),

  the unique maximiser (the function is concave in Σ_k⁻¹ and tends to −∞ at the
  boundary, because Λ is positive definite).

* **diag**, Σ_k = diag(σ²_k1, …, σ²_kD), each σ²_kd ~ IG(ν/2, Λ/2), the inverse gamma
  with density ∝ (σ²)^(−(ν/2+1)) exp(−Λ/(2σ²)) (the one-dimensional inverse
  Wishart).  Per coordinate d the powers of σ²_kd are N_k/2 (data), 1/2 (the prior on
  μ_kd), ν/2 + 1 (inverse gamma): −½ (ν + N_k + 3) ln σ²_kd − (Λ + (W_k + B_k)_dd)/(2σ²_kd),
  maximised at

      σ²_kd = (Λ + (W_k + B_k)_dd) / (ν + N_k + 3).

* **spherical**, Σ_k = σ²_k I with σ²_k ~ IG(ν/2, Λ/2): now the data contribute N_k D/2,
  the prior on μ_k contributes D/2 and the inverse gamma ν/2 + 1, so the objective is
  −½ (ν + (N_k + 1) D + 2) ln σ²_k − (Λ + tr(W_k + B_k))/(2σ²_k), maximised at

      σ²_k = (Λ + tr(W_k + B_k)) / (ν + (N_k + 1) D + 2).

* **tied**, one Σ ~ IW(ν, Λ) shared by all components, and μ_k | Σ ~ N(μ_P, Σ/κ) for
  each k.  The powers of det Σ are N/2 (all the data), K/2 (the K mean priors) and
  (ν + D + 1)/2, so

      Σ = (Λ + Σ_k (W_k + B_k)) / (ν + N + D + 1 + K).

Each M step is the maximiser over (μ, Σ) of the objective: μ_k maximises for every
Σ, and the profile in Σ has the single stationary point above.  So MAP-EM never
decreases ln p(X | θ) + ln p(θ), exactly as EM never decreases ln p(X | θ).

:func:`log_prior` is the logarithm of these densities with their normalising
constants, so it is a genuine log density of the means and covariances.  The
inverse Wishart needs ν > D − 1 and the inverse gamma ν > 0.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, multigammaln

from ._validation import (
    check_data,
    check_distributions,
    check_parameters,
    check_positive_int,
    frozen,
    real_array,
)
from .gmm import check_covariance_type, log_likelihood

DEFAULT_SHRINKAGE = 0.01
_LOG_2PI = np.log(2.0 * np.pi)


@dataclass(frozen=True, eq=False)
class ConjugatePrior:
    """The conjugate prior of Fraley & Raftery (2007) on a mixture's means and covariances.

    Attributes
    ----------
    shrinkage : float
        κ > 0: the prior on μ_k is N(μ_P, Σ_k / κ), worth κ pseudo-observations at μ_P.
    mean : ndarray (D,)
        μ_P, the prior mean of every μ_k.
    dof : float
        ν, the degrees of freedom: ν > D − 1 for a matrix scale (inverse Wishart),
        ν > 0 for a scalar one (inverse gamma).
    scale : ndarray (D, D) or float
        Λ: a symmetric positive definite matrix for ``"full"`` and ``"tied"``
        covariances, or a positive number, the inverse-gamma scale of every variance
        for ``"diag"`` and ``"spherical"`` (for full and tied a number means Λ I).
    """

    shrinkage: float
    mean: np.ndarray
    dof: float
    scale: np.ndarray | float

    def __post_init__(self):
        shrinkage = _positive_number(self.shrinkage, "shrinkage", "κ")
        mean = _prior_mean(self.mean)
        D = mean.shape[0]
        scale = _prior_scale(self.scale, D)
        dof = _finite_number(self.dof, "dof", "ν")
        smallest = D - 1.0 if np.ndim(scale) == 2 else 0.0
        if not dof > smallest:
            kind = f"D − 1 = {D - 1} for a ({D}, {D}) scale" if np.ndim(scale) == 2 else "0"
            raise ValueError(
                f"ConjugatePrior.dof (ν) must exceed {kind}, or the prior on the covariances "
                f"is not a probability density; got {dof}. mclust's default is D + 2 = {D + 2}."
            )
        object.__setattr__(self, "shrinkage", shrinkage)
        object.__setattr__(self, "mean", frozen(mean))
        object.__setattr__(self, "dof", dof)
        object.__setattr__(self, "scale", frozen(scale) if np.ndim(scale) == 2 else scale)

    @property
    def n_features(self) -> int:
        """D, the dimension of the data the prior is for."""
        return self.mean.shape[0]

    def __repr__(self) -> str:
        D = self.n_features
        scale = f"{self.scale:.6g}" if np.ndim(self.scale) == 0 else f"<({D}, {D}) matrix>"
        mean = np.array2string(np.asarray(self.mean), precision=6, separator=", ")
        return f"ConjugatePrior(shrinkage={self.shrinkage:.6g}, mean={mean}, dof={self.dof:.6g}, scale={scale})"


def _finite_number(value, field, symbol):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"ConjugatePrior.{field} ({symbol}) must be a real number, got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"ConjugatePrior.{field} ({symbol}) must be finite, got {value}.")
    return value


def _positive_number(value, field, symbol):
    value = _finite_number(value, field, symbol)
    if not value > 0:
        raise ValueError(f"ConjugatePrior.{field} ({symbol}) must be positive, got {value}.")
    return value


def _prior_mean(mean):
    mean = real_array(mean, "ConjugatePrior.mean (μ_P)").copy()
    if mean.ndim == 0:
        mean = mean[None]
    if mean.ndim != 1 or mean.size == 0:
        raise ValueError(f"ConjugatePrior.mean (μ_P) must have shape (D,), but it has shape {mean.shape}.")
    if not np.all(np.isfinite(mean)):
        raise ValueError("ConjugatePrior.mean (μ_P) contains NaN or inf; it must be finite.")
    return mean


def _prior_scale(scale, D):
    if isinstance(scale, bool):
        raise TypeError(f"ConjugatePrior.scale (Λ) must be a number or a ({D}, {D}) matrix, got {scale!r}.")
    array = real_array(scale, "ConjugatePrior.scale (Λ)").copy()
    if not np.all(np.isfinite(array)):
        raise ValueError("ConjugatePrior.scale (Λ) contains NaN or inf; it must be finite.")
    if array.ndim == 0:
        if not array > 0:
            raise ValueError(f"ConjugatePrior.scale (Λ) must be positive, got {float(array)}.")
        return float(array)
    if array.shape != (D, D):
        raise ValueError(
            f"ConjugatePrior.scale (Λ) must be a number or a ({D}, {D}) matrix to match the mean's "
            f"dimension D = {D}, but it has shape {array.shape}."
        )
    if not np.allclose(array, array.T, rtol=1e-10, atol=0):
        raise ValueError("ConjugatePrior.scale (Λ) must be a symmetric matrix.")
    try:
        np.linalg.cholesky(array)
    except np.linalg.LinAlgError:
        raise ValueError(
            "ConjugatePrior.scale (Λ) must be positive definite; it has a non-positive eigenvalue "
            f"({np.linalg.eigvalsh(array).min():.3g})."
        ) from None
    return array


# ---------------------------------------------------------------------------
# The default prior


def default_prior(X, n_components: int, covariance_type: str = "full") -> ConjugatePrior:
    """The default prior of Fraley & Raftery (2007), as mclust's ``priorControl()`` sets it.

    κ = 0.01, μ_P = the data mean, ν = D + 2, and with S_X = cov(X, ddof=1) and K
    components Λ = S_X / K^(2/D) for ``"full"`` and ``"tied"``, or the number
    tr(S_X) / D / K^(2/D) for ``"diag"`` and ``"spherical"``.  The factor K^(−2/D)
    shrinks the volume of the prior covariance by 1/K: K components share the
    data's volume.  When N ≤ D, as in mclust, S_X keeps only its diagonal.
    """
    X = check_data(X)
    K = check_positive_int(n_components, "n_components")
    check_covariance_type(covariance_type)
    N, D = X.shape
    if N < 2:
        raise ValueError("default_prior needs at least 2 samples to estimate the data's covariance; X has 1.")
    S = np.atleast_2d(np.cov(X, rowvar=False, ddof=1))
    if N <= D:
        S = np.diag(np.diag(S))
    factor = K ** (-2.0 / D)
    if covariance_type in ("full", "tied"):
        scale = factor * S
        if np.any(np.diag(S) <= 0):
            raise ValueError(
                "default_prior: a column of X is constant, so the data's covariance, and with it "
                "the default scale Λ, is singular; drop that column or pass a ConjugatePrior "
                "with a positive definite scale."
            )
        try:
            np.linalg.cholesky(scale)
        except np.linalg.LinAlgError:
            raise ValueError(
                "default_prior: the columns of X are linearly dependent, so the data's covariance, "
                "and with it the default scale Λ, is singular; remove the redundant columns or pass "
                "a ConjugatePrior with a positive definite scale."
            ) from None
    else:
        scale = factor * np.trace(S) / D
        if not scale > 0:
            raise ValueError(
                "default_prior: every column of X is constant, so the default scale Λ is 0; "
                "pass a ConjugatePrior with a positive scale."
            )
    return ConjugatePrior(shrinkage=DEFAULT_SHRINKAGE, mean=X.mean(axis=0), dof=D + 2.0, scale=scale)


def resolve_prior(prior, X, n_components: int, covariance_type: str):
    """``None`` → None, ``"default"`` → :func:`default_prior`, a ConjugatePrior → itself,
    after checking it fits X and ``covariance_type``."""
    if prior is None:
        return None
    if isinstance(prior, str):
        if prior != "default":
            raise ValueError(f"prior must be None, 'default' or a ConjugatePrior, got {prior!r}.")
        return default_prior(X, n_components, covariance_type)
    if not isinstance(prior, ConjugatePrior):
        raise TypeError(f"prior must be None, 'default' or a ConjugatePrior, got {type(prior).__name__}.")
    check_prior(prior, np.shape(X)[1], covariance_type)
    return prior


def check_prior(prior, n_features: int, covariance_type: str) -> None:
    """Raise if ``prior`` does not fit data of dimension D = ``n_features`` and the covariance type."""
    if not isinstance(prior, ConjugatePrior):
        raise TypeError(f"prior must be a ConjugatePrior, got {type(prior).__name__}.")
    check_covariance_type(covariance_type)
    if prior.n_features != n_features:
        raise ValueError(
            f"the prior is for D = {prior.n_features} dimensions (its mean μ_P has length "
            f"{prior.n_features}), but X has {n_features} features; they must agree."
        )
    matrix = np.ndim(prior.scale) == 2
    if covariance_type in ("diag", "spherical") and matrix:
        raise ValueError(
            f"covariance_type={covariance_type!r} takes a prior whose scale Λ is a positive number "
            f"(the inverse-gamma scale of each variance), not a matrix; mclust's default is "
            f"tr(Λ) / D, see default_prior."
        )
    if covariance_type in ("full", "tied") and not matrix and not prior.dof > n_features - 1:
        raise ValueError(
            f"covariance_type={covariance_type!r} puts an inverse Wishart on the covariance, which "
            f"needs ConjugatePrior.dof (ν) > D − 1 = {n_features - 1}; got {prior.dof}."
        )


# ---------------------------------------------------------------------------
# The M step


def map_m_step(X, resp, prior: ConjugatePrior, covariance_type: str = "full"):
    """The MAP M step: maximise Q(θ, θ^old) + ln p(θ) for fixed responsibilities q_nk.

    With N_k = Σ_n q_nk, x̄_k = (1/N_k) Σ_n q_nk x_n, W_k = Σ_n q_nk (x_n − x̄_k)(x_n − x̄_k)ᵀ
    and B_k = κN_k/(κ + N_k) (x̄_k − μ_P)(x̄_k − μ_P)ᵀ:

        π_k = N_k / N,   μ_k = (N_k x̄_k + κ μ_P) / (κ + N_k),

    and Σ_k = (Λ + W_k + B_k) / (ν + N_k + D + 2) (full);
    (Σ_k)_dd = (Λ + (W_k + B_k)_dd) / (ν + N_k + 3) (diag);
    σ²_k = (Λ + tr(W_k + B_k)) / (ν + (N_k + 1) D + 2) (spherical);
    Σ = (Λ + Σ_k (W_k + B_k)) / (ν + N + D + 1 + K) (tied).
    The derivation is in the module docstring.  A component with N_k = 0 gets
    π_k = 0, μ_k = μ_P and the prior's own covariance: nothing is divided by N_k.

    Returns ``(weights, means, covariances)``; covariances are always (K, D, D).
    """
    X = check_data(X)
    resp = check_distributions(resp, "responsibilities", n_samples=X.shape[0])
    check_prior(prior, X.shape[1], covariance_type)
    return _map_m_step(X, resp, prior, covariance_type)


def _map_m_step(X, resp, prior, covariance_type):
    """:func:`map_m_step` without the argument checks, for use inside an EM loop."""
    N, D = X.shape
    K = resp.shape[1]
    kappa, mu_p, nu, scale = prior.shrinkage, prior.mean, prior.dof, prior.scale
    Nk = resp.sum(axis=0)
    means = (resp.T @ X + kappa * mu_p) / (kappa + Nk)[:, None]
    scatter = np.empty((K, D, D))
    for k in range(K):
        residual = X - means[k]
        offset = means[k] - mu_p
        # W_k + B_k in the form that needs no x̄_k, so that it is 0 when N_k = 0.
        scatter[k] = (resp[:, k] * residual.T) @ residual + kappa * np.outer(offset, offset)
    scale_matrix = scale * np.eye(D) if np.ndim(scale) == 0 else scale
    if covariance_type == "full":
        covariances = (scale_matrix + scatter) / (nu + Nk + D + 2)[:, None, None]
    elif covariance_type == "tied":
        shared = (scale_matrix + scatter.sum(axis=0)) / (nu + N + D + 1 + K)
        covariances = np.broadcast_to(shared, (K, D, D)).copy()
    elif covariance_type == "diag":
        variances = (scale + np.diagonal(scatter, axis1=1, axis2=2)) / (nu + Nk + 3)[:, None]
        covariances = np.zeros((K, D, D))
        covariances[:, np.arange(D), np.arange(D)] = variances
    else:  # spherical
        variances = (scale + np.trace(scatter, axis1=1, axis2=2)) / (nu + (Nk + 1) * D + 2)
        covariances = variances[:, None, None] * np.eye(D)
    return Nk / N, means, covariances


# ---------------------------------------------------------------------------
# The log prior


def log_prior(prior: ConjugatePrior, means, covariances, covariance_type: str = "full") -> float:
    """ln p(θ), the log density of the conjugate prior at the means and covariances.

    A genuine log density, normalising constants included:

    - full: Σ_k [ln N(μ_k | μ_P, Σ_k/κ) + ln IW(Σ_k | ν, Λ)];
    - tied: Σ_k ln N(μ_k | μ_P, Σ/κ) + ln IW(Σ | ν, Λ), one Σ shared;
    - diag: Σ_k [ln N(μ_k | μ_P, Σ_k/κ) + Σ_d ln IG((Σ_k)_dd | ν/2, Λ/2)];
    - spherical: Σ_k [ln N(μ_k | μ_P, σ²_k I/κ) + ln IG(σ²_k | ν/2, Λ/2)];

    with ln IW(Σ | ν, Λ) = (ν/2) ln det Λ − (νD/2) ln 2 − ln Γ_D(ν/2)
    − ((ν + D + 1)/2) ln det Σ − ½ tr(Λ Σ⁻¹) and
    ln IG(v | a, b) = a ln b − ln Γ(a) − (a + 1) ln v − b/v.  The weights have no
    prior.  :func:`map_m_step` maximises Σ_nk q_nk ℓ_nk + ln p(θ) over (μ, Σ).

    ``covariances`` are full (K, D, D) matrices, as everywhere in mixlib; they must
    have the structure of ``covariance_type`` (diagonal, a multiple of I, or all equal).
    """
    check_covariance_type(covariance_type)
    K = np.shape(means)[0] if np.ndim(means) >= 1 else 0
    _, means, covariances = check_parameters(np.full(max(K, 1), 1.0 / max(K, 1)), means, covariances)
    K, D = means.shape
    check_prior(prior, D, covariance_type)
    _check_structure(covariances, covariance_type)
    return _log_prior(prior, means, covariances, covariance_type)


def _log_prior(prior, means, covariances, covariance_type):
    K, D = means.shape
    kappa, nu, scale = prior.shrinkage, prior.dof, prior.scale
    offsets = means - prior.mean
    if covariance_type in ("full", "tied"):
        scale_matrix = scale * np.eye(D) if np.ndim(scale) == 0 else np.asarray(scale)
        chol = np.linalg.cholesky(covariances)
        log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        # κ (μ_k − μ_P)ᵀ Σ_k⁻¹ (μ_k − μ_P) = κ ‖L_k⁻¹(μ_k − μ_P)‖².
        whitened = np.linalg.solve(chol, offsets[:, :, None])[:, :, 0]
        mahalanobis = np.sum(whitened**2, axis=1)
        mean_terms = 0.5 * D * (np.log(kappa) - _LOG_2PI) - 0.5 * log_det - 0.5 * kappa * mahalanobis
        if covariance_type == "tied":
            log_det, chol = log_det[:1], chol[:1]
        # tr(Λ Σ⁻¹) = ‖L⁻¹ C‖²_F for Λ = C Cᵀ.
        root = np.linalg.cholesky(scale_matrix)
        trace = np.sum(np.linalg.solve(chol, np.broadcast_to(root, chol.shape)) ** 2, axis=(1, 2))
        log_det_scale = 2.0 * np.log(np.diag(root)).sum()
        inverse_wishart = (
            0.5 * nu * log_det_scale
            - 0.5 * nu * D * np.log(2.0)
            - multigammaln(0.5 * nu, D)
            - 0.5 * (nu + D + 1) * log_det
            - 0.5 * trace
        )
        return float(mean_terms.sum() + inverse_wishart.sum())
    variances = np.diagonal(covariances, axis1=1, axis2=2)
    mahalanobis = np.sum(offsets**2 / variances, axis=1)
    log_det = np.log(variances).sum(axis=1)
    mean_terms = 0.5 * D * (np.log(kappa) - _LOG_2PI) - 0.5 * log_det - 0.5 * kappa * mahalanobis
    if covariance_type == "spherical":
        variances = variances[:, :1]
    a, b = 0.5 * nu, 0.5 * scale
    inverse_gamma = a * np.log(b) - gammaln(a) - (a + 1.0) * np.log(variances) - b / variances
    return float(mean_terms.sum() + inverse_gamma.sum())


def _check_structure(covariances, covariance_type):
    K, D, _ = covariances.shape
    diagonal = np.diagonal(covariances, axis1=1, axis2=2)
    size = np.abs(diagonal).max()
    if covariance_type in ("diag", "spherical"):
        off = covariances - np.eye(D) * diagonal[:, :, None]
        if np.abs(off).max() > 1e-12 * size:
            raise ValueError(
                f"covariance_type={covariance_type!r} needs diagonal covariance matrices, but some "
                "have non-zero off-diagonal entries."
            )
    if covariance_type == "spherical" and not np.allclose(diagonal, diagonal[:, :1], rtol=1e-10, atol=0):
        raise ValueError("covariance_type='spherical' needs covariances σ²_k I, but some diagonals are not constant.")
    if covariance_type == "tied" and not np.allclose(covariances, covariances[:1], rtol=1e-10, atol=0):
        raise ValueError("covariance_type='tied' needs one covariance shared by all components, but they differ.")


def log_posterior(X, weights, means, covariances, prior: ConjugatePrior, covariance_type: str = "full") -> float:
    """The penalised objective MAP-EM increases: ln p(X | θ) + ln p(θ)."""
    log_p_theta = log_prior(prior, means, covariances, covariance_type)
    return log_likelihood(X, weights, means, covariances) + log_p_theta
