"""The NSIS installer (compiled here around a stand-in payload) and the icons."""

from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest
from pkgtools import ROOT, TEST_OUT, build

pytestmark = pytest.mark.timeout(600)
ICONS = ROOT / "packaging" / "icons"


@pytest.fixture(scope="module")
def installer(pb):
    if not shutil.which("makensis"):
        pytest.skip("makensis not installed (Debian: nsis)")
    build("nsis")
    return TEST_OUT / pb.nsis_name(standin=True)


def test_the_standin_installer_says_so_and_installs_nothing_silently(installer, pb):
    """Around the stand-in payload the installer must not pass for the release: its file
    name and title say STAND-IN, and a silent install (/S: deployment tools) cancels."""
    assert installer.name == f"NeuroLab-{pb.VERSION}-setup-STANDIN.exe"
    assert installer.exists()
    log = (pb.BUILD / "makensis.log").read_text(encoding="utf-8", errors="replace")
    assert f'Name: "NeuroLab {pb.VERSION} (STAND-IN, not for deployment)"' in log
    oninit = log[log.index('Function: ".onInit"') :]
    oninit = oninit[: oninit.index("FunctionEnd")]
    assert "This installer holds a stand-in" in oninit and "(on IDOK goto +2)" in oninit
    assert "Abort" in oninit.split("This installer holds a stand-in")[1]
    nsi = (ROOT / "packaging" / "windows" / "neurolab.nsi").read_text()
    assert "/SD IDCANCEL IDOK +2\n    Abort\n" in nsi  # silent: Cancel, hence Abort


def test_only_the_standin_payload_names_the_installer_standin(pb, tmp_path):
    standin = pb.make_standin_payload(tmp_path)
    assert pb.is_standin(standin)
    real = tmp_path / "real"
    (real / "_internal").mkdir(parents=True)
    (real / "_internal" / "neurolab-build.json").write_text(
        f'{{"version": "{pb.VERSION}", "build_id": "{pb.VERSION}-0123456789ab", "kernels": []}}'
    )
    assert not pb.is_standin(real)
    assert not pb.is_standin(tmp_path / "nothing-here")
    assert pb.nsis_name(standin=False) == f"NeuroLab-{pb.VERSION}-setup.exe"


def test_installer_is_an_nsis_windows_program(installer):
    data = installer.read_bytes()
    assert data[:2] == b"MZ"
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe : pe + 4] == b"PE\0\0"
    assert b"NullsoftInst" in data


def test_installer_holds_the_payload_and_an_uninstaller(installer, pb):
    log = (pb.BUILD / "makensis.log").read_text(encoding="utf-8", errors="replace")
    assert "WriteUninstaller" in log and "Uninstall.exe" in log
    assert 'CreateShortcut: "$SMPROGRAMS\\NeuroLab.lnk"' in log  # Start-menu entry
    assert 'File: "digits.npz"' in log
    assert "Generating uninstaller... Done!" in log
    if not shutil.which("7z"):
        pytest.skip("7z not installed (Debian: p7zip-full)")
    listing = subprocess.run(
        ["7z", "l", str(installer)], capture_output=True, text=True, check=True
    ).stdout
    for name in (
        "neurolab.exe",
        "_internal/neurolab/resources/digits.npz",
        "_internal/neurolab-build.json",
        "Uninstall.exe",
    ):
        assert name in listing, listing


def test_installer_adds_open_with_for_experiment_files_and_the_uninstaller_removes_it(
    installer, pb
):
    """Windows sees only the last extension (.json) of FILE.neurolab.json: NeuroLab joins
    .json's "Open with" list (per user for a per-user install), never its default."""
    log = (pb.BUILD / "makensis.log").read_text(encoding="utf-8", errors="replace")
    classes = "SHCTX\\Software\\Classes"
    assert (
        f"WriteRegStr: {classes}\\NeuroLab.Experiment\\shell\\open\\command\\="
        '"$INSTDIR\\neurolab.exe" "%1"' in log
    )
    assert f"WriteRegStr: {classes}\\.json\\OpenWithProgids\\NeuroLab.Experiment=" in log
    assert f"WriteRegStr: {classes}\\.json\\=" not in log  # JSON's default untouched
    uninstall = log[log.index('Section: "Uninstall"') :]
    assert f"DeleteRegKey: {classes}\\NeuroLab.Experiment" in uninstall
    assert f"DeleteRegValue: {classes}\\.json\\OpenWithProgids\\NeuroLab.Experiment" in uninstall


def test_installer_defaults_to_a_per_user_install():
    nsi = (ROOT / "packaging" / "windows" / "neurolab.nsi").read_text()
    assert "!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER" in nsi
    assert "!define MULTIUSER_INSTALLMODE_COMMANDLINE" in nsi  # /AllUsers, /CurrentUser


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_icons_are_generated_from_the_svg():
    ET.parse(ICONS / "neurolab.svg")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert png_size(ICONS / f"neurolab-{size}.png") == (size, size)
    ico = (ICONS / "neurolab.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1) and count >= 6
    icns = (ICONS / "neurolab.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic09" in icns  # 512 px
