
import logging

import keras
import numpy as np
import pytest
import tensorflow as tf
import toy

from gan_course import losses, training
from gan_course.training import GAN


def _adam(lr=1e-3):
    return keras.optimizers.Adam(lr, beta_1=0.5)


def _ring_dataset(batch=256, seed=0):
    points = toy.ring_of_gaussians(8192, seed=seed)
    return tf.data.Dataset.from_tensor_slices(points).shuffle(8192, seed=seed).repeat().batch(
        batch, drop_remainder=True)


def test_learns_a_ring_of_eight_gaussians():
    keras.utils.set_random_seed(0)
    gan = GAN(toy.mlp(8, 2), toy.mlp(2, 1), latent_dim=8, seed=0)
    gan.compile(g_optimizer=_adam(), d_optimizer=_adam())
    untrained_near, _ = toy.ring_quality(gan.generate(n=2000, ema=False))
    history = gan.fit(_ring_dataset(), epochs=10, steps_per_epoch=250, verbose=0)
    near, modes = toy.ring_quality(gan.generate(n=2000))
    assert gan.step == 2500
    assert untrained_near < 0.1
    assert near > 0.5, f"only {near:.0%} of samples fall near a mode"
    assert modes >= 7, f"only {modes} of 8 modes covered"
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert 0 < history.history["d_real"][-1] < 1  # probabilities for the "ns" loss


@pytest.mark.parametrize(("loss", "d_steps", "update"),
                         [("wgan-gp", 3, "alternating"), ("hinge", 2, "alternating"),
                          ("lsgan", 1, "alternating"), ("ns", 1, "simultaneous")])
def test_every_loss_and_update_trains(loss, d_steps, update):
    keras.utils.set_random_seed(1)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, loss=loss, d_steps=d_steps, update=update)
    gan.compile()
    before = [w.copy() for w in generator.get_weights()]
    history = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0)
    assert gan.step == 3
    assert int(gan.d_optimizer.iterations.numpy()) == 3 * d_steps
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(not np.array_equal(a, b) for a, b in zip(before, generator.get_weights(),
                                                        strict=True))


def test_g_steps_give_g_several_turns_per_d_turn_each_on_fresh_noise():
    keras.utils.set_random_seed(1)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, g_steps=3, ema_decay=0.9)
    gan.compile()
    seen = []
    real_generate = gan._generate

    def counting(real, condition):  # each G turn draws its own fakes
        seen.append(1)
        return real_generate(real, condition)

    gan._generate = counting
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 6  # 3 G updates ...
    assert int(gan.d_optimizer.iterations.numpy()) == 2  # ... per D update
    assert gan.step == 2  # steps count rounds: a plan in steps means the same with g_steps
    assert len(seen) == 3  # traced once: one draw for D and G's first turn, two more for G
    assert gan.run_settings()["g_steps"] == 3
    plain = GAN(*toy.tiny_image_models(), latent_dim=4)
    plain.compile()
    assert "g_steps" not in plain.run_settings()  # older runs' settings stay the same


def test_conditional_data_feeds_the_condition_to_both_players():
    seen = {}

    def conditional(n_in, name):
        x, y = keras.Input((n_in,)), keras.Input((1,))
        seen[name] = y
        out = keras.layers.Dense(2 if name == "g" else 1)(keras.layers.Concatenate()([x, y]))
        return keras.Model([x, y], out, name=name)

    gan = GAN(conditional(3, "g"), conditional(2, "d"), latent_dim=3)
    gan.compile()
    points, labels = toy.ring_of_gaussians(64), np.arange(64, dtype="float32")[:, None] % 8
    ds = tf.data.Dataset.from_tensor_slices((points, labels)).repeat().batch(16)
    gan.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)
    assert gan.step == 2
    out = gan.generate(gan.sample_noise(4), condition=labels[:4])
    assert out.shape == (4, 2)


def test_spatial_noise_shape():
    generator = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Conv2D(1, 3, padding="same",
                                                                               activation="tanh")])
    discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(1, 3)])
    gan = GAN(generator, discriminator, latent_dim=(4, 4, 3))
    gan.compile()
    assert tuple(gan.sample_noise(2).shape) == (2, 4, 4, 3)
    images = tf.data.Dataset.from_tensor_slices(np.zeros((8, 4, 4, 1), "float32")).batch(4)
    gan.fit(images.repeat(), epochs=1, steps_per_epoch=2, verbose=0)  # patch logits (2, 2, 2, 1)
    assert gan.step == 2


def test_mixed_precision_step_keeps_float32_variables(float32_policy):
    keras.mixed_precision.set_global_policy("mixed_float16")
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4)
    gan.compile()
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    before = generator.layers[0].kernel.numpy().copy()
    history = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0)
    assert generator.layers[0].compute_dtype == "float16"
    assert all(v.dtype == "float32" for v in generator.trainable_variables
               + discriminator.trainable_variables)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert not np.array_equal(before, generator.layers[0].kernel.numpy())  # it really stepped
    assert gan.generate(n=2).dtype == np.float32


