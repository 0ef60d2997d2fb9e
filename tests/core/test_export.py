"""Data files: contents round-trip, metadata recorded, writes atomic."""

import json
import os

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


def test_csv_splits_2d_arrays_into_columns(tmp_path):
    path = tmp_path / "d.csv"
    export.save_csv(path, {"V": np.arange(6.0).reshape(3, 2)})
    cols, _ = export.read_csv(path)
    np.testing.assert_array_equal(cols["V[1]"], [1.0, 3.0, 5.0])


def test_npz_round_trip_loads_without_pickle(tmp_path):
    path = tmp_path / "d.npz"
    V = np.random.default_rng(0).normal(size=(5, 3))
    export.save_npz(path, {"V": V}, {"model": "hh", "g": [1, 2]})
    with np.load(path, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["V"], V)
        meta = json.loads(str(f[export.META_KEY]))
    assert meta["params"] == {"model": "hh", "g": [1, 2]}


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
