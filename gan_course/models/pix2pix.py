"""pix2pix for lesson 3: a U-Net generator and a PatchGAN discriminator (Isola et al. 2017,
"Image-to-Image Translation with Conditional Adversarial Networks").

The lesson colours grey images in Lab space: the condition is the lightness L (1 channel), the
target the two colour channels ab (2 channels), all in [-1, 1]. The training core calls the
players as pix2pix needs (``GAN(..., latent_dim=None)``, batches of ``(target, input)``)::

    G(input) -> a fake target                     (no noise vector z)
    D([image, input]) -> a map of logits          (the image first, then its condition)

Layers follow the paper's appendix, the authors' code (github.com/phillipi/pix2pix,
``models.lua``) and the TensorFlow pix2pix tutorial: 4x4 convolutions with stride 2, BatchNorm,
LeakyReLU(0.2) in the encoder and in D, ReLU in the decoder, weights drawn from N(0, 0.02).
Outputs are float32 (the last layers are), so they stay float32 under mixed precision.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from gan_course import image_ops, settings, shipped
from gan_course.hardware import scaled_filters as _scaled

#: Lesson 3's pix2pix size per device, for ``hardware.model_scale(**PIX2PIX_SCALE)``:
#: (width, batch).
#:
#: - CPU: quarter width (filters 16, 32, 64, 128, 128 ...: about 16x fewer multiply-adds than
#:   the full U-Net) on 64x64 crops, 16 to a batch. The paper trains with batch 1 to 10; a
#:   batch of 16 small crops keeps a 2-core CPU's vector units busy, and gives BatchNorm
#:   statistics (and moving averages) that mean something.
#: - GPU/TPU: the paper's full network, batch 8. The paper used batch 1 for facades, maps and
#:   Cityscapes and 4 for edges2shoes and day-to-night; batch 1 cannot be split across the
#:   replicas of a multi-GPU or TPU (8 cores) strategy and leaves an accelerator mostly idle,
#:   while 8 divides among 1, 2, 4 or 8 replicas.
PIX2PIX_SCALE = {"cpu": (0.25, 16), "accelerator": (1.0, 8)}
#: Lesson 3's colorization crop size per device (same keys as :data:`PIX2PIX_SCALE`): 64x64 on
#: a CPU; 128x128 on an accelerator (at 256 the two offline validation photos give only 3
#: crops).
COLORIZATION_IMAGE_SIZE = {"cpu": 64, "accelerator": 128}
NORMS = ("batch", "instance", "none")
#: Weights start from N(0, 0.02), the paper's (and DCGAN's) initialisation.
INIT_STDDEV = 0.02


def _initializer():
    return keras.initializers.RandomNormal(0.0, INIT_STDDEV)


def _norm(kind: str, name: str | None = None):
    """A normalisation layer: BatchNorm, InstanceNorm (GroupNorm with one group per channel),
    or None."""
    if kind == "batch":
        return layers.BatchNormalization(name=name)
    if kind == "instance":
        return layers.GroupNormalization(groups=-1, name=name)
    return None


def _check_norm(norm: str):
    if norm not in NORMS:
        raise ValueError(f"norm={norm!r}; use one of {NORMS}.")


def unet_depth(image_size: int) -> int:
    """How many stride-2 down blocks take ``image_size`` to 1x1: log2(image_size).

    8 at 256, 7 at 128, 6 at 64. The size must be a power of two, at least 16.
    """
    size = int(image_size)
    if size != image_size or size < 16 or size & (size - 1):
        raise ValueError(f"image_size={image_size!r}: the U-Net halves the image down to 1x1, "
                         "so it must be a power of two >= 16 (e.g. 64, 128, 256). Resize or "
                         "crop the images.")
    return int(math.log2(size))


def build_unet_generator(image_size: int = 256, input_channels: int = 1,
                         output_channels: int = 2, width: float = 1.0, max_filters: int = 512,
                         dropout: float = 0.5, dropout_layers: int = 3, norm: str = "batch",
                         name: str = "unet_generator") -> keras.Model:
    """The pix2pix U-Net: an encoder-decoder whose mirror layers are joined by skip connections.

    At 256x256 (8 down blocks; the paper's "U-Net 256"; filters before ``width``)::

        input (256, 256, C_in)
        down 1: Conv 64, 4x4, s2 -> LeakyReLU(0.2)  (no norm)         -> (128, 128, 64)   = e1
        down 2: Conv 128 -> norm -> LeakyReLU(0.2)                     -> (64, 64, 128)    = e2
        down 3: Conv 256 -> norm -> LeakyReLU(0.2)                     -> (32, 32, 256)    = e3
        down 4-7: Conv 512 -> norm -> LeakyReLU(0.2)  -> (16, 16) (8, 8) (4, 4) (2, 2)   = e4-e7
        down 8: Conv 512 -> LeakyReLU(0.2)  (no norm: the bottleneck) -> (1, 1, 512)
        up 1: ConvTranspose 512, 4x4, s2 -> norm -> Dropout -> ReLU -> (2, 2, 512), concat e7
        up 2, 3: the same with dropout, concat e6, e5                  -> (8, 8, 1024)
        up 4: ConvTranspose 512 -> norm -> ReLU, concat e4             -> (16, 16, 1024)
        up 5, 6, 7: ConvTranspose 256, 128, 64 ..., concat e3, e2, e1  -> (128, 128, 128)
        out: ConvTranspose C_out, 4x4, s2, tanh                        -> (256, 256, C_out)

    Smaller images have fewer 512 blocks (7 down blocks at 128, 6 at 64): there are always
    log2(image_size) down blocks, so the bottleneck is 1x1 and each of its values can depend on
    the whole input, and log2(image_size) - 1 skip connections. ``max_filters`` caps the
    doubling (64, 128, 256, 512, 512 ...), ``width`` scales every count (at least 4).

    - The encoder's first block has no normalisation (the paper: "BatchNorm is not applied to
      the first C64 layer"); neither has the bottleneck, as in the authors' code, where it is
      commented out: normalising a 1x1 map over a batch of one (the paper trains with batch 1)
      subtracts each value from itself, so whatever the input, only the learned shift is left.
    - ``dropout`` (rate 0.5) after the first ``dropout_layers`` up blocks is G's only noise:
      the paper found a noise vector z ignored. Isola et al. keep dropout on at test time; in
      Keras, ``G(x, training=True)`` does that (and, like the paper's code, normalises with the
      batch's own statistics: the TensorFlow tutorial samples so, on purpose).
    - ``norm``: ``"batch"`` (the paper's; with batch size 1 it is instance normalisation),
      ``"instance"`` (each image normalised alone at every batch size) or ``"none"``.
    - Convolutions followed by a normalisation have no bias (its shift replaces it).
    - Unlike the authors' code, which joins pre-activation encoder outputs and activates after
      the join, the skips here carry the activated outputs, as in the TensorFlow tutorial.
    """
    _check_norm(norm)
    depth = unet_depth(image_size)
    if not 0 <= int(dropout_layers) <= depth - 1:
        raise ValueError(f"dropout_layers={dropout_layers} must be between 0 and {depth - 1} "
                         f"(the up blocks before the output at image_size {image_size}).")
    filters = [_scaled(min(64 * 2 ** i, max_filters), width) for i in range(depth)]
    inputs = keras.Input((image_size, image_size, input_channels), name="input_image")
    x, skips = inputs, []
    for i, f in enumerate(filters, start=1):
        normed = norm != "none" and 1 < i < depth
        x = layers.Conv2D(f, 4, strides=2, padding="same", use_bias=not normed,
                          kernel_initializer=_initializer(), name=f"down{i}_conv")(x)
        if normed:
            x = _norm(norm, name=f"down{i}_norm")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_leaky_relu")(x)
        skips.append(x)
    # up j mirrors down depth - j: it makes e_(depth - j)'s size and channels, then joins it
    for j, skip in enumerate(reversed(skips[:-1]), start=1):
        normed = norm != "none"
        x = layers.Conv2DTranspose(skip.shape[-1], 4, strides=2, padding="same",
                                   use_bias=not normed, kernel_initializer=_initializer(),
                                   name=f"up{j}_conv")(x)
        if normed:
            x = _norm(norm, name=f"up{j}_norm")(x)
        if j <= dropout_layers and dropout > 0:
            x = layers.Dropout(dropout, name=f"up{j}_dropout")(x)
        x = layers.ReLU(name=f"up{j}_relu")(x)
        x = layers.Concatenate(name=f"up{j}_skip")([x, skip])
    x = layers.Conv2DTranspose(output_channels, 4, strides=2, padding="same",
                               kernel_initializer=_initializer(), dtype="float32",
                               name="output_conv")(x)
    outputs = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(inputs, outputs, name=name)


def patch_output_size(image_size: int, n_layers: int = 3) -> int:
    """The side of the PatchGAN's logit map: image_size / 2^n_layers - 2 (30 at 256, n = 3);
    a PixelGAN (n_layers=0) gives one logit per pixel."""
    if n_layers == 0:
        return int(image_size)
    return math.ceil(int(image_size) / 2 ** n_layers) - 2  # "same" stride 2 rounds up


def patch_layers_for(image_size: int) -> int:
    """How many stride-2 layers the PatchGAN gets for ``image_size``: 3 (the paper's 70x70
    patches) from 128 pixels up, 2 (34x34 patches) below.

    A patch should see a part of the image, not all of it (Isola et al. 2017, Table 3: at
    256x256, 70x70 patches scored better than 1x1 and 16x16 ones, and than the whole 286x286
    view). At 64x64 a 70x70 patch would see the whole crop, so a smaller one is used: 34
    pixels, about half of the crop, as 70 is about half of 128.
    """
    return 3 if int(image_size) >= 128 else 2


def build_patch_discriminator(image_size: int | None = 256, input_channels: int = 1,
                              target_channels: int = 2, width: float = 1.0, n_layers: int = 3,
                              norm: str = "batch",
                              name: str = "patch_discriminator") -> keras.Model:
    """The pix2pix PatchGAN: a map of logits, each judging one patch of the (image, condition)
    pair.

    Inputs ``[image, condition]`` in that order (the core calls ``D([image, input])``): the image
    (a real or a generated target, ``target_channels``) and the input it should belong to
    (``input_channels``) are concatenated on channels. With n_layers = 3 at 256x256 (the
    paper's 70x70 PatchGAN, C64-C128-C256-C512; filters before ``width``)::

        [image (256, 256, C_t), condition (256, 256, C_in)] -> concat -> (256, 256, C_t + C_in)
          -> Conv 64, 4x4, s2 -> LeakyReLU(0.2)  (no norm)             -> (128, 128, 64)
          -> Conv 128, 4x4, s2 -> norm -> LeakyReLU(0.2)                -> (64, 64, 128)
          -> Conv 256, 4x4, s2 -> norm -> LeakyReLU(0.2)                -> (32, 32, 256)
          -> ZeroPad 1 -> Conv 512, 4x4, s1 -> norm -> LeakyReLU(0.2)   -> (31, 31, 512)
          -> ZeroPad 1 -> Conv 1, 4x4, s1                               -> (30, 30, 1) logits

    (the TensorFlow tutorial's arrangement; the authors' code pads inside the convolutions, to
    the same effect). Each logit sees a 70x70 window of the input: its receptive field, computed
    by :func:`gan_course.models.receptive_field.receptive_field`. The losses average the map.

    ``n_layers`` is the number of stride-2 convolutions (filters 64 x min(2^n, 8)), as in the
    authors' code, whose comments list the receptive fields 1 (n = 0: the PixelGAN, 1x1
    convolutions 64, 128, 1), 16 (n = 1), 34, 70 (n = 3), 142, 286 (n = 5: at 256x256, the
    paper's "ImageGAN" whose window covers the whole image). ``image_size=None`` accepts any
    size (D is fully convolutional). ``width`` scales the filters (at least 4); ``norm`` as in
    :func:`build_unet_generator`.
    """
    _check_norm(norm)
    n_layers = int(n_layers)
    if n_layers < 0:
        raise ValueError(f"n_layers={n_layers} must be >= 0 (0 is the 1x1 PixelGAN).")
    if image_size is not None and patch_output_size(image_size, n_layers) < 1:
        raise ValueError(f"image_size={image_size} is too small for n_layers={n_layers}: the "
                         f"logit map would be {patch_output_size(image_size, n_layers)} wide. "
                         "Use fewer layers or larger images.")
    shape = (image_size, image_size)
    image = keras.Input((*shape, target_channels), name="image")
    condition = keras.Input((*shape, input_channels), name="condition")
    x = layers.Concatenate(name="image_and_condition")([image, condition])
    if n_layers == 0:  # the PixelGAN: every logit sees one pixel
        x = layers.Conv2D(_scaled(64, width), 1, kernel_initializer=_initializer(),
                          name="conv1")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Conv2D(_scaled(128, width), 1, use_bias=norm == "none",
                          kernel_initializer=_initializer(), name="conv2")(x)
        x = _add_norm(x, norm)
        x = layers.LeakyReLU(0.2)(x)
        logits = layers.Conv2D(1, 1, kernel_initializer=_initializer(), dtype="float32",
                               name="logits")(x)
        return keras.Model([image, condition], logits, name=name)
    x = layers.Conv2D(_scaled(64, width), 4, strides=2, padding="same",
                      kernel_initializer=_initializer(), name="conv1")(x)
    x = layers.LeakyReLU(0.2)(x)
    for n in range(1, n_layers + 1):
        last = n == n_layers  # the stride-1 convolution before the logits
        if last:
            x = layers.ZeroPadding2D(1)(x)
        x = layers.Conv2D(_scaled(64 * min(2 ** n, 8), width), 4, strides=1 if last else 2,
                          padding="valid" if last else "same", use_bias=norm == "none",
                          kernel_initializer=_initializer(), name=f"conv{n + 1}")(x)
        x = _add_norm(x, norm)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.ZeroPadding2D(1)(x)
    logits = layers.Conv2D(1, 4, padding="valid", kernel_initializer=_initializer(),
                           dtype="float32", name="logits")(x)
    return keras.Model([image, condition], logits, name=name)


def _add_norm(x, norm: str):
    layer = _norm(norm)
    return x if layer is None else layer(x)


# --------------------------------------------------------------------------- colourisers


def colourise(model, lightness, batch_size: int = 256):
    """Colour model-scale lightness (N, H, W, 1) in [-1, 1] with a colouriser: sRGB float32
    (N, H, W, 3) in [0, 1].

    ``model`` is a trained :class:`gan_course.training.GAN` (its EMA generator if it has one,
    in inference mode) or a Keras generator from L to ab (called with ``training=False``).
    The output is ``model_lab_to_rgb(lightness, G(lightness))``: the given lightness with the
    predicted colour.
    """
    import numpy as np
    lightness = np.asarray(lightness, np.float32)
    if lightness.ndim != 4 or lightness.shape[-1] != 1:
        raise ValueError(f"colourise needs lightness of shape (N, H, W, 1) in [-1, 1] (the "
                         f"second item of data.lab_pairs); got {lightness.shape}.")
    if hasattr(model, "generate"):
        ab = model.generate(condition=lightness, batch_size=batch_size)
    else:
        ab = np.concatenate([keras.ops.convert_to_numpy(model(lightness[i:i + batch_size],
                                                              training=False))
                             for i in range(0, len(lightness), batch_size)])
    return image_ops.model_lab_to_rgb(lightness, ab).numpy()


def grey_colouriser(lightness):
    """The no-learning baseline "leave it grey": ab = 0 everywhere. sRGB (N, H, W, 3) in
    [0, 1]."""
    import numpy as np
    lightness = np.asarray(lightness, np.float32)
    return image_ops.model_lab_to_rgb(lightness, np.zeros((*lightness.shape[:-1], 2),
                                                          np.float32)).numpy()


def constant_colouriser(lightness, ab):
    """The no-learning baseline "one colour for everything": every pixel gets the same model-
    scale ``ab`` (2,), e.g. the training set's mean ``ab`` (:func:`mean_ab`). sRGB (N, H, W, 3)
    in [0, 1]."""
    import numpy as np
    lightness = np.asarray(lightness, np.float32)
    ab = np.broadcast_to(np.asarray(ab, np.float32).reshape(2), (*lightness.shape[:-1], 2))
    return image_ops.model_lab_to_rgb(lightness, ab).numpy()


def mean_ab(rgb, value_range=(0.0, 1.0)):
    """The mean model-scale ``(a, b) / 110`` over every pixel of RGB images (uint8 in [0, 255]
    or floats in ``value_range``): the constant colour that :func:`constant_colouriser` paints.
    Take it from training images, never from the held-out ones."""
    import numpy as np
    unit = image_ops.unit_images(rgb, "rgb", value_range=value_range, channels=(3,))
    _, ab = image_ops.rgb_to_model_lab(unit)
    return np.asarray(ab, np.float64).reshape(-1, 2).mean(axis=0)


#: The colouriser that ships in ``data/`` for lesson 3's painted Fashion-MNIST
#: (``tools/train_colouriser.py`` makes it; data/README.md records its budget and quality).
SHIPPED_COLOURISER = "fashion_mnist_colouriser.npz"
#: The same U-Net, data and steps trained on 100 L1 alone (no discriminator): the baseline that
#: shows what the adversarial term adds (``tools/train_colouriser.py --l1-only``).
SHIPPED_L1_COLOURISER = "fashion_mnist_colouriser_l1.npz"


def save_colouriser(path, generator: keras.Model, record: dict):
    """Write a colouriser's U-Net as an ``.npz`` of float16 arrays keyed ``generator/0000`` ...
    in the model's weight order, plus a ``record`` entry (JSON: ``image_size`` and ``width``,
    which :func:`load_colouriser` builds from, and whatever else ``record`` holds), atomically
    (:func:`gan_course.shipped.save_model_weights`)."""
    missing = {"image_size", "width"} - set(record)
    if missing:
        raise ValueError(f"save_colouriser's record needs {sorted(missing)}: load_colouriser "
                         "rebuilds the U-Net from them.")
    return shipped.save_model_weights(path, {"generator": generator}, record)


def load_colouriser(path=None, l1_only: bool = False):
    """A colouriser written by :func:`save_colouriser` (default: the shipped cGAN + L1 one,
    :data:`SHIPPED_COLOURISER`; with ``l1_only``, its L1-only twin,
    :data:`SHIPPED_L1_COLOURISER`): ``(generator, record)``. A missing, corrupt or mismatched
    file raises an error that names it and the fix."""
    import json
    from pathlib import Path

    import numpy as np
    default = SHIPPED_L1_COLOURISER if l1_only else SHIPPED_COLOURISER
    path = Path(path) if path is not None else settings.data_dir() / default
    fix = ("restore it (git checkout data/) or retrain it (python tools/train_colouriser.py"
           + (" --l1-only)" if l1_only else ")"))
    if not path.is_file():
        raise FileNotFoundError(f"No colouriser at {path}: {fix}.")
    shipped.verify(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        record = json.loads(str(arrays.pop("record")))
        generator = build_unet_generator(int(record["image_size"]), input_channels=1,
                                         output_channels=2, width=float(record["width"]))
    except Exception as error:
        raise ValueError(f"The colouriser {path} is unreadable or corrupt "
                         f"({type(error).__name__}: {error}): {fix}.") from error
    weights = generator.get_weights()
    stored = [arrays.get(f"generator/{i:04d}") for i in range(len(weights))]
    if len(arrays) != len(weights) or any(s is None or s.shape != w.shape
                                          for s, w in zip(stored, weights, strict=True)):
        raise ValueError(f"The colouriser {path} does not match the U-Net this version of "
                         f"gan_course builds: {fix}.")
    generator.set_weights([s.astype(np.float32) for s in stored])
    return generator, record
