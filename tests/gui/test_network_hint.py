"""The placeholder hint ("Press Start (Space) to …") stays whole inside its plot: a
centred TextItem wider than a narrow plot was cut at both ends ("ress Start (Space) to
build and ru" in the spiking view with a lesson open at 1280×820)."""

import pytest
from helpers import shown
from PySide6.QtWidgets import QApplication, QSplitter

from neurolab.core import lessons
from neurolab.gui import dialogs
from neurolab.gui.main_window import MainWindow
from neurolab.gui.widgets.plot_panel import PlotPanel
from neurolab.gui.widgets.stream_view import Curve, PlotSpec, StreamView

SPIKING_HINT = "Press Start (Space) to build and run"


@pytest.fixture
def window(qtbot, settings, monkeypatch):
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, text: None)
    w = shown(qtbot, MainWindow(settings=settings), (1280, 820))
    yield w
    w.shutdown()


@pytest.fixture
def spiking(window, qtbot):
    """The spiking view as the spiking-network lesson opens it (text dock on the right)."""
    item = next(i for i in lessons.shipped() if i.path.name.startswith("05-"))
    window.open_lesson(item.path)
    assert window.lesson_dock.isVisible() and window.current_tab().title == "Network"
    view = window.current_tab().spiking
    qtbot.waitUntil(view.p_raster.vb.isVisible, timeout=2000)
    QApplication.processEvents()
    return view


def _rects(hint, plot):
    box = plot.getViewBox()
    return hint.mapRectToScene(hint.boundingRect()), box.mapRectToScene(box.boundingRect())


def _assert_inside(hint, plot):
    text, box = _rects(hint, plot)
    assert hint.isVisible()
    assert box.contains(text), f"hint {text} is not inside the view box {box}"
    # Still centred in the box (to a pixel), not pushed to one side.
    assert abs(text.center().x() - box.center().x()) <= 1.0


def _lines(hint) -> int:
    doc = hint.textItem.document()
    return sum(doc.findBlockByNumber(b).layout().lineCount() for b in range(doc.blockCount()))


def _narrow(qtbot, view, width: int) -> None:
    """The spiking plot ``width`` px wide (its splitter gives the rest to the side)."""
    splitter = view.plot.parentWidget()
    assert isinstance(splitter, QSplitter)
    splitter.setSizes([width, sum(splitter.sizes()) - width])
    qtbot.waitUntil(lambda: abs(view.plot.width() - width) <= 2, timeout=2000)
    vb = view.p_raster.getViewBox()
    qtbot.waitUntil(lambda: vb.width() < width, timeout=2000)
    QApplication.processEvents()


def test_the_spiking_hint_is_whole_with_a_lesson_open_at_the_default_size(spiking):
    assert spiking.hint.toPlainText() == SPIKING_HINT
    _assert_inside(spiking.hint, spiking.p_raster)


@pytest.mark.parametrize("width", [300, 270])  # 268 px is the panel's minimum
def test_the_spiking_hint_is_whole_in_a_narrow_plot(spiking, qtbot, width):
    _narrow(qtbot, spiking, width)
    assert spiking.hint.toPlainText() == SPIKING_HINT
    _assert_inside(spiking.hint, spiking.p_raster)
    assert _lines(spiking.hint) >= 2  # wrapped, not cut
    assert spiking.hint.textItem.font().pointSizeF() >= 7.0  # still legible


def test_the_hint_is_one_line_again_when_there_is_room_and_hides_for_a_run(window, spiking, qtbot):
    box = spiking.p_raster.getViewBox()
    narrow = box.width()
    window.session.close_lesson()  # the lesson text dock gives its width back
    qtbot.waitUntil(lambda: box.width() > narrow + 100, timeout=2000)
    QApplication.processEvents()
    _assert_inside(spiking.hint, spiking.p_raster)
    assert _lines(spiking.hint) == 1
    assert spiking.hint.textItem.font().pointSizeF() == pytest.approx(13.0)
    spiking.net.set_value("N", 100)
    spiking.start()
    assert not spiking.hint.isVisible()
    spiking.shutdown()


def test_the_stream_view_hint_is_whole_in_a_narrow_plot(qtbot):
    panel = PlotPanel("traces")
    view = StreamView(panel, [PlotSpec("v", "mV", [Curve("v", "v", 0)])])
    shown(qtbot, panel, (170, 300))
    view.show_window(100.0)
    QApplication.processEvents()
    assert view.hint.toPlainText() == "Press Start (Space) to run"
    _assert_inside(view.hint, view.plots[0])
    view.shutdown()
