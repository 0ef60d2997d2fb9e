"""The rate-network panel driven through its real widgets.

Expected outputs are computed here from RateNetwork's seeded draw and the SPEC
§4 formula y = σ(x W + b) written out with numpy, not through the view's own code.
"""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from neurolab.core import export
from neurolab.core.activations import ACTIVATIONS
from neurolab.core.network import RateNetwork
from neurolab.gui.tabs.network_rate import RateNetworkView


@pytest.fixture
def view(qtbot):
    v = RateNetworkView()
    qtbot.addWidget(v)
    v.resize(1200, 750)
    v.show()
    qtbot.waitExposed(v)
    return v


def expected_outputs(x, weights, biases, activation="logistic"):
    """Every layer's activity, input first: y_k = σ(y_{k-1} W_k + b_k)."""
    f = ACTIVATIONS[activation].f
    ys = [np.asarray(x, float)]
    for W, b in zip(weights, biases, strict=True):
        ys.append(f(ys[-1] @ W + b))
    return ys


def seeded(sizes, seed=0, scale=1.0):
    net = RateNetwork(sizes, "logistic", seed=seed)
    return [scale * W for W in net.weights], [b.copy() for b in net.biases]


def assert_outputs(view, weights, biases, activation="logistic", atol=1e-12):
    exp = expected_outputs(view.input_values(), weights, biases, activation)
    assert len(view.activities) == len(exp)
    for got, want in zip(view.activities, exp, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)


