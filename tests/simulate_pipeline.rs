//! Simulation, resampling and `prepare` against the published pipeline's outputs in
//! ../shared/data (read in place, never copied).

use cryolabel::engine::{self, SimParams, Volume, prepare, resample, simulate};

mod common;

use common::{data, run as cli};

/// Pearson correlation and max |a - b| / max |b| on one grid.
fn compare(a: &Volume<f32>, b: &Volume<f32>) -> (f64, f64) {
    assert_eq!(a.grid.shape, b.grid.shape, "shape");
    for k in 0..3 {
        assert!(
            (a.grid.origin[k] - b.grid.origin[k]).abs() < 1e-3,
            "origin {:?} vs {:?}",
            a.grid.origin,
            b.grid.origin
        );
        assert!((a.grid.voxel[k] - b.grid.voxel[k]).abs() < 1e-5, "voxel");
    }
    let n = a.data.len() as f64;
    let (ma, mb) =
        (a.data.iter().map(|&v| v as f64).sum::<f64>() / n, b.data.iter().map(|&v| v as f64).sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb, mut dmax, mut bmax) = (0.0, 0.0, 0.0, 0f64, 0f64);
    for (&x, &y) in a.data.iter().zip(&b.data) {
        let (x, y) = (x as f64, y as f64);
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
        dmax = dmax.max((x - y).abs());
        bmax = bmax.max(y.abs());
    }
    (sab / (saa * sbb).sqrt(), dmax / bmax)
}

fn check_own_grid(model: &str, expected: &str) {
    let m = engine::read_model(&data(model)).unwrap();
    let s = simulate::simulate(&m, &SimParams::new(3.2, 1.05)).unwrap();
    let e = engine::read_map(&data(expected)).unwrap();
    let (c, d) = compare(&s.volume, &e.volume);
    eprintln!("{model}: own grid {:?}, correlation {c:.7}, max diff {:.5}% of max", s.volume.grid.shape, d * 100.0);
    assert!(c >= 0.999 && d <= 0.01, "{model}: correlation {c}, max diff {d}");
    assert_eq!(s.volume.grid.nstart, e.volume.grid.nstart, "NSTART as Situs writes it");
}

#[test]
fn pdb2vol_own_grid_5ni1() {
    check_own_grid("5ni1/5me2.pdb", "5ni1/expected/5me2_pdb2vol_raw.mrc.gz");
}

#[test]
fn pdb2vol_own_grid_6vyb() {
    check_own_grid("6vyb/6vyb_Ndom.pdb", "6vyb/expected/6vyb_pdb2vol_raw.mrc.gz");
}

fn check_like(model: &str, map: &str, expected: &str) {
    let m = engine::read_model(&data(model)).unwrap();
    let target = engine::read_map(&data(map)).unwrap().volume.grid;
    let (s, placed) = simulate::simulate_on(&m, &SimParams::new(3.2, 1.05), &target).unwrap();
    let e = engine::read_map(&data(expected)).unwrap();
    let (c, d) = compare(&placed, &e.volume);
    // convolved straight onto the map's grid: the own grid's values, copied, bit for bit
    let mut q = SimParams::new(3.2, 1.05);
    q.spacing = target.voxel[0] as f64;
    let own = simulate::simulate(&m, &q).unwrap().volume;
    assert_eq!(own.grid, s.volume.grid);
    let copied = simulate::place(&own, &target).expect("same lattice");
    assert!(
        copied.data.iter().zip(&placed.data).all(|(a, b)| a.to_bits() == b.to_bits()),
        "{model}: not the own grid's values"
    );
    // the two routes onto the grid: whole-voxel copy against ChimeraX's trilinear rule
    let (c2, d2) = compare(&resample::resample_onto(&own, &target), &placed);
    eprintln!(
        "{model} on {map}: correlation {c:.7}, max diff {:.5}% of max; copy vs trilinear: {c2:.9}, {:.2e}",
        d * 100.0,
        d2
    );
    assert!(c >= 0.999 && d <= 0.01, "{model}: correlation {c}, max diff {d}");
    assert!(d2 < 1e-4, "copy and trilinear routes differ by {d2}");
}

