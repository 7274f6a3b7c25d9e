//! Label quality: where the model and the map disagree, per atom, per residue and per blob.
//!
//! One code path for the CLI (`cryolabel quality`), `report`, batch, the viewer's Label quality
//! panel and the filters of `split` and `cubes`:
//! - per-atom Q-score (`qscore`), averaged per residue (all, main chain, side chain);
//! - per-residue real-space CC of the model map against the map (`rscc`);
//! - unmodelled density: pieces above the contour far from every atom (`blobs`);
//! - unsupported atoms: map value at the atom's centre below the contour.

pub mod blobs;
pub mod cells;
pub mod qscore;
pub mod rscc;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use glam::Vec3;

pub use blobs::{Blob, BlobSearch};
pub use qscore::QParams;
pub use rscc::{Residue, is_main_chain};

use super::error::EngineError;
use super::grid::{Stats, Volume};
use super::model::Model;
use super::simulate::{SimParams, pdb2vol_mass, simulate_on};

/// Where the contour (the level that separates density from background) comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Contour {
    /// A level in the map's units.
    Level(f32),
    /// The level above which this fraction of the voxels lies (ChimeraX's initial contour and
    /// the viewer's default encloses 1%).
    VoxelFraction(f64),
    /// The level that encloses the model's own volume (1.21 Å³ per Dalton of its atoms), so
    /// the contour is set by the molecule, not by the box it was cut in. The default.
    ModelVolume,
}

impl std::fmt::Display for Contour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contour::Level(l) => write!(f, "level {l}"),
            Contour::VoxelFraction(x) => write!(f, "{}% of voxels", x * 100.0),
            Contour::ModelVolume => write!(f, "model volume"),
        }
    }
}

/// Protein partial specific volume as a density: Å³ per Dalton.
pub const A3_PER_DALTON: f64 = 1.21;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QualityParams {
    /// Resolution (Å) of the model map used for the per-residue CC; its mask radius is
    /// max(3 Å, resolution), as phenix.map_model_cc's.
    pub resolution: f32,
    pub contour: Contour,
    /// Unmodelled density lies farther than this from every atom, Å.
    pub blob_distance: f32,
    /// Pieces smaller than this (Å³) are counted as specks, not listed.
    pub min_blob_volume: f64,
    /// Q below this counts as poorly supported in the summary.
    pub low_q: f32,
    pub q: QParams,
}

impl QualityParams {
    pub fn new(resolution: f32) -> Self {
        QualityParams {
            resolution,
            contour: Contour::ModelVolume,
            blob_distance: 3.0,
            min_blob_volume: 10.0,
            low_q: 0.4,
            q: QParams::default(),
        }
    }
}

/// One atom's figures; `q` is NaN for hydrogens and atoms with too few probes in the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AtomQuality {
    pub q: f32,
    /// Trilinear map value at the atom's centre (NaN outside the map).
    pub map_value: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResidueQuality {
    pub residue: Residue,
    /// Mean Q of the residue's scored atoms, of its main-chain atoms, of the others.
    pub q: f32,
    pub q_main: f32,
    pub q_side: f32,
    pub cc: f32,
}

/// The summary that goes to the terminal, `report`, batch's metadata.csv and the panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub atoms: usize,
    pub atoms_scored: usize,
    pub hydrogens_skipped: usize,
    /// Heavy atoms whose Q could not be computed (outside the map, no probes left).
    pub atoms_unscored: usize,
    pub mean_q: f64,
    /// Share of scored atoms with Q below `low_q`.
    pub low_q_fraction: f64,
    pub low_q: f32,
    pub mean_cc: f64,
    /// Heavy atoms whose map value at the centre is below the contour (or outside the map).
    pub unsupported_atoms: usize,
    pub contour: f32,
    pub contour_rule: String,
    pub unmodelled_volume: f64,
    pub above_volume: f64,
    /// Listed blobs' volume / volume above the contour.
    pub unmodelled_fraction: f64,
    pub blobs: usize,
    pub specks: usize,
    pub specks_volume: f64,
    pub elapsed: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Quality {
    /// One per model atom, same order as `Model::atoms`.
    pub atoms: Vec<AtomQuality>,
    pub residues: Vec<ResidueQuality>,
    pub blobs: Vec<Blob>,
    pub summary: Summary,
}

