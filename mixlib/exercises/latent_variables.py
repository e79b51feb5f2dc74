"""Checkers for the exercises of the chapter "Latent variables and the Gaussian mixture".

- :func:`check_log_likelihood`: ln p(X | θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k);
- :func:`check_complete_log_likelihood`: ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)};
- :func:`check_sample`: the generative process, z ~ Categorical(π), x ~ N(μ_z, Σ_z).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from scipy.stats import chi2

from .. import gmm
from ._cases import mixture_cases
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_scalars

_UNDERFLOW = (
    "underflow: use log-sum-exp. Far from every component (or with tiny variances) every "
    "π_k N(x_n | μ_k, Σ_k) of a point can be smaller than the smallest float and round to 0, so "
    "the log of their sum is −inf. Work with ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k) and compute "
    "ln Σ_k exp(ℓ_nk) = m_n + ln Σ_k exp(ℓ_nk − m_n), with m_n = max_k ℓ_nk."
)


def _log_joint(X, weights, means, covariances):
    """ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k), an (N, K) array."""
    with np.errstate(divide="ignore"):  # a weight of 0 gives ℓ_nk = −inf, which is right
        return np.log(weights) + gmm.log_gaussian(X, means, covariances)


def _shifted_log_sum_exp(ell, shift):
    """ln Σ_k exp(ℓ_nk) of each row, computed as m_n + ln Σ_k exp(ℓ_nk − m_n) with m_n = ``shift`` of the row."""
    m = shift(ell, axis=1, keepdims=True)
    return m[:, 0] + np.log(np.exp(ell - m).sum(axis=1))


def _weighted_densities(X, weights, means, covariances):
    """π_k N(x_n | μ_k, Σ_k) as plain numbers: the naive route, which underflows."""
    return weights * np.exp(gmm.log_gaussian(X, means, covariances))


# ---------------------------------------------------------------------------
# ln p(X | θ)


LOG_LIKELIHOOD = Exercise(
    "log-likelihood",
    hint="compute ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k) for every n and k (mixlib.gmm.log_gaussian gives the "
    "second term), take a log-sum-exp over k for each n, then sum over n.",
    mistakes=(
        Mistake(
            "mean over the points",
            lambda X, *theta: gmm.log_likelihood(X, *theta) / len(X),
            "your value is the average over the points; the log-likelihood is the sum over n, not the mean.",
        ),
        Mistake(
            "no mixing coefficients",
            lambda X, w, m, c: float(np.sum(logsumexp(gmm.log_gaussian(X, m, c), axis=1))),
            "you left out the mixing coefficients: each density N(x_n | μ_k, Σ_k) must be weighted by π_k "
            "inside the sum over k.",
        ),
        Mistake(
            "sum over k outside the log",
            lambda X, *theta: float(np.sum(_log_joint(X, *theta))),
            "you summed ln(π_k N(x_n | μ_k, Σ_k)) over k: the sum over k belongs inside the logarithm, "
            "ln Σ_k π_k N(x_n | μ_k, Σ_k).",
        ),
        Mistake("not summed over n", gmm.log_density, "the log-likelihood is their sum over n", by_answer=False),
        Mistake(
            "densities, not logs",
            lambda X, *theta: float(np.sum(np.log(_weighted_densities(X, *theta).sum(axis=1)))),
            "underflow: use log-sum-exp",
            by_answer=False,
        ),
        Mistake(
            "shifted by the smallest term",
            lambda X, *theta: float(np.sum(_shifted_log_sum_exp(_log_joint(X, *theta), np.min))),
            "overflow: shift by the largest",
            by_answer=False,
        ),
    ),
)


@LOG_LIKELIHOOD.checker
def check_log_likelihood(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, which should return the float
    ln p(X | θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k)."""

    def compare(got, expected, case):
        got = as_array(got, "your log-likelihood")
        X = case.args[0]
        if got.shape == (X.shape[0],) and np.allclose(got, gmm.log_density(*case.args), rtol=1e-6, atol=1e-8):
            raise Mismatch("you returned ln p(x_n) for every point; the log-likelihood is their sum over n.")
        if got.shape == () and got == np.inf and np.isfinite(expected):
            raise Mismatch(
                "you returned inf but the answer is finite; overflow: shift by the largest term, not "
                "another. With m_n = max_k ℓ_nk every exp(ℓ_nk − m_n) is at most 1, so nothing overflows: "
                "ln Σ_k exp(ℓ_nk) = m_n + ln Σ_k exp(ℓ_nk − m_n)."
            )
        if got.shape == () and not np.isfinite(got) and np.isfinite(expected):
            raise Mismatch(f"you returned {float(got)} but the answer is finite; {_UNDERFLOW}")
        compare_scalars(got, expected, "your log-likelihood")

    return LOG_LIKELIHOOD.check(student, mixture_cases(), gmm.log_likelihood, compare)


