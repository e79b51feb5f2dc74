"""The checkers of chapters 5 and 6 accept right answers and name the fault in wrong ones."""
import numpy as np
import pytest
from checker_helpers import assert_rejected, not_implemented

import mixlib
from mixlib import em, gmm
from mixlib.exercises.maximum_likelihood import (
    check_em_iteration,
    check_em_loop,
    check_m_step_covariances,
    check_m_step_means,
    check_m_step_weights,
    finite_difference_gradient,
)


# ---------------------------------------------------------------------------
# M step for the means


def update_means(X, responsibilities):
    Nk = responsibilities.sum(axis=0)
    return (responsibilities.T @ X) / Nk[:, None]


def update_means_with_loops(X, responsibilities):
    """Slow but correct: it must be accepted too."""
    N, K = responsibilities.shape
    means = np.zeros((K, X.shape[1]))
    for k in range(K):
        Nk = sum(responsibilities[n, k] for n in range(N))
        means[k] = sum(responsibilities[n, k] * X[n] for n in range(N)) / Nk
    return means


def test_means_accepts_correct_answers():
    for student in (update_means, update_means_with_loops):
        feedback = check_m_step_means(student)
        assert feedback.passed, feedback
        assert "all 6 cases passed" in feedback.message


def test_means_not_implemented():
    assert_rejected(check_m_step_means(not_implemented), "not implemented yet", "Hint")


def test_means_rejects_division_by_N():
    def student(X, responsibilities):
        return (responsibilities.T @ X) / X.shape[0]

    assert_rejected(check_m_step_means(student), "divided by N", "N_k")


def test_means_rejects_missing_division():
    def student(X, responsibilities):
        return responsibilities.T @ X

    assert_rejected(check_m_step_means(student), "weighted sums", "divide each by")


def test_means_rejects_sum_over_the_wrong_axis():
    def student(X, responsibilities):
        Nk = responsibilities.sum(axis=1)
        return (responsibilities.T @ X) / Nk[:, None]

    assert_rejected(check_m_step_means(student), "raised ValueError", "axis=0")


def test_means_rejects_hard_labels():
    def student(X, responsibilities):
        labels = np.argmax(responsibilities, axis=1)
        return np.array([X[labels == k].mean(axis=0) for k in range(responsibilities.shape[1])])

    assert_rejected(check_m_step_means(student), "hard assignments", "γ(z_nk)")


def test_means_rejects_transpose():
    def student(X, responsibilities):
        return update_means(X, responsibilities).T

    assert_rejected(check_m_step_means(student), "transposed?")


# ---------------------------------------------------------------------------
# M step for the weights


def test_weights_accepts_correct_answers():
    for student in (lambda r: r.sum(axis=0) / r.shape[0], lambda r: np.mean(r, axis=0)):
        feedback = check_m_step_weights(student)
        assert feedback.passed, feedback


def test_weights_not_implemented():
    assert_rejected(check_m_step_weights(not_implemented), "not implemented yet")


def test_weights_rejects_N_k_not_divided_by_N():
    assert_rejected(check_m_step_weights(lambda r: r.sum(axis=0)), "effective numbers N_k", "divide by N")


def test_weights_rejects_sum_over_the_wrong_axis():
    assert_rejected(check_m_step_weights(lambda r: r.sum(axis=1) / r.shape[0]), "one number per point", "axis=0")


def test_weights_rejects_weights_that_do_not_sum_to_one():
    assert_rejected(check_m_step_weights(lambda r: r.sum(axis=0) / (r.shape[0] + 1)), "sum to", "sum to 1")


def test_weights_rejects_a_list_of_the_wrong_length():
    assert_rejected(check_m_step_weights(lambda r: [0.5, 0.5]), "shape")


# ---------------------------------------------------------------------------
# M step for the covariances


def update_covariances(X, responsibilities, means):
    Nk = responsibilities.sum(axis=0)
    return np.stack([(responsibilities[:, k] * (X - means[k]).T) @ (X - means[k]) / Nk[k]
                     for k in range(len(Nk))])


def test_covariances_accepts_correct_answers():
    def with_einsum(X, responsibilities, means):
        diff = X[:, None, :] - means[None]                     # (N, K, D)
        sums = np.einsum("nk,nki,nkj->kij", responsibilities, diff, diff)
        return sums / responsibilities.sum(axis=0)[:, None, None]

    for student in (update_covariances, with_einsum):
        feedback = check_m_step_covariances(student)
        assert feedback.passed, feedback
        assert "all 6 cases passed" in feedback.message


