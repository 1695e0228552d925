import json
import time
from pathlib import Path

import imageio.v3 as iio
import keras
import numpy as np
import pytest
import tensorflow as tf
import toy

from gan_course import callbacks
from gan_course.settings import TimeBudget

TESTS = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- NaN guard


def test_nan_guard_stops_and_restores_the_whole_good_state(capsys):
    gan = toy.tiny_gan(ema=0.9)

    class KeepStep6(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if gan.step == 6:
                self.state = toy.all_weights(gan) + gan.ema_generator.get_weights()

    keeper, guard = KeepStep6(), callbacks.NaNGuard(every_n_steps=2)
    gan.fit(toy.poisoned_batches(), epochs=1, verbose=0, callbacks=[keeper, guard])
    assert guard.fired_at_step == 7
    assert gan.step == 6  # back to the last good step: the optimizers' counters too
    restored = toy.all_weights(gan) + gan.ema_generator.get_weights()
    for good, now in zip(keeper.state, restored, strict=True):  # weights, EMA, Adam moments
        np.testing.assert_array_equal(good, now)
    assert "NaN guard" in capsys.readouterr().out


def test_no_checkpoint_written_after_a_nan_holds_one(tmp_path, capsys):
    gan = toy.tiny_gan()
    checkpoint = callbacks.Checkpoint(tmp_path, every_n_steps=1)  # before the guard: it sees NaN
    gan.fit(toy.poisoned_batches(), epochs=1, verbose=0,
            callbacks=[checkpoint, callbacks.NaNGuard(every_n_steps=2)])
    assert "checkpoint not written at step 7" in capsys.readouterr().out
    with np.load(checkpoint.path) as archive:
        meta = json.loads(archive["__meta__"].tobytes().decode())
        arrays = [archive[k] for k in archive.files if k != "__meta__"]
    assert meta["step"] == 6
    assert all(np.isfinite(a).all() for a in arrays if a.dtype.kind == "f")


def test_nan_guard_stays_quiet_on_finite_losses():
    gan = toy.tiny_gan()
    guard = callbacks.NaNGuard(every_n_steps=1, verbose=False)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=4, verbose=0, callbacks=[guard])
    assert guard.fired_at_step is None and gan.step == 4


def test_after_a_nan_the_newest_good_checkpoint_stays_and_a_rerun_finishes_the_plan(
        tmp_path, capsys):
    gan = toy.tiny_gan()
    checkpoint = callbacks.Checkpoint(tmp_path, every_n_steps=5)
    guard = callbacks.NaNGuard(every_n_steps=50)  # its snapshot is of step 0
    gan.fit(toy.poisoned_batches(n=10, bad=6).repeat(), epochs=2, steps_per_epoch=5, verbose=0,
            callbacks=[checkpoint, guard])
    assert guard.fired_at_step == 7 and gan.step == 0  # the guard went back to step 0 ...
    out = capsys.readouterr().out
    assert "kept the checkpoint of step 5" in out
    with np.load(checkpoint.path) as archive:  # ... but the file keeps step 5
        meta = json.loads(archive["__meta__"].tobytes().decode())
    assert meta["step"] == 5 and meta["epoch"] == 1
    again = toy.tiny_gan(seed=4)  # the learner fixes the data and runs the cell again
    again.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
              callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=5)])
    assert "resumed from" in capsys.readouterr().out and again.step == 10  # the planned total

# --------------------------------------------------------------------------- time limit


class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.1)


def test_time_limit_stops_fit_cleanly(capsys):
    gan = toy.tiny_gan()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=1, verbose=0)  # trace outside the budget
    limit = callbacks.TimeLimit(TimeBudget(seconds=0.5))
    history = gan.fit(toy.image_dataset(), epochs=100, steps_per_epoch=10, verbose=0,
                      callbacks=[Slow(), limit])
    assert limit.stopped_at_step is not None
    assert 1 + 2 <= gan.step < 1 + 50  # 0.1 s per step: about 5 steps in 0.5 s
    assert len(history.history["d_loss"]) == 1
    assert "time budget" in capsys.readouterr().out


