"""The .deb and the .tar.xz: unpacked into scratch folders, validated, started."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time

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


# --- install-menu-entry.sh on its own: a folder shaped like the tarball's, a stand-in program


def fake_unpacked_folder(top):
    """What install-menu-entry.sh reads of the unpacked tarball (build.py step_tarball),
    with a `neurolab` that writes the arguments it was started with to top/../argv.txt."""
    linux = ROOT / "packaging" / "linux"
    (top / "share" / "applications").mkdir(parents=True)
    shutil.copy2(linux / f"{APP_ID}.desktop", top / "share" / "applications")
    (top / "share" / "mime" / "packages").mkdir(parents=True)
    shutil.copy2(MIME_XML, top / "share" / "mime" / "packages" / f"{APP_ID}.xml")
    icons = top / "share" / "icons" / "hicolor"
    (icons / "48x48" / "apps").mkdir(parents=True)
    shutil.copy2(
        ROOT / "packaging" / "icons" / "neurolab-48.png", icons / "48x48" / "apps" / f"{APP_ID}.png"
    )
    shutil.copy2(linux / "install-menu-entry.sh", top / "install-menu-entry.sh")
    argv = top.parent / "argv.txt"
    exe = top / "neurolab"
    exe.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "$0" "$@" > {shlex.quote(str(argv))}\n')
    exe.chmod(0o755)
    return argv


def desktop_exec_argv(exec_value):
    """The arguments of a desktop entry's Exec value (as the file holds it), read as the
    Desktop Entry Specification says: string escapes first (\\s \\n \\t \\r \\\\), then
    words split at spaces with "…" quoting (\\" \\` \\$ \\\\ inside), then %% is a literal %
    and a word %f (and the like) a field code, kept as it is."""
    unescaped, i = "", 0
    string_escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    while i < len(exec_value):
        c = exec_value[i]
        if c == "\\" and i + 1 < len(exec_value) and exec_value[i + 1] in string_escapes:
            unescaped += string_escapes[exec_value[i + 1]]
            i += 2
        else:
            unescaped += c
            i += 1
    words, word, quoted, i = [], None, False, 0
    while i < len(unescaped):
        c = unescaped[i]
        if quoted:
            if c == "\\":
                nxt = unescaped[i + 1]
                assert nxt in '"`$\\', f"undefined escape \\{nxt} in {exec_value!r}"
                word += nxt
                i += 1
            elif c == '"':
                quoted = False
            else:
                word += c
        elif c == " ":
            if word is not None:
                words.append(word)
            word = None
        elif c == '"':
            assert word is None, f"a quote inside a word: {exec_value!r}"
            word, quoted = "", True
        else:
            assert c not in "\"'\\><~|&;$*?#()`\t\n", f"reserved {c!r} unquoted: {exec_value!r}"
            word = (word or "") + c
        i += 1
    assert not quoted, f"unclosed quote: {exec_value!r}"
    if word is not None:
        words.append(word)
    out = []
    for w in words:
        if len(w) == 2 and w[0] == "%" and w[1] != "%":
            out.append(w)  # a field code
            continue
        assert re.fullmatch(r"([^%]|%%)*", w), f"a lone % in {w!r}"
        out.append(w.replace("%%", "%"))
    return out


@pytest.mark.parametrize(
    "name",
    ["NeuroLab 100% $HOME", "Neuro Lab $(x) `y` \"z\" back\\slash 'q' &;|<>~*?#"],
    ids=["space-percent-dollar", "shell-characters"],
)
def test_menu_entry_points_at_a_folder_with_reserved_characters(tmp_path, name):
    """install-menu-entry.sh quotes and escapes the folder's path in Exec as the Desktop
    Entry Specification says: the entry validates, reads back as the real path, and
    `gio launch` (GLib, as GNOME's menus) starts the program there with the file."""
    top = tmp_path / name / "neurolab-0.1.0-linux-x86_64"
    argv_file = fake_unpacked_folder(top)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    script = top / "install-menu-entry.sh"
    r = subprocess.run([str(script)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    entry = home / ".local" / "share" / "applications" / f"{APP_ID}.desktop"
    r = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr
    exec_value = re.search(r"^Exec=(.*)$", entry.read_text(), re.M).group(1)
    argv = desktop_exec_argv(exec_value)
    if argv[0] == "env":  # how the script passes a path holding % (GLib: see the script)
        argv = argv[1:]
    assert argv == [str(top / "neurolab"), "%f"], exec_value
    assert os.readlink(home / ".local" / "bin" / "neurolab") == str(top / "neurolab")

    if shutil.which("gio"):
        lesson = tmp_path / "my lesson.neurolab.json"
        lesson.write_text("{}")
        r = subprocess.run(
            ["gio", "launch", str(entry), str(lesson)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        deadline = time.monotonic() + 20
        while not argv_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)  # the stand-in's printf may still be writing
        assert argv_file.read_text().splitlines() == [str(top / "neurolab"), str(lesson)]

    r = subprocess.run([str(script), "--remove"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert not entry.exists() and not (home / ".local" / "bin" / "neurolab").exists()


def test_menu_entry_script_usage_and_a_folder_it_cannot_point_at(tmp_path):
    script = ROOT / "packaging" / "linux" / "install-menu-entry.sh"
    r = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("Usage: "), r.stdout + r.stderr
    assert "--remove" in r.stdout and "--install" in r.stdout
    assert r.stdout.rstrip().endswith(".")  # whole sentences, not a cut comment
    r = subprocess.run([str(script), "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown option: --bogus" in r.stderr and not r.stdout

    # A line break in the path: no menu entry can hold it, so nothing is written.
    top = tmp_path / "two\nlines"
    fake_unpacked_folder(top)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    r = subprocess.run(
        [str(top / "install-menu-entry.sh")], capture_output=True, text=True, env=env
    )
    assert r.returncode == 1 and "line break" in r.stderr, r.stdout + r.stderr
    assert not (home / ".local" / "share" / "applications").exists()
