"""The checkers of the chapter "Choosing K" accept right answers and name the fault in each known wrong one."""

import numpy as np
import pytest
from checker_helpers import mistakes_test, solutions_test

import mixlib
from mixlib.exercises.choosing_k import check_bic, check_bic_table, check_n_parameters
from mixlib.gmm import n_parameters


def count(K, D, covariance_type):
    if covariance_type == "tied":
        return (K - 1) + K * D + D * (D + 1) // 2
    per_component = {"full": D * (D + 1) // 2, "diag": D, "spherical": 1}[covariance_type]
    return (K - 1) + K * D + K * per_component


def count_as_numpy_int(K, D, covariance_type):
    return np.int64(count(K, D, covariance_type))


def bic(log_likelihood, n_parameters, n_samples):
    return -2 * log_likelihood + n_parameters * np.log(n_samples)


def bic_table(X, ks):
    return np.array([mixlib.fit_gmm(X, K, n_init=5, seed=0).bic(X) for K in ks])


def bic_table_by_hand(X, ks):
    out = []
    for K in ks:
        fit = mixlib.fit_gmm(X, K, n_init=5, seed=0)
        out.append(bic(fit.log_likelihood, fit.n_parameters, X.shape[0]))
    return out


test_accepts_correct_answers = solutions_test(
    (check_n_parameters, count),
    (check_n_parameters, count_as_numpy_int),
    (check_bic, bic),
    (check_bic_table, bic_table),
    (check_bic_table, bic_table_by_hand),
)


test_names_each_known_mistake = mistakes_test(check_n_parameters, check_bic, check_bic_table)


@pytest.mark.filterwarnings("ignore::mixlib.errors.ConvergenceWarning")
def test_n_parameters_matches_the_fitted_results():
    X = mixlib.load_faithful()
    for kind in ("full", "tied", "diag", "spherical"):
        for K in (1, 2, 3):
            fit = mixlib.fit_gmm(X, K, covariance_type=kind, max_iter=5, seed=0)
            assert count(K, 2, kind) == fit.n_parameters == n_parameters(K, 2, kind)


def test_bic_matches_mixlib():
    X = mixlib.load_faithful()
    fit = mixlib.fit_gmm(X, 2, n_init=3, seed=0)
    assert bic(fit.log_likelihood, fit.n_parameters, len(X)) == pytest.approx(fit.bic(X), rel=1e-12)


def test_a_right_count_as_a_float_is_refused_with_the_reason():
    feedback = check_n_parameters(lambda K, D, kind: float(count(K, D, kind)))
    assert not feedback.passed and "is right but a float" in feedback.message


def test_the_tied_count_is_asked_for():
    feedback = check_n_parameters(lambda K, D, kind: count(K, D, "full" if kind == "tied" else kind))
    assert not feedback.passed and "tied covariance once per component" in feedback.message


def test_bic_table_accepts_within_one_unit_and_no_more():
    assert check_bic_table(lambda X, ks: bic_table(X, ks) + 0.9).passed
    # off by 1.1 on the 2-D cases only, whose BIC values exceed 1000: a relative tolerance would let that pass
    assert not check_bic_table(lambda X, ks: bic_table(X, ks) + 1.1 * (X.shape[1] == 2)).passed
