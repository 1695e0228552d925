"""What the pix2pix benchmarks share: lesson 3's colouriser (a U-Net from L to ab, a PatchGAN on
(ab, L) pairs, cGAN + lambda * L1 through ``GAN.fit``), the L1-only baseline, the reference loop
written the way the TensorFlow pix2pix tutorial writes it, and the measurement on held-out
photos."""

from __future__ import annotations

import keras
import tensorflow as tf

from gan_course import hardware, losses
from gan_course.data import colorization_dataset, lab_pairs
from gan_course.models.pix2pix import (
    COLORIZATION_IMAGE_SIZE,
    PIX2PIX_SCALE,
    build_patch_discriminator,
    build_unet_generator,
    patch_layers_for,
)
from gan_course.training import GAN

L1_WEIGHT = 100.0  # lambda of Isola et al. (2017)


def add_size_arguments(parser) -> None:
    """``--size``, ``--batch`` and ``--width``; each defaults to the lesson's for this device."""
    for flag, kind in (("--size", int), ("--batch", int), ("--width", float)):
        parser.add_argument(flag, type=kind, default=None, help="default: the lesson's")


def lesson_sizes(args) -> tuple[int, int, float]:
    """(image size, batch, width): the arguments, or lesson 3's choice for this device."""
    scale = hardware.choose_scale("GPU" if hardware.list_gpus() else "CPU", **PIX2PIX_SCALE)
    size = COLORIZATION_IMAGE_SIZE["cpu" if scale.device == "CPU" else "accelerator"]
    return (args.size or size, args.batch or scale.batch,
            args.width if args.width is not None else scale.width)


def colorization_data(size: int, batch: int, seed: int = 0):
    """(endless dataset of (ab, L) batches, held-out (ab, L) arrays, held-out RGB in [0, 1])."""
    train, validation = colorization_dataset(size=size, batch_size=batch, source="offline",
                                             seed=seed)
    ab, lightness = (x.numpy() for x in lab_pairs(tf.constant(validation)))
    return train.map(lab_pairs), (ab, lightness), (validation + 1.0) / 2.0


def models(size: int, width: float, seed: int):
    keras.utils.set_random_seed(seed)
    return (build_unet_generator(size, input_channels=1, output_channels=2, width=width),
            build_patch_discriminator(size, input_channels=1, target_channels=2, width=width,
                                      n_layers=patch_layers_for(size)))


def l1_term(weight: float = L1_WEIGHT):
    return {"l1": lambda real, fake, condition: weight * losses.l1(real, fake)}


def course_pix2pix(generator, discriminator, update: str = "alternating",
                   jit_compile="auto"):
    """cGAN + 100 L1 through the core; ``discriminator=None`` gives the L1-only baseline."""
    gan = GAN(generator, discriminator, latent_dim=None, g_terms=l1_term(), update=update)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), jit_compile=jit_compile)
    return gan


class ReferenceLoop:
    """The TF pix2pix tutorial's training: one ``tf.function`` step with two tapes, BCE on the
    PatchGAN's logit map, plus 100 x L1. ``simultaneous`` updates both players from the same
    forward pass, as the tutorial's ``train_step`` does; ``alternating`` is the same written for
    the lessons' rule: D's update first, then G judged by the updated D."""

    def __init__(self, generator, discriminator):
        self.generator, self.discriminator = generator, discriminator
        self.g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def _d_loss(self, disc_real_output, disc_generated_output):
        return (self.bce(tf.ones_like(disc_real_output), disc_real_output)
                + self.bce(tf.zeros_like(disc_generated_output), disc_generated_output))

    def _g_loss(self, disc_generated_output, target, gen_output):
        gan_loss = self.bce(tf.ones_like(disc_generated_output), disc_generated_output)
        return gan_loss + L1_WEIGHT * tf.reduce_mean(tf.abs(target - gen_output))

    @tf.function
    def simultaneous(self, batch):
        target, input_image = batch
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            gen_output = self.generator(input_image, training=True)
            disc_real_output = self.discriminator([target, input_image], training=True)
            disc_generated_output = self.discriminator([gen_output, input_image], training=True)
            gen_total_loss = self._g_loss(disc_generated_output, target, gen_output)
            disc_loss = self._d_loss(disc_real_output, disc_generated_output)
        g_grads = gen_tape.gradient(gen_total_loss, self.generator.trainable_variables)
        d_grads = disc_tape.gradient(disc_loss, self.discriminator.trainable_variables)
        self.g_opt.apply_gradients(zip(g_grads, self.generator.trainable_variables))  # noqa: B905
        self.d_opt.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))  # noqa: B905
        return gen_total_loss, disc_loss

    @tf.function
    def alternating(self, batch):
        target, input_image = batch
        with tf.GradientTape() as gen_tape:
            gen_output = self.generator(input_image, training=True)
            with gen_tape.stop_recording(), tf.GradientTape() as disc_tape:
                disc_loss = self._d_loss(
                    self.discriminator([target, input_image], training=True),
                    self.discriminator([gen_output, input_image], training=True))
            d_grads = disc_tape.gradient(disc_loss, self.discriminator.trainable_variables)
            self.d_opt.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))  # noqa: B905
            gen_total_loss = self._g_loss(
                self.discriminator([gen_output, input_image], training=True), target, gen_output)
        g_grads = gen_tape.gradient(gen_total_loss, self.generator.trainable_variables)
        self.g_opt.apply_gradients(zip(g_grads, self.generator.trainable_variables))  # noqa: B905
        return gen_total_loss, disc_loss
