"""models.build_dcgan: the lessons' DCGAN in general form, for your own images."""

import keras
import numpy as np
import pytest

from gan_course import gan_arguments, models
from gan_course.checkpoints import architecture
from gan_course.models import dcgan, textures


@pytest.mark.parametrize(("size", "channels"), [(32, 1), (64, 3), (128, 3)])
def test_build_dcgan_makes_images_in_minus_one_to_one_that_its_discriminator_takes(size,
                                                                                    channels):
    generator, discriminator = models.build_dcgan(size, channels, latent_dim=16, width=0.125)
    images = generator(np.random.default_rng(0).normal(size=(2, 16)).astype("float32"))
    assert images.shape == (2, size, size, channels)
    assert float(keras.ops.max(keras.ops.abs(images))) <= 1.0
    assert discriminator(images).shape == (2, 1)
    assert gan_arguments.output_range(generator) == (-1.0, 1.0)


def test_lesson_2s_texture_dcgan_is_build_dcgan_at_64_px():
    g, d = models.build_dcgan(64, 3, width=0.25)
    assert architecture(g) == architecture(textures.build_texture_dcgan_generator(
        channels=3, width=0.25))
    assert architecture(d) == architecture(textures.build_texture_dcgan_discriminator(
        channels=3, width=0.25))
    assert architecture(models.build_dcgan(128, 3)[0])["layers"] == \
        architecture(g)["layers"] + 3  # one more stage: ConvTranspose, BN, ReLU


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"image_size": 28}, r"image_size=28.*32, 64, 128.*image_folder_dataset\(folder, size=64\)"),
    ({"channels": 4}, r"channels=4: use 3 .* or 1"),
    ({"latent_dim": 0}, r"latent_dim=0 must be a whole number"),
    ({"width": 0}, r"width=0 scales every channel count"),
])
def test_build_dcgan_names_the_argument_out_of_bounds(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dcgan.build_dcgan(**kwargs)
