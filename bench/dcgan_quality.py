"""Fashion-MNIST FD after the same wall-clock budget: the lesson's DCGAN against the reference loop.

Both train the same DCGAN on the same data and batch for ``--seconds`` each (default 300, the
issue's 5 minutes). The reference is the TensorFlow tutorial's loop (Adam 1e-4, simultaneous
updates, no EMA); the lesson's is ``GAN.fit`` with the lesson's settings (Adam 2e-4 and
beta1 0.5, alternating updates, an EMA generator). The last line is FD(reference) / FD(lesson):
above 1 means the lesson's DCGAN is better.

    .venv/bin/python bench/dcgan_quality.py [--seconds 300] [--width 0.25]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dcgan_common import ReferenceLoop, course_gan, dataset, models  # noqa: E402

from gan_course import callbacks, hardware, metrics  # noqa: E402
from gan_course.data import load_fashion_mnist  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training budget for each")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--width", type=float, default=None,
                        help="DCGAN channel multiplier (default: 1.0 on a GPU, 0.25 on a CPU, "
                             "as the lesson uses in quick mode)")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()

    print(hardware.describe())
    gpus = hardware.list_gpus()
    width = args.width if args.width is not None else (1.0 if gpus else 0.25)
    data = dataset(args.batch)
    _, (x_test, _) = load_fashion_mnist(verbose=False)
    real = x_test[:args.samples]

    reference = ReferenceLoop(*models(width, seed=0), batch=args.batch)
    reference.run(iter(data), seconds=args.seconds)
    ref_fd = metrics.fashion_mnist_fd(reference.generate(args.samples), real)
    print(f"reference loop: {reference.steps} steps in {args.seconds:.0f} s, FD {ref_fd:.2f}")

    strategy = hardware.setup(verbose=False)
    with strategy.scope():
        gan = course_gan(*models(width, seed=0), ema_decay=0.999)
    gan.fit(data, epochs=10_000, steps_per_epoch=100, verbose=0,
            callbacks=[callbacks.TimeLimit(args.seconds, verbose=False)])
    lesson_fd = metrics.fashion_mnist_fd(gan.generate(n=args.samples), real)
    floor = metrics.fashion_mnist_fd(load_fashion_mnist(verbose=False)[0][0][:args.samples], real)
    print(f"lesson GAN.fit: {gan.step} steps in {args.seconds:.0f} s, FD {lesson_fd:.2f} "
          f"(EMA generator)")
    print(f"width {width}, batch {args.batch}; real-vs-real FD {floor:.2f}")
    print(f"ratio FD reference / FD lesson: {ref_fd / lesson_fd:.2f}")


if __name__ == "__main__":
    main()
