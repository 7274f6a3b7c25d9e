//! Isosurfaces on the CPU: surface nets (one vertex per surface cell, one quad per crossed
//! grid edge), parallel over z-slabs with rayon.
//!
//! Surface nets rather than marching cubes: no tables, about half the triangles, and the
//! quads give ChimeraX's "square mesh" style for free (the quad edges lie on grid planes).
//! Vertices sit at the mean of the edge crossings of their cell, so they lie within a small
//! fraction of a voxel of the true surface; normals are the gradient of the trilinear
//! interpolant, pointing from high to low values (outwards for density).

use glam::Vec3;
use rayon::prelude::*;

use crate::engine::Volume;

#[path = "isosurface_nets.rs"]
mod nets;
pub use nets::{extract, extract_cancellable, extract_serial, extract_with};

/// A triangle mesh in world coordinates (Å). Triangles come in pairs (quads): 0-1-2, 0-2-3.
#[derive(Clone, Debug, Default)]
pub struct Mesh {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub indices: Vec<u32>,
}

impl Mesh {
    pub fn triangles(&self) -> usize {
        self.indices.len() / 3
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Quad outlines as a line list: the "mesh" style.
    pub fn line_indices(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.indices.len() / 6 * 8);
        for q in self.indices.chunks_exact(6) {
            let (a, b, c, d) = (q[0], q[1], q[2], q[5]);
            out.extend_from_slice(&[a, b, b, c, c, d, d, a]);
        }
        out
    }

    /// Axis-aligned bounds, or None when empty.
    pub fn bounds(&self) -> Option<(Vec3, Vec3)> {
        let mut it = self.positions.iter().map(|p| Vec3::from(*p));
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), p| (lo.min(p), hi.max(p))))
    }
}

/// A scalar field to contour: values x-fastest, with where its samples sit in space.
#[derive(Clone, Debug, Default)]
pub struct Field {
    pub data: Vec<f32>,
    pub dims: [usize; 3],
    /// World position of sample (0,0,0).
    pub origin: [f32; 3],
    /// Distance between samples along each axis (voxel size times step).
    pub spacing: [f32; 3],
}

/// Which part of a volume to contour and how finely.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    /// Take every `step`-th voxel along each axis (1 = all).
    pub step: usize,
    /// Inclusive-exclusive voxel box to keep, or None for everything.
    pub region: Option<([usize; 3], [usize; 3])>,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling { step: 1, region: None }
    }
}

/// A layer's surface and, when it is big, the same surface at twice the step: the coarse one
/// is drawn while the camera moves (ParaView's level of detail while interacting). On a
/// software rasteriser (lavapipe) a transparent map's triangle set-up is most of a moving
/// frame and does not shrink with the pixels; a quarter of the triangles does.
#[derive(Clone, Debug, Default)]
pub struct Surfaces {
    pub full: Mesh,
    pub coarse: Option<Mesh>,
}

impl From<Mesh> for Surfaces {
    fn from(full: Mesh) -> Self {
        Surfaces { full, coarse: None }
    }
}

/// Triangles above which a coarse copy is made: a smaller surface is cheap to draw anyway,
/// and at twice its step it would lose its shape.
pub const COARSE_ABOVE: usize = 10_000;

