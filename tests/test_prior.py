"""MAP-EM with the conjugate prior: the prior's density, its M step, and mclust's reference fit."""

import dataclasses

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import invgamma, invwishart, multivariate_normal

import mixlib
from mixlib import gmm
from mixlib.prior import ConjugatePrior, default_prior, log_posterior, log_prior, map_m_step

COVARIANCE_TYPES = ["full", "diag", "spherical", "tied"]

# R's var(faithful), the data's covariance with ddof = 1.
FAITHFUL_COV = np.array([[1.302728, 13.977808], [13.977808, 184.823312]])


@pytest.fixture(scope="module")
def faithful():
    return mixlib.load_faithful()


def random_responsibilities(N, K, seed, concentration=1.0):
    return np.random.default_rng(seed).dirichlet(np.full(K, concentration), size=N)


def strong_prior(X, covariance_type, seed=0):
    """A prior worth several observations, so that its terms matter in the M step."""
    rng = np.random.default_rng(seed)
    D = X.shape[1]
    A = rng.standard_normal((D, D))
    scale = A @ A.T + D * np.eye(D) if covariance_type in ("full", "tied") else 1.7
    return ConjugatePrior(shrinkage=2.5, mean=X.mean(axis=0) + rng.standard_normal(D), dof=D + 4.5, scale=scale)


def objective(X, q, weights, means, covariances, prior, covariance_type):
    """Σ_nk q_nk [ln π_k + ln N(x_n | μ_k, Σ_k)] + ln p(θ), the function the MAP M step maximises."""
    ell = gmm.log_gaussian(X, means, covariances) + np.log(weights)
    return float(np.sum(q * ell)) + log_prior(prior, means, covariances, covariance_type)


# ---------------------------------------------------------------------------
# The prior itself


def test_conjugate_prior_is_frozen_and_read_only():
    prior = ConjugatePrior(0.5, [1.0, 2.0], 4, np.eye(2))
    assert isinstance(prior.dof, float) and prior.n_features == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        prior.dof = 5.0
    with pytest.raises(ValueError):
        prior.mean[0] = 3.0
    with pytest.raises(ValueError):
        prior.scale[0, 0] = 3.0
    assert "shrinkage=0.5" in repr(prior)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"shrinkage": 0.0}, "shrinkage"),
        ({"shrinkage": -1.0}, "shrinkage"),
        ({"shrinkage": np.nan}, "shrinkage"),
        ({"mean": [[1.0, 2.0]]}, "mean"),
        ({"mean": [1.0, np.inf]}, "mean"),
        ({"dof": 1.0}, "dof"),  # a (2, 2) inverse Wishart needs ν > 1
        ({"dof": np.inf}, "dof"),
        ({"scale": np.array([[1.0, 0.5], [0.4, 1.0]])}, "scale"),
        ({"scale": np.array([[1.0, 2.0], [2.0, 1.0]])}, "scale"),
        ({"scale": np.eye(3)}, "scale"),
        ({"scale": 0.0}, "scale"),
        ({"scale": -2.0}, "scale"),
    ],
)
def test_conjugate_prior_rejects_bad_fields_by_name(kwargs, field):
    fields = {"shrinkage": 0.01, "mean": [0.0, 0.0], "dof": 4.0, "scale": np.eye(2)} | kwargs
    with pytest.raises(ValueError, match=rf"ConjugatePrior\.{field}"):
        ConjugatePrior(**fields)


@pytest.mark.parametrize(
    "kwargs, field", [({"shrinkage": True}, "shrinkage"), ({"dof": "4"}, "dof"), ({"scale": "eye"}, "scale")]
)
def test_conjugate_prior_rejects_non_numbers(kwargs, field):
    fields = {"shrinkage": 0.01, "mean": [0.0, 0.0], "dof": 4.0, "scale": np.eye(2)} | kwargs
    with pytest.raises(TypeError, match=rf"ConjugatePrior\.{field}"):
        ConjugatePrior(**fields)


