import keras
import numpy as np
import pytest

from gan_course import data, metrics
from gan_course.models import receptive_field, textures
from gan_course.training import GAN


@pytest.mark.parametrize("channels", [1, 3])
def test_texture_dcgan_makes_64x64_patches(channels):
    generator = textures.build_texture_dcgan_generator(channels=channels, width=0.125)
    discriminator = textures.build_texture_dcgan_discriminator(channels=channels, width=0.125)
    assert generator.output_shape == (None, 64, 64, channels)
    assert discriminator.output_shape == (None, 1)
    images = generator(np.random.default_rng(0).normal(size=(2, 100)).astype("float32"))
    assert images.shape == (2, 64, 64, channels)
    assert np.abs(np.asarray(images)).max() <= 1.0
    assert discriminator(images).shape == (2, 1)


@pytest.mark.parametrize("noise_hw, image_hw", [((1, 1), (16, 16)), ((4, 4), (64, 64)),
                                                 ((2, 5), (32, 80)), ((16, 16), (256, 256))])
def test_spatial_generator_size_scales_with_the_noise(noise_hw, image_hw):
    generator = textures.build_spatial_generator(noise_channels=4, channels=3, width=0.0625)
    noise = np.random.default_rng(0).normal(size=(1, *noise_hw, 4)).astype("float32")
    assert generator(noise).shape == (1, *image_hw, 3)
    discriminator = textures.build_spatial_discriminator(channels=3, width=0.0625)
    if min(image_hw) >= 32:
        assert discriminator(generator(noise)).shape == (1, image_hw[0] // 8, image_hw[1] // 8, 1)


def _trained_looking_generator(periodic, seed=0):
    """A small spatial generator whose BatchNorm statistics come from a batch (as after training),
    so its outputs have real contrast instead of the near-constant output of fresh statistics."""
    keras.utils.set_random_seed(seed)
    generator = textures.build_spatial_generator(noise_channels=4, channels=1, width=0.125,
                                                 periodic=periodic)
    warm = np.random.default_rng(seed).normal(size=(8, 4, 4, 4)).astype("float32")
    for _ in range(30):  # BN moving averages move towards the batch statistics
        generator(warm, training=True)
    return generator


def test_periodic_texture_tiles_without_a_seam():
    generator = _trained_looking_generator(periodic=True)
    noise = np.random.default_rng(1).normal(size=(1, 8, 8, 4)).astype("float32")
    image = np.asarray(generator(noise, training=False))[0, ..., 0]
    assert image.shape == (128, 128) and image.std() > 0.01
    assert metrics.seam_ratio(image) < 1.5
    interior_columns = np.abs(np.diff(image, axis=1)).mean()
    wrap_columns = np.abs(image[:, 0] - image[:, -1]).mean()  # left edge meets right edge
    assert wrap_columns < 1.5 * interior_columns
    far_columns = np.abs(image[:, 0] - image[:, 64]).mean()  # unrelated columns differ more
    assert far_columns > 2 * wrap_columns


@pytest.mark.parametrize("periodic", [True, False])
def test_rolling_the_noise_rolls_a_periodic_texture(periodic):
    generator = _trained_looking_generator(periodic=periodic)
    noise = np.random.default_rng(2).normal(size=(1, 4, 6, 4)).astype("float32")
    image = np.asarray(generator(noise))
    rolled = np.asarray(generator(np.roll(noise, (1, 2), axis=(1, 2))))
    expected = np.roll(image, (textures.UPSCALE, 2 * textures.UPSCALE), axis=(1, 2))
    if periodic:  # the torus has no edges: a shifted noise gives the same texture, shifted
        np.testing.assert_allclose(rolled, expected, atol=1e-5)
    else:  # zero padding makes the borders special
        assert np.abs(rolled - expected).max() > 1e-3
        assert metrics.seam_ratio(image[0]) > 1.5


def test_spatial_generator_survives_cloning_for_the_ema():
    generator = _trained_looking_generator(periodic=True)
    clone = keras.models.clone_model(generator)
    clone.set_weights(generator.get_weights())
    noise = np.random.default_rng(3).normal(size=(1, 2, 2, 4)).astype("float32")
    np.testing.assert_allclose(clone(noise), generator(noise), atol=1e-6)


def test_spatial_noise_shape():
    assert textures.spatial_noise_shape(1024, 512, 32) == (64, 32, 32)
    with pytest.raises(ValueError, match="multiples of 16"):
        textures.spatial_noise_shape(100, 64)


def test_the_gan_core_trains_a_spatial_gan_on_patches(float32_policy):
    keras.utils.set_random_seed(0)
    generator = textures.build_spatial_generator(noise_channels=4, width=0.0625)
    discriminator = textures.build_spatial_discriminator(width=0.0625)
    gan = GAN(generator, discriminator, latent_dim=(2, 2, 4), ema_decay=0.9, seed=0)
    gan.compile()
    before = [w.copy() for w in generator.get_weights()]
    patches = data.patch_sampler(data.load_texture("gravel"), patch_size=32, batch_size=4)
    history = gan.fit(patches, epochs=1, steps_per_epoch=3, verbose=0)
    assert gan.step == 3
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(not np.allclose(a, b) for a, b in zip(before, generator.get_weights(),
                                                     strict=True))
    assert gan.generate(n=2).shape == (2, 32, 32, 1)
    big = gan.generate(noise=np.zeros((1, 8, 8, 4), np.float32))
    assert big.shape == (1, 128, 128, 1)


@pytest.mark.parametrize("n_strided, field, side", [(3, 61, 8), (4, 125, 4), (1, 13, 32)])
def test_each_strided_discriminator_layer_halves_the_map_and_widens_what_a_logit_sees(
        n_strided, field, side):
    discriminator = textures.build_spatial_discriminator(width=0.0625, n_strided=n_strided)
    assert receptive_field(discriminator) == field == 1 + 4 * (2 ** (n_strided + 1) - 1)
    assert discriminator(np.zeros((1, 64, 64, 1), np.float32)).shape == (1, side, side, 1)
    strided = [layer for layer in discriminator.layers if getattr(layer, "strides", None) == (2, 2)]
    assert len(strided) == n_strided


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_a_discriminator_without_strided_layers_is_refused(bad):
    with pytest.raises(ValueError, match="n_strided must be a whole number"):
        textures.build_spatial_discriminator(n_strided=bad)


@pytest.mark.parametrize("texture", sorted(textures.SHIPPED_SPATIAL))
def test_the_shipped_spatial_gans_load_and_beat_the_untrained_generator(texture, capsys):
    generator, record = textures.shipped_spatial_generator(texture)
    assert f"Shipped spatial GAN for {texture}" in capsys.readouterr().out
    noise = np.random.default_rng(0).normal(size=(1, 8, 8, record.get("noise_channels", 32)))
    image = np.asarray(generator(noise.astype("float32"), training=False))
    assert image.shape == (1, 128, 128, record["channels"]) and np.abs(image).max() <= 1
    scores = record["scores"]
    assert scores["trained (EMA generator)"]["texture_swd_over_real"] < \
        scores["untrained generator"]["texture_swd_over_real"]
    assert record["rotations"] is (texture != "brick")  # brick's courses keep their direction


def test_no_shipped_spatial_gan_for_other_textures_says_so(capsys):
    assert textures.shipped_spatial_generator("grass") is None
    assert "No shipped spatial GAN for 'grass'" in capsys.readouterr().out


def test_a_spatial_generator_round_trips_through_its_weight_file(tmp_path):
    generator = textures.build_spatial_generator(channels=3, width=0.25, periodic=False)
    with pytest.raises(ValueError, match="periodic"):
        textures.save_spatial_generator(tmp_path / "g.npz", generator,
                                        {"channels": 3, "width": 0.25})
    path = textures.save_spatial_generator(tmp_path / "g.npz", generator,
                                           {"channels": 3, "width": 0.25, "periodic": False})
    assert path.stat().st_size < generator.count_params() * 2 + 100_000  # float16
