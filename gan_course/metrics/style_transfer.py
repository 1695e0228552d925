"""How well a style transfer worked (lesson 4): texture matched, colour matched, content kept.

No number uses VGG, the network the methods are trained with, so a method cannot score well by
fooling its own loss.

- :func:`style_distance`: the headline style number. Texture statistics of fixed random filters
  at five scales (Ustyuzhaninov et al. 2017), measured after each image is given the style's
  colour mean and spread, so that recolouring alone earns nothing; divided by the same distance
  between the style image's two halves. About 1 means "as close to the style as the style is to
  itself"; larger is further. ``tests/test_metrics_style_transfer.py`` proves it on three
  styles: a pretrained fast stylisation scores ahead of the untouched photo, the photo with the
  style's colour statistics, uniform noise and the style's flat mean colour.
- :func:`colour_distance`: colour alone, the sliced Wasserstein distance between the pixel
  colours of the outputs and of the style, over the same between the style's halves.
- :func:`style_swd_ratio`: a colour-patch similarity, not a style metric: the texture
  distance (:func:`~gan_course.metrics.texture.texture_swd`) between the outputs and the
  style image, divided by the distance between its two halves (the floor). It ranks the
  untouched photo ahead of real stylisations (bench/README.md), so the lesson no longer
  headlines it.
- :func:`content_ssim`: SSIM between the luminance of the outputs and of the content images:
  1 keeps every edge and shading of the content, near 0 keeps nothing.
"""

from __future__ import annotations

import numpy as np

from gan_course import image_ops
from gan_course.metrics.colour import ssim
from gan_course.metrics.distances import sliced_wasserstein
from gan_course.metrics.texture import texture_swd

#: A decoder's outputs may overshoot [0, 1] by this much and are clipped; more is an error.
OUTPUT_OVERSHOOT = 0.5


def _outputs(outputs) -> np.ndarray:
    """Stylised outputs (N, H, W, 3): uint8, or floats in [-0.5, 1.5] clipped to [0, 1]."""
    array = image_ops.check_images(outputs, "outputs", channels=(3,),
                                   value_range=(-OUTPUT_OVERSHOOT, 1 + OUTPUT_OVERSHOOT))
    if array.dtype == np.uint8:
        return image_ops.to_unit(array)
    return np.clip(array.astype(np.float32), 0.0, 1.0)


