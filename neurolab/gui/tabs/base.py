"""What the main window expects of every tab."""

from __future__ import annotations

import functools
import time

import numpy as np
from PySide6.QtCore import QEventLoop, Qt, Signal
from PySide6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget

from neurolab.core import tabstate
from neurolab.gui import dialogs
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

    def write_data(self, path: str, write) -> None:
        """Run ``write()`` (it returns "" or a remark) with a busy cursor and a status
        line while it writes (a big network takes seconds), then "Saved …"; a failure
        is a message box and "Not saved: …"."""
        self.status.emit(f"{self.title}: writing {path}…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        # Paint the status line and the cursor before the write blocks this thread.
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            with dialogs.report_errors(self, "Export failed", path):
                started = time.perf_counter()
                note = write() or ""
                took = time.perf_counter() - started
                self.status.emit(f"Saved {path} ({took:.1f} s){note}")
        finally:
            QApplication.restoreOverrideCursor()

    def smoke_test(self) -> None:
        """Run a short computation synchronously; raise on any error."""

    def shutdown(self) -> None:
        """Cancel workers and wait for them (called when the window closes)."""

    # -- experiment files (see neurolab.core.tabstate) ----------------------------------
    def state(self) -> dict:
        """Every setting of the tab as plain JSON values, shaped like
        ``tabstate.SCHEMA[self.title]``; includes "view", the view shown."""
        raise NotImplementedError

    def set_state(self, state: dict) -> None:
        """Show a validated state (ParamSets and checked values, as
        ``experiment.validate`` returns them): stop any run, set every control,
        start nothing.  Never raises for a validated state."""
        raise NotImplementedError

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        """Section path inside the tab → the widget that edits it, for a lesson's
        lock and hide lists (a :class:`ParamPanel` can lock or hide single rows)."""
        return {}

    def notes(self) -> list[str]:
        """What keeps the state just set from working (a data file that cannot be
        read), said when an experiment opens."""
        return []


class ViewsTab(LabTab):
    """A tab made of views in sub-tabs, each with ``status``, ``plot``, ``data()``,
    ``parameters()`` and ``smoke_test()``; Space goes to the one view that runs."""

    idle_hint = "this view updates as you edit"

    def __init__(
        self,
        views: list[tuple[QWidget, str, str]],
        runnable: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``views``: (view, sub-tab name, file-name stem for exports)."""
        super().__init__(parent)
        self.runnable = runnable
        self.stems: dict[int, str] = {}
        self.views = QTabWidget()
        for view, name, stem in views:
            view.status.connect(self.status.emit)
            self.stems[id(view)] = stem
            self.views.addTab(view, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.views)

    def current_plot(self):
        return self.views.currentWidget().plot

    def toggle_run(self) -> None:
        if self.runnable is not None and self.views.currentWidget() is self.runnable:
            self.runnable.toggle_run()
        else:
            name = self.views.tabText(self.views.indexOf(self.runnable)) if self.runnable else ""
            self.status.emit(f"{self.title}: {self.idle_hint}; Space runs “{name}”")

    def data(self) -> tuple[dict[str, np.ndarray], dict, str]:
        """The current view's arrays, their parameters and a file-name stem."""
        view = self.views.currentWidget()
        return view.data(), view.parameters(), self.stems[id(view)]

    def _view(self, stem: str) -> QWidget:
        return next(
            v
            for v in map(self.views.widget, range(self.views.count()))
            if self.stems[id(v)] == stem
        )

    def state(self) -> dict:
        """{"view": the shown view's stem, stem: that view's ``state()`` for each view}."""
        out: dict = {"view": self.stems[id(self.views.currentWidget())]}
        for i in range(self.views.count()):
            view = self.views.widget(i)
            out[self.stems[id(view)]] = view.state()
        return out

    def set_state(self, state: dict) -> None:
        for i in range(self.views.count()):
            view = self.views.widget(i)
            view.set_state(state[self.stems[id(view)]])
        self.views.setCurrentWidget(self._view(state["view"]))

    def notes(self) -> list[str]:
        views = map(self.views.widget, range(self.views.count()))
        return [n for v in views if hasattr(v, "notes") for n in v.notes()]

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        out: dict[tuple[str, ...], QWidget] = {}
        for i in range(self.views.count()):
            view = self.views.widget(i)
            stem = self.stems[id(view)]
            out[(stem,)] = view
            out.update({(stem, *path): w for path, w in view.controls().items()})
        return out

    def export_data(self) -> None:
        """Ask for a file and write the current view's data, with a busy cursor and a
        status line while it writes (a big network takes seconds)."""
        view = self.views.currentWidget()
        has_data = getattr(view, "has_data", None)
        if not (has_data() if has_data is not None else view.data()):
            self.status.emit(f"{self.title}: nothing to export yet in this view")
            return
        stem = self.stems[id(view)]
        path = dialogs.save_file(
            self, "Export data", f"{stem}.csv", "CSV table (*.csv);;NumPy archive (*.npz)"
        )
        if path:
            self.write_data(path, lambda: self.save_data(path))

    def save_data(self, path: str) -> str:
        """Write the current view's data to ``path`` (CSV or NPZ by its extension) with
        its parameters; returns a remark for the status bar ("" or what was left out).

        A view may offer ``for_format(arrays, fmt)`` → (arrays, extra metadata) to write
        less to a format that cannot hold everything; a "note" in the metadata says so.
        The arrays are built once (a big network's take seconds).
        """
        view = self.views.currentWidget()
        arrays = view.data()
        narrow = getattr(view, "for_format", None)
        out = tabstate.Output(
            arrays,
            view.parameters(),
            self.stems[id(view)],
            None if narrow is None else functools.partial(narrow, arrays),
        )
        return tabstate.write(path, out, self.title)

    def smoke_test(self) -> None:
        for i in range(self.views.count()):
            self.views.widget(i).smoke_test()

    def shutdown(self) -> None:
        for i in range(self.views.count()):
            view = self.views.widget(i)
            if hasattr(view, "shutdown"):
                view.shutdown()
