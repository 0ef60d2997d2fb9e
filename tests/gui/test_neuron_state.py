"""The Neuron tab as an experiment file: state round trips through JSON into a fresh tab,
and File ▸ Export data equals the headless computation (neurolab run) for every view."""

import numpy as np
import pytest
from helpers import same_export, through_file

from neurolab.core import experiment as ex
from neurolab.core import tabstate
from neurolab.core.tabstate import neuron as core
from neurolab.gui.tabs.neuron import ONESHOT, NeuronTab


def _new_tab(qtbot):
    t = NeuronTab()
    qtbot.addWidget(t)
    t.resize(1200, 800)
    return t


@pytest.fixture
def tab(qtbot):
    t = _new_tab(qtbot)
    yield t
    t.shutdown()


def _set_non_defaults(tab, qtbot):
    """Change settings of every kind through the widgets, on every model page."""
    tab.model_box.setCurrentIndex(1)  # lif
    tab.mode_box.setCurrentIndex(1)  # one-shot
    hh, lif, rate = tab.pages["hh"], tab.pages["lif"], tab.pages["rate"]
    hh.params.set_value("g_Na", 100.0)
    hh.stimulus.set_kind("step")
    hh.stimulus.panels["step"].set_value("amplitude", 7.5)
    lif.params.set_value("tau_m", 15.0)
    lif.run.set_value("duration", 300.0)
    lif.stimulus.kind.setCurrentIndex(list(lif.stimulus.panels).index("noise"))
    lif.stimulus.panels["noise"].set_value("seed", 11)
    lif.stimulus.panels["noise"].set_value("mean", 1.4)
    rate.params.rows["activation"].combo.setCurrentText("tanh")
    rate.run.set_value("dt", 0.2)
    tab.tuning.sweep.set_value("points", 11)
    tab.tuning.sweep.set_value("duration", 400.0)
    tab.tuning.sweep.set_value("t_skip", 100.0)
    tab.tuning.population.set_value("n_neurons", 6)
    tab.tuning.population.set_value("seed", 4)
    tab.activations.checks["softplus"].setChecked(True)
    tab.activations.checks["tanh"].setChecked(False)
    tab.views.setCurrentIndex(2)
    qtbot.wait(100)  # let throttled panel announcements through


def test_state_round_trips_into_a_fresh_tab(tab, qtbot):
    default = tab.state()
    _set_non_defaults(tab, qtbot)
    state = tab.state()
    assert state != default
    assert state == tab.state()  # stable
    assert state["model"] == "lif" and state["mode"] == ONESHOT
    assert state["view"] == "activations"
    assert state["hh"]["params"]["g_Na"] == 100.0  # a model not shown is kept too
    assert state["lif"]["stimulus"] == {
        "kind": "noise",
        "params": {"mean": 1.4, "sigma": 0.5, "tau": 5.0, "seed": 11},
    }
    assert state["activations"]["shown"] == ["logistic", "relu", "softplus"]
    loaded = through_file("Neuron", state)
    assert loaded.notes == []
    fresh = _new_tab(qtbot)
    try:
        fresh.set_state(loaded.tabs["Neuron"])
        assert fresh.state() == state
        assert fresh.key == "lif" and fresh.views.currentWidget() is fresh.activations
        assert fresh.tuning.lif_params.tau_m == 15.0  # the tuning curves follow the LIF page
        assert fresh.tuning.hh_params.g_Na == 100.0
        assert fresh.pages["lif"].stimulus.stimulus().seed == 11
        assert "τ<sub>m</sub> = 15 ms" in fresh.equations.text()  # the shown LIF page
    finally:
        fresh.shutdown()


def test_default_state_equals_the_schema_defaults(tab):
    # The tab starts where a file with no Neuron settings puts it.
    assert ex.dumps(through_file("Neuron", tab.state())) == ex.dumps(through_file("Neuron", {}))


def test_controls_name_schema_sections(tab):
    controls = tab.controls()
    for path in controls:
        ex.resolve(tabstate.SCHEMA, ".".join(("Neuron", *path)))
    assert controls[("lif", "params")] is tab.pages["lif"].params
    assert controls[("tuning", "sweep")] is tab.tuning.sweep


def test_recorded_traces_are_the_core_fields(tab):
    for key, page in tab.pages.items():
        assert page.view.fields == list(core.TRACES[key])


def _run_one_shot(tab, qtbot):
    with qtbot.waitSignal(tab.view.finished, timeout=60_000):
        tab.start()
    assert tab.view.completed


