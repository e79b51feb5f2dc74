"""Checkers for the book's coding exercises.

Each ``check_*`` function takes the student's function, runs it on cases it
generates (including edge cases) and returns a :class:`Feedback` that says,
in a sentence or two, which case failed and what differed.
"""
from ._core import Case, Feedback
from .gmm import check_e_step
from .maximum_likelihood import check_m_step_covariances

__all__ = ["Case", "Feedback", "check_e_step", "check_m_step_covariances"]
