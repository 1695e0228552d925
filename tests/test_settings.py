import time

import numpy as np
import pytest

from gan_course import settings


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False),
                                                 ("", False), ("no", False)])
def test_flags_parse(monkeypatch, value, expected):
    monkeypatch.setenv("GAN_COURSE_QUICK", value)
    monkeypatch.setenv("GAN_COURSE_OFFLINE", value)
    assert settings.quick_mode() is expected
    assert settings.offline_mode() is expected


def test_bad_flag_names_the_variable(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="GAN_COURSE_OFFLINE"):
        settings.offline_mode()


def test_folders_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_COURSE_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(tmp_path / "d"))
    made = settings.cache_dir("checkpoints", "lesson1")
    assert made == tmp_path / "c" / "checkpoints" / "lesson1" and made.is_dir()
    assert settings.data_dir() == tmp_path / "d"


def test_default_data_dir_holds_the_embedded_data(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_DATA_DIR", raising=False)
    assert (settings.data_dir() / "fashion_mnist_10k.npz").is_file()


def test_data_dir_order_environment_then_installed_copy_then_checkout(monkeypatch, tmp_path):
    bundled = tmp_path / "site-packages" / "gan_course" / "_data"
    monkeypatch.setattr(settings, "BUNDLED_DATA_DIR", bundled)
    monkeypatch.delenv("GAN_COURSE_DATA_DIR", raising=False)
    assert settings.data_dir() == settings.REPO_ROOT / "data"  # a checkout: no bundled copy
    bundled.mkdir(parents=True)
    assert settings.data_dir() == bundled  # installed from a wheel
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", "  ")  # blank means unset
    assert settings.data_dir() == bundled
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(tmp_path / "mine"))
    assert settings.data_dir() == tmp_path / "mine"  # the variable wins


def test_seed_everything_repeats_random_streams():
    import tensorflow as tf

    def draw():
        # the legacy global NumPy RNG is exactly what seed_everything must seed
        return np.random.rand(3), tf.random.uniform((3,)).numpy()  # noqa: NPY002

    settings.seed_everything(7)
    first = draw()
    settings.seed_everything(7)
    second = draw()
    settings.seed_everything(8)
    third = draw()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], third[0])


def test_time_budget_shrinks_in_quick_mode(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    assert settings.time_budget(10).seconds == 600
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    assert settings.time_budget(10, quick_minutes=0.25).seconds == 15
    assert settings.time_budget(10).seconds == 30  # a tenth, capped at half a minute
    assert settings.time_budget(2).seconds == 12
    assert settings.pick(full=50, quick=1) == 1
    with pytest.raises(ValueError, match=">= 0"):
        settings.time_budget(-1)


def test_time_budget_runs_out():
    budget = settings.TimeBudget(seconds=0.5)
    assert not budget.spent() and 0 < budget.remaining() <= 0.5
    time.sleep(0.6)
    assert budget.spent() and budget.remaining() == 0 and budget.fraction() == 1.0


@pytest.fixture
def fake_colab(monkeypatch, tmp_path):
    """Colab's modules, faked: ``drive.mount`` records its calls and makes ``MyDrive``."""
    import sys
    import types

    mounts = []

    def mount(root):
        mounts.append(root)
        (tmp_path / "drive" / "MyDrive").mkdir(parents=True)

    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mount)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.delenv("GAN_COURSE_CACHE_DIR", raising=False)
    monkeypatch.delenv("GAN_COURSE_HEADLESS", raising=False)
    return mounts, tmp_path / "drive"


def test_keep_cache_on_drive_does_nothing_off_colab(monkeypatch, capsys, tmp_path):
    import sys

    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert settings.keep_cache_on_drive(True, drive_root=tmp_path) is None
    assert settings.keep_cache_on_drive(False) is None
    assert capsys.readouterr().out == ""


def test_keep_cache_on_drive_offers_then_mounts_once(fake_colab, capsys, monkeypatch):
    mounts, root = fake_colab
    assert settings.keep_cache_on_drive(False, drive_root=root) is None
    offer = capsys.readouterr().out
    assert offer.count("\n") == 1 and "KEEP_ON_DRIVE = True" in offer and not mounts
    folder = settings.keep_cache_on_drive(True, drive_root=root)
    assert mounts == [str(root)] and folder == root / "MyDrive" / "gan_course_cache"
    assert settings.cache_dir("lesson04") == folder / "lesson04"  # checkpoints go to Drive
    assert "on Google Drive" in capsys.readouterr().out
    monkeypatch.delenv("GAN_COURSE_CACHE_DIR")
    settings.keep_cache_on_drive(True, drive_root=root)  # a second lesson: already mounted
    assert len(mounts) == 1


def test_keep_cache_on_drive_asks_nothing_headless_and_keeps_a_chosen_cache(
        fake_colab, capsys, monkeypatch, tmp_path):
    mounts, root = fake_colab
    monkeypatch.setenv("GAN_COURSE_HEADLESS", "1")
    monkeypatch.setenv("GAN_COURSE_CACHE_DIR", str(tmp_path / "cache"))
    assert settings.keep_cache_on_drive(True, drive_root=root) == tmp_path / "cache"
    monkeypatch.delenv("GAN_COURSE_CACHE_DIR")
    assert settings.keep_cache_on_drive(True, drive_root=root) is None
    assert not mounts and "headless" in capsys.readouterr().out


def test_quick_mode_can_be_forced_on_by_a_lesson(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_QUICK", raising=False)
    assert settings.quick_mode(force=False) is False
    assert settings.quick_mode(force=True) is True
    assert settings.quick_mode() is True  # the budgets read the same switch
    assert settings.time_budget(minutes=10, quick_minutes=0.5).seconds == 30
