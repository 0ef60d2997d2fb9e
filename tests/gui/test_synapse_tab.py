"""The Synapse tab driven through its real widgets."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from neurolab.core import export
from neurolab.core.synapse import filter_spikes, kernel
from neurolab.gui.tabs.synapse import SynapseTab


@pytest.fixture
def tab(qtbot):
    t = SynapseTab()
    qtbot.addWidget(t)
    t.resize(1300, 850)
    t.show()
    qtbot.waitExposed(t)
    yield t
    t.shutdown()


def test_clicking_the_raster_adds_a_spike_and_changes_the_filtered_curve(tab, qtbot):
    view = tab.filter
    view.train.set_kind("regular")
    before_times = view.times.copy()
    before_s = view.s.copy()
    # A click between two regular spikes.
    t_new = float(before_times[0] + before_times[1]) / 2
    qtbot.mouseClick(
        view.plot.view.viewport(), Qt.MouseButton.LeftButton, pos=view.raster_point(t_new)
    )
    qtbot.waitUntil(lambda: len(view.times) == len(before_times) + 1, timeout=1000)
    added = np.setdiff1d(view.times, before_times)
    assert len(added) == 1 and abs(added[0] - t_new) < 2.0  # within a pixel or two
    assert not np.allclose(view.s, before_s)
    p = view.synapse.values()
    np.testing.assert_allclose(view.s, filter_spikes(view.times, view.t, p.tau_s, p.n))
    assert view.train.key() == "explicit"  # an edited train is kept as a list

    # Clicking the new spike removes it again.
    qtbot.mouseClick(
        view.plot.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.raster_point(float(added[0])),
    )
    qtbot.waitUntil(lambda: len(view.times) == len(before_times), timeout=1000)
    np.testing.assert_allclose(view.s, before_s, atol=1e-12)


def test_dragging_a_spike_moves_it(tab):
    view = tab.filter
    view.train.set_kind("regular")
    t0 = float(view.times[0])
    view.lines[0].setValue(t0 + 7.0)
    view.lines[0].sigPositionChangeFinished.emit(view.lines[0])
    assert t0 + 7.0 in view.times and t0 not in view.times


def test_changing_n_updates_the_kernel_and_the_area_stays_one(tab, qtbot):
    view = tab.filter
    for n in range(6):
        view.synapse.set_value("n", n)
        qtbot.waitUntil(lambda n=n: f"n = {n}," in view.area_label.text(), timeout=1000)
        assert "∫h dt = 1.000" in view.area_label.text()
        x, y = view.kernel_curve.xData, view.kernel_curve.yData
        tau = view.synapse.values().tau_s
        np.testing.assert_allclose(y, kernel(x, tau, n))
        if n > 0:  # the drawn kernel peaks at n τ_s
            assert abs(x[np.argmax(y)] - n * tau) <= (x[1] - x[0])


def test_each_spike_kernel_is_drawn_beneath_the_sum(tab):
    view = tab.filter
    view.train.set_kind("regular")
    x, y = view.faint.xData, view.faint.yData
    starts = np.flatnonzero(np.isnan(x[:-1]) & ~np.isnan(x[1:])) + 1
    assert len(starts) + 1 == len(view.times)  # one faint segment per spike
    p = view.synapse.values()
    for seg_x, seg_y in zip(np.split(x, starts), np.split(y, starts), strict=True):
        ok = np.isfinite(seg_x)
        tp = seg_x[0]  # each segment starts at its spike
        assert tp in view.times
        np.testing.assert_allclose(seg_y[ok], kernel(seg_x[ok] - tp, p.tau_s, p.n))
    # The bold curve is the sum of the faint ones (superposition).
    total = sum(kernel(view.t - tp, p.tau_s, p.n) for tp in view.times)
    np.testing.assert_allclose(view.s, total, atol=1e-12)


def test_filter_view_exports_readable_files(tab, tmp_path):
    tab.views.setCurrentWidget(tab.filter)
    png, svg, csv, npz = (tmp_path / f"f.{e}" for e in ("png", "svg", "csv", "npz"))
    tab.current_plot().export(png)
    tab.current_plot().export(svg)
    assert not QImage(str(png)).isNull()
    assert svg.read_text().lstrip().startswith("<?xml")
    tab.save_data(str(csv))
    tab.save_data(str(npz))
    cols, meta = export.read_csv(csv)
    arrays, meta2 = export.read_npz(npz)
    np.testing.assert_allclose(cols["s"], tab.filter.s)
    np.testing.assert_allclose(arrays["spike_times"], tab.filter.times)
    assert meta["params"]["synapse"]["tau_s"] == tab.filter.synapse.values().tau_s
    assert meta2["params"]["train_kind"] == tab.filter.train.key()


def test_chain_streams_live_and_weight_changes_take_effect(tab, qtbot, tmp_path):
    tab.views.setCurrentWidget(tab.chain)
    chain = tab.chain
    chain.run.set_value("speed", 3000.0)
    chain.synapse.set_value("w", 0.0)
    chain.start()
    qtbot.waitUntil(
        lambda: chain.view.sweep is not None and chain.view.sweep.t_now > 300, timeout=5000
    )
    assert len(chain.view.spike_times("pre_spikes")) > 0
    assert len(chain.view.spike_times("post_spikes")) == 0  # w = 0: nothing arrives
    chain.synapse.set_value("w", 20.0)
    t_change = chain.view.sweep.t_now
    qtbot.waitUntil(
        lambda: any(s > t_change for s in chain.view.spike_times("post_spikes")), timeout=5000
    )
    tab.toggle_run()  # pause via Space
    assert chain.view.state == "paused"
    path = tmp_path / "chain.npz"
    tab.save_data(str(path))
    arrays, meta = export.read_npz(path)
    assert set(arrays) >= {"t", "v_pre", "s", "v_post", "pre_spikes", "post_spikes"}
    assert meta["params"]["chain"]["synapse"]["w"] == 20.0
    chain.stop()
    chain.view.runner.wait()


def test_a_train_that_cannot_fit_its_dead_time_is_refused_with_the_limit(tab, qtbot):
    view = tab.filter
    view.train.set_kind("poisson (refractory)")
    panel = view.train.panels["poisson (refractory)"]
    panel.set_value("refractory", 10.0)
    qtbot.wait(50)
    before = view.times.copy()
    with qtbot.waitSignal(view.train.refused, timeout=1000) as sig:
        panel.set_value("rate", 150.0)
    assert "100 Hz" in sig.args[0]
    assert view.train.message.isVisibleTo(view.train)
    np.testing.assert_array_equal(view.times, before)  # the last good train stays


def test_refused_train_values_are_taken_back_in_the_boxes(tab, qtbot):
    train = tab.filter.train
    train.set_kind("poisson (refractory)")
    panel = train.panels["poisson (refractory)"]
    good_rate = panel.values().rate
    with qtbot.waitSignal(train.refused, timeout=1000):
        panel.set_value("rate", 1000.0)  # above 1000/refractory
    assert panel.values().rate == good_rate
    assert float(panel.rows["rate"].edit.text()) == good_rate


def test_chain_offers_no_explicit_list_and_labels_absent_traces(tab):
    chain = tab.chain
    assert chain.train.kind.findData("explicit") == -1
    chain.source_box.setCurrentIndex(1)
    assert "spike train" in chain.view.plots[0].titleLabel.text
