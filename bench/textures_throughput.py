"""Steps per second: lesson 2's spatial GAN through ``GAN.fit`` against a hand-written loop.

The lesson's fully convolutional generator (noise (4, 4, 32) -> 64x64 patches) and
discriminator (a map of logits), BCE, Adam(2e-4, 0.5), EMA 0.999, on the lesson's patch
sampler of the gravel texture, batch and width from ``TEXTURE_SCALE`` for this device. Timed
as ``throughput_common`` says; each update rule against a reference of the same rule, and the
lesson's rule again with the callbacks that work on every step of a lesson's training.

    .venv/bin/python bench/textures_throughput.py [--batch 32] [--width 0.25] [--steps 20]
        [--rounds 7]

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
from gan_course.data import load_texture, patch_sampler  # noqa: E402
from gan_course.models import textures  # noqa: E402
from gan_course.training import GAN  # noqa: E402

PATCH = 64


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = hardware.model_scale(**textures.TEXTURE_SCALE)
    parser.add_argument("--batch", type=int, default=scale.batch)
    parser.add_argument("--width", type=float, default=scale.width)
    add_timing_arguments(parser, steps=20, rounds=7)
    args = parser.parse_args(argv)

    print(hardware.describe())
    hardware.setup(verbose=False)
    image = load_texture("gravel")
    channels = image.shape[-1]
    data = patch_sampler(image, patch_size=PATCH, batch_size=args.batch, seed=0)
    noise = textures.spatial_noise_shape(PATCH, PATCH)

    def build_pair():
        keras.utils.set_random_seed(0)
        return (textures.build_spatial_generator(channels=channels, width=args.width),
                textures.build_spatial_discriminator(channels=channels, width=args.width))

    def make_reference(pair):
        return bce_reference(
            pair, generator_input=lambda batch: tf.random.normal([tf.shape(batch)[0], *noise]),
            real_and_condition=lambda batch: (batch, None),
            discriminate=lambda d, images, _: d(images, training=True))

    def make_gan(pair, update):
        gan = GAN(*pair, latent_dim=noise, ema_decay=0.999, update=update)
        gan.compile(g_optimizer=dcgan_adam(), d_optimizer=dcgan_adam())
        return gan

    run_benchmark(f"lesson 2's spatial GAN: {PATCH}x{PATCH} patches of gravel, noise {noise}, "
                  f"batch {args.batch}, width {args.width}", build_pair, make_reference,
                  make_gan, data, args)


if __name__ == "__main__":
    main()
