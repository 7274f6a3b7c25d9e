//! Real-world maps (issue 12, items 5-7): formats told by content, NaN voxels, non-orthogonal
//! cells; and every map under ../shared/data read the way gemmi and mrcfile read it.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{data, python_readers, run};
use cryolabel::engine::formats::{self, Kind};
use cryolabel::engine::{Durability, Grid, Stats, Volume, read_map, read_map_bytes, write_map};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn interop(name: &str) -> PathBuf {
    data("../interop").join(name)
}

/// Every file under ../shared/data/real and ../shared/data/interop, sorted.
fn shared_files() -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { walk(&p, out) } else { out.push(p) }
        }
    }
    let mut out = Vec::new();
    walk(&data(""), &mut out);
    walk(&data("../interop"), &mut out);
    out.sort();
    out
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn every_shared_map_reads_as_mrcfile_and_gemmi_read_it() {
    if !python_readers() {
        return;
    }
    let t0 = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut maps = Vec::new();
    for p in shared_files() {
        if formats::identify(&p).ok() != Some(Kind::Map) {
            continue;
        }
        let key = format!("m{:03}", maps.len());
        let m = read_map(&p).unwrap_or_else(|e| panic!("{e}"));
        let h = &m.header;
        let mut file_nstart = [0; 3];
        for c in 0..3 {
            file_nstart[(h.axis_order[c] - 1) as usize] = h.nstart_crs[c];
        }
        let stored = m.skewed.as_ref().map_or(&m.volume.data, |k| &k.data);
        let st = Stats::of(stored);
        let g = &m.volume.grid;
        let mut j = serde_json::json!({
            "path": s(&p),
            "axis_order": h.axis_order,
            "angles": h.angles.map(|a| if a == 0.0 { 90.0 } else { a }),
            "stats": {"min": st.min, "max": st.max, "mean": st.mean, "sd": st.rms},
            "non_finite": cryolabel::engine::grid::count_non_finite(stored),
        });
        match &m.skewed {
            None => {
                j["shape"] = serde_json::json!(g.shape);
                j["voxel"] = serde_json::json!(g.voxel);
                j["origin"] = serde_json::json!(g.origin);
                j["nstart"] = serde_json::json!(g.nstart);
                j["nstart_ignored"] = serde_json::json!(g.nstart != file_nstart);
            }
            Some(k) => {
                j["shape"] = serde_json::json!(k.grid.shape);
                j["voxel"] = serde_json::json!(k.grid.step);
                j["origin"] = serde_json::json!(k.grid.origin.to_array());
                j["nstart"] = serde_json::json!(file_nstart);
                j["orth"] = serde_json::json!({"shape": g.shape, "voxel": g.voxel, "origin": g.origin});
                let orth: Vec<u8> = m.volume.data.iter().flat_map(|v| v.to_le_bytes()).collect();
                std::fs::write(dir.path().join(format!("{key}_orth.f32")), orth).unwrap();
            }
        }
        let raw: Vec<u8> = stored.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(dir.path().join(format!("{key}.f32")), raw).unwrap();
        std::fs::write(dir.path().join(format!("{key}.json")), j.to_string()).unwrap();
        maps.push(p);
    }
    let names: Vec<String> = maps.iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
    for want in ["1pfe_asu.msk.gz", "EMD-3197.map.bz2", "with_nan.mrc", "EMD-3001.map", "emd_3488.mrc"] {
        assert!(names.iter().any(|n| n == want), "{want} not found as a map among {names:?}");
    }
    assert!(maps.len() >= 20, "{names:?}");
    eprintln!("dumped {} maps in {:.1} s", maps.len(), t0.elapsed().as_secs_f64());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/compare_readers.py");
    let o = Command::new("python3").args([script, s(dir.path())]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    eprintln!("{out}python compare: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(o.status.success(), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains(&format!("{} maps, 0 differ", maps.len())), "{out}");
}

// ---- item 5: format by content ----

#[test]
fn maps_are_known_by_content_under_any_name() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(data("5ni1/emd_3488.mrc")).unwrap();
    let want = read_map(&data("5ni1/emd_3488.mrc")).unwrap().volume;
    for name in ["tomo.rec", "tilts.st", "no_extension", "mask.msk", "upper.MRC"] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(formats::identify(&p).unwrap(), Kind::Map, "{name}");
        let (ok, out, err) = run(&["info", s(&p)]);
        assert!(ok && out.contains("shape        100 x 100 x 100"), "{name}: {out}{err}");
    }
    // bzip2 by its magic bytes, whatever the name says
    let p = dir.path().join("packed.map.gz");
    std::fs::write(&p, bzip2(&bytes)).unwrap();
    let m = read_map(&p).unwrap();
    assert_eq!(m.volume.data, want.data);
    assert_eq!(m.header.compression, formats::Compression::Bzip2);
    let (ok, out, err) = run(&["info", s(&interop("EMD-3197.map.bz2"))]);
    assert!(ok && out.contains("(bzip2)") && out.contains("shape        20 x 20 x 20"), "{out}{err}");
    let (ok, out, err) = run(&["info", s(&interop("1pfe_asu.msk.gz"))]);
    assert!(ok && out.contains("(gzip)") && out.contains("mode         0 (int8)"), "{out}{err}");
    // a model under a map's name is still a model
    let q = dir.path().join("model.map");
    std::fs::copy(data("5ni1/5me2.pdb"), &q).unwrap();
    let (ok, out, _) = run(&["info", s(&q)]);
    assert!(ok && out.contains("atoms        4468"), "{out}");
    // and bzip2 works for models too
    let q = dir.path().join("model.cif.bz2");
    std::fs::write(&q, bzip2(&std::fs::read(data("5ni1/5ni1_updated.cif")).unwrap())).unwrap();
    assert_eq!(formats::identify(&q).unwrap(), Kind::Model);
    let (ok, out, err) = run(&["info", s(&q)]);
    assert!(ok && out.contains("(mmCIF)"), "{out}{err}");
}

