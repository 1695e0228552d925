"""Lesson 2's checks: circular padding, the sliced Wasserstein distance and the seam ratio.

    circular_pad(x, pad) -> x padded to (N, H + 2 pad, W + 2 pad, C) from the opposite edges
    sliced_wasserstein(a, b, directions) -> mean_{i,k} |sort(a theta_k)_i - sort(b theta_k)_i|
        a, b: (M, d) point sets; directions: (d, K) unit columns theta_k
    seam_ratio(image) -> mean(|x[:, 0] - x[:, -1]|, |x[0] - x[-1]|)
                         / mean(|x[:, j+1] - x[:, j]|, |x[i+1] - x[i]|)
        image: (H, W, C); each part is a mean over its pixels, and the two parts are averaged

References: :func:`gan_course.layers.circular_pad`,
:func:`gan_course.metrics.distances.sliced_wasserstein_along` and
:func:`gan_course.metrics.seam_ratio`.
"""

from __future__ import annotations

import numpy as np

from gan_course.checks.core import Case, CheckResult, Mistake, run_cases, tolerance_text
from gan_course.layers import circular_pad as _circular_pad
from gan_course.metrics.distances import sliced_wasserstein_along
from gan_course.metrics.texture import seam_ratio as _seam_ratio


def reference_circular_pad(x, pad):
    """:func:`gan_course.layers.circular_pad` as a NumPy array."""
    return np.asarray(_circular_pad(np.asarray(x), pad))


def reference_seam_ratio(image):
    """:func:`gan_course.metrics.seam_ratio` of one image (no ``period``)."""
    return _seam_ratio(image)


def _np_pad(mode):
    return lambda x, pad: np.pad(np.asarray(x), [(0, 0), (pad, pad), (pad, pad), (0, 0)],
                                 mode=mode)


def _swapped_sides(x, pad):
    x = np.asarray(x)
    x = np.concatenate([x[:, :pad], x, x[:, -pad:]], axis=1)
    return np.concatenate([x[:, :, :pad], x, x[:, :, -pad:]], axis=2)


def _height_only(x, pad):
    x = np.asarray(x)
    return np.concatenate([x[:, -pad:], x, x[:, :pad]], axis=1)


#: Where each part of a torus-padded image comes from, for :func:`_explain_padding`.
PADDING_PARTS = (
    ("middle", "the image itself belongs in the middle, unchanged"),
    ("top", "the rows added above the image: above row 0 comes the image's last row, so they "
            "are x[:, -pad:]"),
    ("bottom", "the rows added below the image: below the last row comes row 0, so they are "
               "x[:, :pad]"),
    ("left", "the columns added on the left: left of column 0 comes the last column, so they "
             "are x[:, :, -pad:]"),
    ("right", "the columns added on the right: right of the last column comes column 0, so "
              "they are x[:, :, :pad]"),
    ("corners", "only the corners: pad the height first, then pad that result along the "
                "width, so each corner comes from the opposite corner"),
)


def _padding_part(array, pad, part):
    inner = slice(pad, -pad)
    return {"middle": array[:, inner, inner], "top": array[:, :pad, inner],
            "bottom": array[:, -pad:, inner], "left": array[:, inner, :pad],
            "right": array[:, inner, -pad:],
            "corners": np.stack([array[:, :pad, :pad], array[:, :pad, -pad:],
                                 array[:, -pad:, :pad], array[:, -pad:, -pad:]])}[part]


def _explain_padding(case, got, expected) -> str:
    """Which part of a padded image of the right shape is wrong, in words ("" if none)."""
    got, pad = np.asarray(got, np.float64), case.args[1]
    if got.shape != np.shape(expected):
        return ""
    for part, words in PADDING_PARTS:
        if not np.allclose(_padding_part(got, pad, part), _padding_part(expected, pad, part),
                           atol=1e-6):
            return f"the wrong part is {words}"
    return ""


