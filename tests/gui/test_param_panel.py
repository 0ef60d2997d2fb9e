"""ParamPanel announces real changes only, and clears its refusal when the user moves on."""

import pytest
from PySide6.QtCore import Qt

from neurolab.core.params import Param, ParamSet
from neurolab.gui.widgets.param_panel import ParamPanel


class Demo(ParamSet):
    n = Param(1000, 2, 20_000, 1, "", "How many", integer=True, label="N")
    w_mean = Param(0.0, -5.0, 5.0, 0.01, "", "Mean weight", label="w mean")
    tau = Param(20.0, 1.0, 200.0, 0.5, "ms", "Time constant", log=True, label="τ")


@pytest.fixture
def panel(qtbot):
    p = ParamPanel(Demo(), "demo", throttle_ms=0)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    got = []
    p.changed.connect(got.append)
    p.got = got
    return p


def test_leaving_a_box_untouched_announces_nothing(panel, qtbot):
    edit = panel.rows["n"].edit
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    panel.rows["w_mean"].edit.setFocus()  # focus leaves N
    edit.editingFinished.emit()
    edit.setText(" 1000.0 ")  # the same value, typed differently
    edit.editingFinished.emit()
    qtbot.wait(20)
    assert panel.got == [] and edit.text() == "1000"


def test_a_slider_back_on_the_same_value_announces_nothing(panel, qtbot):
    row = panel.rows["tau"]  # a log slider rounds to 3 digits: neighbours can share a value
    same = [i for i in range(1000) if row.from_pos(i) == row.from_pos(2)]
    assert len(same) > 1
    panel.set_value("tau", row.from_pos(2))
    panel.got.clear()
    slider = row.slider
    pos = slider.value()
    for i in same:
        slider.setValue(i)
    slider.setValue(pos)
    qtbot.wait(20)
    assert panel.got == []
    slider.setValue(pos + 50)
    qtbot.waitUntil(lambda: len(panel.got) == 1, timeout=1000)


def test_a_typed_new_value_is_announced_once(panel, qtbot):
    edit = panel.rows["w_mean"].edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "0.25")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    panel.rows["n"].edit.setFocus()  # editingFinished again on focus loss: no change
    edit.editingFinished.emit()
    qtbot.wait(20)
    assert [p.w_mean for p in panel.got] == [0.25]
    panel.set_value("w_mean", 0.25)  # programmatic, same value: silent too
    panel.set_values(panel.values())
    qtbot.wait(20)
    assert len(panel.got) == 1


def test_a_refusal_names_the_label_and_goes_once_a_value_is_accepted(panel, qtbot):
    refusals = []
    panel.refused.connect(refusals.append)
    edit = panel.rows["w_mean"].edit
    edit.setText("9")
    edit.editingFinished.emit()
    assert refusals == ["w mean (w_mean) must be between -5 and 5 (got 9)"]
    assert panel.message.isVisibleTo(panel) and "Refused: w mean" in panel.message.text()
    edit.setText("abc")
    edit.editingFinished.emit()
    assert refusals[-1].startswith("w mean (w_mean): 'abc' is not a number")
    panel.rows["n"].edit.setText("1200")
    panel.rows["n"].edit.editingFinished.emit()
    assert not panel.message.isVisibleTo(panel)
    edit.setText("9")
    edit.editingFinished.emit()
    panel.clear_message()  # the view clears it after a valid change elsewhere
    assert not panel.message.isVisibleTo(panel)
