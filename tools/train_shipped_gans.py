"""Train the GANs that lessons 2 and 3 ship, so that quick mode shows what the full recipe
reaches beside what a short run does:

- ``gravel`` and ``brick``: lesson 2's spatial GAN (``models.textures``, periodic, the CPU width
  of ``TEXTURE_SCALE``, EMA 0.999, Adam(2e-4, beta_1=0.5), batch 32) on 64x64 patches of the
  texture: ``data/spatial_gan_<texture>.npz``. Brick trains without 90-degree turns: its
  courses run one way, and turned patches would ask for crossing lines.
- ``cgan``: lesson 3's class-conditional DCGAN with the projection discriminator (the CPU width
  of ``CGAN_SCALE``, batch 128, EMA 0.999, Adam(2e-4, beta_1=0.5)) on the embedded Fashion-MNIST
  training images: ``data/cgan_projection_fashion_mnist.npz``.

Each goes through the course's one GAN core, checkpointing atomically every 500 steps into
``--work``: run the same command again and it resumes; pass a larger ``--steps`` and it
continues. At the end it measures the EMA generator against the untrained generator (the
no-learning baseline) and writes float16 weights plus a JSON record (steps, time, hardware,
versions, scores), then prints the sha256 for data/README.md.

    python tools/train_shipped_gans.py gravel            # 10,000 steps
    python tools/train_shipped_gans.py brick
    python tools/train_shipped_gans.py cgan              # 12,000 steps
"""

from __future__ import annotations

import argparse
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

from gan_course import callbacks, data, metrics, settings, shipped  # noqa: E402
from gan_course.models import conditional, textures  # noqa: E402
from gan_course.training import GAN  # noqa: E402

DEFAULT_STEPS = {"gravel": 10_000, "brick": 10_000, "cgan": 12_000}
PATCH = 64
#: Brick's courses run one way: no 90-degree turns in its patches (nor in the real patches
#: it is measured against).
ROTATIONS = {"gravel": True, "brick": False}


def adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def texture_run(texture: str, seed: int):
    """(gan, dataset, data tag, record fields, measure(generator) -> scores) for lesson 2."""
    width, batch = textures.TEXTURE_SCALE["cpu"]
    image = data.load_texture(texture)
    channels = image.shape[-1]
    rotations = ROTATIONS[texture]
    keras.utils.set_random_seed(seed)
    gan = GAN(textures.build_spatial_generator(channels=channels, width=width),
              textures.build_spatial_discriminator(channels=channels, width=width),
              latent_dim=textures.spatial_noise_shape(PATCH, PATCH), ema_decay=0.999)
    gan.compile(g_optimizer=adam(), d_optimizer=adam())
    dataset = data.patch_sampler(image, PATCH, batch_size=batch, seed=seed, rotations=rotations)
    real = data.random_patches(image, 256, PATCH, seed=100, rotations=rotations)
    floor = metrics.texture_swd(real, data.random_patches(image, 256, PATCH, seed=200,
                                                          rotations=rotations))
    noise = np.random.default_rng(1).normal(
        size=(256, *textures.spatial_noise_shape(PATCH, PATCH))).astype("float32")

    def measure(generator):
        fake = np.asarray(generator(noise, training=False))
        return {"texture_swd_over_real": round(metrics.texture_swd(real, fake) / floor, 3)}

    fields = {"texture": texture, "channels": channels, "width": width, "batch": batch,
              "periodic": True, "rotations": rotations, "patch": PATCH,
              "metric": "texture SWD of 256 generated 64x64 patches against 256 real ones, over "
                        "the real-vs-real SWD of two independent sets (1.0 = as good as real)"}
    return gan, dataset, texture, fields, measure


