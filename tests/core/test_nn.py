"""Layers and MLPs: hand-written backprop (SPEC §5), dropout, init, state, XOR."""

from __future__ import annotations

import numpy as np
import pytest
from test_autodiff import check_grads

from neurolab.core import autodiff as ad
from neurolab.core.activations import ACTIVATIONS
from neurolab.core.autodiff import Var, no_grad
from neurolab.core.losses import loss_value
from neurolab.core.nn import ACTIVATION_NAMES, MLP, Dense, activate
from neurolab.core.optim import SGD


def _sigma(name, z):
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return ACTIVATIONS[name].f(z)


def hand_backprop(net, x, t, loss):
    """SPEC §5 in numpy: z⁽ˡ⁺¹⁾ = h⁽ˡ⁾W⁽ˡ⁾ + b⁽ˡ⁺¹⁾, h = σ(z),
    δ⁽ˡ⁾ = σ′(z⁽ˡ⁾) ⊙ (δ⁽ˡ⁺¹⁾ W⁽ˡ⁾ᵀ), ∇W⁽ˡ⁾ = h⁽ˡ⁾ᵀ δ⁽ˡ⁺¹⁾, ∇b = Σ_batch δ."""
    Ws = [layer.W.val for layer in net.layers]
    bs = [layer.b.val for layer in net.layers]
    acts = net.activations
    hs, zs = [x], []
    for W, b, a in zip(Ws, bs, acts, strict=True):
        z = hs[-1] @ W + b
        zs.append(z)
        hs.append(_sigma(a, z))
    y, n = hs[-1], x.shape[0]
    if loss == "mse":  # E = (1/N) Σ ½‖y − t‖², output linear: δ = (y − t)/N · σ′(z)
        delta = (y - t) / n * ACTIVATIONS[acts[-1]].df(zs[-1])
    else:  # softmax + CE or logistic + BCE: δ = (y − t)/N
        delta = (y - t) / n
    grads = [None] * (2 * len(Ws))
    for layer in reversed(range(len(Ws))):
        grads[2 * layer] = hs[layer].T @ delta
        grads[2 * layer + 1] = delta.sum(axis=0)
        if layer > 0:
            delta = ACTIVATIONS[acts[layer - 1]].df(zs[layer - 1]) * (delta @ Ws[layer].T)
    return grads


