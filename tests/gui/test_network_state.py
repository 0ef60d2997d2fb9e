"""The Network tab's state: round trip through an experiment file, and Export data equal to
the headless computation (``neurolab run``) for the same experiment."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import same_export, tab_factory, through_file

from neurolab.core import experiment as ex
from neurolab.core import tabstate
from neurolab.gui.tabs.network import NetworkTab
from neurolab.gui.worker import running_threads


@pytest.fixture
def tabs(qtbot):
    yield from tab_factory(qtbot, NetworkTab, (1300, 850))


def _round_trip(tab: NetworkTab, make) -> ex.Experiment:
    """state() → file → a fresh tab's set_state() → the same state()."""
    exp = through_file("Network", tab.state())
    fresh = make()
    fresh.set_state(exp.tabs["Network"])
    assert fresh.state() == tab.state()
    assert fresh.state() is not tab.state() and tab.state() == tab.state()  # stable
    return exp


def test_rate_view_round_trip_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    view = tab.rate
    assert view.set_sizes_text("2, 5, 3, 2")
    view.net_params.set_value("activation", "tanh")
    view.net_params.set_value("seed", 7)
    view.net_params.set_value("scale", 2.5)
    qtbot.waitUntil(lambda: view._last.seed == 7 and view._last.scale == 2.5, timeout=30000)
    view.inputs.set_value("x1", 0.3)
    view.bias_check.setChecked(True)
    view.layer_combo.setCurrentIndex(1)
    # A weight typed into the heatmap, then the bias row of [W2; b2], then a new scale.
    assert view.heatmap.edit_cell(2, 1)
    view.heatmap.editor.setText("1.75")
    assert view.heatmap.commit_edit()
    assert view.heatmap.edit_cell(5, 2)
    view.heatmap.editor.setText("-0.6")
    assert view.heatmap.commit_edit()
    view.net_params.set_value("scale", 1.2)
    qtbot.waitUntil(lambda: view._last.scale == 1.2, timeout=30000)
    assert view.heatmap.edit_cell(0, 0)
    view.heatmap.editor.setText("0.9")
    assert view.heatmap.commit_edit()
    tab.views.setCurrentWidget(view)
    state = tab.state()
    assert state["view"] == "network_rate"
    rate = state["network_rate"]
    assert rate["sizes"] == [2, 5, 3, 2] and rate["augmented"] and rate["shown_layer"] == 2
    assert [e["param"] for e in rate["edits"]] == ["W", "b", "W"]
    assert rate["weights"] == {"activation": "tanh", "seed": 7, "scale": 1.2}
    assert view.weights[1][0, 0] == 0.9  # typed at the scale in force: exactly as typed

    exp = _round_trip(tab, tabs)
    same_export(tab, exp, tmp_path)
    # The fresh tab draws the same weights from the seed with the same edits.
    fresh = tabs()
    fresh.set_state(exp.tabs["Network"])
    for a, b in zip(fresh.rate.weights, view.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fresh.rate.activities[-1], view.activities[-1])


def test_approximation_view_round_trip_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    view = tab.approx
    assert view.set_expression("x**2 - 0.3*sin(9*x)")
    view.params.set_value("n_pieces", 23)
    view.params.set_value("steepness", 400.0)
    view.show_pieces.setChecked(False)
    qtbot.waitUntil(lambda: view._shown == view.params.values(), timeout=30000)  # throttled
    assert len(view.result.heights) == 23
    tab.views.setCurrentWidget(view)
    state = tab.state()["network_approximation"]
    assert state["expression"] == "x**2 - 0.3*sin(9*x)"
    assert state["approximation"]["target"] == "typed f(x)" and not state["show_pieces"]
    exp = _round_trip(tab, tabs)
    same_export(tab, exp, tmp_path)

    # A built-in target: the typed formula stays in the state for later.
    view.params.set_value("target", "step")
    qtbot.waitUntil(lambda: view.result.target[-1] == 1.0, timeout=30000)
    exp = _round_trip(tab, tabs)
    assert exp.tabs["Network"]["network_approximation"]["expression"] == state["expression"]
    same_export(tab, exp, tmp_path)


