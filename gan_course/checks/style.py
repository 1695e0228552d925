"""Lesson 4's checks: AdaIN, the Laplacian pyramid with its fold, and the Gram matrix.

    adain(content, style, eps=1e-5) -> sigma(s) (c - mu(c)) / sigma(c) + mu(s)
        mu, sigma: per sample and channel, over height and width; sigma = sqrt(var + eps)
    laplacian_pyramid(images, levels) -> [L_0, ..., L_{levels-2}, G_{levels-1}], finest first
        G_0 = images, G_{k+1} = pyramid_down(G_k), L_k = G_k - pyramid_up(G_{k+1}, G_k's size)
    fold(pyramid) -> images: G_k = L_k + pyramid_up(G_{k+1}, L_k's size), from the residual up
    gram_matrix(features) -> (N, C, C): G_cd = 1 / (H W) sum_{i,j} F_ijc F_ijd

References: :func:`gan_course.layers.adain`, :func:`gan_course.image_ops.laplacian_pyramid`
and :func:`~gan_course.image_ops.fold_laplacian_pyramid` (with
:func:`~gan_course.image_ops.pyramid_down` and :func:`~gan_course.image_ops.pyramid_up`),
:func:`gan_course.models.gatys.gram_matrix`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from gan_course.checks import hints
from gan_course.checks.core import (
    Case,
    CheckResult,
    Failure,
    Mistake,
    call,
    check_callable,
    compare_arrays,
    raised,
    report,
    run_cases,
    tolerance_text,
)
from gan_course.image_ops import fold_laplacian_pyramid, pyramid_down, pyramid_up
from gan_course.image_ops import laplacian_pyramid as _pyramid
from gan_course.layers import adain as _adain
from gan_course.models.gatys import gram_matrix as _gram_matrix


def reference_adain(content, style, eps=1e-5):
    """:func:`gan_course.layers.adain` as a NumPy array."""
    return np.asarray(_adain(tf.constant(content), tf.constant(style), eps))


def _stats(x, axes=(1, 2), eps=1e-5):
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    return mean, np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + eps)


def adain(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(content, style, eps=1e-5)`` against :func:`gan_course.layers.adain` on
    content and style of different sizes, one style per image and one for the batch."""
    rng = np.random.default_rng(41)
    cases = [
        Case("content (2, 4, 4, 3), style (2, 5, 6, 3)",
             (rng.normal(1.0, 2.0, (2, 4, 4, 3)).astype("float32"),
              rng.normal(-1.0, 0.5, (2, 5, 6, 3)).astype("float32"))),
        Case("content (3, 6, 6, 2), one style (1, 3, 3, 2)",
             (rng.gamma(2.0, 1.0, (3, 6, 6, 2)).astype("float32"),
              rng.normal(3.0, 4.0, (1, 3, 3, 2)).astype("float32"))),
    ]

    def on_axes(axes):
        def wrong(c, s, eps=1e-5):
            (cm, cs), (sm, ss) = _stats(c, axes, eps), _stats(s, axes, eps)
            return ss * (np.asarray(c) - cm) / cs + sm
        return wrong

    def variance(c, s, eps=1e-5):
        (cm, cs), (sm, ss) = _stats(c, eps=eps), _stats(s, eps=eps)
        return ss ** 2 * (np.asarray(c) - cm) / cs ** 2 + sm

    def swapped(c, s, eps=1e-5):
        (cm, cs), (sm, ss) = _stats(c, eps=eps), _stats(s, eps=eps)
        return cs * (np.asarray(c) - sm) / ss + cm

    def normalised_only(c, s, eps=1e-5):
        cm, cs = _stats(c, eps=eps)
        return (np.asarray(c) - cm) / cs

    def mean_only(c, s, eps=1e-5):
        cm, _ = _stats(c, eps=eps)
        sm, _ = _stats(s, eps=eps)
        return np.asarray(c) - cm + sm

    mistakes = [
        Mistake(on_axes((0, 1, 2)), "statistics per sample: average over height and width "
                                    "(axes 1, 2), not over the batch too"),
        Mistake(on_axes((1, 2, 3)), "statistics per channel: average over height and width "
                                    "(axes 1, 2), not over the channels"),
        Mistake(on_axes((3,)), "statistics over height and width (axes 1, 2), one pair per "
                               "channel, not over the channels at each pixel"),
        Mistake(variance, "scale by the standard deviation sigma = sqrt(var + eps), not the "
                          "variance"),
        Mistake(swapped, "content and style are swapped: normalise the *content* with its own "
                         "statistics, then give it the style's"),
        Mistake(normalised_only, "the style's statistics are missing: multiply by sigma(style) "
                                 "and add mu(style)"),
        Mistake(mean_only, "the spread is missing: divide by sigma(content), multiply by "
                           "sigma(style)"),
    ]
    return run_cases("adain", fn, reference_adain, cases, mistakes=mistakes, tensors=True,
                     rtol=1e-4, atol=1e-4, summary=tolerance_text(1e-4, 1e-4), quiet=quiet)


