"""Synapse filters, spike trains and the two-neuron chain (SPEC §3) against references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolab.core import synapse as syn
from neurolab.core.lif import LIFParams
from neurolab.core.params import ParamError
from neurolab.core.stimulus import Constant, Step
from neurolab.core.synapse import (
    TRAINS,
    Bursts,
    Chain,
    ChainParams,
    ExplicitTimes,
    Poisson,
    PoissonRefractory,
    Regular,
    SynapseParams,
    chain_stream,
    filter_spikes,
    filter_spikes_ode,
    kernel,
    kernel_area,
    kernel_ode,
    make_train,
    simulate_chain,
)

ORDERS = range(6)
TAUS = [0.5, 2.0, 5.0, 20.0, 100.0]


def h_direct(t, tau, n):
    """The textbook formula, written independently of the module (moderate t only)."""
    t = np.asarray(t, float)
    return np.where(t >= 0, t**n * np.exp(-t / tau) / (math.factorial(n) * tau ** (n + 1)), 0.0)


# ---------------------------------------------------------------- the filter h


@pytest.mark.parametrize("n", ORDERS)
@pytest.mark.parametrize("tau", TAUS)
def test_kernel_has_unit_area(n, tau):
    # Independent of kernel_area: Simpson's rule on a fine grid out to (n + 60) τ.
    t = np.linspace(0.0, (n + 60) * tau, 200_001)
    assert scipy.integrate.simpson(kernel(t, tau, n), x=t) == pytest.approx(1.0, abs=1e-3)
    assert kernel_area(tau, n) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("n", ORDERS)
def test_kernel_matches_the_formula_and_is_zero_before_zero(n):
    tau = 3.0
    t = np.linspace(-20.0, 150.0, 3401)
    np.testing.assert_allclose(kernel(t, tau, n), h_direct(t, tau, n), rtol=1e-12, atol=1e-300)
    assert np.all(kernel(t[t < 0], tau, n) == 0.0)
    assert kernel(0.0, tau, n) == (1 / tau if n == 0 else 0.0)


def test_kernel_is_safe_far_out():
    t = np.array([1e3, 1e6, 1e300, np.inf])
    for n in (0, 3, 5, 40):
        h = kernel(t, 0.1, n)
        assert np.all(np.isfinite(h)) and np.all(h >= 0) and h[-1] == 0.0
    assert np.isnan(kernel(np.nan, 1.0, 2))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("tau", [0.5, 5.0, 20.0])
def test_kernel_peaks_at_n_tau(n, tau):
    dt = tau * 1e-4
    t = np.arange(0, (n + 10) * tau, dt)
    h = kernel(t, tau, n)
    assert t[np.argmax(h)] == pytest.approx(n * tau, abs=dt)
    slope = np.diff(h)
    before, after = t[1:] < n * tau - dt, t[:-1] > n * tau + dt
    assert np.all(slope[before] > 0) and np.all(slope[after] < 0)


def test_exponential_kernel_peaks_at_zero():
    t = np.linspace(0, 50, 1001)
    h = kernel(t, 5.0, 0)
    assert np.argmax(h) == 0 and np.all(np.diff(h) < 0)


def test_filter_arguments_are_checked():
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ParamError):
            kernel(1.0, bad)
    for bad in (-1, 1.5, True):
        with pytest.raises(ParamError):
            kernel(1.0, 1.0, bad)


# ---------------------------------------------------------------- cascade ODE


@pytest.mark.parametrize("n", ORDERS)
@pytest.mark.parametrize("tau", [0.5, 5.0, 100.0])
def test_cascade_impulse_response_is_the_closed_form(n, tau):
    t = np.arange(0, 20 * (n + 1) * tau, tau / 50)
    h = kernel(t, tau, n)
    err = np.max(np.abs(kernel_ode(t, tau, n) - h)) / h.max()
    assert err < 1e-10


@pytest.mark.parametrize("n", [0, 1, 2, 5])
@pytest.mark.parametrize("tau", [0.3, 4.0, 30.0])
def test_exact_filtering_equals_cascade_filtering(n, tau):
    rng = np.random.default_rng(100 * n + int(tau * 10))
    spikes = rng.uniform(-50.0, 1000.0, 300)  # unsorted, some before the grid
    spikes[:5] = [0.0, 0.1, 0.1, 500.0, 1000.0]  # on grid points and repeated
    t = np.arange(10_001) * 0.1
    s = filter_spikes(spikes, t, tau, n)
    assert np.max(np.abs(filter_spikes_ode(spikes, t, tau, n) - s)) <= 1e-9 * s.max()


def test_filter_spikes_is_the_sum_of_kernels_for_any_grid_shape():
    spikes = np.array([3.0, 1.0, 7.5])
    t = np.array([[9.0, 0.0, 4.0], [1.0, -2.0, 7.5]])  # 2-D and unsorted
    expected = sum(h_direct(t - p, 2.0, 2) for p in spikes)
    np.testing.assert_allclose(filter_spikes(spikes, t, 2.0, 2), expected, rtol=1e-13)
    assert filter_spikes([], t, 2.0).shape == t.shape


def test_filter_spikes_in_blocks_keeps_every_contributing_spike():
    # More grid points and spikes than one block each (2048 × 512).
    rng = np.random.default_rng(7)
    spikes = np.sort(rng.uniform(0, 500, 3000))
    t = np.linspace(0, 520, 5003)
    tau, n = 2.0, 1
    direct = np.zeros_like(t)
    for p in spikes:
        direct += h_direct(t - p, tau, n)
    np.testing.assert_allclose(filter_spikes(spikes, t, tau, n), direct, rtol=1e-11, atol=1e-14)


_times = st.lists(st.floats(0, 200, allow_nan=False), max_size=40)


@settings(max_examples=40, deadline=None)
@given(a=_times, b=_times, n=st.integers(0, 5), tau=st.floats(0.2, 50))
def test_filtering_is_linear(a, b, n, tau):
    t = np.linspace(0, 220, 441)
    both = filter_spikes(a + b, t, tau, n)
    np.testing.assert_allclose(
        both, filter_spikes(a, t, tau, n) + filter_spikes(b, t, tau, n), rtol=1e-12, atol=1e-15
    )


def test_ode_filter_refuses_a_non_uniform_grid():
    with pytest.raises(ValueError, match="uniform"):
        filter_spikes_ode([1.0], [0.0, 1.0, 3.0], 1.0)


# ---------------------------------------------------------------- spike trains


def test_registry():
    assert list(TRAINS) == ["regular", "poisson", "poisson (refractory)", "bursts", "explicit"]
    p = make_train("poisson", rate=50, seed=4)
    assert isinstance(p, Poisson) and p.rate == 50.0 and p.seed == 4
    with pytest.raises(ParamError, match="unknown spike train"):
        make_train("nope")
    with pytest.raises(ParamError):
        make_train("regular", speed=3)
    for cls in TRAINS.values():
        assert cls.label and cls().generate(0.0).size == 0


def test_regular_times_are_exact():
    s = Regular(rate=40, phase=3).generate(1000.0)
    np.testing.assert_array_equal(s, 3 + 25.0 * np.arange(40))
    assert Regular(rate=0).generate(1000.0).size == 0
    # A window starting later keeps the same absolute times.
    later = Regular(rate=40, phase=3).stream(t0=503.0).until(600.0)
    np.testing.assert_array_equal(later, [503.0, 528.0, 553.0, 578.0])


def test_poisson_count_and_cv():
    rate, T = 20.0, 10_000.0
    counts = np.array([Poisson(rate=rate, seed=s).generate(T).size for s in range(200)])
    sigma = math.sqrt(rate * T / 1000)  # Poisson count: variance = mean
    assert abs(counts.mean() - rate * T / 1000) < 3 * sigma / math.sqrt(counts.size)
    assert counts.std() == pytest.approx(sigma, rel=0.15)
    isi = np.diff(Poisson(rate=50, seed=1).generate(200_000.0))
    assert isi.std() / isi.mean() == pytest.approx(1.0, abs=0.05)
    assert isi.mean() == pytest.approx(20.0, rel=0.03)


def test_poisson_refractory_keeps_rate_and_dead_time():
    rate, d, T = 50.0, 8.0, 10_000.0
    trains = [PoissonRefractory(rate=rate, refractory=d, seed=s).generate(T) for s in range(150)]
    counts = np.array([x.size for x in trains])
    # Stationary from t = 0, so the expected count is exactly rate·T.
    assert abs(counts.mean() - rate * T / 1000) < 3 * counts.std() / math.sqrt(counts.size)
    isi = np.concatenate([np.diff(x) for x in trains])
    assert isi.min() >= d - 1e-9
    assert isi.min() < d + 0.5  # the dead time is not longer than asked
    cv = isi.std() / isi.mean()
    assert cv == pytest.approx(1 - rate * d / 1000, abs=0.02)


def test_poisson_refractory_refuses_impossible_rates():
    p = PoissonRefractory(rate=200, refractory=5)  # each value is in range on its own
    with pytest.raises(ParamError, match="below 1000/refractory = 200 Hz"):
        p.check()
    with pytest.raises(ParamError, match="200 Hz"):
        p.generate(100.0)
    with pytest.raises(ParamError, match="200 Hz"):
        next(chain_stream(p))
    p.rate = 199
    p.check()
    assert p.generate(1000.0).size > 0
    p.update({"refractory": 0, "rate": 1000})
    p.check()  # no dead time, no limit


def test_zero_refractory_is_plain_poisson():
    a = PoissonRefractory(rate=30, refractory=0, seed=9).generate(5000.0)
    np.testing.assert_array_equal(a, Poisson(rate=30, seed=9).generate(5000.0))


def test_bursts_have_the_set_size_and_spacing():
    b = Bursts(burst_rate=10, spikes_per_burst=4, intra_interval=3, seed=2)
    s = b.generate(100_000.0)
    gaps = np.diff(s)
    starts = np.concatenate(([0], np.nonzero(gaps > 3 + 1e-9)[0] + 1))
    sizes = np.diff(np.concatenate((starts, [s.size])))
    assert np.all(sizes[:-1] == 4)  # the last burst may be cut by t_end
    within = np.delete(gaps, starts[1:] - 1)
    np.testing.assert_allclose(within, 3.0, atol=1e-9)
    assert starts.size / 100.0 == pytest.approx(10.0, rel=0.1)  # bursts per second
    with pytest.raises(ParamError, match="burst_rate must be below .* = 50 Hz"):
        Bursts(burst_rate=100, spikes_per_burst=5, intra_interval=4).generate(10.0)


@pytest.mark.parametrize("cls", [Poisson, PoissonRefractory, Bursts])
def test_seeded_trains_reproduce(cls):
    a = cls(seed=5).generate(3000.0)
    np.testing.assert_array_equal(a, cls(seed=5).generate(3000.0))
    assert not np.array_equal(a, cls(seed=6).generate(3000.0))
    # A longer run starts with the same spikes; windows add up to the whole.
    longer = cls(seed=5).generate(9000.0)
    np.testing.assert_array_equal(longer[: a.size], a)
    assert longer[a.size] >= 3000.0
    stream = cls(seed=5).stream()
    windows = [stream.until(t) for t in (0.5, 17.0, 17.0, 2500.0, 9000.0)]
    np.testing.assert_array_equal(np.concatenate(windows), longer)


@pytest.mark.parametrize("kind", list(TRAINS))
def test_trains_are_sorted_and_in_range(kind):
    train = make_train(kind) if kind != "explicit" else ExplicitTimes(times=(9, 1, 5, 1, 40))
    s = train.generate(30.0)
    assert np.all(np.diff(s) >= 0) and np.all((s >= 0) & (s < 30.0))


def test_explicit_times():
    e = ExplicitTimes(times=(12.0, 3, 7.5, 3, 50))
    np.testing.assert_array_equal(e.generate(50.0), [3, 3, 7.5, 12.0])
    assert e.as_dict() == {"times": [12.0, 3.0, 7.5, 3.0, 50.0]}
    assert ExplicitTimes(**e.as_dict()) == e
    assert e.copy() == e and e.copy() != ExplicitTimes(times=(1,))
    e.times = [4]
    assert e.times == (4.0,)
    for bad in ([-1.0], [np.nan], [np.inf], ["x"]):
        with pytest.raises(ParamError):
            ExplicitTimes(times=bad)
    with pytest.raises(ParamError):
        e.times = [1, -2]
    assert e.times == (4.0,)
    with pytest.raises(ParamError):
        ExplicitTimes(rate=3)


# ---------------------------------------------------------------- the chain


def test_expm_kernel_matches_scipy():
    rng = np.random.default_rng(0)
    for size in (2, 3, 5, 8):
        for scale in (1e-3, 0.3, 5.0, 60.0):
            A = np.tril(rng.normal(size=(size, size))) * scale
            A[np.diag_indices(size)] = -abs(A[np.diag_indices(size)])
            A[1, 1] = A[0, 0]  # repeated eigenvalue, as in the cascade
            E = syn._expm(A)
            np.testing.assert_allclose(E, scipy.linalg.expm(A), rtol=1e-11, atol=1e-14)


def test_exponential_synapse_jumps_by_w_over_tau_and_decays():
    w, tau, dt = 3.0, 4.0, 0.125  # binary-exact grid, so spikes sit on grid points
    spikes = (40.0, 55.0, 55.0, 90.5)
    c = Chain(synapse=SynapseParams(w=w, tau_s=tau, n=0))
    r = simulate_chain(ExplicitTimes(times=spikes), 200.0, c, dt=dt)
    expected = sum(np.where(r.t >= p, w / tau * np.exp(-(r.t - p) / tau), 0.0) for p in spikes)
    np.testing.assert_allclose(r.s, expected, rtol=1e-12, atol=1e-300)
    jump = r.s[1:] - r.s[:-1] * math.exp(-dt / tau)
    k = np.round(np.array(spikes) / dt).astype(int)
    np.testing.assert_allclose(jump[np.unique(k) - 1], [w / tau, 2 * w / tau, w / tau], rtol=1e-12)
    assert np.allclose(np.delete(jump, np.unique(k) - 1), 0.0, atol=1e-14)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_higher_order_synapse_is_w_times_the_filtered_train(n):
    c = Chain(synapse=SynapseParams(w=-2.5, tau_s=1.5, n=n))
    r = simulate_chain(Constant(amplitude=1.4), 500.0, c)
    assert r.pre_spikes.size > 5
    ref = -2.5 * filter_spikes(r.pre_spikes, r.t, 1.5, n)
    assert np.max(np.abs(r.s - ref)) < 1e-10 * np.abs(ref).max()


def _reference_chain(spikes, t_end, chain, dt):
    """v_post and post spikes by scipy's DOP853 at tight tolerance, piece by piece."""
    n, tau, w = chain.synapse.n, chain.synapse.tau_s, chain.synapse.w
    J, tm, tref = chain.bias.J_post, chain.post.tau_m, chain.post.t_ref

    def f(t, y):
        d = np.empty_like(y)
        d[0] = -y[0] / tau
        d[1 : n + 1] = (y[:n] - y[1 : n + 1]) / tau
        d[n + 1] = (y[n] + J - y[n + 1]) / tm
        return d

    def threshold(t, y):
        return y[n + 1] - 1.0

    threshold.terminal, threshold.direction = True, 1
    grid = np.arange(int(round(t_end / dt))) * dt
    v = np.full(grid.size, np.nan)
    y = np.zeros(n + 2)
    y[n + 1] = chain.post.v0
    pending, cur, out, ref_until = sorted(spikes), 0.0, [], -np.inf
    while cur < t_end:
        if pending and pending[0] <= cur:
            y[0] += w / tau
            pending.pop(0)
            continue
        end = min(pending[0] if pending else t_end, t_end)
        refractory = ref_until > cur
        if refractory:
            end = min(end, ref_until)
        # max_step keeps the solver from stepping over a brief excursion above 1.
        sol = scipy.integrate.solve_ivp(
            f,
            (cur, end),
            y,
            method="DOP853",
            rtol=1e-12,
            atol=1e-14,
            dense_output=True,
            events=None if refractory else threshold,
            max_step=0.05,
        )
        stop = sol.t[-1]
        on = (grid >= cur) & (grid < stop)
        if on.any():
            v[on] = 0.0 if refractory else sol.sol(grid[on])[n + 1]
        y = sol.y[:, -1].copy()
        if refractory or sol.status == 1:
            y[n + 1] = 0.0
        if sol.status == 1:
            out.append(stop)
            ref_until = stop + tref
        cur = stop
    return v, np.array(out)


