"""Checkers for the exercises of the chapter "When maximum likelihood goes wrong".

- :func:`check_regularised_covariance`: Σ_k + ρI, the floor that keeps EM away from the singularity;
- :func:`check_best_of_restarts`: keep the run with the highest log-likelihood;
- :func:`check_map_m_step`: the M step under the conjugate prior (shrinkage κ, prior mean μ_P,
  degrees of freedom ν, scale Λ), for full covariances:

      N_k = Σ_n q_nk,  x̄_k = (1/N_k) Σ_n q_nk x_n,  π_k = N_k / N,
      μ_k = (N_k x̄_k + κ μ_P) / (κ + N_k),
      W_k = Σ_n q_nk (x_n − x̄_k)(x_n − x̄_k)ᵀ,  B_k = κN_k/(κ + N_k) (x̄_k − μ_P)(x̄_k − μ_P)ᵀ,
      Σ_k = (Λ + W_k + B_k) / (ν + N_k + D + 2).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import gmm, prior
from ..data import random_blobs
from ._cases import mixture_cases, quiet_fit
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, compare_arrays, compare_tuple

# ---------------------------------------------------------------------------
# Regularised covariances


def _regularise(covariances, reg_covar):
    return covariances + reg_covar * np.eye(covariances.shape[-1])


def _covariance_cases() -> list[Case]:
    three = np.array([[[1.0, 0.3], [0.3, 2.0]], [[0.5, -0.2], [-0.2, 0.4]], [[2.0, 0.0], [0.0, 3.0]]])
    three_d = np.array(
        [[[1.0, 0.2, 0.1], [0.2, 2.0, -0.3], [0.1, -0.3, 0.5]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]
    )
    return [
        Case("three 2×2 covariances, reg_covar = 0.1", (three, 0.1)),
        Case("one component in one dimension (K = 1, D = 1), reg_covar = 1e-6", (np.array([[[0.25]]]), 1e-6)),
        Case("two 3×3 covariances, the second all zeros (collapsed), reg_covar = 0.01", (three_d, 0.01)),
        Case("reg_covar = 0 leaves the covariances unchanged", (three, 0.0)),
    ]


def _only(components):
    """Σ_k + ρI for the components ``components(K)`` picks; the others left as they were."""

    def regularise(covariances, reg_covar):
        out = np.array(covariances, dtype=float)
        out[components(len(out))] += reg_covar * np.eye(out.shape[-1])
        return out

    return regularise


_UNCHANGED = "a component was left unchanged; add reg_covar · I to every Σ_k, k = 0, …, K − 1."

REGULARISED_COVARIANCE = Exercise(
    "regularised covariances",
    hint="np.eye(D) has shape (D, D) and broadcasts against covariances of shape (K, D, D).",
    mistakes=(
        Mistake(
            "every entry",
            lambda c, r: c + r,
            "you added reg_covar to every entry of Σ_k; add it to the diagonal only, Σ_k + reg_covar · I "
            "(e.g. with np.eye(D)).",
        ),
        Mistake(
            "multiplied",
            lambda c, r: c * r,
            "you multiplied Σ_k by reg_covar; the floor is added: Σ_k + reg_covar · I. A multiple of a "
            "collapsed Σ_k is still singular.",
        ),
        Mistake(
            "multiplied by 1 + ρ",
            lambda c, r: c * (1 + r),
            "you multiplied Σ_k by 1 + reg_covar; the floor is added: Σ_k + reg_covar · I. A multiple of a "
            "collapsed Σ_k is still singular.",
        ),
        Mistake("first component only", _only(lambda K: slice(0, 1)), _UNCHANGED),
        Mistake("all but the first", _only(lambda K: slice(1, K)), _UNCHANGED),
        Mistake(
            "a single matrix", lambda c, r: c[0] + r * np.eye(c.shape[1]), "but should have shape", by_answer=False
        ),
        Mistake("no return", lambda c, r: None, "forget the `return` statement", by_answer=False),
    ),
)


@REGULARISED_COVARIANCE.checker
def check_regularised_covariance(student) -> Feedback:
    """Check ``student(covariances, reg_covar)``, which should return the (K, D, D) array
    Σ_k + reg_covar · I for every component k."""

    def compare(got, expected, case):
        compare_arrays(got, expected, "your covariances", rtol=1e-9, atol=1e-12)

    return REGULARISED_COVARIANCE.check(student, _covariance_cases(), _regularise, compare)


# ---------------------------------------------------------------------------
# The best of several restarts


def _restart_cases() -> list[Case]:
    X0 = random_blobs(120, 4, 2, spread=3.0, seed=0)[0]
    X1 = random_blobs(120, 4, 2, spread=3.0, seed=1)[0]
    X2 = random_blobs(120, 4, 2, spread=3.0, seed=2)[0]
    return [
        Case("K = 5 on four blobs, seeds = [0, 2, 1, 4]", (X0, 5, [0, 2, 1, 4])),
        Case("K = 5 on four other blobs, seeds = range(5)", (X1, 5, range(5))),
        Case("a single seed, seeds = [7]", (X2, 3, [7])),
    ]


_FITS: dict = {}


def _fits(X, K, seeds) -> list:
    """fit_gmm(X, K, seed=s) for each seed, remembered: the reference and the mistakes ask for the same runs."""
    runs = []
    for s in seeds:
        key = (X.tobytes(), X.shape, K, s)
        if key not in _FITS:
            _FITS[key] = quiet_fit(X, K, seed=s)
        runs.append(_FITS[key])
    return runs


def _by_log_likelihood(result) -> float:
    return float(result.log_likelihood)


def _best_fit(X, K, seeds):
    return max(_fits(X, K, seeds), key=_by_log_likelihood)


def _same_fit(a, b) -> bool:
    try:
        return math.isclose(float(a.log_likelihood), float(b.log_likelihood), rel_tol=1e-9, abs_tol=1e-9)
    except (AttributeError, TypeError, ValueError):
        return False


BEST_OF_RESTARTS = Exercise(
    "best of restarts",
    hint="loop over the seeds, fit with mixlib.fit_gmm(X, K, seed=s) and keep the result whose .log_likelihood "
    "is largest (max(..., key=...) does it in one line).",
    mistakes=(
        Mistake(
            "the lowest",
            lambda *args: min(_fits(*args), key=_by_log_likelihood),
            "you returned the run with the lowest log-likelihood; the best fit is the one with the highest: "
            "use max, not min.",
        ),
        Mistake(
            "the first",
            lambda *args: _fits(*args)[0],
            "you returned the first run; compare the log-likelihoods of all runs and keep the highest.",
        ),
        Mistake(
            "the last",
            lambda *args: _fits(*args)[-1],
            "you returned the last run; keep the best run seen so far, not the latest.",
        ),
        Mistake(
            "the number",
            lambda *args: _best_fit(*args).log_likelihood,
            "return the whole result, not its log-likelihood",
            by_answer=False,
        ),
    ),
)


@BEST_OF_RESTARTS.checker
def check_best_of_restarts(student) -> Feedback:
    """Check ``student(X, K, seeds)``, which should run ``mixlib.fit_gmm(X, K, seed=s)`` for every
    s in ``seeds`` and return the fitted result with the highest ``log_likelihood``."""

    def compare(got, best, case):
        if got is None:
            raise Mismatch("your function returned None; did you forget the `return` statement?")
        if isinstance(got, numbers.Real) or not hasattr(got, "log_likelihood"):
            raise Mismatch(
                f"expected the fitted result (what fit_gmm returns), but got {type(got).__name__}; "
                "return the whole result, not its log-likelihood."
            )
        value, highest = float(got.log_likelihood), best.log_likelihood
        if _same_fit(got, best):
            return
        if value > highest:
            raise Mismatch(
                f"your result's log-likelihood {value:.6g} is higher than the best of "
                f"fit_gmm(X, K, seed=s) over these seeds ({highest:.6g}); call fit_gmm with its "
                "default arguments and only seed=s."
            )
        raise Mismatch(
            f"your result has log-likelihood {value:.6g}, but the best of the runs has {highest:.6g}; "
            "fit once per seed with fit_gmm(X, K, seed=s)."
        )

    return BEST_OF_RESTARTS.check(student, _restart_cases(), _best_fit, compare, same=_same_fit)


# ---------------------------------------------------------------------------
# The MAP M step under the conjugate prior


def _map_cases() -> list[Case]:
    mixtures = {case.name: case.args for case in mixture_cases()}

    def case(name, mixture, *, resp=None, shrinkage=0.01, prior_mean=None, dof=None, scale=None):
        X, *theta = mixtures[mixture]
        resp = gmm.responsibilities(X, *theta) if resp is None else resp
        N, D = X.shape
        K = resp.shape[1]
        default = np.atleast_2d(np.cov(X, rowvar=False)) / K ** (2 / D)
        return Case(
            name,
            (
                X,
                resp,
                shrinkage,
                X.mean(axis=0) if prior_mean is None else np.asarray(prior_mean),
                D + 2.0 if dof is None else dof,
                default if scale is None else scale,
            ),
        )

    X = mixtures["three components in 2-D"][0]
    two = gmm.responsibilities(*mixtures["three components in 2-D"])[:, :2]
    nearly_empty = np.column_stack([(1 - 1e-8) * two / two.sum(axis=1, keepdims=True), np.full(len(X), 1e-8)])
    return [
        case("three components in 2-D, the default prior", "three components in 2-D"),
        case(
            "a strong prior (κ = 5, ν = 10, Λ = 2I)",
            "three components in 2-D",
            shrinkage=5.0,
            dof=10.0,
            scale=2.0 * np.eye(2),
        ),
        case(
            "a prior mean away from the data (μ_P = (3, −2))",
            "three components in 2-D",
            shrinkage=1.0,
            prior_mean=[3.0, -2.0],
        ),
        case("a nearly empty component (N_k ≈ 4e-7)", "three components in 2-D", resp=nearly_empty),
        case(
            "hard (one-hot) responsibilities",
            "three components in 2-D",
            resp=np.eye(3)[np.arange(len(X)) % 3],
            shrinkage=0.5,
        ),
        case("one component in 3-D", "two components in 3-D", resp=np.ones((30, 1)), shrinkage=2.0),
        case("two components in 1-D", "two components in 1-D", shrinkage=0.3),
    ]


def _map_reference(X, resp, shrinkage, prior_mean, dof, scale):
    return prior.map_m_step(X, resp, prior.ConjugatePrior(shrinkage, prior_mean, dof, scale), "full")


def _map_variant(*, between=True, denominator=lambda nu, Nk, D: nu + Nk + D + 2, shrunk=True, about="mean"):
    """The MAP M step with the B_k term, the denominator, the shrinkage of μ_k or the centre of W_k changed;
    ``about`` is "mean" (x̄_k), "prior mean" (μ_P) or "new mean" (μ_k)."""

    def map_m_step(X, resp, shrinkage, prior_mean, dof, scale):
        Nk = resp.sum(axis=0)
        xbar = (resp.T @ X) / Nk[:, None]
        means = (Nk[:, None] * xbar + shrinkage * prior_mean) / (shrinkage + Nk)[:, None] if shrunk else xbar
        covariances = []
        for k in range(len(Nk)):
            centre = {"mean": xbar[k], "prior mean": prior_mean, "new mean": means[k]}[about]
            W = (resp[:, k] * (X - centre).T) @ (X - centre)
            B = shrinkage * Nk[k] / (shrinkage + Nk[k]) * np.outer(xbar[k] - prior_mean, xbar[k] - prior_mean)
            covariances.append((scale + W + between * B) / denominator(dof, Nk[k], X.shape[1]))
        return Nk / len(X), means, np.array(covariances)

    return map_m_step


MAP_M_STEP = Exercise(
    "MAP M step",
    hint="compute N_k and x̄_k as in the ML M step; shrink x̄_k towards μ_P for μ_k; W_k about x̄_k, B_k from "
    "x̄_k − μ_P, then Σ_k = (Λ + W_k + B_k) / (ν + N_k + D + 2).",
    mistakes=(
        Mistake(
            "no B_k",
            _map_variant(between=False),
            "your covariances lack the term B_k = κN_k/(κ + N_k) (x̄_k − μ_P)(x̄_k − μ_P)ᵀ: the distance "
            "between x̄_k and the prior mean μ_P adds to the spread, Σ_k = (Λ + W_k + B_k) / (ν + N_k + D + 2).",
        ),
        Mistake(
            "denominator ν + N_k",
            _map_variant(denominator=lambda nu, Nk, D: nu + Nk),
            "your covariances are divided by ν + N_k; the full covariance's denominator is ν + N_k + D + 2.",
        ),
        Mistake(
            "denominator ν + N_k + D + 1",
            _map_variant(denominator=lambda nu, Nk, D: nu + Nk + D + 1),
            "your covariances are divided by ν + N_k + D + 1, which counts the powers of det Σ_k from the data "
            "(N_k) and the inverse Wishart (ν + D + 1) but forgets the prior on the mean: N(μ_P, Σ_k / κ) "
            "contributes det(Σ_k)^(−1/2) too, so the denominator is ν + N_k + D + 2.",
        ),
        Mistake(
            "μ_k not shrunk",
            _map_variant(shrunk=False),
            "your means are the weighted averages x̄_k; the prior shrinks them towards μ_P: "
            "μ_k = (N_k x̄_k + κ μ_P) / (κ + N_k).",
        ),
        Mistake(
            "W_k about μ_P",
            _map_variant(about="prior mean"),
            "you took W_k about the prior mean μ_P; W_k = Σ_n q_nk (x_n − x̄_k)(x_n − x̄_k)ᵀ is about x̄_k, "
            "and the offset from μ_P enters only through B_k.",
        ),
        Mistake(
            "W_k about μ_k",
            _map_variant(about="new mean"),
            "you took W_k about the shrunk mean μ_k; W_k = Σ_n q_nk (x_n − x̄_k)(x_n − x̄_k)ᵀ is about x̄_k. "
            "About μ_k the sum is W_k + N_k(x̄_k − μ_k)(x̄_k − μ_k)ᵀ, one term too many.",
        ),
        Mistake(
            "order",
            lambda *args: (lambda w, m, c: (m, w, c))(*_map_reference(*args)),
            "return them in the order (weights, means, covariances)",
            by_answer=False,
        ),
    ),
)


@MAP_M_STEP.checker
def check_map_m_step(student) -> Feedback:
    """Check ``student(X, resp, shrinkage, prior_mean, dof, scale)``, the MAP M step for full covariances
    under the conjugate prior with shrinkage κ, prior mean μ_P (shape (D,)), degrees of freedom ν and
    scale Λ (shape (D, D)). It should return ``(weights, means, covariances)``:
    π_k = N_k / N, μ_k = (N_k x̄_k + κ μ_P) / (κ + N_k) and Σ_k = (Λ + W_k + B_k) / (ν + N_k + D + 2)."""

    def compare(got, expected, case):
        compare_tuple(got, expected, ("weights", "means", "covariances"))

    return MAP_M_STEP.check(student, _map_cases(), _map_reference, compare)
