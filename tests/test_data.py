"""hessbook.data: real datasets, K's splits, subsets, augmentation, synthetic sets."""

from __future__ import annotations

import hashlib
import pickle

import numpy as np
import pytest
import torch

from hessbook import data

SIZES = {
    "mnist": ((1, 28, 28), 60000, 10000),
    "fashion_mnist": ((1, 28, 28), 60000, 10000),
    "cifar10": ((3, 32, 32), 50000, 10000),
}


@pytest.mark.parametrize("name", list(SIZES))
def test_dataset_shapes_dtypes_ranges(name, data_root):
    shape, n_train, n_test = SIZES[name]
    for split, n in (("train", n_train), ("test", n_test)):
        d = data.load(name, split, root=data_root)
        assert d.images.shape == (n, *shape) and d.images.dtype == torch.uint8
        assert d.labels.shape == (n,) and d.labels.dtype == torch.int64
        assert d.num_classes == 10 and int(d.labels.min()) == 0 and int(d.labels.max()) == 9
        assert torch.bincount(d.labels).min() > n // 20  # every class present
        x = d.inputs(slice(0, 512))
        assert x.dtype == torch.float32 and x.shape == (512, *shape)
        assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0 and float(x.max()) > 0.9


@pytest.mark.parametrize("name, n_val", [("mnist", 5000), ("fashion_mnist", 5000), ("cifar10", 10000)])
def test_k_splits_disjoint_and_reproducible(name, n_val, data_root):
    n_train = SIZES[name][1]
    tr, va = data.k_split_indices(n_train, name)
    assert len(tr) == n_train - n_val and len(va) == n_val
    assert data.check_indices_disjoint([tr, va])
    assert torch.equal(torch.cat([tr, va]).sort().values, torch.arange(n_train))
    tr2, va2 = data.k_split_indices(n_train, name)
    assert torch.equal(tr, tr2) and torch.equal(va, va2)
    k_train = data.load(name, "k_train", root=data_root)
    k_val = data.load(name, "k_val", root=data_root)
    full = data.load(name, "train", root=data_root)
    assert len(k_train) == n_train - n_val and len(k_val) == n_val
    assert torch.equal(k_val.images, full.images[va]) and torch.equal(k_val.labels, full.labels[va])


def test_subset_reproducible_and_seeded(data_root):
    d = data.load("mnist", "test", root=data_root)
    a, b, c = data.subset(d, 1000, 1), data.subset(d, 1000, 1), data.subset(d, 1000, 2)
    assert len(a) == 1000 and torch.equal(a.images, b.images) and not torch.equal(a.images, c.images)
    assert data.subset(d, None, 0) is d
    with pytest.raises(ValueError, match="subset size"):
        data.subset(d, 10**6, 0)


def test_unknown_names_rejected():
    with pytest.raises(ValueError, match="accepted: mnist"):
        data.load("cifar1000", "train")
    with pytest.raises(ValueError, match="k_train"):
        data.load("mnist", "validation")


