"""Colour on held-out photos after the same budget: lesson 3's cGAN + L1 colouriser against the
L1-only baseline.

Both train the lesson's U-Net (L -> ab, 64x64 crops of the offline training photos) for
``--seconds`` each: one with the PatchGAN and cGAN + 100 L1 (Isola et al. 2017), the other with
the L1 term alone (``GAN(generator, None, ...)``: no discriminator). Then both colour the
held-out crops (photos never trained on), and the script prints, for each, PSNR and SSIM of the
RGB result against the real photo, and the colourfulness ratio (Hasler & Suesstrunk 2003; mean
colourfulness of the outputs / of the real photos, 1 = as colourful). The last line says
whether the cGAN's ratio is closer to 1 than the baseline's with its PSNR at most 1.5 dB lower.

    .venv/bin/python bench/colorization_quality.py [--seconds 300] [--grid colour.png]
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import imageio.v3 as imageio  # noqa: E402
import numpy as np  # noqa: E402
from pix2pix_common import (  # noqa: E402
    add_size_arguments,
    colorization_data,
    colour_scores,
    course_pix2pix,
    lesson_sizes,
    models,
)

from gan_course import callbacks, hardware, image_ops, viz  # noqa: E402

PSNR_MARGIN = 1.5  # dB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="training budget for each")
    add_size_arguments(parser)
    parser.add_argument("--grid", default=None,
                        help="save grey | L1 only | cGAN + L1 | real for 8 held-out crops")
    args = parser.parse_args()

    print(hardware.describe())
    args.size, batch, width = lesson_sizes(args)
    data, held_out, real_rgb = colorization_data(args.size, batch)
    strategy = hardware.setup(verbose=False)

    results, outputs = {}, {}
    for name, with_d in (("cGAN + L1", True), ("L1 only", False)):
        with strategy.scope():
            generator, discriminator = models(args.size, width, seed=0)
            gan = course_pix2pix(generator, discriminator if with_d else None)
        gan.fit(data, epochs=100_000, steps_per_epoch=50, verbose=0,
                callbacks=[callbacks.TimeLimit(args.seconds, verbose=False)])
        results[name], coloured = colour_scores(gan, held_out, real_rgb)
        outputs[name] = coloured[:8]
        scores = results[name]
        print(f"{name}: {gan.step} steps in {args.seconds:.0f} s; on {len(real_rgb)} held-out "
              f"crops PSNR {scores['psnr']:.2f} dB, SSIM {scores['ssim']:.3f}, colourfulness "
              f"ratio {scores['colourfulness_ratio']:.3f}", flush=True)

    print(f"image {args.size}x{args.size}, batch {batch}, width {width}, lambda 100, Adam 2e-4 "
          "beta1 0.5, alternating updates")
    gan_scores, l1_scores = results["cGAN + L1"], results["L1 only"]
    closer = (abs(gan_scores["colourfulness_ratio"] - 1)
              < abs(l1_scores["colourfulness_ratio"] - 1))
    psnr_gap = l1_scores["psnr"] - gan_scores["psnr"]
    print(f"colourfulness ratio closer to 1 with the cGAN: {'yes' if closer else 'no'} "
          f"({gan_scores['colourfulness_ratio']:.3f} vs {l1_scores['colourfulness_ratio']:.3f}); "
          f"PSNR cGAN - L1 only: {-psnr_gap:+.2f} dB (target >= -{PSNR_MARGIN}); target "
          f"{'met' if closer and psnr_gap <= PSNR_MARGIN else 'not met'}")
    if args.grid:
        grey = np.repeat(image_ops.lightness_from_model(held_out[1][:8]) / 100.0, 3, axis=-1)
        rows = [grey, outputs["L1 only"], outputs["cGAN + L1"], real_rgb[:8]]
        picture = viz.image_grid(np.clip(np.concatenate(rows), 0, 1), ncols=8,
                                 value_range=image_ops.UNIT)
        imageio.imwrite(args.grid, picture)
        print(f"rows grey | L1 only | cGAN + L1 | real saved to {args.grid}")


if __name__ == "__main__":
    main()
