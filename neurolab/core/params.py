"""Parameters declared once.

A model's parameters are declared as class attributes of a :class:`ParamSet`
subclass.  Each :class:`Param` carries everything the rest of the program
needs — default, valid range, slider step, unit and a one-line doc — so the
GUI builds its sliders, tooltips and "reset to defaults" from the declaration,
experiment files are validated against it, and no second list exists.

>>> class Demo(ParamSet):
...     tau = Param(20.0, 1.0, 100.0, 0.5, "ms", "Membrane time constant")
>>> d = Demo(tau=10)
>>> d.tau
10.0
>>> try:
...     Demo(tau=1000)
... except ParamError as err:
...     print(err)
tau must be between 1 and 100 ms (got 1000)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping
from typing import Any


class ParamError(ValueError):
    """A value outside its declared range, of the wrong type, or an unknown name."""


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _title(label: str, name: str) -> str:
    return label if label == name else f"{label} ({name})"


class Param:
    """A numeric parameter: declared once, validated on every assignment.

    Parameters
    ----------
    default, low, high : float
        Default value and the closed valid range ``[low, high]``.
    step : float
        Natural slider/spin-box increment.
    unit : str
        Unit shown in labels ("ms", "µA/cm²", "" for dimensionless).
    doc : str
        One line for tooltips and documentation.
    integer : bool
        Only whole numbers are valid (e.g. a seed or a count).
    log : bool
        The GUI should use a logarithmic slider.
    label : str, optional
        Human-readable name; defaults to the attribute name.
    """

    def __init__(
        self,
        default: float,
        low: float,
        high: float,
        step: float,
        unit: str,
        doc: str,
        *,
        integer: bool = False,
        log: bool = False,
        label: str | None = None,
    ) -> None:
        if not low <= default <= high:
            raise ValueError(f"default {default} outside [{low}, {high}]")
        self.default = int(default) if integer else float(default)
        self.low, self.high, self.step = low, high, step
        self.unit, self.doc = unit, doc
        self.integer, self.log = integer, log
        self._label = label
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def label(self) -> str:
        return self._label or self.name

    @property
    def title(self) -> str:
        """How messages name the parameter: its on-screen label, with the code name in
        parentheses when they differ ("w mean (w_mean)")."""
        return _title(self.label, self.name)

    @property
    def range_text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"between {_fmt(self.low)} and {_fmt(self.high)}{unit}"

    def validate(self, value: Any) -> float:
        """Return ``value`` as this parameter's type, or raise :class:`ParamError`."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                import numpy as np

                if isinstance(value, np.generic) and np.isreal(value):
                    value = value.item()
                else:
                    raise TypeError
            except TypeError:
                raise ParamError(
                    f"{self.title} must be a number {self.range_text} (got {value!r})"
                ) from None
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise ParamError(f"{self.title} must be {self.range_text} (got {_fmt(value)})")
        if self.integer:
            if value != int(value):
                raise ParamError(f"{self.title} must be a whole number (got {_fmt(value)})")
            return int(value)
        return float(value) + 0.0  # + 0.0 turns a typed -0 into 0

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._values[self.name]

    def __set__(self, obj: Any, value: Any) -> None:
        obj._values[self.name] = self.validate(value)

    def __repr__(self) -> str:
        return (
            f"Param({self.name}={self.default!r}, [{self.low}, {self.high}], "
            f"step={self.step}, unit={self.unit!r})"
        )


class Choice:
    """A parameter that takes one of a fixed set of string values."""

    def __init__(
        self, default: str, options: tuple[str, ...], doc: str, *, label: str | None = None
    ):
        if default not in options:
            raise ValueError(f"default {default!r} not in {options}")
        self.default, self.options, self.doc = default, tuple(options), doc
        self._label = label
        self.name = ""
        self.unit = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def label(self) -> str:
        return self._label or self.name

    @property
    def title(self) -> str:
        return _title(self.label, self.name)

    def validate(self, value: Any) -> str:
        if value not in self.options:
            raise ParamError(
                f"{self.title} must be one of {', '.join(self.options)} (got {value!r})"
            )
        return value

    __get__ = Param.__get__
    __set__ = Param.__set__


class ParamSet:
    """A group of declared parameters with validated values.

    Subclasses declare :class:`Param` / :class:`Choice` class attributes;
    instances hold one value per declaration.  Keyword arguments override
    defaults; unknown names are refused.
    """

    _values: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_values", {p.name: p.default for p in self.declarations()})
        self.update(values)

    @classmethod
    def declarations(cls) -> list[Param | Choice]:
        """Every declared parameter, in declaration order (base classes first)."""
        seen: dict[str, Param | Choice] = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                if isinstance(attr, Param | Choice):
                    seen[name] = attr
        return list(seen.values())

    @classmethod
    def coerce(cls, params: ParamSet | None):
        """``params`` if it is an instance of this class, the defaults for None."""
        if params is None:
            return cls()
        if not isinstance(params, cls):
            raise ParamError(f"expected {cls.__name__}, got {type(params).__name__}")
        return params

    @classmethod
    def declaration(cls, name: str) -> Param | Choice:
        for p in cls.declarations():
            if p.name == name:
                return p
        raise ParamError(f"{cls.__name__} has no parameter {name!r}")

    def update(self, values: Mapping[str, Any]) -> None:
        """Set several values at once; all are validated before any is applied."""
        checked = {k: self.declaration(k).validate(v) for k, v in values.items()}
        self._values.update(checked)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or isinstance(getattr(type(self), name, None), Param | Choice):
            object.__setattr__(self, name, value)
        else:
            raise ParamError(f"{type(self).__name__} has no parameter {name!r}")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def copy(self, **changes: Any) -> ParamSet:
        new = type(self)(**self._values)
        new.update(changes)
        return new

    def reset(self) -> None:
        for p in self.declarations():
            self._values[p.name] = p.default

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._values.items())

    def changes_from(self, old: ParamSet) -> str:
        """What differs from ``old``, by label: "w mean = 0.1, seed = 2" ("" if nothing)."""
        parts = []
        for p in self.declarations():
            new_value = self._values[p.name]
            if old._values.get(p.name) != new_value:
                shown = f"{new_value:g}" if isinstance(new_value, float) else f"{new_value}"
                parts.append(f"{p.label} = {shown}{' ' + p.unit if p.unit else ''}")
        return ", ".join(parts)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values == self._values  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{type(self).__name__}({inner})"


def with_defaults(cls: type[ParamSet], **defaults: Any) -> type[ParamSet]:
    """A subclass of ``cls`` whose declared defaults are ``defaults`` (same ranges and docs):
    a context's own starting values, that "Reset" and a file's missing keys return to."""
    if not defaults:
        return cls
    attrs: dict[str, Any] = {"__doc__": cls.__doc__, "__module__": cls.__module__}
    for name, value in defaults.items():
        decl = copy.copy(cls.declaration(name))
        decl.default = decl.validate(value)
        attrs[name] = decl
    return type(cls.__name__, (cls,), attrs)
