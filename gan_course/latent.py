"""A trained generator's latent space (lesson 5): paths between latents, and inversion.

**Interpolation** between two latents z1, z2 in R^d, for t in [0, 1]:

- :func:`lerp`: (1 - t) z1 + t z2. For Gaussian latents its midpoint has a smaller norm than
  either end (about sqrt(d / 2) instead of sqrt(d)), a region the generator rarely saw.
- :func:`slerp`: along the great circle, constant angular speed (White 2016).
- :func:`norm_preserving`: the TF-Hub ProGAN notebook's method: scale z2 to |z1|, interpolate
  linearly, and rescale every point to |z1|. The norm stays |z1|, but the angle moves fastest
  in the middle.

**Inversion**: find the z whose image G(z) is closest to a target x.

- :func:`source_inversion`: the TF-Hub notebook's loop, as it is: z ~ N(0, I), Adam(0.01),
  :func:`source_loss` = sum over pixels of the mean over channels of |G(z) - x|, plus
  |‖z‖ - sqrt(d)|; 200 eager steps, a frame every 5.
- :func:`invert`: the course's version: one ``tf.function`` step, many restarts (and targets)
  in one batch, the StyleGAN2 projector's learning-rate schedule (Karras et al. 2020,
  ``projector.py``; its decaying latent noise is an option, off by default), an optional
  perceptual term, and the best restart kept.

**Steering**: :func:`steer` (from :mod:`gan_course.steering`, which holds it with truncation)
edits z towards a class that a classifier names.

The generator is any callable z (N, d) -> images (N, H, W, C) in [0, 1] that TensorFlow can
differentiate, e.g. what :func:`gan_course.models.progan.load_progan` returns. Targets are uint8
in [0, 255] or floats in [0, 1]; :func:`photo_target` makes one from any photo.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gan_course import data, features, gan_arguments, hardware, image_ops
from gan_course.metrics import psnr
from gan_course.steering import steer  # noqa: F401 (latent.steer, lesson 5's steering)

# --------------------------------------------------------------------------- interpolation


def _pair(z1, z2, nonzero: bool = False):
    """Two latents as float64 (d,) arrays, checked: same shape, finite, and (for the paths
    that divide by a norm, ``nonzero``) not the zero vector."""
    z1, z2 = np.asarray(z1, np.float64), np.asarray(z2, np.float64)
    if z1.shape != z2.shape or z1.ndim != 1:
        raise ValueError(f"Interpolation needs two latents of the same shape (d,); got "
                         f"{z1.shape} and {z2.shape}.")
    for name, z in (("z1", z1), ("z2", z2)):
        if not np.all(np.isfinite(z)):
            raise ValueError(f"{name} contains NaN or infinite values; draw latents with "
                             "np.random.default_rng(seed).standard_normal(d).")
        if nonzero and not np.any(z):
            raise ValueError(f"{name} is the zero vector, which has no direction to interpolate "
                             "along; use lerp, or a latent drawn from N(0, I).")
    return z1, z2


def _times(t) -> np.ndarray:
    return np.asarray(t, np.float64).reshape(-1, 1)


def lerp(z1, z2, t) -> np.ndarray:
    """Linear interpolation, z(t) = (1 - t) z1 + t z2; ``t`` a number or an array of them.
    Returns float32 (len(t), d)."""
    z1, z2 = _pair(z1, z2)
    t = _times(t)
    return ((1 - t) * z1 + t * z2).astype(np.float32)


def slerp(z1, z2, t) -> np.ndarray:
    """Spherical interpolation (White 2016), with theta the angle between z1 and z2:

        z(t) = sin((1 - t) theta) / sin(theta) z1 + sin(t theta) / sin(theta) z2

    Equal steps in t are equal angles. When |z1| = |z2| the norm stays the same along the path;
    otherwise it changes smoothly between them. Falls back to :func:`lerp` when z1 and z2 are
    (anti)parallel. Returns float32 (len(t), d). Neither latent may be zero.
    """
    z1, z2 = _pair(z1, z2, nonzero=True)
    t = _times(t)
    cos = np.dot(z1, z2) / (np.linalg.norm(z1) * np.linalg.norm(z2))
    theta = math.acos(float(np.clip(cos, -1.0, 1.0)))
    if math.sin(theta) < 1e-6:
        return lerp(z1, z2, t.ravel())
    path = (np.sin((1 - t) * theta) * z1 + np.sin(t * theta) * z2) / math.sin(theta)
    return path.astype(np.float32)


def norm_preserving(z1, z2, t) -> np.ndarray:
    """The TF-Hub ProGAN notebook's interpolation: v2' = z2 |z1| / |z2|, then

        z(t) = |z1| u(t) / |u(t)|,   u(t) = (1 - t) z1 + t v2'

    Every point has the norm of z1 (so the end point is z2 rescaled to |z1|). Returns float32
    (len(t), d). Neither latent may be zero.
    """
    z1, z2 = _pair(z1, z2, nonzero=True)
    t = _times(t)
    r = np.linalg.norm(z1)
    u = (1 - t) * z1 + t * (z2 * r / np.linalg.norm(z2))
    return (r * u / np.linalg.norm(u, axis=1, keepdims=True)).astype(np.float32)


#: The three paths, by name.
INTERPOLATIONS = {"norm-preserving": norm_preserving, "slerp": slerp, "lerp": lerp}


def interpolation_path(z1, z2, n: int = 150, method: str = "slerp") -> np.ndarray:
    """``n`` latents from z1 to z2 (both ends included) with ``method`` from
    :data:`INTERPOLATIONS`: float32 (n, d)."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"method={method!r}; use one of {list(INTERPOLATIONS)}.")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"n={n!r}: a path needs a whole number of points, at least 2 (e.g. "
                         "150).")
    return INTERPOLATIONS[method](z1, z2, np.linspace(0.0, 1.0, int(n)))


