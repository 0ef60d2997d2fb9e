"""A spiking LIF network (SPEC §4) streaming live.

The raster scrolls as the network runs, the population rate sits below it, and
v(t), s(t) of one neuron below that: the neuron typed in the "Shown neuron"
box, or picked by clicking its raster row.  The screen shows [0, window] until
the run has covered a whole window, then scrolls; nothing is drawn before
t = 0.  Beside the plots: the weight matrix (block means for a large network)
and the distribution of firing rates since the start.

Changes split in two: the neurons' τ_m and t_ref, the bias range and the
common input reach the running network at its next chunk; anything that
changes the network itself (N, connectivity, weights, τ_s, seed, dt)
rebuilds it and restarts the run.  A restarted run that was paused comes back
paused (the status bar says so; Resume or Space runs it), and a "change" that
leaves the running network's values as they were does nothing.

Stopping is prompt: the network is built in steps of about 50 ms (the progress
bar fills; a stop or a close is noticed between steps) and each chunk of a run
is computed in parts small enough to be noticed between.  What cannot be
interrupted is one call of the compiled kernel: for the largest network
(20 000 neurons, 20 M synapses) in runaway firing a single 0.1 ms step, every
neuron firing into a thousand targets, takes a second or more, and setting up
the run state of 20 M synapses about as long.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.lif import LIFParams
from neurolab.core.network import LIFNetworkChunk, simulate_lif, stream_lif
from neurolab.core.params import Param, ParamError, ParamSet
from neurolab.core.tabstate.network import (  # noqa: F401 (re-exported for callers and tests)
    MAX_KEPT_SPIKES,
    MAX_SYNAPSES,
    BiasParams,
    Built,
    NetworkBuildParams,
    RunParams,
    ScreenParams,
    bias_vector,
    build_network,
    build_steps,
    spiking_arrays,
    spiking_for_format,
    spiking_parameters,
)
from neurolab.gui.widgets.common import banner_label, button_row, control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel
from neurolab.gui.widgets.raster import RasterImage, ScrollingTrace
from neurolab.gui.widgets.stream_view import fit_hint
from neurolab.gui.widgets.weight_heatmap import WeightHeatmap
from neurolab.gui.worker import Runner, Unpaced

FRAME_MS = 33  # redraw at ~30 frames per second from the latest data
HISTOGRAM_EVERY = 15  # frames between updates of the rate distribution
CHUNKS_PER_S = 60  # chunks the worker hands over per second at the set speed
# A chunk of more than SPLIT_WORK synapses × steps is computed in parts of PART_WORK, so
# a stop waits for one part.  Smaller chunks stay whole: every part costs a GIL hand-over
# (up to 5 ms while the GUI draws), and splitting the 10 000-neuron probe network's
# chunks into 50 parts halved its speed (1250 → 730 simulated ms per s).
SPLIT_WORK = 200_000_000
PART_WORK = 4_000_000
CHUNK_WALL_S = 0.1  # a chunk slower than this is handed over early, shorter
NOT_BUILT = "built when the run starts"


@cache
def pick_params(n: int) -> type[ParamSet]:
    """The ParamSet of the shown neuron in a network of ``n`` neurons (0 … n − 1)."""
    neuron = Param(
        0,
        0,
        n - 1,
        1,
        "",
        "The neuron whose v(t) and s(t) are shown; or click its row in the raster",
        integer=True,
        label="neuron",
    )
    return type(f"PickParams{n}", (ParamSet,), {"neuron": neuron})


@dataclass
class Building(Unpaced):
    """Progress of the build (0 … 1), handed to the GUI between its steps."""

    fraction: float


def _join(parts: list[LIFNetworkChunk]) -> LIFNetworkChunk:
    """Consecutive chunks as one (they share the recorded neurons)."""
    if len(parts) == 1:
        return parts[0]
    return LIFNetworkChunk(
        np.concatenate([c.t for c in parts]),
        np.concatenate([c.spike_times for c in parts]),
        np.concatenate([c.spike_indices for c in parts]),
        np.concatenate([c.rate for c in parts]),
        np.concatenate([c.v for c in parts]),
        np.concatenate([c.s for c in parts]),
        parts[-1].record,
    )


def network_run(
    net: NetworkBuildParams,
    bias: BiasParams,
    lif: LIFParams,
    picked: int,
    chunk_ms: float,
    stop: threading.Event | None = None,
    stop_after: float | None = None,
):
    """Build the network (yielding :class:`Building` progress, then the network), then
    stream it in chunks of ``chunk_ms`` until ``stop_after`` ms (None: until stopped);
    updates sent in pass through to the core (``{"t_end": ms}`` moves the end).

    A big chunk (more than :data:`SPLIT_WORK` synapse-steps) is computed in parts
    of about :data:`PART_WORK` synapse-steps and handed over early if it takes
    longer than :data:`CHUNK_WALL_S`; between parts (and build steps) a set
    ``stop`` ends the generator.
    """
    stop = stop or threading.Event()
    steps = build_steps(net, bias)
    pending: dict = {}  # updates sent during the build apply from the first chunk
    while True:
        try:
            fraction = next(steps)
        except StopIteration as done:
            built = done.value
            break
        if stop.is_set():
            return
        pending.update((yield Building(fraction)) or {})
    pending.update((yield built) or {})
    n_chunk = max(1, int(round(chunk_ms / net.dt)))
    nnz = max(built.W.nnz, 1)
    n_part = n_chunk if nnz * n_chunk <= SPLIT_WORK else max(1, min(n_chunk, PART_WORK // nnz))
    gen = stream_lif(
        built.W,
        pending.get("stimulus", built.J),
        net.dt,
        net.tau_s,
        pending.get("params", lif),
        v0=built.v0,
        record=pending.get("record", [picked]),
        chunk_ms=n_part * net.dt,
        t_end=pending.get("t_end", stop_after),
    )
    updates = None
    ended = False
    while not ended:
        parts: list[LIFNetworkChunk] = []
        n_steps, started = 0, time.perf_counter()
        while n_steps < n_chunk and not stop.is_set():
            try:
                part = gen.send(updates) if updates else next(gen)
            except StopIteration:
                ended = True
                break
            updates = None
            parts.append(part)
            n_steps += part.t.size
            if time.perf_counter() - started > CHUNK_WALL_S:
                break
        if stop.is_set():
            return
        if parts:
            updates = yield _join(parts)


class SpikingNetworkView(QWidget):
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.built: Built | None = None
        self.picked = 0
        self.frames = 0  # redraws done (read by the GUI probe)
        self._net: NetworkBuildParams | None = None  # the network of the current run
        self._chunk = 0.0
        self._stop = threading.Event()
        self._banner_refusal = False
        self.controls_box = QVBoxLayout()
        run_box = QGroupBox("Run")
        form = QFormLayout(run_box)
        buttons, (self.start_button, self.stop_button) = button_row(
            (
                "Start",
                "Build the network and run it live; pause or resume (Space)",
                self.toggle_run,
            ),
            ("Stop", "Stop the run; what it recorded stays for export", self.stop),
        )
        form.addRow(buttons)
        self.busy = QProgressBar()
        self.busy.setRange(0, 100)
        self.busy.setTextVisible(False)
        self.busy.setToolTip("Building the network")
        form.addRow("Build", self.busy)
        self.summary = QLabel("Not built yet: Start (Space) builds and runs it")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        form.addRow(self.summary)
        self.controls_box.addWidget(run_box)
        self.run_panel = ParamPanel(RunParams(), "Run length (changes apply live)")
        self.run_panel.reset_button.hide()
        self.controls_box.addWidget(self.run_panel)
        self.banner = banner_label()
        self.controls_box.addWidget(self.banner)
        # The "Shown neuron" box is rebuilt when N changes; its holder stays (a lesson
        # locks or hides the holder).
        self.pick_holder = QWidget()
        self._pick_layout = QVBoxLayout(self.pick_holder)
        self._pick_layout.setContentsMargins(0, 0, 0, 0)
        self.controls_box.addWidget(self.pick_holder)
        self.pick_panel: ParamPanel | None = None
        self._set_pick_range(NetworkBuildParams().N)

        self.net = ParamPanel(NetworkBuildParams(), "Network (changes restart the run)")
        self.bias = ParamPanel(BiasParams(), "Input (changes apply live)")
        self.lif = ParamPanel(LIFParams(), "Neurons (changes apply live)", hide=("v0",))
        self.screen = ParamPanel(ScreenParams(), "Screen")
        self._shown = {self.run_panel: self.run_panel.values()}
        self.run_panel.refused.connect(self._panel_refused)
        self.run_panel.changed.connect(self._run_changed)
        for panel in (self.net, self.bias, self.lif, self.screen):
            self.controls_box.addWidget(panel)
            panel.refused.connect(self._panel_refused)
            self._shown[panel] = panel.values()
        self.controls_box.addStretch(1)
        self.net.changed.connect(self._network_changed)
        self.bias.changed.connect(self._bias_changed)
        self.lif.changed.connect(self._lif_changed)
        self.screen.changed.connect(self._screen_changed)
        scroll = control_column(self.controls_box, max_width=380)

        self.plot = PlotPanel("Spiking network")
        self.p_raster = self.plot.add_plot("t", "ms", "neuron", "", legend=False)
        self.p_rate = self.plot.add_plot(
            "t", "ms", "population rate", "Hz", link_x=self.p_raster, legend=False
        )
        # One curve each, named by the axis: no legend to cover the trace.
        self.p_v = self.plot.add_plot("t", "ms", "v", "", link_x=self.p_raster, legend=False)
        self.p_s = self.plot.add_plot("t", "ms", "s", "", link_x=self.p_raster, legend=False)
        self.plot.view.setToolTip(
            "Click a row of the raster to show that neuron's v(t) and s(t), "
            "or type its number in the Shown neuron box"
        )
        layout = self.plot.view.ci.layout
        for row, stretch in enumerate((4, 1.5, 1.5, 1.5)):
            layout.setRowStretchFactor(row, int(stretch * 2))
        self.image = pg.ImageItem(axisOrder="col-major")
        lut = np.array([[255, 255, 255]] + [[0, 40, 120]] * 255, dtype=np.ubyte)
        lut[1:, :] = np.linspace([150, 170, 210], [0, 20, 90], 255).astype(np.ubyte)
        self.image.setLookupTable(lut)
        self.p_raster.addItem(self.image)
        self.pick_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(PALETTE[1], width=1, style=Qt.PenStyle.DashLine)
        )
        self.p_raster.addItem(self.pick_line, ignoreBounds=True)
        self.p_raster.scene().sigMouseClicked.connect(self._clicked)
        self.rate_curve = PlotPanel.add_curve(self.p_rate, "population rate", 0)
        self.v_curve = PlotPanel.add_curve(self.p_v, "v", 3)
        self.s_curve = PlotPanel.add_curve(self.p_s, "s", 2)
        self.p_v.addItem(
            pg.InfiniteLine(pos=1.0, angle=0, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
        )
        self.p_v.setYRange(-0.05, 1.1)
        self.hint = pg.TextItem(
            "Press Start (Space) to build and run", color="#333", anchor=(0.5, 0.5)
        )
        font = QFont()
        font.setPointSizeF(13.0)
        self.hint.setFont(font)
        self.p_raster.addItem(self.hint, ignoreBounds=True)
        fit_hint(self.hint, self.p_raster)  # whole even in a plot narrower than the text
        self.plot.metadata = self.parameters
        self.plot.exported.connect(self._saved)

        self.heatmap = WeightHeatmap("Weights W[j, i]")
        self.heatmap.clear(NOT_BUILT)
        self.rates = PlotPanel("Firing rates")
        self.p_hist = self.rates.add_plot("rate", "Hz", "neurons", "", legend=False)
        self.hist = pg.BarGraphItem(x0=[], x1=[], height=[], brush=PALETTE[0], pen=None)
        self.p_hist.addItem(self.hist)
        self.rates.metadata = self.parameters
        self.rates.exported.connect(self._saved)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.heatmap)
        side.addWidget(self.rates)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.plot)
        main.addWidget(side)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 1)
        outer = QHBoxLayout(self)
        outer.addWidget(scroll)
        outer.addWidget(main, 1)

        self.runner = Runner(self)
        self.runner.chunk.connect(self._on_item)
        self.runner.failed.connect(self._failed)
        self.runner.stateChanged.connect(self._state)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.redraw)
        self._reset_buffers(NetworkBuildParams().N)
        self._show_pick()
        self.redraw()

    # -- state ----------------------------------------------------------------------
    def parameters(self) -> dict:
        return spiking_parameters(self._panel_values(), self.picked)

    def _panel_values(self) -> dict[str, ParamSet]:
        return {
            "network": self.net.values(),
            "input": self.bias.values(),
            "neurons": self.lif.values(),
            "screen": self.screen.values(),
            "run": self.run_panel.values(),
        }

    # -- experiment files -------------------------------------------------------------
    def state(self) -> dict:
        """The settings as ``tabstate.network.SPIKING`` declares them (cheap: no arrays)."""
        out = {key: p.as_dict() for key, p in self._panel_values().items()}
        out["picked_neuron"] = self.picked
        return out

    def set_state(self, state: dict) -> None:
        """Stop any run, show the settings of a validated state, and clear what the last
        run recorded (it belongs to other settings); nothing starts."""
        self._stop.set()
        self.runner.cancel(wait=True)
        self._timer.stop()
        for key, panel in (
            ("network", self.net),
            ("input", self.bias),
            ("neurons", self.lif),
            ("screen", self.screen),
            ("run", self.run_panel),
        ):
            panel.set_values(state[key], emit=False)
            panel.clear_message()
            self._shown[panel] = panel.values()
        n = state["network"].N
        self.picked = min(state["picked_neuron"], n - 1)
        self._set_pick_range(n)
        self.pick_panel.set_values(  # type: ignore[union-attr]
            self.pick_panel.values().copy(neuron=self.picked),  # type: ignore[union-attr]
            emit=False,
        )
        self.banner.hide()
        self._banner_refusal = False
        self.built, self._net = None, None
        self._reset_buffers(n)
        self.busy.setValue(0)
        self.summary.setText("Not built yet: Start (Space) builds and runs it")
        self.heatmap.clear(NOT_BUILT)
        self.hint.show()
        self._show_pick()
        self._dirty = True
        self.redraw()

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        return {
            ("network",): self.net,
            ("input",): self.bias,
            ("neurons",): self.lif,
            ("screen",): self.screen,
            ("run",): self.run_panel,
            ("picked_neuron",): self.pick_holder,
        }

    def _reset_buffers(self, n: int) -> None:
        window = self.screen.values().window
        self.raster = RasterImage(n, window, n_bins=1000, max_rows=1000)
        self.trace = ScrollingTrace(window, ("v", "s"))
        self.counts = np.zeros(n, dtype=np.int64)
        self.kept: list[tuple[np.ndarray, np.ndarray]] = []
        self.n_kept = 0
        self.t_now = 0.0
        self._dirty = True
        self.p_raster.setYRange(0, n, padding=0)
        self.hint.setPos(window / 2, n / 2)

    # -- run control ----------------------------------------------------------------
    @property
    def run_state(self) -> str:
        """ "idle", "running" or "paused" (``state()`` is the experiment-file state)."""
        return self.runner.state

    def toggle_run(self) -> None:
        if self.runner.state == "idle":
            self.start()
        else:
            self.runner.toggle_pause()

    def start(self, paused: bool = False) -> None:
        """Build the network and run it; with ``paused`` it is built and waits for Resume."""
        net, bias = self.net.values(), self.bias.values()
        try:
            net.check()
            bias.check()
        except ParamError as err:
            self._refuse(str(err))
            return
        self._clear_refusals()
        self._set_pick_range(net.N)
        self._reset_buffers(net.N)
        self._show_pick()
        self.built = None
        self.hint.hide()
        lif, picked = self.lif.values(), self.picked
        chunk_ms = self._chunk_ms(net.dt, self.screen.values().speed)
        self._net, self._chunk = net, chunk_ms
        self._stop.set()  # a previous run's parts stop at once
        stop = self._stop = threading.Event()
        # Paused: the build goes on (its progress is Unpaced), the run waits for Resume.
        stop_after = self.run_panel.values().stop_after
        self.runner.start(
            lambda: network_run(net, bias, lif, picked, chunk_ms, stop, stop_after),
            pace=chunk_ms / self.screen.values().speed,
            paused=paused,
        )
        # After start(): the previous run's end ("idle") has been shown by now.
        self.busy.setValue(0)
        self.summary.setText(f"Building {net.N:,} neurons…")
        self.heatmap.clear(f"building {net.N:,} neurons…")
        self._timer.start()

    @staticmethod
    def _chunk_ms(dt: float, speed: float) -> float:
        """Simulated ms per chunk: about CHUNKS_PER_S chunks a second, 2–20 ms, whole steps."""
        return max(dt, round(min(max(speed / CHUNKS_PER_S, 2.0), 20.0) / dt) * dt)

    def stop(self) -> None:
        self._stop.set()
        self.runner.cancel(wait=False)

    def shutdown(self) -> None:
        self._timer.stop()
        self._stop.set()
        self.runner.cancel(wait=True)

    # -- messages -------------------------------------------------------------------
    def _refuse(self, text: str) -> None:
        self.banner.setText(f"Refused: {text}")
        self.banner.show()
        self._banner_refusal = True
        self.status.emit(f"Refused: {text}")

    def _panel_refused(self, text: str) -> None:
        self.status.emit(f"Refused: {text}")

    def _clear_refusals(self) -> None:
        """A valid change: earlier "Refused: …" lines are out of date."""
        if self._banner_refusal:
            self.banner.hide()
            self._banner_refusal = False
        panels = (self.net, self.bias, self.lif, self.screen, self.run_panel, self.pick_panel)
        for panel in panels:
            if panel is not None:
                panel.clear_message()

    def _changed(self, panel: ParamPanel, values: ParamSet) -> str:
        """What changed in ``panel`` since its last announcement, by label."""
        text = values.changes_from(self._shown[panel])
        self._shown[panel] = values
        return text

    def _saved(self, path: str) -> None:
        self.status.emit(f"Saved {path}")

    # -- parameter changes ----------------------------------------------------------
    def _network_changed(self, net: NetworkBuildParams) -> None:
        what = self._changed(self.net, net)
        try:
            net.check()
        except ParamError as err:
            self._refuse(str(err))
            return
        self._clear_refusals()
        if self.runner.state == "idle":
            if self.built is None and net.N != self.raster.n_neurons:
                # Nothing recorded on screen: show the network-to-be's rows.
                self._set_pick_range(net.N)
                self._reset_buffers(net.N)
                self._show_pick()
                self.redraw()
            self.status.emit(f"Network: {what} — used when the run starts")
            return
        if net == self._net:
            return  # the running network already is this one
        paused = self.runner.state == "paused"
        self.start(paused=paused)
        if paused:
            self.status.emit(f"Network: {what} — rebuilt and kept paused (Resume or Space runs it)")
        else:
            self.status.emit(f"Network: {what} — rebuilding and restarting")

    def _bias_changed(self, bias: BiasParams) -> None:
        what = self._changed(self.bias, bias)
        try:
            bias.check()
        except ParamError as err:
            self._refuse(str(err))
            return
        self._clear_refusals()
        if self.runner.state != "idle" and self.built is not None:
            self.runner.send({"stimulus": bias_vector(self._net, bias)})
        self.status.emit(f"Network: input {what}{self._applies()}")

    def _lif_changed(self, lif: LIFParams) -> None:
        what = self._changed(self.lif, lif)
        self._clear_refusals()
        if self.runner.state != "idle":
            self.runner.send({"params": lif})
        self.status.emit(f"Network: neurons {what}{self._applies()}")

    def _applies(self) -> str:
        return " — applied live" if self.runner.state != "idle" else " — used when the run starts"

    def _run_changed(self, run: RunParams) -> None:
        what = self._changed(self.run_panel, run)
        self._clear_refusals()
        if self.runner.state != "idle":
            self.runner.send({"t_end": run.stop_after})
        self.status.emit(f"Network: {what}{self._applies()}")

    def _screen_changed(self, screen: ScreenParams) -> None:
        what = self._changed(self.screen, screen)
        self._clear_refusals()
        if self.runner.state != "idle":
            self.runner.set_pace(self._chunk / screen.speed)
        if screen.window != self.raster.window:
            # A new screen width needs new buffers, refilled from the recorded spikes.
            old, trace = self.raster, self.trace
            self.raster = RasterImage(old.n_neurons, screen.window, n_bins=1000, max_rows=1000)
            self.raster.advance(self.t_now)
            t_from = self.t_now - screen.window
            for times, idx in self.kept:
                if times.size and times[-1] >= t_from:
                    keep = times >= t_from
                    self.raster.add(times[keep], idx[keep], self.t_now)
            self.trace = ScrollingTrace(screen.window, ("v", "s"))
            self.trace.append(trace.t, trace.data)
            self.hint.setPos(screen.window / 2, old.n_neurons / 2)
            self._dirty = True
            self.redraw()
        self.status.emit(f"Network: screen {what}")

    # -- the shown neuron -----------------------------------------------------------
    def _set_pick_range(self, n: int) -> None:
        """A "Shown neuron" box for neurons 0 … n − 1 (rebuilt when N changes)."""
        if self.pick_panel is not None and self.pick_panel.values().declaration("neuron").high == (
            n - 1
        ):
            return
        self.picked = min(self.picked, n - 1)
        cls = pick_params(n)
        panel = ParamPanel(cls(neuron=self.picked), "Shown neuron (v and s)")
        panel.reset_button.hide()
        hint = QLabel("…or click its row in the raster")
        hint.setStyleSheet("color: #555;")
        panel.layout().insertWidget(1, hint)
        panel.changed.connect(lambda p: self.pick(p.neuron))
        panel.refused.connect(self._panel_refused)
        old = self.pick_panel
        if old is not None:
            self._pick_layout.removeWidget(old)
            old.hide()
            old.deleteLater()
        self._pick_layout.addWidget(panel)
        self.pick_panel = panel

    def pick(self, neuron: int) -> None:
        """Show v and s of ``neuron`` (from now on: only the picked neuron is recorded)."""
        n = self.raster.n_neurons
        self.picked = min(max(int(neuron), 0), n - 1)
        if self.pick_panel is not None and self.pick_panel.values().neuron != self.picked:
            self.pick_panel.set_values(
                self.pick_panel.values().copy(neuron=self.picked), emit=False
            )
        self.trace.clear()
        self._show_pick()
        if self.runner.state != "idle":
            self.runner.send({"record": [self.picked]})
        self._dirty = True
        self.status.emit(f"Network: showing v and s of neuron {self.picked}")

    def _show_pick(self) -> None:
        self.pick_line.setPos(self.picked + 0.5)
        for plot, name in ((self.p_v, "v"), (self.p_s, "s")):
            plot.setTitle(f"{name}(t) of neuron {self.picked}")

    def row_point(self, neuron: int) -> QPoint:
        """The middle of ``neuron``'s raster row, in the view's widget coordinates."""
        (x0, x1), _ = self.p_raster.vb.viewRange()
        scene = self.p_raster.vb.mapViewToScene(QPointF((x0 + x1) / 2, neuron + 0.5))
        return self.plot.view.mapFromScene(scene)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.p_raster.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        # The neuron under the pointer (clamped: the edge rows are half a pixel from the edge).
        y = vb.mapSceneToView(event.scenePos()).y()
        self.pick(min(max(math.floor(y), 0), self.raster.n_neurons - 1))

    # -- data in --------------------------------------------------------------------
    def _on_item(self, item) -> None:
        if isinstance(item, Building):
            self.busy.setValue(round(100 * item.fraction))
            return
        if isinstance(item, Built):
            self.built = item
            self.busy.setValue(100)
            n, n_syn = item.W.shape[0], item.W.nnz
            self.summary.setText(f"{n:,} neurons, {n_syn:,} synapses")
            self.heatmap.set_matrix(item.W, "from neuron j", "to neuron i")
            return
        spk_t, spk_i = item.spike_times, item.spike_indices
        self.t_now = float(item.t[-1]) + self._net.dt
        self.raster.add(spk_t, spk_i, self.t_now)
        self.counts += np.bincount(spk_i, minlength=self.counts.size)
        if spk_t.size:
            self.kept.append((spk_t, spk_i))
            self.n_kept += spk_t.size
            # Whole chunks go once the rest holds the newest MAX_KEPT_SPIKES (data()
            # exports exactly those, however the run was chunked).
            while len(self.kept) > 1 and self.n_kept - self.kept[0][0].size >= MAX_KEPT_SPIKES:
                self.n_kept -= self.kept.pop(0)[0].size
        if item.record.size and item.record[0] == self.picked:
            self.trace.append(item.t, {"v": item.v[:, 0], "s": item.s[:, 0]})
        self._dirty = True

    def _failed(self, text: str) -> None:
        last = text.strip().splitlines()[-1]
        self.banner.setText(f"The network stopped with an error: {last}")
        self.banner.setToolTip(text)
        self.banner.show()
        self._banner_refusal = False
        print(text, file=sys.stderr)
        self.status.emit(f"Network: error — {last}")

    def _state(self, state: str) -> None:
        labels = {"idle": "Start", "running": "Pause", "paused": "Resume"}
        self.start_button.setText(labels[state])
        if state == "idle":
            if self.built is None:
                self.busy.setValue(0)
                self.summary.setText("Stopped before the network was built")
                self.heatmap.clear(NOT_BUILT)
            self._dirty = True
            self.redraw()
            self._timer.stop()
            stop_after = self.run_panel.values().stop_after
            if self.built is not None and self.t_now >= stop_after - 0.5 * self._net.dt:
                self.status.emit(
                    f"Network: spiking run finished at {self.t_now:g} ms (stop after "
                    f"{stop_after:g} ms); Start runs it again from t = 0"
                )
                return
        self.status.emit(f"Network: spiking run {state if state != 'idle' else 'stopped'}")

    # -- drawing --------------------------------------------------------------------
    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.frames += 1
        r = self.raster
        img = r.image()
        top = max(1.0, float(img.max()) * 0.7)
        self.image.setImage(img, autoLevels=False, levels=(0.0, top))
        self.image.setRect(QRectF(r.t_start, 0.0, r.window, r.n_rows * r.per_row))
        self.p_raster.setXRange(*r.view_range(), padding=0)
        t, rate = r.rate()
        self.rate_curve.setData(t, rate)
        self.v_curve.setData(self.trace.t, self.trace.data["v"])
        self.s_curve.setData(self.trace.t, self.trace.data["s"])
        if self.frames % HISTOGRAM_EVERY == 1 or self.runner.state == "idle":
            self._draw_histogram()

    def firing_rates(self) -> np.ndarray:
        """Mean rate of every neuron since the start of the run (Hz)."""
        return self.counts * (1000.0 / self.t_now) if self.t_now > 0 else self.counts * 0.0

    def _draw_histogram(self) -> None:
        rates = self.firing_rates()
        if self.t_now <= 0:
            self.hist.setOpts(x0=[], x1=[], height=[])
            self.p_hist.setTitle(None)
            return
        top = max(1.0, float(rates.max()))
        edges = np.linspace(0.0, top * 1.0001, 41)
        h, _ = np.histogram(rates, edges)
        self.hist.setOpts(x0=edges[:-1], x1=edges[1:], height=h)
        self.p_hist.setTitle(f"mean {rates.mean():.1f} Hz, {self.t_now / 1000:.2f} s", size="9pt")

    # -- export ---------------------------------------------------------------------
    def data(self) -> dict[str, np.ndarray]:
        """Spikes (the newest ≤ 10 M), rates, population rate, weights as (from, to, value)
        triplets with int32 indices, J and v₀ (see ``tabstate.network.spiking_arrays``)."""
        if self.built is None:
            return {}
        if self.kept:
            times = np.concatenate([k[0] for k in self.kept])
            idx = np.concatenate([k[1] for k in self.kept])
        else:
            times, idx = np.empty(0), np.empty(0, np.int32)
        return spiking_arrays(self.built, times, idx, self.counts, self.t_now)

    def has_data(self) -> bool:
        """Whether a run has built a network to export (cheaper than data())."""
        return self.built is not None

    def for_format(
        self, arrays: dict[str, np.ndarray], fmt: str
    ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        """What of ``arrays`` (this view's ``data()``) to write as ``fmt`` ("csv" or
        "npz") and metadata to add: a CSV leaves out the weights of a network of more
        than ``CSV_MAX_SYNAPSES`` synapses (see ``tabstate.network.spiking_for_format``)."""
        if not arrays:
            return arrays, {}
        return spiking_for_format(arrays, self.built.W.nnz, fmt)

    def smoke_test(self) -> None:
        net = NetworkBuildParams(N=200, p=0.1)
        built = build_network(net, BiasParams())
        run = simulate_lif(built.W, built.J, 100.0, net.dt, net.tau_s, v0=built.v0)
        if run.spike_times.size == 0 or not np.isfinite(run.v).all():
            raise RuntimeError("the 200-neuron smoke network did not fire")
