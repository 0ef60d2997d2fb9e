"""Stimuli: definitions at chosen times, chunked streams, OU statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurolab.core.params import ParamError
from neurolab.core.stimulus import (
    STIMULI,
    Constant,
    Noise,
    PulseTrain,
    Ramp,
    Sine,
    Step,
    Stimulus,
    make,
)


def test_registry_has_every_kind():
    assert set(STIMULI) == {"constant", "step", "pulse train", "ramp", "sine", "noise"}
    for kind, cls in STIMULI.items():
        assert issubclass(cls, Stimulus)
        assert cls.kind == kind
        assert cls.label  # a short human name for menus


def test_make_builds_and_validates():
    s = make("step", amplitude=3.5, onset=5)
    assert isinstance(s, Step) and s.amplitude == 3.5 and s.onset == 5.0
    with pytest.raises(ParamError, match="unknown stimulus"):
        make("square")
    with pytest.raises(ParamError, match="no parameter"):
        make("sine", frequncy=3)
    with pytest.raises(ParamError, match="between"):
        make("step", duration=-1)


def test_amplitude_doc_names_both_models_units():
    for cls in STIMULI.values():
        for p in cls.declarations():
            if p.name in ("amplitude", "baseline", "mean", "offset"):
                assert p.unit == ""
                assert "µA/cm²" in p.doc and "J" in p.doc


def test_step_default_is_classroom_friendly():
    s = Step()
    assert (s.onset, s.duration, s.amplitude) == (20.0, 150.0, 10.0)


def test_constant_values():
    t = np.array([0.0, 1.5, 1e4])
    np.testing.assert_array_equal(Constant(amplitude=-2.5).values(t), [-2.5, -2.5, -2.5])


def test_step_values():
    s = Step(onset=10, duration=20, amplitude=5, baseline=-1)
    t = np.array([0.0, 9.99, 10.0, 15.0, 29.99, 30.0, 50.0])
    np.testing.assert_array_equal(s.values(t), [-1, -1, 5, 5, 5, -1, -1])


def test_pulse_train_values():
    s = PulseTrain(onset=10, period=20, width=5, amplitude=3, baseline=1)
    t = np.array([0.0, 9.9, 10.0, 14.9, 15.0, 29.9, 30.0, 34.9, 35.0, 50.0, 1010.0])
    np.testing.assert_array_equal(s.values(t), [1, 1, 3, 3, 1, 1, 3, 3, 1, 3, 3])


def test_ramp_values():
    s = Ramp(onset=10, duration=40, start=2, end=6)
    t = np.array([0.0, 10.0, 20.0, 30.0, 50.0, 100.0])
    np.testing.assert_allclose(s.values(t), [2, 2, 3, 4, 6, 6], rtol=0, atol=1e-12)
    jump = Ramp(onset=10, duration=0, start=2, end=6)
    np.testing.assert_array_equal(jump.values(np.array([9.9, 10.0, 11.0])), [2, 6, 6])


def test_sine_values():
    # 25 Hz: period 40 ms; phase 90° starts at the crest.
    s = Sine(frequency=25, amplitude=2, offset=1, phase=90)
    t = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    np.testing.assert_allclose(s.values(t), [3, 1, -1, 1, 3], rtol=0, atol=1e-12)
    t = np.linspace(0, 100, 17)
    expected = [1 + 2 * math.cos(2 * math.pi * 25 * ti / 1000) for ti in t]
    np.testing.assert_allclose(s.values(t), expected, rtol=0, atol=1e-12)


def test_values_keep_shape():
    t = np.arange(12.0).reshape(3, 4) * 10
    for kind, cls in STIMULI.items():
        if kind != "noise":
            assert cls().values(t).shape == (3, 4)


@pytest.mark.parametrize("kind", sorted(STIMULI))
@pytest.mark.parametrize("t0", [0.0, 3.7])
def test_stream_chunks_equal_values(kind, t0):
    stim = make(kind)
    dt = 0.1
    sizes = [1, 7, 300, 2, 1000, 690]
    grid = t0 + dt * np.arange(sum(sizes))
    src = stim.stream(dt, t0)
    chunks = np.concatenate([src.next(n) for n in sizes])
    if kind == "noise" and t0 != 0.0:
        # values() infers dt from the grid, which may differ from 0.1 by an ulp.
        np.testing.assert_allclose(chunks, stim.values(grid), rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(chunks, stim.values(grid))


def test_stream_keeps_its_place_in_time():
    s = Step(onset=1.0, duration=1.0, amplitude=1.0, baseline=0.0)
    src = s.stream(0.5)
    np.testing.assert_array_equal(src.next(2), [0, 0])  # t = 0, 0.5
    np.testing.assert_array_equal(src.next(3), [1, 1, 0])  # t = 1, 1.5, 2


# ---------------------------------------------------------------- noise


def _ou_reference(mean, sigma, tau, seed, dt, n):
    """Exact OU recursion written out step by step, from the same normal draws."""
    xi = np.random.default_rng(seed).standard_normal(n)
    a = math.exp(-dt / tau)
    c = sigma * math.sqrt(1 - a * a)
    x = np.empty(n)
    x[0] = mean + sigma * xi[0]
    for k in range(1, n):
        x[k] = mean + (x[k - 1] - mean) * a + c * xi[k]
    return x


def test_noise_is_the_exact_ou_recursion():
    n = Noise(mean=1.5, sigma=0.7, tau=3.0, seed=11)
    t = 0.2 * np.arange(5000)
    np.testing.assert_allclose(
        n.values(t), _ou_reference(1.5, 0.7, 3.0, 11, 0.2, 5000), rtol=1e-12, atol=1e-12
    )


def test_noise_same_seed_same_values_different_seed_different():
    t = 0.1 * np.arange(2000)
    a = Noise(seed=1).values(t)
    np.testing.assert_array_equal(a, Noise(seed=1).values(t))
    b = Noise(seed=2).values(t)
    assert np.mean(np.abs(a - b)) > 0.5  # sigma 3: two independent paths differ a lot


def test_noise_stationary_mean_and_std():
    mean, sigma, tau, dt = 2.0, 3.0, 5.0, 1.0
    x = Noise(mean=mean, sigma=sigma, tau=tau, seed=7).values(dt * np.arange(400_000))
    # ~T/(2 tau) = 40 000 effectively independent samples: SE(mean) ≈ 0.015,
    # relative SE(std) ≈ 0.4 %; tolerances are > 6 standard errors.
    assert abs(x.mean() - mean) < 0.1
    assert abs(x.std() / sigma - 1) < 0.03


def test_noise_autocorrelation_at_tau_is_one_over_e():
    tau, dt = 5.0, 0.5
    x = Noise(mean=0.0, sigma=1.0, tau=tau, seed=3).values(dt * np.arange(400_000))
    x = x - x.mean()
    lag = int(round(tau / dt))
    rho = np.dot(x[:-lag], x[lag:]) / np.dot(x, x)
    assert abs(rho - math.exp(-1)) < 0.03
    rho1 = np.dot(x[:-1], x[1:]) / np.dot(x, x)
    assert abs(rho1 - math.exp(-dt / tau)) < 0.01


def test_noise_starts_from_a_stationary_draw():
    # The first value over many seeds is N(mean, sigma²), not the mean itself.
    first = np.array(
        [Noise(mean=1.0, sigma=2.0, seed=s).values(np.zeros(1))[0] for s in range(3000)]
    )
    assert abs(first.mean() - 1.0) < 0.15  # SE 0.037
    assert abs(first.std() / 2.0 - 1) < 0.08  # relative SE 1.3 %


def test_noise_needs_a_uniform_grid():
    with pytest.raises(ValueError, match="uniform"):
        Noise().values(np.array([0.0, 1.0, 3.0]))


def test_noise_with_zero_sigma_is_the_mean():
    x = Noise(mean=4.0, sigma=0.0).values(0.1 * np.arange(100))
    np.testing.assert_array_equal(x, np.full(100, 4.0))


def test_noise_started_later_does_not_replay_the_start():
    """A live run that swaps in a new noise stimulus at t0 must not replay t = 0…"""
    from neurolab.core.stimulus import Noise

    noise = Noise(mean=0.0, sigma=1.0, tau=5.0, seed=3)
    first = noise.stream(0.1).next(1000)
    later = noise.stream(0.1, t0=50.0).next(1000)
    assert abs(np.corrcoef(first, later)[0, 1]) < 0.2
    # …and is still reproducible.
    np.testing.assert_array_equal(later, noise.stream(0.1, t0=50.0).next(1000))
