"""Checkers for the exercises of "General EM: free energy, KL divergence and the ELBO".

KL(q ‖ p) = Σ_k q_k ln(q_k / p_k),                       with 0 ln 0 = 0;
F(q, θ)   = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k) / q_nk] = Q + H(q);
hard E step: k_n = argmax_k ℓ_nk, ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k), and its gap
KL(q ‖ p(Z | X, θ)) = −Σ_n ln γ(z_{n k_n}).
"""

from __future__ import annotations

from functools import partial

import numpy as np
from scipy.special import logsumexp, xlogy

from .. import bounds, em, gmm
from ._cases import E_STEP_MIXTURES, mixture_cases
from ._core import (
    Case,
    Exercise,
    Feedback,
    Mismatch,
    Mistake,
    as_array,
    compare_arrays,
    compare_scalars,
    same_answer,
)

_same = partial(same_answer, rtol=1e-7)

# ---------------------------------------------------------------------------
# KL(q ‖ p) for one discrete distribution


def _kl_cases() -> list[Case]:
    rng = np.random.default_rng(20261108)
    five_q, five_p = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    return [
        Case("two outcomes (q = [0.2 0.8] and p = [0.7 0.3])", (np.array([0.2, 0.8]), np.array([0.7, 0.3]))),
        Case("five outcomes drawn at random", (five_q, five_p)),
        Case("q equal to p (the divergence is 0)", (five_q, five_q.copy())),
        Case("a zero in q (q = [0.5 0.5 0])", (np.array([0.5, 0.5, 0.0]), np.array([0.2, 0.3, 0.5]))),
        Case("q a point mass (q = [0 1 0 0])", (np.array([0.0, 1.0, 0.0, 0.0]), np.array([0.1, 0.2, 0.3, 0.4]))),
        Case(
            "zeros in both (q = [0.5 0.5 0] and p = [0.4 0.6 0])",
            (np.array([0.5, 0.5, 0.0]), np.array([0.4, 0.6, 0.0])),
        ),
    ]


KL = Exercise(
    "KL divergence",
    hint="sum q_k · ln(q_k / p_k) over the k with q_k > 0.",
    mistakes=(
        Mistake(
            "arguments swapped",
            lambda q, p: em.kl_divergence(p, q),
            "you returned KL(p ‖ q): the arguments are swapped. KL(q ‖ p) weights the log-ratio ln(q_k / p_k) "
            "by q_k, the first argument.",
        ),
        Mistake(
            "log base 2",
            lambda q, p: em.kl_divergence(q, p) / np.log(2.0),
            "you returned the answer divided by ln 2: you used the logarithm to base 2 (bits). Use the natural "
            "logarithm, np.log.",
        ),
        Mistake(
            "log base 10",
            lambda q, p: em.kl_divergence(q, p) / np.log(10.0),
            "you returned the answer divided by ln 10: you used the logarithm to base 10. Use the natural "
            "logarithm, np.log.",
        ),
        Mistake(
            "ratio upside down",
            lambda q, p: np.sum(xlogy(q, p) - xlogy(q, q)),
            "you returned the answer with the wrong sign: you computed Σ q_k ln(p_k / q_k). KL(q ‖ p) is "
            "Σ q_k ln(q_k / p_k) (or −Σ q_k ln(p_k / q_k)), which is never negative.",
        ),
        Mistake("0 ln 0", lambda q, p: np.sum(q * np.log(q / p)), "by convention such a term is 0", by_answer=False),
        Mistake("not summed", lambda q, p: xlogy(q, q) - xlogy(q, p), "should be a single number", by_answer=False),
    ),
)


