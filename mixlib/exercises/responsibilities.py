"""Checkers for the exercises of the chapter "Responsibilities".

- :func:`check_log_sum_exp`: ln Σ_k exp(ℓ_nk) for every row n of an (N, K) array;
- :func:`check_e_step`: the responsibilities γ(z_nk);
- :func:`check_responsibility_sigmoid`: for K = 2 and a shared covariance Σ,
  γ(z_n1) = sigm(wᵀx_n + w_0) with w = Σ⁻¹(μ_1 − μ_2) and
  w_0 = −½ μ_1ᵀΣ⁻¹μ_1 + ½ μ_2ᵀΣ⁻¹μ_2 + ln(π_1/π_2).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, softmax

from .. import gmm
from ._cases import E_STEP_MIXTURES, mixture_cases
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_arrays, compare_tuple

# ---------------------------------------------------------------------------
# log-sum-exp


def _log_sum_exp_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    return [
        Case("moderate values", (rng.normal(size=(6, 3)),)),
        Case("a single column", (rng.normal(size=(4, 1)),)),
        Case("large positive entries (around +1000)", (1000.0 + rng.normal(size=(5, 3)),)),
        Case("large negative entries (around −1000)", (-1000.0 + rng.normal(size=(5, 3)),)),
        Case(
            "rows on very different scales",
            (np.array([[800.0, 799.0, 790.0, 801.0], [-900.0, -905.0, -899.5, -950.0], [0.5, -1.0, 2.0, 0.0]]),),
        ),
        Case("an entry of −inf (a weight π_k = 0)", (np.array([[-np.inf, 0.0, -2.0], [-np.inf, -700.0, -710.0]]),)),
    ]


def _shifted_log_sum_exp(ell, shift):
    return np.log(np.exp(ell - shift).sum(axis=1))


LOG_SUM_EXP = Exercise(
    "log-sum-exp",
    hint="find each row's maximum m_n, exponentiate ℓ_nk − m_n (every exponent is then ≤ 0), sum over k, take "
    "the logarithm and add m_n back.",
    mistakes=(
        Mistake(
            "maximum not added back",
            lambda ell: _shifted_log_sum_exp(ell, ell.max(axis=1, keepdims=True)),
            "your result is short by each row's maximum: after ln Σ_k exp(ℓ_nk − m_n), add m_n back.",
        ),
        Mistake("no shift", lambda ell: _shifted_log_sum_exp(ell, 0.0), "exp overflows", by_answer=False),
        Mistake(
            "one maximum for the whole array",
            lambda ell: ell.max() + _shifted_log_sum_exp(ell, ell.max()),
            "each row's own maximum",
            by_answer=False,
        ),
        Mistake("over the rows", lambda ell: logsumexp(ell, axis=0), "not over the rows (axis=0)", by_answer=False),
        Mistake("keepdims", lambda ell: logsumexp(ell, axis=1, keepdims=True), "drop keepdims", by_answer=False),
    ),
)


@LOG_SUM_EXP.checker
def check_log_sum_exp(student) -> Feedback:
    """Check ``student(ell)``, which should return, for an (N, K) array ell of entries ℓ_nk, the (N,)
    array with entries ln Σ_k exp(ℓ_nk), finite whenever some ℓ_nk is finite."""

    def compare(got, expected, case):
        got = as_array(got, "your log-sum-exp")
        N, K = case.args[0].shape
        if got.shape == (N, 1):
            raise Mismatch(
                f"your result has shape {got.shape}; return one number per row, shape ({N},) "
                "(drop keepdims, or index [:, 0])."
            )
        if got.shape == (K,) and K != N:
            raise Mismatch(
                f"your result has shape ({K},), one number per column: sum over the components k "
                "in each row, axis=1, not over the rows (axis=0)."
            )
        if got.shape == (N,):
            if np.any(got == np.inf):
                raise Mismatch(
                    "your result contains +inf: exp overflows for entries above about 709. "
                    "Subtract each row's maximum m_n before exponentiating, then add it back: "
                    "m_n + ln Σ_k exp(ℓ_nk − m_n)."
                )
            if np.any(np.isnan(got)) and np.all(np.isfinite(expected)):
                raise Mismatch(
                    "your result contains NaN: look for inf − inf (exp overflow) or for an "
                    "entry −inf; with m_n = max_k ℓ_nk, exp(−inf − m_n) = 0 is fine."
                )
            if np.any(got == -np.inf):
                raise Mismatch(
                    "your result contains −inf: every exp(ℓ_nk) underflowed to 0. Subtract each "
                    "row's own maximum m_n = max_k ℓ_nk (not one maximum for the whole array), so "
                    "the largest term is exp(0) = 1."
                )
        compare_arrays(got, expected, "your log-sum-exp", rtol=1e-9, atol=1e-9)

    return LOG_SUM_EXP.check(student, _log_sum_exp_cases(), lambda ell: logsumexp(ell, axis=1), compare)


# ---------------------------------------------------------------------------
# The E step


def _normalised(X, weights, means, covariances, *, axis):
    """π_k N(x_n | μ_k, Σ_k) divided by its sum along ``axis``, computed without taking logs first."""
    joint = weights * np.exp(gmm.log_gaussian(X, means, covariances))
    return joint / joint.sum(axis=axis, keepdims=True)


E_STEP = Exercise(
    "E step",
    hint="compute ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k) for every n and k, subtract each row's maximum, "
    "exponentiate and normalise each row.",
    mistakes=(
        Mistake(
            "no mixing coefficients",
            lambda X, w, m, c: softmax(gmm.log_gaussian(X, m, c), axis=1),
            "you left out the mixing coefficients: γ(z_nk) is proportional to π_k N(x_n | μ_k, Σ_k), "
            "not to N(x_n | μ_k, Σ_k) alone.",
        ),
        Mistake(
            "normalised over the points",
            lambda *args: _normalised(*args, axis=0),
            "normalise over the components k (axis=1), not over the points n",
            by_answer=False,
        ),
        Mistake(
            "not normalised",
            lambda X, w, m, c: w * np.exp(gmm.log_gaussian(X, m, c)),
            "the rows do not sum to 1",
            by_answer=False,
        ),
        Mistake("densities, not logs", lambda *args: _normalised(*args, axis=1), "underflowed to 0", by_answer=False),
        Mistake(
            "log responsibilities",
            lambda *args: np.log(gmm.responsibilities(*args)),
            "Exponentiate them",
            by_answer=False,
        ),
    ),
)


@E_STEP.checker
def check_e_step(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, which should return the (N, K) responsibilities γ(z_nk)."""

    def compare(got, expected, case):
        got = as_array(got, "your responsibilities")
        if (
            got.shape == expected.shape
            and not np.any(np.isnan(got))
            and np.all(got <= 0)
            and np.allclose(np.exp(got).sum(axis=1), 1.0, atol=1e-6)
        ):
            raise Mismatch(
                "your entries are all ≤ 0 and their exponentials sum to 1 in each row: you returned "
                "the log responsibilities ln γ(z_nk) = ℓ_nk − ln Σ_j exp(ℓ_nj). "
                "Exponentiate them: γ(z_nk) = exp(ℓ_nk − ln Σ_j exp(ℓ_nj))."
            )
        if got.shape == expected.shape and np.any(np.isnan(got)):
            raise Mismatch(
                "your responsibilities contain NaN: every π_k N(x_n | μ_k, Σ_k) of a row underflowed "
                "to 0, and 0/0 is NaN. Stay in log space: subtract each row's maximum of "
                "ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k) before exponentiating."
            )
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            rows = got.sum(axis=1)
            if not np.allclose(rows, 1.0, atol=1e-6):
                if np.allclose(got.sum(axis=0), 1.0, atol=1e-6):
                    raise Mismatch(
                        "each column sums to 1 but the rows do not: normalise over the "
                        "components k (axis=1), not over the points n (axis=0)."
                    )
                raise Mismatch(
                    f"the rows do not sum to 1 (the first row sums to {rows[0]:.4g}); "
                    "divide by Σ_j π_j N(x_n | μ_j, Σ_j)."
                )
        compare_arrays(got, expected, "your responsibilities")

    return E_STEP.check(student, mixture_cases(E_STEP_MIXTURES), gmm.responsibilities, compare)


