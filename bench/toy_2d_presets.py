"""Lesson 1's 2-D game: which recipes cover the ring of 8 Gaussians, and which collapse? Each
preset of ``game_2d.PRESETS`` trains on several seeds through the course's GAN core; the three
scores of ``metrics.toy_2d`` (modes covered, the share of high-quality points, the grid JS
divergence in bits) are printed per seed beside the untrained generator (no learning) and fresh
real points (the floor). Also times the steps, for the lesson's quick-mode budget.

    .venv/bin/python bench/toy_2d_presets.py [--data ring] [--steps 2000] [--seeds 0 1 2]

The last lines: one per preset, its scores per seed and their mean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_course import game_2d  # noqa: E402
from gan_course.data.mixtures import toy_2d, toy_2d_modes  # noqa: E402
from gan_course.metrics.toy_2d import toy_2d_scores  # noqa: E402


def fmt(scores: dict) -> str:
    return (f"modes {scores['modes']:>2}, good {100 * scores['high_quality']:5.1f} %, "
            f"JS {scores['js']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="ring")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--presets", nargs="+", default=list(game_2d.PRESETS))
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--recipe", action="append", default=[], metavar="NAME=JSON",
                        help='another recipe, e.g. \'sn={"g_lr": 1e-4, "d_lr": 1e-2, '
                             '"spectral_norm": true}\' (make_game\'s settings)')
    args = parser.parse_args()
    recipes = dict(game_2d.PRESETS)
    for text in args.recipe:
        name, _, settings_json = text.partition("=")
        recipes[name] = json.loads(settings_json)
        args.presets = [*args.presets, name] if name not in args.presets else args.presets
    mixture = toy_2d_modes(args.data)

    print(f"{args.data}, {args.steps} steps of batch {args.batch}, {args.samples} points scored")
    floor = toy_2d_scores(toy_2d(args.data, args.samples, seed=99), mixture)
    print(f"real points (the floor): {fmt(floor)}")
    results = {}
    for name in ["untrained", *args.presets]:
        for seed in args.seeds:
            settings = recipes.get(name, game_2d.PRESETS["covers"])
            gan = game_2d.make_game(seed=seed, **settings)
            start = time.perf_counter()
            if name != "untrained":
                game_2d.play(gan, args.data, steps=args.steps, batch_size=args.batch, seed=seed)
            seconds = time.perf_counter() - start
            noise = np.random.default_rng(1000 + seed).normal(
                size=(args.samples, gan.latent_shape[0])).astype("float32")
            scores = toy_2d_scores(np.asarray(gan.generator(noise)), mixture)
            results.setdefault(name, []).append(scores)
            print(f"{name:<10} seed {seed}: {fmt(scores)}  ({seconds:.1f} s)", flush=True)
    print()
    for name, runs in results.items():
        mean = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
        modes = ", ".join(str(r["modes"]) for r in runs)
        print(f"{name:<10} modes per seed {modes}; mean good {100 * mean['high_quality']:.1f} %, "
              f"mean JS {mean['js']:.3f}")


if __name__ == "__main__":
    main()
