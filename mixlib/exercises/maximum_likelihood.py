"""Checkers for maximum likelihood and the EM algorithm (chapters 5 and 6).

The M step's updates, for fixed responsibilities γ(z_nk):

    N_k = Σ_n γ(z_nk),    π_k = N_k / N,    μ_k = (1/N_k) Σ_n γ(z_nk) x_n,
    Σ_k = (1/N_k) Σ_n γ(z_nk)(x_n − μ_k)(x_n − μ_k)ᵀ;

one full EM iteration (E step, then M step); and the EM loop with its stopping
rule.  :func:`finite_difference_gradient` differentiates a function of the
mixture parameters numerically, along directions that keep the parameters
valid, so that a chapter can check that a stationarity condition holds.
"""
from __future__ import annotations

import numpy as np

from .. import gmm
from ..data import load_faithful, random_blobs, standardise
from ._core import Case, Feedback, Mismatch, as_array, check_function, compare_arrays
from .gmm import _mixture_cases

_AXIS_HINT = (" Check the axis you sum over: N_k = Σ_n γ(z_nk) sums over the points n, "
              "i.e. responsibilities.sum(axis=0), which has shape (K,).")


# ---------------------------------------------------------------------------
# Finite differences along the parameters


def finite_difference_gradient(f, weights, means, covariances, *, step: float = 1e-6) -> dict:
    """Central differences of ``f(weights, means, covariances)`` along valid directions.

    Returns a dict with

    - ``"means"``, shape (K, D): the derivative along each entry μ_kd;
    - ``"covariances"``, shape (K, D, D), symmetric: entry (k, i, j) is the
      derivative along the symmetric perturbation E_ij + E_ji of Σ_k (E_ii on
      the diagonal), so that Σ_k stays symmetric;
    - ``"weights"``, shape (K − 1,): entry k is the derivative along
      e_k − e_K (π_k up, π_K down by the same amount), so that Σ_k π_k = 1.

    Each is (f(θ + h d) − f(θ − h d)) / (2h) with h = ``step``, exact up to
    O(h²) and rounding of order ε|f|/h.
    """
    weights = np.asarray(weights, dtype=float)
    means = np.asarray(means, dtype=float)
    covariances = np.asarray(covariances, dtype=float)
    K, D = means.shape

    def along(dw, dm, dc):
        up = f(weights + step * dw, means + step * dm, covariances + step * dc)
        down = f(weights - step * dw, means - step * dm, covariances - step * dc)
        return (up - down) / (2.0 * step)

    no_w, no_m, no_c = np.zeros(K), np.zeros((K, D)), np.zeros((K, D, D))
    grad_means = np.zeros((K, D))
    for k in range(K):
        for d in range(D):
            dm = no_m.copy()
            dm[k, d] = 1.0
            grad_means[k, d] = along(no_w, dm, no_c)
    grad_cov = np.zeros((K, D, D))
    for k in range(K):
        for i in range(D):
            for j in range(i, D):
                dc = no_c.copy()
                dc[k, i, j] = dc[k, j, i] = 1.0
                grad_cov[k, i, j] = grad_cov[k, j, i] = along(no_w, no_m, dc)
    grad_weights = np.zeros(K - 1)
    for k in range(K - 1):
        dw = no_w.copy()
        dw[k], dw[K - 1] = 1.0, -1.0
        grad_weights[k] = along(dw, no_m, no_c)
    return {"weights": grad_weights, "means": grad_means, "covariances": grad_cov}


# ---------------------------------------------------------------------------
# Cases


def _responsibility_cases() -> list[Case]:
    """(X, responsibilities) pairs: soft, nearly hard, one component, 3-D, exactly hard."""
    cases = []
    for case in _mixture_cases():
        X, weights, means, covariances = case.args
        cases.append(Case(case.name, (X, gmm.responsibilities(X, weights, means, covariances))))
    X = cases[0].args[0]
    labels = np.arange(X.shape[0]) % 3
    cases.append(Case("hard (one-hot) responsibilities as in k-means", (X, np.eye(3)[labels])))
    return cases


