"""The one-shot recorder (thinned, preallocated traces).

It lives in :mod:`neurolab.core.tabstate.neuron`, where the headless run records
with it too, so a one-shot run in the GUI and ``neurolab run`` keep the same samples.
"""

from __future__ import annotations

from neurolab.core.tabstate.neuron import Recording

__all__ = ["Recording"]
