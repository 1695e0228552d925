"""The receptive field of a convolutional network: the side of the input window one output sees.

Walk the layers from input to output, keeping two numbers: r, the receptive field so far, and
j, the jump (how many input pixels apart two neighbouring positions of the current map are).
With r_0 = j_0 = 1 (a pixel sees itself), a layer with kernel k, stride s and dilation d gives::

    k' = d (k - 1) + 1            (the kernel's span, holes included)
    r_l = r_(l-1) + (k' - 1) j_(l-1)
    j_l = j_(l-1) s

(Araujo, Norris and Sim 2019, "Computing Receptive Fields of Convolutional Neural Networks",
Distill, Eqs. 1-2 written as a forward recurrence). Convolutions and pooling windows add to r;
strides make every later kernel tap further apart in the input. Padding moves the window
without changing its size, and pointwise layers (normalisation, activations, dropout, the
concatenation of inputs) change neither number.

Example, the pix2pix 70x70 PatchGAN (4x4 kernels; strides 2, 2, 2, 1, 1)::

    r: 1 -> 4 -> 10 -> 22 -> 46 -> 70        j: 1 -> 2 -> 4 -> 8 -> 8 -> 8

Limitation: the model must be a single chain of layers, like a ``Sequential`` model. A
functional model may start by joining its inputs (a discriminator that concatenates image and
condition); the walk goes back from the output to that join, and nested models in the chain are
walked through. Branches that meet again (a U-Net's skips, residual blocks) have several paths
with different windows and raise an error, as do layers that upsample (transposed
convolutions, ``UpSampling2D``, where the window is no longer the same for every output) and
layers that mix all positions (``Flatten``, ``Dense``, global pooling: their outputs see the
whole image).
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import layers

from gan_course.layers import CircularPad2D

#: Layers that work on each position alone (or only move the window): r and j are unchanged.
POINTWISE = (
    layers.InputLayer, layers.Activation, layers.ReLU, layers.LeakyReLU, layers.ELU,
    layers.PReLU, layers.Softmax, layers.BatchNormalization, layers.LayerNormalization,
    layers.GroupNormalization, layers.UnitNormalization, layers.Dropout,
    layers.SpatialDropout2D, layers.GaussianNoise, layers.GaussianDropout, layers.Identity,
    layers.Rescaling, layers.Concatenate, layers.ZeroPadding2D, layers.Cropping2D, CircularPad2D,
)
CONVOLUTIONS = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
POOLING = (layers.MaxPooling2D, layers.AveragePooling2D)
UPSAMPLING = (layers.Conv2DTranspose, layers.UpSampling2D)
GLOBAL = (layers.Flatten, layers.Dense, layers.GlobalAveragePooling2D,
          layers.GlobalMaxPooling2D, layers.Reshape)


class ReceptiveFieldRow(NamedTuple):
    """One convolution or pooling layer of the walk, with r and j *after* it."""

    layer: str  #: the layer's name
    kernel: int  #: its span k' = d (k - 1) + 1
    stride: int
    jump: int  #: input pixels between neighbouring outputs of this layer
    receptive_field: int  #: the side of the input window one output of this layer sees


def receptive_field_table(model, pointwise: tuple = ()) -> list[ReceptiveFieldRow]:
    """The walk of the module docstring, one row per convolution or pooling layer, in order.

    ``pointwise``: more layer classes to treat as pointwise (your own activation, say); any
    layer the walk does not know raises a ``TypeError``.
    """
    rows, r, j = [], 1, 1
    for layer in _chain(model):
        if isinstance(layer, UPSAMPLING):
            raise ValueError(f"{layer.name} ({type(layer).__name__}) upsamples: outputs of one "
                             "layer no longer share one window size, and this walk handles "
                             "only layers that keep or reduce the resolution.")
        if isinstance(layer, GLOBAL):
            raise ValueError(f"{layer.name} ({type(layer).__name__}) mixes every position: each "
                             "output after it sees the whole input. Pass the convolutional "
                             "part of the model.")
        if isinstance(layer, CONVOLUTIONS):
            k = _square(layer, "kernel_size")
            k = _square(layer, "dilation_rate") * (k - 1) + 1
            s = _square(layer, "strides")
        elif isinstance(layer, POOLING):
            k, s = _square(layer, "pool_size"), _square(layer, "strides")
        elif isinstance(layer, POINTWISE + tuple(pointwise)):
            continue
        else:
            raise TypeError(f"receptive_field does not know {layer.name} "
                            f"({type(layer).__name__}). If it works on each position alone, "
                            f"pass pointwise=({type(layer).__name__},).")
        r, j = r + (k - 1) * j, j * s
        rows.append(ReceptiveFieldRow(layer.name, k, s, j, r))
    return rows


def receptive_field(model, pointwise: tuple = ()) -> int:
    """The side, in input pixels, of the window each output of ``model`` sees.

    70 for the pix2pix PatchGAN (:func:`gan_course.models.pix2pix.build_patch_discriminator`),
    1 for a stack of 1x1 convolutions. See the module docstring for the formula and limits.
    """
    rows = receptive_field_table(model, pointwise=pointwise)
    return rows[-1].receptive_field if rows else 1


def chain_receptive_field(kernels_and_strides) -> int:
    """The receptive field of a chain of layers given as ``(kernel span, stride)`` pairs, input
    first: the module docstring's recurrence, r = 1 + sum_l (k_l - 1) * prod_{m < l} s_m (each
    layer's kernel steps by the strides of the layers *before* it). ``[]`` gives 1."""
    r, j = 1, 1
    for k, s in kernels_and_strides:
        r, j = r + (int(k) - 1) * j, j * int(s)
    return r


def _square(layer, attribute: str) -> int:
    value = getattr(layer, attribute)
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(set(values)) != 1:
        raise ValueError(f"{layer.name} has {attribute}={value}: receptive_field handles square "
                         "windows (the same size along height and width) only.")
    return int(values[0])


def _chain(model) -> list:
    """The leaf layers from the model's input (or the join of its inputs) to its output."""
    if isinstance(model, keras.Sequential):
        found = []
        for layer in model.layers:
            found += _chain(layer) if isinstance(layer, keras.Model) else [layer]
        return found
    if not isinstance(model, keras.Model):
        raise TypeError(f"receptive_field takes a Keras model, got {type(model).__name__}.")
    if len(model.outputs) != 1:
        raise ValueError(f"{model.name} has {len(model.outputs)} outputs; receptive_field "
                         "follows a single chain to a single output.")
    backwards, tensor = [], model.outputs[0]
    while True:
        operation, node_index, _ = tensor._keras_history
        if isinstance(operation, layers.InputLayer):
            break
        inputs = operation._inbound_nodes[node_index].input_tensors
        if isinstance(operation, keras.Model):
            backwards += reversed(_chain(operation))
        else:
            backwards.append(operation)
        if len(inputs) == 1:
            tensor = inputs[0]
        elif inputs and all(isinstance(t._keras_history.operation, layers.InputLayer)
                            for t in inputs):
            break  # the layer that joins the model's inputs: the chain starts here
        else:
            raise ValueError(f"{model.name} is not a single chain of layers: "
                             f"{operation.name} joins {len(inputs)} branches (skip "
                             "connections or residual blocks). receptive_field follows one "
                             "path from input to output.")
    return backwards[::-1]
