"""Training an MLP on a data set: mini-batches, live progress, divergence guard, save/load.

A :class:`Trainer` owns a model, its optimiser and the random streams of one
run (shuffling, dropout, augmentation), all derived from one seed, so
:meth:`Trainer.reset` replays the same run bit for bit.  It trains in random
mini-batches (reshuffled every epoch, the last partial batch included) and
reports a :class:`Progress` after each batch or epoch: losses, accuracies,
and per-layer weight and gradient norms (SPEC §1).  :meth:`Trainer.run` is the
same as a generator for a worker thread (protocol in :mod:`neurolab.core`):
``gen.send({"params": TrainParams(...)})`` changes the hyper-parameters from
the next batch.

Divergence — a NaN/inf loss or parameter, or a batch loss a thousand times
the run's first — stops training with an explanation and restores the last
parameters whose loss was good; the optimiser's momentum restarts from zero.
"""

from __future__ import annotations

import functools
import json
import math
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from neurolab.core import autodiff as ad
from neurolab.core.datasets import Augmentation, Dataset, one_hot
from neurolab.core.export import read_npz, save_npz
from neurolab.core.losses import LOSSES, check_pairing, loss_value
from neurolab.core.nn import MLP, activate
from neurolab.core.optim import SGD
from neurolab.core.params import Param, ParamError, ParamSet
from neurolab.core.streaming import check_updates

__all__ = [
    "TrainParams",
    "Architecture",
    "Progress",
    "Diverged",
    "Trainer",
    "History",
    "DIVERGENCE_FACTOR",
    "EPOCH_COLUMNS",
    "MAX_HIDDEN_LAYERS",
    "MAX_WIDTH",
    "OUTPUTS",
]

DIVERGENCE_FACTOR = 1000.0  # a batch loss this many times the first one means divergence
EPOCH_COLUMNS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy")
MAX_HIDDEN_LAYERS = 6  # what the architecture editor and experiment files allow
MAX_WIDTH = 256
OUTPUTS = ("softmax", "logistic", "linear", "relu", "tanh")  # output activations offered


class TrainParams(ParamSet):
    """Hyper-parameters of a training run."""

    lr = Param(0.1, 1e-4, 100.0, 1e-4, "", "Learning rate η", log=True, label="learning rate η")
    batch_size = Param(32, 1, 4096, 1, "", "Samples per mini-batch", integer=True, label="batch")
    momentum = Param(
        0.0, 0.0, 0.99, 0.01, "", "Momentum β: v ← βv + ∇E, w ← w − ηv", label="momentum β"
    )
    weight_decay = Param(
        0.0, 0.0, 1.0, 1e-4, "", "L2 weight decay λ: adds λθ to the gradient", label="decay λ"
    )
    l1 = Param(0.0, 0.0, 1.0, 1e-4, "", "L1 penalty λ₁: adds λ₁·sign(θ) to the gradient")
    dropout = Param(
        0.0,
        0.0,
        0.9,
        0.05,
        "",
        "Probability of dropping a hidden unit while training",
        label="dropout p",
    )
    epochs = Param(50, 1, 100_000, 1, "", "Epochs to train", integer=True)
    seed = Param(
        0,
        0,
        2**31 - 1,
        1,
        "",
        "Seed of the initial weights, shuffling, dropout and augmentation",
        integer=True,
    )


@dataclass(frozen=True)
class Architecture:
    """Hidden layers and the output: the input and output widths come from the data."""

    hidden: tuple[int, ...] = (8,)
    activations: tuple[str, ...] | str = "tanh"
    output_activation: str = "softmax"
    loss: str = "ce"

    def hidden_activations(self) -> list[str]:
        if isinstance(self.activations, str):
            return [self.activations] * len(self.hidden)
        if len(self.activations) != len(self.hidden):
            raise ValueError(
                f"{len(self.hidden)} hidden layers need {len(self.hidden)} activations"
            )
        return list(self.activations)


@dataclass
class Progress:
    """What a training step reports.

    ``train_loss``/``val_loss`` and the accuracies are of the whole training
    and validation sets in evaluation mode (no dropout, no augmentation),
    computed at the end of every epoch (NaN between epochs).  ``epoch_loss``
    is the mean of the epoch's batch losses as they were trained (what
    scikit-learn and most training loops report).  Norms are per layer (W
    and b together): rows are layers, columns (L1, L2).
    """

    epoch: int
    step: int
    batch: int
    batches_per_epoch: int
    epoch_done: bool
    batch_loss: float
    epoch_loss: float = math.nan
    train_loss: float = math.nan
    val_loss: float = math.nan
    train_accuracy: float = math.nan
    val_accuracy: float = math.nan
    weight_norms: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    grad_norms: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    diverged: str | None = None

    @property
    def finished_epochs(self) -> float:
        """Epochs done, fractional between epoch ends (for plotting)."""
        return self.epoch + (0.0 if self.epoch_done else self.batch / self.batches_per_epoch)


