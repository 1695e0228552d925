"""ProGAN: shared layers across resolutions, the fade-in's continuity, training through the GAN
core, and the TF-Hub-style export loaded back with ``hub.load``."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_course import callbacks
from gan_course.layers import FadeIn
from gan_course.models import progan
from gan_course.training import GAN

LATENT = 8
CHANNELS = {4: 8, 8: 8, 16: 4}


def tiny_progan(seed=0, **kwargs):
    keras.utils.set_random_seed(seed)
    return progan.ProGAN(latent_dim=LATENT, channels=CHANNELS, **kwargs)


def _z(n=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, LATENT)).astype("float32")


def _signed_images(n=4, side=16, seed=1):
    return np.random.default_rng(seed).uniform(-1, 1, (n, side, side, 1)).astype("float32")


def _fades(model):
    return [layer for layer in model.layers if isinstance(layer, FadeIn)]


def _pool2(x):
    """numpy 2x2 average pooling."""
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def _up2(x):
    return np.repeat(np.repeat(np.asarray(x), 2, axis=1), 2, axis=2)


# --------------------------------------------------------------------------- architecture


@pytest.mark.parametrize("fade", [True, False])
def test_generator_and_discriminator_shapes_at_every_resolution(fade):
    model = tiny_progan()
    assert model.resolutions == [4, 8, 16]
    z = _z()
    for r in model.resolutions:
        generator, discriminator = model.generator(r, fade), model.discriminator(r, fade)
        assert generator.output_shape == (None, r, r, 1)
        assert discriminator.input_shape == (None, r, r, 1)
        images = generator(z)
        assert images.shape == (4, r, r, 1) and images.dtype == "float32"
        scores = discriminator(images)
        assert scores.shape == (4, 1) and np.all(np.isfinite(scores))
        # one FadeIn per network above 4x4 when fading, none otherwise
        assert len(_fades(generator)) == len(_fades(discriminator)) == int(fade and r > 4)


def test_colour_images_and_width():
    model = progan.ProGAN(latent_dim=LATENT, channels={4: 16, 8: 16}, width=0.5,
                          image_channels=3)
    assert model.channels == {4: 8, 8: 8}
    assert model.generator(8).output_shape == (None, 8, 8, 3)
    assert model.discriminator(8)(np.zeros((2, 8, 8, 3), "float32")).shape == (2, 1)


def test_resolutions_share_their_layers():
    model = tiny_progan()
    g8, g16 = model.generator(8, fade=False), model.generator(16)
    d8, d16 = model.discriminator(8, fade=False), model.discriminator(16)
    for small, big, names in [(g8, g16, ["g_dense_4", "g_conv_4", "g_conv_8_1", "to_rgb_8"]),
                              (d8, d16, ["from_rgb_8", "d_conv_8_2", "d_conv_4", "d_score"])]:
        for name in names:
            assert small.get_layer(name) is big.get_layer(name)
        big_variables = {id(v) for v in big.weights}
        assert all(id(v) in big_variables for v in small.weights)  # small is a part of big
        assert len(big.weights) > len(small.weights)
    # a weight set through the big model is seen by the small one
    z = _z()
    before = np.asarray(g8(z))
    stem = g16.get_layer("g_conv_4")
    stem.kernel.assign(stem.kernel * 2.0 + 0.1)
    assert np.abs(np.asarray(g8(z)) - before).max() > 1e-3
    x = _signed_images(side=8)
    before = np.asarray(d8(x))
    head = d16.get_layer("d_score")
    head.bias.assign(head.bias + 3.0)  # the score's bias: every score moves by 3
    np.testing.assert_allclose(d8(x), before + 3.0, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("resolution", [8, 16])
def test_generator_fade_at_alpha_0_is_the_smaller_generator_upsampled(resolution):
    model = tiny_progan()
    grown = model.generator(resolution)
    smaller = model.generator(resolution // 2, fade=False)
    z = _z()
    (fade,) = _fades(grown)
    assert float(fade.alpha.numpy()) == 0.0  # a new level starts at alpha 0
    np.testing.assert_allclose(grown(z), _up2(smaller(z)), rtol=1e-6, atol=1e-6)
    fade.alpha.assign(1.0)  # alpha 1: the new block alone, no longer blocky
    np.testing.assert_allclose(grown(z), model.generator(resolution, fade=False)(z),
                               rtol=1e-6, atol=1e-6)
    assert np.abs(np.asarray(grown(z)) - _up2(smaller(z))).max() > 1e-3


@pytest.mark.parametrize("resolution", [8, 16])
def test_discriminator_fade_at_alpha_0_scores_the_pooled_image(resolution):
    model = tiny_progan()
    grown = model.discriminator(resolution)
    smaller = model.discriminator(resolution // 2, fade=False)
    x = _signed_images(side=resolution)
    (fade,) = _fades(grown)
    assert float(fade.alpha.numpy()) == 0.0
    np.testing.assert_allclose(grown(x), smaller(_pool2(x)), rtol=1e-5, atol=1e-5)
    fade.alpha.assign(1.0)
    np.testing.assert_allclose(grown(x), model.discriminator(resolution, fade=False)(x),
                               rtol=1e-5, atol=1e-5)
    assert np.abs(np.asarray(grown(x)) - np.asarray(smaller(_pool2(x)))).max() > 1e-4


def test_bad_resolutions_and_channels_are_explained():
    model = tiny_progan()
    for build in (model.generator, model.discriminator):
        with pytest.raises(ValueError, match=r"resolution=32.*\[4, 8, 16\]"):
            build(32)
        with pytest.raises(ValueError, match=r"resolution=6"):
            build(6)
    for channels in ({4: 8, 16: 8}, {8: 8, 16: 8}, {4: 8, 8: 8, 12: 8}, {}):
        with pytest.raises(ValueError, match="4, 8, 16, ... doubling"):
            progan.ProGAN(latent_dim=LATENT, channels=channels)
    with pytest.raises(ValueError, match="latent_dim=0"):
        progan.ProGAN(latent_dim=0, channels=CHANNELS)
    with pytest.raises(ValueError, match="width=0"):
        progan.ProGAN(latent_dim=LATENT, channels=CHANNELS, width=0)


# --------------------------------------------------------------------------- data


def test_dataset_downscales_and_fades_the_reals_with_real_alpha():
    model = tiny_progan()
    images = np.random.default_rng(2).integers(0, 256, (8, 16, 16), dtype=np.uint8)
    signed = images[..., None].astype("float32") / 127.5 - 1.0
    pooled = {r: signed if r == 16 else _pool2(signed if r == 8 else _pool2(signed))
              for r in (4, 8, 16)}

    def matches(batch, candidates):  # each image of the batch is one of the candidates
        return all(np.abs(candidates - image).max(axis=(1, 2, 3)).min() < 1e-5
                   for image in np.asarray(batch))

    batches = iter(model.dataset(images, 8, batch_size=4))
    model.real_alpha.assign(1.0)
    batch = next(batches)
    assert batch.shape == (4, 8, 8, 1) and matches(batch, pooled[8])
    model.real_alpha.assign(0.0)  # read at every batch: this one is the 4x4 image, upsampled
    assert matches(next(batches), _up2(pooled[4]))
    model.real_alpha.assign(0.5)
    assert matches(next(batches), 0.5 * _up2(pooled[4]) + 0.5 * pooled[8])
    assert matches(next(iter(model.dataset(images, 4, 4))), pooled[4])  # no fade at 4x4
    with pytest.raises(ValueError, match=r"\(N, 16, 16, 1\).*pad_to_32"):
        model.dataset(images[:, :8, :8], 8, 4)


def test_fade_reals_downscale_and_upscale():
    x = np.random.default_rng(3).uniform(-1, 1, (2, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(progan.downscale(x, 2), _pool2(x), atol=1e-6)
    np.testing.assert_allclose(progan.downscale(x, 4), _pool2(_pool2(x)), atol=1e-6)
    np.testing.assert_array_equal(progan.upscale(x, 2), _up2(x))
    np.testing.assert_array_equal(progan.downscale(x, 1), x)
    np.testing.assert_array_equal(progan.upscale(x, 1), x)
    low = _up2(_pool2(x))
    np.testing.assert_allclose(progan.fade_reals(x, 0.0), low, atol=1e-6)
    np.testing.assert_allclose(progan.fade_reals(x, 1.0), x, atol=1e-6)
    np.testing.assert_allclose(progan.fade_reals(x, 0.25), 0.75 * low + 0.25 * x, atol=1e-6)
    np.testing.assert_allclose(progan.fade_reals(x, tf.Variable(0.0)), low, atol=1e-6)


def test_pad_to_32_and_crop_to_28_round_trip():
    x = np.random.default_rng(4).integers(1, 256, (3, 28, 28), dtype=np.uint8)  # no zeros
    padded = progan.pad_to_32(x)
    assert padded.shape == (3, 32, 32, 1) and padded.dtype == np.uint8
    inside = np.zeros((32, 32), bool)
    inside[2:30, 2:30] = True
    assert np.all(padded[:, ~inside] == 0) and np.all(padded[:, inside] > 0)  # black frame
    np.testing.assert_array_equal(progan.crop_to_28(padded), x[..., None])
    np.testing.assert_array_equal(progan.pad_to_32(x[..., None]), padded)
    with pytest.raises(TypeError, match="uint8"):
        progan.pad_to_32(x.astype("float32"))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\[, 1\]\)"):
        progan.pad_to_32(x[:, :27])
    with pytest.raises(ValueError, match=r"\(N, 28, 28\[, 1\]\)"):
        progan.pad_to_32(np.zeros((3, 28, 28, 3), np.uint8))


# --------------------------------------------------------------------------- training


def _recorder(variables, seen):
    """A callback appending the variables' values to ``seen`` before every step."""
    return keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: seen.append(
        [float(v.numpy()) for v in variables]))


