"""How far does each lesson's headline number move from run to run? Runs every lesson notebook
on several seeds (``GAN_COURSE_SEED``, which ``settings.seed_everything`` honours) in quick mode,
or full mode with ``--full``, and writes the range of each ``report_metric`` number to
``data/metric_ranges.json`` under this mode and device class ("quick/cpu", "full/gpu" ...).
``report_metric`` then tells a learner whether their number is inside it ("is my run
normal?"). Other modes' ranges in the file are kept. After a run, record the file's new sha256
(``python tools/update_checksums.py``; data/README.md).

    GAN_COURSE_OFFLINE=1 .venv/bin/python bench/lesson_ranges.py [--seeds 0 1 2] [--full]

The last lines: one per headline number, its values per seed and their spread over the mean.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_course import lessons, settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--full", action="store_true", help="full mode (default: quick mode)")
    parser.add_argument("--only", default="", help="only notebooks whose name contains this")
    parser.add_argument("--out", type=Path, default=settings.data_dir() / lessons.RANGES_FILE)
    args = parser.parse_args()
    if len(args.seeds) < 2:
        raise SystemExit("--seeds: give at least two seeds; one run is no range.")
    notebooks = [p for p in lessons.find_notebooks(ROOT / "notebooks")
                 if args.only in p.name and p.name != "00_setup.ipynb"]
    kind = lessons.run_kind(quick=not args.full)
    runs: dict[str, dict[int, float]] = {}
    for notebook in notebooks:
        for seed in args.seeds:
            print(f"==> {notebook.name}, seed {seed} ({kind})", flush=True)
            result = lessons.execute_notebook(notebook, quick=not args.full,
                                              env={"GAN_COURSE_SEED": str(seed)})
            if not result.ok:
                raise SystemExit(f"{notebook.name} failed on seed {seed}:\n{result.error}")
            print(f"    {result.seconds:.0f} s", flush=True)
            for metric in result.metrics:
                if isinstance(metric["value"], float):
                    runs.setdefault(metric["name"], {})[seed] = metric["value"]
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores"
    lessons.record_ranges(args.out, kind, runs, machine)
    print(f"wrote {args.out} ({kind}, {machine})")
    for name, by_seed in runs.items():
        values = [by_seed[s] for s in sorted(by_seed)]
        mean = sum(values) / len(values)
        spread = (max(values) - min(values)) / abs(mean) if mean else float("nan")
        print(f"{name}: {', '.join(f'{v:.4g}' for v in values)}; spread / mean {spread:.2f}")


if __name__ == "__main__":
    main()
