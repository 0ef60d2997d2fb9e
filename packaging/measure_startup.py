#!/usr/bin/env python3
"""Time NeuroLab from launch to a shown window on a real X server (Xvfb, xcb platform).

    python3 packaging/measure_startup.py [EXE [FILE]] [--runs 5] [--cold] [--keep-home] [--title T]

EXE defaults to the bundle (build/package/dist/neurolab/neurolab). Each run starts EXE
with a fresh HOME (a new user: no settings) unless --keep-home, and
polls ``xwininfo`` until a window whose title holds --title is viewable (default
"— NeuroLab": the main window is "Untitled — NeuroLab", "FILE — NeuroLab" or
"Lesson: TITLE — NeuroLab"; FILE is opened, as a double click does). --cold also
empties the kernel's page cache before each run (root only), as after a reboot.
Prints one line per run and a ``startup:`` summary line; exit 1 if the window never shows.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXE = ROOT / "build" / "package" / "dist" / "neurolab" / "neurolab"


def start_xvfb() -> tuple[subprocess.Popen, str]:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            # -noreset: no server reset when the last client leaves (the next run
            # could not connect during one).
            cmd = ["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-noreset", "-nolisten", "tcp"]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{n}").exists():
                    return proc, f":{n}"
                time.sleep(0.05)
            proc.kill()
    raise RuntimeError("could not start Xvfb")


def window_shown(display: str, title: str) -> bool:
    """Whether a viewable window's title contains ``title``."""
    tree = subprocess.run(["xwininfo", "-display", display, "-root", "-tree"],
                          capture_output=True, text=True).stdout
    for line in tree.splitlines():
        m = re.match(r'\s*(0x[0-9a-f]+) "(.*)":', line)
        if m and title in m.group(2):
            info = subprocess.run(["xwininfo", "-display", display, "-id", m.group(1)],
                                  capture_output=True, text=True).stdout
            if "IsViewable" in info:
                return True
    return False


def drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def one_run(exe: Path, display: str, title: str, home: str, timeout: float,
            extra: list[str] = ()) -> float | None:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", HOME=home)
    for var in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "WAYLAND_DISPLAY"):
        env.pop(var, None)
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), *extra], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        while time.perf_counter() - t0 < timeout:
            if window_shown(display, title):
                return time.perf_counter() - t0
            if proc.poll() is not None:
                print(f"the app exited with code {proc.returncode} before showing its window:")
                print(proc.stderr.read().decode(errors="replace")[-3000:])
                return None
            time.sleep(0.02)
        return None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("exe", nargs="?", type=Path, default=DEFAULT_EXE)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cold", action="store_true", help="drop the page cache before each run")
    p.add_argument("--keep-home", action="store_true", help="reuse one HOME (warm user cache)")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--title", default="— NeuroLab",
                   help="what the main window's title contains (default: '— NeuroLab')")
    p.add_argument("args", nargs="*", help="passed to EXE (e.g. an experiment file to open)")
    args = p.parse_args(argv)
    if not shutil.which("Xvfb") or not shutil.which("xwininfo"):
        print("needs Xvfb and xwininfo (Debian: xvfb x11-utils)", file=sys.stderr)
        return 2
    title = args.title
    xvfb, display = start_xvfb()
    times = []
    try:
        with tempfile.TemporaryDirectory() as shared_home:
            for i in range(args.runs):
                cold = args.cold and drop_page_cache()
                with tempfile.TemporaryDirectory() as fresh:
                    home = shared_home if args.keep_home else fresh
                    t = one_run(args.exe, display, title, home, args.timeout, args.args)
                if t is None:
                    print(f"run {i + 1}: no window (timeout {args.timeout:.0f} s)")
                    return 1
                times.append(t)
                print(f"run {i + 1}: window shown after {t:.2f} s"
                      f"{' (page cache dropped)' if cold else ''}"
                      f"{' (new user)' if not args.keep_home else ''}")
    finally:
        xvfb.terminate()
        xvfb.wait()
    print(f"startup: median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
          f"max {max(times):.2f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
