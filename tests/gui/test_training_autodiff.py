"""The autodiff view driven through its real widgets.

Every gradient the view prints is checked against a derivative written out by
hand here; the step-by-step backward against the engine's own backward.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from neurolab.core import export
from neurolab.core.formula import parse_formula
from neurolab.gui.tabs.training_autodiff import (
    DEFAULT_FORMULA,
    FIT_MIN_SCALE,
    NEW_VARIABLE_VALUE,
    AutodiffView,
    layout_graph,
)

RESULT_ROW = re.compile(
    r"∂f/∂(\w+)</td><td align='right'>([^<]*)</td>"
    r"<td align='right'>([^<]*)</td><td align='right'>([^<]*)</td>"
)


@pytest.fixture
def view(qtbot):
    v = AutodiffView()
    qtbot.addWidget(v)
    v.resize(1200, 750)
    v.show()
    qtbot.waitExposed(v)
    return v


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def printed(view) -> dict[str, tuple[str, str, str]]:
    """name → (autodiff, central difference, relative difference) as printed."""
    rows = RESULT_ROW.findall(view.results.text())
    assert rows, view.results.text()
    return {name: (a, fd, rel) for name, a, fd, rel in rows}


def printed_value(view) -> float:
    m = re.fullmatch(r"f = (\S+)", view.value_label.text())
    assert m, view.value_label.text()
    return number(m.group(1))


def type_formula(qtbot, view, text: str) -> None:
    view.formula_edit.setFocus()
    view.formula_edit.selectAll()
    qtbot.keyClicks(view.formula_edit, text)
    qtbot.keyClick(view.formula_edit, Qt.Key.Key_Return)


def type_value(qtbot, view, name: str, text: str) -> None:
    edit = view.value_edits[name]
    edit.setFocus()
    edit.selectAll()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:  # QTest cannot type characters outside Latin-1
        edit.setText(text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def box_texts(view) -> list[str]:
    return [b.title() for b in view.plot.boxes]


def shown_box_grads(view) -> dict[int, float]:
    return {i: b.grad for i, b in enumerate(view.plot.boxes) if b.grad is not None}


# ---- formulas and their gradients


def test_default_formula_is_drawn_with_its_gradients(view):
    x, y = 1.5, 2.0
    assert view.formula_edit.text() == DEFAULT_FORMULA
    assert list(view.value_edits) == ["x", "y"]
    # x, y, x*y, log, sin, **2, +: seven boxes and seven arrows
    assert sorted(box_texts(view)) == sorted(["x", "y", "×", "log", "sin", "** 2", "+"])
    assert len(view.plot.arrows) == 7
    assert printed_value(view) == pytest.approx(math.log(x * y) + math.sin(x) ** 2, rel=1e-5)
    rows = printed(view)
    assert number(rows["x"][0]) == pytest.approx(1 / x + 2 * math.sin(x) * math.cos(x), rel=1e-5)
    assert number(rows["y"][0]) == pytest.approx(1 / y, rel=1e-5)
    assert view.step_label.text() == "step 7 of 7"


def test_typing_a_formula_shows_the_right_gradients(view, qtbot):
    type_formula(qtbot, view, "exp(-x**2)*cos(3*y)")
    qtbot.waitUntil(lambda: view.formula.text == "exp(-x**2)*cos(3*y)", timeout=1000)
    x, y = 1.5, 2.0  # the values stay
    dx = -2 * x * math.exp(-(x**2)) * math.cos(3 * y)
    dy = -3 * math.exp(-(x**2)) * math.sin(3 * y)
    rows = printed(view)
    assert number(rows["x"][0]) == pytest.approx(dx, rel=1e-5)
    assert number(rows["y"][0]) == pytest.approx(dy, rel=1e-5)
    assert view.grads["x"] == pytest.approx(dx, rel=1e-12)
    assert view.grads["y"] == pytest.approx(dy, rel=1e-12)
    # x, **2, neg, exp, y, ×3, cos, × — eight boxes, seven arrows
    assert sorted(box_texts(view)) == sorted(["x", "** 2", "neg", "exp", "y", "× 3", "cos", "×"])
    assert len(view.plot.arrows) == 7
    assert not view.formula_message.isVisible()


def test_the_central_difference_column_agrees(view, qtbot):
    for text in ("log(x*y) + sin(x)**2", "x**y", "sqrt(x*x + y*y)/(1 + exp(-x))"):
        type_formula(qtbot, view, text)
        qtbot.waitUntil(lambda t=text: view.formula.text == t, timeout=1000)
        for name, (auto, fd, rel) in printed(view).items():
            assert number(fd) == pytest.approx(number(auto), rel=1e-5), name
            assert float(rel) < 1e-5
            assert view.finite_differences[name] == pytest.approx(view.grads[name], rel=1e-6)


def test_new_variables_get_rows_and_old_values_are_remembered(view, qtbot):
    type_value(qtbot, view, "x", "0.25")
    qtbot.waitUntil(lambda: view.formula.values["x"] == 0.25, timeout=1000)
    type_formula(qtbot, view, "a*b + c")
    qtbot.waitUntil(lambda: list(view.value_edits) == ["a", "b", "c"], timeout=1000)
    assert all(view.formula.values[n] == NEW_VARIABLE_VALUE for n in "abc")
    assert [view.value_edits[n].text() for n in "abc"] == ["1", "1", "1"]
    type_formula(qtbot, view, "x*y")
    qtbot.waitUntil(lambda: list(view.value_edits) == ["x", "y"], timeout=1000)
    assert view.formula.values == {"x": 0.25, "y": 2.0}
    assert view.value_edits["x"].text() == "0.25"


def test_a_formula_is_applied_after_a_pause(view, qtbot):
    view.formula_edit.setFocus()
    view.formula_edit.selectAll()
    qtbot.keyClicks(view.formula_edit, "x*y*y")  # no Enter
    qtbot.waitUntil(lambda: view.formula.text == "x*y*y", timeout=3000)
    assert view.grads == {"x": 4.0, "y": 6.0}


def test_changing_a_value_updates_values_and_grads(view, qtbot):
    type_value(qtbot, view, "x", "0.5")
    qtbot.waitUntil(lambda: view.formula.values["x"] == 0.5, timeout=1000)
    x, y = 0.5, 2.0
    xbox = next(b for b in view.plot.boxes if b.title() == "x")
    assert xbox.value == 0.5 and xbox.lines()[0] == "val = 0.5"
    sin_box = next(b for b in view.plot.boxes if b.title() == "sin")
    assert sin_box.value == pytest.approx(math.sin(0.5))
    assert sin_box.grad == pytest.approx(2 * math.sin(0.5))
    rows = printed(view)
    assert number(rows["x"][0]) == pytest.approx(1 / x + math.sin(2 * x), rel=1e-5)
    assert printed_value(view) == pytest.approx(math.log(x * y) + math.sin(x) ** 2, rel=1e-5)
    # a typographic minus is a minus
    type_value(qtbot, view, "y", "−0.5")
    qtbot.waitUntil(lambda: not view.values_message.isHidden(), timeout=1000)
    assert "log of a negative number" in view.values_message.text()  # log(x*y), x*y < 0
    type_formula(qtbot, view, "x*y")
    qtbot.waitUntil(lambda: view.formula.text == "x*y", timeout=1000)
    type_value(qtbot, view, "y", "−0.5")
    qtbot.waitUntil(lambda: view.formula.values["y"] == -0.5, timeout=1000)
    assert view.grads == {"x": -0.5, "y": 0.5}


# ---- refusals


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("__import__('os')", "'__import__' is not allowed"),
        ("x.__class__", "attribute access"),
        ("open('f')", "'open' is not allowed"),
        ("[x for x in y]", "list comprehensions"),
        ("x if y else 2", "conditional expressions"),
        ("sin(x", "not a valid formula"),
    ],
)
def test_a_malicious_formula_is_refused_and_the_graph_stays(view, qtbot, text, reason):
    messages = []
    view.status.connect(messages.append)
    before_boxes = box_texts(view)
    before_grads = dict(view.grads)
    before_rows = printed(view)
    type_formula(qtbot, view, text)
    qtbot.waitUntil(view.formula_message.isVisible, timeout=1000)
    message = view.formula_message.text()
    assert reason in message
    assert f"Still showing f = {DEFAULT_FORMULA}" in message
    assert any(m.startswith("Refused:") and reason in m for m in messages)
    assert view.formula.text == DEFAULT_FORMULA
    assert box_texts(view) == before_boxes
    assert view.grads == before_grads and printed(view) == before_rows
    assert list(view.value_edits) == ["x", "y"]
    # a good formula clears the message
    type_formula(qtbot, view, "x + y")
    qtbot.waitUntil(lambda: view.formula.text == "x + y", timeout=1000)
    assert not view.formula_message.isVisible()


def test_a_domain_error_is_explained_and_the_graph_stays(view, qtbot):
    before = box_texts(view)
    type_formula(qtbot, view, "log(x - 2)")  # x = 1.5
    qtbot.waitUntil(view.formula_message.isVisible, timeout=1000)
    assert "log of a negative number" in view.formula_message.text()
    assert "x = 1.5" in view.formula_message.text()
    assert box_texts(view) == before and view.formula.text == DEFAULT_FORMULA

    type_formula(qtbot, view, "sqrt(x - 1.5)")  # defined, but ∂/∂x is infinite
    qtbot.waitUntil(lambda: "derivative of sqrt" in view.formula_message.text(), timeout=1000)
    assert box_texts(view) == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [("abc", "is not a number"), ("1e7", "between"), ("nan", "between"), ("0", "log of zero")],
)
def test_refused_values_keep_the_last_good_one(view, qtbot, text, reason):
    type_value(qtbot, view, "x", text)
    qtbot.waitUntil(lambda: not view.values_message.isHidden(), timeout=1000)
    assert reason in view.values_message.text()
    assert view.value_edits["x"].text() == "1.5"
    assert view.formula.values["x"] == 1.5
    assert view.set_value("x", 3.0)
    assert view.values_message.isHidden() and view.grads["y"] == 0.5


# ---- the backward pass, step by step


def test_step_backward_fills_the_grads_in_reverse_topological_order(view, qtbot):
    formula = parse_formula("x*x*x - 2*x*y + sin(y)/x", {"x": 1.5, "y": 2.0})
    type_formula(qtbot, view, formula.text)
    qtbot.waitUntil(lambda: view.formula.text == formula.text, timeout=1000)
    qtbot.mouseClick(view.backward_button, Qt.MouseButton.LeftButton)
    all_grads = shown_box_grads(view)
    edges = view.plot.edges
    order = formula.backward_order()
    n = len(order)
    constants = {i for i, b in enumerate(view.plot.boxes) if b.kind == "constant"}
    assert n == len(view.plot.boxes) - len(constants) and view.current_node() is None

    highlighted = []
    for k in range(1, n + 1):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
        assert view.step_label.text() == f"step {k} of {n}"
        current = [i for i, b in enumerate(view.plot.boxes) if b.current]
        assert current == [order[k - 1]]
        highlighted.append(current[0])
        filled = shown_box_grads(view)
        assert set(filled) == set(order[:k])
        unfilled = [b for i, b in enumerate(view.plot.boxes) if i not in set(filled) | constants]
        assert all(b.lines()[1] == "grad = ?" for b in unfilled)
        # the arrows to the consumers that passed the gradient back are highlighted
        hot = {edges[j] for j, a in enumerate(view.plot.arrows) if a.hot}
        assert hot == {(current[0], c) for a, c in edges if a == current[0]}
    # reverse topological: every node after all of its consumers
    for a, b in edges:
        if a not in constants:
            assert highlighted.index(b) < highlighted.index(a)
    assert shown_box_grads(view) == all_grads  # exactly what Backward (all) shows
    assert "Backward done" in view.step_info.text()
    rows = printed(view)
    assert number(rows["x"][0]) == pytest.approx(3 * 1.5**2 - 4 - math.sin(2) / 1.5**2, rel=1e-5)

    qtbot.mouseClick(view.backward_button, Qt.MouseButton.LeftButton)
    assert shown_box_grads(view) == all_grads
    assert not any(b.current for b in view.plot.boxes)
    # stepping again starts over at the output
    qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
    assert view.step_label.text() == f"step 1 of {n}" and list(shown_box_grads(view)) == [order[0]]


def test_step_info_lists_the_contributions(view, qtbot):
    order = view.formula.backward_order()
    for _ in order:
        view.step_backward()
    # the last step fills x, which gets 1/x (through x*y) plus 2 sin x cos x (through sin)
    assert view.current_node() == order[-1]
    text = view.step_info.text()
    assert "∂f/∂(<i>x</i>)" in text and "from “sin”" in text and "from “×”" in text


def test_reset_grads_then_step_and_shortcuts(view, qtbot):
    qtbot.mouseClick(view.reset_button, Qt.MouseButton.LeftButton)
    assert shown_box_grads(view) == {}
    assert all(b.lines()[-1] in ("grad = ?", "constant") for b in view.plot.boxes)
    assert all(r[0] == "?" for r in printed(view).values())
    assert view.step_label.text() == "step 0 of 7"
    view.plot.view.setFocus()
    qtbot.keyClick(view.plot.view, Qt.Key.Key_F10)
    assert list(shown_box_grads(view)) == [6] and view.plot.boxes[6].current
    assert view.plot.boxes[6].title() == "+"  # the output first, with the seed 1
    assert shown_box_grads(view)[6] == 1.0
    qtbot.keyClick(view.plot.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert len(shown_box_grads(view)) == 7 and view.step_label.text() == "step 7 of 7"


# ---- the drawing


def test_box_and_arrow_counts_for_a_formula_with_constants(view, qtbot):
    # x, 2, 2**x, 1, 1/x, x*x, −, + , /4 → constants 2 and 1 are their own boxes
    type_formula(qtbot, view, "2**x - 1/x + x*x/4")
    qtbot.waitUntil(lambda: view.formula.text == "2**x - 1/x + x*x/4", timeout=1000)
    assert sorted(box_texts(view)) == sorted(["x", "2", "**", "1", "/", "×", "/ 4", "−", "+"])
    kinds = [b.kind for b in view.plot.boxes]
    assert kinds.count("constant") == 2 and kinds.count("variable") == 1
    # 2**x: 2, 1/x: 2, x*x: 2, /4: 1, −: 2, +: 2
    assert len(view.plot.arrows) == 11
    assert list(view.value_edits) == ["x"]


def _check_drawing(view):
    boxes = [b.sceneBoundingRect().adjusted(3, 3, -3, -3) for b in view.plot.boxes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.intersects(b), "boxes overlap"
    lay = view.plot.layout_result
    for (a, b), pts in zip(view.plot.edges, lay.edge_points, strict=True):
        # arrows leave the argument's right side and end on the result's left side
        assert pts[0][0] == pytest.approx(boxes[a].right(), abs=1)
        assert pts[-1][0] == pytest.approx(boxes[b].left(), abs=1)
        assert boxes[b].top() <= pts[-1][1] <= boxes[b].bottom()
        # where an arrow crosses a column it passes no box
        for x0y0, x1y1 in zip(pts[1:-1:2], pts[2:-1:2], strict=True):
            for r in boxes:
                assert not (
                    r.left() < x1y1[0] and r.right() > x0y0[0] and r.top() < x0y0[1] < r.bottom()
                )
    # the output is alone in the rightmost column, variables are left of their users
    assert lay.layer[-1] == max(lay.layer) and lay.layer.count(lay.layer[-1]) == 1
    for a, b in view.plot.edges:
        assert lay.layer[a] < lay.layer[b]


@pytest.mark.parametrize(
    "text",
    [
        DEFAULT_FORMULA,
        "exp(-x**2)*cos(3*y) + x*y*z - z/(1+x**2) + tanh(y*z)**2",
        "2**x - 1/x + (1 - x)*tanh(x) + x*x*x - 2*x*x + x/4",
        "(logistic(w1*x + b1)*v1 + logistic(w2*x + b2)*v2 - t)**2",
        "+".join(f"a{i}*b{i}" for i in range(20)),
    ],
)
def test_boxes_do_not_overlap_and_arrows_join_them(view, qtbot, text):
    assert view.set_formula(text)
    _check_drawing(view)


def test_a_large_formula_still_works(view, qtbot):
    text = "+".join(f"a{i}*b{i}" for i in range(45))
    assert view.set_formula(text)
    assert len(view.plot.boxes) == 90 + 45 + 44
    assert view.plot.view.scale_factor() >= FIT_MIN_SCALE - 1e-9
    qtbot.mouseClick(view.plot.buttons["zoom_out"], Qt.MouseButton.LeftButton)
    assert view.plot.view.scale_factor() < FIT_MIN_SCALE
    qtbot.mouseClick(view.plot.buttons["fit"], Qt.MouseButton.LeftButton)
    assert view.plot.view.scale_factor() == pytest.approx(FIT_MIN_SCALE)
    assert all(g == 1.0 for g in view.grads.values())
    view.smoke_test()


def test_layout_of_the_default_formula():
    f = parse_formula(DEFAULT_FORMULA, {"x": 1.5, "y": 2.0})
    g = f.graph()
    lay = layout_graph(g["nodes"], g["edges"], [(100.0, 50.0)] * len(g["nodes"]))
    # x, y | x*y, sin | log, **2 | +
    assert lay.layer == [0, 0, 1, 2, 1, 2, 3]
    assert len(lay.column_x) == 4
    assert all(len(p) == 2 for p in lay.edge_points)  # no edge skips a column


# ---- export, data, checks


def test_export_png_svg_and_csv(view, tmp_path, monkeypatch):
    view.step_backward()
    view.plot.export(tmp_path / "graph.png")
    img = QImage(str(tmp_path / "graph.png"))
    assert img.width() > 400 and img.height() > 100
    view.plot.export(tmp_path / "graph.svg")
    assert "<svg" in (tmp_path / "graph.svg").read_text(encoding="utf-8")
    view.plot.export(tmp_path / "graph.csv")
    cols, meta = export.read_csv(tmp_path / "graph.csv")
    assert meta["params"]["formula"] == DEFAULT_FORMULA
    np.testing.assert_allclose(cols["grad_autodiff"], [view.grads["x"], view.grads["y"]])
    with pytest.raises(ValueError, match="unknown plot format"):
        view.plot.export(tmp_path / "graph.pdf")

    from neurolab.gui import dialogs

    monkeypatch.setattr(dialogs, "save_file", lambda *a: str(tmp_path / "via_dialog.png"))
    assert view.plot.export_dialog("png") == str(tmp_path / "via_dialog.png")
    assert (tmp_path / "via_dialog.png").stat().st_size > 1000


def test_parameters_and_data(view, qtbot):
    view.set_formula("2**x*y")
    p = view.parameters()
    assert p["formula"] == "2**x*y" and p["variables"] == ["x", "y"]
    assert p["values"] == {"x": 1.5, "y": 2.0} and p["backward_steps"] == 4
    d = view.data()
    np.testing.assert_array_equal(d["variable_value"], [1.5, 2.0])
    np.testing.assert_allclose(d["grad_autodiff"], [2**1.5 * math.log(2) * 2.0, 2**1.5], rtol=1e-12)
    np.testing.assert_allclose(d["grad_central_difference"], d["grad_autodiff"], rtol=1e-6)
    assert (d["relative_difference"] < 1e-6).all()
    assert d["f"][0] == pytest.approx(2**1.5 * 2)
    assert len(d["node_value"]) == len(d["node_grad"]) == 5  # x, 2, **, y, ×
    constants = [i for i, b in enumerate(view.plot.boxes) if b.kind == "constant"]
    assert np.isnan(d["node_grad"][constants]).all()
    assert len(d["edge_from"]) == len(d["edge_to"]) == 4
    assert len(d["backward_order"]) == 4
    view.reset_grads()
    np.testing.assert_array_equal(view.data()["grad_autodiff"], d["grad_autodiff"])


def test_data_saves_as_csv_and_npz(view, tmp_path):
    for suffix in ("csv", "npz"):
        export.save(tmp_path / f"autodiff.{suffix}", view.data(), view.parameters(), tab="Training")
    cols, meta = export.read_csv(tmp_path / "autodiff.csv")
    np.testing.assert_allclose(cols["grad_autodiff"], [view.grads["x"], view.grads["y"]])
    assert meta["params"]["values"] == {"x": 1.5, "y": 2.0}
    with np.load(tmp_path / "autodiff.npz", allow_pickle=False) as z:
        np.testing.assert_array_equal(z["backward_order"], [6, 5, 4, 3, 2, 1, 0])


def test_smoke_test(view):
    view.smoke_test()


def test_render_mid_step(view, tmp_path):
    """The whole view renders at every step (PNG checked by eye during development)."""
    for k in range(len(view.steps) + 1):
        img = view.grab().toImage()
        assert img.width() == 1200
        if k == 3:
            assert img.save(str(tmp_path / "autodiff_step3.png"))
        view.step_backward()
