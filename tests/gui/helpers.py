"""What GUI tests do the same way: show a widget, and check a tab's state through an
experiment file and its Export data against the headless computation (``neurolab run``)."""

from __future__ import annotations

import numpy as np

from neurolab.core import experiment as ex
from neurolab.core import export, tabstate
from neurolab.gui.worker import running_threads


def through_file(title: str, state: dict) -> ex.Experiment:
    """``state`` as a saved and reopened experiment file (``title`` the active tab)."""
    doc = {
        "format": ex.FORMAT,
        "schema": ex.SCHEMA_VERSION,
        "active_tab": title,
        "tabs": {title: state},
    }
    return ex.loads(ex.dumps(ex.validate(doc, tabstate.SCHEMA)), tabstate.SCHEMA)


def same_export(tab, exp: ex.Experiment, tmp_path) -> tabstate.Output:
    """The tab's Export data equals tabstate.write of the headless compute, in both
    formats (arrays exactly; parameters, seeds, tab, view and any note equal); returns
    the headless output."""
    out = tabstate.compute(exp, tab.title)
    assert out.stem == tab.state()["view"]
    for fmt, read in (("npz", export.read_npz), ("csv", export.read_csv)):
        gui, cli = tmp_path / f"gui.{fmt}", tmp_path / f"cli.{fmt}"
        tab.save_data(str(gui))
        tabstate.write(cli, out, tab.title)
        (a, meta_a), (b, meta_b) = read(gui), read(cli)
        assert list(a) == list(b) and a
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{fmt}: {key}")
        for key in ("params", "seeds", "tab", "view", "note"):
            assert meta_a.get(key) == meta_b.get(key), key
    return out


def shown(qtbot, widget, size: tuple[int, int] | None = None):
    """``widget`` closed by qtbot after the test, resized, shown and exposed."""
    qtbot.addWidget(widget)
    if size is not None:
        widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def tab_factory(qtbot, cls, size: tuple[int, int]):
    """A fixture body: yields ``make()`` for fresh shown tabs, shut down at the end."""
    made = []

    def make():
        made.append(shown(qtbot, cls(), size))
        return made[-1]

    yield make
    for t in made:
        t.shutdown()
    assert not running_threads()
