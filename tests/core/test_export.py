"""Data files: contents round-trip, metadata recorded, writes atomic."""

import json
import os
import stat

import numpy as np
import pytest

from neurolab import __version__
from neurolab.core import export


def test_csv_round_trip_with_padding_and_metadata(tmp_path):
    path = tmp_path / "d.csv"
    t = np.linspace(0, 1, 11)
    spikes = np.array([0.25, 0.75])
    export.save_csv(path, {"t": t, "v": t**2, "spikes": spikes}, {"tau_m": 20.0}, tab="Neuron")
    cols, meta = export.read_csv(path)
    np.testing.assert_array_equal(cols["t"], t)  # repr() keeps every bit
    np.testing.assert_array_equal(cols["v"], t**2)
    np.testing.assert_array_equal(cols["spikes"], spikes)
    assert meta["params"] == {"tau_m": 20.0}
    assert meta["version"] == __version__ and meta["tab"] == "Neuron" and meta["created"]
    # Readable by numpy without NeuroLab.
    raw = np.genfromtxt(path, delimiter=",", names=True, skip_header=1)
    np.testing.assert_allclose(raw["v"], t**2)


def test_csv_splits_2d_arrays_into_named_columns_every_reader_keeps(tmp_path):
    path = tmp_path / "d.csv"
    W = np.arange(6.0).reshape(3, 2)  # W[i, j]: row i, column j
    export.save_csv(path, {"W1": W, "b1": [0.5, -0.5]})
    cols, _ = export.read_csv(path)
    assert list(cols) == ["W1_col0", "W1_col1", "b1"]
    # Column j of the matrix is the column named _colj; CSV row i is matrix row i.
    np.testing.assert_array_equal(cols["W1_col1"], W[:, 1])
    np.testing.assert_array_equal(np.column_stack([cols["W1_col0"], cols["W1_col1"]]), W)
    # numpy.genfromtxt gives the same names back (it turned "W1[0]" into "W10").
    raw = np.genfromtxt(path, delimiter=",", names=True, skip_header=1)
    assert raw.dtype.names == ("W1_col0", "W1_col1", "b1")
    np.testing.assert_array_equal(raw["W1_col0"], W[:, 0])
    assert export.column_name("W1", 0) == "W1_col0"


def test_csv_writes_integers_as_integers_and_floats_exactly(tmp_path):
    path = tmp_path / "d.csv"
    x = np.random.default_rng(1).normal(size=250_001)  # more than one block of rows
    export.save_csv(path, {"i": np.arange(3, dtype=np.int32), "x": x})
    lines = path.read_text().splitlines()
    assert lines[1] == "i,x" and lines[2].startswith("0,") and lines[5].startswith(",")
    cols, _ = export.read_csv(path)
    np.testing.assert_array_equal(cols["i"], [0, 1, 2])
    np.testing.assert_array_equal(cols["x"], x)


def test_npz_round_trip_loads_without_pickle(tmp_path):
    path = tmp_path / "d.npz"
    V = np.random.default_rng(0).normal(size=(5, 3))
    export.save_npz(path, {"V": V}, {"model": "hh", "g": [1, 2]})
    with np.load(path, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["V"], V)
        meta = json.loads(str(f[export.META_KEY]))
    assert meta["params"] == {"model": "hh", "g": [1, 2]}
    arrays, meta2 = export.read_npz(path)
    assert set(arrays) == {"V"} and meta2 == meta


def test_failed_npz_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "d.npz"
    with pytest.raises(ValueError, match="object arrays"):
        export.save_npz(path, {"bad": np.array([None, 1])})
    assert list(tmp_path.iterdir()) == []
    export.save_npz(path, {"a": np.arange(3)})
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        export.save_npz(path, {"a": np.arange(5)})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(ValueError, match="csv or .npz"):
        export.save(tmp_path / "d.xlsx", {"t": [1.0]})


def test_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    export.save_csv(path, {"t": [1.0, 2.0]})
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        export.save_csv(path, {"t": [3.0]})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.csv"]  # no temp file left behind


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_saved_file_is_readable_by_others_as_any_new_file_and_keeps_its_permissions(
    tmp_path,
):
    # mkstemp makes owner-only (0600) files: a teacher could not read a student's export.
    path = tmp_path / "d.npz"
    export.save_npz(path, {"t": [1.0]})
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()
    csv = tmp_path / "d.csv"
    csv.write_text("old")
    csv.chmod(0o640)
    export.save_csv(csv, {"t": [1.0]})
    assert stat.S_IMODE(csv.stat().st_mode) == 0o640


def test_atomic_path_gives_writers_a_name_with_their_suffix(tmp_path):
    path = tmp_path / "plot.png"
    with export.atomic_path(path, suffix=".png") as tmp:
        assert tmp.endswith(".png") and os.path.dirname(tmp) == str(tmp_path)
        with open(tmp, "wb") as fh:
            fh.write(b"png bytes")
    assert path.read_bytes() == b"png bytes"
    with pytest.raises(RuntimeError), export.atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(b"half")
        raise RuntimeError("the writer failed")
    assert path.read_bytes() == b"png bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]