@pytest.mark.parametrize(("n", "tau_s"), [(0, 20.0), (2, 5.0)])
def test_postsynaptic_neuron_matches_a_tight_reference_solver(n, tau_s):
    # τ_s = τ_m = 20 is the resonant case where closed forms need care.
    c = Chain(synapse=SynapseParams(w=8.0, n=n, tau_s=tau_s), bias=ChainParams(J_post=0.3))
    train = Poisson(rate=150, seed=n)
    r = simulate_chain(train, 250.0, c, dt=0.1)
    v, spikes = _reference_chain(r.pre_spikes, 250.0, c, 0.1)
    assert spikes.size >= 4
    np.testing.assert_allclose(r.post_spikes, spikes, rtol=0, atol=1e-8)
    np.testing.assert_allclose(r.v_post, v, rtol=0, atol=1e-9)


def test_a_threshold_touch_between_grid_points_is_a_spike():
    # One spike into a neuron resting at J = 0.3: v = 0.3 + w (e^{−t/τ_m} − e^{−t/τ_s})/(τ_m − τ_s)
    # after it.  w is chosen so the peak just exceeds 1 between two grid points 1 ms apart.
    tm, ts, J, t_in = 20.0, 0.5, 0.3, 0.5
    t_peak = math.log(tm / ts) * tm * ts / (tm - ts)
    bump = (math.exp(-t_peak / tm) - math.exp(-t_peak / ts)) / (tm - ts)
    w = (1.0002 - J) / bump

    def v(t):
        u = np.asarray(t) - t_in
        return J + w * (np.exp(-u / tm) - np.exp(-u / ts)) / (tm - ts)

    c = Chain(
        post=LIFParams(v0=J),
        synapse=SynapseParams(w=w, tau_s=ts),
        bias=ChainParams(J_post=J),
    )
    r = simulate_chain(ExplicitTimes(times=(t_in,)), 10.0, c, dt=1.0)
    assert np.all(v(r.t[r.t > t_in]) < 1.0)  # no grid point sees v ≥ 1
    crossing = scipy.optimize.brentq(lambda t: v(t) - 1.0, t_in + 0.1, t_in + t_peak)
    assert r.post_spikes == pytest.approx([crossing], abs=1e-9)


