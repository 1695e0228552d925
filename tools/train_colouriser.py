"""Train ``data/fashion_mnist_colouriser.npz``: the colouriser lesson 3 ships for its painted
Fashion-MNIST (``data.painted_fashion_mnist``), so that quick mode shows a result that works.

The recipe is the lesson's, at the lesson's CPU size: ``models.pix2pix``'s U-Net from L to ab
at 32x32 and width ``PIX2PIX_SCALE["cpu"]`` (0.25), the PatchGAN judging (ab, L) pairs, cGAN +
100 L1 (Isola et al. 2017), Adam(2e-4, beta_1=0.5) for both players, batch 16, through the
course's one GAN core. The bench ``bench/colorization_quality.py`` imports the same functions.

    python tools/train_colouriser.py                # 10,000 steps: 335 s on 2 CPU cores, measured
    python tools/train_colouriser.py --steps 20000  # the same run, continued
    python tools/train_colouriser.py --l1-only      # the same U-Net and steps on 100 L1 alone:
                                                    # data/fashion_mnist_colouriser_l1.npz

Training checkpoints (atomically, every 500 steps) into ``--work``; run it again with the same
settings and it resumes, or continues to a larger ``--steps``. At the end it measures the
colouriser on the held-out test images against the grey and constant-colour baselines, and
writes the ``.npz`` (float16 weights, and a JSON record with the steps, time, hardware, versions
and those scores), then prints its sha256 for data/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GAN_COURSE_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_course import callbacks, data, losses, metrics, settings  # noqa: E402
from gan_course.models import pix2pix  # noqa: E402
from gan_course.training import GAN  # noqa: E402

OUT = ROOT / "data" / pix2pix.SHIPPED_COLOURISER
OUT_L1 = ROOT / "data" / pix2pix.SHIPPED_L1_COLOURISER
IMAGE_SIZE = 32
WIDTH, BATCH = pix2pix.PIX2PIX_SCALE["cpu"]
L1_WEIGHT = 100.0  # lambda of Isola et al. (2017)


def colouriser_gan(adversarial: bool = True, width: float = WIDTH, seed: int = 0,
                   size: int = IMAGE_SIZE) -> GAN:
    """The lesson's colouriser for ``size`` x ``size`` images, compiled: cGAN + 100 L1, or with
    ``adversarial=False`` the L1-only baseline (``GAN(generator, None, ...)``: no
    discriminator)."""
    keras.utils.set_random_seed(seed)
    generator = pix2pix.build_unet_generator(size, input_channels=1, output_channels=2,
                                             width=width)
    discriminator = pix2pix.build_patch_discriminator(
        size, input_channels=1, target_channels=2, width=width,
        n_layers=pix2pix.patch_layers_for(size)) if adversarial else None
    l1 = {"l1": lambda real, fake, condition: L1_WEIGHT * losses.l1(real, fake)}
    gan = GAN(generator, discriminator, latent_dim=None, g_terms=l1)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def fashion_colourisation(batch: int = BATCH, seed: int = 0, verbose: bool = True):
    """(endless dataset of (ab, L) batches of the painted training images, held-out L (N, 32,
    32, 1) in [-1, 1], held-out RGB in [0, 1], the training images' mean model-scale ab)."""
    (x_train, _), (x_test, _) = data.painted_fashion_mnist(verbose=verbose)
    pairs = data.gan_dataset(x_train, batch, seed=seed, repeat=True).map(data.lab_pairs)
    _, held_l = (x.numpy() for x in data.lab_pairs(x_test))
    return pairs, held_l, x_test.astype(np.float32) / 255.0, pix2pix.mean_ab(x_train)


def baseline_outputs(held_l, train_ab) -> dict[str, np.ndarray]:
    """The two colourisers that learn nothing, on the held-out lightness."""
    return {"grey input (ab = 0)": pix2pix.grey_colouriser(held_l),
            "constant colour (training mean)": pix2pix.constant_colouriser(held_l, train_ab)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="generator steps in all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path,
                        default=settings.cache_dir("tools", "train_colouriser"),
                        help="checkpoint folder: a rerun with the same settings resumes")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"default: {OUT.name}, or {OUT_L1.name} with --l1-only")
    parser.add_argument("--l1-only", action="store_true",
                        help="no discriminator: the same generator, data and steps on 100 L1 "
                             "alone (the baseline that shows what the adversarial term adds)")
    parser.add_argument("--eval-images", type=int, default=None,
                        help="score on the first N held-out images only (default: all 2,000; "
                             "the record says how many)")
    args = parser.parse_args()
    if args.steps < 100 or args.steps % 100:
        raise SystemExit(f"--steps {args.steps}: pass a positive multiple of 100 (the trainer "
                         "runs epochs of 100 steps).")
    if args.eval_images is not None and args.eval_images < 1:
        raise SystemExit(f"--eval-images {args.eval_images}: pass at least 1, or leave it out "
                         "to score on all the held-out images.")

    pairs, held_l, held_rgb, train_ab = fashion_colourisation(seed=args.seed)
    held_l, held_rgb = held_l[:args.eval_images], held_rgb[:args.eval_images]
    out = args.out or (OUT_L1 if args.l1_only else OUT)
    gan = colouriser_gan(adversarial=not args.l1_only, seed=args.seed)
    checkpoint = callbacks.Checkpoint(args.work / "checkpoint", every_n_steps=500,
                                      data_tag=f"painted Fashion-MNIST, seed {args.seed}")
    start = time.perf_counter()
    history = gan.fit(pairs, epochs=max(1, args.steps // 100), steps_per_epoch=100, verbose=2,
                      callbacks=[callbacks.NaNGuard(), checkpoint])
    seconds = time.perf_counter() - start
    if gan.step != args.steps:
        raise SystemExit(f"trained to step {gan.step}, not {args.steps}: the checkpoint in "
                         f"{args.work} holds more steps; pass a larger --steps or another "
                         "--work.")
    outputs = {**baseline_outputs(held_l, train_ab),
               f"{'L1 only' if args.l1_only else 'cGAN + L1'} (this colouriser)":
                   pix2pix.colourise(gan, held_l)}
    scores = {name: metrics.colourisation_scores(rgb, held_rgb, value_range=(0.0, 1.0))
              for name, rgb in outputs.items()}
    print(metrics.colourisation_table(scores))
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()} if \
        history.history else {}
    record = {
        "image_size": IMAGE_SIZE, "width": WIDTH, "batch": BATCH, "steps": gan.step,
        "seconds_this_run": round(seconds), "seed": args.seed, "l1_weight": L1_WEIGHT,
        "objective": "100 L1 only, no discriminator" if args.l1_only else "cGAN + 100 L1",
        "data": "data.painted_fashion_mnist() offline: the embedded 8,000 training images",
        "held_out": f"the {'' if args.eval_images is None else 'first '}{len(held_l)} "
                    "embedded test images, painted (seed 1)",
        "last_losses": last,
        "scores": {name: {k: round(v, 4) for k, v in s.items()} for name, s in scores.items()},
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__},
    }
    path = pix2pix.save_colouriser(out, gan.generator, record)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"wrote {path} ({path.stat().st_size / 2**20:.2f} MiB), sha256 {digest}")


if __name__ == "__main__":
    main()
