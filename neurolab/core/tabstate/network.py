"""The Network tab's sections in an experiment file, and its computation without a display.

Three views, one group each: ``network_rate`` (layer sizes, activation/seed/scale,
inputs, typed weight edits), ``network_spiking`` (the LIF network, its input, its
neurons, the screen, how long a run lasts, the shown neuron) and
``network_approximation`` (target, N, steepness, typed f(x)).  The GUI's views
declare nothing themselves: they import these ParamSets and compute through
these functions, so an export of the GUI equals :func:`compute` for its state.

Headless runs: the rate and approximation views are instantaneous (their
figure is a function of the settings).  The spiking view builds the seeded
network and simulates it from t = 0 for ``run.stop_after`` ms in one piece; the
GUI's run stops by itself at the same time, and its chunks concatenate to the
same numbers bit for bit (unless a live change was made during the run).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from neurolab.core.activations import ACTIVATIONS
from neurolab.core.approximation import TARGETS, ApproxResult, approximate, parse_expression
from neurolab.core.experiment import Checked, Custom, one_of
from neurolab.core.lif import LIFParams
from neurolab.core.network import (
    RateNetwork,
    augmented,
    augmented_forward,
    dense_forward,
    random_bias,
    simulate_lif,
)
from neurolab.core.params import Choice, Param, ParamError, ParamSet

VIEWS = ("network_rate", "network_spiking", "network_approximation")

# ======================================================================================
# Rate network


MIN_LAYERS, MAX_LAYERS = 2, 5
MAX_NEURONS = 16
DEFAULT_SIZES = (3, 4, 2)
DEFAULT_INPUTS = (1.0, -0.5, 0.5, -1.0)  # repeated for larger input layers
INPUT_RANGE = 3.0
WEIGHT_LIMIT = 100.0
MAX_EDITS = 10_000


class RateNetworkParams(ParamSet):
    activation = Choice(
        "logistic",
        tuple(ACTIVATIONS),
        "Activation σ of every hidden and output neuron: y = σ(z)",
        label="activation σ",
    )
    seed = Param(
        0,
        0,
        999,
        1,
        "",
        "Seed of the random draw: W ~ N(0, 1/fan-in), b ~ N(0, 0.1²); "
        "a new seed discards typed weights",
        integer=True,
    )
    scale = Param(
        1.0,
        0.1,
        10.0,
        0.01,
        "",
        "Multiplies every weight W (not the biases): large weights saturate σ",
        log=True,
        label="weight scale",
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_sizes(value: Any) -> list[int]:
    """Layer sizes, input first: 2 to 5 layers of 1 to 16 neurons."""
    expected = (
        f"a list of {MIN_LAYERS} to {MAX_LAYERS} layer sizes (input first), "
        f"each a whole number from 1 to {MAX_NEURONS}, e.g. [3, 4, 2]"
    )
    if not isinstance(value, list) or not MIN_LAYERS <= len(value) <= MAX_LAYERS:
        raise ValueError(f"expected {expected}, got {value!r}")
    if not all(_is_int(n) and 1 <= n <= MAX_NEURONS for n in value):
        raise ValueError(f"expected {expected}, got {value!r}")
    return [int(n) for n in value]


def check_inputs(value: Any) -> list[float]:
    """The input activities x₀ …; missing ones take their defaults, extra ones are unused."""
    if (
        not isinstance(value, list)
        or len(value) > MAX_NEURONS
        or not all(_is_number(v) and abs(v) <= INPUT_RANGE for v in value)
    ):
        raise ValueError(
            f"expected a list of at most {MAX_NEURONS} input values between "
            f"{-INPUT_RANGE:g} and {INPUT_RANGE:g}, got {value!r}"
        )
    return [float(v) for v in value]


def check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def check_shown_layer(value: Any) -> int:
    if not _is_int(value) or not 1 <= value <= MAX_LAYERS - 1:
        raise ValueError(
            f"expected the weight layer shown, a whole number from 1 (W1) to "
            f"{MAX_LAYERS - 1}, got {value!r}"
        )
    return int(value)


def check_edits(value: Any) -> list[dict]:
    """Typed weights in the order typed: {"layer", "param": "W", "i", "j", "value",
    "scale"} (``scale``: the weight scale in force then) or {"layer", "param": "b",
    "j", "value"}."""
    if not isinstance(value, list) or len(value) > MAX_EDITS:
        raise ValueError(f"expected a list of at most {MAX_EDITS} weight edits, got {value!r}")
    scale_decl = RateNetworkParams.declaration("scale")
    low, high = scale_decl.low, scale_decl.high
    out = []
    for n, e in enumerate(value):
        where = f"edit {n}"
        if not isinstance(e, dict):
            raise ValueError(f"{where}: expected an object, got {e!r}")
        param = e.get("param")
        if param == "W":
            keys = {"layer", "param", "i", "j", "value", "scale"}
        elif param == "b":
            keys = {"layer", "param", "j", "value"}
        else:
            raise ValueError(f'{where}: "param" must be "W" or "b", got {param!r}')
        if set(e) != keys:
            raise ValueError(f"{where}: expected the keys {', '.join(sorted(keys))}")
        if not _is_int(e["layer"]) or not 1 <= e["layer"] <= MAX_LAYERS - 1:
            raise ValueError(f"{where}: layer must be 1 to {MAX_LAYERS - 1}, got {e['layer']!r}")
        for key in ("i", "j") if param == "W" else ("j",):
            if not _is_int(e[key]) or not 0 <= e[key] < MAX_NEURONS:
                raise ValueError(f"{where}: {key} must be 0 to {MAX_NEURONS - 1}, got {e[key]!r}")
        if not _is_number(e["value"]) or abs(e["value"]) > WEIGHT_LIMIT:
            raise ValueError(
                f"{where}: value must be a number between ±{WEIGHT_LIMIT:g}, got {e['value']!r}"
            )
        clean = {"layer": e["layer"], "param": param}
        if param == "W":
            if not _is_number(e["scale"]) or not low <= e["scale"] <= high:
                raise ValueError(f"{where}: scale must be {low:g} to {high:g}, got {e['scale']!r}")
            clean.update(i=e["i"], j=e["j"], value=float(e["value"]), scale=float(e["scale"]))
        else:
            clean.update(j=e["j"], value=float(e["value"]))
        out.append(clean)
    return out


def check_edits_fit(sizes: list[int], edits: list[dict]) -> None:
    """A ValueError naming the first typed weight outside a network of ``sizes``."""
    for n, e in enumerate(edits):
        k = e["layer"]
        outside = k > len(sizes) - 1 or e["j"] >= sizes[k]
        if outside or (e["param"] == "W" and e["i"] >= sizes[k - 1]):
            raise ValueError(
                f"weight edit {n} ({e['param']}{k}, i = {e.get('i', '-')}, j = {e['j']}) is "
                f"outside the network of layers {', '.join(map(str, sizes))}"
            )


def check_rate(group: dict) -> None:
    """The rate network's sections agree: one input per input neuron, the shown weight
    layer and every typed weight inside the network."""
    sizes, inputs = group["sizes"], group["inputs"]
    if len(inputs) != sizes[0]:
        raise ValueError(
            f"inputs: expected {sizes[0]} numbers, one per input neuron (sizes starts with "
            f"{sizes[0]}), got {len(inputs)}"
        )
    if group["shown_layer"] > len(sizes) - 1:
        raise ValueError(
            f"shown_layer: the network has weight layers 1 to {len(sizes) - 1}, "
            f"got {group['shown_layer']}"
        )
    check_edits_fit(sizes, group["edits"])


def input_vector(values: list[float], m: int) -> np.ndarray:
    """The m inputs: the given values, then the defaults for any not given."""
    return np.array(
        [
            values[k] if k < len(values) else DEFAULT_INPUTS[k % len(DEFAULT_INPUTS)]
            for k in range(m)
        ],
        dtype=float,
    )


def rate_weights(
    sizes: list[int], params: RateNetworkParams, edits: list[dict]
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """(unscaled weights, weights, biases) drawn from the seed with the typed edits.

    The weights are ``scale · W_drawn``; a typed W value entered at scale s sets
    the unscaled weight to value / s, and shows exactly as typed while the scale is s.
    An edit outside the network is a ValueError naming it.
    """
    net = RateNetwork(sizes, params.activation, seed=params.seed)
    base = [W.copy() for W in net.weights]
    biases = [b.copy() for b in net.biases]
    check_edits_fit(sizes, edits)
    for e in edits:
        k = e["layer"]
        if e["param"] == "b":
            biases[k - 1][e["j"]] = e["value"]
        else:
            base[k - 1][e["i"], e["j"]] = e["value"] / e["scale"]
    weights = [params.scale * W for W in base]
    for e in edits:
        if e["param"] == "W" and e["scale"] == params.scale:
            weights[e["layer"] - 1][e["i"], e["j"]] = e["value"]
    return base, weights, biases


def rate_forward(
    x: np.ndarray,
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    activation: str,
    augmented_form: bool,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(activities with the input first, net inputs z of layers 1…), computed as
    σ((x 1)·[W; b]) or as σ(x W + b)."""
    ys, zs = [np.asarray(x, dtype=float)], []
    for W, b in zip(weights, biases, strict=True):
        x = ys[-1]
        if augmented_form:
            zs.append(np.append(x, 1.0) @ augmented(W, b))
            ys.append(augmented_forward(x, W, b, activation))
        else:
            zs.append(x @ W + b)
            ys.append(dense_forward(x, W, b, activation))
    return ys, zs


