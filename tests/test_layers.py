"""The shared layers: values on known inputs, shapes, and a save/load round trip."""

import keras
import numpy as np
import pytest

from gan_course.layers import AdaIN, CircularPad2D, adain, channel_mean_std


def test_circular_pad_takes_pixels_from_the_opposite_edge():
    x = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)
    padded = keras.ops.convert_to_numpy(CircularPad2D(1)(x))
    assert padded.shape == (2, 5, 6, 1)
    np.testing.assert_array_equal(padded[:, 1:-1, 1:-1], x)  # the middle is the input
    np.testing.assert_array_equal(padded[:, 0, 1:-1], x[:, -1])  # top row = last row
    np.testing.assert_array_equal(padded[:, 1:-1, 0], x[:, :, -1])  # left column = last column
    assert padded[0, 0, 0, 0] == x[0, -1, -1, 0]  # corners wrap both ways
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(CircularPad2D(0)(x)), x)
    assert CircularPad2D(2).compute_output_shape((None, None, 7, 3)) == (None, None, 11, 3)


def test_circular_pad_survives_saving(tmp_path):
    model = keras.Sequential([keras.Input((None, None, 1)), CircularPad2D(2),
                              keras.layers.Conv2D(1, 5)])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(1, 6, 6, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)
    assert isinstance(loaded.layers[0], CircularPad2D) and loaded.layers[0].pad == 2


def test_periodic_convolution_commutes_with_rolling():
    keras.utils.set_random_seed(0)
    conv = keras.Sequential([keras.Input((8, 8, 1)), CircularPad2D(1),
                             keras.layers.Conv2D(1, 3)])
    x = np.random.default_rng(1).normal(size=(1, 8, 8, 1)).astype("float32")
    rolled_first = conv(np.roll(x, 3, axis=2))
    np.testing.assert_allclose(rolled_first, np.roll(conv(x), 3, axis=2), atol=1e-5)


@pytest.mark.parametrize("pad", [-1])
def test_circular_pad_refuses_negative(pad):
    with pytest.raises(ValueError, match="pad"):
        CircularPad2D(pad)


# --------------------------------------------------------------------------- AdaIN


def _stats(x):
    """numpy reference: per-sample, per-channel mean and population std over (H, W)."""
    return x.mean(axis=(1, 2)), x.std(axis=(1, 2))


