"""Which hardware runs the lesson, and how to use it well: precision, XLA and distribution.

``setup()`` is the one call a notebook makes::

    strategy = hardware.setup()          # float32 on CPU, mixed precision on a GPU
    with strategy.scope():
        gan = GAN(...)

The decisions are small pure functions (:func:`choose_precision`, :func:`choose_strategy_kind`)
so they can be tested with made-up device lists on a machine without a GPU.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

from gan_course.messages import say

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclass(frozen=True)
class Accelerator:
    """A GPU as seen by TensorFlow: its name and CUDA compute capability (major, minor)."""

    name: str
    compute_capability: tuple[int, int] | None = None


@dataclass(frozen=True)
class SetupResult:
    """What :func:`setup` chose, kept in :data:`last_setup` for later cells and the trainer."""

    precision: str
    jit_compile: bool
    strategy_kind: str
    replicas: int
    device: str = "CPU"  # "CPU", "GPU" or "TPU": what trains the models
    threads: tuple[int, int] = (0, 0)  # TensorFlow's (intra-op, inter-op) threads; 0: its own


#: The choice made by the latest :func:`setup` call (None before the first one).
last_setup: SetupResult | None = None


def choose_precision(gpus: list[Accelerator], tpu: bool = False, requested: str = "auto") -> str:
    """The Keras dtype policy for these devices.

    - ``"auto"``: TPU -> ``mixed_bfloat16``; GPUs all of compute capability >= 8.0 (Ampere,
      Hopper ...) -> ``mixed_bfloat16``; 7.x (Volta, Turing: Colab's T4) -> ``mixed_float16``
      (needs loss scaling, which the training core does); older GPUs or CPU -> ``float32``.
    - Anything else must be one of :data:`PRECISIONS` and is returned unchanged.
    """
    if requested != "auto":
        if requested not in PRECISIONS:
            raise ValueError(f"precision={requested!r}; use 'auto' or one of {PRECISIONS}.")
        return requested
    if tpu:
        return "mixed_bfloat16"
    capabilities = [g.compute_capability for g in gpus if g.compute_capability is not None]
    if not gpus or not capabilities:
        return "float32"
    lowest = min(capabilities)  # the slowest GPU decides for a mixed machine
    if lowest >= (8, 0):
        return "mixed_bfloat16"
    if lowest >= (7, 0):
        return "mixed_float16"
    return "float32"


def choose_strategy_kind(n_gpus: int, tpu: bool = False, workers: int = 1) -> str:
    """``"tpu"`` with a TPU, ``"multi_worker"`` when ``TF_CONFIG`` names a cluster of several
    workers (:func:`cluster_from_env`), ``"mirrored"`` with more than one GPU, else
    ``"default"``."""
    if tpu:
        return "tpu"
    if workers > 1:
        return "multi_worker"
    if n_gpus > 1:
        return "mirrored"
    return "default"


#: The first compute capability TensorFlow's XLA cannot compile for yet: 12.0, Blackwell (Colab's
#: G4 runtime, RTX 50 laptops) fails with "PTX ... does not support sm_120"
#: (tensorflow/tensorflow#111958).
XLA_UNSUPPORTED_FROM = (12, 0)


def choose_jit(gpus: list[Accelerator], tpu: bool = False, requested="auto") -> bool:
    """XLA on accelerators (``"auto"``); off on CPU, where it rarely pays for its compile time,
    and off on GPUs of compute capability :data:`XLA_UNSUPPORTED_FROM` or newer, which
    TensorFlow's XLA cannot compile for (:func:`xla_note` says why)."""
    if requested == "auto":
        return tpu or (bool(gpus) and not _xla_unsupported(gpus))
    if isinstance(requested, bool):
        return requested
    raise ValueError(f"xla={requested!r}; use 'auto', True or False.")


def _xla_unsupported(gpus: list[Accelerator]) -> list[Accelerator]:
    return [g for g in gpus if g.compute_capability is not None
            and tuple(g.compute_capability) >= XLA_UNSUPPORTED_FROM]


def xla_note(gpus: list[Accelerator], requested="auto") -> str:
    """Why ``"auto"`` turned XLA off on these GPUs ("" when it did not)."""
    newest = _xla_unsupported(gpus) if requested == "auto" else []
    if not newest:
        return ""
    cc = ".".join(map(str, newest[0].compute_capability))
    return (f" (XLA off: TensorFlow's XLA cannot compile for compute capability {cc} yet, "
            "tensorflow/tensorflow#111958; setup(xla=True) tries anyway)")


def list_gpus() -> list[Accelerator]:
    """The GPUs TensorFlow sees, with names and compute capabilities."""
    import tensorflow as tf

    found = []
    for device in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(device)
        found.append(Accelerator(name=details.get("device_name", device.name),
                                 compute_capability=details.get("compute_capability")))
    return found


_NOTED: list[str] = []  # the TPU note is printed once per process
TPU_RUNTIME_NOTE = ("This is a TPU runtime, and TensorFlow from PyPI cannot use "
                    "its TPU (that needs libtpu): use a GPU runtime for this course (Runtime > "
                    "Change runtime type > T4 GPU). Here the lessons run on the CPU.")


def _find_tpu():
    """A TPU cluster resolver when a TPU is attached (Colab TPU runtimes), else None.

    Colab's TPU runtime ships JAX, not TensorFlow; TensorFlow installed from PyPI has no TPU
    support without ``libtpu``, so a TPU without it is reported in one line
    (:data:`TPU_RUNTIME_NOTE`) and the lesson runs on the CPU instead of failing.
    """
    import importlib.util

    import tensorflow as tf

    if not (os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
            or os.path.exists("/dev/accel0")):
        return None
    if os.path.exists("/dev/accel0") and importlib.util.find_spec("libtpu") is None:
        if not _NOTED:
            say(TPU_RUNTIME_NOTE)
            _NOTED.append(TPU_RUNTIME_NOTE)
        return None
    try:
        return tf.distribute.cluster_resolver.TPUClusterResolver()
    except (ValueError, RuntimeError):
        return None


def describe() -> str:
    """One line per device: CPU model and cores, each GPU with its compute capability, or TPU."""
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    lines = [f"CPU: {cpu}, {os.cpu_count()} cores; TensorFlow {tf.__version__}"]
    for i, gpu in enumerate(list_gpus()):
        cc = ".".join(map(str, gpu.compute_capability)) if gpu.compute_capability else "?"
        lines.append(f"GPU {i}: {gpu.name} (compute capability {cc})")
    if _find_tpu() is not None:
        lines.append("TPU: attached")
    if len(lines) == 1:
        lines.append("No GPU or TPU: training runs on the CPU (quick mode keeps it short).")
    return "\n".join(lines)


@dataclass(frozen=True)
class Cluster:
    """The machines of a multi-worker run, from ``TF_CONFIG``: worker addresses, and which
    one this process is (index 0 is the chief, which writes the checkpoints)."""

    workers: tuple[str, ...]
    index: int

    @property
    def is_chief(self) -> bool:
        return self.index == 0


_TF_CONFIG_EXAMPLE = ('TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                      '"task": {"type": "worker", "index": 0}}\'')


