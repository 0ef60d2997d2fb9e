"""Reverse-mode automatic differentiation on numpy arrays (SPEC §5, notes §9–§10).

Every value is a :class:`Var` with ``val`` (an array), ``grad`` (same shape, or
``None`` meaning "nothing accumulated yet", i.e. zero) and ``creator`` (the
:class:`Op` that made it, ``None`` for a leaf).  An :class:`Op` keeps its
arguments and, in ``backward(s)``, returns ``s · ∂op/∂arg`` for each of them.

:meth:`Var.backward` visits every node of the graph **once**, in reverse
topological order computed iteratively (graphs 100 000 ops deep are fine),
and accumulates (``+=``) the gradients where branches meet — the notes'
recursive backward gives the same numbers but revisits shared sub-graphs once
per path (exponential on deep DAGs).

>>> x = Var([1.0, 2.0, 3.0])
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([2., 4., 6.])

Conventions
-----------
* Values are float64 by default; float32 arrays stay float32 (Python scalars
  are "weak" and never promote them).  Integer/bool input becomes float64.
* Broadcasting is undone in backward by summing, so ``v.grad.shape ==
  v.val.shape`` always.
* Only leaves created with ``requires_grad=True`` (the default for
  ``Var(...)``) and results of ops on them record a graph; arrays and numbers
  mixed into a formula are constants.  Inside ``with no_grad():`` nothing is
  recorded at all (results have ``creator is None``) — use it for evaluation.
* Graphs are not reference cycles: a Var keeps its creator, an Op keeps its
  args and at most some arrays, nothing points back up.  A dropped graph is
  freed by reference counting alone (no garbage-collector work).
* Gradient arrays are never modified in place; ``grad`` arrays may therefore
  be shared between nodes (e.g. both arguments of ``a + b``).
* Kinks: ``relu``/``abs``/``threshold`` use derivative 0 at 0 (``abs`` uses
  sign(0) = 0); ``maximum``/``minimum`` and the ``max``/``min`` reductions split
  the gradient equally between tied entries; ``l2_norm`` has gradient 0 at 0.

New operations can be written outside this module: subclass :class:`Op`
(``__slots__``, a ``name`` and ``backward(g) -> tuple`` of one gradient or
``None`` per argument) and return ``result(value, op)`` when
``needs_grad(*args)`` is true, else ``result(value)`` (see ``losses.py``).
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = [
    "Var",
    "Op",
    "no_grad",
    "is_grad_enabled",
    "needs_grad",
    "result",
    "as_var",
    "graph",
    "graph_order",
    "grad",
    "value_and_grad",
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "power",
    "matmul",
    "linear",
    "sum",
    "mean",
    "reshape",
    "transpose",
    "getitem",
    "concatenate",
    "stack",
    "exp",
    "log",
    "sin",
    "cos",
    "tanh",
    "logistic",
    "arctan",
    "relu",
    "softplus",
    "threshold",
    "identity",
    "abs",
    "maximum",
    "minimum",
    "max",
    "min",
    "softmax",
    "log_softmax",
    "l1_norm",
    "l2_norm",
]

_SCALARS = (int, float)

# ---- state


# Creation stamps: a Var is always created after its arguments, so sorting the
# reachable nodes by stamp is a topological order (no recursion, no DFS bookkeeping).
_next_n = itertools.count().__next__


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


class no_grad:  # noqa: N801  (used like a function: ``with no_grad():``)
    """Context manager (and decorator) in which operations record no graph.

    Per thread: evaluation in one thread does not switch off recording in
    another.  Nesting is allowed.
    """

    __slots__ = ("_prev",)

    def __enter__(self) -> no_grad:
        self._prev = _mode.enabled
        _mode.enabled = False
        return self

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)

        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


def is_grad_enabled() -> bool:
    """False inside ``with no_grad():`` (in this thread)."""
    return _mode.enabled


# ---- Var


def _to_array(value: Any, dtype: Any = None) -> np.ndarray:
    if dtype is not None:
        return np.asarray(value, dtype=dtype)
    a = np.asarray(value)
    if a.dtype != np.float64 and a.dtype != np.float32:
        a = a.astype(np.float64)
    return a


class Var:
    """A node of the expression graph: an array value with its gradient.

    Parameters
    ----------
    value : array_like
        The value.  float32 and float64 arrays are used as they are (no copy:
        an optimizer updating the Var in place updates that array); anything
        else is converted to float64 (or to ``dtype``).
    name : str, optional
        A label for :func:`graph` and the GUI.
    requires_grad : bool
        Whether gradients flow to this leaf (default True).  Data and targets
        can use False to save work.
    dtype : numpy dtype, optional
        Force a dtype.

    Attributes
    ----------
    val : numpy.ndarray
        The value (results of 0-d operations may be numpy scalars, which read
        the same).
    grad : numpy.ndarray or None
        ∂(root)/∂(this), accumulated over ``backward`` calls; None until a
        backward pass reaches this node (or after :meth:`zero_grad`).
    creator : Op or None
        The operation that produced this Var; None for leaves and for results
        computed under :class:`no_grad`.
    """

    __slots__ = ("val", "grad", "creator", "name", "requires_grad", "_g", "_n", "__weakref__")
    __array_ufunc__ = None  # ``ndarray * Var`` defers to Var.__rmul__

    def __init__(
        self,
        value: Any,
        name: str | None = None,
        requires_grad: bool = True,
        dtype: Any = None,
    ) -> None:
        if type(value) is Var:
            value = value.val
        self.val = _to_array(value, dtype)
        self.grad = None
        self.creator = None
        self.name = name
        self.requires_grad = bool(requires_grad)
        self._g = None
        self._n = _next_n()

    # ---- array-like read access
    @property
    def shape(self) -> tuple[int, ...]:
        return self.val.shape

    @property
    def ndim(self) -> int:
        return self.val.ndim

    @property
    def size(self) -> int:
        return self.val.size

    @property
    def dtype(self) -> np.dtype:
        return self.val.dtype

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    def numpy(self) -> np.ndarray:
        """The value as an ndarray (not a copy)."""
        return np.asarray(self.val)

    def item(self) -> float:
        return float(self.val)

    def __len__(self) -> int:
        return len(self.val)

    def __repr__(self) -> str:
        op = self.creator.name if self.creator is not None else "leaf"
        nm = f"{self.name!r}, " if self.name else ""
        return f"Var({nm}{op}, shape={self.shape}, val={np.asarray(self.val)!r})"

    def detach(self) -> Var:
        """A new leaf sharing the value, with no graph and no gradient."""
        return _new(self.val, None, False)

    # ---- gradients
    def backward(self, grad: Any = None) -> None:
        """Accumulate d(self)/d(node) into ``node.grad`` for every node of the graph.

        Parameters
        ----------
        grad : array_like, optional
            The seed ∂E/∂self, of ``self.shape``.  Required unless ``self`` has
            a single element (then it defaults to 1).
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a Var that does not require grad")
        if grad is None:
            if np.size(self.val) != 1:
                raise ValueError(
                    f"backward() without a seed needs a scalar, got shape {self.shape}; "
                    "pass grad= of the value's shape"
                )
            seed = np.ones_like(self.val)
        else:
            seed = np.asarray(grad, dtype=np.asarray(self.val).dtype)
            if seed.shape != np.shape(self.val):
                raise ValueError(f"seed gradient shape {seed.shape} != value shape {self.shape}")
        _backward(self, seed)

    def zero_grad(self) -> None:
        """Set ``grad`` to None (zero) on this Var and every node of its graph."""
        for v in _toposort(self):
            v.grad = None

    # ---- operators
    def __add__(self, other: Any) -> Var:
        return add(self, other)

    def __radd__(self, other: Any) -> Var:
        return add(other, self)

    def __sub__(self, other: Any) -> Var:
        return sub(self, other)

    def __rsub__(self, other: Any) -> Var:
        return sub(other, self)

    def __mul__(self, other: Any) -> Var:
        return mul(self, other)

    def __rmul__(self, other: Any) -> Var:
        return mul(other, self)

    def __truediv__(self, other: Any) -> Var:
        return div(self, other)

    def __rtruediv__(self, other: Any) -> Var:
        return div(other, self)

    def __neg__(self) -> Var:
        return neg(self)

    def __pos__(self) -> Var:
        return self

    def __pow__(self, other: Any) -> Var:
        return power(self, other)

    def __rpow__(self, other: Any) -> Var:
        return power(other, self)

    def __matmul__(self, other: Any) -> Var:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Var:
        return matmul(other, self)

    def __abs__(self) -> Var:
        return abs(self)

    def __getitem__(self, index: Any) -> Var:
        return getitem(self, index)

    # ---- methods mirroring the module functions
    @property
    def T(self) -> Var:  # noqa: N802
        return transpose(self)

    def transpose(self, *axes: int) -> Var:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return transpose(self, axes or None)

    def reshape(self, *shape: Any) -> Var:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Var:
        return sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Var:
        return mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Var:
        return max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Var:
        return min(self, axis, keepdims)

    def exp(self) -> Var:
        return exp(self)

    def log(self) -> Var:
        return log(self)

    def sin(self) -> Var:
        return sin(self)

    def cos(self) -> Var:
        return cos(self)

    def tanh(self) -> Var:
        return tanh(self)

    def logistic(self) -> Var:
        return logistic(self)

    def arctan(self) -> Var:
        return arctan(self)

    def relu(self) -> Var:
        return relu(self)

    def softplus(self) -> Var:
        return softplus(self)

    def threshold(self) -> Var:
        return threshold(self)

    def softmax(self, axis: int = -1) -> Var:
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Var:
        return log_softmax(self, axis)


