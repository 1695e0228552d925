"""Keras callbacks for GAN training: samples, GIFs, time budgets, checkpoints, NaN guard, progress.

All of them work with :class:`gan_course.training.GAN` through ``fit(callbacks=[...])``::

    grid = SampleGrid(n=16, directory=run_dir / "samples")
    gan.fit(dataset, epochs=50, steps_per_epoch=200, verbose=0, callbacks=[
        grid, GifRecorder(grid, run_dir / "training.gif"), TimeLimit(budget),
        Checkpoint(run_dir / "checkpoint", every_n_steps=500), NaNGuard(), ProgressBar()])

:class:`Checkpoint` lives in :mod:`gan_course.checkpoints` and ProGAN's ``FadeInSchedule`` in
:mod:`gan_course.models.progan`; both are re-exported here.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_course import checkpoints, ranges, viz
from gan_course.checkpoints import Checkpoint, CheckpointState, RunLock, settings_differences
from gan_course.files import atomic_write_bytes, png_bytes
from gan_course.messages import say
from gan_course.models.progan import FadeInSchedule
from gan_course.settings import TimeBudget

__all__ = [
    "Checkpoint", "CheckpointState", "FadeInSchedule", "GifRecorder", "LearningRateCooldown",
    "NaNGuard", "ProgressBar", "RunLock", "SampleGrid", "TensorBoardLog", "TimeLimit",
    "TrainingRun", "cooldown_factor", "fit_for_budget", "lesson_callbacks",
    "settings_differences", "train", "write_gif",
]

# --------------------------------------------------------------------------- samples and GIFs


class SampleGrid(keras.callbacks.Callback):
    """Samples from one fixed noise batch, so every picture shows the same samples improving.

    Every ``every_n_epochs`` epochs it draws a grid, shows it live in the notebook (one
    picture, updated in place), keeps it in ``frames`` (for :class:`GifRecorder`) and saves it
    as ``step_NNNNNNN.png``, numbered by the GAN's step, in ``directory``, or with a
    ``checkpoint`` in ``<its run folder>/samples`` (so a resumed run keeps the pictures of its
    earlier sittings, and runs with other settings keep theirs apart).

    ``to_picture(outputs, condition)`` turns G's outputs into images in [-1, 1] when they are
    not images themselves: a colouriser's ab channels, say, joined with the lightness it was
    given and turned into RGB.
    """

    def __init__(self, n: int = 16, noise=None, condition=None, every_n_epochs: int = 1,
                 directory: str | Path | None = None, live: bool = True,
                 ncols: int | None = None, seed: int = 1234, scale: int = 2, to_picture=None,
                 checkpoint: Checkpoint | None = None):
        super().__init__()
        self.n, self.noise, self.condition = n, noise, condition
        self.checkpoint = checkpoint
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
        if self.checkpoint is not None:
            self.directory = self.checkpoint.bind(self.model) / "samples"
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)

    def saved_frames(self) -> list[np.ndarray]:
        """Every grid saved in ``directory``, in the order of their steps: all the sittings of
        a resumed run (``frames`` holds this sitting's alone)."""
        import imageio.v3 as iio

        if self.directory is None or not self.directory.is_dir():
            return []
        return [iio.imread(p) for p in sorted(self.directory.glob("step_*.png"))]

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.draw(label=f"epoch {epoch + 1}")

    def draw(self, label: str = "", save: bool = True) -> np.ndarray:
        """Make, show and keep one grid now (and with ``save`` write its PNG); returns it
        (uint8)."""
        images = self.model.generate(self.noise, condition=self.condition)
        if self.to_picture is not None:
            images = np.asarray(self.to_picture(images, self.condition))
        picture = viz.image_grid(images, ncols=self.ncols)
        if self.scale > 1:  # small images are easier to see a little larger
            picture = picture.repeat(self.scale, axis=0).repeat(self.scale, axis=1)
        self.frames.append(picture)
        if self.directory is not None and save:
            import imageio.v3 as iio

            step = getattr(self.model, "step", None) if self.model is not None else None
            number = len(self.frames) if step is None else int(step)
            iio.imwrite(self.directory / f"step_{number:07d}.png", picture)
        if self.live and viz.in_notebook():
            from IPython.display import Image, display

            shown = Image(data=png_bytes(picture))
            if self._handle is None:
                self._handle = display(shown, display_id=True)
            else:
                self._handle.update(shown)
        return picture


class GifRecorder(keras.callbacks.Callback):
    """Writes the frames of a :class:`SampleGrid` to an animated GIF when training ends: every
    grid it saved (:meth:`SampleGrid.saved_frames`: all sittings of a resumed run), or the
    frames it holds when it saves none."""

    def __init__(self, sample_grid: SampleGrid, path: str | Path, fps: float = 4.0):
        super().__init__()
        self.sample_grid, self.path, self.fps = sample_grid, Path(path), fps

    def on_train_end(self, logs=None):
        frames = self.sample_grid.saved_frames() or self.sample_grid.frames
        if frames and len({f.shape for f in frames}) == 1:
            write_gif(frames, self.path, fps=self.fps)


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
                say(f"time budget of {self.budget.seconds:.0f} s spent: stopped after step "
                    f"{self.stopped_at_step}.")


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
        self._good = checkpoints.snapshot(self.model)
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
        checkpoints.assign(self.model, self._good)
        self.model.stop_training = True
        if self.verbose:
            say(f"NaN guard: a loss became {values} at step {self.fired_at_step}; stopped and "
                f"restored the state of step {self._good_step}. Try a lower learning rate, or "
                "check the data for NaNs.")


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
        self._done = 0

    def on_train_begin(self, logs=None):
        # Counted in the GAN's own steps: a resumed run starts the bar where it stands, and its
        # speed counts only the steps this fit does.
        epochs, steps = self.params.get("epochs") or 1, self.params.get("steps")
        self._total = epochs * steps if steps else None
        self._first = self._done = self._step()
        self._start = self._last_line = time.monotonic()
        self._bar = None
        if viz.in_notebook() or sys.stderr.isatty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self._total, initial=self._done, unit="step",
                             dynamic_ncols=True)

    def _step(self) -> int:
        step = getattr(self.model, "step", None)
        return int(step) if step is not None else self._done + 1

    def _summary(self, logs) -> dict:
        """Every metric of the step, the usual four by their readable names."""
        return {self.KEYS.get(key, key): f"{float(value):.3f}"
                for key, value in (logs or {}).items()}

    def on_train_batch_end(self, batch, logs=None):
        # with steps_per_execution > 1, Keras calls this once per execution: count the steps
        done = self._step()
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
        rate = (self._done - self._first) / max(time.monotonic() - self._start, 1e-9)
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
    ``ncols`` as :class:`SampleGrid` takes them; PNGs in the run's folder,
    ``directory/checkpoint/run-<id>/samples``), a :class:`GifRecorder` of all the run's frames
    when ``gif`` is True (``directory/training.gif``), a
    :class:`TimeLimit` of ``budget``, a :class:`NaNGuard`, a :class:`Checkpoint` every
    ``checkpoint_every_n_steps`` steps in ``directory/checkpoint`` (re-running ``fit`` with the
    same settings and ``data_tag`` resumes; other settings train anew; ``start_fresh`` deletes
    this run first),
    with ``tensorboard`` a :class:`TensorBoardLog` in the run's folder, and a
    :class:`ProgressBar`. The grid is the first element.
    """
    directory = Path(directory)
    checkpoint = Checkpoint(directory / "checkpoint", every_n_steps=checkpoint_every_n_steps,
                            data_tag=data_tag, start_fresh=start_fresh)
    grid = SampleGrid(n=samples, checkpoint=checkpoint, condition=condition,
                      every_n_epochs=sample_every_n_epochs, to_picture=to_picture, ncols=ncols)
    recorder = [GifRecorder(grid, directory / "training.gif")] if gif else []
    logs = [TensorBoardLog(checkpoint=checkpoint)] if tensorboard else []
    return [grid, *recorder, TimeLimit(budget), NaNGuard(), checkpoint, *logs, ProgressBar()]


@dataclass
class TrainingRun:
    """What :func:`train` returns: the ``fit`` history, the live :class:`SampleGrid` (its
    ``frames``), the run's :class:`Checkpoint` (its ``path`` and ``run_directory``) and all
    the callbacks it trained with."""

    history: keras.callbacks.History
    grid: SampleGrid
    checkpoint: Checkpoint
    callbacks: list = field(default_factory=list)


def train(gan, dataset, directory: str | Path, budget: TimeBudget | float, *,
          steps_per_epoch: int = 100, max_steps: int = 100_000, name: str | None = None,
          extra_callbacks=(), **callback_options) -> TrainingRun:
    """Train ``gan`` on ``dataset`` (endless, ``repeat=True``) until ``budget`` is spent or
    ``max_steps`` generator steps are done: every lesson's training, in one call.

    ``budget``: a :func:`settings.time_budget <gan_course.settings.time_budget>` (in quick mode
    a number of steps, which then replaces ``max_steps``; in full mode its *minutes*), or a
    plain number, which is *seconds* (``budget=600`` is ten minutes). It runs ``gan.fit`` with
    :func:`lesson_callbacks` writing under ``directory`` (``callback_options`` go to it:
    ``samples``, ``condition``, ``data_tag``, ``start_fresh``, ``gif``, ``tensorboard`` ...)
    after ``extra_callbacks`` (e.g. ProGAN's ``FadeInSchedule``). The data is checked before
    step 1 (``GAN.fit``), and a dataset that runs out before the plan is an error. A rerun with
    the same settings and data resumes from the checkpoint (other data there is refused: give
    it its own ``data_tag``); a run that had reached its
    planned steps shows its saved model and history instead. Prints ``"<name>: <steps> steps in
    total"``, leaves ``gan.trained_run`` (its settings and plan, for ``report_metric``) and
    returns a :class:`TrainingRun`.
    """
    if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, int) or \
            steps_per_epoch < 1 or isinstance(max_steps, bool) or not isinstance(max_steps, int) \
            or max_steps < 1:
        raise ValueError(f"steps_per_epoch={steps_per_epoch!r} and max_steps={max_steps!r} must "
                         "be whole numbers >= 1 (e.g. steps_per_epoch=100, max_steps=10_000).")
    if isinstance(budget, TimeBudget) and budget.steps:
        max_steps = min(max_steps, int(budget.steps))
    steps_per_epoch = epoch_length(max_steps, steps_per_epoch)
    epochs = max(1, max_steps // steps_per_epoch)
    if epochs * steps_per_epoch != max_steps:
        say(f"training {epochs * steps_per_epoch} steps, a whole number of epochs of "
            f"{steps_per_epoch} (max_steps {max_steps}).")
    run = lesson_callbacks(directory, budget, **callback_options)
    everything = [*extra_callbacks, *run]
    name = name or Path(directory).name
    checkpoint = next(cb for cb in run if isinstance(cb, Checkpoint))
    history = gan.fit(dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0,
                      callbacks=everything)
    grid = run[0]
    if checkpoint.run_directory is not None:  # the whole run's history, across resumes
        history.history = keep_history(checkpoint.run_directory, history)
    if not history.epoch:  # nothing left to train: the run had reached its plan before
        print(f"{name}: this run finished earlier ({gan.step} steps): showing its saved model "
              "and history; set START_FRESH = True to train it again")
        if grid.model is None:
            grid.set_model(gan)
        if grid.noise is None and gan.latent_shape is not None:
            grid.on_train_begin()
        grid.draw(label="the saved run", save=False)  # its sample PNGs stay as they were
    print(f"{name}: {gan.step} steps in total")
    gan.trained_run = trained_run(gan, dataset, checkpoint.data_tag, epochs * steps_per_epoch)
    return TrainingRun(history=history, grid=grid, checkpoint=checkpoint, callbacks=everything)


def epoch_length(max_steps: int, steps_per_epoch: int) -> int:
    """The steps per epoch :func:`train` uses: ``steps_per_epoch``, or a divisor of
    ``max_steps`` near it, so that whole epochs end exactly at ``max_steps`` (a resumed run
    then stops where an uninterrupted one would); ``max_steps`` itself when it is shorter."""
    if max_steps <= steps_per_epoch:
        return max_steps
    divisor = math.gcd(max_steps, steps_per_epoch)
    return divisor if divisor >= max(1, steps_per_epoch // 5) else steps_per_epoch


def trained_run(gan, dataset, data_tag: str | None, planned_steps: int):
    """The :class:`~gan_course.ranges.TrainedRun` of a GAN trained by :func:`train`: its run
    settings flattened (long values shortened to a hash), the data tag, the batch size and the
    planned steps, their fingerprint, and the steps it has done."""
    flat = checkpoints.flatten_settings(gan.run_settings())
    flat = {key: (value if len(json.dumps(value, default=str)) <= 80
                  else "sha " + ranges.training_fingerprint({"v": value}))
            for key, value in flat.items()}
    flat.update({"data": data_tag, "batch": _batch_size(dataset), "planned_steps": planned_steps})
    return ranges.TrainedRun(fingerprint=ranges.training_fingerprint(flat), settings=flat,
                             planned_steps=planned_steps, steps=int(gan.step))


def _batch_size(dataset) -> int | None:
    """The static batch size of a ``tf.data`` dataset's first component, or None."""
    spec = getattr(dataset, "element_spec", None)
    first = tf.nest.flatten(spec)[0] if spec is not None else None
    shape = getattr(first, "shape", None)
    return int(shape[0]) if shape is not None and shape.rank and shape[0] is not None else None


#: The loss history of a run, kept in its checkpoint folder by :func:`train`.
HISTORY_FILENAME = "history.json"


def keep_history(run_directory: str | Path, history) -> dict:
    """Merge this ``fit``'s epochs (a ``keras.callbacks.History``) into the run's saved history,
    ``run_directory/history.json`` (``{"epoch": [...], metric: [...]}``; an epoch trained again
    after a restore replaces the earlier one), write it atomically and return it as a
    ``History.history`` dict: every epoch of the run, in order, whatever the resumes."""
    path = Path(run_directory) / HISTORY_FILENAME
    saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"epoch": []}
    rows = {int(e): {k: v[i] for k, v in saved.items() if k != "epoch" and i < len(v)}
            for i, e in enumerate(saved.get("epoch", []))}
    for i, epoch in enumerate(history.epoch):
        rows[int(epoch)] = {k: float(v[i]) for k, v in history.history.items()}
    epochs = sorted(rows)
    names = sorted({k for row in rows.values() for k in row})
    merged = {k: [rows[e].get(k, float("nan")) for e in epochs] for k in names}
    if history.epoch:
        payload = json.dumps({"epoch": epochs, **merged}, allow_nan=True).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, payload)
    return merged


def fit_for_budget(gan, dataset, directory: str | Path, budget: TimeBudget | float, *,
                   steps_per_epoch: int = 100, max_steps: int = 100_000,
                   name: str | None = None, **callback_options):
    """:func:`train`, returning ``(history, grid)`` as earlier versions of the course did."""
    run = train(gan, dataset, directory, budget, steps_per_epoch=steps_per_epoch,
                max_steps=max_steps, name=name, **callback_options)
    return run.history, run.grid
