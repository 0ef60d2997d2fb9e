"""Data sets for the learning tabs: toy problems, the 8×8 digits, the user's own files.

Everything here is numpy only and seeded: the same parameters give the same
arrays on every machine.

Generated sets
    1-D regression on x ∈ [−1, 1] (:data:`X_RANGE`): :func:`sine` sin(πx),
    :func:`abs_` |x|, :func:`step` H(x) (0 for x < 0, 1 for x ≥ 0) and
    :func:`cubic` x³; ``t = f(x) + noise·ε`` with ε ~ N(0, 1).  Each returns
    ``(x, t, target)`` with x and t of shape (n, 1) and ``target`` the
    noiseless f for plotting.

    2-D classification (:func:`xor`, :func:`circles`, :func:`moons`,
    :func:`spirals`, :func:`blobs`) returns ``(x, labels)``: x of shape
    (n, 2) in about [−1.5, 1.5]², labels int64 class indices.  The n points
    are shared out as evenly as possible between the classes and shuffled;
    ``noise`` is the standard deviation of Gaussian jitter added to the
    noiseless points (for blobs and XOR clusters, the cluster width).  The
    noiseless points are drawn first from the seed's generator and the
    jitter last, so ``noise = 0`` with the same seed gives exactly the
    points that the noisy set was jittered from.

The digits
    The 1797 8×8 images of handwritten digits (the UCI test set, via
    scikit-learn; see ``neurolab/resources/README.md``) ship inside the
    package as ``digits.npz`` (uint8 pixel counts 0–16).  :func:`digits`
    flattens each image row-major to 64 values and divides by 16, so pixels
    are in [0, 1] (SPEC §6, W4).  Nothing is downloaded.

Files on disk
    :func:`load_csv` / :func:`read_csv` read a table of numeric features and
    one label column; :func:`load_idx` / :func:`read_idx` read MNIST-format
    IDX files (optionally gzipped).  Problems are ``ValueError``\\ s that name
    the file, line and column.

Splits and the registry
    :func:`split_indices` makes seeded, stratified train / validation / test
    index sets; :func:`make_dataset` wraps arrays and a split into a
    :class:`Dataset`.  :data:`DATASETS` maps a name to a :class:`DatasetSpec`
    (a :class:`~neurolab.core.params.ParamSet` whose declared parameters a
    panel turns into sliders); :func:`load` builds one by name.

Augmentation
    :func:`jitter` (Gaussian input noise), :func:`translate` /
    :func:`shift_images` (whole-pixel shifts with zero fill) and
    :func:`pixel_noise` (clipped to [0, 1]) return new arrays and draw from
    the ``numpy.random.Generator`` they are given, so a trainer can call
    them per mini-batch; :class:`Augmentation` declares their settings.
"""

from __future__ import annotations

import csv
import gzip
import math
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from neurolab.core.params import Choice, Param, ParamError, ParamSet

__all__ = [
    "X_RANGE",
    "DIGITS_CLASS_COUNTS",
    "Samples1D",
    "Samples2D",
    "Dataset",
    "Table",
    "sine",
    "abs_",
    "step",
    "cubic",
    "xor",
    "circles",
    "moons",
    "spirals",
    "blobs",
    "digits_raw",
    "digits",
    "one_hot",
    "split_indices",
    "make_dataset",
    "read_csv",
    "load_csv",
    "read_idx",
    "load_idx",
    "jitter",
    "translate",
    "shift_images",
    "pixel_noise",
    "Augmentation",
    "DatasetSpec",
    "DATASETS",
    "make_spec",
    "load",
]

#: x range of the 1-D regression sets.
X_RANGE: tuple[float, float] = (-1.0, 1.0)

#: Images per digit 0…9 in the shipped digits set (the UCI ``optdigits.tes``).
DIGITS_CLASS_COUNTS: tuple[int, ...] = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)

PathArg = str | PathLike[str]


# --------------------------------------------------------------------------
# Small helpers


def _check_n(n: int, minimum: int = 1) -> int:
    if isinstance(n, bool) or int(n) != n or n < minimum:
        raise ValueError(f"n must be a whole number ≥ {minimum} (got {n!r})")
    return int(n)


def _check_std(value: float, what: str = "noise") -> float:
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{what} must be a finite standard deviation ≥ 0 (got {value})")
    return value


