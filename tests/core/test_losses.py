"""Losses: values against the SPEC §5 formulas, gradients, stability, pairing rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_autodiff import check_grads

from neurolab.core.autodiff import Var
from neurolab.core.losses import (
    LOSSES,
    NATURAL_OUTPUTS,
    UnnaturalPairingWarning,
    bce,
    bce_with_logits,
    check_pairing,
    cross_entropy,
    is_natural_pair,
    loss_value,
    mse,
    softmax_cross_entropy,
)
from neurolab.core.nn import MLP

RNG = np.random.default_rng(11)
Z = RNG.normal(scale=2, size=(6, 4))
T_ONEHOT = np.eye(4)[RNG.integers(0, 4, size=6)]
T_BIN = (RNG.random((6, 4)) < 0.5).astype(float)
T_REAL = RNG.normal(size=(6, 4))


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_values_match_formulas():
    n = Z.shape[0]
    assert mse(Var(Z), T_REAL).val == pytest.approx(0.5 * np.sum((Z - T_REAL) ** 2) / n, 1e-14)
    y = _sig(Z)
    ref_bce = -np.sum(T_BIN * np.log(y) + (1 - T_BIN) * np.log(1 - y)) / n
    assert bce_with_logits(Var(Z), T_BIN).val == pytest.approx(ref_bce, rel=1e-12)
    assert bce(Var(y), T_BIN).val == pytest.approx(ref_bce, rel=1e-12)
    p = _softmax(Z)
    ref_ce = -np.sum(T_ONEHOT * np.log(p)) / n
    assert softmax_cross_entropy(Var(Z), T_ONEHOT).val == pytest.approx(ref_ce, rel=1e-12)
    assert cross_entropy(Var(p), T_ONEHOT).val == pytest.approx(ref_ce, rel=1e-12)
    labels = T_ONEHOT.argmax(axis=1)
    assert softmax_cross_entropy(Var(Z), labels).val == pytest.approx(ref_ce, rel=1e-12)
    assert cross_entropy(Var(p), labels).val == pytest.approx(ref_ce, rel=1e-12)


def test_single_sample_shapes():
    z = Z[0]
    one = softmax_cross_entropy(Var(z), 2).val
    assert one == pytest.approx(-np.log(_softmax(z)[2]), rel=1e-12)
    assert mse(Var(z), T_REAL[0]).val == pytest.approx(0.5 * np.sum((z - T_REAL[0]) ** 2))
    # N samples of one output: (N, 1) — targets of shape (N,) are reshaped, not broadcast
    y = Var(Z[:, :1])
    assert mse(y, T_REAL[:, 0]).val == pytest.approx(0.5 * np.mean((Z[:, 0] - T_REAL[:, 0]) ** 2))
    with pytest.raises(ValueError):
        mse(y, T_REAL)


@pytest.mark.parametrize(
    "f,t",
    [
        (mse, T_REAL),
        (bce_with_logits, T_BIN),
        (bce_with_logits, RNG.random((6, 4))),  # soft targets
        (softmax_cross_entropy, T_ONEHOT),
        (softmax_cross_entropy, T_ONEHOT.argmax(axis=1)),
        (softmax_cross_entropy, _softmax(RNG.normal(size=(6, 4)))),  # soft targets
    ],
)
def test_fused_gradients_match_finite_differences(f, t):
    check_grads(lambda z: f(z, t), Z)


@pytest.mark.parametrize("f,t", [(bce, T_BIN), (cross_entropy, T_ONEHOT)])
def test_probability_form_gradients(f, t):
    y = RNG.uniform(0.1, 0.9, size=(6, 4))
    check_grads(lambda v: f(v, t), y)


def test_fused_gradient_is_output_minus_target():
    z = Var(Z)
    softmax_cross_entropy(z, T_ONEHOT).backward()
    np.testing.assert_allclose(z.grad, (_softmax(Z) - T_ONEHOT) / 6, rtol=1e-12, atol=1e-16)
    z = Var(Z)
    bce_with_logits(z, T_BIN).backward()
    np.testing.assert_allclose(z.grad, (_sig(Z) - T_BIN) / 6, rtol=1e-12, atol=1e-16)
    z = Var(Z)
    mse(z, T_REAL).backward()
    np.testing.assert_allclose(z.grad, (Z - T_REAL) / 6, rtol=1e-14)


def test_softmax_cross_entropy_finite_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [-1000.0, -1000.0, -1000.0]])
    t = np.eye(3)[[1, 0, 2]]  # the worst cases: the target has logit −1000
    v = Var(z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = softmax_cross_entropy(v, t)
        loss.backward()
    assert np.isfinite(loss.val)
    assert loss.val == pytest.approx((2000 + 2000 + np.log(2) + np.log(3)) / 3, rel=1e-12)
    assert np.all(np.isfinite(v.grad))
    s = np.array([[1, 0, 0], [0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(v.grad, (s - t) / 3, atol=1e-15)


def test_bce_finite_for_outputs_exactly_0_and_1():
    y = Var(np.array([[0.0, 1.0, 0.0, 1.0]]))
    t = np.array([[0.0, 1.0, 1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = bce(y, t)
        loss.backward()
    assert np.isfinite(loss.val) and loss.val > 20  # two confident mistakes
    assert np.all(np.isfinite(y.grad))
    # perfect outputs give (almost) zero loss
    assert bce(Var(np.array([[0.0, 1.0]])), [[0.0, 1.0]]).val < 1e-11
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = bce_with_logits(Var(np.array([[1e4, -1e4, 800.0]])), [[0.0, 1.0, 1.0]])
    assert big.val == pytest.approx(2e4)
    ce = cross_entropy(Var(np.array([[0.0, 1.0]])), [[1.0, 0.0]])
    assert np.isfinite(ce.val)


def test_float32_losses_stay_float32():
    z = Var(Z.astype(np.float32))
    for f, t in [
        (mse, T_REAL),
        (bce_with_logits, T_BIN),
        (softmax_cross_entropy, T_ONEHOT),
        (softmax_cross_entropy, T_ONEHOT.argmax(1)),
    ]:
        loss = f(z, t)
        assert loss.dtype == np.float32
        z.grad = None
        loss.backward()
        assert z.grad.dtype == np.float32
    y = Var(_sig(Z).astype(np.float32))
    assert bce(y, T_BIN).dtype == np.float32 and cross_entropy(y, T_ONEHOT).dtype == np.float32


def test_bad_labels():
    with pytest.raises(ValueError):
        softmax_cross_entropy(Var(Z), np.full(6, 4))


def test_registry_and_natural_pairs():
    assert set(LOSSES) == {"mse", "bce", "ce"}
    assert NATURAL_OUTPUTS == {"mse": ("linear", "relu"), "bce": ("logistic",), "ce": ("softmax",)}
    assert is_natural_pair("ce", "softmax") and not is_natural_pair("ce", "logistic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_pairing("mse", "relu") and check_pairing("bce", "logistic")
    with pytest.warns(UnnaturalPairingWarning, match="softmax"):
        assert not check_pairing("ce", "tanh")
    assert issubclass(UnnaturalPairingWarning, UserWarning)
    with pytest.raises(ValueError, match="unknown loss"):
        check_pairing("hinge", "linear")
    for loss in LOSSES.values():
        assert "L" in loss.formula_text and loss.title


@pytest.mark.parametrize(
    "loss_name,out_act,fused_op",
    [
        ("ce", "softmax", "softmax_cross_entropy"),
        ("bce", "logistic", "bce_with_logits"),
        ("mse", "linear", "mse"),
        ("mse", "relu", "mse"),
    ],
)
def test_loss_value_natural_pairs_use_logits(loss_name, out_act, fused_op):
    net = MLP([3, 5, 4], "tanh", seed=1, output_activation=out_act)
    x = RNG.normal(size=(7, 3))
    t = {"ce": np.eye(4)[RNG.integers(0, 4, 7)], "bce": T_BIN[:1].repeat(7, 0)}.get(
        loss_name, RNG.normal(size=(7, 4))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = loss_value(net, x, t, loss_name)
    assert loss.creator.name == fused_op
    ref = LOSSES[loss_name].from_outputs(net(x), t)
    assert loss.val == pytest.approx(ref.val, rel=1e-9)


def test_loss_value_unnatural_pair_warns_and_uses_outputs():
    net = MLP([3, 5, 4], "tanh", seed=1, output_activation="logistic")
    x = RNG.normal(size=(7, 3))
    t = np.eye(4)[RNG.integers(0, 4, 7)]
    with pytest.warns(UnnaturalPairingWarning):
        loss = loss_value(net, x, t, "ce")
    assert loss.creator.name == "cross_entropy"
    assert loss.val == pytest.approx(cross_entropy(net(x), t).val)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = loss_value(net, x, t, "ce", warn=False)
    assert quiet.val == loss.val
    loss.backward()
    assert all(p.grad is not None for p in net.parameters())
