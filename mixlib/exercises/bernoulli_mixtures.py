"""Checkers for the exercises of the chapter "EM for any mixture: Bernoulli mixtures of handwritten
digits".

- :func:`check_bernoulli_m_step`: for frozen responsibilities q_nk and smoothing α ≥ 0,
  N_k = Σ_n q_nk, π_k = N_k / N and μ_k = (Σ_n q_nk x_n + α) / (N_k + 2α);
- :func:`check_bernoulli_log_likelihood`:
  ln p(X | θ) = Σ_n ln Σ_k π_k Π_d μ_kd^x_nd (1 − μ_kd)^(1 − x_nd), with 0 · ln 0 = 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .. import bernoulli
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_scalars, compare_tuple

# ---------------------------------------------------------------------------
# Shared inputs


def _binary(rng, N, D):
    X = (rng.uniform(size=(N, D)) < rng.uniform(0.2, 0.8, size=D)).astype(float)
    X[:, 0] = 0.0  # a pixel never on
    X[:, -1] = 1.0  # a pixel always on
    return X


def _m_step_cases() -> list[Case]:
    rng = np.random.default_rng(20261201)
    X = _binary(rng, 30, 7)
    soft = rng.dirichlet([0.5, 1.0, 2.0], size=30)
    hard = np.eye(3)[np.arange(30) % 3]
    X4 = _binary(rng, 25, 5)
    four = rng.dirichlet(np.ones(4), size=25)
    return [
        Case("soft responsibilities, α = 0.01", (X, soft, 0.01)),
        Case("no smoothing (α = 0), a pixel never on and one always on", (X, soft, 0.0)),
        Case("hard (one-hot) responsibilities, α = 1", (X, hard, 1.0)),
        Case("one component, α = 0.5", (X4, np.ones((25, 1)), 0.5)),
        Case("four components in 5 pixels, α = 0.1", (X4, four, 0.1)),
    ]


def _m_step(X, resp, alpha):
    Nk = resp.sum(axis=0)
    return Nk / len(X), (resp.T @ X + alpha) / (Nk[:, None] + 2 * alpha)


def _pixel_sums(X, resp):
    return resp.T @ X


def _weights(resp):
    return resp.sum(axis=0) / len(resp)


# ---------------------------------------------------------------------------
# The M step


_LOG_OF_ZERO = (
    "your μ_kd is exactly {value} where the answer is strictly between 0 and 1: with α > 0 no "
    "pixel probability may be 0 or 1, or the next E step takes ln 0 = −∞ for every image "
    "with that pixel {state}. Add α to the count of ones, Σ_n q_nk x_nd + α, and 2α to N_k."
)

M_STEP = Exercise(
    "Bernoulli M step",
    hint="N_k is responsibilities.sum(axis=0); the weighted counts Σ_n q_nk x_n are responsibilities.T @ X "
    "(shape (K, D)); add α to each count and 2α to each N_k.",
    mistakes=(
        Mistake(
            "means normalised over the pixels",
            lambda X, r, a: (_weights(r), _pixel_sums(X, r) / _pixel_sums(X, r).sum(axis=1, keepdims=True)),
            "each row of your means sums to 1 over the pixels d",
            by_answer=False,
        ),
        Mistake(
            "means normalised over the components",
            lambda X, r, a: (_weights(r), _pixel_sums(X, r) / _pixel_sums(X, r).sum(axis=0, keepdims=True)),
            "each column of your means sums to 1 over the components k",
            by_answer=False,
        ),
        Mistake(
            "N_k and α forgotten",
            lambda X, r, a: (_weights(r), _pixel_sums(X, r)),
            "some of your μ_kd are above 1",
            by_answer=False,
        ),
        Mistake(
            "N_k forgotten",
            lambda X, r, a: (_weights(r), _pixel_sums(X, r) + a),
            "you forgot to divide by N_k: your means are the weighted counts Σ_n q_nk x_nd (+ α). "
            "Divide component k's counts by N_k + 2α to get probabilities.",
        ),
        Mistake(
            "divided by N",
            lambda X, r, a: (_weights(r), (_pixel_sums(X, r) + a) / (len(X) + 2 * a)),
            "your means are divided by N, the number of all images; divide component k's counts by its own "
            "N_k + 2α, with N_k = Σ_n q_nk.",
        ),
        Mistake(
            "N_k over the wrong axis",
            lambda X, r, a: (r.sum(axis=1) / len(X), _pixel_sums(X, r) / r.sum(axis=1)[:, None]),
            "Check the axis you sum over",
            by_answer=False,
        ),
        Mistake(
            "smoothing forgotten",
            lambda X, r, a: _m_step(X, r, 0.0),
            "exactly 0 where the answer is strictly between 0 and 1",
            by_answer=False,
        ),
        Mistake(
            "one α in the denominator",
            lambda X, r, a: (_weights(r), (_pixel_sums(X, r) + a) / (r.sum(axis=0)[:, None] + a)),
            "your denominator has one α, but the smoothing adds α pseudo-observations of 1 and α of 0 to "
            "every pixel: divide by N_k + 2α.",
        ),
        Mistake(
            "weights not divided by N",
            lambda X, r, a: (r.sum(axis=0), _m_step(X, r, a)[1]),
            "your weights are the effective numbers N_k; divide by N so that they sum to 1.",
        ),
        Mistake(
            "hard assignments",
            lambda X, r, a: _m_step(X, np.eye(r.shape[1])[np.argmax(r, axis=1)], a),
            "your parameters come from hard assignments (each image given to its most responsible "
            "component), as in k-means; weight every image by its responsibility q_nk instead.",
        ),
        Mistake(
            "means transposed", lambda X, r, a: (_weights(r), _m_step(X, r, a)[1].T), "(transposed?)", by_answer=False
        ),
    ),
)

_AXIS_HINT = (
    " Check the axis you sum over: N_k = Σ_n q_nk sums over the images n, "
    "i.e. responsibilities.sum(axis=0), which has shape (K,)."
)


@M_STEP.checker
def check_bernoulli_m_step(student) -> Feedback:
    """Check ``student(X, responsibilities, smoothing)``, which should return ``(weights, means)``:
    the (K,) π_k = N_k / N and the (K, D) μ_kd = (Σ_n q_nk x_nd + α) / (N_k + 2α), α = ``smoothing``,
    for the frozen responsibilities q_nk = ``responsibilities[n, k]``."""

    def compare(got, expected, case):
        X, resp, alpha = case.args
        if isinstance(got, (tuple, list)) and len(got) == 2:
            means = as_array(got[1], "your means")
            if means.shape == expected[1].shape:
                # a column of zero counts (a pixel never on) divided by its own sum is 0/0 = NaN
                finite = np.all(np.isfinite(means), axis=0)
                if (
                    np.any(finite)
                    and np.allclose(means[:, finite].sum(axis=0), 1.0)
                    and not np.allclose(expected[1][:, finite].sum(axis=0), 1.0)
                ):
                    raise Mismatch(
                        "each column of your means sums to 1 over the components k, as if you had "
                        "divided the counts of pixel d by their sum over k (a pixel that is never "
                        "on then gives 0/0 = NaN). μ_kd is the probability that pixel d is on in "
                        "component k: divide component k's counts by its own N_k + 2α."
                    )
            if means.shape == expected[1].shape and np.all(np.isfinite(means)):
                if np.allclose(means.sum(axis=1), 1.0) and not np.allclose(expected[1].sum(axis=1), 1.0):
                    raise Mismatch(
                        "each row of your means sums to 1 over the pixels d, as if the pixels were "
                        "the outcomes of one categorical variable. They are D separate yes/no "
                        "variables: μ_kd is the probability that pixel d is on in component k, "
                        "so divide each count by N_k + 2α, not by the sum over d."
                    )
                if np.any(means > 1 + 1e-9):
                    raise Mismatch(
                        "some of your μ_kd are above 1, so they are not probabilities: you forgot "
                        "to divide by N_k. Divide component k's weighted count of ones, "
                        "Σ_n q_nk x_nd + α, by N_k + 2α, with N_k = Σ_n q_nk."
                    )
                inside = (expected[1] > 0) & (expected[1] < 1)
                for value, state in ((0, "on"), (1, "off")):
                    if np.any((means == value) & inside):
                        raise Mismatch(_LOG_OF_ZERO.format(value=value, state=state))
        compare_tuple(got, expected, ("weights", "means"), rtol=1e-8, atol=1e-12)

    feedback = M_STEP.check(student, _m_step_cases(), _m_step, compare)
    if not feedback.passed and "could not be broadcast" in feedback.message:
        return Feedback(feedback.exercise, False, feedback.message.rstrip().rstrip(".") + "." + _AXIS_HINT)
    return feedback


# ---------------------------------------------------------------------------
# The log-likelihood


def _log_likelihood_cases() -> list[Case]:
    rng = np.random.default_rng(20261202)
    X = (rng.uniform(size=(40, 6)) < 0.5).astype(float)
    soft = (np.array([0.5, 0.3, 0.2]), rng.uniform(0.1, 0.9, size=(3, 6)))
    X0 = X.copy()
    X0[:, 0] = 0.0
    edge_means = rng.uniform(0.1, 0.9, size=(3, 6))
    edge_means[:, 0] = 0.0  # never on, and indeed off in every image
    edge_means[1, 3] = 1.0  # component 2 cannot make an image with pixel 3 off
    wide = (rng.uniform(size=(8, 2000)) < 0.3).astype(float)
    wide_means = np.array([np.full(2000, 0.3), np.full(2000, 0.4)])
    return [
        Case("three components in 6 pixels", (X, *soft)),
        Case("pixel probabilities of exactly 0 and 1", (X0, np.array([0.4, 0.4, 0.2]), edge_means)),
        Case("2,000 pixels: every product of probabilities underflows", (wide, np.array([0.6, 0.4]), wide_means)),
        Case("one component", (X, np.array([1.0]), soft[1][:1])),
    ]


def _naive_log_joint(X, weights, means):
    return np.log(weights) + X @ np.log(means).T + (1 - X) @ np.log(1 - means).T


def _products(X, weights, means):
    densities = np.prod(means[None] ** X[:, None] * (1 - means[None]) ** (1 - X[:, None]), axis=2)
    return float(np.sum(np.log(densities @ weights)))


def _log_likelihood(X, weights, means):
    return bernoulli.log_likelihood(X, weights, means)


def _component_logs(X, means):
    return bernoulli.log_bernoulli(X, means)


_NAN_TO_NUM = (
    "you replaced a NaN by a number (np.nan_to_num?), but the NaN stood for a whole sum over the "
    "pixels: one term 0 · ln 0 = 0 · (−∞) makes the dot product Σ_d x_nd ln μ_kd NaN, and "
    "replacing it throws away every other pixel's term too. Make that one term 0 instead, "
    "before summing: scipy.special.xlogy(x, μ) and xlog1py(1 − x, −μ) do, or set ln μ_kd to 0 "
    "where μ_kd = 0 (and ln(1 − μ_kd) to 0 where μ_kd = 1)."
)


LOG_LIKELIHOOD = Exercise(
    "Bernoulli log-likelihood",
    hint="for every n and k compute ℓ_nk = ln π_k + Σ_d [x_nd ln μ_kd + (1 − x_nd) ln(1 − μ_kd)], taking "
    "0 · ln 0 = 0 (scipy.special.xlogy and xlog1py do), then a log-sum-exp over k and a sum over n.",
    mistakes=(
        Mistake(
            "0 · ln 0 as NaN",
            lambda X, w, m: float(np.sum(logsumexp(_naive_log_joint(X, w, m), axis=1))),
            "0 · ln 0",
            by_answer=False,
        ),
        Mistake(
            "NaN of 0 · ln 0 replaced in ℓ_nk",
            lambda X, w, m: float(np.sum(logsumexp(np.nan_to_num(_naive_log_joint(X, w, m)), axis=1))),
            _NAN_TO_NUM,
        ),
        Mistake(
            "NaN of 0 · ln 0 replaced in each product",
            lambda X, w, m: float(
                np.sum(
                    logsumexp(
                        np.log(w) + np.nan_to_num(X @ np.log(m).T) + np.nan_to_num((1 - X) @ np.log(1 - m).T), axis=1
                    )
                )
            ),
            _NAN_TO_NUM,
        ),
        Mistake("products, not logs", _products, "underflow", by_answer=False),
        Mistake(
            "x and 1 − x swapped",
            lambda X, w, m: _log_likelihood(X, w, 1 - m),
            "you swapped the two factors: a pixel that is on (x_nd = 1) contributes ln μ_kd, one that is off "
            "contributes ln(1 − μ_kd).",
        ),
        Mistake(
            "no mixing coefficients",
            lambda X, w, m: float(np.sum(logsumexp(_component_logs(X, m), axis=1))),
            "you left out the mixing coefficients: weight each p(x_n | μ_k) by π_k inside the sum over k.",
        ),
        Mistake(
            "sum over k outside the log",
            lambda X, w, m: float(np.sum(np.log(w) + _component_logs(X, m))),
            "you summed ln(π_k p(x_n | μ_k)) over k: the sum over k belongs inside the logarithm, "
            "ln Σ_k π_k p(x_n | μ_k).",
        ),
        Mistake(
            "log-sum-exp over the images",
            lambda X, w, m: float(np.sum(logsumexp(np.log(w) + _component_logs(X, m), axis=0))),
            "you took the log-sum-exp over the images n (axis=0); it goes over the components k (axis=1), "
            "then the logs are summed over n.",
        ),
        Mistake(
            "not summed over n",
            lambda X, w, m: bernoulli.log_density(X, w, m),
            "did you forget to sum",
            by_answer=False,
        ),
    ),
)


@LOG_LIKELIHOOD.checker
def check_bernoulli_log_likelihood(student) -> Feedback:
    """Check ``student(X, weights, means)``, which should return the number
    ln p(X | θ) = Σ_n ln Σ_k π_k Π_d μ_kd^x_nd (1 − μ_kd)^(1 − x_nd) for binary X (N, D)."""

    def compare(got, expected, case):
        value = as_array(got, "your log-likelihood")
        if value.shape == () and np.isnan(value):
            raise Mismatch(
                "your log-likelihood is NaN: where μ_kd = 0 and the pixel is off, x_nd ln μ_kd is "
                "0 · ln 0 = 0 · (−∞), which NumPy makes NaN. The term is 0 (the pixel is off, as "
                "μ_kd = 0 says it must be): use scipy.special.xlogy(x, μ) and xlog1py(1 − x, −μ), "
                "or set ln μ_kd to 0 where μ_kd = 0 before multiplying."
            )
        if value.shape == () and value == -np.inf:
            raise Mismatch(
                "your log-likelihood is −inf: underflow. A product of 2,000 probabilities is "
                "smaller than the smallest float and rounds to 0. Stay in log space: sum "
                "x_nd ln μ_kd + (1 − x_nd) ln(1 − μ_kd) over d, then take a log-sum-exp over k."
            )
        if value.shape == () and value > 0:
            raise Mismatch(
                f"your log-likelihood is {float(value):.6g}, positive, but the answer is "
                f"{expected:.6g}: a binary image is a discrete outcome, its probability is at most 1, "
                f"so every ln p(x_n | θ) ≤ 0."
            )
        compare_scalars(got, expected, "your log-likelihood", rtol=1e-9)

    return LOG_LIKELIHOOD.check(student, _log_likelihood_cases(), _log_likelihood, compare)