def test_growing_trains_every_level_through_the_gan_core_with_a_fade_in():
    model = tiny_progan()
    images = np.random.default_rng(5).integers(0, 256, (16, 16, 16), dtype=np.uint8)
    for r in model.resolutions:
        gan = GAN(model.generator(r), model.discriminator(r), latent_dim=LATENT,
                  loss="wgan-gp", d_terms={"drift": progan.progan_drift}, ema_decay=0.999,
                  seed=0)
        gan.compile(g_optimizer=progan.progan_adam(), d_optimizer=progan.progan_adam())
        fades = _fades(gan.generator) + _fades(gan.discriminator) + _fades(gan.ema_generator)
        assert len(fades) == (3 if r > 4 else 0)
        # the shared stem, the newest block and its toRGB
        names = ["g_dense_4", f"to_rgb_{r}"] + ([f"g_conv_{r}_2"] if r > 4 else [])
        before = {name: gan.generator.get_layer(name).kernel.numpy().copy() for name in names}
        model.real_alpha.assign(0.3)  # not 0 or 1: the schedule must set it
        schedule = callbacks.FadeInSchedule(fade_steps=2, variables=[model.real_alpha])
        seen = []  # the alphas each step ran with, read after the schedule set them
        record = _recorder([model.real_alpha] + [f.alpha for f in fades[:2]], seen)
        history = gan.fit(model.dataset(images, r, 4), epochs=1, steps_per_epoch=3, verbose=0,
                          callbacks=[schedule, record])
        assert {"d_gp", "d_drift", "d_loss", "g_loss"} <= set(history.history)
        assert all(np.isfinite(v).all() for v in history.history.values())
        assert gan.step == 3
        assert schedule.history == [(0, 0.0), (1, 0.5), (2, 1.0)]
        assert seen == [[a] * (3 if r > 4 else 1) for a in (0.0, 0.5, 1.0)]
        assert all(float(f.alpha.numpy()) == 1.0 for f in fades)  # the EMA G's copy too
        assert float(model.real_alpha.numpy()) == 1.0
        for name in names:
            change = np.abs(gan.generator.get_layer(name).kernel.numpy() - before[name]).max()
            assert change > 0, (r, name)


