"""The ``neurolab`` command: start the GUI (optionally opening an experiment file), check
it (--smoke-test), print the version, or run an experiment headless (``neurolab run``)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import traceback

from neurolab import __version__

NO_DISPLAY = (
    "NeuroLab: no display: set DISPLAY (or WAYLAND_DISPLAY), or run headless with "
    "QT_QPA_PLATFORM=offscreen (e.g. QT_QPA_PLATFORM=offscreen neurolab --smoke-test)"
)
QT_HINT = (
    "NeuroLab could not start Qt. On a bare Debian/Ubuntu install the libraries a real "
    "display needs:  sudo apt-get install libegl1 libxkbcommon-x11-0 libxcb-cursor0 "
    "libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 "
    "libxcb-shape0 libxcb-xkb1"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="neurolab", description="NeuroLab: neurons and networks, live."
    )
    p.add_argument("--version", action="version", version=f"NeuroLab {__version__}")
    p.add_argument(
        "experiment",
        nargs="?",
        help="an experiment or lesson file (.neurolab.json) to open. "
        "`neurolab run --help` shows the headless runner",
    )
    p.add_argument(
        "--smoke-test",
        action="store_true",
        help="build the window offscreen, run a short computation in every tab, grab it; "
        "exit 0 if all is well",
    )
    p.add_argument(
        "--shot", metavar="PNG", help="with --smoke-test: where to save the window image"
    )
    p.add_argument(
        "--warm-up",
        action="store_true",
        help="get the numerical kernels ready and exit: a source install compiles them into "
        "numba's on-disk cache (make run does it); the packaged app has them compiled",
    )
    return p


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="neurolab run",
        description="Compute what an experiment's tab computes, with no display, and write "
        "the data File ▸ Export data writes (with parameters, seeds, version and time).",
    )
    p.add_argument("experiment", help="the experiment or lesson file (.neurolab.json)")
    p.add_argument(
        "--out", required=True, metavar="FILE", help="where to write: FILE.npz or FILE.csv"
    )
    p.add_argument(
        "--tab",
        type=str.title,  # "network" is Network
        choices=["Neuron", "Synapse", "Network", "Training"],
        help="the tab to compute (default: the experiment's active tab)",
    )
    return p


def run_headless(argv: list[str]) -> int:
    """``neurolab run``: 0 on success; 1 with a one-line message for a bad file, a bad
    output path or a failed computation."""
    args = _run_parser().parse_args(argv)
    if os.path.splitext(args.out)[1].lower() not in (".npz", ".csv"):
        print(f"neurolab run: {args.out}: the output must end in .npz or .csv", file=sys.stderr)
        return 1
    from neurolab.core import experiment, tabstate

    started = time.perf_counter()
    try:
        exp = experiment.load(args.experiment, tabstate.SCHEMA)
    except experiment.ExperimentError as err:
        print(f"neurolab run: {args.experiment}: {err}", file=sys.stderr)
        return 1
    tab = args.tab or exp.active_tab
    try:
        out = tabstate.compute(exp, tab)
        remark = tabstate.write(args.out, out, tab)
    except OSError as err:
        print(f"neurolab run: cannot write {args.out}: {err.strerror or err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 — one line for the teacher's script, not a traceback
        text = " ".join(str(err).split()) or type(err).__name__
        print(f"neurolab run: {args.experiment}: {tab}: {text}", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(f"neurolab run: {tab} ({out.stem}) written to {args.out} in {took:.1f} s{remark}")
    return 0


def _no_display() -> bool:
    """On Linux, no display to open and no platform chosen: Qt would abort."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _missing_display_libs() -> list[str]:
    """System libraries the xcb (X11) platform plugin needs and cannot find."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return []
    # A bundle (PyInstaller sets sys.frozen) carries these libraries beside it, where
    # ctypes.util.find_library does not look: the hint would be false.
    if not os.environ.get("DISPLAY") or getattr(sys, "frozen", False):
        return []
    import ctypes.util

    needed = [
        "EGL",
        "xkbcommon",
        "xkbcommon-x11",
        "xcb-cursor",
        "xcb-icccm",
        "xcb-keysyms",
        "xcb-image",
        "xcb-render-util",
        "xcb-randr",
        "xcb-shape",
        "xcb-xkb",
    ]
    return [lib for lib in needed if ctypes.util.find_library(lib) is None]


def warm_kernels() -> None:
    """Compile or load the cached numba kernels so the first run starts at once."""
    from neurolab.core import hh, lif, network, synapse

    for mod in (hh, lif, network, synapse):
        warm = getattr(mod, "warm_up", None)
        if warm is not None:
            warm()


def _make_app(argv: list[str]):
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as err:
        print(f"{QT_HINT}\n({err})", file=sys.stderr)
        raise SystemExit(2) from err
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName("NeuroLab")
    app.setApplicationName("NeuroLab")
    app.setApplicationVersion(__version__)
    # Lets the desktop match the window to its menu entry and icon (Wayland's app id).
    app.setDesktopFileName("org.neurolab.NeuroLab")
    return app


def smoke_test(shot: str | None = None) -> int:
    """Build the main window offscreen, run every tab briefly, save a screenshot."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6.QtCore import QSettings

        app = _make_app(sys.argv[:1])
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            settings = QSettings(os.path.join(tmp, "smoke.ini"), QSettings.Format.IniFormat)
            from neurolab.core import compiled
            from neurolab.gui.main_window import MainWindow

            print(f"smoke-test: kernels from {compiled.SOURCE}")
            win = MainWindow(settings=settings)
            win.show()
            app.processEvents()
            for i in range(win.tabs.count()):
                win.tabs.setCurrentIndex(i)
                tab = win.tabs.widget(i)
                tab.smoke_test()
                app.processEvents()
                print(f"smoke-test: tab {tab.title}: ok")
            win.tabs.setCurrentIndex(0)
            app.processEvents()
            path = shot or os.path.join(tmp, "smoke.png")
            image = win.grab()
            if image.isNull() or not image.save(path):
                raise RuntimeError(f"could not grab the window to {path}")
            saved = f" to {path}" if shot else ""  # else a temporary file, gone at exit
            print(f"smoke-test: window grabbed ({image.width()}×{image.height()}){saved}")
            win.close()
            app.processEvents()
        print(f"smoke-test: passed in {time.perf_counter() - started:.1f} s")
        return 0
    except BaseException:  # noqa: BLE001 — the smoke test reports every failure
        traceback.print_exc()
        print("smoke-test: FAILED", file=sys.stderr)
        return 1


