"""The checkers of the EM-algorithm chapter accept right answers and name the fault in each known wrong one."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test

from mixlib import gmm
from mixlib.exercises.em_algorithm import check_em_iteration, check_em_loop


def em_iteration(X, weights, means, covariances):
    resp = gmm.responsibilities(X, weights, means, covariances)
    Nk = resp.sum(axis=0)
    new_means = (resp.T @ X) / Nk[:, None]
    new_covs = np.stack([(resp[:, k] * (X - new_means[k]).T) @ (X - new_means[k]) / Nk[k] for k in range(len(Nk))])
    return Nk / X.shape[0], new_means, new_covs


def em_iteration_with_mixlib(X, weights, means, covariances):
    return gmm.m_step(X, gmm.e_step(X, weights, means, covariances)[0], reg_covar=0.0)


def em_loop(X, init, tol, max_iter, *, step=em_iteration):
    theta = init
    trace = [gmm.log_likelihood(X, *theta)]
    for _ in range(max_iter):
        theta = step(X, *theta)
        trace.append(gmm.log_likelihood(X, *theta))
        if abs(trace[-1] - trace[-2]) / X.shape[0] < tol:
            break
    return trace


test_accepts_correct_answers = solutions_test(
    (check_em_iteration, em_iteration),
    (check_em_iteration, em_iteration_with_mixlib),
    (check_em_loop, em_loop),
)


test_names_each_known_mistake = mistakes_test(check_em_iteration, check_em_loop)


def test_em_loop_with_a_wrong_iteration_points_to_its_checker():
    wrong_step = next(m.wrong for m in check_em_iteration.mistakes if m.name == "covariances about the old means")
    feedback = check_em_loop(lambda X, init, tol, max_iter: em_loop(X, init, tol, max_iter, step=wrong_step))
    assert_rejected(feedback, "differs from EM's at iteration 1", "check_em_iteration")


def test_em_loop_rejects_a_decreasing_trace():
    def student(X, init, tol, max_iter):
        trace = em_loop(X, init, tol, max_iter)
        trace[1] = trace[0] - 1.0
        return trace

    assert_rejected(check_em_loop(student), "decreases at iteration 1", "never lowers")


def test_em_loop_rejects_one_iteration_too_many():
    def student(X, init, tol, max_iter):
        trace = em_loop(X, init, tol, max_iter)
        return trace + [trace[-1]]

    assert_rejected(check_em_loop(student), "goes on for")


def test_one_iteration_too_many_is_not_mistaken_for_the_total_change():
    too_many = next(m.wrong for m in check_em_loop.mistakes if m.name == "one iteration too many")
    feedback = check_em_loop(too_many)
    assert_rejected(feedback, "goes on for")
    assert "total" not in feedback.message


def test_dividing_by_nk_without_new_axes_gets_the_fix_once():
    wrong = next(m.wrong for m in check_em_iteration.mistakes if m.name.startswith("divide row k by N_k"))
    feedback = check_em_iteration(wrong)
    assert_rejected(feedback, "could not be broadcast", "Nk[:, None]")
    assert feedback.message.count("divide row k by N_k") <= 1
