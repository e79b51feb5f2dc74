"""Checkers for the general-EM exercises: the KL divergence and the free energy.

    KL(q ‖ p) = Σ_k q_k ln(q_k / p_k),                       with 0 ln 0 = 0;
    F(q, θ)   = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k) / q_nk] = Q + H(q).

Besides comparing with :mod:`mixlib.em`, each checker recognises the usual
slips (arguments swapped, the wrong logarithm, a missing term, a density that
underflowed) and says which one it sees.
"""
from __future__ import annotations

import numpy as np

from .. import em, gmm
from ._core import Case, Feedback, Mismatch, as_array, check_function, compare_scalars
from .gmm import _mixture_cases


def _close(got, value, rtol=1e-7):
    return bool(np.isfinite(value) and np.isclose(got, value, rtol=rtol, atol=1e-10))


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
        Case("zeros in both (q = [0.5 0.5 0] and p = [0.4 0.6 0])",
             (np.array([0.5, 0.5, 0.0]), np.array([0.4, 0.6, 0.0]))),
    ]


def check_kl_divergence(student) -> Feedback:
    """Check ``student(q, p)``, which should return KL(q ‖ p) = Σ_k q_k ln(q_k / p_k) for two
    1-D arrays of probabilities, with the convention 0 ln 0 = 0."""

    def compare(got, expected, case):
        q, p = case.args
        value = as_array(got, "your KL divergence")
        if value.shape == ():
            value = float(value)
            if np.isnan(value) and np.any(q == 0):
                raise Mismatch("your KL divergence is nan. A term with q_k = 0 gave 0 · ln 0 = 0 · (−inf) = nan; "
                               "by convention such a term is 0, so sum only over the k with q_k > 0 "
                               "(or use scipy.special.xlogy).")
            if not np.isclose(value, expected, rtol=1e-8, atol=1e-10):
                if _close(value, em.kl_divergence(p, q)):
                    raise Mismatch(f"you returned {value:.6g}, which is KL(p ‖ q): the arguments are swapped. "
                                   "KL(q ‖ p) weights the log-ratio ln(q_k / p_k) by q_k, the first argument.")
                if _close(value, expected / np.log(2.0)):
                    raise Mismatch(f"you returned {value:.6g}, which is the answer {expected:.6g} divided by ln 2: "
                                   "you used the logarithm to base 2 (bits). Use the natural logarithm, np.log.")
                if _close(value, expected / np.log(10.0)):
                    raise Mismatch(f"you returned {value:.6g}, the answer {expected:.6g} divided by ln 10: "
                                   "you used the logarithm to base 10. Use the natural logarithm, np.log.")
                if _close(value, -expected):
                    raise Mismatch(f"you returned {value:.6g}, the answer {expected:.6g} with the wrong sign: "
                                   "you computed Σ q_k ln(p_k / q_k). KL(q ‖ p) is Σ q_k ln(q_k / p_k) "
                                   "(or −Σ q_k ln(p_k / q_k)), which is never negative.")
        compare_scalars(got, expected, "your KL divergence")

    return check_function(
        student,
        exercise="KL divergence",
        cases=_kl_cases(),
        reference=em.kl_divergence,
        compare=compare,
        hint="sum q_k · ln(q_k / p_k) over the k with q_k > 0.",
    )


# ---------------------------------------------------------------------------
# F(q, θ) for a Gaussian mixture


def _free_energy_cases() -> list[Case]:
    rng = np.random.default_rng(20261109)
    mixtures = {case.name: case.args for case in _mixture_cases()}

    def random_q(X, weights):
        return rng.dirichlet(np.ones(len(weights)), size=len(X))

    X, *theta = mixtures["three components in 2-D"]
    three = [
        Case("3 components in 2-D with random q", (X, random_q(X, theta[0]), *theta)),
        Case("3 components in 2-D with q the posterior γ(z_nk)", (X, gmm.responsibilities(X, *theta), *theta)),
        Case("3 components in 2-D with hard assignments (zeros in q)",
             (X, np.eye(3)[rng.integers(3, size=len(X))], *theta)),
    ]
    others = []
    for name, case_name in [("one component", "one component (q_n1 = 1)"),
                            ("tiny variances (1e-4)", "tiny variances (1e-4) with random q"),
                            ("points far away from every component", "points far from every component with random q"),
                            ("two components in 3-D", "2 components in 3-D with random q")]:
        X, *theta = mixtures[name]
        others.append(Case(case_name, (X, random_q(X, theta[0]), *theta)))
    return three + others


