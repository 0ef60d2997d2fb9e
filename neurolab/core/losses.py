"""Loss functions for training (SPEC §5, notes §6), as autodiff operations.

Every loss is per sample and averaged over the batch: for outputs ``y`` of
shape ``(N, K)`` (N samples as rows, K output units; a 1-D ``(K,)`` is one
sample) the loss is ``(1/N) Σ_samples L(y_n, t_n)``.

* ``mse``: L = ½‖y − t‖².
* ``bce`` (Bernoulli cross-entropy): L = −Σ_k (t log y + (1−t) log(1−y)).
* ``ce`` (categorical cross-entropy): L = −Σ_k t_k log y_k, y = softmax(z).

Each has a *fused* form computed from the output layer's pre-activation
``z`` (the logits) — :func:`bce_with_logits` and :func:`softmax_cross_entropy`
— which is exact and finite for any logits (log-sum-exp, softplus) and whose
gradient is simply (y − t)/N; and a form from outputs that clips them to
[eps, 1 − eps] (finite for outputs exactly 0 or 1; zero gradient where
clipped).  :func:`loss_value` is the entry point for a trainer: it uses the
fused form when the output activation is the loss's natural partner
(:data:`NATURAL_OUTPUTS`) and otherwise computes the loss from the outputs,
after warning with :class:`UnnaturalPairingWarning`.

Targets are constants (no gradient flows to them).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from neurolab.core.autodiff import Op, Var, as_var, needs_grad, result

__all__ = [
    "Loss",
    "LOSSES",
    "NATURAL_OUTPUTS",
    "UnnaturalPairingWarning",
    "is_natural_pair",
    "check_pairing",
    "mse",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "softmax_cross_entropy",
    "loss_value",
]


class UnnaturalPairingWarning(UserWarning):
    """A loss is used with an output activation that is not its natural partner."""


def _n_samples(shape: tuple[int, ...]) -> int:
    """Rows × leading axes: everything but the last (unit) axis."""
    if len(shape) <= 1:
        return 1
    return int(np.prod(shape[:-1]))


def _target(t: Any, y: Any) -> np.ndarray:
    """Targets as an array of ``y``'s shape (same number of entries required)."""
    if type(t) is Var:
        t = t.val
    t = np.asarray(t)
    if t.shape != y.shape:
        if t.size != y.size:
            raise ValueError(f"targets of shape {t.shape} do not match outputs of shape {y.shape}")
        t = t.reshape(y.shape)
    if t.dtype != y.dtype:
        t = t.astype(y.dtype)
    return t


def _eps(dtype: Any, eps: float | None) -> float:
    if eps is not None:
        return float(eps)
    return 1e-7 if np.dtype(dtype) == np.float32 else 1e-12


# ---- MSE


class _MSE(Op):
    __slots__ = ("diff", "n")
    name = "mse"

    def __init__(self, y, diff, n):
        self.args = (y,)
        self.diff = diff
        self.n = n

    def backward(self, g):
        return (self.diff * (g / self.n),)


def mse(y: Any, t: Any) -> Var:
    """Mean over samples of ½‖y − t‖² (sum over output units)."""
    y = as_var(y)
    yv = np.asarray(y.val)
    d = yv - _target(t, yv)
    n = _n_samples(yv.shape)
    val = np.asarray(0.5 * np.vdot(d, d) / n, dtype=yv.dtype)
    return result(val, _MSE(y, d, n) if needs_grad(y) else None)


# ---- Bernoulli


class _BCELogits(Op):
    __slots__ = ("t", "n")
    name = "bce_with_logits"

    def __init__(self, z, t, n):
        self.args = (z,)
        self.t = t
        self.n = n

    def backward(self, g):
        z = self.args[0].val
        return ((expit(z) - self.t) * (g / self.n),)


def bce_with_logits(z: Any, t: Any) -> Var:
    """Bernoulli cross-entropy of y = logistic(z), from the logits ``z``.

    Per unit softplus(z) − t·z = −(t log y + (1−t) log(1−y)), computed as
    max(z, 0) − t z + log1p(e^(−|z|)): finite for any z; gradient
    (logistic(z) − t)/N.
    """
    z = as_var(z)
    zv = np.asarray(z.val)
    tv = _target(t, zv)
    per = np.maximum(zv, 0) - tv * zv + np.log1p(np.exp(-np.abs(zv)))
    n = _n_samples(zv.shape)
    val = np.asarray(np.sum(per) / n, dtype=zv.dtype)
    return result(val, _BCELogits(z, tv, n) if needs_grad(z) else None)


