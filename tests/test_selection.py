"""select_models: the grid of covariance types and K, its BIC/AIC table and its failed fits."""

import dataclasses
import warnings

import numpy as np
import pytest

import mixlib
from mixlib import selection
from mixlib.prior import ConjugatePrior
from mixlib.selection import ModelSelection, select_models

FIT = {"n_init": 5, "tol": 1e-8, "max_iter": 1000}


@pytest.fixture(scope="module")
def faithful():
    return mixlib.load_faithful()


@pytest.fixture(scope="module")
def grid(faithful):
    return select_models(faithful, range(1, 4), ("spherical", "diag", "full"), seed=0, **FIT)


@pytest.fixture(scope="module")
def three_points():
    """Ten copies each of three points: any component on one of them collapses."""
    return np.repeat(np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]]), 10, axis=0)


def test_the_grid_has_one_row_per_type_and_k(grid):
    assert isinstance(grid, ModelSelection)
    assert len(grid) == 9
    assert [(row.covariance_type, row.n_components) for row in grid] == [
        (t, K) for t in ("spherical", "diag", "full") for K in (1, 2, 3)
    ]
    assert all(row.converged and not row.failed for row in grid)


def test_the_faithful_reference_values(grid, faithful):
    # Old Faithful, full, K = 2: ln L = −1130.264, p = 11, BIC 2322.19 (mclust: −2322.19).
    row = grid.row("full", 2)
    assert row.log_likelihood == pytest.approx(-1130.2640, abs=1e-3)
    assert row.n_parameters == 11
    assert row.bic == pytest.approx(2322.19, abs=0.01)
    assert row.aic == pytest.approx(2 * 1130.2640 + 22, abs=2e-3)
    assert row.bic == pytest.approx(row.result.bic(faithful), rel=1e-12)
    # K = 1 is the single Gaussian with the sample covariance (plus reg_covar).
    assert grid.row("full", 1).log_likelihood == pytest.approx(-1289.7967, abs=1e-3)
    # p: spherical K − 1 + KD + K, diag K − 1 + 2KD.
    assert grid.row("spherical", 3).n_parameters == 2 + 6 + 3
    assert grid.row("diag", 3).n_parameters == 2 + 12


def test_best_sorted_and_table_agree(grid):
    table = grid.table("bic")
    assert table.shape == (3, 3)
    assert table[1, 2] == grid.row("full", 2).bic
    best = grid.best("bic")
    assert best.bic == np.nanmin(table)
    # Among spherical, diagonal and full models, Old Faithful's BIC prefers full with K = 2.
    assert (best.covariance_type, best.n_components) == ("full", 2)
    bics = [row.bic for row in grid.sorted("bic")]
    assert bics == sorted(bics)
    aics = [row.aic for row in grid.sorted("aic")]
    assert aics == sorted(aics) and grid.best("aic").aic == aics[0]


def test_to_text_is_a_table_like_mclusts(grid):
    text = grid.to_text()
    assert repr(grid) == text
    lines = text.splitlines()
    assert lines[0].startswith("BIC = −2 ln L + P ln N (lower is better), N = 272, D = 2")
    assert lines[1].split() == ["K", "spherical", "diag", "full"]
    assert lines[3].split()[0] == "2" and "2322.19*" in lines[3]
    assert "* best: full, K = 2" in text
    assert "AIC" in grid.to_text("aic")


def test_a_fit_does_not_depend_on_the_rest_of_the_grid(grid, faithful):
    alone = select_models(faithful, 2, "full", seed=0, **FIT)
    assert len(alone) == 1
    assert alone.row("full", 2).log_likelihood == grid.row("full", 2).log_likelihood


def test_the_result_is_immutable(grid):
    with pytest.raises(dataclasses.FrozenInstanceError):
        grid.rows = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        grid.rows[0].bic = 0.0
    assert isinstance(grid.rows, tuple)


def test_collapsed_fits_are_rows_with_a_reason(three_points):
    result = select_models(three_points, [1, 2, 3], ["full"], reg_covar=0.0, n_init=2)
    failed = [row for row in result if row.failed]
    assert [row.n_components for row in failed] == [2, 3]
    for row in failed:
        assert "collapsed" in row.reason
        assert np.isnan(row.bic) and np.isnan(row.log_likelihood) and row.result is None
        assert not row.converged
        assert row.n_parameters == mixlib.gmm.n_parameters(row.n_components, 2, "full")
    assert result.best().n_components == 1
    assert np.isnan(result.table()[1:, 0]).all()
    text = result.to_text()
    assert text.count("failed") >= 4  # two cells and two notes
    assert result.sorted()[-2:] == tuple(failed)


