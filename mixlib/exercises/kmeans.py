"""Checkers for the exercises on densities (chapter 1) and k-means (chapter 2).

Densities: the log-density of one Gaussian and the density of a 1-D mixture.
K-means: the distortion J, the assignment half-step and the update half-step.
Each checker runs the student's function on cases it builds (edge cases
included), compares with mixlib, and when an answer is wrong tries the usual
mistakes in turn so that the feedback can name the one that was made.
"""
from __future__ import annotations

import numpy as np

from .. import gmm
from ..clustering import distortion as _distortion
from ..clustering import squared_distances as _squared_distances
from ._core import Case, Feedback, Mismatch, as_array, check_function, compare_arrays, compare_scalars

_LOG_2PI = np.log(2.0 * np.pi)


def _close(a, b, rtol=1e-6, atol=1e-8) -> bool:
    """True if the arrays have one shape and agree; False (never an error) otherwise."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


# ---------------------------------------------------------------------------
# Chapter 1: the Gaussian log-density


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


def check_log_gaussian(student) -> Feedback:
    """Check ``student(X, mean, covariance)``, which should return ln N(x_n | μ, Σ) for each row x_n of X,
    an array of shape (N,), computed from the Cholesky factor L of Σ = L Lᵀ."""

    def compare(got, expected, case):
        got = as_array(got, "your log-densities")
        X, mean, cov = case.args
        if got.shape == (len(X), 1):
            raise Mismatch(f"your log-densities have shape {got.shape}; return a 1-D array of shape "
                           f"({len(X)},), one number per point (e.g. with .ravel()).")
        if got.shape == expected.shape:
            if np.any(np.isneginf(got)):
                raise Mismatch("you returned −inf for a point far from the mean: the density underflowed to "
                               "0 before the logarithm was taken. Stay in log space: "
                               "ln N = −½ (D ln 2π + ln det Σ + ‖L⁻¹(x − μ)‖²).")
            if np.all(np.isfinite(got)):
                _diagnose_log_gaussian(got, expected, X, mean, cov)
        compare_arrays(got, expected, "your log-densities")

    return check_function(
        student,
        exercise="log-density of a Gaussian",
        cases=_log_gaussian_cases(),
        reference=_log_gaussian_reference,
        compare=compare,
        hint="L = np.linalg.cholesky(covariance); solve L y_n = x_n − μ with "
        "scipy.linalg.solve_triangular(L, (X - mean).T, lower=True); then "
        "ln N = −½ (D ln 2π + 2 Σ_d ln L_dd + ‖y_n‖²).",
    )


def _diagnose_log_gaussian(got, expected, X, mean, cov):
    D = X.shape[1]
    diff = X - mean
    log_det = np.linalg.slogdet(cov)[1]
    with np.errstate(all="ignore"):
        if _close(got, np.exp(expected), rtol=1e-6, atol=1e-300) and not _close(got, expected):
            raise Mismatch("you returned the density N(x | μ, Σ) itself; the exercise asks for its logarithm.")
        quad = np.einsum("nd,de,ne->n", diff, np.linalg.inv(cov), diff)
        normaliser = -0.5 * (D * _LOG_2PI + log_det)
        if _close(got, normaliser - quad) and not _close(got, expected):
            raise Mismatch("the quadratic form (x − μ)ᵀ Σ⁻¹ (x − μ) is missing its factor ½.")
        swapped = normaliser - 0.5 * np.einsum("nd,de,ne->n", diff, cov, diff)
        if _close(got, swapped) and not _close(got, expected):
            raise Mismatch("you used Σ where its inverse belongs: the quadratic form is (x − μ)ᵀ Σ⁻¹ (x − μ); "
                           "with Σ = L Lᵀ it equals ‖L⁻¹(x − μ)‖².")
        L = np.linalg.cholesky(cov)
        upper = normaliser - 0.5 * np.sum(np.linalg.solve(L.T, diff.T) ** 2, axis=0)
        if _close(got, upper) and not _close(got, expected):
            raise Mismatch("you solved with Lᵀ instead of L: with Σ = L Lᵀ the whitened residual is "
                           "y = L⁻¹(x − μ) (solve L y = x − μ with lower=True).")
        offset = got - expected
        if np.ptp(offset) < 1e-6 * (1.0 + np.abs(expected).max()) and abs(offset.mean()) > 1e-6:
            shift = offset.mean()
            known = [
                (0.5 * D * _LOG_2PI, "you left out the term −(D/2) ln 2π."),
                (0.5 * (D - 1) * _LOG_2PI, "you used −½ ln 2π; in D dimensions the term is −(D/2) ln 2π."),
                (0.5 * log_det, "you left out the term −½ ln det Σ."),
                (-0.5 * log_det, "you used −ln det Σ; the term is −½ ln det Σ (the square root of the determinant). "
                 "From the Cholesky factor, ln det Σ = 2 Σ_d ln L_dd."),
                (0.25 * log_det, "you used −¼ ln det Σ; from the Cholesky factor, ln det Σ = 2 Σ_d ln L_dd, "
                 "so −½ ln det Σ = −Σ_d ln L_dd."),
            ]
            for value, message in known:
                if abs(value) > 1e-9 and abs(shift - value) < 1e-6 * (1.0 + abs(value)):
                    raise Mismatch(message)
            raise Mismatch(f"your log-densities are off by the same constant ({shift:.6g}) at every point, so the "
                           "quadratic form is right but the normalising constant is wrong: it is "
                           "−(D/2) ln 2π − ½ ln det Σ.")


# ---------------------------------------------------------------------------
# Chapter 1: the density of a 1-D mixture


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
    """N(x_m | μ_k, v_k) as an (M, K) array."""
    return np.exp(-0.5 * (x[:, None] - means) ** 2 / variances) / np.sqrt(2 * np.pi * variances)


def _mixture_density_reference(x, weights, means, sigmas):
    return np.exp(gmm.log_density(x[:, None], weights, means[:, None], (sigmas**2)[:, None, None]))


def check_mixture_density(student) -> Feedback:
    """Check ``student(x, weights, means, sigmas)``, which should return the 1-D mixture density
    p(x_m) = Σ_k π_k N(x_m | μ_k, σ_k²) at each entry of the 1-D array x, an array of shape (M,);
    ``sigmas`` holds the standard deviations σ_k."""

    def compare(got, expected, case):
        got = as_array(got, "your densities")
        x, weights, means, sigmas = case.args
        M, K = len(x), len(weights)
        if got.ndim == 2 and K > 1 and got.shape in ((M, K), (K, M)):
            raise Mismatch(f"your answer has shape {got.shape}: one column (or row) per component. "
                           "Add the weighted components up: p(x) = Σ_k π_k N(x | μ_k, σ_k²).")
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            components = _gaussians_1d(x, means, sigmas**2)
            wrong = [
                (np.log(expected), "you returned ln p(x); the exercise asks for the density p(x) itself."),
                (components.sum(axis=1), "you added the components without their mixing coefficients: "
                 "weight N(x | μ_k, σ_k²) by π_k."),
                (components.mean(axis=1), "you averaged the components with equal weights 1/K: "
                 "weight component k by its own π_k."),
                (_gaussians_1d(x, means, sigmas) @ weights, "you used σ_k as the variance; "
                 "the variance of component k is σ_k² (sigmas holds standard deviations)."),
                (_gaussians_1d(x, means, sigmas**4) @ weights, "you squared σ_k twice: "
                 "N(x | μ, σ²) has variance σ², i.e. scale σ (e.g. scipy.stats.norm(μ, σ))."),
            ]
            for candidate, message in wrong:
                if _close(got, candidate, rtol=1e-6, atol=1e-300) and not _close(got, expected, atol=1e-300):
                    raise Mismatch(message)
            ratio = got / np.where(expected > 1e-250, expected, np.nan)
            ratio = ratio[np.isfinite(ratio)]
            if ratio.size > 1 and np.ptp(ratio) < 1e-6 * abs(ratio.mean()) and abs(ratio.mean() - 1) > 1e-6:
                raise Mismatch(f"your densities are {ratio.mean():.6g} times the answer everywhere: "
                               "check the normalising constant 1/√(2π σ_k²) of each component.")
        compare_arrays(got, expected, "your densities", rtol=1e-6, atol=1e-300)

    return check_function(
        student,
        exercise="density of a 1-D mixture",
        cases=_mixture_density_cases(),
        reference=_mixture_density_reference,
        compare=compare,
        hint="broadcast x[:, None] against the (K,) parameters to get an (M, K) array of "
        "N(x_m | μ_k, σ_k²), then take its matrix product with the weights.",
    )


# ---------------------------------------------------------------------------
# Chapter 2: the distortion J


def _clusters(rng, centers, sizes, scale=0.6):
    """Points around each centre, with their labels; the labels are shuffled with the points."""
    centers = np.asarray(centers, dtype=float)
    X = np.vstack([c + scale * rng.normal(size=(n, centers.shape[1])) for c, n in zip(centers, sizes)])
    labels = np.repeat(np.arange(len(centers)), sizes)
    order = rng.permutation(len(X))
    return X[order], labels[order]


def _distortion_cases() -> list[Case]:
    rng = np.random.default_rng(20261125)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
    X, labels = _clusters(rng, centers, (10, 7, 8))
    random_labels = rng.integers(3, size=len(X))
    X1, labels1 = _clusters(rng, [[-2.0], [3.0]], (6, 9))
    on_centres = np.vstack([centers, X[:5]])
    X3, labels3 = _clusters(rng, np.eye(3) * 5, (5, 6, 4), scale=1.0)
    return [
        Case("three clusters in 2-D", (X, centers, labels)),
        Case("labels that are not the nearest centre", (X, centers, random_labels)),
        Case("one cluster (K = 1)", (X, X.mean(axis=0, keepdims=True), np.zeros(len(X), dtype=int))),
        Case("one dimension (D = 1)", (X1, np.array([[-2.0], [3.0]]), labels1)),
        Case("points sitting on their centres", (on_centres, centers, np.r_[0, 1, 2, labels[:5]])),
        Case("three dimensions", (X3, np.eye(3) * 5, labels3)),
    ]


def check_distortion(student) -> Feedback:
    """Check ``student(X, centers, labels)``, which should return the distortion
    J = Σ_n Σ_k r_nk ‖x_n − μ_k‖² = Σ_n ‖x_n − μ_{labels[n]}‖² as a single number."""

    def compare(got, expected, case):
        got = as_array(got, "your distortion")
        X, centers, labels = case.args
        if got.shape == (len(X),):
            raise Mismatch("you returned one number per point; J is their sum over n.")
        if got.shape == () and np.isfinite(got):
            d2 = _squared_distances(X, centers)
            own = d2[np.arange(len(X)), labels]
            wrong = [
                (np.sqrt(own).sum(), "you summed the distances ‖x_n − μ_k‖; J sums the squared distances "
                 "‖x_n − μ_k‖²."),
                (expected / len(X), "you averaged over the N points; J is the sum over n, not the mean."),
                (expected / X.size, "you averaged over all N·D coordinates (np.mean); J is a sum: "
                 "use np.sum."),
                (np.sqrt(expected), "you took a square root; J is the sum of squared distances itself."),
                (d2.min(axis=1).sum(), "you used each point's nearest centre; J must use the labels you are "
                 "given (r_nk = 1 only for k = labels[n]), nearest or not."),
                (d2.sum(), "you summed ‖x_n − μ_k‖² over every centre k; only the centre point n is assigned "
                 "to (r_nk = 1) counts."),
            ]
            for value, message in wrong:
                if np.isclose(got, value, rtol=1e-8) and not np.isclose(got, expected, rtol=1e-8):
                    raise Mismatch(message)
        compare_scalars(got, expected, "your distortion")

    return check_function(
        student,
        exercise="distortion J",
        cases=_distortion_cases(),
        reference=_distortion,
        compare=compare,
        hint="centers[labels] is an (N, D) array whose row n is the centre of point n; "
        "sum the squares of X − centers[labels].",
    )


# ---------------------------------------------------------------------------
# Chapter 2: the assignment half-step


def _assignment_cases() -> list[Case]:
    rng = np.random.default_rng(20261126)
    centers = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
    X, _ = _clusters(rng, centers, (10, 7, 8), scale=1.5)
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


def check_assignment_step(student) -> Feedback:
    """Check ``student(X, centers)``, which should return ``labels`` of shape (N,): for each point the index
    k of its nearest centre, argmin_k ‖x_n − μ_k‖².  Where two centres are equally near, either is accepted."""

    def compare(got, expected, case):
        X, centers = case.args
        N, K = len(X), len(centers)
        got = as_array(got, "your labels")
        if got.ndim == 2 and got.shape in ((N, K), (K, N)) and np.all((got == 0) | (got == 1)):
            transposed = " (and transposed: rows should be points)" if got.shape == (K, N) and N != K else ""
            raise Mismatch(f"you returned the 0/1 matrix r_nk with shape {got.shape}{transposed}; return one "
                           f"label per point, shape ({N},), e.g. np.argmin(distances, axis=1).")
        if got.shape == (K,) and N != K:
            raise Mismatch(f"your labels have shape ({K},), one per centre: you took the minimum over the "
                           "points (axis 0). Take it over the centres, axis=1, to get one label per point.")
        if got.shape != (N,):
            raise Mismatch(f"your labels have shape {got.shape}, but should have shape ({N},), one per point.")
        if not np.all(np.isfinite(got)) or np.any(got != np.round(got)):
            raise Mismatch("your labels must be whole numbers k = 0, …, K − 1 (indices into centers).")
        labels = got.astype(int)
        if labels.min() < 0 or labels.max() > K - 1:
            one_based = labels.min() >= 1 and labels.max() <= K
            raise Mismatch(f"your labels run from {labels.min()} to {labels.max()}, but must lie in 0, …, {K - 1}"
                           + (" (Python counts from 0, not from 1)." if one_based else "."))
        d2 = np.sum((X[:, None, :] - centers[None, :, :]) ** 2, axis=2)
        best = d2.min(axis=1)
        mine = d2[np.arange(N), labels]
        wrong = mine > best * (1 + 1e-9) + 1e-12
        if np.any(wrong):
            if K > 1 and np.all(mine == d2.max(axis=1)):
                raise Mismatch("every point went to its farthest centre: the assignment takes the argmin of "
                               "the distances, not the argmax.")
            n = int(np.flatnonzero(wrong)[0])
            raise Mismatch(f"point {n} was assigned to centre {labels[n]} at squared distance {mine[n]:.6g}, "
                           f"but centre {int(np.argmin(d2[n]))} is nearer ({best[n]:.6g}).")

    return check_function(
        student,
        exercise="assignment step",
        cases=_assignment_cases(),
        reference=lambda X, centers: np.argmin(_squared_distances(X, centers), axis=1),
        compare=compare,
        hint="X[:, None, :] − centers[None, :, :] has shape (N, K, D); square, sum over the last axis and "
        "take np.argmin over the centres (axis=1).",
    )


# ---------------------------------------------------------------------------
# Chapter 2: the update half-step


def _update_cases() -> list[Case]:
    rng = np.random.default_rng(20261127)
    X, labels = _clusters(rng, [[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]], (10, 7, 8))
    X_single = np.vstack([X, [[9.0, 9.0]]])
    labels_single = np.r_[labels, 3]
    X1, labels1 = _clusters(rng, [[-2.0], [3.0]], (6, 9))
    skewed = rng.exponential(scale=2.0, size=(21, 4)) + np.repeat([[0.0] * 4, [5.0] * 4, [10.0] * 4], 7, axis=0)
    labels_skewed = np.repeat([0, 1, 2], 7)
    order = rng.permutation(len(skewed))
    square, labels_square = _clusters(rng, [[0.0, 2.0], [3.0, -1.0]], (5, 6), scale=1.0)
    return [
        Case("three clusters in 2-D", (X, labels, 3)),
        Case("one cluster (K = 1)", (X, np.zeros(len(X), dtype=int), 1)),
        Case("a cluster with a single point", (X_single, labels_single, 4)),
        Case("one dimension (D = 1)", (X1, labels1, 2)),
        Case("skewed clusters in 4-D", (skewed[order], labels_skewed[order], 3)),
        Case("two clusters in 2-D (K = D)", (square, labels_square, 2)),
    ]


def _update_reference(X, labels, K):
    counts = np.bincount(labels, minlength=K)
    return np.stack([X[labels == k].sum(axis=0) / counts[k] for k in range(K)])


def check_update_step(student) -> Feedback:
    """Check ``student(X, labels, K)``, which should return the (K, D) array of centres, row k the mean
    μ_k = Σ_n r_nk x_n / Σ_n r_nk of the points labelled k (every cluster has at least one point)."""

    def compare(got, expected, case):
        got = as_array(got, "your centres")
        X, labels, K = case.args
        D = X.shape[1]
        if got.shape == (D, K) and D != K:
            raise Mismatch(f"your centres have shape {got.shape}: transposed. Return shape ({K}, {D}), "
                           "row k the centre μ_k.")
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            counts = np.bincount(labels, minlength=K)[:, None]
            sums = expected * counts
            medians = np.stack([np.median(X[labels == k], axis=0) for k in range(K)])
            wrong = [
                (expected.T, "your centres are transposed: row k must be μ_k, column d its d-th coordinate."),
                (medians, "your centres are the medians of the clusters; the update is the mean, which is what "
                 "minimises the sum of squared distances Σ_n r_nk ‖x_n − μ_k‖²."),
                (sums, "your centres are the sums Σ_n r_nk x_n; divide each by its count N_k = Σ_n r_nk."),
                (sums / len(X), "you divided by the total number of points N; divide cluster k's sum by its "
                 "own count N_k = Σ_n r_nk."),
                (np.broadcast_to(X.mean(axis=0), expected.shape), "every centre is the mean of all the points: "
                 "average only the points labelled k (X[labels == k])."),
            ]
            for candidate, message in wrong:
                if _close(got, candidate) and not _close(got, expected):
                    raise Mismatch(message)
            if K > 1 and not _close(got, expected) and _close(np.sort(got, axis=0), np.sort(expected, axis=0)):
                raise Mismatch("your centres are in the wrong order: row k must be the mean of the points with "
                               "label k.")
        compare_arrays(got, expected, "your centres")

    return check_function(
        student,
        exercise="update step",
        cases=_update_cases(),
        reference=_update_reference,
        compare=compare,
        hint="for each k, X[labels == k] holds the points of cluster k; take their mean over axis 0.",
    )
