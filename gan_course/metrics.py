"""How good are the samples? Distances between image sets, mode coverage and memorisation.

A GAN has no loss that says "the images are good", so the course measures its samples against
real images:

- **Fréchet distance (FD)** between Gaussians fitted to features of two image sets, and the
  **kernel distance** (an unbiased MMD estimate) between the same features. With ImageNet
  InceptionV3 features these are the FID and KID of the literature (:func:`inception_fid`, needs
  internet once for the weights). Offline and for Fashion-MNIST, the course uses the 128-d
  ``features`` layer of a small classifier shipped in ``data/`` (:func:`fashion_mnist_fd`,
  :func:`fashion_mnist_kid`). Lower is better; the numbers are only comparable between runs that
  use the same feature extractor and the same number of images.
- **Class histograms** (:func:`class_histogram`, :func:`mode_coverage`): the shipped classifier
  labels each sample; a generator that has collapsed onto a few modes fills few classes.
- **Memorisation** (:func:`nearest_neighbours`, :func:`memorisation_check`): are the samples
  closer to training images than unseen real images are?

The maths is in small pure functions (:func:`frechet_distance`, :func:`feature_statistics`,
:func:`kernel_distance`) that take NumPy arrays; the rest wires them to feature extractors.

Image inputs follow one convention: **uint8 in [0, 255]** (as loaded by
:func:`gan_course.data.load_fashion_mnist`) or **float in [-1, 1]** (what a tanh generator
emits). Float images in [0, 1] must be rescaled first with ``x * 2 - 1`` (only
:func:`inception_fid` also accepts them).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from gan_course import settings

CLASSIFIER_FILE = "fashion_mnist_classifier.keras"
#: Name of the classifier layer whose activations FD and KID compare.
FEATURE_LAYER = "features"
REBUILD_HINT = ("Restore it with `git checkout data/` or rebuild it with "
                "`python tools/train_fashion_mnist_classifier.py` (about 5 minutes on a CPU).")
#: The file keras.applications.InceptionV3(include_top=False) downloads (about 87 MB).
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
# Loaded models, so that each is read from disk (or the network) once per process.
_CLASSIFIERS: dict[str, object] = {}
_FEATURE_MODELS: dict[str, object] = {}
_INCEPTION: dict[str, object] = {}


# --------------------------------------------------------------------------- the maths


def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of a feature set: ``mu = mean_i f_i``, ``sigma = cov(f)``.

    ``features`` has shape (N, D) with N >= 2; returns ``mu`` (D,) and ``sigma`` (D, D) in
    float64, with the unbiased (N - 1) covariance.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"feature_statistics expects features of shape (N, D) with N >= 2, got "
                         f"{features.shape}.")
    mu = features.mean(axis=0)
    sigma = np.atleast_2d(np.cov(features, rowvar=False))
    return mu, sigma


def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """Squared Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``

    FID is this number computed on InceptionV3 features (a squared distance: no square root is
    taken). The matrix square root comes from ``scipy.linalg.sqrtm``. When the product is
    singular (fewer samples than dimensions, dead ReLU features) the root is inaccurate or
    complex; then ``eps`` is added to both diagonals and it is recomputed, which changes the
    result by about ``2 D eps``. Tiny imaginary parts left by round-off are dropped and round-off
    below zero is clipped, so the result is a float >= 0. Scalars are accepted for 1-D Gaussians
    (``sigma`` is then the variance).
    """
    from scipy import linalg

    mu1 = np.atleast_1d(np.asarray(mu1, np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    dim = mu1.shape[-1]
    if mu1.shape != (dim,) or mu2.shape != (dim,) or sigma1.shape != (dim, dim) \
            or sigma2.shape != (dim, dim):
        raise ValueError(f"frechet_distance needs means of shape (D,) and covariances of shape "
                         f"(D, D) for one D; got {mu1.shape}, {sigma1.shape}, {mu2.shape}, "
                         f"{sigma2.shape}.")

    def root_trace(a, b):
        """Tr((a b)^(1/2)), and whether the root is trustworthy: not from a singular
        product, finite, and real up to round-off."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", linalg.LinAlgWarning)
            root = linalg.sqrtm(a @ b)
        singular = any(issubclass(w.category, linalg.LinAlgWarning) for w in caught)
        if singular or not np.all(np.isfinite(root)):
            return 0.0, False
        tolerance = 1e-3 * max(1.0, float(np.abs(root.real).max()))
        usable = not np.iscomplexobj(root) or float(np.abs(root.imag).max()) < tolerance
        return float(np.trace(root.real)), usable

    trace_root, ok = root_trace(sigma1, sigma2)
    if not ok:
        offset = np.eye(dim) * eps
        trace_root, ok = root_trace(sigma1 + offset, sigma2 + offset)
        if not ok:
            raise ValueError("frechet_distance: the covariance product has no usable square "
                             "root even after adding eps to the diagonals. Check the features "
                             "for NaN or infinite values, or use more samples.")
    diff = mu1 - mu2
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_root
    return max(0.0, float(distance))


