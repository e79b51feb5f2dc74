"""The checkers of "Responsibilities" accept right answers and name the fault in each known wrong one."""

import numpy as np
import pytest
from checker_helpers import assert_rejected, mistakes_test, solutions_test
from scipy.special import expit, logsumexp

from mixlib import gmm
from mixlib.exercises.responsibilities import (
    _sigmoid_cases,
    _sigmoid_reference,
    check_e_step,
    check_log_sum_exp,
    check_responsibility_sigmoid,
)


def log_sum_exp(ell):
    m = ell.max(axis=1, keepdims=True)
    return m[:, 0] + np.log(np.exp(ell - m).sum(axis=1))


def e_step(X, weights, means, covariances):
    log_joint = np.log(weights) + gmm.log_gaussian(X, means, covariances)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def sigmoid_weights(weights, means, covariance):
    P = np.linalg.inv(covariance)
    mu1, mu2 = means
    return P @ (mu1 - mu2), -0.5 * mu1 @ P @ mu1 + 0.5 * mu2 @ P @ mu2 + np.log(weights[0] / weights[1])


def sigmoid_weights_as_lists(weights, means, covariance):
    w, w0 = sigmoid_weights(weights, means, covariance)
    return [list(w), float(w0)]


test_accepts_correct_answers = solutions_test(
    (check_log_sum_exp, log_sum_exp),
    (check_e_step, e_step),
    (check_e_step, gmm.responsibilities),
    (check_responsibility_sigmoid, sigmoid_weights),
    (check_responsibility_sigmoid, sigmoid_weights_as_lists),
)


test_names_each_known_mistake = mistakes_test(check_log_sum_exp, check_e_step, check_responsibility_sigmoid)


@pytest.mark.parametrize("case", _sigmoid_cases(), ids=lambda case: case.name)
def test_the_sigmoid_is_the_responsibility(case):
    """sigm(wᵀx + w_0) is γ(z_n1) of the two-component mixture with the shared covariance."""
    weights, means, covariance = case.args
    X = np.random.default_rng(0).normal(size=(50, means.shape[1])) * 2 + means.mean(axis=0)
    w, w0 = _sigmoid_reference(weights, means, covariance)
    gamma = gmm.responsibilities(X, weights, means, np.array([covariance, covariance]))
    np.testing.assert_allclose(expit(X @ w + w0), gamma[:, 0], rtol=1e-10, atol=1e-12)


def test_missing_log_ratio_passes_where_the_weights_are_equal():
    """A mistake that changes nothing on a case is not called wrong there."""
    wrong = next(m.wrong for m in check_responsibility_sigmoid.mistakes if m.name == "no ln(π_1/π_2)")
    equal = next(case for case in _sigmoid_cases() if case.name.startswith("equal weights"))
    np.testing.assert_allclose(wrong(*equal.args)[1], _sigmoid_reference(*equal.args)[1])
    assert_rejected(check_responsibility_sigmoid(wrong), "unequal weights")


def test_log_responsibilities_are_told_to_exponentiate():
    """Not "the rows do not sum to 1": the rows of exp(answer) do, and the student is told so."""

    def log_e_step(X, weights, means, covariances):
        log_joint = np.log(weights) + gmm.log_gaussian(X, means, covariances)
        return log_joint - logsumexp(log_joint, axis=1, keepdims=True)

    feedback = check_e_step(log_e_step)
    assert_rejected(feedback, "log responsibilities", "Exponentiate")
    assert "do not sum to 1" not in feedback.message
