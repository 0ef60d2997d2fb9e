"""File dialogs and error reporting shared by every tab.

Kept in one module so tests can replace the dialogs (monkeypatch) and drive
exports without a modal window.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def save_file(parent: QWidget, caption: str, suggested: str, filters: str) -> str | None:
    """Ask for a file to write; remembers the last folder used.

    A name typed without an extension gets the one of the chosen filter.
    """
    settings = QSettings()
    folder = settings.value("export/folder", os.path.expanduser("~"))
    path, chosen = QFileDialog.getSaveFileName(
        parent, caption, os.path.join(folder, suggested), filters
    )
    if not path:
        return None
    match = re.search(r"\*(\.[\w.]+)", chosen or "")  # also ".neurolab.json"
    if match and not os.path.splitext(path)[1]:
        path += match.group(1)
    settings.setValue("export/folder", os.path.dirname(path))
    return path


def ask_and_export(
    parent: QWidget, stem: str, fmt: str, filters: dict[str, str], export
) -> str | None:
    """Offer ``filters`` (format → filter text, ``fmt`` first), then ``export(path)``;
    the status bar says "Saved …", or a failure is reported. The chosen path, or None."""
    order = [fmt] + [f for f in filters if f != fmt]
    from neurolab.gui import dialogs  # through the module: tests replace save_file

    path = dialogs.save_file(
        parent, "Export plot", f"{stem}.{fmt}", ";;".join(filters[f] for f in order)
    )
    if path:
        with report_errors(parent, "Export failed", path):
            export(path)
            feedback().message.emit(f"Saved {path}")
            return path
    return None


def open_file(parent: QWidget, caption: str, filters: str) -> str | None:
    """Ask for a file to read; remembers the last folder used."""
    settings = QSettings()
    folder = settings.value("open/folder", os.path.expanduser("~"))
    path, _ = QFileDialog.getOpenFileName(parent, caption, folder, filters)
    if not path:
        return None
    settings.setValue("open/folder", os.path.dirname(path))
    return path


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def show_note(parent: QWidget | None, title: str, text: str) -> None:
    """An information box that does not block (the work goes on behind it)."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def ask_unsaved(parent: QWidget | None, name: str) -> str:
    """ "save", "discard" or "cancel" for an experiment with unsaved changes."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Unsaved changes",
        f"Save the changes to {name}?",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setInformativeText("Not saving keeps them only in the session restored at the next launch.")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(QMessageBox.StandardButton(answer), "cancel")


class _Feedback(QObject):
    """Where writes anywhere in the window say how they went, for the status bar."""

    message = Signal(str)


_feedback: list[_Feedback] = []


def feedback() -> _Feedback:
    """The one feedback channel (the main window shows its messages)."""
    if not _feedback:
        _feedback.append(_Feedback())
    return _feedback[0]


def failure_text(err: BaseException, target: str | os.PathLike | None = None) -> str:
    """What went wrong, in words: a write names the target and the reason (not the
    temporary file it was going through, nor an exception class)."""
    if isinstance(err, OSError):
        where = target or err.filename or "the file"
        return f"could not write {where}: {err.strerror or err}"
    return f"{type(err).__name__}: {err}"


@contextlib.contextmanager
def report_errors(
    parent: QWidget | None, title: str, target: str | os.PathLike | None = None
) -> Iterator[None]:
    """Turn an exception in a user action into a message box (and a status line)
    instead of a crash. Writes are atomic, so a failed one lost nothing."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 — every failure of a user action is reported
        from neurolab.gui import dialogs

        text = failure_text(err, target)
        feedback().message.emit(f"Not saved: {text}")
        if isinstance(err, OSError):
            text = (
                f"{text[0].upper()}{text[1:]}.\nNothing was lost: any file already there is "
                "unchanged, and everything is still in NeuroLab. Choose another place."
            )
        dialogs.show_error(parent, title, text)
