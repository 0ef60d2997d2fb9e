"""Model views against the model's own predictions, computed directly."""

import numpy as np

from neurolab.core import datasets as D
from neurolab.core import model_views as mv
from neurolab.core.nn import MLP


def test_forward_all_ends_with_the_prediction_and_hidden_layers_are_activations():
    net = MLP([2, 5, 3, 4], ["tanh", "relu", "softmax"], seed=2)
    x = np.random.default_rng(0).normal(size=(7, 2))
    acts = mv.forward_all(net, x)
    assert [a.shape for a in acts] == [(7, 5), (7, 3), (7, 4)]
    np.testing.assert_allclose(acts[-1], net.predict(x), rtol=1e-12)
    W0, b0 = net.layers[0].W.val, net.layers[0].b.val
    np.testing.assert_allclose(acts[0], np.tanh(x @ W0 + b0), rtol=1e-12)
    assert net.training  # the mode is restored


def test_2d_view_classifies_the_grid_like_the_model():
    net = MLP([2, 6, 3], ["tanh", "softmax"], seed=1)
    view = mv.view_2d(net, (-1.0, 1.0, -2.0, 2.0), n=20)
    gx, gy = np.meshgrid(view.grid_x, view.grid_y)
    y = net.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    np.testing.assert_array_equal(view.surface.ravel(), np.argmax(y, axis=1))
    np.testing.assert_allclose(view.confidence.ravel(), y.max(axis=1), rtol=1e-12)
    assert view.hidden.shape == (6, 20, 20) and len(view.hidden_names) == 6
    # A single logistic unit: class 1 where p > 0.5, confidence max(p, 1 − p).
    one = MLP([2, 4, 1], ["tanh", "logistic"], seed=3)
    v1 = mv.view_2d(one, (-1, 1, -1, 1), n=10)
    p = one.predict(np.column_stack([a.ravel() for a in np.meshgrid(v1.grid_x, v1.grid_y)]))[:, 0]
    np.testing.assert_array_equal(v1.surface.ravel(), (p > 0.5).astype(int))
    np.testing.assert_allclose(v1.confidence.ravel(), np.maximum(p, 1 - p), rtol=1e-12)


def test_confusion_matrix_and_misclassified():
    data = D.load("digits", seed=0)
    net = MLP([64, 10], ["softmax"], seed=0)
    view = mv.view_classes(net, data.x_test, data.t_test, 10, "test")
    pred = np.argmax(net.predict(data.x_test), axis=1)
    assert view.confusion.sum() == data.x_test.shape[0]
    assert np.trace(view.confusion) == np.sum(pred == data.t_test)
    np.testing.assert_array_equal(
        view.confusion.sum(axis=1), np.bincount(data.t_test, minlength=10)
    )
    assert (pred[view.wrong] != data.t_test[view.wrong]).all()
    np.testing.assert_array_equal(view.wrong_pred, pred[view.wrong])
    assert view.wrong.size == min(mv.MAX_MISCLASSIFIED, np.sum(pred != data.t_test))


def test_1d_view_is_the_model_over_the_range():
    net = MLP([1, 8, 1], ["tanh", "linear"], seed=0)
    view = mv.view_1d(net, (-1.0, 1.0), n=50)
    np.testing.assert_allclose(view.curve_y, net.predict(view.curve_x[:, None])[:, 0], rtol=1e-12)
