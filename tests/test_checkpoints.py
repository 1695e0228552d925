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
import types
from pathlib import Path

import keras
import numpy as np
import pytest
import toy

from gan_course import checkpoints, files, losses
from gan_course.training import GAN

TESTS = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- checkpoints


def test_checkpoint_round_trip_restores_everything(tmp_path):
    gan = toy.tiny_gan(ema=0.9)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=4, verbose=0)
    checkpoint = checkpoints.Checkpoint(tmp_path, every_n_steps=100, verbose=False)
    checkpoint.save(gan, epoch=1)
    saved, saved_ema = toy.all_weights(gan), gan.ema_generator.get_weights()

    other = toy.tiny_gan(seed=5, ema=0.9)  # different initial weights, untrained optimizers
    assert other.step == 0
    state = checkpoint.restore(other)
    assert (state.step, state.epoch) == (4, 1)
    assert other.step == 4 and int(other.d_optimizer.iterations.numpy()) == 4
    for a, b in zip(saved, toy.all_weights(other), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(saved_ema, other.ema_generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_second_fit_resumes_and_does_the_planned_steps(tmp_path, capsys):
    gan = toy.tiny_gan()
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
            callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=3)])
    assert gan.step == 10
    at_end = toy.all_weights(gan)

    again = toy.tiny_gan(seed=9)  # as after a kernel restart: new objects, same directory
    history = again.fit(toy.image_dataset(), epochs=4, steps_per_epoch=5, verbose=0,
                        callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=3)])
    out = capsys.readouterr().out
    assert "resumed from" in out and "step 10" in out
    assert len(history.history["d_loss"]) == 2  # only epochs 3 and 4 ran
    assert again.step == 20
    assert not np.array_equal(at_end[0], again.generator.variables[0].numpy())

    third = toy.tiny_gan(seed=11)  # everything done already: nothing more to train
    third.fit(toy.image_dataset(), epochs=4, steps_per_epoch=5, verbose=0,
              callbacks=[checkpoints.Checkpoint(tmp_path, verbose=False)])
    assert third.step == 20


def test_a_finished_run_saved_on_its_last_step_takes_no_step_more(tmp_path):
    """The last step is a multiple of every_n_steps, so it is saved inside the last epoch;
    the record must still say that epoch finished."""
    gan = toy.tiny_gan()
    gan.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
            callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=5, verbose=False)])
    again = toy.tiny_gan(seed=3)
    again.fit(toy.image_dataset(), epochs=2, steps_per_epoch=5, verbose=0,
              callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=5, verbose=False)])
    assert again.step == 10


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    gan = toy.tiny_gan()
    checkpoint = checkpoints.Checkpoint(tmp_path, verbose=False)
    checkpoint.save(gan)
    good = checkpoint.path.read_bytes()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(gan)
    assert checkpoint.path.read_bytes() == good  # the old checkpoint is intact
    assert sorted(p.name for p in checkpoint.path.parent.iterdir()) == [  # no debris
        checkpoints.RunLock.FILENAME, checkpoint.FILENAME, checkpoint.SETTINGS_FILENAME]


def test_checkpoint_that_does_not_fit_or_is_corrupt(tmp_path):
    gan = toy.tiny_gan()
    checkpoint = checkpoints.Checkpoint(tmp_path, verbose=False)
    checkpoint.save(gan)
    bigger = GAN(toy.mlp(4, 64), toy.mlp(64, 1), latent_dim=4)
    bigger.compile()
    other = checkpoints.Checkpoint(tmp_path, verbose=False)
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
        checkpoints.Checkpoint(tmp_path, every_n_steps=0)
    with pytest.raises(ValueError, match="on_change"):
        checkpoints.Checkpoint(tmp_path, on_change="ignore")


def test_changed_settings_train_anew_in_their_own_folder(tmp_path, capsys):
    assert toy.fit_run(tmp_path, steps=4).step == 4
    capsys.readouterr()
    switched = toy.fit_run(tmp_path, steps=4, loss="minimax")  # an exercise switches the loss
    out = capsys.readouterr().out
    assert "settings differ" in out and "loss: 'ns' -> 'minimax'" in out
    assert "resumed" not in out and switched.step == 4  # trained from scratch, all 4 steps
    assert len(list(tmp_path.glob("run-*/gan_checkpoint.npz"))) == 2  # the first run is kept
    back = toy.fit_run(tmp_path, steps=4, epochs=2)  # the first settings again: that run resumes
    assert "resumed from" in capsys.readouterr().out and back.step == 8


