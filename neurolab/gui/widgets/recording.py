"""The one-shot recorder: preallocated traces, thinned to a bounded size.

A one-shot run can be long and finely stepped (10 s at dt = 0.001 ms is ten
million steps); the recorder keeps every r-th sample so each trace holds at
most ``max_samples`` points, and appends in place so a redraw never copies
the whole run.  Spike times are kept exactly.
"""

from __future__ import annotations

import math

import numpy as np


class Recording:
    def __init__(self, n_steps: int, names: list[str], max_samples: int = 200_000) -> None:
        self.every = max(1, math.ceil(n_steps / max_samples))
        size = math.ceil(n_steps / self.every) + 1
        self.t = np.empty(size)
        self.data = {name: np.empty(size) for name in names}
        self.spikes: list[np.ndarray] = []
        self.count = 0  # samples stored
        self.seen = 0  # samples offered

    def append(self, t: np.ndarray, values: dict[str, np.ndarray], spikes=()) -> None:
        k = len(t)
        first = (-self.seen) % self.every  # index in this chunk of the next kept sample
        keep = slice(first, k, self.every)
        n = len(range(first, k, self.every))
        end = min(self.count + n, len(self.t))
        n = end - self.count
        self.t[self.count : end] = t[keep][:n]
        for name, buf in self.data.items():
            buf[self.count : end] = values[name][keep][:n]
        self.count = end
        self.seen += k
        if len(spikes):
            self.spikes.append(np.asarray(spikes, dtype=float))

    def arrays(self) -> dict[str, np.ndarray]:
        """Views of the stored samples (t first), and the spike times."""
        out = {"t": self.t[: self.count]}
        out.update({name: buf[: self.count] for name, buf in self.data.items()})
        out["spike_times"] = np.concatenate(self.spikes) if self.spikes else np.empty(0)
        return out
