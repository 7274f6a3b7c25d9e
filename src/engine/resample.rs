//! Resampling between grids: trilinear for densities (ChimeraX `volume resample onGrid`),
//! nearest for label maps, which must never be blended.

use rayon::prelude::*;

use super::grid::{Grid, HEADER_NOISE, Volume};

/// Trilinear interpolation of `src` at every point of `target`, ChimeraX's rule: a target
/// point whose floor index is < 0 or >= n-1 on any source axis gets 0. Identical grids are
/// copied without interpolation.
pub fn resample_onto(src: &Volume<f32>, target: &Grid) -> Volume<f32> {
    trilinear(src, target, false)
}

/// `src` on `target`, taking its data without a copy when the lattices are the same (as
/// `resample_onto` decides); the flag says whether it had to be resampled.
pub fn into_grid(src: Volume<f32>, target: &Grid) -> (Volume<f32>, bool) {
    if src.grid.same_lattice(target, HEADER_NOISE) {
        (Volume { grid: *target, data: src.data }, false)
    } else {
        (resample_onto(&src, target), true)
    }
}

/// The grid of a map resampled to `spacing` Å: voxel 0 stays where it was and the new grid
/// covers no more than the old one, n' = floor((n - 1) v / s) + 1 per axis. The placement is
/// written to the ORIGIN field (NSTART 0), which every reader honours.
pub fn standard_grid(grid: &Grid, spacing: f32) -> Grid {
    let shape = [0, 1, 2].map(|a| {
        let span = (grid.shape[a].max(1) - 1) as f64 * grid.voxel[a] as f64 / spacing as f64;
        // a hair of tolerance so 99 x 1.05 / 1.05 is 99, not 98.999...
        (span + 1e-6).floor() as usize + 1
    });
    Grid::new(shape, [spacing; 3], grid.origin)
}

/// Trilinear resampling to `spacing` Å on `standard_grid`. Every new point lies inside the old
/// box, so nothing is zeroed: a point exactly on the last plane is interpolated (ChimeraX
/// would return 0 there), which is what makes a linear field come through exactly.
pub fn resample_spacing(vol: &Volume<f32>, spacing: f32) -> Volume<f32> {
    trilinear(vol, &standard_grid(&vol.grid, spacing), true)
}

/// Nearest-voxel resampling for label maps, which must never be blended: ChimeraX's nearest
/// rule (round up from .5); points farther than half a voxel outside the source get 0.
pub fn resample_nearest<T: Copy + Default + Send + Sync>(src: &Volume<T>, target: &Grid) -> Volume<T> {
    let s = &src.grid;
    let axis = |a: usize| -> Vec<Option<usize>> {
        (0..target.shape[a])
            .map(|i| {
                let w = target.origin[a] as f64 + i as f64 * target.voxel[a] as f64;
                let f = (w - s.origin[a] as f64) / s.voxel[a] as f64;
                let fl = f.floor();
                let r = if f - fl >= 0.5 { fl + 1.0 } else { fl };
                (r >= 0.0 && r < s.shape[a] as f64).then_some(r as usize)
            })
            .collect()
    };
    let (cx, cy, cz) = (axis(0), axis(1), axis(2));
    let [nx, ny, _] = s.shape;
    let [tx, ty, _] = target.shape;
    let mut data = vec![T::default(); target.len()];
    data.par_chunks_mut(tx * ty).enumerate().for_each(|(k, slab)| {
        let Some(z) = cz[k] else { return };
        for j in 0..ty {
            let Some(y) = cy[j] else { continue };
            for i in 0..tx {
                if let Some(x) = cx[i] {
                    slab[i + j * tx] = src.data[x + nx * (y + ny * z)];
                }
            }
        }
    });
    Volume { grid: *target, data }
}

