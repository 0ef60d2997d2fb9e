"""Autodiff engine speed: NeuroLab against micrograd, PyTorch and scikit-learn.

1. A tiny, scalar-heavy graph: a 2-16-16-1 tanh MLP on 100 points, MSE loss,
   forward + backward, repeated.  Timed in NeuroLab as array ops (the way the
   lab trains), in NeuroLab as a graph of scalars (the same ~64 000-node graph
   micrograd builds: per-op overhead), in micrograd (with its garbage
   collector on, as shipped, and off: its graphs are reference cycles) and in
   PyTorch (CPU, array ops).
2. One SGD step of the SPEC W4 network: 64-100-10 ReLU MLP, softmax +
   cross-entropy, batch 32, momentum 0.9: forward + backward + update, in
   NeuroLab (float64 and float32) and PyTorch.
3. SPEC W4 in full (8×8 digits, 80/20 split, 50 epochs): NeuroLab's loop
   against scikit-learn's ``MLPClassifier`` with the same settings.

Peers are used when importable (``.venv-bench``; see benchmarks/README.md).
Implementations alternate inside one process and medians are printed with
ratios (timings on these machines vary ±20 % run to run).

    python benchmarks/bench_autodiff.py [--repeat N] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from neurolab.core import autodiff as ad  # noqa: E402
from neurolab.core.autodiff import Var  # noqa: E402
from neurolab.core.losses import loss_value, mse  # noqa: E402
from neurolab.core.nn import MLP  # noqa: E402
from neurolab.core.optim import SGD  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None
try:
    from micrograd.engine import Value as MGValue
except ImportError:  # pragma: no cover
    MGValue = None
try:
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
except ImportError:  # pragma: no cover
    MLPClassifier = None


def timeit(fn, reps):
    """Seconds per call (fn is called ``reps`` times after one warm-up call)."""
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def alternate(cases, rounds):
    """Run each (name, fn, reps) in turn, ``rounds`` times; return name -> median s/call."""
    times = {name: [] for name, _, _ in cases}
    for _ in range(rounds):
        for name, fn, reps in cases:
            gc.collect()
            times[name].append(timeit(fn, reps))
    return {k: statistics.median(v) for k, v in times.items()}


def report(title, med, ref):
    print(f"\n{title}")
    print(f"  {'implementation':<34} {'time/call':>12} {'× ' + ref:>16}")
    for name, t in med.items():
        unit = f"{t * 1e3:9.3f} ms" if t >= 1e-3 else f"{t * 1e6:9.1f} µs"
        print(f"  {name:<34} {unit:>12} {t / med[ref]:>15.2f}×")


# ---- 1. the tiny scalar-heavy graph


def make_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 2))
    t = np.sign(np.sin(3 * x[:, :1]) * x[:, 1:]) * 0.8  # (n, 1) in {−0.8, 0.8}
    return x, t


def init_weights(seed=1):
    rng = np.random.default_rng(seed)
    sizes = [2, 16, 16, 1]
    return [
        (rng.uniform(-1, 1, (a, b)) / math.sqrt(a), np.zeros(b))
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def neurolab_array_case(x, t, weights):
    net = MLP([2, 16, 16, 1], "tanh", output_activation="linear")
    for layer, (w, b) in zip(net.layers, weights, strict=True):
        layer.W.val[...] = w
        layer.b.val[...] = b

    def step():
        net.zero_grad()
        loss = mse(net(x), t)
        loss.backward()
        return loss

    return step, net


def neurolab_scalar_case(x, t, weights):
    params = [
        ([[Var(float(w[i, j])) for i in range(w.shape[0])] for j in range(w.shape[1])],
         [Var(float(bj)) for bj in b])
        for w, b in weights
    ]  # fmt: skip
    xs = x.tolist()
    ts = t[:, 0].tolist()
    flat = [v for ws, bs in params for row in ws for v in row] + [v for _, bs in params for v in bs]

    def forward():
        total = None
        for xi, ti in zip(xs, ts, strict=True):
            h = xi
            for k, (ws, bs) in enumerate(params):
                out = []
                for row, bj in zip(ws, bs, strict=True):
                    acc = bj
                    for wij, hi in zip(row, h, strict=True):
                        acc = acc + wij * hi
                    out.append(ad.tanh(acc) if k < len(params) - 1 else acc)
                h = out
            d = h[0] - ti
            e = d * d
            total = e if total is None else total + e
        return total * (0.5 / len(xs))

    def step():
        for v in flat:
            v.grad = None
        loss = forward()
        loss.backward()
        return loss

    return step, flat


def micrograd_case(x, t, weights):
    def tanh(v):
        y = math.tanh(v.data)
        out = MGValue(y, (v,), "tanh")

        def _backward():
            v.grad += (1 - y * y) * out.grad

        out._backward = _backward
        return out

    params = [
        ([[MGValue(float(w[i, j])) for i in range(w.shape[0])] for j in range(w.shape[1])],
         [MGValue(float(bj)) for bj in b])
        for w, b in weights
    ]  # fmt: skip
    flat = [v for ws, bs in params for row in ws for v in row] + [v for _, bs in params for v in bs]
    xs = x.tolist()
    ts = t[:, 0].tolist()

    def forward():
        total = MGValue(0.0)
        for xi, ti in zip(xs, ts, strict=True):
            h = xi
            for k, (ws, bs) in enumerate(params):
                out = []
                for row, bj in zip(ws, bs, strict=True):
                    acc = bj
                    for wij, hi in zip(row, h, strict=True):
                        acc = acc + wij * hi
                    out.append(tanh(acc) if k < len(params) - 1 else acc)
                h = out
            d = h[0] + (-ti)
            total = total + d * d
        return total * (0.5 / len(xs))

    def step():
        for v in flat:
            v.grad = 0
        loss = forward()
        loss.backward()
        return loss

    return step, flat


def torch_tiny_case(x, t, weights):
    torch.manual_seed(0)
    lin = [torch.nn.Linear(w.shape[0], w.shape[1]).double() for w, _ in weights]
    with torch.no_grad():
        for layer, (w, b) in zip(lin, weights, strict=True):
            layer.weight.copy_(torch.from_numpy(w.T))
            layer.bias.copy_(torch.from_numpy(b))
    net = torch.nn.Sequential(lin[0], torch.nn.Tanh(), lin[1], torch.nn.Tanh(), lin[2])
    xt = torch.from_numpy(x)
    tt = torch.from_numpy(t)

    def step():
        net.zero_grad()
        loss = 0.5 * ((net(xt) - tt) ** 2).sum() / xt.shape[0]
        loss.backward()
        return loss

    return step, net


def check_tiny_agree(x, t, weights):
    """All implementations compute the same loss and the same gradient of W0[0, 0]."""
    step, net = neurolab_array_case(x, t, weights)
    loss = float(step().val)
    g00 = float(net.layers[0].W.grad[0, 0])
    out = [("NeuroLab arrays", loss, g00)]
    s_step, flat = neurolab_scalar_case(x, t, weights)
    out.append(("NeuroLab scalars", float(s_step().val), float(flat[0].grad)))
    if MGValue is not None:
        m_step, mflat = micrograd_case(x, t, weights)
        out.append(("micrograd", m_step().data, mflat[0].grad))
    if torch is not None:
        t_step, tnet = torch_tiny_case(x, t, weights)
        out.append(("PyTorch", float(t_step().detach()), float(tnet[0].weight.grad[0, 0])))
    for name, lv, gv in out:
        assert abs(lv - loss) < 1e-9 * max(1, abs(loss)), (name, lv, loss)
        assert abs(gv - g00) < 1e-9 * max(1, abs(g00)), (name, gv, g00)
    print(f"  all agree: loss {loss:.12f}, ∂E/∂W0[0,0] {g00:.12f}")


def bench_tiny(rounds, quick):
    x, t = make_data()
    weights = init_weights()
    print("\n[1] 2-16-16-1 tanh MLP on 100 points, MSE, forward + backward")
    check_tiny_agree(x, t, weights)
    arr_step, _ = neurolab_array_case(x, t, weights)
    sc_step, _ = neurolab_scalar_case(x, t, weights)
    cases = [
        ("NeuroLab (array ops)", arr_step, 200 if quick else 2000),
        ("NeuroLab (scalar graph)", sc_step, 1 if quick else 3),
        ("NeuroLab (scalar graph, gc off)", _without_collect(sc_step), 1 if quick else 3),
    ]
    if torch is not None:
        tstep, _ = torch_tiny_case(x, t, weights)
        cases.append(("PyTorch (array ops)", tstep, 200 if quick else 2000))
    else:
        print("  PyTorch not importable: skipped")
    if MGValue is not None:
        mstep, _ = micrograd_case(x, t, weights)
        cases.append(("micrograd (gc on)", mstep, 1 if quick else 3))

        cases.append(
            ("micrograd (gc off, cycles kept)", _without_collect(mstep), 1 if quick else 3)
        )
    else:
        print("  micrograd not importable: skipped (pip install micrograd)")
    med = alternate(cases, rounds)
    if MGValue is not None:
        nodes = _count_nodes_micrograd(x, t, weights)
        print(f"  scalar graph size: {nodes} nodes per forward pass")
    report("  median time per forward + backward:", med, "NeuroLab (array ops)")
    if "micrograd (gc on)" in med:
        for mode in ("gc on", "gc off"):
            nl = "NeuroLab (scalar graph" + (", gc off)" if mode == "gc off" else ")")
            mg = "micrograd (gc on)" if mode == "gc on" else "micrograd (gc off, cycles kept)"
            print(
                f"  scalar graph, {mode}: micrograd / NeuroLab = {med[mg] / med[nl]:.2f} "
                "(> 1: NeuroLab faster)"
            )


def _without_collect(step):
    """``step`` with the cyclic garbage collector off; the cycles it leaves are
    collected between cases, untimed (see :func:`alternate`)."""

    def run():
        was = gc.isenabled()
        gc.disable()
        try:
            step()
        finally:
            if was:
                gc.enable()

    return run


def _count_nodes_micrograd(x, t, weights):
    step, _ = neurolab_scalar_case(x, t, weights)
    loss = step()
    return len(ad._toposort(loss))


# ---- 2. one W4 SGD step


def w4_batch(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((32, 64)), rng.integers(0, 10, 32)


def neurolab_w4_step(dtype):
    x, y = w4_batch()
    net = MLP([64, 100, 10], "relu", output_activation="softmax", seed=0, dtype=dtype)
    opt = SGD(net.parameters(), lr=0.1, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = loss_value(net, x, y, "ce")
        loss.backward()
        opt.step()

    return step


def torch_w4_step(dtype):
    x, y = w4_batch()
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    ).to(dtype)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    xt = torch.from_numpy(x).to(dtype)
    yt = torch.from_numpy(y)
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = lossf(net(xt), yt)
        loss.backward()
        opt.step()

    return step


def bench_w4_step(rounds, quick):
    print("\n[2] W4 step: 64-100-10 ReLU MLP, batch 32, softmax + CE, SGD momentum 0.9")
    reps = 300 if quick else 3000
    cases = [
        ("NeuroLab float64", neurolab_w4_step(np.float64), reps),
        ("NeuroLab float32", neurolab_w4_step(np.float32), reps),
    ]
    if torch is not None:
        cases += [
            ("PyTorch float32", torch_w4_step(torch.float32), reps),
            ("PyTorch float64", torch_w4_step(torch.float64), reps),
        ]
    med = alternate(cases, rounds)
    report("  median time per step (forward + backward + update):", med, "NeuroLab float64")
    print(f"  2 250 steps (W4: 50 epochs × 45 batches) ≈ {med['NeuroLab float64'] * 2250:.3f} s")


# ---- 3. W4 in full against scikit-learn


def w4_data():
    digits = load_digits()
    x = digits.data / 16.0
    y = digits.target
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(x))
    n_train = int(round(0.8 * len(x)))
    tr, te = perm[:n_train], perm[n_train:]
    return x[tr], y[tr], x[te], y[te]


def neurolab_w4_fit(xtr, ytr, epochs=50, seed=0):
    net = MLP([64, 100, 10], "relu", output_activation="softmax", seed=seed)
    opt = SGD(net.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(seed)
    n = len(xtr)
    net.train()
    for _ in range(epochs):
        perm = rng.permutation(n)
        for s in range(0, n, 32):
            idx = perm[s : s + 32]
            opt.zero_grad()
            loss_value(net, xtr[idx], ytr[idx], "ce").backward()
            opt.step()
    return net


def sklearn_w4_fit(xtr, ytr, epochs=50, seed=0):
    clf = MLPClassifier(
        hidden_layer_sizes=(100,),
        activation="relu",
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.9,
        nesterovs_momentum=False,
        batch_size=32,
        alpha=0.0,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        shuffle=True,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(xtr, ytr)
    return clf


def bench_w4_full(rounds, quick):
    if MLPClassifier is None:
        print("\n[3] W4 against scikit-learn: sklearn not importable, skipped")
        return
    print(
        f"\n[3] W4 in full: digits 80/20 ({'5' if quick else '50'} epochs, batch 32, lr 0.1, β 0.9)"
    )
    xtr, ytr, xte, yte = w4_data()
    epochs = 5 if quick else 50
    acc = {}

    def nl():
        net = neurolab_w4_fit(xtr, ytr, epochs)
        acc["NeuroLab"] = float(np.mean(net.predict(xte).argmax(axis=1) == yte))

    def sk():
        clf = sklearn_w4_fit(xtr, ytr, epochs)
        acc["scikit-learn MLPClassifier"] = float(np.mean(clf.predict(xte) == yte))

    med = alternate([("NeuroLab", nl, 1), ("scikit-learn MLPClassifier", sk, 1)], rounds)
    report("  median time for the whole training run:", med, "NeuroLab")
    for k, v in acc.items():
        print(f"  test accuracy {k}: {v:.3f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="alternating rounds (median)")
    ap.add_argument("--quick", action="store_true", help="few repetitions (a smoke run)")
    args = ap.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}", end="")
    if torch is not None:
        print(f", torch {torch.__version__}", end="")
    if MLPClassifier is not None:
        import sklearn

        print(f", scikit-learn {sklearn.__version__}", end="")
    print(f", micrograd {'yes' if MGValue is not None else 'no'}")
    if torch is not None:
        # With 2 intra-op threads on these 2-core machines PyTorch's steps sometimes took
        # 30-70 ms instead of ~0.3 ms (thread contention); numpy runs these sizes on 1 thread.
        torch.set_num_threads(1)
        print("PyTorch set to 1 thread (as numpy for these sizes)")
    print(
        f"live Python objects (the garbage collector's work grows with them): "
        f"{len(gc.get_objects())}"
    )
    if torch is None:
        print("PyTorch not importable: its rows are skipped (pip install torch into .venv-bench)")
    bench_tiny(args.repeat, args.quick)
    bench_w4_step(args.repeat, args.quick)
    bench_w4_full(args.repeat, args.quick)


if __name__ == "__main__":
    main()
