"""The rate neuron y = σ(gain·I + bias)."""

import numpy as np
import pytest

from neurolab.core import rate
from neurolab.core.stimulus import Constant, Sine


def test_response_is_the_activation_of_the_scaled_input():
    t = np.arange(0, 100, 0.1)
    stim = Sine(frequency=10, amplitude=2, offset=0.5)
    p = rate.RateParams(activation="tanh", gain=2.0, bias=-0.5)
    chunks = list(rate.stream(stim, p, dt=0.1, chunk_ms=7, t_end=100))
    y = np.concatenate([c.y for c in chunks])
    tt = np.concatenate([c.t for c in chunks])
    np.testing.assert_allclose(tt, t, atol=1e-12)
    np.testing.assert_allclose(y, np.tanh(2.0 * stim.values(t) - 0.5), atol=1e-12)


def test_send_changes_activation_and_stimulus_between_chunks():
    gen = rate.stream(Constant(amplitude=1.0), rate.RateParams(activation="relu"), dt=1, chunk_ms=5)
    first = next(gen)
    assert first.y == pytest.approx(np.ones(5))
    second = gen.send(
        {"params": rate.RateParams(activation="logistic"), "stimulus": Constant(amplitude=0.0)}
    )
    assert second.t[0] == 5.0
    assert second.y == pytest.approx(np.full(5, 0.5))
    gen.close()