def circular_pad(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(x, pad)``, circular (torus) padding of (N, H, W, C) images, against
    :func:`gan_course.layers.circular_pad` on two shapes and pads."""
    rng = np.random.default_rng(3)
    cases = [
        Case("x of shape (2, 4, 5, 3), pad 1", (rng.normal(size=(2, 4, 5, 3)).astype("float32"),
                                               1)),
        Case("x of shape (1, 6, 7, 1), pad 2", (np.arange(42, dtype="float32").reshape(
            1, 6, 7, 1), 2)),
    ]
    mistakes = [
        Mistake(_swapped_sides,  # with pad 1 this is also mirroring ("symmetric")
                "the sides are swapped: the top rows are the *last* pad rows (x[:, -pad:]), the "
                "bottom rows the first (x[:, :pad]); the same for columns"),
        Mistake(_height_only, "only the height is padded: pad the width too, concatenating "
                              "along axis 2"),
        Mistake(_np_pad("constant"), "that is zero padding: take the pixels of the opposite edge"),
        Mistake(_np_pad("reflect"), "that is reflection: take the pixels of the opposite edge"),
        Mistake(_np_pad("symmetric"), "that is mirroring: take the pixels of the opposite edge"),
        Mistake(_np_pad("edge"), "that repeats the edge pixel: take the opposite edge's pixels"),
    ]
    return run_cases("circular_pad", fn, reference_circular_pad, cases, mistakes=mistakes,
                     explain=_explain_padding, summary="exactly", rtol=0.0, atol=1e-6,
                     quiet=quiet)


def sliced_wasserstein(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(a, b, directions)``, the sliced Wasserstein-1 distance along given unit
    directions, against :func:`~gan_course.metrics.distances.sliced_wasserstein_along`."""
    rng = np.random.default_rng(5)

    def unit(d, k):
        v = rng.normal(size=(d, k))
        return v / np.linalg.norm(v, axis=0, keepdims=True)

    cases = [
        Case("two sets of 6 points in 2-d, 3 directions",
             (rng.normal(size=(6, 2)), rng.normal(1.0, 2.0, (6, 2)), unit(2, 3))),
        Case("two sets of 50 points in 7-d, 16 directions",
             (rng.normal(size=(50, 7)), rng.exponential(size=(50, 7)), unit(7, 16))),
    ]

    def project(a, b, d):
        return np.asarray(a) @ d, np.asarray(b) @ d

    def unsorted(a, b, d):
        pa, pb = project(a, b, d)
        return float(np.mean(np.abs(pa - pb)))

    def squared(a, b, d):
        pa, pb = project(a, b, d)
        return float(np.mean((np.sort(pa, axis=0) - np.sort(pb, axis=0)) ** 2))

    def root_squared(a, b, d):
        return float(np.sqrt(squared(a, b, d)))

    def wrong_axis(a, b, d):
        pa, pb = project(a, b, d)
        return float(np.mean(np.abs(np.sort(pa, axis=1) - np.sort(pb, axis=1))))

    def summed(a, b, d):
        pa, pb = project(a, b, d)
        return float(np.sum(np.abs(np.sort(pa, axis=0) - np.sort(pb, axis=0))))

    def mean_difference(a, b, d):
        pa, pb = project(a, b, d)
        return float(np.mean(np.abs(pa.mean(axis=0) - pb.mean(axis=0))))

    mistakes = [
        Mistake(unsorted, "sort each set's projections first: in 1-D, W1 pairs the i-th smallest "
                          "of one set with the i-th smallest of the other"),
        Mistake(wrong_axis, "sort along the points (axis 0), one column per direction"),
        Mistake(squared, "absolute differences, not squares: this is W1, not W2 squared"),
        Mistake(root_squared, "absolute differences, not squares: this is W1, not W2"),
        Mistake(summed, "a sum where the mean belongs: average over the points and directions"),
        Mistake(mean_difference, "compare the sorted projections point by point, not their "
                                 "means"),
    ]
    return run_cases("sliced_wasserstein", fn, sliced_wasserstein_along, cases,
                     mistakes=mistakes, summary=tolerance_text(), quiet=quiet)


def seam_ratio(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(image)``, the wrap-around seam over the typical neighbour step, against
    :func:`gan_course.metrics.seam_ratio` on a tileable and an ordinary image."""
    rng = np.random.default_rng(9)
    yy, xx = np.mgrid[0:12, 0:16]
    periodic = (np.sin(2 * np.pi * xx / 16) + np.cos(2 * np.pi * yy / 6))[..., None]
    cases = [
        Case("a tileable 12x16x1 image", (periodic.astype("float32"),)),
        Case("a random 9x11x3 image", (rng.uniform(0, 1, (9, 11, 3)).astype("float32"),)),
        Case("a smooth 10x10x1 ramp (edges unrelated)",
             (np.add.outer(np.arange(10.0), np.arange(10.0))[..., None].astype("float32"),)),
    ]

    def parts(x):
        x = np.asarray(x, np.float64)
        wrap = np.mean([np.abs(x[:, 0] - x[:, -1]).mean(), np.abs(x[0] - x[-1]).mean()])
        inside = np.mean([np.abs(np.diff(x, axis=1)).mean(), np.abs(np.diff(x, axis=0)).mean()])
        return x, wrap, inside

    def width_only(image):
        x, _, _ = parts(image)
        return float(np.abs(x[:, 0] - x[:, -1]).mean() / np.abs(np.diff(x, axis=1)).mean())

    def neighbour_not_wrap(image):
        x, _, inside = parts(image)
        return float(np.mean([np.abs(x[:, 0] - x[:, 1]).mean(),
                              np.abs(x[0] - x[1]).mean()]) / inside)

    def upside_down(image):
        _, wrap, inside = parts(image)
        return float(inside / wrap)

    def squared(image):
        x = np.asarray(image, np.float64)
        wrap = np.mean([((x[:, 0] - x[:, -1]) ** 2).mean(), ((x[0] - x[-1]) ** 2).mean()])
        inside = np.mean([(np.diff(x, axis=1) ** 2).mean(), (np.diff(x, axis=0) ** 2).mean()])
        return float(wrap / inside)

    mistakes = [
        Mistake(width_only, "the seam runs both ways: include the top-bottom seam "
                            "(x[0] against x[-1]) and the vertical steps"),
        Mistake(neighbour_not_wrap, "the seam is between the *last* column and the first "
                                    "(x[:, -1] against x[:, 0]), not two neighbours"),
        Mistake(upside_down, "the ratio is upside down: the seam's jump over the typical step"),
        Mistake(squared, "absolute differences, not squares"),
    ]
    return run_cases("seam_ratio", fn, reference_seam_ratio, cases, mistakes=mistakes,
                     summary=tolerance_text(), quiet=quiet)


REFERENCES = {"circular_pad": reference_circular_pad,
              "sliced_wasserstein": sliced_wasserstein_along,
              "seam_ratio": reference_seam_ratio}
