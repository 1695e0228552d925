"""gan_course.data.style: style images (painting, offline rendering or your own), content
images and LapStyle's (style, content) crops."""

import numpy as np
import pytest

from gan_course import data, files, settings
from gan_course.data import style as style_data


def test_offline_style_is_a_flat_colour_dark_outlined_rendering():
    style = data.offline_style_image(side=96)
    assert style.dtype == np.float32 and min(style.shape[:2]) == 96 and style.shape[-1] == 3
    assert 0.0 <= style.min() and style.max() <= 1.0
    np.testing.assert_array_equal(style, data.offline_style_image(side=96))  # deterministic
    full = data.offline_style_image(side=data.OFFLINE_STYLE_SIDE)
    strokes = np.all(np.isclose(full, 0.08), axis=-1).mean()
    assert 0.05 < strokes < 0.3
    colours = len(np.unique(full.reshape(-1, 3), axis=0))
    assert colours < 1000  # flat superpixels, where the photo has tens of thousands of colours
    import tensorflow as tf

    small = tf.image.resize(full, style.shape[:2], antialias=True).numpy()
    assert np.abs(style - small).mean() < 0.01  # the same picture at every size
    with pytest.raises(ValueError, match="stained_glass_flower"):
        data.offline_style_image("van_gogh")


