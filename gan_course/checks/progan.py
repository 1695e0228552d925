"""Lesson 5's checks: ProGAN's pixel norm and minibatch standard deviation, slerp, the
TF-Hub notebook's inversion loss, the steering loss and truncation.

    pixel_norm(x, eps=1e-8) -> x / sqrt(mean over channels of x^2 + eps), at every pixel
    minibatch_stddev(x, group_size=4) -> (N, H, W, C + 1)
        G = min(group_size, N) and groups as reshape(x, (G, N // G, H, W, C)) makes them
        (sample i goes with samples i +- N // G ...); per group, s = mean over features and
        pixels of sqrt(var over the group + 1e-8); s appended as a constant channel
    slerp(z1, z2, t) -> (len(t), d): sin((1 - t) theta) / sin theta z1 + sin(t theta) / sin theta z2
        with cos theta = z1 . z2 / (|z1| |z2|); z1, z2: (d,) vectors, t: (T,) numbers
    inversion_loss(image, target, z) -> scalar
        sum over pixels of the mean over channels of |image - target| + | |z| - sqrt(d) |
    steering_loss(logits, start_logits, target_class, keep_weight) -> (N,)
        -l_c + keep_weight * mean over k != c of (l_k - l_k,start)^2, per row
    truncate(features, mean, psi) -> mean + psi (features - mean)

References: :func:`gan_course.layers.pixel_norm`, :func:`gan_course.layers.minibatch_stddev`,
:func:`gan_course.latent.slerp`, :func:`gan_course.latent.source_loss`,
:func:`gan_course.steering.steering_loss`, :func:`gan_course.steering.truncate`.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from gan_course import latent, steering
from gan_course.checks.core import Case, CheckResult, Mistake, run_cases, tolerance_text
from gan_course.layers import minibatch_stddev as _minibatch_stddev
from gan_course.layers import pixel_norm as _pixel_norm


def pixel_norm(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(x, eps=1e-8)`` against :func:`gan_course.layers.pixel_norm` on a latent
    batch (N, d) and on feature maps (N, H, W, C)."""
    rng = np.random.default_rng(51)
    cases = [Case("latents (4, 16)", (rng.normal(0, 3, (4, 16)).astype("float32"),)),
             Case("feature maps (2, 3, 3, 5)", (rng.normal(1, 2, (2, 3, 3, 5)).astype("float32"),))]

    def over(axes, reduce=np.mean, root=True):
        def wrong(x, eps=1e-8):
            x = np.asarray(x, np.float64)
            scale = reduce(x ** 2, axis=axes, keepdims=True) + eps
            return x / (np.sqrt(scale) if root else scale)
        return wrong

    mistakes = [
        Mistake(over(-1, np.sum), "the *mean* of the squares over the channels, not their sum: "
                                  "each vector ends with mean square 1 (length sqrt(C))"),
        Mistake(over(-1, root=False), "divide by the square root of the mean square"),
        Mistake(over(None), "normalise each pixel's own feature vector: the mean over the "
                            "channel axis (-1) only, with keepdims"),
        Mistake(over(0), "normalise over the channels (axis -1) at each pixel, not over the "
                         "batch"),
    ]
    return run_cases("pixel_norm", fn, _pixel_norm, cases, mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), graph=True, quiet=quiet)