def test_a_scalar_scale_needs_only_a_positive_dof():
    prior = ConjugatePrior(0.01, np.zeros(5), 0.5, 2.0)  # an inverse gamma needs ν > 0 only
    assert prior.scale == 2.0
    with pytest.raises(ValueError, match="dof"):
        map_m_step(np.ones((3, 5)) * np.arange(3)[:, None], np.full((3, 1), 1.0), prior, "full")


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_default_prior_full_and_tied(faithful, covariance_type):
    for K in (1, 2, 3):
        prior = default_prior(faithful, K, covariance_type)
        assert prior.shrinkage == 0.01 and prior.dof == 4.0  # ν = D + 2
        np.testing.assert_allclose(prior.mean, [3.487783, 70.897059], atol=1e-6)
        # D = 2, so K^(2/D) = K.
        np.testing.assert_allclose(prior.scale, FAITHFUL_COV / K, rtol=1e-6)


@pytest.mark.parametrize("covariance_type", ["diag", "spherical"])
def test_default_prior_diag_and_spherical(faithful, covariance_type):
    prior = default_prior(faithful, 3, covariance_type)
    assert np.ndim(prior.scale) == 0
    assert prior.scale == pytest.approx((1.302728 + 184.823312) / 2 / 3, rel=1e-6)


def test_default_prior_volume_factor_in_three_dimensions():
    X, _, _ = mixlib.random_blobs(50, 2, 3, seed=3)
    S = np.cov(X.T, ddof=1)
    np.testing.assert_allclose(default_prior(X, 8, "full").scale, S / 4.0, rtol=1e-12)  # 8^(2/3) = 4
    assert default_prior(X, 8, "diag").scale == pytest.approx(np.trace(S) / 3 / 4.0, rel=1e-12)


def test_default_prior_with_fewer_samples_than_dimensions_keeps_the_variances():
    X = np.random.default_rng(0).standard_normal((3, 5))
    np.testing.assert_allclose(default_prior(X, 1).scale, np.diag(X.var(axis=0, ddof=1)), rtol=1e-12)


def test_default_prior_names_its_problem():
    X = np.column_stack([np.arange(10.0), np.ones(10)])
    with pytest.raises(ValueError, match="constant"):
        default_prior(X, 2, "full")
    with pytest.raises(ValueError, match="linearly dependent"):
        default_prior(np.column_stack([np.arange(10.0), 2 * np.arange(10.0)]), 2, "full")
    with pytest.raises(ValueError, match="constant"):
        default_prior(np.ones((10, 2)), 2, "spherical")
    with pytest.raises(ValueError, match="covariance_type"):
        default_prior(X, 2, "tide")


# ---------------------------------------------------------------------------
# ln p(θ) is the density it claims to be


@pytest.fixture(scope="module")
def parameters():
    rng = np.random.default_rng(5)
    K, D = 3, 3
    means = rng.standard_normal((K, D)) * 3
    A = rng.standard_normal((K, D, D))
    full = A @ A.transpose(0, 2, 1) + 0.5 * np.eye(D)
    variances = rng.uniform(0.2, 3.0, size=(K, D))
    return means, full, variances


def test_log_prior_full_is_normal_inverse_wishart(parameters):
    means, covariances, _ = parameters
    prior = strong_prior(means, "full")
    expected = sum(
        invwishart(prior.dof, prior.scale).logpdf(S) + multivariate_normal(prior.mean, S / prior.shrinkage).logpdf(mu)
        for mu, S in zip(means, covariances)
    )
    assert log_prior(prior, means, covariances, "full") == pytest.approx(expected, rel=1e-12)


def test_log_prior_tied_has_one_inverse_wishart(parameters):
    means, covariances, _ = parameters
    prior = strong_prior(means, "tied")
    S = covariances[0]
    expected = invwishart(prior.dof, prior.scale).logpdf(S) + sum(
        multivariate_normal(prior.mean, S / prior.shrinkage).logpdf(mu) for mu in means
    )
    tied = np.broadcast_to(S, covariances.shape)
    assert log_prior(prior, means, tied, "tied") == pytest.approx(expected, rel=1e-12)


def test_log_prior_diag_is_normal_inverse_gamma(parameters):
    means, _, variances = parameters
    prior = strong_prior(means, "diag")
    ig = invgamma(prior.dof / 2, scale=prior.scale / 2)
    expected = sum(
        ig.logpdf(v).sum() + multivariate_normal(prior.mean, np.diag(v) / prior.shrinkage).logpdf(mu)
        for mu, v in zip(means, variances)
    )
    covariances = np.stack([np.diag(v) for v in variances])
    assert log_prior(prior, means, covariances, "diag") == pytest.approx(expected, rel=1e-12)


