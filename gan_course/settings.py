"""Course-wide settings: quick and offline modes, where files go, seeding, time budgets.

Everything here reads the environment at call time, so a notebook (or a test) can change a
variable and see the effect without re-importing the package.

Environment variables
---------------------
``GAN_COURSE_QUICK=1``
    Quick mode: tiny training budgets, for CI, ``make lessons`` and the tests.
``GAN_COURSE_OFFLINE=1``
    Never touch the network: use the embedded data of :func:`data_dir` (a failed download falls
    back to it too, printing one line that says so).
``GAN_COURSE_DATA_DIR``
    Where the embedded data lives (default: the copy inside the installed package, or the
    repository's ``data/`` in a checkout; see :func:`data_dir`).
``GAN_COURSE_CACHE_DIR``
    Where downloads, checkpoints and other outputs go (default: ``~/.cache/gan_course``).
``GAN_COURSE_HEADLESS=1``
    The notebook runs with nobody watching (``make lessons``, the tests): interactive extras
    such as an inline TensorBoard are replaced by a line saying how to open them.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from gan_course.messages import say

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

#: The repository root (one level above this package) when running from a checkout.
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The embedded data inside an installed package: the wheel carries the repository's ``data/``
#: as ``gan_course/_data`` (``[tool.setuptools.package-dir]`` in pyproject.toml). A checkout and
#: an editable install have no such folder and read ``REPO_ROOT / "data"`` instead.
BUNDLED_DATA_DIR = Path(__file__).resolve().parent / "_data"


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not a boolean; use {name}=1 or {name}=0.")


def quick_mode(force: bool = False) -> bool:
    """True when ``GAN_COURSE_QUICK`` is set: lessons shrink their budgets to run in minutes.

    ``force=True`` (a lesson's ``QUICK`` form field) turns quick mode on for this process, by
    setting ``GAN_COURSE_QUICK=1``, so every budget the package reads shrinks too.
    """
    if force:
        os.environ["GAN_COURSE_QUICK"] = "1"
    return _flag("GAN_COURSE_QUICK")


def headless() -> bool:
    """True when ``GAN_COURSE_HEADLESS`` is set: nobody watches the notebook run."""
    return _flag("GAN_COURSE_HEADLESS")


def offline_mode() -> bool:
    """True when ``GAN_COURSE_OFFLINE`` is set: loaders use the embedded data and never download."""
    return _flag("GAN_COURSE_OFFLINE")


def data_dir() -> Path:
    """The folder that holds the embedded data, the first of:

    1. ``GAN_COURSE_DATA_DIR``, when set;
    2. the copy inside the installed package (``gan_course/_data``), when the package was
       installed from a wheel (``pip install "gan-course @ git+..."``): no checkout needed;
    3. the repository's ``data/``, in a checkout or an editable install (``pip install -e .``).
    """
    configured = os.environ.get("GAN_COURSE_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    if BUNDLED_DATA_DIR.is_dir():
        return BUNDLED_DATA_DIR
    return REPO_ROOT / "data"


def cache_dir(*parts: str) -> Path:
    """A writable folder under the course cache (created on demand).

    ``cache_dir("checkpoints", "lesson1")`` -> ``~/.cache/gan_course/checkpoints/lesson1``.
    """
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_root() -> Path:
    """The course cache's folder, ``GAN_COURSE_CACHE_DIR`` or ``~/.cache/gan_course`` (not
    created)."""
    root = os.environ.get("GAN_COURSE_CACHE_DIR") or Path.home() / ".cache" / "gan_course"
    return Path(root).expanduser()


#: Where Colab mounts Google Drive, and the course cache's folder inside it.
COLAB_DRIVE = Path("/content/drive")
DRIVE_CACHE = Path("MyDrive") / "gan_course_cache"


def keep_cache_on_drive(enable: bool, drive_root: str | Path = COLAB_DRIVE) -> Path | None:
    """On Colab, keep the course cache (checkpoints, downloads, outputs) on Google Drive.

    A Colab runtime's disk, ``~/.cache`` with it, vanishes when the runtime is recycled, and
    every checkpoint with it. Each lesson's set-up cell calls this with its ``KEEP_ON_DRIVE``:

    - not on Colab: nothing happens, nothing is printed;
    - ``enable=False`` (the default in the lessons): one line offering the option;
    - ``enable=True``: mounts Drive (Colab asks you to allow it, once per runtime), points
      ``GAN_COURSE_CACHE_DIR`` at ``MyDrive/gan_course_cache`` and returns that folder. A
      ``GAN_COURSE_CACHE_DIR`` you set yourself is kept. With ``GAN_COURSE_HEADLESS=1`` nobody
      can answer Colab's question, so it asks nothing and says so.
    """
    import sys

    if "google.colab" not in sys.modules:
        return None
    if not enable:
        say("On Colab, checkpoints and downloads are lost when the runtime is "
            "recycled: set KEEP_ON_DRIVE = True in this cell to keep them on Google Drive.")
        return None
    configured = os.environ.get("GAN_COURSE_CACHE_DIR", "").strip()
    if configured:
        say(f"GAN_COURSE_CACHE_DIR is already {configured}: the cache stays there.")
        return Path(configured)
    if headless():
        say("KEEP_ON_DRIVE: nobody can allow Google Drive in a headless run "
            f"(GAN_COURSE_HEADLESS=1); the cache stays in {cache_dir()}.")
        return None
    drive_root = Path(drive_root)
    if not (drive_root / "MyDrive").is_dir():
        from google.colab import drive

        drive.mount(str(drive_root))
    folder = drive_root / DRIVE_CACHE
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["GAN_COURSE_CACHE_DIR"] = str(folder)
    say(f"the course cache is on Google Drive: {folder} (it survives a new "
        "runtime; delete the folder to free the space).")
    return folder


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy, TensorFlow and Keras so that a run can be repeated.

    ``GAN_COURSE_SEED``, when set, replaces ``seed``: ``bench/lesson_ranges.py`` runs each
    lesson on several seeds this way, to measure how far a headline number moves from run to
    run. Ops on a GPU can still differ slightly between runs unless TensorFlow's op
    determinism is enabled too (``tf.config.experimental.enable_op_determinism()``), which
    costs speed. Returns the seed used, so a cell can print it.
    """
    override = os.environ.get("GAN_COURSE_SEED", "").strip()
    seed = int(override) if override else int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    import keras

    keras.utils.set_random_seed(seed)  # seeds Python's random, NumPy's global RNG and TensorFlow
    return seed


