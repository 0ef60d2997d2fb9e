"""Activation functions and their derivatives (SPEC §2.3).

Single-neuron activations live in :data:`ACTIVATIONS`; each is an
:class:`Activation` whose ``f`` and ``df`` act elementwise on arrays and never
overflow or warn for large inputs.  Multi-neuron functions act along an axis:
:func:`softmax`, :func:`softmax_jacobian` and :func:`argmax_onehot`.

>>> ACTIVATIONS["relu"].f(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = ["Activation", "ACTIVATIONS", "softmax", "softmax_jacobian", "argmax_onehot"]

ArrayFn = Callable[[Any], np.ndarray]


@dataclass(frozen=True)
class Activation:
    """An activation function σ with its derivative σ′.

    Attributes
    ----------
    name : str
        Registry key.
    f, df : callable
        σ(x) and dσ/dx, elementwise on array_like, returning float arrays.
    formula_text : str
        Human-readable definition for labels and lessons.
    """

    name: str
    f: ArrayFn
    df: ArrayFn
    formula_text: str

    def __call__(self, x: Any) -> np.ndarray:
        return self.f(x)


def _x(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _logistic(x: Any) -> np.ndarray:
    # expit is exact and warning-free at both tails, unlike 1/(1+exp(-x)).
    return expit(_x(x))


def _dlogistic(x: Any) -> np.ndarray:
    s = expit(_x(x))
    return s * (1.0 - s)


def _darctan(x: Any) -> np.ndarray:
    x = _x(x)
    with np.errstate(over="ignore"):  # x² = inf for |x| > 1e154 gives the right limit 0
        return 1.0 / (1.0 + x * x)


def _dtanh(x: Any) -> np.ndarray:
    t = np.tanh(_x(x))
    return 1.0 - t * t


def _threshold(x: Any) -> np.ndarray:
    return np.where(_x(x) >= 0.0, 1.0, 0.0)


def _zero(x: Any) -> np.ndarray:
    return np.zeros_like(_x(x))


def _relu(x: Any) -> np.ndarray:
    return np.maximum(_x(x), 0.0)


def _drelu(x: Any) -> np.ndarray:
    # Convention at the kink: σ′(0) = 0.
    return np.where(_x(x) > 0.0, 1.0, 0.0)


def _softplus(x: Any) -> np.ndarray:
    # log(1 + e^x) = logaddexp(0, x): no overflow for x = 1e4, exact tails.
    return np.logaddexp(0.0, _x(x))


def _linear(x: Any) -> np.ndarray:
    return _x(x).copy()


def _one(x: Any) -> np.ndarray:
    return np.ones_like(_x(x))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("logistic", _logistic, _dlogistic, "σ(x) = 1 / (1 + e^(−x))"),
        Activation("arctan", lambda x: np.arctan(_x(x)), _darctan, "σ(x) = arctan(x)"),
        Activation("tanh", lambda x: np.tanh(_x(x)), _dtanh, "σ(x) = tanh(x)"),
        Activation("threshold", _threshold, _zero, "σ(x) = 0 for x < 0, 1 for x ≥ 0"),
        Activation("relu", _relu, _drelu, "σ(x) = max(0, x)"),
        Activation("softplus", _softplus, _logistic, "σ(x) = log(1 + e^x)"),
        Activation("linear", _linear, _one, "σ(x) = x"),
    )
}


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    """exp(x_j) / Σ_k exp(x_k) along ``axis``.

    The maximum is subtracted first, so inputs of ±1000 give finite outputs
    that sum to 1.
    """
    x = _x(x)
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(x: Any) -> np.ndarray:
    """Jacobian of :func:`softmax` for one vector: J[i, j] = ∂s_i/∂x_j = s_i(δ_ij − s_j)."""
    x = _x(x)
    if x.ndim != 1:
        raise ValueError("softmax_jacobian takes a 1-D vector")
    s = softmax(x)
    return np.diag(s) - np.outer(s, s)


def argmax_onehot(x: Any, axis: int = -1) -> np.ndarray:
    """1 at the largest entry along ``axis`` (the first one on ties), 0 elsewhere."""
    x = _x(x)
    out = np.zeros_like(x)
    idx = np.expand_dims(np.argmax(x, axis=axis), axis)
    np.put_along_axis(out, idx, 1.0, axis=axis)
    return out
