"""Benchmark of the Python package against its baselines, measured in the same run:

1. cl.label on the 180^3 tiled case (5me2 tiled 2x2x2, 35,744 atoms; made by
   ../shared/tools/make_tiled_case.py) against the label step `cryolabel label` prints
   ("time ... label X s"), same map, model and simulated map. Goal: within 1.3x.
2. cl.read_map(p).data against mrcfile.open(p).data copied into memory, same files.
   Goal: faster.

usage: python3 python/bench/bench.py [--cli PATH] [--rounds N] [--shared DIR]
The CLI should be built like the extension (optimised): the benches' profile is
  cargo build --no-default-features --profile dev --config 'profile.dev.package.cryolabel.opt-level=3'
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import mrcfile
import numpy as np

import cryolabel as cl

REPO = pathlib.Path(__file__).resolve().parents[2]


def best(rounds, f):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(REPO / "target" / "debug" / "cryolabel"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--shared", default=str(REPO / ".." / "shared"))
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="cryolabel-bench-"))
    subprocess.run([sys.executable, f"{a.shared}/tools/make_tiled_case.py", a.shared, str(tmp), "180"], check=True)
    mp, pdb = tmp / "exp180.mrc", tmp / "tiled.pdb"
    m, model = cl.read_map(mp), cl.read_model(pdb)
    sim = cl.simulate(model, like=m, resolution=3.2)
    cl.write_map(tmp / "sim.mrc", sim.data, like=m)
    sim = cl.read_map(tmp / "sim.mrc")
    print(f"case: {len(model)} atoms, map {m.shape}, {os.cpu_count()} cpus")

    # 1. labels: the CLI's own label step (engine time it prints) vs the whole cl.label call
    cli_label = []
    for _ in range(a.rounds):
        p = subprocess.run([a.cli, "label", "--map", mp, "--model", pdb, "--simulated", tmp / "sim.mrc",
                            "--out", tmp / "cli"], capture_output=True, text=True, check=True)
        cli_label.append(float(re.search(r"label ([0-9.]+) s", p.stdout).group(1)))
    t_cli = min(cli_label)
    calls, engine = [], []
    for _ in range(a.rounds):
        t = time.perf_counter()
        lab = cl.label(m, model, simulated=sim)
        calls.append(time.perf_counter() - t)
        engine.append(lab.stats["seconds"])
    t_py = min(calls)
    print(f"label      cli label step {t_cli:.3f} s | cl.label whole call {t_py:.3f} s "
          f"(its engine label step {min(engine):.3f} s) | ratio {t_py / t_cli:.2f}x (goal <= 1.3x)")

    # 2. reading maps into numpy
    for p in [mp, REPO / ".." / "shared" / "data" / "real" / "5ni1" / "emd_3488.mrc"]:
        def with_mrcfile():
            with mrcfile.open(p) as f:
                return np.array(f.data)  # copied into memory (the file is closed after)
        # interleaved, best of many: the machine is shared, and both see the same page cache
        t_mrc, t_cl = float("inf"), float("inf")
        for _ in range(a.rounds * 4):
            t_mrc = min(t_mrc, best(1, with_mrcfile))
            t_cl = min(t_cl, best(1, lambda: cl.read_map(p).data))
        assert np.array_equal(cl.read_map(p).data, with_mrcfile())
        print(f"read_map   {p.name} ({p.stat().st_size / 1e6:.1f} MB): mrcfile + copy {t_mrc * 1e3:.1f} ms | "
              f"cl.read_map {t_cl * 1e3:.1f} ms | ratio {t_cl / t_mrc:.2f}x (goal < 1)")


if __name__ == "__main__":
    main()