def type_in_cell(view, qtbot, i, j, text):
    hm = view.heatmap
    qtbot.mouseClick(hm.view.viewport(), Qt.MouseButton.LeftButton, pos=hm.cell_point(i, j))
    assert hm.editing == (i, j)
    hm.editor.selectAll()
    qtbot.keyClick(hm.editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(hm.editor, text)
    qtbot.keyClick(hm.editor, Qt.Key.Key_Return)


def bar_heights(view, k):
    return np.array(view.bars_y[k].opts["height"], dtype=float)


def test_defaults_match_the_seeded_network(view):
    assert view.sizes == [3, 4, 2]
    W, b = seeded([3, 4, 2])
    for got, want in zip(view.weights, W, strict=True):
        np.testing.assert_array_equal(got, want)
    assert_outputs(view, W, b)
    np.testing.assert_array_equal(view.heatmap.matrix(), W[0])  # W1 shown: 3 rows "from", 4 "to"
    # The bars show what was computed.
    for k, y in enumerate(view.activities):
        np.testing.assert_allclose(bar_heights(view, k), y)
    titles = [p.titleLabel.text for p in view.plot.plots[:3]]
    assert titles == ["layer 0 (input)", "layer 1 (hidden)", "layer 2 (output)"]
    assert view.layer_plots[0].getAxis("left").labelText == "activity"
    assert view.layer_plots[0].getAxis("bottom").labelText == "neuron"


def test_editing_a_weight_cell_changes_the_outputs_as_the_formula_says(view, qtbot):
    before = [y.copy() for y in view.activities]
    with qtbot.waitSignal(view.heatmap.edited, timeout=1000):
        type_in_cell(view, qtbot, 1, 2, "2.5")
    W, b = seeded([3, 4, 2])
    W[0][1, 2] = 2.5
    np.testing.assert_array_equal(view.weights[0], W[0])
    assert_outputs(view, W, b)
    assert not np.allclose(view.activities[1], before[1])
    assert not np.allclose(view.activities[2], before[2])
    np.testing.assert_allclose(bar_heights(view, 2), view.activities[2])
    assert view.parameters()["edits"][-1]["value"] == 2.5

    # A weight of the second matrix, chosen in the selector.
    view.layer_combo.setCurrentIndex(1)
    np.testing.assert_array_equal(view.heatmap.matrix(), W[1])
    type_in_cell(view, qtbot, 3, 0, "-1")
    W[1][3, 0] = -1.0
    assert_outputs(view, W, b)


def test_bias_toggle_shows_the_augmented_matrix_with_the_same_outputs(view, qtbot):
    before = [y.copy() for y in view.activities]
    M, N = view.weights[0].shape
    qtbot.mouseClick(view.bias_check, Qt.MouseButton.LeftButton)
    assert view.bias_check.isChecked()
    hm = view.heatmap
    assert hm.shape == (M + 1, N)
    np.testing.assert_array_equal(hm.matrix()[:M], view.weights[0])
    np.testing.assert_array_equal(hm.matrix()[M], view.biases[0])
    assert hm.plot.getAxis("left")._tickLevels[0][-1] == (M, "bias")
    for got, want in zip(view.activities, before, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert view.max_difference < 1e-12
    assert "same outputs" in view.same_label.text() and "(x 1)·[W; b]" in view.same_label.text()

    # Editing the bias row edits b.
    type_in_cell(view, qtbot, M, 1, "0.8")
    W, b = seeded([3, 4, 2])
    b[0][1] = 0.8
    np.testing.assert_array_equal(view.biases[0], b[0])
    np.testing.assert_array_equal(view.weights[0], W[0])
    assert_outputs(view, W, b)

    # Off again: W only, outputs unchanged.
    after = [y.copy() for y in view.activities]
    qtbot.mouseClick(view.bias_check, Qt.MouseButton.LeftButton)
    assert hm.shape == (M, N)
    for got, want in zip(view.activities, after, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "text, words",
    [
        ("3, 40, 2", "1 to 16 neurons"),
        ("3, 0, 2", "1 to 16 neurons"),
        ("3", "2 to 5 layers"),
        ("1, 2, 3, 4, 5, 6", "2 to 5 layers"),
        ("three, four", "not a list of whole numbers"),
        ("3, 2.5, 1", "not a list of whole numbers"),
    ],
)
def test_bad_layer_sizes_are_refused_and_nothing_changes(view, qtbot, text, words):
    before = ([W.copy() for W in view.weights], [y.copy() for y in view.activities])
    edit = view.sizes_edit
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)
    with qtbot.waitSignal(view.status, timeout=1000) as sig:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert sig.args[0].startswith("Refused:") and words in sig.args[0]
    assert view.sizes_message.isVisibleTo(view) and words in view.sizes_message.text()
    assert view.sizes == [3, 4, 2] and edit.text() == "3, 4, 2"
    for got, want in zip(view.weights, before[0], strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(view.activities, before[1], strict=True):
        np.testing.assert_array_equal(got, want)


def test_new_layer_sizes_rebuild_inputs_selector_and_plots(view, qtbot):
    edit = view.sizes_edit
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, "5 6 4 2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert view.sizes == [5, 6, 4, 2] and edit.text() == "5, 6, 4, 2"
    assert not view.sizes_message.isVisibleTo(view)
    assert list(view.inputs.rows) == ["x0", "x1", "x2", "x3", "x4"]
    # The first three inputs keep their values; the new ones take the defaults.
    np.testing.assert_array_equal(view.input_values(), [1.0, -0.5, 0.5, -1.0, 1.0])
    assert view.layer_combo.count() == 3 and view.layer_combo.isEnabled()
    shown = [p for p in view.layer_plots if p.scene() is not None]
    assert [p.titleLabel.text for p in shown] == [
        "layer 0 (input)",
        "layer 1 (hidden)",
        "layer 2 (hidden)",
        "layer 3 (output)",
    ]
    W, b = seeded([5, 6, 4, 2])
    assert_outputs(view, W, b)
    # Fewer layers: the readout and the CSV export only see the plots shown.
    view.set_sizes_text("5, 2")
    assert view.plot.plots == view.layer_plots[:2]
    assert {c.split(" | ")[0] for c in view.plot.curve_data()} == {
        "layer 0 (input)",
        "layer 1 (output)",
    }
    # 16 inputs fit, in a scroll area.
    view.set_sizes_text("16, 16")
    assert len(view.inputs.rows) == 16 and view.heatmap.shape == (16, 16)
    assert_outputs(view, *seeded([16, 16]))


def test_out_of_range_cell_value_is_refused_and_nothing_changes(view, qtbot):
    before = ([W.copy() for W in view.weights], [y.copy() for y in view.activities])
    statuses = []
    view.status.connect(statuses.append)
    with qtbot.waitSignal(view.heatmap.refused, timeout=1000) as sig:
        type_in_cell(view, qtbot, 0, 0, "500")
    assert "between -100 and 100" in sig.args[0]
    assert statuses and statuses[-1].startswith("Refused:")
    for got, want in zip(view.weights, before[0], strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(view.activities, before[1], strict=True):
        np.testing.assert_array_equal(got, want)
    assert view.parameters()["edits"] == []


def test_moving_an_input_slider_changes_the_bars(view, qtbot):
    row = view.inputs.rows["x1"]
    before_in, before_out = bar_heights(view, 0), bar_heights(view, 2)
    row.slider.setFocus()
    for _ in range(50):
        qtbot.keyClick(row.slider, Qt.Key.Key_Right)  # +0.01 each
    qtbot.waitUntil(lambda: bar_heights(view, 0)[1] == pytest.approx(0.0), timeout=1000)
    assert bar_heights(view, 0)[0] == before_in[0]
    assert not np.allclose(bar_heights(view, 2), before_out)
    assert_outputs(view, *seeded([3, 4, 2]))
    np.testing.assert_allclose(bar_heights(view, 2), view.activities[2])


def test_activation_seed_and_scale_update_immediately(view, qtbot):
    panel = view.net_params
    panel.rows["activation"].combo.setCurrentText("tanh")
    qtbot.waitUntil(lambda: view.parameters()["activation"] == "tanh", timeout=1000)
    assert_outputs(view, *seeded([3, 4, 2]), activation="tanh")

    with qtbot.waitSignal(panel.changed, timeout=1000):
        qtbot.mouseClick(view.randomise_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.parameters()["seed"] == 1, timeout=1000)
    assert_outputs(view, *seeded([3, 4, 2], seed=1), activation="tanh")

    edit = panel.rows["scale"].edit
    edit.setText("2")
    edit.editingFinished.emit()
    qtbot.waitUntil(lambda: view.parameters()["scale"] == 2.0, timeout=1000)
    W, b = seeded([3, 4, 2], seed=1, scale=2.0)
    assert_outputs(view, W, b, activation="tanh")
    np.testing.assert_allclose(view.heatmap.matrix(), W[0])

    # A typed weight is the weight used, whatever the scale.
    type_in_cell(view, qtbot, 0, 0, "0.3")
    W[0][0, 0] = 0.3
    assert_outputs(view, W, b, activation="tanh")


def test_parameters_and_data_are_exportable(view, qtbot, tmp_path):
    type_in_cell(view, qtbot, 2, 3, "1.5")
    params = view.parameters()
    json.dumps(params)
    assert params["sizes"] == [3, 4, 2] and params["inputs"] == [1.0, -0.5, 0.5]
    assert params["augmented"] is False and params["edits"][0]["i"] == 2
    data = view.data()
    assert set(data) == {"x", "y0", "y1", "y2", "z1", "z2", "W1", "b1", "W2", "b2"}
    assert data["W1"][2, 3] == 1.5
    np.testing.assert_array_equal(data["y2"], view.activities[2])
    np.testing.assert_allclose(data["z1"], data["x"] @ data["W1"] + data["b1"])
    cols = view.plot.curve_data()
    np.testing.assert_array_equal(cols["layer 2 (output) | y | activity"], view.activities[2])
    view.plot.export(tmp_path / "rate.csv")
    cols, meta = export.read_csv(tmp_path / "rate.csv")
    np.testing.assert_allclose(cols["layer 1 (hidden) | z | activity"], view.net_inputs[0])
    assert meta["params"]["edits"] == params["edits"]
    view.smoke_test()


def test_csv_names_weight_columns_by_matrix_column(view, tmp_path):
    view.save_path = tmp_path / "rate.csv"
    export.save_csv(view.save_path, view.data(), view.parameters())
    cols, _ = export.read_csv(view.save_path)
    W1 = view.weights[0]  # 3 × 4: W1[i, j] from input neuron i to hidden neuron j
    assert [c for c in cols if c.startswith("W1")] == ["W1_col0", "W1_col1", "W1_col2", "W1_col3"]
    np.testing.assert_array_equal(cols["W1_col2"], W1[:, 2])  # the weights into neuron 2
    raw = np.genfromtxt(view.save_path, delimiter=",", names=True, skip_header=1)
    assert "W1_col2" in raw.dtype.names
    assert "W1_colj" in RateNetworkView.data.__doc__


def test_neuron_indices_under_16_bars_never_touch(qtbot):
    from PySide6.QtGui import QFontMetrics

    v = RateNetworkView()
    qtbot.addWidget(v)
    v.resize(1024, 700)
    v.show()
    qtbot.waitExposed(v)
    v.set_sizes_text("16, 16, 12")
    qtbot.wait(50)
    for k, n in enumerate(v.sizes):
        p = v.layer_plots[k]
        ticks = [j for j, _ in p.getAxis("bottom")._tickLevels[0]]
        step = ticks[1] - ticks[0]
        need = QFontMetrics(v.font()).horizontalAdvance(str(n - 1)) + 4
        assert step * p.vb.width() / (n + 0.2) >= need, (k, ticks)
    # The heatmap's column indices too.
    top = [j for j, _ in v.heatmap.plot.getAxis("top")._tickLevels[0]]
    assert (top[1] - top[0]) * v.heatmap.plot.vb.width() / 16 >= need


def test_an_accepted_change_replaces_a_refusal(view, qtbot):
    statuses = []
    view.status.connect(statuses.append)
    view.set_sizes_text("3, 40")
    assert statuses[-1].startswith("Refused:") and view.sizes_message.isVisibleTo(view)
    view.inputs.set_value("x1", 0.25)
    qtbot.waitUntil(lambda: statuses[-1] == "Rate network: input x₁ = 0.25", timeout=1000)
    assert not view.sizes_message.isVisibleTo(view)
    view.net_params.set_value("scale", 2.0)
    qtbot.waitUntil(lambda: statuses[-1] == "Rate network: weight scale = 2", timeout=1000)


def test_saved_plot_is_confirmed(view, qtbot, tmp_path):
    with qtbot.waitSignal(view.status, timeout=2000) as sig:
        view.plot.export(tmp_path / "bars.svg")
    assert sig.args == [f"Saved {tmp_path / 'bars.svg'}"]
