"""Does progressive growing pay at 32x32? Lesson 5's ProGAN with and without growing and fade-in,
beside lesson 1's DCGAN, on Fashion-MNIST padded to 32x32.

Every ProGAN variant trains the same G and D layers (``models.progan.ProGAN`` at the CPU width,
batch 32, WGAN-GP with the drift term, Adam(1e-3, 0, 0.99) new at each level, EMA 0.999) through
``tools/train_progan.py``'s ``train_level``, for the same number of generator steps as the
shipped model's recipe (1,500 at 4x4, then 1,500 fade-in + 1,500 stable steps at each of 8, 16
and 32: 10,500 steps of 32 images), times ``--scale``:

- ``growing``: 4 -> 8 -> 16 -> 32, each new level faded in: the shipped recipe, the reference;
- ``no fade-in``: the same levels and steps, but each new level switched on at once (alpha 1);
- ``no growing``: 32x32 from the first step, all the steps at that level;
- ``DCGAN``: lesson 1's DCGAN with the lesson's recipe, for as many seconds as ``growing`` took
  in the same seed (28x28: it needs no padding).

Each is measured as ``data/progan_fashion_mnist.json`` is: 2,000 samples of the EMA generator
(the ProGANs through an exported SavedModel and ``hub.load``), FD in the shipped classifier's
features against the 2,000 embedded test images, and classes recognised. Printed per seed, then
mean [min, max] over ``--seeds``, and each variant's FD over the reference's.

    .venv/bin/python bench/progan_growing.py [--scale 1.0] [--seeds 0 1 2] [--data npm]

At ``--scale 1`` one seed takes about 3 hours on a 2-core CPU (estimate from the shipped run's
38 minutes, and 0.39 s per 32x32 step).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from gan_course import callbacks, data, hardware, metrics  # noqa: E402
from gan_course.models import progan  # noqa: E402
from gan_course.models.fashion_mnist import DCGAN_SCALE  # noqa: E402

#: The shipped recipe's steps (tools/train_progan.py defaults): at 4x4, then per new level.
STEPS_4, FADE_STEPS, STABLE_STEPS = 1500, 1500, 1500
VARIANTS = ("growing", "no fade-in", "no growing", "DCGAN")


def scaled_steps(steps: int, scale: float) -> int:
    """``steps`` x ``scale``, rounded, at least 1."""
    return max(1, round(steps * scale))


def schedule(variant: str, scale: float, resolutions) -> list[tuple[int, int, int]]:
    """(resolution, steps, fade steps) per level for a ProGAN variant at ``scale``; every
    variant has the same total."""
    s4, fade, stable = (scaled_steps(n, scale) for n in (STEPS_4, FADE_STEPS, STABLE_STEPS))
    if variant == "no growing":
        return [(resolutions[-1], s4 + (fade + stable) * (len(resolutions) - 1), 0)]
    return [(4, s4, 0)] + [(r, fade + stable, fade if variant == "growing" else 0)
                           for r in resolutions[1:]]


def train_progan_variant(variant, images, args, seed, work: Path) -> dict:
    from train_progan import measure, train_level

    keras.utils.set_random_seed(seed)
    model = progan.ProGAN(width=progan.PROGAN_SCALE["cpu"][0])
    start, steps = time.perf_counter(), 0
    for resolution, level_steps, fade_steps in schedule(variant, args.scale, model.resolutions):
        level = train_level(model, images, resolution, level_steps, fade_steps,
                            progan.PROGAN_SCALE["cpu"][1], work / variant, seed=seed + resolution)
        if level["record"]["steps"] != level_steps:
            raise RuntimeError(f"{variant} at {resolution}x{resolution} took "
                               f"{level['record']['steps']} steps, not {level_steps}.")
        steps += level_steps
    seconds = time.perf_counter() - start
    exported = progan.export_generator(level["gan"].ema_generator, work / f"{variant}_export",
                                       model.latent_dim)
    quality = measure(Path(exported), n=args.samples)
    return {"fd": quality["fd"], "classes": quality["recognised_classes"], "steps": steps,
            "seconds": seconds}


def train_dcgan(images, seconds: float, args, seed: int) -> dict:
    from dcgan_common import course_gan, models

    width, batch, d_width = DCGAN_SCALE["cpu"]
    gan = course_gan(*models(width, seed=seed, d_width=d_width, dropout=0.0), ema_decay=0.998,
                     g_lr=8e-4, d_lr=8e-4)
    start = time.perf_counter()
    gan.fit(data.gan_dataset(images, batch, seed=seed, repeat=True), epochs=100_000,
            steps_per_epoch=100, verbose=0,
            callbacks=[callbacks.TimeLimit(seconds, verbose=False)])
    spent = time.perf_counter() - start
    samples = gan.generate(n=args.samples)
    (_, _), (x_test, _) = data.load_embedded_fashion_mnist()
    return {"fd": round(metrics.fashion_mnist_fd(samples, x_test), 2),
            "classes": int(metrics.recognised_classes(samples)), "steps": gan.step,
            "seconds": spent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the shipped recipe's steps (1: 10,500 steps)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", choices=("npm", "embedded"), default="npm",
                        help="training images: the npm package's 60,000 (as the shipped model) "
                             "or the embedded 8,000")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = parser.parse_args()
    from train_progan import training_images

    print(hardware.describe())
    hardware.setup(verbose=False)
    x, source = training_images(args.data)
    images = progan.pad_to_32(x)
    print(f"training data: {source}; scale {args.scale} of the shipped recipe's steps",
          flush=True)
    results = {variant: [] for variant in args.variants}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as work:
            reference_seconds = None
            for variant in args.variants:
                if variant == "DCGAN":
                    budget = reference_seconds or 2272.0 * args.scale  # the shipped run's time
                    result = train_dcgan(x, budget, args, seed)
                else:
                    result = train_progan_variant(variant, images, args, seed, Path(work))
                    if variant == "growing":
                        reference_seconds = result["seconds"]
                results[variant].append(result)
                print(f"seed {seed}, {variant}: FD {result['fd']:.2f}, {result['classes']} of 10 "
                      f"classes, {result['steps']} steps in {result['seconds']:.0f} s",
                      flush=True)
    reference = np.mean([r["fd"] for r in results.get("growing", [])] or [np.nan])
    for variant, runs in results.items():
        fds = [r["fd"] for r in runs]
        classes = [r["classes"] for r in runs]
        print(f"{variant}: FD {np.mean(fds):.2f} [{min(fds):.2f}, {max(fds):.2f}], classes "
              f"{np.mean(classes):.1f} [{min(classes)}, {max(classes)}], "
              f"{np.mean([r['seconds'] for r in runs]):.0f} s; FD / growing's "
              f"{np.mean(fds) / reference:.2f}")


if __name__ == "__main__":
    main()