@dataclass
class TimeBudget:
    """A training budget: wall-clock ``seconds``, and at most ``steps`` generator steps.

    ``while not budget.spent(): train_a_bit()``. Create one with :func:`time_budget`: in quick
    mode it counts steps (``seconds`` is infinite), so a run does the same work on any machine;
    in full mode it counts seconds, so a faster machine trains further.
    """

    seconds: float
    start: float = field(default_factory=time.monotonic)
    steps: int | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed())

    def spent(self) -> bool:
        return self.elapsed() >= self.seconds

    def fraction(self) -> float:
        """Share of the time budget used so far, in [0, 1] (0 for a budget of steps alone)."""
        if math.isinf(self.seconds):
            return 0.0
        return 1.0 if self.seconds <= 0 else min(1.0, self.elapsed() / self.seconds)

    def __repr__(self) -> str:
        if math.isinf(self.seconds):
            return f"TimeBudget({self.steps} steps)"
        cap = f", at most {self.steps} steps" if self.steps else ""
        return f"TimeBudget({self.seconds:.0f} s, {self.remaining():.0f} s left{cap})"


#: Caps every budget's steps (``bench/lesson_ranges.py --full`` measures curves over steps).
MAX_STEPS_VARIABLE = "GAN_COURSE_MAX_STEPS"


def time_budget(minutes: float, quick_minutes: float | None = None,
                quick_steps: int | None = None) -> TimeBudget:
    """A budget of ``minutes`` of wall-clock time; in quick mode, ``quick_steps`` steps.

    Quick mode counts steps, so a learner's run does what the lesson's measured runs did, on any
    machine and under any load: ``time_budget(10, quick_steps=1000)``. Without
    ``quick_steps``, quick mode uses ``quick_minutes`` (default: a tenth of the budget, at most
    half a minute). Full mode keeps its minutes: a GPU trains more steps than a laptop.
    ``GAN_COURSE_MAX_STEPS``, when set, caps the steps of every budget.
    """
    if minutes < 0 or (quick_minutes is not None and quick_minutes < 0):
        raise ValueError(f"A time budget must be >= 0 minutes, got {minutes} / {quick_minutes}.")
    if quick_steps is not None and (isinstance(quick_steps, bool) or
                                    not isinstance(quick_steps, int) or quick_steps < 1):
        raise ValueError(f"quick_steps={quick_steps!r}: give a whole number of steps >= 1.")
    cap = os.environ.get(MAX_STEPS_VARIABLE, "").strip()
    cap = int(cap) if cap else None
    if quick_mode() and quick_steps is not None:
        steps = quick_steps if cap is None else min(quick_steps, cap)
        return TimeBudget(seconds=math.inf, steps=steps)
    if quick_mode():
        chosen = quick_minutes if quick_minutes is not None else min(minutes / 10, 0.5)
    else:
        chosen = minutes
    return TimeBudget(seconds=60.0 * chosen, steps=cap)


def pick(full, quick):
    """``quick`` in quick mode, else ``full``: ``epochs = pick(full=50, quick=1)``."""
    return quick if quick_mode() else full
