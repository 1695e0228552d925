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

#: Hidden units per layer and hidden layers, for both players.
WIDTH, DEPTH = 128, 2
#: The latent size: 2 is enough for a 2-D target and keeps the warp of the plane visible.
LATENT_DIM = 2


def _mlp(inputs: int, outputs: int, width: int, depth: int, name: str) -> keras.Model:
    if int(width) < 1 or int(depth) < 1:
        raise ValueError(f"width={width} and depth={depth} must be >= 1 (e.g. 128 units, 2 "
                         "hidden layers).")
    x = inp = keras.Input((inputs,), name="input")
    for i in range(int(depth)):
        x = layers.Dense(int(width), activation="relu", name=f"hidden_{i + 1}")(x)
    out = layers.Dense(outputs, dtype="float32", name="output")(x)
    return keras.Model(inp, out, name=name)


def build_toy_generator(latent_dim: int = LATENT_DIM, width: int = WIDTH,
                        depth: int = DEPTH) -> keras.Model:
    """z (latent_dim,) -> a point (2,)."""
    return _mlp(latent_dim, 2, width, depth, "toy_generator")


def build_toy_discriminator(width: int = WIDTH, depth: int = DEPTH) -> keras.Model:
    """A point (2,) -> one logit (1,)."""
    return _mlp(2, 1, width, depth, "toy_discriminator")
