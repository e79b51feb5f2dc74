"""Checkers for the book's coding exercises.

Each ``check_*`` function takes the student's function, runs it on cases it
generates (including edge cases), compares with mixlib, and returns a
:class:`Feedback` that says in a sentence or two which case failed and what
differed.  One module per topic:

- :mod:`.kmeans`: the Gaussian log-density, a 1-D mixture density, the
  distortion, the assignment and update steps (chapters 1 and 2);
- :mod:`.latent`: log-likelihood, complete-data log-likelihood, sampling,
  log-sum-exp (chapters 3 and 4); :mod:`.gmm`: the E step (chapter 4);
- :mod:`.maximum_likelihood`: the M-step updates, one EM iteration, the EM
  loop (chapters 5 and 6);
- :mod:`.model_selection`: regularised covariances, restarts, parameter
  counts, BIC (chapters 7 and 9);
- :mod:`.general_em`: KL divergence and free energy (chapter 8).
"""
from ._core import Case, Feedback
from .general_em import check_free_energy, check_kl_divergence
from .gmm import check_e_step
from .kmeans import (
    check_assignment_step,
    check_distortion,
    check_log_gaussian,
    check_mixture_density,
    check_update_step,
)
from .latent import check_complete_log_likelihood, check_log_likelihood, check_log_sum_exp, check_sample
from .maximum_likelihood import (
    check_em_iteration,
    check_em_loop,
    check_m_step_covariances,
    check_m_step_means,
    check_m_step_weights,
)
from .model_selection import (
    check_best_of_restarts,
    check_bic,
    check_bic_table,
    check_n_parameters,
    check_regularised_covariance,
)

__all__ = [
    "Case",
    "Feedback",
    "check_assignment_step",
    "check_best_of_restarts",
    "check_bic",
    "check_bic_table",
    "check_complete_log_likelihood",
    "check_distortion",
    "check_e_step",
    "check_em_iteration",
    "check_em_loop",
    "check_free_energy",
    "check_kl_divergence",
    "check_log_gaussian",
    "check_log_likelihood",
    "check_log_sum_exp",
    "check_m_step_covariances",
    "check_m_step_means",
    "check_m_step_weights",
    "check_mixture_density",
    "check_n_parameters",
    "check_regularised_covariance",
    "check_sample",
    "check_update_step",
]
