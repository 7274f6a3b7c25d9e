//! pdb2vol's lattice as its non-zero voxels, its convolution with the kernel slab by slab, and
//! where the slabs go: the simulation's own grid (`simulate`), or straight onto a map's grid
//! that shares its lattice (`simulate_on`), which skips a grid-sized own-grid buffer and the
//! copy from it. The sums are the same in both, so the values are the same bit for bit.

use rayon::prelude::*;

use super::Plan;
use crate::engine::grid::{Grid, Volume};

/// pdb2vol's lattice (x fastest) as its non-zero voxels: (x, y, value) per z-plane, each plane
/// in (y, x) order, the order a scan of the dense lattice meets them. A dense float64 lattice
/// over the model's box is 27 MB for a 35,744-atom model of which 6% is ever written; zeroing
/// and scanning it was a fifth of `simulate`.
pub(crate) struct Lattice {
    pub planes: Vec<Vec<(usize, usize, f64)>>,
    n2: [usize; 3],
}

impl Lattice {
    /// The voxels' sums of contributions (offset, value) bucketed by plane: plane z's are
    /// `by_z[start[z]..start[z + 1]]`, in atom order (`plan` puts them there as it projects).
    /// Each voxel's are added in that order, starting from 0.0: the additions of the dense
    /// `lattice[o] += t`, so the same bits. Voxels that sum to zero are left out, as the dense
    /// scan skipped them.
    pub(super) fn of_planes(n2: [usize; 3], start: &[usize], by_z: &[(usize, f64)]) -> Lattice {
        let plane = n2[0] * n2[1];
        // each plane summed in a dense plane-sized buffer, reused across planes (no sort, no
        // fresh memory), then scanned in (y, x) order over the span its contributions touched
        let planes = start
            .par_windows(2)
            .map_init(
                || vec![0f64; plane],
                |acc, w| {
                    let cs = &by_z[w[0]..w[1]];
                    let (mut lo, mut hi) = (plane, 0);
                    for &(o, t) in cs {
                        let i = o % plane;
                        acc[i] += t;
                        (lo, hi) = (lo.min(i), hi.max(i + 1));
                    }
                    // compacted without a branch per voxel (whether a voxel is zero is not
                    // predictable in the model's core): every voxel is written at `k`, which
                    // moves on only past non-zero ones; at most one per contribution
                    let mut out = vec![(0usize, 0usize, 0f64); cs.len() + 1];
                    let mut k = 0;
                    let nx = n2[0];
                    for y in lo / nx..hi.div_ceil(nx) {
                        for (x, v) in acc[y * nx..(y + 1) * nx].iter_mut().enumerate() {
                            out[k] = (x, y, *v);
                            k += (*v != 0.0) as usize;
                            *v = 0.0;
                        }
                    }
                    out.truncate(k);
                    out
                },
            )
            .collect();
        Lattice { planes, n2 }
    }

    /// The dense lattice (the bare projection without a kernel, and the naive baseline).
    pub fn dense(&self) -> Vec<f64> {
        let [nx, ny, _] = self.n2;
        let mut d = vec![0f64; nx * ny * self.n2[2]];
        for (z, pl) in self.planes.iter().enumerate() {
            for &(x, y, v) in pl {
                d[x + nx * (y + ny * z)] = v;
            }
        }
        d
    }
}

/// What one output z-slab needs: the kernel's non-zero entries grouped by z, as runs along x
/// (first x, y, values), and the lattice's non-zero voxels per plane as (x, y, value).
///
/// One lattice voxel's products land on distinct output voxels, so the order in which its
/// kernel entries are visited changes no sum: only the order of lattice voxels does (kept).
/// Runs make the inner loop a contiguous multiply-add the compiler vectorizes.
pub(super) struct Conv<'a> {
    plan: &'a Plan,
    groups: Vec<Vec<(usize, usize, Vec<f64>)>>,
    sparse: &'a [Vec<(usize, usize, f64)>],
    /// Own output grid shape (the lattice grown by the kernel's half-width).
    pub n3: [usize; 3],
}

impl<'a> Conv<'a> {
    pub fn new(plan: &'a Plan, kernel: &[f64]) -> Self {
        let side = 2 * plan.exth + 1;
        let (n3, _) = plan.output_grid();
        // zeros left out (the sphere cut): runs end at them
        let groups = (0..side)
            .map(|z| {
                let mut g: Vec<(usize, usize, Vec<f64>)> = Vec::new();
                for y in 0..side {
                    let row = &kernel[side * (y + side * z)..side * (y + 1 + side * z)];
                    for (x, &v) in row.iter().enumerate() {
                        match g.last_mut() {
                            _ if v == 0.0 => {}
                            Some((x0, y0, vals)) if *y0 == y && *x0 + vals.len() == x => vals.push(v),
                            _ => g.push((x, y, vec![v])),
                        }
                    }
                }
                g
            })
            .collect();
        Conv { plan, groups, sparse: &plan.lattice.planes, n3 }
    }

