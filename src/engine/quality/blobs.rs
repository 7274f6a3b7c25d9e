//! Unmodelled density: connected pieces of the map above the contour that lie farther than a
//! distance from every atom (ligands, lipids, glycans, loops nobody built).
//!
//! The voxels above the contour and beyond the distance are split into face-connected
//! (6-neighbour) components. A piece of a ligand that touches the protein's density is still
//! found: only its part near the atoms is cut away.

use glam::Vec3;
use rayon::prelude::*;

use super::cells::Cells;
use crate::engine::grid::Volume;

/// One unmodelled blob.
#[derive(Clone, Debug, PartialEq)]
pub struct Blob {
    /// 1-based, largest volume first.
    pub id: usize,
    pub volume_a3: f64,
    pub peak: f32,
    /// Mean position of the blob's voxel centres, Å.
    pub centroid: [f64; 3],
    /// Distance from the blob's nearest voxel to the nearest atom, Å (NaN with no atoms).
    pub nearest_atom: f32,
    /// Linear voxel offsets of the blob (for outlines in the viewer).
    pub voxels: Vec<usize>,
}

/// What the search found, including what it left out of the list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlobSearch {
    pub blobs: Vec<Blob>,
    /// Volume of the map above the contour, Å³.
    pub above_volume: f64,
    /// Pieces smaller than the minimum volume: not listed, counted here.
    pub specks: usize,
    pub specks_volume: f64,
}

/// Voxels (as 1) above `contour` and farther than `distance` Å from every atom in `atoms`.
pub fn candidates(map: &Volume<f32>, contour: f32, atoms: &[Vec3], distance: f32) -> (Vec<u8>, usize) {
    let g = &map.grid;
    let [nx, ny, _] = g.shape;
    let mut zs: Vec<Vec3> = atoms.iter().copied().filter(|p| p.is_finite()).collect();
    zs.sort_unstable_by(|a, b| a.z.total_cmp(&b.z));
    let mut out = vec![0u8; g.len()];
    let above: usize = out
        .par_chunks_mut(nx * ny)
        .enumerate()
        .map(|(k, plane)| {
            let z = g.origin[2] + k as f32 * g.voxel[2];
            let src = &map.data[k * nx * ny..(k + 1) * nx * ny];
            let mut n = 0;
            for (o, v) in plane.iter_mut().zip(src) {
                if *v >= contour {
                    *o = 1;
                    n += 1;
                }
            }
            // Clear discs of the atoms whose sphere cuts this plane.
            let a = zs.partition_point(|p| p.z <= z - distance);
            for p in zs[a..].iter().take_while(|p| p.z < z + distance) {
                let r2 = distance * distance - (p.z - z) * (p.z - z);
                if r2 <= 0.0 {
                    continue;
                }
                disc(plane, g.shape, g.origin, g.voxel, *p, r2);
            }
            n
        })
        .sum();
    (out, above)
}

/// Zero the voxels of one plane within sqrt(r2) of `p` (in x, y).
fn disc(plane: &mut [u8], shape: [usize; 3], origin: [f32; 3], voxel: [f32; 3], p: Vec3, r2: f32) {
    let r = r2.sqrt();
    let span = |a: usize, c: f32| {
        let lo = ((c - r - origin[a]) / voxel[a]).ceil().max(0.0) as usize;
        let hi = ((c + r - origin[a]) / voxel[a]).floor().min(shape[a] as f32 - 1.0);
        (lo, hi)
    };
    let ((y0, y1), (x0, x1)) = (span(1, p.y), span(0, p.x));
    if y1 < 0.0 || x1 < 0.0 {
        return;
    }
    for y in y0..=y1 as usize {
        let dy = origin[1] + y as f32 * voxel[1] - p.y;
        let row = &mut plane[y * shape[0]..(y + 1) * shape[0]];
        for (x, v) in row.iter_mut().enumerate().take(x1 as usize + 1).skip(x0) {
            let dx = origin[0] + x as f32 * voxel[0] - p.x;
            if dx * dx + dy * dy < r2 {
                *v = 0;
            }
        }
    }
}

/// Face-connected components of the candidate voxels, largest first; pieces under
/// `min_volume` Å³ are counted, not listed.
pub fn components(map: &Volume<f32>, mut cand: Vec<u8>, above: usize, cells: &Cells, min_volume: f64) -> BlobSearch {
    let g = map.grid;
    let vox = g.voxel.iter().map(|&v| v as f64).product::<f64>();
    let [nx, ny, nz] = g.shape;
    let mut found = BlobSearch { above_volume: above as f64 * vox, ..Default::default() };
    let mut stack = Vec::new();
    for start in 0..cand.len() {
        if cand[start] == 0 {
            continue;
        }
        cand[start] = 0;
        stack.push(start);
        let mut voxels = Vec::new();
        while let Some(o) = stack.pop() {
            voxels.push(o);
            let [i, j, k] = g.ijk(o);
            let mut visit = |ok: bool, n: usize| {
                if ok && cand[n] != 0 {
                    cand[n] = 0;
                    stack.push(n);
                }
            };
            visit(i > 0, o.wrapping_sub(1));
            visit(i + 1 < nx, o + 1);
            visit(j > 0, o.wrapping_sub(nx));
            visit(j + 1 < ny, o + nx);
            visit(k > 0, o.wrapping_sub(nx * ny));
            visit(k + 1 < nz, o + nx * ny);
        }
        let volume = voxels.len() as f64 * vox;
        if volume < min_volume {
            found.specks += 1;
            found.specks_volume += volume;
        } else {
            found.blobs.push(describe(map, cells, voxels, volume));
        }
    }
    found.blobs.sort_by(|a, b| b.volume_a3.total_cmp(&a.volume_a3));
    for (i, b) in found.blobs.iter_mut().enumerate() {
        b.id = i + 1;
    }
    found
}

fn describe(map: &Volume<f32>, cells: &Cells, voxels: Vec<usize>, volume: f64) -> Blob {
    let g = &map.grid;
    let mut peak = f32::NEG_INFINITY;
    let mut sum = [0f64; 3];
    let mut nearest = f32::INFINITY;
    for &o in &voxels {
        peak = peak.max(map.data[o]);
        let ijk = g.ijk(o);
        let w = g.index_to_world(ijk.map(|v| v as f64));
        sum[0] += w.x;
        sum[1] += w.y;
        sum[2] += w.z;
        if let Some((_, d)) = cells.nearest(w.as_vec3()) {
            nearest = nearest.min(d);
        }
    }
    let n = voxels.len() as f64;
    Blob {
        id: 0,
        volume_a3: volume,
        peak,
        centroid: sum.map(|s| s / n),
        nearest_atom: if nearest.is_finite() { nearest } else { f32::NAN },
        voxels,
    }
}
