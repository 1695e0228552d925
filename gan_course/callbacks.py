"""Keras callbacks for GAN training: samples, GIFs, time budgets, checkpoints, NaN guard, progress.

All of them work with :class:`gan_course.training.GAN` through ``fit(callbacks=[...])``::

    grid = SampleGrid(n=16, directory=run_dir / "samples")
    gan.fit(dataset, epochs=50, steps_per_epoch=200, verbose=0, callbacks=[
        grid, GifRecorder(grid, run_dir / "training.gif"), TimeLimit(budget),
        Checkpoint(run_dir / "checkpoint", every_n_steps=500), NaNGuard(), ProgressBar()])
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import socket
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_course import hardware, viz
from gan_course.settings import TimeBudget

# --------------------------------------------------------------------------- samples and GIFs


def _png_bytes(picture: np.ndarray) -> bytes:
    import imageio.v3 as iio

    return iio.imwrite("<bytes>", picture, extension=".png")


class SampleGrid(keras.callbacks.Callback):
    """Samples from one fixed noise batch, so every picture shows the same samples improving.

    Every ``every_n_epochs`` epochs it draws a grid, shows it live in the notebook (one
    picture, updated in place), saves ``directory/epoch_NNNN.png`` when ``directory`` is set,
    and keeps it in ``frames`` (for :class:`GifRecorder`).

    ``to_picture(outputs, condition)`` turns G's outputs into images in [-1, 1] when they are
    not images themselves: a colouriser's ab channels, say, joined with the lightness it was
    given and turned into RGB.
    """

    def __init__(self, n: int = 16, noise=None, condition=None, every_n_epochs: int = 1,
                 directory: str | Path | None = None, live: bool = True,
                 ncols: int | None = None, seed: int = 1234, scale: int = 2, to_picture=None):
        super().__init__()
        self.n, self.noise, self.condition = n, noise, condition
        self.to_picture = to_picture
        self.every_n_epochs, self.live, self.ncols, self.seed = every_n_epochs, live, ncols, seed
        self.scale = scale
        self.directory = Path(directory) if directory is not None else None
        self.frames: list[np.ndarray] = []
        self._handle = None

    def on_train_begin(self, logs=None):
        if self.model.latent_shape is None:  # G takes only a condition: draw from that
            if self.condition is None:
                raise ValueError("This generator takes no noise: give SampleGrid a fixed "
                                 "condition=... (e.g. a few input images) to draw from.")
        elif self.noise is None:  # fixed: the same z for every frame, also after a resume
            rng = np.random.default_rng(self.seed)
            self.noise = rng.standard_normal((self.n, *self.model.latent_shape)).astype("float32")
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.draw(label=f"epoch {epoch + 1}")

    def draw(self, label: str = "") -> np.ndarray:
        """Make, show and keep one grid now; returns it (uint8)."""
        images = self.model.generate(self.noise, condition=self.condition)
        if self.to_picture is not None:
            images = np.asarray(self.to_picture(images, self.condition))
        picture = viz.image_grid(images, ncols=self.ncols)
        if self.scale > 1:  # small images are easier to see a little larger
            picture = picture.repeat(self.scale, axis=0).repeat(self.scale, axis=1)
        self.frames.append(picture)
        if self.directory is not None:
            import imageio.v3 as iio

            iio.imwrite(self.directory / f"epoch_{len(self.frames):04d}.png", picture)
        if self.live and viz.in_notebook():
            from IPython.display import Image, display

            shown = Image(data=_png_bytes(picture))
            if self._handle is None:
                self._handle = display(shown, display_id=True)
            else:
                self._handle.update(shown)
        return picture


class GifRecorder(keras.callbacks.Callback):
    """Writes the frames of a :class:`SampleGrid` to an animated GIF when training ends."""

    def __init__(self, sample_grid: SampleGrid, path: str | Path, fps: float = 4.0):
        super().__init__()
        self.sample_grid, self.path, self.fps = sample_grid, Path(path), fps

    def on_train_end(self, logs=None):
        if self.sample_grid.frames:
            write_gif(self.sample_grid.frames, self.path, fps=self.fps)


def write_gif(frames, path: str | Path, fps: float = 4.0, value_range=None,
              min_side: int = 0) -> Path:
    """Save frames (all the same shape, (H, W) or (H, W, C)) as a looping GIF with imageio v3.

    Frames are uint8 in [0, 255], or floats in ``value_range``, which float frames must state
    (``(0, 1)`` for images as loaded or a TF-Hub generator's output, ``(-1, 1)`` for a tanh
    generator's): nothing guesses it. Frames smaller than ``min_side`` are enlarged by the
    smallest whole factor k with k * min(H, W) >= min_side, repeating pixels (nearest), so
    small images stay sharp.
    """
    import imageio.v3 as iio

    frames = [np.asarray(f) for f in frames]
    if not frames:
        raise ValueError("write_gif got no frames.")
    if value_range is None and any(f.dtype != np.uint8 for f in frames):
        raise ValueError("write_gif got float frames but no value_range: say their range, "
                         "e.g. value_range=(0, 1) for images in [0, 1] or (-1, 1) for a tanh "
                         "generator's output.")
    frames = np.stack([viz.to_uint8(f, value_range or (0, 255)) for f in frames])
    factor = max(1, -(-int(min_side) // min(frames.shape[1:3])))
    if factor > 1:
        frames = frames.repeat(factor, axis=1).repeat(factor, axis=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, frames, extension=".gif", duration=1000.0 / fps, loop=0)
    return path


# --------------------------------------------------------------------------- time budget


class TimeLimit(keras.callbacks.Callback):
    """Stops ``fit`` cleanly once a time budget is spent (checked after every step).

    ``budget`` is a :class:`gan_course.settings.TimeBudget` (its clock started when it was
    made; see ``settings.time_budget``) or a number of seconds counted from the start of ``fit``.
    """

    def __init__(self, budget: TimeBudget | float, verbose: bool = True):
        super().__init__()
        self.budget, self.verbose = budget, verbose
        self.stopped_at_step: int | None = None

    def on_train_begin(self, logs=None):
        if not isinstance(self.budget, TimeBudget):
            self.budget = TimeBudget(seconds=float(self.budget))
        self.stopped_at_step = None

    def on_train_batch_end(self, batch, logs=None):
        if self.budget.spent() and not self.model.stop_training:
            self.model.stop_training = True
            self.stopped_at_step = self.model.step
            if self.verbose:
                print(f"[gan_course] time budget of {self.budget.seconds:.0f} s spent: "
                      f"stopped after step {self.stopped_at_step}.", flush=True)


def cooldown_factor(fraction: float, start: float) -> float:
    """The learning-rate multiplier of a linear cool-down over the end of a budget.

    factor = 1 while fraction <= start, then (1 - fraction) / (1 - start): it falls linearly to
    0 when the budget is spent (fraction = 1). ``start = 1`` keeps the factor at 1.
    """
    if not 0.0 <= start <= 1.0:
        raise ValueError(f"start must lie in [0, 1], got {start}")
    fraction = min(max(fraction, 0.0), 1.0)
    if fraction <= start or start == 1.0:
        return 1.0
    return (1.0 - fraction) / (1.0 - start)


class LearningRateCooldown(keras.callbacks.Callback):
    """Lowers both players' learning rates linearly to 0 over the last part of a time budget.

    Before every step each optimizer's rate is ``base * cooldown_factor(budget.fraction(),
    start)``: unchanged for the first ``start`` share of the budget, then falling to 0 as the
    budget runs out, so the last steps refine instead of wander. ``budget`` is the one given to
    :class:`TimeLimit` (or seconds from the start of ``fit``). ``base`` is each optimizer's rate
    when this callback first sees it; ``fit`` ends with the base rates restored, so a later
    ``fit`` (or a resumed run) starts from them again.
    """

    def __init__(self, budget: TimeBudget | float, start: float = 0.5):
        super().__init__()
        cooldown_factor(0.0, start)  # validates start
        self.budget, self.start = budget, start
        self.base: dict[str, float] = {}

    def _optimizers(self) -> dict:
        found = {"g": self.model.g_optimizer, "d": self.model.d_optimizer}
        return {name: opt for name, opt in found.items() if opt is not None}

    def on_train_begin(self, logs=None):
        if not isinstance(self.budget, TimeBudget):
            self.budget = TimeBudget(seconds=float(self.budget))
        for name, optimizer in self._optimizers().items():
            self.base.setdefault(name, float(keras.ops.convert_to_numpy(optimizer.learning_rate)))

    def on_train_batch_begin(self, batch, logs=None):
        factor = cooldown_factor(self.budget.fraction(), self.start)
        for name, optimizer in self._optimizers().items():
            optimizer.learning_rate = self.base[name] * factor

    def on_train_end(self, logs=None):
        for name, optimizer in self._optimizers().items():
            optimizer.learning_rate = self.base[name]


class FadeInSchedule(keras.callbacks.Callback):
    """Drives ProGAN's fade-in: before every step, alpha = min(1, step / ``fade_steps``).

    ``step`` is the GAN's generator step (restored with a checkpoint, so a resumed run fades
    on from where it stopped). alpha is written to every :class:`gan_course.layers.FadeIn` in
    the generator and the discriminator, and to each of ``variables`` (e.g.
    ``ProGAN.real_alpha``, which fades the real images in the same way). ``fade_steps=0``: no
    fade (alpha = 1 at once). :attr:`history` keeps (step, alpha) pairs for a plot.
    """

    def __init__(self, fade_steps: int, variables=()):
        super().__init__()
        if int(fade_steps) < 0:
            raise ValueError(f"fade_steps={fade_steps} must be >= 0.")
        self.fade_steps, self.variables = int(fade_steps), list(variables)
        self.history: list[tuple[int, float]] = []

    def alpha_at(self, step: int) -> float:
        """min(1, step / fade_steps); 1 when there is no fade."""
        return 1.0 if self.fade_steps == 0 else min(1.0, step / self.fade_steps)

    def _targets(self):
        from gan_course.layers import FadeIn
        from gan_course.training import _flat_layers

        found = [layer.alpha for model in self.model.players() for layer in _flat_layers(model)
                 if isinstance(layer, FadeIn)]
        return found + self.variables

    def on_train_begin(self, logs=None):
        self._alphas = self._targets()
        self._set(self.alpha_at(self.model.step))

    def on_train_batch_begin(self, batch, logs=None):
        step = self.model.step
        if not self.history or self.history[-1][1] < 1.0:
            self._set(self.alpha_at(step))
            self.history.append((step, self.alpha_at(step)))

    def _set(self, alpha: float) -> None:
        for variable in self._alphas:
            variable.assign(alpha)


# --------------------------------------------------------------------------- checkpoints


@dataclass
class CheckpointState:
    step: int
    epoch: int
    path: Path


def _variable_groups(gan) -> dict[str, list]:
    """Everything a run's state consists of, by group: weights, optimizer slots and counters,
    the noise stream's seed state."""
    groups = {
        "generator": gan.generator.variables,
        "discriminator": [] if gan.discriminator is None else gan.discriminator.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "d_optimizer": [] if gan.d_optimizer is None else gan.d_optimizer.variables,
        "seed": [gan.seed_generator.state],
    }
    if gan.ema_generator is not None:
        groups["ema_generator"] = gan.ema_generator.variables
    return groups