# ---------------------------------------------------------------------------
# ln p(X, Z | θ)


def _complete_log_likelihood(X, Z, weights, means, covariances) -> float:
    return float(np.sum(Z * _log_joint(X, weights, means, covariances)))


def _complete_cases() -> list[Case]:
    cases = []
    for i, case in enumerate(mixture_cases()):
        X, weights, means, covariances = case.args
        # Labels drawn from the model's own posterior, so they are plausible and not all equal.
        resp = gmm.responsibilities(X, weights, means, covariances)
        rng = np.random.default_rng(i)
        labels = np.array([rng.choice(len(weights), p=row) for row in resp])
        labels[: len(weights)] = np.arange(len(weights))  # every component labels some point
        cases.append(Case(case.name, (X, np.eye(len(weights))[labels], weights, means, covariances)))
    return cases


COMPLETE_LOG_LIKELIHOOD = Exercise(
    "complete-data log-likelihood",
    hint="compute the (N, K) array ln π_k + ln N(x_n | μ_k, Σ_k) (mixlib.gmm.log_gaussian gives the second "
    "term), multiply it elementwise by Z and sum everything.",
    mistakes=(
        Mistake(
            "incomplete-data log-likelihood",
            lambda X, Z, *theta: gmm.log_likelihood(X, *theta),
            "your value is the incomplete-data log-likelihood ln p(X | θ); with the labels Z known, keep only "
            "the term of the component each point belongs to.",
        ),
        Mistake(
            "no prior term",
            lambda X, Z, w, m, c: float(np.sum(Z * gmm.log_gaussian(X, m, c))),
            "you left out the prior term: add ln π_k for the component of each point (ln p(z_n) = Σ_k z_nk ln π_k).",
        ),
        Mistake(
            "every component",
            lambda X, Z, *theta: float(np.sum(_log_joint(X, *theta))),
            "you summed over every component instead of only the one with z_nk = 1; multiply each term by z_nk.",
        ),
        Mistake(
            "product of densities",
            lambda X, Z, *theta: float(np.log(np.prod(_weighted_densities(X, *theta) ** Z))),
            "underflows to 0",
            by_answer=False,
        ),
    ),
)


@COMPLETE_LOG_LIKELIHOOD.checker
def check_complete_log_likelihood(student) -> Feedback:
    """Check ``student(X, Z, weights, means, covariances)``, with Z the (N, K) one-hot labels,
    which should return the float ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)}."""

    def compare(got, expected, case):
        got = as_array(got, "your complete-data log-likelihood")
        if got.shape == () and got == np.inf and np.isfinite(expected):
            raise Mismatch(
                "you returned inf but the answer is finite: the product "
                "Π_n Π_k [π_k N(x_n | μ_k, Σ_k)]^z_nk overflows. Take the logarithm "
                "first: ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)}."
            )
        if got.shape == () and not np.isfinite(got) and np.isfinite(expected):
            raise Mismatch(
                f"you returned {float(got)} but the answer is finite: the product "
                "Π_n Π_k [π_k N(x_n | μ_k, Σ_k)]^z_nk underflows to 0. Take the logarithm "
                "first: ln p(X, Z | θ) = Σ_n Σ_k z_nk {ln π_k + ln N(x_n | μ_k, Σ_k)}."
            )
        compare_scalars(got, expected, "your complete-data log-likelihood")

    return COMPLETE_LOG_LIKELIHOOD.check(student, _complete_cases(), _complete_log_likelihood, compare)


# ---------------------------------------------------------------------------
# Sampling


