"""gan_course.data.images: load_image on every kind of file and URL, and its errors."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from gan_course import data, files


def _save(tmp_path, image, name, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


def test_rgb_image_round_trips(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    path = _save(tmp_path, Image.fromarray(pixels), "rgb.png")
    out = data.load_image(path)
    assert out.shape == (5, 7, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out * 255, pixels, atol=1e-3)
    grey = data.load_image(path, mode="L")
    assert grey.shape == (5, 7, 1)
    np.testing.assert_allclose(grey[..., 0], (pixels / 255) @ [0.299, 0.587, 0.114], atol=1e-5)


def test_grey_image_becomes_rgb(tmp_path):
    path = _save(tmp_path, Image.fromarray(np.full((4, 4), 51, np.uint8), "L"), "grey.png")
    out = data.load_image(path)
    assert out.shape == (4, 4, 3)
    np.testing.assert_allclose(out, 0.2, atol=1e-6)
    assert data.load_image(path, mode="L").shape == (4, 4, 1)


def test_rgba_is_composited_on_white(tmp_path):
    pixels = np.zeros((2, 2, 4), np.uint8)
    pixels[0, 0] = (255, 0, 0, 255)  # opaque red
    pixels[1, 1] = (0, 0, 0, 0)  # fully transparent black -> white
    path = _save(tmp_path, Image.fromarray(pixels, "RGBA"), "rgba.png")
    out = data.load_image(path)
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[1, 1], [1, 1, 1])
    rgba = data.load_image(path, mode="RGBA")
    assert rgba.shape == (2, 2, 4) and rgba[1, 1, 3] == 0


def test_palette_images(tmp_path):
    image = Image.fromarray(np.array([[0, 1], [1, 0]], np.uint8), "P")
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    out = data.load_image(_save(tmp_path, image, "palette.png"))
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[0, 1], [0, 0, 1])
    transparent = _save(tmp_path, image, "palette_t.png", transparency=0)
    np.testing.assert_allclose(data.load_image(transparent)[0, 0], [1, 1, 1])  # onto white


def test_sixteen_bit_keeps_precision(tmp_path):
    values = np.array([[0, 1000], [40000, 65535]], dtype=np.uint16)
    path = _save(tmp_path, Image.fromarray(values), "deep.png")
    out = data.load_image(path, mode="L")
    np.testing.assert_allclose(out[..., 0], values / 65535, atol=1e-6)
    assert out[0, 1, 0] != 0  # 1000/65535 would be 0 after an 8-bit conversion


@pytest.mark.parametrize("channels", [3, 4])
def test_sixteen_bit_colour_png_keeps_precision(tmp_path, channels):
    import tensorflow as tf

    values = np.array([[[0, 1000, 65535, 65535], [40000, 7, 300, 65535]]], np.uint16)
    values = values[..., :channels]
    path = tmp_path / "deep_rgb.png"
    path.write_bytes(tf.io.encode_png(values).numpy())
    assert Image.open(path).mode in ("RGB", "RGBA")  # Pillow alone would keep 8 bits
    out = data.load_image(path, mode="RGBA")
    np.testing.assert_allclose(out[..., :channels], values / 65535, atol=1e-6)
    assert out[0, 0, 1] != 0 and out[0, 1, 1] != 0  # 1000 and 7 / 65535: lost in 8 bits
    rgb = data.load_image(path)  # alpha (if any) composited onto white, as for 8-bit files
    expected = values[..., :3] / 65535
    if channels == 4:
        expected = expected * (values[..., 3:] / 65535) + (1 - values[..., 3:] / 65535)
    np.testing.assert_allclose(rgb, expected, atol=1e-6)
    luma = data.load_image(path, mode="L")
    np.testing.assert_allclose(luma[..., 0], expected @ [0.299, 0.587, 0.114], atol=1e-6)


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((2, 4, 3), np.uint8)  # 2 rows x 4 columns, left half white
    pixels[:, :2] = 255
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = _save(tmp_path, image, "photo.png", exif=exif)
    out = data.load_image(path)
    assert out.shape == (4, 2, 3)  # displayed upright: portrait
    assert out[0, 1].mean() == 1.0 and out[3, 0].mean() == 0.0


def test_cmyk_is_converted(tmp_path):
    path = _save(tmp_path, Image.new("CMYK", (3, 3), (0, 255, 255, 0)), "cmyk.jpg", quality=100)
    out = data.load_image(path)
    assert out.shape == (3, 3, 3) and out[1, 1, 0] > 0.9 and out[1, 1, 1] < 0.1


def _png_header_only(width, height):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.png", b"", "empty"),
        ("notes.png", b"this is a text file, not a picture\n", "not an image"),
        ("bomb.png", _png_header_only(100_000, 100_000), "decompression bombs"),
        ("cut.png", None, "corrupt or truncated"),
    ],
)
def test_bad_files_get_a_clear_error_naming_them(tmp_path, name, content, match):
    path = tmp_path / name
    if content is None:  # a real PNG, cut in half
        buffer = io.BytesIO()
        noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
        Image.fromarray(noise).save(buffer, "PNG")
        content = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        data.load_image(path)
    assert name in str(info.value)


def test_missing_file_folder_and_bad_mode(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.png"):
        data.load_image(tmp_path / "nothing.png")
    with pytest.raises(ValueError, match="folder"):
        data.load_image(tmp_path)
    with pytest.raises(ValueError, match="mode='CMYK'"):
        data.load_image(tmp_path / "x.png", mode="CMYK")


def test_urls_offline_and_unreachable(monkeypatch, cache_dir):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    with pytest.raises(ConnectionError, match="GAN_COURSE_OFFLINE=1.*file path"):
        data.load_image("https://example.com/cat.png")
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    with pytest.raises(ConnectionError,
                       match="Cannot fetch .*download the file elsewhere and pass its path"):
        data.load_image("http://no-such-host.invalid/cat.png")  # .invalid never resolves


def test_url_download_is_cached(monkeypatch, cache_dir, tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.full((3, 3, 3), 255, np.uint8)).save(buffer, "PNG")
    calls = []

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        calls.append(request.full_url)
        return Response(buffer.getvalue())

    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    monkeypatch.setattr(files.urllib.request, "urlopen", fake_urlopen)
    first = data.load_image("https://example.com/white.png")
    second = data.load_image("https://example.com/white.png")
    assert calls == ["https://example.com/white.png"]  # the second read came from the cache
    np.testing.assert_array_equal(first, second)
    assert first.shape == (3, 3, 3) and first.min() == 1.0
