//! `cryolabel quality` as a user runs it, checked against cctbx's Q-score.
//!
//! The cctbx tables in tests/data/qscore/ were made once with
//!     python3 tests/python/qscore_reference.py MAP MODEL tests/data/qscore/cctbx_<case>
//! (cctbx-base 2025.11, pandas 2.3.3, numpy 2.4.6; maps and models named in `CASES`), so CI
//! needs no cctbx: it takes 20 s per case on this 2-core machine and a large install.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{data, run};

/// (case, map, model, cctbx's mean Q over atoms as the script printed it)
const CASES: [(&str, &str, &str, f64); 2] = [
    ("5ni1", "5ni1/emd_3488.mrc", "5ni1/5me2.pdb", 0.5834),
    ("6vyb", "6vyb/emd_21457_seg.mrc", "6vyb/6vyb_Ndom.pdb", 0.2683),
];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Rows of a CSV as header-keyed maps (the `csv` crate, as the CLI writes them).
fn read_csv(p: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut r = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows =
        r.records().map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect()).collect();
    (header, rows)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

fn key(r: &HashMap<String, String>) -> (String, i64, String) {
    (r["chain"].clone(), r["resseq"].parse().unwrap(), r["resname"].clone())
}

#[test]
fn per_residue_q_agrees_with_cctbx_on_5ni1_and_6vyb() {
    for (case, map, model, cctbx_mean) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let out = |n: &str| dir.path().join(n);
        let (ok, stdout, err) = run(&[
            "quality",
            "--map",
            s(&data(map)),
            "--model",
            s(&data(model)),
            "--atoms",
            s(&out("atoms.csv")),
            "--residues",
            s(&out("residues.csv")),
            "--blobs",
            s(&out("blobs.csv")),
            "--json",
            s(&out("summary.json")),
        ]);
        assert!(ok, "{case}: {err}");
        assert!(stdout.contains("worst residues"), "{stdout}");
        let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out("summary.json")).unwrap()).unwrap();
        let mean_q = summary["mean_q"].as_f64().unwrap();
        let (_, ours) = read_csv(&out("residues.csv"));
        let (_, theirs) = read_csv(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/qscore/cctbx_{case}_residues.csv")),
        );
        let ours: HashMap<_, f64> =
            ours.iter().filter(|r| !r["q"].is_empty()).map(|r| (key(r), r["q"].parse().unwrap())).collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for r in &theirs {
            if let Some(q) = ours.get(&key(r)) {
                a.push(*q);
                b.push(r["q"].parse::<f64>().unwrap());
            }
        }
        assert!(
            a.len() as f64 >= 0.98 * theirs.len() as f64,
            "{case}: {} of {} residues matched",
            a.len(),
            theirs.len()
        );
        let r = pearson(&a, &b);
        eprintln!("{case}: mean Q {mean_q:.4} (cctbx {cctbx_mean}), per-residue r {r:.4} over {} residues", a.len());
        assert!(r >= 0.95, "{case}: per-residue Pearson r {r}");
        assert!((mean_q - cctbx_mean).abs() <= 0.03, "{case}: mean Q {mean_q} vs cctbx {cctbx_mean}");
    }
}

#[test]
fn tables_have_the_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = |n: &str| dir.path().join(n);
    let (ok, stdout, err) = run(&[
        "quality",
        "--map",
        s(&data("6vyb/emd_21457_seg.mrc")),
        "--model",
        s(&data("6vyb/6vyb_Ndom.pdb")),
        "--contour",
        "1%",
        "--atoms",
        s(&out("a.csv")),
        "--residues",
        s(&out("r.csv")),
        "--blobs",
        s(&out("b.csv")),
    ]);
    assert!(ok, "{err}");
    assert!(stdout.contains("mean Q") && stdout.contains("unmodelled") && stdout.contains("1% of voxels"), "{stdout}");
    let (h, rows) = read_csv(&out("a.csv"));
    assert_eq!(h, ["model", "chain", "resseq", "icode", "resname", "name", "element", "q", "map_value"]);
    assert_eq!(rows.len(), 1615);
    let (h, _) = read_csv(&out("r.csv"));
    assert_eq!(h, ["model", "chain", "resseq", "icode", "resname", "q", "q_mainchain", "q_sidechain", "cc"]);
    let (h, _) = read_csv(&out("b.csv"));
    assert_eq!(h, ["id", "volume_A3", "peak", "x", "y", "z", "nearest_atom_A"]);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "no temporary files left behind: {names:?}");
}