def test_time_limit_takes_seconds():
    gan = toy.tiny_gan()
    limit = callbacks.TimeLimit(60.0, verbose=False)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0, callbacks=[limit])
    assert limit.stopped_at_step is None and gan.step == 3


@pytest.mark.parametrize(("fraction", "start", "expected"), [
    (0.0, 0.5, 1.0), (0.5, 0.5, 1.0), (0.75, 0.5, 0.5), (1.0, 0.5, 0.0), (1.5, 0.5, 0.0),
    (0.9, 0.8, 0.5), (0.99, 1.0, 1.0), (0.5, 0.0, 0.5)])
def test_cooldown_factor(fraction, start, expected):
    assert callbacks.cooldown_factor(fraction, start) == pytest.approx(expected)


@pytest.mark.parametrize("start", [-0.1, 1.5])
def test_cooldown_rejects_a_start_outside_the_budget(start):
    with pytest.raises(ValueError, match="start must lie in"):
        callbacks.LearningRateCooldown(60.0, start=start)


class RecordRates(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_end(self, batch, logs=None):
        self.rates.append((float(self.model.g_optimizer.learning_rate.numpy()),
                           float(self.model.d_optimizer.learning_rate.numpy())))


def test_cooldown_lowers_both_rates_during_fit_and_restores_them():
    gan = toy.tiny_gan()
    gan.g_optimizer.learning_rate, gan.d_optimizer.learning_rate = 2e-3, 4e-3
    # 70 % spent: factor ~0.6. A long budget, so that a slow first step (tracing on a busy
    # machine) moves the factor by less than 0.1 %.
    budget = TimeBudget(seconds=100_000.0, start=time.monotonic() - 70_000.0)
    record = RecordRates()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
            callbacks=[callbacks.LearningRateCooldown(budget, start=0.5), record])
    for g_rate, d_rate in record.rates:
        assert g_rate == pytest.approx(2e-3 * 0.6, rel=0.05)
        assert d_rate == pytest.approx(4e-3 * 0.6, rel=0.05)
    assert float(gan.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-3)
    assert float(gan.d_optimizer.learning_rate.numpy()) == pytest.approx(4e-3)


def test_compiled_steps_use_the_cooled_rate():
    """A spent budget means rate 0: the traced step must read the new rate and not move."""
    gan = toy.tiny_gan()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)  # traced at full rate
    before = [v.numpy().copy() for v in gan.generator.trainable_variables
              + gan.discriminator.trainable_variables]
    spent = TimeBudget(seconds=1.0, start=time.monotonic() - 5.0)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0,
            callbacks=[callbacks.LearningRateCooldown(spent, start=0.5)])
    after = gan.generator.trainable_variables + gan.discriminator.trainable_variables
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b.numpy())
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=1, verbose=0)  # rates restored
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(
        before, gan.generator.trainable_variables + gan.discriminator.trainable_variables,
        strict=True))


# --------------------------------------------------------------------------- pictures


def test_sample_grid_and_gif(tmp_path):
    gan = toy.tiny_gan(ema=0.5)
    grid = callbacks.SampleGrid(n=4, directory=tmp_path / "samples", live=False, scale=2)
    gif = tmp_path / "training.gif"
    gan.fit(toy.image_dataset(), epochs=3, steps_per_epoch=2, verbose=0,
            callbacks=[grid, callbacks.GifRecorder(grid, gif)])
    assert len(grid.frames) == 3
    assert grid.frames[0].shape == (2 * (2 * 9 + 1), 2 * (2 * 9 + 1))  # 2x2 grid of 8x8, x2
    assert not np.array_equal(grid.frames[0], grid.frames[-1])  # the samples changed
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [  # by the GAN's step
        "step_0000002.png", "step_0000004.png", "step_0000006.png"]
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 3


