"""Checker for the E-step exercise, and the mixture cases other checkers share."""
from __future__ import annotations

import numpy as np

from .. import gmm
from ._core import Case, Feedback, Mismatch, as_array, check_function, compare_arrays


def _mixture_cases() -> list[Case]:
    rng = np.random.default_rng(20261122)
    X2 = rng.normal(size=(40, 2)) * [1.0, 3.0]
    three = (np.array([0.5, 0.3, 0.2]),
             np.array([[0.0, 0.0], [2.0, 1.0], [-1.0, 3.0]]),
             np.array([np.eye(2), [[2.0, 0.5], [0.5, 1.0]], 0.3 * np.eye(2)]))
    one = (np.array([1.0]), np.array([[0.5, -0.5]]), np.array([[[1.0, 0.3], [0.3, 2.0]]]))
    tiny = (np.array([0.5, 0.5]), np.array([[0.0, 0.0], [0.1, 0.0]]),
            np.array([1e-4 * np.eye(2), 1e-4 * np.eye(2)]))
    X_far = np.vstack([X2[:5], [[60.0, -80.0], [1e3, 1e3]]])
    X3 = rng.normal(size=(30, 3))
    three_d = (np.array([0.6, 0.4]), np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
               np.array([np.eye(3), np.diag([0.5, 1.0, 2.0])]))
    return [
        Case("three components in 2-D", (X2, *three)),
        Case("one component", (X2, *one)),
        Case("tiny variances (1e-4)", (X2, *tiny)),
        Case("points far away from every component", (X_far, *three)),
        Case("two components in 3-D", (X3, *three_d)),
    ]


def check_e_step(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, which should return the (N, K) responsibilities γ(z_nk)."""

    def compare(got, expected, case):
        got = as_array(got, "your responsibilities")
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            rows = got.sum(axis=1)
            if not np.allclose(rows, 1.0, atol=1e-6):
                columns = got.sum(axis=0)
                if np.allclose(columns, 1.0, atol=1e-6):
                    raise Mismatch("each column sums to 1 but the rows do not: normalise over the "
                                   "components k (axis=1), not over the points n.")
                raise Mismatch(f"the rows do not sum to 1 (the first row sums to {rows[0]:.4g}); "
                               "divide by Σ_j π_j N(x_n | μ_j, Σ_j).")
        compare_arrays(got, expected, "your responsibilities")

    return check_function(
        student,
        exercise="E step",
        cases=_mixture_cases(),
        reference=gmm.responsibilities,
        compare=compare,
        hint="compute ln π_k + ln N(x_n | μ_k, Σ_k) for every n and k, subtract each row's maximum, "
        "exponentiate and normalise each row.",
    )
