"""mixlib: mixture models and the EM algorithm, written to read like the lectures.

The names follow the lectures' quantities:

- :func:`load_faithful`, :func:`load_digits`, :func:`standardise`, :func:`make_blobs`: data;
- :func:`kmeans`: Lloyd's algorithm for the distortion J;
- :mod:`mixlib.gmm`: ``log_likelihood``, ``responsibilities``, ``e_step``,
  ``m_step``, ``sample`` and :func:`fit_gmm`;
- :mod:`mixlib.bernoulli`: the Bernoulli mixture of binary images and
  :func:`fit_bernoulli_mixture`, the same EM loop with another family;
- :mod:`mixlib.em`: the EM loop every mixture family plugs into
  (:func:`~mixlib.em.fit_mixture`), ``kl_divergence`` and ``free_energy``;
- :mod:`mixlib.convergence`: the EM map on a parameter vector, its Jacobian, the gradient of ln p;
- :mod:`mixlib.prior`: the conjugate prior of MAP-EM (``fit_gmm(..., prior="default")``);
- :mod:`mixlib.selection`: :func:`select_models`, a BIC/AIC table over K and covariance types;
- :mod:`mixlib.bounds`: the lower bound along a path of θ, hard EM, a logistic encoder;
- :mod:`mixlib.images`: colour quantisation of an image and its size in bits;
- :mod:`mixlib.plotting`: ellipses, contours and traces drawn on an ``ax``;
- :mod:`mixlib.frames` (plain NumPy), :mod:`mixlib.drawing` (matplotlib) and
  :mod:`mixlib.player` (a static HTML frame player): what the explorers show;
- :mod:`mixlib.widgets`: the live step-through explorers of k-means, EM, the
  singularity and the KL decomposition (imported on demand: it needs the
  `widgets` extra);
- :mod:`mixlib.exercises`: checkers that give feedback on a student's code.
"""

from . import bernoulli, em, gmm
from .bernoulli import BernoulliMixtureResult, fit_bernoulli_mixture
from .clustering import KMeansResult, KMeansStep, kmeans, kmeans_plusplus
from .data import load_digits, load_faithful, make_blobs, random_blobs, standardise
from .errors import ConvergenceWarning, SingularityError, SingularityWarning
from .gmm import EMStep, GaussianMixtureResult, fit_gmm
from .prior import ConjugatePrior
from .selection import CandidateModel, ModelSelection, select_models

__all__ = [
    "BernoulliMixtureResult",
    "CandidateModel",
    "ConjugatePrior",
    "ConvergenceWarning",
    "EMStep",
    "GaussianMixtureResult",
    "KMeansResult",
    "KMeansStep",
    "ModelSelection",
    "SingularityError",
    "SingularityWarning",
    "bernoulli",
    "em",
    "fit_bernoulli_mixture",
    "fit_gmm",
    "gmm",
    "kmeans",
    "kmeans_plusplus",
    "load_digits",
    "load_faithful",
    "make_blobs",
    "random_blobs",
    "select_models",
    "standardise",
]
__version__ = "0.1.0"
