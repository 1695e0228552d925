"""Steps per second: lesson 5's ProGAN at one level through ``GAN.fit`` against a hand-written
loop.

One level of the lesson's growing (default 32x32, the last and longest): G and D with their
fade-in layers, WGAN loss with the gradient penalty (weight 10) and the drift term (0.001),
``progan_adam`` for both, EMA 0.999, on Fashion-MNIST padded to 32x32 (``ProGAN.dataset``,
whose real images fade in too), batch and width from ``PROGAN_SCALE`` for this device. The
whole benchmark runs inside the fade-in (alpha rises over ``--fade-steps``), so every step
writes alpha: the course with its ``FadeInSchedule`` callback, the reference inside its
compiled step. Timed as ``throughput_common`` says; each update rule against a reference of
the same rule, and the lesson's rule again with the callbacks that work on every step of a
lesson's training.

    .venv/bin/python bench/progan_throughput.py [--resolution 32] [--batch 32] [--width 0.25]
        [--steps 12] [--rounds 6]

The last line gives ``ratio GAN.fit / reference`` for each variant.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from throughput_common import ReferenceGAN, add_timing_arguments, copy_of, run_benchmark  # noqa: E402

from gan_course import data, hardware  # noqa: E402
from gan_course.layers import FadeIn, flat_layers  # noqa: E402
from gan_course.models import progan  # noqa: E402
from gan_course.training import GAN  # noqa: E402


def wgan_gp_d_loss(discriminate):
    """D's WGAN-GP loss with ProGAN's drift, written out:
    E[D(G(z))] - E[D(x)] + 10 E[(||grad D(x_hat)||_2 - 1)^2] + 0.001 E[D(x)^2]."""

    def d_loss(real_logits, fake_logits, real, fake, condition):
        mix = tf.random.uniform([tf.shape(real)[0], 1, 1, 1])
        x_hat = real + mix * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            scores = discriminate(x_hat, condition)
        grads = tape.gradient(scores, x_hat)
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
        return (tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                + progan.GP_WEIGHT * tf.reduce_mean(tf.square(norms - 1.0))
                + progan.DRIFT_WEIGHT * tf.reduce_mean(tf.square(real_logits)))

    return d_loss


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = hardware.model_scale(**progan.PROGAN_SCALE)
    parser.add_argument("--resolution", type=int, default=32, choices=(8, 16, 32))
    parser.add_argument("--batch", type=int, default=scale.batch)
    parser.add_argument("--width", type=float, default=scale.width)
    parser.add_argument("--fade-steps", type=int, default=1500,
                        help="the lesson's full-mode fade-in length")
    add_timing_arguments(parser, steps=12, rounds=6)
    args = parser.parse_args(argv)

    print(hardware.describe())
    hardware.setup(verbose=False)
    (x_train, _), _ = data.load_fashion_mnist()
    images_32 = progan.pad_to_32(x_train)
    pipeline = progan.ProGAN(latent_dim=progan.LATENT_DIM, width=args.width)  # its real_alpha
    reals = pipeline.dataset(images_32, args.resolution, args.batch)

    def build_pair():
        keras.utils.set_random_seed(0)
        model = progan.ProGAN(latent_dim=progan.LATENT_DIM, width=args.width)
        return model.generator(args.resolution), model.discriminator(args.resolution)

    def make_reference(pair):
        generator, discriminator = pair
        alphas = [layer.alpha for model in pair for layer in flat_layers(model)
                  if isinstance(layer, FadeIn)] + [pipeline.real_alpha]
        step = tf.Variable(0.0, trainable=False)

        def before_step():  # the fade-in: alpha = min(1, step / fade_steps)
            alpha = tf.minimum(1.0, step / float(args.fade_steps))
            for variable in alphas:
                variable.assign(alpha)
            step.assign_add(1.0)

        def discriminate(images, _):
            return discriminator(images, training=True)

        return ReferenceGAN(
            generator, discriminator,
            generator_input=lambda batch: tf.random.normal([tf.shape(batch)[0],
                                                            progan.LATENT_DIM]),
            real_and_condition=lambda batch: (batch, None),
            discriminate=discriminate, d_loss=wgan_gp_d_loss(discriminate),
            g_loss=lambda fake_logits, *_: -tf.reduce_mean(fake_logits),
            g_optimizer=progan.progan_adam(), d_optimizer=progan.progan_adam(),
            ema=copy_of(generator), before_step=before_step)

    def make_gan(pair, update):
        gan = GAN(*pair, latent_dim=progan.LATENT_DIM, loss="wgan", gp_weight=progan.GP_WEIGHT,
                  d_terms={"drift": progan.progan_drift}, ema_decay=0.999, update=update)
        gan.compile(g_optimizer=progan.progan_adam(), d_optimizer=progan.progan_adam())
        return gan, [progan.FadeInSchedule(args.fade_steps, variables=[pipeline.real_alpha])]

    run_benchmark(f"lesson 5's ProGAN at {args.resolution}x{args.resolution} during the fade-in: "
                  f"WGAN-GP + drift, batch {args.batch}, width {args.width}", build_pair,
                  make_reference, make_gan, reals, args)


if __name__ == "__main__":
    main()