# --------------------------------------------------------------------------- export and loading


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny 16x16 generator (fade half-way, brightened so some pixels clip) exported where
    load_progan looks for the course's model: (data dir, generator, exported folder)."""
    model = tiny_progan(seed=3)
    generator = model.generator(16)
    _fades(generator)[0].alpha.assign(0.5)
    to_rgb = generator.get_layer("to_rgb_16")
    to_rgb.kernel.assign(to_rgb.kernel * 3.0)
    folder = tmp_path_factory.mktemp("data") / progan.SHIPPED_PROGAN
    assert progan.export_generator(generator, folder, latent_dim=LATENT) == str(folder)
    return folder.parent, generator, folder


def _expected(generator, z):
    return np.repeat(np.clip((np.asarray(generator(z)) + 1.0) / 2.0, 0.0, 1.0), 3, axis=-1)


def test_exported_generator_loads_with_hub_and_gives_progan_128_outputs(exported, capsys):
    _, generator, folder = exported
    hub_generator, latent_dim = progan.load_progan(str(folder))
    assert latent_dim == hub_generator.latent_dim == LATENT
    assert isinstance(hub_generator, progan.HubGenerator)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"[gan_course] ProGAN: {folder}"]
    z = _z(5, seed=7)
    images = hub_generator(z)
    assert images.shape == (5, 16, 16, 3) and images.dtype == tf.float32
    images = images.numpy()
    assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(images, _expected(generator, z), atol=1e-5)
    assert 0 < np.mean((images == 0) | (images == 1)) < 0.9  # clipping was exercised
    np.testing.assert_allclose(hub_generator(tf.constant(z)), images, atol=1e-6)
    progan.load_progan(str(folder), verbose=False)
    assert capsys.readouterr().out == ""


