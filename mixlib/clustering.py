"""K-means: Lloyd's alternation of assignments and centre updates.

The distortion being minimised is

    J = Σ_n Σ_k r_nk ‖x_n − μ_k‖²,

with r_nk ∈ {0, 1} and Σ_k r_nk = 1 (each point x_n is assigned to exactly one
centre μ_k).  The code keeps the r_nk as a label vector: k(n) is the k with
r_nk = 1, so J = Σ_n ‖x_n − μ_{k(n)}‖².  Minimising J over the labels with the
μ_k fixed assigns each point to its nearest centre; minimising over the μ_k
with the labels fixed puts each centre at the mean of its points.  Neither
half-step can raise J.  With ties broken by a fixed rule (here the lowest
index) and no repeated points, J after each round falls strictly, except
possibly in the last round, so no assignment comes back and the alternation
stops after finitely many rounds, at a fixed point of both half-steps.  Such a
fixed point is a local minimum of J as a function of the centres when no point
is equidistant from two centres, but not always otherwise: from the centres
−0.5 and 4.5, the points −3, 2, 4, 5 stop at J = 13 with 2 on the first centre,
and moving the second centre a little to the left lowers J.

J does not depend on where the origin is, and neither does anything computed
here: the data are centred on their mean before any distance is taken (as
scikit-learn does), and centres are reported in the caller's coordinates.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_generator,
    check_data,
    check_enough_samples,
    check_positive_int,
    frozen,
)
from .errors import ConvergenceWarning

INITS = ("k-means++", "random")


@dataclass(frozen=True)
class KMeansStep:
    """One entry of a k-means run's history.

    ``step`` is ``"init"`` (the starting centres, no assignment yet),
    ``"assign"`` (the labels were just updated: the E-like half-step) or
    ``"update"`` (the μ_k were just moved: the M-like half-step).
    ``distortion`` is J at this entry's centres and labels (None for ``"init"``).
    """

    step: str
    centers: np.ndarray
    labels: np.ndarray | None
    distortion: float | None = None


@dataclass(frozen=True)
class KMeansResult:
    """The outcome of :func:`kmeans`.

    Attributes
    ----------
    centers : ndarray (K, D)
        The centres μ_k.
    labels : ndarray (N,)
        The index k(n) of the centre each point is assigned to (r_nk = 1).
    distortion : float
        J at the returned centres and labels.
    history : tuple of KMeansStep
        The starting centres, then the state after every half-step carried out;
        the final assignment, which repeats an earlier one and so ends the run, is
        not recorded.  The last entry is the returned state.  Empty if the run was
        asked not to keep it.
    n_iter : int
        The number of assignment-plus-update rounds performed.
    converged : bool
        True if, within ``max_iter`` rounds, the assignments stopped changing or
        repeated an earlier assignment (a cycle of ties, possible only with points
        equidistant from two centres).
    distortions : ndarray
        J after every half-step (the trace that never rises), kept with or
        without the history.

    A converged run is a fixed point: each label is a nearest centre of its
    point (the first one on a tie) and each centre is the mean of its points.
    The exception is a run whose centres coincide because of repeated points
    (see the Notes of :func:`kmeans`): it stops when the empty-cluster rule's
    amended assignment repeats the one before, so each centre is still the mean
    of its points and each label a nearest centre, but not always the first
    one.  A run stopped by
    ``max_iter`` ends with one more assignment half-step, so that the labels
    are the nearest centres of the returned centres (which are then not yet the
    means of their points) and J is computed from both.
    """

    centers: np.ndarray
    labels: np.ndarray
    distortion: float
    history: tuple
    n_iter: int
    converged: bool
    distortions: np.ndarray


def squared_distances(X, centers) -> np.ndarray:
    """‖x_n − μ_k‖² for every n and k, as an (N, K) array.

    Expanded about m, the mean of the centres, as
    ‖x_n − m‖² − 2 (x_n − m)ᵀ(μ_k − m) + ‖μ_k − m‖², so that the work is one
    matrix product rather than an (N, K, D) array of differences.  Taking the
    expansion about the centres' mean, not about the origin, keeps the
    cancellation between the three terms at the scale of the distances
    themselves, wherever the data sit.
    """
    X = check_data(X)
    centers = _as_centers(centers, X.shape[1], "centers")
    m = centers.mean(axis=0)
    return np.maximum(_squared_distances(X - m, centers - m), 0.0)


def _squared_distances(X, centers):
    """The expansion of :func:`squared_distances` for data already centred near the centres.

    Rounding can leave a distance of about −1e-16 ‖x_n‖²; callers that expose one clip it."""
    # Built as K rows of N so that each sum runs along the long axis; returned as its (N, K) transpose.
    d2 = (-2.0 * centers) @ X.T
    d2 += np.einsum("nd,nd->n", X, X)
    d2 += np.einsum("kd,kd->k", centers, centers)[:, None]
    return d2.T


def _nearest_centres(d2):
    """k(n) = argmin_k d2[n, k], the first such k on a tie, and min_k d2[n, k], for every n.

    A sweep over the K centres, each claiming the points strictly nearer to it than to
    every earlier centre: K vector operations over N, where np.argmin along the short
    axis would loop over the N rows.  The labels have the smallest integer type that
    holds K − 1, so that those operations move little memory."""
    K = d2.shape[1]
    label_type = np.min_scalar_type(K - 1).type
    labels = np.zeros(d2.shape[0], dtype=label_type)
    nearest = d2[:, 0].copy()
    for k in range(1, K):
        closer = d2[:, k] < nearest  # strictly, so that a tie stays with the earlier centre
        # Every label so far is below k, so this sets the closer points to k, as
        # labels[closer] = k would, without a masked store's cost.
        np.maximum(labels, closer * label_type(k), out=labels)
        np.minimum(nearest, d2[:, k], out=nearest)
    return labels, np.maximum(nearest, 0.0, out=nearest)


def distortion(X, centers, labels) -> float:
    """The k-means objective J = Σ_n ‖x_n − μ_{k(n)}‖², where k(n) is x_n's label."""
    X = check_data(X)
    centers = _as_centers(centers, X.shape[1], "centers")
    labels = _as_labels(labels, X.shape[0], centers.shape[0])
    m = X.mean(axis=0)
    return _distortion(X - m, centers - m, labels)