# Relative (Frobenius) error allowed between a sample covariance and Σ_k: about six times its
# typical size for the smallest sample checked (1 000 points), yet half or less of the error that
# x = μ + Σ η or x = μ + Lᵀ η makes in the first component checked whose Σ_k is not the identity
# (the second of the first case); in some later components these errors come close to it.
_COVARIANCE_TOLERANCE = 0.25

# Label counts are compared over this many generators of the small sample. Independent draws give
# Σ_j (count_j − mπ_k)² / (mπ_k(1 − π_k)) ≈ χ² with that many degrees of freedom (j numbers the
# generators, m = _SMALL); counts fixed to about π_k m give about 0, which a correct function
# reaches with probability below this level.
_SPREAD_SEEDS = 20
_SPREAD_LEVEL = 1e-6
_SMALL = 300  # points per draw for the reproducibility and spread checks


def _sample_cases(n: int) -> list[Case]:
    return [
        Case(
            "three components in 2-D",
            (
                n,
                np.array([0.5, 0.3, 0.2]),
                np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 4.0]]),
                np.array([np.eye(2), [[2.0, 1.2], [1.2, 1.0]], [[0.3, -0.2], [-0.2, 0.5]]]),
            ),
        ),
        Case("one component", (n, np.array([1.0]), np.array([[1.0, -1.0]]), np.array([[[1.0, 0.8], [0.8, 4.0]]]))),
        Case(
            "two components in 1-D", (n, np.array([0.8, 0.2]), np.array([[-1.0], [2.0]]), np.array([[[0.25]], [[4.0]]]))
        ),
        Case(
            "a component with weight 0",
            (
                n,
                np.array([0.0, 0.7, 0.3]),
                np.array([[10.0, 10.0], [0.0, 0.0], [3.0, -3.0]]),
                np.array([np.eye(2), np.eye(2), [[1.0, -0.5], [-0.5, 1.0]]]),
            ),
        ),
    ]


def _points(z, means, covariances, rng, *, factor=np.linalg.cholesky):
    """x_n = μ_{z_n} + F_{z_n} η_n with F_k = ``factor(Σ_k)`` (the Cholesky factor L_k when right)."""
    return means[z] + np.einsum("nij,nj->ni", factor(covariances)[z], rng.standard_normal((len(z), means.shape[1]))), z


def _draw(n, weights, means, covariances, rng, *, factor=np.linalg.cholesky):
    """The generative process with ``factor(Σ_k)`` in place of the Cholesky factor L_k."""
    return _points(rng.choice(len(weights), size=n, p=weights), means, covariances, rng, factor=factor)


def _fixed_proportions(n, weights, means, covariances, rng):
    """⌊π_k n⌋ labels of each component (the remainder to the heaviest), shuffled: the frequencies are
    right but never vary."""
    counts = np.floor(weights * n).astype(int)
    counts[np.argmax(weights)] += n - counts.sum()
    return _points(rng.permutation(np.repeat(np.arange(len(weights)), counts)), means, covariances, rng)


def _sorted_labels(n, weights, means, covariances, rng):
    """Multinomial counts, but the labels in blocks: all the 0s, then all the 1s, …"""
    return _points(np.repeat(np.arange(len(weights)), rng.multinomial(n, weights)), means, covariances, rng)


def _relabelled(relabel):
    def sample(n, weights, means, covariances, rng):
        X, z = _draw(n, weights, means, covariances, rng)
        return X, relabel(z, weights, rng)

    return sample