impl Quality {
    /// The `n` residues with the lowest mean Q (residues without a Q last, never listed).
    pub fn worst_residues(&self, n: usize) -> Vec<&ResidueQuality> {
        let mut r: Vec<&ResidueQuality> = self.residues.iter().filter(|r| r.q.is_finite()).collect();
        r.sort_by(|a, b| a.q.total_cmp(&b.q));
        r.truncate(n);
        r
    }
}

fn is_hydrogen(element: &str) -> bool {
    matches!(element, "H" | "D")
}

/// The contour level a rule gives on this map and model.
pub fn contour_level(map: &Volume<f32>, model: &Model, c: Contour) -> f32 {
    let fraction = match c {
        Contour::Level(l) => return l,
        Contour::VoxelFraction(f) => f,
        Contour::ModelVolume => {
            let mass: f64 = model.atoms.iter().map(|a| pdb2vol_mass(&a.element) as f64).sum();
            let vox = map.grid.voxel.iter().map(|&v| v as f64).product::<f64>();
            mass * A3_PER_DALTON / vox / map.data.len().max(1) as f64
        }
    };
    level_enclosing(&map.data, fraction)
}

/// The level above which `fraction` of the finite values lie (exact order statistic).
pub fn level_enclosing(data: &[f32], fraction: f64) -> f32 {
    let mut v: Vec<f32> = data.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    let k = ((fraction.clamp(0.0, 1.0) * v.len() as f64) as usize).clamp(1, v.len());
    let (_, kth, _) = v.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    *kth
}

fn cancelled(c: Option<&AtomicBool>) -> Result<(), EngineError> {
    match c {
        Some(c) if c.load(Ordering::Relaxed) => Err(EngineError::Cancelled),
        _ => Ok(()),
    }
}

/// Every quality figure of `model` against `map`. `cancel` is polled between stages.
pub fn assess(
    map: &Volume<f32>,
    model: &Model,
    p: &QualityParams,
    cancel: Option<&AtomicBool>,
) -> Result<Quality, EngineError> {
    let t0 = Instant::now();
    let stats = Stats::of(&map.data);
    let contour = contour_level(map, model, p.contour);
    let heavy = heavy_atoms(model);
    let all_pos: Vec<Vec3> = model.atoms.iter().map(|a| a.pos).collect();
    let q = q_of(map, model, &heavy, &p.q, &stats);
    cancelled(cancel)?;
    let atoms: Vec<AtomQuality> = q
        .into_iter()
        .zip(&model.atoms)
        .map(|(q, m)| AtomQuality { q, map_value: qscore::sample(map, m.pos).unwrap_or(f32::NAN) })
        .collect();
    // Model map on the map's grid for the per-residue CC.
    let (_, model_map) = simulate_on(model, &SimParams::new(p.resolution as f64, map.grid.voxel[0] as f64), &map.grid)?;
    cancelled(cancel)?;
    let groups = rscc::group_residues(&model.atoms);
    let cc = rscc::residue_cc(map, &model_map, &all_pos, &groups, p.resolution.max(3.0));
    drop(model_map);
    let residues: Vec<ResidueQuality> =
        groups.into_iter().zip(cc).map(|(r, cc)| residue_quality(r, cc, model, &atoms)).collect();
    cancelled(cancel)?;
    let (cand, above) = blobs::candidates(map, contour, &all_pos, p.blob_distance);
    let all_cells = cells::Cells::new(&all_pos, 2.0);
    let found = blobs::components(map, cand, above, &all_cells, p.min_blob_volume);
    let summary = summarise(model, &atoms, &heavy, &residues, &found, contour, p, t0);
    Ok(Quality { atoms, residues, blobs: found.blobs, summary })
}

