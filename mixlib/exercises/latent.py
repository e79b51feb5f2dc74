"""Checkers for the exercises on latent variables and responsibilities.

- :func:`check_log_likelihood`: ln p(X | θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k);
- :func:`check_complete_log_likelihood`: ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)};
- :func:`check_sample`: the generative process, z ~ Categorical(π), x ~ N(μ_z, Σ_z);
- :func:`check_log_sum_exp`: ln Σ_k exp(a_nk) for every row n of an (N, K) array.
"""
from __future__ import annotations

import copy

import numpy as np
from scipy.special import logsumexp

from .. import gmm
from ._core import Case, Feedback, Mismatch, as_array, check_function, compare_arrays, compare_scalars

_UNDERFLOW = ("underflow: use log-sum-exp. Far from every component (or with tiny variances) each "
              "π_k N(x_n | μ_k, Σ_k) is smaller than the smallest float and rounds to 0, so its log is "
              "−inf. Work with a_nk = ln π_k + ln N(x_n | μ_k, Σ_k) and compute "
              "ln Σ_k exp(a_nk) = m_n + ln Σ_k exp(a_nk − m_n), with m_n = max_k a_nk.")


def _mixture_cases() -> list[Case]:
    """Mixtures in one, two and three dimensions; the last two defeat a naive sum of densities."""
    rng = np.random.default_rng(20260303)
    X2 = rng.normal(size=(40, 2)) * [1.0, 3.0]
    three = (np.array([0.5, 0.3, 0.2]),
             np.array([[0.0, 0.0], [2.0, 1.0], [-1.0, 3.0]]),
             np.array([np.eye(2), [[2.0, 0.5], [0.5, 1.0]], 0.3 * np.eye(2)]))
    one = (np.array([1.0]), np.array([[0.5, -0.5]]), np.array([[[1.0, 0.3], [0.3, 2.0]]]))
    X1 = np.concatenate([rng.normal(-2.0, 0.5, 15), rng.normal(1.5, 1.0, 25)])[:, None]
    line = (np.array([0.4, 0.6]), np.array([[-2.0], [1.5]]), np.array([[[0.25]], [[1.0]]]))
    X3 = rng.normal(size=(30, 3))
    three_d = (np.array([0.6, 0.4]), np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
               np.array([np.eye(3), np.diag([0.5, 1.0, 2.0])]))
    tiny = (np.array([0.5, 0.5]), np.array([[0.0, 0.0], [0.1, 0.0]]),
            np.array([1e-4 * np.eye(2), 1e-4 * np.eye(2)]))
    X_far = np.vstack([X2[:5], [[60.0, -80.0], [1e3, 1e3]]])
    return [
        Case("three components in 2-D", (X2, *three)),
        Case("one component", (X2, *one)),
        Case("two components in 1-D", (X1, *line)),
        Case("two components in 3-D", (X3, *three_d)),
        Case("tiny variances (1e-4)", (X2, *tiny)),
        Case("points far away from every component", (X_far, *three)),
    ]


def _finite_or_underflow(got, expected) -> None:
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        raise Mismatch(f"you returned {float(np.ravel(got)[0]) if got.size == 1 else 'non-finite values'} "
                       f"but the answer is finite; {_UNDERFLOW}")


# ---------------------------------------------------------------------------
# ln p(X | θ)


