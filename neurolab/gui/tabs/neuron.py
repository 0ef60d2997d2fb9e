"""The Neuron tab: one neuron, live like an oscilloscope or run once, with its tuning curves."""

from __future__ import annotations

import sys
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from neurolab.core import tabstate
from neurolab.core.tabstate import neuron as core
from neurolab.core.tabstate.neuron import LIVE, ONESHOT
from neurolab.gui import dialogs
from neurolab.gui.tabs.activation_view import ActivationView
from neurolab.gui.tabs.base import LabTab
from neurolab.gui.tabs.neuron_models import MODELS, ModelSpec
from neurolab.gui.tabs.tuning_view import TuningView
from neurolab.gui.widgets.common import banner_label, button_row, control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PlotPanel
from neurolab.gui.widgets.stimulus_editor import StimulusEditor
from neurolab.gui.widgets.stream_view import StreamView

__all__ = ["LIVE", "ONESHOT", "NeuronTab"]

LIVE_CHUNK_MS = 5.0  # simulated ms per live chunk: keeps slider-to-trace latency low


class _ModelPage:
    """Per-model widgets: parameter panels, stimulus editor and the streamed traces."""

    def __init__(self, spec: ModelSpec, parent: QWidget) -> None:
        self.spec = spec
        self.params = ParamPanel(spec.params_cls(), f"{spec.name} parameters")
        self.run = ParamPanel(spec.run_cls(), "Run")
        self.stimulus = StimulusEditor(spec.input_unit, spec.stimulus_overrides)
        self.plot = PlotPanel(f"{spec.name} traces")
        self.view = StreamView(self.plot, spec.plots, spec.bounds, parent=parent)
        self.view.show_window(spec.run_cls().window)

    def state(self) -> dict:
        return {
            "params": self.params.values().as_dict(),
            "run": self.run.values().as_dict(),
            "stimulus": self.stimulus.state(),
        }

    def set_state(self, state: dict) -> None:
        """Show a validated model section without announcing anything (the tab updates
        what depends on it once); the traces of an earlier run are dropped."""
        self.params.set_values(state["params"], emit=False)
        self.run.set_values(state["run"], emit=False)
        self.stimulus.blockSignals(True)
        try:
            self.stimulus.set_state(state["stimulus"])
        finally:
            self.stimulus.blockSignals(False)
        self.stimulus.set_dt(self.run.values().dt)
        self.view.forget(self.run.values().window)


