"""Edit ▸ Preferences: what NeuroLab remembers between launches and how it exports."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QWidget

PNG_SCALES = (1.0, 2.0, 3.0, 4.0)
DEFAULT_PNG_SCALE = 2.0


_in_force = {"png_scale": DEFAULT_PNG_SCALE}


def export_scale() -> float:
    """The PNG scale in force (the main window sets it from its settings)."""
    return _in_force["png_scale"]


def set_export_scale(scale: float) -> None:
    _in_force["png_scale"] = scale


def png_scale(settings: QSettings) -> float:
    try:
        value = float(settings.value("export/png_scale", DEFAULT_PNG_SCALE))
    except (TypeError, ValueError):
        return DEFAULT_PNG_SCALE
    return value if value in PNG_SCALES else DEFAULT_PNG_SCALE


class PreferencesDialog(QDialog):
    def __init__(self, settings: QSettings, autosave: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        form = QFormLayout(self)
        self.autosave = QCheckBox("Save the session on exit and restore it at the next launch")
        self.autosave.setChecked(autosave)
        self.autosave.setToolTip(
            "Every tab's settings are kept in a file of their own when NeuroLab closes, "
            "so nothing is lost even without saving an experiment"
        )
        form.addRow(self.autosave)
        self.scale = QComboBox()
        for s in PNG_SCALES:
            self.scale.addItem(f"{s:g}× the size on screen", s)
        self.scale.setCurrentIndex(PNG_SCALES.index(png_scale(settings)))
        self.scale.setToolTip(
            "Resolution of exported PNG plots and figures: 2× suits reports, 3–4× posters"
        )
        form.addRow("PNG resolution", self.scale)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[bool, float]:
        return self.autosave.isChecked(), float(self.scale.currentData())
