"""Watch a network learn, overfit and recover.

The left column chooses the data, the network and the optimiser.  A child
process trains (core :class:`~neurolab.core.training.Trainer`, see
:mod:`neurolab.gui.training_process`), so training never takes this process's
GIL; it sends progress and a picture of the model a few times a second, a timer
here reads them without ever blocking, and the plots redraw at a fixed rate
from the latest of them.  Pausing stops the child between batches and keeps
the trainer, so Step, Train and Reset all continue from the same state.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from neurolab.core import datasets
from neurolab.core.datasets import Augmentation, Dataset
from neurolab.core.model_views import MAX_MISCLASSIFIED, ModelView, data_bounds
from neurolab.core.params import ParamError
from neurolab.core.tabstate.training import (
    CSV,
    TrainAugmentation,
    architecture_state,
    build_data,
    train_arrays,
    train_parameters,
)
from neurolab.core.training import Architecture, TrainParams
from neurolab.gui import dialogs
from neurolab.gui.tabs.training_arch import ArchitectureEditor
from neurolab.gui.tabs.training_lessons import LESSONS
from neurolab.gui.training_process import (
    FETCH_WAIT_S,
    GRID,
    History,
    RemoteTrainer,
    TrainingProcess,
    Update,
    make_view,
)
from neurolab.gui.widgets.common import banner_label, button_row, control_column, message_label
from neurolab.gui.widgets.mosaic import Mosaic, normalise
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel, log_ticks

FRAME_MS = 100  # redraw from the latest data at 10 frames per second: epochs come slower
POLL_MS = 15  # read the child's messages this often while any are expected
REPLY_WAIT_S = 0.05  # a pause or step waits this long for the child's reply, then goes on
# (the reply is then handled when it comes): a step is milliseconds, the GUI never stalls
RESTARTS = 3  # the child died this many times within RESTART_WINDOW_S: stop restarting it
RESTART_WINDOW_S = 60.0
SMOKE_TIMEOUT_S = 60.0
GHOST = (150, 150, 150)

__all__ = ["TrainView", "History", "make_view"]


def axis_ticks(values: np.ndarray) -> list[list[tuple[float, str]]]:
    """Log-axis ticks for the positive finite ``values`` (a decade before there are any)."""
    v = values[np.isfinite(values) & (values > 0)]
    return log_ticks(float(v.min()), float(v.max())) if v.size else log_ticks(0.1, 1.0)


def _positive(values) -> np.ndarray:
    """Values for a log axis: non-positive and non-finite ones become NaN (gaps)."""
    a = np.array(values, dtype=float)
    with np.errstate(invalid="ignore"):
        a[~(a > 0)] = np.nan
    return a


class TrainView(QWidget):
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trainer: RemoteTrainer | None = None
        self._no_history = History()  # what the plots show while there is no trainer
        self.ghost: dict[str, np.ndarray] | None = None
        self.view: ModelView | None = None
        self.frames = 0
        self._dirty = False
        self._view_dirty = False
        self._curves_drawn_last = False
        self._csv: Dataset | None = None
        self._csv_path = ""  # the CSV file chosen ("" for none)
        self._csv_error = ""  # why it could not be read
        self._closed = False
        self._note_shown = False  # "stepping…" or "starting…" is in the status bar
        self._starting_shown = False  # "starting…": replaced by the first news of the run
        self._build_controls()
        self._build_plots()
        # The child is spawned when the view is first shown (or first asked to train),
        # in the background: by the time Train is pressed it is ready.
        self.process = TrainingProcess()
        self.process.on_died = self._child_died
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._drain)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(lambda: self.redraw(full=False))
        self._timer.start()
        self.rebuild()

    # -- building -------------------------------------------------------------------------
    def _build_controls(self) -> None:
        controls = QVBoxLayout()
        run_box = QGroupBox("Train")
        run = QVBoxLayout(run_box)
        row, (self.train_button, self.reset_button) = button_row(
            ("Train", "Train, or pause (Space)", self.toggle_run),
            ("Reset", "Back to the same initial weights: the same run again", self.reset),
        )
        run.addLayout(row)
        row, (self.batch_button, self.epoch_button) = button_row(
            ("Step batch", "Train on one mini-batch", self.step_batch),
            ("Step epoch", "Train to the end of the epoch", self.step_epoch),
        )
        run.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setFormat("epoch %v / %m")
        run.addWidget(self.progress)
        self.counter = QLabel()
        self.counter.setObjectName("counter")
        run.addWidget(self.counter)
        row = QHBoxLayout()
        self.keep_button = QPushButton("Keep this run")
        self.keep_button.setToolTip("Freeze the current curves in grey to compare the next run")
        self.keep_button.clicked.connect(self.keep_run)
        self.clear_ghost_button = QPushButton("Clear kept")
        self.clear_ghost_button.clicked.connect(self.clear_ghost)
        row.addWidget(self.keep_button)
        row.addWidget(self.clear_ghost_button)
        run.addLayout(row)
        controls.addWidget(run_box)
        self.banner = banner_label()
        controls.addWidget(self.banner)

        lesson_box = QGroupBox("Lessons")
        lessons = QVBoxLayout(lesson_box)
        row = QHBoxLayout()
        self.lesson_box = QComboBox()
        self.lesson_box.addItems(list(LESSONS))
        self.lesson_box.setToolTip("Ready settings: overfitting and its remedies")
        self.lesson_button = QPushButton("Load")
        self.lesson_button.clicked.connect(lambda: self.load_lesson(self.lesson_box.currentText()))
        row.addWidget(self.lesson_box, 1)
        row.addWidget(self.lesson_button)
        lessons.addLayout(row)
        self.lesson_text = QLabel()
        self.lesson_text.setWordWrap(True)
        self.lesson_text.hide()
        lessons.addWidget(self.lesson_text)
        controls.addWidget(lesson_box)

        data_box = QGroupBox("Data")
        data = QVBoxLayout(data_box)
        form = QFormLayout()
        self.data_choice = QComboBox()
        for name, spec in datasets.DATASETS.items():
            self.data_choice.addItem(spec.label, name)
        self.data_choice.addItem("Your CSV file…", CSV)
        self.data_choice.setToolTip("The data set to learn")
        form.addRow("Set", self.data_choice)
        data.addLayout(form)
        self.data_panels: dict[str, ParamPanel] = {}
        self.data_stack = QStackedWidget()
        for name, spec in datasets.DATASETS.items():
            panel = ParamPanel(spec(), "")
            panel.changed.connect(lambda _v: self.rebuild())
            panel.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
            self.data_panels[name] = panel
            self.data_stack.addWidget(panel)
        csv_page = QWidget()
        csv_layout = QVBoxLayout(csv_page)
        self.csv_button = QPushButton("Open CSV…")
        self.csv_button.setToolTip("Features in columns, the class or target in the last column")
        self.csv_button.clicked.connect(self.open_csv)
        self.csv_label = QLabel("No file yet")
        self.csv_label.setWordWrap(True)
        csv_layout.addWidget(self.csv_button)
        csv_layout.addWidget(self.csv_label)
        self.data_stack.addWidget(csv_page)
        data.addWidget(self.data_stack)
        self.data_message = message_label()
        data.addWidget(self.data_message)
        self.data_choice.setCurrentIndex(self.data_choice.findData("xor"))
        self.data_stack.setCurrentIndex(self.data_choice.currentIndex())
        self.data_choice.currentIndexChanged.connect(self._data_chosen)
        controls.addWidget(data_box)

        self.arch = ArchitectureEditor(Architecture((8,), "tanh", "softmax", "ce"))
        self.arch.changed.connect(lambda _a: self.rebuild())
        controls.addWidget(self.arch)
        self.train_params = ParamPanel(TrainParams(), "Optimiser")
        self.train_params.changed.connect(self._params_changed)
        self.train_params.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        controls.addWidget(self.train_params)
        aug_box = QGroupBox("Augmentation")
        aug = QVBoxLayout(aug_box)
        self.augment_check = QCheckBox("Augment every training batch")
        self.augment_check.setToolTip("Jitter inputs, or shift and add noise to images, per batch")
        self.augment_check.toggled.connect(self._augment_changed)
        aug.addWidget(self.augment_check)
        self.augment = ParamPanel(TrainAugmentation(), "")
        self.augment.changed.connect(self._augment_changed)
        aug.addWidget(self.augment)
        controls.addWidget(aug_box)
        controls.addStretch(1)
        self.control_box = control_column(controls, max_width=400)

    def _build_plots(self) -> None:
        self.plot = PlotPanel("Learning curves")
        self.p_loss = self.plot.add_plot("epoch", "", "loss", "", title="Loss (log scale)")
        self.p_loss.setLogMode(y=True)
        self.p_acc = self.plot.add_plot(
            "epoch", "", "accuracy", "", title="Accuracy", link_x=self.p_loss
        )
        self.p_acc.setYRange(0, 1.02)
        self.p_norm = self.plot.add_plot(
            "epoch",
            "",
            "L2 norm",
            "",
            title="Per-layer weight (—) and gradient (- -) norms",
            link_x=self.p_loss,
            legend="left",
        )
        self.p_norm.setLogMode(y=True)
        dash = Qt.PenStyle.DashLine
        self.curves = {
            "train_loss": self.p_loss.plot(
                [], [], name="training", pen=pg.mkPen(PALETTE[0], width=2)
            ),
            "val_loss": self.p_loss.plot(
                [], [], name="validation", pen=pg.mkPen(PALETTE[1], width=2, style=dash)
            ),
            "train_acc": self.p_acc.plot(
                [], [], name="training", pen=pg.mkPen(PALETTE[0], width=2)
            ),
            "val_acc": self.p_acc.plot(
                [], [], name="validation", pen=pg.mkPen(PALETTE[1], width=2, style=dash)
            ),
        }
        # Kept runs join the legend only once there is one (see keep_run).
        self.ghosts = {
            key: plot.plot([], [], pen=pg.mkPen(GHOST, width=1.5, style=style))
            for key, plot, style in (
                ("train_loss", self.p_loss, Qt.PenStyle.SolidLine),
                ("val_loss", self.p_loss, dash),
                ("train_acc", self.p_acc, Qt.PenStyle.SolidLine),
                ("val_acc", self.p_acc, dash),
            )
        }
        # Where the curves are not: loss falls from the top left, accuracy rises to the top.
        self.p_loss.legend.setOffset((10, -10))
        self.p_acc.legend.setOffset((-10, -10))

        self.norm_curves: list[tuple[pg.PlotDataItem, pg.PlotDataItem]] = []
        self.plot.metadata = self.parameters

        self.model_plot = PlotPanel("What the network does")
        self.p_model = self.model_plot.add_plot("x₁", "", "x₂", "", legend=True)
        self.model_plot.metadata = self.parameters
        self.maps = pg.GraphicsLayoutWidget()
        self.maps.setMinimumHeight(120)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.model_plot)
        right.addWidget(self.maps)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.plot)
        plots.addWidget(right)
        plots.setStretchFactor(0, 1)
        plots.setStretchFactor(1, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.control_box)
        layout.addWidget(plots, 1)

    # -- state ----------------------------------------------------------------------------
    @property
    def history(self) -> History:
        """The curves of the current run (recorded from every message of the child)."""
        return self.trainer.history if self.trainer is not None else self._no_history

    def dataset_name(self) -> str:
        return self.data_choice.currentData()

    def parameters(self) -> dict:
        name = self.dataset_name()
        return train_parameters(
            name,
            self.data_panels[name].values().as_dict() if name != CSV else {},
            self._csv_path,
            self.arch.architecture(),
            self.train_params.values(),
            self._augmentation(),
            self.trainer.epoch if self.trainer else 0,
        )

    def load_data(self) -> Dataset:
        name = self.dataset_name()
        if name == CSV:
            if self._csv is None:
                raise ParamError(self._csv_error or "open a CSV file first")
            return self._csv
        return build_data(name, self.data_panels[name].values(), "")

    def _augmentation(self) -> Augmentation | None:
        return self.augment.values() if self.augment_check.isChecked() else None

    # -- building the trainer ----------------------------------------------------------------
    def rebuild(self) -> None:
        """New data or network: stop, build a new trainer, clear the curves."""
        self.stop(wait=0)
        self.banner.hide()
        self.data_message.hide()
        try:
            data = self.load_data()
            trainer = RemoteTrainer(
                self.process,
                data,
                self.arch.architecture(),
                self.train_params.values(),
                self._augmentation(),
            )
        except (ParamError, ValueError) as err:
            self._drop_trainer()
            self.data_message.setText(str(err))
            self.data_message.show()
            self.status.emit(f"Training: {err}")
            self._clear()
            return
        trainer.on_update = self._on_update
        self.trainer = trainer
        self._start_fresh()
        d = trainer.data
        self.status.emit(
            f"Training: {d.name} — {d.sizes[0]} training, {d.sizes[1]} validation, "
            f"{d.sizes[2]} test samples; {trainer.local.model.num_parameters()} parameters"
        )

    def _drop_trainer(self) -> None:
        """No trainer (bad settings): the old one's messages go nowhere."""
        if self.trainer is not None:
            self.trainer.on_update = None
            if self.process.trainer is self.trainer:
                self.process.trainer = None
        self.trainer = None

    def _start_fresh(self) -> None:
        """Empty curves and the picture of the initial weights (computed here: they are
        the local trainer's until the child has trained)."""
        self.view = make_view(self.trainer.local)
        self._view_dirty = True
        self._setup_model_plot()
        self._setup_norm_curves()
        self._show_progress()
        self._dirty = True
        self.redraw()

    def _clear(self) -> None:
        self._no_history = History()
        self.view = None
        self.p_model.clear()
        self.maps.clear()
        self._dirty = True

    # -- run control ----------------------------------------------------------------------
    @property
    def run_state(self) -> str:
        """Either "running" (from Train until the run ends or is paused) or "idle"."""
        return "running" if self.trainer is not None and self.trainer.running else "idle"

    @property
    def busy(self) -> bool:
        """The child has not answered everything yet (a step, a pause, or starting up)."""
        return self.process.busy

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._ensure_process()

    def _ensure_process(self) -> None:
        """Spawn the child if there is none (returns at once) and read its messages."""
        if self._closed:
            return
        try:
            self.process.start()
        except OSError as err:
            self.banner.setText(f"Cannot start the training process: {err}")
            self.banner.show()
            return
        self._poll.start()

    def _drain(self) -> None:
        """Poll timer: handle every message waiting; stop when none are expected."""
        self.process.drain()
        if not self.process.busy:
            self._poll.stop()

    def toggle_run(self) -> None:
        if self.run_state == "running":
            self.stop()
        else:
            self.train()

    def train(self) -> None:
        t = self.trainer
        if t is None:
            self.status.emit("Training: nothing to train — fix the data or network first")
            return
        if t.diverged:
            self.status.emit("Training: the run diverged — lower the learning rate and Reset")
            return
        if t.epoch >= t.params.epochs:
            self.status.emit(f"Training: all {t.params.epochs} epochs done — raise epochs or Reset")
            return
        self._ensure_process()
        t.train()
        if not self.process.ready:
            self._note_shown = self._starting_shown = True
            self.status.emit("Training: starting the training process…")
        self._state_changed()

    def stop(self, wait: float = REPLY_WAIT_S) -> None:
        """Pause: the child stops between batches and keeps its state; its last progress
        and picture come with the acknowledgement (waited for up to ``wait`` seconds, so
        the counters are exact at once; callers that send the child more commands pass
        0: it answers them in order)."""
        if self.trainer is not None and self.trainer.running:
            self.trainer.pause(wait=wait)
            self._state_changed()
            self._dirty = True

    def step_batch(self) -> None:
        self._step("batch")

    def step_epoch(self) -> None:
        self._step("epoch")

    def _step(self, kind: str) -> None:
        self.stop(wait=0)  # the step's reply comes after the pause's: one wait for both
        t = self.trainer
        if t is None or t.diverged:
            self.status.emit("Training: nothing to step — fix the settings or Reset")
            return
        self._ensure_process()
        done = t.step_batch(REPLY_WAIT_S) if kind == "batch" else t.step_epoch(REPLY_WAIT_S)
        if not done and self.trainer is t and t.pending:
            # The curves and picture update when the reply comes (a big epoch, or the
            # child still starting); further steps queue behind this one.
            self._note_shown = True
            self.status.emit(f"Training: stepping one {kind}…")

    def reset(self) -> None:
        self.stop(wait=0)  # what it would acknowledge belongs to the run being reset
        if self.trainer is None:
            self.rebuild()
            return
        self.banner.hide()
        self.trainer.reset(self.train_params.values(), self._augmentation())
        self._start_fresh()
        self._state_changed()
        self.status.emit("Training: reset to the initial weights")

    def shutdown(self) -> None:
        """Stop the timers and the child (quit, then terminate after a timeout)."""
        self._closed = True
        self._timer.stop()
        self._poll.stop()
        self.process.shutdown()
        self._state_changed()

    # -- changes -----------------------------------------------------------------------------
    def _data_chosen(self) -> None:
        name = self.dataset_name()
        self.data_stack.setCurrentIndex(self.data_choice.currentIndex())
        if name != CSV:
            self._fit_loss_to(datasets.DATASETS[name].kind)
        if name == CSV and self._csv is None:
            self.stop()
            self._drop_trainer()
            self._clear()
            self.status.emit("Training: open a CSV file (features, then the label column)")
            return
        self.rebuild()

    def _fit_loss_to(self, kind: str) -> None:
        """Regression needs MSE; classes need a cross-entropy: switch the pair if it can't fit."""
        arch = self.arch.architecture()
        if kind == "regression" and arch.loss != "mse":
            arch = replace(arch, loss="mse", output_activation="linear")
        elif kind == "classification" and arch.loss == "mse":
            arch = replace(arch, loss="ce", output_activation="softmax")
        else:
            return
        self.arch.set_architecture(arch)

    def open_csv(self) -> None:
        path = dialogs.open_file(self, "Open a data set", "CSV table (*.csv *.txt);;All files (*)")
        if not path:
            return
        try:
            data = build_data(CSV, None, path)
        except ParamError as err:  # the file in use (if any) stays
            self.data_message.setText(str(err))
            self.data_message.show()
            return
        self._csv, self._csv_path, self._csv_error = data, path, ""
        self.csv_label.setText(path)
        if self.dataset_name() == CSV:
            self.rebuild()

    def _read_csv(self, path: str) -> None:
        """From an experiment: read ``path`` as the CSV data set; if it cannot be read,
        keep it as the chosen file (so the experiment still says which) and say why."""
        self._csv_path = path
        self._csv, self._csv_error = None, ""
        if not path:
            self.csv_label.setText("No file yet")
            return
        try:
            self._csv = build_data(CSV, None, path)
        except ParamError as err:
            self._csv_error = str(err)
            self.csv_label.setText(f"{path} (cannot be read)")
            return
        self.csv_label.setText(path)

    def _params_changed(self, params: TrainParams) -> None:
        if self.trainer is None:
            return
        if params.seed != self.trainer.params.seed:
            self.rebuild()  # a new seed is a new run: new initial weights
            return
        self.trainer.set_params(params)  # while training: from the child's next batch
        self._show_progress()

    def _augment_changed(self, *_args) -> None:
        if self.trainer is not None:
            self.trainer.set_augmentation(self._augmentation())

    def load_lesson(self, title: str) -> None:
        lesson = LESSONS[title]
        self.stop()
        self.lesson_box.setCurrentText(title)
        index = self.data_choice.findData(lesson.dataset)
        self.data_choice.blockSignals(True)
        self.data_choice.setCurrentIndex(index)
        self.data_stack.setCurrentIndex(index)
        self.data_choice.blockSignals(False)
        panel = self.data_panels[lesson.dataset]
        panel.set_values(panel.values().copy(**lesson.data), emit=False)
        self.arch.set_architecture(lesson.arch)
        self.train_params.set_values(TrainParams(**lesson.train), emit=False)
        self.augment_check.blockSignals(True)
        self.augment_check.setChecked(bool(lesson.augment))
        self.augment_check.blockSignals(False)
        if lesson.augment:
            self.augment.set_values(Augmentation(**lesson.augment), emit=False)
        self.lesson_text.setText(f"<b>{lesson.title}.</b> {lesson.text}")
        self.lesson_text.show()
        self.rebuild()

    # -- the ghost ------------------------------------------------------------------------------
    def keep_run(self) -> None:
        if self.ghost is None:
            for key, plot in (("train_loss", self.p_loss), ("train_acc", self.p_acc)):
                plot.legend.addItem(self.ghosts[key], "kept run")
        self.ghost = self.history.snapshot()
        self._dirty = True
        self.redraw()
        self.status.emit("Training: run kept in grey — change something and train again")

    def clear_ghost(self) -> None:
        if self.ghost is not None:
            for key, plot in (("train_loss", self.p_loss), ("train_acc", self.p_acc)):
                plot.legend.removeItem(self.ghosts[key])
        self.ghost = None
        for c in self.ghosts.values():
            c.setData([], [])

    # -- data in ------------------------------------------------------------------------------
    def _on_update(self, update: Update) -> None:
        """A message of the current trainer's child (its curves are already recorded)."""
        if update.view is not None:
            self.view = update.view
            self._view_dirty = True
        self._dirty = True
        if update.stopped == "diverged" or any(p.diverged for p in update.records):
            self._show_diverged()
        if update.error is not None:
            self._failed(update.error)
        if update.stopped in ("done", "diverged", "stepped", "error"):
            self._finished(update.stopped)
        t = self.trainer
        if self._note_shown and not self.busy:
            self._note_shown = self._starting_shown = False
            self.status.emit(f"Training: epoch {t.epoch}, step {t.step}")
        elif self._starting_shown and self.run_state == "running":
            # The child is up and reporting: the run, not its start, is news now.
            self._note_shown = self._starting_shown = False
            self.status.emit(f"Training: running ({t.params.epochs} epochs; Space pauses)")

    def _show_diverged(self) -> None:
        if self.trainer is not None and self.trainer.diverged:
            self.banner.setText(self.trainer.diverged)
            self.banner.show()
            self.status.emit("Training: diverged — the last good weights are kept")

    def _failed(self, text: str) -> None:
        last = text.strip().splitlines()[-1]
        self.banner.setText(f"Training stopped with an error: {last}")
        self.banner.setToolTip(text)
        self.banner.show()
        print(text, file=sys.stderr)

    def _finished(self, how: str) -> None:
        t = self.trainer
        if how == "done" and t is not None and not t.diverged:
            self.status.emit(f"Training: {t.epoch} epochs done")
        self._state_changed()
        self.redraw()

    def _state_changed(self) -> None:
        self.train_button.setText("Pause" if self.run_state == "running" else "Train")
        if self.run_state == "running" or self.busy:
            self._poll.start()

    def _child_died(self, reason: str) -> None:
        """The child is gone (killed, crashed): say so, and start a new one."""
        recent = [t for t in self.process.deaths if t > self.process.deaths[-1] - RESTART_WINDOW_S]
        again = len(recent) < RESTARTS and not self._closed
        self.banner.setToolTip("")
        self.banner.setText(
            f"The training process stopped unexpectedly ({reason}). "
            + (
                "A new one is starting: the run is back at its initial weights."
                if again
                else f"It stopped {len(recent)} times in a minute; training is unavailable "
                "until NeuroLab is restarted."
            )
        )
        self.banner.show()
        self.status.emit(f"Training: the training process stopped ({reason})")
        self._state_changed()
        if again:  # not from inside the wait that noticed it
            QTimer.singleShot(0, self, self._recover)

    def _recover(self) -> None:
        if self._closed or self.trainer is None or self.process.started:
            return
        self.trainer.relaunch()
        self._ensure_process()
        self._start_fresh()
        self._state_changed()

    # -- drawing -------------------------------------------------------------------------------
    def _show_progress(self) -> None:
        t = self.trainer
        if t is None:
            return
        self.progress.setRange(0, t.params.epochs)
        self.progress.setValue(min(t.epoch, t.params.epochs))
        self.counter.setText(
            f"epoch {t.epoch}, batch {t.batch} of {t.batches_per_epoch}, step {t.step}"
        )

    def _setup_norm_curves(self) -> None:
        for w, g in self.norm_curves:
            self.p_norm.removeItem(w)
            self.p_norm.removeItem(g)
        self.norm_curves = []
        if self.trainer is None:
            return
        for layer in range(len(self.trainer.local.model.layers)):
            color = PALETTE[(layer + 2) % len(PALETTE)]
            w = self.p_norm.plot([], [], name=f"layer {layer + 1}", pen=pg.mkPen(color, width=1.5))
            g = self.p_norm.plot([], [], pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
            self.norm_curves.append((w, g))

    def _setup_model_plot(self) -> None:
        """Items of the model plot for this kind of data (built once per data set)."""
        self.p_model.clear()
        legend = self.p_model.legend
        if legend is not None:
            legend.clear()
        self.maps.clear()
        self.hidden_maps = self.gallery = None
        d = self.trainer.data
        self.model_kind = (
            "plane"
            if d.kind == "classification" and d.n_inputs == 2
            else "curve"
            if d.kind == "regression" and d.n_inputs == 1
            else "classes"
            if d.kind == "classification"
            else "none"
        )
        p = self.p_model
        p.setAspectLocked(False)
        p.invertY(False)
        # What the confusion matrix set (class ticks, a fixed 0..K range) must not stay.
        p.getAxis("bottom").setTicks(None)
        p.getAxis("left").setTicks(None)
        p.enableAutoRange()
        if self.model_kind == "plane":
            self._setup_plane(d)
        elif self.model_kind == "curve":
            self._setup_curve(d)
        elif self.model_kind == "classes":
            self._setup_classes(d)
        else:
            p.setTitle("No picture for this data (more than one output or input)")

    def _setup_plane(self, d: Dataset) -> None:
        p = self.p_model
        p.setTitle("Decision regions: training ●, test ✕")
        p.setLabel("bottom", "x₁")
        p.setLabel("left", "x₂")
        self.region = pg.ImageItem(axisOrder="row-major")
        p.addItem(self.region)
        k = d.n_classes
        self._class_rgb = np.array(
            [pg.mkColor(PALETTE[i % len(PALETTE)]).getRgb()[:3] for i in range(k)], float
        )
        for i in range(k):
            brush = pg.mkBrush(PALETTE[i % len(PALETTE)])
            tr = d.t_train == i
            te = d.t_test == i
            name = d.class_names[i] if d.class_names else f"class {i}"
            p.addItem(
                pg.ScatterPlotItem(
                    d.x_train[tr, 0],
                    d.x_train[tr, 1],
                    symbol="o",
                    size=7,
                    brush=brush,
                    pen=pg.mkPen("w"),
                    name=name,
                )
            )
            if te.any():
                p.addItem(
                    pg.ScatterPlotItem(
                        d.x_test[te, 0], d.x_test[te, 1], symbol="x", size=9, brush=brush, pen=None
                    )
                )
        x0, x1, y0, y1 = data_bounds(d.x_all)
        p.setXRange(x0, x1, padding=0)
        p.setYRange(y0, y1, padding=0)
        n_maps = len(self.view.hidden) if self.view is not None else 0
        self.hidden_maps = None
        if n_maps:
            widths = ", ".join(str(w) for w in self.trainer.arch.hidden)
            self.hidden_maps = Mosaic(
                self.maps.ci,
                n_maps,
                (GRID, GRID),
                cols=min(8, max(1, math.ceil(math.sqrt(n_maps * 2)))),
                cmap="CET-D1",
                title=f"Hidden units ({widths}): blue low, red high",
                background=0.5,
            )

    def _setup_curve(self, d: Dataset) -> None:
        p = self.p_model
        p.setTitle("Fit: data (training ●, test ✕), target (- -) and the network (—)")
        p.setLabel("bottom", "x")
        p.setLabel("left", "t, y")
        p.addItem(
            pg.ScatterPlotItem(
                d.x_train[:, 0],
                d.t_train[:, 0],
                symbol="o",
                size=6,
                brush=PALETTE[0],
                pen=None,
                name="training",
            )
        )
        if d.x_test.shape[0]:
            p.addItem(
                pg.ScatterPlotItem(
                    d.x_test[:, 0],
                    d.t_test[:, 0],
                    symbol="x",
                    size=8,
                    brush=PALETTE[1],
                    pen=None,
                    name="test",
                )
            )
        if d.target_fn is not None:
            xs = np.linspace(*(d.x_range or (d.x_all.min(), d.x_all.max())), 300)
            p.plot(
                xs,
                d.target_fn(xs),
                pen=pg.mkPen("#444", width=1.5, style=Qt.PenStyle.DashLine),
                name="target",
            )
        self.fit_curve = p.plot([], [], pen=pg.mkPen(PALETTE[2], width=2.5), name="network")
        # Fixed axes around the data: a fit that wanders must not make them jump.
        x, t = d.x_all[:, 0], d.t_all[:, 0]
        lo, hi = d.x_range or (float(x.min()), float(x.max()))
        span = float(t.max() - t.min()) or 1.0
        p.setXRange(lo, hi, padding=0.05)
        p.setYRange(float(t.min()) - 0.25 * span, float(t.max()) + 0.25 * span, padding=0)

    def _setup_classes(self, d: Dataset) -> None:
        p = self.p_model
        p.setLabel("bottom", "predicted class")
        p.setLabel("left", "true class")
        p.setAspectLocked(True)
        p.invertY(True)
        self.confusion = pg.ImageItem(axisOrder="row-major")
        self.confusion.setLookupTable(pg.colormap.get("CET-L12").getLookupTable(nPts=256))
        p.addItem(self.confusion)
        k = d.n_classes
        self.confusion_text = []
        for i in range(k):
            for j in range(k):
                t = pg.TextItem("", anchor=(0.5, 0.5), color="k")
                t.setPos(j + 0.5, i + 0.5)
                p.addItem(t)
                self.confusion_text.append(t)
        ticks = [[(i + 0.5, d.class_names[i] if d.class_names else str(i)) for i in range(k)]]
        p.getAxis("bottom").setTicks(ticks)
        p.getAxis("left").setTicks(ticks)
        p.setXRange(0, k, padding=0.02)
        p.setYRange(0, k, padding=0.02)
        self.gallery = None
        if d.image_shape is not None:
            self.gallery = Mosaic(
                self.maps.ci,
                MAX_MISCLASSIFIED,
                d.image_shape,
                cols=8,
                cmap="CET-L1",
                title="Misclassified test images: true → predicted",
                captions=True,
                reverse=True,
            )

    def redraw(self, full: bool = True) -> None:
        """Draw what changed.  The frame timer passes ``full=False``: then a frame draws
        either the curves or the model picture, never both, so no frame is long."""
        view_due = self._view_dirty and self.view is not None and self.trainer is not None
        if not full and view_due and (self._curves_drawn_last or not self._dirty):
            self._view_dirty = self._curves_drawn_last = False
            self.frames += 1
            self._draw_view(self.view)
            return
        if not self._dirty:
            if full and view_due:
                self._view_dirty = False
                self._draw_view(self.view)
            return
        self._dirty = False
        self._curves_drawn_last = True
        self.frames += 1
        h = self.history.snapshot()
        for key, curves in ((h, self.curves), (self.ghost, self.ghosts)):
            if key is None:
                continue
            x = key["epoch"]
            curves["train_loss"].setData(x, _positive(key["train_loss"]))
            curves["val_loss"].setData(x, _positive(key["val_loss"]))
            curves["train_acc"].setData(x, key["train_accuracy"])
            curves["val_acc"].setData(x, key["val_accuracy"])
        losses = np.concatenate([_positive(h["train_loss"]), _positive(h["val_loss"])])
        self.p_loss.getAxis("left").setTicks(axis_ticks(losses))
        w, gr = h["weight_l2"], h["grad_l2"]
        if w.size:
            t = h["norm_epoch"]
            for layer, (cw, cg) in enumerate(self.norm_curves):
                cw.setData(t, _positive(w[:, layer]))
                cg.setData(t, _positive(gr[:, layer]))
            self.p_norm.getAxis("left").setTicks(
                axis_ticks(np.concatenate([w.ravel(), gr.ravel()]))
            )
        self._show_progress()
        if full and view_due:
            self._view_dirty = False
            self._draw_view(self.view)

    def _draw_view(self, v: ModelView) -> None:
        if self.model_kind == "plane" and v.surface is not None:
            k = self._class_rgb.shape[0]
            strength = np.clip((v.confidence - 1.0 / k) / (1.0 - 1.0 / k), 0, 1)[..., None] * 0.55
            rgb = 255 * (1 - strength) + self._class_rgb[v.surface] * strength
            self.region.setImage(rgb.astype(np.uint8), autoLevels=False, levels=(0, 255))
            x0, x1, y0, y1 = v.grid_x[0], v.grid_x[-1], v.grid_y[0], v.grid_y[-1]
            self.region.setRect(x0, y0, x1 - x0, y1 - y0)
            if self.hidden_maps is not None:
                # Row 0 of a map is the lowest x₂: flip so the maps read like the plane.
                self.hidden_maps.set_tiles([normalise(m)[::-1] for m in v.hidden])
        elif self.model_kind == "curve" and v.curve_x is not None:
            self.fit_curve.setData(v.curve_x, v.curve_y)
        elif self.model_kind == "classes" and v.confusion is not None:
            c = v.confusion
            self.confusion.setImage(c.astype(float), autoLevels=False, levels=(0, max(1, c.max())))
            self.confusion.setRect(0, 0, c.shape[1], c.shape[0])
            k = c.shape[0]
            for i in range(k):
                for j in range(k):
                    item, text = self.confusion_text[i * k + j], str(c[i, j]) if c[i, j] else ""
                    if item.toPlainText() != text:  # re-laying out 100 labels costs a frame
                        item.setText(text)
                        item.setVisible(bool(text))  # hidden items cost nothing to paint
            acc = np.trace(c) / max(1, c.sum())
            self.p_model.setTitle(f"Confusion matrix on the {v.split} set: accuracy {acc:.3f}")
            self._draw_gallery(v)

    def _draw_gallery(self, v: ModelView) -> None:
        d = self.trainer.data
        if self.gallery is None:
            return
        x = d.x_test if v.split == "test" else d.x_val
        t = d.t_test if v.split == "test" else d.t_val
        self.gallery.set_tiles(
            [x[i].reshape(d.image_shape) for i in v.wrong],
            [f"{t[i]}→{p}" for i, p in zip(v.wrong, v.wrong_pred, strict=True)],
        )

    # -- export and smoke ------------------------------------------------------------------------
    def data(self) -> dict[str, np.ndarray]:
        """The curves (norms at epoch ends), and the model's W and b arrays (fetched
        from the child): see :func:`neurolab.core.tabstate.training.train_arrays`."""
        if self.trainer is None:
            return {}
        if self.trainer.pending:  # steps asked for are part of what is exported
            self.trainer.wait_idle(FETCH_WAIT_S)
        return train_arrays(self.history, self.trainer.model.state())

    # -- experiment files (see neurolab.core.tabstate.training) ----------------------------------
    def state(self) -> dict:
        """Every setting as plain values: the data set chosen, every data set's
        parameters, the CSV file, the network, the optimiser and the augmentation."""
        return {
            "dataset": self.dataset_name(),
            "data": {k: p.values().as_dict() for k, p in self.data_panels.items()},
            "csv_file": self._csv_path,
            "architecture": architecture_state(self.arch.architecture()),
            "train": self.train_params.values().as_dict(),
            "augment": self.augment_check.isChecked(),
            "augmentation": self.augment.values().as_dict(),
        }

    def set_state(self, state: dict) -> None:
        """Stop, set every control without a rebuild each, then build the trainer once
        (untrained: Train starts it).  A CSV file that cannot be read is named in the
        data box, and nothing trains until a file is opened."""
        self.stop(wait=0)
        name = state["dataset"]
        index = self.data_choice.findData(name)
        self.data_choice.blockSignals(True)
        self.data_choice.setCurrentIndex(index)
        self.data_stack.setCurrentIndex(index)
        self.data_choice.blockSignals(False)
        for k, panel in self.data_panels.items():
            panel.set_values(state["data"][k], emit=False)
        self._read_csv(state["csv_file"])
        a = state["architecture"]
        self.arch.set_architecture(
            Architecture(
                tuple(a["hidden"]), tuple(a["activations"]), a["output_activation"], a["loss"]
            )
        )
        self.train_params.set_values(state["train"], emit=False)
        self.augment_check.blockSignals(True)
        self.augment_check.setChecked(state["augment"])
        self.augment_check.blockSignals(False)
        self.augment.set_values(state["augmentation"], emit=False)
        if name == CSV and self._csv is None:
            self._drop_trainer()
            self._clear()
            message = self._csv_error or "open a CSV file (features, then the label column)"
            self.data_message.setText(message)
            self.data_message.show()
            self.status.emit(f"Training: {message}")
            return
        self.rebuild()

    def notes(self) -> list[str]:
        if self.dataset_name() == CSV and self._csv is None:
            return [f"Training data: {self._csv_error or 'no CSV file chosen'}"]
        return []

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        out: dict[tuple[str, ...], QWidget] = {
            ("dataset",): self.data_choice,
            ("data",): self.data_stack,
            ("csv_file",): self.csv_button,
            ("architecture",): self.arch,
            ("train",): self.train_params,
            ("augment",): self.augment_check,
            ("augmentation",): self.augment,
        }
        out.update({("data", k): p for k, p in self.data_panels.items()})
        return out

    def smoke_test(self) -> None:
        """XOR for 3 epochs in a child process of its own: spawning (frozen apps too),
        the protocol, training and the model picture."""
        process = TrainingProcess()
        try:
            data = datasets.load("xor", n=80)
            tr = RemoteTrainer(
                process, data, Architecture((6,), "tanh", "softmax", "ce"), TrainParams(epochs=3)
            )
            tr.train()
            if not process.wait(lambda: not tr.running, SMOKE_TIMEOUT_S):
                raise RuntimeError(
                    f"the training process did not train 3 XOR epochs in {SMOKE_TIMEOUT_S:g} s"
                )
            last = tr.last
            if last is None or not math.isfinite(last.train_loss) or tr.last_view is None:
                raise RuntimeError(
                    "the XOR smoke training did not produce a finite loss and a view"
                )
        finally:
            process.shutdown()
