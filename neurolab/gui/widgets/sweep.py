"""The oscilloscope buffer: a preallocated ring that a live trace sweeps across.

New samples overwrite the oldest ones at the write head; the display shows the
fresh part left of the head and last sweep's part right of it, with a small gap
at the head, exactly like an analogue oscilloscope.
"""

from __future__ import annotations

import numpy as np


class SweepBuffer:
    """Ring buffers for several named signals sharing one time base.

    Parameters
    ----------
    window : float
        Width of the screen in ms.
    dt : float
        Sample spacing in ms.
    names : list of str
        The signals to keep.
    """

    def __init__(self, window: float, dt: float, names: list[str]) -> None:
        self.window, self.dt = float(window), float(dt)
        self.n = max(2, int(round(window / dt)))
        self.x = np.arange(self.n) * dt
        self.data = {name: np.full(self.n, np.nan) for name in names}
        self.t_abs = np.full(self.n, np.nan)
        self.head = 0  # index the next sample goes to
        self.count = 0  # samples written in total
        self.t_now = 0.0

    def append(self, t: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Write a chunk of samples (times ``t`` in ms)."""
        k = len(t)
        if k == 0:
            return
        if k > self.n:  # a chunk wider than the screen: keep only its last screenful
            t = t[-self.n :]
            values = {name: v[-self.n :] for name, v in values.items()}
            k = self.n
        idx = (self.head + np.arange(k)) % self.n
        for name, buf in self.data.items():
            buf[idx] = values[name]
        self.t_abs[idx] = t
        self.head = (self.head + k) % self.n
        self.count += k
        self.t_now = float(t[-1])

    def segments(self, name: str, gap: int | None = None):
        """(x_new, y_new, x_old, y_old): the fresh sweep and what remains of the last one."""
        gap = max(1, self.n // 50) if gap is None else gap
        y, h = self.data[name], self.head
        if self.count < self.n:
            return self.x[:h], y[:h], self.x[:0], y[:0]
        if h == 0:  # head just wrapped: the whole buffer is one fresh sweep
            return self.x, y, self.x[:0], y[:0]
        start = min(self.n, h + gap)
        return self.x[:h], y[:h], self.x[start:], y[start:]

    def ordered(self) -> dict[str, np.ndarray]:
        """The buffered samples in time order (for export), with absolute time ``t``."""
        if self.count < self.n:
            order = np.arange(self.count)
        else:
            order = (self.head + np.arange(self.n)) % self.n
        out = {"t": self.t_abs[order]}
        out.update({name: buf[order] for name, buf in self.data.items()})
        return out
