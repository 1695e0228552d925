"""Image maths the lessons share: pixel ranges, sRGB <-> CIELAB, and the Laplacian pyramid.

Pixel ranges: one convention
----------------------------
- **uint8** arrays are always in [0, 255].
- **float** arrays do not say their range, so every function that reads float images takes a
  ``value_range`` argument, and nothing guesses it from the values. Two ranges are named:

  - :data:`SIGNED` = (-1, 1), **model space**: what a tanh generator emits and what the
    discriminators, :func:`gan_course.data.gan_dataset` and ``patch_sampler`` produce. It is the
    default everywhere: a float image is read as [-1, 1] unless ``value_range`` says otherwise.
  - :data:`UNIT` = (0, 1), **files and photos as loaded** (:func:`gan_course.data.load_image`,
    ``load_texture``), and the sRGB input of :func:`rgb_to_lab`.

  Any other ``(low, high)`` pair with ``low < high`` works too, e.g. ``(0, 255)`` for float
  pixels read straight from a file.
- Values may overshoot the range by 0.1 % of its width (round-off) and are then clipped; more
  is an error that says what the values look like and how to fix the call.
- :func:`check_images` is the one validator (shape, channels, dtype, NaN, range) that
  ``metrics``, ``viz`` and ``data`` use; :func:`to_signed`, :func:`to_unit` and
  :func:`to_uint8` convert between the ranges; :func:`uint8_to_signed` is the TensorFlow op that
  ``tf.data`` pipelines map over uint8 batches.

Colour: :func:`rgb_to_lab` and :func:`lab_to_rgb` in TensorFlow ops (differentiable, batched),
the lesson-3 scaling of L and ab to the range a network predicts, and :func:`tint`, which paints
grey images in a hue without changing their lightness.

Laplacian pyramid: :func:`laplacian_pyramid` and :func:`fold_laplacian_pyramid`, as in LapStyle
(Lin et al. 2021); the texture SWD of :mod:`gan_course.metrics` and LapStyle (lesson 4) share it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Model space: tanh outputs, discriminator inputs, training batches.
SIGNED = (-1.0, 1.0)
#: Files and photos as loaded, and sRGB for the Lab conversion.
UNIT = (0.0, 1.0)
#: Values may leave ``value_range`` by this fraction of its width (round-off) before it is an
#: error; they are clipped.
RANGE_TOLERANCE = 1e-3


# --------------------------------------------------------------------------- pixel ranges


def _format_range(value_range) -> str:
    low, high = value_range
    return f"[{low:g}, {high:g}]"


def check_value_range(value_range) -> tuple[float, float]:
    """``value_range`` as a pair of floats ``(low, high)`` with ``low < high``, or ValueError."""
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range={value_range!r} must be a pair (low, high), e.g. "
                         "image_ops.SIGNED = (-1, 1) or image_ops.UNIT = (0, 1).") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"value_range={value_range!r} needs finite low < high, e.g. "
                         "image_ops.SIGNED = (-1, 1) or image_ops.UNIT = (0, 1).")
    return low, high


def _check_values(array: np.ndarray, name: str, value_range) -> None:
    """dtype, NaN and range checks shared by :func:`check_images` and the conversions."""
    low, high = value_range
    if array.dtype == np.uint8:
        return
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"{name} has dtype {array.dtype}; pass uint8 in [0, 255] "
                        f"(x.astype('uint8')) or float in {_format_range(value_range)} "
                        "(or say its range with value_range=).")
    if array.size == 0:
        return
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values (did the generator diverge?).")
    smallest, largest = float(array.min()), float(array.max())
    slack = RANGE_TOLERANCE * (high - low)
    if smallest >= low - slack and largest <= high + slack:
        return
    hint = ""
    if smallest >= 0 and 1.5 < largest <= 255 and high < 255:
        hint = (" They look like [0, 255] pixels: pass them as uint8 (x.round().astype('uint8')) "
                "or say value_range=(0, 255).")
    elif smallest >= -1 - slack and largest <= 1 + slack and smallest < 0 <= low:
        hint = " They look like [-1, 1] model output: say value_range=(-1, 1) (image_ops.SIGNED)."
    raise ValueError(f"{name} must be in {_format_range(value_range)} (value_range), but its "
                     f"values span [{smallest:.3g}, {largest:.3g}].{hint}")


def check_images(images, name: str = "images", *, value_range=SIGNED, batched: bool = True,
                 channels: tuple[int, ...] | None = (1, 3),
                 size: tuple[int, int] | None = None) -> np.ndarray:
    """The one validator for images: returns them as a NumPy array with a channel axis.

    ``images`` is a NumPy array or an eager tensor: a batch (N, H, W) or (N, H, W, C) when
    ``batched``, else one image (H, W) or (H, W, C); a missing channel axis is added (grey).
    Checked: C is one of ``channels`` (None: any), (H, W) equals ``size`` if given, nothing is
    empty, the dtype is uint8 (read as [0, 255]) or float, floats are finite and lie in
    ``value_range`` (see the module docstring). The dtype and values are returned unchanged.

    Raises ``TypeError`` for a wrong type or dtype (a path, int64 pixels ...) and
    ``ValueError`` for a wrong shape, NaN or out-of-range values; each message names ``name``,
    the problem, and the fix.
    """
    value_range = check_value_range(value_range)
    if isinstance(images, (str, Path)):
        raise TypeError(f"{name} must be an image array, got the path {str(images)!r}: load it "
                        "first with gan_course.data.load_image(path) or load_texture(path).")
    array = np.asarray(images)
    wanted = 4 if batched else 3
    height, width = ("H", "W") if size is None else size
    layout = (f"a batch of images (N, {height}, {width}) or (N, {height}, {width}, C)" if batched
              else f"one image ({height}, {width}) or ({height}, {width}, C)")
    allowed = "" if channels is None else f" with C = {' or '.join(map(str, channels))}"
    if array.ndim == wanted - 1:
        array = array[..., None]
    if array.ndim != wanted:
        hint = ""
        if batched and array.ndim == 2:
            hint = " One image needs a batch axis: x[None]."
        elif not batched and array.ndim == 4:
            hint = " Pass one image, e.g. x[0]."
        raise ValueError(f"{name} must be {layout}{allowed}, got shape "
                         f"{np.shape(images)}.{hint}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {np.shape(images)}).")
    if channels is not None and array.shape[-1] not in channels:
        hint = (" 4 channels is RGBA: drop the alpha channel (x[..., :3]) or load the image "
                "with mode='RGB'." if array.shape[-1] == 4 else "")
        raise ValueError(f"{name} must be {layout}{allowed}, got shape {np.shape(images)}."
                         f"{hint}")
    if size is not None and tuple(array.shape[-3:-1]) != tuple(size):
        raise ValueError(f"{name} must be {layout}{allowed}, got shape {np.shape(images)}.")
    _check_values(array, name, value_range)
    return array


def rescale(images, value_range, target_range):
    """The affine map from ``value_range`` = (a, b) onto ``target_range`` = (c, d):

    ``y = c + (x - a) (d - c) / (b - a)``

    Pure arithmetic (no checks, no clipping), so it works on NumPy arrays and tensors alike.
    """
    (a, b), (c, d) = check_value_range(value_range), check_value_range(target_range)
    return (images - a) * ((d - c) / (b - a)) + c


def _convert(images, value_range, target_range, name: str) -> np.ndarray:
    """Any-shaped uint8 or float ``images`` -> float32 in ``target_range``, checked and clipped."""
    value_range = check_value_range(value_range)
    array = np.asarray(images)
    _check_values(array, name, value_range)
    if array.dtype == np.uint8:
        value_range = (0.0, 255.0)
    converted = rescale(array.astype(np.float32), value_range, target_range)
    return np.clip(converted, *target_range).astype(np.float32)


def to_signed(images, value_range=SIGNED, name: str = "images") -> np.ndarray:
    """Images -> float32 in [-1, 1] (model space): ``y = 2 (x - low) / (high - low) - 1``.

    uint8 is read as [0, 255] (``x / 127.5 - 1``); floats as ``value_range`` (default
    :data:`SIGNED`, a checked pass-through; photos in [0, 1] need ``value_range=UNIT``). Any
    shape. Values are checked as in :func:`check_images` and clipped to [-1, 1].
    """
    return _convert(images, value_range, SIGNED, name)


def to_unit(images, value_range=SIGNED, name: str = "images") -> np.ndarray:
    """Images -> float32 in [0, 1]: ``y = (x - low) / (high - low)``.

    uint8 is read as [0, 255] (``x / 255``); floats as ``value_range`` (default :data:`SIGNED`:
    ``(x + 1) / 2``). Any shape; checked as in :func:`check_images`, clipped to [0, 1].
    """
    return _convert(images, value_range, UNIT, name)


def to_uint8(images, value_range=SIGNED, name: str = "images") -> np.ndarray:
    """Images -> uint8 in [0, 255]: ``round(255 (x - low) / (high - low))``.

    uint8 passes through unchanged; floats are read as ``value_range`` (default
    :data:`SIGNED`). Any shape; checked as in :func:`check_images`.
    """
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return array
    return np.round(_convert(array, value_range, (0.0, 255.0), name)).astype(np.uint8)


def unit_images(images, name: str = "images", *, value_range=UNIT, **check) -> np.ndarray:
    """:func:`check_images`, then :func:`to_unit`: images as float32 in [0, 1], checked.

    The one way a function that works in [0, 1] reads its image arguments: uint8 is [0, 255],
    floats must lie in ``value_range`` (default [0, 1]); ``check`` goes to :func:`check_images`
    (``batched``, ``channels``, ``size``).
    """
    array = check_images(images, name, value_range=value_range, **check)
    return to_unit(array, value_range, name=name)


def tensor_to_unit(images, value_range=UNIT, name: str = "images", check: bool | str = True):
    """Images -> a float tensor in [0, 1], as TensorFlow ops: ``y = (x - low) / (high - low)``
    (float32; float64 stays float64).

    uint8 is read as [0, 255] (``x / 255``), floats as ``value_range``. With ``check``, values
    outside ``value_range`` (beyond round-off) are an error: a ``ValueError`` as in
    :func:`check_images` when the values are at hand (eager), else an assertion op that fails
    when the graph runs (``tf.data`` maps, ``tf.function``). Not clipped. ``check="eager"``
    checks only values at hand, for functions that also run inside XLA-compiled steps (which
    cannot run assertions); ``check=False`` never checks.
    """
    import tensorflow as tf

    low, high = check_value_range(value_range)
    x = tf.convert_to_tensor(images)
    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 255.0
    if not x.dtype.is_floating:
        raise TypeError(f"{name} has dtype {x.dtype.name}; pass uint8 in [0, 255] or float in "
                        f"{_format_range((low, high))}.")
    if x.dtype != tf.float64:
        x = tf.cast(x, tf.float32)
    if check:
        if tf.executing_eagerly() and not tf.is_symbolic_tensor(x):
            _check_values(x.numpy(), name, (low, high))
        elif check != "eager":
            slack = RANGE_TOLERANCE * (high - low)
            message = (f"{name} must be in {_format_range((low, high))} (value_range); convert "
                       "the images first, e.g. image_ops.to_unit(x, value_range=...).")
            with tf.control_dependencies([
                    tf.debugging.assert_greater_equal(x, low - slack, message=message),
                    tf.debugging.assert_less_equal(x, high + slack, message=message)]):
                x = tf.identity(x)
    return rescale(x, (low, high), UNIT)


def uint8_to_signed(images):
    """uint8 [0, 255] -> float32 [-1, 1] as a TensorFlow op: ``x / 127.5 - 1``.

    For ``tf.data`` pipelines (``ds.map(uint8_to_signed)``), where values cannot be checked.
    """
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 127.5 - 1.0


# --------------------------------------------------------------------------- sRGB <-> CIELAB

#: sRGB (linear, D65) -> CIE XYZ, IEC 61966-2-1; its rows sum to the white point.
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
XYZ_TO_SRGB = np.linalg.inv(SRGB_TO_XYZ)
#: Reference white D65 (2-degree observer), Y normalised to 1.
D65_WHITE = (0.95047, 1.0, 1.08883)
_DELTA = 6.0 / 29.0  # f(t) switches from a cube root to a line at t = delta^3


def _float_tensor(x, name: str, last_axis: int | None = None):
    """x as a float32 (or float64) tensor, with a clear error for integers or a wrong last axis."""
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(f"{name} has dtype {x.dtype.name}; pass floats (uint8 images: convert "
                        "them with image_ops.to_unit(x) first).")
    if x.dtype != tf.float64:
        x = tf.cast(x, tf.float32)
    if last_axis is not None and (x.shape.rank in (None, 0) or x.shape[-1] != last_axis):
        raise ValueError(f"{name} needs a last axis of size {last_axis}, got shape {x.shape}.")
    return x


def _apply_matrix(matrix: np.ndarray, x):
    """``y_i = sum_j M_ij x_j`` over the last axis of x.

    (``tf.linalg.matvec`` rather than ``tf.einsum``: TensorFlow 2.19's einsum returns wrong values
    for this pattern on 2-D inputs of more than a few rows.)
    """
    import tensorflow as tf

    return tf.linalg.matvec(tf.constant(matrix, x.dtype), x)


def srgb_to_linear(c):
    """sRGB gamma decoding: ``c / 12.92`` for c <= 0.04045, else ``((c + 0.055) / 1.055)^2.4``."""
    import tensorflow as tf

    curved = ((tf.maximum(c, 0.04045) + 0.055) / 1.055) ** 2.4  # the guard keeps pow's base > 0
    return tf.where(c <= 0.04045, c / 12.92, curved)


def linear_to_srgb(c):
    """sRGB gamma encoding: ``12.92 c`` for c <= 0.0031308, else ``1.055 c^(1/2.4) - 0.055``."""
    import tensorflow as tf

    curved = 1.055 * tf.maximum(c, 0.0031308) ** (1.0 / 2.4) - 0.055  # pow'(0) would be infinite
    return tf.where(c <= 0.0031308, 12.92 * c, curved)


def _lab_f(t):
    """``f(t) = t^(1/3)`` for t > (6/29)^3, else ``t / (3 (6/29)^2) + 4/29``."""
    import tensorflow as tf

    cube_root = tf.maximum(t, _DELTA**3) ** (1.0 / 3.0)  # guarded: d/dt t^(1/3) is infinite at 0
    return tf.where(t > _DELTA**3, cube_root, t / (3.0 * _DELTA**2) + 4.0 / 29.0)


def _lab_f_inverse(f):
    """``f^3`` for f > 6/29, else ``3 (6/29)^2 (f - 4/29)``: the inverse of :func:`_lab_f`."""
    import tensorflow as tf

    return tf.where(f > _DELTA, f**3, 3.0 * _DELTA**2 * (f - 4.0 / 29.0))


def rgb_to_lab(rgb):
    """sRGB -> CIELAB (D65): L in [0, 100], a and b roughly in [-110, 110].

    ``rgb``: uint8 in [0, 255] or floats in [0, 1] (read by :func:`tensor_to_unit`: floats
    outside [0, 1] are an error). Any leading axes, last axis 3; float32 (float64 stays float64).
    Differentiable, with finite gradients everywhere including pure black.

    1. linear light ``c_lin`` by :func:`srgb_to_linear` per channel;
    2. ``(X, Y, Z) = M c_lin`` with the sRGB matrix :data:`SRGB_TO_XYZ`;
    3. ``L = 116 f(Y / Yn) - 16``, ``a = 500 (f(X / Xn) - f(Y / Yn))``,
       ``b = 200 (f(Y / Yn) - f(Z / Zn))`` with the white :data:`D65_WHITE` = (Xn, Yn, Zn) and
       ``f(t) = t^(1/3)`` above (6/29)^3, ``t / (3 (6/29)^2) + 4/29`` below.

    Agrees with ``skimage.color.rgb2lab`` to within 0.01 over the sRGB cube.
    """
    import tensorflow as tf

    rgb = _float_tensor(tensor_to_unit(rgb, name="rgb_to_lab's input"), "rgb_to_lab's input",
                        last_axis=3)
    xyz = _apply_matrix(SRGB_TO_XYZ, srgb_to_linear(rgb))
    fx, fy, fz = tf.unstack(_lab_f(xyz / tf.constant(D65_WHITE, rgb.dtype)), axis=-1)
    return tf.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def lab_to_rgb(lab):
    """CIELAB (D65) -> sRGB clipped to [0, 1]: the inverse of :func:`rgb_to_lab`.

    ``f_y = (L + 16) / 116``, ``f_x = f_y + a / 500``, ``f_z = f_y - b / 200``;
    ``(X, Y, Z) = white * f^-1(f)`` with ``f^-1(f) = f^3`` above 6/29, else
    ``3 (6/29)^2 (f - 4/29)``, clamped at 0 (no negative light); ``c_lin = M^-1 (X, Y, Z)``;
    then :func:`linear_to_srgb`, clipped to [0, 1]. Colours outside the sRGB gamut (a network's
    prediction may be) land on its border. Any leading axes, last axis 3; differentiable.
    """
    import tensorflow as tf

    lab = _float_tensor(lab, "lab_to_rgb's input", last_axis=3)
    lightness, a, b = tf.unstack(lab, axis=-1)
    fy = (lightness + 16.0) / 116.0
    f = tf.stack([fy + a / 500.0, fy, fy - b / 200.0], axis=-1)
    xyz = tf.maximum(_lab_f_inverse(f), 0.0) * tf.constant(D65_WHITE, lab.dtype)
    rgb = linear_to_srgb(_apply_matrix(XYZ_TO_SRGB, xyz))
    return tf.clip_by_value(rgb, 0.0, 1.0)


#: Lesson 3 scales L by 50 and ab by 110, so that a tanh output covers them: over the sRGB
#: gamut a is in [-86.2, 98.2] and b in [-107.9, 94.5].
LIGHTNESS_SCALE = 50.0
AB_SCALE = 110.0


def lightness_to_model(lightness):
    """L in [0, 100] -> [-1, 1]: ``L / 50 - 1`` (the colouriser's input)."""
    return lightness / LIGHTNESS_SCALE - 1.0


def lightness_from_model(x):
    """[-1, 1] -> L in [0, 100]: ``50 (x + 1)``, the inverse of :func:`lightness_to_model`."""
    return (x + 1.0) * LIGHTNESS_SCALE


def ab_to_model(ab):
    """a, b -> about [-1, 1]: ``ab / 110`` (the colouriser's target)."""
    return ab / AB_SCALE


def ab_from_model(x):
    """Model output -> a, b: ``110 x``, the inverse of :func:`ab_to_model`."""
    return x * AB_SCALE


def rgb_to_model_lab(rgb):
    """sRGB (..., 3), uint8 or floats in [0, 1] -> ``(lightness, ab)`` in model scale: (..., 1)
    and (..., 2).

    :func:`rgb_to_lab`, then :func:`lightness_to_model` and :func:`ab_to_model`.
    """
    lab = rgb_to_lab(rgb)
    return lightness_to_model(lab[..., :1]), ab_to_model(lab[..., 1:])


def model_lab_to_rgb(lightness, ab):
    """Rebuild sRGB in [0, 1] from model-scale lightness (..., 1) and (predicted) ab (..., 2).

    The inverse of :func:`rgb_to_model_lab`: :func:`lab_to_rgb` of
    ``(lightness_from_model(lightness), ab_from_model(ab))``.
    """
    import tensorflow as tf

    lightness = _float_tensor(lightness, "model_lab_to_rgb's lightness", last_axis=1)
    ab = tf.cast(_float_tensor(ab, "model_lab_to_rgb's ab", last_axis=2), lightness.dtype)
    return lab_to_rgb(tf.concat([lightness_from_model(lightness), ab_from_model(ab)], axis=-1))


#: :func:`tint`'s chroma profile peaks at this lightness and falls linearly to 0 at L = 0 and
#: L = 2 x this value (clipped at 100).
TINT_PEAK_LIGHTNESS = 55.0


def tint(grey, hue_degrees, chroma: float = 60.0, value_range=UNIT) -> np.ndarray:
    """Paint grey images in one hue each, keeping their lightness: float32 sRGB (N, H, W, 3) in
    [0, 1] whose CIELAB L is the grey value's (to within 0.5).

    For pixel lightness ``L = 100 g`` (``g`` the grey value in [0, 1]) and hue angle ``h`` in
    the ab plane (0 = +a, red; 90 = +b, yellow; 180 = green; 270 = blue):

    ``C(L) = chroma * max(0, 1 - |L - 55| / 55)``, ``a = C cos h``, ``b = C sin h``,

    so black stays neutral, white nearly so (the gamut allows it almost no chroma), and mid
    greys get the full ``chroma``. Where (L, a, b) lies
    outside the sRGB gamut, ``C`` shrinks by a factor 0.8 until the colour round-trips through
    :func:`lab_to_rgb` and :func:`rgb_to_lab` within 0.5 (at most 12 times; a pixel still out
    of gamut then keeps the last, clipped colour), so the lightness
    of the result is the grey image's, and two hues of the same grey image differ only in a, b.

    ``grey``: (N, H, W) or (N, H, W, 1), uint8 in [0, 255] or floats in ``value_range``
    (default [0, 1]); ``hue_degrees``: one angle per image, shape (N,).
    """
    unit = unit_images(grey, "grey", value_range=value_range, channels=(1,))[..., 0]
    unit = unit.astype(np.float64)
    hues = np.asarray(hue_degrees, dtype=np.float64).reshape(-1)
    if len(hues) != len(unit):
        raise ValueError(f"tint needs one hue per image: {len(unit)} images, {len(hues)} hues.")
    if not np.isfinite(chroma) or chroma < 0:
        raise ValueError(f"chroma={chroma!r} must be a finite number >= 0 (60 is vivid).")
    lightness = 100.0 * unit
    profile = np.clip(1.0 - np.abs(lightness - TINT_PEAK_LIGHTNESS) / TINT_PEAK_LIGHTNESS, 0, 1)
    angle = np.broadcast_to(np.deg2rad(hues)[:, None, None], lightness.shape).reshape(-1)
    lightness, chromas = lightness.reshape(-1), (chroma * profile).reshape(-1)
    rgb = np.empty((len(lightness), 3), np.float32)
    todo = np.arange(len(lightness))  # pixels whose colour is not settled yet
    for attempt in range(13):
        c = chromas[todo] * 0.8 ** attempt
        lab = np.stack([lightness[todo], c * np.cos(angle[todo]), c * np.sin(angle[todo])], -1)
        rgb[todo] = lab_to_rgb(lab.astype(np.float32)).numpy()
        error = np.abs(rgb_to_lab(rgb[todo]).numpy() - lab).max(axis=-1)
        todo = todo[error > 0.5]
        if not len(todo):
            break
    return rgb.reshape(*unit.shape, 3)


# --------------------------------------------------------------------------- Laplacian pyramid


def _pyramid_tensor(images, name: str):
    import tensorflow as tf

    x = tf.convert_to_tensor(images)
    if not x.dtype.is_floating:
        raise TypeError(f"{name} has dtype {x.dtype.name}; pass float images (uint8: convert "
                        "them with image_ops.to_signed(x) first).")
    if x.shape.rank != 4:
        raise ValueError(f"{name} must be a batch (N, H, W, C), got shape {x.shape}. One image "
                         "needs a batch axis: x[None].")
    return x


def _resize(images, size):
    """Bilinear resize (half-pixel centres) to ``size``, keeping the dtype."""
    import tensorflow as tf

    return tf.cast(tf.image.resize(images, size, method="bilinear"), images.dtype)


def pyramid_down(images):
    """One pyramid step down: blur with [1, 2, 1] / 4 along H and W, then bilinear resize to
    ``(max(1, H // 2), max(1, W // 2))``.

    On even sides, bilinear at exactly 2x averages 2 x 2 blocks, so the whole step is the
    binomial filter [1, 3, 3, 1] / 8 per axis followed by taking every other pixel: the same as
    ``tf.image.resize(..., antialias=True)`` inside the image. It is built from plain ops
    instead, because the antialiased resize has no XLA kernel. Borders are mirrored
    (symmetric padding). ``images``: float (N, H, W, C).
    """
    import tensorflow as tf

    x = _pyramid_tensor(images, "pyramid_down's images")
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    rows = (padded[:, :-2] + 2.0 * padded[:, 1:-1] + padded[:, 2:]) / 4.0
    blurred = (rows[:, :, :-2] + 2.0 * rows[:, :, 1:-1] + rows[:, :, 2:]) / 4.0
    return _resize(blurred, tf.maximum(tf.shape(x)[1:3] // 2, 1))


def pyramid_up(images, size):
    """Bilinear resize of float (N, h, w, C) ``images`` to ``size`` = (H, W), the finer level's
    exact shape (so odd sides come back exactly)."""
    return _resize(_pyramid_tensor(images, "pyramid_up's images"), size)


def laplacian_pyramid(images, levels: int) -> list:
    """The Laplacian pyramid of float (N, H, W, C) images: ``levels`` tensors, finest first.

    With ``G_0 = images`` and ``G_{k+1} = down(G_k)`` (:func:`pyramid_down`), level k <
    levels - 1 is the band ``L_k = G_k - up(G_{k+1})`` (:func:`pyramid_up` to G_k's shape) and
    the last level is the low-pass residual ``G_{levels-1}``; :func:`fold_laplacian_pyramid`
    inverts it exactly. ``levels=1`` gives ``[images]``. Sides halve (rounded down, at least 1)
    per level, so any size works.

    LapStyle's official code (Lin et al. 2021; PaddleGAN's ``make_laplace_pyramid``) has the
    same structure, but its ``down`` is a plain bilinear resize to half size: on even sides a
    2 x 2 box average, [1, 1] / 2 per axis, where :func:`pyramid_down` applies [1, 3, 3, 1] / 8.
    The box filter is the weaker low-pass (frequency response cos(w/2) per axis against
    cos^3(w/2)), so more fine detail aliases into its coarser levels; both fold back exactly.
    """
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 1:
        raise ValueError(f"levels={levels!r} must be an int >= 1 (bands + 1 residual).")
    import tensorflow as tf

    current = _pyramid_tensor(images, "laplacian_pyramid's images")
    pyramid = []
    for _ in range(levels - 1):
        coarser = pyramid_down(current)
        pyramid.append(current - pyramid_up(coarser, tf.shape(current)[1:3]))
        current = coarser
    pyramid.append(current)
    return pyramid


def fold_laplacian_pyramid(pyramid):
    """Rebuild the images from :func:`laplacian_pyramid`'s levels: from the residual up,
    ``G_k = L_k + up(G_{k+1})`` to the shape of ``L_k``; returns ``G_0``."""
    import tensorflow as tf

    if not isinstance(pyramid, (list, tuple)) or not pyramid:
        raise ValueError("fold_laplacian_pyramid needs the non-empty list of levels that "
                         "laplacian_pyramid returns (finest first, residual last).")
    current = _pyramid_tensor(pyramid[-1], "the pyramid's residual")
    for band in reversed(pyramid[:-1]):
        band = _pyramid_tensor(band, "a pyramid band")
        current = band + pyramid_up(current, tf.shape(band)[1:3])
    return current
