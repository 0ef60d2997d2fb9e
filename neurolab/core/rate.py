"""The rate neuron: an activation function applied to the input.

y(t) = σ(gain · I(t) + bias), with σ any activation of SPEC §2.3.  It has no
dynamics of its own; streaming it lets the Neuron tab show input and output
on the same live time axis as the spiking models.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolab.core.activations import ACTIVATIONS
from neurolab.core.params import Choice, Param, ParamSet
from neurolab.core.stimulus import Constant
from neurolab.core.streaming import check_updates


class RateParams(ParamSet):
    activation = Choice(
        "logistic", tuple(ACTIVATIONS), "Activation function σ applied to the input"
    )
    gain = Param(1.0, -10.0, 10.0, 0.1, "", "Gain multiplying the input before σ")
    bias = Param(0.0, -10.0, 10.0, 0.1, "", "Bias added to the scaled input before σ")


@dataclass
class RateChunk:
    t: np.ndarray
    I_in: np.ndarray
    z: np.ndarray
    y: np.ndarray
    spike_times: np.ndarray  # always empty: a rate neuron does not spike


def respond(I_in: np.ndarray, params: RateParams) -> tuple[np.ndarray, np.ndarray]:
    """Net input z = gain·I + bias and output y = σ(z)."""
    z = params.gain * np.asarray(I_in, dtype=float) + params.bias
    return z, ACTIVATIONS[params.activation].f(z)


def stream(
    stimulus: Any,
    params: RateParams | None = None,
    dt: float = 0.1,
    chunk_ms: float = 20.0,
    t_end: float | None = None,
) -> Generator[RateChunk, dict | None, None]:
    """Chunks of the rate neuron's response; see the protocol in ``neurolab.core``."""
    params = params or RateParams()
    if isinstance(stimulus, int | float):
        stimulus = Constant(amplitude=float(stimulus))
    source = stimulus.stream(dt)
    step = 0
    n_chunk = max(1, round(chunk_ms / dt))
    n_total = None if t_end is None else round(t_end / dt)
    while n_total is None or step < n_total:
        n = n_chunk if n_total is None else min(n_chunk, n_total - step)
        t = (step + np.arange(n)) * dt
        I_in = source.next(n)
        z, y = respond(I_in, params)
        step += n
        updates = check_updates((yield RateChunk(t, I_in, z, y, np.empty(0))))
        if updates:
            params = RateParams.coerce(updates.get("params", params))
            if "stimulus" in updates:
                source = updates["stimulus"].stream(dt, t0=step * dt)
