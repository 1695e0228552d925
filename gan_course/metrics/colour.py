"""Colour fidelity for colourisation (lesson 3): how colourful the outputs are
(:func:`colourfulness`, :func:`colourfulness_ratio`), and how close they are to the real photos
pixel by pixel (:func:`psnr`) and in local structure (:func:`ssim`).

A colouriser trained with an L1 loss alone learns the *average* colour of each object, which is
often a brownish grey: its PSNR is good and its colourfulness ratio well below 1. The
adversarial loss pushes the colours back towards those of photos (ratio near 1), usually at a
small cost in PSNR, since a plausible red where the photo had blue is far in pixels. Read the
numbers together.

Images: a batch (N, H, W, 3) of RGB images (PSNR and SSIM also take grey (N, H, W) or (N, H, W,
1)), uint8 in [0, 255] or float in ``value_range``, by default [-1, 1]; sRGB as it comes out of
:func:`gan_course.image_ops.model_lab_to_rgb` is in [0, 1], so say ``value_range=(0, 1)``
(:data:`gan_course.image_ops.UNIT`). One image needs a batch axis: ``x[None]``.
"""

from __future__ import annotations

import numpy as np

from gan_course import image_ops

#: Below this mean colourfulness (on the 0-255 scale) a reference set counts as grey, and
#: :func:`colourfulness_ratio` refuses to divide by it.
GREY_COLOURFULNESS = 1e-3


def _unit_batch(images, name: str, value_range, channels=(1, 3)) -> np.ndarray:
    """A checked batch (N, H, W, C) as float64 in [0, 1]: ``(x - low) / (high - low)``, clipped.

    uint8 is read as [0, 255]. A 3-d array whose last axis is 3 is refused: it is one RGB image
    without its batch axis, not three grey images 3 pixels wide.
    """
    shape = np.shape(images)
    if len(shape) == 3 and shape[-1] == 3:
        raise ValueError(f"{name} has shape {shape}: that looks like one RGB image. Give it a "
                         "batch axis: x[None].")
    array = image_ops.check_images(images, name, value_range=value_range, channels=channels)
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    unit = image_ops.rescale(array.astype(np.float64), value_range, image_ops.UNIT)
    return np.clip(unit, 0.0, 1.0)


def _matching_pair(images, references, value_range) -> tuple[np.ndarray, np.ndarray]:
    a = _unit_batch(images, "images", value_range)
    b = _unit_batch(references, "references", value_range)
    if a.shape != b.shape:
        raise ValueError(f"images {np.shape(images)} and references {np.shape(references)} must "
                         "have the same shape: one reference per image, same size and channels.")
    return a, b


def colourfulness(images, value_range=image_ops.SIGNED) -> np.ndarray:
    """The colourfulness M of each image: float64 (N,), 0 for grey, higher for more colourful.

    Hasler & Süsstrunk's metric (D. Hasler and S. Süsstrunk, "Measuring colourfulness in natural
    images", Proc. SPIE 5007, Human Vision and Electronic Imaging VIII, 2003), on the 0-255
    scale, over the pixels of one RGB image:

    ``rg = R - G``, ``yb = (R + G) / 2 - B``,
    ``M = sqrt(std(rg)^2 + std(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2)``

    (population standard deviations). The paper's viewers called about 15 "slightly", 33
    "moderately", 45 "averagely", 59 "quite", 82 "highly" and 109 "extremely" colourful.
    Per image, so that a batch gives a distribution; ``colourfulness(x).mean()`` is the set's
    mean (what :func:`colourfulness_ratio` compares). The value does not depend on the pixel
    range: the images are mapped to [0, 255] first.

    ``images``: a batch (N, H, W, 3), uint8 in [0, 255] or float in ``value_range`` (default
    [-1, 1]); grey batches (N, H, W) or (N, H, W, 1) are accepted and score 0.
    """
    unit = _unit_batch(images, "images", value_range)
    if unit.shape[-1] == 1:
        return np.zeros(len(unit))
    rgb = unit * 255.0
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg = (red - green).reshape(len(rgb), -1)
    yb = (0.5 * (red + green) - blue).reshape(len(rgb), -1)
    spread = np.sqrt(rg.var(axis=1) + yb.var(axis=1))
    offset = np.sqrt(rg.mean(axis=1) ** 2 + yb.mean(axis=1) ** 2)
    return spread + 0.3 * offset


