"""Lesson 3's checks: the projection discriminator's head, the receptive field and pix2pix's
generator loss.

    projection_logit(features, labels, psi_kernel, psi_bias, class_vectors) -> (N, 1)
        logit_i = phi_i . w + b + V[y_i] . phi_i
        features phi (N, F), labels y (N,) ints, psi_kernel w (F, 1), psi_bias b (1,),
        class_vectors V (n_classes, F)
    receptive_field(layers) -> int
        layers: [(kernel, stride), ...] from the input on; r = 1 + sum_l (k_l - 1) prod_{m<l} s_m
    pix2pix_g_loss(fake_logits, target, output, l1_weight=100.0) -> scalar
        mean(softplus(-fake_logits)) + l1_weight * mean(|target - output|)

References: :func:`gan_course.models.conditional.projection_logit`,
:func:`gan_course.models.receptive_field.chain_receptive_field`,
:func:`gan_course.losses.pix2pix_g_loss`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from gan_course import losses
from gan_course.checks.core import (
    Case,
    CheckResult,
    Failure,
    Mistake,
    run_cases,
    to_array,
    tolerance_text,
)
from gan_course.models.conditional import projection_logit as _projection_logit
from gan_course.models.receptive_field import chain_receptive_field


def reference_projection_logit(features, labels, psi_kernel, psi_bias, class_vectors):
    """:func:`gan_course.models.conditional.projection_logit` as a NumPy array."""
    return np.asarray(_projection_logit(features, labels, psi_kernel, psi_bias, class_vectors))


def projection_logit(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(features, labels, psi_kernel, psi_bias, class_vectors)`` against the
    projection discriminator's head on two sizes of features and classes."""
    rng = np.random.default_rng(21)

    def case(label, n, f, classes):
        return Case(label, (rng.normal(size=(n, f)).astype("float32"),
                            rng.integers(0, classes, n).astype("int32"),
                            rng.normal(size=(f, 1)).astype("float32"),
                            rng.normal(size=(1,)).astype("float32"),
                            rng.normal(size=(classes, f)).astype("float32")))

    cases = [case("4 samples, 6 features, 3 classes", 4, 6, 3),
             case("10 samples, 32 features, 10 classes", 10, 32, 10)]
    cases[1].args[1][:3] = [9, 0, 9]  # the first and last class, and a repeat

    def f32(t):
        return np.asarray(t, np.float64)

    def no_psi(phi, y, w, b, v):
        return np.sum(f32(v)[np.asarray(y)] * f32(phi), axis=1, keepdims=True)

    def no_projection(phi, y, w, b, v):
        return f32(phi) @ f32(w) + f32(b)

    def no_bias(phi, y, w, b, v):
        return f32(phi) @ f32(w) + np.sum(f32(v)[np.asarray(y)] * f32(phi), axis=1, keepdims=True)

    def all_classes(phi, y, w, b, v):  # the inner product with every class vector, summed
        return f32(phi) @ f32(w) + f32(b) + np.sum(f32(phi) @ f32(v).T, axis=1, keepdims=True)

    def batch_sum(phi, y, w, b, v):
        return f32(phi) @ f32(w) + f32(b) + np.sum(f32(v)[np.asarray(y)] * f32(phi))

    mistakes = [
        Mistake(no_psi, "the unconditional term psi(phi(x)) = phi . w + b is missing"),
        Mistake(no_projection, "the projection term V[y] . phi(x) is missing"),
        Mistake(no_bias, "psi's bias b is missing"),
        Mistake(all_classes, "take each sample's own class vector V[y_i] (tf.gather(V, y)), not "
                             "all of them"),
        Mistake(batch_sum, "one inner product per sample: sum V[y_i] * phi_i over the features "
                           "only (axis 1), not over the batch"),
    ]
    return run_cases("projection_logit", fn, reference_projection_logit, cases,
                     mistakes=mistakes, tensors=True, summary=tolerance_text(), quiet=quiet)


def _compare_ints(got, expected):
    """An integer receptive field: a whole number equal to the expected one."""
    array = to_array(got)
    if array.shape != ():
        raise Failure(f"it returned shape {array.shape}, expected one number")
    value = float(array)
    if not np.isfinite(value) or value != round(value):
        raise Failure(f"got {value:g}, expected a whole number of pixels ({expected})")
    if int(round(value)) != int(expected):
        raise Failure(f"expected {int(expected)} pixels, got {int(round(value))}")


