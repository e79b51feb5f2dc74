"""Bad input gives an error that names the argument, never a silent NaN."""

import numpy as np
import pytest

import mixlib
from mixlib import em, gmm


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 5.0])


@pytest.fixture(scope="module")
def params():
    weights = np.array([0.4, 0.6])
    means = np.array([[0.0, 0.0], [5.0, 5.0]])
    covariances = np.array([np.eye(2), 2.0 * np.eye(2)])
    return weights, means, covariances


# Every public entry point that takes a data matrix X, as a function of X.
DATA_FUNCTIONS = {
    "fit_gmm": lambda X: mixlib.fit_gmm(X, 1),
    "kmeans": lambda X: mixlib.kmeans(X, 1),
    "kmeans_plusplus": lambda X: mixlib.kmeans_plusplus(X, 1, seed=0),
    "standardise": lambda X: mixlib.standardise(X),
    "log_likelihood": lambda X: gmm.log_likelihood(X, [1.0], [[0.0, 0.0]], [np.eye(2)]),
    "responsibilities": lambda X: gmm.responsibilities(X, [1.0], [[0.0, 0.0]], [np.eye(2)]),
    "log_density": lambda X: gmm.log_density(X, [1.0], [[0.0, 0.0]], [np.eye(2)]),
}


# ---------------------------------------------------------------------------
# The data X


@pytest.mark.parametrize("function", sorted(DATA_FUNCTIONS))
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(function, bad):
    X = np.arange(20.0).reshape(10, 2)
    X[3, 1] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at row 3, column 1\)"):
        DATA_FUNCTIONS[function](X)


@pytest.mark.parametrize("function", sorted(DATA_FUNCTIONS))
def test_one_dimensional_X_suggests_reshape(function):
    with pytest.raises(ValueError, match=r"X must be 2-D.*X\.reshape\(-1, 1\)"):
        DATA_FUNCTIONS[function](np.arange(10.0))


@pytest.mark.parametrize("function", sorted(DATA_FUNCTIONS))
def test_three_dimensional_X(function):
    with pytest.raises(ValueError, match=r"X must be 2-D.*\(2, 5, 2\)"):
        DATA_FUNCTIONS[function](np.zeros((2, 5, 2)))


@pytest.mark.parametrize("function", sorted(DATA_FUNCTIONS))
@pytest.mark.parametrize(
    "bad",
    [
        "1.0, 2.0",
        [["a", "b"], ["c", "d"]],
        np.array([[1.0, 2.0], [3.0, 4.0]], dtype=object),
        np.array([[1 + 2j, 3.0], [4.0, 5.0]]),
    ],
    ids=["string", "strings", "object", "complex"],
)
def test_non_numeric_X(function, bad):
    with pytest.raises(TypeError, match="X must"):
        DATA_FUNCTIONS[function](bad)


@pytest.mark.parametrize("function", sorted(DATA_FUNCTIONS))
@pytest.mark.parametrize("shape", [(0, 2), (5, 0)])
def test_empty_X(function, shape):
    with pytest.raises(ValueError, match="X is empty"):
        DATA_FUNCTIONS[function](np.zeros(shape))


def test_fewer_samples_than_components(X):
    with pytest.raises(ValueError, match=r"n_components=3 needs at least 3 samples"):
        mixlib.fit_gmm(X[:2], 3)
    with pytest.raises(ValueError, match=r"n_clusters=3 needs at least 3 samples"):
        mixlib.kmeans(X[:2], 3)
    with pytest.raises(ValueError, match=r"n_clusters"):
        mixlib.kmeans_plusplus(X[:2], 3)


# ---------------------------------------------------------------------------
# Scalar options


@pytest.mark.parametrize(
    "bad, error",
    [
        (0, ValueError),
        (-1, ValueError),
        (2.5, TypeError),
        (2.0, TypeError),
        (True, TypeError),
        ("2", TypeError),
        (None, TypeError),
    ],
)
def test_n_components_must_be_a_positive_integer(X, bad, error):
    with pytest.raises(error, match="n_components must be a positive integer"):
        mixlib.fit_gmm(X, bad)
    with pytest.raises(error, match="n_clusters must be a positive integer"):
        mixlib.kmeans(X, bad)
    with pytest.raises(error, match="n_clusters must be a positive integer"):
        mixlib.kmeans_plusplus(X, bad)


