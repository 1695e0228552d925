"""One rule for image inputs, checked on every public function that takes images: uint8 in
[0, 255] and the equivalent float input (in the range the function documents) give the same
result, and floats in the wrong range raise an error that names the range."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from gan_course import callbacks, data, features, image_ops, latent, metrics, reports, viz
from gan_course.metrics.style_transfer import style_halves
from gan_course.models import gatys, lapstyle, pix2pix, progan

UNIT, SIGNED = image_ops.UNIT, image_ops.SIGNED


def _pixels(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _twin(pixels: np.ndarray, value_range) -> np.ndarray:
    """The float image that means the same as uint8 ``pixels`` in ``value_range``."""
    low, high = value_range
    return (low + pixels.astype(np.float64) / 255.0 * (high - low)).astype(np.float32)


def _gif_frames(path) -> np.ndarray:
    import imageio.v3 as iio

    return iio.imread(path, index=None)


@pytest.fixture(scope="module")
def encoders():
    return {"gatys": features.vgg_encoder("random", gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,)),
            "lapstyle": features.vgg_encoder("random")}


def _set_style(encoders, style):
    import keras

    keras.utils.set_random_seed(0)
    net = lapstyle.DraftingNetwork(encoders["lapstyle"], lapstyle.build_drafting_decoder(0.125))
    net.set_style(style)
    return np.concatenate([v.numpy().ravel() for v in (*net.style_mean, *net.style_std)])


# name: (function of the images (and fixtures), image shape, the documented float range)
CASES = {
    "image_ops.to_unit": (lambda x, vr, _: image_ops.to_unit(x, vr), (2, 8, 8, 3), SIGNED),
    "image_ops.to_signed": (lambda x, vr, _: image_ops.to_signed(x, vr), (2, 8, 8, 3), UNIT),
    "image_ops.unit_images": (lambda x, vr, _: image_ops.unit_images(x), (2, 8, 8, 3), UNIT),
    "image_ops.tensor_to_unit": (lambda x, vr, _: image_ops.tensor_to_unit(x), (2, 8, 8, 3), UNIT),
    "image_ops.rgb_to_lab": (lambda x, vr, _: image_ops.rgb_to_lab(x), (2, 8, 8, 3), UNIT),
    "image_ops.rgb_to_model_lab": (lambda x, vr, _: image_ops.rgb_to_model_lab(x)[1],
                                   (2, 8, 8, 3), UNIT),
    "viz.to_uint8": (lambda x, vr, _: viz.to_uint8(x), (2, 8, 8, 3), SIGNED),
    "viz.image_grid": (lambda x, vr, _: viz.image_grid(x), (4, 8, 8, 1), SIGNED),
    "callbacks.write_gif": (
        lambda x, vr, tmp: _gif_frames(callbacks.write_gif(
            list(x), tmp / f"{x.dtype}.gif", value_range=None if x.dtype == np.uint8 else UNIT,
            min_side=16)), (3, 8, 8, 3), UNIT),
    "data.centre_square": (lambda x, vr, _: data.centre_square(x, 6), (12, 8, 3), UNIT),
    "data.lab_pairs": (lambda x, vr, _: data.lab_pairs(tf.constant(x))[0], (2, 8, 8, 3), SIGNED),
    "data.lab_pairs in a tf.data map": (
        lambda x, vr, _: next(iter(tf.data.Dataset.from_tensors(x).map(data.lab_pairs)))[1],
        (2, 8, 8, 3), SIGNED),
    "data.random_patches": (lambda x, vr, _: data.random_patches(x, 2, patch_size=8),
                            (20, 20, 3), UNIT),
    "data.style_transfer_dataset": (
        lambda x, vr, _: next(iter(data.style_transfer_dataset(x, size=8, batch_size=2)))[0],
        (16, 16, 3), UNIT),
    "latent.check_targets": (lambda x, vr, _: latent.check_targets(x, (8, 8, 3)), (2, 8, 8, 3),
                             UNIT),
    "latent.photo_target": (lambda x, vr, _: latent.photo_target(x, 6), (12, 8, 3), UNIT),
    "latent.classifier_features": (lambda x, vr, _: latent.classifier_features(x),
                                   (2, 32, 32, 3), UNIT),
    "latent.vgg_features": (lambda x, vr, _: latent.vgg_features(x, layers=("relu1_1",)),
                            (1, 8, 8, 3), UNIT),
    "features.vgg_preprocess": (lambda x, vr, _: features.vgg_preprocess(x), (2, 8, 8, 3), UNIT),
    "metrics.psnr": (lambda x, vr, _: metrics.psnr(x, x[::-1]), (2, 8, 8, 3), SIGNED),
    "metrics.ssim": (lambda x, vr, _: metrics.ssim(x, x[::-1]), (2, 8, 8, 3), SIGNED),
    "metrics.colourfulness": (lambda x, vr, _: metrics.colourfulness(x), (2, 8, 8, 3), SIGNED),
    "metrics.ciede2000": (lambda x, vr, _: metrics.ciede2000(x, x[::-1]), (2, 8, 8, 3), SIGNED),
    "metrics.ab_histogram_intersection": (
        lambda x, vr, _: np.array(metrics.ab_histogram_intersection(x, x[:1])), (2, 8, 8, 3),
        SIGNED),
    "metrics.colourisation_scores": (
        lambda x, vr, _: np.array(list(metrics.colourisation_scores(x, x[::-1]).values())),
        (2, 8, 8, 3), SIGNED),
    "image_ops.tint": (lambda x, vr, _: image_ops.tint(x, [30.0, 200.0]), (2, 8, 8), UNIT),
    "pix2pix.mean_ab": (lambda x, vr, _: pix2pix.mean_ab(x), (2, 8, 8, 3), UNIT),
    "metrics.texture_swd": (lambda x, vr, _: metrics.texture_swd(
        x, x[::-1], levels=1, neighbourhood=3, descriptors=16), (2, 8, 8, 3), SIGNED),
    "metrics.classify": (lambda x, vr, _: metrics.classify(x), (4, 28, 28), SIGNED),
    "metrics.memorisation_check": (lambda x, vr, _: metrics.memorisation_check(x, x, x[::-1])
                                   ["median_generated_to_train"], (2, 8, 8, 1), SIGNED),
    "metrics.luminance": (lambda x, vr, _: metrics.luminance(x), (2, 8, 8, 3), UNIT),
    "metrics.style_halves": (lambda x, vr, _: style_halves(x)[0], (8, 16, 3), UNIT),
    "metrics.style_swd_ratio": (lambda x, vr, _: metrics.style_swd_ratio(
        x[:1, :8], x[0], levels=1, descriptors=16)["ratio"], (2, 8, 16, 3), UNIT),
    "metrics.content_ssim": (lambda x, vr, _: metrics.content_ssim(x, x[::-1]), (2, 8, 8, 3),
                             UNIT),
    "reports.write_results_page": (
        lambda x, vr, tmp: (tmp / f"{x.dtype}").mkdir() or _read_pngs(reports.write_results_page(
            tmp / f"{x.dtype}", [("a", x[0], x[1], x[0])], value_range=vr)),
        (2, 8, 8, 3), SIGNED),
    "gatys.gatys_transfer": (lambda x, vr, fx: gatys.gatys_transfer(
        x[0], x[1], steps=1, encoder=fx["encoders"]["gatys"]), (2, 16, 16, 3), UNIT),
    "lapstyle.DraftingNetwork.set_style": (lambda x, vr, fx: _set_style(fx["encoders"], x),
                                           (1, 16, 16, 3), UNIT),
}
NEEDS_ENCODERS = {"gatys.gatys_transfer", "lapstyle.DraftingNetwork.set_style"}


def _read_pngs(index):
    import imageio.v3 as iio

    return np.stack([iio.imread(p) for p in sorted(index.parent.glob("**/*.png"))])


def _as_numpy(result):
    return np.asarray(result.numpy() if tf.is_tensor(result) else result, np.float64)


def _call(name, images, value_range, tmp_path, request):
    function = CASES[name][0]
    extra = tmp_path
    if name in NEEDS_ENCODERS:
        extra = {"encoders": request.getfixturevalue("encoders")}
    return function(images, value_range, extra)


@pytest.mark.parametrize("name", list(CASES))
def test_uint8_and_the_equivalent_float_give_the_same_result(name, tmp_path, request):
    _, shape, value_range = CASES[name]
    pixels = _pixels(shape)
    (tmp_path / "u").mkdir()
    (tmp_path / "f").mkdir()
    from_uint8 = _as_numpy(_call(name, pixels, value_range, tmp_path / "u", request))
    from_float = _as_numpy(_call(name, _twin(pixels, value_range), value_range, tmp_path / "f",
                                 request))
    scale = max(1.0, float(np.abs(from_uint8).max()))
    np.testing.assert_allclose(from_float, from_uint8, atol=2e-3 * scale, rtol=2e-3)


def _wrong_ranges(value_range):
    """Float inputs outside ``value_range``: [0, 255] pixels as floats, and [-1, 1] for a
    function that reads [0, 1]."""
    yield "[0, 255] floats", lambda pixels: pixels.astype(np.float32)
    if value_range == UNIT:
        yield "[-1, 1] floats", lambda pixels: _twin(pixels, SIGNED)


@pytest.mark.parametrize("name", list(CASES))
def test_floats_in_the_wrong_range_raise_and_name_the_range(name, tmp_path, request):
    _, shape, value_range = CASES[name]
    pixels = _pixels(shape)
    pixels.flat[0], pixels.flat[1] = 0, 255  # both ends present
    for label, make in _wrong_ranges(value_range):
        with pytest.raises((ValueError, tf.errors.InvalidArgumentError),
                           match=r"\[-?\d+, \d+\]") as raised:
            _call(name, make(pixels), value_range, tmp_path, request)
        assert "value_range" in str(raised.value) or "must be in" in str(raised.value), label


# Functions that read uint8 only (whole datasets of pixels): floats are a TypeError saying so.
UINT8_ONLY = {
    "data.gan_dataset": lambda x: data.gan_dataset(x, 2),
    "progan.pad_to_32": progan.pad_to_32,
    "progan.fashion_mnist_targets": progan.fashion_mnist_targets,
    "data.paint_fashion_mnist": lambda x: data.paint_fashion_mnist(x, np.arange(len(x))),
}


@pytest.mark.parametrize("name", list(UINT8_ONLY))
def test_uint8_only_functions_refuse_floats_clearly(name):
    pixels = _pixels((4, 28, 28))
    assert UINT8_ONLY[name](pixels) is not None
    with pytest.raises(TypeError, match="uint8"):
        UINT8_ONLY[name](_twin(pixels, SIGNED))
