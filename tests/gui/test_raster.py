"""The raster buffers against direct histograms of the same spikes."""

import numpy as np
import pytest

from neurolab.gui.widgets.raster import RasterImage, ScrollingTrace


def _histogram(times, idx, t_start, bin_ms, n_bins, per_row, n_rows):
    edges_t = t_start + np.arange(n_bins + 1) * bin_ms
    edges_r = np.arange(n_rows + 1)
    h, _, _ = np.histogram2d(times, idx // per_row, bins=(edges_t, edges_r))
    return h


@pytest.mark.parametrize("n, max_rows", [(50, 1000), (2500, 1000)])
def test_image_equals_histogram_of_the_window(n, max_rows):
    rng = np.random.default_rng(1)
    raster = RasterImage(n, window=100.0, n_bins=200, max_rows=max_rows)
    t_end, all_t, all_i = 0.0, [], []
    for _ in range(37):  # 7.3 ms chunks: the screen wraps several times
        t0, t_end = t_end, t_end + 7.3
        k = rng.poisson(40)
        t = np.sort(rng.uniform(t0, t_end, k))
        i = rng.integers(0, n, k)
        raster.add(t, i, t_end)
        all_t.append(t)
        all_i.append(i)
    t, i = np.concatenate(all_t), np.concatenate(all_i)
    assert raster.per_row == int(np.ceil(n / max_rows))
    assert raster.t_start == pytest.approx(np.ceil(t_end / 0.5) * 0.5 - 100.0)
    expected = _histogram(
        t, i, raster.t_start, raster.bin_ms, raster.n_bins, raster.per_row, raster.n_rows
    )
    np.testing.assert_array_equal(raster.image(), expected)
    centres, rate = raster.rate()
    # 37 × 7.3 ms ends inside a 0.5 ms bin: that bin, still filling, is left out.
    np.testing.assert_allclose(rate, expected.sum(axis=1)[:-1] * 1000.0 / (n * 0.5))
    assert centres[0] == pytest.approx(raster.t_start + 0.25) and len(centres) == 199
    raster.add(np.empty(0), np.empty(0, int), np.ceil(t_end / 0.5) * 0.5)  # bin complete
    assert len(raster.rate()[0]) == 200


def test_a_long_gap_clears_the_screen_and_rows_map_to_neurons():
    raster = RasterImage(3000, window=50.0, n_bins=100, max_rows=1000)
    raster.add(np.array([1.0, 2.0]), np.array([0, 2999]), 5.0)
    assert raster.image().sum() == 2
    raster.add(np.empty(0), np.empty(0, int), 500.0)
    assert raster.image().sum() == 0
    assert raster.neuron_at_row(0.4) == 0
    assert raster.neuron_at_row(999.9) == 2997
    assert raster.neuron_at_row(5000) == 2997


def test_scrolling_trace_keeps_the_last_span_in_order():
    tr = ScrollingTrace(10.0, ("v",))
    for k in range(5):
        t = np.arange(k * 4.0, k * 4.0 + 4.0, 0.5)
        tr.append(t, {"v": t * 2})
    assert tr.t[-1] == 19.5
    assert tr.t[0] == pytest.approx(9.5)
    np.testing.assert_array_equal(tr.data["v"], tr.t * 2)
    tr.clear()
    assert tr.t.size == 0 and tr.data["v"].size == 0


def test_no_negative_times_before_a_whole_window_has_run():
    raster = RasterImage(10, window=100.0, n_bins=200)
    assert raster.view_range() == (0.0, 100.0)  # before the run: the first window
    raster.add(np.array([1.0, 30.0]), np.array([0, 3]), 42.0)
    assert raster.view_range() == (0.0, 100.0)
    t, rate = raster.rate()
    assert t.min() > 0.0 and t.max() < 42.0  # no samples before t = 0, none still filling
    assert t[0] == pytest.approx(0.25) and rate[2] == pytest.approx(1000.0 / (10 * 0.5))
    assert t.size == 84  # 42 ms in 0.5 ms bins, all complete
    assert rate.sum() * 10 * 0.5 / 1000.0 == pytest.approx(2)
    raster.add(np.empty(0), np.empty(0, int), 250.0)  # now scrolling: the last 100 ms
    assert raster.view_range() == pytest.approx((150.0, 250.0))
    t, _ = raster.rate()
    assert t.size == 200 and t[0] == pytest.approx(150.25)
