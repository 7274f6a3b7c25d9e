//! `cryolabel report DIR`: label quality of a data-set folder, like the paper's Figure 1.
//!
//! DIR holds, per id: a map `<id>.mrc` (or any map name formats::FORMATS knows, compressed
//! or not, told by content), a model `<id>.pdb1` / `.cif` / `.pdb` / `.ent` (first in the
//! registry's order), `<id>_regression_situs.mrc` and `<id>_classification_situs.mrc`. For each id: FSC of the experimental map and of the regression label
//! against the model map on the experimental grid, their 0.5 and 0.143 resolutions, and voxel
//! counts per classification class, and the label-quality summary (mean Q-score, unmodelled
//! fraction, unsupported atoms; engine::quality). Writes `report.csv` and `report.json` into DIR atomically.
//!
//! The model map resolution is --resolution, else the model file's stated resolution, else
//! 3 Å (FSC barely depends on it: see engine::modelmap).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde::Serialize;

use super::fsc::{fmt_res, model_resolution};
use crate::engine::formats::{self, Kind};
use crate::engine::{self, FscCurve, Volume, fsc};

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Data-set folder with `<id>.mrc`, `<id>.pdb1|.cif|.pdb` and the label maps.
    pub dir: PathBuf,
    /// Resolution (Å) of the model map; default: the model file's, else 3 Å.
    #[arg(long)]
    pub resolution: Option<f32>,
    /// Also compute the FSCs with a soft mask around the atoms.
    #[arg(long)]
    pub mask: bool,
    /// Also draw `<id>_fsc.png` (experimental blue, regression orange).
    #[arg(long)]
    pub plot: bool,
}

/// FSC resolutions of one map against the model (`_A` = Å in the JSON keys).
#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
pub struct MapScore {
    pub file: String,
    pub fsc05_A: Option<f64>,
    pub fsc0143_A: Option<f64>,
    pub masked_fsc05_A: Option<f64>,
    /// Resolution of the last shell: a null crossing means "better than this".
    pub nyquist_A: Option<f64>,
    /// Lowest FSC beyond the DC shell.
    pub min_fsc: f64,
    pub curve: FscCurve,
}

#[derive(Debug, Serialize)]
#[allow(non_snake_case)]
pub struct Entry {
    pub id: String,
    pub model: String,
    pub atoms: usize,
    pub model_map_resolution_A: f32,
    pub shape: [usize; 3],
    pub voxel_A: [f32; 3],
    pub experimental: MapScore,
    pub regression: Option<MapScore>,
    /// (class value, voxels) from the classification map.
    pub class_counts: Vec<(i64, u64)>,
    /// Q-score, unmodelled density and unsupported atoms of the map against the model
    /// (`cryolabel quality`'s summary, default contour).
    pub quality: super::quality::SummaryOut,
}

/// The folder's file named `<stem>` plus any format extension and compression suffix whose
/// content is of `kind`, the registry's preferred extension first (formats::FORMATS).
fn find(dir: &Path, stem: &str, kind: Kind) -> Option<PathBuf> {
    let named = |p: &PathBuf| p.file_name().is_some_and(|n| formats::split_name(&n.to_string_lossy()).0 == stem);
    let mut hits: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && named(p) && formats::identify(p).ok() == Some(kind))
        .collect();
    hits.sort_by_key(|p| (formats::preference(p), p.clone()));
    hits.into_iter().next()
}