def _new(val: Any, creator: Op | None, requires_grad: bool) -> Var:
    """Fast internal constructor (no conversion)."""
    v = Var.__new__(Var)
    v.val = val
    v.grad = None
    v.creator = creator
    v.name = None
    v.requires_grad = requires_grad
    v._g = None
    v._n = _next_n()
    return v


def as_var(x: Any) -> Var:
    """``x`` itself if it is a Var, else a constant (``requires_grad=False``) leaf."""
    if type(x) is Var:
        return x
    return _new(_to_array(x), None, False)


def _c(x: Any) -> Var:
    """Like as_var, but a Python number stays a (weak) Python number: float32 is kept."""
    if type(x) is Var:
        return x
    if isinstance(x, _SCALARS):
        return _new(x, None, False)
    return _new(_to_array(x), None, False)


_const = _c


def needs_grad(*args: Var) -> bool:
    """True if an op on ``args`` must record itself: recording is on and an arg needs grad."""
    if not _mode.enabled:
        return False
    for a in args:
        if a.requires_grad:
            return True
    return False


def result(value: Any, op: Op | None = None) -> Var:
    """The output Var of an operation: recorded with ``op`` as creator, or a constant."""
    if op is None:
        return _new(value, None, False)
    return _new(value, op, True)


# ---- Op