def _class_sizes(n: int, k: int) -> np.ndarray:
    """n shared between k classes as evenly as possible (earlier classes get the extra)."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _finish(
    rng: np.random.Generator, clean: np.ndarray, labels: np.ndarray, noise: float
) -> Samples2D:
    """Shuffle the noiseless points, then jitter them (the jitter is drawn last)."""
    order = rng.permutation(len(labels))
    x = clean[order]
    x = x + noise * rng.standard_normal(x.shape)
    return Samples2D(x, labels[order].astype(np.int64))


# --------------------------------------------------------------------------
# 1-D regression


class Samples1D(NamedTuple):
    """A generated 1-D regression set."""

    x: np.ndarray  #: inputs, shape (n, 1), sorted ascending
    t: np.ndarray  #: noisy targets, shape (n, 1)
    target: Callable[[np.ndarray], np.ndarray]  #: the noiseless f, elementwise


def _f_sine(x: np.ndarray) -> np.ndarray:
    return np.sin(np.pi * np.asarray(x, dtype=float))


def _f_abs(x: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(x, dtype=float))


def _f_step(x: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(x, dtype=float) >= 0.0, 1.0, 0.0)


def _f_cubic(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float) ** 3


def _regression(f: Callable, n: int, noise: float, seed: int) -> Samples1D:
    n = _check_n(n)
    noise = _check_std(noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(X_RANGE[0], X_RANGE[1], size=n)).reshape(n, 1)
    t = f(x) + noise * rng.standard_normal((n, 1))
    return Samples1D(x, t, f)


def sine(n: int = 100, noise: float = 0.1, seed: int = 0) -> Samples1D:
    """t = sin(πx) + noise·ε for n points x ~ U(−1, 1) (one period)."""
    return _regression(_f_sine, n, noise, seed)


def abs_(n: int = 100, noise: float = 0.1, seed: int = 0) -> Samples1D:
    """t = |x| + noise·ε for n points x ~ U(−1, 1) (a kink at 0)."""
    return _regression(_f_abs, n, noise, seed)


def step(n: int = 100, noise: float = 0.1, seed: int = 0) -> Samples1D:
    """t = H(x) + noise·ε for n points x ~ U(−1, 1); H is 0 below 0 and 1 from 0 on."""
    return _regression(_f_step, n, noise, seed)


def cubic(n: int = 100, noise: float = 0.1, seed: int = 0) -> Samples1D:
    """t = x³ + noise·ε for n points x ~ U(−1, 1)."""
    return _regression(_f_cubic, n, noise, seed)


# --------------------------------------------------------------------------
# 2-D classification


class Samples2D(NamedTuple):
    """A generated 2-D classification set."""

    x: np.ndarray  #: points, shape (n, 2), float64
    labels: np.ndarray  #: class indices, shape (n,), int64


#: XOR cluster centres; the label is xor(x > 0, y > 0).
_XOR_CENTRES = np.array([[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]])


def xor(n: int = 200, noise: float = 0.2, seed: int = 0, layout: str = "clusters") -> Samples2D:
    """XOR: class 1 where exactly one coordinate is positive (of the noiseless point).

    layout "clusters": four Gaussian clusters centred on (±0.5, ±0.5), n/4
    points each; the noiseless points are the centres, so ``noise`` is the
    cluster width.  layout "quadrants": points uniform in the four quadrants
    of the square (−1, 1]², n/4 per quadrant, then jittered by ``noise``
    (points near an axis can cross it).  Classes have n/2 points each.
    """
    n = _check_n(n, 4)
    noise = _check_std(noise)
    rng = np.random.default_rng(seed)
    quadrant = np.repeat(np.arange(4), _class_sizes(n, 4))
    if layout == "clusters":
        clean = _XOR_CENTRES[quadrant].copy()
    elif layout == "quadrants":
        signs = np.sign(_XOR_CENTRES[quadrant])
        clean = signs * (1.0 - rng.random((n, 2)))  # magnitudes in (0, 1]: never on an axis
    else:
        raise ValueError(f"layout must be 'clusters' or 'quadrants' (got {layout!r})")
    labels = ((clean[:, 0] > 0) ^ (clean[:, 1] > 0)).astype(np.int64)
    return _finish(rng, clean, labels, noise)


def circles(n: int = 200, noise: float = 0.05, seed: int = 0, factor: float = 0.5) -> Samples2D:
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor``.

    Angles are uniform on [0, 2π); the classes have n/2 points each.
    """
    n = _check_n(n, 2)
    noise = _check_std(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius) must be between 0 and 1 (got {factor})")
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(2), _class_sizes(n, 2))
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radius = np.where(labels == 0, 1.0, float(factor))
    clean = radius[:, None] * np.column_stack((np.cos(angle), np.sin(angle)))
    return _finish(rng, clean, labels, noise)


#: Centres of the two moons' unit circles (class 0 is the upper half of the first).
_MOON_CENTRES = np.array([[-0.5, -0.25], [0.5, 0.25]])


def moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> Samples2D:
    """Two interleaved half circles of radius 1.

    Class 0: (−0.5, −0.25) + (cos a, sin a); class 1: (0.5, 0.25) − (cos a, sin a),
    a ~ U(0, π) — the classic two moons, centred on the origin.
    """
    n = _check_n(n, 2)
    noise = _check_std(noise)
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(2), _class_sizes(n, 2))
    a = rng.uniform(0.0, np.pi, size=n)
    unit = np.column_stack((np.cos(a), np.sin(a)))
    sign = np.where(labels == 0, 1.0, -1.0)[:, None]
    clean = _MOON_CENTRES[labels] + sign * unit
    return _finish(rng, clean, labels, noise)


#: Radius range of the spiral arms.
SPIRAL_R = (0.1, 1.0)


def spirals(
    n: int = 300, noise: float = 0.05, seed: int = 0, arms: int = 2, turns: float = 1.5
) -> Samples2D:
    """Interleaved spiral arms, one class per arm.

    Arm j: for u ~ U(0, 1), radius r = 0.1 + 0.9·u and angle
    θ = 2π·turns·u + 2πj/arms, point r·(cos θ, sin θ).  ``arms`` is 2–5.
    """
    n = _check_n(n, 2)
    noise = _check_std(noise)
    if isinstance(arms, bool) or int(arms) != arms or not 2 <= arms <= 5:
        raise ValueError(f"arms must be a whole number from 2 to 5 (got {arms!r})")
    arms = int(arms)
    if not (math.isfinite(turns) and turns > 0):
        raise ValueError(f"turns must be > 0 (got {turns})")
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(arms), _class_sizes(n, arms))
    u = rng.random(n)
    r = SPIRAL_R[0] + (SPIRAL_R[1] - SPIRAL_R[0]) * u
    theta = 2.0 * np.pi * (turns * u + labels / arms)
    clean = r[:, None] * np.column_stack((np.cos(theta), np.sin(theta)))
    return _finish(rng, clean, labels, noise)


def blob_centres(classes: int) -> np.ndarray:
    """Centres of :func:`blobs`: on the unit circle at angles π/2 + 2πj/classes."""
    angle = np.pi / 2 + 2.0 * np.pi * np.arange(classes) / classes
    return np.column_stack((np.cos(angle), np.sin(angle)))


def blobs(n: int = 200, noise: float = 0.3, seed: int = 0, classes: int = 3) -> Samples2D:
    """Gaussian blobs of width ``noise`` around :func:`blob_centres` (2–5 classes)."""
    if isinstance(classes, bool) or int(classes) != classes or not 2 <= classes <= 5:
        raise ValueError(f"classes must be a whole number from 2 to 5 (got {classes!r})")
    classes = int(classes)
    n = _check_n(n, classes)
    noise = _check_std(noise)
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), _class_sizes(n, classes))
    clean = blob_centres(classes)[labels]
    return _finish(rng, clean, labels, noise)


