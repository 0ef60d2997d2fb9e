"""One neuron driving another: presynaptic LIF → synapse (w, τ_s, n) → postsynaptic LIF, live."""

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
from neurolab.core.params import Param, ParamSet
from neurolab.core.synapse import Chain, ChainParams, SynapseParams, chain_stream
from neurolab.gui.tabs.neuron_models import MODELS
from neurolab.gui.widgets.common import banner_label, button_row, control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PlotPanel
from neurolab.gui.widgets.stimulus_editor import StimulusEditor
from neurolab.gui.widgets.stream_view import Curve, PlotSpec, StreamView
from neurolab.gui.widgets.train_editor import TrainEditor

STIMULUS, TRAIN = "stimulus", "train"
LIVE_CHUNK_MS = 5.0


class ChainRunParams(ParamSet):
    """How the live two-neuron run is drawn."""

    dt = Param(0.1, 0.01, 1.0, 0.01, "ms", "Integration time step", log=True)
    window = Param(500.0, 50.0, 5000.0, 10.0, "ms", "Width of the live screen")
    speed = Param(500.0, 10.0, 5000.0, 10.0, "ms/s", "Simulated ms per real second", log=True)


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
        self.stimulus = StimulusEditor("", MODELS["lif"].stimulus_overrides)
        self.train = TrainEditor("Presynaptic spike train", explicit=False)
        self.source_stack.addWidget(self.stimulus)
        self.source_stack.addWidget(self.train)
        # Strong enough that the postsynaptic neuron fires at the start.
        self.synapse = ParamPanel(SynapseParams(w=30.0), "Synapse")
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
        return {
            "source": self.source_box.currentData(),
            "source_kind": (
                self.stimulus.key()
                if self.source_box.currentData() == STIMULUS
                else self.train.key()
            ),
            "source_params": self.source().as_dict(),
            "chain": self.chain().as_dict(),
            "run": self.run.values().as_dict(),
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
        self.stimulus.set_dt(run.dt)
        chunk_ms = max(run.dt, LIVE_CHUNK_MS)
        self.view.start(
            lambda: chain_stream(source, chain, dt=run.dt, chunk_ms=chunk_ms),
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
        if self._running():
            self.view.send({"params": self.chain()})

    def _source_edited(self, _source) -> None:
        if self.source_box.currentData() == TRAIN and not self.train.usable():
            return
        if self._running():
            self.view.send({"stimulus": self.source()})

    def _source_changed(self, index: int) -> None:
        self.source_stack.setCurrentIndex(index)
        # A spike train drives the synapse directly: there is no presynaptic v or J.
        absent = " (none: a spike train drives the synapse)" if index == 1 else ""
        self.view.plots[0].setTitle(f"presynaptic neuron{absent}" if absent else None)
        self.view.plots[3].setTitle(f"input J{absent}" if absent else None)
        self._source_edited(None)

    def _run_changed(self, run) -> None:
        self.stimulus.set_dt(run.dt)
        if self._running() and (run.dt, run.window) != (self._run.dt, self._run.window):
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

    def shutdown(self) -> None:
        self.view.shutdown()
