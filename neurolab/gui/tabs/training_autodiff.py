"""Autodiff on a typed formula: its expression graph, backward step by step, and a check.

Notes §9, SPEC §5.  The student types a formula in variables they name (read by
the core's whitelist parser, never ``eval``) and sets their values; the view
draws the expression graph left to right — variables on the left, the output f
on the right, one box per Var with its value and gradient, arrows from each
operation's arguments to its result — and prints ∂f/∂v for every variable next
to a central finite-difference estimate.  "Step backward" walks the backward
pass one node at a time in the engine's order (reverse topological),
highlighting the node whose grad is being filled and listing what its
consumers passed back; after the last step the grads equal "Backward (all)".

Everything is computed on the GUI thread: a formula of 500 characters has at
most a few hundred nodes and takes milliseconds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QShortcut,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from neurolab.core import export
from neurolab.core.formula import (
    ALLOWED_TEXT,
    DEFAULT_FORMULA,
    DEFAULT_VALUES,
    FD_STEP,
    NEW_VARIABLE_VALUE,
    VALUE_LIMIT,
    Formula,
    FormulaError,
    differentiate,
    formula_values,
    formula_variables,
    parse_formula,
    relative_difference,
)
from neurolab.gui.widgets.common import control_column, message_label

FORMULA_PAUSE_MS = 600  # a typed formula is applied after this pause (or on Enter)

# Graph drawing (scene units = pixels at zoom 1).
GAP_X = 56  # between layer columns
GAP_Y = 20  # between boxes in a column
DUMMY_GAP = 8  # between an edge passing through a column and its neighbours
MIN_BOX_WIDTH = 92
FIT_MIN_SCALE = 0.6  # "Fit" never shrinks text below this (scroll instead)
FIT_MAX_SCALE = 1.4
ZOOM_RANGE = (0.1, 4.0)
TRANSPOSE_MAX_ITEMS = 160  # the local crossing search is quadratic: skip it on huge graphs

VAR_FILL = "#dcebf7"
OP_FILL = "#ffffff"
CONST_FILL = "#eeeeee"
CURRENT_FILL = "#ffe1b0"
CURRENT_PEN = "#d55e00"
FILLED_GRAD = "#00704a"
UNKNOWN_GRAD = "#8a8a8a"
EDGE_PEN = "#707070"


def fmt(value: float, digits: int = 5) -> str:
    """A number with ``digits`` significant digits and a real minus sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):.{digits}g}".replace("-", "−")


def parse_number(text: str) -> float:
    """A typed number (typographic minus allowed); ValueError if it is not one."""
    return float(text.strip().replace("−", "-").replace("\u2009", "").replace(" ", ""))


# --------------------------------------------------------------------------------------
# Layout: layers left to right, order within layers, vertical positions (pure Python)


@dataclass
class GraphLayout:
    """Where each box and each arrow goes.

    Attributes
    ----------
    layer : list of int
        The column of each node (0 = leftmost).
    center : list of (float, float)
        The centre of each node's box.
    column_x : list of (float, float)
        Left and right edge of each column.
    edge_points : list of list of (float, float)
        For each edge (same order as the graph's), its route: the source box's
        right side, where it crosses intermediate columns (two points each) and
        the target box's left side at the argument's port.
    """

    layer: list[int]
    center: list[tuple[float, float]]
    column_x: list[tuple[float, float]]
    edge_points: list[list[tuple[float, float]]] = field(default_factory=list)


