"""The Training tab in the main window: its three views, Space, export and shutdown."""

import multiprocessing

import pytest

from neurolab.core import export
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
    w.tabs.setCurrentWidget(w.training)
    yield w
    w.shutdown()


def test_space_trains_and_pauses_and_close_leaves_no_thread_or_process(window, qtbot):
    view = window.training.train
    view.train_params.set_value("epochs", 100_000)
    window.run_action.trigger()
    qtbot.waitUntil(lambda: view.trainer.epoch >= 2, timeout=10_000)
    window.run_action.trigger()
    assert view.run_state == "idle"
    epoch = view.trainer.epoch
    window.run_action.trigger()
    qtbot.waitUntil(lambda: view.trainer.epoch > epoch, timeout=10_000)
    window.close()
    assert running_threads() == []
    assert multiprocessing.active_children() == []


def test_export_data_of_the_training_view(window, qtbot, monkeypatch, tmp_path):
    view = window.training.train
    view.epoch_button.click()
    view.epoch_button.click()
    target = tmp_path / "curves.npz"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: str(target))
    window.export_data_action.trigger()
    arrays, meta = export.read_npz(target)
    assert list(arrays["epoch"]) == [1.0, 2.0]
    assert list(arrays["train_loss"]) == view.history.column("train_loss")
    assert arrays["W0"].shape == (2, 8) and meta["params"]["dataset"] == "xor"


def test_export_plot_of_each_view(window, monkeypatch, tmp_path):
    tab = window.training
    for i in range(tab.views.count()):
        tab.views.setCurrentIndex(i)
        target = tmp_path / f"view{i}.png"
        monkeypatch.setattr(dialogs, "save_file", lambda *a, t=target, **k: str(t))
        window.export_plot_action.trigger()
        assert target.exists() and target.stat().st_size > 1000


def test_space_on_an_instant_view_explains(window):
    window.training.views.setCurrentWidget(window.training.descent)
    window.run_action.trigger()
    assert "updates as you edit" in window.status_label.text()


def test_smoke_test_runs(window):
    window.training.smoke_test()
