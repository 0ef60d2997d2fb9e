"""What the main window expects of every tab."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from neurolab.gui.widgets.plot_panel import PlotPanel


class LabTab(QWidget):
    """Base of the four tabs: run control, export and clean shutdown hooks.

    Signals
    -------
    status(str)
        A one-line description of what the tab is doing, for the status bar.
    """

    title = "Tab"
    status = Signal(str)

    def toggle_run(self) -> None:
        """Space: start the tab's run, or pause/resume it."""
        self.status.emit(f"{self.title}: nothing to run on this tab yet")

    def current_plot(self) -> PlotPanel | None:
        """The plot panel that File ▸ Export plot exports."""
        return None

    def export_plot(self) -> None:
        panel = self.current_plot()
        if panel is None:
            self.status.emit(f"{self.title}: no plot to export on this tab yet")
        else:
            panel.export_dialog("png")

    def export_data(self) -> None:
        """File ▸ Export data: every recorded array with its parameters."""
        self.status.emit(f"{self.title}: no data to export on this tab yet")

    def smoke_test(self) -> None:
        """Run a short computation synchronously; raise on any error."""

    def shutdown(self) -> None:
        """Cancel workers and wait for them (called when the window closes)."""
