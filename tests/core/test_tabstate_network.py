"""The Network tab's experiment-file sections and its headless computation."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from neurolab.core import experiment as ex
from neurolab.core import tabstate
from neurolab.core.approximation import TARGETS, approximate
from neurolab.core.network import RateNetwork, stream_lif
from neurolab.core.tabstate import network as nw

DOC = {"format": ex.FORMAT, "schema": ex.SCHEMA_VERSION, "active_tab": "Network", "tabs": {}}


def _exp(network: dict | None = None) -> ex.Experiment:
    doc = copy.deepcopy(DOC)
    if network is not None:
        doc["tabs"]["Network"] = network
    return ex.validate(doc, tabstate.SCHEMA)


def _short_spiking(**run) -> dict:
    return {
        "view": "network_spiking",
        "network_spiking": {
            "network": {"N": 200, "p": 0.1, "seed": 3},
            "run": {"stop_after": run.get("stop_after", 300.0)},
            "picked_neuron": 7,
        },
    }


@pytest.mark.parametrize("view", nw.VIEWS)
def test_the_default_state_computes_every_view_finite(view):
    exp = _exp()
    assert exp.tabs["Network"]["view"] == "network_rate"
    exp.tabs["Network"]["view"] = view
    out = tabstate.compute(exp, "Network")
    assert out.stem == view and out.arrays
    for key, values in out.arrays.items():
        assert np.isfinite(values).all(), key
    if view == "network_spiking":
        assert out.arrays["spike_times"].size > 0
        assert out.parameters["run"]["stop_after"] == nw.RunParams().stop_after


@pytest.mark.parametrize("view", nw.VIEWS)
def test_a_compute_twice_is_identical(view):
    state = _short_spiking() if view == "network_spiking" else {"view": view}
    a, b = tabstate.compute(_exp(state)), tabstate.compute(_exp(state))
    assert list(a.arrays) == list(b.arrays) and a.parameters == b.parameters
    for key in a.arrays:
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key], err_msg=key)


@pytest.mark.parametrize(
    ("state", "where"),
    [
        ({"view": "spiking"}, "tabs.Network.view"),
        ({"network_rate": {"sizes": [3, 40, 2]}}, "tabs.Network.network_rate.sizes"),
        ({"network_rate": {"sizes": [3]}}, "tabs.Network.network_rate.sizes"),
        ({"network_rate": {"inputs": [0.0, 9.0]}}, "tabs.Network.network_rate.inputs"),
        ({"network_rate": {"augmented": 1}}, "tabs.Network.network_rate.augmented"),
        ({"network_rate": {"shown_layer": 0}}, "tabs.Network.network_rate.shown_layer"),
        (
            {"network_rate": {"edits": [{"layer": 1, "param": "W", "i": 0, "j": 0, "value": 1.0}]}},
            "tabs.Network.network_rate.edits",
        ),
        (
            {"network_rate": {"edits": [{"layer": 1, "param": "b", "j": 0, "value": 1e9}]}},
            "tabs.Network.network_rate.edits",
        ),
        ({"network_rate": {"weights": {"seed": -1}}}, "tabs.Network.network_rate.weights.seed"),
        # Sections that must agree with the sizes: one input per input neuron, edits inside.
        ({"network_rate": {"inputs": [1.0]}}, "network_rate: inputs: expected 3 numbers"),
        ({"network_rate": {"shown_layer": 3}}, "network_rate: shown_layer"),
        (
            {"network_rate": {"edits": [{"layer": 2, "param": "b", "j": 5, "value": 1.0}]}},
            "network_rate: weight edit 0",
        ),
        ({"network_spiking": {"network": {"N": 1}}}, "tabs.Network.network_spiking.network.N"),
        ({"network_spiking": {"network": {"N": 20000, "p": 0.5}}}, "network_spiking.network"),
        ({"network_spiking": {"input": {"J_low": 2.0, "J_high": 1.0}}}, "network_spiking.input"),
        ({"network_spiking": {"run": {"stop_after": 0}}}, "network_spiking.run.stop_after"),
        ({"network_spiking": {"picked_neuron": -1}}, "network_spiking.picked_neuron"),
        (
            {"network_approximation": {"expression": "__import__('os')"}},
            "network_approximation.expression",
        ),
        ({"network_approximation": {"expression": "1/x"}}, "network_approximation.expression"),
        (
            {"network_approximation": {"approximation": {"target": "cosine"}}},
            "network_approximation.approximation.target",
        ),
    ],
)
def test_a_wrong_value_is_refused_naming_the_key(state, where):
    with pytest.raises(ex.ExperimentError, match=where.replace(".", r"\.")):
        _exp(state)


def test_the_rate_view_equals_the_core_network_forward():
    exp = _exp(
        {
            "network_rate": {
                "sizes": [2, 3, 1],
                "inputs": [0.25, -1.5],
                "weights": {"seed": 5, "scale": 1.0},
            }
        }
    )
    out = tabstate.compute(exp)
    net = RateNetwork([2, 3, 1], "logistic", seed=5)
    ys = net.forward(np.array([0.25, -1.5]))
    for k, y in enumerate(ys):
        np.testing.assert_allclose(out.arrays[f"y{k}"], y, rtol=1e-12, atol=1e-15)
    assert out.parameters["inputs"] == [0.25, -1.5]


def test_rate_edits_replay_in_order_and_a_typed_weight_shows_as_typed():
    params = nw.RateNetworkParams(seed=2, scale=3.0)
    edits = [
        {"layer": 1, "param": "W", "i": 0, "j": 1, "value": 0.7, "scale": 3.0},
        {"layer": 2, "param": "W", "i": 1, "j": 0, "value": 2.0, "scale": 1.5},
        {"layer": 1, "param": "b", "j": 2, "value": -0.4},
    ]
    base, weights, biases = nw.rate_weights([3, 4, 2], params, edits)
    drawn = RateNetwork([3, 4, 2], seed=2)
    assert weights[0][0, 1] == 0.7  # typed at the scale in force: exactly as typed
    assert weights[1][1, 0] == pytest.approx(3.0 * 2.0 / 1.5)  # typed at another scale
    assert biases[0][2] == -0.4
    np.testing.assert_array_equal(weights[0][1:], 3.0 * drawn.weights[0][1:])
    with pytest.raises(ValueError, match="outside the network"):
        nw.rate_weights([3, 4, 2], params, [{"layer": 2, "param": "b", "j": 5, "value": 1.0}])


def test_inputs_missing_from_a_file_take_their_defaults():
    x = nw.input_vector([0.5], 5)
    np.testing.assert_array_equal(x, [0.5, -0.5, 0.5, -1.0, 1.0])


def test_the_spiking_run_does_not_depend_on_how_it_is_chunked():
    """The GUI streams in chunks (and may move the end while running): the same spikes."""
    exp = _exp(_short_spiking(stop_after=400.0))
    out = tabstate.compute(exp)
    state = exp.tabs["Network"]["network_spiking"]
    net = state["network"]
    built = nw.build_network(net, state["input"])
    gen = stream_lif(
        built.W, built.J, net.dt, net.tau_s, state["neurons"], v0=built.v0, chunk_ms=3.7,
        t_end=50.0,
    )  # fmt: skip
    chunks = [next(gen), gen.send({"t_end": 400.0})]
    chunks += list(gen)
    assert chunks[-1].t[-1] == pytest.approx(399.9)
    times = np.concatenate([c.spike_times for c in chunks])
    idx = np.concatenate([c.spike_indices for c in chunks])
    np.testing.assert_array_equal(out.arrays["spike_times"], times)
    np.testing.assert_array_equal(out.arrays["spike_indices"], idx)
    counts = np.bincount(idx, minlength=net.N)
    np.testing.assert_allclose(out.arrays["rate_per_neuron"], counts / 0.4, rtol=1e-12)
    assert out.arrays["population_rate"].sum() * net.N / 1000.0 == pytest.approx(idx.size)


def test_the_csv_of_a_big_network_leaves_out_the_weights(monkeypatch):
    monkeypatch.setattr(nw, "CSV_MAX_SYNAPSES", 100)
    out = tabstate.compute(_exp(_short_spiking(stop_after=50.0)))
    csv, meta = out.for_format("csv")
    assert "W_value" not in csv and "spike_times" in csv and "NPZ" in meta["note"]
    npz, meta = out.for_format("npz")
    assert "W_value" in npz and meta == {}


def test_a_twenty_thousand_neuron_state_validates_without_building():
    exp = _exp({"network_spiking": {"network": {"N": 20000, "p": 0.05}}})
    assert exp.tabs["Network"]["network_spiking"]["network"].N == 20000


def test_the_approximation_equals_the_core_construction():
    exp = _exp(
        {
            "view": "network_approximation",
            "network_approximation": {
                "approximation": {"target": "|x − 0.5|", "n_pieces": 17, "steepness": 300.0}
            },
        }
    )
    out = tabstate.compute(exp)
    r = approximate(TARGETS["abs"], 17, 300.0, np.linspace(0.0, 1.0, 1001))
    assert out.arrays["max_error"][0] == r.max_error
    i = list(out.arrays["sweep_N"]).index(17.0)
    assert out.arrays["sweep_max_error"][i] == r.max_error
    assert out.parameters["n_pieces"] == 17


def test_a_typed_target_is_computed_and_recorded():
    exp = _exp(
        {
            "view": "network_approximation",
            "network_approximation": {
                "approximation": {"target": "typed f(x)", "n_pieces": 40},
                "expression": "  x**2  ",
            },
        }
    )
    out = tabstate.compute(exp)
    np.testing.assert_allclose(out.arrays["target"], np.linspace(0, 1, 1001) ** 2)
    assert out.parameters["expression"] == "x**2"