def latent_angle(z, z_star) -> np.ndarray:
    """The angle in degrees between latents, row by row:

        angle = arccos(<z, z*> / (|z| |z*|))

    ``z`` and ``z_star`` are (d,) or (N, d) arrays of the same shape; returns float64 (N,)
    ((1,) for single latents), from 0 (same direction) through 90 (orthogonal) to 180
    (opposite). Two independent Gaussian latents in d = 512 dimensions are about 90 degrees
    apart, so an inverted z near 90 degrees from the true z* is another latent, not z*. No row
    may be the zero vector.
    """
    a = np.atleast_2d(np.asarray(z, np.float64))
    b = np.atleast_2d(np.asarray(z_star, np.float64))
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"latent_angle needs latents of the same shape, (d,) or (N, d); got "
                         f"{np.shape(z)} and {np.shape(z_star)}.")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise ValueError("latent_angle needs finite, non-zero latents: a zero vector has no "
                         "direction.")
    cos = np.sum(a * b, axis=1) / norms
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


# --------------------------------------------------------------------------- inversion


def photo_target(photo, side: int, value_range=(0.0, 1.0)) -> np.ndarray:
    """A photo as an inversion target: float32 (side, side, 3) in [0, 1].

    ``photo`` is a path or URL (read by :func:`gan_course.data.load_image`) or an image array:
    uint8 in [0, 255], or float in ``value_range`` (default [0, 1]); grey images are repeated to
    3 channels. Its centre square is resized to ``side`` (area averaging when shrinking,
    :func:`gan_course.data.centre_square`) and converted once to [0, 1]. This is what the
    lesson's ``MY_PHOTO`` cell calls.
    """
    if isinstance(photo, (str, Path)):
        photo = data.load_image(photo)
        value_range = image_ops.UNIT
    image = image_ops.unit_images(photo, "the photo", value_range=value_range, batched=False)
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    return image_ops.to_unit(data.centre_square(image, int(side)), name="the target")


@dataclass
class InversionResult:
    """What an inversion found, per target: the latent, its image, and how close it came."""

    z: np.ndarray  #: (T, d) the best latent per target
    images: np.ndarray  #: (T, H, W, C) G(z) in [0, 1]
    pixel_error: np.ndarray  #: (T,) mean absolute pixel error against the target
    psnr: np.ndarray  #: (T,) in dB, against the target
    losses: np.ndarray  #: (steps,) the loss of each step (the mean over targets and restarts)
    #: (steps, T) mean absolute pixel error at each step, per target: of the one latent (source
    #: loop) or of the best restart at that step (:func:`invert`, at the point z + n where the
    #: gradient is taken). The same quantity for both, so their curves compare.
    pixel_errors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    frames: list = field(default_factory=list)  #: images every ``frame_every`` steps
    seconds: float = 0.0  #: wall time of the optimisation (excluding tracing, for invert)
    step_seconds: float = 0.0  #: mean seconds per step after the first
    #: (T, d) where each kept latent started (drawn from N(0, I)): the angle from it to ``z``
    #: says how far the search moved
    z_start: np.ndarray | None = None