#[test]
fn simulate_like_5ni1() {
    check_like("5ni1/5me2.pdb", "5ni1/emd_3488.mrc", "5ni1/expected/5me2_situs_simulated.mrc.gz");
}

#[test]
fn simulate_like_6vyb() {
    check_like("6vyb/6vyb_Ndom.pdb", "6vyb/emd_21457_seg.mrc", "6vyb/expected/6vyb_situs_simulated.mrc.gz");
}

#[test]
fn resample_emdb_map_to_1a() {
    let m = engine::read_map(&data("5ni1/emd_3488.mrc")).unwrap();
    let r = resample::resample_spacing(&m.volume, 1.0);
    assert_eq!(r.grid.shape, [104; 3]);
    assert_eq!(r.grid.origin, [0.0; 3]);
    // voxel 0 and every point that falls on an old voxel keep their value (21 A = 20 old voxels)
    assert_eq!(r.data[0], m.volume.data[0]);
    let (o_new, o_old) = (r.grid.offset([21, 21, 21]), m.volume.grid.offset([20, 20, 20]));
    assert!((r.data[o_new] - m.volume.data[o_old]).abs() < 1e-5);
}

#[test]
fn prepare_5ni1_folder() {
    let dir = tempfile::tempdir().unwrap();
    let p = prepare::PrepareParams {
        spacing: 1.0,
        resolution: None,
        id: None,
        sim: SimParams::new(3.2, 1.0),
        label: engine::LabelParams::preset(engine::Preset::DenoiseCryoData),
        // the synced path (what `batch` asks for), so a test goes through the fsyncs
        durability: engine::Durability::Synced,
    };
    let r = prepare::prepare(&data("5ni1/emd_3488.mrc"), &data("5ni1/5ni1_updated.cif"), dir.path(), &p, None).unwrap();
    assert_eq!(r.id, "5ni1");
    assert_eq!(r.resolution, 3.2);
    let d = dir.path().join("5ni1");
    for f in [
        "5ni1.mrc",
        "5ni1.pdb1",
        "5ni1_situs_simulated.mrc",
        "5ni1_regression_situs.mrc",
        "5ni1_classification_situs.mrc",
        "5ni1_classification_types_situs.mrc",
        "provenance.json",
    ] {
        assert!(d.join(f).is_file(), "{f} missing");
    }
    for f in ["5ni1.mrc", "5ni1_situs_simulated.mrc", "5ni1_classification_situs.mrc"] {
        let g = engine::read_map(&d.join(f)).unwrap().volume.grid;
        assert_eq!((g.shape, g.voxel, g.origin), ([104; 3], [1.0; 3], [0.0; 3]), "{f}");
    }
    let class = engine::read_map(&d.join("5ni1_classification_situs.mrc")).unwrap();
    let atoms = class.volume.data.iter().filter(|&&v| v == 1.0).count();
    assert!(atoms > 3000, "{atoms} atom voxels");
    let back = engine::read_model(&d.join("5ni1.pdb1")).unwrap();
    assert_eq!(back.atoms.len(), r.model.atoms.len());
    assert_eq!(back.resolution, Some(3.2));
    let prov: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("provenance.json")).unwrap()).unwrap();
    assert_eq!(prov["inputs"]["map"]["sha256"], "2fdf1909cbfbc21d3af4230e8a8ff57bf4d4b6ccc72b480992df4dfe39e30209");
    assert_eq!(prov["labels"]["class_counts"][1], atoms);
    // no temporary files left behind
    assert!(std::fs::read_dir(&d).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().starts_with('.')));
}