def receptive_field(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(layers)``, the receptive field of a chain of ``(kernel, stride)`` layers,
    against :func:`~gan_course.models.receptive_field.chain_receptive_field`."""
    cases = [
        Case("the 70x70 PatchGAN, [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]",
             ([(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)],)),
        Case("two 3x3 convolutions, [(3, 1), (3, 1)]", ([(3, 1), (3, 1)],)),
        Case("[(5, 2), (5, 2), (5, 2), (1, 1)]", ([(5, 2), (5, 2), (5, 2), (1, 1)],)),
        Case("a 7x7 convolution, 2x2 pooling, a 3x3 convolution, [(7, 1), (2, 2), (3, 1)]",
             ([(7, 1), (2, 2), (3, 1)],)),
    ]

    def own_stride(layers):
        r, j = 1, 1
        for k, s in layers:
            j *= s
            r += (k - 1) * j
        return r

    def no_strides(layers):
        return 1 + sum(k - 1 for k, _ in layers)

    def kernels_summed(layers):
        return sum(k for k, _ in layers)

    def from_zero(layers):
        return chain_receptive_field(layers) - 1

    def kernels_times_jump(layers):
        r, j = 1, 1
        for k, s in layers:
            r, j = r + k * j, j * s
        return r

    mistakes = [
        Mistake(own_stride, "off by one layer: a layer's kernel steps by the strides of the "
                            "layers *before* it; update the jump after adding (k - 1) * jump"),
        Mistake(no_strides, "the strides are missing: each stride multiplies the step of every "
                            "later kernel in input pixels (the jump)"),
        Mistake(kernels_summed, "adding kernel sizes ignores the strides and counts the centre "
                                "pixel once per layer: add (k - 1) * jump to r, from r = 1"),
        Mistake(from_zero, "start at r = 1: before any layer, an output sees its own pixel"),
        Mistake(kernels_times_jump, "a kernel of k taps widens the window by k - 1 steps, not k"),
    ]
    return run_cases("receptive_field", fn, chain_receptive_field, cases, mistakes=mistakes,
                     compare=_compare_ints, summary="exactly", quiet=quiet)


def pix2pix_g_loss(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(fake_logits, target, output, l1_weight)`` against
    :func:`gan_course.losses.pix2pix_g_loss` on a PatchGAN map and on one logit per image."""
    rng = np.random.default_rng(31)
    cases = [
        Case("a 2x4x4x1 PatchGAN map, ab images 2x8x8x2, l1_weight 100",
             (rng.normal(size=(2, 4, 4, 1)).astype("float32"),
              rng.uniform(-1, 1, (2, 8, 8, 2)).astype("float32"),
              rng.uniform(-1, 1, (2, 8, 8, 2)).astype("float32"), 100.0)),
        Case("3 logits, images 3x6x6x2, l1_weight 10",
             (rng.normal(size=(3, 1)).astype("float32"),
              rng.uniform(-1, 1, (3, 6, 6, 2)).astype("float32"),
              rng.uniform(-1, 1, (3, 6, 6, 2)).astype("float32"), 10.0)),
    ]

    def adversarial(logits):
        return losses.ns_g_loss(logits)

    def l1(target, output):
        return losses.l1(target, output)

    mistakes = [
        Mistake(lambda f, y, o, w: adversarial(f) + l1(y, o),
                "the L1 term needs its weight: lambda * mean(|y - G(x)|), lambda = l1_weight"),
        Mistake(lambda f, y, o, w: w * l1(y, o), "the adversarial term is missing"),
        Mistake(lambda f, y, o, w: adversarial(f), "the L1 term is missing"),
        Mistake(lambda f, y, o, w: adversarial(f) + w * tf.reduce_mean(tf.square(y - o)),
                "mean *absolute* error: L1, not the squared (L2) error"),
        Mistake(lambda f, y, o, w: losses.minimax_g_loss(f) + w * l1(y, o),
                "the adversarial term is the minimax loss; use the non-saturating one, "
                "mean(softplus(-fake_logits))"),
        Mistake(lambda f, y, o, w: adversarial(f) + w * tf.reduce_sum(tf.abs(y - o)),
                "a sum where the mean belongs in the L1 term"),
        Mistake(lambda f, y, o, w: adversarial(-f) + w * l1(y, o),
                "G wants its output called real: label 1, softplus(-fake_logits)"),
    ]
    return run_cases("pix2pix_g_loss", fn, losses.pix2pix_g_loss, cases, mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), quiet=quiet)


REFERENCES = {"projection_logit": reference_projection_logit,
              "receptive_field": chain_receptive_field,
              "pix2pix_g_loss": losses.pix2pix_g_loss}
