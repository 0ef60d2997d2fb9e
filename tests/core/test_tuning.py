"""Tuning curves: LIF F–I, HH delegation, Nengo-style LIF populations."""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest

import neurolab.core
from neurolab.core import tuning
from neurolab.core.lif import LIFParams
from neurolab.core.params import ParamError
from neurolab.core.tuning import LIFPopulation, PopulationParams


def test_lif_fi_analytic_formula():
    J = np.array([0.5, 1.0, 1.25, 3.0])
    expected = [0, 0, 1000 / (2 + 20 * math.log(5)), 1000 / (2 + 20 * math.log(1.5))]
    np.testing.assert_allclose(tuning.lif_fi_analytic(J), expected, rtol=1e-13)


def test_lif_fi_simulated_matches_analytic():
    J = np.linspace(1.1, 8, 25)
    p = LIFParams(tau_m=15, t_ref=3)
    sim = tuning.lif_fi_simulated(J, t_end=500, dt=0.5, params=p)
    np.testing.assert_allclose(sim, tuning.lif_fi_analytic(J, p), rtol=0.01)


@pytest.mark.parametrize("r", [2.0, 10.0, 150.0, 499.0])
def test_inverse_rate_round_trip(r):
    J = tuning.lif_inverse_rate(r)
    assert J > 1
    # J − 1 ≈ 1.5e-11 at 2 Hz, so J itself carries ~1e-5 relative error in J − 1.
    assert tuning.lif_fi_analytic(J) == pytest.approx(r, rel=1e-6)


def test_inverse_rate_refuses_unreachable_rates():
    with pytest.raises(ParamError, match="500"):
        tuning.lif_inverse_rate(500.0)  # 1000 / t_ref with t_ref = 2 ms
    with pytest.raises(ParamError):
        tuning.lif_inverse_rate(0.0)


def test_hh_fi_curve_delegates_to_hh(monkeypatch):
    calls = []

    def fake_fi_curve(currents, t_end, dt, t_skip, params):
        calls.append((list(currents), t_end, dt, t_skip, params))
        return np.array([0.0, 42.0])

    fake = types.ModuleType("neurolab.core.hh")
    fake.fi_curve = fake_fi_curve
    fake.fi_curve_stream = lambda *a, **k: iter([(1.0, np.array([7.0]))])
    monkeypatch.setitem(sys.modules, "neurolab.core.hh", fake)
    monkeypatch.setattr(neurolab.core, "hh", fake, raising=False)
    out = tuning.hh_fi_curve([0.0, 10.0], t_end=300.0, dt=0.02, t_skip=50.0)
    np.testing.assert_array_equal(out, [0.0, 42.0])
    assert calls == [([0.0, 10.0], 300.0, 0.02, 50.0, None)]
    assert list(tuning.hh_fi_curve_stream([1.0]))[-1][0] == 1.0


def test_hh_fi_curve_real_model_if_present():
    pytest.importorskip("neurolab.core.hh")
    # SPEC §2.1: no repetitive firing at I = 0; period ≈ 14.64 ms (≈ 68 Hz) at I = 10.
    r = tuning.hh_fi_curve(np.array([0.0, 10.0]), t_end=400.0, t_skip=100.0)
    assert r[0] == 0.0
    assert 60.0 < r[1] < 76.0


# ---------------------------------------------------------------- population


def test_population_draws_within_declared_ranges():
    pop = LIFPopulation(PopulationParams(n_neurons=200, seed=3))
    assert pop.n == 200
    assert np.all((pop.max_rates >= 100) & (pop.max_rates <= 200))
    assert np.all((pop.intercepts >= -1) & (pop.intercepts <= 0.9))
    assert set(np.unique(pop.encoders)) == {-1.0, 1.0}
    assert np.all(pop.gains > 0)


def test_population_is_reproducible_per_seed():
    a = LIFPopulation(PopulationParams(seed=5))
    b = LIFPopulation(PopulationParams(seed=5))
    c = LIFPopulation(PopulationParams(seed=6))
    np.testing.assert_array_equal(a.gains, b.gains)
    np.testing.assert_array_equal(a.biases, b.biases)
    np.testing.assert_array_equal(a.encoders, b.encoders)
    assert not np.array_equal(a.gains, c.gains)


def test_population_rates_hit_max_rate_and_intercept():
    pop = LIFPopulation(PopulationParams(n_neurons=50, seed=1))
    # At x = e_i (so e_i·x = 1) neuron i fires at its max rate.
    at_pref = np.array([pop.rates(e)[i, 0] for i, e in enumerate(pop.encoders)])
    np.testing.assert_allclose(at_pref, pop.max_rates, rtol=1e-10)
    # Silent just below its intercept (along its encoder), firing just above.
    eps = 1e-6
    below = np.array(
        [
            pop.rates((c - eps) * e)[i, 0]
            for i, (c, e) in enumerate(zip(pop.intercepts, pop.encoders, strict=True))
        ]
    )
    above = np.array(
        [
            pop.rates((c + eps) * e)[i, 0]
            for i, (c, e) in enumerate(zip(pop.intercepts, pop.encoders, strict=True))
        ]
    )
    np.testing.assert_array_equal(below, 0.0)
    assert np.all(above > 0)


def test_population_currents_formula():
    pop = LIFPopulation(PopulationParams(n_neurons=4, seed=2))
    x = np.array([-1.0, 0.0, 0.5])
    J = pop.currents(x)
    assert J.shape == (4, 3)
    for i in range(4):
        np.testing.assert_allclose(J[i], pop.gains[i] * pop.encoders[i] * x + pop.biases[i])


def test_population_curves_are_monotone_along_encoder():
    pop = LIFPopulation(PopulationParams(n_neurons=30, seed=4))
    x = np.linspace(-1, 1, 101)
    r = pop.rates(x)
    assert r.shape == (30, 101)
    d = np.diff(r, axis=1) * pop.encoders[:, None]
    assert np.all(d >= 0)


def test_population_simulated_rates_match_analytic():
    pop = LIFPopulation(PopulationParams(n_neurons=20, seed=0))
    x = np.linspace(-1, 1, 21)
    analytic = pop.rates(x)
    sim = pop.rates_simulated(x, t_end=1000.0, dt=0.1)
    assert sim.shape == analytic.shape
    firing = analytic > 5.0  # at least a few spikes in 1 s
    np.testing.assert_allclose(sim[firing], analytic[firing], rtol=0.01)
    np.testing.assert_array_equal(sim[analytic == 0], 0.0)


def test_population_refuses_inconsistent_settings():
    with pytest.raises(ParamError, match="max rate"):
        LIFPopulation(PopulationParams(max_rate_low=300, max_rate_high=150))
    with pytest.raises(ParamError, match="intercept"):
        LIFPopulation(PopulationParams(intercept_low=0.5, intercept_high=0.0))
    with pytest.raises(ParamError, match="1000 / t_ref"):
        LIFPopulation(PopulationParams(max_rate_high=300), LIFParams(t_ref=4.0))
