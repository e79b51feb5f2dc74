"""mixlib.bounds: slices of the EM bound, hard EM, and the logistic encoder."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

import mixlib
from mixlib import bounds, em, gmm
from mixlib.bounds import _encoder_kl


@pytest.fixture(scope="module")
def faithful():
    return mixlib.standardise(mixlib.load_faithful())[0]


@pytest.fixture(scope="module")
def iterates(faithful):
    start = (np.array([0.5, 0.5]), np.array([[0.0, 1.0], [0.0, -1.0]]), np.array([np.eye(2)] * 2))
    run = mixlib.fit_gmm(faithful, 2, init=start, reg_covar=0.0, tol=0, max_iter=4)
    return [(s.weights, s.means, s.covariances) for s in run.history[1:4]]


def test_path_passes_through_its_points_and_keeps_weights_summing_to_one(iterates):
    for i, theta in enumerate(iterates):
        for got, want in zip(bounds.path_through(iterates, i), theta):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    weights, _, covariances = bounds.path_through(iterates, 0.37)
    assert abs(weights.sum() - 1) < 1e-14
    np.testing.assert_allclose(covariances, covariances.transpose(0, 2, 1))


def test_path_is_linear_for_two_points(iterates):
    a, b = iterates[:2]
    for got, x, y in zip(bounds.path_through([a, b], 0.25), a, b):
        np.testing.assert_allclose(got, 0.75 * x + 0.25 * y, rtol=1e-13)


def test_path_refuses_to_leave_the_parameter_space():
    a = (np.array([0.9, 0.1]), np.zeros((2, 1)), np.ones((2, 1, 1)))
    b = (np.array([0.1, 0.9]), np.zeros((2, 1)), np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="simplex"):
        bounds.path_through([a, b], 1.5)
    c = (np.array([0.5, 0.5]), np.zeros((2, 1)), np.full((2, 1, 1), 0.1))
    with pytest.raises(ValueError, match="positive definite"):
        bounds.path_through([(c[0], c[1], np.ones((2, 1, 1))), c], 2.0)
    with pytest.raises(ValueError, match="at least 2"):
        bounds.path_through([a], 0.0)


def test_bounds_lie_below_and_touch_where_q_is_the_posterior(faithful, iterates):
    s = np.linspace(-0.5, 2.5, 31)
    tables = [gmm.responsibilities(faithful, *theta) for theta in iterates[:2]]
    log_p, F = bounds.along_path(faithful, iterates, s, tables)
    direct = [
        logsumexp(
            np.column_stack(
                [
                    np.log(w) + multivariate_normal(m, S).logpdf(faithful)
                    for w, m, S in zip(*bounds.path_through(iterates, si))
                ]
            ),
            axis=1,
        ).sum()
        for si in s
    ]
    np.testing.assert_allclose(log_p, direct, rtol=1e-12)
    assert np.all(F <= log_p + 1e-9)
    for j, touch in enumerate([0.0, 1.0]):
        i = int(np.argmin(np.abs(s - touch)))
        assert abs(F[j, i] - log_p[i]) < 1e-9
        assert np.all(log_p - F[j] > 1e-6 * np.abs(s - touch) ** 2 - 1e-9)


def test_random_neighbours_are_valid_and_lower_the_bound_at_the_m_step(faithful, iterates):
    q = gmm.responsibilities(faithful, *iterates[0])
    theta_new = gmm.m_step(faithful, q, reg_covar=0.0)
    best = em.free_energy(faithful, q, *theta_new)
    for scale in [0.05, 1e-3]:
        for w, m, S in bounds.random_neighbours(theta_new, 50, scale, seed=0):
            assert abs(w.sum() - 1) < 1e-12 and np.all(np.linalg.eigvalsh(S) > 0)
            assert em.free_energy(faithful, q, w, m, S) < best
    # small steps find a point just off the maximum (covariances with divisor N_k − 1), which large ones miss
    N_k = q.sum(axis=0)
    off = (theta_new[0], theta_new[1], theta_new[2] * (N_k / (N_k - 1))[:, None, None])
    level = em.free_energy(faithful, q, *off)
    assert level < best
    assert any(em.free_energy(faithful, q, *theta) > level for theta in bounds.random_neighbours(off, 50, 1e-3, seed=0))
    not_a_maximum = bounds.random_neighbours(iterates[0], 50, 1e-3, seed=0)
    assert any(
        em.free_energy(faithful, q, *theta) > em.free_energy(faithful, q, *iterates[0]) for theta in not_a_maximum
    )


def test_hard_e_step_is_the_nearest_centre_rule_for_shared_spherical_covariances(faithful):
    means = np.array([[0.3, -1.0], [-0.2, 0.8], [1.0, 1.0]])
    table = bounds.hard_e_step(faithful, np.full(3, 1 / 3), means, np.array([0.2 * np.eye(2)] * 3))
    nearest = np.argmin(((faithful[:, None, :] - means) ** 2).sum(axis=2), axis=1)
    np.testing.assert_array_equal(table, np.eye(3)[nearest])


def test_hard_e_step_maximises_the_free_energy_over_point_masses(faithful, iterates):
    theta = iterates[0]
    best = em.free_energy(faithful, bounds.hard_e_step(faithful, *theta), *theta)
    rng = np.random.default_rng(1)
    for _ in range(20):
        other = np.eye(2)[rng.integers(0, 2, size=len(faithful))]
        assert em.free_energy(faithful, other, *theta) <= best


@pytest.mark.parametrize("epsilon", [1.0, 0.1])
def test_hard_em_is_kmeans_with_a_gap_that_stays_open(faithful, epsilon):
    start = np.array([[0.0, 1.0], [0.0, -1.0]])
    run = bounds.hard_em(faithful, start, epsilon)
    km = mixlib.kmeans(faithful, 2, init=start)
    assert run.converged
    np.testing.assert_allclose(run.means[-1], km.centers, atol=1e-12)
    np.testing.assert_array_equal(run.tables[-1].argmax(axis=1), km.labels)
    assert np.all(np.diff(run.free_energy) >= -1e-9)
    assert np.all(run.gap > 0)
    np.testing.assert_allclose(run.free_energy + run.gap, run.log_likelihood, rtol=1e-12)
    # the gap from its formula, −Σ_n ln γ(z_{n k_n}), with scipy's densities
    mu = run.means[-1]
    ell = np.column_stack([multivariate_normal(m, epsilon * np.eye(2)).logpdf(faithful) for m in mu])
    log_gamma = ell - logsumexp(ell, axis=1, keepdims=True)
    labels = run.tables[-1].argmax(axis=1)
    np.testing.assert_allclose(run.gap[-1], -log_gamma[np.arange(len(faithful)), labels].sum(), rtol=1e-10)


def test_hard_em_gap_closes_as_the_variance_shrinks(faithful):
    start = np.array([[0.0, 1.0], [0.0, -1.0]])
    gaps = [bounds.hard_em(faithful, start, eps).gap[-1] for eps in [1.0, 0.1, 0.01, 0.001]]
    assert np.all(np.diff(gaps) < 0) and gaps[-1] < 1e-6 * gaps[0]


def test_hard_em_reports_an_empty_cluster_and_bad_epsilon(faithful):
    far = np.array([[0.0, 0.0], [100.0, 100.0]])
    with pytest.raises(mixlib.SingularityError, match="no points"):
        bounds.hard_em(faithful, far, 1.0)
    with pytest.raises(ValueError, match="epsilon"):
        bounds.hard_em(faithful, far, 0.0)


def test_encoder_gradient_matches_finite_differences(faithful):
    a = np.sin(faithful[:, 0]) * 3 + faithful[:, 1] ** 2
    phi = np.array([0.7, -0.4, 0.2])
    _, grad = _encoder_kl(phi, faithful, a)
    h = 1e-6
    numeric = [
        (_encoder_kl(phi + h * e, faithful, a)[0] - _encoder_kl(phi - h * e, faithful, a)[0]) / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)


def test_encoder_kl_is_the_kl_to_the_posterior(faithful, iterates):
    theta = iterates[0]
    w, w0 = np.array([1.0, 2.0]), -0.5
    q = bounds.logistic_encoder(faithful, w, w0)
    log_joint = gmm.log_joint(faithful, *theta)
    kl, _ = _encoder_kl(np.append(w, w0), faithful, log_joint[:, 0] - log_joint[:, 1])
    assert abs(kl - em.kl_to_posterior(faithful, q, *theta)) < 1e-9


def test_best_encoder_closes_the_gap_only_when_the_log_odds_are_linear(faithful, iterates):
    tied = mixlib.fit_gmm(faithful, 2, covariance_type="tied", reg_covar=0.0, tol=1e-10, seed=0)
    w, w0, kl = bounds.best_logistic_encoder(faithful, tied.weights, tied.means, tied.covariances)
    precision = np.linalg.inv(tied.covariances[0])
    m1, m2 = tied.means
    np.testing.assert_allclose(w, precision @ (m1 - m2), rtol=1e-5)
    assert (
        abs(w0 - (-0.5 * m1 @ precision @ m1 + 0.5 * m2 @ precision @ m2 + np.log(tied.weights[0] / tied.weights[1])))
        < 1e-4
    )
    assert kl < 1e-8
    _, _, kl_full = bounds.best_logistic_encoder(faithful, *iterates[0])
    assert kl_full > 1.0
    with pytest.raises(ValueError, match="K = 2"):
        bounds.best_logistic_encoder(faithful, np.full(3, 1 / 3), np.zeros((3, 2)), np.array([np.eye(2)] * 3))


def test_best_encoder_is_the_same_in_other_units_and_origin(faithful, iterates):
    """Translating X and changing a column's units moves the optimum only by the change of coordinates."""
    theta = iterates[0]
    w, w0, kl = bounds.best_logistic_encoder(faithful, *theta)
    A, c = np.diag([60.0, 0.01]), np.array([3.0, -70.0])  # x' = A x + c
    weights, means, covariances = theta
    moved = (weights, means @ A + c, A @ covariances @ A)
    w_m, w0_m, kl_m = bounds.best_logistic_encoder(faithful @ A + c, *moved)
    assert abs(kl_m - kl) < 1e-7 * kl
    np.testing.assert_allclose(A @ w_m, w, rtol=1e-6)  # wᵀx + w_0 = w'ᵀx' + w'_0
    assert abs(w0_m + w_m @ c - w0) < 1e-6 * (1 + abs(w0))
    # a start given in the data's units is used as such: from the optimum, nothing moves
    w_s, w0_s, kl_s = bounds.best_logistic_encoder(faithful, *theta, start=(w, w0))
    np.testing.assert_allclose(w_s, w, rtol=1e-7)
    assert abs(w0_s - w0) < 1e-7 * (1 + abs(w0))
    assert abs(kl_s - kl) < 1e-9


def test_best_encoder_refuses_a_search_that_stopped_short(faithful, iterates, monkeypatch):
    from scipy.optimize import OptimizeResult

    def stopped(fun, x0, args, **settings):
        value, grad = fun(x0, *args)
        return OptimizeResult(
            x=x0,
            fun=value,
            jac=grad,
            success=False,
            nit=3,
            status=1,
            message="Maximum number of iterations has been exceeded.",
        )

    monkeypatch.setattr(bounds, "minimize", stopped)
    with pytest.raises(RuntimeError, match="away from the optimum"):
        bounds.best_logistic_encoder(faithful, *iterates[0])


def test_encoder_rejects_bad_weights(faithful):
    with pytest.raises(ValueError, match="one weight per column"):
        bounds.logistic_encoder(faithful, np.ones(3), 0.0)
    with pytest.raises(ValueError, match="finite"):
        bounds.logistic_encoder(faithful, np.array([np.nan, 1.0]), 0.0)
    with pytest.raises(ValueError, match="start"):
        bounds.best_logistic_encoder(
            faithful, np.full(2, 0.5), np.zeros((2, 2)), np.array([np.eye(2)] * 2), start=(np.ones(3), 0.0)
        )