def test_mirrored_strategy_over_two_virtual_cpus_trains(two_cpu_strategy):
    keras.utils.set_random_seed(3)
    with two_cpu_strategy.scope():
        gan = GAN(toy.mlp(8, 2), toy.mlp(2, 1), latent_dim=8, ema_decay=0.99, seed=0)
        gan.compile(g_optimizer=_adam(), d_optimizer=_adam())
    history = gan.fit(_ring_dataset(), epochs=8, steps_per_epoch=250, verbose=0)
    near, modes = toy.ring_quality(gan.generate(n=2000))
    assert gan.step == 2000
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    # as good as one device after the same steps (measured: 84% near a mode, 7-8 modes)
    assert near > 0.5 and modes >= 6, (near, modes)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"update": "together"}, "update='together'"),
    ({"d_steps": 0}, "d_steps=0"),
    ({"ema_decay": 1.5}, "ema_decay=1.5"),
    ({"loss": "wasserstein"}, "Unknown GAN loss"),
    ({"update": "simultaneous", "d_steps": 2}, "simultaneous"),
    ({"update": "simultaneous", "g_steps": 2}, "g_steps=1"),
    ({"g_steps": 0}, "g_steps=0 must be a whole number"),
    ({"g_terms": {"l 1": abs}}, "g_terms maps names"),
    ({"d_terms": {"drift": 0.001}}, "d_terms maps names"),
    ({"latent_dim": (4, 0)}, "latent_dim"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GAN(toy.mlp(2, 2), toy.mlp(2, 1), **{"latent_dim": 2, **kwargs})


def test_unbuilt_models_are_refused_with_advice():
    gan = GAN(keras.Sequential([keras.layers.Dense(2)]), toy.mlp(2, 1), latent_dim=2)
    with pytest.raises(ValueError, match="keras.Input"):
        gan.compile()


def test_generate_needs_noise_or_n():
    gan = GAN(toy.mlp(2, 2), toy.mlp(2, 1), latent_dim=2)
    gan.compile()
    with pytest.raises(ValueError, match="noise=... or n="):
        gan.generate()
    assert gan.generate(n=600, batch_size=256).shape == (600, 2)


# --------------------------------------------------------------------------- the EMA


def test_ema_decay_warms_up():
    values = [float(training.ema_decay_at(t, 0.999)) for t in (0, 8, 100, 8990, 10**6)]
    np.testing.assert_allclose(values[:3], [0.1, 0.5, 101 / 110], rtol=1e-6)
    assert values[3] == pytest.approx(0.999, abs=1e-6) and values[4] == pytest.approx(0.999)
    assert float(training.ema_decay_at(5, 0.3)) == pytest.approx(0.3)  # capped by decay


def test_ema_generator_is_a_warmed_up_moving_average():
    keras.utils.set_random_seed(2)
    generator, discriminator = toy.tiny_image_models(batch_norm=False)
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=0.9)
    gan.compile()
    ema, data = [w.copy() for w in generator.get_weights()], toy.image_dataset()
    np.testing.assert_array_equal(gan.ema_generator.get_weights()[0], ema[0])
    for t in range(3):  # decay 0.1, 2/11, 3/12
        gan.fit(data, epochs=1, steps_per_epoch=1, verbose=0)
        decay = min(0.9, (1 + t) / (10 + t))
        ema = [decay * e + (1 - decay) * w for e, w in zip(ema, generator.get_weights(),
                                                           strict=True)]
        for got, want in zip(gan.ema_generator.get_weights(), ema, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    z = gan.sample_noise(5)
    assert not np.allclose(gan.generate(z), gan.generate(z, ema=False))


def test_ema_copies_batchnorm_statistics():
    keras.utils.set_random_seed(3)
    generator, discriminator = toy.tiny_image_models(batch_norm=True)
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=0.99)
    gan.compile()
    initial = [v.numpy().copy() for v in generator.non_trainable_variables]
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0)
    moving = [v.numpy() for v in generator.non_trainable_variables]
    assert len(moving) == 2 and not np.allclose(moving[0], initial[0])  # the stats did move
    for ema, own in zip(gan.ema_generator.non_trainable_variables, moving, strict=True):
        np.testing.assert_array_equal(ema.numpy(), own)


# --------------------------------------------------------------------------- turn-taking


def _linear_gan(update):
    """G: z (2) -> x (2) and D: x -> logit, both linear, with plain SGD and fixed noise."""
    keras.utils.set_random_seed(4)
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, use_bias=False)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, latent_dim=2, update=update)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
    z = tf.constant([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.3]])
    gan.sample_noise = lambda batch_size: z
    return gan, z