def _stddev_mistake(contiguous=False, whole_batch=False, variance=False, only_s=False,
                    repeat=False):
    def wrong(x, group_size=4):
        x = np.asarray(x, np.float64)
        n, h, w, c = x.shape
        g = n if whole_batch else min(group_size, n)
        groups = x.reshape(n // g, g, h, w, c).swapaxes(0, 1) if contiguous else x.reshape(
            g, n // g, h, w, c)
        var = groups.var(axis=0)
        s = (var if variance else np.sqrt(var + 1e-8)).mean(axis=(1, 2, 3))  # (n // g,)
        if contiguous or repeat:
            per_sample = np.repeat(s, g)
        else:
            per_sample = np.tile(s, g)
        maps = np.broadcast_to(per_sample[:, None, None, None], (n, h, w, 1))
        return maps if only_s else np.concatenate([x, maps], axis=-1)
    return wrong


def minibatch_stddev(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(x, group_size=4)`` against :func:`gan_course.layers.minibatch_stddev` on a
    batch of 8 in groups of 4, and a batch of 3 (smaller than a group)."""
    rng = np.random.default_rng(53)
    ramp = np.linspace(0.0, 1.0, 8)[:, None, None, None]  # so that the grouping matters
    cases = [
        Case("x (8, 4, 4, 3), groups of 4",
             ((rng.normal(size=(8, 4, 4, 3)) * (1 + 3 * ramp)).astype("float32"), 4)),
        Case("x (3, 2, 2, 5), group_size 4 > N",
             (rng.normal(size=(3, 2, 2, 5)).astype("float32"), 4)),
    ]
    mistakes = [
        Mistake(_stddev_mistake(contiguous=True),
                "the groups are ProGAN's: reshape(x, (G, N // G, H, W, C)), so sample i goes "
                "with samples i + N // G, i + 2 N // G ..., not with its neighbours"),
        Mistake(_stddev_mistake(repeat=True),
                "the groups are right, but s went back to the wrong samples: sample i takes "
                "s[i % (N // G)], so tile the list of s (s0, s1, s0, s1 ...); repeat gives "
                "s0, s0, s1, s1 ..."),
        Mistake(_stddev_mistake(whole_batch=True), "split the batch into groups of "
                                                   "min(group_size, N) samples"),
        Mistake(_stddev_mistake(variance=True), "average the standard deviation "
                                                "sqrt(var + 1e-8), not the variance"),
        Mistake(_stddev_mistake(only_s=True), "append s to x as one more channel "
                                              "(concatenate on axis -1)"),
    ]
    return run_cases("minibatch_stddev", fn, _minibatch_stddev, cases,
                     mistakes=mistakes, tensors=True, summary=tolerance_text(), graph=True,
                     quiet=quiet)


def slerp(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(z1, z2, t)`` against :func:`gan_course.latent.slerp` on latents of equal and
    of different lengths."""
    rng = np.random.default_rng(57)
    t = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    cases = [
        Case("two 8-d latents of equal length, 5 values of t",
             (rng.normal(size=8), None, t)),
        Case("two 512-d latents of different lengths, 5 values of t",
             (rng.normal(size=512), 3.0 * rng.normal(size=512), t)),
    ]
    z1 = cases[0].args[0]
    other = rng.normal(size=8)
    cases[0] = Case(cases[0].label, (z1, other * np.linalg.norm(z1) / np.linalg.norm(other), t))

    def norm_preserving(z1, z2, t):
        return latent.norm_preserving(z1, z2, t)

    def unnormalised_angle(z1, z2, t):
        theta = math.acos(float(np.clip(np.dot(z1, z2), -1.0, 1.0)))
        tt = np.asarray(t, np.float64).reshape(-1, 1)
        return (np.sin((1 - tt) * theta) * z1 + np.sin(tt * theta) * z2) / math.sin(theta)

    def swapped_weights(z1, z2, t):
        return latent.slerp(z2, z1, t)

    def on_unit_vectors(z1, z2, t):
        return latent.slerp(_unit(z1), _unit(z2), t)

    mistakes = [
        Mistake(latent.lerp, "that is lerp, a straight line: slerp weighs z1 and z2 with "
                             "sin((1 - t) theta) / sin(theta) and sin(t theta) / sin(theta)"),
        Mistake(norm_preserving, "that is the TF-Hub notebook's norm-preserving path; slerp "
                                 "weighs z1 and z2 by sines of angles"),
        Mistake(unnormalised_angle, "theta is the angle between the directions: "
                                    "cos(theta) = z1 . z2 / (|z1| |z2|)"),
        Mistake(swapped_weights, "t = 0 must give z1 and t = 1 z2: the weight of z1 is "
                                 "sin((1 - t) theta) / sin(theta)"),
        Mistake(on_unit_vectors, "your path has length 1 everywhere: you interpolated the unit "
                                 "directions. Use them only to find theta, and weight z1 and "
                                 "z2 themselves"),
    ]
    return run_cases("slerp", fn, latent.slerp, cases, mistakes=mistakes, rtol=1e-4,
                     atol=1e-4, summary=tolerance_text(1e-4, 1e-4), quiet=quiet)


def inversion_loss(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(image, target, z)``, the TF-Hub ProGAN notebook's inversion loss, against
    :func:`gan_course.latent.source_loss`."""
    rng = np.random.default_rng(59)
    cases = [
        Case("8x8 RGB images, a 16-d latent",
             (rng.uniform(0, 1, (1, 8, 8, 3)).astype("float32"),
              rng.uniform(0, 1, (1, 8, 8, 3)).astype("float32"),
              rng.normal(size=(1, 16)).astype("float32"))),
        Case("4x4 RGB images, a 512-d latent of length 30",
             (rng.uniform(0, 1, (1, 4, 4, 3)).astype("float32"),
              rng.uniform(0, 1, (1, 4, 4, 3)).astype("float32"),
              (30.0 * _unit(rng.normal(size=(1, 512)))).astype("float32"))),
    ]

    def prior(z):
        return tf.abs(tf.norm(z) - tf.sqrt(tf.cast(tf.size(z), tf.float32)))

    def data(image, target, reduce_pixels=tf.reduce_sum, reduce_channels=tf.reduce_mean):
        return reduce_pixels(reduce_channels(tf.abs(image - target), axis=-1))

    mistakes = [
        Mistake(lambda x, y, z: data(x, y, tf.reduce_mean) + prior(z),
                "the data term sums over the pixels (Keras' reduction='sum'), it does not "
                "average them"),
        Mistake(lambda x, y, z: data(x, y, reduce_channels=tf.reduce_sum) + prior(z),
                "the channels are averaged (MeanAbsoluteError averages its last axis), then "
                "the pixels summed"),
        Mistake(lambda x, y, z: data(x, y), "the prior term | |z| - sqrt(d) | is missing"),
        Mistake(lambda x, y, z: prior(z), "the data term, the image error, is missing"),
        Mistake(lambda x, y, z: data(x, y) + tf.abs(tf.norm(z) - tf.cast(tf.size(z), tf.float32)),
                "Gaussian latents have length about sqrt(d), not d"),
        Mistake(lambda x, y, z: data(x, y) + tf.square(prior(z)),
                "the prior term is an absolute value, | |z| - sqrt(d) |, not a square"),
        Mistake(lambda x, y, z: data(x, y) + tf.abs(tf.reduce_sum(tf.square(z))
                                                    - tf.cast(tf.size(z), tf.float32)),
                "compare the length |z| with sqrt(d), not |z|^2 with d"),
    ]
    return run_cases("inversion_loss", fn, latent.source_loss, cases, mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), quiet=quiet)


def steering_loss(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(logits, start_logits, target_class, keep_weight)``, the gradient steering's
    loss per row, against :func:`gan_course.steering.steering_loss`."""
    rng = np.random.default_rng(61)
    cases = [
        Case("logits (4, 10), target 7, keep_weight 0.1",
             (rng.normal(0, 3, (4, 10)).astype("float32"),
              rng.normal(0, 3, (4, 10)).astype("float32"), 7, 0.1)),
        Case("logits (2, 3), target 0, keep_weight 2",
             (rng.normal(0, 1, (2, 3)).astype("float32"),
              rng.normal(0, 1, (2, 3)).astype("float32"), 0, 2.0)),
    ]

    def penalty(logits, start, c, keep_weight, reduce=tf.reduce_mean, power=2, others=True,
                sign=-1.0):
        logits, start = tf.convert_to_tensor(logits), tf.convert_to_tensor(start)
        mask = tf.constant(np.arange(logits.shape[-1]) != c) if others else None
        change = logits - start if mask is None else tf.boolean_mask(logits - start, mask,
                                                                     axis=1)
        keep = reduce(tf.abs(change) ** power, axis=1)
        return sign * logits[:, c] + keep_weight * keep

    mistakes = [
        Mistake(lambda x, s, c, w: penalty(x, s, c, w, sign=1.0),
                "minimising +l_c lowers the target's logit: the loss is -l_c, so that "
                "descending it raises the target"),
        Mistake(lambda x, s, c, w: penalty(x, s, c, w, others=False),
                "keep the *other* classes' logits: leave the target class out of the penalty "
                "(it is the one that should change)"),
        Mistake(lambda x, s, c, w: penalty(x, s, c, w, reduce=tf.reduce_sum),
                "average the squared changes over the other classes, do not sum them"),
        Mistake(lambda x, s, c, w: penalty(x, s, c, w, power=1),
                "the penalty squares each change, (l_k - l_k,start)^2"),
        Mistake(lambda x, s, c, w: -tf.convert_to_tensor(x)[:, c],
                "add the penalty keep_weight * mean_{k != c} (l_k - l_k,start)^2, or the edit "
                "may change everything else too"),
        Mistake(lambda x, s, c, w: tf.reduce_mean(penalty(x, s, c, w)),
                "return one loss per row (N,): the mean over the batch hides which edit is "
                "which; the steering sums them"),
    ]
    return run_cases("steering_loss", fn, steering.steering_loss, cases, mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), graph=True, quiet=quiet)


def truncate(fn, quiet: bool = False) -> CheckResult:
    """Check ``fn(features, mean, psi)``, truncation towards the mean, against
    :func:`gan_course.steering.truncate`."""
    rng = np.random.default_rng(67)
    cases = [
        Case("features (4, 4, 4, 8), psi 0.7",
             (rng.normal(0, 1, (4, 4, 4, 8)).astype("float32"),
              rng.normal(0.5, 0.2, (4, 4, 8)).astype("float32"), 0.7)),
        Case("features (3, 5), psi 0.2",
             (rng.normal(1, 2, (3, 5)).astype("float32"),
              rng.normal(2, 1, (5,)).astype("float32"), 0.2)),
    ]
    mistakes = [
        Mistake(lambda f, m, psi: psi * f, "pull towards the mean, not towards zero: "
                                           "mean + psi (features - mean)"),
        Mistake(lambda f, m, psi: m + (1 - psi) * (f - m),
                "psi = 1 must leave the features as they are, psi = 0 give the mean"),
        Mistake(lambda f, m, psi: psi * (f - m), "add the mean back: mean + psi (features - "
                                                 "mean)"),
    ]
    return run_cases("truncate", fn, steering.truncate, cases, mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), quiet=quiet)


def _unit(v):
    return v / np.linalg.norm(v)


REFERENCES = {"pixel_norm": _pixel_norm,
              "minibatch_stddev": _minibatch_stddev, "slerp": latent.slerp,
              "inversion_loss": latent.source_loss, "steering_loss": steering.steering_loss,
              "truncate": steering.truncate}
