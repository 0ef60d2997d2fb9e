"""The neurolab command: --version, --smoke-test, and the pyqtgraph/PySide6 pin."""

import os
import subprocess
import sys
import textwrap

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
