"""Synapses: post-synaptic current filters, spike trains and a two-neuron chain (SPEC §3).

Filters
    h(t) = k tⁿ e^{−t/τ_s} for t ≥ 0 and 0 for t < 0, with k = 1/(n! τ_s^{n+1})
    so that ∫h dt = 1; h has units 1/ms (times in ms).  n = 0 is the
    exponential synapse, n = 1 the alpha synapse.  h of order n is the impulse
    response of n + 1 first-order filters in a row:
    τ_s dx₀/dt = −x₀ (an impulse adds 1/τ_s to x₀), τ_s dxᵢ/dt = xᵢ₋₁ − xᵢ,
    h = x_n.  A spike train a(t) = Σ_p δ(t − t_p) filtered by h is
    s(t) = Σ_p h(t − t_p) (:func:`filter_spikes`); :func:`filter_spikes_ode`
    computes the same s from the cascade, to rounding error.

Spike trains
    :class:`Regular`, :class:`Poisson`, :class:`PoissonRefractory`,
    :class:`Bursts` and :class:`ExplicitTimes` are parameter sets whose
    ``generate(t_end)`` returns sorted spike times (ms) in ``[0, t_end)``.
    Rates are in Hz.  A seeded train is reproducible, and a longer run starts
    with exactly the spikes of a shorter one (numbers are drawn in fixed-size
    blocks), so a train can be generated window by window (:meth:`SpikeTrain.stream`).

Two-neuron chain
    A presynaptic LIF neuron (driven by a stimulus) or a spike train excites
    a postsynaptic LIF neuron through one synapse: every presynaptic spike
    adds w/τ_s to the first cascade stage x₀, the synaptic input is
    s = x_n (for n = 0: τ_s ds/dt = −s and s jumps by w/τ_s), and
    τ_m dv/dt = s + J_post − v with threshold 1, reset 0 and refractory
    period t_ref (SPEC §2.2, §4).  Each spike delivers ∫s dt = w, so with s in
    the LIF's dimensionless input units, w is in units of J·ms.

Integration of the chain
    Between events the cascade and the postsynaptic membrane form one linear
    system y' = A y with y = (x₀ … x_n, v, 1), so the state is advanced
    *exactly* by the matrix exponential e^{A h}: by a precomputed e^{A·dt}
    for a whole step without events, and by a compiled Taylor
    scaling-and-squaring exponential for a piece of a step that ends at a
    presynaptic spike, the end of the refractory period or a threshold
    crossing.  A crossing is detected when v ≥ 1 at the end of a piece, or
    when v has a maximum inside the piece (v' > 0 at its start, < 0 at its
    end) that reaches 1, and is then located by safeguarded Newton iteration
    on v(t) − 1 (v' comes from the same linear system), to rounding error.  v
    between two events is J + a sum of exponentials times polynomials, and for
    n = 0 it has at most one extremum per piece, so no crossing is missed; for
    n > 0 a piece would need two maxima of v to hide one, which needs a step
    comparable to τ_s.  The presynaptic LIF reuses :mod:`neurolab.core.lif`'s
    exact kernel.  Results therefore do not depend on dt except through the
    sampling of the stimulus; against scipy's DOP853 at rtol 1e-12, v agrees
    to ~1e-13 and spike times to ~1e-11 ms.

Grid convention (as in :mod:`neurolab.core.lif`): ``t[k] = k · dt``; v and s
at index k are the values at ``t[k]``, including a spike arriving exactly at
``t[k]`` (h(0) = 1/τ_s for n = 0: s is continuous from the right).
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import scipy.integrate
import scipy.linalg

from neurolab.core.compiled import entry_point, njit
from neurolab.core.lif import LIFParams, _grow, _n_steps, _State
from neurolab.core.params import Param, ParamError, ParamSet
from neurolab.core.stimulus import Constant, Stimulus
from neurolab.core.streaming import check_updates

__all__ = [
    "kernel",
    "kernel_area",
    "kernel_ode",
    "filter_spikes",
    "filter_spikes_ode",
    "SynapseParams",
    "SpikeTrain",
    "SpikeStream",
    "Regular",
    "Poisson",
    "PoissonRefractory",
    "Bursts",
    "ExplicitTimes",
    "TRAINS",
    "make_train",
    "ChainParams",
    "Chain",
    "ChainChunk",
    "chain_stream",
    "simulate_chain",
    "warm_up",
]


# --------------------------------------------------------------------------
# Filters


def _check_filter(tau_s: float, n: int) -> tuple[float, int]:
    tau_s = float(tau_s)
    if not (math.isfinite(tau_s) and tau_s > 0):
        raise ParamError(f"tau_s must be a positive number of ms (got {tau_s})")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ParamError(f"n must be a whole number ≥ 0 (got {n!r})")
    return tau_s, int(n)


def _shape(x: np.ndarray, n: int) -> np.ndarray:
    """xⁿ e^{−x} / n! for x ≥ 0 (x > 0 when n > 0), 0 below; NaN stays NaN.

    Evaluated as exp(n ln x − x − ln n!), which neither overflows nor turns
    into inf·0 = NaN for large x (x = t/τ_s, dimensionless).
    """
    ok = (x >= 0) if n == 0 else (x > 0)
    ok &= np.isfinite(x)  # +inf gives 0 below, not inf − inf
    xc = np.where(ok, x, 1.0)
    if n == 0:
        val = np.exp(-xc)
    else:
        val = np.exp(n * np.log(xc) - xc - math.lgamma(n + 1))
    out = np.where(ok, val, 0.0)
    return np.where(np.isnan(x), np.nan, out)


def _causal_shape(x: np.ndarray, n: int) -> np.ndarray:
    """:func:`_shape` for finite x, in fewer passes (the inner loop of filter_spikes)."""
    neg = x < 0
    if n == 0:
        val = np.exp(-np.maximum(x, 0.0))
    else:
        xc = np.maximum(x, 1e-300)  # log(0) → a huge negative number, exp → 0
        val = np.exp(n * np.log(xc) - xc - math.lgamma(n + 1))
    val[neg] = 0.0
    return val


def kernel(t: Any, tau_s: float, n: int = 0) -> np.ndarray:
    """The post-synaptic current filter h(t) = tⁿ e^{−t/τ_s} / (n! τ_s^{n+1}).

    Parameters
    ----------
    t : array_like
        Times (ms); h is 0 for t < 0 and h(0) = 1/τ_s for n = 0.
    tau_s : float
        Synaptic time constant τ_s > 0 (ms).
    n : int
        Order ≥ 0: 0 exponential, 1 alpha, … (peak at t = n τ_s).

    Returns
    -------
    ndarray
        h (1/ms), same shape as ``t``; ∫h dt = 1.
    """
    tau_s, n = _check_filter(tau_s, n)
    x = np.asarray(t, dtype=float) / tau_s
    out = _shape(x, n) / tau_s
    return out[()] if out.ndim == 0 else out


def kernel_area(tau_s: float, n: int = 0) -> float:
    """∫h dt over [0, ∞), computed numerically (adaptive quadrature); ≈ 1.

    The integral is split at the peak t = n τ_s so the quadrature sees the
    rise and the tail separately at any τ_s.
    """
    tau_s, n = _check_filter(tau_s, n)
    peak = n * tau_s
    f = lambda t: float(_shape(np.asarray(t / tau_s), n)) / tau_s  # noqa: E731
    rise = scipy.integrate.quad(f, 0.0, peak, limit=200)[0] if n > 0 else 0.0
    # The tail to ∞ as a finite part (where nearly all the mass is) plus the
    # rest, so quad's substitution for infinite ranges never misses the bulk.
    far = peak + _reach(n) * tau_s
    tail = scipy.integrate.quad(f, peak, far, limit=200)[0]
    tail += scipy.integrate.quad(f, far, np.inf, limit=200)[0]
    return rise + tail


@lru_cache(maxsize=64)
def _reach(n: int) -> float:
    """x beyond which xⁿ e^{−x}/n! < 1e−20 (x > n): how far back a spike still counts.

    Solves x = 46.05 + n ln x − ln n! (ln 1e20 = 46.05) by fixed-point
    iteration, which converges because the slope n/x < 1 there.
    """
    x = n + 46.06
    for _ in range(100):
        x_new = 46.06 + n * math.log(x) - math.lgamma(n + 1)
        x_new = max(x_new, n + 1.0)
        if abs(x_new - x) < 1e-9:
            break
        x = x_new
    return x + 1.0


@lru_cache(maxsize=256)
def _cascade_matrix(tau_s: float, n: int) -> np.ndarray:
    """A of the cascade x' = A x: −1/τ_s on the diagonal, +1/τ_s below it (1/ms)."""
    A = (np.eye(n + 1, k=-1) - np.eye(n + 1)) / tau_s
    A.flags.writeable = False
    return A