#[test]
fn prepare_without_resolution_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = std::fs::read_to_string(data("5ni1/5me2.pdb"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ATOM"))
        .take(200)
        .map(|l| format!("{l}\n"))
        .collect();
    let model = dir.path().join("nores.pdb");
    std::fs::write(&model, text).unwrap();
    let p = prepare::PrepareParams {
        spacing: 1.0,
        resolution: None,
        id: None,
        sim: SimParams::new(3.2, 1.0),
        label: engine::LabelParams::preset(engine::Preset::DenoiseCryoData),
        durability: engine::Durability::Renamed,
    };
    let out = dir.path().join("out");
    let e = prepare::prepare(&data("5ni1/emd_3488.mrc"), &model, &out, &p, None).unwrap_err();
    assert!(e.to_string().contains("--resolution") && e.to_string().contains("nores.pdb"), "{e}");
    assert!(!out.exists(), "nothing written on error");
}

/// `label` without a pdb2vol file: the engine's simulation on the map's grid gives the
/// published labels (classification and types identical, regression to float rounding).
#[test]
fn labels_from_engine_simulation_match_published() {
    let m = engine::read_model(&data("5ni1/5me2.pdb")).unwrap();
    let grid = engine::read_map(&data("5ni1/emd_3488.mrc")).unwrap().volume.grid;
    let (_, sim) = simulate::simulate_on(&m, &SimParams::new(3.2, 1.05), &grid).unwrap();
    let l = engine::label::label(&sim, &m.atoms, &engine::LabelParams::preset(engine::Preset::DenoiseCryoData), None)
        .unwrap();
    let e = |n: &str| engine::read_map(&data(&format!("5ni1/expected/5me2_{n}_situs.mrc.gz"))).unwrap().volume.data;
    let class: Vec<f32> = l.classification.data.iter().map(|&v| v as f32).collect();
    assert!(class == e("classification"), "classification differs");
    assert!(l.atom_types.data == e("classification_types"), "atom types differ");
    let d = l.regression.data.iter().zip(&e("regression")).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(d <= 1e-4, "regression differs by {d}");
}

#[test]
fn cli_simulate_resample_and_label_without_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let (model, map) = (data("5ni1/5me2.pdb"), data("5ni1/emd_3488.mrc"));
    let (m, e, d) = (model.to_str().unwrap(), map.to_str().unwrap(), dir.path());
    let sim = d.join("sim.mrc");
    let (ok, out, err) =
        cli(&["simulate", "--model", m, "--resolution", "3.2", "--spacing", "1.05", "--out", sim.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("[77, 79, 64] voxels of 1.05"), "{out}");
    let like = d.join("like.mrc");
    let (ok, _, err) = cli(&["simulate", "--model", m, "--like", e, "--out", like.to_str().unwrap()]);
    assert!(ok, "resolution from REMARK 2: {err}");
    assert_eq!(engine::read_map(&like).unwrap().volume.grid.shape, [100; 3]);
    let r = d.join("r.mrc");
    let (ok, out, err) = cli(&["resample", "--map", e, "--spacing", "1", "--out", r.to_str().unwrap()]);
    assert!(ok && out.contains("[104, 104, 104]"), "{out}{err}");
    let (ok, out, err) = cli(&["label", "--map", e, "--model", m, "--out", d.join("l").to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("atom 4420, neighbour 194604"), "same classes as the published labels: {out}");
}

#[test]
fn cli_refuses_bad_input_without_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let nores = d.join("nores.pdb");
    let atoms: String = std::fs::read_to_string(data("5ni1/5me2.pdb"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ATOM"))
        .take(50)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&nores, atoms).unwrap();
    let map = data("5ni1/emd_3488.mrc");
    let out = d.join("o.mrc");
    for (args, needle) in [
        (
            vec!["simulate", "--model", nores.to_str().unwrap(), "--spacing", "1", "--out", out.to_str().unwrap()],
            "--resolution",
        ),
        (
            vec![
                "simulate",
                "--model",
                nores.to_str().unwrap(),
                "--resolution",
                "3",
                "--spacing",
                "0",
                "--out",
                out.to_str().unwrap(),
            ],
            "spacing",
        ),
        (
            vec![
                "label",
                "--map",
                map.to_str().unwrap(),
                "--model",
                nores.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            "--resolution",
        ),
        (
            vec![
                "prepare",
                "--map",
                map.to_str().unwrap(),
                "--model",
                nores.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            "--resolution",
        ),
        (
            vec!["resample", "--map", nores.to_str().unwrap(), "--spacing", "1", "--out", out.to_str().unwrap()],
            "nores.pdb",
        ),
    ] {
        let (ok, _, err) = cli(&args);
        assert!(!ok && err.contains(needle) && !err.contains("panicked"), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 1, "only the input model is there");
}
