"""The checkers of chapters 7 and 9 accept the reference solutions and name the faults of wrong ones."""
import numpy as np
import pytest
from checker_helpers import assert_rejected, not_implemented

import mixlib
from mixlib.exercises.model_selection import (
    check_best_of_restarts,
    check_bic,
    check_bic_table,
    check_n_parameters,
    check_regularised_covariance,
)
from mixlib.gmm import n_parameters


@pytest.mark.parametrize("checker", [check_regularised_covariance, check_best_of_restarts, check_n_parameters,
                                     check_bic, check_bic_table])
def test_stub_gets_friendly_feedback(checker):
    feedback = checker(not_implemented)
    assert_rejected(feedback, "not implemented yet")


@pytest.mark.parametrize("checker", [check_regularised_covariance, check_n_parameters, check_bic])
def test_value_instead_of_function(checker):
    assert_rejected(checker(3.0), "expected a function")


# --- regularised covariances -------------------------------------------------


def regularise(covariances, reg_covar):
    covariances = np.asarray(covariances, dtype=float)
    return covariances + reg_covar * np.eye(covariances.shape[-1])


def test_regularise_accepts_reference():
    assert check_regularised_covariance(regularise).passed


def test_regularise_accepts_loop_and_in_place():
    def loop(covariances, reg_covar):
        out = np.array(covariances, dtype=float)
        for k in range(len(out)):
            out[k] += reg_covar * np.eye(out.shape[1])
        return out

    def in_place(covariances, reg_covar):
        D = covariances.shape[1]
        covariances[:, np.arange(D), np.arange(D)] += reg_covar
        return covariances

    assert check_regularised_covariance(loop).passed
    assert check_regularised_covariance(in_place).passed


def test_regularise_rejects_adding_to_every_entry():
    assert_rejected(check_regularised_covariance(lambda c, r: c + r), "every entry", "diagonal")


def test_regularise_rejects_multiplying():
    assert_rejected(check_regularised_covariance(lambda c, r: c * r), "multiplied")
    assert_rejected(check_regularised_covariance(lambda c, r: c * (1 + r)), "multiplied")


def test_regularise_rejects_forgetting_a_component():
    def first_only(covariances, reg_covar):
        out = np.array(covariances, dtype=float)
        out[0] += reg_covar * np.eye(out.shape[1])
        return out

    def all_but_first(covariances, reg_covar):
        out = np.array(covariances, dtype=float)
        out[1:] += reg_covar * np.eye(out.shape[1])
        return out

    assert_rejected(check_regularised_covariance(first_only), "component 1 was left unchanged")
    assert_rejected(check_regularised_covariance(all_but_first), "component 0 was left unchanged")


def test_regularise_rejects_a_single_matrix():
    assert_rejected(check_regularised_covariance(lambda c, r: c[0] + r * np.eye(c.shape[1])), "shape")


def test_regularise_rejects_none():
    assert_rejected(check_regularised_covariance(lambda c, r: None), "return")


# --- best of restarts ------------------------------------------------------


def fits(X, K, seeds):
    return [mixlib.fit_gmm(X, K, seed=s) for s in seeds]


def best_fit(X, K, seeds):
    return max(fits(X, K, seeds), key=lambda result: result.log_likelihood)


def test_best_fit_accepts_reference():
    assert check_best_of_restarts(best_fit).passed


def test_best_fit_cases_discriminate():
    """Each wrong answer is caught by some case: the best is neither always first, last nor lowest."""
    from mixlib.exercises.model_selection import _restart_cases

    cases = _restart_cases()
    lls = [np.array([f.log_likelihood for f in fits(*case.args)]) for case in cases]
    assert any(ll.argmax() != 0 and ll[0] < ll.max() for ll in lls)
    assert any(ll[-1] < ll.max() for ll in lls)
    assert any(ll.min() < ll.max() for ll in lls)


def test_best_fit_rejects_first():
    assert_rejected(check_best_of_restarts(lambda X, K, seeds: fits(X, K, seeds)[0]), "first run")


def test_best_fit_rejects_lowest():
    worst = lambda X, K, seeds: min(fits(X, K, seeds), key=lambda r: r.log_likelihood)  # noqa: E731
    assert_rejected(check_best_of_restarts(worst), "lowest")


def test_best_fit_rejects_last():
    assert_rejected(check_best_of_restarts(lambda X, K, seeds: fits(X, K, seeds)[-1]), "last run")


def test_best_fit_rejects_returning_the_number():
    value = lambda X, K, seeds: best_fit(X, K, seeds).log_likelihood  # noqa: E731
    assert_rejected(check_best_of_restarts(value), "return the whole result")


# --- number of parameters --------------------------------------------------


def test_n_parameters_matches_mixlib():
    X = mixlib.load_faithful()
    for kind in ("full", "diag", "spherical"):
        for K in (1, 2, 3):
            fit = mixlib.fit_gmm(X, K, covariance_type=kind, max_iter=5, seed=0)
            assert n_parameters(K, 2, kind) == fit.n_parameters