def polynomial_kernel(x, y) -> np.ndarray:
    """The KID kernel ``k(x, y) = (x . y / d + 1)^3`` for rows of ``x`` (n, d) and ``y`` (m, d)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def unbiased_mmd2(x, y) -> float:
    """Unbiased estimate of MMD^2 between samples ``x`` (n, d) and ``y`` (m, d), n, m >= 2.

    ``MMD^2 = sum_{i != j} k(x_i, x_j) / (n (n-1)) + sum_{i != j} k(y_i, y_j) / (m (m-1))
    - 2 sum_{i, j} k(x_i, y_j) / (n m)`` with :func:`polynomial_kernel`. It is unbiased, so it is
    about 0 (and can be slightly negative) for two samples of one distribution.
    """
    n, m = len(x), len(y)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kernel_distance(features_a, features_b, subsets: int = 10, subset_size: int = 1000,
                    seed: int = 0) -> tuple[float, float]:
    """Kernel distance (the KID formula) between two feature sets: ``(mean, std)`` over subsets.

    For each of ``subsets`` rounds, draws ``subset_size`` rows (without replacement; capped by
    the smaller set) from each of ``features_a`` (N, D) and ``features_b`` (M, D) and computes
    :func:`unbiased_mmd2` with the cubic kernel ``(x . y / D + 1)^3``. Returns the mean and the
    standard deviation of those estimates. Unlike FD, its mean does not depend on the sample
    size, so it can compare small sets; the std says how much to trust a difference.
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"kernel_distance expects two feature arrays (N, D) and (M, D), got "
                         f"{a.shape} and {b.shape}.")
    size = min(subset_size, len(a), len(b))
    if size < 2 or subsets < 1:
        raise ValueError(f"kernel_distance needs at least 2 samples per set and subsets >= 1 "
                         f"(got {len(a)}, {len(b)} samples, subsets={subsets}).")
    rng = np.random.default_rng(seed)
    values = [unbiased_mmd2(a[rng.choice(len(a), size, replace=False)],
                            b[rng.choice(len(b), size, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


# --------------------------------------------------------------------------- image inputs


def as_model_input(images) -> np.ndarray:
    """Fashion-MNIST-sized images -> float32 (N, 28, 28, 1) in [-1, 1], the classifier's input.

    Accepts a NumPy array or a TensorFlow tensor of shape (N, 28, 28) or (N, 28, 28, 1) that is
    either

    - **uint8 in [0, 255]**, mapped with ``x / 127.5 - 1``, or
    - **float in [-1, 1]** (a tanh generator's output), passed through.

    Float images in [0, 1] cannot be told apart from [-1, 1] images that happen to have no
    negative pixels, so floats are always read as [-1, 1]: rescale [0, 1] images with
    ``x * 2 - 1`` first (a warning is shown when a float batch has no negative value at all,
    which real Fashion-MNIST, with its black background at -1, never has). Raises ``ValueError``
    naming the problem for other dtypes, shapes, NaNs or values outside [-1.001, 1.001].
    """
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.shape[1:] != (28, 28):
        raise ValueError(f"Expected Fashion-MNIST images of shape (N, 28, 28) or (N, 28, 28, 1), "
                         f"got {np.asarray(images).shape}. A single image needs a batch axis: "
                         "x[None].")
    if len(array) == 0:
        raise ValueError("Got an empty batch of images (N = 0).")
    if array.dtype == np.uint8:
        return (array.astype(np.float32) / 127.5 - 1.0)[..., None]
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"Images of dtype {array.dtype} are not supported: pass uint8 in "
                         "[0, 255] (x.astype('uint8')) or float in [-1, 1].")
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        raise ValueError("The images contain NaN or infinite values (did the generator "
                         "diverge?).")
    low, high = float(array.min()), float(array.max())
    if low < -1.001 or high > 1.001:
        hint = (" They look like [0, 255] pixels: pass them as uint8, or rescale with "
                "x / 127.5 - 1." if low >= 0 and high <= 255 else "")
        raise ValueError(f"Float images must be in [-1, 1], but these span [{low:.3g}, "
                         f"{high:.3g}].{hint} (Float images in [0, 1]: use x * 2 - 1.)")
    if low >= 0:
        warnings.warn("These float images have no negative values. They are read as [-1, 1]; "
                      "if they are in [0, 1], pass x * 2 - 1 instead.", stacklevel=2)
    return np.clip(array, -1.0, 1.0)[..., None]


def _flat_unit_scale(images, name: str) -> np.ndarray:
    """Any image batch (N, ...) -> float32 (N, pixels): uint8 mapped to [-1, 1], floats as given."""
    array = np.asarray(images)
    if array.ndim < 2 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty batch (N, ...), got shape {array.shape}.")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 127.5 - 1.0
    elif not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} has dtype {array.dtype}: pass uint8 in [0, 255] or float in "
                         "[-1, 1].")
    return array.reshape(len(array), -1).astype(np.float32)


# --------------------------------------------------------------------------- the classifier


def load_fashion_mnist_classifier(path: str | Path | None = None):
    """The shipped Fashion-MNIST classifier (``data/fashion_mnist_classifier.keras``).

    A Keras model: float32 (N, 28, 28, 1) in [-1, 1] -> 10 logits (classes in
    :data:`gan_course.data.FASHION_MNIST_CLASSES`), with a 128-d ``features`` layer. About 92 %
    test accuracy (see ``data/fashion_mnist_classifier.json``). Loaded once per process and
    cached. Raises ``FileNotFoundError`` or ``ValueError`` saying how to rebuild it.
    """
    path = Path(path) if path is not None else settings.data_dir() / CLASSIFIER_FILE
    key = str(path.resolve())
    if key in _CLASSIFIERS:
        return _CLASSIFIERS[key]
    if not path.is_file():
        raise FileNotFoundError(f"The Fashion-MNIST classifier {path} is missing. {REBUILD_HINT}")
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
        model.get_layer(FEATURE_LAYER)
    except Exception as error:
        raise ValueError(f"The Fashion-MNIST classifier {path} is unreadable or is not the "
                         f"expected model ({type(error).__name__}: {error}). {REBUILD_HINT}"
                         ) from error
    if tuple(model.input_shape[1:]) != (28, 28, 1) or tuple(model.output_shape[1:]) != (10,):
        raise ValueError(f"{path} maps {model.input_shape} to {model.output_shape}; expected "
                         f"(None, 28, 28, 1) -> (None, 10). {REBUILD_HINT}")
    _CLASSIFIERS[key] = model
    return model


def _feature_model(classifier):
    key = id(classifier)
    if key not in _FEATURE_MODELS:
        import keras

        _FEATURE_MODELS[key] = keras.Model(classifier.input,
                                           classifier.get_layer(FEATURE_LAYER).output)
    return _FEATURE_MODELS[key]


def _run_in_batches(model, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    outputs = [np.asarray(model(inputs[i:i + batch_size], training=False))
               for i in range(0, len(inputs), batch_size)]
    return np.concatenate(outputs).astype(np.float32)


def fashion_mnist_features(images, batch_size: int = 500) -> np.ndarray:
    """Activations of the shipped classifier's ``features`` layer: float32 (N, 128).

    ``images``: uint8 in [0, 255] or float in [-1, 1], shape (N, 28, 28[, 1]) (see
    :func:`as_model_input`).
    """
    inputs = as_model_input(images)
    return _run_in_batches(_feature_model(load_fashion_mnist_classifier()), inputs, batch_size)


def fashion_mnist_fd(images_a, images_b) -> float:
    """Fréchet distance between two Fashion-MNIST image sets, in the shipped classifier's features.

    The offline FID of this course: :func:`frechet_distance` of :func:`feature_statistics` of
    :func:`fashion_mnist_features`. Images: uint8 in [0, 255] or float in [-1, 1], (N, 28, 28[,
    1]). FD shrinks as N grows even between identical distributions, so compare values computed
    with the same numbers of images (1,000 or more each; the covariance is 128 x 128).

    Scale, measured with 1,000 vs 1,000 images: real train vs real test images about 1.5; real
    images of only three classes about 100; anything that is not clothing (uniform noise, an
    untrained generator's grey blobs, even real images of a single class) about 150 to 300.
    The features were trained to tell clothes apart, so at that end the value is saturated:
    it says "far from Fashion-MNIST", and the ranking among such sets means little.
    """
    stats_a = feature_statistics(fashion_mnist_features(images_a))
    stats_b = feature_statistics(fashion_mnist_features(images_b))
    return frechet_distance(*stats_a, *stats_b)


def fashion_mnist_kid(images_a, images_b, **kwargs) -> tuple[float, float]:
    """Kernel distance ``(mean, std)`` between two Fashion-MNIST image sets (the offline KID).

    :func:`kernel_distance` of :func:`fashion_mnist_features`; ``kwargs`` go to
    :func:`kernel_distance` (``subsets``, ``subset_size``, ``seed``). Images: uint8 in [0, 255]
    or float in [-1, 1].
    """
    return kernel_distance(fashion_mnist_features(images_a), fashion_mnist_features(images_b),
                           **kwargs)


def _logits(images, batch_size: int) -> np.ndarray:
    return _run_in_batches(load_fashion_mnist_classifier(), as_model_input(images), batch_size)


def classify(images, batch_size: int = 500) -> np.ndarray:
    """The shipped classifier's predicted labels (int64, 0..9) for uint8 [0, 255] or float [-1, 1]
    Fashion-MNIST images (N, 28, 28[, 1])."""
    return _logits(images, batch_size).argmax(axis=1).astype(np.int64)


def class_histogram(images) -> np.ndarray:
    """How many of ``images`` the classifier puts in each class: int64 counts of shape (10,).

    A healthy generator spreads its samples over all ten classes about evenly (real data: 10 %
    each); a mode-collapsed one piles them into a few bars. Images: uint8 [0, 255] or float
    [-1, 1].
    """
    return np.bincount(classify(images), minlength=10).astype(np.int64)


def mode_coverage(images, min_share: float = 0.02) -> int:
    """Number of classes (0 to 10) that receive at least ``min_share`` of the samples.

    From :func:`class_histogram`: 10 for real data (each class holds about 10 %), 1 for a
    generator that always draws the same thing. ``min_share`` ignores classes that get only the
    odd stray sample; 0.02 is a fifth of a class's fair share.
    """
    counts = class_histogram(images)
    return _classes_with_share(counts / counts.sum(), min_share)


def _classes_with_share(shares: np.ndarray, min_share: float) -> int:
    """How many of the per-class ``shares`` reach ``min_share`` (checked to be in (0, 1])."""
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}.")
    return int(np.sum(shares >= min_share))


def class_probabilities(images, batch_size: int = 500) -> np.ndarray:
    """The shipped classifier's softmax probabilities, float64 (N, 10), for uint8 [0, 255] or
    float [-1, 1] Fashion-MNIST images: p_k = exp(l_k) / sum_j exp(l_j) of the logits l."""
    from scipy.special import softmax

    return softmax(_logits(images, batch_size).astype(np.float64), axis=1)


def recognised_shares(images, confidence: float = 0.9) -> np.ndarray:
    """Per class, the share of ``images`` that the classifier puts there with probability of at
    least ``confidence``: float64 (10,), summing to at most 1.

    "Recognisable clothes in every class" made measurable: a sample counts for class k only if
    the classifier is sure of it (max_k p_k >= ``confidence``). Blurry or ambiguous samples count
    for no class. Real test images put about 8-10 % in each class at 0.9, less for shirts, which
    the classifier confuses with T-shirts and pullovers.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    probabilities = class_probabilities(images)
    sure = probabilities.max(axis=1) >= confidence
    counts = np.bincount(probabilities.argmax(axis=1)[sure], minlength=10)
    return counts / len(probabilities)


def recognised_classes(images, confidence: float = 0.9, min_share: float = 0.01) -> int:
    """Number of classes (0 to 10) whose confidently recognised samples (see
    :func:`recognised_shares`) make up at least ``min_share`` of all samples.

    Real test images score 10 (shirts, the hardest class, at about 2.4 %); uniform noise 0;
    real images blurred with a Gaussian of sigma 1.5 pixels about 6.
    """
    return _classes_with_share(recognised_shares(images, confidence), min_share)


# --------------------------------------------------------------------------- memorisation


def nearest_neighbours(queries, references, batch_size: int = 256
                       ) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the L2 distance to, and the index of, its nearest reference image.

    Distances are in pixel space on the [-1, 1] scale: uint8 images are mapped with
    ``x / 127.5 - 1``, float images are used as given, and each image is flattened, so any
    shape (N, ...) works if queries and references match. Returns ``(distances, indices)``,
    float64 (N,) and int64 (N,). Work is done ``batch_size`` queries at a time (memory about
    ``batch_size x len(references)`` floats): candidates come from a float32 matrix product and
    the chosen distance is recomputed exactly.
    """
    q = _flat_unit_scale(queries, "queries")
    r = _flat_unit_scale(references, "references")
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} pixels per image and references "
                         f"{r.shape[1]}: they must be the same size.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    r_norms = np.einsum("ij,ij->i", r, r)
    indices = np.empty(len(q), np.int64)
    for start in range(0, len(q), batch_size):
        chunk = q[start:start + batch_size]
        # ||q - r||^2 = ||q||^2 - 2 q.r + ||r||^2; ||q||^2 is constant per row, so skip it
        indices[start:start + len(chunk)] = np.argmin(r_norms[None, :] - 2.0 * chunk @ r.T, axis=1)
    difference = q.astype(np.float64) - r[indices].astype(np.float64)
    return np.sqrt(np.einsum("ij,ij->i", difference, difference)), indices


