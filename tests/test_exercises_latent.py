"""The checkers of mixlib.exercises.latent accept right answers and name the fault in wrong ones."""
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from mixlib import gmm
from mixlib.exercises.latent import (
    check_complete_log_likelihood,
    check_log_likelihood,
    check_log_sum_exp,
    check_sample,
)


def stub(*args):
    raise NotImplementedError("write me")


def _densities(X, weights, means, covariances):
    """π_k N(x_n | μ_k, Σ_k) as plain numbers: the naive route, which underflows."""
    return np.column_stack([w * multivariate_normal(m, c).pdf(X).reshape(len(X))
                            for w, m, c in zip(weights, means, covariances)])


# ---------------------------------------------------------------------------
# ln p(X | θ)


def log_likelihood(X, weights, means, covariances):
    a = np.log(weights) + gmm.log_gaussian(X, means, covariances)
    return float(np.sum(logsumexp(a, axis=1)))


def test_log_likelihood_accepts_the_reference():
    feedback = check_log_likelihood(log_likelihood)
    assert feedback.passed, feedback.message
    assert check_log_likelihood(gmm.log_likelihood)


@pytest.mark.parametrize(
    "wrong, fault",
    [
        (lambda X, w, m, c: float(np.sum(np.log(_densities(X, w, m, c).sum(axis=1)))), "underflow: use log-sum-exp"),
        (lambda X, w, m, c: log_likelihood(X, w, m, c) / len(X), "not the mean"),
        (lambda X, w, m, c: gmm.log_density(X, w, m, c), "sum over n"),
        (lambda X, w, m, c: float(np.sum(logsumexp(gmm.log_gaussian(X, m, c), axis=1))), "mixing coefficients"),
        (lambda X, w, m, c: float(np.sum(np.log(w) + gmm.log_gaussian(X, m, c))), "inside the logarithm"),
        (lambda X, w, m, c: log_likelihood(X, w, m, 2 * c), "your log-likelihood is"),
        (stub, "not implemented yet"),
    ],
)
def test_log_likelihood_names_the_fault(wrong, fault):
    feedback = check_log_likelihood(wrong)
    assert not feedback.passed
    assert fault in feedback.message, feedback.message


def test_log_likelihood_naive_sum_fails_only_where_it_underflows():
    naive = lambda X, w, m, c: float(np.sum(np.log(_densities(X, w, m, c).sum(axis=1))))  # noqa: E731
    message = check_log_likelihood(naive).message
    assert "tiny variances" in message and "-inf" in message


def test_log_likelihood_rejects_a_value_that_is_not_a_function():
    feedback = check_log_likelihood(log_likelihood(np.zeros((1, 1)), [1.0], [[0.0]], [[[1.0]]]))
    assert not feedback.passed and "expected a function" in feedback.message


# ---------------------------------------------------------------------------
# ln p(X, Z | θ)


def complete_log_likelihood(X, Z, weights, means, covariances):
    return float(np.sum(Z * (np.log(weights) + gmm.log_gaussian(X, means, covariances))))


def test_complete_log_likelihood_accepts_the_reference():
    feedback = check_complete_log_likelihood(complete_log_likelihood)
    assert feedback.passed, feedback.message


@pytest.mark.parametrize(
    "wrong, fault",
    [
        (lambda X, Z, w, m, c: gmm.log_likelihood(X, w, m, c), "incomplete-data log-likelihood"),
        (lambda X, Z, w, m, c: float(np.sum(Z * gmm.log_gaussian(X, m, c))), "prior term"),
        (lambda X, Z, w, m, c: float(np.log(np.prod(_densities(X, w, m, c) ** Z))), "underflows to 0"),
        (lambda X, Z, w, m, c: float(np.sum(np.log(w) + gmm.log_gaussian(X, m, c))), "z_nk = 1"),
        (lambda X, Z, w, m, c: complete_log_likelihood(X, Z, w, m, c) / 2, "complete-data log-likelihood is"),
        (stub, "not implemented yet"),
    ],
)
def test_complete_log_likelihood_names_the_fault(wrong, fault):
    feedback = check_complete_log_likelihood(wrong)
    assert not feedback.passed
    assert fault in feedback.message, feedback.message


# ---------------------------------------------------------------------------
# Sampling


def sample(n, weights, means, covariances, rng):
    K, D = means.shape
    z = rng.choice(K, size=n, p=weights)
    L = np.linalg.cholesky(covariances)
    X = means[z] + np.einsum("nij,nj->ni", L[z], rng.standard_normal((n, D)))
    return X, z


