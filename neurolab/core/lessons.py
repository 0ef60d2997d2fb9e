"""The lessons shipped with NeuroLab: experiment files with a lesson block.

They live in ``neurolab/resources/lessons/`` as ``NN-slug.neurolab.json`` (package
data, so an installed or bundled NeuroLab has them); the number orders them as
the course does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from neurolab.core.experiment import SUFFIX


@dataclass(frozen=True)
class LessonFile:
    path: Path
    title: str


def folder() -> Path:
    return Path(str(resources.files("neurolab.resources") / "lessons"))


def shipped() -> list[LessonFile]:
    """Every shipped lesson in course order, with its title (the file name's if the
    file cannot be read: opening it then says what is wrong)."""
    out = []
    for path in sorted(folder().glob(f"*{SUFFIX}")):
        try:
            title = json.loads(path.read_text(encoding="utf-8"))["lesson"]["title"]
        except (OSError, ValueError, KeyError, TypeError):
            title = path.name.removesuffix(SUFFIX)
        out.append(LessonFile(path, str(title)))
    return out
