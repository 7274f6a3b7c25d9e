//! Surface nets proper: the two passes over z-slabs (cell vertices, then the quads of the
//! crossed grid edges), cancellable between slabs. A child module of isosurface.rs (it reaches
//! the private parts of `Field` and `Mesh`).

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use glam::Vec3;

use super::{Field, Mesh};

/// Cell z-planes per parallel task: small enough to balance two cores, big enough to
/// amortise the per-task vectors.
pub(super) const SLAB: usize = 8;

/// Contour `field` at `level` (inside = value >= level; NaN is outside), in parallel.
pub fn extract(field: &Field, level: f32) -> Mesh {
    extract_with(field, level, true, &|| false).unwrap_or_default()
}

/// The same surface computed on one thread: the baseline the benchmark compares against.
pub fn extract_serial(field: &Field, level: f32) -> Mesh {
    extract_with(field, level, false, &|| false).unwrap_or_default()
}

/// `extract`, giving up (None) soon after `cancel` is set: the flag is checked before every
/// slab of both passes, so a superseded extraction of a big map stops within a few
/// milliseconds instead of running to its end.
pub fn extract_cancellable(field: &Field, level: f32, cancel: &AtomicBool) -> Option<Mesh> {
    extract_with(field, level, true, &|| cancel.load(Ordering::Relaxed))
}

/// The extraction itself; `stop` is asked before every slab of each pass (None once it says yes).
pub fn extract_with(field: &Field, level: f32, parallel: bool, stop: &(dyn Fn() -> bool + Sync)) -> Option<Mesh> {
    let [nx, ny, nz] = field.dims;
    if nx < 2 || ny < 2 || nz < 2 || field.data.len() != nx * ny * nz || !level.is_finite() {
        return Some(Mesh::default());
    }
    let (cx, cy, cz) = (nx - 1, ny - 1, nz - 1);
    let plane = cx * cy;
    // Inside/outside as one bit per voxel, 64 voxels of a row per word: whole words of
    // empty space are skipped with a few bit operations instead of eight loads per cell.
    let w = nx.div_ceil(64);
    let mut bits = vec![0u64; w * ny * nz];
    let fill = |(r, words): (usize, &mut [u64])| {
        let row = &field.data[r * nx..(r + 1) * nx];
        for (x, v) in row.iter().enumerate() {
            words[x / 64] |= ((*v >= level) as u64) << (x % 64);
        }
    };
    if parallel {
        bits.par_chunks_mut(w).enumerate().for_each(fill);
    } else {
        bits.chunks_mut(w).enumerate().for_each(fill);
    }
    let row = |y: usize, z: usize| &bits[(y + ny * z) * w..(y + ny * z + 1) * w];
    // Bit x of the result = bit x+1 of `r` (the right neighbour along x).
    let shift = |r: &[u64], k: usize| (r[k] >> 1) | r.get(k + 1).map_or(0, |n| n << 63);
    // Cell -> slab-local vertex index + 1 (0 = no vertex); zeroed pages come free from calloc.
    let mut cell_index = vec![0u32; plane * cz];
    let slabs = cz.div_ceil(SLAB);
    let vertex_pass = |(s, chunk): (usize, &mut [u32])| -> (Vec<[f32; 3]>, Vec<[f32; 3]>) {
        let (mut pos, mut nor) = (Vec::new(), Vec::new());
        if stop() {
            return (pos, nor);
        }
        for (dz, plane_idx) in chunk.chunks_mut(plane).enumerate() {
            let z = s * SLAB + dz;
            for y in 0..cy {
                let (a, b, c, d) = (row(y, z), row(y + 1, z), row(y, z + 1), row(y + 1, z + 1));
                let and: Vec<u64> = (0..w).map(|k| a[k] & b[k] & c[k] & d[k]).collect();
                let or: Vec<u64> = (0..w).map(|k| a[k] | b[k] | c[k] | d[k]).collect();
                for k in 0..w {
                    let all_in = and[k] & shift(&and, k);
                    let all_out = !or[k] & !shift(&or, k);
                    let mut active = !(all_in | all_out);
                    while active != 0 {
                        let x = k * 64 + active.trailing_zeros() as usize;
                        active &= active - 1;
                        if x >= cx {
                            break;
                        }
                        if let Some((p, n)) = cell_vertex(field, level, [x, y, z]) {
                            pos.push(field.world(p));
                            nor.push(n);
                            plane_idx[x + cx * y] = pos.len() as u32;
                        }
                    }
                }
            }
        }
        (pos, nor)
    };
    let parts: Vec<_> = if parallel {
        cell_index.par_chunks_mut(plane * SLAB).enumerate().map(vertex_pass).collect()
    } else {
        cell_index.chunks_mut(plane * SLAB).enumerate().map(vertex_pass).collect()
    };
    if stop() {
        return None;
    }
    let mut offsets = Vec::with_capacity(slabs);
    let mut mesh = Mesh::default();
    for (p, n) in parts {
        offsets.push(mesh.positions.len() as u32);
        mesh.positions.extend(p);
        mesh.normals.extend(n);
    }
    let cell = |x: usize, y: usize, z: usize| -> u32 {
        let local = cell_index[x + cx * (y + cy * z)];
        offsets[z / SLAB] + local.saturating_sub(1)
    };
    // Voxel layers z in [s*SLAB, (s+1)*SLAB) own their x/y edges and the z edges above them.
    let quad_pass = |s: usize| -> Vec<u32> {
        let mut out = Vec::new();
        if stop() {
            return out;
        }
        let mut quad = |a: u32, b: u32, c: u32, d: u32, flip: bool| {
            if flip {
                out.extend_from_slice(&[a, d, c, a, c, b]);
            } else {
                out.extend_from_slice(&[a, b, c, a, c, d]);
            }
        };
        let each = |mut m: u64, k: usize, f: &mut dyn FnMut(usize)| {
            while m != 0 {
                let x = k * 64 + m.trailing_zeros() as usize;
                m &= m - 1;
                f(x);
            }
        };
        for z in s * SLAB..((s + 1) * SLAB).min(nz) {
            for y in 0..ny {
                let r = row(y, z);
                let mid_y = (1..cy).contains(&y);
                let mid_z = (1..cz).contains(&z);
                for k in 0..w {
                    if mid_y && mid_z {
                        each(r[k] ^ shift(r, k), k, &mut |x| {
                            if x < cx {
                                let here = (r[k] >> (x % 64)) & 1 == 1;
                                quad(cell(x, y - 1, z - 1), cell(x, y, z - 1), cell(x, y, z), cell(x, y - 1, z), !here);
                            }
                        });
                    }
                    if y + 1 < ny && mid_z {
                        each(r[k] ^ row(y + 1, z)[k], k, &mut |x| {
                            if (1..cx).contains(&x) {
                                let here = (r[k] >> (x % 64)) & 1 == 1;
                                quad(cell(x - 1, y, z - 1), cell(x - 1, y, z), cell(x, y, z), cell(x, y, z - 1), !here);
                            }
                        });
                    }
                    if z + 1 < nz && mid_y {
                        each(r[k] ^ row(y, z + 1)[k], k, &mut |x| {
                            if (1..cx).contains(&x) {
                                let here = (r[k] >> (x % 64)) & 1 == 1;
                                quad(cell(x - 1, y - 1, z), cell(x, y - 1, z), cell(x, y, z), cell(x - 1, y, z), !here);
                            }
                        });
                    }
                }
            }
        }
        out
    };
    let layer_slabs = nz.div_ceil(SLAB);
    let quads: Vec<Vec<u32>> = if parallel {
        (0..layer_slabs).into_par_iter().map(quad_pass).collect()
    } else {
        (0..layer_slabs).map(quad_pass).collect()
    };
    if stop() {
        return None;
    }
    mesh.indices = quads.concat();
    Some(mesh)
}

