"""Rebuild ``digits.npz`` from scikit-learn's copy of the UCI digits test set.

Usage::

    python -m neurolab.resources.make_digits [path/to/digits.csv.gz] [out.npz]

Without a path it reads ``sklearn/datasets/data/digits.csv.gz`` from an
installed scikit-learn (only needed to rebuild the file, never at run time).
Each line of the csv is 64 pixel counts (0..16, row-major 8×8) and the
digit (0..9).  The output holds ``images`` (1797, 8, 8) uint8 and ``labels``
(1797,) uint8, written with ``np.savez_compressed``; the script checks the
published class counts before writing.
"""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path

import numpy as np

#: Images per digit 0..9 in the UCI test set (optdigits.tes), from its description.
CLASS_COUNTS = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)


def parse(csv_gz: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` as uint8 arrays from the csv.gz, checked."""
    with gzip.open(csv_gz, "rt", encoding="ascii") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    if rows.shape != (1797, 65):
        raise ValueError(f"expected 1797 rows of 65 integers, got {rows.shape}")
    pixels, labels = rows[:, :64], rows[:, 64]
    if pixels.min() < 0 or pixels.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("pixels must be 0..16 and labels 0..9")
    counts = tuple(int(c) for c in np.bincount(labels, minlength=10))
    if counts != CLASS_COUNTS:
        raise ValueError(f"class counts {counts} differ from the published {CLASS_COUNTS}")
    return pixels.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.uint8)


def sklearn_csv() -> Path:
    import sklearn  # only for the path of its bundled data

    return Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"


def main(argv: list[str]) -> None:
    src = Path(argv[0]) if argv else sklearn_csv()
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("digits.npz")
    images, labels = parse(src)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez_compressed(tmp, images=images, labels=labels)
    os.replace(tmp, out)
    print(f"{out}: {images.shape[0]} images, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
