"""Data sets for the book: Old Faithful, synthetic blobs, and standardisation."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np

from ._validation import as_generator, check_data, check_nonnegative_float, check_positive_int

FAITHFUL_COLUMNS = ("eruptions", "waiting")


def load_faithful() -> np.ndarray:
    """Old Faithful: 272 eruptions of the geyser in Yellowstone National Park.

    Returns
    -------
    X : ndarray of shape (272, 2)
        Column 0 is the eruption time and column 1 the waiting time until the
        next eruption, both in minutes.  The rows are those of R's
        ``datasets::faithful`` (Härdle, 1991), the data of Bishop's chapter 9.
    """
    with resources.files("mixlib").joinpath("faithful.csv").open("r", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([[float(row[c]) for c in FAITHFUL_COLUMNS] for row in rows])


def make_blobs(n_samples: int, weights, means, covariances, *, seed=None):
    """Draw ``n_samples`` points from a Gaussian mixture, keeping the true labels.

    A thin, validated wrapper around :func:`mixlib.gmm.sample` for making
    synthetic data sets whose answer is known.

    Returns
    -------
    X : ndarray of shape (n_samples, D)
    labels : ndarray of shape (n_samples,)
        The component k each point was drawn from.
    """
    from .gmm import sample

    return sample(n_samples, weights, means, covariances, seed=seed)


def random_blobs(n_samples: int, n_components: int, n_features: int = 2, *, spread: float = 5.0, seed=None):
    """Well-separated synthetic blobs with random centres and random covariances.

    Centres are uniform in a cube of side ``2 * spread``; each covariance is
    A Aᵀ + 0.1 I where A has independent N(0, 0.5²) entries; weights are uniform.  Returns
    ``(X, labels, (weights, means, covariances))`` so the truth can be compared
    with a fit.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    K = check_positive_int(n_components, "n_components")
    D = check_positive_int(n_features, "n_features")
    spread = check_nonnegative_float(spread, "spread")
    rng = as_generator(seed)
    means = rng.uniform(-spread, spread, size=(K, D))
    A = rng.normal(scale=0.5, size=(K, D, D))
    covariances = A @ np.swapaxes(A, 1, 2) + 0.1 * np.eye(D)
    weights = np.full(K, 1.0 / K)
    X, labels = make_blobs(n_samples, weights, means, covariances, seed=rng)
    return X, labels, (weights, means, covariances)


def standardise(X):
    """Centre each column and scale it to unit standard deviation.

    x'_nd = (x_nd − mean_d) / sd_d with the population standard deviation
    (ddof = 0).  Returns ``(X_standardised, mean, sd)`` so the transform can be
    undone: ``X = X_standardised * sd + mean``.  The deviations are divided by
    their largest absolute value before they are squared, so columns of any
    magnitude (1e-200 or 1e200) give a finite result.
    """
    X = check_data(X)
    constant = np.ptp(X, axis=0) == 0  # exact, unlike sd == 0 after rounding in the mean
    if np.any(constant):
        column = int(np.flatnonzero(constant)[0])
        raise ValueError(f"column {column} of X is constant, so it cannot be scaled to unit variance; drop it.")
    mean = X.mean(axis=0)
    deviations = X - mean
    largest = np.abs(deviations).max(axis=0)
    sd = largest * (deviations / largest).std(axis=0)
    return deviations / sd, mean, sd


def load_digits(threshold: int | None = 8):
    """The 1,797 handwritten digits of the UCI optical-recognition test set (Alpaydin and
    Kaynak, 1998, doi:10.24432/C50P49; CC BY 4.0), as distributed with scikit-learn.

    Each image is 8 × 8 pixels, stored row by row; a pixel is the number 0..16 of
    "on" cells in a 4 × 4 block of the original 32 × 32 bitmap.

    Parameters
    ----------
    threshold : int in 1..16, or None
        A pixel becomes 1 when its count is at least ``threshold`` (8: at least half of
        its block is on) and 0 otherwise; ``None`` returns the counts.

    Returns
    -------
    X : ndarray of shape (1797, 64)
        Binary (0.0 or 1.0) images, or the counts 0..16 for ``threshold=None``.
    labels : ndarray of shape (1797,)
        The digit 0..9 each image shows.
    """
    import gzip

    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or not 1 <= threshold <= 16:
            raise ValueError(
                f"threshold must be an integer from 1 to 16 (the pixels are counts 0..16), or None for "
                f"the counts themselves, got {threshold!r}."
            )
    with resources.files("mixlib").joinpath("digits.csv.gz").open("rb") as raw:
        with gzip.open(raw, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    counts, labels = table[:, :64], table[:, 64]
    if threshold is None:
        return counts.astype(float), labels
    return (counts >= threshold).astype(float), labels
