"""The Network tab: rate layers and their weights, a spiking network live, and
universal approximation by sigmoid pieces."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

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
        arrays, _, stem = self.data()
        if not arrays:
            self.status.emit("Network: nothing to export yet — start the spiking network (Space)")
            return
        path = dialogs.save_file(
            self, "Export data", f"{stem}.csv", "CSV table (*.csv);;NumPy archive (*.npz)"
        )
        if path:
            with dialogs.report_errors(self, "Export failed"):
                self.save_data(path)
                self.status.emit(f"Network: data written to {path}")

    def save_data(self, path: str) -> None:
        arrays, params, _ = self.data()
        export.save(path, arrays, params, tab="Network")

    def smoke_test(self) -> None:
        self.rate.smoke_test()
        self.spiking.smoke_test()
        self.approx.smoke_test()

    def shutdown(self) -> None:
        self.spiking.shutdown()
