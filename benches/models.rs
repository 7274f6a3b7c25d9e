//! Model reading benchmark: 5me2 tiled 4x4x4 at 80 Å (285,952 atoms, every copy its own chain
//! ids), written as mmCIF, read by cryolabel under both altloc rules and, in the same run, by
//! gemmi and Biopython from Python (each timed inside its own process around the read call
//! alone: file to atoms, like with like). Run with
//! `cargo bench --bench models --no-default-features`; the ratios are the figures to watch.

mod common;
use common::best;
use std::path::Path;
use std::process::Command;

use cryolabel::engine::model::read_model_with;
use cryolabel::engine::{AltlocRule, ReadOptions, modelwrite::to_mmcif, read_model, tiling::tile};

/// Seconds a Python reader takes (best of `runs`), or None without the module.
fn python(reader: &str, path: &Path, runs: usize) -> Option<f64> {
    let code = format!(
        "import sys, time, warnings\nwarnings.simplefilter('ignore')\n{reader}\nbest = 1e9\n\
for _ in range({runs}):\n    t = time.perf_counter(); n = read(sys.argv[1]); best = min(best, time.perf_counter() - t)\n\
print(best, n)"
    );
    let o = Command::new("python3").args(["-c", &code]).arg(path).output().ok()?;
    if !o.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or(""));
        return None;
    }
    String::from_utf8_lossy(&o.stdout).split_whitespace().next()?.parse().ok()
}

fn main() {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real/5ni1/5me2.pdb"));
    let model = tile(&read_model(src).expect("read 5me2.pdb"), [4, 4, 4], 80.0);
    let dir = std::env::temp_dir().join(format!("cryolabel-bench-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cif = dir.join("tiled.cif");
    std::fs::write(&cif, to_mmcif(&model, "tiled", Some(3.2))).unwrap();
    let mb = std::fs::metadata(&cif).unwrap().len() as f64 / 1e6;
    println!("case       5me2 tiled 4x4x4: {} atoms, mmCIF {mb:.1} MB", model.atoms.len());
    let mut figures = Vec::new();
    for (label, rule) in [("biopython rule", AltlocRule::Biopython), ("precise rule", AltlocRule::HighestOccupancy)] {
        let (t, m) = best(3, || read_model_with(&cif, ReadOptions { altlocs: rule }).unwrap());
        assert_eq!(m.atoms.len(), model.atoms.len(), "every atom read");
        println!("cryolabel  {:.3} s ({label}, best of 3)", t.as_secs_f64());
        figures.push(t.as_secs_f64());
    }
    let ours = figures.iter().cloned().fold(f64::MAX, f64::min);
    let gemmi = python("import gemmi\ndef read(p): return gemmi.read_structure(p)[0].count_atom_sites()", &cif, 3);
    let bio = python(
        "from Bio.PDB import MMCIFParser\ndef read(p): return len(list(MMCIFParser(QUIET=True).get_structure('x', p).get_atoms()))",
        &cif,
        1,
    );
    for (name, t) in [("gemmi", gemmi), ("Biopython", bio)] {
        match t {
            Some(t) => println!("{name:<10} {t:.3} s -> cryolabel is {:.1}x {name}'s speed", t / ours),
            None => println!("{name:<10} not available (pip install gemmi biopython)"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
