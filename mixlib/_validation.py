"""Argument checks shared by every public function.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the
argument and says how to fix it, so that bad input never becomes a silent NaN.
"""
from __future__ import annotations

import numbers

import numpy as np


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


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int, requiring a positive integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} of type {type(value).__name__}.")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


def check_nonnegative_float(value, name: str) -> float:
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


def check_parameters(weights, means, covariances, n_features: int | None = None):
    """Validate mixture parameters (π, μ, Σ) and return them as float arrays.

    ``weights`` has shape (K,), is non-negative and sums to 1; ``means`` has
    shape (K, D); ``covariances`` has shape (K, D, D) and each matrix is
    symmetric positive definite.  If ``n_features`` is given, D must equal it.
    """
    weights = _float_array(weights, "weights")
    means = _float_array(means, "means")
    covariances = _float_array(covariances, "covariances")
    if weights.ndim != 1 or weights.size == 0:
        raise ValueError(f"weights must have shape (K,), but it has shape {weights.shape}.")
    K = weights.shape[0]
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative (they are the mixing coefficients π_k).")
    total = weights.sum()
    if not np.isclose(total, 1.0, rtol=0, atol=1e-8):
        raise ValueError(
            f"weights must sum to 1, but they sum to {total:.6g}; divide them by their sum."
        )
    if means.ndim == 1 and K == 1:
        means = means[None, :]
    if means.ndim != 2 or means.shape[0] != K:
        raise ValueError(
            f"means must have shape (K, D) = ({K}, D) to match the {K} weights, "
            f"but it has shape {means.shape}."
        )
    D = means.shape[1]
    if n_features is not None and D != n_features:
        raise ValueError(
            f"means have dimension D = {D}, but X has {n_features} features; "
            f"the parameters must match the data's dimension."
        )
    if covariances.shape != (K, D, D):
        raise ValueError(
            f"covariances must have shape (K, D, D) = ({K}, {D}, {D}), but it has shape "
            f"{covariances.shape}; pass full matrices even for diagonal or spherical models."
        )
    if not np.allclose(covariances, np.swapaxes(covariances, 1, 2), rtol=1e-8, atol=1e-12):
        raise ValueError("covariances must be symmetric matrices.")
    for k in range(K):
        try:
            np.linalg.cholesky(covariances[k])
        except np.linalg.LinAlgError:
            raise ValueError(
                f"covariances[{k}] is not positive definite; add a small multiple of the "
                f"identity (e.g. 1e-6 * np.eye({D})) or start from the data's covariance."
            ) from None
    return weights, means, covariances


def _float_array(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or inf; every parameter must be finite.")
    return array


def as_generator(seed) -> np.random.Generator:
    """Turn ``seed`` (None, an int or a Generator) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, an int or a numpy Generator, got {seed!r}.")


def frozen(array: np.ndarray) -> np.ndarray:
    """A read-only view, so that results stay the immutable records they claim to be."""
    view = np.asarray(array).view()
    view.flags.writeable = False
    return view
