"""What GAN(...) is given is checked before step 1, each message naming the argument and the
fix (the GAN's own tests, tests/test_training.py, check the same through the class)."""

import keras
import pytest

from gan_course import gan_arguments, losses


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
