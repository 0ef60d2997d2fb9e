"""The Synapse tab: filters and filtered spike trains, and one neuron driving another."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from neurolab.core.synapse import simulate_chain
from neurolab.gui.tabs.base import ViewsTab
from neurolab.gui.tabs.synapse_chain import ChainView
from neurolab.gui.tabs.synapse_filter import FilterView


class SynapseTab(ViewsTab):
    title = "Synapse"

    def __init__(self, parent: QWidget | None = None) -> None:
        self.filter = FilterView()
        self.chain = ChainView()
        super().__init__(
            [
                (self.filter, "Filters and spike trains", "synapse_filter"),
                (self.chain, "Two neurons", "synapse_chain"),
            ],
            runnable=self.chain,
            parent=parent,
        )

    def smoke_test(self) -> None:
        self.filter.regenerate()
        if not np.isfinite(self.filter.s).all():
            raise RuntimeError("the filtered spike train is not finite")
        run = simulate_chain(self.chain.source(), 200.0, self.chain.chain(), dt=0.1)
        if len(run.pre_spikes) == 0:
            raise RuntimeError("the presynaptic neuron did not fire in the smoke run")
