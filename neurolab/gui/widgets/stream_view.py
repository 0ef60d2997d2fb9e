"""Stream a core simulation into stacked plots: live like an oscilloscope, or once.

A :class:`StreamView` owns one :class:`~neurolab.gui.worker.Runner` and the
curves of a :class:`~neurolab.gui.widgets.plot_panel.PlotPanel`.  It keeps the
samples (a sweeping ring buffer live, a thinned recording one-shot), redraws at
a fixed frame rate from the latest data, stops a run whose state leaves its
physical range, and hands back everything recorded for export.  Tabs declare
what to draw with :class:`PlotSpec` and decide what to run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont

from neurolab.core.tabstate.neuron import Bounds, Recording, split_chunk
from neurolab.gui.widgets.plot_panel import PlotPanel
from neurolab.gui.widgets.sweep import SweepBuffer
from neurolab.gui.worker import Runner

FRAME_MS = 33  # redraw at ~30 frames per second from the latest data


def fit_hint(hint: pg.TextItem, plot: pg.PlotItem, margin: float = 8.0) -> None:
    """Keep the centred placeholder ``hint`` whole inside ``plot``'s view box.

    A TextItem anchored at its centre is as wide as its text whatever the plot's width,
    so a plot narrower than the text cut it at both ends ("ress Start … ru"). Now, each
    time the view box is resized, the hint is one line if that fits, else wrapped at
    spaces onto centred lines no wider than the box (less ``margin`` px each side), and
    only if a single word is still too wide is its font made smaller (down to 7 pt).
    """
    box = plot.getViewBox()
    doc = hint.textItem.document()
    option = doc.defaultTextOption()
    option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    doc.setDefaultTextOption(option)
    font = QFont(hint.textItem.font())

    def fit() -> None:
        room = max(box.width() - 2 * margin, 1.0)
        smaller = QFont(font)
        hint.setFont(smaller)
        hint.setTextWidth(-1)
        if doc.idealWidth() <= room:
            return
        hint.setTextWidth(room)
        while doc.idealWidth() > room and smaller.pointSizeF() > 7.0:
            smaller.setPointSizeF(max(smaller.pointSizeF() - 1.0, 7.0))
            hint.setFont(smaller)

    box.sigResized.connect(fit)
    fit()


@dataclass
class Curve:
    field: str  # chunk attribute
    label: str  # legend entry
    color: int


@dataclass
class PlotSpec:
    """One plot of the stack: its y axis, curves, and optional spikes and threshold."""

    y_label: str
    y_unit: str
    curves: list[Curve]
    y_range: tuple[float, float] | None = None  # fixed while streaming; None = autoscale
    spikes: str | None = None  # chunk attribute holding spike times to mark on this plot
    spike_level: float = 0.0  # y of the spike markers
    threshold: float | None = None  # a dashed horizontal line


class StreamView(QObject):
    """Runs generators and draws their chunks into a plot panel.

    Signals
    -------
    progress(int)
        One-shot runs: percent done.
    diverged(str)
        The run was stopped because a state left its physical range; the text explains.
    failed(str)
        The run raised; the text is the traceback.
    finished(bool)
        The run ended (True: completed, False: stopped).
    stateChanged(str)
        "running", "paused" or "idle".
    """

    progress = Signal(int)
    diverged = Signal(str)
    failed = Signal(str)
    finished = Signal(bool)
    stateChanged = Signal(str)

    def __init__(
        self,
        panel: PlotPanel,
        plots: list[PlotSpec],
        bounds: Bounds | None = None,
        hint: str = "Press Start (Space) to run",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.panel, self.specs, self.bounds = panel, plots, bounds or Bounds()
        self.runner = Runner(self)
        self.runner.chunk.connect(self._on_chunk)
        self.runner.failed.connect(self.failed)
        self.runner.finished.connect(self._on_finished)
        self.runner.stateChanged.connect(self.stateChanged)
        self.new: dict[str, pg.PlotDataItem] = {}
        self.old: dict[str, pg.PlotDataItem] = {}
        self.spike_items: dict[str, pg.ScatterPlotItem] = {}
        self.plots: list[pg.PlotItem] = []
        first = None
        for ps in plots:
            plot = panel.add_plot("t", "ms", ps.y_label, ps.y_unit, link_x=first)
            first = first or plot
            self.plots.append(plot)
            if ps.y_range is not None:
                plot.setYRange(*ps.y_range, padding=0.02)
                plot.enableAutoRange(axis="y", enable=False)
            for c in ps.curves:
                self.new[c.field] = PlotPanel.add_curve(plot, c.label, c.color)
                old = PlotPanel.add_curve(plot, "", c.color)
                old.export_name = f"{c.label} (previous sweep)"
                self.old[c.field] = old
            if ps.threshold is not None:
                plot.addItem(
                    pg.InfiniteLine(
                        pos=ps.threshold,
                        angle=0,
                        pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine),
                        label="threshold",
                        labelOpts={"position": 0.05, "color": "#555"},
                    )
                )
            if ps.spikes is not None:
                item = pg.ScatterPlotItem(
                    symbol="t1", size=9, brush=pg.mkBrush("#D55E00"), pen=None, name="spikes"
                )
                item.export_name = ps.spikes
                plot.addItem(item)
                self.spike_items[ps.spikes] = item
        self.fields = list(self.new)
        self.hint = pg.TextItem(hint, color="#666", anchor=(0.5, 0.5))
        self.plots[0].addItem(self.hint, ignoreBounds=True)
        fit_hint(self.hint, self.plots[0])
        self.sweep: SweepBuffer | None = None
        self.recording: Recording | None = None
        self.frames = 0  # redraws done (read by the GUI probe)
        self.live = True
        self.completed = False
        self._dirty = False
        self._ranges: dict[int, tuple[float, float] | None] = {}
        self._span = 1.0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.redraw)

    # -- control ------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.runner.state

    def start(self, factory, *, live: bool, dt: float, span: float, pace: float | None) -> None:
        """Run ``factory()``: live over a sweeping screen ``span`` ms wide, or one-shot
        for ``span`` ms."""
        self.live, self.completed, self._span = live, False, span
        self.clear()
        if live:
            self.sweep, self.recording = SweepBuffer(span, dt, self.fields), None
        else:
            self.sweep, self.recording = None, Recording(round(span / dt), self.fields)
        self._spikes: dict[str, list[np.ndarray]] = {name: [] for name in self.spike_items}
        self.show_window(span)
        self.runner.start(factory, pace=pace)
        self._timer.start()

    def send(self, updates: dict) -> None:
        self.runner.send(updates)

    def stop(self) -> None:
        self.runner.cancel(wait=False)

    def shutdown(self) -> None:
        self._timer.stop()
        self.runner.cancel(wait=True)

    def clear(self) -> None:
        for c in list(self.new.values()) + list(self.old.values()):
            c.setData([], [])
        for item in self.spike_items.values():
            item.setData([], [])
        self.hint.hide()
        self._ranges = {id(p): ps.y_range for p, ps in zip(self.plots, self.specs, strict=True)}
        for plot, ps in zip(self.plots, self.specs, strict=True):
            if ps.y_range is not None:
                plot.setYRange(*ps.y_range, padding=0.02)

    def forget(self, width: float) -> None:
        """Stop (and wait), drop what was recorded and show the empty screen ``width`` ms
        wide with the hint, as before the first run (new settings loaded)."""
        self.runner.cancel(wait=True)
        self._timer.stop()
        self.clear()
        self.sweep = self.recording = None
        self._spikes = {}
        self.completed = False
        self.show_window(width)
        self.hint.show()

    def show_window(self, width: float) -> None:
        """Fix the time axis to [0, width] ms and centre the hint in it."""
        for plot in self.plots:
            plot.setXRange(0, width, padding=0)
        lo, hi = self.plots[0].viewRange()[1]
        self.hint.setPos(width / 2, (lo + hi) / 2)

    # -- results ------------------------------------------------------------------
    def _on_chunk(self, chunk) -> None:
        # The same cut as the headless one-shot run (neurolab.core.tabstate.neuron).
        t, values, spikes, bad = split_chunk(
            chunk, self.fields, list(self.spike_items), self.bounds
        )
        self._keep(t, values, spikes)
        if bad is not None:
            self.runner.cancel(wait=False)
            self._dirty = True
            self.diverged.emit(
                f"The simulation diverged at t = {bad.t:.3f} ms: {bad.name} reached "
                f"{bad.value:.3g}, outside its physical range. The plots keep "
                f"the last good state. Try a smaller time step dt{self.bounds.advice} or a "
                "smaller input."
            )
            return
        if not self.live:
            self.progress.emit(int(100 * float(chunk.t[-1]) / self._span))
        self._dirty = True

    def _keep(self, t, values, spikes) -> None:
        if self.sweep is not None:
            self.sweep.append(t, values)
        else:
            self.recording.append(t, values)
        for name, s in spikes.items():
            if len(s):
                self._spikes[name].append(s)

    def _on_finished(self, completed: bool) -> None:
        self.redraw(force=True)
        self._timer.stop()
        self.completed = completed
        if completed and not self.live:
            self.progress.emit(100)
        self.finished.emit(completed)

    def spike_times(self, name: str) -> np.ndarray:
        """Spike times recorded for ``name`` (live: those on the current screen)."""
        s = np.concatenate(self._spikes[name]) if self._spikes.get(name) else np.empty(0)
        if self.sweep is not None and self.sweep.count:
            s = s[s >= self.sweep.t_now - self.sweep.window]
            self._spikes[name] = [s]  # forget what has scrolled off
        return s

    def recorded(self) -> dict[str, np.ndarray]:
        """Every recorded array in time order (live: the current screenful), with spikes."""
        if self.sweep is not None and self.sweep.count:
            out = self.sweep.ordered()
        elif self.recording is not None and self.recording.count:
            out = {k: v.copy() for k, v in self.recording.arrays().items()}
        else:
            return {}
        out.pop("spike_times", None)
        for name in self.spike_items:
            out[name] = self.spike_times(name)
        return out

    # -- drawing ------------------------------------------------------------------
    def redraw(self, force: bool = False) -> None:
        if not (self._dirty or force):
            return
        self._dirty = False
        if self.sweep is not None:
            for f in self.fields:
                xn, yn, xo, yo = self.sweep.segments(f)
                self.new[f].setData(xn, yn)
                self.old[f].setData(xo, yo)
        elif self.recording is not None and self.recording.count:
            data = self.recording.arrays()
            for f in self.fields:
                self.new[f].setData(data["t"], data[f])
        else:
            return
        for ps in self.specs:
            if ps.spikes is not None:
                s = self.spike_times(ps.spikes)
                x = np.mod(s, self._span) if self.sweep is not None else s
                self.spike_items[ps.spikes].setData(x, np.full(len(x), ps.spike_level))
        self._widen_ranges()
        self.frames += 1

    def _widen_ranges(self) -> None:
        """Fixed y ranges keep a streaming plot calm; widen one while the data on screen
        leave it, and return to it once they are back inside."""
        for plot, ps in zip(self.plots, self.specs, strict=True):
            if ps.y_range is None:
                continue
            rng = self._ranges.get(id(plot))
            lo, hi = ps.y_range
            for c in ps.curves:
                for curve in (self.new[c.field], self.old[c.field]):
                    y = curve.yData
                    if y is not None and len(y) and not np.isnan(y).all():
                        lo, hi = min(lo, float(np.nanmin(y))), max(hi, float(np.nanmax(y)))
            if (lo, hi) != rng:
                self._ranges[id(plot)] = (lo, hi)
                plot.setYRange(lo, hi, padding=0.05)
