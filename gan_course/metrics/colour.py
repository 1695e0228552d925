"""Colour fidelity for colourisation (lesson 3): how colourful the outputs are
(:func:`colourfulness`, :func:`colourfulness_ratio`), how close they are to the real photos
pixel by pixel (:func:`psnr`, and in perceived colour :func:`ciede2000`) and in local structure
(:func:`ssim`), and how well their colours cover the real ones as a set
(:func:`ab_histogram_intersection`).

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


#: :func:`ab_histogram_intersection`'s bins: width 5 over [-110, 110] in a and in b.
AB_HISTOGRAM_BINS = np.linspace(-110.0, 110.0, 45)


def _lab(images, name: str, value_range) -> np.ndarray:
    """A checked RGB batch -> CIELAB (N, H, W, 3), float64, by scikit-image's ``rgb2lab``."""
    from skimage.color import rgb2lab

    unit = _unit_batch(images, name, value_range, channels=(3,))
    return rgb2lab(unit)


def ab_histogram_intersection(images, references, value_range=image_ops.SIGNED
                              ) -> tuple[float, float]:
    """How well the colours of ``images`` cover those of ``references``, as a set: the
    intersection of their a histograms and of their b histograms, ``(I_a, I_b)``, each in
    [0, 1] (1: the same distribution).

    ``I = sum_k min(p_k, q_k)``, with ``p`` and ``q`` the normalised histograms (bins
    :data:`AB_HISTOGRAM_BINS`: width 5, values outside [-110, 110] in the end bins) of a (or b)
    over all pixels of all images, in CIELAB from scikit-image's ``rgb2lab``. This is the
    measure Isola et al. (2017) report for Cityscapes labels -> photo: L1 alone 0.69 / 0.70
    for a / b, L1 + cGAN 0.84 / 0.82. It compares the distributions only, not which pixel got
    which colour (that is :func:`ciede2000`'s job): a colouriser that paints a shirt red where
    the photo's was blue still scores well if red shirts are as common as blue ones.

    ``images`` and ``references``: RGB batches (N, H, W, 3), uint8 in [0, 255] or float in
    ``value_range`` (default [-1, 1]); the sets need not be the same size.
    """
    lab_a, lab_b = _lab(images, "images", value_range), _lab(references, "references",
                                                             value_range)
    edges = AB_HISTOGRAM_BINS
    result = []
    for channel in (1, 2):
        p, q = (np.histogram(np.clip(lab[..., channel], edges[0], edges[-1]), bins=edges)[0]
                for lab in (lab_a, lab_b))
        result.append(float(np.minimum(p / p.sum(), q / q.sum()).sum()))
    return result[0], result[1]


def ciede2000(images, references, value_range=image_ops.SIGNED) -> float:
    """Mean CIEDE2000 colour difference per pixel between each image and its reference: 0 for
    the same colours, about 1 a just-noticeable difference (the often-quoted 2.3 is the older
    CIE76 formula's), tens for different hues.

    ``mean over images and pixels of dE00(Lab(image), Lab(reference))``, with
    ``skimage.color.deltaE_ciede2000`` (Sharma, Wu & Dalal 2005, with kL = kC = kH = 1) on
    scikit-image's ``rgb2lab``. Unlike PSNR it weighs hue and chroma as people see them, so
    it separates "grey" from "the wrong hue" from "the right hue". Lower is better.

    ``images`` and ``references``: RGB batches of the same shape (N, H, W, 3), uint8 in
    [0, 255] or float in ``value_range`` (default [-1, 1]).
    """
    from skimage.color import deltaE_ciede2000

    if np.shape(images) != np.shape(references):
        raise ValueError(f"images {np.shape(images)} and references {np.shape(references)} must "
                         "have the same shape: one reference per image.")
    return float(deltaE_ciede2000(_lab(images, "images", value_range),
                                  _lab(references, "references", value_range)).mean())


def colourisation_scores(images, references, value_range=image_ops.SIGNED) -> dict[str, float]:
    """Every colourisation number at once: :func:`colour_fidelity`'s PSNR, SSIM and
    colourfulness ratio, plus ``ab_histogram`` (the mean of :func:`ab_histogram_intersection`'s
    a and b) and ``ciede2000`` (:func:`ciede2000`)."""
    scores = colour_fidelity(images, references, value_range)
    scores["ab_histogram"] = float(np.mean(ab_histogram_intersection(images, references,
                                                                     value_range)))
    scores["ciede2000"] = ciede2000(images, references, value_range)
    return scores


def colour_fidelity(images, references, value_range=image_ops.SIGNED) -> dict[str, float]:
    """The three colourisation numbers of lesson 3 at once, for a batch of colourised photos
    and the real photos they came from: ``{"psnr": dB, "ssim": ..., "colourfulness_ratio":
    ...}`` (:func:`psnr`, :func:`ssim`, :func:`colourfulness_ratio`)."""
    return {"psnr": psnr(images, references, value_range),
            "ssim": ssim(images, references, value_range),
            "colourfulness_ratio": colourfulness_ratio(images, references, value_range)}


