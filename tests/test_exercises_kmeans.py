"""The checkers of chapters 1 and 2 accept right answers and name the fault in wrong ones."""
import numpy as np
import pytest
from scipy.linalg import solve_triangular
from scipy.stats import norm
from checker_helpers import assert_rejected, not_implemented

from mixlib.exercises.kmeans import (
    check_assignment_step,
    check_distortion,
    check_log_gaussian,
    check_mixture_density,
    check_update_step,
)

LOG_2PI = np.log(2 * np.pi)


# ---------------------------------------------------------------------------
# the Gaussian log-density


def log_gaussian(X, mean, covariance):
    L = np.linalg.cholesky(covariance)
    y = solve_triangular(L, (X - mean).T, lower=True)
    D = X.shape[1]
    return -0.5 * (D * LOG_2PI + 2 * np.sum(np.log(np.diag(L))) + np.sum(y**2, axis=0))


def log_gaussian_with_inverse(X, mean, covariance):
    """Not the Cholesky route, but correct: it must be accepted too."""
    diff = X - mean
    quad = np.einsum("nd,de,ne->n", diff, np.linalg.inv(covariance), diff)
    return -0.5 * (X.shape[1] * LOG_2PI + np.log(np.linalg.det(covariance)) + quad)


def test_log_gaussian_accepts_correct_answers():
    for student in (log_gaussian, log_gaussian_with_inverse):
        feedback = check_log_gaussian(student)
        assert feedback.passed, feedback
        assert "all 6 cases passed" in feedback.message


def test_log_gaussian_not_implemented():
    feedback = check_log_gaussian(not_implemented)
    assert_rejected(feedback, "not implemented yet", "Hint")


def test_log_gaussian_rejects_log_of_density():
    def student(X, mean, covariance):
        return np.log(np.exp(log_gaussian(X, mean, covariance)))

    assert_rejected(check_log_gaussian(student), "points far from the mean", "underflowed", "log space")


def test_log_gaussian_rejects_density():
    def student(X, mean, covariance):
        return np.exp(log_gaussian(X, mean, covariance))

    assert_rejected(check_log_gaussian(student), "the density N(x | μ, Σ) itself", "logarithm")


def test_log_gaussian_rejects_covariance_for_precision():
    def student(X, mean, covariance):
        diff = X - mean
        quad = np.einsum("nd,de,ne->n", diff, covariance, diff)
        return -0.5 * (X.shape[1] * LOG_2PI + np.linalg.slogdet(covariance)[1] + quad)

    assert_rejected(check_log_gaussian(student), "correlated 2-D", "you used Σ where its inverse belongs")


def test_log_gaussian_rejects_upper_factor():
    def student(X, mean, covariance):
        L = np.linalg.cholesky(covariance)
        y = solve_triangular(L.T, (X - mean).T, lower=False)
        return -0.5 * (X.shape[1] * LOG_2PI + 2 * np.sum(np.log(np.diag(L))) + np.sum(y**2, axis=0))

    assert_rejected(check_log_gaussian(student), "solved with Lᵀ instead of L")


def test_log_gaussian_rejects_missing_half_in_quadratic():
    def student(X, mean, covariance):
        L = np.linalg.cholesky(covariance)
        y = solve_triangular(L, (X - mean).T, lower=True)
        return -0.5 * (X.shape[1] * LOG_2PI + 2 * np.sum(np.log(np.diag(L)))) - np.sum(y**2, axis=0)

    assert_rejected(check_log_gaussian(student), "standard normal", "missing its factor ½")


@pytest.mark.parametrize(
    "mistake, phrase",
    [
        ("no 2π", "left out the term −(D/2) ln 2π"),
        ("½ ln 2π", "in D dimensions the term is −(D/2) ln 2π"),
        ("no det", "left out the term −½ ln det Σ"),
        ("full log det", "you used −ln det Σ"),
        ("sum ln L_dd halved", "you used −¼ ln det Σ"),
    ],
)
def test_log_gaussian_names_the_wrong_constant(mistake, phrase):
    def student(X, mean, covariance):
        L = np.linalg.cholesky(covariance)
        y = solve_triangular(L, (X - mean).T, lower=True)
        D = X.shape[1]
        log_det = 2 * np.sum(np.log(np.diag(L)))
        two_pi = {"no 2π": 0.0, "½ ln 2π": LOG_2PI}.get(mistake, D * LOG_2PI)
        det = {"no det": 0.0, "full log det": 2 * log_det, "sum ln L_dd halved": log_det / 2}.get(mistake, log_det)
        return -0.5 * (two_pi + det + np.sum(y**2, axis=0))

    assert_rejected(check_log_gaussian(student), phrase)


