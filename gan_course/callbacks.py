"""Keras callbacks for GAN training: samples, GIFs, time budgets, checkpoints, NaN guard, progress.

All of them work with :class:`gan_course.training.GAN` through ``fit(callbacks=[...])``::

    grid = SampleGrid(n=16, directory=run_dir / "samples")
    gan.fit(dataset, epochs=50, steps_per_epoch=200, verbose=0, callbacks=[
        grid, GifRecorder(grid, run_dir / "training.gif"), TimeLimit(budget),
        Checkpoint(run_dir / "checkpoint", every_n_steps=500), NaNGuard(), ProgressBar()])
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from gan_course import viz
from gan_course.settings import TimeBudget

# --------------------------------------------------------------------------- samples and GIFs


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def _png_bytes(picture: np.ndarray) -> bytes:
    import imageio.v3 as iio

    return iio.imwrite("<bytes>", picture, extension=".png")


class SampleGrid(keras.callbacks.Callback):
    """Samples from one fixed noise batch, so every picture shows the same samples improving.

    Every ``every_n_epochs`` epochs it draws a grid, shows it live in the notebook (one
    picture, updated in place), saves ``directory/epoch_NNNN.png`` when ``directory`` is set,
    and keeps it in ``frames`` (for :class:`GifRecorder`).
    """

    def __init__(self, n: int = 16, noise=None, condition=None, every_n_epochs: int = 1,
                 directory: str | Path | None = None, live: bool = True,
                 ncols: int | None = None, seed: int = 1234, scale: int = 2):
        super().__init__()
        self.n, self.noise, self.condition = n, noise, condition
        self.every_n_epochs, self.live, self.ncols, self.seed = every_n_epochs, live, ncols, seed
        self.scale = scale
        self.directory = Path(directory) if directory is not None else None
        self.frames: list[np.ndarray] = []
        self._handle = None

    def on_train_begin(self, logs=None):
        if self.noise is None:  # fixed: the same z for every frame, also after a resume
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
        picture = viz.image_grid(images, ncols=self.ncols)
        if self.scale > 1:  # small images are easier to see a little larger
            picture = picture.repeat(self.scale, axis=0).repeat(self.scale, axis=1)
        self.frames.append(picture)
        if self.directory is not None:
            import imageio.v3 as iio

            iio.imwrite(self.directory / f"epoch_{len(self.frames):04d}.png", picture)
        if self.live and _in_notebook():
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


def write_gif(frames, path: str | Path, fps: float = 4.0) -> Path:
    """Save uint8 frames (all the same shape) as a looping GIF with imageio v3."""
    import imageio.v3 as iio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [viz.to_uint8(f) for f in frames]
    iio.imwrite(path, np.stack(frames), extension=".gif", duration=1000.0 / fps, loop=0)
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


# --------------------------------------------------------------------------- checkpoints


@dataclass
class CheckpointState:
    step: int
    epoch: int
    path: Path


def _variable_groups(gan) -> dict[str, list]:
    groups = {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "d_optimizer": gan.d_optimizer.variables,
        "seed": [gan.seed_generator.state],
    }
    if gan.ema_generator is not None:
        groups["ema_generator"] = gan.ema_generator.variables
    return groups


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` so that ``path`` is either the old file or the complete new one.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path`` (``os.replace`` is atomic on POSIX and Windows).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
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


class Checkpoint(keras.callbacks.Callback):
    """Save and resume a GAN: both models, the EMA generator, both optimizers and the step.

    It writes ``directory/gan_checkpoint.npz`` every ``every_n_steps`` generator steps and at the
    end of training, atomically (see :func:`atomic_write_bytes`), so a crash or a killed kernel
    never leaves a corrupt checkpoint. ``GAN.fit`` restores it before training when the file
    exists, and continues from the saved epoch: after an exception, a kernel restart or a killed
    process, at most ``every_n_steps`` steps are lost. Use a new directory to start afresh.
    """

    FILENAME = "gan_checkpoint.npz"

    def __init__(self, directory: str | Path, every_n_steps: int = 500, verbose: bool = True):
        super().__init__()
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps={every_n_steps} must be >= 1.")
        self.directory, self.every_n_steps, self.verbose = Path(directory), every_n_steps, verbose
        self._epoch = 0
        self._last_saved_step = -1

    @property
    def path(self) -> Path:
        return self.directory / self.FILENAME

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, gan=None, epoch: int | None = None) -> Path:
        gan = gan or self.model
        arrays, names = {}, {}
        for group, variables in _variable_groups(gan).items():
            names[group] = [v.path if hasattr(v, "path") else v.name for v in variables]
            for i, variable in enumerate(variables):
                arrays[f"{group}/{i:04d}"] = keras.ops.convert_to_numpy(variable)
        step = gan.step
        meta = {"step": step, "epoch": self._epoch if epoch is None else epoch,
                "loss": gan.loss_name, "latent_shape": list(gan.latent_shape),
                "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"), "names": names}
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        atomic_write_bytes(self.path, buffer.getvalue())
        self._last_saved_step = step
        return self.path

    def restore(self, gan) -> CheckpointState | None:
        """Load the checkpoint into ``gan`` (compiled); None when there is none yet."""
        if not self.exists():
            return None
        try:
            with np.load(self.path) as archive:
                arrays = {k: archive[k] for k in archive.files}
            meta = json.loads(arrays.pop("__meta__").tobytes().decode())
        except Exception as error:
            raise ValueError(f"The checkpoint {self.path} cannot be read ({error}). Delete it "
                             "to start afresh, or pass another directory.") from error
        gan.build_optimizers()
        groups = _variable_groups(gan)
        for group, variables in groups.items():
            stored = sorted(k for k in arrays if k.startswith(group + "/"))
            shapes_ok = len(stored) == len(variables) and all(
                arrays[k].shape == tuple(v.shape) for k, v in zip(stored, variables, strict=True))
            if not shapes_ok:
                raise ValueError(
                    f"The checkpoint {self.path} does not fit this GAN ({group} differs: was it "
                    "made by another model or settings?). Delete it, or pass another directory.")
        for group, variables in groups.items():
            for i, variable in enumerate(variables):
                variable.assign(arrays[f"{group}/{i:04d}"])
        self._epoch = int(meta["epoch"])
        self._last_saved_step = int(meta["step"])
        if self.verbose:
            print(f"[gan_course] resumed from {self.path} at step {meta['step']} "
                  f"(epoch {meta['epoch']}, saved {meta['saved_at']}).", flush=True)
        return CheckpointState(step=int(meta["step"]), epoch=int(meta["epoch"]), path=self.path)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step, n = self.model.step, self.every_n_steps
        if step // n > max(self._last_saved_step, 0) // n:  # crossed a multiple of n
            self.save()
        # A resumed run re-enters the epoch it was saved in; stop at the planned total so that
        # it does exactly as many steps as an uninterrupted run would have.
        epochs, steps = self.params.get("epochs"), self.params.get("steps")
        if epochs and steps and step >= epochs * steps:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_end(self, logs=None):
        if self.model.step != self._last_saved_step:
            self.save()
        if self.verbose:
            print(f"[gan_course] checkpoint at step {self.model.step}: {self.path}", flush=True)


# --------------------------------------------------------------------------- NaN guard


class NaNGuard(keras.callbacks.Callback):
    """Stops training when a loss becomes NaN or infinite, and restores the last good weights.

    It keeps an in-memory copy of the models' weights every ``every_n_steps`` steps while the
    losses are finite. After it fires, ``fired_at_step`` says when.
    """

    def __init__(self, every_n_steps: int = 50, verbose: bool = True):
        super().__init__()
        self.every_n_steps, self.verbose = every_n_steps, verbose
        self.fired_at_step: int | None = None
        self._good: dict | None = None
        self._good_step = -1

    def _models(self):
        gan = self.model
        models = {"generator": gan.generator, "discriminator": gan.discriminator}
        if gan.ema_generator is not None:
            models["ema_generator"] = gan.ema_generator
        return models

    def _snapshot(self):
        self._good = {name: m.get_weights() for name, m in self._models().items()}
        self._good_step = self.model.step

    def on_train_begin(self, logs=None):
        self.fired_at_step = None
        self._snapshot()

    def on_train_batch_end(self, batch, logs=None):
        values = [float(v) for k, v in (logs or {}).items() if k in ("d_loss", "g_loss")]
        if all(math.isfinite(v) for v in values):
            if self.model.step - self._good_step >= self.every_n_steps:
                self._snapshot()
            return
        self.fired_at_step = self.model.step
        for name, model in self._models().items():
            model.set_weights(self._good[name])
        self.model.stop_training = True
        if self.verbose:
            print(f"[gan_course] NaN guard: a loss became {values} at step {self.fired_at_step}; "
                  f"stopped and restored the weights of step {self._good_step}. Try a lower "
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
        if _in_notebook() or sys.stderr.isatty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self._total, unit="step", dynamic_ncols=True)

    def _summary(self, logs) -> dict:
        return {label: f"{float(logs[key]):.3f}" for key, label in self.KEYS.items()
                if key in (logs or {})}

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


def lesson_callbacks(directory: str | Path, budget: TimeBudget | float, samples: int = 16,
                     sample_every_n_epochs: int = 1, gif: bool = False,
                     checkpoint_every_n_steps: int = 500) -> list[keras.callbacks.Callback]:
    """The callbacks every lesson trains with, writing under ``directory``.

    A live :class:`SampleGrid` of ``samples`` images from fixed noise (PNGs in
    ``directory/samples``), a :class:`GifRecorder` of its frames when ``gif`` is True
    (``directory/training.gif``), a :class:`TimeLimit` of ``budget``, a :class:`NaNGuard`, a
    :class:`Checkpoint` every ``checkpoint_every_n_steps`` steps in ``directory/checkpoint`` (so
    re-running ``fit`` resumes) and a :class:`ProgressBar`. The grid is the first element.
    """
    directory = Path(directory)
    grid = SampleGrid(n=samples, directory=directory / "samples",
                      every_n_epochs=sample_every_n_epochs)
    recorder = [GifRecorder(grid, directory / "training.gif")] if gif else []
    return [grid, *recorder, TimeLimit(budget), NaNGuard(),
            Checkpoint(directory / "checkpoint", every_n_steps=checkpoint_every_n_steps),
            ProgressBar()]
