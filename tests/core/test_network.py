import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import brentq

from neurolab.core import lif
from neurolab.core.lif import LIFParams
from neurolab.core.network import (
    RateNetwork,
    augmented,
    augmented_forward,
    dense_forward,
    random_bias,
    random_network,
    simulate_lif,
    stream_lif,
    w3_network,
)
from neurolab.core.synapse import Chain, ChainParams, SynapseParams, simulate_chain


def test_augmented_form_equals_xW_plus_b():
    rng = np.random.default_rng(1)
    x, W, b = rng.normal(size=(7, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    A = augmented(W, b)
    assert A.shape == (6, 3)
    np.testing.assert_allclose(A[-1], b)
    xa = np.hstack([x, np.ones((7, 1))])
    np.testing.assert_allclose(xa @ A, x @ W + b, rtol=0, atol=1e-12)
    for act in ("logistic", "tanh", "relu", "linear"):
        np.testing.assert_allclose(
            augmented_forward(x, W, b, act), dense_forward(x, W, b, act), rtol=0, atol=1e-12
        )


def test_dense_forward_convention():
    # W[i, j] connects input i to output j: only x[0] reaches y[1].
    W = np.zeros((2, 2))
    W[0, 1] = 2.0
    y = dense_forward([3.0, 5.0], W, [0.0, 0.0], "linear")
    np.testing.assert_allclose(y, [0.0, 6.0])


def test_rate_network_forward_shapes_and_seed():
    net = RateNetwork((4, 6, 3), ["relu", "logistic"], seed=3)
    out = net.forward(np.ones((2, 4)))
    assert [a.shape for a in out] == [(2, 4), (2, 6), (2, 3)]
    again = RateNetwork((4, 6, 3), ["relu", "logistic"], seed=3).forward(np.ones((2, 4)))
    np.testing.assert_array_equal(out[-1], again[-1])
    with pytest.raises(ValueError):
        RateNetwork((2, 2), "nope")


def test_uncoupled_rates_match_G():
    J = np.array([0.8, 1.05, 1.2, 1.5, 2.0, 3.0])
    r = simulate_lif(np.zeros((J.size, J.size)), J, 1000.0, 0.1)
    for i, Ji in enumerate(J):
        st = r.spike_times[r.spike_indices == i]
        expected = float(lif.rate(Ji))
        if expected == 0:
            assert st.size == 0
            continue
        sim = 1000.0 * (st.size - 1) / (st[-1] - st[0])
        assert sim == pytest.approx(expected, rel=0.01)


def _one_spike_run(W, tau_s=5.0):
    # Neuron 0 starts just below threshold and spikes once early; neuron 1 is silent.
    return simulate_lif(W, [1.02, 0.0], 30.0, 0.1, tau_s=tau_s, v0=[0.999, 0.0], record=[0, 1])


def test_weight_direction_and_single_spike_kick():
    tau_s, w = 5.0, 0.7
    W = np.zeros((2, 2))
    W[0, 1] = w  # from 0 to 1
    r = _one_spike_run(W, tau_s)
    assert r.spike_indices.tolist() == [0]
    t_spk = r.spike_times[0]
    after = r.t > t_spk
    np.testing.assert_array_equal(r.s[:, 0], 0.0)  # 0 gets nothing
    np.testing.assert_array_equal(r.s[~after, 1], 0.0)
    expected = w / tau_s * np.exp(-(r.t[after] - t_spk) / tau_s)
    np.testing.assert_allclose(r.s[after, 1], expected, rtol=1e-12)
    # The reverse: W[1, 0] ≠ 0 does not let 0's spike reach 1.
    r2 = _one_spike_run(W.T.copy(), tau_s)
    np.testing.assert_array_equal(r2.s, 0.0)


def _a(t, tau_m, tau_s):
    t = np.asarray(t, dtype=float)
    if tau_s == tau_m:
        return t / tau_m * np.exp(-t / tau_m)
    return tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))