def test_sample_accepts_the_reference_and_mixlib():
    feedback = check_sample(sample)
    assert feedback.passed, feedback.message
    assert check_sample(lambda n, w, m, c, rng: gmm.sample(n, w, m, c, seed=rng))


def test_sample_accepts_a_loop_over_points():
    def loop(n, weights, means, covariances, rng):
        z = np.array([rng.choice(len(weights), p=weights) for _ in range(n)])
        X = np.array([rng.multivariate_normal(means[k], covariances[k]) for k in z])
        return X, z

    feedback = check_sample(loop)
    assert feedback.passed, feedback.message


def _with_sigma(n, weights, means, covariances, rng):
    z = rng.choice(len(weights), size=n, p=weights)
    return means[z] + np.einsum("nij,nj->ni", covariances[z], rng.standard_normal(means[z].shape)), z


def _with_transposed_factor(n, weights, means, covariances, rng):
    z = rng.choice(len(weights), size=n, p=weights)
    L = np.linalg.cholesky(covariances)
    return means[z] + np.einsum("nji,nj->ni", L[z], rng.standard_normal(means[z].shape)), z


def _labels_from_one(n, weights, means, covariances, rng):
    X, z = sample(n, weights, means, covariances, rng)
    return X, z + 1


def _uniform_labels(n, weights, means, covariances, rng):
    K = len(weights)
    return sample(n, np.full(K, 1.0 / K), means, covariances, rng)


def _fresh_labels(n, weights, means, covariances, rng):
    X, _ = sample(n, weights, means, covariances, rng)
    return X, rng.choice(len(weights), size=n, p=weights)


def _global_state(n, weights, means, covariances, rng):
    return sample(n, weights, means, covariances, np.random.default_rng(np.random.randint(1 << 30)))


def _fixed_seed(n, weights, means, covariances, rng):
    return sample(n, weights, means, covariances, np.random.default_rng(0))


def _one_hot(n, weights, means, covariances, rng):
    X, z = sample(n, weights, means, covariances, rng)
    return X, np.eye(len(weights))[z]


@pytest.mark.parametrize(
    "wrong, fault",
    [
        (_with_sigma, "Cholesky factor"),
        (_with_transposed_factor, "Cholesky factor"),
        (_labels_from_one, "Python counts from 0"),
        (_uniform_labels, "was drawn for a fraction"),
        (_fresh_labels, "points labelled 0 have mean"),
        (_global_state, "not np.random"),
        (_fixed_seed, "does not use the generator"),
        (_one_hot, "one-hot"),
        (lambda n, w, m, c, rng: sample(n, w, m, c, rng)[0], "expected a pair"),
        (lambda n, w, m, c, rng: (sample(n, w, m, c, rng)[0].T, sample(n, w, m, c, rng)[1]), "transposed"),
        (stub, "not implemented yet"),
    ],
)
def test_sample_names_the_fault(wrong, fault):
    feedback = check_sample(wrong)
    assert not feedback.passed
    assert fault in feedback.message, feedback.message


# ---------------------------------------------------------------------------
# log-sum-exp


def log_sum_exp(a):
    m = a.max(axis=1, keepdims=True)
    return m[:, 0] + np.log(np.exp(a - m).sum(axis=1))


def test_log_sum_exp_accepts_the_reference():
    feedback = check_log_sum_exp(log_sum_exp)
    assert feedback.passed, feedback.message
    assert check_log_sum_exp(lambda a: logsumexp(a, axis=1))


@pytest.mark.parametrize(
    "wrong, fault",
    [
        (lambda a: np.log(np.exp(a).sum(axis=1)), "overflows"),
        (lambda a: logsumexp(a, axis=0), "axis=1"),
        (lambda a: np.log(np.exp(a - a.max(axis=1, keepdims=True)).sum(axis=1)), "add m_n back"),
        (lambda a: a.max() + np.log(np.exp(a - a.max()).sum(axis=1)), "own maximum"),
        (lambda a: logsumexp(a, axis=1, keepdims=True), "shape (6,)"),
        (lambda a: np.max(a, axis=1), "differs from the answer"),
        (stub, "not implemented yet"),
    ],
)
def test_log_sum_exp_names_the_fault(wrong, fault):
    feedback = check_log_sum_exp(wrong)
    assert not feedback.passed
    assert fault in feedback.message, feedback.message


def test_feedback_reads_as_one_line():
    text = repr(check_log_sum_exp(lambda a: np.log(np.exp(a).sum(axis=1))))
    assert text.startswith("✘ log-sum-exp: on the case “large positive entries")
