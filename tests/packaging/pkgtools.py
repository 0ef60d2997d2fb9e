"""Helpers of the packaging tests (fixtures are in conftest.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_PY = ROOT / "packaging" / "build.py"
# The tests' downloads (fast compression) go here, never over `make package`'s in dist/.
TEST_OUT = ROOT / "build" / "package" / "test-dist"


def load_build_module():
    spec = importlib.util.spec_from_file_location("neurolab_package_build", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(*steps: str, fast: bool = True) -> str:
    """Run packaging/build.py; return its output (it is also printed, for the log)."""
    cmd = [sys.executable, str(BUILD_PY), *steps, "--out", str(TEST_OUT)]
    cmd += ["--fast"] if fast else []
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    print(r.stdout[-6000:])
    assert r.returncode == 0, f"{' '.join(steps)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    return r.stdout


def load_measure_startup():
    """packaging/measure_startup.py as a module (window_shown: a viewable window by title)."""
    path = ROOT / "packaging" / "measure_startup.py"
    spec = importlib.util.spec_from_file_location("neurolab_measure_startup", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REPORT: list[str] = []


def report(line: str) -> None:
    """A line for the summary `make package-test` prints at the end (sizes, timings)."""
    REPORT.append(line)
    print(line)


def app_env(home: Path, **extra) -> dict:
    """A new user: own HOME, no inherited XDG or NeuroLab settings, headless Qt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "NEUROLAB_KERNELS"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env