SAMPLE = Exercise(
    "sampling",
    hint="draw the labels with rng.choice and p=weights; then turn standard-normal draws η_n into x_n = "
    "μ_{z_n} + L_{z_n} η_n, where L_k = np.linalg.cholesky(Σ_k).",
    # Draws are random, so every mistake is spotted from their statistics, not matched.
    mistakes=(
        Mistake(
            "Σ for its factor",
            lambda *args: _draw(*args, factor=lambda c: c),
            "L_k the Cholesky factor of Σ_k",
            by_answer=False,
        ),
        Mistake(
            "Lᵀ for L",
            lambda *args: _draw(*args, factor=lambda c: np.swapaxes(np.linalg.cholesky(c), 1, 2)),
            "L_k the Cholesky factor of Σ_k",
            by_answer=False,
        ),
        Mistake("labels from 1", _relabelled(lambda z, w, rng: z + 1), "Python counts from 0", by_answer=False),
        Mistake(
            "one-hot labels", _relabelled(lambda z, w, rng: np.eye(len(w))[z]), "It looks one-hot", by_answer=False
        ),
        Mistake(
            "labels drawn again",
            _relabelled(lambda z, w, rng: rng.choice(len(w), size=len(z), p=w)),
            "draw each x_n from the component z_n you drew for it",
            by_answer=False,
        ),
        Mistake(
            "equal weights",
            lambda n, w, m, c, rng: _draw(n, np.full(len(w), 1 / len(w)), m, c, rng),
            "was drawn for a fraction",
            by_answer=False,
        ),
        Mistake("fixed proportions", _fixed_proportions, "hardly vary from seed to seed", by_answer=False),
        Mistake("labels in blocks", _sorted_labels, "come in blocks", by_answer=False),
        Mistake(
            "np.random",
            lambda n, w, m, c, rng: _draw(n, w, m, c, np.random.default_rng(np.random.randint(1 << 30))),
            "not np.random",
            by_answer=False,
        ),
        Mistake(
            "a fixed seed",
            lambda n, w, m, c, rng: _draw(n, w, m, c, np.random.default_rng(0)),
            "does not use the generator",
            by_answer=False,
        ),
        Mistake("X only", lambda *args: _draw(*args)[0], "expected a pair", by_answer=False),
        Mistake(
            "X transposed", lambda *args: tuple(np.transpose(a) for a in _draw(*args)), "(transposed?)", by_answer=False
        ),
    ),
)


