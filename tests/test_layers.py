"""The shared layers: values on known inputs, shapes, and a save/load round trip."""

import keras
import numpy as np
import pytest

from gan_course.layers import CircularPad2D


def test_circular_pad_takes_pixels_from_the_opposite_edge():
    x = np.arange(2 * 3 * 4 * 1, dtype="float32").reshape(2, 3, 4, 1)
    padded = keras.ops.convert_to_numpy(CircularPad2D(1)(x))
    assert padded.shape == (2, 5, 6, 1)
    np.testing.assert_array_equal(padded[:, 1:-1, 1:-1], x)  # the middle is the input
    np.testing.assert_array_equal(padded[:, 0, 1:-1], x[:, -1])  # top row = last row
    np.testing.assert_array_equal(padded[:, 1:-1, 0], x[:, :, -1])  # left column = last column
    assert padded[0, 0, 0, 0] == x[0, -1, -1, 0]  # corners wrap both ways
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(CircularPad2D(0)(x)), x)
    assert CircularPad2D(2).compute_output_shape((None, None, 7, 3)) == (None, None, 11, 3)


def test_circular_pad_survives_saving(tmp_path):
    model = keras.Sequential([keras.Input((None, None, 1)), CircularPad2D(2),
                              keras.layers.Conv2D(1, 5)])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(1, 6, 6, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)
    assert isinstance(loaded.layers[0], CircularPad2D) and loaded.layers[0].pad == 2


def test_periodic_convolution_commutes_with_rolling():
    keras.utils.set_random_seed(0)
    conv = keras.Sequential([keras.Input((8, 8, 1)), CircularPad2D(1),
                             keras.layers.Conv2D(1, 3)])
    x = np.random.default_rng(1).normal(size=(1, 8, 8, 1)).astype("float32")
    rolled_first = conv(np.roll(x, 3, axis=2))
    np.testing.assert_allclose(rolled_first, np.roll(conv(x), 3, axis=2), atol=1e-5)


@pytest.mark.parametrize("pad", [-1])
def test_circular_pad_refuses_negative(pad):
    with pytest.raises(ValueError, match="pad"):
        CircularPad2D(pad)