def _as_labels(labels: Any, n_classes: int | None = None) -> np.ndarray:
    """``labels`` as int64 class indices, checked: 1-D, whole numbers, in [0, n_classes)."""
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of class indices (got shape {arr.shape})")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr))):
            raise ValueError("labels must be whole-number class indices")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"labels must be ≥ 0 (got {arr.min()})")
    if arr.size and n_classes is not None and arr.max() >= n_classes:
        raise ValueError(f"labels must be below n_classes = {n_classes} (got {arr.max()})")
    return arr


def one_hot(labels: Any, n_classes: int | None = None) -> np.ndarray:
    """Rows of the identity: shape (n, n_classes) float64 with a 1 at each label.

    ``n_classes`` defaults to max(labels) + 1.  Labels must be whole numbers
    in [0, n_classes).
    """
    arr = _as_labels(labels, n_classes)
    k = int(arr.max()) + 1 if n_classes is None and arr.size else int(n_classes or 0)
    out = np.zeros((arr.size, k))
    out[np.arange(arr.size), arr] = 1.0
    return out


# --------------------------------------------------------------------------
# The digits


@lru_cache(maxsize=1)
def digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The shipped digits: ``(images, labels)``, uint8, shapes (1797, 8, 8) and (1797,).

    Pixels are counts 0–16.  The arrays are read-only (they are cached).
    """
    ref = resources.files("neurolab.resources").joinpath("digits.npz")
    with ref.open("rb") as f, np.load(f, allow_pickle=False) as npz:
        images = np.array(npz["images"])
        labels = np.array(npz["labels"])
    if images.shape != (1797, 8, 8) or labels.shape != (1797,):
        raise ValueError(f"digits.npz is damaged: shapes {images.shape}, {labels.shape}")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits as ``(x, labels)``, ready for a network.

    x: (1797, 64) float64, each image row-major with pixels in [0, 1]
    (counts / 16); labels: (1797,) int64 digits 0–9.
    """
    images, labels = digits_raw()
    return images.reshape(len(images), 64) / 16.0, labels.astype(np.int64)


