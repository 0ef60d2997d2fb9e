"""LIF neuron against its analytic solution (SPEC §2.2)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolab.core import lif
from neurolab.core.lif import LIFParams
from neurolab.core.params import ParamError
from neurolab.core.stimulus import Constant, Noise, Sine, Step


def isi_exact(J, tau_m=20.0, t_ref=2.0):
    """Analytic interspike interval (ms): t_ref + time to climb from 0 to 1."""
    return t_ref + tau_m * math.log(J / (J - 1))


J_GRID = np.linspace(1.05, 10.0, 80)


# ---------------------------------------------------------------- G(J)


def test_rate_formula_at_known_points():
    # G(2) = 1000 / (2 + 20 ln 2), G(1.5) = 1000 / (2 + 20 ln 3)
    np.testing.assert_allclose(
        lif.rate([2.0, 1.5]),
        [1000 / (2 + 20 * math.log(2)), 1000 / (2 + 20 * math.log(3))],
        rtol=1e-13,
    )
    p = LIFParams(tau_m=10, t_ref=5)
    assert lif.rate(3.0, p) == pytest.approx(1000 / (5 + 10 * math.log(1.5)), rel=1e-13)


def test_rate_is_zero_at_and_below_threshold_without_warnings():
    J = np.array([-5.0, 0.0, 0.5, 0.999999, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = lif.rate(J)
    np.testing.assert_array_equal(r, np.zeros(5))
    assert lif.rate(1.0 + 1e-9) > 0


def test_rate_approaches_one_over_t_ref():
    assert lif.rate(1e9) == pytest.approx(500.0, rel=1e-6)


def test_rate_keeps_shape():
    assert lif.rate(np.ones((3, 4)) * 2).shape == (3, 4)
    assert np.ndim(lif.rate(2.0)) == 0


# ---------------------------------------------------------------- simulated rates


@pytest.mark.parametrize("dt", [0.1, 1.0])
def test_simulated_rates_match_G_within_one_percent(dt):
    r = lif.fi_curve(J_GRID, t_end=1000.0, dt=dt)
    G = lif.rate(J_GRID)
    assert np.all(np.abs(r / G - 1) < 0.01)


@pytest.mark.parametrize("dt", [0.1, 1.0])
def test_every_interspike_interval_is_exact(dt):
    res = lif.simulate(J_GRID, 1000.0, dt)
    for J, spikes in zip(J_GRID, res.spike_times, strict=True):
        assert spikes.size >= 2
        # First spike from v = 0: no refractory period before it.
        assert spikes[0] == pytest.approx(20 * math.log(J / (J - 1)), abs=1e-9)
        np.testing.assert_allclose(np.diff(spikes), isi_exact(J), rtol=0, atol=1e-9)


def test_count_rate_over_a_long_run_matches_G():
    # Independent of the ISI-based estimator: plain spike counts over 20 s.
    J = np.array([1.2, 2.0, 5.0])
    res = lif.simulate(J, 20_000.0, 1.0)
    counts = np.array([s.size for s in res.spike_times])
    np.testing.assert_allclose(counts / 20.0, lif.rate(J), rtol=0.01)


@settings(max_examples=40, deadline=None)
@given(
    J=st.floats(1.01, 60.0),
    tau_m=st.floats(1.0, 100.0),
    t_ref=st.floats(0.0, 10.0),
    dt=st.sampled_from([0.05, 0.1, 0.37, 1.0, 2.0]),
)
def test_isi_exact_for_any_parameters(J, tau_m, t_ref, dt):
    p = LIFParams(tau_m=tau_m, t_ref=t_ref)
    isi = isi_exact(J, tau_m, t_ref)
    res = lif.simulate(J, 6 * isi + 2 * dt, dt, p)
    s = res.spike_times
    assert s.size >= 5
    np.testing.assert_allclose(np.diff(s), isi, rtol=1e-9, atol=1e-9)


def test_several_spikes_inside_one_step():
    # ISI 0.1 + 20 ln(50/49) ≈ 0.504 ms < dt = 1 ms: two spikes per step.
    p = LIFParams(t_ref=0.1)
    coarse = lif.simulate(50.0, 50.0, 1.0, p).spike_times
    fine = lif.simulate(50.0, 50.0, 0.01, p).spike_times
    assert coarse.size == fine.size > 90
    np.testing.assert_allclose(coarse, fine, rtol=0, atol=1e-9)


# ---------------------------------------------------------------- trajectories


def test_subthreshold_trajectory_is_analytic():
    J, tau = 0.8, 20.0
    res = lif.simulate(J, 200.0, 0.1)
    np.testing.assert_allclose(res.v, J * (1 - np.exp(-res.t / tau)), rtol=1e-12, atol=1e-14)
    assert res.spike_times.size == 0
    np.testing.assert_array_equal(res.I_in, np.full(2000, J))
    np.testing.assert_allclose(res.t, 0.1 * np.arange(2000), rtol=0, atol=1e-12)


def test_initial_value_v0():
    p = LIFParams(v0=0.5, tau_m=10.0)
    res = lif.simulate(0.2, 50.0, 0.5, p)
    np.testing.assert_allclose(res.v, 0.2 + 0.3 * np.exp(-res.t / 10.0), rtol=1e-12)


def test_refractory_period_holds_v_at_reset():
    p = LIFParams(t_ref=5.0)
    res = lif.simulate(3.0, 200.0, 0.1, p)
    assert res.spike_times.size > 5
    for ts in res.spike_times:
        held = (res.t > ts) & (res.t <= ts + 5.0)
        assert held.sum() >= 49
        np.testing.assert_array_equal(res.v[held], 0.0)
        after = np.flatnonzero(res.t > ts + 5.0)
        if after.size:
            # First sample after t_ref: integrated exactly from the end of t_ref.
            k = after[0]
            assert res.v[k] == pytest.approx(
                3.0 * (1 - math.exp(-(res.t[k] - ts - 5.0) / 20)), abs=1e-12
            )


def test_v_stays_below_threshold():
    res = lif.simulate(np.array([1.01, 2.0, 9.0]), 300.0, 1.0)
    assert res.v.max() < 1.0


def test_batch_equals_single_runs():
    J = np.array([0.5, 1.1, 1.7, 4.0])
    batch = lif.simulate(J, 300.0, 0.25)
    assert batch.v.shape == (1200, 4) and batch.I_in.shape == (1200, 4)
    assert isinstance(batch.spike_times, list) and len(batch.spike_times) == 4
    for i, Ji in enumerate(J):
        single = lif.simulate(float(Ji), 300.0, 0.25)
        assert single.v.shape == (1200,)
        np.testing.assert_array_equal(batch.v[:, i], single.v)
        np.testing.assert_array_equal(batch.spike_times[i], single.spike_times)


def test_step_stimulus_first_spike_time():
    # J = 2 from t = 20 ms: v climbs from 0 and crosses 1 after 20 ln 2 ms.
    res = lif.simulate(Step(onset=20, duration=500, amplitude=2.0), 100.0, 1.0)
    assert res.spike_times[0] == pytest.approx(20 + 20 * math.log(2), abs=1e-9)
    np.testing.assert_array_equal(res.v[res.t <= 20], 0.0)
    np.testing.assert_array_equal(
        res.I_in, Step(onset=20, duration=500, amplitude=2.0).values(res.t)
    )


def test_simulate_steps_and_validation():
    assert lif.simulate(1.5, 1000.0, 0.1).t.size == 10_000
    with pytest.raises(ValueError, match="finite"):
        lif.simulate(np.array([1.0, np.inf]), 10.0)
    with pytest.raises(ValueError):
        lif.simulate(np.ones((2, 2)), 10.0)
    with pytest.raises(ParamError):
        lif.simulate(1.5, 10.0, params={"tau_m": 20})


def test_large_batch_is_vectorised_and_fast():
    import time

    J = np.random.default_rng(0).uniform(0.9, 1.5, 2000)
    lif.fi_curve(J[:2], 1.0)  # compile / load the cached kernel
    t0 = time.perf_counter()
    r = lif.fi_curve(J, 1000.0, 0.1)  # 2·10⁷ neuron-steps
    elapsed = time.perf_counter() - t0
    G = lif.rate(J)
    ok = G > 5  # at least a few spikes in 1 s
    np.testing.assert_allclose(r[ok], G[ok], rtol=1e-6)
    assert elapsed < 2.0  # measured ≈ 0.05 s; generous for loaded CI machines


# ---------------------------------------------------------------- streaming


@pytest.mark.parametrize(
    "stim", [1.6, Step(onset=13, duration=60, amplitude=3.0), Sine(), Noise(mean=1.2, sigma=0.5)]
)
def test_stream_chunks_concatenated_equal_simulate(stim):
    dt, t_end = 0.1, 173.0
    chunks = list(lif.stream(stim, dt=dt, chunk_ms=7.3, t_end=t_end))
    assert len(chunks) == math.ceil(1730 / 73)
    ref = lif.simulate(stim, t_end, dt)
    np.testing.assert_array_equal(np.concatenate([c.t for c in chunks]), ref.t)
    np.testing.assert_array_equal(np.concatenate([c.v for c in chunks]), ref.v)
    np.testing.assert_array_equal(np.concatenate([c.I_in for c in chunks]), ref.I_in)
    np.testing.assert_array_equal(np.concatenate([c.spike_times for c in chunks]), ref.spike_times)
    for c in chunks:  # each chunk's spikes fall inside its own time span
        assert np.all((c.spike_times >= c.t[0]) & (c.spike_times < c.t[-1] + dt))


def test_stream_yields_fresh_arrays():
    gen = lif.stream(1.5, chunk_ms=5.0)
    a = next(gen)
    keep = a.v.copy()
    next(gen)
    np.testing.assert_array_equal(a.v, keep)


def test_stream_runs_forever_without_t_end():
    gen = lif.stream(1.5, dt=1.0, chunk_ms=10.0)
    last = None
    for _ in range(50):
        last = next(gen)
    assert last.t[-1] == pytest.approx(499.0)


def test_send_new_params_takes_effect():
    gen = lif.stream(1.5, dt=0.1, chunk_ms=50.0)
    before = np.concatenate([next(gen).spike_times for _ in range(4)])  # 0–200 ms
    np.testing.assert_allclose(np.diff(before), isi_exact(1.5), atol=1e-9)
    after = [gen.send({"params": LIFParams(t_ref=10.0)})]
    after += [next(gen) for _ in range(5)]
    s = np.concatenate([c.spike_times for c in after])
    # The first interval straddles the change; later ones use t_ref = 10.
    np.testing.assert_allclose(np.diff(s)[1:], isi_exact(1.5, t_ref=10.0), atol=1e-9)
    assert isi_exact(1.5, t_ref=10.0) - isi_exact(1.5) == pytest.approx(8.0)


def test_send_new_stimulus_continues_in_absolute_time():
    gen = lif.stream(0.5, dt=0.1, chunk_ms=10.0)
    for _ in range(10):  # 0–100 ms
        c = next(gen)
    v100 = 0.5 * (1 - math.exp(-100 / 20))
    # Step with onset 50 is already on at t = 100: J = 0.9 from here.
    c = gen.send({"stimulus": Step(onset=50, duration=1000, amplitude=0.9)})
    np.testing.assert_allclose(c.I_in, 0.9)
    np.testing.assert_allclose(c.t[0], 100.0)
    expected = 0.9 + (v100 - 0.9) * np.exp(-(c.t - 100.0) / 20)
    np.testing.assert_allclose(c.v, expected, rtol=1e-12)


def test_send_unknown_key_is_refused():
    gen = lif.stream(1.5)
    next(gen)
    with pytest.raises(ParamError, match="accepts"):
        gen.send({"tau_m": 5})


def test_fi_curve_stream_protocol():
    J = np.linspace(0.5, 5, 10)
    items = list(lif.fi_curve_stream(J, t_end=200.0, batch=3))
    fractions = [f for f, _ in items]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(r is None for _, r in items[:-1])
    np.testing.assert_array_equal(items[-1][1], lif.fi_curve(J, t_end=200.0))


def test_constant_stimulus_equals_number():
    a = lif.simulate(Constant(amplitude=1.3), 100.0, 0.2)
    b = lif.simulate(1.3, 100.0, 0.2)
    np.testing.assert_array_equal(a.v, b.v)
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