def test_log_prior_spherical_is_normal_inverse_gamma(parameters):
    means, _, variances = parameters
    prior = strong_prior(means, "spherical")
    ig = invgamma(prior.dof / 2, scale=prior.scale / 2)
    D = means.shape[1]
    expected = sum(
        ig.logpdf(v) + multivariate_normal(prior.mean, v * np.eye(D) / prior.shrinkage).logpdf(mu)
        for mu, v in zip(means, variances[:, 0])
    )
    covariances = variances[:, :1, None] * np.eye(D)
    assert log_prior(prior, means, covariances, "spherical") == pytest.approx(expected, rel=1e-12)


def test_log_prior_scalar_scale_with_full_is_scale_times_identity(parameters):
    means, covariances, _ = parameters
    D = means.shape[1]
    scalar = ConjugatePrior(0.3, np.zeros(D), D + 1.0, 2.0)
    matrix = ConjugatePrior(0.3, np.zeros(D), D + 1.0, 2.0 * np.eye(D))
    assert log_prior(scalar, means, covariances, "full") == pytest.approx(
        log_prior(matrix, means, covariances, "full"), rel=1e-13
    )


def test_in_one_dimension_full_diag_and_spherical_are_one_model():
    """For D = 1 the inverse Wishart IW(ν, Λ) is the inverse gamma IG(ν/2, Λ/2), and the three
    denominators ν + N_k + D + 2, ν + N_k + 3 and ν + (N_k + 1)D + 2 coincide."""
    X = np.random.default_rng(0).standard_normal((40, 1)) * 3 + 7
    q = random_responsibilities(40, 3, seed=1)
    full = ConjugatePrior(0.7, [6.0], 2.5, [[1.3]])
    scalar = ConjugatePrior(0.7, [6.0], 2.5, 1.3)
    reference = map_m_step(X, q, full, "full")
    for covariance_type in ("diag", "spherical"):
        step = map_m_step(X, q, scalar, covariance_type)
        for a, b in zip(step, reference):
            np.testing.assert_allclose(a, b, rtol=1e-13)
        expected = log_prior(full, *reference[1:], "full")
        assert log_prior(scalar, *step[1:], covariance_type) == pytest.approx(expected, rel=1e-13)


def test_log_prior_checks_the_structure(parameters):
    means, covariances, _ = parameters
    with pytest.raises(ValueError, match="diagonal"):
        log_prior(strong_prior(means, "diag"), means, covariances, "diag")
    with pytest.raises(ValueError, match="shared"):
        log_prior(strong_prior(means, "tied"), means, covariances, "tied")
    with pytest.raises(ValueError, match="not a matrix"):
        log_prior(strong_prior(means, "full"), means, covariances, "diag")
    with pytest.raises(ValueError, match="D = 2"):
        log_prior(ConjugatePrior(1.0, [0.0, 0.0], 3.0, np.eye(2)), means, covariances, "full")


# ---------------------------------------------------------------------------
# The M step


def issue_formulas(X, q, prior, covariance_type):
    """The M step as the defining formulas write it, through x̄_k, W_k and B_k (all N_k > 0)."""
    N, D = X.shape
    K = q.shape[1]
    kappa, mu_p, nu = prior.shrinkage, prior.mean, prior.dof
    scale = prior.scale * np.eye(D) if np.ndim(prior.scale) == 0 else prior.scale
    Nk = q.sum(axis=0)
    xbar = (q.T @ X) / Nk[:, None]
    W = np.stack([(q[:, k, None] * (X - xbar[k])).T @ (X - xbar[k]) for k in range(K)])
    B = np.stack([kappa * Nk[k] / (kappa + Nk[k]) * np.outer(xbar[k] - mu_p, xbar[k] - mu_p) for k in range(K)])
    means = (Nk[:, None] * xbar + kappa * mu_p) / (kappa + Nk[:, None])
    if covariance_type == "full":
        covs = np.stack([(scale + W[k] + B[k]) / (nu + Nk[k] + D + 2) for k in range(K)])
    elif covariance_type == "diag":
        covs = np.stack([np.diag((prior.scale + np.diag(W[k] + B[k])) / (nu + Nk[k] + 3)) for k in range(K)])
    elif covariance_type == "spherical":
        variances = [(prior.scale + np.trace(W[k] + B[k])) / (nu + (Nk[k] + 1) * D + 2) for k in range(K)]
        covs = np.stack([v * np.eye(D) for v in variances])
    else:
        shared = (scale + (W + B).sum(axis=0)) / (nu + N + D + 1 + K)
        covs = np.stack([shared] * K)
    return Nk / N, means, covs


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_m_step_matches_the_formulas_in_x_bar_w_and_b(faithful, covariance_type):
    q = random_responsibilities(len(faithful), 3, seed=1)
    prior = strong_prior(faithful, covariance_type)
    expected_step = issue_formulas(faithful, q, prior, covariance_type)
    for got, expected in zip(map_m_step(faithful, q, prior, covariance_type), expected_step):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def _unconstrained(means, covariances, covariance_type):
    """θ as a flat vector: means, then log-variances or Cholesky factors with log-diagonals."""
    K, D = means.shape
    if covariance_type == "diag":
        cov_part = np.log(np.diagonal(covariances, axis1=1, axis2=2)).ravel()
    elif covariance_type == "spherical":
        cov_part = np.log(covariances[:, 0, 0])
    else:
        factors = np.linalg.cholesky(covariances[:1] if covariance_type == "tied" else covariances)
        rows, cols = np.tril_indices(D)
        factors = factors.copy()
        factors[:, np.arange(D), np.arange(D)] = np.log(factors[:, np.arange(D), np.arange(D)])
        cov_part = factors[:, rows, cols].ravel()
    return np.concatenate([means.ravel(), cov_part])


