"""Textures for lesson 2: named images that ship with scikit-image, or your own
(:func:`load_texture`), and endless random patches of one (:func:`patch_sampler`)."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import numpy as np

from gan_course import image_ops
from gan_course.data.images import load_image
from gan_course.data.pipelines import check_int, check_scales, downscale, random_crops
from gan_course.messages import say as _say
from gan_course.messages import short_error as _short

#: Offline texture images: name -> (scikit-image loader, description). All ship with
#: scikit-image (BSD-3-Clause), so no download is needed.
TEXTURES = {
    "gravel": ("gravel", "grey 512x512 gravel: a stochastic texture"),
    "grass": ("grass", "grey 512x512 grass: stochastic, with long strokes"),
    "brick": ("brick", "grey 512x512 brick wall: a structured, regular texture"),
    "immunohistochemistry": ("immunohistochemistry",
                             "colour 512x512 stained tissue: a stochastic colour texture"),
}


def load_texture(source: str | Path = "gravel", mode: str | None = None,
                 fallback: str | None = "gravel") -> np.ndarray:
    """A texture image as float32 in [0, 1], shape (H, W, C).

    ``source`` is one of :data:`TEXTURES` (shipped with scikit-image, no download), a file path
    or an http(s) URL (read by :func:`load_image`). ``mode`` is "L" (grey, C=1) or "RGB" (C=3);
    None keeps a named texture's own channels and reads files as RGB. When a URL cannot be
    fetched (offline), the ``fallback`` texture is used instead, with one line that says so;
    ``fallback=None`` raises the ``ConnectionError``.
    """
    if mode not in (None, "L", "RGB"):
        raise ValueError(f"mode={mode!r}: use 'L' (grey), 'RGB' (colour) or None.")
    if str(source) in TEXTURES:
        import skimage.data

        image = getattr(skimage.data, TEXTURES[str(source)][0])().astype(np.float32) / 255.0
        if image.ndim == 2:
            image = image[..., None]
        if mode == "L" and image.shape[-1] == 3:
            image = (image @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]  # ITU-R 601
        elif mode == "RGB" and image.shape[-1] == 1:
            image = np.repeat(image, 3, axis=-1)
        return image
    try:
        return load_image(source, mode=mode or "RGB")
    except ConnectionError as error:
        if fallback is None or not urllib.parse.urlparse(str(source)).scheme:
            raise
        _say(f"texture: using scikit-image's '{fallback}' instead of {source} because it could "
             f"not be fetched ({_short(error)}).")
        return load_texture(fallback, mode=mode, fallback=None)


def _texture_as_float(image, patch_size: int) -> np.ndarray:
    """Check a texture image for :func:`patch_sampler`; returns float32 (H, W, C) in [0, 1].

    uint8 is read as [0, 255], floats as [0, 1] (as :func:`load_texture` returns them), by
    :func:`gan_course.image_ops.check_images`.
    """
    image = image_ops.check_images(image, "The texture image", value_range=image_ops.UNIT,
                                   batched=False, channels=(1, 3))
    image = image_ops.to_unit(image, image_ops.UNIT, name="The texture image")
    height, width = image.shape[:2]
    if min(height, width) < 2 * patch_size:
        raise ValueError(
            f"The texture image is {width}x{height} pixels, but it must be at least 2x the patch "
            f"size ({2 * patch_size}x{2 * patch_size} for patch_size={patch_size}), so random "
            "crops differ from each other. Use a bigger image or a smaller patch_size.")
    return image


def patch_sampler(
    image,
    patch_size: int = 64,
    batch_size: int = 64,
    scales=(1.0, 0.75, 0.5),
    flips: bool = True,
    rotations: bool = True,
    seed: int | None = 0,
):
    """An endless ``tf.data.Dataset`` of random patches from one texture image, for ``GAN.fit``.

    Each patch is a random ``patch_size`` crop of the image seen at a random scale from
    ``scales`` (1.0 = the original pixels, 0.5 = the image shrunk to half size first; scales
    whose shrunk image would be smaller than a patch are skipped), then randomly flipped
    (left-right) and rotated by a multiple of 90 degrees. One image gives millions of different
    training samples this way; a GAN trained on one whole image would have one sample.

    Args:
        image: uint8 in [0, 255] or float in [0, 1]; (H, W), (H, W, 1) or (H, W, 3); both sides
            at least ``2 * patch_size``.
        patch_size, batch_size: batches have shape (batch_size, patch_size, patch_size, C).
        scales: zoom factors in (0, 1].
        flips, rotations: the augmentations; rotations need square patches, which these are.
        seed: seed of the random crops (None: different each run).

    Returns:
        a repeated, batched dataset of float32 patches in [-1, 1].
    """
    patch_size = check_int(patch_size, "patch_size", 4, "64")
    batch_size = check_int(batch_size, "batch_size", 1, "64")
    scales = check_scales(scales)
    image = _texture_as_float(image, patch_size)
    pyramid = [downscale(image, s) for s in scales]
    pyramid = [level for level in pyramid if min(level.shape[:2]) >= patch_size]
    return random_crops(pyramid, patch_size, batch_size, flips=flips, rotations=rotations,
                        seed=seed)


def random_patches(image, n: int, patch_size: int = 64, seed: int = 0,
                   rotations: bool = True) -> np.ndarray:
    """``n`` patches from :func:`patch_sampler` as one float32 NumPy array (n, p, p, C) in
    [-1, 1]: the real side of a texture metric. Different seeds give independent sets; pass the
    ``rotations`` the GAN trained with (a brick wall's courses run one way: no turns)."""
    return next(iter(patch_sampler(image, patch_size, batch_size=n, seed=seed,
                                   rotations=rotations))).numpy()
