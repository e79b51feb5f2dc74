"""Checkers for the Gaussian-mixture exercises: the E step and the M step."""
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


def check_m_step_covariances(student) -> Feedback:
    """Check ``student(X, responsibilities, means)``, which should return the (K, D, D) covariances
    Σ_k = (1/N_k) Σ_n γ(z_nk) (x_n − μ_k)(x_n − μ_k)ᵀ, with μ_k the updated means."""

    def reference(X, resp, means):
        Nk = resp.sum(axis=0)
        return np.stack([(resp[:, k] * (X - means[k]).T) @ (X - means[k]) / Nk[k] for k in range(len(Nk))])

    def compare(got, expected, case):
        got = as_array(got, "your covariances")
        X, resp, _ = case.args
        if got.shape == expected.shape:
            N, Nk = X.shape[0], resp.sum(axis=0)
            if np.allclose(got, expected * (Nk / N)[:, None, None], rtol=1e-6):
                raise Mismatch("your covariances are divided by N; divide component k's sum by its own N_k = Σ_n γ(z_nk).")
            if not np.allclose(got, np.swapaxes(got, 1, 2), atol=1e-10):
                raise Mismatch("your covariances are not symmetric; use the outer product (x_n − μ_k)(x_n − μ_k)ᵀ.")
        compare_arrays(got, expected, "your covariances")

    cases = []
    for case in _mixture_cases():
        X, weights, means, covariances = case.args
        resp = gmm.responsibilities(X, weights, means, covariances)
        new_means = (resp.T @ X) / resp.sum(axis=0)[:, None]
        cases.append(Case(case.name, (X, resp, new_means)))
    return check_function(
        student,
        exercise="M step for Σ_k",
        cases=cases,
        reference=reference,
        compare=compare,
        hint="for each k, weight the outer products of the residuals x_n − μ_k by γ(z_nk), sum over n "
        "and divide by N_k.",
    )