def _g_after_one_sgd_step(g_kernel, d_kernel, d_bias, z, lr=0.5):
    """G's kernel after one SGD step on the non-saturating loss against a given D."""
    g = tf.Variable(g_kernel)
    with tf.GradientTape() as tape:
        loss = losses.ns_g_loss(tf.matmul(tf.matmul(z, g), d_kernel) + d_bias)
    return g_kernel - lr * tape.gradient(loss, g).numpy()


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_generator_is_judged_by_the_updated_discriminator_only_when_alternating(update):
    gan, z = _linear_gan(update)
    g0, (d0_kernel, d0_bias) = gan.generator.get_weights()[0], gan.discriminator.get_weights()
    real = np.array([[2.0, 2.0], [1.5, 2.5], [2.5, 1.0]], "float32")
    gan.fit(tf.data.Dataset.from_tensors(real).repeat(), epochs=1, steps_per_epoch=1, verbose=0)
    d1_kernel, d1_bias = gan.discriminator.get_weights()
    assert not np.allclose(d1_kernel, d0_kernel)  # D has moved
    through_new_d = _g_after_one_sgd_step(g0, d1_kernel, d1_bias, z)
    through_old_d = _g_after_one_sgd_step(g0, d0_kernel, d0_bias, z)
    assert np.abs(through_new_d - through_old_d).max() > 1e-3  # the two rules differ here
    expected = through_new_d if update == "alternating" else through_old_d
    np.testing.assert_allclose(gan.generator.get_weights()[0], expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- loss terms


def _d_after_one_step(loss="wgan-gp", **kwargs):
    keras.utils.set_random_seed(5)
    generator, discriminator = toy.tiny_image_models(batch_norm=False)
    gan = GAN(generator, discriminator, latent_dim=4, loss=loss, seed=0, **kwargs)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
    real = next(iter(toy.image_dataset()))
    real_logits = discriminator(real).numpy()
    history = gan.fit(tf.data.Dataset.from_tensors(real).repeat(), epochs=1, steps_per_epoch=1,
                      verbose=0)
    return discriminator.get_weights(), history.history, real_logits


def test_gradient_penalty_changes_the_discriminator_update():
    without, logs_without, _ = _d_after_one_step(gp_weight=0.0)
    with_gp, logs, _ = _d_after_one_step(gp_weight=10.0)
    assert "d_gp" not in logs_without and logs["d_gp"][0] > 0
    assert logs["d_loss"][0] == pytest.approx(logs["d_gan"][0] + logs["d_gp"][0], rel=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(without, with_gp, strict=True))


def test_wgan_gp_is_wgan_with_the_penalty_at_ten_and_the_penalty_goes_with_any_loss():
    alias = GAN(*toy.tiny_image_models(), latent_dim=4, loss="wgan-gp")
    assert (alias.loss_name, alias.gp_weight) == ("wgan", 10.0)
    assert GAN(*toy.tiny_image_models(), latent_dim=4, loss="wgan-gp", gp_weight=5).gp_weight == 5
    assert GAN(*toy.tiny_image_models(), latent_dim=4, loss="wgan").gp_weight == 0.0
    plain, _, _ = _d_after_one_step(loss="ns")
    with_gp, logs, _ = _d_after_one_step(loss="ns", gp_weight=10.0)
    assert logs["d_gp"][0] > 0
    assert any(not np.allclose(a, b) for a, b in zip(plain, with_gp, strict=True))
    g, _ = toy.tiny_image_models()
    for penalty in ({"gp_weight": 10.0}, {"r1_gamma": 1.0}):  # no D: it would be ignored
        with pytest.raises(ValueError, match="there is no discriminator"):
            GAN(g, None, latent_dim=4, g_terms={"l1": lambda r, f, c: losses.l1(r, f)},
                **penalty)


def test_the_losses_of_both_players_are_public_and_add_up():
    keras.utils.set_random_seed(3)
    gan = GAN(*toy.tiny_image_models(batch_norm=False), latent_dim=4, loss="wgan-gp",
              d_terms={"drift": lambda real_logits, fake_logits: losses.drift(real_logits)})
    gan.compile()
    real = next(iter(toy.image_dataset()))
    fake = gan.generator(gan.sample_noise(len(real)))
    d_losses, fake_logits = gan.discriminator_losses(real, fake)
    assert set(d_losses) == {"d_loss", "d_gan", "d_gp", "d_drift", "d_real", "d_fake"}
    np.testing.assert_allclose(fake_logits, gan.discriminator(fake, training=True), rtol=1e-5)
    assert float(d_losses["d_loss"]) == pytest.approx(
        float(d_losses["d_gan"] + d_losses["d_gp"] + d_losses["d_drift"]), rel=1e-5)
    g_losses = gan.generator_losses(real, fake, fake_logits=fake_logits)
    assert float(g_losses["g_loss"]) == pytest.approx(-float(np.mean(fake_logits)), rel=1e-5)


def test_r1_penalty_changes_the_discriminator_update_with_any_loss():
    plain, logs_plain, _ = _d_after_one_step(loss="ns")
    with_r1, logs, _ = _d_after_one_step(loss="ns", r1_gamma=10.0)
    assert "d_r1" not in logs_plain and logs["d_r1"][0] > 0
    assert logs["d_loss"][0] == pytest.approx(logs["d_gan"][0] + logs["d_r1"][0], rel=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(plain, with_r1, strict=True))
    with pytest.raises(ValueError, match="r1_gamma=-1"):
        GAN(*toy.tiny_image_models(), latent_dim=4, r1_gamma=-1)


def test_an_extra_discriminator_term_changes_its_update_and_is_reported():
    plain, _, _ = _d_after_one_step(gp_weight=0.0)
    drifted, logs, real_logits = _d_after_one_step(
        gp_weight=0.0, d_terms={"drift": lambda real, fake: 0.5 * losses.drift(real)})
    assert logs["d_drift"][0] == pytest.approx(0.5 * np.mean(real_logits ** 2), rel=1e-4)
    assert logs["d_loss"][0] == pytest.approx(logs["d_gan"][0] + logs["d_drift"][0], rel=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(plain, drifted, strict=True))


def test_a_patchgan_logit_map_trains():
    keras.utils.set_random_seed(6)
    generator, _ = toy.tiny_image_models()
    discriminator = keras.Sequential([  # (8, 8, 1) -> a (4, 4, 1) map of logits
        keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2), keras.layers.Conv2D(1, 3, padding="same")])
    gan = GAN(generator, discriminator, latent_dim=4)
    gan.compile()
    d_before = [w.copy() for w in discriminator.get_weights()]
    history = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=4, verbose=0)
    assert discriminator.output_shape == (None, 4, 4, 1)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert 0 < history.history["d_fake"][-1] < 1
    assert any(not np.allclose(a, b) for a, b in zip(d_before, discriminator.get_weights(),
                                                     strict=True))


