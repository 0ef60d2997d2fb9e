"""The trainer: mini-batches, reproducibility, live hyper-parameters, divergence, files."""

import math

import numpy as np
import pytest

from neurolab.core import datasets as D
from neurolab.core.datasets import Augmentation
from neurolab.core.losses import UnnaturalPairingWarning
from neurolab.core.params import ParamError
from neurolab.core.training import Architecture, Diverged, Trainer, TrainParams

XOR_ARCH = Architecture((8,), "tanh", "softmax", "ce")


def _xor(n=200, seed=0):
    return D.load("xor", n=n, noise=0.1, seed=seed)


def test_xor_is_learned_to_100_percent():
    tr = Trainer(_xor(), XOR_ARCH, TrainParams(lr=0.1, momentum=0.9, epochs=100, batch_size=16))
    last = tr.fit()
    assert last.epoch == 100
    assert last.train_accuracy == 1.0 and last.val_accuracy == 1.0
    assert tr.evaluate("test")[1] == 1.0


def test_w4_digits_reach_97_percent():
    """SPEC §6 W4: 64-100-10, ReLU, softmax + CE, batch 32, lr 0.1, momentum 0.9, 50 epochs."""
    data = D.load("digits", seed=0)
    assert data.sizes == (1438, 0, 359)
    tr = Trainer(
        data,
        Architecture((100,), "relu", "softmax", "ce"),
        TrainParams(lr=0.1, momentum=0.9, batch_size=32, epochs=50),
    )
    tr.fit()
    loss, acc = tr.evaluate("test")
    assert acc >= 0.97 and math.isfinite(loss)


def test_batches_cover_each_epoch_once_reshuffled_last_partial_included():
    data = D.load("blobs", n=10, noise=0.1, seed=1, val_fraction=0.0, test_fraction=0.0)
    tr = Trainer(data, Architecture((4,), "tanh", "softmax", "ce"), TrainParams(batch_size=4))
    assert tr.batches_per_epoch == 3
    perms = []
    for _ in range(2):
        sizes = []
        for _ in range(3):
            before = tr._pos if tr._pos < 10 else 0  # a new epoch starts at 0
            p = tr.step_batch()
            sizes.append(tr._pos - before)
        assert p.epoch_done and sizes == [4, 4, 2]
        perms.append(tr._perm.copy())
        np.testing.assert_array_equal(np.sort(perms[-1]), np.arange(10))
    assert not np.array_equal(perms[0], perms[1])  # reshuffled
    assert tr.epoch == 2 and tr.step == 6


def test_reset_replays_the_same_run_bit_for_bit():
    data = D.load("digits", seed=3)
    params = TrainParams(lr=0.05, momentum=0.5, batch_size=64, dropout=0.3, epochs=2)
    aug = Augmentation(max_shift=1, pixel_noise=0.05)
    tr = Trainer(data, Architecture((20,), "relu", "softmax", "ce"), params, aug)
    first = [tr.step_batch().batch_loss for _ in range(30)]
    state = tr.model.state()
    tr.reset()
    second = [tr.step_batch().batch_loss for _ in range(30)]
    assert first == second
    for k, v in tr.model.state().items():
        np.testing.assert_array_equal(v, state[k])
    # A different seed is a different run.
    other = Trainer(data, tr.arch, params.copy(seed=4), aug)
    assert [other.step_batch().batch_loss for _ in range(3)] != first[:3]


def test_new_hyper_parameters_apply_from_the_next_batch():
    tr = Trainer(_xor(), XOR_ARCH, TrainParams(lr=0.5, epochs=50, batch_size=8))
    gen = tr.run(every="batch")
    next(gen)
    frozen = [w.copy() for w in (p.val for p in tr.model.parameters())]
    # The smallest learning rate allowed: the next batch barely moves the weights.
    gen.send({"params": tr.params.copy(lr=1e-4)})
    after = [p.val for p in tr.model.parameters()]
    moved = max(float(np.abs(a - b).max()) for a, b in zip(after, frozen, strict=True))
    assert 0 < moved < 1e-3
    assert tr.optimizer.lr == 1e-4
    gen.close()


def test_a_learning_rate_of_100_stops_with_the_last_good_parameters():
    data = D.load("digits", seed=0)
    arch = Architecture((100,), "relu", "softmax", "ce")
    params = TrainParams(lr=100.0, momentum=0.9, batch_size=32, epochs=5)
    tr = Trainer(data, arch, params)
    progress = list(tr.run("batch"))
    last = progress[-1]
    assert last.diverged and "diverged" in last.diverged and "learning rate" in last.diverged
    k = len(progress) - 1  # steps taken before the one that diverged
    # Restored: the last parameters whose loss was checked and good — those before
    # step k when step k + 1's loss blew up, those before step k + 1 when its update
    # made a parameter infinite.  The same run stopped there holds exactly them.
    good_steps = k if "became infinite" in last.diverged else k - 1
    ref = Trainer(data, arch, params)
    for _ in range(good_steps):
        ref.step_batch()
    for key, v in ref.model.state().items():
        np.testing.assert_array_equal(tr.model.state()[key], v)
    assert all(np.isfinite(p.val).all() for p in tr.model.parameters())
    with pytest.raises(Diverged):
        tr.step_batch()
    with pytest.raises(Diverged):
        Trainer(data, arch, params).fit()