def test_a_new_data_tag_is_a_new_run(tmp_path, capsys):
    toy.fit_run(tmp_path, steps=3, data_tag="gravel")
    capsys.readouterr()
    brick = toy.fit_run(tmp_path, steps=3, data_tag="brick")
    out = capsys.readouterr().out
    assert "data: 'gravel' -> 'brick'" in out and brick.step == 3
    settings = json.loads(next(tmp_path.glob("run-*/run_settings.json")).read_text())
    assert settings["data"] in ("gravel", "brick") and settings["loss"] == "ns"


def test_on_change_error_names_the_setting_and_the_way_out(tmp_path):
    toy.fit_run(tmp_path, steps=2)
    with pytest.raises(ValueError, match=r"loss: 'ns' -> 'hinge'.*START_FRESH"):
        toy.fit_run(tmp_path, steps=2, loss="hinge", on_change="error")


def test_start_fresh_deletes_this_run(tmp_path, capsys):
    toy.fit_run(tmp_path, steps=3)
    again = toy.fit_run(tmp_path, steps=3, start_fresh=True)
    out = capsys.readouterr().out
    assert "start fresh: deleted" in out and "resumed" not in out
    assert again.step == 3


def test_without_run_settings_json_the_change_is_still_named(tmp_path, capsys):
    toy.fit_run(tmp_path, steps=2)
    next(tmp_path.glob("run-*/run_settings.json")).unlink()  # deleted, or never written
    capsys.readouterr()
    toy.fit_run(tmp_path, steps=2, loss="minimax")
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
        toy.fit_run(tmp_path, steps=2, loss="hinge", on_change="error")


def test_settings_differences_lists_each_change():
    old = {"loss": "ns", "g_optimizer": {"learning_rate": 2e-4, "beta_1": 0.5}, "data": None}
    new = {"loss": "ns", "g_optimizer": {"learning_rate": 1e-3, "beta_1": 0.5}, "data": "x"}
    assert checkpoints.settings_differences(old, new) == [
        "data: None -> 'x'", "g_optimizer.learning_rate: 0.0002 -> 0.001"]
    assert checkpoints.settings_differences(old, old) == []


RESUME_SCRIPT = textwrap.dedent("""
    import sys, time
    import keras, toy
    from gan_course import callbacks, checkpoints, files, losses
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
            callbacks=[checkpoints.Checkpoint(directory, every_n_steps=5), Progress()])
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


# --------------------------------------------------------------------------- nothing is lost


def _lock_of(tmp_path, **owner):
    """The run folder of ``_fit``'s settings, with a lock file of ``owner`` in it."""
    toy.fit_run(tmp_path, steps=2)
    run = next(tmp_path.glob("run-*"))
    lock = run / checkpoints.RunLock.FILENAME
    lock.write_text(json.dumps({"host": socket.gethostname(), "started": "earlier", **owner}))
    return run, lock


def test_a_second_writer_is_refused_naming_the_first(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run, lock = _lock_of(tmp_path, pid=other.pid)
        before = (run / checkpoints.Checkpoint.FILENAME).read_bytes()
        with pytest.raises(RuntimeError, match=rf"Another process \(pid {other.pid} on .*"
                                               r"writing checkpoints to .*another directory"):
            toy.fit_run(tmp_path, steps=2, epochs=2)
        assert (run / checkpoints.Checkpoint.FILENAME).read_bytes() == before  # untouched
        assert json.loads(lock.read_text())["pid"] == other.pid  # its lock is left alone
    finally:
        other.kill()
        other.wait()


def test_a_lock_whose_owner_is_gone_is_taken_over(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run, lock = _lock_of(tmp_path, pid=dead.pid)
    capsys.readouterr()
    assert toy.fit_run(tmp_path, steps=2, epochs=2).step == 4  # resumed at 2 and finished
    assert f"took over the lock of a process that is gone (pid {dead.pid}" in (
        capsys.readouterr().out)
    assert not lock.exists()  # released when training ended
    # a lock from another host (a shared drive): live while fresh, taken over when stale
    lock.write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "now"}))
    with pytest.raises(RuntimeError, match="pid 1 on elsewhere"):
        toy.fit_run(tmp_path, steps=2, epochs=3)
    old = time.time() - 3600
    os.utime(lock, (old, old))
    assert toy.fit_run(tmp_path, steps=2, epochs=3).step == 6


def test_a_corrupt_newest_checkpoint_resumes_from_the_one_before(tmp_path, capsys):
    toy.fit_run(tmp_path, steps=2, epochs=3, every_n_steps=2)  # saved at steps 2, 4 and 6
    run = next(tmp_path.glob("run-*"))
    files = sorted(p.name for p in run.glob("gan_checkpoint*.npz"))
    assert files == ["gan_checkpoint.1.npz", "gan_checkpoint.2.npz", "gan_checkpoint.npz"]
    newest = run / "gan_checkpoint.npz"
    newest.write_bytes(newest.read_bytes()[:1000])  # truncated, as by a failing disk
    capsys.readouterr()
    gan = toy.fit_run(tmp_path, steps=2, epochs=4, every_n_steps=2)
    out = capsys.readouterr().out
    assert "the newest checkpoint cannot be read (gan_checkpoint.npz" in out
    assert "resuming from the one before it, gan_checkpoint.1.npz" in out
    assert "at step 4 (epoch 2" in out and gan.step == 8