def _run_to_the_end(view, qtbot) -> None:
    view.start_button.click()
    qtbot.waitUntil(lambda: view.run_state == "idle" and view.built is not None, timeout=60000)
    assert view.t_now == pytest.approx(view.run_panel.values().stop_after)


def test_spiking_view_round_trip_and_a_run_to_its_end_exports_the_headless_numbers(
    tabs, qtbot, tmp_path
):
    tab = tabs()
    view = tab.spiking
    view.net.set_value("N", 150)
    view.net.set_value("seed", 9)
    view.net.set_value("signs", "Dale's law")
    view.net.set_value("w_spread", 0.8)
    view.bias.set_value("I_ext", 0.1)
    view.lif.set_value("tau_m", 15.0)
    view.screen.set_value("speed", 5000.0)
    view.screen.set_value("window", 300.0)
    view.run_panel.set_value("stop_after", 250.0)
    qtbot.waitUntil(lambda: view.raster.n_neurons == 150, timeout=30000)
    view.pick_panel.set_value("neuron", 12)
    qtbot.waitUntil(lambda: view.picked == 12, timeout=30000)
    tab.views.setCurrentWidget(view)
    state = tab.state()
    assert state["view"] == "network_spiking"
    sp = state["network_spiking"]
    assert sp["network"]["N"] == 150 and sp["network"]["signs"] == "Dale's law"
    assert sp["run"]["stop_after"] == 250.0 and sp["picked_neuron"] == 12
    assert sp["neurons"]["tau_m"] == 15.0 and sp["input"]["I_ext"] == 0.1
    exp = _round_trip(tab, tabs)

    _run_to_the_end(view, qtbot)
    assert view.kept and tab.state() == state  # a run changes no setting
    same_export(tab, exp, tmp_path)

    # The same experiment in a fresh tab runs to the same spikes.
    fresh = tabs()
    fresh.set_state(exp.tabs["Network"])
    assert fresh.spiking.built is None and fresh.spiking.run_state == "idle"
    _run_to_the_end(fresh.spiking, qtbot)
    a, b = view.data(), fresh.spiking.data()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_stop_after_moved_during_a_run_ends_it_there(tabs, qtbot):
    tab = tabs()
    view = tab.spiking
    view.net.set_value("N", 100)
    view.screen.set_value("speed", 1000.0)
    view.run_panel.set_value("stop_after", 600_000.0)
    view.start(paused=True)
    qtbot.waitUntil(lambda: view.built is not None, timeout=30000)
    view.run_panel.set_value("stop_after", 120.0)  # sent while paused, before the first chunk
    qtbot.wait(100)
    view.toggle_run()
    qtbot.waitUntil(lambda: view.run_state == "idle", timeout=60000)
    assert view.t_now == pytest.approx(120.0)


def test_set_state_stops_a_run_and_clears_its_recording(tabs, qtbot):
    tab = tabs()
    view = tab.spiking
    view.net.set_value("N", 100)
    view.run_panel.set_value("stop_after", 600_000.0)
    view.start_button.click()
    qtbot.waitUntil(lambda: view.t_now > 10.0, timeout=30000)
    exp = ex.validate(
        {"format": ex.FORMAT, "schema": 1, "tabs": {"Network": {"view": "network_spiking"}}},
        tabstate.SCHEMA,
    )
    tab.set_state(exp.tabs["Network"])
    assert view.run_state == "idle" and view.built is None and view.t_now == 0.0
    assert tab.views.currentWidget() is view
    assert tab.state()["network_spiking"] == {
        k: (v.as_dict() if hasattr(v, "as_dict") else v)
        for k, v in exp.tabs["Network"]["network_spiking"].items()
    }
    assert not running_threads()


def test_controls_name_every_section_of_the_schema(tabs):
    tab = tabs()
    paths = set(tab.controls())
    for stem, sections in tabstate.SCHEMA["Network"].items():
        if stem == "view":
            continue
        assert (stem,) in paths
        for name in sections:
            assert (stem, name) in paths, (stem, name)
            ex.resolve(tabstate.SCHEMA, f"Network.{stem}.{name}")