# --------------------------------------------------------------------------- five set-ups


def _image_to_image(in_channels=1, sees_condition=True):
    """G: condition image -> image; D: image (and condition, side by side) -> logit map."""
    x = keras.Input((8, 8, in_channels))
    generator = keras.Model(x, keras.layers.Conv2D(1, 3, padding="same", activation="tanh")(x))
    image = keras.Input((8, 8, 1))
    inputs = [image, keras.Input((8, 8, in_channels))] if sees_condition else [image]
    joined = keras.layers.Concatenate()(inputs) if sees_condition else image
    logits = keras.layers.Conv2D(1, 3, strides=2, padding="same")(joined)
    return generator, keras.Model(inputs if sees_condition else image, logits)


def _class_conditional(classes=3):
    """keras-io's conditioning: the label (embedded) beside z for G, as a map beside x for D."""
    z, y = keras.Input((4,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([z, keras.layers.Embedding(classes, 4)(y)])
    out = keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64, activation="tanh")(h))
    image, label = keras.Input((8, 8, 1)), keras.Input((), dtype="int32")
    label_map = keras.layers.Reshape((8, 8, 1))(keras.layers.Embedding(classes, 64)(label))
    joined = keras.layers.Flatten()(keras.layers.Concatenate()([image, label_map]))
    return (keras.Model([z, y], out), keras.Model([image, label], keras.layers.Dense(1)(joined)))


def _pairs(n=32, channels=1, labels=False):
    rng = np.random.default_rng(0)
    images = np.tanh(rng.normal(size=(n, 8, 8, 1))).astype("float32")
    condition = (rng.integers(0, 3, n).astype("int32") if labels
                 else np.tanh(rng.normal(size=(n, 8, 8, channels))).astype("float32"))
    return tf.data.Dataset.from_tensor_slices((images, condition)).repeat().batch(8)


def _setup(name):
    """(GAN, dataset, expected extra metrics) for each kind of GAN the course trains."""
    keras.utils.set_random_seed(7)
    if name == "unconditional":
        g, d = toy.tiny_image_models()
        return GAN(g, d, latent_dim=4), toy.image_dataset(), set()
    if name == "class-conditional":
        g, d = _class_conditional()
        return GAN(g, d, latent_dim=4), _pairs(labels=True), set()
    if name == "paired image-to-image":
        g, d = _image_to_image(in_channels=2)
        l1 = {"l1": lambda real, fake, condition: 100.0 * losses.l1(real, fake)}
        return GAN(g, d, latent_dim=None, g_terms=l1), _pairs(channels=2), {"g_gan", "g_l1"}
    if name == "conditional G, D on images":
        g, d = _image_to_image(sees_condition=False)
        keep = {"content": lambda real, fake, condition: losses.l1(condition, fake)}
        gan = GAN(g, d, latent_dim=None, g_terms=keep, discriminator_sees_condition=False)
        return gan, _pairs(), {"g_gan", "g_content"}
    g, d = toy.tiny_image_models(batch_norm=False)  # "wgan-gp with drift"
    drift = {"drift": lambda real, fake: 0.001 * losses.drift(real)}
    return (GAN(g, d, latent_dim=4, loss="wgan-gp", d_steps=2, d_terms=drift),
            toy.image_dataset(), {"d_gan", "d_gp", "d_drift"})


