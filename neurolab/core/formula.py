"""Typed formulas in named variables, differentiated by the autodiff engine (notes §9, SPEC §5).

A student types ``log(x*y) + sin(x)**2`` and gives x and y values;
:func:`parse_formula` reads the text with :mod:`ast` and a strict whitelist (it
never calls ``eval``) and :class:`Formula` builds the expression graph from
:class:`~neurolab.core.autodiff.Var` leaves, one per variable, named after it:

>>> f = parse_formula("log(x*y) + sin(x)**2", {"x": 1.5, "y": 2.0})
>>> round(f.value(), 6)
2.093609
>>> {k: round(v, 6) for k, v in f.gradients().items()}
{'x': 0.807787, 'y': 0.5}

Allowed in a formula
--------------------
* numbers (``2``, ``0.5``, ``1e-3``) and the constants ``pi`` and ``e``;
* variables: names matching ``[A-Za-z_][A-Za-z0-9_]*`` that are not function
  or constant names and do not start with ``_``;
* ``+ - * / **``, unary minus (and plus), parentheses;
* the functions of one argument in :data:`FUNCTIONS`: ``exp log sin cos tan
  tanh sqrt abs logistic`` (also written ``sigma``) ``arctan relu softplus``.
  All but ``tan`` and ``sqrt`` are the engine's own operations; those two are
  small :class:`~neurolab.core.autodiff.Op` subclasses defined here, the
  engine's documented way of adding operations.

The typographic signs − × · ÷ and π are read as ``- * * /`` and ``pi``.
Everything else (attribute access, calls of other names, indexing, lambdas,
comprehensions, keyword arguments, strings, comparisons, ``x if c else y``,
``%``, ``//``, ``^``…) raises :class:`FormulaError` naming what is not
allowed, as do texts longer than :data:`MAX_LENGTH` characters and nesting
deeper than :data:`MAX_DEPTH` levels.

Values outside a function's domain (``log`` of a number ≤ 0, division by zero,
a negative number to a fractional power, overflow) raise
:class:`FormulaDomainError` with the sub-expression and the values, never a
silent NaN; so does a derivative that is infinite where the value is finite
(``sqrt(x)`` at x = 0).  numpy's warnings are silenced while computing: the
results are checked for finiteness instead.

Numbers combined with numbers are folded (``2*pi`` is one constant); a number
combined with a variable expression is folded into the operation where the
engine does so (``x*3`` is one "mul 3" node) and is a constant leaf otherwise
(``2**x``, ``1 - x``, ``1/x``).

The backward pass can be replayed step by step (:meth:`Formula.backward_steps`):
the nodes are filled in the engine's own order (reverse topological: reverse
creation order) and each node's gradient is the sum, in that order, of its
consumers' contributions s·∂consumer/∂node — so the last step reproduces the
engine's gradients exactly.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolab.core import autodiff as ad
from neurolab.core.autodiff import Op, Var

__all__ = [
    "FormulaError",
    "FormulaDomainError",
    "Formula",
    "BackwardStep",
    "parse_formula",
    "formula_variables",
    "relative_difference",
    "central_step",
    "FUNCTIONS",
    "CONSTANTS",
    "ALLOWED_TEXT",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "DEFAULT_FORMULA",
    "DEFAULT_VALUES",
    "NEW_VARIABLE_VALUE",
    "VALUE_LIMIT",
    "FD_STEP",
    "Differentiated",
    "differentiate",
]

# The Autodiff view's settings (the GUI and experiment files share them).
DEFAULT_FORMULA = "log(x*y) + sin(x)**2"
DEFAULT_VALUES = {"x": 1.5, "y": 2.0}
NEW_VARIABLE_VALUE = 1.0  # the value a variable gets when it first appears
VALUE_LIMIT = 1e6  # variable values are refused outside ±VALUE_LIMIT
FD_STEP = 1e-6  # central differences use h·max(1, |v|)

MAX_LENGTH = 500
MAX_DEPTH = 100  # levels of operations inside one another
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
_TYPOGRAPHY = str.maketrans({"−": "-", "×": "*", "·": "*", "÷": "/"})


class FormulaError(ValueError):
    """A formula the whitelist refuses, or values that are not numbers."""


class FormulaDomainError(FormulaError):
    """The formula is not defined (or its derivative not finite) at the given values."""


# ---- two operations the engine lacks (SPEC §5: backward checked against finite differences)


class _Sqrt(Op):
    __slots__ = ("out",)
    name = "sqrt"

    def __init__(self, a: Var, out: Any) -> None:
        self.args = (a,)
        self.out = out

    def backward(self, g):
        return (g / (2 * self.out),)  # infinite at 0: caught by the finiteness check


class _Tan(Op):
    __slots__ = ("out",)
    name = "tan"

    def __init__(self, a: Var, out: Any) -> None:
        self.args = (a,)
        self.out = out

    def backward(self, g):
        return (g * (1 + self.out * self.out),)


def sqrt(a: Any) -> Var:
    """√x; derivative 1/(2√x)."""
    a = ad.as_var(a)
    out = np.sqrt(a.val)
    return ad.result(out, _Sqrt(a, out) if ad.needs_grad(a) else None)


def tan(a: Any) -> Var:
    """tan x; derivative 1 + tan²x."""
    a = ad.as_var(a)
    out = np.tan(a.val)
    return ad.result(out, _Tan(a, out) if ad.needs_grad(a) else None)


#: The functions a formula may call (one argument each).
FUNCTIONS: dict[str, Callable[[Any], Var]] = {
    "exp": ad.exp,
    "log": ad.log,
    "sin": ad.sin,
    "cos": ad.cos,
    "tan": tan,
    "tanh": ad.tanh,
    "sqrt": sqrt,
    "abs": ad.abs,
    "logistic": ad.logistic,
    "sigma": ad.logistic,
    "arctan": ad.arctan,
    "relu": ad.relu,
    "softplus": ad.softplus,
}

#: What a formula may contain, in one line for hints and tooltips.
ALLOWED_TEXT = (
    "numbers, variable names, pi, e, + − * / ** ( ) and "
    + " ".join(n for n in FUNCTIONS if n != "sigma")
    + " (logistic is also sigma)"
)

_BINOPS: dict[type, tuple[str, str, Callable[[Any, Any], Any]]] = {
    # ast operator -> (engine op, symbol, function on Vars or numbers)
    ast.Add: ("add", "+", ad.add),
    ast.Sub: ("sub", "−", ad.sub),
    ast.Mult: ("mul", "×", ad.mul),
    ast.Div: ("div", "/", ad.div),
    ast.Pow: ("pow", "**", ad.power),
}
_NUMPY_BINOPS = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
}
_REFUSED_OPERATORS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^ (for a power write x**2)",
}
_REFUSED_NODES: dict[type, str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing with [ ]",
    ast.Lambda: "lambda functions",
    ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.Compare: "comparisons",
    ast.BoolOp: "and / or",
    ast.List: "lists",
    ast.Tuple: "tuples (or commas)",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "assignments (:=)",
    ast.Starred: "* unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


# ---- parsed form


@dataclass(frozen=True)
class _Num:
    value: float
    text: str


@dataclass(frozen=True)
class _Name:
    name: str
    text: str


@dataclass(frozen=True)
class _Bin:
    op: str
    left: Any
    right: Any
    text: str


@dataclass(frozen=True)
class _Neg:
    operand: Any
    text: str


@dataclass(frozen=True)
class _Call:
    fn: str
    arg: Any
    text: str


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "…"


def _compile(node: ast.AST, depth: int, names: list[str]) -> Any:
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)")
    text = ast.unparse(node)
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, str | bytes):
            raise FormulaError(f"text in quotes ({_short(node)}) is not allowed: use numbers")
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise FormulaError(f"{v!r} is not allowed: only real numbers are")
        try:
            c = float(v)
        except OverflowError:
            raise FormulaError(f"the number {_short(node)} is too large") from None
        if not math.isfinite(c):
            raise FormulaError(f"the number {_short(node)} is too large (it is infinite)")
        return _Num(c, text)
    if isinstance(node, ast.Name):
        n = node.id
        if n.startswith("_"):
            raise FormulaError(f"names starting with _ are not allowed ({n!r})")
        if not NAME_RE.match(n):
            raise FormulaError(
                f"variable names may use only the letters A–Z, a–z, digits and _ (got {n!r})"
            )
        if n in FUNCTIONS:
            raise FormulaError(f"{n!r} is a function: call it as {n}(...)")
        if n in CONSTANTS:
            return _Num(CONSTANTS[n], n)
        if n not in names:
            names.append(n)
        return _Name(n, n)
    if isinstance(node, ast.BinOp):
        kind = type(node.op)
        if kind not in _BINOPS:
            symbol = _REFUSED_OPERATORS.get(kind, type(node.op).__name__)
            raise FormulaError(f"the operator {symbol} is not allowed; use + − * / **")
        left = _compile(node.left, depth + 1, names)
        right = _compile(node.right, depth + 1, names)
        return _Bin(_BINOPS[kind][0], left, right, text)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return _compile(node.operand, depth + 1, names)
        if isinstance(node.op, ast.USub):
            return _Neg(_compile(node.operand, depth + 1, names), text)
        symbol = "not" if isinstance(node.op, ast.Not) else "~"
        raise FormulaError(f"the operator {symbol} is not allowed; use + − * / **")
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name):
            raise FormulaError(
                f"calling {_short(func)} is not allowed: only {', '.join(FUNCTIONS)} can be called"
            )
        if func.id not in FUNCTIONS:
            raise FormulaError(
                f"the function {func.id!r} is not allowed: use {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise FormulaError(f"{func.id}() takes no keyword arguments")
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"{func.id}() takes exactly one argument")
        return _Call(func.id, _compile(node.args[0], depth + 1, names), text)
    what = _REFUSED_NODES.get(type(node), type(node).__name__)
    raise FormulaError(f"not allowed in a formula: {what} ({_short(node)})")


def _parse(text: Any) -> tuple[Any, tuple[str, ...], str]:
    """(tree, variable names in order of first appearance, the stripped text)."""
    if not isinstance(text, str):
        raise FormulaError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters ({len(text)})")
    source = text.translate(_TYPOGRAPHY).replace("π", "pi").strip()
    if not source:
        raise FormulaError("the formula is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        where = f" at character {err.offset}" if err.offset else ""
        raise FormulaError(f"not a valid formula{where}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is nested too deeply") from None
    except ValueError as err:  # e.g. a NUL character
        raise FormulaError(f"not a valid formula: {err}") from None
    names: list[str] = []
    try:
        body = _compile(tree.body, 0, names)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None
    if not names:
        raise FormulaError("the formula uses no variable: write it in variables such as x and y")
    return body, tuple(names), text.strip()


def formula_variables(text: str) -> tuple[str, ...]:
    """The variables of ``text`` in order of first appearance (checks the whitelist).

    Raises
    ------
    FormulaError
        If the text is refused; the message names what is not allowed.
    """
    return _parse(text)[1]


def formula_values(text: str, values: dict[str, float]) -> dict[str, float]:
    """The value of each of the formula's variables: as given, else its default."""
    values = {**DEFAULT_VALUES, **values}
    return {n: values.get(n, NEW_VARIABLE_VALUE) for n in formula_variables(text)}


