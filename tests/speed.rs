//! What the speed work must not change, and what its benchmarks stand on: the Python baselines
//! of the whole-process benchmarks (benches/label_process.rs, benches/simulate_process.rs) do the
//! work they are compared with (the numpy/scipy labeler gives the published labels and
//! `cryolabel label`'s, voxel for voxel; the gemmi script writes a map on the asked grid), and
//! the header-only grid read that `label` and `simulate --like` use gives read_map's grid.

mod common;

use std::path::Path;
use std::process::Command;

use common::{data, run};
use cryolabel::engine::{export::label_file_names, mapio::read_grid, read_map};

/// python3 with `modules`, else (outside CI only) a note and false.
fn python_with(modules: &str) -> bool {
    let ok = Command::new("python3").args(["-c", &format!("import {modules}")]).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must pip-install {modules} (.ci/run does)");
        eprintln!("skipped: python3 with {modules} not available");
    }
    ok
}

fn script(name: &str) -> String {
    format!("{}/benches/python/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn py(args: &[&str]) {
    let o = Command::new("python3").args(args).output().expect("run python3");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn same(a: &Path, b: &Path) {
    let (x, y) = (read_map(a).unwrap().volume, read_map(b).unwrap().volume);
    assert_eq!(x.grid.shape, y.grid.shape, "{} vs {}", a.display(), b.display());
    assert_eq!(x.grid.origin, y.grid.origin, "{} vs {}", a.display(), b.display());
    let differ = x.data.iter().zip(&y.data).filter(|(p, q)| p.to_bits() != q.to_bits()).count();
    assert_eq!(differ, 0, "{} and {} differ in {differ} voxels", a.display(), b.display());
}

#[test]
fn numpy_labeler_gives_the_published_labels_and_ours() {
    if !python_with("numpy, scipy, mrcfile") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (np_dir, ours) = (dir.path().join("numpy"), dir.path().join("ours"));
    let map = data("5ni1/emd_3488.mrc");
    let sim = data("5ni1/expected/5me2_situs_simulated.mrc.gz");
    let model = data("5ni1/5me2.pdb");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    py(&[&script("label_numpy.py"), &s(&map), &s(&sim), &s(&model), &s(&np_dir), "5me2", "6"]);
    let (ok, _, err) =
        run(&["label", "--map", &s(&map), "--model", &s(&model), "--simulated", &s(&sim), "--out", &s(&ours)]);
    assert!(ok, "{err}");
    for name in label_file_names("5me2") {
        same(&np_dir.join(&name), &ours.join(&name));
        same(&np_dir.join(&name), &data(&format!("5ni1/expected/{name}.gz")));
    }
}

#[test]
fn gemmi_baseline_writes_the_asked_grid() {
    if !python_with("gemmi") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gemmi.mrc");
    py(&[&script("simulate_gemmi.py"), data("5ni1/5me2.pdb").to_str().unwrap(), "3.2", "64", out.to_str().unwrap()]);
    let v = read_map(&out).unwrap().volume;
    assert_eq!(v.grid.shape, [64; 3]);
    assert!(v.data.iter().any(|&x| x > 0.1), "gemmi wrote an empty map");
}

#[test]
fn header_only_grid_is_read_maps_grid() {
    // origin in Å, NSTART, both zero, negative NSTART, permuted axes on a skewed cell, gzip
    for f in [
        "5ni1/emd_3488.mrc",
        "6vyb/emd_21457_seg.mrc",
        "6vyb/emd_21457_seg_nstart.mrc",
        "6vyb/emd_21457_seg_orig0.mrc",
        "3mfp/emd_5168.map",
        "maponly_emd3001/EMD-3001.map",
        "maponly_emd3001/emd_3001.map.gz",
    ] {
        let (grid, _) = read_grid(&data(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(grid, read_map(&data(f)).unwrap().volume.grid, "{f}");
    }
    // a plain file shorter than its header says is refused, as read_map refuses it
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.mrc");
    let bytes = std::fs::read(data("5ni1/emd_3488.mrc")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 4]).unwrap();
    let e = read_grid(&cut).unwrap_err().to_string();
    assert!(e.contains("cut.mrc"), "{e}");
    assert!(read_map(&cut).is_err());
}
