import io
import struct
import zlib

import numpy as np
import pytest
import skimage.color
from PIL import Image

from gan_course import data, image_ops, settings

# --------------------------------------------------------------------------- Fashion-MNIST


def _check_fashion_mnist(result, n_train=None):
    (x_train, y_train), (x_test, y_test) = result
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.dtype == np.uint8 and x.ndim == 3 and x.shape[1:] == (28, 28)
        assert len(x) == len(y)
        assert set(np.unique(y)) == set(range(10))
        assert 0 <= y.min() and y.max() <= 9
        assert x.max() > 200  # real pictures, not blanks
    if n_train is not None:
        assert len(x_train) == n_train


def test_offline_mode_loads_the_embedded_subset(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")

    def must_not_download():
        raise AssertionError("offline mode must not try the network")

    monkeypatch.setattr(data, "_load_fashion_mnist_keras", must_not_download)
    result = data.load_fashion_mnist()
    _check_fashion_mnist(result, n_train=8000)
    (_, y_train), (_, y_test) = result
    assert np.bincount(y_train).tolist() == [800] * 10
    assert np.bincount(y_test).tolist() == [200] * 10
    out = capsys.readouterr().out
    assert "embedded subset" in out and "GAN_COURSE_OFFLINE=1" in out
    assert out.count("\n") == 1  # one clear line


def test_online_uses_the_keras_loader(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    rng = np.random.default_rng(0)
    fake = ((rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), np.arange(20) % 10),
            (rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), np.arange(10)))
    monkeypatch.setattr(data, "_load_fashion_mnist_keras", lambda: fake)
    result = data.load_fashion_mnist()
    assert result is fake
    assert "official keras.datasets" in capsys.readouterr().out


def test_failed_download_falls_back_and_says_why(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")

    def unreachable():
        raise OSError("Name or service not known")

    monkeypatch.setattr(data, "_load_fashion_mnist_keras", unreachable)
    _check_fashion_mnist(data.load_fashion_mnist(), n_train=8000)
    out = capsys.readouterr().out
    assert "download failed" in out and "Name or service not known" in out


def test_keras_loader_gives_up_without_network(monkeypatch):
    """The real keras path raises (it does not hang) when the host cannot be reached."""
    import keras

    def no_network(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(keras.utils, "get_file", no_network)
    monkeypatch.setattr("keras.src.datasets.fashion_mnist.get_file", no_network, raising=False)
    with pytest.raises(Exception, match="no route"):
        data._load_fashion_mnist_keras()


def test_missing_or_corrupt_embedded_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_fashion_mnist_subset"):
        data.load_embedded_fashion_mnist(tmp_path / "nope.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="broken.npz"):
        data.load_embedded_fashion_mnist(broken)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, x_train=np.zeros((2, 32, 32), np.uint8), y_train=np.zeros(2),
             x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.zeros(2))
    with pytest.raises(ValueError, match=r"x_train has shape \(2, 32, 32\)"):
        data.load_embedded_fashion_mnist(wrong)


# --------------------------------------------------------------------------- tf.data


def test_gan_dataset_scales_batches_and_drops_remainder():
    images = np.arange(10 * 4 * 4, dtype=np.int64).reshape(10, 4, 4) % 256
    images[0, 0, 0], images[1, 0, 0] = 0, 255
    ds = data.gan_dataset(images.astype(np.uint8), batch_size=4, shuffle=False)
    batches = list(ds)
    assert len(batches) == 2  # 10 images, batch 4: the last 2 are dropped
    assert all(b.shape == (4, 4, 4, 1) and b.dtype.name == "float32" for b in batches)
    assert float(batches[0][0, 0, 0, 0]) == -1.0 and float(batches[0][1, 0, 0, 0]) == 1.0
    assert ds.element_spec.shape.as_list() == [4, 4, 4, 1]  # static batch size


def test_gan_dataset_shuffles_and_pairs_labels():
    images = np.repeat(np.arange(64, dtype=np.uint8)[:, None, None], 2, 1)[..., None]
    images = np.repeat(images, 2, 2)
    labels = np.arange(64)
    ds = data.gan_dataset(images, batch_size=64, labels=labels, seed=1)
    x, y = next(iter(ds))
    # labels still belong to their images after the shuffle
    np.testing.assert_allclose((x.numpy()[:, 0, 0, 0] + 1) * 127.5, y.numpy(), atol=1e-4)
    assert not np.array_equal(y.numpy(), labels)


def test_gan_dataset_mixes_class_sorted_data_beyond_its_shuffle_buffer():
    # 24,000 images sorted by "class" (pixel value = class): the shuffle buffer holds 10,000,
    # so without a global permutation the first batches would come from the first classes only
    images = np.repeat(np.arange(12, dtype=np.uint8), 2000)[:, None, None, None]
    ds = data.gan_dataset(images, batch_size=256, seed=3, cache=False)
    first = np.round((next(iter(ds)).numpy().ravel() + 1) * 127.5).astype(int)
    assert set(first) == set(range(12))  # every class in the first batch
    again = np.round((next(iter(data.gan_dataset(images, batch_size=256, seed=3, cache=False)))
                      .numpy().ravel() + 1) * 127.5).astype(int)
    np.testing.assert_array_equal(first, again)  # the same seed, the same order


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((4, 8, 8), np.float32), {}, TypeError, "uint8"),
        (np.zeros((4, 8), np.uint8), {}, ValueError, "shape"),
        (np.zeros((4, 8, 8), np.uint8), {"batch_size": 5}, ValueError, "batch_size=5"),
        (np.zeros((4, 8, 8), np.uint8), {"batch_size": 4.0}, ValueError,
         r"batch_size=4\.0 must be a whole number"),
        (np.zeros((4, 8, 8), np.uint8), {"batch_size": True}, ValueError, "batch_size=True"),
        (np.zeros((4, 8, 8), np.uint8), {"labels": [1, 2]}, ValueError, "2 labels for 4"),
    ],
)
def test_gan_dataset_rejects_bad_input(images, kwargs, error, match):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(error, match=match):
        data.gan_dataset(images, **kwargs)