def memorisation_check(generated, train, test, batch_size: int = 256) -> dict:
    """Are generated images closer to the training set than unseen real images are?

    Compares two sets of nearest-training-image distances (:func:`nearest_neighbours`, pixel
    space on the [-1, 1] scale): from each ``generated`` image, and from each real held-out
    ``test`` image, to ``train``. Returns a dict:

    - ``median_generated_to_train``, ``median_test_to_train``, and ``ratio`` = first / second;
    - ``threshold``: the 1st percentile of the test -> train distances (only 1 % of unseen real
      images come this close to a training image), and ``fraction_below_threshold``: the share
      of generated images closer than that;
    - ``generated_distances`` and ``generated_nearest_indices`` (arrays) to show each sample
      beside its nearest training image.

    How to read it: a generator that makes new images gives ``ratio`` near 1 (or above: its
    images are also less realistic) and ``fraction_below_threshold`` near 0.01. A ``ratio`` well
    below 1 (say < 0.8) or a fraction well above 0.01 means many samples sit unusually close to
    training images: look at them side by side, they may be copies. Pixel distance only catches
    near-exact copies, not a shifted or recoloured copy. Use as many test images as generated
    ones, and images of the same kind (uint8 [0, 255] or float [-1, 1]) in all three sets.
    """
    gen_distances, gen_indices = nearest_neighbours(generated, train, batch_size)
    test_distances, _ = nearest_neighbours(test, train, batch_size)
    median_generated = float(np.median(gen_distances))
    median_test = float(np.median(test_distances))
    threshold = float(np.percentile(test_distances, 1))
    return {
        "median_generated_to_train": median_generated,
        "median_test_to_train": median_test,
        "ratio": median_generated / median_test if median_test > 0 else float("inf"),
        "threshold": threshold,
        "fraction_below_threshold": float(np.mean(gen_distances < threshold)),
        "n_generated": len(gen_distances),
        "n_test": len(test_distances),
        "generated_distances": gen_distances,
        "generated_nearest_indices": gen_indices,
    }