/// Contour `field(sampling)` at `level` and, when that has over `COARSE_ABOVE` triangles,
/// `field` at twice the step (a few milliseconds more: an eighth of the samples). Gives up
/// (None) soon after `cancel` is set, in either extraction. The one path for the app's
/// background job and the benchmark.
pub fn extract_lod(
    field: impl Fn(Sampling) -> Field,
    sampling: Sampling,
    level: f32,
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<Surfaces> {
    let full = extract_cancellable(&field(sampling), level, cancel)?;
    let coarse = if full.triangles() > COARSE_ABOVE && sampling.step < 16 {
        let twice = Sampling { step: sampling.step * 2, ..sampling };
        Some(extract_cancellable(&field(twice), level, cancel)?)
    } else {
        None
    };
    Some(Surfaces { full, coarse })
}

/// The step ChimeraX-style auto-stepping picks: the smallest power of two that brings the
/// map to at most 300^3 samples, so a big map opens quickly and stays interactive.
pub fn auto_step(shape: [usize; 3]) -> usize {
    let limit = 300usize.pow(3);
    let mut step = 1;
    while step < 16 && shape.iter().map(|n| n.div_ceil(step)).product::<usize>() > limit {
        step *= 2;
    }
    step
}

impl Field {
    /// Copy the sampled part of a volume, converting each value with `f`.
    pub fn from_volume<T: Copy + Sync>(vol: &Volume<T>, s: Sampling, f: impl Fn(T) -> f32 + Sync) -> Field {
        let g = &vol.grid;
        let step = s.step.max(1);
        let (lo, hi) = s.region.unwrap_or(([0; 3], g.shape));
        let hi = [0, 1, 2].map(|a| hi[a].min(g.shape[a]));
        let lo = [0, 1, 2].map(|a| lo[a].min(hi[a]));
        let dims = [0, 1, 2].map(|a| (hi[a] - lo[a]).div_ceil(step));
        let n = dims[0] * dims[1] * dims[2];
        let mut data = vec![0f32; n];
        if n > 0 && vol.data.len() == g.len() {
            data.par_chunks_mut(dims[0] * dims[1]).enumerate().for_each(|(k, plane)| {
                let z = lo[2] + k * step;
                for j in 0..dims[1] {
                    let y = lo[1] + j * step;
                    let row = &mut plane[j * dims[0]..(j + 1) * dims[0]];
                    let base = g.offset([0, y, z]);
                    for (i, out) in row.iter_mut().enumerate() {
                        *out = f(vol.data[base + lo[0] + i * step]);
                    }
                }
            });
        }
        Field {
            data,
            dims,
            origin: [0, 1, 2].map(|a| g.origin[a] + lo[a] as f32 * g.voxel[a]),
            spacing: [0, 1, 2].map(|a| g.voxel[a] * step as f32),
        }
    }

    /// Set every sample farther than `radius` Å from all `centres` to `fill`: the zone
    /// option, so only density near the model is contoured.
    pub fn zone(&mut self, centres: &[Vec3], radius: f32, fill: f32) {
        let mut keep = vec![false; self.data.len()];
        let r = radius.max(0.0);
        for c in centres {
            let lo: [i64; 3] = [0, 1, 2].map(|a| ((c[a] - r - self.origin[a]) / self.spacing[a]).floor() as i64);
            let hi: [i64; 3] = [0, 1, 2].map(|a| ((c[a] + r - self.origin[a]) / self.spacing[a]).ceil() as i64);
            let clamp = |v: i64, a: usize| v.clamp(0, self.dims[a] as i64 - 1) as usize;
            if (0..3).any(|a| hi[a] < 0 || lo[a] >= self.dims[a] as i64) {
                continue;
            }
            for k in clamp(lo[2], 2)..=clamp(hi[2], 2) {
                for j in clamp(lo[1], 1)..=clamp(hi[1], 1) {
                    for i in clamp(lo[0], 0)..=clamp(hi[0], 0) {
                        let p = Vec3::from(self.world([i as f32, j as f32, k as f32]));
                        if p.distance_squared(*c) <= r * r {
                            keep[i + self.dims[0] * (j + self.dims[1] * k)] = true;
                        }
                    }
                }
            }
        }
        for (v, k) in self.data.iter_mut().zip(keep) {
            if !k {
                *v = fill;
            }
        }
    }

    /// Separable Gaussian blur (sigma in samples, kernel to 3 sigma, edges clamped). Run on a
    /// 0/1 mask and contoured at 0.5 it turns a label's voxel blocks into a smooth envelope
    /// through the same voxel faces' midpoints: the surface a structural biologist expects.
    pub fn smooth(&mut self, sigma: f32) {
        if sigma.is_nan() || sigma <= 0.0 || self.data.len() != self.dims.iter().product::<usize>() {
            return;
        }
        let r = (3.0 * sigma).ceil() as isize;
        let kernel: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
        let total: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
        let [nx, ny, nz] = self.dims;
        for (axis, stride, n) in [(0, 1, nx), (1, nx, ny), (2, nx * ny, nz)] {
            let src = self.data.clone();
            // Every line along `axis` is independent: rayon over z-planes for x and y, over
            // y-rows for z (planes would be the lines themselves).
            let blur_line = |start: usize, out: &mut [f32], out_stride: usize| {
                for i in 0..n {
                    let mut acc = 0.0;
                    for (k, w) in kernel.iter().enumerate() {
                        let j = (i as isize + k as isize - r).clamp(0, n as isize - 1) as usize;
                        acc += w * src[start + j * stride];
                    }
                    out[i * out_stride] = acc;
                }
            };
            if axis < 2 {
                self.data.par_chunks_mut(nx * ny).enumerate().for_each(|(z, plane)| {
                    let lines = if axis == 0 { ny } else { nx };
                    for l in 0..lines {
                        let (start, off) =
                            if axis == 0 { (z * nx * ny + l * nx, l * nx) } else { (z * nx * ny + l, l) };
                        blur_line(start, &mut plane[off..], stride);
                    }
                });
            } else {
                let mut out = vec![0f32; self.data.len()];
                let cols: Vec<Vec<f32>> = (0..nx * ny)
                    .into_par_iter()
                    .map(|c| {
                        let mut line = vec![0f32; nz];
                        blur_line(c, &mut line, 1);
                        line
                    })
                    .collect();
                for (c, line) in cols.iter().enumerate() {
                    for (z, v) in line.iter().enumerate() {
                        out[c + z * nx * ny] = *v;
                    }
                }
                self.data = out;
            }
            let _ = axis;
        }
    }

    /// Divide each value by the largest within `radius` samples (at least `floor`): after a
    /// blur, a lone voxel (peak 0.06 at sigma 1) would vanish at level 0.5; divided by its
    /// own neighbourhood's peak it keeps a blob about a voxel across, while big regions (peak
    /// near 1) move by a fraction of a voxel at most. `floor` keeps empty space from 0/0.
    pub fn normalise_local_max(&mut self, radius: usize, floor: f32) {
        let [nx, ny, nz] = self.dims;
        if self.data.len() != nx * ny * nz || radius == 0 {
            return;
        }
        let mut peak = self.data.clone();
        for (stride, n) in [(1, nx), (nx, ny), (nx * ny, nz)] {
            let src = peak.clone();
            peak.par_iter_mut().enumerate().for_each(|(o, out)| {
                let i = (o / stride) % n;
                let (lo, hi) = (i.saturating_sub(radius), (i + radius).min(n - 1));
                let base = o - i * stride;
                *out = (lo..=hi).map(|j| src[base + j * stride]).fold(f32::MIN, f32::max);
            });
        }
        self.data.par_iter_mut().zip(peak.par_iter()).for_each(|(v, p)| *v /= p.max(floor.max(1e-6)));
    }

    #[inline]
    fn world(&self, p: [f32; 3]) -> [f32; 3] {
        [0, 1, 2].map(|a| self.origin[a] + p[a] * self.spacing[a])
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::nets::SLAB;
    use super::*;
    use crate::engine::Grid;

    /// Distance-to-centre field so the level is a radius: inside = value >= -r.
    fn sphere(n: usize, voxel: f32) -> (Field, Vec3) {
        let g = Grid::new([n; 3], [voxel; 3], [-10.0, 5.0, 2.0]);
        let centre = Vec3::new(-10.0, 5.0, 2.0) + Vec3::splat((n as f32 - 1.0) * 0.5 * voxel);
        let mut vol = Volume::<f32>::zeros(g);
        for o in 0..g.len() {
            let [i, j, k] = g.ijk(o);
            let p = g.index_to_world([i as f64, j as f64, k as f64]).as_vec3();
            vol.data[o] = -p.distance(centre);
        }
        (Field::from_volume(&vol, Sampling::default(), |v| v), centre)
    }

    #[test]
    fn sphere_vertices_lie_on_the_radius() {
        let (f, c) = sphere(40, 0.5);
        let m = extract(&f, -7.0);
        assert!(m.triangles() > 1000);
        for p in &m.positions {
            let d = Vec3::from(*p).distance(c);
            assert!((d - 7.0).abs() < 0.25 * 0.5 + 0.05, "vertex at {d}");
        }
    }

    #[test]
    fn normals_point_out_and_agree_with_winding() {
        let (f, c) = sphere(32, 1.0);
        let m = extract(&f, -9.0);
        for (p, n) in m.positions.iter().zip(&m.normals) {
            assert!(Vec3::from(*n).dot(Vec3::from(*p) - c) > 0.0);
        }
        for t in m.indices.chunks_exact(3) {
            let [a, b, cc] = [t[0], t[1], t[2]].map(|i| Vec3::from(m.positions[i as usize]));
            let face = (b - a).cross(cc - a);
            let n: Vec3 = [t[0], t[1], t[2]].iter().map(|&i| Vec3::from(m.normals[i as usize])).sum();
            assert!(face.dot(n) > 0.0, "winding disagrees with normals");
        }
    }

    #[test]
    fn surface_is_closed() {
        let (f, _) = sphere(24, 1.0);
        let m = extract(&f, -6.5);
        let mut edges = std::collections::HashMap::new();
        for t in m.indices.chunks_exact(3) {
            for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                *edges.entry((a.min(b), a.max(b))).or_insert(0) += 1;
            }
        }
        assert!(edges.values().all(|&n| n == 2), "every edge is shared by exactly two triangles");
    }

    #[test]
    fn level_changes_the_count_and_serial_matches() {
        let (f, _) = sphere(32, 1.0);
        let (small, big) = (extract(&f, -4.0), extract(&f, -12.0));
        assert!(big.triangles() > 4 * small.triangles());
        let s = extract_serial(&f, -12.0);
        assert_eq!((s.positions, s.indices), (big.positions, big.indices));
    }

    #[test]
    fn bad_input_gives_an_empty_mesh() {
        let f = Field { data: vec![1.0; 5], dims: [3, 3, 3], ..Default::default() };
        assert!(extract(&f, 0.0).is_empty());
        let (f, _) = sphere(8, 1.0);
        assert!(extract(&f, f32::NAN).is_empty());
        let mut nan = f.clone();
        nan.data[100] = f32::NAN;
        let _ = extract(&nan, -2.0);
    }

    #[test]
    fn cancelled_extraction_stops_inside_and_returns_nothing() {
        let (f, _) = sphere(64, 0.5);
        let flag = AtomicBool::new(true);
        assert!(extract_cancellable(&f, -7.0, &flag).is_none());
        // A cancel that arrives after the first slab has started is honoured: the flag is
        // read per slab, not only before and after the extraction.
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let after_first = || asked.fetch_add(1, Ordering::Relaxed) >= 1;
        assert!(extract_with(&f, -7.0, false, &after_first).is_none());
        let slabs = 63usize.div_ceil(SLAB);
        assert!(asked.load(Ordering::Relaxed) >= slabs, "asked once per slab at least");
        let clear = AtomicBool::new(false);
        assert_eq!(extract_cancellable(&f, -7.0, &clear).unwrap().indices, extract(&f, -7.0).indices);
    }

    #[test]
    fn smoothing_a_voxel_cube_gives_a_rounded_surface_of_about_the_same_size() {
        let g = Grid::new([24; 3], [1.0; 3], [0.0; 3]);
        let mut vol = Volume::<f32>::zeros(g);
        for o in 0..g.len() {
            let [i, j, k] = g.ijk(o);
            vol.data[o] = [i, j, k].iter().all(|&v| (6..18).contains(&v)) as u8 as f32;
        }
        let mut f = Field::from_volume(&vol, Sampling::default(), |v| v);
        let total: f32 = f.data.iter().sum();
        f.smooth(1.0);
        assert!((f.data.iter().sum::<f32>() - total).abs() < 1e-2 * total, "blur keeps the mass");
        let m = extract(&f, 0.5);
        let centre = Vec3::splat(11.5);
        // Face centres stay near the voxel faces (5.5 Å from the centre); corners round off.
        let (mut near_face, mut far) = (0.0f32, 0.0f32);
        for p in &m.positions {
            let d = Vec3::from(*p) - centre;
            far = far.max(d.length());
            if d.y.abs() < 1.0 && d.z.abs() < 1.0 {
                near_face = near_face.max(d.x.abs());
            }
        }
        assert!((near_face - 6.0).abs() < 0.6, "face at {near_face}");
        assert!(far < 6.0 * 3f32.sqrt() - 1.0, "corners rounded: farthest vertex {far}");
    }

    #[test]
    fn a_lone_voxel_keeps_a_small_blob_after_smoothing_and_normalising() {
        let g = Grid::new([12; 3], [1.0; 3], [0.0; 3]);
        let mut vol = Volume::<f32>::zeros(g);
        vol.data[g.offset([6, 6, 6])] = 1.0;
        let mut f = Field::from_volume(&vol, Sampling::default(), |v| v);
        f.smooth(1.0);
        assert!(extract(&f, 0.5).is_empty(), "plain blur loses it");
        f.normalise_local_max(2, 0.01);
        let m = extract(&f, 0.5);
        assert!(!m.is_empty());
        let size = m.positions.iter().map(|p| Vec3::from(*p).distance(Vec3::splat(6.0))).fold(0.0, f32::max);
        assert!(size > 0.4 && size < 2.0, "blob radius {size}");
    }

    #[test]
    fn step_zone_and_auto_step() {
        assert_eq!(auto_step([256; 3]), 1);
        assert_eq!(auto_step([400; 3]), 2);
        assert_eq!(auto_step([1000; 3]), 4);
        let g = Grid::new([20; 3], [1.0; 3], [0.0; 3]);
        let vol = Volume { grid: g, data: vec![1.0f32; g.len()] };
        let mut f = Field::from_volume(&vol, Sampling { step: 2, region: Some(([2, 2, 2], [12, 20, 20])) }, |v| v);
        assert_eq!(f.dims, [5, 9, 9]);
        assert_eq!(f.origin, [2.0; 3]);
        f.zone(&[Vec3::splat(6.0)], 2.5, 0.0);
        assert_eq!(f.data.iter().filter(|v| **v > 0.5).count(), 7);
    }

    #[test]
    fn a_big_surface_gets_a_coarse_copy_at_twice_the_step_a_small_one_none() {
        let g = Grid::new([72; 3], [1.0; 3], [0.0; 3]);
        let centre = Vec3::splat(35.5);
        let mut vol = Volume::<f32>::zeros(g);
        for o in 0..g.len() {
            let [i, j, k] = g.ijk(o);
            vol.data[o] = -Vec3::new(i as f32, j as f32, k as f32).distance(centre);
        }
        let field = |s: Sampling| Field::from_volume(&vol, s, |v| v);
        let keep = AtomicBool::new(false);
        let big = extract_lod(field, Sampling::default(), -30.0, &keep).expect("not cancelled");
        let coarse = big.coarse.expect("a coarse copy of a 20,000-triangle sphere");
        assert!(big.full.triangles() > COARSE_ABOVE);
        // A quarter of the triangles, give or take the rounding of the cells.
        let ratio = coarse.triangles() as f64 / big.full.triangles() as f64;
        assert!((0.2..0.3).contains(&ratio), "{ratio}");
        // The same sphere: every coarse vertex within a voxel of the radius.
        assert!(coarse.positions.iter().all(|p| (Vec3::from(*p).distance(centre) - 30.0).abs() < 1.0));
        let small = extract_lod(field, Sampling::default(), -8.0, &keep).expect("not cancelled");
        assert!(small.coarse.is_none() && small.full.triangles() > 0);
        assert!(extract_lod(field, Sampling::default(), -30.0, &AtomicBool::new(true)).is_none());
    }
}
