"""K-means: Lloyd's alternation of assignments and centre updates.

The distortion being minimised is

    J = Σ_n Σ_k r_nk ‖x_n − μ_k‖²,

with r_nk ∈ {0, 1} and Σ_k r_nk = 1 (each point x_n is assigned to exactly one
centre μ_k).  Minimising J over the r_nk with the μ_k fixed assigns each point to
its nearest centre; minimising over the μ_k with the r_nk fixed puts each
centre at the mean of its points.  Neither half-step can raise J, so the
alternation stops after finitely many steps, at a local minimum.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ._validation import (
    as_generator,
    check_data,
    check_enough_samples,
    check_positive_int,
    frozen,
)


@dataclass(frozen=True)
class KMeansStep:
    """One entry of a k-means run's history.

    ``step`` is ``"init"`` (the starting centres, no assignment yet),
    ``"assign"`` (the r_nk were just updated: the E-like half-step) or
    ``"update"`` (the μ_k were just moved: the M-like half-step).
    """

    step: str
    centers: np.ndarray
    labels: np.ndarray | None
    data: np.ndarray = field(repr=False, compare=False)

    @cached_property
    def distortion(self) -> float | None:
        """J at this step's centres and labels (None before the first assignment).

        Computed when first asked for, so that a long run on a large data set
        does not pay for a trace nobody reads."""
        if self.labels is None:
            return None
        return _distortion(self.data, self.centers, self.labels)


@dataclass(frozen=True)
class KMeansResult:
    """The outcome of :func:`kmeans`.

    Attributes
    ----------
    centers : ndarray (K, D)
        The centres μ_k, each the mean of the points assigned to it.
    labels : ndarray (N,)
        The index k of the centre each point is assigned to (r_nk = 1).
    distortion : float
        J at the returned centres and labels.
    history : tuple of KMeansStep
        The starting centres, then the state after every half-step.
    n_iter : int
        The number of assignment-plus-update rounds performed.
    converged : bool
        True if the assignments stopped changing before ``max_iter``.
    """

    centers: np.ndarray
    labels: np.ndarray
    distortion: float
    history: tuple
    n_iter: int
    converged: bool

    @property
    def distortions(self) -> np.ndarray:
        """J after every half-step (the trace that never rises)."""
        return np.array([s.distortion for s in self.history if s.distortion is not None])


def squared_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """‖x_n − μ_k‖² for every n and k, as an (N, K) array.

    Expanded as ‖x_n‖² − 2 x_nᵀμ_k + ‖μ_k‖² so that the work is one matrix
    product rather than an (N, K, D) array of differences.
    """
    d2 = X @ (-2.0 * centers.T)
    d2 += np.einsum("nd,nd->n", X, X)[:, None]
    d2 += np.einsum("kd,kd->k", centers, centers)[None, :]
    np.maximum(d2, 0.0, out=d2)  # rounding can make a tiny distance negative
    return d2


def distortion(X, centers, labels) -> float:
    """The k-means objective J = Σ_n ‖x_n − μ_{k(n)}‖², where k(n) is x_n's label."""
    X = check_data(X)
    return _distortion(X, np.asarray(centers, dtype=float), np.asarray(labels))


def _distortion(X, centers, labels) -> float:
    return float(np.sum((X - centers[labels]) ** 2))


def kmeans_plusplus(X, n_clusters: int, *, seed=None) -> np.ndarray:
    """Choose starting centres by k-means++ (Arthur and Vassilvitskii, 2007).

    The first centre is a data point chosen uniformly; each further centre is
    a data point chosen with probability proportional to its squared distance
    to the nearest centre chosen so far.
    """
    X = check_data(X)
    K = check_positive_int(n_clusters, "n_clusters")
    check_enough_samples(X, K, "n_clusters")
    rng = as_generator(seed)
    N = X.shape[0]
    centers = np.empty((K, X.shape[1]))
    centers[0] = X[rng.integers(N)]
    closest = squared_distances(X, centers[:1])[:, 0]
    for k in range(1, K):
        total = closest.sum()
        if total > 0:
            index = rng.choice(N, p=closest / total)
        else:  # every point already sits on a centre: any choice is as good
            index = rng.integers(N)
        centers[k] = X[index]
        np.minimum(closest, squared_distances(X, centers[k : k + 1])[:, 0], out=closest)
    return centers