def _distortion(X, centers, labels) -> float:
    return float(np.sum((X - centers[labels]) ** 2))


def kmeans_plusplus(X, n_clusters: int, *, seed=None) -> np.ndarray:
    """Choose starting centres by greedy k-means++ (Arthur and Vassilvitskii, 2007).

    The first centre is a data point chosen uniformly.  For each further centre,
    2 + ⌊ln K⌋ candidate points are drawn, each with probability proportional to
    its squared distance to the nearest centre chosen so far, and the candidate
    that lowers the potential Σ_n min_k ‖x_n − μ_k‖² the most is kept (the
    greedy variant scikit-learn uses: one draw per centre too often puts two
    centres in one cluster).  Returns the chosen rows of X, in order.
    """
    X = check_data(X)
    K = check_positive_int(n_clusters, "n_clusters")
    check_enough_samples(X, K, "n_clusters")
    rng = as_generator(seed)
    return X[_kmeans_plusplus_indices(X - X.mean(axis=0), K, rng)]


def _kmeans_plusplus_indices(X, K, rng):
    N = X.shape[0]
    n_candidates = 2 + int(np.log(K))
    chosen = [int(rng.integers(N))]
    closest = np.maximum(_squared_distances(X, X[chosen])[:, 0], 0.0)
    for _ in range(1, K):
        cumulative = np.cumsum(closest)
        if cumulative[-1] > 0:
            draws = rng.uniform(size=n_candidates) * cumulative[-1]
            # side="right" never lands on a point of zero weight; the clip guards the rounding of u·total.
            candidates = np.minimum(np.searchsorted(cumulative, draws, side="right"), N - 1)
        else:  # every point already sits on a centre: any other point is as good
            candidates = rng.choice(np.setdiff1d(np.arange(N), chosen), size=1)
        potentials = np.clip(_squared_distances(X, X[candidates]), 0.0, closest[:, None])
        best = int(np.argmin(potentials.sum(axis=0)))
        chosen.append(int(candidates[best]))
        closest = potentials[:, best]
    return np.array(chosen)


