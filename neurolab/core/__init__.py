"""The science floor of NeuroLab: numpy/scipy only, never Qt.

Streaming protocol shared by every long simulation (``stream`` functions):
a generator yields *chunks* — small dataclasses of fresh arrays covering the
next ~20–50 ms of compute — forever or until its end time.  Between chunks the
caller may ``gen.send(updates)`` where ``updates`` is a dict such as
``{"params": new_params, "stimulus": new_stimulus}``; the generator applies it
before computing the next chunk, and ``send`` returns that chunk.  Plain
``next(gen)`` means "no changes".
"""
