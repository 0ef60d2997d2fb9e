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
of time.  ``NEUROLAB_KERNELS`` chooses: ``jit``; ``aot`` (the best module this CPU can run;
an error if none is importable); a module suffix such as ``x86_64`` (that one build, e.g.
to test the baseline build on a newer CPU); unset, the best module if any, else the JIT.
"""

from __future__ import annotations

import importlib
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

_X86_64_V3_FLAGS = {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "abm", "xsave"}


def machine() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(m, m)


def _has_x86_64_v3() -> bool:
    """Whether this CPU (and OS) can run x86-64-v3 code; False when it cannot be told."""
    try:
        if os.path.exists("/proc/cpuinfo"):
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("flags"):
                        return _X86_64_V3_FLAGS <= set(line.split(":", 1)[1].split())
            return False
        if os.name == "nt":
            import ctypes

            present = ctypes.windll.kernel32.IsProcessorFeaturePresent
            # PF_AVX2_INSTRUCTIONS_AVAILABLE (40) implies AVX and OS support; FMA and BMI
            # come with AVX2 on every Intel and AMD CPU that has it.
            return bool(present(40))
        if platform.system() == "Darwin":
            import ctypes
            import ctypes.util

            libc = ctypes.CDLL(ctypes.util.find_library("c"))
            for name in (b"hw.optional.avx2_0", b"hw.optional.bmi2", b"hw.optional.fma"):
                value = ctypes.c_int(0)
                size = ctypes.c_size_t(ctypes.sizeof(value))
                if libc.sysctlbyname(name, ctypes.byref(value), ctypes.byref(size), None, 0):
                    return False
                if not value.value:
                    return False
            return True
    except OSError:
        pass
    return False


def _usable_targets() -> list[str]:
    suffixes = [suffix for suffix, _cpu in TARGETS.get(machine(), [])]
    if "x86_64_v3" in suffixes and not _has_x86_64_v3():
        suffixes.remove("x86_64_v3")
    return suffixes


def _load_ahead_of_time() -> Any:
    mode = os.environ.get("NEUROLAB_KERNELS", "").strip().lower()
    builds = [suffix for targets in TARGETS.values() for suffix, _cpu in targets]
    if mode not in ("", "jit", "aot", *builds):
        print(
            f"neurolab: NEUROLAB_KERNELS={mode!r} ignored: it must be jit, aot or one of "
            f"{', '.join(builds)}",
            file=sys.stderr,
        )
        mode = ""
    if mode == "jit":
        return None
    if mode in builds:
        return importlib.import_module(MODULE_PREFIX + mode)
    for suffix in _usable_targets():
        try:
            return importlib.import_module(MODULE_PREFIX + suffix)
        except ImportError:
            continue
    if mode == "aot":
        raise ImportError(
            f"NEUROLAB_KERNELS=aot, but no {MODULE_PREFIX}* module for this CPU "
            f"({', '.join(_usable_targets()) or machine()}) is importable"
        )
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

    @property
    def export_name(self) -> str:
        module = self.function.__module__.rsplit(".", 1)[-1].lstrip("_")
        return f"{module}__{self.function.__name__.lstrip('_')}"


#: Every entry point, in the order the modules defined them.
ENTRY_POINTS: list[EntryPoint] = []

_DTYPES = {"f8": np.dtype(np.float64), "i8": np.dtype(np.int64)}
_SCALARS = {"f8": float, "i8": int, "b1": bool}


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
    the wrong type or layout would be read as garbage.  The check costs about a
    microsecond an argument; kernels are called once per chunk of simulation.
    """
    types = argument_types(entry.signature)
    name = entry.function.__qualname__

    def call(*args: Any) -> Any:
        if len(args) != len(types):
            raise TypeError(f"{name}() takes {len(types)} arguments ({len(args)} given)")
        for n, (arg, (code, dims)) in enumerate(zip(args, types, strict=True)):
            if dims:
                if not (
                    isinstance(arg, np.ndarray)
                    and arg.dtype == _DTYPES[code]
                    and arg.ndim == dims
                    and arg.flags.c_contiguous
                ):
                    got = (
                        f"{arg.dtype} {arg.ndim}-d array"
                        if isinstance(arg, np.ndarray)
                        else type(arg).__name__
                    )
                    raise TypeError(
                        f"{name}() argument {n}: expected a C-contiguous {dims}-d "
                        f"{_DTYPES[code]} array, got {got}"
                    )
            elif code == "i8" and not isinstance(arg, (int, np.integer)):
                raise TypeError(
                    f"{name}() argument {n}: expected an integer, got {type(arg).__name__}"
                )
        return compiled(*args)

    call.__name__ = entry.function.__name__
    call.__qualname__ = name
    call.__doc__ = entry.function.__doc__
    call.py_func = entry.function  # type: ignore[attr-defined]
    return call


def entry_point(signature: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Mark a kernel that Python calls with ``signature`` (numba notation).

    With numba it is compiled lazily (on first call) and cached, as ``numba.njit``
    would; from the ahead-of-time module it is that module's function behind a type check.
    """
    argument_types(signature)  # refuse what the check could not enforce, at import

    def take(fn: Callable[..., Any]) -> Any:
        entry = EntryPoint(fn, signature, dict(options))
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
