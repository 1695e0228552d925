import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
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
from gan_course.training import GAN

TESTS = Path(__file__).resolve().parent


def tiny_gan(seed=0, ema=None):
    keras.utils.set_random_seed(seed)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=ema, seed=seed)
    gan.compile()
    return gan


def all_weights(gan):
    return [v.numpy().copy() for v in (gan.generator.variables + gan.discriminator.variables
                                      + gan.g_optimizer.variables + gan.d_optimizer.variables)]


# --------------------------------------------------------------------------- checkpoints


def test_checkpoint_round_trip_restores_everything(tmp_path):
    gan = tiny_gan(ema=0.9)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=4, verbose=0)
    checkpoint = callbacks.Checkpoint(tmp_path, every_n_steps=100, verbose=False)
    checkpoint.save(gan, epoch=1)
    saved, saved_ema = all_weights(gan), gan.ema_generator.get_weights()

    other = tiny_gan(seed=5, ema=0.9)  # different initial weights, untrained optimizers
    assert other.step == 0
    state = checkpoint.restore(other)
    assert (state.step, state.epoch) == (4, 1)
    assert other.step == 4 and int(other.d_optimizer.iterations.numpy()) == 4
    for a, b in zip(saved, all_weights(other), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(saved_ema, other.ema_generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_second_fit_resumes_and_does_the_planned_steps(tmp_path, capsys):
    gan = tiny_gan()
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
            callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=3)])
    assert gan.step == 10
    at_end = all_weights(gan)

    again = tiny_gan(seed=9)  # as after a kernel restart: new objects, same directory
    history = again.fit(toy.image_dataset(), epochs=4, steps_per_epoch=5, verbose=0,
                        callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=3)])
    out = capsys.readouterr().out
    assert "resumed from" in out and "step 10" in out
    assert len(history.history["d_loss"]) == 2  # only epochs 3 and 4 ran
    assert again.step == 20
    assert not np.array_equal(at_end[0], again.generator.variables[0].numpy())

    third = tiny_gan(seed=11)  # everything done already: nothing more to train
    third.fit(toy.image_dataset(), epochs=4, steps_per_epoch=5, verbose=0,
              callbacks=[callbacks.Checkpoint(tmp_path, verbose=False)])
    assert third.step == 20


def test_a_finished_run_saved_on_its_last_step_takes_no_step_more(tmp_path):
    """The last step is a multiple of every_n_steps, so it is saved inside the last epoch;
    the record must still say that epoch finished."""
    gan = tiny_gan()
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
            callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=5, verbose=False)])
    again = tiny_gan(seed=3)
    again.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
              callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=5, verbose=False)])
    assert again.step == 10


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    gan = tiny_gan()
    checkpoint = callbacks.Checkpoint(tmp_path, verbose=False)
    checkpoint.save(gan)
    good = checkpoint.path.read_bytes()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(callbacks.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(gan)
    assert checkpoint.path.read_bytes() == good  # the old checkpoint is intact
    assert sorted(p.name for p in checkpoint.path.parent.iterdir()) == [  # no debris
        callbacks.RunLock.FILENAME, checkpoint.FILENAME, checkpoint.SETTINGS_FILENAME]


def test_checkpoint_that_does_not_fit_or_is_corrupt(tmp_path):
    gan = tiny_gan()
    checkpoint = callbacks.Checkpoint(tmp_path, verbose=False)
    checkpoint.save(gan)
    bigger = GAN(toy.mlp(4, 64), toy.mlp(64, 1), latent_dim=4)
    bigger.compile()
    other = callbacks.Checkpoint(tmp_path, verbose=False)
    assert other.restore(bigger) is None  # another architecture: its own, empty run folder
    assert other.path.parent != checkpoint.path.parent
    other.path.parent.mkdir(parents=True, exist_ok=True)
    other.path.write_bytes(checkpoint.path.read_bytes())  # a file that does not fit it
    with pytest.raises(ValueError, match="does not fit this GAN"):
        other.restore(bigger)
    checkpoint.path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"No checkpoint in .* can be read \(gan_checkpoint.npz"):
        checkpoint.restore(gan)
    with pytest.raises(ValueError, match="every_n_steps"):
        callbacks.Checkpoint(tmp_path, every_n_steps=0)
    with pytest.raises(ValueError, match="on_change"):
        callbacks.Checkpoint(tmp_path, on_change="ignore")


