"""The Synapse tab: filters and filtered spike trains, and one neuron driving another."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from neurolab.core import export
from neurolab.core.synapse import simulate_chain
from neurolab.gui import dialogs
from neurolab.gui.tabs.base import LabTab
from neurolab.gui.tabs.synapse_chain import ChainView
from neurolab.gui.tabs.synapse_filter import FilterView
from neurolab.gui.widgets.plot_panel import PlotPanel


class SynapseTab(LabTab):
    title = "Synapse"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = FilterView()
        self.chain = ChainView()
        for view in (self.filter, self.chain):
            view.status.connect(self.status.emit)
        self.views = QTabWidget()
        self.views.addTab(self.filter, "Filters and spike trains")
        self.views.addTab(self.chain, "Two neurons")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views)

    def current_plot(self) -> PlotPanel:
        return self.views.currentWidget().plot

    def toggle_run(self) -> None:
        if self.views.currentWidget() is self.chain:
            self.chain.toggle_run()
        else:
            self.status.emit(
                "Synapse: the filter view updates as you edit; Space runs the two-neuron view"
            )

    def data(self) -> tuple[dict[str, np.ndarray], dict, str]:
        """The current view's arrays, their parameters and a file-name stem."""
        if self.views.currentWidget() is self.chain:
            return self.chain.view.recorded(), self.chain.parameters(), "synapse_chain"
        return self.filter.data(), self.filter.parameters(), "synapse_filter"

    def export_data(self) -> None:
        arrays, _, stem = self.data()
        if not arrays:
            self.status.emit("Synapse: nothing to export yet — start the two-neuron run (Space)")
            return
        path = dialogs.save_file(
            self, "Export data", f"{stem}.csv", "CSV table (*.csv);;NumPy archive (*.npz)"
        )
        if path:
            with dialogs.report_errors(self, "Export failed"):
                self.save_data(path)
                self.status.emit(f"Synapse: data written to {path}")

    def save_data(self, path: str) -> None:
        arrays, params, _ = self.data()
        export.save(path, arrays, params, tab="Synapse")

    def smoke_test(self) -> None:
        self.filter.regenerate()
        if not np.isfinite(self.filter.s).all():
            raise RuntimeError("the filtered spike train is not finite")
        run = simulate_chain(self.chain.source(), 200.0, self.chain.chain(), dt=0.1)
        if len(run.pre_spikes) == 0:
            raise RuntimeError("the presynaptic neuron did not fire in the smoke run")

    def shutdown(self) -> None:
        self.chain.shutdown()
