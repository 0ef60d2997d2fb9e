"""Tiles of the mosaic land where they should, with background between."""

import numpy as np

from neurolab.gui.widgets.mosaic import normalise, tile


def test_tiles_are_placed_row_by_row_with_gaps_and_caption_room():
    imgs = [np.full((2, 3), k, dtype=float) for k in range(5)]
    out = tile(imgs, cols=2, gap=1, top=1)
    assert out.shape == (3 * 4 - 1, 2 * 4 - 1)
    for k in range(5):
        r, c = divmod(k, 2)
        block = out[r * 4 + 1 : r * 4 + 3, c * 4 : c * 4 + 3]
        np.testing.assert_array_equal(block, k)
    assert np.isnan(out[0]).all()  # caption room above the first row
    assert np.isnan(out[:, 3]).all()  # the gap between the columns
    assert np.isnan(out[9:, 4:]).all()  # no sixth tile


def test_normalise():
    np.testing.assert_allclose(normalise(np.array([[2.0, 4.0], [3.0, 2.0]])), [[0, 1], [0.5, 0]])
    np.testing.assert_array_equal(normalise(np.ones((2, 2))), 0.5)