def check_targets(targets, generator_shape) -> np.ndarray:
    """Targets as float32 (T, H, W, C) in [0, 1] of the generator's image shape (H, W, C).

    Targets are uint8 in [0, 255] or floats in [0, 1] (the generator's output range), converted
    once by :func:`gan_course.image_ops.to_unit`. A single image (H, W, C) gets a batch axis.
    Errors name the problem and the fix: the wrong size (:func:`photo_target` makes a target of
    any photo), the wrong channel count, floats outside [0, 1]. Checked before any step runs.
    """
    array = np.asarray(targets)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or len(array) == 0:
        raise ValueError(f"Targets must be images (T, H, W, C) or one image (H, W, C); got "
                         f"shape {array.shape}.")
    h, w, c = (int(s) for s in generator_shape)
    if array.shape[1:] == (c, h, w) and c != w:
        raise ValueError(f"Targets are channels-first, {array.shape} (T, C, H, W); the "
                         f"generator makes (H, W, C) = ({h}, {w}, {c}) images: turn them with "
                         "np.moveaxis(targets, 1, -1).")
    if array.shape[1:3] != (h, w):
        raise ValueError(f"Targets are {array.shape[1]}x{array.shape[2]} but the generator "
                         f"makes {h}x{w} images: resize them first, e.g. "
                         f"latent.photo_target(photo, side={h}).")
    if array.shape[-1] != c:
        raise ValueError(f"Targets have {array.shape[-1]} channels; the generator makes {c}. "
                         "Convert grey images with np.repeat(x, 3, axis=-1).")
    return image_ops.unit_images(array, "targets", channels=(c,))


def _finish(z, images, targets, losses, pixel_errors, frames, seconds,
            step_seconds, z_start=None) -> InversionResult:
    return InversionResult(z_start=z_start,
        z=z, images=images, pixel_error=np.mean(np.abs(images - targets), axis=(1, 2, 3)),
        psnr=np.array([psnr(a[None], b[None], value_range=(0, 1))
                       for a, b in zip(images, targets, strict=True)]),
        losses=np.asarray(losses, np.float32),
        pixel_errors=np.asarray(pixel_errors, np.float32).reshape(len(losses), len(targets)),
        frames=frames, seconds=seconds, step_seconds=step_seconds)


def source_loss(image, target, z):
    """The TF-Hub ProGAN notebook's inversion loss for one latent z (1, d) and its image:

        L(z) = sum_pixels mean_channels |G(z) - x|  +  | ‖z‖ - sqrt(d) |

    The data term is ``tf.losses.MeanAbsoluteError(reduction="sum")(G(z), x)`` as the notebook
    calls it: Keras averages over the last axis (the 3 channels), then sums over the pixels. The
    second term keeps z near the sphere of radius sqrt(d) where Gaussian latents live.
    """
    data_term = tf.reduce_sum(tf.reduce_mean(tf.abs(image - target), axis=-1))
    d = tf.cast(tf.size(z), tf.float32)
    return data_term + tf.abs(tf.norm(z) - tf.sqrt(d))


def _check_run(steps, lr, restarts=1) -> None:
    """An inversion's steps and restarts are whole numbers >= 1 and its learning rate a finite
    number > 0; otherwise a ValueError that names the value."""
    for name, value in (("steps", steps), ("restarts", restarts)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name}={value!r} must be a whole number >= 1 (e.g. 200 steps, "
                             "8 restarts).")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) \
            or lr <= 0:
        raise ValueError(f"lr={lr!r} must be a finite learning rate > 0 (e.g. 0.1).")


