"""File ▸ Save/Open of experiments through the real main window: round trip, bad files,
unsaved changes, the session kept between launches, and interrupted saves."""

import copy
import json
import os

import pytest
from helpers import shown
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from neurolab.core import experiment, tabstate
from neurolab.gui import dialogs, preferences
from neurolab.gui.main_window import MainWindow


class Calls:
    def __init__(self):
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.save_to: str | None = None


@pytest.fixture
def calls(monkeypatch):
    c = Calls()
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, text: c.errors.append(text))
    monkeypatch.setattr(dialogs, "show_note", lambda parent, title, text: c.notes.append(text))
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: c.save_to)
    return c


def _window(qtbot, settings):
    return shown(qtbot, MainWindow(settings=settings))


@pytest.fixture
def window(qtbot, settings, calls):
    w = _window(qtbot, settings)
    yield w
    w.shutdown()


def _edit(window):
    """Change settings in three tabs through their widgets, as a student would."""
    window.synapse.filter.synapse.set_value("tau_s", 12.5)
    window.network.approx.params.set_value("n_pieces", 17)
    window.tabs.setCurrentWidget(window.network)


def test_save_then_open_restores_every_tab(window, calls, tmp_path, qtbot):
    before = window.session.snapshot()
    _edit(window)
    edited = window.session.snapshot()
    assert edited != before
    window.session.refresh()
    assert window.isWindowModified() and window.windowTitle().startswith("Untitled")
    calls.save_to = str(tmp_path / "mine")  # no suffix typed: the experiment's is added
    assert window.session.save_as()
    path = tmp_path / f"mine{experiment.SUFFIX}"
    assert path.exists() and not window.isWindowModified()
    assert window.windowTitle().startswith(path.name)
    doc = json.loads(path.read_text())
    assert doc["active_tab"] == "Network"
    assert doc["tabs"]["Synapse"]["synapse_filter"]["synapse"]["tau_s"] == 12.5

    window.synapse.filter.synapse.set_value("tau_s", 3.0)
    window.tabs.setCurrentWidget(window.neuron)
    window.session.refresh()
    assert window.isWindowModified()
    assert window.open_path(str(path))
    assert window.session.snapshot() == edited
    assert window.current_tab() is window.network and not window.isWindowModified()
    assert window.session.recent()[0] == str(path.resolve())


def test_a_bad_file_changes_nothing_and_names_the_problem(window, calls, tmp_path):
    _edit(window)
    calls.save_to = str(tmp_path / f"good{experiment.SUFFIX}")
    window.session.save_as()
    doc = json.loads((tmp_path / f"good{experiment.SUFFIX}").read_text())
    doc["tabs"]["Synapse"]["synapse_filter"]["synapse"]["tau_s"] = -4
    bad = tmp_path / f"bad{experiment.SUFFIX}"
    bad.write_text(json.dumps(doc))
    window.synapse.filter.synapse.set_value("tau_s", 7.0)
    before = window.session.snapshot()
    assert not window.open_path(str(bad))
    assert window.session.snapshot() == before
    assert "tabs.Synapse.synapse_filter.synapse.tau_s" in calls.errors[-1]
    assert window.session.path.name == f"good{experiment.SUFFIX}"


def test_an_older_file_opens_with_defaults_and_a_note(window, calls, tmp_path):
    doc = json.loads(experiment.dumps(window.session.experiment()))
    del doc["tabs"]["Training"]
    del doc["tabs"]["Synapse"]["synapse_filter"]["synapse"]["tau_s"]
    doc["app_version"] = "0.0.9"
    path = tmp_path / f"old{experiment.SUFFIX}"
    path.write_text(json.dumps(doc))
    assert window.open_path(str(path))
    note = calls.notes[-1]
    assert "tabs.Training was missing" in note and "tau_s was missing" in note and "0.0.9" in note


def test_an_interrupted_save_keeps_the_old_file_and_the_settings(
    window, calls, tmp_path, monkeypatch
):
    path = tmp_path / f"keep{experiment.SUFFIX}"
    calls.save_to = str(path)
    window.session.save_as()
    old = path.read_bytes()
    _edit(window)
    state = window.session.snapshot()

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    assert not window.session.save()
    assert "No space left on device" in calls.errors[-1] and "Nothing was lost" in calls.errors[-1]
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("keep")) == [path.name]
    assert window.session.snapshot() == state
    window.session.refresh()
    assert window.isWindowModified()


def test_quitting_with_unsaved_changes_asks(qtbot, settings, calls, tmp_path, monkeypatch):
    w = _window(qtbot, settings)
    _edit(w)
    asked = []
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda p, name: asked.append(name) or "cancel")
    assert not w.close() and w.isVisible() and asked == ["Untitled"]
    calls.save_to = str(tmp_path / f"at_exit{experiment.SUFFIX}")
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda p, name: "save")
    assert w.close()
    saved = experiment.load(calls.save_to, tabstate.SCHEMA)
    assert saved.tabs["Synapse"]["synapse_filter"]["synapse"].tau_s == 12.5