def kmeans(
    X, n_clusters: int, *, init="k-means++", n_init: int = 1, max_iter: int = 300, keep_history: bool = True, seed=None
) -> KMeansResult:
    """Cluster X into K groups by Lloyd's algorithm, minimising the distortion J.

    Alternates the two half-steps until the assignments stop changing:

    1. assignment: k(n) = argmin_k ‖x_n − μ_k‖² (the first such k on a tie);
    2. update:     μ_k = Σ_{n : k(n) = k} x_n / N_k, with N_k the number of such n.

    Parameters
    ----------
    X : array of shape (N, D)
    n_clusters : int
        K, the number of clusters.
    init : "k-means++", "random" or array of shape (K, D)
        "k-means++" spreads the starting centres out (see
        :func:`kmeans_plusplus`); "random" picks K distinct data points;
        an array gives the starting centres explicitly.
    n_init : int
        The number of runs from different random starts; the one with the
        lowest J is returned.  The starts are drawn one after another from the
        one generator made from ``seed``.  Must be 1 for explicit centres.
    max_iter : int
        The largest number of assignment-plus-update rounds.  A run that
        reaches it with the assignments still changing warns with a
        :class:`mixlib.ConvergenceWarning`.
    keep_history : bool
        Keep the centres and labels of every half-step in ``history`` (the
        book's explorers replay them).  With False, only the trace of J is
        kept, which matters for large N: the history holds a copy of the
        labels per half-step.
    seed : None, int or numpy Generator
        Randomness for the initialisation.

    Notes
    -----
    Empty clusters.  If an assignment leaves cluster k with no points, its
    mean is undefined.  The rule used here: move μ_k onto the point that is
    farthest from its own centre among the points not alone in their cluster
    (the one of them contributing most to J) and assign that point to k.  This
    never raises J, and several empty clusters take the farthest such points
    in turn.

    Repeated points.  With fewer distinct points than K, some centres must
    coincide; the empty-cluster rule then gives each of them a copy of a
    repeated point, the run stops as soon as that assignment repeats, and a
    ``UserWarning`` says how many distinct clusters were found.
    """
    X = check_data(X)
    K = check_positive_int(n_clusters, "n_clusters")
    check_enough_samples(X, K, "n_clusters")
    n_init = check_positive_int(n_init, "n_init")
    max_iter = check_positive_int(max_iter, "max_iter")
    if not isinstance(keep_history, (bool, np.bool_)):
        raise TypeError(f"keep_history must be True or False, got {keep_history!r}.")
    rng = as_generator(seed)
    origin = X.mean(axis=0)
    # Every distance from here on is taken on centred data; column-major, because the
    # distance expansion and the centre update run down the columns.
    X = np.asfortranarray(X - origin)
    given = _initial_centers(X, K, init, n_init, origin)

    best = None
    for _ in range(n_init):
        start = _random_start(X, K, init, rng) if given is None else given
        run = _lloyd(X, start, max_iter, bool(keep_history), origin)
        if best is None or run[0].distortion < best[0].distortion:
            best = run
    result, clusters_found = best
    if not result.converged:
        warnings.warn(
            f"kmeans stopped at max_iter={max_iter} with the assignments still changing; the labels "
            f"are the nearest centres of the returned centres, which are not yet the means of their "
            f"points. Raise max_iter.",
            ConvergenceWarning,
            stacklevel=2,
        )
    elif clusters_found < K:
        distinct = len(np.unique(X, axis=0))
        reason = (
            f"X has only {distinct} distinct points, so some centres coincide and each holds "
            f"copies of a repeated point; use n_clusters <= {distinct}"
            if distinct < K
            else "some centres coincide"
        )
        warnings.warn(
            f"kmeans found {clusters_found} distinct clusters, fewer than n_clusters={K}: {reason}.",
            UserWarning,
            stacklevel=2,
        )
    return result


def _lloyd(X, centers, max_iter, keep_history, origin):
    """One run of Lloyd's algorithm on centred X from the given (centred) centres.

    Returns the result (centres in the caller's coordinates) and the number of
    centres that are the nearest centre of some point."""
    K = centers.shape[0]
    history, trace = [], []

    def record(step, centers, labels, J):
        # Each round makes new label arrays and never writes to them again, so the
        # history can keep them as they are (in the small integer type of _nearest_centres).
        if J is not None:
            trace.append(J)
        if keep_history:
            kept = None if labels is None else frozen(labels)
            history.append(KMeansStep(step, frozen(centers + origin), kept, J))

    record("init", centers, None, None)
    labels = None
    seen = set()
    n_iter = 0
    converged = False
    while not converged:
        nearest, d2_nearest = _nearest_centres(_squared_distances(X, centers))
        counts = np.bincount(nearest, minlength=K)
        assigned = nearest if np.all(counts) else _fill_empty_clusters(X, nearest, centers, counts)
        # J falls strictly whenever the assignment changes, unless points sit on ties: coinciding
        # centres (repeated points) or centres equal up to rounding can pass points around at
        # equal J. So an assignment that repeats any earlier one ends the run: it is a cycle.
        key = assigned.tobytes()
        converged = labels is not None and (np.array_equal(assigned, labels) or key in seen)
        if converged or n_iter == max_iter:
            break
        seen.add(key)
        J_assigned = float(d2_nearest.sum())
        record("assign", centers, nearest, J_assigned)
        labels = assigned
        if assigned is nearest:
            new_centers = _means(X, labels, counts)
            # Each mean lowers its cluster's J by N_k ‖μ_k^new − μ_k^old‖² (the parallel-axis theorem).
            J_updated = J_assigned - float(counts @ np.sum((new_centers - centers) ** 2, axis=1))
        else:
            new_centers = _means(X, labels, np.bincount(labels, minlength=K))
            J_updated = _distortion(X, new_centers, labels)
        centers = new_centers
        n_iter += 1
        record("update", centers, labels, max(J_updated, 0.0))
    if not converged:  # so that the labels belong to the returned centres
        labels = nearest
        record("assign", centers, labels, float(d2_nearest.sum()))
    clusters_found = int(np.count_nonzero(counts))  # of the last assignment, before any amendment
    result = KMeansResult(
        centers=frozen(centers + origin),
        labels=frozen(labels.astype(np.intp)),
        distortion=_distortion(X, centers, labels),
        history=tuple(history),
        n_iter=n_iter,
        converged=converged,
        distortions=frozen(np.array(trace)),
    )
    return result, clusters_found


