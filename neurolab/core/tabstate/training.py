"""The Training tab's sections in an experiment file, and its computation without a display.

Three views, each a group: ``training`` (data set, network, optimiser, augmentation),
``gradient_descent`` (a 2-D surface, descent settings, start) and ``autodiff`` (a
typed formula, its variables' values, the backward step shown).

Headless runs.  ``training``: a core :class:`~neurolab.core.training.Trainer` built
from the settings trains ``train.epochs`` epochs (or until it diverges) from
``train.seed``; the export is the per-epoch curves, the per-layer norms at each
epoch's end and the final W, b — what the GUI exports after training to that epoch
(bit for bit: same seed, one BLAS thread).  The other two views compute at once.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from neurolab.core import datasets
from neurolab.core.activations import ACTIVATIONS
from neurolab.core.datasets import DATASETS, Augmentation, Dataset
from neurolab.core.experiment import Checked, Custom, one_of
from neurolab.core.formula import (
    DEFAULT_FORMULA,
    DEFAULT_VALUES,
    NAME_RE,
    VALUE_LIMIT,
    differentiate,
    formula_values,
    formula_variables,
    parse_formula,
)
from neurolab.core.losses import LOSSES, UnnaturalPairingWarning
from neurolab.core.params import Param, ParamError
from neurolab.core.surfaces import (
    DESCENT_METHODS,
    SURFACES,
    DescentParams,
    descent_arrays,
    descent_parameters,
    make_surface,
    run_descent,
)
from neurolab.core.training import (
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    OUTPUTS,
    Architecture,
    History,
    Trainer,
    TrainParams,
)

__all__ = [
    "SCHEMA",
    "CSV",
    "TrainAugmentation",
    "compute",
    "architecture_state",
    "build_data",
    "make_trainer",
    "train_parameters",
    "train_arrays",
]

CSV = "csv"  # the dataset choice for the user's own CSV file
VIEWS = ("training", "gradient_descent", "autodiff")


class TrainAugmentation(Augmentation):
    """Augmentation as the Training tab offers it: switched on with a check box, so its
    values start where switching it on shows an effect."""

    jitter = Param(0.1, 0.0, 1.0, 0.01, "", "Std of Gaussian noise added to each input (no images)")
    max_shift = Param(
        1, 0, 2, 1, "px", "Largest random shift of an image, zero fill", integer=True,
        label="max shift",
    )  # fmt: skip
    pixel_noise = Param(
        0.05, 0.0, 0.5, 0.01, "", "Std of Gaussian noise on image pixels, clipped to [0, 1]",
        label="pixel noise",
    )  # fmt: skip


# -- checks ---------------------------------------------------------------------------------
def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _check_path(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 4096 or "\0" in value:
        raise ValueError(f'expected the CSV file\'s path as a string (or ""), got {value!r}')
    return value


DEFAULT_ARCH = {
    "hidden": [8],
    "activations": ["tanh"],
    "output_activation": "softmax",
    "loss": "ce",
}


def _check_arch(value: Any) -> dict:
    keys = ("hidden", "activations", "output_activation", "loss")
    if not isinstance(value, dict) or set(value) - set(keys):
        raise ValueError(f"expected an object with {', '.join(keys)}, got {value!r}")
    v = {**DEFAULT_ARCH, **value}
    hidden, acts = v["hidden"], v["activations"]
    if (
        not isinstance(hidden, list)
        or len(hidden) > MAX_HIDDEN_LAYERS
        or not all(
            isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= MAX_WIDTH for w in hidden
        )
    ):
        raise ValueError(
            f"hidden: expected a list of at most {MAX_HIDDEN_LAYERS} layer widths, "
            f"whole numbers 1–{MAX_WIDTH}, got {hidden!r}"
        )
    if (
        not isinstance(acts, list)
        or len(acts) != len(hidden)
        or not all(a in ACTIVATIONS for a in acts)
    ):
        raise ValueError(
            f"activations: expected one per hidden layer ({len(hidden)}), each one of "
            f"{', '.join(ACTIVATIONS)}, got {acts!r}"
        )
    if v["output_activation"] not in OUTPUTS:
        raise ValueError(
            f"output_activation: expected one of {', '.join(OUTPUTS)}, "
            f"got {v['output_activation']!r}"
        )
    if v["loss"] not in LOSSES:
        raise ValueError(f"loss: expected one of {', '.join(LOSSES)}, got {v['loss']!r}")
    return {
        "hidden": list(hidden),
        "activations": list(acts),
        "output_activation": v["output_activation"],
        "loss": v["loss"],
    }


def _check_start(value: Any) -> list[float] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
        or not all(math.isfinite(x) and abs(x) <= 1e6 for x in value)
    ):
        raise ValueError(f"expected two finite numbers [θ₁, θ₂] (or null), got {value!r}")
    return [float(x) for x in value]


DEFAULT_SHOW = {m: True for m in DESCENT_METHODS}


def _check_show(value: Any) -> dict[str, bool]:
    if not isinstance(value, dict) or set(value) - set(DESCENT_METHODS):
        raise ValueError(f"expected an object with true/false for {', '.join(DESCENT_METHODS)}")
    out = {**DEFAULT_SHOW, **value}
    if not all(isinstance(v, bool) for v in out.values()):
        raise ValueError(f"expected true/false for each of {', '.join(DESCENT_METHODS)}")
    return out


def _check_formula(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected the formula as a string, got {value!r}")
    formula_variables(value)  # FormulaError (a ValueError) names what is not allowed
    return value


def _check_values(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object of variable values, got {value!r}")
    out = {}
    for name, v in value.items():
        if not NAME_RE.match(name):
            raise ValueError(f"{name!r} is not a variable name")
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValueError(f"{name}: expected a number, got {v!r}")
        if abs(v) > VALUE_LIMIT:
            raise ValueError(f"{name}: expected a number between ±{VALUE_LIMIT:g}, got {v!r}")
        out[name] = float(v)
    return out


def _complete_autodiff(group: dict) -> dict:
    """The autodiff section as the tab shows it: a value for exactly the formula's
    variables (a missing one at its default), and a formula that evaluates there."""
    values = formula_values(group["formula"], group["values"])
    parse_formula(group["formula"], values)  # FormulaError (a ValueError) says why not
    return {**group, "values": values}


def _check_step(value: Any) -> str | int:
    if value == "all" or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise ValueError(f'expected "all" or a number of backward steps ≥ 0, got {value!r}')


SCHEMA = {
    "view": Custom(one_of(*VIEWS), "training"),
    "training": {
        "dataset": Custom(one_of(*DATASETS, CSV), "xor"),
        "data": dict(DATASETS),
        "csv_file": Custom(_check_path, ""),
        "architecture": Custom(_check_arch, DEFAULT_ARCH),
        "train": TrainParams,
        "augment": Custom(_check_bool, False),
        "augmentation": TrainAugmentation,
    },
    "gradient_descent": {
        "surface": Custom(one_of(*SURFACES), "bowl"),
        "surface_params": {key: cls.Params for key, cls in SURFACES.items()},
        "descent": DescentParams,
        "start": Custom(_check_start, None),
        "show": Custom(_check_show, DEFAULT_SHOW),
    },
    "autodiff": Checked(
        {
            "formula": Custom(_check_formula, DEFAULT_FORMULA),
            "values": Custom(_check_values, DEFAULT_VALUES),
            "backward_step": Custom(_check_step, "all"),
        },
        _complete_autodiff,
    ),
}


# -- the training view ------------------------------------------------------------------------
def architecture_state(arch: Architecture) -> dict:
    return {
        "hidden": list(arch.hidden),
        "activations": arch.hidden_activations(),
        "output_activation": arch.output_activation,
        "loss": arch.loss,
    }


def build_data(name: str, spec, csv_file: str) -> Dataset:
    """The data set chosen: a registered one from its spec, or the CSV file (a clear
    ValueError if it cannot be read)."""
    if name != CSV:
        return spec.build()
    if not csv_file:
        raise ParamError("open a CSV file first (features in columns, the label last)")
    try:
        return datasets.load_csv(csv_file)
    except (OSError, ValueError) as err:
        raise ParamError(f"cannot use the CSV file {csv_file}: {err}") from None


def make_trainer(data, arch, params, augmentation) -> Trainer:
    with warnings.catch_warnings():
        # An unnatural loss/output pairing is shown in the tab; no console warning.
        warnings.simplefilter("ignore", UnnaturalPairingWarning)
        return Trainer(data, arch, params, augmentation)


def train_parameters(
    dataset: str,
    data_params: dict,
    csv_file: str,
    arch: Architecture,
    train: TrainParams,
    augmentation: Augmentation | None,
    epoch: int,
) -> dict:
    """What an export of the training view records besides its arrays."""
    return {
        "dataset": dataset,
        "dataset_params": data_params if dataset != CSV else {"file": csv_file},
        "architecture": architecture_state(arch),
        "train": train.as_dict(),
        "augmentation": augmentation.as_dict() if augmentation is not None else None,
        "epoch": epoch,
    }


def train_arrays(history: History, model_state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The curves (see :meth:`History.arrays`) and the model's W and b arrays."""
    out = history.arrays()
    for k, v in model_state.items():
        if k.startswith(("W", "b")):
            out[k] = v
    return out


