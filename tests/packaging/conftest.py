"""Packaging tests: they build the bundle, the .tar.xz, the .deb and the NSIS installer.

They take minutes, so ``make test`` deselects them; ``make package-test`` runs them
(NEUROLAB_PACKAGE_TESTS=1). The artefacts are built once per session, with the
fastest compression (``packaging/build.py --fast``), into build/package and dist/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pkgtools import REPORT, TEST_OUT, build, load_build_module

ENABLED = os.environ.get("NEUROLAB_PACKAGE_TESTS") == "1"


def pytest_configure(config):
    config.addinivalue_line("markers", "packaging: builds and checks the downloads (slow)")


def pytest_collection_modifyitems(config, items):
    # Not run by `make test` (they build for minutes): deselected there, not skipped,
    # so a skip never stands for a failure; `make package-test` runs them.
    here = Path(__file__).parent
    ours = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in ours:
        item.add_marker("packaging")
    if not ENABLED and ours:
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("packaging report")
        for line in REPORT:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def pb():
    """packaging/build.py as a module (paths, helpers)."""
    return load_build_module()


@pytest.fixture(scope="session")
def bundle(pb) -> Path:
    """The one-folder bundle, built from a clean venv (reused when
    NEUROLAB_PACKAGE_REUSE=1 and it exists: for iterating on the tests)."""
    exe = pb.BUNDLE / "neurolab"
    if not (os.environ.get("NEUROLAB_PACKAGE_REUSE") == "1" and exe.exists()):
        build("bundle")
    assert exe.exists()
    return pb.BUNDLE


@pytest.fixture(scope="session")
def tarball(pb, bundle) -> Path:
    build("tarball")
    return TEST_OUT / f"neurolab-{pb.VERSION}-linux-{pb.MACHINE}.tar.xz"


@pytest.fixture(scope="session")
def deb(pb, bundle) -> Path:
    build("deb")
    return TEST_OUT / f"neurolab_{pb.VERSION}_{pb.DEB_ARCH}.deb"