fn heavy_atoms(model: &Model) -> Vec<usize> {
    (0..model.atoms.len()).filter(|&i| !is_hydrogen(&model.atoms[i].element)).collect()
}

/// Q per model atom (NaN for hydrogens), the heavy atoms scored among themselves.
fn q_of(map: &Volume<f32>, model: &Model, heavy: &[usize], p: &QParams, stats: &Stats) -> Vec<f32> {
    let pos: Vec<Vec3> = heavy.iter().map(|&i| model.atoms[i].pos).collect();
    let cells = cells::Cells::new(&pos, 2.0);
    let q_heavy = qscore::q_scores(map, &cells, heavy.len(), p, stats);
    let mut q = vec![f32::NAN; model.atoms.len()];
    for (k, &i) in heavy.iter().enumerate() {
        q[i] = q_heavy[k];
    }
    q
}

/// Per-atom Q-score alone (no CC, no blobs): what `label --min-q` needs.
pub fn atom_q(map: &Volume<f32>, model: &Model, p: &QParams) -> Vec<f32> {
    q_of(map, model, &heavy_atoms(model), p, &Stats::of(&map.data))
}

fn mean(v: impl Iterator<Item = f32>) -> f32 {
    let (mut s, mut n) = (0f64, 0usize);
    for x in v.filter(|x| x.is_finite()) {
        s += x as f64;
        n += 1;
    }
    if n == 0 { f32::NAN } else { (s / n as f64) as f32 }
}

fn residue_quality(r: Residue, cc: f32, model: &Model, atoms: &[AtomQuality]) -> ResidueQuality {
    let q = mean(r.atoms.iter().map(|&i| atoms[i].q));
    let q_main = mean(r.atoms.iter().filter(|&&i| is_main_chain(&model.atoms[i])).map(|&i| atoms[i].q));
    let q_side = mean(r.atoms.iter().filter(|&&i| !is_main_chain(&model.atoms[i])).map(|&i| atoms[i].q));
    ResidueQuality { residue: r, q, q_main, q_side, cc }
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    model: &Model,
    atoms: &[AtomQuality],
    heavy: &[usize],
    residues: &[ResidueQuality],
    found: &BlobSearch,
    contour: f32,
    p: &QualityParams,
    t0: Instant,
) -> Summary {
    let scored: Vec<f32> = heavy.iter().map(|&i| atoms[i].q).filter(|q| q.is_finite()).collect();
    let n = scored.len().max(1) as f64;
    // fold from +0.0: an empty f64 sum is -0.0, which prints as "-0.0%"
    let unmodelled: f64 = found.blobs.iter().map(|b| b.volume_a3).fold(0.0, |a, b| a + b);
    Summary {
        atoms: model.atoms.len(),
        atoms_scored: scored.len(),
        hydrogens_skipped: model.atoms.len() - heavy.len(),
        atoms_unscored: heavy.len() - scored.len(),
        mean_q: scored.iter().map(|&q| q as f64).sum::<f64>() / n,
        low_q_fraction: scored.iter().filter(|&&q| q < p.low_q).count() as f64 / n,
        low_q: p.low_q,
        mean_cc: mean(residues.iter().map(|r| r.cc)) as f64,
        unsupported_atoms: heavy.iter().filter(|&&i| !(atoms[i].map_value >= contour)).count(),
        contour,
        contour_rule: p.contour.to_string(),
        unmodelled_volume: unmodelled,
        above_volume: found.above_volume,
        unmodelled_fraction: if found.above_volume > 0.0 { unmodelled / found.above_volume } else { 0.0 },
        blobs: found.blobs.len(),
        specks: found.specks,
        specks_volume: found.specks_volume,
        elapsed: t0.elapsed(),
    }
}

#[cfg(test)]
mod tests;