def run_gui(experiment: str | None = None) -> int:
    if _no_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    missing = _missing_display_libs()
    if missing:
        print(f"{QT_HINT}\n(missing: {', '.join(missing)})", file=sys.stderr)
    app = _make_app(sys.argv)
    # Import everything on this thread first: two threads importing the same
    # modules at once (numba and pyqtgraph share colorama) can fail.
    from neurolab.gui.main_window import MainWindow
    from neurolab.gui.worker import collect_garbage_on_gui_thread

    # Cyclic garbage (closed views' widgets) is collected here, never on a worker.
    collect_garbage_on_gui_thread()

    threading.Thread(target=warm_kernels, name="warm-kernels", daemon=True).start()
    win = MainWindow()
    win.show()
    if experiment:
        win.open_path(experiment)
    return app.exec()


def kernels_problem() -> str | None:
    """Why the compiled kernels cannot be loaded (a damaged install), or None."""
    try:
        import neurolab.core.compiled  # noqa: F401
    except ImportError as err:
        return f"NeuroLab cannot start: {err}. Reinstalling NeuroLab should repair it."
    return None


def _say_problem(problem: str, gui: bool) -> int:
    print(problem, file=sys.stderr)
    if gui and not _no_display():  # started from a menu: nobody reads stderr
        from PySide6.QtWidgets import QMessageBox

        _make_app(sys.argv)
        QMessageBox.critical(None, "NeuroLab", problem)
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:
        problem = kernels_problem()
        return _say_problem(problem, gui=False) if problem else run_headless(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.shot and not args.smoke_test:
        parser.error("--shot goes with --smoke-test")
    problem = kernels_problem()
    if problem:
        return _say_problem(problem, gui=not (args.warm_up or args.smoke_test))
    if args.warm_up:
        started = time.perf_counter()
        warm_kernels()
        print(f"kernels ready in {time.perf_counter() - started:.1f} s")
        return 0
    if args.smoke_test:
        return smoke_test(args.shot)
    return run_gui(args.experiment)


if __name__ == "__main__":
    sys.exit(main())