def _isotonic(target: list[float], weight: list[float]) -> list[float]:
    """Non-decreasing least-squares fit (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(target, weight, strict=True):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    out: list[float] = []
    for m, _, c in blocks:
        out += [m] * c
    return out


def _place(desired: list[float], seps: list[float], weight: list[float]) -> list[float]:
    """Positions closest to ``desired`` keeping the order and gaps of at least ``seps``."""
    offsets = [0.0]
    for s in seps:
        offsets.append(offsets[-1] + s)
    z = _isotonic([d - o for d, o in zip(desired, offsets, strict=True)], weight)
    return [zi + o for zi, o in zip(z, offsets, strict=True)]


def _pair_crossings(
    upper: list[int], lower: list[int], succ: dict[int, list[int]], port: dict
) -> int:
    """Crossings between two adjacent columns; edges into different ports of one box
    count as ordered (the first argument enters above the second)."""
    pos = {item: i for i, item in enumerate(lower)}
    pairs = [
        (i, pos[s] + 0.4 * port.get((item, s), 0.0))
        for i, item in enumerate(upper)
        for s in succ[item]
        if s in pos
    ]
    total = 0
    for k, (a1, b1) in enumerate(pairs):
        for a2, b2 in pairs[k + 1 :]:
            if (a1 - a2) * (b1 - b2) < 0:
                total += 1
    return total


def _crossings(order: list[list[int]], succ: dict[int, list[int]], port: dict) -> int:
    return sum(_pair_crossings(u, lo, succ, port) for u, lo in zip(order, order[1:], strict=False))


def _transpose(order: list[list[int]], succ: dict[int, list[int]], port: dict) -> None:
    """Swap neighbours within a column while that removes crossings."""

    def local(L: int) -> int:
        c = 0
        if L > 0:
            c += _pair_crossings(order[L - 1], order[L], succ, port)
        if L + 1 < len(order):
            c += _pair_crossings(order[L], order[L + 1], succ, port)
        return c

    for _ in range(6):
        improved = False
        for L, items in enumerate(order):
            for i in range(len(items) - 1):
                before = local(L)
                items[i], items[i + 1] = items[i + 1], items[i]
                if local(L) < before:
                    improved = True
                else:
                    items[i], items[i + 1] = items[i + 1], items[i]
        if not improved:
            return


def _layers(
    kinds: list[str],
    args: dict[int, list[int]],
    users: dict[int, list[int]],
    edges: Sequence[tuple[int, int]],
) -> list[int]:
    """Columns: each operation right of its arguments, the output alone on the right.

    Two candidates — variables in column 0 and every operation as far left as
    it can go, or every node as far right as it can go — and the one whose
    edges skip fewer columns wins (ties: the first, variables on the left).
    """
    n = len(kinds)
    left = [0] * n
    for i in range(n):
        if kinds[i] != "constant":
            deps = [left[a] for a in args[i] if kinds[a] != "constant"]
            left[i] = 1 + max(deps) if deps else 0
    for i in range(n):
        if kinds[i] == "constant":  # next to its consumer
            left[i] = max(0, min((left[u] for u in users[i]), default=1) - 1)
    right = [0] * n
    for i in range(n - 1, -1, -1):
        right[i] = min((right[u] for u in users[i]), default=left[i] + 1) - 1
    shift = min(right, default=0)
    right = [r - shift for r in right]

    def skipped(layer: list[int]) -> int:
        return sum(layer[b] - layer[a] - 1 for a, b in edges)

    return right if skipped(right) < skipped(left) else left


def layout_graph(
    nodes: Sequence[dict],
    edges: Sequence[tuple[int, int]],
    sizes: Sequence[tuple[float, float]],
) -> GraphLayout:
    """Lay out an expression graph left to right (a small Sugiyama layout).

    Variables sit in column 0, each operation one column right of its deepest
    argument (so the output is alone in the last column), a constant just left
    of its consumer.  Edges spanning several columns pass through reserved
    slots, so no arrow crosses a box; the order within each column reduces
    crossings (barycentres, the first argument of an operation above the
    second) and the heights minimise the arrows' slopes without overlap.

    ``nodes`` are the dicts of :meth:`Formula.graph` (in topological order),
    ``sizes`` the (width, height) of each node's box.
    """
    n = len(nodes)
    kinds = [nd["kind"] for nd in nodes]
    args: dict[int, list[int]] = {i: [] for i in range(n)}
    users: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, b in edges:
        args[b].append(a)
        users[a].append(b)
    layer = _layers(kinds, args, users, edges)
    n_layers = max(layer, default=0) + 1

    # Items: the nodes, then one dummy per column an edge passes through.
    item_layer = list(layer)
    succ: dict[int, list[int]] = {i: [] for i in range(n)}
    pred: dict[int, list[int]] = {i: [] for i in range(n)}
    port: dict[tuple[int, int], float] = {}  # (item, its successor) -> port offset in -0.5…0.5
    chains: list[list[int]] = []
    n_args = {b: len(args[b]) for b in range(n)}
    seen_into: dict[int, int] = {}
    for a, b in edges:
        j = seen_into.get(b, 0)
        seen_into[b] = j + 1
        offset = 0.0 if n_args[b] < 2 else j / (n_args[b] - 1) - 0.5
        chain = [a]
        for L in range(layer[a] + 1, layer[b]):
            d = len(item_layer)
            item_layer.append(L)
            succ[d], pred[d] = [], []
            chain.append(d)
        chain.append(b)
        for u, v in zip(chain, chain[1:], strict=False):
            succ[u].append(v)
            pred[v].append(u)
        port[(chain[-2], b)] = offset
        chains.append(chain)
    n_items = len(item_layer)
    is_dummy = [i >= n for i in range(n_items)]

    order: list[list[int]] = [[] for _ in range(n_layers)]
    for i in range(n_items):
        order[item_layer[i]].append(i)

    def sweep(down: bool) -> None:
        layers = range(1, n_layers) if down else range(n_layers - 2, -1, -1)
        for L in layers:
            nb = order[L - 1] if down else order[L + 1]
            pos = {item: k for k, item in enumerate(nb)}
            keys = {}
            for k, item in enumerate(order[L]):
                if down:
                    ps = [pos[p] for p in pred[item] if p in pos]
                else:
                    ps = [pos[s] + 0.3 * port.get((item, s), 0.0) for s in succ[item] if s in pos]
                keys[item] = sum(ps) / len(ps) if ps else k
            order[L].sort(key=lambda it: keys[it])

    best = [list(o) for o in order]
    best_x = _crossings(order, succ, port)
    for it in range(8):
        sweep(down=it % 2 == 0)
        c = _crossings(order, succ, port)
        if c <= best_x:
            best, best_x = [list(o) for o in order], c
    order = best
    if n_items <= TRANSPOSE_MAX_ITEMS and best_x:
        _transpose(order, succ, port)

    # Columns.
    widths = [0.0] * n_layers
    for i in range(n):
        widths[layer[i]] = max(widths[layer[i]], sizes[i][0])
    column_x = []
    x = 0.0
    for w in widths:
        column_x.append((x, x + w))
        x += w + GAP_X
    height = [sizes[i][1] if i < n else 0.0 for i in range(n_items)]

    def port_y(item: int, s: int) -> float:
        """Where the edge item → s enters s, relative to s's centre."""
        if s >= n:
            return 0.0
        return port.get((item, s), 0.0) * 0.5 * sizes[s][1]

    # Heights: stacked first, then pulled towards the neighbours.
    y = [0.0] * n_items
    seps_of = []
    for L in range(n_layers):
        items = order[L]
        seps = []
        for a, b in zip(items, items[1:], strict=False):
            gap = GAP_Y if not (is_dummy[a] or is_dummy[b]) else DUMMY_GAP
            seps.append((height[a] + height[b]) / 2 + gap)
        seps_of.append(seps)
        total = sum(seps)
        pos = -total / 2
        for k, item in enumerate(items):
            y[item] = pos
            if k < len(seps):
                pos += seps[k]
    weight = [3.0 if is_dummy[i] else 1.0 for i in range(n_items)]
    for it in range(12):
        down = it % 2 == 0
        layers = range(n_layers) if down else range(n_layers - 1, -1, -1)
        for L in layers:
            items = order[L]
            desired = []
            for item in items:
                ys = [y[p] - port_y(p, item) for p in pred[item]]
                ys += [y[s] + port_y(item, s) for s in succ[item]]
                desired.append(sum(ys) / len(ys) if ys else y[item])
            for item, yy in zip(
                items, _place(desired, seps_of[L], [weight[i] for i in items]), strict=True
            ):
                y[item] = yy
    top = min((y[i] - height[i] / 2 for i in range(n_items)), default=0.0)
    y = [v - top for v in y]

    center = [((column_x[layer[i]][0] + column_x[layer[i]][1]) / 2, y[i]) for i in range(n)]
    routes = []
    for chain in chains:
        a, b = chain[0], chain[-1]
        pts = [(center[a][0] + sizes[a][0] / 2, y[a])]
        for d in chain[1:-1]:
            x0, x1 = column_x[item_layer[d]]
            pts += [(x0, y[d]), (x1, y[d])]
        pts.append((center[b][0] - sizes[b][0] / 2, y[b] + port_y(chain[-2], b)))
        routes.append(pts)
    return GraphLayout(layer, center, column_x, routes)


