"""Shipped files are checked against data/SHA256SUMS before they load."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_course import features, settings, shipped
from gan_course.models import progan

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from update_checksums import shipped_files  # noqa: E402


def test_the_manifest_lists_every_shipped_file_with_its_sum_as_data_readme_does():
    data_dir = ROOT / "data"
    entries = shipped.manifest(data_dir)
    assert sorted(entries) == shipped_files(data_dir)  # tools/update_checksums.py is current
    readme = (data_dir / "README.md").read_text()
    for name, digest in entries.items():
        assert shipped.sha256_of(data_dir / name) == digest, f"{name}: run update_checksums"
        assert digest in readme, f"data/README.md lacks the sha256 of {name}"


@pytest.fixture
def data_copy(tmp_path, monkeypatch, cache_dir):
    """A copy of data/ that the package reads (GAN_COURSE_DATA_DIR), to damage."""
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data", copy)
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(copy))
    monkeypatch.setattr(shipped, "_VERIFIED", {})
    return copy


def test_a_classifier_with_two_weight_columns_swapped_is_refused(data_copy):
    path = data_copy / features.CLASSIFIER_WEIGHTS_FILE
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    name = next(k for k, v in arrays.items() if v.ndim == 2)  # a dense kernel
    arrays[name] = arrays[name][:, [1, 0, *range(2, arrays[name].shape[1])]]
    np.savez(path, **arrays)
    with pytest.raises(shipped.DamagedFileError, match=r"fashion_mnist_classifier.weights.npz "
                                                       r"is damaged.*git checkout data/"):
        features.load_fashion_mnist_classifier()


def test_a_flipped_byte_in_the_progan_or_a_missing_file_is_refused(data_copy):
    model = data_copy / progan.SHIPPED_PROGAN / "saved_model.pb"
    raw = bytearray(model.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    model.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"saved_model.pb is damaged: its sha256 is"):
        progan.load_progan("shipped", verbose=False)
    (data_copy / progan.SHIPPED_PROGAN / "variables" / "variables.index").unlink()
    with pytest.raises(shipped.DamagedFileError, match=r"variables.index is missing.*reinstall"):
        shipped.verify(data_copy / progan.SHIPPED_PROGAN / "variables")


def test_each_file_is_hashed_once_until_it_changes(data_copy, monkeypatch, tmp_path):
    calls = []
    real = shipped.sha256_of
    monkeypatch.setattr(shipped, "sha256_of", lambda path: calls.append(path) or real(path))
    target = data_copy / "fashion_mnist_colouriser.npz"
    shipped.verify(target)
    shipped.verify(target)
    assert len(calls) == 1
    monkeypatch.setattr(shipped, "_VERIFIED", {})  # a new kernel: the cache file remembers
    shipped.verify(target)
    assert len(calls) == 1
    target.write_bytes(target.read_bytes())  # same bytes, new mtime: hashed again, and fine
    shipped.verify(target)
    assert len(calls) == 2
    with open(target, "ab") as file:  # changed: hashed again, and refused
        file.write(b"\0")
    with pytest.raises(shipped.DamagedFileError):
        shipped.verify(target)
    mine = tmp_path / "my_weights.npz"  # a file of the learner's own is not checked
    mine.write_bytes(b"anything")
    shipped.verify(mine)
    assert len(calls) == 3


def test_update_checksums_writes_the_manifest(tmp_path):
    copy = tmp_path / "repo"
    (copy / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "tools" / "update_checksums.py", copy / "tools")
    shutil.copytree(ROOT / "gan_course", copy / "gan_course")
    (copy / "data" / "sub").mkdir(parents=True)
    (copy / "data" / "README.md").write_text("docs")
    (copy / "data" / "a.bin").write_bytes(b"a")
    (copy / "data" / "sub" / "b.bin").write_bytes(b"b")
    result = subprocess.run([sys.executable, str(copy / "tools" / "update_checksums.py")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert shipped.manifest(copy / "data") == {
        "a.bin": shipped.sha256_of(copy / "data" / "a.bin"),
        "sub/b.bin": shipped.sha256_of(copy / "data" / "sub" / "b.bin")}
    assert settings.data_dir() != copy / "data"


def _tiny_models():
    import keras
    return {"a": keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]),
            "b": keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])}


def test_model_weights_round_trip_as_float16_with_their_record(tmp_path):
    models = _tiny_models()
    path = shipped.save_model_weights(tmp_path / "m.npz", models, {"steps": 7})
    assert not list(tmp_path.glob("*.partial.npz"))  # written atomically
    loaded, record = shipped.load_model_weights(path, lambda r: _tiny_models(), fix="retrain")
    assert record == {"steps": 7}
    for name, model in models.items():
        for saved, got in zip(model.get_weights(), loaded[name].get_weights(), strict=True):
            np.testing.assert_allclose(got, saved.astype(np.float16), rtol=0, atol=0)
    # the same weights give the same bytes (fixed zip time stamps)
    again = shipped.save_model_weights(tmp_path / "n.npz", models, {"steps": 7})
    assert again.read_bytes() == path.read_bytes()


def test_model_weights_that_do_not_fit_or_are_missing_are_refused_with_the_fix(tmp_path):
    import keras
    path = shipped.save_model_weights(tmp_path / "m.npz", _tiny_models(), {})
    wider = {"a": keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)]),
             "b": _tiny_models()["b"]}
    with pytest.raises(ValueError, match="do not match the a .*retrain"):
        shipped.load_model_weights(path, lambda r: wider, fix="retrain")
    with pytest.raises(ValueError, match="arrays no model takes"):
        shipped.load_model_weights(path, lambda r: {"a": _tiny_models()["a"]}, fix="retrain")
    with pytest.raises(FileNotFoundError, match="No weights .*retrain"):
        shipped.load_model_weights(tmp_path / "none.npz", lambda r: {}, fix="retrain")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="unreadable or corrupt"):
        shipped.load_model_weights(tmp_path / "bad.npz", lambda r: {}, fix="retrain")


def test_shipped_outputs_come_back_only_for_the_photos_they_were_made_from(tmp_path):
    rng = np.random.default_rng(0)
    contents = rng.uniform(0, 1, (2, 8, 8, 3)).astype(np.float32)
    outputs = rng.uniform(0, 1, (2, 8, 8, 3)).astype(np.float32)
    path = shipped.save_outputs(tmp_path / "made.npz", outputs, contents, {"steps": 3})
    back, record = shipped.read_outputs(path, contents)
    np.testing.assert_allclose(back, outputs, atol=0.5 / 255 + 1e-6)
    assert record == {"steps": 3}
    assert shipped.read_outputs(path, contents[::-1]) is None  # other photos: nothing
    assert shipped.images_digest((contents * 255).round().astype(np.uint8)) == \
        shipped.images_digest(contents)


def test_the_shipped_magenta_and_gatys_outputs_load_for_lesson_4s_photos():
    from gan_course import data
    from gan_course.models import fast_style, gatys

    contents = data.content_images(size=512)
    assert fast_style.shipped_outputs("stained_glass_flower", contents).shape == contents.shape
    outputs, record = gatys.shipped_outputs("stained_glass_flower", contents)
    assert outputs.shape == contents.shape and record["steps"] == 1000
    assert record["options"]["learning_rate"] == gatys.LEARNING_RATE
    assert gatys.shipped_outputs("another style", contents) is None