def _fit(tmp_path, steps=4, epochs=1, seed=0, **options):
    """A tiny GAN trained ``epochs`` x ``steps`` steps with a Checkpoint in ``tmp_path``."""
    loss = options.pop("loss", "ns")
    keras.utils.set_random_seed(seed)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, loss=loss, seed=seed)
    gan.compile()
    gan.fit(toy.image_dataset(), epochs=epochs, steps_per_epoch=steps, verbose=0,
            callbacks=[callbacks.Checkpoint(tmp_path, **{"every_n_steps": 100, **options})])
    return gan


def test_changed_settings_train_anew_in_their_own_folder(tmp_path, capsys):
    assert _fit(tmp_path, steps=4).step == 4
    capsys.readouterr()
    switched = _fit(tmp_path, steps=4, loss="minimax")  # an exercise switches the loss
    out = capsys.readouterr().out
    assert "settings differ" in out and "loss: 'ns' -> 'minimax'" in out
    assert "resumed" not in out and switched.step == 4  # trained from scratch, all 4 steps
    assert len(list(tmp_path.glob("run-*/gan_checkpoint.npz"))) == 2  # the first run is kept
    back = _fit(tmp_path, steps=4, epochs=2)  # the first settings again: that run resumes
    assert "resumed from" in capsys.readouterr().out and back.step == 8


def test_a_new_data_tag_is_a_new_run(tmp_path, capsys):
    _fit(tmp_path, steps=3, data_tag="gravel")
    capsys.readouterr()
    brick = _fit(tmp_path, steps=3, data_tag="brick")
    out = capsys.readouterr().out
    assert "data: 'gravel' -> 'brick'" in out and brick.step == 3
    settings = json.loads(next(tmp_path.glob("run-*/run_settings.json")).read_text())
    assert settings["data"] in ("gravel", "brick") and settings["loss"] == "ns"


def test_on_change_error_names_the_setting_and_the_way_out(tmp_path):
    _fit(tmp_path, steps=2)
    with pytest.raises(ValueError, match=r"loss: 'ns' -> 'hinge'.*START_FRESH"):
        _fit(tmp_path, steps=2, loss="hinge", on_change="error")


def test_start_fresh_deletes_this_run(tmp_path, capsys):
    _fit(tmp_path, steps=3)
    again = _fit(tmp_path, steps=3, start_fresh=True)
    out = capsys.readouterr().out
    assert "start fresh: deleted" in out and "resumed" not in out
    assert again.step == 3


def test_without_run_settings_json_the_change_is_still_named(tmp_path, capsys):
    _fit(tmp_path, steps=2)
    next(tmp_path.glob("run-*/run_settings.json")).unlink()  # deleted, or never written
    capsys.readouterr()
    _fit(tmp_path, steps=2, loss="minimax")
    out = capsys.readouterr().out
    assert "loss: 'ns' -> 'minimax'" in out and "(none)" not in out  # read from the checkpoint
    for run in tmp_path.glob("run-*"):  # neither file readable: say so, list nothing
        (run / "run_settings.json").unlink(missing_ok=True)
        (run / "gan_checkpoint.npz").write_bytes(b"damaged")
    (tmp_path / "run-old").mkdir()
    (tmp_path / "run-old" / "gan_checkpoint.npz").write_bytes(b"damaged")
    capsys.readouterr()
    with pytest.raises(ValueError, match="its settings cannot be read, so what changed is "
                                         "unknown"):
        _fit(tmp_path, steps=2, loss="hinge", on_change="error")


def test_settings_differences_lists_each_change():
    old = {"loss": "ns", "g_optimizer": {"learning_rate": 2e-4, "beta_1": 0.5}, "data": None}
    new = {"loss": "ns", "g_optimizer": {"learning_rate": 1e-3, "beta_1": 0.5}, "data": "x"}
    assert callbacks.settings_differences(old, new) == [
        "data: None -> 'x'", "g_optimizer.learning_rate: 0.0002 -> 0.001"]
    assert callbacks.settings_differences(old, old) == []


