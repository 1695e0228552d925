"""Lesson 1's checks: the two BCE losses and one alternating training step.

    ns_d_loss(real_logits, fake_logits) -> scalar
        L_D = 1/2 ( mean(softplus(-real_logits)) + mean(softplus(fake_logits)) )
    ns_g_loss(fake_logits) -> scalar
        L_G = mean(softplus(-fake_logits))
    train_step(generator, discriminator, g_optimizer, d_optimizer, real, z) -> (d_loss, g_loss)
        one GradientTape step of D on real and G(z), then one of G through the updated D.

The references are :func:`gan_course.losses.ns_d_loss`, :func:`~gan_course.losses.ns_g_loss`
and the training core itself (:meth:`gan_course.training.GAN.train_step` with the given z).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from gan_course import losses
from gan_course.checks.core import (
    Case,
    CheckResult,
    Failure,
    Mistake,
    check_callable,
    compare_arrays,
    not_written,
    raised,
    report,
    run_cases,
    tolerance_text,
)
from gan_course.training import GAN


def _logit_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    column = np.array([[1.5], [-0.3], [2.0], [0.1]], np.float32)
    return [
        Case("4 logits of shape (4, 1)", (column, -1.5 * column[::-1] + 0.2)),
        Case("a PatchGAN's logit maps of shape (2, 3, 3, 1)",
             (rng.normal(0.5, 2.0, (2, 3, 3, 1)).astype(np.float32),
              rng.normal(-0.5, 2.0, (2, 3, 3, 1)).astype(np.float32))),
    ]


def _sp(t):
    return tf.nn.softplus(tf.cast(t, tf.float32))


def _bce_on_logits_as_probabilities(labels, logits):
    """Keras' BCE without ``from_logits=True``: the logits clipped into (0, 1) and read as
    probabilities, the commonest mistake with these losses."""
    return keras.losses.BinaryCrossentropy()(labels, logits)


AS_PROBABILITIES = ("your loss treats logits as probabilities: pass from_logits=True to the "
                    "Keras loss, or use softplus (-log sigma(t) = softplus(-t))")


def ns_d_loss(fn, quiet: bool = False) -> CheckResult:
    """Check a discriminator BCE loss ``fn(real_logits, fake_logits)`` against
    :func:`gan_course.losses.ns_d_loss` on two sets of logits."""
    mean = tf.reduce_mean
    mistakes = [
        Mistake(lambda r, f: losses.ns_d_loss(f, r),
                "real and fake are swapped: real logits take label 1 (softplus(-real_logits)), "
                "fake logits label 0 (softplus(fake_logits))"),
        Mistake(lambda r, f: mean(_sp(-r)) + mean(_sp(f)),
                "the two halves are added; the course's L_D averages them: 1/2 (real + fake)"),
        Mistake(lambda r, f: 0.5 * (tf.reduce_sum(_sp(-r)) + tf.reduce_sum(_sp(f))),
                "a sum over the samples where the mean belongs (tf.reduce_mean)"),
        Mistake(lambda r, f: tf.reduce_sum(_sp(-r)) + tf.reduce_sum(_sp(f)),
                "a sum over the samples where the mean belongs, and the halves added"),
        Mistake(lambda r, f: 0.5 * mean(_sp(-r)), "the fake term is missing"),
        Mistake(lambda r, f: mean(_sp(-r)), "the fake term is missing"),
        Mistake(lambda r, f: 0.5 * mean(_sp(f)), "the real term is missing"),
        Mistake(lambda r, f: mean(_sp(f)), "the real term is missing"),
        Mistake(lambda r, f: -losses.ns_d_loss(r, f),
                "the sign is flipped: a negative log-likelihood is never below 0"),
        Mistake(lambda r, f: 0.5 * (mean(_sp(r)) + mean(_sp(-f))),
                "real and fake are swapped: real logits take label 1 (softplus(-real_logits))"),
        Mistake(lambda r, f: 0.5 * (_bce_on_logits_as_probabilities(tf.ones_like(r), r)
                                    + _bce_on_logits_as_probabilities(tf.zeros_like(f), f)),
                AS_PROBABILITIES),
        Mistake(lambda r, f: (_bce_on_logits_as_probabilities(tf.ones_like(r), r)
                              + _bce_on_logits_as_probabilities(tf.zeros_like(f), f)),
                AS_PROBABILITIES + "; and average the two halves"),
    ]
    return run_cases("ns_d_loss", fn, losses.ns_d_loss, _logit_cases(), mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), graph=True, quiet=quiet)


def ns_g_loss(fn, quiet: bool = False) -> CheckResult:
    """Check a non-saturating generator loss ``fn(fake_logits)`` against
    :func:`gan_course.losses.ns_g_loss` on two sets of logits."""
    mistakes = [
        Mistake(losses.minimax_g_loss,
                "that is the minimax (saturating) loss E[log(1 - sigma(D(G(z))))]; the "
                "non-saturating loss is -E[log sigma(D(G(z)))] = mean(softplus(-fake_logits))"),
        Mistake(lambda f: tf.reduce_mean(_sp(f)),
                "G wants D to call its fakes real: label 1 for the fakes, softplus(-fake_logits)"),
        Mistake(lambda f: tf.reduce_sum(_sp(-f)),
                "a sum over the samples where the mean belongs (tf.reduce_mean)"),
        Mistake(lambda f: -losses.ns_g_loss(f),
                "the sign is flipped: a negative log-likelihood is never below 0"),
        Mistake(lambda f: 0.5 * losses.ns_g_loss(f),
                "a factor 1/2 too many: G's loss has one term, nothing to average it with"),
        Mistake(lambda f: _bce_on_logits_as_probabilities(tf.ones_like(f), f),
                AS_PROBABILITIES),
    ]
    cases = [Case(case.label.replace("logits", "fake logits", 1), case.args[1:])
             for case in _logit_cases()]
    return run_cases("ns_g_loss", fn, losses.ns_g_loss, cases, mistakes=mistakes,
                     tensors=True, summary=tolerance_text(), graph=True, quiet=quiet)


# --------------------------------------------------------------------------- the training step


class _GivenNoiseGAN(GAN):
    """The training core with its noise fixed to ``z``, so a step can be repeated exactly."""

    def __init__(self, generator, discriminator, z, **kwargs):
        super().__init__(generator, discriminator, latent_dim=tuple(z.shape[1:]), **kwargs)
        self._given_noise = tf.constant(z)

    def sample_noise(self, batch_size):
        return self._given_noise


def reference_train_step(generator, discriminator, g_optimizer, d_optimizer, real, z):
    """One step of the course's training core (:meth:`GAN.train_step`, the non-saturating
    loss, one D step) on ``real`` with the noise ``z``; returns ``(d_loss, g_loss)``."""
    gan = _GivenNoiseGAN(generator, discriminator, np.asarray(z))
    gan.compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, jit_compile=False)
    values = gan.train_step(tf.constant(real))
    return values["d_loss"], values["g_loss"]


def _dense(units, seed, activation=None):
    return keras.layers.Dense(units, activation=activation, dtype="float32",
                              kernel_initializer=keras.initializers.GlorotUniform(seed),
                              bias_initializer=keras.initializers.RandomNormal(0.0, 0.1, seed))


def _vector_players():
    g = keras.Sequential([keras.Input((3,)), _dense(5, 1, "tanh")], name="tiny_generator")
    d = keras.Sequential([keras.Input((5,)), _dense(4, 2, "tanh"), _dense(1, 3)],
                         name="tiny_discriminator")
    return g, d


def _image_players():
    g = keras.Sequential([keras.Input((2,)), _dense(16, 4, "tanh"),
                          keras.layers.Reshape((4, 4, 1))], name="tiny_generator")
    conv = keras.layers.Conv2D(2, 3, strides=2, padding="same", activation="tanh",
                               dtype="float32",
                               kernel_initializer=keras.initializers.GlorotUniform(5))
    d = keras.Sequential([keras.Input((4, 4, 1)), conv, keras.layers.Flatten(dtype="float32"),
                          _dense(1, 6)], name="tiny_discriminator")
    return g, d


def _step_cases():
    rng = np.random.default_rng(11)
    return [
        ("tiny dense players (3-d latent -> 5 numbers, batch 4)", _vector_players,
         rng.normal(size=(4, 5)).astype(np.float32), rng.normal(size=(4, 3)).astype(np.float32)),
        ("tiny image players (2-d latent -> 4x4x1 images, batch 6)", _image_players,
         rng.uniform(-1, 1, (6, 4, 4, 1)).astype(np.float32),
         rng.normal(size=(6, 2)).astype(np.float32)),
    ]


def _run_step(step, players, real, z, lr):
    """(generator weights, discriminator weights, returned value) after ``step`` from the
    players' fixed start, with plain SGD (so a wrong factor changes the update)."""
    g, d = players()
    value = step(g, d, keras.optimizers.SGD(lr), keras.optimizers.SGD(lr), tf.constant(real),
                 tf.constant(z))
    return [w.copy() for w in g.get_weights()], [w.copy() for w in d.get_weights()], value


