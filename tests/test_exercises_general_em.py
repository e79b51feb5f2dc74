"""The checkers of chapter 8 accept right answers and name the fault in each known wrong one."""
import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test
from scipy.special import xlogy
from scipy.stats import multivariate_normal

from mixlib import em, gmm
from mixlib.exercises.general_em import check_free_energy, check_kl_divergence


def kl_divergence(q, p):
    q, p = np.asarray(q, float), np.asarray(p, float)
    support = q > 0
    return np.sum(q[support] * np.log(q[support] / p[support]))


def free_energy(X, q, weights, means, covariances):
    log_joint = np.log(weights) + gmm.log_gaussian(X, means, covariances)
    return np.sum(q * log_joint) - np.sum(xlogy(q, q))


def free_energy_scipy(X, q, weights, means, covariances):
    logpdf = np.column_stack([multivariate_normal(m, c).logpdf(X) for m, c in zip(means, covariances)])
    return np.sum(q * (np.log(weights) + logpdf.reshape(len(X), -1))) - np.sum(xlogy(q, q))


test_accepts_correct_answers = solutions_test(
    (check_kl_divergence, kl_divergence),
    (check_kl_divergence, em.kl_divergence),
    (check_free_energy, free_energy),
    (check_free_energy, free_energy_scipy),
    (check_free_energy, em.free_energy),
)


test_names_each_known_mistake = mistakes_test(check_kl_divergence, check_free_energy)


def test_where_the_mistakes_show():
    """The failing case named is the one that exposes the mistake."""
    by_name = {m.name: m.wrong for m in check_free_energy.mistakes}
    assert_rejected(check_free_energy(by_name["logs of densities"]), "tiny variances")
    assert_rejected(check_free_energy(by_name["0 ln 0"]), "hard assignments")


def test_a_crash_becomes_a_sentence():
    assert_rejected(check_free_energy(lambda X, q, w, m, c: np.sum(q @ X)), "your function raised")
