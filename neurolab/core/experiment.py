"""Experiment files: the state of every tab as one JSON file (``.neurolab.json``).

A file holds, per tab, named sections of parameter values, the active tab and
the app version that wrote it::

    {"format": "neurolab-experiment", "schema": 1, "app_version": "0.1.0",
     "active_tab": "Neuron",
     "tabs": {"Neuron": {"lif": {"tau_m": 20.0, ...}, "stimulus": {"kind": "step",
              "params": {...}}, ...}, ...}}

A section may also be a *group*: a mapping of named sections, nested as deep
as a tab needs (the Network tab has one group per sub-tab).  A file may carry
a ``"lesson"`` block (title, text, controls to lock or hide) that turns it
into a lesson; see :class:`Lesson`.

Loading checks everything against the declarations (a :data:`Schema`) before
anything is used: an unknown tab, section or key, a wrong type or a value out
of its range is refused with a message naming the place (``tabs.Neuron.lif.
tau_m``) and what was expected; nothing is half-loaded.  Keys missing from an
older file take their defaults and are listed in :attr:`Experiment.notes`.
Writes are atomic: an interrupted save leaves the previous file intact.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from neurolab import __version__
from neurolab.core.export import atomic_write_bytes
from neurolab.core.params import Choice, Param, ParamError, ParamSet

__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "SUFFIX",
    "Variant",
    "Custom",
    "one_of",
    "Checked",
    "Lesson",
    "Schema",
    "Experiment",
    "ExperimentError",
    "validate",
    "dumps",
    "loads",
    "save",
    "load",
    "resolve",
    "plain",
]

FORMAT = "neurolab-experiment"
SCHEMA_VERSION = 1
SUFFIX = ".neurolab.json"
MAX_BYTES = 5_000_000  # an experiment is settings, not data


class ExperimentError(ValueError):
    """An experiment file that cannot be used; the message names the place and the problem."""


@dataclass(frozen=True)
class Variant:
    """A section that is one of several parameter sets: ``{"kind": k, "params": {...}}``."""

    registry: Mapping[str, type[ParamSet]]
    default: str


@dataclass(frozen=True)
class Custom:
    """A section checked by a function: it returns the cleaned value or raises ValueError."""

    check: Callable[[Any], Any]
    default: Any


def one_of(*options: str) -> Callable[[Any], str]:
    """A :class:`Custom` check accepting one of ``options`` (e.g. which sub-tab is shown)."""

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {_as_json(value)}")
        return value

    return check


class Checked(dict):
    """A group whose sections must also agree with each other (e.g. as many inputs as
    the first layer has neurons): ``check(validated group)`` raises ValueError saying
    what does not fit, and may return the group completed (e.g. a default for what one
    section implies and another lacks).  It is a dict of sections like any group."""

    def __init__(self, sections: Mapping[str, Any], check: Callable[[dict], None]) -> None:
        super().__init__(sections)
        self.check = check


Section = Union[type[ParamSet], Variant, Custom, Mapping[str, Any]]  # noqa: UP007 (runtime alias)
#: tab name → section name → what the section holds (a Mapping section is a group).
Schema = Mapping[str, Mapping[str, Section]]

MAX_LESSON_TEXT = 20_000


@dataclass
class Lesson:
    """What turns an experiment into a lesson: a title, a short text (simple HTML:
    what to look at, a "predict, then run" question, what to try next) shown beside
    the tabs, and the controls the teacher locks (visible, not editable) or hides.

    ``lock`` and ``hide`` hold dotted paths into the schema: a tab (``"Training"``), a
    group or sub-tab (``"Network.network_rate"``), a section
    (``"Neuron.hh.params"``) or one parameter (``"Neuron.hh.params.g_Na"``).
    """

    title: str
    text: str
    lock: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)


@dataclass
class Experiment:
    """A validated experiment: every section present and every value in range."""

    tabs: dict[str, dict[str, Any]]
    active_tab: str
    app_version: str = __version__
    notes: list[str] = field(default_factory=list)
    lesson: Lesson | None = None

    def section(self, tab: str, name: str) -> Any:
        return self.tabs[tab][name]


def _where(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def _as_json(value: Any) -> str:
    """A value as it is written in the file (null, true, "text"), shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _check_params(
    cls: type[ParamSet], values: Any, path: tuple[str, ...], notes: list[str]
) -> ParamSet:
    if not isinstance(values, dict):
        raise ExperimentError(
            f"{_where(path)}: expected an object of parameters, got {_type_name(values)}"
        )
    decls = {p.name: p for p in cls.declarations()}
    unknown = sorted(set(values) - set(decls))
    if unknown:
        raise ExperimentError(
            f"{_where(path)}: unknown parameter {unknown[0]!r}; expected one of {', '.join(decls)}"
        )
    params = cls()
    for name, decl in decls.items():
        here = _where((*path, name))
        if name not in values:
            notes.append(f"{here} was missing: the default {decl.default!r} is used")
            continue
        value = values[name]
        if isinstance(decl, Param) and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise ExperimentError(
                f"{here}: expected a number {decl.range_text}, got {_as_json(value)}"
            )
        if isinstance(decl, Choice) and not isinstance(value, str):
            raise ExperimentError(
                f"{here}: expected one of {', '.join(decl.options)}, got {_as_json(value)}"
            )
        try:
            setattr(params, name, value)
        except ParamError as err:
            raise ExperimentError(f"{here}: {err}") from None
    check = getattr(params, "check", None)
    if callable(check):
        try:
            check()
        except ParamError as err:
            raise ExperimentError(f"{_where(path)}: {err}") from None
    return params


