"""Lesson 1's 2-D game: mixtures of Gaussians in the plane, where a GAN's every move can be seen.

- ``"ring"``: 8 Gaussians evenly spaced on a circle of radius 2, standard deviation 0.02 each,
  the mode-collapse test of Metz et al. (2017, "Unrolled Generative Adversarial Networks");
- ``"grid"``: 25 Gaussians on a 5x5 grid at -4, -2, 0, 2, 4 on each axis, standard deviation
  0.05, the harder test of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018);
- ``"uneven_ring"``: the ring with one mode holding half the mass and the other seven a
  fourteenth each: does the generator still find the rare modes?

:func:`toy_2d` draws points; :func:`toy_2d_modes` gives the centres, weights and standard
deviation that :mod:`gan_course.metrics.toy_2d` scores against.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Mixture(NamedTuple):
    """A mixture of equal-width Gaussians: ``centres`` (K, 2), ``weights`` (K,) summing to 1,
    ``std`` the standard deviation of every component along each axis."""

    centres: np.ndarray
    weights: np.ndarray
    std: float


def _ring(k: int = 8, radius: float = 2.0) -> np.ndarray:
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


TOY_2D = ("ring", "grid", "uneven_ring")


def toy_2d_modes(name: str) -> Mixture:
    """The mixture behind :func:`toy_2d`'s ``name`` (one of :data:`TOY_2D`)."""
    if name == "ring":
        return Mixture(_ring(), np.full(8, 1 / 8), 0.02)
    if name == "grid":
        axis = np.arange(-4.0, 5.0, 2.0)
        centres = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
        return Mixture(centres, np.full(25, 1 / 25), 0.05)
    if name == "uneven_ring":
        return Mixture(_ring(), np.array([0.5] + [0.5 / 7] * 7), 0.02)
    raise ValueError(f"toy_2d: unknown data {name!r}; use one of {TOY_2D}.")


def toy_2d(name: str = "ring", n: int = 512, seed: int | None = 0) -> np.ndarray:
    """``n`` points (n, 2) float32 from the mixture ``name``: a component picked by its weight,
    plus Gaussian noise of the mixture's standard deviation."""
    mixture = toy_2d_modes(name)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"toy_2d: n={n!r} must be a whole number >= 1 (e.g. 512 points).")
    rng = np.random.default_rng(seed)
    which = rng.choice(len(mixture.centres), size=int(n), p=mixture.weights)
    points = mixture.centres[which] + rng.normal(scale=mixture.std, size=(int(n), 2))
    return points.astype(np.float32)
