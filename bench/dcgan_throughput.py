"""Images per second: the course's ``GAN.fit`` against the TensorFlow-tutorial reference loop.

Same DCGAN, same batch (256) and data, in one process. On a GPU, ``GAN.fit`` runs with the
precision and XLA setting that ``hardware.setup()`` picks (mixed precision + XLA); the reference
stays float32 without XLA, as the tutorial writes it.

``GAN.fit`` runs both update rules: "simultaneous" is the tutorial's algorithm (both players
updated from one forward pass), so its ratio measures the training core's overhead; "alternating"
(the lessons' default) lets G see the updated D, which costs one more D forward pass on the fakes
per step. The last line gives both ratios.

    .venv/bin/python bench/dcgan_throughput.py [--steps 30] [--rounds 3] [--width 1.0]
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
from dcgan_common import ReferenceLoop, course_gan, dataset, models  # noqa: E402

from gan_course import hardware  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--width", type=float, default=1.0, help="DCGAN channel multiplier")
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--xla", choices=("auto", "on", "off"), default="auto",
                        help="XLA for GAN.fit (auto: what hardware.setup picks)")
    parser.add_argument("--update", choices=("both", "alternating", "simultaneous"),
                        default="both")
    args = parser.parse_args()

    print(hardware.describe())
    data = dataset(args.batch)

    # the reference: float32, no XLA (built before any mixed-precision policy is set)
    keras.mixed_precision.set_global_policy("float32")
    reference = ReferenceLoop(*models(args.width, seed=0), batch=args.batch)
    ref_iter = iter(data)
    reference.run(ref_iter, steps=3)  # trace and warm up

    updates = ("simultaneous", "alternating") if args.update == "both" else (args.update,)
    strategy = hardware.setup()  # mixed precision + XLA on a GPU, float32 on a CPU
    spe = args.steps_per_execution
    steps = max(spe, args.steps // spe * spe)
    gans = {}
    for update in updates:
        with strategy.scope():
            gans[update] = course_gan(*models(args.width, seed=0), update=update,
                                      steps_per_execution=spe,
                                      jit_compile={"auto": "auto", "on": True, "off": False}[
                                          args.xla])
        gans[update].fit(data, epochs=1, steps_per_epoch=2 * spe, verbose=0)  # trace, warm up
    keras.mixed_precision.set_global_policy("float32")

    rates = {name: [] for name in ("reference", *updates)}
    for _ in range(args.rounds):  # interleaved, so drifts in machine load hit all alike
        seconds = reference.run(ref_iter, steps=steps)
        rates["reference"].append(steps * args.batch / seconds)
        for update, gan in gans.items():
            start = time.perf_counter()
            gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
            rates[update].append(steps * args.batch / (time.perf_counter() - start))

    median = {name: statistics.median(values) for name, values in rates.items()}
    setup = hardware.last_setup
    xla = "on" if next(iter(gans.values())).jit_compile else "off"
    print(f"batch {args.batch}, width {args.width}, {steps} steps x {args.rounds} rounds, "
          f"TensorFlow {tf.__version__}")
    for name, values in rates.items():
        label = ("reference loop (float32, no XLA)" if name == "reference" else
                 f"GAN.fit ({name}, {setup.precision}, XLA {xla}, steps_per_execution {spe})")
        print(f"{label}: {median[name]:9.1f} images/s  "
              f"(rounds: {', '.join(f'{r:.0f}' for r in values)})")
    print("ratio GAN.fit / reference: " + ", ".join(
        f"{update} {median[update] / median['reference']:.2f}" for update in updates))


if __name__ == "__main__":
    main()