class _BCEProb(Op):
    __slots__ = ("t", "n", "lo", "hi")
    name = "bce"

    def __init__(self, y, t, n, lo, hi):
        self.args = (y,)
        self.t = t
        self.n = n
        self.lo = lo
        self.hi = hi

    def backward(self, g):
        y = self.args[0].val
        inside = (y > self.lo) & (y < self.hi)
        yc = np.where(inside, y, 0.5)
        d = (yc - self.t) / (yc * (1 - yc))
        return (np.where(inside, d, 0) * (g / self.n),)


def bce(y: Any, t: Any, eps: float | None = None) -> Var:
    """Bernoulli cross-entropy from probabilities ``y`` ∈ [0, 1], clipped to [eps, 1 − eps].

    Finite for outputs exactly 0 or 1 (the gradient is 0 where ``y`` was
    clipped).  ``eps`` defaults to 1e-12 (float64) or 1e-7 (float32).  Prefer
    :func:`bce_with_logits` when the logits are at hand.
    """
    y = as_var(y)
    yv = np.asarray(y.val)
    tv = _target(t, yv)
    e = _eps(yv.dtype, eps)
    yc = np.clip(yv, e, 1 - e)
    per = -(tv * np.log(yc) + (1 - tv) * np.log1p(-yc))
    n = _n_samples(yv.shape)
    val = np.asarray(np.sum(per) / n, dtype=yv.dtype)
    return result(val, _BCEProb(y, tv, n, e, 1 - e) if needs_grad(y) else None)


# ---- categorical


