//! `cryolabel label` as a user runs it (a whole process: start, read the map header, the
//! simulated map and the model, label, write three MRC files, exit) against the published rules
//! written in vectorized numpy/scipy (benches/python/label_numpy.py), also a whole process,
//! measured in the same run. Both outputs must be equal voxel for voxel.
//!
//! Case: 5me2 tiled 2x2x2 at 80 Å (35,744 atoms) on an N³ 1 Å map (shared/tools/make_tiled_case.py,
//! N = 180, or BENCH_N=526 for the paper's largest figure map), simulated with
//! `cryolabel simulate --like`. Needs python3 with numpy, scipy, mrcfile.
//!
//! `cargo bench --no-default-features --profile dev --config 'profile.dev.package.cryolabel.opt-level=3' --bench label_process`

mod common;

use std::path::Path;
use std::process::Command;

use common::process::{self, best_run, cryolabel, show, tiled_case};
use cryolabel::engine::read_map;

fn same_outputs(a: &Path, b: &Path, id: &str) {
    for name in cryolabel::engine::export::label_file_names(id) {
        let (x, y) = (read_map(&a.join(&name)).unwrap(), read_map(&b.join(&name)).unwrap());
        assert_eq!(x.volume.grid.shape, y.volume.grid.shape, "{name}: shapes differ");
        assert_eq!(x.volume.grid.origin, y.volume.grid.origin, "{name}: origins differ");
        let differ = x.volume.data.iter().zip(&y.volume.data).filter(|(p, q)| p.to_bits() != q.to_bits()).count();
        assert_eq!(differ, 0, "{name}: {differ} voxels differ between cryolabel and numpy");
    }
}

fn main() {
    let n: usize = std::env::var("BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(180);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let (map, model, sim) = tiled_case(n);
    let out = process::cases().join(format!("label{n}"));
    let (ours_dir, numpy_dir) = (out.join("cryolabel"), out.join("numpy"));
    println!(
        "label, whole process: 5me2 tiled 2x2x2 (35,744 atoms), {n}^3 1 Å map, best of {runs}; load {}",
        process::load()
    );

    // Like with like: unsynced against unsynced (what each tool does by default), then
    // `--sync` (fsync each file and its folder) against the script's `--fsync`.
    let label = |sync: bool| {
        process::fresh(&ours_dir);
        let mut c = Command::new(cryolabel());
        c.arg("label").arg("--map").arg(&map).arg("--model").arg(&model).arg("--simulated").arg(&sim);
        c.arg("--out").arg(&ours_dir).args(["--id", "tiled"]);
        if sync {
            c.arg("--sync");
        }
        c
    };
    let ours = best_run(runs, || label(false));
    println!("{}", show("cryolabel label --simulated (denoisecryodata)", &ours));
    let ours_synced = best_run(runs.min(3), || label(true));
    println!("{}", show("cryolabel label --simulated --sync", &ours_synced));

    let Some(py) = process::python_with(&["numpy", "scipy", "mrcfile"]) else {
        println!("numpy/scipy/mrcfile missing: no baseline (pip install numpy scipy mrcfile)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/label_numpy.py");
    let numpy = best_run(runs.min(3), || {
        process::fresh(&numpy_dir);
        let mut c = Command::new(&py);
        c.arg(&script).arg(&map).arg(&sim).arg(&model).arg(&numpy_dir).args(["tiled", "6"]);
        c
    });
    println!("{}", show("numpy/scipy, same rules (label_numpy.py)", &numpy));
    same_outputs(&ours_dir, &numpy_dir, "tiled");
    let synced = best_run(runs.min(3), || {
        process::fresh(&numpy_dir);
        let mut c = Command::new(&py);
        c.arg(&script).arg(&map).arg(&sim).arg(&model).arg(&numpy_dir).args(["tiled", "6", "--fsync"]);
        c
    });
    println!("{}", show("numpy/scipy, same rules, outputs fsynced (--fsync)", &synced));
    println!("outputs: the three label maps are equal bit for bit");
    for (name, base, us) in
        [("unsynced / cryolabel", &numpy, &ours), ("--fsync / cryolabel --sync", &synced, &ours_synced)]
    {
        println!(
            "ratio (numpy {name}): {:.1}x wall, {:.1}x cpu",
            base.wall.as_secs_f64() / us.wall.as_secs_f64(),
            base.cpu.as_secs_f64() / us.cpu.as_secs_f64(),
        );
    }
    println!("peak memory cryolabel / numpy: {:.2}x", ours.peak_rss as f64 / numpy.peak_rss as f64);
    if n == 180 {
        let s = ours.wall.as_secs_f64();
        println!("goal < 0.12 s whole process: {}", if s < 0.12 { "met" } else { "NOT met" });
    }
}
