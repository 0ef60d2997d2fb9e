"""The Network tab: rate layers and their weights, a spiking network live, and
universal approximation by sigmoid pieces."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from neurolab.gui.tabs.base import ViewsTab
from neurolab.gui.tabs.network_approx import ApproximationView
from neurolab.gui.tabs.network_rate import RateNetworkView
from neurolab.gui.tabs.network_spiking import SpikingNetworkView


class NetworkTab(ViewsTab):
    title = "Network"

    def __init__(self, parent: QWidget | None = None) -> None:
        self.rate = RateNetworkView()
        self.spiking = SpikingNetworkView()
        self.approx = ApproximationView()
        super().__init__(
            [
                (self.rate, "Rate network", "network_rate"),
                (self.spiking, "Spiking network", "network_spiking"),
                (self.approx, "Universal approximation", "network_approximation"),
            ],
            runnable=self.spiking,
            parent=parent,
        )
