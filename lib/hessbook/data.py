"""Datasets: MNIST, Fashion-MNIST, CIFAR-10/100 held on the device, and S's synthetic sets.

Design:

- A dataset is loaded once (through ``torchvision.datasets``, from :func:`hessbook.paths.data_root`)
  into a uint8 tensor ``(N, C, H, W)`` and int64 labels, optionally resident on the training
  device; float inputs are produced on the fly by :meth:`ImageData.inputs`, **in [0, 1]**.
  Nothing is normalized here: every image model normalizes internally with a fixed first layer
  (see :data:`NORMALIZATION` and :mod:`hessbook.models`), so input gradients, input Hessians
  and adversarial perturbations all live in [0, 1] pixel space, where the papers' eps are given.
- Splits: ``train``/``test`` are the official ones; ``k_train``/``k_val`` are Kamath et al.'s
  55k/5k (MNIST, Fashion-MNIST) and 40k/10k (CIFAR-10; CIFAR-100 split the same way) taken by a
  fixed seeded permutation (:data:`K_SPLIT_SEED`) of the official training set, so they are
  disjoint and identical on every machine.
- CIFAR augmentation (:func:`augment_cifar`) is done on tensors on the device with a seeded
  generator: no DataLoader, no PIL on the hot path.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

import torch

from hessbook.params import ParameterError
from hessbook.paths import data_root

DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100")
SPLITS = ("train", "test", "k_train", "k_val")
K_SPLIT_SEED = 20180101
"""Seed of the permutation that makes Kamath et al.'s train/validation split (fixed forever)."""

OPTIONAL_DATASETS = {
    "cifar100": "only Y Table 2 (ResNet18 on CIFAR-100) needs it, and it is not among the datasets "
                "shipped for offline use; with network torchvision downloads it",
}
"""Datasets whose absence does not fail ``make book``: the pages that need them say "not
computed" and the build's summary names them. Every other dataset missing stops the build."""

TRAIN_SIZES = {"mnist": 60000, "fashion_mnist": 60000, "cifar10": 50000, "cifar100": 50000}
"""Images in each dataset's training split (torchvision's)."""
TEST_SIZES = {"mnist": 10000, "fashion_mnist": 10000, "cifar10": 10000, "cifar100": 10000}
"""Images in each dataset's test split."""
K_VAL_SIZE = {"mnist": 5000, "fashion_mnist": 5000, "cifar10": 10000, "cifar100": 10000}

NORMALIZATION: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "mnist": ((0.1307,), (0.3081,)),
    "fashion_mnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}
"""Per-channel (mean, std) of each training set in [0, 1] scale; used by the models' first layer."""

_MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_TORCHVISION = {
    "mnist": ("MNIST", [f"MNIST/raw/{f}" for f in _MNIST_FILES]),
    "fashion_mnist": ("FashionMNIST", [f"FashionMNIST/raw/{f}" for f in _MNIST_FILES]),
    "cifar10": ("CIFAR10", [f"cifar-10-batches-py/{f}" for f in
                            ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                             "data_batch_5", "test_batch", "batches.meta")]),
    "cifar100": ("CIFAR100", [f"cifar-100-python/{f}" for f in ("train", "test", "meta")]),
}


