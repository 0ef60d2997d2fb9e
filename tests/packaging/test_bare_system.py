"""The .deb on a bare Debian: its Depends alone must be enough for a real X display.

Opt-in (NEUROLAB_PACKAGE_BARE=1, root, debootstrap, network to Debian's mirror): it
debootstraps a minimal Debian 12 (~1 min), installs the .deb there with apt, which
brings only the Depends, and starts NeuroLab on an Xvfb of the host through the chroot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from pkgtools import load_measure_startup

measure_startup = load_measure_startup()

pytestmark = [
    pytest.mark.timeout(1200),
    pytest.mark.skipif(
        os.environ.get("NEUROLAB_PACKAGE_BARE") != "1"
        or not shutil.which("debootstrap")
        or os.geteuid() != 0,
        reason="opt-in: NEUROLAB_PACKAGE_BARE=1, as root, with debootstrap",
    ),
]


def debian_mirror() -> str:
    """The Debian archive this machine's apt uses (its sources), for debootstrap."""
    sources = Path("/etc/apt/sources.list.d")
    for path in sorted(sources.glob("*.sources")) if sources.is_dir() else []:
        for stanza in path.read_text(encoding="utf-8").split("\n\n"):
            fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line[:20])
            suites = fields.get("Suites", "").split()
            if "bookworm" in suites and fields.get("Types", "").strip() == "deb":
                return fields["URIs"].split()[0]
    listing = Path("/etc/apt/sources.list")
    for line in listing.read_text(encoding="utf-8").splitlines() if listing.exists() else []:
        words = line.split()
        if len(words) >= 3 and words[0] == "deb" and words[2] == "bookworm":
            return words[1]
    pytest.fail("this machine's apt has no Debian 12 (bookworm) source to debootstrap from")


def test_deb_runs_on_a_bare_debian_with_only_its_depends(deb, pb, tmp_path):
    root = tmp_path / "bare"
    subprocess.run(
        ["debootstrap", "--variant=minbase", "bookworm", str(root), debian_mirror()],
        check=True,
        capture_output=True,
    )
    shutil.copy2("/etc/resolv.conf", root / "etc" / "resolv.conf")
    shutil.copy2(deb, root / "tmp" / deb.name)
    mounts = []
    xvfb = None
    try:
        for src, kind in (("proc", "proc"), ("/dev", "bind"), ("/tmp/.X11-unix", "bind")):
            target = root / src.strip("/")
            target.mkdir(parents=True, exist_ok=True)
            args = ["-t", "proc", "proc"] if kind == "proc" else ["--bind", src]
            subprocess.run(["mount", *args, str(target)], check=True)
            mounts.append(target)
        subprocess.run(
            [
                "chroot",
                str(root),
                "sh",
                "-c",
                f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                f"--no-install-recommends /tmp/{deb.name}",
            ],
            check=True,
            capture_output=True,
        )
        r = subprocess.run(
            [
                "chroot",
                str(root),
                "env",
                "HOME=/root",
                "QT_QPA_PLATFORM=offscreen",
                "neurolab",
                "--smoke-test",
            ],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stdout + r.stderr

        display = ":173"
        xvfb = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1600x1000x24", "-noreset", "-nolisten", "tcp"],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        app = subprocess.Popen(
            [
                "chroot",
                str(root),
                "env",
                "HOME=/root",
                f"DISPLAY={display}",
                "QT_QPA_PLATFORM=xcb",
                "neurolab",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        shown = False
        for _ in range(120):
            shown = measure_startup.window_shown(display, "— NeuroLab")
            if shown or app.poll() is not None:
                break
            time.sleep(0.25)
        app.terminate()
        out, err = app.communicate(timeout=30)
        assert shown, out + err
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        for target in reversed(mounts):
            subprocess.run(["umount", "-l", str(target)])
