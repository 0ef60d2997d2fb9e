"""Where NeuroLab's compiled kernels come from: numba's JIT, or the same code compiled earlier.

A development install compiles each kernel with numba on its first call and caches it on
disk.  The packaged app instead carries the kernels compiled ahead of time by
``packaging/build_kernels.py`` (numba's ``pycc``) as extension modules named
``neurolab_kernels_<cpu>``: it then needs neither numba nor llvmlite at run time (llvmlite's
LLVM, with every CPU target, was 37 MB of the 96 MB download) and never compiles anything
on a classroom machine.

Kernel modules import :func:`njit` and :func:`entry_point` from here instead of from numba.
``njit`` marks a helper that only other kernels call; ``entry_point`` marks a kernel that
Python calls, with the one signature it is called with, so that it can be compiled ahead
of time.  ``NEUROLAB_KERNELS`` chooses: ``jit`` (not in the packaged app); ``aot`` (the
best module this CPU runs; an error if none loads); a build this CPU runs, such as
``x86_64`` (e.g. to test the baseline build on a newer CPU); unset, the best module if
any, else the JIT (the packaged app: an error naming each module tried and why).
"""

from __future__ import annotations

import importlib
import inspect
import os
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The ahead-of-time builds, best first, per machine type: (module suffix, LLVM CPU name).
#: x86-64-v3 (AVX2, FMA: every x86-64 PC since about 2015) runs the HH kernel twice as fast
#: as the plain x86-64 baseline, which is kept for older CPUs.
TARGETS: dict[str, list[tuple[str, str]]] = {
    "x86_64": [("x86_64_v3", "x86-64-v3"), ("x86_64", "x86-64")],
    "arm64": [("arm64", "generic")],
}
MODULE_PREFIX = "neurolab_kernels_"

#: What x86-64-v3 needs besides the x86-64 baseline, in numpy's names for CPU features.
X86_64_V3_FEATURES = (
    *("CX16", "LAHF", "POPCNT", "SSE3", "SSSE3", "SSE41", "SSE42"),  # x86-64-v2
    *("AVX", "AVX2", "BMI", "BMI2", "F16C", "FMA3", "LZCNT", "MOVBE"),
)


def machine() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(m, m)


def _has_x86_64_v3() -> bool:
    """Whether this CPU and its OS run x86-64-v3 code; False when it cannot be told.

    numpy's own dispatcher has found out at import, on every OS, including whether the
    OS saves the AVX registers (a virtual machine may hide single features).
    """
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        return False
    return all(features.get(name, False) for name in X86_64_V3_FEATURES)


def _usable_targets() -> list[str]:
    """This machine's builds that its CPU runs, best first."""
    suffixes = [suffix for suffix, _cpu in TARGETS.get(machine(), [])]
    if "x86_64_v3" in suffixes and not _has_x86_64_v3():
        suffixes.remove("x86_64_v3")
    return suffixes


def _load_ahead_of_time() -> Any:
    """The ahead-of-time module to use, or None for numba's JIT (see the module's doc)."""
    frozen = bool(getattr(sys, "frozen", False))  # the packaged app: it has no numba
    mode = os.environ.get("NEUROLAB_KERNELS", "").strip().lower()
    usable = _usable_targets()
    if mode not in ("", "aot", *usable) and not (mode == "jit" and not frozen):
        choices = ", ".join(["aot", *usable] if frozen else ["jit", "aot", *usable])
        print(
            f"neurolab: NEUROLAB_KERNELS={mode!r} ignored: here it can be {choices}",
            file=sys.stderr,
        )
        mode = ""
    if mode == "jit":
        return None
    tried = []
    for suffix in [mode] if mode in usable else usable:
        try:
            return importlib.import_module(MODULE_PREFIX + suffix)
        except ImportError as err:
            tried.append(f"{MODULE_PREFIX}{suffix}: {err}")
    if mode or frozen:
        why = "; ".join(tried) or f"none is built for this machine ({machine()})"
        raise ImportError(f"the compiled kernels could not be loaded: {why}")
    return None


AHEAD_OF_TIME = _load_ahead_of_time()
#: "jit", or the ahead-of-time module's name: shown in Help ▸ About.
SOURCE = "jit" if AHEAD_OF_TIME is None else AHEAD_OF_TIME.__name__


@dataclass(frozen=True)
class EntryPoint:
    """A kernel that Python calls: what the ahead-of-time build needs to export it."""

    function: Callable[..., Any]  # the Python source function
    signature: str  # numba's notation, e.g. "f8[:, ::1](f8[:, ::1], i8)"
    options: dict[str, Any]  # numba options besides the cache (nogil, error_model)
    read_only: tuple[str, ...] = ()  # array arguments it never writes (may be read-only)

    @property
    def export_name(self) -> str:
        module = self.function.__module__.rsplit(".", 1)[-1].lstrip("_")
        return f"{module}__{self.function.__name__.lstrip('_')}"


