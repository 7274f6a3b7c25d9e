"""Compare what cryolabel read from each map with what mrcfile and gemmi read from it.

usage: compare_readers.py DUMP_DIR
DUMP_DIR holds, per map, K.json (what cryolabel's read_map made of it: grid, placement,
statistics) and K.f32 (its stored voxels, x fastest, little-endian float32); a map with a
non-orthogonal cell also has K_orth.f32 (the values cryolabel resampled onto its orthogonal
grid). Prints one line per map and exits 1 if anything differs.

Checks: shape, voxel size, axis order, NSTART, placement of voxel 0 (the ChimeraX rule: ORIGIN
when non-zero, else NSTART x voxel; for a skewed cell, gemmi's orthogonalisation of
NSTART/sampling), statistics over the finite voxels (mrcfile's rule), every voxel value
(NaN equal to NaN) against mrcfile and gemmi, and for a skewed cell every resampled value
against trilinear interpolation at gemmi's fractional coordinates of the orthogonal point.
"""
import bz2
import json
import os
import sys
import tempfile

import gemmi
import mrcfile
import numpy as np


def xyz(data, order):
    """mrcfile's (section, row, column) array as an [x, y, z] array."""
    crs = np.transpose(data, (2, 1, 0))  # [column, row, section]
    axis = [o - 1 for o in order]  # file axis d holds world axis axis[d]
    return np.transpose(crs, np.argsort(axis))


def gemmi_map(path):
    """gemmi reads gzip itself; bzip2 is unpacked to a temporary file first."""
    if open(path, "rb").read(3) == b"BZh":
        tmp = tempfile.NamedTemporaryFile(suffix=".map", delete=False)
        tmp.write(bz2.decompress(open(path, "rb").read()))
        tmp.close()
        m = gemmi.read_ccp4_map(tmp.name)
        os.unlink(tmp.name)
    else:
        m = gemmi.read_ccp4_map(path)
    m.setup(float("nan"), gemmi.MapSetup.ReorderOnly)
    return m


def trilinear(a, f):
    """Trilinear values of array a[x, y, z] at fractional indices f (N x 3); NaN outside."""
    n = np.array(a.shape)
    inside = np.all((f >= -1e-6) & (f <= n - 1 + 1e-6), axis=1)
    g = np.clip(f, 0, n - 1)
    i0 = np.minimum(np.floor(g).astype(int), n - 2)
    w = g - i0
    out = np.zeros(len(f))
    for c in range(8):
        b = np.array([(c >> k) & 1 for k in range(3)])
        idx = i0 + b
        wt = np.prod(np.where(b == 1, w, 1 - w), axis=1)
        out += wt * a[idx[:, 0], idx[:, 1], idx[:, 2]]
    out[~inside] = np.nan
    return out