def style_halves(style) -> tuple[np.ndarray, np.ndarray]:
    """One (H, W, 3) style image, uint8 or floats in [0, 1] -> its two halves along the longer
    side, each float32 (1, h, w, 3) in [0, 1]."""
    style = image_ops.unit_images(style, "the style image", batched=False, channels=(3,))
    height, width = style.shape[:2]
    if width >= height:
        return style[None, :, :width // 2], style[None, :, width // 2:2 * (width // 2)]
    return style[None, :height // 2], style[None, height // 2:2 * (height // 2)]


#: :func:`style_distance`'s random filters: their sizes in pixels (3 px strokes to 25 px cells)
#: and how many of each size.
STYLE_FILTER_SIZES = (3, 5, 9, 15, 25)
STYLE_FILTERS_PER_SIZE = 48


def match_colour_statistics(images, reference) -> np.ndarray:
    """Each image given the reference's colour mean and spread, channel by channel:

        y_c = (x_c - mu_c(x)) / sigma_c(x) * sigma_c(r) + mu_c(r)

    with mu, sigma over one image's pixels (a flat channel, sigma < 1e-6, becomes mu_c(r)).
    ``images`` (N, H, W, 3) and ``reference`` (H, W, 3) float in [0, 1]; returns float64
    (N, H, W, 3), not clipped. Recolouring by statistics, with no learning: lesson 4's
    "colour statistics" row, and what :func:`style_distance` does before it measures texture.
    """
    x = np.asarray(images, np.float64)
    r = np.asarray(reference, np.float64).reshape(-1, x.shape[-1])
    mean, std = x.mean(axis=(1, 2), keepdims=True), x.std(axis=(1, 2), keepdims=True)
    scale = np.where(std < 1e-6, 0.0, r.std(axis=0) / np.maximum(std, 1e-6))
    return (x - mean) * scale + r.mean(axis=0)


def random_filter_bank(size: int, count: int = STYLE_FILTERS_PER_SIZE, channels: int = 3,
                       seed: int = 0) -> np.ndarray:
    """``count`` fixed random filters (count, size, size, channels): Gaussian draws from
    ``seed``, each made zero-mean over all its weights (a flat grey gives 0) and unit-norm (the
    sizes weigh alike)."""
    rng = np.random.default_rng([seed, size])
    bank = rng.normal(size=(count, size, size, channels))
    bank -= bank.mean(axis=(1, 2, 3), keepdims=True)
    return bank / np.linalg.norm(bank.reshape(count, -1), axis=1)[:, None, None, None]


def random_filter_statistics(images, sizes=STYLE_FILTER_SIZES,
                             count: int = STYLE_FILTERS_PER_SIZE, seed: int = 0) -> list:
    """Texture statistics of a set of images: for each filter size k, the responses
    f_j = ReLU(w_j * x) of :func:`random_filter_bank` (k, ``count``, ``seed``) at every position
    where the filter fits inside the image, and their mean and standard deviation per filter
    over all images and positions: one vector [mean_1 .. mean_count, std_1 .. std_count] per
    size. ``images``: float (N, H, W, C), sides at least max(sizes). Computed with FFTs."""
    from scipy import fft

    x = np.asarray(images, np.float32)
    n, height, width, channels = x.shape
    spectra = fft.rfft2(x, axes=(1, 2), workers=-1)  # (N, H, W/2+1, C)
    result = []
    for size in sizes:
        bank = random_filter_bank(size, count, channels, seed).astype(np.float32)
        kernels = fft.rfft2(bank, s=(height, width), axes=(1, 2), workers=-1)
        total = np.zeros(count)
        total_sq = np.zeros(count)
        positions = 0
        for i in range(n):
            product = np.einsum("hwc,fhwc->fhw", spectra[i], kernels)
            response = fft.irfft2(product, s=(height, width), axes=(1, 2), workers=-1)
            valid = np.maximum(response[:, size - 1:, size - 1:], 0.0).reshape(count, -1)
            total += valid.sum(axis=1, dtype=np.float64)
            total_sq += np.square(valid, dtype=np.float64).sum(axis=1)
            positions += valid.shape[1]
        mean = total / positions
        std = np.sqrt(np.maximum(total_sq / positions - mean ** 2, 0.0))
        result.append(np.concatenate([mean, std]))
    return result


def _statistics_distance(stats, reference) -> float:
    """Mean over filter sizes of ||t - t_ref|| / ||t_ref||."""
    return float(np.mean([np.linalg.norm(t - r) / max(np.linalg.norm(r), 1e-12)
                          for t, r in zip(stats, reference, strict=True)]))


_REFERENCES: dict = {}  # (style halves' digest, seed) -> (t(A), d(B)): one style, many rows


def _style_reference(a, b, seed: int):
    """t(A) and the floor d(B) of :func:`style_distance`, computed once per style and seed."""
    import hashlib

    key = (hashlib.sha256(a.tobytes() + b.tobytes()).hexdigest(), a.shape, b.shape, seed)
    if key not in _REFERENCES:
        reference = random_filter_statistics(match_colour_statistics(a, a[0]), seed=seed)
        floor = _statistics_distance(
            random_filter_statistics(match_colour_statistics(b, a[0]), seed=seed), reference)
        _REFERENCES.clear()  # keep one style's: a lesson scores many rows against one style
        _REFERENCES[key] = (reference, floor)
    return _REFERENCES[key]


def style_distance(outputs, style, details: bool = False, seed: int = 0):
    """How far the outputs' texture is from the style's, colour set aside; lower is closer.

    With A, B the two halves of the style image (:func:`style_halves`), t(.) the
    :func:`random_filter_statistics` of a set of images after
    :func:`match_colour_statistics` to A, and d(X) = mean over the filter sizes of
    ||t(X) - t(A)|| / ||t(A)||::

        style_distance = d(outputs) / d(B)

    About 1: as close to the style as its two halves are to each other. Recolouring cannot
    score: an image's colour mean and spread are the style's before its texture is measured
    (:func:`colour_distance` reports colour). Fixed random filters, not VGG, so a method that
    trains against VGG cannot fool it. ``outputs``: (N, H, W, 3), uint8 or floats in [0, 1] (a
    decoder's overshoot up to :data:`OUTPUT_OVERSHOOT` is clipped); ``style``: (H, W, 3).
    ``details=True`` returns ``{"distance": d(outputs), "floor": d(B), "ratio": ...}``.
    """
    outputs = _outputs(outputs)
    a, b = style_halves(style)
    smallest = max(STYLE_FILTER_SIZES) + 1
    for name, batch in (("outputs", outputs), ("each half of the style image", a)):
        if min(batch.shape[1:3]) < smallest:
            raise ValueError(f"{name} are {batch.shape[2]}x{batch.shape[1]}; style_distance "
                             f"needs sides of at least {smallest} px. Use bigger images.")
    reference, floor = _style_reference(a, b, seed)
    distance = _statistics_distance(
        random_filter_statistics(match_colour_statistics(outputs, a[0]), seed=seed), reference)
    ratio = distance / max(floor, 1e-12)
    return {"distance": distance, "floor": floor, "ratio": ratio} if details else ratio


def _pixels(images, count: int, rng) -> np.ndarray:
    flat = np.asarray(images, np.float64).reshape(-1, 3)
    return flat[rng.choice(len(flat), count, replace=len(flat) < count)]


def colour_distance(outputs, style, pixels: int = 65536, seed: int = 0) -> float:
    """How far the outputs' colours are from the style's, layout set aside; lower is closer.

    SW = :func:`~gan_course.metrics.distances.sliced_wasserstein` between ``pixels`` random
    RGB pixels of the outputs and of the style's half A (:func:`style_halves`), divided by the
    same between its halves B and A: about 1 is "the style's own palette". Recolouring moves
    it; the texture does not (:func:`style_distance` measures that). Inputs as in
    :func:`style_distance`.
    """
    outputs = _outputs(outputs)
    a, b = style_halves(style)
    reference = _pixels(a, pixels, np.random.default_rng(seed))
    distance = sliced_wasserstein(_pixels(outputs, pixels, np.random.default_rng(seed + 1)),
                                  reference, 64, seed=seed)
    floor = sliced_wasserstein(_pixels(b, pixels, np.random.default_rng(seed + 1)), reference,
                               64, seed=seed)
    return distance / max(floor, 1e-12)


def no_learning_rows(contents, style, seed: int = 0) -> dict[str, np.ndarray]:
    """The rows any style transfer must beat, made with no learning, each (N, H, W, 3) float32
    in [0, 1] like ``contents``: ``"content unchanged"``; ``"content, style's colour
    statistics"`` (:func:`match_colour_statistics`, clipped); ``"uniform noise"`` (seeded);
    ``"style's mean colour"`` (flat). A style metric that ranks one of them ahead of a real
    stylisation is not measuring style."""
    contents = image_ops.unit_images(contents, "contents", channels=(3,))
    style = image_ops.unit_images(style, "style", batched=False, channels=(3,))
    rng = np.random.default_rng(seed)
    return {
        "content unchanged": contents,
        "content, style's colour statistics": np.clip(
            match_colour_statistics(contents, style), 0, 1).astype(np.float32),
        "uniform noise": rng.uniform(size=contents.shape).astype(np.float32),
        "style's mean colour": np.broadcast_to(style.reshape(-1, 3).mean(axis=0),
                                               contents.shape).astype(np.float32),
    }


def style_swd_ratio(outputs, style, levels: int = 3, descriptors: int = 4096,
                    seed: int = 0) -> dict[str, float]:
    """Style match: r = SWD(outputs, A) / SWD(B, A), for the halves A, B of the style image
    (:func:`style_halves`) and SWD = ``texture_swd`` with the given settings.

    ``outputs``: (N, H, W, 3), uint8 or floats in [0, 1] (a decoder's overshoot up to
    :data:`OUTPUT_OVERSHOOT` is clipped; more is an error); ``style``: (H, W, 3), uint8 or
    floats in [0, 1]. Returns ``{"swd": SWD(outputs, A), "floor": SWD(B, A),
    "ratio": r}``. Each half's sides must be at least 7 x 2^(levels - 1) pixels.
    """
    outputs = _outputs(outputs)
    a, b = style_halves(style)
    options = {"levels": levels, "descriptors": descriptors, "seed": seed,
               "value_range": image_ops.UNIT}
    swd = texture_swd(outputs, a, **options)
    floor = texture_swd(b, a, **options)
    return {"swd": swd, "floor": floor, "ratio": swd / floor}


def luminance(images) -> np.ndarray:
    """Y = 0.2125 R + 0.7154 G + 0.0721 B (``skimage.color.rgb2gray``, ITU-R BT.709), for
    (N, H, W, 3) in [0, 1] -> (N, H, W, 1)."""
    from skimage.color import rgb2gray

    images = image_ops.check_images(images, "images", value_range=image_ops.UNIT,
                                    channels=(3,))
    return rgb2gray(images)[..., None].astype(np.float32)


def content_ssim(outputs, contents, win_size: int = 7) -> float:
    """Content kept: mean SSIM (:func:`~gan_course.metrics.colour.ssim`) between the luminance
    of each output and of its content image, both (N, H, W, 3), uint8 or floats in [0, 1]
    (outputs' overshoot up to :data:`OUTPUT_OVERSHOOT` clipped)."""
    outputs = _outputs(outputs)
    return ssim(luminance(outputs), luminance(contents), value_range=image_ops.UNIT,
                win_size=win_size)


def style_transfer_scores(outputs, contents, style) -> dict[str, float]:
    """Lesson 4's numbers for one method's outputs: ``{"style_distance": ...,
    "colour_distance": ..., "content_ssim": ...}`` (:func:`style_distance` and
    :func:`colour_distance` against ``style``, :func:`content_ssim` against ``contents``).
    ``outputs`` and ``contents``: (N, H, W, 3) in [0, 1], in the same order."""
    if np.shape(outputs) != np.shape(contents):
        raise ValueError(f"outputs {np.shape(outputs)} and contents {np.shape(contents)} must "
                         "have the same shape: one output per content image, in order.")
    return {"style_distance": style_distance(outputs, style),
            "colour_distance": colour_distance(outputs, style),
            "content_ssim": content_ssim(outputs, contents)}


def style_transfer_table(results: dict, contents, style) -> tuple[str, dict[str, dict]]:
    """Score several methods and lay them out: ``(text table, {name: scores})``.

    ``results``: ``{name: outputs}`` or ``{name: (outputs, seconds_per_image)}``, outputs
    (N, H, W, 3) in [0, 1] (overshoot up to :data:`OUTPUT_OVERSHOOT` is clipped) in the order
    of ``contents``. Each row gives :func:`style_transfer_scores` (plus ``"seconds"`` when
    timed); the header says which way each column is better.
    """
    scores = {}
    for name, result in results.items():
        outputs, seconds = result if isinstance(result, tuple) else (result, None)
        scores[name] = style_transfer_scores(_outputs(outputs), contents, style)
        if seconds is not None:
            scores[name]["seconds"] = float(seconds)
    width = max([len(name) for name in scores] + [20]) + 2
    lines = [f"{'':<{width}}{'style distance':>15}{'colour':>8}{'content SSIM':>14}"
             f"{'s / image':>11}",
             f"{'':<{width}}{'(lower)':>15}{'(lower)':>8}{'(higher)':>14}{'(lower)':>11}"]
    for name, row in scores.items():
        seconds = f"{row['seconds']:>11.2f}" if "seconds" in row else f"{'-':>11}"
        lines.append(f"{name:<{width}}{row['style_distance']:>15.2f}"
                     f"{row['colour_distance']:>8.2f}{row['content_ssim']:>14.3f}{seconds}")
    return "\n".join(lines), scores