def rate_arrays(
    ys: list[np.ndarray], zs: list[np.ndarray], weights: list[np.ndarray], biases: list[np.ndarray]
) -> dict[str, np.ndarray]:
    """Inputs, every layer's z and y, every W and b (``W1`` connects layer 0 to 1)."""
    out: dict[str, np.ndarray] = {"x": ys[0].copy()}
    for k, y in enumerate(ys):
        out[f"y{k}"] = y.copy()
    for k, z in enumerate(zs, start=1):
        out[f"z{k}"] = z.copy()
    for k, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
        out[f"W{k}"] = W.copy()
        out[f"b{k}"] = b.copy()
    return out


def rate_parameters(
    sizes: list[int],
    params: RateNetworkParams,
    x: np.ndarray,
    augmented_form: bool,
    shown_layer: int,
    edits: list[dict],
) -> dict:
    """Everything needed to redo the figure: draw from ``seed``, apply ``edits``, scale."""
    return {
        "sizes": list(sizes),
        "activation": params.activation,
        "seed": params.seed,
        "scale": params.scale,
        "inputs": np.asarray(x, dtype=float).tolist(),
        "augmented": bool(augmented_form),
        "shown_layer": int(shown_layer),
        "edits": [dict(e) for e in edits],
    }


RATE = Checked(
    {
        "sizes": Custom(check_sizes, list(DEFAULT_SIZES)),
        "weights": RateNetworkParams,
        "inputs": Custom(check_inputs, list(DEFAULT_INPUTS[:3])),
        "augmented": Custom(check_bool, False),
        "shown_layer": Custom(check_shown_layer, 1),
        "edits": Custom(check_edits, []),
    },
    check_rate,
)


