//! `batch`, `merge`, `cubes` and `split` end to end on the real cases in ../shared (read in
//! place), plus generated failures.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, data};
use cryolabel::engine::dataset::npy::read_npy;
use cryolabel::engine::read_map;
use cryolabel::engine::table::{self, ReadOptions};

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.args(args).env_remove("SLURM_ARRAY_TASK_ID").env_remove("SLURM_ARRAY_TASK_COUNT");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("run cryolabel")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn manifest(dir: &Path, rows: &[(&str, PathBuf, PathBuf)]) -> PathBuf {
    let mut s = String::from("id,map,model,resolution\n");
    for (id, map, model) in rows {
        s.push_str(&format!("{id},{},{},3.2\n", map.display(), model.display()));
    }
    let p = dir.join("entries.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn table(path: &Path) -> Vec<Vec<String>> {
    let t = table::read(path, ReadOptions::default()).unwrap();
    std::iter::once(t.head).chain(t.rows).collect()
}

/// Rows of metadata.csv without the timing columns (t_*), which differ run to run.
fn untimed(path: &Path) -> Vec<Vec<String>> {
    let t = table(path);
    let keep: Vec<bool> = t[0].iter().map(|h| !h.starts_with("t_")).collect();
    t.iter().map(|r| r.iter().zip(&keep).filter(|(_, k)| **k).map(|(v, _)| v.clone()).collect()).collect()
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn batch_records_failures_and_resumes_without_redoing() {
    let tmp = tempfile::tempdir().unwrap();
    let map = data("5ni1/emd_3488.mrc");
    // a truncated copy of a real map, and a model that misses its map
    let bytes = std::fs::read(&map).unwrap();
    let trunc = tmp.path().join("trunc.mrc");
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    let m = manifest(
        tmp.path(),
        &[
            ("5ni1", map.clone(), data("5ni1/5me2.pdb")),
            ("5ni1cif", map.clone(), data("5ni1/5ni1_updated.cif")),
            ("6vyb", data("6vyb/emd_21457_seg.mrc"), data("6vyb/6vyb_Ndom.pdb")),
            ("trunc", trunc, data("5ni1/5me2.pdb")),
            ("miss", data("6vyb/emd_21457_seg.mrc"), data("3mfp/3MFP.pdb")),
        ],
    );
    let out = tmp.path().join("ds");
    let args = ["batch", "--manifest", m.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "2"];
    let o = run(&args, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("2 of 5 entries failed: miss, trunc"), "{}", text(&o));
    let fails = table(&out.join("failures.csv"));
    assert_eq!(fails.iter().skip(1).map(|r| r[0].as_str()).collect::<Vec<_>>(), ["miss", "trunc"]);
    assert!(fails[1].last().unwrap().contains("no atom of the model"), "{fails:?}");
    assert!(fails[2].join(",").contains("truncated"), "{fails:?}");
    let meta = table(&out.join("metadata.csv"));
    assert_eq!(meta.iter().skip(1).map(|r| r[0].as_str()).collect::<Vec<_>>(), ["5ni1", "5ni1cif", "6vyb"]);
    assert_eq!(meta[1][3..6], ["104", "104", "104"]);
    assert!(!out.join("trunc").exists() && !out.join("miss").exists());

    // a killed run: 6vyb lost a label and never wrote provenance.json
    std::fs::remove_file(out.join("6vyb/provenance.json")).unwrap();
    std::fs::remove_file(out.join("6vyb/6vyb_classification_situs.mrc")).unwrap();
    let kept = ["5ni1/5ni1.mrc", "5ni1/5ni1_regression_situs.mrc", "5ni1/provenance.json", "5ni1cif/provenance.json"];
    let before: Vec<_> = kept.iter().map(|f| mtime(&out.join(f))).collect();
    let o = run(&args, &[]);
    assert!(text(&o).contains("1 done, 2 skipped (up to date), 2 failed"), "{}", text(&o));
    let after: Vec<_> = kept.iter().map(|f| mtime(&out.join(f))).collect();
    assert_eq!(before, after, "finished entries were rewritten");
    assert!(out.join("6vyb/6vyb_classification_situs.mrc").is_file());
    assert_eq!(untimed(&out.join("metadata.csv")).len(), 4);

    // a changed parameter makes every entry stale
    let mut a2 = args.to_vec();
    a2.extend(["--radius", "3"]);
    let o = run(&a2, &[]);
    assert!(text(&o).contains("3 done, 0 skipped"), "{}", text(&o));
}

#[test]
fn two_shards_merged_equal_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let m = manifest(
        tmp.path(),
        &[
            ("6vyb", data("6vyb/emd_21457_seg.mrc"), data("6vyb/6vyb_Ndom.pdb")),
            ("6vyb_nstart", data("6vyb/emd_21457_seg_nstart.mrc"), data("6vyb/6vyb_Ndom.pdb")),
            ("6vyb_orig0", data("6vyb/emd_21457_seg_orig0.mrc"), data("6vyb/6vyb_Ndom_shifted.pdb")),
            ("miss", data("6vyb/emd_21457_seg.mrc"), data("3mfp/3MFP.pdb")),
        ],
    );
    let (one, sharded) = (tmp.path().join("one"), tmp.path().join("sharded"));
    let ms = m.to_str().unwrap();
    run(&["batch", "--manifest", ms, "--out", one.to_str().unwrap(), "--fsc"], &[]);
    let s = sharded.to_str().unwrap();
    let o0 = run(&["batch", "--manifest", ms, "--out", s, "--fsc", "--shard", "0/2"], &[]);
    // shard 1 from SLURM's array variables, as an sbatch array task gets it
    let o1 = run(
        &["batch", "--manifest", ms, "--out", s, "--fsc"],
        &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "2")],
    );
    assert!(
        text(&o0).contains("2 entries (shard 0/2)") && text(&o1).contains("2 entries (shard 1/2)"),
        "{}{}",
        text(&o0),
        text(&o1)
    );
    assert!(sharded.join("metadata.shard-0-of-2.csv").is_file() && sharded.join("failures.shard-1-of-2.csv").is_file());
    let o = run(&["merge", s, "--out", s], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let (a, b) = (untimed(&one.join("metadata.csv")), untimed(&sharded.join("metadata.csv")));
    assert_eq!(a, b);
    assert_eq!(a.len(), 4);
    assert!(!a[1][13].is_empty(), "FSC column empty: {a:?}");
    // --fsc also brings the label-quality summary (engine::quality)
    assert_eq!(a[0][15], "mean_q");
    assert!(a[1][15].parse::<f64>().is_ok_and(|q| q > 0.0 && q < 1.0), "mean_q column: {a:?}");
    assert_eq!(table(&one.join("failures.csv")), table(&sharded.join("failures.csv")));
}