# --------------------------------------------------------------------------------------
# Drawing


class NodeBox(QGraphicsItem):
    """One Var of the graph: a box with its name or operation, value and grad."""

    def __init__(self, node: dict, output: bool, final_grad: float | None = None) -> None:
        super().__init__()
        self.node = node
        self.final_grad = final_grad  # the grad it will show after backward (for its width)
        self.kind = node["kind"]
        self.output = output
        self.grad: float | None = None
        self.current = False
        self.title_font = QFont()
        self.title_font.setBold(True)
        self.title_font.setPointSizeF(10.0)
        self.text_font = QFont()
        self.text_font.setPointSizeF(9.0)
        self.value = float(np.asarray(node["value"]))
        self.width, self.height = self._measure()
        self.setToolTip(self._tooltip())

    def title(self) -> str:
        return self.node["display"]

    def lines(self) -> list[str]:
        if self.kind == "constant":
            return ["constant"]
        grad = "?" if self.grad is None else fmt(self.grad)
        return [f"val = {fmt(self.value)}", f"grad = {grad}"]

    def _measure(self) -> tuple[float, float]:
        tm, fm = QFontMetricsF(self.title_font), QFontMetricsF(self.text_font)
        samples = ["constant"]
        if self.kind != "constant":
            # Room for the grad the box will show after backward.
            grad = "−0.12345" if self.final_grad is None else fmt(self.final_grad)
            samples += [f"val = {fmt(self.value)}", f"grad = {grad}"]
        w = max([tm.horizontalAdvance(self.title())] + [fm.horizontalAdvance(t) for t in samples])
        n_lines = len(self.lines())
        h = tm.height() + n_lines * fm.height() + 10
        return max(MIN_BOX_WIDTH, w + 18), h

    def _tooltip(self) -> str:
        what = {"variable": "variable", "constant": "constant", "op": "operation"}[self.kind]
        text = f"{self.node['expr']}\n({what} {self.node['label']})\nvalue = {self.value:.10g}"
        if self.kind != "constant":
            text += "\ngrad = ∂f/∂(this)"
        return text

    def set_state(self, grad: float | None, current: bool) -> None:
        if grad != self.grad or current != self.current:
            self.grad, self.current = grad, current
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return QRectF(-self.width / 2 - 3, -self.height / 2 - 3, self.width + 6, self.height + 6)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = QRectF(-self.width / 2, -self.height / 2, self.width, self.height)
        fill = {"variable": VAR_FILL, "constant": CONST_FILL, "op": OP_FILL}[self.kind]
        pen = QPen(QColor("#333333"), 2.6 if self.output else 1.2)
        if self.kind == "constant":
            pen.setStyle(Qt.PenStyle.DashLine)
        if self.current:
            fill = CURRENT_FILL
            pen = QPen(QColor(CURRENT_PEN), 3.5)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(fill)))
        painter.drawRoundedRect(rect, 7, 7)
        tm, fm = QFontMetricsF(self.title_font), QFontMetricsF(self.text_font)
        y = rect.top() + 4
        painter.setFont(self.title_font)
        painter.setPen(QColor("#000000"))
        painter.drawText(
            QRectF(rect.left(), y, rect.width(), tm.height()),
            Qt.AlignmentFlag.AlignCenter,
            self.title(),
        )
        y += tm.height() + 2
        painter.setFont(self.text_font)
        for k, line in enumerate(self.lines()):
            color = "#222222"
            if self.kind == "constant":
                color = "#666666"
            elif k == 1:
                color = UNKNOWN_GRAD if self.grad is None else FILLED_GRAD
            painter.setPen(QColor(color))
            painter.drawText(
                QRectF(rect.left(), y, rect.width(), fm.height()),
                Qt.AlignmentFlag.AlignCenter,
                line,
            )
            y += fm.height()


