import math

import numpy as np
import pytest

from gan_course import data, image_ops
from gan_course.metrics import memorisation


def test_nearest_neighbours_on_a_hand_made_example():
    references = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]], np.float32)
    queries = np.array([[0.9, 1.0], [-1.0, 0.0], [0.0, 0.0], [0.2, -0.1]], np.float32)
    expected_indices = [1, 2, 0, 0]
    expected_distances = [0.1, 0.5, 0.0, math.hypot(0.2, 0.1)]
    for batch_size in (1, 3, 256):
        distances, indices = memorisation.nearest_neighbours(queries, references, batch_size)
        np.testing.assert_array_equal(indices, expected_indices)
        np.testing.assert_allclose(distances, expected_distances, atol=1e-6)


def test_nearest_neighbours_maps_every_input_to_the_signed_scale():
    references = np.array([[[0, 255]], [[255, 255]]], np.uint8)  # (2, 1, 2) images
    queries = np.array([[[1.0, 1.0]], [[-1.0, 0.0]]], np.float32)
    distances, indices = memorisation.nearest_neighbours(queries, references)
    np.testing.assert_array_equal(indices, [1, 0])
    np.testing.assert_allclose(distances, [0.0, 1.0], atol=1e-6)
    unit_queries = (queries + 1) / 2  # the same images in [0, 1], said so
    unit_distances, _ = memorisation.nearest_neighbours(unit_queries, references,
                                                        value_range=image_ops.UNIT)
    np.testing.assert_allclose(unit_distances, distances, atol=1e-6)
    with pytest.raises(ValueError, match="same size"):
        memorisation.nearest_neighbours(queries, np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"queries must be in \[-1, 1\].*uint8"):
        memorisation.nearest_neighbours(queries * 127.5 + 127.5, references)  # [0, 255] floats
    with pytest.raises(ValueError, match=r"non-empty batch"):
        memorisation.nearest_neighbours(np.zeros(3, np.float32), references)


def test_memorisation_check_flags_copies_but_not_held_out_images():
    (x_train, _), (x_test, _) = data.load_embedded_fashion_mnist()
    copies = memorisation.memorisation_check(x_train[:200], x_train, x_test[200:400])
    assert copies["ratio"] < 0.1 and copies["fraction_below_threshold"] == 1.0
    assert copies["median_generated_to_train"] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_array_equal(copies["generated_nearest_indices"], np.arange(200))

    fresh = memorisation.memorisation_check(x_test[:200], x_train, x_test[200:400])
    assert 0.8 < fresh["ratio"] < 1.25 and fresh["fraction_below_threshold"] < 0.05
    assert fresh["n_generated"] == fresh["n_test"] == 200