def _constrained(theta, K, D, covariance_type):
    means = theta[: K * D].reshape(K, D)
    rest = theta[K * D :]
    if covariance_type == "diag":
        return means, np.stack([np.diag(v) for v in np.exp(rest.reshape(K, D))])
    if covariance_type == "spherical":
        return means, np.exp(rest)[:, None, None] * np.eye(D)
    n_factors = 1 if covariance_type == "tied" else K
    rows, cols = np.tril_indices(D)
    factors = np.zeros((n_factors, D, D))
    factors[:, rows, cols] = rest.reshape(n_factors, -1)
    factors[:, np.arange(D), np.arange(D)] = np.exp(factors[:, np.arange(D), np.arange(D)])
    covariances = factors @ factors.transpose(0, 2, 1)
    return means, np.broadcast_to(covariances, (K, D, D)).copy()


CASES = [("faithful-default", 3), ("small-strong", 2)]


def _case(name, K, covariance_type, faithful):
    if name == "faithful-default":
        X = faithful
        prior = default_prior(X, K, covariance_type)
    else:  # few points and a prior worth several of them: the prior's terms dominate
        X, _, _ = mixlib.random_blobs(15, 2, 3, seed=7)
        prior = strong_prior(X, covariance_type, seed=2)
    return X, random_responsibilities(len(X), K, seed=3), prior


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("name, K", CASES)
def test_map_m_step_is_a_stationary_point_of_q_plus_log_prior(faithful, covariance_type, name, K):
    X, q, prior = _case(name, K, covariance_type, faithful)
    weights, means, covariances = map_m_step(X, q, prior, covariance_type)
    D = X.shape[1]

    def f(theta):
        return objective(X, q, weights, *_constrained(theta, K, D, covariance_type), prior, covariance_type)

    theta = _unconstrained(means, covariances, covariance_type)
    h = 1e-5
    gradient = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    # Away from the maximiser the gradient is of order one or more; at it, only the O(h²) truncation remains.
    away = theta + 0.05 * np.random.default_rng(0).standard_normal(theta.size)
    gradient_away = np.array([(f(away + h * e) - f(away - h * e)) / (2 * h) for e in np.eye(theta.size)])
    assert np.max(np.abs(gradient)) < 1e-5 * max(1.0, np.max(np.abs(gradient_away)))
    assert np.max(np.abs(gradient_away)) > 0.1


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("name, K", CASES)
def test_map_m_step_perturbations_only_decrease_the_objective(faithful, covariance_type, name, K):
    X, q, prior = _case(name, K, covariance_type, faithful)
    weights, means, covariances = map_m_step(X, q, prior, covariance_type)
    best = objective(X, q, weights, means, covariances, prior, covariance_type)
    rng = np.random.default_rng(11)
    D = X.shape[1]
    spread = X.std(axis=0)
    for size in (0.3, 0.03, 0.003):
        for _ in range(10):
            moved_means = means + size * spread * rng.standard_normal(means.shape)
            A = rng.standard_normal((K, D, D))
            if covariance_type == "diag":
                A = A * np.eye(D)
            elif covariance_type == "spherical":
                A = A[:, :1, :1] * np.eye(D)
            elif covariance_type == "tied":
                A = np.broadcast_to(A[0], A.shape)
            # Σ^(1/2) exp(s sym(A)) Σ^(1/2) stays positive definite and keeps the structure.
            root = np.linalg.cholesky(covariances)
            symmetric = 0.5 * (A + A.transpose(0, 2, 1))
            w, v = np.linalg.eigh(size * symmetric)
            bend = v @ (np.exp(w)[:, :, None] * v.transpose(0, 2, 1))
            moved_covs = root @ bend @ root.transpose(0, 2, 1)
            if covariance_type in ("diag", "spherical"):
                moved_covs = moved_covs * np.eye(D)
            moved_covs = 0.5 * (moved_covs + moved_covs.transpose(0, 2, 1))
            for trial in ((moved_means, covariances), (means, moved_covs), (moved_means, moved_covs)):
                assert objective(X, q, weights, *trial, prior, covariance_type) < best


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_a_numerical_optimiser_finds_the_map_m_step(covariance_type):
    X, _, _ = mixlib.random_blobs(15, 2, 3, seed=7)
    K, D = 2, 3
    q = random_responsibilities(len(X), K, seed=3)
    prior = strong_prior(X, covariance_type, seed=2)
    weights, means, covariances = map_m_step(X, q, prior, covariance_type)

    def negative(theta):
        return -objective(X, q, weights, *_constrained(theta, K, D, covariance_type), prior, covariance_type)

    start = _unconstrained(X[:K] + 0.0, np.broadcast_to(np.cov(X.T), (K, D, D)).copy(), covariance_type)
    if covariance_type in ("diag", "spherical"):
        start = _unconstrained(X[:K] + 0.0, np.broadcast_to(np.eye(D), (K, D, D)).copy(), covariance_type)
    found = minimize(negative, start, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
    best = objective(X, q, weights, means, covariances, prior, covariance_type)
    assert -found.fun == pytest.approx(best, abs=1e-7)
    found_means, found_covs = _constrained(found.x, K, D, covariance_type)
    np.testing.assert_allclose(found_means, means, atol=1e-4)
    np.testing.assert_allclose(found_covs, covariances, atol=1e-4)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_an_empty_component_gets_the_prior(faithful, covariance_type):
    q = random_responsibilities(len(faithful), 3, seed=4)
    q[:, 1] = 0.0
    q /= q.sum(axis=1, keepdims=True)
    prior = default_prior(faithful, 3, covariance_type)
    weights, means, covariances = map_m_step(faithful, q, prior, covariance_type)
    assert weights[1] == 0.0
    np.testing.assert_allclose(means[1], prior.mean, rtol=1e-15)
    D = 2
    if covariance_type == "full":
        np.testing.assert_allclose(covariances[1], prior.scale / (prior.dof + D + 2), rtol=1e-15)
    elif covariance_type == "diag":
        np.testing.assert_allclose(covariances[1], prior.scale / (prior.dof + 3) * np.eye(D), rtol=1e-15)
    elif covariance_type == "spherical":
        np.testing.assert_allclose(covariances[1], prior.scale / (prior.dof + D + 2) * np.eye(D), rtol=1e-15)
    assert np.all(np.isfinite(covariances))
    assert np.all(np.linalg.eigvalsh(covariances) > 0)
    # The log-likelihood and the log-posterior stay finite with a weight of exactly 0.
    assert np.isfinite(log_posterior(faithful, weights, means, covariances, prior, covariance_type))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_m_step_is_translation_equivariant(faithful, covariance_type):
    q = random_responsibilities(len(faithful), 3, seed=6)
    shift = np.array([1e6, -3e7])
    w0, m0, c0 = map_m_step(faithful, q, default_prior(faithful, 3, covariance_type), covariance_type)
    shifted_prior = default_prior(faithful + shift, 3, covariance_type)
    w1, m1, c1 = map_m_step(faithful + shift, q, shifted_prior, covariance_type)
    np.testing.assert_allclose(w1, w0, rtol=1e-14)
    np.testing.assert_allclose(m1 - shift, m0, atol=1e-7 * np.abs(shift).max() * 1e-2)
    np.testing.assert_allclose(c1, c0, rtol=1e-6)
    lp0 = log_prior(default_prior(faithful, 3, covariance_type), m0, c0, covariance_type)
    assert log_prior(shifted_prior, m1, c1, covariance_type) == pytest.approx(lp0, rel=1e-8)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "tied"])
