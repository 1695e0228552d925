"""gan_course.data.photos: the offline colour photos, colorization data (offline photos or
tf_flowers) and the colouriser's CIELAB pairs."""

from pathlib import Path

import numpy as np
import pytest
import skimage.color

from gan_course import data
from gan_course.data import photos


def test_colour_photos_load_offline_and_split_is_disjoint():
    shipped = data.colour_photos()
    assert list(shipped) == list(data.COLOUR_PHOTOS)
    for photo in shipped.values():
        assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[-1] == 3
        assert min(photo.shape[:2]) >= 256 and photo.std() > 20
        assert np.abs(photo[..., 0].astype(int) - photo[..., 2]).mean() > 5  # in colour
    assert shipped["astronaut"].shape == (512, 512, 3)
    assert shipped["grace_hopper"].shape == (600, 512, 3)
    train, validation = data.COLOUR_PHOTO_SPLIT["train"], data.COLOUR_PHOTO_SPLIT["validation"]
    assert not set(train) & set(validation) and 2 <= len(validation) <= 3
    assert sorted(train + validation) == sorted(data.COLOUR_PHOTOS)
    assert list(data.colour_photos(["chelsea"])) == ["chelsea"]
    with pytest.raises(ValueError, match="No colour photo named 'lena'"):
        data.colour_photos(["lena"])


def test_colorization_never_trains_on_the_held_out_strip_of_a_training_photo(monkeypatch):
    """Every photo is grey but for a red right-hand strip (a quarter of its width): red must
    appear in held-out crops of every photo and in no training crop."""
    def painted(names=None):
        painted_photos = {}
        for i, name in enumerate(data.COLOUR_PHOTOS if names is None else names):
            photo = np.full((64, 96 + 4 * i, 3), 128, np.uint8)  # 64 = 4 x 16: not resized
            strip = photo.shape[1] - photos._held_out_columns(photo.shape[1], 16)
            photo[:, strip:] = (255, 0, 0)
            painted_photos[name] = photo
        return painted_photos

    monkeypatch.setattr(photos, "colour_photos", painted)
    train_ds, validation = data.colorization_dataset(size=16, batch_size=64, source="offline",
                                                     verbose=False)
    red = lambda crops: (crops[..., 0] - crops[..., 1]) > 0.5  # noqa: E731
    for batch in train_ds.take(20):
        assert not red(batch.numpy()).any()
    # the unseen photos come first and whole (their top-left crop is grey); the strips last
    assert not red(validation[0]).any() and red(validation[-8:]).all()
    assert 0.2 < red(validation).any(axis=(1, 2)).mean() < 0.8


@pytest.fixture
def no_download(monkeypatch, cache_dir):
    """keras.utils.get_file fails like a machine without internet, and records its calls."""
    import keras

    calls = []

    def unreachable(*args, **kwargs):
        calls.append(kwargs.get("origin"))
        raise OSError("Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", unreachable)
    return calls


def test_colorization_offline_photos(monkeypatch, no_download, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    train_ds, validation = data.colorization_dataset(size=16, batch_size=4)
    assert no_download == []  # offline mode never tries
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "offline colour photos" in out
    assert "GAN_COURSE_OFFLINE=1" in out
    batch = next(iter(train_ds)).numpy()
    assert batch.shape == (4, 16, 16, 3) and batch.dtype == np.float32
    assert -1.0 <= batch.min() and batch.max() <= 1.0 and batch.std() > 0.05
    assert train_ds.element_spec.shape.as_list() == [4, 16, 16, 3]
    # stride-8 crops of the two validation photos (shorter side 4 x 16 = 64: 7 x 11 each) and of
    # the right quarter of the eight training photos (one or two columns of 7 or 8 rows)
    assert validation.shape == (232, 16, 16, 3) and validation.dtype == np.float32
    assert "232 held-out crops: 2 photos never trained on and the right 25% of the 8" in out
    assert -1.0 <= validation.min() and validation.max() <= 1.0

    again, same = data.colorization_dataset(size=16, batch_size=4, source="offline")
    np.testing.assert_array_equal(next(iter(again)).numpy(), batch)  # seeded
    np.testing.assert_array_equal(same, validation)
    other, _ = data.colorization_dataset(size=16, batch_size=4, source="offline", seed=1,
                                         verbose=False)
    assert not np.array_equal(next(iter(other)).numpy(), batch)
    assert capsys.readouterr().out.count("\n") == 1  # the second call; verbose=False: silent


def test_colorization_auto_falls_back_when_the_download_fails(monkeypatch, no_download, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    _, validation = data.colorization_dataset(size=16, batch_size=2)
    assert no_download == [data.TF_FLOWERS_URL]
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "offline colour photos" in out and "instead of tf_flowers" in out
    assert "Name or service not known" in out
    assert validation.shape == (232, 16, 16, 3)
    with pytest.raises(ConnectionError, match="Cannot download tf_flowers.*source='offline'"):
        data.colorization_dataset(size=16, source="tf_flowers")
    with pytest.raises(ValueError, match="source='flowers'"):
        data.colorization_dataset(source="flowers")


def test_colorization_tf_flowers_is_downloaded_once(monkeypatch, cache_dir, capsys, write_image):
    import keras

    calls = []

    def fake_get_file(fname, origin, extract, cache_dir, cache_subdir):
        calls.append(origin)
        extracted = Path(cache_dir) / cache_subdir / "flower_photos_extracted"
        rng = np.random.default_rng(0)
        for i in range(10):
            kind = ("daisy", "roses")[i % 2]
            write_image(extracted / "flower_photos" / kind / f"{i}.jpg",
                   rng.integers(0, 256, (20, 26, 3), dtype=np.uint8))
        (extracted / "flower_photos" / "LICENSE.txt").write_text("CC-BY 2.0")
        return str(extracted)

    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    train_ds, validation = data.colorization_dataset(size=8, batch_size=3)
    assert calls == [data.TF_FLOWERS_URL]
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "tf_flowers" in out and "offline" not in out
    assert next(iter(train_ds)).shape == (3, 8, 8, 3)
    assert validation.shape == (1, 8, 8, 3)  # 10 % of 10 photos

    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")  # cached: explicit tf_flowers needs no network
    _, cached = data.colorization_dataset(size=8, batch_size=3, source="tf_flowers")
    assert calls == [data.TF_FLOWERS_URL]
    np.testing.assert_array_equal(cached, validation)


def test_tf_flowers_offline_without_cache_says_how_to_work_offline(monkeypatch, no_download):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    with pytest.raises(ConnectionError, match="GAN_COURSE_OFFLINE=1.*source='offline'"):
        data.colorization_dataset(size=16, source="tf_flowers")
    assert no_download == []


def test_lab_pairs_give_the_colourisers_target_and_input():
    import tensorflow as tf

    from gan_course import image_ops

    rng = np.random.default_rng(0)
    rgb = rng.uniform(-1, 1, (2, 8, 8, 3)).astype("float32")
    ab, lightness = data.lab_pairs(tf.constant(rgb))
    assert ab.shape == (2, 8, 8, 2) and lightness.shape == (2, 8, 8, 1)
    lab = skimage.color.rgb2lab((rgb + 1) / 2)
    np.testing.assert_allclose(lightness.numpy(), lab[..., :1] / 50 - 1, atol=2e-4)
    np.testing.assert_allclose(ab.numpy(), lab[..., 1:] / 110, atol=2e-4)
    back = image_ops.model_lab_to_rgb(lightness, ab).numpy()
    np.testing.assert_allclose(back, (rgb + 1) / 2, atol=1e-3)
