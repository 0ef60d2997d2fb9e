"""Compiled Hodgkin–Huxley kernel (numba), used by :mod:`neurolab.core.hh`.

Everything numba compiles for HH lives in this one file: numba's on-disk cache
is invalidated by the timestamp of the file that holds a function, and the
rate function below is inlined into the kernel, so keeping them together
means an edit to the rates can never leave a stale kernel in the cache.

How it is fast (W2, 200 neurons × 100 000 steps, measured on the 2-core dev
machine): the neurons of a batch advance in lockstep, one time step at a
time, so the inner loop over neurons is plain arithmetic that LLVM turns into
SIMD code (8 neurons per AVX-512 instruction).  That needs three things:
no library calls in the loop (exp is a short polynomial here, see
:func:`_exp_small`), branch-free code (selects instead of ifs), and
``error_model="numpy"`` (numba's default Python error model puts a
zero-division check, i.e. a branch, on every division).  Rare stiff steps
leave the vector loop and are redone by a scalar routine.

Units: V in mV, t in ms, currents in µA/cm², conductances in mS/cm²,
capacitance in µF/cm², rates in 1/ms.
"""

from __future__ import annotations

import math

import numpy as np

from neurolab.core.compiled import entry_point, njit

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
#: exponentials finite (and inside _exp_small's range) so the gates stay in
#: [0, 1] instead of turning NaN.
V_RATE_CLAMP = 1000.0

_JIT = dict(cache=True, error_model="numpy")
_INLINE = dict(_JIT, inline="always")


@njit(**_INLINE)
def _exp_small(z: float) -> float:
    """e^z for |z| ≤ 1.5 (here |z| ≤ 1.48), as a polynomial LLVM can vectorise.

    e^z = (e^{z/4})⁴ with e^{z/4} from its Taylor series to degree 13: the
    truncation error is below 1e-17 for |z/4| ≤ 0.37, and the two squarings
    quadruple the ~1e-16 rounding error.
    """
    w = z * 0.25
    p = 1.0 / 6227020800.0
    p = p * w + 1.0 / 479001600.0
    p = p * w + 1.0 / 39916800.0
    p = p * w + 1.0 / 3628800.0
    p = p * w + 1.0 / 362880.0
    p = p * w + 1.0 / 40320.0
    p = p * w + 1.0 / 5040.0
    p = p * w + 1.0 / 720.0
    p = p * w + 1.0 / 120.0
    p = p * w + 1.0 / 24.0
    p = p * w + 1.0 / 6.0
    p = p * w + 0.5
    p = p * w + 1.0
    p = p * w + 1.0
    p = p * p
    return p * p


@njit(**_INLINE)
def _x_over_1_minus_exp(y: float, e: float) -> float:
    """y / (1 − e^{−y}) given ``e`` = e^{−y}; smooth through its removable pole at y = 0.

    Near 0 the quotient is 0/0, so a series is used there (next omitted term
    y⁸/1209600 < 1e-22 for |y| < 0.01); outside, the cancellation in 1 − e
    costs at most ~1e-11 relative.  Both branches are computed and one is
    selected, so the code stays vectorisable.
    """
    y2 = y * y
    series = 1.0 + 0.5 * y + y2 * (1.0 / 12.0 - y2 * (1.0 / 720.0 - y2 / 30240.0))
    near = abs(y) < 1e-2
    denom = 1.0 if near else 1.0 - e
    quotient = y / denom
    return series if near else quotient


@njit(**_INLINE)
def rates(V: float) -> tuple[float, float, float, float, float, float]:
    """(α_m, β_m, α_h, β_h, α_n, β_n) in 1/ms at membrane potential V (mV).

    exp() dominates the cost of an RK4 step (six per evaluation, four
    evaluations per step).  All six exponentials are powers of
    u = e^{−(V+65)/720} (720 = lcm of 80, 18, 20, 10) times constants, so one
    exp and a few multiplications give them all.  Measured against the numpy
    functions in :mod:`neurolab.core.hh` on −120…80 mV: β's and α_h within
    1e-13 relative, α_m and α_n within 3e-12 (the 1 − e^{−y} cancellation
    next to their poles) — far below the integration error.
    """
    V = min(max(V, -V_RATE_CLAMP), V_RATE_CLAMP)
    u = _exp_small((V + 65.0) * (-1.0 / 720.0))
    u2 = u * u
    u4 = u2 * u2
    u8 = u4 * u4
    u9 = u8 * u
    u32 = (u8 * u8) * (u8 * u8)
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