def _features(seed, shape, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    return (shift + scale * rng.normal(size=shape)).astype("float32")


def test_channel_mean_std_matches_numpy():
    x = _features(0, (2, 3, 4, 5), scale=np.arange(1, 6), shift=np.arange(5))
    mean, std = (keras.ops.convert_to_numpy(t) for t in channel_mean_std(x, eps=0.0))
    assert mean.shape == std.shape == (2, 1, 1, 5)  # keepdims: they broadcast against x
    ref_mean, ref_std = _stats(x)
    np.testing.assert_allclose(mean[:, 0, 0], ref_mean, atol=1e-5)
    np.testing.assert_allclose(std[:, 0, 0], ref_std, rtol=1e-5)
    _, std_eps = channel_mean_std(np.zeros((1, 2, 2, 3), "float32"), eps=1e-4)
    np.testing.assert_allclose(std_eps, 1e-2, rtol=1e-5)  # sqrt(0 + eps) on constant maps


def test_adain_takes_the_style_statistics_and_keeps_the_content_pattern():
    content = _features(1, (2, 5, 6, 3), scale=[0.5, 2.0, 1.0], shift=[1.0, -2.0, 0.0])
    style = _features(2, (2, 4, 4, 3), scale=[3.0, 0.2, 1.5], shift=[-1.0, 4.0, 2.0])
    out = keras.ops.convert_to_numpy(adain(content, style))
    assert out.shape == content.shape
    out_mean, out_std = _stats(out)
    style_mean, style_std = _stats(style)
    np.testing.assert_allclose(out_mean, style_mean, atol=1e-4)
    np.testing.assert_allclose(out_std, style_std, rtol=1e-3)
    c_mean, c_std = _stats(content)
    pattern = (content - c_mean[:, None, None]) / c_std[:, None, None]
    np.testing.assert_allclose((out - out_mean[:, None, None]) / out_std[:, None, None],
                               pattern, atol=1e-3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(adain(content, content)), content,
                               atol=1e-4)  # AdaIN(x, x) = x


def test_adain_broadcasts_one_style_over_the_batch():
    content, style = _features(3, (3, 4, 4, 2)), _features(4, (1, 6, 6, 2), scale=2.0)
    np.testing.assert_allclose(adain(content, style),
                               adain(content, np.repeat(style, 3, axis=0)), atol=1e-6)
    with pytest.raises(ValueError, match="style has batch 2.*single style"):
        adain(content, np.repeat(style, 2, axis=0))


def test_adain_computes_float16_in_float32():
    # squares of these values overflow float16 (max 65504): float16 statistics would be inf
    content = _features(5, (1, 4, 4, 2), scale=300.0, shift=1000.0)
    style = _features(6, (1, 4, 4, 2), scale=200.0, shift=-500.0)
    half = adain(content.astype("float16"), style.astype("float16"))
    assert keras.backend.standardize_dtype(half.dtype) == "float16"
    expected = adain(content.astype("float16").astype("float32"),
                     style.astype("float16").astype("float32"))
    half = keras.ops.convert_to_numpy(half).astype("float32")
    assert np.all(np.isfinite(half))
    np.testing.assert_allclose(half, expected, rtol=2e-3, atol=0.5)


@pytest.mark.parametrize(("content_shape", "style_shape", "message"), [
    ((4, 4, 3), (1, 4, 4, 3), "content has shape.*rank 3.*x\\[None\\]"),
    ((1, 4, 4, 3), (1, 16, 3), "style has shape.*rank 3"),
    ((1, 4, 4, 3), (1, 4, 4, 5), "content has 3 channels but style has 5.*same layer"),
])
def test_adain_explains_bad_inputs(content_shape, style_shape, message):
    with pytest.raises(ValueError, match=message):
        adain(np.zeros(content_shape, "float32"), np.zeros(style_shape, "float32"))
    with pytest.raises(ValueError, match=message):
        AdaIN()([np.zeros(content_shape, "float32"), np.zeros(style_shape, "float32")])


def test_adain_layer_needs_a_pair_and_a_positive_eps():
    with pytest.raises(ValueError, match=r"list \[content, style\]"):
        AdaIN()(np.zeros((1, 2, 2, 1), "float32"))
    with pytest.raises(ValueError, match="eps"):
        AdaIN(eps=0.0)


def test_adain_layer_survives_saving(tmp_path):
    layer = keras.layers.deserialize(keras.layers.serialize(AdaIN(eps=1e-3, name="mix")))
    assert isinstance(layer, AdaIN) and layer.eps == 1e-3 and layer.name == "mix"

    content_in, style_in = keras.Input((None, None, 2)), keras.Input((None, None, 2))
    mixed = AdaIN(eps=1e-4)([content_in, style_in])
    model = keras.Model([content_in, style_in], keras.layers.Conv2D(1, 1)(mixed))
    path = tmp_path / "adain.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    content, style = _features(7, (2, 3, 3, 2)), _features(8, (1, 5, 5, 2), scale=3.0)
    np.testing.assert_allclose(loaded([content, style]), model([content, style]), atol=1e-5)
    adain_layers = [layer for layer in loaded.layers if isinstance(layer, AdaIN)]
    assert len(adain_layers) == 1 and adain_layers[0].eps == 1e-4


# --------------------------------------------------------------------------- reflection padding


def test_reflection_pad_mirrors_without_repeating_the_edge():
    from gan_course.layers import ReflectionPad2D

    x = np.arange(2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3)
    padded = ReflectionPad2D(2)(x).numpy()
    np.testing.assert_array_equal(padded, np.pad(x, [(0, 0), (2, 2), (2, 2), (0, 0)],
                                                 mode="reflect"))
    assert ReflectionPad2D(2).compute_output_shape((None, 4, None, 3)) == (None, 8, None, 3)
    with pytest.raises(ValueError, match=">= 0"):
        ReflectionPad2D(-1)


def test_reflection_pad_survives_saving(tmp_path):
    from gan_course.layers import ReflectionPad2D

    model = keras.Sequential([keras.Input((4, 4, 1)), ReflectionPad2D(1)])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.output_shape == (None, 6, 6, 1)


# --------------------------------------------------------------------------- DiffAugment


def test_diff_augment_translation_shifts_whole_images_and_fills_zeros():
    from gan_course.layers import DiffAugment

    x = np.random.default_rng(0).random((16, 16, 16, 1)).astype(np.float32) + 1.0  # no zeros
    y = DiffAugment("translation", translation=0.125, seed=0)(x).numpy()
    shifted = 0
    for before, after in zip(x, y, strict=True):
        kept = after[..., 0] > 0
        rows, cols = np.where(kept)
        # the kept pixels are one rectangle: a window of the input, moved by (dy, dx)
        dy = rows.min() if rows.min() > 0 else rows.max() - 15
        dx = cols.min() if cols.min() > 0 else cols.max() - 15
        assert abs(dy) <= 2 and abs(dx) <= 2
        np.testing.assert_array_equal(np.roll(before, (dy, dx), axis=(0, 1))[kept], after[kept])
        shifted += (dy, dx) != (0, 0)
    assert shifted >= 8


def test_diff_augment_cutout_zeroes_one_square():
    from gan_course.layers import DiffAugment

    x = np.ones((64, 16, 16, 3), np.float32)
    y = DiffAugment("cutout", cutout=0.5, seed=0)(x).numpy()
    holes = (y == 0).all(axis=-1)
    sizes = holes.sum(axis=(1, 2))
    assert sizes.max() == 64 and sizes.min() >= 16  # an 8x8 square, clipped at the borders
    assert sizes.mean() > 30
    for hole in holes:
        rows, cols = np.where(hole)
        assert hole[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # a rectangle


def test_diff_augment_is_differentiable_seeded_and_configurable():
    import tensorflow as tf

    from gan_course.layers import DiffAugment

    x = tf.ones((4, 8, 8, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(DiffAugment(seed=1)(x))
    grad = tape.gradient(total, x).numpy()
    assert set(np.unique(grad)) <= {0.0, 1.0} and 0 < grad.mean() < 1
    np.testing.assert_array_equal(DiffAugment(seed=3)(x), DiffAugment(seed=3)(x))
    layer = DiffAugment(["cutout"], cutout=0.25, seed=2)
    again = DiffAugment.from_config(layer.get_config())
    assert again.policy == ("cutout",) and again.cutout == 0.25
    with pytest.raises(ValueError, match="choose from"):
        DiffAugment("colour")
    with pytest.raises(ValueError, match="fractions"):
        DiffAugment(translation=0.7)


# --------------------------------------------------------------------------- ProGAN


def test_pixel_norm_gives_unit_mean_square_per_pixel_and_matches_numpy():
    from gan_course.layers import PixelNorm, pixel_norm

    x = _features(10, (2, 3, 4, 6), scale=np.arange(1, 7), shift=0.5)
    out = keras.ops.convert_to_numpy(pixel_norm(x))
    np.testing.assert_allclose(np.mean(out ** 2, axis=-1), 1.0, rtol=1e-5)
    reference = x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + 1e-8)
    np.testing.assert_allclose(out, reference, rtol=1e-5)
    np.testing.assert_allclose(PixelNorm()(x), reference, rtol=1e-5)
    z = _features(11, (5, 16), scale=3.0)  # on a latent: every z on the sphere of radius sqrt(d)
    np.testing.assert_allclose(np.linalg.norm(pixel_norm(z), axis=-1), 4.0, rtol=1e-5)
    np.testing.assert_allclose(pixel_norm(np.zeros((1, 2, 2, 3), "float32")), 0.0)  # eps: no NaN
    layer = PixelNorm.from_config(PixelNorm(eps=1e-4).get_config())
    assert layer.eps == 1e-4 and layer.compute_output_shape((None, 4, 4, 3)) == (None, 4, 4, 3)


def _minibatch_stddev_reference(x, group_size=4):
    """numpy: sample i is in group i % M, M = N / G, G = min(group_size, N)."""
    n = len(x)
    g = min(group_size, n)
    m = n // g
    s = np.empty(n, "float64")
    for i in range(n):
        members = x[[j for j in range(n) if j % m == i % m]].astype("float64")
        assert len(members) == g
        s[i] = np.mean(np.sqrt(members.var(axis=0) + 1e-8))
    extra = np.broadcast_to(s[:, None, None, None], (*x.shape[:3], 1))
    return np.concatenate([x, extra], axis=-1)


@pytest.mark.parametrize(("batch", "group_size"), [(8, 4), (4, 4), (2, 4), (6, 2), (3, 1)])
def test_minibatch_stddev_matches_the_group_formula(batch, group_size):
    from gan_course.layers import MinibatchStdDev, minibatch_stddev

    # each sample its own scale, so a wrong grouping gives other numbers
    x = _features(12, (batch, 3, 2, 5)) * np.arange(1, batch + 1)[:, None, None, None]
    x = x.astype("float32")
    out = keras.ops.convert_to_numpy(minibatch_stddev(x, group_size))
    assert out.shape == (batch, 3, 2, 6)
    np.testing.assert_array_equal(out[..., :5], x)
    extra = out[..., 5]
    np.testing.assert_array_equal(extra, np.broadcast_to(extra[:, :1, :1], extra.shape))
    np.testing.assert_allclose(out, _minibatch_stddev_reference(x, group_size), rtol=1e-5)
    np.testing.assert_allclose(MinibatchStdDev(group_size)(x), out, rtol=1e-6)


def test_minibatch_stddev_is_near_zero_when_a_group_is_all_the_same_image():
    from gan_course.layers import minibatch_stddev

    image = _features(13, (1, 4, 4, 3), scale=5.0)
    different = _features(14, (1, 4, 4, 3), scale=5.0)
    # N = 8, G = 4, M = 2: group 0 = samples 0, 2, 4, 6 (identical), group 1 = 1, 3, 5, 7
    x = np.concatenate([np.concatenate([image, different * (k + 1)]) for k in range(4)])
    extra = keras.ops.convert_to_numpy(minibatch_stddev(x, 4))[..., -1]
    assert np.all(extra[0::2] < 1e-3)  # sqrt(0 + 1e-8) = 1e-4: a collapsed group shows
    assert np.all(extra[1::2] > 1.0)


def test_minibatch_stddev_layer_shapes_and_errors():
    from gan_course.layers import MinibatchStdDev, minibatch_stddev

    assert MinibatchStdDev().compute_output_shape((None, 4, 4, 7)) == (None, 4, 4, 8)
    with pytest.raises(ValueError, match="group_size"):
        MinibatchStdDev(0)
    with pytest.raises(Exception):  # noqa: B017 - a batch that is no multiple of the group
        minibatch_stddev(np.ones((6, 2, 2, 1), "float32"), 4)
    layer = MinibatchStdDev.from_config(MinibatchStdDev(2).get_config())
    assert layer.group_size == 2


def test_equalized_scale_is_gain_over_sqrt_fan_in():
    from gan_course.layers import equalized_scale

    assert equalized_scale(8) == pytest.approx(np.sqrt(2) / np.sqrt(8))
    assert equalized_scale(3 * 3 * 16, gain=1.0) == pytest.approx(1 / 12)
    assert equalized_scale(1, gain=0.5) == pytest.approx(0.5)
    for fan_in in (0, -3):
        with pytest.raises(ValueError, match="fan_in"):
            equalized_scale(fan_in)


def test_equalized_layers_start_from_unit_normal_weights_and_zero_biases():
    from gan_course.layers import EqualizedConv2D, EqualizedDense

    keras.utils.set_random_seed(0)
    dense = EqualizedDense(64)
    dense.build((None, 64))
    conv = EqualizedConv2D(16, 3)
    conv.build((None, 8, 8, 32))
    for layer in (dense, conv):
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        assert abs(kernel.mean()) < 0.05 and abs(kernel.std() - 1.0) < 0.05
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.bias), 0.0)
    assert conv.kernel.shape == (3, 3, 32, 16) and dense.kernel.shape == (64, 64)
    assert conv.scale == pytest.approx(np.sqrt(2) / np.sqrt(9 * 32))
    assert EqualizedDense(3, use_bias=False, gain=1.0).compute_output_shape((None, 5)) == (None, 3)
    with pytest.raises(ValueError, match="units/filters >= 1"):
        EqualizedConv2D(0)


def test_equalized_layers_compute_the_plain_op_with_the_scaled_kernel():
    from gan_course.layers import EqualizedConv2D, EqualizedDense

    keras.utils.set_random_seed(1)
    x = _features(15, (3, 7))
    dense = EqualizedDense(5, gain=0.7)
    dense.build(x.shape)
    dense.bias.assign(np.arange(5, dtype="float32"))
    kernel = keras.ops.convert_to_numpy(dense.kernel)
    np.testing.assert_allclose(dense(x), x @ (kernel * 0.7 / np.sqrt(7)) + np.arange(5),
                               rtol=1e-5, atol=1e-5)

    images = _features(16, (2, 5, 5, 3))
    conv = EqualizedConv2D(4, 3)
    conv.build(images.shape)
    conv.bias.assign(np.full(4, -0.5, "float32"))
    kernel = keras.ops.convert_to_numpy(conv.kernel)
    plain = keras.layers.Conv2D(4, 3, padding="same")
    plain.build(images.shape)
    plain.set_weights([kernel * np.sqrt(2) / np.sqrt(27), np.full(4, -0.5, "float32")])
    np.testing.assert_allclose(conv(images), plain(images), rtol=1e-5, atol=1e-5)
    # a numpy check of one output pixel, away from the border
    patch = images[0, 1:4, 1:4, :]
    expected = np.einsum("hwc,hwcf->f", patch, kernel) * np.sqrt(2) / np.sqrt(27) - 0.5
    np.testing.assert_allclose(keras.ops.convert_to_numpy(conv(images))[0, 2, 2], expected,
                               rtol=1e-5, atol=1e-5)


def test_equalized_layers_and_fade_in_survive_saving(tmp_path):
    from gan_course.layers import (
        EqualizedConv2D,
        EqualizedDense,
        FadeIn,
        MinibatchStdDev,
        PixelNorm,
    )

    keras.utils.set_random_seed(2)
    images = keras.Input((4, 4, 2))
    x = PixelNorm()(EqualizedConv2D(6, 3, gain=1.5, name="conv")(images))
    old = EqualizedConv2D(6, 1, use_bias=False, name="skip")(images)
    x = FadeIn(0.25, name="fade")([old, x])
    x = MinibatchStdDev(2)(x)
    score = EqualizedDense(1, gain=1.0, name="score")(keras.layers.Flatten()(x))
    model = keras.Model(images, score)
    model.get_layer("conv").bias.assign(np.linspace(-1, 1, 6).astype("float32"))
    model.get_layer("fade").alpha.assign(0.6)  # a state that is not the initial one
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    x = _features(17, (4, 4, 4, 2))
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-5, atol=1e-6)
    conv = loaded.get_layer("conv")
    assert isinstance(conv, EqualizedConv2D) and conv.gain == 1.5 and conv.kernel_size == 3
    assert loaded.get_layer("skip").bias is None
    assert float(loaded.get_layer("fade").alpha.numpy()) == pytest.approx(0.6)