def test_log_gaussian_rejects_column_vector():
    def student(X, mean, covariance):
        return log_gaussian(X, mean, covariance)[:, None]

    assert_rejected(check_log_gaussian(student), "return a 1-D array")


# ---------------------------------------------------------------------------
# the 1-D mixture density


def mixture_density(x, weights, means, sigmas):
    return norm.pdf(x[:, None], loc=means, scale=sigmas) @ weights


def test_mixture_density_accepts_correct_answer():
    feedback = check_mixture_density(mixture_density)
    assert feedback.passed, feedback


def test_mixture_density_not_implemented():
    assert_rejected(check_mixture_density(not_implemented), "not implemented yet")


@pytest.mark.parametrize(
    "student, phrases",
    [
        (lambda x, w, m, s: norm.pdf(x[:, None], m, s).sum(axis=1), ["without their mixing coefficients"]),
        (lambda x, w, m, s: norm.pdf(x[:, None], m, s).mean(axis=1), ["equal weights 1/K"]),
        (lambda x, w, m, s: norm.pdf(x[:, None], m, np.sqrt(s)) @ w, ["you used σ_k as the variance"]),
        (lambda x, w, m, s: norm.pdf(x[:, None], m, s**2) @ w, ["squared σ_k twice"]),
        (lambda x, w, m, s: w * norm.pdf(x[:, None], m, s), ["one column (or row) per component"]),
        (lambda x, w, m, s: np.log(norm.pdf(x[:, None], m, s) @ w), ["you returned ln p(x)"]),
        (lambda x, w, m, s: np.exp(-0.5 * ((x[:, None] - m) / s) ** 2) / s @ w, ["times the answer everywhere",
                                                                                "1/√(2π σ_k²)"]),
    ],
    ids=["no weights", "equal weights", "sigma as variance", "variance as sigma", "not summed", "log",
         "missing sqrt(2 pi)"],
)
def test_mixture_density_names_the_fault(student, phrases):
    assert_rejected(check_mixture_density(student), *phrases)


# ---------------------------------------------------------------------------
# the distortion J


def distortion(X, centers, labels):
    return np.sum((X - centers[labels]) ** 2)


def nearest_sq(X, centers):
    return ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)


def test_distortion_accepts_correct_answer():
    feedback = check_distortion(distortion)
    assert feedback.passed, feedback
    # a Python float or a one-hot formulation are just as good
    assert check_distortion(lambda X, c, l: float(np.sum(np.eye(len(c))[l] * nearest_sq(X, c)))).passed


def test_distortion_not_implemented():
    assert_rejected(check_distortion(not_implemented), "not implemented yet")


@pytest.mark.parametrize(
    "student, phrases",
    [
        (lambda X, c, l: np.linalg.norm(X - c[l], axis=1).sum(), ["summed the distances", "squared"]),
        (lambda X, c, l: np.sum((X - c[l]) ** 2) / len(X), ["averaged over the N points"]),
        (lambda X, c, l: np.mean((X - c[l]) ** 2), ["averaged over all N·D coordinates", "np.sum"]),
        (lambda X, c, l: np.sqrt(np.sum((X - c[l]) ** 2)), ["square root"]),
        (lambda X, c, l: nearest_sq(X, c).min(axis=1).sum(), ["labels that are not the nearest centre",
                                                              "nearest centre"]),
        (lambda X, c, l: nearest_sq(X, c).sum(), ["over every centre"]),
        (lambda X, c, l: np.sum((X - c[l]) ** 2, axis=1), ["one number per point"]),
        (lambda X, c, l: None, ["returned None", "return"]),
    ],
    ids=["not squared", "averaged", "np.mean", "sqrt", "nearest", "all centres", "not summed", "no return"],
)
def test_distortion_names_the_fault(student, phrases):
    assert_rejected(check_distortion(student), *phrases)