#[test]
fn an_unknown_format_says_what_the_file_looks_like() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("thing.dat");
    let mut junk = b"PK\x03\x04".to_vec();
    junk.resize(2048, 7);
    std::fs::write(&p, &junk).unwrap();
    let (ok, _, err) = run(&["info", s(&p)]);
    assert!(!ok);
    for needle in
        ["thing.dat", "starts with bytes 50 4b 03 04", "not a map (no MAP stamp, mode 117901063", "nor a model"]
    {
        assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    }
    // a damaged file named like a map still reaches the map reader and gets its precise error
    let q = dir.path().join("broken.mrc");
    std::fs::write(&q, &junk).unwrap();
    let (ok, _, err) = run(&["info", s(&q)]);
    assert!(!ok && err.contains("broken.mrc") && err.contains("unknown data mode 117901063"), "{err}");
}

#[test]
fn batch_scanning_and_report_tell_files_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    for (id, map, model) in [("a", "tomo.rec", "m.ent"), ("b", "density", "m.pdb1")] {
        std::fs::create_dir_all(raw.join(id)).unwrap();
        std::fs::copy(data("5ni1/emd_3488.mrc"), raw.join(id).join(map)).unwrap();
        std::fs::copy(data("5ni1/5me2.pdb"), raw.join(id).join(model)).unwrap();
        std::fs::write(raw.join(id).join("notes.txt"), "not an input").unwrap();
    }
    let (entries, failures) = cryolabel::engine::dataset::manifest::scan_input(&raw).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().to_string();
    let found: Vec<_> = entries.iter().map(|e| (name(&e.map), name(&e.model))).collect();
    assert_eq!(found, [("tomo.rec".into(), "m.ent".into()), ("density".into(), "m.pdb1".into())]);

    // report: a map and model under names only the registry knows
    let rep = dir.path().join("rep");
    std::fs::create_dir_all(&rep).unwrap();
    std::fs::write(rep.join("x1.map.bz2"), bzip2(&std::fs::read(data("5ni1/emd_3488.mrc")).unwrap())).unwrap();
    std::fs::copy(data("5ni1/5me2.pdb"), rep.join("x1.ent")).unwrap();
    std::fs::copy(data("5ni1/5me2.pdb1"), rep.join("x1.pdb1")).unwrap();
    assert_eq!(cryolabel::cli::report::ids(&rep).unwrap(), ["x1"]);
    let (ok, out, err) = run(&["report", s(&rep), "--resolution", "3"]);
    assert!(ok, "{out}{err}");
    let csv = std::fs::read_to_string(rep.join("report.csv")).unwrap();
    assert!(csv.contains("x1"), "{csv}");
}