RESUME_SCRIPT = textwrap.dedent("""
    import sys, time
    import keras, toy
    from gan_course import callbacks
    from gan_course.training import GAN

    directory, progress = sys.argv[1], sys.argv[2]
    keras.utils.set_random_seed(0)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, seed=0)
    gan.compile()

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            with open(progress, "a") as f:
                f.write(f"{gan.step}\\n")
            time.sleep(0.05)

    gan.fit(toy.image_dataset(), epochs=6, steps_per_epoch=8, verbose=0,
            callbacks=[callbacks.Checkpoint(directory, every_n_steps=5), Progress()])
    print(f"finished at step {gan.step}", flush=True)
""")


@pytest.mark.slow
def test_killed_process_resumes(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(RESUME_SCRIPT)
    progress = tmp_path / "progress.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)]),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, str(script), str(tmp_path / "ckpt"), str(progress)]

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    killed_at = 0
    while time.monotonic() < deadline:
        steps = [int(s) for s in progress.read_text().split()] if progress.exists() else []
        if steps and steps[-1] >= 13:
            first.send_signal(signal.SIGKILL)  # no chance to clean up or save
            first.wait()
            killed_at = steps[-1]
            break
        if first.poll() is not None:
            pytest.fail("the training process ended before it could be killed:\n"
                        + first.stdout.read().decode())
        time.sleep(0.05)
    assert killed_at >= 13, "the training process never reached step 13"

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stdout + second.stderr
    resumed = int(second.stdout.split("resumed from")[1].split("at step ")[1].split()[0])
    assert killed_at - 5 <= resumed <= killed_at  # at most every_n_steps lost
    assert resumed % 5 == 0
    assert "finished at step 48" in second.stdout  # exactly the planned 6 x 8 steps
    assert "took over the lock of a process that is gone" in second.stdout  # the killed one's


# --------------------------------------------------------------------------- NaN guard


def _poisoned_batches(n=20, bad=6):
    rng = np.random.default_rng(0)
    batches = np.tanh(rng.normal(size=(n, 8, 8, 8, 1))).astype("float32")
    batches[bad] = np.nan  # the 7th batch is poisoned
    return tf.data.Dataset.from_tensor_slices(batches)


def test_nan_guard_stops_and_restores_the_whole_good_state(capsys):
    gan = tiny_gan(ema=0.9)

    class KeepStep6(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if gan.step == 6:
                self.state = all_weights(gan) + gan.ema_generator.get_weights()

    keeper, guard = KeepStep6(), callbacks.NaNGuard(every_n_steps=2)
    gan.fit(_poisoned_batches(), epochs=1, verbose=0, callbacks=[keeper, guard])
    assert guard.fired_at_step == 7
    assert gan.step == 6  # back to the last good step: the optimizers' counters too
    restored = all_weights(gan) + gan.ema_generator.get_weights()
    for good, now in zip(keeper.state, restored, strict=True):  # weights, EMA, Adam moments
        np.testing.assert_array_equal(good, now)
    assert "NaN guard" in capsys.readouterr().out


def test_no_checkpoint_written_after_a_nan_holds_one(tmp_path, capsys):
    gan = tiny_gan()
    checkpoint = callbacks.Checkpoint(tmp_path, every_n_steps=1)  # before the guard: it sees NaN
    gan.fit(_poisoned_batches(), epochs=1, verbose=0,
            callbacks=[checkpoint, callbacks.NaNGuard(every_n_steps=2)])
    assert "checkpoint not written at step 7" in capsys.readouterr().out
    with np.load(checkpoint.path) as archive:
        meta = json.loads(archive["__meta__"].tobytes().decode())
        arrays = [archive[k] for k in archive.files if k != "__meta__"]
    assert meta["step"] == 6
    assert all(np.isfinite(a).all() for a in arrays if a.dtype.kind == "f")


def test_nan_guard_stays_quiet_on_finite_losses():
    gan = tiny_gan()
    guard = callbacks.NaNGuard(every_n_steps=1, verbose=False)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=4, verbose=0, callbacks=[guard])
    assert guard.fired_at_step is None and gan.step == 4


# --------------------------------------------------------------------------- time limit


class Slow(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.1)


def test_time_limit_stops_fit_cleanly(capsys):
    gan = tiny_gan()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=1, verbose=0)  # trace outside the budget
    limit = callbacks.TimeLimit(TimeBudget(seconds=0.5))
    history = gan.fit(toy.image_dataset(), epochs=100, steps_per_epoch=10, verbose=0,
                      callbacks=[Slow(), limit])
    assert limit.stopped_at_step is not None
    assert 1 + 2 <= gan.step < 1 + 50  # 0.1 s per step: about 5 steps in 0.5 s
    assert len(history.history["d_loss"]) == 1
    assert "time budget" in capsys.readouterr().out