#: Every entry point, in the order the modules defined them.
ENTRY_POINTS: list[EntryPoint] = []

_DTYPES = {"f8": np.dtype(np.float64), "i8": np.dtype(np.int64)}


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def argument_types(signature: str) -> list[tuple[str, int]]:
    """(type code, array dimensions or 0) of each argument of a numba signature string.

    Only what the kernels use: ``f8``/``i8`` scalars and C-contiguous arrays, ``b1``.
    """
    if not signature.endswith(")"):
        raise ValueError(f"not a signature with arguments: {signature!r}")
    depth = 0
    for i in range(len(signature) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(signature[i], 0)
        if depth == 0:
            break
    out = []
    for arg in _split_top(signature[i + 1 : -1]):
        m = re.fullmatch(r"(f8|i8|b1)(?:\[((?::\s*,\s*)*)::1\])?", arg)
        if m is None:
            raise ValueError(f"unsupported argument type {arg!r} in {signature!r}")
        code, leading = m.group(1), m.group(2)
        dims = 0 if leading is None else leading.count(":") + 1
        if dims and code == "b1":
            raise ValueError(f"boolean arrays are not supported: {signature!r}")
        out.append((code, dims))
    return out


def _checked(compiled: Callable[..., Any], entry: EntryPoint) -> Callable[..., Any]:
    """``compiled`` behind a check of every argument's type.

    An ahead-of-time function converts its arguments without checking them: an array of
    the wrong type or layout would be read as garbage, and a read-only one written to,
    where numba's JIT refuses both.  The check costs about a microsecond an argument;
    kernels are called once per chunk of simulation.
    """
    types = argument_types(entry.signature)
    name = entry.function.__qualname__
    params = list(inspect.signature(entry.function).parameters)

    def refuse(n: int, message: str) -> None:
        raise TypeError(f"{name}() argument {n} ({params[n]}): {message}")

    def call(*args: Any) -> Any:
        if len(args) != len(types):
            raise TypeError(f"{name}() takes {len(types)} arguments ({len(args)} given)")
        for n, (arg, (code, dims)) in enumerate(zip(args, types, strict=True)):
            if dims:
                wanted = f"a C-contiguous {dims}-d {_DTYPES[code]} array"
                if not isinstance(arg, np.ndarray):
                    refuse(n, f"expected {wanted}, got {type(arg).__name__}")
                if arg.dtype != _DTYPES[code] or arg.ndim != dims:
                    refuse(n, f"expected {wanted}, got a {arg.ndim}-d {arg.dtype} array")
                if not arg.flags.c_contiguous:
                    refuse(n, f"expected {wanted}, got one that is not C-contiguous")
                if not arg.flags.writeable and params[n] not in entry.read_only:
                    refuse(n, "the kernel writes into it, but the array is read-only")
            elif code == "i8" and not isinstance(arg, (int, np.integer)):
                refuse(n, f"expected an integer, got {type(arg).__name__}")
        return compiled(*args)

    call.__name__ = entry.function.__name__
    call.__qualname__ = name
    call.__doc__ = entry.function.__doc__
    call.py_func = entry.function  # type: ignore[attr-defined]
    return call


def entry_point(
    signature: str, read_only: tuple[str, ...] = (), **options: Any
) -> Callable[[Callable[..., Any]], Any]:
    """Mark a kernel that Python calls with ``signature`` (numba notation); ``read_only``
    names the array arguments it never writes, which callers may pass read-only.

    With numba it is compiled lazily (on first call) and cached, as ``numba.njit``
    would; from the ahead-of-time module it is that module's function behind a type check.
    """
    argument_types(signature)  # refuse what the check could not enforce, at import

    def take(fn: Callable[..., Any]) -> Any:
        entry = EntryPoint(fn, signature, dict(options), tuple(read_only))
        unknown = set(read_only) - set(inspect.signature(fn).parameters)
        if unknown:
            raise ValueError(f"{fn.__qualname__}: read_only names no argument: {sorted(unknown)}")
        ENTRY_POINTS.append(entry)
        if AHEAD_OF_TIME is None:
            from numba import njit as numba_njit

            return numba_njit(cache=True, **options)(fn)
        compiled = getattr(AHEAD_OF_TIME, entry.export_name, None)
        if compiled is None:
            raise ImportError(
                f"{AHEAD_OF_TIME.__name__} has no {entry.export_name}: it was built from "
                "other sources; rebuild it with packaging/build_kernels.py"
            )
        return _checked(compiled, entry)

    return take


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Mark a helper that only kernels call: ``numba.njit(**options)``.

    With ahead-of-time kernels it is left a plain Python function: it was compiled into
    each kernel that calls it, and Python itself never calls it.
    """

    def take(fn: Callable[..., Any]) -> Any:
        if AHEAD_OF_TIME is None:
            from numba import njit as numba_njit

            return numba_njit(**options)(fn)
        return fn

    return take
