"""Shared test set-up: quick mode, offline data, and two virtual CPUs for distribution tests."""

import os

os.environ.setdefault("GAN_COURSE_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Split the CPU into two logical devices before TensorFlow initialises, so that a real
# MirroredStrategy can run with two replicas on a machine without GPUs.
_cpus = tf.config.list_physical_devices("CPU")
try:
    tf.config.set_logical_device_configuration(
        _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )
except RuntimeError:  # already initialised by an earlier import: distribution tests skip
    pass


def gpu_available() -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


def pytest_collection_modifyitems(config, items):
    if gpu_available():
        return
    skip = pytest.mark.skip(reason="needs a GPU (run `pytest -m gpu` on a machine with one)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private course cache, so tests never touch ~/.cache/gan_course."""
    monkeypatch.setenv("GAN_COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def write_image():
    """``write(path, pixels)``: save uint8 pixels (H, W[, 3]) as an image file at ``path`` (the
    format follows its suffix; missing folders are made) and return the path."""
    import numpy as np
    from PIL import Image

    def write(path, pixels):
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.asarray(pixels, np.uint8)).save(path)
        return path

    return write


@pytest.fixture
def float32_policy():
    """Restore the float32 Keras dtype policy after a test that changes it."""
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.fixture(scope="session")
def two_cpu_strategy():
    """One MirroredStrategy over the two virtual CPUs, shared by every test that needs one:
    two strategies over the same devices in one process clash on their collective keys."""
    from gan_course import hardware

    cpus = tf.config.list_logical_devices("CPU")
    if len(cpus) < 2:
        pytest.skip("TensorFlow was initialised before conftest could split the CPU")
    return hardware.make_strategy("mirrored", devices=[d.name for d in cpus[:2]])
