"""Lesson 3's colouriser against colourisers that learn nothing, on held-out images.

For each seed, two colourisers train for ``--seconds`` each with the same U-Net (L -> ab):
**cGAN + L1** (pix2pix: the PatchGAN on (ab, L) pairs and cGAN + 100 L1, Isola et al. 2017)
and **L1 only** (``GAN(generator, None, ...)``). Beside them, two baselines that learn nothing:
the **grey input** (ab = 0) and **one constant colour** (the training images' mean ab). All
colour the held-out images, never trained on, and are scored by ``metrics.colourisation_scores``:
PSNR, SSIM, CIEDE2000 (lower is better), the ab-histogram intersection of Isola et al., and the
colourfulness ratio (1 = as colourful as the real images).

``--data fashion`` (default): lesson 3's painted Fashion-MNIST (``data.painted_fashion_mnist``,
offline: 8,000 training and 2,000 held-out test images at 32x32), the recipe of
``tools/train_colouriser.py``. ``--data photos``: the offline colour photos' 64x64 crops
(``data.colorization_dataset``), the lesson's second, harder example.

The target (fashion, mean of 3 seeds): the cGAN + L1 has a higher ab-histogram intersection
than the grey input, the constant colour and L1 only; a lower CIEDE2000 than the constant
colour; a colourfulness ratio within 0.8-1.2. The last lines print each, with the cGAN's
ab-histogram intersection over L1 only's (a ratio measured in the same run).

    GAN_COURSE_OFFLINE=1 .venv/bin/python bench/colorization_quality.py [--seconds 480]
        [--seeds 0 1 2] [--data fashion|photos] [--grid colour.png]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

import imageio.v3 as imageio  # noqa: E402
import numpy as np  # noqa: E402

from gan_course import callbacks, hardware, image_ops, metrics, viz  # noqa: E402
from gan_course.models import pix2pix  # noqa: E402

GREY, CONSTANT = "grey input (ab = 0)", "constant colour (training mean)"
L1_ONLY, CGAN = "L1 only", "cGAN + L1"
RATIO_RANGE = (0.8, 1.2)


def fashion_runs(args):
    """(make(adversarial, seed) -> compiled GAN, training pairs, held-out L, held-out RGB in
    [0, 1], baselines) for the painted Fashion-MNIST."""
    import train_colouriser as tc

    pairs, held_l, held_rgb, train_ab = tc.fashion_colourisation(
        batch=args.batch or tc.BATCH)
    return (lambda adversarial, seed: tc.colouriser_gan(adversarial, args.width or tc.WIDTH,
                                                        seed),
            pairs, held_l, held_rgb, tc.baseline_outputs(held_l, train_ab))


def photo_runs(args):
    """The same for the offline colour photos' 64x64 crops (lesson 3's second example)."""
    import train_colouriser as tc
    from pix2pix_common import colorization_data

    size, batch, width = 64, args.batch or tc.BATCH, args.width or tc.WIDTH
    pairs, (_, held_l), held_rgb = colorization_data(size, batch)
    # the constant colour: the mean ab of 16 batches of training crops
    train_ab = np.concatenate([ab.numpy() for ab, _ in pairs.take(16)]).reshape(-1, 2).mean(0)
    baselines = {GREY: pix2pix.grey_colouriser(held_l),
                 CONSTANT: pix2pix.constant_colouriser(held_l, train_ab)}
    return (lambda adversarial, seed: tc.colouriser_gan(adversarial, width, seed, size=size),
            pairs, held_l, held_rgb, baselines)


def summary(values) -> str:
    values = np.asarray(values, float)
    return (f"{values.mean():.3f} [{values.min():.3f}, {values.max():.3f}]" if len(values) > 1
            else f"{values[0]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=480.0,
                        help="training budget per colouriser and seed (lesson 3's full mode: 8 "
                             "minutes)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", choices=("fashion", "photos"), default="fashion")
    parser.add_argument("--batch", type=int, default=None, help="default: the lesson's")
    parser.add_argument("--width", type=float, default=None, help="default: the lesson's")
    parser.add_argument("--held-out", type=int, default=None,
                        help="score on the first N held-out images only (default: all)")
    parser.add_argument("--grid", default=None,
                        help="save grey | constant | L1 only | cGAN + L1 | real, 8 held-out "
                             "images of the first seed")
    args = parser.parse_args()
    print(hardware.describe())
    hardware.setup(verbose=False)

    make, pairs, held_l, held_rgb, baselines = (fashion_runs if args.data == "fashion"
                                                else photo_runs)(args)
    if args.held_out is not None:
        if args.held_out < 1:
            raise SystemExit(f"--held-out {args.held_out}: pass at least 1.")
        held_l, held_rgb = held_l[:args.held_out], held_rgb[:args.held_out]
        baselines = {name: rgb[:args.held_out] for name, rgb in baselines.items()}
    print(f"data: {args.data}; {len(held_l)} held-out images of {held_l.shape[1]}x"
          f"{held_l.shape[2]}; {args.seconds:.0f} s per colouriser; seeds {args.seeds}",
          flush=True)

    def score(rgb):
        return metrics.colourisation_scores(rgb, held_rgb, value_range=image_ops.UNIT)

    fixed = {name: score(rgb) for name, rgb in baselines.items()}
    per_seed: dict[str, list[dict]] = {L1_ONLY: [], CGAN: []}
    pictures = {}
    for seed in args.seeds:
        for name, adversarial in ((L1_ONLY, False), (CGAN, True)):
            gan = make(adversarial, seed)
            gan.fit(pairs, epochs=1_000_000, steps_per_epoch=50, verbose=0,
                    callbacks=[callbacks.TimeLimit(args.seconds, verbose=False),
                               callbacks.NaNGuard()])
            rgb = pix2pix.colourise(gan, held_l)
            per_seed[name].append(score(rgb))
            if seed == args.seeds[0]:
                pictures[name] = rgb[:8]
            print(f"seed {seed}, {name}: {gan.step} steps", flush=True)
        print(metrics.colourisation_table({**fixed, **{n: s[-1] for n, s in per_seed.items()}}),
              flush=True)

    print(f"\nmean [min, max] over seeds {args.seeds}:")
    keys = [k for k in metrics.colour.COLOURISATION_COLUMNS  # the columns every row has
            if all(k in s for s in fixed.values())]
    print(f"{'':<34}" + "".join(f"{k:>26}" for k in keys))
    for name, runs in {**{n: [s] for n, s in fixed.items()}, **per_seed}.items():
        print(f"{name:<34}" + "".join(f"{summary([r[k] for r in runs]):>26}" for k in keys))

    mean = {name: {k: float(np.mean([r[k] for r in runs])) for k in keys}
            for name, runs in per_seed.items()}
    gan = mean[CGAN]
    checks = [
        (f"ab-histogram intersection above the grey input's ({fixed[GREY]['ab_histogram']:.3f})",
         gan["ab_histogram"] > fixed[GREY]["ab_histogram"]),
        (f"ab-histogram intersection above the constant colour's "
         f"({fixed[CONSTANT]['ab_histogram']:.3f})",
         gan["ab_histogram"] > fixed[CONSTANT]["ab_histogram"]),
        (f"ab-histogram intersection above L1 only's ({mean[L1_ONLY]['ab_histogram']:.3f})",
         gan["ab_histogram"] > mean[L1_ONLY]["ab_histogram"]),
        (f"CIEDE2000 below the constant colour's ({fixed[CONSTANT]['ciede2000']:.2f})",
         gan["ciede2000"] < fixed[CONSTANT]["ciede2000"]),
        (f"colourfulness ratio within {RATIO_RANGE[0]}-{RATIO_RANGE[1]}",
         RATIO_RANGE[0] <= gan["colourfulness_ratio"] <= RATIO_RANGE[1]),
    ]
    print(f"\ncGAN + L1, mean of {len(args.seeds)} seed(s): ab-histogram intersection "
          f"{gan['ab_histogram']:.3f}, CIEDE2000 {gan['ciede2000']:.2f}, colourfulness ratio "
          f"{gan['colourfulness_ratio']:.2f}")
    for text, ok in checks:
        print(f"  {'met' if ok else 'NOT met'}: {text}")
    print(f"ab-histogram intersection cGAN + L1 / L1 only: "
          f"{gan['ab_histogram'] / mean[L1_ONLY]['ab_histogram']:.3f}; target "
          f"{'met' if all(ok for _, ok in checks) else 'not met'}")
    if args.grid:
        grey = baselines[GREY][:8]
        rows = [grey, baselines[CONSTANT][:8], pictures[L1_ONLY], pictures[CGAN], held_rgb[:8]]
        picture = viz.image_grid(np.clip(np.concatenate(rows), 0, 1), ncols=8,
                                 value_range=image_ops.UNIT)
        imageio.imwrite(args.grid, picture)
        print(f"rows grey | constant | L1 only | cGAN + L1 | real saved to {args.grid}")


if __name__ == "__main__":
    main()
