"""2-D loss surfaces E(θ₁, θ₂) for the gradient-descent demos (SPEC §5, notes §7, §12.2).

Each surface is a :class:`Surface` subclass with declared parameters
(:class:`~neurolab.core.params.ParamSet`), a value vectorised over grids (for
contour plots), an exact gradient and Hessian, its minima, a view range, a
default start point and suggested descent settings.  The registry
:data:`SURFACES` maps a key to the class.

* ``"bowl"`` — :class:`QuadraticBowl`, E = ½(θ₁² + κ θ₂²), axis-aligned (not
  rotated), so θ₁ is the shallow axis (curvature 1) and θ₂ the steep one
  (curvature κ, the condition number).  Gradient descent with step η
  multiplies θ₁ by 1 − η and θ₂ by 1 − ηκ each step: for η near 2/κ the second
  factor is near −1 and θ₂ changes sign every step — the zig-zag that
  momentum damps (notes §12.2); for η > 2/κ it diverges.
* ``"rosenbrock"`` — :class:`Rosenbrock`, E = (1 − θ₁)² + b(θ₂ − θ₁²)², the
  curved banana valley; minimum E = 0 at (1, 1).
* ``"two_wells"`` — :class:`TwoWells`, a gentle quadratic ½c‖θ‖² minus two
  Gaussian wells: a deep one centred at (1.2, −0.4) and a shallow one at
  (−1.0, 0.7).  With the defaults (c = 0.2, shallow depth 0.6) the minima are
  the deep (global) one at ≈ (1.1260, −0.3753) with E ≈ −1.3498 and the
  shallow (local) one at ≈ (−0.9290, 0.6517) with E ≈ −0.4652, separated by
  a saddle.  :meth:`TwoWells.minima` finds them for any parameter values by
  Newton's method from the well centres.

Trajectories: :func:`descend` and :func:`flow` wrap
:func:`neurolab.core.optim.gradient_descent` and
:func:`~neurolab.core.optim.gradient_flow` and stop a diverging trajectory
at its last point inside the *escape box* (:meth:`Surface.escape_box`, 100
view widths around the view), so nothing astronomically far (or infinite) is
ever drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurolab.core.optim import gradient_descent, gradient_flow
from neurolab.core.params import Param, ParamSet

__all__ = [
    "Minimum",
    "Surface",
    "QuadraticBowl",
    "Rosenbrock",
    "TwoWells",
    "SURFACES",
    "make_surface",
    "Trajectory",
    "descend",
    "flow",
    "steps_to_tolerance",
    "contour_segments",
    "ESCAPE_FACTOR",
    "MAX_FLOW_STEPS",
    "DescentParams",
    "DESCENT_METHODS",
    "run_descent",
    "descent_arrays",
    "descent_parameters",
]

#: A trajectory that leaves the view by more than this many view widths has diverged.
ESCAPE_FACTOR = 100.0
#: At most this many Euler steps for the gradient-flow curve (:meth:`Surface.flow_dt`).
MAX_FLOW_STEPS = 20_000


@dataclass(frozen=True)
class Minimum:
    """A local minimum of a surface.

    Attributes
    ----------
    theta : ndarray (2,)
        Its location (θ₁, θ₂).
    value : float
        E there.
    kind : str
        ``"global"`` or ``"local"``.
    """

    theta: np.ndarray
    value: float
    kind: str


class Surface:
    """A loss surface E(θ₁, θ₂) with exact derivatives.

    Subclasses set the class attributes and implement :meth:`value`,
    :meth:`gradient_xy` and :meth:`hessian_xy` (all vectorised: θ₁ and θ₂ are
    arrays of any broadcastable shapes) and :meth:`minima`.

    Parameters
    ----------
    params : ParamSet, optional
        An instance of the subclass's :attr:`Params` (defaults if None).
    **values
        Parameter values overriding ``params`` (validated).
    """

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: The formula as plain text, for labels.
    formula: ClassVar[str] = ""
    Params: ClassVar[type[ParamSet]] = ParamSet
    #: ((θ₁ low, θ₁ high), (θ₂ low, θ₂ high)): the region the demo shows.
    view: ClassVar[tuple[tuple[float, float], tuple[float, float]]] = ((-1.0, 1.0), (-1.0, 1.0))
    #: Where the demo starts its trajectories.
    start: ClassVar[tuple[float, float]] = (0.0, 0.0)
    #: Descent settings that show this surface's point: lr, momentum, steps, flow_time.
    suggested: ClassVar[dict[str, float]] = {}
    #: How :meth:`contour_levels` spaces the levels: "log" (in E − E_min) or "linear".
    contour_scale: ClassVar[str] = "log"
    #: For log spacing: how many decades below the top level the contours reach.
    contour_decades: ClassVar[float] = 3.0

    def __init__(self, params: ParamSet | None = None, **values: Any) -> None:
        p = self.Params.coerce(params).copy()
        p.update(values)
        self.params = p

    # ---- to implement
    def value(self, t1: Any, t2: Any) -> np.ndarray:
        """E(θ₁, θ₂), elementwise over broadcast arrays."""
        raise NotImplementedError

    def gradient_xy(self, t1: Any, t2: Any) -> tuple[np.ndarray, np.ndarray]:
        """(∂E/∂θ₁, ∂E/∂θ₂), elementwise."""
        raise NotImplementedError

    def hessian_xy(self, t1: Any, t2: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(∂²E/∂θ₁², ∂²E/∂θ₁∂θ₂, ∂²E/∂θ₂²), elementwise."""
        raise NotImplementedError

    def minima(self) -> list[Minimum]:
        """Every local minimum, the global one first."""
        raise NotImplementedError

    # ---- point-wise forms
    def energy(self, theta: Any) -> float:
        """E at one point θ = (θ₁, θ₂)."""
        t = np.asarray(theta, dtype=float).ravel()
        return float(self.value(t[0], t[1]))

    def gradient(self, theta: Any) -> np.ndarray:
        """∇E at one point, shape (2,): the ``grad_fn`` for :mod:`neurolab.core.optim`."""
        x, y = np.asarray(theta, dtype=float).ravel().tolist()
        return np.array(self._gradient_point(x, y), dtype=float)

    def _gradient_point(self, x: float, y: float) -> tuple[float, float]:
        """∇E at one point from Python floats (subclasses write it out: descent and
        flow call it thousands of times)."""
        g1, g2 = self.gradient_xy(x, y)
        return float(g1), float(g2)

    def hessian(self, theta: Any) -> np.ndarray:
        """The 2×2 Hessian at one point."""
        t = np.asarray(theta, dtype=float).ravel()
        h11, h12, h22 = (float(h) for h in self.hessian_xy(t[0], t[1]))
        return np.array([[h11, h12], [h12, h22]])

    # ---- derived
    @property
    def global_minimum(self) -> Minimum:
        return self.minima()[0]

    def grid(self, n: int = 201, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """θ₁ (n,), θ₂ (n,) over the view and E on the grid, ``E[i, j] = E(θ₁[i], θ₂[j])``.

        ``margin`` widens the view by that fraction of its width on every side.
        """
        (x0, x1), (y0, y1) = self.view
        mx, my = margin * (x1 - x0), margin * (y1 - y0)
        x = np.linspace(x0 - mx, x1 + mx, n)
        y = np.linspace(y0 - my, y1 + my, n)
        with np.errstate(over="ignore", invalid="ignore"):
            e = self.value(x[:, None], y[None, :])
        return x, y, np.asarray(e, dtype=float)

    def contour_levels(self, n: int = 14, e: np.ndarray | None = None) -> np.ndarray:
        """Contour levels of E, increasing.

        The top level is the 90th percentile of E over the view grid (``e``, by
        default :meth:`grid`), so most of the view is inside it.  "log":
        ``E_min + top·10^(−k·decades/(n−1))``, equally spaced in log(E − E_min)
        (nested contours down to the minimum); "linear": n equal steps from
        E_min up to the top (the first just above E_min).
        """
        if e is None:
            e = self.grid()[2]
        e_min = self.global_minimum.value
        finite = e[np.isfinite(e)]
        top = float(np.percentile(finite, 90)) - e_min
        if not top > 0:
            top = 1.0
        if self.contour_scale == "log":
            return e_min + top * np.geomspace(10.0 ** (-self.contour_decades), 1.0, n)
        return e_min + top * np.arange(1, n + 1) / n

    def escape_box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The view widened by :data:`ESCAPE_FACTOR` view widths on every side."""
        return tuple(
            (lo - ESCAPE_FACTOR * (hi - lo), hi + ESCAPE_FACTOR * (hi - lo)) for lo, hi in self.view
        )  # type: ignore[return-value]

    def max_curvature(self, theta0: Any | None = None, n: int = 161) -> float:
        """The largest Hessian eigenvalue L over the region gradient flow from ``theta0``
        can visit.

        The flow never goes uphill, so it stays where E ≤ E(θ₀); L is the maximum
        over grid points of that set (the view, widened to include θ₀).  Without
        ``theta0``: over the whole view.
        """
        (x0, x1), (y0, y1) = self.view
        level = None
        if theta0 is not None:
            t = np.asarray(theta0, dtype=float).ravel()
            x0, x1 = min(x0, t[0]), max(x1, t[0])
            y0, y1 = min(y0, t[1]), max(y1, t[1])
            level = self.energy(t)
        x = np.linspace(x0, x1, n)[:, None]
        y = np.linspace(y0, y1, n)[None, :]
        with np.errstate(over="ignore", invalid="ignore"):
            h11, h12, h22 = (np.broadcast_to(h, (n, n)) for h in self.hessian_xy(x, y))
            lam = 0.5 * (h11 + h22) + np.sqrt(0.25 * (h11 - h22) ** 2 + h12**2)
            if level is not None:
                inside = self.value(x, y) <= level + 1e-12 * max(1.0, abs(level))
                if inside.any():
                    lam = lam[inside]
        lam = lam[np.isfinite(lam)]
        return float(max(lam.max(), 1e-12)) if lam.size else 1.0

    def stable_lr(self, theta0: Any | None = None, momentum: float = 0.0) -> float:
        """2(1 + β)/L: the step size below which descent (with momentum β) is stable on a
        quadratic with largest curvature L = :meth:`max_curvature`.

        Exact for the bowl (L = max(1, κ)); for the other surfaces a guide.
        """
        return 2.0 * (1.0 + momentum) / self.max_curvature(theta0)

    def flow_dt(self, theta0: Any, t_end: float, max_steps: int = MAX_FLOW_STEPS) -> float:
        """The Euler step used for the gradient-flow curve from ``theta0`` to ``t_end``.

        ``min(t_end / 1000, 0.5 / L)`` (L = :meth:`max_curvature` from θ₀): at least
        1000 steps, and small enough that the stiffest direction decays smoothly
        (factor 1 − L·dt ≥ ½, no Euler zig-zag).  If that needs more than
        ``max_steps`` steps, dt grows to ``t_end / max_steps`` but never beyond
        1/L (still monotone); the flow then ends before ``t_end`` — see
        :func:`flow`.
        """
        if not t_end > 0:
            raise ValueError(f"t_end must be > 0, got {t_end}")
        big_l = self.max_curvature(theta0)
        dt = min(t_end / 1000.0, 0.5 / big_l)
        if t_end / dt > max_steps:
            dt = min(t_end / max_steps, 1.0 / big_l)
        return dt


# ---- the surfaces


class BowlParams(ParamSet):
    kappa = Param(
        20.0,
        1.0,
        100.0,
        0.1,
        "",
        "Condition number κ: the curvature along θ₂ divided by the curvature along θ₁",
        log=True,
        label="condition number κ",
    )


class QuadraticBowl(Surface):
    """E = ½(θ₁² + κ θ₂²): curvature 1 along θ₁, κ along θ₂; minimum E = 0 at (0, 0).

    Gradient descent is stable for η < 2/κ (κ ≥ 1); with momentum β for
    η < 2(1 + β)/κ.
    """

    key = "bowl"
    title = "Quadratic bowl"
    formula = "E = ½(θ₁² + κ θ₂²)"
    Params = BowlParams
    view = ((-2.0, 2.0), (-1.5, 1.5))
    start = (-1.5, 1.0)
    suggested = {"lr": 0.095, "momentum": 0.5, "steps": 100, "flow_time": 10.0}

    def value(self, t1, t2):
        k = self.params.kappa
        return 0.5 * (np.asarray(t1) ** 2 + k * np.asarray(t2) ** 2)

    def gradient_xy(self, t1, t2):
        return np.asarray(t1, dtype=float) * 1.0, self.params.kappa * np.asarray(t2, dtype=float)

    def _gradient_point(self, x, y):
        return x, self.params.kappa * y

    def hessian_xy(self, t1, t2):
        shape = np.broadcast(np.asarray(t1), np.asarray(t2)).shape
        return np.ones(shape), np.zeros(shape), np.full(shape, self.params.kappa)

    def minima(self):
        return [Minimum(np.zeros(2), 0.0, "global")]

    def max_curvature(self, theta0=None, n=161):
        return max(1.0, self.params.kappa)


class RosenbrockParams(ParamSet):
    b = Param(
        100.0,
        1.0,
        100.0,
        1.0,
        "",
        "Steepness b of the valley walls: E = (1 − θ₁)² + b(θ₂ − θ₁²)²",
        log=True,
        label="valley steepness b",
    )


class Rosenbrock(Surface):
    """E = (1 − θ₁)² + b(θ₂ − θ₁²)²: a curved valley along θ₂ = θ₁²; minimum E = 0 at (1, 1).

    Across the valley the curvature is about 2b(1 + 4θ₁²), along it about 1
    or less: descent crosses to the valley floor quickly and then crawls.
    """

    key = "rosenbrock"
    title = "Rosenbrock valley"
    formula = "E = (1 − θ₁)² + b(θ₂ − θ₁²)²"
    Params = RosenbrockParams
    view = ((-2.0, 2.0), (-1.0, 3.0))
    start = (-1.2, 1.0)
    suggested = {"lr": 0.0006, "momentum": 0.9, "steps": 2000, "flow_time": 6.0}
    contour_decades = 3.0

    def value(self, t1, t2):
        x, y = np.asarray(t1, dtype=float), np.asarray(t2, dtype=float)
        return (1.0 - x) ** 2 + self.params.b * (y - x * x) ** 2

    def gradient_xy(self, t1, t2):
        x, y = np.asarray(t1, dtype=float), np.asarray(t2, dtype=float)
        b = self.params.b
        r = y - x * x
        return -2.0 * (1.0 - x) - 4.0 * b * x * r, 2.0 * b * r

    def _gradient_point(self, x, y):
        b = self.params.b
        r = y - x * x
        return -2.0 * (1.0 - x) - 4.0 * b * x * r, 2.0 * b * r

    def hessian_xy(self, t1, t2):
        x, y = np.asarray(t1, dtype=float), np.asarray(t2, dtype=float)
        b = self.params.b
        h11 = 2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x
        h12 = -4.0 * b * x
        h22 = np.broadcast_to(2.0 * b, h11.shape).copy()
        return h11, h12, h22

    def minima(self):
        return [Minimum(np.array([1.0, 1.0]), 0.0, "global")]


class TwoWellsParams(ParamSet):
    shallow_depth = Param(
        0.6,
        0.4,
        1.0,
        0.05,
        "",
        "Depth A of the shallow Gaussian well at (−1.0, 0.7) (the deep one has depth 1.5)",
        label="shallow well depth A",
    )
    c = Param(
        0.2,
        0.05,
        0.3,
        0.01,
        "",
        "Curvature c of the gentle bowl ½c‖θ‖² under both wells",
        label="bowl curvature c",
    )


DEEP_CENTRE = (1.2, -0.4)
DEEP_DEPTH = 1.5
DEEP_WIDTH = 0.7
SHALLOW_CENTRE = (-1.0, 0.7)
SHALLOW_WIDTH = 0.45


class TwoWells(Surface):
    """E = ½c‖θ‖² − 1.5 exp(−‖θ − μ_d‖²/(2·0.7²)) − A exp(−‖θ − μ_s‖²/(2·0.45²)).

    μ_d = (1.2, −0.4) (deep), μ_s = (−1.0, 0.7) (shallow).  The minima sit
    near the centres, pulled slightly towards the origin by the bowl; see the
    module docstring for their values with the defaults.  Plain descent
    started in the shallow well's basin stays there; momentum can carry it
    over the saddle into the deep well (notes §12.2).
    """

    key = "two_wells"
    title = "Shallow and deep minimum"
    formula = (
        "E = ½c‖θ‖² − 1.5·exp(−‖θ − μ_d‖²/0.98) − A·exp(−‖θ − μ_s‖²/0.405), "
        "μ_d = (1.2, −0.4), μ_s = (−1, 0.7)"
    )
    Params = TwoWellsParams
    view = ((-3.0, 3.0), (-2.2, 2.2))
    start = (-2.6, 1.6)
    suggested = {"lr": 0.1, "momentum": 0.9, "steps": 200, "flow_time": 30.0}
    contour_scale = "linear"

    def _wells(self, x, y):
        p = self.params
        out = []
        for (cx, cy), depth, width in (
            (DEEP_CENTRE, DEEP_DEPTH, DEEP_WIDTH),
            (SHALLOW_CENTRE, p.shallow_depth, SHALLOW_WIDTH),
        ):
            dx, dy = x - cx, y - cy
            s2 = width * width
            g = depth * np.exp(-(dx * dx + dy * dy) / (2.0 * s2))
            out.append((dx, dy, s2, g))
        return out

    def value(self, t1, t2):
        x, y = np.asarray(t1, dtype=float), np.asarray(t2, dtype=float)
        e = 0.5 * self.params.c * (x * x + y * y)
        for _, _, _, g in self._wells(x, y):
            e = e - g
        return e

    def gradient_xy(self, t1, t2):
        x, y = np.asarray(t1, dtype=float), np.asarray(t2, dtype=float)
        c = self.params.c
        g1, g2 = c * x, c * y
        for dx, dy, s2, g in self._wells(x, y):
            # d/dθ of −g = g (θ − μ)/σ²
            g1 = g1 + g * dx / s2
            g2 = g2 + g * dy / s2
        return g1, g2

    def _gradient_point(self, x, y):
        p = self.params
        g1, g2 = p.c * x, p.c * y
        for (cx, cy), depth, width in (
            (DEEP_CENTRE, DEEP_DEPTH, DEEP_WIDTH),
            (SHALLOW_CENTRE, p.shallow_depth, SHALLOW_WIDTH),
        ):
            dx, dy = x - cx, y - cy
            s2 = width * width
            g = depth * math.exp(-(dx * dx + dy * dy) / (2.0 * s2))
            g1 += g * dx / s2
            g2 += g * dy / s2
        return g1, g2

    def hessian_xy(self, t1, t2):
        x, y = np.asarray(t1, dtype=float), np.asarray(t2, dtype=float)
        c = self.params.c
        h11 = np.full(np.broadcast(x, y).shape, c)
        h12 = np.zeros_like(h11)
        h22 = h11.copy()
        for dx, dy, s2, g in self._wells(x, y):
            h11 = h11 + g * (1.0 / s2 - dx * dx / (s2 * s2))
            h12 = h12 - g * dx * dy / (s2 * s2)
            h22 = h22 + g * (1.0 / s2 - dy * dy / (s2 * s2))
        return h11, h12, h22

    def minima(self):
        """The deep and the shallow minimum (both exist over the parameters' ranges)."""
        key = tuple(self.params.as_dict().items())
        cached = getattr(self, "_minima", None)
        if cached is None or cached[0] != key:
            self._minima = (key, self._find_minima())
        return list(self._minima[1])

    def _find_minima(self) -> list[Minimum]:
        found = []
        for centre in (DEEP_CENTRE, SHALLOW_CENTRE):
            t = _newton(self, np.array(centre, dtype=float))
            if np.max(np.abs(self.gradient(t))) > 1e-9 or np.any(
                np.linalg.eigvalsh(self.hessian(t)) <= 0
            ):
                continue  # no minimum near this centre (not within the declared ranges)
            if all(np.linalg.norm(t - other) > 1e-6 for _, other in found):
                found.append((self.energy(t), t))
        found.sort(key=lambda m: m[0])
        return [Minimum(t, e, "global" if i == 0 else "local") for i, (e, t) in enumerate(found)]

    def saddle(self) -> np.ndarray:
        """The saddle point between the two minima (Newton's method on ∇E = 0 from
        their midpoint): the lowest pass from the shallow well to the deep one."""
        m = self.minima()
        t = 0.5 * (m[0].theta + m[1].theta)
        for _ in range(100):
            step = np.linalg.solve(self.hessian(t), self.gradient(t))
            t = t - step
            if np.max(np.abs(step)) < 1e-14:
                break
        return t


def _newton(s: Surface, t: np.ndarray, iters: int = 100) -> np.ndarray:
    """A local minimum near ``t`` by damped Newton steps (gradient steps where the
    Hessian is not positive definite)."""
    for _ in range(iters):
        g = s.gradient(t)
        if np.max(np.abs(g)) < 1e-14:
            break
        h = s.hessian(t)
        if np.all(np.linalg.eigvalsh(h) > 0):
            step = np.linalg.solve(h, g)
        else:
            step = g / max(s.max_curvature(), 1.0)
        e0, a = s.energy(t), 1.0
        while a > 1e-8 and s.energy(t - a * step) > e0:
            a *= 0.5
        t = t - a * step
    return t


SURFACES: dict[str, type[Surface]] = {cls.key: cls for cls in (QuadraticBowl, Rosenbrock, TwoWells)}


def make_surface(key: str, params: ParamSet | None = None, **values: Any) -> Surface:
    """The surface registered as ``key`` with ``params`` (or defaults) and overrides."""
    try:
        cls = SURFACES[key]
    except KeyError:
        raise ValueError(f"unknown surface {key!r}: choose from {', '.join(SURFACES)}") from None
    return cls(params, **values)


# ---- trajectories


@dataclass
class Trajectory:
    """A descent or flow trajectory on a surface.

    Attributes
    ----------
    theta : ndarray (n, 2)
        θ at each step (row 0 is the start).
    energy : ndarray (n,)
        E at each row of ``theta``.
    t : ndarray (n,)
        Step index k (descent) or time (flow, in units of τ).
    diverged_after : int or None
        If the trajectory diverged (went non-finite or left the escape box), the
        number of steps it completed before that, i.e. ``len(theta) − 1``;
        None otherwise.
    """

    theta: np.ndarray
    energy: np.ndarray
    t: np.ndarray
    diverged_after: int | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_after is not None


def _finish(s: Surface, path: np.ndarray, t: np.ndarray, expected_rows: int) -> Trajectory:
    (x0, x1), (y0, y1) = s.escape_box()
    inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
    n = len(path) if inside.all() else int(np.argmin(inside))
    n = max(n, 1)  # the start is always kept
    path = path[:n].copy()
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.asarray(s.value(path[:, 0], path[:, 1]), dtype=float)
    diverged = None if n == expected_rows else n - 1
    return Trajectory(path, e, np.asarray(t[:n], dtype=float), diverged)


def descend(s: Surface, theta0: Any, lr: float, steps: int, momentum: float = 0.0) -> Trajectory:
    """Gradient descent (with momentum β) on ``s`` from ``theta0``: v ← βv + ∇E, θ ← θ − ηv.

    The rows are :func:`neurolab.core.optim.gradient_descent`'s, cut at the
    last point inside :meth:`Surface.escape_box` if it diverges.
    """
    path = gradient_descent(s.gradient, theta0, lr, steps, momentum=momentum)
    return _finish(s, path, np.arange(len(path), dtype=float), int(steps) + 1)


def flow(s: Surface, theta0: Any, t_end: float, dt: float | None = None) -> Trajectory:
    """Gradient flow dθ/dt = −∇E (τ = 1) by Euler steps of ``dt`` up to ``t_end``.

    ``dt`` defaults to :meth:`Surface.flow_dt`; if ``t_end / dt`` exceeds
    :data:`MAX_FLOW_STEPS` the flow stops after that many steps (its last
    ``t`` is then below ``t_end``).  The rows are
    :func:`neurolab.core.optim.gradient_flow`'s for ``min(t_end, MAX_FLOW_STEPS·dt)``.
    """
    if dt is None:
        dt = s.flow_dt(theta0, t_end)
    t_stop = min(float(t_end), MAX_FLOW_STEPS * dt)
    path = gradient_flow(s.gradient, theta0, t_stop, dt)
    n = int(math.ceil(t_stop / dt - 1e-9)) if t_stop > 0 else 0
    t = np.minimum(np.arange(n + 1) * dt, t_stop)
    return _finish(s, path, t, n + 1)


def contour_segments(
    x: np.ndarray, y: np.ndarray, e: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """The contour E = ``level`` of a grid ``e[i, j] = E(x[i], y[j])`` as line segments
    (marching squares with linear interpolation along cell edges).

    Returns
    -------
    xs, ys : ndarray (2m,)
        Segment k runs from (xs[2k], ys[2k]) to (xs[2k+1], ys[2k+1]) (draw with
        ``connect="pairs"``).  A cell cut four times (a saddle cell) is split by
        the value at its centre, the mean of its corners.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    above = np.asarray(e, dtype=float) >= level
    v = np.asarray(e, dtype=float) - level
    a, b = v[:-1, :-1], v[1:, :-1]  # (x_i, y_j), (x_i+1, y_j)
    c, d = v[1:, 1:], v[:-1, 1:]  # (x_i+1, y_j+1), (x_i, y_j+1)
    aa, ab = above[:-1, :-1], above[1:, :-1]
    ac, ad = above[1:, 1:], above[:-1, 1:]
    xi, xi1 = x[:-1, None], x[1:, None]
    yj, yj1 = y[None, :-1], y[None, 1:]

    def frac(p, q):
        with np.errstate(divide="ignore", invalid="ignore"):
            f = p / (p - q)
        return np.clip(np.nan_to_num(f, nan=0.5), 0.0, 1.0)

    shape = a.shape
    # Crossing points on the four edges: bottom (a→b), right (b→c), top (d→c), left (a→d).
    fb, fr, ft, fl = frac(a, b), frac(b, c), frac(d, c), frac(a, d)
    edges = [
        (aa != ab, np.broadcast_to(xi + fb * (xi1 - xi), shape), np.broadcast_to(yj, shape)),
        (ab != ac, np.broadcast_to(xi1, shape), np.broadcast_to(yj + fr * (yj1 - yj), shape)),
        (ad != ac, np.broadcast_to(xi + ft * (xi1 - xi), shape), np.broadcast_to(yj1, shape)),
        (aa != ad, np.broadcast_to(xi, shape), np.broadcast_to(yj + fl * (yj1 - yj), shape)),
    ]
    cut = np.stack([m for m, _, _ in edges])  # (4, nx-1, ny-1)
    px = np.stack([p for _, p, _ in edges])
    py = np.stack([p for _, _, p in edges])
    count = cut.sum(axis=0)
    xs, ys = [], []
    two = count == 2
    if two.any():
        idx = np.argsort(~cut[:, two], axis=0, kind="stable")[:2]  # the two cut edges
        cols = np.arange(idx.shape[1])
        pxs, pys = px[:, two], py[:, two]
        xs.append(np.column_stack([pxs[idx[0], cols], pxs[idx[1], cols]]).ravel())
        ys.append(np.column_stack([pys[idx[0], cols], pys[idx[1], cols]]).ravel())
    four = count == 4
    if four.any():
        centre_above = (a + b + c + d)[four] >= 0
        pxs, pys = px[:, four], py[:, four]
        # a above and the centre with it: a's corner is joined to c's, so the cuts pair as
        # (bottom, right) and (top, left); otherwise (bottom, left) and (top, right).
        join = centre_above == aa[four]
        first = np.where(join, 1, 3)
        second = np.where(join, 3, 1)
        cols = np.arange(len(first))
        for e0, e1 in ((np.zeros_like(first), first), (np.full_like(first, 2), second)):
            xs.append(np.column_stack([pxs[e0, cols], pxs[e1, cols]]).ravel())
            ys.append(np.column_stack([pys[e0, cols], pys[e1, cols]]).ravel())
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


def steps_to_tolerance(theta: np.ndarray, target: Any, tol: float) -> int | None:
    """The first row from which every later row of ``theta`` is within ``tol`` of
    ``target`` (Euclidean distance); None if the last row is not."""
    d = np.linalg.norm(np.asarray(theta, dtype=float) - np.asarray(target, dtype=float), axis=1)
    outside = np.flatnonzero(~(d <= tol))
    if len(outside) == 0:
        return 0
    last = int(outside[-1])
    return None if last == len(d) - 1 else last + 1


# --------------------------------------------------------------------------
# The Gradient descent view's computation (GUI and headless share it)

DESCENT_METHODS = ("gd", "momentum", "flow")


class DescentParams(ParamSet):
    """The descent settings shared by the three trajectories (the bowl's suggested ones)."""

    lr = Param(
        0.095,
        1e-4,
        3.0,
        0.001,
        "",
        "Step size η (learning rate): θ ← θ − η∇E, or θ ← θ − ηv with momentum",
        log=True,
        label="step size η",
    )
    momentum = Param(
        0.5,
        0.0,
        0.99,
        0.01,
        "",
        "Momentum β: v ← βv + ∇E, θ ← θ − ηv (β = 0 is plain gradient descent)",
        label="momentum β",
    )
    steps = Param(
        100,
        1,
        2000,
        1,
        "",
        "Number of descent steps for plain gradient descent and momentum",
        integer=True,
        log=True,
        label="steps",
    )
    flow_time = Param(
        10.0,
        0.1,
        1000.0,
        0.1,
        "τ",
        "Duration T of the gradient flow τ dθ/dt = −∇E (τ = 1); descent step k is at t = kη",
        log=True,
        label="flow duration T",
    )
    tol = Param(
        1e-3,
        1e-6,
        0.1,
        0.001,
        "",
        "Distance to the global minimum counted as arrived (for the steps readout)",
        log=True,
        label="tolerance",
    )


def run_descent(
    s: Surface,
    start: Any,
    d: DescentParams,
    flow_result: tuple[Trajectory, float] | None = None,
) -> tuple[dict[str, Trajectory], float]:
    """Plain descent, momentum and the gradient flow (τ = 1) from ``start``:
    ({"gd", "momentum", "flow"} → Trajectory, the flow's Euler step dt).  A caller
    that kept the flow for the same surface, start and T passes it as ``flow_result``."""
    start = np.asarray(start, dtype=float)
    out = {
        "gd": descend(s, start, d.lr, d.steps),
        "momentum": descend(s, start, d.lr, d.steps, momentum=d.momentum),
    }
    if flow_result is None:
        dt = s.flow_dt(start, d.flow_time)
        flow_result = (flow(s, start, d.flow_time, dt), dt)
    out["flow"], dt = flow_result
    return out, float(dt)


def descent_arrays(s: Surface, trajectories: dict[str, Trajectory]) -> dict[str, np.ndarray]:
    """Each trajectory's step (time for the flow), θ₁, θ₂ and E, and the minima."""
    out: dict[str, np.ndarray] = {}
    for m in DESCENT_METHODS:
        tr = trajectories[m]
        out[f"{m}_{'t' if m == 'flow' else 'step'}"] = tr.t.copy()
        out[f"{m}_theta1"] = tr.theta[:, 0].copy()
        out[f"{m}_theta2"] = tr.theta[:, 1].copy()
        out[f"{m}_E"] = tr.energy.copy()
    minima = s.minima()
    out["minima_theta1"] = np.array([mn.theta[0] for mn in minima])
    out["minima_theta2"] = np.array([mn.theta[1] for mn in minima])
    out["minima_E"] = np.array([mn.value for mn in minima])
    return out


def descent_parameters(
    s: Surface,
    d: DescentParams,
    start: Any,
    show: dict[str, bool],
    trajectories: dict[str, Trajectory],
    flow_dt: float,
) -> dict[str, Any]:
    """What an export of the descent view records besides its arrays."""
    return {
        "surface": s.key,
        "surface_title": s.title,
        "surface_params": s.params.as_dict(),
        "descent": d.as_dict(),
        "start": [float(v) for v in np.asarray(start, dtype=float)],
        "show": {m: bool(show[m]) for m in DESCENT_METHODS},
        "tau": 1.0,
        "flow_dt": float(flow_dt),
        "flow_t_stop": float(trajectories["flow"].t[-1]),
    }
