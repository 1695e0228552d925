import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from gan_course import image_ops
from gan_course.data import load_texture
from gan_course.metrics import texture


def _crops(image, n, size, rng, rows=slice(None)):
    region = image[rows]
    ys = rng.integers(0, region.shape[0] - size + 1, n)
    xs = rng.integers(0, region.shape[1] - size + 1, n)
    return np.stack([region[y:y + size, x:x + size] for y, x in zip(ys, xs, strict=True)]) * 2 - 1


def test_texture_swd_ranks_same_texture_first():
    rng = np.random.default_rng(0)
    gravel, brick, grass = (load_texture(name) for name in ("gravel", "brick", "grass"))
    # two disjoint halves of the gravel image: the same texture, different pixels
    top, bottom = (_crops(gravel, 64, 64, rng, rows) for rows in (slice(0, 256), slice(256, None)))
    kwargs = {"descriptors": 4096}
    same = texture.texture_swd(top, bottom, **kwargs)
    others = {
        "brick": texture.texture_swd(top, _crops(brick, 64, 64, rng), **kwargs),
        "grass": texture.texture_swd(top, _crops(grass, 64, 64, rng), **kwargs),
        "noise": texture.texture_swd(top, rng.uniform(-1, 1, (64, 64, 64, 1)), **kwargs),
        "blurred gravel": texture.texture_swd(top, gaussian_filter(bottom, (0, 1.4, 1.4, 0)),
                                              **kwargs),
    }
    # measured: same 0.062; grass 0.21, blurred 0.39, brick 0.54, noise 0.56 (3.5x to 9x)
    for name, value in others.items():
        assert value > 2.5 * same, (name, value, same)
    # bigger images of the same texture are still close: the statistics are local
    assert texture.texture_swd(top, _crops(gravel, 4, 256, rng), **kwargs) < min(others.values())


def test_texture_swd_reads_value_range_and_uses_the_shared_pyramid(monkeypatch):
    rng = np.random.default_rng(1)
    gravel = load_texture("gravel")
    a, b = _crops(gravel, 8, 32, rng), _crops(gravel, 8, 32, rng)
    kwargs = {"levels": 2, "descriptors": 512, "projections": 16}
    signed = texture.texture_swd(a, b, **kwargs)
    as_bytes = texture.texture_swd(np.round((a + 1) * 127.5).astype(np.uint8), b, **kwargs)
    as_unit = texture.texture_swd((a + 1) / 2, (b + 1) / 2, value_range=image_ops.UNIT, **kwargs)
    assert as_unit == pytest.approx(signed, rel=1e-4)
    assert as_bytes == pytest.approx(signed, rel=0.05)  # 8-bit rounding only
    calls = []
    shared = image_ops.laplacian_pyramid

    def spy(images, levels):
        calls.append(levels)
        return shared(images, levels)

    monkeypatch.setattr(image_ops, "laplacian_pyramid", spy)
    assert texture.texture_swd(a, b, **kwargs) == signed
    assert calls == [2, 2]  # one pyramid per set, from image_ops


def test_texture_swd_rejects_bad_input():
    patches = np.zeros((4, 64, 64, 1), np.float32)
    with pytest.raises(ValueError, match="channel"):
        texture.texture_swd(patches, np.zeros((4, 64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="at least 28"):
        texture.texture_swd(patches, np.zeros((4, 16, 16, 1), np.float32))
    with pytest.raises(ValueError, match="images_b contains NaN"):
        texture.texture_swd(patches, np.full((4, 64, 64, 1), np.nan, np.float32))
    with pytest.raises(TypeError, match="dtype int64"):
        texture.texture_swd(patches, np.zeros((4, 64, 64, 1), np.int64))
    with pytest.raises(ValueError, match=r"images_a must be in \[-1, 1\].*uint8"):
        texture.texture_swd(patches + 200, patches)


def test_seam_ratio():
    gravel = load_texture("gravel")[:, :, 0]
    assert texture.seam_ratio(gravel) > 2  # a photo: opposite edges are unrelated
    noise = np.random.default_rng(0).normal(size=(128, 128))
    periodic = gaussian_filter(noise, 2.0, mode="wrap")  # smooth on a torus: tiles seamlessly
    assert texture.seam_ratio(periodic) == pytest.approx(1.0, abs=0.2)
    assert texture.seam_ratio(gaussian_filter(noise, 2.0, mode="reflect")) > 2
    with pytest.raises(ValueError, match="one image"):
        texture.seam_ratio(np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match="NaN"):
        texture.seam_ratio(np.full((8, 8), np.nan))


def test_seam_ratio_measures_inner_stitches_with_a_period():
    rng = np.random.default_rng(1)
    smooth = gaussian_filter(rng.normal(size=(128, 128)), 2.0, mode="wrap")
    assert texture.seam_ratio(smooth, period=64) == pytest.approx(1.0, abs=0.2)  # one texture
    tiles = [gaussian_filter(rng.normal(size=(64, 64)), 2.0) for _ in range(4)]
    stitched = np.block([[tiles[0], tiles[1]], [tiles[2], tiles[3]]])  # four unrelated patches
    assert texture.seam_ratio(stitched, period=64) > 2
    assert texture.seam_ratio(stitched, period=32) < texture.seam_ratio(stitched, period=64)
    with pytest.raises(ValueError, match="period=128"):
        texture.seam_ratio(stitched, period=128)
