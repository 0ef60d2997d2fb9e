"""Optimizers (SPEC §5, notes §7, §10–§12).

* :class:`SGD` updates autodiff parameters in place: momentum
  v ← βv + ∇E, θ ← θ − ηv; L2 weight decay adds λθ to the gradient (the
  gradient of (λ/2)‖θ‖²); optional L1 adds λ₁·sign(θ).
* :func:`gradient_descent` and :func:`gradient_flow` trace a trajectory of a
  parameter vector on numpy arrays, for the 2-D loss-landscape demos.  Their
  ``grad_fn`` is any θ ↦ ∇E(θ); :func:`neurolab.core.autodiff.grad` makes one
  from a formula written with Vars.

Gradient descent goes downhill: θ ← θ − κ∇E (SPEC §5 fixes the notes' sign).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from neurolab.core.autodiff import Var

__all__ = ["SGD", "gradient_descent", "gradient_flow"]


def _nonneg(name: str, x: float) -> float:
    x = float(x)
    if not (x >= 0.0 and np.isfinite(x)):
        raise ValueError(f"{name} must be a finite number >= 0, got {x}")
    return x


class SGD:
    """Stochastic gradient descent with momentum, weight decay and L1.

    Parameters
    ----------
    params : iterable of Var
        The parameters (e.g. ``model.parameters()``); updated in place.
    lr : float
        Learning rate η.
    momentum : float
        β ∈ [0, 1): v ← βv + g, θ ← θ − ηv.  With β = 0, θ ← θ − ηg.
    weight_decay : float
        λ: g ← ∇E + λθ.  With β = 0 the decay is applied as the exact factor
        θ ← (1 − ηλ)θ (then θ ← θ − η(∇E + λ₁ sign θ)), so a weight with zero
        data gradient shrinks by exactly (1 − ηλ) per step.
    l1 : float
        λ₁: g ← g + λ₁·sign(θ).

    ``lr``, ``momentum``, ``weight_decay`` and ``l1`` may be changed between
    steps.  A parameter whose ``grad`` is None counts as having gradient 0.
    """

    def __init__(
        self,
        params: Iterable[Var],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        l1: float = 0.0,
    ) -> None:
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, Var):
                raise TypeError(f"SGD takes Vars, got {type(p).__name__}")
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.l1 = l1
        self._v: list[np.ndarray | None] = [None] * len(self.params)
        self.steps = 0

    # ---- hyperparameters (validated; settable live)
    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, x: float) -> None:
        self._lr = _nonneg("lr", x)

    @property
    def momentum(self) -> float:
        return self._momentum

    @momentum.setter
    def momentum(self, x: float) -> None:
        x = _nonneg("momentum", x)
        if x >= 1.0:
            raise ValueError(f"momentum must be < 1, got {x}")
        self._momentum = x

    @property
    def weight_decay(self) -> float:
        return self._wd

    @weight_decay.setter
    def weight_decay(self, x: float) -> None:
        self._wd = _nonneg("weight_decay", x)

    @property
    def l1(self) -> float:
        return self._l1

    @l1.setter
    def l1(self, x: float) -> None:
        self._l1 = _nonneg("l1", x)

    # ---- steps
    def zero_grad(self) -> None:
        """Set every parameter's grad to None (zero) before the next backward pass."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter from its current ``grad``."""
        lr, beta, wd, l1 = self._lr, self._momentum, self._wd, self._l1
        vs = self._v
        for i, p in enumerate(self.params):
            w = p.val
            g = p.grad
            if l1:
                s = l1 * np.sign(w)
                g = s if g is None else g + s
            if beta == 0.0:
                vs[i] = None
                if wd:
                    w *= 1.0 - lr * wd
                if g is not None:
                    w -= lr * g
                continue
            if wd:
                d = wd * w
                g = d if g is None else g + d
            v = vs[i]
            if v is None:
                if g is None:
                    continue
                vs[i] = v = np.array(g, dtype=w.dtype)
            else:
                v *= beta
                if g is not None:
                    v += g
            w -= lr * v
        self.steps += 1

    # ---- state
    def state(self) -> dict[str, np.ndarray]:
        """Hyperparameters and momentum buffers as plain arrays (``v<i>`` for parameter i)."""
        d: dict[str, np.ndarray] = {
            "lr": np.array(self._lr),
            "momentum": np.array(self._momentum),
            "weight_decay": np.array(self._wd),
            "l1": np.array(self._l1),
            "steps": np.array(self.steps, dtype=np.int64),
        }
        for i, v in enumerate(self._v):
            if v is not None:
                d[f"v{i}"] = v.copy()
        return d

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state` (for the same parameter list)."""
        vs: list[np.ndarray | None] = []
        for i, p in enumerate(self.params):
            key = f"v{i}"
            if key in state:
                v = np.array(state[key], dtype=p.val.dtype)
                if v.shape != p.val.shape:
                    raise ValueError(f"{key}: shape {v.shape} != parameter shape {p.val.shape}")
                vs.append(v)
            else:
                vs.append(None)
        for key in ("lr", "momentum", "weight_decay", "l1"):
            if key in state:
                setattr(self, key, float(np.asarray(state[key])))
        if "steps" in state:
            self.steps = int(np.asarray(state["steps"]))
        self._v = vs


def _theta0(theta0: Any) -> np.ndarray:
    t = np.array(theta0, dtype=float)
    if t.ndim != 1:
        t = t.ravel()
    return t


def gradient_descent(
    grad_fn: Callable[[np.ndarray], Any],
    theta0: Any,
    lr: float,
    steps: int,
    momentum: float = 0.0,
) -> np.ndarray:
    """Full-batch gradient descent θ ← θ − κv, v ← βv + ∇E(θ) (β = momentum).

    Returns
    -------
    ndarray, shape (steps + 1, d)
        θ₀, θ₁, …  If θ diverges (a non-finite value) the trajectory stops at
        the last finite point, so it may have fewer rows.
    """
    theta = _theta0(theta0)
    steps = int(steps)
    out = np.empty((steps + 1, theta.size))
    out[0] = theta
    v = np.zeros_like(theta)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            g = np.asarray(grad_fn(theta.copy()), dtype=float).ravel()
            v = momentum * v + g
            theta = theta - lr * v
            if not np.all(np.isfinite(theta)):
                return out[: k + 1].copy()
            out[k + 1] = theta
    return out


def gradient_flow(
    grad_fn: Callable[[np.ndarray], Any],
    theta0: Any,
    t_end: float,
    dt: float,
    tau: float = 1.0,
) -> np.ndarray:
    """Gradient flow τ dθ/dt = −∇E(θ) by forward Euler steps of ``dt`` up to ``t_end``.

    Returns
    -------
    ndarray, shape (n + 1, d)
        θ at times ``min(k·dt, t_end)``, k = 0…n, n = ceil(t_end/dt) (the
        last step is shortened to end exactly at ``t_end``).  Stops early at
        the last finite point if θ diverges.
    """
    if dt <= 0 or tau <= 0:
        raise ValueError("dt and tau must be > 0")
    theta = _theta0(theta0)
    n = int(np.ceil(t_end / dt - 1e-9)) if t_end > 0 else 0
    out = np.empty((n + 1, theta.size))
    out[0] = theta
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n):
            h = dt if k < n - 1 else t_end - k * dt
            g = np.asarray(grad_fn(theta.copy()), dtype=float).ravel()
            theta = theta - (h / tau) * g
            if not np.all(np.isfinite(theta)):
                return out[: k + 1].copy()
            out[k + 1] = theta
    return out
