"""The Synapse tab's experiment sections and its headless computation."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from neurolab.core import experiment as ex
from neurolab.core import tabstate
from neurolab.core.lif import LIFParams
from neurolab.core.synapse import kernel

DOC = {"format": "neurolab-experiment", "schema": 1, "active_tab": "Synapse", "tabs": {}}


def _exp(tab: dict | None = None) -> ex.Experiment:
    doc = copy.deepcopy(DOC)
    if tab is not None:
        doc["tabs"]["Synapse"] = tab
    return ex.validate(doc, tabstate.SCHEMA)


@pytest.mark.parametrize("view", ["synapse_filter", "synapse_chain"])
def test_the_default_state_computes_for_every_view(view):
    out = tabstate.compute(_exp({"view": view}))
    assert out.stem == view
    assert out.arrays and all(np.isfinite(a).all() for a in out.arrays.values())
    assert out.parameters


def test_the_default_filter_is_a_regular_train_filtered_by_h():
    out = tabstate.compute(_exp())
    a = out.arrays
    np.testing.assert_array_equal(a["spike_times"], np.arange(10) * 50.0)  # 20 Hz over 500 ms
    # s = Σ h(t − t_i), computed here independently term by term.
    want = sum(kernel(a["t"] - tp, 5.0, 0) for tp in a["spike_times"])
    np.testing.assert_allclose(a["s"], want, rtol=1e-12, atol=1e-15)
    assert out.parameters["train_kind"] == "regular"


def test_explicit_times_are_the_train_and_are_recorded():
    tab = {
        "view": "synapse_filter",
        "synapse_filter": {
            "train": {"kind": "explicit", "params": {}},
            "times": [300.0, 12.5, 40],
            "synapse": {"tau_s": 10.0, "n": 1},
        },
    }
    out = tabstate.compute(_exp(tab))
    np.testing.assert_array_equal(out.arrays["spike_times"], [12.5, 40.0, 300.0])
    assert out.parameters["train"] == {"times": [12.5, 40.0, 300.0]}
    t = out.arrays["t"]
    np.testing.assert_allclose(
        out.arrays["s"], sum(kernel(t - tp, 10.0, 1) for tp in (12.5, 40.0, 300.0)), atol=1e-15
    )


def test_a_seeded_chain_run_is_identical_twice():
    tab = {
        "view": "synapse_chain",
        "synapse_chain": {
            "source": "train",
            "train": {"kind": "poisson", "params": {"rate": 80.0, "seed": 7}},
            "run": {"duration": 1500.0, "window": 400.0},
        },
    }
    a, b = tabstate.compute(_exp(tab)), tabstate.compute(_exp(tab))
    assert set(a.arrays) == {"t", "v_pre", "s", "v_post", "I_in", "pre_spikes", "post_spikes"}
    for k in a.arrays:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k])
    assert a.parameters == b.parameters
    # The last screen: 400 ms ending at the last step of the 1500 ms run.
    assert len(a.arrays["t"]) == 4000 and a.arrays["t"][-1] == pytest.approx(1499.9)
    assert a.arrays["pre_spikes"].min() >= 1499.9 - 400.0
    assert np.isnan(a.arrays["v_pre"]).all()  # a train has no presynaptic neuron


def test_a_chain_without_input_rests_at_its_bias():
    # Independent check: no presynaptic spikes, so τ_m dv/dt = J − v from v0 = 0 and
    # v(t) = J (1 − e^{−t/τ_m}) exactly.
    tab = {
        "view": "synapse_chain",
        "synapse_chain": {
            "stimulus": {"kind": "constant", "params": {"amplitude": 0.0}},
            "bias": {"J_post": 0.5},
            "run": {"duration": 200.0, "window": 500.0},
        },
    }
    out = tabstate.compute(_exp(tab))
    t, v = out.arrays["t"], out.arrays["v_post"]
    assert t[0] == 0.0 and len(t) == 2000
    np.testing.assert_allclose(v, 0.5 * (1 - np.exp(-t / LIFParams().tau_m)), atol=1e-12)
    assert len(out.arrays["post_spikes"]) == 0


@pytest.mark.parametrize(
    ("tab", "where"),
    [
        ({"synapse_filter": {"times": [1.0, float("1e9")]}}, "tabs.Synapse.synapse_filter.times"),
        ({"synapse_filter": {"times": [1.0, "x"]}}, "tabs.Synapse.synapse_filter.times"),
        ({"synapse_filter": {"times": 3.0}}, "tabs.Synapse.synapse_filter.times"),
        ({"synapse_filter": {"times": [0.5] * 10_001}}, "tabs.Synapse.synapse_filter.times"),
        ({"synapse_chain": {"source": "both"}}, "tabs.Synapse.synapse_chain.source"),
        (
            {"synapse_chain": {"train": {"kind": "explicit", "params": {}}}},
            "tabs.Synapse.synapse_chain.train.kind",
        ),
        ({"synapse_chain": {"run": {"duration": 0.0}}}, "tabs.Synapse.synapse_chain.run.duration"),
        ({"view": "chain"}, "tabs.Synapse.view"),
    ],
)
def test_wrong_values_are_refused_naming_the_key(tab, where):
    with pytest.raises(ex.ExperimentError) as err:
        _exp(tab)
    assert str(err.value).startswith(where)


def test_the_chain_defaults_are_the_views_starting_values():
    state = _exp().tabs["Synapse"]["synapse_chain"]
    assert state["synapse"].w == 30.0
    assert state["stimulus"]["kind"] == "constant"
    assert state["stimulus"]["params"].amplitude == 1.5
    assert ex.resolve(tabstate.SCHEMA, "Synapse.synapse_chain.run.duration")
