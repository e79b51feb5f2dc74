"""The checkers of "Density estimation and Old Faithful" accept right answers and name the fault
in each known wrong one."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test
from scipy.linalg import solve_triangular
from scipy.stats import multivariate_normal, norm

from mixlib.exercises.density_estimation import check_log_gaussian, check_mixture_density

LOG_2PI = np.log(2 * np.pi)


def log_gaussian_cholesky(X, mean, covariance):
    L = np.linalg.cholesky(covariance)
    y = solve_triangular(L, (X - mean).T, lower=True)
    return -0.5 * (X.shape[1] * LOG_2PI + 2 * np.sum(np.log(np.diag(L))) + np.sum(y**2, axis=0))


def log_gaussian_inverse(X, mean, covariance):
    """Not the Cholesky route, but correct: it must be accepted too."""
    diff = X - mean
    quad = np.einsum("nd,de,ne->n", diff, np.linalg.inv(covariance), diff)
    return -0.5 * (X.shape[1] * LOG_2PI + np.log(np.linalg.det(covariance)) + quad)


def log_gaussian_scipy(X, mean, covariance):
    return np.atleast_1d(multivariate_normal(mean, covariance).logpdf(X))


def mixture_density_scipy(x, weights, means, sigmas):
    return norm.pdf(x[:, None], loc=means, scale=sigmas) @ weights


def mixture_density_loop(x, weights, means, sigmas):
    return sum(
        w * np.exp(-0.5 * ((x - m) / s) ** 2) / np.sqrt(2 * np.pi * s**2) for w, m, s in zip(weights, means, sigmas)
    )


test_accepts_correct_answers = solutions_test(
    (check_log_gaussian, log_gaussian_cholesky),
    (check_log_gaussian, log_gaussian_inverse),
    (check_log_gaussian, log_gaussian_scipy),
    (check_mixture_density, mixture_density_scipy),
    (check_mixture_density, mixture_density_loop),
)


test_names_each_known_mistake = mistakes_test(check_log_gaussian, check_mixture_density)


def test_log_of_density_fails_on_the_far_points():
    wrong = next(m.wrong for m in check_log_gaussian.mistakes if m.name == "log of the density")
    assert_rejected(check_log_gaussian(wrong), "points far from the mean", "log space")


def test_an_unlisted_constant_is_still_called_a_constant():
    def student(X, mean, covariance):
        return log_gaussian_cholesky(X, mean, covariance) + 0.3

    assert_rejected(check_log_gaussian(student), "off by the same constant (0.3)", "normalising constant")


def test_docstrings_name_the_chapter_by_its_title_not_its_number():
    """The chapters will be renumbered; a number in a docstring would then point elsewhere."""
    import re

    from mixlib.exercises import density_estimation as module

    texts = [module.__doc__] + [
        f.__doc__ or ""
        for f in vars(module).values()
        if callable(f) and getattr(f, "__module__", "") == module.__name__
    ]
    assert '"Density estimation and Old Faithful"' in module.__doc__
    assert not any(re.search(r"[Cc]hapter \d", text) for text in texts)
