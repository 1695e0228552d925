import keras
import numpy as np
import pytest

from gan_course import data
from gan_course.models import conditional
from gan_course.training import GAN

WIDTH = 0.125


def _noise_and_labels(n=4, seed=0):
    rng = np.random.default_rng(seed)
    z = keras.ops.convert_to_tensor(rng.normal(size=(n, 100)).astype("float32"))
    return z, keras.ops.convert_to_tensor(np.arange(n) % 10)


def _images(n=4, seed=1):
    rng = np.random.default_rng(seed)
    return keras.ops.convert_to_tensor(rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32"))


@pytest.mark.parametrize("embedding", conditional.EMBEDDINGS)
def test_generator_makes_28x28_images_from_noise_and_labels(embedding):
    generator = conditional.build_conditional_generator(width=WIDTH, embedding=embedding)
    assert generator.output_shape == (None, 28, 28, 1)
    z, y = _noise_and_labels()
    images = generator([z, y])
    assert images.shape == (4, 28, 28, 1) and images.dtype == "float32"
    assert np.abs(np.asarray(images)).max() <= 1.0


@pytest.mark.parametrize("embedding", conditional.EMBEDDINGS)
def test_the_label_changes_the_generated_image(embedding):
    generator = conditional.build_conditional_generator(width=WIDTH, embedding=embedding)
    z, _ = _noise_and_labels(n=1)
    images = [np.asarray(generator([z, keras.ops.convert_to_tensor([k])])) for k in (0, 7)]
    assert np.abs(images[0] - images[1]).max() > 1e-4


@pytest.mark.parametrize("conditioning", conditional.CONDITIONINGS)
def test_discriminator_gives_one_float32_logit_per_sample(conditioning):
    discriminator = conditional.build_conditional_discriminator(width=WIDTH,
                                                               conditioning=conditioning)
    assert discriminator.output_shape == (None, 1)
    _, y = _noise_and_labels()
    logits = discriminator([_images(), y])
    assert logits.shape == (4, 1) and logits.dtype == "float32"


@pytest.mark.parametrize("conditioning", conditional.CONDITIONINGS)
def test_the_label_changes_the_discriminator_logit(conditioning):
    discriminator = conditional.build_conditional_discriminator(width=WIDTH,
                                                               conditioning=conditioning)
    x = _images(n=1)
    logits = [float(discriminator([x, keras.ops.convert_to_tensor([k])])[0, 0]) for k in (0, 7)]
    assert abs(logits[0] - logits[1]) > 1e-6


@pytest.mark.parametrize("conditioning", conditional.CONDITIONINGS)
def test_labels_may_be_int32_int64_flat_or_a_column(conditioning):
    discriminator = conditional.build_conditional_discriminator(width=WIDTH,
                                                               conditioning=conditioning)
    generator = conditional.build_conditional_generator(width=WIDTH)
    z, x, labels = *_noise_and_labels()[:1], _images(), np.array([3, 1, 4, 1])
    expected_d = np.asarray(discriminator([x, keras.ops.convert_to_tensor(labels)]))
    expected_g = np.asarray(generator([z, keras.ops.convert_to_tensor(labels)]))
    for form in (labels.astype("int32"), labels.astype("int64"), labels[:, None]):
        y = keras.ops.convert_to_tensor(form)
        np.testing.assert_allclose(discriminator([x, y]), expected_d, atol=1e-6)
        np.testing.assert_allclose(generator([z, y]), expected_g, atol=1e-6)


def test_projection_logit_is_psi_plus_the_class_vector_dot_the_features():
    discriminator = conditional.build_conditional_discriminator(width=WIDTH,
                                                               conditioning="projection")
    x, y = _images(n=3), np.array([0, 4, 9])
    phi = keras.Model(discriminator.inputs[0], discriminator.get_layer("phi").output)
    features = np.asarray(phi(x, training=False), dtype="float64")
    psi = discriminator.get_layer("psi")
    class_vectors = np.asarray(discriminator.get_layer("class_embedding").embeddings)
    assert class_vectors.shape == (10, features.shape[1])

    logits = np.asarray(discriminator([x, keras.ops.convert_to_tensor(y)]))[:, 0]
    kernel, bias = (np.asarray(w, dtype="float64") for w in psi.get_weights())
    unconditional = features @ kernel[:, 0] + bias[0]
    projection = (class_vectors[y] * features).sum(axis=1)
    np.testing.assert_allclose(logits, unconditional + projection, rtol=1e-4, atol=1e-5)

    psi.set_weights([np.zeros_like(w) for w in psi.get_weights()])  # psi = 0: only y^T V phi
    logits = np.asarray(discriminator([x, keras.ops.convert_to_tensor(y)]))[:, 0]
    np.testing.assert_allclose(logits, projection, rtol=1e-4, atol=1e-5)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="embedding"):
        conditional.build_conditional_generator(embedding="one-hot")
    with pytest.raises(ValueError, match="conditioning"):
        conditional.build_conditional_discriminator(conditioning="projected")


