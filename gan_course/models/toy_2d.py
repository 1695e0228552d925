"""Lesson 1's 2-D game: small MLPs for points in the plane, trained by the course's GAN core.

    G: z (latent_dim,) -> Dense(width, ReLU) x depth -> Dense(2)          a point (x, y)
    D: (x, y)           -> Dense(width, ReLU) x depth -> Dense(1)          a logit

The shapes of Metz et al. (2017, "Unrolled Generative Adversarial Networks", appendix A) for
the ring of 8 Gaussians, whose MLPs have hidden layers of 128 units; both outputs are linear
(no tanh: the points are not images). The final layers are float32 so that the logits stay
float32 under mixed precision.
"""

from __future__ import annotations

import keras
from keras import layers

from gan_course import layers as course_layers

#: Hidden units per layer and hidden layers, for both players.
WIDTH, DEPTH = 128, 2
#: The latent size: 2 is enough for a 2-D target and keeps the warp of the plane visible.
LATENT_DIM = 2


def _mlp(inputs: int, outputs: int, width: int, depth: int, name: str,
         spectral_norm: bool = False, minibatch_stddev: bool = False) -> keras.Model:
    if int(width) < 1 or int(depth) < 1:
        raise ValueError(f"width={width} and depth={depth} must be >= 1 (e.g. 128 units, 2 "
                         "hidden layers).")

    def dense(units, layer_name, **options):
        layer = layers.Dense(units, name=layer_name, **options)
        return layers.SpectralNormalization(layer, name=f"{layer_name}_sn") if spectral_norm \
            else layer

    x = inp = keras.Input((inputs,), name="input")
    for i in range(int(depth)):
        x = dense(int(width), f"hidden_{i + 1}", activation="relu")(x)
    if minibatch_stddev:  # ProGAN's layer works on feature maps: view the vector as a 1x1 one
        x = layers.Reshape((1, 1, int(width)))(x)
        x = course_layers.MinibatchStdDev(group_size=4)(x)
        x = layers.Reshape((int(width) + 1,))(x)
    out = dense(outputs, "output", dtype="float32")(x)
    return keras.Model(inp, out, name=name)


def build_toy_generator(latent_dim: int = LATENT_DIM, width: int = WIDTH,
                        depth: int = DEPTH) -> keras.Model:
    """z (latent_dim,) -> a point (2,)."""
    return _mlp(latent_dim, 2, width, depth, "toy_generator")


def build_toy_discriminator(width: int = WIDTH, depth: int = DEPTH, spectral_norm: bool = False,
                            minibatch_stddev: bool = False) -> keras.Model:
    """A point (2,) -> one logit (1,).

    ``spectral_norm``: every Dense layer divided by its largest singular value (Miyato et al.
    2018, ``keras.layers.SpectralNormalization``), so that D's output cannot change faster
    than its input, however fast D learns. ``minibatch_stddev``: before the last layer, each
    point also sees the spread of the features over its group of 4 in the batch (ProGAN's
    :class:`~gan_course.layers.MinibatchStdDev`; a batch-statistics cue against collapse, after
    the minibatch discrimination of Salimans et al. 2016)."""
    return _mlp(2, 1, width, depth, "toy_discriminator", spectral_norm, minibatch_stddev)