// ---- item 6: NaN and infinite voxels ----

#[test]
fn nan_voxels_leave_statistics_as_mrcfile_computes_them() {
    let p = interop("with_nan.mrc");
    let m = read_map(&p).unwrap();
    let st = Stats::of(&m.volume.data);
    // mrcfile: min 1.0, max 654.0, mean 328.56459, sd 199.93096 over the finite voxels
    assert_eq!((st.min, st.max), (1.0, 654.0));
    assert!((st.mean - 328.56459).abs() < 1e-3 && (st.rms - 199.93096).abs() < 1e-3, "{st:?}");
    let bad = cryolabel::engine::grid::count_non_finite(&m.volume.data);
    assert!(bad > 0);
    assert!(m.warnings.iter().any(|w| w.starts_with(&format!("{bad} of {} voxels are NaN", m.volume.data.len()))));
    let (ok, out, err) = run(&["info", s(&p)]);
    assert!(ok, "{err}");
    assert!(out.contains("values       min 1.00000, max 654.00000, mean 328.56"), "{out}");
    assert!(out.contains(&format!("{bad} NaN or infinite")), "{out}");
    // FSC of the map with itself: 1 in every shell, not NaN
    let (ok, out, err) = run(&["fsc", "--map", s(&p), "--map2", s(&p)]);
    assert!(ok, "{out}{err}");
    assert!(!out.replace(s(&p), "").to_lowercase().contains("nan"), "{out}");
    let c = cryolabel::engine::fsc::fsc(&m.volume, &m.volume).unwrap();
    assert!(c.shells.iter().skip(1).all(|s| (s.fsc - 1.0).abs() < 1e-6), "{:?}", c.shells);
}

// ---- item 7: non-orthogonal cells ----

#[test]
fn info_shows_a_non_orthogonal_cell_and_the_grid_it_became() {
    for p in [data("maponly_emd3001/EMD-3001.map"), data("maponly_emd3001/emd_3001.map.gz")] {
        let (ok, out, err) = run(&["info", s(&p)]);
        assert!(ok, "{err}");
        assert!(out.contains("beta 94.326"), "{out}");
        assert!(out.contains("non-orthogonal"), "{out}");
        assert!(out.contains("stored       43 x 25 x 73 lattice points"), "{out}");
        assert!(
            out.contains("warning      non-orthogonal cell (angles 90.000, 94.326, 90.000 degrees): resampled"),
            "{out}"
        );
    }
    let a = read_map(&data("maponly_emd3001/EMD-3001.map")).unwrap();
    let k = a.skewed.as_ref().unwrap();
    assert_eq!(a.volume.grid.voxel, [0.3925; 3], "the smallest lattice step");
    // the stored lattice's extent, and nothing far outside it, is covered
    let (lo, hi) = k.grid.bounds();
    let (glo, ghi) = a.volume.grid.bounds();
    assert!(
        (glo - lo).abs().max_element() < 1e-3 && (ghi - hi).abs().max_element() <= 0.3925,
        "{glo} {ghi} vs {lo} {hi}"
    );
}

