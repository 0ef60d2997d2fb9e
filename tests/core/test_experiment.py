"""Experiment files: round trip, specific refusals, old files, atomic saves, fuzzing."""

import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolab.core import experiment as ex
from neurolab.core.lif import LIFParams
from neurolab.core.params import Choice, Param, ParamError, ParamSet
from neurolab.core.stimulus import STIMULI


class Bias(ParamSet):
    low = Param(0.9, -2.0, 3.0, 0.01, "", "lowest bias")
    high = Param(1.5, -2.0, 3.0, 0.01, "", "highest bias")
    mode = Choice("mixed", ("mixed", "Dale"), "signs")
    seed = Param(1, 0, 100, 1, "", "seed", integer=True)

    def check(self) -> None:
        if self.low > self.high:
            raise ParamError(f"low ({self.low:g}) must not exceed high ({self.high:g})")


def _sizes(value):
    if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
        raise ValueError("expected a list of whole numbers")
    if not 2 <= len(value) <= 5 or min(value) < 1:
        raise ValueError("2–5 layers of at least one neuron")
    return list(value)


SCHEMA = {
    "Neuron": {"lif": LIFParams, "stimulus": ex.Variant(STIMULI, "constant")},
    "Network": {"bias": Bias, "sizes": ex.Custom(_sizes, [3, 4, 2])},
}


def _experiment():
    stim = STIMULI["step"](amplitude=1.5) if "step" in STIMULI else next(iter(STIMULI.values()))()
    kind = "step" if "step" in STIMULI else next(iter(STIMULI))
    return ex.Experiment(
        {
            "Neuron": {"lif": LIFParams(tau_m=12.5), "stimulus": {"kind": kind, "params": stim}},
            "Network": {"bias": Bias(low=0.5, mode="Dale"), "sizes": [2, 8, 1]},
        },
        active_tab="Network",
    )


def _doc():
    return json.loads(ex.dumps(_experiment()))


def test_round_trip_gives_identical_values(tmp_path):
    path = tmp_path / f"run{ex.SUFFIX}"
    ex.save(_experiment(), path)
    back = ex.load(path, SCHEMA)
    assert back.active_tab == "Network" and back.notes == []
    assert back.section("Neuron", "lif") == LIFParams(tau_m=12.5)
    assert back.section("Network", "bias") == Bias(low=0.5, mode="Dale")
    assert back.section("Network", "sizes") == [2, 8, 1]
    assert (
        back.section("Neuron", "stimulus")["params"]
        == _experiment().tabs["Neuron"]["stimulus"]["params"]
    )
    assert ex.dumps(back) == ex.dumps(_experiment())


@pytest.mark.parametrize(
    "mutate, words",
    [
        (
            lambda d: d["tabs"]["Neuron"]["lif"].update(tau_m="fast"),
            ["tabs.Neuron.lif.tau_m", "number"],
        ),
        (
            lambda d: d["tabs"]["Neuron"]["lif"].update(tau_m=1e9),
            ["tabs.Neuron.lif.tau_m", "between"],
        ),
        (lambda d: d["tabs"]["Neuron"]["lif"].update(tau_x=1), ["tabs.Neuron.lif", "'tau_x'"]),
        (
            lambda d: d["tabs"]["Network"]["bias"].update(mode="other"),
            ["tabs.Network.bias.mode", "mixed"],
        ),
        (lambda d: d["tabs"]["Network"]["bias"].update(seed=1.5), ["seed", "whole number"]),
        (
            lambda d: d["tabs"]["Network"]["bias"].update(low=2.0, high=1.0),
            ["tabs.Network.bias", "must not exceed"],
        ),
        (lambda d: d["tabs"]["Network"].update(sizes=[1]), ["tabs.Network.sizes", "2–5 layers"]),
        (lambda d: d["tabs"].update(Extra={}), ["unknown tab 'Extra'"]),
        (
            lambda d: d["tabs"]["Neuron"].update(extra={}),
            ["tabs.Neuron", "unknown section 'extra'"],
        ),
        (
            lambda d: d["tabs"]["Neuron"]["stimulus"].update(kind="laser"),
            ["stimulus.kind", "'laser'"],
        ),
        (lambda d: d.update(active_tab="Nope"), ["active_tab", "'Nope'"]),
        (lambda d: d.update(format="zip"), ["not a NeuroLab experiment"]),
        (lambda d: d.update(schema=99), ["newer NeuroLab", "update"]),
        (lambda d: d.update(surprise=1), ["unknown key 'surprise'"]),
    ],
)
def test_bad_values_are_refused_naming_the_place(mutate, words):
    doc = _doc()
    mutate(doc)
    with pytest.raises(ex.ExperimentError) as err:
        ex.loads(json.dumps(doc), SCHEMA)
    for w in words:
        assert w in str(err.value)


def test_an_older_file_loads_with_defaults_and_notes():
    doc = _doc()
    del doc["tabs"]["Neuron"]["lif"]["t_ref"]
    del doc["tabs"]["Network"]["sizes"]
    del doc["tabs"]["Neuron"]["stimulus"]
    doc["app_version"] = "0.0.1"
    exp = ex.loads(json.dumps(doc), SCHEMA)
    assert exp.section("Neuron", "lif").t_ref == LIFParams().t_ref
    assert exp.section("Neuron", "lif").tau_m == 12.5
    assert exp.section("Network", "sizes") == [3, 4, 2]
    assert exp.section("Neuron", "stimulus")["kind"] == "constant"
    text = "\n".join(exp.notes)
    assert "tabs.Neuron.lif.t_ref was missing" in text and "tabs.Network.sizes was missing" in text
    assert "0.0.1" in text