@KL.checker
def check_kl_divergence(student) -> Feedback:
    """Check ``student(q, p)``, which should return KL(q ‖ p) = Σ_k q_k ln(q_k / p_k) for two
    1-D arrays of probabilities, with the convention 0 ln 0 = 0."""

    def compare(got, expected, case):
        value = as_array(got, "your KL divergence")
        if value.shape == () and np.isnan(value) and np.any(case.args[0] == 0):
            raise Mismatch(
                "your KL divergence is nan. A term with q_k = 0 gave 0 · ln 0 = 0 · (−inf) = nan; "
                "by convention such a term is 0, so sum only over the k with q_k > 0 "
                "(or use scipy.special.xlogy)."
            )
        compare_scalars(got, expected, "your KL divergence")

    return KL.check(student, _kl_cases(), em.kl_divergence, compare, same=_same)


# ---------------------------------------------------------------------------
# F(q, θ) for a Gaussian mixture


def _free_energy_cases() -> list[Case]:
    rng = np.random.default_rng(20261109)
    mixtures = {case.name: case.args for case in mixture_cases(E_STEP_MIXTURES)}

    def random_q(X, weights):
        return rng.dirichlet(np.ones(len(weights)), size=len(X))

    X, *theta = mixtures["three components in 2-D"]
    three = [
        Case("3 components in 2-D with random q", (X, random_q(X, theta[0]), *theta)),
        Case("3 components in 2-D with q the posterior γ(z_nk)", (X, gmm.responsibilities(X, *theta), *theta)),
        Case(
            "3 components in 2-D with hard assignments (zeros in q)",
            (X, np.eye(3)[rng.integers(3, size=len(X))], *theta),
        ),
    ]
    others = []
    for name, case_name in [
        ("one component", "one component (q_n1 = 1)"),
        ("tiny variances (1e-4)", "tiny variances (1e-4) with random q"),
        ("points far away from every component", "points far from every component with random q"),
        ("two components in 3-D", "2 components in 3-D with random q"),
    ]:
        X, *theta = mixtures[name]
        others.append(Case(case_name, (X, random_q(X, theta[0]), *theta)))
    return three + others


def _expected_log_joint(X, q, weights, means, covariances):
    return em.expected_complete_log_likelihood(X, q, weights, means, covariances)


FREE_ENERGY = Exercise(
    "free energy",
    hint="build the (N, K) array ln π_k + ln N(x_n | μ_k, Σ_k) in log space, then sum q_nk · (that array − ln "
    "q_nk), taking q_nk ln q_nk = 0 where q_nk = 0.",
    mistakes=(
        Mistake(
            "no entropy",
            _expected_log_joint,
            "you returned Q = Σ q_nk ln[π_k N(x_n | μ_k, Σ_k)] alone: the entropy term is missing. "
            "F = Q + H(q), with H(q) = −Σ q_nk ln q_nk.",
        ),
        Mistake(
            "entropy with the wrong sign",
            lambda X, q, *theta: _expected_log_joint(X, q, *theta) - em.entropy(q),
            "you returned Q − H(q): the entropy has the wrong sign. F = Σ q_nk ln[π_k N / q_nk] subtracts "
            "q_nk ln q_nk, i.e. adds H(q) = −Σ q_nk ln q_nk.",
        ),
        Mistake(
            "no mixing coefficients",
            lambda X, q, w, m, c: float(np.sum(q * gmm.log_gaussian(X, m, c))) + em.entropy(q),
            "your value lacks the term Σ q_nk ln π_k: the joint is π_k N(x_n | μ_k, Σ_k), so include the "
            "mixing coefficients.",
        ),
        Mistake(
            "the log-likelihood",
            lambda X, q, *theta: gmm.log_likelihood(X, *theta),
            "you returned ln p(X | θ), the log-likelihood; it equals F only when q is the posterior. "
            "Use the q you are given.",
        ),
        Mistake(
            "averaged",
            lambda X, q, *theta: em.free_energy(X, q, *theta) / len(X),
            "you returned the answer divided by N: sum over the points instead of averaging.",
        ),
        Mistake(
            "logs of densities",
            lambda X, q, w, m, c: float(np.sum(q * np.log(w * np.exp(gmm.log_gaussian(X, m, c))))) + em.entropy(q),
            "compute ln π_k + ln N(x_n | μ_k, Σ_k) directly in log space",
            by_answer=False,
        ),
        Mistake(
            "0 ln 0",
            lambda X, q, w, m, c: float(np.sum(q * (np.log(w) + gmm.log_gaussian(X, m, c) - np.log(q)))),
            "by convention such terms are 0",
            by_answer=False,
        ),
    ),
)


