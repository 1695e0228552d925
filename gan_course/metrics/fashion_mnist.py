"""Fashion-MNIST metrics through the shipped classifier: offline FD / KID, class histograms,
mode coverage, recognisable classes, and conditional accuracy (does a conditional generator
draw the class it was asked for?).

The classifier (:func:`gan_course.features.load_fashion_mnist_classifier`) was trained on real
Fashion-MNIST; its 128-d ``features`` layer stands in for InceptionV3 in FD and KID, and its
predictions label each sample. Images: uint8 in [0, 255], or float in ``value_range`` (default
[-1, 1], a tanh generator's output), shape (N, 28, 28) or (N, 28, 28, 1).
"""

from __future__ import annotations

import warnings

import numpy as np

from gan_course import features as extractors
from gan_course import image_ops, settings, shipped
from gan_course.metrics.distances import feature_statistics, frechet_distance, kernel_distance

load_fashion_mnist_classifier = extractors.load_fashion_mnist_classifier


def as_model_input(images, value_range=image_ops.SIGNED) -> np.ndarray:
    """Fashion-MNIST-sized images -> float32 (N, 28, 28, 1) in [-1, 1], the classifier's input.

    Accepts a NumPy array or a TensorFlow tensor of shape (N, 28, 28) or (N, 28, 28, 1) that is
    uint8 in [0, 255] (mapped with ``x / 127.5 - 1``) or float in ``value_range`` (default
    [-1, 1]; images in [0, 1]: ``value_range=(0, 1)``), checked by
    :func:`gan_course.image_ops.check_images`. Read as [-1, 1], a float batch with no negative
    value at all gets a warning: real Fashion-MNIST, with its black background at -1, always has
    some, so such a batch is probably in [0, 1].
    """
    name = "Fashion-MNIST images"
    array = image_ops.check_images(images, name, value_range=value_range, channels=(1,),
                                   size=(28, 28))
    if array.dtype != np.uint8 and tuple(image_ops.check_value_range(value_range)) \
            == image_ops.SIGNED and float(array.min()) >= 0:
        warnings.warn("These float images have no negative values. They are read as [-1, 1]; "
                      "if they are in [0, 1], pass value_range=(0, 1).", stacklevel=2)
    return image_ops.to_signed(array, value_range, name=name)


