"""W4 (SPEC §6): the 8×8 digits, 64-100-10 ReLU MLP, softmax + cross-entropy,
batch 32, lr 0.1, momentum 0.9, 50 epochs — NeuroLab against PyTorch (CPU) and
scikit-learn's MLPClassifier.

Every framework trains the same network on the same 80/20 split
(``neurolab.core.datasets.load("digits", seed=0)``) with plain SGD + momentum
(v ← βv + ∇E, w ← w − ηv; PyTorch's SGD is exactly that, scikit-learn's with
``nesterovs_momentum=False`` is the equivalent v ← βv − η∇E form), no weight
decay, mini-batches reshuffled every epoch.  Initialisations and shuffles are
each framework's own, so accuracies differ by a few test images.  Like the
peers, "NeuroLab" tracks the training loss as the mean of the epoch's batch
losses; "NeuroLab + train eval" also evaluates the whole training set in
evaluation mode after every epoch, as the Training tab's live plots do.

Frameworks alternate in one process, ``--repeat`` times (≥ 3), medians compared.
Run: ``python benchmarks/bench_w4.py`` (``make bench`` does it in .venv-bench).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np

from neurolab.core import datasets
from neurolab.core.training import Architecture, Trainer, TrainParams

EPOCHS, BATCH, LR, MOMENTUM, HIDDEN = 50, 32, 0.1, 0.9, 100


def neurolab_w4(data, seed: int, evaluate_train: bool = False) -> float:
    tr = Trainer(
        data,
        Architecture((HIDDEN,), "relu", "softmax", "ce"),
        TrainParams(lr=LR, momentum=MOMENTUM, batch_size=BATCH, epochs=EPOCHS, seed=seed),
    )
    tr.evaluate_train = evaluate_train
    tr.fit()
    return tr.evaluate("test")[1]


def neurolab_w4_eval(data, seed: int) -> float:
    return neurolab_w4(data, seed, evaluate_train=True)


def torch_w4(data, seed: int) -> float:
    import torch

    torch.manual_seed(seed)
    x = torch.tensor(data.x_train, dtype=torch.float32)
    t = torch.tensor(data.t_train, dtype=torch.int64)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    for _ in range(EPOCHS):
        perm = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), t[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        pred = model(torch.tensor(data.x_test, dtype=torch.float32)).argmax(1).numpy()
    return float(np.mean(pred == data.t_test))


def sklearn_w4(data, seed: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="sgd",
        learning_rate_init=LR,
        momentum=MOMENTUM,
        nesterovs_momentum=False,
        batch_size=BATCH,
        max_iter=EPOCHS,
        alpha=0.0,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 50 epochs is the workload
        clf.fit(data.x_train, data.t_train)
    return float(clf.score(data.x_test, data.t_test))


def _available(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = datasets.load("digits", seed=0)
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}; "
        f"{platform.machine()}, {os.cpu_count()} cores"
    )
    print(
        f"W4: digits {data.sizes[0]} train / {data.sizes[2]} test, 64-{HIDDEN}-10 ReLU, "
        f"softmax + CE, batch {BATCH}, lr {LR}, momentum {MOMENTUM}, {EPOCHS} epochs"
    )
    peers = {"NeuroLab": neurolab_w4, "NeuroLab + train eval": neurolab_w4_eval}
    if _available("torch"):
        import torch

        # One thread, as NeuroLab's trainer keeps BLAS: with two, PyTorch's small
        # matmuls sometimes took 30–70 ms a step here (contention on 2 cores).
        torch.set_num_threads(1)
        peers[f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"] = torch_w4
    else:
        print("  PyTorch not installed: skipped")
    if _available("sklearn"):
        import sklearn

        peers[f"scikit-learn {sklearn.__version__}"] = sklearn_w4
    else:
        print("  scikit-learn not installed: skipped")
    times: dict[str, list[float]] = {k: [] for k in peers}
    accs: dict[str, list[float]] = {k: [] for k in peers}
    for fn in peers.values():  # one untimed run each: imports, caches, allocators
        fn(data, 0)
    for r in range(max(3, args.repeat)):
        for name, fn in peers.items():
            t0 = time.perf_counter()
            acc = fn(data, r)
            times[name].append(time.perf_counter() - t0)
            accs[name].append(acc)
    ours = statistics.median(times["NeuroLab"])
    print("\nTraining time (median), test accuracy (mean over repeats, one seed each):")
    for name in peers:
        med = statistics.median(times[name])
        ratio = "" if name == "NeuroLab" else f"   NeuroLab/peer = {ours / med:.2f}"
        runs = ", ".join(f"{x:.2f}" for x in times[name])
        print(f"  {name:34s} {med:6.2f} s   accuracy {np.mean(accs[name]):.4f}{ratio}   [{runs}]")


if __name__ == "__main__":
    main()