def cluster_from_env(environ=None) -> Cluster | None:
    """The cluster that ``TF_CONFIG`` names (tf.distribute's convention), or None without one.

    A malformed ``TF_CONFIG`` is an error that shows the expected form, not a silent
    single-machine run.
    """
    import json

    text = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
        workers = tuple(config["cluster"]["worker"])
        task = config.get("task", {})
        kind, index = task.get("type", "worker"), int(task.get("index", 0))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"TF_CONFIG cannot be read ({error!r}): it must be JSON such as "
                         f"{_TF_CONFIG_EXAMPLE}") from error
    if kind != "worker" or not 0 <= index < len(workers) or not workers:
        raise ValueError(f"TF_CONFIG's task {task} is not one of its {len(workers)} worker(s): "
                         f"use \"type\": \"worker\" and an index from 0 to "
                         f"{len(workers) - 1}, e.g. {_TF_CONFIG_EXAMPLE}")
    return Cluster(workers=workers, index=index)


def is_chief(environ=None) -> bool:
    """True unless this process is a multi-worker run's worker 1, 2, ... (see :class:`Cluster`)."""
    cluster = cluster_from_env(environ)
    return cluster is None or cluster.is_chief


def make_strategy(kind: str, devices: list[str] | None = None, tpu_resolver=None):
    """A ``tf.distribute`` strategy of ``kind`` (see :func:`choose_strategy_kind`).

    ``devices`` lets a mirrored strategy run over named devices, e.g. two virtual CPUs in tests.
    """
    import tensorflow as tf

    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(devices=devices)
    if kind == "multi_worker":  # reads TF_CONFIG; all-reduces gradients across the machines
        return tf.distribute.MultiWorkerMirroredStrategy()
    if kind == "tpu":
        resolver = tpu_resolver or tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown strategy kind {kind!r}; use 'default', 'mirrored', "
                     "'multi_worker' or 'tpu'.")