def test_sample_grid_uses_fixed_noise():
    gan = toy.tiny_gan()
    grid = callbacks.SampleGrid(n=4, live=False)
    grid.set_model(gan)
    grid.on_train_begin()
    first = grid.draw()
    assert np.array_equal(first, grid.draw())  # same noise, same weights, same picture


def test_sample_grid_turns_outputs_into_pictures():
    """A G whose outputs are not images (a colouriser's ab) is drawn through to_picture."""
    gan = toy.tiny_gan()
    seen = []

    def to_rgb(outputs, condition):
        seen.append((outputs.shape, condition))
        return np.repeat(outputs, 3, axis=-1)

    grid = callbacks.SampleGrid(n=4, live=False, scale=1, ncols=4, to_picture=to_rgb)
    grid.set_model(gan)
    grid.on_train_begin()
    picture = grid.draw()
    assert seen == [((4, 8, 8, 1), None)]
    assert picture.shape == (1 * 9 + 1, 4 * 9 + 1, 3)


def test_progress_bar_prints_readable_lines_in_logs(capsys):
    gan = toy.tiny_gan()
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=3, verbose=0,
            callbacks=[callbacks.ProgressBar(log_every_seconds=0.0)])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step")]
    assert lines[-1].startswith("step 6/6") and "D loss" in lines[-1] and "D(G(z))" in lines[-1]
    assert all("\r" not in line for line in lines)


def test_lesson_callbacks_train_resume_and_write_their_files(tmp_path):
    gan = toy.tiny_gan()
    run = callbacks.lesson_callbacks(tmp_path / "run", budget=60.0, samples=4, gif=True,
                                     checkpoint_every_n_steps=2)
    kinds = [type(cb) for cb in run]
    assert kinds == [callbacks.SampleGrid, callbacks.GifRecorder, callbacks.TimeLimit,
                     callbacks.NaNGuard, callbacks.Checkpoint, callbacks.ProgressBar]
    run[0].live = False
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=2, verbose=0, callbacks=run)
    assert (tmp_path / "run" / "training.gif").is_file()
    assert run[0].directory.parent == run[4].run_directory  # the run's own folder
    assert len(list(run[0].directory.glob("*.png"))) == 2
    again = toy.tiny_gan()
    rerun = callbacks.lesson_callbacks(tmp_path / "run", budget=60.0)
    rerun[0].live = False
    again.fit(toy.image_dataset(), epochs=3, steps_per_epoch=2, verbose=0, callbacks=rerun)
    assert again.step == 6  # resumed at step 4 from the checkpoint, then one more epoch
    assert [type(cb) for cb in callbacks.lesson_callbacks(tmp_path, 1.0)][1] is callbacks.TimeLimit


# --------------------------------------------------------------------------- TensorBoard


def _logged_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar in the TensorBoard event files under ``folder``: tag -> [(step, value)]."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    found: dict[str, list[tuple[int, float]]] = {}
    for directory in sorted({events.parent for events in folder.rglob("events.out.tfevents.*")}):
        accumulator = EventAccumulator(str(directory), size_guidance={"tensors": 0})
        accumulator.Reload()
        for tag in accumulator.Tags()["tensors"]:
            for event in accumulator.Tensors(tag):
                value = float(tf.make_ndarray(event.tensor_proto))
                found.setdefault(tag, []).append((event.step, value))
    return found


def test_tensorboard_logs_every_metric_in_the_run_folder_and_continues_on_resume(tmp_path):
    def train(epochs):
        gan = toy.tiny_gan()
        run = callbacks.lesson_callbacks(tmp_path, budget=60.0, samples=4, tensorboard=True,
                                         checkpoint_every_n_steps=2)
        run[0].live = False
        history = gan.fit(toy.image_dataset(), epochs=epochs, steps_per_epoch=2, verbose=0,
                          callbacks=run)
        checkpoint = next(cb for cb in run if isinstance(cb, callbacks.Checkpoint))
        assert any(isinstance(cb, callbacks.TensorBoardLog) for cb in run)
        return checkpoint, history

    checkpoint, history = train(2)
    logs = checkpoint.run_directory / "logs"
    scalars = _logged_scalars(logs)
    assert set(scalars) == set(history.history) | {"g_learning_rate", "d_learning_rate"}
    assert scalars["g_learning_rate"][0] == (2, pytest.approx(2e-4))
    assert [value for _, value in scalars["g_loss"]] == pytest.approx(
        history.history["g_loss"], rel=1e-6)
    train(3)  # resumes at step 4 and logs step 6 into the same run's folder
    assert [step for step, _ in _logged_scalars(logs)["d_loss"]] == [2, 4, 6]