def _run_in_batches(model, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    outputs = [np.asarray(model(inputs[i:i + batch_size], training=False))
               for i in range(0, len(inputs), batch_size)]
    return np.concatenate(outputs).astype(np.float32)


def fashion_mnist_features(images, batch_size: int = 500,
                           value_range=image_ops.SIGNED) -> np.ndarray:
    """Activations of the shipped classifier's ``features`` layer: float32 (N, 128).

    ``images``: uint8 in [0, 255] or float in ``value_range``, shape (N, 28, 28[, 1]) (see
    :func:`as_model_input`).
    """
    inputs = as_model_input(images, value_range)
    return _run_in_batches(extractors.fashion_mnist_feature_model(), inputs, batch_size)


def fashion_mnist_fd(images_a, images_b, value_range=image_ops.SIGNED) -> float:
    """Fréchet distance between two Fashion-MNIST image sets, in the shipped classifier's features.

    The offline FID of this course: :func:`frechet_distance` of :func:`feature_statistics` of
    :func:`fashion_mnist_features`. Images: uint8 in [0, 255] or float in ``value_range``, (N,
    28, 28[, 1]). FD shrinks as N grows even between identical distributions, so compare values
    computed with the same numbers of images (1,000 or more each; the covariance is 128 x 128).

    Scale, measured with 1,000 vs 1,000 images: real train vs real test images about 1.5; real
    images of only three classes about 100; anything that is not clothing (uniform noise, an
    untrained generator's grey blobs, even real images of a single class) about 150 to 300.
    The features were trained to tell clothes apart, so at that end the value is saturated:
    it says "far from Fashion-MNIST", and the ranking among such sets means little.
    """
    stats_a = feature_statistics(fashion_mnist_features(images_a, value_range=value_range))
    stats_b = feature_statistics(fashion_mnist_features(images_b, value_range=value_range))
    return frechet_distance(*stats_a, *stats_b)


def fashion_mnist_kid(images_a, images_b, value_range=image_ops.SIGNED,
                      **kwargs) -> tuple[float, float]:
    """Kernel distance ``(mean, std)`` between two Fashion-MNIST image sets (the offline KID).

    :func:`kernel_distance` of :func:`fashion_mnist_features`; ``kwargs`` go to
    :func:`kernel_distance` (``subsets``, ``subset_size``, ``seed``). Images: uint8 in [0, 255]
    or float in ``value_range``.
    """
    return kernel_distance(fashion_mnist_features(images_a, value_range=value_range),
                           fashion_mnist_features(images_b, value_range=value_range), **kwargs)


def _logits(images, batch_size: int, value_range) -> np.ndarray:
    return _run_in_batches(extractors.load_fashion_mnist_classifier(),
                           as_model_input(images, value_range),
                           batch_size)


def classify(images, batch_size: int = 500, value_range=image_ops.SIGNED) -> np.ndarray:
    """The shipped classifier's predicted labels (int64, 0..9) for uint8 [0, 255] or float
    (``value_range``) Fashion-MNIST images (N, 28, 28[, 1])."""
    return _logits(images, batch_size, value_range).argmax(axis=1).astype(np.int64)


def class_histogram(images, value_range=image_ops.SIGNED) -> np.ndarray:
    """How many of ``images`` the classifier puts in each class: int64 counts of shape (10,).

    A healthy generator spreads its samples over all ten classes about evenly (real data: 10 %
    each); a mode-collapsed one piles them into a few bars. Images: uint8 [0, 255] or float in
    ``value_range``.
    """
    return np.bincount(classify(images, value_range=value_range), minlength=10).astype(np.int64)


def mode_coverage(images, min_share: float = 0.02, value_range=image_ops.SIGNED) -> int:
    """Number of classes (0 to 10) that receive at least ``min_share`` of the samples.

    From :func:`class_histogram`: 10 for real data (each class holds about 10 %), 1 for a
    generator that always draws the same thing. ``min_share`` ignores classes that get only the
    odd stray sample; 0.02 is a fifth of a class's fair share.
    """
    _check_min_share(min_share)
    counts = class_histogram(images, value_range)
    return _classes_with_share(counts / counts.sum(), min_share)


def _check_min_share(min_share: float) -> None:
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}.")


def _classes_with_share(shares: np.ndarray, min_share: float) -> int:
    """How many of the per-class ``shares`` reach ``min_share``."""
    return int(np.sum(shares >= min_share))


def class_probabilities(images, batch_size: int = 500,
                        value_range=image_ops.SIGNED) -> np.ndarray:
    """The shipped classifier's softmax probabilities, float64 (N, 10), for uint8 [0, 255] or
    float (``value_range``) Fashion-MNIST images: p_k = exp(l_k) / sum_j exp(l_j) of the
    logits l."""
    from scipy.special import softmax

    return softmax(_logits(images, batch_size, value_range).astype(np.float64), axis=1)