@dataclass(frozen=True, eq=False)
class ImageData:
    """An in-memory dataset: ``images`` (uint8 (N,C,H,W) or float features (N,...)) and labels.

    uint8 images are converted to float in [0, 1] on the fly by :meth:`inputs`; float
    features (the synthetic sets) are returned as they are.
    """

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int
    name: str

    def __post_init__(self) -> None:
        if self.images.shape[0] != self.labels.shape[0]:
            raise ValueError(
                f"{self.name}: {self.images.shape[0]} inputs but {self.labels.shape[0]} labels"
            )

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def device(self) -> torch.device:
        return self.images.device

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.images.shape[1:])

    def to(self, device: str | torch.device) -> ImageData:
        """The same data on ``device`` (no copy when already there)."""
        device = torch.device(device)
        if self.images.device == device:
            return self
        return dataclasses.replace(self, images=self.images.to(device), labels=self.labels.to(device))

    def inputs(self, index: torch.Tensor | slice | None = None,
               device: str | torch.device | None = None) -> torch.Tensor:
        """Float32 inputs (in [0, 1] for images) of ``index`` (all when None), on ``device``."""
        raw = self.images if index is None else self.images[index]
        if device is not None:
            raw = raw.to(device, non_blocking=True)
        if raw.dtype == torch.uint8:
            return raw.to(torch.float32).div_(255.0)
        return raw.to(torch.float32)

    def targets(self, index: torch.Tensor | slice | None = None,
                device: str | torch.device | None = None) -> torch.Tensor:
        """int64 labels of ``index`` (all when None), on ``device``."""
        labels = self.labels if index is None else self.labels[index]
        return labels if device is None else labels.to(device, non_blocking=True)

    def batches(self, batch_size: int, device: str | torch.device | None = None):
        """Yield ``(x, y)`` over the whole set in order (for evaluation)."""
        for start in range(0, len(self), batch_size):
            sl = slice(start, min(start + batch_size, len(self)))
            yield self.inputs(sl, device), self.targets(sl, device)


# ----------------------------------------------------------------------------- loading


class DataMissingError(FileNotFoundError):
    """A dataset's files are not in the data root and could not be downloaded."""


class DataDamagedError(DataMissingError):
    """A dataset's files are in the data root but damaged (md5 mismatch, wrong size), and no
    good copy could be downloaded."""


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; accepted: {', '.join(DATASETS)}")


MISSING_DATA_LOG = "HESSBOOK_MISSING_DATA_LOG"
"""Environment variable naming a file to which :func:`load` appends one JSON line per dataset
it cannot provide (before raising :class:`DataMissingError`). The book builder sets it for each
chapter's kernel (Dask workers the kernel starts inherit it), because chapters catch the error
and show "not computed": the log is how the build learns that data was missing."""


def report_missing(name: str, root: Path, expected: Sequence[str], problem: str, message: str) -> None:
    """Append ``{"dataset", "root", "expected", "problem", "message"}`` as one JSON line to the
    file named by ``$HESSBOOK_MISSING_DATA_LOG`` (nothing when it is unset). One ``write`` of
    one line to a file opened for appending, so lines of concurrent workers do not interleave."""
    log = os.environ.get(MISSING_DATA_LOG)
    if not log:
        return
    line = json.dumps({"dataset": name, "root": str(root), "expected": list(expected),
                       "problem": problem, "message": message}) + "\n"
    try:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:  # the log is a courtesy to the builder; the error below still says it all
        pass


def _absent_dirs(root: Path, expected: Sequence[str]) -> list[Path]:
    """The folders a download of ``expected`` (paths under ``root``) would create that do not
    exist now, deepest first (``root`` itself included when absent)."""
    candidates = {root}
    for rel in expected:
        candidates.update(p for p in (root / rel).parents if p == root or root in p.parents)
    return sorted((d for d in candidates if not d.exists()), key=lambda d: len(d.parts), reverse=True)


def _remove_if_empty(dirs: Sequence[Path]) -> None:
    """Remove those of ``dirs`` (deepest first) that exist and are empty: what a failed download
    created and left behind (e.g. ``MNIST/raw``), so a failed attempt changes nothing."""
    for d in dirs:
        try:
            d.rmdir()
        except OSError:  # absent, not empty or not ours to remove: leave it
            pass


def _torchvision_set(name: str, train: bool, root: Path):
    import torchvision.datasets as tvd

    cls_name, expected = _TORCHVISION[name]
    cls = getattr(tvd, cls_name)
    try:
        return cls(str(root), train=train, download=False)
    except (RuntimeError, FileNotFoundError, OSError):
        pass
    created = _absent_dirs(root, expected)
    try:
        return cls(str(root), train=train, download=True)
    except Exception as exc:  # noqa: BLE001 - offline, read-only root, bad checksum ...
        _remove_if_empty(created)
        damaged = integrity_problems(name, root)
        if damaged:
            message = (
                f"dataset {name!r} in the data root {root} is damaged: {'; '.join(damaged)}; "
                f"and no good copy could be downloaded ({type(exc).__name__}: {str(exc).strip().splitlines()[0]}). "
                "Delete the damaged file(s) and re-download them (or copy them again from a good copy; "
                "torchvision re-extracts a deleted MNIST file from its .gz)."
            )
            report_missing(name, root, expected, "damaged", message)
            raise DataDamagedError(message) from exc
        message = (
            f"dataset {name!r} not found in the data root {root} and it could not be "
            f"downloaded ({type(exc).__name__}: {exc}). Expected files under {root}: "
            f"{', '.join(expected)} "
            "(torchvision layout). Put them there or point the HESSBOOK_DATA environment "
            "variable at a directory that holds them (it must be writable: torchvision "
            "extracts MNIST archives next to them)."
        )
        report_missing(name, root, expected, "missing", message)
        raise DataMissingError(message) from exc


