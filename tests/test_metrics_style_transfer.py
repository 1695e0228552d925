import numpy as np
import pytest

from gan_course import data, metrics
from gan_course.metrics import style_transfer


@pytest.fixture(scope="module")
def style():
    return data.offline_style_image(side=64)


def test_style_halves_split_the_longer_side(style):
    a, b = style_transfer.style_halves(style)
    assert a.shape == b.shape == (1, 64, style.shape[1] // 2, 3)
    tall_a, _ = style_transfer.style_halves(np.transpose(style, (1, 0, 2)))
    assert tall_a.shape == (1, style.shape[1] // 2, 64, 3)


def test_style_swd_ratio_ranks_the_style_before_a_photo_before_noise(style):
    rng = np.random.default_rng(0)
    options = {"descriptors": 1024, "levels": 2}
    same = style_transfer.style_swd_ratio(style[None, :, ::-1], style, **options)  # mirrored
    photo = data.colour_photos(["chelsea"])["chelsea"][:64, :96].astype(np.float32) / 255.0
    other = style_transfer.style_swd_ratio(photo[None], style, **options)
    noise = style_transfer.style_swd_ratio(rng.random((1, 64, 96, 3)), style, **options)
    assert same["ratio"] < other["ratio"] < noise["ratio"]
    assert same["ratio"] < 2.0 and noise["ratio"] > 3.0
    assert other["floor"] == same["floor"] and other["swd"] / other["floor"] == other["ratio"]
    with pytest.raises(ValueError):
        style_transfer.style_swd_ratio(rng.random((1, 64, 96, 1)), style)


def test_content_ssim_keeps_luminance_not_colour():
    photos = data.colour_photos(["coffee"])["coffee"][None, :64, :64].astype(np.float32) / 255.0
    assert metrics.content_ssim(photos, photos) == pytest.approx(1.0)
    recoloured = photos[..., ::-1]  # other colours, similar shading
    flat = np.full_like(photos, 0.5)
    assert metrics.content_ssim(recoloured, photos) > metrics.content_ssim(flat, photos) + 0.3
    over = metrics.content_ssim(photos * 1.5, photos)  # clipped to [0, 1], not refused
    assert 0.0 < over < 1.0
    np.testing.assert_allclose(metrics.luminance(np.ones((1, 2, 2, 3)))[..., 0], 1.0, rtol=1e-6)


def test_style_transfer_scores_are_the_two_numbers_for_matching_outputs(style):
    photos = data.colour_photos(["coffee"])["coffee"][None, :64, :96].astype(np.float32) / 255.0
    options = {"descriptors": 512, "levels": 2}
    scores = metrics.style_transfer_scores(photos, photos, style, **options)
    assert scores == {
        "style_swd_ratio": style_transfer.style_swd_ratio(photos, style, **options)["ratio"],
        "content_ssim": pytest.approx(1.0)}
    with pytest.raises(ValueError, match="one output per content image"):
        metrics.style_transfer_scores(photos, np.concatenate([photos, photos]), style)


def test_style_transfer_table_scores_every_row_and_says_which_way_is_better(style):
    photos = data.colour_photos(["coffee"])["coffee"][None, :64, :96].astype(np.float32) / 255.0
    flat = np.full_like(photos, 0.5)
    table, scores = metrics.style_transfer_table(
        {"the content itself": (photos, 0.25), "grey": flat}, photos, style)
    assert scores["the content itself"]["content_ssim"] == pytest.approx(1.0)
    assert scores["the content itself"]["seconds"] == 0.25 and "seconds" not in scores["grey"]
    assert scores["grey"] == metrics.style_transfer_scores(flat, photos, style)
    lines = table.splitlines()
    assert len(lines) == 4 and "(lower)" in lines[1] and "(higher)" in lines[1]
    assert lines[2].split()[-3:] == [f"{scores['the content itself']['style_swd_ratio']:.2f}",
                                     "1.000", "0.25"]
    assert lines[3].split()[-1] == "-"
    with pytest.raises(ValueError):
        metrics.style_transfer_table({"too bright": photos * 3}, photos, style)
