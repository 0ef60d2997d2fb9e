"""WeightHeatmap: block-mean downsampling, layout, hover readout and the cell editor."""

import numpy as np
import pytest
import scipy.sparse as sp
from PySide6.QtCore import Qt

from neurolab.gui.widgets.weight_heatmap import WeightHeatmap, downsample


def direct_block_means(W: np.ndarray, rs: int, cs: int) -> np.ndarray:
    """Block means by slicing every block of a dense matrix (the obvious way)."""
    n_r, n_c = W.shape
    out = np.empty((-(-n_r // rs), -(-n_c // cs)))
    for a in range(out.shape[0]):
        for b in range(out.shape[1]):
            out[a, b] = W[a * rs : (a + 1) * rs, b * cs : (b + 1) * cs].mean()
    return out


def random_sparse(n: int, density: float, seed: int) -> sp.csr_matrix:
    """An n × n CSR matrix with about density·n² normal entries (quicker than sp.random)."""
    rng = np.random.default_rng(seed)
    nnz = int(density * n * n)
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, n, nnz)
    return sp.csr_matrix((rng.normal(size=nnz), (rows, cols)), shape=(n, n))


@pytest.fixture(scope="module")
def big_sparse():
    # 10 000 × 10 000 at 1 % density: a million entries, 800 MB if densified.
    return random_sparse(10_000, 0.01, seed=5)


@pytest.fixture
def heatmap(qtbot):
    w = WeightHeatmap("test", editable=True, limit=10.0)
    qtbot.addWidget(w)
    w.resize(500, 450)
    w.show()
    qtbot.waitExposed(w)
    return w


# -- downsample() ------------------------------------------------------------------------------


def test_downsample_dense_equals_direct_block_means():
    W = np.random.default_rng(1).normal(size=(1003, 517))  # sizes not multiples of the step
    blocks, rs, cs = downsample(W, 100)
    assert (rs, cs) == (11, 6)
    assert blocks.shape == (92, 87) and max(blocks.shape) <= 100
    np.testing.assert_allclose(blocks, direct_block_means(W, rs, cs), rtol=1e-12, atol=1e-14)


def test_small_matrix_is_not_downsampled():
    W = np.arange(12.0).reshape(3, 4)
    blocks, rs, cs = downsample(W, 200)
    assert (rs, cs) == (1, 1)
    np.testing.assert_array_equal(blocks, W)
    blocks, rs, cs = downsample(sp.csr_matrix(W), 200)
    assert (rs, cs) == (1, 1)
    np.testing.assert_array_equal(blocks, W)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_downsample_sparse_equals_dense_block_means(fmt):
    W = sp.random(1000, 1000, density=0.01, format=fmt, random_state=3) - 0.5 * sp.random(
        1000, 1000, density=0.01, format=fmt, random_state=4
    )
    blocks, rs, cs = downsample(W, 200)
    assert (rs, cs) == (5, 5) and blocks.shape == (200, 200)
    dense = W.toarray()
    np.testing.assert_allclose(blocks, direct_block_means(dense, rs, cs), atol=1e-15)
    np.testing.assert_allclose(blocks, downsample(dense, 200)[0], atol=1e-15)


def test_downsample_large_sparse_never_densifies(monkeypatch, big_sparse):
    W = big_sparse

    def refuse(*_a, **_k):
        raise AssertionError("the sparse matrix was densified")

    for cls in (sp.csr_matrix, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)
    blocks, rs, cs = downsample(W, 200)
    assert (rs, cs) == (50, 50) and blocks.shape == (200, 200)
    # Every entry lands in exactly one block: the block sums add up to the matrix sum.
    assert blocks.sum() * rs * cs == pytest.approx(W.sum(), rel=1e-10)
    # Spot-check two blocks against the entries read from the sparse matrix itself.
    for a, b in ((0, 0), (137, 64)):
        sub = W[a * 50 : (a + 1) * 50, b * 50 : (b + 1) * 50]
        assert blocks[a, b] == pytest.approx(sub.sum() / 2500, abs=1e-15)


def test_downsample_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        downsample(np.zeros(5), 10)
    with pytest.raises(ValueError, match="max_cells"):
        downsample(np.zeros((5, 5)), 0)
    with pytest.raises(ValueError, match="empty"):
        downsample(np.zeros((0, 5)), 10)


# -- display ---------------------------------------------------------------------------------


def test_matrix_layout_rows_from_top_columns_left_to_right(heatmap):
    W = np.arange(12.0).reshape(3, 4) - 5
    heatmap.set_matrix(W, row_label="from", col_label="to")
    np.testing.assert_array_equal(heatmap.displayed(), W)
    np.testing.assert_array_equal(heatmap.image.image, W)  # drawn as given, row-major
    p00, p01, p10 = heatmap.cell_point(0, 0), heatmap.cell_point(0, 1), heatmap.cell_point(1, 0)
    assert p01.x() > p00.x() and p01.y() == p00.y()  # columns run left to right
    assert p10.y() > p00.y() and p10.x() == p00.x()  # row 0 at the top
    # Symmetric colour scale, so 0 is white.
    assert heatmap.levels() == (-6.0, 6.0)
    assert heatmap.plot.getAxis("left").labelText == "from"
    assert heatmap.plot.getAxis("top").labelText == "to"
    # Small matrices print their numbers in the cells.
    assert [t.textItem.toPlainText() for t in heatmap._texts[:3]] == ["-5.00", "-4.00", "-3.00"]
    assert "3 × 4" in heatmap.title_label.text()
    assert "block means" not in heatmap.title_label.text()


def test_hover_shows_the_value_under_the_mouse(heatmap, qtbot):
    W = np.arange(12.0).reshape(3, 4) / 4
    heatmap.set_matrix(W)
    qtbot.mouseMove(heatmap.view.viewport(), heatmap.cell_point(2, 1))
    qtbot.waitUntil(lambda: "W[2, 1]" in heatmap.hover_label.text(), timeout=1000)
    assert heatmap.hover_label.text() == "W[2, 1] = 2.25"


def test_large_sparse_matrix_is_shown_as_block_means(qtbot, big_sparse):
    w = WeightHeatmap("spiking network")
    qtbot.addWidget(w)
    W = big_sparse
    w.set_matrix(W)
    assert w.downsampled and w.steps == (50, 50)
    assert "(block means of 50×50)" in w.title_label.text()
    assert w.displayed().shape == (200, 200)
    assert w.image.image.shape == (200, 200)
    assert w._texts == []  # no numbers on 40 000 cells
    assert w.hover_text(3, 7).startswith("mean of W[150…199, 350…399] = ")
    assert w.matrix() is not W and w.matrix().nnz == W.nnz
    # Pointing shows the exact entry under the pointer and its block's mean.
    w.resize(600, 600)
    w.show()
    qtbot.waitExposed(w)
    qtbot.mouseMove(w.view.viewport(), w.cell_point(120, 40))
    qtbot.waitUntil(lambda: "block" in w.hover_label.text(), timeout=1000)
    text = w.hover_label.text()
    r, c = (int(v) for v in text[2 : text.index("]")].split(", "))
    assert r // 50 == 120 and c // 50 == 40
    assert text.startswith(f"W[{r}, {c}] = {W[r, c]:.4g}")
    assert f"block = {w.displayed()[120, 40]:.4g}" in text


def test_click_a_cell_and_type_a_value(heatmap, qtbot):
    W = np.zeros((4, 5))
    heatmap.set_matrix(W)
    qtbot.mouseClick(
        heatmap.view.viewport(), Qt.MouseButton.LeftButton, pos=heatmap.cell_point(2, 3)
    )
    assert heatmap.editing == (2, 3) and heatmap.editor.isVisible()
    heatmap.editor.selectAll()
    with qtbot.waitSignal(heatmap.edited, timeout=1000) as sig:
        qtbot.keyClicks(heatmap.editor, "-2.5")
        qtbot.keyClick(heatmap.editor, Qt.Key.Key_Return)
    assert sig.args == [2, 3, -2.5]
    expected = W.copy()
    expected[2, 3] = -2.5
    np.testing.assert_array_equal(heatmap.matrix(), expected)
    np.testing.assert_array_equal(heatmap.image.image, expected)  # the display follows
    assert heatmap.levels() == (-2.5, 2.5)
    assert not heatmap.editor.isVisible() and heatmap.editing is None
    np.testing.assert_array_equal(W, 0.0)  # the caller's array is not modified


@pytest.mark.parametrize("text", ["abc", "11", "-1e3", "nan", ""])
def test_bad_values_are_refused_and_nothing_changes(heatmap, qtbot, text):
    W = np.ones((3, 3))
    heatmap.set_matrix(W)
    assert heatmap.edit_cell(1, 1)
    heatmap.editor.selectAll()
    qtbot.keyClick(heatmap.editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(heatmap.editor, text)
    assert heatmap.editor.text() == text
    edits = []
    heatmap.edited.connect(lambda *a: edits.append(a))
    with qtbot.waitSignal(heatmap.refused, timeout=1000) as sig:
        qtbot.keyClick(heatmap.editor, Qt.Key.Key_Return)
    assert "W[1, 1]" in sig.args[0] and "-10" in sig.args[0] and "10" in sig.args[0]
    assert heatmap.message.isVisibleTo(heatmap)
    assert edits == []
    np.testing.assert_array_equal(heatmap.matrix(), W)
    assert heatmap.editor.isVisible()  # still open to correct the value
    qtbot.keyClick(heatmap.editor, Qt.Key.Key_Escape)
    assert not heatmap.editor.isVisible()
    np.testing.assert_array_equal(heatmap.matrix(), W)


def test_named_rows_and_editing_limits(qtbot):
    w = WeightHeatmap("aug", editable=True)
    qtbot.addWidget(w)
    w.set_matrix(np.ones((3, 2)), row_names={2: "bias"})
    ticks = w.plot.getAxis("left")._tickLevels[0]
    assert ticks[-1] == (2, "bias")
    assert w.hover_text(2, 1) == "bias[1] = 1"
    assert w.hover_text(0, 1) == "W[0, 1] = 1"

    # Read-only widgets and downsampled matrices refuse to open the editor.
    ro = WeightHeatmap("read-only")
    qtbot.addWidget(ro)
    ro.set_matrix(np.ones((2, 2)))
    with qtbot.waitSignal(ro.refused, timeout=1000) as sig:
        assert not ro.edit_cell(0, 0)
    assert "read-only" in sig.args[0]
    w.set_matrix(np.ones((500, 500)))
    with qtbot.waitSignal(w.refused, timeout=1000) as sig:
        assert not w.edit_cell(0, 0)
    assert "block" in sig.args[0] and not w.editor.isVisible()


def test_small_sparse_matrix_can_be_edited_and_stays_sparse(heatmap, qtbot):
    W = sp.csr_matrix(np.diag([1.0, 2.0, 3.0]))
    heatmap.set_matrix(W)
    heatmap.edit_cell(0, 2)
    heatmap.editor.setText("4")
    with qtbot.waitSignal(heatmap.edited, timeout=1000):
        qtbot.keyClick(heatmap.editor, Qt.Key.Key_Return)
    out = heatmap.matrix()
    assert sp.issparse(out) and out.format == "csr"
    np.testing.assert_array_equal(out.toarray(), [[1, 0, 4], [0, 2, 0], [0, 0, 3]])


def _label_gaps(w: WeightHeatmap, side: str) -> tuple[list[int], float]:
    """Tick positions on an axis and the pixels between neighbouring ticks."""
    ticks = [j for j, _ in w.plot.getAxis(side)._tickLevels[0]]
    n = w.shape[1] if side == "top" else w.shape[0]
    size = w.plot.vb.width() if side == "top" else w.plot.vb.height()
    step = min(b - a for a, b in zip(ticks, ticks[1:], strict=False)) if len(ticks) > 1 else n
    return ticks, step * size / n


@pytest.mark.parametrize("width", [260, 330, 900])
def test_column_indices_never_run_together(qtbot, width):
    from PySide6.QtGui import QFontMetrics

    w = WeightHeatmap("W1", editable=True)
    qtbot.addWidget(w)
    w.set_matrix(np.random.default_rng(0).normal(size=(16, 16)))
    w.resize(width, 600)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(20)
    ticks, gap = _label_gaps(w, "top")
    assert gap >= QFontMetrics(w.font()).horizontalAdvance("15") + 4
    if width >= 900:
        assert ticks == list(range(16))  # room for all, the last one included
    assert not w.plot.getAxis("top").style["hideOverlappingLabels"]


def test_clear_shows_an_empty_map_with_a_message(qtbot):
    w = WeightHeatmap("Weights W[j, i]")
    qtbot.addWidget(w)
    w.clear("built when the run starts")
    w.show()
    qtbot.waitExposed(w)
    assert w.empty and w.shape == (0, 0)
    assert "built when the run starts" in w.title_label.text()
    assert w.empty_text.isVisible() and w.empty_text.toPlainText() == "built when the run starts"
    assert w.image.image is None and w._texts == []  # no placeholder "0.00" cell
    assert w.plot.getAxis("top")._tickLevels[0] == []
    assert not w.edit_cell(0, 0)
    w.set_matrix(np.eye(2))
    assert not w.empty and not w.empty_text.isVisible() and w.shape == (2, 2)
