"""Checkers for the exercises of "Maximum likelihood for the Gaussian mixture": the M step's updates.

For frozen responsibilities q_nk (held fixed while the parameters vary), the
maximiser of Q_q(θ) = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k)]:

    N_k = Σ_n q_nk,    π_k = N_k / N,    μ_k = (1/N_k) Σ_n q_nk x_n,
    Σ_k = (1/N_k) Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ.

:func:`finite_difference_gradient` differentiates a function of the mixture
parameters numerically, along directions that keep the parameters valid, so
that a chapter can check that a stationarity condition holds.
"""

from __future__ import annotations

import re

import numpy as np

from ._cases import responsibility_cases
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_arrays

_AXIS_HINT = (
    " Check the axis you sum over: N_k = Σ_n q_nk sums over the points n, "
    "i.e. responsibilities.sum(axis=0), which has shape (K,)."
)

# NumPy's message: "operands could not be broadcast together with shapes (3,2) (3,) ".
_SHAPES = re.compile(r"shapes ((?:\([\d,\s]*\)\s*)+)")


# ---------------------------------------------------------------------------
# Finite differences along the parameters


def finite_difference_gradient(f, weights, means, covariances, *, step: float = 1e-6) -> dict:
    """Central differences of ``f(weights, means, covariances)`` along valid directions.

    Returns a dict with

    - ``"means"``, shape (K, D): the derivative along each entry μ_kd;
    - ``"covariances"``, shape (K, D, D), symmetric: entry (k, i, j) is the
      derivative along the symmetric perturbation e_i e_jᵀ + e_j e_iᵀ of Σ_k
      (e_i e_iᵀ on the diagonal), so that Σ_k stays symmetric;
    - ``"weights"``, shape (K − 1,): entry k is the derivative along
      e_k − e_K (π_k up, π_K down by the same amount), so that Σ_k π_k = 1.

    Each is the central difference (f at θ plus ``step`` times the direction,
    minus f at θ minus ``step`` times the direction) / (2 ``step``): exact up
    to O(step²), plus rounding of order (machine epsilon) · |f| / step.
    """
    weights = np.asarray(weights, dtype=float)
    means = np.asarray(means, dtype=float)
    covariances = np.asarray(covariances, dtype=float)
    K, D = means.shape

    def along(dw, dm, dc):
        up = f(weights + step * dw, means + step * dm, covariances + step * dc)
        down = f(weights - step * dw, means - step * dm, covariances - step * dc)
        return (up - down) / (2.0 * step)

    no_w, no_m, no_c = np.zeros(K), np.zeros((K, D)), np.zeros((K, D, D))
    grad_means = np.zeros((K, D))
    for k in range(K):
        for d in range(D):
            dm = no_m.copy()
            dm[k, d] = 1.0
            grad_means[k, d] = along(no_w, dm, no_c)
    grad_cov = np.zeros((K, D, D))
    for k in range(K):
        for i in range(D):
            for j in range(i, D):
                dc = no_c.copy()
                dc[k, i, j] = dc[k, j, i] = 1.0
                grad_cov[k, i, j] = grad_cov[k, j, i] = along(no_w, no_m, dc)
    grad_weights = np.zeros(K - 1)
    for k in range(K - 1):
        dw = no_w.copy()
        dw[k], dw[K - 1] = 1.0, -1.0
        grad_weights[k] = along(dw, no_m, no_c)
    return {"weights": grad_weights, "means": grad_means, "covariances": grad_cov}


# ---------------------------------------------------------------------------
# The M step, one update at a time


def _broadcast_hint(message: str) -> str:
    """What to change, from the shapes in NumPy's broadcast error.

    Dividing the (K, D) sums, or the (K, D, D) ones, by the (K,) array N_k fails because
    NumPy aligns the last axes; that is the commonest slip and not a wrong axis."""
    found = _SHAPES.search(message)
    listed = re.findall(r"\(([^)]*)\)", found.group(1)) if found else []
    shapes = [tuple(int(n) for n in re.findall(r"\d+", shape)) for shape in listed]
    if len(shapes) == 2:
        sums, counts = sorted(shapes, key=len, reverse=True)
        if len(counts) == 1 and len(sums) in (2, 3) and sums[0] == counts[0]:
            index = "[:, None]" if len(sums) == 2 else "[:, None, None]"
            what = "row k" if len(sums) == 2 else "matrix k"
            return (
                f" NumPy lines up the last axes, so an array of shape {sums} cannot be divided by the "
                f"{counts} array N_k as it is: to divide {what} by N_k, write Nk{index}."
            )
    return _AXIS_HINT


def _with_axis_hint(feedback: Feedback) -> Feedback:
    if not feedback.passed and "could not be broadcast" in feedback.message:
        return Feedback(
            feedback.exercise, False, feedback.message.rstrip().rstrip(".") + "." + _broadcast_hint(feedback.message)
        )
    return feedback


def _weighted_sums(X, resp):
    return resp.T @ X


def _means(X, resp):
    return _weighted_sums(X, resp) / resp.sum(axis=0)[:, None]


def _hard_means(X, resp):
    """Means of the points whose largest responsibility is k (k-means' update)."""
    one_hot = np.eye(resp.shape[1])[np.argmax(resp, axis=1)]
    return _means(X, one_hot)


def covariance_sums(X, resp, means):
    """Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ for every k, about the given means μ_k."""
    return np.stack([(resp[:, k] * (X - mean).T) @ (X - mean) for k, mean in enumerate(means)])


def _covariances(X, resp, means):
    return covariance_sums(X, resp, means) / resp.sum(axis=0)[:, None, None]


