//! `cryolabel quality`: where the model and the map disagree, per atom, per residue and per
//! unmodelled blob (engine::quality), as three CSV tables and an optional JSON summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::fsc::model_resolution;
use crate::engine::quality::{Contour, Quality, QualityParams, Summary, assess};
use crate::engine::{self, Model, mapio::write_atomic};

#[derive(Args, Debug, Clone)]
pub struct QualityArgs {
    /// Map (.mrc/.map, optionally .gz); probes are read on its own grid.
    #[arg(long)]
    pub map: PathBuf,
    /// Fitted model (PDB, mmCIF, assembly file).
    #[arg(long)]
    pub model: PathBuf,
    /// Resolution (Å) of the model map for the per-residue CC; default: the model file's, else 3 Å.
    #[arg(long)]
    pub resolution: Option<f32>,
    /// Contour level: a value in map units, `P%` (the level above which P% of voxels lie;
    /// the viewer starts at 1%), or `model` (the level enclosing the model's volume, the default).
    #[arg(long, default_value = "model", value_parser = parse_contour)]
    pub contour: Contour,
    /// Unmodelled density lies farther than this many Å from every atom.
    #[arg(long, default_value_t = 3.0)]
    pub distance: f32,
    /// Per-atom table: model,chain,resseq,icode,resname,name,element,q,map_value.
    #[arg(long)]
    pub atoms: Option<PathBuf>,
    /// Per-residue table: model,chain,resseq,icode,resname,q,q_mainchain,q_sidechain,cc.
    #[arg(long)]
    pub residues: Option<PathBuf>,
    /// Unmodelled blobs: id,volume_A3,peak,x,y,z,nearest_atom_A.
    #[arg(long)]
    pub blobs: Option<PathBuf>,
    /// The summary as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// `0.12`, `1%` or `model`.
pub fn parse_contour(s: &str) -> Result<Contour, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("model") {
        return Ok(Contour::ModelVolume);
    }
    if let Some(p) = t.strip_suffix('%') {
        return match p.trim().parse::<f64>() {
            Ok(p) if p > 0.0 && p <= 100.0 => Ok(Contour::VoxelFraction(p / 100.0)),
            _ => Err(format!("{s}: a percentage must be in (0, 100]")),
        };
    }
    match t.parse::<f32>() {
        Ok(l) if l.is_finite() => Ok(Contour::Level(l)),
        _ => Err(format!("{s}: give a level in map units, a percentage of voxels (1%) or `model`")),
    }
}

/// The summary's fields under stable names (JSON, report, metadata.csv).
#[derive(Debug, Serialize, Clone, PartialEq)]
#[allow(non_snake_case)]
pub struct SummaryOut {
    pub atoms: usize,
    pub atoms_scored: usize,
    pub hydrogens_skipped: usize,
    pub atoms_unscored: usize,
    pub mean_q: f64,
    pub low_q_threshold: f32,
    pub low_q_fraction: f64,
    pub mean_residue_cc: f64,
    pub unsupported_atoms: usize,
    pub contour: f32,
    pub contour_rule: String,
    pub unmodelled_fraction: f64,
    pub unmodelled_volume_A3: f64,
    pub above_contour_volume_A3: f64,
    pub blobs: usize,
    pub specks: usize,
    pub seconds: f64,
}

impl From<&Summary> for SummaryOut {
    fn from(s: &Summary) -> Self {
        SummaryOut {
            atoms: s.atoms,
            atoms_scored: s.atoms_scored,
            hydrogens_skipped: s.hydrogens_skipped,
            atoms_unscored: s.atoms_unscored,
            mean_q: s.mean_q,
            low_q_threshold: s.low_q,
            low_q_fraction: s.low_q_fraction,
            mean_residue_cc: s.mean_cc,
            unsupported_atoms: s.unsupported_atoms,
            contour: s.contour,
            contour_rule: s.contour_rule.clone(),
            unmodelled_fraction: s.unmodelled_fraction,
            unmodelled_volume_A3: s.unmodelled_volume,
            above_contour_volume_A3: s.above_volume,
            blobs: s.blobs,
            specks: s.specks,
            seconds: s.elapsed.as_secs_f64(),
        }
    }
}

/// A float for a table: 4 decimals, empty when not computed.
fn num(x: f32) -> String {
    if x.is_finite() { format!("{x:.4}") } else { String::new() }
}

