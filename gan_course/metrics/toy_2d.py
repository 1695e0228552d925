"""Scores for lesson 1's 2-D game: how many modes of a Gaussian mixture a generator covers, how
many of its points are good ones, and how far its density is from the mixture's.

With K modes of centres mu_k and standard deviation sigma
(:class:`gan_course.data.mixtures.Mixture`):

- a point is **high quality** when it lies within 3 sigma of some centre (Srivastava et al.
  2017, VEEGAN, section 5.1);
- a mode is **covered** when at least 2 % of the points are high-quality points of it;
- the **Jensen-Shannon divergence** on a grid compares the points' histogram with the mixture's
  exact probability of each cell, in bits (0 = the same, 1 = no overlap):

      JS(P, Q) = 1/2 KL(P || M) + 1/2 KL(Q || M),  M = (P + Q) / 2,  log base 2

  The cells are ``bins`` x ``bins`` squares over the centres' box widened by 1, plus one cell
  for everything outside it (a generator's stray points count). Even real samples score above
  0 (a finite sample's histogram is not the density): :func:`toy_2d_scores` of fresh real
  points is the floor.
"""

from __future__ import annotations

import math

import numpy as np

from gan_course.data.mixtures import Mixture

#: The VEEGAN thresholds: within 3 standard deviations; a mode needs 2 % of the points.
RADIUS_STDS, MIN_SHARE = 3.0, 0.02


def _points(samples) -> np.ndarray:
    points = np.asarray(samples, np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"Expected 2-D points of shape (n, 2), got {points.shape}.")
    if not np.all(np.isfinite(points)):
        raise ValueError("The points contain NaN or infinite values (did training diverge?).")
    return points


def nearest_mode(samples, mixture: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the index of the nearest centre and the distance to it."""
    points = _points(samples)
    distances = np.linalg.norm(points[:, None] - mixture.centres[None], axis=-1)  # (n, K)
    return distances.argmin(axis=1), distances.min(axis=1)


def high_quality_share(samples, mixture: Mixture, radius_stds: float = RADIUS_STDS) -> float:
    """The share of points within ``radius_stds`` standard deviations of a centre."""
    _, distance = nearest_mode(samples, mixture)
    return float(np.mean(distance <= radius_stds * mixture.std))


def modes_covered(samples, mixture: Mixture, min_share: float = MIN_SHARE,
                  radius_stds: float = RADIUS_STDS) -> int:
    """The number of modes with at least ``min_share`` of all points within ``radius_stds``
    standard deviations of their centre."""
    nearest, distance = nearest_mode(samples, mixture)
    good = distance <= radius_stds * mixture.std
    counts = np.bincount(nearest[good], minlength=len(mixture.centres))
    return int(np.sum(counts >= min_share * len(distance)))


def _normal_cdf(x):
    return 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def grid_edges(mixture: Mixture, bins: int = 60) -> np.ndarray:
    """The cell edges along each axis: the centres' box widened by 1 on each side."""
    low, high = mixture.centres.min() - 1.0, mixture.centres.max() + 1.0
    return np.linspace(low, high, bins + 1)


def mixture_cell_probabilities(mixture: Mixture, bins: int = 60) -> np.ndarray:
    """The mixture's exact probability of each grid cell, flattened, then of "outside"."""
    edges = grid_edges(mixture, bins)
    total = np.zeros((bins, bins))
    for (cx, cy), weight in zip(mixture.centres, mixture.weights, strict=True):
        px = np.diff(_normal_cdf((edges - cx) / mixture.std))
        py = np.diff(_normal_cdf((edges - cy) / mixture.std))
        total += weight * np.outer(px, py)
    return np.append(total.ravel(), max(0.0, 1.0 - total.sum()))


def point_cell_shares(samples, mixture: Mixture, bins: int = 60) -> np.ndarray:
    """The share of the points in each grid cell, flattened, then outside the grid."""
    points = _points(samples)
    edges = grid_edges(mixture, bins)
    counts, _, _ = np.histogram2d(points[:, 0], points[:, 1], bins=[edges, edges])
    inside = counts.sum()
    return np.append(counts.ravel(), len(points) - inside) / len(points)


def js_divergence(p, q) -> float:
    """JS(P, Q) in bits between two discrete distributions of the same length."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    m = 0.5 * (p + q)

    def kl(a):
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    return 0.5 * kl(p) + 0.5 * kl(q)


def grid_js(samples, mixture: Mixture, bins: int = 60) -> float:
    """JS divergence, in bits, between the points' grid histogram and the mixture's."""
    return js_divergence(point_cell_shares(samples, mixture, bins),
                         mixture_cell_probabilities(mixture, bins))


def toy_2d_scores(samples, mixture: Mixture, bins: int = 60) -> dict:
    """The three numbers: ``modes`` covered (of ``len(mixture.centres)``), ``high_quality``
    share and ``js`` divergence in bits (lower is better)."""
    return {"modes": modes_covered(samples, mixture),
            "high_quality": high_quality_share(samples, mixture),
            "js": grid_js(samples, mixture, bins)}
