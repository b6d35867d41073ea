"""Unit checks of the PyTorch side without the engine: the IRE rule (docs/algorithm.md "The flat
mask", "The toy problem"), the base optimizers against torch.optim, the learning-rate schedule,
safetensors and checkpoint round trips, the CSV's number format, and a config's training subset."""
from __future__ import annotations

import math
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import numpy as np
import torch

from .helpers import adamw

from ire_playground import checkpoint as ckpt  # noqa: E402
from ire_playground import data as data_mod  # noqa: E402
from ire_playground import safetensors  # noqa: E402
from ire_playground.ire import IRE, flat_rank  # noqa: E402
from ire_playground.metrics import js_num  # noqa: E402
from ire_playground.optim import SGD, AdamW  # noqa: E402
from ire_playground.schedule import learning_rate  # noqa: E402


def ire_on(values: list[float], gamma: float) -> IRE:
    p = torch.nn.Parameter(torch.zeros(len(values)))
    p.grad = torch.tensor(values).sqrt()  # h = ĝ² = values
    ire = IRE(SGD([{"params": [p], "decay": True}], 0.1, 0.0, False, 0.0, 0.0), kappa=1.0, gamma=gamma)
    ire.refresh(0)
    return ire


class IreRule(unittest.TestCase):
    def test_rank(self) -> None:
        self.assertEqual(flat_rank(0.5, 2), 1)  # the toy: u alone
        self.assertEqual(flat_rank(0.29, 100), 29)  # not 28 by rounding
        self.assertEqual(flat_rank(0.0, 10), 0)
        self.assertEqual(flat_rank(1.0, 10), 10)

    def test_threshold_ties_and_none(self) -> None:
        ire = ire_on([4.0, 1.0, 1.0, 9.0, 1.0, 16.0], gamma=0.34)  # k = 2, three tied at thr = 1
        self.assertEqual(ire.threshold, 1.0)
        self.assertEqual(ire.mask[0].tolist(), [False, True, True, False, True, False])
        self.assertEqual(ire.mask_count, 3)
        none = ire_on([4.0, 1.0], gamma=0.4)  # k = 0
        self.assertEqual((none.threshold, none.mask_count), (-1.0, 0))
        self.assertFalse(bool(none.mask[0].any()))

    def test_toy_problem(self) -> None:
        """L(u, v) = (1 + u²)v²/2, γ = 0.5: u ← u − η(1 + κ)uv², v ← v − η(1 + u²)v."""
        u0, v0, eta, kappa = 1.0, 0.01, 1.0, 90.0
        theta = torch.nn.Parameter(torch.tensor([u0, v0], dtype=torch.float64))
        ire = IRE(SGD([{"params": [theta], "decay": True}], eta, 0.0, False, 0.0, 0.0), kappa=kappa, gamma=0.5, kappa_follows_lr=False)
        theta.grad = torch.tensor([v0, math.sqrt(1 + u0 * u0)], dtype=torch.float64)  # √ of the Hessian diagonal
        ire.refresh(0)
        self.assertEqual(ire.mask[0].tolist(), [True, False])
        theta.grad = torch.tensor([u0 * v0 * v0, (1 + u0 * u0) * v0], dtype=torch.float64)
        ire.step(kappa=ire.kappa_at(0, eta))
        u, v = theta.detach().tolist()
        self.assertAlmostEqual(u, u0 - eta * (1 + kappa) * u0 * v0 * v0, places=6)
        self.assertAlmostEqual(v, v0 - eta * (1 + u0 * u0) * v0, places=12)

    def test_kappa_schedule_and_start(self) -> None:
        ire = ire_on([1.0, 2.0], 0.5)
        ire.start_step, ire.lr_max, ire.kappa = 3, 0.01, 4.0
        self.assertEqual(ire.kappa_at(2, 0.01), 0.0)
        self.assertAlmostEqual(ire.kappa_at(3, 0.005), 2.0)
        ire.kappa_follows_lr = False
        self.assertEqual(ire.kappa_at(3, 0.005), 4.0)
        ire.last_refresh, ire.refresh_every = 3, 10
        self.assertEqual([ire.is_refresh_step(s) for s in (2, 12, 13)], [False, False, True])

    def test_ema_starts_from_the_first_estimate(self) -> None:
        ire = ire_on([4.0, 1.0], 0.5)
        ire.ema = 0.5
        self.assertEqual(ire.h[0].tolist(), [4.0, 1.0])  # β = 0 on the first estimate
        ire.base.param_groups[0]["params"][0].grad = torch.tensor([0.0, 3.0])
        ire.refresh(1)
        self.assertEqual(ire.h[0].tolist(), [2.0, 5.0])

    def test_kappa_zero_is_the_base_optimizer(self) -> None:
        torch.manual_seed(0)
        a = torch.nn.Parameter(torch.randn(50))
        b = torch.nn.Parameter(a.detach().clone())
        base_a = AdamW([{"params": [a], "decay": True}], 1e-2, (0.9, 0.95), 1e-8, 0.1, 1.0)
        ire = IRE(AdamW([{"params": [b], "decay": True}], 1e-2, (0.9, 0.95), 1e-8, 0.1, 1.0), kappa=0.0, gamma=0.5)
        for _ in range(3):
            g = torch.randn(50)
            a.grad, b.grad = g.clone(), g.clone()
            base_a.step()
            ire.step(kappa=0.0)
        self.assertTrue(torch.equal(a, b))


