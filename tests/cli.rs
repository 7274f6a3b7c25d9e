//! The `cryolabel` binary as a user runs it: outputs, summaries, and refusals of bad input.

mod common;

use std::path::Path;
use std::process::Command;

use common::{CHECK_OUTPUTS, data, python_readers, run};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn label_5ni1(out: &Path) -> (bool, String, String) {
    run(&[
        "label",
        "--map",
        s(&data("5ni1/emd_3488.mrc")),
        "--model",
        s(&data("5ni1/5me2.pdb")),
        "--simulated",
        s(&data("5ni1/expected/5me2_situs_simulated.mrc.gz")),
        "--out",
        s(out),
    ])
}

#[test]
fn label_writes_three_files_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = label_5ni1(dir.path());
    assert!(ok, "{err}");
    assert!(out.contains("4468 atoms in 1 MODEL(s)"), "{out}");
    assert!(out.contains("atom 4420, neighbour 194604"), "{out}");
    for n in ["5me2_regression_situs.mrc", "5me2_classification_situs.mrc", "5me2_classification_types_situs.mrc"] {
        assert!(dir.path().join(n).is_file(), "{n} missing");
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "no temporary files left behind: {names:?}");
}

/// A plain float32 simulated map on the map's grid is used in place (memory-mapped); the labels
/// are the same bytes as from the gzipped copy of it, which is read into memory.
#[test]
fn plain_simulated_map_gives_the_same_labels_as_the_gzipped_one() {
    let dir = tempfile::tempdir().unwrap();
    let gz = data("5ni1/expected/5me2_situs_simulated.mrc.gz");
    let plain = dir.path().join("sim.mrc");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()), &mut bytes)
        .unwrap();
    std::fs::write(&plain, bytes).unwrap();
    assert!(cryolabel::engine::mapio::map_f32(&plain).unwrap().is_some(), "the plain copy is mapped");
    let map = data("5ni1/emd_3488.mrc");
    let model = data("5ni1/5me2.pdb");
    for (sim, out) in [(&gz, "from_gz"), (&plain, "from_plain")] {
        let o = dir.path().join(out);
        let (ok, _, err) =
            run(&["label", "--map", s(&map), "--model", s(&model), "--simulated", s(sim), "--out", s(&o)]);
        assert!(ok, "{err}");
    }
    for n in ["5me2_regression_situs.mrc", "5me2_classification_situs.mrc", "5me2_classification_types_situs.mrc"] {
        let (a, b) = (dir.path().join("from_gz").join(n), dir.path().join("from_plain").join(n));
        assert!(std::fs::read(a).unwrap() == std::fs::read(b).unwrap(), "{n} differs");
    }
}