/// Write a CSV atomically through the `csv` crate.
fn write_csv(path: &Path, header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<()> {
    write_atomic(path, super::durability(), |f| {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
        w.write_record(header)?;
        for r in rows {
            w.write_record(&r)?;
        }
        w.flush()
    })
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The three tables of a finished assessment.
pub fn write_tables(q: &Quality, model: &Model, args: &QualityArgs) -> Result<()> {
    if let Some(p) = &args.atoms {
        let rows = model.atoms.iter().zip(&q.atoms).map(|(a, aq)| {
            let icode = a.ins_code.map(String::from).unwrap_or_default();
            let id = [(a.model + 1).to_string(), a.chain.to_string(), a.res_seq.to_string(), icode];
            let rest =
                [a.res_name.to_string(), a.name.to_string(), a.element.to_string(), num(aq.q), num(aq.map_value)];
            id.into_iter().chain(rest).collect()
        });
        write_csv(p, &["model", "chain", "resseq", "icode", "resname", "name", "element", "q", "map_value"], rows)?;
    }
    if let Some(p) = &args.residues {
        let rows = q.residues.iter().map(|r| {
            let res = &r.residue;
            vec![
                (res.model + 1).to_string(),
                res.chain.clone(),
                res.res_seq.to_string(),
                res.ins_code.map(String::from).unwrap_or_default(),
                res.res_name.clone(),
                num(r.q),
                num(r.q_main),
                num(r.q_side),
                num(r.cc),
            ]
        });
        let header = ["model", "chain", "resseq", "icode", "resname", "q", "q_mainchain", "q_sidechain", "cc"];
        write_csv(p, &header, rows)?;
    }
    if let Some(p) = &args.blobs {
        let rows = q.blobs.iter().map(|b| {
            let c = b.centroid.map(|v| format!("{v:.3}"));
            let [x, y, z] = c;
            vec![b.id.to_string(), format!("{:.2}", b.volume_a3), num(b.peak), x, y, z, num(b.nearest_atom)]
        });
        write_csv(p, &["id", "volume_A3", "peak", "x", "y", "z", "nearest_atom_A"], rows)?;
    }
    Ok(())
}

/// The terminal summary: mean Q, share below the threshold, unmodelled fraction, worst residues.
pub fn print_summary(q: &Quality, out: &mut impl Write) -> std::io::Result<()> {
    let s = &q.summary;
    writeln!(
        out,
        "atoms         {} ({} scored, {} hydrogens skipped, {} unscored)",
        s.atoms, s.atoms_scored, s.hydrogens_skipped, s.atoms_unscored
    )?;
    writeln!(out, "mean Q        {:.3}", s.mean_q)?;
    writeln!(out, "Q < {:.1}       {:.1}% of scored atoms", s.low_q, 100.0 * s.low_q_fraction)?;
    writeln!(out, "mean CC       {:.3} (per residue, model map vs map)", s.mean_cc)?;
    writeln!(out, "contour       {:.4} ({})", s.contour, s.contour_rule)?;
    writeln!(out, "unsupported   {} atoms below the contour at their centre", s.unsupported_atoms)?;
    writeln!(
        out,
        "unmodelled    {:.1}% of the volume above the contour ({:.0} of {:.0} Å³, {} blobs; {} specks < min volume, {:.0} Å³, not listed)",
        100.0 * s.unmodelled_fraction,
        s.unmodelled_volume,
        s.above_volume,
        s.blobs,
        s.specks,
        s.specks_volume
    )?;
    writeln!(out, "worst residues (mean Q, main chain, side chain, CC):")?;
    for r in q.worst_residues(10) {
        writeln!(
            out,
            "  {:<16} {:>7} {:>7} {:>7} {:>7}",
            r.residue.label(),
            num(r.q),
            num(r.q_main),
            num(r.q_side),
            num(r.cc)
        )?;
    }
    Ok(())
}

/// Read, assess: what `quality`, `report` and batch share.
pub fn assess_files(
    map_path: &Path,
    model_path: &Path,
    resolution: Option<f32>,
    contour: Contour,
    distance: f32,
) -> Result<(Quality, Model)> {
    let map = engine::read_map(map_path)?.volume;
    let model = engine::read_model(model_path)?;
    let mut p = QualityParams::new(model_resolution(resolution, &model)?);
    p.contour = contour;
    anyhow::ensure!(
        distance.is_finite() && distance >= 0.0,
        "--distance {distance} must be a non-negative number of Å"
    );
    p.blob_distance = distance;
    let q = assess(&map, &model, &p, None)
        .with_context(|| format!("assessing {} against {}", model_path.display(), map_path.display()))?;
    Ok((q, model))
}

pub fn run(args: &QualityArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let (q, model) = assess_files(&args.map, &args.model, args.resolution, args.contour, args.distance)?;
    write_tables(&q, &model, args)?;
    if let Some(p) = &args.json {
        let json = serde_json::to_string_pretty(&SummaryOut::from(&q.summary))?;
        write_atomic(p, super::durability(), |f| f.write_all(json.as_bytes()))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "quality of {} against {}", args.model.display(), args.map.display())?;
    print_summary(&q, &mut out)?;
    for p in [&args.atoms, &args.residues, &args.blobs, &args.json].into_iter().flatten() {
        writeln!(out, "wrote {}", p.display())?;
    }
    eprintln!("done in {:.2} s", t0.elapsed().as_secs_f64());
    Ok(())
}
