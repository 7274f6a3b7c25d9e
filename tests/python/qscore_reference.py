"""Per-atom and per-residue Q-scores from cctbx (the implementation behind phenix's Q-score tool),
the reference `cryolabel quality` is checked against.

Usage: python3 tests/python/qscore_reference.py MAP MODEL OUT_PREFIX
Writes OUT_PREFIX_atoms.csv (chain,resseq,resname,name,q) and OUT_PREFIX_residues.csv
(chain,resseq,resname,q) and prints the mean Q and the wall time of the calculation.
Parameters: cctbx's defaults of `mmtbx.development.qscore` except n_probes: 20 shells
0.1..2.0 Å, 32 probes per shell (the MapQ reference), rtol 0.9, hydrogens removed.
(`mmtbx.development.qscore` itself fails with pandas 2.x while printing its tables, after
the calculation, so this script calls `calc_qscore` as that program does.)
Needs: pip install cctbx-base "pandas<3".
"""
import sys
import time

t_start = time.time()
import numpy as np
from iotbx.data_manager import DataManager
from cctbx.maptbx.qscore import calc_qscore


def main(map_path, model_path, prefix):
    dm = DataManager()
    dm.process_real_map_file(map_path)
    dm.process_model_file(model_path)
    mmm = dm.get_map_model_manager(model_file=model_path, map_files=map_path)
    model = mmm.model()
    model.add_crystal_symmetry_if_necessary()
    model = model.remove_hydrogens()
    mmm.set_model(model, overwrite=True)
    shells = list(np.linspace(0.1, 2.0, 20, endpoint=True))
    t0 = time.time()
    res = calc_qscore(mmm, shells=shells, n_probes=32, rtol=0.9, nproc=1)
    t1 = time.time()
    df = res["qscore_dataframe"]
    df = df.rename(columns={"chain_id": "chain", "Q-score": "q"})
    df[["chain", "resseq", "resname", "name", "q"]].to_csv(prefix + "_atoms.csv", index=False)
    per_res = df.groupby(["chain", "resseq", "resname"], sort=False, as_index=False)["q"].mean()
    per_res.to_csv(prefix + "_residues.csv", index=False, float_format="%.4f")
    q = np.asarray(res["qscore_per_atom"])
    print(f"atoms {len(q)} mean_q {np.nanmean(q):.4f} calc_s {t1 - t0:.2f} process_s {time.time() - t_start:.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