class Op:
    """An operation recorded on the forward pass.

    Subclasses set ``name``, keep what backward needs in ``__slots__`` (arrays,
    never the output Var) and implement ``backward(g)``: given ``g`` = ∂E/∂out
    (the output's shape) return a tuple with ∂E/∂arg for each of ``self.args``
    (the arg's shape), or None for args that do not need a gradient.
    """

    __slots__ = ("args",)
    name = "op"

    def __init__(self, *args: Var) -> None:
        self.args = args

    def backward(self, g: Any) -> tuple:
        raise NotImplementedError

    def label(self) -> str:
        """Short text for a graph drawing (name plus constant operands)."""
        return self.name


_by_stamp = operator.attrgetter("_n")


def _toposort(root: Var) -> list[Var]:
    """Vars reachable from ``root`` that require grad, arguments before results.

    Iterative: collect the reachable nodes with an explicit stack, then sort
    them by creation stamp (every Var is created after its arguments).
    """
    nodes: list[Var] = [root]
    seen = {id(root)}
    stack = [root]
    push = stack.append
    pop = stack.pop
    keep = nodes.append
    mark = seen.add
    while stack:
        op = pop().creator
        if op is None:
            continue
        for a in op.args:
            if a.requires_grad:
                i = id(a)
                if i not in seen:
                    mark(i)
                    push(a)
                    keep(a)
    nodes.sort(key=_by_stamp)
    return nodes


def _backward(root: Var, seed: Any) -> None:
    order = _toposort(root)
    root._g = seed
    for v in reversed(order):
        g = v._g
        if g is None:
            continue
        v._g = None
        old = v.grad
        op = v.creator
        if op is None:
            # a leaf's grad is what users and optimizers read: a real array of its dtype
            dt = v.val.dtype
            if g.dtype != dt:
                g = g.astype(dt)
            elif not g.flags.writeable:
                g = g.copy()
            v.grad = g if old is None else old + g
            continue
        v.grad = g if old is None else old + g
        grads = op.backward(g)
        for a, ga in zip(op.args, grads, strict=False):
            if ga is not None:
                prev = a._g
                a._g = ga if prev is None else prev + ga


