"""The kernels compiled ahead of time (the packaged app's) against numba's JIT (a dev install's).

``neurolab.core.compiled`` gives every kernel module its numba decorators; the packaged
app ships ``packaging/build_kernels.py``'s extension modules instead of numba and llvmlite.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neurolab.app import warm_kernels
from neurolab.core import compiled, hh, lif, network, synapse  # noqa: F401 (registers kernels)

ROOT = Path(__file__).resolve().parents[2]


def test_argument_types_read_the_kernels_notation():
    sig = "Tuple((i8[::1], f8[::1], i8))(f8[:, ::1], f8[::1], i8, b1, f8)"
    assert compiled.argument_types(sig) == [("f8", 2), ("f8", 1), ("i8", 0), ("b1", 0), ("f8", 0)]
    assert compiled.argument_types("void(f8[:, :, ::1])") == [("f8", 3)]
    # What the type check could not enforce is refused when the kernel is declared.
    for bad in ("void(f8[:, :])", "void(f4[::1])", "void(b1[::1])", "void(f8[::1]", "f8"):
        with pytest.raises(ValueError):
            compiled.argument_types(bad)


def test_an_ahead_of_time_kernel_refuses_arguments_it_would_misread():
    calls = []

    def kernel(table, out, n, x):  # the source function: only its argument names count
        raise AssertionError("never called")

    entry = compiled.EntryPoint(kernel, "f8(f8[:, ::1], f8[::1], i8, f8)", {}, ("table",))
    call = compiled._checked(lambda *a: calls.append(a) or 1.0, entry)
    table, out = np.zeros((2, 3)), np.zeros(4)
    assert call(table, out, 3, 0.5) == 1.0
    table.flags.writeable = False  # declared read_only: the kernel only reads it
    assert call(table, out, np.int64(3), 0.5) == 1.0 and len(calls) == 2
    frozen = out.copy()
    frozen.flags.writeable = False
    wrong = [
        ((np.zeros((2, 3), dtype=np.float32), out, 3, 0.5), "got a 2-d float32 array"),
        ((np.zeros((3, 2)).T, out, 3, 0.5), r"table\): .*not C-contiguous"),
        ((np.zeros(6), out, 3, 0.5), "got a 1-d float64 array"),
        ((table.tolist(), out, 3, 0.5), "got list"),
        ((table, frozen, 3, 0.5), r"argument 1 \(out\): the kernel writes into it"),
        ((table, out, 3.0, 0.5), "expected an integer"),
        ((table, out, 3), "4 arguments"),
    ]
    for args, said in wrong:
        with pytest.raises(TypeError, match=said):
            call(*args)
    assert len(calls) == 2


def test_read_only_must_name_an_argument():
    with pytest.raises(ValueError, match="read_only names no argument"):
        compiled.entry_point("void(f8[::1])", read_only=("nope",))(lambda x: None)


def _dispatcher(entry: compiled.EntryPoint):
    return getattr(sys.modules[entry.function.__module__], entry.function.__name__)


def test_every_entry_point_is_called_with_exactly_its_declared_signature():
    # The ahead-of-time build compiles only the declared signature; a call with other
    # types would read its arrays wrongly, so the JIT must never see another one.
    from numba import types
    from numba.core import sigutils

    assert compiled.AHEAD_OF_TIME is None, "the test suite runs the JIT kernels"
    warm_kernels()
    synapse._expm(np.eye(3))  # called from Python only by tests, which check it
    hh._k.rates_array(np.linspace(-80.0, 40.0, 5))

    def writable(t):
        return t.copy(readonly=False) if isinstance(t, types.Array) else t

    names = set()
    for entry in compiled.ENTRY_POINTS:
        dispatcher = _dispatcher(entry)
        declared, _ = sigutils.normalize_signature(entry.signature)
        seen = {tuple(writable(t) for t in sig) for sig in dispatcher.signatures}
        assert seen == {tuple(declared)}, entry.export_name
        # An argument ever passed read-only is declared so (the type check lets it pass).
        params = list(inspect.signature(entry.function).parameters)
        for sig in dispatcher.signatures:
            for name, t in zip(params, sig, strict=True):
                if isinstance(t, types.Array) and not t.mutable:
                    assert name in entry.read_only, f"{entry.export_name}: {name}"
        names.add(entry.export_name)
    assert len(names) == len(compiled.ENTRY_POINTS) >= 7


WORKLOAD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from neurolab.core import compiled, experiment, hh, lessons, lif, synapse, tabstate

    out = {}
    for item in lessons.shipped():
        exp = experiment.load(item.path, tabstate.SCHEMA)
        if exp.active_tab in ("Neuron", "Synapse", "Network"):
            for key, value in tabstate.compute(exp).arrays.items():
                out[f"{item.path.name}/{key}"] = value
    run = lif.simulate(np.array([0.5, 1.5, 4.0]), 300.0, dt=0.05)
    out["lif/v"] = run.v
    out["expm"] = synapse._expm(np.array([[-1.0, 0.5], [0.2, -3.0]]))
    out["rates"] = hh._k.rates_array(np.linspace(-90.0, 50.0, 141))
    np.savez(sys.argv[1], **out)
    print(compiled.SOURCE, "numba" in sys.modules)
    """
)