def _snapshot(gan) -> dict[str, list[np.ndarray]]:
    return {group: [keras.ops.convert_to_numpy(v) for v in variables]
            for group, variables in _variable_groups(gan).items()}


def _assign(gan, snapshot: dict[str, list[np.ndarray]]) -> None:
    for group, variables in _variable_groups(gan).items():
        for variable, value in zip(variables, snapshot[group], strict=True):
            variable.assign(value)


def _all_finite(snapshot: dict[str, list[np.ndarray]]) -> bool:
    return all(np.all(np.isfinite(a)) for arrays in snapshot.values() for a in arrays
               if np.issubdtype(a.dtype, np.floating))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def generation_paths(path: Path, keep: int) -> list[Path]:
    """``path`` and its ``keep - 1`` older generations, newest first:
    ``gan_checkpoint.npz``, ``gan_checkpoint.1.npz``, ``gan_checkpoint.2.npz`` ..."""
    return [path] + [path.with_name(f"{path.stem}.{k}{path.suffix}") for k in range(1, keep)]


def atomic_write_bytes(path: Path, payload: bytes, keep: int = 1) -> None:
    """Write ``payload`` so that ``path`` is either the old file or the complete new one.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path`` (``os.replace`` is atomic on POSIX and Windows). With ``keep`` > 1 the
    files it replaces are kept as older generations (:func:`generation_paths`), shifted just
    before the rename. The file gets the user's usual permissions (``0o666`` less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600
        generations = generation_paths(path, keep)
        for older, newer in zip(generations[:0:-1], generations[-2::-1], strict=True):
            if newer.exists():
                os.replace(newer, older)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class RunLock:
    """One writer per run folder: a ``.lock`` file holding the owner's pid, host and start.

    ``acquire`` creates it, or takes it over when its owner is gone (a killed process on this
    host, or a lock not refreshed for ``stale_seconds`` from another host: a shared drive);
    a live owner is an error naming it. The owner refreshes the file on each save (``touch``)
    and removes it when training ends (``release``).
    """

    FILENAME = ".lock"

    def __init__(self, directory: Path, stale_seconds: float = 900.0):
        self.path = Path(directory) / self.FILENAME
        self.stale_seconds = stale_seconds
        self.held = False

    def _owner(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # half-written or damaged: judged by its age alone

    def _alive(self, owner: dict) -> bool:
        if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
            if owner["pid"] == os.getpid():
                return False  # this process's own lock (an earlier fit in this kernel)
            try:
                os.kill(owner["pid"], 0)
            except ProcessLookupError:
                return False
            except PermissionError:  # another user's live process
                return True
            return True
        try:
            age = time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return False
        return age < self.stale_seconds

    def acquire(self) -> str | None:
        """Take the lock; returns a line to print when it took over a dead owner's lock."""
        if self.held and self.path.is_file():
            return None
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        took_over = None
        for _ in range(3):
            try:
                handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                owner = self._owner()
                if owner is None:
                    continue  # released meanwhile: try again
                if self._alive(owner):
                    raise RuntimeError(
                        f"Another process (pid {owner.get('pid')} on {owner.get('host')}, "
                        f"training since {owner.get('started')}) is writing checkpoints to "
                        f"{self.path.parent}. Two runs in one folder would overwrite each "
                        "other's progress: wait for it, stop it (then run this again), or "
                        "give this run another directory.") from None
                if owner.get("pid") != os.getpid() or owner.get("host") != me["host"]:
                    took_over = (f"took over the lock of a process that is gone (pid "
                                 f"{owner.get('pid')} on {owner.get('host')}) in "
                                 f"{self.path.parent}.")
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(handle, "w") as out:
                json.dump(me, out)
            self.held = True
            return took_over
        raise RuntimeError(f"Could not take the lock {self.path}: another process keeps "
                           "taking it. Give this run another directory.")

    def touch(self) -> None:
        if self.held:
            try:
                os.utime(self.path)
            except FileNotFoundError:  # removed by hand: take it again
                self.held = False
                self.acquire()

    def release(self) -> None:
        if self.held:
            owner = self._owner()
            if owner and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False


