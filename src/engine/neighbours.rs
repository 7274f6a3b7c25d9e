//! Neighbour regions around atom voxels, computed in place on the classification grid
//! (class 1 = atom voxel, class 2 = neighbour) so no dense temporary is needed.
//!
//! Cube: three separable 1-D passes (a Chebyshev ball is a product of intervals), each a
//! forward/backward "distance to the last source voxel" scan, O(n) whatever the radius.
//! Each pass marks what it adds with its own value, so the next pass can tell sources from
//! its own additions without an extra sweep; `label` folds the marks into class 2 in the
//! same pass that fills the regression map.
//! Sphere: per z-plane, the x-interval of each atom's ball on every row, filled directly.

use glam::Vec3;
use rayon::prelude::*;

use super::grid::Grid;

pub const ATOM: i16 = 1;
pub const NEIGHBOUR: i16 = 2;
/// Marks of voxels added by the x and y passes; they mean NEIGHBOUR once dilation is done.
pub const MARK_X: i16 = 3;
pub const MARK_Y: i16 = 4;

/// Class value with the pass marks folded into NEIGHBOUR.
#[inline]
pub fn finished(v: i16) -> i16 {
    if v > NEIGHBOUR { NEIGHBOUR } else { v }
}

/// Mark every background voxel within Chebyshev distance `r` voxels of an atom voxel.
pub fn dilate_cube(class: &mut [i16], grid: &Grid, r: usize) {
    if r == 0 {
        return;
    }
    let [nx, ny, nz] = grid.shape;
    // x: contiguous rows (rows without an atom voxel are skipped)
    class.par_chunks_mut(nx).for_each(|row| {
        if row.iter().any(|&v| v != 0) {
            scan_line(row, nx, r, MARK_X)
        }
    });
    // y: within each z-slab, columns of stride nx; scan all x at once row by row
    class.par_chunks_mut(nx * ny).for_each(|slab| {
        if slab.iter().any(|&v| v != 0) {
            scan_planes(slab, nx, ny, r, MARK_Y)
        }
    });
    // z: rows of a y index across slabs; process x-runs of each y together, in parallel over y
    let plane = nx * ny;
    let ptr = SyncPtr(class.as_mut_ptr());
    (0..ny).into_par_iter().for_each(|y| {
        let p = &ptr;
        let mut last = vec![i64::MIN / 2; nx];
        // SAFETY: each task touches only rows with its own y, disjoint from other tasks.
        let row = |z: usize| unsafe { std::slice::from_raw_parts_mut(p.0.add(y * nx + z * plane), nx) };
        for z in 0..nz {
            let r_ = row(z);
            for x in 0..nx {
                let v = r_[x];
                if v != 0 && v != NEIGHBOUR {
                    last[x] = z as i64;
                } else if v == 0 && (z as i64 - last[x]) <= r as i64 {
                    r_[x] = NEIGHBOUR;
                }
            }
        }
        last.iter_mut().for_each(|l| *l = i64::MAX / 2);
        for z in (0..nz).rev() {
            let r_ = row(z);
            for x in 0..nx {
                let v = r_[x];
                if v != 0 && v != NEIGHBOUR {
                    last[x] = z as i64;
                } else if v == 0 && (last[x] - z as i64) <= r as i64 {
                    r_[x] = NEIGHBOUR;
                }
            }
        }
    });
}

struct SyncPtr(*mut i16);
unsafe impl Sync for SyncPtr {}
unsafe impl Send for SyncPtr {}

/// One row: mark background within `r` of a source voxel with `mark`.
fn scan_line(line: &mut [i16], n: usize, r: usize, mark: i16) {
    let mut last = i64::MIN / 2;
    for i in 0..n {
        let v = line[i];
        if v != 0 && v != mark {
            last = i as i64;
        } else if v == 0 && i as i64 - last <= r as i64 {
            line[i] = mark;
        }
    }
    let mut next = i64::MAX / 2;
    for i in (0..n).rev() {
        let v = line[i];
        if v != 0 && v != mark {
            next = i as i64;
        } else if v == 0 && next - i as i64 <= r as i64 {
            line[i] = mark;
        }
    }
}

/// The y pass inside one z-slab, row by row so memory is read contiguously.
fn scan_planes(slab: &mut [i16], nx: usize, ny: usize, r: usize, mark: i16) {
    let mut last = vec![i64::MIN / 2; nx];
    for y in 0..ny {
        let row = &mut slab[y * nx..(y + 1) * nx];
        for x in 0..nx {
            let v = row[x];
            if v != 0 && v != mark {
                last[x] = y as i64;
            } else if v == 0 && y as i64 - last[x] <= r as i64 {
                row[x] = mark;
            }
        }
    }
    last.iter_mut().for_each(|l| *l = i64::MAX / 2);
    for y in (0..ny).rev() {
        let row = &mut slab[y * nx..(y + 1) * nx];
        for x in 0..nx {
            let v = row[x];
            if v != 0 && v != mark {
                last[x] = y as i64;
            } else if v == 0 && last[x] - y as i64 <= r as i64 {
                row[x] = mark;
            }
        }
    }
}

