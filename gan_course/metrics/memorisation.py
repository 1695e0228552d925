"""Memorisation: are generated images closer to training images than unseen real images are?"""

from __future__ import annotations

import numpy as np

from gan_course import image_ops


def _flat_signed(images, name: str, value_range) -> np.ndarray:
    """A batch (N, ...) of uint8 or float images -> float32 (N, pixels) in [-1, 1]."""
    array = np.asarray(images)
    if array.ndim < 2 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty batch (N, ...), got shape {array.shape}.")
    return image_ops.to_signed(array, value_range, name=name).reshape(len(array), -1)


def nearest_neighbours(queries, references, batch_size: int = 256,
                       value_range=image_ops.SIGNED) -> tuple[np.ndarray, np.ndarray]:
    """For each query image, the L2 distance to, and the index of, its nearest reference image.

    ``d_i = min_j ||q_i - r_j||_2`` in pixel space on the [-1, 1] scale: uint8 images are mapped
    with ``x / 127.5 - 1``, float images are read as ``value_range`` (default [-1, 1]), and each
    image is flattened, so any shape (N, ...) works if queries and references match. Returns
    ``(distances, indices)``, float64 (N,) and int64 (N,). Work is done ``batch_size`` queries
    at a time (memory about ``batch_size x len(references)`` floats): candidates come from a
    float32 matrix product and the chosen distance is recomputed exactly.
    """
    q = _flat_signed(queries, "queries", value_range)
    r = _flat_signed(references, "references", value_range)
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


def memorisation_check(generated, train, test, batch_size: int = 256,
                       value_range=image_ops.SIGNED) -> dict:
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
    ones. Each set may be uint8 [0, 255] or float in ``value_range`` (default [-1, 1]).
    """
    gen_distances, gen_indices = nearest_neighbours(generated, train, batch_size, value_range)
    test_distances, _ = nearest_neighbours(test, train, batch_size, value_range)
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
