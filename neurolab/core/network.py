"""Networks (SPEC §4): rate layers and spiking LIF networks.

Rate networks use row vectors: ``z = x W + b``, ``y = σ(z)``, where
``W[i, j]`` is the connection from neuron i of the lower layer to neuron j of
the upper one.  The bias can be folded into the augmented matrix
``[W; b]``: ``x W + b = (x 1)·[W; b]``.

Spiking LIF network (dimensionless, SPEC §4 and §2.2)::

    τ_m dv_i/dt = s_i + J_i − v_i,    τ_s ds_i/dt = −s_i,

with threshold 1, reset 0 and refractory period t_ref.  When neuron j spikes,
every i gets ``s_i ← s_i + W[j, i] / τ_s`` (W[j, i]: from j to i; sparse
matrices are stored as CSR with row = presynaptic neuron).

Numerics:

* Between events v is advanced exactly for the exponentially decaying s:
  ``v(t) = J + (v₀ − J) e^{−t/τ_m} + s₀ a(t)`` with
  ``a(t) = τ_s / (τ_s − τ_m) (e^{−t/τ_s} − e^{−t/τ_m})``
  (``a(t) = (t/τ_m) e^{−t/τ_m}`` when τ_s = τ_m; evaluated through expm1,
  so τ_s ≈ τ_m is no problem).
* Spikes are delivered at their own time: when j crosses at t_spk inside a
  step, every target's s jumps by ``W[j, i]/τ_s`` at t_spk and its v feels
  the kick for the rest of the step.  Inside a step the events are handled
  in time order (a small heap), so a spike arriving mid-step can make its
  target fire in the same step, or an inhibitory one cancel a crossing later
  in the step.  A kick changes a target's end-of-step state by superposition
  (the model is linear between resets), so s and v are exact (to rounding)
  at every grid time and spike time, but for the one approximation below.
  A two-neuron network therefore reproduces
  :func:`neurolab.core.synapse.simulate_chain` (n = 0) to rounding (spike
  times to ~1e-12 ms).
* Crossings are located exactly (closed form when s = 0, safeguarded Newton
  otherwise) and the refractory period runs from the crossing time; a neuron
  whose refractory period ends inside a step integrates the rest of the step
  (also several spikes per step when t_ref < dt).
* The one approximation: a crossing is detected only when v at the end of
  the step, continued from the neuron's latest kick (or reset) as if no
  further kick came, is ≥ 1.  A brief excursion above 1 that comes back
  below it before the step ends (v has at most one maximum between kicks) is
  missed; the chain solver looks for that maximum, the network does not.
* Recorded v and s are at the step starts; spikes are in time order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from neurolab.core.activations import ACTIVATIONS
from neurolab.core.compiled import entry_point, njit
from neurolab.core.lif import LIFParams, _grow, _n_steps, _push_spike
from neurolab.core.streaming import check_updates

__all__ = [
    "dense_forward",
    "augmented",
    "augmented_forward",
    "RateNetwork",
    "LIFNetworkResult",
    "LIFNetworkChunk",
    "simulate_lif",
    "stream_lif",
    "random_network",
    "random_bias",
    "W3Network",
    "w3_network",
]


# --------------------------------------------------------------------------
# Rate networks


def _activation(name: str):
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}"
        ) from None


def dense_forward(x: Any, W: Any, b: Any, activation: str = "logistic") -> np.ndarray:
    """One layer with row vectors: y = σ(x W + b).

    ``x`` has shape (M,) or (batch, M), ``W`` (M, N) and ``b`` (N,).
    """
    x = np.asarray(x, dtype=float)
    return _activation(activation).f(x @ np.asarray(W, float) + np.asarray(b, float))


def augmented(W: Any, b: Any) -> np.ndarray:
    """The augmented matrix [W; b] of shape (M + 1, N): the bias as an extra row."""
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float).reshape(1, -1)
    if b.shape[1] != W.shape[1]:
        raise ValueError(f"bias has {b.shape[1]} entries, W has {W.shape[1]} columns")
    return np.vstack([W, b])


def augmented_forward(x: Any, W: Any, b: Any, activation: str = "logistic") -> np.ndarray:
    """y = σ((x 1)·[W; b]), equal to :func:`dense_forward` up to rounding."""
    x = np.asarray(x, dtype=float)
    ones = np.ones(x.shape[:-1] + (1,))
    return _activation(activation).f(np.concatenate([x, ones], axis=-1) @ augmented(W, b))


class RateNetwork:
    """A feed-forward rate network with seeded random weights.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes, input first, e.g. ``(3, 4, 2)``.
    activations : str or sequence of str
        One activation for every layer, or one per weight layer.
    seed : int
        Seed for the weights: ``W ~ N(0, 1/fan_in)``, ``b ~ N(0, 0.1²)``.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: str | Sequence[str] = "logistic",
        seed: int = 0,
    ) -> None:
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError("a network needs at least two layers of at least one neuron")
        n_layers = len(sizes) - 1
        if isinstance(activations, str):
            activations = [activations] * n_layers
        activations = list(activations)
        if len(activations) != n_layers:
            raise ValueError(f"need {n_layers} activations, got {len(activations)}")
        for a in activations:
            _activation(a)
        self.sizes = sizes
        self.activations = activations
        rng = np.random.default_rng(seed)
        self.weights = [
            rng.normal(0.0, 1.0 / math.sqrt(m), size=(m, n))
            for m, n in zip(sizes[:-1], sizes[1:], strict=True)
        ]
        self.biases = [rng.normal(0.0, 0.1, size=n) for n in sizes[1:]]

    def forward(self, x: Any) -> list[np.ndarray]:
        """Activities of every layer, the input first."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1] != self.sizes[0]:
            raise ValueError(f"input has {x.shape[-1]} values, the network takes {self.sizes[0]}")
        out = [x]
        for W, b, a in zip(self.weights, self.biases, self.activations, strict=True):
            out.append(dense_forward(out[-1], W, b, a))
        return out


# --------------------------------------------------------------------------
# Spiking LIF network: compiled kernel


@njit(cache=True)
def _a_from(x, e_m, tau_m, delta):  # pragma: no cover - compiled
    """a(x) = τ_s/(τ_s − τ_m)(e^{−x/τ_s} − e^{−x/τ_m}) given e_m = e^{−x/τ_m}.

    Written as e_m · expm1(δx) / (τ_m δ) with δ = 1/τ_m − 1/τ_s, which has no
    cancellation for small x or τ_s ≈ τ_m and tends to (x/τ_m) e_m as δ → 0.
    """
    if delta == 0.0:
        return e_m * (x / tau_m)
    return e_m * math.expm1(delta * x) / (tau_m * delta)


@njit(cache=True)
def _v_at(x, v0, J, s0, tau_m, delta):  # pragma: no cover - compiled
    """v after x ms of free evolution from (v0, s0)."""
    e_m = math.exp(-x / tau_m)
    return J + (v0 - J) * e_m + s0 * _a_from(x, e_m, tau_m, delta)


@njit(cache=True)
def _cross(h, v_a, s_a, J, v_h, tau_m, delta):  # pragma: no cover - compiled
    """x in [0, h] where v(x) from (v_a, s_a) reaches 1, given v_a < 1 ≤ v(h) = v_h.

    Closed form for s_a = 0 (as in :mod:`neurolab.core.lif`); otherwise
    safeguarded Newton from the secant guess (v' = (s + J − v)/τ_m), to rounding.
    """
    if v_a >= 1.0:
        return 0.0
    if s_a == 0.0:
        x = tau_m * math.log((J - v_a) / (J - 1.0)) if J > 1.0 else h
    else:
        lo, hi = 0.0, h
        x = h * (1.0 - v_a) / (v_h - v_a) if v_h > v_a else h
        for _ in range(100):
            e_m = math.exp(-x / tau_m)
            if delta == 0.0:
                a = e_m * (x / tau_m)
                s_x = s_a * e_m
            else:
                E = math.expm1(delta * x)
                a = e_m * E / (tau_m * delta)
                s_x = s_a * e_m * (1.0 + E)
            vx = J + (v_a - J) * e_m + s_a * a
            f = vx - 1.0
            if f == 0.0:
                break
            if f < 0.0:
                lo = x
            else:
                hi = x
            df = (s_x + J - vx) / tau_m
            newton = df > 0.0
            xn = x - f / df if newton else 0.5 * (lo + hi)
            if not (lo < xn < hi):
                newton = False
                xn = 0.5 * (lo + hi)
            # Newton converges quadratically: after a Newton step below 1e-10 ms
            # the error is far below rounding (f itself is only good to ~1e-16).
            if (newton and abs(xn - x) <= 1e-10) or hi - lo <= 1e-15:
                x = xn
                break
            x = xn
    if x > h:  # rounding when v_h is within an ulp of 1
        x = h
    if x < 0.0:
        x = 0.0
    return x


@njit(cache=True)
def _heap_push(ht, hi, hv, nh, t, i, ver):  # pragma: no cover - compiled
    """Push event (t, i, ver) on the binary min-heap ordered by (t, i)."""
    if nh == ht.size:
        ht = _grow(ht, nh + 1)
        hi = _grow(hi, nh + 1)
        hv = _grow(hv, nh + 1)
    j = nh
    while j > 0:
        p = (j - 1) >> 1
        if ht[p] < t or (ht[p] == t and hi[p] <= i):
            break
        ht[j] = ht[p]
        hi[j] = hi[p]
        hv[j] = hv[p]
        j = p
    ht[j] = t
    hi[j] = i
    hv[j] = ver
    return ht, hi, hv, nh + 1


@njit(cache=True)
def _heap_pop(ht, hi, hv, nh):  # pragma: no cover - compiled
    """Remove the earliest event; returns (t, i, ver, new size)."""
    t0, i0, v0 = ht[0], hi[0], hv[0]
    nh -= 1
    if nh > 0:
        t, i, ver = ht[nh], hi[nh], hv[nh]
        j = 0
        while True:
            c = 2 * j + 1
            if c >= nh:
                break
            if c + 1 < nh and (ht[c + 1] < ht[c] or (ht[c + 1] == ht[c] and hi[c + 1] < hi[c])):
                c += 1
            if t < ht[c] or (t == ht[c] and i <= hi[c]):
                break
            ht[j] = ht[c]
            hi[j] = hi[c]
            hv[j] = hv[c]
            j = c
        ht[j] = t
        hi[j] = i
        hv[j] = ver
    return t0, i0, v0, nh


@entry_point(
    "Tuple((i8[::1], f8[::1], i8))(i8[::1], i8[::1], f8[::1], f8[::1], f8[::1], "
    "f8[::1], f8[::1], i8, f8, f8, f8, f8, i8, i8, i8[::1], f8[:, ::1], f8[:, ::1], "
    "i8[::1])",
    nogil=True,
)  # nogil: the GUI thread keeps running while a chunk computes
def _net_kernel(
    indptr,
    indices,
    data,
    J,
    v,
    s,
    ref_until,
    k0,
    dt,
    tau_m,
    tau_s,
    t_ref,
    n_steps,
    max_row,
    rec,
    v_rec,
    s_rec,
    counts,
):  # pragma: no cover - compiled
    """Advance the network ``n_steps`` steps in place; see the module notes.

    Each step: (A) every neuron's end-of-step state without new kicks, and a
    tentative event where v ends ≥ 1; (B) events in time order from a heap:
    a spike resets its neuron and kicks its targets at its own time; a target's
    end state changes by superposition (the model is linear between resets),
    and its pending crossing is moved or cancelled.
    """
    n = v.size
    em = math.exp(-dt / tau_m)
    es = math.exp(-dt / tau_s)
    delta = 1.0 / tau_m - 1.0 / tau_s
    a_dt = _a_from(dt, em, tau_m, delta)
    inv_ts = 1.0 / tau_s
    e_ref = math.exp(-t_ref / tau_s)
    spk_i = np.empty(1024, np.int64)
    spk_t = np.empty(1024, np.float64)
    ns = 0
    ht = np.empty(64, np.float64)
    hi = np.empty(64, np.int64)
    hv = np.empty(64, np.int64)
    nh = 0
    pend = np.zeros(n, np.bool_)  # neuron has a valid event in the heap
    ver = np.zeros(n, np.int64)  # version of that event; stale heap entries differ
    # Neurons refractory at the start of the current step.
    refl = np.empty(n, np.int64)
    nref = 0
    cand = np.empty(n, np.int64)
    slow = np.empty(max_row, np.int64)
    t0 = k0 * dt
    for i in range(n):
        if ref_until[i] > t0:
            refl[nref] = i
            nref += 1
    cur_v, cur_s = v, s
    nxt_v, nxt_s = np.empty(n), np.empty(n)
    max_events = 1000 * n + 100_000
    for k in range(n_steps):
        t_k = (k0 + k) * dt
        t_next = (k0 + k + 1) * dt
        for r in range(rec.size):
            v_rec[k, r] = cur_v[rec[r]]
            s_rec[k, r] = cur_s[rec[r]]
        # Phase A: free evolution of everybody (a branch-free loop that LLVM
        # vectorises), then the refractory neurons, then a scan for crossings
        # (kept trivial: a heavier loop body slows the O(N) scan several-fold).
        for i in range(n):
            vi = cur_v[i]
            Ji = J[i]
            si = cur_s[i]
            nxt_v[i] = Ji + (vi - Ji) * em + si * a_dt
            nxt_s[i] = si * es
        m = 0
        for q in range(nref):
            i = refl[q]
            ru = ref_until[i]
            if ru >= t_next:
                nxt_v[i] = 0.0
                if ru > t_next:
                    refl[m] = i
                    m += 1
            else:  # refractory ends inside the step: integrate the rest
                s_sub = cur_s[i] * math.exp(-(ru - t_k) / tau_s)
                nxt_v[i] = _v_at(t_next - ru, 0.0, J[i], s_sub, tau_m, delta)
        nref = m
        nc = 0
        for i in range(n):
            if nxt_v[i] >= 1.0:
                cand[nc] = i
                nc += 1
        for q in range(nc):
            i = cand[q]
            ru = ref_until[i]
            if ru > t_k:
                t_a = ru
                v_a = 0.0
                s_a = cur_s[i] * math.exp(-(ru - t_k) / tau_s)
            else:
                t_a = t_k
                v_a = cur_v[i]
                s_a = cur_s[i]
            x = _cross(t_next - t_a, v_a, s_a, J[i], nxt_v[i], tau_m, delta)
            ver[i] += 1
            pend[i] = True
            ht, hi, hv, nh = _heap_push(ht, hi, hv, nh, t_a + x, i, ver[i])
        # Phase B: events in time order.
        first = ns
        while nh > 0:
            t, j, vj, nh = _heap_pop(ht, hi, hv, nh)
            if not pend[j] or ver[j] != vj:
                continue  # stale: moved or cancelled by a later kick
            pend[j] = False
            spk_t, spk_i, ns = _push_spike(spk_t, spk_i, ns, t, j)
            if ns - first > max_events:
                raise ValueError("the network fires without end inside one step")
            h = t_next - t
            em_r = math.exp(-h / tau_m)
            es_r = math.exp(-h / tau_s)
            a_r = _a_from(h, em_r, tau_m, delta)
            ru = t + t_ref
            ref_until[j] = ru
            if ru >= t_next:
                nxt_v[j] = 0.0
                if ru > t_next:
                    refl[nref] = j
                    nref += 1
            else:  # t_ref shorter than the rest of the step
                s_ru = nxt_s[j] / es_r * e_ref
                rem = t_next - ru
                v_e = _v_at(rem, 0.0, J[j], s_ru, tau_m, delta)
                nxt_v[j] = v_e
                if v_e >= 1.0:
                    x = _cross(rem, 0.0, s_ru, J[j], v_e, tau_m, delta)
                    ver[j] += 1
                    pend[j] = True
                    ht, hi, hv, nh = _heap_push(ht, hi, hv, nh, ru + x, j, ver[j])
            # Kicks at t: s_i += c, so s_end += c e^{−h/τ_s} and, while i is
            # free, v_end += c a(h).  The hot loop does only that and defers
            # the rare targets that need more (refractory now but free later in
            # the step, crossing now or a pending crossing) to a second loop.
            f_s = inv_ts * es_r
            f_a = inv_ts * a_r
            nsl = 0
            for p in range(indptr[j], indptr[j + 1]):
                i = indices[p]
                w = data[p]
                nxt_s[i] += w * f_s
                ru_i = ref_until[i]
                if ru_i >= t_next:
                    continue  # held at reset for the rest of the step
                if ru_i > t:
                    slow[nsl] = p
                    nsl += 1
                    continue
                v_e = nxt_v[i] + w * f_a
                nxt_v[i] = v_e
                if v_e >= 1.0 or pend[i]:
                    slow[nsl] = p
                    nsl += 1
            for q in range(nsl):
                p = slow[q]
                i = indices[p]
                c = data[p] * inv_ts
                ru_i = ref_until[i]
                if ru_i > t:  # refractory now, free from ru_i on
                    rem = t_next - ru_i
                    e_m = math.exp(-rem / tau_m)
                    nxt_v[i] += c * math.exp(-(ru_i - t) / tau_s) * _a_from(rem, e_m, tau_m, delta)
                    t_a = ru_i
                    h_a = rem
                    s_a = nxt_s[i] * math.exp(rem / tau_s)
                    v_a = 0.0
                else:
                    # State at t (after the kick), back from the end of the step.
                    t_a = t
                    h_a = h
                    s_a = nxt_s[i] / es_r
                    Ji = J[i]
                    v_a = Ji + (nxt_v[i] - Ji - s_a * a_r) / em_r
                if nxt_v[i] >= 1.0 or pend[i]:
                    ver[i] += 1
                    pend[i] = False
                    if nxt_v[i] >= 1.0:
                        x = _cross(h_a, v_a, s_a, J[i], nxt_v[i], tau_m, delta)
                        pend[i] = True
                        ht, hi, hv, nh = _heap_push(ht, hi, hv, nh, t_a + x, i, ver[i])
        counts[k] = ns - first
        cur_v, nxt_v = nxt_v, cur_v
        cur_s, nxt_s = nxt_s, cur_s
    if n_steps % 2 == 1:  # the final state is in the work arrays
        v[:] = cur_v
        s[:] = cur_s
    return spk_i, spk_t, ns


# --------------------------------------------------------------------------
# Spiking LIF network: Python API


@dataclass
class LIFNetworkResult:
    """Output of :func:`simulate_lif`.

    Attributes
    ----------
    t : ndarray (T,)
        Step start times (ms).
    spike_times, spike_indices : ndarray
        All spikes in time order (ms; neuron index).
    rate : ndarray (T,)
        Population rate per step (Hz): spikes in the step / (N dt).
    record : ndarray (R,)
        Indices of the recorded neurons.
    v, s : ndarray (T, R)
        v and s of the recorded neurons at the step starts.
    v_final, s_final : ndarray (N,)
        State of every neuron at ``t_end``.
    """

    t: np.ndarray
    spike_times: np.ndarray
    spike_indices: np.ndarray
    rate: np.ndarray
    record: np.ndarray
    v: np.ndarray
    s: np.ndarray
    v_final: np.ndarray
    s_final: np.ndarray

    def mean_rate(self, n: int | None = None) -> float:
        """Mean rate per neuron (Hz) over the run; ``n`` defaults to ``v_final.size``."""
        n = self.v_final.size if n is None else n
        t_end = self.t.size and (self.t[-1] + (self.t[1] - self.t[0] if self.t.size > 1 else 0))
        return 1000.0 * self.spike_times.size / (n * t_end) if t_end else 0.0


@dataclass
class LIFNetworkChunk:
    """One chunk of :func:`stream_lif` (fresh arrays; absolute times in ms).

    ``v`` and ``s`` have one column per neuron in ``record`` (the neurons
    recorded during this chunk).
    """

    t: np.ndarray
    spike_times: np.ndarray
    spike_indices: np.ndarray
    rate: np.ndarray
    v: np.ndarray
    s: np.ndarray
    record: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def _as_csr(W: Any) -> sp.csr_matrix:
    if sp.issparse(W):
        M = sp.csr_matrix(W, dtype=float, copy=True)
        M.sum_duplicates()
        M.sort_indices()
    else:
        Wa = np.asarray(W, dtype=float)
        if Wa.ndim != 2:
            raise ValueError("W must be a 2-D N×N matrix")
        M = sp.csr_matrix(Wa)
    if M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ValueError(f"W must be square with at least one neuron (got {M.shape})")
    if not np.isfinite(M.data).all():
        raise ValueError("W must be finite")
    return M


def _as_J(J: Any, n: int) -> np.ndarray:
    Ja = np.asarray(J, dtype=float)
    if Ja.ndim == 0:
        Ja = np.full(n, float(Ja))
    if Ja.shape != (n,):
        raise ValueError(f"J must be a number or have length {n} (got shape {Ja.shape})")
    if not np.isfinite(Ja).all():
        raise ValueError("J must be finite")
    return np.ascontiguousarray(Ja)


class _NetState:
    def __init__(self, W: Any, v0: Any, tau_s: float, record: Any) -> None:
        self.W = _as_csr(W)
        n = self.W.shape[0]
        if not tau_s > 0:
            raise ValueError(f"tau_s must be positive (got {tau_s})")
        self.tau_s = float(tau_s)
        v0a = np.zeros(n) if v0 is None else np.asarray(v0, dtype=float)
        self.v = np.ascontiguousarray(np.broadcast_to(v0a, (n,)), dtype=float).copy()
        if not np.isfinite(self.v).all() or (self.v >= 1.0).any():
            raise ValueError("v0 must be finite and below the threshold 1")
        self.s = np.zeros(n)
        self.ref_until = np.full(n, -np.inf)
        self.set_record(np.arange(min(n, 5)) if record is None else record)
        self.k = 0
        self.indptr = self.W.indptr.astype(np.int64)
        self.indices = self.W.indices.astype(np.int64)
        self.data = self.W.data.astype(float)
        self.max_row = int(np.diff(self.indptr).max(initial=0))

    def set_record(self, record: Any) -> None:
        n = self.v.size
        rec = np.asarray(record, dtype=np.int64).ravel()
        if rec.size and (rec.min() < 0 or rec.max() >= n):
            raise ValueError(f"recorded neurons must be in 0…{n - 1}")
        self.record = rec

    def advance(self, J: np.ndarray, n_steps: int, dt: float, p: LIFParams):
        r = self.record.size
        v_rec = np.empty((n_steps, r))
        s_rec = np.empty((n_steps, r))
        counts = np.empty(n_steps, np.int64)
        spk_i, spk_t, ns = _net_kernel(
            self.indptr, self.indices, self.data, J, self.v, self.s, self.ref_until,
            self.k, float(dt), float(p.tau_m), self.tau_s, float(p.t_ref), n_steps,
            self.max_row, self.record, v_rec, s_rec, counts,
        )  # fmt: skip
        self.k += n_steps
        rate = counts * (1000.0 / (self.v.size * dt))
        return spk_t[:ns].copy(), spk_i[:ns].copy(), rate, v_rec, s_rec


def simulate_lif(
    W: Any,
    J: Any,
    t_end: float,
    dt: float,
    tau_s: float = 5.0,
    params: LIFParams | None = None,
    *,
    v0: Any = None,
    record: Any = None,
) -> LIFNetworkResult:
    """Simulate a spiking LIF network (SPEC §4) from v = v0, s = 0.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, N×N
        ``W[j, i]`` is the weight from neuron j to neuron i.
    J : float or array (N,)
        Constant bias / external input (dimensionless).
    t_end, dt : float
        Duration and step (ms); ``round(t_end / dt)`` steps.
    tau_s : float
        Synaptic time constant (ms).
    params : LIFParams, optional
        τ_m and t_ref (its ``v0`` is not used; pass ``v0`` here).
    v0 : float or array (N,), optional
        Initial v (default 0).
    record : sequence of int, optional
        Neurons whose v and s are recorded (default the first five).
    """
    p = LIFParams.coerce(params)
    n_steps = _n_steps(t_end, dt)
    state = _NetState(W, v0, tau_s, record)
    Ja = _as_J(J, state.v.size)
    spk_t, spk_i, rate, v_rec, s_rec = state.advance(Ja, n_steps, dt, p)
    return LIFNetworkResult(
        np.arange(n_steps) * dt, spk_t, spk_i, rate, state.record.copy(), v_rec, s_rec,
        state.v.copy(), state.s.copy(),
    )  # fmt: skip


def stream_lif(
    W: Any,
    J: Any,
    dt: float = 0.1,
    tau_s: float = 5.0,
    params: LIFParams | None = None,
    *,
    v0: Any = None,
    record: Any = None,
    chunk_ms: float = 20.0,
    t_end: float | None = None,
) -> Generator[LIFNetworkChunk, Mapping[str, Any] | None, None]:
    """:func:`simulate_lif` chunk by chunk (protocol in :mod:`neurolab.core`).

    ``gen.send({"params": LIFParams(...)})`` changes τ_m / t_ref,
    ``gen.send({"stimulus": J})`` the bias (number or length N) and
    ``gen.send({"record": [i, ...]})`` the recorded neurons (``chunk.record``
    names them) and ``gen.send({"t_end": ms})`` when the stream ends (None:
    never; a time already passed ends it after this chunk), from the next
    chunk; the state carries over.  Chunks concatenated equal
    :func:`simulate_lif` over the same time, however the run is chunked.
    """
    p = LIFParams.coerce(params)
    state = _NetState(W, v0, tau_s, record)
    Ja = _as_J(J, state.v.size)
    n_chunk = max(1, int(round(chunk_ms / dt)))
    n_total = None if t_end is None else _n_steps(t_end, dt)
    while n_total is None or state.k < n_total:
        n = n_chunk if n_total is None else min(n_chunk, n_total - state.k)
        k_start = state.k
        spk_t, spk_i, rate, v_rec, s_rec = state.advance(Ja, n, dt, p)
        chunk = LIFNetworkChunk(
            (k_start + np.arange(n)) * dt, spk_t, spk_i, rate, v_rec, s_rec, state.record.copy()
        )
        sent = yield chunk
        if sent and "t_end" in sent:
            sent = dict(sent)
            t_end = sent.pop("t_end")
            n_total = None if t_end is None else _n_steps(t_end, dt)
        updates = check_updates(sent, extra=("record",))
        if "record" in updates:
            state.set_record(updates["record"])
        if "params" in updates:
            p = LIFParams.coerce(updates["params"])
        if "stimulus" in updates:
            Ja = _as_J(updates["stimulus"], state.v.size)


# --------------------------------------------------------------------------
# Construction


def _connect(rng: np.random.Generator, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Targets of each presynaptic j in turn: ``rng.random(n) < p`` without j."""
    rows, cols = [], []
    for j in range(n):
        targets = np.flatnonzero(rng.random(n) < p)
        targets = targets[targets != j]
        rows.append(np.full(targets.size, j, dtype=np.int64))
        cols.append(targets)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols).astype(np.int64)


