"""Frozen feature extractors: the shipped Fashion-MNIST classifier and ImageNet InceptionV3.

Metrics compare images through networks that are never trained here: the course's small
Fashion-MNIST classifier (its 128-d ``features`` layer gives the offline FD and KID, its logits
the class histograms) and InceptionV3 (the FID of the literature). This module builds and loads
them, the same way for each:

- **One cache.** :func:`cached` keeps each loaded model once per process, under a name
  (``"inception_v3"``, ``"fashion_mnist_classifier:<path>"``); :func:`clear_cache` empties it.
- **One message format** for a model that cannot be had, :func:`unavailable_message`:
  what is missing, why, and what to do (restore or rebuild a file, go online once, or use the
  offline alternative).
- **Weights from the internet** go through :func:`load_pretrained`, with a
  :class:`PretrainedWeights` record (file name, size, offline alternative): it refuses to
  download with ``GAN_COURSE_OFFLINE=1`` unless the file is already in ``~/.keras/models`` and
  turns a failed download into one clear ``RuntimeError``.

The shipped classifier is stored as plain arrays, ``data/fashion_mnist_classifier.weights.npz``,
and rebuilt by :func:`build_fashion_mnist_classifier`: a ``.keras`` file saved by one Keras
version may not load in another (Keras 3.8 cannot read 3.15's initializer configs), plain
arrays load everywhere. The file holds one array per weight, keyed ``"<layer name>/<index>"``
in the builder's layer order, index as in ``layer.get_weights()`` (0 = kernel, 1 = bias), e.g.
``conv1a/0`` (3, 3, 1, 32) ... ``logits/1`` (10,).

Adding an extractor (lesson 4's VGG-19): a :class:`PretrainedWeights` record (``VGG19``,
``"vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"``, about 80 MB, its offline
alternative), a ``_build_vgg19()`` that calls ``keras.applications.VGG19(include_top=False,
weights="imagenet")`` inside :func:`gan_course.data.download_timeout`, ``load_vgg19() =
load_pretrained(VGG19, _build_vgg19)``, and a multi-output model of the chosen layers kept with
:func:`cached`. Metrics and losses then call ``features.load_vgg19()``.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_course import settings

# Loaded models, so each is read from disk (or the network) once per process.
_CACHE: dict[str, object] = {}


def cached(key: str, build):
    """The object cached under ``key``, made by ``build()`` on first use (one per process)."""
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def clear_cache() -> None:
    """Forget every loaded model (the next call loads it again)."""
    _CACHE.clear()


def unavailable_message(what: str, problem: str, fix: str) -> str:
    """The one format for a model that cannot be loaded: ``"<what> <problem>. <fix>"``."""
    return f"{what} {problem}. {fix}"


# --------------------------------------------------------------------------- the classifier

CLASSIFIER_WEIGHTS_FILE = "fashion_mnist_classifier.weights.npz"
#: Name of the classifier layer whose activations FD and KID compare.
FEATURE_LAYER = "features"
CLASSIFIER_REBUILD_HINT = (
    "Restore the file with `git checkout data/`, convert a trained model with "
    "`python tools/train_fashion_mnist_classifier.py --from-keras PATH.keras`, or retrain it "
    "with `python tools/train_fashion_mnist_classifier.py` (about 6 minutes on 2 CPU cores).")


def build_fashion_mnist_classifier(feature_dim: int = 128):
    """The course's Fashion-MNIST classifier, untrained: (N, 28, 28, 1) in [-1, 1] -> 10 logits.

    Two blocks of two 3x3 ReLU convolutions and a 2x2 max-pool (32, then 64 filters), then
    dropout 0.3, the ``features`` layer (Dense ``feature_dim``, ReLU; FD and KID compare its
    activations), dropout 0.4 and the ``logits`` layer (Dense 10). Layers have fixed names, so
    the weight file's keys do not depend on what else was built in the session.
    """
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for block, filters in ((1, 32), (2, 64)):
        x = layers.Conv2D(filters, 3, activation="relu", name=f"conv{block}a")(x)
        x = layers.Conv2D(filters, 3, activation="relu", name=f"conv{block}b")(x)
        x = layers.MaxPooling2D(name=f"pool{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout_flat")(x)
    x = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(x)
    x = layers.Dropout(0.4, name="dropout_features")(x)
    logits = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, logits, name="fashion_mnist_classifier")


def classifier_weight_arrays(model) -> dict[str, np.ndarray]:
    """A model's weights as ``{"<layer name>/<index>": float32 array}``, in layer order."""
    return {f"{layer.name}/{index}": np.asarray(weight, np.float32)
            for layer in model.layers for index, weight in enumerate(layer.get_weights())}


