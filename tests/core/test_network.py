import time

import numpy as np
import pytest
import scipy.sparse as sp

from neurolab.core import lif
from neurolab.core.lif import LIFParams
from neurolab.core.network import (
    RateNetwork,
    augmented,
    augmented_forward,
    dense_forward,
    random_network,
    simulate_lif,
    stream_lif,
    w3_network,
)


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


@pytest.mark.parametrize("tau_s", [5.0, 20.0])
def test_v_exact_under_decaying_s(tau_s):
    # After the kick, v of the silent neuron follows s₀ a(t) in closed form.
    tau_m, w = 20.0, 0.7
    W = np.zeros((2, 2))
    W[0, 1] = w
    r = _one_spike_run(W, tau_s)
    k = np.flatnonzero(r.t > r.spike_times[0])[0]
    s0, t = r.s[k, 1], r.t[k:] - r.t[k]
    if tau_s == tau_m:
        a = t / tau_m * np.exp(-t / tau_m)
    else:
        a = tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))
    np.testing.assert_allclose(r.v[k:, 1], s0 * a, rtol=1e-9, atol=1e-14)


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


def test_stream_accepts_new_bias():
    gen = stream_lif(np.zeros((2, 2)), 0.5, 0.1, t_end=200.0)
    assert next(gen).spike_times.size == 0
    later = [gen.send({"stimulus": [2.0, 2.0]})] + list(gen)
    assert sum(c.spike_times.size for c in later) > 0


def test_invalid_inputs():
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