class BaseOptimizers(unittest.TestCase):
    def test_adamw_and_sgd_follow_torch_optim(self) -> None:
        torch.manual_seed(1)
        for make_ours, make_torch in (
            (lambda p: AdamW([{"params": [p], "decay": True}], 1e-2, (0.9, 0.95), 1e-8, 0.1, 0.0), lambda p: torch.optim.AdamW([p], 1e-2, (0.9, 0.95), 1e-8, 0.1)),
            (lambda p: SGD([{"params": [p], "decay": True}], 1e-2, 0.9, True, 5e-4, 0.0), lambda p: torch.optim.SGD([p], 1e-2, 0.9, nesterov=True, weight_decay=5e-4)),
        ):
            x = torch.nn.Parameter(torch.randn(100))
            y = torch.nn.Parameter(x.detach().clone())
            ours, ref = make_ours(x), make_torch(y)
            for _ in range(5):
                g = torch.randn(100)
                x.grad, y.grad = g.clone(), g.clone()
                ours.step()
                ref.step()
            torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6)

    def test_clipping_uses_the_global_norm(self) -> None:
        p = torch.nn.Parameter(torch.zeros(2))
        opt = SGD([{"params": [p], "decay": False}], 1.0, 0.0, False, 0.0, 1.0)
        p.grad = torch.tensor([3.0, 4.0])
        opt.step()
        self.assertAlmostEqual(opt.grad_norm_sq, 25.0)
        torch.testing.assert_close(p.detach(), torch.tensor([-0.6, -0.8]), rtol=1e-5, atol=1e-6)

    def test_schedule(self) -> None:
        self.assertEqual(learning_rate(0, 1.0, 0.1, 4, 20), 0.25)
        self.assertEqual(learning_rate(3, 1.0, 0.1, 4, 20), 1.0)
        self.assertEqual(learning_rate(4, 1.0, 0.1, 4, 20), 1.0)
        self.assertAlmostEqual(learning_rate(12, 1.0, 0.1, 4, 20), 0.55)
        self.assertEqual(learning_rate(25, 1.0, 0.1, 4, 20), 0.1)


