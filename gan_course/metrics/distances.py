"""Distances between two sets of features or points: Fréchet distance, kernel distance (KID),
sliced Wasserstein, and the Inception FID that wires the first to InceptionV3.

The maths is in small pure functions on NumPy arrays (:func:`feature_statistics`,
:func:`frechet_distance`, :func:`polynomial_kernel`, :func:`unbiased_mmd2`,
:func:`kernel_distance`, :func:`sliced_wasserstein`); :func:`inception_fid` feeds them
features from :func:`gan_course.features.load_inception_model`.
"""

from __future__ import annotations

import warnings

import numpy as np

from gan_course import features as extractors
from gan_course import image_ops

# --------------------------------------------------------------------------- Fréchet distance


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


# --------------------------------------------------------------------------- kernel distance


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


# --------------------------------------------------------------------------- sliced Wasserstein


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
    return sliced_wasserstein_along(a, b, directions)


def sliced_wasserstein_along(a: np.ndarray, b: np.ndarray, directions: np.ndarray) -> float:
    """:func:`sliced_wasserstein` along given unit directions, the columns of ``directions``
    (d, K): project both (M, d) sets, sort each column, and average

        mean_{i, k} |sort(a theta_k)_i - sort(b theta_k)_i|

    over the M sorted positions and the K directions."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    directions = np.asarray(directions, np.float64)
    projected_a = np.sort(a @ directions, axis=0)
    projected_b = np.sort(b @ directions, axis=0)
    return float(np.mean(np.abs(projected_a - projected_b)))


# --------------------------------------------------------------------------- Inception FID


def _inception_input(images, value_range, name: str) -> np.ndarray:
    """Images -> float32 (N, H, W, 3) on the [0, 255] scale (resized later, per batch)."""
    array = image_ops.check_images(images, name, value_range=value_range)
    pixels = image_ops.to_unit(array, value_range, name=name) * 255.0
    if pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    return pixels


def inception_features(images, batch_size: int = 32, model=None,
                       value_range=image_ops.SIGNED, image_size: int = 299) -> np.ndarray:
    """InceptionV3 pool features (N, 2048) for FID; see :func:`inception_fid` for the inputs."""
    import keras
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    pixels = _inception_input(images, value_range, "inception_fid's images")
    model = extractors.load_inception_model() if model is None else model
    outputs = []
    for start in range(0, len(pixels), batch_size):
        batch = tf.image.resize(pixels[start:start + batch_size], (image_size, image_size),
                                method="bilinear")
        batch = keras.applications.inception_v3.preprocess_input(batch)  # [0, 255] -> [-1, 1]
        if isinstance(model, keras.layers.Layer):
            result = model(batch, training=False)
        else:
            result = model(batch)
        outputs.append(np.asarray(result, dtype=np.float32).reshape(len(batch), -1))
    return np.concatenate(outputs)


def inception_fid(images_a, images_b, batch_size: int = 32, model=None,
                  value_range=image_ops.SIGNED) -> float:
    """FID: :func:`frechet_distance` between ImageNet InceptionV3 features of two image sets.

    Images: (N, H, W), (N, H, W, 1) or (N, H, W, 3) of any size; grey images are repeated to
    three channels, then all are resized to 299 x 299 and passed through
    ``keras.applications.inception_v3.preprocess_input``. Pixel values: uint8 in [0, 255], or
    float in ``value_range`` (default [-1, 1]; photos in [0, 1]: ``value_range=(0, 1)``).

    ``model`` replaces InceptionV3: any callable (a Keras model, say) mapping a float32 batch
    (B, 299, 299, 3) in [-1, 1] to features (B, D). Without it, the ImageNet weights are needed
    (downloaded once, about 87 MB); offline that raises ``RuntimeError``: use
    :func:`gan_course.metrics.fashion_mnist_fd` instead. The published FID numbers use 10,000 or
    50,000 images and a different (PyTorch / TF1) resize, so compare only values computed the
    same way. It is slow on a CPU (InceptionV3 at 299 x 299).
    """
    features_a = inception_features(images_a, batch_size, model, value_range)
    features_b = inception_features(images_b, batch_size, model, value_range)
    return frechet_distance(*feature_statistics(features_a), *feature_statistics(features_b))
