"""The machinery behind every exercise checker.

A checker calls the student's function on a list of :class:`Case` objects,
compares each answer with mixlib's own, and returns a :class:`Feedback` whose
text names the first case that failed and what differed.  Nothing the
student's function does (raising, returning the wrong type, NaN) escapes as a
traceback: it becomes a sentence.

Each checker also has a table of known mistakes, a tuple of :class:`Mistake`
records: a wrong implementation and what its author must be told.  When an
answer is wrong, the checker runs the table's implementations on the failing
case and, if the answer is one of theirs, says what that mistake was.  The
tests run every implementation of every table through its checker, so a
message the table promises is a message the checker gives.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Feedback is printed in lines of at most this many characters, so that it fits a page.
WIDTH = 88


@dataclass(frozen=True)
class Case:
    """One input for a student's function: a name a student understands and its arguments."""

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def fresh(self) -> tuple[tuple, dict]:
        """Copies of the arguments, so that no caller can change another's input
        (an array modified in place, a random generator advanced)."""
        return copy.deepcopy(self.args), copy.deepcopy(self.kwargs)


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker; true when every case passed.

    ``message`` is one paragraph; printed, it is wrapped to :data:`WIDTH` characters."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = "✔" if self.passed else "✘"
        return textwrap.fill(
            f"{mark} {self.exercise}: {self.message}",
            width=WIDTH,
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        )

    __str__ = __repr__


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer to an exercise, and what the checker must tell its author.

    ``wrong`` takes the student's arguments and makes the mistake.  If ``by_answer``
    is true, the checker recognises the mistake by its answer: on a case where the
    student's answer is wrong and agrees with ``wrong``'s (which differs from the right
    one there), the student is told ``feedback``.  Otherwise the checker's comparison
    itself spots the mistake from the answer's form (a shape, a non-finite value, a
    missing ``return``), and ``feedback`` is a phrase of what it then says.
    """

    name: str
    wrong: Callable
    feedback: str
    by_answer: bool = True


class Mismatch(Exception):
    """Raised by a comparison to say, in one sentence, what differs."""


def same_answer(a, b, *, rtol: float = 1e-6, atol: float = 1e-10) -> bool:
    """True when two answers (numbers, arrays, or tuples of them) agree and are finite; never an error."""
    if (
        isinstance(a, (tuple, list))
        and isinstance(b, (tuple, list))
        and (len(a) != len(b) or any(np.ndim(x) for x in a))
    ):
        return len(a) == len(b) and all(same_answer(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b))
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(
        a.shape == b.shape
        and np.all(np.isfinite(a))
        and np.all(np.isfinite(b))
        and np.allclose(a, b, rtol=rtol, atol=atol)
    )


def check_function(
    student: Callable,
    *,
    exercise: str,
    cases: list[Case],
    reference: Callable,
    compare: Callable,
    mistakes: tuple[Mistake, ...] = (),
    same: Callable = same_answer,
    hint: str = "",
) -> Feedback:
    """Run ``student`` and ``reference`` on every case and compare the answers.

    ``compare(got, expected, case)`` raises :class:`Mismatch` with a message
    when the answers differ; then a mistake of the table whose answer ``got``
    is (by ``same``) replaces that message with its own.  The first failing
    case ends the check.
    """
    if not callable(student):
        return Feedback(
            exercise,
            False,
            f"expected a function, but got {type(student).__name__}; "
            "pass the function itself, without calling it (no parentheses).",
        )
    for case in cases:
        args, kwargs = case.fresh()
        try:
            with np.errstate(all="ignore"):
                got = student(*args, **kwargs)
        except NotImplementedError:
            text = "not implemented yet: replace the `raise NotImplementedError` line with your code."
            return Feedback(exercise, False, text + (f" Hint: {hint}" if hint else ""))
        except Exception as exc:  # a student's bug becomes feedback, not a traceback
            return Feedback(
                exercise, False, f"on the case “{case.name}”, your function raised {type(exc).__name__}: {exc}"
            )
        # The answer is computed after the student's, so that a stub costs no reference fit.
        args, kwargs = case.fresh()
        expected = reference(*args, **kwargs)
        try:
            compare(got, expected, case)
        except Mismatch as mismatch:
            message = _known_mistake(got, expected, case, mistakes, same) or str(mismatch)
            return Feedback(exercise, False, f"on the case “{case.name}”, {message}")
    names = ", ".join(case.name for case in cases)
    return Feedback(exercise, True, f"all {len(cases)} cases passed ({names}).")


def _known_mistake(got, expected, case, mistakes, same) -> str | None:
    """The feedback of the first mistake whose answer on this case is ``got``, if any."""
    for mistake in mistakes:
        if not mistake.by_answer:
            continue
        args, kwargs = case.fresh()
        try:
            with np.errstate(all="ignore"):
                wrong = mistake.wrong(*args, **kwargs)
        except Exception:  # a mistake that cannot even run on this case is not the one made
            continue
        if same(got, wrong) and not same(wrong, expected):
            return mistake.feedback
    return None


def as_array(got, what: str) -> np.ndarray:
    """The student's answer as a float array, or a Mismatch saying why it is not one."""
    if got is None:
        raise Mismatch("your function returned None; did you forget the `return` statement?")
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise Mismatch(f"expected {what} as a NumPy array, but got {type(got).__name__}.") from None
    return array