def _md5(path: Path) -> str:
    import hashlib

    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_IDX_ITEM_BYTES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}
"""Bytes per item of each IDX data type code (MNIST's format)."""


def _idx_size(path: Path) -> int | None:
    """The size an (uncompressed) IDX file must have by its own header, None if unreadable."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in _IDX_ITEM_BYTES:
            return None
        ndim = head[3]
        dims = fh.read(4 * ndim)
    if len(dims) < 4 * ndim:
        return None
    count = math.prod(int.from_bytes(dims[4 * i:4 * i + 4], "big") for i in range(ndim))
    return 4 + 4 * ndim + count * _IDX_ITEM_BYTES[head[2]]



def integrity_problems(name: str, root: str | Path) -> list[str]:
    """What is wrong with the files of ``name`` that are present in ``root`` (absent files are
    not reported): an md5 different from torchvision's checksum of that file, or an extracted
    MNIST-format file whose size is not the one its header gives. Empty when nothing is."""
    import torchvision.datasets as tvd

    _check_name(name)
    root = Path(root)
    cls = getattr(tvd, _TORCHVISION[name][0])
    checks: list[tuple[Path, str]] = []
    if hasattr(cls, "resources"):  # MNIST, FashionMNIST: the .gz archives
        raw = root / cls.__name__ / "raw"
        checks = [(raw / f, md5) for f, md5 in cls.resources]
    else:  # CIFAR: the pickled batches and the meta file
        folder = root / cls.base_folder
        checks = [(folder / f, md5) for f, md5 in [*cls.train_list, *cls.test_list]]
        checks.append((folder / cls.meta["filename"], cls.meta["md5"]))
    problems = []
    for path, md5 in checks:
        rel = path.relative_to(root)
        if path.is_file():
            got = _md5(path)
            if got != md5:
                problems.append(f"{rel}: md5 mismatch ({path.stat().st_size} bytes, md5 {got}, expected {md5})")
        if path.suffix == ".gz" and path.with_suffix("").is_file():
            extracted = path.with_suffix("")
            size, expected = extracted.stat().st_size, _idx_size(extracted)
            if expected is None:
                problems.append(f"{extracted.relative_to(root)}: not an IDX file (unreadable header)")
            elif size != expected:
                problems.append(f"{extracted.relative_to(root)}: wrong size ({size} bytes, its header says {expected})")
    return problems


def _as_tensors(name: str, ds) -> tuple[torch.Tensor, torch.Tensor]:
    data = ds.data
    images = torch.as_tensor(data) if not isinstance(data, torch.Tensor) else data
    if images.ndim == 3:  # MNIST-like (N, H, W)
        images = images.unsqueeze(1)
    else:  # CIFAR (N, H, W, C) numpy
        images = images.permute(0, 3, 1, 2)
    labels = torch.as_tensor(list(ds.targets) if not isinstance(ds.targets, torch.Tensor) else ds.targets,
                             dtype=torch.int64)
    return images.to(torch.uint8).contiguous(), labels


_CACHE: dict[tuple[str, bool, str], tuple[torch.Tensor, torch.Tensor]] = {}


def _official(name: str, train: bool, root: Path) -> tuple[torch.Tensor, torch.Tensor]:
    key = (name, train, str(root))
    if key not in _CACHE:
        _CACHE[key] = _as_tensors(name, _torchvision_set(name, train, root))
    return _CACHE[key]


def k_split_indices(n_train: int, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices ``(k_train, k_val)`` into the official training set (disjoint, fixed seed)."""
    _check_name(name)
    perm = torch.randperm(n_train, generator=torch.Generator().manual_seed(K_SPLIT_SEED))
    n_val = K_VAL_SIZE[name]
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def load(name: str, split: str, root: str | Path | None = None,
         device: str | torch.device = "cpu") -> ImageData:
    """Load ``name`` (one of :data:`DATASETS`) split ``split`` (one of :data:`SPLITS`).

    ``root`` defaults to :func:`hessbook.paths.data_root` (``$HESSBOOK_DATA``). The result
    holds uint8 images on ``device``; the decoded files are cached per process.
    """
    _check_name(name)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; accepted: {', '.join(SPLITS)}")
    root = Path(root) if root is not None else data_root()
    images, labels = _official(name, split != "test", root)
    if split in ("k_train", "k_val"):
        train_idx, val_idx = k_split_indices(len(labels), name)
        idx = train_idx if split == "k_train" else val_idx
        images, labels = images[idx], labels[idx]
    num_classes = 100 if name == "cifar100" else 10
    data = ImageData(images=images, labels=labels, num_classes=num_classes, name=f"{name}/{split}")
    return data.to(device)