def _means(X, labels, counts):
    """The update half-step μ_k = Σ_{n : k(n) = k} x_n / N_k, given every N_k > 0."""
    K = len(counts)
    sums = np.column_stack([np.bincount(labels, weights=column, minlength=K) for column in X.T])
    return sums / counts[:, None]


def _fill_empty_clusters(X, labels, centers, counts):
    """The empty-cluster rule of :func:`kmeans`: each centre that no point chose takes
    the point farthest from its own centre, never the last point of a cluster.
    ``counts`` are the N_k of ``labels``; returns an amended copy of ``labels``."""
    counts = counts.copy()
    empty = np.flatnonzero(counts == 0)
    labels = labels.copy()
    own = np.sum((X - centers[labels]) ** 2, axis=1)
    worst_served_first = iter(np.argsort(-own, kind="stable"))
    for k in empty:
        n = next(n for n in worst_served_first if counts[labels[n]] > 1)
        counts[labels[n]] -= 1
        counts[k] += 1
        labels[n] = k
    return labels


def _initial_centers(X, K, init, n_init, origin):
    """Explicit starting centres, centred like X; None for a random init."""
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init must be 'k-means++', 'random' or an array of K centres, got {init!r}.")
        return None
    centers = _as_centers(init, X.shape[1], "init centres", K=K)
    if n_init > 1:
        raise ValueError(
            f"n_init={n_init} restarts would all begin at the same explicit init centres; "
            f"pass n_init=1, or init='k-means++' to restart from different centres."
        )
    return centers - origin


def _random_start(X, K, init, rng):
    if init == "k-means++":
        return X[_kmeans_plusplus_indices(X, K, rng)]
    return X[rng.choice(X.shape[0], size=K, replace=False)]


def _as_centers(value, D, name, K=None):
    """``value`` as a finite real (K, D) float array, or an error naming ``name``."""
    shape = f"(n_clusters, D) = ({K}, {D})" if K is not None else f"(K, D) with D = {D} (the columns of X)"
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{_kind(name)} must be an array of shape {shape}, got {value!r}.")
    try:
        centers = np.asarray(value)
    except Exception:  # ragged lists and the like
        raise TypeError(f"{_kind(name)} must be an array of shape {shape}, got {value!r}.") from None
    if centers.dtype == object or not (np.issubdtype(centers.dtype, np.number) or centers.dtype == bool):
        raise TypeError(f"{_kind(name)} must be a numeric array of shape {shape}, got dtype {centers.dtype}.")
    if np.issubdtype(centers.dtype, np.complexfloating):
        raise TypeError(
            f"{name} must be real-valued, but they are complex; pass np.real({_kind(name)}) "
            f"if the imaginary parts are zero."
        )
    if centers.ndim != 2 or centers.shape[1] != D or (K is not None and centers.shape[0] != K):
        raise ValueError(f"{name} must have shape {shape}, but have shape {centers.shape}.")
    centers = centers.astype(float)
    if not np.all(np.isfinite(centers)):
        raise ValueError(f"{name} contain NaN or inf; every centre must be finite.")
    return centers


def _kind(name):
    """The argument's name for an error message: 'init centres' is the argument init."""
    return name.split()[0]


def _as_labels(labels, N, K):
    labels = np.asarray(labels)
    if labels.shape != (N,):
        raise ValueError(f"labels must have shape (N,) = ({N},), one per row of X, but have shape {labels.shape}.")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"labels must be integers (the index of each point's centre), but their dtype is {labels.dtype}; "
            f"use labels.astype(int) if they hold whole numbers."
        )
    if labels.min() < 0 or labels.max() >= K:
        raise ValueError(
            f"labels must be integers in 0, …, K − 1 = {K - 1} (one per row of centers), but they range "
            f"from {labels.min()} to {labels.max()}."
        )
    return labels.astype(np.intp, copy=False)
