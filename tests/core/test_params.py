"""Declared parameters: validation, reset, all-or-nothing updates."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurolab.core
from neurolab.core.params import Choice, Param, ParamError, ParamSet


class Demo(ParamSet):
    tau = Param(20.0, 1.0, 100.0, 0.5, "ms", "Membrane time constant")
    gain = Param(1.0, -2.0, 2.0, 0.1, "", "Dimensionless gain")
    count = Param(3, 1, 10, 1, "", "How many", integer=True)
    mode = Choice("fast", ("fast", "exact"), "Integration mode")


def test_defaults_and_types():
    d = Demo()
    assert d.as_dict() == {"tau": 20.0, "gain": 1.0, "count": 3, "mode": "fast"}
    assert isinstance(d.tau, float) and isinstance(d.count, int)


def test_out_of_range_message_names_the_range():
    with pytest.raises(ParamError) as err:
        Demo(tau=1000)
    assert str(err.value) == "tau must be between 1 and 100 ms (got 1000)"
    with pytest.raises(ParamError, match="between -2 and 2"):
        Demo().gain = -2.5


def test_messages_name_the_on_screen_label_with_the_code_name():
    class Labelled(ParamSet):
        w_mean = Param(0.0, -5.0, 5.0, 0.01, "", "Mean weight", label="w mean")
        tau_s = Param(5.0, 0.1, 100.0, 0.1, "ms", "Synaptic time constant", label="τ_s")
        n = Param(3, 1, 10, 1, "", "Count", integer=True, label="N")
        kind = Choice("a", ("a", "b"), "Kind", label="the kind")

    with pytest.raises(ParamError) as err:
        Labelled(w_mean=9)
    assert str(err.value) == "w mean (w_mean) must be between -5 and 5 (got 9)"
    with pytest.raises(ParamError, match=r"^τ_s \(tau_s\) must be between 0\.1 and 100 ms"):
        Labelled(tau_s=0)
    with pytest.raises(ParamError, match=r"^N \(n\) must be a whole number"):
        Labelled(n=2.5)
    with pytest.raises(ParamError, match=r"^N \(n\) must be a number"):
        Labelled(n="3")
    with pytest.raises(ParamError, match=r"^the kind \(kind\) must be one of a, b"):
        Labelled(kind="c")


@settings(max_examples=50, deadline=None)
@given(st.floats(1.0, 100.0))
def test_any_value_in_range_is_accepted(x):
    d = Demo(tau=x)
    assert d.tau == x


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.floats(max_value=0.999999), st.floats(min_value=100.000001)))
def test_any_value_out_of_range_is_refused(x):
    d = Demo()
    with pytest.raises(ParamError, match="between 1 and 100 ms"):
        d.tau = x
    assert d.tau == 20.0


@pytest.mark.parametrize("bad", ["3", None, [1.0], True, complex(1, 1), float("nan"), float("inf")])
def test_wrong_type_or_non_finite_refused(bad):
    with pytest.raises(ParamError, match="tau"):
        Demo(tau=bad)


def test_numpy_scalars_accepted():
    d = Demo(tau=np.float32(5.5), count=np.int64(4))
    assert d.tau == 5.5 and type(d.tau) is float
    assert d.count == 4 and type(d.count) is int


def test_integer_param_refuses_fractions():
    with pytest.raises(ParamError, match="whole number"):
        Demo(count=2.5)
    assert Demo(count=4.0).count == 4


def test_choice_validation():
    assert Demo(mode="exact").mode == "exact"
    with pytest.raises(ParamError, match="fast, exact"):
        Demo(mode="slow")


def test_unknown_name_refused_everywhere():
    with pytest.raises(ParamError, match="no parameter 'taus'"):
        Demo(taus=3)
    d = Demo()
    with pytest.raises(ParamError, match="no parameter"):
        d.update({"taus": 3})
    with pytest.raises(ParamError, match="no parameter"):
        d.taus = 3


def test_reset_restores_defaults():
    d = Demo(tau=50, gain=-1, count=7, mode="exact")
    d.reset()
    assert d == Demo()


def test_update_is_all_or_nothing():
    d = Demo()
    with pytest.raises(ParamError):
        d.update({"tau": 30.0, "gain": 99.0})
    assert d.tau == 20.0  # the valid value was not applied either
    with pytest.raises(ParamError):
        d.update({"tau": 30.0, "nope": 1})
    assert d.tau == 20.0
    d.update({"tau": 30.0, "gain": 0.5})
    assert (d.tau, d.gain) == (30.0, 0.5)


def test_changes_are_described_by_label_and_unit():
    a = Demo()
    assert a.changes_from(a.copy()) == ""
    assert Demo(tau=12.5, mode="exact").changes_from(a) == "tau = 12.5 ms, mode = exact"
    assert Demo(count=4).changes_from(a) == "count = 4"


def test_copy_is_independent():
    a = Demo(tau=10)
    b = a.copy(gain=0.5)
    b.tau = 40
    assert a.tau == 10 and a.gain == 1.0 and b.gain == 0.5


# ---------------------------------------------------------------- every real declaration


def _all_param_sets() -> list[type[ParamSet]]:
    found = {}
    for info in pkgutil.iter_modules(neurolab.core.__path__, "neurolab.core."):
        try:
            mod = importlib.import_module(info.name)
        except ImportError:  # another module's import problem is its own test's business
            continue
        for obj in vars(mod).values():
            if inspect.isclass(obj) and issubclass(obj, ParamSet) and obj.declarations():
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


PARAM_SETS = _all_param_sets()


def test_core_declares_the_expected_param_sets():
    names = {cls.__name__ for cls in PARAM_SETS}
    assert {"LIFParams", "PopulationParams", "Step", "Noise", "Sine"} <= names


@pytest.mark.parametrize("cls", PARAM_SETS, ids=lambda c: c.__name__)
def test_every_declaration_is_complete_and_resettable(cls):
    obj = cls()
    for p in cls.declarations():
        assert p.doc, f"{cls.__name__}.{p.name} needs a doc line"
        if isinstance(p, Param):
            assert p.low <= p.default <= p.high
            assert p.step > 0
            # Out of range is refused with the range in the message.
            with pytest.raises(ParamError, match="between"):
                cls(**{p.name: p.high + max(1.0, abs(p.high))})
            setattr(obj, p.name, p.high)
    obj.reset()
    assert obj == cls()
