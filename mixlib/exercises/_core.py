"""The machinery behind every exercise checker.

A checker calls the student's function on a list of :class:`Case` objects,
compares each answer with mixlib's own, and returns a :class:`Feedback` whose
text names the first case that failed and what differed.  Nothing the
student's function does (raising, returning the wrong type, NaN) escapes as a
traceback: it becomes a sentence.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Case:
    """One input for a student's function: a name a student understands and its arguments."""

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker; true when every case passed."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = "✔" if self.passed else "✘"
        return f"{mark} {self.exercise}: {self.message}"

    __str__ = __repr__


class Mismatch(Exception):
    """Raised by a comparison to say, in one sentence, what differs."""


def check_function(
    student: Callable,
    *,
    exercise: str,
    cases: list[Case],
    reference: Callable,
    compare: Callable,
    hint: str = "",
) -> Feedback:
    """Run ``student`` and ``reference`` on every case and compare the answers.

    ``compare(got, expected, case)`` raises :class:`Mismatch` with a message
    when the answers differ.  The first failing case ends the check.
    """
    if not callable(student):
        return Feedback(exercise, False, f"expected a function, but got {type(student).__name__}; "
                        "pass the function itself, without calling it (no parentheses).")
    for case in cases:
        # Each side gets its own copy, so neither can change the other's input
        # (an array modified in place, a random generator advanced).
        expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        args = copy.deepcopy(case.args)
        try:
            with np.errstate(all="ignore"):
                got = student(*args, **copy.deepcopy(case.kwargs))
        except NotImplementedError:
            text = "not implemented yet: replace the `raise NotImplementedError` line with your code."
            return Feedback(exercise, False, text + (f" Hint: {hint}" if hint else ""))
        except Exception as exc:  # a student's bug becomes feedback, not a traceback
            return Feedback(exercise, False, f"on the case “{case.name}”, your function raised "
                            f"{type(exc).__name__}: {exc}")
        try:
            compare(got, expected, case)
        except Mismatch as mismatch:
            return Feedback(exercise, False, f"on the case “{case.name}”, {mismatch}")
    names = ", ".join(case.name for case in cases)
    return Feedback(exercise, True, f"all {len(cases)} cases passed ({names}).")


def as_array(got, what: str) -> np.ndarray:
    """The student's answer as a float array, or a Mismatch saying why it is not one."""
    if got is None:
        raise Mismatch(f"your function returned None; did you forget the `return` statement?")
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise Mismatch(f"expected {what} as a NumPy array, but got {type(got).__name__}.") from None
    return array


def compare_arrays(got, expected, what: str = "the result", *, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Shape, then finiteness, then values; the message says which."""
    got = as_array(got, what)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        hint = " (transposed?)" if got.shape == expected.shape[::-1] and got.ndim == 2 else ""
        raise Mismatch(f"{what} has shape {got.shape}, but should have shape {expected.shape}{hint}.")
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        raise Mismatch(f"{what} contains NaN or inf where the answer is finite; "
                       "look for an overflow in exp or a division by zero.")
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
        at = f" at index {tuple(int(i) for i in worst)}" if got.ndim else ""
        raise Mismatch(f"{what} differs from the answer{at}: you have {got[worst]:.6g}, "
                       f"the answer is {expected[worst]:.6g}.")


def compare_scalars(got, expected, what: str = "the result", *, rtol: float = 1e-8, atol: float = 1e-10) -> None:
    got = as_array(got, what)
    if got.shape != ():
        raise Mismatch(f"{what} should be a single number, but has shape {got.shape}; did you forget to sum?")
    if not np.isfinite(got) and np.isfinite(expected):
        raise Mismatch(f"{what} is {float(got)}, but the answer is finite ({expected:.6g}).")
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        raise Mismatch(f"{what} is {float(got):.6g}, but the answer is {expected:.6g}.")
