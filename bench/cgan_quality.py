"""Does lesson 3's conditional GAN draw the class it is asked for? Conditional accuracy and
Fashion-MNIST FD (overall and per class) after a wall-clock budget.

Trains lesson 3's class-conditional DCGAN (``build_conditional_generator`` /
``build_conditional_discriminator``, the lesson's width and batch for this device from
``CGAN_SCALE``, Adam 2e-4 / beta1 0.5, EMA 0.999) for ``--seconds`` (default 600: the lesson's
full-mode budget), then generates 200 samples per class and prints:

- conditional accuracy: the share the shipped classifier puts in the requested class (real
  test images with their labels: the ceiling, printed beside it);
- Fashion-MNIST FD of all samples against the test split, and per class.

``--conditioning projection`` trains the projection discriminator instead of concatenation;
``--unconditional`` also trains an unconditional DCGAN (lesson 1's layers, the same settings)
for the same budget and prints its FD, with its per-class FD over the classes the classifier
sorts its samples into.

    .venv/bin/python bench/cgan_quality.py [--seconds 600] [--conditioning concat]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from dcgan_common import LATENT, course_gan, models  # noqa: E402

from gan_course import callbacks, hardware, metrics  # noqa: E402
from gan_course.data import FASHION_MNIST_CLASSES, gan_dataset, load_fashion_mnist  # noqa: E402
from gan_course.models.conditional import (  # noqa: E402
    CGAN_SCALE,
    build_conditional_discriminator,
    build_conditional_generator,
)

PER_CLASS = 200


def train(gan, data, seconds: float):
    gan.fit(data, epochs=100_000, steps_per_epoch=100, verbose=0,
            callbacks=[callbacks.TimeLimit(seconds, verbose=False)])
    return gan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="training budget")
    parser.add_argument("--conditioning", choices=("concat", "projection"), default="concat")
    parser.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate, both players")
    parser.add_argument("--batch", type=int, default=None, help="default: the lesson's")
    parser.add_argument("--width", type=float, default=None, help="default: the lesson's")
    parser.add_argument("--unconditional", action="store_true",
                        help="also train an unconditional DCGAN with the same settings and budget")
    args = parser.parse_args()

    print(hardware.describe())
    scale = hardware.choose_scale("GPU" if hardware.list_gpus() else "CPU", **CGAN_SCALE)
    width = args.width if args.width is not None else scale.width
    batch = args.batch if args.batch is not None else scale.batch
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    strategy = hardware.setup(verbose=False)

    keras.utils.set_random_seed(0)
    with strategy.scope():
        cgan = course_gan(build_conditional_generator(LATENT, width=width),
                          build_conditional_discriminator(width=width,
                                                          conditioning=args.conditioning),
                          ema_decay=0.999, g_lr=args.lr, d_lr=args.lr)
    train(cgan, gan_dataset(x_train, batch, labels=y_train, repeat=True), args.seconds)
    labels = np.repeat(np.arange(10), PER_CLASS).astype("int32")
    samples = cgan.generate(n=len(labels), condition=labels)
    accuracy = metrics.conditional_accuracy_per_class(samples, labels)
    ceiling = metrics.conditional_accuracy(x_test, y_test)
    print(f"conditional GAN ({args.conditioning}): {cgan.step} steps in {args.seconds:.0f} s; "
          f"conditional accuracy {metrics.conditional_accuracy(samples, labels):.1%} "
          f"(real test images: {ceiling:.1%}); FD {metrics.fashion_mnist_fd(samples, x_test):.2f}")
    per_class = metrics.fashion_mnist_fd_per_class(samples, labels, x_test, y_test)
    print("  per class (accuracy, FD): " + ", ".join(
        f"{name} {acc:.0%} {fd:.1f}" for name, acc, fd in
        zip(FASHION_MNIST_CLASSES, accuracy, per_class, strict=True)))

    if args.unconditional:
        with strategy.scope():
            dcgan = course_gan(*models(width, seed=0), ema_decay=0.999, g_lr=args.lr,
                               d_lr=args.lr)
        train(dcgan, gan_dataset(x_train, batch, repeat=True), args.seconds)
        plain = dcgan.generate(n=len(labels))
        sorted_into = metrics.classify(plain)
        plain_per_class = metrics.fashion_mnist_fd_per_class(plain, sorted_into, x_test, y_test)
        print(f"unconditional DCGAN: {dcgan.step} steps in {args.seconds:.0f} s; "
              f"FD {metrics.fashion_mnist_fd(plain, x_test):.2f}")
        print("  per class it is sorted into (share, FD): " + ", ".join(
            f"{name} {np.mean(sorted_into == k):.0%} {fd:.1f}" for k, (name, fd) in
            enumerate(zip(FASHION_MNIST_CLASSES, plain_per_class, strict=True))))
    print(f"width {width}, batch {batch}, Adam {args.lr} beta1 0.5, EMA 0.999, "
          f"{PER_CLASS} samples per class, FD against the {len(x_test)} test images")


if __name__ == "__main__":
    main()
