"""What each tab keeps in an experiment file, and what it computes without a display.

One module per tab (``neuron``, ``synapse``, ``network``, ``training``), each with

``SCHEMA``
    The tab's sections for :mod:`neurolab.core.experiment`: ParamSet classes,
    :class:`~neurolab.core.experiment.Variant`, :class:`~neurolab.core.experiment.Custom`
    or nested groups (one per sub-tab).  Its ``"view"`` section says which view is
    shown, and so what :func:`compute` computes.
``compute(state) -> Output``
    From a validated tab state (as :func:`neurolab.core.experiment.validate` returns
    it), the arrays, parameters and file-name stem that the tab's File ▸ Export data
    writes for the same state: the same numbers, because the GUI's views compute
    through the same functions.

``neurolab run`` and the GUI's Export data both end in :func:`write`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neurolab.core import export
from neurolab.core.experiment import Experiment, Schema
from neurolab.core.tabstate import network, neuron, synapse, training

MODULES = {"Neuron": neuron, "Synapse": synapse, "Network": network, "Training": training}
#: tab title → its sections: the declarations every experiment file is checked against.
SCHEMA: Schema = {title: module.SCHEMA for title, module in MODULES.items()}


@dataclass
class Output:
    """What Export data writes for one view.

    ``for_format``, if given, returns (arrays, extra metadata) for a format that
    cannot hold everything (a CSV of a 20 M-synapse network); the metadata then
    carries a "note" saying what was left out.
    """

    arrays: dict[str, np.ndarray]
    parameters: dict[str, Any]
    stem: str
    for_format: Callable[[str], tuple[dict[str, np.ndarray], dict[str, Any]]] | None = None


def seeds(parameters: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every seed in ``parameters`` (nested), by dotted path: recorded in each export so
    a reader sees at once what makes the run reproducible."""
    found: dict[str, Any] = {}
    for key, value in parameters.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found.update(seeds(value, f"{path}."))
        elif "seed" in str(key).lower() and isinstance(value, int | float):
            found[path] = value
    return found


def compute(exp: Experiment, tab: str | None = None) -> Output:
    """What ``tab`` (default: the experiment's active tab) computes for ``exp``."""
    tab = tab or exp.active_tab
    if tab not in MODULES:
        raise ValueError(f"no tab {tab!r}; the tabs are {', '.join(MODULES)}")
    return MODULES[tab].compute(exp.tabs[tab])


def write(path: str | os.PathLike, out: Output, tab: str) -> str:
    """Write ``out`` to ``path`` (CSV or NPZ by its extension) with its parameters, seeds,
    app version and time; returns "" or a remark on what a CSV could not hold."""
    fmt = Path(path).suffix.lower().lstrip(".")
    arrays, extra = out.for_format(fmt) if out.for_format is not None else (out.arrays, {})
    export.save(
        path, arrays, out.parameters, tab=tab, view=out.stem, seeds=seeds(out.parameters), **extra
    )
    return " — not everything fits a CSV: export as NPZ for the rest" if extra else ""
