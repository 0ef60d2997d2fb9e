"""The main window: tabs, menus, shortcuts, remembered layout, clean shutdown."""

import pytest
from helpers import shown
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from neurolab import __version__
from neurolab.gui import dialogs
from neurolab.gui.main_window import MainWindow
from neurolab.gui.tabs.neuron import LIVE
from neurolab.gui.worker import running_threads


@pytest.fixture
def window(qtbot, settings):
    w = shown(qtbot, MainWindow(settings=settings))
    yield w
    w.shutdown()


def test_four_tabs_and_menus(window):
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Neuron", "Synapse", "Network", "Training"]
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus[0] == "File" and "Help" in menus
    file_actions = [
        a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()
    ]
    assert [a for a in file_actions if a] == [
        "Open experiment…",
        "Open recent",
        "Save experiment",
        "Save experiment as…",
        "Export plot…",
        "Export figure…",
        "Export data…",
        "Preferences…",
        "Quit",
    ]
    assert "Lessons" in menus
    shortcuts = {
        window.open_action: "Ctrl+O",
        window.save_action: "Ctrl+S",
        window.save_as_action: "Ctrl+Shift+S",
        window.export_plot_action: "Ctrl+E",
        window.export_figure_action: "Ctrl+Alt+E",
        window.export_data_action: "Ctrl+Shift+E",
    }
    for action, keys in shortcuts.items():
        assert action.shortcut().toString() == keys


def test_about_lists_version_and_libraries(window):
    text = window.about_text()
    for name in (__version__, "PySide6", "pyqtgraph", "numpy", "scipy", "Qt"):
        assert name in text


def test_geometry_and_last_tab_are_remembered(qtbot, settings):
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(760, 560)  # the offscreen screen is 800×600: restoreGeometry clamps to it
    w.tabs.setCurrentIndex(2)
    w.close()
    again = MainWindow(settings=QSettings(settings.fileName(), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 2
    assert (again.width(), again.height()) == (760, 560)
    again.close()


def test_space_starts_and_pauses_the_current_tab(window, qtbot):
    neuron = window.neuron
    neuron.set_mode(LIVE)
    window.tabs.setCurrentIndex(0)
    window.activateWindow()
    window.run_action.trigger()
    assert neuron.runner.state == "running"
    QTest.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: neuron.runner.state == "paused", timeout=1000)
    window.run_action.trigger()
    assert neuron.runner.state == "running"


def test_closing_mid_run_leaves_no_thread(window, qtbot):
    neuron = window.neuron
    neuron.set_mode(LIVE)
    neuron.start()
    qtbot.waitUntil(lambda: neuron.sweep is not None and neuron.sweep.count > 0, timeout=5000)
    neuron.tuning.compute_hh()  # a second worker, mid-computation
    window.close()
    assert running_threads() == []


def test_export_plot_through_the_menu(window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "menu.png"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: str(target))
    window.export_plot_action.trigger()
    assert target.exists() and target.stat().st_size > 1000


def test_export_data_with_nothing_recorded_says_so(window, monkeypatch):
    called = []
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: called.append(1))
    window.export_data_action.trigger()
    assert not called
    assert "nothing to export" in window.status_label.text()


def test_export_failure_is_reported_not_raised(window, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(
        dialogs, "save_file", lambda *a, **k: str(tmp_path / "no" / "such" / "x.png")
    )
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, text: shown.append(text))
    window.export_plot_action.trigger()
    assert len(shown) == 1
    assert str(tmp_path / "no" / "such") in shown[0] and "does not exist" in shown[0]
