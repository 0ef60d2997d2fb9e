"""The spiking-network view driven through its real widgets."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from neurolab.core import export
from neurolab.core.network import random_network, simulate_lif
from neurolab.core.tabstate import network as tabstate_network
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
    v.run_panel.set_value("stop_after", 600_000.0)  # these tests run until stopped
    yield v
    v.shutdown()


def _wait_for_time(qtbot, view, t_ms, timeout=20_000):
    qtbot.waitUntil(lambda: view.t_now >= t_ms, timeout=timeout)


def test_raster_receives_the_same_spikes_as_the_core(view, qtbot):
    view.start_button.click()
    _wait_for_time(qtbot, view, 100.0)
    view.stop_button.click()
    qtbot.waitUntil(lambda: view.run_state == "idle" and not running_threads(), timeout=5000)
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
    # Timed from the change (the run may be well past 50 ms by now): within a chunk
    # (20 ms at this speed) the input is in, and 60 ms later the last spike is long gone.
    t_change = view.t_now
    qtbot.waitUntil(lambda: view.t_now > t_change + 100.0, timeout=20_000)
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
    assert view.run_state == "idle"
    assert view.banner.isVisible() and "the limit is about 20,000,000" in view.banner.text()
    assert "gives about 199,990,000 synapses" in view.banner.text()
    # A valid change clears the refusal.
    view.net.set_value("p", 0.01)
    qtbot.waitUntil(lambda: not view.banner.isVisible(), timeout=1000)


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


# -- changes that are not changes, pausing, picking -------------------------------------------


def _started(view, qtbot):
    view.start_button.click()
    qtbot.waitUntil(lambda: view.built is not None and view.t_now > 0, timeout=10_000)
    return view.runner.run_id


def test_focus_in_and_out_of_a_box_does_not_restart_but_a_typed_value_does(view, qtbot):
    first = _started(view, qtbot)
    restarts = []
    view.net.changed.connect(restarts.append)
    n_edit, p_edit = view.net.rows["N"].edit, view.net.rows["p"].edit
    # Click into N and out again (editingFinished fires on focus loss), twice more by hand.
    qtbot.mouseClick(n_edit, Qt.MouseButton.LeftButton)
    n_edit.setFocus()
    p_edit.setFocus()
    n_edit.editingFinished.emit()
    n_edit.setText("200.0")  # the value it holds, typed differently
    n_edit.editingFinished.emit()
    qtbot.wait(100)
    assert restarts == [] and view.runner.run_id == first
    assert n_edit.text() == "200"
    # A slider moved and back to the same value announces nothing either.
    slider = view.net.rows["w_mean"].slider
    pos = slider.value()
    slider.setValue(pos + 1)
    slider.setValue(pos)
    qtbot.wait(100)
    assert view.net.values().w_mean == 0.0
    n_moves = len(restarts)
    restarts.clear()
    # A newly typed p restarts the run, once.
    p_edit.setFocus()
    p_edit.selectAll()
    qtbot.keyClicks(p_edit, "0.12")
    qtbot.keyClick(p_edit, Qt.Key.Key_Return)
    n_edit.setFocus()  # focus leaves p: editingFinished again, the value unchanged
    qtbot.waitUntil(lambda: view.built is not None and view._net.p == 0.12, timeout=10_000)
    qtbot.wait(100)
    assert [r.p for r in restarts] == [0.12]
    assert view.runner.run_id == first + n_moves + 1


def test_a_network_change_equal_to_the_running_one_is_ignored(view, qtbot):
    first = _started(view, qtbot)
    view._network_changed(view.net.values())  # e.g. 0.1 → 0.2 → 0.1 within the throttle
    qtbot.wait(50)
    assert view.runner.run_id == first


def test_restarting_a_paused_run_keeps_it_paused(view, qtbot):
    first = _started(view, qtbot)
    view.start_button.click()
    assert view.run_state == "paused"
    statuses = []
    view.status.connect(statuses.append)
    view.net.set_value("seed", 7)
    assert view.runner.run_id == first + 1
    assert view.run_state == "paused" and view.start_button.text() == "Resume"
    assert "kept paused" in statuses[-1] and "seed = 7" in statuses[-1]
    qtbot.waitUntil(lambda: view.built is not None, timeout=10_000)  # built while paused
    qtbot.wait(150)
    assert view.t_now == 0.0  # ... but not run
    view.start_button.click()
    assert view.run_state == "running"
    qtbot.waitUntil(lambda: view.t_now > 10.0, timeout=10_000)


def test_the_neuron_box_picks_exactly_and_clicks_are_clamped(qtbot):
    v = SpikingNetworkView()
    qtbot.addWidget(v)
    v.resize(1400, 900)
    v.show()
    qtbot.waitExposed(v)
    v.net.set_value("N", 2000)
    assert v.pick_panel.values().declaration("neuron").high == 1999
    # Before any run: the hint is on screen, the heatmap says when it is built.
    (x0, x1), (y0, y1) = v.p_raster.vb.viewRange()
    assert (x0, x1) == (0.0, 500.0) and v.hint.isVisible()
    assert x0 < v.hint.pos().x() < x1 and y0 < v.hint.pos().y() < y1
    assert v.heatmap.empty and "built when the run starts" in v.heatmap.title_label.text()
    viewport = v.plot.view.viewport()
    for target in (0, 1999, 1000):  # the edge rows too; before any run too
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=v.row_point(target))
        per_pixel = 2000 / v.p_raster.vb.height()
        assert abs(v.picked - target) <= per_pixel + 1, (target, v.picked)
        assert v.pick_panel.values().neuron == v.picked
    # The box picks exactly.
    v.pick_panel.set_value("neuron", 1234)
    qtbot.waitUntil(lambda: v.picked == 1234, timeout=1000)
    assert v.p_v.titleLabel.text == "v(t) of neuron 1234"
    assert v.p_s.titleLabel.text == "s(t) of neuron 1234"
    with pytest.raises(Exception, match="between 0 and 1999"):
        v.pick_panel.set_value("neuron", 2000)
    # A smaller network takes the pick into its range.
    v.net.set_value("N", 100)
    qtbot.waitUntil(lambda: v.picked == 99, timeout=1000)  # after the panel's throttle
    assert v.pick_panel.values().neuron == 99 and v.raster.n_neurons == 100
    v.start_button.click()
    qtbot.waitUntil(lambda: v.trace.t.size > 10, timeout=10_000)
    v.shutdown()


def test_titles_are_facts_and_the_hint_lives_outside_the_plot(view, qtbot, tmp_path):
    _started(view, qtbot)
    view.runner.cancel()
    for plot in (view.p_v, view.p_s):
        assert "click" not in plot.titleLabel.text
    view.plot.export(tmp_path / "s.csv")
    cols, _ = export.read_csv(tmp_path / "s.csv")
    assert cols and not any("click" in name for name in cols)
    assert "click" in view.plot.view.toolTip().lower()
    for plot in (view.p_v, view.p_s):
        assert plot.legend is None  # nothing drawn over the traces


def test_no_negative_time_before_a_whole_window_has_run(view, qtbot):
    view.screen.set_value("speed", 100.0)
    view.start_button.click()
    qtbot.waitUntil(lambda: view.t_now > 30.0 and view.frames > 2, timeout=10_000)
    view.redraw()
    assert view.p_raster.vb.viewRange()[0] == [0.0, 500.0]
    t, _ = view.rate_curve.getData()
    assert t.size and t.min() > 0.0
    view.screen.set_value("window", 1000.0)  # a new width mid-run
    view.redraw()
    assert view.p_raster.vb.viewRange()[0] == [0.0, 1000.0]
    t, _ = view.rate_curve.getData()
    assert t.min() > 0.0
    # The spikes already recorded are on the new screen.
    on_screen = view.data()["spike_times"].size
    assert view.raster.image().sum() == on_screen > 0


def test_saved_plots_are_confirmed_in_the_status_bar(view, qtbot, tmp_path):
    with qtbot.waitSignal(view.status, timeout=2000) as sig:
        view.rates.export(tmp_path / "rates.png")
    assert sig.args == [f"Saved {tmp_path / 'rates.png'}"]


def test_the_stepwise_build_draws_the_cores_network():
    for kwargs in ({}, {"signs": "Dale's law", "exc_fraction": 0.7, "w_mean": 0.2}):
        net = NetworkBuildParams(N=150, p=0.07, seed=11, **kwargs)
        built = build_network(net, BiasParams())
        dale = net.exc_fraction if net.signs == "Dale's law" else None
        ref = random_network(net.N, net.p, net.w_mean, net.w_spread, net.seed, exc_fraction=dale)
        assert built.W.nnz == ref.nnz and (built.W != ref).nnz == 0
        np.testing.assert_array_equal(built.W.indices, ref.indices)
        np.testing.assert_array_equal(built.W.data, ref.data)


def test_close_during_a_big_build_is_prompt(qtbot):
    import time

    v = SpikingNetworkView()
    qtbot.addWidget(v)
    v.net.set_value("N", 20_000)
    v.net.set_value("p", 0.04)  # 16 M synapses: seconds to build
    v.start_button.click()
    qtbot.waitUntil(lambda: v.busy.value() > 0, timeout=10_000)  # well inside the build
    started = time.perf_counter()
    v.shutdown()
    took = time.perf_counter() - started
    assert not running_threads() and v.built is None
    assert took < 0.5, f"closing took {took:.2f} s"


def test_a_csv_leaves_out_weights_beyond_the_limit(view, qtbot, tmp_path, monkeypatch):
    from neurolab.gui.tabs.network import NetworkTab

    monkeypatch.setattr(tabstate_network, "CSV_MAX_SYNAPSES", 100)
    tab = NetworkTab()
    qtbot.addWidget(tab)
    tab.views.setCurrentWidget(tab.spiking)
    tab.spiking.net.set_value("N", 200)
    tab.spiking.start()
    qtbot.waitUntil(lambda: tab.spiking.t_now > 20.0, timeout=10_000)
    tab.spiking.runner.cancel()
    note = tab.save_data(str(tmp_path / "net.csv"))
    cols, meta = export.read_csv(tmp_path / "net.csv")
    assert "W_value" not in cols and "spike_times" in cols and "NPZ" in note
    assert "weights are left out" in meta["note"] and "NPZ" in meta["note"]
    assert tab.save_data(str(tmp_path / "net.npz")) == ""
    arrays, meta = export.read_npz(tmp_path / "net.npz")
    assert arrays["W_from"].dtype == np.int32 and arrays["W_value"].dtype == np.float64
    assert arrays["W_value"].size == tab.spiking.built.W.nnz and "note" not in meta
    tab.shutdown()
    QApplication.processEvents()
