"""The spiking-network view driven through its real widgets."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from neurolab.core import export
from neurolab.core.network import simulate_lif
from neurolab.gui.tabs.network_spiking import (
    BiasParams,
    NetworkBuildParams,
    SpikingNetworkView,
    build_network,
)
from neurolab.gui.worker import running_threads


@pytest.fixture
def view(qtbot):
    v = SpikingNetworkView()
    qtbot.addWidget(v)
    v.resize(1300, 850)
    v.show()
    qtbot.waitExposed(v)
    v.net.set_value("N", 200)
    v.screen.set_value("speed", 5000.0)
    yield v
    v.shutdown()


def _wait_for_time(qtbot, view, t_ms, timeout=20_000):
    qtbot.waitUntil(lambda: view.t_now >= t_ms, timeout=timeout)


def test_raster_receives_the_same_spikes_as_the_core(view, qtbot):
    view.start_button.click()
    _wait_for_time(qtbot, view, 100.0)
    view.stop_button.click()
    qtbot.waitUntil(lambda: view.state == "idle" and not running_threads(), timeout=5000)
    assert view.frames > 0
    data = view.data()
    assert data["spike_times"].size > 0
    # The raster shows every spike inside the screen.
    r = view.raster
    on_screen = data["spike_times"] >= r.t_start
    assert r.image().sum() == on_screen.sum()
    # The GUI's run is the core's run of the same network.
    net, bias = view.net.values(), view.bias.values()
    built = build_network(net, bias)
    ref = simulate_lif(built.W, built.J, view.t_now, net.dt, net.tau_s, v0=built.v0)
    np.testing.assert_array_equal(data["spike_indices"], ref.spike_indices)
    np.testing.assert_allclose(data["spike_times"], ref.spike_times, atol=1e-12)
    counts = np.bincount(ref.spike_indices, minlength=net.N)
    np.testing.assert_allclose(data["rate_per_neuron"], counts * 1000.0 / view.t_now)


def test_clicking_a_raster_row_shows_that_neurons_trace(view, qtbot):
    view.start_button.click()
    _wait_for_time(qtbot, view, 20.0)
    qtbot.mouseClick(view.plot.view.viewport(), Qt.MouseButton.LeftButton, pos=view.row_point(57))
    qtbot.waitUntil(lambda: view.picked == 57, timeout=2000)
    assert "neuron 57" in view.p_v.titleLabel.text
    qtbot.waitUntil(lambda: view.trace.t.size > 50, timeout=10_000)
    t0 = float(view.trace.t[0])
    view.runner.cancel()
    # The trace is neuron 57's: compare with the core recording that neuron.
    net, bias = view.net.values(), view.bias.values()
    built = build_network(net, bias)
    ref = simulate_lif(
        built.W, built.J, float(view.trace.t[-1]) + net.dt, net.dt, net.tau_s,
        v0=built.v0, record=[57],
    )  # fmt: skip
    k0 = int(round(t0 / net.dt))
    n = view.trace.t.size
    np.testing.assert_allclose(view.trace.data["v"], ref.v[k0 : k0 + n, 0], atol=1e-12)
    np.testing.assert_allclose(view.trace.data["s"], ref.s[k0 : k0 + n, 0], atol=1e-12)
    assert view.v_curve.getData()[1] is not None and view.v_curve.getData()[1].size > 0


def test_live_bias_change_keeps_the_run_and_structural_change_restarts(view, qtbot):
    view.start_button.click()
    _wait_for_time(qtbot, view, 50.0)
    first_id = view.runner.run_id
    view.bias.set_value("I_ext", -2.0)  # every J below threshold: firing stops
    qtbot.waitUntil(lambda: view.t_now > 150.0, timeout=20_000)
    assert view.runner.run_id == first_id
    late = view.data()["spike_times"]
    assert late[late > view.t_now - 40.0].size == 0
    view.net.set_value("N", 300)
    qtbot.waitUntil(lambda: view.raster.n_neurons == 300 and view.built is not None, timeout=10_000)
    assert view.runner.run_id > first_id
    assert view.built.W.shape == (300, 300)


def test_too_many_synapses_are_refused_with_the_limit(view, qtbot):
    view.net.set_value("N", 20_000)
    view.net.set_value("p", 0.5)
    view.start_button.click()
    assert view.state == "idle"
    assert view.banner.isVisible() and "at most 20,000,000" in view.banner.text()


def test_bad_bias_range_is_refused(view):
    view.bias.set_value("J_low", 2.0)
    view.bias.set_value("J_high", 1.0)
    assert "must not exceed" in view.banner.text()


def test_export_data_round_trip(view, qtbot, tmp_path):
    view.start_button.click()
    _wait_for_time(qtbot, view, 30.0)
    view.runner.cancel()
    data = view.data()
    path = tmp_path / "net.npz"
    export.save(path, data, view.parameters(), tab="Network")
    arrays, meta = export.read_npz(path)
    np.testing.assert_array_equal(arrays["spike_times"], data["spike_times"])
    W = np.zeros((200, 200))
    W[arrays["W_from"], arrays["W_to"]] = arrays["W_value"]
    np.testing.assert_array_equal(W, view.built.W.toarray())
    assert meta["params"]["network"]["N"] == 200 and meta["tab"] == "Network"


def test_close_mid_run_leaves_no_thread(qtbot):
    v = SpikingNetworkView()
    qtbot.addWidget(v)
    v.net.set_value("N", 2000)
    v.start_button.click()
    qtbot.waitUntil(lambda: v.built is not None, timeout=10_000)
    v.shutdown()
    v.close()
    assert not running_threads()


def test_build_is_seeded_and_uses_dales_law():
    net = NetworkBuildParams(N=300, p=0.2, w_mean=0.1, signs="Dale's law", exc_fraction=0.75)
    a = build_network(net, BiasParams())
    b = build_network(net, BiasParams())
    np.testing.assert_array_equal(a.W.toarray(), b.W.toarray())
    coo = a.W.tocoo()
    assert (coo.data[coo.row < 225] >= 0).all() and (coo.data[coo.row >= 225] <= 0).all()
    # The bias range rescales one fixed draw: J stays ordered the same way.
    bias = BiasParams(J_low=0.5, J_high=2.5, I_ext=0.25)
    c = build_network(net, bias)
    assert c.J.min() >= 0.75 and c.J.max() <= 2.75
    np.testing.assert_allclose((c.J - 0.75) / 2.0, (a.J - 0.9) / 0.6, atol=1e-12)