@FREE_ENERGY.checker
def check_free_energy(student) -> Feedback:
    """Check ``student(X, q, weights, means, covariances)``, which should return the free energy
    F(q, θ) = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k) / q_nk] for an (N, K) array q whose rows sum to 1."""

    def compare(got, expected, case):
        X, q, _, means, covariances = case.args
        value = as_array(got, "your free energy")
        if value.shape == () and not np.isfinite(value):
            if np.any(np.exp(gmm.log_gaussian(X, means, covariances))[q > 0] == 0):
                raise Mismatch(
                    f"your free energy is {float(value)}, but the answer is finite ({expected:.6g}). "
                    "Some densities N(x_n | μ_k, Σ_k) underflow to 0 here, so ln of the density "
                    "is −inf: compute ln π_k + ln N(x_n | μ_k, Σ_k) directly in log space "
                    "(e.g. scipy.stats.multivariate_normal.logpdf) instead of taking np.log of "
                    "a density."
                )
            if np.isnan(value) and np.any(q == 0):
                raise Mismatch(
                    "your free energy is nan. Some q_nk are 0, and 0 · ln 0 = 0 · (−inf) = nan; "
                    "by convention such terms are 0 (use scipy.special.xlogy(q, q) for q ln q)."
                )
        compare_scalars(got, expected, "your free energy", rtol=1e-8, atol=1e-8)

    return FREE_ENERGY.check(student, _free_energy_cases(), em.free_energy, compare, same=_same)


# ---------------------------------------------------------------------------
# The hard E step and the gap it leaves


def _hard_e_step(X, weights, means, covariances):
    table = bounds.hard_e_step(X, weights, means, covariances)
    return table, em.kl_to_posterior(X, table, weights, means, covariances)


def _log_joint(X, weights, means, covariances):
    return np.log(weights) + gmm.log_gaussian(X, means, covariances)


def _hard_from(log_joint, log_gamma, pick=np.argmax):
    """The one-hot table of ``pick`` over k of ``log_joint`` and the gap −Σ_n log_gamma[n, k_n]."""
    labels = pick(log_joint, axis=1)
    return np.eye(log_joint.shape[1])[labels], -float(log_gamma[np.arange(len(labels)), labels].sum())


def _right_log_gamma(log_joint):
    return log_joint - logsumexp(log_joint, axis=1, keepdims=True)


def _argmin(X, *theta):
    ell = _log_joint(X, *theta)
    return _hard_from(ell, _right_log_gamma(ell), pick=np.argmin)


def _gap_with_the_wrong_sign(X, *theta):
    table, gap = _hard_e_step(X, *theta)
    return table, -gap


def _wrong_axis(X, *theta):
    ell = _log_joint(X, *theta)
    wrong = ell - logsumexp(ell, axis=0, keepdims=True)
    return _hard_from(wrong, wrong)


def _wrong_axis_for_the_gap(X, *theta):
    ell = _log_joint(X, *theta)
    return _hard_from(ell, ell - logsumexp(ell, axis=0, keepdims=True))


def _linear_space(X, weights, means, covariances):
    joint = weights * np.exp(gmm.log_gaussian(X, means, covariances))
    gamma = joint / joint.sum(axis=1, keepdims=True)
    return _hard_from(np.log(joint), np.log(gamma))


def _hard_e_step_cases() -> list[Case]:
    mixtures = {case.name: case.args for case in mixture_cases(E_STEP_MIXTURES)}
    X, _, means, covariances = mixtures["three components in 2-D"]
    twins = (np.array([0.5, 0.5]), np.array([means[1], means[1]]), np.array([covariances[1]] * 2))
    return [
        Case("3 components in 2-D", mixtures["three components in 2-D"]),
        Case("2 components in 3-D", mixtures["two components in 3-D"]),
        Case("one component (the gap is 0)", mixtures["one component"]),
        Case("two identical components (every point a tie, gap N ln 2)", (X, *twins)),
        Case("points far from every component", mixtures["points far away from every component"]),
        Case("tiny variances (1e-4)", mixtures["tiny variances (1e-4)"]),
    ]