def test_numpy_integers_are_accepted(X):
    result = mixlib.fit_gmm(X, np.int64(2), max_iter=np.int32(3), seed=np.int64(1))
    assert result.n_components == 2


@pytest.mark.parametrize("option", ["max_iter", "n_init"])
@pytest.mark.parametrize("bad", [0, -3, 1.5, True])
def test_other_counts_must_be_positive_integers(X, option, bad):
    with pytest.raises((TypeError, ValueError), match=f"{option} must be a positive integer"):
        mixlib.fit_gmm(X, 2, **{option: bad})


@pytest.mark.parametrize("bad", ["ful", "Full", "Tied", "", None])
def test_unknown_covariance_type(X, bad):
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        mixlib.fit_gmm(X, 2, covariance_type=bad)
    resp = np.full((len(X), 2), 0.5)
    with pytest.raises(ValueError, match="covariance_type"):
        gmm.m_step(X, resp, covariance_type=bad)


@pytest.mark.parametrize("bad", ["kmeans++", "k-means", "Random", ""])
def test_unknown_init_string(X, bad):
    with pytest.raises(ValueError, match="init must be 'k-means\\+\\+', 'random'"):
        mixlib.fit_gmm(X, 2, init=bad)
    with pytest.raises(ValueError, match="init must be 'k-means\\+\\+', 'random'"):
        mixlib.kmeans(X, 2, init=bad)


@pytest.mark.parametrize("length", [0, 1, 2, 4])
def test_init_tuple_of_wrong_length(X, params, length):
    init = (params * 2)[:length]
    with pytest.raises(TypeError, match=r"init must be .*tuple \(weights, means, covariances\)"):
        mixlib.fit_gmm(X, 2, init=init)


def test_init_of_wrong_kind(X):
    with pytest.raises(TypeError, match="init must be"):
        mixlib.fit_gmm(X, 2, init=42)


@pytest.mark.parametrize("option", ["reg_covar", "tol"])
@pytest.mark.parametrize("bad", [-1e-6, -1.0, np.nan, np.inf])
def test_negative_or_non_finite_reg_covar_and_tol(X, option, bad):
    with pytest.raises(ValueError, match=f"{option} must be a finite non-negative number"):
        mixlib.fit_gmm(X, 2, **{option: bad})


@pytest.mark.parametrize("bad", ["1e-6", None, True])
def test_reg_covar_of_wrong_type(X, bad):
    with pytest.raises(TypeError, match="reg_covar must be a non-negative number"):
        mixlib.fit_gmm(X, 2, reg_covar=bad)


def test_m_step_rejects_negative_reg_covar(X):
    with pytest.raises(ValueError, match="reg_covar"):
        gmm.m_step(X, np.full((len(X), 2), 0.5), reg_covar=-1.0)


# ---------------------------------------------------------------------------
# Starting parameters


def test_initial_weights_must_sum_to_one(X, params):
    _, means, covariances = params
    with pytest.raises(ValueError, match="weights must sum to 1"):
        mixlib.fit_gmm(X, 2, init=([0.5, 0.6], means, covariances))
    with pytest.raises(ValueError, match="weights must sum to 1"):
        gmm.log_likelihood(X, [0.3, 0.3], means, covariances)


def test_initial_weights_must_be_non_negative(X, params):
    _, means, covariances = params
    with pytest.raises(ValueError, match="weights must be non-negative"):
        mixlib.fit_gmm(X, 2, init=([1.5, -0.5], means, covariances))


@pytest.mark.parametrize("weights", [[[0.5, 0.5]], 1.0, []])
def test_initial_weights_of_wrong_shape(X, params, weights):
    _, means, covariances = params
    with pytest.raises(ValueError, match=r"weights must have shape \(K,\)"):
        mixlib.fit_gmm(X, 2, init=(weights, means, covariances))


@pytest.mark.parametrize("means", [np.zeros((3, 2)), np.zeros((2, 2, 1)), np.zeros(2)])
def test_initial_means_of_wrong_shape(X, params, means):
    weights, _, covariances = params
    with pytest.raises(ValueError, match=r"means must have shape \(K, D\)"):
        mixlib.fit_gmm(X, 2, init=(weights, means, covariances))