#[test]
fn resample_puts_a_skewed_map_on_an_orthogonal_grid() {
    let dir = tempfile::tempdir().unwrap();
    let src = data("maponly_emd3001/EMD-3001.map");
    let out = dir.path().join("ortho.mrc");
    let (ok, so, err) = run(&["resample", "--map", s(&src), "--out", s(&out)]);
    assert!(ok, "{so}{err}");
    let back = read_map(&out).unwrap();
    assert!(
        back.skewed.is_none() && back.warnings.iter().all(|w| !w.contains("non-orthogonal")),
        "{:?}",
        back.warnings
    );
    assert_eq!(back.header.angles, [90.0; 3]);
    let direct = read_map(&src).unwrap();
    assert_eq!(back.volume.grid.shape, direct.volume.grid.shape);
    assert_eq!(back.volume.data, direct.volume.data, "resample writes what read_map hands to every command");
    let out1 = dir.path().join("one.mrc");
    let (ok, _, err) = run(&["resample", "--map", s(&src), "--spacing", "1", "--out", s(&out1)]);
    assert!(ok, "{err}");
    assert_eq!(read_map(&out1).unwrap().volume.grid.voxel, [1.0; 3]);
    let (ok, _, err) = run(&["resample", "--map", s(&src), "--nearest", "--out", s(&out1)]);
    assert!(!ok && err.contains("not orthogonal"), "{err}");
}

/// A few atoms inside EMD-3001's box (which has no model of its own).
fn tiny_model(dir: &Path) -> PathBuf {
    let p = dir.join("tiny.pdb");
    let mut t = String::new();
    for (i, (name, el, x, y, z)) in [
        ("N", "N", -1.0, 0.0, 14.0),
        ("CA", "C", 0.0, 0.5, 15.0),
        ("C", "C", 1.2, 0.0, 15.8),
        ("O", "O", 1.5, -1.0, 16.5),
    ]
    .iter()
    .enumerate()
    {
        t += &format!(
            "ATOM  {:5} {:<4} GLY A   1    {:8.3}{:8.3}{:8.3}  1.00 20.00          {:>2}\n",
            i + 1,
            name,
            x,
            y,
            z,
            el
        );
    }
    t += "END\n";
    std::fs::write(&p, t).unwrap();
    p
}

#[test]
fn label_prepare_and_batch_take_a_skewed_map_through_resampling() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let map = data("maponly_emd3001/EMD-3001.map");
    let model = tiny_model(d);
    let said = |text: &str| text.contains("non-orthogonal cell") && text.contains("resampled onto an orthogonal grid");

    let (ok, out, err) =
        run(&["label", "--map", s(&map), "--model", s(&model), "--resolution", "3", "--out", s(&d.join("l"))]);
    assert!(ok, "{out}{err}");
    assert!(said(&format!("{out}{err}")), "{out}{err}");
    let reg = read_map(&d.join("l/tiny_regression_situs.mrc")).unwrap();
    assert_eq!(reg.volume.grid, read_map(&map).unwrap().volume.grid, "labels on the orthogonal grid");
    assert!(reg.volume.data.iter().any(|&v| v > 0.0));

    let (ok, out, err) =
        run(&["prepare", "--map", s(&map), "--model", s(&model), "--resolution", "3", "--out", s(&d.join("p"))]);
    assert!(ok, "{out}{err}");
    assert!(said(&format!("{out}{err}")), "{out}{err}");
    let prepared = read_map(&d.join("p/tiny/tiny.mrc")).unwrap();
    assert_eq!(prepared.volume.grid.voxel, [1.0; 3]);

    let raw = d.join("raw/e3001");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::copy(&map, raw.join("EMD-3001.map")).unwrap();
    std::fs::copy(&model, raw.join("tiny.pdb")).unwrap();
    let (ok, out, err) =
        run(&["batch", "--input", s(&d.join("raw")), "--out", s(&d.join("b")), "--resolution", "3", "--jobs", "1"]);
    assert!(ok, "{out}{err}");
    let meta = std::fs::read_to_string(d.join("b/e3001/provenance.json")).unwrap();
    let all = format!("{out}{err}{meta}");
    assert!(said(&all), "{all}");
}

