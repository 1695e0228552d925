"""Lesson 5's inversion on the offline ProGAN: the TF-Hub notebook's eager loop against the
course's ``latent.invert``, both at 200 steps, on two kinds of target.

- Generated targets: G(z*) for ``--targets`` latents z* ~ N(0, I) (the latent error is printed
  too, since z* is known).
- Real targets: ``--targets`` Fashion-MNIST test images the generator never saw (the embedded
  test split, the same number from each class), padded to 32x32, in [0, 1], three channels.
- Source: ``latent.source_inversion``, one target at a time (Adam 0.01, the notebook's
  ``MeanAbsoluteError(reduction="sum")`` plus the norm term), as the notebook runs it.
- Course: ``latent.invert``, all targets x ``--restarts`` in one batch, the projector's
  schedule and noise, best restart kept (``--perceptual`` adds the classifier-feature term).
- Speed: seconds per step of the source loop against the course's compiled steps (a graph loop)
  with one target and one restart (``invert(..., restarts=1)``), after the first (tracing)
  step.

Ratios (course / source): the mean absolute pixel error on each kind (target <= 0.7), and the
step time (target: the source's step at least 3x slower). PSNR in dB is printed for both.

    .venv/bin/python bench/inversion.py [--targets 20] [--steps 200] [--restarts 16]
        [--model data/progan_fashion_mnist] [--perceptual 0.0]

``--ablation`` measures instead what each of the course's changes buys at the same cost: every
row spends ``--restarts`` x ``--steps`` generator evaluations per target (default 8 x 200 =
1,600), on ``--targets`` generated and real targets, for each of ``--seeds`` (the restarts'
starting points), and prints each row's mean absolute pixel error and PSNR, mean and range over
the seeds. Rows: the course's defaults (no latent noise); the projector's noise (0.05) and
other strengths; a constant learning rate instead of the projector's schedule; one restart
for all the steps. ``--rows`` picks some of them by number (0: the defaults). The source
loop (200 steps, one latent: 1/8 of the cost) is printed as the reference it started from.

    .venv/bin/python bench/inversion.py --ablation [--targets 12] [--seeds 0 1 2]

``--perceptual-study`` asks what a perceptual term buys (lesson 5's exercise): the course's
``invert`` (``--steps``, one restart) without one, with the shipped classifier's features
(weight 1), with VGG-16 features with HED's pretrained weights (``latent.vgg_features``,
weights 0.1 and 1) and with the random VGG-19's (weight 0.1), on ``--targets`` real and
generated targets, for each of ``--seeds``. Per row, mean [min, max] over the seeds: PSNR and
SSIM on both kinds; on real targets the share of found images that the shipped classifier
puts in the target's class; on generated ones the angle between the found latent and z*.

    .venv/bin/python bench/inversion.py --perceptual-study [--targets 20] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import functools
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from gan_course import data, hardware, latent, metrics, settings  # noqa: E402
from gan_course.models import progan  # noqa: E402


def real_targets(n: int, with_labels: bool = False):
    """``n`` embedded test images, cycling through the classes, as ProGAN images in [0, 1]
    (and their class labels, with ``with_labels``)."""
    (_, _), (x_test, y_test) = data.load_embedded_fashion_mnist()
    order = np.argsort(y_test, kind="stable").reshape(10, -1)  # (10, 200): per class
    picks = order.T.ravel()[:n]  # one of each class, then the next of each class ...
    targets = progan.fashion_mnist_targets(x_test[picks])
    return (targets, y_test[picks]) if with_labels else targets


def perceptual_rows() -> dict:
    """name -> (perceptual, perceptual_weight) for ``latent.invert``."""
    return {
        "pixels only (no perceptual term)": (None, 0.0),
        "+ shipped classifier's features, weight 1": (latent.classifier_features, 1.0),
        "+ VGG-16 (HED weights) relu2_1 + relu3_1, weight 0.1": (latent.vgg_features, 0.1),
        "+ VGG-16 (HED weights) relu2_1 + relu3_1, weight 1": (latent.vgg_features, 1.0),
        "+ random VGG-19 relu2_1 + relu3_1, weight 0.1": (
            functools.partial(latent.vgg_features, weights="random"), 0.1),
    }


def spread(values) -> str:
    """"mean [min, max]" of a list of numbers."""
    return f"{np.mean(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def perceptual_study(generator, latent_dim, args) -> None:
    z_true = np.random.default_rng(2026).normal(size=(args.targets, latent_dim)).astype("float32")
    generated = np.asarray(generator(z_true), np.float32)
    real, labels = real_targets(args.targets, with_labels=True)

    def true_class(images):
        found = metrics.classify(progan.crop_to_28(images[..., :1]), value_range=(0, 1))
        return float(np.mean(found == labels))

    print(f"perceptual study: {args.targets} real and {args.targets} generated targets, "
          f"{args.steps} steps, 1 restart, seeds {args.seeds}; mean [min, max] over the seeds. "
          f"The real targets themselves: {true_class(real):.0%} classified as their class.")
    for name, (features, weight) in perceptual_rows().items():
        scores = {key: [] for key in ("real PSNR", "real SSIM", "true class", "generated PSNR",
                                      "generated SSIM", "angle to z*")}
        for seed in args.seeds:
            for kind, targets in (("real", real), ("generated", generated)):
                result = latent.invert(generator, targets, latent_dim, steps=args.steps,
                                       restarts=1, perceptual=features,
                                       perceptual_weight=weight, seed=seed)
                scores[f"{kind} PSNR"].append(float(np.mean(result.psnr)))
                scores[f"{kind} SSIM"].append(metrics.ssim(result.images, targets,
                                                           value_range=(0, 1)))
                if kind == "real":
                    scores["true class"].append(true_class(result.images))
                else:
                    scores["angle to z*"].append(float(np.mean(
                        latent.latent_angle(result.z, z_true))))
        print(f"{name}: " + "; ".join(f"{key} {spread(values)}"
                                      for key, values in scores.items()), flush=True)


def report(kind, generator, targets, latent_dim, args, features, z_true=None) -> float:
    runs = latent.compare_inversions(generator, targets, latent_dim, steps=args.steps,
                                     restarts=args.restarts, perceptual=features,
                                     perceptual_weight=args.perceptual or 0.0, seed=1)
    course = runs.course
    print(f"{kind} targets ({len(targets)}):")
    print(f"  source loop: mean |error| {runs.source_pixel_error:.4f}, PSNR "
          f"{runs.source_psnr:.2f} dB, {sum(s.seconds for s in runs.sources):.1f} s")
    print(f"  course invert ({args.restarts} restarts): mean |error| "
          f"{course.pixel_error.mean():.4f}, PSNR {np.mean(course.psnr):.2f} dB, "
          f"{course.seconds:.1f} s")
    if z_true is not None:
        def rel(z):
            return float(np.mean(np.linalg.norm(z - z_true, axis=1)
                                 / np.linalg.norm(z_true, axis=1)))
        z_source = np.concatenate([s.z for s in runs.sources])
        print(f"  latent error |z - z*| / |z*|: source {rel(z_source):.3f}, course "
              f"{rel(course.z):.3f}")
    print(f"  error ratio course / source: {runs.ratio:.3f} (target <= 0.7)")
    return runs.ratio


def ablation_rows(restarts: int, steps: int) -> dict:
    """name -> invert() options, each costing ``restarts`` x ``steps`` evaluations per target."""
    budget = restarts * steps
    return {
        f"course: {restarts} x {steps}, schedule, no noise": {},
        "the projector's noise 0.05": {"noise": 0.05},
        "noise 0.1": {"noise": 0.1},
        "noise 0.02": {"noise": 0.02},
        "noise 0.01": {"noise": 0.01},
        "constant learning rate 0.1 (no schedule)": {"lr_schedule": False},
        "constant learning rate 0.01 (no schedule)": {"lr_schedule": False, "lr": 0.01},
        f"1 restart x {budget} steps": {"restarts": 1, "steps": budget},
    }


def ablation(generator, latent_dim, args) -> None:
    z_true = np.random.default_rng(2026).normal(size=(args.targets, latent_dim)).astype("float32")
    kinds = {"generated": np.asarray(generator(z_true), np.float32),
             "real": real_targets(args.targets)}
    print(f"ablation at {args.restarts} x {args.steps} = {args.restarts * args.steps} generator "
          f"evaluations per target; {args.targets} targets of each kind; seeds {args.seeds}; "
          "mean absolute pixel error / PSNR, mean [min, max] over the seeds")
    for kind, targets in kinds.items() if args.rows is None else ():
        source = latent.source_inversions(generator, targets, latent_dim, steps=200)
        print(f"{kind}: source loop (200 steps, 1 latent): "
              f"{np.mean([s.pixel_error[0] for s in source]):.4f} / "
              f"{np.mean([s.psnr[0] for s in source]):.2f} dB")
    rows = list(ablation_rows(args.restarts, args.steps).items())
    for name, options in [rows[i] for i in (args.rows or range(len(rows)))]:
        options = {"restarts": args.restarts, "steps": args.steps, **options}
        cells = []
        for kind, targets in kinds.items():
            errors, psnrs, seconds = [], [], []
            for seed in args.seeds:
                start = time.perf_counter()
                result = latent.invert(generator, targets, latent_dim, seed=seed, **options)
                seconds.append(time.perf_counter() - start)
                errors.append(result.pixel_error.mean())
                psnrs.append(result.psnr.mean())
            cells.append(f"{kind} {np.mean(errors):.4f} [{min(errors):.4f}, {max(errors):.4f}]"
                         f" / {np.mean(psnrs):.2f} dB [{min(psnrs):.2f}, {max(psnrs):.2f}], "
                         f"{np.mean(seconds):.0f} s")
        print(f"{name}: " + "; ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=20)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--restarts", type=int, default=16)
    parser.add_argument("--perceptual", type=float, default=0.0,
                        help="weight of the classifier-feature term (0: pixels only)")
    parser.add_argument("--model", default=str(settings.data_dir() / progan.SHIPPED_PROGAN))
    parser.add_argument("--ablation", action="store_true",
                        help="what restarts, the schedule and the noise buy at equal cost")
    parser.add_argument("--perceptual-study", action="store_true",
                        help="compare no perceptual term, the classifier's, HED VGG-16's and "
                             "random VGG-19's (see the module docstring)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--rows", type=int, nargs="+", default=None,
                        help="with --ablation: only these rows (0: the course's defaults)")
    args = parser.parse_args()

    print(hardware.describe())
    hardware.setup(verbose=False)
    generator, latent_dim = progan.load_progan(args.model, verbose=False)
    print(f"generator: {args.model}, latent {latent_dim}, steps {args.steps}")
    features = latent.classifier_features if args.perceptual else None
    if args.ablation:
        ablation(generator, latent_dim, args)
        return
    if args.perceptual_study:
        perceptual_study(generator, latent_dim, args)
        return

    # speed: the eager step against the compiled step, one target, one restart each
    z_true = np.random.default_rng(2026).normal(size=(args.targets, latent_dim)).astype("float32")
    generated = np.asarray(generator(z_true), np.float32)
    eager = latent.source_inversion(generator, generated[0], latent_dim, steps=args.steps,
                                    frame_every=0)
    compiled = latent.invert(generator, generated[:1], latent_dim, steps=args.steps, restarts=1)
    speed = eager.step_seconds / compiled.step_seconds
    print(f"step time: source eager {eager.step_seconds * 1e3:.2f} ms, course compiled "
          f"{compiled.step_seconds * 1e3:.2f} ms (1 target, 1 restart); speed-up "
          f"{speed:.2f}x (target >= 3)")

    ratios = [report("generated", generator, generated, latent_dim, args, features, z_true),
              report("real", generator, real_targets(args.targets), latent_dim, args, features)]
    met = speed >= 3 and max(ratios) <= 0.7
    print(f"speed-up {speed:.2f}x, error ratios generated {ratios[0]:.3f}, real {ratios[1]:.3f}: "
          f"{'all targets met' if met else 'not all targets met'}")


if __name__ == "__main__":
    main()