def random_network(
    N: int,
    p: float,
    w_mean: float,
    w_spread: float,
    seed: int = 0,
    *,
    exc_fraction: float | None = None,
) -> sp.csr_matrix:
    """Random N×N CSR weight matrix (row = presynaptic), no self-connections.

    Each ordered pair j → i (j ≠ i) is connected with probability ``p``; weights
    are ``normal(w_mean, w_spread)``.  With ``exc_fraction`` (Dale's law) the
    first ``round(exc_fraction·N)`` neurons are excitatory and their weights are
    |w|, the others inhibitory with −|w|.
    """
    N = int(N)
    if N < 1 or not 0.0 <= p <= 1.0 or not w_spread >= 0:
        raise ValueError("need N ≥ 1, 0 ≤ p ≤ 1 and w_spread ≥ 0")
    rng = np.random.default_rng(seed)
    rows, cols = _connect(rng, N, p)
    w = rng.normal(w_mean, w_spread, size=rows.size)
    if exc_fraction is not None:
        if not 0.0 <= exc_fraction <= 1.0:
            raise ValueError("exc_fraction must be between 0 and 1")
        n_exc = int(round(exc_fraction * N))
        w = np.where(rows < n_exc, np.abs(w), -np.abs(w))
    return sp.csr_matrix((w, (rows, cols)), shape=(N, N))


