"""The neurolab command: --version, --smoke-test, the headless runner (neurolab run),
and the pyqtgraph/PySide6 pin."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PySide6.QtGui import QImage

from neurolab import __version__


def _run(args, **kw):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=120, **kw
    )


def test_version():
    r = _run(["-m", "neurolab", "--version"])
    assert r.returncode == 0
    assert __version__ in r.stdout


def test_smoke_test_passes_and_grabs_the_window(tmp_path):
    shot = tmp_path / "smoke.png"
    r = _run(["-m", "neurolab", "--smoke-test", "--shot", str(shot)])
    assert r.returncode == 0, r.stderr
    assert "smoke-test: passed" in r.stdout
    img = QImage(str(shot))
    assert not img.isNull() and img.width() > 600


def test_smoke_test_fails_loudly_on_error(tmp_path):
    # A shot path in a missing folder cannot be written: the smoke test must say so.
    r = _run(["-m", "neurolab", "--smoke-test", "--shot", str(tmp_path / "nope" / "x.png")])
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "FAILED" in r.stderr


def test_streaming_into_a_plot_does_not_crash():
    """Regression guard for the pin PySide6 < 6.12: 6.12.0 + pyqtgraph 0.14 died
    with 'none_dealloc' inside AxisItem.paint within 3 s of setData in a loop."""
    code = textwrap.dedent(
        """
        import time, numpy as np, pyqtgraph as pg
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        w = pg.PlotWidget(); w.resize(600, 400); w.show()
        c = w.plot(); x = np.arange(2000.0); end = time.time() + 4
        while time.time() < end:
            c.setData(x, np.sin(x / 50 + time.time())); app.processEvents(); w.grab()
        print("clean")
        """
    )
    r = _run(["-c", code])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "clean" in r.stdout


def test_warm_up_compiles_the_kernels():
    r = _run(["-m", "neurolab", "--warm-up"])
    assert r.returncode == 0, r.stderr
    assert "kernels ready" in r.stdout


def test_no_display_says_what_to_do_instead_of_aborting():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    r = subprocess.run(
        [sys.executable, "-m", "neurolab"], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 2, r.stderr[-2000:]
    assert "no display" in r.stderr and "QT_QPA_PLATFORM=offscreen" in r.stderr


def _experiment_file(tmp_path, tab="Synapse"):
    from neurolab.core import experiment, tabstate

    exp = experiment.validate(
        {"format": experiment.FORMAT, "schema": 1, "active_tab": tab, "tabs": {}},
        tabstate.SCHEMA,
    )
    path = tmp_path / f"exp{experiment.SUFFIX}"
    experiment.save(exp, path)
    return path, exp


def test_run_writes_what_the_tab_computes(tmp_path):
    from neurolab.core import export, tabstate

    path, exp = _experiment_file(tmp_path)
    for suffix in ("npz", "csv"):
        out = tmp_path / f"out.{suffix}"
        r = _run(["-m", "neurolab", "run", str(path), "--out", str(out)])
        assert r.returncode == 0, r.stderr
        assert f"written to {out}" in r.stdout
        ref = tmp_path / f"ref.{suffix}"
        tabstate.write(ref, tabstate.compute(exp), "Synapse")
        read = export.read_npz if suffix == "npz" else export.read_csv
        (got, meta), (want, want_meta) = read(out), read(ref)
        assert set(got) == set(want)
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
        assert meta["params"] == want_meta["params"] and meta["tab"] == "Synapse"
        assert meta["version"] == __version__ and meta["created"]
    # --tab picks another tab than the active one.
    out = tmp_path / "other.npz"
    r = _run(["-m", "neurolab", "run", str(path), "--out", str(out), "--tab", "Network"])
    assert r.returncode == 0, r.stderr
    assert export.read_npz(out)[1]["tab"] == "Network"


@pytest.mark.parametrize(
    "content, words",
    [
        ("{ not json", "not valid JSON"),
        ('{"format": "neurolab-experiment", "schema": 1, "tabs": {"Brain": {}}}', "'Brain'"),
        (b"\x89PNG\r\n", "not UTF-8"),
    ],
)
def test_run_refuses_a_bad_file_in_one_line(tmp_path, content, words):
    path = tmp_path / "bad.neurolab.json"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    out = tmp_path / "out.npz"
    r = _run(["-m", "neurolab", "run", str(path), "--out", str(out)])
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(path) in lines[0]
    assert not out.exists()


def test_run_refuses_an_unknown_output_format(tmp_path):
    path, _ = _experiment_file(tmp_path)
    r = _run(["-m", "neurolab", "run", str(path), "--out", str(tmp_path / "x.xlsx")])
    assert r.returncode == 1 and ".npz or .csv" in r.stderr


def test_no_false_missing_library_hint_in_a_bundle(monkeypatch):
    import ctypes.util

    from neurolab import app

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert "xcb-cursor" in app._missing_display_libs()  # a pip install: find_library is right
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert app._missing_display_libs() == []  # the bundle carries them where it looks


def test_a_bundle_without_its_kernels_says_so_in_one_message(tmp_path):
    # As in the packaged app (sys.frozen), which has no numba to fall back on.
    path, _ = _experiment_file(tmp_path)
    frozen = "import sys; sys.frozen = True; from neurolab.app import main; "
    for args in (["--smoke-test"], ["run", str(path), "--out", str(tmp_path / "x.npz")]):
        r = _run(["-c", frozen + f"sys.exit(main({args!r}))"])
        assert r.returncode == 1, r.stdout + r.stderr
        assert "Traceback" not in r.stderr, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("NeuroLab cannot start: the compiled")
        assert "neurolab_kernels_" in lines[0] and "Reinstalling" in lines[0]


def test_started_from_a_menu_the_kernel_problem_is_a_message_box(monkeypatch, qapp):
    from PySide6.QtWidgets import QMessageBox

    from neurolab import app

    shown = []
    monkeypatch.setattr(app, "kernels_problem", lambda: "NeuroLab cannot start: broken.")
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: shown.append(a[1:]))
    assert app.main([]) == 1
    assert shown == [("NeuroLab", "NeuroLab cannot start: broken.")]
