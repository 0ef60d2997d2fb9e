"""Layers and multi-layer perceptrons on the autodiff engine (SPEC §4–§5).

Row vectors, as everywhere in NeuroLab: a batch is the rows of ``x``
(shape ``(N, n_in)``), a layer computes z = xW + b and h = σ(z) with
``W`` of shape ``(n_in, n_out)`` (``W[i, j]`` connects input i to unit j).

Activation names are those of :data:`neurolab.core.activations.ACTIVATIONS`
(logistic, arctan, tanh, threshold, relu, softplus, linear, …) plus
``"softmax"`` (over the units, for an output layer).

>>> net = MLP([2, 8, 1], "tanh", output_activation="logistic", seed=0)
>>> net(np.zeros((5, 2))).shape
(5, 1)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neurolab.core import autodiff as ad
from neurolab.core.activations import ACTIVATIONS
from neurolab.core.autodiff import Op, Var, needs_grad, result

__all__ = ["ACTIVATION_NAMES", "OUTPUT_ACTIVATIONS", "activate", "Dense", "MLP"]

_OPS: dict[str, Callable[[Var], Var]] = {
    "logistic": ad.logistic,
    "arctan": ad.arctan,
    "tanh": ad.tanh,
    "threshold": ad.threshold,
    "relu": ad.relu,
    "softplus": ad.softplus,
    "linear": ad.identity,
    "softmax": ad.softmax,
}

#: Every valid activation name: the registry's and softmax.
ACTIVATION_NAMES: tuple[str, ...] = (*ACTIVATIONS, *(k for k in _OPS if k not in ACTIVATIONS))
OUTPUT_ACTIVATIONS = ACTIVATION_NAMES

#: Initialisations chosen by activation when ``init=None``: He for ReLU-like units.
_HE = frozenset({"relu", "softplus"})


class _Elementwise(Op):
    """Fallback for a registry activation without a dedicated op: uses its f and df."""

    __slots__ = ("act",)

    def __init__(self, a, act):
        self.args = (a,)
        self.act = act

    @property
    def name(self):  # type: ignore[override]
        return self.act.name

    def backward(self, g):
        x = self.args[0].val
        return ((g * self.act.df(x)).astype(x.dtype, copy=False),)


def _check_name(name: str) -> str:
    if name not in _OPS and name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {list(ACTIVATION_NAMES)}")
    return name


def activate(name: str, z: Any) -> Var:
    """σ(z) for an activation name (dedicated autodiff op, or the registry's f/df)."""
    f = _OPS.get(name)
    if f is not None:
        return f(z)
    act = ACTIVATIONS[_check_name(name)]
    z = ad.as_var(z)
    out = np.asarray(act.f(z.val)).astype(np.asarray(z.val).dtype, copy=False)
    return result(out, _Elementwise(z, act) if needs_grad(z) else None)


def _init_weights(
    init: str | Callable | None,
    activation: str,
    rng: np.random.Generator,
    n_in: int,
    n_out: int,
) -> np.ndarray:
    if init is None:
        init = "he" if activation in _HE else "glorot"
    if callable(init):
        w = np.asarray(init(rng, (n_in, n_out)), dtype=float)
        if w.shape != (n_in, n_out):
            raise ValueError(f"init returned shape {w.shape}, expected {(n_in, n_out)}")
        return w
    if init == "glorot":  # uniform, Var = 2/(n_in + n_out)
        a = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-a, a, size=(n_in, n_out))
    if init == "he":  # normal, Var = 2/n_in
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
    if init == "zeros":
        return np.zeros((n_in, n_out))
    raise ValueError(f"unknown init {init!r}: use 'glorot', 'he', 'zeros' or a callable")


def _rng(rng: Any) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(0 if rng is None else rng)