class Diverged(RuntimeError):
    """Training stopped because it diverged; the last good parameters are restored."""


def _norms(arrays: Sequence[np.ndarray | None], n_layers: int) -> np.ndarray:
    out = np.zeros((n_layers, 2))
    for i, a in enumerate(arrays):
        if a is not None:
            flat = a.ravel()
            out[i // 2, 0] += float(np.abs(flat).sum())
            out[i // 2, 1] += float(np.dot(flat, flat))
    out[:, 1] = np.sqrt(out[:, 1])
    return out


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _one_blas_thread():
    """BLAS on one thread: these matrices are small, and a second BLAS thread fighting
    the GUI or another process for two cores made W4 1.7–1.8× slower (measured)."""
    return _blas().limit(limits=1, user_api="blas")


class Trainer:
    """Trains an MLP on a :class:`Dataset` in seeded mini-batches.

    Parameters
    ----------
    data : Dataset
    arch : Architecture
        Hidden widths and activations, output activation and loss; the
        output width is the number of classes (softmax/CE or MSE on
        classes), 1 for a two-class logistic/BCE output, or the target width
        for regression.
    params : TrainParams
    augmentation : datasets.Augmentation, optional
        Applied to every training mini-batch when active.
    """

    def __init__(
        self,
        data: Dataset,
        arch: Architecture | None = None,
        params: TrainParams | None = None,
        augmentation: Augmentation | None = None,
    ) -> None:
        self.data = data
        self.arch = arch or Architecture()
        self.params = TrainParams.coerce(params)
        self.augmentation = augmentation
        self.norms_every_batch = False  # per-batch norms: set by run(every="batch")
        self._pending_params: TrainParams | None = None
        # The training set's loss and accuracy in evaluation mode at every epoch's end:
        # what the live plots compare with validation.  Off, only epoch_loss remains.
        self.evaluate_train = True
        if self.arch.loss not in LOSSES:
            raise ParamError(f"unknown loss {self.arch.loss!r}; choose from {', '.join(LOSSES)}")
        self.natural = check_pairing(self.arch.loss, self.arch.output_activation, stacklevel=2)
        self._targets()
        if data.x_train.shape[0] == 0:
            raise ParamError("the training set is empty")
        self.reset()

    # -- set-up -----------------------------------------------------------------------
    def _targets(self) -> None:
        """Targets in the form the loss wants, and how accuracy is read from outputs."""
        d, loss = self.data, self.arch.loss
        self.classify = d.kind == "classification"
        if not self.classify:
            if loss != "mse":
                raise ParamError(f"a regression set needs the MSE loss, not {loss!r}")
            self.n_out = d.t_train.shape[1]
            self._t = [d.t_train, d.t_val, d.t_test]
            return
        k = int(d.n_classes)
        if loss == "bce":
            if k != 2:
                raise ParamError(
                    f"Bernoulli cross-entropy needs two classes; this set has {k}: use CE"
                )
            self.n_out = 1
            self._t = [t.reshape(-1, 1).astype(float) for t in (d.t_train, d.t_val, d.t_test)]
        elif loss == "ce":
            self.n_out = k
            self._t = [d.t_train, d.t_val, d.t_test]
        else:
            self.n_out = k
            self._t = [one_hot(t, k) for t in (d.t_train, d.t_val, d.t_test)]

    def build_model(self) -> MLP:
        widths = [self.data.n_inputs, *self.arch.hidden, self.n_out]
        acts = [*self.arch.hidden_activations(), self.arch.output_activation]
        return MLP(widths, acts, seed=self.params.seed, dropout=self.params.dropout)

    def reset(self) -> None:
        """Back to the initial weights and random streams of this seed: the same run again."""
        self.model = self.build_model()
        p = self.params
        self.optimizer = SGD(self.model.parameters(), p.lr, p.momentum, p.weight_decay, p.l1)
        self._shuffle_rng = np.random.default_rng([p.seed, 10])
        self._augment_rng = np.random.default_rng([p.seed, 11])
        self.epoch = 0
        self.step = 0
        self._perm = np.empty(0, np.int64)
        self._pos = 0
        self._loss_sum = 0.0
        self._first_loss: float | None = None
        self._good_vals: list[np.ndarray] | None = None
        self._keep_good()
        self.diverged: str | None = None
        self.last: Progress | None = None

    def set_params(self, params: TrainParams) -> None:
        """New hyper-parameters from the next batch (seed changes take effect at reset)."""
        self.params = TrainParams.coerce(params).copy()
        o, p = self.optimizer, self.params
        o.lr, o.momentum, o.weight_decay, o.l1 = p.lr, p.momentum, p.weight_decay, p.l1
        self.model.dropout = p.dropout

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.data.x_train.shape[0] / self.params.batch_size)

    # -- evaluation ---------------------------------------------------------------------
    def outputs(self, x: Any) -> np.ndarray:
        """The model's outputs for ``x`` in evaluation mode."""
        return self.model.predict(np.asarray(x, dtype=float))

    def predict_classes(self, x: Any) -> np.ndarray:
        """Class indices: the largest output, or output > 0.5 for a single logistic unit."""
        return self._classes(self.outputs(x))

    def evaluate(self, split: str = "val") -> tuple[float, float]:
        """(loss, accuracy) on "train", "val" or "test" in evaluation mode; NaN when empty
        (accuracy NaN for regression).  One forward pass serves both."""
        i = {"train": 0, "val": 1, "test": 2}[split]
        x = (self.data.x_train, self.data.x_val, self.data.x_test)[i]
        if x.shape[0] == 0:
            return math.nan, math.nan
        model, loss = self.model, LOSSES[self.arch.loss]
        was = model.training
        model.eval()
        try:
            with ad.no_grad():
                z = model.logits(x)
                y = activate(model.output_activation, z)
                if self.natural and loss.from_logits is not None:
                    value = float(loss.from_logits(z, self._t[i]).val)
                else:
                    value = float(loss.from_outputs(y, self._t[i]).val)
        finally:
            if was:
                model.train()
        if not self.classify:
            return value, math.nan
        labels = (self.data.t_train, self.data.t_val, self.data.t_test)[i]
        return value, float(np.mean(self._classes(y.val) == labels))

    @staticmethod
    def _classes(y: np.ndarray) -> np.ndarray:
        return (y[:, 0] > 0.5).astype(np.int64) if y.shape[1] == 1 else np.argmax(y, axis=1)

    # -- divergence guard -------------------------------------------------------------------
    def _keep_good(self) -> None:
        """Copy the current parameters into the last-good snapshot."""
        if self._good_vals is None:
            self._good_vals = [p.val.copy() for p in self.model.parameters()]
        else:
            for buf, p in zip(self._good_vals, self.model.parameters(), strict=True):
                np.copyto(buf, p.val)

    def _restore_good(self, why: str) -> Progress:
        for buf, p in zip(self._good_vals, self.model.parameters(), strict=True):
            np.copyto(p.val, buf)
            p.grad = None
        self.optimizer.load_state({})  # the momentum that carried it away restarts at zero
        self.set_params(self.params)  # the user's hyper-parameters, not the snapshot's
        self.diverged = (
            f"Training diverged at step {self.step + 1} (epoch {self.epoch + 1}): {why}. "
            f"The last good parameters are restored. Lower the learning rate "
            f"(now {self.params.lr:g}) and train again."
        )
        progress = self._progress(math.nan, epoch_done=False)
        progress.diverged = self.diverged
        self.last = progress
        return progress

    # -- training -----------------------------------------------------------------------
    def step_batch(self) -> Progress:
        """Train on one mini-batch; at the end of an epoch also evaluate."""
        with _one_blas_thread():
            return self._step_batch()

    def set_params_later(self, params: TrainParams) -> None:
        """New hyper-parameters from the next batch; safe to call from another thread
        while this trainer runs (the next batch picks them up)."""
        self._pending_params = TrainParams.coerce(params).copy()

    def _step_batch(self) -> Progress:
        pending, self._pending_params = self._pending_params, None
        if pending is not None:
            self.set_params(pending)
        if self.diverged:
            raise Diverged(self.diverged)
        n = self.data.x_train.shape[0]
        if self._pos >= self._perm.size:
            self._perm = self._shuffle_rng.permutation(n)
            self._pos = 0
        idx = self._perm[self._pos : self._pos + self.params.batch_size]
        x = self.data.x_train[idx]
        t = self._t[0][idx]
        if self.augmentation is not None and self.augmentation.active:
            x = self.augmentation.apply(x, self._augment_rng, self.data.image_shape)
        model = self.model
        model.train()
        self.optimizer.zero_grad()
        loss = loss_value(model, x, t, self.arch.loss, warn=False)
        value = float(loss.val)
        if self._first_loss is None and math.isfinite(value):
            self._first_loss = value
        if not math.isfinite(value):
            return self._restore_good(f"the batch loss is {value}")
        if self._first_loss and value > DIVERGENCE_FACTOR * self._first_loss:
            return self._restore_good(
                f"the batch loss {value:.3g} is over {DIVERGENCE_FACTOR:g}× the first "
                f"({self._first_loss:.3g})"
            )
        self._keep_good()  # these parameters gave a good loss
        loss.backward()
        params = model.parameters()
        epoch_done = self._pos + idx.size >= self._perm.size
        # Norms cost as much as a small layer's matmul: only when they are reported.
        report = epoch_done or self.norms_every_batch
        grad_norms = _norms([p.grad for p in params], len(model.layers)) if report else None
        self.optimizer.step()
        # A NaN or inf anywhere makes the sum of squares NaN or inf.
        if not all(math.isfinite(float(np.dot(v, v))) for v in (p.val.ravel() for p in params)):
            return self._restore_good("a parameter became infinite or NaN")
        self._pos += idx.size
        self.step += 1
        self._loss_sum += value * idx.size
        if epoch_done:
            self.epoch += 1
        progress = self._progress(value, epoch_done, grad_norms, report)
        self.last = progress
        return progress

    def _progress(
        self,
        batch_loss: float,
        epoch_done: bool,
        grad_norms: np.ndarray | None = None,
        norms: bool = True,
    ) -> Progress:
        model = self.model
        n_layers = len(model.layers)
        p = Progress(
            epoch=self.epoch,
            step=self.step,
            batch=math.ceil(self._pos / self.params.batch_size) if not epoch_done else 0,
            batches_per_epoch=self.batches_per_epoch,
            epoch_done=epoch_done,
            batch_loss=batch_loss,
        )
        if norms:
            p.weight_norms = _norms([q.val for q in model.parameters()], n_layers)
            p.grad_norms = grad_norms if grad_norms is not None else np.zeros((n_layers, 2))
        if epoch_done:
            p.epoch_loss = self._loss_sum / self.data.x_train.shape[0]
            self._loss_sum = 0.0
            if self.evaluate_train:
                p.train_loss, p.train_accuracy = self.evaluate("train")
            p.val_loss, p.val_accuracy = self.evaluate("val")
        return p

    def step_epoch(self) -> Progress:
        """Train to the end of the current epoch (a whole one if at its start)."""
        return self._train_until(math.inf)

    def _train_until(self, seconds: float) -> Progress:
        """Batches until an epoch ends, the run diverges or ``seconds`` have passed."""
        end = time.perf_counter() + seconds
        with _one_blas_thread():
            while True:
                p = self._step_batch()
                if p.epoch_done or p.diverged or time.perf_counter() >= end:
                    break
        if p.weight_norms.size == 0:  # grads still hold this last batch's
            params = self.model.parameters()
            n_layers = len(self.model.layers)
            p.weight_norms = _norms([q.val for q in params], n_layers)
            p.grad_norms = _norms([q.grad for q in params], n_layers)
        return p

    def run(
        self, every: str | float = "epoch"
    ) -> Generator[Progress, Mapping[str, Any] | None, None]:
        """Train until ``params.epochs`` epochs are done, yielding progress.

        ``every`` is "batch", "epoch", or a number of seconds: yield after
        that much training time or at an epoch's end, whichever comes first
        (a live view's pace: few hand-overs, prompt updates).  Accepts
        ``{"params": TrainParams}`` (from the next batch) and ``{"every": …}``
        through ``send``.  Stops after yielding a diverged Progress.
        """
        while self.epoch < self.params.epochs:
            if every == "batch":
                self.norms_every_batch = True
                p = self.step_batch()
            elif every == "epoch":
                self.norms_every_batch = False
                p = self.step_epoch()
            elif isinstance(every, int | float) and every > 0:
                self.norms_every_batch = False
                p = self._train_until(float(every))
            else:
                raise ValueError(f"every must be 'batch', 'epoch' or seconds > 0 (got {every!r})")
            updates = check_updates((yield p), extra=("every",))
            if "params" in updates:
                self.set_params(updates["params"])
            every = updates.get("every", every)
            if p.diverged:
                return

    def fit(self) -> Progress:
        """Train all epochs; raise :class:`Diverged` if the run diverges."""
        last = self.last
        for p in self.run("epoch"):
            last = p
            if p.diverged:
                raise Diverged(p.diverged)
        assert last is not None
        return last

    # -- files --------------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Model, optimiser state and run counters to ``.npz`` (no pickle, atomic)."""
        arrays = {f"model/{k}": v for k, v in self.model.state().items()}
        arrays.update({f"optim/{k}": v for k, v in self.optimizer.state().items()})
        meta = {
            "architecture": {
                "hidden": list(self.arch.hidden),
                "activations": self.arch.hidden_activations(),
                "output_activation": self.arch.output_activation,
                "loss": self.arch.loss,
            },
            "train": self.params.as_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "dataset": self.data.name,
        }
        save_npz(path, arrays, meta, kind="neurolab-model")

    def load(self, path: str) -> None:
        """Restore weights and optimiser state saved by :meth:`save` for this architecture."""
        try:
            arrays, meta = read_npz(path)
        except (OSError, ValueError, json.JSONDecodeError) as err:
            raise ValueError(f"{path}: not a readable NeuroLab model file ({err})") from None
        if meta.get("kind") != "neurolab-model":
            raise ValueError(f"{path}: not a NeuroLab model file")
        model = {k[6:]: v for k, v in arrays.items() if k.startswith("model/")}
        optim = {k[6:]: v for k, v in arrays.items() if k.startswith("optim/")}
        try:
            self.model.load_state(model)
            self.optimizer.load_state(optim)
        except (KeyError, ValueError) as err:
            raise ValueError(f"{path}: the saved model does not fit this network ({err})") from None
        info = meta.get("params", {})
        self.epoch = int(info.get("epoch", 0))
        self.step = int(info.get("step", 0))
        self._keep_good()
        self.diverged = None


class History:
    """The curves of one run: per-epoch losses and accuracies, norms over time.

    Fed every :class:`Progress` of a run (in the GUI, those the training process
    sends; headless, those of :meth:`Trainer.run`).  The live plots read
    :meth:`snapshot` (norms at every report, also mid-epoch); the export,
    :meth:`arrays`, keeps only what is reached at epoch ends, so it does not depend
    on when a live run happened to report.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epochs: list[tuple[float, float, float, float, float]] = []
        self._norms: list[tuple[float, np.ndarray, np.ndarray, bool]] = []

    def add(self, p: Progress) -> None:
        with self._lock:
            if p.epoch_done:
                self._epochs.append(
                    (p.epoch, p.train_loss, p.val_loss, p.train_accuracy, p.val_accuracy)
                )
            if p.weight_norms.size:
                self._norms.append(
                    (
                        p.finished_epochs,
                        p.weight_norms[:, 1].copy(),
                        p.grad_norms[:, 1].copy(),
                        p.epoch_done,
                    )
                )

    def __len__(self) -> int:
        return len(self._epochs)

    def column(self, name: str) -> list[float]:
        """One per-epoch column: epoch, train_loss, val_loss, train_accuracy, val_accuracy."""
        i = EPOCH_COLUMNS.index(name)
        with self._lock:
            return [row[i] for row in self._epochs]

    def snapshot(self, epoch_ends: bool = False) -> dict[str, np.ndarray]:
        """Consistent copies: per-epoch columns, and norm_epoch with (T, layers) norms
        (only those at epoch ends if ``epoch_ends``)."""
        with self._lock:
            rows, norms = list(self._epochs), list(self._norms)
        if epoch_ends:
            norms = [n for n in norms if n[3]]
        e = np.array(rows, dtype=float).reshape(-1, len(EPOCH_COLUMNS))
        out = {name: e[:, i] for i, name in enumerate(EPOCH_COLUMNS)}
        out["norm_epoch"] = np.array([n[0] for n in norms], dtype=float)
        out["weight_l2"] = np.array([n[1] for n in norms]) if norms else np.empty((0, 0))
        out["grad_l2"] = np.array([n[2] for n in norms]) if norms else np.empty((0, 0))
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """For export: the per-epoch columns and, per layer, the weight and gradient L2
        norms at each epoch's end (aligned with ``epoch``)."""
        snap = self.snapshot(epoch_ends=True)
        snap.pop("norm_epoch")
        w, g = snap.pop("weight_l2"), snap.pop("grad_l2")
        for layer in range(w.shape[1] if w.ndim == 2 else 0):
            snap[f"weight_l2_layer{layer + 1}"] = w[:, layer]
            snap[f"grad_l2_layer{layer + 1}"] = g[:, layer]
        return snap
