"""The Neuron tab's tuning-curve and activation-function views."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from neurolab.core import lif
from neurolab.core.activations import ACTIVATIONS
from neurolab.gui.tabs.activation_view import ActivationView, X
from neurolab.gui.tabs.tuning_view import TuningView


@pytest.fixture
def tuning(qtbot):
    v = TuningView()
    qtbot.addWidget(v)
    yield v
    v.shutdown()


def test_lif_simulated_points_lie_on_the_analytic_curve(tuning, qtbot):
    qtbot.waitUntil(lambda: tuning.lif_points.getData()[0] is not None, timeout=10000)
    J, rates = tuning.lif_points.getData()
    np.testing.assert_allclose(rates, lif.rate(J), rtol=0.01, atol=1.5)
    x, y = tuning.lif_curve.getData()
    np.testing.assert_allclose(y, lif.rate(x))


def test_lif_curves_follow_the_neuron_parameters(tuning, qtbot):
    params = lif.LIFParams(tau_m=10.0, t_ref=5.0)
    tuning.set_model_params("lif", params)
    x, y = tuning.lif_curve.getData()
    np.testing.assert_allclose(y, lif.rate(x, params))
    qtbot.waitUntil(
        lambda: np.allclose(
            tuning.lif_points.getData()[1],
            lif.rate(tuning.lif_points.getData()[0], params),
            rtol=0.01,
            atol=1.5,
        ),
        timeout=10000,
    )


def test_hh_fi_curve_shows_the_jump_with_progress(tuning, qtbot):
    tuning.sweep.set_value("points", 11)
    tuning.sweep.set_value("duration", 400.0)
    tuning.sweep.set_value("t_skip", 100.0)
    with qtbot.waitSignal(tuning.hh_runner.finished, timeout=60000):
        qtbot.mouseClick(tuning.hh_button, Qt.MouseButton.LeftButton)
    assert tuning.hh_progress.value() == 100
    currents, rates = tuning.hh_curve.getData()
    np.testing.assert_allclose(currents, np.linspace(0, 20, 11))
    # Below the onset of repetitive firing (~6.2 µA/cm²) the rate is 0; above, it jumps.
    assert np.all(rates[currents < 6.0] == 0)
    assert np.all(rates[currents >= 8.0] > 40)


def test_hh_sweep_with_transient_longer_than_run_is_refused(tuning):
    tuning.sweep.set_value("duration", 100.0)
    tuning.sweep.set_value("t_skip", 500.0)
    tuning.compute_hh()
    assert tuning.hh_runner.state == "idle"
    assert "shorter than the duration" in tuning.message.text()


def test_population_curves_follow_seed_and_size(tuning, qtbot):
    tuning.population.set_value("n_neurons", 7)
    qtbot.waitUntil(lambda: len(tuning.pop_curves) == 7, timeout=1000)
    first = tuning.pop_curves[0].getData()[1].copy()
    tuning.population.set_value("seed", 3)  # within the throttle interval: delivered late
    qtbot.waitUntil(lambda: not np.allclose(tuning.pop_curves[0].getData()[1], first), timeout=1000)


def test_activation_view_draws_functions_and_derivatives(qtbot):
    view = ActivationView()
    qtbot.addWidget(view)
    view.checks["softplus"].setChecked(True)
    f, df = view.curves["softplus"]
    np.testing.assert_allclose(f.getData()[1], ACTIVATIONS["softplus"].f(X))
    np.testing.assert_allclose(df.getData()[1], ACTIVATIONS["softplus"].df(X))
    view.checks["softplus"].setChecked(False)
    assert f.getData()[0] is None or len(f.getData()[0]) == 0
    assert "softplus" not in view.formulas.text()