# --------------------------------------------------------------------------
# Data set container and splits


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A data set split into training, validation and test parts.

    Inputs are rows: ``x_*`` has shape (n, n_inputs), float.  For
    ``kind == "classification"`` targets ``t_*`` are int64 class indices of
    shape (n,) (use :func:`one_hot` for a softmax output); for
    ``"regression"`` they are floats of shape (n, n_outputs).  A part may be
    empty (n = 0) but keeps its column count.
    """

    name: str
    kind: str  #: "regression" or "classification"
    x_train: np.ndarray
    t_train: np.ndarray
    x_val: np.ndarray
    t_val: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray
    n_classes: int | None = None  #: classification only
    class_names: tuple[str, ...] = ()  #: one per class, classification only
    image_shape: tuple[int, int] | None = None  #: (rows, cols) of each flattened image
    feature_names: tuple[str, ...] = ()  #: one per input column
    target_fn: Callable[[np.ndarray], np.ndarray] | None = None  #: noiseless f (1-D sets)
    x_range: tuple[float, float] | None = None  #: input range of the 1-D sets
    params: dict[str, Any] = field(default_factory=dict)  #: values it was built from

    def __post_init__(self) -> None:
        if self.kind not in ("regression", "classification"):
            raise ValueError(f"kind must be 'regression' or 'classification' (got {self.kind!r})")
        xs = (self.x_train, self.x_val, self.x_test)
        ts = (self.t_train, self.t_val, self.t_test)
        if any(x.ndim != 2 for x in xs) or len({x.shape[1] for x in xs}) != 1:
            raise ValueError("x_train, x_val and x_test must be 2-D with the same column count")
        for part, x, t in zip(("train", "val", "test"), xs, ts, strict=True):
            if len(x) != len(t):
                raise ValueError(f"x_{part} has {len(x)} rows but t_{part} has {len(t)}")
        if self.kind == "classification":
            k = self.n_classes
            if k is None or k < 1 or len(self.class_names) != k:
                raise ValueError("a classification set needs n_classes and one name per class")
            for t in ts:
                if t.ndim != 1 or not np.issubdtype(t.dtype, np.integer):
                    raise ValueError("classification targets must be 1-D integer class indices")
                if t.size and (t.min() < 0 or t.max() >= k):
                    raise ValueError(f"class indices must be in [0, {k})")
        elif any(t.ndim != 2 for t in ts) or len({t.shape[1] for t in ts}) != 1:
            raise ValueError("regression targets must be 2-D with the same column count")
        if self.image_shape is not None:
            rows, cols = self.image_shape
            if rows * cols != self.n_inputs:
                raise ValueError(
                    f"image_shape {self.image_shape} does not fit {self.n_inputs} inputs"
                )
        if self.feature_names and len(self.feature_names) != self.n_inputs:
            raise ValueError("feature_names needs one name per input column")

    @property
    def n_inputs(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_outputs(self) -> int:
        """Output units a network needs: n_classes, or the target columns of a regression."""
        if self.kind == "classification":
            return int(self.n_classes or 0)
        return int(self.t_train.shape[1])

    @property
    def sizes(self) -> tuple[int, int, int]:
        """Rows in (train, validation, test)."""
        return len(self.x_train), len(self.x_val), len(self.x_test)

    @property
    def x_all(self) -> np.ndarray:
        """Every input, train then validation then test (e.g. to plot the whole set)."""
        return np.concatenate((self.x_train, self.x_val, self.x_test))

    @property
    def t_all(self) -> np.ndarray:
        return np.concatenate((self.t_train, self.t_val, self.t_test))

    def __repr__(self) -> str:
        what = f"{self.n_classes} classes" if self.kind == "classification" else "regression"
        tr, va, te = self.sizes
        return (
            f"Dataset({self.name!r}, {what}, {self.n_inputs} inputs, "
            f"train/val/test = {tr}/{va}/{te})"
        )


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    for what, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not (math.isfinite(f) and 0.0 <= f < 1.0):
            raise ValueError(f"{what} must be in [0, 1) (got {f})")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave data to train on "
            f"(got {val_fraction} + {test_fraction})"
        )


def split_indices(
    n_or_labels: int | np.ndarray,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded ``(train, val, test)`` index arrays that partition range(n).

    The test part has round(test_fraction·n) rows and the validation part
    round(val_fraction·n).  Given an array of class labels instead of n, the
    split is stratified: every part holds each class in proportion to its
    share of the whole, to within one sample per class (samples are ranked
    within their class in random order, and the parts are cut from the
    ranks sorted by within-class quantile).

    Raises
    ------
    ValueError
        Fractions outside [0, 1), or nothing left to train on.
    """
    _check_fractions(val_fraction, test_fraction)
    if isinstance(n_or_labels, int | np.integer):
        n = _check_n(int(n_or_labels), 1)
        labels = np.zeros(n, dtype=np.int64)
    else:
        labels = np.asarray(n_or_labels).reshape(-1)
        n = len(labels)
        if n == 0:
            raise ValueError("cannot split an empty data set")
    n_test = round(test_fraction * n)
    n_val = round(val_fraction * n)
    if n - n_test - n_val < 1:
        raise ValueError(
            f"{n} samples leave none to train on with val_fraction={val_fraction} "
            f"and test_fraction={test_fraction}"
        )
    rng = np.random.default_rng([int(seed), 0x5EED])
    perm = rng.permutation(n)
    _, inverse, counts = np.unique(labels[perm], return_inverse=True, return_counts=True)
    # Rank of each (permuted) sample within its class, 0 … count−1.
    by_class = np.argsort(inverse, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank[by_class] = np.arange(n) - np.repeat(starts, counts)
    quantile = (rank + 0.5) / counts[inverse]
    order = perm[np.lexsort((rng.random(n), quantile))]
    test = order[:n_test]
    val = order[n_test : n_test + n_val]
    train = order[n_test + n_val :]
    return train, val, test


def make_dataset(
    x: np.ndarray,
    t: np.ndarray,
    *,
    name: str,
    kind: str,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    stratify: bool = True,
    n_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    image_shape: tuple[int, int] | None = None,
    feature_names: Sequence[str] | None = None,
    target_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    x_range: tuple[float, float] | None = None,
    params: dict[str, Any] | None = None,
) -> Dataset:
    """Split arrays into a :class:`Dataset` with :func:`split_indices`.

    ``x``: (n, d) inputs (a 1-D x is taken as one column; a float dtype is
    kept, anything else becomes float64).  ``t``: class
    indices (n,) for ``kind="classification"`` (stratified unless
    ``stratify=False``; ``n_classes`` defaults to max + 1 and
    ``class_names`` to "0", "1", …), or targets (n,) / (n, m) for
    ``"regression"``.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"x must be (n, d) (got shape {x.shape})")
    if kind == "classification":
        t = _as_labels(t, n_classes)
        if n_classes is None:
            n_classes = int(t.max()) + 1 if t.size else 0
        if class_names is None:
            class_names = [str(i) for i in range(n_classes)]
        strata: int | np.ndarray = t if stratify else len(t)
    elif kind == "regression":
        t = np.asarray(t, dtype=float)
        if t.ndim == 1:
            t = t[:, None]
        strata = len(t)
    else:
        raise ValueError(f"kind must be 'regression' or 'classification' (got {kind!r})")
    if len(x) != len(t):
        raise ValueError(f"x has {len(x)} rows but t has {len(t)}")
    tr, va, te = split_indices(strata, val_fraction, test_fraction, seed)
    return Dataset(
        name=name,
        kind=kind,
        x_train=x[tr],
        t_train=t[tr],
        x_val=x[va],
        t_val=t[va],
        x_test=x[te],
        t_test=t[te],
        n_classes=n_classes if kind == "classification" else None,
        class_names=tuple(class_names) if kind == "classification" else (),
        image_shape=tuple(image_shape) if image_shape is not None else None,  # type: ignore[arg-type]
        feature_names=tuple(feature_names) if feature_names is not None else (),
        target_fn=target_fn,
        x_range=x_range,
        params=dict(params or {}),
    )


# --------------------------------------------------------------------------
# CSV files


@dataclass(frozen=True, eq=False)
class Table:
    """What :func:`read_csv` found in a file."""

    x: np.ndarray  #: features, (n, d) float64
    t: np.ndarray  #: int64 class indices (n,) or float targets (n, 1)
    kind: str  #: "classification" or "regression"
    class_names: tuple[str, ...]  #: label text of each class index (classification)
    feature_names: tuple[str, ...]
    label_name: str


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sniff_delimiter(line: str) -> str | None:
    for d in (",", ";", "\t"):
        if d in line:
            return d
    return None  # runs of whitespace


def _fmt_label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def read_csv(
    path: PathArg,
    *,
    label_column: int | str = -1,
    header: bool | None = None,
    delimiter: str | None = None,
    kind: str = "auto",
) -> Table:
    """Read numeric features and one label column from a text table.

    Parameters
    ----------
    path
        A UTF-8 text file.  Blank lines and lines starting with ``#`` are skipped.
    label_column
        The label's column: an index (0-based, negative counts from the end;
        default the last) or, with a header row, its name.
    header
        Whether the first row holds column names; ``None`` guesses: it does
        if none of its feature fields is a number.
    delimiter
        ``","``, ``";"``, ``"\\t"``…; ``None`` takes the first of those found
        in the first row, else runs of whitespace.
    kind
        ``"classification"``: labels (text or numbers) become class indices
        0…k−1 in sorted order, their text kept in ``class_names``.
        ``"regression"``: labels must be numbers, t has shape (n, 1).
        ``"auto"``: regression if every label is a number and one is not a
        whole number, else classification.

    Raises
    ------
    ValueError
        An empty file, rows of different lengths, a feature that is not a
        finite number, an unknown label column…; the message names the file,
        the line (1-based, as an editor counts) and the column.
    """
    if kind not in ("auto", "classification", "regression"):
        raise ValueError(f"kind must be 'auto', 'classification' or 'regression' (got {kind!r})")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{p}: not a UTF-8 text file ({err.reason} at byte {err.start})") from None
    lines = [
        (i + 1, line)
        for i, line in enumerate(text.splitlines())
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ValueError(f"{p}: the file is empty (no rows of data)")
    delim = delimiter if delimiter is not None else _sniff_delimiter(lines[0][1])

    def fields(line: str) -> list[str]:
        if delim is None:
            return line.split()
        return [s.strip() for s in next(csv.reader([line], delimiter=delim))]

    rows = [(no, fields(line)) for no, line in lines]
    first_no, first = rows[0]
    ncols = len(first)
    if ncols < 2:
        raise ValueError(
            f"{p}, line {first_no}: found {ncols} column; need at least one feature "
            f"and a label (is the delimiter {delim or 'whitespace'!r} right?)"
        )
    if isinstance(label_column, str):
        if header is False:
            raise ValueError(f"{p}: label column {label_column!r} given by name but header=False")
        header = True
        names = first
        if label_column not in names:
            raise ValueError(
                f"{p}, line {first_no}: no column named {label_column!r} "
                f"(columns: {', '.join(names)})"
            )
        li = names.index(label_column)
    else:
        if isinstance(label_column, bool) or int(label_column) != label_column:
            raise ValueError(f"label_column must be a column index or name (got {label_column!r})")
        li = int(label_column) + ncols if label_column < 0 else int(label_column)
        if not 0 <= li < ncols:
            raise ValueError(
                f"{p}: label column {label_column} is out of range for {ncols} columns"
            )
    feat_cols = [j for j in range(ncols) if j != li]
    if header is None:
        header = not any(_is_number(first[j]) for j in feat_cols)
    if header:
        col_names = [s or f"column {j + 1}" for j, s in enumerate(first)]
        rows = rows[1:]
    else:
        col_names = [f"x{k + 1}" for k in range(ncols - 1)]
        col_names.insert(li, "label")
    if not rows:
        raise ValueError(f"{p}: no rows of data after the header on line {first_no}")

    def where(no: int, j: int) -> str:
        name = f" ({col_names[j]!r})" if header else ""
        return f"{p}, line {no}, column {j + 1}{name}"

    for no, row in rows:
        if len(row) != ncols:
            raise ValueError(
                f"{p}, line {no}: {len(row)} columns, expected {ncols} like line {first_no}"
            )
    feats = [[row[j] for j in feat_cols] for _, row in rows]
    try:
        x = np.array(feats, dtype=float)
        ok = bool(np.isfinite(x).all())
    except ValueError:
        ok = False
    if not ok:
        for no, row in rows:
            for j in feat_cols:
                if not _is_number(row[j]):
                    raise ValueError(f"{where(no, j)}: {row[j]!r} is not a number")
                if not math.isfinite(float(row[j])):
                    raise ValueError(f"{where(no, j)}: {row[j]!r} is not a finite number")
        raise ValueError(f"{p}: the features are not all finite numbers")
    labels = [row[li] for _, row in rows]
    for no, row in rows:
        if row[li] == "":
            raise ValueError(f"{where(no, li)}: the label is empty")
    numeric = [_is_number(s) and math.isfinite(float(s)) for s in labels]
    if kind == "regression" and not all(numeric):
        no, row = rows[numeric.index(False)]
        raise ValueError(f"{where(no, li)}: label {row[li]!r} is not a finite number")
    if kind == "auto":
        kind = (
            "regression"
            if all(numeric) and not all(float(s).is_integer() for s in labels)
            else "classification"
        )
    feature_names = tuple(col_names[j] for j in feat_cols)
    label_name = col_names[li]
    if kind == "regression":
        t = np.array([float(s) for s in labels])[:, None]
        return Table(x, t, kind, (), feature_names, label_name)
    if all(numeric):
        values = np.array([float(s) for s in labels])
        uniq, t = np.unique(values, return_inverse=True)
        names = tuple(_fmt_label(v) for v in uniq)
    else:
        uniq_s, t = np.unique(np.array(labels, dtype=str), return_inverse=True)
        names = tuple(str(s) for s in uniq_s)
    return Table(
        x, t.astype(np.int64).reshape(-1), "classification", names, feature_names, label_name
    )


def load_csv(
    path: PathArg,
    *,
    label_column: int | str = -1,
    header: bool | None = None,
    delimiter: str | None = None,
    kind: str = "auto",
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    image_shape: tuple[int, int] | None = None,
    name: str | None = None,
) -> Dataset:
    """:func:`read_csv`, then a seeded (stratified for classes) split into a :class:`Dataset`."""
    table = read_csv(path, label_column=label_column, header=header, delimiter=delimiter, kind=kind)
    classes = table.kind == "classification"
    return make_dataset(
        table.x,
        table.t,
        name=name or Path(path).stem,
        kind=table.kind,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        seed=seed,
        n_classes=len(table.class_names) if classes else None,
        class_names=table.class_names if classes else None,
        image_shape=image_shape,
        feature_names=table.feature_names,
        params={"path": str(path), "label_column": label_column, "seed": seed},
    )


# --------------------------------------------------------------------------
# IDX (MNIST) files

#: IDX element types: code → big-endian numpy dtype.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_IMAGES_MAGIC = 0x00000803  # 2051: unsigned bytes, 3 dimensions (n, rows, cols)
IDX_LABELS_MAGIC = 0x00000801  # 2049: unsigned bytes, 1 dimension (n,)


def _read_idx(path: PathArg) -> tuple[int, np.ndarray]:
    p = Path(path)
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{p}: damaged gzip file ({err})") from None
    if len(raw) < 4:
        raise ValueError(f"{p}: {len(raw)} bytes is too short for an IDX header")
    magic = struct.unpack(">I", raw[:4])[0]
    code, ndim = raw[2], raw[3]
    if raw[0] != 0 or raw[1] != 0 or code not in _IDX_TYPES or ndim == 0:
        raise ValueError(
            f"{p}: not an IDX file: magic number 0x{magic:08X} (expected 0x0000TTNN with "
            f"type TT in {', '.join(f'{c:02X}' for c in _IDX_TYPES)} and NN ≥ 1 dimensions; "
            f"MNIST images are 0x{IDX_IMAGES_MAGIC:08X}, labels 0x{IDX_LABELS_MAGIC:08X})"
        )
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise ValueError(f"{p}: the header is cut short ({ndim} dimension sizes announced)")
    dims = struct.unpack(f">{ndim}I", raw[4:start])
    dtype = np.dtype(_IDX_TYPES[code])
    count = math.prod(dims)
    need, have = count * dtype.itemsize, len(raw) - start
    if have < need:
        raise ValueError(
            f"{p}: truncated: dimensions {dims} need {need} bytes of data, the file has {have}"
        )
    if have > need:
        raise ValueError(
            f"{p}: {have - need} unexpected bytes after the {need} bytes of data "
            f"for dimensions {dims}"
        )
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=start).reshape(dims)
    return magic, arr.astype(dtype.newbyteorder("="))


def read_idx(path: PathArg) -> np.ndarray:
    """The array in an IDX file (gzipped or not), in native byte order.

    Raises
    ------
    ValueError
        A wrong magic number, a header or data that is cut short, or extra bytes.
    """
    return _read_idx(path)[1]


def _expect(path: PathArg, magic: int, want: int, what: str) -> None:
    if magic != want:
        raise ValueError(
            f"{path}: magic number 0x{magic:08X} ({magic}), expected 0x{want:08X} ({want}) "
            f"for {what}"
        )


def _read_pair(images: PathArg, labels: PathArg) -> tuple[np.ndarray, np.ndarray]:
    magic, img = _read_idx(images)
    _expect(images, magic, IDX_IMAGES_MAGIC, "IDX images (idx3-ubyte)")
    magic, lab = _read_idx(labels)
    _expect(labels, magic, IDX_LABELS_MAGIC, "IDX labels (idx1-ubyte)")
    if len(img) != len(lab):
        raise ValueError(f"{images} holds {len(img)} images but {labels} holds {len(lab)} labels")
    if len(img) == 0:
        raise ValueError(f"{images} holds no images")
    return img, lab


def load_idx(
    images: PathArg,
    labels: PathArg,
    *,
    test_images: PathArg | None = None,
    test_labels: PathArg | None = None,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 0,
    dtype: Any = np.float64,
    name: str | None = None,
) -> Dataset:
    """MNIST-format images (``*-idx3-ubyte``) and labels (``*-idx1-ubyte``) as a :class:`Dataset`.

    Files may be gzipped (detected from their first bytes).  Pixels are
    divided by 255 into [0, 1] and flattened row-major; ``image_shape`` is
    (rows, cols).  With ``test_images`` and ``test_labels`` those files are
    the test part and only the validation part is split off the first pair
    (``test_fraction`` is not used); otherwise validation and test parts are
    both split off, stratified by class.  Classes are 0…max label.  Memory:
    60 000 MNIST images take 376 MB as float64, half as ``dtype=np.float32``.
    """
    img, lab = _read_pair(images, labels)
    shape = tuple(int(s) for s in img.shape[1:])
    if (test_images is None) != (test_labels is None):
        raise ValueError("give both test_images and test_labels, or neither")
    extra: tuple[np.ndarray, np.ndarray] | None = None
    if test_images is not None and test_labels is not None:
        extra = _read_pair(test_images, test_labels)
        if extra[0].shape[1:] != img.shape[1:]:
            raise ValueError(
                f"{test_images} has {extra[0].shape[1:]} images, {images} has {img.shape[1:]}"
            )
    n_classes = int(max(lab.max(), extra[1].max() if extra else 0)) + 1

    def flat(a: np.ndarray) -> np.ndarray:
        return (a.reshape(len(a), -1) / 255.0).astype(dtype)

    x, t = flat(img), lab.astype(np.int64)
    split = make_dataset(
        x,
        t,
        name=name or Path(images).name.split(".")[0],
        kind="classification",
        val_fraction=val_fraction,
        test_fraction=0.0 if extra else test_fraction,
        seed=seed,
        n_classes=n_classes,
        image_shape=shape,  # type: ignore[arg-type]
        params={"images": str(images), "labels": str(labels), "seed": seed},
    )
    if extra is None:
        return split
    return replace(split, x_test=flat(extra[0]), t_test=extra[1].astype(np.int64))


# --------------------------------------------------------------------------
# Augmentation


def jitter(x: np.ndarray, std: float, rng: np.random.Generator | int | None) -> np.ndarray:
    """x + Gaussian noise of standard deviation ``std`` on every entry (a new array)."""
    std = _check_std(std, "std")
    rng = np.random.default_rng(rng)
    x = np.asarray(x, dtype=float)
    return x + std * rng.standard_normal(x.shape)


def _as_images(x: np.ndarray, image_shape: tuple[int, int] | None) -> np.ndarray:
    x = np.asarray(x)
    if image_shape is None:
        if x.ndim != 3:
            raise ValueError("give image_shape for flattened images, or an (n, rows, cols) array")
        return x
    rows, cols = image_shape
    if x.shape[-1] != rows * cols and x.shape[-2:] != (rows, cols):
        raise ValueError(f"x of shape {x.shape} does not hold {rows}×{cols} images")
    return x.reshape(-1, rows, cols)


def translate(
    x: np.ndarray,
    dy: int | np.ndarray,
    dx: int | np.ndarray,
    image_shape: tuple[int, int] | None = None,
) -> np.ndarray:
    """Images moved by whole pixels, with zeros shifted in (no wrap-around).

    ``out[y, x] = in[y − dy, x − dx]``: positive dy moves content down,
    positive dx to the right.  ``x`` is (n, rows, cols), or (n, rows·cols) /
    (rows·cols,) flattened row-major with ``image_shape``; the result has
    x's shape.  ``dy`` and ``dx`` are one shift for all or one per image.
    """
    x = np.asarray(x)
    imgs = _as_images(x, image_shape)
    n, rows, cols = imgs.shape
    dy = np.broadcast_to(np.asarray(dy), (n,)).astype(np.int64)
    dx = np.broadcast_to(np.asarray(dx), (n,)).astype(np.int64)
    m = int(max(np.abs(dy).max(initial=0), np.abs(dx).max(initial=0)))
    if m >= max(rows, cols):
        m = max(rows, cols)  # everything shifted out: all zeros
        dy, dx = np.clip(dy, -m, m), np.clip(dx, -m, m)
    padded = np.pad(imgs, ((0, 0), (m, m), (m, m)))
    ry = np.arange(rows)[None, :] - dy[:, None] + m
    rx = np.arange(cols)[None, :] - dx[:, None] + m
    out = padded[np.arange(n)[:, None, None], ry[:, :, None], rx[:, None, :]]
    return out.reshape(x.shape)


def shift_images(
    x: np.ndarray,
    image_shape: tuple[int, int] | None,
    rng: np.random.Generator | int | None,
    max_shift: int = 1,
) -> np.ndarray:
    """Each image moved by its own random (dy, dx), each uniform in −max_shift…max_shift.

    Zero fill, no wrap-around (:func:`translate`); a new array of x's shape.
    """
    if isinstance(max_shift, bool) or int(max_shift) != max_shift or max_shift < 0:
        raise ValueError(f"max_shift must be a whole number ≥ 0 (got {max_shift!r})")
    rng = np.random.default_rng(rng)
    n = len(_as_images(x, image_shape))
    d = rng.integers(-int(max_shift), int(max_shift) + 1, size=(2, n))
    return translate(x, d[0], d[1], image_shape)


def pixel_noise(x: np.ndarray, std: float, rng: np.random.Generator | int | None) -> np.ndarray:
    """Pixels in [0, 1] plus Gaussian noise of standard deviation ``std``, clipped to [0, 1]."""
    return np.clip(jitter(x, std, rng), 0.0, 1.0)


class Augmentation(ParamSet):
    """Per-mini-batch augmentation settings (notes §11); all off by default.

    :meth:`apply` jitters inputs of sets without images, and shifts then
    adds pixel noise to images.
    """

    jitter = Param(0.0, 0.0, 1.0, 0.01, "", "Std of Gaussian noise added to each input (no images)")
    max_shift = Param(
        0,
        0,
        2,
        1,
        "px",
        "Largest random shift of an image, zero fill",
        integer=True,
        label="max shift",
    )
    pixel_noise = Param(
        0.0,
        0.0,
        0.5,
        0.01,
        "",
        "Std of Gaussian noise on image pixels, clipped to [0, 1]",
        label="pixel noise",
    )

    @property
    def active(self) -> bool:
        return bool(self.jitter or self.max_shift or self.pixel_noise)

    def apply(
        self,
        x: np.ndarray,
        rng: np.random.Generator,
        image_shape: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """An augmented copy of the batch ``x`` (x itself when nothing is switched on)."""
        if image_shape is None:
            return jitter(x, self.jitter, rng) if self.jitter else x
        if self.max_shift:
            x = shift_images(x, image_shape, rng, self.max_shift)
        if self.pixel_noise:
            x = pixel_noise(x, self.pixel_noise, rng)
        return x


# --------------------------------------------------------------------------
# Registry


def _n(default: int) -> Param:
    return Param(default, 10, 5000, 10, "", "Number of points", integer=True, label="points")


def _noise(default: float, doc: str) -> Param:
    return Param(default, 0.0, 1.0, 0.01, "", doc)


def _seed() -> Param:
    return Param(
        0,
        0,
        2**31 - 1,
        1,
        "",
        "Random seed; the same seed gives the same data and split",
        integer=True,
    )


def _val(default: float = 0.2) -> Param:
    return Param(
        default,
        0.0,
        0.5,
        0.05,
        "",
        "Fraction held out for validation",
        label="validation fraction",
    )


def _test(default: float = 0.2) -> Param:
    return Param(
        default, 0.0, 0.5, 0.05, "", "Fraction held out for testing", label="test fraction"
    )


class DatasetSpec(ParamSet):
    """A named data set and its declared parameters; :meth:`build` makes the :class:`Dataset`.

    Subclasses set ``name`` (registry key), ``label``, ``kind`` and implement
    ``_build``; every one declares ``seed``, ``val_fraction`` and
    ``test_fraction``.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    kind: ClassVar[str] = ""

    def check(self) -> None:
        """Raise :class:`ParamError` if the values cannot be used together."""
        v, t = self.val_fraction, self.test_fraction  # type: ignore[attr-defined]
        if v + t > 0.9:
            raise ParamError(
                f"val_fraction + test_fraction must be at most 0.9 to leave data to "
                f"train on (got {v:g} + {t:g})"
            )

    def build(self) -> Dataset:
        self.check()
        return self._build()

    def _build(self) -> Dataset:
        raise NotImplementedError

    def _split(self, x: np.ndarray, t: np.ndarray, **extra: Any) -> Dataset:
        return make_dataset(
            x,
            t,
            name=self.name,
            kind=self.kind,
            val_fraction=self.val_fraction,  # type: ignore[attr-defined]
            test_fraction=self.test_fraction,  # type: ignore[attr-defined]
            seed=self.seed,  # type: ignore[attr-defined]
            params=self.as_dict(),
            **extra,
        )


