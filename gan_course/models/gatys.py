"""Gatys et al. (2016), "Image Style Transfer Using Convolutional Neural Networks": style
transfer by optimising the image itself, lesson 4's slow baseline.

Set up as the TensorFlow style_transfer tutorial does it: start from the content image; content
features at relu5_2 (``block5_conv2``); style as Gram matrices at relu1_1 ... relu5_1; raw VGG
features (no rescaling; the tutorial's VGG-19 has ImageNet weights, the course's default is
HED's VGG-16, ``features.vgg_encoder``); weights 1e4 (content) and 1e-2 (style); Adam(0.02,
beta_1 0.99, epsilon 0.1); the image clipped to [0, 1] after every step; 1,000 steps;
optionally a total variation term (weight 30). One setting differs: Adam's learning rate is
:data:`LEARNING_RATE`, 0.005, not 0.02. Adam moves every pixel by about the learning rate per
step whatever its gradient, and with HED's VGG-16 the tutorial's 0.02 covers the image in
single-pixel speckle; a total variation term removes it but blurs the picture at every weight
tried (``bench/gatys_speckle.py``, bench/README.md)::

    L(x) = w_s / 5 sum_l mean((G_l(x) - G_l(s))^2) + w_c mean((F(x) - F(c))^2) + w_tv TV(x)

with G_l = :func:`gram_matrix` of layer l's features. Every image needs its own optimisation,
which is why it is slow (:mod:`gan_course.models.lapstyle` trains a network once instead).
"""

from __future__ import annotations

import time

import numpy as np

from gan_course import features, image_ops, shipped

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu5_2"
#: The TF tutorial's settings.
TUTORIAL = {"steps": 1000, "style_weight": 1e-2, "content_weight": 1e4, "learning_rate": 0.02,
            "beta_1": 0.99, "epsilon": 0.1}
#: The course's learning rate (the tutorial's is 0.02: speckle with HED's VGG-16).
LEARNING_RATE = 0.005


#: Outputs of :func:`gatys_transfer` run to all its steps on lesson 4's two validation photos
#: (``data.content_images(size=512)``) in each offline style, made by
#: ``tools/make_gatys_outputs.py`` (about 36 CPU minutes per photo): pictures to compare with,
#: where quick mode can afford only a demonstration.
SHIPPED_OUTPUTS = {"stained_glass_flower": "gatys_stained_glass_flower.npz"}


def shipped_outputs(style_name: str, contents):
    """The shipped full-step outputs for ``style_name`` if they were made from exactly these
    ``contents``: ``(float32 (N, H, W, 3) in [0, 1], record)`` with the record's ``steps``,
    ``options`` and ``seconds_per_image``; else None."""
    if style_name not in SHIPPED_OUTPUTS:
        return None
    return shipped.load_outputs(SHIPPED_OUTPUTS[style_name], contents)


def gram_matrix(features):
    """G_cd = 1 / (H W) sum_{i,j} F_ijc F_ijd, per image: (N, H, W, C) -> (N, C, C), float32."""
    import tensorflow as tf

    f = tf.cast(features, tf.float32)
    positions = tf.cast(tf.shape(f)[1] * tf.shape(f)[2], tf.float32)
    return tf.einsum("bijc,bijd->bcd", f, f) / positions


