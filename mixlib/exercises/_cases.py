"""Inputs that several checkers share: Gaussian mixtures with their data, and labelled clusters."""

from __future__ import annotations

import warnings

import numpy as np

from .. import gmm
from ..errors import ConvergenceWarning, SingularityWarning
from ._core import Case


def _mixtures() -> dict[str, tuple]:
    rng = np.random.default_rng(20261122)
    X2 = rng.normal(size=(40, 2)) * [1.0, 3.0]
    three = (
        np.array([0.5, 0.3, 0.2]),
        np.array([[0.0, 0.0], [2.0, 1.0], [-1.0, 3.0]]),
        np.array([np.eye(2), [[2.0, 0.5], [0.5, 1.0]], 0.3 * np.eye(2)]),
    )
    one = (np.array([1.0]), np.array([[0.5, -0.5]]), np.array([[[1.0, 0.3], [0.3, 2.0]]]))
    X1 = np.concatenate([rng.normal(-2.0, 0.5, 15), rng.normal(1.5, 1.0, 25)])[:, None]
    line = (np.array([0.4, 0.6]), np.array([[-2.0], [1.5]]), np.array([[[0.25]], [[1.0]]]))
    tiny = (np.array([0.5, 0.5]), np.array([[0.0, 0.0], [0.1, 0.0]]), np.array([1e-4 * np.eye(2), 1e-4 * np.eye(2)]))
    X_far = np.vstack([X2[:5], [[60.0, -80.0], [1e3, 1e3]]])
    X3 = rng.normal(size=(30, 3))
    three_d = (
        np.array([0.6, 0.4]),
        np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
        np.array([np.eye(3), np.diag([0.5, 1.0, 2.0])]),
    )
    return {
        "three components in 2-D": (X2, *three),
        "one component": (X2, *one),
        "two components in 1-D": (X1, *line),
        "two components in 3-D": (X3, *three_d),
        "tiny variances (1e-4)": (X2, *tiny),
        "points far away from every component": (X_far, *three),
    }


#: The mixtures of the E step and everything built on it; the last two defeat a naive sum of densities.
E_STEP_MIXTURES = (
    "three components in 2-D",
    "one component",
    "tiny variances (1e-4)",
    "points far away from every component",
    "two components in 3-D",
)


def mixture_cases(names=None) -> list[Case]:
    """``(X, weights, means, covariances)`` cases, all of them or those ``names`` lists, in its order."""
    mixtures = _mixtures()
    return [Case(name, mixtures[name]) for name in (names or mixtures)]


def responsibility_cases() -> list[Case]:
    """(X, responsibilities) pairs: soft, nearly hard, one component, 3-D, exactly hard."""
    cases = [
        Case(case.name, (case.args[0], gmm.responsibilities(*case.args))) for case in mixture_cases(E_STEP_MIXTURES)
    ]
    X = cases[0].args[0]
    labels = np.arange(X.shape[0]) % 3
    cases.append(Case("hard (one-hot) responsibilities as in k-means", (X, np.eye(3)[labels])))
    return cases


def clusters(rng, centers, sizes, scale=0.6):
    """Points around each centre, with their labels; the labels are shuffled with the points."""
    centers = np.asarray(centers, dtype=float)
    X = np.vstack([c + scale * rng.normal(size=(n, centers.shape[1])) for c, n in zip(centers, sizes)])
    labels = np.repeat(np.arange(len(centers)), sizes)
    order = rng.permutation(len(X))
    return X[order], labels[order]


def quiet_fit(X, n_components, **settings):
    """``fit_gmm`` for a checker's reference: its warnings concern mixlib's run, not the student's
    code, and would only clutter the feedback cell."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", SingularityWarning)
        return gmm.fit_gmm(X, n_components, **settings)
