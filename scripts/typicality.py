"""How typical a picture is of the digits a network learned, whatever its outputs say.

Two classical novelty scores, each fitted on digits the network was trained on and each
larger for a picture less like them:

- :func:`mahalanobis`: the squared Mahalanobis distance of a feature vector (the hidden
  layer's activations, (n, d)) to the nearest of ten class means, under one covariance
  shared by the classes (Lee et al. 2018, "A simple unified framework for detecting
  out-of-distribution samples and adversarial attacks"), fitted by :func:`fit_gaussians`;
- :func:`residual`: the squared distance of a picture (n, 784) to the k-dimensional
  principal subspace of the training pictures (:func:`fit_subspace`), what principal
  component analysis cannot reconstruct; :func:`class_residual`: the same to the subspace
  of one digit's pictures (:func:`fit_class_subspaces`), e.g. the digit the network read,
  which asks "does this look like a whole, typical 7?".

Pure numpy; nothing here knows about files or thresholds.
"""

from __future__ import annotations

import numpy as np

FIT_BATCH = 5_000  # pictures centred at once by fit_subspace
RIDGE = 1e-6  # added to the shared covariance's diagonal (relative to its mean variance)


def fit_gaussians(features: np.ndarray, labels: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(means (classes, d), precision (d, d)) of ``features`` (n, d) grouped by ``labels``
    (n,) ints in [0, classes): each class's mean, and the inverse of the covariance of
    every feature vector about its own class mean (one covariance shared by all), in
    float64. Every class must occur."""
    features = np.asarray(features, dtype=np.float64)
    counts = np.bincount(labels, minlength=classes)
    if counts.min() == 0:
        raise ValueError("every class needs at least one example")
    means = np.zeros((classes, features.shape[1]))
    np.add.at(means, labels, features)
    means /= counts[:, None]
    centred = features - means[labels]
    covariance = centred.T @ centred / len(features)
    covariance += RIDGE * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
    return means, np.linalg.inv(covariance)


def mahalanobis(features: np.ndarray, means: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """(n,) float64: min over classes c of (x - means[c]) precision (x - means[c]) for each
    row x of ``features`` (n, d)."""
    features = np.asarray(features, dtype=np.float64)
    projected = features @ precision  # (n, d)
    # (x - m) P (x - m) = x P x - 2 x P m + m P m, P symmetric
    squared = (np.einsum("nd,nd->n", projected, features)[:, None] - 2 * projected @ means.T
               + np.einsum("cd,de,ce->c", means, precision, means)[None, :])
    return np.maximum(squared.min(axis=1), 0.0)


def fit_subspace(pictures: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean (p,), components (k, p)) of ``pictures`` (n, p): their mean and the k leading
    principal directions (orthonormal rows), float64."""
    mean = pictures.mean(axis=0, dtype=np.float64)
    scatter = np.zeros((len(mean), len(mean)))
    for start in range(0, len(pictures), FIT_BATCH):  # float64 copies of FIT_BATCH rows at a time
        centred = pictures[start:start + FIT_BATCH] - mean
        scatter += centred.T @ centred
    _, vectors = np.linalg.eigh(scatter)
    return mean, vectors[:, ::-1][:, :k].T.copy()


def residual(pictures: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """(n,) float64: the squared norm of what is left of each row of ``pictures`` (n, p)
    after projecting it, less ``mean``, onto the span of ``components`` (k, p) orthonormal."""
    centred = np.asarray(pictures, dtype=np.float64) - mean
    return np.maximum(np.einsum("np,np->n", centred, centred)
                      - np.square(centred @ components.T).sum(axis=1), 0.0)


def fit_class_subspaces(pictures: np.ndarray, labels: np.ndarray, classes: int, k: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(means (classes, p), components (classes, k, p)): :func:`fit_subspace` of the rows of
    ``pictures`` (n, p) of each class in ``labels`` (n,) ints in [0, classes)."""
    fitted = [fit_subspace(pictures[labels == c], k) for c in range(classes)]
    return np.stack([mean for mean, _ in fitted]), np.stack([components for _, components in fitted])


def class_residual(pictures: np.ndarray, chosen: np.ndarray, means: np.ndarray, components: np.ndarray
                   ) -> np.ndarray:
    """(n,) float64: :func:`residual` of each row of ``pictures`` (n, p) off the subspace of
    its class ``chosen`` (n,) ints, from :func:`fit_class_subspaces`' ``means`` and ``components``."""
    found = np.zeros(len(pictures))
    for c in np.unique(chosen):
        rows = chosen == c
        found[rows] = residual(pictures[rows], means[c], components[c])
    return found