def _fmt(v: Any) -> str:
    return f"{float(v):.6g}"


def _check_values(names: tuple[str, ...], values: Mapping[str, Any]) -> dict[str, float]:
    missing = [n for n in names if n not in values]
    if missing:
        raise FormulaError(
            f"no value given for {'the variable' if len(missing) == 1 else 'the variables'} "
            + ", ".join(missing)
        )
    out = {}
    for n in names:
        v = values[n]
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise FormulaError(f"the value of {n} must be a number, not {v!r}")
        v = float(v)
        if not math.isfinite(v):
            raise FormulaError(f"the value of {n} must be a finite number, not {v}")
        out[n] = v
    return out


# ---- building the graph


class _Built:
    """One evaluation: the Vars in creation order and what each stands for."""

    def __init__(self, values: dict[str, Any], vector: bool = False) -> None:
        self.values = values
        # vector: every value is an array (many evaluations at once); errors are not explained
        self.vector = vector
        self.leaves = {n: Var(np.asarray(v, dtype=float), name=n) for n, v in values.items()}
        self.created: list[Var] = list(self.leaves.values())
        self.expr: dict[int, str] = {id(v): n for n, v in self.leaves.items()}
        self.display: dict[int, str] = {id(v): n for n, v in self.leaves.items()}
        self.kind: dict[int, str] = {id(v): "variable" for v in self.leaves.values()}
        self.output: Var | None = None

    def where(self) -> str:
        return ", ".join(f"{n} = {_fmt(v)}" for n, v in self.values.items())

    def _record(self, v: Var, node: Any, display: str) -> Var:
        self.created.append(v)
        self.expr[id(v)] = node.text
        self.display[id(v)] = display
        self.kind[id(v)] = "op"
        return v

    def _const(self, c: float, node: Any) -> Var:
        """A named constant leaf (where the engine would make an anonymous one)."""
        v = Var(np.float64(c), name=_const_text(c, node), requires_grad=False)
        self.expr[id(v)] = node.text
        self.display[id(v)] = _const_text(c, node)
        self.kind[id(v)] = "constant"
        return v

    def build(self, node: Any) -> Var | float:
        if isinstance(node, _Num):
            return node.value
        if isinstance(node, _Name):
            return self.leaves[node.name]
        if isinstance(node, _Neg):
            a = self.build(node.operand)
            if not isinstance(a, Var):
                return -a
            return self._record(ad.neg(a), node, "neg")
        if isinstance(node, _Call):
            a = self.build(node.arg)
            fn = FUNCTIONS[node.fn]
            if not isinstance(a, Var):
                out = float(np.asarray(fn(a).val))
                self._check(out, node, [a])
                return out
            v = fn(a)
            self._check(v.val, node, [a])
            return self._record(v, node, node.fn)
        # binary
        a = self.build(node.left)
        b = self.build(node.right)
        _, symbol, fn = _BINOPS_BY_NAME[node.op]
        if not isinstance(a, Var) and not isinstance(b, Var):
            out = float(_NUMPY_BINOPS[node.op](np.float64(a), np.float64(b)))
            self._check(out, node, [a, b])
            return out
        if isinstance(b, Var):
            display = symbol
            if not isinstance(a, Var):
                if node.op in ("sub", "div", "pow"):
                    a = self._const(a, node.left)
                else:  # the engine folds the number into the op ("add 2", "mul 3")
                    display = f"{symbol} {_const_text(a, node.left)}"
        else:
            display = f"{symbol} {_const_text(b, node.right)}"
        v = fn(a, b)
        self._check(v.val, node, [a, b])
        return self._record(v, node, display)

    def _check(self, out: Any, node: Any, args: list[Any]) -> None:
        if self.vector:
            if not np.isfinite(out).all():
                raise FormulaDomainError("not finite")
            return
        if math.isfinite(out):
            return
        args = [float(np.asarray(_val(a))) for a in args]
        raise FormulaDomainError(f"{_domain_reason(node, args, out)} (at {self.where()})")


