"""Data files with their provenance: CSV and NPZ writers, atomic writes.

Every file records the parameters that produced it (as JSON), the app version
and the time, so a figure in a report can always be traced back and redone.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from neurolab import __version__

META_KEY = "__neurolab_meta__"


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash never leaves a half-written file.

    The bytes go to a temporary file in the same folder (same file system),
    which then replaces the target in one ``os.replace``.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def metadata(params: Mapping[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The provenance stored in every exported file."""
    return {
        "app": "NeuroLab",
        "version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "params": _jsonable(params or {}),
        **_jsonable(extra),
    }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def _columns(arrays: Mapping[str, Any]) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for name, arr in arrays.items():
        a = np.asarray(arr, dtype=float)
        if a.ndim == 1:
            cols[name] = a
        elif a.ndim == 2:
            for j in range(a.shape[1]):
                cols[f"{name}[{j}]"] = a[:, j]
        elif a.ndim == 0:
            cols[name] = a.reshape(1)
        else:
            raise ValueError(f"{name}: cannot write a {a.ndim}-D array to CSV; use NPZ")
    return cols


def save_csv(
    path: str | os.PathLike,
    arrays: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    **meta: Any,
) -> None:
    """Write named 1-D (or 2-D, one column per row entry) arrays as CSV columns.

    Columns of different lengths are padded with empty cells.  The metadata
    (parameters as JSON, version, time) is one ``#`` comment line at the top:
    read with ``numpy.genfromtxt(path, delimiter=",", names=True, skip_header=1)``
    or ``pandas.read_csv(path, comment="#")``.
    """
    cols = _columns(arrays)
    for name in cols:
        if "," in name or "\n" in name:
            raise ValueError(f"column name {name!r} may not contain commas or newlines")
    n_rows = max((len(c) for c in cols.values()), default=0)
    buf = io.StringIO()
    buf.write(f"# {json.dumps(metadata(params, **meta))}\n")
    buf.write(",".join(cols) + "\n")
    for i in range(n_rows):
        buf.write(",".join(repr(float(c[i])) if i < len(c) else "" for c in cols.values()))
        buf.write("\n")
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def read_csv(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_csv`: (columns, metadata)."""
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
        if not first.startswith("# "):
            raise ValueError(f"{path}: not a NeuroLab CSV (no metadata line)")
        meta = json.loads(first[2:])
        header = fh.readline().rstrip("\n").split(",")
        cols: dict[str, list[float]] = {h: [] for h in header}
        for line in fh:
            for h, cell in zip(header, line.rstrip("\n").split(","), strict=True):
                if cell != "":
                    cols[h].append(float(cell))
    return {h: np.asarray(v) for h, v in cols.items()}, meta


def save_npz(
    path: str | os.PathLike,
    arrays: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    **meta: Any,
) -> None:
    """Write arrays to a compressed NPZ, with the metadata as a JSON string array.

    The file loads with ``numpy.load(path, allow_pickle=False)``.
    """
    if META_KEY in arrays:
        raise ValueError(f"{META_KEY} is reserved")
    out = {k: np.asarray(v) for k, v in arrays.items()}
    for k, v in out.items():
        if v.dtype == object:
            raise ValueError(f"{k}: object arrays cannot be stored without pickle")
    out[META_KEY] = np.array(json.dumps(metadata(params, **meta)))
    buf = io.BytesIO()
    np.savez_compressed(buf, **out)
    atomic_write_bytes(path, buf.getvalue())


def read_npz(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_npz`: (arrays, metadata)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != META_KEY}
        meta = json.loads(str(data[META_KEY])) if META_KEY in data.files else {}
    return arrays, meta


def save(path: str | os.PathLike, arrays: Mapping[str, Any], params=None, **meta: Any) -> None:
    """Save as CSV or NPZ according to the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        save_csv(path, arrays, params, **meta)
    elif suffix == ".npz":
        save_npz(path, arrays, params, **meta)
    else:
        raise ValueError(f"unknown data format {suffix!r}: use .csv or .npz")
