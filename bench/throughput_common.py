"""What the throughput benchmarks share: a hand-written ``tf.function`` step and ``GAN.fit``, on
the same models, batch and data, timed in one process.

How they are timed:

- **Rounds.** In each round every ``GAN.fit`` variant runs ``steps`` steps (one ``fit`` call)
  between two runs of its reference loop of ``steps`` steps each (two variants in a row with
  the same reference share the run between them). Its ratio is the median over
  the rounds of (its steps/s / the mean of the two reference runs around it): the pairing
  cancels the drifts in machine load that a shared machine has, which move a single run's
  rate by 10-20 % here.
- **Steady state.** Both clocks start after a round's first step, so that they time training,
  not starting it: ``fit``'s first step also creates the data iterator (0.3 s for the offline
  colorization photos' 24 crop streams, for example), which a lesson pays once per training,
  not per step. The one-off seconds of each ``fit`` call are printed beside the rates.
- **The same work.** A reference here updates the players with the same rule as the ``GAN`` it
  is compared with ("simultaneous": both from one forward pass, as the TensorFlow tutorials
  do; "alternating": G against the updated D, as the lessons do), computes the same losses
  and, where the lesson keeps one, an EMA of G's weights (a fixed decay; the core's warm-up
  adds one scalar ``min`` per step).

The last line printed is ``ratio GAN.fit / reference: <variant> <ratio>, ...``.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time
from dataclasses import dataclass, field

import keras
import tensorflow as tf

from gan_course import hardware


def first_value(outputs) -> float:
    """Wait for a step's outputs: the first of them as a float."""
    return float(tf.nest.flatten(outputs)[0])


def time_reference(step, iterator, steps: int) -> float:
    """Steps per second of ``step(batch)`` over ``steps - 1`` steps after a first one."""
    first_value(step(next(iterator)))
    start = time.perf_counter()
    for _ in range(steps - 1):
        outputs = step(next(iterator))
    first_value(outputs)
    return (steps - 1) / (time.perf_counter() - start)


class FitClock(keras.callbacks.Callback):
    """Times a ``fit`` call from the start of its second execution to its end."""

    def on_train_begin(self, logs=None):
        self.calls, self.start, self.first_step = 0, None, 0

    def on_train_batch_begin(self, batch, logs=None):
        self.calls += 1
        if self.calls == 2:
            self.start, self.first_step = time.perf_counter(), batch

    def on_train_end(self, logs=None):
        self.end = time.perf_counter()


def time_fit(gan, data, steps: int, callbacks=()) -> tuple[float, float]:
    """(steady steps per second, one-off seconds of the call) of ``gan.fit`` for ``steps``."""
    clock = FitClock()
    start = time.perf_counter()
    gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[*callbacks, clock])
    whole = time.perf_counter() - start
    steady_steps = steps - clock.first_step
    rate = steady_steps / (clock.end - clock.start)
    return rate, whole - steps / rate


@dataclass
class Variant:
    """A ``GAN.fit`` setting to time, and the reference step it is compared with."""

    gan: keras.Model
    reference: str
    callbacks: list = field(default_factory=list)
    rates: list = field(default_factory=list)
    ratios: list = field(default_factory=list)
    one_off: list = field(default_factory=list)


def lesson_callbacks() -> list:
    """The callbacks that do work on every step of a lesson's training (callbacks.train): the
    time limit, the NaN guard and the progress bar (as a log line, its form outside a
    notebook). The per-epoch sample grid and checkpoint are left out: their cost depends on
    how often a lesson asks for them, not on the training core."""
    from gan_course.callbacks import NaNGuard, ProgressBar, TimeLimit

    return [TimeLimit(24 * 3600.0, verbose=False), NaNGuard(), ProgressBar(3600.0)]


