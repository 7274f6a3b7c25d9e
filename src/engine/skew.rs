//! Maps whose cell is not orthogonal (crystallographic maps such as EMD-3001, beta 94.3°).
//!
//! Label voxels must be boxes in space, so such a map is resampled onto an orthogonal grid
//! the moment it is read (mapio::read_map): every command and the viewer then see an ordinary
//! `Grid`. The stored lattice is kept beside it for `info` and for `resample`, which
//! interpolates from the stored values directly instead of resampling twice.
//!
//! This module is the skewed counterpart of `Grid`: the only place a skewed lattice index
//! becomes a world coordinate or back. Axes follow the PDB/ChimeraX convention (`skew_axes` in
//! ChimeraX's griddata.py, gemmi's `UnitCell::orth`): a along x, b in the xy plane, c completing
//! a right-handed cell.

use glam::{DMat3, DVec3};
use rayon::prelude::*;

use super::grid::{Grid, Volume};

/// A regular lattice along the three (not perpendicular) cell axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkewedGrid {
    /// Points along a, b, c (x, y, z after the MAPC/MAPR/MAPS permutation).
    pub shape: [usize; 3],
    /// Step along each cell axis, Å (cell length / sampling).
    pub step: [f64; 3],
    /// Cell angles alpha, beta, gamma in degrees.
    pub angles: [f64; 3],
    /// World position (Å) of lattice point (0, 0, 0).
    pub origin: DVec3,
}

/// Whether cell angles describe an orthogonal cell (0 means "not set" in old headers).
pub fn is_orthogonal(angles: [f32; 3]) -> bool {
    angles.iter().all(|&a| (a - 90.0).abs() < 0.01 || a == 0.0)
}

/// Unit vectors of the cell axes (columns), or None when the angles describe no cell.
pub fn cell_axes(angles_deg: [f64; 3]) -> Option<DMat3> {
    if angles_deg.iter().any(|a| !(a.is_finite() && *a > 0.0 && *a < 180.0)) {
        return None;
    }
    let [ca, cb, cg] = angles_deg.map(|a| a.to_radians().cos());
    let sg = angles_deg[2].to_radians().sin();
    let c1 = (ca - cb * cg) / sg;
    let c2sq = 1.0 - cb * cb - c1 * c1;
    if c2sq <= 1e-6 {
        return None;
    }
    Some(DMat3::from_cols(DVec3::X, DVec3::new(cg, sg, 0.0), DVec3::new(cb, c1, c2sq.sqrt())))
}

impl SkewedGrid {
    /// Lattice step vectors (Å) as matrix columns: world = origin + M ijk.
    fn matrix(&self) -> DMat3 {
        let axes = cell_axes(self.angles).unwrap_or(DMat3::IDENTITY);
        DMat3::from_cols(axes.x_axis * self.step[0], axes.y_axis * self.step[1], axes.z_axis * self.step[2])
    }

    /// The position of lattice point `ijk` given in the cell's own units (fractional lattice
    /// indices, e.g. NSTART) relative to the cell origin: M ijk.
    pub fn skew(&self, ijk: [f64; 3]) -> DVec3 {
        self.matrix() * DVec3::from_array(ijk)
    }

    /// World position (Å) of lattice point `ijk` (fractional indices allowed).
    pub fn index_to_world(&self, ijk: [f64; 3]) -> DVec3 {
        self.origin + self.skew(ijk)
    }

    /// Fractional lattice index of a world position.
    pub fn world_to_fractional(&self, p: DVec3) -> [f64; 3] {
        (self.matrix().inverse() * (p - self.origin)).to_array()
    }

    /// World-space bounding box of the lattice points: (min, max) over the 8 corners.
    pub fn bounds(&self) -> (DVec3, DVec3) {
        let last = self.shape.map(|n| n.max(1) as f64 - 1.0);
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        for c in 0..8 {
            let ijk = [0, 1, 2].map(|a| if c >> a & 1 == 1 { last[a] } else { 0.0 });
            let p = self.index_to_world(ijk);
            lo = lo.min(p);
            hi = hi.max(p);
        }
        (lo, hi)
    }

    /// The orthogonal grid a skewed map is resampled onto. ChimeraX's `volume resample` takes
    /// the target grid as given (`onGrid`) and gemmi never builds one (it interpolates in
    /// fractional coordinates over the periodic cell), so this is our choice: the bounding box
    /// of the lattice points, cubic voxels of `spacing` Å, default the smallest lattice step
    /// so no detail is lost; voxel 0 at the box's low corner and n = floor(span / spacing) + 1,
    /// so the grid stays inside the box (the `standard_grid` rule).
    pub fn orthogonal_grid(&self, spacing: Option<f32>) -> Grid {
        let s = spacing.map(f64::from).unwrap_or_else(|| self.step.iter().copied().fold(f64::INFINITY, f64::min));
        let (lo, hi) = self.bounds();
        let span = (hi - lo).to_array();
        // saturating: a hostile header's steps must be refused by the memory check, not overflow
        let shape = span.map(|d| ((d / s + 1e-6).floor() as usize).saturating_add(1));
        Grid::new(shape, [s as f32; 3], lo.as_vec3().to_array())
    }
}

/// Values on a skewed lattice, a fastest (x-fastest after permutation), as read.
#[derive(Clone, Debug)]
pub struct SkewedVolume {
    pub grid: SkewedGrid,
    pub data: Vec<f32>,
}

