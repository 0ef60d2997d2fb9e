"""The Synapse tab's state: round trip through an experiment file, and Export data equal to
the headless computation (``neurolab run``) for the same experiment."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import same_export, tab_factory, through_file
from PySide6.QtCore import Qt

from neurolab.core import tabstate
from neurolab.gui.tabs.synapse import SynapseTab


@pytest.fixture
def tabs(qtbot):
    yield from tab_factory(qtbot, SynapseTab, (1300, 850))


def test_filter_view_round_trip_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    view = tab.filter
    view.synapse.set_value("tau_s", 12.0)
    view.synapse.set_value("n", 2)
    view.view_params.set_value("duration", 800.0)
    view.train.set_kind("poisson")
    view.train.panels["poisson"].set_value("rate", 40.0)
    view.train.panels["poisson"].set_value("seed", 11)
    qtbot.waitUntil(lambda: view.train.state()["params"]["seed"] == 11, timeout=30000)
    n_before = len(view.times)
    # A click on the raster turns the draw into an explicit list, one spike longer.
    t_new = 777.0 if not np.any(np.abs(view.times - 777.0) < 10) else 3.0
    qtbot.mouseClick(
        view.plot.view.viewport(), Qt.MouseButton.LeftButton, pos=view.raster_point(t_new)
    )
    qtbot.waitUntil(lambda: len(view.times) == n_before + 1, timeout=30000)
    state = tab.state()
    assert state["view"] == "synapse_filter"
    f = state["synapse_filter"]
    assert f["train"] == {"kind": "explicit", "params": {}}
    assert len(f["times"]) == n_before + 1
    assert f["synapse"]["tau_s"] == 12.0 and f["view"]["duration"] == 800.0

    exp = through_file("Synapse", tab.state())
    fresh = tabs()
    fresh.set_state(exp.tabs["Synapse"])
    assert fresh.state() == state
    np.testing.assert_array_equal(fresh.filter.times, view.times)
    np.testing.assert_array_equal(fresh.filter.s, view.s)

    same_export(tab, exp, tmp_path)


def test_filter_view_generated_train_exports_like_the_headless_run(tabs, tmp_path):
    tab = tabs()
    view = tab.filter
    view.train.set_kind("bursts")
    view.train.panels["bursts"].set_value("seed", 4)
    view.synapse.set_value("n", 1)
    exp = through_file("Synapse", tab.state())
    assert exp.tabs["Synapse"]["synapse_filter"]["train"]["kind"] == "bursts"
    same_export(tab, exp, tmp_path)


def _run_to_end(tab: SynapseTab, qtbot) -> None:
    chain = tab.chain
    chain.start()
    qtbot.waitUntil(lambda: chain.view.state == "idle" and chain.view.completed, timeout=30000)


def test_chain_view_round_trip_seeded_runs_and_export(tabs, qtbot, tmp_path):
    tab = tabs()
    tab.views.setCurrentWidget(tab.chain)
    chain = tab.chain
    chain.source_box.setCurrentIndex(chain.source_box.findData("train"))
    chain.train.set_kind("poisson")
    chain.train.panels["poisson"].set_value("rate", 60.0)
    chain.train.panels["poisson"].set_value("seed", 5)
    chain.synapse.set_value("w", 25.0)
    chain.synapse.set_value("tau_s", 8.0)
    chain.post.set_value("tau_m", 15.0)
    chain.bias.set_value("J_post", 0.2)
    for name, value in (("duration", 700.0), ("window", 300.0), ("speed", 5000.0)):
        chain.run.set_value(name, value)
    qtbot.waitUntil(lambda: chain.run.values().duration == 700.0, timeout=30000)
    state = tab.state()
    assert state["view"] == "synapse_chain"
    c = state["synapse_chain"]
    assert c["source"] == "train"
    assert c["train"] == {"kind": "poisson", "params": {"rate": 60.0, "seed": 5}}
    assert c["run"]["duration"] == 700.0 and c["bias"]["J_post"] == 0.2

    exp = through_file("Synapse", tab.state())
    fresh = tabs()
    fresh.set_state(exp.tabs["Synapse"])
    assert fresh.state() == state
    assert fresh.views.currentWidget() is fresh.chain

    _run_to_end(tab, qtbot)
    _run_to_end(fresh, qtbot)
    a, b = tab.chain.data(), fresh.chain.data()
    assert len(a["post_spikes"]) > 0  # the run drove the postsynaptic neuron
    assert a["t"][-1] == pytest.approx(699.9) and len(a["t"]) == 3000
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])

    same_export(tab, exp, tmp_path)


def test_chain_view_with_a_noisy_stimulus_exports_like_the_headless_run(tabs, qtbot, tmp_path):
    tab = tabs()
    tab.views.setCurrentWidget(tab.chain)
    chain = tab.chain
    chain.stimulus.set_kind("noise")
    chain.stimulus.panels["noise"].set_value("seed", 3)
    chain.pre.set_value("t_ref", 4.0)
    for name, value in (("duration", 900.0), ("speed", 5000.0), ("dt", 0.05)):
        chain.run.set_value(name, value)
    exp = through_file("Synapse", tab.state())
    assert exp.tabs["Synapse"]["synapse_chain"]["stimulus"]["kind"] == "noise"
    _run_to_end(tab, qtbot)
    assert len(chain.data()["pre_spikes"]) > 0
    same_export(tab, exp, tmp_path)


def test_controls_name_every_section(tabs):
    tab = tabs()
    controls = tab.controls()
    for stem in ("synapse_filter", "synapse_chain"):
        for section in tabstate.SCHEMA["Synapse"][stem]:
            assert (stem, section) in controls, (stem, section)
