"""Universal approximation: a target f on [0, 1] rebuilt from N steep sigmoid pieces.

SPEC §4, notes §5.  A steep sigmoid σ(w (x − b)) is a soft threshold H(x; b); a
piece P(x; b, δ) = H(x; b) − H(x; b + δ) is a soft box on [b, b + δ]; and
G(x) = Σ_j f(a_j) P(x; b_j, δ_j) over N equal pieces of [0, 1].  The top plot
shows f dashed, G bold and the weighted pieces faint; the bottom plot shows
max |f − G| against N on log–log axes at the current steepness, with the
current N marked.  Everything is recomputed on the GUI thread: one
approximation takes about a millisecond and the N sweep about 15 ms.

Typed targets go through the core's whitelist parser (never ``eval``); a
refused expression is explained under the box and the last good curve stays.
Every accepted change is named in the status bar (which clears an earlier
"Refused: …"), and the controls wrap rather than widen their column.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.approximation import ApproxResult
from neurolab.core.tabstate.network import (  # noqa: F401 (SWEEP_N, X, max_error_sweep: re-exported)
    BUILTIN,
    DEFAULT_EXPRESSION,
    N_MAX,
    SWEEP_N,
    TYPED,
    ApproxParams,
    X,
    approximation,
    approximation_arrays,
    approximation_parameters,
    max_error_sweep,
    sweep_for,
    target_function,
    typed_target,
    with_current,
)
from neurolab.gui.widgets.common import control_column, message_label
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel, log_ticks

MAX_PIECES_DRAWN = 60  # more faint pieces than this are unreadable (and slow to draw)
EXPRESSION_PAUSE_MS = 600  # a typed expression is applied after this pause (or on Enter)
ALLOWED_TEXT = "numbers, x, pi, e, + − * / ** ( ) and sin cos exp log sqrt abs tanh"


class ApproximationView(QWidget):
    """Target, approximation G, its pieces and max |f − G| (also against N).

    Signals
    -------
    status(str)
        Refusals ("Refused: …") and what was applied, for the status bar.
    """

    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed_f = typed_target(DEFAULT_EXPRESSION)
        self._good_text = DEFAULT_EXPRESSION  # the typed expression currently drawn
        self._last_tried = DEFAULT_EXPRESSION
        self._sweep_key: tuple | None = None
        self._sweep_cache = np.empty(0)
        self.result: ApproxResult | None = None
        self.sweep_n = np.empty(0)
        self.sweep_err = np.empty(0)

        controls = QVBoxLayout()
        self.params = ParamPanel(ApproxParams(), "Approximation")
        self._shown = self.params.values()
        self.params.changed.connect(self._params_changed)
        self.params.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        controls.addWidget(self.params)
        controls.addWidget(self._build_target_box())

        self.show_pieces = QCheckBox("Show the individual pieces")
        self.show_pieces.setObjectName("show_pieces")
        self.show_pieces.setToolTip(
            "Draw each weighted piece f(a_j) P(x; b_j, δ_j) faintly; G is their sum. "
            f"With more than {MAX_PIECES_DRAWN} pieces only every k-th one is drawn."
        )
        self.show_pieces.setChecked(True)
        self.show_pieces.toggled.connect(lambda _: self._draw())
        controls.addWidget(self.show_pieces)

        self.error_label = QLabel()
        self.error_label.setObjectName("max_error")
        self.error_label.setTextFormat(Qt.TextFormat.RichText)
        # Large, but wrapping: a long number must not widen (and so clip) the column.
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.error_label.setToolTip("Largest |f(x) − G(x)| over 1001 points of [0, 1]")
        self.error_detail = QLabel()
        self.error_detail.setObjectName("max_error_detail")
        self.error_detail.setWordWrap(True)
        controls.addWidget(self.error_label)
        controls.addWidget(self.error_detail)
        controls.addStretch(1)
        scroll = control_column(controls, max_width=380, min_width=300)

        self.plot = PlotPanel("Universal approximation")
        self.p_fit = self.plot.add_plot("x", "", "f and G", "", title="f and G")
        self.pieces_curve = self.p_fit.plot(
            [], [], name="pieces", pen=pg.mkPen(PALETTE[2], width=1)
        )
        self.pieces_curve.setOpacity(0.45)
        self.target_curve = self.p_fit.plot(
            [],
            [],
            name="target f(x)",
            pen=pg.mkPen(PALETTE[6], width=2, style=Qt.PenStyle.DashLine),
        )
        self.G_curve = PlotPanel.add_curve(self.p_fit, "G(x)", 0, width=3, streaming=False)
        self.worst_curve = self.p_fit.plot(
            [], [], name="largest |f − G|", pen=pg.mkPen(PALETTE[1], width=3)
        )
        self.p_fit.setXRange(0.0, 1.0, padding=0.02)
        # The legend is one row at the top, above the curves (see _fit_y_range).
        self.p_fit.legend.setColumnCount(4)

        # No legend over the curve: the title says what the big dot is.
        self.p_sweep = self.plot.add_plot(
            "pieces N", "", "max |f − G|", "", title="max |f − G| against N", legend=False
        )
        self.p_sweep.setLogMode(x=True, y=True)
        self.sweep_curve = self.p_sweep.plot(
            [],
            [],
            name="max |f − G|",
            pen=pg.mkPen(PALETTE[0], width=2),
            symbol="o",
            symbolSize=4,
            symbolPen=None,
            symbolBrush=PALETTE[0],
        )
        self.marker = self.p_sweep.plot(
            [],
            [],
            name="current N",
            pen=None,
            symbol="o",
            symbolSize=12,
            symbolPen=pg.mkPen(PALETTE[6], width=1.5),
            symbolBrush=PALETTE[1],
        )
        self.p_sweep.setXRange(0.0, math.log10(N_MAX), padding=0.02)
        self.p_sweep.getAxis("bottom").setTicks(
            [[(math.log10(v), str(v)) for v in (1, 2, 5, 10, 20, 50, 100, 200)], []]
        )
        self.plot.view.ci.layout.setRowStretchFactor(0, 3)
        self.plot.view.ci.layout.setRowStretchFactor(1, 2)
        self.plot.metadata = self.parameters
        self.plot.exported.connect(lambda path: self.status.emit(f"Saved {path}"))

        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.plot, 1)
        self.update_all()

    def _build_target_box(self) -> QGroupBox:
        box = QGroupBox("Target f(x)")
        bl = QVBoxLayout(box)
        self.formula = QLabel()
        self.formula.setObjectName("formula")
        self.formula.setWordWrap(True)
        bl.addWidget(self.formula)

        self.expr_editor = QWidget()
        el = QVBoxLayout(self.expr_editor)
        el.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("f(x) ="))
        self.expression = QLineEdit(DEFAULT_EXPRESSION)
        self.expression.setObjectName("expression")
        self.expression.setPlaceholderText("e.g. x**2 or sin(2*pi*x) + 0.5*x")
        self.expression.setToolTip(
            f"A function of x on [0, 1]. Allowed: {ALLOWED_TEXT}.\n"
            "Applied on Enter or after a short pause."
        )
        row.addWidget(self.expression, 1)
        el.addLayout(row)
        hint = QLabel(f"Allowed: {ALLOWED_TEXT}. Enter applies.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        el.addWidget(hint)
        self.expr_message = message_label()
        el.addWidget(self.expr_message)
        bl.addWidget(self.expr_editor)

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(EXPRESSION_PAUSE_MS)
        self._pause.timeout.connect(self._expression_paused)
        self.expression.textEdited.connect(lambda _: self._pause.start())
        self.expression.editingFinished.connect(self._expression_finished)
        return box

    # -- typed target -------------------------------------------------------------------------
    def set_expression(self, text: str) -> bool:
        """Type ``text`` as the target (choosing "typed f(x)"); False if it was refused."""
        self.expression.setText(text)
        return self._apply_expression()

    def _expression_paused(self) -> None:
        if self.expression.text() != self._last_tried:
            self._apply_expression()

    def _expression_finished(self) -> None:
        self._pause.stop()
        if self.expression.text() != self._last_tried:
            self._apply_expression()

    def _apply_expression(self) -> bool:
        self._pause.stop()
        text = self.expression.text()
        self._last_tried = text
        try:
            f = typed_target(text)
            n = self.params.values().n_pieces
            mids = (np.arange(n) + 0.5) / n
            if not np.isfinite(f(mids)).all():
                raise ValueError(f"f(x) is not finite at the midpoint of a piece with N = {n}")
        except ValueError as err:
            self._refuse_expression(text, str(err))
            return False
        previous = (self._typed_f, self._good_text)
        self._typed_f, self._good_text = f, text.strip()
        self.expr_message.hide()
        if self.params.values().target != TYPED:
            self.params.set_values(self.params.values().copy(target=TYPED), emit=False)
            self._shown = self.params.values()
        if not self.update_all():  # G overflowed
            self._typed_f, self._good_text = previous
            self._refuse_expression(text, "G(x) is not finite (too large)")
            return False
        self.status.emit(f"Approximation: f(x) = {self._good_text}")
        return True

    def _refuse_expression(self, text: str, reason: str) -> None:
        self.expr_message.setText(f"{reason}. Still showing f(x) = {self._good_text}.")
        self.expr_message.show()
        self.status.emit(f"Refused: f(x) = {text.strip()}: {reason}")

    def _params_changed(self, p: ApproxParams) -> None:
        what = p.changes_from(self._shown)
        self._shown = p
        self.params.clear_message()
        if self.update_all():
            self.expr_message.hide()  # a refusal of an earlier try is out of date
            self.status.emit(f"Approximation: {what}")

    def _target_function(self, target: str) -> Callable[[np.ndarray], np.ndarray]:
        if target == TYPED:
            return self._typed_f
        return target_function(target, self._good_text)

    # -- computation --------------------------------------------------------------------------
    def update_all(self) -> bool:
        """Recompute G and the N sweep from the controls and redraw; False if refused."""
        p = self.params.values()
        typed = p.target == TYPED
        self.formula.setVisible(not typed)
        self.expr_editor.setVisible(typed)
        if not typed:
            self.formula.setText(f"f(x) = {BUILTIN[p.target][1]}")
        f = self._target_function(p.target)
        try:
            r = approximation(f, p)
        except ValueError as err:
            # Only a typed f can do this: finite on the grid, infinite at a piece's midpoint.
            reason = str(err)
            if self.result is not None:  # take the refused N back, as ParamPanel does
                good_n = len(self.result.heights)
                self.params.set_values(p.copy(n_pieces=good_n), emit=False)
                self._shown = self.params.values()
                reason += f"; N is back to {good_n}"
            self._refuse_expression(self._good_text, reason)
            return False
        self.result = r
        key = (p.target, self._good_text if typed else "", p.steepness)
        if key != self._sweep_key:
            self._sweep_cache = sweep_for(f, p.steepness)
            self._sweep_key = key
        # The current N joins the sweep, so its marker sits on the curve.
        self.sweep_n, self.sweep_err = with_current(self._sweep_cache, p.n_pieces, r.max_error)
        self._draw()
        return True

    def drawn_pieces(self) -> np.ndarray:
        """Indices of the pieces drawn faintly: all, or every k-th to stay within the cap."""
        n = len(self.result.heights)
        step = math.ceil(n / MAX_PIECES_DRAWN)
        return np.arange(0, n, step)

    def _draw(self) -> None:
        r = self.result
        p = self.params.values()
        n = len(r.heights)
        self.target_curve.setData(r.x, r.target)
        self.G_curve.setData(r.x, r.G)
        legend = self.p_fit.legend
        if self.show_pieces.isChecked():
            idx = self.drawn_pieces()
            xs = np.tile(np.append(r.x, np.nan), len(idx))
            ys = np.column_stack([r.pieces[idx], np.full(len(idx), np.nan)]).ravel()
            self.pieces_curve.setData(xs, ys, connect="finite")
            if len(idx) == n:
                name = f"the {n} pieces f(a_j) P(x; b_j, δ_j)" if n > 1 else "the 1 piece"
            else:
                name = f"one piece in {idx[1] - idx[0]} ({len(idx)} of {n})"
            if legend.getLabel(self.pieces_curve) is None:
                legend.addItem(self.pieces_curve, name)
            legend.getLabel(self.pieces_curve).setText(name)
        else:
            self.pieces_curve.setData([], [])
            legend.removeItem(self.pieces_curve)
        k = int(np.argmax(np.abs(r.target - r.G)))
        self.worst_curve.setData([r.x[k], r.x[k]], [r.target[k], r.G[k]])
        self.p_fit.setTitle(
            f"f (dashed) and G = Σ pieces with N = {n}, w = {p.steepness:g}:"
            f" max |f − G| = {r.max_error:.3g}"
        )
        self._fit_y_range()
        # Log axes cannot show an error of exactly 0 (a constant target): leave it out.
        keep = np.isfinite(self.sweep_err) & (self.sweep_err > 0)
        self.sweep_curve.setData(self.sweep_n[keep].astype(float), self.sweep_err[keep])
        if r.max_error > 0:
            self.marker.setData([float(n)], [r.max_error])
        else:
            self.marker.setData([], [])
        ok = self.sweep_err[keep]
        lo, hi = (ok.min(), ok.max()) if len(ok) else (1e-3, 1.0)
        span = max(math.log10(hi / lo), 0.3)
        self.p_sweep.setYRange(
            math.log10(lo) - 0.05 * span, math.log10(hi) + 0.08 * span, padding=0
        )
        self.p_sweep.getAxis("left").setTicks(log_ticks(lo, hi))
        title = f"max |f − G| against N at w = {p.steepness:g} (log–log; large dot: N = {n})"
        if len(ok) < len(keep):
            title += ": an error of exactly 0 is left out" if len(ok) else ": 0 for every N"
        self.p_sweep.setTitle(title)
        self.error_label.setText(f"max |f − G| = {r.max_error:.4g}")
        self.error_detail.setText(
            f"at x = {r.x[k]:.3f}, with N = {n} {'piece' if n == 1 else 'pieces'} "
            f"of width {1 / n:.3g} "
            f"and steepness w = {p.steepness:g}"
        )

    def _fit_y_range(self) -> None:
        """f, G and the drawn pieces, with headroom at the top for the legend row."""
        r = self.result
        parts = [r.target, r.G]
        if self.show_pieces.isChecked():
            parts.append(np.zeros(1))  # every piece runs from 0 to its height
        lo = min(float(np.min(a)) for a in parts)
        hi = max(float(np.max(a)) for a in parts)
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        self.p_fit.setYRange(lo - 0.05 * span, hi + 0.25 * span, padding=0)

    # -- export and checks ------------------------------------------------------------------
    def parameters(self) -> dict:
        return approximation_parameters(
            self.params.values(), self._good_text, self.show_pieces.isChecked()
        )

    def data(self) -> dict[str, np.ndarray]:
        """x, f, G, every weighted piece (column j of ``pieces`` is piece j), the partition,
        the heights f(a_j), and the N sweep with its errors."""
        return approximation_arrays(self.result, self.sweep_n, self.sweep_err)

    # -- experiment files ---------------------------------------------------------------------
    def state(self) -> dict:
        """The settings as ``tabstate.network.APPROXIMATION`` declares them."""
        return {
            "approximation": self.params.values().as_dict(),
            "expression": self._good_text,
            "show_pieces": self.show_pieces.isChecked(),
        }

    def set_state(self, state: dict) -> None:
        """Show a validated state (its typed f(x) is checked already), recomputed once."""
        self._pause.stop()
        text = state["expression"]
        self._typed_f, self._good_text, self._last_tried = typed_target(text), text, text
        self.expression.setText(text)
        self.expr_message.hide()
        self.params.set_values(state["approximation"], emit=False)
        self.params.clear_message()
        self._shown = self.params.values()
        self.show_pieces.blockSignals(True)
        self.show_pieces.setChecked(bool(state["show_pieces"]))
        self.show_pieces.blockSignals(False)
        self.update_all()

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        return {
            ("approximation",): self.params,
            ("expression",): self.expr_editor,
            ("show_pieces",): self.show_pieces,
        }

    def smoke_test(self) -> None:
        """Compute once with the current settings; raise if anything is not finite."""
        if not self.update_all():
            raise RuntimeError("the approximation is not finite")
        for name, values in self.data().items():
            if not np.isfinite(values).all():
                raise RuntimeError(f"approximation: {name} is not finite")
