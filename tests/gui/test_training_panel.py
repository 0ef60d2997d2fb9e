"""The training view driven through its real widgets (training runs in a child process)."""

import math
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest

from neurolab.core import datasets
from neurolab.core.training import Architecture, Trainer
from neurolab.gui import dialogs
from neurolab.gui.tabs.training_panel import TrainView
from neurolab.gui.training_process import CHILD_NICENESS
from neurolab.gui.worker import running_threads


@pytest.fixture
def view(qtbot):
    v = TrainView()
    qtbot.addWidget(v)
    v.resize(1400, 900)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()


def _train_until_done(qtbot, view, timeout=20_000):
    view.train_button.click()
    qtbot.waitUntil(lambda: view.run_state == "idle", timeout=timeout)


def _settle(qtbot, view, timeout=10_000):
    """Until the child has answered every step and pause (at once, unless it is still
    starting or the machine is loaded)."""
    qtbot.waitUntil(lambda: not view.busy, timeout=timeout)


def test_xor_loss_falls_in_the_plotted_data(view, qtbot):
    assert view.dataset_name() == "xor"
    view.train_params.set_value("momentum", 0.9)
    view.train_params.set_value("epochs", 60)
    _train_until_done(qtbot, view)
    view.redraw()
    curve = view.curves["train_loss"]
    x, loss = curve.xData, curve.yData  # the data as given, before the log axis
    assert len(x) == 60 and x[-1] == 60
    assert loss[-1] < loss[0] / 5
    # The plotted curve is the trainer's own evaluation of the training set.
    np.testing.assert_array_equal(loss, view.history.column("train_loss"))
    assert loss[-1] == pytest.approx(view.trainer.evaluate("train")[0], rel=1e-12)
    assert view.history.column("val_accuracy")[-1] >= 0.9  # noise 0.2: a few points cross over


def test_pause_step_and_reset_give_identical_curves(view, qtbot):
    view.train_params.set_value("epochs", 200)
    view.train_button.click()
    qtbot.waitUntil(lambda: view.trainer.epoch >= 3, timeout=10_000)
    view.train_button.click()  # pause
    assert view.run_state == "idle"
    _settle(qtbot, view)
    epoch = view.trainer.epoch
    assert len(view.history) == epoch  # every epoch trained before the pause is recorded
    view.epoch_button.click()
    _settle(qtbot, view)
    assert view.trainer.epoch == epoch + 1
    step = view.trainer.step
    view.batch_button.click()
    _settle(qtbot, view)
    assert view.trainer.step == step + 1
    first = list(view.history.column("train_loss"))
    view.reset_button.click()
    assert view.trainer.epoch == 0 and view.history.column("train_loss") == []
    for _ in range(len(first)):
        view.epoch_button.click()
    _settle(qtbot, view)
    assert view.history.column("train_loss") == first  # bit for bit: the same run again


def test_the_same_run_in_the_core_gives_the_same_curve(view, qtbot):
    view.train_params.set_value("epochs", 5)
    _train_until_done(qtbot, view)
    data = datasets.load("xor")
    tr = Trainer(data, view.arch.architecture(), view.train_params.values())
    losses = [p.train_loss for p in tr.run("epoch")]
    assert view.history.column("train_loss") == losses


def test_huge_learning_rate_shows_the_divergence_message(view, qtbot):
    view.train_params.set_value("lr", 100.0)
    view.train_params.set_value("momentum", 0.9)
    _train_until_done(qtbot, view)
    assert view.banner.isVisible()
    assert "diverged" in view.banner.text() and "learning rate" in view.banner.text()
    assert all(np.isfinite(p.val).all() for p in view.trainer.model.parameters())


def test_overfitting_lesson_gap_exceeds_the_gap_with_weight_decay(view, qtbot):
    gaps = {}
    for title in ("Overfitting", "Remedy: weight decay"):
        view.load_lesson(title)
        assert view.lesson_text.isVisible()
        _train_until_done(qtbot, view, timeout=60_000)
        h = view.history
        gaps[title] = h.column("val_loss")[-1] - h.column("train_loss")[-1]
        if title == "Overfitting":
            view.keep_button.click()
    assert gaps["Overfitting"] > 2 * gaps["Remedy: weight decay"] > 0
    # The first run is kept in grey on the same axes.
    gx, _ = view.ghosts["val_loss"].getData()
    assert len(gx) == 300


