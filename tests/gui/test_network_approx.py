"""The universal-approximation panel driven through its real widgets.

Every number the panel shows is checked against ``approximate()`` called here
independently (its default grid is the same 1001 points of [0, 1]).
"""

import json
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from neurolab.core import export
from neurolab.core.approximation import TARGETS, approximate
from neurolab.gui.tabs.network_approx import (
    MAX_PIECES_DRAWN,
    SWEEP_N,
    TYPED,
    ApproximationView,
    log_ticks,
    max_error_sweep,
)


@pytest.fixture
def view(qtbot):
    v = ApproximationView()
    qtbot.addWidget(v)
    v.resize(1200, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def printed_error(view) -> float:
    m = re.search(r"max \|f − G\| = ([0-9.eE+-]+)", view.error_label.text())
    assert m, view.error_label.text()
    return float(m.group(1))


def type_number(qtbot, view, name, value) -> None:
    """Type a value into a ParamPanel row's text box and press Enter."""
    edit = view.params.rows[name].edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, str(value))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(view.params.values(), name) == value, timeout=1000)


def choose_typed_target(qtbot, view) -> None:
    view.params.rows["target"].combo.setCurrentText(TYPED)
    qtbot.waitUntil(view.expression.isVisible, timeout=1000)


def type_expression(qtbot, view, text) -> None:
    """Replace the expression with ``text`` key by key and press Enter."""
    view.expression.setFocus()
    view.expression.selectAll()
    qtbot.keyClicks(view.expression, text)
    qtbot.keyClick(view.expression, Qt.Key.Key_Return)


def test_raising_n_lowers_the_printed_max_error(view, qtbot):
    w = view.params.values().steepness
    type_number(qtbot, view, "n_pieces", 5)
    qtbot.waitUntil(lambda: "N = 5 " in view.error_detail.text(), timeout=1000)
    low = approximate(TARGETS["sine"], 5, w).max_error
    assert printed_error(view) == pytest.approx(low, rel=1e-3)
    printed_low = printed_error(view)

    # Now through the (logarithmic) slider.
    row = view.params.rows["n_pieces"]
    row.slider.setValue(row.to_pos(50))
    qtbot.waitUntil(lambda: view.params.values().n_pieces == 50, timeout=1000)
    qtbot.waitUntil(lambda: "N = 50 " in view.error_detail.text(), timeout=1000)
    high = approximate(TARGETS["sine"], 50, w).max_error
    assert printed_error(view) == pytest.approx(high, rel=1e-3)
    assert printed_error(view) < printed_low and high < low / 5
    assert f"{high:.3g}" in view.p_fit.titleLabel.text


def test_a_forbidden_expression_is_refused_and_the_curves_stay(view, qtbot):
    choose_typed_target(qtbot, view)
    G_before = view.G_curve.yData.copy()
    f_before = view.target_curve.yData.copy()
    expression_before = view.parameters()["expression"]
    with qtbot.waitSignal(view.status, timeout=1000) as sig:
        type_expression(qtbot, view, "__import__('os')")
    assert sig.args[0].startswith("Refused:")
    assert view.expr_message.isVisible()
    text = view.expr_message.text()
    assert "'__import__'" in text and "not allowed" in text
    assert expression_before in text  # says what is still shown
    np.testing.assert_array_equal(view.G_curve.yData, G_before)
    np.testing.assert_array_equal(view.target_curve.yData, f_before)
    assert view.parameters()["expression"] == expression_before


def test_an_expression_infinite_on_the_interval_is_refused_with_where(view, qtbot):
    choose_typed_target(qtbot, view)
    G_before = view.G_curve.yData.copy()
    type_expression(qtbot, view, "1/x")
    qtbot.waitUntil(view.expr_message.isVisible, timeout=1000)
    assert "not finite at x = 0" in view.expr_message.text()
    np.testing.assert_array_equal(view.G_curve.yData, G_before)


def test_an_n_that_puts_a_midpoint_on_a_pole_is_taken_back(view, qtbot):
    choose_typed_target(qtbot, view)
    type_expression(qtbot, view, "1/(x - 1/6)")  # finite on the grid, infinite at x = 1/6
    qtbot.waitUntil(lambda: view.parameters()["expression"] == "1/(x - 1/6)", timeout=1000)
    G_before = view.G_curve.yData.copy()
    edit = view.params.rows["n_pieces"].edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "3")  # the first of 3 pieces has its midpoint at 1/6
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(view.expr_message.isVisible, timeout=1000)
    assert "N = 3" in view.expr_message.text() and "back to 10" in view.expr_message.text()
    assert view.params.values().n_pieces == 10 and edit.text() == "10"
    np.testing.assert_array_equal(view.G_curve.yData, G_before)


def test_a_built_in_target_shows_its_formula_instead_of_the_box(view, qtbot):
    view.params.rows["target"].combo.setCurrentText("polynomial")
    qtbot.waitUntil(lambda: "4x³" in view.formula.text(), timeout=1000)
    assert view.formula.isVisible() and not view.expression.isVisible()
    x = view.target_curve.xData
    np.testing.assert_allclose(view.target_curve.yData, TARGETS["polynomial"](x))
    choose_typed_target(qtbot, view)
    assert not view.formula.isVisible()


