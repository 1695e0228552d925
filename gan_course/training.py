"""The one GAN training core of the course: a ``keras.Model`` whose ``train_step`` plays the game.

::

    gan = GAN(generator, discriminator, latent_dim=100, loss="ns")
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(dataset, epochs=10, callbacks=[...])

Every GAN of the course trains through this class; a lesson adds models, and maybe a loss
term, never a loop. One step takes turns as in Goodfellow et al. (2014), Algorithm 1: make
x_fake = G(z) once; D's turn (:meth:`GAN.discriminator_losses`); G's turn against the updated
D (:meth:`GAN.generator_losses`). The README's "How the training core plays the game" has the
batch formats (unconditional, class-conditional, pix2pix, no D), the loss terms and
augmentation.
"""

from __future__ import annotations

import warnings

import keras
import tensorflow as tf

from gan_course import checkpoints, export, gan_arguments, hardware, losses, tf_logging
from gan_course.checkpoints import architecture, describe_function, optimizer_settings
from gan_course.losses import Terms
from gan_course.messages import say

UPDATES = ("alternating", "simultaneous")
#: The EMA decay starts low and rises to ``ema_decay``: decay_t = min(decay, (1 + t) / (10 + t)).
EMA_WARMUP = 10.0


def default_optimizer():
    """Adam(2e-4, beta_1=0.5), the DCGAN paper's setting (Radford et al. 2016)."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


def ema_decay_at(step, decay: float):
    """The EMA decay used at generator step t (0, 1, 2 ...): ``min(decay, (1 + t) / (10 + t))``.

    Early on the average forgets fast (0.1 at t = 0, 0.5 at t = 8), so it does not drag the
    random initial weights along: with a fixed 0.999, 1,500 steps still carry
    0.999^1500 = 22 % of them. From t = (10 decay - 1) / (1 - decay) on (8,990 steps for 0.999,
    89 for 0.99) the fixed ``decay`` takes over.
    """
    t = tf.cast(step, tf.float32)
    return tf.minimum(tf.constant(decay, tf.float32), (1.0 + t) / (EMA_WARMUP + t))


class ReplicaMean(keras.metrics.Metric):
    """The running mean of a per-step value that ``fit`` reports, right under any strategy.

    ``keras.metrics.Mean`` keeps its total with "sum" aggregation; Keras 3.8 and 3.9 store it
    in a mirrored variable and add with ``assign(total + value)``, so with R replicas each step
    sums R copies of the old total, which overflows to inf after about 128 steps on 2 replicas
    (Keras 3.10 made metric variables sync-on-read). "mean" aggregation averages the replicas'
    values instead, which is right on every version: total_t = total_(t-1) + mean_r(v_r).
    """

    def __init__(self, name, **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable((), "zeros", aggregation="mean", name="total")
        self.count = self.add_variable((), "zeros", aggregation="mean", name="count")

    def update_state(self, value):
        self.total.assign_add(keras.ops.cast(keras.ops.mean(value), self.dtype))
        self.count.assign_add(keras.ops.cast(1, self.dtype))

    def result(self):
        return keras.ops.divide_no_nan(self.total, self.count)


class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit``.

    Args:
        generator: maps its input (z, [z, y] or the condition alone: the README's table) to
            images, e.g. in [-1, 1] with tanh.
        discriminator: maps images (plus the condition, if it sees one) to logits: one per
            sample, (batch, 1) or (batch,), or a map of logits (a PatchGAN), which the losses
            average. None: no adversary; G minimises its ``g_terms`` only (a baseline).
        latent_dim: an int for vector noise, a shape tuple such as (8, 8, 64) for spatial
            noise, or None for a generator that takes only the condition (pix2pix, LapStyle).
        loss: "ns" (non-saturating BCE, the default), "minimax", "lsgan", "hinge" or "wgan"
            (see :mod:`gan_course.losses`); "wgan-gp" is "wgan" with ``gp_weight=10``. Or a
            pair ``(d_loss, g_loss)`` of your own functions of the logits, with the signatures
            of :func:`~gan_course.losses.ns_d_loss` and :func:`~gan_course.losses.ns_g_loss`
            (lesson 1's "your turn"); D's scores are then shown as probabilities, as with BCE.
        d_steps: discriminator updates per generator update.
        g_steps: generator updates per training step, each on fresh noise after D's turn
            (alternating update only); ``step`` counts training steps, not G updates.
        gp_weight: weight of the gradient penalty on points between real and fake images,
            gp_weight * E[(||grad D(x_hat)||_2 - 1)^2]
            (:func:`~gan_course.losses.gradient_penalty`), with any loss; 0 (the default, but
            10 with "wgan-gp"): none. WGAN-GP uses 10.
        r1_gamma: gamma of the R1 penalty on real images, gamma / 2 * E||grad_x D(x)||^2
            (:func:`~gan_course.losses.r1_penalty`), with any loss; 0 (the default): none.
        ema_decay: keep ``ema_generator``, an exponential moving average of G's weights
            (e.g. 0.999) with a warm-up (:func:`ema_decay_at`); it usually gives cleaner samples
            than G itself. None: no EMA.
        update: "alternating" (the default) or "simultaneous": both players from one forward
            pass, G judged by D before D's update.
        g_terms, d_terms: extra loss terms, ``{name: function}``, each with its weight inside
            and tracked as ``g_<name>`` / ``d_<name>``: a g_term is called with (real images,
            G's output, condition or None), a d_term with (real_logits, fake_logits); a
            :class:`~gan_course.losses.Terms` bundle returns several named parts at once.
        discriminator_sees_condition: False for a conditional G whose D judges images alone.
        augment: None, or a differentiable function of a batch of images, applied to the real
            and the fake images each time D sees them (not to the condition).
        seed: seed of the noise stream.
        custom_step: None (the core's own step), or your own alternating step
            ``custom_step(generator, discriminator, g_optimizer, d_optimizer, real, z) ->
            (d_loss, g_loss)`` that updates both players once (lesson 1's "your turn",
            ``checks.train_step``). The core draws z, calls it inside ``fit``, keeps the EMA
            and reports D's mean scores on the batch after the step. It replaces the whole
            step, so it takes an unconditional GAN and none of the options the core's step
            implements (``d_steps``, penalties, extra terms, ``augment``, "simultaneous").
    """

    def __init__(self, generator, discriminator, latent_dim=100, loss: str = "ns",
                 d_steps: int = 1, gp_weight: float | None = None, r1_gamma: float = 0.0,
                 ema_decay: float | None = None,
                 update: str = "alternating", g_terms: dict | None = None,
                 d_terms: dict | None = None, discriminator_sees_condition: bool = True,
                 augment=None, seed: int | None = None, custom_step=None, g_steps: int = 1,
                 **kwargs):
        super().__init__(**kwargs)
        gan_arguments.check_custom_step(
            custom_step, discriminator, d_steps=d_steps, gp_weight=gp_weight, r1_gamma=r1_gamma,
            update=update, g_terms=g_terms, d_terms=d_terms, augment=augment,
            latent_dim=latent_dim)
        self.custom_step = custom_step
        if update not in UPDATES:
            raise ValueError(f"update={update!r}; use one of {UPDATES}.")
        d_steps = gan_arguments.whole_number(d_steps, "d_steps", 1,
                                             "5 D steps per G step for WGAN-GP")
        custom = gan_arguments.loss_pair(loss)
        loss, implied = ("custom", {}) if custom else losses.ALIASES.get(loss, (loss, {}))
        gp_weight = implied.get("gp_weight", 0.0) if gp_weight is None else gp_weight
        if not float(gp_weight) >= 0.0:
            raise ValueError(f"gp_weight={gp_weight!r} must be >= 0 (10 is the WGAN-GP paper's; "
                             "0 turns the gradient penalty off).")
        g_steps = gan_arguments.whole_number(g_steps, "g_steps", 1,
                                             "3 G steps per D step against a fast D")
        if update == "simultaneous" and (int(d_steps) != 1 or g_steps != 1):
            raise ValueError("update='simultaneous' needs d_steps=1 and g_steps=1.")
        if custom_step is not None and g_steps != 1:
            raise ValueError("custom_step replaces the core's whole step, which is what "
                             "implements g_steps: leave it at 1, or use custom_step=None.")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay={ema_decay} must be in (0, 1), e.g. 0.999, or None.")
        if discriminator is None and (float(gp_weight) or float(r1_gamma)):
            raise ValueError(f"gp_weight={gp_weight} and r1_gamma={r1_gamma} penalise D, and "
                             "there is no discriminator: leave them at 0.")
        if discriminator is None and not g_terms:
            raise ValueError("discriminator=None trains G on its g_terms alone; give at least "
                             "one, e.g. g_terms={'l1': lambda real, fake, c: losses.l1(real, "
                             "fake)}.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_shape = gan_arguments.latent_shape(latent_dim)
        gan_arguments.check_shapes_fit(generator, discriminator, self.latent_shape)
        self.loss_name = loss
        self.d_loss_fn, self.g_loss_fn = custom or losses.get_losses(loss)
        self.d_steps, self.g_steps = int(d_steps), int(g_steps)
        self.gp_weight = float(gp_weight)
        if not float(r1_gamma) >= 0.0:
            raise ValueError(f"r1_gamma={r1_gamma} must be >= 0 (e.g. 0.1 for 28x28 images).")
        self.r1_gamma = float(r1_gamma)
        self.update = update
        self.g_terms = gan_arguments.check_terms(g_terms, "g_terms")
        self.d_terms = gan_arguments.check_terms(d_terms, "d_terms")
        self.discriminator_sees_condition = bool(discriminator_sees_condition)
        if augment is not None and not callable(augment):
            raise ValueError(f"augment={augment!r} must be a function of a batch of images "
                             "(e.g. gan_course.layers.DiffAugment()), or None.")
        if augment is not None and discriminator is None:
            raise ValueError("augment changes what D sees, and there is no discriminator.")
        self.augment = augment
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: ReplicaMean(name=name) for name in self.metric_names()}

    def metric_names(self) -> list[str]:
        """What ``fit`` reports: the totals, D's mean scores, then every part of each loss."""
        g_parts = [f"g_{part}" for name, term in self.g_terms.items()
                   for part in gan_arguments.part_names(name, term)]
        if self.discriminator is None:
            return ["g_loss"] + g_parts
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        if self.gp_weight or self.r1_gamma or self.d_terms:
            names += ["d_gan"] + (["d_gp"] if self.gp_weight else [])
            names += ["d_r1"] if self.r1_gamma else []
            names += [f"d_{part}" for name, term in self.d_terms.items()
                      for part in gan_arguments.part_names(name, term)]
        if self.g_terms:
            names += ["g_gan"] + g_parts
        return names

    # ------------------------------------------------------------------ set-up

    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile="auto",
                steps_per_execution: int = 1, **kwargs):
        """Attach the two optimizers (default: :func:`default_optimizer`).

        Under the ``mixed_float16`` policy each optimizer is wrapped in a
        ``LossScaleOptimizer``, so small float16 gradients do not underflow to zero.
        ``jit_compile="auto"`` follows :func:`gan_course.hardware.setup` (XLA on accelerators).
        """
        if jit_compile == "auto":
            jit_compile = hardware.jit_compile_default()
        super().compile(jit_compile=jit_compile, steps_per_execution=steps_per_execution,
                        **kwargs)
        self.g_optimizer = _with_loss_scaling(g_optimizer or default_optimizer())
        self.d_optimizer = None if self.discriminator is None else _with_loss_scaling(
            d_optimizer or default_optimizer())
        self.build_optimizers()

    def build_optimizers(self):
        """Create the optimizers' slots now, so a checkpoint can be restored before training."""
        for model in self.players():
            if not model.built:
                raise ValueError(f"{model.name} is not built: give it a keras.Input (or call it "
                                 "once) before compiling the GAN.")
        if not self.g_optimizer.built:
            self.g_optimizer.build(self.generator.trainable_variables)
        if self.d_optimizer is not None and not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator.trainable_variables)
        self.built = True  # both players are built: Keras need not trace the GAN on data

    def players(self) -> list:
        """The models that train: G, and D if there is one."""
        return [m for m in (self.generator, self.discriminator) if m is not None]

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def step(self) -> int:
        """Training steps done so far: rounds of D's turn and G's ``g_steps`` updates, so that
        a plan in steps means the same with any ``g_steps`` (it survives checkpoint and
        resume)."""
        return int(self.g_optimizer.iterations.numpy()) // getattr(self, "g_steps", 1)

    def call(self, inputs, training=False):
        """``gan(inputs)`` = ``generator(inputs)``: lets Keras see the GAN as one model."""
        return self.generator(inputs, training=training)

    def run_settings(self) -> dict:
        """Everything a checkpoint of this GAN belongs to, as plain JSON-able values.

        The models' architecture (layer types, their shape-setting arguments and weight shapes),
        the loss with its extra terms (names, and the numbers in their code, so that a changed
        weight counts), the update rule, the EMA and both optimizers' settings. A
        :class:`~gan_course.callbacks.Checkpoint` adds the lesson's data tag and resumes only a
        run whose settings are the same.
        """
        return {
            "generator": architecture(self.generator),
            "discriminator": (None if self.discriminator is None
                              else architecture(self.discriminator)),
            "latent_shape": None if self.latent_shape is None else list(self.latent_shape),
            "loss": (self.loss_name if self.loss_name != "custom" else
                     {"d_loss": describe_function(self.d_loss_fn),
                      "g_loss": describe_function(self.g_loss_fn)}),
            "d_steps": self.d_steps, "gp_weight": self.gp_weight,
            **({"r1_gamma": self.r1_gamma} if self.r1_gamma else {}),  # older runs: none
            **({"g_steps": self.g_steps} if self.g_steps != 1 else {}),
            "update": self.update, "ema_decay": self.ema_decay,
            "discriminator_sees_condition": self.discriminator_sees_condition,
            "augment": None if self.augment is None else describe_function(self.augment),
            "g_terms": {name: describe_function(f) for name, f in self.g_terms.items()},
            "d_terms": {name: describe_function(f) for name, f in self.d_terms.items()},
            "g_optimizer": optimizer_settings(self.g_optimizer),
            "d_optimizer": (None if self.d_optimizer is None
                            else optimizer_settings(self.d_optimizer)),
            **({"custom_step": describe_function(self.custom_step)}  # older runs: none
               if self.custom_step is not None else {}),
        }

    def fit(self, *args, callbacks=None, **kwargs):
        """``keras.Model.fit`` that resumes from a :class:`~gan_course.callbacks.Checkpoint`.

        First the data is checked against the models (:func:`gan_arguments.check_training_data
        <gan_course.gan_arguments.check_training_data>`: dtype, size, channels, G's output
        range, enough batches). When a ``Checkpoint`` callback finds a saved state of a run with
        the same settings and data, the models, optimizers and step are restored and training
        continues from the saved epoch (unless ``initial_epoch`` is given). Interrupting a cell
        (KeyboardInterrupt) saves a checkpoint before it stops. TensorFlow's retracing warning,
        which a loop of small GANs would set off, is filtered out while it trains
        (:func:`tf_logging.no_retracing_warning`).
        """
        callbacks = list(callbacks or [])
        savers = [cb for cb in callbacks if isinstance(cb, checkpoints.Checkpoint)]
        planned = kwargs.get("epochs", 1) * (kwargs.get("steps_per_epoch") or 0)
        described = gan_arguments.check_training_data(  # before step 1: dtype, size, range
            self, args[0] if args else kwargs.get("x"), planned)
        for checkpoint in savers:
            checkpoint.data = described  # its run folder belongs to this data
            state = checkpoint.restore(self)
            if state is not None and "initial_epoch" not in kwargs:
                kwargs["initial_epoch"] = state.epoch
            if state is not None and 0 < state.step < planned:
                say(f"an earlier run stopped at step {state.step} of the {planned} planned (its "
                    "time ran out, or it was interrupted): training on from there.")
        kwargs.setdefault("shuffle", False)  # datasets shuffle themselves (gan_dataset does)
        start = self.step
        try:
            with tf_logging.no_retracing_warning(), warnings.catch_warnings():
                warnings.filterwarnings("error", "Your input ran out of data")
                return super().fit(*args, callbacks=callbacks, **kwargs)
        except KeyboardInterrupt:
            for checkpoint in savers:
                say(f"interrupted: saved {checkpoint.save(self)}")
            raise
        except UserWarning as warning:
            if "ran out of data" not in str(warning):
                raise
            for checkpoint in savers:
                checkpoint.save(self)
            raise ValueError(
                f"The dataset ran out at step {self.step} of the {planned or '?'} planned. Make "
                "it endless: data.gan_dataset(..., repeat=True) (image_folder_dataset takes "
                "repeat=True too), or dataset.repeat(); the run is saved and resumes from "
                "here.") from None
        except Exception as error:
            if not (self.jit_compile and self.step == start and _xla_failure(error)):
                raise
            failure = error  # the first compiled step failed: train again without XLA
        finally:  # also after an error: another process may then train this run
            for checkpoint in savers:
                checkpoint.release()
        first_line = next((line for line in str(failure).splitlines() if line.strip()), "")
        say(f"XLA could not compile the training step on this device ({type(failure).__name__}: "
            f"{first_line[:160]}); training with XLA off (jit_compile=False) instead.")
        self.jit_compile = False
        self.train_function = None
        return self.fit(*args, callbacks=callbacks, **kwargs)

    # ------------------------------------------------------------------ sampling

    def sample_noise(self, batch_size):
        """z ~ N(0, I) of shape (batch_size, *latent_shape)."""
        if self.latent_shape is None:
            raise ValueError("This GAN's generator takes no noise (latent_dim=None): pass "
                             "condition=... to generate().")
        return keras.random.normal((batch_size, *self.latent_shape), seed=self.seed_generator)

    def generate(self, noise=None, n: int | None = None, condition=None, ema: bool = True,
                 batch_size: int = 256):
        """G's output as float32 NumPy, from ``noise``, ``n`` fresh noise vectors, or (for a
        generator with ``latent_dim=None``) from ``condition`` alone.

        Uses the EMA generator when there is one and ``ema`` is True, always in inference mode
        (BatchNorm uses its moving statistics; dropout is off).
        """
        import numpy as np

        model = self.ema_generator if (ema and self.ema_generator is not None) else self.generator
        if self.latent_shape is None:
            if condition is None:
                raise ValueError("This generator takes only a condition: generate(condition=x).")
            inputs, total = [condition], len(condition)
        else:
            if noise is None:
                if n is None:
                    raise ValueError("Pass noise=... or n=... to generate().")
                noise = self.sample_noise(gan_arguments.whole_number(n, "n", 1, "16 images"))
            inputs, total = [noise] + ([] if condition is None else [condition]), len(noise)
        outputs = []
        for start in range(0, total, batch_size):
            batch = [keras.ops.convert_to_tensor(x[start:start + batch_size]) for x in inputs]
            outputs.append(keras.ops.convert_to_numpy(keras.ops.cast(
                model(batch[0] if len(batch) == 1 else batch, training=False), "float32")))
        return np.concatenate(outputs)

    def export_generator(self, path, ema: bool = True):
        """Write the generator (the EMA one, if there is one and ``ema`` is True) to the folder
        ``path``: ``generator.keras``, a SavedModel ``saved_model/`` with the signature
        ``serve``, and ``generator.json`` (see :mod:`gan_course.export`). Returns the folder.

        Reload it anywhere, without the course's training code::

            g = keras.saving.load_model(f"{path}/generator.keras")
            images = g(z, training=False)
        """
        use_ema = ema and self.ema_generator is not None
        model = self.ema_generator if use_ema else self.generator
        latent = None if self.latent_shape is None else list(self.latent_shape)
        return export.export_generator(
            model, path, latent_shape=self.latent_shape,
            description={"ema": use_ema, "latent_shape": latent, "output_range": (
                         None if (r := gan_arguments.output_range(self.generator)) is None
                         else list(r)),
                         "step": self.step if getattr(self, "g_optimizer", None) else 0})

    # ------------------------------------------------------------------ training

    def train_step(self, data):
        real, condition = self._unpack(data)
        if self.custom_step is not None:
            return self._custom_step(real, condition)
        if self.update == "simultaneous" and self.discriminator is not None:
            return self._simultaneous_step(real, condition)
        # D's turn sits inside G's tape so that G's gradient (3.) can flow back through the one
        # forward pass of G (1.); stop_recording keeps D's own update out of G's tape.
        with tf.GradientTape() as g_tape:
            fake = self._generate(real, condition)                 # 1. x_fake = G(z)
            with g_tape.stop_recording():                           # 2. D's turn, fake fixed
                d_losses = self._discriminator_turn(real, fake, condition)
            g_losses = self.generator_losses(real, fake, condition)  # 3. G vs the updated D
        self._minimise(self.g_optimizer, g_tape, g_losses["g_loss"],
                       self.generator.trainable_variables)
        self._update_ema()
        for _ in range(self.g_steps - 1):  # more turns for G, each on fresh noise
            with tf.GradientTape() as g_tape:
                g_losses = self.generator_losses(real, self._generate(real, condition),
                                                 condition)
            self._minimise(self.g_optimizer, g_tape, g_losses["g_loss"],
                           self.generator.trainable_variables)
            self._update_ema()
        return self._track({**d_losses, **g_losses})

    def _discriminator_turn(self, real, fake, condition):
        """``d_steps`` updates of D; after the first, each on fresh fakes (none without D)."""
        d_losses = {}
        for i in range(self.d_steps if self.discriminator is not None else 0):
            if i > 0:
                fake = self._generate(real, condition)
            with tf.GradientTape() as d_tape:
                d_losses, _ = self.discriminator_losses(real, tf.stop_gradient(fake), condition)
            self._minimise(self.d_optimizer, d_tape, d_losses["d_loss"],
                           self.discriminator.trainable_variables)
        return d_losses

    def _simultaneous_step(self, real, condition):
        """Both players from one forward pass: G is judged by D *before* D's update."""
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self._generate(real, condition)
            d_losses, fake_logits = self.discriminator_losses(real, fake, condition)
            g_losses = self.generator_losses(real, fake, condition, fake_logits=fake_logits)
        self._minimise(self.d_optimizer, d_tape, d_losses["d_loss"],
                       self.discriminator.trainable_variables)
        self._minimise(self.g_optimizer, g_tape, g_losses["g_loss"],
                       self.generator.trainable_variables)
        self._update_ema()
        return self._track({**d_losses, **g_losses})

    def _custom_step(self, real, condition):
        """The learner's ``custom_step`` on this batch and fresh noise, then the EMA and D's
        mean scores on the real batch and on G(z) from the updated players."""
        if condition is not None:
            raise ValueError("custom_step takes an unconditional GAN: the data must be images "
                             "alone, not (images, condition) pairs.")
        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            raise ValueError("custom_step runs on one device: the core's own step "
                             "(custom_step=None) scales its losses for several replicas.")
        z = self.sample_noise(tf.shape(real)[0])
        returned = self.custom_step(self.generator, self.discriminator, self.g_optimizer,
                                    self.d_optimizer, real, z)
        if not isinstance(returned, (tuple, list)) or len(returned) != 2:
            raise ValueError(f"custom_step returned {type(returned).__name__}; it must return "
                             "(d_loss, g_loss), the two losses of its step.")
        self._update_ema()
        d_loss, g_loss = (tf.cast(tf.reduce_mean(v), tf.float32) for v in returned)
        fake = self.generator(z, training=True)
        return self._track({"d_loss": d_loss, "g_loss": g_loss,
                            "d_real": self._score(self._discriminate(real, None)),
                            "d_fake": self._score(self._discriminate(fake, None))})

    def discriminator_losses(self, real, fake, condition=None) -> tuple[dict, tf.Tensor]:
        """D's loss on a batch of real and fake images, and D's logits for the fakes.

        L_D = L_D,gan(D(x), D(x_fake)) + gp_weight * GP + r1_gamma / 2 * R1 + the ``d_terms``.
        Returns ``({"d_loss": L_D, "d_gan": ..., "d_gp": ..., "d_real": ..., "d_fake": ...},
        fake_logits)``: every part by name, and D's mean scores.
        """
        real_logits = self._discriminate(real, condition)
        fake_logits = self._discriminate(fake, condition)
        parts = {"d_gan": self.d_loss_fn(real_logits, fake_logits)}
        if self.gp_weight:
            alpha = keras.random.uniform((tf.shape(real)[0],), seed=self.seed_generator)
            parts["d_gp"] = self.gp_weight * losses.gradient_penalty(
                lambda x: self._discriminate(x, condition), real, fake, alpha)
        if self.r1_gamma:
            parts["d_r1"] = 0.5 * self.r1_gamma * losses.r1_penalty(
                lambda x: self._discriminate(x, condition), real)
        for name, term in self.d_terms.items():
            parts.update(_term_parts("d", name, term, term(real_logits, fake_logits)))
        return {"d_loss": tf.add_n(list(parts.values())), **parts,
                "d_real": self._score(real_logits), "d_fake": self._score(fake_logits)
                }, fake_logits

    def generator_losses(self, real, fake, condition=None, fake_logits=None) -> dict:
        """G's loss: L_G = L_G,gan(D(x_fake)) + the ``g_terms``; ``{"g_loss": L_G, "g_gan": ...,
        "g_<term>": ...}``. D judges ``fake`` again unless its ``fake_logits`` are given."""
        parts = {}
        if self.discriminator is not None:
            if fake_logits is None:
                fake_logits = self._discriminate(fake, condition)
            parts["g_gan"] = self.g_loss_fn(fake_logits)
        for name, term in self.g_terms.items():
            parts.update(_term_parts("g", name, term,
                                     term(real, tf.cast(fake, real.dtype), condition)))
        return {"g_loss": tf.add_n(list(parts.values())), **parts}

    # ------------------------------------------------------------------ plumbing

    def _unpack(self, data):
        """A batch -> (real images in the compute dtype, condition or None)."""
        if isinstance(data, (tuple, list)):
            if len(data) not in (1, 2):
                raise ValueError("GAN data must be images or (images, condition) pairs.")
            real, condition = data[0], (data[1] if len(data) == 2 else None)
        else:
            real, condition = data, None
        if self.latent_shape is None and condition is None:
            raise ValueError("With latent_dim=None the generator needs a condition: the data "
                             "must be (images, condition) pairs, e.g. (target, input).")
        return tf.cast(real, self.compute_dtype), condition

    def _generate(self, real, condition):
        """G's output for this batch, in training mode."""
        if self.latent_shape is None:
            inputs = condition
        else:
            z = self.sample_noise(tf.shape(real)[0])
            inputs = z if condition is None else [z, condition]
        return self.generator(inputs, training=True)

    def _discriminate(self, images, condition, training=True):
        """D's logits in float32 (the losses are float32 whatever the dtype policy)."""
        sees = condition is not None and self.discriminator_sees_condition
        if self.augment is not None:
            images = self.augment(images)
        logits = self.discriminator([images, condition] if sees else images, training=training)
        return tf.cast(logits, tf.float32)

    @staticmethod
    def _minimise(optimizer, tape, loss, variables):
        """One optimizer step down the gradient of ``loss``.

        The gradient is taken of loss x s / R: R replicas each add their gradient to the
        others', and s is the loss scale under ``mixed_float16`` (1 otherwise), which keeps
        small float16 gradients from underflowing; a ``LossScaleOptimizer`` divides it out
        again and skips steps whose gradients are not finite.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        weight = optimizer.scale_loss(tf.constant(1.0 / replicas, loss.dtype))
        grads = tape.gradient(loss, variables, output_gradients=tf.cast(weight, loss.dtype))
        optimizer.apply(grads, variables)

    def _score(self, logits):
        """D's mean score: a probability sigma(D(x)) for the BCE losses, else the raw score."""
        if self.loss_name in losses.PROBABILISTIC or self.loss_name == "custom":
            logits = tf.sigmoid(logits)
        return tf.reduce_mean(logits)

    def _update_ema(self):
        """w_ema <- d_t * w_ema + (1 - d_t) * w, with d_t from :func:`ema_decay_at`;
        non-trainable state (BatchNorm statistics) is copied."""
        if self.ema_generator is None:
            return
        decay = ema_decay_at(self.g_optimizer.iterations - 1, self.ema_decay)
        for ema_var, var in zip(self.ema_generator.trainable_variables,
                                self.generator.trainable_variables, strict=True):
            d = tf.cast(decay, ema_var.dtype)
            ema_var.assign(d * ema_var + (1.0 - d) * tf.cast(var, ema_var.dtype))
        for ema_var, var in zip(self.ema_generator.non_trainable_variables,
                                self.generator.non_trainable_variables, strict=True):
            ema_var.assign(var)

    def _track(self, values: dict) -> dict:
        """Add this step's values to the running means that ``fit`` reports."""
        for name, tracker in self.trackers.items():
            tracker.update_state(values[name])
        results = {name: tracker.result() for name, tracker in self.trackers.items()}
        if _multi_worker(tf.distribute.get_strategy()):
            # Keras averages a step's logs over the workers with strategy.reduce("MEAN", v,
            # axis=0), which fails on a scalar ("Invalid reduction dimension 0"): give it one
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    def test_step(self, data):
        raise NotImplementedError("A GAN has no validation loss; measure samples with "
                                  "gan_course.metrics instead (e.g. fashion_mnist_fd).")