def _same(weights_a, weights_b, rtol=1e-4, atol=1e-5) -> bool:
    return len(weights_a) == len(weights_b) and all(
        a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)
        for a, b in zip(weights_a, weights_b, strict=True))


def _g_through_old_d(generator, discriminator, g_optimizer, d_optimizer, real, z):
    """Mistake: both losses from one forward pass, so G's step sees D before its update."""
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = generator(z, training=True)
        fake_logits = discriminator(fake, training=True)
        d_loss = losses.ns_d_loss(discriminator(real, training=True), fake_logits)
        g_loss = losses.ns_g_loss(fake_logits)
    d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
    d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars, strict=True))
    g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars, strict=True))
    return d_loss, g_loss


def _d_moves_g_too(generator, discriminator, g_optimizer, d_optimizer, real, z):
    """Mistake: D's optimizer is handed G's variables as well, so D's turn moves G too."""
    variables = discriminator.trainable_variables + generator.trainable_variables
    with tf.GradientTape() as tape:
        d_loss = losses.ns_d_loss(discriminator(real, training=True),
                                  discriminator(generator(z, training=True), training=True))
    d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables, strict=True))
    with tf.GradientTape() as tape:
        g_loss = losses.ns_g_loss(discriminator(generator(z, training=True), training=True))
    g_vars = generator.trainable_variables
    g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars, strict=True))
    return d_loss, g_loss