def measure(references: dict, variants: dict, data, steps: int, rounds: int) -> dict:
    """Run the interleaved rounds; returns ``{reference name: [steps/s per run]}`` and fills
    each :class:`Variant`'s ``rates``, ``ratios`` and ``one_off``.

    ``references``: ``{name: (step function, iterator)}``, traced and warmed up here."""
    for step, iterator in references.values():
        first_value(step(next(iterator)))
    for variant in variants.values():  # trace and warm up
        with contextlib.redirect_stdout(io.StringIO()):
            variant.gan.fit(data, epochs=1, steps_per_epoch=2, verbose=0,
                            callbacks=list(variant.callbacks))
    reference_rates = {name: [] for name in references}

    def reference_rate(name):
        step, iterator = references[name]
        reference_rates[name].append(time_reference(step, iterator, steps))
        return reference_rates[name][-1]

    for _ in range(rounds):
        last = None  # (reference name, rate) of the run just before, shared when it fits
        for variant in variants.values():
            before = last[1] if last and last[0] == variant.reference else reference_rate(
                variant.reference)
            with contextlib.redirect_stdout(io.StringIO()):  # the progress bar's last line
                rate, one_off = time_fit(variant.gan, data, steps, variant.callbacks)
            after = reference_rate(variant.reference)
            last = (variant.reference, after)
            variant.rates.append(rate)
            variant.one_off.append(one_off)
            variant.ratios.append(rate / ((before + after) / 2.0))
    return reference_rates


