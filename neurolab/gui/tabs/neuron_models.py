"""What the Neuron tab needs to know about each model: its stream, plots and equations.

The tab itself is model-agnostic; adding a neuron model means adding a
:class:`ModelSpec` here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from neurolab.core import hh, lif, rate
from neurolab.core.activations import ACTIVATIONS
from neurolab.core.params import ParamSet
from neurolab.core.stimulus import Constant, Stimulus
from neurolab.core.tabstate.neuron import BOUNDS, RUN, STIMULUS_DEFAULTS, RunParams
from neurolab.gui.widgets.stream_view import Bounds, Curve, PlotSpec

__all__ = ["MODELS", "ModelSpec", "RunParams"]


@dataclass
class ModelSpec:
    key: str
    name: str
    module: ModuleType
    params_cls: type[ParamSet]
    input_unit: str
    plots: list[PlotSpec]
    run_cls: type[RunParams]
    stimulus_overrides: dict[str, dict] = field(default_factory=dict)
    equations: Callable[[Any, Stimulus], str] = lambda p, s: ""
    bounds: Bounds = field(default_factory=Bounds)


def _num(x: float) -> str:
    return f"(−{-x:g})" if x < 0 else f"{x:g}"  # a true minus sign, as in the formula


def _hh_equations(p: hh.HHParams, stim: Stimulus) -> str:
    return (
        "<b>Hodgkin–Huxley</b><br>"
        "C dV/dt = I − g<sub>L</sub>(V−E<sub>L</sub>) − g<sub>Na</sub>m³h(V−E<sub>Na</sub>)"
        " − g<sub>K</sub>n⁴(V−E<sub>K</sub>)<br>"
        f"{p.C:g} dV/dt = I − {p.g_L:g}(V−{_num(p.E_L)}) − {p.g_Na:g}m³h(V−{_num(p.E_Na)})"
        f" − {p.g_K:g}n⁴(V−{_num(p.E_K)})<br>"
        "dx/dt = α<sub>x</sub>(V)(1−x) − β<sub>x</sub>(V)x,  x ∈ {m, h, n}<br>"
        "<i>V in mV, t in ms, I in µA/cm², g in mS/cm², C in µF/cm². "
        "Spike: upward crossing of 0 mV.</i>"
    )


def _lif_equations(p: lif.LIFParams, stim: Stimulus) -> str:
    text = (
        "<b>Leaky integrate-and-fire</b> (dimensionless)<br>"
        f"τ<sub>m</sub> dv/dt = J − v,  τ<sub>m</sub> = {p.tau_m:g} ms<br>"
        f"at v = 1: spike, v ← 0, held for t<sub>ref</sub> = {p.t_ref:g} ms<br>"
        "G(J) = 1000 / (t<sub>ref</sub> − τ<sub>m</sub> ln(1 − 1/J)) Hz for J &gt; 1, else 0"
    )
    if isinstance(stim, Constant):
        g = float(lif.rate(stim.amplitude, p))
        text += f"<br>For J = {stim.amplitude:g}: G(J) = <b>{g:.2f} Hz</b>"
    return text


def _rate_equations(p: rate.RateParams, stim: Stimulus) -> str:
    act = ACTIVATIONS[p.activation]
    formula = html.escape(getattr(act, "formula_text", "") or p.activation)
    text = (
        "<b>Rate neuron</b><br>"
        f"y = σ(gain·I + bias) = σ({p.gain:g}·I + {_num(p.bias)})<br>"
        f"σ = {p.activation}: {formula}"
    )
    if isinstance(stim, Constant):
        z, y = rate.respond(np.array([stim.amplitude]), p)
        text += f"<br>For I = {stim.amplitude:g}: y = <b>{float(y[0]):.4g}</b>"
    return text


MODELS: dict[str, ModelSpec] = {
    "hh": ModelSpec(
        key="hh",
        name="Hodgkin–Huxley",
        module=hh,
        params_cls=hh.HHParams,
        input_unit="µA/cm²",
        plots=[
            PlotSpec(
                "V",
                "mV",
                [Curve("V", "V", 0)],
                (-90.0, 60.0),
                spikes="spike_times",
                spike_level=50.0,
            ),
            PlotSpec(
                "gate", "", [Curve("m", "m", 1), Curve("h", "h", 2), Curve("n", "n", 3)], (0, 1)
            ),
            PlotSpec(
                "I",
                "µA/cm²",
                [Curve("I_Na", "I_Na", 1), Curve("I_K", "I_K", 2), Curve("I_L", "I_L", 4)],
            ),
            PlotSpec("input", "µA/cm²", [Curve("I_in", "I_in", 6)]),
        ],
        run_cls=RUN["hh"],
        bounds=BOUNDS["hh"],
        stimulus_overrides=STIMULUS_DEFAULTS["hh"],
        equations=_hh_equations,
    ),
    "lif": ModelSpec(
        key="lif",
        name="Leaky integrate-and-fire",
        module=lif,
        params_cls=lif.LIFParams,
        input_unit="",
        plots=[
            PlotSpec(
                "v", "", [Curve("v", "v", 0)], spikes="spike_times", spike_level=1.1, threshold=1.0
            ),
            PlotSpec("input J", "", [Curve("I_in", "J", 6)]),
        ],
        run_cls=RUN["lif"],
        bounds=BOUNDS["lif"],
        stimulus_overrides=STIMULUS_DEFAULTS["lif"],
        equations=_lif_equations,
    ),
    "rate": ModelSpec(
        key="rate",
        name="Rate neuron",
        module=rate,
        params_cls=rate.RateParams,
        input_unit="",
        plots=[
            PlotSpec("input I", "", [Curve("I_in", "I", 6)]),
            PlotSpec("output y", "", [Curve("y", "y = σ(z)", 0)]),
        ],
        run_cls=RUN["rate"],
        bounds=BOUNDS["rate"],
        stimulus_overrides=STIMULUS_DEFAULTS["rate"],
        equations=_rate_equations,
    ),
}
