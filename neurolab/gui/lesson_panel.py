"""A lesson in the window: its text beside the tabs, and the controls it locks or hides."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from neurolab.core.experiment import Lesson
from neurolab.gui.tabs.base import LabTab, ViewsTab
from neurolab.gui.widgets.common import button_row
from neurolab.gui.widgets.param_panel import ParamPanel


class LessonPanel(QWidget):
    """The lesson's title and text, with "Start over" and "Leave lesson"."""

    startOver = Signal()
    leave = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("lesson_title")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.text = QTextBrowser()
        self.text.setObjectName("lesson_text")
        self.text.setOpenExternalLinks(True)
        self.text.setStyleSheet("font-size: 13px;")
        buttons, (self.restart_button, self.leave_button) = button_row(
            ("Start over", "Put the lesson's settings back", self.startOver.emit),
            (
                "Leave lesson",
                "Unlock every control and hide this panel; keep the settings",
                self.leave.emit,
            ),
        )
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(260)

    def show_lesson(self, lesson: Lesson) -> None:
        self.title.setText(lesson.title)
        self.text.setHtml(lesson.text)


def restrict(
    pages: list[LabTab], tabs: QTabWidget, lesson: Lesson
) -> tuple[Callable[[], None], list[str]]:
    """Lock and hide what ``lesson`` names; returns (undo, paths not on screen)."""
    undo: list[Callable[[], None]] = []
    unmatched: list[str] = []
    by_title = {page.title: page for page in pages}
    for hide, paths in ((False, lesson.lock), (True, lesson.hide)):
        for dotted in paths:
            title, *rest = dotted.split(".")
            page = by_title[title]
            if not rest:
                undo.append(_whole_tab(tabs, page, hide))
                continue
            done = _apply(page, tuple(rest), hide)
            if done:
                undo.extend(done)
            else:
                unmatched.append(dotted)

    def undo_all() -> None:
        for step in reversed(undo):
            step()

    return undo_all, unmatched


def _whole_tab(tabs: QTabWidget, page: LabTab, hide: bool) -> Callable[[], None]:
    if hide:
        i = tabs.indexOf(page)
        tabs.setTabVisible(i, False)
        return lambda: tabs.setTabVisible(tabs.indexOf(page), True)
    page.setEnabled(False)
    return lambda: page.setEnabled(True)


def _apply(page: LabTab, path: tuple[str, ...], hide: bool) -> list[Callable[[], None]]:
    controls = page.controls()
    # One parameter of a panel: lock or hide its row only.
    panel = controls.get(path[:-1])
    if isinstance(panel, ParamPanel) and path[-1] in panel.rows:
        name = path[-1]
        if hide:
            panel.hide_row(name)
            return [lambda: panel.hide_row(name, False)]
        panel.lock_row(name)
        return [lambda: panel.lock_row(name, False)]
    # Otherwise the outermost controls the path covers, or the control that covers it.
    covered = [k for k in controls if k[: len(path)] == path]
    outer = [k for k in covered if not any(o != k and k[: len(o)] == o for o in covered)]
    if not outer:
        outer = [k for k in controls if path[: len(k)] == k][-1:]
    steps = []
    for key in outer:
        widget = controls[key]
        if isinstance(page, ViewsTab) and len(key) == 1:
            steps.append(_sub_tab(page.views, widget, hide))
        elif hide:
            widget.setVisible(False)
            steps.append(lambda w=widget: w.setVisible(True))
        else:
            widget.setEnabled(False)
            steps.append(lambda w=widget: w.setEnabled(True))
    return steps


def _sub_tab(views: QTabWidget, view: QWidget, hide: bool) -> Callable[[], None]:
    if hide:
        views.setTabVisible(views.indexOf(view), False)
        return lambda: views.setTabVisible(views.indexOf(view), True)
    view.setEnabled(False)
    return lambda: view.setEnabled(True)