SETUPS = ["unconditional", "class-conditional", "paired image-to-image",
          "conditional G, D on images", "wgan-gp with drift"]


@pytest.mark.parametrize("name", SETUPS)
def test_each_kind_of_gan_trains_through_fit(name):
    gan, data, extra = _setup(name)
    gan.compile()
    before = [w.copy() for w in gan.generator.get_weights()]
    history = gan.fit(data, epochs=1, steps_per_epoch=3, verbose=0)
    assert gan.step == 3
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"} | extra
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.generator.get_weights(),
                                                     strict=True))


def test_generator_terms_add_up_to_the_generator_loss():
    gan, data, _ = _setup("paired image-to-image")
    gan.compile()
    logs = gan.fit(data, epochs=1, steps_per_epoch=1, verbose=0).history
    assert logs["g_l1"][0] > 1.0  # 100 x L1 of an untrained generator
    assert logs["g_loss"][0] == pytest.approx(logs["g_gan"][0] + logs["g_l1"][0], rel=1e-5)


def test_a_generator_without_noise_generates_from_the_condition():
    gan, _, _ = _setup("paired image-to-image")
    gan.compile()
    inputs = np.zeros((5, 8, 8, 2), "float32")
    assert gan.generate(condition=inputs, batch_size=2).shape == (5, 8, 8, 1)
    with pytest.raises(ValueError, match="condition"):
        gan.generate(n=3)
    images = tf.data.Dataset.from_tensor_slices(np.zeros((8, 8, 8, 1), "float32")).batch(4)
    with pytest.raises(ValueError, match="latent_dim=None"):
        gan.fit(images.repeat(), epochs=1, steps_per_epoch=1, verbose=0)