def _with_axis_hint(feedback: Feedback) -> Feedback:
    if not feedback.passed and "could not be broadcast" in feedback.message:
        return Feedback(feedback.exercise, False, feedback.message.rstrip().rstrip(".") + "." + _AXIS_HINT)
    return feedback


def _hard_means(X, resp):
    """Means of the points whose largest responsibility is k (k-means' update)."""
    K = resp.shape[1]
    one_hot = np.eye(K)[np.argmax(resp, axis=1)]
    counts = one_hot.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (one_hot.T @ X) / counts[:, None]


# ---------------------------------------------------------------------------
# The M step, one update at a time


def check_m_step_means(student) -> Feedback:
    """Check ``student(X, responsibilities)``, which should return the (K, D) means
    μ_k = (1/N_k) Σ_n γ(z_nk) x_n with N_k = Σ_n γ(z_nk)."""

    def reference(X, resp):
        return (resp.T @ X) / resp.sum(axis=0)[:, None]

    def compare(got, expected, case):
        got = as_array(got, "your means")
        X, resp = case.args
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            N, Nk = X.shape[0], resp.sum(axis=0)
            if not np.allclose(Nk, N) and np.allclose(got, expected * (Nk / N)[:, None], rtol=1e-6):
                raise Mismatch("your means are divided by N, the number of all points; divide "
                               "component k's weighted sum by its own N_k = Σ_n γ(z_nk).")
            if not np.allclose(Nk, 1.0) and np.allclose(got, expected * Nk[:, None], rtol=1e-6):
                raise Mismatch("you returned the weighted sums Σ_n γ(z_nk) x_n; divide each by "
                               "N_k = Σ_n γ(z_nk) to get a weighted average.")
            hard = _hard_means(X, resp)
            if (np.all(np.isfinite(hard)) and not np.allclose(hard, expected, rtol=1e-6)
                    and np.allclose(got, hard, rtol=1e-6)):
                raise Mismatch("your means are averages over hard assignments (each point given to "
                               "its most responsible component), as in k-means; weight every point "
                               "by its responsibility γ(z_nk) instead.")
        compare_arrays(got, expected, "your means")

    return _with_axis_hint(check_function(
        student,
        exercise="M step for μ_k",
        cases=_responsibility_cases(),
        reference=reference,
        compare=compare,
        hint="N_k is responsibilities.sum(axis=0); the weighted sums Σ_n γ(z_nk) x_n are "
        "responsibilities.T @ X.",
    ))


def check_m_step_weights(student) -> Feedback:
    """Check ``student(responsibilities)``, which should return the (K,) mixing
    coefficients π_k = N_k / N with N_k = Σ_n γ(z_nk)."""

    def reference(resp):
        return resp.sum(axis=0) / resp.shape[0]

    def compare(got, expected, case):
        got = as_array(got, "your weights")
        (resp,) = case.args
        N, K = resp.shape
        if got.shape == (N,) and N != K:
            raise Mismatch(f"your weights have shape ({N},), one number per point: you summed over "
                           "the components k (axis=1). N_k = Σ_n γ(z_nk) sums over the points "
                           "n (axis=0).")
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            Nk = resp.sum(axis=0)
            if N != 1 and np.allclose(got, Nk, rtol=1e-6):
                raise Mismatch(f"your weights are the effective numbers N_k and sum to {got.sum():.6g}; "
                               "divide by N so that they sum to 1.")
            if not np.isclose(got.sum(), 1.0, atol=1e-6):
                raise Mismatch(f"your weights sum to {got.sum():.6g}, but mixing coefficients sum to 1.")
        compare_arrays(got, expected, "your weights")

    cases = [Case(case.name, (case.args[1],)) for case in _responsibility_cases()]
    return _with_axis_hint(check_function(
        student,
        exercise="M step for π_k",
        cases=cases,
        reference=reference,
        compare=compare,
        hint="N_k = responsibilities.sum(axis=0) is the effective number of points of component k; "
        "π_k = N_k / N.",
    ))


