"""Lesson 1's builders: shapes, width, and the discriminator's optional spectral norm."""

import keras
import numpy as np
import pytest

from gan_course.models import fashion_mnist as fm


@pytest.mark.parametrize("width", [0.25, 1.0])
def test_dcgan_shapes_follow_width(width):
    generator = fm.build_dcgan_generator(16, width=width)
    discriminator = fm.build_dcgan_discriminator(width=width)
    images = generator(np.zeros((2, 16), "float32"), training=False)
    assert images.shape == (2, 28, 28, 1)
    assert discriminator(images).shape == (2, 1)
    first = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Conv2D)][0]
    assert first.filters == round(64 * width)


def test_spectral_norm_bounds_each_discriminator_weight_by_one():
    keras.utils.set_random_seed(0)
    discriminator = fm.build_dcgan_discriminator(width=0.25, spectral_norm=True)
    wrapped = [layer for layer in discriminator.layers
               if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 3  # both convolutions and the dense logit
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")

    def largest_singular_values():
        return [np.linalg.norm(np.reshape(w.layer.kernel.numpy(), (-1, w.layer.kernel.shape[-1])),
                               2) for w in wrapped]

    before = largest_singular_values()
    for _ in range(30):  # each training call: one power iteration, kernel <- kernel / sigma
        discriminator(images, training=True)
    after = largest_singular_values()
    assert max(abs(s - 1.0) for s in after) < 0.05, after
    assert max(abs(s - 1.0) for s in before) > 0.1  # Glorot kernels start elsewhere
