"""Optimizers: SGD update rules (SPEC §5, §12), weight decay, state; descent and flow."""

from __future__ import annotations

import numpy as np
import pytest

from neurolab.core import autodiff as ad
from neurolab.core.autodiff import Var
from neurolab.core.nn import MLP
from neurolab.core.optim import SGD, gradient_descent, gradient_flow


def _param(val, grad):
    p = Var(np.array(val, dtype=float))
    p.grad = None if grad is None else np.array(grad, dtype=float)
    return p


def test_plain_step_goes_downhill():
    p = _param([1.0, -2.0], [0.5, -1.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.val, [0.95, -1.9], rtol=1e-15)


def test_momentum_matches_the_recurrence():
    beta, lr = 0.9, 0.05
    p = _param([1.0, 2.0], None)
    opt = SGD([p], lr=lr, momentum=beta)
    grads = np.random.default_rng(0).normal(size=(6, 2))
    w, v = p.val.copy(), np.zeros(2)
    for g in grads:
        p.grad = g.copy()
        opt.step()
        v = beta * v + g  # v ← βv + ∇E
        w = w - lr * v  # w ← w − ηv
        np.testing.assert_allclose(p.val, w, rtol=1e-14)


def test_weight_decay_with_zero_data_gradient_shrinks_by_exactly_1_minus_eta_lambda():
    lr, wd = 0.1, 0.3
    w0 = np.random.default_rng(1).normal(size=(4, 3))
    p = Var(w0.copy())
    q = Var(w0.copy())
    q.grad = np.zeros_like(w0)  # zero gradient as an array, not None
    opt = SGD([p, q], lr=lr, weight_decay=wd)
    expected = w0.copy()
    for _ in range(10):
        opt.step()
        expected = expected * (1 - lr * wd)
        np.testing.assert_array_equal(p.val, expected)
        np.testing.assert_array_equal(q.val, expected)


def test_weight_decay_is_the_gradient_of_half_lambda_norm_squared():
    # with momentum the decay enters the gradient: g = ∇E + λθ
    lr, wd, beta = 0.1, 0.2, 0.5
    p = _param([2.0], [1.0])
    opt = SGD([p], lr=lr, momentum=beta, weight_decay=wd)
    opt.step()
    assert p.val[0] == pytest.approx(2.0 - lr * (1.0 + wd * 2.0), rel=1e-15)
    # against autodiff of E + (λ/2)‖θ‖²
    theta = Var(np.array([2.0]))
    e = theta.sum() + wd / 2 * ad.l2_norm(theta) ** 2
    e.backward()
    assert theta.grad[0] == pytest.approx(1.0 + wd * 2.0, rel=1e-15)


def test_l1_adds_lambda_sign():
    p = _param([2.0, -3.0, 0.0], [0.0, 0.0, 0.0])
    SGD([p], lr=0.1, l1=0.5).step()
    np.testing.assert_allclose(p.val, [1.95, -2.95, 0.0], rtol=1e-15)
    q = _param([2.0, -3.0], None)
    SGD([q], lr=0.1, momentum=0.5, l1=0.5).step()
    np.testing.assert_allclose(q.val, [1.95, -2.95], rtol=1e-15)


def test_hyperparameters_change_between_steps():
    p = _param([1.0], [1.0])
    opt = SGD([p], lr=0.1)
    opt.step()
    opt.lr = 0.2
    opt.step()
    assert p.val[0] == pytest.approx(1.0 - 0.1 - 0.2)
    opt.momentum = 0.5  # starts its velocity from the current gradient
    opt.step()
    opt.step()
    assert p.val[0] == pytest.approx(0.7 - 0.2 - 0.2 * 1.5)
    opt.momentum = 0.0
    opt.weight_decay = 0.1
    before = p.val[0]
    opt.step()
    assert p.val[0] == pytest.approx(before * (1 - 0.02) - 0.2)
    for bad in [
        ("lr", -1.0),
        ("momentum", 1.0),
        ("momentum", -0.1),
        ("weight_decay", -1),
        ("l1", np.nan),
    ]:
        with pytest.raises(ValueError):
            setattr(opt, *bad)


def test_zero_grad_and_none_gradients():
    p = _param([1.0], [5.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no gradient, no velocity yet: no change
    assert p.val[0] == 1.0
    with pytest.raises(TypeError):
        SGD([np.ones(2)], lr=0.1)


def test_state_round_trip_continues_identically():
    rng = np.random.default_rng(3)
    grads = rng.normal(size=(8, 3))

    def run(n_first, restore):
        p = _param([1.0, 2.0, 3.0], None)
        opt = SGD([p], lr=0.05, momentum=0.8, weight_decay=0.01, l1=0.001)
        for g in grads[:n_first]:
            p.grad = g.copy()
            opt.step()
        if restore:
            st = {k: v.copy() for k, v in opt.state().items()}
            w = p.val.copy()
            p = _param(w, None)
            opt = SGD([p], lr=1.0)
            opt.load_state(st)
            assert opt.lr == 0.05 and opt.momentum == 0.8 and opt.steps == n_first
        for g in grads[n_first:]:
            p.grad = g.copy()
            opt.step()
        return p.val

    np.testing.assert_array_equal(run(4, True), run(4, False))


def test_load_state_rejects_wrong_shapes():
    opt = SGD([_param([1.0, 2.0], None)], lr=0.1)
    with pytest.raises(ValueError):
        opt.load_state({"v0": np.zeros(3)})


def test_sgd_trains_an_mlp_and_state_saves():
    net = MLP([1, 16, 1], "tanh", seed=0)
    x = np.linspace(-1, 1, 32)[:, None]
    t = np.sin(3 * x)
    opt = SGD(net.parameters(), lr=0.1, momentum=0.9)
    from neurolab.core.losses import loss_value

    first = None
    for _ in range(300):
        opt.zero_grad()
        loss = loss_value(net, x, t, "mse")
        first = first if first is not None else float(loss.val)
        loss.backward()
        opt.step()
    assert float(loss.val) < 0.05 * first
    assert set(opt.state()) >= {"lr", "momentum", "weight_decay", "l1", "v0", "v3"}


# ---- full-batch gradient descent and gradient flow on numpy vectors

A = np.array([[3.0, 1.0], [1.0, 2.0]])


def quad_grad(theta):
    return A @ theta  # E = ½ θᵀAθ


def test_gradient_descent_matches_closed_form():
    theta0 = np.array([1.0, -1.0])
    traj = gradient_descent(quad_grad, theta0, lr=0.1, steps=20)
    assert traj.shape == (21, 2)
    M = np.eye(2) - 0.1 * A  # noqa: N806
    for k in (0, 1, 5, 20):
        np.testing.assert_allclose(traj[k], np.linalg.matrix_power(M, k) @ theta0, rtol=1e-12)


def test_gradient_descent_with_momentum_matches_recurrence():
    theta, v = np.array([1.0, -1.0]), np.zeros(2)
    traj = gradient_descent(quad_grad, theta, lr=0.05, steps=30, momentum=0.8)
    for k in range(30):
        v = 0.8 * v + A @ theta
        theta = theta - 0.05 * v
        np.testing.assert_allclose(traj[k + 1], theta, rtol=1e-12)


def test_gradient_descent_with_autodiff_gradient():
    f = lambda t: (1 - t[0]) ** 2 + 10 * (t[1] - t[0] ** 2) ** 2  # noqa: E731
    traj = gradient_descent(ad.grad(f), [-1.0, 1.0], lr=0.01, steps=3000, momentum=0.9)
    np.testing.assert_allclose(traj[-1], [1.0, 1.0], atol=1e-3)


def test_divergence_stops_at_last_finite_point():
    traj = gradient_descent(lambda t: 10.0 * t * np.abs(t), [1.0], lr=1.0, steps=100)
    assert traj.shape[0] < 101 and np.all(np.isfinite(traj))


def test_gradient_flow_converges_to_the_exact_solution():
    from scipy.linalg import expm

    theta0 = np.array([1.0, -1.0])
    exact = expm(-A * 2.0 / 0.5) @ theta0  # τ dθ/dt = −Aθ, τ = 0.5, t = 2
    errs = []
    for dt in (0.01, 0.005):
        traj = gradient_flow(quad_grad, theta0, t_end=2.0, dt=dt, tau=0.5)
        assert traj.shape == (int(round(2.0 / dt)) + 1, 2)
        errs.append(np.max(np.abs(traj[-1] - exact)))
    assert errs[1] < 1e-3 and errs[0] / errs[1] == pytest.approx(2.0, rel=0.1)  # Euler: O(dt)


def test_gradient_flow_last_step_lands_on_t_end():
    traj = gradient_flow(lambda t: np.ones_like(t), [0.0], t_end=0.25, dt=0.1)
    assert traj.shape == (4, 1)
    assert traj[-1, 0] == pytest.approx(-0.25, rel=1e-12)
    assert gradient_flow(lambda t: t, [1.0], t_end=0.0, dt=0.1).shape == (1, 1)
    with pytest.raises(ValueError):
        gradient_flow(lambda t: t, [1.0], t_end=1.0, dt=0.0)