BLOCK_NUMBA = textwrap.dedent(
    """
    import sys

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("numba", "llvmlite"):
                raise ImportError(f"{name} is not in the packaged app")

    sys.meta_path.insert(0, Block())
    """
)


@pytest.mark.slow
def test_ahead_of_time_kernels_compute_exactly_what_the_jit_computes(tmp_path):
    baseline = compiled.TARGETS[compiled.machine()][-1][0]  # runs on any CPU of this type
    kernels, block = tmp_path / "kernels", tmp_path / "block"
    block.mkdir()
    built = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build_kernels.py"), "--out", str(kernels)]
        + ["--target", baseline],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert list(kernels.glob(f"{compiled.MODULE_PREFIX}{baseline}*"))
    (tmp_path / "workload.py").write_text(WORKLOAD)
    (block / "sitecustomize.py").write_text(BLOCK_NUMBA)

    def run(kernels: str, path: str) -> str:
        env = dict(os.environ, NEUROLAB_KERNELS=kernels, PYTHONPATH=path)
        out = str(tmp_path / f"{kernels}.npz")
        r = subprocess.run(
            [sys.executable, str(tmp_path / "workload.py"), out],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout.split()

    assert run("jit", str(ROOT)) == ["jit", "True"]
    # Without numba or llvmlite importable, as in the packaged app.
    aot_path = os.pathsep.join([str(kernels), str(block), str(ROOT)])
    assert run(baseline, aot_path) == [compiled.MODULE_PREFIX + baseline, "False"]
    with np.load(tmp_path / "jit.npz") as jit, np.load(tmp_path / f"{baseline}.npz") as aot:
        assert sorted(jit.files) == sorted(aot.files)
        kernels_run = {name.split("/")[0] for name in jit.files}
        assert {"lif", "expm", "rates"} <= kernels_run and len(kernels_run) >= 7
        for name in jit.files:
            np.testing.assert_array_equal(aot[name], jit[name], err_msg=name)


def _source_with(kernels: str, frozen: bool = False) -> subprocess.CompletedProcess:
    code = "from neurolab.core import compiled; print(compiled.SOURCE)"
    if frozen:  # as in the packaged app (PyInstaller sets sys.frozen)
        code = "import sys; sys.frozen = True; " + code
    env = dict(os.environ, NEUROLAB_KERNELS=kernels)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_kernel_source_setting_is_obeyed_and_a_wrong_one_explained():
    # No ahead-of-time module is on this test run's path.
    assert _source_with("jit").stdout.split() == ["jit"]
    assert _source_with("").stdout.split() == ["jit"]
    wrong = _source_with("fastest")
    assert wrong.returncode == 0 and wrong.stdout.split() == ["jit"]
    assert "NEUROLAB_KERNELS='fastest' ignored: here it can be jit, aot" in wrong.stderr
    missing = _source_with("aot")
    assert missing.returncode != 0
    assert "ImportError: the compiled kernels could not be loaded: " in missing.stderr
    assert "neurolab_kernels_" in missing.stderr  # each module tried, and why not


def test_the_packaged_app_never_falls_back_to_the_jit():
    # It has no numba: without its modules it must say so, not fail on "import numba".
    for kernels in ("", "jit"):
        r = _source_with(kernels, frozen=True)
        assert r.returncode != 0
        assert "the compiled kernels could not be loaded: neurolab_kernels_" in r.stderr
        assert "numba" not in r.stderr.replace("neurolab_kernels", "")
    assert "'jit' ignored: here it can be aot" in _source_with("jit", frozen=True).stderr


def test_the_best_build_is_chosen_as_the_cpu_flags_say():
    # numpy's CPU detection (what compiled uses) against the kernel's own flag list.
    cpuinfo = Path("/proc/cpuinfo")
    if compiled.machine() != "x86_64" or not cpuinfo.exists():
        pytest.fail("this test reads x86-64 Linux CPU flags; run it on such a machine")
    line = next(x for x in cpuinfo.read_text().splitlines() if x.startswith("flags"))
    flags = set(line.split(":", 1)[1].split())
    v3 = {"cx16", "lahf_lm", "popcnt", "pni", "ssse3", "sse4_1", "sse4_2"} | {
        "avx",
        "avx2",
        "bmi1",
        "bmi2",
        "f16c",
        "fma",
        "abm",
        "movbe",
        "xsave",
    }
    assert compiled._has_x86_64_v3() == (v3 <= flags)
    assert compiled._usable_targets() == (["x86_64_v3", "x86_64"] if v3 <= flags else ["x86_64"])
