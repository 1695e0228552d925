import matplotlib

matplotlib.use("Agg")

import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gan_course import viz  # noqa: E402


def test_to_uint8_reads_floats_as_value_range_without_guessing():
    np.testing.assert_array_equal(viz.to_uint8(np.array([-1.0, 0.0, 1.0])), [0, 128, 255])
    unit_looking = np.array([0.0, 0.5, 1.0])  # floats are [-1, 1] unless value_range says not
    np.testing.assert_array_equal(viz.to_uint8(unit_looking), [128, 191, 255])
    np.testing.assert_array_equal(viz.to_uint8(unit_looking, value_range=(0, 1)), [0, 128, 255])
    np.testing.assert_array_equal(viz.to_uint8(np.array([3, 200], np.uint8)), [3, 200])
    np.testing.assert_array_equal(viz.to_uint8(np.array([-1.0005, 1.0005])), [0, 255])  # clipped
    with pytest.raises(ValueError, match=r"\[0, 255\] pixels: pass them as uint8"):
        viz.to_uint8(np.array([0.0, 200.0]))


def test_grids_take_value_range():
    unit = np.full((2, 3, 3), 0.5)
    assert viz.image_grid(unit, pad=0)[0, 0] == 191  # read as [-1, 1]
    assert viz.image_grid(unit, pad=0, value_range=(0, 1))[0, 0] == 128
    fig = viz.show_grid(unit, value_range=(0, 1))
    assert fig.axes[0].images[0].get_array()[1, 1] == 128  # [0, 0] is the white padding
    fig = viz.compare([unit, np.zeros((2, 3, 3), np.uint8)], ["a", "b"], value_range=(0, 1))
    assert [ax.images[0].get_array()[1, 1] for ax in fig.axes] == [128, 0]
    with pytest.raises(ValueError, match="RGBA|channels|C = 1"):
        viz.image_grid(np.zeros((2, 3, 3, 2), np.uint8))


def test_image_grid_layout():
    images = np.stack([np.full((2, 3), v, np.uint8) for v in (10, 20, 30)])
    grid = viz.image_grid(images, ncols=2, pad=1)
    assert grid.shape == (2 * 3 + 1, 2 * 4 + 1)
    assert grid[1, 1] == 10 and grid[1, 5] == 20 and grid[4, 1] == 30
    assert grid[4, 5] == 255  # the empty fourth cell
    colour = viz.image_grid(np.zeros((4, 2, 2, 3), np.uint8))
    assert colour.shape == (7, 7, 3)
    with pytest.raises(ValueError, match="shape"):
        viz.image_grid(np.zeros((2, 2)))


def test_plot_history_draws_losses_and_scores():
    history = {"d_loss": [0.7, 0.6], "g_loss": [0.9, 1.1], "d_real": [0.6, 0.55],
               "d_fake": [0.4, 0.45]}
    fig = viz.plot_history(history, steps_per_epoch=100)
    left, right = fig.axes
    assert [line.get_label() for line in left.lines] == ["D loss", "G loss"]
    assert list(left.lines[0].get_xdata()) == [100, 200]
    assert "equilibrium, 1/2" in [line.get_label() for line in right.lines]


def test_plot_history_marks_the_points_of_a_short_run():
    """After one epoch each curve has one point, and a line through one point draws nothing."""
    one = viz.plot_history({"d_loss": [0.7], "g_loss": [0.9], "d_real": [0.6], "d_fake": [0.4]},
                           steps_per_epoch=25)
    drawn = [line for ax in one.axes for line in ax.lines if not line.get_label().startswith("eq")]
    assert drawn and all(line.get_marker() == "o" for line in drawn)
    many = viz.plot_history({"g_loss": [3.0, 2.0, 1.0]})
    assert all(line.get_marker() in (None, "None", "") for line in many.axes[0].lines)


def test_plot_history_without_a_discriminator_draws_the_terms_in_one_panel():
    import warnings

    history = {"g_loss": [3.0, 2.0], "g_content": [1.0, 0.8], "g_style": [2.0, 1.2]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no artists with labels" legend warning
        fig = viz.plot_history(history)
    (only,) = fig.axes
    assert [line.get_label() for line in only.lines] == ["G loss", "content", "style"]


def test_show_gif_embeds_the_file(tmp_path):
    path = tmp_path / "a.gif"
    iio.imwrite(path, np.zeros((2, 4, 4), np.uint8), extension=".gif")
    html = viz.show_gif(path).data
    assert html.count('<img src="data:image/gif;base64,R0lGOD') == 1  # "GIF8" in base64
    two = viz.show_gif(path, path, captions=["norm-preserving", "slerp <t>"]).data
    assert two.count("<img ") == 2 and "slerp &lt;t&gt;" in two
    with pytest.raises(ValueError, match="2 GIFs and 1 captions"):
        viz.show_gif(path, path, captions=["one"])


def test_compare_and_per_class():
    fig = viz.compare([np.zeros((4, 5, 5)), np.ones((4, 5, 5))], ["a", "b"])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    with pytest.raises(ValueError, match="2 image sets but 1 titles"):
        viz.compare([np.zeros((1, 2, 2))] * 2, ["a"])
    long = "spatial GAN on brick, trained here, 100 steps (quick-mode demonstration)"
    fig = viz.compare([np.zeros((4, 5, 5))] * 3, [long, long, "real\nbrick"], scale=1.0)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].replace("\n", " ") == long and max(map(len, titles[0].split("\n"))) <= 36
    assert titles[2] == "real\nbrick"  # a title's own line breaks stay
    fig = viz.show_per_class(np.zeros((20, 5, 5), np.uint8), np.arange(20) % 2, ["x", "y"], 3)
    assert len(fig.axes) == 2
    assert fig.axes[0].images[0].get_clim() == (0, 255)  # black stays black, not stretched


@pytest.mark.parametrize(("shell_class", "expected"), [
    ("ZMQInteractiveShell", True),   # Jupyter
    ("Shell", True),                 # Colab (google.colab._shell.Shell)
    ("TerminalInteractiveShell", False),
])
def test_in_notebook_knows_jupyter_and_colab(monkeypatch, shell_class, expected):
    import IPython

    shell = type(shell_class, (), {})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert viz.in_notebook() is expected


def test_in_notebook_is_false_without_a_shell(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert viz.in_notebook() is False


def test_the_step_axis_ends_where_training_stopped():
    # a time limit stopped the 6th epoch of 100 steps at step 545: its point is at 545, not 600
    assert list(viz.epoch_end_steps(6, 100, last_step=545)) == [100, 200, 300, 400, 500, 545]
    # a resumed run's history holds only its own epochs (here the 4th to 6th)
    assert list(viz.epoch_end_steps(3, 100, last_step=600)) == [400, 500, 600]
    assert list(viz.epoch_end_steps(3, 100)) == [100, 200, 300]
    history = {"d_loss": [1.0] * 6, "g_loss": [1.0] * 6, "d_real": [0.5] * 6, "d_fake": [0.5] * 6}
    fig = viz.plot_history(history, steps_per_epoch=100, last_step=545)
    assert fig.axes[0].lines[0].get_xdata()[-1] == 545
