//! The three label maps (regression, classification, atom type) on the experimental grid.
//!
//! One code path for GUI, CLI and batch, parameterised by `LabelParams` (a preset and its
//! parts). `Preset::DenoiseCryoData` reproduces the published data set bit for bit (with
//! correct geometry: NSTART honoured, atoms outside the grid skipped, never wrapped);
//! `Preset::Precise` does what the paper meant.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use glam::Vec3;
use rayon::prelude::*;

use super::error::EngineError;
use super::grid::{Grid, IndexRule, Stats, Volume};
use super::mapwrite::VoxelSource;
use super::model::{AltlocRule, Atom, ReadOptions};

#[path = "label_kernel.rs"]
mod kernel;

/// Named parameter sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// The published pipeline's rules (denoisecryodata `generate_labels_all_conv.py`).
    DenoiseCryoData,
    /// Nearest voxel, a true sphere of R Å, protein atom types, nearest atom wins.
    Precise,
}

/// What counts as a neighbour of an atom voxel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Neighbourhood {
    /// Chebyshev distance <= radius voxels (the published script's cube).
    Cube,
    /// Voxel centres within radius Å of a labelled atom (the paper's wording).
    Sphere,
}

/// Which atoms get a type label (CA 1, CB 2, C 3, O 4, N 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomTypeRule {
    /// By atom name alone, file order, last write wins (a calcium ion named CA is 1).
    Names,
    /// Only atoms of standard amino-acid residues; the atom nearest the voxel centre wins.
    Residues,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabelParams {
    pub index: IndexRule,
    pub neighbourhood: Neighbourhood,
    pub atom_types: AtomTypeRule,
    /// Voxels for the cube, Å for the sphere.
    pub radius: f32,
    /// Which altloc and which residue of a microheterogeneous position the model reader
    /// keeps: labels are made from the atoms the preset's reader saw.
    pub altlocs: AltlocRule,
}

impl LabelParams {
    pub fn preset(p: Preset) -> Self {
        match p {
            Preset::DenoiseCryoData => LabelParams {
                index: IndexRule::Reference,
                neighbourhood: Neighbourhood::Cube,
                atom_types: AtomTypeRule::Names,
                radius: 6.0,
                altlocs: AltlocRule::Biopython,
            },
            Preset::Precise => LabelParams {
                index: IndexRule::Nearest,
                neighbourhood: Neighbourhood::Sphere,
                atom_types: AtomTypeRule::Residues,
                radius: 6.0,
                altlocs: AltlocRule::HighestOccupancy,
            },
        }
    }

    /// The preset these parameters equal, if any.
    pub fn matching_preset(&self) -> Option<Preset> {
        [Preset::DenoiseCryoData, Preset::Precise].into_iter().find(|p| {
            let q = LabelParams::preset(*p);
            q.index == self.index
                && q.neighbourhood == self.neighbourhood
                && q.atom_types == self.atom_types
                && q.altlocs == self.altlocs
        })
    }

    /// How to read the model these labels are made from.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions { altlocs: self.altlocs }
    }
}

impl Default for LabelParams {
    fn default() -> Self {
        LabelParams::preset(Preset::DenoiseCryoData)
    }
}

/// Atom-type code of an atom name (0 = none).
pub fn atom_type_code(name: &str) -> u8 {
    match name {
        "CA" => 1,
        "CB" => 2,
        "C" => 3,
        "O" => 4,
        "N" => 5,
        _ => 0,
    }
}

/// Counts a user needs to trust the labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelStats {
    pub atoms: usize,
    pub atoms_outside: usize,
    /// Atoms inside the grid whose simulated density is zero (no atom voxel made).
    pub atoms_without_density: usize,
    /// Voxels holding more than one atom.
    pub collisions: usize,
    /// Voxels per class 0, 1, 2.
    pub class_counts: [usize; 3],
    /// Voxels per atom type 0..=5.
    pub type_counts: [usize; 6],
    /// The regression map's largest value (0 when nothing is labelled), found in the pass that
    /// fills it: the viewer's colour scale needs it without sweeping the whole map.
    pub regression_max: f32,
    pub elapsed: Duration,
    pub warnings: Vec<String>,
}

