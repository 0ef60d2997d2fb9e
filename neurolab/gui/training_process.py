"""Train a core :class:`~neurolab.core.training.Trainer` in a child process and mirror it.

Training is pure Python (the autodiff engine) and so is pyqtgraph's painting;
in one process they take turns at the GIL, and every frame drawn is training
time lost.  Here the trainer lives in a child process started with the
"spawn" method (never fork a process that runs Qt threads), which imports
numpy, ``neurolab.core`` and this module, and no Qt.  The GUI keeps a
:class:`RemoteTrainer`: the same names as a Trainer for what the view and its
tests read (epoch, step, optimizer.lr, model, outputs, evaluate, data,
diverged, params, arch, history), filled from the child's messages.

Nothing here imports Qt: the view polls :meth:`TrainingProcess.drain` from a
timer, and the waits here are bounded.

Protocol.  Commands (GUI → child) are small tuples ``(name, gen, …)``.  ``gen``
numbers the trainer state they act on; every build and every reset starts a
new one, and messages of an older one are dropped on arrival, so nothing from
before a Reset can draw over the new run.

* ``("build", gen, data, arch, params, aug)``: build a Trainer (the Dataset is pickled);
* ``("reset", gen, params, aug)``: back to the initial weights of this seed;
* ``("params", gen, params)``: new hyper-parameters, applied from the next batch;
* ``("augment", gen, aug)``: new augmentation (None: off);
* ``("train", gen, run)``: train until the epochs are done, it diverges, or a pause
  (``run`` numbers the Train presses, so an old run's end cannot stop a new one);
* ``("pause", gen, req)``: stop between batches and acknowledge;
* ``("step", gen, "batch" | "epoch", req)``: pause if training, step, reply;
* ``("fetch", gen, req)``: reply with the model's arrays;
* ``("quit",)``: return (so does a closed pipe: the GUI is gone).

Messages (child → GUI): ``("ready", pid, qt_modules)`` once started;
``("progress", gen, run, records, view, status, stopped, req)`` every
:data:`HAND_OVER_S` while training, after a step and when a run stops
(``records`` are all the :class:`Progress` since the last message, so the
curves lose nothing; ``view`` a :class:`ModelView` at most every
:data:`VIEW_EVERY_S`, else None; ``stopped`` None while training, or "done",
"diverged", "paused", "idle" or "stepped"); ``("state", gen, req, arrays,
status)``; ``("error", gen, run, traceback, req)``.  A sender thread in the
child writes them, so training never waits for the GUI to read.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from neurolab.core.datasets import Augmentation, Dataset
from neurolab.core.losses import UnnaturalPairingWarning
from neurolab.core.model_views import ModelView, data_bounds, view_1d, view_2d, view_classes
from neurolab.core.training import Architecture, History, Progress, Trainer, TrainParams

__all__ = [
    "History",
    "Hyper",
    "RemoteTrainer",
    "Status",
    "TrainingProcess",
    "TrainingUnavailable",
    "Update",
    "make_view",
    "serve",
]

SPAWN = multiprocessing.get_context("spawn")
CHUNK_S = 0.02  # training between looks at the command pipe: a pause is answered within this
HAND_OVER_S = 0.04  # progress gathered in the child before it is sent
VIEW_EVERY_S = 0.15  # a new picture of the model at most this often while training
GRID = 80  # decision-surface grid points per axis
FETCH_WAIT_S = 5.0  # longest wait for the model's arrays (a step of a big set may be running)
CHILD_NICENESS = 2  # the child's CPU priority below the GUI's (Unix niceness increment)
QUIT_WAIT_S = 2.0  # shutdown: how long the child has to quit before it is terminated
QT_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph")


class TrainingUnavailable(RuntimeError):
    """The child did not answer in time, or is gone."""


# -- what both sides share ------------------------------------------------------------------------
def make_view(trainer: Trainer) -> ModelView | None:
    """The picture of the model that fits its data."""
    d = trainer.data
    if d.kind == "classification" and d.n_inputs == 2:
        return view_2d(trainer.model, data_bounds(d.x_all), GRID)
    if d.kind == "regression" and d.n_inputs == 1:
        x = d.x_all[:, 0]
        return view_1d(trainer.model, d.x_range or (float(x.min()), float(x.max())))
    if d.kind == "classification":
        if d.x_test.shape[0]:
            return view_classes(trainer.model, d.x_test, d.t_test, d.n_classes, "test")
        if d.x_val.shape[0]:
            return view_classes(trainer.model, d.x_val, d.t_val, d.n_classes, "validation")
    return None


def compact_view(v: ModelView | None) -> ModelView | None:
    """The picture for the pipe: per-pixel arrays (up to 48 hidden maps of 80×80) as
    float32 and class indices as int16; curves and counts stay exact (they are small)."""
    if v is None or v.surface is None:
        return v
    return replace(
        v,
        surface=v.surface.astype(np.int16),
        confidence=v.confidence.astype(np.float32),
        hidden=v.hidden.astype(np.float32) if v.hidden is not None else None,
    )


@dataclass(frozen=True)
class Hyper:
    """The optimiser's hyper-parameters as the child applies them."""

    lr: float
    momentum: float
    weight_decay: float
    l1: float


