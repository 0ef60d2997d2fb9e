"""Test-wide settings: headless Qt, isolated settings, and no thread or child process
left behind."""

import os
import threading

# Must be set before any Qt module is imported by a test.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402

# The HH core keeps one process-wide pool of idle worker threads for batches;
# it is a resource, not work left running.
_POOL_PREFIX = "neurolab-hh"


def _new_threads(before):
    return [
        t
        for t in threading.enumerate()
        if t.ident not in before
        and t.is_alive()
        and not t.daemon
        and not t.name.startswith(_POOL_PREFIX)
    ]


@pytest.fixture(autouse=True)
def _no_leftover_threads(request):
    """Fail a test that leaves a Python or Qt thread running (ARCHITECTURE convention 8)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    if "qapp" not in request.fixturenames and "qtbot" not in request.fixturenames:
        leftover = _new_threads(before)
        assert not leftover, f"threads left running: {leftover}"
        return
    from PySide6.QtWidgets import QApplication

    from neurolab.gui.worker import running_threads

    QApplication.instance().processEvents()
    running = running_threads()
    leftover = _new_threads(before)
    assert not running and not leftover, f"threads left running: {running or leftover}"


@pytest.fixture(autouse=True)
def _no_leftover_processes():
    """Fail a test that leaves a child process running (the Training view's trainer).

    The leftovers are ended here so that one failure does not fail every later test.
    """
    import multiprocessing

    yield
    leftover = multiprocessing.active_children()
    for p in leftover:
        p.kill()
        p.join(5)
    assert not leftover, f"child processes left running: {leftover}"


@pytest.fixture
def settings(tmp_path):
    """A QSettings in a temporary ini file, so tests never touch the user's settings."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "neurolab.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def _unsaved_changes_are_discarded_unless_a_test_says_otherwise(monkeypatch):
    """Closing a window with unsaved changes asks (a modal box that would hang a headless
    test); by default the answer is "discard". Tests of the question replace it."""
    try:
        from neurolab.gui import dialogs
    except ImportError:  # the core tests run without Qt too
        return
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent, name: "discard")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    """Delete the widgets pytest-qt closed (its deleteLater is only carried out by an
    event loop, and none runs between tests): otherwise every test's window stays alive,
    the heap grows by ~30 000 objects a window, and Python's full collections grow
    until one takes ten seconds."""
    yield
    import sys

    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
