"""Lesson 5's truncation on the shipped ProGAN, and an audit of the classes it draws.

- **Scaling z** (StyleGAN's truncation towards the mean of z, which is 0): the largest pixel
  difference between G(psi z) and G(z), which pixel norm makes zero up to round-off.
- **Truncation in the first feature layer** (``steering.truncate_features``; ``--by-class``:
  towards each sample's own class mean, ``steering.truncate_by_class``): for each psi in
  ``--psis`` and each of ``--seeds`` (the sampled latents), ``--n`` samples; their FD to the
  embedded test images (the course classifier's features), the share the classifier
  recognises (probability >= 0.9) and the entropy of their class histogram (ln 10 = 2.303 is
  every class equally often).
- **The audit**: the class histogram of ``--audit`` samples at psi = 1 against the real
  data's 10 % per class, read by the course classifier and by the judge; the classes under
  7 % are named, with their share at each psi.

    .venv/bin/python bench/latent_truncation.py [--seeds 0 1 2] [--n 2000]
        [--psis 1 0.9 0.8 0.7 0.6 0.5] [--audit 10000]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from gan_course import data, steering  # noqa: E402
from gan_course.metrics import fashion_mnist  # noqa: E402
from gan_course.models import progan  # noqa: E402

UNDER_DRAWN = 0.07


def entropy(histogram) -> float:
    p = np.asarray(histogram, np.float64)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log(p)).sum())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--psis", type=float, nargs="+", default=[1.0, 0.9, 0.8, 0.7, 0.6,
                                                                   0.5])
    parser.add_argument("--audit", type=int, default=10_000)
    parser.add_argument("--by-class", action="store_true",
                        help="pull each sample towards its own class's mean features "
                             "(steering.truncate_by_class)")
    parser.add_argument("--cut", type=int, default=4,
                        help="truncate after the block of this resolution (4: the first "
                             "feature layer)")
    args = parser.parse_args(argv)

    model, generator = progan.shipped_keras_progan()
    head, tail = model.generator_parts(32, cut=args.cut)
    latent_dim = model.latent_dim
    z = np.random.default_rng(99).standard_normal((64, latent_dim)).astype(np.float32)
    scaled = max(float(np.abs(np.asarray(generator(s * z)) - np.asarray(generator(z))).max())
                 for s in (0.3, 0.5, 2.0))
    print(f"scaling z by 0.3, 0.5 or 2 changes G's pixels by at most {scaled:.2g} "
          "(images in [-1, 1]): pixel norm removes z's scale")
    mean = steering.mean_features(head, latent_dim)
    (_, _), (x_test, _) = data.load_embedded_fashion_mnist()

    def classify(images):
        return fashion_mnist.classify(progan.crop_to_28(np.clip(images, -1, 1)))

    class_means = (steering.class_mean_features(head, tail, classify, latent_dim)
                   if args.by_class else None)

    def images_at(psi, latents):
        images = (steering.truncate_by_class(head, tail, latents, psi, class_means, classify)
                  if args.by_class else
                  steering.truncate_features(head, tail, latents, psi, mean))
        return progan.crop_to_28(np.clip(images, -1, 1))

    print("| psi | FD | recognised | class entropy |")
    print("| --- | --- | --- | --- |")
    shares = {}
    for psi in args.psis:
        fds, recognised, entropies = [], [], []
        for seed in args.seeds:
            latents = np.random.default_rng(seed).standard_normal(
                (args.n, latent_dim)).astype(np.float32)
            images = images_at(psi, latents)
            fds.append(fashion_mnist.fashion_mnist_fd(images, x_test))
            recognised.append(float(fashion_mnist.recognised_shares(images).sum()))
            histogram = fashion_mnist.class_histogram(images)
            entropies.append(entropy(histogram))
            shares.setdefault(psi, []).append(histogram / histogram.sum())
        print(f"| {psi:g} | {np.mean(fds):.2f} [{min(fds):.2f}, {max(fds):.2f}] | "
              f"{np.mean(recognised):.1%} [{min(recognised):.1%}, {max(recognised):.1%}] | "
              f"{np.mean(entropies):.3f} [{min(entropies):.3f}, {max(entropies):.3f}] |")

    latents = np.random.default_rng(7).standard_normal((args.audit, latent_dim)).astype(
        np.float32)
    images = images_at(1.0, latents)
    course = fashion_mnist.class_histogram(images)
    judge = np.bincount(fashion_mnist.judge_logits(images).argmax(axis=1), minlength=10)
    course, judge = course / course.sum(), judge / judge.sum()
    print(f"\naudit of {args.audit:,} samples at psi = 1 (the real data: 10.0 % per class)")
    print("| class | course classifier | judge | " + " | ".join(
        f"psi {psi:g}" for psi in args.psis) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in args.psis) + " |")
    for k, name in enumerate(data.FASHION_MNIST_CLASSES):
        cells = " | ".join(f"{np.mean([s[k] for s in shares[psi]]):.1%}" for psi in args.psis)
        mark = " (under-drawn)" if min(course[k], judge[k]) < UNDER_DRAWN else ""
        print(f"| {name}{mark} | {course[k]:.1%} | {judge[k]:.1%} | {cells} |")


if __name__ == "__main__":
    main()
