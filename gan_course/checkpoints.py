"""Checkpoints: what a run is, and saving and resuming it without losing progress.

A run is identified by its settings (``GAN.run_settings``, built from :func:`architecture`,
:func:`describe_function` and :func:`optimizer_settings`); :class:`Checkpoint` keeps each run in a
folder of its own, writes atomically, holds a lock (:class:`RunLock`) while it trains, and
resumes only a run with the same settings. :func:`snapshot` and :func:`assign` copy a GAN's
whole state (models, EMA, optimizers, noise stream) out and back, for the checkpoint file and
for :class:`gan_course.callbacks.NaNGuard`.
"""

from __future__ import annotations

import dataclasses
import dis
import functools
import hashlib
import io
import json
import numbers
import shutil
import time
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from gan_course import hardware, layers, losses, settings
from gan_course.files import RunLock, atomic_write_bytes, generation_paths
from gan_course.messages import say

# --------------------------------------------------------------------------- what a run is


#: Layer arguments that change what a layer computes (names and dtypes do not).
_ARCHITECTURE_KEYS = ("units", "filters", "kernel_size", "strides", "padding", "dilation_rate",
                      "activation", "use_bias", "rate", "momentum", "epsilon", "negative_slope",
                      "alpha", "size", "interpolation", "pool_size", "target_shape", "axis",
                      "pad", "groups", "center", "scale", "cropping", "data_format", "gain",
                      "group_size", "factor")


def architecture(model) -> dict:
    """A model's architecture as plain values: per layer, its type, its shape-setting arguments
    and its weight shapes; plus a short fingerprint of all that.

    Layer names are left out (Keras numbers them per session), and so are dtypes, so the same
    builder gives the same architecture in a new kernel, on a GPU with mixed precision, and
    across Keras versions.
    """
    rows = [[list(x.shape) for x in getattr(model, "inputs", None) or []]]
    for layer in layers.flat_layers(model):
        try:
            config = layer.get_config()
        except NotImplementedError:
            config = {}
        arguments = {k: config[k] for k in _ARCHITECTURE_KEYS if k in config}
        rows.append([type(layer).__name__, arguments,
                     [list(w.shape) for w in layer.weights]])
    text = json.dumps(rows, sort_keys=True, default=str)
    return {"fingerprint": hashlib.sha256(text.encode()).hexdigest()[:12],
            "layers": len(rows) - 1, "parameters": int(model.count_params())}


def _code_numbers(code) -> list:
    found = [c for c in code.co_consts if isinstance(c, numbers.Number)]
    for const in code.co_consts:
        if hasattr(const, "co_consts"):
            found += _code_numbers(const)
    return found


