"""Checkers for the exercises of "K-means": the distortion J and the two half-steps.

- :func:`check_distortion`: J = Σ_n Σ_k r_nk ‖x_n − μ_k‖²;
- :func:`check_assignment_step`: each point to its nearest centre;
- :func:`check_update_step`: each centre to the mean of its points.
"""

from __future__ import annotations

import numpy as np

from ..clustering import distortion as _distortion
from ..clustering import squared_distances as _squared_distances
from ._cases import clusters
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_arrays, compare_scalars


def _own_squared_distances(X, centers, labels):
    return _squared_distances(X, centers)[np.arange(len(X)), labels]


# ---------------------------------------------------------------------------
# The distortion J


def _distortion_cases() -> list[Case]:
    rng = np.random.default_rng(20261125)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
    X, labels = clusters(rng, centers, (10, 7, 8))
    random_labels = rng.integers(3, size=len(X))
    X1, labels1 = clusters(rng, [[-2.0], [3.0]], (6, 9))
    on_centres = np.vstack([centers, X[:5]])
    X3, labels3 = clusters(rng, np.eye(3) * 5, (5, 6, 4), scale=1.0)
    return [
        Case("three clusters in 2-D", (X, centers, labels)),
        Case("labels that are not the nearest centre", (X, centers, random_labels)),
        Case("one cluster (K = 1)", (X, X.mean(axis=0, keepdims=True), np.zeros(len(X), dtype=int))),
        Case("one dimension (D = 1)", (X1, np.array([[-2.0], [3.0]]), labels1)),
        Case("points sitting on their centres", (on_centres, centers, np.r_[0, 1, 2, labels[:5]])),
        Case("three dimensions", (X3, np.eye(3) * 5, labels3)),
    ]


DISTORTION = Exercise(
    "distortion J",
    hint="centers[labels] is an (N, D) array whose row n is the centre of point n; sum the squares of X − "
    "centers[labels].",
    mistakes=(
        Mistake(
            "distances not squared",
            lambda X, c, l: np.sqrt(_own_squared_distances(X, c, l)).sum(),
            "you summed the distances ‖x_n − μ_k‖; J sums the squared distances ‖x_n − μ_k‖².",
        ),
        Mistake(
            "averaged over the points",
            lambda X, c, l: _distortion(X, c, l) / len(X),
            "you averaged over the N points; J is the sum over n, not the mean.",
        ),
        Mistake(
            "np.mean",
            lambda X, c, l: np.mean((X - c[l]) ** 2),
            "you averaged over all N·D coordinates (np.mean); J is a sum: use np.sum.",
        ),
        Mistake(
            "square root",
            lambda X, c, l: np.sqrt(_distortion(X, c, l)),
            "you took a square root; J is the sum of squared distances itself.",
        ),
        Mistake(
            "nearest centre",
            lambda X, c, l: _squared_distances(X, c).min(axis=1).sum(),
            "you used each point's nearest centre; J must use the labels you are given "
            "(r_nk = 1 only for k = labels[n]), nearest or not.",
        ),
        Mistake(
            "every centre",
            lambda X, c, l: _squared_distances(X, c).sum(),
            "you summed ‖x_n − μ_k‖² over every centre k; only the centre point n is assigned to (r_nk = 1) counts.",
        ),
        Mistake(
            "not summed over n",
            lambda X, c, l: np.sum((X - c[l]) ** 2, axis=1),
            "one number per point",
            by_answer=False,
        ),
        Mistake("no return", lambda X, c, l: None, "returned None", by_answer=False),
    ),
)


@DISTORTION.checker
def check_distortion(student) -> Feedback:
    """Check ``student(X, centers, labels)``, which should return the distortion
    J = Σ_n Σ_k r_nk ‖x_n − μ_k‖² = Σ_n ‖x_n − μ_{labels[n]}‖² as a single number."""

    def compare(got, expected, case):
        got = as_array(got, "your distortion")
        if got.shape == (len(case.args[0]),):
            raise Mismatch("you returned one number per point; J is their sum over n.")
        compare_scalars(got, expected, "your distortion")

    return DISTORTION.check(student, _distortion_cases(), _distortion, compare)


# ---------------------------------------------------------------------------
# The assignment half-step


