"""A control panel generated from a ParamSet's declarations.

One row per parameter: the label with its unit, a slider and a text box.  The
declaration's doc is the tooltip, values typed outside the range are refused
with a message naming the range, and "Reset" restores the defaults.  Changes
are announced through :attr:`ParamPanel.changed`, throttled so a dragged slider
does not flood a running simulation.  Only real changes are announced: leaving
a text box untouched (its editingFinished also fires on focus loss), typing the
value it already holds or moving a slider back to the same value is silent.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.params import Choice, Param, ParamError, ParamSet
from neurolab.gui.widgets.common import message_label

_LOG_STEPS = 1000
_MAX_SLIDER_STEPS = 100_000


def _fmt(value: float, step: float) -> str:
    """The value as typed-back text: the step's decimals, more if the value has them."""
    if isinstance(value, int):
        return str(value)
    decimals = max(0, min(6, -math.floor(math.log10(step)) if step > 0 else 3))
    text = f"{value:.{decimals}f}"
    if float(text) != value:
        text = f"{value:.10g}"
    return text


class _NumberRow:
    """Slider + text box for one numeric Param."""

    def __init__(self, panel: ParamPanel, p: Param, default: float) -> None:
        self.p, self.panel = p, panel
        unit = f" ({p.unit})" if p.unit else ""
        self.label = QLabel(f"{p.label}{unit}")
        tip = f"{p.doc}\nValid range: {p.range_text}. Default: {default:g}."
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"slider_{p.name}")
        self.n_steps = _LOG_STEPS if p.log else max(1, round((p.high - p.low) / p.step))
        # A slider over millions of steps (a seed) cannot be dragged usefully: type it.
        self.slider.setVisible(self.n_steps <= _MAX_SLIDER_STEPS)
        self.slider.setRange(0, min(self.n_steps, _MAX_SLIDER_STEPS))
        self.slider.setSingleStep(1)
        self.slider.setPageStep(max(1, self.n_steps // 10))
        self.edit = QLineEdit()
        self.edit.setObjectName(f"edit_{p.name}")
        self.edit.setFixedWidth(72)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        for w in (self.label, self.slider, self.edit):
            w.setToolTip(tip)
        self.slider.valueChanged.connect(self._slider_moved)
        self.edit.editingFinished.connect(self._typed)

    def to_pos(self, v: float) -> int:
        p = self.p
        if p.log:
            return round(_LOG_STEPS * math.log(v / p.low) / math.log(p.high / p.low))
        return round((v - p.low) / (p.high - p.low) * self.n_steps)

    def from_pos(self, i: int) -> float:
        p = self.p
        if p.log:
            v = p.low * (p.high / p.low) ** (i / _LOG_STEPS)
            # Round to 3 significant digits so log-slider values read cleanly.
            v = float(f"{v:.3g}")
        else:
            v = p.low + i * p.step if i < self.n_steps else p.high
            v = round(v, 10)
        v = min(max(v, p.low), p.high)
        return int(round(v)) if p.integer else v

    def show(self, value: float) -> None:
        if self.n_steps > _MAX_SLIDER_STEPS:
            self.edit.setText(_fmt(value, self.p.step))
            return
        self.slider.blockSignals(True)
        self.slider.setValue(self.to_pos(value))
        self.slider.blockSignals(False)
        self.edit.setText(_fmt(value, self.p.step))

    def _slider_moved(self, i: int) -> None:
        self.panel._set(self.p.name, self.from_pos(i), from_slider=True)

    def _typed(self) -> None:
        text = self.edit.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            self.panel._refuse(
                f"{self.p.title}: {text!r} is not a number; enter a value {self.p.range_text}."
            )
            self.show(self.panel.values_ref()[self.p.name])
            return
        self.panel._set(self.p.name, value)


class _ChoiceRow:
    def __init__(self, panel: ParamPanel, p: Choice) -> None:
        self.p, self.panel = p, panel
        self.label = QLabel(p.label)
        self.combo = QComboBox()
        self.combo.setObjectName(f"combo_{p.name}")
        self.combo.addItems(list(p.options))
        for w in (self.label, self.combo):
            w.setToolTip(p.doc)
        self.combo.currentTextChanged.connect(lambda t: panel._set(p.name, t))

    def show(self, value: str) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentText(value)
        self.combo.blockSignals(False)


def _row_widgets(row: _NumberRow | _ChoiceRow) -> list[QWidget]:
    if isinstance(row, _NumberRow):
        return [row.label, row.slider, row.edit]
    return [row.label, row.combo]


class ParamPanel(QGroupBox):
    """Sliders, text boxes and a reset button for one :class:`ParamSet`.

    Signals
    -------
    changed(object)
        A copy of the current ParamSet; throttled to at most one per ``throttle_ms``
        (the last change is always delivered).
    refused(str)
        A typed value was refused; the message names the valid range.

    Parameters named in ``hide`` keep their values but get no row (a view
    where they play no part).
    """

    changed = Signal(object)
    refused = Signal(str)

    def __init__(
        self,
        params: ParamSet,
        title: str = "",
        throttle_ms: int = 30,
        parent: QWidget | None = None,
        hide: tuple[str, ...] = (),
    ) -> None:
        super().__init__(title, parent)
        self._params = params.copy()
        # "Reset" returns to the values the panel started with: the declared
        # defaults unless the tab chose others for its context.
        self._defaults = params.copy()
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.rows: dict[str, _NumberRow | _ChoiceRow] = {}
        shown = [p for p in type(params).declarations() if p.name not in hide]
        for r, p in enumerate(shown):
            if isinstance(p, Param):
                row = _NumberRow(self, p, getattr(self._defaults, p.name))
                grid.addWidget(row.label, r, 0)
                grid.addWidget(row.slider, r, 1)
                grid.addWidget(row.edit, r, 2)
            else:
                row = _ChoiceRow(self, p)
                grid.addWidget(row.label, r, 0)
                grid.addWidget(row.combo, r, 1, 1, 2)
            self.rows[p.name] = row
            row.show(getattr(self._params, p.name))
        self.message = message_label()
        layout.addWidget(self.message)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setToolTip("Restore every parameter in this group to its default value")
        self.reset_button.clicked.connect(self.reset)
        layout.addWidget(self.reset_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(throttle_ms)
        self._timer.timeout.connect(self._flush)
        self._pending = False
        self._locked: set[str] = set()
        self._tips: dict[QWidget, str] = {}

    # -- public -------------------------------------------------------------
    def values(self) -> ParamSet:
        """A copy of the current values."""
        return self._params.copy()

    def values_ref(self) -> dict[str, Any]:
        return self._params.as_dict()

    def set_values(self, params: ParamSet, emit: bool = True) -> None:
        """Show ``params``; with ``emit`` announce them if they differ from the current ones."""
        same = params == self._params
        self._params = params.copy()
        for name, row in self.rows.items():
            row.show(getattr(self._params, name))
        if emit and not same:
            self._announce()

    def set_value(self, name: str, value: Any) -> None:
        """Set one value as if the user typed it (refused values raise ParamError);
        announced only if it differs from the current value."""
        old = getattr(self._params, name)
        setattr(self._params, name, value)
        self.rows[name].show(getattr(self._params, name))
        if getattr(self._params, name) != old:
            self.clear_message()
            self._announce()

    def reset(self) -> None:
        self.clear_message()
        self.set_values(self._defaults)

    def lock_row(self, name: str, locked: bool = True) -> None:
        """A lesson's lock: the row stays visible but cannot be edited (nor reset)."""
        if locked == (name in self._locked):
            return
        label, *editors = _row_widgets(self.rows[name])
        for w in (label, *editors):
            if locked:
                self._tips[w] = w.toolTip()
                w.setToolTip(f"{w.toolTip()}\n(locked by the lesson)".strip())
            else:
                w.setToolTip(self._tips.pop(w, w.toolTip()))
        for w in editors:
            w.setEnabled(not locked)
        (self._locked.add if locked else self._locked.discard)(name)
        self.reset_button.setEnabled(not self._locked)

    def hide_row(self, name: str, hidden: bool = True) -> None:
        """A lesson's hide: the row disappears; its value still counts."""
        for w in _row_widgets(self.rows[name]):
            w.setVisible(not hidden)

    def clear_message(self) -> None:
        """Hide the red "Refused: …" line (the user has moved on)."""
        self.message.hide()

    # -- internals ----------------------------------------------------------
    def _set(self, name: str, value: Any, from_slider: bool = False) -> None:
        old = getattr(self._params, name)
        try:
            setattr(self._params, name, value)
        except ParamError as err:
            self._refuse(str(err))
            self.rows[name].show(getattr(self._params, name))
            return
        if getattr(self._params, name) == old:
            # Nothing changed (focus left an untouched box, "1.0" typed over 1, a slider
            # back on the same value): tidy the text, announce nothing.
            if not from_slider:
                self.rows[name].show(old)
            return
        self.message.hide()
        if not from_slider:
            self.rows[name].show(getattr(self._params, name))
        else:
            row = self.rows[name]
            if isinstance(row, _NumberRow):
                row.edit.setText(_fmt(getattr(self._params, name), row.p.step))
        self._announce()

    def _refuse(self, text: str) -> None:
        self.message.setText(f"Refused: {text}")
        self.message.show()
        self.refused.emit(text)

    def _announce(self) -> None:
        if self._timer.isActive():
            self._pending = True
        else:
            self.changed.emit(self._params.copy())
            self._timer.start()

    def _flush(self) -> None:
        if self._pending:
            self._pending = False
            self.changed.emit(self._params.copy())
            self._timer.start()