# ---------------------------------------------------------------------------
# the assignment half-step


def assign(X, centers):
    return np.argmin(nearest_sq(X, centers), axis=1)


def test_assignment_accepts_correct_answers():
    assert check_assignment_step(assign).passed
    # non-squared distances give the same nearest centre
    assert check_assignment_step(lambda X, c: np.argmin(np.sqrt(nearest_sq(X, c)), axis=1)).passed
    # ties may go either way: take the last of the nearest centres instead of the first
    def last_nearest(X, c):
        d2 = nearest_sq(X, c)
        return len(c) - 1 - np.argmin(d2[:, ::-1], axis=1)

    feedback = check_assignment_step(last_nearest)
    assert feedback.passed, feedback


def test_assignment_not_implemented():
    assert_rejected(check_assignment_step(not_implemented), "not implemented yet")


@pytest.mark.parametrize(
    "student, phrases",
    [
        (lambda X, c: np.argmax(nearest_sq(X, c), axis=1), ["farthest centre", "argmin", "argmax"]),
        (lambda X, c: np.argmin(nearest_sq(X, c), axis=0), ["over the", "axis=1"]),
        (lambda X, c: np.eye(len(c))[assign(X, c)].T, ["0/1 matrix r_nk", "transposed", "one label per point"]),
        (lambda X, c: np.eye(len(c))[assign(X, c)], ["0/1 matrix r_nk", "one label per point"]),
        (lambda X, c: assign(X, c) + 1, ["counts from 0"]),
        (lambda X, c: np.argmin(np.abs(X[:, None, :] - c[None]).sum(axis=2), axis=1),
         ["was assigned to centre", "is nearer"]),
    ],
    ids=["argmax", "axis 0", "one-hot transposed", "one-hot", "1-based", "manhattan"],
)
def test_assignment_names_the_fault(student, phrases):
    assert_rejected(check_assignment_step(student), *phrases)


def test_assignment_reports_the_edge_case():
    def breaks_with_one_centre(X, c):
        if len(c) == 1:
            raise ValueError("need two centres")
        return assign(X, c)

    assert_rejected(check_assignment_step(breaks_with_one_centre), "one centre (K = 1)", "ValueError")


# ---------------------------------------------------------------------------
# the update half-step


def update_centers(X, labels, K):
    return np.stack([X[labels == k].mean(axis=0) for k in range(K)])


def test_update_accepts_correct_answer():
    assert check_update_step(update_centers).passed
    one_hot = lambda X, l, K: (np.eye(K)[l].T @ X) / np.bincount(l, minlength=K)[:, None]
    assert check_update_step(one_hot).passed


def test_update_not_implemented():
    assert_rejected(check_update_step(not_implemented), "not implemented yet")


@pytest.mark.parametrize(
    "student, phrases",
    [
        (lambda X, l, K: np.stack([np.median(X[l == k], axis=0) for k in range(K)]), ["medians", "mean"]),
        (lambda X, l, K: update_centers(X, l, K).T, ["transposed"]),
        (lambda X, l, K: np.stack([X[l == k].sum(axis=0) for k in range(K)]), ["sums", "divide"]),
        (lambda X, l, K: np.stack([X[l == k].sum(axis=0) for k in range(K)]) / len(X), ["total number of points N"]),
        (lambda X, l, K: np.tile(X.mean(axis=0), (K, 1)), ["mean of all the points"]),
        (lambda X, l, K: update_centers(X, l, K)[::-1], ["wrong order"]),
    ],
    ids=["median", "transposed", "sums", "divided by N", "ignores labels", "reversed"],
)
def test_update_names_the_fault(student, phrases):
    assert_rejected(check_update_step(student), *phrases)


def test_update_does_not_see_the_callers_arrays():
    def mutates(X, labels, K):
        X -= 1.0  # a student's in-place edit must not leak into the next case
        return update_centers(X + 1.0, labels, K)

    assert check_update_step(mutates).passed


def test_non_function():
    assert_rejected(check_distortion(3.0), "expected a function")