def test_zero_weight_never_fires_and_strong_weight_does():
    drive = Constant(amplitude=3.0)  # the presynaptic neuron fires fast
    silent = simulate_chain(drive, 1000.0, Chain(synapse=SynapseParams(w=0.0)))
    assert silent.pre_spikes.size > 50 and silent.post_spikes.size == 0
    assert np.all(silent.s == 0.0)
    np.testing.assert_array_less(silent.v_post, 1.0)
    strong = simulate_chain(drive, 1000.0, Chain(synapse=SynapseParams(w=20.0)))
    assert strong.post_spikes.size > 10


def test_inhibition_keeps_v_below_its_resting_level():
    J = 0.6
    base = Chain(bias=ChainParams(J_post=J))
    rest = simulate_chain(Poisson(rate=80, seed=1), 2000.0, base)
    inh = Chain(synapse=SynapseParams(w=-5.0, n=1), bias=ChainParams(J_post=J))
    r = simulate_chain(Poisson(rate=80, seed=1), 2000.0, inh)
    assert np.all(r.v_post <= J) and np.all(r.v_post <= rest.v_post + 1e-15)
    # Clearly below, not just equal: the mean input w·rate = −0.4 sets v ≈ J − 0.4.
    assert r.v_post[r.t > 200].mean() < J - 0.2
    assert r.post_spikes.size == 0


