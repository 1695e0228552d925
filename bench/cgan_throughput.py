"""Steps per second: lesson 3's class-conditional GAN through ``GAN.fit`` against a hand-written
loop.

The lesson's generator ([z, class] -> 28x28) and projection discriminator ([image, class] ->
logit), BCE, Adam(2e-4, 0.5), EMA 0.999, on the Fashion-MNIST training images with their
labels, batch and width from ``CGAN_SCALE`` for this device. Timed as ``throughput_common``
says; each update rule against a reference of the same rule, and the lesson's rule again with
the callbacks that work on every step of a lesson's training.

    .venv/bin/python bench/cgan_throughput.py [--conditioning projection|concat] [--batch 128]
        [--width 0.25] [--steps 40] [--rounds 9]

The last line gives ``ratio GAN.fit / reference`` for each variant.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from throughput_common import (  # noqa: E402
    add_timing_arguments,
    bce_reference,
    dcgan_adam,
    run_benchmark,
)

from gan_course import hardware  # noqa: E402
from gan_course.data import gan_dataset, load_fashion_mnist  # noqa: E402
from gan_course.models.conditional import (  # noqa: E402
    CGAN_SCALE,
    CONDITIONINGS,
    build_conditional_discriminator,
    build_conditional_generator,
)
from gan_course.training import GAN  # noqa: E402

LATENT = 100


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = hardware.model_scale(**CGAN_SCALE)
    parser.add_argument("--conditioning", choices=CONDITIONINGS, default="projection")
    parser.add_argument("--batch", type=int, default=scale.batch)
    parser.add_argument("--width", type=float, default=scale.width)
    add_timing_arguments(parser, steps=40, rounds=9)
    args = parser.parse_args(argv)

    print(hardware.describe())
    hardware.setup(verbose=False)
    (x_train, y_train), _ = load_fashion_mnist()
    data = gan_dataset(x_train, args.batch, labels=y_train.astype("int32"), repeat=True)

    def build_pair():
        keras.utils.set_random_seed(0)
        return (build_conditional_generator(LATENT, width=args.width),
                build_conditional_discriminator(width=args.width,
                                                conditioning=args.conditioning))

    def make_reference(pair):
        return bce_reference(
            pair, generator_input=lambda batch: [
                tf.random.normal([tf.shape(batch[0])[0], LATENT]), batch[1]],
            real_and_condition=lambda batch: batch,
            discriminate=lambda d, images, labels: d([images, labels], training=True))

    def make_gan(pair, update):
        gan = GAN(*pair, latent_dim=LATENT, ema_decay=0.999, update=update)
        gan.compile(g_optimizer=dcgan_adam(), d_optimizer=dcgan_adam())
        return gan

    run_benchmark(f"lesson 3's class-conditional GAN ({args.conditioning}): 28x28, batch "
                  f"{args.batch}, width {args.width}", build_pair, make_reference, make_gan,
                  data, args)


if __name__ == "__main__":
    main()
