//! `cryolabel simulate --like` as a user runs it (a whole process: start, read the model and the
//! map whose grid it takes, simulate, write the MRC, exit) against gemmi's DensityCalculatorE
//! driven from Python (benches/python/simulate_gemmi.py: read the model, density on the same
//! N³ 1 Å grid, write the MRC; interpreter start and `import gemmi` included), same run.
//!
//! The two are not the same rules (pdb2vol's Gaussian against gemmi's electron form factors):
//! this compares what each tool costs for the same job, not its output. The kernels alone are
//! compared in benches/simulate.rs.
//!
//! Case: the tiled 5me2 (35,744 atoms) on an N³ 1 Å map, N = 180 (BENCH_N=526 for the largest
//! figure map), R 3.2 Å. Needs python3 with numpy, mrcfile (to make the case) and gemmi.
//!
//! `cargo bench --no-default-features --profile dev --config 'profile.dev.package.cryolabel.opt-level=3' --bench simulate_process`

mod common;

use std::path::Path;
use std::process::Command;

use common::process::{self, best_run, cryolabel, show, tiled_case};

fn main() {
    let n: usize = std::env::var("BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(180);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let (map, model, _) = tiled_case(n);
    let out = process::cases().join(format!("simulate{n}"));
    std::fs::create_dir_all(&out).unwrap();
    println!(
        "simulate, whole process: 5me2 tiled 2x2x2 (35,744 atoms), R 3.2 Å, {n}^3 1 Å grid, best of {runs}; load {}",
        process::load()
    );

    // Like with like: unsynced against unsynced, then `--sync` against the script's `--fsync`.
    let simulate = |sync: bool| {
        process::fresh(&out.join("cryolabel.mrc"));
        let mut c = Command::new(cryolabel());
        c.args(["simulate", "--resolution", "3.2", "--model"]).arg(&model).arg("--like").arg(&map);
        c.arg("--out").arg(out.join("cryolabel.mrc"));
        if sync {
            c.arg("--sync");
        }
        c
    };
    let ours = best_run(runs, || simulate(false));
    println!("{}", show("cryolabel simulate --like (pdb2vol rules)", &ours));
    let ours_synced = best_run(runs.min(3), || simulate(true));
    println!("{}", show("cryolabel simulate --like --sync", &ours_synced));

    let Some(py) = process::python_with(&["gemmi"]) else {
        println!("gemmi missing: no baseline (pip install gemmi)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/simulate_gemmi.py");
    let gemmi = best_run(runs.min(3), || {
        process::fresh(&out.join("gemmi.mrc"));
        let mut c = Command::new(&py);
        c.arg(&script).arg(&model).arg("3.2").arg(n.to_string()).arg(out.join("gemmi.mrc"));
        c
    });
    println!("{}", show("gemmi DensityCalculatorE from Python", &gemmi));
    let synced = best_run(runs.min(3), || {
        process::fresh(&out.join("gemmi.mrc"));
        let mut c = Command::new(&py);
        c.arg(&script).arg(&model).arg("3.2").arg(n.to_string()).arg(out.join("gemmi.mrc")).arg("--fsync");
        c
    });
    println!("{}", show("gemmi, output fsynced (--fsync)", &synced));
    for (name, base, us) in
        [("unsynced / cryolabel", &gemmi, &ours), ("--fsync / cryolabel --sync", &synced, &ours_synced)]
    {
        println!(
            "ratio (gemmi {name}): {:.1}x wall, {:.1}x cpu",
            base.wall.as_secs_f64() / us.wall.as_secs_f64(),
            base.cpu.as_secs_f64() / us.cpu.as_secs_f64()
        );
    }
    if n == 180 {
        let s = ours.wall.as_secs_f64();
        println!("goal < 0.08 s whole process: {}", if s < 0.08 { "met" } else { "NOT met" });
    }
}
