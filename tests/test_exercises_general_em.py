"""The checkers of the general-EM chapter accept right answers and name the fault in each known wrong one."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test
from scipy.special import logsumexp, xlogy
from scipy.stats import multivariate_normal

from mixlib import bounds, em, gmm
from mixlib.exercises.general_em import (
    check_free_energy,
    check_hard_e_step,
    check_kl_divergence,
)


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


def hard_e_step(X, weights, means, covariances):
    ell = np.log(weights) + gmm.log_gaussian(X, means, covariances)
    labels = np.argmax(ell, axis=1)
    log_gamma = ell - logsumexp(ell, axis=1, keepdims=True)
    return np.eye(len(weights))[labels], -log_gamma[np.arange(len(X)), labels].sum()


def hard_e_step_scipy(X, weights, means, covariances):
    ell = np.column_stack(
        [
            np.log(w) + multivariate_normal(m, c).logpdf(X).reshape(len(X))
            for w, m, c in zip(weights, means, covariances)
        ]
    )
    table = np.zeros_like(ell)
    table[np.arange(len(X)), ell.argmax(axis=1)] = 1
    return table, float(np.sum(table * (logsumexp(ell, axis=1, keepdims=True) - ell)))


def hard_e_step_mixlib(X, weights, means, covariances):
    table = bounds.hard_e_step(X, weights, means, covariances)
    return table, em.kl_to_posterior(X, table, weights, means, covariances)


test_accepts_correct_answers = solutions_test(
    (check_hard_e_step, hard_e_step),
    (check_hard_e_step, hard_e_step_scipy),
    (check_hard_e_step, hard_e_step_mixlib),
    (check_kl_divergence, kl_divergence),
    (check_kl_divergence, em.kl_divergence),
    (check_free_energy, free_energy),
    (check_free_energy, free_energy_scipy),
    (check_free_energy, em.free_energy),
)


test_names_each_known_mistake = mistakes_test(check_kl_divergence, check_free_energy, check_hard_e_step)


def test_where_the_mistakes_show():
    """The failing case named is the one that exposes the mistake."""
    by_name = {m.name: m.wrong for m in check_free_energy.mistakes}
    assert_rejected(check_free_energy(by_name["logs of densities"]), "tiny variances")
    assert_rejected(check_free_energy(by_name["0 ln 0"]), "hard assignments")
    hard = {m.name: m.wrong for m in check_hard_e_step.mistakes}
    assert_rejected(check_hard_e_step(hard["linear space"]), "points far from every component", "underflow")


def test_hard_e_step_takes_the_first_component_on_a_tie():
    def last_on_a_tie(X, weights, means, covariances):
        ell = np.log(weights) + gmm.log_gaussian(X, means, covariances)
        labels = ell.shape[1] - 1 - np.argmax(ell[:, ::-1], axis=1)
        log_gamma = ell - logsumexp(ell, axis=1, keepdims=True)
        return np.eye(len(weights))[labels], -log_gamma[np.arange(len(X)), labels].sum()

    assert_rejected(check_hard_e_step(last_on_a_tie), "every point a tie")


def test_a_crash_becomes_a_sentence():
    assert_rejected(check_free_energy(lambda X, q, w, m, c: np.sum(q @ X)), "your function raised")
    assert_rejected(check_hard_e_step(lambda X, w, m, c: np.sum(m @ X)), "your function raised")
    assert_rejected(check_hard_e_step(lambda X, w, m, c: bounds.hard_e_step(X, w, m, c)), "tuple (q, gap)")
