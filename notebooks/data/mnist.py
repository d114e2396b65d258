"""MNIST-format IDX files made from scikit-learn's bundled digits (no download).

The upstream mnist example ingests the four raw IDX files of MNIST (train/test images and
labels). These have the same format (big-endian header: magic 2051 for images with count,
rows, columns; magic 2049 for labels with count; then unsigned bytes), holding the 1,797
8x8 digits of `sklearn.datasets.load_digits` scaled from 0..16 to 0..255, split at random.

    python notebooks/data/mnist.py OUT_DIR [--test-size F] [--seed S]
"""

from __future__ import annotations

import argparse
import struct
from pathlib import Path

import numpy as np

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
NAMES = ("train_images", "train_labels", "test_images", "test_labels")


def images_idx(images: np.ndarray) -> bytes:
    count, rows, columns = images.shape
    return struct.pack(">IIII", IMAGES_MAGIC, count, rows, columns) + \
        images.astype(np.uint8).tobytes()


def labels_idx(labels: np.ndarray) -> bytes:
    return struct.pack(">II", LABELS_MAGIC, len(labels)) + labels.astype(np.uint8).tobytes()


def generate(test_size: float = 0.25, seed: int = 0) -> dict[str, bytes]:
    """The four IDX files by name (train_images, train_labels, test_images, test_labels)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.clip(digits.images * 16, 0, 255).astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(images))
    cut = int(len(images) * (1 - test_size))
    train, test = order[:cut], order[cut:]
    return {
        "train_images": images_idx(images[train]), "train_labels": labels_idx(digits.target[train]),
        "test_images": images_idx(images[test]), "test_labels": labels_idx(digits.target[test]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--test-size", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in generate(args.test_size, args.seed).items():
        (out / f"mnist_{name}.idx").write_bytes(data)


if __name__ == "__main__":
    main()