class Files(unittest.TestCase):
    def test_safetensors_round_trip(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            t = [("a", np.arange(6, dtype=np.float32).reshape(2, 3)), ("b", np.array([1, 2], dtype=np.uint32))]
            safetensors.write(Path(d) / "x.safetensors", t, {"k": "v"})
            got, meta = safetensors.read(Path(d) / "x.safetensors")
            self.assertEqual(list(got), ["a", "b"])
            np.testing.assert_array_equal(got["a"], t[0][1])
            self.assertEqual(meta, {"k": "v"})
            raw = (Path(d) / "x.safetensors").read_bytes()
            n = int.from_bytes(raw[:8], "little")
            self.assertEqual((8 + n) % 8, 0)

    def test_checkpoint_round_trip(self) -> None:
        comparison = {"version": 1, "model": "mlp-mnist", "dataset": "mnist", "seed": 9, "batchSize": 4, "totalSteps": 10, "evalEvery": 0, "sharpnessEvery": 0, "sharpnessProbes": 8, "checkpointEvery": 50}
        run = {"id": "A", "name": "AdmIRE", "optimizer": adamw({"kappa": 2})}
        ck = ckpt.fresh(dict(comparison, runs=[run]), run, {"kind": "mlp", "inputs": 784, "hidden": [8], "classes": 10})
        with tempfile.TemporaryDirectory() as d:
            ckpt.save(Path(d) / "c.safetensors", ck)
            back = ckpt.load(Path(d) / "c.safetensors")
            _, meta = safetensors.read(Path(d) / "c.safetensors")
        self.assertEqual(set(meta), {"format", "version", "step", "seed", "run_id", "run_ids", "refresh_count", "ire_last_refresh_step", "comparison_config", "run_config", "model_config", "run_state", "events"})
        self.assertEqual(meta["run_state"], '{"id":"A","step":0,"refreshCount":0,"ireLastRefresh":null,"ireRefreshPending":false,"diverged":false}')
        for k in ck.params:
            np.testing.assert_array_equal(back.params[k], ck.params[k])
        self.assertEqual(back.run_config, run)

    def test_js_numbers(self) -> None:
        for x, s in ((0.003, "0.003"), (1e-5, "0.00001"), (1e-7, "1e-7"), (123.0, "123"), (2.5e-7, "2.5e-7"), (1.5e21, "1.5e+21"), (0.1 + 0.2, "0.30000000000000004")):
            self.assertEqual(js_num(x), s)


def image_dataset(n_train: int, n_test: int) -> data_mod.ImageDataset:
    """Images whose pixels are their index in the split (so a subset is recognisable)."""

    def px(n: int) -> np.ndarray:
        return np.arange(n, dtype=np.uint8)[:, None, None, None] * np.ones((1, 1, 28, 28), dtype=np.uint8)

    return data_mod.ImageDataset("mnist", 1, 28, 28, 10, px(n_train), np.arange(n_train) % 10, px(n_test), np.arange(n_test) % 10)


class TrainSubset(unittest.TestCase):
    """config.json's trainSubset (src/train/trainingData.ts trainingDataFor): the first N training images."""

    def test_keeps_the_first_n_training_images_and_the_test_split_whole(self) -> None:
        d = image_dataset(64, 32)
        s = data_mod.with_train_subset(d, 16)
        assert isinstance(s, data_mod.ImageDataset)
        np.testing.assert_array_equal(s.train_pixels, d.train_pixels[:16])
        np.testing.assert_array_equal(s.train_labels, d.train_labels[:16])
        self.assertIs(s.test_pixels, d.test_pixels)
        self.assertIs(data_mod.with_train_subset(d, 0), d)
        with self.assertRaisesRegex(ValueError, r"a training subset of 65 images is larger than the training split \(64 images\)"):
            data_mod.with_train_subset(d, 65)
        with self.assertRaisesRegex(ValueError, "is for image datasets"):
            data_mod.with_train_subset(data_mod.TextDataset("moby-dick", ["a"], np.zeros(10, dtype=np.int64), np.zeros(5, dtype=np.int64)), 4)

    def test_a_comparison_config_is_loaded_with_its_subset(self) -> None:
        d = image_dataset(64, 32)
        with mock.patch.object(data_mod, "load_dataset", return_value=d):
            sub = data_mod.load_comparison_data({"dataset": "mnist", "trainSubset": 16})
            older = data_mod.load_comparison_data({"dataset": "mnist"})  # a config written before the field
        assert isinstance(sub, data_mod.ImageDataset)
        self.assertEqual(len(sub.train_labels), 16)
        self.assertIs(older, d)
        # Full batch on the subset: every step's batch is the 16 images, in some order.
        b = data_mod.Batches(sub, 16, 1, 7)
        for step in (0, 1, 5):
            _, y = b.train(step)
            self.assertEqual(sorted(y.tolist()), sorted(sub.train_labels.tolist()))


if __name__ == "__main__":
    unittest.main()
