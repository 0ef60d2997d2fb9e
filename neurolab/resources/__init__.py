"""Data files shipped inside the package (read with :mod:`importlib.resources`).

See ``README.md`` in this folder for where each file came from.
"""
