import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from gan_course.models import pix2pix, textures
from gan_course.models.receptive_field import receptive_field, receptive_field_table


def test_the_pix2pix_patchgan_sees_70x70_pixels():
    discriminator = pix2pix.build_patch_discriminator(256, width=0.0625)
    assert receptive_field(discriminator) == 70
    table = receptive_field_table(discriminator)
    assert [(row.kernel, row.stride) for row in table] == [(4, 2)] * 3 + [(4, 1)] * 2
    assert [row.receptive_field for row in table] == [4, 10, 22, 46, 70]
    assert [row.jump for row in table] == [2, 4, 8, 8, 8]
    assert table[-1].layer == "logits"


@pytest.mark.parametrize("n_layers, expected", [(0, 1), (1, 16), (2, 34), (3, 70), (4, 142),
                                                (5, 286)])
def test_patchgan_depths_give_the_authors_receptive_fields(n_layers, expected):
    """The list in the comments of models.lua (github.com/phillipi/pix2pix): 1 is the PixelGAN,
    16 and 70 the paper's 16x16 and 70x70 PatchGANs, 286 its ImageGAN at 256x256."""
    discriminator = pix2pix.build_patch_discriminator(None, width=0.0625, n_layers=n_layers)
    assert receptive_field(discriminator) == expected


def test_the_receptive_field_does_not_depend_on_the_image_size_or_width():
    for size, width, norm in [(64, 0.25, "batch"), (128, 1.0, "instance"), (None, 0.5, "none")]:
        discriminator = pix2pix.build_patch_discriminator(size, width=width, norm=norm)
        assert receptive_field(discriminator) == 70


def test_a_stack_of_1x1_convolutions_sees_one_pixel():
    model = keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(8, 1),
                              layers.LeakyReLU(0.2), layers.Conv2D(1, 1)])
    assert receptive_field(model) == 1
    assert receptive_field(keras.Sequential([keras.Input((8, 8, 3)), layers.ReLU()])) == 1


def _hand_computed(last_pool=layers.MaxPooling2D):
    """r: 3 -> 4 -> 20 -> 24 -> 32; j: 1 -> 2 -> 2 -> 4 -> 4 (see the comments)."""
    return keras.Sequential([
        keras.Input((64, 64, 1)),
        layers.Conv2D(2, 3),                        # k 3: r = 1 + 2 * 1 = 3, j = 1
        layers.AveragePooling2D(2),                 # k 2, s 2: r = 3 + 1 * 1 = 4, j = 2
        layers.Conv2D(2, 5, dilation_rate=2),       # span 2 * 4 + 1 = 9: r = 4 + 8 * 2 = 20
        layers.ZeroPadding2D(1), layers.BatchNormalization(), layers.Dropout(0.5),
        layers.Conv2D(2, 3, strides=2),             # r = 20 + 2 * 2 = 24, j = 4
        last_pool(3, strides=1),                    # r = 24 + 2 * 4 = 32
    ])


def test_a_hand_computed_chain():
    model = _hand_computed()
    assert [tuple(row[1:]) for row in receptive_field_table(model)] == [
        (3, 1, 1, 3), (2, 2, 2, 4), (9, 1, 2, 20), (3, 2, 4, 24), (3, 1, 4, 32)]
    assert receptive_field(model) == 32


def test_nested_blocks_are_walked_through():
    """The TensorFlow tutorial builds D from small Sequential blocks inside a functional model."""
    def down(filters):
        return keras.Sequential([layers.Conv2D(filters, 4, strides=2, padding="same"),
                                 layers.BatchNormalization(), layers.LeakyReLU(0.2)])

    image, condition = keras.Input((64, 64, 2)), keras.Input((64, 64, 1))
    x = layers.Concatenate()([image, condition])
    x = down(16)(down(8)(down(4)(x)))
    x = layers.Conv2D(8, 4)(layers.ZeroPadding2D()(x))
    logits = layers.Conv2D(1, 4)(layers.ZeroPadding2D()(layers.LeakyReLU(0.2)(x)))
    assert receptive_field(keras.Model([image, condition], logits)) == 70


def test_the_texture_spatial_discriminator():
    assert receptive_field(textures.build_spatial_discriminator(width=0.0625)) == 61


@pytest.mark.parametrize("model, message", [
    (lambda: keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3), layers.Flatten(),
                               layers.Dense(1)]), "whole input"),
    (lambda: keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2DTranspose(2, 4, strides=2)]),
     "upsamples"),
    (lambda: pix2pix.build_unet_generator(32, width=0.0625), "single chain"),
    (lambda: keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, (3, 1))]), "square"),
])
def test_what_the_walk_cannot_follow_raises_a_clear_error(model, message):
    with pytest.raises(ValueError, match=message):
        receptive_field(model())


def test_unknown_layers_raise_unless_declared_pointwise():
    class Double(layers.Layer):
        def call(self, x):
            return 2.0 * x

    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3), Double(),
                              layers.Conv2D(1, 3)])
    with pytest.raises(TypeError, match="Double"):
        receptive_field(model)
    assert receptive_field(model, pointwise=(Double,)) == 5


def _empirical_window(model, inputs, row, col, which=0):
    """The bounding box of the input pixels with a nonzero gradient of one output."""
    inputs = [tf.Variable(x) for x in inputs]
    with tf.GradientTape() as tape:
        out = model(inputs if len(inputs) > 1 else inputs[0], training=False)
        target = out[0, row, col, 0]
    grad = np.abs(np.asarray(tape.gradient(target, inputs[which])))[0].sum(axis=-1)
    rows, cols = np.nonzero(grad)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_the_patchgan_window_agrees_with_the_gradient():
    """An independent check: the input pixels that can move one logit of a random PatchGAN. At
    128x128 the logit map is 14x14; logit (7, 7) sees pixels 33 to 102, away from the padding."""
    keras.utils.set_random_seed(0)
    discriminator = pix2pix.build_patch_discriminator(128, width=0.0625)
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, (1, 128, 128, c)).astype("float32") for c in (2, 1)]
    for which in (0, 1):  # both the image and the condition
        assert _empirical_window(discriminator, inputs, 7, 7, which) == (70, 70)
    corner = _empirical_window(discriminator, inputs, 0, 0)  # its window hangs over the edge
    assert max(corner) < 70


def test_the_hand_computed_window_agrees_with_the_gradient():
    """(With average pooling at the end: a max pool passes the gradient to one pixel only.)"""
    keras.utils.set_random_seed(0)
    model = _hand_computed(last_pool=layers.AveragePooling2D)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 64, 64, 1)).astype("float32")
    out_size = model.output_shape[1]
    assert _empirical_window(model, [x], out_size // 2, out_size // 2) == (32, 32)


def test_chain_receptive_field_agrees_with_the_walk_over_a_model():
    from gan_course.models.receptive_field import chain_receptive_field

    d = pix2pix.build_patch_discriminator(image_size=256)
    rows = receptive_field_table(d)
    assert chain_receptive_field([(row.kernel, row.stride) for row in rows]) == 70
    assert chain_receptive_field([]) == 1
    assert chain_receptive_field([(3, 1), (3, 1)]) == 5
    assert chain_receptive_field([(3, 2), (3, 1)]) == 7  # the stride widens the later kernel
