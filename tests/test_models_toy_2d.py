import keras
import numpy as np
import pytest

from gan_course.models import toy_2d


def test_the_players_map_noise_to_points_and_points_to_logits():
    g, d = toy_2d.build_toy_generator(), toy_2d.build_toy_discriminator()
    z = np.random.default_rng(0).normal(size=(8, toy_2d.LATENT_DIM)).astype("float32")
    assert g(z).shape == (8, 2) and d(g(z)).shape == (8, 1)
    with pytest.raises(ValueError, match="width=0"):
        toy_2d.build_toy_discriminator(width=0, spectral_norm=True)


def test_spectral_norm_bounds_how_fast_the_logit_can_change():
    """Each layer's largest singular value is held at 1, so |D(x) - D(y)| <= |x - y| (ReLU is
    1-Lipschitz); a plain D with large weights breaks that bound."""
    keras.utils.set_random_seed(0)
    normed = toy_2d.build_toy_discriminator(spectral_norm=True)
    plain = toy_2d.build_toy_discriminator()
    for layer in plain.layers:
        if layer.weights:
            layer.kernel.assign(layer.kernel * 10.0)
    x = np.random.default_rng(1).normal(size=(512, 2)).astype("float32")
    y = x + np.random.default_rng(2).normal(scale=0.1, size=x.shape).astype("float32")
    distance = np.linalg.norm(x - y, axis=1)
    for _ in range(20):  # the power iteration settles during training-mode calls
        normed(x, training=True)

    def ratio(model):
        change = np.abs(np.asarray(model(x, training=False) - model(y, training=False)))[:, 0]
        return float(np.max(change / distance))

    assert ratio(normed) <= 1.05 and ratio(plain) > 1.05


def test_minibatch_stddev_lets_the_logit_see_the_batchs_spread():
    """The same point scores differently in a collapsed batch (all copies) and a spread one;
    without the option its logit is the same whatever the batch."""
    keras.utils.set_random_seed(0)
    point = np.array([[1.0, 0.5]], dtype="float32")
    collapsed = np.repeat(point, 8, axis=0)
    spread = np.concatenate([point, np.random.default_rng(0).normal(
        scale=2.0, size=(7, 2)).astype("float32")])
    for option, differs in ((True, True), (False, False)):
        d = toy_2d.build_toy_discriminator(minibatch_stddev=option)
        first = float(d(collapsed)[0, 0]), float(d(spread)[0, 0])
        assert (abs(first[0] - first[1]) > 1e-4) == differs