# --------------------------------------------------------------------------- Inception FID


def _inception_offline_error(reason: str) -> RuntimeError:
    return RuntimeError(
        f"inception_fid needs the ImageNet weights of InceptionV3 ({INCEPTION_WEIGHTS_FILE}, "
        f"about 87 MB), which are downloaded from the internet on first use, and {reason}. "
        "Run it once with internet access (the file is then cached in ~/.keras/models), or "
        "offline use gan_course.metrics.fashion_mnist_fd (and fashion_mnist_kid), which use "
        "the classifier shipped in data/."
    )


def _inception_weights_cached() -> bool:
    """True when Keras already has the InceptionV3 weights on disk (no download needed)."""
    try:
        from keras.src.backend.config import keras_home  # private, but where get_file looks

        home = keras_home()
    except ImportError:
        home = os.environ.get("KERAS_HOME", Path.home() / ".keras")
    return (Path(home).expanduser() / "models" / INCEPTION_WEIGHTS_FILE).is_file()


def _build_inception():
    """keras.applications.InceptionV3 without its classifier: (B, 299, 299, 3) -> (B, 2048)."""
    import keras

    from gan_course.data import download_timeout

    with download_timeout():
        return keras.applications.InceptionV3(include_top=False, pooling="avg",
                                              weights="imagenet", input_shape=(299, 299, 3))


