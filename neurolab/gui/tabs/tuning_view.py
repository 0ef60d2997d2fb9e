"""Tuning curves: LIF F–I (simulated over analytic), HH F–I with its jump, a LIF population."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from neurolab.core import hh, lif, tuning
from neurolab.core.params import ParamError, ParamSet
from neurolab.core.tabstate import neuron as core
from neurolab.core.tuning import FISweepParams
from neurolab.gui.widgets.common import control_column, message_label
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PlotPanel
from neurolab.gui.worker import Runner

__all__ = ["FISweepParams", "TuningView"]


class TuningView(QWidget):
    """The LIF curve and the population follow every change at once; the HH curve takes
    a fraction of a second, so it is recomputed when the view is shown (or at once if it
    is on screen) after a change of the sweep or of the HH parameters."""

    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self.hh_params = hh.HHParams()
        self.lif_params = lif.LIFParams()
        self.hh_runner = Runner(self)
        self.lif_runner = Runner(self)
        self.hh_runner.chunk.connect(self._hh_chunk)
        self.hh_runner.failed.connect(lambda t: self._error("HH F–I", t))
        self.lif_runner.chunk.connect(self._lif_chunk)
        self.lif_runner.failed.connect(lambda t: self._error("LIF F–I", t))
        self.hh_rates: np.ndarray | None = None
        self._hh_key: tuple | None = None  # the settings hh_rates (or the run) belong to

        controls = QVBoxLayout()
        self.sweep = ParamPanel(FISweepParams(), "F–I sweeps")
        self.sweep.changed.connect(lambda _: self._sweep_changed())
        controls.addWidget(self.sweep)
        hh_box = QGroupBox("Hodgkin–Huxley F–I")
        hl = QVBoxLayout(hh_box)
        self.hh_button = QPushButton("Compute HH F–I curve")
        self.hh_button.setToolTip(
            "Simulate one HH neuron per input current (one vectorised run) with the "
            "current HH parameters"
        )
        self.hh_button.clicked.connect(self.compute_hh)
        self.hh_progress = QProgressBar()
        self.hh_progress.setRange(0, 100)
        hl.addWidget(self.hh_button)
        hl.addWidget(self.hh_progress)
        controls.addWidget(hh_box)
        self.population = ParamPanel(tuning.PopulationParams(), "LIF population")
        self.population.changed.connect(lambda _: self.update_population())
        controls.addWidget(self.population)
        self.message = message_label()
        self.message.show()  # empty unless something is wrong
        controls.addWidget(self.message)
        controls.addStretch(1)
        scroll = control_column(controls, max_width=340)

        self.plot = PlotPanel("Tuning curves")
        p1 = self.plot.add_plot(
            "J", "", "rate", "Hz", title="LIF: simulated vs analytic G(J)", legend="left"
        )
        self.lif_curve = PlotPanel.add_curve(p1, "analytic G(J)", 0, width=2, streaming=False)
        self.lif_points = p1.plot(
            [],
            [],
            name="simulated",
            pen=None,
            symbol="o",
            symbolSize=6,
            symbolBrush=pg.mkBrush("#D55E00"),
            symbolPen=None,
        )
        p2 = self.plot.add_plot(
            "I", "µA/cm²", "rate", "Hz", title="Hodgkin–Huxley: simulated F–I", legend="left"
        )
        self.hh_curve = p2.plot(
            [],
            [],
            name="simulated",
            pen=pg.mkPen("#0072B2", width=1),
            symbol="o",
            symbolSize=5,
            symbolBrush=pg.mkBrush("#0072B2"),
            symbolPen=None,
        )
        self.p3 = self.plot.add_plot("x", "", "rate", "Hz", title="LIF population", legend=False)
        self.pop_curves: list[pg.PlotDataItem] = []

        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.plot, 1)
        self.plot.metadata = self.parameters
        self.update_lif()
        self.update_population()

    def showEvent(self, event) -> None:
        # The HH curve takes a fraction of a second: draw it the first time the
        # view is shown rather than greet the student with an empty plot.
        super().showEvent(event)
        if self._hh_key != self._current_hh_key() or (
            self.hh_rates is None and self.hh_runner.state == "idle"
        ):
            self.compute_hh()

    # -- parameters from the Neuron tab --------------------------------------------
    def set_model_params(self, key: str, params: ParamSet, update: bool = True) -> None:
        """The Neuron tab's LIF or HH parameters changed; ``update=False`` only stores
        them (a state being loaded updates everything once afterwards)."""
        if key == "lif":
            self.lif_params = params
            if update:
                self.update_lif()
                self.update_population()
        elif key == "hh":
            self.hh_params = params
            if update:
                self._hh_stale()

    def _sweep_changed(self) -> None:
        self.update_lif()
        self._hh_stale()

    def _current_hh_key(self) -> tuple:
        s = self.sweep.values()
        return (s.I_max, s.points, s.duration, s.t_skip, tuple(self.hh_params.as_dict().items()))

    def _hh_stale(self) -> None:
        """The HH curve no longer matches the settings: recompute it now if the view is on
        screen, else clear it (it is recomputed when the view is next shown)."""
        if self._closed or self._hh_key == self._current_hh_key():
            return
        if self.isVisible():
            self.compute_hh()
        else:
            self.hh_runner.cancel(wait=False)
            self.hh_rates, self._hh_key = None, None
            self.hh_curve.setData([], [])
            self.hh_progress.setValue(0)

    # -- experiment files ----------------------------------------------------------
    def state(self) -> dict:
        return {
            "sweep": self.sweep.values().as_dict(),
            "population": self.population.values().as_dict(),
        }

    def set_state(self, state: dict) -> None:
        """Show validated sweep and population settings (the model parameters come from
        the tab by :meth:`set_model_params`); starts only the cheap LIF update, and the HH
        curve if the view is on screen."""
        self.stop()
        self.sweep.set_values(state["sweep"], emit=False)
        self.population.set_values(state["population"], emit=False)
        self.message.clear()
        self.update_lif()
        self.update_population()
        self._hh_key = ("reload",)  # whatever was drawn belongs to other settings
        self._hh_stale()

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        return {("sweep",): self.sweep, ("population",): self.population}

    def stop(self) -> None:
        self.hh_runner.cancel(wait=True)
        self.lif_runner.cancel(wait=True)

    # -- export ---------------------------------------------------------------------
    def parameters(self) -> dict:
        return core.tuning_output_parameters(
            self.sweep.values(), self.population.values(), self.lif_params, self.hh_params
        )

    def output(self) -> tuple[dict[str, np.ndarray], dict]:
        """(arrays, parameters) that Export data writes: the headless computation, with
        the HH rates already drawn when they belong to the current settings."""
        done = self.hh_rates if self._hh_key == self._current_hh_key() else None
        return core.tuning_output(
            self.sweep.values(), self.population.values(), self.lif_params, self.hh_params, done
        )

    def _error(self, what: str, text: str) -> None:
        last = text.strip().splitlines()[-1]
        self.message.setText(f"{what} failed: {last}")
        self.status.emit(f"Tuning: {what} failed — {last}")

    # -- LIF --------------------------------------------------------------------------
    def update_lif(self) -> None:
        if self._closed:  # a throttled slider change can arrive after shutdown
            return
        s = self.sweep.values()
        J_fine, J = tuning.lif_sweep_inputs(s)
        self.lif_curve.setData(J_fine, lif.rate(J_fine, self.lif_params))
        params, duration = self.lif_params, s.duration

        def work():
            yield J, lif.fi_curve(J, duration, tuning.LIF_SIM_DT, params)

        self.lif_runner.start(work)

    def _lif_chunk(self, item) -> None:
        J, rates = item
        self.lif_points.setData(J, rates)

    # -- HH ------------------------------------------------------------------------------
    def compute_hh(self) -> None:
        if self._closed:
            return
        s = self.sweep.values()
        problem = tuning.hh_sweep_problem(s)
        self.hh_rates = None
        self.hh_curve.setData([], [])
        self._hh_key = self._current_hh_key()
        if problem:
            self.hh_runner.cancel(wait=False)
            self.message.setText(problem)
            return
        self.message.clear()
        self._hh_currents = tuning.hh_sweep_currents(s)
        params = self.hh_params
        self.hh_progress.setValue(0)
        self.status.emit("Tuning: computing the HH F–I curve…")
        # The same sweep as the headless export (neurolab.core.tabstate.neuron).
        self.hh_runner.start(lambda: core.hh_rates(s, params))

    def _hh_chunk(self, item) -> None:
        fraction, rates = item
        self.hh_progress.setValue(int(round(100 * fraction)))
        if rates is not None:
            self.hh_rates = np.asarray(rates)
            self.hh_curve.setData(self._hh_currents, self.hh_rates)
            self.status.emit("Tuning: HH F–I curve done")

    # -- population ------------------------------------------------------------------------
    def update_population(self) -> None:
        try:
            pop = tuning.LIFPopulation(self.population.values(), self.lif_params)
        except ParamError as err:
            self.message.setText(str(err))
            return
        self.message.clear()
        x = core.POPULATION_X
        rates = pop.rates(x)
        for c in self.pop_curves:
            self.p3.removeItem(c)
        self.pop_curves = []
        for i, r in enumerate(rates):
            c = PlotPanel.add_curve(self.p3, "", i, streaming=False)
            c.export_name = f"neuron {i}"
            c.setData(x, r)
            self.pop_curves.append(c)

    # -- lifecycle -------------------------------------------------------------------------
    def smoke_test(self) -> None:
        rates = hh.fi_curve(np.array([0.0, 10.0]), 100.0, 0.025, 20.0, self.hh_params)
        if not (rates[0] == 0 and rates[1] > 0):
            raise RuntimeError(f"HH F–I smoke check gave {rates}")

    def shutdown(self) -> None:
        self._closed = True
        self.hh_runner.cancel(wait=True)
        self.lif_runner.cancel(wait=True)