def _flatten(settings: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def settings_differences(old: dict, new: dict) -> list[str]:
    """What changed between two run settings, one ``"name: old -> new"`` line per setting.

    >>> settings_differences({"loss": "ns"}, {"loss": "minimax"})
    ["loss: 'ns' -> 'minimax'"]
    """
    before, after = _flatten(old), _flatten(new)
    return [f"{key}: {before.get(key, '(none)')!r} -> {after.get(key, '(none)')!r}"
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def _run_id(settings: dict) -> str:
    text = json.dumps(settings, sort_keys=True, default=str)
    return "run-" + hashlib.sha256(text.encode()).hexdigest()[:10]


class Checkpoint(keras.callbacks.Callback):
    """Save and resume a GAN: both models, the EMA generator, both optimizers and the step,
    tied to the run's settings.

    A run's settings are :meth:`GAN.run_settings <gan_course.training.GAN.run_settings>` (the
    architectures, the loss and its terms, the optimizers' settings ...) plus ``data_tag``, a
    name the lesson gives its data (the texture's name, say). Each set of settings has its own
    folder, ``directory/run-<hash>/``, holding ``gan_checkpoint.npz`` and, for people to read,
    ``run_settings.json``. ``GAN.fit`` resumes only the run with the *same* settings. When the
    settings differ from the last run in ``directory`` (an exercise switched the loss, say), it
    prints what changed and trains from scratch in a new folder, keeping the old run
    (``on_change="new_folder"``, the default), or raises an error that names the changes
    (``on_change="error"``). ``start_fresh=True`` deletes this run's folder first.

    The file is written every ``every_n_steps`` generator steps and at the end of training,
    atomically (see :func:`atomic_write_bytes`), so a crash or a killed kernel never leaves a
    corrupt checkpoint: at most ``every_n_steps`` steps are lost. The ``keep`` newest files are
    kept (``gan_checkpoint.npz``, ``.1.npz``, ``.2.npz``); if the newest cannot be read, the
    run resumes from the one before it and says so. A state with NaN or infinite values is
    never written, and a state older than the newest file (after :class:`NaNGuard` restored an
    earlier one) never replaces it.

    While it trains, a run holds a lock on its folder (:class:`RunLock`): a second process
    training the same run gets an error naming the first, and a lock left by a killed process
    is taken over. A folder that cannot be written (read-only, or too little free space) is an
    error when training starts, not at the first save; temporary files left by a killed write
    are removed.

    In a multi-worker run (``TF_CONFIG``, :func:`gan_course.hardware.cluster_from_env`) the
    workers hold the same weights; the chief (worker 0) uses ``directory``, worker k uses
    ``directory/worker-k``, so the workers never take each other's lock on a shared drive.
    """

    FILENAME = "gan_checkpoint.npz"
    SETTINGS_FILENAME = "run_settings.json"
    ON_CHANGE = ("new_folder", "error")

    def __init__(self, directory: str | Path, every_n_steps: int = 500,
                 data_tag: str | None = None, on_change: str = "new_folder",
                 start_fresh: bool = False, verbose: bool = True, keep: int = 3):
        super().__init__()
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps={every_n_steps} must be >= 1.")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep={keep!r} must be a whole number >= 1 (3 keeps two older "
                             "checkpoints).")
        self.keep = keep
        self.lock: RunLock | None = None
        if on_change not in self.ON_CHANGE:
            raise ValueError(f"on_change={on_change!r}; use one of {self.ON_CHANGE}.")
        self.directory, self.every_n_steps, self.verbose = Path(directory), every_n_steps, verbose
        cluster = hardware.cluster_from_env()
        if cluster is not None and not cluster.is_chief:
            self.directory = self.directory / f"worker-{cluster.index}"
        self.data_tag, self.on_change, self.start_fresh = data_tag, on_change, start_fresh
        self.run_directory: Path | None = None
        self.settings: dict | None = None
        self._epoch = 0
        self._last_saved_step, self._last_saved_epoch = -1, -1

    def _say(self, message: str) -> None:
        if self.verbose:
            print(f"[gan_course] {message}", flush=True)

    @property
    def path(self) -> Path:
        """The checkpoint file of this run (known once the GAN is bound: after save or
        restore)."""
        if self.run_directory is None:
            raise RuntimeError("The checkpoint's run is not known yet: call restore(gan) or "
                               "save(gan) first (GAN.fit does).")
        return self.run_directory / self.FILENAME

    def generations(self) -> list[Path]:
        """This run's checkpoint files that exist, newest first."""
        return [p for p in generation_paths(self.path, self.keep) if p.is_file()]

    def exists(self) -> bool:
        return self.run_directory is not None and bool(self.generations())

    def runs(self) -> list[Path]:
        """The run folders in ``directory`` that hold a checkpoint, newest first."""
        if not self.directory.is_dir():
            return []
        newest = {}
        stem, suffix = Path(self.FILENAME).stem, Path(self.FILENAME).suffix
        for file in self.directory.glob(f"run-*/{stem}*{suffix}"):
            newest[file.parent] = max(newest.get(file.parent, 0.0), file.stat().st_mtime)
        return sorted(newest, key=newest.get, reverse=True)

    def bind(self, gan) -> Path:
        """Work out this GAN's run folder from its settings (done once, by save and restore).

        Deletes the folder first with ``start_fresh``; says what changed, or raises with
        ``on_change="error"``, when the newest other run in ``directory`` has other settings.
        """
        settings = {**gan.run_settings(), "data": self.data_tag}
        if self.run_directory is not None and settings == self.settings:
            return self.run_directory
        self.settings = settings
        self.run_directory = self.directory / _run_id(settings)
        if self.start_fresh and self.run_directory.exists():
            shutil.rmtree(self.run_directory)
            self._say(f"start fresh: deleted the earlier run {self.run_directory}.")
        self._prepare_folder(gan)
        others = [run for run in self.runs() if run != self.run_directory]
        if not self.exists() and others:
            earlier = _read_settings(others[0])
            changes = settings_differences(earlier, settings)
            summary = ("; ".join(changes[:6]) + (" ..." if len(changes) > 6 else "")
                       if earlier else "its settings cannot be read, so what changed is "
                       "unknown")
            if self.on_change == "error":
                raise ValueError(
                    f"The checkpoint in {others[0]} was made with other settings ({summary}). "
                    "To start fresh, set START_FRESH = True (it deletes the earlier runs), pass "
                    "another directory, or use Checkpoint(..., on_change='new_folder').")
            self._say(f"settings differ from the run in {others[0]} ({summary}): training "
                      f"from scratch in {self.run_directory} (the other run is kept).")
        return self.run_directory

    def _prepare_folder(self, gan) -> None:
        """Make the run folder, take its lock, check it can hold a checkpoint, and remove the
        temporary files a killed write left."""
        fix = ("Make it writable, free some space, or set GAN_COURSE_CACHE_DIR to a folder "
               "you can write (the lessons keep their runs there), or pass another directory.")
        try:
            self.run_directory.mkdir(parents=True, exist_ok=True)
            self.lock = self.lock if self.lock is not None and self.lock.path.parent == \
                self.run_directory else RunLock(self.run_directory)
            took_over = self.lock.acquire()
        except OSError as error:
            raise PermissionError(f"Cannot write checkpoints in {self.run_directory} "
                                  f"({error.strerror or error}). {fix}") from error
        if took_over:
            self._say(took_over)
        for stale in self.run_directory.glob(f".{Path(self.FILENAME).stem}*.tmp"):
            stale.unlink(missing_ok=True)
            self._say(f"removed {stale.name}, left by a write that was killed.")
        needed = 2 * sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize
                         for group in _variable_groups(gan).values() for v in group)
        free = shutil.disk_usage(self.run_directory).free
        if free < needed:
            raise OSError(f"Cannot write checkpoints in {self.run_directory}: {free / 2**20:.1f} "
                          f"MiB free, and a checkpoint needs about {needed / 2**20:.1f} MiB while "
                          f"it is written. {fix}")

    def release(self) -> None:
        """Give up this run's folder lock (the end of ``fit`` does)."""
        if self.lock is not None:
            self.lock.release()

    def save(self, gan=None, epoch: int | None = None) -> Path | None:
        """Write the checkpoint now; returns its path, or None when the state is not finite."""
        gan = gan or self.model
        self.bind(gan)
        snapshot = _snapshot(gan)
        step = gan.step
        if not _all_finite(snapshot):
            self._say(f"checkpoint not written at step {step}: the weights hold NaN or "
                      "infinite values (the last good checkpoint is kept).")
            return None
        arrays = {f"{group}/{i:04d}": value for group, values in snapshot.items()
                  for i, value in enumerate(values)}
        meta = {"step": step, "epoch": self._epoch if epoch is None else epoch,
                "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"), "settings": self.settings}
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        atomic_write_bytes(self.path, buffer.getvalue(), keep=self.keep)
        self.lock.touch()
        readable = self.run_directory / self.SETTINGS_FILENAME
        if not readable.is_file():
            atomic_write_bytes(readable, json.dumps(self.settings, indent=2).encode())
        self._last_saved_step, self._last_saved_epoch = step, meta["epoch"]
        return self.path

    def restore(self, gan) -> CheckpointState | None:
        """Load this run's checkpoint into ``gan`` (compiled); None when there is none yet."""
        self.bind(gan)
        files = self.generations()
        if not files:
            return None
        problems = []
        for file in files:
            try:
                with np.load(file) as archive:
                    arrays = {k: archive[k] for k in archive.files}
                meta = json.loads(arrays.pop("__meta__").tobytes().decode())
                int(meta["step"]), int(meta["epoch"])
                break
            except Exception as error:  # damaged, truncated, not an npz: try the one before
                problems.append(f"{file.name}: {type(error).__name__}: {error}")
        else:
            raise ValueError(f"No checkpoint in {self.run_directory} can be read ("
                             f"{'; '.join(problems)}). Delete them to start afresh "
                             "(START_FRESH = True), or pass another directory.")
        if problems:
            self._say(f"the newest checkpoint cannot be read ({'; '.join(problems)}); "
                      f"resuming from the one before it, {file.name}.")
        gan.build_optimizers()
        groups = _variable_groups(gan)
        for group, variables in groups.items():
            stored = sorted(k for k in arrays if k.startswith(group + "/"))
            shapes_ok = len(stored) == len(variables) and all(
                arrays[k].shape == tuple(v.shape) for k, v in zip(stored, variables, strict=True))
            if not shapes_ok:
                raise ValueError(
                    f"The checkpoint {file} does not fit this GAN ({group} differs: was it "
                    "made by another model or settings?). Delete it (START_FRESH = True), or "
                    "pass another directory.")
        _assign(gan, {group: [arrays[f"{group}/{i:04d}"] for i in range(len(variables))]
                      for group, variables in groups.items()})
        self._epoch = int(meta["epoch"])
        self._last_saved_step, self._last_saved_epoch = int(meta["step"]), self._epoch
        self._say(f"resumed from {file} at step {meta['step']} (epoch {meta['epoch']}, "
                  f"saved {meta['saved_at']}).")
        return CheckpointState(step=int(meta["step"]), epoch=int(meta["epoch"]), path=file)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step, n = self.model.step, self.every_n_steps
        if step // n > max(self._last_saved_step, 0) // n:  # crossed a multiple of n
            # on an epoch's last step the epoch is done: record the next one, or a resumed run
            # would re-enter this epoch and its per-epoch callbacks would fire less often
            steps = self.params.get("steps")
            self.save(epoch=self._epoch + 1 if steps and batch + 1 >= steps else self._epoch)
        # A resumed run re-enters the epoch it was saved in; stop at the planned total so that
        # it does exactly as many steps as an uninterrupted run would have.
        epochs, steps = self.params.get("epochs"), self.params.get("steps")
        if epochs and steps and step >= epochs * steps:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_end(self, logs=None):
        # Also when the last step was saved mid-epoch: the finished epoch must be recorded, or
        # a re-run would re-enter it and take one step more than planned.
        try:
            if self.model.step < self._last_saved_step:  # NaNGuard went back to an older state
                self._say(f"kept the checkpoint of step {self._last_saved_step}: the state in "
                          f"memory is older (step {self.model.step}) and does not replace it.")
                return
            if (self.model.step != self._last_saved_step
                    or self._epoch != self._last_saved_epoch):
                self.save()
            self._say(f"checkpoint at step {self.model.step}: {self.path}")
        finally:
            self.release()