def test_map_m_step_follows_a_change_of_units(faithful, covariance_type):
    """Eruption times in seconds: the covariances transform as A Σ A with A = diag(60, 1)."""
    q = random_responsibilities(len(faithful), 2, seed=8)
    units = np.array([60.0, 1.0])
    prior = default_prior(faithful, 2, covariance_type)
    w0, m0, c0 = map_m_step(faithful, q, prior, covariance_type)
    if covariance_type == "diag":
        # The default diag prior has one scalar scale for all coordinates, so it is not
        # unit-free; a prior given in the new units transforms exactly only per coordinate.
        return
    rescaled = default_prior(faithful * units, 2, covariance_type)
    w1, m1, c1 = map_m_step(faithful * units, q, rescaled, covariance_type)
    np.testing.assert_allclose(m1, m0 * units, rtol=1e-12)
    np.testing.assert_allclose(c1, units[:, None] * c0 * units[None, :], rtol=1e-12)


def test_map_m_step_rejects_bad_arguments(faithful):
    q = random_responsibilities(len(faithful), 2, seed=0)
    prior = default_prior(faithful, 2, "full")
    with pytest.raises(ValueError, match="covariance_type"):
        map_m_step(faithful, q, prior, "tide")
    with pytest.raises(TypeError, match="ConjugatePrior"):
        map_m_step(faithful, q, {"shrinkage": 0.01}, "full")
    with pytest.raises(ValueError, match="not a matrix"):
        map_m_step(faithful, q, prior, "diag")
    with pytest.raises(ValueError, match="X has 3 features"):
        map_m_step(np.ones((272, 3)), q, prior, "full")
    with pytest.raises(ValueError, match="shape"):
        map_m_step(faithful, q[:10], prior, "full")
    with pytest.raises(ValueError, match="sum to 1"):
        map_m_step(faithful, 2 * q, prior, "full")
    with pytest.raises(TypeError, match="real"):
        map_m_step(faithful, q + 0j, prior, "full")