def test_norms_are_the_layers_l1_and_l2():
    tr = Trainer(_xor(), Architecture((5, 3), "tanh", "softmax", "ce"), TrainParams())
    assert tr.step_batch().weight_norms.size == 0  # not computed unless reported
    tr.norms_every_batch = True
    p = tr.step_batch()
    params = tr.model.parameters()
    for layer in range(3):
        W, b = params[2 * layer].val, params[2 * layer + 1].val
        assert p.weight_norms[layer, 0] == pytest.approx(np.abs(W).sum() + np.abs(b).sum())
        assert p.weight_norms[layer, 1] == pytest.approx(np.sqrt((W**2).sum() + (b**2).sum()))
    assert (p.grad_norms > 0).all()


def test_bce_on_two_classes_and_mse_on_regression():
    circles = D.load("circles", n=300, noise=0.05, seed=2)
    tr = Trainer(
        circles,
        Architecture((12,), "tanh", "logistic", "bce"),
        TrainParams(lr=0.3, momentum=0.9, epochs=150, batch_size=16),
    )
    assert tr.n_out == 1
    assert tr.fit().val_accuracy > 0.9
    sine = D.load("sine", n=100, noise=0.05, seed=0)
    tr = Trainer(
        sine,
        Architecture((16,), "tanh", "linear", "mse"),
        TrainParams(lr=0.05, momentum=0.9, epochs=200, batch_size=10),
    )
    first = tr.evaluate("train")[0]
    last = tr.fit()
    assert math.isnan(last.val_accuracy)
    assert last.train_loss < first / 5


def test_bad_pairings_and_combinations():
    with pytest.warns(UnnaturalPairingWarning):
        Trainer(_xor(), Architecture((4,), "tanh", "logistic", "ce"))
    with pytest.raises(ParamError, match="two classes"):
        Trainer(D.load("blobs", classes=3), Architecture((4,), "tanh", "logistic", "bce"))
    with pytest.raises(ParamError, match="MSE"):
        Trainer(D.load("sine"), Architecture((4,), "tanh", "softmax", "ce"))


def test_save_and_load_round_trip(tmp_path):
    tr = Trainer(_xor(), XOR_ARCH, TrainParams(momentum=0.9, epochs=3))
    tr.fit()
    path = tmp_path / "model.npz"
    tr.save(str(path))
    again = Trainer(_xor(), XOR_ARCH, TrainParams(momentum=0.9, epochs=3))
    again.load(str(path))
    x = tr.data.x_test
    np.testing.assert_array_equal(again.outputs(x), tr.outputs(x))
    assert again.epoch == 3
    for key, v in tr.optimizer.state().items():  # momentum buffers too
        np.testing.assert_array_equal(again.optimizer.state()[key], v)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable NeuroLab model"):
        again.load(str(bad))
    other = Trainer(_xor(), Architecture((3,), "tanh", "softmax", "ce"))
    with pytest.raises(ValueError, match="does not fit"):
        other.load(str(path))


def test_epoch_loss_is_the_mean_of_the_batch_losses_and_train_eval_can_be_off():
    data = D.load("blobs", n=50, noise=0.2, seed=1, val_fraction=0.2, test_fraction=0.0)
    tr = Trainer(data, Architecture((4,), "tanh", "softmax", "ce"), TrainParams(batch_size=8))
    n = data.x_train.shape[0]
    sizes = [min(8, n - i) for i in range(0, n, 8)]
    gen = tr.run("batch")
    losses = [next(gen).batch_loss]
    while len(losses) < len(sizes):
        losses.append(gen.send(None).batch_loss)
    last = tr.last
    assert last.epoch_done
    assert last.epoch_loss == pytest.approx(np.dot(losses, sizes) / n, rel=1e-12)
    assert last.train_loss == pytest.approx(tr.evaluate("train")[0], rel=1e-12)
    tr.evaluate_train = False
    p = tr.step_epoch()
    assert math.isnan(p.train_loss) and math.isfinite(p.epoch_loss) and math.isfinite(p.val_loss)
    gen.close()


def test_params_set_for_later_apply_at_the_next_batch():
    tr = Trainer(_xor(), XOR_ARCH, TrainParams(lr=0.5, batch_size=8))
    tr.step_batch()
    tr.set_params_later(tr.params.copy(lr=0.01, dropout=0.2))
    assert tr.optimizer.lr == 0.5
    tr.step_batch()
    assert tr.optimizer.lr == 0.01 and tr.model.dropout == 0.2