class _Regression1D(DatasetSpec):
    kind = "regression"
    n = _n(100)
    noise = _noise(0.1, "Std of Gaussian noise added to each target")
    seed = _seed()
    val_fraction = _val()
    test_fraction = _test()
    _make: ClassVar[Callable[..., Samples1D]]

    def _build(self) -> Dataset:
        s = type(self)._make(self.n, self.noise, self.seed)
        return self._split(s.x, s.t, target_fn=s.target, x_range=X_RANGE, feature_names=("x",))


class SineSet(_Regression1D):
    """t = sin(πx) + noise on x ∈ [−1, 1]."""

    name, label, _make = "sine", "Sine sin(πx)", staticmethod(sine)


class AbsSet(_Regression1D):
    """t = |x| + noise on x ∈ [−1, 1]."""

    name, label, _make = "abs", "Absolute value |x|", staticmethod(abs_)


class StepSet(_Regression1D):
    """t = H(x) + noise on x ∈ [−1, 1]."""

    name, label, _make = "step", "Step H(x)", staticmethod(step)


class CubicSet(_Regression1D):
    """t = x³ + noise on x ∈ [−1, 1]."""

    name, label, _make = "cubic", "Cubic x³", staticmethod(cubic)


_NOISE_2D = "Std of Gaussian jitter added to each point"


