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