def reference_laplacian_pyramid(images, levels):
    """:func:`gan_course.image_ops.laplacian_pyramid` as a list of NumPy arrays."""
    return [np.asarray(level) for level in _pyramid(images, levels)]


def reference_fold(pyramid):
    """:func:`gan_course.image_ops.fold_laplacian_pyramid` as a NumPy array."""
    return np.asarray(fold_laplacian_pyramid(pyramid))


def _compare_levels(got, expected, rtol=1e-5, atol=1e-5):
    if not isinstance(got, (list, tuple)):
        raise Failure(f"it returned {type(got).__name__}, expected a list of {len(expected)} "
                      "levels")
    if len(got) != len(expected):
        raise Failure(f"it returned {len(got)} levels, expected {len(expected)}")
    for k, (level, want) in enumerate(zip(got, expected, strict=True)):
        try:
            compare_arrays(level, want, rtol, atol, what=f"level {k}")
        except Failure as failure:
            raise Failure(f"level {k} of {len(expected)}: {failure}") from None


def _plain_down(images):
    x = tf.constant(images)
    return tf.image.resize(x, tf.maximum(tf.shape(x)[1:3] // 2, 1))


def _pyramid_mistake(down=pyramid_down, sign=1.0, coarse_first=False, residual=True):
    def pyramid(images, levels):
        current, bands = tf.constant(images), []
        for _ in range(levels - 1):
            coarser = down(current)
            bands.append(sign * (current - pyramid_up(coarser, tf.shape(current)[1:3])))
            current = coarser
        if residual:
            bands.append(current)
        else:
            bands.append(current - pyramid_up(down(current), tf.shape(current)[1:3]))
        bands = [np.asarray(b) for b in bands]
        return bands[::-1] if coarse_first else bands
    return pyramid


PYRAMID_MISTAKES = [
    Mistake(_pyramid_mistake(coarse_first=True), "the levels are coarsest first; return them "
                                                 "finest first, the residual last"),
    Mistake(_pyramid_mistake(sign=-1.0), "each band is G_k - up(G_{k+1}), the detail the "
                                         "coarser level lacks (the sign is flipped)"),
    Mistake(_pyramid_mistake(residual=False), "the last level is the low-pass residual "
                                              "G_{levels-1} itself, not another band"),
    Mistake(_pyramid_mistake(down=_plain_down), "go down with pyramid_down (blur, then halve), "
                                                "not a plain resize"),
]


def laplacian_pyramid(fn, fold=None, quiet: bool = False) -> CheckResult:
    """Check ``fn(images, levels)`` against :func:`gan_course.image_ops.laplacian_pyramid`
    (even and odd sizes, 1 to 3 levels), and, when given, ``fold(pyramid)`` against
    :func:`~gan_course.image_ops.fold_laplacian_pyramid`: folding the course's pyramid, and
    the learner's own, must give the images back."""
    rng = np.random.default_rng(43)
    cases = [
        Case("images (2, 16, 16, 3), 3 levels",
             (rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32"), 3)),
        Case("images (1, 13, 10, 1), 2 levels (odd sides)",
             (rng.uniform(0, 1, (1, 13, 10, 1)).astype("float32"), 2)),
        Case("images (1, 8, 8, 2), 1 level", (rng.normal(size=(1, 8, 8, 2)).astype("float32"),
                                              1)),
    ]
    result = run_cases("laplacian_pyramid", fn, reference_laplacian_pyramid, cases,
                       mistakes=PYRAMID_MISTAKES, compare=_compare_levels, tensors=True,
                       summary=tolerance_text(1e-5, 1e-5), quiet=True)
    if fold is None or not result.passed:
        return _show(result, quiet)
    check_callable(fold, "laplacian_pyramid's fold")
    for case in cases:
        images = case.args[0]
        for whose, pyramid in (("the course's", reference_laplacian_pyramid(*case.args)),
                               ("your", [np.asarray(x) for x in call(fn, case, tensors=True)])):
            try:
                got = fold([tf.constant(level) for level in pyramid])
            except NotImplementedError:
                return report("laplacian_pyramid", False, "the pyramid matches, but fold is not "
                              "written yet (it raises NotImplementedError). Start here: "
                              + _FOLD_START,
                              fn, reference_laplacian_pyramid, quiet)
            except Exception as error:
                return report("laplacian_pyramid", False, "the pyramid matches, but fold "
                              + raised("laplacian_pyramid", f"{whose} pyramid of {case.label}",
                                       error), fn, reference_laplacian_pyramid, quiet)
            try:
                compare_arrays(got, images, 1e-5, 1e-5)
            except Failure as failure:
                return report("laplacian_pyramid", False, f"the pyramid matches, but folding "
                              f"{whose} pyramid of {case.label} does not give the images back: "
                              f"{failure}. Hint: {_FOLD_START}", fn,
                              reference_laplacian_pyramid, quiet)
    return report("laplacian_pyramid", True, result.message.split(": ", 1)[1].rstrip(".")
                  + "; fold gives the images back from both pyramids.", fn,
                  reference_laplacian_pyramid, quiet)


_FOLD_START = ("fold undoes the pyramid, so it runs the other way: begin with the residual "
               "(the last level) and work back to the finest band. "
               + hints.ask("laplacian_pyramid") + ".")


def _show(result: CheckResult, quiet: bool) -> CheckResult:
    if not quiet:
        print(result.message)
    return result


def gram_matrix(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(features)``, the per-image Gram matrix normalised by H W, against
    :func:`gan_course.models.gatys.gram_matrix`."""
    rng = np.random.default_rng(47)
    cases = [
        Case("features (2, 4, 5, 3)", (rng.normal(size=(2, 4, 5, 3)).astype("float32"),)),
        Case("features (1, 7, 7, 8)", (np.abs(rng.normal(size=(1, 7, 7, 8))).astype("float32"),)),
    ]

    def flat(f):
        f = np.asarray(f, np.float64)
        return f.reshape(f.shape[0], -1, f.shape[-1])

    def unnormalised(f):
        x = flat(f)
        return np.einsum("bpc,bpd->bcd", x, x)

    def by_hwc(f):
        return unnormalised(f) / (flat(f).shape[1] * flat(f).shape[2])

    def centred(f):
        x = flat(f)
        x = x - x.mean(axis=1, keepdims=True)
        return np.einsum("bpc,bpd->bcd", x, x) / x.shape[1]

    def by_positions_minus_one(f):
        return unnormalised(f) / (flat(f).shape[1] - 1)

    mistakes = [
        Mistake(unnormalised, "divide by the number of positions H * W"),
        Mistake(by_hwc, "divide by the number of positions H * W only, not H * W * C"),
        Mistake(centred, "the Gram matrix is not centred: do not subtract the channel means"),
        Mistake(by_positions_minus_one, "divide by H * W, not H * W - 1"),
    ]
    return run_cases("gram_matrix", fn, lambda f: np.asarray(_gram_matrix(f)), cases,
                     mistakes=mistakes, tensors=True, summary=tolerance_text(), quiet=quiet)


REFERENCES = {"adain": reference_adain, "laplacian_pyramid": reference_laplacian_pyramid,
              "gram_matrix": lambda features: np.asarray(_gram_matrix(features))}