# ---------------------------------------------------------------------------
# The responsibility of two components with a shared covariance as a sigmoid


def _sigmoid_cases() -> list[Case]:
    rng = np.random.default_rng(20261201)
    A = rng.normal(size=(3, 3))
    return [
        Case(
            "unequal weights, shared εI in 2-D (ε = 0.5)",
            (np.array([0.7, 0.3]), np.array([[1.0, 2.0], [-1.0, 0.5]]), 0.5 * np.eye(2)),
        ),
        Case(
            "a correlated shared covariance in 2-D",
            (np.array([0.4, 0.6]), np.array([[0.0, 1.0], [2.0, -1.0]]), np.array([[2.0, 0.8], [0.8, 1.0]])),
        ),
        Case(
            "equal weights (ln(π_1/π_2) = 0)",
            (np.array([0.5, 0.5]), np.array([[3.0, 0.0], [0.0, 1.0]]), np.array([[1.0, -0.3], [-0.3, 0.5]])),
        ),
        Case("one dimension (D = 1)", (np.array([0.2, 0.8]), np.array([[-1.0], [2.5]]), np.array([[1.5]]))),
        Case(
            "three dimensions",
            (np.array([0.35, 0.65]), np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 1.0]]), A @ A.T + np.eye(3)),
        ),
    ]