@pytest.mark.parametrize(
    "widths,acts,out,loss",
    [
        ([3, 6, 5, 2], ["logistic", "tanh"], "linear", "mse"),
        ([4, 7, 3], ["softplus"], "softmax", "ce"),
        ([2, 5, 5, 4], ["arctan", "relu"], "logistic", "bce"),
        ([3, 4], [], "tanh", "mse"),
    ],
)
def test_autodiff_gradients_equal_hand_backprop(widths, acts, out, loss):
    net = MLP(widths, acts + [out], seed=3)
    rng = np.random.default_rng(9)
    n = 8
    x = rng.normal(size=(n, widths[0]))
    k = widths[-1]
    t = {
        "mse": rng.normal(size=(n, k)),
        "ce": np.eye(k)[rng.integers(0, k, n)],
        "bce": (rng.random((n, k)) < 0.5).astype(float),
    }[loss]
    E = loss_value(net, x, t, loss, warn=False)  # noqa: N806  (tanh + mse is unnatural)
    E.backward()
    expected = hand_backprop(net, x, t, loss)
    for p, g in zip(net.parameters(), expected, strict=True):
        assert p.grad.shape == g.shape
        np.testing.assert_allclose(p.grad, g, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_every_activation_name_works(name):
    x = np.random.default_rng(2).uniform(0.2, 2.0, size=(3, 4))
    x *= np.where(np.arange(4) % 2, 1, -1)  # both signs, away from the kinks
    check_grads(lambda v: activate(name, v), x)
    if name in ACTIVATIONS:
        np.testing.assert_allclose(activate(name, Var(x)).val, ACTIVATIONS[name].f(x), rtol=1e-14)
    net = MLP([4, 3, 2], name, output_activation=name, seed=0)
    assert net(x).shape == (3, 2)


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown activation"):
        MLP([2, 2], "sigmoidal")
    with pytest.raises(ValueError, match="unknown activation"):
        Dense(2, 2, "gelu")


def test_registry_activation_without_dedicated_op_uses_f_and_df(monkeypatch):
    from neurolab.core import activations

    cube = activations.Activation("cube", lambda x: x**3, lambda x: 3 * x**2, "σ(x) = x³")
    monkeypatch.setitem(activations.ACTIVATIONS, "cube", cube)
    check_grads(lambda v: activate("cube", v), [[0.5, -1.5]])
    net = MLP([2, 3, 1], "cube", seed=0)
    assert net.activations == ["cube", "linear"]
    y32 = activate("cube", Var(np.ones(2, np.float32)))
    assert y32.dtype == np.float32


def test_signature_forms():
    net = MLP([2, 3, 3, 1], "tanh")
    assert net.activations == ["tanh", "tanh", "linear"] and net.output_activation == "linear"
    net = MLP([2, 3, 1], "relu", output_activation="logistic")
    assert net.activations == ["relu", "logistic"]
    net = MLP([2, 3, 4], ["tanh", "softmax"])
    assert net.output_activation == "softmax"
    net = MLP([2, 3, 4], ["tanh", "softmax"], output_activation="softmax")
    with pytest.raises(ValueError):
        MLP([2, 3, 4], ["tanh"])
    with pytest.raises(ValueError):
        MLP([2, 3, 4], ["tanh", "softmax"], output_activation="linear")
    with pytest.raises(ValueError):
        MLP([2], "tanh")
    with pytest.raises(ValueError):
        MLP([2, 2], dropout=1.0)
    assert "MLP" in repr(net) and "Dense" in repr(net.layers[0])


def test_forward_is_xW_plus_b_row_vectors():
    net = MLP([3, 2], ["tanh"], seed=0)
    layer = net.layers[0]
    assert layer.W.shape == (3, 2) and layer.b.shape == (2,)
    x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])
    np.testing.assert_allclose(net(x).val, np.tanh(x @ layer.W.val + layer.b.val))
    np.testing.assert_allclose(net.logits(x).val, x @ layer.W.val + layer.b.val)
    np.testing.assert_allclose(net(x[0]).val, np.tanh(x[0] @ layer.W.val))  # one sample


def test_parameters_fixed_order_and_names():
    net = MLP([4, 5, 3, 2], "relu")
    ps = net.parameters()
    assert [p.name for p in ps] == ["W0", "b0", "W1", "b1", "W2", "b2"]
    assert [p.shape for p in ps] == [(4, 5), (5,), (5, 3), (3,), (3, 2), (2,)]
    assert all(a is b for a, b in zip(ps, net.parameters(), strict=True))
    assert net.num_parameters() == 20 + 5 + 15 + 3 + 6 + 2


def test_seeded_initialisation():
    a, b, c = MLP([8, 16, 4], "tanh", seed=5), MLP([8, 16, 4], "tanh", seed=5), MLP([8, 16, 4])
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.val, q.val)
    assert not np.array_equal(a.layers[0].W.val, c.layers[0].W.val)
    assert np.all(a.layers[0].b.val == 0)