def recognised_shares(images, confidence: float = 0.9,
                      value_range=image_ops.SIGNED) -> np.ndarray:
    """Per class, the share of ``images`` that the classifier puts there with probability of at
    least ``confidence``: float64 (10,), summing to at most 1.

    "Recognisable clothes in every class" made measurable: a sample counts for class k only if
    the classifier is sure of it (max_k p_k >= ``confidence``). Blurry or ambiguous samples count
    for no class. Real test images put about 8-10 % in each class at 0.9, less for shirts, which
    the classifier confuses with T-shirts and pullovers.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    probabilities = class_probabilities(images, value_range=value_range)
    sure = probabilities.max(axis=1) >= confidence
    counts = np.bincount(probabilities.argmax(axis=1)[sure], minlength=10)
    return counts / len(probabilities)


def recognised_classes(images, confidence: float = 0.9, min_share: float = 0.01,
                       value_range=image_ops.SIGNED) -> int:
    """Number of classes (0 to 10) whose confidently recognised samples (see
    :func:`recognised_shares`) make up at least ``min_share`` of all samples.

    Real test images score 10 (shirts, the hardest class, at about 2.4 %); uniform noise 0;
    real images blurred with a Gaussian of sigma 1.5 pixels about 6.
    """
    _check_min_share(min_share)
    return _classes_with_share(recognised_shares(images, confidence, value_range), min_share)


def _requested_classes(labels, n: int) -> np.ndarray:
    """``labels`` checked as n class indices 0..9: int64 (n,). (N, 1) is flattened."""
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 2 and array.shape[1] == 10:
        raise ValueError(f"labels have shape {array.shape}, which looks one-hot: pass the class "
                         "indices, labels.argmax(axis=1).")
    if array.ndim != 1:
        raise ValueError(f"labels must be one class index per image, shape (N,), got shape "
                         f"{array.shape}.")
    if len(array) != n:
        raise ValueError(f"{n} images but {len(array)} labels: pass the label each image was "
                         "generated for.")
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer)
                                   or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"labels have dtype {array.dtype}; pass integer class indices 0..9.")
    if np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array)):
        raise ValueError("labels must be whole numbers 0..9 (class indices), got fractions.")
    if array.size and (array.min() < 0 or array.max() > 9):
        raise ValueError(f"labels must be class indices in 0..9, got values from {array.min()} "
                         f"to {array.max()}.")
    return array.astype(np.int64)


def _requested_and_hits(images, labels, value_range, batch_size: int):
    inputs = as_model_input(images, value_range)
    requested = _requested_classes(labels, len(inputs))
    predicted = _run_in_batches(extractors.load_fashion_mnist_classifier(), inputs,
                                batch_size).argmax(axis=1)
    return requested, predicted == requested


def conditional_accuracy(images, labels, value_range=image_ops.SIGNED,
                         batch_size: int = 500) -> float:
    """Does a conditional generator draw what it was asked for? The share of ``images`` that the
    shipped classifier puts in the requested class: ``mean_i [classify(x_i) == y_i]``.

    ``labels``: the class index 0..9 each image was generated for, shape (N,) (or (N, 1)).
    Images: uint8 in [0, 255] or float in ``value_range`` (default [-1, 1]), (N, 28, 28[, 1]).
    The ceiling is the classifier's own accuracy on real test images with their true labels,
    about 0.91; ignoring the label scores about 0.1 (chance). Raises ``ValueError`` if the
    lengths differ or a label is outside 0..9.
    """
    _, hits = _requested_and_hits(images, labels, value_range, batch_size)
    return float(hits.mean())


def conditional_accuracy_per_class(images, labels, value_range=image_ops.SIGNED,
                                   batch_size: int = 500) -> np.ndarray:
    """:func:`conditional_accuracy` per requested class: float64 (10,), entry k is the share of
    the images generated for class k that the classifier puts in class k; NaN for a class that
    no label requests.

    For the per-class table. The ceiling differs by class: real embedded test images with their
    true labels reach 0.96-0.99 for trousers, sandals, sneakers, bags and ankle boots, 0.87-0.92
    for T-shirts, pullovers, dresses and coats, and only 0.69 for shirts, which the classifier
    confuses with T-shirts and pullovers; so compare a generator's row with the real images'.
    """
    requested, hits = _requested_and_hits(images, labels, value_range, batch_size)
    asked = np.bincount(requested, minlength=10)
    correct = np.bincount(requested, weights=hits, minlength=10)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(asked > 0, correct / np.maximum(asked, 1), np.nan)


#: :func:`fashion_mnist_fd_per_class` leaves out (NaN) a class with fewer images than this: a
#: Gaussian fitted to a handful of 128-d features is noise, not a distance.
FD_MIN_PER_CLASS = 50


def fashion_mnist_fd_per_class(images, labels, real, real_labels,
                               value_range=image_ops.SIGNED,
                               min_samples: int = FD_MIN_PER_CLASS) -> np.ndarray:
    """:func:`fashion_mnist_fd` class by class: float64 (10,), entry k is the FD between the
    ``images`` with label k and the ``real`` images with label k; NaN where either set has fewer
    than ``min_samples`` images (default :data:`FD_MIN_PER_CLASS`).

    ``labels`` are the classes the images were generated for (a conditional GAN), or, for an
    unconditional one, the classes :func:`classify` puts them in. A generator that draws every
    class, each like the real ones, has every entry low. Use the same numbers of images per
    class when comparing generators (FD shrinks with more images; 200 or more per class).
    """
    features = fashion_mnist_features(images, value_range=value_range)
    real_features = fashion_mnist_features(real, value_range=value_range)
    requested = _requested_classes(labels, len(features))
    real_requested = _requested_classes(real_labels, len(real_features))
    result = np.full(10, np.nan)
    for k in range(10):
        mine, theirs = features[requested == k], real_features[real_requested == k]
        if len(mine) >= max(2, min_samples) and len(theirs) >= max(2, min_samples):
            result[k] = frechet_distance(*feature_statistics(mine), *feature_statistics(theirs))
    return result


# --------------------------------------------------------------------------- a second judge

#: A second Fashion-MNIST classifier, to judge what the course classifier steered (lesson 5):
#: another architecture (:func:`build_judge_classifier`) trained on another split, the npm test
#: part, by ``tools/train_fashion_mnist_judge.py`` (its record holds its accuracy per class).
JUDGE_FILE = "fashion_mnist_judge.npz"


def build_judge_classifier(width: int = 32):
    """The judge, untrained: (N, 28, 28, 1) in [-1, 1] -> 10 logits.

    Three stages of [Conv 5x5 (stride 2 after the first) -> BatchNorm -> ReLU] with ``width``,
    2 ``width`` and 4 ``width`` filters, global average pooling, Dense 10. Unlike the course
    classifier (3x3 convolutions, max-pooling, a dense ``features`` layer, dropout), it
    normalises its batches and pools over space, so it fails in other ways.
    """
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="image")
    x = inputs
    for stage, (filters, stride) in enumerate(((width, 1), (2 * width, 2), (4 * width, 2))):
        x = layers.Conv2D(filters, 5, strides=stride, padding="same", use_bias=False,
                          name=f"conv{stage}")(x)
        x = layers.BatchNormalization(name=f"norm{stage}")(x)
        x = layers.ReLU(name=f"relu{stage}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, layers.Dense(10, name="logits")(x), name="fashion_mnist_judge")


def load_judge_classifier():
    """The shipped judge (``data/fashion_mnist_judge.npz``) and its record: ``(model,
    record)``, cached per process. The record's ``accuracy_per_class`` is measured on the npm
    train part, which the judge never saw."""
    def build():
        models, record = shipped.load_model_weights(
            settings.data_dir() / JUDGE_FILE,
            lambda r: {"judge": build_judge_classifier(int(r["width"]))},
            fix="restore it (git checkout data/) or retrain it (python "
                "tools/train_fashion_mnist_judge.py)")
        models["judge"].trainable = False
        return models["judge"], record

    return extractors.cached("fashion_mnist_judge", build)


def judge_logits(images, batch_size: int = 500, value_range=image_ops.SIGNED) -> np.ndarray:
    """The judge's logits, float32 (N, 10), for images as :func:`as_model_input` takes them."""
    return _run_in_batches(load_judge_classifier()[0], as_model_input(images, value_range),
                           batch_size)