def test_typing_x_squared_draws_G_close_to_x_squared(view, qtbot):
    choose_typed_target(qtbot, view)
    type_number(qtbot, view, "n_pieces", 100)
    type_expression(qtbot, view, "x**2")
    qtbot.waitUntil(lambda: view.parameters()["expression"] == "x**2", timeout=1000)
    assert not view.expr_message.isVisible()
    w = view.params.values().steepness
    ref = approximate(lambda x: x**2, 100, w)
    x, G = view.G_curve.xData, view.G_curve.yData
    np.testing.assert_allclose(view.target_curve.yData, x**2, atol=1e-15)
    err = np.max(np.abs(G - x**2))
    assert err == pytest.approx(ref.max_error, rel=1e-9)
    assert err < 0.02  # "close": x² varies by 1 over [0, 1]
    np.testing.assert_allclose(G, ref.G, atol=1e-12)
    assert printed_error(view) == pytest.approx(ref.max_error, rel=1e-3)


def test_a_pause_in_typing_applies_the_expression(view, qtbot):
    choose_typed_target(qtbot, view)
    view.expression.setFocus()
    view.expression.selectAll()
    qtbot.keyClicks(view.expression, "x**3")  # no Enter
    qtbot.waitUntil(lambda: view.parameters()["expression"] == "x**3", timeout=3000)
    np.testing.assert_allclose(view.target_curve.yData, view.target_curve.xData**3, atol=1e-15)