def test_without_a_discriminator_the_generator_minimises_its_terms_alone():
    """discriminator=None (lesson 3's L1-only baseline): one step = one optimizer step on the
    terms, exactly; only G's metrics are reported."""
    keras.utils.set_random_seed(3)
    generator, _ = _image_to_image()
    l1 = {"l1": lambda real, fake, condition: losses.l1(real, fake)}
    gan = GAN(generator, None, latent_dim=None, g_terms=l1)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.1))
    target, condition = next(iter(_pairs()))
    expected_model = keras.models.clone_model(generator)
    expected_model.set_weights(generator.get_weights())
    with tf.GradientTape() as tape:
        loss = losses.l1(target, expected_model(condition, training=True))
    grads = tape.gradient(loss, expected_model.trainable_variables)
    expected = [w - 0.1 * g.numpy() for w, g in
                zip(expected_model.get_weights(), grads, strict=True)]
    history = gan.fit(tf.data.Dataset.from_tensors((target, condition)).repeat(), epochs=1,
                      steps_per_epoch=1, verbose=0)
    assert set(history.history) == {"g_loss", "g_l1"}
    assert history.history["g_loss"][0] == pytest.approx(float(loss), rel=1e-5)
    for got, want in zip(generator.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert gan.run_settings()["discriminator"] is None
    with pytest.raises(ValueError, match="g_terms"):
        GAN(generator, None, latent_dim=None)


def test_a_generator_without_a_discriminator_checkpoints_and_resumes(tmp_path):
    from gan_course.callbacks import Checkpoint

    def run(steps):
        keras.utils.set_random_seed(3)
        generator, _ = _image_to_image()
        gan = GAN(generator, None, latent_dim=None,
                  g_terms={"l1": lambda real, fake, condition: losses.l1(real, fake)})
        gan.compile()
        gan.fit(_pairs(), epochs=steps, steps_per_epoch=1, verbose=0,
                callbacks=[Checkpoint(tmp_path, every_n_steps=1)])
        return gan

    first = run(2)
    resumed = run(3)
    assert resumed.step == 3
    assert first.step == 2


# --------------------------------------------------------------------------- run settings


def _settings(**kwargs):
    generator, discriminator = toy.tiny_image_models()
    options = {"latent_dim": 4, **kwargs}
    lr = options.pop("lr", 2e-4)
    gan = GAN(generator, discriminator, **options)
    gan.compile(g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan.run_settings()


def test_run_settings_name_what_a_run_belongs_to():
    base = _settings()
    assert base == _settings()  # rebuilt in the same session: new layer names, same settings
    assert _settings(loss="minimax")["loss"] == "minimax"
    assert _settings(lr=2e-3)["g_optimizer"]["learning_rate"] != base["g_optimizer"][
        "learning_rate"]
    assert _settings(ema_decay=0.99)["ema_decay"] == 0.99
    assert _settings(r1_gamma=0.1)["r1_gamma"] == 0.1
    assert "r1_gamma" not in base  # runs saved before R1 existed still resume
    wider = GAN(toy.mlp(4, 64, width=128), toy.mlp(64, 1), latent_dim=4)
    wider.compile()
    assert wider.run_settings()["generator"] != base["generator"]
    term = {"l1": lambda real, fake, condition: 100.0 * losses.l1(real, fake)}
    weaker = {"l1": lambda real, fake, condition: 10.0 * losses.l1(real, fake)}
    assert _settings(g_terms=term)["g_terms"] != _settings(g_terms=weaker)["g_terms"]
    assert _settings(g_terms=term)["g_terms"] == _settings(g_terms=dict(term))["g_terms"]


def test_run_settings_look_through_loss_scaling(float32_policy):
    plain = _settings()
    keras.mixed_precision.set_global_policy("mixed_float16")
    mixed = _settings()
    assert mixed == plain  # a GPU run with mixed precision can resume a CPU run


# --------------------------------------------------------------------------- term groups, augment


def test_a_group_of_terms_is_computed_once_and_tracked_part_by_part():
    calls = []

    def both(real, fake, condition):
        calls.append(1)  # traced once per step function, not once per part
        error = tf.abs(real - fake)
        return {"mean": tf.reduce_mean(error), "peak": 0.1 * tf.reduce_max(error)}

    gan, data, _ = _setup("paired image-to-image")
    gan = GAN(gan.generator, gan.discriminator, latent_dim=None,
              g_terms={"pixels": training.Terms(("mean", "peak"), both)})
    gan.compile()
    logs = gan.fit(data, epochs=1, steps_per_epoch=2, verbose=0).history
    assert {"g_mean", "g_peak", "g_gan"} <= set(logs) and "g_pixels" not in logs
    assert logs["g_loss"][0] == pytest.approx(logs["g_gan"][0] + logs["g_mean"][0]
                                              + logs["g_peak"][0], rel=1e-5)
    assert len(calls) == 1
    assert "Terms ['mean', 'peak']" in gan.run_settings()["g_terms"]["pixels"]


def test_term_groups_are_checked():
    gan, data, _ = _setup("paired image-to-image")
    wrong = training.Terms(("a", "b"), lambda real, fake, condition: {"a": tf.constant(0.0)})
    bad = GAN(gan.generator, gan.discriminator, latent_dim=None, g_terms={"x": wrong})
    bad.compile()
    with pytest.raises(ValueError, match="keys"):
        bad.fit(data, epochs=1, steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="repeat"):
        training.Terms(("a", "a"), lambda *args: {})
    with pytest.raises(ValueError, match="repeat"):
        GAN(gan.generator, gan.discriminator, latent_dim=None,
            g_terms={"a": lambda *args: 0.0, "g": training.Terms(("a",), lambda *args: {})})
    with pytest.raises(ValueError, match="core's own"):
        GAN(gan.generator, gan.discriminator, latent_dim=None,
            g_terms={"gan": lambda *args: 0.0})


def test_augment_is_applied_to_every_image_the_discriminator_sees():
    """An augmentation that blanks every image leaves D nothing to tell apart: equal scores
    for real and fake, and G gets no gradient from D, only from its terms."""
    seen = []

    def blank(images):
        seen.append(images.shape)
        return 0.0 * images

    keras.utils.set_random_seed(7)
    generator, discriminator = toy.tiny_image_models(batch_norm=False)
    gan = GAN(generator, discriminator, latent_dim=4, augment=blank, seed=0)
    gan.compile()
    g_before = [w.copy() for w in generator.get_weights()]
    logs = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0).history
    assert logs["d_real"][-1] == pytest.approx(logs["d_fake"][-1], abs=1e-6)
    assert len(seen) >= 3  # real and fake for D, fake for G
    for got, want in zip(generator.get_weights(), g_before, strict=True):
        np.testing.assert_allclose(got, want)  # D(blank) does not depend on G
    assert "blank" in gan.run_settings()["augment"]
    plain = GAN(*toy.tiny_image_models(batch_norm=False), latent_dim=4)
    plain.compile()
    assert plain.run_settings()["augment"] is None


def test_diff_augment_trains_and_its_settings_count():
    from gan_course.layers import DiffAugment

    keras.utils.set_random_seed(8)
    gan = GAN(*toy.tiny_image_models(), latent_dim=4, augment=DiffAugment(seed=0))
    gan.compile()
    before = [w.copy() for w in gan.generator.get_weights()]
    logs = gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=3, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in logs.values())
    assert any(not np.allclose(a, b) for a, b in zip(before, gan.generator.get_weights(),
                                                     strict=True))
    assert _settings(augment=DiffAugment(cutout=0.5))["augment"] != _settings(
        augment=DiffAugment(cutout=0.25))["augment"]


