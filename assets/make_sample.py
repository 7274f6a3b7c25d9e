#!/usr/bin/env python3
"""Crop the bundled sample from the real 5NI1 case (EMD-3488 + PDB 5ME2).

Run from the repository root: python3 assets/make_sample.py [SRC_DIR]
SRC_DIR defaults to /work/shared/data/real/5ni1. Needs `pip install mrcfile numpy`.
The sub-box keeps the world placement: ORIGIN = first kept voxel x voxel size, NSTART 0.
"""
import gzip, shutil, sys
from pathlib import Path

import mrcfile
import numpy as np

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/real/5ni1")
OUT = Path(__file__).resolve().parent
LO, N = 20, 62  # voxel range [LO, LO+N) on every axis: 62^3 float32 = 0.95 MB
MARGIN = 2.0  # Å: atoms this far outside the box are kept (they show up in Diagnostics)


def crop(src, dst, gz):
    with mrcfile.open(src, permissive=True) as m:
        vox = float(m.voxel_size.x)
        assert (m.header.mapc, m.header.mapr, m.header.maps) == (1, 2, 3)
        origin = np.array([m.header.origin.x, m.header.origin.y, m.header.origin.z], dtype=float)
        origin += np.array([m.header.nxstart, m.header.nystart, m.header.nzstart]) * vox
        data = np.ascontiguousarray(m.data[LO:LO + N, LO:LO + N, LO:LO + N], dtype=np.float32)
    tmp = dst.with_suffix(".tmp")
    with mrcfile.new(tmp, overwrite=True) as o:
        o.set_data(data)
        o.voxel_size = vox
        o.header.origin = tuple(origin + LO * vox)
    if gz:
        with open(tmp, "rb") as f, gzip.open(dst, "wb", 9) as g:
            shutil.copyfileobj(f, g)
        tmp.unlink()
    else:
        tmp.rename(dst)
    return origin + LO * vox, vox


lo, vox = crop(SRC / "emd_3488.mrc", OUT / "emd_3488_crop.mrc", False)
crop(SRC / "expected/5me2_situs_simulated.mrc.gz", OUT / "5me2_simulated_crop.mrc.gz", True)
hi = lo + (N - 1) * vox
kept = []
for line in open(SRC / "5me2.pdb"):
    if line.startswith(("ATOM", "HETATM")):
        xyz = np.array([float(line[30:38]), float(line[38:46]), float(line[46:54])])
        if np.all(xyz >= lo - MARGIN) and np.all(xyz <= hi + MARGIN):
            kept.append(line)
    elif line.startswith(("HEADER", "TITLE", "REMARK   2", "CRYST1", "END")) and not line.startswith("ENDMDL"):
        if line.startswith("END"):
            kept.append("END\n")
            break
        kept.append(line)
(OUT / "5me2_crop.pdb").write_text("".join(kept))
print(f"box {lo} .. {hi} Å, {sum(l.startswith(('ATOM','HETATM')) for l in kept)} atoms kept")
