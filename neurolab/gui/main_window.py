"""The main window: four tabs, menus, shortcuts, status bar, remembered layout, and the
experiment or lesson it shows (see :mod:`neurolab.gui.session`)."""

from __future__ import annotations

import os
import platform
import traceback

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from neurolab import __version__
from neurolab.core import lessons
from neurolab.gui import dialogs, figure, preferences
from neurolab.gui.lesson_panel import LessonPanel, restrict
from neurolab.gui.session import FILTER, Session
from neurolab.gui.tabs.base import LabTab


def library_versions() -> dict[str, str]:
    import numpy
    import pyqtgraph
    import PySide6
    import scipy

    versions = {
        "Python": platform.python_version(),
        "PySide6": PySide6.__version__,
        "Qt": PySide6.QtCore.qVersion(),
        "pyqtgraph": pyqtgraph.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }
    from neurolab.core import compiled

    if compiled.AHEAD_OF_TIME is not None:
        versions["kernels"] = f"compiled ahead of time ({compiled.SOURCE})"
        return versions
    try:
        import numba

        versions["numba"] = numba.__version__
    except ImportError:  # pragma: no cover - numba is a dependency, but About must not fail
        versions["numba"] = "not installed"
    return versions


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.setWindowTitle(f"NeuroLab {__version__}")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)

        from neurolab.gui.tabs.network import NetworkTab
        from neurolab.gui.tabs.neuron import NeuronTab
        from neurolab.gui.tabs.synapse import SynapseTab
        from neurolab.gui.tabs.training import TrainingTab

        self.neuron = NeuronTab()
        self.synapse = SynapseTab()
        self.network = NetworkTab()
        self.training = TrainingTab()
        self.pages: list[LabTab] = [self.neuron, self.synapse, self.network, self.training]
        for page in self.pages:
            self.tabs.addTab(page, page.title)
            page.status.connect(self._show_status)

        self.status_label = QLabel("Ready")
        self.statusBar().addWidget(self.status_label, 1)
        self.lesson_panel = LessonPanel()
        self.lesson_dock = QDockWidget("Lesson", self)
        self.lesson_dock.setObjectName("lesson_dock")
        self.lesson_dock.setWidget(self.lesson_panel)
        self.lesson_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lesson_dock)
        self.lesson_dock.hide()
        self._undo_lesson = lambda: None
        preferences.set_export_scale(preferences.png_scale(self.settings))

        self.session = Session(self, self.settings)
        self.session.titleChanged.connect(self.setWindowTitle)
        self.session.message.connect(self._show_status)
        dialogs.feedback().message.connect(self._show_status)
        self.session.lessonChanged.connect(self._show_lesson)
        self.lesson_panel.startOver.connect(self.restart_lesson)
        self.lesson_panel.leave.connect(self.session.close_lesson)
        self._build_menus()
        self._restore()
        self.session.restore()
        self.session.refresh()

    # -- menus and shortcuts ----------------------------------------------------
    def _action(self, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action(
            "&Open experiment…", self.open_dialog, "Ctrl+O", "Open an experiment or lesson file"
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.save_action = self._action(
            "&Save experiment", self.session.save, "Ctrl+S", "Save every tab's settings"
        )
        self.save_as_action = self._action(
            "Save experiment &as…",
            self.session.save_as,
            "Ctrl+Shift+S",
            "Save every tab's settings to a new file",
        )
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        self.export_plot_action = QAction("Export &plot…", self)
        self.export_plot_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_plot_action.setToolTip("Export the current plot as PNG, SVG or CSV")
        self.export_plot_action.triggered.connect(lambda: self.current_tab().export_plot())
        self.export_figure_action = self._action(
            "Export &figure…",
            self.export_figure,
            "Ctrl+Alt+E",
            "Every plot shown on this tab in one PNG or SVG, for a report",
        )
        self.export_data_action = QAction("Export &data…", self)
        self.export_data_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_data_action.setToolTip("The current view's data with its settings, CSV or NPZ")
        self.export_data_action.triggered.connect(lambda: self.current_tab().export_data())
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        for a in (self.export_plot_action, self.export_figure_action, self.export_data_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        self.preferences_action = self._action(
            "&Preferences…", self.show_preferences, "Ctrl+,", "Session restore, PNG resolution"
        )
        file_menu.addAction(self.preferences_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        run_menu = self.menuBar().addMenu("&Run")
        self.run_action = QAction("Start / pause", self)
        self.run_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.run_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.run_action.triggered.connect(lambda: self.current_tab().toggle_run())
        run_menu.addAction(self.run_action)

        self.lessons_menu = self.menuBar().addMenu("&Lessons")
        for item in lessons.shipped():
            self.lessons_menu.addAction(
                self._action(item.title, lambda _=False, p=item.path: self.open_lesson(p))
            )
        self.lessons_menu.addSeparator()
        self.lessons_menu.addAction(
            self._action(
                "Open lesson &file…",
                self.open_lesson_dialog,
                None,
                "A lesson a teacher wrote or received (.neurolab.json)",
            )
        )
        self.leave_lesson_action = self._action(
            "&Leave lesson", self.session.close_lesson, None, "Unlock every control"
        )
        self.leave_lesson_action.setEnabled(False)
        self.lessons_menu.addAction(self.leave_lesson_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About NeuroLab", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def current_tab(self) -> LabTab:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    def show_tab(self, title: str) -> None:
        self.tabs.setCurrentWidget(next(p for p in self.pages if p.title == title))

    # -- experiments and lessons ----------------------------------------------------------
    def open_path(self, path: str) -> bool:
        return self.session.open_path(path)

    def open_dialog(self) -> None:
        path = dialogs.open_file(self, "Open experiment", FILTER)
        if path:
            self.open_path(path)

    def open_lesson(self, path) -> None:
        if self.open_path(path) and self.session.lesson is None:
            self._show_status(f"{path} has no lesson in it: opened as an experiment")

    def open_lesson_dialog(self) -> None:
        path = dialogs.open_file(self, "Open lesson", FILTER)
        if path:
            self.open_lesson(path)

    def restart_lesson(self) -> None:
        self.session.restart_lesson()

    def _show_lesson(self, lesson) -> None:
        self._undo_lesson()
        self._undo_lesson = lambda: None
        self.leave_lesson_action.setEnabled(lesson is not None)
        if lesson is None:
            self.lesson_dock.hide()
            return
        self._undo_lesson, unmatched = restrict(self.pages, self.tabs, lesson)
        self.lesson_panel.show_lesson(lesson)
        self.lesson_dock.show()
        if unmatched:
            self._show_status(f"Lesson: not on screen, so not locked: {', '.join(unmatched)}")

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.session.recent()
        for path in files:
            self.recent_menu.addAction(
                self._action(path, lambda _=False, p=path: self._open_recent(p))
            )
        if not files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not os.path.exists(path):
            self.session.forget_recent(path)
            dialogs.show_error(self, "Cannot open the experiment", f"{path} no longer exists")
            return
        self.open_path(path)

    def export_figure(self) -> None:
        tab = self.current_tab()
        if not figure.shown_plots(tab):
            self._show_status(f"{tab.title}: no plot shown to export")
            return
        path = dialogs.save_file(
            self,
            "Export figure",
            f"{tab.title.lower()}_figure.png",
            "PNG image (*.png);;SVG image (*.svg)",
        )
        if path:
            with dialogs.report_errors(self, "Export failed", path):
                n = figure.export_figure(tab, path, preferences.export_scale())
                self._show_status(f"Saved {n} plot(s) of {tab.title} to {path}")

    def show_preferences(self) -> None:
        dialog = preferences.PreferencesDialog(self.settings, self.session.autosave_enabled, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            autosave, scale = dialog.values()
            self.session.autosave_enabled = autosave
            self.settings.setValue("export/png_scale", scale)
            preferences.set_export_scale(scale)

    def about_text(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in library_versions().items())
        return (
            f"<h3>NeuroLab {__version__}</h3>"
            "<p>A desktop laboratory for learning how neurons and neural networks work.</p>"
            f"<table>{rows}</table>"
        )

    def show_about(self) -> None:
        QMessageBox.about(self, "About NeuroLab", self.about_text())

    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- settings -----------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        try:
            index = int(self.settings.value("window/tab", 0))
        except (TypeError, ValueError):
            index = 0
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        self.settings.sync()

    def shutdown(self) -> None:
        for i in range(self.tabs.count()):
            self.tabs.widget(i).shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            if not self.session.maybe_save():
                event.ignore()
                return
            self.session.autosave()
        except Exception:  # noqa: BLE001 — a window must always close; say why on stderr
            traceback.print_exc()
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
