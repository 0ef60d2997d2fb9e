"""Data files with their provenance: CSV and NPZ writers, atomic writes.

Every file records the parameters that produced it (as JSON), the app version
and the time, so a figure in a report can always be traced back and redone.

CSV conventions
---------------
* Line 1 is ``# {metadata as JSON}``, line 2 the column names, then the values.
* A 1-D array is one column under its own name; columns of different lengths
  are padded with empty cells.
* A 2-D array ``A`` of shape (m, n) becomes n columns ``A_col0`` …
  ``A_col{n-1}``: column ``A_colj`` holds ``A[:, j]`` and CSV row r holds row
  r of the matrix, so the table reads like the matrix on paper.  (For a
  weight matrix ``W1`` with ``W1[i, j]`` the weight from lower neuron i to upper
  neuron j, ``W1_col0`` holds the weights *into* upper neuron 0.)  Names such
  as ``W1[0]`` or ``W1[:,0]`` are not used: ``[0]`` reads as row 0 in numpy
  notation, and ``numpy.genfromtxt`` deletes brackets and commas (``W1[0]``
  came back as ``W10``).  ``A_colj`` comes back unchanged from :func:`read_csv`,
  from ``numpy.genfromtxt(path, delimiter=",", names=True, skip_header=1)`` and
  from ``pandas.read_csv(path, comment="#")``.
* Floats are written with ``repr`` (every bit kept), integer arrays as integers.

NPZ files hold the arrays as they are, compressed, plus the metadata as a JSON
string under ``__neurolab_meta__``; they load with ``numpy.load(path,
allow_pickle=False)``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from neurolab import __version__

META_KEY = "__neurolab_meta__"
CSV_BLOCK_ROWS = 100_000  # rows formatted at a time: bounded memory for big tables
NPZ_LEVEL = 1  # zlib level: numpy's default (6) took 2.6x as long for a 1 % smaller file


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; done once, at import, on one thread
    os.umask(mask)
    return mask


_UMASK = _umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[str]:
    """A temporary file name to write to, whose file replaces ``path`` only if the block
    succeeds (for writers that take a file name, such as Qt's image and SVG writers;
    give a ``suffix`` such as ".png" to those that tell the format by it).

    The temporary file is in the same folder (same file system) and replaces the target
    in one ``os.replace``; on an error it is removed and the old file stays as it was.
    The new file gets the old one's permissions, or those of any new file (0644 under the
    usual umask), not the owner-only ones of a temporary file: a teacher must be able to
    read what a student saves in a shared folder.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """A binary file handle whose contents replace ``path`` only if the block succeeds
    (see :func:`atomic_path`); the bytes are on disk before the replace."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash never leaves a half-written file."""
    with atomic_writer(path) as fh:
        fh.write(data)


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


def column_name(name: str, j: int) -> str:
    """The CSV column holding column ``j`` of the 2-D array ``name`` (see the module notes)."""
    return f"{name}_col{j}"


def _columns(arrays: Mapping[str, Any]) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for name, arr in arrays.items():
        a = np.asarray(arr)
        if a.dtype.kind not in "iu":  # integers stay integers; everything else is a float
            a = a.astype(float)
        if a.ndim == 1:
            cols[name] = a
        elif a.ndim == 2:
            for j in range(a.shape[1]):
                cols[column_name(name, j)] = a[:, j]
        elif a.ndim == 0:
            cols[name] = a.reshape(1)
        else:
            raise ValueError(f"{name}: cannot write a {a.ndim}-D array to CSV; use NPZ")
    return cols


def _cells(column: np.ndarray, start: int, stop: int) -> list[str]:
    """Rows ``start:stop`` of a column as text, "" past its end."""
    part = column[start:stop].tolist()
    text = list(map(str if column.dtype.kind in "iu" else repr, part))
    return text + [""] * (stop - start - len(text))


def save_csv(
    path: str | os.PathLike,
    arrays: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    **meta: Any,
) -> None:
    """Write named 1-D arrays (2-D ones as ``name_colj`` columns) as CSV columns.

    Columns of different lengths are padded with empty cells.  The metadata
    (parameters as JSON, version, time) is one ``#`` comment line at the top:
    read with :func:`read_csv`, ``numpy.genfromtxt(path, delimiter=",",
    names=True, skip_header=1)`` or ``pandas.read_csv(path, comment="#")``.
    See the module notes for the conventions.
    """
    cols = _columns(arrays)
    for name in cols:
        if "," in name or "\n" in name:
            raise ValueError(f"column name {name!r} may not contain commas or newlines")
    n_rows = max((len(c) for c in cols.values()), default=0)
    with atomic_writer(path) as fh:
        fh.write(f"# {json.dumps(metadata(params, **meta))}\n".encode())
        fh.write((",".join(cols) + "\n").encode())
        for start in range(0, n_rows, CSV_BLOCK_ROWS):
            stop = min(start + CSV_BLOCK_ROWS, n_rows)
            cells = [_cells(c, start, stop) for c in cols.values()]
            fh.write(("\n".join(map(",".join, zip(*cells, strict=True))) + "\n").encode())


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

    The file loads with ``numpy.load(path, allow_pickle=False)``.  It is what
    ``numpy.savez_compressed`` writes, at zlib level 1 (:data:`NPZ_LEVEL`) and
    straight to disk rather than through memory: 20 M synapses as
    (int32, int32, float64) triplets took 6 s instead of 22 s (int64 indices,
    ``savez_compressed``), for a file of the same size (190 MB).
    """
    if META_KEY in arrays:
        raise ValueError(f"{META_KEY} is reserved")
    out = {k: np.asarray(v) for k, v in arrays.items()}
    for k, v in out.items():
        if v.dtype == object:
            raise ValueError(f"{k}: object arrays cannot be stored without pickle")
    out[META_KEY] = np.array(json.dumps(metadata(params, **meta)))
    with (
        atomic_writer(path) as fh,
        zipfile.ZipFile(
            fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=NPZ_LEVEL, allowZip64=True
        ) as zf,
    ):
        for name, value in out.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, value, allow_pickle=False)


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
