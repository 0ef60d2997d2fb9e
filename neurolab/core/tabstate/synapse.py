"""The Synapse tab's sections in an experiment file, and its computation without a display.

``synapse_filter``: no run — the kernel h(t), the spike train over the view's duration and
s = Σ h(t − t_i) on the view's grid, exactly what the view draws and exports.
``synapse_chain``: one run of the chain from t = 0 for ``run.duration`` ms (the live run
stops there by itself), in the live view's chunks; the export is the last screenful
(``run.window`` ms) and the spikes in it, as the live screen keeps them.  Random trains and
the noise stimulus are seeded, so the GUI's export after its run equals it bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neurolab.core.experiment import Custom, Variant, one_of
from neurolab.core.lif import STIMULUS_DEFAULTS, LIFParams
from neurolab.core.params import Param, ParamSet, with_defaults
from neurolab.core.stimulus import STIMULI, Stimulus
from neurolab.core.synapse import (
    TRAINS,
    Chain,
    ChainParams,
    ExplicitTimes,
    SpikeTrain,
    SynapseParams,
    chain_stream,
    filter_spikes,
    kernel,
)

__all__ = [
    "SCHEMA",
    "compute",
    "FilterViewParams",
    "ChainRunParams",
    "ChainSynapseParams",
    "CHAIN_STIMULI",
    "FILTER_TRAINS",
    "CHAIN_TRAINS",
    "check_times",
    "kernel_span",
    "filter_times",
    "filter_arrays",
    "filter_parameters",
    "chain_screen",
    "chain_parameters",
]

EXPLICIT = "explicit"
STIMULUS, TRAIN = "stimulus", "train"
GRID_POINTS = 4001  # samples of s over the filter view's duration
KERNEL_POINTS = 1001
LIVE_CHUNK_MS = 5.0  # the live chain advances in chunks of this many ms
MAX_TIMES = 10_000  # explicit spike times an experiment may hold


class FilterViewParams(ParamSet):
    duration = Param(500.0, 50.0, 5000.0, 10.0, "ms", "Length of the spike train shown")


class ChainRunParams(ParamSet):
    """How the live two-neuron run is drawn, and when it stops."""

    dt = Param(0.1, 0.01, 1.0, 0.01, "ms", "Integration time step", log=True)
    window = Param(500.0, 50.0, 5000.0, 10.0, "ms", "Width of the live screen")
    speed = Param(500.0, 10.0, 5000.0, 10.0, "ms/s", "Simulated ms per real second", log=True)
    duration = Param(
        10_000.0,
        50.0,
        600_000.0,
        50.0,
        "ms",
        "The run stops by itself after this much simulated time; Export data then writes "
        "the last screen (what `neurolab run` computes for this experiment)",
        log=True,
        label="run for",
    )


#: The chain's synapse starts strong enough that the postsynaptic neuron fires.
ChainSynapseParams = with_defaults(SynapseParams, w=30.0)

#: The chain's stimulus kinds, starting where they make the (dimensionless) LIF fire.
CHAIN_STIMULI: dict[str, type[Stimulus]] = {
    k: with_defaults(cls, **STIMULUS_DEFAULTS.get(k, {})) for k, cls in STIMULI.items()
}


class ExplicitKind(ParamSet):
    """The explicit kind's (empty) parameters: its list is the "times" section."""

    kind = EXPLICIT


FILTER_TRAINS: dict[str, type[ParamSet]] = {
    k: ExplicitKind if k == EXPLICIT else c for k, c in TRAINS.items()
}
#: Without a raster to click, the chain has no explicit list.
CHAIN_TRAINS: dict[str, type[SpikeTrain]] = {k: c for k, c in TRAINS.items() if k != EXPLICIT}


def check_times(value: Any) -> list[float]:
    """Explicit spike times: a list of at most MAX_TIMES finite numbers of ms in
    [0, the longest view]; returned sorted."""
    high = FilterViewParams.duration.high
    if not isinstance(value, list):
        raise ValueError(f"expected a list of spike times in ms, got {type(value).__name__}")
    if len(value) > MAX_TIMES:
        raise ValueError(f"expected at most {MAX_TIMES} spike times, got {len(value)}")
    out = []
    for i, t in enumerate(value):
        if isinstance(t, bool) or not isinstance(t, int | float):
            raise ValueError(f"item {i}: expected a number of ms, got {t!r}")
        if not (math.isfinite(t) and 0.0 <= t <= high):
            raise ValueError(f"item {i}: expected a time between 0 and {high:g} ms, got {t!r}")
        out.append(float(t) + 0.0)
    return sorted(out)


SCHEMA = {
    "view": Custom(one_of("synapse_filter", "synapse_chain"), "synapse_filter"),
    "synapse_filter": {
        "synapse": SynapseParams,
        "train": Variant(FILTER_TRAINS, "regular"),
        "times": Custom(check_times, []),
        "view": FilterViewParams,
    },
    "synapse_chain": {
        "source": Custom(one_of(STIMULUS, TRAIN), STIMULUS),
        "stimulus": Variant(CHAIN_STIMULI, "constant"),
        "train": Variant(CHAIN_TRAINS, "regular"),
        "synapse": ChainSynapseParams,
        "pre": LIFParams,
        "post": LIFParams,
        "bias": ChainParams,
        "run": ChainRunParams,
    },
}


