"""Choosing K and the covariance model: a grid of fits and their information criteria.

For each covariance type and each number of components K, :func:`select_models`
fits a Gaussian mixture and records, as R's mclust does in its BIC table,

    BIC = −2 ln p(X | θ̂) + P ln N,        AIC = −2 ln p(X | θ̂) + 2P,

with P the number of free parameters (lower is better for both; mclust reports
−BIC, so its best model has the largest value).  With a prior, θ̂ is the MAP
estimate and ln p(X | θ̂) the log-likelihood there, as in mclust.

A fit that collapses (:class:`~mixlib.SingularityError`) becomes a row with the
reason instead of an exception: the table then says which models the data
cannot support, which is itself an answer to "which model?".  A fit with a
component sitting on the regulariser (a spurious maximum, whose likelihood
measures ``reg_covar`` rather than the data) is flagged in its row
(``row.spurious``), and :meth:`ModelSelection.best` can leave such fits out.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import as_generator, check_data, check_enough_samples, check_positive_int
from .errors import ConvergenceWarning, SingularityError
from .gmm import COVARIANCE_TYPES, check_covariance_type, fit_gmm, n_parameters
from .prior import ConjugatePrior, check_prior

CRITERIA = ("bic", "aic")
_COLUMNS = ("log_likelihood", "n_parameters", "bic", "aic", "log_posterior", "n_iter")


@dataclass(frozen=True, eq=False)
class CandidateModel:
    """One fit of the grid: a covariance type and a number of components K.

    Attributes
    ----------
    covariance_type : str
    n_components : int
        K.
    log_likelihood : float
        ln p(X | θ̂) at the fitted parameters (NaN if the fit failed).
    n_parameters : int
        P, the free parameters of the model.
    bic, aic : float
        −2 ln p(X | θ̂) + P ln N and −2 ln p(X | θ̂) + 2P (NaN if the fit failed).
    converged : bool
        False if EM stopped at ``max_iter`` before meeting ``tol`` (or failed).
    n_iter : int
        EM iterations of the returned fit (0 if it failed).
    log_posterior : float or None
        ln p(X | θ̂) + ln p(θ̂) when fitted with a prior, else None.
    result : GaussianMixtureResult or None
        The fitted model; None if the fit failed.
    reason : str or None
        Why the fit failed (the SingularityError's message); None if it did not.
    warnings_raised : tuple of str
        Every warning the fit raised other than non-convergence: a component
        sitting on the regulariser, starts that collapsed and were skipped, ….
    on_the_regulariser : tuple of int
        The components k whose Σ_k − reg_covar·I is singular to rounding (judged
        in units of each column's spread, as :func:`~mixlib.fit_gmm`'s warning
        judges it): the regulariser alone holds them up, so the fit is a
        spurious maximum.  Empty for a failed fit or a fit with a prior.
    n_collapsed : int
        How many of the ``n_init`` starts collapsed and were skipped.  The
        returned fit is one of the others, so this says nothing against it.
    """

    covariance_type: str
    n_components: int
    log_likelihood: float
    n_parameters: int
    bic: float
    aic: float
    converged: bool
    n_iter: int
    log_posterior: float | None
    result: object
    reason: str | None
    warnings_raised: tuple = ()
    on_the_regulariser: tuple = ()
    n_collapsed: int = 0

    @property
    def failed(self) -> bool:
        return self.result is None

    @property
    def spurious(self) -> bool:
        """True if some component sits on the regulariser (see ``on_the_regulariser``)."""
        return bool(self.on_the_regulariser)

    def __repr__(self) -> str:
        head = f"CandidateModel({self.covariance_type!r}, K={self.n_components}"
        if self.failed:
            return f"{head}, failed: {self.reason})"
        flag = "" if self.converged else ", not converged"
        flag += ", spurious" if self.spurious else ""
        return f"{head}, ln L={self.log_likelihood:.6g}, P={self.n_parameters}, BIC={self.bic:.6g}{flag})"


@dataclass(frozen=True, eq=False)
class ModelSelection:
    """The table returned by :func:`select_models`: one :class:`CandidateModel` per
    (covariance type, K), ordered by covariance type (as given) and then K."""

    rows: tuple
    n_samples: int
    n_features: int
    covariance_types: tuple
    n_components: tuple
    prior: object

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def row(self, covariance_type: str, n_components: int) -> CandidateModel:
        """The candidate with this covariance type and K."""
        for row in self.rows:
            if row.covariance_type == covariance_type and row.n_components == n_components:
                return row
        raise KeyError(
            f"no fit with covariance_type={covariance_type!r} and n_components={n_components}; the grid has "
            f"types {self.covariance_types} and K in {self.n_components}."
        )

    def best(
        self, criterion: str = "bic", *, skip_spurious: bool = False, skip_unconverged: bool = True
    ) -> CandidateModel:
        """The candidate with the lowest ``criterion`` ("bic" or "aic") among the fits that did not
        fail.  Fits that stopped at ``max_iter`` are left out unless ``skip_unconverged=False``
        (their criterion is not that of a maximum); with ``skip_spurious=True`` fits with a
        component on the regulariser are left out too (``row.spurious``).  Starts that collapsed
        and were skipped (``row.n_collapsed``) do not disqualify a fit."""
        criterion = _check_criterion(criterion)
        if not isinstance(skip_spurious, (bool, np.bool_)) or not isinstance(skip_unconverged, (bool, np.bool_)):
            raise TypeError("skip_spurious and skip_unconverged must be True or False.")
        fitted = [row for row in self.rows if not row.failed]
        if not fitted:
            raise SingularityError("no fit of the grid qualifies: every fit collapsed; see the reasons in the table.")
        qualified = [
            row
            for row in fitted
            if not (skip_unconverged and not row.converged) and not (skip_spurious and row.spurious)
        ]
        if not qualified:
            left_out = []
            if skip_unconverged and any(not row.converged for row in fitted):
                left_out.append("did not converge (raise max_iter, or pass skip_unconverged=False)")
            if skip_spurious and any(row.spurious for row in fitted):
                left_out.append("are spurious (pass skip_spurious=False to accept them)")
            raise ValueError(f"no fit of the grid qualifies: the fits that did not fail {' or '.join(left_out)}.")
        return min(qualified, key=lambda row: getattr(row, criterion))

    def sorted(self, criterion: str = "bic") -> tuple:
        """The candidates from best to worst by ``criterion``; failed fits last."""
        criterion = _check_criterion(criterion)

        def key(row):
            return (row.failed, 0.0 if row.failed else getattr(row, criterion))

        return tuple(sorted(self.rows, key=key))

    def table(self, column: str = "bic") -> np.ndarray:
        """A K × covariance-type array of ``column`` (rows follow ``n_components``, columns
        ``covariance_types``), NaN where the fit failed, like mclust's BIC table."""
        if column not in _COLUMNS:
            raise ValueError(f"column must be one of {', '.join(map(repr, _COLUMNS))}, got {column!r}.")
        out = np.full((len(self.n_components), len(self.covariance_types)), np.nan)
        for row in self.rows:
            value = getattr(row, column)
            if not row.failed and value is not None:
                i = self.n_components.index(row.n_components)
                out[i, self.covariance_types.index(row.covariance_type)] = value
        return out

    def to_text(self, criterion: str = "bic") -> str:
        """The ``criterion`` table as text: K down, covariance types across, the best converged
        fit marked *, fits that stopped before converging marked !, spurious fits (a component
        on the regulariser) marked ?, failed fits shown as "failed"; every warning a fit raised
        is listed under the table."""
        criterion = _check_criterion(criterion)
        name = {"bic": "BIC = −2 ln L + P ln N", "aic": "AIC = −2 ln L + 2P"}[criterion]
        prior = "" if self.prior is None else f", with the prior {self.prior!r}"
        lines = [f"{name} (lower is better), N = {self.n_samples}, D = {self.n_features}{prior}"]
        try:
            best = self.best(criterion)
        except (SingularityError, ValueError):  # nothing qualifies: the notes say why
            best = None
        width = max(14, *(len(t) + 4 for t in self.covariance_types))
        lines.append(f"{'K':>3}" + "".join(f"{t:>{width - 3}}   " for t in self.covariance_types))
        for K in self.n_components:
            cells = []
            for covariance_type in self.covariance_types:
                row = self.row(covariance_type, K)
                if row.failed:
                    cells.append(f"{'failed':>{width - 3}}   ")
                    continue
                marks = ("*" if row is best else "") + ("!" if not row.converged else "")
                marks += "?" if row.spurious else ""
                cells.append(f"{getattr(row, criterion):>{width - 3}.2f}{marks:<3}")
            lines.append(f"{K:>3}" + "".join(cells))
        notes = []
        if best is not None:
            notes.append(f"* best: {best.covariance_type}, K = {best.n_components}")
        if any(not row.converged and not row.failed for row in self.rows):
            notes.append("! stopped at max_iter before meeting tol")
        for row in self.rows:
            where = f"{row.covariance_type}, K = {row.n_components}"
            if row.failed:
                notes.append(f"failed {where}: {row.reason}")
            for message in row.warnings_raised:
                notes.append(f"{'?' if row.spurious else '-'} {where}: {message}")
        return "\n".join(line.rstrip() for line in lines + notes)

    def __repr__(self) -> str:
        return self.to_text()


def select_models(
    X,
    n_components=range(1, 7),
    covariance_types=("spherical", "diag", "tied", "full"),
    *,
    prior=None,
    n_init: int = 5,
    seed=0,
    max_iter: int | None = None,
    tol: float | None = None,
    reg_covar: float | None = None,
) -> ModelSelection:
    """Fit a Gaussian mixture for every covariance type and K, and tabulate the fits.

    Parameters
    ----------
    X : array (N, D)
    n_components : int or iterable of int
        The values of K to try.
    covariance_types : iterable of "spherical", "diag", "tied", "full"
    prior : None, "default" or ConjugatePrior
        Passed to :func:`~mixlib.fit_gmm`: None fits by maximum likelihood, "default"
        uses :func:`mixlib.prior.default_prior` for each K and type (as mclust's
        ``priorControl()``), a ConjugatePrior is used for every fit (its scale must
        then suit every covariance type asked for).
    n_init : int
        EM runs from different k-means++ starts per fit; the best is kept.
    seed : None, int or numpy Generator
        With an int, each (type, K) fit has its own stream derived from (seed, K, type),
        so a fit does not depend on which other fits the grid holds.
    max_iter, tol, reg_covar : optional
        Passed to :func:`~mixlib.fit_gmm`; None keeps its defaults.

    Returns
    -------
    ModelSelection
        One row per (type, K) with log-likelihood, parameter count, BIC, AIC,
        convergence, the warnings raised and the components on the regulariser;
        fits that raised SingularityError are rows with the reason.
        A single :class:`~mixlib.ConvergenceWarning` lists the fits that stopped at
        ``max_iter``.
    """
    X = check_data(X)
    N, D = X.shape
    Ks = _check_n_components(n_components)
    check_enough_samples(X, max(Ks))
    types = _check_covariance_types(covariance_types)
    if prior is not None and not (isinstance(prior, str) and prior == "default"):
        if not isinstance(prior, ConjugatePrior):
            raise TypeError(f"prior must be None, 'default' or a ConjugatePrior, got {prior!r}.")
        for covariance_type in types:
            check_prior(prior, D, covariance_type)
    n_init = check_positive_int(n_init, "n_init")
    options = {"n_init": n_init}
    for name, value in (("max_iter", max_iter), ("tol", tol), ("reg_covar", reg_covar)):
        if value is not None:
            options[name] = value
    if prior is not None:
        options["prior"] = prior
    streams = _seed_streams(seed)

    rows = []
    for covariance_type in types:
        for K in Ks:
            rng = streams(K, covariance_type)
            rows.append(_fit_candidate(X, K, covariance_type, rng, options))
    unconverged = [
        f"{row.covariance_type} K={row.n_components}" for row in rows if not row.failed and not row.converged
    ]
    if unconverged:
        warnings.warn(
            f"{len(unconverged)} of {len(rows)} fits stopped at max_iter before meeting tol "
            f"({', '.join(unconverged)}); their rows have converged=False. Raise max_iter or loosen tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return ModelSelection(
        rows=tuple(rows),
        n_samples=N,
        n_features=D,
        covariance_types=types,
        n_components=Ks,
        prior=prior,
    )


def _fit_candidate(X, K, covariance_type, rng, options):
    N, D = X.shape
    P = n_parameters(K, D, covariance_type)
    caught = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit_gmm(X, K, covariance_type=covariance_type, seed=rng, **options)
    except SingularityError as error:
        nan = float("nan")
        passed_on = _pass_on(caught, covariance_type, K)
        return CandidateModel(covariance_type, K, nan, P, nan, nan, False, 0, None, None, str(error), passed_on)
    on_floor = _components_on_the_regulariser(X, result)
    ll = float(result.log_likelihood)
    log_posterior = getattr(result, "log_posterior", None)
    return CandidateModel(
        covariance_type=covariance_type,
        n_components=K,
        log_likelihood=ll,
        n_parameters=P,
        bic=-2.0 * ll + P * np.log(N),
        aic=-2.0 * ll + 2.0 * P,
        converged=bool(result.converged),
        n_iter=int(result.n_iter),
        log_posterior=None if log_posterior is None or options.get("prior") is None else float(log_posterior),
        result=result,
        reason=None,
        warnings_raised=_pass_on(caught, covariance_type, K),
        on_the_regulariser=on_floor,
        n_collapsed=int(result.n_collapsed),
    )


def _components_on_the_regulariser(X, result):
    """The k whose Σ_k − ρI, the scatter the data gave the component, is singular to rounding,
    in units of each column's spread (the test behind fit_gmm's SingularityWarning)."""
    if result.reg_covar == 0:
        return ()
    D = X.shape[1]
    spread = X.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    scatter = (result.covariances - result.reg_covar * np.eye(D)) / np.outer(spread, spread)
    eigenvalues = np.linalg.eigvalsh(scatter)
    on_floor = eigenvalues[:, 0] <= 1e3 * np.finfo(float).eps * eigenvalues[:, -1]
    return tuple(int(k) for k in np.flatnonzero(on_floor))


def _pass_on(caught, covariance_type, K):
    """Re-issue a fit's warnings naming the fit, and return their messages.  Non-convergence
    is left out: it is a column of the table, reported once for the whole grid."""
    messages = []
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            continue
        message = str(warning.message)
        messages.append(message)
        where = f"covariance_type={covariance_type!r}, K={K}"
        warnings.warn(f"{where}: {message}", warning.category, stacklevel=4)
    return tuple(messages)


def _seed_streams(seed):
    rng = as_generator(seed)  # the checks; an int seed then gets one stream per fit
    if seed is None or isinstance(seed, np.random.Generator):
        return lambda K, covariance_type: rng

    def stream(K, covariance_type):
        return np.random.default_rng([int(seed), K, COVARIANCE_TYPES.index(covariance_type)])

    return stream


def _check_n_components(n_components):
    if isinstance(n_components, numbers.Integral) and not isinstance(n_components, bool):
        n_components = [n_components]
    try:
        values = list(n_components)
    except TypeError:
        raise TypeError(
            f"n_components must be an int or an iterable of ints such as range(1, 7), got {n_components!r}."
        ) from None
    if not values:
        raise ValueError("n_components is empty; give at least one number of components, e.g. range(1, 7).")
    return tuple(sorted({check_positive_int(K, "each n_components") for K in values}))


def _check_covariance_types(covariance_types):
    if isinstance(covariance_types, str):
        covariance_types = (covariance_types,)
    types = tuple(dict.fromkeys(covariance_types))
    if not types:
        names = ", ".join(map(repr, COVARIANCE_TYPES))
        raise ValueError(f"covariance_types is empty; give at least one of {names}.")
    for covariance_type in types:
        check_covariance_type(covariance_type)
    return types


def _check_criterion(criterion):
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be 'bic' or 'aic', got {criterion!r}.")
    return criterion