/// Trilinear interpolation; `last_plane_inside` accepts a point exactly on the source's last
/// plane (ChimeraX does not).
fn trilinear(src: &Volume<f32>, target: &Grid, last_plane_inside: bool) -> Volume<f32> {
    // Same lattice up to float32 noise in the header: copy, as ChimeraX does for identical
    // grids, instead of blending neighbours.
    if src.grid.same_lattice(target, HEADER_NOISE) {
        return Volume { grid: *target, data: src.data.clone() };
    }
    let s = &src.grid;
    let [nx, ny, _] = s.shape;
    let [tx, ty, _] = target.shape;
    let mut data = vec![0.0f32; target.len()];
    // Per-axis source coordinate of every target index: separable, computed once.
    let axis_coords = |a: usize| -> Vec<Option<(usize, f32)>> {
        (0..target.shape[a])
            .map(|i| {
                let w = target.origin[a] as f64 + i as f64 * target.voxel[a] as f64;
                let f = (w - s.origin[a] as f64) / s.voxel[a] as f64;
                let fl = f.floor();
                let last = s.shape[a] as f64 - 1.0;
                if last_plane_inside && s.shape[a] >= 2 && (f - last).abs() < 1e-9 {
                    Some((last as usize - 1, 1.0))
                } else if fl < 0.0 || fl >= last {
                    None
                } else {
                    Some((fl as usize, (f - fl) as f32))
                }
            })
            .collect()
    };
    let (cx, cy, cz) = (axis_coords(0), axis_coords(1), axis_coords(2));
    data.par_chunks_mut(tx * ty).enumerate().for_each(|(k, slab)| {
        let Some((z0, fz)) = cz[k] else { return };
        for j in 0..ty {
            let Some((y0, fy)) = cy[j] else { continue };
            for i in 0..tx {
                let Some((x0, fx)) = cx[i] else { continue };
                let o = x0 + nx * (y0 + ny * z0);
                let d = &src.data;
                let (sx, sy) = (1, nx);
                let sz = nx * ny;
                let c00 = d[o] * (1.0 - fx) + d[o + sx] * fx;
                let c10 = d[o + sy] * (1.0 - fx) + d[o + sy + sx] * fx;
                let c01 = d[o + sz] * (1.0 - fx) + d[o + sz + sx] * fx;
                let c11 = d[o + sz + sy] * (1.0 - fx) + d[o + sz + sy + sx] * fx;
                let c0 = c00 * (1.0 - fy) + c10 * fy;
                let c1 = c01 * (1.0 - fy) + c11 * fy;
                slab[i + j * tx] = c0 * (1.0 - fz) + c1 * fz;
            }
        }
    });
    Volume { grid: *target, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_field_comes_through_inside() {
        let g = Grid::new([10, 10, 10], [2.0; 3], [0.0; 3]);
        let mut v = Volume::<f32>::zeros(g);
        for o in 0..g.len() {
            let [i, j, k] = g.ijk(o);
            v.data[o] = (2 * i + 3 * j + k) as f32;
        }
        let t = Grid::new([20, 20, 20], [1.0; 3], [0.5; 3]);
        let r = resample_onto(&v, &t);
        let at = |i: usize, j: usize, k: usize| r.data[t.offset([i, j, k])];
        // world x = 0.5 + i -> source index (0.5 + i)/2
        assert!((at(3, 2, 1) - (2.0 * 1.75 + 3.0 * 1.25 + 0.75)).abs() < 1e-4);
        assert_eq!(at(19, 0, 0), 0.0, "beyond the last source plane is outside");
        assert!(at(17, 0, 0) > 0.0);
    }

    #[test]
    fn linear_field_survives_resample_spacing_exactly() {
        let mut g = Grid::new([12, 10, 9], [1.05; 3], [3.15, -2.1, 10.5]);
        g.header_origin = g.origin;
        let mut v = Volume::<f32>::zeros(g);
        let f = |p: glam::DVec3| (0.5 * p.x - 1.5 * p.y + 2.0 * p.z + 7.0) as f32;
        for o in 0..g.len() {
            let [i, j, k] = g.ijk(o);
            v.data[o] = f(g.index_to_world([i as f64, j as f64, k as f64]));
        }
        let r = resample_spacing(&v, 1.0);
        // n' = floor((n-1) 1.05 / 1) + 1
        assert_eq!(r.grid.shape, [12, 10, 9]);
        assert_eq!(r.grid.origin, g.origin);
        let s = standard_grid(&Grid::new([100; 3], [1.05; 3], [0.0; 3]), 1.0);
        assert_eq!(s.shape, [104; 3]);
        assert_eq!(standard_grid(&g, 1.05).shape, g.shape);
        for o in 0..r.grid.len() {
            let [i, j, k] = r.grid.ijk(o);
            let want = f(r.grid.index_to_world([i as f64, j as f64, k as f64]));
            assert!((r.data[o] - want).abs() < 1e-3, "{:?}: {} vs {want}", [i, j, k], r.data[o]);
        }
    }

    #[test]
    fn nearest_never_blends() {
        let g = Grid::new([4, 1, 1], [1.0; 3], [0.0; 3]);
        let v = Volume { grid: g, data: vec![0i16, 1, 2, 1] };
        let t = Grid::new([8, 1, 1], [0.5; 3], [0.0; 3]);
        let r = resample_nearest(&v, &t);
        assert_eq!(r.data, vec![0, 1, 1, 2, 2, 1, 1, 0]);
    }
}
