"""Two ranks (gloo, CPU) against one with the same global batch: DistributedDataParallel splits
the batch, the IRE labels keep their global row's stream, the sampled-label gradient is averaged
before it is squared, so losses agree to 1e-5 relative over 20 AdmIRE steps and every mask is
the same. With the labels' row offset dropped (every rank drawing rows 0…), the estimate differs:
the test can fail."""
from __future__ import annotations

import os
import socket
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from .helpers import adamw, flat, load, metrics, run_python

from ire_playground import checkpoint as ckpt  # noqa: E402
from ire_playground.data import build_text_dataset  # noqa: E402

STEPS = 20
TEXT = "".join(f"Call me Ishmael {i}. Some years ago, never mind how long precisely, having little money in my purse ({i * 7 % 13}).\n" for i in range(120))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker(rank: int, world: int, port: int, argv: list[str], drop_offset: bool) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    from ire_playground import train

    if drop_offset:
        real = train.sample_labels
        train.sample_labels = lambda logits, seed, counter, row_offset=0: real(logits, seed, counter, 0)  # type: ignore[assignment]
    try:
        train.main([*argv, "--quiet", "--device", "cpu"])
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


class Distributed(unittest.TestCase):
    tmp: tempfile.TemporaryDirectory[str]
    dir: Path

    @classmethod
    def setUpClass(cls) -> None:
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="ire-ddp-")
        cls.dir = d = Path(cls.tmp.name)
        (d / "text.txt").write_text(TEXT)
        vocab = len(build_text_dataset("text.txt", TEXT).vocab)
        comparison = {"version": 1, "model": "gpt-tiny", "dataset": "user-text", "seed": 5, "batchSize": 4, "totalSteps": STEPS, "evalEvery": 0, "sharpnessEvery": 0, "sharpnessProbes": 8, "checkpointEvery": 50}
        run = {"id": "A", "name": "AdmIRE", "optimizer": adamw({"kappa": 2, "gamma": 0.7, "refreshEvery": 5, "startStep": 2})}
        model = {"kind": "gpt", "layers": 1, "heads": 2, "width": 16, "context": 16, "vocab": vocab, "tiedHead": True}
        comparison["runs"] = [run]
        (d / "src").mkdir()
        ckpt.save(d / "src" / "ckpt-0.safetensors", ckpt.fresh(comparison, run, model))
        run_python([*cls.argv("one"), "--device", "cpu"])
        mp.spawn(worker, args=(2, free_port(), cls.argv("two"), False), nprocs=2, join=True)

    @classmethod
    def argv(cls, out: str) -> list[str]:
        d = cls.dir
        return ["--resume", str(d / "src" / "ckpt-0.safetensors"), "--text", str(d / "text.txt"), "--steps", str(STEPS), "--eval-every", "0", "--final-eval-batches", "1", "--out", str(d / out)]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def test_two_ranks_reproduce_one(self) -> None:
        one, two = metrics(self.dir / "one" / "metrics.csv", "A"), metrics(self.dir / "two" / "metrics.csv", "A")
        self.assertEqual(sorted(two), list(range(STEPS)))
        errs = [abs(float(two[s]["train_loss"]) - float(one[s]["train_loss"])) / float(one[s]["train_loss"]) for s in range(STEPS)]
        print(f"\n  2 ranks vs 1: max loss rel. error {max(errs):.2e}", end="")
        self.assertLess(max(errs), 1e-5)
        self.assertEqual([two[s]["mask_fraction"] for s in range(STEPS)], [one[s]["mask_fraction"] for s in range(STEPS)])
        a, b = load(self.dir / "one" / f"ckpt-{STEPS}.safetensors"), load(self.dir / "two" / f"ckpt-{STEPS}.safetensors")
        np.testing.assert_array_equal(flat(a.ire_mask, a), flat(b.ire_mask, b))  # type: ignore[arg-type]
        self.assertEqual((a.refresh_count, a.ire_last_refresh), (b.refresh_count, b.ire_last_refresh))
        self.assertEqual(a.refresh_count, 4)  # steps 2, 7, 12, 17
        start = load(self.dir / "src" / "ckpt-0.safetensors")
        moved = np.linalg.norm(flat(a.params, a) - flat(start.params, start))
        self.assertLess(np.linalg.norm(flat(a.params, a) - flat(b.params, b)) / moved, 1e-4)

    def test_rank_local_label_streams_break_the_estimate(self) -> None:
        mp.spawn(worker, args=(2, free_port(), self.argv("wrong"), True), nprocs=2, join=True)
        a, b = load(self.dir / "one" / f"ckpt-{STEPS}.safetensors"), load(self.dir / "wrong" / f"ckpt-{STEPS}.safetensors")
        ha, hb = flat(a.ire_h, a), flat(b.ire_h, b)  # type: ignore[arg-type]
        self.assertGreater(np.linalg.norm(ha - hb) / np.linalg.norm(ha), 1e-3)


if __name__ == "__main__":
    unittest.main()
