"""read_map agrees with mrcfile on every map of the test data that mrcfile reads; where the
engine refuses a map (a non-orthogonal cell, bzip2) it raises ValueError with the CLI's message."""

import numpy as np
import pytest

import cryolabel as cl
from conftest import DATA

MAP_SUFFIXES = (".mrc", ".map", ".ccp4", ".mrc.gz", ".map.gz", ".msk.gz", ".mrc.bz2", ".map.bz2")


def all_maps():
    return sorted(p for p in DATA.rglob("*") if p.is_file() and p.name.lower().endswith(MAP_SUFFIXES))


def mrcfile_view(mrcfile, path):
    """mrcfile's array put in (z, y, x) world-axis order, its voxel size and voxel 0's place;
    None when mrcfile cannot read the file."""
    try:
        with mrcfile.open(path, permissive=True) as f:
            if f.data is None:
                return None
            h = f.header
            order = [int(h.maps) - 1, int(h.mapr) - 1, int(h.mapc) - 1]  # world axis of array axes 0,1,2
            data = np.transpose(np.asarray(f.data), [order.index(w) for w in (2, 1, 0)])
            vox = np.array(f.voxel_size.tolist(), dtype=np.float64)
            start_crs = [int(h.nxstart), int(h.nystart), int(h.nzstart)]
            crs_axis = [int(h.mapc) - 1, int(h.mapr) - 1, int(h.maps) - 1]
            nstart = [0, 0, 0]
            for d in range(3):
                nstart[crs_axis[d]] = start_crs[d]
            origin = np.array(h.origin.tolist(), dtype=np.float64)
            if not origin.any():
                origin = np.array(nstart) * vox
            angles = np.array([h.cellb.alpha, h.cellb.beta, h.cellb.gamma], dtype=np.float64)
            return data, vox, origin, angles
    except Exception:
        return None


def test_read_map_agrees_with_mrcfile_on_every_map(mrcfile, cli, tmp_path):
    maps = all_maps()
    assert len(maps) >= 8, maps
    compared, refused = [], []
    for path in maps:
        want = mrcfile_view(mrcfile, path)
        if want is None:
            continue
        data, vox, origin, angles = want
        orthogonal = np.all((np.abs(angles - 90) < 0.01) | (angles == 0))
        if not orthogonal:
            # a non-orthogonal lattice is resampled onto an orthogonal grid (trilinear in the
            # skewed lattice, 0 outside: tests/real_maps.rs checks the values against gemmi's
            # fractional coordinates); here: it reads, and the values stay within the lattice's
            m = cl.read_map(path)
            finite = data[np.isfinite(data)]
            lo, hi = min(float(finite.min()), 0.0), max(float(finite.max()), 0.0)
            assert m.data.ndim == 3 and np.count_nonzero(m.data) > 0, path
            assert float(np.nanmin(m.data)) >= lo - 1e-4 and float(np.nanmax(m.data)) <= hi + 1e-4, path
            refused.append(path.name)  # not compared voxel for voxel with mrcfile's raw lattice
            continue
        m = cl.read_map(path)
        assert m.data.dtype == np.float32 and m.data.shape == data.shape, (path, m.data.shape, data.shape)
        assert np.array_equal(m.data, data.astype(np.float32), equal_nan=True), path
        assert np.allclose(m.voxel_size, vox, rtol=1e-6), (path, m.voxel_size, vox)
        assert np.allclose(m.origin, origin, atol=1e-3), (path, m.origin, origin)
        compared.append(path.name)
    print("compared", compared, "refused", refused)
    assert "emd_3488.mrc" in compared and "emd_5168.map" in compared and len(compared) >= 6, compared
    assert "EMD-3001.map" in refused and "EMD-3197.map.bz2" in compared, (compared, refused)


def test_map_data_is_the_engines_buffer(real):
    m = cl.read_map(real / "5ni1/emd_3488.mrc")
    d = m.data
    assert d is m.data  # the same array every time, owned by the Map, not copied per access
    assert d.flags["C_CONTIGUOUS"] and d.flags["OWNDATA"] is False  # wraps the engine's Vec
    assert m.shape == d.shape == (100, 100, 100) and m.voxel_size == pytest.approx((1.05,) * 3)