def load_inception_model():
    """The ImageNet InceptionV3 feature extractor for :func:`inception_fid` (cached).

    Raises ``RuntimeError`` explaining what to do when its weights cannot be had: with
    ``GAN_COURSE_OFFLINE=1`` (unless they are already cached) or when the download fails.
    """
    if "model" in _INCEPTION:
        return _INCEPTION["model"]
    if settings.offline_mode() and not _inception_weights_cached():
        raise _inception_offline_error("GAN_COURSE_OFFLINE=1 forbids the download")
    try:
        model = _build_inception()
    except Exception as error:  # a failed download surfaces as many exception types
        text = str(error).replace("\n", " ")[:300]
        raise _inception_offline_error(
            f"they could not be loaded ({type(error).__name__}: {text})") from error
    _INCEPTION["model"] = model
    return model


def _image_batch(images, name: str) -> np.ndarray:
    """Check a batch of grey or RGB images, (N, H, W) or (N, H, W, C) with C = 1 or 3, that is
    uint8 or finite float; returns it with the channel axis, dtype unchanged."""
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[-1] not in (1, 3) or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty batch of images (N, H, W) or (N, H, W, C) "
                         f"with C = 1 or 3, got shape {np.asarray(images).shape}.")
    if array.dtype != np.uint8 and not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} has dtype {array.dtype}: pass uint8 in [0, 255] or float "
                         "images.")
    if array.dtype != np.uint8 and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _inception_input(images, value_range) -> np.ndarray:
    """Images -> float32 (N, H, W, 3) on the [0, 255] scale (resized later, per batch)."""
    array = _image_batch(images, "inception_fid's images")
    if array.dtype == np.uint8:
        pixels = array.astype(np.float32)
    else:
        array = array.astype(np.float32)
        low, high = float(array.min()), float(array.max())
        if value_range is None:
            value_range = (0.0, 1.0) if low >= 0 else (-1.0, 1.0)
        lo, hi = (float(v) for v in value_range)
        tolerance = 1e-3 * (hi - lo)
        if (lo, hi) not in ((0.0, 1.0), (-1.0, 1.0)) or low < lo - tolerance \
                or high > hi + tolerance:
            raise ValueError(f"inception_fid expects uint8 [0, 255] or float images in [0, 1] or "
                             f"[-1, 1]; these span [{low:.3g}, {high:.3g}] with value_range="
                             f"{value_range}. Pixels in [0, 255] should be passed as uint8.")
        pixels = (np.clip(array, lo, hi) - lo) * (255.0 / (hi - lo))
    if pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    return pixels


