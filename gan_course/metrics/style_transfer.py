"""How well a style transfer worked (lesson 4): style matched, content kept.

Neither number uses VGG, the network the methods are trained with, so a method cannot score
well by fooling its own loss.

- :func:`style_swd_ratio`: the texture distance (:func:`~gan_course.metrics.texture.texture_swd`)
  between the outputs and the style image, divided by the distance between two halves of the
  style image itself (the floor: how different one part of the painting is from another).
  About 1 means "as close to the style as the style is to itself"; larger is further.
- :func:`content_ssim`: SSIM between the luminance of the outputs and of the content images:
  1 keeps every edge and shading of the content, near 0 keeps nothing.
"""

from __future__ import annotations

import numpy as np

from gan_course import image_ops
from gan_course.metrics.colour import ssim
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


def style_transfer_scores(outputs, contents, style, **swd_options) -> dict[str, float]:
    """Lesson 4's two numbers for one method's outputs: ``{"style_swd_ratio": ...,
    "content_ssim": ...}`` (:func:`style_swd_ratio` against ``style``, ``swd_options`` passed
    on; :func:`content_ssim` against ``contents``). ``outputs`` and ``contents``: (N, H, W, 3)
    in [0, 1], in the same order."""
    if np.shape(outputs) != np.shape(contents):
        raise ValueError(f"outputs {np.shape(outputs)} and contents {np.shape(contents)} must "
                         "have the same shape: one output per content image, in order.")
    return {"style_swd_ratio": style_swd_ratio(outputs, style, **swd_options)["ratio"],
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
    lines = [f"{'':<{width}}{'style-SWD ratio':>16}{'content SSIM':>14}{'s / image':>11}",
             f"{'':<{width}}{'(lower)':>16}{'(higher)':>14}{'(lower)':>11}"]
    for name, row in scores.items():
        seconds = f"{row['seconds']:>11.2f}" if "seconds" in row else f"{'-':>11}"
        lines.append(f"{name:<{width}}{row['style_swd_ratio']:>16.2f}"
                     f"{row['content_ssim']:>14.3f}{seconds}")
    return "\n".join(lines), scores