def check_m_step_covariances(student) -> Feedback:
    """Check ``student(X, responsibilities, means)``, which should return the (K, D, D)
    covariances Σ_k = (1/N_k) Σ_n γ(z_nk) (x_n − μ_k)(x_n − μ_k)ᵀ about the given means.

    The "divided by N" diagnosis is made only where N_k ≠ N: with one component
    the two are the same, and a correct answer must not be called wrong.
    """

    def compare(got, expected, case):
        got = as_array(got, "your covariances")
        X, resp, _ = case.args
        if got.shape == expected.shape and np.all(np.isfinite(got)):
            N, Nk = X.shape[0], resp.sum(axis=0)
            if not np.allclose(Nk, N) and np.allclose(got, expected * (Nk / N)[:, None, None], rtol=1e-6):
                raise Mismatch("your covariances are divided by N; divide component k's sum by its "
                               "own N_k = Σ_n γ(z_nk).")
            if not np.allclose(Nk, 1.0) and np.allclose(got, expected * Nk[:, None, None], rtol=1e-6):
                raise Mismatch("you returned the weighted sums Σ_n γ(z_nk)(x_n − μ_k)(x_n − μ_k)ᵀ; "
                               "divide each by N_k = Σ_n γ(z_nk).")
            if not np.allclose(got, np.swapaxes(got, 1, 2), atol=1e-10):
                raise Mismatch("your covariances are not symmetric; use the outer product "
                               "(x_n − μ_k)(x_n − μ_k)ᵀ.")
        compare_arrays(got, expected, "your covariances")

    cases = []
    for case in _responsibility_cases():
        X, resp = case.args
        cases.append(Case(case.name, (X, resp, (resp.T @ X) / resp.sum(axis=0)[:, None])))
    return _with_axis_hint(check_function(
        student,
        exercise="M step for Σ_k",
        cases=cases,
        reference=lambda X, resp, means: _covariances_about(X, resp, means),
        compare=compare,
        hint="for each k, weight the outer products of the residuals x_n − μ_k by γ(z_nk), sum over n "
        "and divide by N_k.",
    ))


# ---------------------------------------------------------------------------
# One EM iteration


def _em_reference(X, weights, means, covariances, *, reg_covar=0.0):
    resp = gmm.responsibilities(X, weights, means, covariances)
    return gmm.m_step(X, resp, reg_covar=reg_covar)


def _unnormalised_em(X, weights, means, covariances):
    """What an EM iteration gives if the rows of γ are not divided by their sums."""
    a = np.exp(gmm.log_gaussian(X, means, covariances)) * weights
    Nk = a.sum(axis=0)
    with np.errstate(all="ignore"):  # every density may underflow: then nothing matches, which is fine
        return Nk / X.shape[0], (a.T @ X) / Nk[:, None]


def _covariances_about(X, resp, centres):
    Nk = resp.sum(axis=0)
    return np.stack([(resp[:, k] * (X - centres[k]).T) @ (X - centres[k]) / Nk[k] for k in range(len(Nk))])


_NAMES = ("weights", "means", "covariances")