def test_not_json_not_utf8_and_nan_are_refused(tmp_path):
    with pytest.raises(ex.ExperimentError, match="not valid JSON.*line 1"):
        ex.loads("{", SCHEMA)
    with pytest.raises(ex.ExperimentError, match="not UTF-8"):
        ex.loads(b"\xff\xfe{}", SCHEMA)
    doc = ex.dumps(_experiment()).replace('"tau_m": 12.5', '"tau_m": NaN')
    with pytest.raises(ex.ExperimentError, match="NaN"):
        ex.loads(doc, SCHEMA)
    with pytest.raises(ex.ExperimentError, match="cannot read"):
        ex.load(tmp_path / "missing.neurolab.json", SCHEMA)


def test_an_interrupted_save_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.neurolab.json"
    ex.save(_experiment(), path)
    before = path.read_bytes()

    def crash(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    other = _experiment()
    other.active_tab = "Neuron"
    with pytest.raises(OSError, match="disk full"):
        ex.save(other, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.neurolab.json"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_files_never_crash_the_loader(data):
    doc = _doc()
    paths = [p for p in _paths(doc) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        target = doc
        for k in path[:-1]:
            if not isinstance(target, dict) or k not in target:
                break
            target = target[k]
        else:
            if isinstance(target, dict):
                if data.draw(st.booleans()):
                    target[path[-1]] = data.draw(json_values)
                else:
                    target.pop(path[-1], None)
    before = copy.deepcopy(doc)
    try:
        exp = ex.loads(json.dumps(doc), SCHEMA)
    except ex.ExperimentError as err:
        assert str(err)  # always a message
    else:
        # Whatever loads is complete and valid: every section of every tab is there.
        for tab, sections in SCHEMA.items():
            assert set(exp.tabs[tab]) == set(sections)
        json.loads(ex.dumps(exp))
    assert doc == before  # the loader never changes its input


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_random_bytes_are_refused_with_a_message(raw):
    with pytest.raises(ex.ExperimentError):
        ex.loads(raw, SCHEMA)


GROUPED = {
    "Network": {
        "view": ex.Custom(ex.one_of("rate", "spiking"), "rate"),
        "spiking": {"bias": Bias, "neurons": LIFParams},
        "rate": {"sizes": ex.Custom(_sizes, [3, 4, 2])},
    },
}


def test_groups_nest_and_name_the_full_path():
    doc = {
        "format": ex.FORMAT,
        "schema": 1,
        "tabs": {"Network": {"view": "spiking", "spiking": {"bias": {"low": 0.2}}}},
    }
    exp = ex.loads(json.dumps(doc), GROUPED)
    assert exp.tabs["Network"]["spiking"]["bias"] == Bias(low=0.2)
    assert exp.tabs["Network"]["spiking"]["neurons"] == LIFParams()
    assert exp.tabs["Network"]["rate"]["sizes"] == [3, 4, 2]
    assert "tabs.Network.spiking.neurons was missing" in "\n".join(exp.notes)
    doc["tabs"]["Network"]["spiking"]["bias"]["low"] = 9.0
    with pytest.raises(ex.ExperimentError, match=r"tabs\.Network\.spiking\.bias\.low"):
        ex.loads(json.dumps(doc), GROUPED)
    doc["tabs"]["Network"]["view"] = "chart"
    with pytest.raises(ex.ExperimentError, match=r"tabs\.Network\.view.*rate, spiking"):
        ex.loads(json.dumps(doc), GROUPED)


def _lesson_doc(**lesson):
    doc = _doc()
    doc["lesson"] = {"title": "Bias", "text": "<p>Look.</p>", **lesson}
    return doc


def test_a_lesson_block_round_trips_and_its_paths_are_checked():
    doc = _lesson_doc(lock=["Network.bias.low", "Neuron.stimulus"], hide=["Neuron"])
    exp = ex.loads(json.dumps(doc), SCHEMA)
    assert exp.lesson == ex.Lesson(
        "Bias", "<p>Look.</p>", ["Network.bias.low", "Neuron.stimulus"], ["Neuron"]
    )
    assert ex.loads(ex.dumps(exp), SCHEMA).lesson == exp.lesson
    for bad, words in [
        ({"lock": ["Network.bias.middle"]}, "'Network.bias.middle' is not a parameter"),
        ({"hide": ["Brain"]}, "'Brain' is not a control"),
        ({"hide": ["Network.sizes.x"]}, "has no parts"),
        ({"lock": "Network"}, "list of control paths"),
        ({"title": ""}, "lesson.title"),
        ({"colour": "red"}, "unknown key 'colour'"),
    ]:
        with pytest.raises(ex.ExperimentError) as err:
            ex.loads(json.dumps(_lesson_doc(**bad)), SCHEMA)
        assert words in str(err.value) and "lesson" in str(err.value)