def source_inversion(generator, target, latent_dim: int, steps: int = 200, lr: float = 0.01,
                     frame_every: int = 5, seed: int | None = 0) -> InversionResult:
    """The TF-Hub ProGAN notebook's inversion loop, step for step (eager, one target):
    z ~ N(0, I), Adam(lr 0.01) on :func:`source_loss` for ``steps`` steps, a frame G(z) kept every
    ``frame_every`` steps (before that step's update, as in the notebook).

    ``target``: one image (H, W, C), uint8 in [0, 255] or float in [0, 1] (see
    :func:`check_targets`).
    """
    _check_run(steps, lr)
    x = check_targets(target, _image_shape(generator, latent_dim))
    if len(x) != 1:
        raise ValueError(f"source_inversion takes one target, got {len(x)}; use invert() for "
                         "several.")
    rng = tf.random.Generator.from_seed(0 if seed is None else seed)
    z = tf.Variable(rng.normal([1, latent_dim]))
    z_start = z.numpy()
    optimizer = keras.optimizers.Adam(learning_rate=lr)
    target = tf.constant(x)
    losses, pixel_errors, frames = [], [], []
    start = time.perf_counter()
    for step in range(steps):
        with tf.GradientTape() as tape:
            image = generator(z.read_value())
            loss = source_loss(image, target, z)
        optimizer.apply_gradients([(tape.gradient(loss, z), z)])
        losses.append(float(loss))
        pixel_errors.append([float(tf.reduce_mean(tf.abs(image - target)))])
        if frame_every and step % frame_every == 0:
            frames.append(np.asarray(image[0]))
    seconds = time.perf_counter() - start
    images = np.asarray(generator(z.read_value()), np.float32)
    return _finish(z.numpy(), images, x, losses, pixel_errors, frames, seconds, seconds / steps,
                   z_start)


def projector_learning_rate(t, peak: float = 0.1, ramp_up: float = 0.05,
                            ramp_down: float = 0.25):
    """The StyleGAN2 projector's learning rate at progress t = step / steps in [0, 1):

        lr(t) = peak * min(1, t / ramp_up) * (1/2 - 1/2 cos(pi * min(1, (1 - t) / ramp_down)))

    a linear warm-up over the first 5 % of the steps and a cosine decay to 0 over the last 25 %.
    """
    t = tf.cast(t, tf.float32)
    down = tf.minimum(1.0, (1.0 - t) / ramp_down)
    down = 0.5 - 0.5 * tf.cos(math.pi * down)
    return peak * down * tf.minimum(1.0, t / ramp_up)


def projector_noise(t, initial: float = 0.05, ramp: float = 0.75, scale: float = 1.0):
    """The StyleGAN2 projector's latent noise strength at progress t (``projector.py``):

        sigma(t) = scale * initial * max(0, 1 - t / ramp)^2

    per coordinate, falling from ``initial`` x ``scale`` to 0 at 75 % of the steps. The
    projector's ``scale`` is its ``w_std`` = sqrt(E ‖w - mean(w)‖^2), the latents' spread
    measured as a whole-vector distance; for z ~ N(0, I_d) that is sqrt(d), the value
    :func:`invert` passes.
    """
    t = tf.cast(t, tf.float32)
    return scale * initial * tf.square(tf.maximum(0.0, 1.0 - t / ramp))


def course_loss(images, target, z, prior_weight: float = 1.0):
    """:func:`invert`'s loss per row (one latent z_i (d,) and its image), without the optional
    perceptual term:

        L(z_i) = mean_pixels,channels |G(z_i) - x_i|  +  prior_weight * (‖z_i‖ / sqrt(d) - 1)^2

    Means, not sums, so the weights do not depend on the image size; the soft prior pulls |z|
    to sqrt(d) like the source's |‖z‖ - sqrt(d)|, but smoothly. Returns (loss, pixel term),
    each (N,).
    """
    pixel = tf.reduce_mean(tf.abs(images - target), axis=[1, 2, 3])
    d = tf.cast(tf.shape(z)[1], tf.float32)
    return pixel + prior_weight * tf.square(tf.norm(z, axis=1) / tf.sqrt(d) - 1.0), pixel


def _image_shape(generator, latent_dim: int) -> tuple:
    return tuple(int(s) for s in generator(tf.zeros([1, latent_dim])).shape[1:])


