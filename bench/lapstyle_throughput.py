"""Steps per second: lesson 4's LapStyle revision stage through ``GAN.fit`` against a
hand-written loop.

The lesson's first revision stage: ``LapStyleNet(drafting, [revision])`` makes 256x256 images
from the content (the drafting network frozen, the revision network training), the LapStyle
discriminator judges them against crops of the style, and G's loss adds the four perceptual
terms (content, style, relaxed EMD and self-similarity on the VGG-19 encoder,
``lapstyle.perceptual_terms``) to the non-saturating GAN loss; ``lapstyle_adam`` for both, no
EMA. Offline: the stained-glass style, the offline content photos and the fixed random VGG-19.
Width and batch from ``LAPSTYLE_SCALE`` (batch 2 at 256 px, as the lesson). Timed as
``throughput_common`` says; each update rule against a reference of the same rule (which calls
the same perceptual terms), and the lesson's rule again with the callbacks that work on every
step of a lesson's training.

    .venv/bin/python bench/lapstyle_throughput.py [--size 256] [--batch 2] [--width 0.5]
        [--steps 4] [--rounds 3]

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
    ReferenceGAN,
    add_timing_arguments,
    bce_d_loss,
    bce_g_loss,
    run_benchmark,
)

from gan_course import data, features, hardware  # noqa: E402
from gan_course.models import lapstyle  # noqa: E402
from gan_course.training import GAN  # noqa: E402

STYLE = "stained_glass_flower"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = hardware.model_scale(**lapstyle.LAPSTYLE_SCALE)
    parser.add_argument("--size", type=int, default=256, choices=(128, 256, 512),
                        help="256: the lesson's first revision stage (default); 512: its "
                             "second; 128: a smaller first stage, for a quick check")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--width", type=float, default=scale.width)
    add_timing_arguments(parser, steps=4, rounds=3)
    args = parser.parse_args(argv)

    print(hardware.describe())
    hardware.setup(verbose=False)
    encoder = features.vgg_encoder("random")
    style = data.style_image(STYLE, side=lapstyle.STYLE_SIDES[args.size], verbose=False)[0]
    pairs = data.style_transfer_dataset(style, args.size, args.batch, content="offline")
    keras.utils.set_random_seed(0)
    drafting = lapstyle.DraftingNetwork(encoder, lapstyle.build_drafting_decoder(args.width))
    drafting.set_style(data.style_image(STYLE, side=lapstyle.STYLE_SIDES[128],
                                        verbose=False)[0][None])
    revisions = 2 if args.size == 512 else 1  # 512: the second revision stage, on the first
    remd_layers = ("relu4_1",) if args.size == 512 else lapstyle.REMD_LAYERS

    def build_pair():
        keras.utils.set_random_seed(0)
        stages = [lapstyle.build_revision_network(args.width) for _ in range(revisions)]
        return (lapstyle.LapStyleNet(drafting, stages),
                lapstyle.build_lapstyle_discriminator(args.width))

    def make_reference(pair):
        generator, discriminator = pair
        perceptual = lapstyle.perceptual_terms(encoder, remd_layers=remd_layers)

        def g_loss(fake_logits, real, fake, content):
            return bce_g_loss(fake_logits) + tf.add_n(
                list(perceptual(real, fake, content).values()))

        return ReferenceGAN(
            generator, discriminator,
            generator_input=lambda batch: batch[1],
            real_and_condition=lambda batch: batch,
            discriminate=lambda images, _: discriminator(images, training=True),
            d_loss=lambda real_logits, fake_logits, *_: bce_d_loss(real_logits, fake_logits),
            g_loss=g_loss, g_optimizer=lapstyle.lapstyle_adam(),
            d_optimizer=lapstyle.lapstyle_adam())

    def make_gan(pair, update):
        gan = GAN(*pair, latent_dim=None, discriminator_sees_condition=False, update=update,
                  g_terms={"perceptual": lapstyle.perceptual_terms(encoder,
                                                                   remd_layers=remd_layers)})
        gan.compile(g_optimizer=lapstyle.lapstyle_adam(), d_optimizer=lapstyle.lapstyle_adam())
        return gan

    run_benchmark(f"lesson 4's LapStyle revision stage: {args.size}x{args.size}, batch "
                  f"{args.batch}, width {args.width}, encoder {encoder.weights}", build_pair,
                  make_reference, make_gan, pairs, args)


if __name__ == "__main__":
    main()