@lru_cache(maxsize=256)
def _cascade_step(dt: float, tau_s: float, n: int) -> np.ndarray:
    """e^{A·dt}: the exact propagator of the cascade over one grid step."""
    M = scipy.linalg.expm(_cascade_matrix(tau_s, n) * dt)
    M.flags.writeable = False
    return M


@entry_point("void(f8[:, ::1], f8[:, ::1], f8[::1])", read_only=("M",))
def _cascade_run(M, inj, out):  # pragma: no cover - compiled
    """x_k = M x_{k−1} + inj[k] from x_{−1} = 0; out[k] = last stage of x_k."""
    m = M.shape[0]
    x = np.zeros(m)
    y = np.zeros(m)
    for k in range(inj.shape[0]):
        for i in range(m):
            acc = inj[k, i]
            for j in range(m):
                acc += M[i, j] * x[j]
            y[i] = acc
        for i in range(m):
            x[i] = y[i]
        out[k] = x[m - 1]


def _uniform_grid(t: Any) -> tuple[np.ndarray, float]:
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise ValueError("the cascade needs a 1-D, non-empty time grid")
    if not np.isfinite(t).all():
        raise ValueError("the time grid must be finite")
    if t.size == 1:
        return t, 1.0
    dt = (t[-1] - t[0]) / (t.size - 1)
    if not dt > 0 or not np.allclose(np.diff(t), dt, rtol=1e-6, atol=1e-9):
        raise ValueError("the cascade needs a uniform, increasing time grid")
    return t, float(dt)


def _spike_array(spike_times: Any) -> np.ndarray:
    s = np.sort(np.asarray(spike_times, dtype=float).ravel())
    if not np.isfinite(s).all():
        raise ValueError("spike times must be finite")
    return s