def test_glorot_and_he_statistics():
    n_in, n_out = 400, 300
    glorot = Dense(n_in, n_out, "tanh", rng=1).W.val
    limit = np.sqrt(6 / (n_in + n_out))
    assert np.abs(glorot).max() <= limit
    # std of U(−a, a) is a/√3; 120 000 samples: relative error of the std ≈ 0.2 %
    assert glorot.std() == pytest.approx(limit / np.sqrt(3), rel=0.01)
    he = Dense(n_in, n_out, "relu", rng=1).W.val
    assert he.std() == pytest.approx(np.sqrt(2 / n_in), rel=0.01)
    assert abs(he.mean()) < 5 * np.sqrt(2 / n_in) / np.sqrt(he.size)
    assert Dense(3, 2, "logistic", init="zeros").W.val.sum() == 0
    w = Dense(3, 2, init=lambda rng, shape: np.full(shape, 0.5)).W.val
    assert np.all(w == 0.5)
    with pytest.raises(ValueError):
        Dense(3, 2, init="orthogonal")


def test_dropout_is_identity_in_eval_mode():
    x = np.random.default_rng(0).normal(size=(10, 6))
    plain = MLP([6, 20, 20, 3], "relu", seed=4)
    dropped = MLP([6, 20, 20, 3], "relu", seed=4, dropout=0.5)
    dropped.eval()
    np.testing.assert_array_equal(dropped(x).val, plain(x).val)
    np.testing.assert_array_equal(dropped.predict(x), plain(x).val)
    dropped.train()
    assert not np.array_equal(dropped(x).val, plain(x).val)
    assert dropped.training
    dropped.predict(x)  # predict restores the mode
    assert dropped.training


def _probe_net(p, n_hidden, pick_one=False):
    """x ↦ hidden units all equal to x; output = their mean (or unit 0 alone)."""
    net = MLP([1, n_hidden, 1], "relu", dropout=p, seed=7)
    net.layers[0].W.val[...] = 1.0
    net.layers[0].b.val[...] = 0.0
    w1 = net.layers[1].W.val
    w1[...] = 0.0
    if pick_one:
        w1[0, 0] = 1.0
    else:
        w1[...] = 1.0 / n_hidden
    return net


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_preserves_the_mean_activation(p):
    # 200 rows × 5000 units = 10⁶ Bernoulli(1 − p) masks scaled by 1/(1 − p): the
    # mean output has relative std sqrt(p / ((1 − p) · 10⁶)) ≤ 0.2 % (p = 0.8); allow 5σ.
    n_rows, n_hidden = 200, 5000
    net = _probe_net(p, n_hidden)
    x = np.full((n_rows, 1), 1.5)
    y = net(x).val
    sigma = np.sqrt(p / ((1 - p) * n_rows * n_hidden))
    assert y.mean() / 1.5 == pytest.approx(1.0, abs=5 * sigma)
    assert not np.allclose(y, y[0])  # masks differ between rows


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_dropout_scales_kept_units_by_inverse_keep_probability(p):
    net = _probe_net(p, 4, pick_one=True)
    y = net(np.full((4000, 1), 2.0)).val.ravel()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 2.0 / (1 - p), rtol=1e-15)
    # fraction dropped ~ Binomial(4000, p)/4000: std ≤ 0.8 %; allow 5σ
    assert (~kept).mean() == pytest.approx(p, abs=5 * np.sqrt(p * (1 - p) / 4000))


def test_dropout_gradients_flow_through_kept_units_only():
    net = _probe_net(0.5, 6, pick_one=False)
    x = np.ones((1, 1))
    y = net(x)
    y.sum().backward()
    g = net.layers[1].W.grad.ravel()
    # ∂y/∂W1[j] = h_j: 0 for dropped units, 1/(1 − p) = 2 for kept ones
    assert set(np.round(g, 12)) <= {0.0, 2.0}


def test_float32_model():
    net = MLP([4, 8, 3], "tanh", output_activation="softmax", dtype=np.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())
    x = np.random.default_rng(0).normal(size=(5, 4))  # float64 data is cast
    y = net(x)
    assert y.dtype == np.float32
    loss = loss_value(net, x, np.array([0, 1, 2, 0, 1]), "ce")
    assert loss.dtype == np.float32
    loss.backward()
    assert all(p.grad.dtype == np.float32 for p in net.parameters())


