"""Checkers for the book's coding exercises, one module per chapter, named after it.

Each ``check_*`` function takes the student's function, runs it on cases it
generates (including edge cases), compares with mixlib, and returns a
:class:`Feedback` that says in a sentence or two which case failed and what
differed.  Each has a table of known mistakes (``check_*.mistakes``, a tuple of
:class:`Mistake`): wrong implementations it recognises and names.

- :mod:`.density_estimation` ("Density estimation and Old Faithful"): ``check_log_gaussian``,
  ``check_mixture_density``;
- :mod:`.kmeans` ("K-means"): ``check_distortion``, ``check_assignment_step``,
  ``check_update_step``;
- :mod:`.latent_variables` ("Latent variables and the Gaussian mixture"):
  ``check_log_likelihood``, ``check_complete_log_likelihood``, ``check_sample``;
- :mod:`.responsibilities` ("Responsibilities"): ``check_log_sum_exp``, ``check_e_step``,
  ``check_responsibility_sigmoid``;
- :mod:`.maximum_likelihood` ("Maximum likelihood for the Gaussian mixture"):
  ``check_m_step_weights``, ``check_m_step_means``, ``check_m_step_covariances``, and
  ``finite_difference_gradient``;
- :mod:`.em_algorithm` ("The EM algorithm for Gaussian mixtures"): ``check_em_iteration``,
  ``check_em_loop``;
- :mod:`.bernoulli_mixtures` ("EM for any mixture: Bernoulli mixtures of handwritten digits"):
  ``check_bernoulli_m_step``, ``check_bernoulli_log_likelihood``;
- :mod:`.when_ml_goes_wrong` ("When maximum likelihood goes wrong"):
  ``check_regularised_covariance``, ``check_best_of_restarts``, ``check_map_m_step``;
- :mod:`.general_em` ("General EM: free energy, KL divergence and the ELBO"):
  ``check_kl_divergence``, ``check_free_energy``, ``check_hard_e_step``;
- :mod:`.choosing_k` ("Choosing K"): ``check_n_parameters``, ``check_bic``, ``check_bic_table``;
- :mod:`.applications` ("Where k-means fails, and what mixtures are for"): ``check_bits_per_pixel``,
  ``check_quantise``.

Every checker is also importable from this package itself.
"""

from ._core import Case, Feedback, Mistake
from .applications import check_bits_per_pixel, check_quantise
from .bernoulli_mixtures import check_bernoulli_log_likelihood, check_bernoulli_m_step
from .choosing_k import check_bic, check_bic_table, check_n_parameters
from .density_estimation import check_log_gaussian, check_mixture_density
from .em_algorithm import check_em_iteration, check_em_loop
from .general_em import check_free_energy, check_hard_e_step, check_kl_divergence
from .kmeans import check_assignment_step, check_distortion, check_update_step
from .latent_variables import check_complete_log_likelihood, check_log_likelihood, check_sample
from .maximum_likelihood import check_m_step_covariances, check_m_step_means, check_m_step_weights
from .responsibilities import check_e_step, check_log_sum_exp, check_responsibility_sigmoid
from .when_ml_goes_wrong import check_best_of_restarts, check_map_m_step, check_regularised_covariance

__all__ = [
    "Case",
    "Feedback",
    "Mistake",
    "check_assignment_step",
    "check_bernoulli_log_likelihood",
    "check_bernoulli_m_step",
    "check_best_of_restarts",
    "check_bic",
    "check_bic_table",
    "check_bits_per_pixel",
    "check_complete_log_likelihood",
    "check_distortion",
    "check_e_step",
    "check_em_iteration",
    "check_em_loop",
    "check_free_energy",
    "check_hard_e_step",
    "check_kl_divergence",
    "check_log_gaussian",
    "check_log_likelihood",
    "check_log_sum_exp",
    "check_m_step_covariances",
    "check_m_step_means",
    "check_m_step_weights",
    "check_map_m_step",
    "check_mixture_density",
    "check_n_parameters",
    "check_quantise",
    "check_regularised_covariance",
    "check_responsibility_sigmoid",
    "check_sample",
    "check_update_step",
]