def filter_spikes_ode(spike_times: Any, t: Any, tau_s: float, n: int = 0) -> np.ndarray:
    """s(t) = Σ_p h(t − t_p) on a uniform grid, from the (n+1)-stage cascade ODE.

    The cascade is linear, so it is integrated exactly: the grid step by the
    matrix exponential e^{A·dt} (:func:`scipy.linalg.expm`, once per
    (dt, τ_s, n)), and each spike enters x₀ with 1/τ_s at its own time and is
    carried to the next grid point by e^{A (t_k − t_p)}.  Agrees with
    :func:`filter_spikes` to ~1e-12 of the largest value.

    Parameters
    ----------
    spike_times : array_like
        Spike times (ms), any order; spikes after ``t[-1]`` are ignored.
    t : array_like, shape (T,)
        Uniform, increasing grid (ms).
    tau_s : float
        Synaptic time constant (ms).
    n : int
        Filter order ≥ 0.

    Returns
    -------
    ndarray, shape (T,)
        s (1/ms) at ``t``.
    """
    tau_s, n = _check_filter(tau_s, n)
    t, dt = _uniform_grid(t)
    spikes = _spike_array(spike_times)
    spikes = spikes[spikes <= t[-1]]
    # Spike p lands in the state of the first grid point at or after it, so a
    # spike exactly on t[k] counts at t[k] (h(0) = 1/τ_s for n = 0).
    k = np.searchsorted(t, spikes, side="left")
    offset = t[k] - spikes
    inj = np.zeros((t.size, n + 1))
    if spikes.size:
        A = _cascade_matrix(tau_s, n)
        # Batched expm over all spikes' offsets; column 0 = entry into x₀.
        P = scipy.linalg.expm(A[None, :, :] * offset[:, None, None])[:, :, 0] / tau_s
        np.add.at(inj, k, P)
    out = np.empty(t.size)
    _cascade_run(np.ascontiguousarray(_cascade_step(dt, tau_s, n)), inj, out)
    return out


def kernel_ode(t: Any, tau_s: float, n: int = 0) -> np.ndarray:
    """h as the impulse response of the (n+1)-stage cascade, on a uniform grid (ms).

    The impulse enters at t = 0 (normally ``t[0] = 0``); between grid points
    the cascade is advanced exactly by e^{A·dt}, so this equals
    :func:`kernel` to ~1e-13 of its peak.  Returns h (1/ms), shape of ``t``.
    """
    return filter_spikes_ode(np.zeros(1), t, tau_s, n)


_T_BLOCK = 2048  # grid points per block of filter_spikes
_S_BLOCK = 512  # spikes per block: at most 1M kernel values (8 MB) at a time


def filter_spikes(spike_times: Any, t: Any, tau_s: float, n: int = 0) -> np.ndarray:
    """s(t) = Σ_p h(t − t_p): the spike train filtered by h, summed exactly.

    Evaluated in blocks of grid points × spikes to bound memory.  A spike
    further back than the point where h has fallen below 1e−20/τ_s (≈ 47 τ_s
    for n = 0, ≈ 63 τ_s for n = 5) is skipped; its term is below the rounding
    error of any term near the peak.

    Parameters
    ----------
    spike_times : array_like
        Spike times (ms), any order.
    t : array_like
        Times (ms), any shape and order.
    tau_s : float
        Synaptic time constant (ms).
    n : int
        Filter order ≥ 0.

    Returns
    -------
    ndarray
        s (1/ms), same shape as ``t``.
    """
    tau_s, n = _check_filter(tau_s, n)
    spikes = _spike_array(spike_times)
    t = np.asarray(t, dtype=float)
    flat = t.ravel()
    if not np.isfinite(flat).all():
        raise ValueError("t must be finite")
    order = None
    if flat.size > 1 and not np.all(flat[1:] >= flat[:-1]):
        order = np.argsort(flat, kind="stable")
        flat = flat[order]
    out = np.zeros(flat.size)
    reach = _reach(n) * tau_s
    for start in range(0, flat.size, _T_BLOCK):
        tb = flat[start : start + _T_BLOCK]
        lo = np.searchsorted(spikes, tb[0] - reach, side="left")
        hi = np.searchsorted(spikes, tb[-1], side="right")  # later spikes: h = 0
        acc = out[start : start + tb.size]
        for j in range(lo, hi, _S_BLOCK):
            sp = spikes[j : min(j + _S_BLOCK, hi)]
            acc += _causal_shape((tb[:, None] - sp[None, :]) / tau_s, n).sum(axis=1)
    out /= tau_s
    if order is not None:
        unsorted = np.empty_like(out)
        unsorted[order] = out
        out = unsorted
    return out.reshape(t.shape)


class SynapseParams(ParamSet):
    """One synapse: weight, time constant and order of the filter h."""

    # ±100: one spike then moves a resting LIF by up to w/τ_m; a neuron firing at
    # ~40 Hz needs w ≈ 25 (mean s = w · rate) to drive its partner past threshold.
    w = Param(
        2.0,
        -100.0,
        100.0,
        0.5,
        "",
        "Synaptic weight: each spike delivers ∫s dt = w (negative = inhibition)",
        label="w",
    )
    tau_s = Param(5.0, 0.1, 200.0, 0.1, "ms", "Synaptic time constant τ_s", log=True, label="τ_s")
    n = Param(
        0, 0, 5, 1, "", "Filter order: 0 exponential, 1 alpha, … (peak at n·τ_s)", integer=True
    )


# --------------------------------------------------------------------------
# Spike trains

_BLOCK = 256  # random numbers drawn per block: fixed, so every horizon sees the same ones


def _rng(seed: int, t0: float) -> np.random.Generator:
    # A train that starts later (a source changed during a live run) draws from
    # its own deterministic sequence rather than replaying the one from t = 0
    # (same rule as the OU noise stimulus); t0 at 1 µs resolution.
    return np.random.default_rng(seed if t0 == 0 else [seed, int(round(t0 * 1000.0))])


def _renewal(rng: np.random.Generator, rate: float, dead: float, t0: float) -> Iterator[np.ndarray]:
    """Blocks of event times ≥ t0 of a stationary Poisson process with dead time.

    Intervals are dead + Exp(mean) with mean = 1000/rate − dead (ms), so the
    rate is ``rate`` Hz.  The first event comes from the stationary
    forward-recurrence law (density rate·P(interval > x)): with probability
    rate·dead uniform in [t0, t0 + dead), else t0 + dead + Exp(mean).  So the
    expected count in any window of length T is exactly rate·T, from t0 on.
    """
    r = rate / 1000.0  # 1/ms
    mean = 1.0 / r - dead
    first = t0
    if dead > 0:
        u = rng.random()
        if u < r * dead:
            first += u / r  # uniform on [0, dead) given u < r·dead
        else:
            first += dead + rng.exponential(mean)
    else:
        first += rng.exponential(mean)
    last = first
    yield np.array([first])
    while True:
        times = last + np.cumsum(dead + rng.exponential(mean, _BLOCK))
        last = times[-1]
        yield times


