"""Texture GANs for lesson 2: a 64x64 DCGAN and a fully convolutional spatial GAN.

Images are in [-1, 1] (tanh) with C = 1 (grey) or 3 (colour) channels. Discriminators return
logits (no sigmoid); their last layers are float32, so outputs stay float32 under mixed precision.

- The **DCGAN** (Radford et al. 2016) maps a noise vector (batch, 100) to one (64, 64, C) patch.
  Its layers follow the source article (5x5 kernels, BatchNorm, ReLU in G, LeakyReLU(0.2) in D),
  with one more upsampling stage, because the article's layers make 28x28, not 64x64.
- The **spatial GAN** (SGAN: Jetchev, Bergmann and Vollgraf 2016, "Texture Synthesis with
  Spatial Generative Adversarial Networks"; PSGAN: Bergmann et al. 2017) has only convolutions,
  so noise of shape (h, w, k) gives an image of (16h, 16w, C): a 4x4 noise grid makes a 64x64
  training patch, a 64x64 grid a 1024x1024 texture, from the same weights. With
  ``periodic=True`` every convolution pads *circularly* (the image is treated as a torus), so the
  output's right edge continues into its left edge and the texture tiles without seams. (PSGAN
  reaches periodicity differently, with periodic noise channels; circular padding is simpler.)
"""

from __future__ import annotations

import keras
from keras import layers

from gan_course import settings, shipped
from gan_course.hardware import scaled_filters
from gan_course.layers import CircularPad2D
from gan_course.models import dcgan

LATENT_DIM = 100
#: Lesson 2's network size per device, for ``hardware.model_scale(**TEXTURE_SCALE)``:
#: (width, batch). On a 2-core CPU the quarter-width spatial GAN reaches 1.1x the real-vs-real
#: texture SWD on gravel within 10 minutes (bench/README.md).
TEXTURE_SCALE = {"cpu": (0.25, 32), "accelerator": (1.0, 32)}
NOISE_CHANNELS = 32
#: Each noise position of the spatial generator becomes UPSCALE x UPSCALE pixels.
UPSCALE = 16


def _channels(widths, width: float):
    return [scaled_filters(c, width) for c in widths]


def build_texture_dcgan_generator(latent_dim: int = LATENT_DIM, channels: int = 1,
                                  width: float = 1.0) -> keras.Model:
    """DCGAN generator for 64x64 patches: :func:`gan_course.models.dcgan.build_dcgan`'s at 64 px.

    z (latent_dim) -> Dense 8*8*256 -> BN -> ReLU -> (8, 8, 256)
      -> ConvTranspose 128, 5x5, stride 2 -> BN -> ReLU -> (16, 16, 128)
      -> ConvTranspose 64, 5x5, stride 2 -> BN -> ReLU -> (32, 32, 64)
      -> ConvTranspose C, 5x5, stride 2, tanh -> (64, 64, C)

    ``width`` scales every channel count (0.25: about 16x cheaper, for CPUs).
    """
    return dcgan.build_dcgan_generator_for(64, channels, latent_dim, width,
                                           name="texture_dcgan_generator")


def build_texture_dcgan_discriminator(channels: int = 1, width: float = 1.0) -> keras.Model:
    """DCGAN discriminator for 64x64 patches (the source article's layers):
    :func:`gan_course.models.dcgan.build_dcgan`'s at 64 px.

    (64, 64, C) -> Conv 64, 5x5, stride 2 -> LeakyReLU(0.2) -> (32, 32, 64)
      -> Conv 128, 5x5, stride 2 -> BN -> LeakyReLU(0.2) -> (16, 16, 128)
      -> Conv 256, 5x5, stride 2 -> BN -> LeakyReLU(0.2) -> (8, 8, 256)
      -> Flatten -> Dense 1 (a logit)
    """
    return dcgan.build_dcgan_discriminator_for(64, channels, width,
                                               name="texture_dcgan_discriminator")


def _conv(x, filters: int, periodic: bool, **kwargs):
    """5x5 convolution that keeps the size: circular padding if ``periodic``, else zeros."""
    if periodic:
        return layers.Conv2D(filters, 5, padding="valid", **kwargs)(CircularPad2D(2)(x))
    return layers.Conv2D(filters, 5, padding="same", **kwargs)(x)


def build_spatial_generator(noise_channels: int = NOISE_CHANNELS, channels: int = 1,
                            width: float = 1.0, periodic: bool = True) -> keras.Model:
    """Fully convolutional texture generator: noise (h, w, k) -> image (16h, 16w, C).

    (h, w, k) -> 4 x [UpSample 2x (nearest) -> Conv 5x5 -> BN -> ReLU]
      with 256, 128, 64, 32 filters -> (16h, 16w, 32)
      -> Conv C, 5x5, tanh -> (16h, 16w, C)

    Upsampling then convolving, rather than a strided transposed convolution, avoids
    checkerboard artefacts (Odena et al. 2016, "Deconvolution and Checkerboard Artifacts").
    ``periodic=True`` pads every convolution circularly: the output is exactly periodic with the
    output's own size as period, and rolling the noise by one position rolls the image by 16
    pixels. Inputs of any h, w >= 1 work (the model's input shape is (None, None, k)).
    """
    inputs = keras.Input((None, None, noise_channels))
    x = inputs
    for filters in _channels((256, 128, 64, 32), width):
        x = layers.UpSampling2D(2, interpolation="nearest")(x)
        x = _conv(x, filters, periodic, use_bias=False)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = _conv(x, channels, periodic)
    outputs = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="spatial_generator")


