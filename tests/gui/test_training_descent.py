"""The gradient-descent view driven through its real widgets.

Every trajectory is checked against ``optim.gradient_descent`` / ``gradient_flow``
run here with gradients written out by hand, so a wrong surface, a wrong setting
passed on or a wrong start would show.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from neurolab.core import export
from neurolab.core.optim import gradient_descent, gradient_flow
from neurolab.core.surfaces import SURFACES
from neurolab.gui.tabs.training_descent import METHODS, DescentView


@pytest.fixture
def view(qtbot):
    v = DescentView()
    qtbot.addWidget(v)
    v.resize(1200, 750)
    v.show()
    qtbot.waitExposed(v)
    return v


def bowl_grad(kappa):
    return lambda t: np.array([t[0], kappa * t[1]])


def rosenbrock_grad(b):
    return lambda t: np.array(
        [-2 * (1 - t[0]) - 4 * b * t[0] * (t[1] - t[0] ** 2), 2 * b * (t[1] - t[0] ** 2)]
    )


def type_number(qtbot, panel, name, value) -> None:
    """Type a value into a ParamPanel row's text box and press Enter."""
    edit = panel.rows[name].edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, str(value))
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(panel.values(), name) == value, timeout=1000)
    settle(qtbot)


def settle(qtbot) -> None:
    """Let the panels' throttled change signals (30 ms) deliver the last change."""
    qtbot.wait(80)


def path(view, m) -> np.ndarray:
    d = view.data()
    return np.column_stack([d[f"{m}_theta1"], d[f"{m}_theta2"]])


def assert_matches_independent(view, grad) -> None:
    """Descent, momentum and flow equal optim's, run here with the view's settings."""
    p = view.parameters()
    d = p["descent"]
    start = p["start"]
    np.testing.assert_allclose(
        path(view, "gd"), gradient_descent(grad, start, d["lr"], d["steps"]), rtol=1e-12
    )
    np.testing.assert_allclose(
        path(view, "momentum"),
        gradient_descent(grad, start, d["lr"], d["steps"], momentum=d["momentum"]),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        path(view, "flow"),
        gradient_flow(grad, start, p["flow_t_stop"], p["flow_dt"]),
        rtol=1e-12,
        atol=1e-300,
    )
    assert p["flow_t_stop"] == pytest.approx(d["flow_time"])  # not capped in these tests


def test_defaults_show_the_zigzag_that_momentum_damps(view):
    p = view.parameters()
    assert p["surface"] == "bowl" and p["surface_params"]["kappa"] == 20.0
    d = p["descent"]
    assert d["lr"] < 2 / 20 and d["momentum"] > 0
    assert_matches_independent(view, bowl_grad(20.0))
    gd, mo = path(view, "gd"), path(view, "momentum")
    # plain descent flips θ₂ every step, for the whole run
    assert np.all(np.sign(gd[1:60, 1]) == -np.sign(gd[:59, 1]))
    # momentum damps that oscillation: far smaller from step 15 on
    assert np.max(np.abs(mo[15:60, 1])) < np.max(np.abs(gd[15:60, 1])) / 10
    r = view.readouts()
    assert r["gd"]["steps_to_tol"] == 75 and r["momentum"]["steps_to_tol"] == 22
    text = view.readout.text()
    assert "step 75" in text and "step 22" in text
    assert not view.banner.isVisible()
    # what is drawn is the data
    for m in METHODS:
        x, y = view.traj_items[m].getData()
        np.testing.assert_array_equal(np.column_stack([x, y]), path(view, m))


