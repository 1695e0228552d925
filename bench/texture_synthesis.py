"""Lesson 2's texture GANs: quality after a time budget, and synthesis speed.

1. Trains the 64x64 DCGAN and the periodic spatial GAN for the same wall-clock budget each (the
   notebook's quick-mode settings by default) on one texture, and prints the texture SWD of 256
   generated patches against real patches, as a ratio to the real-vs-real SWD measured in the
   same run (1.0 = as close as two real samples).
2. Times texture synthesis with the trained spatial generator at 512x512 and 1024x1024 in
   megapixels per second, against the DCGAN filling the same area with 64x64 patches.

    .venv/bin/python bench/texture_synthesis.py [--texture gravel] [--seconds 60] [--width 0.25]
        [--dcgan-seconds S]   # a different budget for the DCGAN
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from gan_course import hardware, metrics, settings
from gan_course.callbacks import TimeLimit
from gan_course.data import load_texture, patch_sampler, random_patches
from gan_course.models import textures
from gan_course.training import GAN

PATCH = 64


def train(gan: GAN, image, seconds: float, batch: int) -> tuple[int, float]:
    start = time.perf_counter()
    gan.fit(patch_sampler(image, PATCH, batch_size=batch, seed=1), epochs=10_000,
            steps_per_epoch=50, verbose=0,
            callbacks=[TimeLimit(seconds, verbose=False)])
    return gan.step, time.perf_counter() - start


def megapixels_per_second(make, side: int, repeats: int) -> float:
    make(side)  # trace and warm up
    start = time.perf_counter()
    for _ in range(repeats):
        make(side)
    return repeats * side * side / 1e6 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texture", default="gravel")
    parser.add_argument("--seconds", type=float, default=60,
                        help="training budget per model (default: the notebook's quick mode)")
    parser.add_argument("--dcgan-seconds", type=float, default=None,
                        help="the DCGAN's budget, if not --seconds (e.g. to study the spatial GAN)")
    parser.add_argument("--width", type=float, default=0.25, help="channel multiplier")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print(hardware.describe())
    strategy = hardware.setup()
    image = load_texture(args.texture)
    channels = image.shape[-1]
    settings.seed_everything(0)
    with strategy.scope():
        dcgan = GAN(textures.build_texture_dcgan_generator(channels=channels, width=args.width),
                    textures.build_texture_dcgan_discriminator(channels=channels,
                                                               width=args.width),
                    latent_dim=textures.LATENT_DIM, ema_decay=0.99)
        dcgan.compile()
        noise_shape = textures.spatial_noise_shape(PATCH, PATCH)
        sgan = GAN(textures.build_spatial_generator(channels=channels, width=args.width),
                   textures.build_spatial_discriminator(channels=channels, width=args.width),
                   latent_dim=noise_shape, ema_decay=0.99)
        sgan.compile()

    reference = random_patches(image, 256, PATCH, seed=100)
    floor = metrics.texture_swd(reference, random_patches(image, 256, PATCH, seed=200))
    budgets = {"DCGAN 64x64": args.seconds if args.dcgan_seconds is None else args.dcgan_seconds,
               "spatial GAN": args.seconds}
    print(f"texture {args.texture} {image.shape}, width {args.width}, batch {args.batch}, "
          f"budgets {budgets}; real-vs-real texture SWD {floor:.4f}")
    results = {}
    for name, gan in (("DCGAN 64x64", dcgan), ("spatial GAN", sgan)):
        steps, seconds = train(gan, image, budgets[name], args.batch)
        swd = metrics.texture_swd(reference, gan.generate(n=256))
        results[name] = swd
        print(f"{name:<12} {steps:6d} steps in {seconds:5.0f} s: texture SWD {swd:.4f} "
              f"= {swd / floor:.2f}x real-vs-real")

    generator = sgan.ema_generator
    rng = np.random.default_rng(0)

    def spatial(side):
        noise = rng.normal(size=(1, *textures.spatial_noise_shape(side, side))).astype("float32")
        return keras.ops.convert_to_numpy(generator(noise, training=False))

    def tiled_dcgan(side):
        patches = (side // PATCH) ** 2
        noise = rng.normal(size=(patches, textures.LATENT_DIM)).astype("float32")
        return keras.ops.convert_to_numpy(dcgan.ema_generator.predict(noise, batch_size=256,
                                                                      verbose=0))

    for side in (512, 1024):
        ours = megapixels_per_second(spatial, side, args.repeats)
        reference_rate = megapixels_per_second(tiled_dcgan, side, args.repeats)
        print(f"{side}x{side}: spatial generator {ours:7.2f} MP/s, "
              f"DCGAN tiles {reference_rate:7.2f} MP/s, ratio {ours / reference_rate:.2f}")
    print(f"texture SWD / real-vs-real: DCGAN {results['DCGAN 64x64'] / floor:.2f}, "
          f"spatial GAN {results['spatial GAN'] / floor:.2f}")


if __name__ == "__main__":
    main()