def in_unit_range(generator, latent_dim: int, value_range=None):
    """``generator`` with its images mapped from its output range to [0, 1], where
    :func:`invert` compares them with the targets: (G(z) - low) / (high - low).

    The range is ``value_range``, else the one the generator declares
    (:func:`gan_course.gan_arguments.output_range`: (-1, 1) for a tanh output), else (0, 1),
    TF-Hub's ProGAN's and the shipped one's. Checked before any step on 16 samples: images
    outside it are an error that says which ``value_range`` to pass.
    """
    low, high = (image_ops.check_value_range(value_range) if value_range is not None else
                 gan_arguments.output_range(generator) or image_ops.UNIT)
    z = tf.random.stateless_normal([16, latent_dim], seed=[0, 0])
    images = np.asarray(generator(z), np.float32)
    slack = image_ops.RANGE_TOLERANCE * 10 * (high - low)
    if images.min() < low - slack or images.max() > high + slack:
        guess = ("value_range=(-1, 1) (a tanh generator)" if images.min() < -0.1
                 and images.max() <= 1.0 + slack else "value_range=(low, high), its range")
        raise ValueError(f"The generator's images lie in [{images.min():.3g}, "
                         f"{images.max():.3g}], outside [{low:g}, {high:g}], the range "
                         f"invert reads them in: pass invert(..., {guess}).")
    if (low, high) == (0.0, 1.0):
        return generator
    return lambda z: (tf.cast(generator(z), tf.float32) - low) / (high - low)