def gatys_transfer(content, style, steps: int = TUTORIAL["steps"], encoder=None,
                   style_weight: float = TUTORIAL["style_weight"],
                   content_weight: float = TUTORIAL["content_weight"],
                   total_variation_weight: float = 0.0,
                   learning_rate: float = LEARNING_RATE, callback=None,
                   seconds: float | None = None) -> np.ndarray:
    """Optimise an image, starting from ``content``, towards ``style``'s Gram matrices and
    ``content``'s relu5_2 features; returns it, float32 (H, W, 3) in [0, 1].

    ``content``, ``style``: (H, W, 3) images in [0, 1] (sizes may differ). ``encoder``: a
    ``features.VGGEncoder`` with layers STYLE_LAYERS + (CONTENT_LAYER,) (default:
    ``features.vgg_encoder("auto", ...)``, VGG-16 with HED's weights), used without its
    feature scales, as the tutorial uses VGG. ``callback(step, image, loss)`` is called after
    every step. ``learning_rate``: Adam's (:data:`LEARNING_RATE`; the tutorial's is 0.02; pixels
    are in [0, 1]).
    ``seconds``: a time budget; the optimisation stops after the step that spends
    it, even before ``steps``.
    """
    import keras
    import tensorflow as tf
    content = image_ops.unit_images(content, "the content image", batched=False, channels=(3,))
    style = image_ops.unit_images(style, "the style image", batched=False, channels=(3,))
    if int(steps) < 1:
        raise ValueError(f"steps={steps} must be >= 1 (the tutorial uses 1,000).")
    encoder = encoder or features.vgg_encoder("auto", STYLE_LAYERS + (CONTENT_LAYER,))
    raw = encoder.raw()
    if set(raw.layers) != set(STYLE_LAYERS + (CONTENT_LAYER,)):
        raise ValueError(f"The encoder must give {STYLE_LAYERS + (CONTENT_LAYER,)}; it gives "
                         f"{raw.layers}.")
    style_at = [raw.layers.index(name) for name in STYLE_LAYERS]
    content_at = raw.layers.index(CONTENT_LAYER)
    style_maps = raw(style[None])
    style_targets = [gram_matrix(style_maps[i]) for i in style_at]
    content_target = raw(content[None])[content_at]
    image = tf.Variable(content[None].astype(np.float32))
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=TUTORIAL["beta_1"],
                                      epsilon=TUTORIAL["epsilon"])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            maps = raw(image)
            style_loss = tf.add_n([tf.reduce_mean(tf.square(gram_matrix(maps[i]) - target))
                                   for i, target in zip(style_at, style_targets, strict=True)])
            loss = (style_weight / len(STYLE_LAYERS) * style_loss
                    + content_weight * tf.reduce_mean(tf.square(maps[content_at]
                                                                - content_target)))
            if total_variation_weight:
                loss += total_variation_weight * tf.reduce_sum(tf.image.total_variation(image))
        optimizer.apply([tape.gradient(loss, image)], [image])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss

    if seconds is not None and not seconds > 0:
        raise ValueError(f"seconds={seconds!r} must be > 0, or None for no time limit.")
    start = time.perf_counter()
    for i in range(int(steps)):
        loss = step()
        if callback is not None:
            callback(i + 1, image.numpy()[0], float(loss))
        if seconds is not None and time.perf_counter() - start >= seconds:
            break
    return image.numpy()[0]


def gatys_transfer_all(contents, style, steps: int = TUTORIAL["steps"], encoder=None,
                       seconds: float | None = None, **options):
    """:func:`gatys_transfer` for each of ``contents`` (N, H, W, 3) in [0, 1], one after the
    other: ``(outputs (N, H, W, 3) in [0, 1], steps run per image, seconds per image)``.

    ``seconds`` is the time budget *per image*; ``options`` go to :func:`gatys_transfer`.
    """
    if np.ndim(contents) != 4:
        raise ValueError(f"contents must be a batch (N, H, W, 3), got shape {np.shape(contents)}; "
                         "for one image use gatys_transfer.")
    outputs, steps_run = [], []
    start = time.perf_counter()
    for content in contents:
        ran = [0]
        outputs.append(gatys_transfer(content, style, steps=steps, encoder=encoder,
                                      seconds=seconds,
                                      callback=lambda step, *_, ran=ran: ran.__setitem__(0, step),
                                      **options))
        steps_run.append(ran[0])
    return np.stack(outputs), steps_run, (time.perf_counter() - start) / len(contents)
