"""What the tests of the exercise checkers share."""

import pytest


def assert_rejected(feedback, *phrases):
    """The checker said no, and its feedback names the fault in each of ``phrases``."""
    assert not feedback.passed, feedback
    assert not bool(feedback)
    for phrase in phrases:
        assert phrase in feedback.message, feedback.message


def assert_accepted(feedback):
    assert feedback.passed, feedback
    assert bool(feedback)
    assert feedback.message.startswith("all ")


def not_implemented(*args):
    raise NotImplementedError("write this")


def mistakes_test(*checkers):
    """A test, parametrised over every row of every checker's table of mistakes: the checker rejects
    the row's wrong implementation, and its feedback says what the row promises."""

    @pytest.mark.parametrize(
        "checker, mistake",
        [
            pytest.param(checker, mistake, id=f"{checker.__name__}: {mistake.name}")
            for checker in checkers
            for mistake in checker.mistakes
        ],
    )
    def test_names_each_known_mistake(checker, mistake):
        assert_rejected(checker(mistake.wrong), mistake.feedback)

    return test_names_each_known_mistake


def solutions_test(*pairs):
    """A test, parametrised over (checker, solution) pairs: each checker accepts each correct answer."""

    @pytest.mark.parametrize(
        "checker, solution",
        [pytest.param(checker, solution, id=f"{checker.__name__}: {solution.__name__}") for checker, solution in pairs],
    )
    def test_accepts_correct_answers(checker, solution):
        assert_accepted(checker(solution))

    return test_accepts_correct_answers
