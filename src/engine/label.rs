//! The three label maps (regression, classification, atom type) on the experimental grid.
//!
//! One code path for GUI, CLI and batch, parameterised by `LabelParams` (a preset and its
//! parts). `Preset::DenoiseCryoData` reproduces the published data set bit for bit (with
//! correct geometry: NSTART honoured, atoms outside the grid skipped, never wrapped);
//! `Preset::Precise` does what the paper meant.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use glam::Vec3;
use rayon::prelude::*;

use super::error::EngineError;
use super::grid::{Grid, IndexRule, Volume};
use super::model::{AltlocRule, Atom, ReadOptions, is_amino_acid};
use super::neighbours::{self, ATOM};

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
    if sim.len() != grid.len() {
        return Err(EngineError::Input(format!(
            "{} simulated voxels for a {:?} grid of {} voxels",
            sim.len(),
            grid.shape,
            grid.len()
        )));
    }
    let t0 = Instant::now();
    let check = || match cancel {
        Some(c) if c.load(Ordering::Relaxed) => Err(EngineError::Cancelled),
        _ => Ok(()),
    };
    let mut stats = LabelStats { atoms: atoms.len(), ..Default::default() };

    // Voxel of every atom inside the grid, in file order.
    let placed: Vec<(usize, u32)> = atoms
        .par_iter()
        .enumerate()
        .filter_map(|(n, a)| {
            grid.checked(grid.world_to_index(a.pos, params.index)).map(|ijk| (grid.offset(ijk), n as u32))
        })
        .collect();
    stats.atoms_outside = atoms.len() - placed.len();
    if placed.is_empty() && !atoms.is_empty() {
        stats.warnings.push(miss_message(&grid, atoms));
    }
    check()?;

    let Buffers { mut regression, mut class, types } = bufs;
    let mut labelled: Vec<Vec3> = Vec::new();
    for &(o, n) in &placed {
        if sim[o] != 0.0 {
            class[o] = ATOM;
            if params.neighbourhood == Neighbourhood::Sphere {
                labelled.push(atoms[n as usize].pos);
            }
        } else {
            stats.atoms_without_density += 1;
        }
    }
    stats.collisions = count_collisions(&placed);
    check()?;

    // Everything outside the atom voxels' box grown by the neighbourhood stays background, so
    // the dilation and the pass below only touch that region (often a fraction of the box).
    let atom_box = atom_box(&grid, &placed, &class);
    let cube_r = (params.radius + 1e-4).floor().max(0.0) as usize;
    match (params.neighbourhood, atom_box) {
        (Neighbourhood::Cube, Some(b)) => neighbours::dilate_cube(&mut class, &grid, cube_r, b),
        (Neighbourhood::Sphere, Some(_)) => neighbours::fill_spheres(&mut class, &grid, &labelled, params.radius),
        (_, None) => {}
    }
    check()?;

    // One pass over the region: fold the dilation's marks into class 2, fill regression, count.
    let mut counts = [grid.len(), 0, 0];
    // the box written: the region below and every placed atom's voxel (atom types)
    let mut touched = placed_box(&grid, &placed);
    if let Some((lo, hi)) = atom_box {
        let margin = match params.neighbourhood {
            Neighbourhood::Cube => [cube_r; 3],
            // an atom lies less than max(1 Å, one voxel) from its voxel's centre, whatever the rule
            Neighbourhood::Sphere => grid.voxel.map(|v| ((params.radius + 1.0 + v) / v).ceil() as usize + 1),
        };
        let [nx, ny, _] = grid.shape;
        let lo = [0, 1, 2].map(|a| lo[a].saturating_sub(margin[a]));
        let hi = [0, 1, 2].map(|a| (hi[a] + margin[a]).min(grid.shape[a] - 1));
        touched = touched.map(|(l, h)| ([0, 1, 2].map(|a| l[a].min(lo[a])), [0, 1, 2].map(|a| h[a].max(hi[a]))));
        let plane = nx * ny;
        let ([c1, c2], r_max) = class
            .par_chunks_mut(plane)
            .zip(regression.par_chunks_mut(plane))
            .zip(sim.par_chunks(plane))
            .enumerate()
            .filter(|(z, _)| (lo[2]..=hi[2]).contains(z))
            .map(|(_, ((c, r), s))| {
                let (mut h, mut m) = ([0usize; 2], 0f32);
                for y in lo[1]..=hi[1] {
                    let row = y * nx + lo[0]..=y * nx + hi[0];
                    let (n, rm) = finish_row(&mut c[row.clone()], &mut r[row.clone()], &s[row]);
                    h = [h[0] + n[0], h[1] + n[1]];
                    m = m.max(rm);
                }
                (h, m)
            })
            .reduce(|| ([0; 2], 0f32), |a, b| ([a.0[0] + b.0[0], a.0[1] + b.0[1]], a.1.max(b.1)));
        counts = [grid.len() - c1 - c2, c1, c2];
        stats.regression_max = r_max;
    }
    stats.class_counts = counts;
    check()?;
    let (types, type_counts) = atom_types(&grid, atoms, &placed, params, types);
    stats.type_counts = type_counts;
    check()?;

    stats.elapsed = t0.elapsed();
    Ok(Labels {
        regression: Volume { grid, data: regression },
        classification: Volume { grid, data: class },
        atom_types: Volume { grid, data: types },
        params: *params,
        stats,
        touched,
    })
}

