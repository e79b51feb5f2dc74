"""The checkers of the Bernoulli-mixture chapter accept right answers and name the fault in each
known wrong one."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test
from scipy.special import logsumexp, xlog1py, xlogy

from mixlib import bernoulli
from mixlib.exercises.bernoulli_mixtures import (
    _log_likelihood_cases,
    _m_step_cases,
    check_bernoulli_log_likelihood,
    check_bernoulli_m_step,
)


def m_step(X, responsibilities, smoothing):
    Nk = responsibilities.sum(axis=0)
    means = (responsibilities.T @ X + smoothing) / (Nk[:, None] + 2 * smoothing)
    return Nk / X.shape[0], means


def m_step_with_loops(X, responsibilities, smoothing):
    """Slow but correct: it must be accepted too."""
    N, K = responsibilities.shape
    weights, means = np.zeros(K), np.zeros((K, X.shape[1]))
    for k in range(K):
        Nk = sum(responsibilities[n, k] for n in range(N))
        weights[k] = Nk / N
        for d in range(X.shape[1]):
            ones = sum(responsibilities[n, k] * X[n, d] for n in range(N))
            means[k, d] = (ones + smoothing) / (Nk + 2 * smoothing)
    return [weights, means]


def log_likelihood(X, weights, means):
    log_joint = (
        np.log(weights) + xlogy(X[:, None], means[None]).sum(axis=2) + xlog1py(1 - X[:, None], -means[None]).sum(axis=2)
    )
    return logsumexp(log_joint, axis=1).sum()


def log_likelihood_with_where(X, weights, means):
    with np.errstate(divide="ignore"):
        log_on = np.where(means > 0, np.log(means), 0.0)
        log_off = np.where(means < 1, np.log1p(-means), 0.0)
        impossible = (X @ (means == 0).T + (1 - X) @ (means == 1).T) > 0
        log_joint = np.log(weights) + np.where(impossible, -np.inf, X @ log_on.T + (1 - X) @ log_off.T)
    return float(np.sum(logsumexp(log_joint, axis=1)))


test_accepts_correct_answers = solutions_test(
    (check_bernoulli_m_step, m_step),
    (check_bernoulli_m_step, m_step_with_loops),
    (check_bernoulli_m_step, lambda X, r, a: bernoulli.m_step(X, r, smoothing=a)),
    (check_bernoulli_log_likelihood, log_likelihood),
    (check_bernoulli_log_likelihood, log_likelihood_with_where),
    (check_bernoulli_log_likelihood, bernoulli.log_likelihood),
)

test_names_each_known_mistake = mistakes_test(check_bernoulli_m_step, check_bernoulli_log_likelihood)


def test_the_cases_exercise_the_edges():
    """α = 0 gives μ_kd of exactly 0 and 1 on some case, and the wide case really underflows a product."""
    zero = next(c for c in _m_step_cases() if c.name.startswith("no smoothing"))
    means = m_step(*zero.args)[1]
    assert np.any(means == 0) and np.any(means == 1)
    wide = next(c for c in _log_likelihood_cases() if c.name.startswith("2,000"))
    X, _, mu = wide.args
    assert np.all(np.prod(mu[0] ** X * (1 - mu[0]) ** (1 - X), axis=1) == 0)


def test_forgetting_the_smoothing_is_right_only_without_it():
    """The unsmoothed update passes the α = 0 case and is called out on the first α > 0 case."""
    wrong = next(m.wrong for m in check_bernoulli_m_step.mistakes if m.name == "smoothing forgotten")
    zero = next(c for c in _m_step_cases() if c.name.startswith("no smoothing"))
    for ours, right in zip(wrong(*zero.args), m_step(*zero.args)):
        np.testing.assert_array_equal(ours, right)
    assert_rejected(check_bernoulli_m_step(wrong), "α = 0.01", "ln 0 = −∞")


def test_a_wrong_axis_gets_the_axis_hint():
    def wrong(X, r, a):
        return r.sum(axis=1) / len(X), (r.T @ X) / r.sum(axis=1)[:, None]

    assert_rejected(check_bernoulli_m_step(wrong), "raised ValueError", "responsibilities.sum(axis=0)")


def test_the_other_wrong_axis_of_the_means_is_named_with_or_without_alpha():
    def over_components(X, r, a):
        counts = r.T @ X + a
        return r.sum(axis=0) / len(X), counts / counts.sum(axis=0)

    assert_rejected(check_bernoulli_m_step(over_components), "sums to 1 over the components k")


def test_counts_above_one_are_named_before_the_exact_zeros():
    """r.T @ X has exact zeros (a pixel never on) as well as counts above 1; the missing N_k is what to fix."""

    def counts(X, r, a):
        return r.sum(axis=0) / len(X), r.T @ X

    feedback = check_bernoulli_m_step(counts)
    assert_rejected(feedback, "above 1", "divide by N_k")
    assert "exactly 0" not in feedback.message


def test_a_positive_log_likelihood_is_called_impossible():
    assert_rejected(check_bernoulli_log_likelihood(lambda X, w, m: -log_likelihood(X, w, m)), "positive", "at most 1")
