"""The Training tab's state: round trip through an experiment file, seeded runs identical,
and Export data equal (bit for bit) to the headless computation for the same experiment."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
from helpers import same_export, tab_factory, through_file

from neurolab.core import experiment as ex
from neurolab.core import tabstate
from neurolab.gui.tabs.training import TrainingTab


@pytest.fixture
def tabs(qtbot):
    yield from tab_factory(qtbot, TrainingTab, (1400, 900))
    assert multiprocessing.active_children() == []


def _train_to_the_end(qtbot, view) -> None:
    view.train_button.click()
    qtbot.waitUntil(
        lambda: view.run_state == "idle" and view.trainer.epoch == view.trainer.params.epochs,
        timeout=60_000,
    )
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)


def test_training_view_round_trip_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    view = tab.train
    view.data_choice.setCurrentIndex(view.data_choice.findData("moons"))
    view.data_panels["moons"].set_value("n", 90)
    view.data_panels["moons"].set_value("noise", 0.25)
    view.data_panels["spirals"].set_value("arms", 3)  # a panel not shown is kept too
    view.arch.add_layer()
    view.arch.rows[1].width_box.setValue(5)
    view.arch.rows[1].act_box.setCurrentText("relu")
    view.train_params.set_value("epochs", 6)
    view.train_params.set_value("seed", 7)
    view.train_params.set_value("momentum", 0.8)
    view.train_params.set_value("dropout", 0.1)
    view.augment_check.setChecked(True)
    view.augment.set_value("jitter", 0.15)
    # The panels announce edits at a bounded rate: wait until the trainer has them all.
    qtbot.waitUntil(
        lambda: (
            view.trainer.params.dropout == 0.1
            and view.trainer.params.seed == 7
            and view.trainer.augmentation.jitter == 0.15
        ),
        timeout=30_000,
    )
    state = tab.state()
    assert state["view"] == "training"
    assert state["training"]["architecture"]["hidden"] == [8, 5]
    assert state["training"]["data"]["spirals"]["arms"] == 3
    assert state == tab.state()  # stable

    exp = through_file("Training", tab.state())
    fresh = tabs()
    fresh.set_state(exp.tabs["Training"])
    assert fresh.state() == state
    assert fresh.train.trainer is not None and fresh.train.trainer.epoch == 0  # nothing runs

    _train_to_the_end(qtbot, view)
    first = same_export(tab, exp, tmp_path).arrays
    assert first["W0"].shape == (2, 8) and len(first["epoch"]) == 6

    # The same settings trained in the fresh tab's own child: the same numbers.
    _train_to_the_end(qtbot, fresh.train)
    again = fresh.train.data()
    for key, value in first.items():
        np.testing.assert_array_equal(again[key], value, err_msg=key)


def test_pausing_mid_run_then_finishing_exports_the_same(tabs, qtbot, tmp_path):
    tab = tabs()
    view = tab.train
    view.train_params.set_value("epochs", 40)
    view.train_params.set_value("batch_size", 8)
    qtbot.waitUntil(lambda: view.trainer.params.batch_size == 8, timeout=30_000)
    view.epoch_button.click()
    view.batch_button.click()  # mid-epoch steps: reported norms the export leaves out
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    _train_to_the_end(qtbot, view)
    same_export(tab, through_file("Training", tab.state()), tmp_path)


def test_descent_view_round_trip_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    tab.views.setCurrentWidget(tab.descent)
    view = tab.descent
    assert tab.state()["gradient_descent"]["start"] is None  # the surface's own start
    view.choice.set_value("surface", "Rosenbrock valley")
    view.surface_panels["rosenbrock"].set_value("b", 20.0)
    view.surface_panels["bowl"].set_value("kappa", 5.0)
    view.descent.set_value("steps", 300)
    view.descent.set_value("momentum", 0.7)
    view.set_start((-1.0, 1.5))
    view.show_boxes["flow"].setChecked(False)
    qtbot.waitUntil(lambda: view.parameters()["descent"]["momentum"] == 0.7, timeout=30_000)
    state = tab.state()
    assert state["view"] == "gradient_descent"
    assert state["gradient_descent"]["start"] == [-1.0, 1.5]
    assert state["gradient_descent"]["show"]["flow"] is False

    exp = through_file("Training", tab.state())
    fresh = tabs()
    fresh.set_state(exp.tabs["Training"])
    assert fresh.state() == state
    assert fresh.views.currentWidget() is fresh.descent
    assert not fresh.descent.traj_items["flow"].isVisible()
    arrays = same_export(tab, exp, tmp_path).arrays
    np.testing.assert_array_equal(arrays["gd_theta1"], fresh.descent.data()["gd_theta1"])


def test_autodiff_view_round_trip_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    tab.views.setCurrentWidget(tab.autodiff)
    view = tab.autodiff
    assert view.set_formula("tanh(a*b) + a**2")
    assert view.set_value("a", 0.3)
    assert view.set_value("b", -1.25)
    view.step_backward()
    view.step_backward()
    state = tab.state()
    assert state["autodiff"] == {
        "formula": "tanh(a*b) + a**2",
        "values": {"a": 0.3, "b": -1.25},
        "backward_step": 2,
    }
    exp = through_file("Training", tab.state())
    fresh = tabs()
    fresh.set_state(exp.tabs["Training"])
    assert fresh.state() == state
    assert fresh.autodiff.current_node() == view.current_node()
    assert fresh.autodiff.shown_grads() == view.shown_grads()
    same_export(tab, exp, tmp_path)
    view.reset_grads()
    assert tab.state()["autodiff"]["backward_step"] == 0
    fresh.set_state(through_file("Training", tab.state()).tabs["Training"])
    assert fresh.autodiff.shown_grads() == {} and fresh.state() == tab.state()


def test_a_missing_csv_file_is_named_not_a_crash(tabs, qtbot, tmp_path):
    tab = tabs()
    state = tab.state()
    state["training"]["dataset"] = "csv"
    state["training"]["csv_file"] = str(tmp_path / "gone.csv")
    doc = {"format": ex.FORMAT, "schema": 1, "active_tab": "Training", "tabs": {"Training": state}}
    exp = ex.validate(doc, tabstate.SCHEMA)
    tab.set_state(exp.tabs["Training"])
    view = tab.train
    assert view.trainer is None
    assert view.data_message.isVisible() and "gone.csv" in view.data_message.text()
    assert tab.state()["training"]["csv_file"] == str(tmp_path / "gone.csv")
    view.train_button.click()  # says why, trains nothing
    assert view.trainer is None


def test_controls_cover_every_section(tabs):
    tab = tabs()
    controls = tab.controls()
    for stem, sections in tabstate.SCHEMA["Training"].items():
        if stem == "view":
            continue
        for name in sections:
            assert (stem, name) in controls, (stem, name)
