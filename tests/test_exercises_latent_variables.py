"""The checkers of "Latent variables and the Gaussian mixture" accept right answers and name the fault in each
known wrong one."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from mixlib import gmm
from mixlib.exercises.latent_variables import check_complete_log_likelihood, check_log_likelihood, check_sample


def log_joint(X, weights, means, covariances):
    logpdf = [multivariate_normal(m, c).logpdf(X) for m, c in zip(means, covariances)]
    return np.log(weights) + np.column_stack(logpdf).reshape(len(X), -1)


def log_likelihood(X, weights, means, covariances):
    return float(np.sum(logsumexp(log_joint(X, weights, means, covariances), axis=1)))


def complete_log_likelihood(X, Z, weights, means, covariances):
    return float(np.sum(Z * log_joint(X, weights, means, covariances)))


def sample(n, weights, means, covariances, rng):
    K, D = means.shape
    z = rng.choice(K, size=n, p=weights)
    L = np.linalg.cholesky(covariances)
    X = means[z] + np.einsum("nij,nj->ni", L[z], rng.standard_normal((n, D)))
    return X, z


def sample_point_by_point(n, weights, means, covariances, rng):
    z = np.array([rng.choice(len(weights), p=weights) for _ in range(n)])
    X = np.array([rng.multivariate_normal(means[k], covariances[k]) for k in z])
    return X, z


def sample_with_mixlib(n, weights, means, covariances, rng):
    return gmm.sample(n, weights, means, covariances, seed=rng)


test_accepts_correct_answers = solutions_test(
    (check_log_likelihood, log_likelihood),
    (check_log_likelihood, gmm.log_likelihood),
    (check_complete_log_likelihood, complete_log_likelihood),
    (check_sample, sample),
    (check_sample, sample_point_by_point),
    (check_sample, sample_with_mixlib),
)


test_names_each_known_mistake = mistakes_test(check_log_likelihood, check_complete_log_likelihood, check_sample)


def test_naive_sum_of_densities_fails_only_where_it_underflows():
    wrong = next(m.wrong for m in check_log_likelihood.mistakes if m.name == "densities, not logs")
    message = check_log_likelihood(wrong).message
    assert "tiny variances" in message and "-inf" in message


def test_an_unlisted_error_gets_the_numbers():
    assert_rejected(
        check_log_likelihood(lambda X, w, m, c: log_likelihood(X, w, m, 2 * c)),
        "your log-likelihood is",
        "but the answer is",
    )


def test_label_counts_fixed_to_the_weights_are_caught_even_when_shuffled():
    wrong = next(m.wrong for m in check_sample.mistakes if m.name == "fixed proportions")
    X, z = wrong(
        5_000, np.array([0.5, 0.3, 0.2]), np.zeros((3, 2)), np.array([np.eye(2)] * 3), np.random.default_rng(0)
    )
    np.testing.assert_array_equal(np.bincount(z), [2500, 1500, 1000])
    assert np.count_nonzero(np.diff(z)) > 1000  # not in blocks
    assert_rejected(check_sample(wrong), "hardly vary from seed to seed", "round(π_k N)")


def test_the_covariance_tolerance_separates_the_wrong_factors_where_first_checked():
    from mixlib.exercises.latent_variables import _COVARIANCE_TOLERANCE, _sample_cases

    sigma = _sample_cases(5_000)[0].args[3][1]  # the first component checked that is not the identity
    L = np.linalg.cholesky(sigma)
    for wrong in (sigma @ sigma.T, L.T @ L):  # covariances of μ + Σ η and μ + Lᵀ η
        assert np.linalg.norm(wrong - sigma) / np.linalg.norm(sigma) >= 2 * _COVARIANCE_TOLERANCE


def test_an_infinite_complete_log_likelihood_is_called_an_overflow_not_an_underflow():
    feedback = check_complete_log_likelihood(lambda X, Z, *theta: float("inf"))
    assert_rejected(feedback, "overflows")
    assert "underflows" not in feedback.message
