"""Is my run normal? The measured spread of the lessons' headline numbers, and the verdict.

A headline number from a model trained in the lesson varies from run to run: seeds differ, and
GAN training amplifies the rounding differences between CPUs and thread counts. So
``bench/lesson_ranges.py`` runs each lesson on several seeds and stores, per headline, what it
measured in :data:`RANGES_FILE`: the values, the steps the models trained, a fingerprint of the
training settings (:func:`training_fingerprint`), the hardware, and the band where one more
run lands (:func:`prediction_band`). :func:`range_verdict` then answers a learner's "is my run
normal?" for the settings and steps the learner's run actually had.

Quick mode trains a fixed number of steps (``settings.time_budget(..., quick_steps=...)``), so
its range is one band at those steps. Full mode trains for a time budget, so a machine reaches
more or fewer steps: its range is a curve over steps, and the verdict reads it at the steps
reached. A number from a shipped model or fixed inputs does not vary: it gets no range, only a
check that it matches its recorded value (which proves the shipped file loaded).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gan_course import settings, shipped
from gan_course.checkpoints import settings_differences

#: The headline numbers' ranges, in ``data/``: written by ``bench/lesson_ranges.py``.
RANGES_FILE = "metric_ranges.json"
#: The share of runs with the same settings that the band holds (a prediction interval).
CONFIDENCE = 0.99
#: A fixed number (shipped model, fixed inputs) matches its record to this relative tolerance,
#: which other hardware and library versions stay within.
FIXED_TOLERANCE = 0.01
#: Which way a headline number improves: ``better=`` of ``lessons.report_metric``.
BETTER = ("lower", "higher")
#: The command that measures the ranges; the verdict names it where none is measured yet.
MEASURE = "GAN_COURSE_OFFLINE=1 python bench/lesson_ranges.py --seeds 0 1 2 3 4"


@dataclass(frozen=True)
class TrainedRun:
    """What a headline from a trained model needs to know about its training:
    ``callbacks.train`` leaves one on the GAN as ``gan.trained_run``.

    ``fingerprint``: :func:`training_fingerprint` of ``settings``; ``settings``: the run's
    settings, flattened (architecture fingerprints, loss, optimizers, data tag, batch, planned
    steps); ``planned_steps``: where the run was to stop; ``steps``: where it is now."""

    fingerprint: str
    settings: dict = field(default_factory=dict)
    planned_steps: int | None = None
    steps: int = 0


def training_fingerprint(settings: dict) -> str:
    """A short hash of a run's training settings (JSON, keys sorted): two runs with the same
    fingerprint trained the same models on the same data with the same recipe and plan."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def prediction_band(values, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Where one more run lands with probability ``confidence``, from ``n >= 2`` runs.

    The prediction interval of a normal sample: mean +- t * s * sqrt(1 + 1/n), with s the
    sample standard deviation and t Student's t quantile at (1 + confidence) / 2 with n - 1
    degrees of freedom. The range [min, max] of n runs holds a further run only with
    probability (n - 1) / (n + 1): half the time for 3 runs.
    """
    from scipy import stats

    values = np.asarray(values, dtype="float64")
    if values.size < 2:
        raise ValueError(f"a band needs at least 2 runs, got {values.size}")
    n, mean, spread = values.size, float(values.mean()), float(values.std(ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * spread * math.sqrt(1 + 1 / n)
    return mean - half, mean + half


def metric_ranges(path: str | Path | None = None) -> dict:
    """``{metric name: {run kind: entry}}`` from :data:`RANGES_FILE` (checked by
    ``shipped.verify``); {} when there is none."""
    path = Path(path) if path is not None else settings.data_dir() / RANGES_FILE
    if not path.is_file():
        return {}
    shipped.verify(path)
    return json.loads(path.read_text(encoding="utf-8")).get("ranges", {})


def _short(value: float) -> str:
    return f"{value:.4g}"


def _fixed_verdict(value: float, entry: dict, where: str) -> str:
    recorded = float(entry["fixed"])
    close = abs(value - recorded) <= FIXED_TOLERANCE * max(abs(recorded), 1e-12)
    head = (f"is my run normal? This number comes from a shipped model or fixed inputs, so it "
            f"does not vary from run to run; recorded {_short(recorded)} in {where}, "
            f"{entry.get('hardware', '')}. ")
    if close:
        return head + f"Yours, {_short(value)}, matches it to 1 %: the shipped files loaded."
    return head + (f"Yours, {_short(value)}, differs by more than 1 %: with other data (an "
                   "online download) or settings you changed that is expected; otherwise "
                   "check that the shipped file loaded (shipped.verify).")


def _band_at(entry: dict, steps: int | None) -> tuple[list[float], int] | None:
    """The runs' values at ``steps``: a quick-mode entry's values when the steps match, a
    full-mode curve read (linearly) at ``steps`` when it spans them; else None."""
    if "curve" in entry:
        curve = entry["curve"]  # {"steps": [...], "values": {seed: [...]}}
        grid = [float(s) for s in curve["steps"]]
        if steps is None or not grid[0] <= steps <= grid[-1]:
            return None
        return [float(np.interp(steps, grid, v)) for v in curve["values"].values()], steps
    if steps is not None and entry.get("steps") is not None and steps != int(entry["steps"]):
        return None
    return [float(v) for v in entry["values"]], int(entry.get("steps") or 0)


def range_verdict(name: str, value: float, kind: str, ranges: dict, better: str | None = None,
                  run: TrainedRun | None = None) -> str:
    """One line: is ``value`` of headline ``name`` normal for a run of ``kind`` (``"quick/cpu"``
    ...)?

    ``run`` (a :class:`TrainedRun`) is the training behind the number; without it the number
    is fixed (a shipped model's) and is only matched to its record. With it, the record must
    have the same training fingerprint, and the steps the run reached: the quick-mode steps, or
    within a full-mode curve. Then: inside the :func:`prediction_band` of the measured runs is
    normal; outside on the side ``better`` names (``"lower"`` or ``"higher"``) is better than
    usual, never a fault; outside on the other side is not normal.
    """
    if better not in (None, *BETTER):
        raise ValueError(f"better={better!r}: use 'lower' (e.g. a distance), 'higher' (e.g. an "
                         "accuracy) or None.")
    mode, device = kind.split("/")
    where = f"{mode} mode on a {device.upper()}"
    entries = ranges.get(name, {})
    entry = entries.get(kind)
    if run is None:
        fixed = entry if entry and "fixed" in entry else next(
            (e for k, e in entries.items() if k.startswith(mode + "/") and "fixed" in e), None)
        if fixed:
            return _fixed_verdict(value, fixed, where)
        return (f"is my run normal? Nothing recorded yet for {where}: `{MEASURE}` records "
                "this number.")
    if not entry or "fixed" in entry:
        return (f"is my run normal? No range measured yet for {where}; `{MEASURE}` measures "
                "one (GPU rows: not measured yet).")
    if entry.get("fingerprint") != run.fingerprint:
        changes = settings_differences(entry.get("settings", {}), run.settings)[:3]
        what = "; ".join(changes) if changes else "its recorded settings are not readable"
        return (f"is my run normal? No range for these settings: the range for {where} was "
                f"measured with other training settings ({what}). With settings you changed, "
                "compare with your own earlier runs; with the lesson's own (other data, another "
                f"device), `{MEASURE}` measures a range for them.")
    found = _band_at(entry, run.steps)
    if found is None:
        measured = (f"{entry['curve']['steps'][0]:,} to {entry['curve']['steps'][-1]:,} steps"
                    if "curve" in entry else f"{int(entry['steps']):,} steps")
        return (f"is my run normal? No range at {run.steps:,} steps: the range for {where} was "
                f"measured at {measured}. An interrupted or extended run trains another "
                "number of steps; re-run the cell to finish the plan.")
    values, steps = found
    low, high = prediction_band(values, float(entry.get("confidence", CONFIDENCE)))
    share = round(100 * float(entry.get("confidence", CONFIDENCE)))
    span = (f"[{_short(low)}, {_short(high)}], where {share} runs in 100 land ({len(values)} "
            f"seeds measured {_short(min(values))} to {_short(max(values))} at {steps:,} "
            f"steps in {where}, {entry.get('hardware', '')})")
    if low <= value <= high:
        return f"is my run normal? Yes: {_short(value)} is inside {span}."
    if (better == "lower" and value < low) or (better == "higher" and value > high):
        return (f"is my run normal? Better: {_short(value)} is {better} than {span}, and "
                f"{better} is better.")
    return (f"is my run normal? No: {_short(value)} is outside {span}; fewer than "
            f"{100 - share} runs in 100 with these settings land there. Check what you "
            "changed since the first cell, and the lesson's 'What goes wrong'.")


def record_ranges(path: str | Path, kind: str, runs: dict[str, dict[int, dict]],
                  hardware_text: str, confidence: float = CONFIDENCE) -> dict:
    """Merge the headline records of several seeds into the ranges file at ``path``.

    ``runs[name]`` is ``{seed: record}``, each record as ``report_metric`` writes it (``value``,
    and for a trained model ``steps``, ``fingerprint`` and ``settings``). A number that never
    came with a trained run is stored as ``fixed``. A trained number's seeds must share one
    fingerprint; in quick mode also one step count (stored as ``steps``); in full mode each
    seed's records at several steps make a ``curve``. Other kinds and metrics stay. Written
    atomically; returns the file's ranges.
    """
    path = Path(path)
    content = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    ranges = content.setdefault("ranges", {})
    for name, by_seed in runs.items():
        records = {seed: r for seed, r in sorted(by_seed.items())}
        flat = [r for rs in records.values() for r in (rs if isinstance(rs, list) else [rs])]
        values = [float(r["value"]) for r in flat]
        if not values or not all(map(math.isfinite, values)):
            continue  # a NaN run is a failure to look at, not a range
        if all("fingerprint" not in r for r in flat):
            ranges.setdefault(name, {})[kind] = {"fixed": round(values[0], 6),
                                                 "hardware": hardware_text}
            continue
        fingerprints = {r.get("fingerprint") for r in flat}
        if len(fingerprints) != 1 or len(records) < 2:
            raise ValueError(f"{name}: the runs must share one training fingerprint and number "
                             f"at least 2 seeds; got {sorted(map(str, fingerprints))} over "
                             f"{len(records)} seed(s).")
        entry = {"fingerprint": flat[0]["fingerprint"], "settings": flat[0].get("settings", {}),
                 "seeds": list(records), "hardware": hardware_text, "confidence": confidence}
        if any(isinstance(r, list) for r in records.values()):  # full mode: a curve per seed
            grid = sorted({int(r["steps"]) for r in flat})
            entry["curve"] = {"steps": grid, "values": {
                str(seed): [round(float(np.interp(s, [int(x["steps"]) for x in rs],
                                                  [float(x["value"]) for x in rs])), 6)
                            for s in grid]
                for seed, rs in records.items()}}
        else:
            steps = {int(r["steps"]) for r in flat}
            if len(steps) != 1:
                raise ValueError(f"{name}: quick-mode seeds trained different steps {steps}; "
                                 "quick mode counts steps, so they must agree.")
            low, high = prediction_band(values, confidence)
            entry.update(steps=steps.pop(), values=[round(v, 6) for v in values],
                         band=[round(low, 6), round(high, 6)])
        ranges.setdefault(name, {})[kind] = entry
    content["written_by"] = "bench/lesson_ranges.py"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return ranges