/// One row of the labelled region: the dilation's marks folded into class 2, the regression
/// voxels taken from the simulated map where the class is not background; returns the atom and
/// neighbour voxels counted and the row's largest regression value (at least 0).
///
/// Three simple loops rather than one: each is vectorized (8 voxels at a time), a loop mixing
/// i16, f32 and counters is not.
fn finish_row(class: &mut [i16], regression: &mut [f32], sim: &[f32]) -> ([usize; 2], f32) {
    let (rs, ss) = (&mut regression[..class.len()], &sim[..class.len()]);
    for v in class.iter_mut() {
        *v = neighbours::finished(*v);
    }
    // the regression map is zero wherever the class is, so writing 0.0 there changes nothing:
    // s's bits, or +0.0's, by a mask rather than a branch
    for ((r, &s), &v) in rs.iter_mut().zip(ss).zip(class.iter()) {
        *r = f32::from_bits(s.to_bits() & 0u32.wrapping_sub((v != 0) as u32));
    }
    // counted in eight u16 lanes (at most 65,535 per lane and part)
    let mut h = [0usize; 2];
    for part in class.chunks(8 * u16::MAX as usize) {
        let (mut l1, mut l2) = ([0u16; 8], [0u16; 8]);
        let chunks = part.chunks_exact(8);
        for &v in chunks.remainder() {
            h = [h[0] + (v == ATOM) as usize, h[1] + (v == neighbours::NEIGHBOUR) as usize];
        }
        for ch in chunks {
            for k in 0..8 {
                l1[k] += (ch[k] == ATOM) as u16;
                l2[k] += (ch[k] == neighbours::NEIGHBOUR) as u16;
            }
        }
        let sum = |l: [u16; 8]| l.iter().map(|&x| x as usize).sum::<usize>();
        h = [h[0] + sum(l1), h[1] + sum(l2)];
    }
    // max(0, x) over the row: the zeros may join in
    (h, max_in_lanes(0.0, rs))
}

/// `m.max(x)` over `xs` (NaN ignored, as `f32::max` does), in eight independent running
/// maxima: one chain of dependent maxes cannot be vectorized, eight can.
fn max_in_lanes(m: f32, xs: &[f32]) -> f32 {
    let mut lanes = [m; 8];
    let chunks = xs.chunks_exact(8);
    for &x in chunks.remainder() {
        lanes[0] = lanes[0].max(x);
    }
    for ch in chunks {
        for (l, &x) in lanes.iter_mut().zip(ch) {
            *l = l.max(x);
        }
    }
    lanes.into_iter().fold(m, f32::max)
}

/// Inclusive voxel box of the atom voxels (class 1), from the placed atoms: no grid sweep.
fn atom_box(grid: &Grid, placed: &[(usize, u32)], class: &[i16]) -> Option<([usize; 3], [usize; 3])> {
    bounding_box(placed.iter().filter(|p| class[p.0] == ATOM).map(|p| grid.ijk(p.0)))
}

fn bounding_box(mut it: impl Iterator<Item = [usize; 3]>) -> Option<([usize; 3], [usize; 3])> {
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), v| {
        ([lo[0].min(v[0]), lo[1].min(v[1]), lo[2].min(v[2])], [hi[0].max(v[0]), hi[1].max(v[1]), hi[2].max(v[2])])
    }))
}

/// Inclusive voxel box of every placed atom.
fn placed_box(grid: &Grid, placed: &[(usize, u32)]) -> Option<([usize; 3], [usize; 3])> {
    bounding_box(placed.iter().map(|p| grid.ijk(p.0)))
}

/// The atom-type map (into `types`, all zero) and voxels per type, counted over the atom
/// voxels only (no full sweep).
fn atom_types(
    grid: &Grid,
    atoms: &[Atom],
    placed: &[(usize, u32)],
    params: &LabelParams,
    mut types: Vec<f32>,
) -> (Vec<f32>, [usize; 6]) {
    match params.atom_types {
        AtomTypeRule::Names => {
            for &(o, n) in placed {
                let code = atom_type_code(&atoms[n as usize].name);
                if code > 0 {
                    types[o] = code as f32;
                }
            }
        }
        AtomTypeRule::Residues => {
            // The atom nearest the voxel centre represents the voxel; its type (maybe none) wins.
            let mut best: Vec<(usize, f32, u8)> = placed
                .iter()
                .map(|&(o, n)| {
                    let a = &atoms[n as usize];
                    let c = grid.index_to_world(grid.ijk(o).map(|v| v as f64)).as_vec3();
                    let code = if is_amino_acid(&a.res_name) { atom_type_code(&a.name) } else { 0 };
                    (o, a.pos.distance_squared(c), code)
                })
                .collect();
            best.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            best.dedup_by_key(|e| e.0);
            for (o, _, code) in best {
                types[o] = code as f32;
            }
        }
    }
    let mut offsets: Vec<usize> = placed.iter().map(|p| p.0).collect();
    offsets.par_sort_unstable();
    offsets.dedup();
    let mut counts = [0usize; 6];
    for o in offsets {
        counts[types[o] as usize] += 1;
    }
    counts[0] = grid.len() - counts[1..].iter().sum::<usize>();
    (types, counts)
}

fn count_collisions(placed: &[(usize, u32)]) -> usize {
    let mut offs: Vec<usize> = placed.iter().map(|p| p.0).collect();
    offs.par_sort_unstable();
    offs.windows(2).enumerate().filter(|(i, w)| w[0] == w[1] && (*i == 0 || offs[i - 1] != w[0])).count()
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
