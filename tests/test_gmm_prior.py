"""fit_gmm with the conjugate prior (MAP-EM), end to end."""

import warnings

import numpy as np
import pytest

import mixlib
from mixlib import prior as priors


@pytest.fixture(scope="module")
def faithful():
    return mixlib.load_faithful()


@pytest.fixture(scope="module")
def map_fit(faithful):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mixlib.fit_gmm(faithful, 2, prior="default", n_init=5, seed=0, tol=1e-10, max_iter=1000)


def test_mclust_reference(faithful, map_fit):
    """mclust 6.0.0, Mclust(faithful, 2, "VVV", prior = priorControl()), to the 5 decimals it is
    quoted with (a truncation, so within 1e-5)."""
    order = np.argsort(map_fit.weights)[::-1]
    np.testing.assert_allclose(np.asarray(map_fit.weights)[order], [0.64392, 0.35608], atol=5e-6)
    np.testing.assert_allclose(np.asarray(map_fit.means)[order], [[4.29005, 79.97283], [2.03703, 54.48527]], atol=5e-6)
    assert map_fit.log_likelihood == pytest.approx(-1130.50926, abs=1e-5)
    assert map_fit.bic(faithful) == pytest.approx(2322.68235, abs=1e-5)


def test_the_log_posterior_never_decreases(faithful, map_fit):
    trace = map_fit.log_posteriors
    assert len(trace) == map_fit.n_iter + 1 == len(map_fit.history)
    assert np.all(np.diff(trace) >= -1e-12 * np.abs(trace[1:]))
    assert map_fit.converged


def test_what_the_result_reports(faithful, map_fit):
    prior = priors.default_prior(faithful, 2, "full")
    expected_prior = priors.log_prior(prior, map_fit.means, map_fit.covariances, "full")
    assert map_fit.log_posterior == pytest.approx(map_fit.log_likelihood + expected_prior, rel=1e-12)
    assert map_fit.log_likelihood == pytest.approx(
        mixlib.gmm.log_likelihood(faithful, map_fit.weights, map_fit.means, map_fit.covariances), rel=1e-12
    )
    assert map_fit.reg_covar == 0.0
    assert isinstance(map_fit.prior, mixlib.ConjugatePrior)
    np.testing.assert_allclose(map_fit.prior.mean, prior.mean)
    for step, ll, lp in zip(map_fit.history, map_fit.log_likelihoods, map_fit.log_posteriors):
        assert step.log_likelihood == ll and step.log_posterior == lp
    # The MAP parameters are a fixed point of the MAP M step (to the precision a change of
    # 1e-10 per sample in the objective leaves in the parameters, about its square root).
    resp = map_fit.responsibilities(faithful)
    for ours, again in zip(
        (map_fit.weights, map_fit.means, map_fit.covariances), priors.map_m_step(faithful, resp, prior, "full")
    ):
        np.testing.assert_allclose(ours, again, rtol=1e-5)


def test_without_a_prior_nothing_is_reported(faithful):
    fit = mixlib.fit_gmm(faithful, 2, seed=0)
    assert fit.log_posterior is None and fit.log_posteriors is None and fit.prior is None
    assert all(step.log_posterior is None for step in fit.history)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_every_covariance_type_climbs_the_log_posterior(faithful, covariance_type):
    fit = mixlib.fit_gmm(faithful, 3, covariance_type=covariance_type, prior="default", seed=0)
    trace = fit.log_posteriors
    assert np.all(np.diff(trace) >= -1e-12 * np.abs(trace[1:]))
    prior = priors.default_prior(faithful, 3, covariance_type)
    assert fit.log_posterior == pytest.approx(
        fit.log_likelihood + priors.log_prior(prior, fit.means, fit.covariances, covariance_type), rel=1e-12
    )


def test_a_given_prior_is_the_default_one(faithful, map_fit):
    prior = priors.default_prior(faithful, 2, "full")
    fit = mixlib.fit_gmm(faithful, 2, prior=prior, n_init=5, seed=0, tol=1e-10, max_iter=1000)
    np.testing.assert_allclose(fit.means, map_fit.means, rtol=1e-12)


def test_the_prior_rescues_a_collapsing_start(faithful):
    """The start with which reg_covar = 0 collapses onto one eruption."""
    N = len(faithful)
    start = (
        np.array([1 / N, 1 - 1 / N]),
        np.array([faithful[0], faithful.mean(axis=0)]),
        np.array([0.25 * np.eye(2), np.cov(faithful.T, ddof=0)]),
    )
    with pytest.raises(mixlib.SingularityError):
        mixlib.fit_gmm(faithful, 2, init=start, reg_covar=0.0)
    fit = mixlib.fit_gmm(faithful, 2, init=start, prior="default")
    assert np.linalg.eigvalsh(fit.covariances).min() > 1e-3


def test_prior_and_reg_covar_together(faithful):
    with pytest.raises(ValueError, match="reg_covar=0.01 was given with a prior"):
        mixlib.fit_gmm(faithful, 2, prior="default", reg_covar=1e-2)
    assert mixlib.fit_gmm(faithful, 2, prior="default", reg_covar=0.0, seed=0).reg_covar == 0.0


@pytest.mark.parametrize("bad, error", [("defualt", ValueError), (3, TypeError)])
def test_bad_prior(faithful, bad, error):
    with pytest.raises(error, match="prior must be None, 'default' or a ConjugatePrior"):
        mixlib.fit_gmm(faithful, 2, prior=bad)