def test_tensorboard_log_needs_a_place():
    with pytest.raises(ValueError, match="directory or a Checkpoint"):
        callbacks.TensorBoardLog()


def test_show_tensorboard_prints_the_command_when_nobody_watches(tmp_path, monkeypatch, capsys):
    from gan_course import viz

    monkeypatch.setenv("GAN_COURSE_HEADLESS", "1")
    viz.show_tensorboard(tmp_path)
    assert f"run: tensorboard --logdir {tmp_path}" in capsys.readouterr().out


def test_write_gif_needs_the_range_of_float_frames_and_enlarges_small_ones(tmp_path):
    import imageio.v3 as iio

    unit = np.zeros((2, 8, 8, 3), np.float32)
    unit[1] = 1.0  # a black frame, then a white one
    with pytest.raises(ValueError, match="value_range"):
        callbacks.write_gif(list(unit), tmp_path / "guess.gif")
    path = callbacks.write_gif(list(unit), tmp_path / "unit.gif", value_range=(0, 1),
                               min_side=20)
    frames = iio.imread(path, index=None)
    assert frames.shape[1:3] == (24, 24)  # 3 x 8: the smallest whole factor reaching 20
    assert frames[0].max() == 0 and frames[1].min() == 255  # black stays black, not grey 128
    signed = callbacks.write_gif(list(unit * 2 - 1), tmp_path / "signed.gif",
                                 value_range=(-1, 1))
    np.testing.assert_array_equal(iio.imread(signed, index=None)[0], frames[0][:8, :8])


def test_train_runs_to_max_steps_checkpoints_and_resumes(tmp_path, capsys):
    gan = toy.tiny_gan()

    class Steps(keras.callbacks.Callback):
        seen = 0

        def on_train_batch_end(self, batch, logs=None):
            Steps.seen += 1

    run = callbacks.train(gan, toy.image_dataset(), tmp_path / "run", 600.0, steps_per_epoch=2,
                          max_steps=4, samples=4, name="tiny", extra_callbacks=[Steps()])
    assert gan.step == 4 and len(run.history.history["g_loss"]) == 2 and Steps.seen == 4
    assert isinstance(run.grid, callbacks.SampleGrid) and len(run.grid.frames) == 2
    assert run.checkpoint.path.is_file() and run.checkpoint.path.parent.parent == (
        tmp_path / "run" / "checkpoint")
    assert "tiny: 4 steps in total" in capsys.readouterr().out
    with pytest.raises(ValueError, match="max_steps=0 must be whole numbers >= 1"):
        callbacks.train(gan, toy.image_dataset(), tmp_path / "run", 600.0, max_steps=0)
    again = toy.tiny_gan()
    history, grid = callbacks.fit_for_budget(again, toy.image_dataset(), tmp_path / "run", 600.0,
                                             steps_per_epoch=2, max_steps=6, samples=4)
    assert isinstance(grid, callbacks.SampleGrid) and again.step == 6
    out = capsys.readouterr().out
    assert "resumed from" in out and "run: 6 steps in total" in out


