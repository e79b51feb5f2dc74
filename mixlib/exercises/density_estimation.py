"""Checkers for the exercises of "Density estimation and Old Faithful".

- :func:`check_log_gaussian`: ln N(x_n | μ, Σ) through the Cholesky factor of Σ;
- :func:`check_mixture_density`: p(x) = Σ_k π_k N(x | μ_k, σ_k²) in one dimension.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy.linalg import solve_triangular

from .. import gmm
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_arrays, same_answer

_LOG_2PI = np.log(2.0 * np.pi)


# ---------------------------------------------------------------------------
# The Gaussian log-density


def _log_gaussian_cases() -> list[Case]:
    rng = np.random.default_rng(20261123)
    X2 = rng.normal(size=(20, 2))
    correlated = (np.array([1.0, -2.0]), np.array([[2.0, 0.8], [0.8, 1.0]]))
    X_corr = correlated[0] + rng.normal(size=(25, 2)) @ np.linalg.cholesky(correlated[1]).T
    X1 = rng.normal(loc=0.5, scale=2.0, size=(15, 1))
    X_far = np.vstack([X_corr[:4], [[60.0, -80.0], [1e3, 1e3], [-2e3, 5e2]]])
    ridge = np.array([[1.0, 0.999999], [0.999999, 1.0]])
    X_ridge = rng.normal(size=(12, 1)) * [1.0, 1.0] + 1e-3 * rng.normal(size=(12, 2))
    X3 = rng.normal(size=(10, 3))
    three = (np.array([0.0, 1.0, -1.0]), np.diag([0.5, 1.0, 3.0]))
    return [
        Case("standard normal in 2-D", (X2, np.zeros(2), np.eye(2))),
        Case("correlated 2-D Gaussian", (X_corr, *correlated)),
        Case("one dimension (D = 1)", (X1, np.array([0.5]), np.array([[4.0]]))),
        Case("points far from the mean", (X_far, *correlated)),
        Case("nearly singular covariance (correlation 0.999999)", (X_ridge, np.zeros(2), ridge)),
        Case("three dimensions", (X3, *three)),
    ]


def _log_gaussian_reference(X, mean, covariance):
    return gmm.log_gaussian(X, mean[None, :], covariance[None, :, :])[:, 0]


def _log_gaussian_variant(*, two_pi=lambda D: D / 2, log_det=0.5, quadratic=0.5, residual="L"):
    """ln N(x | μ, Σ) with its terms weighted otherwise, or its quadratic form taken the wrong way:
    −two_pi(D) ln 2π − log_det · ln det Σ − quadratic · (the residual's squared length)."""

    def log_gaussian(X, mean, covariance):
        L = np.linalg.cholesky(covariance)
        u = (X - mean).T
        squared = {
            "L": lambda: np.sum(solve_triangular(L, u, lower=True) ** 2, axis=0),
            "Lᵀ": lambda: np.sum(solve_triangular(L.T, u, lower=False) ** 2, axis=0),
            "Σ": lambda: np.sum(u * (covariance @ u), axis=0),
        }[residual]()
        return -two_pi(X.shape[1]) * _LOG_2PI - log_det * 2 * np.sum(np.log(np.diag(L))) - quadratic * squared

    return log_gaussian


LOG_GAUSSIAN = Exercise(
    "log-density of a Gaussian",
    hint="L = np.linalg.cholesky(covariance); solve L ũ_n = x_n − μ with scipy.linalg.solve_triangular(L, (X - "
    "mean).T, lower=True); then ln N = −½ (D ln 2π + 2 Σ_d ln L_dd + ‖ũ_n‖²).",
    mistakes=(
        Mistake(
            "density, not its log",
            lambda X, m, c: np.exp(_log_gaussian_reference(X, m, c)),
            "you returned the density N(x | μ, Σ) itself; the exercise asks for its logarithm.",
        ),
        Mistake(
            "log of the density",
            lambda X, m, c: np.log(np.exp(_log_gaussian_reference(X, m, c))),
            "underflowed to 0 before the logarithm was taken",
            by_answer=False,
        ),
        Mistake(
            "no ½ in the quadratic form",
            _log_gaussian_variant(quadratic=1.0),
            "the quadratic form (x − μ)ᵀ Σ⁻¹ (x − μ) is missing its factor ½.",
        ),
        Mistake(
            "Σ for Σ⁻¹",
            _log_gaussian_variant(residual="Σ"),
            "you used Σ where its inverse belongs: the quadratic form is (x − μ)ᵀ Σ⁻¹ (x − μ); "
            "with Σ = L Lᵀ it equals ‖L⁻¹(x − μ)‖².",
        ),
        Mistake(
            "solved with Lᵀ",
            _log_gaussian_variant(residual="Lᵀ"),
            "you solved with Lᵀ instead of L: with Σ = L Lᵀ the whitened residual is ũ = L⁻¹(x − μ) "
            "(solve L ũ = x − μ with lower=True).",
        ),
        Mistake("no 2π", _log_gaussian_variant(two_pi=lambda D: 0.0), "you left out the term −(D/2) ln 2π."),
        Mistake(
            "½ ln 2π",
            _log_gaussian_variant(two_pi=lambda D: 0.5),
            "you used −½ ln 2π; in D dimensions the term is −(D/2) ln 2π.",
        ),
        Mistake("no determinant", _log_gaussian_variant(log_det=0.0), "you left out the term −½ ln det Σ."),
        Mistake(
            "ln det Σ without ½",
            _log_gaussian_variant(log_det=1.0),
            "you used −ln det Σ; the term is −½ ln det Σ (the square root of the determinant). "
            "From the Cholesky factor, ln det Σ = 2 Σ_d ln L_dd.",
        ),
        Mistake(
            "¼ ln det Σ",
            _log_gaussian_variant(log_det=0.25),
            "you used −¼ ln det Σ; from the Cholesky factor, ln det Σ = 2 Σ_d ln L_dd, so −½ ln det Σ = −Σ_d ln L_dd.",
        ),
        Mistake(
            "a column, not a vector",
            lambda X, m, c: _log_gaussian_reference(X, m, c)[:, None],
            "return a 1-D array",
            by_answer=False,
        ),
    ),
)


@LOG_GAUSSIAN.checker
def check_log_gaussian(student) -> Feedback:
    """Check ``student(X, mean, covariance)``, which should return ln N(x_n | μ, Σ) for each row x_n of X,
    an array of shape (N,), computed from the Cholesky factor L of Σ = L Lᵀ."""

    def compare(got, expected, case):
        got = as_array(got, "your log-densities")
        X = case.args[0]
        if got.shape == (len(X), 1):
            raise Mismatch(
                f"your log-densities have shape {got.shape}; return a 1-D array of shape "
                f"({len(X)},), one number per point (e.g. with .ravel())."
            )
        if got.shape == expected.shape and np.any(np.isneginf(got)):
            raise Mismatch(
                "you returned −inf for a point far from the mean: the density underflowed to "
                "0 before the logarithm was taken. Stay in log space: "
                "ln N = −½ (D ln 2π + ln det Σ + ‖L⁻¹(x − μ)‖²)."
            )
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            offset = got - expected
            if np.ptp(offset) < 1e-6 * (1.0 + np.abs(expected).max()) and abs(offset.mean()) > 1e-6:
                raise Mismatch(
                    f"your log-densities are off by the same constant ({offset.mean():.6g}) at "
                    "every point, so the quadratic form is right but the normalising constant "
                    "is wrong: it is −(D/2) ln 2π − ½ ln det Σ."
                )
        compare_arrays(got, expected, "your log-densities")

    return LOG_GAUSSIAN.check(student, _log_gaussian_cases(), _log_gaussian_reference, compare)


# ---------------------------------------------------------------------------
# The density of a 1-D mixture


def _mixture_density_cases() -> list[Case]:
    rng = np.random.default_rng(20261124)
    x = np.linspace(-6.0, 7.0, 41)
    three = (np.array([0.5, 0.3, 0.2]), np.array([-2.0, 0.5, 3.0]), np.array([0.8, 0.5, 1.2]))
    unequal = (np.array([0.7, 0.3]), np.array([0.0, 0.2]), np.array([0.1, 3.0]))
    zero = (np.array([0.6, 0.0, 0.4]), np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.4, 0.7]))
    one = (np.array([1.0]), np.array([1.5]), np.array([2.0]))
    tails = np.concatenate([[-12.0, -9.5], rng.uniform(-3.0, 5.0, size=6), [10.0, 14.0]])
    return [
        Case("three components", (x, *three)),
        Case("one component (K = 1)", (x, *one)),
        Case("a narrow and a broad component", (x, *unequal)),
        Case("a component with weight 0", (x, *zero)),
        Case("points in the tails", (tails, *three)),
    ]


