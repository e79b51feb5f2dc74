"""Checkers for the exercises of the chapter "The EM algorithm for Gaussian mixtures".

- :func:`check_em_iteration`: one E step then one M step;
- :func:`check_em_loop`: the loop with its stopping rule, as a trace of log-likelihoods.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .. import gmm
from ..data import load_faithful, random_blobs, standardise
from ._cases import E_STEP_MIXTURES, mixture_cases, quiet_fit
from ._core import Case, Exercise, Feedback, Mismatch, Mistake, as_array, compare_tuple, same_answer
from .maximum_likelihood import covariance_sums

_PARAMETERS = ("weights", "means", "covariances")

# ---------------------------------------------------------------------------
# One EM iteration


def _em_iteration(X, weights, means, covariances, *, reg_covar=0.0):
    return gmm.m_step(X, gmm.responsibilities(X, weights, means, covariances), reg_covar=reg_covar)


def _m_step_from(X, resp, *, about_old=None):
    """π, μ and Σ from (possibly unnormalised) responsibilities; Σ about ``about_old`` if given."""
    Nk = resp.sum(axis=0)
    means = (resp.T @ X) / Nk[:, None]
    centres = means if about_old is None else about_old
    return Nk / X.shape[0], means, covariance_sums(X, resp, centres) / Nk[:, None, None]


def _means_not_lined_up(X, weights, means, covariances):
    """μ_k = γᵀX / N_k written without [:, None]: NumPy lines N_k up with the columns."""
    resp = gmm.responsibilities(X, weights, means, covariances)
    Nk = resp.sum(axis=0)
    new_means = (resp.T @ X) / Nk
    return Nk / X.shape[0], new_means, covariance_sums(X, resp, new_means) / Nk[:, None, None]


def _swap_first_two(weights, means, covariances):
    return means, weights, covariances


EM_ITERATION = Exercise(
    "one EM iteration",
    hint="E step: γ = responsibilities at the given parameters; M step: Nk = γ.sum(axis=0), π_k = Nk / N, "
    "μ_k = (γ.T @ X) / Nk[:, None] (row k divided by N_k), then Σ_k about the new μ_k, divided by "
    "Nk[:, None, None].",
    mistakes=(
        Mistake(
            "covariances about the old means",
            lambda X, w, m, c: _m_step_from(X, gmm.responsibilities(X, w, m, c), about_old=m),
            "your covariances are computed about the old means; update μ_k first and use the new μ_k in "
            "Σ_k = (1/N_k) Σ_n γ(z_nk)(x_n − μ_k)(x_n − μ_k)ᵀ.",
        ),
        Mistake(
            "responsibilities not normalised",
            lambda X, w, m, c: _m_step_from(X, w * np.exp(gmm.log_gaussian(X, m, c))),
            "your responsibilities are not normalised: divide π_k N(x_n | μ_k, Σ_k) by Σ_j π_j N(x_n | μ_j, Σ_j), "
            "so that each row sums to 1.",
        ),
        Mistake(
            "mixlib's default reg_covar",
            lambda *args: _em_iteration(*args, reg_covar=1e-6),
            "your covariances have 1e-6 added to the diagonal (mixlib's default reg_covar); the textbook M step "
            "has none: pass reg_covar=0.",
        ),
        Mistake(
            "divide row k by N_k: Nk[:, None] (Nk[:, None, None] for Σ)",
            _means_not_lined_up,
            "Nk[:, None]",
            by_answer=False,
        ),
        Mistake(
            "order",
            lambda *args: _swap_first_two(*_em_iteration(*args)),
            "return them in the order (weights, means, covariances)",
            by_answer=False,
        ),
        Mistake("a single array", lambda *args: _em_iteration(*args)[1], "as a tuple", by_answer=False),
    ),
)


def _with_division_hint(feedback: Feedback) -> Feedback:
    """NumPy's broadcast error, with what to write instead (unless the feedback already says it)."""
    if feedback.passed or "could not be broadcast" not in feedback.message or "Nk[:, None]" in feedback.message:
        return feedback
    return Feedback(
        feedback.exercise,
        False,
        feedback.message.rstrip().rstrip(".") + ". NumPy lines up the "
        "last axes, so the (K,) array N_k cannot divide the (K, D) sums as it is: to divide row k "
        "by N_k, write Nk[:, None] (and Nk[:, None, None] for the (K, D, D) scatter matrices).",
    )


