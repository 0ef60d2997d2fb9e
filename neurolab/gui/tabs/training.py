"""The Training tab: watch a network learn and overfit, see gradient descent on 2-D
surfaces, and autodiff worked by hand on a formula you type."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from neurolab.gui.tabs.base import ViewsTab
from neurolab.gui.tabs.training_autodiff import AutodiffView
from neurolab.gui.tabs.training_descent import DescentView
from neurolab.gui.tabs.training_panel import TrainView


class TrainingTab(ViewsTab):
    title = "Training"

    def __init__(self, parent: QWidget | None = None) -> None:
        self.train = TrainView()
        self.descent = DescentView()
        self.autodiff = AutodiffView()
        super().__init__(
            [
                (self.train, "Train a network", "training"),
                (self.descent, "Gradient descent", "gradient_descent"),
                (self.autodiff, "Autodiff", "autodiff"),
            ],
            runnable=self.train,
            parent=parent,
        )
