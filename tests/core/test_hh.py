"""Hodgkin–Huxley core: checked against an independent scipy reference and SPEC §2.1 facts.

The reference below re-implements the model from the SPEC formulas with plain
``math.exp`` and integrates it with scipy's DOP853 at rtol = atol = 1e-10,
locating spikes with an event function (exact 0 mV crossings of the
continuous solution), so it shares no code with neurolab.core.hh.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from neurolab.core import _hh_kernels, hh
from neurolab.core.hh import HHParams
from neurolab.core.params import ParamError

# --- independent reference ---------------------------------------------------

DEF = dict(C=1.0, gNa=120.0, gK=36.0, gL=0.3, ENa=50.0, EK=-77.0, EL=-54.387)


def ref_rates(V: float) -> tuple[float, float, float, float, float, float]:
    """SPEC §2.1 rates, textbook form; the 0/0 points get their limits."""
    e = math.exp
    xn, xm = V + 55.0, V + 40.0
    a_n = 0.1 if xn == 0.0 else 0.01 * xn / (1.0 - e(-xn / 10.0))
    a_m = 1.0 if xm == 0.0 else 0.1 * xm / (1.0 - e(-xm / 10.0))
    b_n = 0.125 * e(-(V + 65.0) / 80.0)
    b_m = 4.0 * e(-(V + 65.0) / 18.0)
    a_h = 0.07 * e(-(V + 65.0) / 20.0)
    b_h = 1.0 / (1.0 + e(-(V + 35.0) / 10.0))
    return a_m, b_m, a_h, b_h, a_n, b_n


def ref_rhs(t: float, y: np.ndarray, I_app: float) -> list[float]:
    V, m, h, n = y
    a_m, b_m, a_h, b_h, a_n, b_n = ref_rates(V)
    dV = (
        I_app
        - DEF["gNa"] * m**3 * h * (V - DEF["ENa"])
        - DEF["gK"] * n**4 * (V - DEF["EK"])
        - DEF["gL"] * (V - DEF["EL"])
    ) / DEF["C"]
    return [dV, a_m * (1 - m) - b_m * m, a_h * (1 - h) - b_h * h, a_n * (1 - n) - b_n * n]


def ref_y0(V0: float = -65.0) -> list[float]:
    a_m, b_m, a_h, b_h, a_n, b_n = ref_rates(V0)
    return [V0, a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)]


@pytest.fixture(scope="module")
def reference() -> dict:
    """Tight DOP853 solution at I = 10 µA/cm² for 1000 ms (≈1.5 s to compute)."""

    def crossing(t, y, I_app):
        return y[0]

    crossing.direction = 1.0

    def peak(t, y, I_app):  # dV/dt = 0 going down = a maximum
        return ref_rhs(t, y, I_app)[0]

    peak.direction = -1.0
    sol = solve_ivp(
        ref_rhs,
        (0.0, 1000.0),
        ref_y0(),
        method="DOP853",
        rtol=1e-10,
        atol=1e-10,
        events=(crossing, peak),
        args=(10.0,),
    )
    assert sol.success
    return {"spikes": sol.t_events[0], "peaks": sol.y_events[1][:, 0]}


# --- a local stand-in for neurolab.core.stimulus (same interface) ------------


class StandInStep:
    """``amplitude`` during [onset, onset + duration), else ``base`` (µA/cm²)."""

    def __init__(self, onset: float, duration: float, amplitude: float, base: float = 0.0):
        self.onset, self.duration, self.amplitude, self.base = onset, duration, amplitude, base

    def values(self, t: np.ndarray) -> np.ndarray:
        on = (t >= self.onset) & (t < self.onset + self.duration)
        return np.where(on, self.amplitude, self.base)

    def stream(self, dt: float, t0: float = 0.0) -> StandInStream:
        return StandInStream(self, dt, t0)


class StandInStream:
    def __init__(self, stim: StandInStep, dt: float, t0: float):
        self.stim, self.dt, self.t0, self.k = stim, dt, t0, 0

    def next(self, n: int) -> np.ndarray:
        t = self.t0 + (self.k + np.arange(n)) * self.dt
        self.k += n
        return self.stim.values(t)


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    hh.warm_up()


# --- parameters -----------------------------------------------------------------


def test_defaults_are_the_spec_values() -> None:
    p = HHParams()
    assert (p.C, p.g_Na, p.g_K, p.g_L) == (1.0, 120.0, 36.0, 0.3)
    assert (p.E_Na, p.E_K, p.E_L, p.V0) == (50.0, -77.0, -54.387, -65.0)


def test_out_of_range_params_are_refused_with_the_range() -> None:
    with pytest.raises(ParamError, match=r"C must be between 0\.1 and 10 µF/cm²"):
        HHParams(C=-1)
    with pytest.raises(ParamError, match="g_Na"):
        HHParams(g_Na=1e6)
    with pytest.raises(ParamError, match="HHParams"):
        hh.simulate(10.0, 10.0, params={"C": 1.0})  # type: ignore[arg-type]


# --- rate functions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "V_sing", "limit"), [(hh.alpha_n, -55.0, 0.1), (hh.alpha_m, -40.0, 1.0)]
)
def test_alpha_finite_and_continuous_at_removable_singularity(fn, V_sing, limit) -> None:
    # α = limit · y/(1 − e^{−y}) with y = (V − V_sing)/10, and
    # y/(1 − e^{−y}) = 1 + y/2 + y²/12 − y⁴/720 + …: the value next to the
    # pole must follow that series, from both sides, down to δ = 1e-6 mV.
    assert fn(V_sing) == pytest.approx(limit, rel=1e-15)
    for d in (1e-6, 1e-5, 1e-4, 1e-3):
        for s in (-1.0, 1.0):
            y = s * d / 10.0
            v = float(fn(V_sing + s * d))
            assert math.isfinite(v)
            assert v == pytest.approx(limit * (1 + y / 2 + y * y / 12), rel=1e-13)
    # Also smooth: one-sided slopes agree with the series slope limit/20 per mV.
    d = 1e-3
    right = (float(fn(V_sing + d)) - limit) / d
    left = (limit - float(fn(V_sing - d))) / d
    assert right == pytest.approx(limit / 20, rel=1e-3)
    assert left == pytest.approx(limit / 20, rel=1e-3)


def test_rates_match_textbook_formulas_and_kernel_rates_agree() -> None:
    # Grid avoids the exact 0/0 points (checked above) but passes close to them.
    V = np.concatenate([np.linspace(-120.0, 80.0, 2001) + 0.0123, [-55.0, -40.0, -55.0 + 3e-3]])
    public = np.array(
        [hh.alpha_m(V), hh.beta_m(V), hh.alpha_h(V), hh.beta_h(V), hh.alpha_n(V), hh.beta_n(V)]
    )
    textbook = np.array([ref_rates(v) for v in V]).T
    np.testing.assert_allclose(public, textbook, rtol=1e-9, atol=0)
    kernel = _hh_kernels.rates_array(V)
    np.testing.assert_allclose(kernel, public, rtol=1e-11, atol=0)


def test_rest_is_a_steady_state_of_the_gates() -> None:
    m, h, n = hh.steady_state(-65.0)
    a_m, b_m, a_h, b_h, a_n, b_n = ref_rates(-65.0)
    assert m == pytest.approx(a_m / (a_m + b_m), rel=1e-12)
    assert h == pytest.approx(a_h / (a_h + b_h), rel=1e-12)
    assert n == pytest.approx(a_n / (a_n + b_n), rel=1e-12)
    tm, th, tn = hh.time_constants(-65.0)
    assert tm == pytest.approx(1.0 / (a_m + b_m), rel=1e-12)
    assert th == pytest.approx(1.0 / (a_h + b_h), rel=1e-12)
    assert tn == pytest.approx(1.0 / (a_n + b_n), rel=1e-12)


# --- accuracy against the reference --------------------------------------------


def test_reference_reproduces_spec_facts(reference: dict) -> None:
    spikes = reference["spikes"]
    assert len(spikes) == 69
    assert spikes[0] == pytest.approx(1.90, abs=0.05)
    assert np.median(np.diff(spikes[-20:])) == pytest.approx(14.64, abs=0.05)


@pytest.mark.parametrize(("dt", "tight"), [(0.01, 1e-4), (0.025, 5e-4)])
def test_spike_times_match_reference(reference: dict, dt: float, tight: float) -> None:
    r = hh.simulate(10.0, 1000.0, dt=dt)
    ref = reference["spikes"]
    assert len(r.spike_times) == len(ref) == 69
    assert r.spike_times[0] == pytest.approx(1.90, abs=0.05)
    err = np.max(np.abs(r.spike_times - ref))
    assert err < 0.1
    # RK4 error is ~dt⁴; the linear crossing interpolation adds ~dt². The
    # tighter bound is what the module docstring promises, with margin.
    assert err < tight


def test_peak_voltage(reference: dict) -> None:
    r = hh.simulate(10.0, 200.0, dt=0.01)
    ref_peaks = reference["peaks"][reference["peaks"] > 0]
    # SPEC's 40.3 mV is the first spike from rest; later spikes, starting with
    # Na⁺ channels not fully de-inactivated, peak lower.
    assert ref_peaks[0] == pytest.approx(40.3, abs=0.1)
    assert r.V.max() == pytest.approx(ref_peaks[0], abs=0.05)
    # Every spike's sampled peak within 0.05 mV of the reference's (samples
    # every 0.01 ms can only miss the top of a ~1 ms wide peak by a hair).
    ours = [r.V[(r.t > s - 1.0) & (r.t < s + 2.0)].max() for s in r.spike_times]
    assert len(ours) >= 13
    np.testing.assert_allclose(ours, ref_peaks[: len(ours)], rtol=0, atol=0.05)


def test_resting_potential_is_steady_near_minus_65() -> None:
    r = hh.simulate(0.0, 500.0, dt=0.025)
    assert r.spike_times.size == 0
    assert r.V[-1] == pytest.approx(-65.0, abs=0.1)
    late = r.V[r.t >= 300.0]
    assert np.ptp(late) < 0.01


def test_threshold_of_repetitive_firing() -> None:
    below = hh.simulate(6.0, 1000.0, dt=0.025).spike_times
    above = hh.simulate(6.5, 1000.0, dt=0.025).spike_times
    assert 1 <= below.size <= 3
    assert not np.any(below > 500.0)
    late = above[above > 500.0]
    assert late.size >= 20
    isi = np.diff(late)
    assert np.std(isi) / np.mean(isi) < 0.02  # regular


def test_large_dt_and_extreme_params_stay_finite() -> None:
    # dt = 0.1 ms makes plain RK4 unstable on the spike upstroke; substeps fix it.
    coarse = hh.simulate(10.0, 1000.0, dt=0.1)
    assert np.all(np.isfinite(coarse.V))
    assert len(coarse.spike_times) == 69
    # Strong hyperpolarisation drives β_m far beyond 1/dt (RK4 substeps, then
    # the exponential-Euler fallback), and with g_L = 0 nothing stops V at all.
    p = HHParams(C=0.1, g_Na=300.0, g_K=100.0, g_L=0.0, E_K=-120.0, E_Na=100.0)
    r = hh.simulate(np.array([-100.0, -5.0, 0.0, 100.0]), 50.0, dt=0.025, params=p)
    for x in (r.V, r.m, r.h, r.n):
        assert np.all(np.isfinite(x))
    for x in (r.m, r.h, r.n):
        assert np.all((x >= -1e-9) & (x <= 1 + 1e-9))
    assert r.V[:, 0].min() < -10000.0  # V falls as −I t / C: 50 ms · 1000 mV/ms
    assert r.V[:, 1].min() < -150.0  # really was driven into the stiff region


# --- batches, stimuli, recording ----------------------------------------------------


@pytest.mark.parametrize(
    "currents",
    [[6.0, 10.0, 15.0], list(np.linspace(0.0, 20.0, 9)), list(np.linspace(-5.0, 30.0, 70))],
)
def test_batch_equals_individual_runs(currents: list[float]) -> None:
    # 3 neurons: the kernel's scalar tail; 9: one 8-wide vector + tail; 70: two
    # threads.  A single neuron always takes the scalar tail.
    batch = hh.simulate(np.array(currents), 150.0, dt=0.025)
    assert batch.V.shape == (6000, len(currents))
    assert isinstance(batch.spike_times, list) and len(batch.spike_times) == len(currents)
    for j, current in enumerate(currents):
        one = hh.simulate(current, 150.0, dt=0.025)
        for name in ("V", "m", "h", "n", "I_Na", "I_K", "I_L", "I_in"):
            np.testing.assert_allclose(
                getattr(batch, name)[:, j], getattr(one, name), rtol=0, atol=1e-12, err_msg=name
            )
        np.testing.assert_allclose(batch.spike_times[j], one.spike_times, rtol=0, atol=1e-12)


def test_result_shapes_currents_and_initial_state() -> None:
    p = HHParams(V0=-70.0)
    r = hh.simulate(10.0, 20.0, dt=0.025, params=p)
    assert r.t.shape == r.V.shape == r.I_in.shape == (800,)
    np.testing.assert_allclose(r.t, np.arange(800) * 0.025)
    m0, h0, n0 = hh.steady_state(-70.0)
    assert (r.V[0], r.m[0], r.h[0], r.n[0]) == pytest.approx((-70.0, m0, h0, n0), abs=1e-14)
    np.testing.assert_allclose(r.I_Na, 120.0 * r.m**3 * r.h * (r.V - 50.0), rtol=1e-12)
    np.testing.assert_allclose(r.I_K, 36.0 * r.n**4 * (r.V + 77.0), rtol=1e-12)
    np.testing.assert_allclose(r.I_L, 0.3 * (r.V + 54.387), rtol=1e-12, atol=1e-13)
    # Membrane equation: C dV/dt ≈ I_in − ionic currents (central difference).
    dVdt = (r.V[2:] - r.V[:-2]) / (2 * 0.025)
    rhs = (r.I_in - r.I_Na - r.I_K - r.I_L)[1:-1]
    assert np.max(np.abs(dVdt - rhs)) < 0.02 * np.max(np.abs(rhs))


def test_stimulus_object_drives_one_neuron() -> None:
    stim = StandInStep(onset=20.0, duration=30.0, amplitude=10.0)
    r = hh.simulate(stim, 100.0, dt=0.025)
    np.testing.assert_array_equal(r.I_in, stim.values(r.t))
    assert r.spike_times.size >= 2
    assert np.all((r.spike_times > 20.0) & (r.spike_times < 55.0))


def test_real_stimulus_module_when_present() -> None:
    stimulus = pytest.importorskip("neurolab.core.stimulus")
    step = stimulus.Step(onset=20.0, duration=30.0, amplitude=10.0)
    stand_in = StandInStep(onset=20.0, duration=30.0, amplitude=10.0)
    a, b = hh.simulate(step, 100.0), hh.simulate(stand_in, 100.0)
    np.testing.assert_allclose(a.V, b.V, rtol=0, atol=1e-9)


def test_record_every_downsamples_but_keeps_every_spike() -> None:
    full = hh.simulate(np.array([8.0, 12.0]), 200.0, dt=0.025)
    thin = hh.simulate(np.array([8.0, 12.0]), 200.0, dt=0.025, record_every=7)
    np.testing.assert_array_equal(thin.t, full.t[::7])
    np.testing.assert_array_equal(thin.V, full.V[::7])
    np.testing.assert_array_equal(thin.I_in, full.I_in[::7])
    for a, b in zip(thin.spike_times, full.spike_times, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="record_every"):
        hh.simulate(10.0, 10.0, record_every=0)


# --- streaming ------------------------------------------------------------------------

FIELDS = ("t", "V", "m", "h", "n", "I_Na", "I_K", "I_L", "I_in")


@pytest.mark.parametrize("record_every", [1, 3])
def test_stream_chunks_concatenate_to_simulate(record_every: int) -> None:
    stim = StandInStep(onset=5.0, duration=60.0, amplitude=12.0)
    chunks = list(hh.stream(stim, dt=0.025, chunk_ms=20.0, t_end=103.3, record_every=record_every))
    assert len(chunks) == 6  # 5 × 20 ms + one 3.3 ms remainder
    whole = hh.simulate(stim, 103.3, dt=0.025, record_every=record_every)
    for name in FIELDS:
        joined = np.concatenate([getattr(c, name) for c in chunks])
        np.testing.assert_allclose(joined, getattr(whole, name), rtol=0, atol=1e-12, err_msg=name)
    spikes = np.concatenate([c.spike_times for c in chunks])
    assert spikes.size >= 3
    np.testing.assert_allclose(spikes, whole.spike_times, rtol=0, atol=1e-12)
    for c in chunks:  # each chunk's spikes lie inside it
        assert np.all((c.spike_times >= c.t[0]) & (c.spike_times < c.t[-1] + 0.025 * record_every))


def test_stream_send_params_takes_effect_from_next_chunk() -> None:
    gen = hh.stream(10.0, dt=0.025, chunk_ms=20.0)
    before = [next(gen) for _ in range(5)]
    assert sum(c.spike_times.size for c in before) >= 5
    after = [gen.send({"params": HHParams(g_Na=0.0)})]
    after += [next(gen) for _ in range(9)]
    gen.close()
    assert np.all(after[0].I_Na == 0.0)  # the very next chunk uses the new g_Na
    # No reset: time runs on, and the first state is the old-parameter one.
    assert after[0].t[0] == pytest.approx(100.0)
    unchanged = hh.simulate(10.0, 100.0 + 0.025, dt=0.025)
    assert after[0].V[0] == pytest.approx(unchanged.V[-1], abs=1e-9)
    assert sum(c.spike_times.size for c in after[1:]) == 0
    assert max(c.V.max() for c in after[2:]) < 0.0


def test_stream_new_stimulus_continues_in_absolute_time() -> None:
    gen = hh.stream(0.0, dt=0.025, chunk_ms=20.0)
    next(gen)
    next(gen)  # now at t = 40 ms
    stim = StandInStep(onset=50.0, duration=20.0, amplitude=10.0)
    chunks = [gen.send({"stimulus": stim})] + [next(gen) for _ in range(2)]
    gen.close()
    t = np.concatenate([c.t for c in chunks])
    I_in = np.concatenate([c.I_in for c in chunks])
    assert t[0] == pytest.approx(40.0)
    np.testing.assert_array_equal(I_in, stim.values(t))
    spikes = np.concatenate([c.spike_times for c in chunks])
    assert spikes.size >= 1 and spikes.min() > 50.0


def test_stream_chunks_are_fresh_arrays() -> None:
    gen = hh.stream(10.0, dt=0.025, chunk_ms=5.0)
    first, second = next(gen), next(gen)
    for name in FIELDS:
        a, b = getattr(first, name), getattr(second, name)
        assert not np.shares_memory(a, b), name
    saved = {name: getattr(second, name).copy() for name in FIELDS}
    for name in FIELDS:
        getattr(first, name)[:] = 123.0
    third = next(gen)
    gen.close()
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(second, name), saved[name])
    # Mutating an old chunk did not disturb the simulation going on.
    ref_gen = hh.stream(10.0, dt=0.025, chunk_ms=5.0)
    ref_third = [next(ref_gen) for _ in range(3)][2]
    ref_gen.close()
    np.testing.assert_array_equal(third.V, ref_third.V)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="dt"):
        hh.simulate(10.0, 10.0, dt=0.0)
    with pytest.raises(ValueError, match="t_end"):
        hh.simulate(10.0, -1.0)
    with pytest.raises(ValueError, match="1-D"):
        hh.simulate(np.ones((2, 2)), 10.0)
    with pytest.raises(ValueError, match="finite"):
        hh.simulate(np.array([1.0, np.nan]), 10.0)


def test_stream_rejects_unknown_updates() -> None:
    gen = hh.stream(10.0)
    next(gen)
    with pytest.raises(ParamError, match="stream accepts"):
        gen.send({"parms": HHParams()})


# --- F–I curve --------------------------------------------------------------------------


def test_fi_curve_jump_and_rate() -> None:
    rates = hh.fi_curve(np.array([0.0, 5.0, 10.0]), t_end=1000.0, dt=0.025, t_skip=200.0)
    assert rates[0] == 0.0
    assert rates[1] == 0.0
    assert rates[2] > 50.0
    # SPEC: period ≈ 14.64 ms at I = 10; counting spikes in 800 ms is exact to ±1.
    assert rates[2] == pytest.approx(1000.0 / 14.64, abs=1000.0 / 800.0 + 0.2)
    # Same number as counting spikes of a plain simulation after 200 ms.
    spikes = hh.simulate(10.0, 1000.0, dt=0.025).spike_times
    assert rates[2] == pytest.approx(np.count_nonzero(spikes > 200.0) / 0.8, rel=1e-12)


def test_fi_curve_stream_progress_and_final_rates() -> None:
    currents = np.linspace(0.0, 20.0, 12).reshape(3, 4)
    items = list(hh.fi_curve_stream(currents, t_end=300.0, dt=0.025, t_skip=100.0, chunk_ms=50.0))
    fractions = [f for f, _ in items]
    assert len(items) == 6
    assert all(r is None for _, r in items[:-1])
    assert np.all(np.diff(fractions) > 0) and 0 < fractions[0] and fractions[-1] == 1.0
    final = items[-1][1]
    assert final.shape == (3, 4)
    np.testing.assert_array_equal(final, hh.fi_curve(currents, t_end=300.0, dt=0.025, t_skip=100.0))
    assert final[-1, -1] > final[1, 0]  # rate grows with current (20 vs ~7 µA/cm²)
    with pytest.raises(ValueError, match="t_skip"):
        hh.fi_curve([10.0], t_end=100.0, t_skip=100.0)
