"""What :class:`gan_course.training.GAN` is given, checked before step 1: the loss pair, the
noise shape, that G's images fit D, whole numbers, the extra loss terms and a custom step. Each
check raises ``ValueError`` with a message that names the argument and the fix."""

from __future__ import annotations

import numbers

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