@pytest.mark.parametrize("covariances", [np.ones((2, 2)), np.tile(np.eye(3), (2, 1, 1)), np.tile(np.eye(2), (3, 1, 1))])
def test_initial_covariances_of_wrong_shape(X, params, covariances):
    weights, means, _ = params
    with pytest.raises(ValueError, match=r"covariances must have shape \(K, D, D\) = \(2, 2, 2\)"):
        mixlib.fit_gmm(X, 2, init=(weights, means, covariances))


@pytest.mark.parametrize(
    "bad",
    [
        np.array([[1.0, 2.0], [2.0, 1.0]]),  # indefinite
        np.array([[1.0, 1.0], [1.0, 1.0]]),  # singular
        -np.eye(2),  # negative definite
        np.zeros((2, 2)),
    ],
)
def test_initial_covariance_not_positive_definite(X, params, bad):
    weights, means, covariances = params
    covariances = covariances.copy()
    covariances[1] = bad
    with pytest.raises(ValueError, match=r"covariances\[1\] is not positive definite"):
        mixlib.fit_gmm(X, 2, init=(weights, means, covariances))
    with pytest.raises(ValueError, match=r"covariances\[1\] is not positive definite"):
        gmm.log_likelihood(X, weights, means, covariances)


def test_initial_covariance_not_symmetric(X, params):
    weights, means, covariances = params
    covariances = covariances.copy()
    covariances[0] = [[1.0, 0.5], [0.0, 1.0]]
    with pytest.raises(ValueError, match="covariances must be symmetric"):
        mixlib.fit_gmm(X, 2, init=(weights, means, covariances))


def test_non_finite_parameters(X, params):
    weights, means, covariances = params
    means = means.copy()
    means[0, 0] = np.nan
    with pytest.raises(ValueError, match="means contains NaN or inf"):
        gmm.log_likelihood(X, weights, means, covariances)


def test_init_with_the_wrong_number_of_components(X, params):
    weights, means, covariances = params
    with pytest.raises(ValueError, match="init has 2 components but n_components=3"):
        mixlib.fit_gmm(X, 3, init=(weights, means, covariances))


def dimension_3_params():
    return np.array([0.5, 0.5]), np.zeros((2, 3)), np.tile(np.eye(3), (2, 1, 1))


@pytest.mark.parametrize(
    "call",
    [
        lambda X, p: mixlib.fit_gmm(X, 2, init=p),
        lambda X, p: gmm.log_likelihood(X, *p),
        lambda X, p: gmm.responsibilities(X, *p),
        lambda X, p: gmm.log_density(X, *p),
        lambda X, p: gmm.e_step(X, *p),
        lambda X, p: em.free_energy(X, np.full((len(X), 2), 0.5), *p),
    ],
    ids=["fit_gmm", "log_likelihood", "responsibilities", "log_density", "e_step", "free_energy"],
)
def test_parameter_dimension_must_match_X(X, call):
    with pytest.raises(ValueError, match=r"means have dimension D = 3, but X has 2 features"):
        call(X, dimension_3_params())


# ---------------------------------------------------------------------------
# k-means starting centres


@pytest.mark.parametrize("centres", [np.zeros((3, 2)), np.zeros((2, 3)), np.zeros(4), np.zeros((2, 2, 1))])
def test_kmeans_centres_of_wrong_shape(X, centres):
    with pytest.raises(ValueError, match=r"init centres must have shape \(n_clusters, D\) = \(2, 2\)"):
        mixlib.kmeans(X, 2, init=centres)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_kmeans_centres_not_finite(X, bad):
    centres = np.zeros((2, 2))
    centres[1, 0] = bad
    with pytest.raises(ValueError, match="init centres contain NaN or inf"):
        mixlib.kmeans(X, 2, init=centres)


def test_kmeans_centres_not_numeric(X):
    with pytest.raises(TypeError, match="init must be"):
        mixlib.kmeans(X, 2, init=[["a", "b"], ["c", "d"]])
    with pytest.raises((TypeError, ValueError), match="init"):
        mixlib.kmeans(X, 2, init=None)


# ---------------------------------------------------------------------------
# Seeds


