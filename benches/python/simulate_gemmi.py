#!/usr/bin/env python3
"""gemmi's DensityCalculatorE as a whole process: read the model, compute its density on an N^3
grid of 1 Å voxels (the box of the benchmark's map), write the MRC.
The same-run baseline of benches/simulate_process.rs; interpreter start counts, as it does
for `cryolabel simulate`.

usage: simulate_gemmi.py MODEL.pdb R N OUT.mrc [--fsync]   (needs gemmi)

--fsync flushes the map to the disk before exit, as cryolabel does with every output.

gemmi derives the grid from d_min when d_min is set (spacing d_min / (2 x rate 1.5), rounded up to FFT sizes);
the benchmark needs the map's own N^3 1 Å grid, so d_min stays 0 and the grid is sized by hand.
The blur stays 0 (the atoms' own B factors): R is recorded, not used.
"""
import os
import sys

import gemmi


def main():
    fsync = "--fsync" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--fsync"]
    model, resolution, n, out = args[0], float(args[1]), int(args[2]), args[3]
    st = gemmi.read_structure(model)
    st.cell = gemmi.UnitCell(n, n, n, 90, 90, 90)
    st.spacegroup_hm = "P 1"
    st.setup_entities()
    st.remove_hydrogens()
    st.remove_waters()
    dc = gemmi.DensityCalculatorE()
    dc.d_min = 0  # resolution R is not applied: see the module note
    dc.grid.setup_from(st)
    dc.grid.set_size(n, n, n)
    dc.put_model_density_on_grid(st[0])
    ccp4 = gemmi.Ccp4Map()
    ccp4.grid = dc.grid
    ccp4.update_ccp4_header()
    ccp4.write_ccp4_map(out)
    if fsync:
        fd = os.open(out, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    print(f"gemmi {gemmi.__version__}: {st[0].count_atom_sites()} atoms, grid {dc.grid.shape} (R {resolution} not applied)")


if __name__ == "__main__":
    main()
