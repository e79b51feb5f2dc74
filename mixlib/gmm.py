"""The Gaussian mixture model and its EM algorithm.

The model, in the lecture's notation:

    p(x) = Σ_k π_k N(x | μ_k, Σ_k),        π_k ≥ 0,  Σ_k π_k = 1.

Everything is computed in log space.  A covariance Σ_k enters only through its
Cholesky factor L_k (Σ_k = L_k L_kᵀ): the Mahalanobis distance is the squared
norm of the whitened residual L_k⁻¹(x − μ_k), and ln det Σ_k = 2 Σ_d ln (L_k)_dd.
Sums over components of π_k N(x_n | μ_k, Σ_k) are log-sum-exps, so no density
underflows to zero however far a point lies from a component.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_generator,
    check_data,
    check_enough_samples,
    check_nonnegative_float,
    check_parameters,
    check_positive_int,
    frozen,
)

COVARIANCE_TYPES = ("full", "diag", "spherical")
INITS = ("k-means++", "random")
_LOG_2PI = np.log(2.0 * np.pi)


class SingularityError(ValueError):
    """A mixture component collapsed: the likelihood is unbounded there.

    Raised when, during EM, a covariance Σ_k stops being positive definite
    (typically a component shrinking onto a single point with ``reg_covar=0``)
    or a component loses all of its responsibility mass (N_k = 0).
    """


# ---------------------------------------------------------------------------
# Densities


def cholesky_factors(covariances, *, iteration: int | None = None) -> np.ndarray:
    """Lower Cholesky factors L_k with Σ_k = L_k L_kᵀ, shape (K, D, D).

    Raises :class:`SingularityError` naming the component if some Σ_k is not
    positive definite.
    """
    covariances = np.asarray(covariances, dtype=float)
    try:
        chol = np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        chol = None
    if chol is not None:
        if iteration is not None:
            _check_conditioning(chol, iteration)
        return chol
    for k, sigma in enumerate(covariances):
        try:
            np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            smallest = np.linalg.eigvalsh(sigma).min() if np.all(np.isfinite(sigma)) else np.nan
            where = f"EM iteration {iteration}: " if iteration is not None else ""
            raise SingularityError(
                f"{where}component {k} collapsed: its covariance is no longer positive definite "
                f"(smallest eigenvalue {smallest:.3g}), so the likelihood is unbounded there. "
                f"Set reg_covar > 0 (for example reg_covar=1e-6) to keep every covariance "
                f"positive definite, or try another initialisation."
            ) from None
    raise SingularityError("a covariance is not positive definite")  # pragma: no cover


def _check_conditioning(chol, iteration):
    """During EM, a covariance whose condition number exceeds 1/(10 ε) has collapsed onto
    a lower-dimensional set of points: it is singular up to rounding, and the
    likelihood computed from it would be noise."""
    diagonal = np.diagonal(chol, axis1=1, axis2=2)
    ratio = (diagonal.min(axis=1) / diagonal.max(axis=1)) ** 2
    collapsed = np.flatnonzero(ratio < 10 * np.finfo(float).eps)
    if collapsed.size:
        k = int(collapsed[0])
        raise SingularityError(
            f"EM iteration {iteration}: component {k} collapsed: its covariance is singular up to "
            f"rounding (it has shrunk onto fewer than D + 1 points), so the likelihood is unbounded "
            f"there. Set reg_covar > 0 (for example reg_covar=1e-6), or try another initialisation."
        )


def _log_gaussian(X: np.ndarray, means: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """ln N(x_n | μ_k, Σ_k) for all n, k, from the Cholesky factors; shape (N, K)."""
    N, D = X.shape
    K = means.shape[0]
    out = np.empty((N, K))
    # The inverse factors L_k⁻¹, all K in one call: small triangular D × D matrices
    # (Σ_k itself is never inverted).
    inverse_factors = np.linalg.inv(chol)
    for k in range(K):
        # Whitened residuals y_n = L_k⁻¹(x_n − μ_k), as one matrix product;
        # ‖y_n‖² is the Mahalanobis distance (x_n − μ_k)ᵀ Σ_k⁻¹ (x_n − μ_k).
        whiten = inverse_factors[k].T
        y = X @ whiten
        y -= means[k] @ whiten
        out[:, k] = np.einsum("nd,nd->n", y, y)
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    out += D * _LOG_2PI + log_det
    out *= -0.5
    return out


def log_gaussian(X, means, covariances) -> np.ndarray:
    """Component log-densities ln N(x_n | μ_k, Σ_k), an (N, K) array.

    N(x | μ, Σ) = (2π)^(−D/2) det(Σ)^(−1/2) exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ)).
    """
    X = check_data(X)
    K = np.shape(means)[0] if np.ndim(means) >= 1 else 0
    _, means, covariances = check_parameters(np.full(K, 1.0 / max(K, 1)), means, covariances, X.shape[1])
    return _log_gaussian(X, means, cholesky_factors(covariances))


def _weighted_log_prob(X, weights, means, chol) -> np.ndarray:
    """ln π_k + ln N(x_n | μ_k, Σ_k), shape (N, K)."""
    with np.errstate(divide="ignore"):  # a weight of exactly 0 gives ln 0 = −inf, which is right
        log_weights = np.log(weights)
    out = _log_gaussian(X, means, chol)
    out += log_weights
    return out


def _e_step(X, weights, means, chol):
    """Responsibilities and total log-likelihood, from one log-sum-exp.

    With a_nk = ln π_k + ln N(x_n | μ_k, Σ_k) and m_n = max_k a_nk:
        ln p(x_n) = m_n + ln Σ_k exp(a_nk − m_n),   γ(z_nk) = exp(a_nk − ln p(x_n)).
    Subtracting m_n keeps every exponent ≤ 0, so nothing overflows and the
    largest term is exactly 1, so the sum never underflows to zero.
    """
    a = _weighted_log_prob(X, weights, means, chol)
    m = a.max(axis=1, keepdims=True)
    a -= m
    np.exp(a, out=a)
    total = a.sum(axis=1, keepdims=True)
    a /= total
    log_likelihood = float(np.sum(np.log(total)) + np.sum(m))
    return a, log_likelihood


def log_density(X, weights, means, covariances) -> np.ndarray:
    """ln p(x_n) = ln Σ_k π_k N(x_n | μ_k, Σ_k) for each point, shape (N,)."""
    X = check_data(X)
    weights, means, covariances = check_parameters(weights, means, covariances, X.shape[1])
    a = _weighted_log_prob(X, weights, means, cholesky_factors(covariances))
    m = a.max(axis=1)
    return m + np.log(np.exp(a - m[:, None]).sum(axis=1))


def log_likelihood(X, weights, means, covariances) -> float:
    """The total log-likelihood ln p(X | π, μ, Σ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k).

    The sum over k sits inside the logarithm; it is evaluated as a
    log-sum-exp, so it is finite even when every density underflows.
    """
    return e_step(X, weights, means, covariances)[1]


def responsibilities(X, weights, means, covariances) -> np.ndarray:
    """γ(z_nk) = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j), an (N, K) array.

    The posterior probability that x_n was generated by component k
    (Bayes' rule with prior π_k); each row sums to 1.
    """
    return e_step(X, weights, means, covariances)[0]


def e_step(X, weights, means, covariances):
    """The E step: responsibilities at the current parameters.

    Returns
    -------
    responsibilities : ndarray (N, K)
        γ(z_nk) = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j).
    log_likelihood : float
        Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k) at the same parameters, a by-product
        of the normalisation.
    """
    X = check_data(X)
    weights, means, covariances = check_parameters(weights, means, covariances, X.shape[1])
    return _e_step(X, weights, means, cholesky_factors(covariances))


# ---------------------------------------------------------------------------
# M step


def m_step(X, responsibilities, *, covariance_type: str = "full", reg_covar: float = 1e-6):
    """The M step: maximise the likelihood for fixed responsibilities.

        N_k = Σ_n γ(z_nk)
        π_k = N_k / N
        μ_k = (1/N_k) Σ_n γ(z_nk) x_n
        Σ_k = (1/N_k) Σ_n γ(z_nk) (x_n − μ_k)(x_n − μ_k)ᵀ + reg_covar · I

    ``covariance_type="diag"`` keeps only the diagonal of Σ_k and
    ``"spherical"`` replaces it by its average variance times I.  Returns
    ``(weights, means, covariances)``; covariances are always full (K, D, D).
    """
    X = check_data(X)
    resp = _check_responsibilities(responsibilities, X.shape[0])
    _check_covariance_type(covariance_type)
    reg_covar = check_nonnegative_float(reg_covar, "reg_covar")
    return _m_step(X, resp, covariance_type, reg_covar)


def _m_step(X, resp, covariance_type, reg_covar, iteration=None):
    N, D = X.shape
    Nk = resp.sum(axis=0)
    empty = np.flatnonzero(Nk <= 10 * np.finfo(float).eps)
    if empty.size:
        k = int(empty[0])
        where = f"EM iteration {iteration}: " if iteration is not None else ""
        raise SingularityError(
            f"{where}component {k} lost all of its responsibility mass (N_k = {Nk[k]:.3g}), so its "
            f"mean and covariance are undefined. Use fewer components, another seed or "
            f"initialisation, or n_init > 1."
        )
    weights = Nk / N
    means = (resp.T @ X) / Nk[:, None]
    covariances = np.empty((resp.shape[1], D, D))
    for k in range(resp.shape[1]):
        diff = X - means[k]
        covariances[k] = (resp[:, k] * diff.T) @ diff / Nk[k]
    if covariance_type == "diag":
        covariances = _diagonal_matrices(np.diagonal(covariances, axis1=1, axis2=2))
    elif covariance_type == "spherical":
        variances = np.diagonal(covariances, axis1=1, axis2=2).mean(axis=1)
        covariances = variances[:, None, None] * np.eye(D)
    covariances[:, np.arange(D), np.arange(D)] += reg_covar
    return weights, means, covariances


def _diagonal_matrices(diagonals):
    K, D = diagonals.shape
    out = np.zeros((K, D, D))
    out[:, np.arange(D), np.arange(D)] = diagonals
    return out


# ---------------------------------------------------------------------------
# Sampling


def sample(n: int, weights, means, covariances, *, seed=None):
    """Draw n points by the generative process of the mixture.

    For each point: first draw its component z ~ Categorical(π_1, …, π_K), then
    draw x ~ N(μ_z, Σ_z) as x = μ_z + L_z ε with ε ~ N(0, I).

    Returns
    -------
    X : ndarray (n, D)
    z : ndarray (n,) of int
        The component each point came from; ``np.eye(K)[z]`` is its 1-of-K code.
    """
    n = check_positive_int(n, "n")
    weights, means, covariances = check_parameters(weights, means, covariances)
    rng = as_generator(seed)
    chol = cholesky_factors(covariances)
    z = rng.choice(len(weights), size=n, p=weights)
    eps = rng.standard_normal((n, means.shape[1]))
    X = means[z] + np.einsum("nij,nj->ni", chol[z], eps)
    return X, z


# ---------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True)
class EMStep:
    """The parameters after one EM iteration (iteration 0: the initial ones),
    with the total log-likelihood at those parameters."""

    iteration: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: float


@dataclass(frozen=True)
class GaussianMixtureResult:
    """A fitted Gaussian mixture, returned by :func:`fit_gmm`.

    Attributes
    ----------
    weights, means, covariances : ndarrays (K,), (K, D), (K, D, D)
        π_k, μ_k and Σ_k; covariances are full matrices whatever the type.
    log_likelihood : float
        Σ_n ln p(x_n) at the returned parameters.
    history : tuple of EMStep
        The initial parameters and those after every iteration, each with its
        log-likelihood; enough to replay the run.
    n_iter : int
        The number of EM iterations performed.
    converged : bool
        True if the mean per-sample log-likelihood changed by less than
        ``tol`` before ``max_iter`` was reached.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str
    log_likelihood: float
    history: tuple
    n_iter: int
    converged: bool
    reg_covar: float

    @property
    def n_components(self) -> int:
        return len(self.weights)

    @property
    def log_likelihoods(self) -> np.ndarray:
        """The log-likelihood at iteration 0, 1, …, n_iter."""
        return np.array([step.log_likelihood for step in self.history])

    @property
    def n_parameters(self) -> int:
        """The number p of free parameters, see :func:`n_parameters`."""
        K, D = self.means.shape
        return n_parameters(K, D, self.covariance_type)

    def responsibilities(self, X) -> np.ndarray:
        """γ(z_nk) of the points X under the fitted parameters."""
        return responsibilities(X, self.weights, self.means, self.covariances)

    def predict(self, X) -> np.ndarray:
        """The most responsible component argmax_k γ(z_nk) of each point."""
        return np.argmax(self.responsibilities(X), axis=1)

    def bic(self, X) -> float:
        """Bayesian information criterion −2 ln p(X | θ̂) + p ln N (lower is better)."""
        X = check_data(X)
        return -2.0 * self._total_log_likelihood(X) + self.n_parameters * np.log(X.shape[0])

    def aic(self, X) -> float:
        """Akaike information criterion −2 ln p(X | θ̂) + 2p (lower is better)."""
        X = check_data(X)
        return -2.0 * self._total_log_likelihood(X) + 2 * self.n_parameters

    def _total_log_likelihood(self, X) -> float:
        return log_likelihood(X, self.weights, self.means, self.covariances)


