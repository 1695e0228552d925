"""Texture metrics: how alike two sets of texture images are (:func:`texture_swd`), and how
visible the seam is when one image is tiled (:func:`seam_ratio`)."""

from __future__ import annotations

import numpy as np

from gan_course import image_ops
from gan_course.metrics.distances import sliced_wasserstein


def _neighbourhoods(level: np.ndarray, count: int, size: int, rng) -> np.ndarray:
    """``count`` random size x size windows of a pyramid level (N, h, w, C), flattened."""
    n, height, width, _ = level.shape
    windows = np.lib.stride_tricks.sliding_window_view(level, (size, size), axis=(1, 2))
    pick = (rng.integers(0, n, count), rng.integers(0, height - size + 1, count),
            rng.integers(0, width - size + 1, count))
    return windows[pick].reshape(count, -1)


def _normalise_together(desc_a, desc_b, channels: int):
    """Scale both descriptor sets per channel by the mean and std of the two sets pooled."""
    shaped = [d.reshape(len(d), channels, -1) for d in (desc_a, desc_b)]
    pooled = np.concatenate(shaped)
    mean = pooled.mean(axis=(0, 2))[:, None]
    std = pooled.std(axis=(0, 2))[:, None] + 1e-8
    return [((d - mean) / std).reshape(len(d), -1) for d in shaped]


def _pyramid(images: np.ndarray, levels: int) -> list[np.ndarray]:
    return [np.asarray(level, np.float64)
            for level in image_ops.laplacian_pyramid(images, levels)]


def texture_swd(images_a, images_b, levels: int = 3, neighbourhood: int = 7,
                descriptors: int = 8192, projections: int = 128, seed: int = 0,
                value_range=image_ops.SIGNED) -> float:
    """Texture distance between two image sets: the sliced Wasserstein distance between their
    local neighbourhoods, averaged over Laplacian-pyramid levels (lower is more alike).

    For each of ``levels`` levels of :func:`gan_course.image_ops.laplacian_pyramid` (the one
    LapStyle uses too: ``levels - 1`` band-pass levels and the low-pass residual),
    ``descriptors`` random ``neighbourhood`` x ``neighbourhood`` x C windows are drawn from each
    set, normalised per channel with the pooled mean and standard deviation of both sets, and
    compared with :func:`sliced_wasserstein`; the result is the mean over levels. This follows
    the SWD of Karras et al. (2018, "Progressive Growing of GANs", appendix D), which measures
    the multi-scale statistics a texture consists of. The sets may have different image sizes
    (each side at least ``neighbourhood * 2 ** (levels - 1)``). Images: uint8 in [0, 255] or
    float in ``value_range`` (default [-1, 1]), grey or RGB. Compare values only at equal
    settings; the distance between two real samples of the same texture is the floor.

    Scale, measured with the defaults and ``descriptors=4096`` against 64 random 64 x 64 crops
    of the top half of scikit-image's gravel (2 crop seeds): 64 crops of the bottom half 0.06 to
    0.07 (the floor), four 256 x 256 gravel crops 0.05 to 0.06, grass 0.21, the bottom crops
    blurred with a Gaussian of sigma 1.4 pixels 0.39 to 0.41, brick 0.52 to 0.54, uniform noise
    0.56 to 0.57.
    """
    a = image_ops.to_signed(image_ops.check_images(images_a, "images_a", value_range=value_range),
                            value_range, name="images_a")
    b = image_ops.to_signed(image_ops.check_images(images_b, "images_b", value_range=value_range),
                            value_range, name="images_b")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"images_a has {a.shape[-1]} channel(s) and images_b {b.shape[-1]}: "
                         "compare grey with grey and colour with colour.")
    smallest = neighbourhood * 2 ** (levels - 1)
    for name, batch in (("images_a", a), ("images_b", b)):
        if min(batch.shape[1:3]) < smallest:
            raise ValueError(f"{name} are {batch.shape[2]}x{batch.shape[1]}; texture_swd with "
                             f"levels={levels} needs sides of at least {smallest}. Use bigger "
                             "images or fewer levels.")
    rng = np.random.default_rng(seed)
    distances = []
    for level, (level_a, level_b) in enumerate(zip(_pyramid(a, levels), _pyramid(b, levels),
                                                   strict=True)):
        desc_a = _neighbourhoods(level_a, descriptors, neighbourhood, rng)
        desc_b = _neighbourhoods(level_b, descriptors, neighbourhood, rng)
        desc_a, desc_b = _normalise_together(desc_a, desc_b, a.shape[-1])
        distances.append(sliced_wasserstein(desc_a, desc_b, projections, seed=seed + level))
    return float(np.mean(distances))


def seam_ratio(image, period: int | None = None) -> float:
    """How visible seams are: the jump across seam lines over the typical step between
    neighbouring pixels. 1 means no visible seam.

    Without ``period``: the seam of tiling ``image`` (H, W[, C]) with itself, across the
    wrap-around border, ratio = mean(|x[:, 0] - x[:, W-1]|, |x[0] - x[H-1]|) /
    mean(|x[:, j+1] - x[:, j]|, |x[i+1] - x[i]|). A periodic texture scores about 1; an
    ordinary photo, whose opposite edges are unrelated, scores well above 1.

    With ``period`` = p: the inner stitches of an image pieced together from p x p tiles, the
    jumps |x[:, kp] - x[:, kp - 1]| and |x[kp] - x[kp - 1]| across every stitch line k = 1, 2 ...
    inside the image, over the mean step between neighbours that straddle no stitch. Stitched
    patches of a generator that cannot continue its own borders score well above 1.

    The ratio does not depend on the pixel range, so any uint8 or float image works.
    """
    x = np.asarray(image, np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or min(x.shape[:2]) < 2:
        raise ValueError(f"seam_ratio needs one image (H, W) or (H, W, C) of at least 2x2, got "
                         f"shape {np.asarray(image).shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("seam_ratio: the image contains NaN or infinite values.")
    steps = [np.abs(np.diff(x, axis=1)), np.abs(np.diff(x, axis=0))]  # (H, W-1), (H-1, W)
    if period is None:
        wrap = np.mean([np.abs(x[:, 0] - x[:, -1]).mean(), np.abs(x[0] - x[-1]).mean()])
        inside = np.mean([step.mean() for step in steps])
        return float(wrap / max(inside, 1e-12))
    period = int(period)
    if period < 2 or period >= max(x.shape[:2]):
        raise ValueError(f"period={period} must be >= 2 and smaller than the image "
                         f"({x.shape[1]}x{x.shape[0]}), so that there is a stitch inside it.")
    seams, plain = [], []
    for step in steps:  # step i lies between pixels i and i + 1 along its axis
        axis = 1 if step is steps[0] else 0
        on_seam = (np.arange(step.shape[axis]) + 1) % period == 0
        seams.append(np.compress(on_seam, step, axis=axis))
        plain.append(np.compress(~on_seam, step, axis=axis))
    seam = np.concatenate([a.ravel() for a in seams])
    if seam.size == 0:
        raise ValueError(f"No stitch line at multiples of period={period} lies inside this "
                         f"{x.shape[1]}x{x.shape[0]} image.")
    typical = np.concatenate([a.ravel() for a in plain]).mean()
    return float(seam.mean() / max(typical, 1e-12))
