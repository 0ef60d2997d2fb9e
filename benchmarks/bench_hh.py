"""Hodgkin–Huxley: NeuroLab against scipy's LSODA and Brian2 (SPEC §6, W1 and W2).

W1  one neuron, I = 10 µA/cm², 1000 ms, dt = 0.01 ms.
W2  F–I sweep: 200 neurons, I = linspace(0, 20, 200), 1000 ms, dt = 0.01 ms,
    rate from the spikes after 200 ms.

Peers
- scipy ``solve_ivp(method="LSODA")`` at its default tolerances, spikes by an
  event function.  For W2 it integrates every 10th neuron and the time is
  scaled ×10 (it says so when it prints).
- Brian2 (if ``import brian2`` works), cython target when it compiles, numpy
  otherwise, its default method for these equations (exponential Euler) at
  dt = 0.01 ms.  Code generation and compilation are excluded: each repeat
  builds the network, runs it for 0 ms (which generates and compiles or loads
  the code), then times ``run(1000 ms)``.

NeuroLab and each peer alternate in one process, ``--repeat`` times (≥ 3), and
medians are compared, because timings on small shared machines drift ±20 %.
Accuracy: spike count and largest spike-time error at W1 against scipy's
DOP853 at rtol = atol = 1e-10.

Run: ``python benchmarks/bench_hh.py`` (``make bench`` does it in .venv-bench).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from scipy.integrate import solve_ivp

T_END = 1000.0
DT = 0.01
I_W1 = 10.0
I_W2 = np.linspace(0.0, 20.0, 200)
T_SKIP = 200.0
LSODA_W2_STRIDE = 10


# --- the model for scipy (textbook form, SPEC §2.1 defaults) -------------------


def _rates(V: float) -> tuple[float, ...]:
    e = math.exp
    xn, xm = V + 55.0, V + 40.0
    a_n = 0.1 if xn == 0.0 else 0.01 * xn / (1.0 - e(-xn / 10.0))
    a_m = 1.0 if xm == 0.0 else 0.1 * xm / (1.0 - e(-xm / 10.0))
    return (
        a_m,
        4.0 * e(-(V + 65.0) / 18.0),
        0.07 * e(-(V + 65.0) / 20.0),
        1.0 / (1.0 + e(-(V + 35.0) / 10.0)),
        a_n,
        0.125 * e(-(V + 65.0) / 80.0),
    )


def _rhs(t: float, y: np.ndarray, I_app: float) -> list[float]:
    V, m, h, n = y
    a_m, b_m, a_h, b_h, a_n, b_n = _rates(V)
    dV = I_app - 120.0 * m**3 * h * (V - 50.0) - 36.0 * n**4 * (V + 77.0) - 0.3 * (V + 54.387)
    return [dV, a_m * (1 - m) - b_m * m, a_h * (1 - h) - b_h * h, a_n * (1 - n) - b_n * n]


def _y0() -> list[float]:
    a_m, b_m, a_h, b_h, a_n, b_n = _rates(-65.0)
    return [-65.0, a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)]


def _crossing(t: float, y: np.ndarray, I_app: float) -> float:
    return y[0]


_crossing.direction = 1.0  # type: ignore[attr-defined]


def scipy_spikes(I_app: float, method: str = "LSODA", **tol: float) -> np.ndarray:
    sol = solve_ivp(
        _rhs, (0.0, T_END), _y0(), method=method, events=_crossing, args=(I_app,), **tol
    )
    if not sol.success:
        raise RuntimeError(sol.message)
    return sol.t_events[0]


# --- NeuroLab ---------------------------------------------------------------


def neurolab_w1() -> np.ndarray:
    from neurolab.core import hh

    return hh.simulate(I_W1, T_END, dt=DT).spike_times  # full traces recorded


def neurolab_w2() -> np.ndarray:
    from neurolab.core import hh

    return hh.fi_curve(I_W2, T_END, dt=DT, t_skip=T_SKIP)


# --- LSODA peer ---------------------------------------------------------------------


def lsoda_w1() -> np.ndarray:
    return scipy_spikes(I_W1)


def lsoda_w2() -> np.ndarray:
    sub = I_W2[::LSODA_W2_STRIDE]
    return np.array([np.count_nonzero(scipy_spikes(i) > T_SKIP) for i in sub]) / (
        (T_END - T_SKIP) / 1000.0
    )


# --- Brian2 peer --------------------------------------------------------------------


def brian2_setup() -> tuple[str, Callable[[np.ndarray, bool], tuple[float, object]]] | None:
    """Return (target, runner) or None when Brian2 cannot be imported."""
    try:
        import brian2 as b2
    except Exception as exc:  # any import failure means "skip"
        print(f"Brian2 skipped: import failed ({type(exc).__name__}: {exc})")
        return None
    b2.prefs.logging.console_log_level = "WARNING"
    eqs = """
    dv/dt = (I - gNa*m**3*h*(v-ENa) - gK*n**4*(v-EK) - gL*(v-EL)) / Cm : volt
    dm/dt = alpha_m*(1-m) - beta_m*m : 1
    dh/dt = alpha_h*(1-h) - beta_h*h : 1
    dn/dt = alpha_n*(1-n) - beta_n*n : 1
    alpha_m = 1/exprel(-(v+40*mV)/(10*mV))/ms : Hz
    beta_m = 4*exp(-(v+65*mV)/(18*mV))/ms : Hz
    alpha_h = 0.07*exp(-(v+65*mV)/(20*mV))/ms : Hz
    beta_h = 1/(1+exp(-(v+35*mV)/(10*mV)))/ms : Hz
    alpha_n = 0.1/exprel(-(v+55*mV)/(10*mV))/ms : Hz
    beta_n = 0.125*exp(-(v+65*mV)/(80*mV))/ms : Hz
    I : amp/meter**2
    """
    ns = {
        "Cm": 1 * b2.ufarad / b2.cm**2,
        "gNa": 120 * b2.msiemens / b2.cm**2,
        "gK": 36 * b2.msiemens / b2.cm**2,
        "gL": 0.3 * b2.msiemens / b2.cm**2,
        "ENa": 50 * b2.mV,
        "EK": -77 * b2.mV,
        "EL": -54.387 * b2.mV,
    }

    def run(currents: np.ndarray, record_v: bool) -> tuple[float, object]:
        b2.start_scope()
        b2.defaultclock.dt = DT * b2.ms
        # Spike = upward crossing of 0 mV: threshold v > 0, not again until v ≤ 0.
        G = b2.NeuronGroup(
            len(currents),
            eqs,
            threshold="v > 0*mV",
            refractory="v > 0*mV",
            method="exponential_euler",
            namespace=ns,
        )
        G.v = -65 * b2.mV
        a_m, b_m, a_h, b_h, a_n, b_n = _rates(-65.0)
        G.m, G.h, G.n = a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)
        G.I = currents * b2.uamp / b2.cm**2
        spikes = b2.SpikeMonitor(G)
        objs = [G, spikes]
        if record_v:
            objs.append(b2.StateMonitor(G, "v", record=True))
        net = b2.Network(*objs)
        net.run(0 * b2.ms)  # generates + compiles (or loads) the code: not timed
        t0 = time.perf_counter()
        net.run(T_END * b2.ms)
        return time.perf_counter() - t0, spikes

    target = "numpy"
    try:
        b2.prefs.codegen.target = "cython"
        run(np.array([I_W1]), False)
        target = "cython"
    except Exception as exc:  # no compiler, no Cython: fall back
        print(f"Brian2 cython target unavailable ({type(exc).__name__}); using numpy target")
        b2.prefs.codegen.target = "numpy"
    print(f"Brian2 {b2.__version__}, target {target}, method exponential_euler, dt {DT} ms")
    return target, run


def brian2_w1(run: Callable) -> tuple[float, np.ndarray]:
    import brian2 as b2

    elapsed, spikes = run(np.array([I_W1]), True)
    return elapsed, np.asarray(spikes.t / b2.ms)


def brian2_w2(run: Callable) -> tuple[float, np.ndarray]:
    import brian2 as b2

    elapsed, spikes = run(I_W2, False)
    i, t = np.asarray(spikes.i), np.asarray(spikes.t / b2.ms)
    counts = np.bincount(i[t > T_SKIP], minlength=len(I_W2))
    return elapsed, counts / ((T_END - T_SKIP) / 1000.0)


# --- harness ----------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def compare(
    name: str,
    ours: Callable[[], object],
    peer: Callable[[], tuple[float, object]],
    repeat: int,
    peer_label: str,
    peer_scale: float = 1.0,
) -> tuple[object, object]:
    """Alternate ours/peer ``repeat`` times; print medians and the ratio."""
    t_ours, t_peer = [], []
    out_ours = out_peer = None
    for _ in range(repeat):
        dt, out_ours = timed(ours)
        t_ours.append(dt)
        dt, out_peer = peer()
        t_peer.append(dt * peer_scale)
    mo, mp = statistics.median(t_ours), statistics.median(t_peer)
    print(
        f"  {name}: NeuroLab {mo:8.4f} s   {peer_label} {mp:8.3f} s   "
        f"ratio NeuroLab/{peer_label.split()[0]} = {mo / mp:.4f} ({mp / mo:.1f}× faster)   "
        f"[NeuroLab runs: {', '.join(f'{x:.4f}' for x in t_ours)}; "
        f"peer: {', '.join(f'{x:.3f}' for x in t_peer)}]"
    )
    return out_ours, out_peer


def spike_errors(label: str, spikes: np.ndarray, ref: np.ndarray) -> None:
    n = min(len(spikes), len(ref))
    err = np.max(np.abs(np.asarray(spikes[:n]) - ref[:n])) if n else float("nan")
    match = "same count" if len(spikes) == len(ref) else f"{len(spikes) - len(ref):+d} spikes"
    print(
        f"  {label:40s} {len(spikes):3d} spikes ({match}), "
        f"max |Δt| over the first {n} in order = {err:.2e} ms"
    )


def cpu_note() -> str:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.processor() or platform.machine()}, {cores} cores, load {load:.2f}"


def cold_compile_times() -> None:
    """Import + warm_up in fresh processes: empty numba cache, then a warm cache."""
    import tempfile

    code = (
        "import time; t0 = time.perf_counter(); from neurolab.core import hh; "
        "t1 = time.perf_counter(); w = hh.warm_up(); "
        "print(f'{t1 - t0:.2f} {w:.2f}')"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold (empty numba cache)", "warm (cache on disk)  "):
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout.split()
            print(f"  {label}: import {out[0]} s, warm_up() {out[1]} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="alternating repeats (≥ 3)")
    ap.add_argument("--no-compile", action="store_true", help="skip the compile-time probe")
    args = ap.parse_args()
    repeat = max(3, args.repeat)

    import numba

    from neurolab.core import hh

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, numba "
        f"{numba.__version__}; {cpu_note()}"
    )
    if not args.no_compile:
        print("NeuroLab kernel start-up (fresh processes):")
        cold_compile_times()
    hh.warm_up()

    print(
        f"\nW1: one HH neuron, I = {I_W1} µA/cm², {T_END:.0f} ms, dt = {DT} ms "
        f"(NeuroLab records V, m, h, n and the currents at every step)"
    )
    nl_w1, ls_w1 = compare(
        "W1", neurolab_w1, lambda: timed(lsoda_w1), repeat, "LSODA (default tol)"
    )
    print(f"     spikes: NeuroLab {len(nl_w1)}, LSODA {len(ls_w1)}")

    print(
        f"\nW2: F–I sweep, {len(I_W2)} neurons, I = 0…20 µA/cm², {T_END:.0f} ms, "
        f"dt = {DT} ms, rate after {T_SKIP:.0f} ms"
    )
    print(
        f"     (LSODA integrates every {LSODA_W2_STRIDE}th neuron, "
        f"{len(I_W2) // LSODA_W2_STRIDE} of {len(I_W2)}, and its time is scaled "
        f"×{LSODA_W2_STRIDE})"
    )
    nl_w2, ls_w2 = compare(
        "W2",
        neurolab_w2,
        lambda: timed(lsoda_w2),
        repeat,
        "LSODA (default tol)",
        peer_scale=LSODA_W2_STRIDE,
    )
    sub = nl_w2[::LSODA_W2_STRIDE]
    print(
        f"     rates on LSODA's neurons: max |NeuroLab − LSODA| = "
        f"{np.max(np.abs(sub - ls_w2)):.2f} Hz; NeuroLab total spikes after "
        f"{T_SKIP:.0f} ms = {round(np.sum(nl_w2) * 0.8)}"
    )

    brian = brian2_setup()
    br_w1 = None
    if brian is not None:
        _, run = brian
        print("\nW1 vs Brian2:")
        _, br_w1 = compare("W1", neurolab_w1, lambda: brian2_w1(run), repeat, "Brian2")
        print("W2 vs Brian2:")
        _, br_w2 = compare("W2", neurolab_w2, lambda: brian2_w2(run), repeat, "Brian2")
        print(
            f"     rates: max |NeuroLab − Brian2| = {np.max(np.abs(nl_w2 - br_w2)):.2f} Hz, "
            f"total spikes after {T_SKIP:.0f} ms: NeuroLab {round(np.sum(nl_w2) * 0.8)}, "
            f"Brian2 {round(np.sum(br_w2) * 0.8)}"
        )

    print("\nAccuracy at W1 against scipy DOP853, rtol = atol = 1e-10 (event-located spikes):")
    ref = scipy_spikes(I_W1, "DOP853", rtol=1e-10, atol=1e-10)
    print(f"  reference: {len(ref)} spikes, first at {ref[0]:.4f} ms")
    spike_errors("NeuroLab RK4, dt 0.01 (linear interp.)", nl_w1, ref)
    spike_errors("NeuroLab RK4, dt 0.025", hh.simulate(I_W1, T_END, dt=0.025).spike_times, ref)
    spike_errors("LSODA default tol (events)", ls_w1, ref)
    if br_w1 is not None:
        spike_errors("Brian2 exp. Euler, dt 0.01", br_w1, ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