class NeuronTab(LabTab):
    title = "Neuron"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = {key: _ModelPage(spec, self) for key, spec in MODELS.items()}
        for page in self.pages.values():
            page.view.failed.connect(self._on_failed)
            page.view.diverged.connect(self._on_diverged)
            page.view.finished.connect(self._on_finished)
            page.view.stateChanged.connect(self._on_state)
            page.view.progress.connect(self._on_progress)
        self.mode = LIVE
        self._restart_pending = False
        self._run_info: dict | None = None
        self.run_key = "hh"
        self._build()
        self._model_changed()
        for page in self.pages.values():
            self._fit_preview(page)

    # -- layout ---------------------------------------------------------------
    def _build(self) -> None:
        controls = QWidget()
        col = QVBoxLayout(controls)
        top = QGroupBox("Model and run")
        form = QFormLayout(top)
        self.model_box = QComboBox()
        self.model_box.setObjectName("model")
        for key, spec in MODELS.items():
            self.model_box.addItem(spec.name, key)
        self.model_box.setToolTip("Which neuron model to simulate")
        self.model_box.currentIndexChanged.connect(self._model_changed)
        self.mode_box = QComboBox()
        self.mode_box.addItem("Live (oscilloscope)", LIVE)
        self.mode_box.addItem("One-shot (fixed duration)", ONESHOT)
        self.mode_box.setToolTip(
            "Live: runs continuously, sweeping across the screen; sliders act at once.\n"
            "One-shot: runs the set duration once, with a progress bar."
        )
        self.mode_box.currentIndexChanged.connect(self._mode_changed)
        form.addRow("Model", self.model_box)
        form.addRow("Mode", self.mode_box)
        buttons, (self.start_button, self.stop_button) = button_row(
            ("Start", "Start the simulation; pause or resume it (Space)", self.toggle_run),
            ("Stop", "Stop the simulation and keep what was computed", self.stop),
        )
        form.addRow(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("%p %")
        form.addRow("Progress", self.progress)
        col.addWidget(top)

        self.banner = banner_label()
        col.addWidget(self.banner)

        self.param_stack = QStackedWidget()
        self.stim_stack = QStackedWidget()
        self.run_stack = QStackedWidget()
        self.trace_stack = QStackedWidget()
        for key, page in self.pages.items():
            self.param_stack.addWidget(page.params)
            self.stim_stack.addWidget(page.stimulus)
            self.run_stack.addWidget(page.run)
            self.trace_stack.addWidget(page.plot)
            page.params.changed.connect(self._params_changed)
            page.params.changed.connect(lambda p, k=key: self.tuning.set_model_params(k, p))
            page.stimulus.changed.connect(self._stimulus_changed)
            page.run.changed.connect(self._run_params_changed)
            for panel in (page.params, page.run, *page.stimulus.panels.values()):
                panel.refused.connect(lambda text: self.status.emit(f"Refused: {text}"))
            page.plot.metadata = self.run_parameters
        col.addWidget(self.stim_stack)
        col.addWidget(self.param_stack)
        col.addWidget(self.run_stack)
        col.addStretch(1)

        # The equations sit above the traces they produce, with the current values.
        self.equations = QLabel()
        self.equations.setObjectName("equations")
        self.equations.setWordWrap(True)
        self.equations.setTextFormat(Qt.TextFormat.RichText)
        self.equations.setStyleSheet(
            "background: #f4f7fb; border: 1px solid #c8d3e0; padding: 4px 8px;"
        )
        traces = QWidget()
        tl = QVBoxLayout(traces)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.equations)
        tl.addWidget(self.trace_stack, 1)

        scroll = control_column(controls, min_width=400)

        self.views = QTabWidget()
        self.views.addTab(traces, "Traces")
        self.tuning = TuningView()
        self.tuning.status.connect(self.status.emit)
        self.views.addTab(self.tuning, "Tuning curves")
        self.activations = ActivationView()
        self.views.addTab(self.activations, "Activation functions")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 860])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    # -- accessors --------------------------------------------------------------
    @property
    def key(self) -> str:
        return self.model_box.currentData()

    @property
    def page(self) -> _ModelPage:
        return self.pages[self.key]

    @property
    def view(self) -> StreamView:
        return self.page.view

    @property
    def runner(self):
        return self.page.view.runner

    @property
    def sweep(self):
        return self.page.view.sweep

    def set_model(self, key: str) -> None:
        self.model_box.setCurrentIndex(list(MODELS).index(key))

    def set_mode(self, mode: str) -> None:
        self.mode_box.setCurrentIndex(0 if mode == LIVE else 1)

    def current_plot(self) -> PlotPanel:
        view = self.views.currentWidget()
        if view is self.tuning:
            return self.tuning.plot
        if view is self.activations:
            return self.activations.plot
        return self.page.plot

    # -- run control ----------------------------------------------------------------
    def toggle_run(self) -> None:
        if self.views.currentIndex() != 0 and self.runner.state == "idle":
            # Nothing to run in the tuning or activation views; a run out of sight
            # would only surprise (the other tabs say the same).
            self.status.emit("Neuron: this view updates as you edit; Space runs “Traces”")
            return
        if self.runner.state == "idle" or (self.runner.state == "paused" and self._restart_pending):
            self.start()
        else:
            self.runner.toggle_pause()

    def start(self) -> None:
        """Start a run of the current model in the current mode (cancels any other)."""
        page, spec = self.page, self.page.spec
        params, stim, run = page.params.values(), page.stimulus.stimulus(), page.run.values()
        self.banner.hide()
        self.run_key = self.key
        self._restart_pending = False
        self._run = run
        page.stimulus.set_dt(run.dt)
        live = self.mode == LIVE
        if live:
            chunk_ms = max(run.dt, LIVE_CHUNK_MS)
            pace, span = chunk_ms / run.speed, run.window
        else:
            pace, span = None, run.duration
        self.progress.setValue(0)
        self.progress.setEnabled(not live)
        if getattr(stim, "kind", "") == "sine" and stim.frequency * run.dt > 250.0:
            # Fewer than 4 samples per period: the sine aliases into a slower wave.
            self.status.emit(
                f"Neuron: warning — a {stim.frequency:g} Hz sine needs dt below "
                f"{250.0 / stim.frequency:.3g} ms to be drawn faithfully (dt = {run.dt:g} ms)"
            )
        module, key = spec.module, self.key
        self._started = time.perf_counter()
        # A one-shot run records what it ran with (the settings may change afterwards);
        # a live run's export takes the settings at the time of export.
        self._run_info = None if live else self._parameters(key, ONESHOT)
        if live:
            factory = lambda: module.stream(stim, params, dt=run.dt, chunk_ms=chunk_ms)  # noqa: E731
        else:
            # The same generator as the headless run (neurolab.core.tabstate.neuron).
            factory = lambda: core.one_shot_stream(key, params, stim, run)  # noqa: E731
        page.view.start(
            factory,
            live=live,
            dt=run.dt,
            span=span,
            pace=pace,
        )

    def stop(self) -> None:
        self.view.stop()

    # -- run events ---------------------------------------------------------------
    def _on_progress(self, percent: int) -> None:
        self.progress.setValue(percent)

    def _on_diverged(self, text: str) -> None:
        self._show_banner(text)
        self.status.emit("Neuron: stopped — the simulation diverged")

    def _on_failed(self, text: str) -> None:
        last = text.strip().splitlines()[-1]
        self._show_banner(f"The simulation stopped with an error: {last}")
        self.banner.setToolTip(text)
        print(text, file=sys.stderr)
        self.status.emit(f"Neuron: error — {last}")

    def _on_finished(self, completed: bool) -> None:
        if completed and self.mode == ONESHOT:
            dt = time.perf_counter() - self._started
            self.status.emit(
                f"Neuron: one-shot run of {self._run.duration:g} ms done in {dt:.2f} s"
            )

    def _on_state(self, state: str) -> None:
        labels = {"idle": "Start", "running": "Pause", "paused": "Resume"}
        self.start_button.setText(labels[state])
        if state != "idle":
            mode = "live" if self.mode == LIVE else "one-shot"
            self.status.emit(f"Neuron: {MODELS[self.run_key].name}, {mode} run {state}")
        elif not self.banner.isVisible() and not self.view.completed:
            self.status.emit("Neuron: stopped")

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setToolTip("")
        self.banner.show()

    # -- parameter changes ----------------------------------------------------------------
    def _model_changed(self, *_args) -> None:
        for page in self.pages.values():
            page.view.stop()
        self.banner.hide()
        i = self.model_box.currentIndex()
        for stack in (self.param_stack, self.stim_stack, self.run_stack, self.trace_stack):
            stack.setCurrentIndex(i)
        self._update_equations()
        self.status.emit(f"Neuron: {self.page.spec.name} selected")

    def _mode_changed(self, *_args) -> None:
        self.view.stop()
        self.mode = self.mode_box.currentData()
        self.progress.setValue(0)
        self.progress.setEnabled(self.mode == ONESHOT)
        for page in self.pages.values():
            self._fit_preview(page)

    def _fit_preview(self, page: _ModelPage) -> None:
        """The input preview spans what a run shows: the live screen or the one-shot."""
        run = page.run.values()
        page.stimulus.set_span(run.window if self.mode == LIVE else run.duration)

    def _live_here(self) -> bool:
        return self.runner.state != "idle" and self.run_key == self.key and self.mode == LIVE

    def _params_changed(self, params) -> None:
        self._update_equations()
        if self._live_here():
            self.view.send({"params": params})

    def _stimulus_changed(self, stim) -> None:
        self._update_equations()
        if self._live_here():
            self.view.send({"stimulus": stim})

    def _run_params_changed(self, run) -> None:
        self.page.stimulus.set_dt(run.dt)
        self._fit_preview(self.page)
        if not self._live_here():
            return
        if (run.dt, run.window) != (self._run.dt, self._run.window):
            if self.runner.state == "paused":
                # Keep the paused screen; the new time grid starts on resume.
                self._restart_pending = True
                self.status.emit("Neuron: the new dt/window takes effect when you resume")
            else:
                self.start()  # the time grid changed: a fresh sweep
        elif run.speed != self._run.speed:
            self._run = run
            self.runner.set_pace(max(run.dt, LIVE_CHUNK_MS) / run.speed)

    def _update_equations(self) -> None:
        page = self.page
        self.equations.setText(page.spec.equations(page.params.values(), page.stimulus.stimulus()))

    # -- export -----------------------------------------------------------------------
    def recorded_data(self) -> dict[str, np.ndarray]:
        """Every array recorded by the last run (live: the current screenful), in time order."""
        return self.pages[self.run_key].view.recorded()

    def _parameters(self, key: str, mode: str) -> dict:
        page = self.pages[key]
        return core.trace_parameters(
            key,
            mode,
            page.params.values(),
            page.stimulus.key(),
            page.stimulus.stimulus(),
            page.run.values(),
        )

    def run_parameters(self) -> dict:
        """The parameters of the last run (a one-shot run: those it ran with; live: the
        current ones), or the current settings before any run."""
        info = getattr(self, "_run_info", None)
        if info is not None and info["model"] == self.run_key:
            return info
        return self._parameters(self.run_key, self.mode)

    def export_output(self) -> tabstate.Output:
        """What File ▸ Export data writes for the view shown (see tabstate.neuron)."""
        view = self.views.currentWidget()
        if view is self.tuning:
            return tabstate.Output(*self.tuning.output(), "tuning")
        if view is self.activations:
            return tabstate.Output(*self.activations.output(), "activations")
        return tabstate.Output(self.recorded_data(), self.run_parameters(), "traces")

    def export_data(self) -> None:
        view = self.views.currentWidget()
        if view is self.tuning:
            name = "neuron_tuning.csv"
        elif view is self.activations:
            name = "neuron_activations.csv"
        else:
            if not self.recorded_data():
                self.status.emit("Neuron: nothing to export yet — run a simulation first (Space)")
                return
            name = f"neuron_{self.run_key}.csv"
        path = dialogs.save_file(
            self, "Export data", name, "CSV table (*.csv);;NumPy archive (*.npz)"
        )
        if path:
            self.write_data(path, lambda: self.save_data(path))

    def save_data(self, path: str) -> str:
        """Write the shown view's data to ``path`` (CSV or NPZ) with its parameters."""
        return tabstate.write(path, self.export_output(), self.title)

    # -- experiment files ---------------------------------------------------------------
    def state(self) -> dict:
        return {
            "model": self.key,
            "mode": self.mode,
            "view": core.VIEWS[self.views.currentIndex()],
            **{key: page.state() for key, page in self.pages.items()},
            "tuning": self.tuning.state(),
            "activations": self.activations.state(),
        }

    def set_state(self, state: dict) -> None:
        for page in self.pages.values():
            page.view.runner.cancel(wait=True)
        self.tuning.stop()
        for key, page in self.pages.items():
            page.set_state(state[key])
        self.model_box.blockSignals(True)
        self.mode_box.blockSignals(True)
        try:
            self.set_model(state["model"])
            self.set_mode(state["mode"])
        finally:
            self.model_box.blockSignals(False)
            self.mode_box.blockSignals(False)
        self._model_changed()
        self._mode_changed()
        self.run_key = self.key
        self._run_info = None
        self.progress.setValue(0)
        self.tuning.set_model_params("lif", self.pages["lif"].params.values(), update=False)
        self.tuning.set_model_params("hh", self.pages["hh"].params.values(), update=False)
        self.tuning.set_state(state["tuning"])
        self.activations.set_state(state["activations"])
        self.views.setCurrentIndex(core.VIEWS.index(state["view"]))

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        out: dict[tuple[str, ...], QWidget] = {
            ("model",): self.model_box,
            ("mode",): self.mode_box,
            ("view",): self.views.tabBar(),
        }
        for key, page in self.pages.items():
            out[(key, "params")] = page.params
            out[(key, "run")] = page.run
            out[(key, "stimulus")] = page.stimulus
        out[("tuning",)] = self.tuning
        out.update({("tuning", *path): w for path, w in self.tuning.controls().items()})
        out[("activations",)] = self.activations
        out.update({("activations", *path): w for path, w in self.activations.controls().items()})
        return out

    # -- lifecycle ------------------------------------------------------------------------
    def smoke_test(self) -> None:
        for key, spec in MODELS.items():
            page = self.pages[key]
            stim = page.stimulus.stimulus()
            gen = spec.module.stream(
                stim, page.params.values(), dt=page.run.values().dt, t_end=20.0
            )
            n = sum(len(c.t) for c in gen)
            if n == 0:
                raise RuntimeError(f"{spec.name}: the short run produced no samples")
        # One real run through the worker thread, so the grabbed window shows traces.
        mode = self.mode
        self.set_model("hh")
        self.set_mode(ONESHOT)
        self.start()
        deadline = time.perf_counter() + 60
        while self.runner.state != "idle" and time.perf_counter() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        self.runner.wait()
        QCoreApplication.processEvents()
        if len(self.recorded_data().get("spike_times", [])) == 0:
            raise RuntimeError("the Hodgkin–Huxley one-shot run recorded no spikes")
        self.set_mode(mode)
        self.tuning.smoke_test()

    def shutdown(self) -> None:
        for page in self.pages.values():
            page.view.shutdown()
        self.tuning.shutdown()