def colourfulness_ratio(generated, real, value_range=image_ops.SIGNED) -> float:
    """Mean :func:`colourfulness` of ``generated`` over the mean of ``real``: 1 = as colourful as
    the photos, below 1 = washed out (the sepia of an L1-only colouriser), above 1 = garish.

    ``ratio = mean_i M(generated_i) / mean_j M(real_j)``. The sets need not be the same size.
    Both are RGB batches (N, H, W, 3), uint8 in [0, 255] or float in ``value_range`` (default
    [-1, 1]). Raises ``ValueError`` when ``real`` is grey (mean colourfulness below
    :data:`GREY_COLOURFULNESS`): there is no colour to compare with.
    """
    generated_mean = float(colourfulness(generated, value_range).mean())
    real_mean = float(colourfulness(real, value_range).mean())
    if real_mean < GREY_COLOURFULNESS:
        raise ValueError(f"The real images have mean colourfulness {real_mean:.3g}: they are "
                         "grey, so a ratio to them means nothing. Pass the colour photos (RGB) "
                         "as real.")
    return generated_mean / real_mean


def psnr(images, references, value_range=image_ops.SIGNED) -> float:
    """Peak signal-to-noise ratio in dB, averaged over the batch (higher is closer; inf if equal).

    Per image pair, ``PSNR = 10 log10(R^2 / MSE)`` with ``MSE`` the mean squared difference over
    pixels and channels and ``R`` the width of the pixel range, computed by
    ``skimage.metrics.peak_signal_noise_ratio`` on the images mapped to [0, 1] (``R = 1``); the
    result is the mean over the N pairs. The value does not depend on ``value_range``: uint8
    images give the same as their float versions. An image identical to its reference has
    ``PSNR = inf``, and then so has the mean (no cap).

    ``images`` and ``references``: batches of the same shape (N, H, W[, C]), C = 1 or 3, uint8 in
    [0, 255] or float in ``value_range`` (default [-1, 1]).
    """
    from skimage.metrics import peak_signal_noise_ratio

    a, b = _matching_pair(images, references, value_range)
    with np.errstate(divide="ignore"):  # MSE = 0: identical images, PSNR = inf
        values = [peak_signal_noise_ratio(ref, img, data_range=1.0)
                  for img, ref in zip(a, b, strict=True)]
    return float(np.mean(values))


def ssim(images, references, value_range=image_ops.SIGNED, win_size: int = 7) -> float:
    """Structural similarity (Wang et al. 2004), averaged over the batch: 1 for identical images,
    near 0 for unrelated ones.

    Per image pair, ``skimage.metrics.structural_similarity`` with its defaults: in every
    ``win_size`` x ``win_size`` window (uniform weights),
    ``SSIM = (2 mu_x mu_y + C1) (2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1) (s_x^2 + s_y^2 + C2))``
    with ``C1 = (0.01 R)^2``, ``C2 = (0.03 R)^2``, averaged over the windows and, for colour,
    over the channels (``channel_axis=-1``). The images are mapped to [0, 1] (``R = 1``) first,
    so the value does not depend on ``value_range`` and uint8 images give skimage's value on
    them. That matters: the luminance term ``(2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)``
    assumes non-negative intensities and is not shift-invariant, so skimage called directly on
    [-1, 1] values gives a different, lower number. The result is the mean over the N pairs.

    ``win_size`` must be odd, >= 3 and no larger than the images' shorter side; smaller images
    raise ``ValueError`` rather than silently using another window, since SSIMs with different
    windows are not comparable. ``images`` and ``references``: batches of the same shape (N, H,
    W[, C]), C = 1 or 3, uint8 in [0, 255] or float in ``value_range`` (default [-1, 1]).
    """
    from skimage.metrics import structural_similarity

    a, b = _matching_pair(images, references, value_range)
    if isinstance(win_size, bool) or not isinstance(win_size, (int, np.integer)) \
            or win_size < 3 or win_size % 2 == 0:
        raise ValueError(f"win_size={win_size!r} must be an odd int >= 3 (skimage's default is "
                         "7).")
    side = min(a.shape[1:3])
    if side < win_size:
        largest = side if side % 2 else side - 1
        fix = (f"pass win_size={largest} (an odd number <= {side}) or use bigger images"
               if largest >= 3 else "use images of at least 3x3 pixels")
        raise ValueError(f"ssim with win_size={win_size} needs images of at least {win_size}x"
                         f"{win_size} pixels, got {a.shape[2]}x{a.shape[1]}: {fix}.")
    values = [structural_similarity(ref, img, data_range=1.0, channel_axis=-1,
                                    win_size=win_size)
              for img, ref in zip(a, b, strict=True)]
    return float(np.mean(values))


def colour_fidelity(images, references, value_range=image_ops.SIGNED) -> dict[str, float]:
    """The three colourisation numbers of lesson 3 at once, for a batch of colourised photos
    and the real photos they came from: ``{"psnr": dB, "ssim": ..., "colourfulness_ratio":
    ...}`` (:func:`psnr`, :func:`ssim`, :func:`colourfulness_ratio`)."""
    return {"psnr": psnr(images, references, value_range),
            "ssim": ssim(images, references, value_range),
            "colourfulness_ratio": colourfulness_ratio(images, references, value_range)}