class SpikeStream:
    """Spike times of a train window by window: ``until(t)`` gives those in [previous t, t).

    Consecutive windows together equal ``generate`` over their union.
    """

    def __init__(self, blocks: Iterator[np.ndarray], t0: float = 0.0) -> None:
        self._blocks = blocks
        self._buf = np.empty(0)
        self._done = False
        self.t = float(t0)  #: end (ms) of the last window returned

    def until(self, t_end: float) -> np.ndarray:
        """Sorted spike times (ms) in [self.t, t_end); an earlier t_end gives none."""
        while not self._done and (self._buf.size == 0 or self._buf[-1] < t_end):
            block = next(self._blocks, None)
            if block is None:
                self._done = True
            else:
                self._buf = np.concatenate((self._buf, block))
        i = int(np.searchsorted(self._buf, t_end, side="left"))
        out, self._buf = self._buf[:i].copy(), self._buf[i:]
        self.t = max(self.t, float(t_end))
        return out


class SpikeTrain(ParamSet):
    """Base class: a source of spike times (ms).

    Subclasses set ``kind`` (registry key) and ``label`` and implement
    ``_blocks(t0)``: an iterator of sorted arrays of spike times ≥ t0 that,
    concatenated, form the train.

    Each value is validated against its own range when set.  A limit that
    involves two values (e.g. rate · refractory < 1) is checked by
    :meth:`check`, which :meth:`stream` and :meth:`generate` call: a panel
    must be able to move each slider to either end from the defaults, and
    a copy of the values must never raise, so such a combination is refused
    when the train is used (or earlier, by calling :meth:`check`).
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""

    def check(self) -> None:
        """Raise :class:`ParamError`, naming the limit, if the values cannot be used together."""

    def _blocks(self, t0: float) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def stream(self, t0: float = 0.0) -> SpikeStream:
        """The train's spikes at or after ``t0`` (ms), window by window.

        From t0 = 0 the spikes are those of :meth:`generate`.  A later start
        keeps regular and explicit spikes on their absolute times; a random
        train starts afresh at t0 (a Poisson process has no memory) with its
        own sequence drawn from (seed, t0), so it does not replay the past.
        """
        if not (math.isfinite(t0) and t0 >= 0):
            raise ValueError(f"t0 must be a finite time ≥ 0 ms (got {t0})")
        self.check()
        return SpikeStream(self._blocks(float(t0)), t0)

    def generate(self, t_end: float) -> np.ndarray:
        """Sorted spike times (ms) in [0, t_end); the same every call.

        A longer ``t_end`` gives the same spikes plus later ones.
        """
        if not (math.isfinite(t_end) and t_end >= 0):
            raise ValueError(f"t_end must be a finite time ≥ 0 ms (got {t_end})")
        return self.stream(0.0).until(float(t_end))


def _rate(default: float, doc: str, high: float = 1000.0, label: str | None = None) -> Param:
    return Param(default, 0.0, high, 1.0, "Hz", doc, label=label)


def _seed() -> Param:
    return Param(
        0, 0, 2**31 - 1, 1, "", "Random seed; the same seed gives the same train", integer=True
    )


class Regular(SpikeTrain):
    """Spikes at phase, phase + 1000/rate, phase + 2·1000/rate, … (ms); none at rate 0."""

    kind = "regular"
    label = "Regular"
    rate = _rate(20.0, "Spikes per second")
    phase = Param(0.0, 0.0, 10_000.0, 1.0, "ms", "Time of the first spike")

    def _blocks(self, t0: float) -> Iterator[np.ndarray]:
        if self.rate == 0:
            return
        period = 1000.0 / self.rate
        # First index with phase + k·period ≥ t0, nudged so rounding of the
        # division cannot skip or repeat a spike.
        k = max(0, math.ceil((t0 - self.phase) / period))
        while k > 0 and self.phase + (k - 1) * period >= t0:
            k -= 1
        while self.phase + k * period < t0:
            k += 1
        while True:
            # phase + k·period, not a running sum: exact times however far out.
            yield self.phase + (k + np.arange(_BLOCK)) * period
            k += _BLOCK


class Poisson(SpikeTrain):
    """Poisson process: independent exponential intervals with mean 1000/rate ms."""

    kind = "poisson"
    label = "Poisson"
    rate = _rate(20.0, "Mean spikes per second")
    seed = _seed()

    def _blocks(self, t0: float) -> Iterator[np.ndarray]:
        if self.rate == 0:
            return iter(())
        return _renewal(_rng(self.seed, t0), self.rate, 0.0, t0)


class PoissonRefractory(SpikeTrain):
    """Poisson process with dead time: every interval is refractory + an exponential.

    The exponential part has mean 1000/rate − refractory (ms), so the mean
    interval is 1000/rate and the rate is the requested one; that needs
    rate · refractory < 1 (rate in spikes per ms); other values are
    refused by :meth:`check` (and so by ``generate`` and ``stream``).  The
    first spike follows the stationary law, so the expected count over any
    time T is rate·T from the start.  ISI CV = 1 − rate·refractory.
    With refractory = 0 this is :class:`Poisson` (the same seed gives the same train).
    """

    kind = "poisson (refractory)"
    label = "Poisson + refractory"
    rate = _rate(20.0, "Mean spikes per second (below 1000/refractory)")
    refractory = Param(5.0, 0.0, 100.0, 0.5, "ms", "Dead time after each spike")
    seed = _seed()

    def check(self) -> None:
        if self.rate * self.refractory >= 1000.0:
            limit = 1000.0 / self.refractory
            raise ParamError(
                f"rate must be below 1000/refractory = {limit:g} Hz with a "
                f"{self.refractory:g} ms refractory period (got {self.rate:g} Hz)"
            )

    def _blocks(self, t0: float) -> Iterator[np.ndarray]:
        if self.rate == 0:
            return iter(())
        return _renewal(_rng(self.seed, t0), self.rate, self.refractory, t0)


class Bursts(SpikeTrain):
    """Bursts of ``spikes_per_burst`` spikes ``intra_interval`` apart.

    Burst onsets are a Poisson process at ``burst_rate`` with a dead time of
    spikes_per_burst · intra_interval after each onset (the mean of the
    exponential part is shortened so the onset rate stays ``burst_rate``, as
    in :class:`PoissonRefractory`).  So bursts never overlap: every burst has
    exactly ``spikes_per_burst`` spikes at the set spacing, and the next one
    starts at least ``intra_interval`` after its last spike.  That needs
    burst_rate · spikes_per_burst · intra_interval < 1 (rate per ms); other
    values are refused by :meth:`check` (and so by ``generate`` and ``stream``).
    """

    kind = "bursts"
    label = "Bursts"
    burst_rate = _rate(5.0, "Mean bursts per second", high=200.0, label="burst rate")
    spikes_per_burst = Param(
        3, 1, 20, 1, "", "Spikes in each burst", integer=True, label="spikes/burst"
    )
    intra_interval = Param(
        4.0, 0.1, 100.0, 0.1, "ms", "Time between spikes in a burst", label="intra-burst interval"
    )
    seed = _seed()

    @property
    def burst_length(self) -> float:
        """Dead time after a burst onset (ms): spikes_per_burst · intra_interval."""
        return self.spikes_per_burst * self.intra_interval

    def check(self) -> None:
        if self.burst_rate * self.burst_length >= 1000.0:
            limit = 1000.0 / self.burst_length
            raise ParamError(
                f"burst_rate must be below 1000/(spikes_per_burst × intra_interval) = "
                f"{limit:g} Hz for bursts of {self.spikes_per_burst} spikes "
                f"{self.intra_interval:g} ms apart (got {self.burst_rate:g} Hz)"
            )

    def _blocks(self, t0: float) -> Iterator[np.ndarray]:
        if self.burst_rate == 0:
            return
        offsets = np.arange(self.spikes_per_burst) * self.intra_interval
        for onsets in _renewal(_rng(self.seed, t0), self.burst_rate, self.burst_length, t0):
            yield (onsets[:, None] + offsets[None, :]).ravel()


def _check_times(times: Any) -> tuple[float, ...]:
    try:
        arr = np.asarray(times, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParamError(f"times must be a list of numbers in ms (got {times!r})") from None
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ParamError("times must be finite and ≥ 0 ms")
    return tuple(float(x) for x in arr)


class ExplicitTimes(SpikeTrain):
    """Spikes at the given times (ms): finite, ≥ 0, any order, repeats allowed.

    There are no numeric parameters; the times are the ``times`` attribute,
    set in the constructor (``ExplicitTimes(times=(5, 12.5))``) or later.
    ``as_dict()`` includes them so an export records them.
    """

    kind = "explicit"
    label = "Explicit times"

    def __init__(self, times: Any = (), **values: Any) -> None:
        object.__setattr__(self, "_times", _check_times(times))
        super().__init__(**values)

    @property
    def times(self) -> tuple[float, ...]:
        return self._times

    @times.setter
    def times(self, value: Any) -> None:
        object.__setattr__(self, "_times", _check_times(value))

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "times":
            object.__setattr__(self, name, value)  # through the validating property
        else:
            super().__setattr__(name, value)

    def update(self, values: Mapping[str, Any]) -> None:
        values = dict(values)
        times = _check_times(values.pop("times")) if "times" in values else self._times
        super().update(values)
        object.__setattr__(self, "_times", times)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "times": list(self._times)}

    def copy(self, **changes: Any) -> ExplicitTimes:
        new = type(self)(times=self._times, **self._values)
        new.update(changes)
        return new

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and other._times == self._times  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"ExplicitTimes(times={self._times!r})"

    def _blocks(self, t0: float) -> Iterator[np.ndarray]:
        arr = np.sort(np.asarray(self._times, dtype=float))
        yield arr[arr >= t0]


TRAINS: dict[str, type[SpikeTrain]] = {
    cls.kind: cls for cls in (Regular, Poisson, PoissonRefractory, Bursts, ExplicitTimes)
}


def make_train(kind: str, **params: Any) -> SpikeTrain:
    """Build a spike train by registry name, e.g. ``make_train("poisson", rate=50)``.

    Raises
    ------
    ParamError
        Unknown kind, unknown parameter name, or a value out of its range.
    """
    try:
        cls = TRAINS[kind]
    except KeyError:
        raise ParamError(
            f"unknown spike train {kind!r}; choose one of {', '.join(TRAINS)}"
        ) from None
    return cls(**params)


# --------------------------------------------------------------------------
# Two-neuron chain


class ChainParams(ParamSet):
    """Inputs of the chain other than the synapse."""

    J_post = Param(
        0.0, -2.0, 2.0, 0.05, "", "Bias input of the postsynaptic neuron (dimensionless)"
    )


@dataclass
class Chain:
    """Everything that defines the two-neuron chain.

    Attributes
    ----------
    pre, post : LIFParams
        The presynaptic (unused when a spike train drives the chain) and the
        postsynaptic LIF neuron.
    synapse : SynapseParams
    bias : ChainParams
    """

    pre: LIFParams = field(default_factory=LIFParams)
    post: LIFParams = field(default_factory=LIFParams)
    synapse: SynapseParams = field(default_factory=SynapseParams)
    bias: ChainParams = field(default_factory=ChainParams)

    def __post_init__(self) -> None:
        self.pre = LIFParams.coerce(self.pre)
        self.post = LIFParams.coerce(self.post)
        self.synapse = SynapseParams.coerce(self.synapse)
        self.bias = ChainParams.coerce(self.bias)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {
            "pre": self.pre.as_dict(),
            "post": self.post.as_dict(),
            "synapse": self.synapse.as_dict(),
            "bias": self.bias.as_dict(),
        }

    def copy(self) -> Chain:
        return Chain(self.pre.copy(), self.post.copy(), self.synapse.copy(), self.bias.copy())


@dataclass
class ChainChunk:
    """One chunk of :func:`chain_stream` output (fresh arrays; times absolute, in ms).

    Attributes
    ----------
    t : ndarray, shape (T,)
        Step start times (ms).
    I_in : ndarray, shape (T,)
        Input J of the presynaptic neuron during each step; NaN when a spike
        train is the source.
    v_pre : ndarray, shape (T,)
        Presynaptic v at ``t``; NaN when a spike train is the source.
    s : ndarray, shape (T,)
        Synaptic input to the postsynaptic neuron at ``t`` (dimensionless
        input units; w times the filtered presynaptic train).
    v_post : ndarray, shape (T,)
        Postsynaptic v at ``t``.
    pre_spikes, post_spikes : ndarray
        Spike times (ms) inside the chunk.
    """

    t: np.ndarray
    I_in: np.ndarray
    v_pre: np.ndarray
    s: np.ndarray
    v_post: np.ndarray
    pre_spikes: np.ndarray
    post_spikes: np.ndarray


@njit(cache=True)
def _matvec(M, x, out):  # pragma: no cover - compiled
    m = x.size
    for i in range(m):
        acc = 0.0
        for j in range(m):
            acc += M[i, j] * x[j]
        out[i] = acc


@njit(cache=True)
def _matmul(P, Q):  # pragma: no cover - compiled
    m = P.shape[0]
    R = np.zeros((m, m))
    for i in range(m):
        for k in range(m):
            p = P[i, k]
            if p != 0.0:
                for j in range(m):
                    R[i, j] += p * Q[k, j]
    return R


@entry_point("f8[:, ::1](f8[:, ::1])")
def _expm(M):  # pragma: no cover - compiled
    """e^M for a small matrix: Taylor series after scaling to ‖M‖∞ ≤ 1/2, then squaring.

    With ‖M/2^q‖ ≤ 1/2 the truncation after 20 terms is < 1e−25 relative.
    """
    m = M.shape[0]
    norm = 0.0
    for i in range(m):
        row = 0.0
        for j in range(m):
            row += abs(M[i, j])
        norm = max(norm, row)
    q = 0
    if norm > 0.5:
        q = int(math.ceil(math.log2(norm / 0.5)))
    X = M / (2.0**q)
    E = np.eye(m)
    T = np.eye(m)
    for j in range(1, 21):
        T = _matmul(T, X) / j
        E += T
    for _ in range(q):
        E = _matmul(E, E)
    return E


@njit(cache=True)
def _state_at(A, y0, s, out):  # pragma: no cover - compiled
    _matvec(_expm(A * s), y0, out)


@njit(cache=True)
def _row_dot(A, iv, y):  # pragma: no cover - compiled
    acc = 0.0
    for j in range(y.size):
        acc += A[iv, j] * y[j]
    return acc


@njit(cache=True)
def _root(A, y0, lo, hi, iv, which, tmp, tmp2):  # pragma: no cover - compiled
    """Root in [lo, hi] of f(s) with f(lo) < 0 ≤ f(hi): safeguarded Newton.

    which = 0: f = v(s) − 1, f' = v'.  which = 1: f = −v'(s), f' = −v''
    (to find the maximum of v).  y(s) = e^{A s} y0, v' = (A y)[iv] and
    v'' = (A A y)[iv].
    """
    s = 0.5 * (lo + hi)
    for _ in range(100):
        _state_at(A, y0, s, tmp)
        if which == 0:
            f = tmp[iv] - 1.0
            df = _row_dot(A, iv, tmp)
        else:
            f = -_row_dot(A, iv, tmp)
            _matvec(A, tmp, tmp2)
            df = -_row_dot(A, iv, tmp2)
        if f < 0.0:
            lo = s
        else:
            hi = s
        s_new = s - f / df if df > 0.0 else 0.5 * (lo + hi)
        if not (lo < s_new < hi):
            s_new = 0.5 * (lo + hi)
        if abs(s_new - s) <= 1e-15 * (1.0 + hi) or hi - lo <= 1e-15 * (1.0 + hi):
            return s_new
        s = s_new
    return s


@njit(cache=True)
def _crossing(A, y0, y1, h, iv, tmp, tmp2):  # pragma: no cover - compiled
    """Time in [0, h] at which v first reaches 1 on the piece y0 → y1, or −1."""
    if y0[iv] >= 1.0:
        return 0.0
    if y1[iv] >= 1.0:
        return _root(A, y0, 0.0, h, iv, 0, tmp, tmp2)
    # Both ends below threshold: v may still have touched 1 at a maximum inside.
    if _row_dot(A, iv, y0) > 0.0 and _row_dot(A, iv, y1) < 0.0:
        s_max = _root(A, y0, 0.0, h, iv, 1, tmp, tmp2)
        _state_at(A, y0, s_max, tmp)
        if tmp[iv] >= 1.0:
            return _root(A, y0, 0.0, s_max, iv, 0, tmp, tmp2)
    return -1.0


@entry_point(
    "Tuple((f8[::1], i8))(f8[::1], f8[::1], f8[::1], i8, f8, i8, f8[:, ::1], f8[:, "
    "::1], f8, f8, f8[::1], f8[::1])"
)
def _chain_kernel(
    y, ref, spikes, k0, dt, n_steps, A, E_dt, t_ref, kick, s_out, v_out
):  # pragma: no cover - compiled
    """Advance synapse + postsynaptic LIF over ``n_steps`` steps, exactly, in place.

    y = (x₀ … x_n, v, 1); ref[0] = absolute end of the refractory period (ms);
    spikes: sorted presynaptic spike times, each adding ``kick`` = w/τ_s to x₀;
    A: the linear system; E_dt = e^{A·dt}.  Step k covers
    [(k0 + k)·dt, (k0 + k + 1)·dt).  Returns (post spike times, count).
    """
    m = y.size
    iv = m - 2
    ix = m - 3
    y1 = np.empty(m)
    tmp = np.empty(m)
    tmp2 = np.empty(m)
    out = np.empty(64)
    n_out = 0
    j = 0
    n_in = spikes.size
    for k in range(n_steps):
        t_k = (k0 + k) * dt
        t_next = (k0 + k + 1) * dt
        while j < n_in and spikes[j] <= t_k:  # a spike on the grid point counts there
            y[0] += kick
            j += 1
        s_out[k] = y[ix]
        v_out[k] = y[iv]
        t_cur = t_k
        guard = 0
        while True:
            seg_end = t_next
            if j < n_in and spikes[j] < seg_end:
                seg_end = spikes[j]
            refractory = ref[0] > t_cur
            if refractory and ref[0] < seg_end:
                seg_end = ref[0]
            h = seg_end - t_cur
            if t_cur == t_k and seg_end == t_next:
                _matvec(E_dt, y, y1)  # the common case: one precomputed propagator
            else:
                _matvec(_expm(A * h), y, y1)
            if refractory:
                y1[iv] = 0.0  # held at reset; the synapse keeps evolving
            else:
                s = _crossing(A, y, y1, h, iv, tmp, tmp2)
                if s >= 0.0:
                    if s > h:
                        s = h
                    _state_at(A, y, s, y1)
                    t_spk = t_cur + s
                    if n_out == out.size:
                        out = _grow(out, n_out + 1)
                    out[n_out] = t_spk
                    n_out += 1
                    y1[iv] = 0.0
                    ref[0] = t_spk + t_ref
                    for i in range(m):
                        y[i] = y1[i]
                    t_cur = t_spk
                    guard += 1
                    if guard > 100000:
                        raise ValueError("postsynaptic neuron fires without end inside one step")
                    continue
            for i in range(m):
                y[i] = y1[i]
            t_cur = seg_end
            while j < n_in and spikes[j] <= t_cur:
                y[0] += kick
                j += 1
            if t_cur >= t_next:
                break
    while j < n_in:  # spikes past the last step (none in normal use) count at its end
        y[0] += kick
        j += 1
    return out, n_out


class _Post:
    """Synapse cascade and postsynaptic neuron between kernel calls."""

    def __init__(self, chain: Chain, dt: float) -> None:
        self.n = chain.synapse.n
        self.y = np.zeros(self.n + 3)
        self.y[-2] = chain.post.v0
        self.y[-1] = 1.0
        self.ref = np.full(1, -np.inf)
        self.dt = dt
        self.set(chain)

    def set(self, chain: Chain) -> None:
        """Apply new parameters, keeping the state (s continuous if n changes)."""
        syn, post = chain.synapse, chain.post
        if syn.n != self.n:
            # Align the stages at the output so s = x_n carries over; stages with
            # no counterpart start empty.
            old, new = self.y[: self.n + 1], np.zeros(syn.n + 1)
            keep = min(self.n, syn.n) + 1
            new[-keep:] = old[-keep:]
            self.y = np.concatenate((new, self.y[-2:]))
            self.n = syn.n
        m = self.n + 3
        a, b = 1.0 / syn.tau_s, 1.0 / post.tau_m
        A = np.zeros((m, m))
        A[: self.n + 1, : self.n + 1] = _cascade_matrix(syn.tau_s, self.n)
        A[m - 2, m - 3] = b  # τ_m dv/dt = s + J − v
        A[m - 2, m - 2] = -b
        A[m - 2, m - 1] = b * chain.bias.J_post
        self.A = A
        self.E_dt = scipy.linalg.expm(A * self.dt)
        self.kick = syn.w * a
        self.t_ref = float(post.t_ref)

    def advance(
        self, spikes: np.ndarray, k0: int, n_steps: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s_out = np.empty(n_steps)
        v_out = np.empty(n_steps)
        out, n_out = _chain_kernel(
            self.y,
            self.ref,
            np.ascontiguousarray(spikes, dtype=float),
            k0,
            self.dt,
            n_steps,
            self.A,
            self.E_dt,
            self.t_ref,
            self.kick,
            s_out,
            v_out,
        )
        return s_out, v_out, out[:n_out].copy()


ChainSource = Stimulus | SpikeTrain | float  #: what can drive the chain


class _Pre:
    """The chain's presynaptic side: a LIF neuron driven by a stimulus, or a train."""

    def __init__(self, source: ChainSource, pre: LIFParams, dt: float, k: int) -> None:
        self.dt = dt
        self.lif: _State | None = None
        self.set(source, pre, k)

    def set(self, source: ChainSource, pre: LIFParams, k: int) -> None:
        t0 = k * self.dt
        if isinstance(source, SpikeTrain):
            self.train: SpikeStream | None = source.stream(t0)
            self.stim = None
            self.lif = None  # no presynaptic neuron while a train drives the chain
            return
        if isinstance(source, bool) or not isinstance(source, Stimulus | int | float):
            raise ParamError(
                f"the chain's source must be a Stimulus, a SpikeTrain or a number, "
                f"not {type(source).__name__}"
            )
        if not isinstance(source, Stimulus):
            source = Constant(amplitude=float(source))
        self.stim = source.stream(self.dt, t0)
        self.train = None
        if self.lif is None:  # (again) a presynaptic neuron: it starts at v0 now
            self.lif = _State(1, pre.v0)
            self.lif.k = k

    def advance(self, k0: int, n: int, pre: LIFParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.train is not None:
            spikes = self.train.until((k0 + n) * self.dt)
            nan = np.full(n, np.nan)
            return nan, nan.copy(), spikes
        assert self.lif is not None and self.stim is not None
        I_in = np.asarray(self.stim.next(n), dtype=float)
        v, _, spikes = self.lif.advance(I_in[:, None], n, self.dt, pre)
        return I_in, v[:, 0].copy(), spikes.copy()


def chain_stream(
    source: ChainSource,
    chain: Chain | None = None,
    dt: float = 0.1,
    chunk_ms: float = 20.0,
    t_end: float | None = None,
) -> Generator[ChainChunk, Mapping[str, Any] | None, None]:
    """Simulate the two-neuron chain chunk by chunk (protocol in :mod:`neurolab.core`).

    Parameters
    ----------
    source : Stimulus, SpikeTrain or float
        A stimulus (or a constant J) drives the presynaptic LIF neuron; a
        spike train replaces it (then ``I_in`` and ``v_pre`` are NaN).
    chain : Chain, optional
        Neurons, synapse and bias; defaults for None.
    dt : float
        Time step (ms): the sampling of the output and of the stimulus.
    chunk_ms : float
        Simulated time per chunk (ms); rounded to whole steps, at least one.
    t_end : float, optional
        Stop after this time (ms); the last chunk may be shorter.  None runs
        forever.

    Yields
    ------
    ChainChunk

    Notes
    -----
    ``gen.send({"params": Chain(...), "stimulus": source})`` (either key
    optional) applies from the next chunk without resetting the state: v of
    both neurons and the synaptic state carry over; ``v0`` only matters at
    the start.  A new w applies to spikes from then on.  If n changes, the
    cascade stages are aligned at the output, so s = x_n stays continuous;
    stages without a counterpart start at 0 (going down in n drops the
    charge still in the early stages).  A new stimulus is evaluated in
    absolute time; a new spike train continues from the current time
    (:meth:`SpikeTrain.stream`); switching from a train to a stimulus
    starts a presynaptic neuron at its ``v0``.  A train whose values do not
    fit together (:meth:`SpikeTrain.check`) raises ParamError, which ends
    the generator, so check it before sending.  Chunks concatenated equal
    :func:`simulate_chain` over the same time.
    """
    if not dt > 0:
        raise ValueError(f"dt must be positive (got {dt})")
    c = _as_chain(chain)
    n_chunk = max(1, int(round(chunk_ms / dt)))
    n_total = None if t_end is None else _n_steps(t_end, dt)
    k = 0
    pre = _Pre(source, c.pre, dt, k)
    post = _Post(c, dt)
    while n_total is None or k < n_total:
        n = n_chunk if n_total is None else min(n_chunk, n_total - k)
        I_in, v_pre, pre_spikes = pre.advance(k, n, c.pre)
        s, v_post, post_spikes = post.advance(pre_spikes, k, n)
        chunk = ChainChunk((k + np.arange(n)) * dt, I_in, v_pre, s, v_post, pre_spikes, post_spikes)
        k += n
        updates = check_updates((yield chunk))
        if updates:
            if "params" in updates:
                c = _as_chain(updates["params"])
                post.set(c)
            if "stimulus" in updates:
                pre.set(updates["stimulus"], c.pre, k)


def _as_chain(chain: Chain | None) -> Chain:
    if chain is None:
        return Chain()
    if not isinstance(chain, Chain):
        raise ParamError(f"expected Chain, got {type(chain).__name__}")
    return chain.copy()  # later edits by the caller must not reach a running stream


def simulate_chain(
    source: ChainSource, t_end: float, chain: Chain | None = None, dt: float = 0.1
) -> ChainChunk:
    """The whole run of :func:`chain_stream` from t = 0 to ``t_end`` as one chunk.

    Parameters
    ----------
    source : Stimulus, SpikeTrain or float
        See :func:`chain_stream`.
    t_end : float
        Duration (ms); ``round(t_end / dt)`` steps.
    chain : Chain, optional
    dt : float
        Time step (ms).

    Returns
    -------
    ChainChunk
        Arrays of shape (round(t_end / dt),) and every spike of the run.
    """
    n_total = _n_steps(t_end, dt)
    gen = chain_stream(source, chain, dt=dt, chunk_ms=max(n_total, 1) * dt, t_end=t_end)
    chunk = next(gen, None)
    if chunk is None:
        e = np.empty(0)
        return ChainChunk(e, e.copy(), e.copy(), e.copy(), e.copy(), e.copy(), e.copy())
    gen.close()
    return chunk


def warm_up() -> float:
    """Compile (or load from numba's disk cache) the synapse kernels with tiny runs.

    Called in a background thread at launch.  Returns the elapsed wall time (s).
    """
    t0 = time.perf_counter()
    simulate_chain(3.0, 5.0, Chain(synapse=SynapseParams(w=20.0, tau_s=0.5)))
    simulate_chain(Regular(rate=500.0), 2.0, Chain(synapse=SynapseParams(n=1)))
    kernel_ode(np.arange(4) * 0.1, 1.0, 1)
    return time.perf_counter() - t0