def save_fashion_mnist_classifier_weights(model, path: str | Path) -> Path:
    """Write a classifier's weights as an ``.npz`` that :func:`load_fashion_mnist_classifier`
    reads: keys as in :func:`classifier_weight_arrays`, uncompressed, with fixed zip time
    stamps, so the same weights always give the same file (and sha256)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for key, array in classifier_weight_arrays(model).items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)),
                             buffer.getvalue())
    return path


def _read_weight_file(path: Path) -> dict[str, np.ndarray]:
    what = f"The Fashion-MNIST classifier's weights {path}"
    if not path.is_file():
        raise FileNotFoundError(unavailable_message(what, "are missing", CLASSIFIER_REBUILD_HINT))
    if path.suffix == ".keras":
        raise ValueError(unavailable_message(
            what, "are a whole .keras model, which may not load on another Keras version",
            "Convert it to the weights file the course reads with `python "
            f"tools/train_fashion_mnist_classifier.py --from-keras {path}`"))
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except Exception as error:  # zip, header and pickle errors all mean: not a readable npz
        problem = f"are unreadable or corrupt ({type(error).__name__}: {error})"
        raise ValueError(unavailable_message(what, problem, CLASSIFIER_REBUILD_HINT)) from error


def _set_weights_checked(model, arrays: dict[str, np.ndarray], path: Path) -> None:
    """Give each layer its arrays, after checking that keys and shapes all match the model."""
    expected = {f"{layer.name}/{index}": tuple(weight.shape)
                for layer in model.layers for index, weight in enumerate(layer.weights)}
    problems = [f"{key} is missing" for key in expected if key not in arrays]
    problems += [f"unexpected array {key}" for key in arrays if key not in expected]
    problems += [f"{key} has shape {arrays[key].shape}, the builder's is {shape}"
                 for key, shape in expected.items()
                 if key in arrays and tuple(arrays[key].shape) != shape]
    if problems:
        listed = "; ".join(problems[:4]) + ("; ..." if len(problems) > 4 else "")
        raise ValueError(unavailable_message(
            f"The Fashion-MNIST classifier's weights {path}",
            "do not match the model that gan_course.features.build_fashion_mnist_classifier() "
            f"builds ({listed})", CLASSIFIER_REBUILD_HINT))
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([arrays[f"{layer.name}/{index}"]
                               for index in range(len(layer.weights))])


def _classifier_path(path: str | Path | None) -> Path:
    return Path(path) if path is not None else settings.data_dir() / CLASSIFIER_WEIGHTS_FILE


def load_fashion_mnist_classifier(path: str | Path | None = None):
    """The shipped classifier: :func:`build_fashion_mnist_classifier` with the trained weights
    from ``data/fashion_mnist_classifier.weights.npz`` (or ``path``), cached per process.

    float32 (N, 28, 28, 1) in [-1, 1] -> 10 logits (classes in
    :data:`gan_course.data.FASHION_MNIST_CLASSES`); about 92 % test accuracy (see
    ``data/fashion_mnist_classifier.json``). Raises ``FileNotFoundError`` when the file is
    missing and ``ValueError`` when it is unreadable or does not match the builder, each saying
    how to restore or rebuild it.
    """
    path = _classifier_path(path)
    key = f"fashion_mnist_classifier:{path.resolve()}"
    if key in _CACHE:
        return _CACHE[key]
    arrays = _read_weight_file(path)  # before building: a missing file should not cost a model

    def build():
        model = build_fashion_mnist_classifier()
        _set_weights_checked(model, arrays, path)
        model.trainable = False
        return model

    return cached(key, build)


def fashion_mnist_feature_model(path: str | Path | None = None):
    """The shipped classifier cut at its ``features`` layer: (N, 28, 28, 1) -> (N, 128)."""
    path = _classifier_path(path)

    def build():
        import keras

        classifier = load_fashion_mnist_classifier(path)
        return keras.Model(classifier.input, classifier.get_layer(FEATURE_LAYER).output,
                           name="fashion_mnist_features")

    return cached(f"fashion_mnist_features:{path.resolve()}", build)


# --------------------------------------------------------------------------- internet weights


@dataclass(frozen=True)
class PretrainedWeights:
    """What :func:`load_pretrained` needs to say about weights that Keras downloads."""

    name: str  #: e.g. "InceptionV3"
    weights_file: str  #: the file keras.applications stores in ~/.keras/models
    megabytes: int
    offline_alternative: str  #: what to use instead without internet


INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_V3 = PretrainedWeights(
    "InceptionV3", INCEPTION_WEIGHTS_FILE, 87,
    "offline use gan_course.metrics.fashion_mnist_fd (and fashion_mnist_kid), which use the "
    "classifier shipped in data/")


def keras_weights_cached(weights_file: str) -> bool:
    """True when Keras already has ``weights_file`` on disk (no download needed)."""
    try:
        from keras.src.backend.config import keras_home  # private, but where get_file looks

        home = keras_home()
    except ImportError:
        home = os.environ.get("KERAS_HOME", Path.home() / ".keras")
    return (Path(home).expanduser() / "models" / weights_file).is_file()


def load_pretrained(weights: PretrainedWeights, build):
    """``build()`` once per process (cached under ``weights.name``), for a model whose weights
    Keras downloads on first use.

    Raises ``RuntimeError`` in the :func:`unavailable_message` format when the weights cannot
    be had: with ``GAN_COURSE_OFFLINE=1`` (unless already cached) or when the download fails.
    """
    what = (f"{weights.name} needs its ImageNet weights ({weights.weights_file}, about "
            f"{weights.megabytes} MB),")
    fix = (f"Run it once with internet access (the file is then cached in ~/.keras/models), "
           f"or {weights.offline_alternative}.")

    def checked_build():
        if settings.offline_mode() and not keras_weights_cached(weights.weights_file):
            raise RuntimeError(unavailable_message(
                what, "which are downloaded from the internet on first use, and "
                "GAN_COURSE_OFFLINE=1 forbids the download", fix))
        try:
            return build()
        except Exception as error:  # a failed download surfaces as many exception types
            text = str(error).replace("\n", " ")[:300]
            raise RuntimeError(unavailable_message(
                what, "which are downloaded from the internet on first use, and they could "
                f"not be loaded ({type(error).__name__}: {text})", fix)) from error

    return cached(weights.name, checked_build)


def _build_inception():
    """keras.applications.InceptionV3 without its classifier: (B, 299, 299, 3) -> (B, 2048)."""
    import keras

    from gan_course.data import download_timeout

    with download_timeout():
        return keras.applications.InceptionV3(include_top=False, pooling="avg",
                                              weights="imagenet", input_shape=(299, 299, 3))


def load_inception_model():
    """The ImageNet InceptionV3 feature extractor for FID (float32 (B, 299, 299, 3) in [-1, 1]
    -> (B, 2048)), cached; ``RuntimeError`` with advice when its weights cannot be had."""
    return load_pretrained(INCEPTION_V3, _build_inception)