def check_free_energy(student) -> Feedback:
    """Check ``student(X, q, weights, means, covariances)``, which should return the free energy
    F(q, θ) = Σ_n Σ_k q_nk ln[π_k N(x_n | μ_k, Σ_k) / q_nk] for an (N, K) array q whose rows sum to 1."""

    def compare(got, expected, case):
        X, q, weights, means, covariances = case.args
        value = as_array(got, "your free energy")
        if value.shape == ():
            value = float(value)
            if not np.isfinite(value):
                densities = np.exp(gmm.log_gaussian(X, means, covariances))
                if np.any(densities[q > 0] == 0):
                    raise Mismatch(f"your free energy is {value}, but the answer is finite ({expected:.6g}). "
                                   "Some densities N(x_n | μ_k, Σ_k) underflow to 0 here, so ln of the density "
                                   "is −inf: compute ln π_k + ln N(x_n | μ_k, Σ_k) directly in log space "
                                   "(e.g. scipy.stats.multivariate_normal.logpdf) instead of taking np.log of "
                                   "a density.")
                if np.isnan(value) and np.any(q == 0):
                    raise Mismatch("your free energy is nan. Some q_nk are 0, and 0 · ln 0 = 0 · (−inf) = nan; "
                                   "by convention such terms are 0 (use scipy.special.xlogy(q, q) for q ln q).")
            Q = em.expected_complete_log_likelihood(X, q, weights, means, covariances)
            H = em.entropy(q)
            if not np.isclose(value, expected, rtol=1e-8, atol=1e-10):
                if _close(value, Q):
                    raise Mismatch(f"you returned {value:.6g}, which is Q = Σ q_nk ln[π_k N(x_n | μ_k, Σ_k)] "
                                   "alone: the entropy term is missing. F = Q + H(q), with "
                                   "H(q) = −Σ q_nk ln q_nk.")
                if _close(value, Q - H):
                    raise Mismatch(f"you returned {value:.6g}, which is Q − H(q): the entropy has the wrong sign. "
                                   "F = Σ q_nk ln[π_k N / q_nk] subtracts q_nk ln q_nk, i.e. adds "
                                   "H(q) = −Σ q_nk ln q_nk.")
                log_weights_term = float(np.sum(q * np.log(weights)))
                if _close(value, expected - log_weights_term):
                    raise Mismatch(f"you returned {value:.6g}, which lacks the term Σ q_nk ln π_k: the joint is "
                                   "π_k N(x_n | μ_k, Σ_k), so include the mixing coefficients.")
                if _close(value, gmm.log_likelihood(X, weights, means, covariances)):
                    raise Mismatch(f"you returned {value:.6g}, which is ln p(X | θ), the log-likelihood; it equals "
                                   "F only when q is the posterior. Use the q you are given.")
                if _close(value, expected / len(X)):
                    raise Mismatch(f"you returned {value:.6g}, the answer divided by N = {len(X)}: sum over the "
                                   "points instead of averaging.")
        compare_scalars(got, expected, "your free energy", rtol=1e-8, atol=1e-8)

    return check_function(
        student,
        exercise="free energy",
        cases=_free_energy_cases(),
        reference=em.free_energy,
        compare=compare,
        hint="build the (N, K) array ln π_k + ln N(x_n | μ_k, Σ_k) in log space, then sum "
        "q_nk · (that array − ln q_nk), taking q_nk ln q_nk = 0 where q_nk = 0.",
    )