def test_error_against_n_falls_for_a_smooth_target_at_high_steepness(view, qtbot):
    row = view.params.rows["steepness"]
    row.slider.setValue(row.slider.maximum())
    qtbot.waitUntil(lambda: view.params.values().steepness == 10000.0, timeout=1000)
    qtbot.waitUntil(lambda: "w = 10000" in view.p_sweep.titleLabel.text, timeout=1000)
    n, e = view.sweep_curve.xData, view.sweep_curve.yData
    assert n[0] == 1 and n[-1] == 200 and np.all(np.diff(n) > 0)
    assert np.all(np.diff(e) <= 1e-12)  # never rises ...
    assert e[-1] < e[0] / 30  # ... and falls a lot
    for k in (0, len(n) // 2, len(n) - 1):
        ref = approximate(TARGETS["sine"], int(n[k]), 10000.0).max_error
        assert e[k] == pytest.approx(ref, rel=1e-9)
    # The current N is marked on the curve.
    N = view.params.values().n_pieces
    assert list(view.marker.xData) == [N]
    assert view.marker.yData[0] == e[list(n).index(N)]


def test_current_n_off_the_sweep_grid_joins_the_curve(view, qtbot):
    assert 11 not in SWEEP_N
    type_number(qtbot, view, "n_pieces", 11)
    qtbot.waitUntil(lambda: 11 in view.sweep_curve.xData, timeout=1000)
    n, e = list(view.sweep_curve.xData), view.sweep_curve.yData
    assert e[n.index(11)] == pytest.approx(view.result.max_error, rel=1e-12)


def test_data_arrays_are_finite_and_consistent(view, qtbot):
    type_number(qtbot, view, "n_pieces", 200)
    qtbot.waitUntil(lambda: view.result.pieces.shape[0] == 200, timeout=1000)
    d = view.data()
    for name, values in d.items():
        assert np.isfinite(values).all(), name
    n_x = len(d["x"])
    assert d["target"].shape == d["G"].shape == (n_x,)
    assert d["pieces"].shape == (n_x, 200)  # column j is piece j
    np.testing.assert_allclose(d["pieces"].sum(axis=1), d["G"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(d["edges"], np.linspace(0, 1, 201))
    mids = 0.5 * (d["edges"][:-1] + d["edges"][1:])
    np.testing.assert_allclose(d["heights"], TARGETS["sine"](mids))
    assert d["max_error"][0] == pytest.approx(np.max(np.abs(d["target"] - d["G"])))
    assert 200 in d["sweep_N"] and np.all(np.diff(d["sweep_N"]) > 0)
    assert d["sweep_max_error"][-1] == d["max_error"][0]

    # Only a capped, evenly spread subset of the pieces is drawn, and the legend says so.
    x, y = view.pieces_curve.xData, view.pieces_curve.yData
    segments = np.split(y, np.flatnonzero(np.isnan(y)) + 1)
    segments = [s[~np.isnan(s)] for s in segments if np.any(~np.isnan(s))]
    drawn = view.drawn_pieces()
    assert len(segments) == len(drawn) <= MAX_PIECES_DRAWN
    assert drawn[0] == 0 and drawn[-1] >= 200 - (drawn[1] - drawn[0])
    for j, seg in zip(drawn, segments, strict=True):
        np.testing.assert_array_equal(seg, d["pieces"][:, j])
    assert len(x) == len(drawn) * (n_x + 1)  # each piece over the whole grid, then a gap
    np.testing.assert_array_equal(x[:n_x], d["x"])
    label = view.p_fit.legend.getLabel(view.pieces_curve).text
    assert f"({len(drawn)} of 200)" in label


def test_hiding_the_pieces_empties_their_curve_and_legend_entry(view, qtbot):
    view.show_pieces.setChecked(False)
    assert view.pieces_curve.xData is None or len(view.pieces_curve.xData) == 0
    assert view.p_fit.legend.getLabel(view.pieces_curve) is None
    view.show_pieces.setChecked(True)
    assert len(view.pieces_curve.xData) > 0
    assert "the 10 pieces" in view.p_fit.legend.getLabel(view.pieces_curve).text


def test_parameters_and_exports_carry_the_settings(view, qtbot, tmp_path):
    choose_typed_target(qtbot, view)
    type_expression(qtbot, view, "sin(3*x) + 0.5")
    qtbot.waitUntil(lambda: view.parameters()["expression"] == "sin(3*x) + 0.5", timeout=1000)
    params = view.parameters()
    assert json.loads(json.dumps(params)) == params
    assert params["target"] == TYPED and params["n_pieces"] == 10
    assert view.plot.metadata is not None and view.plot.metadata() == params

    csv = tmp_path / "plot.csv"
    view.plot.export(csv)
    cols, meta = export.read_csv(csv)
    assert meta["params"]["expression"] == "sin(3*x) + 0.5"
    assert any(k.endswith("| G(x) | f and G") for k in cols)

    data_csv = tmp_path / "data.csv"
    export.save_csv(data_csv, view.data(), view.parameters())
    cols, _ = export.read_csv(data_csv)
    np.testing.assert_allclose(cols["pieces_col3"], view.data()["pieces"][:, 3])
    np.testing.assert_allclose(cols["G"], view.data()["G"])


def test_smoke_test_passes(view):
    view.smoke_test()


@pytest.mark.parametrize("name", sorted(TARGETS))
@pytest.mark.parametrize("w", [3.0, 1000.0])
def test_vectorised_sweep_matches_approximate(name, w):
    ns = np.array([1, 2, 7, 40, 200])
    x = np.linspace(0, 1, 1001)
    errs = max_error_sweep(TARGETS[name], ns, w, x)
    ref = [approximate(TARGETS[name], int(n), w, x).max_error for n in ns]
    np.testing.assert_allclose(errs, ref, rtol=1e-9, atol=1e-13)


def test_log_ticks_label_what_is_shown():
    ticks = log_ticks(0.015, 1.0)[0]
    values = [10**p for p, _ in ticks]
    assert min(values) <= 0.015 and max(values) >= 1.0
    assert ("1" in {t for _, t in ticks}) and ("0.02" in {t for _, t in ticks})
    assert len(log_ticks(1e-15, 1.0)[0]) <= 10  # a wide range stays readable


@pytest.mark.parametrize("size", [(1024, 700), (1024, 480)])
def test_the_controls_fit_their_column_whatever_the_error_reads(qtbot, size):
    from PySide6.QtWidgets import QScrollArea

    v = ApproximationView()
    qtbot.addWidget(v)
    v.resize(*size)
    v.show()
    qtbot.waitExposed(v)
    v.set_expression("1e-7*x + 3e-9")  # a long number in the big label
    v.params.set_value("n_pieces", 137)
    qtbot.wait(50)
    assert "e-" in v.error_label.text()
    scroll = v.findChild(QScrollArea)
    content = scroll.widget()
    # Nothing is wider than what the column shows (the horizontal scroll bar is off).
    assert content.minimumSizeHint().width() <= scroll.viewport().width()
    assert content.width() <= scroll.viewport().width()
    for name in ("n_pieces", "steepness"):
        edit = v.params.rows[name].edit
        right = edit.mapTo(scroll.viewport(), edit.rect().topRight()).x()
        assert right < scroll.viewport().width(), name
    reset = v.params.reset_button
    assert reset.mapTo(scroll.viewport(), reset.rect().topRight()).x() < scroll.viewport().width()


def test_no_legend_over_the_sweep_and_the_title_names_the_dot(view, qtbot):
    assert view.p_sweep.legend is None
    view.params.set_value("n_pieces", 20)
    qtbot.waitUntil(lambda: "N = 20" in view.p_sweep.titleLabel.text, timeout=1000)
    assert "large dot" in view.p_sweep.titleLabel.text
    assert view.params.rows["steepness"].label.text() == "steepness w"


def test_accepted_changes_replace_a_refusal_and_saves_are_confirmed(view, qtbot, tmp_path):
    statuses = []
    view.status.connect(statuses.append)
    choose_typed_target(qtbot, view)
    type_expression(qtbot, view, "x^2")
    qtbot.waitUntil(lambda: statuses and statuses[-1].startswith("Refused:"), timeout=1000)
    assert "write powers as x**2" in view.expr_message.text()
    view.params.set_value("n_pieces", 25)
    qtbot.waitUntil(lambda: statuses[-1] == "Approximation: pieces N = 25", timeout=1000)
    assert not view.expr_message.isVisible()
    view.plot.export(tmp_path / "a.png")
    assert statuses[-1] == f"Saved {tmp_path / 'a.png'}"
