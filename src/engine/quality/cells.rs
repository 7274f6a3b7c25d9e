//! A cell list (uniform spatial hash) over atom positions: neighbour queries in a few Å cost
//! a handful of cells instead of a scan of every atom.
//!
//! Written here rather than taken from a k-d tree crate: every query is a fixed small radius
//! (probe rejection, 3 Å blob distance), where a counting-sorted grid is both simpler and
//! faster than a tree, and it needs no allocation per query.

use glam::Vec3;

pub struct Cells {
    lo: Vec3,
    size: f32,
    dims: [usize; 3],
    /// `start[c]..start[c + 1]` are the positions of cell `c` in `items`.
    start: Vec<u32>,
    items: Vec<u32>,
    points: Vec<Vec3>,
}

impl Cells {
    /// Cells of edge `size` Å (larger when the points spread so far that the grid would hold
    /// more than a few cells per point, e.g. an assembly of widely separated copies).
    pub fn new(points: &[Vec3], size: f32) -> Cells {
        let (mut lo, mut hi) = (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY));
        for p in points.iter().filter(|p| p.is_finite()) {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
        if lo.x > hi.x {
            lo = Vec3::ZERO;
            hi = Vec3::ZERO;
        }
        let ext = (hi - lo).max(Vec3::splat(1e-3));
        let budget = (4 * points.len()).max(64) as f32;
        let size = size.max((ext.x * ext.y * ext.z / budget).cbrt()).max(1e-3);
        let dims = [0, 1, 2].map(|a| (ext[a] / size) as usize + 1);
        let n_cells = dims[0] * dims[1] * dims[2];
        let mut cells =
            Cells { lo, size, dims, start: vec![0; n_cells + 1], items: Vec::new(), points: points.to_vec() };
        let ids: Vec<usize> = points.iter().map(|p| cells.cell_index(*p)).collect();
        for &c in &ids {
            if c < n_cells {
                cells.start[c + 1] += 1;
            }
        }
        for c in 0..n_cells {
            cells.start[c + 1] += cells.start[c];
        }
        let mut fill = cells.start.clone();
        cells.items = vec![0; cells.start[n_cells] as usize];
        for (i, &c) in ids.iter().enumerate() {
            if c < n_cells {
                cells.items[fill[c] as usize] = i as u32;
                fill[c] += 1;
            }
        }
        cells
    }

    /// Cell of a point (clamped into the grid; `usize::MAX` for a non-finite point).
    fn cell_index(&self, p: Vec3) -> usize {
        if !p.is_finite() {
            return usize::MAX;
        }
        let c = self.cell_of(p);
        let c = [0, 1, 2].map(|a| c[a].clamp(0, self.dims[a] as i64 - 1) as usize);
        c[0] + self.dims[0] * (c[1] + self.dims[1] * c[2])
    }

    fn cell_of(&self, p: Vec3) -> [i64; 3] {
        let f = (p - self.lo) / self.size;
        [f.x.floor() as i64, f.y.floor() as i64, f.z.floor() as i64]
    }

    pub fn point(&self, i: u32) -> Vec3 {
        self.points[i as usize]
    }

    /// Call `f(index, squared distance)` for every point strictly within `r` of `p`.
    pub fn for_each_within(&self, p: Vec3, r: f32, mut f: impl FnMut(u32, f32)) {
        let r2 = r * r;
        let lo = self.cell_of(p - Vec3::splat(r));
        let hi = self.cell_of(p + Vec3::splat(r));
        let clip = |a: usize| (lo[a].max(0), hi[a].min(self.dims[a] as i64 - 1));
        let ((x0, x1), (y0, y1), (z0, z1)) = (clip(0), clip(1), clip(2));
        for z in z0..=z1 {
            for y in y0..=y1 {
                let row = self.dims[0] * (y as usize + self.dims[1] * z as usize);
                if x0 > x1 {
                    continue;
                }
                let (a, b) = (self.start[row + x0 as usize], self.start[row + x1 as usize + 1]);
                for &i in &self.items[a as usize..b as usize] {
                    let d2 = (self.points[i as usize] - p).length_squared();
                    if d2 < r2 {
                        f(i, d2);
                    }
                }
            }
        }
    }

    /// The nearest point and its distance (Å); None when there are no points.
    pub fn nearest(&self, p: Vec3) -> Option<(u32, f32)> {
        if self.items.is_empty() {
            return None;
        }
        let mut r = 2.0 * self.size;
        loop {
            let mut best: Option<(u32, f32)> = None;
            self.for_each_within(p, r, |i, d2| {
                if best.is_none_or(|(_, b)| d2 < b) {
                    best = Some((i, d2));
                }
            });
            if let Some((i, d2)) = best {
                return Some((i, d2.sqrt()));
            }
            r *= 2.0;
            if !r.is_finite() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_and_nearest_match_brute_force() {
        let mut s = 12345u64;
        let mut rnd = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 24) as f32
        };
        let pts: Vec<Vec3> = (0..500).map(|_| Vec3::new(rnd(), rnd(), rnd()) * 30.0).collect();
        let cells = Cells::new(&pts, 2.0);
        for _ in 0..50 {
            let q = Vec3::new(rnd(), rnd(), rnd()) * 40.0 - Vec3::splat(5.0);
            let mut got = Vec::new();
            cells.for_each_within(q, 3.5, |i, _| got.push(i));
            got.sort();
            let want: Vec<u32> = (0..pts.len() as u32).filter(|&i| pts[i as usize].distance(q) < 3.5).collect();
            assert_eq!(got, want);
            let (_, d) = cells.nearest(q).unwrap();
            let best = pts.iter().map(|p| p.distance(q)).fold(f32::INFINITY, f32::min);
            assert!((d - best).abs() < 1e-4, "{d} vs {best}");
        }
    }
}