def _read_settings(run_directory: Path) -> dict:
    """The settings a run folder's checkpoint was made with: from ``run_settings.json``, else
    from the checkpoint file's own record ({} if neither can be read)."""
    try:
        return json.loads((run_directory / Checkpoint.SETTINGS_FILENAME).read_text())
    except (OSError, ValueError):
        pass
    try:
        with np.load(run_directory / Checkpoint.FILENAME) as archive:
            return json.loads(archive["__meta__"].tobytes().decode())["settings"] or {}
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return {}


# --------------------------------------------------------------------------- NaN guard


class NaNGuard(keras.callbacks.Callback):
    """Stops training when a loss becomes NaN or infinite, and restores the last good state.

    Every ``every_n_steps`` steps while the losses are finite it keeps an in-memory copy of the
    whole training state: the models' weights, the EMA generator, both optimizers (their moments
    and step counters) and the noise stream. When it fires it restores that copy, so the
    optimizers carry no NaN moments either and ``gan.step`` goes back to the good step;
    ``fired_at_step`` says when it fired.
    """

    def __init__(self, every_n_steps: int = 50, verbose: bool = True):
        super().__init__()
        self.every_n_steps, self.verbose = every_n_steps, verbose
        self.fired_at_step: int | None = None
        self._good: dict | None = None
        self._good_step = -1

    def _keep(self):
        self._good = _snapshot(self.model)
        self._good_step = self.model.step

    def on_train_begin(self, logs=None):
        self.fired_at_step = None
        self._keep()

    def on_train_batch_end(self, batch, logs=None):
        values = {k: float(v) for k, v in (logs or {}).items() if k.endswith("_loss")}
        if all(math.isfinite(v) for v in values.values()):
            if self.model.step - self._good_step >= self.every_n_steps:
                self._keep()
            return
        self.fired_at_step = self.model.step
        _assign(self.model, self._good)
        self.model.stop_training = True
        if self.verbose:
            print(f"[gan_course] NaN guard: a loss became {values} at step {self.fired_at_step}; "
                  f"stopped and restored the state of step {self._good_step}. Try a lower "
                  "learning rate, or check the data for NaNs.", flush=True)


