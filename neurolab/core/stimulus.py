"""Input currents: constant, step, pulse train, ramp, sine and noise.

Every stimulus is a :class:`~neurolab.core.params.ParamSet`, so the GUI builds
its controls from the declarations and experiment files validate against them.
Times are in ms and frequencies in Hz.  Amplitudes are in the *input units of
the model they drive*: µA/cm² for Hodgkin–Huxley, the dimensionless input J
for the leaky integrate-and-fire neuron.

Two ways to evaluate a stimulus:

``values(t)``
    The current at the times ``t`` (ms).
``stream(dt, t0)``
    An object whose ``next(n)`` returns the current at the next ``n`` step
    start times ``t0, t0 + dt, …``, keeping its place between calls.
    Consecutive ``next`` calls give exactly what one ``values`` call on the
    same grid ``t0 + dt * arange(N)`` gives, so a simulation may be run in
    chunks without changing its input.

>>> s = make("step", onset=10, duration=20, amplitude=5)
>>> s.values(np.array([0.0, 10.0, 29.9, 30.0]))
array([0., 5., 5., 0.])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy.signal import lfilter

from neurolab.core.params import Param, ParamError, ParamSet

__all__ = [
    "Stimulus",
    "StimulusStream",
    "Constant",
    "Step",
    "PulseTrain",
    "Ramp",
    "Sine",
    "Noise",
    "STIMULI",
    "make",
]

# Shared ranges.  The same stimulus drives HH (µA/cm², useful up to ~50) and
# LIF (J, useful up to ~10), so the range is wide and the step fine.
_AMP_DOC = "in the model's input units: µA/cm² for HH, dimensionless J for LIF"
# Longer than any one-shot run (10 s) needs, short enough for a draggable slider.
_T_MAX = 10_000.0  # ms


def _amp(default: float, doc: str, label: str | None = None) -> Param:
    return Param(default, -100.0, 100.0, 0.1, "", f"{doc} ({_AMP_DOC})", label=label)


def _time(default: float, doc: str, low: float = 0.0, label: str | None = None) -> Param:
    return Param(default, low, _T_MAX, 1.0, "ms", doc, label=label)


class StimulusStream:
    """Values of a deterministic stimulus on the grid ``t0 + dt * k``, k = 0, 1, ….

    Parameters
    ----------
    stimulus : Stimulus
        Evaluated live, so in-place parameter changes apply from the next call.
    dt : float
        Grid spacing (ms).
    t0 : float
        Time of the first value (ms).
    """

    def __init__(self, stimulus: Stimulus, dt: float, t0: float = 0.0) -> None:
        if not dt > 0:
            raise ValueError(f"dt must be positive (got {dt})")
        self.stimulus, self.dt, self.t0 = stimulus, float(dt), float(t0)
        self.k = 0  # index of the next grid point

    @property
    def t(self) -> float:
        """Time (ms) of the next value."""
        return self.t0 + self.k * self.dt

    def times(self, n: int) -> np.ndarray:
        # (k + arange) * dt, not an accumulated sum: the same floats as one
        # big grid t0 + dt * arange(N), so chunked and one-shot agree exactly.
        return self.t0 + (self.k + np.arange(n)) * self.dt

    def next(self, n: int) -> np.ndarray:
        """Return the values at the next ``n`` grid times, shape ``(n,)``."""
        out = self.stimulus.values(self.times(n))
        self.k += n
        return out


class Stimulus(ParamSet):
    """Base class: a current as a function of time (ms).

    Subclasses set ``kind`` (registry key) and ``label`` (short human name) and
    implement :meth:`values`.
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""

    def values(self, t: np.ndarray) -> np.ndarray:
        """Current at times ``t`` (ms); same shape as ``t``."""
        raise NotImplementedError

    def stream(self, dt: float, t0: float = 0.0) -> StimulusStream:
        """A stateful source of values at ``t0, t0 + dt, …`` (ms); see :class:`StimulusStream`."""
        return StimulusStream(self, dt, t0)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.values(t)


def _t(t: Any) -> np.ndarray:
    return np.asarray(t, dtype=float)