#: The columns of :func:`colourisation_table`: score key -> (header, format, better).
COLOURISATION_COLUMNS = {
    "psnr": ("PSNR dB", "{:.2f}", "higher"),
    "ssim": ("SSIM", "{:.3f}", "higher"),
    "ciede2000": ("CIEDE2000", "{:.2f}", "lower"),
    "ab_histogram": ("ab hist. int.", "{:.3f}", "higher"),
    "colourfulness_ratio": ("colourful.", "{:.2f}", "near 1"),
    "hue_accuracy": ("hue accuracy", "{:.1%}", "higher"),
    "chroma_ratio": ("chroma ratio", "{:.2f}", "near 1"),
}


#: :func:`palette_scores`: a garment pixel is one whose reference chroma is at least this (CIELAB
#: units; lesson 3's painting gives mid-greys a chroma of 60).
PALETTE_MIN_CHROMA = 10.0


def palette_scores(images, references, labels, hues: dict, tolerance: float = 30.0,
                   value_range=image_ops.SIGNED) -> dict[str, float]:
    """Did a colouriser paint each garment in a hue its class allows? For a palette such as
    ``data.GARMENT_HUES`` (class -> allowed hue angles in degrees, 0 = +a red, 90 = +b yellow),
    two numbers on the garment pixels (reference chroma >= :data:`PALETTE_MIN_CHROMA`):

    - ``hue_accuracy``: among the images of classes with two or more allowed hues, the share
      whose mean painted colour ``(a_bar, b_bar)`` has at least half the chroma of the
      reference garment's mean colour and a hue ``atan2(b_bar, a_bar)`` within ``tolerance``
      degrees of one of its class's hues. A grey or washed-out garment, or one painted half in
      each of two opposite hues (whose mean colour is nearly grey), misses;
    - ``chroma_ratio``: the mean chroma ``sqrt(a^2 + b^2)`` of the images' garment pixels over
      that of the references' (1 = as vivid; 0 = grey).

    Unlike :func:`ab_histogram_intersection`, noise that scatters colours everywhere scores
    nothing here: the hue must be the right one for the shape.

    ``images`` and ``references``: RGB batches of the same shape (N, H, W, 3), uint8 in
    [0, 255] or float in ``value_range`` (default [-1, 1]); ``labels``: (N,) class indices.
    """
    if np.shape(images) != np.shape(references):
        raise ValueError(f"images {np.shape(images)} and references {np.shape(references)} must "
                         "have the same shape: one reference per image.")
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"palette_scores needs one label per image: {len(images)} images, "
                         f"{len(labels)} labels.")
    lab, real = _lab(images, "images", value_range), _lab(references, "references", value_range)
    garment = np.hypot(real[..., 1], real[..., 2]) >= PALETTE_MIN_CHROMA
    counts = np.maximum(garment.sum(axis=(1, 2)), 1)
    mean_a, mean_b, real_a, real_b = ((x[..., k] * garment).sum(axis=(1, 2)) / counts
                                      for x, k in ((lab, 1), (lab, 2), (real, 1), (real, 2)))
    angle = np.degrees(np.arctan2(mean_b, mean_a))
    enough = np.hypot(mean_a, mean_b) >= 0.5 * np.hypot(real_a, real_b)
    hits = []
    for i, label in enumerate(labels):
        allowed = np.atleast_1d(hues[int(label)])
        if len(allowed) < 2 or not garment[i].any():
            continue
        gap = np.abs((angle[i] - allowed + 180.0) % 360.0 - 180.0).min()
        hits.append(bool(enough[i]) and gap <= tolerance)
    chroma = np.hypot(lab[..., 1], lab[..., 2])[garment].mean() if garment.any() else 0.0
    real_chroma = np.hypot(real[..., 1], real[..., 2])[garment].mean() if garment.any() else 1.0
    return {"hue_accuracy": float(np.mean(hits)) if hits else float("nan"),
            "chroma_ratio": float(chroma / real_chroma)}


def colourisation_table(scores: dict[str, dict[str, float]]) -> str:
    """A text table of :func:`colourisation_scores` results, one row per colouriser
    (``{name: scores}``), with a header saying which way each column is better. It shows the
    columns of :data:`COLOURISATION_COLUMNS` that every row has (e.g. :func:`palette_scores`'
    beside :func:`colourisation_scores`')."""
    width = max([len(name) for name in scores] + [10]) + 2
    columns = {key: column for key, column in COLOURISATION_COLUMNS.items()
               if all(key in s for s in scores.values())}
    header = f"{'':<{width}}" + "".join(f"{title:>15}" for title, _, _ in columns.values())
    better = f"{'':<{width}}" + "".join(f"{'(' + way + ')':>15}" for _, _, way in
                                         columns.values())
    rows = [f"{name:<{width}}" + "".join(f"{fmt.format(s[key]):>15}" for key, (_, fmt, _) in
                                          columns.items())
            for name, s in scores.items()]
    return "\n".join([header, better, *rows])