def random_bias(N: int, low: float, high: float, seed: Any = 0) -> np.ndarray:
    """Bias J_i drawn uniformly from [low, high): ``default_rng(seed).uniform(low, high, N)``.

    The draw is ``low + (high − low) · u`` with ``u`` fixed by the seed, so the
    same seed with a moved range rescales the same pattern.  ``seed`` is
    anything :func:`numpy.random.default_rng` takes (e.g. ``[seed, 1]``).
    """
    if isinstance(N, bool) or not isinstance(N, int | np.integer) or N < 0:
        raise ValueError(f"N must be a whole number ≥ 0 (got {N!r})")
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"the bias range must be finite (got {low}, {high})")
    if low > high:
        raise ValueError(f"the bias range needs low ≤ high (got {low} > {high})")
    return np.random.default_rng(seed).uniform(low, high, int(N))


@dataclass
class W3Network:
    """The SPEC §6 W3 workload: weights, bias, initial v and run settings."""

    W: sp.csr_matrix
    J: np.ndarray
    v0: np.ndarray
    params: LIFParams
    tau_s: float = 5.0
    t_end: float = 1000.0
    dt: float = 0.1

    def run(self, **kwargs: Any) -> LIFNetworkResult:
        return simulate_lif(
            self.W, self.J, self.t_end, self.dt, self.tau_s, self.params, v0=self.v0, **kwargs
        )


def w3_network(N: int = 10_000) -> W3Network:
    """Build SPEC §6 W3 exactly (999 054 synapses for N = 10 000)."""
    rng = np.random.default_rng(12345)
    J = rng.uniform(0.9, 1.5, N)
    v0 = rng.uniform(0, 1, N)
    rows, cols = _connect(rng, N, 0.01)
    w = 25.0 * rng.normal(0, 0.02, size=rows.size)
    W = sp.csr_matrix((w, (rows, cols)), shape=(N, N))
    return W3Network(W, J, v0, LIFParams(tau_m=20.0, t_ref=2.0))


def warm_up() -> float:
    """Compile (or load from cache) the network kernel; returns wall time (s)."""
    t0 = time.perf_counter()
    simulate_lif(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.5, 1.0, 0.1)
    return time.perf_counter() - t0