def test_gradients_flow_through_the_hub_generator_to_a_variable(exported):
    _, _, folder = exported
    hub_generator, _ = progan.load_progan(str(folder), verbose=False)
    z = tf.Variable(_z(2, seed=8))
    target = tf.constant(_expected(exported[1], _z(2, seed=9)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(hub_generator(z) - target))
    grad = tape.gradient(loss, z)
    assert grad is not None and grad.shape == (2, LATENT)
    assert np.all(np.isfinite(grad.numpy())) and np.abs(grad.numpy()).max() > 0
    # a small step down the gradient lowers the loss: it is the loss's true gradient
    z.assign_sub(1e-2 * grad / tf.norm(grad))
    assert float(tf.reduce_mean(tf.square(hub_generator(z) - target))) < float(loss)


def test_hub_generator_refuses_latents_of_the_wrong_shape(exported):
    hub_generator, _ = progan.load_progan(str(exported[2]), verbose=False)
    for z in (np.zeros((2, LATENT + 1), "float32"), np.zeros(LATENT, "float32"),
              np.zeros((1, 2, LATENT), "float32")):
        with pytest.raises(ValueError, match=rf"\(N, {LATENT}\).*z\[None\]"):
            hub_generator(z)
    assert repr(hub_generator) == f"HubGenerator({str(exported[2])!r}, latent_dim={LATENT})"


def test_fashion_mnist_targets_are_padded_rgb_in_unit_range():
    x = np.random.default_rng(4).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    targets = progan.fashion_mnist_targets(x)
    assert targets.shape == (3, 32, 32, 3) and targets.dtype == np.float32
    np.testing.assert_allclose(progan.crop_to_28(targets)[..., 0], x / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(targets[..., 0], targets[..., 2])
    assert targets[:, :2].max() == 0  # the black frame


def test_auto_offline_loads_the_course_model_and_says_so_in_one_line(exported, monkeypatch,
                                                                   capsys):
    data_dir, generator, _ = exported
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(data_dir))
    hub_generator, latent_dim = progan.load_progan("auto")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("[gan_course] ProGAN:") and "GAN_COURSE_OFFLINE" in lines[0]
    assert latent_dim == LATENT
    z = _z(3, seed=11)
    np.testing.assert_allclose(hub_generator(z), _expected(generator, z), atol=1e-5)
    shipped, _ = progan.load_progan("shipped")
    assert "as asked" in capsys.readouterr().out
    np.testing.assert_allclose(shipped(z), _expected(generator, z), atol=1e-5)


def test_auto_offline_without_the_course_model_names_the_training_script(tmp_path, monkeypatch,
                                                                         capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setenv("GAN_COURSE_DATA_DIR", str(tmp_path))
    for handle in ("auto", "shipped"):
        with pytest.raises(FileNotFoundError, match=r"progan_fashion_mnist.*tools/train_progan"):
            progan.load_progan(handle)
    (tmp_path / progan.SHIPPED_PROGAN).mkdir()  # a folder without a saved_model.pb
    with pytest.raises(FileNotFoundError, match=r"tools/train_progan\.py"):
        progan.load_progan("auto")
    assert capsys.readouterr().out == ""  # no line claims a model was loaded


def test_the_shipped_record_says_how_many_images_each_level_saw():
    record = progan.shipped_record()
    shown = progan.images_shown(record)
    assert sorted(shown) == [4, 8, 16, 32]
    assert shown[32] == record["levels"]["32"]["steps"] * record["batch"] > 0
    assert {"fd", "recognised_classes"} <= set(record["quality"])
    assert progan.images_shown({"batch": 2, "levels": {"4": {"steps": 3}}}) == {4: 6}


# --------------------------------------------------------------------------- ProGAN fade-in


def test_fade_in_schedule_alpha_rises_linearly_to_one():
    schedule = progan.FadeInSchedule(fade_steps=10)
    assert schedule.alpha_at(0) == 0.0
    assert schedule.alpha_at(5) == pytest.approx(0.5)
    assert schedule.alpha_at(3) == pytest.approx(0.3)
    assert schedule.alpha_at(10) == 1.0 and schedule.alpha_at(25) == 1.0
    assert progan.FadeInSchedule(fade_steps=0).alpha_at(0) == 1.0  # no fade
    assert progan.FadeInSchedule(fade_steps=0).alpha_at(7) == 1.0
    with pytest.raises(ValueError, match="fade_steps=-1"):
        progan.FadeInSchedule(fade_steps=-1)


def test_a_learners_pixel_norm_and_minibatch_stddev_run_inside_the_models():
    """Lesson 5 builds its ProGAN with the learner's two functions once they pass: G and D
    must call them, and give the course's outputs when they are right."""
    from gan_course import layers

    calls = {"pixel_norm": 0, "minibatch_stddev": 0}

    def counted(name, function):
        def wrapper(*args):
            calls[name] += 1
            return function(*args)
        return wrapper

    mine = tiny_progan(pixel_norm=counted("pixel_norm", layers.pixel_norm),
                       minibatch_stddev=counted("minibatch_stddev", layers.minibatch_stddev))
    ours = tiny_progan()
    images = _signed_images()
    for resolution in (4, 16):
        pairs = [(mine.generator(resolution), ours.generator(resolution), _z()),
                 (mine.discriminator(resolution), ours.discriminator(resolution),
                  images[:, :resolution, :resolution])]
        for my_model, our_model, inputs in pairs:
            our_model.set_weights(my_model.get_weights())  # built lazily: same start
            np.testing.assert_allclose(my_model(inputs), our_model(inputs), rtol=1e-5,
                                       atol=1e-6)
    assert calls["pixel_norm"] >= 3 and calls["minibatch_stddev"] >= 2, calls
    broken = tiny_progan(pixel_norm=lambda x, eps: 2.0 * layers.pixel_norm(x, eps))
    wrong, right = broken.generator(4), ours.generator(4)
    wrong.set_weights(right.get_weights())
    assert not np.allclose(wrong(_z()), right(_z()))
    with pytest.raises(ValueError, match="pixel_norm=3 must be a function"):
        tiny_progan(pixel_norm=3)


def test_the_shipped_progan_rebuilt_in_keras_draws_what_its_saved_model_draws():
    model, generator = progan.shipped_keras_progan()
    hub, latent_dim = progan.load_progan("shipped", verbose=False)
    z = np.random.default_rng(0).standard_normal((4, latent_dim)).astype("float32")
    saved = np.asarray(hub(z))[..., 0]
    rebuilt = np.clip((generator(z, training=False).numpy()[..., 0] + 1.0) / 2.0, 0.0, 1.0)
    np.testing.assert_allclose(rebuilt, saved, atol=1e-5)
    head, tail = model.generator_parts(32)
    np.testing.assert_allclose(tail(head(z)).numpy(), generator(z).numpy(), atol=1e-5)
