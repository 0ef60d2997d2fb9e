"""Choose a stimulus, set its parameters, and preview I(t)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QStackedWidget, QVBoxLayout, QWidget

from neurolab.core.stimulus import STIMULI, Stimulus
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PlotPanel


class StimulusEditor(QGroupBox):
    """A kind chooser, one generated parameter panel per kind, and a preview plot.

    Parameters
    ----------
    unit : str
        The input unit of the model this stimulus drives (shown on the preview axis).
    overrides : dict, optional
        Starting values per kind (e.g. a smaller amplitude for the LIF neuron);
        "Reset" returns to these.
    """

    changed = Signal(object)  # the current Stimulus (a copy)

    def __init__(
        self,
        unit: str,
        overrides: dict[str, dict] | None = None,
        preview_ms: float = 300.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Stimulus", parent)
        self.unit, self.preview_ms = unit, preview_ms
        self.dt = 0.1  # the preview samples on the run's grid (noise depends on it)
        layout = QVBoxLayout(self)
        self.kind = QComboBox()
        self.kind.setObjectName("stimulus_kind")
        self.kind.setToolTip("Shape of the input current over time")
        self.stack = QStackedWidget()
        self.panels: dict[str, ParamPanel] = {}
        for key, cls in STIMULI.items():
            start = cls(**(overrides or {}).get(key, {}))
            panel = ParamPanel(start)
            panel.changed.connect(self._panel_changed)
            self.panels[key] = panel
            self.stack.addWidget(panel)
            self.kind.addItem(cls.label or key, key)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.preview = PlotPanel("Input preview")
        plot = self.preview.add_plot("t", "ms", "input", unit, legend=False)
        self.preview_curve = PlotPanel.add_curve(plot, "I", color=6, streaming=False)
        self.preview.setMinimumHeight(150)
        for b in self.preview.export_buttons.values():
            b.hide()
        layout.addWidget(self.kind)
        layout.addWidget(self.stack)
        layout.addWidget(self.preview)
        self._update_preview()

    def set_dt(self, dt: float) -> None:
        if dt != self.dt:
            self.dt = dt
            self._update_preview()

    def set_span(self, ms: float) -> None:
        """Preview as much time as the run shows (its screen, or its duration)."""
        if ms != self.preview_ms:
            self.preview_ms = ms
            self._update_preview()

    def key(self) -> str:
        return self.kind.currentData()

    def stimulus(self) -> Stimulus:
        return self.panels[self.key()].values()

    def set_kind(self, key: str) -> None:
        self.kind.setCurrentIndex(list(self.panels).index(key))

    def state(self) -> dict:
        """The current kind and its values, as an experiment file's Variant section."""
        return {"kind": self.key(), "params": self.stimulus().as_dict()}

    def set_state(self, state: dict) -> None:
        """Show a validated Variant section ``{"kind": k, "params": Stimulus}``; announces
        the new stimulus once."""
        kind = state["kind"]
        self.panels[kind].set_values(state["params"], emit=False)
        self.kind.blockSignals(True)
        self.set_kind(kind)
        self.kind.blockSignals(False)
        self.stack.setCurrentIndex(self.kind.currentIndex())
        self._emit()

    def _kind_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._emit()

    def _panel_changed(self, _params) -> None:
        if self.sender() is self.panels[self.key()]:
            self._emit()

    def _emit(self) -> None:
        self._update_preview()
        self.changed.emit(self.stimulus())

    def _update_preview(self) -> None:
        t = np.arange(round(self.preview_ms / self.dt)) * self.dt
        self.preview_curve.setData(t, self.stimulus().values(t))
