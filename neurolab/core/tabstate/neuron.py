"""The Neuron tab's sections in an experiment file, and its computation without a display.

Headless, per view ("view" section):

``traces``
    A one-shot run of the chosen model for its ``run.duration`` ms with its parameters,
    stimulus and ``run.dt``, chunked and recorded exactly as the tab's one-shot mode
    (:func:`one_shot_stream`, :class:`Recording`, cut where a state leaves its physical
    range): what the GUI exports after a one-shot run.  A live-mode export holds only
    the screenful on display, so it differs.
``tuning`` / ``activations``
    What those views export: :func:`tuning_output` and :func:`activation_output`.

Every model keeps its own parameters, run settings and stimulus (``hh``, ``lif``,
``rate``), whichever model is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from neurolab.core import hh, lif, rate, tuning
from neurolab.core.activations import ACTIVATIONS, argmax_onehot, softmax
from neurolab.core.experiment import Custom, Variant, one_of
from neurolab.core.params import Param, ParamError, ParamSet, with_defaults
from neurolab.core.stimulus import STIMULI, Stimulus

LIVE, ONESHOT = "live", "oneshot"
VIEWS = ("traces", "tuning", "activations")


class RunParams(ParamSet):
    """How a Neuron-tab run is done (one set per model, with per-model starting values)."""

    dt = Param(0.025, 0.001, 1.0, 0.005, "ms", "Integration time step", log=True)
    window = Param(200.0, 20.0, 2000.0, 10.0, "ms", "Width of the live oscilloscope screen")
    speed = Param(
        200.0, 10.0, 5000.0, 10.0, "ms/s", "Live mode: simulated ms per real second", log=True
    )
    duration = Param(
        500.0,
        10.0,
        10_000.0,
        10.0,
        "ms",
        "One-shot mode: simulated duration (also what File ▸ Export data and "
        "`neurolab run` record)",
    )


MODULES: dict[str, ModuleType] = {"hh": hh, "lif": lif, "rate": rate}
PARAMS: dict[str, type[ParamSet]] = {
    "hh": hh.HHParams,
    "lif": lif.LIFParams,
    "rate": rate.RateParams,
}
#: Per-model starting values of the run settings and of each stimulus kind.
RUN_DEFAULTS: dict[str, dict[str, float]] = {"hh": {}, "lif": {"dt": 0.1}, "rate": {"dt": 0.1}}
STIMULUS_DEFAULTS: dict[str, dict[str, dict[str, float]]] = {
    "hh": {"ramp": {"duration": 200.0}},
    "lif": lif.STIMULUS_DEFAULTS,
    "rate": {
        "constant": {"amplitude": 1.0},
        "step": {"amplitude": 2.0},
        "pulse train": {"amplitude": 2.0},
        "ramp": {"start": -5.0, "end": 5.0},
        "sine": {"amplitude": 3.0, "offset": 0.0},
        "noise": {"mean": 0.0, "sigma": 1.0},
    },
}
RUN: dict[str, type[ParamSet]] = {
    key: with_defaults(RunParams, **RUN_DEFAULTS[key]) for key in MODULES
}
STIMULUS_KINDS: dict[str, dict[str, type[ParamSet]]] = {
    key: {
        kind: with_defaults(cls, **STIMULUS_DEFAULTS[key].get(kind, {}))
        for kind, cls in STIMULI.items()
    }
    for key in MODULES
}
DEFAULT_STIMULUS = next(iter(STIMULI))  # the editor's first kind

#: The traces each model records, in the order the tab draws (and exports) them, and
#: the chunk attribute holding its spike times (None: the model does not spike).
TRACES: dict[str, tuple[str, ...]] = {
    "hh": ("V", "m", "h", "n", "I_Na", "I_K", "I_L", "I_in"),
    "lif": ("v", "I_in"),
    "rate": ("I_in", "y"),
}
SPIKES: dict[str, str | None] = {"hh": "spike_times", "lif": "spike_times", "rate": None}


# -- recording a run ------------------------------------------------------------------
@dataclass
class Bounds:
    """Physical range of traced states: a value outside means the integration diverged."""

    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    advice: str = ""

    def first_violation(self, values: Mapping[str, np.ndarray]) -> tuple[str, int] | None:
        """(field, first index) where the values leave the finite physical range, or None."""
        first: tuple[str, int] | None = None
        for name, x in values.items():
            lo, hi = self.limits.get(name, (-np.inf, np.inf))
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(x) | (x < lo) | (x > hi)
            # A NaN trace (e.g. no presynaptic neuron) is "absent", not diverged.
            if np.isnan(x).all():
                continue
            if bad.any():
                i = int(np.argmax(bad))
                if first is None or i < first[1]:
                    first = (name, i)
        return first


BOUNDS: dict[str, Bounds] = {
    # Even ±100 µA/cm² keeps V within a few hundred mV; gates are fractions.
    "hh": Bounds(
        {"V": (-2000.0, 2000.0), "m": (-0.05, 1.05), "h": (-0.05, 1.05), "n": (-0.05, 1.05)},
        " (Hodgkin–Huxley is accurate at dt ≤ 0.025 ms)",
    ),
    "lif": Bounds(),
    "rate": Bounds(),
}


@dataclass
class Violation:
    """Where a run left its physical range."""

    name: str
    index: int
    t: float
    value: float


def split_chunk(
    chunk: Any, fields: list[str] | tuple[str, ...], spike_names: list[str], bounds: Bounds
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], Violation | None]:
    """(t, traces, spikes, violation) of one streamed chunk: everything if it stays in
    ``bounds``, else only the samples before the first value outside them (and no spikes)."""
    values = {f: np.asarray(getattr(chunk, f), dtype=float) for f in fields}
    spikes = {name: np.asarray(getattr(chunk, name), dtype=float) for name in spike_names}
    bad = bounds.first_violation(values)
    if bad is None:
        return chunk.t, values, spikes, None
    name, i = bad
    cut = {f: v[:i] for f, v in values.items()}
    return chunk.t[:i], cut, {}, Violation(name, i, float(chunk.t[i]), float(values[name][i]))


class Recording:
    """The one-shot recorder: preallocated traces, thinned to a bounded size.

    A one-shot run can be long and finely stepped (10 s at dt = 0.001 ms is ten
    million steps); the recorder keeps every r-th sample so each trace holds at
    most ``max_samples`` points, and appends in place so a redraw never copies
    the whole run.  Spike times are kept exactly.
    """

    def __init__(self, n_steps: int, names: list[str], max_samples: int = 200_000) -> None:
        self.every = max(1, math.ceil(n_steps / max_samples))
        size = math.ceil(n_steps / self.every) + 1
        self.t = np.empty(size)
        self.data = {name: np.empty(size) for name in names}
        self.spikes: list[np.ndarray] = []
        self.count = 0  # samples stored
        self.seen = 0  # samples offered

    def append(self, t: np.ndarray, values: Mapping[str, np.ndarray], spikes=()) -> None:
        k = len(t)
        first = (-self.seen) % self.every  # index in this chunk of the next kept sample
        keep = slice(first, k, self.every)
        n = len(range(first, k, self.every))
        end = min(self.count + n, len(self.t))
        n = end - self.count
        self.t[self.count : end] = t[keep][:n]
        for name, buf in self.data.items():
            buf[self.count : end] = values[name][keep][:n]
        self.count = end
        self.seen += k
        if len(spikes):
            self.spikes.append(np.asarray(spikes, dtype=float))

    def arrays(self) -> dict[str, np.ndarray]:
        """Views of the stored samples (t first), and the spike times."""
        out = {"t": self.t[: self.count]}
        out.update({name: buf[: self.count] for name, buf in self.data.items()})
        out["spike_times"] = np.concatenate(self.spikes) if self.spikes else np.empty(0)
        return out


def one_shot_chunk_ms(run: RunParams) -> float:
    """Simulated ms per chunk of a one-shot run: a hundredth of it (the progress bar)."""
    return max(run.dt, run.duration / 100)


def one_shot_stream(model: str, params: ParamSet, stimulus: Stimulus, run: RunParams) -> Iterator:
    """The generator a one-shot run of ``model`` iterates (the GUI's and the headless one)."""
    return MODULES[model].stream(
        stimulus, params, dt=run.dt, chunk_ms=one_shot_chunk_ms(run), t_end=run.duration
    )


def record_one_shot(
    model: str, params: ParamSet, stimulus: Stimulus, run: RunParams
) -> dict[str, np.ndarray]:
    """The arrays a one-shot run records: ``t``, the model's traces (thinned as the tab
    thins them), and its spike times; cut where a state leaves its physical range."""
    fields, spike = TRACES[model], SPIKES[model]
    names = [spike] if spike else []
    rec = Recording(round(run.duration / run.dt), list(fields))
    spikes: list[np.ndarray] = []
    for chunk in one_shot_stream(model, params, stimulus, run):
        t, values, chunk_spikes, bad = split_chunk(chunk, fields, names, BOUNDS[model])
        rec.append(t, values)
        if spike and len(chunk_spikes.get(spike, ())):
            spikes.append(chunk_spikes[spike])
        if bad is not None:
            break
    out = {k: v.copy() for k, v in rec.arrays().items()}
    out.pop("spike_times", None)
    if spike:
        out[spike] = np.concatenate(spikes) if spikes else np.empty(0)
    return out


def trace_parameters(
    model: str, mode: str, params: ParamSet, kind: str, stimulus: Stimulus, run: RunParams
) -> dict[str, Any]:
    """The parameters recorded with exported traces."""
    return {
        "model": model,
        "mode": mode,
        "model_params": params.as_dict(),
        "stimulus_kind": kind,
        "stimulus": stimulus.as_dict(),
        "run": run.as_dict(),
    }


# -- tuning curves -----------------------------------------------------------------------
POPULATION_X = np.linspace(-1.0, 1.0, 201)


def hh_rates(sweep: tuning.FISweepParams, hh_params: hh.HHParams) -> Iterator:
    """The HH F–I sweep in pieces (``(fraction, None)`` … ``(1.0, rates)``), as the view runs it."""
    return hh.fi_curve_stream(
        tuning.hh_sweep_currents(sweep), sweep.duration, tuning.HH_FI_DT, sweep.t_skip, hh_params
    )


def tuning_output_parameters(
    sweep: tuning.FISweepParams,
    population: tuning.PopulationParams,
    lif_params: lif.LIFParams,
    hh_params: hh.HHParams,
) -> dict[str, Any]:
    """The settings the Tuning curves view computes from."""
    return {
        "sweep": sweep.as_dict(),
        "population": population.as_dict(),
        "lif_params": lif_params.as_dict(),
        "hh_params": hh_params.as_dict(),
    }


def tuning_output(
    sweep: tuning.FISweepParams,
    population: tuning.PopulationParams,
    lif_params: lif.LIFParams,
    hh_params: hh.HHParams,
    hh_result: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, parameters) of the Tuning curves view.

    ``lif_J``/``lif_rate``: analytic G(J); ``lif_J_sim``/``lif_rate_sim``: simulated
    LIF rates; ``hh_I``/``hh_rate``: simulated HH F–I curve (computed here unless
    ``hh_result`` gives it); ``pop_x``, ``pop_rates`` (one column per neuron) and the
    population's encoders, gains and biases.  A sweep or population that cannot be
    computed is left out, with the reason under "notes".
    """
    J_fine, J_sim = tuning.lif_sweep_inputs(sweep)
    arrays: dict[str, np.ndarray] = {
        "lif_J": J_fine,
        "lif_rate": np.asarray(lif.rate(J_fine, lif_params)),
        "lif_J_sim": J_sim,
        "lif_rate_sim": lif.fi_curve(J_sim, sweep.duration, tuning.LIF_SIM_DT, lif_params),
    }
    notes = []
    problem = tuning.hh_sweep_problem(sweep)
    if problem:
        notes.append(f"HH F–I: {problem}")
    else:
        if hh_result is None:
            *_, (_, hh_result) = hh_rates(sweep, hh_params)
        arrays["hh_I"] = tuning.hh_sweep_currents(sweep)
        arrays["hh_rate"] = np.asarray(hh_result, dtype=float)
    try:
        pop = tuning.LIFPopulation(population, lif_params)
    except ParamError as err:
        notes.append(f"LIF population: {err}")
    else:
        arrays["pop_x"] = POPULATION_X
        arrays["pop_rates"] = pop.rates(POPULATION_X).T
        arrays["pop_encoders"] = pop.encoders
        arrays["pop_gains"] = pop.gains
        arrays["pop_biases"] = pop.biases
    parameters = tuning_output_parameters(sweep, population, lif_params, hh_params)
    if notes:
        parameters["notes"] = notes
    return arrays, parameters


# -- activation functions -------------------------------------------------------------------
ACTIVATION_X = np.linspace(-5.0, 5.0, 1001)
SOFTMAX_INPUT = (1.0, 2.0, 3.0, 0.5)
DEFAULT_SHOWN = ["logistic", "tanh", "relu"]


def check_shown(value: Any) -> list[str]:
    """The activation functions shown: a list of distinct names from ACTIVATIONS,
    returned in the registry's order."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(
            f"expected a list of activation names ({', '.join(ACTIVATIONS)}), got {value!r}"
        )
    unknown = [v for v in value if v not in ACTIVATIONS]
    if unknown:
        raise ValueError(
            f"unknown activation {unknown[0]!r}; expected names from {', '.join(ACTIVATIONS)}"
        )
    if len(set(value)) != len(value):
        raise ValueError("each activation may be listed once")
    return [name for name in ACTIVATIONS if name in value]