def test_hyper_parameter_change_while_training_applies(view, qtbot):
    view.train_params.set_value("epochs", 100_000)
    view.train_button.click()
    qtbot.waitUntil(lambda: view.trainer.step > 5, timeout=10_000)
    view.train_params.set_value("lr", 0.0123)
    qtbot.waitUntil(lambda: view.trainer.optimizer.lr == 0.0123, timeout=5_000)
    assert view.run_state == "running"
    view.train_button.click()


def test_unnatural_pairing_shows_a_warning_and_regression_switches_the_loss(view, qtbot):
    view.arch.output_box.setCurrentText("linear")
    assert view.arch.warning.isVisible() and "softmax" in view.arch.warning.text()
    view.data_choice.setCurrentIndex(view.data_choice.findData("sine"))
    assert view.arch.architecture().loss == "mse"
    assert view.trainer is not None and view.model_kind == "curve"
    view.epoch_button.click()
    _settle(qtbot, view)
    x, y = view.fit_curve.getData()
    np.testing.assert_allclose(y, view.trainer.outputs(x[:, None])[:, 0], rtol=1e-12)


def test_architecture_edits_rebuild_the_network(view):
    view.arch.add_layer()
    assert view.trainer.model.widths == [2, 8, 8, 2]
    view.arch.rows[0].width_box.setValue(5)
    assert view.trainer.model.widths == [2, 5, 8, 2]
    view.arch.remove_layer(view.arch.rows[1])
    assert view.trainer.model.widths == [2, 5, 2]
    assert view.hidden_maps.n == 5