#[test]
fn bad_contour_and_missing_files_are_refused_with_their_names() {
    let (ok, _, err) = run(&[
        "quality",
        "--map",
        s(&data("5ni1/emd_3488.mrc")),
        "--model",
        s(&data("5ni1/5me2.pdb")),
        "--contour",
        "lots",
    ]);
    assert!(!ok && err.contains("lots"), "{err}");
    let (ok, _, err) = run(&["quality", "--map", "/nonexistent/m.mrc", "--model", s(&data("5ni1/5me2.pdb"))]);
    assert!(!ok && err.contains("/nonexistent/m.mrc"), "{err}");
}

/// Every shell command of the README fragment runs (cwd: a temporary folder; `../shared`
/// resolved from the repository).
#[test]
fn readme_fragment_commands_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("docs/readme/quality.md")).unwrap();
    let shared = root.join("../shared/");
    let bin_dir = common::bin().parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut in_block = false;
    let mut cmd = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.contains("sh");
            continue;
        }
        if !in_block {
            continue;
        }
        cmd.push_str(line.trim_end().trim_end_matches('\\'));
        cmd.push(' ');
        if line.trim_end().ends_with('\\') {
            continue;
        }
        let c = cmd.replace("../shared/", s(&shared));
        cmd.clear();
        if c.trim().is_empty() || c.trim_start().starts_with('#') {
            continue;
        }
        let o = std::process::Command::new("bash")
            .arg("-c")
            .arg(&c)
            .current_dir(dir.path())
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(o.status.success(), "{c}\n{}", String::from_utf8_lossy(&o.stderr));
        n += 1;
    }
    assert!(n >= 2, "the fragment shows at least two commands, found {n}");
}

#[test]
fn label_min_q_leaves_poorly_supported_atoms_out_in_the_precise_preset() {
    let dir = tempfile::tempdir().unwrap();
    let (map, model, sim) =
        (data("5ni1/emd_3488.mrc"), data("5ni1/5me2.pdb"), data("5ni1/expected/5me2_situs_simulated.mrc.gz"));
    let base = ["label", "--map", s(&map), "--model", s(&model), "--simulated", s(&sim), "--out", s(dir.path())];
    let (ok, _, err) = run(&[&base[..], &["--min-q", "0.4"]].concat());
    assert!(!ok && err.contains("precise"), "{err}");
    let (ok, out, err) = run(&[&base[..], &["--preset", "precise", "--min-q", "0.4"]].concat());
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("min Q")).unwrap_or_else(|| panic!("{out}"));
    let n: usize = line.split_whitespace().nth(2).unwrap().parse().unwrap();
    // cctbx puts 15% of 5me2's atoms (655) below Q 0.4 against EMD-3488.
    assert!(n > 200 && n < 3000, "{line}");
}

#[test]
fn split_filters_entries_by_mean_q_and_unmodelled_fraction() {
    let dir = tempfile::tempdir().unwrap();
    let mut meta = String::from("id,resolution,mean_q,unmodelled_fraction\n");
    for i in 0..30 {
        // e00..e09 poorly fitted, e10..e19 much unmodelled density, e20..e29 clean
        let (q, u) = match i / 10 {
            0 => (0.2, 0.05),
            1 => (0.6, 0.5),
            _ => (0.6, 0.05),
        };
        meta.push_str(&format!("e{i:02},{},{q},{u}\n", [2.5, 3.5, 4.5][i % 3]));
    }
    std::fs::write(dir.path().join("metadata.csv"), meta).unwrap();
    let out = dir.path().join("split.csv");
    let (ok, stdout, err) =
        run(&["split", "--dataset", s(dir.path()), "--out", s(&out), "--min-q", "0.4", "--max-unmodelled", "0.2"]);
    assert!(ok, "{err}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("left out")).count(), 20, "{stdout}");
    let (_, rows) = read_csv(&out);
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r["id"].as_str() >= "e20"), "{rows:?}");
    // A filter on a table without the column says what to run.
    std::fs::write(dir.path().join("metadata.csv"), "id,resolution\ne1,3.0\n").unwrap();
    let (ok, _, err) = run(&["split", "--dataset", s(dir.path()), "--out", s(&out), "--min-q", "0.4"]);
    assert!(!ok && err.contains("batch --fsc"), "{err}");
}
