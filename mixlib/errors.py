"""The warnings and errors mixlib raises, in one place."""


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before meeting its tolerance ``tol``.

    The result is returned, but it is not a stationary point: raise ``max_iter``,
    loosen ``tol``, or check whether the objective is still changing."""


class SingularityError(ValueError):
    """A mixture component collapsed: the likelihood is unbounded there.

    Raised when, during EM, a covariance Σ_k stops being positive definite, or
    becomes singular to within rounding at the data's own scale (typically a
    component shrinking onto a single point with ``reg_covar=0``), or when a
    component loses all of its responsibility mass (N_k = 0).
    """


class SingularityWarning(UserWarning):
    """A fit touched a singularity of the likelihood without failing.

    Emitted when some of the ``n_init`` starts collapsed and were skipped, and
    when the winning fit has a covariance sitting on the regulariser (its
    smallest eigenvalue equals ``reg_covar`` to rounding): a spurious maximum
    that exists only because of ``reg_covar``."""