def test_csv_data_set_from_a_file(view, qtbot, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    lab = (x[:, 0] + x[:, 1] > 0).astype(int)
    path = tmp_path / "mine.csv"
    lines = ["a,b,c,label"] + [
        f"{r[0]},{r[1]},{r[2]},{'yes' if c else 'no'}" for r, c in zip(x, lab, strict=True)
    ]
    path.write_text("\n".join(lines))
    monkeypatch.setattr(dialogs, "open_file", lambda *a, **k: str(path))
    view.data_choice.setCurrentIndex(view.data_choice.findData("csv"))
    assert view.trainer is None
    view.csv_button.click()
    assert view.trainer is not None and view.trainer.data.n_inputs == 3
    assert view.model_kind == "classes"
    view.epoch_button.click()  # the table travels to the child and trains there
    _settle(qtbot, view)
    assert len(view.history) == 1 and view.view.confusion.sum() == view.trainer.data.sizes[2]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    monkeypatch.setattr(dialogs, "open_file", lambda *a, **k: str(bad))
    view.csv_button.click()
    assert view.data_message.isVisible() and "line" in view.data_message.text()


def test_digits_show_a_confusion_matrix_and_misclassified_images(view, qtbot):
    view.data_choice.setCurrentIndex(view.data_choice.findData("digits"))
    view.epoch_button.click()
    _settle(qtbot, view)
    view.redraw()
    c = view.view.confusion
    assert c.shape == (10, 10) and c.sum() == view.trainer.data.x_test.shape[0]
    shown = [c.toPlainText() for c in view.gallery.captions if c.toPlainText()]
    assert len(shown) == min(24, c.sum() - np.trace(c))
    assert "→" in shown[0]


def test_close_mid_training_leaves_no_thread_and_no_process(qtbot):
    v = TrainView()
    qtbot.addWidget(v)
    v.train_params.set_value("epochs", 100_000)
    v.train_button.click()
    qtbot.waitUntil(lambda: v.trainer.step > 3, timeout=10_000)
    pid = v.process.pid
    v.shutdown()
    v.close()
    assert v.run_state == "idle" and v.train_button.text() == "Train"
    assert not running_threads()
    assert multiprocessing.active_children() == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone and reaped: no zombie
    assert all(math.isfinite(x) for x in v.history.column("train_loss"))
    v.train_button.click()  # after shutdown: nothing starts again
    assert multiprocessing.active_children() == []


def test_training_runs_in_a_child_without_qt(view, qtbot):
    qtbot.waitUntil(lambda: view.process.ready, timeout=10_000)
    assert view.process.pid != os.getpid()
    assert view.process.qt_modules == ()  # it imported no PySide6, shiboken6 or pyqtgraph
    view.train_params.set_value("epochs", 3)
    _train_until_done(qtbot, view)
    assert view.trainer.epoch == 3 and len(view.history) == 3


def test_a_killed_child_shows_a_message_and_a_new_one_trains(view, qtbot):
    view.train_params.set_value("epochs", 100_000)
    view.train_button.click()
    qtbot.waitUntil(lambda: view.trainer.step > 3, timeout=10_000)
    old = view.process.pid
    os.kill(old, signal.SIGKILL)
    qtbot.waitUntil(lambda: "stopped unexpectedly" in view.banner.text(), timeout=5_000)
    assert view.banner.isVisible() and "SIGKILL" in view.banner.text()
    assert view.run_state == "idle" and view.train_button.text() == "Train"
    # A new child, the same network back at its initial weights: training goes on.
    qtbot.waitUntil(lambda: view.process.ready and view.process.pid != old, timeout=10_000)
    assert view.trainer.step == 0 and len(view.history) == 0
    view.train_params.set_value("epochs", 2)
    _train_until_done(qtbot, view)
    assert view.trainer.epoch == 2
    assert multiprocessing.active_children() == [view.process._proc]


def test_an_error_in_the_child_shows_in_the_banner(view, qtbot):
    qtbot.waitUntil(lambda: view.process.ready, timeout=10_000)
    view.process.send(("no_such_command", view.trainer.gen))
    view.train_params.set_value("epochs", 1)
    view.epoch_button.click()  # the reply comes after the error's
    _settle(qtbot, view)
    assert view.banner.isVisible() and "Training stopped with an error" in view.banner.text()
    assert "no_such_command" in view.banner.toolTip()
    assert view.trainer.epoch == 1  # the child lives on


def test_hyper_parameters_set_while_paused_reach_the_child(view, qtbot):
    view.train_params.set_value("lr", 0.0321)
    view.epoch_button.click()
    _settle(qtbot, view)
    assert view.trainer.optimizer.lr == 0.0321
    # The same epoch in the core with that learning rate gives the same loss.
    tr = Trainer(datasets.load("xor"), view.arch.architecture(), view.train_params.values())
    assert view.history.column("train_loss") == [tr.step_epoch().train_loss]


def test_a_curve_after_the_digits_is_not_drawn_on_the_confusion_matrix_axes(view, qtbot):
    view.data_choice.setCurrentIndex(view.data_choice.findData("digits"))
    view.data_choice.setCurrentIndex(view.data_choice.findData("sine"))
    view.epoch_button.click()
    _settle(qtbot, view)
    view.redraw()
    (x0, x1), _ = view.p_model.viewRange()
    assert -1.5 < x0 < -0.9 and 0.9 < x1 < 1.5  # the sine's x range, not the classes' 0..10
    assert view.p_model.getAxis("bottom")._tickLevels is None  # no class ticks


def test_a_long_step_does_not_block_and_updates_when_it_is_done(view, qtbot):
    qtbot.waitUntil(lambda: view.process.ready, timeout=10_000)
    view.data_choice.setCurrentIndex(view.data_choice.findData("digits"))
    view.arch.set_architecture(Architecture((256,), "relu", "softmax", "ce"), emit=True)
    view.train_params.set_value("batch_size", 1)  # ~1400 batches: far over 50 ms
    said = []
    view.status.connect(said.append)
    t0 = time.perf_counter()
    view.epoch_button.click()
    blocked = time.perf_counter() - t0
    assert view.busy and view.trainer.epoch == 0
    assert said[-1] == "Training: stepping one epoch…"
    _settle(qtbot, view, timeout=60_000)
    took = time.perf_counter() - t0
    assert view.trainer.epoch == 1 and len(view.history) == 1
    assert said[-1] == f"Training: epoch 1, step {view.trainer.step}"
    assert blocked < 0.25 and blocked < took / 2  # the GUI waited briefly, the epoch longer


@pytest.mark.skipif(not hasattr(os, "nice"), reason="Unix niceness")
def test_the_child_trains_at_a_lower_cpu_priority_than_the_gui(view, qtbot):
    qtbot.waitUntil(lambda: view.process.ready, timeout=10_000)
    gui = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, view.process.pid) == min(19, gui + CHILD_NICENESS)


def test_the_status_bar_moves_on_from_starting_once_training_runs(view, qtbot):
    said: list[str] = []
    view.status.connect(said.append)
    view.train_params.set_value("epochs", 100_000)  # long enough to be running when checked
    view.train_button.click()
    qtbot.waitUntil(lambda: view.trainer.epoch >= 2, timeout=30_000)
    qtbot.waitUntil(lambda: "starting" not in said[-1], timeout=10_000)
    assert said[-1].startswith("Training: running")
    view.stop()