/// The three label maps, all on the experimental grid.
#[derive(Clone, Debug)]
pub struct Labels {
    pub regression: Volume<f32>,
    pub classification: Volume<i16>,
    pub atom_types: Volume<f32>,
    pub params: LabelParams,
    pub stats: LabelStats,
    /// Inclusive voxel box outside which all three maps are zero (None: all zero): a relabel
    /// into these buffers ([`label_into`]) clears only this box.
    pub touched: Option<([usize; 3], [usize; 3])>,
}

/// Make the labels. `simulated` must already be on the experimental grid (see
/// `resample::resample_onto`); its grid is the output grid. `cancel` aborts between passes.
pub fn label(
    simulated: &Volume<f32>,
    atoms: &[Atom],
    params: &LabelParams,
    cancel: Option<&AtomicBool>,
) -> Result<Labels, EngineError> {
    label_on(simulated.grid, &simulated.data, atoms, params, cancel)
}

/// [`label`] into the buffers of earlier labels on the same grid (the viewer's relabel after a
/// slider move): only their touched box is cleared, instead of the kernel zeroing fresh pages
/// for all three maps (168 MB at 256³, a quarter of a relabel). Fresh buffers when `reuse` is
/// None or on another grid.
pub fn label_into(
    simulated: &Volume<f32>,
    atoms: &[Atom],
    params: &LabelParams,
    cancel: Option<&AtomicBool>,
    reuse: Option<Labels>,
) -> Result<Labels, EngineError> {
    let grid = simulated.grid;
    let bufs = match reuse {
        Some(old) if old.classification.grid.shape == grid.shape && old.regression.data.len() == grid.len() => {
            let mut b =
                Buffers { regression: old.regression.data, class: old.classification.data, types: old.atom_types.data };
            if let Some(t) = old.touched {
                b.clear(&grid, t);
            }
            b
        }
        _ => Buffers::zeroed(grid.len()),
    };
    label_with(grid, &simulated.data, atoms, params, cancel, bufs)
}

/// The three output maps' voxels, all zero when handed to the kernel.
struct Buffers {
    regression: Vec<f32>,
    class: Vec<i16>,
    types: Vec<f32>,
}

impl Buffers {
    fn zeroed(n: usize) -> Self {
        use super::grid::zeroed;
        Buffers { regression: zeroed(n), class: zeroed(n), types: zeroed(n) }
    }

    /// Zero the inclusive box `(lo, hi)` of all three, z-planes on the thread pool.
    fn clear(&mut self, grid: &Grid, (lo, hi): ([usize; 3], [usize; 3])) {
        let [nx, ny, _] = grid.shape;
        let plane = nx * ny;
        self.class
            .par_chunks_mut(plane)
            .zip(self.regression.par_chunks_mut(plane))
            .zip(self.types.par_chunks_mut(plane))
            .enumerate()
            .filter(|(z, _)| (lo[2]..=hi[2]).contains(z))
            .for_each(|(_, ((c, r), t))| {
                for y in lo[1]..=hi[1] {
                    let row = y * nx + lo[0]..=y * nx + hi[0];
                    c[row.clone()].fill(0);
                    r[row.clone()].fill(0.0);
                    t[row].fill(0.0);
                }
            });
    }
}

/// [`label`] of simulated voxels held elsewhere (x fastest, `grid.len()` of them): `cryolabel
/// label` passes a memory-mapped file's (`mapio::map_f32`) without reading it into memory.
pub fn label_on(
    grid: Grid,
    sim: &[f32],
    atoms: &[Atom],
    params: &LabelParams,
    cancel: Option<&AtomicBool>,
) -> Result<Labels, EngineError> {
    label_with(grid, sim, atoms, params, cancel, Buffers::zeroed(grid.len()))
}

fn label_with(
    grid: Grid,
    sim: &[f32],
    atoms: &[Atom],
    params: &LabelParams,
    cancel: Option<&AtomicBool>,
    bufs: Buffers,
) -> Result<Labels, EngineError> {
    let Buffers { mut regression, class, mut types } = bufs;
    let core = kernel::classify(grid, sim, atoms, params, cancel, class, Some(&mut regression))?;
    for &(o, code) in &core.atom_types {
        types[o] = code as f32;
    }
    Ok(Labels {
        regression: Volume { grid, data: regression },
        classification: core.classification,
        atom_types: Volume { grid, data: types },
        params: core.params,
        stats: core.stats,
        touched: core.touched,
    })
}