def _gaussians_1d(x, means, variances):
    """N(x | μ_k, v_k) at every entry x of x, as a (len(x), K) array."""
    return np.exp(-0.5 * (x[:, None] - means) ** 2 / variances) / np.sqrt(2 * np.pi * variances)


def _mixture_density_reference(x, weights, means, sigmas):
    return np.exp(gmm.log_density(x[:, None], weights, means[:, None], (sigmas**2)[:, None, None]))


MIXTURE_DENSITY = Exercise(
    "density of a 1-D mixture",
    hint="broadcast x[:, None] against the (K,) parameters to get a (len(x), K) array of N(x | μ_k, σ_k²), "
    "then take its matrix product with the weights.",
    mistakes=(
        Mistake(
            "ln p",
            lambda x, w, m, s: np.log(_gaussians_1d(x, m, s**2) @ w),
            "you returned ln p(x); the exercise asks for the density p(x) itself.",
        ),
        Mistake(
            "no weights",
            lambda x, w, m, s: _gaussians_1d(x, m, s**2).sum(axis=1),
            "you added the components without their mixing coefficients: weight N(x | μ_k, σ_k²) by π_k.",
        ),
        Mistake(
            "equal weights",
            lambda x, w, m, s: _gaussians_1d(x, m, s**2).mean(axis=1),
            "you averaged the components with equal weights 1/K: weight component k by its own π_k.",
        ),
        Mistake(
            "σ as the variance",
            lambda x, w, m, s: _gaussians_1d(x, m, s) @ w,
            "you used σ_k as the variance; the variance of component k is σ_k² (sigmas holds standard deviations).",
        ),
        Mistake(
            "σ squared twice",
            lambda x, w, m, s: _gaussians_1d(x, m, s**4) @ w,
            "you squared σ_k twice: N(x | μ, σ²) has variance σ², i.e. scale σ (e.g. scipy.stats.norm(μ, σ)).",
        ),
        Mistake(
            "not summed over k",
            lambda x, w, m, s: w * _gaussians_1d(x, m, s**2),
            "one column (or row) per component",
            by_answer=False,
        ),
        Mistake(
            "no √(2π)",
            lambda x, w, m, s: np.exp(-0.5 * ((x[:, None] - m) / s) ** 2) / s @ w,
            "check the normalising constant 1/√(2π σ_k²)",
            by_answer=False,
        ),
    ),
)


