"""The Bernoulli mixture: densities against scipy, the M step against a numerical maximiser,
EM's monotone objective, restarts, the digits loader and bad input."""

import warnings

import numpy as np
import pytest
from scipy import optimize, stats
from scipy.special import logsumexp

import mixlib
from mixlib import bernoulli, em


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    prototypes = np.array([[0.9] * 6 + [0.1] * 6, [0.1] * 6 + [0.9] * 6, [0.5] * 12])
    z = rng.integers(3, size=500)
    return (rng.uniform(size=(500, 12)) < prototypes[z]).astype(float)


@pytest.fixture(scope="module")
def parameters():
    rng = np.random.default_rng(1)
    means = rng.uniform(0.05, 0.95, size=(3, 12))
    means[0, 0], means[1, 1] = 0.0, 1.0  # a pixel ruled out, and one that must be on
    return np.array([0.2, 0.5, 0.3]), means


def direct_log_density(X, weights, means):
    """ln Σ_k π_k Π_d Bernoulli(x_d | μ_kd), with scipy's pmf and no log-sum-exp."""
    return np.log(sum(w * np.prod(stats.bernoulli.pmf(X, m), axis=1) for w, m in zip(weights, means)))


def test_log_likelihood_is_scipy_bernoulli(binary, parameters):
    weights, means = parameters
    X = binary[(binary[:, 0] == 0) & (binary[:, 1] == 1)][:40]  # points every component can make
    assert len(X) > 10
    np.testing.assert_allclose(
        bernoulli.log_density(X, weights, means), direct_log_density(X, weights, means), rtol=1e-12
    )
    assert bernoulli.log_likelihood(X, weights, means) == pytest.approx(
        direct_log_density(X, weights, means).sum(), rel=1e-12
    )
    resp = bernoulli.responsibilities(X, weights, means)
    joint = np.column_stack([w * np.prod(stats.bernoulli.pmf(X, m), axis=1) for w, m in zip(weights, means)])
    np.testing.assert_allclose(resp, joint / joint.sum(axis=1, keepdims=True), rtol=1e-10)


def test_zero_and_one_probabilities_give_zero_or_minus_infinity_never_nan(binary, parameters):
    weights, means = parameters
    component = bernoulli.log_bernoulli(binary, means)
    assert not np.any(np.isnan(component))
    with np.errstate(divide="ignore"):
        expected = np.log(np.column_stack([np.prod(stats.bernoulli.pmf(binary, m), axis=1) for m in means]))
    np.testing.assert_allclose(component, expected, rtol=1e-12)
    assert np.all(np.isneginf(component[binary[:, 0] == 1, 0]))
    assert np.all(np.isneginf(component[binary[:, 1] == 0, 1]))
    resp = bernoulli.responsibilities(binary, weights, means)
    assert np.all(resp[binary[:, 0] == 1, 0] == 0)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)


def test_an_image_no_component_can_produce_is_an_error_not_nan():
    means = np.array([[0.0, 0.5], [0.0, 0.3]])
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="point 0 of X has probability 0 under every component"):
        bernoulli.log_likelihood(X, [0.5, 0.5], means)
    density = bernoulli.log_density(X, [0.5, 0.5], means)
    assert density[0] == -np.inf and np.isfinite(density[1])


def test_the_density_does_not_underflow_in_many_dimensions():
    rng = np.random.default_rng(2)
    X = (rng.uniform(size=(5, 5000)) < 0.5).astype(float)
    means = np.full((2, 5000), 0.5)
    means[1] = 0.4
    ll = bernoulli.log_density(X, [0.5, 0.5], means)
    assert np.all(np.isfinite(ll)) and np.all(ll < -3000)
    per_component = X @ np.log(means).T + (1 - X) @ np.log1p(-means).T
    np.testing.assert_allclose(ll, logsumexp(per_component + np.log(0.5), axis=1), rtol=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 0.01, 1.0])