def _two_turns(d_loss_fn, g_loss_fn, g_first=False):
    """A step with its own losses (or turns in the other order): the planted-mistake steps."""
    def step(generator, discriminator, g_optimizer, d_optimizer, real, z):
        def d_turn():
            with tf.GradientTape() as tape:
                loss = d_loss_fn(discriminator(real, training=True),
                                 discriminator(generator(z, training=True), training=True))
            variables = discriminator.trainable_variables
            d_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
            return loss

        def g_turn():
            with tf.GradientTape() as tape:
                loss = g_loss_fn(discriminator(generator(z, training=True), training=True))
            variables = generator.trainable_variables
            g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
            return loss

        if g_first:
            g_loss = g_turn()
            return d_turn(), g_loss
        d_loss = d_turn()
        return d_loss, g_turn()
    return step


def _g_moves_d_too(generator, discriminator, g_optimizer, d_optimizer, real, z):
    """Mistake: G's gradient is taken and applied for D's variables as well."""
    with tf.GradientTape() as tape:
        d_loss = losses.ns_d_loss(discriminator(real, training=True),
                                  discriminator(generator(z, training=True), training=True))
    d_vars = discriminator.trainable_variables
    d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars, strict=True))
    variables = generator.trainable_variables + discriminator.trainable_variables
    with tf.GradientTape() as tape:
        g_loss = losses.ns_g_loss(discriminator(generator(z, training=True), training=True))
    g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables, strict=True))
    return d_loss, g_loss


STEP_MISTAKES_D = [
    (_g_moves_d_too,
     "D's own turn is right, but G's turn changed D too: take G's gradient for "
     "generator.trainable_variables only, and apply it to those"),
    (_two_turns(lambda r, f: losses.ns_d_loss(f, r), losses.ns_g_loss),
     "D's update went the wrong way: real and fake are swapped in its loss (real logits "
     "first: ns_d_loss(real_logits, fake_logits))"),
    (_two_turns(losses.ns_d_loss, losses.ns_g_loss, g_first=True),
     "the turns are in the wrong order: D goes first, on G's fakes from before G's update"),
]
STEP_MISTAKES_G = [
    (_d_moves_g_too,
     "D's turn moved G too: d_optimizer was given G's variables as well. Take D's gradient "
     "for discriminator.trainable_variables only, and apply it to those"),
    (_g_through_old_d,
     "G's loss used D from before D's update; compute G's loss after D's step, through the "
     "updated D (a second forward pass)"),
    (_two_turns(losses.ns_d_loss, losses.minimax_g_loss),
     "G's update used the minimax loss; use the non-saturating ns_g_loss(fake_logits)"),
    (_two_turns(losses.ns_d_loss, lambda f: losses.ns_g_loss(-f)),
     "G's update went the wrong way: G wants D to call its fakes real (label 1)"),
]


