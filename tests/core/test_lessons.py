"""Every shipped lesson loads, says what to do, and its experiment runs headless."""

import numpy as np
import pytest

from neurolab.core import experiment, lessons, tabstate

TOPICS = [
    "hh",
    "lif",
    "psc",
    "two-neurons",
    "spiking-network",
    "universal-approximation",
    "gradient-descent",
    "momentum",
    "overfitting",
    "autodiff",
]

SHIPPED = lessons.shipped()


def test_there_is_a_lesson_for_every_topic_of_the_course():
    names = " ".join(item.path.name for item in SHIPPED)
    assert len(SHIPPED) >= len(TOPICS)
    for topic in TOPICS:
        assert topic in names, f"no lesson file about {topic}"


@pytest.mark.parametrize("item", SHIPPED, ids=[i.path.name for i in SHIPPED])
def test_a_lesson_loads_and_runs_headless(item):
    exp = experiment.load(item.path, tabstate.SCHEMA)
    lesson = exp.lesson
    assert lesson is not None and lesson.title == item.title
    text = lesson.text.lower()
    assert "predict" in text and "try" in text, "what to predict and what to try next"
    assert lesson.lock or lesson.hide, "a lesson settles at least one control"
    out = tabstate.compute(exp)
    assert out.arrays, "the lesson's view computes something"
    for name, values in out.arrays.items():
        values = np.asarray(values)
        if values.dtype.kind == "f" and values.size:  # an empty train is a result too
            assert np.isfinite(values).any(), f"{name} is all NaN/inf"