def build_spatial_discriminator(channels: int = 1, width: float = 1.0,
                                n_strided: int = 3) -> keras.Model:
    """Fully convolutional discriminator: image (H, W, C) -> a map of logits (H/2^n, W/2^n, 1).

    (H, W, C) -> Conv 64, 5x5, stride 2 -> LeakyReLU(0.2)
      -> Conv 128, 5x5, stride 2 -> BN -> LeakyReLU(0.2)
      -> Conv 256, 5x5, stride 2 -> BN -> LeakyReLU(0.2)
      -> Conv 1, 5x5 -> (H/8, W/8, 1) logits

    ``n_strided`` = n stride-2 convolutions, each doubling the filters (64, 128, 256, 512, ...);
    the default 3 is the stack above. Each logit judges one local region, like a PatchGAN: its
    receptive field is r = 1 + 4 (2^(n+1) - 1) pixels (61x61 for n = 3, 125x125 for n = 4; see
    :func:`gan_course.models.receptive_field.receptive_field`), and the GAN losses average over
    the map. With no dense layer, D accepts any image size with sides divisible by 2^n.
    """
    if isinstance(n_strided, bool) or not isinstance(n_strided, int) or n_strided < 1:
        raise ValueError(f"n_strided must be a whole number >= 1 (stride-2 layers), got "
                         f"{n_strided!r}.")
    filters = _channels([64 * 2 ** i for i in range(n_strided)], width)
    stack = [keras.Input((None, None, channels)),
             layers.Conv2D(filters[0], 5, strides=2, padding="same"), layers.LeakyReLU(0.2)]
    for f in filters[1:]:
        stack += [layers.Conv2D(f, 5, strides=2, padding="same", use_bias=False),
                  layers.BatchNormalization(), layers.LeakyReLU(0.2)]
    stack.append(layers.Conv2D(1, 5, padding="same", dtype="float32"))
    return keras.Sequential(stack, name="spatial_discriminator")


def spatial_noise_shape(height: int, width: int, noise_channels: int = NOISE_CHANNELS):
    """The noise shape (h, w, k) that makes a (height, width) texture; sides must divide by 16."""
    for side in (height, width):
        if side < UPSCALE or side % UPSCALE:
            raise ValueError(f"Texture sides must be positive multiples of {UPSCALE}, got "
                             f"{height}x{width}. Round up, generate, then crop.")
    return (height // UPSCALE, width // UPSCALE, noise_channels)


#: Spatial GANs that ship in ``data/``, so that quick mode shows what the full recipe reaches:
#: texture name (``data.TEXTURES``) -> file. ``tools/train_shipped_gans.py`` makes them with the
#: lesson's recipe; data/README.md records their budget and measured quality.
SHIPPED_SPATIAL = {"gravel": "spatial_gan_gravel.npz", "brick": "spatial_gan_brick.npz"}


def save_spatial_generator(path, generator: keras.Model, record: dict):
    """Write a spatial generator for :func:`shipped_spatial_generator` (float16 weights and a
    JSON ``record`` that holds at least ``channels``, ``width`` and ``periodic``)."""
    missing = {"channels", "width", "periodic"} - set(record)
    if missing:
        raise ValueError(f"the record needs {sorted(missing)}: the loader rebuilds G from them.")
    return shipped.save_model_weights(path, {"generator": generator}, record)


def shipped_spatial_generator(texture: str, verbose: bool = True):
    """The shipped spatial generator (EMA weights) for ``texture``: ``(generator, record)``, or
    ``None`` with one printed line saying why (no file ships for that texture)."""
    if texture not in SHIPPED_SPATIAL:
        if verbose:
            print(f"No shipped spatial GAN for {texture!r} (only for "
                  f"{', '.join(SHIPPED_SPATIAL)}): only the one trained here is shown.")
        return None
    path = settings.data_dir() / SHIPPED_SPATIAL[texture]
    models, record = shipped.load_model_weights(
        path, lambda r: {"generator": build_spatial_generator(
            channels=int(r["channels"]), width=float(r["width"]), periodic=bool(r["periodic"]))},
        fix="restore it (git checkout data/) or retrain it (python tools/train_shipped_gans.py "
            f"{texture})")
    if verbose:
        print(f"Shipped spatial GAN for {texture}: {path.name}, {record['steps']:,} steps of "
              f"batch {record['batch']} ({record['hardware']}; tools/train_shipped_gans.py).")
    return models["generator"], record
