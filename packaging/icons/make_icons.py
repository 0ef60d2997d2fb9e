#!/usr/bin/env python3
"""Regenerate the PNG, .ico and .icns icons from neurolab.svg (run after editing it).

    python3 packaging/icons/make_icons.py

SVG -> PNG needs ``rsvg-convert`` (Debian: librsvg2-bin) or the ``cairosvg`` package;
.ico and .icns are written here (both just hold PNGs), so no Pillow or icnsutils.
The outputs are committed, so building a package needs none of these tools.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE / "neurolab.svg"
SIZES = [16, 24, 32, 48, 64, 128, 256, 512]
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
# .icns element types holding PNG data, by pixel size (several for the @2x slots).
ICNS_TYPES = [(b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512)]


def render(size: int, out: Path) -> None:
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "-w", str(size), "-h", str(size), str(SVG), "-o", str(out)],
                       check=True)
    else:
        import cairosvg

        cairosvg.svg2png(url=str(SVG), write_to=str(out), output_width=size, output_height=size)


def write_ico(pngs: dict[int, bytes], out: Path) -> None:
    """ICONDIR + ICONDIRENTRY per size, each image a PNG (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, blobs = b"", b""
    for size in ICO_SIZES:
        data = pngs[size]
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    out.write_bytes(header + entries + blobs)


def write_icns(pngs: dict[int, bytes], out: Path) -> None:
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
                    for kind, size in ICNS_TYPES)
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def main() -> int:
    pngs = {}
    for size in SIZES:
        path = HERE / f"neurolab-{size}.png"
        render(size, path)
        pngs[size] = path.read_bytes()
    write_ico(pngs, HERE / "neurolab.ico")
    write_icns(pngs, HERE / "neurolab.icns")
    print(f"wrote {len(SIZES)} PNGs, neurolab.ico and neurolab.icns in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
