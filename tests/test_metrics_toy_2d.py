import numpy as np
import pytest

from gan_course.data.mixtures import toy_2d, toy_2d_modes
from gan_course.metrics import toy_2d as metrics


def test_real_points_cover_every_mode_and_score_near_the_floor():
    mixture = toy_2d_modes("ring")
    scores = metrics.toy_2d_scores(toy_2d("ring", 2000, seed=1), mixture)
    assert scores["modes"] == 8 and scores["high_quality"] > 0.95 and scores["js"] < 0.02


def test_a_collapsed_generator_covers_one_mode_and_a_blob_none():
    mixture = toy_2d_modes("ring")
    rng = np.random.default_rng(0)
    collapsed = mixture.centres[2] + rng.normal(scale=0.02, size=(1000, 2))
    scores = metrics.toy_2d_scores(collapsed, mixture)
    assert scores["modes"] == 1 and scores["high_quality"] > 0.95 and scores["js"] > 0.5
    blob = rng.normal(size=(1000, 2))
    assert metrics.modes_covered(blob, mixture) == 0
    assert metrics.high_quality_share(blob, mixture) < 0.05


def test_a_mode_needs_two_percent_of_the_points():
    mixture = toy_2d_modes("ring")
    points = np.concatenate([np.repeat(mixture.centres[:1], 98, axis=0),
                             np.repeat(mixture.centres[1:2], 2, axis=0)])
    assert metrics.modes_covered(points, mixture) == 2
    assert metrics.modes_covered(np.concatenate([points, points[:1]]), mixture) == 1  # 2/101


def test_js_divergence_is_zero_for_equal_and_one_bit_for_disjoint_distributions():
    assert metrics.js_divergence([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(0.0)
    assert metrics.js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(1.0)
    probabilities = metrics.mixture_cell_probabilities(toy_2d_modes("grid"))
    assert probabilities.sum() == pytest.approx(1.0) and probabilities[-1] < 1e-6


def test_points_far_outside_the_grid_count_against_the_generator():
    mixture = toy_2d_modes("ring")
    far = np.full((100, 2), 50.0)
    assert metrics.grid_js(far, mixture) == pytest.approx(1.0, abs=1e-6)


def test_bad_points_are_refused():
    mixture = toy_2d_modes("ring")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        metrics.toy_2d_scores(np.zeros((5, 3)), mixture)
    with pytest.raises(ValueError, match="NaN"):
        metrics.toy_2d_scores(np.full((5, 2), np.nan), mixture)
