"""Rate-network panel: a small feed-forward network you can read and edit.

Row vectors throughout (SPEC §4): ``z = x W + b``, ``y = σ(z)``, with ``W[i, j]``
the connection from neuron i of the lower layer to neuron j of the upper one.
The weight matrix of one layer is an editable heatmap (click a cell, type a
value); the inputs are sliders; the net inputs z and activities y of every
layer are bars, recomputed on the GUI thread at every edit (microseconds).  A
toggle shows the bias as the extra row of the augmented matrix ``[W; b]`` and
computes the outputs as ``(x 1)·[W; b]``; a label shows that both forms agree.

Every accepted change is described in the status bar, which also clears any
earlier "Refused: …" there and the red refusal lines under the controls.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.network import augmented
from neurolab.core.params import Param, ParamSet
from neurolab.core.tabstate.network import (
    DEFAULT_INPUTS,
    DEFAULT_SIZES,
    INPUT_RANGE,
    MAX_LAYERS,
    MAX_NEURONS,
    MIN_LAYERS,
    WEIGHT_LIMIT,
    RateNetworkParams,
    input_vector,
    rate_arrays,
    rate_forward,
    rate_parameters,
    rate_weights,
)
from neurolab.gui.widgets.common import control_column, message_label
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel, index_ticks
from neurolab.gui.widgets.weight_heatmap import WeightHeatmap

MAX_INPUT_HEIGHT = 260  # px; more input sliders scroll
SIZES_DOC = (
    f"Neurons per layer, input first, separated by commas (e.g. 3, 4, 2): "
    f"{MIN_LAYERS} to {MAX_LAYERS} layers of 1 to {MAX_NEURONS} neurons. "
    "Changing the sizes draws new weights from the seed."
)
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@cache
def input_params(m: int) -> type[ParamSet]:
    """The ParamSet of ``m`` input sliders x₀ … x_{m−1} (one declaration, m copies)."""
    attrs = {
        f"x{k}": Param(
            DEFAULT_INPUTS[k % len(DEFAULT_INPUTS)],
            -INPUT_RANGE,
            INPUT_RANGE,
            0.01,
            "",
            f"Input x{k}: the activity of input neuron {k} (row {k} of W1)",
            label=f"x{str(k).translate(_SUB)}",
        )
        for k in range(m)
    }
    return type(f"InputParams{m}", (ParamSet,), attrs)


def parse_sizes(text: str) -> list[int]:
    """Layer sizes from text such as "3, 4, 2"; ValueError with a student-readable message."""
    parts = [p for p in re.split(r"[\s,;×x]+", text.strip()) if p]
    if not parts:
        raise ValueError("layer sizes: type the number of neurons per layer, e.g. 3, 4, 2")
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise ValueError(
            f"layer sizes: {text.strip()!r} is not a list of whole numbers; type e.g. 3, 4, 2"
        ) from None
    if not MIN_LAYERS <= len(sizes) <= MAX_LAYERS:
        raise ValueError(
            f"layer sizes: a network has {MIN_LAYERS} to {MAX_LAYERS} layers "
            f"(input, hidden…, output); {len(sizes)} given"
        )
    bad = [n for n in sizes if not 1 <= n <= MAX_NEURONS]
    if bad:
        raise ValueError(f"layer sizes: every layer has 1 to {MAX_NEURONS} neurons (got {bad[0]})")
    return sizes


def _sizes_text(sizes: list[int]) -> str:
    return ", ".join(str(n) for n in sizes)


def layer_title(k: int, n_layers: int) -> str:
    role = "input" if k == 0 else "output" if k == n_layers - 1 else "hidden"
    return f"layer {k} ({role})"


class RateNetworkView(QWidget):
    """Layer sizes, activation, editable weights, input sliders and the activities.

    Signals
    -------
    status(str)
        What changed or what was refused, for the status bar.

    Attributes
    ----------
    sizes : list of int
        Neurons per layer, input first.
    weights, biases : list of ndarray
        ``weights[k - 1]`` is W_k (shape (sizes[k-1], sizes[k]), scale applied),
        ``biases[k - 1]`` is b_k.
    activities, net_inputs : list of ndarray
        y_0 (the inputs) … y_L and z_1 … z_L as last computed and drawn.
    max_difference : float
        max |σ(x W + b) − σ((x 1)·[W; b])| over all layers.
    plot : PlotPanel
        The bar charts, one plot per layer (``plot.metadata`` is :meth:`parameters`).
    heatmap : WeightHeatmap
        The weight matrix shown, editable.
    net_params, inputs : ParamPanel
        Activation / seed / scale, and the input sliders x₀ … (rebuilt with the input size).
    """

    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sizes: list[int] = list(DEFAULT_SIZES)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        self._base: list[np.ndarray] = []  # weights before the scale
        self.edits: list[dict] = []
        self.activities: list[np.ndarray] = []
        self.net_inputs: list[np.ndarray] = []
        self.max_difference = 0.0

        # -- controls ---------------------------------------------------------------
        controls = QVBoxLayout()
        arch = self.arch_box = QGroupBox("Architecture")
        al = QVBoxLayout(arch)
        row = QHBoxLayout()
        sizes_label = QLabel("layer sizes")
        self.sizes_edit = QLineEdit(_sizes_text(self.sizes))
        self.sizes_edit.setObjectName("sizes")
        for w in (sizes_label, self.sizes_edit):
            w.setToolTip(SIZES_DOC)
        self.sizes_edit.editingFinished.connect(lambda: self.set_sizes_text(self.sizes_edit.text()))
        row.addWidget(sizes_label)
        row.addWidget(self.sizes_edit, 1)
        al.addLayout(row)
        hint = QLabel("input, hidden…, output — e.g. 3, 4, 2")
        hint.setStyleSheet("color: #555;")
        al.addWidget(hint)
        self.sizes_message = message_label()
        al.addWidget(self.sizes_message)

        self.net_params = ParamPanel(RateNetworkParams(), "Weights and activation")
        self._last = self.net_params.values()  # the values the network was last computed with
        self.net_params.changed.connect(self._net_changed)
        self.net_params.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        self.randomise_button = QPushButton("Randomise (next seed)")
        self.randomise_button.setObjectName("randomise")
        self.randomise_button.setToolTip(
            "Draw new weights and biases: seed + 1 (typed weights are discarded)"
        )
        self.randomise_button.clicked.connect(self.randomise)
        self.net_params.layout().addWidget(self.randomise_button)

        shown = QGroupBox("Weight matrix shown")
        sl = QFormLayout(shown)
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("weight_layer")
        self.layer_combo.setToolTip("Which weight matrix the heatmap shows and edits")
        self.layer_combo.currentIndexChanged.connect(lambda _: self._show_weights())
        sl.addRow("weights", self.layer_combo)
        self.bias_check = QCheckBox("Show bias as the extra row of [W; b]")
        self.bias_check.setObjectName("augmented")
        self.bias_check.setToolTip(
            "x W + b = (x 1)·[W; b]: the bias is the weight from an extra input fixed at 1.\n"
            "When on, the heatmap shows [W; b] (last row: bias, editable) and the outputs\n"
            "are computed as σ((x 1)·[W; b]); when off, as σ(x W + b)."
        )
        self.bias_check.toggled.connect(self._augmented_toggled)
        sl.addRow(self.bias_check)
        self.same_label = QLabel()
        self.same_label.setObjectName("same_outputs")
        self.same_label.setWordWrap(True)
        self.same_label.setTextFormat(Qt.TextFormat.RichText)
        sl.addRow(self.same_label)

        self.inputs_box = QVBoxLayout()
        inputs_holder = QWidget()
        inputs_holder.setLayout(self.inputs_box)
        self.inputs_box.setContentsMargins(0, 0, 0, 0)
        self.inputs_scroll = QScrollArea()
        self.inputs_scroll.setWidget(inputs_holder)
        self.inputs_scroll.setWidgetResizable(True)
        self.inputs_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inputs_scroll.setMaximumHeight(MAX_INPUT_HEIGHT)
        self.inputs: ParamPanel | None = None

        for w in (arch, self.net_params, shown, self.inputs_scroll):
            controls.addWidget(w)
        controls.addStretch(1)
        scroll = control_column(controls, max_width=380, min_width=300)

        # -- display ---------------------------------------------------------------------
        self.heatmap = WeightHeatmap("W1", editable=True, limit=WEIGHT_LIMIT)
        self.heatmap.edited.connect(self._cell_edited)
        self.heatmap.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        self.plot = PlotPanel("Activities of every layer")
        self.layer_plots: list[pg.PlotItem] = []
        self.bars_y: list[pg.BarGraphItem] = []
        self.bars_z: list[pg.BarGraphItem | None] = []
        self._export_y: list[pg.PlotDataItem] = []
        self._export_z: list[pg.PlotDataItem | None] = []
        for k in range(MAX_LAYERS):
            p = self.plot.add_plot("neuron", "", "activity", "", title=f"layer {k}", legend=False)
            p.setMouseEnabled(x=False, y=False)
            p.getAxis("bottom").setStyle(hideOverlappingLabels=False)  # index_ticks spaces them
            p.vb.sigResized.connect(lambda *_, k=k: self._set_neuron_ticks(k))
            p.addItem(pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen("#888")), ignoreBounds=True)
            if k == 0:
                self.bars_z.append(None)
                self._export_z.append(None)
                bar_y = pg.BarGraphItem(x=[0], height=[0], width=0.6, brush=PALETTE[2])
            else:
                bar_z = pg.BarGraphItem(
                    x=[0],
                    height=[0],
                    width=0.38,
                    brush=pg.mkBrush(230, 159, 0, 150),
                    pen=PALETTE[4],
                )
                p.addItem(bar_z)
                self.bars_z.append(bar_z)
                ez = p.plot([], [], pen=None)
                ez.export_name = "z"
                self._export_z.append(ez)
                bar_y = pg.BarGraphItem(x=[0], height=[0], width=0.38, brush=PALETTE[0])
            p.addItem(bar_y)
            self.bars_y.append(bar_y)
            ey = p.plot([], [], pen=None)
            ey.export_name = "x" if k == 0 else "y"
            self._export_y.append(ey)
            self.layer_plots.append(p)
        self.plot.metadata = self.parameters
        self.plot.exported.connect(lambda path: self.status.emit(f"Saved {path}"))

        bars = QWidget()
        bl = QVBoxLayout(bars)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.plot, 1)
        self.legend_label = QLabel(
            f'<span style="color:{PALETTE[2]}">■</span> input x &nbsp; '
            f'<span style="color:{PALETTE[4]}">■</span> z = x W + b (net input) &nbsp; '
            f'<span style="color:{PALETTE[0]}">■</span> y = σ(z) (activity)'
        )
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bl.addWidget(self.legend_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.heatmap)
        splitter.addWidget(bars)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(splitter, 1)

        self._build(self.sizes)

    # -- architecture -------------------------------------------------------------------
    def set_sizes_text(self, text: str) -> bool:
        """Apply layer sizes typed as text; a bad text is refused and nothing changes."""
        try:
            sizes = parse_sizes(text)
        except ValueError as err:
            self.sizes_message.setText(f"Refused: {err}")
            self.sizes_message.show()
            self.sizes_edit.setText(_sizes_text(self.sizes))
            self.status.emit(f"Refused: {err}")
            return False
        self.sizes_edit.setText(_sizes_text(sizes))
        if sizes != self.sizes:
            self._clear_refusals()
            self._build(sizes)
            self.status.emit(f"Rate network: layers {_sizes_text(sizes)}")
        return True

    def _clear_refusals(self) -> None:
        """An accepted change: earlier refusals under the controls are out of date."""
        self.sizes_message.hide()
        self.heatmap.message.hide()
        for panel in (self.net_params, self.inputs):
            if panel is not None:
                panel.clear_message()

    def _build(self, sizes: list[int]) -> None:
        old_inputs = self.input_values() if self.inputs is not None else None
        self.sizes = list(sizes)
        self._draw_weights()
        if old_inputs is None or len(old_inputs) != sizes[0]:
            self._build_inputs(sizes[0], old_inputs)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for k in range(1, len(sizes)):
            m, n = sizes[k - 1], sizes[k]
            self.layer_combo.addItem(f"W{k}: layer {k - 1} → {k}  ({m} × {n})")
        self.layer_combo.setCurrentIndex(0)
        self.layer_combo.setEnabled(len(sizes) > 2)
        self.layer_combo.blockSignals(False)
        self._arrange_plots()
        self._show_weights()
        self.update_outputs()

    def _build_inputs(self, m: int, old: np.ndarray | None) -> None:
        if self.inputs is not None:
            self.inputs_box.removeWidget(self.inputs)
            self.inputs.hide()
            self.inputs.deleteLater()
        cls = input_params(m)
        panel = ParamPanel(cls(), f"Inputs x (layer 0), between ±{INPUT_RANGE:g}")
        if old is not None:  # keep the values the inputs had, where they still exist
            kept = {f"x{k}": float(old[k]) for k in range(min(m, len(old)))}
            panel.set_values(cls(**kept), emit=False)
        panel.changed.connect(self._inputs_changed)
        panel.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        self._last_inputs = panel.values()
        self.inputs_box.addWidget(panel)
        self.inputs = panel
        # As tall as the sliders need, scrolling beyond MAX_INPUT_HEIGHT.
        self.inputs_scroll.setMinimumHeight(min(panel.sizeHint().height() + 4, MAX_INPUT_HEIGHT))

    def _arrange_plots(self) -> None:
        layout = self.plot.view.ci
        n_layers = len(self.sizes)
        for p in self.layer_plots:
            if p in layout.items:
                layout.removeItem(p)
        for k in range(MAX_LAYERS):
            p = self.layer_plots[k]
            if k < n_layers:
                layout.addItem(p, row=k, col=0)
                p.setTitle(layer_title(k, n_layers))
                n = self.sizes[k]
                self._set_neuron_ticks(k)
                p.setXRange(-0.6, n - 0.4, padding=0)
            else:  # not shown and nothing to export
                self._export_y[k].setData([], [])
                if self._export_z[k] is not None:
                    self._export_z[k].setData([], [])
        # The panel's readout and CSV export go through its list of plots: only the shown ones.
        self.plot.plots[:] = self.layer_plots[:n_layers]

    def _set_neuron_ticks(self, k: int) -> None:
        """Neuron indices under layer k's bars, as many as fit without touching."""
        if k < len(self.sizes):
            p = self.layer_plots[k]
            p.getAxis("bottom").setTicks([index_ticks(self.sizes[k], p.vb.width())])

    # -- weights ---------------------------------------------------------------------------
    def _draw_weights(self) -> None:
        """New weights from the seed: typed edits are discarded."""
        self.edits = []
        self._apply_edits()

    def _apply_edits(self) -> None:
        """Weights from the seed, the scale and the typed edits (the core's rule)."""
        self._base, self.weights, self.biases = rate_weights(self.sizes, self._last, self.edits)

    def randomise(self) -> None:
        """Draw new weights and biases with the next seed."""
        decl = RateNetworkParams.declaration("seed")
        seed = self.net_params.values().seed
        self.net_params.set_value("seed", seed + 1 if seed < decl.high else decl.low)

    def _net_changed(self, p: RateNetworkParams) -> None:
        last, self._last = self._last, p
        self._clear_refusals()
        if p.seed != last.seed:
            self._draw_weights()
            self.status.emit(f"Rate network: new weights from seed {p.seed}")
        else:
            if p.scale != last.scale:
                self._apply_edits()
            self.status.emit(f"Rate network: {p.changes_from(last)}")
        self._show_weights()
        self.update_outputs()

    def _inputs_changed(self, values: ParamSet) -> None:
        what = values.changes_from(self._last_inputs)
        self._last_inputs = values
        self._clear_refusals()
        self.update_outputs()
        self.status.emit(f"Rate network: input {what}")

    def shown_layer(self) -> int:
        """The weight layer shown in the heatmap: 1 for W1 (layer 0 → 1), …"""
        return max(self.layer_combo.currentIndex(), 0) + 1

    def _show_weights(self) -> None:
        k = self.shown_layer()
        W, b = self.weights[k - 1], self.biases[k - 1]
        lower = f"from layer {k - 1} neuron i"
        upper = f"to layer {k} neuron j"
        if self.bias_check.isChecked():
            self.heatmap.title = f"[W{k}; b{k}]: layer {k - 1} → layer {k}, bias as the last row"
            self.heatmap.set_matrix(
                augmented(W, b), f"{lower}  (last row: bias)", upper, {W.shape[0]: "bias"}
            )
        else:
            self.heatmap.title = f"W{k}: layer {k - 1} → layer {k}"
            self.heatmap.set_matrix(W, lower, upper)

    def _cell_edited(self, i: int, j: int, value: float) -> None:
        k = self.shown_layer()
        W = self.weights[k - 1]
        scale = self._last.scale
        value = float(value)
        if self.bias_check.isChecked() and i == W.shape[0]:
            name = f"b{k}[{j}]"
            self.edits.append({"layer": k, "param": "b", "j": int(j), "value": value})
        else:
            name = f"W{k}[{i}, {j}]"
            self.edits.append(
                {"layer": k, "param": "W", "i": int(i), "j": int(j), "value": value, "scale": scale}
            )
        self._apply_edits()
        self._clear_refusals()
        self._show_weights()
        self.update_outputs()
        self.status.emit(f"Rate network: {name} = {value:g}")

    def _augmented_toggled(self, _on: bool) -> None:
        self._show_weights()
        self.update_outputs()

    # -- computation -------------------------------------------------------------------------
    def input_values(self) -> np.ndarray:
        v = self.inputs.values()  # type: ignore[union-attr]
        return np.array([getattr(v, f"x{k}") for k in range(len(v.as_dict()))], dtype=float)

    def forward(self, augmented_form: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(activities with the input first, net inputs z of layers 1…) in either form."""
        return rate_forward(
            self.input_values(), self.weights, self.biases, self._last.activation, augmented_form
        )

    def update_outputs(self) -> None:
        """Recompute every layer and redraw the bars and the comparison label."""
        aug = self.bias_check.isChecked()
        self.activities, self.net_inputs = self.forward(aug)
        other, _ = self.forward(not aug)
        self.max_difference = max(
            float(np.max(np.abs(a - o))) for a, o in zip(self.activities, other, strict=True)
        )
        shown = "σ((x 1)·[W; b])" if aug else "σ(x W + b)"
        self.same_label.setText(
            f"Outputs computed as <b>{shown}</b>. Both forms give the same outputs: "
            f"max |σ(x W + b) − σ((x 1)·[W; b])| = {self.max_difference:.3g}"
        )
        for k, y in enumerate(self.activities):
            pos = np.arange(len(y), dtype=float)
            if k == 0:
                self.bars_y[0].setOpts(x=pos, height=y, width=0.6)
            else:
                z = self.net_inputs[k - 1]
                self.bars_z[k].setOpts(x=pos - 0.2, height=z, width=0.38)  # type: ignore[union-attr]
                self.bars_y[k].setOpts(x=pos + 0.2, height=y, width=0.38)
                self._export_z[k].setData(pos, z)  # type: ignore[union-attr]
            self._export_y[k].setData(pos, y)
            self.layer_plots[k].enableAutoRange(y=True)

    # -- export ---------------------------------------------------------------------------------
    def parameters(self) -> dict:
        """Everything needed to redo the figure: draw from ``seed``, apply ``edits``
        (W edits give the typed value at the scale then in force), scale by ``scale``."""
        return rate_parameters(
            self.sizes,
            self._last,
            self.activities[0],
            self.bias_check.isChecked(),
            self.shown_layer(),
            self.edits,
        )

    def data(self) -> dict[str, np.ndarray]:
        """Inputs, every layer's z and y, every W and b (``W1`` connects layer 0 to 1).

        ``W1[i, j]`` is the weight from neuron i of layer 0 to neuron j of layer 1.
        In a CSV (see :mod:`neurolab.core.export`) ``W1`` becomes the columns
        ``W1_col0``, ``W1_col1``, …: ``W1_colj`` holds ``W1[:, j]``, the weights
        *into* neuron j of layer 1, and CSV row i the weights *from* neuron i.
        """
        return rate_arrays(self.activities, self.net_inputs, self.weights, self.biases)

    # -- experiment files ----------------------------------------------------------------------
    def state(self) -> dict:
        """The settings as ``tabstate.network.RATE`` declares them (cheap: no arrays)."""
        return {
            "sizes": list(self.sizes),
            "weights": self.net_params.values().as_dict(),
            "inputs": self.input_values().tolist(),
            "augmented": self.bias_check.isChecked(),
            "shown_layer": self.shown_layer(),
            "edits": [dict(e) for e in self.edits],
        }

    def set_state(self, state: dict) -> None:
        """Show a validated state: sizes, weights from the seed with the edits, inputs."""
        params = state["weights"].copy()
        self.net_params.set_values(params, emit=False)
        self._last = self.net_params.values()
        sizes = list(state["sizes"])
        self.sizes_edit.setText(_sizes_text(sizes))
        self.bias_check.blockSignals(True)
        self.bias_check.setChecked(bool(state["augmented"]))
        self.bias_check.blockSignals(False)
        self._build(sizes)
        cls = input_params(sizes[0])
        x = input_vector(state["inputs"], sizes[0])
        self.inputs.set_values(cls(**{f"x{k}": float(v) for k, v in enumerate(x)}), emit=False)  # type: ignore[union-attr]
        self._last_inputs = self.inputs.values()  # type: ignore[union-attr]
        self._clear_refusals()
        self.edits = [dict(e) for e in state["edits"]]  # validated: they fit the sizes
        self._apply_edits()
        self.layer_combo.blockSignals(True)
        self.layer_combo.setCurrentIndex(state["shown_layer"] - 1)
        self.layer_combo.blockSignals(False)
        self._show_weights()
        self.update_outputs()

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        return {
            ("sizes",): self.arch_box,
            ("weights",): self.net_params,
            ("inputs",): self.inputs_scroll,
            ("augmented",): self.bias_check,
            ("shown_layer",): self.layer_combo,
            ("edits",): self.heatmap,
        }

    def smoke_test(self) -> None:
        """Recompute and check that the outputs are finite and both forms agree."""
        self.update_outputs()
        if not all(np.isfinite(y).all() for y in self.activities):
            raise RuntimeError("the rate network's activities are not finite")
        if self.max_difference > 1e-9:
            raise RuntimeError(f"x W + b and (x 1)·[W; b] disagree by {self.max_difference:g}")
