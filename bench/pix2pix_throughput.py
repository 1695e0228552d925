"""Steps per second: lesson 3's pix2pix through ``GAN.fit`` against the TF pix2pix tutorial's loop.

Same U-Net and PatchGAN (1 -> 2 channels: L -> ab), same batch and colorization data, in one
process, timed as ``throughput_common`` says (interleaved rounds, steady state, the median of
the paired ratios). Each update rule is compared with a reference written for the same rule:
"simultaneous" is the tutorial's algorithm (both players from one forward pass);
"alternating" (the lesson's default, as in Isola et al. 2017) lets G see the updated D, which
costs one more D forward pass per step on both sides. "alternating + lesson callbacks" adds
the callbacks that work on every step of a lesson's training (time limit, NaN guard, progress
line).

    .venv/bin/python bench/pix2pix_throughput.py [--size 64] [--batch 16] [--width 0.25]
        [--steps 30] [--rounds 9]

Defaults: the lesson's image size (64) and, for width and batch, ``PIX2PIX_SCALE`` for this
device. The last line gives ``ratio GAN.fit / reference`` for each variant.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pix2pix_common import (  # noqa: E402
    ReferenceLoop,
    add_size_arguments,
    colorization_data,
    course_pix2pix,
    lesson_sizes,
    models,
)
from throughput_common import add_timing_arguments, run_benchmark  # noqa: E402

from gan_course import hardware  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    add_timing_arguments(parser, steps=30, rounds=9)
    args = parser.parse_args(argv)

    print(hardware.describe())
    hardware.setup(verbose=False)
    args.size, batch, width = lesson_sizes(args)
    data, _, _ = colorization_data(args.size, batch)
    run_benchmark(f"lesson 3's pix2pix: image {args.size}x{args.size}, batch {batch}, "
                  f"width {width}", lambda: models(args.size, width, seed=0),
                  lambda pair: ReferenceLoop(*pair),
                  lambda pair, update: course_pix2pix(*pair, update=update), data, args)


if __name__ == "__main__":
    main()
