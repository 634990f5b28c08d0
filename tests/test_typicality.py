"""typicality: Mahalanobis distances and principal-subspace residuals, each checked against
the textbook computation done another way (np.cov, explicit inverses per point, the SVD's
reconstruction), on small seeded data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import typicality  # noqa: E402  (scripts/typicality.py: used by scripts/rule_study.py only)


def clustered(rng: np.random.Generator, classes: int = 3, per_class: int = 40, d: int = 4):
    """(features (classes * per_class, d), labels): Gaussian clusters with different means."""
    labels = np.repeat(np.arange(classes), per_class)
    features = rng.normal(size=(len(labels), d)) @ rng.normal(size=(d, d)) + 5 * rng.normal(size=(classes, d))[labels]
    return features, labels


def test_fit_gaussians_gives_class_means_and_the_pooled_covariance_inverse():
    features, labels = clustered(np.random.default_rng(0))
    means, precision = typicality.fit_gaussians(features, labels, 3)
    for c in range(3):
        np.testing.assert_allclose(means[c], features[labels == c].mean(axis=0))
    pooled = sum(np.cov(features[labels == c].T, bias=True) * (labels == c).sum() for c in range(3)) / len(labels)
    np.testing.assert_allclose(np.linalg.inv(precision), pooled, rtol=1e-4, atol=1e-6 * np.trace(pooled))


def test_fit_gaussians_refuses_a_class_without_examples():
    features, labels = clustered(np.random.default_rng(1))
    with pytest.raises(ValueError, match="every class"):
        typicality.fit_gaussians(features, labels, 4)


def test_mahalanobis_is_the_smallest_distance_to_any_class_mean():
    rng = np.random.default_rng(2)
    features, labels = clustered(rng)
    means, precision = typicality.fit_gaussians(features, labels, 3)
    covariance = np.linalg.inv(precision)
    points = rng.normal(scale=6, size=(7, features.shape[1]))
    expected = [min(float((x - m) @ np.linalg.solve(covariance, x - m)) for m in means) for x in points]
    np.testing.assert_allclose(typicality.mahalanobis(points, means, precision), expected, rtol=1e-8)
    # a class mean itself is at distance 0
    np.testing.assert_allclose(typicality.mahalanobis(means, means, precision), 0, atol=1e-9)


def svd_residual(fitted_on: np.ndarray, points: np.ndarray, k: int) -> np.ndarray:
    """The oracle: ||x - reconstruction||^2 with the k leading right singular vectors."""
    mean = fitted_on.mean(axis=0)
    _, _, vt = np.linalg.svd(fitted_on - mean, full_matrices=False)
    centred = points - mean
    return np.square(centred - centred @ vt[:k].T @ vt[:k]).sum(axis=1)


def test_residual_is_what_the_k_leading_components_cannot_reconstruct():
    rng = np.random.default_rng(3)
    data = rng.normal(size=(12_000, 6)) * np.array([9.0, 5, 3, 1, 0.5, 0.1])  # more rows than FIT_BATCH
    data = data @ np.linalg.qr(rng.normal(size=(6, 6)))[0] + 2.0
    points = rng.normal(scale=4, size=(9, 6))
    for k in (1, 3, 5):
        mean, components = typicality.fit_subspace(data, k)
        assert components.shape == (k, 6)
        np.testing.assert_allclose(components @ components.T, np.eye(k), atol=1e-10)
        np.testing.assert_allclose(typicality.residual(points, mean, components), svd_residual(data, points, k),
                                   rtol=1e-8, atol=1e-10)


def test_class_residual_measures_each_picture_against_its_own_class():
    rng = np.random.default_rng(4)
    features, labels = clustered(rng, d=5)
    means, components = typicality.fit_class_subspaces(features, labels, 3, 2)
    points = rng.normal(scale=5, size=(8, 5))
    chosen = rng.integers(3, size=8)
    expected = [svd_residual(features[labels == c], x[None], 2)[0] for x, c in zip(points, chosen)]
    np.testing.assert_allclose(typicality.class_residual(points, chosen, means, components), expected, rtol=1e-8)
