"""What :class:`gan_course.training.GAN` is given, checked before step 1: the loss pair, the
noise shape, that G's images fit D, whole numbers, the extra loss terms, a custom step, and the
training data (its dtype, size, channels, range against G's :func:`output_range`, and length).
Each check raises ``ValueError`` with a message that names the problem and the fix."""

from __future__ import annotations

import numbers

import keras
import numpy as np
import tensorflow as tf

from gan_course.data.pipelines import described_data
from gan_course.losses import Terms


def loss_pair(loss):
    """``(d_loss, g_loss)`` when ``loss`` is a pair of functions, None for a loss name."""
    if not isinstance(loss, (tuple, list)):
        return None
    if len(loss) != 2 or not all(callable(f) for f in loss):
        raise ValueError(f"loss={loss!r}: give a name such as 'ns', or a pair (d_loss, g_loss) "
                         "of functions, d_loss(real_logits, fake_logits) and g_loss(fake_logits).")
    return tuple(loss)


def check_custom_step(custom_step, discriminator, **options) -> None:
    """A ``ValueError`` unless ``custom_step`` is None, or a function given with a
    discriminator, vector noise and every option the core's step implements at its default."""
    if custom_step is None:
        return
    if not callable(custom_step):
        raise ValueError(f"custom_step={custom_step!r} must be a function (generator, "
                         "discriminator, g_optimizer, d_optimizer, real, z) -> (d_loss, g_loss), "
                         "or None for the core's own step.")
    if discriminator is None or options["latent_dim"] is None:
        raise ValueError("custom_step plays the two-player game: give a discriminator and a "
                         "latent_dim.")
    defaults = {"d_steps": 1, "gp_weight": None, "r1_gamma": 0.0, "update": "alternating",
                "g_terms": None, "d_terms": None, "augment": None}
    changed = [f"{name}={options[name]!r}" for name, default in defaults.items()
               if options[name] != default and not (name in ("g_terms", "d_terms")
                                                    and not options[name])]
    if changed:
        raise ValueError(f"custom_step replaces the core's whole step, which is what "
                         f"implements {', '.join(changed)}: leave them out, or use "
                         "custom_step=None.")


def latent_shape(latent_dim):
    if latent_dim is None:
        return None
    dims = (latent_dim,) if not isinstance(latent_dim, (tuple, list)) else tuple(latent_dim)
    if not dims or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1
                       for d in dims):
        raise ValueError(f"latent_dim={latent_dim!r}: use a positive int (e.g. 100), a shape "
                         "tuple of positive ints (e.g. (4, 4, 64)), or None for a generator "
                         "that takes only a condition.")
    return tuple(int(d) for d in dims)


def static_shapes(tensors) -> list[tuple] | None:
    """The per-sample shapes of a model's ``inputs`` or ``outputs``, or None if it has none (a
    subclassed model that was never called on a ``keras.Input``)."""
    try:
        tensors = tensors() if callable(tensors) else tensors
    except (AttributeError, ValueError):
        return None
    if not tensors:
        return None
    return [tuple(t.shape[1:]) for t in tensors]


def shapes_fit(made: tuple, taken: tuple) -> bool:
    """Whether per-sample shapes agree (an unknown dimension, None, fits anything)."""
    return len(made) == len(taken) and all(
        a is None or b is None or a == b for a, b in zip(made, taken, strict=True))


def check_shapes_fit(generator, discriminator, latent_shape) -> None:
    """Refuse a generator whose images the discriminator cannot take, or whose first input is
    not the noise ``latent_dim`` says, naming both shapes (when the models' shapes are known:
    functional models, or subclassed ones built on a ``keras.Input``)."""
    made = static_shapes(lambda: generator.outputs)
    g_inputs = static_shapes(lambda: generator.inputs)
    if latent_shape is not None and g_inputs and not shapes_fit(latent_shape, g_inputs[0]):
        wanted = g_inputs[0][0] if len(g_inputs[0]) == 1 else g_inputs[0]
        raise ValueError(f"latent_dim gives noise of shape {latent_shape}, but the generator "
                         f"({generator.name}) takes {g_inputs[0]} as its first input: give "
                         f"GAN latent_dim={wanted}, or build the generator for the noise you "
                         "want.")
    taken = None if discriminator is None else static_shapes(lambda: discriminator.inputs)
    if made and taken and len(made) == 1 and not shapes_fit(made[0], taken[0]):
        raise ValueError(f"The generator ({generator.name}) makes {made[0]} images, but the "
                         f"discriminator ({discriminator.name}) takes {taken[0]}"
                         + (" as its first input (the image)" if len(taken) > 1 else "")
                         + ": build both for the same image size and channels.")