@EM_ITERATION.checker
def check_em_iteration(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, one EM iteration: the E step
    (responsibilities at the given parameters) then the M step (N_k, π_k, μ_k, Σ_k, with
    Σ_k about the new μ_k and no regularisation). It should return the tuple
    ``(weights, means, covariances)`` of the updated parameters."""

    def compare(got, expected, case):
        if isinstance(got, (tuple, list)) and len(got) == 3:
            weights = as_array(got[0], "your weights")
            if (
                weights.shape == expected[0].shape
                and np.all(np.isfinite(weights))
                and not np.isclose(weights.sum(), 1.0, atol=1e-6)
            ):
                raise Mismatch(
                    f"your weights sum to {weights.sum():.6g}, not 1; π_k = N_k / N with "
                    "responsibilities whose rows sum to 1."
                )
        compare_tuple(got, expected, _PARAMETERS)

    return _with_division_hint(EM_ITERATION.check(student, mixture_cases(E_STEP_MIXTURES), _em_iteration, compare))


# ---------------------------------------------------------------------------
# The EM loop


def _loop_cases() -> list[Case]:
    Xs = standardise(load_faithful())[0]
    poor = (np.array([0.5, 0.5]), np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0.5 * np.eye(2)] * 2))
    X3, _, _ = random_blobs(150, 3, seed=7)
    start3 = (np.full(3, 1 / 3), X3[[0, 50, 100]].copy(), np.array([np.cov(X3.T)] * 3))
    return [
        # At tol=1e-4 the rule on the total change stops two iterations after the rule per point, so a
        # loop that runs one iteration too many is told so, not that it compared the total change.
        Case("Old Faithful (standardised) with tol=1e-4", (Xs, poor, 1e-4, 100)),
        Case("Old Faithful with tol=0 (all 7 iterations)", (Xs, poor, 0.0, 7)),
        Case("three blobs with tol=1e-8", (X3, start3, 1e-8, 200)),
        Case("three blobs stopped by max_iter=3", (X3, start3, 1e-8, 3)),
        Case("a single iteration (max_iter=1)", (Xs, poor, 1e-3, 1)),
    ]


def _trace(X, init, tol, max_iter, reg_covar=0.0):
    """The log-likelihoods of mixlib's EM run, iteration 0 (the start) included."""
    fit = quiet_fit(X, len(init[0]), init=init, tol=tol, max_iter=max_iter, reg_covar=reg_covar)
    return fit.log_likelihoods


def _one_iteration_too_many(X, init, tol, max_iter):
    """A loop that tests the stopping rule only after the next iteration has run."""
    n_iter = len(_trace(X, init, tol, max_iter)) - 1
    return _trace(X, init, 0.0, min(n_iter + 1, max_iter))


EM_LOOP = Exercise(
    "the EM loop",
    hint="start the trace with the log-likelihood at init; then repeat: one EM iteration, append the new "
    "log-likelihood, stop if |new − old| / N < tol.",
    mistakes=(
        Mistake(
            "no starting value",
            lambda *args: _trace(*args)[1:],
            "your trace leaves out the starting value: it should begin with ln p(X | θ⁽⁰⁾) at the initial parameters.",
        ),
        Mistake(
            "tol ignored",
            lambda X, init, tol, max_iter: _trace(X, init, 0.0, max_iter),
            "you ran all max_iter iterations, but the stopping rule ends the run sooner: stop as soon as "
            "|ln p⁽ᵗ⁾ − ln p⁽ᵗ⁻¹⁾| / N < tol.",
        ),
        Mistake(
            "total change compared with tol",
            lambda X, init, tol, max_iter: _trace(X, init, tol / len(X), max_iter),
            "you compared the change of the total log-likelihood with tol; the rule compares the change per "
            "point, |ln p⁽ᵗ⁾ − ln p⁽ᵗ⁻¹⁾| / N, with tol.",
        ),
        Mistake(
            "mixlib's default reg_covar",
            lambda *args: _trace(*args, reg_covar=1e-6),
            "your trace matches EM with reg_covar=1e-6 (mixlib's default in m_step); the textbook M step has "
            "none: pass reg_covar=0.",
        ),
        Mistake("one iteration too many", _one_iteration_too_many, "goes on for", by_answer=False),
        Mistake(
            "one iteration short",
            lambda X, init, tol, max_iter: _trace(X, init, tol, max(max_iter - 1, 1)),
            "too early",
            by_answer=False,
        ),
    ),
)


@EM_LOOP.checker
def check_em_loop(student) -> Feedback:
    """Check ``student(X, init, tol, max_iter)``, the EM loop: starting from
    ``init = (weights, means, covariances)``, it should return the log-likelihood trace
    [ln p(X | θ⁽⁰⁾), ln p(X | θ⁽¹⁾), …], one value per EM iteration plus the initial one,
    stopping after the first iteration whose change per point |ln p⁽ᵗ⁾ − ln p⁽ᵗ⁻¹⁾| / N is below ``tol``
    or after ``max_iter`` iterations (no regularisation of the covariances)."""

    def compare(got, expected, case):
        got = as_array(got, "your trace")
        if got.ndim != 1:
            raise Mismatch(
                f"your trace should be a 1-D sequence of log-likelihoods, one per iteration, but has shape {got.shape}."
            )
        if got.size == 0:
            raise Mismatch("your trace is empty; record ln p(X | θ) before the first iteration and after each one.")
        if not np.all(np.isfinite(got)):
            raise Mismatch("your trace contains NaN or inf; a covariance may have collapsed.")
        if not np.isclose(got[0], expected[0], rtol=1e-7):
            raise Mismatch(
                f"your trace should start at the log-likelihood of the initial parameters, "
                f"{expected[0]:.6g}, but it starts at {got[0]:.6g}."
            )
        drops = np.flatnonzero(np.diff(got) < -1e-9 * np.abs(got[1:]))
        if drops.size:
            i = int(drops[0]) + 1
            raise Mismatch(
                f"your trace decreases at iteration {i} (from {got[i - 1]:.6g} to {got[i]:.6g}); "
                "EM never lowers the log-likelihood, so your E or M step is wrong."
            )
        common = min(got.size, expected.size)
        differ = np.flatnonzero(~np.isclose(got[:common], expected[:common], rtol=1e-7, atol=1e-9))
        if differ.size:
            i = int(differ[0])
            raise Mismatch(
                f"your trace differs from EM's at iteration {i}: you have {got[i]:.8g}, EM gives "
                f"{expected[i]:.8g}. Test your iteration with check_em_iteration first."
            )
        n_got, n_expected = got.size - 1, expected.size - 1
        if n_got > n_expected:
            raise Mismatch(
                f"your run goes on for {n_got} iterations, the stopping rule ends it after "
                f"{n_expected}: stop after the first iteration with |ln p⁽ᵗ⁾ − ln p⁽ᵗ⁻¹⁾| / N < tol."
            )
        if n_got < n_expected:
            _, _, tol, max_iter = case.args
            raise Mismatch(
                f"your run stops after {n_got} iterations, too early: the stopping rule "
                f"(|ln p⁽ᵗ⁾ − ln p⁽ᵗ⁻¹⁾| / N < tol, or max_iter = {max_iter} iterations) "
                f"ends it after {n_expected}."
            )

    return EM_LOOP.check(student, _loop_cases(), _trace, compare, same=partial(same_answer, rtol=1e-7, atol=1e-9))