/// Mark every background voxel whose centre lies within `radius` Å of one of `centres`.
pub fn fill_spheres(class: &mut [i16], grid: &Grid, centres: &[Vec3], radius: f32) {
    let [nx, ny, _] = grid.shape;
    let mut by_z: Vec<Vec3> = centres.to_vec();
    by_z.sort_by(|a, b| a.z.total_cmp(&b.z));
    let r2 = (radius as f64) * (radius as f64);
    let o = grid.origin.map(|v| v as f64);
    let v = grid.voxel.map(|v| v as f64);
    class.par_chunks_mut(nx * ny).enumerate().for_each(|(k, slab)| {
        let zw = o[2] + k as f64 * v[2];
        let lo = by_z.partition_point(|c| (c.z as f64) < zw - radius as f64);
        for c in &by_z[lo..] {
            let dz = zw - c.z as f64;
            if dz < -(radius as f64) {
                break;
            }
            let rem_z = r2 - dz * dz;
            if rem_z < 0.0 {
                continue;
            }
            let ry = rem_z.sqrt();
            let j0 = (((c.y as f64 - ry - o[1]) / v[1]).ceil()).max(0.0) as i64;
            let j1 = (((c.y as f64 + ry - o[1]) / v[1]).floor()).min(ny as f64 - 1.0) as i64;
            for j in j0..=j1 {
                let dy = o[1] + j as f64 * v[1] - c.y as f64;
                let rem = rem_z - dy * dy;
                if rem < 0.0 {
                    continue;
                }
                let rx = rem.sqrt();
                let i0 = (((c.x as f64 - rx - o[0]) / v[0]).ceil()).max(0.0) as i64;
                let i1 = (((c.x as f64 + rx - o[0]) / v[0]).floor()).min(nx as f64 - 1.0) as i64;
                if i0 > i1 {
                    continue;
                }
                let row = &mut slab[j as usize * nx..(j as usize + 1) * nx];
                for cell in &mut row[i0 as usize..=i1 as usize] {
                    if *cell == 0 {
                        *cell = NEIGHBOUR;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_cube(class: &[i16], g: &Grid, r: i64) -> Vec<i16> {
        let mut out = class.to_vec();
        for o in 0..g.len() {
            if class[o] != 0 {
                continue;
            }
            let [i, j, k] = g.ijk(o).map(|v| v as i64);
            'found: for dz in -r..=r {
                for dy in -r..=r {
                    for dx in -r..=r {
                        let p = [i + dx, j + dy, k + dz];
                        if let Some(q) = g.checked(p) {
                            if class[g.offset(q)] == ATOM {
                                out[o] = NEIGHBOUR;
                                break 'found;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn cube_matches_brute_force() {
        let g = Grid::new([17, 13, 11], [1.0; 3], [0.0; 3]);
        let mut class = vec![0i16; g.len()];
        for (n, o) in [5usize, 300, 1000, 2000, 2400].into_iter().enumerate() {
            class[o] = ATOM;
            let _ = n;
        }
        for r in [1, 2, 4] {
            let mut c = class.clone();
            dilate_cube(&mut c, &g, r);
            c.iter_mut().for_each(|v| *v = finished(*v));
            assert_eq!(c, brute_cube(&class, &g, r as i64), "r = {r}");
        }
    }

    #[test]
    fn sphere_matches_distance() {
        let g = Grid::new([20, 20, 20], [1.1; 3], [-3.0, 2.0, 0.5]);
        let centres = [Vec3::new(5.0, 10.0, 8.0), Vec3::new(12.3, 14.1, 3.0)];
        let mut c = vec![0i16; g.len()];
        fill_spheres(&mut c, &g, &centres, 3.5);
        for o in 0..g.len() {
            let w = g.index_to_world(g.ijk(o).map(|v| v as f64)).as_vec3();
            let inside = centres.iter().any(|a| a.distance(w) <= 3.5 - 1e-4);
            let outside = centres.iter().all(|a| a.distance(w) > 3.5 + 1e-4);
            if inside {
                assert_eq!(c[o], NEIGHBOUR);
            }
            if outside {
                assert_eq!(c[o], 0);
            }
        }
    }
}
