"""Run a core generator off the GUI thread and deliver its chunks by signal.

One :class:`Runner` per tab.  Starting a run cancels the previous one; every
signal carries the run id, and the runner itself drops anything from a run
that is no longer current, so a superseded run can never draw over a new one.
The worker thread never touches widgets.

Nor does it ever free a Qt object.  Python's cyclic garbage collector runs on
whichever thread happens to trip its allocation threshold, and a busy worker
trips it most: it then finalises unreachable widget trees left behind by
closed views (pyqtgraph's plots hold their context menus in cycles), Shiboken
hands their C++ deletion to the GUI thread, and that hand-over was seen to
deadlock at exit (worker waiting for the GIL, GUI thread holding it inside
``BindingManager::runDeletionInMainThread``).  So while any worker runs,
automatic collection is off and :class:`_Keeper` collects on the GUI thread
on a timer; a finished thread's generator, last item and error are released
there too, with the thread object itself (kept until its ``finished`` signal
has been handled on the GUI thread).
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot


def _import_numba_here() -> None:
    """Finish numba's lazy imports on the thread that imports the GUI.

    A compiled kernel's first call imports most of numba (its array library
    among it).  On a worker thread that import competes for the GIL with the
    GUI thread's painting and was seen to take minutes; here it takes ~0.2 s.
    """
    from neurolab.core import compiled

    if compiled.AHEAD_OF_TIME is not None:
        return  # no numba at all
    from numba.core.registry import cpu_target

    cpu_target.target_context.refresh()


_import_numba_here()

# Every worker thread ever started, so tests (and shutdown) can check none is left running.
THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    return [th for th in list(THREADS) if th.isRunning()]


class Unpaced:
    """Base class of items a generator hands over between its real chunks (e.g. the
    progress of a long build): delivered at once, without waiting for the pace or for a
    pause, so a long step can report progress and be cancelled between its pieces."""


GC_INTERVAL_MS = 250  # how often the GUI thread collects while workers run
# Collect a generation when its count passes these (Python's own defaults).
GC_THRESHOLDS = (700, 10, 10)


class _Keeper(QObject):
    """Lives on the GUI thread: holds every started worker thread until its ``finished``
    has been handled here, and keeps the cyclic garbage collector on this thread while
    any of them runs (see the module notes)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threads: set[_Thread] = set()
        self._gc_was_enabled = True
        self._pinned = False  # the whole session collects here (the app), not only runs
        # For the full-collection rule in collect(): objects in the oldest generation
        # after the last full pass, and objects promoted into it since.
        self._long_lived = len(gc.get_objects(generation=2))
        self._promoted = 0
        self._timer = QTimer(self)
        self._timer.setInterval(GC_INTERVAL_MS)
        self._timer.timeout.connect(self.collect)

    def pin(self) -> None:
        """Collect on this thread for the rest of the session, workers or not."""
        if not self._pinned and not self.threads:
            self._gc_was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self._pinned = True

    def hold(self, th: _Thread) -> None:
        if not self.threads and not self._pinned:
            self._gc_was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self.threads.add(th)
        th.finished.connect(self._finished)  # queued: runs here, on the GUI thread

    @Slot()
    def _finished(self) -> None:
        self.release(self.sender())

    def release(self, th: QObject | None) -> None:
        if th not in self.threads or th.isRunning():
            return
        self.threads.discard(th)  # the thread, its generator and last item are freed here
        if not self.threads and not self._pinned:
            self._timer.stop()
            if self._gc_was_enabled:
                gc.enable()

    def collect(self) -> None:
        """What automatic collection would have done since the last call, on this thread.

        Like CPython, a full collection also waits until the objects promoted to the
        oldest generation since the last one exceed a quarter of those it held then:
        with ~300 000 long-lived objects (the app's widgets) a full pass takes
        0.2–0.5 s, too long to run every few seconds during a live run.
        """
        counts = gc.get_count()
        if counts[2] > GC_THRESHOLDS[2] and self._promoted > self._long_lived / 4:
            gc.collect(2)
            self._long_lived = len(gc.get_objects(generation=2))
            self._promoted = 0
        elif counts[1] > GC_THRESHOLDS[1]:
            young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
            self._promoted += max(young - gc.collect(1), 0)  # the survivors move up
        elif counts[0] > GC_THRESHOLDS[0]:
            gc.collect(0)


_KEEPER: _Keeper | None = None


def _keeper() -> _Keeper:
    """The one keeper, created on the GUI thread (with the first Runner)."""
    global _KEEPER
    if _KEEPER is None:
        _KEEPER = _Keeper(QCoreApplication.instance())
        _KEEPER.destroyed.connect(_forget_keeper)
    return _KEEPER


def _forget_keeper() -> None:
    global _KEEPER
    _KEEPER = None


def collect_garbage_on_gui_thread() -> None:
    """For the application: automatic collection off for the whole session, collected
    on the GUI thread on a timer (other threads, such as the kernel warm-up, allocate
    too).  Call on the GUI thread once the QApplication exists."""
    _keeper().pin()


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
        # What the run leaves behind, freed with this object on the GUI thread.
        self._spent: tuple[Any, ...] = ()

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
        gen = item = None
        try:
            gen = self._factory()
            item = next(gen)
            while not self._cancel.is_set():
                started = time.perf_counter()
                self.chunk.emit(self.run_id, item)
                if not isinstance(item, Unpaced):
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
        except Exception as err:
            self.failed.emit(self.run_id, traceback.format_exc())
            # The traceback holds the generator's frames: free them with the rest.
            self._spent = (err,)
        # Not freed here: they may hold the last reference to something Qt (see the notes).
        self._spent += (gen, item, self._factory)
        self._factory = None
        gen = item = None
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
        self._keeper = _keeper()

    @property
    def state(self) -> str:
        if self._thread is None:
            return "idle"
        return "paused" if self._paused else "running"

    @property
    def run_id(self) -> int:
        return self._run_id

    def start(
        self, factory: Callable[[], Generator], pace: float | None = None, paused: bool = False
    ) -> int:
        """Cancel any run and start ``factory()``; returns the new run id.

        With ``paused`` the run starts paused: it hands over its first item (and any
        :class:`Unpaced` ones before it) and then waits for :meth:`resume`.
        """
        self.cancel(wait=False)
        self._run_id += 1
        th = _Thread(self._run_id, factory, pace)
        th.chunk.connect(self._on_chunk)
        th.failed.connect(self._on_failed)
        th.done.connect(self._on_done)
        th.finished.connect(self._reap)
        self._thread, self._paused = th, paused
        th.pause(paused)  # before the thread starts: no chunk can slip through
        THREADS.add(th)
        self._keeper.hold(th)
        th.start()
        self.stateChanged.emit("paused" if paused else "running")
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
            self._keeper.release(th)
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
