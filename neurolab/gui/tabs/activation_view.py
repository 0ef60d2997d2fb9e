"""Activation functions and their derivatives, side by side, plus softmax on a vector."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from neurolab.core.activations import ACTIVATIONS, softmax
from neurolab.core.tabstate import neuron as core
from neurolab.gui.widgets.plot_panel import PlotPanel

X = core.ACTIVATION_X
DEFAULT_SHOWN = tuple(core.DEFAULT_SHOWN)


class ActivationView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QGroupBox("Show")
        bl = QVBoxLayout(box)
        self.checks: dict[str, QCheckBox] = {}
        for name, act in ACTIVATIONS.items():
            cb = QCheckBox(name)
            cb.setObjectName(f"show_{name}")
            cb.setToolTip(act.formula_text)
            cb.setChecked(name in DEFAULT_SHOWN)
            cb.toggled.connect(self._update)
            bl.addWidget(cb)
            self.checks[name] = cb
        self.formulas = QLabel()
        self.formulas.setWordWrap(True)
        self.formulas.setTextFormat(Qt.TextFormat.RichText)
        bl.addWidget(self.formulas)
        bl.addStretch(1)
        box.setMaximumWidth(220)
        self.box = box

        self.plot = PlotPanel("Activation functions")
        self.p_f = self.plot.add_plot("x", "", "σ(x)", "", title="Function", legend="left")
        self.p_df = self.plot.add_plot(
            "x", "", "σ′(x)", "", title="Derivative", link_x=self.p_f, legend="left"
        )
        self.p_soft = self.plot.add_plot(
            "component k", "", "softmax", "", title="softmax and argmax of x = (1, 2, 3, 0.5)"
        )
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        for i, name in enumerate(ACTIVATIONS):
            f = PlotPanel.add_curve(self.p_f, name, i, width=2, streaming=False)
            df = PlotPanel.add_curve(self.p_df, name, i, width=2, streaming=False)
            self.curves[name] = (f, df)
        self.p_f.setXRange(-5, 5, padding=0)
        self.p_f.setYRange(-2, 3, padding=0.02)
        self.p_df.setYRange(-0.1, 1.2, padding=0.02)
        v = np.array(core.SOFTMAX_INPUT)
        k = np.arange(len(v))
        bars = pg.BarGraphItem(x=k, height=softmax(v), width=0.6, brush="#56B4E9", name="softmax")
        self.p_soft.addItem(bars)
        onehot = np.zeros_like(v)
        onehot[np.argmax(v)] = 1.0
        self.p_soft.plot(
            k,
            onehot,
            name="argmax (one-hot)",
            pen=None,
            symbol="x",
            symbolSize=12,
            symbolPen=pg.mkPen("#D55E00", width=2),
        )
        self.p_soft.setYRange(0, 1.05, padding=0)
        self.p_soft.getAxis("bottom").setTicks([[(int(i), str(int(i))) for i in k]])

        self.plot.metadata = lambda: self.output()[1]
        layout = QHBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(self.plot, 1)
        self._update()

    def shown(self) -> list[str]:
        return [n for n, cb in self.checks.items() if cb.isChecked()]

    # -- experiment files and export --------------------------------------------
    def state(self) -> dict:
        return {"shown": self.shown()}

    def set_state(self, state: dict) -> None:
        """Tick exactly the validated ``state["shown"]``; the plots update once."""
        for name, cb in self.checks.items():
            cb.blockSignals(True)
            cb.setChecked(name in state["shown"])
            cb.blockSignals(False)
        self._update()

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        return {("shown",): self.box}

    def output(self) -> tuple[dict[str, np.ndarray], dict]:
        """(arrays, parameters) that Export data writes (the headless computation)."""
        return core.activation_output(self.shown())

    def _update(self, *_args) -> None:
        lines = []
        for name, (f, df) in self.curves.items():
            for plot, curve in ((self.p_f, f), (self.p_df, df)):
                plot.legend.removeItem(curve)
            if self.checks[name].isChecked():
                act = ACTIVATIONS[name]
                f.setData(X, act.f(X))
                df.setData(X, act.df(X))
                for plot, curve in ((self.p_f, f), (self.p_df, df)):
                    plot.legend.addItem(curve, name)
                lines.append(f"<b>{name}</b>: {html.escape(act.formula_text)}")
            else:
                f.setData([], [])
                df.setData([], [])
        self.formulas.setText("<br>".join(lines))