@njit(**_INLINE)
def _deriv(V, m, h, n, I_in, p):
    """Right-hand side of the HH equations, plus a stiffness estimate (1/ms).

    ``p`` = (1/C, g_Na, g_K, g_L, E_Na, E_K, E_L).
    """
    inv_c, g_na_max, g_k_max, g_l, e_na, e_k, e_l = p
    am, bm, ah, bh, an, bn = rates(V)
    n2 = n * n
    g_na = g_na_max * (m * m * m * h)
    g_k = g_k_max * (n2 * n2)
    dV = (I_in - g_na * (V - e_na) - g_k * (V - e_k) - g_l * (V - e_l)) * inv_c
    sm = am + bm
    sh = ah + bh
    sn = an + bn
    # Diagonal of the Jacobian: total conductance / C for V, α+β for gates.
    stiff = max(max(sm, sh), max(sn, (g_na + g_k + g_l) * inv_c))
    return dV, am - sm * m, ah - sh * h, an - sn * n, stiff


@njit(**_INLINE)
def _rk4(V, m, h, n, I_in, dt, p, k1V, k1m, k1h, k1n):
    """One classic RK4 step from the first-stage slopes k1."""
    hd = 0.5 * dt
    k2V, k2m, k2h, k2n, _ = _deriv(V + hd * k1V, m + hd * k1m, h + hd * k1h, n + hd * k1n, I_in, p)
    k3V, k3m, k3h, k3n, _ = _deriv(V + hd * k2V, m + hd * k2m, h + hd * k2h, n + hd * k2n, I_in, p)
    k4V, k4m, k4h, k4n, _ = _deriv(V + dt * k3V, m + dt * k3m, h + dt * k3h, n + dt * k3n, I_in, p)
    s = dt / 6.0
    return (
        V + s * (k1V + 2.0 * (k2V + k3V) + k4V),
        m + s * (k1m + 2.0 * (k2m + k3m) + k4m),
        h + s * (k1h + 2.0 * (k2h + k3h) + k4h),
        n + s * (k1n + 2.0 * (k2n + k3n) + k4n),
    )


@njit(**_INLINE)
def _phi(x: float) -> float:
    """(1 − e^{−x}) / x for x ≥ 0, without the cancellation or the 0/0."""
    if x < 1e-8:
        return 1.0 - 0.5 * x
    return -math.expm1(-x) / x


@njit(**_INLINE)
def _exp_euler(V, m, h, n, I_in, dt, p):
    """One exponential-Euler step: gates exact for frozen V, then V exact for frozen gates.

    Only first order, but unconditionally stable and it keeps the gates in
    [0, 1]; used only where RK4 would need more than MAX_SUBSTEPS substeps.
    Written as x + dt·ẋ·φ(k·dt) for dx/dt = a − k x, which is exact for that
    ODE and avoids both a/k (k can underflow) and the cancellation of
    x∞ + (x − x∞)e^{−k dt} when x∞ is huge (g → 0).
    """
    inv_c, g_na_max, g_k_max, g_l, e_na, e_k, e_l = p
    am, bm, ah, bh, an, bn = rates(V)
    sm = am + bm
    sh = ah + bh
    sn = an + bn
    m += dt * (am - sm * m) * _phi(sm * dt)
    h += dt * (ah - sh * h) * _phi(sh * dt)
    n += dt * (an - sn * n) * _phi(sn * dt)
    n2 = n * n
    g_na = g_na_max * (m * m * m * h)
    g_k = g_k_max * (n2 * n2)
    g = g_na + g_k + g_l
    dV = (I_in - g_na * (V - e_na) - g_k * (V - e_k) - g_l * (V - e_l)) * inv_c
    V += dt * dV * _phi(g * inv_c * dt)
    return V, m, h, n


@njit(**_JIT)
def _stiff_step(V, m, h, n, I_in, dt, p, lam):
    """Advance one step of length ``dt`` whose stiffness estimate·dt is ``lam``.

    Rare (extreme parameters, strong hyperpolarisation or a coarse dt), so it
    is a plain function called from the scalar fix-up loop, compiled once.
    """
    if lam <= SUBSTEP_TARGET * MAX_SUBSTEPS:
        n_div = int(math.ceil(lam / SUBSTEP_TARGET))
        hs = dt / n_div
        for _ in range(n_div):
            k1V, k1m, k1h, k1n, _s = _deriv(V, m, h, n, I_in, p)
            V, m, h, n = _rk4(V, m, h, n, I_in, hs, p, k1V, k1m, k1h, k1n)
    else:  # also NaN: exponential Euler cannot make things worse
        hs = dt / MAX_SUBSTEPS
        for _ in range(MAX_SUBSTEPS):
            V, m, h, n = _exp_euler(V, m, h, n, I_in, hs, p)
    return V, m, h, n


