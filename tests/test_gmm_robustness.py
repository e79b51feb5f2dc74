"""fit_gmm on data nobody tuned it for: units, offsets, far points, non-convergence,
collapsing restarts and a memory-light history."""

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

import mixlib
from mixlib import gmm


@pytest.fixture(scope="module")
def faithful():
    return mixlib.load_faithful()


def blobs(seed=0, N=300):
    X, _, _ = mixlib.random_blobs(N, 3, 3, spread=4.0, seed=seed)
    return X


def start_for(X, K, seed):
    rng = np.random.default_rng(seed)
    means = X[rng.choice(len(X), size=K, replace=False)]
    covariances = np.array([np.cov(X.T, ddof=0)] * K)
    return np.full(K, 1.0 / K), means, covariances


# ---------------------------------------------------------------------------
# The collapse test does not depend on the units of a column


def test_income_next_to_a_flag_fits_with_the_default_reg_covar():
    """Incomes (sd 3e4 within each group) next to a 0/1 flag that is constant within each
    group: the flag's variance in a component is exactly reg_covar, tiny beside an income's
    variance, but not tiny beside the flag's own spread, so nothing has collapsed."""
    rng = np.random.default_rng(0)
    group = rng.integers(2, size=400)
    income = np.where(group == 1, 2.5e5, 5e4) + 3e4 * rng.standard_normal(400)
    X = np.column_stack([income, group.astype(float)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = mixlib.fit_gmm(X, 2, seed=0)
    assert not any(issubclass(w.category, mixlib.ConvergenceWarning) for w in caught)
    # The flag is constant within each component: those maxima exist only because of reg_covar.
    assert any(issubclass(w.category, mixlib.SingularityWarning) and "regulariser" in str(w.message) for w in caught)
    order = np.argsort(result.means[:, 0])
    np.testing.assert_allclose(result.means[order, 1], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(
        result.means[order, 0], [income[group == 0].mean(), income[group == 1].mean()], rtol=1e-9
    )


def test_one_component_with_columns_eight_orders_of_magnitude_apart():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 2)) * [1e5, 1e-3]
    result = mixlib.fit_gmm(X, 1, reg_covar=0.0)
    np.testing.assert_allclose(result.means[0], X.mean(axis=0), rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(result.covariances[0], np.cov(X.T, ddof=0), rtol=1e-10, atol=1e-20)
    # (scipy's multivariate_normal calls this covariance singular; in standardised units it is not.)
    sd = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / sd
    expected = multivariate_normal(np.zeros(2), np.cov(Z.T, ddof=0)).logpdf(Z).sum() - len(X) * np.log(sd).sum()
    assert result.log_likelihood == pytest.approx(expected, rel=1e-12)


SCALES = [1e-120, 1e-40, 1e-8, 1.0, 3.7e6, 1e60, 1e120]


@pytest.mark.parametrize("init", ["given", "random"])
@pytest.mark.parametrize("covariance_type", ["full", "diag", "tied"])
def test_rescaling_columns_rescales_the_fit(init, covariance_type):
    """fit_gmm(X S) is fit_gmm(X) seen in the new units, S = diag(s) with s spanning 240
    orders of magnitude (reg_covar = 0: it is a variance in data units, not invariant)."""
    X = blobs(3)
    rng = np.random.default_rng(7)
    start = start_for(X, 3, seed=2)
    reference = mixlib.fit_gmm(
        X,
        3,
        covariance_type=covariance_type,
        reg_covar=0.0,
        tol=0,
        max_iter=30,
        init=start if init == "given" else "random",
        seed=5,
    )
    for _ in range(4):
        s = rng.choice(SCALES, size=3)
        weights, means, covariances = start
        scaled_start = (weights, means * s, covariances * np.outer(s, s))
        fit = mixlib.fit_gmm(
            X * s,
            3,
            covariance_type=covariance_type,
            reg_covar=0.0,
            tol=0,
            max_iter=30,
            init=scaled_start if init == "given" else "random",
            seed=5,
        )
        np.testing.assert_allclose(fit.weights, reference.weights, rtol=1e-9)
        np.testing.assert_allclose(fit.means / s, reference.means, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fit.covariances / np.outer(s, s), reference.covariances, rtol=1e-8, atol=1e-12)
        # The density changes by the Jacobian of x -> x S.
        np.testing.assert_allclose(fit.log_likelihood + len(X) * np.log(s).sum(), reference.log_likelihood, rtol=1e-10)


@pytest.mark.parametrize("factor", [1e-140, 1e140])
def test_data_at_extreme_magnitudes(factor):
    """Squared distances of numbers of size 1e±140 are near the ends of the float range;
    the fit happens in the data's own units and does not overflow."""
    X = blobs(4)
    reference = mixlib.fit_gmm(X, 3, init="random", seed=1, tol=0, max_iter=25, reg_covar=0.0)
    fit = mixlib.fit_gmm(X * factor, 3, init="random", seed=1, tol=0, max_iter=25, reg_covar=0.0)
    np.testing.assert_allclose(fit.weights, reference.weights, rtol=1e-9)
    np.testing.assert_allclose(fit.means / factor, reference.means, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.covariances / factor**2, reference.covariances, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("factor", [1e-200, 1e200])
def test_data_whose_variances_are_not_floats(factor):
    """At 1e±200 a variance (1e±400) is not a float64: a clear error, not "collapsed"."""
    X = blobs(4)
    with pytest.raises(
        ValueError,
        match=r"column 0 of X has standard deviation .* outside the float64 range; "
        r"rescale X",
    ):
        mixlib.fit_gmm(X * factor, 3, seed=0)
    Z, mean, sd = mixlib.standardise(X * factor)
    np.testing.assert_allclose(Z, mixlib.standardise(X)[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sd / factor, X.std(axis=0), rtol=1e-12)


def test_translation_far_from_the_origin(faithful):
    """The same fit 1e8 away: EM runs on centred data."""
    reference = mixlib.fit_gmm(faithful, 2, init="random", seed=3, tol=0, max_iter=30)
    fit = mixlib.fit_gmm(faithful + 1e8, 2, init="random", seed=3, tol=0, max_iter=30)
    np.testing.assert_allclose(fit.means - 1e8, reference.means, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.covariances, reference.covariances, rtol=1e-6)
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-9)


def test_collapse_message_does_not_blame_a_reg_covar_that_is_not_the_cause():
    """A duplicated point in 1-D with reg_covar = 0: the advice is to set reg_covar > 0.
    With a reg_covar far below the data's scale: the advice is that it is in data units."""
    X = np.concatenate([np.full(5, 3.0), np.linspace(-1e4, 1e4, 40)])[:, None] * 1e6
    start = (np.array([0.2, 0.8]), np.array([[3e6], [0.0]]), np.array([[[1e6]], [[1e20]]]))
    with pytest.raises(mixlib.SingularityError, match="Set reg_covar > 0"):
        mixlib.fit_gmm(X, 2, init=start, reg_covar=0.0)
    negligible = r"reg_covar=1e-06 is negligible at the scale of column 0.*data's units"
    with pytest.raises(mixlib.SingularityError, match=negligible):
        mixlib.fit_gmm(X, 2, init=start, reg_covar=1e-6)


# ---------------------------------------------------------------------------
# Non-convergence is announced


def test_convergence_warning_names_max_iter_and_tol(faithful):
    with pytest.warns(mixlib.ConvergenceWarning, match=r"max_iter=3 .*tol=1e-06"):
        result = mixlib.fit_gmm(faithful, 2, seed=0, max_iter=3)
    assert not result.converged
    assert issubclass(mixlib.ConvergenceWarning, UserWarning)


def test_no_warning_when_asked_for_a_fixed_number_of_iterations(faithful):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixlib.fit_gmm(faithful, 2, seed=0, max_iter=3, tol=0)


@pytest.mark.parametrize("K", [1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_defaults_converge_on_old_faithful(faithful, K, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = mixlib.fit_gmm(faithful, K, seed=seed)
    assert result.converged


# ---------------------------------------------------------------------------
# Points far from every component


def test_points_far_but_representable_stay_finite():
    """1e150 standard deviations: the squared distance 1e300 is still a float."""
    X = np.array([[1e150], [-3e149], [0.5]])
    weights, means, covariances = np.array([0.3, 0.7]), np.array([[0.0], [1.0]]), np.ones((2, 1, 1))
    expected = np.log(0.3 * norm.pdf(0.5, 0, 1) + 0.7 * norm.pdf(0.5, 1, 1))
    log_p = gmm.log_density(X, weights, means, covariances)
    assert np.all(np.isfinite(log_p))
    assert log_p[0] == pytest.approx(-0.5 * (1e150 - 1.0) ** 2, rel=1e-12)
    assert log_p[2] == pytest.approx(expected, rel=1e-12)
    resp = gmm.responsibilities(X, weights, means, covariances)
    assert np.all(np.isfinite(resp))
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)


@pytest.mark.parametrize("far", [1e160, 1e300, -1.7e308])
def test_points_beyond_the_float_range_raise(far):
    X = np.array([[0.0, 0.0], [far, far]])
    params = np.array([0.5, 0.5]), np.array([[0.0, 0.0], [1e300, -1e300]]), np.array([np.eye(2), np.diag([1.0, 4.0])])
    for function in (gmm.log_likelihood, gmm.responsibilities, gmm.log_density):
        with pytest.raises(ValueError, match="point 1 of X is too far from every component"):
            function(X, *params)


def test_a_point_far_from_one_component_only_is_fine():
    X = np.array([[1e300, 0.0]])
    params = np.array([0.5, 0.5]), np.array([[0.0, 0.0], [1e300, 0.0]]), np.array([np.eye(2), np.eye(2)])
    resp = gmm.responsibilities(X, *params)
    np.testing.assert_array_equal(resp, [[0.0, 1.0]])
    assert gmm.log_likelihood(X, *params) == pytest.approx(np.log(0.5) - np.log(2 * np.pi), rel=1e-12)


# ---------------------------------------------------------------------------
# Digits far from the origin: the residual is whitened, not x and μ separately


@pytest.mark.parametrize("offset", [1e8, 1e14])
def test_log_gaussian_far_from_the_origin_1d(offset):
    mean = offset
    x = offset + np.array([0.5, -1.25, 2.0, 0.015625])  # exact: these sums are floats
    sigma2 = 3.0
    got = gmm.log_gaussian(x[:, None], [[mean]], [[[sigma2]]])[:, 0]
    expected = norm.logpdf(x - mean, 0.0, np.sqrt(sigma2))  # x − μ is exact
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_log_gaussian_far_from_the_origin_2d():
    mean = np.array([1e14, -2e14])
    steps = np.array([[0.5, 0.25], [-1.0, 2.0], [0.125, -0.75]])
    X = mean + steps
    assert np.array_equal(X - mean, steps)  # the residuals are exact
    covariance = np.array([[3.0, 1.1], [1.1, 2.3]])
    got = gmm.log_gaussian(X, mean[None], covariance[None])[:, 0]
    expected = multivariate_normal(np.zeros(2), covariance).logpdf(steps)
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# ---------------------------------------------------------------------------
# Restarts that collapse


def test_collapsed_starts_are_skipped_and_counted(faithful):
    """Old Faithful's waiting times are whole minutes, so with reg_covar = 0 many
    diagonal five-component starts collapse onto one of them."""
    with pytest.warns(mixlib.SingularityWarning, match=r"(\d+) of the 20 starts collapsed") as record:
        result = mixlib.fit_gmm(faithful, 5, covariance_type="diag", n_init=20, seed=0, reg_covar=0.0, max_iter=2000)
    message = next(str(w.message) for w in record if issubclass(w.category, mixlib.SingularityWarning))
    n_collapsed = int(message.split(" of the 20")[0])
    assert 0 < n_collapsed < 20
    assert result.n_collapsed == n_collapsed
    assert np.isfinite(result.log_likelihood)
    assert np.linalg.eigvalsh(result.covariances).min() > 1e-3


def test_all_starts_collapsing_raises():
    X = np.concatenate([np.zeros(5), np.arange(1.0, 6.0)])[:, None]
    start = (np.array([0.5, 0.5]), np.array([[0.0], [3.0]]), np.array([[[1e-3]], [[2.0]]]))
    with pytest.raises(mixlib.SingularityError, match="all 3 starts collapsed"):
        mixlib.fit_gmm(X, 2, init=start, n_init=3, reg_covar=0.0)


def test_a_fit_on_the_regulariser_is_flagged_as_spurious(faithful):
    """Component 0 starts on the first eruption with σ_0 = 0.5 min: with reg_covar = 1e-6
    it settles on the eruptions sharing its waiting time, its waiting variance on reg_covar."""
    N = len(faithful)
    weights = np.array([1 / N, 1 - 1 / N])
    means = np.array([faithful[0], faithful.mean(axis=0)])
    start = (weights, means, np.array([0.25 * np.eye(2), np.cov(faithful.T, ddof=0)]))
    with pytest.warns(mixlib.SingularityWarning, match="component 0 sits on the regulariser"):
        fit = mixlib.fit_gmm(faithful, 2, init=start, reg_covar=1e-6)
    assert np.linalg.eigvalsh(fit.covariances[0])[0] == pytest.approx(1e-6, rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixlib.fit_gmm(faithful, 2, seed=0)  # the proper maximum is not flagged


# ---------------------------------------------------------------------------
# History


def test_history_can_be_switched_off(faithful):
    full = mixlib.fit_gmm(faithful, 3, seed=1)
    light = mixlib.fit_gmm(faithful, 3, seed=1, keep_history=False)
    assert light.history == ()
    assert len(full.history) == full.n_iter + 1
    assert light.n_iter == full.n_iter
    np.testing.assert_array_equal(light.log_likelihoods, full.log_likelihoods)
    np.testing.assert_array_equal(light.log_likelihoods, [step.log_likelihood for step in full.history])
    np.testing.assert_array_equal(light.means, full.means)
    with pytest.raises(TypeError, match="keep_history"):
        mixlib.fit_gmm(faithful, 3, keep_history="no")