@dataclass(frozen=True)
class Status:
    """The trainer's counters and applied hyper-parameters, sent with every reply."""

    epoch: int
    step: int
    batch: int
    optimizer: Hyper
    diverged: str | None

    @classmethod
    def of(cls, t: Trainer) -> Status:
        o = t.optimizer
        return cls(
            t.epoch,
            t.step,
            t.last.batch if t.last is not None else 0,
            Hyper(o.lr, o.momentum, o.weight_decay, o.l1),
            t.diverged,
        )


def _build_trainer(data, arch, params, augmentation) -> Trainer:
    with warnings.catch_warnings():
        # The editor shows an unnatural loss/output pairing in the tab; no console warning.
        warnings.simplefilter("ignore", UnnaturalPairingWarning)
        return Trainer(data, arch, params, augmentation)


# -- the child ---------------------------------------------------------------------------------
def serve(commands, messages) -> None:
    """The child process's main: answer ``commands`` until "quit" or a closed pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is the GUI's to handle
    # One BLAS thread for the child's whole life, not only inside Trainer's batches: the
    # model pictures are BLAS calls too, and after each one OpenBLAS's second thread
    # spun on the other core (the child used 1.6–2× the CPU of the same training here).
    threadpool_limits(1, user_api="blas")
    if hasattr(os, "nice"):
        # Training is background work: when the cores are contended (other programs, the
        # X server), the GUI comes first.  W4 under xvfb at load 3 on two cores, medians of
        # 6: niceness 0 gave tab/core 1.24 and event-loop stalls of 41 ms (111 ms at
        # worst), 2 gave 1.46 and 24 ms (52), 5 gave 2.01 and 25 ms (78).  On an idle
        # machine the child has a core to itself whatever its niceness.
        os.nice(CHILD_NICENESS)
    _Server(commands, messages).serve()


class _Server:
    def __init__(self, commands, messages) -> None:
        self.commands = commands
        self.out: queue.SimpleQueue = queue.SimpleQueue()
        self.sender = threading.Thread(
            target=self._send_all, args=(messages,), name="neurolab-train-sender", daemon=True
        )
        self.trainer: Trainer | None = None
        self.gen = 0
        self.run_id = 0
        self.stream = None
        self.records: list[Progress] = []
        self.last_flush = self.last_view = -math.inf

    def _send_all(self, conn) -> None:
        while (msg := self.out.get()) is not None:
            try:
                conn.send(msg)
            except (OSError, ValueError):  # the GUI is gone: nothing more to say
                return

    def serve(self) -> None:
        self.sender.start()
        qt = sorted(m for m in sys.modules if m.partition(".")[0] in QT_PACKAGES)
        self.out.put(("ready", os.getpid(), tuple(qt)))
        try:
            while True:
                if self.stream is None:
                    cmd = self.commands.recv()
                    if not self.handle(cmd):
                        return
                    continue
                self.train_chunk()
                while self.commands.poll(0):
                    if not self.handle(self.commands.recv()):
                        return
        except (EOFError, OSError):
            return  # the GUI closed the pipe (it quit or died): so do we
        finally:
            self.out.put(None)
            self.sender.join(timeout=1.0)

    # -- commands ------------------------------------------------------------------------
    def handle(self, cmd: tuple) -> bool:
        name = cmd[0]
        if name == "quit":
            return False
        gen = cmd[1]
        if name in ("build", "reset"):
            self.stop_stream()
            self.records = []  # progress of the state being replaced: the GUI drops it
            self.gen = gen
        elif gen != self.gen:
            return True  # meant for a trainer replaced since: its replies would be dropped
        try:
            if name != "build" and self.trainer is None:
                raise RuntimeError("the network could not be built in the training process")
            getattr(self, f"do_{name}")(*cmd[2:])
        except Exception:  # noqa: BLE001 — every failure goes to the GUI's banner
            self.failed(req=cmd[-1] if name in ("pause", "step", "fetch") else None)
        return True

    def failed(self, req: int | None = None) -> None:
        """Report the exception being handled, after the progress gathered before it."""
        text = traceback.format_exc()
        self.stream = None  # a generator that raised is finished; else the error stops it
        if self.records:
            try:
                self.send_progress(stopped=None)
            except Exception:  # noqa: BLE001 — the error itself matters more
                self.records = []
        self.out.put(("error", self.gen, self.run_id, text, req))

    def do_build(self, data: Dataset, arch: Architecture, params: TrainParams, aug) -> None:
        self.trainer = None
        self.trainer = _build_trainer(data, arch, params, aug)

    def do_reset(self, params: TrainParams, aug: Augmentation | None) -> None:
        t = self.trainer
        t.params, t.augmentation = params, aug
        t.reset()

    def do_params(self, params: TrainParams) -> None:
        if self.stream is not None:
            self.trainer.set_params_later(params)  # from the next batch
        else:
            self.trainer.set_params(params)
            self.send_progress(stopped=None)

    def do_augment(self, aug: Augmentation | None) -> None:
        self.trainer.augmentation = aug

    def do_train(self, run: int) -> None:
        t = self.trainer
        self.stop_stream()
        self.run_id = run
        if t.diverged:
            self.send_progress(stopped="diverged")
        elif t.epoch >= t.params.epochs:
            self.send_progress(stopped="done")
        else:
            self.stream = t.run(CHUNK_S)
            self.last_flush = time.perf_counter()

    def do_pause(self, req: int) -> None:
        if self.stream is not None:
            self.stop_stream()
            self.flush(stopped="paused", req=req)
        else:
            self.send_progress(stopped="idle", req=req)

    def do_step(self, kind: str, req: int) -> None:
        if self.stream is not None:
            self.stop_stream()
            self.flush(stopped="paused")
        t = self.trainer
        if t.diverged:
            self.send_progress(stopped="stepped", req=req)
            return
        t.norms_every_batch = True
        p = t.step_batch() if kind == "batch" else t.step_epoch()
        self.records.append(p)
        self.flush(stopped="stepped", req=req)

    def do_fetch(self, req: int) -> None:
        t = self.trainer
        self.out.put(("state", self.gen, req, t.model.state(), Status.of(t)))

    # -- training --------------------------------------------------------------------------
    def stop_stream(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def train_chunk(self) -> None:
        try:
            p = next(self.stream)
        except StopIteration:
            self.stream = None
            self.flush(stopped="done")
            return
        except Exception:  # noqa: BLE001
            self.failed()
            return
        self.records.append(p)
        if p.diverged:
            self.stop_stream()
            self.flush(stopped="diverged")
        elif time.perf_counter() - self.last_flush >= HAND_OVER_S:
            self.flush(stopped=None)

    def flush(self, stopped: str | None, req: int | None = None) -> None:
        """Send the progress gathered so far, with a picture when one is due."""
        now = time.perf_counter()
        view = None
        if stopped is not None or now - self.last_view >= VIEW_EVERY_S:
            view, self.last_view = compact_view(make_view(self.trainer)), now
        self.send_progress(stopped, req, view)
        self.last_flush = now

    def send_progress(
        self, stopped: str | None, req: int | None = None, view: ModelView | None = None
    ) -> None:
        records, self.records = self.records, []
        status = Status.of(self.trainer)
        self.out.put(("progress", self.gen, self.run_id, records, view, status, stopped, req))


# -- the GUI side ------------------------------------------------------------------------------
@dataclass
class Update:
    """What one message from the child changed, for the view."""

    records: list[Progress]
    view: ModelView | None = None
    stopped: str | None = None  # see the module notes; "error" with ``error``
    error: str | None = None


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _stop_child(proc, *conns) -> None:
    """Last resort (garbage collection or interpreter exit): end the child, close the pipes."""
    try:
        if proc.is_alive():
            proc.terminate()
            proc.join(1.0)
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
    except (OSError, ValueError, AssertionError):
        pass
    for c in conns:
        c.close()


class TrainingProcess:
    """One child process that trains, started in the background and restartable.

    :meth:`start` returns at once (the child then spends ~0.5 s importing numpy and
    the core); commands sent before it says "ready" wait here, so a large data set
    never blocks the GUI on a pipe nobody reads yet.  Messages go to the attached
    :class:`RemoteTrainer`.  When the child dies, ``on_died(reason)`` is called and the
    next :meth:`start` spawns a new one.
    """

    def __init__(self) -> None:
        self.closed = False
        self.ready = False
        self.pid: int | None = None
        self.qt_modules: tuple[str, ...] = ()  # Qt modules the child imported: none, we hope
        self.trainer: RemoteTrainer | None = None
        self.on_died: Callable[[str], None] | None = None
        self.deaths: list[float] = []  # perf_counter times of unexpected deaths
        self._proc = None
        self._commands = None  # our end of the command pipe
        self._messages = None  # our end of the message pipe
        self._finalizer: weakref.finalize | None = None
        self._outbox: list[tuple] = []
        self._gen = 0
        self._req = 0

    # -- bookkeeping ----------------------------------------------------------------------
    def attach(self, trainer: RemoteTrainer) -> int:
        """Make ``trainer`` the receiver of messages; returns its new generation number."""
        self.trainer = trainer
        self._gen += 1
        return self._gen

    def request_id(self) -> int:
        self._req += 1
        return self._req

    @property
    def started(self) -> bool:
        return self._proc is not None

    @property
    def busy(self) -> bool:
        """Messages are expected: the child is starting, or the trainer waits for some."""
        if self._proc is None:
            return False
        t = self.trainer
        return (
            not self.ready
            or bool(self._outbox)
            or (t is not None and t.process is self and (t.running or bool(t.pending)))
        )

    # -- life and death --------------------------------------------------------------------
    def start(self) -> None:
        """Spawn the child if there is none (returns at once)."""
        if self.closed or self._proc is not None:
            return
        cmd_r, cmd_w = SPAWN.Pipe(duplex=False)
        msg_r, msg_w = SPAWN.Pipe(duplex=False)
        proc = SPAWN.Process(
            target=serve, args=(cmd_r, msg_w), name="neurolab-trainer", daemon=True
        )
        try:
            proc.start()
        finally:
            cmd_r.close()  # the child's ends: without closing them here, EOF never comes
            msg_w.close()
        self._proc, self._commands, self._messages = proc, cmd_w, msg_r
        self.ready, self.pid = False, proc.pid
        self._finalizer = weakref.finalize(self, _stop_child, proc, cmd_w, msg_r)

    def shutdown(self, timeout: float = QUIT_WAIT_S) -> None:
        """Ask the child to quit, wait ``timeout``, then terminate it; no zombie is left."""
        self.closed = True
        self._outbox.clear()
        if self.trainer is not None:
            self.trainer.lost()
        proc = self._proc
        if proc is None:
            return
        if self.ready:
            try:
                self._commands.send(("quit",))
            except (OSError, ValueError):
                pass
        else:
            proc.terminate()  # still importing: nothing to lose
        end = time.perf_counter() + timeout
        while proc.is_alive() and time.perf_counter() < end:
            # Read and drop what it still sends, so a child writing into a full pipe can end.
            try:
                if self._messages.poll(0.01):
                    self._messages.recv()
            except (EOFError, OSError):
                proc.join(max(0.0, end - time.perf_counter()))
        self._release()

    def _release(self) -> None:
        """End the child for good (terminate, then kill, if it is still there); close pipes."""
        proc, self._proc = self._proc, None
        self.ready = False
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if proc is not None:
            _stop_child(proc, self._commands, self._messages)
            if not proc.is_alive():
                proc.close()
        self._commands = self._messages = None

    def _died(self, why: str | None = None) -> None:
        proc = self._proc
        if proc is None:
            return
        proc.join(0.2)
        reason = why or _describe_exit(proc.exitcode)
        self._release()
        self._outbox.clear()
        self.deaths.append(time.perf_counter())
        if self.trainer is not None:
            self.trainer.lost()
        if self.on_died is not None and not self.closed:
            self.on_died(reason)

    # -- messages ---------------------------------------------------------------------------
    def send(self, cmd: tuple, start: bool = True) -> None:
        """Send a command; ``start`` spawns the child if needed.  Until it is ready (or
        started), commands wait here; a build makes the ones before it moot."""
        if self.closed:
            return
        if start:
            self.start()
        if not self.ready:
            if cmd[0] == "build":
                self._outbox.clear()
            self._outbox.append(cmd)
            return
        self._write(cmd)

    def _write(self, cmd: tuple) -> None:
        try:
            self._commands.send(cmd)
        except (OSError, ValueError) as err:
            self._died(f"it could not be reached: {err}")

    def _dispatch(self, msg: tuple) -> None:
        if msg[0] == "ready":
            self.ready, self.pid, self.qt_modules = True, msg[1], msg[2]
            outbox, self._outbox = self._outbox, []
            for cmd in outbox:
                if self._proc is not None:
                    self._write(cmd)
        elif self.trainer is not None:
            self.trainer.handle(msg)

    def _receive(self, timeout: float) -> tuple | None:
        """One message within ``timeout`` (0: only one already there), or None.  A dead
        child is reported through :meth:`_died` (and None returned)."""
        conn, proc = self._messages, self._proc
        if conn is None:
            return None
        try:
            if conn.poll(timeout):
                return conn.recv()
        except (EOFError, OSError):
            self._died()
            return None
        if not proc.is_alive():
            self._died()
        return None

    def drain(self) -> int:
        """Handle every message already waiting, never blocking; returns how many."""
        n = 0
        while (msg := self._receive(0)) is not None:
            self._dispatch(msg)
            n += 1
        return n

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Handle messages until ``done()`` or ``timeout`` seconds; False if not done."""
        end = time.perf_counter() + timeout
        while not done():
            left = end - time.perf_counter()
            if left <= 0 or self._proc is None:
                return False
            msg = self._receive(min(left, 0.05))
            if msg is not None:
                self._dispatch(msg)
        return True


