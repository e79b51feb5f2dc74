"""Checkers for the exercises of the chapter "Choosing K".

- :func:`check_n_parameters`: the number of free parameters P of a mixture;
- :func:`check_bic`: BIC = −2 ln L + P ln N;
- :func:`check_bic_table`: BIC over a range of K, from fitted mixtures.
"""

from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from .. import gmm
from ..data import make_blobs
from ._cases import quiet_fit
from ._core import (
    Case,
    Exercise,
    Feedback,
    Mismatch,
    Mistake,
    as_array,
    compare_arrays,
    compare_scalars,
    same_answer,
)

# ---------------------------------------------------------------------------
# The number of free parameters


def _free_covariance_entries(D, covariance_type, *, symmetric=True):
    full = D * (D + 1) // 2 if symmetric else D * D
    return {"full": full, "tied": full, "diag": D, "spherical": 1}[covariance_type]


def _count(
    *, free_weights=lambda K: K - 1, means=True, symmetric=True, spherical_as_diag=False, tied_per_component=False
):
    """P with the weights, the means or the covariance entries counted otherwise."""

    def n_parameters(K, D, covariance_type):
        kind = "diag" if spherical_as_diag and covariance_type == "spherical" else covariance_type
        copies = 1 if kind == "tied" and not tied_per_component else K
        return free_weights(K) + means * K * D + copies * _free_covariance_entries(D, kind, symmetric=symmetric)

    return n_parameters


_ENTRIES = {
    "full": "D(D+1)/2 free entries per component",
    "tied": "D(D+1)/2 free entries in all, since its one covariance is shared by the K components",
    "diag": "D free entries per component",
    "spherical": "1 free entry per component",
}


def _same_count(a, b) -> bool:
    return isinstance(a, numbers.Real) and isinstance(b, numbers.Real) and a == b


N_PARAMETERS = Exercise(
    "number of parameters",
    hint="count the free weights, the mean entries and the free covariance entries separately, then add.",
    mistakes=(
        Mistake(
            "K weights",
            _count(free_weights=lambda K: K),
            "you counted one parameter too many: the K weights sum to 1, so only K − 1 are free.",
        ),
        Mistake(
            "D² covariance entries",
            _count(symmetric=False),
            "you counted D² entries per covariance, but Σ_k is symmetric, so only D(D+1)/2 are free.",
        ),
        Mistake(
            "K weights and D² entries",
            _count(free_weights=lambda K: K, symmetric=False),
            "the weights have K − 1 free entries (they sum to 1) and each symmetric Σ_k has D(D+1)/2, not D².",
        ),
        Mistake("no means", _count(means=False), "the K means with D entries each (K·D) are missing."),
        Mistake(
            "tied covariance counted K times",
            _count(tied_per_component=True),
            "you counted the tied covariance once per component; it is one matrix shared by the K components, "
            "so its D(D+1)/2 free entries count once.",
        ),
        Mistake(
            "spherical as diag",
            _count(spherical_as_diag=True),
            "a 'spherical' covariance has 1 free entry per component",
            by_answer=False,
        ),
        Mistake(
            "a fraction", lambda K, D, c: gmm.n_parameters(K, D, c) + 0.5, "is not a whole number", by_answer=False
        ),
        Mistake("a float", lambda K, D, c: float(gmm.n_parameters(K, D, c)), "return an int", by_answer=False),
    ),
)