def test_covariances_not_implemented():
    assert_rejected(check_m_step_covariances(not_implemented), "not implemented yet")


def test_covariances_rejects_division_by_N():
    def student(X, responsibilities, means):
        Nk = responsibilities.sum(axis=0)
        return update_covariances(X, responsibilities, means) * (Nk / X.shape[0])[:, None, None]

    assert_rejected(check_m_step_covariances(student), "divided by N", "N_k")


def test_covariances_rejects_missing_division():
    def student(X, responsibilities, means):
        Nk = responsibilities.sum(axis=0)
        return update_covariances(X, responsibilities, means) * Nk[:, None, None]

    assert_rejected(check_m_step_covariances(student), "weighted sums", "divide each by")


def test_covariances_rejects_unweighted_covariance():
    def student(X, responsibilities, means):
        return np.stack([(X - m).T @ (X - m) / len(X) for m in means])

    assert_rejected(check_m_step_covariances(student), "your covariances differs from the answer")


def test_covariances_rejects_non_symmetric_matrices():
    def student(X, responsibilities, means):
        covs = update_covariances(X, responsibilities, means)
        covs[:, 0, -1] += 0.1
        return covs

    assert_rejected(check_m_step_covariances(student), "not symmetric")


# ---------------------------------------------------------------------------
# One EM iteration


def em_step(X, weights, means, covariances):
    resp = gmm.responsibilities(X, weights, means, covariances)
    Nk = resp.sum(axis=0)
    new_means = (resp.T @ X) / Nk[:, None]
    new_covs = np.stack([(resp[:, k] * (X - new_means[k]).T) @ (X - new_means[k]) / Nk[k]
                         for k in range(len(Nk))])
    return Nk / X.shape[0], new_means, new_covs


def test_em_iteration_accepts_correct_answers():
    for student in (em_step, lambda X, *theta: gmm.m_step(X, gmm.e_step(X, *theta)[0], reg_covar=0.0)):
        feedback = check_em_iteration(student)
        assert feedback.passed, feedback


def test_em_iteration_not_implemented():
    assert_rejected(check_em_iteration(not_implemented), "not implemented yet")


def test_em_iteration_rejects_old_means_in_covariance():
    def student(X, weights, means, covariances):
        resp = gmm.responsibilities(X, weights, means, covariances)
        Nk = resp.sum(axis=0)
        covs = np.stack([(resp[:, k] * (X - means[k]).T) @ (X - means[k]) / Nk[k] for k in range(len(Nk))])
        return Nk / X.shape[0], (resp.T @ X) / Nk[:, None], covs

    assert_rejected(check_em_iteration(student), "about the old means", "update μ_k first")


def test_em_iteration_rejects_unnormalised_responsibilities():
    def student(X, weights, means, covariances):
        resp = weights * np.exp(gmm.log_gaussian(X, means, covariances))
        Nk = resp.sum(axis=0)
        new_means = (resp.T @ X) / Nk[:, None]
        covs = np.stack([(resp[:, k] * (X - new_means[k]).T) @ (X - new_means[k]) / Nk[k] for k in range(len(Nk))])
        return Nk / X.shape[0], new_means, covs

    assert_rejected(check_em_iteration(student), "not normalised", "each row sums to 1")


def test_em_iteration_rejects_swapped_order():
    def student(X, weights, means, covariances):
        w, m, c = em_step(X, weights, means, covariances)
        return m, w, c

    assert_rejected(check_em_iteration(student), "you returned (means, weights, covariances)",
                    "order (weights, means, covariances)")


def test_em_iteration_rejects_default_regularisation():
    def student(X, weights, means, covariances):
        return gmm.m_step(X, gmm.responsibilities(X, weights, means, covariances))

    assert_rejected(check_em_iteration(student), "reg_covar=0")


def test_em_iteration_rejects_a_single_array():
    assert_rejected(check_em_iteration(lambda X, w, m, c: m), "as a tuple")


# ---------------------------------------------------------------------------
# The EM loop


def em_loop(X, init, tol, max_iter, *, step=em_step, rule=lambda new, old, N: abs(new - old) / N):
    theta = init
    trace = [gmm.log_likelihood(X, *theta)]
    for _ in range(max_iter):
        theta = step(X, *theta)
        trace.append(gmm.log_likelihood(X, *theta))
        if rule(trace[-1], trace[-2], X.shape[0]) < tol:
            break
    return trace


def test_em_loop_accepts_correct_answers():
    feedback = check_em_loop(em_loop)
    assert feedback.passed, feedback
    assert "all 5 cases passed" in feedback.message


