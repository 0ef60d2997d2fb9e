"""Tuning curves: firing rate against input (SPEC §2.2).

Single neurons: the LIF F–I curve analytically (G(J)) and by simulation, and
the Hodgkin–Huxley F–I curve (delegated to :mod:`neurolab.core.hh`).
Populations: :class:`LIFPopulation`, Nengo style, where neuron i receives
J_i = α_i (e_i · x) + β_i for a represented value x ∈ [−1, 1].

Rates are in Hz, times in ms, currents in the model's input units.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from neurolab.core import lif
from neurolab.core.lif import LIFParams
from neurolab.core.params import Param, ParamError, ParamSet

__all__ = [
    "FISweepParams",
    "LIF_SIM_DT",
    "HH_FI_DT",
    "lif_sweep_inputs",
    "hh_sweep_currents",
    "hh_sweep_problem",
    "lif_fi_analytic",
    "lif_fi_simulated",
    "hh_fi_curve",
    "hh_fi_curve_stream",
    "PopulationParams",
    "LIFPopulation",
    "lif_inverse_rate",
]


#: Time steps (ms) of the simulated F–I sweeps: LIF is exact at any dt; 0.025 ms keeps
#: HH spike times within ~1e-4 ms of a tight reference.
LIF_SIM_DT = 0.1
HH_FI_DT = 0.025
#: Points of the analytic LIF curve, and at most this many simulated LIF points.
LIF_CURVE_POINTS = 500
LIF_SIM_POINTS_MAX = 60


class FISweepParams(ParamSet):
    """The input ranges and run length of the simulated F–I curves."""

    I_max = Param(20.0, 1.0, 100.0, 0.5, "µA/cm²", "HH: largest input current of the sweep")
    J_max = Param(5.0, 1.1, 50.0, 0.1, "", "LIF: largest input J of the sweep")
    points = Param(81, 5, 400, 1, "", "Number of input values in each sweep", integer=True)
    duration = Param(1000.0, 100.0, 5000.0, 50.0, "ms", "Simulated time per input value")
    t_skip = Param(200.0, 0.0, 1000.0, 10.0, "ms", "HH: initial transient left out of the rate")


def lif_sweep_inputs(sweep: FISweepParams) -> tuple[np.ndarray, np.ndarray]:
    """(J of the analytic curve, J of the simulated points) for a sweep."""
    fine = np.linspace(0.0, sweep.J_max, LIF_CURVE_POINTS)
    return fine, np.linspace(0.0, sweep.J_max, min(sweep.points, LIF_SIM_POINTS_MAX))


def hh_sweep_currents(sweep: FISweepParams) -> np.ndarray:
    """Input currents (µA/cm²) of the HH F–I sweep."""
    return np.linspace(0.0, sweep.I_max, sweep.points)


def hh_sweep_problem(sweep: FISweepParams) -> str:
    """Why the HH sweep cannot run ("" if it can): the transient must be shorter than the run."""
    if sweep.t_skip >= sweep.duration:
        return (
            f"t_skip ({sweep.t_skip:g} ms) must be shorter than the duration "
            f"({sweep.duration:g} ms)."
        )
    return ""


def lif_fi_analytic(J: Any, params: LIFParams | None = None) -> np.ndarray:
    """LIF rate G(J) in Hz for dimensionless input J (see :func:`neurolab.core.lif.rate`)."""
    return lif.rate(J, params)


def lif_fi_simulated(
    J: Any, t_end: float = 1000.0, dt: float = 0.1, params: LIFParams | None = None
) -> np.ndarray:
    """Simulated LIF rates in Hz, one batched run (see :func:`neurolab.core.lif.fi_curve`)."""
    return lif.fi_curve(J, t_end, dt, params)


def hh_fi_curve(
    currents: Any,
    t_end: float = 1000.0,
    dt: float = 0.025,
    t_skip: float = 200.0,
    params: Any = None,
) -> np.ndarray:
    """Hodgkin–Huxley F–I curve in Hz, delegated to ``neurolab.core.hh.fi_curve``.

    Parameters
    ----------
    currents : array_like
        Constant input currents (µA/cm²).
    t_end, dt, t_skip : float
        Duration, time step and initial transient left out of the rate (ms).
    params : HHParams, optional
    """
    from neurolab.core import hh  # late: hh.py is developed separately

    return hh.fi_curve(currents, t_end, dt, t_skip, params)


def hh_fi_curve_stream(*args: Any, **kwargs: Any) -> Generator[tuple[float, Any], Any, None]:
    """``neurolab.core.hh.fi_curve_stream``: yields ``(fraction, None)`` … ``(1.0, rates)``."""
    from neurolab.core import hh

    return hh.fi_curve_stream(*args, **kwargs)


def lif_inverse_rate(rate_hz: Any, params: LIFParams | None = None) -> np.ndarray:
    """Input J at which the LIF neuron fires at ``rate_hz`` (inverse of G).

    From 1000/r = t_ref − τ_m ln(1 − 1/J):  J = 1 / (1 − e^{−(1000/r − t_ref)/τ_m}).
    Valid for 0 < r < 1000 / t_ref.  Very low rates are ill-conditioned: J − 1
    ≈ e^{−1000/(r τ_m)} falls below double precision (J rounds to 1, rate 0)
    for r ≲ 0.5 Hz at τ_m = 20 ms.
    """
    p = params or LIFParams()
    r = np.asarray(rate_hz, dtype=float)
    if np.any(r <= 0) or np.any(r * p.t_ref >= 1000.0):
        limit = np.inf if p.t_ref == 0 else 1000.0 / p.t_ref
        raise ParamError(f"rates must be between 0 and {limit:g} Hz (1000 / t_ref)")
    # -expm1 keeps precision at high rates where the exponent is near 0.
    return 1.0 / -np.expm1(-(1000.0 / r - p.t_ref) / p.tau_m)


class PopulationParams(ParamSet):
    """How a :class:`LIFPopulation` draws its neurons."""

    n_neurons = Param(20, 1, 2000, 1, "", "Number of neurons", integer=True, label="neurons")
    seed = Param(0, 0, 2**31 - 1, 1, "", "Random seed for gains, biases and encoders", integer=True)
    max_rate_low = Param(
        100.0, 1.0, 400.0, 5.0, "Hz", "Lowest rate at x = encoder", label="max rate low"
    )
    max_rate_high = Param(
        200.0, 1.0, 400.0, 5.0, "Hz", "Highest rate at x = encoder", label="max rate high"
    )
    intercept_low = Param(
        -1.0, -1.0, 0.99, 0.01, "", "Lowest x·e where a neuron starts firing", label="intercept low"
    )
    intercept_high = Param(
        0.9,
        -1.0,
        0.99,
        0.01,
        "",
        "Highest x·e where a neuron starts firing",
        label="intercept high",
    )


class LIFPopulation:
    """A population of LIF neurons encoding a scalar x ∈ [−1, 1] (Nengo style).

    Neuron i gets J_i(x) = α_i (e_i x) + β_i with encoder e_i = ±1, gain α_i
    and bias β_i.  Rather than sampling α and β directly, each neuron draws
    a *max rate* r_i (its rate at e_i x = 1) uniformly in
    [max_rate_low, max_rate_high] Hz and an *intercept* c_i (the e_i x where
    it starts to fire, J = 1) uniformly in [intercept_low, intercept_high],
    then α, β solve J(c_i) = 1 and J(1) = G⁻¹(r_i):

        α_i = (G⁻¹(r_i) − 1) / (1 − c_i),   β_i = 1 − α_i c_i.

    That spreads the curves' onsets and heights over x ∈ [−1, 1], which a
    direct draw of α, β does not.  Draw order from
    ``numpy.random.default_rng(seed)``: max rates, intercepts, encoders.

    Parameters
    ----------
    params : PopulationParams, optional
    lif_params : LIFParams, optional
        τ_m and t_ref of every neuron; the max rate must stay below 1000 / t_ref.

    Attributes
    ----------
    max_rates, intercepts, encoders, gains, biases : ndarray, shape (n,)
    """

    def __init__(
        self, params: PopulationParams | None = None, lif_params: LIFParams | None = None
    ) -> None:
        self.params = params or PopulationParams()
        self.lif_params = lif_params or LIFParams()
        p = self.params
        if p.max_rate_low > p.max_rate_high:
            raise ParamError("max rate low must not exceed max rate high")
        if p.intercept_low > p.intercept_high:
            raise ParamError("intercept low must not exceed intercept high")
        if p.max_rate_high * self.lif_params.t_ref >= 1000.0:
            raise ParamError(
                f"max rate high must be below 1000 / t_ref = {1000.0 / self.lif_params.t_ref:g} Hz"
            )
        rng = np.random.default_rng(p.seed)
        n = p.n_neurons
        self.max_rates = rng.uniform(p.max_rate_low, p.max_rate_high, n)
        self.intercepts = rng.uniform(p.intercept_low, p.intercept_high, n)
        self.encoders = rng.choice(np.array([-1.0, 1.0]), n)
        j_max = lif_inverse_rate(self.max_rates, self.lif_params)
        self.gains = (j_max - 1.0) / (1.0 - self.intercepts)
        self.biases = 1.0 - self.gains * self.intercepts

    @property
    def n(self) -> int:
        return self.params.n_neurons

    def currents(self, x: Any) -> np.ndarray:
        """Input J (dimensionless), shape (n, len(x)), for represented values x."""
        x = np.atleast_1d(np.asarray(x, dtype=float))
        return self.gains[:, None] * (self.encoders[:, None] * x[None, :]) + self.biases[:, None]

    def rates(self, x: Any) -> np.ndarray:
        """Analytic rates G(J) in Hz, shape (n, len(x))."""
        return lif.rate(self.currents(x), self.lif_params)

    def rates_simulated(self, x: Any, t_end: float = 1000.0, dt: float = 0.1) -> np.ndarray:
        """Rates in Hz from one batched LIF simulation of all n · len(x) pairs."""
        return lif.fi_curve(self.currents(x), t_end, dt, self.lif_params)