def cgan_run(seed: int):
    """(gan, dataset, data tag, record fields, measure(generator) -> scores) for lesson 3."""
    width, batch = conditional.CGAN_SCALE["cpu"]
    latent = 100
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    keras.utils.set_random_seed(seed)
    gan = GAN(conditional.build_conditional_generator(latent, width=width),
              conditional.build_conditional_discriminator(width=width,
                                                          conditioning="projection"),
              latent_dim=latent, ema_decay=0.999)
    gan.compile(g_optimizer=adam(), d_optimizer=adam())
    dataset = data.gan_dataset(x_train, batch, labels=y_train.astype("int32"), seed=seed,
                               repeat=True)
    labels = np.repeat(np.arange(10), 200).astype("int32")
    z = np.random.default_rng(1).standard_normal((len(labels), latent)).astype("float32")

    def measure(generator):
        images = np.asarray(generator([z, labels], training=False))
        return {"conditional_accuracy": round(metrics.conditional_accuracy(images, labels), 4),
                "fd": round(metrics.fashion_mnist_fd(images, x_test), 2)}

    fields = {"latent_dim": latent, "width": width, "batch": batch, "embedding": "one_hot",
              "conditioning": "projection",
              "metric": "2,000 samples (200 per class): conditional accuracy by the shipped "
                        "classifier, Fashion-MNIST FD against the 2,000 embedded test images",
              "real_test_accuracy": round(metrics.conditional_accuracy(x_test, y_test), 4)}
    return gan, dataset, f"Fashion-MNIST, {len(x_train)} training images", fields, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(DEFAULT_STEPS))
    parser.add_argument("--steps", type=int, default=None,
                        help="generator steps in all (default: 10,000; cgan 12,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=None,
                        help="checkpoint folder: a rerun with the same settings resumes")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    steps = DEFAULT_STEPS[args.model] if args.steps is None else args.steps
    if steps < 100 or steps % 100:
        raise SystemExit(f"--steps {steps}: pass a positive multiple of 100 (the trainer runs "
                         "epochs of 100 steps).")
    work = args.work or settings.cache_dir("tools", "train_shipped_gans", args.model)
    if args.model == "cgan":
        gan, dataset, tag, fields, measure = cgan_run(args.seed)
        out = args.out or ROOT / "data" / conditional.SHIPPED_CGAN
        save = conditional.save_conditional_generator
    else:
        gan, dataset, tag, fields, measure = texture_run(args.model, args.seed)
        out = args.out or ROOT / "data" / textures.SHIPPED_SPATIAL[args.model]
        save = textures.save_spatial_generator
    untrained = measure(gan.ema_generator)
    checkpoint = callbacks.Checkpoint(work / "checkpoint", every_n_steps=500,
                                      data_tag=f"{tag}, seed {args.seed}")
    start = time.perf_counter()
    history = gan.fit(dataset, epochs=steps // 100, steps_per_epoch=100, verbose=2,
                      callbacks=[callbacks.NaNGuard(), checkpoint])
    seconds = time.perf_counter() - start
    if gan.step != steps:
        raise SystemExit(f"trained to step {gan.step}, not {steps}: the checkpoint in {work} "
                         "holds more steps; pass a larger --steps or another --work.")
    trained = measure(gan.ema_generator)
    print(f"untrained generator: {untrained}\ntrained ({steps:,} steps): {trained}")
    record = {
        **fields, "steps": gan.step, "seconds_this_run": round(seconds), "seed": args.seed,
        "optimizers": "Adam(2e-4, beta_1=0.5) for both players", "ema_decay": 0.999,
        "scores": {"trained (EMA generator)": trained, "untrained generator": untrained},
        "last_losses": {k: round(float(v[-1]), 4) for k, v in history.history.items()},
        "hardware": f"{platform.machine()}, {os.cpu_count()} CPU cores, no GPU",
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__},
    }
    path = save(out, gan.ema_generator, record)
    print(f"wrote {path} ({path.stat().st_size / 2**20:.2f} MiB), sha256 "
          f"{shipped.sha256_of(path)}")


if __name__ == "__main__":
    main()