def _unb(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape`` (undo numpy broadcasting)."""
    gs = np.shape(g)
    if gs == shape:
        return g
    n = len(gs) - len(shape)
    if n > 0:
        g = np.sum(g, axis=tuple(range(n)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape)


# ---- arithmetic


class _Add(Op):
    __slots__ = ()
    name = "add"

    def backward(self, g):
        a, b = self.args
        gs = g.shape
        return (
            (g if a.val.shape == gs else _unb(g, a.val.shape)) if a.requires_grad else None,
            (g if b.val.shape == gs else _unb(g, b.val.shape)) if b.requires_grad else None,
        )


class _AddConst(Op):
    __slots__ = ("c",)
    name = "add"

    def __init__(self, a, c):
        self.args = (a,)
        self.c = c

    def backward(self, g):
        sa = self.args[0].val.shape
        return (g if g.shape == sa else _unb(g, sa),)

    def label(self):
        return f"add {_short(self.c)}"


class _Sub(Op):
    __slots__ = ()
    name = "sub"

    def backward(self, g):
        a, b = self.args
        return (
            _unb(g, a.val.shape) if a.requires_grad else None,
            _unb(-g, b.val.shape) if b.requires_grad else None,
        )


class _Mul(Op):
    __slots__ = ()
    name = "mul"

    def backward(self, g):
        a, b = self.args
        av, bv = a.val, b.val
        ga = gb = None
        if a.requires_grad:
            ga = g * bv
            if ga.shape != av.shape:
                ga = _unb(ga, av.shape)
        if b.requires_grad:
            gb = g * av
            if gb.shape != bv.shape:
                gb = _unb(gb, bv.shape)
        return (ga, gb)


class _MulConst(Op):
    __slots__ = ("c",)
    name = "mul"

    def __init__(self, a, c):
        self.args = (a,)
        self.c = c

    def backward(self, g):
        sa = self.args[0].val.shape
        ga = g * self.c
        return (ga if ga.shape == sa else _unb(ga, sa),)

    def label(self):
        return f"mul {_short(self.c)}"


class _Div(Op):
    __slots__ = ("out",)
    name = "div"

    def __init__(self, a, b, out):
        self.args = (a, b)
        self.out = out

    def backward(self, g):
        a, b = self.args
        gb_ = g / b.val
        return (
            _unb(gb_, a.val.shape) if a.requires_grad else None,
            _unb(-gb_ * self.out, b.val.shape) if b.requires_grad else None,
        )


class _Neg(Op):
    __slots__ = ()
    name = "neg"

    def backward(self, g):
        return (-g,)


def _short(c: Any) -> str:
    if isinstance(c, _SCALARS):
        return f"{c:g}"
    c = np.asarray(c)
    return f"{c.item():g}" if c.size == 1 else f"const{c.shape}"


def add(a: Any, b: Any) -> Var:
    """a + b with numpy broadcasting."""
    if type(b) is not Var:
        if type(a) is not Var:
            return as_var(np.add(as_var(a).val, as_var(b).val))
        if isinstance(b, _SCALARS):
            out = a.val + b
            if a.requires_grad and _mode.enabled:
                return _new(out, _AddConst(a, b), True)
            return _new(out, None, False)
        b = _const(b)
    elif type(a) is not Var:
        if isinstance(a, _SCALARS):
            out = a + b.val
            if b.requires_grad and _mode.enabled:
                return _new(out, _AddConst(b, a), True)
            return _new(out, None, False)
        a = _const(a)
    out = a.val + b.val
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _Add(a, b), True)
    return _new(out, None, False)


def sub(a: Any, b: Any) -> Var:
    """a − b with numpy broadcasting."""
    if type(b) is not Var and isinstance(b, _SCALARS):
        return add(a, -b)
    a = _c(a)
    b = _c(b)
    out = a.val - b.val
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _Sub(a, b), True)
    return _new(out, None, False)


def mul(a: Any, b: Any) -> Var:
    """a × b elementwise with numpy broadcasting."""
    if type(b) is not Var:
        if type(a) is not Var:
            return as_var(np.multiply(as_var(a).val, as_var(b).val))
    elif type(a) is not Var:
        a, b = b, a
    else:
        out = a.val * b.val
        if (a.requires_grad or b.requires_grad) and _mode.enabled:
            return _new(out, _Mul(a, b), True)
        return _new(out, None, False)
    # a is a Var, b a constant
    if not isinstance(b, _SCALARS):
        b = _to_array(b)
    out = a.val * b
    if a.requires_grad and _mode.enabled:
        return _new(out, _MulConst(a, b), True)
    return _new(out, None, False)


def div(a: Any, b: Any) -> Var:
    """a ÷ b elementwise with numpy broadcasting."""
    if type(b) is not Var and isinstance(b, _SCALARS):
        return mul(a, 1.0 / b)
    a = _c(a)
    b = _c(b)
    out = a.val / b.val
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _Div(a, b, out), True)
    return _new(out, None, False)


def neg(a: Any) -> Var:
    """−a."""
    a = as_var(a)
    out = -a.val
    if a.requires_grad and _mode.enabled:
        return _new(out, _Neg(a), True)
    return _new(out, None, False)


class _PowConst(Op):
    __slots__ = ("p",)
    name = "pow"

    def __init__(self, a, p):
        self.args = (a,)
        self.p = p

    def backward(self, g):
        a = self.args[0].val
        p = self.p
        if p == 2:
            return (g * (2 * a),)
        return (g * (p * a ** (p - 1)),)

    def label(self):
        return f"pow {_short(self.p)}"


class _Pow(Op):
    """a ** b with both (possibly) variable; ∂/∂b = out · ln a (0 where a ≤ 0)."""

    __slots__ = ("out",)
    name = "pow"

    def __init__(self, a, b, out):
        self.args = (a, b)
        self.out = out

    def backward(self, g):
        a, b = self.args
        av, bv = a.val, b.val
        ga = gb = None
        if a.requires_grad:
            ga = _unb(g * bv * av ** (bv - 1), av.shape)
        if b.requires_grad:
            pos = av > 0
            lna = np.log(np.where(pos, av, 1), dtype=np.result_type(av, 1.0))
            gb = _unb(g * self.out * np.where(pos, lna, 0), np.shape(bv))
        return (ga, gb)


def power(a: Any, b: Any) -> Var:
    """a ** b.  ``b`` may be a number (power rule), a Var (then ∂/∂b = aᵇ ln a,
    defined as 0 where a ≤ 0), and ``a`` may be a positive constant (aˣ)."""
    if type(b) is not Var and isinstance(b, _SCALARS):
        a = as_var(a)
        out = a.val**b
        if a.requires_grad and _mode.enabled:
            return _new(out, _PowConst(a, b), True)
        return _new(out, None, False)
    a = _c(a)
    b = _c(b)
    out = a.val**b.val
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _Pow(a, b, out), True)
    return _new(out, None, False)


# ---- linear algebra


class _MatMul(Op):
    __slots__ = ()
    name = "matmul"

    def backward(self, g):
        a, b = self.args
        av, bv = a.val, b.val
        ga = gb = None
        if av.ndim == 2 and bv.ndim == 2:
            if a.requires_grad:
                ga = g @ bv.T
            if b.requires_grad:
                gb = av.T @ g
        else:
            a2 = av.reshape(1, -1) if av.ndim == 1 else av
            b2 = bv.reshape(-1, 1) if bv.ndim == 1 else bv
            g2 = np.reshape(g, (a2.shape[0], b2.shape[1]))
            if a.requires_grad:
                ga = (g2 @ b2.T).reshape(av.shape)
            if b.requires_grad:
                gb = (a2.T @ g2).reshape(bv.shape)
        return (ga, gb)


def matmul(a: Any, b: Any) -> Var:
    """a @ b for 1-D and 2-D operands (vector or matrix on either side)."""
    a = as_var(a)
    b = as_var(b)
    if not (1 <= a.val.ndim <= 2 and 1 <= b.val.ndim <= 2):
        raise ValueError(f"matmul takes 1-D or 2-D operands, got {a.shape} and {b.shape}")
    out = a.val @ b.val
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _MatMul(a, b), True)
    return _new(out, None, False)


class _Linear(Op):
    __slots__ = ()
    name = "linear"

    def backward(self, g):
        args = self.args
        x, w = args[0], args[1]
        xv = x.val
        gx = gw = gb = None
        if x.requires_grad:
            gx = g @ w.val.T
        if w.requires_grad:
            gw = xv.T @ g if xv.ndim == 2 else np.multiply.outer(xv, g)
        if len(args) == 3 and args[2].requires_grad:
            gb = g.sum(axis=0) if g.ndim == 2 else g
        return (gx, gw, gb)


def linear(x: Any, W: Any, b: Any = None) -> Var:  # noqa: N803
    """The fused layer op ``x @ W + b`` (row vectors, SPEC §4).

    Parameters
    ----------
    x : Var or array, shape (N, n_in) or (n_in,)
    W : Var, shape (n_in, n_out)
    b : Var, shape (n_out,), optional
    """
    x = as_var(x)
    W = as_var(W)  # noqa: N806
    if x.val.ndim not in (1, 2) or W.val.ndim != 2:
        raise ValueError(f"linear takes x (N, n_in) or (n_in,) and W 2-D, got {x.shape}, {W.shape}")
    out = x.val @ W.val
    if b is None:
        args = (x, W)
    else:
        b = as_var(b)
        out += b.val
        args = (x, W, b)
    if _mode.enabled:
        for a in args:
            if a.requires_grad:
                return _new(out, _Linear(*args), True)
    return _new(out, None, False)


# ---- reductions


def _norm_axis(axis: Any, ndim: int) -> tuple[int, ...] | None:
    if axis is None:
        return None
    if isinstance(axis, int | np.integer):
        axis = (int(axis),)
    return tuple(sorted(int(ax) % ndim if ndim else 0 for ax in axis))


def _expand(g: Any, shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdims: bool) -> Any:
    """Reshape a reduced gradient so it broadcasts against ``shape``."""
    if axis is None:
        return np.reshape(g, (1,) * len(shape)) if not keepdims else g
    if keepdims:
        return g
    return np.expand_dims(g, axis)


class _Sum(Op):
    __slots__ = ("axis", "keepdims")
    name = "sum"

    def __init__(self, a, axis, keepdims):
        self.args = (a,)
        self.axis = axis
        self.keepdims = keepdims

    def backward(self, g):
        shape = self.args[0].val.shape
        return (np.broadcast_to(_expand(g, shape, self.axis, self.keepdims), shape),)

    def label(self):
        return "sum" if self.axis is None else f"sum axis={_axis_text(self.axis)}"


class _Mean(_Sum):
    __slots__ = ("n",)
    name = "mean"

    def __init__(self, a, axis, keepdims, n):
        super().__init__(a, axis, keepdims)
        self.n = n

    def backward(self, g):
        shape = self.args[0].val.shape
        return (np.broadcast_to(_expand(g, shape, self.axis, self.keepdims) / self.n, shape),)

    def label(self):
        return "mean" if self.axis is None else f"mean axis={_axis_text(self.axis)}"


def _axis_text(axis: tuple[int, ...]) -> str:
    return str(axis[0]) if len(axis) == 1 else str(axis)


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Var:  # noqa: A001
    """Sum over ``axis`` (None = all, an int, or a tuple), like ``np.sum``."""
    a = as_var(a)
    ax = _norm_axis(axis, a.val.ndim)
    out = np.sum(a.val, axis=ax, keepdims=keepdims)
    if a.requires_grad and _mode.enabled:
        return _new(out, _Sum(a, ax, keepdims), True)
    return _new(out, None, False)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Var:
    """Mean over ``axis`` (None = all, an int, or a tuple), like ``np.mean``."""
    a = as_var(a)
    ax = _norm_axis(axis, a.val.ndim)
    out = np.mean(a.val, axis=ax, keepdims=keepdims)
    if a.requires_grad and _mode.enabled:
        n = a.val.size if ax is None else int(np.prod([a.val.shape[i] for i in ax]))
        return _new(out, _Mean(a, ax, keepdims, n), True)
    return _new(out, None, False)


class _MaxRed(Op):
    """max/min over axes; the gradient is split equally between tied extrema."""

    __slots__ = ("axis", "keepdims", "out", "kind")

    def __init__(self, a, axis, keepdims, out, kind):
        self.args = (a,)
        self.axis = axis
        self.keepdims = keepdims
        self.out = out
        self.kind = kind

    @property
    def name(self):  # type: ignore[override]
        return self.kind

    def backward(self, g):
        av = self.args[0].val
        shape = av.shape
        mask = av == _expand(self.out, shape, self.axis, self.keepdims)
        count = np.sum(mask, axis=self.axis, keepdims=True)
        return (mask * (_expand(g, shape, self.axis, self.keepdims) / count),)

    def label(self):
        return self.kind if self.axis is None else f"{self.kind} axis={_axis_text(self.axis)}"


def _reduce_ext(a: Any, axis: Any, keepdims: bool, kind: str) -> Var:
    a = as_var(a)
    ax = _norm_axis(axis, a.val.ndim)
    f = np.max if kind == "max" else np.min
    out = f(a.val, axis=ax, keepdims=keepdims)
    if a.requires_grad and _mode.enabled:
        return _new(out, _MaxRed(a, ax, keepdims, out, kind), True)
    return _new(out, None, False)


def max(a: Any, axis: Any = None, keepdims: bool = False) -> Var:  # noqa: A001
    """Largest entry over ``axis``; ties share the gradient equally."""
    return _reduce_ext(a, axis, keepdims, "max")


def min(a: Any, axis: Any = None, keepdims: bool = False) -> Var:  # noqa: A001
    """Smallest entry over ``axis``; ties share the gradient equally."""
    return _reduce_ext(a, axis, keepdims, "min")


class _L1(Op):
    __slots__ = ()
    name = "l1_norm"

    def backward(self, g):
        return (g * np.sign(self.args[0].val),)


class _L2(Op):
    __slots__ = ("out",)
    name = "l2_norm"

    def __init__(self, a, out):
        self.args = (a,)
        self.out = out

    def backward(self, g):
        av = self.args[0].val
        if self.out == 0:
            return (np.zeros_like(av),)
        return (av * (g / self.out),)


def l1_norm(a: Any) -> Var:
    """Σ|θ| over all entries (SPEC §1); gradient sign(θ), 0 at 0."""
    a = as_var(a)
    out = np.sum(np.abs(a.val))
    if a.requires_grad and _mode.enabled:
        return _new(out, _L1(a), True)
    return _new(out, None, False)


def l2_norm(a: Any) -> Var:
    """Frobenius norm sqrt(Σθ²) over all entries (SPEC §1); gradient θ/‖θ‖, defined 0 at θ = 0."""
    a = as_var(a)
    out = np.sqrt(np.sum(a.val * a.val))
    if a.requires_grad and _mode.enabled:
        return _new(out, _L2(a, out), True)
    return _new(out, None, False)


# ---- shape


class _Reshape(Op):
    __slots__ = ()
    name = "reshape"

    def backward(self, g):
        return (np.reshape(g, self.args[0].val.shape),)


def reshape(a: Any, shape: Any) -> Var:
    """The value with a new shape (``-1`` allowed)."""
    a = as_var(a)
    out = np.reshape(a.val, shape)
    if a.requires_grad and _mode.enabled:
        return _new(out, _Reshape(a), True)
    return _new(out, None, False)


class _Transpose(Op):
    __slots__ = ("axes",)
    name = "transpose"

    def __init__(self, a, axes):
        self.args = (a,)
        self.axes = axes

    def backward(self, g):
        if self.axes is None:
            return (np.transpose(g),)
        return (np.transpose(g, np.argsort(self.axes)),)


def transpose(a: Any, axes: Sequence[int] | None = None) -> Var:
    """Reverse the axes (``.T``) or permute them as ``axes``."""
    a = as_var(a)
    if axes is not None:
        axes = tuple(int(ax) for ax in axes)
    out = np.transpose(a.val, axes)
    if a.requires_grad and _mode.enabled:
        return _new(out, _Transpose(a, axes), True)
    return _new(out, None, False)


def _is_basic_index(index: Any) -> bool:
    """True unless the index holds an integer array (which may repeat entries)."""
    if not isinstance(index, tuple):
        index = (index,)
    for i in index:
        if isinstance(i, np.ndarray) and i.dtype != np.bool_:
            return False
    return True


class _GetItem(Op):
    __slots__ = ("index", "basic")
    name = "getitem"

    def __init__(self, a, index, basic):
        self.args = (a,)
        self.index = index
        self.basic = basic

    def backward(self, g):
        av = self.args[0].val
        ga = np.zeros(av.shape, dtype=np.result_type(av, g))
        if self.basic:
            ga[self.index] = g
        else:
            np.add.at(ga, self.index, g)  # repeated indices accumulate
        return (ga,)

    def label(self):
        return "getitem" if not self.basic else f"[{_index_text(self.index)}]"


def _index_text(index: Any) -> str:
    if not isinstance(index, tuple):
        index = (index,)
    parts = []
    for i in index:
        if isinstance(i, slice):
            parts.append(
                ("" if i.start is None else str(i.start))
                + ":"
                + ("" if i.stop is None else str(i.stop))
                + ("" if i.step is None else f":{i.step}")
            )
        elif isinstance(i, np.ndarray):
            parts.append("mask" if i.dtype == np.bool_ else "array")
        else:
            parts.append("..." if i is Ellipsis else "None" if i is None else str(i))
    return ", ".join(parts)


def getitem(a: Any, index: Any) -> Var:
    """``a[index]``: ints, slices, None, Ellipsis, boolean masks and integer arrays
    (repeated integer indices accumulate their gradients, via ``np.add.at``)."""
    a = as_var(a)
    if type(index) is Var:
        index = index.val
    if isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, tuple):
        index = tuple(np.asarray(i) if isinstance(i, list) else i for i in index)
    out = a.val[index]
    if a.requires_grad and _mode.enabled:
        return _new(out, _GetItem(a, index, _is_basic_index(index)), True)
    return _new(out, None, False)


class _Concat(Op):
    __slots__ = ("axis", "splits")
    name = "concatenate"

    def __init__(self, args, axis, splits):
        self.args = args
        self.axis = axis
        self.splits = splits

    def backward(self, g):
        parts = np.split(g, self.splits, axis=self.axis)
        return tuple(p if a.requires_grad else None for a, p in zip(self.args, parts, strict=True))


def concatenate(vs: Iterable[Any], axis: int = 0) -> Var:
    """Join Vars along an existing axis, like ``np.concatenate``."""
    args = tuple(as_var(v) for v in vs)
    out = np.concatenate([a.val for a in args], axis=axis)
    if needs_grad(*args):
        ax = axis % out.ndim
        splits = np.cumsum([a.val.shape[ax] for a in args[:-1]])
        return _new(out, _Concat(args, ax, splits), True)
    return _new(out, None, False)


class _Stack(Op):
    __slots__ = ("axis",)
    name = "stack"

    def __init__(self, args, axis):
        self.args = args
        self.axis = axis

    def backward(self, g):
        return tuple(
            np.take(g, i, axis=self.axis) if a.requires_grad else None
            for i, a in enumerate(self.args)
        )


def stack(vs: Iterable[Any], axis: int = 0) -> Var:
    """Join Vars of one shape along a new axis, like ``np.stack``."""
    args = tuple(as_var(v) for v in vs)
    out = np.stack([a.val for a in args], axis=axis)
    if needs_grad(*args):
        return _new(out, _Stack(args, axis % out.ndim), True)
    return _new(out, None, False)


# ---- elementwise functions


class _Exp(Op):
    __slots__ = ("out",)
    name = "exp"

    def __init__(self, a, out):
        self.args = (a,)
        self.out = out

    def backward(self, g):
        return (g * self.out,)


class _Log(Op):
    __slots__ = ()
    name = "log"

    def backward(self, g):
        return (g / self.args[0].val,)


class _Sin(Op):
    __slots__ = ()
    name = "sin"

    def backward(self, g):
        return (g * np.cos(self.args[0].val),)


class _Cos(Op):
    __slots__ = ()
    name = "cos"

    def backward(self, g):
        return (-g * np.sin(self.args[0].val),)


class _Tanh(Op):
    __slots__ = ("out",)
    name = "tanh"

    def __init__(self, a, out):
        self.args = (a,)
        self.out = out

    def backward(self, g):
        y = self.out
        return (g * (1 - y * y),)


class _Logistic(Op):
    __slots__ = ("out",)
    name = "logistic"

    def __init__(self, a, out):
        self.args = (a,)
        self.out = out

    def backward(self, g):
        y = self.out
        return (g * (y * (1 - y)),)


class _Arctan(Op):
    __slots__ = ()
    name = "arctan"

    def backward(self, g):
        x = self.args[0].val
        with np.errstate(over="ignore"):  # x² = inf gives the right limit 0
            return (g / (1 + x * x),)


class _Relu(Op):
    __slots__ = ("out",)
    name = "relu"

    def __init__(self, a, out):
        self.args = (a,)
        self.out = out

    def backward(self, g):
        return (g * (self.out > 0),)


class _Softplus(Op):
    __slots__ = ()
    name = "softplus"

    def backward(self, g):
        return (g * expit(self.args[0].val),)


class _Threshold(Op):
    __slots__ = ()
    name = "threshold"

    def backward(self, g):
        return (None,)  # derivative 0 everywhere (δ at 0 ignored)


class _Abs(Op):
    __slots__ = ()
    name = "abs"

    def backward(self, g):
        return (g * np.sign(self.args[0].val),)


def _unary(a: Any, f: Callable, op_cls: type, keep_out: bool) -> Var:
    a = as_var(a)
    out = f(a.val)
    if a.requires_grad and _mode.enabled:
        return _new(out, op_cls(a, out) if keep_out else op_cls(a), True)
    return _new(out, None, False)


def exp(a: Any) -> Var:
    """eˣ."""
    return _unary(a, np.exp, _Exp, True)


def log(a: Any) -> Var:
    """Natural logarithm."""
    return _unary(a, np.log, _Log, False)


def sin(a: Any) -> Var:
    """sin x."""
    return _unary(a, np.sin, _Sin, False)


def cos(a: Any) -> Var:
    """cos x."""
    return _unary(a, np.cos, _Cos, False)


def tanh(a: Any) -> Var:
    """tanh x."""
    return _unary(a, np.tanh, _Tanh, True)


def logistic(a: Any) -> Var:
    """1 / (1 + e^(−x)), exact and warning-free at both tails."""
    return _unary(a, expit, _Logistic, True)


def arctan(a: Any) -> Var:
    """arctan x."""
    return _unary(a, np.arctan, _Arctan, False)


def _relu_f(x: Any) -> Any:
    return np.maximum(x, 0)


def relu(a: Any) -> Var:
    """max(0, x); derivative 0 at 0."""
    return _unary(a, _relu_f, _Relu, True)


def _softplus_f(x: Any) -> Any:
    return np.logaddexp(0, x)


def softplus(a: Any) -> Var:
    """log(1 + eˣ) computed as logaddexp(0, x): no overflow; derivative logistic(x)."""
    return _unary(a, _softplus_f, _Softplus, False)


def _threshold_f(x: Any) -> Any:
    return (x >= 0).astype(x.dtype)


def threshold(a: Any) -> Var:
    """Heaviside: 0 for x < 0, 1 for x ≥ 0; gradient 0."""
    return _unary(a, _threshold_f, _Threshold, False)


def identity(a: Any) -> Var:
    """The input itself (the "linear" activation): no op is recorded."""
    return as_var(a)


def abs(a: Any) -> Var:  # noqa: A001
    """|x|; derivative sign(x), 0 at 0."""
    return _unary(a, np.abs, _Abs, False)


class _MaxMin(Op):
    """Elementwise maximum/minimum of two Vars; ties split the gradient ½–½."""

    __slots__ = ("kind",)

    def __init__(self, a, b, kind):
        self.args = (a, b)
        self.kind = kind

    @property
    def name(self):  # type: ignore[override]
        return self.kind

    def backward(self, g):
        a, b = self.args
        av, bv = a.val, b.val
        wa = (av > bv) if self.kind == "maximum" else (av < bv)
        wa = wa + 0.5 * (av == bv)
        return (
            _unb(g * wa, av.shape) if a.requires_grad else None,
            _unb(g * (1 - wa), bv.shape) if b.requires_grad else None,
        )


def maximum(a: Any, b: Any) -> Var:
    """Elementwise max(a, b) with broadcasting; at ties each side gets half the gradient."""
    a = _c(a)
    b = _c(b)
    out = np.maximum(a.val, b.val)
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _MaxMin(a, b, "maximum"), True)
    return _new(out, None, False)


def minimum(a: Any, b: Any) -> Var:
    """Elementwise min(a, b) with broadcasting; at ties each side gets half the gradient."""
    a = _c(a)
    b = _c(b)
    out = np.minimum(a.val, b.val)
    if (a.requires_grad or b.requires_grad) and _mode.enabled:
        return _new(out, _MaxMin(a, b, "minimum"), True)
    return _new(out, None, False)


# ---- softmax


def _softmax_np(x: Any, axis: int) -> Any:
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax_np(x: Any, axis: int) -> Any:
    z = x - np.max(x, axis=axis, keepdims=True)
    z -= np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return z


class _Softmax(Op):
    __slots__ = ("out", "axis")
    name = "softmax"

    def __init__(self, a, out, axis):
        self.args = (a,)
        self.out = out
        self.axis = axis

    def backward(self, g):
        s = self.out
        return (s * (g - np.sum(g * s, axis=self.axis, keepdims=True)),)


class _LogSoftmax(Op):
    __slots__ = ("out", "axis")
    name = "log_softmax"

    def __init__(self, a, out, axis):
        self.args = (a,)
        self.out = out
        self.axis = axis

    def backward(self, g):
        return (g - np.exp(self.out) * np.sum(g, axis=self.axis, keepdims=True),)


def softmax(a: Any, axis: int = -1) -> Var:
    """exp(x_j) / Σ_k exp(x_k) along ``axis`` (the max is subtracted first: finite for ±1000)."""
    a = as_var(a)
    out = _softmax_np(a.val, axis)
    if a.requires_grad and _mode.enabled:
        return _new(out, _Softmax(a, out, axis), True)
    return _new(out, None, False)


def log_softmax(a: Any, axis: int = -1) -> Var:
    """x_j − log Σ_k exp(x_k) along ``axis`` (log-sum-exp with the max subtracted)."""
    a = as_var(a)
    out = _log_softmax_np(a.val, axis)
    if a.requires_grad and _mode.enabled:
        return _new(out, _LogSoftmax(a, out, axis), True)
    return _new(out, None, False)


# ---- graph export, helpers


def graph(v: Var) -> dict[str, list]:
    """The expression graph below ``v`` as plain data, for drawing.

    Returns
    -------
    dict
        ``"nodes"``: list of dicts in topological order (arguments before
        results, ``v`` last) with keys ``id`` (its index in that list),
        ``op`` (the creator's name, or ``"var"`` for a leaf), ``label``
        (the Var's name if it has one, else the op's label such as
        ``"pow 2"`` or ``"sum axis=0"``), ``shape``, ``value`` (ndarray) and
        ``grad`` (ndarray or None).
        ``"edges"``: list of ``(from_id, to_id)`` pairs, from each argument
        to the result, in argument order.  Constants that entered an op as a
        Var appear as leaves; numbers folded into an op (``x * 2``) appear in
        its label only.
    """
    order = graph_order(v)
    ids = {id(n): i for i, n in enumerate(order)}
    nodes = []
    edges = []
    for i, n in enumerate(order):
        op = n.creator
        nodes.append(
            {
                "id": i,
                "op": "var" if op is None else op.name,
                "label": n.name if n.name else ("var" if op is None else op.label()),
                "shape": tuple(np.shape(n.val)),
                "value": np.asarray(n.val),
                "grad": None if n.grad is None else np.asarray(n.grad),
            }
        )
        if op is not None:
            for a in op.args:
                edges.append((ids[id(a)], i))
    return {"nodes": nodes, "edges": edges}


def graph_order(root: Var) -> list[Var]:
    """Every Var below ``root`` in the order of :func:`graph` (arguments before results,
    ``root`` last), constant leaves included: the order drawings and replays use."""
    order: list[Var] = []
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        v = stack.pop()
        if type(v) is tuple:
            order.append(v[0])
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.creator is None:
            order.append(v)
            continue
        stack.append((v,))
        for a in reversed(v.creator.args):
            if id(a) not in seen:
                stack.append(a)
    return order


def value_and_grad(f: Callable[[Var], Var], theta: Any) -> tuple[float, np.ndarray]:
    """E(θ) and ∇E(θ) for a scalar function ``f`` written with Vars, at numpy ``theta``."""
    with _EnableGrad():
        t = Var(np.array(theta, dtype=float))
        e = f(t)
        if not isinstance(e, Var) or not e.requires_grad:
            return float(np.asarray(e.val if isinstance(e, Var) else e)), np.zeros_like(t.val)
        e.backward()
    g = t.grad if t.grad is not None else np.zeros_like(t.val)
    return float(np.asarray(e.val)), np.asarray(g)


def grad(f: Callable[[Var], Var]) -> Callable[[Any], np.ndarray]:
    """θ ↦ ∇E(θ) as a numpy function, for a scalar ``f`` written with Vars.

    >>> g = grad(lambda t: (t * t).sum())
    >>> g(np.array([1.0, -2.0]))
    array([ 2., -4.])
    """

    def grad_fn(theta: Any) -> np.ndarray:
        return value_and_grad(f, theta)[1]

    return grad_fn


class _EnableGrad:
    __slots__ = ("_prev",)

    def __enter__(self) -> None:
        self._prev = _mode.enabled
        _mode.enabled = True

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._prev