/// `--sync` (before or after the command) and CRYOLABEL_SYNC=1 only fsync: the files are the
/// same bytes as without, and no temporary file is left.
#[test]
fn sync_flag_is_accepted_and_outputs_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let out = |k: &str| dir.path().join(k);
    let label_args = |o: &Path| -> Vec<String> {
        let mut a: Vec<String> = ["label", "--map"].map(String::from).to_vec();
        a.push(s(&data("5ni1/emd_3488.mrc")).into());
        a.extend(["--model".into(), s(&data("5ni1/5me2.pdb")).into(), "--simulated".into()]);
        a.push(s(&data("5ni1/expected/5me2_situs_simulated.mrc.gz")).into());
        a.extend(["--out".into(), s(o).into()]);
        a
    };
    let plain = label_args(&out("plain"));
    let (ok, _, err) = run(&plain.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(ok, "{err}");
    let mut after = label_args(&out("after"));
    after.push("--sync".into());
    let mut before = vec!["--sync".to_string()];
    before.extend(label_args(&out("before")));
    for args in [&after, &before] {
        let (ok, _, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(ok, "{args:?}: {err}");
    }
    let o = Command::new(common::bin()).args(label_args(&out("env"))).env("CRYOLABEL_SYNC", "1").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for n in ["5me2_regression_situs.mrc", "5me2_classification_situs.mrc", "5me2_classification_types_situs.mrc"] {
        let want = std::fs::read(out("plain").join(n)).unwrap();
        for k in ["after", "before", "env"] {
            assert!(std::fs::read(out(k).join(n)).unwrap() == want, "{k}/{n} differs from the unsynced output");
            assert_eq!(std::fs::read_dir(out(k)).unwrap().count(), 3, "{k}: no temporary files left behind");
        }
    }
    let (ok, help, _) = run(&["--help"]);
    assert!(ok && help.contains("--sync") && help.contains("CRYOLABEL_SYNC"), "{help}");
}

#[test]
fn outputs_open_in_mrcfile_and_gemmi_at_the_same_place() {
    if !python_readers() {
        return;
    }
    let script = CHECK_OUTPUTS;
    let dir = tempfile::tempdir().unwrap();
    assert!(label_5ni1(dir.path()).0);
    let o =
        Command::new("python3").args([script, s(&data("5ni1/emd_3488.mrc")), s(dir.path()), "5me2"]).output().unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    // non-zero origin and NSTART placements too
    for (map, model) in
        [("6vyb/emd_21457_seg.mrc", "6vyb/6vyb_Ndom.pdb"), ("6vyb/emd_21457_seg_nstart.mrc", "6vyb/6vyb_Ndom.pdb")]
    {
        let d = tempfile::tempdir().unwrap();
        let (ok, _, err) = run(&[
            "label",
            "--map",
            s(&data(map)),
            "--model",
            s(&data(model)),
            "--simulated",
            s(&data("6vyb/expected/6vyb_situs_simulated.mrc.gz")),
            "--out",
            s(d.path()),
            "--id",
            "6vyb",
        ]);
        assert!(ok, "{err}");
        let o = Command::new("python3").args([script, s(&data(map)), s(d.path()), "6vyb"]).output().unwrap();
        assert!(
            o.status.success(),
            "{map}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn info_describes_maps_and_models() {
    let (ok, out, _) = run(&["info", s(&data("3mfp/emd_5168.map"))]);
    assert!(ok);
    assert!(out.contains("origin       (-87.100, -87.100, -87.100)"), "{out}");
    let (ok, out, _) = run(&["info", s(&data("5ni1/5me2.pdb1"))]);
    assert!(ok);
    assert!(out.contains("models       2 (atoms per model: 2234, 2234)"), "{out}");
    assert!(out.contains("FE 4"), "{out}");
}

fn refuses(args: &[&str], needle: &str, names: &str) {
    let (ok, out, err) = run(args);
    assert!(!ok, "should fail: {out}");
    assert!(err.contains(needle), "message {err:?} should contain {needle:?}");
    assert!(err.contains(names), "message {err:?} should name {names:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_inputs_get_clear_errors_and_no_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    let good_map = std::fs::read(data("5ni1/emd_3488.mrc")).unwrap();
    let sim = data("5ni1/expected/5me2_situs_simulated.mrc.gz");
    let model = data("5ni1/5me2.pdb");
    let label = |map: &Path, model: &Path| -> Vec<String> {
        ["label", "--map", s(map), "--model", s(model), "--simulated", s(&sim), "--out", s(&out)]
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    let check = |args: Vec<String>, needle: &str, names: &str| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        refuses(&a, needle, names);
        assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(), "partial output for {needle}");
    };
    // missing file
    check(label(&d.join("nope.mrc"), &model), "cannot read", "nope.mrc");
    // truncated map
    let trunc = d.join("trunc.mrc");
    std::fs::write(&trunc, &good_map[..good_map.len() / 2]).unwrap();
    check(label(&trunc, &model), "truncated", "trunc.mrc");
    // header shorter than 1024 bytes
    let tiny = d.join("tiny.mrc");
    std::fs::write(&tiny, &good_map[..100]).unwrap();
    check(label(&tiny, &model), "truncated", "tiny.mrc");
    // absurd dims: refused before allocating
    let mut huge = good_map[..1024].to_vec();
    for w in 0..3 {
        huge[w * 4..w * 4 + 4].copy_from_slice(&200_000i32.to_le_bytes());
    }
    let hp = d.join("huge.mrc");
    std::fs::write(&hp, &huge).unwrap();
    check(label(&hp, &model), "more than this machine can hold", "huge.mrc");
    // zero dims
    let mut zero = good_map.clone();
    zero[0..4].copy_from_slice(&0i32.to_le_bytes());
    let zp = d.join("zero.mrc");
    std::fs::write(&zp, &zero).unwrap();
    check(label(&zp, &model), "not all positive", "zero.mrc");
    // complex mode
    let mut cx = good_map.clone();
    cx[12..16].copy_from_slice(&4i32.to_le_bytes());
    let cp = d.join("complex.mrc");
    std::fs::write(&cp, &cx).unwrap();
    check(label(&cp, &model), "complex", "complex.mrc");
    // axis order not a permutation
    let mut ax = good_map.clone();
    ax[64..68].copy_from_slice(&1i32.to_le_bytes());
    ax[68..72].copy_from_slice(&1i32.to_le_bytes());
    let ap = d.join("axes.mrc");
    std::fs::write(&ap, &ax).unwrap();
    check(label(&ap, &model), "not a permutation", "axes.mrc");
    // gz that is not gzip
    let gp = d.join("fake.mrc.gz");
    let mut fake = vec![0x1f, 0x8b];
    fake.extend_from_slice(b"this is not a gzip stream at all");
    std::fs::write(&gp, &fake).unwrap();
    check(label(&gp, &model), "gzip", "fake.mrc.gz");
    // model with no atoms
    let empty = d.join("empty.pdb");
    std::fs::write(&empty, "HEADER    NOTHING HERE\nEND\n").unwrap();
    check(label(&data("5ni1/emd_3488.mrc"), &empty), "no atoms", "empty.pdb");
    // NaN coordinate
    let nan = d.join("nan.pdb");
    std::fs::write(&nan, "ATOM      1  CA  ALA A   1         nan  10.000  10.000  1.00 10.00           C\n").unwrap();
    check(label(&data("5ni1/emd_3488.mrc"), &nan), "coordinate", "nan.pdb");
    // a model that misses the map entirely: the offset is named
    let far = d.join("far.pdb");
    std::fs::write(&far, "ATOM      1  CA  ALA A   1     900.000 900.000 900.000  1.00 10.00           C\n").unwrap();
    check(label(&data("5ni1/emd_3488.mrc"), &far), "offset by", "far.pdb");
}

#[test]
fn prepared_folder_reads_back_in_label_and_python() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(&[
        "prepare",
        "--map",
        s(&data("5ni1/emd_3488.mrc")),
        "--model",
        s(&data("5ni1/5ni1_updated.cif")),
        "--out",
        s(dir.path()),
    ]);
    assert!(ok, "{err}");
    let d = dir.path().join("5ni1");
    let classes = out.lines().find(|l| l.starts_with("labels")).expect("labels line").to_string();
    // `label` on the prepared map, model and simulation gives the same classes
    let again = dir.path().join("again");
    let (ok, out2, err) = run(&[
        "label",
        "--map",
        s(&d.join("5ni1.mrc")),
        "--model",
        s(&d.join("5ni1.pdb1")),
        "--simulated",
        s(&d.join("5ni1_situs_simulated.mrc")),
        "--out",
        s(&again),
        "--id",
        "5ni1",
    ]);
    assert!(ok, "{err}");
    let atom = classes.split("atom ").nth(1).unwrap().split(',').next().unwrap();
    assert!(out2.contains(&format!("atom {atom},")), "prepare said {classes:?}, label said {out2}");
    for n in ["5ni1_regression_situs.mrc", "5ni1_classification_situs.mrc", "5ni1_classification_types_situs.mrc"] {
        assert_eq!(std::fs::read(d.join(n)).unwrap().len(), std::fs::read(again.join(n)).unwrap().len(), "{n}");
    }
    // and Python's mrcfile/gemmi read the prepared folder at the prepared map's place
    if !python_readers() {
        return;
    }
    let script = CHECK_OUTPUTS;
    let o = Command::new("python3").args([script, s(&d.join("5ni1.mrc")), s(&d), "5ni1"]).output().unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

/// `--id` names files: an id with a path separator or `..` is refused before any work, with the
/// reason; and a write that fails says "cannot write" and names the file it was writing.
#[test]
fn ids_that_are_paths_are_refused_and_failed_writes_say_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = |id: &str| {
        let (map, model) = (data("5ni1/emd_3488.mrc"), data("5ni1/5me2.pdb"));
        let sim = data("5ni1/expected/5me2_situs_simulated.mrc.gz");
        [
            &["label", "--map", s(&map), "--model", s(&model), "--simulated", s(&sim)][..],
            &["--out", s(&out), "--id", id],
        ]
        .concat()
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
    };
    for (id, why) in [("a/../b", "path separator"), ("..", "`.` or `..`")] {
        let a = args(id);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        refuses(&a, "is not a file-name stem", why);
        assert!(!out.exists(), "nothing written for --id {id}");
    }
    // prepare (and so batch, which runs prepare per entry) uses the same check
    let (ok, _, err) = run(&[
        "prepare",
        "--map",
        s(&data("5ni1/emd_3488.mrc")),
        "--model",
        s(&data("5ni1/5me2.pdb")),
        "--out",
        s(&out),
        "--id",
        "x/../y",
    ]);
    assert!(!ok && err.contains("\"x/../y\" is not a file-name stem: it holds a path separator"), "{err}");
    // a write that fails: the regression file's name is taken by a folder
    let blocker = out.join("5me2_regression_situs.mrc");
    std::fs::create_dir_all(&blocker).unwrap();
    let a = args("5me2");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, _, err) = run(&a);
    assert!(!ok && err.contains(&format!("cannot write {}: ", blocker.display())), "{err}");
    assert!(!err.contains("cannot read") && !err.contains("panicked"), "{err}");
}
