import numpy as np
import pytest

from gan_course.data.mixtures import TOY_2D, toy_2d, toy_2d_modes


@pytest.mark.parametrize("name, modes, std", [("ring", 8, 0.02), ("grid", 25, 0.05),
                                              ("uneven_ring", 8, 0.02)])
def test_each_mixture_has_its_modes(name, modes, std):
    mixture = toy_2d_modes(name)
    assert mixture.centres.shape == (modes, 2) and mixture.std == std
    assert mixture.weights.sum() == pytest.approx(1.0)
    points = toy_2d(name, 4000, seed=0)
    assert points.shape == (4000, 2) and points.dtype == np.float32
    nearest = np.linalg.norm(points[:, None] - mixture.centres[None], axis=-1).argmin(axis=1)
    shares = np.bincount(nearest, minlength=modes) / len(points)
    np.testing.assert_allclose(shares, mixture.weights, atol=0.03)


def test_the_ring_lies_on_a_circle_of_radius_2_and_the_grid_at_even_coordinates():
    np.testing.assert_allclose(np.linalg.norm(toy_2d_modes("ring").centres, axis=1), 2.0)
    assert set(np.unique(toy_2d_modes("grid").centres)) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    assert toy_2d_modes("uneven_ring").weights[0] == 0.5


def test_seeds_and_bad_input():
    np.testing.assert_array_equal(toy_2d("ring", 10, seed=3), toy_2d("ring", 10, seed=3))
    assert not np.array_equal(toy_2d("ring", 10, seed=3), toy_2d("ring", 10, seed=4))
    with pytest.raises(ValueError, match="unknown data 'rings'"):
        toy_2d("rings")
    with pytest.raises(ValueError, match="n=0"):
        toy_2d("ring", 0)
    assert set(TOY_2D) == {"ring", "grid", "uneven_ring"}


def test_toy_2d_is_a_data_function_like_every_other():
    from gan_course import data

    assert data.toy_2d is toy_2d and data.toy_2d_modes is toy_2d_modes
    points = data.toy_2d("ring", n=16, seed=3)
    assert points.shape == (16, 2)
    np.testing.assert_array_equal(points, data.toy_2d("ring", n=16, seed=3))