def _plain(value, depth: int = 0):
    """``value`` as JSON-able settings if it is one (a number, string, bool or None, a list,
    tuple or dict of them, or a ``SimpleNamespace`` or dataclass holding them), else None.
    Modules, models, arrays and functions are not settings: None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Number):
        return value.item() if hasattr(value, "item") else value
    if depth >= 4:
        return None
    if isinstance(value, (list, tuple)):
        items = [_plain(v, depth + 1) for v in value]
        return items if all(i is not None or v is None for i, v in zip(items, value,
                                                                        strict=True)) else None
    if isinstance(value, dict):
        items = {str(k): _plain(v, depth + 1) for k, v in value.items()}
        kept = {k: v for k, v in items.items() if v is not None}
        return dict(sorted(kept.items())) if kept or not value else None
    if isinstance(value, types.SimpleNamespace) or dataclasses.is_dataclass(value):
        return _plain(vars(value) if not dataclasses.is_dataclass(value)
                      else {f.name: getattr(value, f.name) for f in dataclasses.fields(value)},
                      depth + 1)
    return None


def _attributes_read(function, scope: dict) -> list:
    """The settings a function's code reads from globals: ``(name, value)`` for each global
    that is a number, a container of numbers and strings, or a namespace of them."""
    read = []
    for instruction in dis.get_instructions(function.__code__):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            if instruction.argval not in scope:
                continue
            value = _plain(scope[instruction.argval])
            if value is not None and (instruction.argval, value) not in read:
                read.append((instruction.argval, value))
    return read


def describe_function(function) -> str:
    """A loss term as text that changes when its behaviour visibly does: its name, the numbers in
    its code, the values of its default arguments, the numbers, containers and namespaces it
    reads from globals or closures (``CFG["l1_weight"]`` counts), the arguments of a
    ``functools.partial``, and a callable object's attributes.

    ``lambda r, f, c: 100.0 * l1(r, f)`` and the same with 10.0 differ; so do two terms that
    read ``LAMBDA = 100`` and ``LAMBDA = 10`` from the notebook, ``lambda r, f, c, w=10.0``
    and ``w=5.0``, and two ``L1Term(weight=...)`` objects.
    """
    if isinstance(function, functools.partial):
        values = [*function.args, *sorted(function.keywords.items())]
        return f"{describe_function(function.func)} with {values!r}"
    if isinstance(function, losses.Terms):
        return f"Terms {list(function.parts)}: {describe_function(function.function)}"
    if isinstance(function, keras.layers.Layer):  # e.g. an augmentation layer: its settings
        config = {k: v for k, v in function.get_config().items()
                  if k not in ("name", "trainable", "dtype")}
        return f"{type(function).__module__}.{type(function).__qualname__} {config!r}"
    code = getattr(function, "__code__", None)
    if code is None and callable(function) and not isinstance(function, type):
        call = type(function).__call__
        attributes = _plain({k: v for k, v in vars(function).items()
                             if _plain(v) is not None}) if hasattr(function, "__dict__") else {}
        inner = describe_function(call) if hasattr(call, "__code__") else ""
        return (f"{type(function).__module__}.{type(function).__qualname__} "
                f"{attributes!r} {inner}").rstrip()
    name = getattr(function, "__qualname__", type(function).__name__)
    module = getattr(function, "__module__", "") or ""
    if code is None:
        return f"{module}.{name}"
    numbers_read = _code_numbers(code)
    defaults = [*(function.__defaults__ or ()), *sorted((function.__kwdefaults__ or {}).items())]
    numbers_read += [("defaults", _plain(defaults))] if defaults else []
    numbers_read += _attributes_read(function, getattr(function, "__globals__", {}))
    for cell in function.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, numbers.Number) or _plain(value) is not None and not isinstance(
                value, str):
            numbers_read.append(_plain(value))
    return f"{module}.{name} {numbers_read!r}"


#: Optimizer arguments that change the training (a name or the loss-scale wrapper does not).
_OPTIMIZER_KEYS = ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "momentum",
                   "nesterov", "rho", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm")


def optimizer_settings(optimizer) -> dict:
    """The optimizer's type and training-relevant arguments (a ``LossScaleOptimizer`` is looked
    through, so mixed precision on a GPU and float32 on a CPU count as the same settings)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    config = inner.get_config()
    settings = {"type": type(inner).__name__}
    for key in _OPTIMIZER_KEYS:
        if key in config and config[key] is not None:
            value = config[key]
            settings[key] = round(value, 10) if isinstance(value, float) else value
    return json.loads(json.dumps(settings, default=str))


# --------------------------------------------------------------------------- saving and resuming


@dataclass
class CheckpointState:
    step: int
    epoch: int
    path: Path


def variable_groups(gan) -> dict[str, list]:
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


def snapshot(gan) -> dict[str, list[np.ndarray]]:
    """A copy of ``gan``'s whole state as numpy arrays, by :func:`variable_groups` group."""
    return {group: [keras.ops.convert_to_numpy(v) for v in variables]
            for group, variables in variable_groups(gan).items()}


def assign(gan, state: dict[str, list[np.ndarray]]) -> None:
    """Put a :func:`snapshot` back into ``gan``'s variables."""
    for group, variables in variable_groups(gan).items():
        for variable, value in zip(variables, state[group], strict=True):
            variable.assign(value)


def all_finite(state: dict[str, list[np.ndarray]]) -> bool:
    """True when no floating-point array of a :func:`snapshot` holds NaN or infinity."""
    return all(np.all(np.isfinite(a)) for arrays in state.values() for a in arrays
               if np.issubdtype(a.dtype, np.floating))


def flatten_settings(settings: dict, prefix: str = "") -> dict:
    """Nested run settings as one level: ``{"g_optimizer": {"type": "Adam"}}`` becomes
    ``{"g_optimizer.type": "Adam"}``."""
    flat = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_settings(value, name + "."))
        else:
            flat[name] = value
    return flat


