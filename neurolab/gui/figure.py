"""File ▸ Export figure: every plot shown on a tab in one PNG or SVG, laid out as on screen."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from neurolab.core import export
from neurolab.gui.widgets.plot_panel import PlotPanel


def shown_plots(root: QWidget) -> list[QWidget]:
    """The drawings visible under ``root``: every widget with a ``title_label`` above a
    ``view`` (plot panels, weight heatmaps, the autodiff graph), leaving out previews
    whose export buttons are hidden (the stimulus preview among the controls)."""
    out = []
    for w in root.findChildren(QWidget):
        if not (hasattr(w, "title_label") and hasattr(w, "view") and w.isVisible()):
            continue
        if isinstance(w, PlotPanel) and (w.export_buttons["PNG"].isHidden() or not w.plots):
            continue
        out.append(w)
    return out


def _parts(root: QWidget, panels: list[QWidget]) -> list[tuple[QWidget, QRect]]:
    parts = []
    for panel in panels:
        for w in (panel.title_label, panel.view):
            parts.append((w, QRect(w.mapTo(root, QPoint(0, 0)), w.size())))
    return parts


def export_figure(root: QWidget, path: str | os.PathLike, scale: float = 2.0) -> int:
    """Write the plots shown under ``root`` to ``path`` (.png at ``scale``× the screen
    size, or .svg); atomic. Returns how many plots went in."""
    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in (".png", ".svg"):
        raise ValueError(f"unknown figure format {fmt!r}: use .png or .svg")
    panels = shown_plots(root)
    if not panels:
        raise ValueError("no plot is shown on this tab")
    parts = _parts(root, panels)
    bound = parts[0][1]
    for _, r in parts[1:]:
        bound = bound.united(r)
    with export.atomic_path(path, suffix=fmt) as tmp:
        if fmt == ".png":
            image = QImage(
                round(bound.width() * scale),
                round(bound.height() * scale),
                QImage.Format.Format_RGB32,
            )
            image.fill(QColor("white"))
            painter = QPainter(image)
            painter.scale(scale, scale)
            _paint(painter, parts, bound)
            if not image.save(tmp, "PNG"):
                raise OSError(f"could not write {path}")
        else:
            gen = QSvgGenerator()
            gen.setFileName(tmp)
            gen.setSize(bound.size())
            gen.setViewBox(QRect(0, 0, bound.width(), bound.height()))
            gen.setResolution(root.logicalDpiX())
            gen.setTitle(path.stem)
            gen.setDescription("Exported from NeuroLab")
            painter = QPainter(gen)
            _paint(painter, parts, bound)
    return len(panels)


def _paint(painter: QPainter, parts: list[tuple[QWidget, QRect]], bound: QRect) -> None:
    try:
        for widget, rect in parts:
            painter.save()
            painter.translate(rect.topLeft() - bound.topLeft())
            # QWidget's render, not QGraphicsView's (which stretches to the whole device).
            # The figure's own white shows behind titles, not the window's grey.
            QWidget.render(
                widget, painter, QPoint(0, 0), QRegion(), QWidget.RenderFlag.DrawChildren
            )
            painter.restore()
    finally:
        painter.end()
