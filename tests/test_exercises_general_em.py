"""The general-EM checkers accept the reference solutions and name the usual mistakes."""
import numpy as np
import pytest
from scipy.special import xlogy
from scipy.stats import multivariate_normal

from mixlib import em, gmm
from mixlib.exercises.general_em import check_free_energy, check_kl_divergence

# ---------------------------------------------------------------------------
# KL(q ‖ p)


def kl_reference(q, p):
    q, p = np.asarray(q, float), np.asarray(p, float)
    support = q > 0
    return np.sum(q[support] * np.log(q[support] / p[support]))


def kl_swapped(q, p):
    return kl_reference(p, q)


def kl_base_two(q, p):
    return kl_reference(q, p) / np.log(2.0)


def kl_no_zero_convention(q, p):
    return np.sum(q * np.log(q / p))


def kl_minus_sign_forgotten(q, p):
    return np.sum(xlogy(q, p) - xlogy(q, q))


def kl_not_summed(q, p):
    return xlogy(q, q) - xlogy(q, p)


def kl_stub(q, p):
    raise NotImplementedError("compute Σ q ln(q/p)")


def test_kl_checker_accepts_the_reference_and_mixlib():
    for solution in (kl_reference, em.kl_divergence):
        feedback = check_kl_divergence(solution)
        assert feedback.passed, feedback.message
        assert "all 6 cases passed" in feedback.message


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (kl_swapped, ["KL(p ‖ q)", "swapped"]),
        (kl_base_two, ["base 2", "natural logarithm"]),
        (kl_no_zero_convention, ["nan", "0 · ln 0", "q_k > 0"]),
        (kl_minus_sign_forgotten, ["wrong sign", "Σ q_k ln(p_k / q_k)"]),
        (kl_not_summed, ["single number", "sum"]),
    ],
)
def test_kl_checker_names_the_fault(wrong, words):
    feedback = check_kl_divergence(wrong)
    assert not feedback.passed
    for word in words:
        assert word in feedback.message, feedback.message


def test_kl_checker_with_a_stub_says_not_implemented():
    feedback = check_kl_divergence(kl_stub)
    assert not feedback.passed
    assert "not implemented yet" in feedback.message


def test_kl_checker_wants_the_function_not_its_value():
    feedback = check_kl_divergence(0.5)
    assert not feedback.passed
    assert "without calling it" in feedback.message


# ---------------------------------------------------------------------------
# F(q, θ)


def log_joint(X, weights, means, covariances):
    return np.log(weights) + gmm.log_gaussian(X, means, covariances)


def free_energy_reference(X, q, weights, means, covariances):
    return np.sum(q * log_joint(X, weights, means, covariances)) - np.sum(xlogy(q, q))


def free_energy_scipy(X, q, weights, means, covariances):
    logpdf = np.column_stack([multivariate_normal(m, c).logpdf(X) for m, c in zip(means, covariances)])
    return np.sum(q * (np.log(weights) + logpdf.reshape(len(X), -1))) - np.sum(xlogy(q, q))


def free_energy_without_entropy(X, q, weights, means, covariances):
    return np.sum(q * log_joint(X, weights, means, covariances))


def free_energy_entropy_sign(X, q, weights, means, covariances):
    return np.sum(q * log_joint(X, weights, means, covariances)) + np.sum(xlogy(q, q))


def free_energy_from_densities(X, q, weights, means, covariances):
    densities = np.column_stack([multivariate_normal(m, c).pdf(X) for m, c in zip(means, covariances)])
    return np.sum(q * np.log(weights * densities.reshape(len(X), -1))) - np.sum(xlogy(q, q))


def free_energy_no_zero_convention(X, q, weights, means, covariances):
    return np.sum(q * (log_joint(X, weights, means, covariances) - np.log(q)))


def free_energy_without_weights(X, q, weights, means, covariances):
    return np.sum(q * gmm.log_gaussian(X, means, covariances)) - np.sum(xlogy(q, q))


def free_energy_is_log_likelihood(X, q, weights, means, covariances):
    return gmm.log_likelihood(X, weights, means, covariances)


def free_energy_averaged(X, q, weights, means, covariances):
    return free_energy_reference(X, q, weights, means, covariances) / len(X)


def test_free_energy_checker_accepts_the_reference_and_mixlib():
    for solution in (free_energy_reference, free_energy_scipy, em.free_energy):
        feedback = check_free_energy(solution)
        assert feedback.passed, feedback.message
        assert "all 7 cases passed" in feedback.message


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (free_energy_without_entropy, ["Q = Σ q_nk", "entropy term is missing"]),
        (free_energy_entropy_sign, ["Q − H(q)", "wrong sign"]),
        (free_energy_from_densities, ["underflow", "log space", "tiny variances"]),
        (free_energy_no_zero_convention, ["nan", "0 · ln 0", "hard assignments"]),
        (free_energy_without_weights, ["Σ q_nk ln π_k", "mixing coefficients"]),
        (free_energy_is_log_likelihood, ["ln p(X | θ)", "only when q is the posterior"]),
        (free_energy_averaged, ["divided by N", "sum over the points"]),
    ],
)
def test_free_energy_checker_names_the_fault(wrong, words):
    feedback = check_free_energy(wrong)
    assert not feedback.passed
    for word in words:
        assert word in feedback.message, feedback.message


def test_free_energy_checker_with_a_stub_says_not_implemented():
    def stub(X, q, weights, means, covariances):
        raise NotImplementedError

    feedback = check_free_energy(stub)
    assert not feedback.passed
    assert "not implemented yet" in feedback.message


def test_free_energy_checker_reports_a_crash_as_a_sentence():
    def crashes(X, q, weights, means, covariances):
        return np.sum(q @ X)  # (N, K) @ (N, D): a shape error

    feedback = check_free_energy(crashes)
    assert not feedback.passed
    assert "your function raised" in feedback.message
