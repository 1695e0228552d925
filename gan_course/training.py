"""The one GAN training core of the course: a ``keras.Model`` whose ``train_step`` plays the game.

::

    gan = GAN(generator, discriminator, latent_dim=100, loss="ns")
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(dataset, epochs=10, callbacks=[...])

Because it is a ``keras.Model``, ``fit`` brings callbacks, ``steps_per_execution``, distribution
strategies and XLA. Every lesson trains through this class; a lesson adds models or a loss.

One step (``d_steps`` = 1) takes turns, as in Goodfellow et al. (2014), Algorithm 1:

1. draw z, make x_fake = G(z) once;
2. D step: minimise L_D(D(x_real), D(x_fake)) over D's weights (x_fake held fixed);
3. G step: with the *updated* D, minimise L_G(D(x_fake)) over G's weights, reusing the
   forward pass of step 1 (the gradient flows back through it).

With ``d_steps`` = k > 1 (WGAN-GP uses 5) the D step runs k times, each on fresh noise and the
same real batch. With ``update="simultaneous"`` both players are updated from the same
forward pass (the TensorFlow DCGAN tutorial's step: cheaper, but not turn-taking).

Data may be images, or ``(images, condition)`` pairs for a conditional GAN: then G is called on
``[z, condition]`` and D on ``[x, condition]``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gan_course import hardware, losses

UPDATES = ("alternating", "simultaneous")


def default_optimizer():
    """Adam(2e-4, beta_1=0.5), the DCGAN paper's setting (Radford et al. 2016)."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit``.

    Args:
        generator: maps noise of shape (batch, *latent_shape) (plus the condition, if any) to
            images in [-1, 1].
        discriminator: maps images (plus the condition) to one logit per sample, (batch, 1)
            or (batch,); or a map of logits (a PatchGAN), which the losses average.
        latent_dim: an int for vector noise, or a shape tuple such as (8, 8, 64) for spatial
            noise.
        loss: "ns" (non-saturating BCE, the default), "minimax", "lsgan", "hinge" or "wgan-gp".
        d_steps: discriminator updates per generator update.
        gp_weight: weight of the gradient penalty (used with "wgan-gp").
        ema_decay: keep ``ema_generator``, an exponential moving average of G's weights
            (e.g. 0.999), which usually gives cleaner samples than G itself. None: no EMA.
        update: "alternating" (the default) or "simultaneous" (see the module docstring).
        seed: seed of the noise stream.
    """

    def __init__(self, generator, discriminator, latent_dim, loss: str = "ns", d_steps: int = 1,
                 gp_weight: float = 10.0, ema_decay: float | None = None,
                 update: str = "alternating", seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if update not in UPDATES:
            raise ValueError(f"update={update!r}; use one of {UPDATES}.")
        if int(d_steps) < 1:
            raise ValueError(f"d_steps={d_steps} must be >= 1.")
        if update == "simultaneous" and int(d_steps) != 1:
            raise ValueError("update='simultaneous' needs d_steps=1.")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay={ema_decay} must be in (0, 1), e.g. 0.999, or None.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_shape = ((int(latent_dim),) if isinstance(latent_dim, int)
                             else tuple(int(d) for d in latent_dim))
        self.loss_name = loss
        self.d_loss_fn, self.g_loss_fn = losses.get_losses(loss)
        self.d_steps = int(d_steps)
        self.gp_weight = float(gp_weight) if loss == "wgan-gp" else 0.0
        self.update = update
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.real_score_tracker = keras.metrics.Mean(name="d_real")
        self.fake_score_tracker = keras.metrics.Mean(name="d_fake")

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
        self.g_optimizer = self._with_loss_scaling(g_optimizer or default_optimizer())
        self.d_optimizer = self._with_loss_scaling(d_optimizer or default_optimizer())
        self.build_optimizers()

    @staticmethod
    def _with_loss_scaling(optimizer):
        policy = keras.mixed_precision.global_policy().name
        if policy == "mixed_float16" and not isinstance(
                optimizer, keras.optimizers.LossScaleOptimizer):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def build_optimizers(self):
        """Create the optimizers' slots now, so a checkpoint can be restored before training."""
        for model in (self.generator, self.discriminator):
            if not model.built:
                raise ValueError(f"{model.name} is not built: give it a keras.Input (or call it "
                                 "once) before compiling the GAN.")
        if not self.g_optimizer.built:
            self.g_optimizer.build(self.generator.trainable_variables)
        if not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator.trainable_variables)
        self.built = True  # both players are built: Keras need not trace the GAN on data

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.real_score_tracker,
                self.fake_score_tracker]

    @property
    def step(self) -> int:
        """Generator updates done so far (it survives checkpoint and resume)."""
        return int(self.g_optimizer.iterations.numpy())

    def call(self, inputs, training=False):
        """``gan(z)`` = ``generator(z)``: lets Keras see the GAN as one model."""
        return self.generator(inputs, training=training)

    def fit(self, *args, callbacks=None, **kwargs):
        """``keras.Model.fit`` that resumes from a :class:`~gan_course.callbacks.Checkpoint`.

        When a ``Checkpoint`` callback finds a saved state, the models, optimizers and step are
        restored and training continues from the saved epoch (unless ``initial_epoch`` is
        given). Interrupting a cell (KeyboardInterrupt) saves a checkpoint before it stops.
        """
        from gan_course.callbacks import Checkpoint

        callbacks = list(callbacks or [])
        checkpoints = [cb for cb in callbacks if isinstance(cb, Checkpoint)]
        for checkpoint in checkpoints:
            state = checkpoint.restore(self)
            if state is not None and "initial_epoch" not in kwargs:
                kwargs["initial_epoch"] = state.epoch
        kwargs.setdefault("shuffle", False)  # datasets shuffle themselves (gan_dataset does)
        try:
            return super().fit(*args, callbacks=callbacks, **kwargs)
        except KeyboardInterrupt:
            for checkpoint in checkpoints:
                print(f"[gan_course] interrupted: saved {checkpoint.save(self)}", flush=True)
            raise

    # ------------------------------------------------------------------ sampling

    def sample_noise(self, batch_size):
        """z ~ N(0, I) of shape (batch_size, *latent_shape)."""
        return keras.random.normal((batch_size, *self.latent_shape), seed=self.seed_generator)

    def generate(self, noise=None, n: int | None = None, condition=None, ema: bool = True,
                 batch_size: int = 256):
        """Images in [-1, 1] (float32 NumPy) from ``noise``, or from ``n`` fresh noise vectors.

        Uses the EMA generator when there is one and ``ema`` is True.
        """
        import numpy as np

        if noise is None:
            if n is None:
                raise ValueError("Pass noise=... or n=... to generate().")
            noise = self.sample_noise(n)
        model = self.ema_generator if (ema and self.ema_generator is not None) else self.generator
        outputs = []
        total = int(noise.shape[0])
        for start in range(0, total, batch_size):
            z = keras.ops.convert_to_tensor(noise[start:start + batch_size])
            inputs = z if condition is None else [
                z, keras.ops.convert_to_tensor(condition[start:start + batch_size])]
            outputs.append(keras.ops.convert_to_numpy(
                keras.ops.cast(model(inputs, training=False), "float32")))
        return np.concatenate(outputs)

    # ------------------------------------------------------------------ training

    @staticmethod
    def _unpack(data):
        if isinstance(data, (tuple, list)):
            if len(data) == 2:
                return data[0], data[1]
            if len(data) == 1:
                return data[0], None
            raise ValueError("GAN data must be images or (images, condition) pairs.")
        return data, None

    def _generate(self, z, condition, training):
        return self.generator(z if condition is None else [z, condition], training=training)

    def _discriminate(self, images, condition, training=True):
        logits = self.discriminator(images if condition is None else [images, condition],
                                    training=training)
        return tf.cast(logits, tf.float32)  # losses in float32, whatever the policy

    @staticmethod
    def _per_replica(loss):
        """Divide by the replica count: gradients are summed across replicas."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss / tf.cast(replicas, loss.dtype) if replicas > 1 else loss

    def _d_loss(self, real, fake, real_logits, fake_logits, condition):
        d_loss = self.d_loss_fn(real_logits, fake_logits)
        if self.gp_weight:
            alpha = keras.random.uniform((tf.shape(real)[0],), seed=self.seed_generator)
            penalty = losses.gradient_penalty(
                lambda x: self._discriminate(x, condition), real, fake, alpha)
            d_loss = d_loss + self.gp_weight * penalty
        return d_loss

    def _scaled(self, optimizer, loss):
        """The loss to differentiate: per replica, times the loss scale under float16.

        Call it inside the tape, so the tape records the scaling.
        """
        return optimizer.scale_loss(self._per_replica(loss))

    @staticmethod
    def _apply(optimizer, tape, scaled_loss, variables):
        grads = tape.gradient(scaled_loss, variables)
        optimizer.apply(grads, variables)  # a LossScaleOptimizer unscales, skips non-finite

    def train_step(self, data):
        real, condition = self._unpack(data)
        real = tf.cast(real, self.compute_dtype)
        batch_size = tf.shape(real)[0]
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables

        if self.update == "simultaneous":
            with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
                fake = self._generate(self.sample_noise(batch_size), condition, training=True)
                real_logits = self._discriminate(real, condition)
                fake_logits = self._discriminate(fake, condition)
                d_loss = self._d_loss(real, fake, real_logits, fake_logits, condition)
                g_loss = self.g_loss_fn(fake_logits)
                d_scaled = self._scaled(self.d_optimizer, d_loss)
                g_scaled = self._scaled(self.g_optimizer, g_loss)
            self._apply(self.d_optimizer, d_tape, d_scaled, d_vars)
            self._apply(self.g_optimizer, g_tape, g_scaled, g_vars)
        else:
            with tf.GradientTape() as g_tape:
                fake = self._generate(self.sample_noise(batch_size), condition, training=True)
                with g_tape.stop_recording():
                    for i in range(self.d_steps):
                        if i > 0:  # extra critic steps see fresh fakes
                            fake_d = self._generate(self.sample_noise(batch_size), condition,
                                                    training=True)
                        else:
                            fake_d = fake
                        fake_d = tf.stop_gradient(fake_d)
                        with tf.GradientTape() as d_tape:
                            real_logits = self._discriminate(real, condition)
                            fake_logits = self._discriminate(fake_d, condition)
                            d_loss = self._d_loss(real, fake_d, real_logits, fake_logits,
                                                  condition)
                            d_scaled = self._scaled(self.d_optimizer, d_loss)
                        self._apply(self.d_optimizer, d_tape, d_scaled, d_vars)
                # G's turn, against the discriminator it has just updated
                g_loss = self.g_loss_fn(self._discriminate(fake, condition))
                g_scaled = self._scaled(self.g_optimizer, g_loss)
            self._apply(self.g_optimizer, g_tape, g_scaled, g_vars)

        if self.ema_generator is not None:
            self._update_ema()
        self._track(d_loss, g_loss, real_logits, fake_logits)
        return {m.name: m.result() for m in self.metrics}

    def _update_ema(self):
        """w_ema <- decay * w_ema + (1 - decay) * w; non-trainable state (BN statistics) copied."""
        decay = self.ema_decay
        for ema_var, var in zip(self.ema_generator.trainable_variables,
                                self.generator.trainable_variables, strict=True):
            ema_var.assign(decay * ema_var + (1.0 - decay) * tf.cast(var, ema_var.dtype))
        for ema_var, var in zip(self.ema_generator.non_trainable_variables,
                                self.generator.non_trainable_variables, strict=True):
            ema_var.assign(var)

    def _track(self, d_loss, g_loss, real_logits, fake_logits):
        if self.loss_name in losses.PROBABILISTIC:  # show D's probabilities, D(x) in [0, 1]
            real_score, fake_score = tf.sigmoid(real_logits), tf.sigmoid(fake_logits)
        else:  # raw critic scores
            real_score, fake_score = real_logits, fake_logits
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.real_score_tracker.update_state(tf.reduce_mean(real_score))
        self.fake_score_tracker.update_state(tf.reduce_mean(fake_score))

    def test_step(self, data):
        raise NotImplementedError("A GAN has no validation loss; measure samples with "
                                  "gan_course.metrics instead (e.g. fashion_mnist_fd).")