def test_m_step_is_the_maximiser_of_q(binary, alpha):
    """μ_kd maximises Σ_n γ_nk [x_nd ln μ + (1 − x_nd) ln(1 − μ)] + α ln μ(1 − μ), found by scipy."""
    rng = np.random.default_rng(3)
    resp = rng.dirichlet(np.ones(3), size=len(binary))
    X = binary.copy()
    X[:, 2] = 0.0  # a constant pixel: with α = 0 the maximiser is the boundary μ = 0
    weights, means = bernoulli.m_step(X, resp, smoothing=alpha)
    np.testing.assert_allclose(weights, resp.mean(axis=0), rtol=1e-12)
    for k in range(3):
        for d in (0, 2, 7):
            on = resp[:, k] @ X[:, d]
            off = resp[:, k] @ (1 - X[:, d])

            def negative_q(mu, on=on, off=off):
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = np.nan_to_num((on + alpha) * np.log(mu)) + np.nan_to_num((off + alpha) * np.log1p(-mu))
                return -value

            found = optimize.minimize_scalar(
                negative_q, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-10}
            ).x
            assert means[k, d] == pytest.approx(found, abs=1e-6)
            assert negative_q(means[k, d]) <= negative_q(found) + 1e-9
    assert np.all(means[:, 2] == (0.0 if alpha == 0 else means[:, 2]))
    if alpha > 0:
        assert np.all((means > 0) & (means < 1))