class Constant(Stimulus):
    """I(t) = amplitude."""

    kind = "constant"
    label = "Constant"
    amplitude = _amp(10.0, "Input")

    def values(self, t: np.ndarray) -> np.ndarray:
        return np.full_like(_t(t), self.amplitude)


class Step(Stimulus):
    """I(t) = amplitude for onset ≤ t < onset + duration, else baseline."""

    kind = "step"
    label = "Step"
    onset = _time(20.0, "Time the step switches on")
    duration = _time(150.0, "How long the step stays on")
    amplitude = _amp(10.0, "Input during the step")
    baseline = _amp(0.0, "Input outside the step")

    def values(self, t: np.ndarray) -> np.ndarray:
        t = _t(t)
        on = (t >= self.onset) & (t < self.onset + self.duration)
        return np.where(on, self.amplitude, self.baseline)


class PulseTrain(Stimulus):
    """Rectangular pulses of ``width`` every ``period`` from ``onset`` on.

    I(t) = amplitude if t ≥ onset and (t − onset) mod period < width, else baseline.
    """

    kind = "pulse train"
    label = "Pulse train"
    onset = _time(20.0, "Start of the first pulse")
    period = _time(50.0, "Time from the start of one pulse to the next", low=0.1)
    width = _time(5.0, "Length of each pulse")
    amplitude = _amp(10.0, "Input during a pulse")
    baseline = _amp(0.0, "Input between pulses")

    def values(self, t: np.ndarray) -> np.ndarray:
        t = _t(t)
        since = t - self.onset
        on = (since >= 0) & (np.mod(since, self.period) < self.width)
        return np.where(on, self.amplitude, self.baseline)


class Ramp(Stimulus):
    """``start`` until ``onset``, linear to ``end`` over ``duration``, then ``end``."""

    kind = "ramp"
    label = "Ramp"
    onset = _time(20.0, "Time the ramp starts")
    duration = _time(500.0, "Time to go from start to end")
    start = _amp(0.0, "Input before and at the start of the ramp")
    end = _amp(20.0, "Input at the end of the ramp and after it")

    def values(self, t: np.ndarray) -> np.ndarray:
        t = _t(t)
        if self.duration == 0:
            return np.where(t < self.onset, self.start, self.end)
        frac = np.clip((t - self.onset) / self.duration, 0.0, 1.0)
        return self.start + (self.end - self.start) * frac


class Sine(Stimulus):
    """I(t) = offset + amplitude · sin(2π · frequency · t / 1000 + phase)."""

    kind = "sine"
    label = "Sine"
    frequency = Param(10.0, 0.0, 1000.0, 0.5, "Hz", "Oscillations per second")
    amplitude = _amp(5.0, "Peak deviation from the offset")
    offset = _amp(5.0, "Mean input")
    phase = Param(0.0, -360.0, 360.0, 1.0, "deg", "Phase at t = 0")

    def values(self, t: np.ndarray) -> np.ndarray:
        t = _t(t)
        # t is in ms, frequency in Hz: cycles = f * t / 1000.
        arg = 2.0 * math.pi * self.frequency * t / 1000.0 + math.radians(self.phase)
        return self.offset + self.amplitude * np.sin(arg)