def test_style_image_falls_back_offline_and_says_why(monkeypatch, cache_dir, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    image, description = data.style_image(side=64)
    assert min(image.shape[:2]) == 64 and description.startswith("stained_glass_flower")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "not a painting" in out[0] and "GAN_COURSE_OFFLINE=1" in out[0]
    assert "kandinsky_composition_7" in out[0]


def test_style_image_download_failure_falls_back(monkeypatch, cache_dir, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    urls = []

    def unreachable(url):
        urls.append(url)
        raise ConnectionError(f"Cannot fetch {url} (no network)")

    monkeypatch.setattr(files, "download", unreachable)
    image, description = data.style_image(side=48)
    assert urls == [data.STYLE_PAINTINGS["kandinsky_composition_7"][0]]
    assert description.startswith("stained_glass_flower")
    assert "no network" in capsys.readouterr().out


def test_style_image_reads_your_own_file_and_checks_sizes(tmp_path, capsys, write_image):
    pixels = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    path = write_image(tmp_path / "mine.png", pixels)
    image, description = data.style_image(path, side=80)  # documented upscale to side 80
    assert image.shape == (80, 120, 3) and "your image" in description
    assert "style image" in capsys.readouterr().out
    with pytest.raises(ValueError, match="smaller than the training crop"):
        data.style_image(path, side=64, min_side=128)
    with pytest.raises(FileNotFoundError):
        data.style_image(tmp_path / "missing.png")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        data.style_image(empty)


def test_style_transfer_dataset_pairs_style_and_content_crops():
    style = data.offline_style_image(side=64)
    style_crops, content = next(iter(data.style_transfer_dataset(style, size=32, batch_size=3)))
    assert style_crops.shape == (3, 32, 32, 3) and content.shape == (3, 32, 32, 3)
    for batch in (style_crops.numpy(), content.numpy()):
        assert -1e-5 <= batch.min() and batch.max() <= 1.0 + 1e-5
    assert not np.allclose(style_crops[0], style_crops[1])
    with pytest.raises(ValueError, match="at least 128 px"):
        data.style_transfer_dataset(style, size=128)
    with pytest.raises(ValueError, match="must be RGB"):
        data.style_transfer_dataset(style[..., :1], size=32)


def test_a_cached_painting_is_used_offline(monkeypatch, cache_dir, capsys, write_image):
    import hashlib

    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    url = data.STYLE_PAINTINGS["kandinsky_composition_7"][0]
    cached = (settings.cache_dir("downloads")
              / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".jpg"))
    pixels = np.random.default_rng(1).integers(0, 256, (60, 90, 3), dtype=np.uint8)
    write_image(cached, pixels)
    image, description = data.style_image(side=48)
    assert description.startswith("kandinsky_composition_7") and "Kandinsky" in description
    assert image.shape == (48, 72, 3)
    assert "instead of" not in capsys.readouterr().out


def test_content_images_are_centre_squares_of_photos_paths_or_one_source(tmp_path, write_image):
    default = data.content_images(size=64)
    assert default.shape == (len(data.STYLE_CONTENT_SPLIT["validation"]), 64, 64, 3)
    assert default.dtype == np.float32 and 0.0 <= default.min() and default.max() <= 1.0
    pixels = np.zeros((40, 80, 3), dtype=np.uint8)
    pixels[:, 20:60] = 255  # the centre square is all white; the sides are black
    path = write_image(tmp_path / "wide.png", pixels)
    mine = data.content_images(path, size=16)  # one source as a plain path
    assert mine.shape == (1, 16, 16, 3) and mine.min() == pytest.approx(1.0)
    both = data.content_images(["coffee", str(path)], size=32)
    np.testing.assert_array_equal(both[0], data.content_images("coffee", size=32)[0])
    with pytest.raises(ValueError, match="sources is empty"):
        data.content_images([], size=32)
    with pytest.raises(FileNotFoundError):
        data.content_images([tmp_path / "missing.png"])


def test_style_transfer_content_is_never_enlarged_nor_a_validation_photo(monkeypatch):
    """Lesson 4's split: validation photos are painted red, training photos grey with a fine
    checkerboard. No training crop may be red, and at every size the crops keep the checkerboard
    at full contrast (an enlarged photo would blur it), drawn only from photos that large."""
    train, validation = (data.STYLE_CONTENT_SPLIT[k] for k in ("train", "validation"))
    assert not set(train) & set(validation) and sorted(train + validation) == sorted(
        data.COLOUR_PHOTOS)
    photos = data.colour_photos()
    assert all(min(photos[name].shape[:2]) >= 512 for name in validation)  # 512 px natively
    sides = {name: min(photos[name].shape[:2]) // 8 for name in data.COLOUR_PHOTOS}

    def painted(name):
        side = sides[name]
        if name in validation:
            return np.full((side, side + 3, 3), (255, 0, 0), np.uint8)
        board = (np.indices((side, side + 5)).sum(axis=0) % 2 * 200 + 20).astype(np.uint8)
        return np.repeat(board[..., None], 3, axis=-1)

    monkeypatch.setattr(style_data, "load_colour_photo", painted)
    style = np.zeros((64, 64, 3), np.float32)
    for size in (16, 32, 64):
        levels, weights = style_data._style_content_levels(size)
        large = [name for name in train if sides[name] >= size]
        assert len(weights) == len(levels) and sum(weights) == pytest.approx(len(large))
        assert all(min(level.shape[:2]) >= size for level in levels)
        native = {(sides[name], sides[name] + 5) for name in large}
        for level in levels:  # never larger than a photo; at zoom 1 the photo itself, sharp
            assert any(level.shape[0] <= h and level.shape[1] <= w for h, w in native)
            if level.shape[:2] in native:
                assert np.abs(np.diff(level, axis=0)).max() > 0.7
        assert any(level.shape[:2] in native for level in levels)  # some photo at zoom 1
        for _, content in data.style_transfer_dataset(style, size, 8, seed=0).take(3):
            crops = content.numpy()
            assert not (crops[..., 0] - crops[..., 1] > 0.2).any()  # no validation pixel
    # photos // 8: only retina (176 px) reaches 128, at zooms 1 and 0.75; nothing reaches 256
    assert [level.shape[0] for level in style_data._style_content_levels(128)[0]] == [176, 132]
    with pytest.raises(ValueError, match="No offline training photo is 256 px"):
        data.style_transfer_dataset(np.zeros((256, 256, 3), np.float32), 256, 1)