# ---------------------------------------------------------------------------
# MAP-EM runs


def map_em(X, q, prior, covariance_type, max_iter=1000, tol=1e-12):
    """E step (mixlib.gmm.responsibilities) and MAP M step alternated; the log-posterior trace."""
    trace = []
    for _ in range(max_iter):
        weights, means, covariances = map_m_step(X, q, prior, covariance_type)
        q, ll = gmm.e_step(X, weights, means, covariances)
        trace.append(ll + log_prior(prior, means, covariances, covariance_type))
        if len(trace) > 1 and abs(trace[-1] - trace[-2]) < tol * len(X):
            break
    return (weights, means, covariances), ll, np.array(trace)


def assert_monotone(trace):
    steps = np.diff(trace)
    assert np.all(steps >= -1e-10 * np.abs(trace[1:])), f"the log-posterior fell by {-steps.min():.3g}"


@pytest.fixture(scope="module")
def mclust_fit(faithful):
    labels = mixlib.kmeans(faithful, 2, seed=0).labels
    q = np.eye(2)[labels]
    prior = default_prior(faithful, 2, "full")
    # 300 iterations: EM converges linearly, and the parameters much more slowly than the objective.
    return map_em(faithful, q, prior, "full", max_iter=300, tol=0) + (prior,)


def test_map_em_reaches_the_mclust_reference(mclust_fit):
    (weights, means, covariances), ll, trace, _ = mclust_fit
    order = np.argsort(-weights)
    # mclust 6.0.0, Mclust(faithful, 2, "VVV", prior = priorControl()).
    np.testing.assert_allclose(weights[order], [0.64392, 0.35608], atol=5e-6)
    np.testing.assert_allclose(means[order], [[4.29005, 79.97283], [2.03703, 54.48527]], atol=5e-6)
    assert ll == pytest.approx(-1130.50926, abs=1e-5)
    mclust_bic = 2 * ll - 11 * np.log(272)  # mclust's sign: higher is better
    assert mclust_bic == pytest.approx(-2322.68235, abs=1e-5)
    assert_monotone(trace)