class Arrow:
    """An edge: a smooth path through its route and an arrowhead at the target."""

    HEAD = 9.0

    def __init__(self, scene: QGraphicsScene, points: list[tuple[float, float]]) -> None:
        path = QPainterPath(QPointF(*points[0]))
        end = points[-1]
        tip = QPointF(end[0] - self.HEAD + 1, end[1])
        pts = [QPointF(*p) for p in points[:-1]] + [tip]
        for p0, p1 in zip(pts, pts[1:], strict=False):
            if abs(p1.y() - p0.y()) < 0.5:
                path.lineTo(p1)
            else:
                dx = (p1.x() - p0.x()) / 2
                path.cubicTo(QPointF(p0.x() + dx, p0.y()), QPointF(p1.x() - dx, p1.y()), p1)
        self.path = QGraphicsPathItem(path)
        self.path.setZValue(-1)
        head = QPolygonF(
            [
                QPointF(end[0], end[1]),
                QPointF(end[0] - self.HEAD, end[1] - self.HEAD / 2),
                QPointF(end[0] - self.HEAD, end[1] + self.HEAD / 2),
            ]
        )
        self.head = QGraphicsPolygonItem(head)
        self.head.setZValue(-1)
        scene.addItem(self.path)
        scene.addItem(self.head)
        self.set_hot(False)

    def set_hot(self, hot: bool) -> None:
        color = QColor(CURRENT_PEN if hot else EDGE_PEN)
        self.hot = hot
        self.path.setPen(QPen(color, 2.6 if hot else 1.3))
        self.path.setBrush(Qt.BrushStyle.NoBrush)
        self.head.setPen(QPen(color, 1))
        self.head.setBrush(QBrush(color))
        z = 0.5 if hot else -1
        self.path.setZValue(z)
        self.head.setZValue(z)