def n_parameters(n_components: int, n_features: int, covariance_type: str = "full") -> int:
    """Free parameters p of a K-component mixture in D dimensions: K − 1 weights
    (they sum to 1), K·D mean entries, and K·D(D+1)/2 (full), K·D (diag) or K
    (spherical) covariance entries."""
    K = check_positive_int(n_components, "n_components")
    D = check_positive_int(n_features, "n_features")
    _check_covariance_type(covariance_type)
    covariance = {"full": K * D * (D + 1) // 2, "diag": K * D, "spherical": K}[covariance_type]
    return (K - 1) + K * D + covariance


def fit_gmm(
    X,
    n_components: int,
    *,
    covariance_type: str = "full",
    init="k-means++",
    max_iter: int = 100,
    tol: float = 1e-6,
    reg_covar: float = 1e-6,
    n_init: int = 1,
    seed=None,
) -> GaussianMixtureResult:
    """Fit a K-component Gaussian mixture to X by maximum likelihood with EM.

    Each iteration is one M step (re-estimate π, μ, Σ from the current
    responsibilities, see :func:`m_step`) followed by one E step (new
    responsibilities, see :func:`e_step`), whose normalisation also gives the
    log-likelihood of the new parameters.  With ``reg_covar=0`` the
    log-likelihood never decreases; ``reg_covar > 0`` perturbs the M step, so
    near convergence it can fall by a tiny amount (of the order of reg_covar).

    Parameters
    ----------
    X : array (N, D)
    n_components : int
        K.
    covariance_type : "full", "diag" or "spherical"
    init : "k-means++", "random" or (weights, means, covariances)
        "k-means++" runs k-means and starts from the M step of its hard
        assignments; "random" starts from the M step of random
        responsibilities; a tuple gives the starting parameters.
    max_iter : int
        The largest number of EM iterations.
    tol : float
        Stop when the mean per-sample log-likelihood, ln p(X | θ) / N, changes
        by less than ``tol``; ``tol=0`` runs all ``max_iter`` iterations.
    reg_covar : float
        Added to the diagonal of every Σ_k in the M step, keeping it positive
        definite; ``reg_covar=0`` is the textbook update, where a component can
        collapse onto a point.
    n_init : int
        Number of runs from different starts; the one with the highest
        log-likelihood is returned.
    seed : None, int or numpy Generator

    Raises
    ------
    SingularityError
        If a component collapses (see the class).
    """
    X = check_data(X)
    K = check_positive_int(n_components, "n_components")
    check_enough_samples(X, K)
    _check_covariance_type(covariance_type)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_nonnegative_float(tol, "tol")
    reg_covar = check_nonnegative_float(reg_covar, "reg_covar")
    n_init = check_positive_int(n_init, "n_init")
    start = _check_init(init, K, X.shape[1])
    rng = as_generator(seed)

    best = None
    for _ in range(n_init):
        result = _fit_once(X, K, covariance_type, start, max_iter, tol, reg_covar, rng)
        if best is None or result.log_likelihood > best.log_likelihood:
            best = result
    return best


def _fit_once(X, K, covariance_type, start, max_iter, tol, reg_covar, rng):
    N = X.shape[0]
    weights, means, covariances = _initial_parameters(X, K, covariance_type, start, reg_covar, rng)
    resp, ll = _e_step(X, weights, means, cholesky_factors(covariances, iteration=0))
    history = [_record(0, weights, means, covariances, ll)]
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        weights, means, covariances = _m_step(X, resp, covariance_type, reg_covar, iteration)
        chol = cholesky_factors(covariances, iteration=iteration)
        resp, new_ll = _e_step(X, weights, means, chol)
        if not np.isfinite(new_ll):
            raise SingularityError(
                f"EM iteration {iteration}: the log-likelihood became {new_ll}; a component has "
                f"collapsed. Set reg_covar > 0 (for example reg_covar=1e-6)."
            )
        history.append(_record(iteration, weights, means, covariances, new_ll))
        change = (new_ll - ll) / N
        ll = new_ll
        if abs(change) < tol:
            converged = True
            break
    return GaussianMixtureResult(
        weights=frozen(weights),
        means=frozen(means),
        covariances=frozen(covariances),
        covariance_type=covariance_type,
        log_likelihood=ll,
        history=tuple(history),
        n_iter=iteration,
        converged=converged,
        reg_covar=reg_covar,
    )


def _record(iteration, weights, means, covariances, ll):
    return EMStep(iteration, frozen(weights.copy()), frozen(means.copy()), frozen(covariances.copy()), ll)


def _initial_parameters(X, K, covariance_type, start, reg_covar, rng):
    if isinstance(start, tuple):
        return start
    if start == "k-means++":
        from .clustering import kmeans

        labels = kmeans(X, K, init="k-means++", seed=rng).labels
        resp = np.zeros((X.shape[0], K))
        resp[np.arange(X.shape[0]), labels] = 1.0
    else:  # "random"
        resp = rng.uniform(size=(X.shape[0], K))
        resp /= resp.sum(axis=1, keepdims=True)
    return _m_step(X, resp, covariance_type, reg_covar, iteration=0)


def _check_init(init, K, D):
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(
                f"init must be 'k-means++', 'random' or a tuple (weights, means, covariances), got {init!r}."
            )
        return init
    if not isinstance(init, (tuple, list)) or len(init) != 3:
        raise TypeError(
            "init must be 'k-means++', 'random' or a tuple (weights, means, covariances) "
            f"of starting parameters, got {type(init).__name__}."
        )
    weights, means, covariances = check_parameters(*init, n_features=D)
    if len(weights) != K:
        raise ValueError(f"init has {len(weights)} components but n_components={K}; they must agree.")
    return weights, means, covariances


def _check_covariance_type(covariance_type):
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {', '.join(map(repr, COVARIANCE_TYPES))}, got {covariance_type!r}."
        )


def _check_responsibilities(resp, n_samples):
    resp = np.asarray(resp, dtype=float)
    if resp.ndim != 2 or resp.shape[0] != n_samples:
        raise ValueError(
            f"responsibilities must have shape (N, K) with N = {n_samples} rows, one per point of X, "
            f"but it has shape {resp.shape}."
        )
    if not np.all(np.isfinite(resp)) or np.any(resp < 0):
        raise ValueError("responsibilities must be finite and non-negative.")
    if not np.allclose(resp.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        raise ValueError("each row of responsibilities must sum to 1 (normalise over components, axis=1).")
    return resp