@entry_point(
    "void(f8[:, ::1], f8[:, ::1], f8[::1], f8, i8, i8, i8, i8, f8[:, ::1], f8[:, "
    "::1], f8[:, ::1], f8[:, ::1], f8[:, ::1], i8[::1], i8[::1], i8, i8)",
    nogil=True,
    error_model="numpy",
)
def run_block(
    state,
    I_in,
    c,
    dt,
    n_steps,
    k0,
    rec_every,
    rec_row0,
    rec_V,
    rec_m,
    rec_h,
    rec_n,
    spk,
    n_spk,
    n_sub,
    i_start,
    i_stop,
):
    """Advance HH neurons ``i_start ≤ i < i_stop`` by ``n_steps`` steps, in place.

    The GIL is released, so threads may run disjoint neuron ranges of the
    same arrays at once: that is how batches use several cores (a plain
    thread pool; numba's parallel=True doubled the cold compile time and
    aborts under its workqueue layer when two threads launch it at once).

    Parameters
    ----------
    state : float64 (4, N)
        V (mV), m, h, n at global step ``k0``; overwritten with step k0+n_steps.
    I_in : float64 (1, N) or (n_steps, N)
        Input (µA/cm²), constant per neuron or one row per step.
    c : float64 (7,)
        1/C, g_Na, g_K, g_L, E_Na, E_K, E_L.
    dt : float
        Step (ms).
    n_steps, k0 : int
        Number of steps and global index of the first one (times are k·dt).
    rec_every : int
        Record the state before every global step k with k % rec_every == 0,
        into row ``k // rec_every - rec_row0`` of rec_V/m/h/n; 0 = no record.
    spk : float64 (N, ≥ n_steps // 2 + 1)
        Spike times (ms) found in this block; ``n_spk[i]`` of them are valid.
        Two upward crossings need at least two steps, so that size always
        suffices and the kernel does no bounds check.
    n_sub : int64 (N,)
        Incremented by the number of steps that needed substeps.
    i_start, i_stop : int
        The neuron range to advance.
    """
    p = (c[0], c[1], c[2], c[3], c[4], c[5], c[6])
    Vs, ms, hs, ns = state[0], state[1], state[2], state[3]
    N = i_stop - i_start
    Vn = np.empty(N)
    mn = np.empty(N)
    hn = np.empty(N)
    nn = np.empty(N)
    lam = np.empty(N)
    for i in range(i_start, i_stop):
        n_spk[i] = 0
    vary = I_in.shape[0] > 1
    for k in range(n_steps):
        g = k0 + k
        if rec_every > 0 and g % rec_every == 0:
            row = g // rec_every - rec_row0
            for i in range(i_start, i_stop):
                rec_V[row, i] = Vs[i]
                rec_m[row, i] = ms[i]
                rec_h[row, i] = hs[i]
                rec_n[row, i] = ns[i]
        Ik = I_in[k] if vary else I_in[0]
        # Vectorised loop: an RK4 step for every neuron, no branches.
        for j in range(N):
            i = i_start + j
            V = Vs[i]
            m = ms[i]
            h = hs[i]
            n = ns[i]
            Ii = Ik[i]
            k1V, k1m, k1h, k1n, stiff = _deriv(V, m, h, n, Ii, p)
            Vn[j], mn[j], hn[j], nn[j] = _rk4(V, m, h, n, Ii, dt, p, k1V, k1m, k1h, k1n)
            lam[j] = stiff * dt
        # Scalar loop: redo stiff steps, find spikes, commit.
        for j in range(N):
            i = i_start + j
            V = Vs[i]
            if not lam[j] <= STIFF_LIMIT:  # "not <=" also catches NaN
                Vn[j], mn[j], hn[j], nn[j] = _stiff_step(
                    V, ms[i], hs[i], ns[i], Ik[i], dt, p, lam[j]
                )
                n_sub[i] += 1
            Vj = Vn[j]
            # Spike = upward crossing of 0 mV, located by linear interpolation.
            if V < 0.0 and Vj >= 0.0:
                spk[i, n_spk[i]] = (g + (0.0 - V) / (Vj - V)) * dt
                n_spk[i] += 1
            Vs[i] = Vj
            ms[i] = mn[j]
            hs[i] = hn[j]
            ns[i] = nn[j]


@entry_point("f8[:, ::1](f8[::1])", nogil=True, error_model="numpy")
def rates_array(V):
    """The kernel's own rate evaluation on an array, shape (6, V.size); for tests."""
    out = np.empty((6, V.size))
    flat = V.ravel()
    for j in range(flat.size):
        r = rates(flat[j])
        for q in range(6):
            out[q, j] = r[q]
    return out