def settings_differences(old: dict, new: dict) -> list[str]:
    """What changed between two run settings, one ``"name: old -> new"`` line per setting.

    >>> settings_differences({"loss": "ns"}, {"loss": "minimax"})
    ["loss: 'ns' -> 'minimax'"]
    """
    before, after = flatten_settings(old), flatten_settings(new)
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

    A run folder also records the data it trained on (``data.json``: a course pipeline's hash
    of its arrays or its folder's file list and sizes, which ``GAN.fit`` hands over). Other
    data with the same settings and ``data_tag`` is refused, with the fix: a new ``data_tag``
    or ``start_fresh``. For a pipeline of your own, whose data cannot be told, ``data_tag`` is
    what names it (said once).

    The file is written every ``every_n_steps`` generator steps and at the end of training,
    atomically (:func:`gan_course.files.atomic_write_bytes`), so a crash or a killed kernel
    never leaves a corrupt checkpoint: at most ``every_n_steps`` steps are lost. The ``keep``
    newest files are kept (``gan_checkpoint.npz``, ``.1.npz``, ``.2.npz``); if the newest
    cannot be read, the run resumes from the one before it and says so. A state with NaN or
    infinite values is never written, and a state older than the newest file (after
    :class:`~gan_course.callbacks.NaNGuard` restored an earlier one) never replaces it.

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
    #: The data a run trained on: ``{"identity": ..., "description": ...}``.
    DATA_FILENAME = "data.json"
    _told_data_tag = False  # the data_tag advice is given once per process
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
        #: What ``GAN.fit`` learnt of the data (``data.pipelines.described_data``), or None.
        self.data: dict | None = None
        self._epoch = 0
        self._last_saved_step, self._last_saved_epoch = -1, -1

    def _say(self, message: str) -> None:
        if self.verbose:
            say(message)

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
        self._check_data()
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

    def _check_data(self) -> None:
        """Refuse to resume a run folder that trained on other data than ``self.data``; say
        once that ``data_tag`` names data whose identity is unknown."""
        identity = (self.data or {}).get("identity")
        if identity is None:
            if self.data_tag is None and not Checkpoint._told_data_tag:
                Checkpoint._told_data_tag = True
                self._say("this dataset does not say what data it holds (a pipeline of your "
                          "own): give data_tag='a name for it' (to train or Checkpoint), so "
                          "that other data in the same folder trains anew instead of resuming.")
            return
        try:
            earlier = json.loads((self.run_directory / self.DATA_FILENAME).read_text())
        except (OSError, ValueError):
            return
        if earlier.get("identity") not in (None, identity):
            raise ValueError(
                f"The run in {self.run_directory} trained on other data ("
                f"{earlier.get('description')}), not on this data ("
                f"{self.data.get('description')}). To keep both, give this data its own "
                "name: data_tag='...' (to train or Checkpoint); to replace the old run, "
                "start_fresh=True (START_FRESH = True in a lesson); or pass another "
                "directory.")

    def _prepare_folder(self, gan) -> None:
        """Make the run folder, take its lock, check it can hold a checkpoint, and remove the
        temporary files a killed write left."""
        in_cache = settings.cache_root().resolve() in self.run_directory.resolve().parents
        fix = ("Make it writable or free some space, or " + (
            "set GAN_COURSE_CACHE_DIR to a folder you can write (the course's runs are kept "
            "there)." if in_cache else "give this run a directory you can write."))
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
                         for group in variable_groups(gan).values() for v in group)
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
        state = snapshot(gan)
        step = gan.step
        if not all_finite(state):
            self._say(f"checkpoint not written at step {step}: the weights hold NaN or "
                      "infinite values (the last good checkpoint is kept).")
            return None
        arrays = {f"{group}/{i:04d}": value for group, values in state.items()
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
        data_file = self.run_directory / self.DATA_FILENAME
        if (self.data or {}).get("identity") and not data_file.is_file():
            atomic_write_bytes(data_file, json.dumps(
                {k: self.data[k] for k in ("identity", "description")}, indent=2).encode())
        self._last_saved_step, self._last_saved_epoch = step, meta["epoch"]
        return self.path

    def restore(self, gan) -> CheckpointState | None:
        """Load this run's checkpoint into ``gan`` (compiled): its models, EMA generator,
        optimizers, step and noise stream. Returns a :class:`CheckpointState` (``step``,
        ``epoch``, ``path``), or None when ``directory`` holds no run with this GAN's settings.

        ``GAN.fit`` calls it; to look at a saved run without training, build and compile the
        same GAN and call ``Checkpoint("runs/my_gan/checkpoint").restore(gan)``, then
        ``gan.generate(n=16)``. Data saved with the run is checked only when ``fit`` passes it.
        """
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
        groups = variable_groups(gan)
        for group, variables in groups.items():
            stored = sorted(k for k in arrays if k.startswith(group + "/"))
            shapes_ok = len(stored) == len(variables) and all(
                arrays[k].shape == tuple(v.shape) for k, v in zip(stored, variables, strict=True))
            if not shapes_ok:
                raise ValueError(
                    f"The checkpoint {file} does not fit this GAN ({group} differs: was it "
                    "made by another model or settings?). Delete it (START_FRESH = True), or "
                    "pass another directory.")
        assign(gan, {group: [arrays[f"{group}/{i:04d}"] for i in range(len(variables))]
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