def check(d, key):
    j = json.load(open(os.path.join(d, key + ".json")))
    ours = np.fromfile(os.path.join(d, key + ".f32"), dtype="<f4").reshape(j["shape"][::-1]).transpose(2, 1, 0)
    bad = []
    with mrcfile.open(j["path"], permissive=True) as f:
        h = f.header
        order = (int(h.mapc), int(h.mapr), int(h.maps))
        data = xyz(np.asarray(f.data, dtype=np.float32), order)
        crs_start = [int(h.nxstart), int(h.nystart), int(h.nzstart)]
        nstart = [0, 0, 0]
        for c in range(3):
            nstart[order[c] - 1] = crs_start[c]
        voxel = np.array([f.voxel_size.x, f.voxel_size.y, f.voxel_size.z], float)
        origin = np.array([h.origin.x, h.origin.y, h.origin.z], float)
        angles = [float(h.cellb.alpha), float(h.cellb.beta), float(h.cellb.gamma)]
    if list(data.shape) != j["shape"]:
        bad.append(f"shape {j['shape']} vs mrcfile {list(data.shape)}")
        return bad
    if list(order) != j["axis_order"]:
        bad.append(f"axis order {j['axis_order']} vs mrcfile {order}")
    if nstart != j["nstart"] and not j.get("nstart_ignored"):
        bad.append(f"NSTART {j['nstart']} vs mrcfile {nstart}")
    if not np.allclose(voxel, j["voxel"], rtol=1e-5):
        bad.append(f"voxel {j['voxel']} vs mrcfile {voxel}")
    if not np.array_equal(data, ours, equal_nan=True):
        n = int(np.sum(~((data == ours) | (np.isnan(data) & np.isnan(ours)))))
        bad.append(f"{n} voxels differ from mrcfile's")
    fin = data[np.isfinite(data)].astype(np.float64)
    st = j["stats"]
    want = [fin.min(), fin.max(), fin.mean(), fin.std()] if fin.size else [0, 0, 0, 0]
    got = [st["min"], st["max"], st["mean"], st["sd"]]
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6 * max(1.0, abs(want[1]))):
        bad.append(f"stats {got} vs finite-voxel stats {want}")
    if j["non_finite"] != int(data.size - fin.size):
        bad.append(f"{j['non_finite']} non-finite voxels reported, mrcfile's data has {data.size - fin.size}")

    m = gemmi_map(j["path"])
    g = np.array(m.grid, copy=False)
    if list(g.shape) != j["shape"]:
        bad.append(f"shape vs gemmi {list(g.shape)}")
    elif not np.array_equal(g.astype(np.float32), ours, equal_nan=True):
        bad.append("voxels differ from gemmi's")
    gstart = [m.header_i32(5), m.header_i32(6), m.header_i32(7)]
    if gstart != j["nstart"] and not j.get("nstart_ignored"):
        bad.append(f"NSTART {j['nstart']} vs gemmi {gstart}")
    cell = m.grid.unit_cell
    if not np.allclose([cell.alpha, cell.beta, cell.gamma], j["angles"], atol=1e-3):
        bad.append(f"angles {j['angles']} vs gemmi {[cell.alpha, cell.beta, cell.gamma]}")
    sampling = np.array([m.header_i32(8), m.header_i32(9), m.header_i32(10)], float)

    if "orth" not in j:
        want0 = origin if origin.any() else np.array(nstart) * voxel
        if not np.allclose(j["origin"], want0, atol=1e-3):
            bad.append(f"origin {j['origin']} vs {want0} (ORIGIN, else NSTART x voxel)")
        return bad
    # Skewed cell: voxel 0 where gemmi puts fractional NSTART/sampling (ORIGIN is zero here).
    p0 = cell.orthogonalize(gemmi.Fractional(*(np.array(nstart) / sampling)))
    if origin.any() or not np.allclose(j["origin"], [p0.x, p0.y, p0.z], atol=1e-3):
        bad.append(f"lattice point 0 at {j['origin']} vs gemmi {p0} (angles {angles})")
    o = j["orth"]
    res = np.fromfile(os.path.join(d, key + "_orth.f32"), dtype="<f4")
    n = o["shape"]
    ii = np.indices(n[::-1]).reshape(3, -1)[::-1].T  # x fastest, as the file
    pos = np.array(o["origin"]) + ii * np.array(o["voxel"])
    fm = np.array(cell.frac.mat.tolist())  # gemmi's fractionalisation matrix
    frac = pos @ fm.T + np.array(cell.frac.vec.tolist())
    f = frac * sampling - np.array(nstart)
    want = trilinear(data.astype(np.float64), f)
    inside = ~np.isnan(want)
    span = max(1.0, float(np.nanmax(np.abs(data))))
    err = np.abs(res[inside] - want[inside])
    if err.size == 0 or err.max() > 1e-4 * span:
        bad.append(f"resampled values differ from trilinear at gemmi's coordinates by up to {err.max() if err.size else 'nothing inside'}")
    far = np.any((f < -1e-3) | (f > np.array(data.shape) - 1 + 1e-3), axis=1)
    if np.any(res[far] != 0):
        bad.append(f"{int(np.sum(res[far] != 0))} points outside the lattice are not 0")
    print(f"      {j['path']}: {int(inside.sum())} resampled points checked inside the lattice, {int(far.sum())} outside are 0")
    return bad


def main():
    d = sys.argv[1]
    keys = sorted(k[:-5] for k in os.listdir(d) if k.endswith(".json"))
    failed = 0
    for k in keys:
        j = json.load(open(os.path.join(d, k + ".json")))
        bad = check(d, k)
        print(("OK    " if not bad else "DIFF  ") + j["path"] + ("" if not bad else ": " + "; ".join(bad)))
        failed += bool(bad)
    print(f"{len(keys)} maps, {failed} differ")
    sys.exit(1 if failed or not keys else 0)


if __name__ == "__main__":
    main()