def whole_number(value, name: str, minimum: int, example: str) -> int:
    """``value`` as an int >= ``minimum``; a float, bool or smaller number is an error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}={value!r} must be a whole number >= {minimum} (e.g. "
                         f"{example}).")
    return int(value)


def check_terms(terms, name: str) -> dict:
    terms = dict(terms or {})
    for key, function in terms.items():
        if not (isinstance(key, str) and key.isidentifier()) or not callable(function):
            raise ValueError(f"{name} maps names (like 'l1') to functions; got {key!r}: "
                             f"{function!r}.")
    parts = [part for key, function in terms.items() for part in part_names(key, function)]
    repeated = sorted({part for part in parts if parts.count(part) > 1})
    if repeated:
        raise ValueError(f"{name}: the part names {repeated} repeat; each term needs its own "
                         "name.")
    reserved = sorted({"gan", "gp", "loss", "real", "fake"} & set(parts))
    if reserved:
        raise ValueError(f"{name}: {reserved} name the core's own losses or scores; rename "
                         "the term.")
    return terms


def part_names(name: str, term) -> tuple:
    return term.parts if isinstance(term, Terms) else (name,)


# --------------------------------------------------------------------------- the training data

#: Final activations whose output range is known: what a generator's images lie in.
ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
#: Layers that only move values about, skipped when looking for a model's final activation.
SHAPE_ONLY = ("Reshape", "Flatten", "Permute", "InputLayer")
#: How far data may pass the generator's range (round-off, resizing), as a share of its width.
RANGE_SLACK = 0.01


def output_range(generator) -> tuple[float, float] | None:
    """The range a generator's images lie in: ``generator.output_range`` when the model
    declares one (a pair, or None for none), else read from its final activation in a
    Sequential or functional model: tanh -> (-1, 1), sigmoid -> (0, 1); None for a linear
    output (the 2-D game's points, ProGAN, LapStyle) or a subclassed model."""
    if hasattr(generator, "output_range"):
        declared = generator.output_range
        return None if declared is None else (float(declared[0]), float(declared[1]))
    layer = generator
    for _ in range(50):  # a nested model's own last layer, down to a layer that computes
        inner = [x for x in getattr(layer, "layers", None) or ()
                 if type(x).__name__ not in SHAPE_ONLY]
        if not (isinstance(layer, keras.Sequential) or type(layer).__name__ == "Functional"):
            if inner:
                return None  # a subclassed model: its last layer need not be its output
            break
        if not inner or len(getattr(layer, "outputs", None) or [1]) != 1:
            return None
        layer = inner[-1]
    activation = getattr(layer, "activation", None)
    return ACTIVATION_RANGES.get(getattr(activation, "__name__", activation))


def _size(shape) -> str:
    return "x".join("?" if d is None else str(d) for d in shape)


def _image_spec(data):
    """``(per-image shape, dtype name)`` of the images ``fit`` is given (a tf.data pipeline or
    an array, alone or first in a pair), or None for anything else."""
    if isinstance(data, tf.data.Dataset):
        first = tf.nest.flatten(data.element_spec)[0]
        return tuple(first.shape[1:]) if first.shape.rank else None, first.dtype.name
    if isinstance(data, (tuple, list)) and data:
        data = data[0]
    if isinstance(data, np.ndarray):
        return tuple(data.shape[1:]), data.dtype.name
    return None


def _expected_image_shape(gan):
    """The per-image shape D takes (G makes, without a D), or None when unknown."""
    model = gan.discriminator if gan.discriminator is not None else gan.generator
    shapes = static_shapes(lambda: model.inputs if model is gan.discriminator
                           else model.outputs)
    return shapes[0] if shapes else None


def check_training_data(gan, data, planned_steps: int | None = None) -> dict | None:
    """Check what ``GAN.fit`` is given against the models, before step 1; return what the data
    says of itself (:func:`gan_course.data.pipelines.described_data`), or None.

    Refused, each with its fix: integer images (uint8 in [0, 255]); channels-first images;
    images whose size or channels D does not take; values outside the generator's declared
    :func:`output_range` (read from a course pipeline's mark, else from the first batch); a
    finite pipeline with fewer batches than ``planned_steps``.
    """
    spec = _image_spec(data)
    if spec is None or spec[0] is None or len(spec[0]) != 3:
        return described_data(data)
    shape, dtype = spec
    g_range = output_range(gan.generator)
    target = "the generator draws in " + (f"[{g_range[0]:g}, {g_range[1]:g}]" if g_range
                                           else "floats")
    if dtype.startswith(("uint", "int")):
        raise ValueError(
            f"Your images are {dtype} (pixels in [0, 255]), and {target}: D would tell real from "
            "fake by their range alone. Scale them once where they enter, x / 127.5 - 1 for "
            "[-1, 1], or build the batches with data.gan_dataset(images, batch_size, "
            "repeat=True), which does.")
    expected = _expected_image_shape(gan)
    if expected is not None and len(expected) == 3 and not shapes_fit(shape, expected):
        who = "D expects" if gan.discriminator is not None else "G makes"
        if shape[0] in (1, 3, 4) and shape[-1] not in (1, 2, 3, 4):
            raise ValueError(f"Your images are channels-first, {_size(shape)} (C, H, W); the "
                             f"course uses channels last, and {who} {_size(expected)}: turn them "
                             "with np.moveaxis(images, 1, -1) (tf.transpose(x, [0, 2, 3, 1]) "
                             "in a pipeline).")
        side, channels = shape[0], shape[-1]
        raise ValueError(
            f"Your images are {_size(shape)}; {who} {_size(expected)}. Resize the data to "
            f"{_size(expected[:2])} with {expected[-1]} channel(s) (data.image_folder_dataset("
            f"folder, size={expected[0]}) does), or build the models for your images "
            f"(models.build_dcgan({side}, channels={channels}) for 32, 64 or 128 px).")
    _check_cardinality(data, planned_steps)
    described = described_data(data)
    if g_range is not None:
        low, high = (described["value_range"] if described else _first_batch_range(data))
        _check_value_range(low, high, g_range, peeked=described is None)
    return described


def _check_cardinality(data, planned_steps):
    if planned_steps and isinstance(data, tf.data.Dataset):
        batches = int(data.cardinality())
        if 0 <= batches < planned_steps:
            raise ValueError(
                f"The dataset holds {batches} batches, fewer than the {planned_steps} steps "
                "planned: training would stop early. Make it endless: data.gan_dataset(..., "
                "repeat=True) (image_folder_dataset takes repeat=True too), or dataset.repeat().")


def _first_batch_range(data) -> tuple[float, float]:
    """The smallest and largest value of the images in ``data``'s first batch."""
    if isinstance(data, tf.data.Dataset):
        batch = next(iter(data.take(1)))
    else:
        batch = data
    images = tf.nest.flatten(batch)[0]
    images = np.asarray(images[:256] if isinstance(images, np.ndarray) else images)
    return float(images.min()), float(images.max())


def _check_value_range(low: float, high: float, g_range, peeked: bool) -> None:
    g_low, g_high = g_range
    slack = RANGE_SLACK * (g_high - g_low)
    where = "the first batch lies" if peeked else "your images lie"
    if low >= g_low - slack and high <= g_high + slack:
        return
    looks = (" (pixels in [0, 255] as floats: scale them, x / 127.5 - 1 for [-1, 1])"
             if high > 2.0 else "")
    raise ValueError(
        f"The generator draws in [{g_low:g}, {g_high:g}], and {where} in [{low:.3g}, "
        f"{high:.3g}]{looks}: D would tell real from fake by their range. Convert the data to "
        f"[{g_low:g}, {g_high:g}] where it enters (data.gan_dataset does, from uint8), or give "
        "the generator an output of your data's range (set generator.output_range = (low, "
        "high) if its last layer is linear).")
