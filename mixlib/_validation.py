"""Argument checks shared by every public function.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the
argument and says how to fix it, so that bad input never becomes a silent NaN.
The checks of mixture parameters live here, once:

- :func:`check_data` for a data matrix X;
- :func:`float_array` for any real numeric array (complex, strings and objects
  are refused rather than cast);
- :func:`check_weights`, :func:`check_means`, :func:`check_covariances` and
  their composition :func:`check_parameters` for (π, μ, Σ);
- :func:`check_distributions` for rows that are distributions (responsibilities
  γ(z_nk), or any q_nk);
- :func:`check_positive_int`, :func:`check_nonnegative_float`,
  :func:`as_generator` for scalar options.

"Sums to 1" is judged everywhere with one relative tolerance,
:data:`SUM_TOLERANCE`, loose enough for float32 input and tight enough that a
forgotten normalisation is caught.
"""

from __future__ import annotations

import numbers

import numpy as np

SUM_TOLERANCE = 1e-6
"""Relative tolerance for "sums to 1" (weights, and each row of responsibilities)."""


def check_data(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite float array of shape (N, D), N >= 1, D >= 1."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array of shape (N, D), not a string.")
    try:
        X = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array of shape (N, D): {exc}") from None
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(
            f"{name} must hold numbers, but its dtype is {X.dtype}; "
            f"convert it first, e.g. np.asarray({name}, dtype=float)."
        )
    if np.issubdtype(X.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, but it is complex.")
    if X.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D with shape (N, D), but it is 1-D with shape {X.shape}; "
            f"for one feature use {name}.reshape(-1, 1), for one sample {name}.reshape(1, -1)."
        )
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D with shape (N, D), but it has shape {X.shape}.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); it needs at least one sample and one feature.")
    X = X.astype(float, copy=False)
    if not np.all(np.isfinite(X)):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]}); "
            f"remove or impute those entries before fitting."
        )
    return X


def real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array, refusing strings, objects and complex numbers
    (``np.asarray(z, dtype=float)`` would silently drop an imaginary part, and a
    string would leak numpy's own error).  Finiteness is not checked."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, not the string {value!r}.")
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, but its dtype is {array.dtype}.")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, but it is complex.")
    return array.astype(float, copy=False)


def float_array(value, name: str) -> np.ndarray:
    """:func:`real_array`, and every entry finite."""
    array = real_array(value, name)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or inf; every parameter must be finite.")
    return array


def sums_to_one(totals) -> np.ndarray:
    """Whether each total is 1 to the relative tolerance :data:`SUM_TOLERANCE`."""
    return np.abs(np.asarray(totals, dtype=float) - 1.0) <= SUM_TOLERANCE


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int, requiring a positive integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