def _assignment_cases() -> list[Case]:
    rng = np.random.default_rng(20261126)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
    X, _ = clusters(rng, centers, (10, 7, 8), scale=1.5)
    ties_x = np.column_stack([np.zeros(6), np.linspace(-2.0, 3.0, 6)])
    ties = np.vstack([ties_x, [[-1.5, 0.3], [2.0, -1.0]]])
    far = np.array([[1e4, 3.0], [-2e5, 1e5], [3e6, -3e6], [0.1, -5e4], [7e5, 7e5]])
    X1 = rng.uniform(-5.0, 5.0, size=(15, 1))
    X5 = rng.normal(scale=3.0, size=(30, 3))
    return [
        Case("three centres in 2-D", (X, centers)),
        Case("one centre (K = 1)", (X, np.array([[1.0, 1.0]]))),
        Case("ties: points exactly halfway between two centres", (ties, np.array([[-1.0, 0.0], [1.0, 0.0]]))),
        Case("points far away from every centre", (far, centers)),
        Case("one dimension (D = 1)", (X1, np.array([[-3.0], [0.5], [2.0], [4.0]]))),
        Case("five centres in 3-D", (X5, rng.normal(scale=3.0, size=(5, 3)))),
    ]


def _nearest(X, centers):
    return np.argmin(_squared_distances(X, centers), axis=1)


# Ties make more than one answer right, so every mistake is spotted from the labels' form
# and distances rather than by comparing with one wrong answer.
ASSIGNMENT = Exercise(
    "assignment step",
    hint="X[:, None, :] − centers[None, :, :] has shape (N, K, D); square, sum over the last axis and take "
    "np.argmin over the centres (axis=1).",
    mistakes=(
        Mistake(
            "argmax",
            lambda X, c: np.argmax(_squared_distances(X, c), axis=1),
            "farthest centre: the assignment takes the argmin of the distances, not the argmax",
            by_answer=False,
        ),
        Mistake(
            "minimum over the points",
            lambda X, c: np.argmin(_squared_distances(X, c), axis=0),
            "Take it over the centres, axis=1",
            by_answer=False,
        ),
        Mistake(
            "one-hot", lambda X, c: np.eye(len(c))[_nearest(X, c)], "you returned the 0/1 matrix r_nk", by_answer=False
        ),
        Mistake(
            "one-hot, transposed",
            lambda X, c: np.eye(len(c))[_nearest(X, c)].T,
            "(and transposed: rows should be points)",
            by_answer=False,
        ),
        Mistake("labels from 1", lambda X, c: _nearest(X, c) + 1, "Python counts from 0, not from 1", by_answer=False),
        Mistake(
            "Manhattan distance",
            lambda X, c: np.argmin(np.abs(X[:, None, :] - c[None]).sum(axis=2), axis=1),
            "is nearer",
            by_answer=False,
        ),
    ),
)


@ASSIGNMENT.checker
def check_assignment_step(student) -> Feedback:
    """Check ``student(X, centers)``, which should return ``labels`` of shape (N,): for each point the index
    k of its nearest centre, argmin_k ‖x_n − μ_k‖².  Where two centres are equally near, either is accepted."""

    def compare(got, expected, case):
        X, centers = case.args
        N, K = len(X), len(centers)
        got = as_array(got, "your labels")
        if got.ndim == 2 and got.shape in ((N, K), (K, N)) and np.all((got == 0) | (got == 1)):
            transposed = " (and transposed: rows should be points)" if got.shape == (K, N) and N != K else ""
            raise Mismatch(
                f"you returned the 0/1 matrix r_nk with shape {got.shape}{transposed}; return one "
                f"label per point, shape ({N},), e.g. np.argmin(distances, axis=1)."
            )
        if got.shape == (K,) and N != K:
            raise Mismatch(
                f"your labels have shape ({K},), one per centre: you took the minimum over the "
                "points (axis 0). Take it over the centres, axis=1, to get one label per point."
            )
        if got.shape != (N,):
            raise Mismatch(f"your labels have shape {got.shape}, but should have shape ({N},), one per point.")
        if not np.all(np.isfinite(got)) or np.any(got != np.round(got)):
            raise Mismatch("your labels must be whole numbers k = 0, …, K − 1 (indices into centers).")
        labels = got.astype(int)
        if labels.min() < 0 or labels.max() > K - 1:
            one_based = labels.min() >= 1 and labels.max() <= K
            raise Mismatch(
                f"your labels run from {labels.min()} to {labels.max()}, but must lie in 0, …, {K - 1}"
                + (" (Python counts from 0, not from 1)." if one_based else ".")
            )
        d2 = np.sum((X[:, None, :] - centers[None, :, :]) ** 2, axis=2)
        best = d2.min(axis=1)
        mine = d2[np.arange(N), labels]
        wrong = mine > best * (1 + 1e-9) + 1e-12
        if np.any(wrong):
            if K > 1 and np.all(mine == d2.max(axis=1)):
                raise Mismatch(
                    "every point went to its farthest centre: the assignment takes the argmin of "
                    "the distances, not the argmax."
                )
            n = int(np.flatnonzero(wrong)[0])
            raise Mismatch(
                f"point {n} was assigned to centre {labels[n]} at squared distance {mine[n]:.6g}, "
                f"but centre {int(np.argmin(d2[n]))} is nearer ({best[n]:.6g})."
            )

    return ASSIGNMENT.check(student, _assignment_cases(), _nearest, compare)


