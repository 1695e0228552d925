"""Lesson 4's comparison on the offline content and style set: Gatys, LapStyle's draft alone
(upsampled), the no-learning control and LapStyle, by style-SWD ratio and content SSIM, at 512 px.

- Content: the two validation photos (``data.content_images``: 512 px natively), never trained
  on.
- Style: the offline style image ``stained_glass_flower``; encoder: the one the (first)
  weights file was trained with (``features.vgg_encoder(record['encoder_weights'])``), for
  Gatys too.
- LapStyle and its draft: the shipped weights (``data/lapstyle_stained_glass_flower.npz``),
  which ``tools/train_lapstyle.py`` trains with the lesson's full-mode CPU budget, or
  ``--weights`` of your own from that script. Several files (e.g. three seeds of the revision
  training, ``tools/train_lapstyle.py --retrain-revisions --seed N``) give one row each and the
  mean and spread; the target is judged on the mean.
- Gatys: the TF tutorial's settings, 1,000 steps per image, or fewer when ``--gatys-seconds``
  (the lesson's full-mode limit on a slow machine: 600) runs out first; ``--gatys-steps 0``
  leaves it out.
- The control that learns nothing beyond the draft: the draft with the content's own Laplacian
  bands pasted back (``lapstyle.draft_with_content_bands``). The revisions must beat it.
- Two more no-learning rows calibrate the metric: the content photo unchanged, and the content
  with its colours moved to the style's (:func:`colour_statistics`). A method that scores worse
  than the unchanged photo has not matched the style by this measure.
- The numbers use no VGG (``metrics.style_transfer_scores``). Target: LapStyle's style-SWD ratio
  at least 10 % below the control's, at a content SSIM no more than 0.02 below the control's.
  The last line says whether it is met.

    .venv/bin/python bench/lapstyle_quality.py [--gatys-seconds 600] [--gatys-steps 1000]
        [--weights data/lapstyle_stained_glass_flower.npz [more.npz ...]] [--grid grid.png]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from gan_course import data, features, hardware, metrics, settings, viz  # noqa: E402
from gan_course.models import gatys, lapstyle  # noqa: E402

STYLE = "stained_glass_flower"
CONTROL = lapstyle.COMPARISON_ROWS[1]  # the draft + the content's bands: no learning
#: LapStyle's target against the control: a style-SWD ratio at least this much lower ...
SWD_MARGIN = 0.10
#: ... at a content SSIM no more than this below the control's.
SSIM_SLACK = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--weights", nargs="+", default=[
        str(settings.data_dir() / lapstyle.SHIPPED_WEIGHTS[STYLE])])
    parser.add_argument("--gatys-steps", type=int, default=gatys.TUTORIAL["steps"])
    parser.add_argument("--gatys-seconds", type=float, default=600,
                        help="time limit per image for Gatys (the lesson's full mode)")
    parser.add_argument("--grid", default=None,
                        help="save content | Gatys | draft | control | LapStyle (first weights)")
    args = parser.parse_args()

    print(hardware.describe())
    hardware.setup(verbose=False)
    keras.mixed_precision.set_global_policy("float32")
    encoder = features.vgg_encoder(lapstyle.lapstyle_record(args.weights[0])["encoder_weights"])
    print(f"encoder: {encoder.description}")
    style = data.style_image(STYLE, side=args.size, verbose=False)[0]
    contents = data.content_images(size=args.size)
    levels = 2 if args.size >= 512 else 1
    print(f"style {STYLE} at {style.shape[1]}x{style.shape[0]}; {len(contents)} content photos "
          f"at {args.size} px")

    outputs, notes, scores = {}, {}, {}
    references = dict(zip(REFERENCES, (contents, colour_statistics(contents, style)), strict=True))
    if args.gatys_steps > 0:
        gatys_encoder = features.vgg_encoder(encoder.weights,
                                             gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
        outputs["Gatys"], steps, seconds = gatys.gatys_transfer_all(
            contents, style, steps=args.gatys_steps, encoder=gatys_encoder,
            seconds=args.gatys_seconds)
        notes["Gatys"] = f"{'/'.join(map(str, steps))} steps, {seconds:.0f} s/image"
    labels = [Path(path).name for path in args.weights]
    if len(set(labels)) < len(labels):
        raise SystemExit(f"--weights files need different names: {', '.join(labels)}")
    every = {**references, **outputs}
    for path, label in zip(args.weights, labels, strict=True):
        drafting, revisions, record = lapstyle.load_lapstyle_weights(path, encoder)
        if len(revisions) < levels:
            raise SystemExit(f"{path} has {len(revisions)} revision(s); {args.size} px needs "
                             f"{levels}. Train them with tools/train_lapstyle.py.")
        print(f"LapStyle ({label}): " + ", ".join(
            f"{stage} {record[stage]['steps']} steps" for stage in
            ("draft", "revision", "second_revision") if stage in record))
        rows = lapstyle.comparison_rows(drafting, revisions, contents, label, levels=levels)
        every.update({name: images for name, (images, _) in rows.items()})
    for name, images in every.items():
        scores[name] = metrics.style_transfer_scores(np.clip(images, 0, 1), contents, style)
        print(f"{name}: style-SWD ratio {scores[name]['style_swd_ratio']:.3f}, content SSIM "
              f"{scores[name]['content_ssim']:.3f}" + (f" ({notes[name]})" if name in notes
                                                         else ""))
    if args.grid:
        import imageio.v3 as iio

        shown = {name: images for name, images in every.items()
                 if name in outputs or name.endswith(f"({labels[0]})")}
        rows = [contents, *(np.clip(images, 0, 1) for images in shown.values())]
        picture = viz.image_grid(np.concatenate(rows), ncols=len(contents),
                                 value_range=(0.0, 1.0))
        iio.imwrite(args.grid, picture)
        print(f"wrote {args.grid}: rows content, " + ", ".join(shown))
    mean = {name: summary([scores[f"{name} ({label})"] for label in labels])
            for name in lapstyle.COMPARISON_ROWS}
    if len(labels) > 1:
        for name, (swd, ssim) in mean.items():
            print(f"{name}, mean of {len(labels)} [min, max]: style-SWD ratio {swd[0]:.3f} "
                  f"[{swd[1]:.3f}, {swd[2]:.3f}], content SSIM {ssim[0]:.3f} "
                  f"[{ssim[1]:.3f}, {ssim[2]:.3f}]")
    lap, control = mean["LapStyle"], mean[CONTROL]
    lower = 1.0 - lap[0][0] / control[0][0]
    ssim_change = lap[1][0] - control[1][0]
    met = lower >= SWD_MARGIN and ssim_change >= -SSIM_SLACK
    change = f"{lower:.1%} lower" if lower >= 0 else f"{-lower:.1%} higher"
    print(f"ratio LapStyle / control style-SWD: {1.0 - lower:.3f} ({change}; target at "
          f"least {SWD_MARGIN:.0%} lower), content SSIM {ssim_change:+.3f} (target at least "
          f"-{SSIM_SLACK}); target {'met' if met else 'NOT met'}")


#: The no-learning rows that calibrate the metric (printed before the methods').
REFERENCES = ("content unchanged (no learning)",
              "content, the style's colour statistics (no learning)")


def colour_statistics(contents, style) -> np.ndarray:
    """Move each image's colours to the style's, channel by channel, no learning:
    o_c = clip((x_c - mu(x_c)) / sigma(x_c) * sigma(s_c) + mu(s_c), 0, 1), mu and sigma over the
    pixels (Reinhard et al. 2001 do this in a decorrelated colour space; here in RGB).

    ``contents``: (N, H, W, 3) floats in [0, 1]; ``style``: (H, W, 3) floats in [0, 1].
    """
    contents = np.asarray(contents, np.float32)
    style = np.asarray(style, np.float32)
    mean, std = contents.mean(axis=(1, 2), keepdims=True), contents.std(axis=(1, 2), keepdims=True)
    moved = (contents - mean) / np.maximum(std, 1e-6) * style.std(axis=(0, 1)) + style.mean(
        axis=(0, 1))
    return np.clip(moved, 0.0, 1.0)


def summary(rows: list[dict]) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """((mean, min, max) of the style-SWD ratio, the same of the content SSIM) over runs."""
    def spread(key):
        values = [row[key] for row in rows]
        return float(np.mean(values)), min(values), max(values)

    return spread("style_swd_ratio"), spread("content_ssim")


if __name__ == "__main__":
    main()
