import keras
import numpy as np
import pytest
import tensorflow as tf
import toy

from gan_course.training import GAN


def _adam(lr=1e-3):
    return keras.optimizers.Adam(lr, beta_1=0.5)


def _ring_dataset(batch=256, seed=0):
    points = toy.ring_of_gaussians(8192, seed=seed)
    return tf.data.Dataset.from_tensor_slices(points).shuffle(8192, seed=seed).repeat().batch(
        batch, drop_remainder=True)


def test_learns_a_ring_of_eight_gaussians():
    keras.utils.set_random_seed(0)
    gan = GAN(toy.mlp(8, 2), toy.mlp(2, 1), latent_dim=8, seed=0)
    gan.compile(g_optimizer=_adam(), d_optimizer=_adam())
    untrained_near, _ = toy.ring_quality(gan.generate(n=2000, ema=False))
    history = gan.fit(_ring_dataset(), epochs=10, steps_per_epoch=250, verbose=0)
    near, modes = toy.ring_quality(gan.generate(n=2000))
    assert gan.step == 2500
    assert untrained_near < 0.1
    assert near > 0.5, f"only {near:.0%} of samples fall near a mode"
    assert modes >= 7, f"only {modes} of 8 modes covered"
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0 < history.history["d_real"][-1] < 1  # probabilities for the "ns" loss


@pytest.mark.parametrize(("loss", "d_steps", "update"),
                         [("wgan-gp", 3, "alternating"), ("hinge", 2, "alternating"),
                          ("lsgan", 1, "alternating"), ("ns", 1, "simultaneous")])
def test_every_loss_and_update_trains(loss, d_steps, update):
    keras.utils.set_random_seed(1)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, loss=loss, d_steps=d_steps, update=update)
    gan.compile()
    before = [w.copy() for w in generator.get_weights()]
    history = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0)
    assert gan.step == 3
    assert int(gan.d_optimizer.iterations.numpy()) == 3 * d_steps
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(not np.array_equal(a, b) for a, b in zip(before, generator.get_weights(),
                                                        strict=True))


def test_ema_generator_is_a_moving_average():
    keras.utils.set_random_seed(2)
    generator, discriminator = toy.tiny_image_models(batch_norm=False)
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=0.9)
    gan.compile()
    start = [w.copy() for w in generator.get_weights()]
    np.testing.assert_array_equal(gan.ema_generator.get_weights()[0], start[0])
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=1, verbose=0)
    after = generator.get_weights()
    for ema, old, new in zip(gan.ema_generator.get_weights(), start, after, strict=True):
        np.testing.assert_allclose(ema, 0.9 * old + 0.1 * new, rtol=1e-5, atol=1e-6)
    z = gan.sample_noise(5)
    assert not np.allclose(gan.generate(z), gan.generate(z, ema=False))


def test_conditional_data_feeds_the_condition_to_both_players():
    seen = {}

    def conditional(n_in, name):
        x, y = keras.Input((n_in,)), keras.Input((1,))
        seen[name] = y
        out = keras.layers.Dense(2 if name == "g" else 1)(keras.layers.Concatenate()([x, y]))
        return keras.Model([x, y], out, name=name)

    gan = GAN(conditional(3, "g"), conditional(2, "d"), latent_dim=3)
    gan.compile()
    points, labels = toy.ring_of_gaussians(64), np.arange(64, dtype="float32")[:, None] % 8
    ds = tf.data.Dataset.from_tensor_slices((points, labels)).repeat().batch(16)
    gan.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)
    assert gan.step == 2
    out = gan.generate(gan.sample_noise(4), condition=labels[:4])
    assert out.shape == (4, 2)


def test_spatial_noise_shape():
    generator = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Conv2D(1, 3, padding="same",
                                                                               activation="tanh")])
    discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(1, 3)])
    gan = GAN(generator, discriminator, latent_dim=(4, 4, 3))
    gan.compile()
    assert tuple(gan.sample_noise(2).shape) == (2, 4, 4, 3)
    images = tf.data.Dataset.from_tensor_slices(np.zeros((8, 4, 4, 1), "float32")).batch(4)
    gan.fit(images.repeat(), epochs=1, steps_per_epoch=2, verbose=0)  # patch logits (2, 2, 2, 1)
    assert gan.step == 2


def test_mixed_precision_step_keeps_float32_variables(float32_policy):
    keras.mixed_precision.set_global_policy("mixed_float16")
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4)
    gan.compile()
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    before = generator.layers[0].kernel.numpy().copy()
    history = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0)
    assert generator.layers[0].compute_dtype == "float16"
    assert all(v.dtype == "float32" for v in generator.trainable_variables
               + discriminator.trainable_variables)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert not np.array_equal(before, generator.layers[0].kernel.numpy())  # it really stepped
    assert gan.generate(n=2).dtype == np.float32


def test_mirrored_strategy_over_two_virtual_cpus_trains(two_cpu_strategy):
    keras.utils.set_random_seed(3)
    with two_cpu_strategy.scope():
        gan = GAN(toy.mlp(8, 2), toy.mlp(2, 1), latent_dim=8, ema_decay=0.99, seed=0)
        gan.compile(g_optimizer=_adam(), d_optimizer=_adam())
    history = gan.fit(_ring_dataset(), epochs=8, steps_per_epoch=250, verbose=0)
    near, modes = toy.ring_quality(gan.generate(n=2000))
    assert gan.step == 2000
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    # as good as one device after the same steps (measured: 84% near a mode, 7-8 modes)
    assert near > 0.5 and modes >= 6, (near, modes)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"update": "together"}, "update='together'"),
    ({"d_steps": 0}, "d_steps=0"),
    ({"ema_decay": 1.5}, "ema_decay=1.5"),
    ({"loss": "wgan"}, "Unknown GAN loss"),
    ({"update": "simultaneous", "d_steps": 2}, "simultaneous"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GAN(toy.mlp(2, 2), toy.mlp(2, 1), latent_dim=2, **kwargs)


def test_unbuilt_models_are_refused_with_advice():
    gan = GAN(keras.Sequential([keras.layers.Dense(2)]), toy.mlp(2, 1), latent_dim=2)
    with pytest.raises(ValueError, match="keras.Input"):
        gan.compile()


def test_generate_needs_noise_or_n():
    gan = GAN(toy.mlp(2, 2), toy.mlp(2, 1), latent_dim=2)
    gan.compile()
    with pytest.raises(ValueError, match="noise=... or n="):
        gan.generate()
    assert gan.generate(n=600, batch_size=256).shape == (600, 2)