def inception_features(images, batch_size: int = 32, model=None, value_range=None,
                       image_size: int = 299) -> np.ndarray:
    """InceptionV3 pool features (N, 2048) for FID; see :func:`inception_fid` for the inputs."""
    import keras
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    pixels = _inception_input(images, value_range)
    model = load_inception_model() if model is None else model
    outputs = []
    for start in range(0, len(pixels), batch_size):
        batch = tf.image.resize(pixels[start:start + batch_size], (image_size, image_size),
                                method="bilinear")
        batch = keras.applications.inception_v3.preprocess_input(batch)  # [0, 255] -> [-1, 1]
        if isinstance(model, keras.layers.Layer):
            features = model(batch, training=False)
        else:
            features = model(batch)
        outputs.append(np.asarray(features, dtype=np.float32).reshape(len(batch), -1))
    return np.concatenate(outputs)


def inception_fid(images_a, images_b, batch_size: int = 32, model=None,
                  value_range=None) -> float:
    """FID: :func:`frechet_distance` between ImageNet InceptionV3 features of two image sets.

    Images: (N, H, W), (N, H, W, 1) or (N, H, W, 3) of any size; grey images are repeated to
    three channels, then all are resized to 299 x 299 and passed through
    ``keras.applications.inception_v3.preprocess_input``. Pixel values: uint8 in [0, 255], or
    float in [0, 1] or [-1, 1]; a float batch with a negative value is read as [-1, 1], else as
    [0, 1], so pass ``value_range=(-1, 1)`` (or ``(0, 1)``) to remove the guesswork.

    ``model`` replaces InceptionV3: any callable (a Keras model, say) mapping a float32 batch
    (B, 299, 299, 3) in [-1, 1] to features (B, D). Without it, the ImageNet weights are needed
    (downloaded once, about 87 MB); offline that raises ``RuntimeError``: use
    :func:`fashion_mnist_fd` instead. The published FID numbers use 10,000 or 50,000 images and
    a different (PyTorch / TF1) resize, so compare only values computed the same way. It is
    slow on a CPU (InceptionV3 at 299 x 299).
    """
    features_a = inception_features(images_a, batch_size, model, value_range)
    features_b = inception_features(images_b, batch_size, model, value_range)
    return frechet_distance(*feature_statistics(features_a), *feature_statistics(features_b))