def test_fade_in_lerps_from_old_to_new_with_a_non_trainable_alpha():
    from gan_course.layers import FadeIn, fade_in

    old, new = _features(18, (2, 4, 4, 3)), _features(19, (2, 4, 4, 3), shift=2.0)
    layer = FadeIn(0.0)
    np.testing.assert_array_equal(layer([old, new]), old)
    assert layer.trainable_weights == [] and layer.non_trainable_weights == [layer.alpha]
    layer.alpha.assign(1.0)
    np.testing.assert_allclose(layer([old, new]), new, atol=1e-6)
    layer.alpha.assign(0.25)
    np.testing.assert_allclose(layer([old, new]), 0.75 * old + 0.25 * new, atol=1e-6)
    np.testing.assert_allclose(fade_in(old, new, 0.25), 0.75 * old + 0.25 * new, atol=1e-6)
    np.testing.assert_allclose(FadeIn()([old, new]), new, atol=1e-6)  # default alpha 1
    assert FadeIn().compute_output_shape([(None, 4, 4, 3), (None, 4, 4, 3)]) == (None, 4, 4, 3)


def test_circular_pad_takes_the_opposite_edges():
    from gan_course.layers import circular_pad

    x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    padded = np.asarray(circular_pad(x, 1))[0, ..., 0]
    assert padded.shape == (5, 6)
    np.testing.assert_array_equal(padded[0, 1:-1], x[0, -1, :, 0])  # the top row is the last
    np.testing.assert_array_equal(padded[1:-1, 0], x[0, :, -1, 0])  # the left column the last
    assert padded[0, 0] == x[0, -1, -1, 0]  # corners wrap both ways
    np.testing.assert_array_equal(padded, np.asarray(CircularPad2D(1)(x))[0, ..., 0])
    assert circular_pad(x, 0) is x
