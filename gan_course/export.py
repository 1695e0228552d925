"""Keep a trained generator and reuse it without the course's code.

:func:`export_generator` writes one folder::

    my_generator/
        generator.keras     # keras.saving.load_model("my_generator/generator.keras")
        saved_model/        # tf.saved_model.load("my_generator/saved_model"), signature "serve"
        generator.json      # its inputs (names, shapes, dtypes), output shape and range,
                            # and versions

Both files hold the same network in inference mode (BatchNorm uses its moving statistics,
dropout is off), so either gives the same images for the same inputs. The ``.keras`` file loads
with plain Keras when the network uses Keras's own layers (lessons 1 and 3); a network with the
course's layers (``gan_course.layers``, lessons 2, 4 and 5) needs ``import gan_course.layers``
first, since Keras rebuilds a layer from its registered class. The SavedModel needs neither
Keras nor the course: it is a TensorFlow graph.

The folder is written beside its final place and moved there whole, so an interrupted export
leaves the previous one intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from gan_course import gan_arguments
from gan_course.files import replace_folder

MANIFEST = "generator.json"
KERAS_FILE = "generator.keras"
SAVED_MODEL = "saved_model"
ENDPOINT = "serve"


def input_specs(model, latent_shape=None) -> list:
    """The model's inputs as ``tf.TensorSpec`` with a free batch size: from ``model.inputs``
    when it has them (a functional or Sequential model built with ``keras.Input``), else one
    float32 noise input of ``latent_shape``."""
    inputs = getattr(model, "inputs", None)
    try:
        inputs = list(inputs) if inputs else []
    except (AttributeError, ValueError):
        inputs = []
    if inputs:
        return [tf.TensorSpec((None, *tuple(x.shape)[1:]), x.dtype,
                              name=(getattr(x, "name", None) or f"input_{i}").split(":")[0])
                for i, x in enumerate(inputs)]
    if latent_shape is None:
        raise ValueError(f"Cannot tell what {model.name!r} takes: it has no keras.Input. Build "
                         "it with keras.Input(...), or pass latent_shape=(100,).")
    return [tf.TensorSpec((None, *tuple(latent_shape)), "float32", name="noise")]


def _serving_function(model, n_inputs: int):
    """model(x, training=False) taking its inputs as separate arguments."""
    if n_inputs == 1:
        return lambda x: model(x, training=False)
    return lambda *xs: model(list(xs), training=False)


def _write_saved_model(model, specs: list, folder: Path) -> None:
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(ENDPOINT, _serving_function(model, len(specs)), input_signature=specs)
    logger = tf.get_logger()  # SavedModel logs "INFO:tensorflow:Assets written to: <tmp>"
    level = logger.level
    logger.setLevel("WARNING")
    try:
        archive.write_out(str(folder), verbose=False)
    except TypeError:  # Keras releases whose write_out has no ``verbose``
        archive.write_out(str(folder))
    finally:
        logger.setLevel(level)


def export_generator(model, path: str | Path, *, latent_shape=None,
                     description: dict | None = None) -> Path:
    """Write ``model`` to the folder ``path`` as ``generator.keras``, a SavedModel in
    ``saved_model/`` with the signature ``serve`` (and ``serving_default``), and
    ``generator.json``; return the folder.

    ``latent_shape`` is used only for a model without ``keras.Input``; ``description`` (plain
    numbers and strings, e.g. the training step) is added to ``generator.json``, which also
    records ``output_range``, the range the images lie in (``[-1, 1]`` for a tanh generator,
    ``null`` for a linear output: :func:`gan_course.gan_arguments.output_range`).

    Reload::

        g = keras.saving.load_model("path/generator.keras")   # g(z, training=False)
        sm = tf.saved_model.load("path/saved_model")           # sm.serve(z)
    """
    path = Path(path)
    if path.suffix == ".keras":
        raise ValueError(f"export_generator writes a folder (the .keras file and a SavedModel "
                         f"go inside it); pass {str(path.with_suffix(''))!r}, not {str(path)!r}.")
    if path.exists() and not (path / MANIFEST).is_file():
        raise FileExistsError(f"{path} exists and is not an exported generator (it has no "
                              f"{MANIFEST}); export to a new folder, or remove it first.")
    specs = input_specs(model, latent_shape)
    output_range = gan_arguments.output_range(model)
    outputs = model(
        [tf.zeros([1, *s.shape[1:]], s.dtype) for s in specs] if len(specs) > 1
        else tf.zeros([1, *specs[0].shape[1:]], specs[0].dtype), training=False)
    record = {
        "inputs": [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype.name}
                   for s in specs],
        "output_shape": [None, *tuple(outputs.shape)[1:]],
        "output_dtype": outputs.dtype.name if hasattr(outputs.dtype, "name") else str(
            outputs.dtype),
        "output_range": None if output_range is None else list(output_range),
        "files": {"keras": KERAS_FILE, "saved_model": SAVED_MODEL, "endpoint": ENDPOINT},
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        **(description or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp's 0700 would hide the export from others
    try:
        model.save(staging / KERAS_FILE)
        _write_saved_model(model, specs, staging / SAVED_MODEL)
        (staging / MANIFEST).write_text(json.dumps(record, indent=2) + "\n")
        replace_folder(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path