# --------------------------------------------------------------------------- load_image


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
    with pytest.raises(ConnectionError, match="Cannot fetch .*pass its file path"):
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
    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen)
    first = data.load_image("https://example.com/white.png")
    second = data.load_image("https://example.com/white.png")
    assert calls == ["https://example.com/white.png"]  # the second read came from the cache
    np.testing.assert_array_equal(first, second)
    assert first.shape == (3, 3, 3) and first.min() == 1.0


# --------------------------------------------------------------------------- textures


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


def test_pipelines_prefetch_without_the_autotuner():
    # The autotuner's thread made every fit() call wait 2.4 s when it dropped its iterator
    # (bench/README.md); the course's pipelines switch it off and prefetch a fixed 2 batches.
    images = np.zeros((8, 28, 28), np.uint8)
    for ds in (data.gan_dataset(images, 4), data.patch_sampler(_ramp(64), 16, 2)):
        assert ds.options().autotune.enabled is False


def test_random_patches_are_seeded_numpy_sets():
    gravel = data.load_texture("gravel")
    first = data.random_patches(gravel, 6, patch_size=32, seed=5)
    assert isinstance(first, np.ndarray) and first.shape == (6, 32, 32, 1)
    np.testing.assert_array_equal(first, data.random_patches(gravel, 6, patch_size=32, seed=5))
    assert not np.array_equal(first, data.random_patches(gravel, 6, patch_size=32, seed=6))


# --------------------------------------------------------------------------- image folders