def _check_group(
    sections: Mapping[str, Section], given: Any, path: tuple[str, ...], notes: list[str]
) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise ExperimentError(f"{_where(path)}: expected an object, got {_type_name(given)}")
    unknown = sorted(set(given) - set(sections))
    if unknown:
        raise ExperimentError(
            f"{_where(path)}: unknown section {unknown[0]!r}; expected one of {', '.join(sections)}"
        )
    out: dict[str, Any] = {}
    for name, section in sections.items():
        if name in given:
            out[name] = _check_section(section, given[name], (*path, name), notes)
        else:
            notes.append(f"{_where((*path, name))} was missing: its defaults are used")
            out[name] = _default(section)
    return out


def _check_section(section: Section, value: Any, path: tuple[str, ...], notes: list[str]) -> Any:
    if isinstance(section, Mapping):
        group = _check_group(section, value, path, notes)
        if isinstance(section, Checked):
            try:
                group = section.check(group) or group
            except ValueError as err:
                raise ExperimentError(f"{_where(path)}: {err}") from None
        return group
    if isinstance(section, Variant):
        if not isinstance(value, dict) or set(value) - {"kind", "params"}:
            raise ExperimentError(
                f'{_where(path)}: expected {{"kind": …, "params": {{…}}}}, got {_type_name(value)}'
            )
        kind = value.get("kind", section.default)
        if not isinstance(kind, str) or kind not in section.registry:
            raise ExperimentError(
                f"{_where((*path, 'kind'))}: unknown kind {kind!r}; expected one of "
                f"{', '.join(section.registry)}"
            )
        params = _check_params(
            section.registry[kind], value.get("params", {}), (*path, "params"), notes
        )
        return {"kind": kind, "params": params}
    if isinstance(section, Custom):
        try:
            return section.check(value)
        except (ValueError, TypeError) as err:
            raise ExperimentError(f"{_where(path)}: {err}") from None
    return _check_params(section, value, path, notes)


def _default(section: Section) -> Any:
    if isinstance(section, Mapping):
        return {name: _default(sub) for name, sub in section.items()}
    if isinstance(section, Variant):
        return {"kind": section.default, "params": section.registry[section.default]()}
    if isinstance(section, Custom):
        return section.default
    return section()


def validate(data: Any, schema: Schema) -> Experiment:
    """Check a decoded file against ``schema``; raise :class:`ExperimentError` or return
    the whole validated :class:`Experiment` (sections as ParamSets / checked values)."""
    if not isinstance(data, dict):
        raise ExperimentError(f"the file must hold a JSON object, not {_type_name(data)}")
    if data.get("format") != FORMAT:
        raise ExperimentError(f"not a NeuroLab experiment (format should be {FORMAT!r})")
    schema_version = data.get("schema")
    if isinstance(schema_version, bool) or not isinstance(schema_version, int):
        raise ExperimentError("schema: expected a whole number")
    if schema_version > SCHEMA_VERSION:
        raise ExperimentError(
            f"written by a newer NeuroLab (schema {schema_version}; this one reads up to "
            f"{SCHEMA_VERSION}): update NeuroLab to open it"
        )
    known_top = {"format", "schema", "app_version", "active_tab", "tabs", "lesson"}
    unknown = sorted(set(data) - known_top)
    if unknown:
        raise ExperimentError(f"unknown key {unknown[0]!r} at the top level")
    version = data.get("app_version", "unknown")
    if not isinstance(version, str):
        raise ExperimentError("app_version: expected a string")
    tabs = data.get("tabs", {})
    if not isinstance(tabs, dict):
        raise ExperimentError(f"tabs: expected an object, got {_type_name(tabs)}")
    active = data.get("active_tab", next(iter(schema)))
    if not isinstance(active, str) or active not in schema:
        raise ExperimentError(
            f"active_tab: {active!r} is not a tab; expected one of {', '.join(schema)}"
        )
    notes: list[str] = []
    if version != __version__:
        notes.append(f"written by NeuroLab {version}; this is {__version__}")
    out: dict[str, dict[str, Any]] = {}
    for tab in tabs:
        if tab not in schema:
            raise ExperimentError(f"tabs: unknown tab {tab!r}; expected one of {', '.join(schema)}")
    for tab, sections in schema.items():
        if tab in tabs:
            out[tab] = _check_group(sections, tabs[tab], ("tabs", tab), notes)
        else:
            notes.append(f"tabs.{tab} was missing: its defaults are used")
            out[tab] = _default(sections)
    lesson = _check_lesson(data["lesson"], schema) if "lesson" in data else None
    return Experiment(out, active, version, notes, lesson)


