"""Fashion-MNIST FD after the same wall-clock budget: the lesson's DCGAN against the reference loop.

Both train lesson 1's DCGAN layers on the same data and batch for ``--seconds`` each (default
300: 5 minutes). The widths and batch are lesson 1's for this device
(``hardware.model_scale(**DCGAN_SCALE)``) unless ``--width`` / ``--d-width`` / ``--batch`` say
otherwise. The reference is the TensorFlow tutorial's recipe: its loop (Adam 1e-4, simultaneous
updates, no EMA) and its discriminator (as wide as G, dropout 0.3). The lesson's is ``GAN.fit``
with the lesson's settings: Adam 8e-4 and beta1 0.5 for both players, alternating updates, no
dropout in D, an EMA generator (decay 0.998) with warm-up. The last line is FD(reference) /
FD(lesson): above 1 means the lesson's DCGAN is better.

    .venv/bin/python bench/dcgan_quality.py [--seconds 300]

``--lesson-only --seconds 600 --grid samples.png`` trains only the lesson's DCGAN for the
lesson's full-mode budget (10 minutes) and prints, per class, the share of samples the
classifier recognises with probability >= 0.9 (``metrics.recognised_shares``; real test images:
10 of 10 classes). ``--loss``, ``--g-lr``, ``--d-lr``, ``--beta1``, ``--ema``, ``--augment``
(DiffAugment for D), ``--r1`` (R1's gamma), ``--spectral-norm`` (in D), ``--d-width``,
``--dropout`` (D's), ``--beta2``, ``--cooldown`` (the share of the budget after which both
learning rates fall linearly to 0, ``callbacks.LearningRateCooldown``), ``--xla`` and
``--steps-per-execution`` try other recipes for the lesson's GAN.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import imageio.v3 as imageio  # noqa: E402
from dcgan_common import ReferenceLoop, course_gan, dataset, models  # noqa: E402

from gan_course import callbacks, hardware, metrics, viz  # noqa: E402
from gan_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist  # noqa: E402
from gan_course.layers import DiffAugment  # noqa: E402
from gan_course.models.fashion_mnist import DCGAN_SCALE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training budget for each")
    parser.add_argument("--batch", type=int, default=None, help="default: the lesson's")
    parser.add_argument("--width", type=float, default=None,
                        help="DCGAN channel multiplier (default: the lesson's for this device)")
    parser.add_argument("--loss", default="ns", help="the lesson GAN's loss")
    parser.add_argument("--g-lr", type=float, default=8e-4)
    parser.add_argument("--d-lr", type=float, default=8e-4)
    parser.add_argument("--beta1", type=float, default=0.5)
    parser.add_argument("--ema", type=float, default=0.998, help="EMA decay (0: none)")
    parser.add_argument("--augment", default="",
                        help="DiffAugment policy for D, e.g. translation,cutout (default: none)")
    parser.add_argument("--r1", type=float, default=0.0, help="R1 gamma for D (0: none)")
    parser.add_argument("--spectral-norm", action="store_true", help="spectral norm in D")
    parser.add_argument("--d-width", type=float, default=None,
                        help="D's width (default: the lesson's for this device)")
    parser.add_argument("--dropout", type=float, default=0.0, help="D's dropout rate")
    parser.add_argument("--beta2", type=float, default=0.999)
    parser.add_argument("--cooldown", type=float, default=1.0,
                        help="share of the budget after which both learning rates fall linearly "
                             "to 0 (callbacks.LearningRateCooldown; 1: none)")
    parser.add_argument("--xla", action="store_true", help="compile the step with XLA")
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="seed of the lesson GAN's weights")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--lesson-only", action="store_true",
                        help="train only the lesson's GAN (for the full-mode target)")
    parser.add_argument("--grid", default=None, help="save 100 lesson samples to this PNG")
    args = parser.parse_args()

    print(hardware.describe())
    scale = hardware.choose_scale("GPU" if hardware.list_gpus() else "CPU", **DCGAN_SCALE)
    width = args.width if args.width is not None else scale.width
    d_width = args.d_width if args.d_width is not None else scale.d_width
    batch = args.batch if args.batch is not None else scale.batch
    data = dataset(batch)
    _, (x_test, _) = load_fashion_mnist(verbose=False)
    real = x_test[:args.samples]

    if not args.lesson_only:
        reference = ReferenceLoop(*models(width, seed=0), batch=batch)
        reference.run(iter(data), seconds=args.seconds)
        ref_samples = reference.generate(args.samples)
        ref_fd = metrics.fashion_mnist_fd(ref_samples, real)
        print(f"reference loop: {reference.steps} steps in {args.seconds:.0f} s, FD {ref_fd:.2f}; "
              f"{recognised(ref_samples)}")

    strategy = hardware.setup(verbose=False)
    with strategy.scope():
        gan = course_gan(*models(width, seed=args.seed, spectral_norm=args.spectral_norm,
                                 d_width=d_width, dropout=args.dropout),
                         beta_2=args.beta2, jit_compile=True if args.xla else "auto",
                         steps_per_execution=args.steps_per_execution,
                         ema_decay=args.ema or None, loss=args.loss, r1_gamma=args.r1,
                         g_lr=args.g_lr, d_lr=args.d_lr, beta_1=args.beta1,
                         augment=DiffAugment(args.augment.split(","), seed=0)
                         if args.augment else None)
    gan.fit(data, epochs=10_000, steps_per_epoch=100, verbose=0,
            callbacks=[callbacks.TimeLimit(args.seconds, verbose=False)]
            + ([callbacks.LearningRateCooldown(args.seconds, start=args.cooldown)]
               if args.cooldown < 1 else []))
    samples = gan.generate(n=args.samples)
    lesson_fd = metrics.fashion_mnist_fd(samples, real)
    floor = metrics.fashion_mnist_fd(load_fashion_mnist(verbose=False)[0][0][:args.samples], real)
    print(f"lesson GAN.fit: {gan.step} steps in {args.seconds:.0f} s, FD {lesson_fd:.2f} "
          f"(EMA generator); {recognised(samples)}")
    print("  recognised share per class (>= 0.9 sure): "
          + ", ".join(f"{name} {share:.1%}" for name, share in
                      zip(FASHION_MNIST_CLASSES, metrics.recognised_shares(samples), strict=True)))
    print(f"width {width}, batch {batch}, loss {args.loss}, lr G {args.g_lr} D {args.d_lr}, "
          f"beta1 {args.beta1}, EMA {args.ema}, augment {args.augment or 'none'}, R1 gamma "
          f"{args.r1}, spectral norm {'yes' if args.spectral_norm else 'no'}, D width "
          f"{d_width}, dropout {args.dropout}, beta2 {args.beta2}, cool-down from "
          f"{args.cooldown}; "
          f"real-vs-real FD {floor:.2f}; real test images: "
          f"{recognised(real)}")
    if args.grid:
        imageio.imwrite(args.grid, viz.image_grid(samples[:100], ncols=10))
        print(f"samples saved to {args.grid}")
    if not args.lesson_only:
        print(f"ratio FD reference / FD lesson: {ref_fd / lesson_fd:.2f}")


def recognised(images) -> str:
    return f"{metrics.recognised_classes(images)} of 10 classes recognised"


if __name__ == "__main__":
    main()