def _compute_training(s: dict):
    from neurolab.core.tabstate import Output

    name = s["dataset"]
    spec = s["data"][name] if name != CSV else None
    arch_d = s["architecture"]
    arch = Architecture(
        tuple(arch_d["hidden"]),
        tuple(arch_d["activations"]),
        arch_d["output_activation"],
        arch_d["loss"],
    )
    aug = s["augmentation"] if s["augment"] else None
    try:
        trainer = make_trainer(build_data(name, spec, s["csv_file"]), arch, s["train"], aug)
    except ParamError as err:
        raise ValueError(f"{err}") from None
    history = History()
    for p in trainer.run("epoch"):
        history.add(p)
    params = train_parameters(
        name,
        spec.as_dict() if spec is not None else {},
        s["csv_file"],
        arch,
        trainer.params,
        aug,
        trainer.epoch,
    )
    return Output(train_arrays(history, trainer.model.state()), params, "training")


def _compute_descent(s: dict):
    from neurolab.core.tabstate import Output

    key = s["surface"]
    surface = make_surface(key, s["surface_params"][key])
    start = surface.start if s["start"] is None else s["start"]
    d = s["descent"]
    trajectories, dt = run_descent(surface, start, d)
    params = descent_parameters(surface, d, start, s["show"], trajectories, dt)
    return Output(descent_arrays(surface, trajectories), params, "gradient_descent")


def _compute_autodiff(s: dict):
    from neurolab.core.tabstate import Output

    text = s["formula"]
    formula = parse_formula(text, formula_values(text, s["values"]))
    result = differentiate(formula)
    n = len(result.steps)
    step = s["backward_step"]
    shown = n if step == "all" else min(int(step), n)
    return Output(result.arrays(), result.parameters(shown), "autodiff")


def compute(state: dict):
    """What the view ``state["view"]`` exports for these settings (see the module notes)."""
    view = state["view"]
    if view == "training":
        return _compute_training(state["training"])
    if view == "gradient_descent":
        return _compute_descent(state["gradient_descent"])
    return _compute_autodiff(state["autodiff"])
