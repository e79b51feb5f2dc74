"""Properties that hold for every input: EM and k-means monotonicity, the
free-energy decomposition, and the generative process of sample()."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

import mixlib
from mixlib import em, gmm

# Derandomised: the same examples on every run, so that CI is reproducible (explore with --hypothesis-seed).
PROPERTY_SETTINGS = settings(deadline=None, max_examples=30, derandomize=True)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
#: The EM runs both monotonicity properties draw: data, start and covariance type.
EM_RUNS = dict(
    seed=seeds,
    N=st.integers(10, 50),
    D=st.integers(1, 3),
    K=st.integers(1, 3),
    init=st.sampled_from(["random", "k-means++"]),
    covariance_type=st.sampled_from(["full", "diag", "spherical", "tied"]),
)


def mixture_data(seed, N, D, K, scale=1.0):
    """N points in D dimensions around K random centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0 * scale, size=(K, D))
    return centres[rng.integers(K, size=N)] + scale * rng.normal(size=(N, D))


def random_parameters(rng, K, D, spread=1.0):
    weights = rng.dirichlet(np.ones(K))
    weights /= weights.sum()
    means = rng.normal(scale=spread, size=(K, D))
    A = rng.normal(size=(K, D, D))
    covariances = A @ np.swapaxes(A, 1, 2) + 0.1 * np.eye(D)
    return weights, means, covariances


def random_q(rng, N, K):
    q = rng.dirichlet(np.full(K, 0.7), size=N)
    return q / q.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------
# EM and k-means never go the wrong way


@PROPERTY_SETTINGS
@given(**EM_RUNS)
def test_em_never_lowers_the_log_likelihood(seed, N, D, K, init, covariance_type):
    # reg_covar=0 is textbook EM, for which monotonicity is a theorem.  (With
    # reg_covar > 0 the M step is no longer the maximiser of Q, and the
    # log-likelihood can fall slightly.)
    X = mixture_data(seed, N, D, K)
    try:
        result = mixlib.fit_gmm(
            X, K, covariance_type=covariance_type, init=init, seed=seed, tol=0, max_iter=25, reg_covar=0.0
        )
    except mixlib.SingularityError:
        assume(False)  # a collapse: no likelihood to compare
    # A component collapsing onto D or fewer points has a numerically singular
    # covariance (condition number ~1e17) that Cholesky may still accept; the
    # log-likelihood is then rounding noise, so such runs say nothing about EM.
    condition = max(np.linalg.cond(step.covariances).max() for step in result.history)
    assume(condition < 1e8)
    ll = result.log_likelihoods
    assert len(ll) == result.n_iter + 1 == 26
    assert np.all(np.isfinite(ll))
    slack = 1e-9 * np.abs(ll[:-1])
    assert np.all(ll[1:] >= ll[:-1] - slack), np.diff(ll)


@PROPERTY_SETTINGS
@given(**EM_RUNS)
def test_map_em_never_lowers_the_log_posterior(seed, N, D, K, init, covariance_type):
    """With the default conjugate prior nothing collapses and the log posterior is monotone."""
    X = mixture_data(seed, N, D, K)
    result = mixlib.fit_gmm(
        X, K, covariance_type=covariance_type, init=init, seed=seed, tol=0, max_iter=25, prior="default"
    )
    trace = result.log_posteriors
    assert len(trace) == 26 and np.all(np.isfinite(trace))
    assert np.all(np.diff(trace) >= -1e-9 * np.abs(trace[1:])), np.diff(trace)