MEANS = Exercise(
    "M step for μ_k",
    hint="N_k is responsibilities.sum(axis=0); the weighted sums Σ_n q_nk x_n are responsibilities.T @ X.",
    mistakes=(
        Mistake(
            "divided by N",
            lambda X, r: _weighted_sums(X, r) / len(X),
            "your means are divided by N, the number of all points; divide component k's weighted sum by "
            "its own N_k = Σ_n q_nk.",
        ),
        Mistake(
            "not divided",
            _weighted_sums,
            "you returned the weighted sums Σ_n q_nk x_n; divide each by N_k = Σ_n q_nk to get a weighted average.",
        ),
        Mistake(
            "hard assignments",
            _hard_means,
            "your means are averages over hard assignments (each point given to its most responsible "
            "component), as in k-means; weight every point by its responsibility q_nk instead.",
        ),
        Mistake(
            "N_k over the wrong axis",
            lambda X, r: _weighted_sums(X, r) / r.sum(axis=1)[:, None],
            "Check the axis you sum over",
            by_answer=False,
        ),
        Mistake(
            "N_k not lined up with the rows",
            lambda X, r: _weighted_sums(X, r) / r.sum(axis=0),
            "to divide row k by N_k, write Nk[:, None]",
            by_answer=False,
        ),
        Mistake("transposed", lambda X, r: _means(X, r).T, "(transposed?)", by_answer=False),
    ),
)


@MEANS.checker
def check_m_step_means(student) -> Feedback:
    """Check ``student(X, responsibilities)``, which should return the (K, D) means
    μ_k = (1/N_k) Σ_n q_nk x_n with N_k = Σ_n q_nk, for the frozen responsibilities q_nk."""

    def compare(got, expected, case):
        compare_arrays(got, expected, "your means")

    return _with_axis_hint(MEANS.check(student, responsibility_cases(), _means, compare))


WEIGHTS = Exercise(
    "M step for π_k",
    hint="N_k = responsibilities.sum(axis=0) is the effective number of points of component k; π_k = N_k / N.",
    mistakes=(
        Mistake(
            "N_k, not divided by N",
            lambda r: r.sum(axis=0),
            "your weights are the effective numbers N_k; divide by N so that they sum to 1.",
        ),
        Mistake(
            "summed over the components", lambda r: r.sum(axis=1) / len(r), "one number per point", by_answer=False
        ),
        Mistake(
            "divided by N + 1", lambda r: r.sum(axis=0) / (len(r) + 1), "mixing coefficients sum to 1", by_answer=False
        ),
    ),
)


@WEIGHTS.checker
def check_m_step_weights(student) -> Feedback:
    """Check ``student(responsibilities)``, which should return the (K,) mixing
    coefficients π_k = N_k / N with N_k = Σ_n q_nk."""

    def compare(got, expected, case):
        got = as_array(got, "your weights")
        N, K = case.args[0].shape
        if got.shape == (N,) and N != K:
            raise Mismatch(
                f"your weights have shape ({N},), one number per point: you summed over "
                "the components k (axis=1). N_k = Σ_n q_nk sums over the points "
                "n (axis=0)."
            )
        if got.shape == expected.shape and np.all(np.isfinite(got)) and not np.isclose(got.sum(), 1.0, atol=1e-6):
            raise Mismatch(f"your weights sum to {got.sum():.6g}, but mixing coefficients sum to 1.")
        compare_arrays(got, expected, "your weights")

    cases = [Case(case.name, (case.args[1],)) for case in responsibility_cases()]
    return _with_axis_hint(WEIGHTS.check(student, cases, lambda resp: resp.sum(axis=0) / resp.shape[0], compare))


COVARIANCES = Exercise(
    "M step for Σ_k",
    hint="for each k, weight the outer products of the residuals x_n − μ_k by q_nk, sum over n and divide by N_k.",
    mistakes=(
        Mistake(
            "divided by N",
            lambda X, r, m: covariance_sums(X, r, m) / len(X),
            "your covariances are divided by N; divide component k's sum by its own N_k = Σ_n q_nk.",
        ),
        Mistake(
            "not divided",
            covariance_sums,
            "you returned the weighted sums Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ; divide each by N_k = Σ_n q_nk.",
        ),
        Mistake(
            "N_k not lined up with the matrices",
            lambda X, r, m: covariance_sums(X, r, m) / r.sum(axis=0),
            "to divide matrix k by N_k, write Nk[:, None, None]",
            by_answer=False,
        ),
        Mistake(
            "unweighted",
            lambda X, r, m: covariance_sums(X, np.ones_like(r), m) / len(X),
            "you weighted every point equally: weight point n's outer product by q_nk and divide by N_k.",
        ),
        Mistake(
            "not symmetric",
            lambda X, r, m: _covariances(X, r, m) + np.triu(np.full(X.shape[1:] * 2, 0.1), 1),
            "not symmetric",
            by_answer=False,
        ),
    ),
)


@COVARIANCES.checker
def check_m_step_covariances(student) -> Feedback:
    """Check ``student(X, responsibilities, means)``, which should return the (K, D, D)
    covariances Σ_k = (1/N_k) Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ about the given means.

    A mistake is named only where its answer differs from the right one: with one
    component, dividing by N is dividing by N_k, and a correct answer is not called wrong.
    """

    def compare(got, expected, case):
        got = as_array(got, "your covariances")
        if (
            got.shape == expected.shape
            and np.all(np.isfinite(got))
            and not np.allclose(got, np.swapaxes(got, 1, 2), atol=1e-10)
        ):
            raise Mismatch("your covariances are not symmetric; use the outer product (x_n − μ_k)(x_n − μ_k)ᵀ.")
        compare_arrays(got, expected, "your covariances")

    cases = [Case(case.name, (*case.args, _means(*case.args))) for case in responsibility_cases()]
    return _with_axis_hint(COVARIANCES.check(student, cases, _covariances, compare))