def test_a_finished_run_trained_again_shows_its_saved_model_and_whole_history(tmp_path,
                                                                              capsys):
    """Run All twice: the second run trains no step, says so, and still has a picture and
    the first run's history; a resumed run's history holds every epoch."""
    first = toy.tiny_gan()
    run = callbacks.train(first, toy.image_dataset(), tmp_path / "run", 600.0,
                          steps_per_epoch=2, max_steps=4, samples=4)
    pngs = sorted(run.grid.directory.glob("*.png"))
    losses = run.history.history["g_loss"]
    assert len(losses) == 2 and len(pngs) == 2
    capsys.readouterr()
    again = callbacks.train(toy.tiny_gan(), toy.image_dataset(), tmp_path / "run", 600.0,
                            steps_per_epoch=2, max_steps=4, samples=4)
    out = capsys.readouterr().out
    assert "this run finished earlier (4 steps)" in out and "START_FRESH" in out
    assert len(again.grid.frames) == 1 and again.grid.frames[0].shape == run.grid.frames[-1].shape
    np.testing.assert_allclose(again.history.history["g_loss"], losses)
    assert sorted(run.grid.directory.glob("*.png")) == pngs  # none overwritten
    longer = callbacks.train(toy.tiny_gan(), toy.image_dataset(), tmp_path / "run", 600.0,
                             steps_per_epoch=2, max_steps=8, samples=4)
    assert longer.history.history["g_loss"][:2] == pytest.approx(losses)
    assert len(longer.history.history["g_loss"]) == 4  # the first two epochs and two more


def test_a_resumed_run_keeps_every_picture_and_its_gif_holds_every_sitting(tmp_path):
    """Samples are numbered by the GAN's step in the run's folder; a resume adds to them."""
    first = callbacks.train(toy.tiny_gan(), toy.image_dataset(), tmp_path / "run", 600.0,
                            steps_per_epoch=2, max_steps=4, samples=4, gif=True)
    folder = first.grid.directory
    before = {p.name: p.read_bytes() for p in folder.glob("*.png")}
    assert sorted(before) == ["step_0000002.png", "step_0000004.png"]
    assert iio.imread(tmp_path / "run" / "training.gif", index=None).shape[0] == 2
    second = callbacks.train(toy.tiny_gan(), toy.image_dataset(), tmp_path / "run", 600.0,
                             steps_per_epoch=2, max_steps=8, samples=4, gif=True)
    assert second.grid.directory == folder and len(second.grid.frames) == 2  # this sitting's
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names == [f"step_{s:07d}.png" for s in (2, 4, 6, 8)]
    assert all((folder / name).read_bytes() == data for name, data in before.items())
    frames = iio.imread(tmp_path / "run" / "training.gif", index=None)
    assert frames.shape[0] == 4  # both sittings


def test_a_budget_of_steps_trains_exactly_those_steps_and_leaves_the_run_on_the_gan(
        tmp_path, monkeypatch, capsys):
    """Quick mode counts steps: a slow machine does the same steps, only later."""
    from gan_course import settings

    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    budget = settings.time_budget(10, quick_steps=6)
    assert budget.steps == 6 and not budget.spent() and budget.fraction() == 0.0
    slow = toy.tiny_gan()

    class Slow(keras.callbacks.Callback):  # a machine ten times slower than the budget knows
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(0.05)

    callbacks.train(slow, toy.image_dataset(), tmp_path / "slow", budget, steps_per_epoch=4,
                    max_steps=1000, samples=4, extra_callbacks=[Slow()])
    fast = toy.tiny_gan()
    callbacks.train(fast, toy.image_dataset(), tmp_path / "fast", budget, steps_per_epoch=4,
                    max_steps=1000, samples=4)
    assert slow.step == fast.step == 6  # epochs of 3 (a divisor of 6 near 4): no step more
    assert slow.trained_run.fingerprint == fast.trained_run.fingerprint
    assert slow.trained_run.planned_steps == 6 and slow.trained_run.steps == 6
    assert slow.trained_run.settings["planned_steps"] == 6
    other = toy.tiny_gan()
    callbacks.train(other, toy.image_dataset(), tmp_path / "other",
                    settings.time_budget(10, quick_steps=4), steps_per_epoch=4, samples=4)
    assert other.trained_run.fingerprint != fast.trained_run.fingerprint
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    monkeypatch.setenv(settings.MAX_STEPS_VARIABLE, "8")
    full = settings.time_budget(10, quick_steps=6)
    assert full.seconds == 600 and full.steps == 8  # full mode: minutes, capped for the bench
    with pytest.raises(ValueError, match="quick_steps=0"):
        settings.time_budget(10, quick_steps=0)


