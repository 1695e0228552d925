import json
import logging
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
import toy

from gan_course import export
from gan_course.models.conditional import build_conditional_generator
from gan_course.training import GAN


def _trained_gan(ema_decay=0.9):
    keras.utils.set_random_seed(3)
    generator, discriminator = toy.tiny_image_models()
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=ema_decay, seed=3)
    gan.compile()
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=4, verbose=0)
    return gan


def test_round_trip_gives_the_same_images_from_both_files(tmp_path):
    gan = _trained_gan()
    logger, seen = tf.get_logger(), []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    level = logger.level
    logger.setLevel("INFO")  # as in a notebook's kernel
    logger.addHandler(handler)
    try:
        folder = gan.export_generator(tmp_path / "g")
    finally:
        logger.setLevel(level)
        logger.removeHandler(handler)
    assert seen == []  # no "INFO:tensorflow:Assets written to: <a temporary folder>"
    z = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    expected = gan.generate(z)
    # the EMA generator is the one exported, and it differs from G after training
    assert not np.allclose(expected, gan.generate(z, ema=False), atol=1e-6)
    reloaded = keras.saving.load_model(folder / export.KERAS_FILE)
    np.testing.assert_allclose(reloaded(z, training=False).numpy(), expected, atol=1e-5)
    served = tf.saved_model.load(str(folder / export.SAVED_MODEL))
    np.testing.assert_allclose(served.serve(z).numpy(), expected, atol=1e-5)
    signature = served.signatures["serving_default"]
    (out,) = signature(**{export.input_specs(gan.ema_generator)[0].name: tf.constant(z)}).values()
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)
    record = json.loads((folder / export.MANIFEST).read_text())
    assert record["ema"] is True and record["step"] == 4 and record["latent_shape"] == [4]
    assert record["output_shape"] == [None, 8, 8, 1]
    assert record["output_range"] == [-1.0, 1.0]  # the tiny G ends in tanh
    assert record["inputs"][0]["shape"] == [None, 4]
    gan.generator.output_range = (0, 255)  # declared on G, the EMA copy's twin
    declared = json.loads((gan.export_generator(tmp_path / "g2") / export.MANIFEST).read_text())
    assert declared["output_range"] == [0.0, 255.0]
    linear = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    assert json.loads((export.export_generator(linear, tmp_path / "g3") / export.MANIFEST)
                      .read_text())["output_range"] is None


def test_without_ema_exports_the_generator_itself(tmp_path):
    gan = _trained_gan(ema_decay=None)
    folder = gan.export_generator(tmp_path / "g")
    z = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    reloaded = keras.saving.load_model(folder / export.KERAS_FILE)
    np.testing.assert_allclose(reloaded(z, training=False).numpy(), gan.generate(z), atol=1e-5)
    assert json.loads((folder / export.MANIFEST).read_text())["ema"] is False


def test_a_conditional_generator_takes_both_inputs_by_name(tmp_path):
    keras.utils.set_random_seed(0)
    generator = build_conditional_generator(latent_dim=8, width=0.125)
    folder = export.export_generator(generator, tmp_path / "cgan")
    z = np.random.default_rng(2).normal(size=(4, 8)).astype("float32")
    labels = np.array([0, 3, 7, 9], "int32")
    expected = generator([z, labels], training=False).numpy()
    served = tf.saved_model.load(str(folder / export.SAVED_MODEL))
    np.testing.assert_allclose(served.serve(z, labels).numpy(), expected, atol=1e-5)
    names = [s["name"] for s in json.loads((folder / export.MANIFEST).read_text())["inputs"]]
    assert len(names) == 2
    outputs = served.signatures["serving_default"](
        **{names[0]: tf.constant(z), names[1]: tf.constant(labels)})
    np.testing.assert_allclose(next(iter(outputs.values())).numpy(), expected, atol=1e-5)


def test_files_load_in_a_python_without_the_course(tmp_path):
    gan = _trained_gan()
    folder = gan.export_generator(tmp_path / "g")
    z = np.random.default_rng(4).normal(size=(2, 4)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    np.save(tmp_path / "expected.npy", gan.generate(z))
    script = textwrap.dedent(f"""
        import sys
        import numpy as np, keras, tensorflow as tf
        z = np.load({str(tmp_path / "z.npy")!r})
        expected = np.load({str(tmp_path / "expected.npy")!r})
        g = keras.saving.load_model({str(folder / "generator.keras")!r})
        sm = tf.saved_model.load({str(folder / "saved_model")!r})
        assert "gan_course" not in sys.modules
        print(float(np.abs(g(z, training=False).numpy() - expected).max()),
              float(np.abs(sm.serve(z).numpy() - expected).max()))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    keras_error, saved_model_error = map(float, done.stdout.split()[-2:])
    assert keras_error < 1e-5 and saved_model_error < 1e-5


def test_a_new_export_replaces_the_old_only_when_complete(tmp_path, monkeypatch):
    gan = _trained_gan()
    folder = gan.export_generator(tmp_path / "g")
    before = (folder / export.MANIFEST).read_text()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_saved_model", broken)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)
    with pytest.raises(OSError, match="disk full"):
        gan.export_generator(folder)
    assert (folder / export.MANIFEST).read_text() == before  # the old export is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]  # no half-written folder left
    monkeypatch.undo()
    gan.export_generator(folder)
    assert json.loads((folder / export.MANIFEST).read_text())["step"] == 6


def test_refuses_a_folder_that_is_not_an_export_and_a_keras_path(tmp_path):
    gan = _trained_gan()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not an exported generator"):
        gan.export_generator(tmp_path / "notes")
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"
    with pytest.raises(ValueError, match="writes a folder"):
        gan.export_generator(tmp_path / "g.keras")


def test_a_model_without_inputs_needs_a_latent_shape():
    class Bare(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="latent_shape"):
        export.input_specs(Bare())
    (spec,) = export.input_specs(Bare(), latent_shape=(6,))
    assert tuple(spec.shape) == (None, 6)