def invert(generator, targets, latent_dim: int, steps: int = 200, restarts: int = 8,
           lr: float = 0.1, noise: float = 0.0, prior_weight: float = 1.0,
           perceptual=None, perceptual_weight: float = 1.0, frame_every: int = 0,
           seed: int | None = 0, jit_compile="auto",
           lr_schedule: bool = True, value_range=None) -> InversionResult:
    """The course's inversion: all targets x all restarts in one batch, one compiled step.

    ``targets``: images (T, H, W, C) or one (H, W, C), uint8 in [0, 255] or float in [0, 1]
    (:func:`check_targets`). ``value_range``: the generator's output range, (-1, 1) for a tanh
    generator; None reads it from the generator, else takes (0, 1), TF-Hub's
    (:func:`in_unit_range`). Images are compared in [0, 1], and ``images`` come back in it.
    For each target, ``restarts`` latents start from N(0, I) (T x R rows
    in one batch). Each step (a ``tf.function``) takes the gradient at z + n and an Adam step at
    the learning rate of
    :func:`projector_learning_rate` (peak ``lr``; the projector's 0.1; ``lr_schedule=False``:
    ``lr`` throughout) on, per row,

        L(z) = course_loss(G(z + n), x, z)  +  perceptual_weight * mean (phi(G(z + n)) - phi(x))^2

    (:func:`course_loss`; phi: ``perceptual``, a function of images in [0, 1], e.g.
    :func:`classifier_features`, or None). n is the StyleGAN2 projector's decaying latent noise
    (:func:`projector_noise`), per coordinate ``noise`` x sqrt(d) x max(0, 1 - t / 0.75)^2;
    the projector's ``initial_noise_factor`` is ``noise=0.05``. The default is ``noise=0``
    (n = 0): on the course's Fashion-MNIST ProGAN at 200 steps, every strength tried made the
    result worse (``bench/inversion.py --ablation``, bench/README.md). At the end each target
    keeps the restart with the smallest mean absolute pixel error, judged without noise.

    The steps run as a graph loop (``tf.range`` inside a ``tf.function``), so Python does
    nothing between steps; ``frame_every`` > 0 ends a run every so many steps to keep the best
    current restart's images.
    """
    _check_run(steps, lr, restarts)
    image_shape = _image_shape(generator, latent_dim)
    x = check_targets(targets, image_shape)
    generator = in_unit_range(generator, latent_dim, value_range)
    n_targets, restarts, steps = len(x), int(restarts), int(steps)
    if jit_compile == "auto":
        jit_compile = hardware.jit_compile_default()
    target = tf.constant(np.repeat(x, restarts, axis=0))  # row i: target i // restarts
    target_features = None if perceptual is None else tf.stop_gradient(perceptual(target))
    rng = tf.random.Generator.from_seed(0 if seed is None else seed)
    z = tf.Variable(rng.normal([n_targets * restarts, latent_dim]))
    z_start = z.numpy()
    optimizer = keras.optimizers.Adam(learning_rate=lr)
    optimizer.build([z])
    spread = math.sqrt(latent_dim)  # the projector's w_std for N(0, I) latents

    def row_losses(images, z_value):
        loss, pixel = course_loss(images, target, z_value, prior_weight)
        if perceptual is not None:
            diff = tf.square(perceptual(images) - target_features)
            loss += perceptual_weight * tf.reduce_mean(
                tf.reshape(diff, [tf.shape(diff)[0], -1]), axis=1)
        return loss, pixel

    @tf.function(jit_compile=jit_compile)
    def step(t):
        if lr_schedule:
            optimizer.learning_rate.assign(projector_learning_rate(t, peak=lr))
        with tf.GradientTape() as tape:
            noisy = z + projector_noise(t, noise, scale=spread) * rng.normal(tf.shape(z))
            loss, pixel = row_losses(generator(noisy), z)
            total = tf.reduce_sum(loss)  # rows are independent: each gets its own gradient
        optimizer.apply_gradients([(tape.gradient(total, z), z)])
        return tf.reduce_mean(loss), pixel

    @tf.function
    def run(first, count):
        """Steps first .. first + count - 1 in one call (a graph loop: no Python per step)."""
        losses = tf.TensorArray(tf.float32, size=count)
        best_pixel = tf.TensorArray(tf.float32, size=count)
        pixel = tf.zeros([n_targets * restarts])
        for k in tf.range(count):
            mean_loss, pixel = step(tf.cast(first + k, tf.float32) / steps)
            losses = losses.write(k, mean_loss)
            best_pixel = best_pixel.write(
                k, tf.reduce_min(tf.reshape(pixel, [n_targets, restarts]), axis=1))
        return losses.stack(), best_pixel.stack(), pixel

    # Each invert() call makes new functions and traces them once, by design: TensorFlow's
    # "frequent retracing" warning (it counts traces per code object across calls) does not
    # apply, so it is switched off as TensorFlow does for restored functions.
    for function in (step, run):
        function._omit_frequent_tracing_warning = True

    # step 0 alone (it traces), then runs of ``frame_every`` steps (or all the rest at once),
    # each ending on a step i with i % frame_every == 0 where a frame is taken
    ends = [1, *range(1 + frame_every, steps, frame_every or steps), steps]
    losses, pixel_errors, frames = [], [], []
    start = time.perf_counter()
    first = 0
    for stop in sorted(set(ends)):
        chunk, best_pixel, pixel = run(tf.constant(first), tf.constant(stop - first))
        losses.extend(chunk.numpy().tolist())
        pixel_errors.extend(best_pixel.numpy().tolist())
        if first == 0:
            traced = time.perf_counter()
        if frame_every and (stop - 1) % frame_every == 0:
            frames.append(_best_rows(generator, z, pixel, n_targets, restarts))
        first = stop
    end = time.perf_counter()
    # after the first step, which traces the function (frames included, as in the source loop)
    step_seconds = (end - traced) / (steps - 1) if steps > 1 else end - start
    # the best restart of each target, judged without noise
    images = np.asarray(generator(z.read_value()), np.float32)
    errors = np.mean(np.abs(images - target.numpy()), axis=(1, 2, 3)).reshape(n_targets, restarts)
    best = np.arange(n_targets) * restarts + errors.argmin(axis=1)
    return _finish(z.numpy()[best], images[best], x, losses, pixel_errors, frames, end - start,
                   step_seconds, z_start[best])


def _best_rows(generator, z, pixel, n_targets, restarts) -> np.ndarray:
    pixel = np.asarray(pixel).reshape(n_targets, restarts)
    best = np.arange(n_targets) * restarts + pixel.argmin(axis=1)
    return np.asarray(generator(tf.gather(z, best)), np.float32)