/// The surface-nets vertex of one cell (position in sample units, unit normal), if the
/// surface passes through it.
#[inline]
fn cell_vertex(f: &Field, level: f32, [x, y, z]: [usize; 3]) -> Option<([f32; 3], [f32; 3])> {
    let [nx, ny, _] = f.dims;
    let o = x + nx * (y + ny * z);
    let (sy, sz) = (nx, nx * ny);
    let c = [
        f.data[o],
        f.data[o + 1],
        f.data[o + sy],
        f.data[o + sy + 1],
        f.data[o + sz],
        f.data[o + sz + 1],
        f.data[o + sz + sy],
        f.data[o + sz + sy + 1],
    ];
    let mut mask = 0u8;
    for (i, v) in c.iter().enumerate() {
        if *v >= level {
            mask |= 1 << i;
        }
    }
    if mask == 0 || mask == 255 {
        return None;
    }
    // Corner i sits at (i&1, i>>1&1, i>>2&1); the 12 edges join corners differing in one bit.
    let mut sum = [0f32; 3];
    let mut count = 0f32;
    for a in 0..8usize {
        for bit in [1usize, 2, 4] {
            let b = a | bit;
            if b == a || ((mask >> a) & 1) == ((mask >> b) & 1) {
                continue;
            }
            let (va, vb) = (c[a], c[b]);
            let t = if (vb - va).abs() > f32::EPSILON && va.is_finite() && vb.is_finite() {
                ((level - va) / (vb - va)).clamp(0.0, 1.0)
            } else {
                0.5
            };
            let pa = [(a & 1) as f32, ((a >> 1) & 1) as f32, ((a >> 2) & 1) as f32];
            for k in 0..3 {
                sum[k] += pa[k];
            }
            let axis = bit.trailing_zeros() as usize;
            sum[axis] += t;
            count += 1.0;
        }
    }
    let [u, v, w] = sum.map(|s| s / count);
    // Gradient of the trilinear interpolant at (u, v, w); NaN corners give a fallback normal.
    let lerp2 = |d00: f32, d10: f32, d01: f32, d11: f32, s: f32, t: f32| {
        (1.0 - s) * (1.0 - t) * d00 + s * (1.0 - t) * d10 + (1.0 - s) * t * d01 + s * t * d11
    };
    let gx = lerp2(c[1] - c[0], c[3] - c[2], c[5] - c[4], c[7] - c[6], v, w) / f.spacing[0];
    let gy = lerp2(c[2] - c[0], c[3] - c[1], c[6] - c[4], c[7] - c[5], u, w) / f.spacing[1];
    let gz = lerp2(c[4] - c[0], c[5] - c[1], c[6] - c[2], c[7] - c[3], u, v) / f.spacing[2];
    let g = -Vec3::new(gx, gy, gz);
    let n = if g.is_finite() && g.length_squared() > 0.0 { g.normalize() } else { Vec3::Z };
    Some(([x as f32 + u, y as f32 + v, z as f32 + w], n.into()))
}
