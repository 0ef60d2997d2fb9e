"""The experiment the window shows: its file, unsaved changes, recent files, the
lesson in force, and the session saved on exit and restored at the next launch.

Every file goes through :mod:`neurolab.core.experiment`: it is validated whole
before any tab is touched, so a bad file changes nothing; if a tab still fails
to take its state, every tab is put back as it was.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal

from neurolab.core import experiment, lessons, tabstate
from neurolab.core.experiment import Experiment, ExperimentError
from neurolab.gui import dialogs

FILTER = f"NeuroLab experiment (*{experiment.SUFFIX})"
MAX_RECENT = 8
AUTOSAVE_NAME = f"autosave{experiment.SUFFIX}"
POLL_MS = 500  # how often the title's unsaved-changes mark is brought up to date


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class Session(QObject):
    """Owns the open experiment of a :class:`~neurolab.gui.main_window.MainWindow`.

    Signals
    -------
    titleChanged(str)
        The window title (with Qt's ``[*]`` placeholder for the unsaved mark).
    lessonChanged(object)
        The lesson now in force (an :class:`experiment.Lesson`) or None.
    message(str)
        A line for the status bar.
    """

    titleChanged = Signal(str)
    lessonChanged = Signal(object)
    message = Signal(str)

    def __init__(self, window, settings: QSettings) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.path: Path | None = None
        self.lesson: experiment.Lesson | None = None
        self.lesson_source: Path | None = None  # the lesson file "Start over" reloads
        self._baseline = self._edits(self.snapshot())
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    # -- what is saved --------------------------------------------------------------
    def snapshot(self) -> dict[str, dict]:
        return {page.title: page.state() for page in self.window.pages}

    def experiment(self) -> Experiment:
        return Experiment(
            self.snapshot(), active_tab=self.window.current_tab().title, lesson=self.lesson
        )

    @staticmethod
    def _edits(snapshot: dict[str, dict]) -> str:
        # Which tab or sub-tab is shown is saved, but looking around is not an edit.
        return json.dumps(
            {t: {k: v for k, v in s.items() if k != "view"} for t, s in snapshot.items()},
            sort_keys=True,
        )

    def is_modified(self) -> bool:
        return self._edits(self.snapshot()) != self._baseline

    def _mark_clean(self, baseline: dict[str, dict] | None = None) -> None:
        self._baseline = self._edits(baseline if baseline is not None else self.snapshot())
        self.refresh()

    def name(self) -> str:
        """What the experiment is called: its file, or the lesson, or Untitled."""
        name = self.path.name if self.path else "Untitled"
        if self.lesson is not None:
            name = f"Lesson: {self.lesson.title}" + (f" ({self.path.name})" if self.path else "")
        return name

    def title(self) -> str:
        return f"{self.name()}[*] — NeuroLab"

    def refresh(self) -> None:
        self.window.setWindowModified(self.is_modified())
        self.titleChanged.emit(self.title())

    # -- applying a file --------------------------------------------------------------
    def apply(self, exp: Experiment) -> None:
        """Show ``exp`` in every tab; on any failure put every tab back and re-raise."""
        before = experiment.loads(experiment.dumps(self.experiment()), tabstate.SCHEMA)
        try:
            self._set(exp)
        except Exception:
            self._set(before)
            raise
        self.lesson = exp.lesson
        self.lessonChanged.emit(self.lesson)

    def _set(self, exp: Experiment) -> None:
        for page in self.window.pages:
            page.set_state(exp.tabs[page.title])
        self.window.show_tab(exp.active_tab)

    def open_path(self, path: str | os.PathLike, ask: bool = True) -> bool:
        """Open an experiment or lesson file; a bad file changes nothing and says why."""
        path = Path(path)
        try:
            exp = experiment.load(path, tabstate.SCHEMA)
        except ExperimentError as err:
            dialogs.show_error(self.window, "Cannot open the experiment", f"{path.name}: {err}")
            self.message.emit(f"Not opened: {path.name}: {err}")
            return False
        # Checked first: a file that cannot be opened needs no decision about this one.
        if ask and not self.maybe_save():
            return False
        try:
            self.apply(exp)
        except Exception as err:  # noqa: BLE001 — reported; the tabs were put back
            dialogs.show_error(self.window, "Cannot open the experiment", f"{path.name}: {err}")
            return False
        shipped = path.resolve().parent == lessons.folder().resolve()
        # A shipped lesson is a starting point, not a file to overwrite: Save asks where.
        self.path = None if shipped else path
        self.lesson_source = path if exp.lesson is not None else None
        if not shipped:
            self.add_recent(path)
        self._mark_clean()
        self._report_notes(exp, path.name)
        return True

    def restart_lesson(self) -> bool:
        """Put the lesson's settings back; the file the work is saved in stays the same."""
        if self.lesson_source is None:
            self.message.emit("Open the lesson again from the Lessons menu to start over")
            return False
        try:
            exp = experiment.load(self.lesson_source, tabstate.SCHEMA)
            self.apply(exp)
        except Exception as err:  # noqa: BLE001 — the lesson file changed or went away
            dialogs.show_error(self.window, "Cannot start the lesson over", str(err))
            return False
        self.refresh()
        self.message.emit("The lesson's settings are back")
        return True

    def _report_notes(self, exp: Experiment, name: str) -> None:
        problems = [n for page in self.window.pages for n in page.notes()]
        notes = [] if exp.lesson is not None else list(exp.notes)
        missing = [n for n in notes if "was missing" in n]
        head = f"Opened {name}"
        if missing:
            head += f": {len(missing)} setting(s) not in the file took their defaults"
        if problems:
            head += f"; {problems[0]}"
        self.message.emit(head)
        if notes or problems:
            dialogs.show_note(self.window, "Opened, with notes", "\n".join(problems + notes))

    # -- saving -----------------------------------------------------------------------
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        suggested = self.path.name if self.path else f"experiment{experiment.SUFFIX}"
        chosen = dialogs.save_file(self.window, "Save experiment", suggested, FILTER)
        if not chosen:
            return False
        if not chosen.endswith(experiment.SUFFIX):
            chosen = chosen.removesuffix(".json").removesuffix(".neurolab") + experiment.SUFFIX
        return self._write(Path(chosen))

    def _write(self, path: Path) -> bool:
        try:
            experiment.save(self.experiment(), path)
        except (OSError, ExperimentError) as err:
            # The write is atomic: the file on disk is the old one, the state is in the app.
            reason = getattr(err, "strerror", None) or str(err)
            dialogs.show_error(
                self.window,
                "Not saved",
                f"Could not write {path}: {reason}.\nNothing was lost: the settings are "
                "still here, and any earlier file is unchanged. Choose another place.",
            )
            return False
        self.path = path
        self.add_recent(path)
        self._mark_clean()
        self.message.emit(f"Saved {path}")
        return True

    def maybe_save(self) -> bool:
        """Before the experiment is replaced or the window closes: True to go on."""
        if not self.is_modified():
            return True
        answer = dialogs.ask_unsaved(self.window, self.name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    # -- lessons ------------------------------------------------------------------------
    def close_lesson(self) -> None:
        """Leave the lesson: its locks and hidden controls go, the settings stay."""
        self.lesson = None
        self.lesson_source = None
        self.lessonChanged.emit(None)
        self.refresh()

    # -- recent files -----------------------------------------------------------------
    def recent(self) -> list[str]:
        value = self.settings.value("recent/files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value or []][:MAX_RECENT]

    def add_recent(self, path: Path) -> None:
        text = str(Path(path).resolve())
        files = [text] + [f for f in self.recent() if f != text]
        self.settings.setValue("recent/files", files[:MAX_RECENT])

    def forget_recent(self, path: str) -> None:
        self.settings.setValue("recent/files", [f for f in self.recent() if f != path])

    # -- the session kept between launches ----------------------------------------------
    @property
    def autosave_enabled(self) -> bool:
        return _bool(self.settings.value("session/autosave"), True)

    @autosave_enabled.setter
    def autosave_enabled(self, on: bool) -> None:
        self.settings.setValue("session/autosave", bool(on))

    def autosave_path(self) -> Path:
        if self.settings.format() == QSettings.Format.IniFormat:
            return Path(self.settings.fileName()).with_name(AUTOSAVE_NAME)
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        return Path(folder) / AUTOSAVE_NAME

    def autosave(self) -> None:
        """On exit: the whole state, and which file it belonged to."""
        if not self.autosave_enabled:
            return
        path = self.autosave_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            experiment.save(self.experiment(), path)
        except Exception as err:  # noqa: BLE001 — exit goes on; say so on stderr
            print(f"NeuroLab: the session could not be saved to {path}: {err}", file=sys.stderr)
            return
        self.settings.setValue("session/file", str(self.path) if self.path else "")
        source = str(self.lesson_source) if self.lesson_source and self.lesson else ""
        self.settings.setValue("session/lesson_source", source)

    def restore(self) -> None:
        """At launch: the state saved on exit. A file that cannot be used is kept aside
        (``.bad``) so it is neither lost nor tried again."""
        path = self.autosave_path()
        if not self.autosave_enabled or not path.exists():
            return
        try:
            exp = experiment.load(path, tabstate.SCHEMA)
            self.apply(exp)
        except Exception as err:  # noqa: BLE001 — a launch must not fail on the last session
            aside = path.with_suffix(".bad")
            os.replace(path, aside)
            self.message.emit(f"The last session could not be restored ({err}); kept as {aside}")
            return
        source = str(self.settings.value("session/lesson_source", "") or "")
        self.lesson_source = Path(source) if source and self.lesson is not None else None
        file = str(self.settings.value("session/file", "") or "")
        baseline = None
        if file and Path(file).exists():
            self.path = Path(file)
            try:
                baseline = experiment.load(self.path, tabstate.SCHEMA).tabs
                baseline = experiment.plain(baseline)
            except ExperimentError:
                baseline = {}  # the file changed on disk: the restored state counts as edits
        self._mark_clean(baseline)
        self.message.emit("The last session was restored")
