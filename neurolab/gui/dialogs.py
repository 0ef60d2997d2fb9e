"""File dialogs and error reporting shared by every tab.

Kept in one module so tests can replace the dialogs (monkeypatch) and drive
exports without a modal window.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

from PySide6.QtCore import QSettings
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
    match = re.search(r"\*(\.\w+)", chosen or "")
    if match and not os.path.splitext(path)[1]:
        path += match.group(1)
    settings.setValue("export/folder", os.path.dirname(path))
    return path


def ask_and_export(
    parent: QWidget, stem: str, fmt: str, filters: dict[str, str], export
) -> str | None:
    """Offer ``filters`` (format → filter text, ``fmt`` first), then ``export(path)``
    with failures reported; the chosen path, or None."""
    order = [fmt] + [f for f in filters if f != fmt]
    from neurolab.gui import dialogs  # through the module: tests replace save_file

    path = dialogs.save_file(
        parent, "Export plot", f"{stem}.{fmt}", ";;".join(filters[f] for f in order)
    )
    if path:
        with report_errors(parent, "Export failed"):
            export(path)
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


@contextlib.contextmanager
def report_errors(parent: QWidget | None, title: str) -> Iterator[None]:
    """Turn an exception in a user action into a message box instead of a crash."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 — every failure of a user action is reported
        from neurolab.gui import dialogs

        dialogs.show_error(parent, title, f"{type(err).__name__}: {err}")