def _sigmoid_variant(*, precision=np.linalg.inv, sign=1.0, half=0.5, log_ratio=1.0):
    """(w, w_0) with Σ⁻¹ replaced by ``precision(Σ)``, w's sign, the ½ and the ln(π_1/π_2) term weighted."""

    def weights_and_bias(weights, means, covariance):
        P = precision(covariance)
        mu1, mu2 = means
        w = sign * P @ (mu1 - mu2)
        w0 = -half * mu1 @ P @ mu1 + half * mu2 @ P @ mu2 + log_ratio * np.log(weights[0] / weights[1])
        return w, float(w0)

    return weights_and_bias


def _sigmoid_reference(weights, means, covariance):
    mu1, mu2 = means
    P1, P2 = np.linalg.solve(covariance, mu1), np.linalg.solve(covariance, mu2)
    return P1 - P2, float(-0.5 * mu1 @ P1 + 0.5 * mu2 @ P2 + np.log(weights[0] / weights[1]))


SIGMOID = Exercise(
    "responsibility as a sigmoid",
    hint="expand the log-odds a(x) = ln[π_1 N(x | μ_1, Σ) / (π_2 N(x | μ_2, Σ))]: the terms xᵀΣ⁻¹x cancel, "
    "what multiplies x is wᵀ and the rest is w0. Compute Σ⁻¹μ_k with np.linalg.solve(covariance, μ_k).",
    mistakes=(
        Mistake(
            "w with the wrong sign",
            _sigmoid_variant(sign=-1.0),
            "w has the wrong sign: γ(z_n1) grows towards μ_1, so w = Σ⁻¹(μ_1 − μ_2), not Σ⁻¹(μ_2 − μ_1).",
        ),
        Mistake(
            "no ln(π_1/π_2)",
            _sigmoid_variant(log_ratio=0.0),
            "w_0 is missing the term ln(π_1/π_2): the mixing coefficients shift the boundary.",
        ),
        Mistake(
            "ln(π_2/π_1)",
            _sigmoid_variant(log_ratio=-1.0),
            "the prior term of w_0 is upside down: it is ln(π_1/π_2), the log-odds of component 1.",
        ),
        Mistake(
            "Σ for Σ⁻¹",
            _sigmoid_variant(precision=lambda c: c),
            "you used Σ where its inverse belongs: w = Σ⁻¹(μ_1 − μ_2) (np.linalg.solve(covariance, ...)).",
        ),
        Mistake(
            "no ½",
            _sigmoid_variant(half=1.0),
            "the quadratic terms of w_0 are missing their ½: w_0 = −½ μ_1ᵀΣ⁻¹μ_1 + ½ μ_2ᵀΣ⁻¹μ_2 + ln(π_1/π_2).",
        ),
        Mistake(
            "no w_0",
            lambda *args: (_sigmoid_reference(*args)[0],),
            "return the 2 results as a tuple (w, w0)",
            by_answer=False,
        ),
    ),
)


@SIGMOID.checker
def check_responsibility_sigmoid(student) -> Feedback:
    """Check ``student(weights, means, covariance)`` for K = 2 components sharing the (D, D) covariance Σ,
    which should return ``(w, w0)``: the (D,) array w = Σ⁻¹(μ_1 − μ_2) and the number
    w_0 = −½ μ_1ᵀΣ⁻¹μ_1 + ½ μ_2ᵀΣ⁻¹μ_2 + ln(π_1/π_2), so that γ(z_n1) = sigm(wᵀx_n + w_0).
    (Python counts from 0: μ_1 is ``means[0]``.)"""

    def compare(got, expected, case):
        compare_tuple(got, expected, ("w", "w0"))

    return SIGMOID.check(student, _sigmoid_cases(), _sigmoid_reference, compare)