def _three_arrays(got, expected):
    """The student's (weights, means, covariances), or a Mismatch about the tuple itself."""
    if got is None:
        raise Mismatch("your function returned None; did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise Mismatch("return the three updated parameters as a tuple (weights, means, covariances).")
    arrays = [as_array(g, f"your {name}") for g, name in zip(got, _NAMES)]
    shapes = [a.shape for a in arrays]
    wanted = [e.shape for e in expected]
    if shapes != wanted and sorted(shapes) == sorted(wanted) and len(set(wanted)) == 3:
        order = ", ".join(_NAMES[wanted.index(s)] for s in shapes)
        raise Mismatch(f"you returned ({order}); return them in the order (weights, means, covariances).")
    return arrays


def check_em_iteration(student) -> Feedback:
    """Check ``student(X, weights, means, covariances)``, one EM iteration: the E step
    (responsibilities at the given parameters) then the M step (N_k, π_k, μ_k, Σ_k, with
    Σ_k about the new μ_k and no regularisation). It should return the tuple
    ``(weights, means, covariances)`` of the updated parameters."""

    def compare(got, expected, case):
        weights, means, covs = _three_arrays(got, expected)
        X, old_weights, old_means, old_covs = case.args
        resp = gmm.responsibilities(X, old_weights, old_means, old_covs)
        if all(g.shape == e.shape for g, e in zip((weights, means, covs), expected)) and all(
                np.all(np.isfinite(g)) for g in (weights, means, covs)):
            wrong_w, wrong_m = _unnormalised_em(X, old_weights, old_means, old_covs)
            if (not np.allclose(wrong_m, expected[1], rtol=1e-6)
                    and (np.allclose(weights, wrong_w, rtol=1e-6) or np.allclose(means, wrong_m, rtol=1e-6))):
                raise Mismatch("your responsibilities are not normalised: divide π_k N(x_n | μ_k, Σ_k) "
                               "by Σ_j π_j N(x_n | μ_j, Σ_j), so that each row sums to 1.")
            if not np.isclose(weights.sum(), 1.0, atol=1e-6):
                raise Mismatch(f"your weights sum to {weights.sum():.6g}, not 1; π_k = N_k / N with "
                               "responsibilities whose rows sum to 1.")
            compare_arrays(weights, expected[0], "your weights")
            compare_arrays(means, expected[1], "your means")
            stale = _covariances_about(X, resp, old_means)
            if not np.allclose(stale, expected[2], rtol=1e-6) and np.allclose(covs, stale, rtol=1e-6):
                raise Mismatch("your covariances are computed about the old means; update μ_k first "
                               "and use the new μ_k in Σ_k = (1/N_k) Σ_n γ(z_nk)(x_n − μ_k)(x_n − μ_k)ᵀ.")
            D = X.shape[1]
            if np.allclose(covs, expected[2] + 1e-6 * np.eye(D), rtol=1e-9, atol=1e-12):
                raise Mismatch("your covariances have 1e-6 added to the diagonal (mixlib's default "
                               "reg_covar); the textbook M step has none: pass reg_covar=0.")
        for g, e, name in zip((weights, means, covs), expected, _NAMES):
            compare_arrays(g, e, f"your {name}")

    return check_function(
        student,
        exercise="one EM iteration",
        cases=_mixture_cases(),
        reference=_em_reference,
        compare=compare,
        hint="E step: γ = responsibilities at the given parameters; M step: N_k = γ.sum(axis=0), "
        "π_k = N_k/N, μ_k = γ.T @ X / N_k, then Σ_k about the new μ_k.",
    )


# ---------------------------------------------------------------------------
# The EM loop


def _loop_cases() -> list[Case]:
    Xs = standardise(load_faithful())[0]
    poor = (np.array([0.5, 0.5]), np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0.5 * np.eye(2)] * 2))
    X3, _, _ = random_blobs(150, 3, seed=7)
    start3 = (np.full(3, 1 / 3), X3[[0, 50, 100]].copy(), np.array([np.cov(X3.T)] * 3))
    return [
        Case("Old Faithful (standardised) with tol=1e-3", (Xs, poor, 1e-3, 100)),
        Case("Old Faithful with tol=0 (all 7 iterations)", (Xs, poor, 0.0, 7)),
        Case("three blobs with tol=1e-8", (X3, start3, 1e-8, 200)),
        Case("three blobs stopped by max_iter=3", (X3, start3, 1e-8, 3)),
        Case("a single iteration (max_iter=1)", (Xs, poor, 1e-3, 1)),
    ]


def _trace(X, init, tol, max_iter, reg_covar=0.0):
    """The log-likelihoods of mixlib's EM run, iteration 0 (the start) included."""
    fit = gmm.fit_gmm(X, len(init[0]), init=init, tol=tol, max_iter=max_iter, reg_covar=reg_covar)
    return fit.log_likelihoods


