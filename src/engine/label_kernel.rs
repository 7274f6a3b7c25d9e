//! The labeling kernel behind `label`, `label_into` and `label_core`: atoms placed on the grid,
//! atom voxels marked, their neighbourhood grown, the labelled region finished in one pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use glam::Vec3;
use rayon::prelude::*;

use super::{AtomTypeRule, LabelCore, LabelParams, LabelStats, Neighbourhood, atom_type_code, miss_message};
use crate::engine::error::EngineError;
use crate::engine::grid::{Grid, Volume};
use crate::engine::model::{Atom, is_amino_acid};
use crate::engine::neighbours::{self, ATOM};

/// The labeling itself: atoms placed, atom voxels marked, the neighbourhood grown, the region
/// finished (class 2, counts, and the regression map when one is given, all zero on entry, as
/// `class` must be), atom types listed.
pub(super) fn classify(
    grid: Grid,
    sim: &[f32],
    atoms: &[Atom],
    params: &LabelParams,
    cancel: Option<&AtomicBool>,
    mut class: Vec<i16>,
    mut regression: Option<&mut [f32]>,
) -> Result<LabelCore, EngineError> {
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
        let lo = [0, 1, 2].map(|a| lo[a].saturating_sub(margin[a]));
        let hi = [0, 1, 2].map(|a| (hi[a] + margin[a]).min(grid.shape[a] - 1));
        touched = touched.map(|(l, h)| ([0, 1, 2].map(|a| l[a].min(lo[a])), [0, 1, 2].map(|a| h[a].max(hi[a]))));
        let ([c1, c2], r_max) = finish_region(&grid, (lo, hi), &mut class, regression.as_deref_mut(), sim);
        counts = [grid.len() - c1 - c2, c1, c2];
        stats.regression_max = r_max;
    }
    stats.class_counts = counts;
    check()?;
    let (types, type_counts) = atom_types(&grid, atoms, &placed, params);
    stats.type_counts = type_counts;
    check()?;

    stats.elapsed = t0.elapsed();
    Ok(LabelCore { classification: Volume { grid, data: class }, atom_types: types, params: *params, stats, touched })
}

/// The pass over the labelled region (the inclusive box `lo..=hi`), z-slabs on the thread
/// pool, rows by [`finish_row`]: returns the atom and neighbour voxels counted and the largest
/// regression value (at least 0).
fn finish_region(
    grid: &Grid,
    (lo, hi): ([usize; 3], [usize; 3]),
    class: &mut [i16],
    regression: Option<&mut [f32]>,
    sim: &[f32],
) -> ([usize; 2], f32) {
    let [nx, ny, _] = grid.shape;
    let plane = nx * ny;
    let slab = |c: &mut [i16], mut r: Option<&mut [f32]>, s: &[f32]| {
        let (mut h, mut m) = ([0usize; 2], 0f32);
        for y in lo[1]..=hi[1] {
            let row = y * nx + lo[0]..=y * nx + hi[0];
            let (n, rm) = finish_row(&mut c[row.clone()], r.as_deref_mut().map(|r| &mut r[row.clone()]), &s[row]);
            h = [h[0] + n[0], h[1] + n[1]];
            m = m.max(rm);
        }
        (h, m)
    };
    let in_box = |z: &usize| (lo[2]..=hi[2]).contains(z);
    let sum = |a: ([usize; 2], f32), b: ([usize; 2], f32)| ([a.0[0] + b.0[0], a.0[1] + b.0[1]], a.1.max(b.1));
    match regression {
        Some(reg) => class
            .par_chunks_mut(plane)
            .zip(reg.par_chunks_mut(plane))
            .zip(sim.par_chunks(plane))
            .enumerate()
            .filter(|(z, _)| in_box(z))
            .map(|(_, ((c, r), s))| slab(c, Some(r), s))
            .reduce(|| ([0; 2], 0f32), sum),
        None => class
            .par_chunks_mut(plane)
            .zip(sim.par_chunks(plane))
            .enumerate()
            .filter(|(z, _)| in_box(z))
            .map(|(_, (c, s))| slab(c, None, s))
            .reduce(|| ([0; 2], 0f32), sum),
    }
}

/// The regression value of a voxel: `s`'s bits where the class is not background, else +0.0's
/// (a mask, not a branch, so loops of it are vectorized).
#[inline]
pub(super) fn masked(s: f32, class: i16) -> f32 {
    f32::from_bits(s.to_bits() & 0u32.wrapping_sub((class != 0) as u32))
}

/// One row of the labelled region: the dilation's marks folded into class 2, and the
/// regression voxels ([`masked`]) written when the row of a regression map is given; returns
/// the atom and neighbour voxels counted and the row's largest regression value (at least 0).
///
/// Simple loops rather than one: each is vectorized (8 voxels at a time), a loop mixing i16,
/// f32 and counters is not.
fn finish_row(class: &mut [i16], regression: Option<&mut [f32]>, sim: &[f32]) -> ([usize; 2], f32) {
    let ss = &sim[..class.len()];
    for v in class.iter_mut() {
        *v = neighbours::finished(*v);
    }
    let max = match regression {
        // the regression map is zero wherever the class is, so writing 0.0 there changes nothing
        Some(regression) => {
            let rs = &mut regression[..class.len()];
            for ((r, &s), &v) in rs.iter_mut().zip(ss).zip(class.iter()) {
                *r = masked(s, v);
            }
            max_in_lanes(0.0, rs)
        }
        None => ss.chunks(256).zip(class.chunks(256)).fold(0.0, |m, (s, c)| {
            let mut row = [0f32; 256];
            for ((r, &s), &v) in row.iter_mut().zip(s).zip(c) {
                *r = masked(s, v);
            }
            max_in_lanes(m, &row[..s.len()])
        }),
    };
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
    (h, max)
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

/// The atom-type voxels (offset, type 1-5; ascending, one per voxel) and voxels per type,
/// counted over the atom voxels only (no full sweep).
fn atom_types(
    grid: &Grid,
    atoms: &[Atom],
    placed: &[(usize, u32)],
    params: &LabelParams,
) -> (Vec<(usize, u8)>, [usize; 6]) {
    let types: Vec<(usize, u8)> = match params.atom_types {
        AtomTypeRule::Names => {
            // in file order, a later atom's type overwrites an earlier one's in the same voxel
            let mut set: Vec<(usize, u8)> =
                placed.iter().map(|&(o, n)| (o, atom_type_code(&atoms[n as usize].name))).filter(|e| e.1 > 0).collect();
            set.par_sort_by_key(|e| e.0); // stable: file order within a voxel
            set.chunk_by(|a, b| a.0 == b.0).map(|run| run[run.len() - 1]).collect()
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
            best.into_iter().filter(|e| e.2 > 0).map(|(o, _, code)| (o, code)).collect()
        }
    };
    let mut counts = [0usize; 6];
    for &(_, code) in &types {
        counts[code as usize] += 1;
    }
    counts[0] = grid.len() - counts[1..].iter().sum::<usize>();
    (types, counts)
}

fn count_collisions(placed: &[(usize, u32)]) -> usize {
    let mut offs: Vec<usize> = placed.iter().map(|p| p.0).collect();
    offs.par_sort_unstable();
    offs.windows(2).enumerate().filter(|(i, w)| w[0] == w[1] && (*i == 0 || offs[i - 1] != w[0])).count()
}
