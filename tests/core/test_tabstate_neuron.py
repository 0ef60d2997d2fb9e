"""The Neuron tab's experiment sections and headless computation (neurolab.core.tabstate.neuron)."""

import numpy as np
import pytest

from neurolab.core import experiment as ex
from neurolab.core import lif, stimulus, tabstate
from neurolab.core.tabstate import neuron


def _exp(tab: dict | None = None) -> ex.Experiment:
    doc = {"format": ex.FORMAT, "schema": 1, "active_tab": "Neuron", "tabs": {}}
    if tab is not None:
        doc["tabs"]["Neuron"] = tab
    return ex.validate(doc, tabstate.SCHEMA)


@pytest.mark.parametrize("view", neuron.VIEWS)
def test_default_state_computes_every_view(view):
    exp = _exp()
    exp.tabs["Neuron"]["view"] = view
    out = tabstate.compute(exp)
    assert out.stem == view
    assert out.arrays
    for name, a in out.arrays.items():
        assert np.all(np.isfinite(a)), name
    assert "notes" not in out.parameters


@pytest.mark.parametrize("model", ["hh", "lif", "rate"])
def test_every_model_traces_default(model):
    out = tabstate.compute(_exp({"view": "traces", "model": model}))
    run = neuron.RUN[model]()
    assert out.parameters["model"] == model and out.parameters["mode"] == "oneshot"
    assert len(out.arrays["t"]) == round(run.duration / run.dt)
    assert set(out.arrays) >= {"t", *neuron.TRACES[model]}


def test_model_defaults_are_the_tabs_own():
    exp = _exp()
    state = exp.tabs["Neuron"]
    assert state["lif"]["run"].dt == 0.1 and state["hh"]["run"].dt == 0.025
    assert state["lif"]["stimulus"]["params"].amplitude == 1.5
    assert state["hh"]["stimulus"]["params"].amplitude == 10.0
    assert state["view"] == "traces" and state["mode"] == "live"


def test_seeded_noise_run_is_identical_twice():
    tab = {
        "view": "traces",
        "model": "lif",
        "lif": {"stimulus": {"kind": "noise", "params": {"mean": 1.3, "sigma": 0.6, "seed": 7}}},
    }
    a, b = tabstate.compute(_exp(tab)), tabstate.compute(_exp(tab))
    assert a.arrays.keys() == b.arrays.keys()
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name])
    other = dict(tab, lif={"stimulus": {"kind": "noise", "params": {"seed": 8}}})
    assert not np.array_equal(tabstate.compute(_exp(other)).arrays["I_in"], a.arrays["I_in"])


def test_one_shot_run_does_not_depend_on_its_chunks():
    stim = stimulus.Noise(mean=10.0, sigma=3.0, seed=2)
    run = neuron.RUN["hh"](duration=123.0)
    params = neuron.PARAMS["hh"]()
    rec = neuron.record_one_shot("hh", params, stim, run)
    whole = neuron.MODULES["hh"].stream(stim, params, dt=run.dt, chunk_ms=7.7, t_end=123.0)
    chunks = list(whole)
    for name in ("t", "V", "n", "I_in"):
        np.testing.assert_array_equal(rec[name], np.concatenate([getattr(c, name) for c in chunks]))
    np.testing.assert_array_equal(
        rec["spike_times"], np.concatenate([c.spike_times for c in chunks])
    )


def test_lif_constant_input_fires_at_the_analytic_rate():
    # Independent check: the interspike interval of a LIF neuron at constant J is
    # t_ref + tau_m ln(J / (J - 1)) (course notes), so its rate is G(J).
    tab = {"view": "traces", "model": "lif", "lif": {"run": {"duration": 2000.0}}}
    spikes = tabstate.compute(_exp(tab)).arrays["spike_times"]
    isi = np.diff(spikes)
    np.testing.assert_allclose(isi, 2.0 + 20.0 * np.log(1.5 / 0.5), rtol=1e-9)
    assert 1000.0 / isi.mean() == pytest.approx(float(lif.rate(1.5)), rel=1e-9)


def test_tuning_export_matches_the_rate_formula():
    out = tabstate.compute(_exp({"view": "tuning"}))
    J, G = out.arrays["lif_J"], out.arrays["lif_rate"]
    fires = J > 1
    np.testing.assert_allclose(G[fires], 1000.0 / (2.0 - 20.0 * np.log(1 - 1 / J[fires])))
    assert np.all(G[~fires] == 0)
    assert out.arrays["pop_rates"].shape == (201, 20)
    hh_rate = out.arrays["hh_rate"]
    assert hh_rate[0] == 0 and hh_rate[-1] > 40  # the HH jump to repetitive firing


def test_tuning_sweep_that_cannot_run_is_left_out_with_a_note():
    out = tabstate.compute(
        _exp({"view": "tuning", "tuning": {"sweep": {"duration": 100.0, "t_skip": 500.0}}})
    )
    assert "hh_rate" not in out.arrays
    assert "shorter than the duration" in out.parameters["notes"][0]


def test_activations_export_the_shown_functions():
    out = tabstate.compute(
        _exp({"view": "activations", "activations": {"shown": ["relu", "softplus"]}})
    )
    assert out.parameters["shown"] == ["relu", "softplus"]
    np.testing.assert_array_equal(out.arrays["relu"], np.maximum(out.arrays["x"], 0))
    assert "logistic" not in out.arrays
    assert out.arrays["softmax"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("tab", "where"),
    [
        ({"model": "izhikevich"}, "tabs.Neuron.model"),
        ({"view": "raster"}, "tabs.Neuron.view"),
        ({"hh": {"params": {"g_Na": -5}}}, "tabs.Neuron.hh.params.g_Na"),
        ({"lif": {"run": {"dt": 0}}}, "tabs.Neuron.lif.run.dt"),
        ({"rate": {"stimulus": {"kind": "chirp"}}}, "tabs.Neuron.rate.stimulus.kind"),
        ({"tuning": {"population": {"n_neurons": 1.5}}}, "tabs.Neuron.tuning.population"),
        ({"activations": {"shown": ["relu", "swish"]}}, "tabs.Neuron.activations.shown"),
        ({"activations": {"shown": "relu"}}, "tabs.Neuron.activations.shown"),
    ],
)
def test_wrong_values_are_refused_naming_the_key(tab, where):
    with pytest.raises(ex.ExperimentError, match=where.replace(".", r"\.")):
        _exp(tab)


def test_round_trip_through_json_is_stable():
    exp = _exp({"model": "rate", "rate": {"params": {"activation": "tanh", "gain": 2.0}}})
    again = ex.loads(ex.dumps(exp), tabstate.SCHEMA)
    assert ex.dumps(again) == ex.dumps(exp)
    assert again.tabs["Neuron"]["rate"]["params"].activation == "tanh"