def test_the_mclust_reference_is_a_fixed_point_of_the_map_m_step(faithful, mclust_fit):
    (weights, means, covariances), _, _, prior = mclust_fit
    again = map_m_step(faithful, gmm.responsibilities(faithful, weights, means, covariances), prior, "full")
    for before, after in zip((weights, means, covariances), again):
        np.testing.assert_allclose(after, before, rtol=1e-9)
    # Plain ML moves from there: the prior shifted the maximum (ML: ln L = −1130.264).
    ml = gmm.m_step(faithful, gmm.responsibilities(faithful, weights, means, covariances), reg_covar=0.0)
    assert np.max(np.abs(ml[2] - covariances) / np.abs(covariances)) > 1e-3


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("K", [2, 3, 4, 5])
@pytest.mark.parametrize("data", ["faithful", "blobs"])
def test_map_em_never_decreases_the_log_posterior(faithful, covariance_type, K, data):
    X = faithful if data == "faithful" else mixlib.random_blobs(200, 3, 2, spread=4.0, seed=K)[0]
    prior = default_prior(X, K, covariance_type)
    q = random_responsibilities(len(X), K, seed=K)
    _, ll, trace = map_em(X, q, prior, covariance_type, max_iter=60, tol=0)
    assert np.isfinite(ll) and len(trace) == 60
    assert_monotone(trace)
    assert trace[-1] > trace[0]


@pytest.fixture(scope="module")
def duplicated():
    """Blobs plus five copies of one point, and responsibilities putting a component on the copies."""
    X, _, _ = mixlib.random_blobs(60, 2, 2, spread=4.0, seed=1)
    X = np.vstack([X, np.tile([9.0, -9.0], (5, 1))])
    labels = np.r_[np.random.default_rng(2).integers(0, 5, size=60), np.full(5, 5)]
    return X, np.eye(6)[labels]


def test_plain_ml_collapses_on_duplicated_points(duplicated):
    X, q = duplicated
    _, _, covariances = gmm.m_step(X, q, reg_covar=0.0)
    np.testing.assert_array_equal(covariances[5], 0.0)
    with pytest.raises(ValueError, match="positive definite"):  # SingularityError is a ValueError
        gmm.log_likelihood(X, q.mean(axis=0), gmm.m_step(X, q, reg_covar=0.0)[1], covariances)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_em_survives_duplicated_points(duplicated, covariance_type):
    X, q = duplicated
    N, D = X.shape
    prior = default_prior(X, 6, covariance_type)
    (weights, means, covariances), ll, trace = map_em(X, q, prior, covariance_type, max_iter=200, tol=0)
    assert np.isfinite(ll)
    assert_monotone(trace)
    # Σ_k ⪰ Λ / (ν + N_k + D + 2) ⪰ Λ / (ν + N + D + 2) (full; the other types alike):
    # the prior bounds every variance away from 0, whatever the data do.
    scale = prior.scale * np.eye(D) if np.ndim(prior.scale) == 0 else prior.scale
    floor = np.linalg.eigvalsh(scale).min() / (prior.dof + (N + 1) * D + 2 + 6)
    assert np.linalg.eigvalsh(covariances).min() > floor


def test_map_em_with_more_components_than_distinct_points():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]]), 10, axis=0)
    for covariance_type in COVARIANCE_TYPES:
        prior = default_prior(X, 5, covariance_type)
        q = random_responsibilities(len(X), 5, seed=0)
        (_, _, covariances), ll, trace = map_em(X, q, prior, covariance_type, max_iter=100, tol=0)
        assert np.isfinite(ll)
        assert np.all(np.linalg.eigvalsh(covariances) > 0)
        assert_monotone(trace)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fit_gmm_with_the_default_prior_takes_the_map_m_step(faithful, covariance_type):
    """fit_gmm works in its own units; each of its iterations must still be the MAP M step
    in the data's units, and its log-posterior the one of this module."""
    fit = mixlib.fit_gmm(faithful, 3, covariance_type=covariance_type, prior="default", seed=0, tol=0, max_iter=40)
    prior = default_prior(faithful, 3, covariance_type)
    for old, new in zip(fit.history[:-1], fit.history[1:]):
        q = gmm.responsibilities(faithful, old.weights, old.means, old.covariances)
        step = map_m_step(faithful, q, prior, covariance_type)
        for expected, got in zip(step, (new.weights, new.means, new.covariances)):
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    expected = log_posterior(faithful, fit.weights, fit.means, fit.covariances, prior, covariance_type)
    assert fit.log_posterior == pytest.approx(expected, rel=1e-12)
    assert_monotone(np.asarray(fit.log_posteriors))
