"""Buffers behind the live spike raster: a scrolling count image and scrolling traces.

A raster of 10 000 neurons at 25 Hz holds over 100 000 spikes in a 500 ms
window — far too many scatter points to redraw 30 times a second.  Instead
the spikes are counted into an image of time bins × neuron rows (one row per
neuron up to ``max_rows``, blocks of neurons above that), kept as a ring so
adding a chunk costs only its own spikes, and drawn with one ``ImageItem``.
The population rate comes from the same counts.  No Qt here: this is numpy
that the tests check directly.
"""

from __future__ import annotations

import math

import numpy as np


class RasterImage:
    """Spike counts in (time bin, neuron row) over the last ``window`` ms.

    Parameters
    ----------
    n_neurons : int
    window : float
        Width of the screen (ms).
    n_bins : int
        Time bins across the window.
    max_rows : int
        Most image rows; larger networks put ``ceil(N / max_rows)`` neurons in a row.
    """

    def __init__(self, n_neurons: int, window: float, n_bins: int = 1000, max_rows: int = 1000):
        self.n_neurons = int(n_neurons)
        self.window = float(window)
        self.n_bins = int(n_bins)
        self.bin_ms = self.window / self.n_bins
        self.per_row = max(1, math.ceil(self.n_neurons / max_rows))
        self.n_rows = math.ceil(self.n_neurons / self.per_row)
        self.counts = np.zeros((self.n_bins, self.n_rows), dtype=np.uint16)
        self.head = 0  # absolute index of the bin after the newest (possibly partial) one
        self.t_now = 0.0

    def advance(self, t: float) -> None:
        """Scroll so the screen ends at time ``t`` (ms), clearing the bins that enter it."""
        # The bin holding t − ε is on screen, even while it is still filling.
        new_head = int(math.ceil(t / self.bin_ms - 1e-9))
        if new_head <= self.head:
            self.t_now = max(self.t_now, t)
            return
        n_new = new_head - self.head
        if n_new >= self.n_bins:
            self.counts[:] = 0
        else:
            cols = np.arange(self.head, new_head) % self.n_bins
            self.counts[cols] = 0
        self.head = new_head
        self.t_now = t

    def add(self, times: np.ndarray, indices: np.ndarray, t_end: float) -> None:
        """Count spikes (ms, neuron index) that happened before ``t_end`` and scroll there."""
        self.advance(t_end)
        b = np.floor(np.asarray(times, dtype=float) / self.bin_ms + 1e-9).astype(np.int64)
        keep = (b >= self.head - self.n_bins) & (b < self.head)
        if not keep.all():
            b = b[keep]
            indices = np.asarray(indices)[keep]
        rows = np.asarray(indices, dtype=np.int64) // self.per_row
        np.add.at(self.counts, (b % self.n_bins, rows), 1)

    @property
    def t_start(self) -> float:
        """Time (ms) at the left edge of the ring (negative until a window has passed)."""
        return (self.head - self.n_bins) * self.bin_ms

    def view_range(self) -> tuple[float, float]:
        """The time span to show: [0, window] until the run has covered a whole
        window, then the last ``window`` ms (never negative times)."""
        t0 = max(self.t_start, 0.0)
        return t0, t0 + self.window

    def image(self) -> np.ndarray:
        """Counts in time order, oldest bin first: shape (n_bins, n_rows)."""
        return np.roll(self.counts, -(self.head % self.n_bins), axis=0)

    def rate(self) -> tuple[np.ndarray, np.ndarray]:
        """(bin centres in ms, population rate in Hz) across the screen, from t = 0 on
        (no samples before the run started) up to the last complete bin (the bin
        still filling would read low: a dip at the right edge of every frame)."""
        first = max(0, self.n_bins - self.head)  # bins before t = 0 are not part of the run
        filling = self.t_now < self.head * self.bin_ms - 1e-9 * self.bin_ms
        last = self.n_bins - 1 if filling else self.n_bins
        counts = self.image()[first:last].sum(axis=1, dtype=np.int64)
        t = self.t_start + (np.arange(first, max(first, last)) + 0.5) * self.bin_ms
        return t, counts * (1000.0 / (self.n_neurons * self.bin_ms))

    def neuron_at_row(self, row: float) -> int:
        """The first neuron of the image row at height ``row`` (clamped)."""
        r = min(max(int(math.floor(row)), 0), self.n_rows - 1)
        return min(r * self.per_row, self.n_neurons - 1)


class ScrollingTrace:
    """The samples of a few signals within the last ``span`` ms, in time order."""

    def __init__(self, span: float, names: tuple[str, ...]) -> None:
        self.span = float(span)
        self.names = names
        self.clear()

    def clear(self) -> None:
        self.t = np.empty(0)
        self.data = {name: np.empty(0) for name in self.names}

    def append(self, t: np.ndarray, values: dict[str, np.ndarray]) -> None:
        if len(t) == 0:
            return
        t_new = np.concatenate((self.t, t))
        first = int(np.searchsorted(t_new, t_new[-1] - self.span, side="left"))
        self.t = t_new[first:]
        for name in self.names:
            self.data[name] = np.concatenate((self.data[name], values[name]))[first:]