SEEDED_CALLS = {
    "fit_gmm": lambda X, seed: mixlib.fit_gmm(X, 2, seed=seed),
    "fit_gmm_random": lambda X, seed: mixlib.fit_gmm(X, 2, init="random", seed=seed),
    "kmeans": lambda X, seed: mixlib.kmeans(X, 2, seed=seed),
    "kmeans_random": lambda X, seed: mixlib.kmeans(X, 2, init="random", seed=seed),
    "kmeans_plusplus": lambda X, seed: mixlib.kmeans_plusplus(X, 2, seed=seed),
    "sample": lambda X, seed: gmm.sample(5, [1.0], [[0.0]], [[[1.0]]], seed=seed),
    "random_blobs": lambda X, seed: mixlib.random_blobs(10, 2, seed=seed),
}


@pytest.mark.parametrize("call", sorted(SEEDED_CALLS))
@pytest.mark.parametrize(
    "bad", [1.5, "42", True, [1, 2], np.random.RandomState(0)], ids=["float", "str", "bool", "list", "RandomState"]
)
def test_seed_of_wrong_type(X, call, bad):
    with pytest.raises(TypeError, match="seed must be None, an int or a numpy Generator"):
        SEEDED_CALLS[call](X, bad)


def test_seed_of_wrong_type_with_explicit_kmeans_centres(X):
    """fit_gmm checks seed even when an explicit init makes it unused; kmeans
    should do the same rather than silently ignore a bad seed."""
    weights = np.array([0.5, 0.5])
    means = np.array([[0.0, 0.0], [5.0, 5.0]])
    covariances = np.tile(np.eye(2), (2, 1, 1))
    with pytest.raises(TypeError, match="seed"):
        mixlib.fit_gmm(X, 2, init=(weights, means, covariances), seed="42")
    with pytest.raises(TypeError, match="seed"):
        mixlib.kmeans(X, 2, init=means, seed="42")


# ---------------------------------------------------------------------------
# The M step's responsibilities


def test_m_step_responsibilities_rows_must_sum_to_one(X):
    resp = np.full((len(X), 2), 0.5)
    resp[4] = [0.5, 0.4]
    with pytest.raises(ValueError, match="each row of responsibilities must sum to 1"):
        gmm.m_step(X, resp)


@pytest.mark.parametrize("shape", [(59, 2), (61, 2), (60,), (60, 2, 1)])
def test_m_step_responsibilities_of_wrong_shape(X, shape):
    resp = np.full(shape, 1.0 / (shape[1] if len(shape) > 1 else 1))
    with pytest.raises(ValueError, match=r"responsibilities must have shape \(N, K\) with N = 60"):
        gmm.m_step(X, resp)


@pytest.mark.parametrize("bad", [-0.5, np.nan])
def test_m_step_responsibilities_negative_or_nan(X, bad):
    resp = np.full((len(X), 2), 0.5)
    resp[0] = [1.0 - bad if np.isfinite(bad) else 0.5, bad]
    with pytest.raises(ValueError, match="responsibilities must be finite and non-negative"):
        gmm.m_step(X, resp)


def test_m_step_component_without_mass(X):
    resp = np.zeros((len(X), 2))
    resp[:, 0] = 1.0
    with pytest.raises(mixlib.SingularityError, match="component 1 lost all of its responsibility"):
        gmm.m_step(X, resp)


# ---------------------------------------------------------------------------
# The collapse onto a single point


@pytest.fixture(scope="module")
def collapse_setup():
    """A cloud of 60 points and one outlier 100 sd away; component 1 starts
    on the outlier with covariance 1e-8·I, so it owns only that point."""
    rng = np.random.default_rng(3)
    cloud = rng.normal(size=(60, 2))
    outlier = np.array([[100.0, -100.0]])
    X = np.vstack([cloud, outlier])
    weights = np.array([0.9, 0.1])
    means = np.vstack([cloud.mean(axis=0), outlier])
    covariances = np.array([np.cov(cloud.T), 1e-8 * np.eye(2)])
    return X, (weights, means, covariances)


def test_collapse_raises_singularity_error(collapse_setup):
    X, init = collapse_setup
    assert issubclass(mixlib.SingularityError, ValueError)
    with pytest.raises(mixlib.SingularityError) as info:
        mixlib.fit_gmm(X, 2, init=init, reg_covar=0.0, tol=0, max_iter=10)
    message = str(info.value)
    assert "iteration 1" in message
    assert "component 1" in message
    assert "reg_covar" in message