#[test]
fn cubes_reassemble_to_the_source_maps_and_split_is_seeded() {
    let tmp = tempfile::tempdir().unwrap();
    let m = manifest(tmp.path(), &[("6vyb", data("6vyb/emd_21457_seg.mrc"), data("6vyb/6vyb_Ndom.pdb"))]);
    let ds = tmp.path().join("ds");
    let o = run(&["batch", "--manifest", m.to_str().unwrap(), "--out", ds.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let cubes = tmp.path().join("cubes");
    let o = run(
        &[
            "cubes",
            "--dataset",
            ds.to_str().unwrap(),
            "--size",
            "32",
            "--stride",
            "20",
            "--out",
            cubes.to_str().unwrap(),
            "--keep-empty",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let index = table(&cubes.join("index.csv"));
    assert_eq!(index.len() - 1, 8, "{index:?}"); // starts 0,18 x 0,9 x 0,17 on 50 x 41 x 49
    let src = [
        "6vyb.mrc",
        "6vyb_regression_situs.mrc",
        "6vyb_classification_situs.mrc",
        "6vyb_classification_types_situs.mrc",
    ];
    for (file, part) in src.iter().zip(["map", "regression", "classification", "types"]) {
        let v = read_map(&ds.join("6vyb").join(file)).unwrap().volume;
        let [nx, ny, nz] = v.grid.shape;
        let mut back = vec![f32::NAN; v.data.len()];
        for r in &index[1..] {
            let o: Vec<usize> = r[1..4].iter().map(|s| s.parse().unwrap()).collect();
            let path = cubes.join("6vyb").join(format!("{}_{part}.npy", r[10]));
            let cube: Vec<f32> = if part == "classification" {
                read_npy::<i16>(&path).unwrap().0.into_iter().map(f32::from).collect()
            } else {
                read_npy::<f32>(&path).unwrap().0
            };
            for z in 0..32 {
                for y in 0..32 {
                    for x in 0..32 {
                        back[(o[0] + x) + nx * ((o[1] + y) + ny * (o[2] + z))] = cube[x + 32 * (y + 32 * z)];
                    }
                }
            }
        }
        assert_eq!(back.len(), nx * ny * nz);
        assert!(back.iter().zip(&v.data).all(|(a, b)| a == b), "{part} cubes do not reassemble");
    }
    // without --keep-empty exactly the cubes holding a label remain
    let ds_s = ds.to_str().unwrap();
    let (all, some) = (tmp.path().join("all8"), tmp.path().join("some8"));
    run(
        &["cubes", "--dataset", ds_s, "--size", "8", "--stride", "8", "--out", all.to_str().unwrap(), "--keep-empty"],
        &[],
    );
    run(&["cubes", "--dataset", ds_s, "--size", "8", "--stride", "8", "--out", some.to_str().unwrap()], &[]);
    let labelled: Vec<Vec<String>> =
        table(&all.join("index.csv")).into_iter().filter(|r| r[8] != "0" || r[9] != "0").collect();
    assert_eq!(labelled, table(&some.join("index.csv")));
    assert!(!some.join("6vyb").join("6vyb_0_0_0_map.npy").exists() || labelled.iter().any(|r| r[10] == "6vyb_0_0_0"));

    // split: a metadata table of 60 entries over 3 resolution bins
    let sp = tmp.path().join("sp");
    std::fs::create_dir_all(&sp).unwrap();
    let mut meta = String::from("id,resolution\n");
    for i in 0..60 {
        meta.push_str(&format!("e{i:02},{}\n", [2.5, 3.5, 4.5][i % 3]));
    }
    std::fs::write(sp.join("metadata.csv"), meta).unwrap();
    let split = |seed: &str, name: &str| {
        let out = sp.join(name);
        let o = run(
            &[
                "split",
                "--dataset",
                sp.to_str().unwrap(),
                "--by",
                "resolution",
                "--out",
                out.to_str().unwrap(),
                "--seed",
                seed,
            ],
            &[],
        );
        assert!(o.status.success(), "{}", text(&o));
        table(&out)
    };
    let (a, b, c) = (split("7", "a.csv"), split("7", "b.csv"), split("8", "c.csv"));
    assert_eq!(a, b);
    assert_ne!(a, c);
    for bin in ["2-3", "3-4", "4-5"] {
        let n = |s: &str| a.iter().filter(|r| r[2] == bin && r[3] == s).count();
        assert_eq!((n("train"), n("validation"), n("test")), (16, 2, 2), "{bin}");
    }
}

#[test]
fn a_killed_batch_resumes_losing_and_redoing_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (map, pdb, cif) = (data("5ni1/emd_3488.mrc"), data("5ni1/5me2.pdb"), data("5ni1/5ni1_updated.cif"));
    let rows: Vec<(String, PathBuf, PathBuf)> =
        (0..6).map(|i| (format!("e{i}"), map.clone(), if i % 2 == 0 { pdb.clone() } else { cif.clone() })).collect();
    let rows: Vec<(&str, PathBuf, PathBuf)> = rows.iter().map(|(i, a, b)| (i.as_str(), a.clone(), b.clone())).collect();
    let m = manifest(tmp.path(), &rows);
    let out = tmp.path().join("ds");
    let args = ["batch", "--manifest", m.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "1"];
    // run, and SIGKILL it as soon as the first entry has finished
    let mut child = Command::new(bin()).args(args).env_remove("SLURM_ARRAY_TASK_ID").spawn().unwrap();
    let first = out.join("e0/provenance.json");
    let t0 = std::time::Instant::now();
    while !first.exists() && t0.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.exists(), "the first entry never finished");
    let done: Vec<String> =
        (0..6).map(|i| format!("e{i}")).filter(|id| out.join(id).join("provenance.json").exists()).collect();
    assert!(done.len() < 6, "killed too late to test anything: {done:?}");
    let before: Vec<_> =
        done.iter().map(|id| mtime(&out.join(id).join(format!("{id}_classification_situs.mrc")))).collect();
    // every file under a final name is whole, even in the entry that was cut short
    for e in std::fs::read_dir(&out).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for f in std::fs::read_dir(e.path()).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().to_string();
            if name.ends_with(".mrc") && !name.starts_with('.') {
                read_map(&f.path()).unwrap_or_else(|err| panic!("partial file {name}: {err}"));
            }
        }
    }
    let o = run(&args, &[]);
    assert!(o.status.success(), "{}", text(&o));
    for (id, t) in done.iter().zip(&before) {
        assert_eq!(mtime(&out.join(id).join(format!("{id}_classification_situs.mrc"))), *t, "{id} was redone");
    }
    assert_eq!(untimed(&out.join("metadata.csv")).len(), 7, "header + 6 entries");
}
