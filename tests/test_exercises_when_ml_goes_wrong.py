"""The checkers of "When maximum likelihood goes wrong" accept right answers and name the fault in each
known wrong one."""

import numpy as np
import pytest
from checker_helpers import mistakes_test, solutions_test

import mixlib
from mixlib.exercises.when_ml_goes_wrong import (
    _fits,
    _map_cases,
    _map_reference,
    _restart_cases,
    check_best_of_restarts,
    check_map_m_step,
    check_regularised_covariance,
)


def regularise(covariances, reg_covar):
    return covariances + reg_covar * np.eye(covariances.shape[-1])


def regularise_in_a_loop(covariances, reg_covar):
    out = np.array(covariances, dtype=float)
    for k in range(len(out)):
        out[k] += reg_covar * np.eye(out.shape[1])
    return out


def regularise_in_place(covariances, reg_covar):
    D = covariances.shape[1]
    covariances[:, np.arange(D), np.arange(D)] += reg_covar
    return covariances


def best_fit(X, K, seeds):
    return max((mixlib.fit_gmm(X, K, seed=s) for s in seeds), key=lambda result: result.log_likelihood)


def map_m_step(X, resp, shrinkage, prior_mean, dof, scale):
    """The formulas as the chapter derives them, x̄_k first."""
    N, D = X.shape
    Nk = resp.sum(axis=0)
    xbar = (resp.T @ X) / Nk[:, None]
    means = (Nk[:, None] * xbar + shrinkage * prior_mean) / (shrinkage + Nk)[:, None]
    covariances = []
    for k in range(len(Nk)):
        W = (resp[:, k] * (X - xbar[k]).T) @ (X - xbar[k])
        B = shrinkage * Nk[k] / (shrinkage + Nk[k]) * np.outer(xbar[k] - prior_mean, xbar[k] - prior_mean)
        covariances.append((scale + W + B) / (dof + Nk[k] + D + 2))
    return Nk / N, means, np.array(covariances)


test_accepts_correct_answers = solutions_test(
    (check_regularised_covariance, regularise),
    (check_regularised_covariance, regularise_in_a_loop),
    (check_regularised_covariance, regularise_in_place),
    (check_best_of_restarts, best_fit),
    (check_map_m_step, map_m_step),
)


test_names_each_known_mistake = mistakes_test(check_regularised_covariance, check_best_of_restarts, check_map_m_step)


def test_restart_cases_discriminate():
    """Each wrong answer is caught by some case: the best is neither always first, last nor lowest."""
    lls = [np.array([f.log_likelihood for f in _fits(*case.args)]) for case in _restart_cases()]
    assert any(ll.argmax() != 0 and ll[0] < ll.max() for ll in lls)
    assert any(ll[-1] < ll.max() for ll in lls)
    assert any(ll.min() < ll.max() for ll in lls)


@pytest.mark.parametrize("case", _map_cases(), ids=lambda case: case.name)
def test_map_reference_maximises_the_penalised_objective(case):
    """The reference M step beats nearby parameters on Q(θ) + ln p(θ) with the case's responsibilities."""
    X, resp, shrinkage, prior_mean, dof, scale = case.args
    conjugate = mixlib.ConjugatePrior(shrinkage, prior_mean, dof, scale)
    weights, means, covariances = _map_reference(*case.args)

    def objective(means, covariances):
        log_joint = np.log(weights) + mixlib.gmm.log_gaussian(X, means, covariances)
        return np.sum(resp * log_joint) + mixlib.prior.log_prior(conjugate, means, covariances, "full")

    best = objective(means, covariances)
    rng = np.random.default_rng(1)
    for _ in range(5):
        step = rng.normal(size=covariances.shape) * 1e-3
        symmetric = step + np.swapaxes(step, 1, 2)
        assert objective(means + 1e-3 * rng.normal(size=means.shape), covariances) < best
        assert objective(means, covariances + symmetric) < best


def test_a_nearly_empty_component_gets_the_prior():
    case = next(case for case in _map_cases() if "nearly empty" in case.name)
    X, resp, shrinkage, prior_mean, dof, scale = case.args
    _, means, covariances = _map_reference(*case.args)
    np.testing.assert_allclose(means[2], prior_mean, atol=1e-4)
    np.testing.assert_allclose(covariances[2], scale / (dof + X.shape[1] + 2), rtol=1e-4)
