"""Ready settings for the Training tab: overfitting and each of its remedies (notes §11).

"Overfitting" is a big network on a small, noisy training set: the training loss
falls towards zero while the validation loss turns up.  Each remedy changes one
thing from it, so its curves can be compared with a kept ghost of the first.
Measured with the core (seed 0, 300 epochs): the validation − training loss gap is
2.69 plain; 0.50 with weight decay 0.01; 0.96 with dropout 0.5; 0.69 with input
jitter 0.2; 0.50 with 400 points instead of 60.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neurolab.core.training import Architecture


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str
    dataset: str
    data: dict[str, Any]
    arch: Architecture
    train: dict[str, Any]
    augment: dict[str, Any] = field(default_factory=dict)


_DATA = {"n": 60, "noise": 0.35, "seed": 0, "val_fraction": 0.4, "test_fraction": 0.0}
_ARCH = Architecture((64, 64), "relu", "softmax", "ce")
_TRAIN = {
    "lr": 0.05,
    "momentum": 0.9,
    "batch_size": 16,
    "epochs": 300,
    "seed": 0,
    "weight_decay": 0.0,
    "l1": 0.0,
    "dropout": 0.0,
}

LESSONS: dict[str, Lesson] = {
    lesson.title: lesson
    for lesson in (
        Lesson(
            "Overfitting",
            "A 64-64 network on 36 noisy points: watch the training loss fall towards 0 "
            "while the validation loss turns up. Press “Keep this run”, then try a remedy.",
            "moons",
            _DATA,
            _ARCH,
            _TRAIN,
        ),
        Lesson(
            "Remedy: weight decay",
            "The same, with L2 weight decay λ = 0.01: large weights cost, the boundary "
            "smooths and the gap between the curves narrows.",
            "moons",
            _DATA,
            _ARCH,
            {**_TRAIN, "weight_decay": 0.01},
        ),
        Lesson(
            "Remedy: dropout",
            "The same, with dropout p = 0.5 on the hidden units while training.",
            "moons",
            _DATA,
            _ARCH,
            {**_TRAIN, "dropout": 0.5},
        ),
        Lesson(
            "Remedy: augmentation",
            "The same, with each training input jittered by noise of std 0.2 every batch.",
            "moons",
            _DATA,
            _ARCH,
            _TRAIN,
            {"jitter": 0.2},
        ),
        Lesson(
            "Remedy: more data",
            "The same network and training with 400 points instead of 60.",
            "moons",
            {**_DATA, "n": 400},
            _ARCH,
            _TRAIN,
        ),
    )
}
