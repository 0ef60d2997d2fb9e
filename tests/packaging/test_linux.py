"""The .deb and the .tar.xz: unpacked into scratch folders, validated, started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from pkgtools import ROOT, app_env, report

pytestmark = [
    pytest.mark.timeout(1200),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux packages"),
]
APP_ID = "org.neurolab.NeuroLab"
MIME_TYPE = "application/x-neurolab-experiment"
MIME_XML = ROOT / "packaging" / "linux" / f"{APP_ID}.mime.xml"


def mime_database(data_dir):
    """update-mime-database over DATA_DIR/mime/packages; its glob list."""
    if not shutil.which("update-mime-database"):
        pytest.skip("update-mime-database not installed (Debian: shared-mime-info)")
    mime = data_dir / "mime"
    r = subprocess.run(["update-mime-database", str(mime)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return (mime / "globs2").read_text()


def smoke(exe, home):
    home.mkdir(exist_ok=True)
    r = subprocess.run(
        [str(exe), "--smoke-test"], capture_output=True, text=True, env=app_env(home), timeout=300
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "smoke-test: passed" in r.stdout


def test_desktop_entry_and_metainfo_validate():
    desktop = ROOT / "packaging" / "linux" / f"{APP_ID}.desktop"
    r = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr
    if shutil.which("appstreamcli"):
        metainfo = ROOT / "packaging" / "linux" / f"{APP_ID}.metainfo.xml"
        r = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stdout + r.stderr


def test_experiment_files_open_with_neurolab(tmp_path):
    """*.neurolab.json is a MIME type of its own, which the menu entry opens (%f: the
    file, as `neurolab FILE` opens it)."""
    desktop = (ROOT / "packaging" / "linux" / f"{APP_ID}.desktop").read_text()
    assert "\nExec=neurolab %f\n" in desktop
    assert f"\nMimeType={MIME_TYPE};\n" in desktop
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy2(MIME_XML, packages / f"{APP_ID}.xml")
    assert f"{MIME_TYPE}:*.neurolab.json" in mime_database(tmp_path)


def test_deb_fields(deb, pb):
    info = subprocess.run(
        ["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
    assert fields["Package"] == "neurolab"
    assert fields["Version"] == pb.VERSION
    assert fields["Architecture"] == pb.DEB_ARCH
    depends = {d.strip().split()[0] for d in fields["Depends"].split(",")}
    for pkg in (
        "libc6",
        "libegl1",
        "libgl1",
        "libxcb1",
        "libstdc++6",
        "libdbus-1-3",
        "fontconfig-config",
    ):
        assert pkg in depends, fields["Depends"]
    report(f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB; Depends: {fields['Depends']}")


def test_deb_installs_and_runs(deb, tmp_path):
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    exe = root / "opt" / "neurolab" / "neurolab"
    assert os.access(exe, os.X_OK)
    assert os.readlink(root / "usr" / "bin" / "neurolab") == "/opt/neurolab/neurolab"
    desktop = root / "usr" / "share" / "applications" / f"{APP_ID}.desktop"
    r = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout
    assert "Exec=neurolab %f" in desktop.read_text()
    mime = root / "usr" / "share" / "mime" / "packages" / f"{APP_ID}.xml"
    assert mime.read_bytes() == MIME_XML.read_bytes()
    metainfo = root / "usr" / "share" / "metainfo" / f"{APP_ID}.metainfo.xml"
    if shutil.which("appstreamcli"):
        r = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stdout
    icons = root / "usr" / "share" / "icons" / "hicolor"
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png").exists()
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").exists()
    assert (root / "usr" / "share" / "doc" / "neurolab" / "copyright").exists()
    # Installed elsewhere than it was built: the kernels must still be found.
    smoke(exe, tmp_path / "home")


def test_tarball_runs_and_adds_a_menu_entry(tarball, pb, tmp_path):
    subprocess.run(["tar", "-xJf", str(tarball), "-C", str(tmp_path)], check=True)
    top = tmp_path / f"neurolab-{pb.VERSION}-linux-{pb.MACHINE}"
    home = tmp_path / "home"
    smoke(top / "neurolab", home)

    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    script = top / "install-menu-entry.sh"
    r = subprocess.run([str(script)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    entry = home / ".local" / "share" / "applications" / f"{APP_ID}.desktop"
    text = entry.read_text()
    assert f'Exec="{top}/neurolab"' in text
    r = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout
    icon = home / ".local" / "share" / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png"
    assert icon.exists()
    assert os.readlink(home / ".local" / "bin" / "neurolab") == str(top / "neurolab")
    assert f'Exec="{top}/neurolab" %f' in text
    mime = home / ".local" / "share" / "mime" / "packages" / f"{APP_ID}.xml"
    assert mime.read_bytes() == MIME_XML.read_bytes()
    if shutil.which("update-mime-database"):  # the script ran it
        globs = (home / ".local" / "share" / "mime" / "globs2").read_text()
        assert f"{MIME_TYPE}:*.neurolab.json" in globs

    r = subprocess.run([str(script), "--remove"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert not entry.exists() and not icon.exists() and not mime.exists()
    assert not (home / ".local" / "bin" / "neurolab").exists()
    assert (top / "neurolab").exists()  # the program itself stays
    report(f"{tarball.name}: {tarball.stat().st_size / 1e6:.1f} MB")
