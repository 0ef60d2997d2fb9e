"""Gradient descent, momentum and gradient flow on 2-D loss surfaces (SPEC §5, notes §12.2).

The top plot shows a surface E(θ₁, θ₂) as a heat map (log-spaced colours for
the bowl and Rosenbrock, linear for the two wells) with contour lines, its
minima, and three trajectories from a start point the student sets by
clicking: plain gradient descent θ ← θ − η∇E (a marker per step), momentum
v ← βv + ∇E, θ ← θ − ηv, and the gradient-flow curve dθ/dt = −∇E (τ = 1,
Euler steps small enough to follow the curve).  The bottom plot shows
E − E_min against the step k on a log axis; the flow is drawn at k = t/η, the
step at which plain descent with step η would reach time t if it followed the
flow.

The defaults show the oscillation momentum damps: on the bowl with κ = 20,
η = 0.095 (≈ 2/(1 + κ), the best constant step for plain descent) makes θ₂
flip sign every step, shrinking only by |1 − ηκ| = 0.9, while momentum
β = 0.5 damps it by √β ≈ 0.71 per step and reaches the minimum in 22 steps
instead of 75.

Everything is recomputed on the GUI thread on each change: descent costs
about 5 µs a step; the flow (up to :data:`~neurolab.core.surfaces.MAX_FLOW_STEPS`
Euler steps, ≈ 0.1 s on Rosenbrock) is cached and recomputed only when the
surface, the start or T changes.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from neurolab.core.params import Choice, ParamSet
from neurolab.core.surfaces import (
    DESCENT_METHODS,
    SURFACES,
    DescentParams,
    Surface,
    Trajectory,
    contour_segments,
    descent_arrays,
    descent_parameters,
    make_surface,
    run_descent,
    steps_to_tolerance,
)
from neurolab.gui.widgets.common import banner_label, control_column
from neurolab.gui.widgets.param_panel import ParamPanel
from neurolab.gui.widgets.plot_panel import PALETTE, PlotPanel

GRID_POINTS = 201  # per axis, for the heat map and the contours
VIEW_PADDING = 0.03  # the map extends this fraction of the view beyond it on every side
N_CONTOURS = 14
E_FLOOR = 1e-12  # E − E_min below this is drawn at this value on the log axis
METHODS = DESCENT_METHODS
NAMES = {"gd": "gradient descent", "momentum": "momentum", "flow": "gradient flow"}
SHORT = {"gd": "descent", "momentum": "momentum", "flow": "flow"}
COLORS = {"gd": PALETTE[1], "momentum": PALETTE[0], "flow": PALETTE[2]}
Z_ORDER = {"momentum": 1, "gd": 2, "flow": 3}
#: Surface chooser entry → registry key.
TITLES = {cls.title: key for key, cls in SURFACES.items()}
#: Heat map colours, low E → high E: light, so the contours and trajectories stand out.
HEAT = pg.ColorMap([0.0, 0.5, 1.0], [(255, 255, 255), (222, 230, 240), (160, 178, 200)])


class SurfaceChoice(ParamSet):
    surface = Choice(
        SURFACES["bowl"].title,
        tuple(TITLES),
        "The loss surface E(θ₁, θ₂); choosing one also sets its suggested start, η, β, steps and T",
        label="surface",
    )


def _fmt_point(t) -> str:
    return f"({t[0]:.3g}, {t[1]:.3g})"


class DescentView(QWidget):
    """Contours of a 2-D loss surface with descent, momentum and flow trajectories.

    Signals
    -------
    status(str)
        What was applied (start moved, surface switched) and refusals, for the
        status bar.

    Attributes
    ----------
    plot : PlotPanel
        The contour plot (``p_surface``) above E − E_min against step (``p_energy``).
    surface : Surface
        The surface shown.
    trajectories : dict[str, Trajectory]
        ``"gd"``, ``"momentum"``, ``"flow"``.
    """

    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = "bowl"
        self.surface: Surface = make_surface(self._key)
        self._start = np.array(self.surface.start, dtype=float)
        self._flow_cache: tuple | None = None
        self.trajectories: dict[str, Trajectory] = {}
        self.flow_dt = 0.0
        self.flow_t_stop = 0.0

        controls = QVBoxLayout()
        self.choice = ParamPanel(SurfaceChoice(), "Surface")
        self.choice.changed.connect(lambda p: self._switch_surface(TITLES[p.surface]))
        self.formula = QLabel()
        self.formula.setObjectName("formula")
        self.formula.setWordWrap(True)
        self.choice.layout().insertWidget(1, self.formula)
        self.choice.reset_button.hide()  # "reset" of a chooser alone means nothing here
        controls.addWidget(self.choice)
        self.surface_panels: dict[str, ParamPanel] = {}
        self._surface_box = QWidget()  # the panels of every surface (one shown)
        box_layout = QVBoxLayout(self._surface_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        for key, cls in SURFACES.items():
            panel = ParamPanel(cls.Params(), f"{cls.title}: parameters")
            panel.changed.connect(lambda _, k=key: self._surface_params_changed(k))
            panel.setVisible(key == self._key)
            box_layout.addWidget(panel)
            self.surface_panels[key] = panel
        controls.addWidget(self._surface_box)
        self.descent = ParamPanel(self._suggested_descent(self._key), "Descent")
        self.descent.changed.connect(lambda _: self.recompute())
        # "Reset" means the shown surface's suggested settings, not the bowl's.
        self.descent.reset_button.clicked.disconnect()
        self.descent.reset_button.clicked.connect(self.reset_descent)
        self.descent.reset_button.setToolTip(
            "Restore η, β, steps and T suggested for this surface (and the tolerance)"
        )
        controls.addWidget(self.descent)
        for panel in (self.choice, self.descent, *self.surface_panels.values()):
            panel.refused.connect(lambda t: self.status.emit(f"Refused: {t}"))
        self._show_box = self._build_show_box()
        self._start_box = self._build_start_box()
        controls.addWidget(self._show_box)
        controls.addWidget(self._start_box)

        # The divergence banner, the readout table and a note on the flow.
        self.banner = banner_label()
        controls.addWidget(self.banner)
        self.readout = QLabel()
        self.readout.setObjectName("readouts")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        controls.addWidget(self.readout)
        self.note = QLabel()
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        controls.addWidget(self.note)
        controls.addStretch(1)
        scroll = control_column(controls, max_width=400, min_width=390)

        self._build_plots()
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.plot, 1)
        self._surface_changed(reset_view=True)

    # -- building -------------------------------------------------------------------------
    def _build_show_box(self) -> QGroupBox:
        box = QGroupBox("Show")
        bl = QHBoxLayout(box)
        self.show_boxes: dict[str, QCheckBox] = {}
        tips = {
            "gd": "Plain gradient descent θ ← θ − η∇E, a marker per step",
            "momentum": "Momentum: v ← βv + ∇E, θ ← θ − ηv, a marker per step",
            "flow": "The gradient-flow curve dθ/dt = −∇E (the limit of small η)",
        }
        for m in METHODS:
            cb = QCheckBox(SHORT[m])
            cb.setObjectName(f"show_{m}")
            cb.setChecked(True)
            cb.setToolTip(tips[m])
            cb.setStyleSheet(f"QCheckBox {{ color: {COLORS[m]}; font-weight: bold; }}")
            cb.toggled.connect(lambda _: self._draw())
            bl.addWidget(cb)
            self.show_boxes[m] = cb
        return box

    def _build_start_box(self) -> QGroupBox:
        box = QGroupBox("Start point θ₀")
        bl = QHBoxLayout(box)
        self.start_label = QLabel()
        self.start_label.setObjectName("start")
        self.start_label.setWordWrap(True)
        bl.addWidget(self.start_label, 1)
        self.reset_start_button = QPushButton("Reset start")
        self.reset_start_button.setToolTip("Move the start back to this surface's default")
        self.reset_start_button.clicked.connect(self.reset_start)
        bl.addWidget(self.reset_start_button)
        return box

    def _build_plots(self) -> None:
        self.plot = PlotPanel("Gradient descent on a loss surface")
        p = self.p_surface = self.plot.add_plot("θ₁", "", "θ₂", "", title="")
        p.showGrid(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        p.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=HEAT, interactive=False, width=12)
        self.colorbar.setImageItem(self.image, insert_in=p)
        self.contours = pg.PlotDataItem([], [], pen=pg.mkPen((90, 90, 90), width=1))
        self.contours.setZValue(-10)
        p.addItem(self.contours)
        self.traj_items: dict[str, pg.PlotDataItem] = {}
        for m in METHODS:
            c = COLORS[m]
            if m == "flow":
                item = p.plot([], [], name=NAMES[m], pen=pg.mkPen(c, width=2.5))
            else:
                item = p.plot(
                    [],
                    [],
                    name=NAMES[m],
                    pen=pg.mkPen(c, width=1.5),
                    symbol="o",
                    symbolSize=6,
                    symbolPen=None,
                    symbolBrush=c,
                )
            # The flow (a line without markers) on top; plain descent over momentum.
            item.setZValue(Z_ORDER[m])
            self.traj_items[m] = item
        self.start_item = p.plot(
            [],
            [],
            name="start θ₀ (click to move)",
            pen=None,
            symbol="o",
            symbolSize=14,
            symbolPen=pg.mkPen("k", width=2),
            symbolBrush=(255, 255, 255, 0),
        )
        self.global_item = p.plot(
            [],
            [],
            name="global minimum",
            pen=None,
            symbol="star",
            symbolSize=20,
            symbolPen=pg.mkPen("k", width=1.5),
            symbolBrush=PALETTE[7],
        )
        self.local_item = p.plot(
            [],
            [],
            name="local minimum",
            pen=None,
            symbol="d",
            symbolSize=14,
            symbolPen=pg.mkPen("k", width=1.5),
            symbolBrush="w",
        )
        self.start_item.setZValue(10)
        self.global_item.setZValue(10)
        self.local_item.setZValue(10)

        q = self.p_energy = self.plot.add_plot(
            "step k", "", "E − E_min", "", title="E − E_min against step", legend=False
        )
        q.setLogMode(x=False, y=True)
        q.setLabel("left", f"E − E_min (≥ {E_FLOOR:g})")
        self.energy_items: dict[str, pg.PlotDataItem] = {}
        for m in METHODS:
            c = COLORS[m]
            if m == "flow":
                item = q.plot([], [], name="gradient flow (at k = t/η)", pen=pg.mkPen(c, width=2))
            else:
                item = q.plot(
                    [],
                    [],
                    name=NAMES[m],
                    pen=pg.mkPen(c, width=1.5),
                    symbol="o",
                    symbolSize=3,
                    symbolPen=None,
                    symbolBrush=c,
                )
            item.setZValue(Z_ORDER[m])
            self.energy_items[m] = item
        # The legend is the coloured title (see _draw): a legend box would hide the curves.
        layout = self.plot.view.ci.layout
        layout.setRowStretchFactor(0, 3)
        layout.setRowStretchFactor(1, 1)
        self.plot.view.scene().sigMouseClicked.connect(self._clicked)
        self.plot.metadata = self.parameters

    # -- surface ----------------------------------------------------------------------------
    def _switch_surface(self, key: str) -> None:
        if key == self._key:
            return
        self._key = key
        for k, panel in self.surface_panels.items():
            panel.setVisible(k == key)
        cls = SURFACES[key]
        self.descent.set_values(self._suggested_descent(key, self.descent.values()), emit=False)
        self._start = np.array(cls.start, dtype=float)
        self._surface_changed(reset_view=True)
        self.status.emit(
            f"Descent: {cls.title} — start, η, β, steps and T set to its suggested values"
        )

    @staticmethod
    def _suggested_descent(key: str, current: ParamSet | None = None) -> DescentParams:
        s = SURFACES[key].suggested
        base = current if current is not None else DescentParams()
        return base.copy(
            lr=s["lr"], momentum=s["momentum"], steps=s["steps"], flow_time=s["flow_time"]
        )

    def reset_descent(self) -> None:
        """The descent settings suggested for the surface shown, tolerance at its default."""
        self.descent.message.hide()
        self.descent.set_values(self._suggested_descent(self._key))

    def _surface_params_changed(self, key: str) -> None:
        if key == self._key:
            self._surface_changed(reset_view=False)

    def _surface_changed(self, reset_view: bool) -> None:
        """Rebuild the surface from the controls, redraw its map, then the trajectories."""
        self.surface = make_surface(self._key, self.surface_panels[self._key].values())
        s = self.surface
        minima = s.minima()
        self.formula.setText(
            s.formula
            + "".join(
                f"<br/>{m.kind} minimum at {_fmt_point(m.theta)}, E = {m.value:.3g}" for m in minima
            )
        )
        x, y, e = s.grid(GRID_POINTS, margin=VIEW_PADDING)
        e_min = s.global_minimum.value
        levels = s.contour_levels(N_CONTOURS, e)
        if s.contour_scale == "log":
            floor = (levels[0] - e_min) / 3
            img = np.log10(np.maximum(e - e_min, floor))
            lo, hi = math.log10(floor), math.log10(levels[-1] - e_min)
            self.colorbar.setLevels((lo, hi))
            self.colorbar.axis.setLabel("E − E_min (log scale)")
            ticks = [(float(k), f"{10.0**k:g}") for k in range(math.ceil(lo), math.floor(hi) + 1)]
            self.colorbar.axis.setTicks([ticks, []])
            scale_text = "log-spaced"
        else:
            img = e
            self.colorbar.setLevels((e_min, float(levels[-1])))
            self.colorbar.axis.setLabel("E")
            self.colorbar.axis.setTicks(None)
            scale_text = "equally spaced"
        self.image.setImage(img, autoLevels=False)
        self.image.setLevels(self.colorbar.levels())
        dx, dy = x[1] - x[0], y[1] - y[0]
        self.image.setRect(
            QRectF(x[0] - dx / 2, y[0] - dy / 2, x[-1] - x[0] + dx, y[-1] - y[0] + dy)
        )
        xs, ys = [], []
        for level in levels:
            cx, cy = contour_segments(x, y, e, level)
            xs.append(cx)
            ys.append(cy)
        self.contours.setData(np.concatenate(xs), np.concatenate(ys), connect="pairs")
        self.levels = levels
        self.contour_text = scale_text
        g = [m.theta for m in minima if m.kind == "global"]
        loc = [m.theta for m in minima if m.kind == "local"]
        self.global_item.setData([t[0] for t in g], [t[1] for t in g])
        self.local_item.setData([t[0] for t in loc], [t[1] for t in loc])
        legend = self.p_surface.legend
        if loc and legend.getLabel(self.local_item) is None:
            legend.addItem(self.local_item, "local minimum")
        elif not loc:
            legend.removeItem(self.local_item)
        if reset_view:
            (x0, x1), (y0, y1) = s.view
            self.p_surface.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=VIEW_PADDING)
        self.recompute()

    # -- start point ------------------------------------------------------------------------
    def start_point(self) -> np.ndarray:
        """The start θ₀ = (θ₁, θ₂) of all three trajectories (a copy)."""
        return self._start.copy()

    def set_start(self, theta) -> None:
        """Move the start to ``theta`` and recompute."""
        t = np.asarray(theta, dtype=float).ravel()
        if t.shape != (2,) or not np.isfinite(t).all():
            raise ValueError(f"a start point is two finite numbers, got {theta!r}")
        self._start = t.copy()
        self.recompute()
        self.status.emit(f"Descent: start θ₀ = {_fmt_point(t)}")

    def reset_start(self) -> None:
        """Move the start back to the surface's default."""
        self.set_start(self.surface.start)

    def plot_point(self, theta) -> QPoint:
        """Where θ = (θ₁, θ₂) is drawn, in the plot view's widget (viewport) coordinates."""
        scene = self.p_surface.vb.mapViewToScene(QPointF(float(theta[0]), float(theta[1])))
        return self.plot.view.mapFromScene(scene)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        pos = event.scenePos()
        vb = self.p_surface.vb
        if not vb.sceneBoundingRect().contains(pos):
            return
        if self.p_surface.legend.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        event.accept()
        self.set_start((p.x(), p.y()))

    # -- computation ------------------------------------------------------------------------
    def recompute(self) -> None:
        """Recompute the three trajectories from the controls and redraw."""
        s = self.surface
        d = self.descent.values()
        start = self._start
        key = (
            self._key,
            tuple(self.surface.params.as_dict().items()),
            tuple(start),
            d.flow_time,
        )
        cached = self._flow_cache[1:] if self._flow_cache and self._flow_cache[0] == key else None
        self.trajectories, self.flow_dt = run_descent(s, start, d, cached)
        self._flow_cache = (key, self.trajectories["flow"], self.flow_dt)
        self.flow_t_stop = float(self.trajectories["flow"].t[-1])
        self._draw()

    def readouts(self) -> dict[str, dict]:
        """Per method: final E, distance of the last point to the global minimum, the
        step (for the flow: the time) from which it stays within the tolerance (None
        if it does not end there), the kind of minimum it ends nearest, and after how
        many steps it diverged (None if it did not)."""
        s = self.surface
        tol = self.descent.values().tol
        minima = s.minima()
        target = minima[0].theta
        out = {}
        for m, tr in self.trajectories.items():
            last = tr.theta[-1]
            k = steps_to_tolerance(tr.theta, target, tol)
            nearest = min(minima, key=lambda mn: float(np.linalg.norm(last - mn.theta)))
            out[m] = {
                "final_E": float(tr.energy[-1]),
                "distance": float(np.linalg.norm(last - target)),
                "steps_to_tol": k if m != "flow" else None,
                "time_to_tol": float(tr.t[k]) if (m == "flow" and k is not None) else None,
                "nearest": nearest.kind,
                "nearest_distance": float(np.linalg.norm(last - nearest.theta)),
                "diverged_after": tr.diverged_after,
            }
        return out

    def divergence_messages(self) -> list[str]:
        """One sentence per diverged trajectory, with the step size to stay below."""
        s = self.surface
        d = self.descent.values()
        exact = s.key == "bowl"
        curv = s.max_curvature(self._start)
        approx = "" if exact else "≈ "
        out = []
        for m in METHODS:
            tr = self.trajectories[m]
            if not tr.diverged:
                continue
            k = tr.diverged_after
            steps = f"{k} step{'s' if k != 1 else ''}"
            if m == "gd":
                out.append(
                    f"Gradient descent diverged after {steps}: lower η below "
                    f"2/L {approx}= {2 / curv:.3g} (L = {curv:.3g}, the largest curvature of E)."
                )
            elif m == "momentum":
                out.append(
                    f"Momentum diverged after {steps}: lower η below 2(1 + β)/L "
                    f"{approx}= {2 * (1 + d.momentum) / curv:.3g} (L = {curv:.3g})."
                )
            else:
                out.append(f"The gradient flow diverged after {steps} Euler steps.")
        return out

    # -- drawing ----------------------------------------------------------------------------
    def _draw(self) -> None:
        s = self.surface
        d = self.descent.values()
        e_min = s.global_minimum.value
        self.start_item.setData([self._start[0]], [self._start[1]])
        y_lo, y_hi = math.inf, -math.inf
        for m in METHODS:
            tr = self.trajectories[m]
            shown = self.show_boxes[m].isChecked()
            item, e_item = self.traj_items[m], self.energy_items[m]
            item.setVisible(shown)
            e_item.setVisible(shown)
            item.setData(tr.theta[:, 0], tr.theta[:, 1])
            if m != "flow":  # a marker per step: smaller when there are many
                item.setSymbolSize(6 if len(tr.t) <= 300 else 4)
            k = tr.t / d.lr if m == "flow" else tr.t
            de = np.maximum(tr.energy - e_min, E_FLOOR)
            e_item.setData(k, de)
            if shown:
                visible = de[k <= d.steps]
                if len(visible):
                    y_lo = min(y_lo, float(visible.min()))
                    y_hi = max(y_hi, float(visible.max()))
        self.p_energy.setXRange(0, max(d.steps, 1), padding=0.02)
        if y_lo <= y_hi:
            lo, hi = math.log10(y_lo), math.log10(y_hi)
            span = max(hi - lo, 1.0)
            self.p_energy.setYRange(lo - 0.05 * span, hi + 0.35 * span, padding=0)
        settings = ", ".join(f"{k} = {v:g}" for k, v in self._param_symbols().items())
        self.p_surface.setTitle(
            f"{s.title}{' (' + settings + ')' if settings else ''}: "
            f"{self.contour_text} contours; η = {d.lr:g}, β = {d.momentum:g}"
        )
        messages = self.divergence_messages()
        self.banner.setText("\n".join(messages))
        self.banner.setVisible(bool(messages))
        self.start_label.setText(f"θ₀ = {_fmt_point(self._start)}: click the plot to move it")
        parts = [
            f"<span style='color:{COLORS[m]}'>{self.energy_items[m].name()}</span>"
            for m in METHODS
            if self.show_boxes[m].isChecked()
        ]
        self.p_energy.setTitle(
            "E − E_min against step k: " + (", ".join(parts) if parts else "nothing shown")
        )
        self._write_readouts()

    def _param_symbols(self) -> dict[str, float]:
        """The surface's parameters under their symbols, for the plot title."""
        symbols = {"kappa": "κ", "b": "b", "shallow_depth": "A", "c": "c"}
        return {symbols.get(k, k): v for k, v in self.surface.params.as_dict().items()}

    def _write_readouts(self) -> None:
        r = self.readouts()
        d = self.descent.values()
        rows = []
        for m in METHODS:
            x = r[m]
            if m == "flow":
                reach = (
                    f"t = {x['time_to_tol']:.3g} ≈ {x['time_to_tol'] / d.lr:.0f}η"
                    if x["time_to_tol"] is not None
                    else f"not by t = {self.flow_t_stop:.3g}"
                )
            elif x["diverged_after"] is not None:
                reach = f"diverged after {x['diverged_after']}"
            else:
                reach = (
                    f"step {x['steps_to_tol']}"
                    if x["steps_to_tol"] is not None
                    else f"not in {d.steps} steps"
                )
            if x["diverged_after"] is not None:
                where = "—"
            elif x["nearest_distance"] < 0.05:
                where = f"{x['nearest']} min"
            else:
                where = "not yet"
            rows.append(
                f"<tr><td><b style='color:{COLORS[m]}'>{SHORT[m]}</b></td>"
                f"<td align='right'>{x['final_E']:.3g}</td>"
                f"<td align='right'>{x['distance']:.2g}</td>"
                f"<td>{reach}</td><td>{where}</td></tr>"
            )
        self.readout.setText(
            "<table cellspacing='0' cellpadding='3'>"
            "<tr><th></th><th align='right'>final E</th>"
            "<th align='right'>to min</th>"
            f"<th align='left'>within {d.tol:g}</th><th align='left'>ends at</th></tr>"
            + "".join(rows)
            + "</table>"
        )
        flow_steps = len(self.trajectories["flow"].t) - 1
        self.readout.setToolTip(
            "final E: E at the last point; to min: its distance to the global minimum; "
            f"within {d.tol:g}: the step (for the flow: the time t, and t/η) from which the "
            "trajectory stays that close to the global minimum; ends at: the minimum it "
            f"ends at (within 0.05).\nGradient flow: {flow_steps} Euler steps of "
            f"dt = {self.flow_dt:.3g}."
        )
        capped = (
            self.flow_t_stop < d.flow_time * (1 - 1e-9) and not self.trajectories["flow"].diverged
        )
        self.note.setText(
            f"The flow stops at t = {self.flow_t_stop:.3g} of T = {d.flow_time:g}: "
            f"{flow_steps} Euler steps of dt = {self.flow_dt:.2g} is the cap (a stiff "
            "surface needs small steps)."
            if capped
            else ""
        )
        self.note.setVisible(capped)

    # -- experiment files (see neurolab.core.tabstate.training) -----------------------------
    def state(self) -> dict:
        """The surface, every surface's parameters, the descent settings, the start (None
        while it is the surface's own) and which trajectories are shown, as plain values."""
        return {
            "surface": self._key,
            "surface_params": {k: p.values().as_dict() for k, p in self.surface_panels.items()},
            "descent": self.descent.values().as_dict(),
            "start": (
                None  # the surface's own start
                if np.array_equal(self._start, SURFACES[self._key].start)
                else [float(v) for v in self._start]
            ),
            "show": {m: self.show_boxes[m].isChecked() for m in METHODS},
        }

    def set_state(self, state: dict) -> None:
        """Show a validated state (start None: the surface's own start); one recompute."""
        self._key = state["surface"]
        self.choice.set_values(SurfaceChoice(surface=SURFACES[self._key].title), emit=False)
        for k, panel in self.surface_panels.items():
            panel.set_values(state["surface_params"][k], emit=False)
            panel.setVisible(k == self._key)
        self.descent.set_values(state["descent"], emit=False)
        for m, cb in self.show_boxes.items():
            cb.blockSignals(True)
            cb.setChecked(bool(state["show"][m]))
            cb.blockSignals(False)
        start = state["start"]
        self._start = np.array(SURFACES[self._key].start if start is None else start, float)
        self._surface_changed(reset_view=True)

    def controls(self) -> dict[tuple[str, ...], QWidget]:
        out: dict[tuple[str, ...], QWidget] = {
            ("surface",): self.choice,
            ("surface_params",): self._surface_box,
            ("descent",): self.descent,
            ("start",): self._start_box,
            ("show",): self._show_box,
        }
        out.update({("surface_params", k): p for k, p in self.surface_panels.items()})
        return out

    # -- export and checks ------------------------------------------------------------------
    def parameters(self) -> dict:
        return descent_parameters(
            self.surface,
            self.descent.values(),
            self._start,
            {m: self.show_boxes[m].isChecked() for m in METHODS},
            self.trajectories,
            self.flow_dt,
        )

    def data(self) -> dict[str, np.ndarray]:
        """Each trajectory's step (time for the flow), θ₁, θ₂ and E, and the minima."""
        return descent_arrays(self.surface, self.trajectories)

    def smoke_test(self) -> None:
        """Recompute once with the current settings; raise if anything is not finite."""
        self._flow_cache = None
        self.recompute()
        for name, values in self.data().items():
            if not np.isfinite(values).all():
                raise RuntimeError(f"descent: {name} is not finite")
