"""Generators and discriminators for 28x28x1 images (Fashion-MNIST), lesson 1.

Shapes: generators map noise (batch, latent_dim) to images (batch, 28, 28, 1) in [-1, 1] (tanh);
discriminators map images to one logit per sample, (batch, 1) (no sigmoid: the losses take
logits). Final layers are float32, so the outputs stay float32 under mixed precision.
"""

from __future__ import annotations

import keras
from keras import layers

from gan_course.hardware import scaled_filters

IMAGE_SHAPE = (28, 28, 1)
#: Lesson 1's DCGAN size per device, for ``hardware.model_scale(**DCGAN_SCALE)``: (width, batch)
#: or (generator width, batch, discriminator width), chosen by ``bench/dcgan_quality.py``
#: (the trials and their numbers are in bench/README.md).
DCGAN_SCALE = {"cpu": (0.375, 128, 0.25), "accelerator": (1.0, 128)}


def build_mlp_generator(latent_dim: int = 100) -> keras.Model:
    """The source article's MLP generator.

    z (latent_dim) -> [Dense 256 -> LeakyReLU(0.2) -> BatchNorm(momentum 0.8)]
    -> same with 512 -> same with 1024 -> Dense 784, tanh -> reshape (28, 28, 1).
    """
    model = keras.Sequential(name="mlp_generator")
    model.add(keras.Input((latent_dim,)))
    for units in (256, 512, 1024):
        model.add(layers.Dense(units))
        model.add(layers.LeakyReLU(0.2))
        model.add(layers.BatchNormalization(momentum=0.8))
    model.add(layers.Dense(28 * 28))
    model.add(layers.Activation("tanh", dtype="float32"))
    model.add(layers.Reshape(IMAGE_SHAPE, dtype="float32"))
    return model


def build_mlp_discriminator() -> keras.Model:
    """The source article's MLP discriminator.

    (28, 28, 1) -> Flatten -> Dense 512 -> LeakyReLU(0.2) -> Dense 256 -> LeakyReLU(0.2)
    -> Dense 1 (a logit).
    """
    return keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        layers.Flatten(),
        layers.Dense(512), layers.LeakyReLU(0.2),
        layers.Dense(256), layers.LeakyReLU(0.2),
        layers.Dense(1, dtype="float32"),
    ], name="mlp_discriminator")


def build_dcgan_generator(latent_dim: int = 100, width: float = 1.0) -> keras.Model:
    """DCGAN generator for 28x28 (the TensorFlow DCGAN tutorial's layers; Radford et al. 2016).

    z -> Dense 7*7*256 -> BN -> LeakyReLU -> (7, 7, 256)
      -> ConvTranspose 128, 5x5, stride 1 -> BN -> LeakyReLU -> (7, 7, 128)
      -> ConvTranspose 64, 5x5, stride 2 -> BN -> LeakyReLU -> (14, 14, 64)
      -> ConvTranspose 1, 5x5, stride 2, tanh -> (28, 28, 1)

    ``width`` scales every channel count (0.25 gives a net ~16x cheaper, for CPUs).
    """
    c1, c2, c3 = (scaled_filters(c, width) for c in (256, 128, 64))
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(7 * 7 * c1, use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Reshape((7, 7, c1)),
        layers.Conv2DTranspose(c2, 5, strides=1, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(c3, 5, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same"),
        layers.Activation("tanh", dtype="float32"),
    ], name="dcgan_generator")


def build_dcgan_discriminator(width: float = 1.0, dropout: float = 0.3,
                              spectral_norm: bool = False) -> keras.Model:
    """DCGAN discriminator for 28x28 (as in the TensorFlow DCGAN tutorial).

    (28, 28, 1) -> Conv 64, 5x5, stride 2 -> LeakyReLU(0.2) -> Dropout -> (14, 14, 64)
      -> Conv 128, 5x5, stride 2 -> LeakyReLU(0.2) -> Dropout -> (7, 7, 128)
      -> Flatten -> Dense 1 (a logit)

    ``spectral_norm=True`` divides each weight by its largest singular value (Miyato et al.
    2018, ``keras.layers.SpectralNormalization``), which bounds how steep D can get.
    """
    c1, c2 = (scaled_filters(c, width) for c in (64, 128))

    def normed(layer):
        return layers.SpectralNormalization(layer) if spectral_norm else layer

    return keras.Sequential([
        keras.Input(IMAGE_SHAPE),
        normed(layers.Conv2D(c1, 5, strides=2, padding="same")), layers.LeakyReLU(0.2),
        layers.Dropout(dropout),
        normed(layers.Conv2D(c2, 5, strides=2, padding="same")), layers.LeakyReLU(0.2),
        layers.Dropout(dropout),
        layers.Flatten(),
        normed(layers.Dense(1, dtype="float32")),
    ], name="dcgan_discriminator")