@pytest.mark.parametrize("tau_s", [5.0, 20.0])
def test_v_exact_under_decaying_s(tau_s):
    # The silent neuron (J = 0, v = 0) feels the kick from the spike time on,
    # also in the rest of the step the spike falls in: v(t) = (w/τ_s) a(t − t_spk).
    tau_m, w = 20.0, 0.7
    W = np.zeros((2, 2))
    W[0, 1] = w
    r = _one_spike_run(W, tau_s)
    t_spk = r.spike_times[0]
    after = r.t > t_spk
    assert r.t[after][0] - t_spk < 0.1  # the first sample is in the next step
    np.testing.assert_array_equal(r.v[~after, 1], 0.0)
    expected = w / tau_s * _a(r.t[after] - t_spk, tau_m, tau_s)
    np.testing.assert_allclose(r.v[after, 1], expected, rtol=1e-9, atol=1e-15)


CHAIN_CASES = [
    # (tau_s, w, J_pre, J_post, v0_pre, v0_post, t_ref, dt)
    (5.0, 2.0, 1.3, 0.6, 0.0, 0.0, 2.0, 0.1),  # weak: post stays below threshold
    (5.0, -3.0, 1.3, 0.6, 0.3, 0.2, 2.0, 0.1),  # inhibitory, post silent
    (5.0, -10.0, 1.3, 1.2, 0.0, 0.5, 2.0, 0.1),  # inhibition delays a firing post
    (5.0, 25.0, 1.3, 0.6, 0.0, 0.0, 2.0, 0.1),  # post fires once per pre spike
    (5.0, 60.0, 1.3, 0.6, 0.0, 0.0, 2.0, 0.1),  # post fires repeatedly
    (20.0, 25.0, 1.3, 0.6, 0.1, 0.0, 2.0, 0.1),  # τ_s = τ_m
    (20.0, 60.0, 1.3, 0.6, 0.0, 0.0, 2.0, 0.1),  # τ_s = τ_m, repeated firing
    (3.0, 40.0, 1.5, 0.9, 0.5, 0.5, 2.0, 0.5),  # coarse dt
    (2.0, 80.0, 3.0, 0.2, 0.9, 0.0, 0.05, 0.25),  # t_ref < dt: several spikes per step
]