class Dense:
    """A fully connected layer h = σ(xW + b).

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    activation : str
        A name from :data:`ACTIVATION_NAMES`.
    init : {"glorot", "he", "zeros"}, callable or None
        Weight initialisation; None picks He (normal, variance 2/n_in) for
        ReLU-like units (relu, softplus) and Glorot (uniform, variance
        2/(n_in + n_out)) for the others.  A callable gets ``(rng, shape)``.
        Biases start at 0.
    rng : numpy Generator, int seed or None (= seed 0)
    dtype : float64 (default) or float32
    name : str
        Prefix of the parameter names (``W<name>``, ``b<name>``).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str = "linear",
        init: str | Callable | None = None,
        rng: Any = None,
        dtype: Any = np.float64,
        name: str = "",
    ) -> None:
        self.n_in = int(n_in)
        self.n_out = int(n_out)
        if self.n_in < 1 or self.n_out < 1:
            raise ValueError("layer widths must be at least 1")
        self.activation = _check_name(activation)
        dtype = np.dtype(dtype)
        w = _init_weights(init, activation, _rng(rng), self.n_in, self.n_out)
        self.W = Var(w.astype(dtype), name=f"W{name}")
        self.b = Var(np.zeros(self.n_out, dtype=dtype), name=f"b{name}")

    def preactivation(self, x: Any) -> Var:
        """z = xW + b."""
        return ad.linear(x, self.W, self.b)

    def __call__(self, x: Any) -> Var:
        """h = σ(xW + b)."""
        return activate(self.activation, ad.linear(x, self.W, self.b))

    def parameters(self) -> list[Var]:
        """[W, b]."""
        return [self.W, self.b]

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation!r})"


class MLP:
    """A multi-layer perceptron: Dense layers with optional inverted dropout.

    Parameters
    ----------
    widths : sequence of int
        Layer widths including input and output, e.g. ``[64, 100, 10]``.
    activations : str or sequence of str
        Either one name, used for every *hidden* layer (the output layer then
        uses ``output_activation``, default ``"linear"``), or one name per
        layer (``len(widths) − 1`` names, the last one for the output layer;
        then ``output_activation`` must be None or that same name).
    seed : int
        Seeds the weight initialisation and, through an independent stream,
        the dropout masks.
    dropout : float
        Probability p ∈ [0, 1) of dropping each hidden unit in training
        (inverted dropout: kept units are scaled by 1/(1 − p); at evaluation
        the layer is the identity).  Not applied to inputs or outputs.
        Settable between steps (``net.dropout = 0.2``).
    output_activation : str, optional
        See ``activations``; ``"softmax"`` is allowed.
    init : see :class:`Dense` (applied to every layer).
    dtype : float64 (default) or float32.

    Attributes
    ----------
    layers : list of Dense
    activations : list of str
        The resolved activation of each layer.
    output_activation : str
    training : bool
        True (the default) after :meth:`train`, False after :meth:`eval`.
    """

    def __init__(
        self,
        widths: Sequence[int],
        activations: str | Sequence[str] = "relu",
        seed: int = 0,
        dropout: float = 0.0,
        *,
        output_activation: str | None = None,
        init: str | Callable | None = None,
        dtype: Any = np.float64,
    ) -> None:
        widths = [int(w) for w in widths]
        if len(widths) < 2:
            raise ValueError("widths needs at least an input and an output width")
        n_layers = len(widths) - 1
        if isinstance(activations, str):
            _check_name(activations)
            acts = [activations] * (n_layers - 1) + [output_activation or "linear"]
        else:
            acts = list(activations)
            if len(acts) != n_layers:
                raise ValueError(f"{n_layers} layers need {n_layers} activations, got {len(acts)}")
            if output_activation is not None and output_activation != acts[-1]:
                raise ValueError("output_activation contradicts the last entry of activations")
        for a in acts:
            _check_name(a)
        self.widths = widths
        self.activations = acts
        self.seed = int(seed)
        self.dtype = np.dtype(dtype)
        self.dropout = dropout
        self.training = True
        rng = np.random.default_rng(self.seed)
        self._drop_rng = np.random.default_rng([self.seed, 1])
        self.layers = [
            Dense(widths[i], widths[i + 1], acts[i], init, rng, self.dtype, name=str(i))
            for i in range(n_layers)
        ]

    # ---- modes and hyperparameters
    @property
    def dropout(self) -> float:
        return self._dropout

    @dropout.setter
    def dropout(self, p: float) -> None:
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self._dropout = p

    @property
    def output_activation(self) -> str:
        return self.activations[-1]

    def train(self) -> MLP:
        """Training mode: dropout active.  Returns self."""
        self.training = True
        return self

    def eval(self) -> MLP:
        """Evaluation mode: dropout is the identity.  Returns self."""
        self.training = False
        return self

    # ---- forward
    def _input(self, x: Any) -> Var:
        if type(x) is Var:
            return x
        return ad.result(np.asarray(x, dtype=self.dtype))

    def _hidden(self, h: Var, p: float) -> Var:
        mask = self._drop_rng.random(np.shape(h.val)) >= p
        return h * (mask * np.asarray(1.0 / (1.0 - p), dtype=self.dtype))

    def logits(self, x: Any) -> Var:
        """Pre-activation z of the output layer (for fused losses)."""
        h = self._input(x)
        p = self._dropout if self.training else 0.0
        layers = self.layers
        for layer in layers[:-1]:
            h = layer(h)
            if p > 0.0:
                h = self._hidden(h, p)
        return layers[-1].preactivation(h)

    def __call__(self, x: Any) -> Var:
        """The network's output y = σ_out(z) for inputs ``x`` (N, n_in) or (n_in,)."""
        return activate(self.activations[-1], self.logits(x))

    def predict(self, x: Any) -> np.ndarray:
        """Outputs as a numpy array, in evaluation mode and without recording a graph."""
        was = self.training
        self.training = False
        try:
            with ad.no_grad():
                return np.asarray(self(x).val)
        finally:
            self.training = was

    # ---- parameters and state
    def parameters(self) -> list[Var]:
        """[W0, b0, W1, b1, …]: the same Var objects for the model's lifetime."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's grad to None (zero)."""
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        return int(sum(p.val.size for p in self.parameters()))

    def state(self) -> dict[str, np.ndarray]:
        """Parameters and architecture as plain arrays (for ``np.savez``; no pickle).

        Keys: ``W0, b0, W1, b1, …`` (copies), ``widths`` (int array),
        ``activations`` (str array), ``dropout``, ``seed``.
        """
        d: dict[str, np.ndarray] = {p.name: np.array(p.val) for p in self.parameters()}
        d["widths"] = np.array(self.widths, dtype=np.int64)
        d["activations"] = np.array(self.activations, dtype=str)
        d["dropout"] = np.array(self._dropout)
        d["seed"] = np.array(self.seed, dtype=np.int64)
        return d

    def load_state(self, state: dict[str, Any]) -> None:
        """Copy parameters from ``state`` into this model's Vars (in place).

        The architecture keys, when present, must match.  Optimizers holding
        this model's parameters keep working.
        """
        if "widths" in state and list(np.asarray(state["widths"]).tolist()) != self.widths:
            raise ValueError(f"state is for widths {np.asarray(state['widths']).tolist()}")
        if "activations" in state:
            acts = [str(a) for a in np.asarray(state["activations"]).tolist()]
            if acts != self.activations:
                raise ValueError(f"state is for activations {acts}, model has {self.activations}")
        params = self.parameters()
        new = []
        for p in params:
            if p.name not in state:
                raise KeyError(f"state has no {p.name!r}")
            a = np.asarray(state[p.name])
            if a.shape != p.val.shape:
                raise ValueError(f"{p.name}: shape {a.shape} != {p.val.shape}")
            new.append(a)
        for p, a in zip(params, new, strict=True):
            p.val[...] = a
            p.grad = None
        if "dropout" in state:
            self.dropout = float(np.asarray(state["dropout"]))

    @classmethod
    def from_state(cls, state: dict[str, Any], dtype: Any = None) -> MLP:
        """A model rebuilt from :meth:`state` (e.g. ``np.load(path, allow_pickle=False)``)."""
        widths = np.asarray(state["widths"]).tolist()
        acts = [str(a) for a in np.asarray(state["activations"]).tolist()]
        seed = int(np.asarray(state.get("seed", 0)))
        if dtype is None:
            dtype = np.asarray(state["W0"]).dtype
        net = cls(widths, acts, seed=seed, dtype=dtype)
        net.load_state(state)
        return net

    def __repr__(self) -> str:
        return f"MLP({self.widths}, {self.activations}, seed={self.seed}, dropout={self._dropout})"