# -- the filter view ---------------------------------------------------------------------
def kernel_span(tau_s: float, n: int) -> float:
    """A time (ms) after which h with shape n is negligible: mean + 6 standard deviations."""
    return ((n + 1) + 6 * math.sqrt(n + 1)) * tau_s


def train_of(kind: str, params: SpikeTrain, times: Any) -> SpikeTrain:
    """The spike train a view uses: the explicit list for the explicit kind."""
    return ExplicitTimes(times=tuple(times)) if kind == EXPLICIT else params


def filter_times(train: SpikeTrain, duration: float) -> np.ndarray:
    """The spikes shown over [0, duration]: a generator's draw in [0, duration), or the
    explicit times up to and including ``duration`` (a click at the right edge counts)."""
    if isinstance(train, ExplicitTimes):
        times = np.sort(np.asarray(train.times, dtype=float))
        return times[times <= duration]
    return np.asarray(train.generate(duration), dtype=float)


def kernel_curve(p: SynapseParams) -> tuple[np.ndarray, np.ndarray]:
    """(t, h) of the chosen kernel over a span that also shows the n ≤ 3 family."""
    tk = np.linspace(0.0, kernel_span(p.tau_s, max(p.n, 3)), KERNEL_POINTS)
    return tk, kernel(tk, p.tau_s, p.n)


def filtered(times: np.ndarray, p: SynapseParams, duration: float) -> tuple[np.ndarray, ...]:
    """(t, s): the filtered train s = Σ h(t − t_i) on the view's grid."""
    t = np.linspace(0.0, duration, GRID_POINTS)
    return t, filter_spikes(times, t, p.tau_s, p.n)


def filter_arrays(p: SynapseParams, times: np.ndarray, duration: float) -> dict[str, np.ndarray]:
    t, s = filtered(times, p, duration)
    tk, hk = kernel_curve(p)
    return {"t": t, "s": s, "spike_times": np.asarray(times, float), "kernel_t": tk, "kernel_h": hk}


def filter_parameters(
    p: SynapseParams, kind: str, train: SpikeTrain, view: FilterViewParams
) -> dict:
    return {
        "synapse": p.as_dict(),
        "train_kind": kind,
        "train": train.as_dict(),
        "view": view.as_dict(),
    }


def _compute_filter(state: dict) -> tuple[dict, dict]:
    kind = state["train"]["kind"]
    train = train_of(kind, state["train"]["params"], state["times"])
    duration = state["view"].duration
    times = filter_times(train, duration)
    return (
        filter_arrays(state["synapse"], times, duration),
        filter_parameters(state["synapse"], kind, train, state["view"]),
    )


# -- the two-neuron chain ------------------------------------------------------------------
FIELDS = ("v_pre", "s", "v_post", "I_in")  # the live view's traces, in its order
SPIKES = ("pre_spikes", "post_spikes")


def chain_screen(source: Any, chain: Chain, run: ChainRunParams) -> dict[str, np.ndarray]:
    """One run for ``run.duration`` ms in live chunks; the last screenful of it.

    As the live screen keeps it: the last max(2, round(window/dt)) samples with their
    absolute times ``t``, and the spikes at or after (last t) − window.
    """
    dt, window = run.dt, float(run.window)
    n = max(2, int(round(window / dt)))
    chunk_ms = max(dt, LIVE_CHUNK_MS)
    kept: dict[str, list[np.ndarray]] = {f: [] for f in ("t", *FIELDS)}
    spikes: dict[str, list[np.ndarray]] = {f: [] for f in SPIKES}
    count = 0
    for chunk in chain_stream(source, chain, dt=dt, chunk_ms=chunk_ms, t_end=run.duration):
        for f in kept:
            kept[f].append(np.asarray(getattr(chunk, f), dtype=float))
        for f in spikes:
            spikes[f].append(np.asarray(getattr(chunk, f), dtype=float))
        count += len(chunk.t)
        if count > 4 * n:  # forget what has scrolled off the screen
            for f in kept:
                kept[f] = [np.concatenate(kept[f])[-n:]]
            count = n
    if count == 0:
        return {}
    out = {f: np.concatenate(v)[-n:] for f, v in kept.items()}
    t_now = float(out["t"][-1])
    for f, v in spikes.items():
        s = np.concatenate(v)
        out[f] = s[s >= t_now - window]
    return out


def chain_parameters(
    source_name: str, kind: str, source: Any, chain: Chain, run: ChainRunParams
) -> dict:
    return {
        "source": source_name,
        "source_kind": kind,
        "source_params": source.as_dict(),
        "chain": chain.as_dict(),
        "run": run.as_dict(),
    }


def chain_of(state: dict) -> Chain:
    return Chain(
        pre=state["pre"],
        post=state["post"],
        synapse=SynapseParams(**state["synapse"].as_dict()),
        bias=state["bias"],
    )


def _compute_chain(state: dict) -> tuple[dict, dict]:
    name = state["source"]
    variant = state[STIMULUS] if name == STIMULUS else state[TRAIN]
    source, chain, run = variant["params"], chain_of(state), state["run"]
    return (
        chain_screen(source, chain, run),
        chain_parameters(name, variant["kind"], source, chain, run),
    )


def compute(state: dict):
    """What the Synapse tab's Export data writes for the state's view (see the docstring)."""
    from neurolab.core.tabstate import Output

    view = state["view"]
    arrays, parameters = (_compute_filter if view == "synapse_filter" else _compute_chain)(
        state[view]
    )
    return Output(arrays, parameters, view)