#[test]
fn a_synthetic_hexagonal_cell_is_read_and_an_impossible_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.mrc");
    let vol = Volume { grid: Grid::new([4, 4, 4], [1.0; 3], [0.0; 3]), data: (0..64).map(|v| v as f32).collect() };
    write_map(&p, &vol, "skew", Durability::Renamed).unwrap();
    let mut b = std::fs::read(&p).unwrap();
    let set = |b: &mut Vec<u8>, word: usize, v: f32| b[word * 4..word * 4 + 4].copy_from_slice(&v.to_le_bytes());
    set(&mut b, 15, 120.0); // gamma
    let m = read_map_bytes(&b, Path::new("hex.mrc")).unwrap();
    let k = m.skewed.as_ref().unwrap();
    assert_eq!(k.grid.angles, [90.0, 90.0, 120.0]);
    // lattice point (0, 1, 0) sits at (cos 120°, sin 120°, 0)
    let p010 = k.grid.index_to_world([0.0, 1.0, 0.0]);
    assert!((p010 - glam::DVec3::new(-0.5, 0.75f64.sqrt(), 0.0)).length() < 1e-6);
    set(&mut b, 13, 120.0);
    set(&mut b, 14, 120.0);
    let e = read_map_bytes(&b, Path::new("flat.mrc")).unwrap_err().to_string();
    assert!(e.contains("flat.mrc") && e.contains("describe no cell"), "{e}");
}

// ---- the README fragment's commands ----

#[test]
fn reading_maps_readme_commands_run() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/readme/reading-maps.md")).unwrap();
    let mut cmds = Vec::new();
    let mut in_sh = false;
    for l in doc.lines() {
        if l.starts_with("```") {
            in_sh = l.starts_with("```sh");
        } else if in_sh && !l.trim().is_empty() && !l.starts_with('#') {
            cmds.push(l.trim());
        }
    }
    assert!(cmds.len() >= 6, "{cmds:?}");
    // The examples use paths relative to the project root (../shared/data); run them from a
    // scratch folder beside a link to the same shared folder, so outputs land in the scratch.
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let shared = data("../..").canonicalize().unwrap();
    std::os::unix::fs::symlink(&shared, dir.path().join("shared")).unwrap();
    for c in cmds {
        let args: Vec<&str> = c.split_whitespace().collect();
        assert_eq!(args[0], "cryolabel", "{c}");
        let o = Command::new(common::bin()).args(&args[1..]).current_dir(&work).output().unwrap();
        assert!(
            o.status.success(),
            "{c}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(read_map(&work.join("emd3001_1A.mrc")).unwrap().skewed.is_none());
}

/// The viewer's histogram, initial contour level and contour surface of a map with NaN
/// voxels: finite everywhere, and the histogram counts the finite voxels only.
#[cfg(feature = "gui")]
#[test]
fn nan_voxels_leave_histogram_and_contours_finite() {
    use cryolabel::render::{histogram::Histogram, isosurface};
    let m = read_map(&interop("with_nan.mrc")).unwrap();
    let bad = cryolabel::engine::grid::count_non_finite(&m.volume.data);
    let h = Histogram::of(&m.volume.data, 256);
    assert_eq!(h.total as usize, m.volume.data.len() - bad);
    assert_eq!((h.min, h.max), (1.0, 654.0));
    let level = h.level_enclosing(0.3);
    assert!(level.is_finite() && level > 1.0 && level < 654.0, "{level}");
    let g = m.volume.grid;
    let field = isosurface::Field { data: m.volume.data.clone(), dims: g.shape, origin: g.origin, spacing: g.voxel };
    let mesh = isosurface::extract(&field, level);
    assert!(!mesh.is_empty());
    assert!(mesh.positions.iter().chain(&mesh.normals).all(|p| p.iter().all(|c| c.is_finite())));
}
