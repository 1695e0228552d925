"""How far does each lesson's headline number move from run to run? Runs every lesson notebook
on several seeds (``GAN_COURSE_SEED``, which ``settings.seed_everything`` honours) and writes,
per headline number, what ``gan_course.ranges`` needs to answer a learner's "is my run
normal?" to ``data/metric_ranges.json``, under this mode and device class ("quick/cpu" ...):

- a number from a model trained in the lesson: the values of the seeds, the steps the model
  trained, the fingerprint of its training settings, and the band where 99 runs in 100 land;
- a number from a shipped model or fixed inputs: its one recorded value.

Quick mode counts steps, so one run per seed gives the range at the lesson's steps. Full mode
counts minutes, so ``--full --steps 2000 4000 8000`` runs each seed to each of those steps in
turn (``GAN_COURSE_MAX_STEPS``; each run resumes the last one's checkpoints) and records a
curve over steps, which the verdict reads at the steps a learner reached.

    GAN_COURSE_OFFLINE=1 .venv/bin/python bench/lesson_ranges.py [--seeds 0 1 2 3 4]
    GAN_COURSE_OFFLINE=1 .venv/bin/python bench/lesson_ranges.py --full --steps 2000 4000 8000

Other modes' ranges in the file are kept. After a run, record the file's new sha256
(``python tools/update_checksums.py``; data/README.md). The last lines: each headline's
values per seed, and their spread over the mean.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_course import lessons, ranges, settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--full", action="store_true", help="full mode (default: quick mode)")
    parser.add_argument("--steps", type=int, nargs="+", default=[],
                        help="full mode: the steps at which to measure each seed (a curve)")
    parser.add_argument("--only", default="", help="only notebooks whose name contains this")
    parser.add_argument("--out", type=Path, default=settings.data_dir() / ranges.RANGES_FILE)
    args = parser.parse_args()
    if len(args.seeds) < 2:
        raise SystemExit("--seeds: give at least two seeds; one run is no range.")
    if args.full != bool(args.steps):
        raise SystemExit("--full needs --steps (the steps of its curve), and --steps needs "
                         "--full: quick mode trains the lesson's own steps.")
    notebooks = [p for p in lessons.find_notebooks(ROOT / "notebooks")
                 if args.only in p.name]
    kind = lessons.run_kind(quick=not args.full)
    runs: dict[str, dict[int, object]] = {}
    for notebook in notebooks:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as cache:  # one cache per seed: its runs resume
                for cap in args.steps or [None]:
                    env = {"GAN_COURSE_SEED": str(seed), "GAN_COURSE_CACHE_DIR": cache}
                    if cap is not None:
                        env[settings.MAX_STEPS_VARIABLE] = str(cap)
                    print(f"==> {notebook.name}, seed {seed} ({kind}"
                          + (f", up to {cap} steps" if cap else "") + ")", flush=True)
                    result = lessons.execute_notebook(notebook, quick=not args.full, env=env)
                    if not result.ok:
                        raise SystemExit(f"{notebook.name} failed on seed {seed}:\n"
                                         f"{result.error}")
                    print(f"    {result.seconds:.0f} s", flush=True)
                    for metric in result.metrics:
                        if not isinstance(metric["value"], float):
                            continue
                        if args.full and "fingerprint" in metric:
                            runs.setdefault(metric["name"], {}).setdefault(seed, []).append(
                                metric)
                        else:
                            runs.setdefault(metric["name"], {})[seed] = metric
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores"
    lessons.record_ranges(args.out, kind, runs, machine)
    print(f"wrote {args.out} ({kind}, {machine})")
    for name, by_seed in runs.items():
        records = [r for s in sorted(by_seed) for r in
                   (by_seed[s] if isinstance(by_seed[s], list) else [by_seed[s]])]
        values = [r["value"] for r in records]
        mean = sum(values) / len(values)
        spread = (max(values) - min(values)) / abs(mean) if mean else float("nan")
        steps = sorted({r.get("steps") for r in records if r.get("steps") is not None})
        print(f"{name}: {', '.join(f'{v:.4g}' for v in values)}; spread / mean {spread:.2f}"
              + (f"; steps {steps}" if steps else ""))


if __name__ == "__main__":
    main()
