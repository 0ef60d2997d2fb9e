"""The Network tab: rate layers and their weights, a spiking network live, and
universal approximation by sigmoid pieces.

"Export data" writes the current view's arrays with a busy cursor and a status
line while it writes (a 20 000-neuron network's 20 M synapses take seconds as
NPZ; a CSV leaves weights beyond a million out and says so in its metadata).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget

from neurolab.core import export
from neurolab.gui import dialogs
from neurolab.gui.tabs.base import LabTab
from neurolab.gui.tabs.network_approx import ApproximationView
from neurolab.gui.tabs.network_rate import RateNetworkView
from neurolab.gui.tabs.network_spiking import SpikingNetworkView
from neurolab.gui.widgets.plot_panel import PlotPanel


class NetworkTab(LabTab):
    title = "Network"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rate = RateNetworkView()
        self.spiking = SpikingNetworkView()
        self.approx = ApproximationView()
        self.views = QTabWidget()
        for view, name, stem in (
            (self.rate, "Rate network", "network_rate"),
            (self.spiking, "Spiking network", "network_spiking"),
            (self.approx, "Universal approximation", "network_approximation"),
        ):
            view.status.connect(self.status.emit)
            view.file_stem = stem
            self.views.addTab(view, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views)

    def current_plot(self) -> PlotPanel:
        return self.views.currentWidget().plot

    def toggle_run(self) -> None:
        if self.views.currentWidget() is self.spiking:
            self.spiking.toggle_run()
        else:
            self.status.emit(
                "Network: this view updates as you edit; Space runs the spiking network"
            )

    def data(self) -> tuple[dict[str, np.ndarray], dict, str]:
        """The current view's arrays, their parameters and a file-name stem."""
        view = self.views.currentWidget()
        return view.data(), view.parameters(), view.file_stem

    def export_data(self) -> None:
        view = self.views.currentWidget()
        if view is self.spiking and self.spiking.built is None:
            self.status.emit("Network: nothing to export yet — start the spiking network (Space)")
            return
        path = dialogs.save_file(
            self, "Export data", f"{view.file_stem}.csv", "CSV table (*.csv);;NumPy archive (*.npz)"
        )
        if not path:
            return
        self.status.emit(f"Network: writing {path}…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        # Paint the status line and the cursor before the write blocks this thread.
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            with dialogs.report_errors(self, "Export failed"):
                started = time.perf_counter()
                note = self.save_data(path)
                took = time.perf_counter() - started
                self.status.emit(f"Network: data written to {path} in {took:.1f} s{note}")
        finally:
            QApplication.restoreOverrideCursor()

    def save_data(self, path: str) -> str:
        """Write the current view's data to ``path`` (CSV or NPZ by its extension);
        returns a remark for the status bar ("" or what was left out)."""
        view = self.views.currentWidget()
        fmt = Path(path).suffix.lower().lstrip(".")
        if hasattr(view, "export_arrays"):
            arrays, extra = view.export_arrays(fmt)
        else:
            arrays, extra = view.data(), {}
        export.save(path, arrays, view.parameters(), tab="Network", **extra)
        return " — the weights are not in the CSV: export as NPZ for them" if extra else ""

    def smoke_test(self) -> None:
        self.rate.smoke_test()
        self.spiking.smoke_test()
        self.approx.smoke_test()

    def shutdown(self) -> None:
        self.spiking.shutdown()
