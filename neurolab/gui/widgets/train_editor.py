"""Choose a spike-train generator and set its parameters, or keep an explicit list."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QLabel, QStackedWidget, QVBoxLayout, QWidget

from neurolab.core.params import ParamError
from neurolab.core.synapse import TRAINS, ExplicitTimes
from neurolab.gui.widgets.common import message_label
from neurolab.gui.widgets.param_panel import ParamPanel

EXPLICIT = "explicit"


class TrainEditor(QGroupBox):
    """A generator chooser with one generated parameter panel per kind.

    The "explicit" kind holds a list of times that the user edits elsewhere
    (e.g. by clicking a raster); :meth:`set_times` switches to it.
    """

    changed = Signal(object)  # the current spike-train object (a copy)
    refused = Signal(str)

    def __init__(
        self, title: str = "Spike train", explicit: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        layout = QVBoxLayout(self)
        self.kind = QComboBox()
        self.kind.setObjectName("train_kind")
        self.kind.setToolTip("How the presynaptic spike times are generated")
        self.stack = QStackedWidget()
        self.panels: dict[str, ParamPanel] = {}
        self._times: tuple[float, ...] = ()
        self._good: dict[str, object] = {}
        # Without a raster to click there is no way to fill an explicit list.
        kinds = {k: c for k, c in TRAINS.items() if explicit or k != EXPLICIT}
        for key, cls in kinds.items():
            self.kind.addItem(getattr(cls, "label", "") or key, key)
            if key == EXPLICIT:
                note = QLabel(
                    "Click on the raster to add a spike, click a spike to remove it, "
                    "drag a spike to move it."
                )
                note.setWordWrap(True)
                self.stack.addWidget(note)
                continue
            panel = ParamPanel(cls())
            self._good[key] = panel.values()
            panel.changed.connect(self._panel_changed)
            panel.refused.connect(self.refused)
            self.panels[key] = panel
            self.stack.addWidget(panel)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.message = message_label()
        layout.addWidget(self.kind)
        layout.addWidget(self.stack)
        layout.addWidget(self.message)

    def key(self) -> str:
        return self.kind.currentData()

    def set_kind(self, key: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(key))

    def train(self):
        """The current generator (an :class:`ExplicitTimes` for the explicit kind)."""
        if self.key() == EXPLICIT:
            return ExplicitTimes(times=self._times)
        return self.panels[self.key()].values()

    def set_times(self, times) -> None:
        """Make the train an explicit list of times (ms) and announce it."""
        self._times = tuple(sorted(float(t) for t in times))
        if self.key() != EXPLICIT:
            self.kind.blockSignals(True)
            self.set_kind(EXPLICIT)
            self.stack.setCurrentIndex(self.kind.currentIndex())
            self.kind.blockSignals(False)
        self.changed.emit(self.train())

    def times(self) -> list[float]:
        """The explicit list (ms, sorted), kept while another kind is shown."""
        return list(self._times)

    def state(self) -> dict:
        """The current kind and its values, as an experiment file's Variant section
        (the explicit kind has no values: its list is :meth:`times`)."""
        params = {} if self.key() == EXPLICIT else self.panels[self.key()].values().as_dict()
        return {"kind": self.key(), "params": params}

    def set_state(self, state: dict, times=None, emit: bool = True) -> None:
        """Show a validated Variant section ``{"kind": k, "params": SpikeTrain}`` (and, if
        given, the explicit list); with ``emit`` announce the train once."""
        kind = state["kind"]
        if kind in self.panels:
            panel = self.panels[kind]
            values = type(panel.values())(**state["params"].as_dict())
            panel.set_values(values, emit=False)
            self._good[kind] = panel.values()
        if times is not None:
            self._times = tuple(sorted(float(t) for t in times))
        self.kind.blockSignals(True)
        self.set_kind(kind)
        self.kind.blockSignals(False)
        self.stack.setCurrentIndex(self.kind.currentIndex())
        self.message.hide()
        for panel in self.panels.values():
            panel.clear_message()
        if emit:
            self.changed.emit(self.train())

    def usable(self) -> bool:
        """True if the current values work together; otherwise say why."""
        key = self.key()
        try:
            self.train().check()
        except ParamError as err:
            self.message.setText(f"Refused: {err}")
            self.message.show()
            if key in self.panels:  # show the values still in use
                self.panels[key].set_values(self._good[key], emit=False)
            self.refused.emit(str(err))
            return False
        self.message.hide()
        if key in self.panels:
            self._good[key] = self.panels[key].values()
        return True

    def _kind_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        if self.usable():
            self.changed.emit(self.train())

    def _panel_changed(self, _params) -> None:
        if self.key() != EXPLICIT and self.sender() is self.panels[self.key()] and self.usable():
            self.changed.emit(self.train())
