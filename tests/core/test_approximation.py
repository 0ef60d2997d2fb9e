import numpy as np
import pytest

from neurolab.core.approximation import TARGETS, approximate, parse_expression, piece


def test_pieces_sum_to_G_and_are_near_indicator():
    r = approximate(TARGETS["sine"], 10, 1000.0)
    np.testing.assert_allclose(r.pieces.sum(axis=0), r.G)
    p = piece(np.array([0.05, 0.25, 0.5]), 0.2, 0.1, 1000.0)
    np.testing.assert_allclose(p, [0.0, 1.0, 0.0], atol=1e-12)


def test_sine_error_falls_with_pieces():
    errs = [approximate(TARGETS["sine"], n, 5000.0).max_error for n in (5, 10, 20, 50)]
    assert all(a > b for a, b in zip(errs, errs[1:], strict=False))
    assert errs[-1] < 0.1


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_targets_finite(name):
    r = approximate(TARGETS[name], 20, 2000.0)
    assert np.isfinite(r.G).all() and r.max_error >= 0


def test_parse_expression_whitelisted():
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(parse_expression("sin(2*pi*x)")(x), np.sin(2 * np.pi * x))
    np.testing.assert_allclose(
        parse_expression("-x**2 + 3*(x - 1)/2 + abs(tanh(x)) + sqrt(exp(x)) + cos(x)")(x),
        -(x**2) + 3 * (x - 1) / 2 + np.abs(np.tanh(x)) + np.sqrt(np.exp(x)) + np.cos(x),
    )
    assert parse_expression("2")(x).shape == x.shape


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "x.real",
        "open('f')",
        "x if x else 1",
        "[x]",
        "lambda: 1",
        "y",
        "sin(x, x)",
        "'abc'",
        "x; 1",
        "",
        "(" * 300 + "x" + ")" * 300,
    ],
)
def test_parse_expression_rejects(text):
    with pytest.raises(ValueError):
        parse_expression(text)


@pytest.mark.parametrize(
    "text, message",
    [
        ("x^2", "^ is not allowed: write powers as x**2"),
        ("x.real", "attribute access (x.real) is not allowed"),
        ("x if x else 1", "conditional expressions (a if c else b) are not allowed"),
        ("lambda: 1", "lambda functions are not allowed"),
        ("[x]", "lists [...] are not allowed"),
        ("x // 2", "the operator // is not allowed"),
        ("not x", "the operator 'not' is not allowed"),
        ("x < 1", "comparisons (<, >, ==, …) are not allowed"),
        ("x[0]", "indexing such as x[0] is not allowed"),
        ("(x, 1)", "tuples (a, b) are not allowed"),
    ],
)
def test_refusals_speak_the_students_language(text, message):
    with pytest.raises(ValueError) as err:
        parse_expression(text)
    assert str(err.value).startswith(message)
    # Python's own node names never reach the student.
    for internal in ("BinOp", "Attribute", "IfExp", "Lambda", "List", "Compare", "Subscript"):
        assert internal not in str(err.value)
