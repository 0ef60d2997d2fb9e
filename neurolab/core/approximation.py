"""Universal approximation with steep sigmoids (SPEC §4, notes §5).

A steep sigmoid is a soft threshold ``H(x; b) = σ(w (x − b))``; a *piece* is
``P(x; b, δ) = H(x; b) − H(x; b + δ)``, close to 1 on [b, b + δ] and 0
elsewhere; and ``G(x) = Σ_j f(a_j) P(x; b_j, δ_j)`` over an even partition of
[0, 1] with ``a_j`` the midpoint of piece j.  By default the lower edge of the
first piece and the upper edge of the last are open (H = 1 and 0 exactly), so G
does not drop to half the target at x = 0 and x = 1.

Typed targets go through :func:`parse_expression`, a whitelist parser built on
:mod:`ast` that never calls ``eval``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = [
    "threshold",
    "piece",
    "ApproxResult",
    "approximate",
    "TARGETS",
    "parse_expression",
]


def threshold(x: Any, b: float, steepness: float) -> np.ndarray:
    """H(x; b) = σ(w (x − b)); b = −∞ gives 1 and b = +∞ gives 0."""
    x = np.asarray(x, dtype=float)
    if b == -math.inf:
        return np.ones_like(x)
    if b == math.inf:
        return np.zeros_like(x)
    return expit(steepness * (x - b))


def piece(x: Any, b: float, delta: float, steepness: float) -> np.ndarray:
    """P(x; b, δ) = H(x; b) − H(x; b + δ)."""
    return threshold(x, b, steepness) - threshold(x, b + delta, steepness)


@dataclass
class ApproxResult:
    """Output of :func:`approximate`.

    Attributes
    ----------
    x, target, G : ndarray (n,)
        Evaluation points, f(x) and the approximation G(x).
    pieces : ndarray (n_pieces, n)
        Each weighted piece f(a_j) P(x; b_j, δ_j); they sum to G.
    edges : ndarray (n_pieces + 1,)
        Partition of [0, 1].
    heights : ndarray (n_pieces,)
        f(a_j) at the midpoints.
    max_error : float
        max |f − G| over ``x``.
    """

    x: np.ndarray
    target: np.ndarray
    G: np.ndarray
    pieces: np.ndarray
    edges: np.ndarray
    heights: np.ndarray
    max_error: float


def approximate(
    f: Callable[[np.ndarray], Any],
    n_pieces: int,
    steepness: float,
    x: Any = None,
    *,
    open_ends: bool = True,
) -> ApproxResult:
    """Approximate ``f`` on [0, 1] by ``n_pieces`` sigmoid pieces of steepness w.

    ``x`` defaults to 1001 points on [0, 1].  With ``open_ends`` the outermost
    edges are at ∓∞ (see the module notes).
    """
    n_pieces = int(n_pieces)
    if n_pieces < 1:
        raise ValueError(f"need at least one piece (got {n_pieces})")
    if not steepness > 0 or not math.isfinite(steepness):
        raise ValueError(f"steepness must be positive and finite (got {steepness})")
    x = np.linspace(0.0, 1.0, 1001) if x is None else np.asarray(x, dtype=float)
    edges = np.linspace(0.0, 1.0, n_pieces + 1)
    mids = 0.5 * (edges[:-1] + edges[1:])
    heights = np.broadcast_to(np.asarray(f(mids), dtype=float), mids.shape).copy()
    lo = edges[:-1].copy()
    hi = edges[1:].copy()
    if open_ends:
        lo[0], hi[-1] = -math.inf, math.inf
    pieces = np.array(
        [
            h * (threshold(x, a, steepness) - threshold(x, c, steepness))
            for h, a, c in zip(heights, lo, hi, strict=True)
        ]
    )
    G = pieces.sum(axis=0)
    target = np.broadcast_to(np.asarray(f(x), dtype=float), x.shape).copy()
    err = float(np.max(np.abs(target - G))) if x.size else 0.0
    return ApproxResult(x, target, G, pieces, edges, heights, err)


def _step(x: Any) -> np.ndarray:
    return np.where(np.asarray(x, dtype=float) >= 0.5, 1.0, 0.0)


#: Built-in targets on [0, 1].
TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sine": lambda x: np.sin(2 * np.pi * np.asarray(x, dtype=float)),
    "abs": lambda x: np.abs(np.asarray(x, dtype=float) - 0.5),
    "step": _step,
    "polynomial": lambda x: (lambda y: 4.0 * y**3 - 6.0 * y**2 + 2.5 * y)(
        np.asarray(x, dtype=float)
    ),
}


# --------------------------------------------------------------------------
# Whitelist expression parser

_FUNCS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "cos": np.cos,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
}
_CONSTS = {"pi": math.pi, "e": math.e}
_BINOPS = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}
_MAX_LEN = 500
_ALLOWED = "numbers, x, pi, e, + - * / **, parentheses and " + ", ".join(_FUNCS)

Node = Callable[[np.ndarray], Any]

# Operators Python has and a formula on [0, 1] does not need, as students write them.
_OPERATOR_NAMES = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "'not'",
}
# What a refused construct is called, with an example where that helps.
_CONSTRUCTS: dict[type, str] = {
    ast.IfExp: "conditional expressions (a if c else b) are not allowed",
    ast.Lambda: "lambda functions are not allowed",
    ast.List: "lists [...] are not allowed",
    ast.Tuple: "tuples (a, b) are not allowed: one expression only",
    ast.Set: "sets {...} are not allowed",
    ast.Dict: "dictionaries {...} are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Compare: "comparisons (<, >, ==, …) are not allowed",
    ast.BoolOp: "and / or are not allowed",
    ast.Subscript: "indexing such as x[0] is not allowed",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.JoinedStr: "text (f-strings) is not allowed",
    ast.Starred: "* unpacking is not allowed",
}


def _refusal(node: ast.AST) -> str:
    """Why ``node`` is refused, in a student's words rather than Python's node names."""
    if isinstance(node, ast.BinOp | ast.UnaryOp) and type(node.op) in _OPERATOR_NAMES:
        return f"the operator {_OPERATOR_NAMES[type(node.op)]} is not allowed"
    if isinstance(node, ast.Attribute):
        return f"attribute access ({ast.unparse(node)}) is not allowed"
    for kind, text in _CONSTRUCTS.items():
        if isinstance(node, kind):
            return text
    try:
        shown = ast.unparse(node)
    except Exception:  # noqa: BLE001 — any node the unparser cannot print
        shown = ""
    return f"{shown!r} is not allowed" if shown else "this expression is not allowed"


def _compile(node: ast.AST) -> Node:
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"only numbers are allowed as constants (got {v!r})")
        c = float(v)
        return lambda x: c
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x: x
        if node.id in _CONSTS:
            c = _CONSTS[node.id]
            return lambda x: c
        raise ValueError(f"unknown name {node.id!r}; use x, pi, e")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left, right = _compile(node.left), _compile(node.right)
        return lambda x: op(left(x), right(x))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _compile(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda x: np.negative(operand(x))
        return operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ValueError(f"function {name!r} is not allowed; use {', '.join(_FUNCS)}")
        if node.keywords or len(node.args) != 1:
            raise ValueError(f"{node.func.id}() takes exactly one argument")
        fn = _FUNCS[node.func.id]
        arg = _compile(node.args[0])
        return lambda x: fn(arg(x))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        raise ValueError("^ is not allowed: write powers as x**2")
    raise ValueError(f"{_refusal(node)}; use {_ALLOWED}")


def parse_expression(text: str) -> Callable[[Any], np.ndarray]:
    """Parse a typed function of x into a vectorised callable, without ``eval``.

    Allowed: numbers, ``x``, ``pi``, ``e``, ``+ - * / **``, unary minus,
    parentheses and ``sin cos exp log sqrt abs tanh`` of one argument.
    Anything else raises ValueError with the reason.

    >>> f = parse_expression("sin(2*pi*x)")
    >>> float(f(0.25))
    1.0
    """
    if not isinstance(text, str):
        raise ValueError("the expression must be text")
    if len(text) > _MAX_LEN:
        raise ValueError(f"the expression is longer than {_MAX_LEN} characters")
    if not text.strip():
        raise ValueError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
        body = _compile(tree.body)
    except SyntaxError as err:
        raise ValueError(f"not a valid expression: {err.msg}") from None
    except RecursionError:
        raise ValueError("the expression is nested too deeply") from None

    def f(x: Any) -> np.ndarray:
        xa = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            out = np.asarray(body(xa), dtype=float)
        return np.broadcast_to(out, xa.shape).copy() if out.shape != xa.shape else out

    return f