/// What labeling decides, before the regression and atom-type maps are laid out: the class map
/// in full, the atom-type voxels as a list. `cryolabel label` writes the three files from here
/// ([`LabelCore::regression`], [`LabelCore::types`]) without holding the two float maps: two
/// grid-sized buffers less (1.2 GB at 526^3), and fresh memory is what a labeling process
/// mostly pays for.
#[derive(Clone, Debug)]
pub struct LabelCore {
    pub classification: Volume<i16>,
    /// Atom-type voxels (offset, type 1-5), ascending by offset, one per voxel; all others 0.
    pub atom_types: Vec<(usize, u8)>,
    pub params: LabelParams,
    pub stats: LabelStats,
    /// As [`Labels::touched`].
    pub touched: Option<([usize; 3], [usize; 3])>,
}

/// [`label_on`] up to the [`LabelCore`]: the same labels, not laid out.
pub fn label_core(
    grid: Grid,
    sim: &[f32],
    atoms: &[Atom],
    params: &LabelParams,
    cancel: Option<&AtomicBool>,
) -> Result<LabelCore, EngineError> {
    kernel::classify(grid, sim, atoms, params, cancel, super::grid::zeroed(grid.len()), None)
}

impl LabelCore {
    /// The regression map, voxel by voxel as [`Labels::regression`] holds it: `sim` (the
    /// simulated map labelled) where the class is not background, else 0.
    pub fn regression<'a>(&'a self, sim: &'a [f32]) -> impl VoxelSource<f32> + 'a {
        struct Regression<'a>(&'a [i16], &'a [f32]);
        impl VoxelSource<f32> for Regression<'_> {
            fn voxels(&self) -> usize {
                self.0.len()
            }
            fn chunk<'b>(&'b self, r: std::ops::Range<usize>, scratch: &'b mut Vec<f32>) -> &'b [f32] {
                let (class, sim) = (&self.0[r.clone()], &self.1[r]);
                scratch.clear();
                scratch.resize(class.len(), 0.0);
                // an indexed loop over equal lengths: vectorized, where extend from a zip is not
                for ((o, &c), &s) in scratch.iter_mut().zip(class).zip(sim) {
                    *o = kernel::masked(s, c);
                }
                scratch
            }
        }
        Regression(&self.classification.data, sim)
    }

    /// The classification map, with its statistics from the class counts.
    pub fn classes(&self) -> impl VoxelSource<i16> + '_ {
        struct Classes<'a>(&'a [i16], [usize; 3]);
        impl VoxelSource<i16> for Classes<'_> {
            fn voxels(&self) -> usize {
                self.0.len()
            }
            fn chunk<'b>(&'b self, r: std::ops::Range<usize>, _: &'b mut Vec<i16>) -> &'b [i16] {
                &self.0[r]
            }
            fn known_stats(&self) -> Option<Stats> {
                Some(Stats::of_counts(&[(0.0, self.1[0]), (1.0, self.1[1]), (2.0, self.1[2])]))
            }
        }
        Classes(&self.classification.data, self.stats.class_counts)
    }

    /// The atom-type map, voxel by voxel as [`Labels::atom_types`] holds it; its statistics
    /// from the type counts.
    pub fn types(&self) -> impl VoxelSource<f32> + '_ {
        struct Types<'a>(&'a [(usize, u8)], usize, [usize; 6]);
        impl VoxelSource<f32> for Types<'_> {
            fn voxels(&self) -> usize {
                self.1
            }
            fn known_stats(&self) -> Option<Stats> {
                let counts: Vec<(f64, usize)> = self.2.iter().enumerate().map(|(v, &c)| (v as f64, c)).collect();
                Some(Stats::of_counts(&counts))
            }
            fn chunk<'b>(&'b self, r: std::ops::Range<usize>, scratch: &'b mut Vec<f32>) -> &'b [f32] {
                scratch.clear();
                scratch.resize(r.len(), 0.0);
                let from = self.0.partition_point(|e| e.0 < r.start);
                for &(o, code) in self.0[from..].iter().take_while(|e| e.0 < r.end) {
                    scratch[o - r.start] = code as f32;
                }
                scratch
            }
        }
        Types(&self.atom_types, self.classification.data.len(), self.stats.type_counts)
    }
}