def test_the_session_is_kept_between_launches_unless_switched_off(
    qtbot, settings, calls, monkeypatch
):
    w = _window(qtbot, settings)
    _edit(w)
    state = w.session.snapshot()
    assert w.close()  # "discard" (the default answer in tests): the session still keeps it
    again = _window(qtbot, QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert again.session.snapshot() == state
    assert again.current_tab() is again.network

    # Preferences: switch it off; the next launch starts from the defaults.
    def accept_without_autosave(dialog):
        dialog.autosave.setChecked(False)
        dialog.scale.setCurrentIndex(preferences.PNG_SCALES.index(3.0))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(preferences.PreferencesDialog, "exec", accept_without_autosave)
    again.show_preferences()
    assert preferences.export_scale() == 3.0
    assert again.close()
    third = _window(qtbot, QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert third.session.snapshot() != state
    assert third.synapse.filter.synapse.values().tau_s != 12.5
    third.close()
    preferences.set_export_scale(preferences.DEFAULT_PNG_SCALE)


def test_a_damaged_session_file_is_kept_aside_and_the_app_starts(qtbot, settings, calls):
    w = _window(qtbot, settings)
    path = w.session.autosave_path()
    w.close()
    path.write_text("{ not json")
    again = _window(qtbot, QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert "could not be restored" in again.status_label.text()
    assert path.with_suffix(".bad").read_text() == "{ not json"
    again.close()


def test_open_recent_forgets_a_file_that_is_gone(window, calls, tmp_path):
    path = tmp_path / f"gone{experiment.SUFFIX}"
    calls.save_to = str(path)
    window.session.save_as()
    window._fill_recent()
    assert [a.text() for a in window.recent_menu.actions()] == [str(path.resolve())]
    path.unlink()
    window.recent_menu.actions()[0].trigger()
    assert "no longer exists" in calls.errors[-1] and window.session.recent() == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=8,
)


def _paths(doc, prefix=()):
    if prefix:
        yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_files_never_leave_the_window_half_loaded(window, calls, tmp_path, data):
    doc = json.loads(experiment.dumps(window.session.experiment()))
    paths = list(_paths(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        target = doc
        for k in path[:-1]:
            target = target.get(k) if isinstance(target, dict) else None
        if isinstance(target, dict):
            if data.draw(st.booleans()):
                target[path[-1]] = data.draw(json_values)
            else:
                target.pop(path[-1], None)
    file = tmp_path / f"fuzz{experiment.SUFFIX}"
    file.write_text(json.dumps(doc))
    before = copy.deepcopy(window.session.snapshot())
    errors = len(calls.errors)
    if window.open_path(str(file)):
        expected = experiment.plain(experiment.load(file, tabstate.SCHEMA).tabs)
        assert window.session.snapshot() == expected
    else:
        assert len(calls.errors) == errors + 1 and calls.errors[-1].strip()
        assert window.session.snapshot() == before


@pytest.mark.parametrize("lesson", ["06-universal-approximation", "10-autodiff-by-hand"])
def test_neurolab_run_writes_what_the_window_exports(window, calls, tmp_path, lesson):
    """The whole path a teacher uses: a student's saved experiment, graded headless."""
    import subprocess
    import sys

    import numpy as np

    from neurolab.core import export, lessons

    item = next(i for i in lessons.shipped() if i.path.name.startswith(lesson))
    assert window.open_lesson(item.path) is None and window.session.lesson is not None
    calls.save_to = str(tmp_path / f"student{experiment.SUFFIX}")
    assert window.session.save_as()
    gui = tmp_path / "gui.npz"
    calls.save_to = str(gui)
    window.current_tab().export_data()
    cli = tmp_path / "cli.npz"
    student = tmp_path / f"student{experiment.SUFFIX}"
    r = subprocess.run(
        [sys.executable, "-m", "neurolab", "run", str(student), "--out", str(cli)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    (a, meta_a), (b, meta_b) = export.read_npz(gui), export.read_npz(cli)
    assert set(a) == set(b) and a
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    for key in ("params", "seeds", "tab", "view", "version"):
        assert meta_a[key] == meta_b[key], key


def test_opening_a_bad_file_does_not_first_ask_about_unsaved_changes(
    window, calls, tmp_path, monkeypatch
):
    _edit(window)
    asked = []
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda p, name: asked.append(name) or "cancel")
    bad = tmp_path / f"bad{experiment.SUFFIX}"
    bad.write_text(
        '{"format": "neurolab-experiment", "schema": 1, "tabs": {"Neuron": {"model": null}}}'
    )
    assert not window.open_path(str(bad))
    assert asked == [] and "tabs.Neuron.model" in calls.errors[-1] and "null" in calls.errors[-1]


def test_a_training_csv_that_cannot_be_read_is_noted_when_the_file_opens(window, calls, tmp_path):
    doc = json.loads(experiment.dumps(window.session.experiment()))
    doc["tabs"]["Training"]["training"]["dataset"] = "csv"
    doc["tabs"]["Training"]["training"]["csv_file"] = str(tmp_path / "gone.csv")
    path = tmp_path / f"csv{experiment.SUFFIX}"
    path.write_text(json.dumps(doc))
    assert window.open_path(str(path))
    assert "gone.csv" in calls.notes[-1] and "Training data" in calls.notes[-1]
    assert "gone.csv" in window.status_label.text()


def test_start_over_keeps_the_students_file_and_survives_a_relaunch(
    qtbot, settings, calls, tmp_path
):
    from neurolab.core import lessons

    w = _window(qtbot, settings)
    item = next(i for i in lessons.shipped() if "universal" in i.path.name)
    w.open_lesson(item.path)
    lesson_state = w.session.snapshot()
    calls.save_to = str(tmp_path / f"mine{experiment.SUFFIX}")
    assert w.session.save()  # a shipped lesson: Save asks where
    w.network.approx.params.set_value("n_pieces", 33)
    assert w.close()  # the session keeps the edit
    again = _window(qtbot, QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert again.session.lesson is not None and again.lesson_dock.isVisible()
    assert again.session.path == tmp_path / f"mine{experiment.SUFFIX}"
    again.lesson_panel.restart_button.click()
    assert again.session.snapshot() == lesson_state
    assert again.session.path == tmp_path / f"mine{experiment.SUFFIX}"  # still the student's
    assert again.windowTitle().startswith(f"Lesson: {item.title} (mine{experiment.SUFFIX})")
    again.shutdown()