@pytest.mark.parametrize(
    ("source", "n"),
    [
        (Step(onset=10, duration=300, amplitude=2.0), 1),
        (Bursts(seed=3), 2),
        # Spikes exactly on chunk boundaries (73 steps) and on other grid points;
        # n = 0 so that s jumps there.
        (ExplicitTimes(times=[(73 * j) * 0.1 for j in range(1, 80)] + [0.0, 12.3, 12.3]), 0),
    ],
)
def test_stream_chunks_equal_one_shot(source, n):
    c = Chain(synapse=SynapseParams(w=15.0, n=n, tau_s=2.0))
    whole = simulate_chain(source, 600.0, c)
    parts = list(chain_stream(source, c, dt=0.1, chunk_ms=7.3, t_end=600.0))
    assert len(parts) == 83 and parts[-1].t.size == 6000 - 82 * 73  # 73-step chunks
    for name in ("t", "I_in", "v_pre", "s", "v_post", "pre_spikes", "post_spikes"):
        joined = np.concatenate([getattr(p, name) for p in parts])
        np.testing.assert_array_equal(joined, getattr(whole, name), err_msg=name)
    assert whole.post_spikes.size > 0


def test_spike_train_source():
    train = Poisson(rate=60, seed=8)
    r = simulate_chain(train, 2000.0, Chain())
    np.testing.assert_array_equal(r.pre_spikes, train.generate(2000.0))
    assert np.isnan(r.I_in).all() and np.isnan(r.v_pre).all()
    assert r.t.size == r.s.size == r.v_post.size == 20_000