class GraphView(QGraphicsView):
    """The scene with scroll, Ctrl+wheel zoom and fit-in-view."""

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(QColor("#ffffff")))
        self.auto_fit = True

    def scale_factor(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        """Show the whole graph, but never with text smaller than FIT_MIN_SCALE."""
        self.auto_fit = True
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.resetTransform()
        view = self.viewport().rect()
        s = min(view.width() / rect.width(), view.height() / rect.height())
        s = min(max(s, FIT_MIN_SCALE), FIT_MAX_SCALE)
        self.scale(s, s)
        # Too wide even at the smallest fit: show the output end, where backward starts.
        visible = view.width() / s
        x = rect.center().x() if rect.width() <= visible else rect.right() - visible / 2
        self.centerOn(QPointF(x, rect.center().y()))

    def zoom(self, factor: float) -> None:
        self.auto_fit = False
        s = self.scale_factor()
        factor = min(max(s * factor, ZOOM_RANGE[0]), ZOOM_RANGE[1]) / s
        self.scale(factor, factor)

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit()


class GraphPanel(QWidget):
    """The expression graph with its toolbar; exports the drawing (PNG, SVG) and the
    node table (CSV), like :class:`~neurolab.gui.widgets.plot_panel.PlotPanel`."""

    def __init__(self, title: str = "Expression graph", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        #: Returns the parameters behind the drawing, stored in the CSV export.
        self.metadata: Callable[[], dict] | None = None
        #: Returns the arrays written by the CSV export.
        self.table: Callable[[], dict] | None = None
        self.boxes: list[NodeBox] = []
        self.arrows: list[Arrow] = []
        self.edges: list[tuple[int, int]] = []
        self.layout_result: GraphLayout | None = None
        self.scene = QGraphicsScene(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.title_label = QLabel(f"<b>{title}</b>")
        bar.addWidget(self.title_label)
        bar.addStretch(1)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip in (
            ("fit", "Fit", "Show the whole graph (text is never shrunk below 60 %)"),
            ("zoom_out", "−", "Zoom out (Ctrl + mouse wheel)"),
            ("zoom_in", "+", "Zoom in (Ctrl + mouse wheel)"),
            ("png", "PNG", "Export the graph as PNG"),
            ("svg", "SVG", "Export the graph as SVG"),
            ("csv", "CSV", "Export every node's value and grad as CSV"),
        ):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setObjectName(key)
            bar.addWidget(b)
            self.buttons[key] = b
        self.buttons["fit"].clicked.connect(lambda: self.view.fit())
        self.buttons["zoom_out"].clicked.connect(lambda: self.view.zoom(1 / 1.25))
        self.buttons["zoom_in"].clicked.connect(lambda: self.view.zoom(1.25))
        for fmt_ in ("png", "svg", "csv"):
            self.buttons[fmt_].clicked.connect(
                lambda _=False, f=fmt_: self.export_dialog(f)  # noqa: B008
            )
        layout.addLayout(bar)
        self.view = GraphView(self.scene)
        self.view.setObjectName("graph_view")
        layout.addWidget(self.view, 1)
        caption = QLabel(
            "Blue: variables, white: operations, grey: constants; arrows run from arguments "
            "to results. Backward runs right to left: each box's grad = ∂f/∂(box). "
            "Drag to scroll, Ctrl + wheel to zoom."
        )
        caption.setWordWrap(True)
        caption.setStyleSheet("color: #555;")
        layout.addWidget(caption)

    def set_graph(self, graph: dict, final_grads: dict[int, float] | None = None) -> None:
        """Draw ``graph`` (:meth:`Formula.graph`) anew; grads are shown by :meth:`set_state`.

        ``final_grads`` (node id → grad after backward) sizes the boxes to their numbers.
        """
        self.scene.clear()
        nodes = graph["nodes"]
        self.edges = list(graph["edges"])
        last = len(nodes) - 1
        final_grads = final_grads or {}
        self.boxes = [NodeBox(nd, i == last, final_grads.get(i)) for i, nd in enumerate(nodes)]
        sizes = [(b.width, b.height) for b in self.boxes]
        self.layout_result = lay = layout_graph(nodes, self.edges, sizes)
        for box, (x, y) in zip(self.boxes, lay.center, strict=True):
            box.setPos(x, y)
            self.scene.addItem(box)
        self.arrows = [Arrow(self.scene, pts) for pts in lay.edge_points]
        out = self.boxes[-1]
        tag = QGraphicsSimpleTextItem("f")
        font = QFont()
        font.setBold(True)
        font.setItalic(True)
        font.setPointSizeF(12)
        tag.setFont(font)
        r = tag.boundingRect()
        tag.setPos(out.x() - r.width() / 2, out.y() - out.height / 2 - r.height() - 2)
        self.scene.addItem(tag)
        rect = self.scene.itemsBoundingRect().adjusted(-16, -16, 16, 16)
        self.scene.setSceneRect(rect)
        if self.view.auto_fit:
            self.view.fit()

    def set_state(
        self, grads: dict[int, float], current: int | None, hot: set[tuple[int, int]]
    ) -> None:
        """Show ``grads`` (node id → grad; missing: "?"), highlight node ``current`` and
        the edges in ``hot``."""
        for i, box in enumerate(self.boxes):
            box.set_state(grads.get(i), i == current)
        for edge, arrow in zip(self.edges, self.arrows, strict=True):
            arrow.set_hot(edge in hot)
        if current is not None:
            self.view.ensureVisible(self.boxes[current], 30, 30)

    # -- export
    def render_image(self, scale: float = 2.0) -> QImage:
        rect = self.scene.sceneRect()
        img = QImage(
            max(1, int(rect.width() * scale)),
            max(1, int(rect.height() * scale)),
            QImage.Format.Format_ARGB32,
        )
        img.fill(QColor("#ffffff"))
        painter = QPainter(img)
        try:
            painter.setRenderHints(
                QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
            )
            self.scene.render(painter, QRectF(img.rect()), rect)
        finally:
            painter.end()
        return img

    def export(self, path: str | os.PathLike, scale: float = 2.0) -> None:
        """Export to PNG, SVG (the drawing) or CSV (the node table) by the file's
        extension; the write is atomic."""
        path = Path(path)
        fmt_ = path.suffix.lower().lstrip(".")
        if fmt_ not in ("png", "svg", "csv"):
            raise ValueError(f"unknown plot format {fmt_!r}: use .png, .svg or .csv")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"the folder {path.parent} does not exist")
        if fmt_ == "csv":
            arrays = self.table() if self.table else {}
            params = self.metadata() if self.metadata else {}
            export.save_csv(path, arrays, params, title=self.title)
            return
        with export.atomic_path(path, suffix=f".{fmt_}") as tmp:
            if fmt_ == "png":
                if not self.render_image(scale).save(tmp, "PNG"):
                    raise OSError(f"could not write {path}")
            else:
                self._render_svg(tmp)

    def _render_svg(self, filename: str) -> None:
        rect = self.scene.sceneRect()
        gen = QSvgGenerator()
        gen.setFileName(filename)
        size = rect.size().toSize()
        gen.setSize(size)
        gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        gen.setTitle(self.title)
        gen.setDescription("Exported from NeuroLab")
        painter = QPainter(gen)
        try:
            self.scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        finally:
            painter.end()

    def export_dialog(self, fmt: str = "png") -> str | None:
        """Ask for a file and export to it; ``fmt`` is the format offered first."""
        from neurolab.gui.dialogs import ask_and_export

        filters = {
            "png": "PNG image (*.png)",
            "svg": "SVG image (*.svg)",
            "csv": "CSV table of the nodes (*.csv)",
        }
        return ask_and_export(self, self.title or "graph", fmt, filters, self.export)


# --------------------------------------------------------------------------------------
# The view


class AutodiffView(QWidget):
    """A typed formula's expression graph, its backward pass step by step, and a check of
    every ∂f/∂v against a central finite difference.

    Signals
    -------
    status(str)
        Refusals ("Refused: …") and what was applied, for the status bar.

    Attributes
    ----------
    formula : Formula
        The formula drawn (the last one accepted).
    grads : dict
        ∂f/∂v from the engine's backward, for each variable.
    finite_differences : dict
        The central-difference estimate of each ∂f/∂v.
    plot : GraphPanel
        The drawing; File ▸ Export plot calls its ``export_dialog``.
    """

    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, float] = dict(DEFAULT_VALUES)  # remembered per name
        self._last_tried = DEFAULT_FORMULA
        self.mode = "all"  # "all": every grad shown; "step": k steps shown; "reset": none
        self.step_index = 0
        self.value_edits: dict[str, QLineEdit] = {}

        controls = QVBoxLayout()
        self._formula_box = self._build_formula_box()
        self._values_box = self._build_values_box()
        self._backward_box = self._build_backward_box()
        controls.addWidget(self._formula_box)
        controls.addWidget(self._values_box)
        controls.addWidget(self._backward_box)
        controls.addWidget(self._build_results_box())
        controls.addStretch(1)
        scroll = control_column(controls, max_width=430, min_width=340)

        self.plot = GraphPanel("Expression graph")
        self.plot.metadata = self.parameters
        self.plot.table = self.data

        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.plot, 1)

        for keys, slot in (("Ctrl+B", self.backward_all), ("F10", self.step_backward)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

        formula = parse_formula(DEFAULT_FORMULA, self._values)
        self._accept(formula)

    # -- building -----------------------------------------------------------------------
    def _build_formula_box(self) -> QGroupBox:
        box = QGroupBox("Formula")
        bl = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("f ="))
        self.formula_edit = QLineEdit(DEFAULT_FORMULA)
        self.formula_edit.setObjectName("formula")
        self.formula_edit.setPlaceholderText("e.g. log(x*y) + sin(x)**2")
        self.formula_edit.setToolTip(
            f"A formula in variables you name. Allowed: {ALLOWED_TEXT}.\n"
            "Applied on Enter or after a short pause."
        )
        row.addWidget(self.formula_edit, 1)
        bl.addLayout(row)
        hint = QLabel(f"Allowed: {ALLOWED_TEXT}. Enter applies.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        bl.addWidget(hint)
        self.formula_message = message_label()
        bl.addWidget(self.formula_message)

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(FORMULA_PAUSE_MS)
        self._pause.timeout.connect(self._formula_paused)
        self.formula_edit.textEdited.connect(lambda _: self._pause.start())
        self.formula_edit.editingFinished.connect(self._formula_finished)
        return box

    def _build_values_box(self) -> QGroupBox:
        box = QGroupBox("Variables")
        bl = QVBoxLayout(box)
        self.values_widget = QWidget()
        self.values_grid = QGridLayout(self.values_widget)
        self.values_grid.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.values_widget)
        self.values_message = message_label()
        bl.addWidget(self.values_message)
        return box

    def _build_backward_box(self) -> QGroupBox:
        box = QGroupBox("Backward pass")
        bl = QVBoxLayout(box)
        row = QHBoxLayout()
        self.backward_button = QPushButton("Backward (all)")
        self.backward_button.setObjectName("backward_all")
        self.backward_button.setToolTip(
            "Run the engine's backward once: every box gets its grad ∂f/∂(box) (Ctrl+B)"
        )
        self.backward_button.clicked.connect(self.backward_all)
        self.step_button = QPushButton("Step backward")
        self.step_button.setObjectName("step_backward")
        self.step_button.setToolTip(
            "Fill one more box's grad, in the order backward visits them: right to left, "
            "each box after every box that uses it (F10). After the last step it starts over."
        )
        self.step_button.clicked.connect(self.step_backward)
        self.reset_button = QPushButton("Reset grads")
        self.reset_button.setObjectName("reset_grads")
        self.reset_button.setToolTip("Forget every grad (zero_grad): the boxes show grad = ?")
        self.reset_button.clicked.connect(self.reset_grads)
        for b in (self.backward_button, self.step_button, self.reset_button):
            row.addWidget(b)
        bl.addLayout(row)
        self.step_label = QLabel()
        self.step_label.setObjectName("step_counter")
        self.step_label.setStyleSheet("font-weight: bold;")
        bl.addWidget(self.step_label)
        self.step_info = QLabel()
        self.step_info.setObjectName("step_info")
        self.step_info.setWordWrap(True)
        self.step_info.setTextFormat(Qt.TextFormat.RichText)
        bl.addWidget(self.step_info)
        return box

    def _build_results_box(self) -> QGroupBox:
        box = QGroupBox("Gradients: autodiff against central differences")
        bl = QVBoxLayout(box)
        self.value_label = QLabel()
        self.value_label.setObjectName("f_value")
        self.value_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        bl.addWidget(self.value_label)
        self.results = QLabel()
        self.results.setObjectName("results")
        self.results.setTextFormat(Qt.TextFormat.RichText)
        self.results.setWordWrap(True)
        self.results.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.results.setToolTip(
            "autodiff: the grad backward leaves in each variable's Var.\n"
            "central difference: (f(v + h) − f(v − h)) / 2h with h = 1e-6·max(1, |v|).\n"
            "rel. diff.: |a − b| / max(|a|, |b|); about 1e-9 is rounding, not a bug."
        )
        bl.addWidget(self.results)
        return box

    def _rebuild_value_rows(self) -> None:
        names = self.formula.variables
        if tuple(self.value_edits) == names:
            for n, edit in self.value_edits.items():
                edit.setText(f"{self.formula.values[n]:.10g}")
            return
        while self.values_grid.count():
            w = self.values_grid.takeAt(0).widget()
            if w is not None:
                w.hide()
                w.deleteLater()
        self.value_edits = {}
        for row, n in enumerate(names):
            label = QLabel(f"{n} =")
            edit = QLineEdit(f"{self.formula.values[n]:.10g}")
            edit.setObjectName(f"value_{n}")
            edit.setToolTip(
                f"The value of {n}: a number between −{VALUE_LIMIT:g} and {VALUE_LIMIT:g}.\n"
                "Enter applies; the graph's values and grads follow."
            )
            edit.editingFinished.connect(lambda n=n: self._value_edited(n))  # noqa: B008
            self.values_grid.addWidget(label, row, 0)
            self.values_grid.addWidget(edit, row, 1)
            self.value_edits[n] = edit

    # -- the formula ----------------------------------------------------------------------
    def set_formula(self, text: str) -> bool:
        """Type ``text`` as the formula and apply it; False if it was refused."""
        self.formula_edit.setText(text)
        return self._apply_formula()

    def _formula_paused(self) -> None:
        if self.formula_edit.text() != self._last_tried:
            self._apply_formula()

    def _formula_finished(self) -> None:
        self._pause.stop()
        if self.formula_edit.text() != self._last_tried:
            self._apply_formula()

    def _apply_formula(self) -> bool:
        self._pause.stop()
        text = self.formula_edit.text()
        self._last_tried = text
        try:
            names = formula_variables(text)
            values = {n: self._values.get(n, NEW_VARIABLE_VALUE) for n in names}
            formula = parse_formula(text, values)
            self._accept(formula)
        except FormulaError as err:
            self.formula_message.setText(f"{err}. Still showing f = {self.formula.text}.")
            self.formula_message.show()
            self.status.emit(f"Refused: f = {text.strip()}: {err}")
            return False
        self.formula_message.hide()
        self.values_message.hide()
        self.status.emit(f"Autodiff: f = {self.formula.text}")
        return True

    def _accept(self, formula: Formula) -> None:
        """Show ``formula`` with every grad; FormulaError (nothing changed) if its
        derivative is not finite."""
        self.result = differentiate(formula)
        self.formula = formula
        self.grads = self.result.grads
        self.finite_differences = self.result.finite_differences
        self._values.update(formula.values)
        self.graph = self.result.graph
        self.steps = self.result.steps
        self._rebuild_value_rows()
        self.plot.set_graph(self.graph, {st.node: st.grad for st in self.steps})
        self.mode = "all"
        self._show()

    # -- variable values ----------------------------------------------------------------
    def set_value(self, name: str, value: float | str) -> bool:
        """Type ``value`` for variable ``name`` and apply it; False if it was refused."""
        edit = self.value_edits[name]
        edit.setText(value if isinstance(value, str) else f"{value:.10g}")
        return self._value_edited(name)

    def _value_edited(self, name: str) -> bool:
        edit = self.value_edits.get(name)
        if edit is None or name not in self.formula.values:
            return False
        old = self.formula.values[name]
        text = edit.text()
        if text == f"{old:.10g}":
            return True
        try:
            try:
                value = parse_number(text)
            except ValueError:
                raise FormulaError(f"{name} = {text.strip()!r} is not a number") from None
            if not math.isfinite(value) or abs(value) > VALUE_LIMIT:
                raise FormulaError(
                    f"{name} must be between −{VALUE_LIMIT:g} and {VALUE_LIMIT:g}, "
                    f"not {text.strip()}"
                )
            self._accept(self.formula.with_values({name: value}))
        except FormulaError as err:
            edit.setText(f"{old:.10g}")
            self.values_message.setText(f"{err}. {name} stays {fmt(old, 10)}.")
            self.values_message.show()
            self.status.emit(f"Refused: {name} = {text.strip()}: {err}")
            return False
        self.values_message.hide()
        self.status.emit(f"Autodiff: {name} = {value:g}")
        return True

    # -- backward -------------------------------------------------------------------------
    def backward_all(self) -> None:
        """Run the engine's backward: every box shows its grad."""
        self.grads = self.formula.gradients()
        self.graph = self.formula.graph()
        self.mode = "all"
        self._show()
        self.status.emit("Autodiff: backward — every grad filled")

    def step_backward(self) -> None:
        """Fill one more grad (starting over after the last one, or after Backward (all))."""
        n = len(self.steps)
        if self.mode == "all" or self.step_index >= n:
            self.formula.reset_grads()
            self.step_index = 0
        self.mode = "step"
        self.step_index += 1
        self._show()
        self.status.emit(f"Autodiff: backward step {self.step_index} of {n}")

    def reset_grads(self) -> None:
        """zero_grad: every box shows grad = ?."""
        self.formula.reset_grads()
        self.graph = self.formula.graph()
        self.mode = "reset"
        self.step_index = 0
        self._show()
        self.status.emit("Autodiff: grads reset")

    def shown_grads(self) -> dict[int, float]:
        """node id → the grad its box shows now (boxes showing "?" are missing)."""
        if self.mode == "all":
            return {
                nd["id"]: float(np.asarray(nd["grad"]))
                for nd in self.graph["nodes"]
                if nd["grad"] is not None
            }
        if self.mode == "step":
            return self.formula.backward_state(self.step_index)
        return {}

    def current_node(self) -> int | None:
        """The node whose grad the last step filled (None outside step mode)."""
        if self.mode == "step" and self.step_index > 0:
            return self.steps[self.step_index - 1].node
        return None

    def _show(self) -> None:
        n = len(self.steps)
        if self.mode == "all":
            self.step_index = n
        shown = self.shown_grads()
        current = self.current_node()
        hot: set[tuple[int, int]] = set()
        if current is not None:
            hot = {(current, c) for c, _ in self.steps[self.step_index - 1].contributions}
        self.plot.set_state(shown, current, hot)
        self._show_step_text(current)
        self._show_results(shown)

    def _show_step_text(self, current: int | None) -> None:
        n = len(self.steps)
        nodes = self.graph["nodes"]
        self.step_label.setText(f"step {self.step_index} of {n}")
        if self.mode == "all":
            self.step_info.setText(
                "Backward done: every box holds ∂f/∂(box). "
                "“Step backward” replays it one box at a time."
            )
        elif self.mode == "reset":
            self.step_info.setText("Grads reset (grad = ?). Press “Step backward” to begin.")
        else:
            step = self.steps[self.step_index - 1]
            name = _html(nodes[current]["expr"])
            parts = [
                f"{fmt(c)} (from “{_html(nodes[u]['display'])}”)" for u, c in step.contributions
            ]
            if not parts:
                text = f"∂f/∂f = <b>1</b>: the seed, at the output <i>{name}</i>."
            elif len(parts) == 1:
                text = f"∂f/∂(<i>{name}</i>) = <b>{parts[0]}</b>"
            else:
                text = f"∂f/∂(<i>{name}</i>) = " + " + ".join(parts) + f" = <b>{fmt(step.grad)}</b>"
            if self.step_index == n:
                text += "<br>Backward done: the grads equal “Backward (all)”."
            self.step_info.setText(text)

    def _show_results(self, shown: dict[int, float]) -> None:
        f = self.formula
        self.value_label.setText(f"f = {fmt(f.value(), 6)}")
        leaf = {nd["label"]: nd["id"] for nd in self.graph["nodes"] if nd["kind"] == "variable"}
        rows = [
            "<tr><th></th><th align='right'>autodiff</th>"
            "<th align='right'>central diff.</th><th align='right'>rel. diff.</th></tr>"
        ]
        for n in f.variables:
            fd = self.finite_differences[n]
            g = shown.get(leaf[n])
            auto = "?" if g is None else fmt(g, 6)
            rel = "—" if g is None or math.isnan(fd) else f"{relative_difference(g, fd):.1e}"
            fd_text = fmt(fd, 6) if not math.isnan(fd) else "n/a (v ± h outside the domain)"
            rows.append(
                f"<tr><td>∂f/∂{_html(n)}</td><td align='right'>{auto}</td>"
                f"<td align='right'>{fd_text}</td><td align='right'>{rel}</td></tr>"
            )
        self.results.setText(
            "<table cellspacing='6'>"
            + "".join(rows)
            + "</table>"
            + f"<span style='color:#555'>central difference step h = {FD_STEP:g}·max(1, |v|)"
            "</span>"
        )

    # -- experiment files (see neurolab.core.tabstate.training) -----------------------------
    def state(self) -> dict:
        """The formula shown, its variables' values and the backward step shown
        ("all", or how many steps; 0 after Reset grads)."""
        return {
            "formula": self.formula.text,
            "values": {n: float(v) for n, v in self.formula.values.items()},
            "backward_step": "all" if self.mode == "all" else int(self.step_index),
        }

    def set_state(self, state: dict) -> None:
        """Show a validated state.  A formula that cannot be evaluated at its values
        keeps the one shown, with the reason under the formula."""
        self._pause.stop()
        text = state["formula"]
        self.formula_edit.setText(text)
        self._last_tried = text
        self._values = {**DEFAULT_VALUES, **state["values"]}
        try:
            self._accept(parse_formula(text, formula_values(text, state["values"])))
        except FormulaError as err:
            self.formula_message.setText(f"{err}. Still showing f = {self.formula.text}.")
            self.formula_message.show()
            self.status.emit(f"Refused: f = {text.strip()}: {err}")
            return
        self.formula_message.hide()
        self.values_message.hide()
        step = state["backward_step"]
        if step == "all":
            self.mode = "all"
            self._show()
        elif step == 0:
            self.reset_grads()
        else:
            self.formula.reset_grads()
            self.mode = "step"
            self.step_index = min(int(step), len(self.steps))
            self._show()

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        return {
            ("formula",): self._formula_box,
            ("values",): self._values_box,
            ("backward_step",): self._backward_box,
        }

    # -- export and checks ------------------------------------------------------------------
    def parameters(self) -> dict:
        return self.result.parameters(self.step_index)

    def data(self) -> dict[str, np.ndarray]:
        """See :meth:`neurolab.core.formula.Differentiated.arrays`."""
        return self.result.arrays()

    def smoke_test(self) -> None:
        """Differentiate the current formula again; raise if autodiff, the step-by-step
        replay and central differences disagree."""
        f = self.formula
        grads = f.gradients()
        final = f.backward_state(len(f.backward_steps()))
        leaf = {nd["label"]: nd["id"] for nd in f.graph()["nodes"] if nd["kind"] == "variable"}
        fd = f.finite_differences(FD_STEP)
        for n in f.variables:
            if not math.isfinite(grads[n]) or final[leaf[n]] != grads[n]:
                raise RuntimeError(f"autodiff: ∂f/∂{n} differs between backward and its replay")
            if math.isfinite(fd[n]) and relative_difference(grads[n], fd[n]) > 1e-4:
                if abs(grads[n] - fd[n]) > 1e-6 * max(1.0, abs(f.value())):
                    raise RuntimeError(
                        f"autodiff: ∂f/∂{n} = {grads[n]} but the central difference is {fd[n]}"
                    )
        self._show()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "AutodiffView",
    "GraphPanel",
    "GraphLayout",
    "layout_graph",
    "DEFAULT_FORMULA",
    "DEFAULT_VALUES",
]