def _write(path, pixels):
    """Save uint8 pixels (H, W[, 3]) as an image file; the format follows the suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, np.uint8)).save(path)
    return path


def _constant_photos(folder, n=10):
    """n photos of one flat colour each (value 20 i): any crop tells which photo it came from.
    PNG and JPEG, of several sizes and aspect ratios, some in a subfolder."""
    for i in range(n):
        shape = (20 + 2 * i, 30 - i, 3)
        name = f"sub/photo{i}.jpg" if i % 3 == 0 else f"photo{i}.png"
        _write(folder / name, np.full(shape, 20 * i, np.uint8))
    return [20 * i for i in range(n)]


def _photo_ids(ds):
    """The photo values (see _constant_photos) of every image in one pass of ``ds``."""
    ids = []
    for batch in ds:
        for image in batch.numpy():
            value = (image.mean() + 1) * 127.5
            assert np.ptp(image) < 0.05  # one flat photo per crop
            ids.append(int(round(value / 20)) * 20)
    return ids


def test_image_folder_skips_bad_files_with_one_line_each(tmp_path, capsys):
    folder = tmp_path / "photos"
    values = _constant_photos(folder)
    (folder / "empty.jpg").write_bytes(b"")
    noise = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    (folder / "sub" / "cut.png").write_bytes(buffer.getvalue()[:200])  # truncated
    (folder / "notes.txt").write_text("not an image, and not named like one: ignored")
    (folder / ".hidden.png").write_bytes(b"")  # hidden: ignored

    train_ds, validation_ds = data.image_folder_dataset(folder, size=8, batch_size=2,
                                                        validation_split=0.2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert "empty.jpg" in lines[0] and "empty (0 bytes)" in lines[0]
    assert "sub/cut.png" in lines[1] and "corrupt or truncated" in lines[1]

    batches = list(train_ds)
    assert len(batches) == 4  # 10 usable photos: 8 train, 2 validation
    for batch in batches:
        assert batch.shape == (2, 8, 8, 3) and batch.dtype.name == "float32"
        assert -1.0 <= batch.numpy().min() and batch.numpy().max() <= 1.0
    assert train_ds.element_spec.shape.as_list() == [2, 8, 8, 3]
    validation = np.concatenate([b.numpy() for b in validation_ds])
    assert validation.shape == (2, 8, 8, 3) and validation.dtype == np.float32
    train_ids, validation_ids = _photo_ids(train_ds), _photo_ids(validation_ds)
    assert sorted(train_ids + validation_ids) == values  # every photo once, in one part only


def test_image_folder_split_is_fixed_and_disjoint(tmp_path):
    folder = tmp_path / "photos"
    values = _constant_photos(folder)
    splits = []
    for seed in (0, 0, 1, 2):
        train_ds, validation_ds = data.image_folder_dataset(folder, 8, validation_split=0.3,
                                                            seed=seed)
        train, validation = set(_photo_ids(train_ds)), set(_photo_ids(validation_ds))
        assert len(validation) == 3 and not train & validation
        assert train | validation == set(values)
        splits.append(validation)
    assert splits[0] == splits[1]  # same files, same seed: same validation photos
    assert len({frozenset(s) for s in splits}) > 1  # the seed picks them

    grey_train, none = data.image_folder_dataset(folder, 8, validation_split=0, mode="L")
    assert none is None
    assert sorted(_photo_ids(grey_train)) == values  # no split: everything trains
    assert next(iter(grey_train)).shape == (1, 8, 8, 1)


def _noise_photos(folder, n=4, shape=(40, 48, 3)):
    rng = np.random.default_rng(1)
    for i in range(n):
        _write(folder / f"noise{i}.png", rng.integers(0, 256, shape, dtype=np.uint8))


def test_jitter_changes_every_epoch_but_validation_and_seeds_are_fixed(tmp_path):
    _noise_photos(tmp_path, n=2)  # one training photo: only the jitter can change an epoch
    train_ds, validation_ds = data.image_folder_dataset(tmp_path, 16, validation_split=0.5,
                                                        seed=3)
    epochs = [np.concatenate([b.numpy() for b in train_ds]) for _ in range(4)]
    assert epochs[0].shape == (1, 16, 16, 3)
    assert len({e.tobytes() for e in epochs}) > 1  # new crops and flips each epoch
    again, _ = data.image_folder_dataset(tmp_path, 16, validation_split=0.5, seed=3)
    np.testing.assert_array_equal(next(iter(again)).numpy(), epochs[0])  # seeded
    views = [np.concatenate([b.numpy() for b in validation_ds]) for _ in range(2)]
    np.testing.assert_array_equal(*views)  # validation: no randomness
    assert not np.array_equal(views[0], epochs[0])  # the other photo

    _noise_photos(tmp_path, n=4)
    plain, _ = data.image_folder_dataset(tmp_path, 16, batch_size=3, validation_split=0.25,
                                         jitter=False)
    first, second = ([np.concatenate([b.numpy() for b in plain]) for _ in range(2)])
    by_sum = np.argsort(first.sum(axis=(1, 2, 3))), np.argsort(second.sum(axis=(1, 2, 3)))
    np.testing.assert_array_equal(first[by_sum[0]], second[by_sum[1]])  # only the order changes


def test_image_folder_errors_name_the_folder_and_the_fix(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match="No folder at .*nowhere"):
        data.image_folder_dataset(tmp_path / "nowhere", 8)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no photos here")
    with pytest.raises(ValueError, match="empty holds no image files.*Put the photos there"):
        data.image_folder_dataset(tmp_path / "empty", 8)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.png").write_bytes(b"")
    (bad / "b.jpg").write_text("text")
    with pytest.raises(ValueError, match="None of the 2 image files in .*bad could be read"):
        data.image_folder_dataset(bad, 8)
    assert capsys.readouterr().out.count("Skipped") == 2
    one = tmp_path / "one"
    _write(one / "x.png", np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="1 usable image.*validation_split=0"):
        data.image_folder_dataset(one, 8)
    with pytest.raises(ValueError, match="is a file, not a folder"):
        data.image_folder_dataset(one / "x.png", 8)
    with pytest.raises(ValueError, match="1 training image.*batch_size=2"):
        data.image_folder_dataset(one, 8, batch_size=2, validation_split=0)
    assert data.image_folder_dataset(one, 8, validation_split=0, recursive=False)[1] is None


@pytest.mark.parametrize("kwargs, match", [
    ({"size": 4}, "size=4 must be an int >= 8"),
    ({"size": 8.0}, "size=8.0"),
    ({"batch_size": 0}, "batch_size=0"),
    ({"validation_split": 1.0}, r"validation_split=1.0 must be a fraction in \[0, 1\)"),
    ({"validation_split": -0.1}, "validation_split=-0.1"),
    ({"mode": "CMYK"}, "mode='CMYK'"),
])
def test_image_folder_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.image_folder_dataset(tmp_path, **{"size": 8, **kwargs})


# --------------------------------------------------------------------------- paired images


def _pair_file(path, green_a=0, green_b=255, half=(24, 30)):
    """A|B side by side: both halves share a left-to-right ramp in red (so crops and flips can
    be compared) and differ in green (A: ``green_a``, B: ``green_b``)."""
    height, width = half
    ramp = np.tile(np.linspace(0, 255, width), (height, 1))
    a = np.stack([ramp, np.full_like(ramp, green_a), np.zeros_like(ramp)], axis=-1)
    b = np.stack([ramp, np.full_like(ramp, green_b), np.full_like(ramp, 128)], axis=-1)
    return _write(path, np.round(np.concatenate([a, b], axis=1)))


def test_paired_dataset_crops_and_flips_both_halves_alike(tmp_path):
    for i in range(6):
        _pair_file(tmp_path / f"{i}.png", half=(24 + i, 30))
    train_ds, validation_ds = data.paired_image_dataset(tmp_path, 16, batch_size=1,
                                                        validation_split=0.2)
    assert len(list(validation_ds)) == 1
    slopes, starts = set(), set()
    for _ in range(8):  # epochs
        for target, condition in train_ds:
            target, condition = target.numpy()[0], condition.numpy()[0]
            assert target.shape == condition.shape == (16, 16, 3)
            np.testing.assert_allclose(target[..., 1], 1.0)  # target: B (AtoB)
            np.testing.assert_allclose(condition[..., 1], -1.0)  # input: A
            np.testing.assert_allclose(target[..., 0], condition[..., 0], atol=1e-6)  # same crop
            slopes.add(int(np.sign(np.diff(target[..., 0], axis=1).mean())))
            starts.add(round(float(target[0, 0, 0]), 3))
    assert slopes == {-1, 1}  # some pairs flipped, always both halves
    assert len(starts) > 4  # crops at different places

    reverse, _ = data.paired_image_dataset(tmp_path, 16, direction="BtoA", validation_split=0)
    target, condition = next(iter(reverse))
    assert target.numpy()[..., 1].max() == -1.0 and condition.numpy()[..., 1].min() == 1.0
    assert len(train_ds.element_spec) == 2


def test_paired_dataset_skips_odd_widths_and_checks_direction(tmp_path, capsys):
    for i in range(3):
        _pair_file(tmp_path / f"{i}.jpg")
    _write(tmp_path / "odd.png", np.zeros((20, 41, 3)))
    train_ds, _ = data.paired_image_dataset(tmp_path, 8, jitter=False, validation_split=0)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "odd.png" in out and "odd width" in out
    assert sum(1 for _ in train_ds) == 3
    with pytest.raises(ValueError, match="direction='A2B'.*'AtoB'"):
        data.paired_image_dataset(tmp_path, 8, direction="A2B")


# --------------------------------------------------------------------------- colour photos


def test_colour_photos_load_offline_and_split_is_disjoint():
    photos = data.colour_photos()
    assert list(photos) == list(data.COLOUR_PHOTOS)
    for photo in photos.values():
        assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[-1] == 3
        assert min(photo.shape[:2]) >= 256 and photo.std() > 20
        assert np.abs(photo[..., 0].astype(int) - photo[..., 2]).mean() > 5  # in colour
    assert photos["astronaut"].shape == (512, 512, 3)
    assert photos["grace_hopper"].shape == (600, 512, 3)
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
        photos = {}
        for i, name in enumerate(data.COLOUR_PHOTOS if names is None else names):
            photo = np.full((64, 96 + 4 * i, 3), 128, np.uint8)  # 64 = 4 x 16: not resized
            strip = photo.shape[1] - data._held_out_columns(photo.shape[1], 16)
            photo[:, strip:] = (255, 0, 0)
            photos[name] = photo
        return photos

    monkeypatch.setattr(data, "colour_photos", painted)
    train_ds, validation = data.colorization_dataset(size=16, batch_size=64, source="offline",
                                                     verbose=False)
    red = lambda crops: (crops[..., 0] - crops[..., 1]) > 0.5  # noqa: E731
    for batch in train_ds.take(20):
        assert not red(batch.numpy()).any()
    # the unseen photos come first and whole (their top-left crop is grey); the strips last
    assert not red(validation[0]).any() and red(validation[-8:]).all()
    assert 0.2 < red(validation).any(axis=(1, 2)).mean() < 0.8


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

    monkeypatch.setattr(data, "_load_colour_photo", painted)
    style = np.zeros((64, 64, 3), np.float32)
    for size in (16, 32, 64):
        levels, weights = data._style_content_levels(size)
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
    assert [level.shape[0] for level in data._style_content_levels(128)[0]] == [176, 132]
    with pytest.raises(ValueError, match="No offline training photo is 256 px"):
        data.style_transfer_dataset(np.zeros((256, 256, 3), np.float32), 256, 1)


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


def test_colorization_tf_flowers_is_downloaded_once(monkeypatch, cache_dir, capsys):
    import keras

    calls = []

    def fake_get_file(fname, origin, extract, cache_dir, cache_subdir):
        calls.append(origin)
        extracted = data.Path(cache_dir) / cache_subdir / "flower_photos_extracted"
        rng = np.random.default_rng(0)
        for i in range(10):
            kind = ("daisy", "roses")[i % 2]
            _write(extracted / "flower_photos" / kind / f"{i}.jpg",
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


# --------------------------------------------------------------------------- style transfer


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

    monkeypatch.setattr(data, "_download", unreachable)
    image, description = data.style_image(side=48)
    assert urls == [data.STYLE_PAINTINGS["kandinsky_composition_7"][0]]
    assert description.startswith("stained_glass_flower")
    assert "no network" in capsys.readouterr().out


def test_style_image_reads_your_own_file_and_checks_sizes(tmp_path, capsys):
    from PIL import Image

    pixels = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    path = _save(tmp_path, Image.fromarray(pixels), "mine.png")
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


def test_a_cached_painting_is_used_offline(monkeypatch, cache_dir, capsys):
    import hashlib

    from PIL import Image

    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    url = data.STYLE_PAINTINGS["kandinsky_composition_7"][0]
    cached = (settings.cache_dir("downloads")
              / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".jpg"))
    pixels = np.random.default_rng(1).integers(0, 256, (60, 90, 3), dtype=np.uint8)
    _save(cached.parent, Image.fromarray(pixels), cached.name)
    image, description = data.style_image(side=48)
    assert description.startswith("kandinsky_composition_7") and "Kandinsky" in description
    assert image.shape == (48, 72, 3)
    assert "instead of" not in capsys.readouterr().out


def test_content_images_are_centre_squares_of_photos_paths_or_one_source(tmp_path):
    from PIL import Image

    default = data.content_images(size=64)
    assert default.shape == (len(data.STYLE_CONTENT_SPLIT["validation"]), 64, 64, 3)
    assert default.dtype == np.float32 and 0.0 <= default.min() and default.max() <= 1.0
    pixels = np.zeros((40, 80, 3), dtype=np.uint8)
    pixels[:, 20:60] = 255  # the centre square is all white; the sides are black
    path = _save(tmp_path, Image.fromarray(pixels), "wide.png")
    mine = data.content_images(path, size=16)  # one source as a plain path
    assert mine.shape == (1, 16, 16, 3) and mine.min() == pytest.approx(1.0)
    both = data.content_images(["coffee", str(path)], size=32)
    np.testing.assert_array_equal(both[0], data.content_images("coffee", size=32)[0])
    with pytest.raises(ValueError, match="sources is empty"):
        data.content_images([], size=32)
    with pytest.raises(FileNotFoundError):
        data.content_images([tmp_path / "missing.png"])


# --------------------------------------------------------------------------- painted Fashion-MNIST


def test_paint_fashion_mnist_keeps_the_grey_image_as_lightness_and_paints_the_class_hue():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 2)
    rgb = data.paint_fashion_mnist(grey, labels, seed=3)
    assert rgb.shape == (20, 32, 32, 3) and rgb.dtype == np.uint8
    assert not rgb[:, :2].any() and not rgb[:, :, -2:].any()  # the black padding
    lab = image_ops.rgb_to_lab(rgb).numpy()
    np.testing.assert_allclose(lab[:, 2:30, 2:30, 0], 100 * grey.astype(float) / 255, atol=1.0)
    mid = np.abs(100 * grey.astype(float) / 255 - 55) < 15
    angle = np.rad2deg(np.arctan2(lab[:, 2:30, 2:30, 2], lab[:, 2:30, 2:30, 1])) % 360
    for i, k in enumerate(labels):
        hue = np.median(angle[i][mid[i]])
        distance = min(abs((hue - h + 180) % 360 - 180) for h in data.GARMENT_HUES[int(k)])
        assert distance < 5, (k, hue)
    # the same seed paints the same; the two-hue classes use both hues over many images
    np.testing.assert_array_equal(rgb, data.paint_fashion_mnist(grey, labels, seed=3))
    many = data.paint_fashion_mnist(np.full((40, 28, 28), 140, np.uint8), np.zeros(40, int))
    hues = np.rad2deg(np.arctan2(*image_ops.rgb_to_lab(many[:, 16, 16]).numpy()[:, [2, 1]].T))
    assert {int(round(h % 360 / 10) * 10) for h in hues} == {30, 210}


def test_painted_fashion_mnist_offline_is_the_embedded_set_in_colour(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    (x_train, y_train), (x_test, y_test) = data.painted_fashion_mnist()
    assert x_train.shape == (8000, 32, 32, 3) and x_test.shape == (2000, 32, 32, 3)
    assert "embedded subset" in capsys.readouterr().out
    (grey_train, labels), _ = data.load_embedded_fashion_mnist()
    np.testing.assert_array_equal(y_train, labels)
    lightness = image_ops.rgb_to_lab(x_train[:50]).numpy()[:, 2:30, 2:30, 0]
    np.testing.assert_allclose(lightness, 100 * grey_train[:50].astype(float) / 255, atol=1.0)


def test_paint_fashion_mnist_refuses_bad_input():
    with pytest.raises(TypeError, match="uint8"):
        data.paint_fashion_mnist(np.zeros((2, 28, 28), np.float32), [0, 1])
    with pytest.raises(ValueError, match="2 labels for 3 images"):
        data.paint_fashion_mnist(np.zeros((3, 28, 28), np.uint8), [0, 1])
    with pytest.raises(ValueError, match="classes 0-9"):
        data.paint_fashion_mnist(np.zeros((1, 28, 28), np.uint8), [10])
    with pytest.raises(ValueError, match="smaller than the images"):
        data.paint_fashion_mnist(np.zeros((1, 28, 28), np.uint8), [0], side=16)
    with pytest.raises(ValueError, match=r"every class 0-9; missing \[9\]"):
        data.paint_fashion_mnist(np.zeros((1, 28, 28), np.uint8), [0],
                                 hues={k: (0.0,) for k in range(9)})


def test_paint_fashion_mnist_takes_another_palette():
    grey = np.full((30, 28, 28), 140, np.uint8)
    one_hue = {k: hues[:1] for k, hues in data.GARMENT_HUES.items()}
    painted = data.paint_fashion_mnist(grey, np.zeros(30, int), hues=one_hue)
    assert len(np.unique(painted[:, 16, 16], axis=0)) == 1  # every T-shirt the same red