@pytest.mark.parametrize("tau_s, w, J_pre, J_post, v0_pre, v0_post, t_ref, dt", CHAIN_CASES)
def test_two_neuron_network_equals_chain(tau_s, w, J_pre, J_post, v0_pre, v0_post, t_ref, dt):
    # The Synapse tab's exact event-driven chain (matrix exponentials) and the
    # network kernel on W = [[0, w], [0, 0]] must agree to rounding.
    t_end = 1000.0
    pre = LIFParams(tau_m=20.0, t_ref=t_ref, v0=v0_pre)
    post = LIFParams(tau_m=20.0, t_ref=t_ref, v0=v0_post)
    chain = Chain(
        pre=pre,
        post=post,
        synapse=SynapseParams(tau_s=tau_s, n=0, w=w),
        bias=ChainParams(J_post=J_post),
    )
    ref = simulate_chain(J_pre, t_end, chain, dt)
    W = np.array([[0.0, w], [0.0, 0.0]])
    r = simulate_lif(W, [J_pre, J_post], t_end, dt, tau_s, pre, v0=[pre.v0, post.v0], record=[0, 1])
    pre_spk = r.spike_times[r.spike_indices == 0]
    post_spk = r.spike_times[r.spike_indices == 1]
    assert pre_spk.size == ref.pre_spikes.size > 10
    np.testing.assert_allclose(pre_spk, ref.pre_spikes, rtol=0, atol=1e-9)
    assert post_spk.size == ref.post_spikes.size
    np.testing.assert_allclose(post_spk, ref.post_spikes, rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.v[:, 0], ref.v_pre, rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.v[:, 1], ref.v_post, rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.s[:, 1], ref.s, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(r.s[:, 0], 0.0)
    if w >= 60.0:
        assert post_spk.size > pre_spk.size  # the strong synapse makes post fire repeatedly


def _first_crossing(v_t0, J, c, tau_m, tau_s, hi):
    """x where J + (v_t0 − J) e^{−x/τ_m} + c a(x) = 1 (brentq on [0, hi])."""

    def f(x):
        return J + (v_t0 - J) * np.exp(-x / tau_m) + c * _a(x, tau_m, tau_s) - 1.0

    return brentq(f, 0.0, hi, xtol=1e-15, rtol=1e-15)


def test_mid_step_spike_makes_target_fire_in_same_step():
    # Neuron 0 crosses at t0 = τ_m ln((J − v0)/(J − 1)) ≈ 0.976 ms, inside step
    # [0.9, 1.0).  Neuron 1 sits at its fixed point v = J₁ = 0.995; the kick
    # w/τ_s = 8 lifts it to 1 about 0.013 ms later, still inside the step.
    tau_m, tau_s, w, dt = 20.0, 5.0, 40.0, 0.1
    W = np.zeros((2, 2))
    W[0, 1] = w
    r = simulate_lif(W, [1.02, 0.995], 2.0, dt, tau_s, v0=[0.999, 0.995], record=[0, 1])
    t0 = tau_m * np.log((1.02 - 0.999) / (1.02 - 1.0))
    x = _first_crossing(0.995, 0.995, w / tau_s, tau_m, tau_s, 1.0)
    assert r.spike_indices.tolist() == [0, 1]
    np.testing.assert_allclose(r.spike_times, [t0, t0 + x], rtol=0, atol=1e-12)
    assert int(t0 // dt) == int((t0 + x) // dt) == 9  # the same step
    np.testing.assert_array_equal(r.rate[9], 2 * 1000.0 / (2 * dt))


def test_mid_step_inhibition_cancels_a_crossing_in_the_same_step():
    # Alone, neuron 1 would cross at 0.99 ms (inside step [0.9, 1.0)); neuron 0's
    # inhibitory spike at t0 ≈ 0.976 ms arrives first and delays it.
    tau_m, tau_s, w, J1, dt = 20.0, 5.0, -10.0, 1.5, 0.1
    v1 = J1 - (J1 - 1.0) * np.exp(0.99 / tau_m)  # free crossing at 0.99 ms
    W = np.zeros((2, 2))
    W[0, 1] = w
    alone = simulate_lif(np.zeros((2, 2)), [1.02, J1], 2.0, dt, tau_s, v0=[0.999, v1])
    assert alone.spike_times[alone.spike_indices == 1][0] == pytest.approx(0.99, abs=1e-12)
    r = simulate_lif(W, [1.02, J1], 20.0, dt, tau_s, v0=[0.999, v1], record=[0, 1])
    t0 = tau_m * np.log((1.02 - 0.999) / (1.02 - 1.0))
    v_t0 = J1 + (v1 - J1) * np.exp(-t0 / tau_m)
    x = _first_crossing(v_t0, J1, w / tau_s, tau_m, tau_s, 19.0 - t0)
    post = r.spike_times[r.spike_indices == 1]
    assert post[0] > 1.0
    np.testing.assert_allclose(post[0], t0 + x, rtol=0, atol=1e-11)


def _reference_network(W, J, v0, t_end, dt, tau_m, tau_s, t_ref):
    """Plain-Python event-driven reference: global time, earliest crossing first.

    Same detection rule as the kernel (v at the step end ≥ 1, continued without
    further kicks), but no superposition, heap or backward propagation: every
    neuron is advanced to each spike time, and crossings come from brentq.
    """
    n = len(J)
    v, s, ref = np.array(v0, float), np.zeros(n), np.full(n, -np.inf)
    spikes = []

    def v_free(v_a, s_a, Ji, x):
        return Ji + (v_a - Ji) * np.exp(-x / tau_m) + s_a * _a(x, tau_m, tau_s)

    for k in range(int(round(t_end / dt))):
        t, t_next = k * dt, (k + 1) * dt
        while True:
            best = (np.inf, -1)
            for i in range(n):
                t_a = max(t, ref[i])
                if t_a >= t_next:
                    continue
                s_a = s[i] * np.exp(-(t_a - t) / tau_s)
                v_a = v[i] if ref[i] <= t else 0.0
                h = t_next - t_a
                if v_free(v_a, s_a, J[i], h) >= 1.0:
                    x = brentq(lambda x, *a: v_free(*a, x) - 1.0, 0.0, h, (v_a, s_a, J[i]), 1e-15)
                    best = min(best, (t_a + x, i))
            t_c, j = best if best[1] >= 0 else (t_next, -1)
            for i in range(n):  # everybody to t_c
                t_a = max(t, ref[i])
                s_a = s[i] * np.exp(-(min(t_a, t_c) - t) / tau_s)
                if t_a < t_c:
                    v_a = v[i] if ref[i] <= t else 0.0
                    v[i] = v_free(v_a, s_a, J[i], t_c - t_a)
                s[i] = s[i] * np.exp(-(t_c - t) / tau_s)
            t = t_c
            if j < 0:
                break
            spikes.append((t_c, j))
            v[j] = 0.0
            ref[j] = t_c + t_ref
            s += W[j] / tau_s
    return np.array([p[0] for p in spikes]), np.array([p[1] for p in spikes])


@pytest.mark.parametrize("t_ref, dt", [(1.0, 0.2), (0.0, 0.5), (0.3, 1.0)])
def test_small_network_equals_event_driven_reference(t_ref, dt):
    rng = np.random.default_rng(11)
    n = 8
    W = rng.normal(3.0, 10.0, (n, n))
    np.fill_diagonal(W, 0.0)
    W[2, 2] = 3.0  # a self-connection too
    J = rng.uniform(1.0, 2.0, n)
    v0 = rng.uniform(0.0, 1.0, n)
    params = LIFParams(tau_m=20.0, t_ref=t_ref)
    r = simulate_lif(W, J, 200.0, dt, 5.0, params, v0=v0)
    t_ref_spk, i_ref_spk = _reference_network(W, J, v0, 200.0, dt, 20.0, 5.0, t_ref)
    assert r.spike_times.size == t_ref_spk.size > 100
    np.testing.assert_array_equal(r.spike_indices, i_ref_spk)
    np.testing.assert_allclose(r.spike_times, t_ref_spk, rtol=0, atol=1e-9)
    steps = np.floor(r.spike_times / dt)
    assert np.any(np.diff(steps) == 0)  # spikes that interact inside one step


def test_dense_and_sparse_identical():
    W = random_network(150, 0.1, 0.5, 0.3, seed=2, exc_fraction=0.8)
    assert W.diagonal().sum() == 0
    assert (W[:120].data >= 0).all() and (W[120:].data <= 0).all()
    J = np.random.default_rng(0).uniform(0.9, 1.5, 150)
    a = simulate_lif(W, J, 200.0, 0.1, v0=0.5)
    b = simulate_lif(W.toarray(), J, 200.0, 0.1, v0=0.5)
    c = simulate_lif(sp.coo_matrix(W), J, 200.0, 0.1, v0=0.5)
    assert a.spike_times.size > 100
    for other in (b, c):
        np.testing.assert_array_equal(a.spike_times, other.spike_times)
        np.testing.assert_array_equal(a.spike_indices, other.spike_indices)


def test_stream_chunks_equal_simulate():
    W = random_network(50, 0.2, 0.3, 0.5, seed=4)
    J = np.linspace(0.9, 1.6, 50)
    full = simulate_lif(W, J, 100.0, 0.1, params=LIFParams(tau_m=15.0), record=[3, 7])
    chunks = list(stream_lif(W, J, 0.1, params=LIFParams(tau_m=15.0), record=[3, 7], t_end=100.0))
    np.testing.assert_array_equal(np.concatenate([c.t for c in chunks]), full.t)
    np.testing.assert_array_equal(np.concatenate([c.spike_times for c in chunks]), full.spike_times)
    np.testing.assert_array_equal(
        np.concatenate([c.spike_indices for c in chunks]), full.spike_indices
    )
    np.testing.assert_array_equal(np.concatenate([c.v for c in chunks]), full.v)
    np.testing.assert_array_equal(np.concatenate([c.rate for c in chunks]), full.rate)
    assert full.rate.sum() * 0.1 / 1000.0 * 50 == pytest.approx(full.spike_times.size)


def test_stream_records_the_neurons_it_is_sent():
    W = random_network(30, 0.2, 0.3, 0.5, seed=5)
    J = np.linspace(0.9, 1.6, 30)
    full = simulate_lif(W, J, 60.0, 0.1, record=np.arange(30))
    gen = stream_lif(W, J, 0.1, record=[3], chunk_ms=20.0, t_end=60.0)
    first = next(gen)
    np.testing.assert_array_equal(first.record, [3])
    second = gen.send({"record": [7, 2]})
    np.testing.assert_array_equal(second.record, [7, 2])
    np.testing.assert_array_equal(second.v, full.v[200:400][:, [7, 2]])
    np.testing.assert_array_equal(second.s, full.s[200:400][:, [7, 2]])
    third = gen.send({"record": [], "stimulus": J})
    assert third.v.shape == (200, 0) and third.record.size == 0
    spikes = np.concatenate([c.spike_times for c in (first, second, third)])
    np.testing.assert_array_equal(spikes, full.spike_times)
    gen = stream_lif(W, J, 0.1, t_end=60.0)
    next(gen)
    with pytest.raises(ValueError):
        gen.send({"record": [30]})


def test_stream_accepts_new_bias():
    gen = stream_lif(np.zeros((2, 2)), 0.5, 0.1, t_end=200.0)
    assert next(gen).spike_times.size == 0
    later = [gen.send({"stimulus": [2.0, 2.0]})] + list(gen)
    assert sum(c.spike_times.size for c in later) > 0


def test_random_network_shape_and_probability():
    W = random_network(400, 0.05, 1.0, 0.0, seed=7)
    assert W.shape == (400, 400) and W.diagonal().sum() == 0
    assert W.nnz / (400 * 399) == pytest.approx(0.05, rel=0.1)
    np.testing.assert_array_equal(W.data, 1.0)
    assert random_network(20, 0.0, 1.0, 0.1).nnz == 0
    assert random_network(20, 1.0, 1.0, 0.1).nnz == 20 * 19
    for bad in ({"p": -0.1}, {"p": 1.5}, {"w_spread": -1.0}, {"N": 0}):
        kw = {"N": 10, "p": 0.5, "w_mean": 0.0, "w_spread": 1.0} | bad
        with pytest.raises(ValueError):
            random_network(**kw)


def test_random_bias():
    J = random_bias(1000, 0.9, 1.5, seed=3)
    assert J.shape == (1000,) and J.min() >= 0.9 and J.max() < 1.5
    np.testing.assert_array_equal(J, np.random.default_rng(3).uniform(0.9, 1.5, 1000))
    np.testing.assert_array_equal(J, random_bias(1000, 0.9, 1.5, seed=3))
    # The same seed with a moved range rescales the same draw.
    J2 = random_bias(1000, 0.0, 1.2, seed=3)
    np.testing.assert_allclose((J2 - 0.0) / 1.2, (J - 0.9) / 0.6, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(random_bias(4, 1.1, 1.1, seed=[5, 1]), 1.1)
    assert random_bias(0, 0.0, 1.0).shape == (0,)
    for args in ((10, 1.5, 0.9), (10, 0.0, np.inf), (10, np.nan, 1.0), (-1, 0.0, 1.0)):
        with pytest.raises(ValueError):
            random_bias(*args)


def test_invalid_inputs():
    with pytest.raises(ValueError):
        simulate_lif(np.zeros((0, 0)), np.zeros(0), 10.0, 0.1)
    with pytest.raises(ValueError):
        simulate_lif(np.zeros((2, 3)), 1.0, 10.0, 0.1)
    with pytest.raises(ValueError):
        simulate_lif(np.zeros((2, 2)), [1.0, 2.0, 3.0], 10.0, 0.1)
    with pytest.raises(ValueError):
        simulate_lif(np.zeros((2, 2)), np.inf, 10.0, 0.1)
    with pytest.raises(ValueError):
        simulate_lif(np.zeros((2, 2)), 1.0, 10.0, 0.1, tau_s=0.0)


def test_w3_network_matches_spec():
    t0 = time.perf_counter()
    net = w3_network()
    elapsed = time.perf_counter() - t0
    print(f"w3_network built in {elapsed:.2f} s")
    assert net.W.shape == (10_000, 10_000)
    assert net.W.nnz == 999_054
    assert net.W.diagonal().sum() == 0
    assert net.J.min() >= 0.9 and net.J.max() < 1.5
    # The W3 simulation itself (~1.4 s) is a benchmark, not a test.
