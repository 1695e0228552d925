"""The DCGAN of the lessons in general form, for your own square images: 32, 64 or 128 px,
grey or colour.

Which builder when:

- **your own images** (a folder of photos, a dataset of your own): :func:`build_dcgan`, with
  ``image_size`` the side your data is resized to and ``channels`` 3 (RGB) or 1 (grey);
- Fashion-MNIST's 28x28 (lesson 1): ``models.build_dcgan_generator`` and
  ``build_dcgan_discriminator``, the TensorFlow tutorial's layers, which 28 = 7 * 2 * 2 needs;
- texture patches (lesson 2): ``models.build_texture_dcgan_generator`` /
  ``_discriminator``, which are :func:`build_dcgan` at 64 px; for whole textures of any size
  the spatial GAN (``models.build_spatial_generator``).

The layers follow Radford et al. (2016), "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks": strided (transposed) convolutions instead of
pooling, BatchNorm in both players (not in D's first layer), ReLU in G, LeakyReLU(0.2) in D,
and tanh at G's output, so images are in [-1, 1] (``data.gan_dataset`` and
``data.image_folder_dataset`` give batches in that range). D returns a logit per image; its
last layer and G's output are float32, so both stay float32 under mixed precision.
"""

from __future__ import annotations

import keras
from keras import layers

from gan_course.hardware import scaled_filters

#: The image sides :func:`build_dcgan` builds for.
IMAGE_SIZES = (32, 64, 128)
#: G starts from a START x START grid and doubles it with each transposed convolution.
START = 8


def _widths(image_size: int, width: float) -> list[int]:
    """Channel counts of G's stages from the START grid up (D uses them reversed):
    64 * 2^k for the log2(image_size / START) stages, scaled by ``width``; at 64 px
    (256, 128, 64)."""
    stages = {32: 2, 64: 3, 128: 4}[image_size]
    return [scaled_filters(64 * 2 ** k, width) for k in reversed(range(stages))]


def check_dcgan_arguments(image_size, channels, latent_dim, width) -> None:
    """A ``ValueError`` naming the argument of :func:`build_dcgan` that is out of bounds."""
    if isinstance(image_size, bool) or image_size not in IMAGE_SIZES:
        raise ValueError(f"image_size={image_size!r}: build_dcgan makes square images of "
                         f"{', '.join(map(str, IMAGE_SIZES))} px. Resize your data to one of "
                         "them (data.image_folder_dataset(folder, size=64) does).")
    if isinstance(channels, bool) or channels not in (1, 3):
        raise ValueError(f"channels={channels!r}: use 3 for colour (RGB) images or 1 for grey "
                         "ones.")
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim={latent_dim!r} must be a whole number >= 1 (100 in the "
                         "DCGAN paper).")
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 4:
        raise ValueError(f"width={width!r} scales every channel count: a number in (0, 4], "
                         "e.g. 1.0, or 0.25 on a CPU (about 16x cheaper).")


def build_dcgan_generator_for(image_size: int = 64, channels: int = 3, latent_dim: int = 100,
                              width: float = 1.0, name: str = "dcgan_generator"):
    """DCGAN generator: z (latent_dim) -> an image (image_size, image_size, channels) in [-1, 1].

    z -> Dense 8*8*c_0 -> BN -> ReLU -> (8, 8, c_0)
      -> per stage k: ConvTranspose c_k, 5x5, stride 2 -> BN -> ReLU (the side doubles)
      -> ConvTranspose C, 5x5, stride 2, tanh -> (image_size, image_size, C)

    with c = (256, 128, 64) at 64 px, (128, 64) at 32 and (512, 256, 128, 64) at 128, each
    times ``width``. See :func:`build_dcgan`.
    """
    check_dcgan_arguments(image_size, channels, latent_dim, width)
    widths = _widths(image_size, width)
    stack = [keras.Input((latent_dim,)),
             layers.Dense(START * START * widths[0], use_bias=False),
             layers.BatchNormalization(), layers.ReLU(),
             layers.Reshape((START, START, widths[0]))]
    for filters in widths[1:]:
        stack += [layers.Conv2DTranspose(filters, 5, strides=2, padding="same", use_bias=False),
                  layers.BatchNormalization(), layers.ReLU()]
    stack += [layers.Conv2DTranspose(channels, 5, strides=2, padding="same"),
              layers.Activation("tanh", dtype="float32")]
    return keras.Sequential(stack, name=name)


def build_dcgan_discriminator_for(image_size: int = 64, channels: int = 3, width: float = 1.0,
                                  name: str = "dcgan_discriminator"):
    """DCGAN discriminator: an image (image_size, image_size, channels) -> one logit.

    image -> Conv c_0, 5x5, stride 2 -> LeakyReLU(0.2)
      -> per stage k: Conv c_k, 5x5, stride 2 -> BN -> LeakyReLU(0.2) (the side halves)
      -> Flatten -> Dense 1 (a logit; the losses take logits)

    with c = (64, 128, 256) at 64 px, G's widths reversed. See :func:`build_dcgan`.
    """
    check_dcgan_arguments(image_size, channels, 1, width)
    widths = _widths(image_size, width)[::-1]
    stack = [keras.Input((image_size, image_size, channels)),
             layers.Conv2D(widths[0], 5, strides=2, padding="same"), layers.LeakyReLU(0.2)]
    for filters in widths[1:]:
        stack += [layers.Conv2D(filters, 5, strides=2, padding="same", use_bias=False),
                  layers.BatchNormalization(), layers.LeakyReLU(0.2)]
    stack += [layers.Flatten(), layers.Dense(1, dtype="float32")]
    return keras.Sequential(stack, name=name)


def build_dcgan(image_size: int = 64, channels: int = 3, latent_dim: int = 100,
                width: float = 1.0):
    """A DCGAN for your own square images: ``(generator, discriminator)``.

    ``image_size``: 32, 64 or 128, the side of your images (resize them to it:
    ``data.image_folder_dataset(folder, size=image_size)``); ``channels``: 3 for RGB, 1 for
    grey; ``latent_dim``: the noise vector's length (give the same number to ``GAN``);
    ``width``: scales every channel count (1.0 as in the paper; 0.25 is about 16x cheaper, for
    a CPU). The generator ends in tanh, so its images are in [-1, 1], the range the course's
    datasets give; ``GAN.fit`` checks that the data matches before step 1.

    ::

        generator, discriminator = models.build_dcgan(64, channels=3)
        gan = GAN(generator, discriminator, latent_dim=100)

    Which builder when (your data, Fashion-MNIST's 28 px, texture patches): the module's
    docstring, :mod:`gan_course.models.dcgan`.
    """
    return (build_dcgan_generator_for(image_size, channels, latent_dim, width),
            build_dcgan_discriminator_for(image_size, channels, width))
