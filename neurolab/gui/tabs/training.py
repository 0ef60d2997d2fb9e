"""The Training tab: watch a network learn and overfit, see gradient descent on 2-D
surfaces, and autodiff worked by hand on a formula you type."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from neurolab.core import export
from neurolab.gui import dialogs
from neurolab.gui.tabs.base import LabTab
from neurolab.gui.tabs.training_autodiff import AutodiffView
from neurolab.gui.tabs.training_descent import DescentView
from neurolab.gui.tabs.training_panel import TrainView
from neurolab.gui.widgets.plot_panel import PlotPanel


class TrainingTab(LabTab):
    title = "Training"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.train = TrainView()
        self.descent = DescentView()
        self.autodiff = AutodiffView()
        self.views = QTabWidget()
        for view, name, stem in (
            (self.train, "Train a network", "training"),
            (self.descent, "Gradient descent", "gradient_descent"),
            (self.autodiff, "Autodiff", "autodiff"),
        ):
            view.status.connect(self.status.emit)
            view.file_stem = stem
            self.views.addTab(view, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views)

    def current_plot(self) -> PlotPanel | None:
        return self.views.currentWidget().plot

    def toggle_run(self) -> None:
        if self.views.currentWidget() is self.train:
            self.train.toggle_run()
        else:
            self.status.emit("Training: this view updates as you edit; Space trains a network")

    def data(self) -> tuple[dict[str, np.ndarray], dict, str]:
        """The current view's arrays, their parameters and a file-name stem."""
        view = self.views.currentWidget()
        return view.data(), view.parameters(), view.file_stem

    def export_data(self) -> None:
        arrays, _, stem = self.data()
        if not arrays:
            self.status.emit("Training: nothing to export yet")
            return
        path = dialogs.save_file(
            self, "Export data", f"{stem}.csv", "CSV table (*.csv);;NumPy archive (*.npz)"
        )
        if path:
            with dialogs.report_errors(self, "Export failed"):
                self.save_data(path)
                self.status.emit(f"Training: data written to {path}")

    def save_data(self, path: str) -> None:
        arrays, params, _ = self.data()
        export.save(path, arrays, params, tab="Training")

    def smoke_test(self) -> None:
        for view in (self.train, self.descent, self.autodiff):
            view.smoke_test()

    def shutdown(self) -> None:
        self.train.shutdown()