def test_state_round_trip_through_npz(tmp_path):
    net = MLP([3, 4, 2], ["tanh", "logistic"], seed=2, dropout=0.1)
    path = tmp_path / "net.npz"
    np.savez(path, **net.state())
    with np.load(path, allow_pickle=False) as f:
        state = dict(f)
    other = MLP([3, 4, 2], ["tanh", "logistic"], seed=99)
    params_before = other.parameters()
    other.load_state(state)
    assert other.dropout == 0.1
    assert all(a is b for a, b in zip(params_before, other.parameters(), strict=True))
    x = np.ones((2, 3))
    np.testing.assert_array_equal(other.predict(x), net.predict(x))
    rebuilt = MLP.from_state(state)
    assert rebuilt.widths == [3, 4, 2] and rebuilt.activations == ["tanh", "logistic"]
    np.testing.assert_array_equal(rebuilt.predict(x), net.predict(x))
    # the state is a copy, not a view of the parameters
    state["W0"][...] = 0
    assert not np.all(net.layers[0].W.val == 0)


def test_load_state_rejects_mismatches():
    net = MLP([3, 4, 2], "tanh")
    with pytest.raises(ValueError):
        net.load_state(MLP([3, 5, 2], "tanh").state())
    with pytest.raises(ValueError):
        net.load_state(MLP([3, 4, 2], "relu").state())
    bad = net.state()
    del bad["widths"], bad["activations"]
    bad["W1"] = np.zeros((5, 2))
    with pytest.raises(ValueError):
        net.load_state(bad)
    del bad["W1"]
    with pytest.raises(KeyError):
        net.load_state(bad)


def test_evaluation_under_no_grad_builds_no_graph():
    net = MLP([2, 4, 1], "tanh")
    with no_grad():
        y = net(np.ones((3, 2)))
    assert y.creator is None
    assert net(np.ones((3, 2))).creator is not None


def test_xor_is_learned_to_100_percent():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([[0.0], [1.0], [1.0], [0.0]])
    net = MLP([2, 4, 1], "tanh", output_activation="logistic", seed=0)
    opt = SGD(net.parameters(), lr=0.5, momentum=0.9)
    for _ in range(500):
        opt.zero_grad()
        loss = loss_value(net, x, t, "bce")
        loss.backward()
        opt.step()
    pred = net.predict(x) > 0.5
    assert np.array_equal(pred, t > 0.5)
    assert loss.val < 0.05


def test_relu_xor_with_softmax_and_labels():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0])
    net = MLP([2, 8, 2], "relu", output_activation="softmax", seed=1)
    opt = SGD(net.parameters(), lr=0.2, momentum=0.9)
    for _ in range(400):
        opt.zero_grad()
        loss_value(net, x, labels, "ce").backward()
        opt.step()
    assert np.array_equal(net.predict(x).argmax(axis=1), labels)


def test_dense_layer_alone():
    layer = Dense(3, 2, "relu", rng=np.random.default_rng(0))
    x = ad.as_var(np.ones((4, 3)))
    h = layer(x)
    np.testing.assert_allclose(h.val, np.maximum(np.ones((4, 3)) @ layer.W.val, 0))
    h.sum().backward()
    assert layer.W.grad.shape == (3, 2) and [p.name for p in layer.parameters()] == ["W", "b"]


def test_training_step_graph_is_freed_by_refcount_alone():
    import gc
    import weakref

    net = MLP([4, 8, 3], "relu", output_activation="softmax", seed=0, dropout=0.3)
    opt = SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    x = np.random.default_rng(0).normal(size=(6, 4))
    labels = np.array([0, 1, 2, 0, 1, 2])
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            opt.zero_grad()
            loss = loss_value(net, x, labels, "ce")
            loss.backward()
            opt.step()
            ref = weakref.ref(loss)
            hidden = weakref.ref(loss.creator.args[0])
            del loss
            assert ref() is None and hidden() is None
        assert gc.collect() == 0
    finally:
        gc.enable()