def test_collapse_avoided_by_reg_covar(collapse_setup):
    X, init = collapse_setup
    with pytest.warns(mixlib.SingularityWarning, match="component 1 sits on the regulariser"):
        result = mixlib.fit_gmm(X, 2, init=init, reg_covar=1e-6, tol=0, max_iter=10)
    assert np.isfinite(result.log_likelihood)
    assert np.all(np.isfinite(result.log_likelihoods))
    # Component 1 sits on the outlier with the regularised covariance 1e-6·I.
    np.testing.assert_allclose(result.means[1], [100.0, -100.0], atol=1e-9)
    np.testing.assert_allclose(result.covariances[1], 1e-6 * np.eye(2), rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(result.weights, [60 / 61, 1 / 61], rtol=1e-9)


# ---------------------------------------------------------------------------
# Arguments that used to leak numpy's own errors


@pytest.mark.parametrize("spread", [np.nan, np.inf, -1.0])
def test_random_blobs_spread(spread):
    with pytest.raises(ValueError, match="spread must be a finite non-negative number"):
        mixlib.random_blobs(10, 2, spread=spread, seed=0)


@pytest.mark.parametrize("call", sorted(SEEDED_CALLS))
def test_negative_seed(X, call):
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        SEEDED_CALLS[call](X, -1)


@pytest.mark.parametrize(
    "bad", ["abc", [["a", "b"]] * 60, np.full((60, 2), 0.5 + 0j)], ids=["string", "strings", "complex"]
)
def test_m_step_responsibilities_not_real_numbers(X, bad):
    with pytest.raises(TypeError, match="responsibilities must be"):
        gmm.m_step(X, bad)


@pytest.mark.parametrize("bad", ["ab", np.full((60, 2), 0.5 + 0j)], ids=["string", "complex"])
def test_free_energy_q_not_real_numbers(X, params, bad):
    with pytest.raises(TypeError, match="q must be"):
        em.free_energy(X, bad, *params)


def test_kl_divergence_of_complex_distributions():
    q = np.array([[0.5, 0.5]])
    with pytest.raises(TypeError, match="q must be real-valued"):
        em.kl_divergence(q + 0j, q)
    with pytest.raises(TypeError, match="p must be real-valued"):
        em.kl_divergence(q, q + 1e-3j)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_complex_parameters_are_not_cast(X, params, which):
    """np.asarray(z, dtype=float) would drop the imaginary part without a word."""
    bad = [np.asarray(p) for p in params]
    bad[which] = bad[which] + 1e-3j
    name = ["weights", "means", "covariances"][which]
    with pytest.raises(TypeError, match=f"{name} must be real-valued"):
        mixlib.fit_gmm(X, 2, init=tuple(bad))
    with pytest.raises(TypeError, match=f"{name} must be real-valued"):
        gmm.log_likelihood(X, *bad)


def test_log_gaussian_with_no_components_names_the_means(X):
    with pytest.raises(ValueError, match=r"means must have shape \(K, D\) with at least one component") as info:
        gmm.log_gaussian(X, np.zeros((0, 2)), np.zeros((0, 2, 2)))
    assert "weights" not in str(info.value)


def test_float32_weights_that_sum_to_one_in_float32(X, params):
    weights = np.full(3, 1 / 3, dtype=np.float32)
    assert weights.astype(float).sum() != 1.0  # 1.00000002 in float64
    means = np.array([[0.0, 0.0], [5.0, 5.0], [2.0, 2.0]], dtype=np.float32)
    covariances = np.tile(np.eye(2, dtype=np.float32), (3, 1, 1))
    assert np.isfinite(gmm.log_likelihood(X, weights, means, covariances))
    mixlib.fit_gmm(X, 3, init=(weights, means, covariances), max_iter=2, tol=0)
    resp = np.full((len(X), 3), 1 / 3, dtype=np.float32)
    gmm.m_step(X, resp)


def test_weights_that_do_not_sum_to_one_show_the_sum(X, params):
    _, means, covariances = params
    with pytest.raises(ValueError, match=r"weights must sum to 1 \(to a relative 1e-06\), but they sum to 1.00001"):
        gmm.log_likelihood(X, [0.5, 0.50001], means, covariances)


def test_responsibilities_use_the_same_relative_tolerance(X):
    resp = np.full((len(X), 2), 0.5)
    resp[0] = [0.5, 0.5 + 5e-7]
    gmm.m_step(X, resp)
    resp[0] = [0.5, 0.5 + 5e-6]
    with pytest.raises(ValueError, match="each row of responsibilities must sum to 1"):
        gmm.m_step(X, resp)
