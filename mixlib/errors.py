"""The warnings and errors mixlib raises, in one place."""


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before meeting its tolerance ``tol``.

    The result is returned, but it is not a stationary point: raise ``max_iter``,
    loosen ``tol``, or check whether the objective is still changing."""