/// "No atom inside": say how far the model sits from the map.
pub fn miss_message(grid: &Grid, atoms: &[Atom]) -> String {
    let centre = atoms.iter().fold(Vec3::ZERO, |s, a| s + a.pos) / atoms.len().max(1) as f32;
    let (lo, hi) = grid.bounds();
    let mc = ((lo + hi) * 0.5).as_vec3();
    let d = centre - mc;
    format!(
        "no atom of the model falls inside the map: the model's centre ({:.1}, {:.1}, {:.1}) Å is offset by \
         ({:.1}, {:.1}, {:.1}) Å from the map's centre ({:.1}, {:.1}, {:.1}) Å; check the map's origin/NSTART or the model's frame",
        centre.x, centre.y, centre.z, d.x, d.y, d.z, mc.x, mc.y, mc.z
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(name: &str, res: &str, p: [f32; 3]) -> Atom {
        Atom::new(name, &name[..1], res, Vec3::from(p))
    }

    #[test]
    fn calcium_ion_is_typed_by_name_but_not_by_residue() {
        let g = Grid::new([12; 3], [1.0; 3], [0.0; 3]);
        let sim = Volume { grid: g, data: vec![1.0; g.len()] };
        let atoms = [atom("CA", "CA", [5.2, 5.2, 5.2]), atom("CA", "ALA", [8.0, 8.0, 8.0])];
        let by_name = label(&sim, &atoms, &LabelParams::preset(Preset::DenoiseCryoData), None).unwrap();
        assert_eq!(by_name.stats.type_counts[1], 2);
        let precise = label(&sim, &atoms, &LabelParams::preset(Preset::Precise), None).unwrap();
        assert_eq!(precise.stats.type_counts[1], 1);
    }

    #[test]
    fn atoms_outside_are_skipped_not_wrapped() {
        let g = Grid::new([10; 3], [1.0; 3], [0.0; 3]);
        let sim = Volume { grid: g, data: vec![2.0; g.len()] };
        let atoms = [atom("N", "GLY", [-1.5, 3.0, 3.0]), atom("N", "GLY", [3.0, 3.0, 3.0])];
        let mut p = LabelParams::default();
        p.radius = 0.0;
        let l = label(&sim, &atoms, &p, None).unwrap();
        assert_eq!(l.stats.atoms_outside, 1);
        assert_eq!(l.stats.class_counts[1], 1);
        assert_eq!(l.classification.data[g.offset([9, 3, 3])], 0, "no wrap to the far end");
    }

    #[test]
    fn sphere_region_limit_misses_nothing_on_fine_voxels() {
        // 0.3 Å voxels: under the reference rule an atom can sit ~1 Å (3 voxels) from its voxel.
        let g = Grid::new([48; 3], [0.3; 3], [0.0; 3]);
        let sim = Volume { grid: g, data: vec![1.0; g.len()] };
        let atoms = [atom("N", "GLY", [7.05, 7.29, 6.99])];
        let mut p = LabelParams::preset(Preset::Precise);
        p.index = IndexRule::Reference;
        p.radius = 2.0;
        let l = label(&sim, &atoms, &p, None).unwrap();
        for o in 0..g.len() {
            let w = g.index_to_world(g.ijk(o).map(|v| v as f64)).as_vec3();
            if w.distance(atoms[0].pos) < 1.999 {
                assert_ne!(l.classification.data[o], 0, "voxel {:?} within the sphere left out", g.ijk(o));
            }
        }
    }

    #[test]
    fn relabel_into_old_buffers_equals_fresh_labels() {
        let g = Grid::new([24; 3], [1.0; 3], [0.0; 3]);
        let mut sim = Volume { grid: g, data: vec![1.0; g.len()] };
        sim.data[g.offset([20, 20, 20])] = 0.0; // an atom without density still gets its type
        let atoms = [
            atom("CA", "ALA", [3.0, 4.0, 5.0]),
            atom("O", "HOH", [18.2, 17.9, 6.0]),
            atom("N", "GLY", [20.0, 20.0, 20.0]),
        ];
        let mut wide = LabelParams::preset(Preset::Precise);
        wide.radius = 5.0;
        let mut prev = label(&sim, &atoms, &wide, None).unwrap();
        for (preset, radius, n) in
            [(Preset::DenoiseCryoData, 2.0, 3), (Preset::Precise, 1.5, 1), (Preset::DenoiseCryoData, 4.0, 2)]
        {
            let mut p = LabelParams::preset(preset);
            p.radius = radius;
            let fresh = label(&sim, &atoms[..n], &p, None).unwrap();
            let again = label_into(&sim, &atoms[..n], &p, None, Some(prev)).unwrap();
            assert_eq!(again.classification.data, fresh.classification.data);
            assert_eq!(again.regression.data, fresh.regression.data);
            assert_eq!(again.atom_types.data, fresh.atom_types.data);
            assert_eq!(again.stats.class_counts, fresh.stats.class_counts);
            let swept = fresh.regression.data.iter().fold(0f32, |a, &b| a.max(b));
            assert_eq!(again.stats.regression_max, swept);
            prev = again;
        }
    }

    /// The labels not laid out give, chunk by chunk over any cut, the maps `label` lays out; and
    /// the files written from them are the same bytes.
    #[test]
    fn core_sources_equal_laid_out_labels() {
        use crate::engine::mapwrite::VoxelSource;
        let g = Grid::new([23, 19, 17], [1.0; 3], [0.0; 3]);
        let mut sim = Volume { grid: g, data: (0..g.len()).map(|i| (i % 7) as f32 * 0.5 - 0.5).collect() };
        sim.data[g.offset([5, 5, 5])] = -0.0;
        let atoms = [
            atom("CA", "ALA", [3.0, 4.0, 5.0]),
            atom("CB", "ALA", [3.2, 4.1, 5.2]), // same voxel: the later type wins
            atom("O", "HOH", [18.2, 15.9, 6.0]),
            atom("N", "GLY", [5.0, 5.0, 5.0]),
        ];
        for preset in [Preset::DenoiseCryoData, Preset::Precise] {
            let p = LabelParams::preset(preset);
            let full = label(&sim, &atoms, &p, None).unwrap();
            let core = label_core(g, &sim.data, &atoms, &p, None).unwrap();
            if p.atom_types == AtomTypeRule::Names {
                assert_eq!(full.atom_types.data[g.offset([3, 4, 5])], 2.0, "CB came after CA");
            }
            assert_eq!(core.classification.data, full.classification.data);
            assert_eq!(core.stats.type_counts, full.stats.type_counts);
            assert_eq!(core.stats.regression_max, full.stats.regression_max);
            for cut in [1usize, 7, 1000, g.len()] {
                let (mut r, mut t, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
                for k in 0..g.len().div_ceil(cut) {
                    let range = k * cut..((k + 1) * cut).min(g.len());
                    r.extend_from_slice(core.regression(&sim.data).chunk(range.clone(), &mut scratch));
                    t.extend_from_slice(core.types().chunk(range, &mut scratch));
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&r), bits(&full.regression.data), "{preset:?} cut {cut}");
                assert_eq!(t, full.atom_types.data, "{preset:?} cut {cut}");
            }
            let dir = tempfile::tempdir().unwrap();
            let (a, b) = (dir.path().join("a"), dir.path().join("b"));
            let d = crate::engine::mapio::Durability::Renamed;
            let pa = crate::engine::export::write_labels(&a, "x", &full, d).unwrap();
            let pb = crate::engine::export::write_label_core(&b, "x", &core, &sim.data, d).unwrap();
            for (x, y) in pa.iter().zip(&pb) {
                assert!(std::fs::read(x).unwrap() == std::fs::read(y).unwrap(), "{}", x.display());
            }
        }
    }

    #[test]
    fn zero_density_gives_no_atom_voxel() {
        let g = Grid::new([10; 3], [1.0; 3], [0.0; 3]);
        let sim = Volume::<f32>::zeros(g);
        let l = label(&sim, &[atom("O", "HOH", [3.0, 3.0, 3.0])], &LabelParams::default(), None).unwrap();
        assert_eq!(l.stats.class_counts[1], 0);
        assert_eq!(l.stats.class_counts[2], 0);
        assert_eq!(l.stats.atoms_without_density, 1);
    }
}