def classifier_features(images):
    """The shipped Fashion-MNIST classifier's 128-d ``features`` of ProGAN images (uint8, or
    floats in [0, 1]):
    (N, 32, 32, C) -> mean over channels -> centre 28x28 -> [-1, 1] -> (N, 128). A
    perceptual term for the offline ProGAN, whose judge is then its coach: the same classifier
    also decides the "true class" of the found images. ``bench/inversion.py
    --perceptual-study`` compares it with :func:`vgg_features`."""
    grey = tf.reduce_mean(image_ops.tensor_to_unit(images, check="eager"), axis=-1, keepdims=True)
    if grey.shape[1] != 32 or grey.shape[2] != 32:
        raise ValueError(f"classifier_features takes 32x32 ProGAN images; got "
                         f"{grey.shape[1]}x{grey.shape[2]}.")
    return features.fashion_mnist_feature_model()(grey[:, 2:-2, 2:-2, :] * 2.0 - 1.0,
                                                   training=False)


def vgg_features(images, layers=("relu2_1", "relu3_1"), weights: str = "auto"):
    """VGG features of images (uint8, or floats in [0, 1]; grey ones repeated to RGB): the
    course's encoder (``features.vgg_encoder(weights)``; ``"auto"``, VGG-16 with HED's
    weights, is the same online and offline) at ``layers``, each map flattened, then
    concatenated: (N, sum of H_l W_l C_l). The perceptual term of :func:`invert`."""
    encoder = features.vgg_encoder(weights, layers)
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    maps = encoder(images)  # uint8 or [0, 1]: the encoder's preprocessing reads both
    return tf.concat([tf.reshape(m, [tf.shape(m)[0], -1]) for m in maps], axis=1)


# --------------------------------------------------------------------------- comparison


@dataclass
class InversionComparison:
    """The course's :func:`invert` and the source loop (:func:`source_inversion`, one run per
    target) on the same targets: what the lesson and ``bench/inversion.py`` print and plot."""

    course: InversionResult
    sources: list  #: one :class:`InversionResult` per target

    @property
    def source_pixel_error(self) -> float:
        """Mean absolute pixel error of the source loop, averaged over the targets."""
        return float(np.mean([s.pixel_error[0] for s in self.sources]))

    @property
    def source_psnr(self) -> float:
        return float(np.mean([s.psnr[0] for s in self.sources]))

    @property
    def ratio(self) -> float:
        """course / source mean absolute pixel error: below 1, the course's inversion is closer."""
        return float(self.course.pixel_error.mean()) / self.source_pixel_error

    @property
    def source_images(self) -> np.ndarray:
        return np.concatenate([s.images for s in self.sources])

    def pixel_error_curves(self) -> tuple[np.ndarray, np.ndarray]:
        """(source, course): the mean absolute pixel error at each step, averaged over the
        targets; for the course, of each target's best restart at that step. The same quantity
        on both curves."""
        source = np.mean([s.pixel_errors[:, 0] for s in self.sources], axis=0)
        return source, self.course.pixel_errors.mean(axis=1)

    def summary(self, label: str) -> str:
        return (f"{label} ({len(self.sources)}): mean |pixel error| source "
                f"{self.source_pixel_error:.4f}, course {self.course.pixel_error.mean():.4f} "
                f"(ratio {self.ratio:.2f}); PSNR source {self.source_psnr:.1f} dB, course "
                f"{self.course.psnr.mean():.1f} dB")


def compare_inversions(generator, targets, latent_dim: int, steps: int = 200,
                       restarts: int = 8, **invert_options) -> InversionComparison:
    """Invert ``targets`` (uint8, or floats in [0, 1]) with :func:`invert` (``restarts`` per
    target, ``invert_options`` passed on) and with :func:`source_inversion` (seed i for target
    i), both for ``steps`` steps."""
    x = check_targets(targets, _image_shape(generator, latent_dim))
    course = invert(generator, x, latent_dim, steps=steps, restarts=restarts, **invert_options)
    return InversionComparison(course=course,
                               sources=source_inversions(generator, x, latent_dim, steps))


def source_inversions(generator, targets, latent_dim: int, steps: int = 200) -> list:
    """:func:`source_inversion` on each target in turn (seed i for target i, no frames)."""
    return [source_inversion(generator, target, latent_dim, steps=steps, frame_every=0, seed=i)
            for i, target in enumerate(check_targets(targets, _image_shape(generator,
                                                                           latent_dim)))]