# --------------------------------------------------------------------------- textures

#: 5-tap binomial filter, the usual approximation of a Gaussian for image pyramids (Burt and
#: Adelson 1983).
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(images: np.ndarray) -> np.ndarray:
    from scipy.ndimage import correlate1d

    blurred = correlate1d(images, _BINOMIAL, axis=1, mode="reflect")
    return correlate1d(blurred, _BINOMIAL, axis=2, mode="reflect")


def laplacian_pyramid(images: np.ndarray, levels: int) -> list[np.ndarray]:
    """Band-pass levels of a batch (N, H, W, C): fine details first, a blurred image last.

    G_0 = images, G_{l+1} = downsample_2(blur(G_l)); level l < levels - 1 is
    L_l = G_l - blur(upsample_2(G_{l+1})) and the last level is G_{levels-1}. Summing the levels
    back up (upsampling as above) gives the images again.
    """
    gaussians = [np.asarray(images, np.float64)]
    for _ in range(levels - 1):
        gaussians.append(_blur(gaussians[-1])[:, ::2, ::2])
    pyramid = []
    for fine, coarse in zip(gaussians[:-1], gaussians[1:], strict=True):
        up = np.zeros_like(fine)
        up[:, ::2, ::2] = coarse
        pyramid.append(fine - 4.0 * _blur(up))  # x4: zeros filled 3 of every 4 pixels
    pyramid.append(gaussians[-1])
    return pyramid


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: int = 128,
                       seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance between two equal-sized point sets a, b of shape (M, d).

    SW(a, b) = E_theta[ W1(a theta, b theta) ] over random unit directions theta in R^d, where
    for 1-D samples of equal size W1 = mean_i |sort(a theta)_i - sort(b theta)_i|
    (Rabin et al. 2011). Zero when the sets are equal; symmetric.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"sliced_wasserstein needs two (M, d) arrays of the same shape, got "
                         f"{a.shape} and {b.shape}.")
    directions = np.random.default_rng(seed).normal(size=(a.shape[1], projections))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    projected_a = np.sort(a @ directions, axis=0)
    projected_b = np.sort(b @ directions, axis=0)
    return float(np.mean(np.abs(projected_a - projected_b)))


def _texture_batch(images, name: str) -> np.ndarray:
    """uint8 [0, 255] or float [-1, 1] images -> float64 (N, H, W, C) in [-1, 1]."""
    array = _image_batch(images, name)
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 127.5 - 1.0
    return array.astype(np.float64)


