"""The generic EM loop of mixlib.em: a family supplies its log-joint and its M step."""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp

import mixlib
from mixlib import em


def bernoulli_family(smoothing=1e-9):
    """A Bernoulli mixture, p(x | μ_k) = Π_d μ_kd^x_d (1 − μ_kd)^(1 − x_d), as a test family."""

    def log_joint(X, params):
        weights, means = params
        with np.errstate(divide="ignore"):  # ln 0 = −inf for an empty component's weight
            log_weights = np.log(weights)
        return log_weights + X @ np.log(means).T + (1 - X) @ np.log1p(-means).T

    def m_step(X, resp):
        Nk = resp.sum(axis=0)
        if np.any(Nk == 0):
            raise mixlib.SingularityError("a component lost all of its points")
        means = (resp.T @ X + smoothing) / (Nk[:, None] + 2 * smoothing)
        return Nk / len(X), means

    return em.MixtureFamily(log_joint, m_step, name="Bernoulli mixture")


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    prototypes = np.array([[0.9] * 6 + [0.1] * 6, [0.1] * 6 + [0.9] * 6, [0.5] * 12])
    z = rng.integers(3, size=600)
    return (rng.uniform(size=(600, 12)) < prototypes[z]).astype(float)


def random_start(K, D):
    def draw(rng):
        return np.full(K, 1.0 / K), rng.uniform(0.25, 0.75, size=(K, D))

    return draw


def test_posterior_is_scipy_logsumexp():
    rng = np.random.default_rng(1)
    log_joint = rng.normal(scale=300.0, size=(40, 5))
    log_joint[3, 1] = -np.inf
    resp, log_evidence = em.posterior(log_joint)
    np.testing.assert_allclose(log_evidence, logsumexp(log_joint, axis=1), rtol=1e-14)
    np.testing.assert_allclose(
        resp, np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True)), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-14)


def test_bernoulli_family_climbs_and_converges(binary):
    fit = em.fit_mixture(binary, bernoulli_family(), random_start(3, 12), n_init=3, seed=0, tol=1e-8)
    assert fit.converged
    assert np.all(np.diff(fit.log_likelihoods) >= -1e-9 * np.abs(fit.log_likelihoods[1:]))
    assert len(fit.history) == fit.n_iter + 1
    weights, means = fit.params
    # The log-likelihood is that of the returned parameters, computed directly.
    direct = logsumexp(np.log(weights) + binary @ np.log(means).T + (1 - binary) @ np.log1p(-means).T, axis=1).sum()
    assert fit.log_likelihood == pytest.approx(direct, rel=1e-12)
    assert fit.log_posterior is None and fit.log_posteriors is None
    order = np.argsort(means[:, 0])
    np.testing.assert_allclose(means[order][:, [0, 11]], [[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]], atol=0.08)


def test_fixed_start_and_max_iter_warning(binary):
    start = (np.full(2, 0.5), np.random.default_rng(2).uniform(0.3, 0.7, size=(2, 12)))
    with pytest.warns(mixlib.ConvergenceWarning, match=r"max_iter=2 .*tol=1e-06"):
        fit = em.fit_mixture(binary, bernoulli_family(), start, max_iter=2)
    assert fit.n_iter == 2 and not fit.converged
    light = em.fit_mixture(binary, bernoulli_family(), start, max_iter=2, tol=0, keep_history=False)
    assert light.history == ()
    np.testing.assert_array_equal(light.log_likelihoods, fit.log_likelihoods)


def test_a_prior_makes_the_log_posterior_the_objective(binary):
    """A Beta(2, 2) prior on every μ_kd and its MAP M step: the log posterior never falls."""
    base = bernoulli_family()

    def m_step(X, resp):
        Nk = resp.sum(axis=0)
        return Nk / len(X), (resp.T @ X + 1.0) / (Nk[:, None] + 2.0)

    def log_prior(params):
        _, means = params
        return float(np.sum(np.log(6.0) + np.log(means) + np.log1p(-means)))

    family = em.MixtureFamily(base.log_joint, m_step, log_prior)
    fit = em.fit_mixture(binary, family, random_start(3, 12), seed=1, tol=1e-10)
    assert fit.log_posteriors is not None
    assert np.all(np.diff(fit.log_posteriors) >= -1e-9 * np.abs(fit.log_posteriors[1:]))
    assert fit.log_posterior == pytest.approx(fit.log_likelihood + log_prior(fit.params), rel=1e-14)
    assert fit.history[-1].log_posterior == fit.log_posterior


def test_collapsing_restarts_are_skipped(binary):
    calls = iter(range(100))

    def draw(rng):  # every other start has an empty component
        means = rng.uniform(0.3, 0.7, size=(2, 12))
        weights = np.array([1.0, 0.0]) if next(calls) % 2 else np.full(2, 0.5)
        return weights, means

    with pytest.warns(mixlib.SingularityWarning, match="2 of the 4 starts collapsed"):
        fit = em.fit_mixture(binary, bernoulli_family(), draw, n_init=4, seed=0)
    assert fit.n_collapsed == 2
    with pytest.raises(mixlib.SingularityError, match="EM iteration 1: a component lost"):
        em.fit_mixture(binary, bernoulli_family(), (np.array([1.0, 0.0]), np.full((2, 12), 0.5)))


def test_family_must_be_a_mixture_family(binary):
    with pytest.raises(TypeError, match="family must be a MixtureFamily"):
        em.fit_mixture(binary, object(), None)


def test_fit_gmm_is_the_loop_with_the_gaussian_family():
    """fit_gmm's history is the generic loop's: every entry is one M step then one E step."""
    X = mixlib.load_faithful()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = mixlib.fit_gmm(X, 2, seed=0, reg_covar=0.0)
    for before, after in zip(fit.history[:-1], fit.history[1:]):
        resp = mixlib.gmm.responsibilities(X, before.weights, before.means, before.covariances)
        for ours, theirs in zip(
            mixlib.gmm.m_step(X, resp, reg_covar=0.0), (after.weights, after.means, after.covariances)
        ):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
        assert after.log_likelihood == pytest.approx(
            mixlib.gmm.log_likelihood(X, after.weights, after.means, after.covariances), rel=1e-12
        )