def _verb(what: str, singular: str, plural: str) -> str:
    """The verb that agrees with ``what``: "your means have", "your trace has".

    Every plural name the checkers pass ends in s ("your weights", "your densities")."""
    last = what.split()[-1] if what.split() else what
    return plural if last.endswith("s") and not last.endswith("ss") else singular


def compare_arrays(got, expected, what: str = "the result", *, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Shape, then finiteness, then values; the message says which."""
    got = as_array(got, what)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        hint = " (transposed?)" if got.shape == expected.shape[::-1] and got.ndim == 2 else ""
        raise Mismatch(
            f"{what} {_verb(what, 'has', 'have')} shape {got.shape}, but should have shape {expected.shape}{hint}."
        )
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        raise Mismatch(
            f"{what} {_verb(what, 'contains', 'contain')} NaN or inf where the answer is finite; "
            "look for an overflow in exp or a division by zero."
        )
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
        at = f" at index {tuple(int(i) for i in worst)}" if got.ndim else ""
        raise Mismatch(
            f"{what} {_verb(what, 'differs', 'differ')} from the answer{at}: you have {got[worst]:.6g}, "
            f"the answer is {expected[worst]:.6g}."
        )


def compare_scalars(got, expected, what: str = "the result", *, rtol: float = 1e-8, atol: float = 1e-10) -> None:
    got = as_array(got, what)
    if got.shape != ():
        raise Mismatch(f"{what} should be a single number, but has shape {got.shape}; did you forget to sum?")
    if not np.isfinite(got) and np.isfinite(expected):
        raise Mismatch(f"{what} is {float(got)}, but the answer is finite ({expected:.6g}).")
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        raise Mismatch(f"{what} is {float(got):.6g}, but the answer is {expected:.6g}.")


def compare_tuple(got, expected, names: tuple[str, ...], *, rtol: float = 1e-6, atol: float = 1e-8) -> list:
    """A tuple of arrays (as (weights, means, covariances)): its length, its order, then each entry."""
    listed = ", ".join(names)
    if got is None:
        raise Mismatch("your function returned None; did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        raise Mismatch(f"return the {len(names)} results as a tuple ({listed}).")
    arrays = [as_array(g, f"your {name}") for g, name in zip(got, names)]
    shapes = [a.shape for a in arrays]
    wanted = [np.shape(e) for e in expected]
    if shapes != wanted and sorted(shapes) == sorted(wanted) and len(set(wanted)) == len(wanted):
        order = ", ".join(names[wanted.index(s)] for s in shapes)
        raise Mismatch(f"you returned ({order}); return them in the order ({listed}).")
    for g, e, name in zip(arrays, expected, names):
        compare_arrays(g, e, f"your {name}", rtol=rtol, atol=atol)
    return arrays


@dataclass(frozen=True)
class Exercise:
    """An exercise as its checker knows it: the name its feedback gives it, the hint a stub gets,
    and its table of known mistakes."""

    name: str
    hint: str
    mistakes: tuple[Mistake, ...]

    def checker(self, function: Callable) -> Callable:
        """Decorate the checker: ``.exercise`` and ``.mistakes`` on it are where the tests find the table."""
        function.exercise = self
        function.mistakes = self.mistakes
        return function

    def check(
        self, student, cases: list[Case], reference: Callable, compare: Callable, *, same: Callable = same_answer
    ) -> Feedback:
        """:func:`check_function` with this exercise's name, hint and mistakes."""
        return check_function(
            student,
            exercise=self.name,
            cases=cases,
            reference=reference,
            compare=compare,
            mistakes=self.mistakes,
            same=same,
            hint=self.hint,
        )
