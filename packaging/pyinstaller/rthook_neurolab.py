"""PyInstaller runtime hook: where the frozen NeuroLab keeps numba's compiled kernels.

Runs before ``neurolab.app`` in every launch of the bundle (never in a source checkout).

* ``NUMBA_CACHE_DIR`` is set to a per-user folder named by the build, so the bundle's
  own (possibly read-only) folder is never written and two builds never share kernels:
  Linux ``$XDG_CACHE_HOME/neurolab/numba/<build>`` (``~/.cache/...``), Windows
  ``%LOCALAPPDATA%\\NeuroLab\\cache\\numba\\<build>``, macOS
  ``~/Library/Caches/NeuroLab/numba/<build>``.
* The bundle ships kernels compiled at build time for a portable CPU baseline
  (``_internal/numba-cache/<cpu>/``, made by ``packaging/build.py``). If this CPU has
  every feature of that baseline, numba is pinned to it (``NUMBA_CPU_NAME``) and the
  shipped kernels are copied into the per-user folder on first launch: nothing is
  compiled. On an older CPU numba compiles for the host instead, once, on first launch.
* ``NUMBA_CACHE_DIR`` already set by the user: left alone (no pin, no copy).
  ``NEUROLAB_NUMBA_CPU=host``: compile for this CPU (e.g. to use AVX-512), no copy.

Nothing here may stop the app: any failure leaves numba's defaults in place.
"""

import hashlib
import json
import os
import sys

# LLVM feature names each baseline needs (x86-64-v3 = AVX2 + FMA + BMI1/2 ... level).
_BASELINE_FEATURES = {
    "x86-64-v2": ["cx16", "popcnt", "sahf", "sse3", "sse4.1", "sse4.2", "ssse3"],
    "x86-64-v3": [
        "cx16", "popcnt", "sahf", "sse3", "sse4.1", "sse4.2", "ssse3",
        "avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave",
    ],
    "apple-m1": [],  # every Apple silicon Mac
    "generic": [],
}


def _user_cache_root() -> str:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        return os.path.join(base, "NeuroLab", "cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/NeuroLab")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "neurolab")


def _host_has(features: list[str]) -> bool:
    if not features:
        return True
    import llvmlite.binding as ll  # numba loads it anyway; ~50 ms

    host = ll.get_host_cpu_features()
    return all(host.get(name, False) for name in features)


def _numba_subdir(source_dir: str) -> str:
    """The folder numba gives kernels defined in ``source_dir`` (numba.core.caching)."""
    digest = hashlib.sha1(source_dir.encode()).hexdigest()
    return f"{os.path.basename(source_dir)}_{digest}"


def _seed(shipped: str, cache_dir: str, bundle_dir: str) -> None:
    """Copy the shipped kernels into the per-user cache; never overwrite a file."""
    for here, _dirs, files in os.walk(shipped):
        rel = os.path.relpath(here, shipped)
        if not files or rel == ".":
            continue
        target = os.path.join(cache_dir, _numba_subdir(os.path.join(bundle_dir, rel)))
        os.makedirs(target, exist_ok=True)
        for name in files:
            dest = os.path.join(target, name)
            if os.path.exists(dest):
                continue
            tmp = f"{dest}.{os.getpid()}.tmp"
            with open(os.path.join(here, name), "rb") as src, open(tmp, "wb") as out:
                out.write(src.read())
            os.replace(tmp, dest)  # atomic: a second instance starting at once is safe


def _writable(folder: str) -> bool:
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f".probe-{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
        return True
    except OSError:
        return False


def _user_tag() -> str:
    try:
        return str(os.getuid())
    except AttributeError:  # Windows
        return os.environ.get("USERNAME", "user")


def _setup_numba() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    bundle = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
    # Data sit beside the code, except in a macOS .app (Contents/Resources).
    data = bundle
    if not os.path.exists(os.path.join(data, "neurolab-build.json")):
        data = os.path.join(os.path.dirname(bundle), "Resources")
    try:
        with open(os.path.join(data, "neurolab-build.json"), encoding="utf-8") as f:
            build = json.load(f)
    except (OSError, ValueError):
        build = {}
    build_id = str(build.get("build_id", "dev"))
    cache_dir = os.path.join(_user_cache_root(), "numba", build_id)
    if not _writable(cache_dir):
        # No writable home (kiosk, odd mounts): numba would find no cache folder at all
        # and refuse to import the kernels, so use a temporary one.
        import tempfile

        cache_dir = os.path.join(tempfile.gettempdir(), f"neurolab-{_user_tag()}", build_id)
        if not _writable(cache_dir):
            return
    os.environ["NUMBA_CACHE_DIR"] = cache_dir

    cpu = build.get("numba_cpu")
    shipped = os.path.join(data, "numba-cache", str(cpu))
    if not cpu or not os.path.isdir(shipped):
        return
    if os.environ.get("NEUROLAB_NUMBA_CPU", "").lower() == "host":
        return
    if os.environ.get("NUMBA_CPU_NAME") or not _host_has(_BASELINE_FEATURES.get(cpu, ["?"])):
        return
    os.environ["NUMBA_CPU_NAME"] = cpu
    os.environ["NUMBA_CPU_FEATURES"] = ""
    marker = os.path.join(cache_dir, f".seeded-{cpu}")
    if not os.path.exists(marker):
        _seed(shipped, cache_dir, bundle)
        with open(marker, "w", encoding="utf-8") as f:
            f.write("kernels copied from the bundle\n")


try:
    _setup_numba()
except Exception as err:  # noqa: BLE001 - a cache problem must never stop the app
    print(f"neurolab: numba cache setup skipped ({err!r})", file=sys.stderr)
