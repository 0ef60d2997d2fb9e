"""Lessons in the window (text panel, locked and hidden controls, start over, leave),
Export figure of a whole tab, the PNG scale preference, and exports that cannot be written."""

import os
import stat

import pytest
from helpers import shown
from PySide6.QtGui import QImage

from neurolab.core import experiment, lessons, tabstate
from neurolab.gui import dialogs, preferences
from neurolab.gui.main_window import MainWindow
from neurolab.gui.widgets.param_panel import ParamPanel


@pytest.fixture
def errors(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, text: seen.append(text))
    return seen


@pytest.fixture
def window(qtbot, settings, errors):
    w = shown(qtbot, MainWindow(settings=settings), (1280, 820))
    yield w
    w.shutdown()


def _targets(window, dotted):
    """The ParamPanel and row a one-parameter path names, or None."""
    title, *rest = dotted.split(".")
    page = next(p for p in window.pages if p.title == title)
    panel = page.controls().get(tuple(rest[:-1]))
    if isinstance(panel, ParamPanel) and rest and rest[-1] in panel.rows:
        return panel, rest[-1]
    return None


def test_the_lessons_menu_lists_every_shipped_lesson(window):
    titles = [a.text() for a in window.lessons_menu.actions() if a.text()]
    assert titles[: len(lessons.shipped())] == [item.title for item in lessons.shipped()]
    assert "Open lesson file…" in [t.replace("&", "") for t in titles]


@pytest.mark.parametrize("item", lessons.shipped(), ids=[i.path.name for i in lessons.shipped()])
def test_a_lesson_opens_with_its_text_and_locks(window, qtbot, item):
    exp = experiment.load(item.path, tabstate.SCHEMA)
    window.open_lesson(item.path)
    assert window.lesson_dock.isVisible()
    assert window.lesson_panel.title.text() == item.title
    assert "predict" in window.lesson_panel.text.toPlainText().lower()
    assert window.windowTitle().startswith(f"Lesson: {item.title}")
    assert window.current_tab().title == exp.active_tab
    assert window.session.snapshot()[exp.active_tab] == experiment.plain(exp.tabs[exp.active_tab])
    rows = [
        (d, _targets(window, d), hide)
        for hide, ds in ((False, exp.lesson.lock), (True, exp.lesson.hide))
        for d in ds
    ]
    for dotted, target, hide in rows:
        if target is None:
            continue
        panel, name = target
        label, *editors = (
            panel.rows[name].label,
            *(
                [panel.rows[name].slider, panel.rows[name].edit]
                if hasattr(panel.rows[name], "slider")
                else [panel.rows[name].combo]
            ),
        )
        if hide:
            assert label.isHidden(), dotted
        else:
            assert not any(e.isEnabled() for e in editors), dotted
    assert "not on screen" not in window.status_label.text()
    # Leave: everything unlocked again, the settings kept.
    state = window.session.snapshot()
    window.session.close_lesson()
    assert not window.lesson_dock.isVisible()
    for dotted, target, _hide in rows:
        if target is not None:
            panel, name = target
            assert not panel.rows[name].label.isHidden(), dotted
            assert name not in panel._locked, dotted
    assert window.session.snapshot() == state


def test_start_over_puts_the_lesson_settings_back(window):
    item = lessons.shipped()[0]
    window.open_lesson(item.path)
    lesson_state = window.session.snapshot()
    page = window.current_tab()
    panel = next(w for w in page.controls().values() if isinstance(w, ParamPanel) and w.isEnabled())
    name = next(n for n in panel.rows if n not in panel._locked)
    decl = next(p for p in type(panel.values()).declarations() if p.name == name)
    panel.set_value(name, decl.options[-1] if hasattr(decl, "options") else decl.high)
    assert window.session.snapshot() != lesson_state
    window.lesson_panel.restart_button.click()
    assert window.session.snapshot() == lesson_state
    # A shipped lesson is not overwritten: Save asks where.
    assert window.session.path is None


def test_a_lesson_with_a_bad_control_path_is_refused(window, errors, tmp_path):
    doc = experiment.dumps(window.session.experiment())
    text = (
        doc.rstrip().rstrip("}")
        + ', "lesson": {"title": "T", "text": "x", "lock": ["Neuron.nope"]}}'
    )
    path = tmp_path / f"l{experiment.SUFFIX}"
    path.write_text(text)
    assert not window.open_path(str(path))
    assert "lesson.lock" in errors[-1] and "'Neuron.nope'" in errors[-1]
    assert not window.lesson_dock.isVisible()