def check_nonnegative_float(value, name: str) -> float:
    """Return ``value`` as a float, requiring a finite number >= 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a non-negative number, got {value!r}.")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite non-negative number, got {value}.")
    return value


def check_enough_samples(X: np.ndarray, n_components: int, name: str = "n_components") -> None:
    if X.shape[0] < n_components:
        raise ValueError(
            f"{name}={n_components} needs at least {n_components} samples, but X has only "
            f"{X.shape[0]}; use fewer components or more data."
        )


def check_weights(weights) -> np.ndarray:
    """π as a float array of shape (K,), K >= 1, non-negative, summing to 1."""
    weights = float_array(weights, "weights")
    if weights.ndim != 1 or weights.size == 0:
        raise ValueError(f"weights must have shape (K,), but it has shape {weights.shape}.")
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative (they are the mixing coefficients π_k).")
    total = weights.sum()
    if not sums_to_one(total):
        raise ValueError(
            f"weights must sum to 1 (to a relative {SUM_TOLERANCE:g}), but they sum to {float(total)!r}; "
            f"divide them by their sum."
        )
    return weights


def check_means(means, n_components: int | None = None, n_features: int | None = None) -> np.ndarray:
    """μ as a float array of shape (K, D), K >= 1; a 1-D array is one mean when K = 1."""
    means = float_array(means, "means")
    if means.ndim == 1 and n_components == 1:
        means = means[None, :]
    if means.ndim != 2 or means.shape[0] == 0 or means.shape[1] == 0:
        K = "K" if n_components is None else n_components
        raise ValueError(
            f"means must have shape (K, D) with at least one component, one row per component"
            f"{'' if n_components is None else f' (K = {K})'}, but it has shape {means.shape}."
        )
    if n_components is not None and means.shape[0] != n_components:
        raise ValueError(
            f"means must have shape (K, D) = ({n_components}, D) to match the {n_components} weights, "
            f"but it has shape {means.shape}."
        )
    if n_features is not None and means.shape[1] != n_features:
        raise ValueError(
            f"means have dimension D = {means.shape[1]}, but X has {n_features} features; "
            f"the parameters must match the data's dimension."
        )
    return means


def check_covariances(covariances, n_components: int, n_features: int) -> np.ndarray:
    """Σ as a float array of shape (K, D, D) of symmetric positive definite matrices."""
    K, D = n_components, n_features
    covariances = float_array(covariances, "covariances")
    if covariances.shape != (K, D, D):
        raise ValueError(
            f"covariances must have shape (K, D, D) = ({K}, {D}, {D}), but it has shape "
            f"{covariances.shape}; pass full matrices even for diagonal or spherical models."
        )
    scale = np.abs(covariances).max(axis=(1, 2), keepdims=True)
    asymmetry = np.abs(covariances - np.swapaxes(covariances, 1, 2))
    if np.any(asymmetry > 1e-8 * scale):
        raise ValueError("covariances must be symmetric matrices.")
    try:
        np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError:
        for k in range(K):
            try:
                np.linalg.cholesky(covariances[k])
            except np.linalg.LinAlgError:
                raise ValueError(
                    f"covariances[{k}] is not positive definite; add a small multiple of the "
                    f"identity (e.g. 1e-6 * np.eye({D})) or start from the data's covariance."
                ) from None
    return covariances


def check_parameters(weights, means, covariances, n_features: int | None = None):
    """Validate mixture parameters (π, μ, Σ) and return them as float arrays.

    ``weights`` has shape (K,), is non-negative and sums to 1; ``means`` has
    shape (K, D); ``covariances`` has shape (K, D, D) and each matrix is
    symmetric positive definite.  If ``n_features`` is given, D must equal it.
    """
    weights = check_weights(weights)
    means = check_means(means, len(weights), n_features)
    covariances = check_covariances(covariances, *means.shape)
    return weights, means, covariances


def check_distributions(q, name: str, n_samples: int | None = None, n_components: int | None = None):
    """Rows of distributions over K outcomes: an (N, K) float array, finite,
    non-negative, each row summing to 1.  A 1-D array is one row, unless
    ``n_samples`` is given (then the shape must be exactly (n_samples, K))."""
    q = real_array(q, name)
    if q.ndim == 1 and n_samples is None:
        q = q[None, :]
    if q.ndim != 2 or q.shape[1] == 0 or (n_samples is not None and q.shape[0] != n_samples) or q.size == 0:
        rows = "one per point of X" if n_samples is None else f"with N = {n_samples} rows, one per point of X"
        raise ValueError(f"{name} must have shape (N, K) {rows}, but it has shape {q.shape}.")
    if n_components is not None and q.shape[1] != n_components:
        raise ValueError(f"{name} must have K = {n_components} columns, one per component, but it has {q.shape[1]}.")
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise ValueError(f"{name} must be finite and non-negative.")
    if not np.all(sums_to_one(q.sum(axis=1))):
        raise ValueError(
            f"each row of {name} must sum to 1 (a distribution over the K components; "
            f"normalise over components, axis=1)."
        )
    return q


def as_generator(seed) -> np.random.Generator:
    """Turn ``seed`` (None, a non-negative int or a Generator) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}.")
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, an int or a numpy Generator, got {seed!r}.")


def frozen(array: np.ndarray) -> np.ndarray:
    """A read-only view, so that results stay the immutable records they claim to be."""
    view = np.asarray(array).view()
    view.flags.writeable = False
    return view
