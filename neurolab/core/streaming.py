"""The streaming protocol's one rule shared by every ``stream`` generator.

See :mod:`neurolab.core` for the protocol: a generator yields chunks and may be
sent a dict of updates between them.
"""

from __future__ import annotations

from typing import Any

from neurolab.core.params import ParamError

UPDATE_KEYS = frozenset({"params", "stimulus"})


def check_updates(updates: dict[str, Any] | None, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """The updates sent to a stream, refusing keys it does not understand.

    ``extra`` names keys a particular stream accepts besides the common ones.
    """
    if not updates:
        return {}
    known = UPDATE_KEYS | set(extra)
    unknown = set(updates) - known
    if unknown:
        raise ParamError(f"stream accepts {sorted(known)}, not {sorted(unknown)}")
    return {k: v for k, v in updates.items() if v is not None}