def kmeans(X, n_clusters: int, *, init="k-means++", max_iter: int = 300, seed=None) -> KMeansResult:
    """Cluster X into K groups by Lloyd's algorithm, minimising the distortion J.

    Alternates the two half-steps until the assignments stop changing:

    1. assignment: r_nk = 1 if k = argmin_j ‖x_n − μ_j‖², else 0;
    2. update:     μ_k = Σ_n r_nk x_n / Σ_n r_nk.

    Parameters
    ----------
    X : array of shape (N, D)
    n_clusters : int
        K, the number of clusters.
    init : "k-means++", "random" or array of shape (K, D)
        "k-means++" spreads the starting centres out (see
        :func:`kmeans_plusplus`); "random" picks K distinct data points;
        an array gives the starting centres explicitly.
    max_iter : int
        The largest number of assignment-plus-update rounds.
    seed : None, int or numpy Generator
        Randomness for the initialisation.

    Notes
    -----
    Empty clusters.  If an assignment leaves cluster k with no points, its
    mean is undefined.  The rule used here: move μ_k onto the point that is
    farthest from its own centre (the point contributing most to J) and
    assign that point to k.  This never raises J, and several empty clusters
    take the farthest points in turn.
    """
    X = check_data(X)
    K = check_positive_int(n_clusters, "n_clusters")
    check_enough_samples(X, K, "n_clusters")
    max_iter = check_positive_int(max_iter, "max_iter")
    rng = as_generator(seed)
    centers = _initial_centers(X, K, init, rng)

    history = [KMeansStep("init", frozen(centers.copy()), None, X)]
    label_type = np.min_scalar_type(K - 1)  # the history keeps a copy of the labels per half-step
    r = None
    converged = False
    n_iter = 0
    # ‖x_n − μ_k‖² = ‖x_n‖² − 2 μ_kᵀx_n + ‖μ_k‖².  The first term is the same for
    # every k, so the nearest centre minimises the other two: one matrix product of
    # the rows (−2μ_k, ‖μ_k‖²) with the columns (x_n, 1).
    points_and_one = np.vstack([X.T, np.ones(X.shape[0])])
    for _ in range(max_iter):
        centre_terms = np.column_stack([-2.0 * centers, np.einsum("kd,kd->k", centers, centers)])
        new_r = _assign(centre_terms @ points_and_one)
        if r is not None and np.array_equal(new_r, r):
            converged = True
            break
        r = new_r
        history.append(KMeansStep("assign", frozen(centers.copy()), frozen(_labels(r, label_type)), X))
        centers, r = _update_centers(X, r, centers, points_and_one)
        n_iter += 1
        history.append(KMeansStep("update", frozen(centers.copy()), frozen(_labels(r, label_type)), X))
    labels = _labels(r, np.intp)
    return KMeansResult(
        centers=frozen(centers),
        labels=frozen(labels),
        distortion=_distortion(X, centers, labels),
        history=tuple(history),
        n_iter=n_iter,
        converged=converged,
    )


def _assign(scores):
    """The assignment half-step: r_nk as a K × N boolean matrix, r_nk = 1 for the
    centre k with the smallest score for point n (the first such k on a tie)."""
    r = scores == scores.min(axis=0)
    if np.count_nonzero(r) != r.shape[1]:  # a point exactly as near to two centres
        tied = np.flatnonzero(r.sum(axis=0) > 1)
        r[:, tied] = False
        r[np.argmin(scores[:, tied], axis=0), tied] = True
    return r


def _labels(r, dtype):
    """k(n), the k with r_nk = 1, for every point: the one non-zero term of Σ_k k r_nk."""
    return np.einsum("k,kn->n", np.arange(r.shape[0], dtype=dtype), r.view(np.uint8), dtype=dtype)


def _update_centers(X, r, centers, points_and_one):
    """The update half-step μ_k = Σ_n r_nk x_n / Σ_n r_nk, with the empty-cluster rule
    of :func:`kmeans`.  Returns the centres and the (possibly amended) r.

    One matrix product gives both sums: r times the columns (x_n, 1) is
    (Σ_n r_nk x_n, Σ_n r_nk)."""
    K = centers.shape[0]
    totals = r.astype(float) @ points_and_one.T
    if np.any(totals[:, -1] == 0):
        labels = _labels(r, np.intp)
        own = np.sum((X - centers[labels]) ** 2, axis=1)
        for k in np.flatnonzero(totals[:, -1] == 0):
            # Take the point that is served worst; never strip a cluster of its last point.
            counts_now = np.bincount(labels, minlength=K)
            candidates = np.argsort(own)[::-1]
            n = next(n for n in candidates if counts_now[labels[n]] > 1)
            labels[n] = k
            own[n] = 0.0
        r = labels == np.arange(K)[:, None]
        totals = r.astype(float) @ points_and_one.T
    return totals[:, :-1] / totals[:, -1:], r


def _initial_centers(X, K, init, seed):
    if isinstance(init, str):
        if init == "k-means++":
            return kmeans_plusplus(X, K, seed=seed)
        if init == "random":
            rng = as_generator(seed)
            return X[rng.choice(X.shape[0], size=K, replace=False)].copy()
        raise ValueError(f"init must be 'k-means++', 'random' or an array of K centres, got {init!r}.")
    try:
        centers = np.array(init, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"init must be 'k-means++', 'random' or an array of K centres, got {init!r}.") from None
    if centers.shape != (K, X.shape[1]):
        raise ValueError(
            f"init centres must have shape (n_clusters, D) = ({K}, {X.shape[1]}), but have shape {centers.shape}."
        )
    if not np.all(np.isfinite(centers)):
        raise ValueError("init centres contain NaN or inf.")
    return centers