# ---------------------------------------------------------------------------
# The update half-step


def _update_cases() -> list[Case]:
    rng = np.random.default_rng(20261127)
    X, labels = clusters(rng, [[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]], (10, 7, 8))
    X_single = np.vstack([X, [[9.0, 9.0]]])
    labels_single = np.r_[labels, 3]
    X1, labels1 = clusters(rng, [[-2.0], [3.0]], (6, 9))
    skewed = rng.exponential(scale=2.0, size=(21, 4)) + np.repeat([[0.0] * 4, [5.0] * 4, [10.0] * 4], 7, axis=0)
    labels_skewed = np.repeat([0, 1, 2], 7)
    order = rng.permutation(len(skewed))
    square, labels_square = clusters(rng, [[0.0, 2.0], [3.0, -1.0]], (5, 6), scale=1.0)
    return [
        Case("three clusters in 2-D", (X, labels, 3)),
        Case("one cluster (K = 1)", (X, np.zeros(len(X), dtype=int), 1)),
        Case("a cluster with a single point", (X_single, labels_single, 4)),
        Case("one dimension (D = 1)", (X1, labels1, 2)),
        Case("skewed clusters in 4-D", (skewed[order], labels_skewed[order], 3)),
        Case("two clusters in 2-D (K = D)", (square, labels_square, 2)),
    ]


def _cluster_sums(X, labels, K):
    return np.stack([X[labels == k].sum(axis=0) for k in range(K)])


def _update_reference(X, labels, K):
    return _cluster_sums(X, labels, K) / np.bincount(labels, minlength=K)[:, None]


UPDATE = Exercise(
    "update step",
    hint="for each k, X[labels == k] holds the points of cluster k; take their mean over axis 0.",
    mistakes=(
        Mistake(
            "transposed",
            lambda X, l, K: _update_reference(X, l, K).T,
            "your centres are transposed: row k must be μ_k, column d its d-th coordinate.",
        ),
        Mistake(
            "medians",
            lambda X, l, K: np.stack([np.median(X[l == k], axis=0) for k in range(K)]),
            "your centres are the medians of the clusters; the update is the mean, which is what "
            "minimises the sum of squared distances Σ_n r_nk ‖x_n − μ_k‖².",
        ),
        Mistake(
            "sums", _cluster_sums, "your centres are the sums Σ_n r_nk x_n; divide each by its count N_k = Σ_n r_nk."
        ),
        Mistake(
            "divided by N",
            lambda X, l, K: _cluster_sums(X, l, K) / len(X),
            "you divided by the total number of points N; divide cluster k's sum by its own count N_k = Σ_n r_nk.",
        ),
        Mistake(
            "labels ignored",
            lambda X, l, K: np.tile(X.mean(axis=0), (K, 1)),
            "every centre is the mean of all the points: average only the points labelled k (X[labels == k]).",
        ),
        Mistake(
            "wrong order",
            lambda X, l, K: _update_reference(X, l, K)[::-1],
            "your centres are in the wrong order",
            by_answer=False,
        ),
    ),
)


@UPDATE.checker
def check_update_step(student) -> Feedback:
    """Check ``student(X, labels, K)``, which should return the (K, D) array of centres, row k the mean
    μ_k = Σ_n r_nk x_n / Σ_n r_nk of the points labelled k (every cluster has at least one point)."""

    def compare(got, expected, case):
        got = as_array(got, "your centres")
        X, labels, K = case.args
        D = X.shape[1]
        if got.shape == (D, K) and D != K:
            raise Mismatch(
                f"your centres have shape {got.shape}: transposed. Return shape ({K}, {D}), row k the centre μ_k."
            )
        if (
            K > 1
            and got.shape == expected.shape
            and not np.allclose(got, expected)
            and np.allclose(np.sort(got, axis=0), np.sort(expected, axis=0))
        ):
            raise Mismatch("your centres are in the wrong order: row k must be the mean of the points with label k.")
        compare_arrays(got, expected, "your centres")

    return UPDATE.check(student, _update_cases(), _update_reference, compare)