_BINOPS_BY_NAME = {v[0]: v for v in _BINOPS.values()}


def _val(x: Var | float) -> Any:
    return x.val if isinstance(x, Var) else x


def _const_text(c: float, node: Any) -> str:
    if isinstance(node, _Num) and len(node.text) <= 8:
        return node.text
    return _fmt(c)


def _domain_reason(node: Any, args: list[float], out: Any) -> str:
    expr = node.text
    overflow = bool(np.all(np.isinf(out)))
    if isinstance(node, _Call):
        (a,) = args
        if node.fn == "log" and a <= 0:
            what = "zero" if a == 0 else "a negative number"
            return f"log of {what}: {expr} needs a positive argument, got {_fmt(a)}"
        if node.fn == "sqrt" and a < 0:
            return f"square root of a negative number: {expr} with argument {_fmt(a)}"
        if overflow:
            return f"{expr} is too large (overflows) with argument {_fmt(a)}"
        return f"{expr} is not defined for the argument {_fmt(a)}"
    if isinstance(node, _Bin):
        a, b = args
        if node.op == "div" and b == 0:
            return f"division by zero in {expr}"
        if node.op == "pow":
            if a == 0 and b < 0:
                return f"0 to a negative power (division by zero) in {expr}"
            if a < 0 and b != math.floor(b):
                return (
                    f"a negative number to a fractional power is not a real number: "
                    f"{expr} = ({_fmt(a)})**{_fmt(b)}"
                )
        if overflow:
            return f"{expr} is too large (overflows)"
    return f"{expr} is not a finite number"


