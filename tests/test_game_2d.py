import numpy as np
import pytest
import tensorflow as tf

from gan_course import game_2d, losses
from gan_course.data.mixtures import toy_2d, toy_2d_modes
from gan_course.metrics.toy_2d import toy_2d_scores
from gan_course.models.toy_2d import build_toy_discriminator, build_toy_generator
from gan_course.training import GAN


def test_the_heatmap_has_the_grids_shape_and_probabilities():
    d = build_toy_discriminator(width=16)
    heatmap = game_2d.discriminator_map(d, extent=(-3, 3), resolution=40)
    assert heatmap.shape == (40, 40) and heatmap.dtype == np.float32
    assert 0.0 <= heatmap.min() and heatmap.max() <= 1.0 and heatmap.std() > 0


def test_the_heatmaps_rows_run_upwards_in_y():
    """A D that says 'real' only for y > 0 lights the top half of the map."""
    d = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    d.layers[0].set_weights([np.array([[0.0], [50.0]], np.float32), np.zeros(1, np.float32)])
    heatmap = game_2d.discriminator_map(d, extent=(-1, 1), resolution=10)
    assert heatmap[-1].min() > 0.99 and heatmap[0].max() < 0.01


@pytest.mark.parametrize("g_loss", [losses.ns_g_loss, losses.minimax_g_loss,
                                    losses.wasserstein_g_loss])
def test_the_arrows_agree_with_finite_differences_of_the_generator_loss(g_loss):
    d = build_toy_discriminator(width=16)
    points = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")
    arrows = game_2d.generator_arrows(d, points, g_loss)
    h = 1e-3
    slopes = np.zeros_like(arrows)
    for i, point in enumerate(points):
        for axis in range(2):
            step = np.zeros(2, np.float32)
            step[axis] = h
            after, before = (float(g_loss(d((point + sign * step)[None]))) for sign in (1, -1))
            slopes[i, axis] = (after - before) / (2 * h)
    clear = np.abs(slopes) > 0.05 * np.abs(slopes).max()  # not lost in float32 rounding
    assert clear.sum() >= 20
    # the arrow points downhill: opposite to the slope
    np.testing.assert_array_equal(np.sign(arrows[clear]), -np.sign(slopes[clear]))


def test_game_state_and_a_frame():
    gan = GAN(build_toy_generator(width=16), build_toy_discriminator(width=16), latent_dim=2)
    gan.compile()
    noise = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    state = game_2d.game_state(gan, toy_2d("ring", 64), noise, resolution=20,
                               mixture=toy_2d_modes("ring"))
    assert state.fake.shape == (64, 2) and state.arrows.shape == (64, 2)
    assert state.heatmap.shape == (20, 20) and set(state.scores) == {"modes", "high_quality",
                                                                   "js"}
    frame = game_2d.draw_game(state)
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3


def test_the_view_keeps_a_frame_every_few_steps(tmp_path):
    gan = GAN(build_toy_generator(width=16), build_toy_discriminator(width=16), latent_dim=2)
    gan.compile()
    noise = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    view = game_2d.GameView(toy_2d("ring", 32), noise, every_n_steps=5, live=False,
                            resolution=16)
    data = tf.data.Dataset.from_tensor_slices(toy_2d("ring", 640)).batch(64).repeat()
    gan.fit(data, epochs=1, steps_per_epoch=10, verbose=0, callbacks=[view])
    assert len(view.frames) == 3  # the start, step 5, step 10
    assert [s.step for s in view.states] == [0, 5, 10]
    assert view.write_gif(tmp_path / "game.gif").stat().st_size > 0


def test_the_view_draws_on_crossing_its_interval_when_steps_run_ten_per_call():
    gan = game_2d.make_game(width=16, steps_per_execution=10)
    noise = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    view = game_2d.GameView(toy_2d("ring", 32), noise, every_n_steps=25, live=False,
                            resolution=16)
    game_2d.play(gan, "ring", steps=60, batch_size=32, callbacks=[view])
    assert [s.step for s in view.states] == [0, 30, 50]  # the first call past 25 and 50


def test_ten_steps_per_call_train_the_same_weights_as_one():
    weights = []
    for per_call in (1, 10):
        gan = game_2d.make_game(width=16, seed=3, steps_per_execution=per_call)
        game_2d.play(gan, "ring", steps=20, batch_size=32, seed=3)
        assert int(gan.step) == 20
        weights.append(gan.generator.get_weights())
    for one, ten in zip(*weights, strict=True):
        np.testing.assert_allclose(one, ten, rtol=1e-5, atol=1e-6)


def test_play_says_how_many_steps_it_can_run():
    gan = game_2d.make_game(width=16)
    with pytest.raises(ValueError, match=r"steps=305: this GAN runs 10 steps per call.*"
                                         r"multiple of 10, or make_game\(steps_per_execution=1\)"):
        game_2d.play(gan, "ring", steps=305)


def _modes_after(preset, seed=0):
    gan = game_2d.make_game(seed=seed, **game_2d.PRESETS[preset])
    game_2d.play(gan, "ring", steps=game_2d.PRESET_STEPS, seed=seed)
    noise = np.random.default_rng(1000 + seed).normal(size=(2000, 2)).astype("float32")
    return toy_2d_scores(np.asarray(gan.generator(noise)), toy_2d_modes("ring"))


@pytest.mark.slow
def test_the_covering_preset_covers_the_ring_and_beats_the_untrained_generator():
    untrained = game_2d.make_game(seed=0).generator
    noise = np.random.default_rng(1000).normal(size=(2000, 2)).astype("float32")
    baseline = toy_2d_scores(np.asarray(untrained(noise)), toy_2d_modes("ring"))
    scores = _modes_after("covers")
    assert scores["modes"] >= 6
    assert scores["modes"] > baseline["modes"]
    assert scores["high_quality"] > baseline["high_quality"] and scores["js"] < baseline["js"]


@pytest.mark.slow
def test_the_collapsing_preset_collapses_and_the_remedy_gets_modes_back():
    assert game_2d.COLLAPSE is game_2d.PRESETS["fast D"]
    assert game_2d.REMEDY is game_2d.PRESETS["fast D + 5 G steps"]
    assert game_2d.REMEDY["d_lr"] == 100 * game_2d.REMEDY["g_lr"]  # still the fast D
    collapsed = _modes_after("fast D")["modes"]
    mended = _modes_after("fast D + 5 G steps")
    assert collapsed <= 3 and mended["modes"] >= 6 and mended["js"] < 0.5


def test_make_game_takes_your_own_losses_and_the_cores_options():
    gan = game_2d.make_game(loss=(losses.ns_d_loss, losses.ns_g_loss), r1_gamma=0.1)
    assert gan.loss_name == "custom" and gan.r1_gamma == 0.1
    assert set(game_2d.PRESETS) >= {"covers", "fast D", "fast D + R1"}
