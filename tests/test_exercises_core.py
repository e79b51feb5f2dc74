"""What every exercise checker shares: its feedback, its table of mistakes, its module's name."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
import pytest
from checker_helpers import assert_accepted, assert_rejected, not_implemented

import mixlib.exercises
from mixlib.exercises._core import WIDTH, Case, Feedback, Mistake, check_function, compare_arrays

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"
CHECKERS = [getattr(mixlib.exercises, name) for name in mixlib.exercises.__all__ if name.startswith("check_")]
MODULES = [info.name for info in pkgutil.iter_modules(mixlib.exercises.__path__) if not info.name.startswith("_")]


def test_one_checker_module_per_chapter_named_after_it():
    stems = {path.stem.split("_", 1)[1] for path in CHAPTERS.glob("[0-9][0-9]_*.ipynb")}
    assert set(MODULES) == stems


@pytest.mark.parametrize("old", ["gmm", "latent", "model_selection"])
def test_the_old_module_names_are_gone(old):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"mixlib.exercises.{old}")


def test_the_package_exports_every_checker():
    defined = {
        name
        for module in MODULES
        for name, _ in inspect.getmembers(importlib.import_module(f"mixlib.exercises.{module}"), inspect.isfunction)
        if name.startswith("check_") and hasattr(_, "mistakes")
    }
    assert defined == {checker.__name__ for checker in CHECKERS}


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda checker: checker.__name__)
def test_every_checker_has_a_table_of_at_least_three_named_mistakes(checker):
    assert len(checker.mistakes) >= 3
    assert all(isinstance(mistake, Mistake) and callable(mistake.wrong) for mistake in checker.mistakes)
    names = [mistake.name for mistake in checker.mistakes]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda checker: checker.__name__)
def test_a_stub_gets_friendly_feedback(checker):
    assert_rejected(checker(not_implemented), "not implemented yet", "Hint:")


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda checker: checker.__name__)
def test_a_value_instead_of_a_function(checker):
    assert_rejected(checker(np.zeros(3)), "expected a function", "without calling it")


def test_feedback_wraps_to_the_page():
    message = "on the case “three components in 2-D”, " + "the rows do not sum to 1; " * 12
    feedback = Feedback("E step", False, message)
    lines = str(feedback).splitlines()
    assert len(lines) > 1
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[0].startswith("✘ E step: on the case")
    assert all(line.startswith("  ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == f"✘ E step: {message}".strip()
    assert repr(feedback) == str(feedback)


def test_real_feedback_wraps_too():
    wrong = next(m.wrong for m in mixlib.exercises.check_free_energy.mistakes if m.name == "logs of densities")
    feedback = mixlib.exercises.check_free_energy(wrong)
    assert len(feedback.message) > 2 * WIDTH
    assert all(len(line) <= WIDTH for line in repr(feedback).splitlines())


def _toy_checker(student):
    """The right answer is 2x, compared to 1e-12; squaring it too is a known mistake. At x = 0.5 the
    mistake gives the right answer."""
    mistakes = (Mistake("squared", lambda x: (2 * x) ** 2, "you squared the result."),)

    def compare(got, expected, case):
        compare_arrays(got, expected, rtol=1e-12, atol=0.0)

    cases = [Case("x = 0.5", (np.array(0.5),)), Case("x = 3", (np.array(3.0),))]
    return check_function(
        student, exercise="toy", cases=cases, reference=lambda x: 2 * x, compare=compare, mistakes=mistakes
    )


def test_a_known_mistake_is_named_by_its_answer():
    assert_rejected(_toy_checker(lambda x: (2 * x) ** 2), "x = 3", "you squared the result.")
    assert_accepted(_toy_checker(lambda x: x + x))


def test_a_mistake_is_not_named_where_it_gives_the_right_answer():
    # Slightly off at x = 0.5, where the squared answer (1.0) is also the right one: that is not the mistake.
    feedback = _toy_checker(lambda x: 2 * x * (1 + 1e-9))
    assert_rejected(feedback, "x = 0.5", "differs from the answer")
    assert "squared" not in feedback.message


def test_an_unknown_mistake_gets_the_comparison():
    assert_rejected(_toy_checker(lambda x: 3 * x), "differs from the answer", "you have 1.5")
