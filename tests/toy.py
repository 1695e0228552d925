"""Tiny models and data shared by the tests (seconds on a CPU)."""

import keras
import numpy as np
import tensorflow as tf

RING_MODES = 8
RING_RADIUS = 2.0


def ring_centres():
    angles = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    return RING_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n, std=0.05, seed=0):
    """n points from 8 Gaussians of std ``std`` on a circle of radius 2."""
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, RING_MODES, n)
    return (ring_centres()[modes] + rng.normal(0, std, (n, 2))).astype("float32")


def ring_quality(samples, threshold=0.3):
    """(share of samples within ``threshold`` of a mode, number of modes hit by them)."""
    distances = np.linalg.norm(samples[:, None] - ring_centres()[None], axis=-1)
    near = distances.min(axis=1) < threshold
    return float(near.mean()), len(set(distances.argmin(axis=1)[near].tolist()))


def mlp(n_in, n_out, width=64, name=None):
    return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(width, activation="relu"),
                             keras.layers.Dense(width, activation="relu"),
                             keras.layers.Dense(n_out)], name=name)


def tiny_image_models(latent_dim=4, size=8, batch_norm=True):
    """A generator (latent_dim -> size x size x 1, tanh) and a discriminator (-> 1 logit)."""
    g_layers = [keras.Input((latent_dim,)), keras.layers.Dense(size * size * 2)]
    if batch_norm:
        g_layers.append(keras.layers.BatchNormalization())
    g_layers += [keras.layers.ReLU(), keras.layers.Reshape((size, size, 2)),
                 keras.layers.Conv2D(1, 3, padding="same"),
                 keras.layers.Activation("tanh", dtype="float32")]
    generator = keras.Sequential(g_layers, name="generator")
    discriminator = keras.Sequential([
        keras.Input((size, size, 1)), keras.layers.Conv2D(4, 3, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2), keras.layers.Flatten(),
        keras.layers.Dense(1, dtype="float32")], name="discriminator")
    return generator, discriminator


def image_dataset(n=64, size=8, batch=8, seed=0):
    rng = np.random.default_rng(seed)
    images = np.tanh(rng.normal(size=(n, size, size, 1))).astype("float32")
    return tf.data.Dataset.from_tensor_slices(images).repeat().batch(batch, drop_remainder=True)


def tiny_gan(seed=0, ema=None):
    """A compiled GAN of :func:`tiny_image_models` with a 4-number latent."""
    from gan_course.training import GAN

    keras.utils.set_random_seed(seed)
    generator, discriminator = tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=ema, seed=seed)
    gan.compile()
    return gan


def all_weights(gan):
    """Copies of both models' and both optimizers' variables."""
    return [v.numpy().copy() for v in (gan.generator.variables + gan.discriminator.variables
                                      + gan.g_optimizer.variables + gan.d_optimizer.variables)]


def fit_run(directory, steps=4, epochs=1, seed=0, **options):
    """A tiny GAN trained ``epochs`` x ``steps`` steps with a Checkpoint in ``directory``."""
    from gan_course.checkpoints import Checkpoint
    from gan_course.training import GAN

    loss = options.pop("loss", "ns")
    keras.utils.set_random_seed(seed)
    generator, discriminator = tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, loss=loss, seed=seed)
    gan.compile()
    gan.fit(image_dataset(), epochs=epochs, steps_per_epoch=steps, verbose=0,
            callbacks=[Checkpoint(directory, **{"every_n_steps": 100, **options})])
    return gan


def poisoned_batches(n=20, bad=6):
    """``n`` batches of 8 tiny images; batch ``bad`` is all NaN."""
    rng = np.random.default_rng(0)
    batches = np.tanh(rng.normal(size=(n, 8, 8, 8, 1))).astype("float32")
    batches[bad] = np.nan
    return tf.data.Dataset.from_tensor_slices(batches)