def _assert_export_equals_headless(tab, tmp_path, view):
    exp = through_file("Neuron", tab.state())
    assert exp.tabs["Neuron"]["view"] == view
    out = same_export(tab, exp, tmp_path)
    assert len(out.arrays) > 1
    return out


@pytest.mark.parametrize("model", ["hh", "lif", "rate"])
def test_one_shot_export_equals_the_headless_run(tab, qtbot, tmp_path, model):
    tab.set_model(model)
    tab.set_mode(ONESHOT)
    page = tab.page
    page.run.set_value("duration", 250.0)
    page.stimulus.kind.setCurrentIndex(list(page.stimulus.panels).index("noise"))
    page.stimulus.panels["noise"].set_value("seed", 5)
    qtbot.wait(50)
    _run_one_shot(tab, qtbot)
    out = _assert_export_equals_headless(tab, tmp_path, "traces")
    assert out.parameters["model"] == model
    if model == "hh":
        assert len(out.arrays["spike_times"]) > 0
    # A seeded run again gives the same numbers bit for bit.
    first = {k: v.copy() for k, v in tab.recorded_data().items()}
    _run_one_shot(tab, qtbot)
    again = tab.recorded_data()
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])


def test_one_shot_export_records_the_settings_it_ran_with(tab, qtbot, tmp_path):
    tab.set_model("lif")
    tab.set_mode(ONESHOT)
    tab.page.run.set_value("duration", 100.0)
    _run_one_shot(tab, qtbot)
    tab.page.params.set_value("tau_m", 40.0)  # after the run: not what the data come from
    assert tab.run_parameters()["model_params"]["tau_m"] == 20.0


def test_tuning_export_equals_the_headless_computation(tab, qtbot, tmp_path):
    tab.tuning.sweep.set_value("points", 11)
    tab.tuning.sweep.set_value("duration", 400.0)
    tab.tuning.population.set_value("seed", 9)
    tab.pages["lif"].params.set_value("t_ref", 3.0)
    qtbot.wait(100)
    tab.show()
    tab.views.setCurrentWidget(tab.tuning)  # shown: the HH curve is computed
    qtbot.waitUntil(lambda: tab.tuning.hh_rates is not None, timeout=60_000)
    qtbot.waitUntil(lambda: tab.tuning.lif_runner.state == "idle", timeout=30_000)
    out = _assert_export_equals_headless(tab, tmp_path, "tuning")
    assert out.parameters["lif_params"]["t_ref"] == 3.0
    np.testing.assert_array_equal(tab.tuning.hh_curve.getData()[1], out.arrays["hh_rate"])
    # HH parameters changed while the view is hidden: the stale curve is dropped, and
    # an export before the new one is drawn still matches the settings.
    tab.views.setCurrentIndex(0)
    tab.pages["hh"].params.set_value("g_K", 30.0)
    qtbot.waitUntil(lambda: tab.tuning.hh_rates is None, timeout=10_000)
    tab.views.setCurrentWidget(tab.tuning)
    changed = _assert_export_equals_headless(tab, tmp_path, "tuning")
    assert changed.parameters["hh_params"]["g_K"] == 30.0
    assert not np.array_equal(changed.arrays["hh_rate"], out.arrays["hh_rate"])
    qtbot.waitUntil(lambda: tab.tuning.hh_rates is not None, timeout=60_000)
    np.testing.assert_array_equal(tab.tuning.hh_rates, changed.arrays["hh_rate"])


def test_activation_export_equals_the_headless_computation(tab, qtbot, tmp_path):
    tab.activations.checks["arctan"].setChecked(True)
    tab.activations.checks["relu"].setChecked(False)
    tab.views.setCurrentWidget(tab.activations)
    out = _assert_export_equals_headless(tab, tmp_path, "activations")
    assert out.parameters["shown"] == ["logistic", "arctan", "tanh"]


def test_loaded_state_exports_what_the_headless_run_computes(tab, qtbot, tmp_path):
    """A fresh tab given a saved state and run one-shot writes the headless numbers."""
    exp = through_file(
        "Neuron",
        {
            "view": "traces",
            "model": "hh",
            "mode": ONESHOT,
            "hh": {"run": {"duration": 120.0}, "stimulus": {"kind": "step", "params": {}}},
        },
    )
    tab.set_state(exp.tabs["Neuron"])
    assert tab.recorded_data() == {}  # nothing from an earlier run is kept
    _run_one_shot(tab, qtbot)
    _assert_export_equals_headless(tab, tmp_path, "traces")