def compute_rate(state: dict) -> tuple[dict[str, np.ndarray], dict]:
    sizes, params = state["sizes"], state["weights"]
    _, weights, biases = rate_weights(sizes, params, state["edits"])
    x = input_vector(state["inputs"], sizes[0])
    ys, zs = rate_forward(x, weights, biases, params.activation, state["augmented"])
    shown = state["shown_layer"]
    return rate_arrays(ys, zs, weights, biases), rate_parameters(
        sizes, params, x, state["augmented"], shown, state["edits"]
    )


# ======================================================================================
# Spiking network

MAX_SYNAPSES = 20_000_000  # ~240 MB of CSR arrays; more would swamp a classroom PC
CSV_MAX_SYNAPSES = 1_000_000  # more weights go to NPZ only (as CSV 20 M took 65 s, 820 MB)
MAX_KEPT_SPIKES = 10_000_000  # spikes kept for "Export data" (the newest ones)
BUILD_STEP_S = 0.05  # the build reports progress (and can be cancelled) this often
WEIGHT_BLOCK = 2_000_000  # weights drawn at a time (~0.05 s)
MAX_NEURON = 20_000


class NetworkBuildParams(ParamSet):
    """What the network is: changing any of these rebuilds it."""

    N = Param(1000, 2, MAX_NEURON, 1, "", "Number of neurons", integer=True, label="N")
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
        """Refuse a network too large to build, naming the limit.

        The expected count N·(N − 1)·p is checked before anything is drawn; the
        drawn count scatters around it by about its square root (20,000,122 for an
        expected 19,999,000), so the limit is "about" 20 million.
        """
        n_syn = self.N * (self.N - 1) * self.p
        if n_syn > MAX_SYNAPSES:
            raise ParamError(
                f"N = {self.N} with p = {self.p:g} gives about {n_syn:,.0f} synapses "
                f"(N·(N−1)·p); the limit is about {MAX_SYNAPSES:,}: lower N or p"
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


class RunParams(ParamSet):
    """How long a run lasts."""

    stop_after = Param(
        5000.0,
        10.0,
        600_000.0,
        10.0,
        "ms",
        "The run stops by itself after this much simulated time (Stop ends it earlier). "
        "Export data then holds the same numbers as `neurolab run` of this experiment; "
        "a change applies to the running network at once",
        log=True,
        label="stop after",
    )


def check_picked(value: Any) -> int:
    if not _is_int(value) or not 0 <= value < MAX_NEURON:
        raise ValueError(
            f"expected the shown neuron, a whole number from 0 to {MAX_NEURON - 1} "
            f"(below N), got {value!r}"
        )
    return int(value)


@dataclass
class Built:
    """The network a run built, handed to the GUI before the first chunk."""

    W: sp.csr_matrix
    J: np.ndarray
    v0: np.ndarray


def build_steps(
    net: NetworkBuildParams, bias: BiasParams, step_s: float = BUILD_STEP_S
) -> Generator[float, None, Built]:
    """Build the network in steps: yields the fraction done about every ``step_s``
    seconds and returns the :class:`Built` network.

    The draws are those of :func:`neurolab.core.network.random_network` (one
    ``rng.random(N) < p`` per presynaptic neuron, then the weights), so the same
    seed gives the same network; the CSR matrix is assembled directly from the
    rows, which are drawn in order (int32 indices).
    """
    net.check()
    bias.check()
    n, p = net.N, net.p
    rng = np.random.default_rng(net.seed)
    targets: list[np.ndarray] = []
    counts = np.zeros(n, dtype=np.int64)
    last = time.perf_counter()
    for j in range(n):
        t = np.flatnonzero(rng.random(n) < p)
        t = t[t != j]
        targets.append(t.astype(np.int32))
        counts[j] = t.size
        if time.perf_counter() - last > step_s:
            yield 0.9 * (j + 1) / n
            last = time.perf_counter()
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(targets)
    del targets
    yield 0.9
    # The weights in blocks (the same draws as one call), so a stop is noticed here too.
    w = np.empty(indices.size)
    for start in range(0, indices.size, WEIGHT_BLOCK):
        stop = min(start + WEIGHT_BLOCK, indices.size)
        w[start:stop] = rng.normal(net.w_mean, net.w_spread, size=stop - start)
        yield 0.9 + 0.1 * stop / indices.size
    if net.signs == "Dale's law":
        first_inhibitory = indptr[int(round(net.exc_fraction * n))]
        np.abs(w, out=w)
        w[first_inhibitory:] *= -1.0
    index_type = np.int32 if indptr[-1] < 2**31 else np.int64
    W = sp.csr_matrix((w, indices, indptr.astype(index_type)), shape=(n, n))
    v0 = np.random.default_rng([net.seed, 2]).uniform(0.0, 1.0, n)
    return Built(W, bias_vector(net, bias), v0)


def build_network(net: NetworkBuildParams, bias: BiasParams) -> Built:
    """Weights, biases and initial v, all from the seed (the same seed, the same network)."""
    steps = build_steps(net, bias, step_s=math.inf)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def bias_vector(net: NetworkBuildParams, bias: BiasParams) -> np.ndarray:
    """J_i: uniform in the range from a fixed draw per seed, so moving the range rescales it."""
    return random_bias(net.N, bias.J_low, bias.J_high, seed=[net.seed, 1]) + bias.I_ext


def spiking_arrays(
    built: Built, times: np.ndarray, indices: np.ndarray, counts: np.ndarray, t_now: float
) -> dict[str, np.ndarray]:
    """What Export data writes for a run that reached ``t_now`` (ms): the spikes (the
    newest ≤ 10 M of ``times``/``indices``), the rate of every neuron from its spike
    ``counts``, the population rate in 1 ms bins, the weights as (from, to, value)
    triplets with int32 indices, J and v₀."""
    n = built.W.shape[0]
    times = times[-MAX_KEPT_SPIKES:]
    idx = indices[-MAX_KEPT_SPIKES:].astype(np.int32)
    bins = np.arange(0.0, max(t_now, 1.0) + 1.0, 1.0)
    pop, _ = np.histogram(times, bins)
    coo = built.W.tocoo()
    return {
        "spike_times": times,
        "spike_indices": idx,
        "rate_per_neuron": firing_rates(counts, t_now),
        "population_rate_t": bins[:-1],
        "population_rate": pop * (1000.0 / n),
        "W_from": coo.row.astype(np.int32, copy=False),
        "W_to": coo.col.astype(np.int32, copy=False),
        "W_value": coo.data,
        "J": built.J,
        "v0": built.v0,
    }


def firing_rates(counts: np.ndarray, t_now: float) -> np.ndarray:
    """Mean rate of every neuron over [0, t_now] (Hz)."""
    return counts * (1000.0 / t_now) if t_now > 0 else counts * 0.0


def spiking_for_format(
    arrays: dict[str, np.ndarray], n_synapses: int, fmt: str
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays to write as ``fmt`` ("csv" or "npz") and metadata to add.

    A CSV gets the weights only up to :data:`CSV_MAX_SYNAPSES` synapses; above
    that (20 M took 65 s and 820 MB as text; still 24 s and 740 MB with the faster
    writer) it holds the spikes and rates and its metadata says where the weights
    are: the NPZ export (20 M: 6 s, 190 MB).
    """
    if fmt != "csv" or not arrays or n_synapses <= CSV_MAX_SYNAPSES:
        return arrays, {}
    arrays = dict(arrays)
    for key in ("W_from", "W_to", "W_value"):
        del arrays[key]
    note = (
        f"The {n_synapses:,} weights are left out of this CSV (more than "
        f"{CSV_MAX_SYNAPSES:,}); export as NPZ (NumPy archive) to get them as "
        "W_from, W_to, W_value."
    )
    return arrays, {"note": note}


def spiking_parameters(state: dict, picked: int) -> dict:
    return {
        "network": state["network"].as_dict(),
        "input": state["input"].as_dict(),
        "neurons": state["neurons"].as_dict(),
        "screen": state["screen"].as_dict(),
        "run": state["run"].as_dict(),
        "picked_neuron": int(picked),
    }


SPIKING = {
    "network": NetworkBuildParams,
    "input": BiasParams,
    "neurons": LIFParams,
    "screen": ScreenParams,
    "run": RunParams,
    "picked_neuron": Custom(check_picked, 0),
}


def compute_spiking(state: dict):
    """Build the seeded network and simulate [0, stop_after) in one piece."""
    net, bias, lif = state["network"], state["input"], state["neurons"]
    try:
        net.check()
        bias.check()
    except ParamError as err:
        raise ValueError(str(err)) from None
    picked = min(state["picked_neuron"], net.N - 1)
    built = build_network(net, bias)
    run = simulate_lif(
        built.W,
        built.J,
        state["run"].stop_after,
        net.dt,
        net.tau_s,
        lif,
        v0=built.v0,
        record=[picked],
    )
    t_now = float(run.t[-1]) + net.dt if run.t.size else 0.0
    counts = np.bincount(run.spike_indices, minlength=net.N).astype(np.int64)
    arrays = spiking_arrays(built, run.spike_times, run.spike_indices, counts, t_now)
    nnz = built.W.nnz

    def for_format(fmt: str):
        return spiking_for_format(arrays, nnz, fmt)

    return arrays, spiking_parameters(state, picked), for_format


# ======================================================================================
# Universal approximation

X = np.linspace(0.0, 1.0, 1001)  # evaluation grid: max |f − G| is taken over these points
N_MAX = 200
#: N values of the error sweep: log-spaced, so the log–log curve is evenly sampled.
SWEEP_N = np.unique(np.round(np.geomspace(1, N_MAX, 40)).astype(int))
DEFAULT_EXPRESSION = "exp(-2*x) * sin(6*pi*x)"
TYPED = "typed f(x)"
MAX_EXPRESSION = 500

#: Target chooser entry → (key in core TARGETS, formula shown to the student).
BUILTIN: dict[str, tuple[str, str]] = {
    "sine": ("sine", "sin(2πx)"),
    "|x − 0.5|": ("abs", "|x − 0.5|"),
    "step": ("step", "1 for x ≥ 0.5, 0 below"),
    "polynomial": ("polynomial", "4x³ − 6x² + 2.5x"),
}


class ApproxParams(ParamSet):
    """What the universal-approximation construction is built from."""

    target = Choice(
        "sine",
        (*BUILTIN, TYPED),
        "The function f on [0, 1] to approximate; choose “typed f(x)” to enter your own",
        label="target f",
    )
    n_pieces = Param(
        10,
        1,
        N_MAX,
        1,
        "",
        "Number N of equal pieces of [0, 1]; each is a box of height f(midpoint)",
        integer=True,
        log=True,
        label="pieces N",
    )
    steepness = Param(
        1000.0,
        1.0,
        10000.0,
        1.0,
        "",
        "Steepness w of each sigmoid σ(w (x − b)), dimensionless like x: "
        "large w makes it a sharp threshold",
        log=True,
        label="steepness w",
    )


def typed_target(text: str) -> Callable[[np.ndarray], np.ndarray]:
    """A typed f(x), checked to be finite on [0, 1] (ValueError saying why not)."""
    f = parse_expression(text)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(f(X), dtype=float), X.shape)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"f(x) is not finite at x = {X[bad][0]:g}; use a function defined on all of [0, 1]"
        )
    return f


def check_expression(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_EXPRESSION:
        raise ValueError(f"expected a formula in x (text of at most {MAX_EXPRESSION} characters)")
    typed_target(value)
    return value.strip()


def max_error_sweep(
    f: Callable[[np.ndarray], np.ndarray], ns: np.ndarray, steepness: float, x: np.ndarray
) -> np.ndarray:
    """max |f − G| over ``x`` for each number of pieces in ``ns``, as :func:`approximate`
    computes it (open ends), vectorised.

    With open ends G telescopes to h_1 + Σ_k (h_{k+1} − h_k) H(x; e_k) over the inner
    edges e_k, so N pieces cost N − 1 sigmoids and one matrix product.
    """
    x = np.asarray(x, dtype=float)
    fx = np.broadcast_to(np.asarray(f(x), dtype=float), x.shape)
    out = np.empty(len(ns))
    for i, n in enumerate(ns):
        edges = np.linspace(0.0, 1.0, int(n) + 1)
        mids = 0.5 * (edges[:-1] + edges[1:])
        h = np.broadcast_to(np.asarray(f(mids), dtype=float), mids.shape)
        G = np.full(x.shape, h[0])
        if n > 1:
            G = G + np.diff(h) @ expit(steepness * (x[None, :] - edges[1:-1, None]))
        out[i] = np.max(np.abs(fx - G))
    return out


def with_current(
    sweep: np.ndarray, n_pieces: int, max_error: float
) -> tuple[np.ndarray, np.ndarray]:
    """The sweep over :data:`SWEEP_N` with the current N's error in it (inserted or
    replacing), so the current N's marker sits on the curve."""
    i = int(np.searchsorted(SWEEP_N, n_pieces))
    if i < len(SWEEP_N) and SWEEP_N[i] == n_pieces:
        err = sweep.copy()
        err[i] = max_error
        return SWEEP_N.copy(), err
    return np.insert(SWEEP_N, i, n_pieces), np.insert(sweep, i, max_error)


def approximation_arrays(r: ApproxResult, sweep_n: np.ndarray, sweep_err: np.ndarray) -> dict:
    """x, f, G, every weighted piece (column j of ``pieces`` is piece j), the partition,
    the heights f(a_j), and the N sweep with its errors."""
    return {
        "x": r.x.copy(),
        "target": r.target.copy(),
        "G": r.G.copy(),
        "pieces": r.pieces.T.copy(),
        "edges": r.edges.copy(),
        "heights": r.heights.copy(),
        "max_error": np.array([r.max_error]),
        "sweep_N": sweep_n.astype(float),
        "sweep_max_error": sweep_err.copy(),
    }


def approximation_parameters(p: ApproxParams, expression: str, show_pieces: bool) -> dict:
    return {
        "target": p.target,
        "expression": expression,
        "n_pieces": p.n_pieces,
        "steepness": p.steepness,
        "show_pieces": bool(show_pieces),
    }


def target_function(target: str, expression: str) -> Callable[[np.ndarray], np.ndarray]:
    return typed_target(expression) if target == TYPED else TARGETS[BUILTIN[target][0]]


def approximation(f, p: ApproxParams) -> ApproxResult:
    """G for ``f`` with the settings ``p``; ValueError if it is not finite."""
    with np.errstate(all="ignore"):
        r = approximate(f, p.n_pieces, p.steepness, X)
    if not (np.isfinite(r.G).all() and np.isfinite(r.max_error)):
        raise ValueError(f"with N = {p.n_pieces}, f is not finite at a piece's midpoint")
    return r


def sweep_for(f, steepness: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return max_error_sweep(f, SWEEP_N, steepness, X)


APPROXIMATION = {
    "approximation": ApproxParams,
    "expression": Custom(check_expression, DEFAULT_EXPRESSION),
    "show_pieces": Custom(check_bool, True),
}


def compute_approximation(state: dict) -> tuple[dict, dict]:
    p, text = state["approximation"], state["expression"]
    f = target_function(p.target, text)
    r = approximation(f, p)
    sweep_n, sweep_err = with_current(sweep_for(f, p.steepness), p.n_pieces, r.max_error)
    return approximation_arrays(r, sweep_n, sweep_err), approximation_parameters(
        p, text, state["show_pieces"]
    )


# ======================================================================================

SCHEMA = {
    "view": Custom(one_of(*VIEWS), "network_rate"),
    "network_rate": RATE,
    "network_spiking": SPIKING,
    "network_approximation": APPROXIMATION,
}


def compute(state: dict):
    """What the view ``state["view"]`` shows, as its Export data writes it."""
    from neurolab.core.tabstate import Output  # the package imports this module first

    view = state["view"]
    if view == "network_rate":
        arrays, params = compute_rate(state[view])
        return Output(arrays, params, view)
    if view == "network_spiking":
        arrays, params, for_format = compute_spiking(state[view])
        return Output(arrays, params, view, for_format)
    arrays, params = compute_approximation(state[view])
    return Output(arrays, params, view)