def test_export_figure_holds_every_plot_of_the_tab(window, qtbot, tmp_path, monkeypatch):
    window.tabs.setCurrentWidget(window.network)
    window.network.views.setCurrentWidget(window.network.approx)
    qtbot.wait(100)
    png, svg = tmp_path / "fig.png", tmp_path / "fig.svg"
    for path in (png, svg):
        monkeypatch.setattr(dialogs, "save_file", lambda *a, p=path, **k: str(p))
        window.export_figure()
        assert path.exists()
    from neurolab.gui.figure import shown_plots

    panels = shown_plots(window.network)
    assert panels == [window.network.approx.plot] and len(panels[0].plots) == 2
    img = QImage(str(png))
    # 2× by default: the title and the plots, twice their size on screen.
    view = panels[0].view
    assert img.width() == 2 * view.width()
    assert img.height() == 2 * (
        view.geometry().bottom() - panels[0].title_label.geometry().top() + 1
    )
    assert img.pixelColor(img.width() // 2, img.height() // 2).name() != "#000000"
    assert "<svg" in svg.read_text()[:2000]
    assert f"Saved {len(panels)} plot(s)" in window.status_label.text()


def test_png_scale_preference_sets_the_size_of_plot_pngs(window, tmp_path):
    panel = window.network.approx.plot
    widths = {}
    for scale in (1.0, 3.0):
        preferences.set_export_scale(scale)
        path = tmp_path / f"s{scale:g}.png"
        panel.export(path)
        widths[scale] = QImage(str(path)).width()
    preferences.set_export_scale(preferences.DEFAULT_PNG_SCALE)
    assert widths[3.0] == pytest.approx(3 * widths[1.0], rel=0.02)


def test_exports_to_an_unwritable_place_say_so_and_lose_nothing(
    window, errors, tmp_path, monkeypatch
):
    missing = tmp_path / "no" / "such" / "folder"
    state = window.session.snapshot()
    for action, name in (
        (window.export_figure, "fig.png"),
        (window.current_tab().export_data, "data.npz"),
    ):
        monkeypatch.setattr(dialogs, "save_file", lambda *a, n=name, **k: str(missing / n))
        action()
        assert errors and ("No such file" in errors[-1] or "does not exist" in errors[-1])
    assert window.session.snapshot() == state


def test_an_export_that_fails_names_the_target_and_the_status_says_so(
    window, errors, tmp_path, monkeypatch
):
    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".x.npz.abc.tmp"))

    target = tmp_path / "data.npz"
    window._show_status("Saved something earlier")
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: str(target))
    monkeypatch.setattr(tabstate, "write", refuse)
    window.tabs.setCurrentWidget(window.network)
    window.export_data_action.trigger()
    assert errors[-1].startswith(f"Could not write {target}: Permission denied")
    assert ".tmp" not in errors[-1] and "Nothing was lost" in errors[-1]
    assert window.status_label.text() == f"Not saved: could not write {target}: Permission denied"


def test_every_export_ends_with_saved_in_the_status_bar(window, tmp_path, monkeypatch):
    window.tabs.setCurrentWidget(window.network)
    for name, action in (
        ("p.png", window.export_plot_action),
        ("f.svg", window.export_figure_action),
        ("d.csv", window.export_data_action),
    ):
        monkeypatch.setattr(dialogs, "save_file", lambda *a, n=name, **k: str(tmp_path / n))
        action.trigger()
        assert (tmp_path / name).exists()
        assert window.status_label.text().startswith("Saved ")
        assert str(tmp_path / name) in window.status_label.text()
        # Readable by others as any new file (a shared class folder), not owner-only.
        umask = os.umask(0o022)
        os.umask(umask)
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask, name
    # The autodiff graph's own PNG writer too.
    window.tabs.setCurrentWidget(window.training)
    window.training.views.setCurrentWidget(window.training.autodiff)
    window.training.autodiff.plot.export(tmp_path / "graph.png")
    assert stat.S_IMODE((tmp_path / "graph.png").stat().st_mode) == 0o666 & ~umask


def test_space_on_a_neuron_view_without_a_run_says_where_runs_are(window):
    window.tabs.setCurrentWidget(window.neuron)
    window.neuron.views.setCurrentWidget(window.neuron.tuning)
    window.run_action.trigger()
    assert window.neuron.runner.state == "idle"
    assert "Space runs “Traces”" in window.status_label.text()


def test_export_figure_takes_heatmaps_and_the_autodiff_graph_too(window, qtbot):
    from neurolab.gui.figure import shown_plots
    from neurolab.gui.widgets.weight_heatmap import WeightHeatmap

    window.tabs.setCurrentWidget(window.network)
    window.network.views.setCurrentWidget(window.network.rate)
    qtbot.wait(50)
    parts = shown_plots(window.network)
    assert window.network.rate.plot in parts
    assert any(isinstance(p, WeightHeatmap) for p in parts)
    window.tabs.setCurrentWidget(window.training)
    window.training.views.setCurrentWidget(window.training.autodiff)
    qtbot.wait(50)
    assert [type(p).__name__ for p in shown_plots(window.training)] == ["GraphPanel"]


def test_exporting_the_autodiff_graph_ends_with_saved_too(window, tmp_path, monkeypatch):
    # Its graph has its own writer (not a PlotPanel); the status bar must still say so.
    window.tabs.setCurrentWidget(window.training)
    window.training.views.setCurrentWidget(window.training.autodiff)
    window._show_status("Opened something")
    for name in ("graph.png", "graph.svg", "graph.csv"):
        monkeypatch.setattr(dialogs, "save_file", lambda *a, n=name, **k: str(tmp_path / n))
        window.export_plot_action.trigger()
        assert (tmp_path / name).stat().st_size > 0
        assert window.status_label.text() == f"Saved {tmp_path / name}"