def test_n_parameters_accepts_reference_and_numpy_ints():
    assert check_n_parameters(n_parameters).passed
    assert check_n_parameters(lambda K, D, c: np.int64(n_parameters(K, D, c))).passed


def with_covariance(count):
    def student(K, D, covariance_type):
        return (K - 1) + K * D + count(K, D)[covariance_type]

    return student


def test_n_parameters_rejects_K_weights():
    assert_rejected(check_n_parameters(lambda K, D, c: n_parameters(K, D, c) + 1), "K − 1")


def test_n_parameters_rejects_D_squared():
    wrong = with_covariance(lambda K, D: {"full": K * D * D, "diag": K * D, "spherical": K})
    assert_rejected(check_n_parameters(wrong), "symmetric", "D(D+1)/2")


def test_n_parameters_rejects_both_faults():
    def wrong(K, D, c):
        return K + K * D + {"full": K * D * D, "diag": K * D, "spherical": K}[c]

    assert_rejected(check_n_parameters(wrong), "K − 1", "D²")


def test_n_parameters_rejects_missing_means():
    assert_rejected(check_n_parameters(lambda K, D, c: n_parameters(K, D, c) - K * D), "means")


def test_n_parameters_rejects_spherical_as_diag():
    wrong = with_covariance(lambda K, D: {"full": K * D * (D + 1) // 2, "diag": K * D, "spherical": K * D})
    assert_rejected(check_n_parameters(wrong), "spherical", "1 free")


def test_n_parameters_rejects_fractions():
    assert_rejected(check_n_parameters(lambda K, D, c: n_parameters(K, D, c) + 0.5), "whole number")


# --- BIC --------------------------------------------------------------------


def bic(log_likelihood, n_parameters, n_samples):
    return -2 * log_likelihood + n_parameters * np.log(n_samples)


def test_bic_accepts_reference_and_matches_mixlib():
    assert check_bic(bic).passed
    X = mixlib.load_faithful()
    fit = mixlib.fit_gmm(X, 2, n_init=3, seed=0)
    assert bic(fit.log_likelihood, fit.n_parameters, len(X)) == pytest.approx(fit.bic(X), rel=1e-12)


@pytest.mark.parametrize("wrong, phrase", [
    (lambda ll, p, N: 2 * ll - p * np.log(N), "mclust"),
    (lambda ll, p, N: 2 * ll + p * np.log(N), "wrong sign"),
    (lambda ll, p, N: -2 * ll + p * np.log10(N), "log10"),
    (lambda ll, p, N: -ll + p * np.log(N), "factor 2"),
    (lambda ll, p, N: -ll + p * np.log(N) / 2, "half"),
    (lambda ll, p, N: -2 * ll + 2 * p, "AIC"),
    (lambda ll, p, N: -2 * ll + N * np.log(p), "swapped"),
    (lambda ll, p, N: np.array([-2 * ll, p * np.log(N)]), "single number"),
])
def test_bic_rejects_and_names_the_fault(wrong, phrase):
    assert_rejected(check_bic(wrong), phrase)


# --- BIC table ---------------------------------------------------------------


def bic_table(X, ks):
    return np.array([mixlib.fit_gmm(X, K, n_init=5, seed=0).bic(X) for K in ks])


def test_bic_table_accepts_reference():
    assert check_bic_table(bic_table).passed


def test_bic_table_accepts_own_bic_and_a_list():
    def student(X, ks):
        out = []
        for K in ks:
            fit = mixlib.fit_gmm(X, K, n_init=5, seed=0)
            out.append(bic(fit.log_likelihood, fit.n_parameters, X.shape[0]))
        return out

    assert check_bic_table(student).passed


def fitted(X, ks):
    return [mixlib.fit_gmm(X, K, n_init=5, seed=0) for K in ks]


def test_bic_table_rejects_log_likelihoods():
    assert_rejected(check_bic_table(lambda X, ks: [f.log_likelihood for f in fitted(X, ks)]), "log-likelihoods")


def test_bic_table_rejects_missing_penalty():
    assert_rejected(check_bic_table(lambda X, ks: [-2 * f.log_likelihood for f in fitted(X, ks)]), "without the penalty")


def test_bic_table_rejects_aic():
    assert_rejected(check_bic_table(lambda X, ks: [f.aic(X) for f in fitted(X, ks)]), "AIC")


def test_bic_table_rejects_mclust_sign():
    assert_rejected(check_bic_table(lambda X, ks: [-f.bic(X) for f in fitted(X, ks)]), "−BIC")


def test_bic_table_rejects_sorting_by_K():
    assert_rejected(check_bic_table(lambda X, ks: bic_table(X, sorted(ks))), "sorted by K")


def test_bic_table_rejects_range_instead_of_ks():
    wrong = lambda X, ks: bic_table(X, range(1, len(ks) + 1))  # noqa: E731
    assert_rejected(check_bic_table(wrong), "order of ks")


def test_bic_table_rejects_wrong_length():
    assert_rejected(check_bic_table(lambda X, ks: bic_table(X, ks)[:-1]), "shape")