def test_time_limit_takes_seconds():
    gan = tiny_gan()
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
    gan = tiny_gan()
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
    gan = tiny_gan()
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
    gan = tiny_gan(ema=0.5)
    grid = callbacks.SampleGrid(n=4, directory=tmp_path / "samples", live=False, scale=2)
    gif = tmp_path / "training.gif"
    gan.fit(toy.image_dataset(), epochs=3, steps_per_epoch=2, verbose=0,
            callbacks=[grid, callbacks.GifRecorder(grid, gif)])
    assert len(grid.frames) == 3
    assert grid.frames[0].shape == (2 * (2 * 9 + 1), 2 * (2 * 9 + 1))  # 2x2 grid of 8x8, x2
    assert not np.array_equal(grid.frames[0], grid.frames[-1])  # the samples changed
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [
        "epoch_0001.png", "epoch_0002.png", "epoch_0003.png"]
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 3


def test_sample_grid_uses_fixed_noise():
    gan = tiny_gan()
    grid = callbacks.SampleGrid(n=4, live=False)
    grid.set_model(gan)
    grid.on_train_begin()
    first = grid.draw()
    assert np.array_equal(first, grid.draw())  # same noise, same weights, same picture


def test_sample_grid_turns_outputs_into_pictures():
    """A G whose outputs are not images (a colouriser's ab) is drawn through to_picture."""
    gan = tiny_gan()
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
    gan = tiny_gan()
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=3, verbose=0,
            callbacks=[callbacks.ProgressBar(log_every_seconds=0.0)])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step")]
    assert lines[-1].startswith("step 6/6") and "D loss" in lines[-1] and "D(G(z))" in lines[-1]
    assert all("\r" not in line for line in lines)


def test_lesson_callbacks_train_resume_and_write_their_files(tmp_path):
    gan = tiny_gan()
    run = callbacks.lesson_callbacks(tmp_path / "run", budget=60.0, samples=4, gif=True,
                                     checkpoint_every_n_steps=2)
    kinds = [type(cb) for cb in run]
    assert kinds == [callbacks.SampleGrid, callbacks.GifRecorder, callbacks.TimeLimit,
                     callbacks.NaNGuard, callbacks.Checkpoint, callbacks.ProgressBar]
    run[0].live = False
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=2, verbose=0, callbacks=run)
    assert (tmp_path / "run" / "training.gif").is_file()
    assert len(list((tmp_path / "run" / "samples").glob("*.png"))) == 2
    again = tiny_gan()
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
        gan = tiny_gan()
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


# --------------------------------------------------------------------------- ProGAN fade-in


def test_fade_in_schedule_alpha_rises_linearly_to_one():
    schedule = callbacks.FadeInSchedule(fade_steps=10)
    assert schedule.alpha_at(0) == 0.0
    assert schedule.alpha_at(5) == pytest.approx(0.5)
    assert schedule.alpha_at(3) == pytest.approx(0.3)
    assert schedule.alpha_at(10) == 1.0 and schedule.alpha_at(25) == 1.0
    assert callbacks.FadeInSchedule(fade_steps=0).alpha_at(0) == 1.0  # no fade
    assert callbacks.FadeInSchedule(fade_steps=0).alpha_at(7) == 1.0
    with pytest.raises(ValueError, match="fade_steps=-1"):
        callbacks.FadeInSchedule(fade_steps=-1)


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


