"""mixlib: mixture models and the EM algorithm, written to read like the lectures.

The names follow the lectures' quantities:

- :func:`load_faithful`, :func:`standardise`, :func:`make_blobs`: data;
- :func:`kmeans`: Lloyd's algorithm for the distortion J;
- :mod:`mixlib.gmm`: ``log_likelihood``, ``responsibilities``, ``e_step``,
  ``m_step``, ``sample`` and :func:`fit_gmm`;
- :mod:`mixlib.em`: ``kl_divergence`` and ``free_energy`` for general EM;
- :mod:`mixlib.plotting`: ellipses, contours and traces drawn on an ``ax``;
- :mod:`mixlib.widgets`: step-through explorers of k-means, EM, the singularity
  and the KL decomposition (imported on demand: it needs the `widgets` extra);
- :mod:`mixlib.exercises`: checkers that give feedback on a student's code.
"""
from . import em, gmm
from .clustering import KMeansResult, KMeansStep, kmeans, kmeans_plusplus
from .errors import ConvergenceWarning
from .data import load_faithful, make_blobs, random_blobs, standardise
from .gmm import EMStep, GaussianMixtureResult, SingularityError, fit_gmm

__all__ = [
    "ConvergenceWarning",
    "EMStep",
    "GaussianMixtureResult",
    "KMeansResult",
    "KMeansStep",
    "SingularityError",
    "em",
    "fit_gmm",
    "gmm",
    "kmeans",
    "kmeans_plusplus",
    "load_faithful",
    "make_blobs",
    "random_blobs",
    "standardise",
]
__version__ = "0.1.0"