# ---- the formula


@dataclass(frozen=True)
class BackwardStep:
    """One step of the backward pass: one node's gradient is filled.

    Attributes
    ----------
    node : int
        The node's id in :meth:`Formula.graph`.
    grad : float
        ∂f/∂(node): 1 for the output, else the sum of ``contributions``.
    contributions : tuple of (int, float)
        (consumer node id, s·∂consumer/∂node) in the order they were added.
    """

    node: int
    grad: float
    contributions: tuple[tuple[int, float], ...]


class Formula:
    """A parsed formula with values for its variables (see :func:`parse_formula`).

    The formula keeps one evaluated graph (built by :meth:`evaluate`; grads
    None until :meth:`gradients` runs backward on it).

    Attributes
    ----------
    text : str
        The formula as typed (stripped).
    variables : tuple of str
        Its variables in order of first appearance.
    values : dict
        name → value (float).
    """

    def __init__(self, tree: Any, variables: tuple[str, ...], text: str, values: dict) -> None:
        self._tree = tree
        self.text = text
        self.variables = variables
        self.values = dict(values)
        self._built: _Built | None = None
        self._steps: list[BackwardStep] | None = None
        self._ids: dict[int, int] | None = None
        self.evaluate()

    def __repr__(self) -> str:
        return f"Formula({self.text!r}, {self.values!r})"

    def with_values(self, values: Mapping[str, Any]) -> Formula:
        """The same formula at other values (missing names keep theirs); evaluated."""
        merged = {**self.values, **values}
        return Formula(self._tree, self.variables, self.text, _check_values(self.variables, merged))

    # -- forward
    def evaluate(self) -> Var:
        """Build a fresh expression graph at the values; returns the output Var.

        Raises
        ------
        FormulaDomainError
            If some sub-expression is not finite (log of a negative number…).
        """
        if not ad.is_grad_enabled():
            raise RuntimeError("a Formula cannot build its graph inside autodiff.no_grad()")
        with np.errstate(all="ignore"):
            built = _Built(self.values)
            out = built.build(self._tree)
        if not isinstance(out, Var):  # pragma: no cover - a formula always has a variable
            raise FormulaError("the formula does not depend on its variables")
        built.output = out
        self._built = built
        self._steps = None
        self._ids = None
        return out

    @property
    def output(self) -> Var:
        """The output Var of the current graph."""
        return self._built.output

    def value(self) -> float:
        """f at the values."""
        return float(np.asarray(self.output.val))

    def value_at(self, values: Mapping[str, Any]) -> float:
        """f at other values (no graph kept); FormulaDomainError outside the domain."""
        vals = _check_values(self.variables, {**self.values, **values})
        with np.errstate(all="ignore"), ad.no_grad():
            out = _Built(vals).build(self._tree)
        return float(np.asarray(_val(out)))

    # -- backward
    def gradients(self) -> dict[str, float]:
        """Run the engine's backward on the current graph; {name: ∂f/∂name}.

        Grads are zeroed first, so calling it again does not accumulate.

        Raises
        ------
        FormulaDomainError
            If a derivative is not finite although the value is (sqrt at 0).
        """
        out = self.output
        out.zero_grad()
        with np.errstate(all="ignore"):
            out.backward()
        self._check_grads()
        grads = {}
        for n in self.variables:
            g = self._built.leaves[n].grad
            grads[n] = 0.0 if g is None else float(np.asarray(g))
        return grads

    def reset_grads(self) -> None:
        """Set every node's grad back to None (zero_grad)."""
        self.output.zero_grad()

    def _check_grads(self) -> None:
        steps = self.backward_steps()
        g = self.graph(with_grads=False)["nodes"]
        for s in steps:
            if math.isfinite(s.grad):
                continue
            culprit = next((c for c, x in s.contributions if not math.isfinite(x)), None)
            node = g[s.node]["expr"]
            if culprit is None:  # pragma: no cover - the seed is 1
                raise FormulaDomainError(f"∂f/∂({node}) is not finite (at {self._built.where()})")
            raise FormulaDomainError(
                f"the derivative of {g[culprit]['expr']} with respect to {node} is not finite "
                f"here (at {self._built.where()})"
            )

    def finite_differences(self, h: float = 1e-6) -> dict[str, float]:
        """Central differences (f(v + hᵥ) − f(v − hᵥ)) / 2hᵥ for each variable v.

        The step is ``hᵥ = central_step(v, h)`` = h·max(1, |v|).  A variable
        whose v ± hᵥ leaves the formula's domain gets NaN.
        """
        names = self.variables
        k = len(names)
        # Column 2i is v_i + h_i, column 2i + 1 is v_i − h_i: all 2k evaluations in one pass.
        points = {n: np.full(2 * k, self.values[n]) for n in names}
        for i, n in enumerate(names):
            v = self.values[n]
            step = central_step(v, h)
            points[n][2 * i : 2 * i + 2] = (v + step, v - step)
        try:
            with np.errstate(all="ignore"), ad.no_grad():
                f = np.broadcast_to(_val(_Built(points, vector=True).build(self._tree)), (2 * k,))
        except FormulaDomainError:  # some v ± h is outside the domain: one variable at a time
            f = np.full(2 * k, math.nan)
            for i, n in enumerate(names):
                try:
                    f[2 * i] = self.value_at({n: float(points[n][2 * i])})
                    f[2 * i + 1] = self.value_at({n: float(points[n][2 * i + 1])})
                except FormulaDomainError:
                    f[2 * i : 2 * i + 2] = math.nan
        out = {}
        with np.errstate(all="ignore"):
            for i, n in enumerate(names):
                hi, lo = points[n][2 * i], points[n][2 * i + 1]
                d = float((f[2 * i] - f[2 * i + 1]) / (hi - lo))
                out[n] = d if math.isfinite(d) else math.nan
        return out

    # -- the graph
    def _order(self) -> list[Var]:
        """The Vars in the order of :func:`autodiff.graph`."""
        return ad.graph_order(self.output)

    def _node_ids(self) -> dict[int, int]:
        if self._ids is None:
            self._ids = {id(v): i for i, v in enumerate(self._order())}
        return self._ids

    def graph(self, with_grads: bool = True) -> dict[str, list]:
        """The engine's :func:`~neurolab.core.autodiff.graph` of the current graph.

        Leaves are labelled by variable names (constant leaves by their
        number); each node dict also has ``kind`` ("variable", "constant" or
        "op"), ``display`` (a short box label: the variable, the number, or the
        operation such as "log", "×", "** 2", "× 3") and ``expr`` (the
        sub-expression it computes, as text).  ``with_grads=False`` leaves
        ``grad`` None everywhere.
        """
        g = ad.graph(self.output)
        order = self._order()
        b = self._built
        if len(order) != len(g["nodes"]):  # pragma: no cover - guards the engine's order
            raise RuntimeError("autodiff.graph no longer lists nodes in depth-first post-order")
        for node, v in zip(g["nodes"], order, strict=True):
            expected = "var" if v.creator is None else v.creator.name
            if node["op"] != expected:  # pragma: no cover
                raise RuntimeError("autodiff.graph no longer lists nodes in depth-first order")
            i = id(v)
            if v.creator is None and i not in b.kind:  # a constant the engine made
                kind, display, expr = "constant", _fmt(np.asarray(v.val)), _fmt(np.asarray(v.val))
                node["label"] = display
            else:
                kind, display, expr = b.kind[i], b.display[i], b.expr[i]
            node["kind"] = kind
            node["display"] = display
            node["expr"] = expr
            if not with_grads:
                node["grad"] = None
        return g

    def backward_steps(self) -> list[BackwardStep]:
        """Replay the backward pass: one step per node whose grad it fills.

        Same order and same sums as the engine's ``backward``: reverse
        creation order (reverse topological), each op passing
        s·∂op/∂arg to its args; a node's grad is the sum of what its consumers
        passed.  The final grads equal the engine's exactly.
        """
        if self._steps is not None:
            return self._steps
        ids = self._node_ids()
        out = self.output
        pending: dict[int, list[tuple[int, Any]]] = {}
        steps = []
        with np.errstate(all="ignore"):
            for v in reversed(self._built.created):
                if not v.requires_grad:
                    continue
                gid = ids[id(v)]
                if v is out:
                    g = np.ones_like(v.val)
                    contribs: list[tuple[int, Any]] = []
                else:
                    contribs = pending.pop(gid, [])
                    if not contribs:
                        continue  # nothing reaches this node (the engine leaves it None)
                    g = contribs[0][1]
                    for _, c in contribs[1:]:
                        g = g + c
                steps.append(
                    BackwardStep(
                        gid,
                        float(np.asarray(g)),
                        tuple((c, float(np.asarray(x))) for c, x in contribs),
                    )
                )
                op = v.creator
                if op is None:
                    continue
                for a, ga in zip(op.args, op.backward(g), strict=False):
                    if ga is not None and a.requires_grad:
                        pending.setdefault(ids[id(a)], []).append((gid, ga))
        self._steps = steps
        return steps

    def backward_order(self) -> list[int]:
        """Node ids in the order backward fills their grads (reverse topological)."""
        return [s.node for s in self.backward_steps()]

    def backward_state(self, k: int) -> dict[int, float]:
        """{node id: grad} of the nodes filled after the first ``k`` backward steps."""
        steps = self.backward_steps()
        if not 0 <= k <= len(steps):
            raise ValueError(f"step {k} is outside 0…{len(steps)}")
        return {s.node: s.grad for s in steps[:k]}


