"""Small widgets every tab builds the same way: control columns and message labels."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QPushButton, QScrollArea, QWidget

ERROR_COLOR = "#b00020"


def control_column(
    content: QLayout | QWidget, max_width: int | None = None, min_width: int = 0
) -> QScrollArea:
    """A vertically scrolling column holding a tab's controls."""
    inner = content
    if isinstance(content, QLayout):
        inner = QWidget()
        inner.setLayout(content)
    scroll = QScrollArea()
    scroll.setWidget(inner)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if max_width:
        scroll.setMaximumWidth(max_width)
    if min_width:
        scroll.setMinimumWidth(min_width)
    return scroll


def message_label() -> QLabel:
    """A hidden red line for a refused value or an impossible combination."""
    label = QLabel()
    label.setObjectName("message")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.hide()
    return label


def banner_label() -> QLabel:
    """A hidden boxed message for a run that stopped (diverged, failed)."""
    label = QLabel()
    label.setObjectName("banner")
    label.setWordWrap(True)
    label.setStyleSheet(
        "background: #fde8e8; color: #7a0010; border: 1px solid #e0a0a0; padding: 6px;"
    )
    label.hide()
    return label


def button_row(*specs: tuple[str, str, Callable[[], object]]) -> tuple[QHBoxLayout, list]:
    """A row of push buttons from (text, tooltip, slot); returns the layout and buttons."""
    row, buttons = QHBoxLayout(), []
    for text, tip, slot in specs:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        row.addWidget(b)
        buttons.append(b)
    return row, buttons
