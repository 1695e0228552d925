import math
import warnings

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from gan_course import image_ops, metrics
from gan_course.metrics import colour


def _pairs(shape, seed=0):
    """Random references in [0, 1] and noisy versions of them, as float64."""
    rng = np.random.default_rng(seed)
    references = rng.uniform(0, 1, shape)
    images = np.clip(references + rng.normal(0, 0.1, shape), 0, 1)
    return images, references


def _skimage_means(images, references, data_range):
    psnrs = [peak_signal_noise_ratio(r, i, data_range=data_range)
             for i, r in zip(images, references, strict=True)]
    ssims = [structural_similarity(r, i, data_range=data_range, channel_axis=-1)
             for i, r in zip(images, references, strict=True)]
    return np.mean(psnrs), np.mean(ssims)


@pytest.mark.parametrize("channels", [1, 3])
def test_psnr_and_ssim_equal_skimage_in_every_value_range(channels):
    unit_images, unit_refs = _pairs((4, 16, 20, channels))
    expected_psnr, expected_ssim = _skimage_means(unit_images, unit_refs, 1.0)
    signed_images, signed_refs = unit_images * 2 - 1, unit_refs * 2 - 1
    # skimage on the raw [-1, 1] values: PSNR agrees, SSIM does not (its luminance term
    # (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) is not shift-invariant), which is why
    # colour.ssim maps every range to [0, 1] first
    raw_psnr, raw_ssim = _skimage_means(signed_images, signed_refs, 2.0)
    assert raw_psnr == pytest.approx(expected_psnr, rel=1e-9)
    assert raw_ssim != pytest.approx(expected_ssim, rel=1e-3)
    assert colour.psnr(signed_images, signed_refs) == pytest.approx(expected_psnr, rel=1e-9)
    assert colour.ssim(signed_images, signed_refs) == pytest.approx(expected_ssim, rel=1e-9)
    assert colour.psnr(unit_images, unit_refs, value_range=image_ops.UNIT) == pytest.approx(
        expected_psnr, rel=1e-9)
    assert colour.ssim(unit_images, unit_refs, value_range=image_ops.UNIT) == pytest.approx(
        expected_ssim, rel=1e-9)
    # float32 input and uint8 input: the same numbers up to precision and 8-bit rounding
    assert colour.psnr(signed_images.astype(np.float32), signed_refs) == pytest.approx(
        expected_psnr, rel=1e-5)
    bytes_images, bytes_refs = (np.round(x * 255).astype(np.uint8)
                                for x in (unit_images, unit_refs))
    bytes_psnr, bytes_ssim = _skimage_means(bytes_images, bytes_refs, 255)
    assert colour.psnr(bytes_images, bytes_refs) == pytest.approx(bytes_psnr, rel=1e-9)
    assert colour.ssim(bytes_images, bytes_refs) == pytest.approx(bytes_ssim, rel=1e-9)
    assert bytes_psnr == pytest.approx(expected_psnr, rel=0.01)


def test_grey_batches_without_a_channel_axis_work():
    images, references = _pairs((3, 12, 12, 1), seed=1)
    assert colour.psnr(images[..., 0], references[..., 0], image_ops.UNIT) == \
        colour.psnr(images, references, image_ops.UNIT)
    assert colour.ssim(images[..., 0], references[..., 0], image_ops.UNIT) == \
        colour.ssim(images, references, image_ops.UNIT)