@MIXTURE_DENSITY.checker
def check_mixture_density(student) -> Feedback:
    """Check ``student(x, weights, means, sigmas)``, which should return the 1-D mixture density
    p(x) = Σ_k π_k N(x | μ_k, σ_k²) at each entry x of the 1-D array x, an array of shape (len(x),);
    ``sigmas`` holds the standard deviations σ_k."""

    def compare(got, expected, case):
        got = as_array(got, "your densities")
        x, weights = case.args[:2]
        M, K = len(x), len(weights)
        if got.ndim == 2 and K > 1 and got.shape in ((M, K), (K, M)):
            raise Mismatch(
                f"your answer has shape {got.shape}: one column (or row) per component. "
                "Add the weighted components up: p(x) = Σ_k π_k N(x | μ_k, σ_k²)."
            )
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            ratio = got / np.where(expected > 1e-250, expected, np.nan)
            ratio = ratio[np.isfinite(ratio)]
            if ratio.size > 1 and np.ptp(ratio) < 1e-6 * abs(ratio.mean()) and abs(ratio.mean() - 1) > 1e-6:
                raise Mismatch(
                    f"your densities are {ratio.mean():.6g} times the answer everywhere: "
                    "check the normalising constant 1/√(2π σ_k²) of each component."
                )
        compare_arrays(got, expected, "your densities", rtol=1e-6, atol=1e-300)

    # Densities in the tails are far below 1e-10: compare them relative to their own size.
    return MIXTURE_DENSITY.check(
        student, _mixture_density_cases(), _mixture_density_reference, compare, same=partial(same_answer, atol=1e-300)
    )
