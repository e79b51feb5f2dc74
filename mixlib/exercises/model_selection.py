"""Checkers for the exercises of "When maximum likelihood goes wrong" and "Choosing K".

- :func:`check_regularised_covariance`: Σ_k + ε I, the floor that keeps EM away
  from the singularity;
- :func:`check_best_of_restarts`: keep the run with the highest log-likelihood;
- :func:`check_n_parameters`: the number of free parameters p of a mixture;
- :func:`check_bic`: BIC = −2 ln L + p ln N;
- :func:`check_bic_table`: BIC over a range of K, from fitted mixtures.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import gmm
from ..data import make_blobs
from ._core import Case, Feedback, Mismatch, as_array, check_function, compare_arrays, compare_scalars


# ---------------------------------------------------------------------------
# Chapter "When maximum likelihood goes wrong"


def _regularise(covariances, reg_covar):
    covariances = np.asarray(covariances, dtype=float)
    return covariances + reg_covar * np.eye(covariances.shape[-1])


def _covariance_cases() -> list[Case]:
    three = np.array([[[1.0, 0.3], [0.3, 2.0]],
                      [[0.5, -0.2], [-0.2, 0.4]],
                      [[2.0, 0.0], [0.0, 3.0]]])
    three_d = np.array([[[1.0, 0.2, 0.1], [0.2, 2.0, -0.3], [0.1, -0.3, 0.5]],
                        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    return [
        Case("three 2×2 covariances, reg_covar = 0.1", (three, 0.1)),
        Case("one component in one dimension (K = 1, D = 1), reg_covar = 1e-6", (np.array([[[0.25]]]), 1e-6)),
        Case("two 3×3 covariances, the second all zeros (collapsed), reg_covar = 0.01", (three_d, 0.01)),
        Case("reg_covar = 0 leaves the covariances unchanged", (three, 0.0)),
    ]


def check_regularised_covariance(student) -> Feedback:
    """Check ``student(covariances, reg_covar)``, which should return the (K, D, D) array
    Σ_k + reg_covar · I for every component k."""

    def compare(got, expected, case):
        covariances, reg_covar = case.args
        got = as_array(got, "your covariances")
        if got.shape == expected.shape and np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            return
        if got.shape == expected.shape and reg_covar > 0:
            if np.allclose(got, covariances + reg_covar, rtol=1e-9, atol=1e-12):
                raise Mismatch("you added reg_covar to every entry of Σ_k; add it to the diagonal only, "
                               "Σ_k + reg_covar · I (e.g. with np.eye(D)).")
            if np.allclose(got, covariances * reg_covar, rtol=1e-9, atol=1e-12) or np.allclose(
                    got, covariances * (1 + reg_covar), rtol=1e-9, atol=1e-12):
                raise Mismatch("you multiplied Σ_k by reg_covar; the floor is added: Σ_k + reg_covar · I. "
                               "A multiple of a collapsed Σ_k is still singular.")
            same = [k for k in range(len(got)) if np.allclose(got[k], covariances[k], rtol=1e-12, atol=0)]
            right = [k for k in range(len(got)) if np.allclose(got[k], expected[k], rtol=1e-9, atol=1e-12)]
            if same and len(same) + len(right) == len(got):
                raise Mismatch(f"component {same[0]} was left unchanged; add reg_covar · I to every Σ_k, "
                               f"k = 0, …, K − 1.")
        compare_arrays(got, expected, "your covariances", rtol=1e-9, atol=1e-12)

    return check_function(
        student,
        exercise="regularised covariances",
        cases=_covariance_cases(),
        reference=_regularise,
        compare=compare,
        hint="np.eye(D) has shape (D, D) and broadcasts against covariances of shape (K, D, D).",
    )


def _restart_cases() -> list[Case]:
    from ..data import random_blobs

    X0 = random_blobs(120, 4, 2, spread=3.0, seed=0)[0]
    X1 = random_blobs(120, 4, 2, spread=3.0, seed=1)[0]
    X2 = random_blobs(120, 4, 2, spread=3.0, seed=2)[0]
    return [
        Case("K = 5 on four blobs, seeds = [0, 2, 1, 4]", (X0, 5, [0, 2, 1, 4])),
        Case("K = 5 on four other blobs, seeds = range(5)", (X1, 5, range(5))),
        Case("a single seed, seeds = [7]", (X2, 3, [7])),
    ]


def check_best_of_restarts(student) -> Feedback:
    """Check ``student(X, K, seeds)``, which should run ``mixlib.fit_gmm(X, K, seed=s)`` for every
    s in ``seeds`` and return the fitted result with the highest ``log_likelihood``."""

    def reference(X, K, seeds):
        return [gmm.fit_gmm(X, K, seed=s) for s in seeds]

    def compare(got, fits, case):
        if got is None:
            raise Mismatch("your function returned None; did you forget the `return` statement?")
        if isinstance(got, numbers.Real) or not hasattr(got, "log_likelihood"):
            raise Mismatch(f"expected the fitted result (what fit_gmm returns), but got {type(got).__name__}; "
                           "return the whole result, not its log-likelihood.")
        lls = np.array([fit.log_likelihood for fit in fits])
        value = float(got.log_likelihood)
        best = lls.max()
        if math.isclose(value, best, rel_tol=1e-9, abs_tol=1e-9):
            return
        if len(lls) > 1 and math.isclose(value, lls.min(), rel_tol=1e-9, abs_tol=1e-9):
            raise Mismatch(f"you returned the run with the lowest log-likelihood ({value:.6g}); the best fit "
                           f"is the one with the highest ({best:.6g}): use max, not min.")
        if math.isclose(value, lls[0], rel_tol=1e-9, abs_tol=1e-9):
            raise Mismatch(f"you returned the first run (log-likelihood {value:.6g}); compare the "
                           f"log-likelihoods of all runs and keep the highest ({best:.6g}).")
        if math.isclose(value, lls[-1], rel_tol=1e-9, abs_tol=1e-9):
            raise Mismatch(f"you returned the last run (log-likelihood {value:.6g}); keep the best run "
                           f"seen so far, not the latest ({best:.6g}).")
        if value > best:
            raise Mismatch(f"your result's log-likelihood {value:.6g} is higher than the best of "
                           f"fit_gmm(X, K, seed=s) over these seeds ({best:.6g}); call fit_gmm with its "
                           "default arguments and only seed=s.")
        raise Mismatch(f"your result has log-likelihood {value:.6g}, but the best of the runs has {best:.6g}; "
                       "fit once per seed with fit_gmm(X, K, seed=s).")

    return check_function(
        student,
        exercise="best of restarts",
        cases=_restart_cases(),
        reference=reference,
        compare=compare,
        hint="loop over the seeds, fit with mixlib.fit_gmm(X, K, seed=s) and keep the result whose "
        ".log_likelihood is largest (max(..., key=...) does it in one line).",
    )


# ---------------------------------------------------------------------------
# Chapter "Choosing K"


def check_n_parameters(student) -> Feedback:
    """Check ``student(K, D, covariance_type)``, which should return the number of free
    parameters p of a K-component Gaussian mixture in D dimensions."""

    def compare(got, expected, case):
        K, D, kind = case.args
        if got is None:
            raise Mismatch("your function returned None; did you forget the `return` statement?")
        if isinstance(got, np.ndarray) and got.shape == ():
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Mismatch(f"expected a whole number, but got {type(got).__name__}.")
        if not float(got).is_integer():
            raise Mismatch(f"your count {got} is not a whole number; use integer division // for D(D+1)/2.")
        got = int(got)
        if got == expected:
            return
        extra = got - expected
        square = K * D * (D - 1) // 2 if kind == "full" else None
        if extra == 1:
            raise Mismatch(f"you counted {got}, one too many: the K weights sum to 1, so only K − 1 are free.")
        if square and extra == square:
            raise Mismatch(f"you counted {got}: D² = {D * D} entries per covariance, but Σ_k is symmetric, "
                           f"so only D(D+1)/2 = {D * (D + 1) // 2} are free.")
        if square and extra == square + 1:
            raise Mismatch(f"you counted {got}: the weights have K − 1 free entries (they sum to 1) and each "
                           f"symmetric Σ_k has D(D+1)/2 = {D * (D + 1) // 2}, not D² = {D * D}.")
        if extra == -K * D:
            raise Mismatch(f"you counted {got}: the K means with D entries each (K·D = {K * D}) are missing.")
        raise Mismatch(f"you counted {got} parameters, the answer is {expected}; a '{kind}' covariance has "
                       + {"full": "D(D+1)/2", "diag": "D", "spherical": "1"}[kind] + " free entries per component.")

    cases = [
        Case("K = 2, D = 2, full (Old Faithful)", (2, 2, "full")),
        Case("K = 3, D = 2, diag", (3, 2, "diag")),
        Case("K = 3, D = 2, spherical", (3, 2, "spherical")),
        Case("K = 1, D = 1, full (a single 1-D Gaussian)", (1, 1, "full")),
        Case("K = 4, D = 5, full", (4, 5, "full")),
        Case("K = 2, D = 5, diag", (2, 5, "diag")),
        Case("K = 6, D = 3, spherical", (6, 3, "spherical")),
    ]
    return check_function(
        student,
        exercise="number of parameters",
        cases=cases,
        reference=gmm.n_parameters,
        compare=compare,
        hint="count the free weights, the mean entries and the free covariance entries separately, then add.",
    )


def bic(log_likelihood: float, n_parameters: int, n_samples: int) -> float:
    """Bayesian information criterion −2 ln L + p ln N (lower is better)."""
    return -2.0 * log_likelihood + n_parameters * np.log(n_samples)


def check_bic(student) -> Feedback:
    """Check ``student(log_likelihood, n_parameters, n_samples)``, which should return
    BIC = −2 ln L + p ln N."""

    def compare(got, expected, case):
        ll, p, N = case.args
        got_value = as_array(got, "your BIC")
        if got_value.shape == () and np.isfinite(got_value):
            value = float(got_value)
            wrong = [
                (2 * ll - p * np.log(N), "you returned 2 ln L − p ln N, which is −BIC (R's mclust reports BIC "
                 "with this sign, higher being better); the book's BIC is −2 ln L + p ln N, lower is better."),
                (2 * ll + p * np.log(N), "the log-likelihood term has the wrong sign: it is −2 ln L, so a better "
                 "fit (larger ln L) gives a smaller BIC."),
                (-2 * ll + p * np.log10(N), "you used log10; the penalty is p ln N with the natural logarithm "
                 "(np.log)."),
                (-ll + p * np.log(N), "the log-likelihood term is missing its factor 2: BIC = −2 ln L + p ln N."),
                (-ll + 0.5 * p * np.log(N), "you computed half the BIC, −ln L + (p/2) ln N; multiply by 2 "
                 "(the book's BIC is on the scale of −2 ln L)."),
                (-2 * ll + 2 * p, "that is AIC, −2 ln L + 2p; BIC's penalty is p ln N."),
                (-2 * ll + N * np.log(p), "you swapped n_parameters and n_samples: the penalty is p ln N."),
            ]
            if not math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9):
                for candidate, message in wrong:
                    if math.isclose(value, candidate, rel_tol=1e-9, abs_tol=1e-9):
                        raise Mismatch(message)
        compare_scalars(got, expected, "your BIC", rtol=1e-9, atol=1e-9)

    cases = [
        Case("Old Faithful, K = 2: ln L = −1130.264, p = 11, N = 272", (-1130.264, 11, 272)),
        Case("ln L = −50, p = 3, N = 10", (-50.0, 3, 10)),
        Case("a positive log-likelihood (densities can exceed 1): ln L = 12.5, p = 5, N = 100", (12.5, 5, 100)),
        Case("ln L = −20000, p = 35, N = 10000", (-20000.0, 35, 10000)),
    ]
    return check_function(
        student,
        exercise="BIC",
        cases=cases,
        reference=bic,
        compare=compare,
        hint="np.log is the natural logarithm.",
    )


def _bic_table_cases() -> list[Case]:
    means = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])
    covariances = np.array([[[1.0, 0.4], [0.4, 0.8]], [[0.6, 0.0], [0.0, 1.2]], [[0.9, -0.3], [-0.3, 0.5]]])
    X2, _ = make_blobs(150, np.full(3, 1 / 3), means, covariances, seed=11)
    X1, _ = make_blobs(120, [0.4, 0.6], [[-3.0], [3.0]], [[[1.0]], [[0.5]]], seed=12)
    return [
        Case("three blobs in 2-D, ks = [1, 2, 3, 4]", (X2, [1, 2, 3, 4])),
        Case("two groups in 1-D, ks = [1, 2, 3]", (X1, [1, 2, 3])),
        Case("ks in a different order, ks = [3, 1, 2]", (X2, [3, 1, 2])),
    ]


def _bic_table_fits(X, ks):
    return [gmm.fit_gmm(X, int(K), n_init=5, seed=0) for K in ks]


def check_bic_table(student) -> Feedback:
    """Check ``student(X, ks)``, which should return an array with one BIC value per K in ``ks``,
    from ``mixlib.fit_gmm(X, K, n_init=5, seed=0)`` with full covariances.

    Fits from other seeds or settings may find slightly different maxima, so
    values within 1 (on the scale of −2 ln L) of the reference are accepted.
    """

    def compare(got, fits, case):
        X, ks = case.args
        N = X.shape[0]
        lls = np.array([fit.log_likelihood for fit in fits])
        p = np.array([fit.n_parameters for fit in fits])
        expected = -2 * lls + p * np.log(N)
        got = as_array(got, "your BIC values")
        tolerance = dict(rtol=1e-4, atol=1.0)
        if got.shape == expected.shape and np.all(np.isfinite(got)) and not np.allclose(got, expected, **tolerance):
            wrong = [
                (-expected, "your values are −BIC (the sign of R's mclust); the book's BIC is −2 ln L + p ln N, "
                 "lower is better."),
                (lls, "you returned the log-likelihoods; BIC is −2 ln L + p ln N."),
                (-2 * lls, "you returned −2 ln L without the penalty p ln N."),
                (-2 * lls + 2 * p, "you returned AIC (−2 ln L + 2p); BIC's penalty is p ln N."),
                (expected[::-1], "your values are in reverse order; return them in the order of ks."),
                (expected[np.argsort(ks)], "your values are sorted by K; return them in the order of ks."),
            ]
            for candidate, message in wrong:
                if np.allclose(got, candidate, **tolerance):
                    raise Mismatch(message)
            bad = int(np.argmax(np.abs(got - expected)))
            raise Mismatch(f"your BIC for K = {ks[bad]} is {got[bad]:.6g}, but fit_gmm(X, {ks[bad]}, n_init=5, "
                           f"seed=0) gives {expected[bad]:.6g}. Fit one mixture per K in ks, in that order, with exactly "
                           "these settings: with others, EM may stop at another local maximum.")
        compare_arrays(got, expected, "your BIC values", **tolerance)

    return check_function(
        student,
        exercise="BIC table",
        cases=_bic_table_cases(),
        reference=_bic_table_fits,
        compare=compare,
        hint="for each K in ks: result = mixlib.fit_gmm(X, K, n_init=5, seed=0); then use result.log_likelihood "
        "and result.n_parameters (or your own bic function).",
    )
