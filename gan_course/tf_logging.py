"""Keep TensorFlow's routine start-up log lines out of the lessons, and let real problems show.

Importing TensorFlow 2.19-2.21 prints lines such as ``I0000 ... port.cc] oneDNN custom
operations are on``, ``Could not find cuda drivers on your machine``, ``This TensorFlow binary
is optimized to use available CPU instructions``, and, on a machine without a GPU driver,
``E0000 ... failed call to cuInit``. They are written before absl's logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` does not hide them, and a notebook shows them in red, like failures.

:func:`import_tensorflow_quietly` imports TensorFlow with the process's standard error (file
descriptor 2, where the C++ code writes) sent to a temporary file, then writes back every line
that is not one of the known, harmless start-up lines in :data:`STARTUP_NOISE`. Anything else,
a real error or warning included, still reaches the learner. ``import gan_course`` calls it, so
a notebook that imports ``gan_course`` before ``keras`` or ``tensorflow`` starts quietly.

It also sets ``TF_CPP_MIN_LOG_LEVEL=2`` (hide C++ INFO and WARNING lines, keep errors) unless the
learner has set a level of their own, and hides one Python warning that is not the learner's
business: tensorflow-hub 0.16 imports ``pkg_resources``, which setuptools 80 and 81 announce as
deprecated each time (:data:`HARMLESS_WARNINGS`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import warnings

#: Start-up lines that say nothing is wrong: what each one means is in the comment beside it.
#: Matched anywhere in a line, since TensorFlow 2.19 and 2.21 prefix them differently.
STARTUP_NOISE = tuple(re.compile(p) for p in (
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"port\.cc:\d+\] oneDNN custom operations are on",  # CPU kernels from oneDNN
    r"cudart_stub\.cc:\d+\] Could not find cuda drivers",  # no GPU: the CPU is used
    r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized",  # CPU flags ...
    r"^To enable the following instructions: .* rebuild TensorFlow",  # ... same message
    r"cuda_platform\.cc:\d+\] failed call to cuInit",  # a CUDA build on a machine without GPU
    r"gpu_device\.cc:\d+\] Cannot dlopen some GPU libraries",  # the same
    r"cuda_(fft|dnn|blas)\.cc:\d+\] Unable to register cu(FFT|DNN|BLAS) factory",  # TF 2.19:
    r"computation_placer\.cc:\d+\] computation placer already registered",  # double start
    r"^W0000 00:00:.*\] All log messages before absl::InitializeLog",
))

#: (message regex, category) of Python warnings that dependencies raise on every import.
HARMLESS_WARNINGS = (
    (r"pkg_resources is deprecated as an API", UserWarning),  # tensorflow-hub's own import
)


def is_startup_noise(line: str) -> bool:
    """True for a line of :data:`STARTUP_NOISE`."""
    return any(pattern.search(line) for pattern in STARTUP_NOISE)


def keep_real_lines(text: str) -> str:
    """``text`` without its start-up noise lines (every other line kept, in order)."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not is_startup_noise(line))


def _import_with_stderr_captured() -> str:
    """Import TensorFlow and Keras and probe the devices with file descriptor 2 sent to a
    temporary file; returns what was written there."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow as tf

            tf.config.list_physical_devices()  # the GPU probe prints at first use, not import
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        return capture.read().decode("utf-8", errors="replace")


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (and Keras) and list its devices with the start-up noise filtered out.

    Does nothing when TensorFlow is already imported: its lines were printed then. Sets
    ``TF_CPP_MIN_LOG_LEVEL=2`` first unless it is set already.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for message, category in HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    if "tensorflow" in sys.modules:
        return
    try:
        text = _import_with_stderr_captured()
    except OSError:  # no usable file descriptor 2 (some embedded interpreters): import plainly
        import tensorflow  # noqa: F401

        return
    kept = keep_real_lines(text)
    if kept:
        sys.stderr.write(kept)
        sys.stderr.flush()


class _NoRetracingWarning(logging.Filter):
    """Drops TensorFlow's "... calls to <function> triggered tf.function retracing" warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def no_retracing_warning():
    """Within the block, TensorFlow's "frequent retracing" warning is filtered out of its Python
    logger; every other record passes. ``GAN.fit`` trains inside it: each GAN compiles its own
    step and traces it once per input shape, but TensorFlow counts traces per code object across
    models, so a cell that trains several small GANs in a loop would print a warning that does
    not apply to it."""
    tf_logger, quiet = logging.getLogger("tensorflow"), _NoRetracingWarning()
    tf_logger.addFilter(quiet)
    try:
        yield
    finally:
        tf_logger.removeFilter(quiet)
