"""The generator runner: start, pause, resume, feed, cancel, errors, stale runs."""

import itertools

import pytest

from neurolab.gui.worker import Runner, running_threads


def counter(step=1):
    """Yields 0, step, 2·step, …; a sent {"step": k} changes the increment."""
    value = 0
    while True:
        updates = yield value
        if updates:
            step = updates.get("step", step)
        value += step


@pytest.fixture
def runner(qtbot):
    r = Runner()
    yield r
    r.cancel(wait=True)


def test_chunks_arrive_in_order_and_finish(runner, qtbot):
    got = []
    runner.chunk.connect(got.append)
    with qtbot.waitSignal(runner.finished, timeout=3000) as sig:
        runner.start(lambda: iter(range(50)))
    assert sig.args == [True]
    assert got == list(range(50))
    runner.wait()
    assert running_threads() == []


def test_send_reaches_the_generator_between_chunks(runner, qtbot):
    got = []
    runner.chunk.connect(got.append)
    runner.start(counter, pace=0.002)
    qtbot.waitUntil(lambda: len(got) > 5, timeout=3000)
    runner.send({"step": 100})
    qtbot.waitUntil(lambda: len(got) > 1 and got[-1] - got[-2] == 100, timeout=3000)
    diffs = {b - a for a, b in itertools.pairwise(got)}
    assert diffs == {1, 100}


def test_pause_stops_delivery_and_resume_restarts_it(runner, qtbot):
    got = []
    runner.chunk.connect(got.append)
    runner.start(counter, pace=0.002)
    qtbot.waitUntil(lambda: len(got) > 3, timeout=3000)
    runner.pause()
    assert runner.state == "paused"
    qtbot.wait(50)
    n = len(got)
    qtbot.wait(200)
    assert len(got) == n
    runner.resume()
    qtbot.waitUntil(lambda: len(got) > n + 3, timeout=3000)


def test_cancel_stops_the_thread(runner, qtbot):
    runner.start(counter, pace=0.001)
    qtbot.waitUntil(lambda: runner.state == "running", timeout=1000)
    with qtbot.waitSignal(runner.finished, timeout=3000) as sig:
        runner.cancel(wait=False)
        # A cancelled run's end is not announced as the current run's: state is idle at once.
        assert runner.state == "idle"
        runner.start(lambda: iter([1, 2, 3]))
    assert sig.args == [True]
    runner.wait()
    assert running_threads() == []


def test_results_of_a_superseded_run_are_dropped(runner, qtbot):
    got = []
    runner.chunk.connect(got.append)
    runner.start(lambda: (("old", i) for i in itertools.count()), pace=0.001)
    qtbot.waitUntil(lambda: len(got) > 2, timeout=3000)
    with qtbot.waitSignal(runner.finished, timeout=3000):
        runner.start(lambda: (("new", i) for i in range(5)))
    first_new = next(i for i, item in enumerate(got) if item[0] == "new")
    assert all(item[0] == "new" for item in got[first_new:])
    assert [i for tag, i in got if tag == "new"] == list(range(5))


def test_an_error_is_reported_with_its_traceback(runner, qtbot):
    def broken():
        yield 1
        raise ValueError("bad input at t = 3 ms")

    with qtbot.waitSignal(runner.failed, timeout=3000) as sig:
        runner.start(broken)
    assert "ValueError: bad input at t = 3 ms" in sig.args[0]
    assert "Traceback" in sig.args[0]
    qtbot.waitUntil(lambda: runner.state == "idle", timeout=3000)


class _Cycle:
    """Holds a Qt object and itself: only the cyclic garbage collector frees it."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject

        self.me = self
        self.qt = QObject()


def test_garbage_holding_qt_objects_is_collected_on_the_gui_thread(runner, qtbot):
    # Python's cyclic GC runs on whichever thread trips its threshold; a worker that
    # allocates would otherwise finalise Qt objects left by closed views (a deadlock at
    # exit was traced to that).  Here the worker allocates hard while such garbage waits.
    import threading
    import weakref

    where: list[bool] = []
    for _ in range(20):
        weakref.finalize(
            _Cycle(), lambda: where.append(threading.current_thread() is threading.main_thread())
        )

    def allocating():
        while True:
            yield [[] for _ in range(5000)]  # tracked containers: trips the gen-0 threshold

    runner.start(allocating)
    qtbot.waitUntil(lambda: len(where) == 20, timeout=10_000)
    runner.cancel()
    assert all(where)


def test_progress_items_are_not_held_by_a_pause(runner, qtbot):
    from neurolab.gui.worker import Unpaced

    class Step(Unpaced):
        pass

    got = []
    runner.chunk.connect(got.append)

    def build_then_run():
        for _ in range(5):
            yield Step()
        yield "built"
        yield from itertools.count()

    runner.start(build_then_run, pace=0.5, paused=True)  # the build goes on, the run waits
    assert runner.state == "paused"
    qtbot.waitUntil(lambda: "built" in got, timeout=3000)
    qtbot.wait(100)
    assert sum(isinstance(g, Step) for g in got) == 5 and got[-1] == "built"
    runner.resume()
    qtbot.waitUntil(lambda: 0 in got, timeout=3000)


def test_a_run_started_paused_hands_over_nothing_after_its_first_item(runner, qtbot):
    got = []
    runner.chunk.connect(got.append)
    for _ in range(20):  # the race: a fast generator against a pause after start()
        got.clear()
        runner.start(lambda: itertools.count(), paused=True)
        qtbot.waitUntil(lambda: got == [0], timeout=3000)
        qtbot.wait(20)
        assert got == [0] and runner.state == "paused"
    runner.resume()
    qtbot.waitUntil(lambda: len(got) > 3, timeout=3000)


def test_a_pinned_keeper_collects_on_the_gui_thread_for_the_whole_session(qtbot):
    import gc

    from neurolab.gui.worker import _Keeper

    was = gc.isenabled()
    k = _Keeper()
    try:
        k.pin()
        assert not gc.isenabled() and k._timer.isActive()
        k.release(None)  # nothing held: stays pinned
        assert not gc.isenabled() and k._timer.isActive()
    finally:
        k._timer.stop()
        if was:
            gc.enable()
        k.deleteLater()


def test_the_keeper_runs_full_collections_as_rarely_as_python_would(qtbot):
    import gc

    from neurolab.gui.worker import _Keeper

    collected: list[int] = []

    def seen(phase, info):
        if phase == "start":
            collected.append(info["generation"])

    was = gc.isenabled()
    k = _Keeper()
    gc.callbacks.append(seen)
    try:
        gc.disable()
        for _ in range(12):
            gc.collect(1)  # each pass counts towards the oldest generation
        assert gc.get_count()[2] > 10
        k._long_lived, k._promoted = 1_000_000, 1000  # few promoted among many long-lived
        collected.clear()
        k.collect()
        assert 2 not in collected  # a full pass would cost far more than it frees
        k._promoted = 300_000
        k.collect()
        assert collected[-1] == 2 and k._promoted == 0
    finally:
        gc.callbacks.remove(seen)
        if was:
            gc.enable()
        k.deleteLater()