def test_sent_params_take_effect_without_reset():
    gen = chain_stream(Regular(rate=50), Chain(synapse=SynapseParams(w=4.0)), chunk_ms=100.0)
    first = next(gen)
    assert first.post_spikes.size == 0
    loud = Chain(
        post=LIFParams(v0=-0.9),  # v0 only matters at the start: must not reset v
        synapse=SynapseParams(w=20.0),
        bias=ChainParams(J_post=0.5),
    )
    second = gen.send({"params": loud})
    # v moves by at most (s + J − v)·dt/τ_m ≈ 0.02 in one step; a reset would jump to −0.9.
    assert abs(second.v_post[0] - first.v_post[-1]) < 0.03
    assert second.post_spikes.size > 0
    # Switching the order to n = 2 keeps s continuous (s = x_n carries over and decays).
    before = second.s[-1]
    after = gen.send({"params": Chain(synapse=SynapseParams(w=20.0, n=2))}).s[0]
    assert before > 0.05 and after == pytest.approx(before * math.exp(-0.1 / 5.0), rel=1e-12)
    gen.close()


def test_sent_source_continues_in_absolute_time():
    gen = chain_stream(Regular(rate=100, phase=1.0), chunk_ms=20.0)
    a = next(gen)
    np.testing.assert_array_equal(a.pre_spikes, [1.0, 11.0])
    b = gen.send({"stimulus": Regular(rate=100, phase=5.0)})
    np.testing.assert_array_equal(b.pre_spikes, [25.0, 35.0])
    c = gen.send({"stimulus": Constant(amplitude=5.0)})
    assert c.t[0] == pytest.approx(40.0) and np.all(c.I_in == 5.0)
    assert c.pre_spikes.size >= 1 and np.all(c.pre_spikes >= 40.0)
    d = gen.send({"stimulus": ExplicitTimes(times=(10.0, 61.0))})
    np.testing.assert_array_equal(d.pre_spikes, [61.0])
    assert np.isnan(d.v_pre).all()
    with pytest.raises(ParamError):
        gen.send({"speed": 2})
    gen.close()


