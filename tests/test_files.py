import os

import imageio.v3 as iio
import numpy as np
import pytest

from gan_course import files


def test_atomic_write_keeps_older_generations_and_leaves_no_debris(tmp_path):
    path = tmp_path / "sub" / "state.npz"
    for payload in (b"one", b"two", b"three", b"four"):
        files.atomic_write_bytes(path, payload, keep=3)
    assert [p.read_bytes() for p in files.generation_paths(path, 3)] == [b"four", b"three", b"two"]
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "state.1.npz", "state.2.npz", "state.npz"]


def test_a_failed_atomic_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "state.bin"
    files.atomic_write_bytes(path, b"good")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write_bytes(path, b"half")
    assert path.read_bytes() == b"good" and os.listdir(tmp_path) == ["state.bin"]


def test_replace_folder_swaps_a_whole_folder(tmp_path):
    old, new = tmp_path / "export", tmp_path / "staging"
    old.mkdir()
    (old / "a.txt").write_text("old")
    new.mkdir()
    (new / "b.txt").write_text("new")
    files.replace_folder(new, old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]
    assert [p.name for p in old.iterdir()] == ["b.txt"]
    again = tmp_path / "fresh"
    again.mkdir()
    files.replace_folder(again, tmp_path / "first_time")
    assert (tmp_path / "first_time").is_dir() and not again.exists()


def test_png_bytes_round_trip():
    picture = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    np.testing.assert_array_equal(iio.imread(files.png_bytes(picture), extension=".png"), picture)


def test_download_is_refused_offline_with_the_way_out(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    with pytest.raises(ConnectionError, match="GAN_COURSE_OFFLINE=1.*pass its file path"):
        files.download("https://example.com/x.png")