def test_epochs_end_exactly_at_the_planned_steps():
    assert callbacks.epoch_length(1000, 100) == 100
    assert callbacks.epoch_length(150, 100) == 50
    assert callbacks.epoch_length(8, 25) == 8
    assert callbacks.epoch_length(997, 100) == 100  # no near divisor: whole epochs, fewer steps


def test_a_run_stopped_early_trains_on_and_says_so(tmp_path, capsys):
    """A full-mode run whose time ran out is not finished: a rerun trains on."""
    first = toy.tiny_gan()
    callbacks.train(first, toy.image_dataset(), tmp_path / "run", 600.0, steps_per_epoch=2,
                    max_steps=6, samples=4, extra_callbacks=[_StopAt(2)])
    assert first.step == 2
    capsys.readouterr()
    again = toy.tiny_gan()
    callbacks.train(again, toy.image_dataset(), tmp_path / "run", 600.0, steps_per_epoch=2,
                    max_steps=6, samples=4)
    out = capsys.readouterr().out
    assert "stopped at step 2 of the 6 planned" in out and "training on" in out
    assert again.step == 6 and "finished earlier" not in out


class _StopAt(keras.callbacks.Callback):
    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if self.model.step >= self.step:
            self.model.stop_training = True


def test_the_progress_bar_of_a_resumed_run_counts_from_its_step(tmp_path, capsys):
    run = tmp_path / "run"
    callbacks.train(toy.tiny_gan(), toy.image_dataset(), run, 600.0, steps_per_epoch=2,
                    max_steps=4, samples=4, extra_callbacks=[_StopAt(2)])
    capsys.readouterr()
    gan = toy.tiny_gan()
    bar = callbacks.ProgressBar(log_every_seconds=0.0)
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=2, verbose=0,
            callbacks=[callbacks.Checkpoint(run / "checkpoint"), bar])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step")]
    assert [line.split()[1] for line in lines] == ["3/4", "4/4", "4/4"]
    assert bar._first == 2


def test_a_gan_with_more_g_steps_trains_its_whole_plan_and_resumes_finished(tmp_path, capsys):
    """Steps count rounds, so the checkpoint's plan, the bar and a rerun agree with g_steps."""
    from gan_course.training import GAN

    def gan_with_g_steps():
        keras.utils.set_random_seed(0)
        gan = GAN(*toy.tiny_image_models(), latent_dim=4, g_steps=2)
        gan.compile()
        return gan

    first = gan_with_g_steps()
    callbacks.train(first, toy.image_dataset(), tmp_path / "run", 600.0, steps_per_epoch=2,
                    max_steps=4, samples=4)
    assert first.step == 4 and int(first.g_optimizer.iterations.numpy()) == 8
    capsys.readouterr()
    again = gan_with_g_steps()
    callbacks.train(again, toy.image_dataset(), tmp_path / "run", 600.0, steps_per_epoch=2,
                    max_steps=4, samples=4)
    assert again.step == 4 and "this run finished earlier (4 steps)" in capsys.readouterr().out


def test_a_dataset_that_runs_out_before_the_plan_is_an_error_naming_repeat(tmp_path):
    finite = toy.image_dataset().take(3).filter(lambda x: True)  # a length tf.data cannot tell
    with pytest.raises(ValueError, match=r"ran out at step \d of the 4 planned.*repeat=True"):
        callbacks.train(toy.tiny_gan(), finite, tmp_path, 600.0, steps_per_epoch=2,
                        max_steps=4, samples=4)
    with pytest.raises(ValueError, match=r"holds 3 batches, fewer than the 4 steps"):
        callbacks.train(toy.tiny_gan(), toy.image_dataset().take(3), tmp_path / "b", 600.0,
                        steps_per_epoch=2, max_steps=4, samples=4)