def setup(precision: str = "auto", xla="auto", verbose: bool = True, threads="auto"):
    """Prepare TensorFlow for this machine and return the distribution strategy.

    - GPU memory growth on, so TensorFlow does not grab all GPU memory at start;
    - grappler's remapper off (see the comment in the code: it fails on GAN training steps);
    - the Keras global dtype policy from :func:`choose_precision`;
    - XLA on or off from :func:`choose_jit` (read it back from ``last_setup.jit_compile``);
    - the default strategy, ``MirroredStrategy`` for several GPUs, ``TPUStrategy`` on a TPU,
      ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` names several workers (start the same
      script on each machine, each with its own ``task.index``; the README shows how);
    - TensorFlow's intra-op and inter-op threads from :func:`choose_threads` (``threads``:
      "auto" for TensorFlow's default, one per core in each pool, or ``(intra_op, inter_op)``);
      the line it prints says which.

    Call it once, early: memory growth can only be set before the GPUs are first used, and a
    multi-worker strategy must be made before TensorFlow runs anything.
    """
    global last_setup
    import keras
    import tensorflow as tf

    # Grappler's remapper cannot fuse a convolution with a LeakyReLU whose gradient a GAN step
    # also needs: it fails on every training step, logs an "E0000 ... remapper failed" error
    # each time one is traced, and the step runs unfused anyway. Off, it costs nothing there.
    tf.config.optimizer.set_experimental_options({"remapping": False})
    in_effect, thread_note = _apply_threads(choose_threads(threads))
    gpus = list_gpus()
    resolver = _find_tpu()
    device = "TPU" if resolver is not None else ("GPU" if gpus else "CPU")
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: growth can no longer be changed
            pass
    tpu = resolver is not None
    policy = choose_precision(gpus, tpu=tpu, requested=precision)
    keras.mixed_precision.set_global_policy(policy)
    jit = choose_jit(gpus, tpu=tpu, requested=xla)
    cluster = cluster_from_env()
    kind = choose_strategy_kind(len(gpus), tpu=tpu, workers=len(cluster.workers) if cluster else 1)
    strategy = make_strategy(kind, tpu_resolver=resolver)
    last_setup = SetupResult(precision=policy, jit_compile=jit, strategy_kind=kind,
                             replicas=strategy.num_replicas_in_sync, device=device,
                             threads=in_effect)
    if verbose:
        say(f"precision {policy}, XLA {'on' if jit else 'off'}, "
            f"strategy {kind} with {strategy.num_replicas_in_sync} replica(s)"
            + (f" on {len(cluster.workers)} workers (this is worker {cluster.index})"
               if kind == "multi_worker" else "")
            + f"{xla_note(gpus, xla)}; {_threads_text(in_effect)}{thread_note}.")
    return strategy


def choose_threads(requested="auto") -> tuple[int, int]:
    """TensorFlow's thread pools: ``(intra-op threads, inter-op threads)``, 0 for TensorFlow's
    own choice, which is one thread per core in each pool.

    Intra-op threads split one operation (a convolution, a matrix product) over the cores;
    inter-op threads run independent operations side by side. "auto" (and None) keep
    TensorFlow's default: on a 2-core CPU it trained lesson 3's pix2pix and class-conditional
    GAN fastest of the settings tried by ``bench/cpu_threads.py`` (bench/README.md, "CPU
    threads"): 1 inter-op thread was 19 % slower, 1 intra-op thread 15 %, one of each 37 %,
    more threads than cores 3-5 %. ``requested``: "auto", None or an explicit pair.
    """
    if requested is None or requested == "auto":
        return (0, 0)
    pair = tuple(requested) if isinstance(requested, (tuple, list)) else ()
    if len(pair) != 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 0
                             for n in pair):
        raise ValueError(f"threads={requested!r}: use 'auto' (TensorFlow's default: one thread "
                         "per core in each pool) or (intra_op, inter_op), two whole numbers "
                         ">= 0 (0: TensorFlow picks), e.g. (4, 2).")
    return pair


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _apply_threads(threads: tuple[int, int]) -> tuple[tuple[int, int], str]:
    """Set TensorFlow's thread pools, if it has not started yet; returns the pools in effect
    and a note when they could not be changed."""
    import tensorflow as tf

    current = (tf.config.threading.get_intra_op_parallelism_threads(),
               tf.config.threading.get_inter_op_parallelism_threads())
    if threads == current:
        return current, ""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads[0])
        tf.config.threading.set_inter_op_parallelism_threads(threads[1])
    except RuntimeError:  # TensorFlow has already run something: its pools are fixed
        return current, (" (TensorFlow had started, so its threads stay as they were; call "
                         "setup() first to change them)")
    return threads, ""


