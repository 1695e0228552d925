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
