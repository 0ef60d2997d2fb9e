"""Many small images as one: hidden-unit maps, misclassified digits.

Dozens of separate ViewBoxes cost a frame each repaint (measured: the Training
tab's gallery of 24 boxes made the GUI thread take the GIL from training for
over a quarter of the time).  A mosaic is one image in one fixed view, plus a
caption per tile that is only re-laid out when its text changes.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

GAP = 1  # pixels of background between tiles


def tile(
    images: list[np.ndarray], cols: int, gap: int = GAP, top: int = 0, fill: float = np.nan
) -> np.ndarray:
    """Equal-shaped 2-D images in a grid, row by row: ``gap`` pixels of ``fill`` between
    columns, ``top`` extra rows of it above each row of tiles (room for captions)."""
    if not images:
        return np.full((1, 1), fill)
    h, w = images[0].shape
    rows = math.ceil(len(images) / cols)
    ph, pw = top + h + gap, w + gap
    out = np.full((rows * ph - gap, cols * pw - gap), fill, dtype=float)
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        out[r * ph + top : r * ph + top + h, c * pw : c * pw + w] = img
    return out


def normalise(img: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] by the image's own range (a constant image becomes 0.5)."""
    lo, hi = float(np.min(img)), float(np.max(img))
    return np.full_like(img, 0.5, dtype=float) if hi <= lo else (img - lo) / (hi - lo)


class Mosaic:
    """A grid of tiles drawn in one ImageItem inside ``layout`` (a GraphicsLayout)."""

    def __init__(
        self,
        layout: pg.GraphicsLayout,
        n: int,
        shape: tuple[int, int],
        cols: int,
        cmap: str,
        title: str = "",
        captions: bool = False,
        reverse: bool = False,
        background: float = 0.0,
    ) -> None:
        self.background = background  # the value drawn between tiles
        self.n, self.shape, self.cols = n, shape, max(1, cols)
        if title:
            layout.addLabel(title, row=0, col=0)
        self.vb = layout.addViewBox(row=1, col=0, lockAspect=True, enableMouse=False)
        self.vb.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        lut = pg.colormap.get(cmap).getLookupTable(nPts=256)
        self.image.setLookupTable(lut[::-1] if reverse else lut)
        self.vb.addItem(self.image)
        rows = math.ceil(n / self.cols)
        h, w = shape
        self.top = max(2, round(h * 0.6)) if captions else 0
        self.captions: list[pg.TextItem] = []
        for k in range(n if captions else 0):
            r, c = divmod(k, self.cols)
            t = pg.TextItem("", color="k", anchor=(0.5, 1.0))
            t.setPos(c * (w + GAP) + w / 2, r * (self.top + h + GAP) + self.top)
            self.vb.addItem(t)
            self.captions.append(t)
        width, height = self.cols * (w + GAP) - GAP, rows * (self.top + h + GAP) - GAP
        self.vb.setRange(xRange=(0, width), yRange=(0, height), padding=0.02)
        self.vb.disableAutoRange()

    def set_tiles(self, images: list[np.ndarray], captions: list[str] | None = None) -> None:
        """Show up to ``n`` images (values in [0, 1]); NaN pixels are background."""
        mosaic = tile(list(images[: self.n]), self.cols, top=self.top)
        mosaic = np.nan_to_num(mosaic, nan=self.background)
        self.image.setImage(mosaic, autoLevels=False, levels=(0.0, 1.0))
        for k, item in enumerate(self.captions):
            text = captions[k] if captions is not None and k < len(captions) else ""
            if item.toPlainText() != text:
                item.setText(text)