def _threads_text(threads: tuple[int, int]) -> str:
    if threads == (0, 0):
        return (f"threads: TensorFlow's default, {usable_cores()} intra-op and "
                f"{usable_cores()} inter-op (one per core)")
    intra, inter = (str(n) if n else f"{usable_cores()} (TensorFlow's default)" for n in threads)
    return f"threads: {intra} intra-op, {inter} inter-op"


def jit_compile_default() -> bool:
    """The XLA choice of the last :func:`setup` call (False before any)."""
    return bool(last_setup and last_setup.jit_compile)


@dataclass(frozen=True)
class ModelScale:
    """How big a lesson's networks and batches are on this device (see :func:`model_scale`).

    ``width`` sizes the generator (and every network of a lesson that has one width);
    ``d_width`` sizes a GAN's discriminator, equal to ``width`` unless the lesson gives its own.
    """

    width: float
    batch: int
    device: str
    accelerator_width: float
    d_width: float | None = None

    def __post_init__(self):
        if self.d_width is None:
            object.__setattr__(self, "d_width", self.width)

    def __str__(self) -> str:
        d = "" if self.d_width == self.width else f" (D {self.d_width:g})"
        other = ("" if self.device != "CPU" or self.width == self.accelerator_width
                 else f" (a GPU would use width {self.accelerator_width:g})")
        return f"{self.device}: width {self.width:g}{d}, batch {self.batch}{other}"


def scaled_filters(filters: int, width: float) -> int:
    """A layer's channel count at network ``width``: max(4, round(filters x width))."""
    return max(4, round(filters * width))


def choose_scale(device: str, cpu: tuple, accelerator: tuple) -> ModelScale:
    """``cpu`` and ``accelerator``: (width, batch) or (width, batch, d_width) for that device.

    ``d_width``, the discriminator's width, defaults to ``width``.
    """
    if device not in ("CPU", "GPU", "TPU"):
        raise ValueError(f"device={device!r}; use 'CPU', 'GPU' or 'TPU'.")
    for name, sizes in (("cpu", cpu), ("accelerator", accelerator)):
        if len(sizes) not in (2, 3):
            raise ValueError(f"{name}={sizes!r}; give (width, batch) or (width, batch, d_width).")
    width, batch, *rest = cpu if device == "CPU" else accelerator
    d_width = rest[0] if rest else width
    if not width > 0 or not d_width > 0 or int(batch) < 1:
        raise ValueError(f"width={width} and d_width={d_width} must be > 0 and batch={batch} "
                         ">= 1.")
    return ModelScale(width=float(width), batch=int(batch), device=device,
                      accelerator_width=float(accelerator[0]), d_width=float(d_width))


def model_scale(cpu: tuple = (0.25, 128), accelerator: tuple = (1.0, 128),
                verbose: bool = True) -> ModelScale:
    """The network width and batch size for the device :func:`setup` found.

    Every lesson sizes its models with this one call, so a laptop gets networks it can train
    well in the lesson's time budget and a GPU the full ones; quick mode changes only budgets,
    never the model. A third number in ``cpu`` or ``accelerator`` sizes a GAN's discriminator
    apart from its generator (``scale.d_width``). Prints the choice in one line, e.g.
    ``CPU: width 0.25, batch 128 (a GPU would use width 1)``.
    """
    device = last_setup.device if last_setup is not None else ("GPU" if list_gpus() else "CPU")
    scale = choose_scale(device, cpu, accelerator)
    if verbose:
        say(str(scale))
    return scale


def seconds_per_image(function, images, warmup: bool = True):
    """Run ``function`` on each image of a batch, one at a time, and time it on this machine:
    ``(outputs, seconds per image)``, outputs concatenated as a NumPy array.

    ``function`` maps a batch (1, ...) to a batch. With ``warmup`` the first image is run once
    before the clock starts, so tracing and memory set-up are not counted.
    """
    import time

    import numpy as np

    if len(images) == 0:
        raise ValueError("seconds_per_image needs at least one image.")
    if warmup:
        function(images[:1])
    start = time.perf_counter()
    outputs = [np.asarray(function(images[i:i + 1])) for i in range(len(images))]
    return np.concatenate(outputs), (time.perf_counter() - start) / len(images)