/// Ids of the folder: names `<id>_regression_situs.*`, else maps `<id>.*` (any map format,
/// told by content) that have a model `<id>.*`.
pub fn ids(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut maps = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = e?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
        let (stem, _) = formats::split_name(&name);
        if let Some(id) = stem.strip_suffix("_regression_situs") {
            out.push(id.to_string());
        } else if !stem.contains("_situs") && path.is_file() && formats::identify(&path).ok() == Some(Kind::Map) {
            maps.push(stem.to_string());
        }
    }
    if out.is_empty() {
        out = maps.into_iter().filter(|id| find(dir, id, Kind::Model).is_some()).collect();
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn score(file: &Path, vol: &Volume<f32>, atoms: &[engine::Atom], res: f32, mask: bool) -> MapScore {
    let curve = fsc::map_model_fsc(vol, atoms, res, false);
    let masked = mask.then(|| fsc::map_model_fsc(vol, atoms, res, true).d05()).flatten();
    MapScore {
        file: file.display().to_string(),
        fsc05_A: curve.d05(),
        fsc0143_A: curve.d0143(),
        masked_fsc05_A: masked,
        nyquist_A: curve.nyquist(),
        min_fsc: curve.shells.iter().skip(1).map(|s| s.fsc).fold(f64::INFINITY, f64::min),
        curve,
    }
}

/// Voxel counts of each integer class value, ascending.
fn class_counts(v: &Volume<f32>) -> Vec<(i64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for &x in &v.data {
        if x.is_finite() {
            *m.entry(x.round() as i64).or_insert(0u64) += 1;
        }
    }
    m.into_iter().collect()
}

/// Score one id of the folder.
pub fn entry(dir: &Path, id: &str, resolution: Option<f32>, mask: bool) -> Result<Entry> {
    let map_path =
        find(dir, id, Kind::Map).with_context(|| format!("{}: no map {id}.mrc (or .map, ...)", dir.display()))?;
    let model_path = find(dir, id, Kind::Model)
        .with_context(|| format!("{}: no model {id}.pdb1 (or .cif, .pdb, ...)", dir.display()))?;
    let map = engine::read_map(&map_path)?.volume;
    let model = engine::read_model(&model_path)?;
    let res = model_resolution(resolution, &model)?;
    let experimental = score(&map_path, &map, &model.atoms, res, mask);
    let regression = match find(dir, &format!("{id}_regression_situs"), Kind::Map) {
        Some(p) => {
            let v = engine::read_map(&p)?.volume;
            if v.grid.shape != map.grid.shape {
                bail!("{}: shape {:?} differs from the map's {:?}", p.display(), v.grid.shape, map.grid.shape);
            }
            Some(score(&p, &v, &model.atoms, res, mask))
        }
        None => None,
    };
    let mut qp = engine::quality::QualityParams::new(res);
    qp.contour = engine::quality::Contour::ModelVolume;
    let quality = super::quality::SummaryOut::from(&engine::quality::assess(&map, &model, &qp, None)?.summary);
    let class_counts = match find(dir, &format!("{id}_classification_situs"), Kind::Map) {
        Some(p) => class_counts(&engine::read_map(&p)?.volume),
        None => Vec::new(),
    };
    Ok(Entry {
        id: id.to_string(),
        model: model_path.display().to_string(),
        atoms: model.atoms.len(),
        model_map_resolution_A: res,
        shape: map.grid.shape,
        voxel_A: map.grid.voxel,
        experimental,
        regression,
        class_counts,
        quality,
    })
}

/// A resolution for the CSV: "3.456", "<2.100" when better than Nyquist, empty if not computed.
fn opt(v: Option<f64>, s: Option<&MapScore>) -> String {
    match (v, s.and_then(|s| s.nyquist_A)) {
        (Some(d), _) => format!("{d:.3}"),
        (None, Some(n)) => format!("<{n:.3}"),
        (None, None) => String::new(),
    }
}

/// One CSV row per id (resolutions in Å; "<N" = better than Nyquist N; empty = not computed).
pub fn to_csv(entries: &[Entry], x_mask: bool) -> String {
    const COLUMNS: &[&str] = &[
        "id",
        "atoms",
        "model_map_resolution_A",
        "exp_fsc05_A",
        "exp_fsc0143_A",
        "exp_masked_fsc05_A",
        "reg_fsc05_A",
        "reg_fsc0143_A",
        "reg_masked_fsc05_A",
        "class0_voxels",
        "class1_voxels",
        "class2_voxels",
        "mean_q",
        "unmodelled_fraction",
        "unsupported_atoms",
    ];
    let rows = entries.iter().map(|e| {
        let (x, r) = (&e.experimental, e.regression.as_ref());
        let count =
            |c: i64| e.class_counts.iter().find(|(k, _)| *k == c).map(|(_, n)| n.to_string()).unwrap_or_default();
        vec![
            e.id.clone(),
            e.atoms.to_string(),
            e.model_map_resolution_A.to_string(),
            opt(x.fsc05_A, Some(x)),
            opt(x.fsc0143_A, Some(x)),
            if x_mask { opt(x.masked_fsc05_A, Some(x)) } else { String::new() },
            r.map(|r| opt(r.fsc05_A, Some(r))).unwrap_or_default(),
            r.map(|r| opt(r.fsc0143_A, Some(r))).unwrap_or_default(),
            r.filter(|_| x_mask).map(|r| opt(r.masked_fsc05_A, Some(r))).unwrap_or_default(),
            count(0),
            count(1),
            count(2),
            format!("{:.4}", e.quality.mean_q),
            format!("{:.4}", e.quality.unmodelled_fraction),
            e.quality.unsupported_atoms.to_string(),
        ]
    });
    crate::engine::table::to_csv(COLUMNS, rows)
}

pub fn run(args: &ReportArgs) -> Result<()> {
    let ids = ids(&args.dir)?;
    if ids.is_empty() {
        bail!("{}: no `<id>_regression_situs.mrc` or `<id>.mrc` with a model found", args.dir.display());
    }
    let mut entries = Vec::new();
    for id in &ids {
        let e = entry(&args.dir, id, args.resolution, args.mask)?;
        println!("{id}: {} atoms, model map at {} Å", e.atoms, e.model_map_resolution_A);
        let line = |name: &str, s: &MapScore| {
            let m = if args.mask {
                format!(", masked FSC-0.5 {}", fmt_res(s.masked_fsc05_A, &s.curve))
            } else {
                String::new()
            };
            println!(
                "  {name:<12} FSC-0.5 {:>9}  FSC-0.143 {:>9}  min FSC {:.3}{m}",
                fmt_res(s.fsc05_A, &s.curve),
                fmt_res(s.fsc0143_A, &s.curve),
                s.min_fsc
            );
        };
        line("experimental", &e.experimental);
        if let Some(r) = &e.regression {
            line("regression", r);
        }
        let q = &e.quality;
        println!(
            "  quality      mean Q {:.3}, {:.1}% atoms Q < {}, unmodelled {:.1}%, {} unsupported atoms",
            q.mean_q,
            100.0 * q.low_q_fraction,
            q.low_q_threshold,
            100.0 * q.unmodelled_fraction,
            q.unsupported_atoms
        );
        if !e.class_counts.is_empty() {
            let c: Vec<String> = e.class_counts.iter().map(|(k, n)| format!("class {k}: {n}")).collect();
            println!("  voxels       {}", c.join(", "));
        }
        if args.plot {
            let mut curves = vec![(&e.experimental.curve, super::plot::COLOURS[0])];
            if let Some(r) = &e.regression {
                curves.push((&r.curve, super::plot::COLOURS[1]));
            }
            let p = args.dir.join(format!("{id}_fsc.png"));
            super::plot::write_png(&p, &curves)?;
        }
        entries.push(e);
    }
    let csv = to_csv(&entries, args.mask);
    let json = serde_json::to_string_pretty(&entries)?;
    for (name, bytes) in [("report.csv", csv.as_bytes()), ("report.json", json.as_bytes())] {
        let p = args.dir.join(name);
        engine::mapio::write_atomic(&p, super::durability(), |f| std::io::Write::write_all(f, bytes))?;
        println!("wrote {}", p.display());
    }
    Ok(())
}
