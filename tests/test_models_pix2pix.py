import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_course import losses
from gan_course.models import pix2pix
from gan_course.training import GAN

WIDTH = 0.0625


def _layers_of(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


def _random(shape, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32"))


@pytest.mark.parametrize("size, depth", [(64, 6), (128, 7), (256, 8)])
def test_unet_has_log2_size_down_blocks_and_a_skip_for_all_but_the_bottleneck(size, depth):
    generator = pix2pix.build_unet_generator(size, input_channels=1, output_channels=2,
                                             width=WIDTH)
    assert generator.input_shape == (None, size, size, 1)
    assert generator.output_shape == (None, size, size, 2)
    assert pix2pix.unet_depth(size) == depth
    downs = [layer for layer in generator.layers if layer.name.startswith("down")
             and isinstance(layer, keras.layers.Conv2D)]
    assert len(downs) == depth
    assert downs[-1].output.shape[1:3] == (1, 1)  # the bottleneck is 1x1
    assert len(_layers_of(generator, keras.layers.Concatenate)) == depth - 1
    assert len(_layers_of(generator, keras.layers.Dropout)) == 3
    names = {layer.name for layer in generator.layers}
    # no norm on the first down block (the paper) nor on the 1x1 bottleneck (the authors' code)
    assert "down1_norm" not in names and f"down{depth}_norm" not in names
    assert {f"down{i}_norm" for i in range(2, depth)} <= names
    assert {f"up{j}_norm" for j in range(1, depth)} <= names


def test_unet_filters_follow_the_paper_at_full_width():
    generator = pix2pix.build_unet_generator(256, width=1.0)
    downs = [generator.get_layer(f"down{i}_conv").filters for i in range(1, 9)]
    ups = [generator.get_layer(f"up{j}_conv").filters for j in range(1, 8)]
    assert downs == [64, 128, 256, 512, 512, 512, 512, 512]
    assert ups == [512, 512, 512, 512, 256, 128, 64]
    assert not generator.get_layer("down2_conv").use_bias  # BN's shift replaces the bias
    assert generator.get_layer("down1_conv").use_bias


@pytest.mark.parametrize("size", [64, 128])
def test_unet_output_is_float32_in_minus_one_to_one(size):
    generator = pix2pix.build_unet_generator(size, width=WIDTH)
    out = generator(_random((2, size, size, 1)), training=False)
    assert out.shape == (2, size, size, 2) and out.dtype == "float32"
    assert np.abs(np.asarray(out)).max() <= 1.0


def test_dropout_is_the_generators_noise():
    generator = pix2pix.build_unet_generator(64, width=WIDTH, dropout_layers=2)
    assert len(_layers_of(generator, keras.layers.Dropout)) == 2
    x = _random((2, 64, 64, 1))
    np.testing.assert_allclose(generator(x, training=False), generator(x, training=False))
    assert np.abs(np.asarray(generator(x, training=True) - generator(x, training=True))).max() > 0
    quiet = pix2pix.build_unet_generator(64, width=WIDTH, dropout=0.0)
    assert not _layers_of(quiet, keras.layers.Dropout)


@pytest.mark.parametrize("norm", ["instance", "none"])
def test_other_norms(norm):
    generator = pix2pix.build_unet_generator(32, width=WIDTH, norm=norm)
    discriminator = pix2pix.build_patch_discriminator(32, width=WIDTH, norm=norm)
    assert not _layers_of(generator, keras.layers.BatchNormalization)
    assert not _layers_of(discriminator, keras.layers.BatchNormalization)
    fake = generator(_random((2, 32, 32, 1)))
    assert discriminator([fake, _random((2, 32, 32, 1))]).shape == (2, 2, 2, 1)


@pytest.mark.parametrize("size", [8, 48, 100, 64.5, 0])
def test_unet_refuses_sizes_that_do_not_halve_to_1x1(size):
    with pytest.raises(ValueError, match="power of two"):
        pix2pix.build_unet_generator(size, width=WIDTH)


def test_unet_refuses_more_dropout_layers_than_up_blocks():
    with pytest.raises(ValueError, match="dropout_layers"):
        pix2pix.build_unet_generator(16, width=WIDTH, dropout_layers=4)


@pytest.mark.parametrize("size, side", [(256, 30), (128, 14), (64, 6)])
def test_patchgan_gives_a_map_of_logits(size, side):
    discriminator = pix2pix.build_patch_discriminator(size, input_channels=1, target_channels=2,
                                                      width=WIDTH)
    # the image (target) first, then the condition, as the core calls D([image, input])
    assert [tuple(x.shape) for x in discriminator.inputs] == [(None, size, size, 2),
                                                              (None, size, size, 1)]
    assert discriminator.output_shape == (None, side, side, 1)
    assert pix2pix.patch_output_size(size) == side
    if size <= 128:
        logits = discriminator([_random((2, size, size, 2)), _random((2, size, size, 1), 1)])
        assert logits.shape == (2, side, side, 1) and logits.dtype == "float32"


@pytest.mark.parametrize("n_layers", [0, 1, 2, 4])
def test_patchgan_depths(n_layers):
    discriminator = pix2pix.build_patch_discriminator(64, width=WIDTH, n_layers=n_layers)
    side = pix2pix.patch_output_size(64, n_layers)
    assert discriminator.output_shape == (None, side, side, 1)


def test_patchgan_refuses_images_too_small_for_its_depth():
    with pytest.raises(ValueError, match="too small"):
        pix2pix.build_patch_discriminator(32, n_layers=4)
    any_size = pix2pix.build_patch_discriminator(None, width=WIDTH)
    assert any_size([_random((1, 96, 64, 2)), _random((1, 96, 64, 1))]).shape == (1, 10, 6, 1)


def test_full_size_parameter_counts_match_the_tensorflow_tutorial():
    # The TF pix2pix tutorial's models (3 -> 3 channels) have 54,425,859 and 2,770,433
    # parameters. Here the 1x1 bottleneck has no BatchNorm (4 x 512 numbers: gamma, beta and
    # the two moving statistics) but a bias (512), and the first convolution of each model,
    # which no norm follows, has its bias (64), which the tutorial leaves out.
    generator = pix2pix.build_unet_generator(256, 3, 3)
    discriminator = pix2pix.build_patch_discriminator(256, 3, 3)
    assert generator.count_params() == 54_425_859 - 4 * 512 + 512 + 64
    assert discriminator.count_params() == 2_770_433 + 64


def test_pix2pix_scale():
    assert set(pix2pix.PIX2PIX_SCALE) == {"cpu", "accelerator"}
    assert pix2pix.PIX2PIX_SCALE["accelerator"][0] == 1.0


def test_the_gan_core_trains_pix2pix_with_l1():
    keras.utils.set_random_seed(0)
    size = 32
    target, source = _random((16, size, size, 2)), _random((16, size, size, 1), 1)
    dataset = tf.data.Dataset.from_tensor_slices((target, source)).repeat().batch(4)
    generator = pix2pix.build_unet_generator(size, width=WIDTH)
    discriminator = pix2pix.build_patch_discriminator(size, width=WIDTH)
    l1 = {"l1": lambda real, fake, condition: 100.0 * losses.l1(real, fake)}
    gan = GAN(generator, discriminator, latent_dim=None, g_terms=l1, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    before = [w.copy() for w in generator.get_weights()]
    history = gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
    assert gan.step == 2
    assert {"g_gan", "g_l1", "d_loss", "g_loss"} <= set(history.history)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert history.history["g_l1"][-1] > 0
    assert any(not np.allclose(a, b) for a, b in zip(before, generator.get_weights(),
                                                     strict=True))
    assert gan.generate(condition=np.asarray(source[:3])).shape == (3, size, size, 2)


def test_outputs_stay_float32_under_mixed_precision(float32_policy):
    keras.mixed_precision.set_global_policy("mixed_float16")
    generator = pix2pix.build_unet_generator(32, width=WIDTH)
    discriminator = pix2pix.build_patch_discriminator(32, width=WIDTH)
    fake = generator(_random((2, 32, 32, 1)))
    assert fake.dtype == "float32"
    assert discriminator([fake, _random((2, 32, 32, 1))]).dtype == "float32"


@pytest.mark.parametrize(("size", "layers", "field"), [(64, 2, 34), (128, 3, 70), (256, 3, 70)])
def test_patch_layers_for_keep_a_patch_about_half_the_crop_or_less(size, layers, field):
    from gan_course.models.receptive_field import receptive_field

    assert pix2pix.patch_layers_for(size) == layers
    model = pix2pix.build_patch_discriminator(size, width=0.0625, n_layers=layers)
    assert receptive_field(model) == field
    assert field <= 0.55 * size


# --------------------------------------------------------------------------- colourisers


def _lightness(n=3, side=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, side, side, 1)).astype("float32")


def test_no_learning_colourisers_keep_the_lightness():
    from gan_course import image_ops

    lightness = _lightness()
    grey = pix2pix.grey_colouriser(lightness)
    lab = image_ops.rgb_to_lab(grey).numpy()
    np.testing.assert_allclose(lab[..., 0], image_ops.lightness_from_model(lightness[..., 0]),
                               atol=0.05)
    np.testing.assert_allclose(lab[..., 1:], 0, atol=0.05)
    warm = pix2pix.constant_colouriser(lightness, [0.1, 0.2])
    lab = image_ops.rgb_to_lab(warm).numpy()
    middle = np.abs(lab[..., 0] - 50) < 20  # where the gamut allows that colour
    np.testing.assert_allclose(lab[..., 1][middle], 11.0, atol=0.5)
    np.testing.assert_allclose(lab[..., 2][middle], 22.0, atol=0.5)


def test_mean_ab_is_the_model_scale_mean_colour():
    from gan_course import image_ops

    rgb = np.random.default_rng(1).integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    expected = image_ops.rgb_to_lab(rgb).numpy()[..., 1:].reshape(-1, 2).mean(0) / 110
    np.testing.assert_allclose(pix2pix.mean_ab(rgb), expected, rtol=1e-5)
    np.testing.assert_allclose(pix2pix.mean_ab(rgb.astype(float) / 255), expected, rtol=1e-5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pix2pix.mean_ab(rgb.astype(float))


def test_colourise_a_gan_or_a_generator_gives_rgb_with_the_given_lightness():
    from gan_course import image_ops

    generator = pix2pix.build_unet_generator(16, width=0.125)
    gan = GAN(generator, None, latent_dim=None,
              g_terms={"l1": lambda real, fake, condition: losses.l1(real, fake)})
    lightness = _lightness()
    from_gan, from_model = pix2pix.colourise(gan, lightness), pix2pix.colourise(generator,
                                                                                 lightness)
    np.testing.assert_allclose(from_gan, from_model, atol=1e-5)
    assert from_gan.shape == (3, 16, 16, 3) and 0 <= from_gan.min() and from_gan.max() <= 1
    ab = generator(lightness, training=False)
    np.testing.assert_allclose(from_model, image_ops.model_lab_to_rgb(lightness, ab).numpy(),
                               atol=1e-5)
    with pytest.raises(ValueError, match=r"\(N, H, W, 1\)"):
        pix2pix.colourise(generator, lightness[..., 0])


def test_save_and_load_a_colouriser(tmp_path):
    generator = pix2pix.build_unet_generator(16, width=0.125)
    path = pix2pix.save_colouriser(tmp_path / "c.npz", generator,
                                   {"image_size": 16, "width": 0.125, "steps": 7})
    loaded, record = pix2pix.load_colouriser(path)
    assert record["steps"] == 7 and not list(tmp_path.glob("*.partial*"))
    lightness = _lightness()
    np.testing.assert_allclose(loaded(lightness, training=False),
                               generator(lightness, training=False), atol=2e-2)  # float16
    with pytest.raises(ValueError, match="needs"):
        pix2pix.save_colouriser(tmp_path / "d.npz", generator, {"width": 0.125})
    with pytest.raises(FileNotFoundError, match="train_colouriser"):
        pix2pix.load_colouriser(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="corrupt"):
        pix2pix.load_colouriser(tmp_path / "bad.npz")
    other = pix2pix.save_colouriser(tmp_path / "other.npz",
                                    pix2pix.build_unet_generator(16, width=0.25),
                                    {"image_size": 16, "width": 0.125})
    with pytest.raises(ValueError, match="does not match"):
        pix2pix.load_colouriser(other)


def test_the_shipped_colouriser_loads_and_beats_the_grey_input():
    from gan_course import data, image_ops, metrics

    generator, record = pix2pix.load_colouriser()
    assert record["image_size"] == 32 and record["steps"] > 0
    _, (x_test, y_test) = data.load_embedded_fashion_mnist()
    rgb = data.paint_fashion_mnist(x_test[:200], y_test[:200], seed=1)
    _, lightness = (x.numpy() for x in data.lab_pairs(rgb))
    coloured = pix2pix.colourise(generator, lightness)
    grey = pix2pix.grey_colouriser(lightness)
    real = rgb.astype("float32") / 255
    trained, baseline = (metrics.colourisation_scores(x, real, image_ops.UNIT)
                         for x in (coloured, grey))
    assert trained["ab_histogram"] > baseline["ab_histogram"] + 0.1
    assert trained["ciede2000"] < baseline["ciede2000"]
