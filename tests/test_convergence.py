"""The EM map on a parameter vector: coordinates, Jacobian, gradient, fixed point."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

import mixlib
from mixlib import convergence, gmm

K = 2


@pytest.fixture(scope="module")
def data():
    return mixlib.standardise(mixlib.load_faithful())[0]


@pytest.fixture(scope="module")
def maximum(data):
    """A local maximum of the likelihood, to machine precision, and its vector."""
    start = (np.array([0.5, 0.5]), np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0.5 * np.eye(2)] * 2))
    fit = mixlib.fit_gmm(data, K, init=start, reg_covar=0.0, tol=0, max_iter=60, keep_history=False)
    return fit, convergence.to_vector(fit.weights, fit.means, fit.covariances)


def random_mixture(rng, K=3, D=3):
    weights = rng.dirichlet(np.ones(K))
    means = rng.normal(size=(K, D))
    A = rng.normal(size=(K, D, D))
    covariances = A @ np.swapaxes(A, 1, 2) + 0.5 * np.eye(D)
    return weights, means, covariances


def test_length_is_the_number_of_free_parameters():
    for K_, D in [(1, 1), (2, 2), (3, 4)]:
        assert convergence.n_free_parameters(K_, D) == gmm.n_parameters(K_, D, "full")


@pytest.mark.parametrize("coordinates", convergence.COORDINATES)
def test_round_trip(coordinates):
    rng = np.random.default_rng(0)
    weights, means, covariances = random_mixture(rng)
    theta = convergence.to_vector(weights, means, covariances, coordinates=coordinates)
    assert theta.shape == (convergence.n_free_parameters(3, 3),)
    back = convergence.from_vector(theta, 3, 3, coordinates=coordinates)
    for a, b in zip(back, (weights, means, covariances)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    again = convergence.to_vector(*back, coordinates=coordinates)
    np.testing.assert_allclose(again, theta, rtol=1e-12, atol=1e-14)


def test_unconstrained_entries_are_log_odds_means_and_log_cholesky():
    weights = np.array([0.2, 0.3, 0.5])
    means = np.arange(6.0).reshape(3, 2)
    L = np.array([[[2.0, 0.0], [0.5, 3.0]]] * 3)
    theta = convergence.to_vector(weights, means, L @ np.swapaxes(L, 1, 2))
    np.testing.assert_allclose(theta[:2], np.log([0.2 / 0.5, 0.3 / 0.5]))
    np.testing.assert_allclose(theta[2:8], means.ravel())
    np.testing.assert_allclose(theta[8:11], [np.log(2.0), 0.5, np.log(3.0)])


def test_every_unconstrained_vector_is_a_mixture():
    theta = np.random.default_rng(1).normal(scale=3.0, size=convergence.n_free_parameters(3, 2))
    weights, means, covariances = convergence.from_vector(theta, 3, 2)
    gmm.log_likelihood(np.zeros((1, 2)), weights, means, covariances)  # validates (π, μ, Σ)
    assert np.all(weights > 0)


def test_log_likelihood_matches_scipy(data):
    theta = np.random.default_rng(2).normal(scale=0.5, size=convergence.n_free_parameters(K, 2))
    weights, means, covariances = convergence.from_vector(theta, K, 2)
    density = sum(w * multivariate_normal(m, C).pdf(data) for w, m, C in zip(weights, means, covariances))
    expected = np.log(density).sum()
    np.testing.assert_allclose(convergence.log_likelihood(data, theta, K), expected, rtol=1e-12)
    np.testing.assert_allclose(convergence.log_likelihood_and_gradient(data, theta, K)[0], expected, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3)) * [1.0, 3.0, 0.5]
    theta = rng.normal(scale=0.5, size=convergence.n_free_parameters(3, 3))
    _, gradient = convergence.log_likelihood_and_gradient(X, theta, 3)
    h = 1e-6
    numerical = np.array(
        [
            (convergence.log_likelihood(X, theta + h * e, 3) - convergence.log_likelihood(X, theta - h * e, 3))
            / (2 * h)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(gradient, numerical, rtol=1e-6, atol=1e-6 * np.abs(gradient).max())


def test_em_map_is_one_exact_em_iteration(data):
    start = (np.array([0.4, 0.6]), np.array([[-1.0, 0.5], [1.0, -0.5]]), np.array([np.eye(2)] * 2))
    theta = convergence.to_vector(*start)
    step = mixlib.fit_gmm(data, K, init=start, reg_covar=0.0, tol=0, max_iter=1).history[1]
    np.testing.assert_allclose(
        convergence.em_map(data, theta, K),
        convergence.to_vector(step.weights, step.means, step.covariances),
        rtol=1e-10,
    )


def test_mean_step_is_the_gradient_times_sigma_over_nk(data):
    """Xu and Jordan: the EM step of the weights and means is T(θ) ∇ ln p; for the means T = Σ_k / N_k."""
    start = (np.array([0.4, 0.6]), np.array([[-1.0, 0.5], [1.0, -0.5]]), np.array([[[1.0, 0.3], [0.3, 0.8]]] * 2))
    theta = convergence.to_vector(*start)
    _, gradient = convergence.log_likelihood_and_gradient(data, theta, K)
    Nk = gmm.responsibilities(data, *start).sum(axis=0)
    step = convergence.em_map(data, theta, K) - theta
    for k in range(K):
        block = slice(1 + 2 * k, 3 + 2 * k)
        np.testing.assert_allclose(step[block], start[2][k] @ gradient[block] / Nk[k], rtol=1e-10)


def test_the_maximum_is_a_fixed_point_with_zero_gradient(data, maximum):
    _, theta = maximum
    np.testing.assert_allclose(convergence.em_map(data, theta, K), theta, atol=1e-10)
    assert np.abs(convergence.log_likelihood_and_gradient(data, theta, K)[1]).max() < 1e-8
    # and a point that is not a maximum is not fixed
    moved = theta + 0.01
    assert np.abs(convergence.em_map(data, moved, K) - moved).max() > 1e-4


def test_jacobian_does_not_depend_on_the_step(data, maximum):
    _, theta = maximum
    J1 = convergence.em_map_jacobian(data, theta, K, step=1e-5)
    J2 = convergence.em_map_jacobian(data, theta, K, step=1e-4)
    np.testing.assert_allclose(J1, J2, atol=1e-6)
    assert np.abs(J1).max() > 0.1


def test_jacobian_is_the_linear_part_of_the_map(data, maximum):
    _, theta = maximum
    J = convergence.em_map_jacobian(data, theta, K)
    direction = np.random.default_rng(3).normal(size=theta.size)
    for size in (1e-3, 1e-4):
        change = convergence.em_map(data, theta + size * direction, K) - theta
        np.testing.assert_allclose(change / size, J @ direction, atol=50 * size * np.abs(direction).max())


def test_eigenvalues_are_in_the_unit_interval_and_do_not_depend_on_coordinates(data, maximum):
    fit, theta = maximum
    omega = np.linalg.eigvals(convergence.em_map_jacobian(data, theta, K))
    moments = convergence.to_vector(fit.weights, fit.means, fit.covariances, coordinates="moments")
    omega_moments = np.linalg.eigvals(convergence.em_map_jacobian(data, moments, K, coordinates="moments"))
    assert np.abs(omega.imag).max() < 1e-8
    assert omega.real.min() > -1e-8 and omega.real.max() < 1
    np.testing.assert_allclose(np.sort(omega.real), np.sort(omega_moments.real), atol=1e-7)
    # the standardised data's parameters are the raw data's, reparametrised
    X = mixlib.load_faithful()
    _, centre, scale = mixlib.standardise(X)
    raw = convergence.to_vector(fit.weights, centre + fit.means * scale, fit.covariances * np.outer(scale, scale))
    omega_raw = np.linalg.eigvals(convergence.em_map_jacobian(X, raw, K, step=1e-6))
    np.testing.assert_allclose(np.sort(omega_raw.real), np.sort(omega.real), atol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X: convergence.from_vector(np.zeros(5), 2, 2), r"theta must have shape \(11,\)"),
        (lambda X: convergence.from_vector(np.zeros(11), 2, 2, coordinates="polar"), "coordinates must be one of"),
        (lambda X: convergence.from_vector(np.full(11, np.nan), 2, 2), "theta contains NaN"),
        (lambda X: convergence.to_vector([1.0, 0.0], np.zeros((2, 2)), np.array([np.eye(2)] * 2)), r"weights\[1\]"),
        (lambda X: convergence.from_vector(np.r_[1.5, np.zeros(10)], 2, 2, coordinates="moments"), "π_k must be > 0"),
        (lambda X: convergence.em_map_jacobian(X, np.zeros(11), 2, step=0.0), "step must be a positive"),
        (lambda X: convergence.information_matrices(X, np.zeros(11), 2, step="big"), "step must be a positive"),
        (lambda X: convergence.em_map(X, np.zeros(11), 3), r"theta must have shape \(17,\)"),
        (lambda X: convergence.n_free_parameters(0, 2), "n_components must be a positive integer"),
    ],
)
def test_bad_arguments_are_named(data, call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(data)


def test_information_matrices_and_the_fraction_of_missing_information(data, maximum):
    fit, theta = maximum
    observed, complete = convergence.information_matrices(data, theta, K)
    # the complete-data information is minus the Hessian of Q, here by second differences
    # of mixlib.em's Q with the responsibilities frozen at θ*
    q = gmm.responsibilities(data, fit.weights, fit.means, fit.covariances)

    def Q(point):
        return mixlib.em.expected_complete_log_likelihood(data, q, *convergence.from_vector(point, K, 2))

    h, P = 1e-4, theta.size
    E = np.eye(P) * h
    hessian = np.array(
        [
            [
                (Q(theta + E[i] + E[j]) - Q(theta + E[i] - E[j]) - Q(theta - E[i] + E[j]) + Q(theta - E[i] - E[j]))
                / (4 * h * h)
                for j in range(P)
            ]
            for i in range(P)
        ]
    )
    np.testing.assert_allclose(complete, -hessian, atol=1e-4)
    # Dempster, Laird and Rubin: DM = I_c⁻¹ (I_c − I_obs)
    J = convergence.em_map_jacobian(data, theta, K)
    np.testing.assert_allclose(J, np.linalg.solve(complete, complete - observed), atol=1e-8)
    assert np.linalg.eigvalsh(observed).min() > 0
    # and the missing information I_c − I_obs is not zero
    assert np.abs(observed - complete).max() > 1.0


def test_observed_information_is_minus_the_hessian_of_the_log_likelihood(data):
    theta = np.random.default_rng(4).normal(scale=0.3, size=convergence.n_free_parameters(K, 2))
    observed, _ = convergence.information_matrices(data, theta, K)
    h, P = 1e-4, theta.size
    E = np.eye(P) * h

    def f(point):
        return convergence.log_likelihood(data, point, K)

    hessian = np.array(
        [
            [
                (f(theta + E[i] + E[j]) - f(theta + E[i] - E[j]) - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j]))
                / (4 * h * h)
                for j in range(P)
            ]
            for i in range(P)
        ]
    )
    np.testing.assert_allclose(observed, -hessian, atol=1e-4 * max(1.0, np.abs(hessian).max()))


def test_climb_counts_em_iterations_as_fit_gmm_does(data, maximum):
    fit, _ = maximum
    start = (np.array([0.5, 0.5]), np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0.5 * np.eye(2)] * 2))
    trace = mixlib.fit_gmm(data, K, init=start, reg_covar=0.0, tol=0, max_iter=60).log_likelihoods
    target = fit.log_likelihood - 1e-6
    expected = int(np.argmax(trace >= target))
    run = convergence.climb(data, convergence.to_vector(*start), K, target)
    assert run.reached and run.n_iter == expected and run.n_evaluations == expected + 1
    np.testing.assert_allclose(run.log_likelihood, trace[expected], rtol=1e-12)
    assert trace[expected - 1] < target <= run.log_likelihood
    short = convergence.climb(data, convergence.to_vector(*start), K, target, max_iter=3)
    assert not short.reached and short.n_iter == 3
    np.testing.assert_allclose(short.log_likelihood, trace[3], rtol=1e-12)


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B"])
def test_climb_with_a_quasi_newton_method_stops_at_the_target(data, maximum, method):
    fit, theta_star = maximum
    start = (np.array([0.5, 0.5]), np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0.5 * np.eye(2)] * 2))
    target = fit.log_likelihood - 1e-6
    run = convergence.climb(data, convergence.to_vector(*start), K, target, method=method)
    assert run.reached and run.method == method
    assert target <= run.log_likelihood <= fit.log_likelihood + 1e-9
    np.testing.assert_allclose(convergence.log_likelihood(data, run.theta, K), run.log_likelihood, rtol=1e-12)
    assert run.n_evaluations >= run.n_iter > 0
    assert np.abs(run.theta - theta_star).max() < 1e-2
    # an unreachable target: the run ends by itself, and says it did not reach it
    assert not convergence.climb(data, theta_star, K, fit.log_likelihood + 1.0, method=method, max_iter=5).reached


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"method": "Newton"}, "method must be 'EM', 'BFGS' or 'L-BFGS-B'"),
        ({"target": np.nan}, "target must be a finite"),
        ({"max_iter": 0}, "max_iter must be a positive integer"),
    ],
)
def test_climb_names_bad_arguments(data, kwargs, match):
    arguments = {"target": 0.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        convergence.climb(data, np.zeros(11), K, **arguments)
