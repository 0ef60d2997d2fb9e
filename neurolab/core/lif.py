"""Leaky integrate-and-fire neuron in dimensionless units (SPEC §2.2).

τ_m dv/dt = J − v while v < 1 and not refractory.  When v reaches the
threshold 1 the neuron spikes, v is reset to 0 and held there for t_ref.
v = (V − V_L) / (V_th − V_L) and the input J are dimensionless; times are in
ms and rates in Hz.

The input is piecewise constant over each time step, and the simulation is
exact for such input: between events v ← J + (v − J) e^{−dt/τ_m}; a threshold
crossing is located inside its step by solving J + (v − J) e^{−s/τ_m} = 1 for
s; the refractory period runs from that crossing time, and a neuron whose
refractory period ends inside a step integrates the rest of the step exactly.
Interspike intervals are therefore t_ref + τ_m ln(J / (J − 1)) to rounding
error at any dt, so simulated rates equal G(J) (:func:`rate`).

Grid convention: ``t[k] = k · dt`` is the start of step k, ``v[k]`` is v at
``t[k]`` and ``I_in[k]`` the input J applied during ``[t[k], t[k] + dt)``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolab.core.compiled import entry_point, njit
from neurolab.core.params import Param, ParamSet
from neurolab.core.stimulus import Constant, Stimulus
from neurolab.core.streaming import check_updates

__all__ = [
    "LIFParams",
    "LIFResult",
    "LIFChunk",
    "rate",
    "simulate",
    "stream",
    "fi_curve",
    "fi_curve_stream",
    "V_TH",
    "V_RESET",
]

V_TH = 1.0  #: threshold of the dimensionless model
V_RESET = 0.0  #: reset value of the dimensionless model


class LIFParams(ParamSet):
    """Parameters of the dimensionless LIF neuron (threshold 1 and reset 0 are fixed)."""

    tau_m = Param(20.0, 1.0, 200.0, 0.5, "ms", "Membrane time constant τ_m", label="τ_m")
    t_ref = Param(2.0, 0.0, 50.0, 0.1, "ms", "Refractory period after a spike", label="t_ref")
    v0 = Param(
        0.0, -1.0, 1.0, 0.05, "", "Initial v (dimensionless; threshold 1, reset 0)", label="v₀"
    )


@dataclass
class LIFResult:
    """Output of :func:`simulate`.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Step start times (ms).
    v : ndarray, shape (T,) or (T, N)
        Dimensionless membrane potential at ``t``.
    I_in : ndarray, shape (T,) or (T, N)
        Input J during each step (dimensionless).
    spike_times : ndarray or list of ndarray
        Spike times (ms), threshold crossings located inside the step.  One
        array for a single neuron, a list of N arrays for a batch.
    """

    t: np.ndarray
    v: np.ndarray
    I_in: np.ndarray
    spike_times: np.ndarray | list[np.ndarray]


@dataclass
class LIFChunk:
    """One chunk of :func:`stream` output (fresh arrays; times absolute, in ms)."""

    t: np.ndarray
    v: np.ndarray
    I_in: np.ndarray
    spike_times: np.ndarray


def rate(J: Any, params: LIFParams | None = None) -> np.ndarray:
    """Steady firing rate G(J) in Hz for constant input J.

    G(J) = 1000 / (t_ref − τ_m ln(1 − 1/J)) for J > 1, else 0 (times in ms).

    Parameters
    ----------
    J : array_like
        Dimensionless input.
    params : LIFParams, optional
        τ_m and t_ref (ms).

    Returns
    -------
    ndarray
        Rates in Hz, same shape as ``J`` (0-d for a scalar).
    """
    p = LIFParams.coerce(params)
    J = np.asarray(J, dtype=float)
    out = np.zeros(J.shape)
    fires = J > 1.0
    # Only J > 1 reaches the log, so no warnings for J <= 1; log1p keeps
    # precision for large J where 1/J is tiny.
    out[fires] = 1000.0 / (p.t_ref - p.tau_m * np.log1p(-1.0 / J[fires]))
    return out[()] if out.ndim == 0 else out


# --------------------------------------------------------------------------
# Compiled kernel


@njit(cache=True)
def _grow(a, n):  # pragma: no cover - compiled
    b = np.empty(max(2 * a.size, n), a.dtype)
    b[: a.size] = a
    return b


@njit(cache=True)
def _push_spike(spk_t, spk_i, ns, t, i):  # pragma: no cover - compiled
    """Append spike (t, i) to growable buffers holding ``ns`` spikes."""
    if ns == spk_t.size:
        spk_t = _grow(spk_t, ns + 1)
        spk_i = _grow(spk_i, ns + 1)
    spk_t[ns] = t
    spk_i[ns] = i
    return spk_t, spk_i, ns + 1


@entry_point(
    "Tuple((i8[::1], f8[::1], i8))(f8[:, ::1], f8[::1], f8[::1], i8, f8, f8, f8, i8, "
    "f8[:, ::1], b1)"
)
def _kernel(J, v, ref_until, k0, dt, tau, t_ref, n_steps, v_out, record):  # pragma: no cover
    """Advance N neurons by ``n_steps`` exact steps, in place.

    J: (1 or n_steps, N) input per step; v, ref_until: (N,) state (ref_until is
    the absolute time the current refractory period ends); step k starts at
    (k0 + k) * dt.  Records v at each step start into v_out if ``record``.
    Returns (neuron index, spike time) arrays and the spike count.
    """
    n = v.size
    decay = math.exp(-dt / tau)
    cap = 1024
    spk_i = np.empty(cap, np.int64)
    spk_t = np.empty(cap, np.float64)
    ns = 0
    per_step_J = J.shape[0] > 1
    for k in range(n_steps):
        t_k = (k0 + k) * dt
        t_next = (k0 + k + 1) * dt
        row = k if per_step_J else 0
        for i in range(n):
            vi = v[i]
            if record:
                v_out[k, i] = vi
            if ref_until[i] >= t_next:
                continue  # refractory for the whole step: v stays at reset
            Ji = J[row, i]
            if ref_until[i] > t_k:
                t_sub = ref_until[i]  # refractory ends mid-step
                rem = t_next - t_sub
                e = math.exp(-rem / tau)
            else:
                t_sub = t_k
                rem = dt
                e = decay  # the common case: no exp per neuron-step
            while True:
                v_end = Ji + (vi - Ji) * e
                if v_end < 1.0:
                    vi = v_end
                    break
                # Crossing: J + (v − J) e^{−s/τ} = 1 → s = τ ln((J − v)/(J − 1)).
                # J > 1 here because v < 1 ≤ v_end.
                s = tau * math.log((Ji - vi) / (Ji - 1.0))
                if s > rem:  # rounding when v_end is within an ulp of 1
                    s = rem
                if s < 0.0:
                    s = 0.0
                t_spk = t_sub + s
                spk_t, spk_i, ns = _push_spike(spk_t, spk_i, ns, t_spk, i)
                vi = 0.0
                ref_until[i] = t_spk + t_ref
                if ref_until[i] >= t_next:
                    break
                # Refractory ends inside this step: integrate what is left.
                t_sub = ref_until[i]
                rem = t_next - t_sub
                e = math.exp(-rem / tau)
            v[i] = vi
    return spk_i, spk_t, ns


class _State:
    """State of N neurons between kernel calls."""

    def __init__(self, n: int, v0: float) -> None:
        self.v = np.full(n, float(v0))
        self.ref_until = np.full(n, -np.inf)
        self.k = 0  # absolute index of the next step

    def advance(
        self, J: np.ndarray, n_steps: int, dt: float, p: LIFParams, record: bool = True
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """Run ``n_steps``; J is (1 or n_steps, N).  Returns v (n_steps, N) or None,
        and spike neuron indices and times."""
        n = self.v.size
        v_out = np.empty((n_steps, n) if record else (0, n))
        J = np.ascontiguousarray(J, dtype=float)
        if not np.isfinite(J).all():
            # An infinite or NaN input would never leave the kernel's crossing loop.
            raise ValueError("LIF input J must be finite")
        spk_i, spk_t, ns = _kernel(
            J,
            self.v,
            self.ref_until,
            self.k,
            float(dt),
            float(p.tau_m),
            float(p.t_ref),
            n_steps,
            v_out,
            record,
        )
        self.k += n_steps
        return (v_out if record else None), spk_i[:ns], spk_t[:ns]


def _split_spikes(spk_i: np.ndarray, spk_t: np.ndarray, n: int) -> list[np.ndarray]:
    # The kernel emits spikes in time order; a stable sort by neuron keeps it.
    order = np.argsort(spk_i, kind="stable")
    bounds = np.searchsorted(spk_i[order], np.arange(1, n))
    return [a.copy() for a in np.split(spk_t[order], bounds)]


def _n_steps(t_end: float, dt: float) -> int:
    if not dt > 0:
        raise ValueError(f"dt must be positive (got {dt})")
    if not t_end >= 0:
        raise ValueError(f"t_end must be non-negative (got {t_end})")
    # round(): t_end = 1000, dt = 0.1 must give 10000 steps, not 9999.
    return int(round(t_end / dt))


def simulate(
    J: float | np.ndarray | Stimulus,
    t_end: float,
    dt: float = 0.1,
    params: LIFParams | None = None,
) -> LIFResult:
    """Simulate LIF neurons from v = v0 for ``t_end`` ms.

    Parameters
    ----------
    J : float, 1-D array or Stimulus
        Constant input for one neuron (float), for a batch of N independent
        neurons (array of shape (N,)), or a time-varying input for one neuron
        (a :class:`~neurolab.core.stimulus.Stimulus`, sampled at step starts
        and held constant over each step).  Dimensionless.
    t_end : float
        Duration (ms); ``round(t_end / dt)`` steps.
    dt : float
        Time step (ms).  Accuracy does not depend on it for piecewise-constant
        input; it sets the sampling of ``v`` and of a time-varying stimulus.
    params : LIFParams, optional

    Returns
    -------
    LIFResult
        Single neuron: ``v`` and ``I_in`` have shape (T,), ``spike_times`` is
        one array.  Batch: shape (T, N) and a list of N arrays.
    """
    p = LIFParams.coerce(params)
    n_steps = _n_steps(t_end, dt)
    t = np.arange(n_steps) * dt
    if isinstance(J, Stimulus):
        I_in = J.stream(dt).next(n_steps).astype(float)
        Jk, n, batch = I_in[:, None], 1, False
    else:
        Ja = np.asarray(J, dtype=float)
        if Ja.ndim > 1:
            raise ValueError("J must be a number, a 1-D array or a Stimulus")
        batch = Ja.ndim == 1
        Ja = np.atleast_1d(Ja)
        n = Ja.size
        Jk = Ja[None, :]
        I_in = np.broadcast_to(Ja, (n_steps, n)).copy() if batch else np.full(n_steps, Ja[0])
    state = _State(n, p.v0)
    v, spk_i, spk_t = state.advance(Jk, n_steps, dt, p)
    if batch:
        return LIFResult(t, v, I_in, _split_spikes(spk_i, spk_t, n))
    return LIFResult(t, v[:, 0].copy(), I_in, spk_t.copy())


def stream(
    stimulus: float | Stimulus,
    params: LIFParams | None = None,
    dt: float = 0.1,
    chunk_ms: float = 20.0,
    t_end: float | None = None,
) -> Generator[LIFChunk, Mapping[str, Any] | None, None]:
    """Simulate one LIF neuron chunk by chunk (see the protocol in :mod:`neurolab.core`).

    Parameters
    ----------
    stimulus : float or Stimulus
        Input J (dimensionless); a number means a constant input.
    params : LIFParams, optional
    dt : float
        Time step (ms).
    chunk_ms : float
        Simulated time per chunk (ms); rounded to whole steps, at least one.
    t_end : float, optional
        Stop after this time (ms); the last chunk may be shorter.  None runs
        forever.

    Yields
    ------
    LIFChunk
        ``t`` (absolute, ms), ``v`` and ``I_in`` of shape (n,), and the spike
        times (ms) that fell inside the chunk.

    Notes
    -----
    ``gen.send({"params": LIFParams(...), "stimulus": stim})`` (either key
    optional) applies from the next chunk.  The membrane state carries over;
    ``v0`` only matters at the start.  A new stimulus is evaluated in absolute
    time (a step whose onset has passed is already on).  Chunks concatenated
    equal :func:`simulate` over the same time.
    """
    p = LIFParams.coerce(params)
    stim = _as_stimulus(stimulus)
    n_chunk = max(1, int(round(chunk_ms / dt)))
    n_total = None if t_end is None else _n_steps(t_end, dt)
    state = _State(1, p.v0)
    source = stim.stream(dt)
    while n_total is None or state.k < n_total:
        n = n_chunk if n_total is None else min(n_chunk, n_total - state.k)
        k_start = state.k
        I_in = np.asarray(source.next(n), dtype=float)
        v, _, spk_t = state.advance(I_in[:, None], n, dt, p)
        chunk = LIFChunk((k_start + np.arange(n)) * dt, v[:, 0].copy(), I_in, spk_t.copy())
        updates = check_updates((yield chunk))
        if updates:
            if "params" in updates:
                p = LIFParams.coerce(updates["params"])
            if "stimulus" in updates:
                source = _as_stimulus(updates["stimulus"]).stream(dt, state.k * dt)


def _as_stimulus(stimulus: float | Stimulus) -> Stimulus:
    if isinstance(stimulus, Stimulus):
        return stimulus
    return Constant(amplitude=float(stimulus))


def _rates_from_spikes(spikes: list[np.ndarray], t_end: float) -> np.ndarray:
    out = np.zeros(len(spikes))
    for i, s in enumerate(spikes):
        if s.size >= 2:
            out[i] = 1000.0 * (s.size - 1) / (s[-1] - s[0])
        elif t_end > 0:
            out[i] = 1000.0 * s.size / t_end
    return out


def fi_curve(
    J: np.ndarray,
    t_end: float = 1000.0,
    dt: float = 0.1,
    params: LIFParams | None = None,
) -> np.ndarray:
    """Simulated firing rate (Hz) for each constant input J, in one batched run.

    The rate is (spikes − 1) / (last spike − first spike), the inverse mean
    interspike interval, which is free of the ±1-spike counting error and of
    the first interval from v0; with fewer than two spikes it is the count
    divided by ``t_end``.

    Parameters
    ----------
    J : array_like
        Dimensionless inputs, any shape.
    t_end : float
        Simulated time per neuron (ms).
    dt : float
        Time step (ms).
    params : LIFParams, optional

    Returns
    -------
    ndarray
        Rates in Hz, same shape as ``J``.
    """
    p = LIFParams.coerce(params)
    Ja = np.asarray(J, dtype=float)
    flat = Ja.ravel()
    n_steps = _n_steps(t_end, dt)
    state = _State(flat.size, p.v0)
    _, spk_i, spk_t = state.advance(flat[None, :], n_steps, dt, p, record=False)
    rates = _rates_from_spikes(_split_spikes(spk_i, spk_t, flat.size), t_end)
    return rates.reshape(Ja.shape)


def fi_curve_stream(
    J: np.ndarray,
    t_end: float = 1000.0,
    dt: float = 0.1,
    params: LIFParams | None = None,
    batch: int = 256,
) -> Generator[tuple[float, np.ndarray | None], Any, None]:
    """:func:`fi_curve` in pieces: yields ``(fraction, None)`` … ``(1.0, rates)``.

    Same protocol as ``neurolab.core.hh.fi_curve_stream``, so the GUI can
    drive both the same way.  ``batch`` inputs are simulated per piece.
    """
    Ja = np.asarray(J, dtype=float)
    flat = Ja.ravel()
    rates = np.zeros(flat.size)
    for start in range(0, flat.size, batch):
        stop = min(start + batch, flat.size)
        rates[start:stop] = fi_curve(flat[start:stop], t_end, dt, params)
        if stop < flat.size:
            yield stop / flat.size, None
    yield 1.0, rates.reshape(Ja.shape)


def warm_up() -> float:
    """Compile (or load from numba's disk cache) the LIF kernel with a tiny run.

    Called in a background thread at launch and by ``neurolab --warm-up``.
    Returns the elapsed wall time (s).
    """
    t0 = time.perf_counter()
    simulate(1.5, 1.0, dt=0.1)
    simulate(np.array([0.5, 1.5]), 1.0, dt=0.1)
    return time.perf_counter() - t0


#: Starting values of each stimulus kind for the dimensionless LIF neuron (threshold 1),
#: where the generic ones (µA/cm² for HH) would be far too strong.
STIMULUS_DEFAULTS: dict[str, dict[str, float]] = {
    "constant": {"amplitude": 1.5},
    "step": {"amplitude": 1.5},
    "pulse train": {"amplitude": 4.0, "width": 10.0},
    "ramp": {"start": 0.0, "end": 3.0},
    "sine": {"amplitude": 1.0, "offset": 1.2},
    "noise": {"mean": 1.2, "sigma": 0.5},
}