def test_a_folder_that_cannot_be_written_fails_before_training(tmp_path, monkeypatch):
    (tmp_path / "blocked").write_text("a file where the folder should be")
    gan = toy.tiny_gan()
    with pytest.raises(PermissionError, match=r"Cannot write checkpoints in .*blocked.*"
                                              r"give this run a directory you can write") as e:
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                callbacks=[checkpoints.Checkpoint(tmp_path / "blocked" / "run")])
    assert "GAN_COURSE_CACHE_DIR" not in str(e.value)  # it does not choose this folder
    assert gan.step == 0  # refused at the start, not at the first save
    monkeypatch.setenv("GAN_COURSE_CACHE_DIR", str(tmp_path))  # a folder of the course cache
    with pytest.raises(PermissionError, match=r"set GAN_COURSE_CACHE_DIR to a folder you can"):
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                callbacks=[checkpoints.Checkpoint(tmp_path / "blocked" / "run")])
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        locked = tmp_path / "read_only"
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError, match="Cannot write checkpoints"):
            gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                    callbacks=[checkpoints.Checkpoint(locked)])

    def full(path):
        return shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000)

    monkeypatch.setattr(checkpoints.shutil, "disk_usage", full)
    with pytest.raises(OSError, match=r"0\.0 MiB free, and a checkpoint needs about"):
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0,
                callbacks=[checkpoints.Checkpoint(tmp_path / "full")])
    assert gan.step == 0


def test_temporary_files_of_a_killed_write_are_removed(tmp_path, capsys):
    toy.fit_run(tmp_path, steps=2)
    run = next(tmp_path.glob("run-*"))
    debris = run / ".gan_checkpoint.npz.x1y2.tmp"
    debris.write_bytes(b"half a checkpoint")
    capsys.readouterr()
    toy.fit_run(tmp_path, steps=2, epochs=2)
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

    gan = toy.tiny_gan()
    with pytest.raises(RuntimeError, match="killed"):
        gan.fit(toy.image_dataset(), epochs=3, steps_per_epoch=5, verbose=0,
                callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=5, verbose=False),
                           Crash()])
    epochs = Epochs()
    again = toy.tiny_gan(seed=2)
    again.fit(toy.image_dataset(), epochs=3, steps_per_epoch=5, verbose=0,
              callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=5, verbose=False), epochs])
    assert epochs.ended == [1, 2] and again.step == 15  # epoch 0 was done: not run again
    third = toy.tiny_gan(seed=3)
    third.fit(toy.image_dataset(), epochs=3, steps_per_epoch=5, verbose=0,
              callbacks=[checkpoints.Checkpoint(tmp_path, verbose=False)])
    assert third.step == 15  # finished: no step more


def test_checkpoints_get_the_users_usual_file_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        toy.fit_run(tmp_path, steps=2)
    finally:
        os.umask(previous)
    run = next(tmp_path.glob("run-*"))
    for name in (checkpoints.Checkpoint.FILENAME, checkpoints.Checkpoint.SETTINGS_FILENAME):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o644, name


