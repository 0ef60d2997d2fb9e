"""One neuron driving another: presynaptic LIF → synapse (w, τ_s, n) → postsynaptic LIF, live.

The live run stops by itself after "run for" ms; Export data then writes the last
screen, which is what ``neurolab run`` computes (:mod:`neurolab.core.tabstate.synapse`).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from neurolab.core import lif
from neurolab.core.synapse import Chain, ChainParams, SynapseParams, chain_stream
from neurolab.core.tabstate import synapse as state_core
from neurolab.core.tabstate.synapse import (
    LIVE_CHUNK_MS,
    STIMULUS,
    TRAIN,
    ChainRunParams,
    ChainSynapseParams,
)
from neurolab.gui.widgets.common import banner_label, button_row, control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PlotPanel
from neurolab.gui.widgets.stimulus_editor import StimulusEditor
from neurolab.gui.widgets.stream_view import Curve, PlotSpec, StreamView
from neurolab.gui.widgets.train_editor import TrainEditor

__all__ = ["ChainView", "ChainRunParams"]

PLOTS = [
    PlotSpec(
        "presynaptic v",
        "",
        [Curve("v_pre", "v pre", 0)],
        (-0.1, 1.2),
        spikes="pre_spikes",
        spike_level=1.1,
        threshold=1.0,
    ),
    PlotSpec("synaptic input s", "", [Curve("s", "s", 2)], (-0.5, 1.0)),
    PlotSpec(
        "postsynaptic v",
        "",
        [Curve("v_post", "v post", 3)],
        (-0.1, 1.2),
        spikes="post_spikes",
        spike_level=1.1,
        threshold=1.0,
    ),
    PlotSpec("input J (pre)", "", [Curve("I_in", "J", 6)]),
]


class ChainView(QWidget):
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        controls = QVBoxLayout()
        top = QGroupBox("Run")
        form = QFormLayout(top)
        self.source_box = QComboBox()
        self.source_box.addItem("Stimulus → presynaptic LIF", STIMULUS)
        self.source_box.addItem("Spike train (no presynaptic LIF)", TRAIN)
        self.source_box.setToolTip("What makes the presynaptic spikes")
        self.source_box.currentIndexChanged.connect(self._source_changed)
        form.addRow("Source", self.source_box)
        buttons, (self.start_button, self.stop_button) = button_row(
            ("Start", "Start the live run; pause or resume it (Space)", self.toggle_run),
            ("Stop", "Stop the run; what it recorded stays for export", self.stop),
        )
        form.addRow(buttons)
        controls.addWidget(top)
        self.banner = banner_label()
        controls.addWidget(self.banner)

        self.source_stack = QStackedWidget()
        self.stimulus = StimulusEditor("", lif.STIMULUS_DEFAULTS)
        self.train = TrainEditor("Presynaptic spike train", explicit=False)
        self.source_stack.addWidget(self.stimulus)
        self.source_stack.addWidget(self.train)
        # Strong enough that the postsynaptic neuron fires at the start.
        self.synapse = ParamPanel(SynapseParams(w=ChainSynapseParams.w.default), "Synapse")
        self.pre = ParamPanel(lif.LIFParams(), "Presynaptic LIF")
        self.post = ParamPanel(lif.LIFParams(), "Postsynaptic LIF")
        self.bias = ParamPanel(ChainParams(), "Postsynaptic bias")
        self.run = ParamPanel(ChainRunParams(), "Screen")
        for w in (self.synapse, self.source_stack, self.pre, self.post, self.bias, self.run):
            controls.addWidget(w)
        controls.addStretch(1)
        for panel in (self.synapse, self.pre, self.post, self.bias):
            panel.changed.connect(self._params_changed)
        for panel in (self.synapse, self.pre, self.post, self.bias, self.run):
            panel.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        self.stimulus.changed.connect(self._source_edited)
        self.train.changed.connect(self._source_edited)
        self.run.changed.connect(self._run_changed)

        scroll = control_column(controls, max_width=380)

        self.plot = PlotPanel("Two neurons")
        self.view = StreamView(self.plot, PLOTS, parent=self)
        self.view.show_window(self.run.values().window)
        self.view.failed.connect(self._failed)
        self.view.stateChanged.connect(self._state)
        self.view.finished.connect(self._finished)
        self.plot.metadata = self.parameters
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.plot, 1)

    # -- state ------------------------------------------------------------------------
    def chain(self) -> Chain:
        return Chain(
            pre=self.pre.values(),
            post=self.post.values(),
            synapse=self.synapse.values(),
            bias=self.bias.values(),
        )

    def source(self):
        return (
            self.stimulus.stimulus()
            if self.source_box.currentData() == STIMULUS
            else (self.train.train())
        )

    def data(self) -> dict:
        """What the live run recorded (empty before a run)."""
        return self.view.recorded()

    def parameters(self) -> dict:
        name = self.source_box.currentData()
        kind = self.stimulus.key() if name == STIMULUS else self.train.key()
        return state_core.chain_parameters(
            name, kind, self.source(), self.chain(), self.run.values()
        )

    # -- experiment files ---------------------------------------------------------------
    def state(self) -> dict:
        """The settings as ``tabstate.synapse.SCHEMA["synapse_chain"]`` declares them."""
        return {
            "source": self.source_box.currentData(),
            "stimulus": self.stimulus.state(),
            "train": self.train.state(),
            "synapse": self.synapse.values().as_dict(),
            "pre": self.pre.values().as_dict(),
            "post": self.post.values().as_dict(),
            "bias": self.bias.values().as_dict(),
            "run": self.run.values().as_dict(),
        }

    def set_state(self, state: dict) -> None:
        """Stop any run and show a validated state; starts nothing."""
        self.view.runner.cancel(wait=True)
        panels = {
            "synapse": (self.synapse, SynapseParams),
            "pre": (self.pre, lif.LIFParams),
            "post": (self.post, lif.LIFParams),
            "bias": (self.bias, ChainParams),
            "run": (self.run, ChainRunParams),
        }
        for key, (panel, cls) in panels.items():
            panel.set_values(cls(**state[key].as_dict()), emit=False)
        self.train.set_state(state["train"], emit=False)
        self.stimulus.set_dt(self.run.values().dt)
        self.stimulus.set_state(state["stimulus"])
        self.source_box.blockSignals(True)
        self.source_box.setCurrentIndex(self.source_box.findData(state["source"]))
        self.source_box.blockSignals(False)
        self._source_changed(self.source_box.currentIndex())
        self.view.show_window(self.run.values().window)

    def controls(self) -> dict:
        return {
            ("source",): self.source_box,
            ("stimulus",): self.stimulus,
            ("train",): self.train,
            ("synapse",): self.synapse,
            ("pre",): self.pre,
            ("post",): self.post,
            ("bias",): self.bias,
            ("run",): self.run,
        }

    # -- run control --------------------------------------------------------------------
    def toggle_run(self) -> None:
        if self.view.state == "idle":
            self.start()
        else:
            self.view.runner.toggle_pause()

    def start(self) -> None:
        if self.source_box.currentData() == TRAIN and not self.train.usable():
            return
        self.banner.hide()
        run, chain, source = self.run.values(), self.chain(), self.source()
        self._run = run
        # What the stream runs with: an announcement of the same values (a panel's
        # delayed one, after Start) must not restart a random train mid-run.
        self._sent = {"params": chain.copy(), "stimulus": source.copy()}
        self.stimulus.set_dt(run.dt)
        chunk_ms = max(run.dt, LIVE_CHUNK_MS)
        self.view.start(
            lambda: chain_stream(source, chain, dt=run.dt, chunk_ms=chunk_ms, t_end=run.duration),
            live=True,
            dt=run.dt,
            span=run.window,
            pace=chunk_ms / run.speed,
        )

    def stop(self) -> None:
        self.view.stop()

    def _running(self) -> bool:
        return self.view.state != "idle"

    def _params_changed(self, _params) -> None:
        self._send("params", self.chain())

    def _source_edited(self, _source) -> None:
        if self.source_box.currentData() == TRAIN and not self.train.usable():
            return
        self._send("stimulus", self.source())

    def _send(self, key: str, value) -> None:
        """Hand a changed chain or source to the running stream (only if it changed)."""
        if self._running() and value != self._sent[key]:
            self._sent[key] = value.copy()
            self.view.send({key: value})

    def _source_changed(self, index: int) -> None:
        self.source_stack.setCurrentIndex(index)
        # A spike train drives the synapse directly: there is no presynaptic v or J.
        absent = " (none: a spike train drives the synapse)" if index == 1 else ""
        self.view.plots[0].setTitle(f"presynaptic neuron{absent}" if absent else None)
        self.view.plots[3].setTitle(f"input J{absent}" if absent else None)
        self._source_edited(None)

    def _run_changed(self, run) -> None:
        self.stimulus.set_dt(run.dt)
        old = (self._run.dt, self._run.window, self._run.duration) if self._running() else None
        if old is not None and (run.dt, run.window, run.duration) != old:
            self.start()
        elif self._running():
            self._run = run
            self.view.runner.set_pace(max(run.dt, LIVE_CHUNK_MS) / run.speed)

    def _failed(self, text: str) -> None:
        last = text.strip().splitlines()[-1]
        self.banner.setText(f"The simulation stopped with an error: {last}")
        self.banner.setToolTip(text)
        self.banner.show()
        print(text, file=sys.stderr)
        self.status.emit(f"Synapse: error — {last}")

    def _state(self, state: str) -> None:
        labels = {"idle": "Start", "running": "Pause", "paused": "Resume"}
        self.start_button.setText(labels[state])
        self.status.emit(f"Synapse: two-neuron run {state if state != 'idle' else 'stopped'}")

    def _finished(self, completed: bool) -> None:
        if completed:
            self.status.emit(
                f"Synapse: the two-neuron run reached {self._run.duration:g} ms and stopped; "
                "Export data writes its last screen"
            )

    def shutdown(self) -> None:
        self.view.shutdown()