class _Classification2D(DatasetSpec):
    kind = "classification"
    _class_names: ClassVar[tuple[str, ...]] = ()

    def _samples(self) -> Samples2D:
        raise NotImplementedError

    def _build(self) -> Dataset:
        s = self._samples()
        k = int(s.labels.max()) + 1
        names = self._class_names or tuple(f"class {i}" for i in range(k))
        return self._split(
            s.x, s.labels, n_classes=k, class_names=names, feature_names=("x1", "x2")
        )


class XorSet(_Classification2D):
    """XOR: the label is 1 where exactly one coordinate is positive."""

    name, label = "xor", "XOR"
    n = _n(200)
    noise = _noise(0.2, _NOISE_2D + " (the cluster width for clusters)")
    layout = Choice(
        "clusters", ("clusters", "quadrants"), "Four Gaussian clusters or uniform quadrants"
    )
    seed = _seed()
    val_fraction = _val()
    test_fraction = _test()

    def _samples(self) -> Samples2D:
        return xor(self.n, self.noise, self.seed, self.layout)


class CirclesSet(_Classification2D):
    """Two concentric circles."""

    name, label = "circles", "Circles"
    _class_names = ("outer", "inner")
    n = _n(200)
    noise = _noise(0.05, _NOISE_2D)
    factor = Param(0.5, 0.1, 0.9, 0.05, "", "Inner radius (the outer is 1)", label="inner radius")
    seed = _seed()
    val_fraction = _val()
    test_fraction = _test()

    def _samples(self) -> Samples2D:
        return circles(self.n, self.noise, self.seed, self.factor)