class RemoteTrainer:
    """A Trainer in the child, seen from the GUI: the names a Trainer has, for reading.

    ``local`` is a Trainer in this process with the same data, network and settings
    (built here first, so bad settings raise :class:`ParamError` at once, and the
    initial picture needs no child); its weights are the child's as of the last fetch.
    ``model``, :meth:`outputs` and :meth:`evaluate` fetch the child's weights when they
    have changed (a bounded wait).  The counters, ``diverged`` and ``optimizer`` (the
    hyper-parameters applied) come with every message; ``history`` records every
    progress the child sends.
    """

    def __init__(
        self,
        process: TrainingProcess,
        data: Dataset,
        arch: Architecture | None = None,
        params: TrainParams | None = None,
        augmentation: Augmentation | None = None,
    ) -> None:
        self.local = _build_trainer(data, arch, params, augmentation)
        self.process = process
        self.on_update: Callable[[Update], None] | None = None
        self._fresh()
        self.gen = process.attach(self)
        t = self.local
        process.send(("build", self.gen, data, t.arch, t.params, augmentation), start=False)

    def _fresh(self) -> None:
        self.history = History()
        self.running = False
        self.pending: set[int] = set()
        self.last: Progress | None = None  # the latest progress
        self.last_view: ModelView | None = None  # the latest picture from the child
        self._run = 0
        self._status = Status.of(self.local)
        self._version = self._synced = 0  # weight changes seen / fetched

    # -- read like a Trainer -------------------------------------------------------------------
    data = property(lambda self: self.local.data)
    arch = property(lambda self: self.local.arch)
    params = property(lambda self: self.local.params, doc="The settings as last set.")
    augmentation = property(lambda self: self.local.augmentation)
    batches_per_epoch = property(lambda self: self.local.batches_per_epoch)
    epoch = property(lambda self: self._status.epoch)
    step = property(lambda self: self._status.step)
    batch = property(lambda self: self._status.batch, doc="Batches done in this epoch.")
    diverged = property(lambda self: self._status.diverged)
    optimizer = property(lambda self: self._status.optimizer, doc="Hyper-parameters applied.")

    @property
    def model(self):
        """The model with the child's current weights (fetched if they changed)."""
        self.sync()
        return self.local.model

    def outputs(self, x: Any) -> np.ndarray:
        self.sync()
        return self.local.outputs(x)

    def predict_classes(self, x: Any) -> np.ndarray:
        self.sync()
        return self.local.predict_classes(x)

    def evaluate(self, split: str = "val") -> tuple[float, float]:
        self.sync()
        return self.local.evaluate(split)

    def sync(self, timeout: float = FETCH_WAIT_S) -> None:
        """Fetch the child's weights into ``local`` if they changed since the last fetch."""
        if self._synced == self._version:
            return
        req = self._request(("fetch", self.gen))
        if not self.process.wait(lambda: req not in self.pending, timeout):
            self.pending.discard(req)
            raise TrainingUnavailable(
                f"the training process did not send the weights within {timeout:g} s"
            )

    # -- drive ----------------------------------------------------------------------------------
    def _request(self, cmd: tuple) -> int:
        req = self.process.request_id()
        self.pending.add(req)
        self.process.send((*cmd, req))
        if self.process.closed:
            self.pending.discard(req)
        return req

    def wait_idle(self, timeout: float) -> bool:
        """Wait (handling messages) until no reply is outstanding."""
        return self.process.wait(lambda: not self.pending, timeout)

    def train(self) -> None:
        """Train until the epochs are done, it diverges, or :meth:`pause`."""
        self._run += 1
        self.running = True
        self.process.send(("train", self.gen, self._run))

    def pause(self, wait: float = 0.0) -> bool:
        """Stop between batches; True if the child acknowledged within ``wait`` seconds
        (the counters are then exact; otherwise the acknowledgement comes later)."""
        if not self.running:
            return True
        self.running = False
        req = self._request(("pause", self.gen))
        return self.process.wait(lambda: req not in self.pending, wait)

    def step_batch(self, wait: float = 0.0) -> bool:
        """Train one mini-batch (pausing first); True if done within ``wait`` seconds,
        else the reply is handled when it comes."""
        return self._step("batch", wait)

    def step_epoch(self, wait: float = 0.0) -> bool:
        """Train to the end of the epoch (pausing first); as :meth:`step_batch`."""
        return self._step("epoch", wait)

    def _step(self, kind: str, wait: float) -> bool:
        self.running = False
        req = self._request(("step", self.gen, kind))
        return self.process.wait(lambda: req not in self.pending, wait)

    def reset(self, params: TrainParams, augmentation: Augmentation | None) -> None:
        """Back to the initial weights (of ``params.seed``): the same run again."""
        t = self.local
        t.params, t.augmentation = TrainParams.coerce(params).copy(), augmentation
        t.reset()
        self._fresh()
        self.gen = self.process.attach(self)
        self.process.send(("reset", self.gen, t.params, augmentation), start=False)

    def relaunch(self) -> None:
        """After the child died: build this trainer again in a new one, from the start."""
        t = self.local
        t.reset()
        self._fresh()
        self.gen = self.process.attach(self)
        self.process.send(("build", self.gen, t.data, t.arch, t.params, t.augmentation))

    def set_params(self, params: TrainParams) -> None:
        """New hyper-parameters: applied in the child from its next batch."""
        self.local.set_params(params)
        self.process.send(("params", self.gen, self.local.params), start=False)

    def set_augmentation(self, augmentation: Augmentation | None) -> None:
        self.local.augmentation = augmentation
        self.process.send(("augment", self.gen, augmentation), start=False)

    # -- messages ------------------------------------------------------------------------------
    def lost(self) -> None:
        """The child died: nothing more will come."""
        self.running = False
        self.pending.clear()

    def handle(self, msg: tuple) -> None:
        kind, gen = msg[0], msg[1]
        if gen != self.gen:
            return  # from before a build or reset
        if kind == "progress":
            _, _, run, records, view, status, stopped, req = msg
            for p in records:
                self.history.add(p)
            if records:
                self.last = records[-1]
            if records or stopped == "diverged":
                self._version += 1
            self._status = status
            if view is not None:
                self.last_view = view
            if stopped in ("done", "diverged") and run == self._run:
                self.running = False
            self.pending.discard(req)
            self._notify(Update(records, view, stopped))
        elif kind == "state":
            _, _, req, arrays, status = msg
            self.local.model.load_state(arrays)
            self._synced, self._status = self._version, status
            self.pending.discard(req)
        elif kind == "error":
            _, _, _run, text, req = msg
            self.running = False
            self.pending.discard(req)
            self._notify(Update([], None, "error", text))

    def _notify(self, update: Update) -> None:
        if self.on_update is not None:
            self.on_update(update)
