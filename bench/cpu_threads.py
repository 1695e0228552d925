"""Which TensorFlow thread settings train fastest on this CPU: steps per second of two lessons'
``GAN.fit`` under each (intra-op, inter-op) setting, against TensorFlow's own default.

TensorFlow fixes its thread pools when it starts, so each setting runs in a fresh process
(this script again, with ``--child``), which calls ``hardware.setup(threads=...)`` before
anything else. The settings take turns, ``--repeats`` times, so a drift in machine load hits
them all alike; each process reports the median steady rate of ``--calls`` ``fit`` calls of
``--steps`` steps (``throughput_common.time_fit``). Workloads: lesson 3's pix2pix colouriser
(64 px, batch 16, width 0.25) and lesson 3's class-conditional GAN (batch 128, width 0.25), both
with the alternating update. "0" means TensorFlow's default (every core, in both pools).

    .venv/bin/python bench/cpu_threads.py [--settings 0,0 2,1 1,2 ...] [--repeats 2]

The last line gives each setting's ``ratio to TensorFlow's default`` (the geometric mean of
the two workloads' ratios).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ("pix2pix", "cgan")


def child(args) -> None:
    from gan_course import hardware

    hardware.setup(threads=(args.intra, args.inter), verbose=False)
    sys.path.insert(0, HERE)
    from throughput_common import time_fit

    if args.child == "pix2pix":
        from pix2pix_common import colorization_data, course_pix2pix, models

        data, _, _ = colorization_data(64, 16)
        gan = course_pix2pix(*models(64, 0.25, seed=0))
    else:
        import keras

        from gan_course.data import gan_dataset, load_fashion_mnist
        from gan_course.models.conditional import (
            build_conditional_discriminator,
            build_conditional_generator,
        )
        from gan_course.training import GAN

        (x_train, y_train), _ = load_fashion_mnist()
        data = gan_dataset(x_train, 128, labels=y_train.astype("int32"), repeat=True)
        keras.utils.set_random_seed(0)
        gan = GAN(build_conditional_generator(100, width=0.25),
                  build_conditional_discriminator(width=0.25, conditioning="projection"),
                  latent_dim=100, ema_decay=0.999)
        gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(data, epochs=1, steps_per_epoch=3, verbose=0)  # trace, warm up
    rates = [time_fit(gan, data, args.steps)[0] for _ in range(args.calls)]
    import tensorflow as tf

    print(f"rate {statistics.median(rates):.4f} intra "
          f"{tf.config.threading.get_intra_op_parallelism_threads()} inter "
          f"{tf.config.threading.get_inter_op_parallelism_threads()}")


def run_child(workload: str, intra: int, inter: int, args) -> float:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", workload, "--intra", str(intra),
         "--inter", str(inter), "--steps", str(args.steps), "--calls", str(args.calls)],
        capture_output=True, text=True, env=env, check=False, timeout=900)
    lines = [line for line in result.stdout.splitlines() if line.startswith("rate ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"the {workload} run with threads ({intra}, {inter}) failed:\n"
                           + result.stderr[-2000:])
    return float(lines[-1].split()[1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", nargs="+", default=["0,0", "2,1", "1,2", "1,1"],
                        help="intra,inter pairs; 0 = TensorFlow's default; the first is the "
                             "reference")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--child", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--intra", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--inter", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return

    from gan_course import hardware

    print(hardware.describe())
    settings = [tuple(int(n) for n in s.split(",")) for s in args.settings]
    rates = {(s, w): [] for s in settings for w in WORKLOADS}
    for _ in range(args.repeats):
        for workload in WORKLOADS:
            for setting in settings:
                rates[setting, workload].append(run_child(workload, *setting, args))
    reference = settings[0]
    ratios = {}
    for setting in settings:
        parts = []
        for workload in WORKLOADS:
            median = statistics.median(rates[setting, workload])
            base = statistics.median(rates[reference, workload])
            parts.append(median / base)
            print(f"threads intra {setting[0]}, inter {setting[1]}: {workload} "
                  f"{median:.2f} steps/s (runs: "
                  + ", ".join(f"{r:.2f}" for r in rates[setting, workload])
                  + f"), {median / base:.3f} x the reference")
        ratios[setting] = math.exp(sum(math.log(p) for p in parts) / len(parts))
    print(f"ratio to TensorFlow's default ({reference[0]}, {reference[1]}): " + ", ".join(
        f"({s[0]}, {s[1]}) {r:.3f}" for s, r in ratios.items()))


if __name__ == "__main__":
    main()
