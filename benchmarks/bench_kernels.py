"""The packaged app's kernels (compiled ahead of time) against the dev install's numba JIT.

The same work in each, the JIT first, then every ahead-of-time build in FOLDER (default
build/package/kernels, made by ``python3 packaging/build.py bundle``; built there first if
it holds none); each in its own process, since a process loads one kernel source:

W1  one HH neuron, I = 10 µA/cm², 1000 ms, dt = 0.01 ms
W2  F–I sweep: 200 HH neurons, I = 0…20 µA/cm², 1000 ms (SPEC §6)
W3  the SPEC §6 spiking LIF network, its full run
LIF 1000 LIF neurons, 1000 ms, dt = 0.1 ms

Medians of ``--repeat`` runs after one warm-up run; ratios are JIT time / build time
(> 1: the build is faster). Run: ``python benchmarks/bench_kernels.py [FOLDER]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(repeat: int) -> dict[str, float]:
    import numpy as np

    from neurolab.core import compiled, hh, lif, network

    work = {
        "W1": lambda: hh.simulate(10.0, 1000.0, dt=0.01),
        "W2": lambda: hh.fi_curve(np.linspace(0.0, 20.0, 200), 1000.0, dt=0.01, t_skip=200.0),
        "W3": lambda: network.w3_network().run(),
        "LIF": lambda: lif.simulate(np.linspace(0.5, 3.0, 1000), 1000.0, dt=0.1),
    }
    out = {"source": compiled.SOURCE}
    for name, fn in work.items():
        fn()  # JIT: compile or load from the cache
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "build/package/kernels")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.repeat)))
        return 0
    if not list(args.folder.glob("neurolab_kernels_*")):
        print(f"building the kernels into {args.folder} (about 30 s)", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "packaging" / "build_kernels.py"),
                "--out",
                str(args.folder),
            ],
            check=True,
        )
    builds = sorted(p.name.split(".")[0] for p in args.folder.glob("neurolab_kernels_*"))
    results = []
    for kernels in ["jit"] + [b.removeprefix("neurolab_kernels_") for b in builds]:
        env = dict(os.environ, NEUROLAB_KERNELS=kernels, PYTHONPATH=str(args.folder))
        r = subprocess.run(
            [sys.executable, __file__, "--child", kernels, "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        results.append(json.loads(r.stdout.splitlines()[-1]))
    jit = results[0]
    work = [k for k in jit if k != "source"]
    print(f"{'kernels':<28}" + "".join(f"{w:>16}" for w in work))
    for res in results:
        cells = "".join(
            f"{res[w]:>9.3f} s" + (f" {jit[w] / res[w]:>4.2f}×" if res is not jit else " " * 6)
            for w in work
        )
        print(f"{res['source']:<28}{cells}")
    print("(× = JIT time / this time; > 1 is faster than the JIT)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
