"""CubeDataset over folders made by `cryolabel prepare` and `batch`: the same cubes as
`cryolabel cubes`, consumed through the torch Dataset protocol (with torch's DataLoader when
torch is installed), and ds.split() as `cryolabel split`."""

import csv

import numpy as np
import pytest

import cryolabel as cl

SIZE, STRIDE = 48, 40


@pytest.fixture(scope="module")
def dataset(real, cli, tmp_path_factory):
    """A two-entry data set from `cryolabel batch` (every entry runs `prepare`), with metadata.csv."""
    d = tmp_path_factory.mktemp("ds")
    (d / "entries.csv").write_text(
        "id,map,model,resolution\n"
        f"5ni1,{real}/5ni1/emd_3488.mrc,{real}/5ni1/5me2.pdb,3.2\n"
        f"6vyb,{real}/6vyb/emd_21457_seg.mrc,{real}/6vyb/6vyb_Ndom.pdb,4.1\n"
    )
    cli("batch", "--manifest", d / "entries.csv", "--out", d / "set", "--jobs", 1)
    return d / "set"


def collate(items):
    """What torch's default_collate does with these dicts, in numpy."""
    return {k: (np.stack([it[k] for it in items]) if isinstance(items[0][k], np.ndarray) else [it[k] for it in items])
            for k in items[0]}


def test_cubes_equal_the_cli_cubes(dataset, cli, tmp_path):
    cli("cubes", "--dataset", dataset, "--size", SIZE, "--stride", STRIDE, "--out", tmp_path / "cubes")
    with open(tmp_path / "cubes" / "index.csv") as f:
        rows = list(csv.DictReader(f))
    ds = cl.CubeDataset(dataset, size=SIZE, stride=STRIDE)
    assert len(ds) == len(rows) > 0 and ds.ids == ["5ni1", "6vyb"]
    # through the Dataset protocol: len() and [i], batched by a collate function
    seen = 0
    for start in range(0, len(ds), 4):
        batch = collate([ds[i] for i in range(start, min(start + 4, len(ds)))])
        assert batch["map"].dtype == np.float32 and batch["map"].shape[1:] == (SIZE,) * 3
        assert batch["classification"].dtype == np.int16
        for b, row in enumerate(rows[start:start + 4]):
            assert (batch["id"][b], batch["offset"][b]) == (row["id"], (int(row["i"]), int(row["j"]), int(row["k"])))
            assert np.allclose(batch["world"][b], [float(row[c]) for c in ("x_A", "y_A", "z_A")], atol=1e-3)
            for part in ("map", "regression", "classification", "types"):
                want = np.load(tmp_path / "cubes" / row["id"] / f"{row['stem']}_{part}.npy")
                assert np.array_equal(batch[part][b], want), (row["stem"], part)
            seen += 1
    assert seen == len(rows)
    assert np.array_equal(ds[-1]["map"], ds[len(ds) - 1]["map"])
    with pytest.raises(IndexError):
        ds[len(ds)]
    assert len(cl.CubeDataset(dataset, size=SIZE, stride=STRIDE, keep_empty=True)) >= len(ds)


def test_split_follows_the_cli(dataset, cli, tmp_path):
    cli("split", "--dataset", dataset, "--out", tmp_path / "s.csv", "--seed", 3, "--fractions", "0.5,0.5,0")
    with open(tmp_path / "s.csv") as f:
        want = {r["id"]: r["split"] for r in csv.DictReader(f)}
    ds = cl.CubeDataset(dataset, size=SIZE, stride=STRIDE)
    parts = ds.split(fractions=(0.5, 0.5, 0.0), seed=3)
    got = {i: name for name, sub in parts.items() for i in sub.ids}
    assert got == want
    assert sum(len(s) for s in parts.values()) == len(ds)


def test_a_prepare_folder_and_torch(real, cli, tmp_path):
    cli("prepare", "--map", real / "6vyb/emd_21457_seg.mrc", "--model", real / "6vyb/6vyb_Ndom.pdb",
        "--resolution", 4.1, "--out", tmp_path / "set")
    ds = cl.CubeDataset(tmp_path / "set", size=32, stride=24)
    assert ds.ids == ["6vyb"] and len(ds) > 0
    items = [ds[i] for i in range(len(ds))]
    assert all(it["classification"].max() >= 1 for it in items)  # empty cubes skipped, as `cubes` does
    with pytest.raises(FileNotFoundError, match="metadata.csv"):
        ds.split()  # a prepare folder has no metadata.csv: as `cryolabel split` says
    import pickle
    import sys
    assert pickle.loads(pickle.dumps(ds)).cubes == ds.cubes
    assert "torch" not in sys.modules  # the package never imports torch
    try:
        import torch
        from torch.utils.data import DataLoader
    except ImportError:
        return  # torch is optional; the protocol is tested above
    batches = list(DataLoader(ds, batch_size=2, shuffle=False))
    assert sum(b["map"].shape[0] for b in batches) == len(ds)
    assert batches[0]["map"].dtype == torch.float32 and batches[0]["classification"].dtype == torch.int16