class MoonsSet(_Classification2D):
    """Two interleaved half circles."""

    name, label = "moons", "Two moons"
    n = _n(200)
    noise = _noise(0.1, _NOISE_2D)
    seed = _seed()
    val_fraction = _val()
    test_fraction = _test()

    def _samples(self) -> Samples2D:
        return moons(self.n, self.noise, self.seed)


class SpiralsSet(_Classification2D):
    """Interleaved spiral arms, one class per arm."""

    name, label = "spirals", "Spirals"
    n = _n(300)
    noise = _noise(0.05, _NOISE_2D)
    arms = Param(2, 2, 5, 1, "", "Number of arms (classes)", integer=True)
    turns = Param(1.5, 0.25, 4.0, 0.25, "", "Turns each arm makes around the centre")
    seed = _seed()
    val_fraction = _val()
    test_fraction = _test()

    def _samples(self) -> Samples2D:
        return spirals(self.n, self.noise, self.seed, self.arms, self.turns)


class BlobsSet(_Classification2D):
    """Gaussian blobs around points on the unit circle."""

    name, label = "blobs", "Gaussian blobs"
    n = _n(200)
    noise = _noise(0.3, "Std of each blob around its centre (centres are on the unit circle)")
    classes = Param(3, 2, 5, 1, "", "Number of blobs (classes)", integer=True)
    seed = _seed()
    val_fraction = _val()
    test_fraction = _test()

    def _samples(self) -> Samples2D:
        return blobs(self.n, self.noise, self.seed, self.classes)