@pytest.mark.parametrize(("kwargs", "match"), [({"augment": "cutout"}, "function"),
                                               ({"discriminator": None}, "no discriminator")])
def test_bad_augment(kwargs, match):
    generator, discriminator = toy.tiny_image_models()
    options = {"discriminator": discriminator, "augment": lambda x: x,
               "g_terms": {"l1": lambda r, f, c: losses.l1(r, f)}, **kwargs}
    with pytest.raises(ValueError, match=match):
        GAN(generator, options.pop("discriminator"), latent_dim=4, **options)


@pytest.mark.parametrize("kwargs, match", [
    ({"latent_dim": -3}, r"latent_dim=-3: use a positive int"),
    ({"latent_dim": 8.0}, r"latent_dim=8\.0: use a positive int"),
    ({"latent_dim": (4, 0)}, r"latent_dim=\(4, 0\)"),
    ({"latent_dim": True}, r"latent_dim=True"),
    ({"d_steps": 2.5}, r"d_steps=2\.5 must be a whole number >= 1"),
    ({"d_steps": 0}, r"d_steps=0 must be a whole number >= 1"),
    ({"loss": "wgan-gp", "gp_weight": -1.0}, r"gp_weight=-1\.0 must be >= 0"),
    ({"loss": "wgan-gp", "gp_weight": float("nan")}, r"gp_weight=nan must be >= 0"),
])
def test_bad_gan_arguments_are_refused_with_the_fix(kwargs, match):
    g, d = toy.tiny_image_models()
    with pytest.raises(ValueError, match=match):
        GAN(g, d, **{"latent_dim": 4, **kwargs})


def test_models_that_do_not_fit_are_named_with_their_shapes_when_the_gan_is_built():
    g, _ = toy.tiny_image_models(size=8)
    _, d32 = toy.tiny_image_models(size=16)
    with pytest.raises(ValueError, match=r"The generator \(generator\) makes \(8, 8, 1\) images, "
                                         r"but the discriminator \(discriminator\) takes "
                                         r"\(16, 16, 1\)"):
        GAN(g, d32, latent_dim=4)
    with pytest.raises(ValueError, match=r"latent_dim gives noise of shape \(100,\), but the "
                                         r"generator \(generator\) takes \(4,\).*latent_dim=4"):
        GAN(g, toy.tiny_image_models()[1], latent_dim=100)
    # a conditional D takes [image, condition]: its first input is the image
    image, label = keras.Input((16, 16, 1)), keras.Input((3,))
    conditional = keras.Model([image, label], keras.layers.Dense(1)(keras.layers.Concatenate()(
        [keras.layers.Flatten()(image), label])), name="conditional_d")
    with pytest.raises(ValueError, match=r"takes \(16, 16, 1\) as its first input \(the image\)"):
        GAN(g, conditional, latent_dim=4)
    # unknown dimensions fit anything; models without static shapes are not checked
    flexible = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(1, 3)])
    GAN(g, flexible, latent_dim=4)
    GAN(toy.tiny_image_models()[0], keras.Sequential([keras.layers.Dense(1)]), latent_dim=4)


def test_generate_refuses_a_count_that_is_not_a_positive_whole_number():
    g, d = toy.tiny_image_models()
    gan = GAN(g, d, latent_dim=np.int64(4), d_steps=np.int64(1))  # NumPy ints are fine
    assert gan.generate(n=np.int64(3)).shape == (3, 8, 8, 1)
    for n in (0, -2, 2.0):
        with pytest.raises(ValueError, match=f"n={n!r} must be a whole number >= 1"):
            gan.generate(n=n)


@pytest.mark.parametrize("player", ["g", "d"])
def test_a_term_that_returns_per_sample_values_is_named_with_its_shape(player):
    g, d = toy.tiny_image_models()
    per_sample = {"per_sample": lambda a, b, *_: tf.reduce_mean(tf.abs(a - b), axis=[1, 2, 3])
                  if player == "g" else tf.reshape(a, [-1])}
    gan = GAN(g, d, latent_dim=4, **{f"{player}_terms": per_sample})
    gan.compile()
    with pytest.raises(ValueError, match=rf"The {player}_terms term 'per_sample' returned shape "
                                         r"\(8,\), not a scalar"):
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=1, verbose=0)


