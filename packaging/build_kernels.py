"""Compile NeuroLab's kernels ahead of time into ``neurolab_kernels_<cpu>`` extension modules.

    python packaging/build_kernels.py --out DIR [--target SUFFIX ...]

Run it in an environment that has numba (and a C compiler: gcc, clang, or MSVC on
Windows). It compiles every ``@entry_point`` of ``neurolab.core`` (see
``neurolab/core/compiled.py``) with numba's ``pycc``, once per target CPU of this machine
type (``compiled.TARGETS``), with the same numba options (``nogil``, ``error_model``) as
the JIT uses. The modules need neither numba nor llvmlite to run. ``build.py bundle``
puts them in the bundle, where ``compiled`` picks the best one the CPU can run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["NEUROLAB_KERNELS"] = "jit"  # the entry points must come from the sources

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def entry_points() -> list:
    import neurolab.core.hh  # noqa: F401  (each import registers its entry points)
    import neurolab.core.lif  # noqa: F401
    import neurolab.core.network  # noqa: F401
    import neurolab.core.synapse  # noqa: F401
    from neurolab.core import compiled

    return list(compiled.ENTRY_POINTS)


def build(out: Path, suffix: str, cpu: str) -> Path:
    """Compile every entry point for LLVM CPU ``cpu`` into ``out``; return the module's path."""
    import numba.pycc.compiler as pycc_compiler
    from numba.core.cpu import CPUTargetOptions
    from numba.pycc import CC

    from neurolab.core import compiled

    entries = entry_points()
    options = {e.function: {"nopython": True, **e.options} for e in entries}
    cc = CC(compiled.MODULE_PREFIX + suffix)
    cc.output_dir = str(out)
    cc.target_cpu = cpu
    cc.verbose = False
    for e in entries:
        cc.export(e.export_name, e.signature)(e.function)

    # pycc compiles every export with default options; give each the options its
    # decorator gives the JIT, or nogil kernels would hold the GIL and error_model="numpy"
    # kernels would raise on a division by zero instead of returning inf.
    plain = pycc_compiler.compile_extra

    def compile_extra(typingctx, targetctx, func, args, return_type, flags, locals, library):
        own = flags.copy()
        CPUTargetOptions.parse_as_flags(own, options[func])
        return plain(
            typingctx, targetctx, func, args, return_type, own, locals=locals, library=library
        )

    pycc_compiler.compile_extra = compile_extra
    try:
        cc.compile()
    finally:
        pycc_compiler.compile_extra = plain
    return out / cc._output_file


def main(argv: list[str] | None = None) -> int:
    from neurolab.core import compiled

    known = dict(compiled.TARGETS.get(compiled.machine(), []))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the modules")
    parser.add_argument(
        "--target",
        action="append",
        choices=sorted(known),
        help=f"build only these (default: all of {', '.join(known) or 'none'})",
    )
    args = parser.parse_args(argv)
    if not known:
        parser.error(f"no ahead-of-time targets are defined for {compiled.machine()}")
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix in args.target or list(known):
        started = time.perf_counter()
        path = build(args.out, suffix, known[suffix])
        took = time.perf_counter() - started
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB, {took:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
