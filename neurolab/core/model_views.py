"""What a network has learned, as arrays to draw: decision surfaces, hidden-unit maps,
fitted curves, confusion matrices and misclassified examples.

The Training tab's worker computes these between training steps, so the GUI
thread only draws; they are plain numpy and equally usable in a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurolab.core import autodiff as ad
from neurolab.core.nn import MLP, activate

MAX_HIDDEN_MAPS = 48  # hidden units drawn as small maps; more would be unreadable
MAX_MISCLASSIFIED = 24


@dataclass
class ModelView:
    """One picture of the model.  Which fields are set depends on the data:

    * 2-D classification: ``grid_x``, ``grid_y`` (axes of the plane), ``surface``
      (n_y, n_x) predicted class, ``confidence`` (n_y, n_x) probability of that
      class, and ``hidden`` (units, n_y, n_x) hidden activations.
    * 1-D regression: ``curve_x``, ``curve_y`` (outputs over the x range).
    * Classification with more inputs (digits): ``confusion`` (K, K) counts, rows
      the true class; ``wrong`` indices into the evaluated split with ``wrong_pred``.
    """

    grid_x: np.ndarray | None = None
    grid_y: np.ndarray | None = None
    surface: np.ndarray | None = None
    confidence: np.ndarray | None = None
    hidden: np.ndarray | None = None
    hidden_names: list[str] = field(default_factory=list)
    curve_x: np.ndarray | None = None
    curve_y: np.ndarray | None = None
    confusion: np.ndarray | None = None
    wrong: np.ndarray | None = None
    wrong_pred: np.ndarray | None = None
    split: str = "test"


def forward_all(model: MLP, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's activation for ``x`` in evaluation mode, the output last."""
    was = model.training
    model.eval()
    try:
        with ad.no_grad():
            h = ad.as_var(np.asarray(x, dtype=model.dtype))
            out = []
            for layer in model.layers:
                h = activate(layer.activation, layer.preactivation(h))
                out.append(np.asarray(h.val))
            return out
    finally:
        if was:
            model.train()


def plane(bounds: tuple[float, float, float, float], n: int = 80):
    """(xs, ys, points): an n×n grid over (x0, x1, y0, y1); points row-major in y."""
    x0, x1, y0, y1 = bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def data_bounds(x: np.ndarray, margin: float = 0.15) -> tuple[float, float, float, float]:
    """A box around 2-D points with a margin (fraction of the span)."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = (hi - lo) * margin + 1e-9
    return (
        float(lo[0] - pad[0]),
        float(hi[0] + pad[0]),
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    )


def _classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(class, probability of it) from outputs: one logistic unit or several."""
    if y.shape[1] == 1:
        p1 = y[:, 0]
        cls = (p1 > 0.5).astype(np.int64)
        return cls, np.where(cls == 1, p1, 1.0 - p1)
    cls = np.argmax(y, axis=1)
    return cls, y[np.arange(y.shape[0]), cls]


def view_2d(model: MLP, bounds, n: int = 80) -> ModelView:
    xs, ys, pts = plane(bounds, n)
    acts = forward_all(model, pts)
    cls, conf = _classes(acts[-1])
    hidden, names = [], []
    for li, a in enumerate(acts[:-1]):
        for u in range(a.shape[1]):
            if len(hidden) < MAX_HIDDEN_MAPS:
                hidden.append(a[:, u].reshape(n, n))
                names.append(f"layer {li + 1} unit {u}")
    return ModelView(
        grid_x=xs,
        grid_y=ys,
        surface=cls.reshape(n, n),
        confidence=conf.reshape(n, n),
        hidden=np.array(hidden) if hidden else np.empty((0, n, n)),
        hidden_names=names,
    )


def view_1d(model: MLP, x_range: tuple[float, float], n: int = 200) -> ModelView:
    xs = np.linspace(x_range[0], x_range[1], n)
    y = forward_all(model, xs[:, None])[-1]
    return ModelView(curve_x=xs, curve_y=y[:, 0])


def view_classes(model: MLP, x: np.ndarray, labels: np.ndarray, k: int, split: str) -> ModelView:
    pred, _ = _classes(forward_all(model, x)[-1])
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    wrong = np.flatnonzero(pred != labels)[:MAX_MISCLASSIFIED]
    return ModelView(confusion=confusion, wrong=wrong, wrong_pred=pred[wrong], split=split)
