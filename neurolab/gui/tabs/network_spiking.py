"""A spiking LIF network (SPEC §4) streaming live.

The raster scrolls as the network runs, the population rate sits below it, and
v(t), s(t) of one neuron — picked by clicking its row — below that.  Beside
them: the weight matrix (block means for a large network) and the
distribution of firing rates since the start.

Changes split in two: the neurons' τ_m and t_ref, the bias range and the
common input reach the running network at its next chunk; anything that
changes the network itself (N, connectivity, weights, τ_s, seed, dt)
rebuilds it and restarts the run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import scipy.sparse as sp
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.lif import LIFParams
from neurolab.core.network import random_bias, random_network, simulate_lif, stream_lif
from neurolab.core.params import Choice, Param, ParamError, ParamSet
from neurolab.gui.widgets.common import banner_label, control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel
from neurolab.gui.widgets.raster import RasterImage, ScrollingTrace
from neurolab.gui.widgets.weight_heatmap import WeightHeatmap
from neurolab.gui.worker import Runner

MAX_SYNAPSES = 20_000_000  # ~240 MB of CSR arrays; more would swamp a classroom PC
MAX_KEPT_SPIKES = 10_000_000  # spikes kept for "Export data" (the newest ones)
FRAME_MS = 33  # redraw at ~30 frames per second from the latest data
HISTOGRAM_EVERY = 15  # frames between updates of the rate distribution
CHUNKS_PER_S = 60  # chunks the worker hands over per second at the set speed


class NetworkBuildParams(ParamSet):
    """What the network is: changing any of these rebuilds it."""

    N = Param(1000, 2, 20_000, 1, "", "Number of neurons", integer=True, label="N")
    p = Param(0.1, 0.0, 1.0, 0.001, "", "Probability that neuron j connects to neuron i (j ≠ i)")
    w_mean = Param(
        0.0,
        -5.0,
        5.0,
        0.01,
        "",
        "Mean weight W[j, i]: the charge one spike of j adds to s_i (dimensionless)",
        label="w mean",
    )
    w_spread = Param(0.5, 0.0, 5.0, 0.01, "", "Standard deviation of the weights", label="w spread")
    signs = Choice(
        "mixed",
        ("mixed", "Dale's law"),
        "mixed: each weight keeps its drawn sign; Dale's law: every outgoing weight of an "
        "excitatory neuron is +|w|, of an inhibitory one −|w|",
    )
    exc_fraction = Param(
        0.8,
        0.0,
        1.0,
        0.05,
        "",
        "With Dale's law: the fraction of neurons that are excitatory (the first ones)",
        label="E fraction",
    )
    tau_s = Param(5.0, 0.1, 100.0, 0.1, "ms", "Synaptic time constant τ_s", label="τ_s")
    dt = Param(0.1, 0.01, 1.0, 0.01, "ms", "Integration time step", log=True)
    seed = Param(
        1,
        0,
        2**31 - 1,
        1,
        "",
        "Seed for connections, weights, biases and initial v",
        integer=True,
    )

    def check(self) -> None:
        """Refuse a network too large to build, naming the limit."""
        n_syn = self.N * (self.N - 1) * self.p
        if n_syn > MAX_SYNAPSES:
            raise ParamError(
                f"N = {self.N} with p = {self.p:g} gives about {n_syn:,.0f} synapses; "
                f"at most {MAX_SYNAPSES:,}: lower N or p"
            )


class BiasParams(ParamSet):
    """Input to every neuron: J_i drawn from [J low, J high] plus a common input.
    Changes reach a running network without restarting it."""

    J_low = Param(0.9, -2.0, 3.0, 0.01, "", "Lowest bias J_i (dimensionless)", label="J low")
    J_high = Param(1.5, -2.0, 3.0, 0.01, "", "Highest bias J_i (dimensionless)", label="J high")
    I_ext = Param(
        0.0, -2.0, 2.0, 0.01, "", "External input added to every neuron's bias", label="input"
    )

    def check(self) -> None:
        if self.J_low > self.J_high:
            raise ParamError(f"J low ({self.J_low:g}) must not exceed J high ({self.J_high:g})")


class ScreenParams(ParamSet):
    """How the run is shown: no effect on the simulation."""

    window = Param(500.0, 50.0, 5000.0, 10.0, "ms", "Width of the scrolling screen")
    speed = Param(
        500.0, 10.0, 5000.0, 10.0, "ms/s", "Simulated ms per real second (at most)", log=True
    )


@dataclass
class Built:
    """The network a run built, handed to the GUI before the first chunk."""

    W: sp.csr_matrix
    J: np.ndarray
    v0: np.ndarray


def build_network(net: NetworkBuildParams, bias: BiasParams) -> Built:
    """Weights, biases and initial v, all from the seed (the same seed, the same network)."""
    net.check()
    bias.check()
    W = random_network(
        net.N,
        net.p,
        net.w_mean,
        net.w_spread,
        net.seed,
        exc_fraction=net.exc_fraction if net.signs == "Dale's law" else None,
    )
    v0 = np.random.default_rng([net.seed, 2]).uniform(0.0, 1.0, net.N)
    return Built(W, bias_vector(net, bias), v0)


def bias_vector(net: NetworkBuildParams, bias: BiasParams) -> np.ndarray:
    """J_i: uniform in the range from a fixed draw per seed, so moving the range rescales it."""
    return random_bias(net.N, bias.J_low, bias.J_high, seed=[net.seed, 1]) + bias.I_ext


def network_run(
    net: NetworkBuildParams, bias: BiasParams, lif: LIFParams, picked: int, chunk_ms: float
):
    """Build the network (yielding it first), then stream it; updates pass through."""
    built = build_network(net, bias)
    yield built
    gen = stream_lif(
        built.W,
        built.J,
        net.dt,
        net.tau_s,
        lif,
        v0=built.v0,
        record=[picked],
        chunk_ms=chunk_ms,
    )
    item = next(gen)
    while True:
        updates = yield item
        item = gen.send(updates) if updates else next(gen)


class SpikingNetworkView(QWidget):
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.built: Built | None = None
        self.picked = 0
        self.frames = 0  # redraws done (read by the GUI probe)
        controls = QVBoxLayout()
        run_box = QGroupBox("Run")
        form = QFormLayout(run_box)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Build the network and run it live; pause or resume (Space)")
        self.start_button.clicked.connect(self.toggle_run)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run; what it recorded stays for export")
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.busy = QProgressBar()
        self.busy.setRange(0, 1)
        self.busy.setTextVisible(False)
        self.busy.setToolTip("Building the network")
        form.addRow("Build", self.busy)
        self.summary = QLabel("Not built yet")
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        form.addRow(self.summary)
        controls.addWidget(run_box)
        self.banner = banner_label()
        controls.addWidget(self.banner)

        self.net = ParamPanel(NetworkBuildParams(), "Network (changes restart the run)")
        self.bias = ParamPanel(BiasParams(), "Input (changes apply live)")
        self.lif = ParamPanel(LIFParams(), "Neurons (changes apply live)", hide=("v0",))
        self.screen = ParamPanel(ScreenParams(), "Screen")
        for panel in (self.net, self.bias, self.lif, self.screen):
            controls.addWidget(panel)
            panel.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        controls.addStretch(1)
        self.net.changed.connect(self._network_changed)
        self.bias.changed.connect(self._bias_changed)
        self.lif.changed.connect(self._lif_changed)
        self.screen.changed.connect(self._screen_changed)
        scroll = control_column(controls, max_width=380)

        self.plot = PlotPanel("Spiking network")
        self.p_raster = self.plot.add_plot("t", "ms", "neuron", "", legend=False)
        self.p_rate = self.plot.add_plot(
            "t", "ms", "population rate", "Hz", link_x=self.p_raster, legend=False
        )
        self.p_v = self.plot.add_plot("t", "ms", "v", "", link_x=self.p_raster, legend="left")
        self.p_s = self.plot.add_plot("t", "ms", "s", "", link_x=self.p_raster, legend="left")
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
        self.hint = pg.TextItem("Press Start (Space) to build and run", color="#666")
        self.p_raster.addItem(self.hint, ignoreBounds=True)
        self.plot.metadata = self.parameters

        self.heatmap = WeightHeatmap("Weights W[j, i]")
        self.rates = PlotPanel("Firing rates")
        self.p_hist = self.rates.add_plot("rate", "Hz", "neurons", "", legend=False)
        self.hist = pg.BarGraphItem(x0=[], x1=[], height=[], brush=PALETTE[0], pen=None)
        self.p_hist.addItem(self.hist)
        self.rates.metadata = self.parameters
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

    # -- state ----------------------------------------------------------------------
    def parameters(self) -> dict:
        return {
            "network": self.net.values().as_dict(),
            "input": self.bias.values().as_dict(),
            "neurons": self.lif.values().as_dict(),
            "screen": self.screen.values().as_dict(),
            "picked_neuron": self.picked,
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
        self.p_raster.setYRange(0, n, padding=0.01)

    # -- run control ----------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.runner.state

    def toggle_run(self) -> None:
        if self.runner.state == "idle":
            self.start()
        else:
            self.runner.toggle_pause()

    def start(self) -> None:
        net, bias = self.net.values(), self.bias.values()
        try:
            net.check()
            bias.check()
        except ParamError as err:
            self._refuse(str(err))
            return
        self.banner.hide()
        self.picked = min(self.picked, net.N - 1)
        self._reset_buffers(net.N)
        self._show_pick()
        self.built = None
        self.hint.hide()
        self.busy.setRange(0, 0)  # indeterminate until the network is built
        self.summary.setText(f"Building {net.N} neurons…")
        lif, picked = self.lif.values(), self.picked
        chunk_ms = self._chunk_ms(net.dt, self.screen.values().speed)
        self._net, self._chunk = net, chunk_ms
        self.runner.start(
            lambda: network_run(net, bias, lif, picked, chunk_ms),
            pace=chunk_ms / self.screen.values().speed,
        )
        self._timer.start()

    @staticmethod
    def _chunk_ms(dt: float, speed: float) -> float:
        """Simulated ms per chunk: about CHUNKS_PER_S chunks a second, 2–20 ms, whole steps."""
        return max(dt, round(min(max(speed / CHUNKS_PER_S, 2.0), 20.0) / dt) * dt)

    def stop(self) -> None:
        self.runner.cancel(wait=False)
        self.busy.setRange(0, 1)

    def shutdown(self) -> None:
        self._timer.stop()
        self.runner.cancel(wait=True)

    def _refuse(self, text: str) -> None:
        self.banner.setText(f"Refused: {text}")
        self.banner.show()
        self.status.emit(f"Refused: {text}")

    def _network_changed(self, net: NetworkBuildParams) -> None:
        try:
            net.check()
        except ParamError as err:
            self._refuse(str(err))
            return
        self.banner.hide()
        if self.runner.state != "idle":
            self.status.emit("Network: the network changed — rebuilding and restarting")
            self.start()

    def _bias_changed(self, bias: BiasParams) -> None:
        try:
            bias.check()
        except ParamError as err:
            self._refuse(str(err))
            return
        self.banner.hide()
        if self.runner.state != "idle" and self.built is not None:
            self.runner.send({"stimulus": bias_vector(self._net, bias)})

    def _lif_changed(self, lif: LIFParams) -> None:
        if self.runner.state != "idle":
            self.runner.send({"params": lif})

    def _screen_changed(self, screen: ScreenParams) -> None:
        if self.runner.state != "idle":
            self.runner.set_pace(self._chunk / screen.speed)
        if screen.window != self.raster.window:
            # A new screen width needs new buffers; the recorded spikes stay.
            old = self.raster
            self.raster = RasterImage(old.n_neurons, screen.window, n_bins=1000, max_rows=1000)
            self.raster.advance(self.t_now)
            self.trace = ScrollingTrace(screen.window, ("v", "s"))
            self._dirty = True

    def pick(self, neuron: int) -> None:
        """Show v and s of ``neuron`` (from now on: only the picked neuron is recorded)."""
        n = self.raster.n_neurons
        self.picked = min(max(int(neuron), 0), n - 1)
        self.trace.clear()
        self._show_pick()
        if self.runner.state != "idle":
            self.runner.send({"record": [self.picked]})
        self.status.emit(f"Network: showing v and s of neuron {self.picked}")

    def _show_pick(self) -> None:
        self.pick_line.setPos(self.picked + 0.5)
        for plot, name in ((self.p_v, "v"), (self.p_s, "s")):
            plot.setTitle(f"{name}(t) of neuron {self.picked} — click a raster row to pick another")

    def row_point(self, neuron: int) -> QPoint:
        """The middle of ``neuron``'s raster row, in the view's widget coordinates."""
        r = self.raster
        scene = self.p_raster.vb.mapViewToScene(QPointF(r.t_start + r.window / 2, neuron + 0.5))
        return self.plot.view.mapFromScene(scene)

    def _clicked(self, event) -> None:
        vb = self.p_raster.getViewBox()
        if not self.p_raster.sceneBoundingRect().contains(event.scenePos()):
            return
        y = vb.mapSceneToView(event.scenePos()).y()
        if 0 <= y < self.raster.n_neurons + self.raster.per_row:
            self.pick(self.raster.neuron_at_row(y / self.raster.per_row))

    # -- data in --------------------------------------------------------------------
    def _on_item(self, item) -> None:
        if isinstance(item, Built):
            self.built = item
            self.busy.setRange(0, 1)
            self.busy.setValue(1)
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
            while self.n_kept > MAX_KEPT_SPIKES and len(self.kept) > 1:
                self.n_kept -= self.kept.pop(0)[0].size
        if item.record.size and item.record[0] == self.picked:
            self.trace.append(item.t, {"v": item.v[:, 0], "s": item.s[:, 0]})
        self._dirty = True

    def _failed(self, text: str) -> None:
        last = text.strip().splitlines()[-1]
        self.banner.setText(f"The network stopped with an error: {last}")
        self.banner.setToolTip(text)
        self.banner.show()
        self.busy.setRange(0, 1)
        print(text, file=sys.stderr)
        self.status.emit(f"Network: error — {last}")

    def _state(self, state: str) -> None:
        labels = {"idle": "Start", "running": "Pause", "paused": "Resume"}
        self.start_button.setText(labels[state])
        if state == "idle":
            self.busy.setRange(0, 1)
            self.redraw()
            self._timer.stop()
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
        self.p_raster.setXRange(r.t_start, r.t_start + r.window, padding=0)
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
            return
        top = max(1.0, float(rates.max()))
        edges = np.linspace(0.0, top * 1.0001, 41)
        h, _ = np.histogram(rates, edges)
        self.hist.setOpts(x0=edges[:-1], x1=edges[1:], height=h)
        self.p_hist.setTitle(f"mean {rates.mean():.1f} Hz over {self.t_now / 1000:.2f} s")

    # -- export ---------------------------------------------------------------------
    def data(self) -> dict[str, np.ndarray]:
        """Spikes (the newest ≤ 10 M), rates, population rate, weights (COO), J and v₀."""
        if self.built is None:
            return {}
        n = self.built.W.shape[0]
        if self.kept:
            times = np.concatenate([k[0] for k in self.kept])
            idx = np.concatenate([k[1] for k in self.kept])
        else:
            times, idx = np.empty(0), np.empty(0, np.int64)
        bins = np.arange(0.0, max(self.t_now, 1.0) + 1.0, 1.0)
        pop, _ = np.histogram(times, bins)
        coo = self.built.W.tocoo()
        return {
            "spike_times": times,
            "spike_indices": idx,
            "rate_per_neuron": self.firing_rates(),
            "population_rate_t": bins[:-1],
            "population_rate": pop * (1000.0 / n),
            "W_from": coo.row.astype(np.int64),
            "W_to": coo.col.astype(np.int64),
            "W_value": coo.data,
            "J": self.built.J,
            "v0": self.built.v0,
        }

    def smoke_test(self) -> None:
        net = NetworkBuildParams(N=200, p=0.1)
        built = build_network(net, BiasParams())
        run = simulate_lif(built.W, built.J, 100.0, net.dt, net.tau_s, v0=built.v0)
        if run.spike_times.size == 0 or not np.isfinite(run.v).all():
            raise RuntimeError("the 200-neuron smoke network did not fire")
