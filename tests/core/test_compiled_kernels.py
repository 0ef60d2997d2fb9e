"""The kernels compiled ahead of time (the packaged app's) against numba's JIT (a dev install's).

``neurolab.core.compiled`` gives every kernel module its numba decorators; the packaged
app ships ``packaging/build_kernels.py``'s extension modules instead of numba and llvmlite.
"""

from __future__ import annotations

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
    entry = compiled.EntryPoint(lambda *a: None, "f8(f8[:, ::1], i8, f8)", {})
    call = compiled._checked(lambda *a: calls.append(a) or 1.0, entry)
    good = np.zeros((2, 3))
    assert call(good, 3, 0.5) == 1.0 and len(calls) == 1
    wrong = [
        ((np.zeros((2, 3), dtype=np.float32), 3, 0.5), "float32"),
        ((np.zeros((3, 2)).T, 3, 0.5), "C-contiguous"),
        ((np.zeros(6), 3, 0.5), "1-d"),
        ((good.tolist(), 3, 0.5), "list"),
        ((good, 3.0, 0.5), "integer"),
        ((good, 3), "3 arguments"),
    ]
    for args, said in wrong:
        with pytest.raises(TypeError, match=said):
            call(*args)
    assert len(calls) == 1


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


def _source_with(kernels: str) -> subprocess.CompletedProcess:
    code = "from neurolab.core import compiled; print(compiled.SOURCE)"
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
    assert "NEUROLAB_KERNELS='fastest' ignored: it must be jit, aot or one of" in wrong.stderr
    missing = _source_with("aot")
    assert missing.returncode != 0
    assert "NEUROLAB_KERNELS=aot, but no neurolab_kernels_* module" in missing.stderr
