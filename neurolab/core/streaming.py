"""The streaming protocol's one rule shared by every ``stream`` generator.

See :mod:`neurolab.core` for the protocol: a generator yields chunks and may be
sent a dict of updates between them.
"""

from __future__ import annotations

from typing import Any

from neurolab.core.params import ParamError

UPDATE_KEYS = frozenset({"params", "stimulus"})


def check_updates(updates: dict[str, Any] | None) -> dict[str, Any]:
    """The updates sent to a stream, refusing keys it does not understand."""
    if not updates:
        return {}
    unknown = set(updates) - UPDATE_KEYS
    if unknown:
        raise ParamError(f"stream accepts 'params' and 'stimulus', not {sorted(unknown)}")
    return {k: v for k, v in updates.items() if v is not None}
