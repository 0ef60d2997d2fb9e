"""Post-synaptic filters, spike trains, and their convolution s = a ∗ h.

Three linked views: the kernel h(t) (with its area, which must read 1.000, and
the family n = 0…3 for comparison); the spike train a(t) as a raster the user
edits with the mouse; and the filtered train s(t) drawn bold over each spike's
own faint h(t − t_p), so superposition is visible.  Everything is recomputed
on the GUI thread: it takes milliseconds.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from neurolab.core.synapse import SynapseParams, kernel, kernel_area
from neurolab.core.tabstate import synapse as state_core
from neurolab.core.tabstate.synapse import FilterViewParams, kernel_span
from neurolab.gui.widgets.common import control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel
from neurolab.gui.widgets.train_editor import TrainEditor

CLICK_TOLERANCE_PX = 5  # a click this close to a spike removes it
MAX_FAINT = 300  # spikes whose own kernel is drawn faintly


__all__ = ["FilterView", "FilterViewParams", "kernel_span"]


class FilterView(QWidget):
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.times = np.empty(0)
        controls = QVBoxLayout()
        self.synapse = ParamPanel(SynapseParams(), "Filter", hide=("w",))
        self.synapse.changed.connect(lambda _: self.update_all())
        self.area_label = QLabel()
        self.area_label.setObjectName("area")
        self.area_label.setToolTip("∫h dt computed numerically: the filter passes charge 1")
        self.train = TrainEditor()
        self.train.changed.connect(lambda _: self.regenerate())
        self.view_params = ParamPanel(FilterViewParams(), "View")
        self.view_params.changed.connect(lambda _: self.regenerate())
        for w in (self.synapse, self.area_label, self.train, self.view_params):
            controls.addWidget(w)
        for panel in (self.synapse, self.view_params):
            panel.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        self.train.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        controls.addStretch(1)
        scroll = control_column(controls, max_width=360)

        self.plot = PlotPanel("Filters and spike trains")
        self.p_kernel = self.plot.add_plot("t", "ms", "h", "1/ms", title="Kernel h(t)")
        self.family = [
            PlotPanel.add_curve(self.p_kernel, f"n = {n}", n, streaming=False) for n in range(4)
        ]
        for curve in self.family:
            curve.setOpacity(0.35)
        self.kernel_curve = PlotPanel.add_curve(
            self.p_kernel, "chosen h", 6, width=2.5, streaming=False
        )
        self.p_raster = self.plot.add_plot(
            "t",
            "ms",
            "a(t)",
            "",
            title="Spike train a(t) — click to add, click a spike to remove, drag to move",
            legend=False,
        )
        self.p_raster.setYRange(0, 1, padding=0)
        self.p_raster.getAxis("left").setTicks([[]])
        self.p_raster.setMouseEnabled(x=False, y=False)
        self.p_raster.hideButtons()
        self.lines: list[pg.InfiniteLine] = []
        self.p_filtered = self.plot.add_plot(
            "t", "ms", "s", "1/ms", title="Filtered train s = a ∗ h", link_x=self.p_raster
        )
        self.faint = self.p_filtered.plot(
            [], [], name="h(t − t_p) of each spike", pen=pg.mkPen(PALETTE[5], width=1)
        )
        self.faint.setOpacity(0.5)
        self.s_curve = PlotPanel.add_curve(self.p_filtered, "s(t)", 0, width=2.5, streaming=False)
        for row, stretch in enumerate((3, 1, 3)):  # the raster needs little height
            self.plot.view.ci.layout.setRowStretchFactor(row, stretch)
        self.plot.view.scene().sigMouseClicked.connect(self._clicked)
        self.plot.metadata = self.parameters

        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.plot, 1)
        self.regenerate()

    # -- computation (through neurolab.core.tabstate.synapse, as `neurolab run` does) ------
    def regenerate(self) -> None:
        """New spike times from the train editor, then redraw everything."""
        duration = self.view_params.values().duration
        self.times = state_core.filter_times(self.train.train(), duration)
        self._sync_lines()
        self.update_all()

    def update_all(self) -> None:
        p = self.synapse.values()
        tk, hk = state_core.kernel_curve(p)
        for n, curve in enumerate(self.family):
            curve.setData(tk, kernel(tk, p.tau_s, n))
        self.kernel_curve.setData(tk, hk)
        area = kernel_area(p.tau_s, p.n)
        self.area_label.setText(f"<b>∫h dt = {area:.3f}</b>  (n = {p.n}, τ_s = {p.tau_s:g} ms)")
        self.p_kernel.setTitle(f"Kernel h(t), n = {p.n}, τ_s = {p.tau_s:g} ms: ∫h dt = {area:.3f}")
        self._update_filtered(p)

    def _update_filtered(self, p: SynapseParams) -> None:
        duration = self.view_params.values().duration
        self.t, self.s = state_core.filtered(self.times, p, duration)
        self.s_curve.setData(self.t, self.s)
        # Each spike's own kernel over its support, joined into one curve with gaps.
        span = kernel_span(p.tau_s, p.n)
        dt = self.t[1] - self.t[0]
        xs, ys = [], []
        for tp in self.times[:MAX_FAINT]:
            i0 = int(np.searchsorted(self.t, tp))
            i1 = min(len(self.t), i0 + int(span / dt) + 2)
            seg = self.t[i0:i1]
            xs += [np.concatenate(([tp], seg)), [np.nan]]
            ys += [
                np.concatenate(([kernel(0.0, p.tau_s, p.n)], kernel(seg - tp, p.tau_s, p.n))),
                [np.nan],
            ]
        if xs:
            self.faint.setData(np.concatenate(xs), np.concatenate(ys), connect="finite")
        else:
            self.faint.setData([], [])
        self.p_raster.setXRange(0, duration, padding=0)

    # -- raster editing -------------------------------------------------------------------
    def _sync_lines(self) -> None:
        for line in self.lines:
            self.p_raster.removeItem(line)
        self.lines = []
        for tp in self.times:
            line = pg.InfiniteLine(
                pos=float(tp),
                angle=90,
                movable=True,
                pen=pg.mkPen("#000", width=2),
                hoverPen=pg.mkPen("#D55E00", width=3),
            )
            line.sigPositionChangeFinished.connect(self._moved)
            self.p_raster.addItem(line)
            self.lines.append(line)

    def _clicked(self, event) -> None:
        vb = self.p_raster.vb
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        if not self._editable():
            return
        x = vb.mapSceneToView(event.scenePos()).x()
        px_per_ms = vb.width() / max(vb.viewRange()[0][1] - vb.viewRange()[0][0], 1e-9)
        if len(self.times):
            i = int(np.argmin(np.abs(self.times - x)))
            if abs(self.times[i] - x) * px_per_ms <= CLICK_TOLERANCE_PX:
                self.remove_spike(i)
                event.accept()
                return
        self.add_spike(x)
        event.accept()

    def add_spike(self, t: float) -> None:
        duration = self.view_params.values().duration
        t = min(max(float(t), 0.0), duration)
        self._edited(np.append(self.times, t))
        self.status.emit(f"Synapse: spike added at {t:.1f} ms")

    def remove_spike(self, index: int) -> None:
        t = self.times[index]
        self._edited(np.delete(self.times, index))
        self.status.emit(f"Synapse: spike at {t:.1f} ms removed")

    def move_spike(self, index: int, t: float) -> None:
        times = self.times.copy()
        times[index] = min(max(float(t), 0.0), self.view_params.values().duration)
        self._edited(times)

    def _moved(self, line: pg.InfiniteLine) -> None:
        i = self.lines.index(line)
        if not self._editable():
            line.setValue(float(self.times[i]))  # put it back
            return
        self.move_spike(i, line.value())

    def _editable(self) -> bool:
        """The raster edits the train: not while a lesson has locked the train editor."""
        if self.train.isEnabled():
            return True
        self.status.emit("Synapse: the spike train is locked in this lesson")
        return False

    def _edited(self, times: np.ndarray) -> None:
        # An edited train is no longer a draw of its generator: keep it as a list.
        self.train.blockSignals(True)
        self.train.set_times(times)
        self.train.blockSignals(False)
        self.times = state_core.filter_times(self.train.train(), self.view_params.values().duration)
        self._sync_lines()
        self._update_filtered(self.synapse.values())

    def raster_point(self, t: float) -> QPoint:
        """Where spike time ``t`` (ms) is drawn, in the view's widget coordinates."""
        vb = self.p_raster.vb
        scene = vb.mapViewToScene(QPointF(t, 0.5))
        return self.plot.view.mapFromScene(scene)

    # -- experiment files ---------------------------------------------------------------
    def state(self) -> dict:
        """The settings as ``tabstate.synapse.SCHEMA["synapse_filter"]`` declares them."""
        return {
            "synapse": self.synapse.values().as_dict(),
            "train": self.train.state(),
            "times": self.train.times(),
            "view": self.view_params.values().as_dict(),
        }

    def set_state(self, state: dict) -> None:
        """Show a validated state: every control set quietly, then one redraw."""
        self.synapse.set_values(SynapseParams(**state["synapse"].as_dict()), emit=False)
        self.view_params.set_values(FilterViewParams(**state["view"].as_dict()), emit=False)
        self.train.set_state(state["train"], times=state["times"], emit=False)
        self.regenerate()

    def controls(self) -> dict:
        # The raster edits the explicit times: locking the editor locks it too.
        return {
            ("synapse",): self.synapse,
            ("train",): self.train,
            ("times",): self.train,
            ("view",): self.view_params,
        }

    # -- export -----------------------------------------------------------------------------
    def parameters(self) -> dict:
        return state_core.filter_parameters(
            self.synapse.values(), self.train.key(), self.train.train(), self.view_params.values()
        )

    def data(self) -> dict[str, np.ndarray]:
        duration = self.view_params.values().duration
        return state_core.filter_arrays(self.synapse.values(), self.times, duration)
