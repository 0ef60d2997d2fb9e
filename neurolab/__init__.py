"""NeuroLab: a desktop laboratory for neurons and neural networks."""

__version__ = "0.1.0"