def train_step(fn, quiet: bool = False, lr: float = 0.5) -> CheckResult:
    """Check an alternating step ``fn(generator, discriminator, g_optimizer, d_optimizer, real,
    z) -> (d_loss, g_loss)``: from the same start and noise, tiny players updated by ``fn`` and
    by the training core (plain SGD with learning rate ``lr``) must end with the same weights,
    and ``fn`` must return the same two losses."""
    check_callable(fn, "train_step")
    for label, players, real, z in _step_cases():
        g_ref, d_ref, (d_loss, g_loss) = _run_step(reference_train_step, players, real, z, lr)
        g_start, d_start = (m.get_weights() for m in players())
        try:
            g_got, d_got, value = _run_step(fn, players, real, z, lr)
        except NotImplementedError:
            return report("train_step", False, not_written("train_step"), fn,
                          reference_train_step, quiet)
        except Exception as error:
            return report("train_step", False, raised("train_step", label, error), fn,
                          reference_train_step, quiet)
        problem = _step_problem(players, real, z, lr, (g_got, d_got), (g_ref, d_ref),
                                (g_start, d_start))
        if problem is None:
            problem = _returned_problem(value, d_loss, g_loss)
        if problem is not None:
            return report("train_step", False, f"on {label}, {problem}", fn,
                          reference_train_step, quiet)
    return report("train_step", True, "matches the course's training core on both pairs of "
                  "tiny players: after one step from the same start and noise, the same weights "
                  f"and losses, {tolerance_text()}.", fn,
                  reference_train_step, quiet)


def _step_problem(players, real, z, lr, got, ref, start) -> str | None:
    """What is wrong with the learner's updated weights ``got``, or None. D is judged first:
    G's step depends on D's update."""
    (g_got, d_got), (g_ref, d_ref), (g_start, d_start) = got, ref, start
    for index, name, optimizer, model, weights, mistakes, loss, prefix in (
            (1, "discriminator", "d_optimizer", "discriminator", (d_got, d_ref, d_start),
             STEP_MISTAKES_D, "ns_d_loss(D(real), D(G(z)))", ""),
            (0, "generator", "g_optimizer", "generator", (g_got, g_ref, g_start),
             STEP_MISTAKES_G, "ns_g_loss(D(G(z))) through the updated D",
             "D's update matches, but ")):
        mine, course, before = weights
        if _same(mine, course):
            continue
        if _same(mine, before):
            return (f"{prefix}the {name}'s weights did not change. Hint: apply its gradients "
                    f"with {optimizer}.apply_gradients(zip(grads, "
                    f"{model}.trainable_variables))")
        for mistake, hint in mistakes:
            if _same(mine, _run_step(mistake, players, real, z, lr)[index]):
                return f"{prefix}the {name}'s weights differ from the core's. Hint: {hint}"
        return (f"{prefix}the {name}'s weights differ from the core's. Hint: its loss is "
                f"{loss}, its gradient taken for {model}.trainable_variables only")
    return None


def _returned_problem(value, d_loss, g_loss) -> str | None:
    """What is wrong with the returned ``(d_loss, g_loss)``, or None."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return (f"both players' weights match, but it returned {type(value).__name__}. Hint: "
                "return (d_loss, g_loss), the two losses of this step")
    try:
        compare_arrays(value[0], g_loss)
        compare_arrays(value[1], d_loss)
        return ("both players' weights match, but the two losses come back swapped. Hint: "
                "return (d_loss, g_loss), D's first")
    except Failure:
        pass
    for name, got, expected in (("d_loss", value[0], d_loss), ("g_loss", value[1], g_loss)):
        try:
            compare_arrays(got, expected, what=name)
        except Failure as failure:
            return (f"both players' weights match, but the returned {name}: {failure}. Hint: "
                    "return the losses each turn computed, D's before its update, G's through "
                    "the updated D")
    return None


REFERENCES = {"ns_d_loss": losses.ns_d_loss, "ns_g_loss": losses.ns_g_loss,
              "train_step": reference_train_step}