class _NoiseStream:
    """Exact Ornstein–Uhlenbeck samples on a grid, continuing between calls.

    One standard normal draw per grid point, in order, from
    ``default_rng(seed)`` (``default_rng([seed, k0])`` for a grid starting at
    step k0 = t0/dt > 0): the first is the stationary draw, each later one
    drives a step.  Numpy's generator gives the same sequence however the
    draws are split, and ``lfilter`` carries its state, so any chunking gives
    the same values.
    """

    def __init__(self, noise: Noise, dt: float, t0: float = 0.0) -> None:
        if not dt > 0:
            raise ValueError(f"dt must be positive (got {dt})")
        self.dt, self.t0, self.k = float(dt), float(t0), 0
        self.mean, self.sigma = noise.mean, noise.sigma
        # A stream that starts later (a stimulus changed during a live run) draws
        # from its own deterministic sequence: restarting the seed would replay the
        # noise already seen from t = 0.
        k0 = round(self.t0 / self.dt)
        self._rng = np.random.default_rng(noise.seed if k0 == 0 else [noise.seed, k0])
        decay = math.exp(-self.dt / noise.tau)
        self._a = [1.0, -decay]
        # -expm1 keeps sqrt(1 - e^{-2dt/tau}) accurate when dt << tau.
        self._b = [noise.sigma * math.sqrt(-math.expm1(-2.0 * self.dt / noise.tau))]
        self._zi: np.ndarray | None = None  # filter state = decay * last deviation

    @property
    def t(self) -> float:
        return self.t0 + self.k * self.dt

    def next(self, n: int) -> np.ndarray:
        """Return the next ``n`` values, shape ``(n,)``."""
        if n <= 0:
            return np.empty(0)
        xi = self._rng.standard_normal(n)
        if self._zi is None:
            # Deviation from the mean starts from the stationary law N(0, sigma²).
            first = self.sigma * xi[0]
            self._zi = np.array([-self._a[1] * first])
            dev = np.array([first])
            if n > 1:
                # (lfilter mangles its state on empty input, hence the guard.)
                rest, self._zi = lfilter(self._b, self._a, xi[1:], zi=self._zi)
                dev = np.concatenate((dev, rest))
        else:
            dev, self._zi = lfilter(self._b, self._a, xi, zi=self._zi)
        self.k += n
        return self.mean + dev


class Noise(Stimulus):
    """Ornstein–Uhlenbeck noise: mean-reverting, correlated over ``tau``.

    dx = (mean − x) dt / tau + sigma · sqrt(2 / tau) dW, so the stationary
    standard deviation is ``sigma`` and the autocorrelation at lag s is
    e^{−s/tau}.  Sampled exactly on a grid of step dt:
    x ← mean + (x − mean) e^{−dt/tau} + sigma · sqrt(1 − e^{−2 dt/tau}) · ξ,
    starting from a stationary draw.  The same seed gives the same values.
    """

    kind = "noise"
    label = "Noise (OU)"
    mean = _amp(10.0, "Mean input")
    sigma = Param(3.0, 0.0, 100.0, 0.1, "", f"Standard deviation of the input ({_AMP_DOC})")
    tau = Param(5.0, 0.01, 1000.0, 0.5, "ms", "Correlation time", log=True)
    seed = Param(
        0, 0, 2**31 - 1, 1, "", "Random seed; the same seed gives the same noise", integer=True
    )

    def values(self, t: np.ndarray) -> np.ndarray:
        """Noise on the uniform grid ``t`` (ms), generated from ``seed``.

        The process starts from a stationary draw at ``t[0]``; grids starting at
        different steps ``t[0]/dt`` draw different sequences.
        """
        t = _t(t)
        if t.ndim != 1:
            raise ValueError("Noise.values needs a 1-D time grid")
        if t.size < 2:
            return _NoiseStream(self, 1.0).next(t.size)
        dt = (t[-1] - t[0]) / (t.size - 1)
        if not dt > 0 or not np.allclose(np.diff(t), dt, rtol=1e-6, atol=1e-9):
            raise ValueError("Noise.values needs a uniform, increasing time grid")
        return _NoiseStream(self, t[1] - t[0], t[0]).next(t.size)

    def stream(self, dt: float, t0: float = 0.0) -> _NoiseStream:
        """OU values at ``t0, t0 + dt, …``, continuing the process between calls."""
        return _NoiseStream(self, dt, t0)


STIMULI: dict[str, type[Stimulus]] = {
    cls.kind: cls for cls in (Constant, Step, PulseTrain, Ramp, Sine, Noise)
}


def make(kind: str, **params: Any) -> Stimulus:
    """Build a stimulus by registry name, e.g. ``make("step", amplitude=5)``.

    Raises
    ------
    ParamError
        Unknown kind, unknown parameter name, or a value out of its range.
    """
    try:
        cls = STIMULI[kind]
    except KeyError:
        raise ParamError(f"unknown stimulus {kind!r}; choose one of {', '.join(STIMULI)}") from None
    return cls(**params)
