"""Train ``data/lapstyle_stained_glass_flower.npz``: the LapStyle that lesson 4 ships for the
course's encoder and its offline default style.

LapStyle needs GPU-hours (30,000 iterations per stage in the official configs); a CPU lesson
cannot train one in its budget. So that quick mode still shows drafting and revision, this
script trains one, on this machine, with exactly what the lesson uses offline:

- the encoder: ``features.vgg_encoder("hed")`` (VGG-16 with HED's pretrained weights, the same
  online and offline; ``--encoder random`` for the fixed random VGG-19 of the exercise);
- the style: ``data.offline_style_image("stained_glass_flower")``;
- the content: lesson 4's offline training photos (``data.style_transfer_dataset(content=
  "offline")``, :data:`gan_course.data.STYLE_CONTENT_SPLIT`), never enlarged: the 512 px stage
  sees each photo's own detail, and the two validation photos are never seen;
- the models: ``models.lapstyle`` at the CPU width (``LAPSTYLE_SCALE["cpu"]``), through the
  course's one GAN core: the draft on its perceptual and identity terms (PaddleGAN's identity
  losses, weights 50 and 1) at 128 px, then the first
  revision at 256 px and the second at 512 px, each against the shallow patch discriminator,
  with ``lapstyle.REVISION_LOSS_WEIGHTS`` (the content term at 4; ``--revision-loss-weight
  content=1`` gives PaddleGAN's).

The schedule follows PaddleGAN's configs (Adam(1e-4, 0.9, 0.999), lr / (1 + 5e-5 t); the style
resized to 136 px for 128 px crops and to 280 px for 256 px crops), with far fewer steps. Run from
the repository root::

    python tools/train_lapstyle.py                   # about an hour on 2 CPU cores
    python tools/train_lapstyle.py --continue-from data/lapstyle_stained_glass_flower.npz
                                                     # only the stages the file lacks
    python tools/train_lapstyle.py --continue-from data/lapstyle_stained_glass_flower.npz \
        --retrain-revisions --seed 1 --out /tmp/seed1.npz
                                                     # the same draft, both revisions again
                                                     # with another seed (bench/README.md)

It writes the ``.npz`` (float16 weights and a JSON record of the steps, time, hardware,
versions and last losses) and prints its sha256 for data/README.md.
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
import tensorflow as tf  # noqa: E402

from gan_course import data, features, losses  # noqa: E402
from gan_course.models import lapstyle  # noqa: E402
from gan_course.training import GAN  # noqa: E402

OUT = ROOT / "data" / "lapstyle_stained_glass_flower.npz"


def train(gan, dataset, steps: int, label: str) -> tuple[dict, float]:
    start = time.perf_counter()
    history = gan.fit(dataset, epochs=max(1, steps // 50), steps_per_epoch=min(50, steps),
                      verbose=2)
    seconds = time.perf_counter() - start
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()}
    print(f"{label}: {gan.step} steps in {seconds:.0f} s; last losses {last}", flush=True)
    return last, seconds


def stage_record(gan, size: int, batch: int, seconds: float, last: dict, run_seed: int) -> dict:
    return {"size": size, "batch": batch, "steps": gan.step, "seconds": round(seconds),
            "last_losses": last, "seed": run_seed}


def revision_stage(drafting, revisions, encoder, style_name, size, batch, steps, lr, seed,
                   remd_layers, label, run_seed, weights=None):
    """Train one more revision level at ``size`` px (the earlier ones frozen), with the
    perceptual ``weights`` (``--revision-loss-weight``): its network and its stage record."""
    style = data.offline_style_image(style_name, side=lapstyle.STYLE_SIDES[size])
    revision = lapstyle.build_revision_network()
    gan = GAN(lapstyle.LapStyleNet(drafting, [*revisions, revision]),
              lapstyle.build_lapstyle_discriminator(), latent_dim=None,
              discriminator_sees_condition=False,
              g_terms={"perceptual": lapstyle.perceptual_terms(encoder, weights,
                                                               remd_layers=remd_layers)})
    gan.compile(g_optimizer=lapstyle.lapstyle_adam(lr), d_optimizer=lapstyle.lapstyle_adam(lr))
    last, seconds = train(gan, data.style_transfer_dataset(style, size, batch, seed=seed),
                          steps, label)
    return revision, stage_record(gan, size, batch, seconds, last, run_seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draft-steps", type=int, default=1200)
    parser.add_argument("--revision-steps", type=int, default=300)
    parser.add_argument("--second-revision-steps", type=int, default=100)
    parser.add_argument("--draft-batch", type=int, default=lapstyle.LAPSTYLE_SCALE["cpu"][1])
    parser.add_argument("--revision-batch", type=int, default=2)
    parser.add_argument("--second-revision-batch", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-4, help="Adam's initial learning rate")
    parser.add_argument("--continue-from", type=Path, default=None,
                        help="a file this script wrote: keep its trained stages and train only "
                             "the missing ones (e.g. the second revision)")
    parser.add_argument("--retrain-revisions", action="store_true",
                        help="with --continue-from: keep only its draft and train both "
                             "revisions again")
    parser.add_argument("--encoder", choices=sorted(features.ENCODER_WEIGHTS), default=None,
                        help="the VGG whose features the losses use (default: hed, or the "
                             "--continue-from file's)")
    parser.add_argument("--revision-loss-weight", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="a perceptual weight for the revision stages this run trains, e.g. "
                             "content=1 (default: lapstyle.REVISION_LOSS_WEIGHTS, content 4); "
                             "repeatable")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the weights and the crops of the stages this run trains")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.retrain_revisions and args.continue_from is None:
        parser.error("--retrain-revisions needs --continue-from (the file whose draft to keep)")
    revision_weights = dict(lapstyle.REVISION_LOSS_WEIGHTS)
    for item in args.revision_loss_weight:
        name, _, value = item.partition("=")
        if name not in revision_weights or not value:
            parser.error(f"--revision-loss-weight {item!r}: give NAME=VALUE with NAME one of "
                         f"{', '.join(revision_weights)}")
        revision_weights[name] = float(value)
    keras.utils.set_random_seed(args.seed)
    seed = 10 * args.seed  # the crops' seeds: 0, 1, 2 for seed 0, as the shipped file's
    width = lapstyle.LAPSTYLE_SCALE["cpu"][0]
    if args.continue_from is not None:
        trained_with = lapstyle.lapstyle_record(args.continue_from)["encoder_weights"]
        if args.encoder not in (None, trained_with):
            parser.error(f"{args.continue_from} was trained with --encoder {trained_with}; a "
                         f"run that continues it cannot use --encoder {args.encoder}")
        args.encoder = trained_with
    encoder = features.vgg_encoder(args.encoder or "hed")
    print(f"encoder: {encoder.description}", flush=True)
    style_name = data.DEFAULT_OFFLINE_STYLE
    settings = {"style": style_name, "learning_rate": args.lr,
                "revision_loss_weights": revision_weights}

    if args.continue_from is not None:
        drafting, revisions, record = lapstyle.load_lapstyle_weights(args.continue_from, encoder)
        if revisions and not args.retrain_revisions:  # a missing revision: the file's weights
            # (files from before the option was recorded trained with PaddleGAN's)
            kept = record.get("revision_loss_weights", dict(losses.LAPSTYLE_LOSS_WEIGHTS))
            if args.revision_loss_weight and revision_weights != kept:
                parser.error(f"{args.continue_from}'s revisions were trained with the weights "
                             f"{kept}; a run that continues it cannot change them (use "
                             "--retrain-revisions to train both again)")
            revision_weights = settings["revision_loss_weights"] = kept
        if args.retrain_revisions:
            revisions = []
            record = {key: record[key] for key in ("draft",) if key in record}
        print(f"continuing from {args.continue_from}: the draft and {len(revisions)} "
              "revision(s) stay as trained", flush=True)
    if args.continue_from is None:
        # ---- stage 1: the draft at 128 px, perceptual and identity terms
        style = data.offline_style_image(style_name, side=lapstyle.STYLE_SIDES[128])
        drafting = lapstyle.DraftingNetwork(encoder, lapstyle.build_drafting_decoder(width))
        drafting.set_style(style[None])
        draft_gan = GAN(drafting, None, latent_dim=None,
                        g_terms={"perceptual": lapstyle.perceptual_terms(encoder,
                                                                         identity=drafting)})
        draft_gan.compile(g_optimizer=lapstyle.lapstyle_adam(args.lr))
        last, seconds = train(
            draft_gan, data.style_transfer_dataset(style, 128, args.draft_batch, seed=seed),
            args.draft_steps, "draft")
        record = {"draft": stage_record(draft_gan, 128, args.draft_batch, seconds, last,
                                           args.seed)}
        record["draft"]["identity_losses"] = True
        revisions = []
        save(args.out, drafting, revisions, record, settings)  # an interrupted run keeps the draft
    if not revisions and args.revision_steps > 0:
        # ---- stage 2: the first revision at 256 px, against the shallow patch discriminator
        revision, record["revision"] = revision_stage(
            drafting, [], encoder, style_name, 256, args.revision_batch, args.revision_steps,
            args.lr, seed + 1, lapstyle.REMD_LAYERS, "revision", args.seed, revision_weights)
        revisions = [revision]
        save(args.out, drafting, revisions, record, settings)
    if len(revisions) < 2 and args.second_revision_steps > 0:
        # ---- stage 3: the second revision at 512 px; rEMD at relu4_1 alone (memory)
        revision, record["second_revision"] = revision_stage(
            drafting, revisions, encoder, style_name, 512, args.second_revision_batch,
            args.second_revision_steps, args.lr, seed + 2, ("relu4_1",), "second revision",
            args.seed, revision_weights)
        revisions = [*revisions, revision]

    path = save(args.out, drafting, revisions, record, settings)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"wrote {path} ({path.stat().st_size / 2**20:.2f} MiB), sha256 {digest}")


def save(out, drafting, revisions, record, settings):
    """Write the stages trained so far, with what made them; ``--continue-from`` resumes."""
    record.update({
        **settings, "decoder_width_device": "cpu", "content_split": data.STYLE_CONTENT_SPLIT,
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__},
        "encoder_sha256": features.weights_checksum(drafting.encoder.model),
    })
    return lapstyle.save_lapstyle_weights(out, drafting, revisions, record)


if __name__ == "__main__":
    main()
