#!/usr/bin/env python3
"""The published labeling rules (shared/data/README.md, "denoisecryodata" preset) in vectorized
numpy/scipy, run as a whole process: read the map header, the simulated map and the PDB model,
label, write the three MRC files. The same-run baseline of benches/label_process.rs.

usage: label_numpy.py MAP SIMULATED MODEL.pdb OUTDIR ID [RADIUS] [--fsync]   (needs numpy, scipy, mrcfile)

--fsync flushes each output to the disk before exit, as cryolabel does (it writes each file to a
temporary name, fsyncs and renames): mrcfile alone leaves the bytes in the page cache.
"""
import os
import sys

import mrcfile
import numpy as np
import scipy.ndimage as ndi


def read_pdb(path):
    """Every ATOM/HETATM of every MODEL; one position per atom: the altloc with the highest
    occupancy, the first on a tie."""
    names, xyz, keep = [], [], []
    best = {}
    model = 0
    with open(path) as f:
        for line in f:
            rec = line[:6]
            if rec.startswith("MODEL"):
                model += 1
                continue
            if rec != "ATOM  " and rec != "HETATM":
                continue
            n = len(names)
            names.append(line[12:16].strip())
            xyz.append((line[30:38], line[38:46], line[46:54]))
            alt = line[16]
            if alt == " ":
                keep.append(True)
                continue
            occ = float(line[54:60] or 0)
            key = (model, line[12:16], line[17:27])
            keep.append(False)
            if key not in best or occ > best[key][1]:
                best[key] = (n, occ)
    keep = np.array(keep)
    keep[[n for n, _ in best.values()]] = True
    return np.array(names)[keep], np.array(xyz, dtype=np.float32)[keep]


def grid_of(m):
    """Shape (z, y, x), voxel size (x, y, z) and the header's placement (ORIGIN, else NSTART x voxel)."""
    h = m.header
    vox = np.array([m.voxel_size.x, m.voxel_size.y, m.voxel_size.z], dtype=np.float32)
    origin = np.array([h.origin.x, h.origin.y, h.origin.z], dtype=np.float32)
    if not origin.any():
        origin = np.array([h.nxstart, h.nystart, h.nzstart], dtype=np.float32) * vox
    return m.data.shape, vox, origin


def main():
    fsync = "--fsync" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--fsync"]
    map_path, sim_path, model_path, out, eid = args[:5]
    radius = int(args[5]) if len(args) > 5 else 6
    with mrcfile.mmap(map_path, permissive=True) as m:
        shape, vox, origin = grid_of(m)
        head = m.header.copy()
    with mrcfile.open(sim_path, permissive=True) as s:
        sim = np.asarray(s.data, dtype=np.float32)
    names, xyz = read_pdb(model_path)

    # atom -> voxel: ceil(floor(c - o) / v), float32, (z, y, x) order; outside atoms skipped
    idx = np.ceil(np.floor(xyz - origin) / vox).astype(np.int64)[:, ::-1]
    lim = np.minimum(np.array(shape), np.array(sim.shape))
    inside = np.all((idx >= 0) & (idx < lim), axis=1)
    idx, names = idx[inside], names[inside]
    flat = np.ravel_multi_index(idx.T, shape)

    regression = np.zeros(shape, np.float32)
    classification = np.zeros(shape, np.int16)
    reg, cls = regression.reshape(-1), classification.reshape(-1)
    simf = sim.reshape(-1)
    val = simf[flat]
    atom = flat[val != 0]
    reg[atom] = simf[atom]
    cls[atom] = 1

    # neighbours: Chebyshev distance <= radius of a type-1 voxel, regression still 0
    cube = ndi.maximum_filter(classification == 1, size=2 * radius + 1, mode="constant", cval=0)
    nb = cube & (regression == 0)
    regression[nb] = sim[nb]
    classification[nb] = 2

    # atom types by name, file order, last write wins
    codes = {"CA": 1, "CB": 2, "C": 3, "O": 4, "N": 5}
    code = np.array([codes.get(n, 0) for n in names], dtype=np.float32)
    typed = code > 0
    f_t, c_t = flat[typed][::-1], code[typed][::-1]
    first, at = np.unique(f_t, return_index=True)
    types = np.zeros(shape, np.float32)
    types.reshape(-1)[first] = c_t[at]

    os.makedirs(out, exist_ok=True)
    for suffix, data in (("regression", regression), ("classification", classification),
                         ("classification_types", types)):
        path = os.path.join(out, f"{eid}_{suffix}_situs.mrc")
        with mrcfile.new(path, overwrite=True) as o:
            o.set_data(data)
            o.header.origin = head.origin
            o.header.nxstart, o.header.nystart, o.header.nzstart = head.nxstart, head.nystart, head.nzstart
            o.voxel_size = tuple(float(v) for v in vox)
        if fsync:
            fd = os.open(path, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    print(f"classes {np.bincount(classification.reshape(-1), minlength=3).tolist()}")


if __name__ == "__main__":
    main()
