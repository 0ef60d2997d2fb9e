"""Autodiff engine: every op against central finite differences, graph mechanics, no cycles."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from neurolab.core import autodiff as ad
from neurolab.core.autodiff import Var, graph, no_grad

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- helpers


def numeric_grads(f, arrays, seed, h=1e-5):
    """Central differences of Σ seed · f(*arrays) with respect to each array."""
    out = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        it = np.nditer(a, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            args_p = [x.copy() for x in arrays]
            args_m = [x.copy() for x in arrays]
            args_p[i][idx] += h
            args_m[i][idx] -= h
            with no_grad():
                fp = np.sum(seed * np.asarray(f(*[Var(x) for x in args_p]).val))
                fm = np.sum(seed * np.asarray(f(*[Var(x) for x in args_m]).val))
            g[idx] = (fp - fm) / (2 * h)
        out.append(g)
    return out


def rel_err(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.max([np.linalg.norm(a), np.linalg.norm(b), 1e-3])
    return np.linalg.norm(a - b) / scale


def check_grads(f, *arrays, seed=0, tol=1e-6):
    """Autodiff gradients of Σ s·f(x) (s random, so non-scalar outputs are covered) vs FD."""
    arrays = [np.array(a, dtype=float) for a in arrays]
    vs = [Var(a) for a in arrays]
    out = f(*vs)
    s = np.random.default_rng(seed + 1).normal(size=np.shape(out.val))
    out.backward(s)
    fd = numeric_grads(f, arrays, s)
    for v, g in zip(vs, fd, strict=True):
        got = np.zeros_like(v.val) if v.grad is None else v.grad
        assert got.shape == v.val.shape
        assert rel_err(got, g) < tol, (got, g)


def away_from(rng, shape, lo=0.2, hi=2.0):
    """Random values with |x| in [lo, hi]: no kinks of relu/abs/sign within the FD step."""
    return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def distinct(rng, shape):
    """Values whose pairwise gaps are ≥ 0.05 (no ties, argmax stable under FD)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.05 + rng.uniform(-1, 1)).reshape(shape)


shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonempty_shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2**16)


# ---- binary ops with broadcasting


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow_var": lambda a, b: a**b,
    "maximum": ad.maximum,
    "minimum": ad.minimum,
}


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shp=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=seeds)
def test_binary_ops_broadcasting(name, shp, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shp.input_shapes
    a = rng.uniform(0.5, 2.0, size=sa)  # positive: div and a**b well defined
    b = rng.uniform(0.5, 2.0, size=sb)
    if name in ("maximum", "minimum"):  # a on a 0.1 grid, b halfway between: no ties
        a = rng.integers(0, 20, size=sa) * 0.1
        b = rng.integers(0, 20, size=sb) * 0.1 + 0.05
    check_grads(BINARY[name], a, b, seed=seed)


SCALAR_FORMS = {
    "x+c": lambda x: x + 1.5,
    "c+x": lambda x: 1.5 + x,
    "x-c": lambda x: x - 2.0,
    "c-x": lambda x: 2.0 - x,
    "x*c": lambda x: x * -3.0,
    "c*x": lambda x: -3.0 * x,
    "x/c": lambda x: x / 4.0,
    "c/x": lambda x: 4.0 / x,
    "-x": lambda x: -x,
    "x**2": lambda x: x**2,
    "x**3": lambda x: x**3,
    "x**-1.5": lambda x: x**-1.5,
    "x**0.5": lambda x: x**0.5,
    "2**x": lambda x: 2.0**x,
    "e**x": lambda x: np.e**x,
    "array*x": lambda x: np.linspace(1, 2, x.shape[-1] if x.ndim else 1) * x,
    "x-array": lambda x: x - np.linspace(1, 2, x.shape[-1] if x.ndim else 1),
    "array/x": lambda x: np.linspace(1, 2, x.shape[-1] if x.ndim else 1) / x,
    "array**x": lambda x: np.linspace(1, 2, x.shape[-1] if x.ndim else 1) ** x,
    "x**array": lambda x: x ** np.linspace(1, 2, x.shape[-1] if x.ndim else 1),
}


@pytest.mark.parametrize("name", list(SCALAR_FORMS))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_constant_operand_forms(name, shape, seed):
    x = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape)
    check_grads(SCALAR_FORMS[name], x, seed=seed)


