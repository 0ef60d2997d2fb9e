"""The Network tab in the main window: its three views, Space, export and shutdown."""

import numpy as np
import pytest

from neurolab.core import export
from neurolab.core.network import dense_forward
from neurolab.gui import dialogs
from neurolab.gui.main_window import MainWindow
from neurolab.gui.worker import running_threads


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.network)
    yield w
    w.shutdown()


def test_space_runs_the_spiking_view_and_close_leaves_no_thread(window, qtbot):
    tab = window.network
    tab.views.setCurrentWidget(tab.spiking)
    tab.spiking.net.set_value("N", 300)
    window.run_action.trigger()
    qtbot.waitUntil(lambda: tab.spiking.raster.image().sum() > 0, timeout=20_000)
    window.run_action.trigger()
    assert tab.spiking.run_state == "paused"
    window.close()
    assert running_threads() == []


def test_space_on_an_instant_view_explains(window):
    tab = window.network
    tab.views.setCurrentWidget(tab.rate)
    window.run_action.trigger()
    assert "updates as you edit" in window.status_label.text()


@pytest.mark.parametrize("suffix", ["csv", "npz"])
def test_export_data_of_the_rate_view(window, monkeypatch, tmp_path, suffix):
    tab = window.network
    tab.views.setCurrentWidget(tab.rate)
    target = tmp_path / f"rate.{suffix}"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: str(target))
    window.export_data_action.trigger()
    arrays, meta = (export.read_csv if suffix == "csv" else export.read_npz)(target)
    view = tab.rate
    # The exported outputs are the forward pass of the exported weights.
    x = arrays["x"]
    y1 = dense_forward(x, view.weights[0], view.biases[0], view.parameters()["activation"])
    np.testing.assert_allclose(arrays["y1"], y1, atol=1e-12)
    assert meta["tab"] == "Network" and meta["params"]["sizes"] == view.parameters()["sizes"]


def test_export_data_before_a_spiking_run_says_so(window, monkeypatch):
    tab = window.network
    tab.views.setCurrentWidget(tab.spiking)
    called = []
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: called.append(1))
    window.export_data_action.trigger()
    assert not called and "nothing to export" in window.status_label.text()


def test_export_plot_of_each_view(window, monkeypatch, tmp_path):
    tab = window.network
    for i in range(tab.views.count()):
        tab.views.setCurrentIndex(i)
        target = tmp_path / f"view{i}.png"
        monkeypatch.setattr(dialogs, "save_file", lambda *a, t=target, **k: str(t))
        window.export_plot_action.trigger()
        assert target.exists() and target.stat().st_size > 1000


def test_smoke_test_runs(window):
    window.network.smoke_test()


def test_export_data_shows_a_busy_cursor_and_says_what_it_writes(window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QApplication

    tab = window.network
    tab.views.setCurrentWidget(tab.rate)
    target = tmp_path / "rate.npz"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: str(target))
    seen = []
    tab.status.connect(lambda text: seen.append((text, QApplication.overrideCursor())))
    real_save = tab.save_data

    def save_data(path):
        seen.append(("saving", QApplication.overrideCursor()))
        return real_save(path)

    monkeypatch.setattr(tab, "save_data", save_data)
    window.export_data_action.trigger()
    texts = [t for t, _ in seen]
    assert texts[0] == f"Network: writing {target}…" and texts[1] == "saving"
    assert texts[-1].startswith(f"Saved {target} (")
    assert seen[1][1] is not None  # the busy cursor while writing
    assert QApplication.overrideCursor() is None and target.exists()