def _ce_targets(t: Any, z: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(one-hot/probability targets, integer labels): exactly one is not None."""
    if type(t) is Var:
        t = t.val
    t = np.asarray(t)
    if t.shape == z.shape[:-1] and (np.issubdtype(t.dtype, np.integer) or z.ndim == 1):
        labels = t.astype(np.intp)
        k = z.shape[-1]
        if np.any((labels < 0) | (labels >= k)):
            raise ValueError(f"class labels must be in 0..{k - 1}")
        return None, labels
    return _target(t, z), None


class _SoftmaxCE(Op):
    __slots__ = ("logp", "t", "labels", "n")
    name = "softmax_cross_entropy"

    def __init__(self, z, logp, t, labels, n):
        self.args = (z,)
        self.logp = logp
        self.t = t
        self.labels = labels
        self.n = n

    def backward(self, g):
        s = np.exp(self.logp)
        if self.labels is not None:
            if s.ndim == 1:
                s[self.labels] -= 1
            else:
                s2 = s.reshape(-1, s.shape[-1])
                s2[np.arange(s2.shape[0]), self.labels.ravel()] -= 1
        else:
            t = self.t
            s = s * np.sum(t, axis=-1, keepdims=True) - t
        return (s * (g / self.n),)


def softmax_cross_entropy(z: Any, t: Any) -> Var:
    """Categorical cross-entropy of y = softmax(z), from the logits ``z``.

    −Σ_k t_k log softmax(z)_k with log-softmax by log-sum-exp: finite for
    logits of ±1000; gradient (softmax(z) − t)/N.

    Parameters
    ----------
    z : Var or array, shape (N, K) or (K,)
    t : array
        One-hot (or probability) targets of ``z``'s shape, or integer class
        labels of shape (N,) (a scalar for a single sample).
    """
    z = as_var(z)
    zv = np.asarray(z.val)
    m = np.max(zv, axis=-1, keepdims=True)
    logp = zv - m
    logp -= np.log(np.sum(np.exp(logp), axis=-1, keepdims=True))
    tv, labels = _ce_targets(t, zv)
    n = _n_samples(zv.shape)
    if labels is not None:
        lp = logp.reshape(-1, zv.shape[-1])
        picked = lp[np.arange(lp.shape[0]), labels.ravel()].sum()
    else:
        picked = np.vdot(tv, logp)
    val = np.asarray(-picked / n, dtype=zv.dtype)
    return result(val, _SoftmaxCE(z, logp, tv, labels, n) if needs_grad(z) else None)


class _CEProb(Op):
    __slots__ = ("t", "n", "lo")
    name = "cross_entropy"

    def __init__(self, y, t, n, lo):
        self.args = (y,)
        self.t = t
        self.n = n
        self.lo = lo

    def backward(self, g):
        y = self.args[0].val
        inside = y > self.lo
        d = -self.t / np.where(inside, y, 1)
        return (np.where(inside, d, 0) * (g / self.n),)


def cross_entropy(y: Any, t: Any, eps: float | None = None) -> Var:
    """Categorical cross-entropy −Σ_k t_k log y_k from probabilities ``y`` (clipped below at eps).

    ``t`` as in :func:`softmax_cross_entropy` (one-hot or integer labels).
    Prefer :func:`softmax_cross_entropy` when the logits are at hand.
    """
    y = as_var(y)
    yv = np.asarray(y.val)
    tv, labels = _ce_targets(t, yv)
    if labels is not None:
        tv = np.zeros_like(yv)
        np.put_along_axis(tv.reshape(-1, yv.shape[-1]), labels.reshape(-1, 1), 1, axis=1)
    e = _eps(yv.dtype, eps)
    n = _n_samples(yv.shape)
    val = np.asarray(-np.vdot(tv, np.log(np.maximum(yv, e))) / n, dtype=yv.dtype)
    return result(val, _CEProb(y, tv, n, e) if needs_grad(y) else None)


# ---- registry


@dataclass(frozen=True)
class Loss:
    """A loss with its natural output activation(s).

    Attributes
    ----------
    name : str
        Registry key.
    title : str
        Human-readable name.
    from_outputs : callable
        ``(y, t) -> Var`` computed from the network's outputs.
    from_logits : callable or None
        ``(z, t) -> Var`` fused with the natural output activation, computed
        from the output layer's pre-activation (None when the natural output
        is linear anyway).
    natural_outputs : tuple of str
        Output activations this loss is meant for (SPEC §5).
    formula_text : str
        The per-sample formula, for labels.
    """

    name: str
    title: str
    from_outputs: Callable[[Any, Any], Var]
    from_logits: Callable[[Any, Any], Var] | None
    natural_outputs: tuple[str, ...]
    formula_text: str


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", "Mean squared error", mse, None, ("linear", "relu"), "L = ½‖y − t‖²"),
        Loss(
            "bce",
            "Bernoulli cross-entropy",
            bce,
            bce_with_logits,
            ("logistic",),
            "L = −(t log y + (1 − t) log(1 − y))",
        ),
        Loss(
            "ce",
            "Categorical cross-entropy",
            cross_entropy,
            softmax_cross_entropy,
            ("softmax",),
            "L = −Σₖ tₖ log yₖ",
        ),
    )
}

#: The natural pairs of SPEC §5 as data: loss name → output activations.
NATURAL_OUTPUTS: dict[str, tuple[str, ...]] = {k: v.natural_outputs for k, v in LOSSES.items()}


def _loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose from {sorted(LOSSES)}") from None


def is_natural_pair(loss_name: str, output_activation: str) -> bool:
    """True if ``output_activation`` is a natural partner of the loss (SPEC §5)."""
    return output_activation in _loss(loss_name).natural_outputs


def check_pairing(loss_name: str, output_activation: str, stacklevel: int = 2) -> bool:
    """Warn (:class:`UnnaturalPairingWarning`) unless the pair is natural; return whether it is."""
    loss = _loss(loss_name)
    if output_activation in loss.natural_outputs:
        return True
    pairs = ", ".join(f"{k}↔{'/'.join(v)}" for k, v in NATURAL_OUTPUTS.items())
    warnings.warn(
        f"{loss.title} ({loss.name}) is meant for a "
        f"{' or '.join(loss.natural_outputs)} output, not {output_activation!r}: "
        f"training may be slow or the loss meaningless (natural pairs: {pairs})",
        UnnaturalPairingWarning,
        stacklevel=stacklevel,
    )
    return False


def loss_value(model: Any, x: Any, t: Any, loss_name: str, warn: bool = True) -> Var:
    """The batch loss of ``model`` on inputs ``x`` and targets ``t``, as a Var to backpropagate.

    Parameters
    ----------
    model
        Anything with ``__call__(x) -> Var`` (the outputs), ``logits(x) ->
        Var`` (the output layer's pre-activation) and ``output_activation``
        (a name), such as :class:`neurolab.core.nn.MLP`.
    x : array, shape (N, n_in)
    t : array
        Targets: the outputs' shape (for ``"ce"`` also integer labels (N,)).
    loss_name : str
        A key of :data:`LOSSES`.
    warn : bool
        Call :func:`check_pairing` (warns on an unnatural pair).

    With a natural pair the fused, logit-based form is used (stable, exact
    gradient y − t); otherwise the loss is computed from the outputs.
    """
    loss = _loss(loss_name)
    act = getattr(model, "output_activation", "linear")
    natural = check_pairing(loss_name, act, stacklevel=3) if warn else act in loss.natural_outputs
    if natural and loss.from_logits is not None:
        return loss.from_logits(model.logits(x), t)
    return loss.from_outputs(model(x), t)