def test_bad_inputs_are_refused():
    with pytest.raises(ParamError):
        next(chain_stream("spikes"))
    with pytest.raises(ParamError):
        next(chain_stream(1.5, chain=SynapseParams()))
    with pytest.raises(ValueError):
        simulate_chain(1.5, 10.0, dt=0.0)
    assert simulate_chain(1.5, 0.0).t.size == 0


def test_chain_as_dict_nests_the_four_groups():
    d = Chain(synapse=SynapseParams(n=2)).as_dict()
    assert set(d) == {"pre", "post", "synapse", "bias"}
    assert d["synapse"] == {"w": 2.0, "tau_s": 5.0, "n": 2} and d["bias"] == {"J_post": 0.0}
    assert d["pre"] == LIFParams().as_dict()


def test_synapse_params_declaration():
    p = SynapseParams.declaration("tau_s")
    assert (p.default, p.low, p.high, p.unit, p.log) == (5.0, 0.1, 200.0, "ms", True)
    n = SynapseParams.declaration("n")
    assert n.integer and (n.low, n.high, n.default) == (0, 5, 0)
    assert "inhibition" in SynapseParams.declaration("w").doc
    with pytest.raises(ParamError):
        SynapseParams(n=1.5)


def test_warm_up_runs():
    assert syn.warm_up() >= 0.0


def test_a_spike_train_driven_chain_does_not_depend_on_dt():
    # Exact between events: a coarser grid samples the same solution.
    c = Chain(synapse=SynapseParams(w=9.0, n=1, tau_s=3.0), bias=ChainParams(J_post=0.4))
    fine = simulate_chain(Poisson(rate=120, seed=4), 400.0, c, dt=0.1)
    coarse = simulate_chain(Poisson(rate=120, seed=4), 400.0, c, dt=0.5)
    assert fine.post_spikes.size > 5
    np.testing.assert_allclose(coarse.post_spikes, fine.post_spikes, rtol=0, atol=1e-9)
    np.testing.assert_allclose(coarse.v_post, fine.v_post[::5], rtol=0, atol=1e-9)
    np.testing.assert_allclose(coarse.s, fine.s[::5], rtol=0, atol=1e-9)