# --------------------------------------------------------------------------- progress


class ProgressBar(keras.callbacks.Callback):
    """A tqdm progress bar over all steps of ``fit``, with the losses and D's scores.

    In a notebook it is a widget; in a terminal a text bar; in a log file (CI) it prints a plain
    line every ``log_every_seconds`` instead of carriage-return updates, which stays readable.
    Use it with ``fit(..., verbose=0)``.
    """

    KEYS = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))"}

    def __init__(self, log_every_seconds: float = 30.0):
        super().__init__()
        self.log_every_seconds = log_every_seconds
        self._bar = None

    def on_train_begin(self, logs=None):
        epochs, steps = self.params.get("epochs") or 1, self.params.get("steps")
        self._total = epochs * steps if steps else None
        self._done = 0
        self._epoch_offset = 0
        self._start = self._last_line = time.monotonic()
        self._bar = None
        if viz.in_notebook() or sys.stderr.isatty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self._total, unit="step", dynamic_ncols=True)

    def _summary(self, logs) -> dict:
        """Every metric of the step, the usual four by their readable names."""
        return {self.KEYS.get(key, key): f"{float(value):.3f}"
                for key, value in (logs or {}).items()}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_offset = epoch * (self.params.get("steps") or 0)

    def on_train_batch_end(self, batch, logs=None):
        # with steps_per_execution > 1, Keras calls this once per execution: count from `batch`
        done = self._epoch_offset + batch + 1 if self.params.get("steps") else self._done + 1
        steps, self._done = max(done - self._done, 0), done
        if self._bar is not None:
            self._bar.update(steps)
            if self._done % 10 == 0:
                self._bar.set_postfix(self._summary(logs), refresh=False)
            return
        now = time.monotonic()
        if now - self._last_line >= self.log_every_seconds:
            self._last_line = now
            self._print_line(logs)

    def _print_line(self, logs):
        total = f"/{self._total}" if self._total else ""
        rate = self._done / max(time.monotonic() - self._start, 1e-9)
        values = " ".join(f"{k} {v}" for k, v in self._summary(logs).items())
        print(f"step {self._done}{total} ({rate:.1f} steps/s) {values}", flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:
            self._bar.close()
        else:
            self._print_line(logs)


class TensorBoardLog(keras.callbacks.Callback):
    """Logs every metric ``fit`` reports (``d_loss``, ``g_loss``, ``g_l1``, ...) and both
    players' learning rates to TensorBoard at the end of each epoch, against the generator step.

    With a :class:`Checkpoint` the logs go to ``<its run folder>/logs``, so runs with other
    settings get curves of their own and a resumed run continues its curves from its step;
    without one they go to ``directory``. View them with ``tensorboard --logdir <folder>`` or
    :func:`gan_course.viz.show_tensorboard`.
    """

    def __init__(self, directory: str | Path | None = None,
                 checkpoint: Checkpoint | None = None):
        super().__init__()
        if directory is None and checkpoint is None:
            raise ValueError("TensorBoardLog needs a directory or a Checkpoint to write beside.")
        self.directory, self.checkpoint = directory, checkpoint
        self.log_dir: Path | None = None
        self._writer = None

    def on_train_begin(self, logs=None):
        if self.checkpoint is not None:
            self.log_dir = self.checkpoint.bind(self.model) / "logs"
        else:
            self.log_dir = Path(self.directory)
        self._writer = tf.summary.create_file_writer(str(self.log_dir))

    def on_epoch_end(self, epoch, logs=None):
        values = {name: float(value) for name, value in (logs or {}).items()}
        for name in ("g_optimizer", "d_optimizer"):
            optimizer = getattr(self.model, name, None)
            if optimizer is not None:
                optimizer = getattr(optimizer, "inner_optimizer", optimizer)
                values[f"{name[0]}_learning_rate"] = float(
                    keras.ops.convert_to_numpy(optimizer.learning_rate))
        with self._writer.as_default():
            for name, value in values.items():
                tf.summary.scalar(name, value, step=self.model.step)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def lesson_callbacks(directory: str | Path, budget: TimeBudget | float, samples: int = 16,
                     sample_every_n_epochs: int = 1, gif: bool = False,
                     checkpoint_every_n_steps: int = 500, data_tag: str | None = None,
                     start_fresh: bool = False, condition=None, to_picture=None,
                     ncols: int | None = None,
                     tensorboard: bool = False) -> list[keras.callbacks.Callback]:
    """The callbacks every lesson trains with, writing under ``directory``.

    A live :class:`SampleGrid` of ``samples`` images from fixed noise (with a fixed
    ``condition`` too, for a conditional G, or from the condition alone; ``to_picture`` and
    ``ncols`` as :class:`SampleGrid` takes them; PNGs in ``directory/samples``), a
    :class:`GifRecorder` of its frames when ``gif`` is True (``directory/training.gif``), a
    :class:`TimeLimit` of ``budget``, a :class:`NaNGuard`, a :class:`Checkpoint` every
    ``checkpoint_every_n_steps`` steps in ``directory/checkpoint`` (re-running ``fit`` with the
    same settings and ``data_tag`` resumes; other settings train anew; ``start_fresh`` deletes
    this run first),
    with ``tensorboard`` a :class:`TensorBoardLog` in the run's folder, and a
    :class:`ProgressBar`. The grid is the first element.
    """
    directory = Path(directory)
    grid = SampleGrid(n=samples, directory=directory / "samples", condition=condition,
                      every_n_epochs=sample_every_n_epochs, to_picture=to_picture, ncols=ncols)
    recorder = [GifRecorder(grid, directory / "training.gif")] if gif else []
    checkpoint = Checkpoint(directory / "checkpoint", every_n_steps=checkpoint_every_n_steps,
                            data_tag=data_tag, start_fresh=start_fresh)
    logs = [TensorBoardLog(checkpoint=checkpoint)] if tensorboard else []
    return [grid, *recorder, TimeLimit(budget), NaNGuard(), checkpoint, *logs, ProgressBar()]


def fit_for_budget(gan, dataset, directory: str | Path, budget: TimeBudget | float, *,
                   steps_per_epoch: int = 100, max_steps: int = 100_000,
                   name: str | None = None, **callback_options):
    """Train ``gan`` on ``dataset`` (endless, ``repeat=True``) until ``budget`` is spent or
    ``max_steps`` generator steps are done, with :func:`lesson_callbacks` writing under
    ``directory`` (``callback_options`` go to it: ``samples``, ``condition``, ``data_tag``,
    ``start_fresh``, ``tensorboard`` ...). A rerun with the same settings resumes from the
    checkpoint. Prints ``"<name>: <steps> steps in total"`` and returns ``(history, grid)``,
    the ``fit`` history and the live :class:`SampleGrid`."""
    run = lesson_callbacks(directory, budget, **callback_options)
    history = gan.fit(dataset, epochs=max(1, max_steps // steps_per_epoch),
                      steps_per_epoch=steps_per_epoch, verbose=0, callbacks=run)
    print(f"{name or Path(directory).name}: {gan.step} steps in total")
    return history, run[0]