def test_em_loop_not_implemented():
    assert_rejected(check_em_loop(not_implemented), "not implemented yet")


def test_em_loop_rejects_missing_initial_value():
    assert_rejected(check_em_loop(lambda X, init, tol, max_iter: em_loop(X, init, tol, max_iter)[1:]),
                    "leaves out the starting value")


def test_em_loop_rejects_ignoring_tol():
    assert_rejected(check_em_loop(lambda X, init, tol, max_iter: em_loop(X, init, -1.0, max_iter)),
                    "you ran all max_iter")


def test_em_loop_rejects_absolute_stopping_rule():
    def student(X, init, tol, max_iter):
        return em_loop(X, init, tol, max_iter, rule=lambda new, old, N: abs(new - old))

    assert_rejected(check_em_loop(student), "change per point", "|Δ ln p| / N")


def test_em_loop_rejects_a_wrong_m_step():
    def wrong_step(X, weights, means, covariances):
        resp = gmm.responsibilities(X, weights, means, covariances)
        Nk = resp.sum(axis=0)
        covs = np.stack([(resp[:, k] * (X - means[k]).T) @ (X - means[k]) / Nk[k] for k in range(len(Nk))])
        return Nk / X.shape[0], (resp.T @ X) / Nk[:, None], covs

    feedback = check_em_loop(lambda X, init, tol, max_iter: em_loop(X, init, tol, max_iter, step=wrong_step))
    assert_rejected(feedback, "differs from EM's at iteration 1", "check_em_iteration")


def test_em_loop_rejects_a_decreasing_trace():
    def student(X, init, tol, max_iter):
        trace = em_loop(X, init, tol, max_iter)
        trace[1] = trace[0] - 1.0
        return trace

    assert_rejected(check_em_loop(student), "decreases at iteration 1", "never lowers")


def test_em_loop_rejects_regularised_m_step():
    def student(X, init, tol, max_iter):
        return em_loop(X, init, tol, max_iter, step=lambda X, *t: gmm.m_step(X, gmm.responsibilities(X, *t)))

    assert_rejected(check_em_loop(student), "reg_covar=0")


def test_em_loop_rejects_stopping_one_iteration_early():
    def student(X, init, tol, max_iter):
        return em_loop(X, init, tol, max_iter - 1) if max_iter > 1 else em_loop(X, init, tol, max_iter)

    assert_rejected(check_em_loop(student), "too early")


# ---------------------------------------------------------------------------
# Finite differences


def test_finite_difference_gradient_of_one_gaussian():
    """For one Gaussian, ∂ ln p/∂μ = Σ⁻¹ Σ_n (x_n − μ) and ∂ ln p/∂Σ = ½ Σ_n (Σ⁻¹ a_n a_nᵀ Σ⁻¹ − Σ⁻¹)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    mean, cov = np.array([0.3, -0.2]), np.array([[1.5, 0.4], [0.4, 0.8]])
    grad = finite_difference_gradient(lambda w, m, c: gmm.log_likelihood(X, w, m, c), [1.0], mean[None], cov[None])
    P = np.linalg.inv(cov)
    A = X - mean
    np.testing.assert_allclose(grad["means"][0], P @ A.sum(axis=0), rtol=1e-6)
    G = 0.5 * (P @ A.T @ A @ P - len(X) * P)
    # An off-diagonal perturbation E_ij + E_ji moves both symmetric entries: the derivative doubles.
    expected = G * (2.0 - np.eye(2))
    np.testing.assert_allclose(grad["covariances"][0], expected, rtol=1e-6)
    assert grad["weights"].shape == (0,)


def test_finite_difference_gradient_of_q_vanishes_after_the_m_step():
    X = mixlib.standardise(mixlib.load_faithful())[0]
    start = (np.array([0.5, 0.5]), np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([np.eye(2)] * 2))
    resp = gmm.responsibilities(X, *start)
    theta = gmm.m_step(X, resp, reg_covar=0.0)
    grad = finite_difference_gradient(lambda *t: em.expected_complete_log_likelihood(X, resp, *t), *theta)
    for value in grad.values():
        assert np.max(np.abs(value)) < 1e-5
    assert grad["weights"].shape == (1,)
    assert grad["covariances"].shape == (2, 2, 2)


@pytest.mark.parametrize("checker", [check_m_step_means, check_m_step_weights, check_m_step_covariances,
                                     check_em_iteration, check_em_loop])
def test_checkers_reject_values_that_are_not_functions(checker):
    assert_rejected(checker(np.zeros(3)), "expected a function")
