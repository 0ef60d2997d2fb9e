"""The architecture editor: hidden layers (width and activation each), and the output
activation and loss chosen together, with a visible warning for an unnatural pair."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.activations import ACTIVATIONS
from neurolab.core.losses import LOSSES, NATURAL_OUTPUTS
from neurolab.core.training import MAX_HIDDEN_LAYERS, MAX_WIDTH, OUTPUTS, Architecture


class _LayerRow(QWidget):
    def __init__(self, width: int, activation: str, editor: ArchitectureEditor) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.width_box = QSpinBox()
        self.width_box.setRange(1, MAX_WIDTH)
        self.width_box.setValue(width)
        self.width_box.setToolTip(f"Neurons in this hidden layer (1–{MAX_WIDTH})")
        self.act_box = QComboBox()
        self.act_box.addItems(list(ACTIVATIONS))
        self.act_box.setCurrentText(activation)
        self.act_box.setToolTip("Activation σ of this layer's neurons")
        self.remove = QPushButton("−")
        self.remove.setFixedWidth(28)
        self.remove.setToolTip("Remove this hidden layer")
        row.addWidget(self.width_box)
        row.addWidget(self.act_box, 1)
        row.addWidget(self.remove)
        self.width_box.valueChanged.connect(editor._emit)
        self.act_box.currentTextChanged.connect(editor._emit)
        self.remove.clicked.connect(lambda: editor.remove_layer(self))


class ArchitectureEditor(QGroupBox):
    """Emits ``changed(Architecture)`` on every edit."""

    changed = Signal(object)

    def __init__(self, arch: Architecture | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Network", parent)
        layout = QVBoxLayout(self)
        self.rows_box = QVBoxLayout()
        layout.addWidget(QLabel("Hidden layers (neurons, activation):"))
        layout.addLayout(self.rows_box)
        self.add_button = QPushButton("+ hidden layer")
        self.add_button.setToolTip(f"Add a hidden layer (at most {MAX_HIDDEN_LAYERS})")
        self.add_button.clicked.connect(self.add_layer)
        layout.addWidget(self.add_button)
        form = QFormLayout()
        self.loss_box = QComboBox()
        for loss in LOSSES.values():
            self.loss_box.addItem(loss.title, loss.name)
        self.loss_box.setToolTip("The loss E; choosing one picks its natural output activation")
        self.output_box = QComboBox()
        self.output_box.addItems(OUTPUTS)
        self.output_box.setToolTip("Activation of the output layer")
        form.addRow("Loss", self.loss_box)
        form.addRow("Output", self.output_box)
        layout.addLayout(form)
        self.warning = QLabel()
        self.warning.setObjectName("pairing_warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #9a5b00;")
        self.warning.hide()
        layout.addWidget(self.warning)
        self.rows: list[_LayerRow] = []
        self._quiet = True
        self.set_architecture(arch or Architecture())
        self.loss_box.currentIndexChanged.connect(self._loss_changed)
        self.output_box.currentTextChanged.connect(self._emit)
        self._quiet = False

    # -- public ---------------------------------------------------------------------
    def architecture(self) -> Architecture:
        return Architecture(
            hidden=tuple(r.width_box.value() for r in self.rows),
            activations=tuple(r.act_box.currentText() for r in self.rows),
            output_activation=self.output_box.currentText(),
            loss=self.loss_box.currentData(),
        )

    def set_architecture(self, arch: Architecture, emit: bool = False) -> None:
        quiet, self._quiet = self._quiet, True
        for r in list(self.rows):
            self._drop(r)
        for w, a in zip(arch.hidden, arch.hidden_activations(), strict=True):
            self._append(w, a)
        self.loss_box.setCurrentIndex(self.loss_box.findData(arch.loss))
        self.output_box.setCurrentText(arch.output_activation)
        self._quiet = quiet
        self._update_warning()
        if emit:
            self._emit()

    def add_layer(self) -> None:
        if len(self.rows) >= MAX_HIDDEN_LAYERS:
            return
        last = self.rows[-1] if self.rows else None
        self._append(
            last.width_box.value() if last else 8, last.act_box.currentText() if last else "tanh"
        )
        self._emit()

    def remove_layer(self, row: _LayerRow) -> None:
        self._drop(row)
        self._emit()

    # -- internals ------------------------------------------------------------------
    def _append(self, width: int, activation: str) -> None:
        row = _LayerRow(width, activation, self)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        self.add_button.setEnabled(len(self.rows) < MAX_HIDDEN_LAYERS)

    def _drop(self, row: _LayerRow) -> None:
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.setParent(None)
        row.deleteLater()
        self.add_button.setEnabled(len(self.rows) < MAX_HIDDEN_LAYERS)

    def _loss_changed(self) -> None:
        natural = NATURAL_OUTPUTS[self.loss_box.currentData()]
        if self.output_box.currentText() not in natural:
            quiet, self._quiet = self._quiet, True
            self.output_box.setCurrentText(natural[0])
            self._quiet = quiet
        self._emit()

    def _update_warning(self) -> None:
        loss, out = self.loss_box.currentData(), self.output_box.currentText()
        natural = NATURAL_OUTPUTS[loss]
        if out in natural:
            self.warning.hide()
            return
        self.warning.setText(
            f"⚠ {LOSSES[loss].title} is meant for a {' or '.join(natural)} output, "
            f"not {out}: training may stall or the loss may mean little."
        )
        self.warning.show()

    def _emit(self, *_args) -> None:
        self._update_warning()
        if not self._quiet:
            self.changed.emit(self.architecture())
