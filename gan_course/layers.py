"""Layers that several lessons share, each a small ``keras.layers.Layer`` with its formula.

- :class:`CircularPad2D`: torus padding for periodic, tileable textures (lesson 2).

Lessons 4 and 5 add AdaIN, pixel norm, minibatch standard deviation, equalised-learning-rate
convolutions and the fade-in here. Every layer is registered for Keras serialisation under the
package name ``gan_course``, so saved models that use it load again.
"""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="gan_course")
class CircularPad2D(layers.Layer):
    """Pads height and width by ``pad`` pixels taken from the opposite edge (torus padding).

    (batch, H, W, C) -> (batch, H + 2 pad, W + 2 pad, C). A "valid" convolution after it sees
    the image as periodic, so a network built from such convolutions maps periodic inputs to
    periodic outputs.
    """

    def __init__(self, pad: int, **kwargs):
        super().__init__(**kwargs)
        if int(pad) < 0:
            raise ValueError(f"pad={pad} must be >= 0 (pixels taken from the opposite edge).")
        self.pad = int(pad)

    def call(self, x):
        p = self.pad
        if p == 0:
            return x
        x = keras.ops.concatenate([x[:, -p:], x, x[:, :p]], axis=1)
        return keras.ops.concatenate([x[:, :, -p:], x, x[:, :, :p]], axis=2)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = (lambda n: None if n is None else n + 2 * self.pad)
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}