@N_PARAMETERS.checker
def check_n_parameters(student) -> Feedback:
    """Check ``student(K, D, covariance_type)``, which should return the number of free
    parameters P of a K-component Gaussian mixture in D dimensions, as an int, for
    ``covariance_type`` "full", "tied", "diag" or "spherical"."""

    def compare(got, expected, case):
        kind = case.args[2]
        if got is None:
            raise Mismatch("your function returned None; did you forget the `return` statement?")
        if isinstance(got, np.ndarray) and got.shape == ():
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Mismatch(f"expected a whole number, but got {type(got).__name__}.")
        if not float(got).is_integer():
            raise Mismatch(f"your count {got} is not a whole number; use integer division // for D(D+1)/2.")
        if int(got) != expected:
            raise Mismatch(
                f"you counted {int(got)} parameters, the answer is {expected}; a '{kind}' covariance has "
                f"{_ENTRIES[kind]}."
            )
        if not isinstance(got, numbers.Integral):
            raise Mismatch(
                f"your count {got!r} is right but a {type(got).__name__}; a number of parameters is an "
                "integer, so return an int (integer division // keeps D(D+1)/2 one)."
            )

    cases = [
        Case("K = 2, D = 2, full (Old Faithful)", (2, 2, "full")),
        Case("K = 3, D = 2, diag", (3, 2, "diag")),
        Case("K = 3, D = 2, spherical", (3, 2, "spherical")),
        Case("K = 3, D = 2, tied", (3, 2, "tied")),
        Case("K = 1, D = 1, full (a single 1-D Gaussian)", (1, 1, "full")),
        Case("K = 4, D = 5, full", (4, 5, "full")),
        Case("K = 2, D = 5, diag", (2, 5, "diag")),
        Case("K = 6, D = 3, spherical", (6, 3, "spherical")),
        Case("K = 4, D = 3, tied", (4, 3, "tied")),
    ]
    return N_PARAMETERS.check(student, cases, gmm.n_parameters, compare, same=_same_count)


# ---------------------------------------------------------------------------
# BIC


def bic(log_likelihood: float, n_parameters: int, n_samples: int) -> float:
    """Bayesian information criterion −2 ln L + P ln N (lower is better)."""
    return -2.0 * log_likelihood + n_parameters * np.log(n_samples)


_MINUS_BIC = (
    "(R's mclust reports BIC with this sign, higher being better); the book's BIC is −2 ln L + P ln N, lower is better."
)

BIC = Exercise(
    "BIC",
    hint="np.log is the natural logarithm.",
    mistakes=(
        Mistake(
            "mclust's sign",
            lambda ll, p, N: 2 * ll - p * np.log(N),
            "you returned 2 ln L − P ln N, which is −BIC " + _MINUS_BIC,
        ),
        Mistake(
            "sign of ln L",
            lambda ll, p, N: 2 * ll + p * np.log(N),
            "the log-likelihood term has the wrong sign: it is −2 ln L, so a better fit (larger ln L) gives a "
            "smaller BIC.",
        ),
        Mistake(
            "log10",
            lambda ll, p, N: -2 * ll + p * np.log10(N),
            "you used log10; the penalty is P ln N with the natural logarithm (np.log).",
        ),
        Mistake(
            "no factor 2",
            lambda ll, p, N: -ll + p * np.log(N),
            "the log-likelihood term is missing its factor 2: BIC = −2 ln L + P ln N.",
        ),
        Mistake(
            "half the BIC",
            lambda ll, p, N: -ll + 0.5 * p * np.log(N),
            "you computed half the BIC, −ln L + (P/2) ln N; multiply by 2 (the book's BIC is on the scale of −2 ln L).",
        ),
        Mistake("AIC", lambda ll, p, N: -2 * ll + 2 * p, "that is AIC, −2 ln L + 2P; BIC's penalty is P ln N."),
        Mistake(
            "p and N swapped",
            lambda ll, p, N: -2 * ll + N * np.log(p),
            "you swapped n_parameters and n_samples: the penalty is P ln N.",
        ),
        Mistake(
            "two terms",
            lambda ll, p, N: np.array([-2 * ll, p * np.log(N)]),
            "should be a single number",
            by_answer=False,
        ),
    ),
)


@BIC.checker
def check_bic(student) -> Feedback:
    """Check ``student(log_likelihood, n_parameters, n_samples)``, which should return
    BIC = −2 ln L + P ln N."""

    cases = [
        Case("Old Faithful, K = 2: ln L = −1130.264, P = 11, N = 272", (-1130.264, 11, 272)),
        Case("ln L = −50, P = 3, N = 10", (-50.0, 3, 10)),
        Case("a positive log-likelihood (densities can exceed 1): ln L = 12.5, P = 5, N = 100", (12.5, 5, 100)),
        Case("ln L = −20000, P = 35, N = 10000", (-20000.0, 35, 10000)),
    ]

    def compare(got, expected, case):
        compare_scalars(got, expected, "your BIC", rtol=1e-9, atol=1e-9)

    return BIC.check(student, cases, bic, compare, same=partial(same_answer, rtol=1e-9, atol=1e-9))


