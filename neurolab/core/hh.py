"""Hodgkin–Huxley neuron (SPEC §2.1), integrated with RK4 in compiled kernels.

C dV/dt = I_in − g_L (V − E_L) − g_Na m³h (V − E_Na) − g_K n⁴ (V − E_K),
dx/dt = α_x(V) (1 − x) − β_x(V) x for each gate x ∈ {m, h, n}.

Units: time in ms, V and reversal potentials in mV, currents in µA/cm²,
conductances in mS/cm², capacitance in µF/cm², rates α, β in 1/ms, firing
rates in Hz.

Integration: classic fourth-order Runge–Kutta with the input held constant
over each step (exponential Euler at dt = 0.01 ms loses a spike in 1000 ms at
I = 10; RK4 at dt = 0.025 ms stays within ~1e-4 ms of a tight reference).  A
step whose stiffness estimate (largest α+β or total conductance/C, times dt)
would make RK4 unstable is split into substeps, so extreme parameters, strong
hyperpolarising input or a coarse dt give a slower but finite run.  The
kernels are compiled by numba and cached on disk; call :func:`warm_up` once
(e.g. in a background thread at launch) so the first simulation does not pay
for compilation.

Grid convention (as in :mod:`neurolab.core.lif`): ``t[k] = k · dt`` is the
start of step k, ``V[k]`` (and m, h, n) is the state at ``t[k]`` and
``I_in[k]`` the input applied during ``[t[k], t[k] + dt)``.  Gates start at
their steady state for V0.  A spike is an upward crossing of 0 mV, its time
linearly interpolated inside the step.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from neurolab.core import _hh_kernels as _k
from neurolab.core.params import Param, ParamSet
from neurolab.core.streaming import check_updates

__all__ = [
    "HHParams",
    "HHResult",
    "HHChunk",
    "alpha_n",
    "beta_n",
    "alpha_m",
    "beta_m",
    "alpha_h",
    "beta_h",
    "steady_state",
    "time_constants",
    "simulate",
    "stream",
    "fi_curve",
    "fi_curve_stream",
    "warm_up",
]


class HHParams(ParamSet):
    """Membrane parameters of the Hodgkin–Huxley neuron (classic squid axon defaults)."""

    C = Param(1.0, 0.1, 10.0, 0.1, "µF/cm²", "Membrane capacitance", label="C")
    g_Na = Param(120.0, 0.0, 300.0, 1.0, "mS/cm²", "Maximal sodium conductance", label="g_Na")
    g_K = Param(36.0, 0.0, 100.0, 0.5, "mS/cm²", "Maximal potassium conductance", label="g_K")
    g_L = Param(0.3, 0.0, 5.0, 0.01, "mS/cm²", "Leak conductance", label="g_L")
    E_Na = Param(50.0, 0.0, 100.0, 0.5, "mV", "Sodium reversal potential", label="E_Na")
    E_K = Param(-77.0, -120.0, -40.0, 0.5, "mV", "Potassium reversal potential", label="E_K")
    E_L = Param(-54.387, -100.0, -20.0, 0.1, "mV", "Leak reversal potential", label="E_L")
    V0 = Param(
        -65.0,
        -100.0,
        50.0,
        0.5,
        "mV",
        "Initial membrane potential; gates start at their steady state for it",
        label="V₀",
    )


# ---------------------------------------------------------------------------
# Rate functions (numpy, any array shape; V in mV, rates in 1/ms)
# ---------------------------------------------------------------------------


def _x_over_1_minus_exp(y: np.ndarray) -> np.ndarray:
    """y / (1 − e^{−y}), with its removable singularity at y = 0 filled in.

    -expm1(-y) keeps full relative precision for small y; exactly at (and
    within 1e-8 of) 0 the series 1 + y/2 + y²/12 takes over (error < 1e-33).
    """
    y = np.asarray(y, dtype=float)
    small = np.abs(y) < 1e-8
    safe = np.where(small, 1.0, y)
    return np.where(small, 1.0 + 0.5 * y + y * y / 12.0, safe / -np.expm1(-safe))


def alpha_n(V: Any) -> np.ndarray:
    """α_n = 0.01 (V+55) / (1 − e^{−(V+55)/10}) in 1/ms; 0.1 at V = −55 mV."""
    return 0.1 * _x_over_1_minus_exp((np.asarray(V, dtype=float) + 55.0) / 10.0)


def beta_n(V: Any) -> np.ndarray:
    """β_n = 0.125 e^{−(V+65)/80} in 1/ms."""
    return 0.125 * np.exp(-(np.asarray(V, dtype=float) + 65.0) / 80.0)


def alpha_m(V: Any) -> np.ndarray:
    """α_m = 0.1 (V+40) / (1 − e^{−(V+40)/10}) in 1/ms; 1.0 at V = −40 mV."""
    return _x_over_1_minus_exp((np.asarray(V, dtype=float) + 40.0) / 10.0)


def beta_m(V: Any) -> np.ndarray:
    """β_m = 4 e^{−(V+65)/18} in 1/ms."""
    return 4.0 * np.exp(-(np.asarray(V, dtype=float) + 65.0) / 18.0)


def alpha_h(V: Any) -> np.ndarray:
    """α_h = 0.07 e^{−(V+65)/20} in 1/ms."""
    return 0.07 * np.exp(-(np.asarray(V, dtype=float) + 65.0) / 20.0)


def beta_h(V: Any) -> np.ndarray:
    """β_h = 1 / (1 + e^{−(V+35)/10}) in 1/ms."""
    return 1.0 / (1.0 + np.exp(-(np.asarray(V, dtype=float) + 35.0) / 10.0))


def steady_state(V: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steady-state gates (m∞, h∞, n∞) = α/(α+β) at V (mV); dimensionless."""
    am, bm = alpha_m(V), beta_m(V)
    ah, bh = alpha_h(V), beta_h(V)
    an, bn = alpha_n(V), beta_n(V)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def time_constants(V: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gate time constants (τ_m, τ_h, τ_n) = 1/(α+β) at V (mV), in ms."""
    return (
        1.0 / (alpha_m(V) + beta_m(V)),
        1.0 / (alpha_h(V) + beta_h(V)),
        1.0 / (alpha_n(V) + beta_n(V)),
    )


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class HHChunk:
    """One chunk of :func:`stream` output: fresh arrays, absolute times in ms.

    Same fields and units as :class:`HHResult`; ``spike_times`` holds the
    spikes that fell inside this chunk.
    """

    t: np.ndarray
    V: np.ndarray
    m: np.ndarray
    h: np.ndarray
    n: np.ndarray
    I_Na: np.ndarray
    I_K: np.ndarray
    I_L: np.ndarray
    I_in: np.ndarray
    spike_times: np.ndarray | list[np.ndarray]


@dataclass(eq=False)
class HHResult(HHChunk):
    """Output of :func:`simulate`.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Sample times (ms): step starts ``k · dt`` for k = 0, r, 2r, … < n_steps
        (r = ``record_every``).
    V : ndarray, shape (T,) or (T, N)
        Membrane potential (mV) at ``t``.
    m, h, n : ndarray, shape (T,) or (T, N)
        Gating variables (dimensionless) at ``t``.
    I_Na, I_K, I_L : ndarray, shape (T,) or (T, N)
        Ionic current densities g·gate·(V − E) (µA/cm²) at ``t``; positive is
        outward.
    I_in : ndarray, shape (T,) or (T, N)
        Input current density (µA/cm²) applied during the step starting at ``t``.
    spike_times : ndarray or list of ndarray
        Upward 0 mV crossings (ms), found at full resolution whatever
        ``record_every`` is.  One array for a single neuron, a list of N arrays
        for a batch.
    dt : float
        Integration step (ms).
    params : HHParams
        The parameters used.
    """

    dt: float = 0.0
    params: HHParams | None = None


class _StimulusStream(Protocol):
    def next(self, n: int) -> np.ndarray: ...


# ---------------------------------------------------------------------------
# Engine shared by simulate / stream / fi_curve
# ---------------------------------------------------------------------------

#: Steps per kernel call, at most.  The spike buffer holds N × (B/2 + 1)
#: floats (the most a block can produce), so large batches take shorter
#: blocks to keep it under _SPIKE_BUFFER_FLOATS (16 MB).
_BLOCK_STEPS = 5000
_SPIKE_BUFFER_FLOATS = 2**21
#: Batches at least this large are split over a thread pool (the kernel
#: releases the GIL), one contiguous range of neurons per core.  Below it the
#: thread hand-off costs more than it saves (measured: 32 neurons ran faster
#: on one core, 64 on two).
_PARALLEL_MIN_N = 64
#: The kernel's vector loop takes 8 neurons at a time (AVX-512 doubles);
#: ranges cut at multiples of this keep leftovers out of the scalar tail.
_LANES = 8
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _n_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_n_cores(), thread_name_prefix="neurolab-hh")
        return _POOL


def _n_steps(t_end: float, dt: float) -> int:
    if not (isinstance(dt, int | float | np.floating) and math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive number of ms (got {dt!r})")
    if not (math.isfinite(t_end) and t_end >= 0):
        raise ValueError(f"t_end must be a non-negative number of ms (got {t_end!r})")
    # round(): t_end = 1000, dt = 0.01 must give 100000 steps, not 99999.
    return int(round(t_end / dt))


def _record_every(r: Any) -> int:
    if isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 1:
        raise ValueError(f"record_every must be a whole number ≥ 1 (got {r!r})")
    return int(r)


def _consts(p: HHParams) -> np.ndarray:
    return np.array([1.0 / p.C, p.g_Na, p.g_K, p.g_L, p.E_Na, p.E_K, p.E_L], dtype=np.float64)


def _currents(
    p: HHParams, V: np.ndarray, m: np.ndarray, h: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    I_Na = p.g_Na * m**3 * h * (V - p.E_Na)
    I_K = p.g_K * n**4 * (V - p.E_K)
    I_L = p.g_L * (V - p.E_L)
    return I_Na, I_K, I_L


class _Engine:
    """State of N neurons plus the bookkeeping to advance them block by block."""

    def __init__(self, n_neurons: int, params: HHParams, dt: float) -> None:
        self.N = n_neurons
        self.dt = float(dt)
        self.k = 0  # global index of the next step
        m0, h0, n0 = steady_state(params.V0)
        self.state = np.empty((4, n_neurons))
        self.state[:] = np.array([params.V0, m0, h0, n0])[:, None]
        self.set_params(params)
        self.n_sub = np.zeros(n_neurons, dtype=np.int64)
        self._spk = np.empty((n_neurons, 0))
        self._n_spk = np.zeros(n_neurons, dtype=np.int64)
        self._no_rec = np.empty((0, n_neurons))

    def set_params(self, params: HHParams) -> None:
        self.params = params
        self.consts = _consts(params)

    def advance(
        self,
        I_in: np.ndarray,
        n_steps: int,
        rec_every: int = 0,
        rec: tuple[np.ndarray, ...] | None = None,
        rec_row0: int = 0,
    ) -> list[list[np.ndarray]]:
        """Run ``n_steps`` steps; return per-neuron lists of spike-time arrays.

        ``I_in`` is (1, N) (constant) or (n_steps, N).  With ``rec_every`` > 0 the
        state before each global step k with k % rec_every == 0 lands in row
        ``k // rec_every - rec_row0`` of the four (rows, N) arrays ``rec``.
        """
        spikes: list[list[np.ndarray]] = [[] for _ in range(self.N)]
        recs = rec if rec is not None else (self._no_rec,) * 4
        if rec is None:
            rec_every = 0
        n_parts = _n_cores() if self.N >= _PARALLEL_MIN_N else 1
        bounds = (np.linspace(0, self.N / _LANES, n_parts + 1).round() * _LANES).astype(int)
        bounds[-1] = self.N
        block = max(16, min(_BLOCK_STEPS, 2 * _SPIKE_BUFFER_FLOATS // self.N - 2))
        done = 0
        while done < n_steps:
            nb = min(block, n_steps - done)
            cap = nb // 2 + 1
            if self._spk.shape[1] < cap:
                self._spk = np.empty((self.N, cap))
            Ib = I_in if I_in.shape[0] == 1 else np.ascontiguousarray(I_in[done : done + nb])
            args = (
                self.state,
                Ib,
                self.consts,
                self.dt,
                nb,
                self.k,
                rec_every,
                rec_row0,
                *recs,
                self._spk,
                self._n_spk,
                self.n_sub,
            )
            if n_parts == 1:
                _k.run_block(*args, 0, self.N)
            else:
                futures = [
                    _pool().submit(_k.run_block, *args, int(a), int(b))
                    for a, b in zip(bounds[:-1], bounds[1:], strict=True)
                ]
                for f in futures:
                    f.result()
            for i in np.flatnonzero(self._n_spk):
                spikes[i].append(self._spk[i, : self._n_spk[i]].copy())
            self.k += nb
            done += nb
        return spikes


def _join(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)


class _Input:
    """Where the input comes from: constants (one per neuron) or a stimulus stream."""

    def __init__(self, current: Any, dt: float, k0: int = 0) -> None:
        self.stream: _StimulusStream | None = None
        if hasattr(current, "stream") and callable(current.stream):
            # Stimuli are evaluated in absolute time: a replacement stimulus
            # picks up at the current step (a step whose onset has passed is on).
            self.stream = current.stream(dt) if k0 == 0 else current.stream(dt, k0 * dt)
            self.values = None
            self.N, self.batch = 1, False
            return
        arr = np.asarray(current, dtype=float)
        if arr.ndim > 1:
            raise ValueError("current must be a number, a 1-D array or a stimulus object")
        if not np.all(np.isfinite(arr)):
            raise ValueError("current must be finite (µA/cm²)")
        self.batch = arr.ndim == 1
        self.values = np.ascontiguousarray(np.atleast_1d(arr).reshape(1, -1))
        self.N = self.values.shape[1]
        if self.N == 0:
            raise ValueError("current is an empty array")

    def next(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Inputs for the next ``n`` steps: (kernel array (1|n, N), recorded (n, N))."""
        if self.stream is None:
            return self.values, np.broadcast_to(self.values, (n, self.N))
        vals = np.asarray(self.stream.next(n), dtype=float).reshape(n, 1)
        if not np.all(np.isfinite(vals)):
            raise ValueError("stimulus produced non-finite current")
        return np.ascontiguousarray(vals), vals


def _shape_out(a: np.ndarray, batch: bool) -> np.ndarray:
    return a if batch else a[:, 0]


def _record(cls, t, traces, spikes, batch: bool, *extra):
    """An HHChunk/HHResult from (N-column) traces V, m, h, n, I_Na, I_K, I_L, I_in."""
    arrays = [_shape_out(a, batch) for a in traces]
    return cls(t, *arrays, spikes if batch else spikes[0], *extra)


# ---------------------------------------------------------------------------
# Public simulation API
# ---------------------------------------------------------------------------


def simulate(
    current: float | np.ndarray | Any,
    t_end: float,
    dt: float = 0.025,
    params: HHParams | None = None,
    record_every: int = 1,
) -> HHResult:
    """Simulate Hodgkin–Huxley neurons from rest at V0 for ``t_end`` ms.

    Parameters
    ----------
    current : float, 1-D array or stimulus
        Input current density (µA/cm²): a number (one neuron, constant input),
        an array of shape (N,) (a batch of N independent neurons, one constant
        input each, simulated together), or a stimulus object for one neuron
        (anything with ``stream(dt)`` whose ``next(n)`` gives the input at the
        next n step starts, e.g. :mod:`neurolab.core.stimulus`), held constant
        over each step.
    t_end : float
        Duration (ms); ``round(t_end / dt)`` steps.
    dt : float
        RK4 step (ms).  0.025 matches a tight reference to ~1e-4 ms in spike
        times for the default model; 0.01 to ~1e-5 ms.
    params : HHParams, optional
        Membrane parameters; defaults to the classic squid axon.
    record_every : int
        Keep every r-th sample of the traces (spikes are still detected at
        every step).  Use it for long or large batch runs: 100 000 steps × 200
        neurons × 8 traces is 1.3 GB at r = 1.

    Returns
    -------
    HHResult
        Traces of shape (T,) for one neuron or (T, N) for a batch; spike times
        (ms) as one array or a list of N arrays.
    """
    p = HHParams.coerce(params)
    n_steps = _n_steps(t_end, dt)
    r = _record_every(record_every)
    src = _Input(current, dt)
    N = src.N
    T = (n_steps + r - 1) // r  # samples at k = 0, r, 2r, … < n_steps
    t = np.arange(T) * r * float(dt)
    eng = _Engine(N, p, dt)
    rec = tuple(np.empty((T, N)) for _ in range(4))
    if src.stream is None:
        I_kernel, _ = src.next(n_steps)
        I_in = np.broadcast_to(src.values, (T, N)).copy()
    else:
        I_kernel, I_all = src.next(n_steps)
        I_in = I_all[::r].copy()
    spikes = eng.advance(I_kernel, n_steps, r, rec, 0)
    V, m, h, n = rec
    I_Na, I_K, I_L = _currents(p, V, m, h, n)
    spk = [_join(s) for s in spikes]
    return _record(HHResult, t, (V, m, h, n, I_Na, I_K, I_L, I_in), spk, src.batch, float(dt), p)


def stream(
    stimulus: float | np.ndarray | Any,
    params: HHParams | None = None,
    dt: float = 0.025,
    chunk_ms: float = 20.0,
    t_end: float | None = None,
    *,
    record_every: int = 1,
) -> Generator[HHChunk, Mapping[str, Any] | None, None]:
    """Simulate chunk by chunk, forever or until ``t_end`` (protocol in :mod:`neurolab.core`).

    Parameters
    ----------
    stimulus : float, stimulus object or 1-D array
        Input current density (µA/cm²); a number means a constant input, an
        array a batch of neurons with constant inputs (chunks then have shape
        (n, N) and a list of spike arrays).
    params : HHParams, optional
    dt : float
        RK4 step (ms).
    chunk_ms : float
        Simulated time per chunk (ms), rounded to whole steps, at least one.
    t_end : float, optional
        Stop after this time (ms); the last chunk may be shorter.  None runs
        forever.
    record_every : int
        Keep every r-th sample (counted from t = 0, across chunks).

    Yields
    ------
    HHChunk
        Fresh arrays with absolute times (ms); ``spike_times`` are the spikes
        inside the chunk.

    Notes
    -----
    ``gen.send({"params": HHParams(...), "stimulus": stim})`` (either key
    optional) applies from the next chunk without resetting the state: V0
    only matters at the start.  A new stimulus is evaluated in absolute time
    (its ``stream(dt, t0)`` starts at the current step), so a live scope sees
    a continuous time axis.  Chunks concatenated equal :func:`simulate` over
    the same time with the same dt.
    """
    p = HHParams.coerce(params)
    r = _record_every(record_every)
    if not (math.isfinite(chunk_ms) and chunk_ms > 0):
        raise ValueError(f"chunk_ms must be positive (got {chunk_ms!r})")
    n_total = None if t_end is None else _n_steps(t_end, dt)
    _n_steps(0.0, dt)  # validates dt
    n_chunk = max(1, int(round(chunk_ms / dt)))
    src = _Input(stimulus, dt)
    eng = _Engine(src.N, p, dt)
    b = src.batch
    while n_total is None or eng.k < n_total:
        nc = n_chunk if n_total is None else min(n_chunk, n_total - eng.k)
        k0 = eng.k
        first_row = -(-k0 // r)  # first recorded global sample index / r
        rows = -(-(k0 + nc) // r) - first_row
        rec = tuple(np.empty((rows, src.N)) for _ in range(4))
        I_kernel, I_all = src.next(nc)
        spikes = eng.advance(I_kernel, nc, r, rec, first_row)
        ks = np.arange(first_row, first_row + rows) * r
        V, m, h, n = rec
        I_Na, I_K, I_L = _currents(eng.params, V, m, h, n)
        I_in = np.ascontiguousarray(I_all[ks - k0])
        spk = [_join(s) for s in spikes]
        chunk = _record(HHChunk, ks * float(dt), (V, m, h, n, I_Na, I_K, I_L, I_in), spk, b)
        updates = check_updates((yield chunk))
        if updates:
            if "params" in updates:
                eng.set_params(HHParams.coerce(updates["params"]))
            if "stimulus" in updates:
                new = _Input(updates["stimulus"], dt, eng.k)
                if new.N != src.N:
                    raise ValueError(f"new stimulus drives {new.N} neurons, the stream has {src.N}")
                src = new


def fi_curve_stream(
    currents: Any,
    t_end: float = 1000.0,
    dt: float = 0.025,
    t_skip: float = 200.0,
    params: HHParams | None = None,
    chunk_ms: float = 50.0,
) -> Generator[tuple[float, np.ndarray | None], Any, None]:
    """:func:`fi_curve` in pieces: yields ``(fraction, None)`` … then ``(1.0, rates)``.

    All neurons advance together, ``chunk_ms`` of simulated time per piece,
    so a GUI can show progress and cancel (``gen.close()``) between pieces.
    Same arguments and result as :func:`fi_curve`.
    """
    p = HHParams.coerce(params)
    n_steps = _n_steps(t_end, dt)
    if not (math.isfinite(t_skip) and 0 <= t_skip < t_end):
        raise ValueError(f"t_skip must be in [0, t_end) ms (got {t_skip!r})")
    if not (math.isfinite(chunk_ms) and chunk_ms > 0):
        raise ValueError(f"chunk_ms must be positive (got {chunk_ms!r})")
    arr = np.asarray(currents, dtype=float)
    src = _Input(arr.ravel(), dt)
    eng = _Engine(src.N, p, dt)
    counts = np.zeros(src.N, dtype=np.int64)
    n_chunk = max(1, int(round(chunk_ms / dt)))
    I_kernel = src.values
    while eng.k < n_steps:
        nc = min(n_chunk, n_steps - eng.k)
        for i, parts in enumerate(eng.advance(I_kernel, nc)):
            for s in parts:
                counts[i] += int(np.count_nonzero(s > t_skip))
        if eng.k < n_steps:
            yield eng.k / n_steps, None
    rates = counts / ((n_steps * float(dt) - t_skip) / 1000.0)
    yield 1.0, rates.reshape(arr.shape)


def fi_curve(
    currents: Any,
    t_end: float = 1000.0,
    dt: float = 0.025,
    t_skip: float = 200.0,
    params: HHParams | None = None,
) -> np.ndarray:
    """Firing rate (Hz) for each constant input current, in one batched run.

    The rate is the number of spikes after ``t_skip`` divided by
    ``t_end − t_skip``: the transient (HH fires a spike or a few at onset even
    below the repetitive-firing threshold) is left out.

    Parameters
    ----------
    currents : array_like
        Input current densities (µA/cm²), any shape.
    t_end : float
        Simulated time per neuron (ms).
    dt : float
        RK4 step (ms).
    t_skip : float
        Transient to ignore (ms), 0 ≤ t_skip < t_end.
    params : HHParams, optional

    Returns
    -------
    ndarray
        Rates in Hz, same shape as ``currents``.
    """
    *_, (_, rates) = fi_curve_stream(currents, t_end, dt, t_skip, params, chunk_ms=t_end or 1.0)
    return rates


def warm_up() -> float:
    """Compile (or load from numba's disk cache) every HH kernel with tiny runs.

    Meant for a background thread at application launch, so the first real
    simulation starts at once.  Returns the elapsed wall time (s).
    """
    t0 = time.perf_counter()
    simulate(10.0, 0.5, dt=0.025)
    simulate(np.full(_PARALLEL_MIN_N, 10.0), 0.5, dt=0.025, record_every=10)  # thread pool
    return time.perf_counter() - t0