def test_every_fit_collapsing_leaves_no_best(three_points):
    result = select_models(three_points, [2, 3], ["full"], reg_covar=0.0, n_init=1)
    assert all(row.failed for row in result)
    with pytest.raises(mixlib.SingularityError, match="collapsed"):
        result.best()
    assert "failed" in result.to_text()


def test_unconverged_fits_are_flagged_and_warned_once(faithful):
    with pytest.warns(mixlib.ConvergenceWarning) as record:
        result = select_models(faithful, [1, 2, 3], ["diag", "full"], max_iter=2, n_init=1)
    convergence = [w for w in record if issubclass(w.category, mixlib.ConvergenceWarning)]
    assert len(convergence) == 1
    unconverged = [row for row in result if not row.converged]
    assert unconverged and all(row.n_iter == 2 for row in unconverged)
    assert f"{len(unconverged)} of 6 fits" in str(convergence[0].message)
    assert "!" in result.to_text()
    assert all(row.converged for row in result if row.n_components == 1)  # one step is exact for K = 1
    # best() leaves out the fits that stopped early: their BIC is not that of a maximum.
    assert result.best().converged and result.best().n_components == 1
    anything = result.best(skip_unconverged=False)
    assert not anything.converged and anything.bic < result.best().bic
    assert "* best: " + result.best().covariance_type in result.to_text()


def test_no_converged_fit_leaves_no_best(faithful):
    with pytest.warns(mixlib.ConvergenceWarning):
        result = select_models(faithful, [2, 3], ["full"], max_iter=2, n_init=1)
    with pytest.raises(ValueError, match="skip_unconverged=False"):
        result.best()
    assert result.best(skip_unconverged=False).n_components in (2, 3)
    assert "* best" not in result.to_text()


def test_a_fits_other_warnings_are_recorded_and_passed_on(faithful, monkeypatch):
    real_fit = selection.fit_gmm

    def fit_and_warn(X, K, **options):
        result = real_fit(X, K, **options)
        if K == 2:
            warnings.warn("this maximum is spurious", UserWarning, stacklevel=2)
        return result

    monkeypatch.setattr(selection, "fit_gmm", fit_and_warn)
    with pytest.warns(UserWarning, match=r"covariance_type='full', K=2: this maximum is spurious"):
        result = select_models(faithful, [1, 2], ["full"], n_init=1)
    assert result.row("full", 2).warnings_raised == ("this maximum is spurious",)
    assert result.row("full", 1).warnings_raised == ()
    assert "- full, K = 2: this maximum is spurious" in result.to_text()
    # A warning alone does not make a fit spurious: only a component on the regulariser does.
    assert not result.row("full", 2).spurious
    assert result.best(skip_spurious=True).n_components == 2


@pytest.fixture(scope="module")
def one_shared_value():
    """A round blob and a group of twenty points that all share the value 3 in column 1."""
    rng = np.random.default_rng(1)
    group = np.column_stack([rng.normal(6.0, 1.0, 20), np.full(20, 3.0)])
    return np.vstack([rng.normal(size=(60, 2)), group])


def test_a_component_on_the_regulariser_makes_the_fit_spurious(one_shared_value):
    X = one_shared_value
    with pytest.warns(mixlib.SingularityWarning, match="regulariser"):
        result = select_models(X, [1, 2], ("diag", "full"), n_init=2, seed=0)
    for row in result:
        on_floor = any("regulariser" in message for message in row.warnings_raised)
        assert row.spurious == on_floor == (row.n_components == 2)  # the flag and fit_gmm's warning agree
    for kind in ("diag", "full"):
        row = result.row(kind, 2)
        (k,) = row.on_the_regulariser
        members = X[row.result.predict(X) == k]
        assert np.all(members[:, 1] == 3.0)  # the component holds the group
        assert row.result.covariances[k, 1, 1] == pytest.approx(row.result.reg_covar, rel=1e-6)
        assert row.n_collapsed == 0
    assert result.best().spurious  # at face value a spurious fit wins
    sensible = result.best(skip_spurious=True)
    assert not sensible.spurious and sensible.n_components == 1
    assert "?" in result.to_text().splitlines()[3] and "? diag, K = 2" in result.to_text()
    assert "spurious" in repr(result.row("diag", 2))
    with pytest.warns(mixlib.SingularityWarning, match="regulariser"):
        alone = select_models(X, 2, "diag", n_init=2, seed=0)
    with pytest.raises(ValueError, match="skip_spurious=False"):
        alone.best(skip_spurious=True)