def test_workers_other_than_the_chief_keep_their_checkpoints_apart(tmp_path, monkeypatch):
    config = {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert checkpoints.Checkpoint(tmp_path).directory == tmp_path / "worker-1"
    config["task"]["index"] = 0
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert checkpoints.Checkpoint(tmp_path).directory == tmp_path


# --------------------------------------------------------------------------- what a run is


def test_describe_function_sees_numbers_from_globals_closures_and_partials():
    import functools

    def weighted(weight):
        return lambda real, fake, condition: weight * losses.l1(real, fake)

    describe = checkpoints.describe_function
    assert describe(weighted(1.0)) != describe(weighted(2.0))
    assert (checkpoints.describe_function(functools.partial(losses.drift))
            != checkpoints.describe_function(functools.partial(losses.l1, 3)))


CFG = {"l1_weight": 100.0, "norm": "l1"}
NAMESPACE = types.SimpleNamespace(weight=10.0)


class L1Term:
    """A callable object holding its weight."""

    def __init__(self, weight):
        self.weight, self.helper = weight, losses  # a module attribute is not a setting

    def __call__(self, real, fake, condition):
        return self.weight * losses.l1(real, fake)


def test_describe_function_sees_dicts_defaults_namespaces_and_objects(monkeypatch):
    """A weight held anywhere a term reads it changes the term's description, so a run trained
    with another weight never resumes (issue: a dict, a default, an object's attribute)."""
    describe = checkpoints.describe_function
    from_dict = lambda r, f, c: CFG["l1_weight"] * losses.l1(r, f)  # noqa: E731
    before = describe(from_dict)
    monkeypatch.setitem(CFG, "l1_weight", 10.0)
    assert describe(from_dict) != before
    monkeypatch.setitem(CFG, "l1_weight", 100.0)
    assert describe(from_dict) == before  # the same value: the same run
    monkeypatch.setitem(CFG, "norm", "l2")  # strings in a container count too
    assert describe(from_dict) != before

    def with_default(weight):
        return lambda r, f, c, w=weight: w * losses.l1(r, f)

    def keyword_only(weight):
        def term(r, f, c, *, w=weight):
            return w * losses.l1(r, f)
        return term

    assert describe(with_default(10.0)) != describe(with_default(5.0))
    assert describe(keyword_only(10.0)) != describe(keyword_only(5.0))
    assert describe(L1Term(10.0)) != describe(L1Term(5.0))
    assert describe(L1Term(10.0)) == describe(L1Term(10.0))
    from_namespace = lambda r, f, c: NAMESPACE.weight * losses.l1(r, f)  # noqa: E731
    before = describe(from_namespace)
    monkeypatch.setattr(NAMESPACE, "weight", 1.0)
    assert describe(from_namespace) != before
    # a closure over a dict of weights (LapStyle's perceptual terms hold one)
    weights = {"content": 1.0}
    closed = lambda r, f, c: weights["content"] * losses.l1(r, f)  # noqa: E731
    before = describe(closed)
    weights["content"] = 2.0
    assert describe(closed) != before


def test_a_gan_with_another_dict_weight_does_not_resume(tmp_path, monkeypatch, capsys):
    from gan_course import checkpoints, losses

    def fit():
        g, d = toy.tiny_image_models()
        gan = GAN(g, d, latent_dim=4,
                  g_terms={"l1": lambda r, f, c: CFG["l1_weight"] * losses.l1(r, f)})
        gan.compile()
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0,
                callbacks=[checkpoints.Checkpoint(tmp_path, every_n_steps=100)])
        return gan

    fit()
    capsys.readouterr()
    monkeypatch.setitem(CFG, "l1_weight", 1.0)
    assert fit().step == 2  # trained anew, not resumed at step 2
    out = capsys.readouterr().out
    assert "settings differ" in out and "g_terms.l1" in out and "resumed" not in out


# --------------------------------------------------------------------------- the data of a run


def _data(seed, n=32):
    images = np.random.default_rng(seed).integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)
    from gan_course import data

    return data.gan_dataset(images, 8, repeat=True)


def test_other_data_in_the_same_run_folder_is_refused_unless_named_or_started_fresh(tmp_path):
    from gan_course import callbacks

    callbacks.train(toy.tiny_gan(), _data(0), tmp_path, 600.0, steps_per_epoch=2, max_steps=2,
                    samples=4)
    run = next((tmp_path / "checkpoint").glob("run-*"))
    assert json.loads((run / "data.json").read_text())["description"].startswith("32 images")
    again = callbacks.train(toy.tiny_gan(), _data(0), tmp_path, 600.0, steps_per_epoch=2,
                            max_steps=4, samples=4)  # the same data resumes
    assert again.history.epoch and toy.tiny_gan().step == 0
    with pytest.raises(ValueError, match=r"trained on other data \(32 images.*data_tag="):
        callbacks.train(toy.tiny_gan(), _data(1), tmp_path, 600.0, steps_per_epoch=2,
                        max_steps=4, samples=4)
    named = callbacks.train(toy.tiny_gan(), _data(1), tmp_path, 600.0, steps_per_epoch=2,
                            max_steps=2, samples=4, data_tag="the other images")
    assert named.checkpoint.run_directory != run
    fresh = callbacks.train(toy.tiny_gan(), _data(1), tmp_path, 600.0, steps_per_epoch=2,
                            max_steps=2, samples=4, start_fresh=True)
    assert fresh.checkpoint.run_directory == run and fresh.history.epoch == [0]


def test_a_pipeline_of_your_own_is_told_once_that_data_tag_names_its_data(tmp_path, capsys,
                                                                          monkeypatch):
    monkeypatch.setattr(checkpoints.Checkpoint, "_told_data_tag", False)
    for folder in ("a", "b"):
        toy.tiny_gan().fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0,
                           callbacks=[checkpoints.Checkpoint(tmp_path / folder)])
    assert capsys.readouterr().out.count("give data_tag=") == 1
    toy.tiny_gan().fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0, callbacks=[
        checkpoints.Checkpoint(tmp_path / "c", data_tag="noise")])
    assert "data_tag" not in capsys.readouterr().out