    /// Own-grid slab `kz` into `acc` (n3[0] * n3[1] sums); false when no lattice voxel reaches it.
    fn slab(&self, kz: usize, acc: &mut [f64]) -> bool {
        let (n2, e, n3) = (self.plan.n2, self.plan.exth, self.n3);
        acc.iter_mut().for_each(|v| *v = 0.0);
        let mut any = false;
        // output z = lattice z + kernel z
        for lz in kz.saturating_sub(2 * e)..=kz.min(n2[2] - 1) {
            let g = &self.groups[kz - lz];
            for &(ix, iy, v) in &self.sparse[lz] {
                any = true;
                for (kx, ky, vals) in g {
                    let at = ix + kx + n3[0] * (iy + ky);
                    for (a, &k) in acc[at..at + vals.len()].iter_mut().zip(vals) {
                        *a += v * k;
                    }
                }
            }
        }
        any
    }

    /// The whole own grid, x fastest.
    pub fn own(&self) -> Vec<f32> {
        let n3 = self.n3;
        let slab = n3[0] * n3[1];
        let mut data = crate::engine::grid::zeroed::<f32>(slab * n3[2]);
        data.par_chunks_mut(slab).enumerate().for_each_init(
            || vec![0f64; slab],
            |acc, (kz, out)| {
                if self.slab(kz, acc) {
                    out.iter_mut().zip(acc.iter()).for_each(|(o, a)| *o = *a as f32);
                }
            },
        );
        data
    }

    /// Straight onto `target`, whose voxel (i, j, k) is own voxel (i, j, k) + `ov.off`: what
    /// `place` makes of [`Conv::own`], without the own grid in between.
    pub fn onto(&self, target: &Grid, ov: &Overlap) -> Volume<f32> {
        let mut out = ov.buffer(target);
        let slab = self.n3[0] * self.n3[1];
        let ([sx, sy, sz], off) = (ov.spans, ov.off);
        let [tx, ty, _] = target.shape;
        out.data.par_chunks_mut(tx * ty).enumerate().filter(|(k, _)| (sz.0..sz.1).contains(k)).for_each_init(
            || vec![0f64; slab],
            |acc, (k, t)| {
                if !self.slab((k as i64 + off[2]) as usize, acc) {
                    return;
                }
                for j in sy.0..sy.1 {
                    let from = (sx.0 as i64 + off[0]) as usize + self.n3[0] * (j as i64 + off[1]) as usize;
                    let row = &acc[from..from + sx.1 - sx.0];
                    t[j * tx + sx.0..j * tx + sx.1].iter_mut().zip(row).for_each(|(o, a)| *o = *a as f32);
                }
            },
        );
        out
    }
}

/// How a source grid lies on a target grid of the same lattice: target index t is source index
/// t + off, for t in spans[axis] (half-open; empty when they do not meet).
pub(super) struct Overlap {
    pub off: [i64; 3],
    pub spans: [(usize, usize); 3],
}

impl Overlap {
    /// None when the voxels differ or the origins are not a whole number of voxels apart.
    pub fn of(s: &Grid, target: &Grid) -> Option<Overlap> {
        let mut off = [0i64; 3];
        for k in 0..3 {
            if (s.voxel[k] - target.voxel[k]).abs() > 1e-5 * target.voxel[k] {
                return None;
            }
            let f = (target.origin[k] as f64 - s.origin[k] as f64) / s.voxel[k] as f64;
            if (f - f.round()).abs() > 1e-3 {
                return None;
            }
            off[k] = f.round() as i64;
        }
        let spans = [0, 1, 2].map(|k| {
            let t0 = (-off[k]).clamp(0, target.shape[k] as i64) as usize;
            let t1 = (s.shape[k] as i64 - off[k]).clamp(t0 as i64, target.shape[k] as i64) as usize;
            (t0, t1)
        });
        Some(Overlap { off, spans })
    }

    pub fn covered(&self) -> usize {
        self.spans.iter().map(|(a, b)| b - a).product()
    }

    /// The zeroed target. Huge pages only when the source fills at least half of it: a 2 MiB
    /// page is resident as a whole once touched, so a small model on a large map (526³) would
    /// hold twice the memory it writes.
    pub fn buffer(&self, target: &Grid) -> Volume<f32> {
        if 2 * self.covered() >= target.len() {
            Volume::zeros(*target)
        } else {
            Volume { grid: *target, data: vec![0.0; target.len()] }
        }
    }
}