def test_starts_that_collapsed_do_not_disqualify_the_fit():
    # Five copies of one point beside a blob: with reg_covar=0 one of six k-means++ starts puts a
    # component on the copies and collapses; the fit returned is one of the other five.
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(80, 2)), np.tile([1.5, 0.0], (5, 1))])
    with pytest.warns(mixlib.SingularityWarning, match="collapsed"):
        result = select_models(X, 2, "full", reg_covar=0.0, n_init=6, seed=0)
    row = result.row("full", 2)
    assert not row.failed and row.n_collapsed == 1
    assert any("collapsed" in message for message in row.warnings_raised)
    assert not row.spurious and result.best(skip_spurious=True) is row
    assert np.linalg.eigvalsh(row.result.covariances).min() > 1e-3  # its components are not degenerate


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_components": []}, ValueError, "empty"),
        ({"n_components": [0, 1]}, ValueError, "n_components"),
        ({"n_components": 2.5}, TypeError, "n_components"),
        ({"n_components": [1, 300]}, ValueError, "300"),
        ({"covariance_types": ("full", "tide")}, ValueError, "tide"),
        ({"covariance_types": ()}, ValueError, "empty"),
        ({"prior": "mclust"}, TypeError, "prior"),
        (
            {"prior": ConjugatePrior(0.01, [0.0, 0.0], 4.0, np.eye(2)), "covariance_types": ("diag",)},
            ValueError,
            "not a matrix",
        ),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"n_init": 0}, ValueError, "n_init"),
    ],
)
def test_bad_arguments_are_named(faithful, kwargs, error, match):
    with pytest.raises(error, match=match):
        select_models(faithful, **({"n_components": [1], "covariance_types": ("full",)} | kwargs))


def test_bad_lookups_are_named(grid):
    with pytest.raises(KeyError, match="tied"):
        grid.row("tied", 2)
    with pytest.raises(ValueError, match="criterion"):
        grid.best("icl")
    with pytest.raises(ValueError, match="column"):
        grid.table("icl")


# ---------------------------------------------------------------------------
# Tied covariances and the conjugate prior


@pytest.fixture(scope="module")
def tied_and_full(faithful):
    # Ten restarts per fit: a few k-means++ starts of tied K = 3 end at a lower maximum (ln L ≈ −1140).
    return select_models(faithful, [2, 3], ("tied", "full"), seed=0, n_init=10, tol=1e-8, max_iter=1000)


def test_on_old_faithful_tied_three_beats_full_two(tied_and_full):
    tied = tied_and_full.row("tied", 3)
    assert tied.log_likelihood == pytest.approx(-1126.32, abs=5e-3)
    assert tied.n_parameters == 2 + 6 + 3  # K − 1 weights, K·D means, one D(D+1)/2 covariance
    assert tied.bic == pytest.approx(2314.30, abs=0.01)
    assert tied_and_full.row("full", 2).bic == pytest.approx(2322.19, abs=0.01)
    best = tied_and_full.best("bic")
    assert (best.covariance_type, best.n_components) == ("tied", 3)


def test_the_default_prior_reproduces_mclusts_table_entry(faithful):
    from mixlib.prior import default_prior, log_posterior

    result = select_models(faithful, [2], ("full",), prior="default", seed=0, n_init=5, tol=1e-12, max_iter=5000)
    row = result.row("full", 2)
    # mclust 6.0.0, Mclust(faithful, 2, "VVV", prior = priorControl()): loglik −1130.50926, BIC −2322.68235.
    assert row.log_likelihood == pytest.approx(-1130.50926, abs=1e-5)
    assert -row.bic == pytest.approx(-2322.68235, abs=1e-4)
    fit = row.result
    prior = default_prior(faithful, 2, "full")
    expected = log_posterior(faithful, fit.weights, fit.means, fit.covariances, prior, "full")
    assert row.log_posterior == pytest.approx(expected, rel=1e-10)
    assert "with the prior 'default'" in result.to_text()


def test_with_the_default_prior_no_fit_collapses(three_points):
    types = ("spherical", "diag", "tied", "full")
    without = select_models(three_points, [1, 2, 3], types, reg_covar=0.0, n_init=2)
    assert any(row.failed for row in without)
    with_prior = select_models(three_points, [1, 2, 3], types, prior="default", n_init=2)
    assert not any(row.failed for row in with_prior)
    assert all(np.isfinite(row.bic) and row.log_posterior is not None for row in with_prior)