# --------------------------------------------------------------------------- helpers


def _multi_worker(strategy) -> bool:
    """True under a MultiWorkerMirroredStrategy that spans several workers."""
    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode())


def _xla_failure(error: BaseException) -> bool:
    """Whether an error from the first training step is XLA failing to compile it (e.g. "PTX
    ... does not support sm_120" on a GPU newer than TensorFlow's XLA)."""
    text = f"{type(error).__name__}: {error}".lower()
    return any(word in text for word in ("xla", "ptx", "sm_", "jit compil", "jit_compile"))


def _scalar(player: str, part: str, value):
    """A term's value as a float32 scalar; a per-sample or per-pixel value is an error that
    names the term and its shape (the shape is known when the step is traced)."""
    value = tf.cast(value, tf.float32)
    if value.shape.rank is not None and value.shape.rank != 0:
        raise ValueError(f"The {player}_terms term '{part}' returned shape "
                         f"{tuple(value.shape)}, not a scalar: reduce it to one number, e.g. "
                         "with tf.reduce_mean(...) over the batch and the pixels.")
    return value


def _term_parts(player: str, name: str, term, value) -> dict:
    """A term's value as ``{"<player>_<part>": float32 scalar}``."""
    if not isinstance(term, Terms):
        return {f"{player}_{name}": _scalar(player, name, value)}
    if not isinstance(value, dict) or set(value) != set(term.parts):
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ValueError(f"The terms '{name}' must return a dict with the keys {term.parts}; "
                         f"got {got}.")
    return {f"{player}_{part}": _scalar(player, part, value[part]) for part in term.parts}


def _with_loss_scaling(optimizer):
    policy = keras.mixed_precision.global_policy().name
    if policy == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