# ---- unary elementwise


UNARY = {
    "exp": (ad.exp, "any"),
    "log": (ad.log, "positive"),
    "sin": (ad.sin, "any"),
    "cos": (ad.cos, "any"),
    "tanh": (ad.tanh, "any"),
    "logistic": (ad.logistic, "any"),
    "arctan": (ad.arctan, "any"),
    "relu": (ad.relu, "away"),
    "softplus": (ad.softplus, "any"),
    "abs": (ad.abs, "away"),
    "threshold": (ad.threshold, "away"),
    "identity": (lambda x: ad.identity(x) * 1.0, "any"),
    "method_exp": (lambda x: x.exp().log().sin().cos().tanh().logistic().arctan(), "any"),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary_ops(name, shape, seed):
    f, domain = UNARY[name]
    rng = np.random.default_rng(seed)
    if domain == "positive":
        x = rng.uniform(0.2, 3.0, size=shape)
    elif domain == "away":
        x = away_from(rng, shape)
    else:
        x = rng.uniform(-3.0, 3.0, size=shape)
    if name == "method_exp":
        x = rng.uniform(0.2, 1.0, size=shape)
    check_grads(f, x, seed=seed)


def test_unary_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    v = Var(x)
    np.testing.assert_allclose(ad.logistic(v).val, 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_array_equal(ad.threshold(v).val, [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(ad.relu(v).val, [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(ad.softplus(v).val, np.log1p(np.exp(x)), rtol=1e-14)
    big = Var(np.array([-1e4, 1e4]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(ad.softplus(big).val, [0.0, 1e4])
        y = ad.softplus(big).sum()
        y.backward()
    np.testing.assert_allclose(big.grad, [0.0, 1.0])


def test_kink_conventions():
    x = Var(np.array([-1.0, 0.0, 1.0]))
    (ad.relu(x) + ad.abs(x) + ad.threshold(x)).sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 2.0])
    z = Var(np.zeros(3))
    ad.l2_norm(z).backward()
    np.testing.assert_array_equal(z.grad, np.zeros(3))


def test_ties_split_the_gradient():
    a = Var(np.array([1.0, 2.0, 3.0]))
    b = Var(np.array([2.0, 2.0, 2.0]))
    ad.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [1.0, 0.5, 0.0])
    m = Var(np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 1.0]]))
    ad.max(m, axis=1).sum().backward()
    np.testing.assert_array_equal(m.grad, [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
    m2 = Var(np.array([1.0, 1.0, 1.0, 5.0]))
    ad.min(m2).backward()
    np.testing.assert_allclose(m2.grad, [1 / 3, 1 / 3, 1 / 3, 0.0])


# ---- reductions and norms


def _axes(ndim):
    return st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1) if ndim else st.none(),
        st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim).map(tuple)
        if ndim
        else st.none(),
    )


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
@SETTINGS
@given(data=st.data(), shape=nonempty_shapes, keepdims=st.booleans(), seed=seeds)
def test_reductions(name, data, shape, keepdims, seed):
    axis = data.draw(_axes(len(shape)))
    rng = np.random.default_rng(seed)
    x = distinct(rng, shape) if name in ("max", "min") else rng.normal(size=shape)
    f = getattr(ad, name)
    check_grads(lambda v: f(v, axis=axis, keepdims=keepdims), x, seed=seed)
    # the value matches numpy
    np.testing.assert_allclose(
        f(Var(x), axis=axis, keepdims=keepdims).val,
        getattr(np, name)(x, axis=axis, keepdims=keepdims),
    )


def test_reduction_methods():
    check_grads(lambda v: v.sum(0) * v.mean(axis=1, keepdims=True), np.ones((3, 3)) * 0.5)
    check_grads(lambda v: v.max(axis=0) + v.min(axis=(0, 1), keepdims=True), [[1.0, 2.0]])


@pytest.mark.parametrize("name", ["l1_norm", "l2_norm"])
@SETTINGS
@given(shape=nonempty_shapes, seed=seeds)
def test_norms(name, shape, seed):
    x = away_from(np.random.default_rng(seed), shape)
    check_grads(getattr(ad, name), x, seed=seed)
    ref = np.sum(np.abs(x)) if name == "l1_norm" else np.sqrt(np.sum(x * x))
    np.testing.assert_allclose(getattr(ad, name)(Var(x)).val, ref, rtol=1e-14)


# ---- linear algebra


@pytest.mark.parametrize(
    "sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((1, 1), (1, 5))]
)
def test_matmul_1d_2d(sa, sb):
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    check_grads(lambda x, y: x @ y, a, b)
    check_grads(lambda x: a @ x, b)  # constant on the left: __rmatmul__
    np.testing.assert_allclose((Var(a) @ Var(b)).val, a @ b)


def test_matmul_rejects_3d():
    with pytest.raises(ValueError):
        ad.matmul(Var(np.ones((2, 2, 2))), Var(np.ones((2, 2))))


@pytest.mark.parametrize("xshape", [(5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(xshape, bias):
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=xshape), rng.normal(size=(3, 4)), rng.normal(size=4)
    if bias:
        check_grads(ad.linear, x, w, b)
        np.testing.assert_allclose(ad.linear(Var(x), Var(w), Var(b)).val, x @ w + b)
    else:
        check_grads(ad.linear, x, w)


def test_linear_skips_constant_input_gradient():
    x = ad.as_var(np.ones((2, 3)))
    w = Var(np.ones((3, 4)))
    ad.linear(x, w).sum().backward()
    assert x.grad is None and w.grad.shape == (3, 4)


# ---- shape ops


@SETTINGS
@given(shape=nonempty_shapes, seed=seeds)
def test_reshape_and_transpose(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    check_grads(lambda v: v.reshape(-1) * np.arange(x.size), x, seed=seed)
    check_grads(lambda v: ad.reshape(v, (x.size, 1)), x, seed=seed)
    check_grads(lambda v: v.T, x, seed=seed)
    axes = tuple(rng.permutation(len(shape)))
    check_grads(lambda v: v.transpose(axes), x, seed=seed)
    check_grads(lambda v: ad.transpose(v, axes), x, seed=seed)
    np.testing.assert_array_equal(Var(x).transpose(axes).val, np.transpose(x, axes))


INDEXES = [
    (slice(1, 3),),
    (0,),
    (-1,),
    (slice(None), 1),
    (Ellipsis, slice(None, None, 2)),
    (None, 0),
    (np.array([0, 2, 2, 0, 0]),),  # repeated integer indices accumulate
    ([1, 1, 3],),
    (np.array([0, 1, 1]), np.array([2, 2, 0])),
    (np.array([[0, 0], [3, 3]]), slice(None)),
    (np.array([True, False, True, True]),),
]


@pytest.mark.parametrize("index", INDEXES, ids=range(len(INDEXES)))
def test_getitem(index):
    x = np.random.default_rng(5).normal(size=(4, 3))
    idx = index[0] if len(index) == 1 else index
    check_grads(lambda v: v[idx], x)
    ref = x[np.asarray(idx) if isinstance(idx, list) else idx]
    np.testing.assert_array_equal(Var(x)[idx].val, ref)


def test_getitem_repeated_index_counts():
    x = Var(np.zeros(3))
    x[np.array([0, 0, 0, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(axis):
    rng = np.random.default_rng(6)
    a, b, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    check_grads(lambda x, y, z: ad.concatenate([x, y, z], axis=axis), a, b, c)
    check_grads(lambda x, y: ad.stack([x, y, x], axis=axis), a, b)
    np.testing.assert_array_equal(
        ad.concatenate([Var(a), b], axis=axis).val, np.concatenate([a, b], axis=axis)
    )


def test_concatenate_uneven():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(2, 1)), rng.normal(size=(2, 4))
    check_grads(lambda x, y: ad.concatenate([x, y], axis=1), a, b)


# ---- softmax


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(shape=nonempty_shapes, seed=seeds, data=st.data())
def test_softmax_ops(name, shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).normal(scale=2, size=shape)
    f = getattr(ad, name)
    check_grads(lambda v: f(v, axis=axis), x, seed=seed)


def test_softmax_stable_for_large_logits():
    z = Var(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = ad.softmax(z)
        ls = ad.log_softmax(z)
    np.testing.assert_allclose(s.val.sum(axis=1), 1.0)
    assert np.all(np.isfinite(ls.val))
    np.testing.assert_allclose(ls.val[0], [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(ls.val[1], np.log(1 / 3) * np.ones(3))


# ---- composite formulas


def test_composite_formula_matches_hand_derivative():
    x, y = Var(0.7), Var(-1.3)
    f = ad.sin(x * y) + x**2 / ad.exp(y) - ad.log(x) * ad.cos(y)
    f.backward()
    xv, yv = 0.7, -1.3
    dfdx = np.cos(xv * yv) * yv + 2 * xv / np.exp(yv) - np.cos(yv) / xv
    dfdy = np.cos(xv * yv) * xv - xv**2 / np.exp(yv) + np.log(xv) * np.sin(yv)
    assert abs(x.grad - dfdx) < 1e-14 and abs(y.grad - dfdy) < 1e-14


def test_a_to_the_x_with_var_base_and_exponent():
    a, x = Var(2.5), Var(1.7)
    (a**x).backward()
    assert np.isclose(a.grad, 1.7 * 2.5**0.7, rtol=1e-14)
    assert np.isclose(x.grad, 2.5**1.7 * np.log(2.5), rtol=1e-14)


def test_gradients_accumulate_across_branches_and_calls():
    x = Var(np.array([1.0, 2.0]))
    y = x * x + x * 3.0  # x used by three paths
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])
    y = x * x + x * 3.0
    y.sum().backward()  # a second backward adds, like the notes' +=
    np.testing.assert_array_equal(x.grad, [10.0, 14.0])
    x.grad = None
    z = (x * x).sum()
    z.backward()
    z.backward()  # twice on the same graph: intermediates do not double-count
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_zero_grad_clears_the_graph():
    x = Var(np.ones(2))
    h = x * 2.0
    y = h.sum()
    y.backward()
    assert h.grad is not None and x.grad is not None
    y.zero_grad()
    assert x.grad is None and h.grad is None and y.grad is None


def test_backward_seed_rules():
    x = Var(np.ones((2, 3)))
    y = x * 2.0
    with pytest.raises(ValueError):
        y.backward()
    with pytest.raises(ValueError):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    with pytest.raises(RuntimeError):
        ad.as_var(np.ones(2)).sum().backward()


def test_deep_shared_chain_is_linear_time():
    # y = y + y, 60 times: 2^60 paths; the notes' recursion would never finish.
    x = Var(1.0)
    y = x
    for _ in range(60):
        y = y + y
    t0 = time.perf_counter()
    y.backward()
    assert time.perf_counter() - t0 < 0.5
    assert x.grad == 2.0**60
    assert y.val == 2.0**60


def test_100000_deep_chain():
    x = Var(np.array([0.5, -0.25]))
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    y.zero_grad()
    assert x.grad is None
    g = graph(y)
    assert len(g["nodes"]) == 200_001
    del y, g  # freed without recursion trouble


# ---- dtypes, no_grad, threads


FLOAT32_OPS = [
    lambda v: v + 1.5,
    lambda v: 2.0 - v,
    lambda v: v * v / (v + 3.0),
    lambda v: 2.0 / (v * v + 1.0),
    lambda v: v**2 + v**0.5 + 2.0**v,
    lambda v: ad.exp(v) + ad.log(v) + ad.sin(v) + ad.cos(v) + ad.tanh(v),
    lambda v: ad.logistic(v) + ad.arctan(v) + ad.relu(v) + ad.softplus(v) + ad.abs(v),
    lambda v: ad.threshold(v) + ad.maximum(v, v * 0.5) + ad.minimum(v, 1.0),
    lambda v: ad.softmax(v) + ad.log_softmax(v, axis=0),
    lambda v: v @ v.T,
    lambda v: ad.linear(v, v.T, v[0, :2]),
    lambda v: v.sum(axis=0) + v.mean() + v.max(axis=1, keepdims=True) + v.min(),
    lambda v: ad.concatenate([v, v[:, :1]], axis=1).reshape(-1)[np.array([0, 0, 3])],
    lambda v: ad.stack([v, v]).transpose((1, 0, 2)),
    lambda v: ad.l1_norm(v) + ad.l2_norm(v),
]


@pytest.mark.parametrize("i", range(len(FLOAT32_OPS)))
def test_float32_is_preserved(i):
    x = Var(np.random.default_rng(i).uniform(0.5, 2.0, size=(2, 3)).astype(np.float32))
    y = FLOAT32_OPS[i](x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (2, 3)


def test_dtype_conversion_rules():
    assert Var([1, 2]).dtype == np.float64
    assert Var(np.array([True])).dtype == np.float64
    assert Var(np.float32(1.0)).dtype == np.float32
    assert Var(3).dtype == np.float64
    assert Var([1, 2], dtype=np.float32).dtype == np.float32


def test_no_grad_records_nothing():
    w = Var(np.ones((3, 2)))
    x = np.ones((4, 3))
    with no_grad():
        assert not ad.is_grad_enabled()
        y = ad.relu(ad.linear(x, w)).sum() * 2.0
        with no_grad():
            pass
        assert not ad.is_grad_enabled()
    assert ad.is_grad_enabled()
    assert y.creator is None and not y.requires_grad
    np.testing.assert_array_equal(y.val, 2 * 4 * 2 * 3.0)
    z = (w * 2.0).sum()
    assert z.creator is not None

    @no_grad()
    def evaluate():
        return (w * 2.0).sum()

    assert evaluate().creator is None and ad.is_grad_enabled()


def test_no_grad_is_per_thread():
    w = Var(np.ones(2))
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other():
        inside.wait(5)
        seen["creator"] = (w * 2.0).creator
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with no_grad():
        inside.set()
        done.wait(5)
    t.join()
    assert seen["creator"] is not None


def test_constants_get_no_gradient():
    x = Var(np.ones(3))
    c = ad.as_var(np.full(3, 2.0))
    y = (x * c + c).sum()
    y.backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    assert not (c * 2.0).requires_grad and (c * 2.0).creator is None


def test_numpy_array_on_the_left_defers_to_var():
    x = Var(np.ones(2))
    y = np.array([2.0, 3.0]) * x + np.array([1.0, 1.0])
    assert isinstance(y, Var)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 3.0])


# ---- graph export


def test_graph_export_of_a_small_formula():
    x = Var(2.0, name="x")
    y = Var(3.0, name="y")
    f = x * y + ad.sin(x)
    f.name = "f"
    f.backward()
    g = graph(f)
    nodes = g["nodes"]
    by_label = {n["label"]: n for n in nodes}
    assert [n["id"] for n in nodes] == list(range(5))
    assert {n["op"] for n in nodes} == {"var", "mul", "sin", "add"}
    assert nodes[-1]["label"] == "f" and nodes[-1]["op"] == "add"
    assert by_label["x"]["op"] == "var" and by_label["x"]["shape"] == ()
    assert float(by_label["x"]["grad"]) == pytest.approx(3.0 + np.cos(2.0), abs=1e-15)
    assert float(by_label["y"]["grad"]) == pytest.approx(2.0, abs=1e-15)
    assert float(by_label["mul"]["value"]) == 6.0
    assert float(by_label["sin"]["value"]) == pytest.approx(np.sin(2.0))
    assert float(nodes[-1]["value"]) == pytest.approx(6.0 + np.sin(2.0))
    assert float(nodes[-1]["grad"]) == 1.0
    ids = {n["label"]: n["id"] for n in nodes}
    assert sorted(g["edges"]) == sorted(
        [
            (ids["x"], ids["mul"]),
            (ids["y"], ids["mul"]),
            (ids["x"], ids["sin"]),
            (ids["mul"], ids["f"]),
            (ids["sin"], ids["f"]),
        ]
    )
    for a, b in g["edges"]:  # topological: arguments come first
        assert a < b


def test_graph_labels_show_folded_constants():
    x = Var(np.ones((2, 2)), name="x")
    g = graph((x * 2.0 + 1.0) ** 3)
    assert [n["label"] for n in g["nodes"]] == ["x", "mul 2", "add 1", "pow 3"]
    g = graph(x.sum(axis=0)[1:])
    assert [n["label"] for n in g["nodes"]] == ["x", "sum axis=0", "[1:]"]
    assert g["nodes"][1]["grad"] is None  # no backward yet


# ---- no reference cycles


def _mlp_step():
    rng = np.random.default_rng(0)
    w1 = Var(rng.normal(size=(4, 8)))
    b1 = Var(np.zeros(8))
    w2 = Var(rng.normal(size=(8, 3)))
    x = rng.normal(size=(5, 4))
    h = ad.tanh(ad.linear(x, w1, b1))
    z = ad.log_softmax(h @ w2)
    loss = -(z[np.arange(5), np.array([0, 1, 2, 0, 1])]).mean() + 0.1 * ad.l2_norm(w1)
    loss.backward()
    return loss, h


def test_dropped_graph_is_freed_by_refcount_alone():
    gc.collect()
    gc.disable()
    try:
        loss, h = _mlp_step()
        refs = [weakref.ref(loss), weakref.ref(h)]
        ops = [loss.creator, h.creator]
        op_types = [type(o) for o in ops]
        del ops
        del loss, h
        assert all(r() is None for r in refs)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert op_types  # kept only for the assertion message


def test_ops_do_not_point_back_to_their_result():
    x = Var(np.ones(3))
    y = ad.exp(x * 2.0)
    for op in (y.creator, y.creator.args[0].creator):
        for slot in type(op).__slots__ + ("args",):
            val = getattr(op, slot, None)
            vals = val if isinstance(val, tuple) else (val,)
            assert all(v is not y for v in vals)


# ---- helpers for demos


def test_grad_and_value_and_grad():
    f = lambda t: ((t - np.array([1.0, 2.0])) ** 2).sum()  # noqa: E731
    g = ad.grad(f)
    np.testing.assert_array_equal(g(np.array([0.0, 0.0])), [-2.0, -4.0])
    val, gr = ad.value_and_grad(f, [1.0, 1.0])
    assert val == 1.0
    np.testing.assert_array_equal(gr, [0.0, -2.0])
    with no_grad():  # works even if called from evaluation code
        np.testing.assert_array_equal(g(np.array([1.0, 2.0])), [0.0, 0.0])


def test_var_conveniences():
    x = Var(np.arange(6.0).reshape(2, 3), name="x")
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.is_leaf and "x" in repr(x)
    assert Var(2.5).item() == 2.5
    d = (x * 2.0).detach()
    assert d.creator is None and not d.requires_grad
    assert x.numpy() is x.val
