"""Typed formulas: the whitelist parser, gradients against analytic derivatives and
central differences, domain errors, the graph and the step-by-step backward replay."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from neurolab.core import autodiff as ad
from neurolab.core import formula as fm
from neurolab.core.formula import (
    FormulaDomainError,
    FormulaError,
    central_step,
    formula_variables,
    parse_formula,
    relative_difference,
)

# ---- gradients against hand-written derivatives

# (formula, values, f, {name: ∂f/∂name}) with the derivatives written out by hand.
ANALYTIC = [
    (
        "log(x*y) + sin(x)**2",
        {"x": 1.5, "y": 2.0},
        lambda x, y: math.log(x * y) + math.sin(x) ** 2,
        {"x": lambda x, y: 1 / x + 2 * math.sin(x) * math.cos(x), "y": lambda x, y: 1 / y},
    ),
    (
        "x**y",
        {"x": 1.7, "y": 2.3},
        lambda x, y: x**y,
        {"x": lambda x, y: y * x ** (y - 1), "y": lambda x, y: x**y * math.log(x)},
    ),
    (
        "exp(-x**2)*cos(3*y)",
        {"x": 0.6, "y": -0.4},
        lambda x, y: math.exp(-(x**2)) * math.cos(3 * y),
        {
            "x": lambda x, y: -2 * x * math.exp(-(x**2)) * math.cos(3 * y),
            "y": lambda x, y: -3 * math.exp(-(x**2)) * math.sin(3 * y),
        },
    ),
    (
        # x used eight times: the contributions must add up where branches meet
        "x*x*x - 2*x*x + x - x/x + sin(x)*x",
        {"x": 0.8},
        lambda x: x**3 - 2 * x**2 + x - 1 + math.sin(x) * x,
        {"x": lambda x: 3 * x**2 - 4 * x + 1 + math.cos(x) * x + math.sin(x)},
    ),
    (
        "tan(a) + sqrt(b) + abs(a - b) + sigma(a*b) + arctan(b) + relu(a) + softplus(b)",
        {"a": 0.3, "b": 1.2},
        lambda a, b: (
            math.tan(a)
            + math.sqrt(b)
            + abs(a - b)
            + 1 / (1 + math.exp(-a * b))
            + math.atan(b)
            + max(a, 0.0)
            + math.log1p(math.exp(b))
        ),
        {
            "a": lambda a, b: (
                1 / math.cos(a) ** 2 - 1 + b * math.exp(-a * b) / (1 + math.exp(-a * b)) ** 2 + 1
            ),
            "b": lambda a, b: (
                0.5 / math.sqrt(b)
                + 1
                + a * math.exp(-a * b) / (1 + math.exp(-a * b)) ** 2
                + 1 / (1 + b * b)
                + 1 / (1 + math.exp(-b))
            ),
        },
    ),
    (
        "2**x - 1/x + (1 - x)*tanh(x) + logistic(x) - -x + x/4 + e**x + pi*x",
        {"x": 0.9},
        lambda x: (
            2**x
            - 1 / x
            + (1 - x) * math.tanh(x)
            + 1 / (1 + math.exp(-x))
            + x
            + x / 4
            + math.e**x
            + math.pi * x
        ),
        {
            "x": lambda x: (
                2**x * math.log(2)
                + 1 / x**2
                - math.tanh(x)
                + (1 - x) * (1 - math.tanh(x) ** 2)
                + math.exp(-x) / (1 + math.exp(-x)) ** 2
                + 1
                + 0.25
                + math.e**x
                + math.pi
            )
        },
    ),
]


@pytest.mark.parametrize(("text", "values", "f", "df"), ANALYTIC, ids=[a[0] for a in ANALYTIC])
def test_gradients_match_the_derivatives_written_by_hand(text, values, f, df):
    formula = parse_formula(text, values)
    assert formula.variables == tuple(df)
    assert formula.value() == pytest.approx(f(**values), rel=1e-12)
    grads = formula.gradients()
    assert set(grads) == set(df)
    for name, d in df.items():
        assert grads[name] == pytest.approx(d(**values), rel=1e-12, abs=1e-14), name


FD_CASES = [
    ("log(x*y) + sin(x)**2", {"x": 1.5, "y": 2.0}),
    ("x**y", {"x": 1.7, "y": 2.3}),
    ("exp(-x**2)*cos(3*y)", {"x": 0.6, "y": -0.4}),
    ("x*x*x - 2*x*x + x - x/x + sin(x)*x", {"x": 0.8}),
    ("sqrt(u*u + v*v) / (1 + exp(-u))", {"u": 3.0, "v": -4.0}),
    ("tan(w)*arctan(w) - softplus(-w)**3", {"w": 0.7}),
    ("logistic(3*x - 2*y + z) * tanh(z)", {"x": 0.1, "y": -0.2, "z": 0.3}),
    ("1000*x**2 + y", {"x": 250.0, "y": -3e5}),
    ("(x - 1)**3 / (y + 2)", {"x": 1e-3, "y": 0.5}),
]


@pytest.mark.parametrize(("text", "values"), FD_CASES, ids=[c[0] for c in FD_CASES])
def test_gradients_agree_with_central_differences(text, values):
    formula = parse_formula(text, values)
    grads = formula.gradients()
    fd = formula.finite_differences(1e-6)
    assert set(fd) == set(grads) == set(values)
    for name in values:
        assert relative_difference(grads[name], fd[name]) < 1e-6, (name, grads[name], fd[name])


def test_finite_differences_use_a_step_relative_to_large_values():
    assert central_step(0.5) == 1e-6
    assert central_step(-300.0) == pytest.approx(3e-4)
    formula = parse_formula("x**3", {"x": 1e4})
    assert formula.finite_differences()["x"] == pytest.approx(3e8, rel=1e-6)


def test_finite_differences_outside_the_domain_are_nan():
    formula = parse_formula("sqrt(x) + y", {"x": 4e-7, "y": 1.0})  # x − h < 0
    fd = formula.finite_differences(1e-6)
    assert math.isnan(fd["x"]) and fd["y"] == pytest.approx(1.0)
    assert formula.gradients()["x"] == pytest.approx(0.5 / math.sqrt(4e-7))


def test_relative_difference():
    assert relative_difference(0.0, 0.0) == 0.0
    assert relative_difference(1.0, 1.1) == pytest.approx(0.1 / 1.1)
    assert math.isnan(relative_difference(1.0, math.nan))


def test_gradients_do_not_accumulate_over_calls_and_reset_clears_them():
    formula = parse_formula("x*y", {"x": 2.0, "y": 3.0})
    assert formula.gradients() == formula.gradients() == {"x": 3.0, "y": 2.0}
    assert all(n["grad"] is not None for n in formula.graph()["nodes"])
    formula.reset_grads()
    assert all(n["grad"] is None for n in formula.graph()["nodes"])


def test_with_values_and_value_at():
    formula = parse_formula("x - y", {"x": 5.0, "y": 1.0})
    other = formula.with_values({"y": 4.0})
    assert other.value() == 1.0 and other.values == {"x": 5.0, "y": 4.0}
    assert formula.value() == 4.0  # the original is unchanged
    assert formula.value_at({"x": 0.0}) == -1.0
    with pytest.raises(FormulaError, match="must be a number"):
        formula.with_values({"x": "two"})


def test_typographic_signs_are_read():
    formula = parse_formula("2 × x − y ÷ 4 · π", {"x": 1.0, "y": 2.0})
    assert formula.value() == pytest.approx(2 - 2 / 4 * math.pi)


def test_formula_variables_in_order_of_appearance():
    assert formula_variables("b*sin(a) + b + e*pi + c1") == ("b", "a", "c1")


# ---- refusals


REFUSED = [
    ("__import__('os')", "'__import__' is not allowed"),
    ("__import__('os').system('ls')", "calling __import__('os').system is not allowed"),
    ("x.__class__", "attribute access (x.__class__)"),
    ("().__class__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "calling"),
    ("[x for x in y]", "list comprehensions"),
    ("(x for x in y)", "generator expressions"),
    ("lambda: 1", "lambda"),
    ("open('f')", "'open' is not allowed"),
    ("eval('1')", "'eval' is not allowed"),
    ("x if y else z", "conditional expressions"),
    ('"a"', "text in quotes"),
    ("x + 'a'", "text in quotes"),
    ("1e309 * x", "too large"),
    ("1" * 400 + " * x", "too large"),
    ("x[0]", "indexing"),
    ("x < y", "comparisons"),
    ("x and y", "and / or"),
    ("(x, y)", "tuples"),
    ("{x: 1}", "dicts"),
    ("f'{x}'", "f-strings"),
    ("(x := 2)", "assignments"),
    ("x ^ 2", "^"),
    ("x % 2", "%"),
    ("x // 2", "//"),
    ("x @ y", "@"),
    ("~x", "~"),
    ("not x", "not"),
    ("sin(x, y)", "exactly one argument"),
    ("sin(*x)", "exactly one argument"),
    ("sin(x=1)", "keyword"),
    ("sin + x", "'sin' is a function"),
    ("print(x)", "'print' is not allowed"),
    ("f(x)", "'f' is not allowed"),
    ("_x + 1", "starting with _"),
    ("x__ + __builtins__", "starting with _"),
    ("α * 2", "letters A–Z"),
    ("True * x", "only real numbers"),
    ("None", "only real numbers"),
    ("1j * x", "only real numbers"),
    ("import os", "not a valid formula"),
    ("x; y", "not a valid formula"),
    ("x\ny", "not a valid formula"),
    ("sin(x", "not a valid formula"),
    ("x\x00", "not a valid formula"),
    ("", "empty"),
    ("   ", "empty"),
    ("pi * 2", "uses no variable"),
    ("x" * 501, "longer than 500"),
    ("-" * 300 + "x", "nested too deeply"),
    ("-(" * 110 + "x" + ")" * 110, "nested too deeply (more than 100 levels)"),
    ("x+" * 150 + "x", "nested too deeply"),
    ("(" * 240 + "x" + ")" * 240, "not a valid formula|nested too deeply"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED, ids=[repr(r[0][:30]) for r in REFUSED])
def test_refused_formulas_say_why(text, reason):
    values = {"x": 1.0, "y": 2.0, "z": 3.0, "x__": 1.0}
    with pytest.raises(FormulaError, match=reason if "|" in reason else _escape(reason)):
        parse_formula(text, values)
    if reason not in ("empty", "uses no variable"):
        with pytest.raises(FormulaError):
            formula_variables(text)


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_not_text_is_refused():
    with pytest.raises(FormulaError, match="must be text"):
        parse_formula(123, {})


def test_refusals_are_value_errors():
    assert issubclass(FormulaError, ValueError) and issubclass(FormulaDomainError, FormulaError)


def test_missing_values_are_named():
    with pytest.raises(FormulaError, match="no value given for the variables y, z"):
        parse_formula("x + y*z", {"x": 1.0})
    with pytest.raises(FormulaError, match="the variable y$"):
        parse_formula("x + y", {"x": 1.0, "q": 2.0})


@pytest.mark.parametrize("bad", ["1", None, math.nan, math.inf, True, [1.0]])
def test_values_must_be_finite_numbers(bad):
    with pytest.raises(FormulaError, match="value of x"):
        parse_formula("x", {"x": bad})


def test_unused_values_are_ignored_and_numpy_numbers_accepted():
    formula = parse_formula("2*x", {"x": np.float32(1.5), "unused": 3, "y": np.int64(2)})
    assert formula.variables == ("x",) and formula.values == {"x": 1.5}


DOMAIN = [
    ("log(x)", {"x": -1.0}, "log of a negative number: log(x)"),
    ("log(x - 1)", {"x": 1.0}, "log of zero"),
    ("1/x", {"x": 0.0}, "division by zero in 1 / x"),
    ("y/(x - 2)", {"x": 2.0, "y": 1.0}, "division by zero in y / (x - 2)"),
    ("x**0.5", {"x": -2.0}, "fractional power"),
    ("sqrt(x)", {"x": -1.0}, "square root of a negative number"),
    ("exp(x)", {"x": 1000.0}, "too large"),
    ("x*0**-1", {"x": 1.0}, "0 to a negative power"),
    ("x * 10**400", {"x": 1.0}, "too large"),
    ("x*log(-1)", {"x": 1.0}, "log of a negative number"),
]


@pytest.mark.parametrize(("text", "values", "reason"), DOMAIN, ids=[d[0] for d in DOMAIN])
def test_domain_errors_are_explained(text, values, reason):
    with pytest.raises(FormulaDomainError, match=_escape(reason)) as info:
        parse_formula(text, values)
    assert "(at " in str(info.value) and "x = " in str(info.value)


def test_infinite_derivative_is_a_domain_error():
    formula = parse_formula("sqrt(x) + y", {"x": 0.0, "y": 1.0})
    assert formula.value() == 1.0
    with pytest.raises(FormulaDomainError, match=r"derivative of sqrt\(x\) with respect to x"):
        formula.gradients()


def test_formula_needs_gradient_recording():
    formula = parse_formula("x", {"x": 1.0})
    with ad.no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        formula.evaluate()


# ---- the graph


def test_graph_of_the_default_formula():
    formula = parse_formula("log(x*y) + sin(x)**2", {"x": 1.5, "y": 2.0})
    g = formula.graph()
    nodes, edges = g["nodes"], g["edges"]
    # x, y, x*y, log, sin, **2, +
    assert len(nodes) == 7 and len(edges) == 7
    assert [n["display"] for n in nodes] == ["x", "y", "×", "log", "sin", "** 2", "+"]
    assert [n["kind"] for n in nodes] == ["variable"] * 2 + ["op"] * 5
    assert [n["label"] for n in nodes[:2]] == ["x", "y"]
    assert nodes[-1]["expr"] == "log(x * y) + sin(x) ** 2"
    assert sorted(edges) == [(0, 2), (0, 4), (1, 2), (2, 3), (3, 6), (4, 5), (5, 6)]
    # the engine's own graph, node for node
    engine = ad.graph(formula.output)
    assert [(n["op"], n["label"]) for n in engine["nodes"]] == [
        (n["op"], n["label"]) for n in nodes
    ]
    assert engine["edges"] == edges
    assert all(n["grad"] is None for n in nodes)  # no backward yet
    formula.gradients()
    grads = {n["display"]: float(n["grad"]) for n in formula.graph()["nodes"]}
    assert grads["+"] == 1.0 and grads["log"] == 1.0 and grads["×"] == pytest.approx(1 / 3)


def test_constants_become_named_leaves_or_fold_into_ops():
    formula = parse_formula("2**x + 1/x - 3*x + x/4 + x*(2*pi)", {"x": 1.0})
    nodes = formula.graph()["nodes"]
    displays = [n["display"] for n in nodes]
    consts = [n for n in nodes if n["kind"] == "constant"]
    assert [c["display"] for c in consts] == ["2", "1"]
    assert [c["label"] for c in consts] == ["2", "1"]
    assert all(c["grad"] is None for c in consts)
    assert "× 3" in displays and "/ 4" in displays and "× 6.28319" in displays
    assert displays.count("x") == 1  # one leaf per variable, however often it is used
    formula.gradients()
    assert all(c["grad"] is None for c in formula.graph()["nodes"] if c["kind"] == "constant")


def test_a_formula_that_is_a_single_variable():
    formula = parse_formula("x", {"x": 3.0})
    assert formula.gradients() == {"x": 1.0}
    assert len(formula.graph()["nodes"]) == 1 and formula.backward_order() == [0]


# ---- the step-by-step backward replay


@pytest.mark.parametrize(("text", "values"), FD_CASES, ids=[c[0] for c in FD_CASES])
def test_backward_replay_ends_with_the_engines_gradients(text, values):
    formula = parse_formula(text, values)
    g = formula.graph()
    order = formula.backward_order()
    grad_nodes = [n["id"] for n in g["nodes"] if n["kind"] != "constant"]
    assert sorted(order) == sorted(grad_nodes)  # every non-constant node exactly once
    assert order[0] == len(g["nodes"]) - 1  # the output first
    # reverse topological: a node is filled after every node that consumes it
    position = {node: k for k, node in enumerate(order)}
    for a, b in g["edges"]:
        if a in position:
            assert position[b] < position[a]
    # the state grows one node per step, keeping earlier values
    n = len(order)
    assert formula.backward_state(0) == {}
    for k in range(1, n + 1):
        state = formula.backward_state(k)
        assert list(state) == order[:k]
    final = formula.backward_state(n)
    formula.gradients()  # the engine's backward
    for node in formula.graph()["nodes"]:
        if node["kind"] == "constant":
            continue
        assert final[node["id"]] == float(node["grad"])  # exactly, not approximately
    with pytest.raises(ValueError):
        formula.backward_state(n + 1)


def test_each_step_sums_its_consumers_contributions():
    formula = parse_formula("x*x*x - 2*x*x + x - x/x + sin(x)*x", {"x": 0.8})
    steps = formula.backward_steps()
    assert steps[0].grad == 1.0 and steps[0].contributions == ()
    x_step = steps[-1]
    nodes = formula.graph()["nodes"]
    assert nodes[x_step.node]["display"] == "x"
    # x feeds the three muls of x*x*x (twice into the first), 2*x*x (the folded ×2 and
    # the second ×), "+ x", x/x (twice) and sin(x)*x (sin and ×): 10 contributions
    assert len(x_step.contributions) == 10
    assert x_step.grad == pytest.approx(sum(c for _, c in x_step.contributions), rel=1e-14)
    assert x_step.grad == pytest.approx(
        3 * 0.64 - 3.2 + 1 + math.cos(0.8) * 0.8 + math.sin(0.8), rel=1e-12
    )


def test_the_module_docstring_examples():
    result = doctest.testmod(fm, verbose=False)
    assert result.failed == 0 and result.attempted >= 3