HARD_E_STEP = Exercise(
    "hard E step",
    hint="build ℓ_nk = ln π_k + ln N(x_n | μ_k, Σ_k) as an (N, K) array; k_n = np.argmax(ℓ, axis=1); "
    "ln γ(z_nk) = ℓ_nk − logsumexp over k of ℓ_nk; the gap is −Σ_n ln γ(z_{n k_n}).",
    mistakes=(
        Mistake(
            "argmin",
            _argmin,
            "you put each point on its least responsible component (argmin): the hard E step maximises "
            "F, so each row goes to k_n = argmax_k ℓ_nk.",
        ),
        Mistake(
            "gap with the wrong sign",
            _gap_with_the_wrong_sign,
            "your gap has the wrong sign: you returned Σ_n ln γ(z_{n k_n}), which is never positive. The gap "
            "is a KL divergence, −Σ_n ln γ(z_{n k_n}) ≥ 0.",
        ),
        Mistake(
            "normalised over the points",
            _wrong_axis,
            "you normalised over the points (axis=0): each row n of γ sums to 1 over the components, "
            "ln γ(z_nk) = ℓ_nk − ln Σ_j exp(ℓ_nj), so take logsumexp along axis=1.",
        ),
        Mistake(
            "normalised over the points, for the gap only",
            _wrong_axis_for_the_gap,
            "your table is right but your gap is not: you normalised over the points (axis=0). "
            "Each row n of γ sums to 1 over the components, so take logsumexp along axis=1.",
        ),
        Mistake("linear space", _linear_space, "compute ln γ(z_nk) in log space", by_answer=False),
        Mistake(
            "labels",
            lambda X, *theta: (bounds.hard_e_step(X, *theta).argmax(axis=1), _hard_e_step(X, *theta)[1]),
            "np.eye(K)[labels]",
            by_answer=False,
        ),
    ),
)


@HARD_E_STEP.checker
def check_hard_e_step(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, which should return ``(q, gap)``: the
    one-hot (N, K) table with q_nk = 1 for k = argmax_k [ln π_k + ln N(x_n | μ_k, Σ_k)] (the first
    such k on a tie) and the gap KL(q ‖ p(Z | X, θ)) = −Σ_n ln γ(z_{n k_n})."""

    def compare(got, expected, case):
        X, _, means, covariances = case.args
        if got is None:
            raise Mismatch("your function returned None; did you forget the `return` statement?")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Mismatch("return two results, as a tuple (q, gap).")
        table, gap = as_array(got[0], "your table q"), as_array(got[1], "your gap")
        if table.shape == expected[0].shape[:1]:
            raise Mismatch(
                f"your table q has shape {table.shape}: you returned the labels k_n. Return the "
                "one-hot (N, K) table, np.eye(K)[labels]."
            )
        underflow = np.any(np.exp(gmm.log_gaussian(X, means, covariances)) == 0)
        if gap.shape == () and not np.isfinite(gap) and np.isfinite(expected[1]) and underflow:
            raise Mismatch(
                f"your gap is {float(gap)}, but the answer is finite ({expected[1]:.6g}). "
                "Some densities N(x_n | μ_k, Σ_k) underflow to 0 here, so γ computed from them "
                "is 0/0 or 0 and its log is nan or −inf: compute ln γ(z_nk) in log space, "
                "ℓ_nk − logsumexp over k of ℓ_nk (scipy.special.logsumexp)."
            )
        compare_arrays(table, expected[0], "your table q", rtol=0, atol=0)
        compare_scalars(gap, expected[1], "your gap", rtol=1e-8, atol=1e-8)

    return HARD_E_STEP.check(student, _hard_e_step_cases(), _hard_e_step, compare, same=_same)