def activation_output(shown: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, parameters) of the Activation functions view: ``x``, then σ and σ′ of each
    shown function (``<name>``, ``<name>_derivative``), and softmax/argmax of a vector."""
    v = np.array(SOFTMAX_INPUT)
    arrays: dict[str, np.ndarray] = {"x": ACTIVATION_X}
    for name in shown:
        act = ACTIVATIONS[name]
        arrays[name] = act.f(ACTIVATION_X)
        arrays[f"{name}_derivative"] = act.df(ACTIVATION_X)
    arrays["softmax_input"] = v
    arrays["softmax"] = softmax(v)
    arrays["argmax"] = argmax_onehot(v)
    return arrays, {"shown": list(shown), "softmax_input": list(SOFTMAX_INPUT)}


# -- the schema and the headless computation ---------------------------------------------------
def _model_group(key: str) -> dict[str, Any]:
    return {
        "params": PARAMS[key],
        "run": RUN[key],
        "stimulus": Variant(STIMULUS_KINDS[key], DEFAULT_STIMULUS),
    }


SCHEMA = {
    "model": Custom(one_of(*MODULES), "hh"),
    "mode": Custom(one_of(LIVE, ONESHOT), LIVE),
    "view": Custom(one_of(*VIEWS), "traces"),
    **{key: _model_group(key) for key in MODULES},
    "tuning": {"sweep": tuning.FISweepParams, "population": tuning.PopulationParams},
    "activations": {"shown": Custom(check_shown, list(DEFAULT_SHOWN))},
}


def compute(state: Mapping[str, Any]):
    """What the state's view exports (see the module notes for the traces)."""
    from neurolab.core.tabstate import Output

    view = state["view"]
    if view == "traces":
        model = state["model"]
        s = state[model]
        stim = s["stimulus"]
        arrays = record_one_shot(model, s["params"], stim["params"], s["run"])
        parameters = trace_parameters(
            model, ONESHOT, s["params"], stim["kind"], stim["params"], s["run"]
        )
        return Output(arrays, parameters, "traces")
    if view == "tuning":
        t = state["tuning"]
        arrays, parameters = tuning_output(
            t["sweep"], t["population"], state["lif"]["params"], state["hh"]["params"]
        )
        return Output(arrays, parameters, "tuning")
    arrays, parameters = activation_output(state["activations"]["shown"])
    return Output(arrays, parameters, "activations")
