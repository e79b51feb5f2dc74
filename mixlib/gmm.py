"""The Gaussian mixture model and its EM algorithm.

The model, in the lecture's notation:

    p(x) = Σ_k π_k N(x | μ_k, Σ_k),        π_k ≥ 0,  Σ_k π_k = 1.

Everything is computed in log space.  A covariance Σ_k enters only through its
Cholesky factor L_k (Σ_k = L_k L_kᵀ): the Mahalanobis distance is the squared
norm of the whitened residual L_k⁻¹(x − μ_k), and ln det Σ_k = 2 Σ_d ln (L_k)_dd.
The residual x − μ_k is formed before it is whitened, so a point far from the
origin loses no digits.  Sums over components of π_k N(x_n | μ_k, Σ_k) are
log-sum-exps, so no density underflows to zero however far a point lies from a
component.

:func:`fit_gmm` is the generic EM loop of :mod:`mixlib.em` with the Gaussian
log-joint ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k) and the Gaussian M step plugged in.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from . import em
from ._validation import (
    as_generator,
    check_covariances,
    check_data,
    check_distributions,
    check_enough_samples,
    check_means,
    check_nonnegative_float,
    check_parameters,
    check_positive_int,
    frozen,
)
from .errors import SingularityError, SingularityWarning

__all__ = [
    "COVARIANCE_TYPES",
    "EMStep",
    "GaussianMixtureResult",
    "SingularityError",
    "check_covariance_type",
    "cholesky_factors",
    "e_step",
    "fit_gmm",
    "log_density",
    "log_gaussian",
    "log_joint",
    "log_likelihood",
    "m_step",
    "n_parameters",
    "responsibilities",
    "sample",
]

COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")
INITS = ("k-means++", "random")
_LOG_2PI = np.log(2.0 * np.pi)
_EPS = np.finfo(float).eps
# A covariance is collapsed when, in units of the data's own spread in each
# column, some conditional variance (a squared Cholesky pivot) is below this.
_COLLAPSE = 10 * _EPS


# ---------------------------------------------------------------------------
# Densities


def cholesky_factors(covariances) -> np.ndarray:
    """Lower Cholesky factors L_k with Σ_k = L_k L_kᵀ, shape (K, D, D).

    Raises :class:`SingularityError` naming the component if some Σ_k is not
    positive definite.
    """
    covariances = np.asarray(covariances, dtype=float)
    try:
        return np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        k = _first_not_positive_definite(covariances)
        raise SingularityError(
            f"component {k} collapsed: its covariance is not positive definite "
            f"(smallest eigenvalue {_smallest_eigenvalue(covariances[k]):.3g}), so the likelihood "
            f"is unbounded there. Set reg_covar > 0 (for example reg_covar=1e-6), use "
            f"prior='default', or try another initialisation."
        ) from None


def _first_not_positive_definite(covariances):
    for k, sigma in enumerate(covariances):
        try:
            np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return k
    return 0  # pragma: no cover


def _smallest_eigenvalue(sigma):
    return np.linalg.eigvalsh(sigma).min() if np.all(np.isfinite(sigma)) else np.nan


def _log_gaussian(XT, means, chol, log_unit=0.0):
    """ln N(x_n | μ_k, Σ_k) for all n, k, from the Cholesky factors; shape (N, K).

    ``XT`` is the data transposed, D × N and C-contiguous: every step below then
    runs along the N points, not along a short row of D numbers.  ``log_unit`` =
    Σ_d ln g_d when X, μ and L are in units g_d of the data's columns (ln det Σ in
    data units is then ln det(L Lᵀ) + 2 Σ_d ln g_d).  A Mahalanobis distance that
    overflows is +∞, so the log-density is −∞, never NaN.
    """
    D, N = XT.shape
    K = means.shape[0]
    out = np.empty((K, N))
    # The inverse factors L_k⁻¹, all K in one call: small triangular D × D matrices
    # (Σ_k itself is never inverted).
    inverse_factors = np.linalg.inv(chol)
    residual = np.empty_like(XT)
    y = np.empty_like(XT)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(K):
            # The residual x_n − μ_k first, then its whitened form y_n = L_k⁻¹(x_n − μ_k):
            # ‖y_n‖² is the Mahalanobis distance (x_n − μ_k)ᵀ Σ_k⁻¹ (x_n − μ_k).
            np.subtract(XT, means[k][:, None], out=residual)
            np.matmul(inverse_factors[k], residual, out=y)
            np.square(y, out=y)
            y.sum(axis=0, out=out[k])
        # NaN only from inf − inf inside an overflowing product: the distance overflowed.
        out[np.isnan(out)] = np.inf
    log_det = 2.0 * (np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1) + log_unit)
    out += (D * _LOG_2PI + log_det)[:, None]
    out *= -0.5
    # Returned as the (N, K) transpose: the E step's reductions over k then also
    # run along contiguous memory.
    return out.T


def _transposed(X):
    return np.ascontiguousarray(X.T)


def _log_joint(XT, weights, means, chol, log_unit=0.0):
    """ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k), shape (N, K), from the transposed data."""
    with np.errstate(divide="ignore"):  # a weight of exactly 0 gives ln 0 = −inf, which is right
        log_weights = np.log(weights)
    out = _log_gaussian(XT, means, chol, log_unit)
    out += log_weights
    return out


def log_gaussian(X, means, covariances) -> np.ndarray:
    """Component log-densities ln N(x_n | μ_k, Σ_k), an (N, K) array.

    N(x | μ, Σ) = (2π)^(−D/2) det(Σ)^(−1/2) exp(−½ (x − μ)ᵀ Σ⁻¹ (x − μ)).
    A point so far from a component that its squared Mahalanobis distance
    overflows (beyond ~1e154 standard deviations) gets −inf.
    """
    X = check_data(X)
    means = check_means(means, n_features=X.shape[1])
    covariances = check_covariances(covariances, *means.shape)
    return _log_gaussian(_transposed(X), means, cholesky_factors(covariances))


def log_joint(X, weights, means, covariances) -> np.ndarray:
    """ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k), the (N, K) array every E step normalises."""
    X = check_data(X)
    weights, means, covariances = check_parameters(weights, means, covariances, X.shape[1])
    return _log_joint(_transposed(X), weights, means, cholesky_factors(covariances))


def e_step(X, weights, means, covariances):
    """The E step: responsibilities at the current parameters.

    Returns
    -------
    responsibilities : ndarray (N, K)
        γ(z_nk) = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j).
    log_likelihood : float
        Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k) at the same parameters, a by-product
        of the normalisation (see :func:`mixlib.em.posterior`).

    Raises ``ValueError`` for a point whose log-density is outside the
    floating-point range (see :func:`mixlib.em.posterior`), never NaN.
    """
    resp, log_evidence = em.posterior(log_joint(X, weights, means, covariances))
    return resp, em.total_log_likelihood(log_evidence)


def log_density(X, weights, means, covariances) -> np.ndarray:
    """ln p(x_n) = ln Σ_k π_k N(x_n | μ_k, Σ_k) for each point, shape (N,)."""
    return em.posterior(log_joint(X, weights, means, covariances))[1]


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


# ---------------------------------------------------------------------------
# M step


def m_step(X, responsibilities, *, covariance_type: str = "full", reg_covar: float = 1e-6):
    """The M step: with the responsibilities frozen at q_nk (the E step's γ(z_nk)),
    maximise Q_q(θ) = Σ_n Σ_k q_nk [ln π_k + ln N(x_n | μ_k, Σ_k)] over θ.

        N_k = Σ_n q_nk                                  (must be > 0)
        π_k = N_k / N
        μ_k = (1/N_k) Σ_n q_nk x_n
        Σ_k = S_k / N_k + reg_covar · I,   S_k = Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ

    With ``reg_covar=0`` this is the maximiser of Q_q whenever every S_k is
    positive definite (otherwise Q_q has no maximiser).  ``reg_covar = ρ > 0``
    adds ρI to that maximiser; the result is not the maximiser of Q_q, nor of
    Q_q over the covariances whose every eigenvalue is ≥ ρ.  It maximises
    Q_q − (ρ/2) Σ_k N_k tr Σ_k⁻¹, whose penalty changes with q (through N_k),
    so no fixed objective is guaranteed to rise, and an EM iteration with it
    can lower the log-likelihood.

    ``covariance_type="diag"`` keeps only the diagonal of Σ_k, ``"spherical"``
    replaces it by its average variance times I, and ``"tied"`` shares one
    Σ = (1/N) Σ_k Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ + reg_covar · I among all
    components.  Returns ``(weights, means, covariances)``; covariances are
    always full (K, D, D).  ``reg_covar`` is in the data's units (a variance).
    """
    X = check_data(X)
    resp = check_distributions(responsibilities, "responsibilities", n_samples=X.shape[0])
    check_covariance_type(covariance_type)
    reg_covar = check_nonnegative_float(reg_covar, "reg_covar")
    return _m_step(X, resp, covariance_type, reg_covar)


def _m_step(X, resp, covariance_type, reg_covar, XT=None):
    """The M step without argument checks; ``XT``, X transposed and C-contiguous, if at hand."""
    N, D = X.shape
    K = resp.shape[1]
    Nk = resp.sum(axis=0)
    empty = np.flatnonzero(Nk <= 10 * _EPS)
    if empty.size:
        k = int(empty[0])
        raise SingularityError(
            f"component {k} lost all of its responsibility mass (N_k = {Nk[k]:.3g}), so its "
            f"mean and covariance are undefined. Use fewer components, another seed or "
            f"initialisation, n_init > 1, or prior='default'."
        )
    weights = Nk / N
    means = (resp.T @ X) / Nk[:, None]
    # The scatter Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ as R Rᵀ with columns √q_nk (x_n − μ_k):
    # one symmetric product per component, exactly symmetric.
    XT = _transposed(X) if XT is None else XT
    root = np.sqrt(resp.T)
    scatter = np.empty((K, D, D))
    residual = np.empty_like(XT)
    for k in range(K):
        np.subtract(XT, means[k][:, None], out=residual)
        residual *= root[k]
        scatter[k] = residual @ residual.T
    if covariance_type == "tied":
        covariances = np.repeat(scatter.sum(axis=0)[None] / N, K, axis=0)
    else:
        covariances = scatter / Nk[:, None, None]
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
    """Draw ``n`` points by the generative process of the mixture.

    For each point: first draw its component z ~ Categorical(π_1, …, π_K), then
    draw x ~ N(μ_z, Σ_z) as x = μ_z + L_z η with η ~ N(0, I).

    Returns
    -------
    X : ndarray of shape (``n``, D)
    z : ndarray of shape (``n``,), of int
        The component each point came from; ``np.eye(K)[z]`` is its 1-of-K code.
    """
    n = check_positive_int(n, "n")
    weights, means, covariances = check_parameters(weights, means, covariances)
    rng = as_generator(seed)
    chol = cholesky_factors(covariances)
    z = rng.choice(len(weights), size=n, p=weights / weights.sum())
    eta = rng.standard_normal((n, means.shape[1]))
    X = means[z] + np.einsum("nij,nj->ni", chol[z], eta)
    return X, z


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class EMStep:
    """The parameters after one EM iteration (iteration 0: the initial ones),
    with the total log-likelihood at those parameters and, for a fit with a
    prior, the log posterior ln p(X | θ) + ln p(θ) (None without one)."""

    iteration: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: float
    log_posterior: float | None = None


@dataclass(frozen=True)
class GaussianMixtureResult:
    """A fitted Gaussian mixture, returned by :func:`fit_gmm`.

    Attributes
    ----------
    weights, means, covariances : ndarrays (K,), (K, D), (K, D, D)
        π_k, μ_k and Σ_k; covariances are full matrices whatever the type
        (for ``"tied"`` all K are the same matrix).
    log_likelihood : float
        Σ_n ln p(x_n) at the returned parameters (the MAP parameters under a prior).
    history : tuple of EMStep
        The initial parameters and those after every iteration, each with its
        log-likelihood; enough to replay the run.  Empty for a fit with
        ``keep_history=False``.
    n_iter : int
        The number of EM iterations performed.
    converged : bool
        True if the mean per-sample objective changed by less than ``tol``
        before ``max_iter`` was reached.
    reg_covar : float
        The regulariser used (0 under a prior).
    log_posterior : float or None
        ln p(X | θ) + ln p(θ) at the returned parameters, the objective MAP-EM
        increases; None without a prior.
    prior : ConjugatePrior or None
    log_likelihoods, log_posteriors : ndarray (n_iter + 1,)
        The traces at iterations 0, 1, …, n_iter, kept even without the history
        (``log_posteriors`` is None without a prior).
    n_collapsed : int
        How many of the ``n_init`` starts collapsed and were skipped.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str
    log_likelihood: float
    history: tuple = field(repr=False)
    n_iter: int
    converged: bool
    reg_covar: float
    log_posterior: float | None = None
    prior: object = None
    log_likelihoods: np.ndarray = field(default=None, repr=False)
    log_posteriors: np.ndarray | None = field(default=None, repr=False)
    n_collapsed: int = 0

    def __post_init__(self):
        if self.log_likelihoods is None:
            trace = np.array([step.log_likelihood for step in self.history])
            object.__setattr__(self, "log_likelihoods", frozen(trace))

    @property
    def n_components(self) -> int:
        return len(self.weights)

    @property
    def n_parameters(self) -> int:
        """The number P of free parameters, see :func:`n_parameters`."""
        K, D = self.means.shape
        return n_parameters(K, D, self.covariance_type)

    def log_density(self, X) -> np.ndarray:
        """ln p(x_n) of each point under the fitted mixture, shape (N,)
        (scikit-learn's ``score_samples``)."""
        return log_density(X, self.weights, self.means, self.covariances)

    def responsibilities(self, X) -> np.ndarray:
        """γ(z_nk) of the points X under the fitted parameters."""
        return responsibilities(X, self.weights, self.means, self.covariances)

    def predict(self, X) -> np.ndarray:
        """The most responsible component argmax_k γ(z_nk) of each point."""
        return np.argmax(self.responsibilities(X), axis=1)

    def sample(self, n: int, *, seed=None):
        """Draw ``n`` points from the fitted mixture; returns ``(X, z)`` as :func:`sample`."""
        return sample(n, self.weights, self.means, self.covariances, seed=seed)

    def bic(self, X) -> float:
        """Bayesian information criterion −2 ln p(X | θ̂) + P ln N (lower is better)."""
        X = check_data(X)
        return -2.0 * self._total_log_likelihood(X) + self.n_parameters * np.log(X.shape[0])

    def aic(self, X) -> float:
        """Akaike information criterion −2 ln p(X | θ̂) + 2P (lower is better)."""
        X = check_data(X)
        return -2.0 * self._total_log_likelihood(X) + 2 * self.n_parameters

    def _total_log_likelihood(self, X) -> float:
        return log_likelihood(X, self.weights, self.means, self.covariances)


def n_parameters(n_components: int, n_features: int, covariance_type: str = "full") -> int:
    """Free parameters P of a K-component mixture in D dimensions: K − 1 weights
    (they sum to 1), K·D mean entries, and K·D(D+1)/2 (full), D(D+1)/2 (tied,
    one shared matrix), K·D (diag) or K (spherical) covariance entries."""
    K = check_positive_int(n_components, "n_components")
    D = check_positive_int(n_features, "n_features")
    check_covariance_type(covariance_type)
    covariance = {"full": K * D * (D + 1) // 2, "tied": D * (D + 1) // 2, "diag": K * D, "spherical": K}
    return (K - 1) + K * D + covariance[covariance_type]


# ---------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True)
class _Units:
    """EM runs on u_n = (x_n − c) / g, elementwise, with c the data's mean and g_d a
    power of two near the largest deviation in column d (one g for all columns
    when the model is not equivariant under a change of one column's units:
    spherical covariances, a scalar prior scale).  Translating X or changing the
    units of its columns changes nothing but c and g (a power of two scales
    exactly), and squared distances cannot overflow however large or small the
    data's numbers are."""

    centre: np.ndarray
    unit: np.ndarray  # (D,)
    column_sd: np.ndarray  # each column's sd in units of g; 1 for a constant column

    @classmethod
    def of(cls, X, per_column):
        centre = X.mean(axis=0)
        deviation = np.abs(X - centre).max(axis=0)
        if not per_column:
            deviation = np.full_like(deviation, deviation.max())
        unit = np.where(deviation > 0, 2.0 ** np.frexp(deviation)[1], 1.0)
        sd = ((X - centre) / unit).std(axis=0)
        return cls(centre, unit, np.where(sd > 0, sd, 1.0))

    @property
    def log_unit(self):
        """ln det diag(g), what ln N(x | μ, Σ) loses in the change of variables x → u."""
        return float(np.log(self.unit).sum())

    @property
    def overall(self):
        """One unit for scalar quantities: the largest g_d (all equal when not per column)."""
        return float(self.unit.max())

    def data(self, X):
        return (X - self.centre) / self.unit

    def for_kmeans(self, X):
        """Centred data in one unit for all columns, since k-means is not invariant
        to a change of one column's units."""
        return (X - self.centre) / self.overall

    def variance(self, value):
        """A variance in data units (reg_covar) as the diagonal, in units g_d²."""
        return value / self.unit**2

    def inward(self, weights, means, covariances):
        return weights, (means - self.centre) / self.unit, covariances / np.outer(self.unit, self.unit)

    def outward(self, weights, means, covariances):
        return weights, means * self.unit + self.centre, covariances * np.outer(self.unit, self.unit)


@dataclass(frozen=True)
class _Gaussians:
    """θ in the units of :class:`_Units`, with the Cholesky factors the E step needs."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    chol: np.ndarray


def _gaussian_family(units, covariance_type, reg_covar, prior, data_prior):
    """The Gaussian mixture as a :class:`mixlib.em.MixtureFamily`, on data in ``units``."""
    inner_reg = units.variance(reg_covar)
    transposed = {}  # the loop's data, transposed once for the whole fit

    def data_t(U):
        if transposed.get("of") is not U:
            transposed.update({"of": U, "T": _transposed(U)})
        return transposed["T"]

    def make(weights, means, covariances):
        return _Gaussians(weights, means, covariances, _checked_cholesky(covariances, units, reg_covar, prior))

    def log_joint_(U, theta):
        return _log_joint(data_t(U), theta.weights, theta.means, theta.chol, units.log_unit)

    if prior is None:

        def m_step_(U, resp):
            return make(*_m_step(U, resp, covariance_type, inner_reg, data_t(U)))

        return em.MixtureFamily(log_joint_, m_step_, None, "Gaussian mixture"), make

    from . import prior as priors

    def m_step_(U, resp):
        return make(*priors.map_m_step(U, resp, prior, covariance_type))

    def log_prior_(theta):
        _, means, covariances = units.outward(theta.weights, theta.means, theta.covariances)
        return priors.log_prior(data_prior, means, covariances, covariance_type)

    return em.MixtureFamily(log_joint_, m_step_, log_prior_, "Gaussian mixture"), make


def _checked_cholesky(covariances, units, reg_covar, prior):
    """Cholesky factors of a new iterate, raising :class:`SingularityError` if some
    Σ_k has collapsed.

    Judged on V^(−1/2) Σ_k V^(−1/2), V = diag of the data's variances: the squared
    pivots of its Cholesky factor are the conditional variances of Σ_k in units of
    each column's own spread, and one below 10 machine epsilons means the component is singular
    to rounding.  The verdict does not depend on the units of any column (comparing
    pivots across columns, as a condition number does, would)."""
    try:
        chol = np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        k = _first_not_positive_definite(covariances)
        raise SingularityError(
            f"component {k} collapsed: its covariance is no longer positive definite "
            f"(smallest eigenvalue {_smallest_eigenvalue(units.outward(None, 0, covariances[k])[2]):.3g}), "
            f"so the likelihood is unbounded there. {_remedy(units, reg_covar, prior, None)}"
        ) from None
    pivots = np.diagonal(chol, axis1=1, axis2=2) / units.column_sd
    k, d = np.unravel_index(np.argmin(pivots), pivots.shape)
    if pivots[k, d] ** 2 < _COLLAPSE:
        raise SingularityError(
            f"component {k} collapsed: its covariance is singular up to rounding at the data's "
            f"scale (in column {d} its conditional variance is {pivots[k, d] ** 2:.2g} of the data's "
            f"variance: it has shrunk onto fewer than D + 1 points or onto a lower-dimensional "
            f"set), so the likelihood is unbounded there. {_remedy(units, reg_covar, prior, d)}"
        )
    return chol


def _remedy(units, reg_covar, prior, column):
    if prior is not None:
        return "Try another initialisation or a prior with a larger scale."
    if reg_covar == 0:
        return (
            "Set reg_covar > 0 (for example reg_covar=1e-6, in the data's units), use "
            "prior='default', or try another initialisation."
        )
    d = int(np.argmin(units.column_sd)) if column is None else int(column)
    sd = units.column_sd[d] * units.unit[d]
    return (
        f"reg_covar={reg_covar:g} is negligible at the scale of column {d} (sd {sd:.3g}): reg_covar is "
        f"in the data's units, so raise it (e.g. to {1e-6 * sd**2:.3g}), standardise X, or use "
        f"prior='default'."
    )


def fit_gmm(
    X,
    n_components: int,
    *,
    covariance_type: str = "full",
    init="k-means++",
    max_iter: int = 500,
    tol: float = 1e-6,
    reg_covar: float = 1e-6,
    n_init: int = 1,
    seed=None,
    prior=None,
    keep_history: bool = True,
) -> GaussianMixtureResult:
    """Fit a K-component Gaussian mixture to X by maximum likelihood (or MAP) with EM.

    Each iteration is one M step (re-estimate π, μ, Σ from the current
    responsibilities, see :func:`m_step`) followed by one E step (new
    responsibilities, see :func:`e_step`), whose normalisation also gives the
    log-likelihood of the new parameters; the loop is :func:`mixlib.em.fit_mixture`.
    With ``reg_covar=0`` the log-likelihood never decreases (while every M step
    has a maximiser); ``reg_covar > 0`` adds ρI after the M step, which is not an
    M step of any fixed objective, so the log-likelihood can fall at any iteration, by
    far more than reg_covar when reg_covar is not small against the data's
    variances.  With a prior the log posterior never decreases.

    The fit is the same (to rounding) when X is translated or scaled by one
    factor; with ``reg_covar=0`` it is the same when any column's units change
    (except for spherical covariances, which compare columns, and for the
    k-means++ start, since k-means is not invariant to rescaling a column).
    ``reg_covar`` is a variance in the data's units, so it is *not*
    unit-invariant: scale it with the data.

    Parameters
    ----------
    X : array (N, D)
    n_components : int
        K.
    covariance_type : "full", "diag", "spherical" or "tied"
        "tied" shares one covariance among all components.
    init : "k-means++", "random" or (weights, means, covariances)
        "k-means++" runs k-means and starts from the M step of its hard
        assignments; "random" starts from the M step of random
        responsibilities; a tuple gives the starting parameters.
    max_iter : int
        The largest number of EM iterations.
    tol : float
        Stop when the mean per-sample log-likelihood, ln p(X | θ) / N (the log
        posterior under a prior), changes by less than ``tol``; ``tol=0`` runs
        all ``max_iter`` iterations.
    reg_covar : float
        Added to the diagonal of every Σ_k in the M step, keeping it positive
        definite; ``reg_covar=0`` is the textbook update, where a component can
        collapse onto a point.
    n_init : int
        Number of runs from different starts; the one with the highest
        objective is returned.  Starts that collapse are skipped with a
        :class:`~mixlib.SingularityWarning`; only if all collapse is the error raised.
    seed : None, int or numpy Generator
    prior : None, "default" or ConjugatePrior
        MAP-EM with the conjugate prior of :mod:`mixlib.prior` ("default" is
        :func:`mixlib.prior.default_prior` of X).  The prior keeps every
        covariance positive definite, so reg_covar is not added: leave it at its
        default (or 0); any other value raises ``ValueError``.
    keep_history : bool
        Keep every iterate in ``history`` (the default); with False only the
        traces ``log_likelihoods`` (and ``log_posteriors``) are kept.

    Raises
    ------
    SingularityError
        If a component collapses in every start (see the class).

    Warns
    -----
    ConvergenceWarning
        If the returned run stopped at ``max_iter`` before meeting ``tol > 0``.
    SingularityWarning
        If some starts collapsed, or the returned fit has a covariance whose
        smallest eigenvalue is reg_covar to rounding: a spurious maximum made by
        the regulariser (a component on points that share a value).
    """
    X = check_data(X)
    K = check_positive_int(n_components, "n_components")
    check_enough_samples(X, K)
    check_covariance_type(covariance_type)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_nonnegative_float(tol, "tol")
    reg_covar = check_nonnegative_float(reg_covar, "reg_covar")
    n_init = check_positive_int(n_init, "n_init")
    if not isinstance(keep_history, (bool, np.bool_)):
        raise TypeError(f"keep_history must be True or False, got {keep_history!r}.")
    start = _check_init(init, K, X.shape[1])
    rng = as_generator(seed)
    data_prior = None
    if prior is not None:
        from . import prior as priors

        data_prior = priors.resolve_prior(prior, X, K, covariance_type)
        if reg_covar not in (0.0, 1e-6):
            raise ValueError(
                f"reg_covar={reg_covar:g} was given with a prior; the prior already keeps every "
                f"covariance positive definite, so reg_covar is not used: leave it at its default."
            )
        reg_covar = 0.0

    scalar_prior = data_prior is not None and np.ndim(data_prior.scale) == 0
    units = _Units.of(X, per_column=covariance_type != "spherical" and not scalar_prior)
    _check_representable(units)
    U = units.data(X)
    inner_prior = None if data_prior is None else _prior_in(units, data_prior)
    family, make = _gaussian_family(units, covariance_type, reg_covar, inner_prior, data_prior)

    def draw(rng):
        if isinstance(start, tuple):
            return make(*units.inward(*start))
        return make(*_initial_parameters(X, units, K, covariance_type, start, reg_covar, inner_prior, rng))

    fit = em.fit_mixture(
        U, family, draw, max_iter=max_iter, tol=tol, n_init=n_init, seed=rng, keep_history=keep_history, _stacklevel=3
    )
    weights, means, covariances = units.outward(fit.params.weights, fit.params.means, fit.params.covariances)
    history = tuple(
        EMStep(
            step.iteration,
            *(frozen(a) for a in units.outward(step.params.weights, step.params.means, step.params.covariances)),
            step.log_likelihood,
            step.log_posterior,
        )
        for step in fit.history
    )
    if reg_covar > 0:
        _warn_if_on_the_regulariser(covariances, reg_covar, units)
    return GaussianMixtureResult(
        weights=frozen(weights),
        means=frozen(means),
        covariances=frozen(covariances),
        covariance_type=covariance_type,
        log_likelihood=fit.log_likelihood,
        history=history,
        n_iter=fit.n_iter,
        converged=fit.converged,
        reg_covar=reg_covar,
        log_posterior=fit.log_posterior,
        prior=data_prior,
        log_likelihoods=fit.log_likelihoods,
        log_posteriors=fit.log_posteriors,
        n_collapsed=fit.n_collapsed,
    )


def _check_representable(units):
    """Covariances are returned in the data's units, so each column's variance must be a
    float64 with room to spare for narrower and wider components."""
    sd = units.column_sd * units.unit
    outside = np.flatnonzero((sd < 1e-145) | (sd > 1e145))
    if outside.size:
        d = int(outside[0])
        raise ValueError(
            f"column {d} of X has standard deviation {sd[d]:.3g}, so its variance (the unit of every "
            f"covariance) is outside the float64 range; rescale X, e.g. with mixlib.standardise, "
            f"and fit in the new units."
        )


def _prior_in(units, prior):
    """The prior of the parameters in :class:`_Units`: μ_P moves and Λ scales like a covariance."""
    from dataclasses import replace

    mean = (np.asarray(prior.mean) - units.centre) / units.unit
    if np.ndim(prior.scale) == 0:  # then every g_d is the same
        return replace(prior, mean=mean, scale=prior.scale / units.overall**2)
    return replace(prior, mean=mean, scale=np.asarray(prior.scale) / np.outer(units.unit, units.unit))


def _warn_if_on_the_regulariser(covariances, reg_covar, units):
    """Warn if some Σ_k − reg_covar·I, the scatter the data gave the component, is
    singular to rounding: judged in units of each column's spread, like the collapse test."""
    D = covariances.shape[1]
    spread = units.column_sd * units.unit
    scatter = (covariances - reg_covar * np.eye(D)) / np.outer(spread, spread)
    eigenvalues = np.linalg.eigvalsh(scatter)
    on_floor = np.flatnonzero(eigenvalues[:, 0] <= 1e3 * _EPS * eigenvalues[:, -1])
    if on_floor.size:
        which = ", ".join(str(int(k)) for k in on_floor)
        several = on_floor.size > 1
        warnings.warn(
            f"component{'s' if several else ''} {which} sit{'' if several else 's'} on the regulariser: "
            f"the smallest eigenvalue of {'their covariances' if several else 'its covariance'} is "
            f"reg_covar={reg_covar:g} to rounding, so this maximum exists only because of reg_covar "
            f"(the component holds points that share a value in some direction). Treat the fit "
            f"as spurious: try other starts, fewer components, or prior='default'.",
            SingularityWarning,
            stacklevel=3,
        )


def _initial_parameters(X, units, K, covariance_type, start, reg_covar, prior, rng):
    U = units.data(X)
    if start == "k-means++":
        from .clustering import kmeans

        labels = kmeans(units.for_kmeans(X), K, init="k-means++", seed=rng).labels
        resp = np.zeros((U.shape[0], K))
        resp[np.arange(U.shape[0]), labels] = 1.0
    else:  # "random"
        resp = rng.uniform(size=(U.shape[0], K))
        resp /= resp.sum(axis=1, keepdims=True)
    if prior is not None:
        from . import prior as priors

        return priors.map_m_step(U, resp, prior, covariance_type)
    return _m_step(U, resp, covariance_type, units.variance(reg_covar))


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


def check_covariance_type(covariance_type):
    """Raise ``ValueError`` unless ``covariance_type`` is one of :data:`COVARIANCE_TYPES`."""
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {', '.join(map(repr, COVARIANCE_TYPES))}, got {covariance_type!r}."
        )