def resolve(schema: Schema, dotted: str) -> tuple[str, ...]:
    """Check that ``dotted`` names a tab, group, section or parameter of ``schema``;
    return it split.  Raises :class:`ExperimentError` naming the first bad part."""
    parts = tuple(dotted.split("."))
    node: Any = schema
    for i, part in enumerate(parts):
        here = ".".join(parts[: i + 1])
        if isinstance(node, Mapping):
            if part not in node:
                raise ExperimentError(
                    f"{here!r} is not a control; expected one of {', '.join(node)} after "
                    f"{'.'.join(parts[:i]) or 'the top'}"
                )
            node = node[part]
        elif isinstance(node, Variant):
            names = {"kind"} | {p.name for c in node.registry.values() for p in c.declarations()}
            if part not in names or i != len(parts) - 1:
                raise ExperimentError(f"{here!r} is not a parameter of {'.'.join(parts[:i])}")
            node = None
        elif isinstance(node, type) and issubclass(node, ParamSet):
            if part not in {p.name for p in node.declarations()} or i != len(parts) - 1:
                raise ExperimentError(f"{here!r} is not a parameter of {'.'.join(parts[:i])}")
            node = None
        else:
            raise ExperimentError(f"{here!r}: {'.'.join(parts[:i])} has no parts to name")
    return parts


def _check_lesson(value: Any, schema: Schema) -> Lesson:
    if not isinstance(value, dict):
        raise ExperimentError(f"lesson: expected an object, got {_type_name(value)}")
    unknown = sorted(set(value) - {"title", "text", "lock", "hide"})
    if unknown:
        raise ExperimentError(
            f"lesson: unknown key {unknown[0]!r}; expected title, text, lock, hide"
        )
    for key in ("title", "text"):
        if not isinstance(value.get(key), str) or not value[key].strip():
            raise ExperimentError(f"lesson.{key}: expected a non-empty string")
    if len(value["title"]) > 200 or len(value["text"]) > MAX_LESSON_TEXT:
        raise ExperimentError(
            f"lesson: the title (200 characters) or text ({MAX_LESSON_TEXT}) is too long"
        )
    lists = {}
    for key in ("lock", "hide"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise ExperimentError(f"lesson.{key}: expected a list of control paths (strings)")
        for item in items:
            try:
                resolve(schema, item)
            except ExperimentError as err:
                raise ExperimentError(f"lesson.{key}: {err}") from None
        lists[key] = list(items)
    return Lesson(value["title"], value["text"], lists["lock"], lists["hide"])


def plain(value: Any) -> Any:
    """Validated sections back to plain JSON values (ParamSets as dicts)."""
    if isinstance(value, ParamSet):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ExperimentError(f"cannot store the non-finite number {value} in an experiment")
    return value


def dumps(exp: Experiment) -> str:
    """The experiment as JSON text (sorted sections, two-space indent)."""
    doc = {
        "format": FORMAT,
        "schema": SCHEMA_VERSION,
        "app_version": __version__,
        "active_tab": exp.active_tab,
        "tabs": plain(exp.tabs),
    }
    if exp.lesson is not None:
        doc["lesson"] = {
            "title": exp.lesson.title,
            "text": exp.lesson.text,
            "lock": list(exp.lesson.lock),
            "hide": list(exp.lesson.hide),
        }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def loads(text: str | bytes, schema: Schema) -> Experiment:
    """Parse and validate; every problem is an :class:`ExperimentError`."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ExperimentError(
                f"the file is larger than {MAX_BYTES // 1_000_000} MB: not an experiment"
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ExperimentError(f"the file is not UTF-8 text (byte {err.start})") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise ExperimentError(
            f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
    except RecursionError:
        raise ExperimentError("the JSON is nested too deeply") from None
    return validate(data, schema)


def _refuse_constant(name: str) -> float:
    raise ExperimentError(f"{name} is not a number an experiment can hold")


def save(exp: Experiment, path: str | os.PathLike) -> None:
    """Write atomically (a temporary file, then replace)."""
    atomic_write_bytes(path, dumps(exp).encode("utf-8"))


def load(path: str | os.PathLike, schema: Schema) -> Experiment:
    """Read and validate ``path``; an unreadable file is an :class:`ExperimentError` too."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise ExperimentError(f"cannot read {path}: {err.strerror or err}") from None
    return loads(raw, schema)