# ---------------------------------------------------------------------------
# A table of BIC over K


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


_FITS: dict = {}


def _fits(X, ks) -> list:
    """fit_gmm(X, K, n_init=5, seed=0) for each K, remembered: the reference and the mistakes share them."""
    runs = []
    for K in ks:
        key = (X.tobytes(), X.shape, int(K))
        if key not in _FITS:
            _FITS[key] = quiet_fit(X, int(K), n_init=5, seed=0)
        runs.append(_FITS[key])
    return runs


def _criterion(ll_weight, penalty):
    """ll_weight · ln L + penalty(P, N) for every fit of the table."""

    def table(X, ks):
        return np.array([ll_weight * f.log_likelihood + penalty(f.n_parameters, len(X)) for f in _fits(X, ks)])

    return table


def _bic_table(X, ks):
    return _criterion(-2.0, lambda p, N: p * np.log(N))(X, ks)


BIC_TABLE = Exercise(
    "BIC table",
    hint="for each K in ks: result = mixlib.fit_gmm(X, K, n_init=5, seed=0); then use result.log_likelihood "
    "and result.n_parameters (or your own bic function).",
    mistakes=(
        Mistake("mclust's sign", lambda X, ks: -_bic_table(X, ks), "your values are −BIC " + _MINUS_BIC),
        Mistake(
            "log-likelihoods",
            _criterion(1.0, lambda p, N: 0.0),
            "you returned the log-likelihoods; BIC is −2 ln L + P ln N.",
        ),
        Mistake("no penalty", _criterion(-2.0, lambda p, N: 0.0), "you returned −2 ln L without the penalty P ln N."),
        Mistake(
            "AIC", _criterion(-2.0, lambda p, N: 2.0 * p), "you returned AIC (−2 ln L + 2P); BIC's penalty is P ln N."
        ),
        Mistake(
            "sorted by K",
            lambda X, ks: _bic_table(X, sorted(ks)),
            "your values are sorted by K; return them in the order of ks.",
        ),
        Mistake(
            "1, …, len(ks) for ks",
            lambda X, ks: _bic_table(X, range(1, len(ks) + 1)),
            "return them in the order of ks",
            by_answer=False,
        ),
        Mistake("one short", lambda X, ks: _bic_table(X, ks)[:-1], "but should have shape", by_answer=False),
    ),
)


@BIC_TABLE.checker
def check_bic_table(student) -> Feedback:
    """Check ``student(X, ks)``, which should return an array with one BIC value per K in ``ks``,
    from ``mixlib.fit_gmm(X, K, n_init=5, seed=0)`` with full covariances.

    Fits from other seeds or settings may find slightly different maxima, so
    values within 1 (on the scale of −2 ln L) of the reference are accepted.
    """

    tolerance = dict(rtol=0.0, atol=1.0)

    def compare(got, expected, case):
        got = as_array(got, "your BIC values")
        ks = case.args[1]
        if got.shape == expected.shape and np.all(np.isfinite(got)) and not np.allclose(got, expected, **tolerance):
            if np.allclose(np.sort(got), np.sort(expected), **tolerance):
                raise Mismatch("your values are in another order; return them in the order of ks.")
            bad = int(np.argmax(np.abs(got - expected)))
            raise Mismatch(
                f"your BIC for K = {ks[bad]} is {got[bad]:.6g}, but fit_gmm(X, {ks[bad]}, n_init=5, "
                f"seed=0) gives {expected[bad]:.6g}. Fit one mixture per K in ks, in that order, with "
                "exactly these settings: with others, EM may stop at another local maximum."
            )
        compare_arrays(got, expected, "your BIC values", **tolerance)

    return BIC_TABLE.check(student, _bic_table_cases(), _bic_table, compare, same=partial(same_answer, **tolerance))
