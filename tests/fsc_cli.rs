//! `cryolabel fsc` and `cryolabel report` end to end: the curve against an independent numpy
//! computation, and the paper's Figure 1 finding on 5ni1 (regression label beats the map).

use std::path::{Path, PathBuf};
use std::process::Command;

use cryolabel::engine::{Durability, Grid, Volume, write_map};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_cryolabel");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real/5ni1");

fn run(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().expect("run cryolabel");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cryolabel {args:?} failed:\n{text}");
    text
}

fn has_numpy() -> bool {
    common::python_with("numpy")
}

/// A smooth pseudo-random field: sum of a few plane waves plus a hash term.
fn field(n: [usize; 3], seed: f32) -> Vec<f32> {
    let mut v = Vec::with_capacity(n[0] * n[1] * n[2]);
    for z in 0..n[2] {
        for y in 0..n[1] {
            for x in 0..n[0] {
                let (xf, yf, zf) = (x as f32, y as f32, z as f32);
                let h = ((x * 7919 + y * 104729 + z * 1299709) as f32 * (0.618 + seed)).sin();
                v.push((0.3 * xf + 0.2 * yf).sin() + (0.5 * zf - 0.1 * xf + seed).cos() + 0.4 * h);
            }
        }
    }
    v
}

#[test]
fn fsc_csv_matches_numpy() {
    if !has_numpy() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let n = [24, 20, 18];
    let grid = Grid::new(n, [1.5; 3], [3.0, -1.5, 0.0]);
    let a = field(n, 0.0);
    let b: Vec<f32> = a.iter().zip(field(n, 0.37)).map(|(x, y)| x + 0.8 * y).collect();
    let (pa, pb, csv) = (dir.path().join("a.mrc"), dir.path().join("b.mrc"), dir.path().join("fsc.csv"));
    write_map(&pa, &Volume { grid, data: a }, "a", Durability::Renamed).unwrap();
    write_map(&pb, &Volume { grid, data: b }, "b", Durability::Renamed).unwrap();
    run(&["fsc", "--map", pa.to_str().unwrap(), "--map2", pb.to_str().unwrap(), "--csv", csv.to_str().unwrap()]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/fsc_check.py");
    let out = Command::new("python3")
        .args([script, pa.to_str().unwrap(), pb.to_str().unwrap(), csv.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "numpy disagrees:\n{text}");
}

fn link(from: &str, dir: &Path, to: &str) {
    std::os::unix::fs::symlink(PathBuf::from(DATA).join(from), dir.join(to)).unwrap();
}

#[test]
fn report_on_5ni1_finds_the_regression_label_better_than_the_map() {
    if !common::prerequisite(Path::new(DATA).join("emd_3488.mrc").is_file(), DATA) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    link("emd_3488.mrc", d, "5me2.mrc");
    link("5me2.pdb", d, "5me2.pdb");
    link("expected/5me2_regression_situs.mrc.gz", d, "5me2_regression_situs.mrc.gz");
    link("expected/5me2_classification_situs.mrc.gz", d, "5me2_classification_situs.mrc.gz");
    let text = run(&["report", d.to_str().unwrap(), "--plot"]);
    println!("{text}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
    let e = &json[0];
    let exp = e["experimental"]["fsc05_A"].as_f64().unwrap();
    assert!(exp > 2.5 && exp < 8.0, "experimental FSC-0.5 {exp} Å is implausible for a 3.2 Å map");
    // The regression label may stay above 0.5 to Nyquist (null crossing): better still.
    let reg = e["regression"]["fsc05_A"].as_f64().unwrap_or(e["regression"]["nyquist_A"].as_f64().unwrap());
    assert!(reg < exp, "regression {reg} Å should beat experimental {exp} Å");
    assert_eq!(e["model_map_resolution_A"].as_f64().unwrap(), 3.2, "REMARK 2 resolution is used");
    let csv = std::fs::read_to_string(d.join("report.csv")).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("5me2,4468,3.2,"));
    // The label-quality summary (engine::quality) rides along: cctbx's mean Q here is 0.583.
    let q = e["quality"]["mean_q"].as_f64().unwrap();
    assert!((q - 0.583).abs() < 0.03, "mean Q {q}");
    assert!(csv.lines().next().unwrap().ends_with(",mean_q,unmodelled_fraction,unsupported_atoms"));
    assert!(d.join("5me2_fsc.png").is_file());
}

#[test]
fn fsc_map_model_writes_plot_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("fsc.png");
    let map = format!("{DATA}/emd_3488.mrc");
    let text =
        run(&["fsc", "--map", &map, "--model", &format!("{DATA}/5me2.pdb"), "--mask", "--plot", png.to_str().unwrap()]);
    assert!(text.contains("FSC = 0.5"), "{text}");
    assert!(image::open(&png).is_ok());
    let bad = Command::new(BIN).args(["fsc", "--map", &map, "--model", &map]).output().unwrap();
    assert!(!bad.status.success());
    let bad = Command::new(BIN)
        .args(["fsc", "--map", &map, "--model", &format!("{DATA}/5me2.pdb"), "--resolution", "-1"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}
