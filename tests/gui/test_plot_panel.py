"""The plot panel's exports look like the screen and hold the full data."""

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from neurolab.core import export
from neurolab.gui.widgets.plot_panel import PlotPanel


@pytest.fixture
def panel(qtbot):
    p = PlotPanel("demo")
    qtbot.addWidget(p)
    plot = p.add_plot("t", "ms", "v", "mV")
    curve = PlotPanel.add_curve(plot, "v", 0)
    x = np.arange(100_000) * 0.01
    curve.setData(x, np.sin(x / 10))
    p.resize(800, 500)
    p.show()
    qtbot.waitExposed(p)
    return p


def _ink(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_Grayscale8)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return a[:, : img.width()] < 200


def _grow(mask: np.ndarray, r: int = 2) -> np.ndarray:
    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


def test_svg_draws_where_the_screen_draws(panel, tmp_path):
    svg = tmp_path / "p.svg"
    panel.export(svg)
    screen = panel.view.grab().toImage()
    rendered = QImage(screen.size(), QImage.Format.Format_ARGB32)
    rendered.fill(0xFFFFFFFF)
    painter = QPainter(rendered)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    a, b = _ink(screen), _ink(rendered)
    # Nearly every inked SVG pixel is inked on screen too. With Qt's default
    # 72 dpi the axes and grid shrank to 75 % while the curve did not: ~0.7.
    precision = (b & _grow(a)).sum() / b.sum()
    assert precision > 0.95


def test_png_export_loads_at_the_requested_scale(panel, tmp_path):
    png = tmp_path / "p.png"
    panel.export(png, scale=2.0)
    img = QImage(str(png))
    assert img.width() == 2 * panel.view.width()


def test_csv_holds_the_full_data_not_the_displayed_subsample(panel, tmp_path):
    csv = tmp_path / "p.csv"
    panel.metadata = lambda: {"tau": 20.0, "network": {"seed": 7}}
    panel.export(csv)
    cols, meta = export.read_csv(csv)
    x = np.arange(100_000) * 0.01
    np.testing.assert_array_equal(cols["v | t (ms)"], x)
    np.testing.assert_array_equal(cols["v | v (mV)"], np.sin(x / 10))
    assert meta["params"] == {"tau": 20.0, "network": {"seed": 7}}
    assert meta["seeds"] == {"network.seed": 7} and meta["version"] and meta["created"]


def test_export_to_a_missing_folder_names_the_folder(panel, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        panel.export(tmp_path / "missing" / "p.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["png", "svg", "csv"])
def test_every_export_announces_the_file_written(panel, tmp_path, qtbot, fmt):
    path = tmp_path / f"p.{fmt}"
    with qtbot.waitSignal(panel.exported, timeout=2000) as sig:
        panel.export(path)
    assert sig.args == [str(path)] and path.exists()


def test_index_ticks_thin_out_until_labels_fit():
    from neurolab.gui.widgets.plot_panel import index_ticks

    assert [j for j, _ in index_ticks(16, 2000)] == list(range(16))  # room for every index
    narrow = index_ticks(16, 160)  # 10 px per index: "15" needs more
    assert [j for j, _ in narrow] in ([0, 2, 4, 6, 8, 10, 12, 14], [0, 5, 10, 15])
    assert [j for j, _ in index_ticks(20_000, 200)][:3] == [0, 5000, 10000]
    assert index_ticks(0, 100) == []
