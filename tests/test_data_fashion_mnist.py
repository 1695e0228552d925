"""gan_course.data.fashion_mnist: Fashion-MNIST online or embedded, and painted in colour."""

import numpy as np
import pytest

from gan_course import data, image_ops
from gan_course.data import fashion_mnist


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

    monkeypatch.setattr(fashion_mnist, "_load_fashion_mnist_keras", must_not_download)
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
    monkeypatch.setattr(fashion_mnist, "_load_fashion_mnist_keras", lambda: fake)
    result = data.load_fashion_mnist()
    assert result is fake
    assert "official keras.datasets" in capsys.readouterr().out


def test_failed_download_falls_back_and_says_why(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")

    def unreachable():
        raise OSError("Name or service not known")

    monkeypatch.setattr(fashion_mnist, "_load_fashion_mnist_keras", unreachable)
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
        fashion_mnist._load_fashion_mnist_keras()


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
