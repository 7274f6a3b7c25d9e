//! Resampling between grids: trilinear for densities (ChimeraX `volume resample onGrid`),
//! nearest for label maps, which must never be blended.

use rayon::prelude::*;

use super::grid::{Grid, Volume};

/// Trilinear interpolation of `src` at every point of `target`, ChimeraX's rule: a target
/// point whose floor index is < 0 or >= n-1 on any source axis gets 0. Identical grids are
/// copied without interpolation.
pub fn resample_onto(src: &Volume<f32>, target: &Grid) -> Volume<f32> {
    // Same lattice up to float32 noise in the header (ORIGIN 162.74998 vs NSTART 155 x 1.05):
    // copy, as ChimeraX does for identical grids, instead of blending neighbours.
    if src.grid.same_lattice(target, 1e-4 * target.voxel[0].min(target.voxel[1]).min(target.voxel[2])) {
        return Volume { grid: *target, data: src.data.clone() };
    }
    let s = &src.grid;
    let [nx, ny, nz] = s.shape;
    let [tx, ty, _] = target.shape;
    let mut data = vec![0.0f32; target.len()];
    // Per-axis source coordinate of every target index: separable, computed once.
    let axis_coords = |a: usize| -> Vec<Option<(usize, f32)>> {
        (0..target.shape[a])
            .map(|i| {
                let w = target.origin[a] as f64 + i as f64 * target.voxel[a] as f64;
                let f = (w - s.origin[a] as f64) / s.voxel[a] as f64;
                let fl = f.floor();
                if fl < 0.0 || fl >= (s.shape[a] as f64 - 1.0) {
                    None
                } else {
                    Some((fl as usize, (f - fl) as f32))
                }
            })
            .collect()
    };
    let (cx, cy, cz) = (axis_coords(0), axis_coords(1), axis_coords(2));
    let _ = nz;
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
}
