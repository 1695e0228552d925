"""What GAN(...) is given is checked before step 1, each message naming the argument and the
fix (the GAN's own tests, tests/test_training.py, check the same through the class)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
import toy

from gan_course import data, gan_arguments, losses, models
from gan_course.training import GAN


@pytest.mark.parametrize(("latent_dim", "shape"), [(100, (100,)), ((4, 4, 8), (4, 4, 8)),
                                                   (None, None)])
def test_latent_shape(latent_dim, shape):
    assert gan_arguments.latent_shape(latent_dim) == shape


@pytest.mark.parametrize("latent_dim", [0, (4, 0), 2.5, True, ()])
def test_a_bad_latent_shape_says_what_to_give(latent_dim):
    with pytest.raises(ValueError, match="use a positive int"):
        gan_arguments.latent_shape(latent_dim)


def test_images_that_do_not_fit_the_discriminator_are_refused_with_both_shapes():
    g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(12),
                          keras.layers.Reshape((2, 2, 3))], name="g")
    d = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(),
                          keras.layers.Dense(1)], name="d")
    with pytest.raises(ValueError, match=r"makes \(2, 2, 3\) images.*takes \(2, 2, 1\)"):
        gan_arguments.check_shapes_fit(g, d, (2,))
    with pytest.raises(ValueError, match="give GAN latent_dim=2"):
        gan_arguments.check_shapes_fit(g, None, (3,))


def test_terms_must_be_named_functions_with_their_own_part_names():
    assert gan_arguments.check_terms({"l1": abs}, "g_terms") == {"l1": abs}
    with pytest.raises(ValueError, match="repeat"):
        gan_arguments.check_terms({"a": losses.Terms(("x",), abs),
                                   "b": losses.Terms(("x",), abs)}, "g_terms")
    with pytest.raises(ValueError, match="name the core's own"):
        gan_arguments.check_terms({"gp": abs}, "d_terms")


def test_whole_numbers_and_loss_pairs():
    assert gan_arguments.whole_number(3, "d_steps", 1, "5") == 3
    with pytest.raises(ValueError, match="d_steps=2.0 must be a whole number"):
        gan_arguments.whole_number(2.0, "d_steps", 1, "5")
    assert gan_arguments.loss_pair("ns") is None
    assert gan_arguments.loss_pair((abs, abs)) == (abs, abs)
    with pytest.raises(ValueError, match="pair"):
        gan_arguments.loss_pair((abs,))


# --------------------------------------------------------------------------- the training data


def _tiny_gan(generator=None, discriminator=None):
    g, d = toy.tiny_image_models()
    gan = GAN(generator or g, discriminator or d, latent_dim=4)
    gan.compile()
    return gan


def _images(n=32, low=-1.0, high=1.0, shape=(8, 8, 1), seed=0):
    return np.random.default_rng(seed).uniform(low, high, (n, *shape)).astype("float32")


def test_output_range_is_read_from_the_final_activation_or_declared():
    g, _ = toy.tiny_image_models()
    assert gan_arguments.output_range(g) == (-1.0, 1.0)
    mlp = models.build_mlp_generator(8)  # tanh, then a Reshape
    assert gan_arguments.output_range(mlp) == (-1.0, 1.0)
    sigmoid = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, activation="sigmoid")])
    assert gan_arguments.output_range(sigmoid) == (0.0, 1.0)
    assert gan_arguments.output_range(toy.mlp(2, 2)) is None  # the 2-D game: linear
    nested = keras.Sequential([keras.Input((4,)), g])
    assert gan_arguments.output_range(nested) == (-1.0, 1.0)

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(4, activation="tanh")

        def call(self, x):
            return self.dense(x) * 3.0

    assert gan_arguments.output_range(Sub()) is None  # subclassed: its last layer may not be
    g.output_range = (0, 255)
    assert gan_arguments.output_range(g) == (0.0, 255.0)
    g.output_range = None
    assert gan_arguments.output_range(g) is None


@pytest.mark.parametrize(("data", "match"), [
    (tf.data.Dataset.from_tensor_slices((_images() * 127 + 128).astype("uint8")).repeat()
     .batch(8), r"uint8 \(pixels in \[0, 255\]\), and the generator draws in \[-1, 1\].*127.5"),
    (tf.data.Dataset.from_tensor_slices(_images(low=0, high=255)).repeat().batch(8),
     r"first batch lies in \[.*\] \(pixels in \[0, 255\] as floats"),
    (tf.data.Dataset.from_tensor_slices(_images(shape=(16, 16, 1))).repeat().batch(8),
     r"Your images are 16x16x1; D expects 8x8x1.*size=8.*build_dcgan\(16, channels=1\)"),
    (tf.data.Dataset.from_tensor_slices(_images(shape=(8, 8, 3))).repeat().batch(8),
     r"Your images are 8x8x3; D expects 8x8x1"),
    (tf.data.Dataset.from_tensor_slices(_images(shape=(1, 8, 8))).repeat().batch(8),
     r"channels-first, 1x8x8 \(C, H, W\).*np.moveaxis\(images, 1, -1\)"),
    (tf.data.Dataset.from_tensor_slices(_images()).batch(8),
     r"holds 4 batches, fewer than the 10 steps planned.*repeat=True"),
])
def test_fit_refuses_data_that_does_not_fit_the_models_before_step_1(data, match):
    gan = _tiny_gan()
    before = [w.copy() for w in gan.generator.get_weights()]
    with pytest.raises(ValueError, match=match):
        gan.fit(data, epochs=2, steps_per_epoch=5, verbose=0)
    assert gan.step == 0 and all(np.array_equal(a, b) for a, b in
                                 zip(before, gan.generator.get_weights(), strict=True))


def test_arrays_are_checked_too_and_data_in_range_trains():
    gan = _tiny_gan()
    with pytest.raises(ValueError, match="uint8"):
        gan.fit((_images() * 100 + 128).astype("uint8"), epochs=1, batch_size=8, verbose=0)
    gan.fit(_images(), epochs=1, batch_size=8, verbose=0)
    assert gan.step == 4
    gan.fit(tf.data.Dataset.from_tensor_slices(_images()).repeat().batch(8), epochs=1,
            steps_per_epoch=2, verbose=0)
    assert gan.step == 6


def test_a_generator_without_a_fixed_range_trains_on_any_floats():
    """The 2-D game's ring of radius 2 and ProGAN's linear output keep training as before."""
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64),
                          keras.layers.Reshape((8, 8, 1))])
    gan = _tiny_gan(generator=g)
    gan.fit(tf.data.Dataset.from_tensor_slices(_images(low=0, high=255)).repeat().batch(8),
            epochs=1, steps_per_epoch=2, verbose=0)
    assert gan.step == 2


def test_a_course_pipeline_says_its_range_so_no_batch_is_drawn_to_check_it(monkeypatch):
    def drawn(data):
        raise AssertionError("a batch was drawn")

    monkeypatch.setattr(gan_arguments, "_first_batch_range", drawn)
    images = (np.random.default_rng(0).uniform(0, 255, (32, 8, 8))).astype("uint8")
    dataset = data.gan_dataset(images, 8, repeat=True)
    described = gan_arguments.check_training_data(_tiny_gan(), dataset, planned_steps=10)
    assert described["value_range"] == (-1.0, 1.0) and len(described["identity"]) == 16
    plain = tf.data.Dataset.from_tensor_slices(_images()).repeat().batch(8)
    with pytest.raises(AssertionError, match="a batch was drawn"):
        gan_arguments.check_training_data(_tiny_gan(), plain, planned_steps=10)