def test_fit_for_budget_trains_to_max_steps_checkpoints_and_resumes(tmp_path, capsys):
    gan = tiny_gan()
    history, grid = callbacks.fit_for_budget(gan, toy.image_dataset(), tmp_path / "run", 600.0,
                                             steps_per_epoch=2, max_steps=4, samples=4,
                                             name="tiny")
    assert gan.step == 4 and len(history.history["g_loss"]) == 2
    assert isinstance(grid, callbacks.SampleGrid)
    assert "tiny: 4 steps in total" in capsys.readouterr().out
    assert list((tmp_path / "run" / "checkpoint").glob("run-*/gan_checkpoint.npz"))
    again = tiny_gan()
    callbacks.fit_for_budget(again, toy.image_dataset(), tmp_path / "run", 600.0,
                             steps_per_epoch=2, max_steps=6, samples=4)
    out = capsys.readouterr().out
    assert "resumed from" in out and "run: 6 steps in total" in out


# --------------------------------------------------------------------------- nothing is lost


def _lock_of(tmp_path, **owner):
    """The run folder of ``_fit``'s settings, with a lock file of ``owner`` in it."""
    _fit(tmp_path, steps=2)
    run = next(tmp_path.glob("run-*"))
    lock = run / callbacks.RunLock.FILENAME
    lock.write_text(json.dumps({"host": socket.gethostname(), "started": "earlier", **owner}))
    return run, lock


def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run, lock = _lock_of(tmp_path, pid=other.pid)
        before = (run / callbacks.Checkpoint.FILENAME).read_bytes()
        with pytest.raises(RuntimeError, match=rf"Another process \(pid {other.pid} on .*"
                                               r"writing checkpoints to .*another directory"):
            _fit(tmp_path, steps=2, epochs=2)
        assert (run / callbacks.Checkpoint.FILENAME).read_bytes() == before  # untouched
        assert json.loads(lock.read_text())["pid"] == other.pid  # its lock is left alone
    finally:
        other.kill()
        other.wait()


def test_a_lock_whose_owner_is_gone_is_taken_over(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run, lock = _lock_of(tmp_path, pid=dead.pid)
    capsys.readouterr()
    assert _fit(tmp_path, steps=2, epochs=2).step == 4  # resumed at 2 and finished
    assert f"took over the lock of a process that is gone (pid {dead.pid}" in (
        capsys.readouterr().out)
    assert not lock.exists()  # released when training ended
    # a lock from another host (a shared drive): live while fresh, taken over when stale
    lock.write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "now"}))
    with pytest.raises(RuntimeError, match="pid 1 on elsewhere"):
        _fit(tmp_path, steps=2, epochs=3)
    old = time.time() - 3600
    os.utime(lock, (old, old))
    assert _fit(tmp_path, steps=2, epochs=3).step == 6


def test_after_a_nan_the_newest_good_checkpoint_stays_and_a_rerun_finishes_the_plan(
        tmp_path, capsys):
    gan = tiny_gan()
    checkpoint = callbacks.Checkpoint(tmp_path, every_n_steps=5)
    guard = callbacks.NaNGuard(every_n_steps=50)  # its snapshot is of step 0
    gan.fit(_poisoned_batches(n=10, bad=6).repeat(), epochs=2, steps_per_epoch=5, verbose=0,
            callbacks=[checkpoint, guard])
    assert guard.fired_at_step == 7 and gan.step == 0  # the guard went back to step 0 ...
    out = capsys.readouterr().out
    assert "kept the checkpoint of step 5" in out
    with np.load(checkpoint.path) as archive:  # ... but the file keeps step 5
        meta = json.loads(archive["__meta__"].tobytes().decode())
    assert meta["step"] == 5 and meta["epoch"] == 1
    again = tiny_gan(seed=4)  # the learner fixes the data and runs the cell again
    again.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
              callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=5)])
    assert "resumed from" in capsys.readouterr().out and again.step == 10  # the planned total