def test_a_pair_of_your_own_loss_functions_trains_like_the_named_loss():
    """Lesson 1's learner passes their own BCE pair: the same step as loss="ns", the same
    probabilities for D's scores, and settings that say the loss is not the named one."""
    def my_d_loss(real_logits, fake_logits):
        return losses.ns_d_loss(real_logits, fake_logits)

    def my_g_loss(fake_logits):
        return losses.ns_g_loss(fake_logits)

    named, named_logs, _ = _d_after_one_step(loss="ns")
    mine, my_logs, _ = _d_after_one_step(loss=(my_d_loss, my_g_loss))
    for a, b in zip(named, mine, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert my_logs["d_real"][0] == pytest.approx(named_logs["d_real"][0], rel=1e-5)
    custom = GAN(*toy.tiny_image_models(), latent_dim=4, loss=(my_d_loss, my_g_loss))
    custom.compile()
    assert custom.loss_name == "custom"
    assert "my_d_loss" in custom.run_settings()["loss"]["d_loss"]  # a checkpoint tells them apart
    with pytest.raises(ValueError, match=r"a pair \(d_loss, g_loss\)"):
        GAN(*toy.tiny_image_models(), latent_dim=4, loss=(my_d_loss,))


def test_gans_trained_one_after_another_print_no_retracing_warning(caplog):
    """A cell that trains several small GANs in a loop (an ablation) stays quiet: each GAN's
    compiled step traces once by design, so TensorFlow's retracing warning does not apply."""
    points = tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).normal(size=(64, 2)).astype("float32")).repeat().batch(8)
    with caplog.at_level("WARNING", logger="tensorflow"):
        for width in range(4, 12):  # eight GANs with different shapes, one after another
            gan = GAN(toy.mlp(2, 2, width=width), toy.mlp(2, 1, width=width), latent_dim=2)
            gan.compile(g_optimizer=_adam(), d_optimizer=_adam())
            gan.fit(points, epochs=1, steps_per_epoch=2, verbose=0)
    assert "retracing" not in caplog.text
    assert not logging.getLogger("tensorflow").filters  # the filter goes when fit() ends


def learners_step(generator, discriminator, g_optimizer, d_optimizer, real, z):
    """Lesson 1's "your turn" step, written as a learner would."""
    with tf.GradientTape() as tape:
        d_loss = losses.ns_d_loss(discriminator(real, training=True),
                                  discriminator(generator(z, training=True), training=True))
    grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables, strict=True))
    with tf.GradientTape() as tape:
        g_loss = losses.ns_g_loss(discriminator(generator(z, training=True), training=True))
    grads = tape.gradient(g_loss, generator.trainable_variables)
    g_optimizer.apply_gradients(zip(grads, generator.trainable_variables, strict=True))
    return d_loss, g_loss


def _ring_gan(custom_step=None, seed=3):
    keras.utils.set_random_seed(seed)
    gan = GAN(toy.mlp(2, 2, width=16), toy.mlp(2, 1, width=16), latent_dim=2, seed=seed,
              custom_step=custom_step, ema_decay=0.9)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05),
                jit_compile=False)
    return gan


def test_a_custom_step_trains_through_fit_exactly_as_the_core_does():
    """The learner's step enters through the core's hook: same weights, losses and scores
    after the same steps, and the EMA kept."""
    data = tf.data.Dataset.from_tensor_slices(toy.ring_of_gaussians(64)).repeat().batch(16)
    core, mine = _ring_gan(), _ring_gan(learners_step)
    core_log = core.fit(data, steps_per_epoch=3, epochs=1, verbose=0).history
    mine_log = mine.fit(data, steps_per_epoch=3, epochs=1, verbose=0).history
    assert mine.step == core.step == 3
    for a, b in zip(core.generator.get_weights() + core.discriminator.get_weights()
                    + core.ema_generator.get_weights(),
                    mine.generator.get_weights() + mine.discriminator.get_weights()
                    + mine.ema_generator.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert set(mine_log) == {"d_loss", "g_loss", "d_real", "d_fake"}
    np.testing.assert_allclose(mine_log["d_loss"], core_log["d_loss"], rtol=1e-5)
    np.testing.assert_allclose(mine_log["g_loss"], core_log["g_loss"], rtol=1e-5)
    assert 0.0 < mine_log["d_real"][0] < 1.0  # a probability: D's scores after the step
    assert mine.run_settings()["custom_step"] != core.run_settings().get("custom_step")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"custom_step": 3}, "must be a function"),
    ({"custom_step": learners_step, "d_steps": 2}, "d_steps=2"),
    ({"custom_step": learners_step, "r1_gamma": 1.0}, "r1_gamma=1.0"),
    ({"custom_step": learners_step, "update": "simultaneous"}, "update='simultaneous'"),
    ({"custom_step": learners_step, "latent_dim": None}, "give a discriminator and a latent"),
])
def test_a_custom_step_refuses_the_options_it_replaces(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GAN(toy.mlp(2, 2), toy.mlp(2, 1), **{"latent_dim": 2, **kwargs})


def test_a_custom_step_that_returns_no_losses_is_told_what_to_return():
    def no_losses(*args):
        learners_step(*args)

    gan = _ring_gan(no_losses)
    data = tf.data.Dataset.from_tensor_slices(toy.ring_of_gaussians(32)).repeat().batch(16)
    with pytest.raises(ValueError, match=r"must return \(d_loss, g_loss\)"):
        gan.fit(data, steps_per_epoch=1, epochs=1, verbose=0)
