"""Compiled Hodgkin–Huxley kernels (numba), used by :mod:`neurolab.core.hh`.

Everything numba compiles for HH lives in this one file: numba's on-disk cache
is invalidated by the timestamp of the file that holds a function, and the
rate function below is inlined into the kernels, so keeping them together
means an edit to the rates can never leave a stale kernel in the cache.

Units: V in mV, t in ms, currents in µA/cm², conductances in mS/cm²,
capacitance in µF/cm², rates in 1/ms.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# exp(1), exp(2.5), exp(3): shift e^{-(V+65)/10} to the other rate arguments.
_E_1 = 2.718281828459045
_E_2_5 = 12.182493960703473
_E_3 = 20.085536923187668

#: Above this stiffness estimate (largest rate · dt) a step is split into
#: substeps.  The default model at dt = 0.025 ms peaks at ≈1.05 (measured over
#: I = 0…200 µA/cm²), so ordinary runs are plain RK4; RK4 itself is unstable
#: beyond 2.785 on the negative real axis.
STIFF_LIMIT = 1.5
#: Each RK4 substep is made small enough that largest rate · substep ≤ this.
SUBSTEP_TARGET = 1.0
#: Past this many substeps (e.g. V driven below ≈ −200 mV, where β_m grows as
#: e^{−V/18}) RK4 would cost too much; the step then falls back to this many
#: exponential-Euler substeps, which are stable at any stiffness.
MAX_SUBSTEPS = 64
#: The rates are evaluated with V clamped to ±this (mV).  Only a model with no
#: leak and a steady current ever gets there (V → ±∞); the clamp keeps the
#: exponentials finite so the gates stay in [0, 1] instead of turning NaN.
V_RATE_CLAMP = 1000.0

#: Consts vector layout passed to the kernels.
C_INV, G_NA, G_K, G_L, E_NA, E_K, E_L = range(7)


@njit(cache=True, inline="always")
def _x_over_1_minus_exp(y: float, e: float) -> float:
    """y / (1 − e^{−y}) given ``e`` = e^{−y}; smooth through its removable pole at y = 0.

    Near 0 the quotient is 0/0, so a series is used there (next omitted term
    y⁸/1209600 < 1e-22 for |y| < 0.01); outside, the cancellation in 1 − e
    costs at most ~1e-12 relative.
    """
    if abs(y) < 1e-2:
        y2 = y * y
        return 1.0 + 0.5 * y + y2 * (1.0 / 12.0 - y2 * (1.0 / 720.0 - y2 / 30240.0))
    return y / (1.0 - e)


@njit(cache=True, inline="always")
def rates(V: float) -> tuple[float, float, float, float, float, float]:
    """(α_m, β_m, α_h, β_h, α_n, β_n) in 1/ms at membrane potential V (mV).

    exp() dominates the cost of an RK4 step (six per evaluation, four
    evaluations per step).  All six exponentials are powers of
    u = e^{−(V+65)/720} (720 = lcm of 80, 18, 20, 10) times constants, so one
    exp and a few multiplications give them all; the powers lose at most
    ~1e-14 relative, far below the integration error.
    """
    V = min(max(V, -V_RATE_CLAMP), V_RATE_CLAMP)
    u = math.exp((V + 65.0) * (-1.0 / 720.0))
    u2 = u * u
    u4 = u2 * u2
    u8 = u4 * u4
    u9 = u8 * u
    u32 = u8 * u8 * u8 * u8
    u36 = u32 * u4
    u40 = u36 * u4
    e10 = u36 * u36  # e^{-(V+65)/10}
    beta_n = 0.125 * u9  # 0.125 e^{-(V+65)/80}
    beta_m = 4.0 * u40  # 4 e^{-(V+65)/18}
    alpha_h = 0.07 * u36  # 0.07 e^{-(V+65)/20}
    beta_h = 1.0 / (1.0 + e10 * _E_3)  # 1/(1+e^{-(V+35)/10})
    alpha_n = 0.1 * _x_over_1_minus_exp((V + 55.0) * 0.1, e10 * _E_1)
    alpha_m = _x_over_1_minus_exp((V + 40.0) * 0.1, e10 * _E_2_5)
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n


@njit(cache=True, inline="always")
def _deriv(V, m, h, n, I, c):  # noqa: ANN001, ANN202 (numba-inlined helper)
    """Right-hand side of the HH equations, plus a stiffness estimate (1/ms)."""
    am, bm, ah, bh, an, bn = rates(V)
    m3h = m * m * m * h
    n2 = n * n
    n4 = n2 * n2
    g_na = c[G_NA] * m3h
    g_k = c[G_K] * n4
    dV = (I - g_na * (V - c[E_NA]) - g_k * (V - c[E_K]) - c[G_L] * (V - c[E_L])) * c[C_INV]
    sm = am + bm
    sh = ah + bh
    sn = an + bn
    # Diagonal of the Jacobian: total conductance / C for V, α+β for gates.
    stiff = max(max(sm, sh), max(sn, (g_na + g_k + c[G_L]) * c[C_INV]))
    return dV, am - sm * m, ah - sh * h, an - sn * n, stiff


@njit(cache=True, inline="always")
def _rk4(V, m, h, n, I, dt, c, k1V, k1m, k1h, k1n):  # noqa: ANN001, ANN202
    """One classic RK4 step from the first-stage slopes k1."""
    hd = 0.5 * dt
    k2V, k2m, k2h, k2n, _ = _deriv(V + hd * k1V, m + hd * k1m, h + hd * k1h, n + hd * k1n, I, c)
    k3V, k3m, k3h, k3n, _ = _deriv(V + hd * k2V, m + hd * k2m, h + hd * k2h, n + hd * k2n, I, c)
    k4V, k4m, k4h, k4n, _ = _deriv(V + dt * k3V, m + dt * k3m, h + dt * k3h, n + dt * k3n, I, c)
    s = dt / 6.0
    return (
        V + s * (k1V + 2.0 * (k2V + k3V) + k4V),
        m + s * (k1m + 2.0 * (k2m + k3m) + k4m),
        h + s * (k1h + 2.0 * (k2h + k3h) + k4h),
        n + s * (k1n + 2.0 * (k2n + k3n) + k4n),
    )


@njit(cache=True, inline="always")
def _phi(x: float) -> float:
    """(1 − e^{−x}) / x for x ≥ 0, without the cancellation or the 0/0."""
    if x < 1e-8:
        return 1.0 - 0.5 * x
    return -math.expm1(-x) / x


@njit(cache=True, inline="always")
def _exp_euler(V, m, h, n, I, dt, c):  # noqa: ANN001, ANN202
    """One exponential-Euler step: gates exact for frozen V, then V exact for frozen gates.

    Only first order, but unconditionally stable and it keeps the gates in
    [0, 1]; used only where RK4 would need more than MAX_SUBSTEPS substeps.
    Written as x + dt·ẋ·φ(k·dt) for dx/dt = a − k x, which is exact for that
    ODE and avoids both a/k (k can underflow) and the cancellation of
    x∞ + (x − x∞)e^{−k dt} when x∞ is huge (g → 0).
    """
    am, bm, ah, bh, an, bn = rates(V)
    sm = am + bm
    sh = ah + bh
    sn = an + bn
    m += dt * (am - sm * m) * _phi(sm * dt)
    h += dt * (ah - sh * h) * _phi(sh * dt)
    n += dt * (an - sn * n) * _phi(sn * dt)
    n2 = n * n
    g_na = c[G_NA] * m * m * m * h
    g_k = c[G_K] * n2 * n2
    g = g_na + g_k + c[G_L]
    dV = (I - g_na * (V - c[E_NA]) - g_k * (V - c[E_K]) - c[G_L] * (V - c[E_L])) * c[C_INV]
    V += dt * dV * _phi(g * c[C_INV] * dt)
    return V, m, h, n


@njit(cache=True, nogil=True)
def _neuron(i, state, I, c, dt, n_steps, k0, rec_every, rec_row0,
            rec_V, rec_m, rec_h, rec_n, spk, n_spk, n_sub):  # noqa: ANN001, ANN202
    """Advance neuron ``i`` by ``n_steps`` steps (see :func:`run_block`)."""
    V = state[0, i]
    m = state[1, i]
    h = state[2, i]
    n = state[3, i]
    vary = I.shape[0] > 1
    I_i = I[0, i]
    cnt = 0
    sub = 0
    # Steps until the next recorded sample (samples are at global k % rec_every == 0).
    if rec_every > 0:
        to_rec = (rec_every - k0 % rec_every) % rec_every
    else:
        to_rec = -1
    for k in range(n_steps):
        if to_rec == 0:
            row = (k0 + k) // rec_every - rec_row0
            rec_V[row, i] = V
            rec_m[row, i] = m
            rec_h[row, i] = h
            rec_n[row, i] = n
            to_rec = rec_every
        to_rec -= 1
        if vary:
            I_i = I[k, i]
        k1V, k1m, k1h, k1n, stiff = _deriv(V, m, h, n, I_i, c)
        lam = stiff * dt
        if lam <= SUBSTEP_TARGET * MAX_SUBSTEPS:
            n_div = 1
            if lam > STIFF_LIMIT:
                # Rare (extreme parameters, strong hyperpolarisation or a
                # coarse dt): split the step so RK4 stays stable.
                n_div = int(math.ceil(lam / SUBSTEP_TARGET))
                sub += 1
            hs = dt / n_div
            Vn, mn, hn, nn = V, m, h, n
            # One loop for both cases: a single inlined RK4 body keeps the
            # cold compile time down (each inlined copy costs seconds).
            for j in range(n_div):
                if j > 0:
                    k1V, k1m, k1h, k1n, stiff = _deriv(Vn, mn, hn, nn, I_i, c)
                Vn, mn, hn, nn = _rk4(Vn, mn, hn, nn, I_i, hs, c, k1V, k1m, k1h, k1n)
        else:
            hs = dt / MAX_SUBSTEPS
            Vn, mn, hn, nn = V, m, h, n
            for _ in range(MAX_SUBSTEPS):
                Vn, mn, hn, nn = _exp_euler(Vn, mn, hn, nn, I_i, hs, c)
            sub += 1
        # Spike = upward crossing of 0 mV, located by linear interpolation.
        # Two crossings need at least two steps, so the caller sizes spk for
        # n_steps // 2 + 1 and no bounds check is needed.
        if V < 0.0 and Vn >= 0.0:
            spk[i, cnt] = (k0 + k + (0.0 - V) / (Vn - V)) * dt
            cnt += 1
        V = Vn
        m = mn
        h = hn
        n = nn
    state[0, i] = V
    state[1, i] = m
    state[2, i] = h
    state[3, i] = n
    n_spk[i] = cnt
    n_sub[i] += sub


@njit(cache=True, nogil=True)
def run_block(state, I, c, dt, n_steps, k0, rec_every, rec_row0,
              rec_V, rec_m, rec_h, rec_n, spk, n_spk, n_sub, i_start, i_stop):  # noqa: ANN001, ANN201
    """Advance HH neurons ``i_start ≤ i < i_stop`` by ``n_steps`` steps, in place.

    The GIL is released, so threads may run disjoint neuron ranges of the
    same arrays at once (that is how batches use several cores: a plain
    thread pool avoids numba's parallel=True, which doubled the cold compile
    time and aborts under the workqueue layer when two threads launch it).

    Parameters
    ----------
    state : float64 (4, N)
        V (mV), m, h, n at global step ``k0``; overwritten with step k0+n_steps.
    I : float64 (1, N) or (n_steps, N)
        Input (µA/cm²), constant per neuron or one row per step.
    c : float64 (7,)
        1/C, g_Na, g_K, g_L, E_Na, E_K, E_L (see the index constants).
    dt : float
        Step (ms).
    n_steps, k0 : int
        Number of steps and global index of the first one (times are k·dt).
    rec_every : int
        Record the state before every global step k with k % rec_every == 0,
        into row ``k // rec_every - rec_row0`` of rec_V/m/h/n; 0 = no record.
    spk : float64 (N, ≥ n_steps // 2 + 1)
        Spike times (ms) found in this block; ``n_spk[i]`` of them are valid.
    n_sub : int64 (N,)
        Incremented by the number of steps that needed substeps.
    i_start, i_stop : int
        The neuron range to advance.
    """
    for i in range(i_start, i_stop):
        _neuron(i, state, I, c, dt, n_steps, k0, rec_every, rec_row0,
                rec_V, rec_m, rec_h, rec_n, spk, n_spk, n_sub)


@njit(cache=True, nogil=True)
def rates_array(V):  # noqa: ANN001, ANN201
    """The kernels' own rate evaluation on an array, shape (6, V.size); for tests."""
    out = np.empty((6, V.size))
    flat = V.ravel()
    for j in range(flat.size):
        r = rates(flat[j])
        for q in range(6):
            out[q, j] = r[q]
    return out
