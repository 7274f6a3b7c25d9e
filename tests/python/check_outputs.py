"""Read cryolabel's label maps with the readers ML users have (mrcfile, gemmi) and check
data, types and placement against the experimental map.
usage: check_outputs.py EXPERIMENTAL_MAP OUT_DIR ID"""
import sys
import numpy as np
import mrcfile
import gemmi

exp_path, out, ident = sys.argv[1:4]
with mrcfile.open(exp_path, permissive=True) as e:
    exp_vox = np.array(e.voxel_size.tolist())
    exp_shape = e.data.shape
    exp_origin = np.array(e.header.origin.tolist())
    exp_nstart = np.array([e.header.nxstart, e.header.nystart, e.header.nzstart])

kinds = {"regression_situs": np.float32, "classification_situs": np.int16, "classification_types_situs": np.float32}
for kind, dtype in kinds.items():
    path = f"{out}/{ident}_{kind}.mrc"
    with mrcfile.open(path) as m:  # strict mode: a malformed header raises
        assert mrcfile.validate(path, print_file=open("/dev/null", "w")), f"{path}: mrcfile.validate failed"
        d = m.data
        assert d.dtype == dtype, (path, d.dtype)
        assert d.shape == exp_shape, (path, d.shape, exp_shape)
        assert np.allclose(np.array(m.voxel_size.tolist()), exp_vox), path
        assert np.allclose(np.array(m.header.origin.tolist()), exp_origin), path
        assert (np.array([m.header.nxstart, m.header.nystart, m.header.nzstart]) == exp_nstart).all(), path
        assert (m.header.mapc, m.header.mapr, m.header.maps) == (1, 2, 3)
        assert np.isclose(m.header.dmax, d.max()) and np.isclose(m.header.dmin, d.min())
        assert np.isclose(m.header.dmean, d.mean(), rtol=1e-3, atol=1e-6)
        assert np.isclose(m.header.rms, d.std(), rtol=1e-3, atol=1e-6)
        data = d.astype(np.float64)
    g = gemmi.read_ccp4_map(path)
    g.setup(float("nan"))
    # gemmi reads the box into its unit cell: file voxel i sits at cell index (i + NSTART) mod n
    arr = np.array(g.grid, copy=False)  # array[x, y, z]
    arr = np.roll(arr, shift=tuple(-int(v) for v in exp_nstart), axis=(0, 1, 2))
    assert np.array_equal(arr.transpose(2, 1, 0).astype(np.float64), data), f"{path}: gemmi data differ"
    if kind == "classification_situs":
        classes = set(np.unique(d).tolist())
        assert classes <= {0, 1, 2} and 1 in classes and 2 in classes, classes
        # placement: gemmi sees the same cell, sampling and box start as for the experimental map
        gemmi_exp = gemmi.read_ccp4_map(exp_path)
        assert g.grid.unit_cell.approx(gemmi_exp.grid.unit_cell, 1e-3), (g.grid.unit_cell, gemmi_exp.grid.unit_cell)
        assert (g.grid.nu, g.grid.nv, g.grid.nw) == (gemmi_exp.grid.nu, gemmi_exp.grid.nv, gemmi_exp.grid.nw)
    if kind == "classification_types_situs":
        assert set(np.unique(d).tolist()) <= {0, 1, 2, 3, 4, 5}
print("ok", out, ident)
