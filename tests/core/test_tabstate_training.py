"""The Training tab's experiment sections and headless computation (issue 7)."""

import json

import numpy as np
import pytest

from neurolab.core import datasets, experiment, tabstate
from neurolab.core.formula import parse_formula
from neurolab.core.surfaces import make_surface
from neurolab.core.training import Architecture, Trainer, TrainParams

VIEWS = ("training", "gradient_descent", "autodiff")


def _exp(tab: dict | None = None):
    doc = {
        "format": "neurolab-experiment",
        "schema": 1,
        "active_tab": "Training",
        "tabs": {"Training": tab} if tab is not None else {},
    }
    return experiment.validate(doc, tabstate.SCHEMA)


@pytest.mark.parametrize("view", VIEWS)
def test_the_default_state_computes_every_view_finite(view):
    exp = _exp({"view": view})
    out = tabstate.compute(exp)
    assert out.stem == view and out.arrays
    for name, a in out.arrays.items():
        if name != "relative_difference":
            assert np.isfinite(a).all(), name
    json.dumps(out.parameters)  # the metadata is plain JSON


def test_a_seeded_training_run_is_identical_twice():
    tab = {
        "view": "training",
        "training": {
            "dataset": "moons",
            "data": {"moons": {"n": 80, "noise": 0.2, "seed": 3}},
            "train": {"epochs": 7, "seed": 5, "dropout": 0.2, "momentum": 0.9},
            "augment": True,
            "augmentation": {"jitter": 0.1},
        },
    }
    a, b = tabstate.compute(_exp(tab)), tabstate.compute(_exp(tab))
    assert a.arrays.keys() == b.arrays.keys()
    for k in a.arrays:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k])
    assert a.parameters == b.parameters
    assert len(a.arrays["epoch"]) == 7 and a.parameters["epoch"] == 7
    assert len(a.arrays["weight_l2_layer1"]) == 7


def test_the_headless_run_is_a_plain_core_trainer_run():
    tab = {"view": "training", "training": {"train": {"epochs": 4, "seed": 2}}}
    out = tabstate.compute(_exp(tab))
    t = Trainer(datasets.load("xor"), Architecture((8,), "tanh", "softmax", "ce"))
    t.params = TrainParams(epochs=4, seed=2)
    t.reset()
    t.fit()
    np.testing.assert_array_equal(out.arrays["W0"], t.model.state()["W0"])
    assert out.arrays["train_loss"][-1] == t.evaluate("train")[0]


def test_a_missing_csv_file_is_a_clear_message_at_run_time(tmp_path):
    exp = _exp(
        {
            "view": "training",
            "training": {"dataset": "csv", "csv_file": str(tmp_path / "gone.csv")},
        }
    )
    with pytest.raises(ValueError, match="gone.csv"):
        tabstate.compute(exp)


def test_a_csv_file_trains(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    path = tmp_path / "mine.csv"
    path.write_text("a,b,label\n" + "\n".join(f"{r[0]},{r[1]},{int(r[0] > 0)}" for r in x) + "\n")
    exp = _exp(
        {
            "view": "training",
            "training": {"dataset": "csv", "csv_file": str(path), "train": {"epochs": 2}},
        }
    )
    out = tabstate.compute(exp)
    assert out.parameters["dataset_params"] == {"file": str(path)}
    assert out.arrays["W0"].shape == (2, 8)


@pytest.mark.parametrize(
    ("tab", "where"),
    [
        ({"view": "nope"}, "tabs.Training.view"),
        ({"training": {"dataset": "mnist"}}, "tabs.Training.training.dataset"),
        ({"training": {"train": {"lr": -1}}}, "tabs.Training.training.train.lr"),
        ({"training": {"architecture": {"hidden": [0]}}}, "tabs.Training.training.architecture"),
        (
            {"training": {"architecture": {"hidden": [4, 4], "activations": ["tanh"]}}},
            "tabs.Training.training.architecture",
        ),
        ({"training": {"augment": "yes"}}, "tabs.Training.training.augment"),
        ({"gradient_descent": {"start": [1, "a"]}}, "tabs.Training.gradient_descent.start"),
        ({"gradient_descent": {"surface": "egg"}}, "tabs.Training.gradient_descent.surface"),
        ({"autodiff": {"formula": "__import__('os')"}}, "tabs.Training.autodiff.formula"),
        ({"autodiff": {"values": {"x": "one"}}}, "tabs.Training.autodiff.values"),
        ({"autodiff": {"backward_step": -1}}, "tabs.Training.autodiff.backward_step"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_key(tab, where):
    with pytest.raises(experiment.ExperimentError, match=where.replace(".", r"\.")):
        _exp(tab)


def test_descent_on_the_bowl_matches_the_closed_form():
    # Plain descent on E = ½(θ₁² + κθ₂²) multiplies θ₁ by 1 − η and θ₂ by 1 − ηκ each step.
    tab = {
        "view": "gradient_descent",
        "gradient_descent": {
            "surface": "bowl",
            "surface_params": {"bowl": {"kappa": 10.0}},
            "descent": {"lr": 0.05, "steps": 30},
            "start": [2.0, -1.0],
        },
    }
    out = tabstate.compute(_exp(tab))
    k = np.arange(31)
    np.testing.assert_allclose(out.arrays["gd_theta1"], 2.0 * 0.95**k, rtol=1e-12)
    np.testing.assert_allclose(out.arrays["gd_theta2"], -1.0 * 0.5**k, rtol=1e-12, atol=1e-300)
    assert out.parameters["start"] == [2.0, -1.0]


def test_the_default_start_is_the_surface_s_own():
    out = tabstate.compute(
        _exp({"view": "gradient_descent", "gradient_descent": {"surface": "rosenbrock"}})
    )
    start = make_surface("rosenbrock").start
    assert out.parameters["start"] == list(start)
    assert (out.arrays["gd_theta1"][0], out.arrays["gd_theta2"][0]) == tuple(start)


def test_autodiff_gradients_match_the_hand_derivative():
    # f = x·y + sin(x): ∂f/∂x = y + cos(x), ∂f/∂y = x.
    tab = {
        "view": "autodiff",
        "autodiff": {
            "formula": "x*y + sin(x)",
            "values": {"x": 0.7, "y": -2.0},
            "backward_step": 2,
        },
    }
    out = tabstate.compute(_exp(tab))
    np.testing.assert_allclose(out.arrays["grad_autodiff"], [-2.0 + np.cos(0.7), 0.7], rtol=1e-14)
    assert out.parameters["backward_steps_shown"] == 2
    assert out.parameters["values"] == {"x": 0.7, "y": -2.0}
    assert np.all(out.arrays["relative_difference"] < 1e-6)


def test_a_formula_undefined_at_its_values_is_refused_when_the_file_loads():
    # The tab would keep its old formula: the file must be refused before anything changes.
    bad = {"view": "autodiff", "autodiff": {"formula": "log(x)", "values": {"x": -1.0}}}
    with pytest.raises(experiment.ExperimentError, match=r"tabs\.Training\.autodiff: .*log"):
        _exp(bad)
    parse_formula("log(x)", {"x": 1.0})  # defined elsewhere: only the values are wrong


def test_the_formula_s_values_are_completed_as_the_tab_shows_them():
    # A missing value takes its default (x 1.5, a new name 1.0); a name the formula
    # does not use is dropped, as the tab drops it.
    exp = _exp({"autodiff": {"formula": "x*y + z", "values": {"y": -2.0, "w": 9.0}}})
    assert exp.tabs["Training"]["autodiff"]["values"] == {"x": 1.5, "y": -2.0, "z": 1.0}