@pytest.mark.parametrize("conditioning", conditional.CONDITIONINGS)
def test_the_gan_core_trains_a_conditional_gan(conditioning):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (32, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 32)
    dataset = data.gan_dataset(images, 8, labels=labels)
    generator = conditional.build_conditional_generator(width=WIDTH)
    discriminator = conditional.build_conditional_discriminator(width=WIDTH,
                                                               conditioning=conditioning)
    gan = GAN(generator, discriminator, latent_dim=100, ema_decay=0.9, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    before = [w.copy() for w in discriminator.get_weights()]
    history = gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
    assert gan.step == 2
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(not np.allclose(a, b) for a, b in zip(before, discriminator.get_weights(),
                                                     strict=True))
    samples = gan.generate(n=3, condition=np.array([0, 5, 9]))
    assert samples.shape == (3, 28, 28, 1) and samples.dtype == np.float32


@pytest.mark.parametrize("conditioning", conditional.CONDITIONINGS)
def test_outputs_stay_float32_under_mixed_precision(conditioning, float32_policy):
    keras.mixed_precision.set_global_policy("mixed_float16")
    generator = conditional.build_conditional_generator(width=WIDTH, embedding="learned")
    discriminator = conditional.build_conditional_discriminator(width=WIDTH,
                                                               conditioning=conditioning)
    z, y = _noise_and_labels()
    images = generator([z, y])
    assert images.dtype == "float32"
    assert discriminator([images, y]).dtype == "float32"


def test_the_shipped_conditional_gan_follows_its_label(capsys):
    generator, record = conditional.shipped_conditional_generator()
    assert "Shipped conditional GAN (projection discriminator)" in capsys.readouterr().out
    z = np.random.default_rng(0).standard_normal((4, record["latent_dim"])).astype("float32")
    images = np.asarray(generator([z, np.arange(4, dtype="int32")], training=False))
    assert images.shape == (4, 28, 28, 1)
    trained, untrained = (record["scores"][k] for k in ("trained (EMA generator)",
                                                        "untrained generator"))
    assert trained["conditional_accuracy"] > 0.8 > untrained["conditional_accuracy"]
    assert trained["fd"] < untrained["fd"]


def test_a_conditional_generator_record_must_say_how_to_rebuild_it(tmp_path):
    generator = conditional.build_conditional_generator(width=0.25)
    with pytest.raises(ValueError, match="embedding"):
        conditional.save_conditional_generator(tmp_path / "g.npz", generator,
                                               {"latent_dim": 100, "width": 0.25})


def test_projection_logit_is_what_the_projection_discriminator_computes():
    """The pure head of lesson 3's exercise equals the built model's logit, from its weights."""
    d = conditional.build_conditional_discriminator(width=0.25, conditioning="projection",
                                                    dropout=0.0)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (5, 28, 28, 1)).astype("float32")
    labels = np.array([0, 3, 9, 3, 7], "int32")
    phi = keras.Model(d.inputs[0], d.get_layer("psi").input)(images)
    psi_kernel, psi_bias = d.get_layer("psi").get_weights()
    (class_vectors,) = d.get_layer("class_embedding").get_weights()
    # the embedding must not be all zeros for this test to say anything
    class_vectors = rng.normal(size=class_vectors.shape).astype("float32")
    d.get_layer("class_embedding").set_weights([class_vectors])
    want = np.asarray(d([images, labels]))
    got = np.asarray(conditional.projection_logit(phi, labels, psi_kernel, psi_bias,
                                                  class_vectors))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert got.shape == (5, 1)
