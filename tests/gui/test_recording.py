"""The one-shot recorder keeps every r-th sample, whatever the chunking."""

import numpy as np

from neurolab.gui.widgets.recording import Recording


def test_thinning_is_independent_of_chunk_boundaries():
    t = np.arange(1000) * 0.1
    rec = Recording(len(t), ["y"], max_samples=300)
    assert rec.every == 4
    for start in range(0, 1000, 37):
        sl = slice(start, start + 37)
        rec.append(t[sl], {"y": np.sin(t[sl])}, spikes=t[sl][:1])
    out = rec.arrays()
    np.testing.assert_array_equal(out["t"], t[::4])
    np.testing.assert_array_equal(out["y"], np.sin(t[::4]))
    np.testing.assert_array_equal(out["spike_times"], t[::37])


def test_short_runs_are_kept_whole():
    t = np.arange(50.0)
    rec = Recording(50, ["y"])
    rec.append(t[:20], {"y": t[:20]})
    rec.append(t[20:], {"y": t[20:]})
    np.testing.assert_array_equal(rec.arrays()["y"], t)
    assert list(rec.arrays())[0] == "t"