def test_clicking_the_plot_sets_the_start(view, qtbot):
    target = (0.8, -0.9)
    with qtbot.waitSignal(view.status, timeout=1000) as blocker:
        qtbot.mouseClick(
            view.plot.view.viewport(), Qt.MouseButton.LeftButton, pos=view.plot_point(target)
        )
    assert "start" in blocker.args[0]
    start = view.start_point()
    vb = view.p_surface.vb
    (x0, x1), (y0, y1) = vb.viewRange()
    px = max((x1 - x0) / vb.width(), (y1 - y0) / vb.height())
    assert abs(start[0] - target[0]) <= 2 * px and abs(start[1] - target[1]) <= 2 * px
    for m in METHODS:
        np.testing.assert_array_equal(path(view, m)[0], start)
    assert view.parameters()["start"] == list(start)
    assert_matches_independent(view, bowl_grad(20.0))
    x, y = view.start_item.getData()
    assert (x[0], y[0]) == tuple(start)

    # a click in the E-against-step plot does not move the start
    below = view.p_energy.vb.sceneBoundingRect().center()
    qtbot.mouseClick(
        view.plot.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.plot.view.mapFromScene(below),
    )
    np.testing.assert_array_equal(view.start_point(), start)

    view.reset_start_button.click()
    np.testing.assert_array_equal(view.start_point(), SURFACES["bowl"].start)
    np.testing.assert_array_equal(path(view, "gd")[0], SURFACES["bowl"].start)


def test_typed_settings_reach_every_trajectory(view, qtbot):
    type_number(qtbot, view.descent, "lr", 0.05)
    type_number(qtbot, view.descent, "steps", 40)
    type_number(qtbot, view.descent, "flow_time", 3.0)
    type_number(qtbot, view.surface_panels["bowl"], "kappa", 35.0)
    qtbot.waitUntil(lambda: view.surface.params.kappa == 35.0, timeout=1000)
    qtbot.waitUntil(lambda: len(view.data()["gd_step"]) == 41, timeout=1000)
    assert_matches_independent(view, bowl_grad(35.0))
    p = view.parameters()
    assert p["flow_dt"] <= 0.5 / 35 and p["descent"]["flow_time"] == 3.0
    np.testing.assert_array_equal(view.start_point(), SURFACES["bowl"].start)  # kept


def test_raising_beta_changes_only_the_momentum_trajectory(view, qtbot):
    gd_before, mo_before = path(view, "gd"), path(view, "momentum")
    row = view.descent.rows["momentum"]
    row.slider.setValue(row.to_pos(0.8))  # through the slider
    qtbot.waitUntil(lambda: view.descent.values().momentum == 0.8, timeout=1000)
    qtbot.waitUntil(lambda: not np.allclose(path(view, "momentum"), mo_before), timeout=1000)
    np.testing.assert_array_equal(path(view, "gd"), gd_before)
    assert view.parameters()["descent"]["momentum"] == 0.8
    assert_matches_independent(view, bowl_grad(20.0))
    # β = 0 makes momentum plain descent
    type_number(qtbot, view.descent, "momentum", 0.0)
    qtbot.waitUntil(lambda: np.array_equal(path(view, "momentum"), gd_before), timeout=1000)


def test_a_huge_step_shows_the_divergence_message_and_stays_finite(view, qtbot):
    vb_range = view.p_surface.vb.viewRange()
    type_number(qtbot, view.descent, "lr", 3.0)
    qtbot.waitUntil(view.banner.isVisible, timeout=1000)
    text = view.banner.text()
    assert "Gradient descent diverged after" in text
    assert "lower η below 2/L = 0.1 " in text  # 2/κ on the bowl
    assert "Momentum diverged after" in text and "2(1 + β)/L = 0.15" in text
    r = view.readouts()
    assert r["gd"]["diverged_after"] == len(view.data()["gd_step"]) - 1 < 10
    assert "diverged after" in view.readout.text()
    for name, values in view.data().items():
        assert np.isfinite(values).all(), name
    for m in METHODS:
        x, y = view.traj_items[m].getData()
        assert np.isfinite(x).all() and np.isfinite(y).all()
        ex, ey = view.energy_items[m].getData()
        assert np.isfinite(ey).all()
    # the last point drawn is the last finite one optim returns (cut at the escape box)
    full = gradient_descent(bowl_grad(20.0), view.start_point(), 3.0, 100)
    np.testing.assert_array_equal(path(view, "gd"), full[: len(path(view, "gd"))])
    assert view.p_surface.vb.viewRange() == vb_range  # the plot did not blow up
    # back below 2/κ the message goes away
    type_number(qtbot, view.descent, "lr", 0.09)
    qtbot.waitUntil(lambda: not view.banner.isVisible(), timeout=1000)