def subset(data: ImageData, n: int | None, seed: int) -> ImageData:
    """``n`` examples drawn without replacement by ``seed`` (order kept); all when n is None."""
    if n is None or n == len(data):
        return data
    if not 0 < n <= len(data):
        raise ValueError(f"subset size n = {n} must be in 1..{len(data)} (size of {data.name})")
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    idx = perm[:n].sort().values.to(data.device)
    return dataclasses.replace(data, images=data.images[idx], labels=data.labels[idx],
                               name=f"{data.name}[{n}@{seed}]")


# ----------------------------------------------------------------------------- augmentation


def augment_cifar(x: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """Random crop with ``padding`` zero pixels each side, then random horizontal flip.

    ``x`` is a batch ``(B, C, H, W)`` on any device (float or uint8); the random offsets and
    flips are drawn from ``generator`` (a CPU generator, so the draws are the same on every
    device) and the crop is one gather on ``x``'s device. Shapes and dtype are kept.
    """
    b, _, h, w = x.shape
    offsets = torch.randint(0, 2 * padding + 1, (2, b), generator=generator)
    flips = torch.rand(b, generator=generator) < 0.5
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    dev = x.device
    rows = offsets[0].to(dev)[:, None] + torch.arange(h, device=dev)  # (B, H)
    cols = offsets[1].to(dev)[:, None] + torch.arange(w, device=dev)  # (B, W)
    cols = torch.where(flips.to(dev)[:, None], cols.flip(1), cols)
    batch = torch.arange(b, device=dev)[:, None, None]
    out = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


# ----------------------------------------------------------------------------- synthetic (S)


def gaussian_clusters(k: int, d: int, n: int, cov_scale: float = 1.0,
                      seed: int = 0, separation: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """S Sec. 3.1 / App. A: ``n`` points from ``k`` Gaussian clusters in ``d`` dimensions.

    Interpretation (S gives no formulas): cluster centres are drawn from N(0, separation^2 I_d)
    (``separation`` = 1 is our reading of S; it is not S's parameter: S2 varies it to show the
    count against how far apart the clusters are); the points
    of cluster c are ``centre_c + sqrt(cov_scale) * N(0, I_d)`` (``cov_scale`` is S's
    "multiplier for the covariance of the input distribution", 1 or 10), labels are the
    cluster index, balanced (``n // k`` per cluster, the remainder to the first clusters),
    shuffled. "Normalized globally": every coordinate is centred and scaled by the
    mean and standard deviation over the whole sample (not per cluster).
    Returns float32 ``x`` (n, d) and int64 ``y`` (n,).
    """
    if k < 2 or d < 1 or n < k or cov_scale <= 0 or not separation > 0:
        raise ValueError(
            f"gaussian_clusters(k={k}, d={d}, n={n}, cov_scale={cov_scale}, separation={separation}): "
            "need k >= 2, d >= 1, n >= k, cov_scale > 0 and separation > 0"
        )
    g = torch.Generator().manual_seed(seed)
    centres = separation * torch.randn(k, d, generator=g, dtype=torch.float64)
    y = torch.arange(n) % k
    y = y[torch.randperm(n, generator=g)]
    x = centres[y] + math.sqrt(cov_scale) * torch.randn(n, d, generator=g, dtype=torch.float64)
    x = (x - x.mean(0)) / x.std(0)
    return x.to(torch.float32), y.to(torch.int64)


def logistic_blobs(n: int, d: int, blobs: int = 1, separation: float = 4.0,
                   seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """S App. B, Fig. 10: data for the logistic-regression spectrum, ``alpha = d / n``.

    ``blobs=1``: x ~ N(0, I_d) (entries independent, mean 0, variance 1, as the
    Marchenko-Pastur setting assumes) with balanced random labels in {0, 1}.
    ``blobs=2``: two Gaussian blobs N(+-m, I_d), ``|m| = separation / 2`` along a random unit
    direction, label = blob (balanced). Interpretation: S does not give the blob means; a
    separation of a few standard deviations makes the classes learnable.
    Returns float32 ``x`` (n, d) and int64 ``y`` (n,).
    """
    if blobs not in (1, 2) or n < 2 or d < 1:
        raise ValueError(f"logistic_blobs(n={n}, d={d}, blobs={blobs}): need blobs in (1, 2), n >= 2, d >= 1")
    g = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2)[torch.randperm(n, generator=g)]
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    if blobs == 2:
        direction = torch.randn(d, generator=g, dtype=torch.float64)
        direction /= direction.norm()
        x += (2.0 * y[:, None].to(torch.float64) - 1.0) * (separation / 2.0) * direction
    return x.to(torch.float32), y.to(torch.int64)


def tensor_data(x: torch.Tensor, y: torch.Tensor, name: str,
                num_classes: int | None = None) -> ImageData:
    """Wrap float features and labels (e.g. the synthetic sets) as an :class:`ImageData`."""
    k = int(num_classes if num_classes is not None else int(y.max()) + 1)
    return ImageData(images=x, labels=y.to(torch.int64), num_classes=k, name=name)


def check_indices_disjoint(parts: Sequence[torch.Tensor]) -> bool:
    """True when no index occurs in two of ``parts`` (used by the tests and the book)."""
    seen = torch.cat([p.flatten() for p in parts])
    return seen.unique().numel() == seen.numel()


# ----------------------------------------------------------------------------- specifications

SYNTHETIC = {"gaussian_clusters": gaussian_clusters, "logistic_blobs": logistic_blobs}
"""Synthetic data sets a :class:`DataSpec` can name; their generator arguments are its ``options``."""


@dataclass(frozen=True)
class DataSpec:
    """Which data to train or evaluate on.

    ``name`` is a dataset of :data:`hessbook.data.DATASETS` (with ``split``, an optional
    subset of ``n`` examples drawn by ``subset_seed``, and ``augment`` for CIFAR's random crop
    and flip) or a synthetic set ``"gaussian_clusters"`` / ``"logistic_blobs"`` whose
    generator arguments are ``options`` (``split``, ``n`` and ``augment`` unused).
    """

    name: str
    split: str = "train"
    n: int | None = None
    subset_seed: int = 0
    augment: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in (*DATASETS, *SYNTHETIC):
            raise ParameterError(
                f"data name {self.name!r}: accepted {', '.join((*DATASETS, *SYNTHETIC))}"
            )
        if self.split not in SPLITS:
            raise ParameterError(f"data split {self.split!r}: accepted {', '.join(SPLITS)}")
        if self.augment and not self.name.startswith("cifar"):
            raise ParameterError(f"augment=True is for CIFAR images only, not {self.name!r}")


def load_data(spec: DataSpec, device: str | torch.device = "cpu") -> ImageData:
    """The :class:`~hessbook.data.ImageData` a :class:`DataSpec` describes, on ``device``."""
    if spec.name in SYNTHETIC:
        x, y = SYNTHETIC[spec.name](**dict(spec.options))
        k = int(spec.options.get("k", 2)) if spec.name == "gaussian_clusters" else 2
        return tensor_data(x, y, spec.name, num_classes=k).to(device)
    return subset(load(spec.name, spec.split, device=device), spec.n, spec.subset_seed)