@PROPERTY_SETTINGS
@given(
    seed=seeds,
    N=st.integers(10, 40),
    D=st.integers(1, 3),
    K=st.integers(1, 3),
    covariance_type=st.sampled_from(["full", "diag", "spherical", "tied"]),
    shift=st.sampled_from([0.0, 1e6, -3e9]),
    scale=st.sampled_from([1e-6, 1.0, 2.0**20, 1e9]),
)
def test_fit_is_equivariant_under_translation_and_a_change_of_unit(seed, N, D, K, covariance_type, shift, scale):
    # The shift in units of the spread: X * scale + shift itself keeps ~|shift|/scale · ε digits.
    shift = shift / 1e3 * scale
    X = mixture_data(seed, N, D, K)
    kwargs = dict(covariance_type=covariance_type, init="random", seed=seed, tol=0, max_iter=10, reg_covar=0.0)
    try:
        reference = mixlib.fit_gmm(X, K, **kwargs)
    except mixlib.SingularityError:
        assume(False)
    fit = mixlib.fit_gmm(X * scale + shift, K, **kwargs)
    np.testing.assert_allclose(fit.weights, reference.weights, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose((fit.means - shift) / scale, reference.means, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fit.covariances / scale**2, reference.covariances, rtol=1e-5, atol=1e-8)


@PROPERTY_SETTINGS
@given(
    seed=seeds,
    N=st.integers(5, 60),
    D=st.integers(1, 3),
    K=st.integers(1, 5),
    integer_grid=st.booleans(),
    init=st.sampled_from(["random", "k-means++"]),
)
def test_kmeans_never_raises_the_distortion(seed, N, D, K, integer_grid, init):
    assume(N >= K)
    X = mixture_data(seed, N, D, K)
    if integer_grid:  # ties and duplicate points, which exercise the empty-cluster rule
        X = np.round(X / 2.0)
    result = mixlib.kmeans(X, K, init=init, seed=seed)
    J = result.distortions
    assert len(J) == 2 * result.n_iter + (0 if result.converged else 1)
    slack = 1e-9 * J[0] + 1e-12 * np.sum(X**2)
    assert np.all(np.diff(J) <= slack), np.diff(J)
    assert result.distortion == pytest.approx(J[-1], rel=1e-9, abs=slack)
    assert np.all(np.bincount(result.labels, minlength=K) > 0)


# ---------------------------------------------------------------------------
# Responsibilities and invariances


@PROPERTY_SETTINGS
@given(
    seed=seeds, N=st.integers(1, 40), D=st.integers(1, 4), K=st.integers(1, 4), scale=st.sampled_from([0.1, 1.0, 30.0])
)
def test_responsibilities_are_distributions(seed, N, D, K, scale):
    rng = np.random.default_rng(seed)
    weights, means, covariances = random_parameters(rng, K, D, spread=3.0)
    X = scale * rng.normal(size=(N, D))
    resp = gmm.responsibilities(X, weights, means, covariances)
    assert resp.shape == (N, K)
    assert not np.any(np.isnan(resp))
    assert np.all((resp >= 0.0) & (resp <= 1.0))
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@PROPERTY_SETTINGS
@given(seed=seeds, N=st.integers(1, 40), D=st.integers(1, 4), K=st.integers(2, 4), data=st.data())
def test_permuting_components_changes_nothing(seed, N, D, K, data):
    rng = np.random.default_rng(seed)
    weights, means, covariances = random_parameters(rng, K, D, spread=3.0)
    X = 3.0 * rng.normal(size=(N, D))
    perm = np.array(data.draw(st.permutations(range(K))))
    ll = gmm.log_likelihood(X, weights, means, covariances)
    ll_perm = gmm.log_likelihood(X, weights[perm], means[perm], covariances[perm])
    assert ll_perm == pytest.approx(ll, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(
        gmm.log_density(X, weights[perm], means[perm], covariances[perm]),
        gmm.log_density(X, weights, means, covariances),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        gmm.responsibilities(X, weights[perm], means[perm], covariances[perm]),
        gmm.responsibilities(X, weights, means, covariances)[:, perm],
        rtol=1e-10,
        atol=1e-14,
    )


# ---------------------------------------------------------------------------
# General EM: ln p = F + KL


def free_energy_case(seed, N, D, K):
    rng = np.random.default_rng(seed)
    weights, means, covariances = random_parameters(rng, K, D, spread=1.0)
    X = 1.5 * rng.normal(size=(N, D))
    return rng, X, weights, means, covariances


@PROPERTY_SETTINGS
@given(seed=seeds, N=st.integers(1, 30), D=st.integers(1, 3), K=st.integers(1, 4))
def test_free_energy_plus_kl_is_log_likelihood(seed, N, D, K):
    rng, X, weights, means, covariances = free_energy_case(seed, N, D, K)
    q = random_q(rng, N, K)
    ln_p = gmm.log_likelihood(X, weights, means, covariances)
    posterior = gmm.responsibilities(X, weights, means, covariances)
    F = em.free_energy(X, q, weights, means, covariances)
    KL = em.kl_divergence(q, posterior)
    assert F + KL == pytest.approx(ln_p, rel=1e-10)
    assert F <= ln_p + 1e-10 * abs(ln_p)
    assert KL >= 0.0


@PROPERTY_SETTINGS
@given(seed=seeds, N=st.integers(1, 30), D=st.integers(1, 3), K=st.integers(1, 4))
def test_free_energy_is_tight_at_the_posterior(seed, N, D, K):
    _, X, weights, means, covariances = free_energy_case(seed, N, D, K)
    posterior = gmm.responsibilities(X, weights, means, covariances)
    ln_p = gmm.log_likelihood(X, weights, means, covariances)
    assert em.free_energy(X, posterior, weights, means, covariances) == pytest.approx(ln_p, rel=1e-10)
    assert em.kl_divergence(posterior, posterior) == 0.0


@PROPERTY_SETTINGS
@given(seed=seeds, N=st.integers(1, 30), K=st.integers(1, 5))
def test_kl_divergence_is_nonnegative_and_zero_on_the_diagonal(seed, N, K):
    rng = np.random.default_rng(seed)
    q, p = random_q(rng, N, K), random_q(rng, N, K)
    kl = em.kl_divergence(q, p)
    assert kl >= 0.0
    assert em.kl_divergence(q, q) == 0.0
    expected = float(np.sum(q * (np.log(q) - np.log(p))))
    assert kl == pytest.approx(expected, rel=1e-9, abs=1e-12)


@PROPERTY_SETTINGS
@given(seed=seeds, N=st.integers(1, 30), D=st.integers(1, 3), K=st.integers(1, 4), sparse=st.booleans())
def test_free_energy_is_expected_complete_log_likelihood_plus_entropy(seed, N, D, K, sparse):
    rng, X, weights, means, covariances = free_energy_case(seed, N, D, K)
    q = random_q(rng, N, K)
    if sparse:  # hard assignments: 0 ln 0 = 0 must be handled
        q = np.eye(K)[rng.integers(K, size=N)]
    F = em.free_energy(X, q, weights, means, covariances)
    Q = em.expected_complete_log_likelihood(X, q, weights, means, covariances)
    H = em.entropy(q)
    assert np.isfinite(F)
    assert H >= 0.0
    assert F == pytest.approx(Q + H, rel=1e-10, abs=1e-12)
    log_joint = np.log(weights) + gmm.log_gaussian(X, means, covariances)
    assert Q == pytest.approx(float(np.sum(q * log_joint)), rel=1e-10)


# ---------------------------------------------------------------------------
# sample(): the generative process


@pytest.mark.parametrize("weights", [[0.5, 0.5], [0.1, 0.3, 0.6], [0.05, 0.15, 0.2, 0.6]])
def test_sample_component_frequencies_approach_weights(weights):
    weights = np.array(weights)
    K, D, n = len(weights), 2, 40_000
    rng = np.random.default_rng(123)
    means = rng.normal(scale=5.0, size=(K, D))
    A = rng.normal(size=(K, D, D))
    covariances = A @ np.swapaxes(A, 1, 2) + 0.1 * np.eye(D)
    X, z = gmm.sample(n, weights, means, covariances, seed=2024)
    assert X.shape == (n, D) and z.shape == (n,)
    counts = np.bincount(z, minlength=K)
    assert counts.size == K
    frequencies = counts / n
    # Within 5 binomial standard deviations, and a chi-square test that is not rejected.
    assert np.all(np.abs(frequencies - weights) <= 5 * np.sqrt(weights * (1 - weights) / n))
    assert chisquare(counts, n * weights).pvalue > 1e-4
    # Each point came from the component its label names.
    for k in range(K):
        Xk = X[z == k]
        np.testing.assert_allclose(Xk.mean(axis=0), means[k], atol=6 * np.sqrt(np.diag(covariances[k]).max() / len(Xk)))
        np.testing.assert_allclose(np.cov(Xk.T), covariances[k], rtol=0.1, atol=0.1 * np.abs(covariances[k]).max())


def test_sample_is_reproducible_and_never_picks_a_zero_weight():
    weights = np.array([0.7, 0.0, 0.3])
    means = np.array([[0.0], [100.0], [5.0]])
    covariances = np.ones((3, 1, 1))
    X1, z1 = gmm.sample(500, weights, means, covariances, seed=9)
    X2, z2 = gmm.sample(500, weights, means, covariances, seed=9)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(z1, z2)
    assert not np.any(z1 == 1)
    X3, _ = gmm.sample(500, weights, means, covariances, seed=10)
    assert not np.array_equal(X1, X3)


def test_kl_to_posterior_stays_finite_where_responsibilities_underflow():
    """Two components 100 apart: γ for the far component underflows to exactly 0 for
    every point, yet KL(q ‖ γ) for a uniform q is finite, and F + KL = ln p still holds."""
    X = np.array([[0.0], [0.5], [-0.5], [100.0]])
    weights, means, covariances = np.array([0.5, 0.5]), np.array([[0.0], [100.0]]), np.ones((2, 1, 1))
    q = np.full((4, 2), 0.5)
    gamma = mixlib.gmm.responsibilities(X, weights, means, covariances)
    assert np.any(gamma == 0)
    assert mixlib.em.kl_divergence(q, gamma) == np.inf
    kl = mixlib.em.kl_to_posterior(X, q, weights, means, covariances)
    log_p = mixlib.gmm.log_likelihood(X, weights, means, covariances)
    F = mixlib.em.free_energy(X, q, weights, means, covariances)
    assert np.isfinite(kl) and kl > 1000
    np.testing.assert_allclose(F + kl, log_p, rtol=1e-12)


@settings(deadline=None, max_examples=30, derandomize=True)
@given(st.integers(0, 10_000))
def test_kl_to_posterior_agrees_with_kl_divergence_when_nothing_underflows(seed):
    rng = np.random.default_rng(seed)
    X, _, (weights, means, covariances) = mixlib.random_blobs(30, 3, 2, spread=1.0, seed=seed)
    q = rng.dirichlet(np.ones(3), size=30)
    gamma = mixlib.gmm.responsibilities(X, weights, means, covariances)
    np.testing.assert_allclose(
        mixlib.em.kl_to_posterior(X, q, weights, means, covariances),
        mixlib.em.kl_divergence(q, gamma),
        rtol=1e-9,
        atol=1e-12,
    )