def test_a_corrupt_newest_checkpoint_resumes_from_the_one_before(tmp_path, capsys):
    _fit(tmp_path, steps=2, epochs=3, every_n_steps=2)  # saved at steps 2, 4 and 6
    run = next(tmp_path.glob("run-*"))
    files = sorted(p.name for p in run.glob("gan_checkpoint*.npz"))
    assert files == ["gan_checkpoint.1.npz", "gan_checkpoint.2.npz", "gan_checkpoint.npz"]
    newest = run / "gan_checkpoint.npz"
    newest.write_bytes(newest.read_bytes()[:1000])  # truncated, as by a failing disk
    capsys.readouterr()
    gan = _fit(tmp_path, steps=2, epochs=4, every_n_steps=2)
    out = capsys.readouterr().out
    assert "the newest checkpoint cannot be read (gan_checkpoint.npz" in out
    assert "resuming from the one before it, gan_checkpoint.1.npz" in out
    assert "at step 4 (epoch 2" in out and gan.step == 8


def test_a_folder_that_cannot_be_written_fails_before_training(tmp_path, monkeypatch):
    (tmp_path / "blocked").write_text("a file where the folder should be")
    gan = tiny_gan()
    with pytest.raises(PermissionError, match=r"Cannot write checkpoints in .*blocked.*"
                                              r"GAN_COURSE_CACHE_DIR"):
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                callbacks=[callbacks.Checkpoint(tmp_path / "blocked" / "run")])
    assert gan.step == 0  # refused at the start, not at the first save
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        locked = tmp_path / "read_only"
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError, match="Cannot write checkpoints"):
            gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                    callbacks=[callbacks.Checkpoint(locked)])

    def full(path):
        return shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000)

    monkeypatch.setattr(callbacks.shutil, "disk_usage", full)
    with pytest.raises(OSError, match=r"0\.0 MiB free, and a checkpoint needs about"):
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                callbacks=[callbacks.Checkpoint(tmp_path / "full")])
    assert gan.step == 0


def test_temporary_files_of_a_killed_write_are_removed(tmp_path, capsys):
    _fit(tmp_path, steps=2)
    run = next(tmp_path.glob("run-*"))
    debris = run / ".gan_checkpoint.npz.x1y2.tmp"
    debris.write_bytes(b"half a checkpoint")
    capsys.readouterr()
    _fit(tmp_path, steps=2, epochs=2)
    assert not debris.exists() and "removed .gan_checkpoint.npz.x1y2.tmp" in (
        capsys.readouterr().out)


def test_a_save_on_an_epochs_last_step_records_the_next_epoch(tmp_path):
    class Crash(keras.callbacks.Callback):  # the kernel dies right after the save at step 5
        def on_train_batch_end(self, batch, logs=None):
            if self.model.step == 5:
                raise RuntimeError("killed")

    class Epochs(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ended = []

        def on_epoch_end(self, epoch, logs=None):
            self.ended.append(epoch)

    gan = tiny_gan()
    with pytest.raises(RuntimeError, match="killed"):
        gan.fit(toy.image_dataset(), epochs=3, steps_per_epoch=5, verbose=0,
                callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=5, verbose=False),
                           Crash()])
    epochs = Epochs()
    again = tiny_gan(seed=2)
    again.fit(toy.image_dataset(), epochs=3, steps_per_epoch=5, verbose=0,
              callbacks=[callbacks.Checkpoint(tmp_path, every_n_steps=5, verbose=False), epochs])
    assert epochs.ended == [1, 2] and again.step == 15  # epoch 0 was done: not run again
    third = tiny_gan(seed=3)
    third.fit(toy.image_dataset(), epochs=3, steps_per_epoch=5, verbose=0,
              callbacks=[callbacks.Checkpoint(tmp_path, verbose=False)])
    assert third.step == 15  # finished: no step more


def test_checkpoints_get_the_users_usual_file_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        _fit(tmp_path, steps=2)
    finally:
        os.umask(previous)
    run = next(tmp_path.glob("run-*"))
    for name in (callbacks.Checkpoint.FILENAME, callbacks.Checkpoint.SETTINGS_FILENAME):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o644, name


def test_workers_other_than_the_chief_keep_their_checkpoints_apart(tmp_path, monkeypatch):
    config = {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert callbacks.Checkpoint(tmp_path).directory == tmp_path / "worker-1"
    config["task"]["index"] = 0
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert callbacks.Checkpoint(tmp_path).directory == tmp_path