def test_switching_surfaces_redraws_with_the_new_minimum(view, qtbot):
    image_before = view.image.image.copy()
    with qtbot.waitSignal(view.status, timeout=1000):
        view.choice.rows["surface"].combo.setCurrentText(SURFACES["rosenbrock"].title)
    qtbot.waitUntil(lambda: view.parameters()["surface"] == "rosenbrock", timeout=1000)
    assert view.surface_panels["rosenbrock"].isVisible()
    assert not view.surface_panels["bowl"].isVisible()
    x, y = view.global_item.getData()
    assert (x[0], y[0]) == (1.0, 1.0)
    np.testing.assert_array_equal(view.start_point(), SURFACES["rosenbrock"].start)
    sg = SURFACES["rosenbrock"].suggested
    assert view.descent.values().lr == sg["lr"] and view.descent.values().steps == sg["steps"]
    assert view.image.image.shape == image_before.shape
    assert not np.allclose(view.image.image, image_before)
    assert "Rosenbrock" in view.p_surface.titleLabel.text
    assert_matches_independent(view, rosenbrock_grad(100.0))
    # momentum gets near (1, 1); plain descent is still crawling along the valley
    r = view.readouts()
    assert r["momentum"]["distance"] < 0.01 < 0.5 < r["gd"]["distance"]
    # "Reset to defaults" of the descent group means this surface's suggestions
    type_number(qtbot, view.descent, "lr", 0.01)
    view.descent.reset_button.click()
    qtbot.waitUntil(lambda: view.descent.values().lr == sg["lr"], timeout=1000)
    settle(qtbot)
    assert_matches_independent(view, rosenbrock_grad(100.0))

    view.choice.rows["surface"].combo.setCurrentText(SURFACES["two_wells"].title)
    qtbot.waitUntil(lambda: view.parameters()["surface"] == "two_wells", timeout=1000)
    deep, shallow = view.surface.minima()
    x, y = view.global_item.getData()
    np.testing.assert_allclose([x[0], y[0]], [1.1260, -0.3753], atol=1e-4)
    x, y = view.local_item.getData()
    np.testing.assert_allclose([x[0], y[0]], [-0.9290, 0.6517], atol=1e-4)
    r = view.readouts()
    assert r["gd"]["nearest"] == "local" and r["flow"]["nearest"] == "local"
    assert r["momentum"]["nearest"] == "global"  # carried over the saddle
    assert "local min" in view.readout.text() and "global min" in view.readout.text()

    # back to the bowl: no local-minimum marker
    view.choice.rows["surface"].combo.setCurrentText(SURFACES["bowl"].title)
    qtbot.waitUntil(lambda: view.parameters()["surface"] == "bowl", timeout=1000)
    x, _ = view.local_item.getData()
    assert x is None or len(x) == 0


def test_checkboxes_hide_and_show_each_trajectory(view):
    for m in METHODS:
        view.show_boxes[m].setChecked(False)
        assert not view.traj_items[m].isVisible() and not view.energy_items[m].isVisible()
        assert view.parameters()["show"][m] is False
        view.show_boxes[m].setChecked(True)
        assert view.traj_items[m].isVisible()


def test_parameters_data_and_exports(view, tmp_path):
    p = view.parameters()
    assert json.loads(json.dumps(p)) == p
    data = view.data()
    for m in METHODS:
        n = len(data[f"{m}_theta1"])
        assert n == len(data[f"{m}_theta2"]) == len(data[f"{m}_E"]) > 1
    for name, values in data.items():
        assert np.isfinite(values).all(), name
    view.plot.export(tmp_path / "descent.csv")
    cols, meta = export.read_csv(tmp_path / "descent.csv")
    assert meta["params"]["surface"] == "bowl"
    assert any("momentum" in c for c in cols)
    export.save(tmp_path / "descent.npz", data, p)
    view.smoke_test()


def test_plot_point_maps_the_minimum_inside_the_plot(view):
    pt = view.plot_point((0.0, 0.0))
    assert isinstance(pt, QPoint)
    assert view.plot.view.viewport().rect().contains(pt)