@SAMPLE.checker
def check_sample(student, *, n: int = 5_000) -> Feedback:
    """Check ``student(N, weights, means, covariances, rng)``, which should return ``(X, z)``:
    N points X of shape (N, D) drawn from the mixture and their components z of shape (N,),
    with integer labels in 0, …, K−1, using only the ``numpy.random.Generator`` rng.

    The check is statistical (N = 5 000 draws, tolerances of about six standard errors):
    the label frequencies must match π_k, the label counts of smaller samples must vary
    from seed to seed about as much as independent draws do (not be fixed to round(π_k N)),
    the labels must not come in blocks, and the points labelled k must have mean μ_k
    and covariance Σ_k.
    """
    if not callable(student):  # let check_function word the complaint
        return SAMPLE.check(student, [], None, None)

    def runs(n, weights, means, covariances, seed):
        # The same seed twice (reproducible?) and another seed (does the function use rng at all?).
        first = student(n, weights.copy(), means.copy(), covariances.copy(), np.random.default_rng(seed))
        small = min(n, _SMALL)
        repeats = [
            student(small, weights.copy(), means.copy(), covariances.copy(), np.random.default_rng(s))
            for s in (seed, seed, seed + 1)
        ]
        # Many more seeds: do the label counts vary as much as independent draws make them?
        spread = [
            student(small, weights.copy(), means.copy(), covariances.copy(), np.random.default_rng(s))
            for s in range(seed + 2, seed + 2 + _SPREAD_SEEDS)
        ]
        return first, repeats, spread

    cases = [Case(c.name, (*c.args, 12345 + i)) for i, c in enumerate(_sample_cases(n))]

    def compare(got, expected, case):
        n, weights, means, covariances, _ = case.args
        K, D = means.shape
        first = _as_pair(got[0])
        X, z = first
        X = as_array(X, "X")
        if X.shape != (n, D):
            hint = " (transposed?)" if X.shape == (D, n) else ""
            raise Mismatch(f"X has shape {X.shape}, but should have shape (N, D) = ({n}, {D}){hint}.")
        z = _labels(z, n, K)
        if not np.all(np.isfinite(X)):
            raise Mismatch("X contains NaN or inf.")
        once, again, other = (_as_pair(run) for run in got[1])
        same = all(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)) for a, b in zip(once, again))
        if not same:
            raise Mismatch(
                "two calls with generators made from the same seed gave different draws: use "
                "only the generator rng you are given (rng.choice, rng.standard_normal, …), "
                "not np.random."
            )
        if np.array_equal(np.asarray(other[0], dtype=float), np.asarray(once[0], dtype=float)):
            raise Mismatch(
                "generators with different seeds gave identical draws: your function does not "
                "use the generator rng it is given."
            )
        frequencies = np.bincount(z, minlength=K) / n
        for k in range(K):
            tolerance = 6 * np.sqrt(weights[k] * (1 - weights[k]) / n) + 1e-3
            if abs(frequencies[k] - weights[k]) > tolerance:
                raise Mismatch(
                    f"component {k} was drawn for a fraction {frequencies[k]:.3f} of the points, but "
                    f"π_{k} = {weights[k]:.3g}: draw each z_n with probabilities π "
                    "(e.g. rng.choice(K, size=N, p=weights))."
                )
        small = min(n, _SMALL)
        counts = np.array([np.bincount(_labels(_as_pair(run)[1], small, K), minlength=K) for run in got[2]])
        for k in range(K):
            if not 0 < weights[k] < 1:
                continue
            expected_spread = small * weights[k] * (1 - weights[k])
            statistic = np.sum((counts[:, k] - small * weights[k]) ** 2) / expected_spread
            if statistic < chi2.ppf(_SPREAD_LEVEL, len(counts)):
                raise Mismatch(
                    f"the label counts hardly vary from seed to seed: over {len(counts)} generators, "
                    f"component {k} was drawn between {counts[:, k].min()} and {counts[:, k].max()} "
                    f"times out of {small}, where independent draws z_n ~ Categorical(π) vary by about "
                    f"±{np.sqrt(expected_spread):.0f}. Draw each label at random "
                    "(rng.choice(K, size=N, p=weights)) instead of fixing the counts to round(π_k N)."
                )
        if np.count_nonzero(np.diff(z)) == len(np.unique(z)) - 1 > 0:
            raise Mismatch(
                "the labels come in blocks (all the points of one component, then all of the next): "
                "independent draws mix them. Draw each z_n at random (rng.choice(K, size=N, "
                "p=weights)) rather than repeating each label a drawn number of times."
            )
        for k in range(K):
            mine = X[z == k]
            if len(mine) < 50:
                continue
            mean = mine.mean(axis=0)
            sd = np.sqrt(np.diag(covariances[k]))
            if np.any(np.abs(mean - means[k]) > 6 * sd / np.sqrt(len(mine)) + 1e-3):
                raise Mismatch(
                    f"the points labelled {k} have mean {np.round(mean, 3).tolist()}, but "
                    f"μ_{k} = {means[k].tolist()}: draw each x_n from the component z_n you drew "
                    "for it, and return that same z_n."
                )
            cov = np.cov(mine, rowvar=False).reshape(D, D)
            error = np.linalg.norm(cov - covariances[k]) / np.linalg.norm(covariances[k])
            if error > _COVARIANCE_TOLERANCE:
                raise Mismatch(
                    f"the points labelled {k} have covariance {np.round(cov, 2).tolist()}, but "
                    f"Σ_{k} = {covariances[k].tolist()}: use x = μ_k + L_k η with η ~ N(0, I) and "
                    "L_k the Cholesky factor of Σ_k (Σ_k = L_k L_kᵀ) of each point's own component, "
                    "not Σ_k itself nor L_kᵀ."
                )

    return SAMPLE.check(runs, cases, lambda *args: None, compare)


def _labels(z, n, K):
    """The labels as an int array of shape (N,) in 0, …, K−1, or a Mismatch saying what is wrong."""
    z_float = as_array(z, "z")
    if z_float.shape != (n,):
        extra = (
            " It looks one-hot: return the component indices, e.g. z = Z.argmax(axis=1)."
            if z_float.shape == (n, K)
            else ""
        )
        raise Mismatch(f"z has shape {z_float.shape}, but should have shape (N,) = ({n},).{extra}")
    if not np.all(np.isfinite(z_float)) or np.any(z_float != np.round(z_float)):
        raise Mismatch("z should hold whole numbers, the component indices 0, …, K−1.")
    z = z_float.astype(int)
    if z.min() < 0 or z.max() > K - 1:
        shift = " Python counts from 0: did you add 1?" if z.min() >= 1 and z.max() == K else ""
        raise Mismatch(f"z must lie in 0, …, {K - 1}, but it ranges from {z.min()} to {z.max()}.{shift}")
    return z


def _as_pair(got):
    if got is None:
        raise Mismatch("your function returned None; did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise Mismatch(
            f"expected a pair (X, z), but got {type(got).__name__}"
            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
            + "."
        )
    return got
