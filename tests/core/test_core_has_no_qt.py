"""The science floor never imports Qt (ARCHITECTURE convention 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy")

# Runs in a fresh interpreter so nothing imported by pytest or other tests
# (pytest-qt loads PySide6) can hide or fake a leak.
CHECK = f"""
import importlib, json, pkgutil, sys
import neurolab.core as core
names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, core.__name__ + "."))
for name in names + sys.argv[1:]:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m.startswith({QT_PREFIXES!r}))
print(json.dumps({{"modules": names, "qt": bad}}))
"""


def _run(*extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHECK, *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_core_module_imports_without_qt():
    result = _run()
    # Discovery found the modules, so new ones are covered automatically.
    assert {
        "neurolab.core.params",
        "neurolab.core.lif",
        "neurolab.core.stimulus",
        "neurolab.core.activations",
        "neurolab.core.tuning",
    } <= set(result["modules"])
    assert result["qt"] == [], f"Qt imported by neurolab.core: {result['qt']}"


def test_the_check_detects_qt():
    # Control: the same script does see Qt when something imports it.
    result = _run("shiboken6")
    assert "shiboken6" in result["qt"]
