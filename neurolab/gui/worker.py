"""Run a core generator off the GUI thread and deliver its chunks by signal.

One :class:`Runner` per tab.  Starting a run cancels the previous one; every
signal carries the run id, and the runner itself drops anything from a run
that is no longer current, so a superseded run can never draw over a new one.
The worker thread never touches widgets.
"""

from __future__ import annotations

import threading
import time
import traceback
import weakref
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


def _import_numba_here() -> None:
    """Finish numba's lazy imports on the thread that imports the GUI.

    A compiled kernel's first call imports most of numba (its array library
    among it).  On a worker thread that import competes for the GIL with the
    GUI thread's painting and was seen to take minutes; here it takes ~0.2 s.
    """
    from numba.core.registry import cpu_target

    cpu_target.target_context.refresh()


_import_numba_here()

# Every worker thread ever started, so tests (and shutdown) can check none is left running.
THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    return [th for th in list(THREADS) if th.isRunning()]


class _Thread(QThread):
    chunk = Signal(int, object)
    failed = Signal(int, str)
    done = Signal(int, bool)  # run id, completed (False: cancelled)

    def __init__(self, run_id: int, factory: Callable[[], Generator], pace: float | None):
        super().__init__()
        self.run_id = run_id
        self._factory = factory
        self._pace = pace  # minimum seconds between chunks (live mode), None = flat out
        self._cancel = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._lock = threading.Lock()
        self._pending: dict[str, Any] = {}

    def send(self, updates: dict[str, Any]) -> None:
        with self._lock:
            self._pending.update(updates)

    def cancel(self) -> None:
        self._cancel.set()
        self._resume.set()

    def pause(self, paused: bool) -> None:
        if paused:
            self._resume.clear()
        else:
            self._resume.set()

    def run(self) -> None:
        completed = False
        try:
            gen = self._factory()
            item = next(gen)
            while not self._cancel.is_set():
                started = time.perf_counter()
                self.chunk.emit(self.run_id, item)
                self._resume.wait()
                if self._cancel.is_set():
                    break
                if self._pace:
                    # Sleep in short slices so cancel stays prompt.
                    while (left := self._pace - (time.perf_counter() - started)) > 0:
                        if self._cancel.wait(min(left, 0.02)):
                            break
                with self._lock:
                    updates, self._pending = self._pending, {}
                item = gen.send(updates) if updates else next(gen)
            gen.close()
        except StopIteration:
            completed = True
        except Exception:
            self.failed.emit(self.run_id, traceback.format_exc())
        self.done.emit(self.run_id, completed)


class Runner(QObject):
    """Starts, pauses, feeds and cancels one generator at a time.

    Signals
    -------
    chunk(object)
        A chunk of the current run, delivered on the GUI thread.
    failed(str)
        The current run raised; the argument is the traceback text.
    finished(bool)
        The current run ended: True if the generator was exhausted, False if cancelled.
    stateChanged(str)
        "running", "paused" or "idle".
    """

    chunk = Signal(object)
    failed = Signal(str)
    finished = Signal(bool)
    stateChanged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _Thread | None = None
        self._old: list[_Thread] = []
        self._run_id = 0
        self._paused = False

    @property
    def state(self) -> str:
        if self._thread is None:
            return "idle"
        return "paused" if self._paused else "running"

    @property
    def run_id(self) -> int:
        return self._run_id

    def start(self, factory: Callable[[], Generator], pace: float | None = None) -> int:
        """Cancel any run and start ``factory()``; returns the new run id."""
        self.cancel(wait=False)
        self._run_id += 1
        th = _Thread(self._run_id, factory, pace)
        th.chunk.connect(self._on_chunk)
        th.failed.connect(self._on_failed)
        th.done.connect(self._on_done)
        th.finished.connect(self._reap)
        self._thread, self._paused = th, False
        THREADS.add(th)
        th.start()
        self.stateChanged.emit("running")
        return self._run_id

    def send(self, updates: dict[str, Any]) -> None:
        """Hand new parameters to the running generator; applied before its next chunk."""
        if self._thread is not None:
            self._thread.send(updates)

    def pause(self) -> None:
        if self._thread is not None and not self._paused:
            self._paused = True
            self._thread.pause(True)
            self.stateChanged.emit("paused")

    def resume(self) -> None:
        if self._thread is not None and self._paused:
            self._paused = False
            self._thread.pause(False)
            self.stateChanged.emit("running")

    def set_pace(self, pace: float | None) -> None:
        """Change the minimum seconds between chunks of the running generator."""
        if self._thread is not None:
            self._thread._pace = pace

    def toggle_pause(self) -> None:
        self.resume() if self._paused else self.pause()

    def cancel(self, wait: bool = True) -> None:
        """Stop the current run; with ``wait`` block until its thread has ended."""
        th, self._thread, self._paused = self._thread, None, False
        if th is not None:
            th.cancel()
            self._old.append(th)
            self.stateChanged.emit("idle")
        if wait:
            self.wait()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait for every thread this runner started; True if all have ended."""
        ok = True
        for th in list(self._old) + ([self._thread] if self._thread else []):
            ok &= th.wait(timeout_ms)
        self._old = [th for th in self._old if th.isRunning()]
        return ok

    def is_running(self) -> bool:
        return self._thread is not None

    @Slot(int, object)
    def _on_chunk(self, run_id: int, item: object) -> None:
        if run_id == self._run_id and self._thread is not None:
            self.chunk.emit(item)

    @Slot(int, str)
    def _on_failed(self, run_id: int, text: str) -> None:
        if run_id == self._run_id:
            self.failed.emit(text)

    @Slot(int, bool)
    def _on_done(self, run_id: int, completed: bool) -> None:
        if run_id == self._run_id and self._thread is not None:
            # Keep a reference until the QThread has really returned from run().
            self._old.append(self._thread)
            self._thread, self._paused = None, False
            self.finished.emit(completed)
            self.stateChanged.emit("idle")

    def _reap(self) -> None:
        self._old = [th for th in self._old if th.isRunning()]
