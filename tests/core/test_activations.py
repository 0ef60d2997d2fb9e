"""Activation functions: values, derivatives by finite differences, stability."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neurolab.core.activations import (
    ACTIVATIONS,
    Activation,
    argmax_onehot,
    softmax,
    softmax_jacobian,
)

NAMES = ["logistic", "arctan", "tanh", "threshold", "relu", "softplus", "linear"]

# Independent scalar definitions (math module), on moderate inputs.
REFERENCE = {
    "logistic": lambda x: 1 / (1 + math.exp(-x)),
    "arctan": math.atan,
    "tanh": math.tanh,
    "threshold": lambda x: 0.0 if x < 0 else 1.0,
    "relu": lambda x: max(0.0, x),
    "softplus": lambda x: math.log1p(math.exp(x)),
    "linear": lambda x: x,
}


def test_registry():
    assert sorted(ACTIVATIONS) == sorted(NAMES)
    for name, act in ACTIVATIONS.items():
        assert isinstance(act, Activation) and act.name == name
        assert "x" in act.formula_text


@pytest.mark.parametrize("name", NAMES)
def test_values_match_definition(name):
    x = np.linspace(-6, 6, 121)
    expected = np.array([REFERENCE[name](xi) for xi in x])
    np.testing.assert_allclose(ACTIVATIONS[name].f(x), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ACTIVATIONS[name](x), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    x = np.linspace(-5, 5, 200)  # even count: 0 is not a grid point
    x = x[np.abs(x) > 1e-3]  # threshold and relu have a kink/jump at 0
    h = 1e-6
    fd = (act.f(x + h) - act.f(x - h)) / (2 * h)
    np.testing.assert_allclose(act.df(x), fd, rtol=0, atol=1e-7)


def test_known_derivative_values():
    assert ACTIVATIONS["logistic"].df(0.0) == pytest.approx(0.25)
    assert ACTIVATIONS["tanh"].df(0.0) == pytest.approx(1.0)
    assert ACTIVATIONS["arctan"].df(1.0) == pytest.approx(0.5)
    assert ACTIVATIONS["softplus"].df(0.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(ACTIVATIONS["relu"].df(np.array([-1.0, 0.0, 2.0])), [0, 0, 1])


def test_threshold_definition():
    th = ACTIVATIONS["threshold"]
    np.testing.assert_array_equal(th.f(np.array([-1e-12, 0.0, 1e-12, -3, 3])), [0, 1, 1, 0, 1])
    np.testing.assert_array_equal(th.df(np.array([-1.0, 0.0, 1.0])), [0, 0, 0])


@pytest.mark.parametrize("name", NAMES)
def test_finite_without_warnings_for_huge_inputs(name):
    x = np.array([-1e300, -1e4, -1e3, -50.0, 0.0, 50.0, 1e3, 1e4, 1e300])
    act = ACTIVATIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, dy = act.f(x), act.df(x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dy))


def test_softplus_tails():
    sp = ACTIVATIONS["softplus"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(sp.f(np.array([1e4, 100.0])), [1e4, 100.0], rtol=1e-15)
        assert sp.f(-1e4) == 0.0
        assert sp.f(-50.0) == pytest.approx(math.exp(-50), rel=1e-12)
        np.testing.assert_array_equal(sp.df(np.array([-1e4, 1e4])), [0.0, 1.0])
    # Derivative of softplus is the logistic function.
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sp.df(x), ACTIVATIONS["logistic"].f(x), rtol=1e-15)


def test_activations_keep_shape():
    x = np.zeros((2, 3, 4))
    for act in ACTIVATIONS.values():
        assert act.f(x).shape == x.shape and act.df(x).shape == x.shape


# ---------------------------------------------------------------- softmax


def test_softmax_definition():
    x = np.array([1.0, 2.0, -0.5, 0.0])
    e = np.exp(x)
    np.testing.assert_allclose(softmax(x), e / e.sum(), rtol=1e-14)


def test_softmax_finite_for_extreme_inputs():
    x = np.array([1000.0, -1000.0, 999.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = softmax(x)
    assert np.all(np.isfinite(s))
    assert s.sum() == pytest.approx(1.0, abs=1e-15)
    assert s[0] == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-12)
    np.testing.assert_allclose(softmax(np.array([-1000.0, -1000.0])), [0.5, 0.5])


def test_softmax_along_axis():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(softmax(x, axis=1).sum(axis=1), [1, 1])
    np.testing.assert_allclose(softmax(x, axis=0).sum(axis=0), [1, 1, 1])
    np.testing.assert_allclose(softmax(x, axis=0)[:, 0], softmax(x[:, 0]))


vectors = arrays(np.float64, st.integers(1, 8), elements=st.floats(-1000, 1000))


@settings(max_examples=60, deadline=None)
@given(x=vectors, c=st.floats(-500, 500))
def test_softmax_invariants(x, c):
    s = softmax(x)
    assert np.all(np.isfinite(s)) and np.all(s >= 0)
    assert s.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(softmax(x + c), s, rtol=1e-9, atol=1e-12)  # shift invariance
    assert s[np.argmax(x)] == s.max()  # order preserved


def test_softmax_jacobian_matches_finite_differences():
    x = np.array([0.3, -1.2, 2.0, 0.0, 0.7])
    h = 1e-6
    fd = np.empty((5, 5))
    for j in range(5):
        e = np.zeros(5)
        e[j] = h
        fd[:, j] = (softmax(x + e) - softmax(x - e)) / (2 * h)
    np.testing.assert_allclose(softmax_jacobian(x), fd, rtol=0, atol=1e-9)
    # Columns sum to 0: the outputs always sum to 1.
    np.testing.assert_allclose(softmax_jacobian(x).sum(axis=0), 0, atol=1e-15)
    with pytest.raises(ValueError):
        softmax_jacobian(np.zeros((2, 2)))


# ---------------------------------------------------------------- argmax


def test_argmax_onehot():
    np.testing.assert_array_equal(argmax_onehot(np.array([0.1, 3.0, -2.0])), [0, 1, 0])
    np.testing.assert_array_equal(argmax_onehot(np.array([2.0, 5.0, 5.0])), [0, 1, 0])  # first tie
    x = np.array([[1.0, 9.0], [7.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(argmax_onehot(x), [[0, 1], [1, 0], [0, 1]])
    np.testing.assert_array_equal(argmax_onehot(x, axis=0), [[0, 1], [1, 0], [0, 0]])


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(
        np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=st.floats(-1e6, 1e6)
    )
)
def test_argmax_onehot_invariants(x):
    y = argmax_onehot(x)
    np.testing.assert_array_equal(y.sum(axis=-1), 1.0)
    assert set(np.unique(y)) <= {0.0, 1.0}
    np.testing.assert_array_equal(np.argmax(y, axis=-1), np.argmax(x, axis=-1))
