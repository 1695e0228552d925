"""Run the lesson notebooks headless and collect their headline metrics.

``make lessons`` calls ``python -m gan_course.lessons``, which executes every
``notebooks/NN_*.ipynb`` in order (in quick mode unless ``--full``), writes
``build/lessons/NN_name.ipynb`` and ``.html``, and prints a table of lesson, seconds, status and
headline metric. A notebook reports its headline number with :func:`report_metric`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import math
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gan_course import hardware, ranges, settings
from gan_course.messages import say

METRICS_FILE_VARIABLE = "GAN_COURSE_METRICS_FILE"
NOTEBOOK_PATTERN = re.compile(r"^\d\d_.+\.ipynb$")
#: The headline numbers' ranges over seeds, in ``data/`` (:mod:`gan_course.ranges`).
RANGES_FILE = ranges.RANGES_FILE
BETTER = ranges.BETTER
metric_ranges = ranges.metric_ranges
range_verdict = ranges.range_verdict
record_ranges = ranges.record_ranges


def run_kind(quick: bool | None = None, gpu: bool | None = None) -> str:
    """The mode and device class a range is measured for: ``"quick/cpu"``, ``"full/gpu"`` ...
    (by default this process's: :func:`settings.quick_mode`, and whether TensorFlow sees a
    GPU)."""
    quick = settings.quick_mode() if quick is None else quick
    gpu = bool(hardware.list_gpus()) if gpu is None else gpu
    return f"{'quick' if quick else 'full'}/{'gpu' if gpu else 'cpu'}"


def _trained_run(trained) -> ranges.TrainedRun | None:
    """The :class:`~gan_course.ranges.TrainedRun` of ``trained``: one, or a GAN that
    ``callbacks.train`` trained (its ``trained_run``, at the GAN's current step)."""
    if trained is None or isinstance(trained, ranges.TrainedRun):
        return trained
    run = getattr(trained, "trained_run", None)
    if run is None:
        raise ValueError(f"trained={type(trained).__name__}: give the GAN that callbacks.train "
                         "trained (it records its settings and steps there), or None for a "
                         "number from a shipped model or fixed inputs.")
    return ranges.TrainedRun(run.fingerprint, run.settings, run.planned_steps, int(trained.step))


def report_metric(name: str, value: float, unit: str = "", note: str = "",
                  better: str | None = None, trained=None) -> None:
    """Show a lesson's headline number, say whether it is normal, and hand it to ``make
    lessons`` when it runs the notebook.

    ``better``: "lower" or "higher", which way the number improves. ``trained``: the GAN the
    number measures, as ``callbacks.train`` trained it; the verdict
    (:func:`gan_course.ranges.range_verdict`) then compares the number with runs measured with
    the same training settings at the same steps. Without ``trained`` the number is fixed (a
    shipped model's, or fixed inputs'): it is only checked against its recorded value.

    ``report_metric("Fashion-MNIST FD (DCGAN)", 12.3, better="lower", trained=dcgan)``.
    """
    value = float(value)
    run = _trained_run(trained)
    text = f"{name}: {value:.4g}{(' ' + unit) if unit else ''}{f' ({note})' if note else ''}"
    if run is not None:
        text += f" after {run.steps:,} steps"
    say(f"headline metric: {text}")
    say(range_verdict(name, value, run_kind(), metric_ranges(), better, run))
    target = os.environ.get(METRICS_FILE_VARIABLE)
    if target:
        record = {"name": name, "value": value if math.isfinite(value) else str(value),
                  "unit": unit, "note": note}
        if run is not None:
            record.update(steps=run.steps, fingerprint=run.fingerprint, settings=run.settings)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")


@dataclass
class LessonResult:
    """The outcome of executing one notebook."""

    name: str
    seconds: float
    ok: bool
    metrics: list[dict] = field(default_factory=list)
    error: str = ""
    executed_path: Path | None = None
    html_path: Path | None = None
    notebook: object = None  # the executed notebook (nbformat), with its outputs

    @property
    def headline(self) -> str:
        if not self.metrics:
            return "-"
        m = self.metrics[-1]
        value = m["value"]
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        return f"{m['name']} = {shown}{(' ' + m['unit']) if m.get('unit') else ''}"


def find_notebooks(folder: str | Path) -> list[Path]:
    """The lesson notebooks ``NN_name.ipynb`` in ``folder``, in lesson order."""
    return sorted(p for p in Path(folder).iterdir() if NOTEBOOK_PATTERN.match(p.name))


def execute_notebook(
    path: str | Path,
    out_dir: str | Path | None = None,
    quick: bool = True,
    timeout: int = 1200,
    kernel_name: str = "python3",
    env: dict[str, str] | None = None,
) -> LessonResult:
    """Execute one notebook from its own folder and return what happened.

    The executed copy (and an HTML page, when ``out_dir`` is given) is written even when a cell
    fails, so the error can be read in context. ``timeout`` bounds each cell, in seconds.
    ``env``: more environment variables for the kernel (e.g. ``{"GAN_COURSE_SEED": "1"}``).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path).resolve()
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        metrics_file = Path(scratch) / "metrics.jsonl"
        # a fresh cache per run: no checkpoint of an earlier run is resumed, timings are honest
        overrides = {METRICS_FILE_VARIABLE: str(metrics_file),
                     "GAN_COURSE_CACHE_DIR": str(Path(scratch) / "cache"),
                     "GAN_COURSE_QUICK": "1" if quick else "0",
                     "GAN_COURSE_HEADLESS": "1",
                     "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
        saved = {k: os.environ.get(k) for k in overrides}
        os.environ.update(overrides)  # the kernel inherits this process's environment
        kernel = _kernel_manager(kernel_name, Path(scratch))
        client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name, km=kernel,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.monotonic()
        error = ""
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError) as failure:
            error = str(failure)
        except Exception as failure:  # kernel died, missing kernel ...
            error = f"{type(failure).__name__}: {failure}"
        finally:
            seconds = time.monotonic() - start
            if kernel.has_kernel:  # nbclient shuts down only kernel managers it made itself
                kernel.shutdown_kernel(now=True)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        metrics = []
        if metrics_file.exists():
            metrics = [json.loads(line) for line in metrics_file.read_text().splitlines() if line]
        if out_dir is not None:  # results pages the lesson wrote (lesson 3's index.html)
            _keep_results_pages(Path(scratch) / "cache", Path(out_dir), path.stem)

    result = LessonResult(name=path.stem, seconds=seconds, ok=not error, metrics=metrics,
                          error=error, notebook=notebook)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        result.executed_path = out_dir / path.name
        nbformat.write(notebook, result.executed_path)
        result.html_path = out_dir / f"{path.stem}.html"
        result.html_path.write_text(_to_html(notebook), encoding="utf-8")
    return result


def _keep_results_pages(cache: Path, out_dir: Path, stem: str) -> list[Path]:
    """Copy each folder of ``cache`` holding an ``index.html`` to ``out_dir/<stem>_<folder>``
    (replacing an earlier copy), so the page outlives the run's temporary cache."""
    kept = []
    for page in sorted(cache.rglob("index.html")) if cache.is_dir() else []:
        target = out_dir / f"{stem}_{page.parent.name}"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(page.parent, target)
        kept.append(target / "index.html")
    return kept


def _kernel_manager(kernel_name: str, scratch: Path):
    """A kernel manager that talks to the kernel over local (IPC) sockets in ``scratch``.

    Over TCP, recent kernels warn that the connection is not encrypted; IPC sockets never leave
    the machine. Windows has no IPC transport, so it keeps TCP there.
    """
    from jupyter_client.manager import KernelManager

    if os.name != "posix":
        return KernelManager(kernel_name=kernel_name)
    return KernelManager(kernel_name=kernel_name, transport="ipc", ip=str(scratch / "kernel"))


def _to_html(notebook) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(notebook)
    return body


def format_table(results: list[LessonResult]) -> str:
    """A plain-text table: lesson, seconds, status and headline metric."""
    rows = [("lesson", "seconds", "status", "headline metric")]
    rows += [(r.name, f"{r.seconds:.0f}", "ok" if r.ok else "FAILED", r.headline)
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _run_one(notebook: Path, out: str, quick: bool, timeout: int) -> LessonResult:
    """Execute one notebook for `main`, printing its status and, when it fails, its error."""
    result = execute_notebook(notebook, out, quick=quick, timeout=timeout)
    status = "ok" if result.ok else "FAILED"
    print(f"    {notebook.name}: {status} in {result.seconds:.0f} s -> {result.html_path}",
          flush=True)
    if not result.ok:
        print(f"\n{notebook.name} failed. The failing cell and its error:\n{result.error}\n",
              file=sys.stderr, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the lesson notebooks headless.")
    parser.add_argument("--notebooks", default=str(settings.REPO_ROOT / "notebooks"))
    parser.add_argument("--out", default=str(settings.REPO_ROOT / "build" / "lessons"))
    parser.add_argument("--full", action="store_true", help="full settings, not quick mode")
    parser.add_argument("--only", default="", help="run only notebooks whose name contains this")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks run at once (each in its own process and kernel); with "
                             "more than 1 the seconds of each include the others' load")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs {args.jobs}: give 1 (one notebook at a time) or more")

    notebooks = [p for p in find_notebooks(args.notebooks) if args.only in p.name]
    if not notebooks:
        print(f"No lesson notebooks (NN_name.ipynb) found in {args.notebooks}.", file=sys.stderr)
        return 2
    mode = "full" if args.full else "quick"
    run = functools.partial(_run_one, out=args.out, quick=not args.full, timeout=args.timeout)
    if args.jobs == 1:
        results = []
        for notebook in notebooks:
            print(f"==> {notebook.name} ({mode} mode) ...", flush=True)
            results.append(run(notebook))
    else:
        print(f"==> {len(notebooks)} notebooks ({mode} mode), {args.jobs} at a time ...",
              flush=True)
        # spawn: a fresh interpreter per worker, never a fork of this one's threads
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=context) as pool:
            results = list(pool.map(run, notebooks))  # in the notebooks' order
    print("\n" + format_table(results))
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"\n{len(failed)} lesson(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