def report(title: str, references: dict, variants: dict) -> None:
    """Print the rates (median and every round), each variant's paired ratio, and last the
    ``ratio GAN.fit / reference`` line."""
    setup = hardware.last_setup
    print(f"{title}; TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"{setup.precision if setup else 'float32'}")

    def rates(values):
        return (f"{statistics.median(values):9.2f} steps/s  (rounds: "
                + ", ".join(f"{v:.2f}" for v in values) + ")")

    for name, values in references.items():
        print(f"reference loop, {name}: {rates(values)}")
    for name, variant in variants.items():
        xla = "on" if variant.gan.jit_compile else "off"
        print(f"GAN.fit, {name} (XLA {xla}): {rates(variant.rates)}; one-off per fit call "
              f"{statistics.median(variant.one_off):.2f} s; ratio per round "
              + ", ".join(f"{r:.3f}" for r in variant.ratios))
    print("ratio GAN.fit / reference: " + ", ".join(
        f"{name} {statistics.median(variant.ratios):.2f}" for name, variant in variants.items()))


def add_timing_arguments(parser, steps: int, rounds: int) -> None:
    parser.add_argument("--steps", type=int, default=steps, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=rounds,
                        help="interleaved rounds (the median of the paired ratios counts)")


def ema_update(ema_model, model, decay: float = 0.999) -> None:
    """The hand-written EMA of G's weights (the lessons keep one): w_ema <- d w_ema + (1 - d) w
    for the trainable weights, a copy of the others (BatchNorm statistics)."""
    for ema_var, var in zip(ema_model.trainable_variables, model.trainable_variables,
                            strict=True):
        ema_var.assign(decay * ema_var + (1.0 - decay) * var)
    for ema_var, var in zip(ema_model.non_trainable_variables, model.non_trainable_variables,
                            strict=True):
        ema_var.assign(var)


def bce_d_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z))), on logits, averaged."""
    return (tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        tf.ones_like(real_logits), real_logits))
        + tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
            tf.zeros_like(fake_logits), fake_logits)))


def bce_g_loss(fake_logits):
    """-log D(G(z)), the non-saturating generator loss, on logits."""
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        tf.ones_like(fake_logits), fake_logits))


class ReferenceGAN:
    """A GAN step written by hand, as the TensorFlow tutorials write one: tapes, losses and
    optimizer calls in one ``tf.function``, no Keras ``fit``. A benchmark gives it the lesson's
    models and losses:

    - ``generator_input(batch)`` -> G's input; ``real_and_condition(batch)`` -> (x, condition);
    - ``discriminate(images, condition)`` -> D's logits;
    - ``d_loss(real_logits, fake_logits, real, fake, condition)`` and
      ``g_loss(fake_logits, real, fake, condition)``;
    - ``ema``: a copy of G to keep the average of its weights in (decay 0.999), or None;
    - ``before_step()``: run first in the compiled step (e.g. ProGAN's fade-in alpha).
    """

    def __init__(self, generator, discriminator, *, generator_input, real_and_condition,
                 discriminate, d_loss, g_loss, g_optimizer, d_optimizer, ema=None,
                 before_step=None):
        self.generator, self.discriminator, self.ema = generator, discriminator, ema
        self.generator_input, self.real_and_condition = generator_input, real_and_condition
        self.discriminate, self.d_loss, self.g_loss = discriminate, d_loss, g_loss
        self.g_opt, self.d_opt = g_optimizer, d_optimizer
        self.before_step = before_step or (lambda: None)
        self.simultaneous = tf.function(self._simultaneous)
        self.alternating = tf.function(self._alternating)

    def _apply(self, optimizer, tape, loss, model):
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))  # noqa: B905

    def _simultaneous(self, batch):
        self.before_step()
        real, condition = self.real_and_condition(batch)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(self.generator_input(batch), training=True)
            real_logits = self.discriminate(real, condition)
            fake_logits = self.discriminate(fake, condition)
            d_loss = self.d_loss(real_logits, fake_logits, real, fake, condition)
            g_loss = self.g_loss(fake_logits, real, fake, condition)
        self._apply(self.d_opt, d_tape, d_loss, self.discriminator)
        self._apply(self.g_opt, g_tape, g_loss, self.generator)
        if self.ema is not None:
            ema_update(self.ema, self.generator)
        return g_loss, d_loss

    def _alternating(self, batch):
        self.before_step()
        real, condition = self.real_and_condition(batch)
        with tf.GradientTape() as g_tape:
            fake = self.generator(self.generator_input(batch), training=True)
            with g_tape.stop_recording(), tf.GradientTape() as d_tape:
                fixed = tf.stop_gradient(fake)
                d_loss = self.d_loss(self.discriminate(real, condition),
                                     self.discriminate(fixed, condition), real, fixed, condition)
            self._apply(self.d_opt, d_tape, d_loss, self.discriminator)
            g_loss = self.g_loss(self.discriminate(fake, condition), real, fake, condition)
        self._apply(self.g_opt, g_tape, g_loss, self.generator)
        if self.ema is not None:
            ema_update(self.ema, self.generator)
        return g_loss, d_loss


def dcgan_adam():
    """Adam(2e-4, beta_1=0.5), the optimiser of lessons 2 and 3's GANs."""
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def bce_reference(pair, generator_input, real_and_condition, discriminate) -> ReferenceGAN:
    """A :class:`ReferenceGAN` with the non-saturating BCE losses, :func:`dcgan_adam` for both
    players and an EMA of G: lessons 2 and 3's recipe."""
    generator, discriminator = pair
    return ReferenceGAN(
        generator, discriminator, generator_input=generator_input,
        real_and_condition=real_and_condition,
        discriminate=lambda images, condition: discriminate(discriminator, images, condition),
        d_loss=lambda real_logits, fake_logits, *_: bce_d_loss(real_logits, fake_logits),
        g_loss=lambda fake_logits, *_: bce_g_loss(fake_logits),
        g_optimizer=dcgan_adam(), d_optimizer=dcgan_adam(), ema=copy_of(generator))


def copy_of(model):
    """A second model with the same architecture and weights (for an EMA)."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def run_benchmark(title: str, build_pair, make_reference, make_gan, data, args) -> None:
    """The common body: for each update rule ("simultaneous", "alternating") the reference's
    step of that name (``make_reference(models)``, float32) and a ``GAN``
    (``make_gan(models, update)``, or ``(gan, [its callbacks])`` when the lesson trains it with
    one, such as ProGAN's fade-in), each on its own ``build_pair()`` (same seed: the same
    weights), plus the lessons' alternating rule with :func:`lesson_callbacks`; measure and
    report."""
    strategy = tf.distribute.get_strategy()
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")  # the reference: float32, no XLA
    reference = make_reference(build_pair())
    keras.mixed_precision.set_global_policy(policy)
    updates = ("simultaneous", "alternating")
    references = {update: (getattr(reference, update), iter(data)) for update in updates}
    variants = {}
    for name, update, extra in [*((update, update, []) for update in updates),
                                ("alternating + lesson callbacks", "alternating",
                                 lesson_callbacks())]:
        with strategy.scope():
            made = make_gan(build_pair(), update)
        gan, own = made if isinstance(made, tuple) else (made, [])
        variants[name] = Variant(gan, reference=update, callbacks=[*own, *extra])
    reference_rates = measure(references, variants, data, args.steps, args.rounds)
    report(f"{title}, {args.steps} steps x {args.rounds} rounds", reference_rates, variants)