def check_em_loop(student) -> Feedback:
    """Check ``student(X, init, tol, max_iter)``, the EM loop: starting from
    ``init = (weights, means, covariances)``, it should return the log-likelihood trace
    [ln p(X | θ⁽⁰⁾), ln p(X | θ⁽¹⁾), …], one value per EM iteration plus the initial one,
    stopping after the first iteration whose change per point |Δ ln p| / N is below ``tol``
    or after ``max_iter`` iterations (no regularisation of the covariances)."""

    def compare(got, expected, case):
        got = as_array(got, "your trace")
        if got.ndim != 1:
            raise Mismatch(f"your trace should be a 1-D sequence of log-likelihoods, one per "
                           f"iteration, but has shape {got.shape}.")
        X, init, tol, max_iter = case.args
        if got.size == 0:
            raise Mismatch("your trace is empty; record ln p(X | θ) before the first iteration and "
                           "after each one.")
        if not np.all(np.isfinite(got)):
            raise Mismatch("your trace contains NaN or inf; a covariance may have collapsed.")
        if got.size == expected.size - 1 and np.allclose(got, expected[1:], rtol=1e-7):
            raise Mismatch("your trace leaves out the starting value: it should begin with "
                           f"ln p(X | θ⁽⁰⁾) = {expected[0]:.6g} at the initial parameters.")
        if not np.isclose(got[0], expected[0], rtol=1e-7):
            raise Mismatch(f"your trace should start at the log-likelihood of the initial parameters, "
                           f"{expected[0]:.6g}, but it starts at {got[0]:.6g}.")
        drops = np.flatnonzero(np.diff(got) < -1e-9 * np.abs(got[1:]))
        if drops.size:
            i = int(drops[0]) + 1
            raise Mismatch(f"your trace decreases at iteration {i} (from {got[i - 1]:.6g} to {got[i]:.6g}); "
                           "EM never lowers the log-likelihood, so your E or M step is wrong.")
        common = min(got.size, expected.size)
        differ = np.flatnonzero(~np.isclose(got[:common], expected[:common], rtol=1e-7, atol=1e-9))
        if differ.size:
            regularised = _trace(X, init, tol, max_iter, reg_covar=1e-6)
            if regularised.size == got.size and np.allclose(got, regularised, rtol=1e-9):
                raise Mismatch("your trace matches EM with reg_covar=1e-6 (mixlib's default in m_step); "
                               "the textbook M step has none: pass reg_covar=0.")
            i = int(differ[0])
            raise Mismatch(f"your trace differs from EM's at iteration {i}: you have {got[i]:.8g}, EM gives "
                           f"{expected[i]:.8g}. Test your iteration with check_em_iteration first.")
        n_got, n_expected = got.size - 1, expected.size - 1
        if n_got != n_expected:
            absolute = _trace(X, init, tol / X.shape[0], max_iter)
            if tol > 0 and absolute.size == got.size:
                raise Mismatch(f"your run stops after {n_got} iterations instead of {n_expected}: you compared "
                               "the change of the total log-likelihood with tol; the rule compares the "
                               "change per point, |Δ ln p| / N, with tol.")
            if n_got == max_iter:
                raise Mismatch(f"you ran all max_iter = {max_iter} iterations, but the stopping rule ends "
                               f"the run after {n_expected}: stop as soon as |Δ ln p| / N < tol.")
            if n_got > n_expected:
                raise Mismatch(f"your run goes on for {n_got} iterations, the stopping rule ends it after "
                               f"{n_expected}: stop after the first iteration with |Δ ln p| / N < tol.")
            raise Mismatch(f"your run stops after {n_got} iterations, too early: the stopping rule "
                           f"(|Δ ln p| / N < tol, or max_iter = {max_iter} iterations) ends it after {n_expected}.")
        compare_arrays(got, expected, "your trace", rtol=1e-7, atol=1e-9)

    return check_function(
        student,
        exercise="the EM loop",
        cases=_loop_cases(),
        reference=_trace,
        compare=compare,
        hint="start the trace with the log-likelihood at init; then repeat: one EM iteration, "
        "append the new log-likelihood, stop if |new − old| / N < tol.",
    )