def test_m_step_weights_maximise_q_on_the_simplex(binary):
    rng = np.random.default_rng(4)
    resp = rng.dirichlet(np.ones(3), size=len(binary))
    weights, _ = bernoulli.m_step(binary, resp, smoothing=0.0)
    Nk = resp.sum(axis=0)

    def negative(v):  # softmax keeps the weights on the simplex
        return -Nk @ (v - logsumexp(v))

    found = optimize.minimize(negative, np.zeros(3), method="BFGS", options={"gtol": 1e-10}).x
    np.testing.assert_allclose(weights, np.exp(found - logsumexp(found)), atol=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_em_never_lowers_its_objective_and_reports_the_last_parameters(binary, alpha):
    fit = mixlib.fit_bernoulli_mixture(binary, 3, n_init=3, seed=0, tol=1e-9, smoothing=alpha)
    assert fit.converged and len(fit.history) == fit.n_iter + 1
    trace = fit.log_likelihoods if alpha == 0 else fit.log_posteriors
    assert np.all(np.diff(trace) >= -1e-10 * np.abs(trace[1:]))
    direct = logsumexp(
        np.log(fit.weights) + binary @ np.log(fit.means).T + (1 - binary) @ np.log1p(-fit.means).T, axis=1
    ).sum()
    assert fit.log_likelihood == pytest.approx(direct, rel=1e-12)
    if alpha == 0:
        assert fit.log_posterior is None and fit.log_posteriors is None
    else:
        prior = np.sum(stats.beta.logpdf(fit.means, 1 + alpha, 1 + alpha))
        assert fit.log_posterior == pytest.approx(fit.log_likelihood + prior, rel=1e-12)
    order = np.argsort(fit.means[:, 0])
    np.testing.assert_allclose(fit.means[order][:, [0, 11]], [[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]], atol=0.08)
    # every iterate is one M step then one E step of the module's own functions
    for before, after in zip(fit.history[:3], fit.history[1:4]):
        resp = bernoulli.responsibilities(binary, before.weights, before.means)
        for ours, theirs in zip(bernoulli.m_step(binary, resp, smoothing=alpha), (after.weights, after.means)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(fit.responsibilities(binary), bernoulli.responsibilities(binary, fit.weights, fit.means))


def test_max_iter_warns_and_tol_zero_runs_exactly(binary):
    with pytest.warns(mixlib.ConvergenceWarning, match="max_iter=2"):
        fit = mixlib.fit_bernoulli_mixture(binary, 3, max_iter=2, seed=0)
    assert fit.n_iter == 2 and not fit.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = mixlib.fit_bernoulli_mixture(binary, 3, max_iter=2, tol=0, seed=0, keep_history=False)
    assert exact.history == () and exact.n_iter == 2
    np.testing.assert_array_equal(exact.log_likelihoods, fit.log_likelihoods)


def test_restarts_keep_the_best(binary):
    """The restarts draw their starts one after another from one generator, as six single fits do."""
    rng = np.random.default_rng(7)
    singles = [mixlib.fit_bernoulli_mixture(binary, 3, seed=rng, tol=1e-8) for _ in range(6)]
    best = mixlib.fit_bernoulli_mixture(binary, 3, seed=np.random.default_rng(7), n_init=6, tol=1e-8)
    assert best.objective == pytest.approx(max(s.objective for s in singles), rel=1e-14)
    assert len({round(s.objective, 6) for s in singles}) > 1, "the starts should reach different maxima"


def test_fixed_start_and_a_lost_component(binary):
    start = (np.array([0.5, 0.5]), np.full((2, 12), 0.5))
    fit = mixlib.fit_bernoulli_mixture(binary, 2, init=start)
    # from identical components EM cannot separate them: every iterate keeps μ_1 = μ_2
    np.testing.assert_allclose(fit.means[0], fit.means[1], rtol=1e-12)
    with pytest.raises(mixlib.SingularityError, match="EM iteration 1: component 1 has N_k = 0"):
        mixlib.fit_bernoulli_mixture(binary, 2, init=(np.array([1.0, 0.0]), np.full((2, 12), 0.5)))


def test_sample_follows_the_generative_process():
    weights, means = np.array([0.3, 0.7]), np.array([[0.9, 0.0, 0.5], [0.1, 1.0, 0.5]])
    X, z = bernoulli.sample(20000, weights, means, seed=0)
    assert set(np.unique(X)) == {0.0, 1.0}
    assert np.mean(z == 0) == pytest.approx(0.3, abs=0.015)
    for k in range(2):
        np.testing.assert_allclose(X[z == k].mean(axis=0), means[k], atol=0.02)
    assert np.all(X[z == 0, 1] == 0) and np.all(X[z == 1, 1] == 1)


def test_load_digits():
    X, labels = mixlib.load_digits()
    counts, same = mixlib.load_digits(threshold=None)
    assert X.shape == (1797, 64) and counts.shape == (1797, 64)
    np.testing.assert_array_equal(labels, same)
    np.testing.assert_array_equal(np.bincount(labels), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    assert counts.min() == 0 and counts.max() == 16
    np.testing.assert_array_equal(X, counts >= 8)
    np.testing.assert_array_equal(mixlib.load_digits(threshold=1)[0], counts >= 1)
    for bad in (0, 17, 8.5, True, "8"):
        with pytest.raises(ValueError, match="threshold must be an integer from 1 to 16"):
            mixlib.load_digits(threshold=bad)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda X: mixlib.fit_bernoulli_mixture(X * 16, 2),
            ValueError,
            r"X must be binary .*X\[0, 0\] = 16.*threshold",
        ),
        (lambda X: mixlib.fit_bernoulli_mixture(X - 0.5, 2), ValueError, "X must be binary"),
        (lambda X: mixlib.fit_bernoulli_mixture(X[:, 0], 2), ValueError, "must be 2-D"),
        (lambda X: mixlib.fit_bernoulli_mixture(X, 0), ValueError, "n_components must be a positive integer"),
        (lambda X: mixlib.fit_bernoulli_mixture(X[:2], 3), ValueError, "needs at least 3 samples"),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, smoothing=-1),
            ValueError,
            "smoothing must be a finite non-negative",
        ),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, init="k-means++"),
            ValueError,
            "init must be 'random' or a tuple",
        ),
        (lambda X: mixlib.fit_bernoulli_mixture(X, 2, init=np.ones(2)), TypeError, "init must be 'random' or a tuple"),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, init=([1.0], np.full((1, 12), 0.5))),
            ValueError,
            "init has 1 components but n_components=2",
        ),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, init=([0.5, 0.5], np.full((2, 12), 1.5))),
            ValueError,
            r"means must be pixel probabilities in \[0, 1\]",
        ),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, init=([0.5, 0.5], np.full((2, 12), 0.0))),
            ValueError,
            "has probability 0 under every component",
        ),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, init=([0.5, 0.5], np.full((2, 5), 0.5))),
            ValueError,
            "dimension D = 5, but X has 12",
        ),
        (lambda X: mixlib.fit_bernoulli_mixture(X, 2, max_iter=0), ValueError, "max_iter must be a positive integer"),
        (
            lambda X: mixlib.fit_bernoulli_mixture(X, 2, keep_history="yes"),
            TypeError,
            "keep_history must be True or False",
        ),
        (lambda X: bernoulli.log_likelihood(X, [0.6, 0.6], np.full((2, 12), 0.5)), ValueError, "weights must sum to 1"),
        (lambda X: bernoulli.m_step(X, np.ones((len(X), 2))), ValueError, "each row of responsibilities must sum to 1"),
        (lambda X: bernoulli.m_step(X, np.full((3, 2), 0.5)), ValueError, "responsibilities must have shape"),
        (lambda X: bernoulli.sample(0, [1.0], np.full((1, 3), 0.5)), ValueError, "n must be a positive integer"),
    ],
)
def test_bad_input_gets_a_clear_error(binary, call, error, message):
    with pytest.raises(error, match=message):
        call(binary)


