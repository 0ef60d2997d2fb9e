"""A weight matrix as a heatmap: rows = "from", columns = "to", editable cells.

``W[i, j]`` (the connection from neuron i to neuron j, SPEC §4) is drawn at row
i, column j with row 0 at the top, like a matrix on paper.  The colour map is
diverging and symmetric around 0 (blue negative, white 0, red positive) with a
colour bar.  Matrices larger than ``max_cells`` × ``max_cells`` are shown as
block means (:func:`downsample`; sparse matrices are never densified).  The
value under the mouse is shown below the map; when the widget is editable and
the matrix is shown cell by cell, clicking a cell opens an inline editor.
Axis ticks thin out (every 1, 2, 5, 10, … indices) so their labels never run
together however narrow the map, and :meth:`WeightHeatmap.clear` shows an
empty map with a message (a matrix that does not exist yet).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
import scipy.sparse as sp
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from neurolab.gui.widgets.common import message_label
from neurolab.gui.widgets.plot_panel import index_ticks  # also: white background, black axes

__all__ = ["WeightHeatmap", "downsample", "DIVERGING"]

# Diverging blue–white–red (ColorBrewer RdBu end points), symmetric around 0.
DIVERGING = pg.ColorMap([0.0, 0.5, 1.0], [(33, 102, 172), (255, 255, 255), (178, 24, 43)])
TEXT_MAX = 12  # cells show their numbers when the matrix has at most this many rows and columns


def downsample(W: Any, max_cells: int = 200) -> tuple[np.ndarray, int, int]:
    """Block means of ``W`` on a grid of at most ``max_cells`` × ``max_cells`` blocks.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n_rows, n_cols)
        The matrix; sparse input is reduced from its COO coordinates and never
        densified (missing entries count as 0 in the means).
    max_cells : int
        Largest number of blocks along either axis.

    Returns
    -------
    blocks : ndarray, shape (ceil(n_rows / row_step), ceil(n_cols / col_step))
        ``blocks[a, b]`` is the mean of ``W[a·row_step:(a+1)·row_step,
        b·col_step:(b+1)·col_step]`` (the last blocks may be smaller).
    row_step, col_step : int
        Rows and columns per block (1 and 1 when nothing was downsampled).
    """
    max_cells = int(max_cells)
    if max_cells < 1:
        raise ValueError(f"max_cells must be at least 1 (got {max_cells})")
    sparse = sp.issparse(W)
    if not sparse:
        W = np.asarray(W, dtype=float)
    if len(W.shape) != 2:
        raise ValueError(f"a weight matrix must be 2-D (got shape {W.shape})")
    n_r, n_c = W.shape
    if n_r == 0 or n_c == 0:
        raise ValueError(f"the weight matrix is empty (shape {W.shape})")
    rs, cs = -(-n_r // max_cells), -(-n_c // max_cells)
    nb_r, nb_c = -(-n_r // rs), -(-n_c // cs)
    if sparse:
        coo = W.tocoo()
        flat = (np.asarray(coo.row, np.int64) // rs) * nb_c + np.asarray(coo.col, np.int64) // cs
        sums = np.bincount(
            flat, weights=np.asarray(coo.data, dtype=float), minlength=nb_r * nb_c
        ).reshape(nb_r, nb_c)
    elif rs == 1 and cs == 1:
        return W.copy(), 1, 1
    else:
        sums = np.add.reduceat(W, np.arange(0, n_r, rs), axis=0)
        sums = np.add.reduceat(sums, np.arange(0, n_c, cs), axis=1)
    rows = np.minimum(rs, n_r - rs * np.arange(nb_r))
    cols = np.minimum(cs, n_c - cs * np.arange(nb_c))
    return sums / np.outer(rows, cols), rs, cs


def _fmt_cell(v: float) -> str:
    text = f"{v:.2f}" if abs(v) < 10 else f"{v:.3g}"
    return "0.00" if text == "-0.00" else text


class _CellEditor(QLineEdit):
    """The inline editor: Return commits (handled by the owner), Escape cancels."""

    cancelled = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class WeightHeatmap(QWidget):
    """A heatmap of a weight matrix with hover readout and optional cell editing.

    Parameters
    ----------
    title : str
        Shown above the map, followed by the shape (and "(block means of k×k)"
        when downsampled).
    editable : bool
        Clicking a cell (or :meth:`edit_cell`) opens an inline editor.
    max_cells : int
        Larger matrices are shown as at most ``max_cells`` × ``max_cells`` block means.
    limit : float
        Typed values must lie in ``[-limit, limit]``.

    Signals
    -------
    edited(int, int, float)
        A cell (row, column, new value) was changed by the user; the display
        is already updated.
    refused(str)
        A typed value (or an edit that is impossible) was refused; the matrix is unchanged.
    """

    edited = Signal(int, int, float)
    refused = Signal(str)

    def __init__(
        self,
        title: str = "",
        editable: bool = False,
        max_cells: int = 200,
        parent: QWidget | None = None,
        limit: float = 100.0,
    ) -> None:
        super().__init__(parent)
        if int(max_cells) < 1:
            raise ValueError(f"max_cells must be at least 1 (got {max_cells})")
        if not limit > 0:
            raise ValueError(f"limit must be positive (got {limit})")
        self.title = title
        self.editable = editable
        self.max_cells = int(max_cells)
        self.limit = float(limit)
        self._dense: np.ndarray | None = None  # full-resolution values when shown cell by cell
        self._source: Any = None  # the matrix as given (dense array or sparse matrix)
        self._lookup: Any = None  # dense array or CSR for exact single-entry reads
        self._blocks = np.zeros((1, 1))
        self._steps = (1, 1)
        self._row_names: dict[int, str] = {}
        self._texts: list[pg.TextItem] = []
        self._separators: list[pg.InfiniteLine] = []
        self._editing: tuple[int, int] | None = None
        self._vmax = 1.0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel()
        self.title_label.setObjectName("heatmap_title")
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setMinimumSize(220, 200)
        layout.addWidget(self.view, 1)
        self.hover_label = QLabel()
        self.hover_label.setObjectName("hover")
        self.hover_label.setToolTip("Value of the cell under the mouse pointer")
        # A long readout wraps onto a second line instead of widening the widget or
        # being cut; two lines always, so the map does not jump as the pointer moves.
        self.hover_label.setWordWrap(True)
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        fm = QFontMetrics(self.hover_label.font())
        self.hover_label.setFixedHeight(2 * fm.lineSpacing() + 4)
        layout.addWidget(self.hover_label)
        self.message = message_label()
        layout.addWidget(self.message)

        self.plot = self.view.addPlot(row=0, col=0)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)  # row 0 at the top, as a matrix is written
        self.plot.showAxis("top")
        self.plot.hideAxis("bottom")
        for side in ("left", "top"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.plot.vb.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(
            values=(-1.0, 1.0), colorMap=DIVERGING, interactive=False, label="weight", width=16
        )
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        for side in ("left", "top"):
            # An index at the very end may reach past the axis: draw it rather than drop it
            # (the ticks are spaced so that labels never overlap).
            self.plot.getAxis(side).setStyle(hideOverlappingLabels=False)
        self.empty_text = pg.TextItem("", color="#555", anchor=(0.5, 0.5))
        self.empty_text.hide()
        self.plot.addItem(self.empty_text, ignoreBounds=True)

        self.editor = _CellEditor(self)
        self.editor.setObjectName("cell_editor")
        self.editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.editor.hide()
        self.editor.returnPressed.connect(self.commit_edit)
        self.editor.cancelled.connect(self.cancel_edit)
        self.plot.vb.sigResized.connect(lambda *_: self._place_editor())
        self.plot.vb.sigResized.connect(lambda *_: self._set_ticks())
        self.plot.vb.sigResized.connect(lambda *_: self._fit_empty_text())

        self.view.scene().sigMouseMoved.connect(self._mouse_moved)
        self.view.scene().sigMouseClicked.connect(self._clicked)
        self.set_matrix(np.zeros((1, 1)))

    # -- public ---------------------------------------------------------------------
    def set_matrix(
        self,
        W: Any,
        row_label: str = "from (presynaptic / lower layer)",
        col_label: str = "to",
        row_names: Mapping[int, str] | None = None,
    ) -> None:
        """Show ``W`` (dense ndarray or scipy.sparse, any 2-D shape).

        ``row_names`` optionally replaces the index of some rows in the axis
        ticks and the readout, e.g. ``{M: "bias"}`` for the augmented ``[W; b]``.
        """
        self.cancel_edit()
        self.empty_text.hide()
        blocks, rs, cs = downsample(W, self.max_cells)
        self._source = W.copy() if sp.issparse(W) else np.array(W, dtype=float)
        self._lookup = W.tocsr() if sp.issparse(W) else self._source
        self._blocks, self._steps = blocks, (rs, cs)
        self._dense = blocks.copy() if self.downsampled is False else None
        self._row_names = dict(row_names or {})
        self.row_label, self.col_label = row_label, col_label
        self.plot.setLabel("left", row_label)
        self.plot.setLabel("top", col_label)
        n_r, n_c = self.shape
        self.plot.vb.setLimits()  # no limits from a previous matrix
        self._draw()
        # After setImage: the rect is turned into a scale from the image's own size.
        self.image.setRect(QRectF(-0.5, -0.5, blocks.shape[1] * cs, blocks.shape[0] * rs))
        self.plot.setXRange(-0.5, n_c - 0.5, padding=0)
        self.plot.setYRange(-0.5, n_r - 0.5, padding=0)
        self._set_ticks()
        self._draw_separators()
        self.message.hide()
        text = f"<b>{self.title}</b> — " if self.title else ""
        text += f"{n_r} × {n_c}"
        if sp.issparse(W):
            stored = f"{W.nnz:,}".replace(",", "\u2009")
            text += f", {stored} stored entries"
        if self.downsampled:
            block = f"{rs}×{cs}"
            text += f" (block means of {block})"
        self.title_label.setText(text)
        self.hover_label.setText(self._hint())

    def matrix(self) -> Any:
        """The full-resolution matrix with any edits: an ndarray for dense input,
        the same sparse type for sparse input."""
        if self._dense is None:
            return self._source.copy()
        if sp.issparse(self._source):
            return type(self._source)(self._dense)
        return self._dense.copy()

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self._source.shape)  # type: ignore[return-value]

    @property
    def downsampled(self) -> bool:
        return self._steps != (1, 1)

    @property
    def steps(self) -> tuple[int, int]:
        """Rows and columns per displayed block."""
        return self._steps

    def displayed(self) -> np.ndarray:
        """The values drawn, one per displayed cell or block (a copy)."""
        return (self._dense if self._dense is not None else self._blocks).copy()

    def levels(self) -> tuple[float, float]:
        """The colour scale's range, symmetric around 0."""
        return (-self._vmax, self._vmax)

    def cell_name(self, i: int, j: int) -> str:
        """How cell (i, j) is called in the readout and messages, e.g. "W[2, 0]"."""
        if i in self._row_names:
            return f"{self._row_names[i]}[{j}]"
        return f"W[{i}, {j}]"

    def hover_text(self, i: int, j: int) -> str:
        """The readout for the displayed cell or block (i, j)."""
        if not self.downsampled:
            return f"{self.cell_name(i, j)} = {self._dense[i, j]:.6g}"  # type: ignore[index]
        rs, cs = self._steps
        n_r, n_c = self.shape
        r0, c0 = i * rs, j * cs
        r1, c1 = min(r0 + rs, n_r) - 1, min(c0 + cs, n_c) - 1
        return f"mean of W[{r0}…{r1}, {c0}…{c1}] = {self._blocks[i, j]:.4g}"

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """The displayed (row, column) under a scene point, or None outside the map."""
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        pt = vb.mapSceneToView(scene_pos)
        rs, cs = self._steps
        i = math.floor((pt.y() + 0.5) / rs)
        j = math.floor((pt.x() + 0.5) / cs)
        nb_r, nb_c = self._blocks.shape
        if 0 <= i < nb_r and 0 <= j < nb_c:
            return i, j
        return None

    def cell_point(self, i: int, j: int) -> QPoint:
        """The centre of displayed cell (i, j) in ``self.view`` widget coordinates."""
        rs, cs = self._steps
        scene = self.plot.vb.mapViewToScene(QPointF((j + 0.5) * cs - 0.5, (i + 0.5) * rs - 0.5))
        return self.view.mapFromScene(scene)

    def edit_cell(self, i: int, j: int) -> bool:
        """Open the inline editor on cell (i, j); False (with a message) if impossible."""
        if not self.editable:
            self._refuse("this matrix is read-only")
            return False
        if self.downsampled:
            rs, cs = self._steps
            self._refuse(
                f"each cell shows the mean of a {rs}×{cs} block; "
                "single weights can only be edited in matrices shown cell by cell"
            )
            return False
        n_r, n_c = self.shape
        if not (0 <= i < n_r and 0 <= j < n_c):
            self._refuse(f"there is no cell ({i}, {j}) in a {n_r} × {n_c} matrix")
            return False
        self._editing = (int(i), int(j))
        self.editor.setText(f"{self._dense[i, j]:.6g}")  # type: ignore[index]
        self.editor.setToolTip(
            f"New value of {self.cell_name(i, j)} between {-self.limit:g} and {self.limit:g}; "
            "Return accepts, Escape cancels"
        )
        self._place_editor()
        self.editor.show()
        self.editor.raise_()
        self.editor.setFocus()
        self.editor.selectAll()
        self.hover_label.setText(
            f"Editing {self.cell_name(i, j)}: type a value and press Return (Escape cancels)"
        )
        return True

    def commit_edit(self) -> bool:
        """Accept the editor's text; a refused value leaves the matrix and editor as they were."""
        if self._editing is None:
            return False
        i, j = self._editing
        name = self.cell_name(i, j)
        text = self.editor.text().strip().replace(",", ".").replace("−", "-")
        try:
            value = float(text)
        except ValueError:
            self._refuse(
                f"{name}: {text!r} is not a number; "
                f"enter a value between {-self.limit:g} and {self.limit:g}"
            )
            self.editor.selectAll()
            return False
        if not math.isfinite(value) or abs(value) > self.limit:
            self._refuse(f"{name} must be between {-self.limit:g} and {self.limit:g} (got {text})")
            self.editor.selectAll()
            return False
        value += 0.0  # a typed -0 is 0
        self.cancel_edit()
        self._dense[i, j] = value  # type: ignore[index]
        self._blocks = self._dense.copy()  # type: ignore[union-attr]
        self._draw()
        self.message.hide()
        self.hover_label.setText(f"{name} = {value:.6g}")
        self.edited.emit(i, j, value)
        return True

    def cancel_edit(self) -> None:
        """Close the editor without changing anything."""
        self._editing = None
        self.editor.hide()

    @property
    def editing(self) -> tuple[int, int] | None:
        """The cell being edited, or None."""
        return self._editing

    # -- drawing ----------------------------------------------------------------------
    def _draw(self) -> None:
        values = self._dense if self._dense is not None else self._blocks
        finite = values[np.isfinite(values)]
        vmax = float(np.max(np.abs(finite))) if finite.size else 0.0
        self._vmax = vmax if vmax > 0 else 1.0
        self.image.setImage(values, autoLevels=False, levels=(-self._vmax, self._vmax))
        self.colorbar.setLevels((-self._vmax, self._vmax))
        self._draw_texts(values)

    def _draw_texts(self, values: np.ndarray) -> None:
        for item in self._texts:
            self.plot.removeItem(item)
        self._texts = []
        n_r, n_c = values.shape
        if self.downsampled or max(n_r, n_c) > TEXT_MAX:
            return
        font = QFont()
        font.setPointSizeF(9.0 if max(n_r, n_c) <= 6 else 7.5)
        for i in range(n_r):
            for j in range(n_c):
                v = float(values[i, j])
                dark = abs(v) > 0.6 * self._vmax
                item = pg.TextItem(_fmt_cell(v), color="w" if dark else "k", anchor=(0.5, 0.5))
                item.setFont(font)
                item.setPos(j, i)
                self.plot.addItem(item)
                self._texts.append(item)

    def _draw_separators(self) -> None:
        """A line above every named row (e.g. the bias row of [W; b])."""
        for line in self._separators:
            self.plot.removeItem(line)
        self._separators = []
        for i in self._row_names:
            line = pg.InfiniteLine(pos=i - 0.5, angle=0, pen=pg.mkPen("k", width=2))
            self.plot.addItem(line, ignoreBounds=True)
            self._separators.append(line)

    def _set_ticks(self) -> None:
        """Row and column indices, as many as fit without running together; named rows
        (e.g. "bias") always, without a number right next to them."""
        n_r, n_c = self.shape
        left, top = self.plot.getAxis("left"), self.plot.getAxis("top")
        if n_r == 0 or n_c == 0:
            left.setTicks([[]])
            top.setTicks([[]])
            return
        vb = self.plot.vb
        rows = index_ticks(n_r, vb.height(), vertical=True)
        step = rows[1][0] - rows[0][0] if len(rows) > 1 else n_r
        for i, name in self._row_names.items():
            rows = [t for t in rows if abs(t[0] - i) >= step] + [(i, name)]
        left.setTicks([sorted(rows)])
        top.setTicks([index_ticks(n_c, vb.width())])

    def clear(self, message: str = "") -> None:
        """Show no matrix: an empty map, ``message`` in its middle and after the title."""
        self.cancel_edit()
        self._source = np.zeros((0, 0))
        self._lookup = self._source
        self._blocks, self._steps, self._dense = np.zeros((0, 0)), (1, 1), None
        self._row_names = {}
        self.image.clear()
        self._draw_texts(self._blocks)
        self._draw_separators()
        self.plot.setLabel("left", "")
        self.plot.setLabel("top", "")
        self.plot.setXRange(0.0, 1.0, padding=0)
        self.plot.setYRange(0.0, 1.0, padding=0)
        self._set_ticks()
        self.empty_text.setHtml(f'<div style="text-align: center">{message}</div>')
        self._fit_empty_text()
        self.empty_text.setPos(0.5, 0.5)
        self.empty_text.setVisible(bool(message))
        self.message.hide()
        title = f"<b>{self.title}</b>" if self.title else ""
        self.title_label.setText(f"{title} — {message}" if title and message else title or message)
        self.hover_label.setText("")

    def _fit_empty_text(self) -> None:
        """The empty map's message wraps within the map."""
        self.empty_text.setTextWidth(max(60.0, self.plot.vb.width() - 16.0))

    @property
    def empty(self) -> bool:
        """No matrix is shown (see :meth:`clear`)."""
        return 0 in self.shape

    def _hint(self) -> str:
        if self.empty:
            return ""
        if self.editable and not self.downsampled:
            return f"Click a cell to edit it ({-self.limit:g} … {self.limit:g})"
        return "Point at a cell to read its value"

    # -- editor and mouse -------------------------------------------------------------
    def _place_editor(self) -> None:
        if self._editing is None:
            return
        i, j = self._editing
        vb = self.plot.vb
        a = vb.mapViewToScene(QPointF(j - 0.5, i - 0.5))
        b = vb.mapViewToScene(QPointF(j + 0.5, i + 0.5))
        pa = self.view.mapTo(self, self.view.mapFromScene(a))
        pb = self.view.mapTo(self, self.view.mapFromScene(b))
        cell = QRect(pa, pb).normalized()
        w, h = max(cell.width(), 72), max(cell.height(), 24)
        rect = QRect(0, 0, w, h)
        rect.moveCenter(cell.center())
        self.editor.setGeometry(rect)

    def _mouse_moved(self, pos: QPointF) -> None:
        if self._editing is not None:
            return
        cell = self.cell_at(pos)
        if cell is None:
            self.hover_label.setText(self._hint())
            return
        i, j = cell
        text = self.hover_text(i, j)
        if self.downsampled:
            # The exact entry under the pointer as well as its block's mean.
            pt = self.plot.vb.mapSceneToView(pos)
            r, c = math.floor(pt.y() + 0.5), math.floor(pt.x() + 0.5)
            n_r, n_c = self.shape
            if 0 <= r < n_r and 0 <= c < n_c:
                rs, cs = self._steps
                text = (
                    f"W[{r}, {c}] = {float(self._lookup[r, c]):.4g}   "
                    f"(mean of its {rs}×{cs} block = {self._blocks[i, j]:.4g})"
                )
        self.hover_label.setText(text)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.editable:
            return
        cell = self.cell_at(event.scenePos())
        if cell is None:
            return
        event.accept()
        self.edit_cell(*cell)

    def _refuse(self, text: str) -> None:
        self.message.setText(f"Refused: {text}")
        self.message.show()
        self.refused.emit(text)
