"""The Synapse tab's sections in an experiment file, and its computation without a display."""

from __future__ import annotations

from neurolab.core.experiment import Custom, one_of

SCHEMA = {"view": Custom(one_of("todo"), "todo")}


def compute(state):
    raise NotImplementedError("issue 7: the Synapse tab's headless computation is being written")
