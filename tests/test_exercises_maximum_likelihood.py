"""The checkers of "Maximum likelihood for the Gaussian mixture" accept right answers and
name the fault in each known wrong one; the finite-difference gradient agrees with the
derivatives worked out by hand."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, not_implemented, solutions_test

import mixlib
from mixlib import em, gmm
from mixlib.exercises.maximum_likelihood import (
    check_m_step_covariances,
    check_m_step_means,
    check_m_step_weights,
    finite_difference_gradient,
)


def update_weights(responsibilities):
    return responsibilities.sum(axis=0) / responsibilities.shape[0]


def update_weights_mean(responsibilities):
    return np.mean(responsibilities, axis=0)


def update_means(X, responsibilities):
    return (responsibilities.T @ X) / responsibilities.sum(axis=0)[:, None]


def update_means_with_loops(X, responsibilities):
    """Slow but correct: it must be accepted too."""
    N, K = responsibilities.shape
    means = np.zeros((K, X.shape[1]))
    for k in range(K):
        Nk = sum(responsibilities[n, k] for n in range(N))
        means[k] = sum(responsibilities[n, k] * X[n] for n in range(N)) / Nk
    return means


def update_covariances(X, responsibilities, means):
    Nk = responsibilities.sum(axis=0)
    return np.stack([(responsibilities[:, k] * (X - means[k]).T) @ (X - means[k]) / Nk[k] for k in range(len(Nk))])


def update_covariances_einsum(X, responsibilities, means):
    diff = X[:, None, :] - means[None]
    sums = np.einsum("nk,nki,nkj->kij", responsibilities, diff, diff)
    return sums / responsibilities.sum(axis=0)[:, None, None]


test_accepts_correct_answers = solutions_test(
    (check_m_step_weights, update_weights),
    (check_m_step_weights, update_weights_mean),
    (check_m_step_means, update_means),
    (check_m_step_means, update_means_with_loops),
    (check_m_step_covariances, update_covariances),
    (check_m_step_covariances, update_covariances_einsum),
)


test_names_each_known_mistake = mistakes_test(check_m_step_weights, check_m_step_means, check_m_step_covariances)


def test_division_by_N_is_not_named_where_N_k_is_N():
    """With one component N_k = N: dividing by N is right there, and the check goes on to a case where it is not."""
    wrong = next(m.wrong for m in check_m_step_covariances.mistakes if m.name == "divided by N")
    feedback = check_m_step_covariances(wrong)
    assert_rejected(feedback, "three components in 2-D")
    resp = np.ones((5, 1))
    X = np.arange(10.0).reshape(5, 2)
    means = update_means(X, resp)
    np.testing.assert_allclose(wrong(X, resp, means), update_covariances(X, resp, means))


# ---------------------------------------------------------------------------
# Finite differences


def test_finite_difference_gradient_of_one_gaussian():
    """For one Gaussian, with u_n = x_n − μ, ∂ ln p/∂μ = Σ⁻¹ Σ_n u_n and
    ∂ ln p/∂Σ = ½ Σ_n (Σ⁻¹ u_n u_nᵀ Σ⁻¹ − Σ⁻¹)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    mean, cov = np.array([0.3, -0.2]), np.array([[1.5, 0.4], [0.4, 0.8]])
    grad = finite_difference_gradient(lambda w, m, c: gmm.log_likelihood(X, w, m, c), [1.0], mean[None], cov[None])
    P = np.linalg.inv(cov)
    U = X - mean
    np.testing.assert_allclose(grad["means"][0], P @ U.sum(axis=0), rtol=1e-6)
    G = 0.5 * (P @ U.T @ U @ P - len(X) * P)
    # An off-diagonal perturbation e_i e_jᵀ + e_j e_iᵀ moves both symmetric entries: the derivative doubles.
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


def test_docstrings_name_the_chapter_by_its_title_not_its_number():
    """The chapters will be renumbered; a number in a docstring would then point elsewhere."""
    import re

    from mixlib.exercises import maximum_likelihood

    texts = [maximum_likelihood.__doc__] + [
        f.__doc__ or ""
        for f in vars(maximum_likelihood).values()
        if callable(f) and getattr(f, "__module__", "") == maximum_likelihood.__name__
    ]
    assert "Maximum likelihood for the Gaussian mixture" in maximum_likelihood.__doc__
    assert not any(re.search(r"[Cc]hapter \d", text) for text in texts)


# ---------------------------------------------------------------------------
# Feedback on the commonest slips


def test_n_k_not_lined_up_gets_the_broadcasting_fix_not_the_axis_hint():
    """Dividing the (K, D) sums by the (K,) N_k without [:, None] sums over the right axis: the
    feedback must give the fix, not send the student looking for a wrong axis."""
    for checker, name, fix in [
        (check_m_step_means, "N_k not lined up with the rows", "Nk[:, None]."),
        (check_m_step_covariances, "N_k not lined up with the matrices", "Nk[:, None, None]."),
    ]:
        wrong = next(m.wrong for m in checker.mistakes if m.name == name)
        feedback = checker(wrong)
        assert_rejected(feedback, "could not be broadcast", fix)
        assert "Check the axis you sum over" not in feedback.message


def test_n_k_summed_over_the_components_still_gets_the_axis_hint():
    feedback = check_m_step_means(lambda X, r: (r.T @ X) / r.sum(axis=1)[:, None])
    assert_rejected(feedback, "Check the axis you sum over", "Σ_n q_nk")
    assert "Nk[:, None]" not in feedback.message


def test_plural_names_take_plural_verbs():
    feedback = check_m_step_means(lambda X, r: update_means(X, r)[:, :1])
    assert_rejected(feedback, "your means have shape")
    feedback = check_m_step_weights(lambda r: update_weights(r) * 0.5 + 0.5 / r.shape[1])
    assert_rejected(feedback, "your weights differ from the answer")


def test_feedback_calls_the_frozen_responsibilities_q():
    """The chapter writes the frozen responsibilities q_nk; γ(z_nk) is a function of θ."""
    texts = [
        check(stub).message
        for check, stub in [
            (check_m_step_means, not_implemented),
            (check_m_step_weights, not_implemented),
            (check_m_step_covariances, not_implemented),
        ]
    ]
    texts += [
        m.feedback
        for check in (check_m_step_means, check_m_step_weights, check_m_step_covariances)
        for m in check.mistakes
    ]
    assert any("q_nk" in text for text in texts)
    assert not any("γ" in text for text in texts)