impl SkewedVolume {
    /// Trilinear interpolation in the skewed lattice at every point of `target` (ChimeraX
    /// `volume resample onGrid`): each point is converted to fractional lattice indices and
    /// interpolated from the 8 lattice points around it; a point outside the lattice gets 0.
    /// A point on the last plane (within 1e-6 of an index) counts as inside, so a field linear
    /// in space comes through exactly wherever the lattice covers it.
    pub fn resample_onto(&self, target: &Grid) -> Volume<f32> {
        let g = &self.grid;
        let n = g.shape;
        let inv = g.matrix().inverse();
        let [tx, ty, _] = target.shape;
        let mut data = vec![0.0f32; target.len()];
        // where a fractional index f on an axis of n points falls: (floor, weight), or outside
        let cell = |f: f64, n: usize| -> Option<(usize, f64)> {
            let last = n as f64 - 1.0;
            if n < 2 || f < -1e-6 || f > last + 1e-6 {
                return None;
            }
            let f = f.clamp(0.0, last);
            let i = (f.floor() as usize).min(n - 2);
            Some((i, f - i as f64))
        };
        data.par_chunks_mut(tx * ty).enumerate().for_each(|(k, slab)| {
            for j in 0..ty {
                let row0 = target.index_to_world([0.0, j as f64, k as f64]) - g.origin;
                let f0 = inv * row0;
                let df = inv * DVec3::new(target.voxel[0] as f64, 0.0, 0.0);
                for i in 0..tx {
                    let f = f0 + df * i as f64;
                    let (Some((x0, wx)), Some((y0, wy)), Some((z0, wz))) =
                        (cell(f.x, n[0]), cell(f.y, n[1]), cell(f.z, n[2]))
                    else {
                        continue;
                    };
                    slab[i + j * tx] = self.trilinear([x0, y0, z0], [wx, wy, wz]);
                }
            }
        });
        Volume { grid: *target, data }
    }

    #[inline]
    fn trilinear(&self, [x, y, z]: [usize; 3], [wx, wy, wz]: [f64; 3]) -> f32 {
        let [nx, ny, _] = self.grid.shape;
        let o = x + nx * (y + ny * z);
        let d = |off: usize| self.data[o + off] as f64;
        let (sy, sz) = (nx, nx * ny);
        let lx = |b: usize| d(b) * (1.0 - wx) + d(b + 1) * wx;
        let c0 = lx(0) * (1.0 - wy) + lx(sy) * wy;
        let c1 = lx(sz) * (1.0 - wy) + lx(sz + sy) * wy;
        (c0 * (1.0 - wz) + c1 * wz) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monoclinic() -> SkewedGrid {
        SkewedGrid {
            shape: [9, 7, 8],
            step: [0.45, 0.39, 0.46],
            angles: [90.0, 94.3, 90.0],
            origin: DVec3::new(1.0, -2.0, 3.0),
        }
    }

    #[test]
    fn axes_follow_the_pdb_convention() {
        let m = cell_axes([90.0, 94.3, 90.0]).unwrap();
        let b = 94.3f64.to_radians();
        assert!((m.z_axis - DVec3::new(b.cos(), 0.0, b.sin())).length() < 1e-12);
        assert!(cell_axes([90.0; 3]).unwrap().abs_diff_eq(DMat3::IDENTITY, 1e-12));
        assert!(cell_axes([120.0, 120.0, 120.0]).is_none(), "three 120° angles enclose no volume");
        assert!(cell_axes([90.0, 0.0, 90.0]).is_none());
        let g = monoclinic();
        let p = DVec3::new(2.5, 1.0, -0.3);
        let back = g.index_to_world(g.world_to_fractional(p));
        assert!((back - p).length() < 1e-12);
    }

    #[test]
    fn linear_field_comes_through_exactly() {
        let g = monoclinic();
        let f = |p: DVec3| 0.7 * p.x - 1.3 * p.y + 2.1 * p.z + 5.0;
        let mut data = Vec::new();
        for k in 0..g.shape[2] {
            for j in 0..g.shape[1] {
                for i in 0..g.shape[0] {
                    data.push(f(g.index_to_world([i as f64, j as f64, k as f64])) as f32);
                }
            }
        }
        let v = SkewedVolume { grid: g, data };
        let t = g.orthogonal_grid(None);
        assert_eq!(t.voxel, [0.39; 3]);
        let r = v.resample_onto(&t);
        let (mut inside, mut outside) = (0, 0);
        for o in 0..t.len() {
            let [i, j, k] = t.ijk(o);
            let p = t.index_to_world([i as f64, j as f64, k as f64]);
            let fr = g.world_to_fractional(p);
            let within = (0..3).all(|a| fr[a] >= 1e-6 && fr[a] <= g.shape[a] as f64 - 1.0 - 1e-6);
            if within {
                inside += 1;
                assert!((r.data[o] as f64 - f(p)).abs() < 1e-3, "{:?}: {} vs {}", [i, j, k], r.data[o], f(p));
            } else if (0..3).any(|a| fr[a] < -1e-3 || fr[a] > g.shape[a] as f64 - 1.0 + 1e-3) {
                outside += 1;
                assert_eq!(r.data[o], 0.0, "outside the lattice is 0");
            }
        }
        assert!(inside > t.len() / 2 && outside > 0, "{inside} inside, {outside} outside of {}", t.len());
    }
}