def parse_formula(text: str, variables: Mapping[str, Any]) -> Formula:
    """Parse ``text`` with the whitelist and evaluate it at ``variables``.

    Parameters
    ----------
    text : str
        The formula, e.g. ``"log(x*y) + sin(x)**2"``.
    variables : mapping
        A value (finite number) for every variable the text uses; names the
        text does not use are ignored.

    Raises
    ------
    FormulaError
        The text is refused (the message names what is not allowed), or a
        variable has no value or a value that is not a finite number.
    FormulaDomainError
        The formula is not defined at these values.
    """
    tree, names, stripped = _parse(text)
    return Formula(tree, names, stripped, _check_values(names, variables))


def central_step(value: float, h: float = 1e-6) -> float:
    """The central-difference step used at ``value``: h·max(1, |value|)."""
    return h * max(1.0, abs(float(value)))


def relative_difference(a: float, b: float) -> float:
    """|a − b| / max(|a|, |b|); 0 when both are 0, NaN when either is NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


@dataclass
class Differentiated:
    """A formula with its full backward done and checked: what the Autodiff view shows
    and exports (:func:`differentiate` makes one; the GUI keeps one per formula)."""

    formula: Formula
    grads: dict[str, float]
    finite_differences: dict[str, float]
    graph: dict
    steps: list[BackwardStep]

    def arrays(self) -> dict[str, np.ndarray]:
        """Per variable (in ``formula.variables`` order): value, autodiff grad, central
        difference and their relative difference; f; per node (graph order): value and
        grad of the full backward (NaN for constants); the edges; the backward order."""
        f = self.formula
        names = f.variables
        nodes = self.graph["nodes"]
        full = {s.node: s.grad for s in self.steps}
        edges = np.asarray(self.graph["edges"], dtype=float).reshape(-1, 2)
        fd = self.finite_differences
        return {
            "variable_value": np.array([f.values[n] for n in names]),
            "grad_autodiff": np.array([self.grads[n] for n in names]),
            "grad_central_difference": np.array([fd[n] for n in names]),
            "relative_difference": np.array(
                [relative_difference(self.grads[n], fd[n]) for n in names]
            ),
            "f": np.array([f.value()]),
            "node_value": np.array([float(np.asarray(nd["value"])) for nd in nodes]),
            "node_grad": np.array([full.get(nd["id"], math.nan) for nd in nodes]),
            "edge_from": edges[:, 0],
            "edge_to": edges[:, 1],
            "backward_order": np.array([s.node for s in self.steps], dtype=float),
        }

    def parameters(self, steps_shown: int) -> dict[str, Any]:
        f = self.formula
        return {
            "formula": f.text,
            "variables": list(f.variables),
            "values": dict(f.values),
            "finite_difference_step": FD_STEP,
            "backward_steps": len(self.steps),
            "backward_steps_shown": steps_shown,
        }


def differentiate(formula: Formula) -> Differentiated:
    """Backward on ``formula``, central differences (step :data:`FD_STEP`), its graph
    and the backward replay; FormulaError if its derivative is not finite."""
    grads = formula.gradients()
    fd = formula.finite_differences(FD_STEP)
    return Differentiated(formula, grads, fd, formula.graph(), formula.backward_steps())
