"""W3 spiking LIF network: NeuroLab against Brian2 and a plain-numpy loop (SPEC §6).

W3  N = 10 000 LIF neurons, 999 054 random synapses, τ_m = 20 ms, t_ref = 2 ms,
    τ_s = 5 ms (n = 0), threshold 1, reset 0, 1000 ms at dt = 0.1 ms, built by
    :func:`neurolab.core.network.w3_network` exactly as SPEC §6 says.

Every simulator runs the SAME network: the same W (CSR row = presynaptic), J and
v(0) arrays, s(0) = 0, and the SPEC §4 equations

    τ_m dv/dt = s + J − v  (held at 0 for t_ref after a spike),
    τ_s ds/dt = −s,         on a spike of j: s_i += W[j, i] / τ_s.

Peers
- NeuroLab: :func:`simulate_lif` (exact between events, crossing times located
  inside the step, spikes delivered at their own time).
- Brian2 (if ``import brian2`` works), numpy and cython targets, ``method="exact"``,
  ``threshold="v > 1"``, ``reset="v = 0"``, ``refractory=2 ms`` with
  ``(unless refractory)``, ``on_pre="s_post += w"`` with w = W/τ_s: spikes on the
  grid, s jumps at the end of the spike's step (no delay).  Network construction and code
  generation + compilation (``run(0 ms)``; for cython once into an empty cache,
  then from Brian2's cache) are reported apart from the run time of
  ``run(1000 ms)``.
- numpy: a plain clock-driven loop with the same exact linear update per step,
  threshold at step ends, no crossing interpolation, delivery at the step end.

NeuroLab's kernel is warm (loaded from numba's cache, one full run done) and
records 5 neurons' v and s as the GUI does.  The simulators alternate,
``--repeat`` (≥ 3) times; medians, NeuroLab's ratios, spike counts and mean
rates (Hz per neuron) are printed.

Run: ``python benchmarks/bench_w3.py`` (``make bench`` does it in .venv-bench).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def cpu_note() -> str:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.processor() or platform.machine()}, {cores} cores, load {load:.2f}"


# --- NeuroLab -------------------------------------------------------------------


def neurolab_run(net: Any) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = net.run()
    return time.perf_counter() - t0, int(r.spike_times.size)


# --- plain numpy: clock-driven, exact linear update, spikes at step ends ------------


def numpy_run(net: Any) -> tuple[float, int]:
    W = net.W
    indptr, indices, kick = W.indptr, W.indices, W.data / net.tau_s
    tau_m, t_ref, dt = net.params.tau_m, net.params.t_ref, net.dt
    n_steps = int(round(net.t_end / dt))
    em, es = math.exp(-dt / tau_m), math.exp(-dt / net.tau_s)
    a_dt = net.tau_s / (net.tau_s - tau_m) * (es - em)
    J = net.J
    v = net.v0.copy()
    s = np.zeros_like(v)
    ref_steps = int(round(t_ref / dt))
    ref_left = np.zeros(v.size, dtype=np.int64)
    n_spikes = 0
    t0 = time.perf_counter()
    for _ in range(n_steps):
        v_new = J + (v - J) * em + s * a_dt
        s *= es
        free = ref_left == 0
        v = np.where(free, v_new, 0.0)
        ref_left[~free] -= 1
        spk = np.flatnonzero(v >= 1.0)
        if spk.size:
            n_spikes += spk.size
            v[spk] = 0.0
            ref_left[spk] = ref_steps
            for j in spk:  # no duplicate targets within a CSR row
                lo, hi = indptr[j], indptr[j + 1]
                s[indices[lo:hi]] += kick[lo:hi]
    return time.perf_counter() - t0, n_spikes


# --- Brian2 -------------------------------------------------------------------------


def brian2_runner(net: Any, target: str) -> Callable[[], tuple[float, float, float, int]] | None:
    """A function running W3 in Brian2 with ``target``: (build s, compile s, run s, spikes)."""
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    coo = net.W.tocoo()
    pre_idx = coo.row.astype(np.int32)
    post_idx = coo.col.astype(np.int32)
    kicks = coo.data / net.tau_s
    eqs = """
    dv/dt = (s + J - v) / tau_m : 1 (unless refractory)
    ds/dt = -s / tau_s : 1
    J : 1 (constant)
    """
    ns = {"tau_m": net.params.tau_m * b2.ms, "tau_s": net.tau_s * b2.ms}

    def run(cache_dir: str | None = None) -> tuple[float, float, float, int]:
        b2.prefs.codegen.target = target
        b2.prefs.codegen.runtime.cython.cache_dir = cache_dir
        b2.start_scope()
        b2.defaultclock.dt = net.dt * b2.ms
        t0 = time.perf_counter()
        G = b2.NeuronGroup(
            net.J.size,
            eqs,
            threshold="v > 1",
            reset="v = 0",
            refractory=net.params.t_ref * b2.ms,
            method="exact",
            namespace=ns,
        )
        G.J = net.J
        G.v = net.v0
        G.s = 0
        S = b2.Synapses(G, G, "w : 1", on_pre="s_post += w", namespace={})
        S.connect(i=pre_idx, j=post_idx)
        S.w = kicks
        mon = b2.SpikeMonitor(G, record=False)
        bnet = b2.Network(G, S, mon)
        t1 = time.perf_counter()
        bnet.run(0 * b2.ms)  # code generation + compilation (or Brian2's cache)
        t2 = time.perf_counter()
        bnet.run(net.t_end * b2.ms)
        t3 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2, int(mon.num_spikes)

    try:  # also checks that the target works here
        with tempfile.TemporaryDirectory() as empty_cache:
            build, compile_, run_time, _ = run(empty_cache)
    except Exception as exc:  # no compiler, no Cython, ...
        print(f"Brian2 {target} target unavailable ({type(exc).__name__}: {exc})")
        return None
    cache = " into an empty cache" if target == "cython" else ""
    print(
        f"  Brian2 {target}, first run: build {build:.2f} s, code generation + "
        f"compile{cache} {compile_:.2f} s, run {run_time:.3f} s"
    )
    return run


# --- harness ----------------------------------------------------------------------------


def report(
    label: str, times: list[float], spikes: int, n: int, t_end: float, ours: float | None
) -> None:
    med = statistics.median(times)
    rate = 1000.0 * spikes / (n * t_end)
    ratio = (
        f"   NeuroLab/{label.split()[0]} = {ours / med:.3f} ({med / ours:.1f}× faster)"
        if ours
        else ""
    )
    print(
        f"  {label:18s} {med:8.3f} s  {spikes:7d} spikes  {rate:6.2f} Hz{ratio}   "
        f"[runs: {', '.join(f'{x:.3f}' for x in times)}]"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per simulator (≥ 3)")
    ap.add_argument("--no-brian2", action="store_true", help="skip Brian2")
    ap.add_argument("--no-numpy", action="store_true", help="skip the plain-numpy loop")
    args = ap.parse_args()
    repeat = max(3, args.repeat)

    import numba

    from neurolab.core import network

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, numba "
        f"{numba.__version__}; {cpu_note()}"
    )
    t0 = time.perf_counter()
    net = network.w3_network()
    n, t_end = net.J.size, net.t_end
    print(
        f"\nW3: N = {n}, {net.W.nnz} synapses, τ_m = {net.params.tau_m:g} ms, t_ref = "
        f"{net.params.t_ref:g} ms, τ_s = {net.tau_s:g} ms, {t_end:g} ms at dt = {net.dt:g} ms "
        f"(built in {time.perf_counter() - t0:.2f} s)"
    )
    t0 = time.perf_counter()
    network.warm_up()
    print(
        f"  NeuroLab kernel warm-up (numba cache load or compile): {time.perf_counter() - t0:.2f} s"
    )
    net.run()  # first full run: page faults, caches

    runners: list[tuple[str, Callable[[], tuple[float, float, float, int]]]] = []
    if not args.no_brian2:
        try:
            import brian2 as b2

            print(f"  Brian2 {b2.__version__}, method exact")
            for target in ("numpy", "cython"):
                r = brian2_runner(net, target)
                if r is not None:
                    runners.append((target, r))
        except Exception as exc:  # any import failure means "skip"
            print(f"Brian2 skipped: import failed ({type(exc).__name__}: {exc})")

    ours: list[float] = []
    ours_spikes = 0
    peers: dict[str, list[tuple[float, float, float, int]]] = {t: [] for t, _ in runners}
    np_times: list[float] = []
    np_spikes = 0
    for _ in range(repeat):
        dt, ours_spikes = neurolab_run(net)
        ours.append(dt)
        for target, r in runners:
            peers[target].append(r())
        if not args.no_numpy:
            dt, np_spikes = numpy_run(net)
            np_times.append(dt)

    mo = statistics.median(ours)
    print(f"\nRun time of {t_end:g} ms (median of {repeat}), spikes and mean rate per neuron:")
    report("NeuroLab", ours, ours_spikes, n, t_end, None)
    for target, rows in peers.items():
        report(f"Brian2 {target}", [row[2] for row in rows], rows[-1][3], n, t_end, mo)
        print(
            f"  {'':18s} build {statistics.median(row[0] for row in rows):.2f} s, "
            f"code generation + load {statistics.median(row[1] for row in rows):.2f} s "
            f"(not in the run time)"
        )
    if np_times:
        report("numpy loop", np_times, np_spikes, n, t_end, mo)
    for target, rows in peers.items():
        print(
            f"  mean rate NeuroLab − Brian2 {target}: "
            f"{100.0 * (ours_spikes / rows[-1][3] - 1.0):+.2f} %"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