def _neighbourhoods(level: np.ndarray, count: int, size: int, rng) -> np.ndarray:
    """``count`` random size x size windows of a pyramid level (N, h, w, C), flattened."""
    n, height, width, _ = level.shape
    windows = np.lib.stride_tricks.sliding_window_view(level, (size, size), axis=(1, 2))
    pick = (rng.integers(0, n, count), rng.integers(0, height - size + 1, count),
            rng.integers(0, width - size + 1, count))
    return windows[pick].reshape(count, -1)


def _normalise_together(desc_a, desc_b, channels: int):
    """Scale both descriptor sets per channel by the mean and std of the two sets pooled."""
    shaped = [d.reshape(len(d), channels, -1) for d in (desc_a, desc_b)]
    pooled = np.concatenate(shaped)
    mean = pooled.mean(axis=(0, 2))[:, None]
    std = pooled.std(axis=(0, 2))[:, None] + 1e-8
    return [((d - mean) / std).reshape(len(d), -1) for d in shaped]


def texture_swd(images_a, images_b, levels: int = 3, neighbourhood: int = 7,
                descriptors: int = 8192, projections: int = 128, seed: int = 0) -> float:
    """Texture distance between two image sets: the sliced Wasserstein distance between their
    local neighbourhoods, averaged over Laplacian-pyramid levels (lower is more alike).

    For each of ``levels`` pyramid levels (:func:`laplacian_pyramid`), ``descriptors`` random
    ``neighbourhood`` x ``neighbourhood`` x C windows are drawn from each set, normalised per
    channel with the pooled mean and standard deviation of both sets, and compared with
    :func:`sliced_wasserstein`; the result is the mean over levels. This follows the SWD of
    Karras et al. (2018, "Progressive Growing of GANs", appendix D), which measures the
    multi-scale statistics a texture consists of. The sets may have different image sizes (each
    side at least ``neighbourhood * 2 ** (levels - 1)``). Images: uint8 in [0, 255] or float in
    [-1, 1], grey or RGB. Compare values only at equal settings; the distance between two real
    samples of the same texture is the floor.
    """
    a = _texture_batch(images_a, "images_a")
    b = _texture_batch(images_b, "images_b")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"images_a has {a.shape[-1]} channel(s) and images_b {b.shape[-1]}: "
                         "compare grey with grey and colour with colour.")
    smallest = neighbourhood * 2 ** (levels - 1)
    for name, batch in (("images_a", a), ("images_b", b)):
        if min(batch.shape[1:3]) < smallest:
            raise ValueError(f"{name} are {batch.shape[2]}x{batch.shape[1]}; texture_swd with "
                             f"levels={levels} needs sides of at least {smallest}. Use bigger "
                             "images or fewer levels.")
    rng = np.random.default_rng(seed)
    distances = []
    for level, (level_a, level_b) in enumerate(zip(laplacian_pyramid(a, levels),
                                                   laplacian_pyramid(b, levels), strict=True)):
        desc_a = _neighbourhoods(level_a, descriptors, neighbourhood, rng)
        desc_b = _neighbourhoods(level_b, descriptors, neighbourhood, rng)
        desc_a, desc_b = _normalise_together(desc_a, desc_b, a.shape[-1])
        distances.append(sliced_wasserstein(desc_a, desc_b, projections, seed=seed + level))
    return float(np.mean(distances))


def seam_ratio(image) -> float:
    """How visible the seam is when ``image`` (H, W[, C]) is tiled: 1 means no visible seam.

    ratio = mean(|x[:, 0] - x[:, W-1]|, |x[0] - x[H-1]|) / mean(|x[:, j+1] - x[:, j]|,
    |x[i+1] - x[i]|): the jump across the wrap-around border compared with the typical step
    between neighbouring pixels inside the image. A periodic texture scores about 1; an
    ordinary photo, whose opposite edges are unrelated, scores well above 1.
    """
    x = np.asarray(image, np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or min(x.shape[:2]) < 2:
        raise ValueError(f"seam_ratio needs one image (H, W) or (H, W, C) of at least 2x2, got "
                         f"shape {np.asarray(image).shape}.")
    wrap = np.mean([np.abs(x[:, 0] - x[:, -1]).mean(), np.abs(x[0] - x[-1]).mean()])
    inside = np.mean([np.abs(np.diff(x, axis=1)).mean(), np.abs(np.diff(x, axis=0)).mean()])
    return float(wrap / max(inside, 1e-12))
