"""2-D loss surfaces: exact derivatives, minima, and what descent does on them (SPEC §5,
notes §12.2).  Derivatives are checked against central finite differences and the
autodiff engine; minima against the gradient, the Hessian and a grid search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurolab.core import autodiff as ad
from neurolab.core.optim import gradient_descent, gradient_flow
from neurolab.core.params import ParamError
from neurolab.core.surfaces import (
    MAX_FLOW_STEPS,
    SURFACES,
    QuadraticBowl,
    Rosenbrock,
    TwoWells,
    contour_segments,
    descend,
    flow,
    make_surface,
    steps_to_tolerance,
)

# Every surface with a few parameter settings, including the ends of each range.
CASES = [
    ("bowl", {}),
    ("bowl", {"kappa": 1.0}),
    ("bowl", {"kappa": 100.0}),
    ("rosenbrock", {}),
    ("rosenbrock", {"b": 1.0}),
    ("two_wells", {}),
    ("two_wells", {"shallow_depth": 0.4, "c": 0.3}),
    ("two_wells", {"shallow_depth": 1.0, "c": 0.05}),
]


def _points(s, n=20, seed=0):
    (x0, x1), (y0, y1) = s.view
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def _fd_gradient(s, t, h=1e-6):
    g = np.empty(2)
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        g[i] = (s.energy(t + e) - s.energy(t - e)) / (2 * h)
    return g


@pytest.mark.parametrize(("key", "values"), CASES)
def test_gradient_matches_central_differences(key, values):
    s = make_surface(key, **values)
    for t in _points(s):
        g = s.gradient(t)
        scale = max(1.0, np.max(np.abs(g)))
        np.testing.assert_allclose(g, _fd_gradient(s, t), rtol=1e-6, atol=1e-6 * scale)
        # the point form and the vectorised form agree
        g1, g2 = s.gradient_xy(t[0], t[1])
        np.testing.assert_allclose(g, [g1, g2], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("key", "values"), CASES)
def test_hessian_matches_differences_of_the_gradient(key, values):
    s = make_surface(key, **values)
    h = 1e-6
    for t in _points(s, 10, seed=1):
        fd = np.column_stack(
            [(s.gradient(t + h * e) - s.gradient(t - h * e)) / (2 * h) for e in np.eye(2)]
        )
        H = s.hessian(t)
        np.testing.assert_allclose(H, H.T)
        scale = max(1.0, np.max(np.abs(H)))
        np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-5 * scale)


def test_gradients_match_autodiff_formulas():
    bowl, rb, wells = QuadraticBowl(kappa=7.0), Rosenbrock(b=30.0), TwoWells()
    p = wells.params

    def two_wells_formula(t):
        e = 0.5 * p.c * (t * t).sum()
        for centre, depth, width in (
            ((1.2, -0.4), 1.5, 0.7),
            ((-1.0, 0.7), p.shallow_depth, 0.45),
        ):
            d = t - np.array(centre)
            e = e - depth * ad.exp(-(d * d).sum() / (2 * width**2))
        return e

    formulas = [
        (bowl, lambda t: 0.5 * (t[0] ** 2 + 7.0 * t[1] ** 2)),
        (rb, lambda t: (1 - t[0]) ** 2 + 30.0 * (t[1] - t[0] ** 2) ** 2),
        (wells, two_wells_formula),
    ]
    for s, f in formulas:
        for t in _points(s, 8, seed=2):
            e, g = ad.value_and_grad(f, t)
            assert e == pytest.approx(s.energy(t), rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(s.gradient(t), g, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("key", "values"), CASES)
def test_value_is_vectorised_over_grids(key, values):
    s = make_surface(key, **values)
    x, y, e = s.grid(31)
    assert e.shape == (31, 31) and np.isfinite(e).all()
    for i, j in ((0, 0), (30, 0), (7, 19), (30, 30)):
        assert e[i, j] == pytest.approx(s.energy([x[i], y[j]]), rel=1e-14, abs=1e-14)
    (x0, x1), (y0, y1) = s.view
    assert (x[0], x[-1], y[0], y[-1]) == (x0, x1, y0, y1)


def test_bowl_and_rosenbrock_minima():
    for kappa in (1.0, 20.0, 100.0):
        (m,) = QuadraticBowl(kappa=kappa).minima()
        np.testing.assert_array_equal(m.theta, [0.0, 0.0])
        assert m.value == 0.0 and m.kind == "global"
    for b in (1.0, 100.0):
        s = Rosenbrock(b=b)
        (m,) = s.minima()
        np.testing.assert_array_equal(m.theta, [1.0, 1.0])
        assert s.energy(m.theta) == 0.0
        np.testing.assert_array_equal(s.gradient(m.theta), [0.0, 0.0])
        assert np.all(np.linalg.eigvalsh(s.hessian(m.theta)) > 0)


def test_two_wells_minima_are_where_the_docstring_says():
    s = TwoWells()
    deep, shallow = s.minima()
    assert (deep.kind, shallow.kind) == ("global", "local")
    # the values quoted in the module docstring
    np.testing.assert_allclose(deep.theta, [1.1260, -0.3753], atol=1e-4)
    np.testing.assert_allclose(shallow.theta, [-0.9290, 0.6517], atol=1e-4)
    assert deep.value == pytest.approx(-1.3498, abs=1e-4)
    assert shallow.value == pytest.approx(-0.4652, abs=1e-4)
    # the grid's smallest value is next to the deep minimum, and nothing on it is lower
    x, y, e = s.grid(601)
    i, j = np.unravel_index(np.argmin(e), e.shape)
    assert abs(x[i] - deep.theta[0]) <= 0.01 and abs(y[j] - deep.theta[1]) <= 0.01
    assert e.min() >= deep.value - 1e-12
    # a local minimum of the grid (smaller than its 8 neighbours) next to the shallow one
    k = np.argmin(np.hypot(x[:, None] - shallow.theta[0], y[None, :] - shallow.theta[1]))
    i, j = np.unravel_index(k, e.shape)
    block = e[i - 2 : i + 3, j - 2 : j + 3]
    assert block.min() == pytest.approx(shallow.value, abs=1e-4)
    assert e[i - 3 : i + 4, j - 3 : j + 4].min() == block.min()


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"shallow_depth": 0.4, "c": 0.3},
        {"shallow_depth": 0.4, "c": 0.05},
        {"shallow_depth": 1.0, "c": 0.3},
        {"shallow_depth": 1.0, "c": 0.05},
    ],
)
def test_two_wells_keeps_both_minima_and_a_saddle_over_the_parameter_range(values):
    s = TwoWells(**values)
    deep, shallow = s.minima()
    assert deep.value < shallow.value
    assert np.linalg.norm(deep.theta - shallow.theta) > 1.0
    for m in (deep, shallow):
        assert np.max(np.abs(s.gradient(m.theta))) < 1e-10
        assert np.all(np.linalg.eigvalsh(s.hessian(m.theta)) > 0)
    sd = s.saddle()
    assert np.max(np.abs(s.gradient(sd))) < 1e-10
    lam = np.linalg.eigvalsh(s.hessian(sd))
    assert lam[0] < 0 < lam[1]
    assert s.energy(sd) > shallow.value + 0.05  # a real barrier
    # a contour level encircles the shallow well below the pass
    levels = s.contour_levels()
    assert np.any((levels > shallow.value) & (levels < s.energy(sd)))


# ---- descent on the bowl: the zig-zag that momentum damps (notes §12.2)


@pytest.mark.parametrize("kappa", [10.0, 20.0, 50.0])
def test_gd_near_2_over_kappa_zigzags_along_the_steep_axis(kappa):
    s = QuadraticBowl(kappa=kappa)
    lr = 0.95 * 2 / kappa
    path = gradient_descent(s.gradient, [-1.5, 1.0], lr, 60)
    steep, shallow = path[:, 1], path[:, 0]
    # θ₂ changes sign on every step and shrinks by |1 − ηκ| = 0.9
    assert np.all(np.sign(steep[1:]) == -np.sign(steep[:-1]))
    np.testing.assert_allclose(steep[1:] / steep[:-1], 1 - lr * kappa, rtol=1e-12)
    assert abs(1 - lr * kappa) == pytest.approx(0.9)
    # θ₁ creeps monotonically towards 0 by 1 − η per step
    assert np.all(np.diff(shallow) > 0) and np.all(shallow < 0)
    np.testing.assert_allclose(shallow[1:] / shallow[:-1], 1 - lr, rtol=1e-12)


def test_momentum_reaches_the_minimum_in_fewer_steps_than_the_best_plain_gd():
    kappa, tol = 20.0, 1e-3
    s = QuadraticBowl(kappa=kappa)
    start = [-1.5, 1.0]
    # The best constant step for plain GD on a quadratic, 2/(1 + κ), converges at
    # (κ − 1)/(κ + 1) = 0.905 per step, and zig-zags along θ₂ (1 − ηκ = −0.905).
    lr_gd = 2 / (1 + kappa)
    gd = descend(s, start, lr_gd, 300)
    n_gd = steps_to_tolerance(gd.theta, [0, 0], tol)
    assert n_gd == pytest.approx(math.log(1.5 / tol) / -math.log((kappa - 1) / (kappa + 1)), abs=3)
    # Heavy ball with its optimal settings: rate (√κ − 1)/(√κ + 1) = 0.635.
    rk = math.sqrt(kappa)
    lr_hb, beta = 4 / (rk + 1) ** 2, ((rk - 1) / (rk + 1)) ** 2
    hb = descend(s, start, lr_hb, 300, momentum=beta)
    n_hb = steps_to_tolerance(hb.theta, [0, 0], tol)
    assert n_gd == 75 and n_hb <= 25
    # At the GUI's default η = 0.095 (≈ the best plain step), β = 0.5 also wins
    mo = descend(s, start, 0.095, 300, momentum=0.5)
    assert steps_to_tolerance(mo.theta, [0, 0], tol) == 22
    # and the oscillation along θ₂ is damped much faster: from step 15 on
    assert np.max(np.abs(mo.theta[15:40, 1])) < np.max(np.abs(gd.theta[15:40, 1])) / 10


def test_gd_above_2_over_kappa_diverges_and_stops_at_finite_points():
    s = QuadraticBowl(kappa=20.0)
    assert s.stable_lr() == pytest.approx(2 / 20)
    assert s.stable_lr(momentum=0.5) == pytest.approx(2 * 1.5 / 20)
    tr = descend(s, s.start, 0.5, 500)  # θ₂ multiplies by −9 each step
    assert tr.diverged and tr.diverged_after == len(tr.theta) - 1 < 10
    assert np.isfinite(tr.theta).all() and np.isfinite(tr.energy).all()
    (x0, x1), (y0, y1) = s.escape_box()
    assert np.all((tr.theta[:, 1] >= y0) & (tr.theta[:, 1] <= y1))
    # the kept rows are exactly optim.gradient_descent's
    full = gradient_descent(s.gradient, s.start, 0.5, 500)
    np.testing.assert_array_equal(tr.theta, full[: len(tr.theta)])
    # a step that overflows to inf is cut as well (and gradient_descent already stops there)
    huge = descend(s, s.start, 3.0, 500)
    assert huge.diverged and np.isfinite(huge.theta).all()
    # just below the bound it converges
    ok = descend(s, s.start, 0.099, 500)
    assert not ok.diverged and np.linalg.norm(ok.theta[-1]) < 1e-3


def test_momentum_diverges_above_2_1_plus_beta_over_kappa():
    s = QuadraticBowl(kappa=20.0)
    assert descend(s, s.start, 0.145, 400, momentum=0.5).diverged is False
    assert descend(s, s.start, 0.155, 400, momentum=0.5).diverged


# ---- the shallow and the deep well


def test_gd_ends_in_the_well_whose_basin_it_starts_in():
    s = TwoWells()
    deep, shallow = s.minima()
    near_shallow = descend(s, [-1.3, 1.1], 0.1, 400)
    np.testing.assert_allclose(near_shallow.theta[-1], shallow.theta, atol=1e-6)
    for start in ([2.5, 1.5], [0.5, -1.8], [-2.0, -2.0], [2.0, -2.0]):
        tr = descend(s, start, 0.1, 400)
        np.testing.assert_allclose(tr.theta[-1], deep.theta, atol=1e-6)


def test_momentum_carries_descent_over_the_saddle_from_the_default_start():
    s = TwoWells()
    deep, shallow = s.minima()
    sg = s.suggested
    gd = descend(s, s.start, sg["lr"], 400)
    mo = descend(s, s.start, sg["lr"], 400, momentum=sg["momentum"])
    fl = flow(s, s.start, sg["flow_time"])
    np.testing.assert_allclose(gd.theta[-1], shallow.theta, atol=1e-6)
    np.testing.assert_allclose(fl.theta[-1], shallow.theta, atol=1e-4)
    np.testing.assert_allclose(mo.theta[-1], deep.theta, atol=1e-6)


# ---- flow, tolerance, contours, registry


def test_flow_is_optim_gradient_flow_and_close_to_the_exact_solution_on_the_bowl():
    s = QuadraticBowl(kappa=20.0)
    dt = s.flow_dt(s.start, 5.0)
    assert dt == pytest.approx(5.0 / 1000)
    tr = flow(s, s.start, 5.0)
    np.testing.assert_array_equal(tr.theta, gradient_flow(s.gradient, s.start, 5.0, dt))
    assert tr.t[-1] == pytest.approx(5.0) and len(tr.t) == 1001
    exact = np.column_stack([-1.5 * np.exp(-tr.t), np.exp(-20 * tr.t)])
    np.testing.assert_allclose(tr.theta, exact, atol=0.02)
    np.testing.assert_allclose(tr.energy, s.value(tr.theta[:, 0], tr.theta[:, 1]))


def test_flow_dt_resolves_the_stiffest_direction_and_caps_the_steps():
    s = Rosenbrock()
    L = s.max_curvature(s.start)
    assert 1000 < L < 5000  # across the valley: about 2b(1 + 4θ₁²)
    dt = s.flow_dt(s.start, 1.0)
    assert dt == pytest.approx(0.5 / L)
    long = s.flow_dt(s.start, 100.0)
    assert long == pytest.approx(1.0 / L)  # grown to 1/L, still too many steps
    tr = flow(s, s.start, 100.0)
    assert len(tr.t) == MAX_FLOW_STEPS + 1 and tr.t[-1] < 100.0
    assert not tr.diverged and np.all(np.diff(tr.energy) <= 1e-12)  # never uphill


def test_steps_to_tolerance_counts_from_where_it_stays_inside():
    theta = np.array([[2.0, 0], [0.5, 0], [0.0, 0], [0.2, 0], [0.01, 0], [0.0, 0]])
    assert steps_to_tolerance(theta, [0, 0], 0.05) == 4
    assert steps_to_tolerance(theta, [0, 0], 0.3) == 2
    assert steps_to_tolerance(theta, [0, 0], 5.0) == 0
    assert steps_to_tolerance(theta[:4], [0, 0], 0.05) is None


def test_contour_segments_of_a_circle_lie_on_it():
    s = QuadraticBowl(kappa=1.0)
    x, y, e = s.grid(201)
    for level in (0.02, 0.5, 1.0):  # circles inside the view
        xs, ys = contour_segments(x, y, e, level)
        assert len(xs) % 2 == 0 and len(xs) > 20
        r = np.hypot(xs, ys)
        np.testing.assert_allclose(r, math.sqrt(2 * level), rtol=2e-3)
        # the segments join up: total length is the circumference
        seg = np.hypot(np.diff(xs)[::2], np.diff(ys)[::2])
        assert seg.sum() == pytest.approx(2 * math.pi * math.sqrt(2 * level), rel=2e-3)
    assert contour_segments(x, y, e, -1.0)[0].size == 0
    assert contour_segments(x, y, e, 1e3)[0].size == 0


def test_contour_segments_split_saddle_cells_consistently():
    # E = θ₁θ₂ on a grid whose centre cell straddles the saddle at 0
    x = np.array([-1.0, 1.0])
    y = np.array([-1.0, 1.0])
    e = x[:, None] * y[None, :]
    xs, ys = contour_segments(x, y, e, 0.0)  # cuts all four edges at their midpoints
    assert len(xs) == 4
    xs1, ys1 = contour_segments(x, y, e, 0.5)  # two corners above: none; opposite corners
    assert len(xs1) == 4 and np.all(np.abs(xs1 * ys1) <= 1.0)


@pytest.mark.parametrize("key", list(SURFACES))
def test_registry_entries_are_complete_and_sensible(key):
    s = make_surface(key)
    assert s.key == key and s.title and s.formula
    (x0, x1), (y0, y1) = s.view
    for point in [s.start] + [m.theta for m in s.minima()]:
        assert x0 < point[0] < x1 and y0 < point[1] < y1
    levels = s.contour_levels()
    assert np.all(np.diff(levels) > 0) and levels[0] > s.global_minimum.value
    sg = s.suggested
    assert set(sg) == {"lr", "momentum", "steps", "flow_time"}
    gd = descend(s, s.start, sg["lr"], sg["steps"])
    mo = descend(s, s.start, sg["lr"], sg["steps"], momentum=sg["momentum"])
    assert not gd.diverged and not mo.diverged
    # with the suggested settings momentum ends lower than plain descent
    assert mo.energy[-1] < gd.energy[-1]


def test_make_surface_validates():
    with pytest.raises(ValueError, match="unknown surface"):
        make_surface("saddle")
    with pytest.raises(ParamError):
        make_surface("bowl", kappa=0.5)
    assert make_surface("bowl", kappa=5).params.kappa == 5.0
