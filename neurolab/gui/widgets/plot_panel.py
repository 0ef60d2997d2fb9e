"""A pyqtgraph plot area with labeled axes, legends, a crosshair readout and export.

Every plot in NeuroLab lives in a :class:`PlotPanel`: it stacks one or more
plots with linked time axes, shows the value under the mouse, and exports what
is shown to PNG or SVG and its curves to CSV (announcing the file written
through :attr:`PlotPanel.exported`, for the status bar).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers the exporters)
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from neurolab.core import export, tabstate

pg.setConfigOptions(antialias=False, background="w", foreground="k")

# Colour-blind-safe palette (Okabe–Ito).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]


@dataclass
class AxisInfo:
    label: str
    unit: str

    def text(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


def axis_title(label: str, unit: str) -> str:
    return AxisInfo(label, unit).text()


def index_ticks(
    n: int, pixels: float, font: QFont | None = None, vertical: bool = False
) -> list[tuple[int, str]]:
    """Ticks for the indices 0 … n − 1 spread over ``pixels``: every index if their
    labels fit, else every 2nd, 5th, 10th, 20th, … so labels never run together.

    ``vertical`` spaces the labels by their height (a left axis) instead of
    their width.
    """
    if n <= 0:
        return []
    metrics = QFontMetrics(font or QFont())
    need = metrics.height() + 2 if vertical else metrics.horizontalAdvance(str(n - 1)) + 8
    per_index = max(float(pixels), 1.0) / n
    step, k = 1, 0
    while step * per_index < need and step < n:
        k += 1
        step = (1, 2, 5)[k % 3] * 10 ** (k // 3)
    return [(j, str(j)) for j in range(0, n, step)]


def log_ticks(lo: float, hi: float) -> list[list[tuple[float, str]]]:
    """Labelled ticks for a log axis showing values in [lo, hi] (> 0), as ``setTicks``
    takes them (positions are log10 of the values; pyqtgraph's own crowd together):
    1-2-5 over up to three decades, every decade over up to eight, every k-th beyond.
    A range holding fewer than two of those also gets round values inside it (a loss
    between 0.62 and 0.71 is still labelled)."""
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    decades = max(k1 - k0, 1)
    mults = (1, 2, 5) if decades <= 3 else (1,)
    every = math.ceil(decades / 8)
    values = [m * 10.0**k for k in range(k0 - k0 % every, k1 + 1, every) for m in mults]
    if sum(lo <= v <= hi for v in values) < 2:
        if hi > lo:
            step = 10.0 ** math.floor(math.log10((hi - lo) / 4))
            step *= next(m for m in (1, 2, 5, 10) if (hi - lo) / (step * m) <= 5)
            digits = max(0, -math.floor(math.log10(step)))
            inside = np.arange(math.ceil(lo / step), math.floor(hi / step) + 1) * step
            values += [round(v, digits) for v in inside if v > 0]
        else:
            values.append(float(f"{lo:.3g}"))
    ticks = [
        (math.log10(v), f"{v:g}".replace("e-0", "e-").replace("e+0", "e"))
        for v in sorted(set(values))
    ]
    return [ticks, []]


class PlotPanel(QWidget):
    """One or more stacked plots with export and a crosshair readout.

    Signals
    -------
    exported(str)
        A file was written by :meth:`export` (its path), for a "Saved …" status.
    """

    exported = Signal(str)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        # Returns the parameters behind the plot, stored in its CSV export.
        self.metadata: Callable[[], dict] | None = None
        self.plots: list[pg.PlotItem] = []
        self._axes: dict[int, tuple[AxisInfo, AxisInfo]] = {}
        self._cross: dict[int, tuple[pg.InfiniteLine, pg.InfiniteLine]] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.title_label = QLabel(f"<b>{title}</b>")
        self.readout = QLabel("")
        self.readout.setObjectName("readout")
        self.readout.setToolTip("Value under the mouse pointer")
        bar.addWidget(self.title_label)
        bar.addStretch(1)
        bar.addWidget(self.readout)
        self.export_buttons = {}
        for fmt in ("PNG", "SVG", "CSV"):
            b = QToolButton()
            b.setText(fmt)
            b.setToolTip(f"Export this plot as {fmt}")
            b.clicked.connect(lambda _=False, f=fmt.lower(): self.export_dialog(f))  # noqa: B008
            bar.addWidget(b)
            self.export_buttons[fmt] = b
        layout.addLayout(bar)
        self.view = pg.GraphicsLayoutWidget()
        layout.addWidget(self.view, 1)
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)

    # -- building -----------------------------------------------------------
    def add_plot(
        self,
        x_label: str,
        x_unit: str,
        y_label: str,
        y_unit: str,
        title: str | None = None,
        link_x: pg.PlotItem | None = None,
        legend: bool | str = True,
    ) -> pg.PlotItem:
        """Add a plot below the existing ones, with labeled axes and a legend.

        ``legend`` may be "left" to put the legend in the top-left corner.
        """
        row = len(self.plots)
        plot = self.view.addPlot(row=row, col=0, title=title)
        # A long title must not stop the plot from shrinking in a small window
        # (LabelItem re-imposes its text width as minimum on every update).
        plot.titleLabel.updateMin = lambda: None
        plot.titleLabel.setMinimumWidth(0)
        xa, ya = AxisInfo(x_label, x_unit), AxisInfo(y_label, y_unit)
        for side, info in (("bottom", xa), ("left", ya)):
            ax = plot.getAxis(side)
            ax.enableAutoSIPrefix(False)
            plot.setLabel(side, info.text())
        plot.getAxis("left").setWidth(64)  # stacked plots' time axes line up
        plot.showGrid(x=True, y=True, alpha=0.25)
        for side in ("left", "bottom"):
            # Grid lines on major ticks only: the minor levels cost ~25 ms a repaint
            # for a stack of four plots (measured), too much for a 30 fps live view.
            plot.getAxis(side).setStyle(maxTickLevel=0)
        if legend:
            plot.addLegend(
                offset=(-10, 10) if legend != "left" else (10, 10),
                labelTextSize="8pt",
                brush=pg.mkBrush(255, 255, 255, 200),
            )
        if link_x is not None:
            plot.setXLink(link_x)
            # Linked time axes: one axis title at the bottom of the stack is enough.
            for above in self.plots:
                if above.getViewBox().linkedView(0) is link_x.getViewBox() or above is link_x:
                    above.getAxis("bottom").showLabel(False)
        plot.setMenuEnabled(True)
        pen = pg.mkPen((120, 120, 120), width=1, style=Qt.PenStyle.DashLine)
        v, h = pg.InfiniteLine(angle=90, pen=pen), pg.InfiniteLine(angle=0, pen=pen)
        for line in (v, h):
            line.hide()
            plot.addItem(line, ignoreBounds=True)
        self._cross[id(plot)] = (v, h)
        self._axes[id(plot)] = (xa, ya)
        self.plots.append(plot)
        return plot

    @staticmethod
    def add_curve(
        plot: pg.PlotItem, name: str, color: str | int = 0, width: float = 1.0, streaming=True
    ) -> pg.PlotDataItem:
        """A curve set up for fast updates (pyqtgraph's own advice)."""
        if isinstance(color, int):
            color = PALETTE[color % len(PALETTE)]
        # An empty name keeps the curve out of the legend.
        curve = plot.plot([], [], name=name or None, pen=pg.mkPen(color, width=width))
        if streaming:
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
        return curve

    # -- readout --------------------------------------------------------------
    def _mouse_moved(self, pos) -> None:
        for plot in self.plots:
            v, h = self._cross[id(plot)]
            inside = plot.sceneBoundingRect().contains(
                pos
            ) and plot.vb.sceneBoundingRect().contains(pos)
            v.setVisible(inside)
            h.setVisible(inside)
            if inside:
                pt = plot.vb.mapSceneToView(pos)
                v.setPos(pt.x())
                h.setPos(pt.y())
                xa, ya = self._axes[id(plot)]
                self.readout.setText(
                    f"{xa.label} = {pt.x():.4g} {xa.unit}   {ya.label} = {pt.y():.4g} {ya.unit}"
                )

    # -- data ---------------------------------------------------------------
    def curve_data(self) -> dict[str, np.ndarray]:
        """Every named curve's x and y as columns ``curve | axis`` (``title | curve | axis``
        for plots with a title)."""
        cols: dict[str, np.ndarray] = {}
        for plot in self.plots:
            xa, ya = self._axes[id(plot)]
            title = plot.titleLabel.text
            for item in plot.listDataItems():
                name = getattr(item, "export_name", None) or item.name()
                if isinstance(item, pg.PlotDataItem):
                    # xData/yData are the full data; getData() may be downsampled for display.
                    x, y = item.xData, item.yData
                else:
                    x, y = item.getData()
                if not name or x is None or len(x) == 0:
                    continue
                base = f"{title} | {name}" if title else name
                for axis, values in ((xa, x), (ya, y)):
                    cols[f"{base} | {axis.text()}".replace(",", ";")] = np.asarray(values, float)
        return cols

    # -- export ---------------------------------------------------------------
    def export(self, path: str | os.PathLike, scale: float | None = None) -> None:
        """Export to PNG, SVG or CSV by the file's extension; the write is atomic.
        A PNG is ``scale``× the size on screen (default: the Preferences setting)."""
        path = Path(path)
        if scale is None:
            from neurolab.gui.preferences import export_scale

            scale = export_scale()
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("png", "svg", "csv"):
            raise ValueError(f"unknown plot format {fmt!r}: use .png, .svg or .csv")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"the folder {path.parent} does not exist")
        if fmt == "csv":
            params = self.metadata() if self.metadata else {}
            export.save_csv(
                path, self.curve_data(), params, title=self.title, seeds=tabstate.seeds(params)
            )
            self._saved(path)
            return
        with export.atomic_path(path, suffix=f".{fmt}") as tmp:
            if fmt == "png":
                exporter = pg.exporters.ImageExporter(self.view.ci)
                exporter.parameters()["width"] = max(int(self.view.width() * scale), 400)
                exporter.parameters()["antialias"] = True
                exporter.export(tmp)
            else:
                self._render_svg(tmp)
        self._saved(path)

    def _saved(self, path: Path) -> None:
        self.exported.emit(str(path))

    def _render_svg(self, filename: str) -> None:
        # pyqtgraph's SVGExporter rewrites Qt's path data and breaks on what Qt 6
        # writes (pyqtgraph issue #3485); Qt's own SVG generator is robust and vector.
        size = self.view.size()
        gen = QSvgGenerator()
        gen.setFileName(filename)
        gen.setSize(size)
        # Qt's SVG generator assumes 72 dpi; the view paints at the screen's dpi.
        gen.setResolution(self.view.logicalDpiX())
        gen.setViewBox(QRect(0, 0, size.width(), size.height()))
        gen.setTitle(self.title)
        gen.setDescription("Exported from NeuroLab")
        painter = QPainter(gen)
        try:
            self.view.render(painter)
        finally:
            painter.end()

    def export_dialog(self, fmt: str = "png") -> str | None:
        """Ask for a file and export to it; ``fmt`` is the format offered first."""
        from neurolab.gui.dialogs import ask_and_export

        filters = {
            "png": "PNG image (*.png)",
            "svg": "SVG image (*.svg)",
            "csv": "CSV table of the curves (*.csv)",
        }
        return ask_and_export(self, self.title or "plot", fmt, filters, self.export)
