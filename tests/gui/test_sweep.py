"""The oscilloscope ring buffer."""

import numpy as np

from neurolab.gui.widgets.sweep import SweepBuffer


def feed(buf, t_end, dt=0.5, chunk=7):
    t = np.arange(0, t_end, dt)
    for i in range(0, len(t), chunk):
        tt = t[i : i + chunk]
        buf.append(tt, {"y": np.sin(tt)})
    return t


def test_screen_position_is_time_modulo_window():
    buf = SweepBuffer(window=20.0, dt=0.5, names=["y"])
    t = feed(buf, 47.0)
    xn, yn, xo, yo = buf.segments("y")
    # The fresh part holds the latest sweep: t in [40, 47) drawn at t - 40.
    np.testing.assert_allclose(xn, t[t >= 40] - 40)
    np.testing.assert_allclose(yn, np.sin(t[t >= 40]))
    # The old part is the previous sweep after the gap.
    assert xo[0] > xn[-1]
    np.testing.assert_allclose(yo, np.sin(xo + 20))


def test_ordered_returns_the_last_window_in_time_order():
    buf = SweepBuffer(window=20.0, dt=0.5, names=["y"])
    t = feed(buf, 53.0)
    out = buf.ordered()
    np.testing.assert_allclose(out["t"], t[-40:])
    np.testing.assert_allclose(out["y"], np.sin(t[-40:]))
    assert list(out)[0] == "t"


def test_before_the_first_wrap_only_written_samples_show():
    buf = SweepBuffer(window=20.0, dt=0.5, names=["y"])
    feed(buf, 5.0)
    xn, yn, xo, yo = buf.segments("y")
    assert len(xn) == 10 and len(xo) == 0
    assert np.isfinite(yn).all()
    assert len(buf.ordered()["t"]) == 10


def test_a_chunk_wider_than_the_screen_keeps_its_last_screenful():
    buf = SweepBuffer(window=10.0, dt=1.0, names=["y"])
    t = np.arange(0.0, 35.0)
    buf.append(t, {"y": t})
    out = buf.ordered()
    np.testing.assert_allclose(out["t"], t[-10:])