class DigitsSet(DatasetSpec):
    """The 1797 8×8 handwritten digits, pixels in [0, 1]; 80/20 split by default (W4)."""

    name, label, kind = "digits", "Handwritten digits 8×8", "classification"
    seed = _seed()
    val_fraction = _val(0.0)
    test_fraction = _test(0.2)

    def _build(self) -> Dataset:
        x, t = digits()
        return self._split(
            x,
            t,
            n_classes=10,
            class_names=tuple(str(i) for i in range(10)),
            image_shape=(8, 8),
            feature_names=tuple(f"pixel {r},{c}" for r in range(8) for c in range(8)),
        )


#: Registry: name → spec class (declared parameters via ``cls.declarations()``).
DATASETS: dict[str, type[DatasetSpec]] = {
    cls.name: cls
    for cls in (
        SineSet,
        AbsSet,
        StepSet,
        CubicSet,
        XorSet,
        CirclesSet,
        MoonsSet,
        SpiralsSet,
        BlobsSet,
        DigitsSet,
    )
}


def make_spec(name: str, **params: Any) -> DatasetSpec:
    """The spec of a registered set with ``params`` over its defaults.

    Raises
    ------
    ParamError
        Unknown name, unknown parameter, or a value out of its range.
    """
    try:
        cls = DATASETS[name]
    except KeyError:
        raise ParamError(
            f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}"
        ) from None
    return cls(**params)


def load(name: str, **params: Any) -> Dataset:
    """Build a registered data set, e.g. ``load("spirals", arms=3, noise=0.1)``.

    Raises
    ------
    ParamError
        Unknown name or parameter, a value out of range, or fractions that
        leave too little to train on.
    """
    return make_spec(name, **params).build()