def test_bool_input_is_binary(binary):
    fit = mixlib.fit_bernoulli_mixture(binary.astype(bool), 2, seed=0)
    same = mixlib.fit_bernoulli_mixture(binary, 2, seed=0)
    np.testing.assert_array_equal(fit.means, same.means)


@pytest.mark.parametrize("alpha", [0.0, 0.01, 1.0])
def test_an_empty_component_is_an_error_for_every_smoothing(binary, alpha):
    """The smoothed update would be defined (μ_kd = 1/2), but π_k = 0 keeps the component empty for good."""
    resp = np.zeros((len(binary), 2))
    resp[:, 0] = 1.0
    with pytest.raises(mixlib.SingularityError, match="component 1 has N_k = 0"):
        bernoulli.m_step(binary, resp, smoothing=alpha)
    # why it is an error: with π_k = 0 the next E step gives the component no responsibility at all
    after = bernoulli.responsibilities(binary, [1.0, 0.0], np.full((2, 12), 0.5))
    assert np.all(after[:, 1] == 0)


def test_restarts_skip_a_start_that_loses_a_component(binary):
    """With n_init > 1 a start that collapses is skipped with a warning; if all do, the error is raised."""
    lost = (np.array([1.0, 0.0]), np.full((2, 12), 0.5))
    with pytest.raises(mixlib.SingularityError, match="all 2 starts collapsed"):
        mixlib.fit_bernoulli_mixture(binary, 2, init=lost, n_init=2)
    good = (np.array([0.5, 0.5]), np.array([[0.7] * 6 + [0.3] * 6, [0.3] * 6 + [0.7] * 6]))
    starts = iter([lost, good])
    with pytest.warns(mixlib.SingularityWarning, match="1 of the 2 starts collapsed"):
        fit = em.fit_mixture(binary, bernoulli._family(0.01), lambda rng: next(starts), n_init=2, tol=1e-8)
    alone = mixlib.fit_bernoulli_mixture(binary, 2, init=good, tol=1e-8)
    assert fit.n_collapsed == 1 and fit.log_posterior == pytest.approx(alone.log_posterior, rel=1e-12)
