"""Data sets: generators, digits, CSV / IDX files, splits, augmentation, registry."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from neurolab.core import datasets as D
from neurolab.core.params import Choice, Param, ParamError

REGRESSION = {"sine": D.sine, "abs": D.abs_, "step": D.step, "cubic": D.cubic}
CLASSIFICATION = {
    "xor": D.xor,
    "circles": D.circles,
    "moons": D.moons,
    "spirals": D.spirals,
    "blobs": D.blobs,
}
N_CLASSES = {"xor": 2, "circles": 2, "moons": 2, "spirals": 2, "blobs": 3}


def _std_tolerance(n: int) -> float:
    """Relative tolerance for a sample std from n Gaussian draws: 5 standard errors.

    The std of a sample std is about σ/√(2n), so 5/√(2n) is missed by chance
    with probability below 1e-6.
    """
    return 5.0 / np.sqrt(2.0 * n)


# --------------------------------------------------------------------------- 1-D regression


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_shapes_range_and_seeds(name):
    make = REGRESSION[name]
    x, t, f = make(n=57, noise=0.1, seed=3)
    assert x.shape == (57, 1) and t.shape == (57, 1)
    assert x.dtype == np.float64 and t.dtype == np.float64
    assert (x >= -1).all() and (x <= 1).all()
    assert np.all(np.diff(x[:, 0]) >= 0)  # sorted, for plotting
    x2, t2, _ = make(n=57, noise=0.1, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    x3, t3, _ = make(n=57, noise=0.1, seed=4)
    assert not np.array_equal(x, x3) and not np.array_equal(t, t3)
    assert callable(f) and f(np.zeros((3, 1))).shape == (3, 1)


def test_regression_target_functions_at_known_points():
    _, _, f = D.sine()
    np.testing.assert_allclose(f(np.array([-0.5, 0.0, 0.5, 1.0])), [-1, 0, 1, 0], atol=1e-15)
    _, _, f = D.abs_()
    np.testing.assert_array_equal(f(np.array([-0.3, 0.0, 0.7])), [0.3, 0.0, 0.7])
    _, _, f = D.step()
    np.testing.assert_array_equal(f(np.array([-1.0, -1e-12, 0.0, 0.4])), [0, 0, 1, 1])
    _, _, f = D.cubic()
    np.testing.assert_allclose(f(np.array([-1.0, 0.5, 1.0])), [-1, 0.125, 1])


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_noise_level_is_measured(name):
    n, noise = 4000, 0.2
    x, t, f = REGRESSION[name](n=n, noise=noise, seed=11)
    resid = (t - f(x))[:, 0]
    assert abs(resid.std() / noise - 1) < _std_tolerance(n)
    assert abs(resid.mean()) < 5 * noise / np.sqrt(n)
    # Without noise the targets are the function itself, at the same x.
    x0, t0, _ = REGRESSION[name](n=n, noise=0.0, seed=11)
    np.testing.assert_array_equal(x0, x)
    np.testing.assert_array_equal(t0, f(x0))


# --------------------------------------------------------------------------- 2-D classification


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_shapes_balance_and_seeds(name):
    make = CLASSIFICATION[name]
    x, labels = make(n=301, seed=5)
    k = N_CLASSES[name]
    assert x.shape == (301, 2) and x.dtype == np.float64
    assert labels.shape == (301,) and labels.dtype == np.int64
    counts = np.bincount(labels, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    assert counts.sum() == 301
    # Shuffled: not in class blocks.
    assert np.count_nonzero(np.diff(labels)) > 50
    x2, l2 = make(n=301, seed=5)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(labels, l2)
    x3, _ = make(n=301, seed=6)
    assert not np.array_equal(x, x3)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_noise_is_measured_against_the_noiseless_points(name):
    n, noise = 4000, 0.15
    make = CLASSIFICATION[name]
    x, labels = make(n=n, noise=noise, seed=8)
    clean, clean_labels = make(n=n, noise=0.0, seed=8)
    np.testing.assert_array_equal(labels, clean_labels)
    resid = (x - clean).ravel()
    assert abs(resid.std() / noise - 1) < _std_tolerance(resid.size)
    assert abs(resid.mean()) < 5 * noise / np.sqrt(resid.size)


@pytest.mark.parametrize("layout", ["clusters", "quadrants"])
def test_xor_labels_follow_the_xor_rule(layout):
    x, labels = D.xor(n=400, noise=0.0, seed=1, layout=layout)
    rule = (x[:, 0] > 0) != (x[:, 1] > 0)
    np.testing.assert_array_equal(labels, rule.astype(int))
    assert np.all(x != 0)  # no point on an axis
    quadrant = 2 * (x[:, 1] > 0) + (x[:, 0] > 0)
    assert np.bincount(quadrant, minlength=4).tolist() == [100] * 4
    if layout == "clusters":
        np.testing.assert_array_equal(np.abs(x), 0.5)
    else:
        assert np.abs(x).max() <= 1 and len(np.unique(x[:, 0])) == 400


def test_xor_refuses_an_unknown_layout():
    with pytest.raises(ValueError, match="layout"):
        D.xor(layout="diamond")


def test_circles_have_the_two_radii():
    x, labels = D.circles(n=500, noise=0.0, seed=2, factor=0.3)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(r[labels == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(r[labels == 1], 0.3, rtol=1e-12)
    # Angles cover the whole circle, not a part of it.
    angle = np.arctan2(x[:, 1], x[:, 0])
    assert np.histogram(angle, bins=8, range=(-np.pi, np.pi))[0].min() > 30


def test_moons_are_half_circles_of_radius_one():
    x, labels = D.moons(n=400, noise=0.0, seed=4)
    up = x[labels == 0] - [-0.5, -0.25]
    down = x[labels == 1] - [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(*up.T), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(*down.T), 1.0, rtol=1e-12)
    assert (up[:, 1] >= -1e-12).all() and (down[:, 1] <= 1e-12).all()
    # Centred on the origin.
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.1)


@pytest.mark.parametrize("arms", [2, 3, 5])
def test_spiral_arms_follow_their_curves(arms):
    turns = 1.5
    x, labels = D.spirals(n=600, noise=0.0, seed=9, arms=arms, turns=turns)
    assert np.bincount(labels).tolist() == [600 // arms] * arms
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.min() >= 0.1 - 1e-12 and r.max() <= 1.0
    u = (r - 0.1) / 0.9
    # The angle left after removing the winding is the arm's offset 2πj/arms.
    phase = np.arctan2(x[:, 1], x[:, 0]) - 2 * np.pi * turns * u
    offset = 2 * np.pi * labels / arms
    gap = np.angle(np.exp(1j * (phase - offset)))
    np.testing.assert_allclose(gap, 0.0, atol=1e-9)
    # Arms interleave: at a given radius the nearest point of another arm is far.
    for j in range(arms):
        assert np.ptp(r[labels == j]) > 0.8


def test_spirals_refuse_one_arm():
    with pytest.raises(ValueError, match="arms"):
        D.spirals(arms=1)


@pytest.mark.parametrize("classes", [2, 3, 4, 5])
def test_blobs_centres_and_widths(classes):
    n, noise = 2000 * classes, 0.2
    x, labels = D.blobs(n=n, noise=noise, seed=3, classes=classes)
    centres = D.blob_centres(classes)
    np.testing.assert_allclose(np.hypot(*centres.T), 1.0)
    assert len({tuple(np.round(c, 9)) for c in centres}) == classes
    for j in range(classes):
        pts = x[labels == j]
        np.testing.assert_allclose(pts.mean(axis=0), centres[j], atol=5 * noise / np.sqrt(len(pts)))
        assert abs(pts.std(axis=0).mean() / noise - 1) < _std_tolerance(len(pts))


def test_one_hot():
    labels = np.array([2, 0, 1, 2])
    y = D.one_hot(labels)
    assert y.shape == (4, 3) and y.dtype == np.float64
    np.testing.assert_array_equal(y.sum(axis=1), 1)
    np.testing.assert_array_equal(y.argmax(axis=1), labels)
    assert D.one_hot(labels, 5).shape == (4, 5)
    with pytest.raises(ValueError):
        D.one_hot(labels, 2)
    with pytest.raises(ValueError):
        D.one_hot(np.array([0.5, 1.0]))
    with pytest.raises(ValueError):
        D.one_hot(np.array([-1, 0]))


# --------------------------------------------------------------------------- digits


def test_digits_counts_values_and_shapes():
    images, labels = D.digits_raw()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.max() == 16 and images.min() == 0
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert not images.flags.writeable  # the cached copy cannot be spoiled
    x, t = D.digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64 and t.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(x * 16, np.round(x * 16))
    np.testing.assert_array_equal(x[5].reshape(8, 8) * 16, images[5])


def _nearest_mean_accuracy(ds: D.Dataset) -> float:
    means = np.stack([ds.x_train[ds.t_train == k].mean(axis=0) for k in range(ds.n_classes)])
    d2 = ((ds.x_test[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)
    return float((d2.argmin(axis=1) == ds.t_test).mean())


def test_digits_are_real_digits_by_a_nearest_class_mean_classifier():
    ds = D.load("digits")
    assert ds.image_shape == (8, 8) and ds.n_classes == 10 and ds.n_inputs == 64
    assert ds.sizes == (1438, 0, 359)  # SPEC W4: 80/20
    assert _nearest_mean_accuracy(ds) > 0.85
    # The same classifier on the same pixels with shuffled labels is near chance,
    # so the bound above is a property of the data, not of the classifier.
    rng = np.random.default_rng(0)
    x, t = D.digits()
    shuffled = D.make_dataset(x, rng.permutation(t), name="shuffled", kind="classification")
    assert _nearest_mean_accuracy(shuffled) < 0.3


# --------------------------------------------------------------------------- splits


def test_split_indices_partition_and_sizes():
    train, val, test = D.split_indices(103, 0.2, 0.1, seed=4)
    assert (len(train), len(val), len(test)) == (103 - 21 - 10, 21, 10)
    np.testing.assert_array_equal(np.sort(np.concatenate((train, val, test))), np.arange(103))
    again = D.split_indices(103, 0.2, 0.1, seed=4)
    for a, b in zip((train, val, test), again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = D.split_indices(103, 0.2, 0.1, seed=5)
    assert not np.array_equal(np.sort(test), np.sort(other[2]))


def test_split_is_stratified():
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    train, val, test = D.split_indices(labels, 0.15, 0.25, seed=1)
    for part, frac in ((train, 0.6), (val, 0.15), (test, 0.25)):
        counts = np.bincount(labels[part], minlength=3)
        np.testing.assert_allclose(counts, frac * np.array([500, 300, 200]), atol=1.0)


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (-0.1, 0.2), (0.2, 1.0), (float("nan"), 0.1)])
def test_split_refuses_impossible_fractions(fractions):
    with pytest.raises(ValueError, match="fraction"):
        D.split_indices(50, *fractions)


@pytest.mark.parametrize("name", D.DATASETS)
def test_registered_sets_split_disjointly_and_cover_the_data(name):
    ds = D.load(name, seed=7, val_fraction=0.1, test_fraction=0.3)
    n = sum(ds.sizes)
    if name == "digits":
        x_full, _ = D.digits()
    elif name in REGRESSION:
        x_full = REGRESSION[name](n=n, noise=0.1, seed=7).x
    else:
        spec = D.make_spec(name, seed=7)
        kw = {k: v for k, v in spec.as_dict().items() if not k.endswith("_fraction")}
        x_full = CLASSIFICATION[name](**kw).x
    assert n == len(x_full)
    assert ds.sizes[1] == round(0.1 * n) and ds.sizes[2] == round(0.3 * n)
    # The parts together are exactly the rows of the full set, each once.
    np.testing.assert_array_equal(np.unique(ds.x_all, axis=0), np.unique(x_full, axis=0))
    assert len(np.unique(ds.x_all, axis=0)) == len(np.unique(x_full, axis=0))
    assert ds.name == name and ds.params["seed"] == 7
    if ds.kind == "classification":
        assert len(ds.class_names) == ds.n_classes == ds.n_outputs
        assert ds.t_train.dtype == np.int64 and ds.t_train.ndim == 1
    else:
        assert ds.t_train.shape[1] == 1 and ds.n_outputs == 1
        assert ds.target_fn is not None and ds.x_range == (-1.0, 1.0)


def test_dataset_refuses_inconsistent_parts():
    z = np.zeros((3, 2))
    ok = dict(x_train=z, x_val=z[:0], x_test=z[:1], n_classes=2, class_names=("a", "b"))
    labels = dict(t_train=np.array([0, 1, 1]), t_val=np.array([], int), t_test=np.array([0]))
    D.Dataset("fine", "classification", **ok, **labels)
    with pytest.raises(ValueError, match="rows"):
        D.Dataset("bad", "classification", **ok, **{**labels, "t_test": np.array([0, 1])})
    with pytest.raises(ValueError, match="class indices"):
        D.Dataset("bad", "classification", **ok, **{**labels, "t_train": np.array([0, 1, 2])})
    with pytest.raises(ValueError, match="kind"):
        D.Dataset("bad", "clustering", **ok, **labels)


# --------------------------------------------------------------------------- registry


def test_registry_names_and_parameters():
    assert list(D.DATASETS) == [
        "sine", "abs", "step", "cubic", "xor", "circles", "moons", "spirals", "blobs", "digits",
    ]  # fmt: skip
    for name, cls in D.DATASETS.items():
        assert cls.name == name and cls.label and cls.kind in ("regression", "classification")
        decl = {p.name: p for p in cls.declarations()}
        assert {"seed", "val_fraction", "test_fraction"} <= set(decl)
        if name != "digits":
            assert {"n", "noise"} <= set(decl)
            assert decl["n"].integer and decl["seed"].integer
        assert all(p.doc for p in decl.values())
        assert all(isinstance(p, Param | Choice) for p in decl.values())
    assert "arms" in {p.name for p in D.SpiralsSet.declarations()}
    assert "classes" in {p.name for p in D.BlobsSet.declarations()}


def test_load_passes_parameters_and_refuses_bad_ones():
    ds = D.load("blobs", n=250, classes=5, noise=0.0, seed=1)
    assert sum(ds.sizes) == 250 and ds.n_classes == 5
    assert ds.params == D.make_spec("blobs", n=250, classes=5, noise=0.0, seed=1).as_dict()
    assert D.load("spirals", arms=3).n_classes == 3
    with pytest.raises(ParamError, match="unknown data set"):
        D.load("mnist")
    with pytest.raises(ParamError, match="between"):
        D.load("moons", noise=5)
    with pytest.raises(ParamError, match="no parameter"):
        D.load("digits", n=100)
    with pytest.raises(ParamError, match="at most 0.9"):
        D.load("sine", val_fraction=0.5, test_fraction=0.5)


# --------------------------------------------------------------------------- CSV


def test_csv_round_trip_with_header_and_text_labels(tmp_path):
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=(40, 3)), 6)
    names = np.array(["setosa", "virginica", "versicolor"])[rng.integers(0, 3, 40)]
    path = tmp_path / "flowers.csv"
    lines = ["a,species,b,c"] + [f"{r[0]},{s},{r[1]},{r[2]}" for r, s in zip(x, names, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    table = D.read_csv(path, label_column="species")
    np.testing.assert_array_equal(table.x, x)
    assert table.kind == "classification" and table.label_name == "species"
    assert table.feature_names == ("a", "b", "c")
    assert table.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(np.array(table.class_names)[table.t], names)
    # Same by index, with the header found automatically.
    again = D.read_csv(path, label_column=1)
    np.testing.assert_array_equal(again.t, table.t)
    ds = D.load_csv(path, label_column="species", seed=2, val_fraction=0.25, test_fraction=0.25)
    assert ds.name == "flowers" and ds.n_classes == 3 and ds.sizes == (20, 10, 10)
    assert ds.class_names == table.class_names


def test_csv_without_header_other_delimiters_and_numeric_labels(tmp_path):
    rows = [(0.5, 1.5, 3), (2.0, -1.0, 1), (4.0, 0.25, 3)]
    for delim in (",", ";", "\t", "  "):
        path = tmp_path / "d.txt"
        text = "\n".join(delim.join(str(v) for v in r) for r in rows)
        path.write_text("# a comment\n\n" + text)
        table = D.read_csv(path)
        np.testing.assert_array_equal(table.x, [[0.5, 1.5], [2.0, -1.0], [4.0, 0.25]])
        assert table.class_names == ("1", "3") and table.t.tolist() == [1, 0, 1]
        assert table.feature_names == ("x1", "x2")
    # Non-integer numeric labels: a regression.
    path.write_text("1,2,0.5\n3,4,1.25\n")
    table = D.read_csv(path)
    assert table.kind == "regression" and table.t.shape == (2, 1)
    np.testing.assert_array_equal(table.t[:, 0], [0.5, 1.25])
    # Label first, by index.
    path.write_text("7,1,2\n8,3,4\n")
    assert D.read_csv(path, label_column=0).class_names == ("7", "8")


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "empty"),
        ("\n  \n# only a comment\n", "empty"),
        ("a,b,label\n", "no rows of data"),
        ("1,2,0\n3,4,1\n\n5,6\n", r"line 4: 2 columns, expected 3"),
        ("1,2,0\n3,x,1\n", r"line 2, column 2: 'x' is not a number"),
        ("a,b,label\n1,2,0\n3,inf,1\n", r"line 3, column 2 \('b'\): 'inf' is not a finite"),
        ("1,2,0\n3,4,\n", r"line 2, column 3: the label is empty"),
        ("1\n2\n", "at least one feature"),
    ],
)
def test_csv_errors_name_the_line(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        D.read_csv(path)


def test_csv_label_column_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,kind\n1,2,x\n")
    with pytest.raises(ValueError, match="no column named 'type'"):
        D.read_csv(path, label_column="type")
    with pytest.raises(ValueError, match="out of range"):
        D.read_csv(path, label_column=3)
    with pytest.raises(ValueError, match=r"line 2, column 3 \('kind'\): label 'x' is not"):
        D.read_csv(path, kind="regression")
    path.write_bytes(b"1,2,\xff\xfe\n")
    with pytest.raises(ValueError, match="UTF-8"):
        D.read_csv(path)


# --------------------------------------------------------------------------- IDX


def _idx_bytes(arr: np.ndarray, magic: int | None = None) -> bytes:
    assert arr.dtype == np.uint8
    magic = magic if magic is not None else 0x0800 + arr.ndim
    return struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def _write_idx(tmp_path, images, labels, gz=False, prefix="train"):
    ip = tmp_path / f"{prefix}-images-idx3-ubyte{'.gz' if gz else ''}"
    lp = tmp_path / f"{prefix}-labels-idx1-ubyte{'.gz' if gz else ''}"
    opener = gzip.compress if gz else bytes
    ip.write_bytes(opener(_idx_bytes(images)))
    lp.write_bytes(opener(_idx_bytes(labels)))
    return ip, lp


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(50, 5, 7), dtype=np.uint8)
    labels = np.tile(np.arange(10, dtype=np.uint8), 5)
    ip, lp = _write_idx(tmp_path, images, labels, gz)
    np.testing.assert_array_equal(D.read_idx(ip), images)
    np.testing.assert_array_equal(D.read_idx(lp), labels)
    ds = D.load_idx(ip, lp, val_fraction=0.2, test_fraction=0.2, seed=0)
    assert ds.image_shape == (5, 7) and ds.n_inputs == 35 and ds.n_classes == 10
    assert ds.sizes == (30, 10, 10)
    assert np.bincount(ds.t_test, minlength=10).tolist() == [1] * 10  # stratified
    # Every row is an input image / 255 with its own label.
    lookup = {images[i].tobytes(): labels[i] for i in range(50)}
    for x, t in zip(ds.x_all, ds.t_all, strict=True):
        key = np.round(x * 255).astype(np.uint8).reshape(5, 7).tobytes()
        assert lookup[key] == t
    assert ds.x_all.min() >= 0 and ds.x_all.max() <= 1


def test_idx_with_separate_test_files(tmp_path):
    rng = np.random.default_rng(2)
    tr = rng.integers(0, 256, size=(40, 4, 4), dtype=np.uint8)
    te = rng.integers(0, 256, size=(12, 4, 4), dtype=np.uint8)
    ip, lp = _write_idx(tmp_path, tr, np.arange(40, dtype=np.uint8) % 4)
    tip, tlp = _write_idx(tmp_path, te, np.arange(12, dtype=np.uint8) % 4, gz=True, prefix="t10k")
    ds = D.load_idx(ip, lp, test_images=tip, test_labels=tlp, val_fraction=0.25, dtype=np.float32)
    assert ds.sizes == (30, 10, 12) and ds.x_train.dtype == np.float32
    np.testing.assert_allclose(ds.x_test, te.reshape(12, 16) / 255, rtol=1e-6)


def test_idx_refuses_bad_files(tmp_path):
    images = np.zeros((6, 3, 3), np.uint8)
    labels = np.zeros(6, np.uint8)
    ip, lp = _write_idx(tmp_path, images, labels)
    with pytest.raises(ValueError, match=r"magic number 0x00000801 .*expected 0x00000803"):
        D.load_idx(lp, ip)  # swapped
    bad = tmp_path / "bad-idx3-ubyte"
    bad.write_bytes(_idx_bytes(images, magic=0x12340803))
    with pytest.raises(ValueError, match="not an IDX file: magic number 0x12340803"):
        D.read_idx(bad)
    bad.write_bytes(_idx_bytes(images)[:-5])
    with pytest.raises(ValueError, match="truncated"):
        D.read_idx(bad)
    bad.write_bytes(_idx_bytes(images) + b"\0\0")
    with pytest.raises(ValueError, match="2 unexpected bytes"):
        D.read_idx(bad)
    bad.write_bytes(gzip.compress(_idx_bytes(images))[:-10])
    with pytest.raises(ValueError, match="gzip"):
        D.read_idx(bad)
    _, short_labels = _write_idx(tmp_path, images, labels[:5], prefix="short")
    with pytest.raises(ValueError, match="6 images but .* 5 labels"):
        D.load_idx(ip, short_labels)


# --------------------------------------------------------------------------- augmentation


def _reference_shift(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """np.roll, then zero the rows / columns that wrapped round."""
    out = np.roll(img, (dy, dx), axis=(0, 1))
    if dy > 0:
        out[:dy] = 0
    elif dy < 0:
        out[dy:] = 0
    if dx > 0:
        out[:, :dx] = 0
    elif dx < 0:
        out[:, dx:] = 0
    return out


def test_translate_moves_by_exactly_one_pixel_with_zero_fill():
    img = np.zeros((8, 8))
    img[0, 7] = 1.0  # top-right corner
    img[4, 3] = 0.5
    down_right = D.translate(img[None], 1, 1)[0]
    assert down_right[5, 4] == 0.5 and down_right.sum() == 0.5  # the corner fell off, no wrap
    up_left = D.translate(img[None], -1, -1)[0]
    assert up_left[3, 2] == 0.5 and up_left.sum() == 0.5
    right = D.translate(img.reshape(1, 64), 0, 1, (8, 8))
    assert right.shape == (1, 64)
    assert right.reshape(8, 8)[4, 4] == 0.5 and right.sum() == 0.5
    rng = np.random.default_rng(0)
    full = rng.random((8, 8)) + 0.1
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            np.testing.assert_array_equal(
                D.translate(full[None], dy, dx)[0], _reference_shift(full, dy, dx)
            )
    # Shifted right by one: the first column is zeros, the rest is the old image.
    moved = D.translate(full[None], 0, 1)[0]
    np.testing.assert_array_equal(moved[:, 0], 0)
    np.testing.assert_array_equal(moved[:, 1:], full[:, :-1])


def test_shift_images_uses_each_of_the_nine_shifts_and_is_seeded():
    x, _ = D.digits()
    batch = x[:300]
    out = D.shift_images(batch, (8, 8), np.random.default_rng(3))
    assert out.shape == batch.shape and out.min() >= 0 and out.max() <= 1
    seen = set()
    for before, after in zip(batch, out, strict=True):
        img = before.reshape(8, 8)
        matches = [
            (dy, dx)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if np.array_equal(after.reshape(8, 8), _reference_shift(img, dy, dx))
        ]
        assert matches, "each output is its input shifted by at most one pixel"
        seen.update(matches)
    assert len(seen) == 9
    np.testing.assert_array_equal(out, D.shift_images(batch, (8, 8), np.random.default_rng(3)))
    assert not np.array_equal(out, D.shift_images(batch, (8, 8), np.random.default_rng(4)))
    np.testing.assert_array_equal(D.shift_images(batch, (8, 8), 0, max_shift=0), batch)


def test_pixel_noise_and_jitter():
    x, _ = D.digits()
    noisy = D.pixel_noise(x[:100], 0.3, np.random.default_rng(0))
    assert noisy.shape == (100, 64) and noisy.min() == 0.0 and noisy.max() == 1.0
    assert not np.array_equal(noisy, x[:100])
    pts = np.zeros((5000, 2))
    moved = D.jitter(pts, 0.1, np.random.default_rng(0))
    assert moved.shape == pts.shape and (pts == 0).all()  # the input is untouched
    assert abs(moved.std() / 0.1 - 1) < _std_tolerance(moved.size)


def test_augmentation_settings():
    x, _ = D.digits()
    rng = np.random.default_rng(0)
    off = D.Augmentation()
    assert not off.active
    np.testing.assert_array_equal(off.apply(x[:10], rng, (8, 8)), x[:10])
    aug = D.Augmentation(max_shift=1, pixel_noise=0.1)
    out = aug.apply(x[:10], rng, (8, 8))
    assert out.shape == (10, 64) and 0 <= out.min() and out.max() <= 1
    pts = np.ones((10, 2))
    assert np.array_equal(aug.apply(pts, rng), pts)  # no jitter set
    jittered = D.Augmentation(jitter=0.5).apply(pts, rng)
    assert jittered.shape == (10, 2) and not np.array_equal(jittered, pts)


def test_the_digits_file_is_declared_as_package_data():
    """A wheel carries digits.npz only if pyproject.toml lists it (editable installs hide this)."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    config = tomllib.loads(pyproject.read_text())
    assert "digits.npz" in config["tool"]["setuptools"]["package-data"]["neurolab.resources"]
    assert (pyproject.parent / "neurolab" / "resources" / "__init__.py").is_file()
