"""gan_course.data.textures: named textures, texture URLs, and random patches of a texture."""

import numpy as np
import pytest

from gan_course import data


@pytest.mark.parametrize("name, channels", [("gravel", 1), ("brick", 1), ("grass", 1),
                                            ("immunohistochemistry", 3)])
def test_named_textures_load_offline(name, channels):
    image = data.load_texture(name)
    assert image.shape == (512, 512, channels) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.05
    assert data.load_texture(name, mode="RGB").shape == (512, 512, 3)
    assert data.load_texture(name, mode="L").shape == (512, 512, 1)


def test_texture_url_offline_falls_back_and_says_so(monkeypatch, cache_dir, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    image = data.load_texture("https://example.com/wood.jpg", mode="L")
    assert "instead of https://example.com/wood.jpg" in capsys.readouterr().out
    np.testing.assert_array_equal(image, data.load_texture("gravel", mode="L"))
    with pytest.raises(ConnectionError):
        data.load_texture("https://example.com/wood.jpg", fallback=None)
    with pytest.raises(FileNotFoundError):  # a missing file is the learner's mistake: no fallback
        data.load_texture("no/such/texture.png")


def _ramp(size=256):
    """Grey image whose value grows left to right: orientation and scale are visible in a patch."""
    return np.tile(np.linspace(0.0, 1.0, size, dtype=np.float32), (size, 1))


def _slopes(patches):
    """Mean pixel step to the right and downwards, per patch."""
    dx = np.diff(patches[..., 0], axis=2).mean(axis=(1, 2))
    dy = np.diff(patches[..., 0], axis=1).mean(axis=(1, 2))
    return dx, dy


def test_patch_sampler_shapes_range_and_dtype():
    gravel = data.load_texture("gravel")
    batch = next(iter(data.patch_sampler(gravel, patch_size=32, batch_size=8)))
    assert batch.shape == (8, 32, 32, 1) and batch.dtype.name == "float32"
    colour = (data.load_texture("immunohistochemistry")[:128, :160] * 255).astype(np.uint8)
    batch = next(iter(data.patch_sampler(colour, patch_size=32, batch_size=4))).numpy()
    assert batch.shape == (4, 32, 32, 3)
    assert -1.0 <= batch.min() < -0.5 and 0.5 < batch.max() <= 1.0  # [0, 255] -> [-1, 1]


def test_patch_sampler_augmentations_vary_the_patches():
    ramp = _ramp()
    plain = next(iter(data.patch_sampler(ramp, 32, 64, scales=1.0, flips=False,
                                         rotations=False))).numpy()
    dx, dy = _slopes(plain)
    step = 2 / 255  # one pixel of the ramp, in [-1, 1] units
    np.testing.assert_allclose(dx, step, rtol=1e-3)  # always left to right, original scale
    np.testing.assert_allclose(dy, 0, atol=1e-6)
    assert plain[:, :, 0, 0].std() > 0.1  # crops come from different places

    augmented = next(iter(data.patch_sampler(ramp, 32, 64, scales=(1.0, 0.5)))).numpy()
    dx, dy = _slopes(augmented)
    steepest = np.maximum(np.abs(dx), np.abs(dy))
    orientations = {(int(np.sign(round(x * 1e4))), int(np.sign(round(y * 1e4))))
                    for x, y in zip(dx, dy, strict=True)}
    assert orientations == {(1, 0), (-1, 0), (0, 1), (0, -1)}  # flips and 90-degree turns
    at_full_scale = np.isclose(steepest, step, rtol=0.02)
    at_half_scale = np.isclose(steepest, 2 * step, rtol=0.02)  # shrunk 2x: twice the slope
    assert at_full_scale.any() and at_half_scale.any()
    assert at_full_scale.sum() + at_half_scale.sum() == 64


def test_patch_sampler_is_seeded():
    gravel = data.load_texture("gravel")
    first = next(iter(data.patch_sampler(gravel, 16, 4, seed=1))).numpy()
    again = next(iter(data.patch_sampler(gravel, 16, 4, seed=1))).numpy()
    other = next(iter(data.patch_sampler(gravel, 16, 4, seed=2))).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("image, kwargs, error, match", [
    (np.zeros((100, 120), np.uint8), {"patch_size": 64}, ValueError,
     r"120x100 pixels, but it must be at least 2x the patch size \(128x128"),
    (np.zeros((128, 128, 4), np.uint8), {}, ValueError, "RGBA.*mode='RGB'"),
    (np.zeros((2, 128, 128, 1), np.uint8), {}, ValueError, r"got shape \(2, 128, 128, 1\)"),
    (np.zeros((128, 128), np.int32), {}, TypeError, "dtype int32"),
    (np.full((128, 128), 2.0, np.float32), {}, ValueError, r"must be in \[0, 1\]"),
    (np.full((128, 128), np.nan, np.float32), {}, ValueError, "NaN"),
    (np.zeros((0, 0), np.uint8), {}, ValueError, "empty"),
    ("gravel.png", {}, TypeError, "image array.*load_texture"),
    (np.zeros((128, 128), np.uint8), {"patch_size": 0}, ValueError, "patch_size=0"),
    (np.zeros((128, 128), np.uint8), {"batch_size": -1}, ValueError, "batch_size=-1"),
    (np.zeros((128, 128), np.uint8), {"scales": (1.0, 2.0)}, ValueError, r"in \(0, 1\]"),
])
def test_patch_sampler_rejects_bad_input(image, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.patch_sampler(image, **{"patch_size": 32, **kwargs})


def test_random_patches_are_seeded_numpy_sets():
    gravel = data.load_texture("gravel")
    first = data.random_patches(gravel, 6, patch_size=32, seed=5)
    assert isinstance(first, np.ndarray) and first.shape == (6, 32, 32, 1)
    np.testing.assert_array_equal(first, data.random_patches(gravel, 6, patch_size=32, seed=5))
    assert not np.array_equal(first, data.random_patches(gravel, 6, patch_size=32, seed=6))
