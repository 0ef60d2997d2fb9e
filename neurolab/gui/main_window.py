"""The main window: four tabs, menus, shortcuts, status bar and remembered layout."""

from __future__ import annotations

import platform

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from neurolab import __version__
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
        pages: list[LabTab] = [
            self.neuron,
            self.synapse,
            self.network,
            self.training,
        ]
        for page in pages:
            self.tabs.addTab(page, page.title)
            page.status.connect(self._show_status)

        self.status_label = QLabel("Ready")
        self.statusBar().addWidget(self.status_label, 1)
        self._build_menus()
        self._restore()

    # -- menus and shortcuts ----------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.export_plot_action = QAction("Export &plot…", self)
        self.export_plot_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_plot_action.setToolTip("Export the current plot as PNG, SVG or CSV")
        self.export_plot_action.triggered.connect(lambda: self.current_tab().export_plot())
        self.export_data_action = QAction("Export &data…", self)
        self.export_data_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_data_action.triggered.connect(lambda: self.current_tab().export_data())
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        for a in (self.export_plot_action, self.export_data_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        run_menu = self.menuBar().addMenu("&Run")
        self.run_action = QAction("Start / pause", self)
        self.run_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.run_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.run_action.triggered.connect(lambda: self.current_tab().toggle_run())
        run_menu.addAction(self.run_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About NeuroLab", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def current_tab(self) -> LabTab:
        return self.tabs.currentWidget()  # type: ignore[return-value]

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
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