def test_missing_files_offline_error(tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    def offline(self):
        raise OSError("network unreachable")

    monkeypatch.setattr(tvd.MNIST, "download", offline)
    with pytest.raises(data.DataMissingError) as info:
        data.load("mnist", "train", root=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "HESSBOOK_DATA" in message and "train-images-idx3-ubyte" in message


def _offline(monkeypatch):
    import torchvision.datasets as tvd

    def offline(self):
        raise OSError("network unreachable")

    for cls in (tvd.MNIST, tvd.CIFAR10):
        monkeypatch.setattr(cls, "download", offline)


def _idx(shape, item=b"\x08", fill=b"\x01"):
    """An IDX file (MNIST's format) of uint8 data with ``shape``."""
    import math

    header = b"\0\0" + item + bytes([len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)
    return header + fill * math.prod(shape)


def test_truncated_archive_is_reported_damaged_not_missing(tmp_path, monkeypatch, data_root):
    _offline(monkeypatch)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_root / "MNIST" / "raw").glob("*.gz"):
        (raw / f.name).symlink_to(f.resolve())
    good = (raw / "train-images-idx3-ubyte.gz").read_bytes()
    (raw / "train-images-idx3-ubyte.gz").unlink()
    (raw / "train-images-idx3-ubyte.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(data.DataDamagedError) as info:
        data.load("mnist", "train", root=tmp_path)
    msg = str(info.value)
    assert "not found" not in msg and "damaged" in msg and "md5 mismatch" in msg, msg
    assert "MNIST/raw/train-images-idx3-ubyte.gz" in msg and "Delete" in msg and "re-download" in msg
    assert "t10k" not in msg, "only the damaged file is named"
    assert isinstance(info.value, data.DataMissingError), "callers that report missing data still catch it"


def test_truncated_extracted_file_and_cifar_batch_are_reported_damaged(tmp_path, monkeypatch, data_root):
    _offline(monkeypatch)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_root / "MNIST" / "raw").glob("*.gz"):
        (raw / f.name).symlink_to(f.resolve())
    (raw / "train-images-idx3-ubyte").write_bytes(_idx((60000, 28, 28))[:5000])
    (raw / "train-labels-idx1-ubyte").write_bytes(_idx((60000,)))
    (raw / "t10k-images-idx3-ubyte").write_bytes(_idx((2, 28, 28)))
    (raw / "t10k-labels-idx1-ubyte").write_bytes(_idx((2,)))
    with pytest.raises(data.DataDamagedError, match=r"MNIST/raw/train-images-idx3-ubyte: wrong size \(5000 bytes"):
        data.load("mnist", "train", root=tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for f in (data_root / "cifar-10-batches-py").iterdir():
        (folder / f.name).symlink_to(f.resolve())
    (folder / "test_batch").unlink()
    (folder / "test_batch").write_bytes(b"\x80\x02truncated")
    with pytest.raises(data.DataDamagedError, match=r"cifar-10-batches-py/test_batch: md5 mismatch \(11 bytes"):
        data.load("cifar10", "test", root=tmp_path)


def _write_cifar100(root, monkeypatch, n_train=30, n_test=12):
    """A tiny CIFAR-100 in its on-disk format, with torchvision's md5 list patched to match."""
    import torchvision.datasets as tvd

    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    md5 = {}
    for split, n in (("train", n_train), ("test", n_test)):
        entry = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 "fine_labels": list(rng.integers(0, 100, n)), "coarse_labels": [0] * n,
                 "filenames": [f"{i}.png" for i in range(n)], "batch_label": split}
        (folder / split).write_bytes(pickle.dumps(entry))
        md5[split] = hashlib.md5((folder / split).read_bytes()).hexdigest()
    (folder / "meta").write_bytes(pickle.dumps({"fine_label_names": [f"c{i}" for i in range(100)],
                                                "coarse_label_names": [f"s{i}" for i in range(20)]}))
    meta_md5 = hashlib.md5((folder / "meta").read_bytes()).hexdigest()
    monkeypatch.setattr(tvd.CIFAR100, "train_list", [["train", md5["train"]]])
    monkeypatch.setattr(tvd.CIFAR100, "test_list", [["test", md5["test"]]])
    monkeypatch.setattr(tvd.CIFAR100, "meta", {"filename": "meta", "key": "fine_label_names", "md5": meta_md5})


def test_cifar100_fixture_format(tmp_path, monkeypatch):
    _write_cifar100(tmp_path, monkeypatch)
    d = data.load("cifar100", "train", root=tmp_path)
    assert d.images.shape == (30, 3, 32, 32) and d.images.dtype == torch.uint8
    assert d.num_classes == 100 and d.labels.dtype == torch.int64 and int(d.labels.max()) < 100
    assert len(data.load("cifar100", "test", root=tmp_path)) == 12
    raw = pickle.loads((tmp_path / "cifar-100-python" / "train").read_bytes())["data"]
    assert torch.equal(d.images[0], torch.as_tensor(raw[0]).view(3, 32, 32))


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_augment_keeps_shape_and_differs_between_calls(dtype):
    x = (torch.rand(16, 3, 32, 32) * 255).to(dtype) + (1 if dtype == torch.uint8 else 0.5)
    g = torch.Generator().manual_seed(0)
    a, b = data.augment_cifar(x, g), data.augment_cifar(x, g)
    assert a.shape == x.shape and a.dtype == dtype
    assert not torch.equal(a, b)  # a new epoch draws new crops
    again = data.augment_cifar(x, torch.Generator().manual_seed(0))
    assert torch.equal(a, again)  # seeded
    assert (a == 0).any()  # zero padding shows up in shifted crops


def test_augment_padding_zero_is_flip_or_identity():
    x = torch.rand(64, 3, 8, 8)
    out = data.augment_cifar(x, torch.Generator().manual_seed(1), padding=0)
    same = (out == x).flatten(1).all(1)
    flipped = (out == x.flip(3)).flatten(1).all(1)
    assert bool((same | flipped).all()) and same.any() and flipped.any()


def test_augment_is_a_shifted_crop():
    x = torch.arange(1, 37, dtype=torch.float32).view(1, 1, 6, 6).repeat(200, 1, 1, 1)
    out = data.augment_cifar(x, torch.Generator().manual_seed(2), padding=2)
    padded = torch.nn.functional.pad(x[0], (2, 2, 2, 2))[0]
    crops = {padded[i:i + 6, j:j + 6] for i in range(5) for j in range(5)}
    keys = {tuple(c.flatten().tolist()) for c in crops} | {tuple(c.flip(1).flatten().tolist()) for c in crops}
    assert all(tuple(o[0].flatten().tolist()) in keys for o in out)


def test_gaussian_clusters():
    x, y = data.gaussian_clusters(k=5, d=100, n=1000, cov_scale=10.0, seed=3)
    assert x.shape == (1000, 100) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.bincount(y).tolist() == [200] * 5
    assert torch.allclose(x.mean(0), torch.zeros(100), atol=1e-5)
    assert torch.allclose(x.std(0), torch.ones(100), atol=1e-4)
    x2, y2 = data.gaussian_clusters(k=5, d=100, n=1000, cov_scale=10.0, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    # larger covariance scale: clusters overlap more (between/within spread ratio drops)
    def separation(scale):
        xs, ys = data.gaussian_clusters(k=5, d=100, n=1000, cov_scale=scale, seed=3)
        centres = torch.stack([xs[ys == c].mean(0) for c in range(5)])
        return float(centres.var(0).sum() / torch.stack([xs[ys == c].var(0).sum() for c in range(5)]).mean())
    assert separation(1.0) > 5 * separation(10.0)
    with pytest.raises(ValueError, match="k >= 2"):
        data.gaussian_clusters(k=1, d=10, n=10)


def test_logistic_blobs():
    x, y = data.logistic_blobs(n=400, d=200, blobs=1, seed=0)
    assert x.shape == (400, 200) and set(y.tolist()) == {0, 1} and int(y.sum()) == 200
    assert abs(float(x.mean())) < 0.02 and abs(float(x.var()) - 1) < 0.02
    x2, y2 = data.logistic_blobs(n=400, d=200, blobs=2, separation=6.0, seed=0)
    gap = (x2[y2 == 1].mean(0) - x2[y2 == 0].mean(0)).norm()
    assert 5.0 < float(gap) < 7.0