def test_identical_images_have_ssim_one_and_infinite_psnr():
    images, _ = _pairs((2, 16, 16, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero warning
        assert colour.psnr(images, images, image_ops.UNIT) == math.inf
    assert colour.ssim(images, images, image_ops.UNIT) == pytest.approx(1.0)
    # one identical pair among others makes the mean infinite too (documented: no cap)
    noisy, references = _pairs((2, 16, 16, 3), seed=2)
    noisy[0] = references[0]
    assert colour.psnr(noisy, references, image_ops.UNIT) == math.inf


def test_psnr_orders_by_noise_level():
    rng = np.random.default_rng(3)
    references = rng.uniform(-1, 1, (2, 16, 16, 3))
    slight = np.clip(references + rng.normal(0, 0.02, references.shape), -1, 1)
    strong = np.clip(references + rng.normal(0, 0.3, references.shape), -1, 1)
    assert colour.psnr(slight, references) > colour.psnr(strong, references) + 10
    assert colour.ssim(slight, references) > colour.ssim(strong, references)


def test_ssim_on_small_images_needs_a_smaller_window():
    images, references = _pairs((2, 5, 6, 3))
    with pytest.raises(ValueError, match=r"at least 7x7 pixels, got 6x5.*win_size=5"):
        colour.ssim(images, references, image_ops.UNIT)
    expected = np.mean([structural_similarity(r, i, data_range=1.0, channel_axis=-1, win_size=5)
                        for i, r in zip(images, references, strict=True)])
    assert colour.ssim(images, references, image_ops.UNIT, win_size=5) == pytest.approx(expected)
    with pytest.raises(ValueError, match="at least 3x3"):
        colour.ssim(images[:, :2], references[:, :2], image_ops.UNIT)
    for bad in (4, 1, 7.0, True):
        with pytest.raises(ValueError, match="odd int"):
            colour.ssim(images, references, image_ops.UNIT, win_size=bad)


# --------------------------------------------------------------------------- colourfulness


def _uniform(rgb, size=(8, 8)):
    """One image of a single colour, uint8, with a batch axis."""
    return np.broadcast_to(np.array(rgb, np.uint8), (1, *size, 3)).copy()


def test_grey_images_have_zero_colourfulness():
    rng = np.random.default_rng(0)
    grey = rng.uniform(-1, 1, (3, 8, 8, 1))
    np.testing.assert_array_equal(colour.colourfulness(grey), 0.0)
    np.testing.assert_array_equal(colour.colourfulness(grey[..., 0]), 0.0)
    np.testing.assert_allclose(colour.colourfulness(np.repeat(grey, 3, axis=-1)), 0.0,
                               atol=1e-9)


def test_colourfulness_of_known_colours():
    # pure red: rg = 255, yb = 255 / 2 - 0 = 127.5 everywhere, no spread
    red = colour.colourfulness(_uniform((255, 0, 0)))
    assert red.shape == (1,)
    assert red[0] == pytest.approx(0.3 * math.sqrt(255**2 + 127.5**2))
    # half pure red, half pure green: rg = +255 or -255 (mean 0, std 255), yb = 127.5 on both
    # halves (mean 127.5, std 0): M = sqrt(255^2 + 0^2) + 0.3 sqrt(0^2 + 127.5^2)
    half = _uniform((255, 0, 0))
    half[:, :, 4:] = (0, 255, 0)
    assert colour.colourfulness(half)[0] == pytest.approx(255 + 0.3 * 127.5)
    # pure blue: rg = 0, yb = -255
    assert colour.colourfulness(_uniform((0, 0, 255)))[0] == pytest.approx(0.3 * 255)
    # per image, in batch order
    batch = np.concatenate([_uniform((255, 0, 0)), _uniform((90, 90, 90)), half])
    np.testing.assert_allclose(colour.colourfulness(batch),
                               [0.3 * math.sqrt(255**2 + 127.5**2), 0.0, 255 + 0.3 * 127.5])


def test_colourfulness_does_not_depend_on_the_value_range():
    rng = np.random.default_rng(1)
    as_bytes = rng.integers(0, 256, (3, 10, 12, 3)).astype(np.uint8)
    expected = colour.colourfulness(as_bytes)
    assert np.all(expected > 10)
    unit = as_bytes / 255.0
    for images, value_range in [(unit, image_ops.UNIT), (unit * 2 - 1, image_ops.SIGNED),
                                (as_bytes.astype(np.float32), (0, 255)),
                                (unit * 2 - 1, None)]:
        args = () if value_range is None else (value_range,)
        np.testing.assert_allclose(colour.colourfulness(images, *args), expected, rtol=1e-5)


def test_colourfulness_ratio():
    rng = np.random.default_rng(2)
    real = rng.uniform(-1, 1, (4, 8, 8, 3))
    grey = real.mean(axis=-1, keepdims=True)
    # halfway to the pixel's grey halves rg and yb everywhere, so halves M exactly
    washed_out = grey + 0.5 * (real - grey)
    assert colour.colourfulness_ratio(washed_out, real) == pytest.approx(0.5)
    assert colour.colourfulness_ratio(real, real) == pytest.approx(1.0)
    assert colour.colourfulness_ratio(real, washed_out) == pytest.approx(2.0)
    # sets of different sizes and dtypes: means are compared
    real_bytes = np.round((real + 1) * 127.5).astype(np.uint8)
    assert colour.colourfulness_ratio(washed_out[:2], real_bytes) == pytest.approx(
        colour.colourfulness(washed_out[:2]).mean() / colour.colourfulness(real).mean(),
        rel=0.02)
    with pytest.raises(ValueError, match="grey"):
        colour.colourfulness_ratio(real, np.repeat(grey, 3, axis=-1))
    with pytest.raises(ValueError, match="grey"):
        colour.colourfulness_ratio(real, grey)


def test_colour_fidelity_gathers_the_three_numbers():
    images, references = _pairs((3, 16, 16, 3))
    scores = colour.colour_fidelity(images, references)
    assert scores == {"psnr": colour.psnr(images, references),
                      "ssim": colour.ssim(images, references),
                      "colourfulness_ratio": colour.colourfulness_ratio(images, references)}


def test_metrics_package_exports_the_colour_functions():
    for name in ("colourfulness", "colourfulness_ratio", "psnr", "ssim"):
        assert getattr(metrics, name) is getattr(colour, name)


# --------------------------------------------------------------------------- bad input


def test_bad_inputs_give_clear_errors():
    images, references = _pairs((2, 8, 8, 3))
    with pytest.raises(ValueError,
                       match=r"\(2, 8, 8, 3\) and references \(2, 8, 9, 3\) must have the same"):
        colour.psnr(images, np.zeros((2, 8, 9, 3)), image_ops.UNIT)
    with pytest.raises(ValueError, match="same shape"):
        colour.ssim(images, references[:1], image_ops.UNIT)
    with pytest.raises(ValueError, match="same shape"):
        colour.psnr(images, references[..., :1], image_ops.UNIT)
    # [0, 255] floats read as [-1, 1]
    with pytest.raises(ValueError, match=r"images must be in \[-1, 1\].*uint8"):
        colour.psnr(images * 255, references)
    with pytest.raises(ValueError, match=r"references must be in \[0, 1\]"):
        colour.ssim(images, references * 2 - 1, value_range=image_ops.UNIT)
    with pytest.raises(ValueError, match=r"images must be in \[0, 1\].*value_range=\(-1, 1\)"):
        colour.colourfulness(images * 2 - 1, value_range=image_ops.UNIT)
    with pytest.raises(ValueError, match="value_range"):
        colour.colourfulness(images, value_range=(1, 0))
    with pytest.raises(ValueError, match=r"one RGB image.*x\[None\]"):
        colour.colourfulness(images[0], value_range=image_ops.UNIT)
    with pytest.raises(ValueError, match=r"one RGB image.*x\[None\]"):
        colour.psnr(images[0], references[0], value_range=image_ops.UNIT)
    with pytest.raises(ValueError, match="C = 1 or 3"):
        colour.colourfulness(np.zeros((2, 8, 8, 4), np.uint8))
    with pytest.raises(TypeError, match="int64"):
        colour.psnr(np.zeros((2, 8, 8, 3), np.int64), np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        colour.colourfulness(np.full((2, 8, 8, 3), np.nan))


# --------------------------------------------------------------------------- hue-aware metrics


def _flat(rgb, n=2, side=8):
    """n images of one uniform sRGB colour (floats in [0, 1])."""
    return np.broadcast_to(np.asarray(rgb, float), (n, side, side, 3)).copy()


def test_ab_histogram_intersection_by_hand():
    red, blue, grey = _flat([0.8, 0.1, 0.1]), _flat([0.1, 0.2, 0.8]), _flat([0.5, 0.5, 0.5])
    assert colour.ab_histogram_intersection(red, red, image_ops.UNIT) == (1.0, 1.0)
    # disjoint colours share no bin in a (red's a is ~+60, grey's 0)
    a, _ = colour.ab_histogram_intersection(red, grey, image_ops.UNIT)
    assert a == 0.0
    # half the pixels red, half blue, against all red: half of each histogram overlaps
    mixed = np.concatenate([red, blue])
    a, b = colour.ab_histogram_intersection(mixed, red, image_ops.UNIT)
    assert a == pytest.approx(0.5) and b == pytest.approx(0.5)
    # only the distribution counts: swapping which image is which changes nothing
    assert colour.ab_histogram_intersection(mixed, mixed[::-1], image_ops.UNIT) == (1.0, 1.0)


def test_ab_histogram_intersection_matches_a_direct_numpy_computation():
    from skimage.color import rgb2lab

    images, references = _pairs((3, 16, 16, 3), seed=3)
    got = colour.ab_histogram_intersection(images, references, image_ops.UNIT)
    for channel, value in zip((1, 2), got, strict=True):
        p = np.histogram(rgb2lab(images)[..., channel], bins=colour.AB_HISTOGRAM_BINS)[0]
        q = np.histogram(rgb2lab(references)[..., channel], bins=colour.AB_HISTOGRAM_BINS)[0]
        assert value == pytest.approx(np.minimum(p / p.sum(), q / q.sum()).sum())


def test_ciede2000_orders_right_hue_grey_and_wrong_hue():
    from skimage.color import deltaE_ciede2000, rgb2lab

    red = _flat([0.8, 0.2, 0.2])
    # the same lightness, no colour: what an L1 colouriser unsure of the hue drifts towards
    grey = np.repeat(image_ops.lab_to_rgb(rgb2lab(red) * [1, 0, 0]).numpy(), 1, axis=0)
    # the same lightness and chroma, the opposite hue
    opposite = image_ops.lab_to_rgb(rgb2lab(red) * [1, -1, -1]).numpy()
    assert colour.ciede2000(red, red, image_ops.UNIT) == 0.0
    to_grey = colour.ciede2000(grey, red, image_ops.UNIT)
    to_opposite = colour.ciede2000(opposite, red, image_ops.UNIT)
    assert 10 < to_grey < to_opposite
    assert to_grey == pytest.approx(deltaE_ciede2000(rgb2lab(grey), rgb2lab(red)).mean())
    # uint8 and the equivalent floats agree
    as_uint8 = image_ops.to_uint8(opposite, image_ops.UNIT)
    assert colour.ciede2000(as_uint8, image_ops.to_uint8(red, image_ops.UNIT)) == pytest.approx(
        colour.ciede2000(as_uint8.astype(float) / 255, np.round(red * 255) / 255,
                         image_ops.UNIT))


def test_colourisation_scores_add_the_hue_metrics():
    images, references = _pairs((3, 16, 16, 3))
    scores = colour.colourisation_scores(images, references, image_ops.UNIT)
    assert scores["ciede2000"] == colour.ciede2000(images, references, image_ops.UNIT)
    assert scores["ab_histogram"] == pytest.approx(
        np.mean(colour.ab_histogram_intersection(images, references, image_ops.UNIT)))
    assert scores["psnr"] == colour.psnr(images, references, image_ops.UNIT)
    for name in ("ab_histogram_intersection", "ciede2000", "colourisation_scores"):
        assert getattr(metrics, name) is getattr(colour, name)


def test_hue_metrics_refuse_bad_input():
    images, references = _pairs((2, 8, 8, 3))
    with pytest.raises(ValueError, match="same shape"):
        colour.ciede2000(images, references[:1], image_ops.UNIT)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\]"):
        colour.ab_histogram_intersection(images * 255, references, image_ops.UNIT)
    with pytest.raises(ValueError, match="C = 3"):
        colour.ciede2000(images[..., :1], references[..., :1], image_ops.UNIT)


def _painted(hues_per_image, chroma=60.0, grey=None):
    """Garment-like images: a mid-grey square on black, painted one hue each, in [0, 1]."""
    from gan_course import image_ops
    if grey is None:
        grey = np.zeros((len(hues_per_image), 16, 16), np.float32)
        grey[:, 4:12, 4:12] = 0.55
    return image_ops.tint(grey, np.asarray(hues_per_image, np.float64), chroma)


PALETTE = {0: (30.0, 210.0), 1: (265.0,)}


def test_palette_scores_reward_the_right_hue_and_nothing_else():
    labels = np.array([0, 0, 0, 0, 1])
    real = _painted([30, 210, 30, 210, 265])
    same = metrics.palette_scores(real, real, labels, PALETTE, value_range=(0, 1))
    assert same == pytest.approx({"hue_accuracy": 1.0, "chroma_ratio": 1.0}, abs=1e-6)
    # the other allowed hue is still right for the shape; a hue 90 degrees off is not
    swapped = _painted([210, 30, 120, 300, 265])
    scores = metrics.palette_scores(swapped, real, labels, PALETTE, value_range=(0, 1))
    assert scores["hue_accuracy"] == pytest.approx(0.5)
    # grey (L1's mean between two opposite hues) has no hue: it misses, and its chroma is 0
    grey_scores = metrics.palette_scores(_painted([0] * 5, chroma=0.0), real, labels, PALETTE,
                                         value_range=(0, 1))
    assert grey_scores["hue_accuracy"] == 0.0 and grey_scores["chroma_ratio"] < 0.05
    # half the garment in each of the two hues: the mean colour is nearly grey, a miss
    half = real.copy()
    half[:, :, 8:] = _painted([210, 30, 210, 30, 265])[:, :, 8:]
    assert metrics.palette_scores(half, real, labels, PALETTE,
                                  value_range=(0, 1))["hue_accuracy"] == 0.0


def test_palette_scores_tolerance_and_chroma_ratio():
    labels = np.array([0, 0])
    real = _painted([30, 210])
    near = _painted([55, 185])  # 25 degrees off each
    assert metrics.palette_scores(near, real, labels, PALETTE, value_range=(0, 1),
                                  tolerance=30)["hue_accuracy"] == 1.0
    assert metrics.palette_scores(near, real, labels, PALETTE, value_range=(0, 1),
                                  tolerance=20)["hue_accuracy"] == 0.0
    pale = metrics.palette_scores(_painted([30, 210], chroma=40.0), real, labels, PALETTE,
                                  value_range=(0, 1))
    assert 0.55 < pale["chroma_ratio"] < 0.8 and pale["hue_accuracy"] == 1.0
    washed = metrics.palette_scores(_painted([30, 210], chroma=15.0), real, labels, PALETTE,
                                    value_range=(0, 1))
    assert washed["hue_accuracy"] == 0.0


def test_palette_scores_refuse_mismatched_inputs():
    real = _painted([30, 210])
    with pytest.raises(ValueError, match="one label per image"):
        metrics.palette_scores(real, real, [0], PALETTE, value_range=(0, 1))
    with pytest.raises(ValueError, match="same shape"):
        metrics.palette_scores(real[:1], real, [0, 0], PALETTE, value_range=(0, 1))


def test_colourisation_table_shows_the_columns_every_row_has():
    plain = {"psnr": 20.0, "ssim": 0.9, "ciede2000": 6.0, "ab_histogram": 0.7,
             "colourfulness_ratio": 0.8}
    table = metrics.colourisation_table({"grey": plain, "shipped": {**plain,
                                                                   "hue_accuracy": 0.5}})
    assert "PSNR dB" in table and "hue accuracy" not in table
    both = metrics.colourisation_table({"a": {"hue_accuracy": 0.5, "chroma_ratio": 0.9}})
    assert "50.0%" in both and "PSNR" not in both