def check_log_likelihood(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, which should return the float
    ln p(X | θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k)."""

    def compare(got, expected, case):
        got = as_array(got, "your log-likelihood")
        X, weights, means, covariances = case.args
        N = X.shape[0]
        per_point = gmm.log_density(X, weights, means, covariances)
        if got.shape == (N,) and np.allclose(got, per_point, rtol=1e-6, atol=1e-8):
            raise Mismatch("you returned ln p(x_n) for every point; the log-likelihood is their sum over n.")
        if got.shape == ():
            _finite_or_underflow(got, expected)
            if np.isclose(got, expected / N, rtol=1e-8, atol=1e-10) and N > 1:
                raise Mismatch("your value is the average over the points; the log-likelihood is the sum "
                               "over n, not the mean.")
            K = len(weights)
            unweighted = float(np.sum(gmm.log_density(X, np.full(K, 1.0 / K), means, covariances))
                               + N * np.log(K))
            if K > 1 and np.isclose(got, unweighted, rtol=1e-8, atol=1e-10):
                raise Mismatch("you left out the mixing coefficients: each density N(x_n | μ_k, Σ_k) must "
                               "be weighted by π_k inside the sum over k.")
            outside = float(np.sum(np.log(weights) + gmm.log_gaussian(X, means, covariances)))
            if K > 1 and np.isclose(got, outside, rtol=1e-8, atol=1e-10):
                raise Mismatch("you summed ln(π_k N(x_n | μ_k, Σ_k)) over k: the sum over k belongs "
                               "inside the logarithm, ln Σ_k π_k N(x_n | μ_k, Σ_k).")
        compare_scalars(got, expected, "your log-likelihood")

    return check_function(
        student,
        exercise="log-likelihood",
        cases=_mixture_cases(),
        reference=gmm.log_likelihood,
        compare=compare,
        hint="compute a_nk = ln π_k + ln N(x_n | μ_k, Σ_k) for every n and k (mixlib.gmm.log_gaussian gives "
        "the second term), take a log-sum-exp over k for each n, then sum over n.",
    )


# ---------------------------------------------------------------------------
# ln p(X, Z | θ)


def _complete_log_likelihood(X, Z, weights, means, covariances) -> float:
    a = np.log(weights) + gmm.log_gaussian(X, means, covariances)
    return float(np.sum(Z * a))


def check_complete_log_likelihood(student) -> Feedback:
    """Check ``student(X, Z, weights, means, covariances)``, with Z the (N, K) one-hot labels,
    which should return the float ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)}."""

    cases = []
    for i, case in enumerate(_mixture_cases()):
        X, weights, means, covariances = case.args
        # Labels drawn from the model's own posterior, so they are plausible and not all equal.
        resp = gmm.responsibilities(X, weights, means, covariances)
        rng = np.random.default_rng(i)
        labels = np.array([rng.choice(len(weights), p=row) for row in resp])
        labels[: len(weights)] = np.arange(len(weights))  # every component labels some point
        cases.append(Case(case.name, (X, np.eye(len(weights))[labels], weights, means, covariances)))

    def compare(got, expected, case):
        got = as_array(got, "your complete-data log-likelihood")
        X, Z, weights, means, covariances = case.args
        if got.shape == ():
            if not np.all(np.isfinite(got)) and np.isfinite(expected):
                raise Mismatch(f"you returned {float(got)} but the answer is finite: the product "
                               "Π_n Π_k [π_k N(x_n | μ_k, Σ_k)]^z_nk underflows to 0. Take the logarithm "
                               "first: ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)}.")
            incomplete = gmm.log_likelihood(X, weights, means, covariances)
            if len(weights) > 1 and np.isclose(got, incomplete, rtol=1e-8, atol=1e-10):
                raise Mismatch("your value is the incomplete-data log-likelihood ln p(X | θ); with the labels "
                               "Z known, keep only the term of the component each point belongs to.")
            log_gauss = gmm.log_gaussian(X, means, covariances)
            if len(weights) > 1 and np.isclose(got, np.sum(Z * log_gauss), rtol=1e-8, atol=1e-10):
                raise Mismatch("you left out the prior term: add ln π_k for the component of each point "
                               "(ln p(z_n) = Σ_k z_nk ln π_k).")
            if np.isclose(got, np.sum(np.log(weights) + log_gauss), rtol=1e-8, atol=1e-10) and len(weights) > 1:
                raise Mismatch("you summed over every component instead of only the one with z_nk = 1; "
                               "multiply each term by z_nk.")
        compare_scalars(got, expected, "your complete-data log-likelihood")

    return check_function(
        student,
        exercise="complete-data log-likelihood",
        cases=cases,
        reference=_complete_log_likelihood,
        compare=compare,
        hint="compute the (N, K) array ln π_k + ln N(x_n | μ_k, Σ_k) (mixlib.gmm.log_gaussian gives the "
        "second term), multiply it elementwise by Z and sum everything.",
    )


# ---------------------------------------------------------------------------
# Sampling


# Relative (Frobenius) error allowed between a sample covariance and Σ_k: about six times its
# spread for the smallest sample checked, yet far below the error of x = μ + Σ ε or x = μ + Lᵀ ε.
_COVARIANCE_TOLERANCE = 0.25


def _sample_cases(n: int) -> list[Case]:
    return [
        Case("three components in 2-D", (n, np.array([0.5, 0.3, 0.2]),
                                         np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 4.0]]),
                                         np.array([np.eye(2), [[2.0, 1.2], [1.2, 1.0]], [[0.3, -0.2], [-0.2, 0.5]]]))),
        Case("one component", (n, np.array([1.0]), np.array([[1.0, -1.0]]),
                               np.array([[[1.0, 0.8], [0.8, 4.0]]]))),
        Case("two components in 1-D", (n, np.array([0.8, 0.2]), np.array([[-1.0], [2.0]]),
                                       np.array([[[0.25]], [[4.0]]]))),
        Case("a component with weight 0", (n, np.array([0.0, 0.7, 0.3]),
                                           np.array([[10.0, 10.0], [0.0, 0.0], [3.0, -3.0]]),
                                           np.array([np.eye(2), np.eye(2), [[1.0, -0.5], [-0.5, 1.0]]]))),
    ]


def check_sample(student, *, n: int = 5_000) -> Feedback:
    """Check ``student(n, weights, means, covariances, rng)``, which should return ``(X, z)``:
    n points X of shape (n, D) drawn from the mixture and their components z of shape (n,),
    with integer labels in 0, …, K−1, using only the ``numpy.random.Generator`` rng.

    The check is statistical (n = 5 000 draws, tolerances of about six standard errors):
    the label frequencies must match π_k and the points labelled k must have mean μ_k
    and covariance Σ_k.
    """
    if not callable(student):  # let check_function word the complaint
        return check_function(student, exercise="sampling", cases=[], reference=None, compare=None)

    def three_runs(n, weights, means, covariances, seed):
        # The same seed twice (reproducible?) and another seed (does the function use rng at all?).
        first = student(n, weights.copy(), means.copy(), covariances.copy(), np.random.default_rng(seed))
        small = min(n, 300)
        repeats = [student(small, weights.copy(), means.copy(), covariances.copy(), np.random.default_rng(s))
                   for s in (seed, seed, seed + 1)]
        return first, repeats

    cases = [Case(c.name, (*c.args, 12345 + i)) for i, c in enumerate(_sample_cases(n))]

    def compare(got, expected, case):
        n, weights, means, covariances, _ = case.args
        K, D = means.shape
        first = _as_pair(got[0])
        X, z = first
        X = as_array(X, "X")
        if X.shape != (n, D):
            hint = " (transposed?)" if X.shape == (D, n) else ""
            raise Mismatch(f"X has shape {X.shape}, but should have shape (n, D) = ({n}, {D}){hint}.")
        z_float = as_array(z, "z")
        if z_float.shape != (n,):
            extra = (" It looks one-hot: return the component indices, e.g. z = Z.argmax(axis=1)."
                     if z_float.shape == (n, K) else "")
            raise Mismatch(f"z has shape {z_float.shape}, but should have shape (n,) = ({n},).{extra}")
        if not np.all(np.isfinite(X)):
            raise Mismatch("X contains NaN or inf.")
        if np.any(z_float != np.round(z_float)):
            raise Mismatch("z should hold whole numbers, the component indices 0, …, K−1.")
        z = z_float.astype(int)
        if z.min() < 0 or z.max() > K - 1:
            shift = " Python counts from 0: did you add 1?" if z.min() >= 1 and z.max() == K else ""
            raise Mismatch(f"z must lie in 0, …, {K - 1}, but it ranges from {z.min()} to {z.max()}.{shift}")
        once, again, other = (_as_pair(run) for run in got[1])
        same = all(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
                   for a, b in zip(once, again))
        if not same:
            raise Mismatch("two calls with generators made from the same seed gave different draws: use "
                           "only the generator rng you are given (rng.choice, rng.standard_normal, …), "
                           "not np.random.")
        if np.array_equal(np.asarray(other[0], dtype=float), np.asarray(once[0], dtype=float)):
            raise Mismatch("generators with different seeds gave identical draws: your function does not "
                           "use the generator rng it is given.")
        frequencies = np.bincount(z, minlength=K) / n
        for k in range(K):
            tolerance = 6 * np.sqrt(weights[k] * (1 - weights[k]) / n) + 1e-3
            if abs(frequencies[k] - weights[k]) > tolerance:
                raise Mismatch(f"component {k} was drawn for a fraction {frequencies[k]:.3f} of the points, but "
                               f"π_{k} = {weights[k]:.3g}: draw each z_n with probabilities π "
                               "(e.g. rng.choice(K, size=n, p=weights)).")
        for k in range(K):
            mine = X[z == k]
            if len(mine) < 50:
                continue
            mean = mine.mean(axis=0)
            sd = np.sqrt(np.diag(covariances[k]))
            if np.any(np.abs(mean - means[k]) > 6 * sd / np.sqrt(len(mine)) + 1e-3):
                raise Mismatch(f"the points labelled {k} have mean {np.round(mean, 3).tolist()}, but "
                               f"μ_{k} = {means[k].tolist()}: draw each x_n from the component z_n you drew "
                               "for it, and return that same z_n.")
            cov = np.cov(mine, rowvar=False).reshape(D, D)
            error = np.linalg.norm(cov - covariances[k]) / np.linalg.norm(covariances[k])
            if error > _COVARIANCE_TOLERANCE:
                raise Mismatch(f"the points labelled {k} have covariance {np.round(cov, 2).tolist()}, but "
                               f"Σ_{k} = {covariances[k].tolist()}: use x = μ_k + L_k ε with ε ~ N(0, I) and "
                               "L_k the Cholesky factor of Σ_k (Σ_k = L_k L_kᵀ), not Σ_k itself.")

    return check_function(
        three_runs,
        exercise="sampling",
        cases=cases,
        reference=lambda *args: None,
        compare=compare,
        hint="draw the labels with rng.choice and p=weights; then turn standard-normal draws ε_n into "
        "x_n = μ_{z_n} + L_{z_n} ε_n, where L_k = np.linalg.cholesky(Σ_k).",
    )


def _as_pair(got):
    if got is None:
        raise Mismatch("your function returned None; did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Mismatch(f"expected a pair (X, z), but got {type(got).__name__}"
                       + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "") + ".")
    return got


# ---------------------------------------------------------------------------
# log-sum-exp


def _log_sum_exp_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    moderate = rng.normal(size=(6, 3))
    return [
        Case("moderate values", (moderate,)),
        Case("a single column", (rng.normal(size=(4, 1)),)),
        Case("large positive entries (around +1000)", (1000.0 + rng.normal(size=(5, 3)),)),
        Case("large negative entries (around −1000)", (-1000.0 + rng.normal(size=(5, 3)),)),
        Case("rows on very different scales", (np.array([[800.0, 799.0, 790.0, 801.0],
                                                          [-900.0, -905.0, -899.5, -950.0],
                                                          [0.5, -1.0, 2.0, 0.0]]),)),
        Case("an entry of −inf (a weight π_k = 0)", (np.array([[-np.inf, 0.0, -2.0], [-np.inf, -700.0, -710.0]]),)),
    ]


def check_log_sum_exp(student) -> Feedback:
    """Check ``student(a)``, which should return, for an (N, K) array a, the (N,) array with entries
    ln Σ_k exp(a_nk), finite whenever some a_nk is finite."""

    def compare(got, expected, case):
        got = as_array(got, "your log-sum-exp")
        (a,) = case.args
        N, K = a.shape
        if got.shape == (N, 1):
            raise Mismatch(f"your result has shape {got.shape}; return one number per row, shape ({N},) "
                           "(drop keepdims, or index [:, 0]).")
        if got.shape == (K,) and K != N:
            raise Mismatch(f"your result has shape ({K},), one number per column: sum over the components k "
                           "in each row, axis=1, not over the rows (axis=0).")
        if got.shape == (N,):
            if np.any(got == np.inf):
                raise Mismatch("your result contains +inf: exp overflows for entries above about 709. "
                               "Subtract each row's maximum m_n before exponentiating, then add it back: "
                               "m_n + ln Σ_k exp(a_nk − m_n).")
            if np.any(np.isnan(got)) and np.all(np.isfinite(expected)):
                raise Mismatch("your result contains NaN: look for inf − inf (exp overflow) or for an "
                               "entry −inf; with m_n = max_k a_nk, exp(−inf − m_n) = 0 is fine.")
            if np.any(got == -np.inf):
                raise Mismatch("your result contains −inf: every exp(a_nk) underflowed to 0. Subtract each "
                               "row's own maximum m_n = max_k a_nk (not one maximum for the whole array), so "
                               "the largest term is exp(0) = 1.")
            m = a.max(axis=1)
            if not np.allclose(m, 0) and np.allclose(got, expected - m, rtol=1e-8, atol=1e-8):
                raise Mismatch("your result is short by each row's maximum: after "
                               "ln Σ_k exp(a_nk − m_n), add m_n back.")
        compare_arrays(got, expected, "your log-sum-exp", rtol=1e-9, atol=1e-9)

    return check_function(
        student,
        exercise="log-sum-exp",
        cases=_log_sum_exp_cases(),
        reference=lambda a: logsumexp(a, axis=1),
        compare=compare,
        hint="find each row's maximum m_n, exponentiate a_nk − m_n (every exponent is then ≤ 0), sum over k, "
        "take the logarithm and add m_n back.",
    )


__all__ = ["check_complete_log_likelihood", "check_log_likelihood", "check_log_sum_exp", "check_sample"]
