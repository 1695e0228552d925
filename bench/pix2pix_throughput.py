"""Steps per second: lesson 3's pix2pix through ``GAN.fit`` against the TF pix2pix tutorial's loop.

Same U-Net and PatchGAN (1 -> 2 channels: L -> ab), same batch and colorization data, in one
process, timed in interleaved rounds (the median counts). ``GAN.fit`` runs both update rules:
"simultaneous" is the tutorial's algorithm (both players from one forward pass), so its ratio
measures the training core's overhead; "alternating" (the lesson's default, as in Isola et al.
2017) lets G see the updated D, which costs one more D forward pass per step.

    .venv/bin/python bench/pix2pix_throughput.py [--size 64] [--batch 16] [--width 0.25]

Defaults: the lesson's image size (64) and, for width and batch, ``PIX2PIX_SCALE`` for this
device. The last line gives ``ratio GAN.fit / reference`` for both update rules.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from pix2pix_common import (  # noqa: E402
    ReferenceLoop,
    add_size_arguments,
    colorization_data,
    course_pix2pix,
    lesson_sizes,
    models,
)

from gan_course import hardware  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    parser.add_argument("--steps", type=int, default=100, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    args = parser.parse_args()

    print(hardware.describe())
    args.size, batch, width = lesson_sizes(args)
    data, _, _ = colorization_data(args.size, batch)

    keras.mixed_precision.set_global_policy("float32")
    reference = ReferenceLoop(*models(args.size, width, seed=0))
    ref_iter = iter(data)
    reference.run(ref_iter, steps=3)  # trace and warm up

    strategy = hardware.setup(verbose=False)
    gans = {}
    for update in ("simultaneous", "alternating"):
        with strategy.scope():
            gans[update] = course_pix2pix(*models(args.size, width, seed=0), update=update)
        gans[update].fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # trace, warm up
    keras.mixed_precision.set_global_policy("float32")

    rates = {name: [] for name in ("reference", *gans)}
    for _ in range(args.rounds):  # interleaved, so drifts in machine load hit all alike
        rates["reference"].append(args.steps / reference.run(ref_iter, steps=args.steps))
        for update, gan in gans.items():
            start = time.perf_counter()
            gan.fit(data, epochs=1, steps_per_epoch=args.steps, verbose=0)
            rates[update].append(args.steps / (time.perf_counter() - start))

    median = {name: statistics.median(values) for name, values in rates.items()}
    setup = hardware.last_setup
    xla = "on" if gans["alternating"].jit_compile else "off"
    print(f"image {args.size}x{args.size}, batch {batch}, width {width}, {args.steps} steps x "
          f"{args.rounds} rounds, TensorFlow {tf.__version__}")
    for name, values in rates.items():
        label = ("reference loop (tutorial, float32, no XLA)" if name == "reference" else
                 f"GAN.fit ({name}, {setup.precision}, XLA {xla})")
        print(f"{label}: {median[name]:7.2f} steps/s  "
              f"(rounds: {', '.join(f'{r:.2f}' for r in values)})")
    print("ratio GAN.fit / reference: " + ", ".join(
        f"{update} {median[update] / median['reference']:.2f}" for update in gans))


if __name__ == "__main__":
    main()
