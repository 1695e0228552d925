"""What the DCGAN benchmarks share: the reference loop, written the way the TensorFlow DCGAN
tutorial writes it, and the course's ``GAN`` set up on the same models, batch and data."""

from __future__ import annotations

import time

import keras
import tensorflow as tf

from gan_course.data import gan_dataset, load_fashion_mnist
from gan_course.models.fashion_mnist import build_dcgan_discriminator, build_dcgan_generator
from gan_course.training import GAN

LATENT = 100


def dataset(batch: int):
    (x_train, _), _ = load_fashion_mnist()
    return gan_dataset(x_train, batch, repeat=True)


def models(width: float, seed: int, spectral_norm: bool = False, d_width: float | None = None,
           dropout: float = 0.3):
    """Lesson 1's DCGAN pair; ``d_width`` (default: ``width``) sizes the discriminator alone."""
    keras.utils.set_random_seed(seed)
    return (build_dcgan_generator(LATENT, width=width),
            build_dcgan_discriminator(width=width if d_width is None else d_width,
                                      dropout=dropout, spectral_norm=spectral_norm))


class ReferenceLoop:
    """The tutorial's training: one ``tf.function`` step, two tapes, float32, BCE, Adam(1e-4)."""

    def __init__(self, generator, discriminator, batch: int):
        self.generator, self.discriminator, self.batch = generator, discriminator, batch
        self.g_opt, self.d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.steps = 0

    @tf.function
    def train_step(self, images):
        noise = tf.random.normal([self.batch, LATENT])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = self.generator(noise, training=True)
            real_output = self.discriminator(images, training=True)
            fake_output = self.discriminator(generated, training=True)
            gen_loss = self.bce(tf.ones_like(fake_output), fake_output)
            disc_loss = (self.bce(tf.ones_like(real_output), real_output)
                         + self.bce(tf.zeros_like(fake_output), fake_output))
        g_grads = gen_tape.gradient(gen_loss, self.generator.trainable_variables)
        d_grads = disc_tape.gradient(disc_loss, self.discriminator.trainable_variables)
        self.g_opt.apply_gradients(zip(g_grads, self.generator.trainable_variables))  # noqa: B905
        self.d_opt.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))  # noqa: B905
        return gen_loss, disc_loss

    def run(self, iterator, steps: int | None = None, seconds: float | None = None) -> float:
        """Train for ``steps`` or ``seconds``; returns the seconds spent."""
        start = time.perf_counter()
        done = 0
        while (steps is None or done < steps) and (
                seconds is None or time.perf_counter() - start < seconds):
            losses = self.train_step(next(iterator))
            done += 1
        float(losses[0])  # wait for the last step
        self.steps += done
        return time.perf_counter() - start

    def generate(self, n: int):
        return self.generator(tf.random.normal([n, LATENT]), training=False).numpy()


def course_gan(generator, discriminator, ema_decay=None, g_lr=2e-4, d_lr=2e-4, beta_1=0.5,
               beta_2=0.999,
               steps_per_execution: int = 1, jit_compile="auto", update="alternating",
               loss="ns", augment=None, r1_gamma=0.0):
    gan = GAN(generator, discriminator, latent_dim=LATENT, ema_decay=ema_decay, update=update,
              loss=loss, augment=augment, r1_gamma=r1_gamma)
    gan.compile(g_optimizer=keras.optimizers.Adam(g_lr, beta_1=beta_1, beta_2=beta_2),
                d_optimizer=keras.optimizers.Adam(d_lr, beta_1=beta_1, beta_2=beta_2),
                steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    return gan
