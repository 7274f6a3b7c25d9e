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

/// Inclusive voxel box of the non-zero voxels (None when there are none): the dilation only
/// needs to touch this box grown by the radius, often a fraction of an EMDB box.
pub fn occupied_box(class: &[i16], grid: &Grid) -> Option<([usize; 3], [usize; 3])> {
    let [nx, ny, _] = grid.shape;
    class
        .par_chunks(nx)
        .enumerate()
        .filter_map(|(row, v)| {
            let first = v.iter().position(|&c| c != 0)?;
            let last = v.iter().rposition(|&c| c != 0)?;
            let (y, z) = (row % ny, row / ny);
            Some(([first, y, z], [last, y, z]))
        })
        .reduce_with(|a, b| {
            (
                [a.0[0].min(b.0[0]), a.0[1].min(b.0[1]), a.0[2].min(b.0[2])],
                [a.1[0].max(b.1[0]), a.1[1].max(b.1[1]), a.1[2].max(b.1[2])],
            )
        })
}

/// Mark every background voxel within Chebyshev distance `r` voxels of an atom voxel.
/// `atoms` is the inclusive box holding every atom voxel (see `occupied_box`).
pub fn dilate_cube(class: &mut [i16], grid: &Grid, r: usize, atoms: ([usize; 3], [usize; 3])) {
    if r == 0 {
        return;
    }
    let [nx, ny, nz] = grid.shape;
    let (lo, hi) = atoms;
    // the box grown by r, clipped to the grid
    let ex = (lo[0].saturating_sub(r), (hi[0] + r).min(nx - 1));
    let ey = (lo[1].saturating_sub(r), (hi[1] + r).min(ny - 1));
    let ez = (lo[2].saturating_sub(r), (hi[2] + r).min(nz - 1));
    let plane = nx * ny;
    let w = ex.1 - ex.0 + 1;
    // gaps are counted in u16, saturating at u16::MAX (above any radius, clamped below it), so
    // a row of gaps is 8 lanes of an SSE2 register
    let r16 = r.min(u16::MAX as usize - 1) as u16;
    // x: rows of the atom box; here every non-zero voxel is an atom voxel, and atoms are few
    // per row, so each one marks its interval directly (no sweep over the row)
    class.par_chunks_mut(plane).enumerate().filter(|(z, _)| (lo[2]..=hi[2]).contains(z)).for_each(|(_, slab)| {
        for y in lo[1]..=hi[1] {
            let row = &mut slab[y * nx..(y + 1) * nx];
            for i in lo[0]..=hi[0] {
                if row[i] != 0 && row[i] != MARK_X {
                    for v in &mut row[i.saturating_sub(r)..=(i + r).min(ex.1)] {
                        if *v == 0 {
                            *v = MARK_X;
                        }
                    }
                }
            }
        }
    });
    // y: within each z-slab of the atom box, all x of the grown box at once, row by row
    class.par_chunks_mut(plane).enumerate().filter(|(z, _)| (lo[2]..=hi[2]).contains(z)).for_each_init(
        || vec![0u16; w],
        |gap, (_, slab)| {
            // SAFETY: rows ey of width w starting at ex.0 lie inside this slab, which we own.
            unsafe { scan_stack(slab.as_mut_ptr().add(ey.0 * nx + ex.0), nx, ey.1 - ey.0 + 1, w, r16, MARK_Y, gap) }
        },
    );
    // z: for each y of the grown box, the x-runs of every slab; parallel over y
    let ptr = SyncPtr(class.as_mut_ptr());
    (ey.0..=ey.1).into_par_iter().for_each_init(
        || vec![0u16; w],
        |gap, y| {
            let p = &ptr;
            // SAFETY: each task touches only rows with its own y, disjoint from other tasks, and
            // every row (y, z in ez, x in ex) lies inside the grid.
            unsafe { scan_stack(p.0.add(ez.0 * plane + y * nx + ex.0), plane, ez.1 - ez.0 + 1, w, r16, NEIGHBOUR, gap) }
        },
    );
}

struct SyncPtr(*mut i16);
unsafe impl Sync for SyncPtr {}
unsafe impl Send for SyncPtr {}

/// One 1-D pass of the dilation over `count` rows of width `w`, `stride` voxels apart: every
/// background voxel within `r` rows of a source voxel in its column (non-zero and not `mark`,
/// the value this pass adds) gets `mark`. A forward and a backward sweep count, per column,
/// the rows since the last source. Branch-free, so a row is done 8 columns at a time.
///
/// SAFETY: rows `base + k * stride .. + w`, k < count, must be valid and not aliased.
unsafe fn scan_stack(base: *mut i16, stride: usize, count: usize, w: usize, r: u16, mark: i16, gap: &mut [u16]) {
    let row = |k: usize| unsafe { std::slice::from_raw_parts_mut(base.add(k * stride), w) };
    for order in [false, true] {
        gap.fill(u16::MAX);
        for i in 0..count {
            let k = if order { count - 1 - i } else { i };
            for (cell, g) in row(k).iter_mut().zip(gap.iter_mut()) {
                let v = *cell;
                let source = v != 0 && v != mark;
                *g = if source { 0 } else { g.saturating_add(1) };
                *cell = if v == 0 && *g <= r { mark } else { v };
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
    let (ax, ay) = (Axis::new(o[0], v[0], nx), Axis::new(o[1], v[1], ny));
    // Spheres of neighbouring atoms overlap many times over (a voxel in a protein lies in ~100
    // spheres of 6 Å), so each row's intervals are recorded first (the furthest end starting at
    // each x) and their union filled once in a sweep: the work is intervals + voxels, not the
    // sum of interval lengths.
    class.par_chunks_mut(nx * ny).enumerate().for_each_init(
        || (vec![0u32; nx * ny], vec![false; ny]),
        |(ends, touched), (k, slab)| {
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
                let Some((j0, j1)) = ay.chord(c.y as f64, rem_z.sqrt()) else { continue };
                let row = Row { ax: &ax, o1: o[1], v1: v[1], cx: c.x as f64, cy: c.y as f64, rem_z };
                row.chords(j0, j1, |j, i0, i1| {
                    let e = &mut ends[j as usize * nx + i0 as usize];
                    *e = (*e).max(i1 as u32 + 1);
                    touched[j as usize] = true;
                });
            }
            for j in 0..ny {
                if !std::mem::take(&mut touched[j]) {
                    continue;
                }
                let (row, row_ends) = (&mut slab[j * nx..(j + 1) * nx], &mut ends[j * nx..(j + 1) * nx]);
                let mut reach = 0u32;
                for (i, (cell, e)) in (0u32..).zip(row.iter_mut().zip(row_ends.iter_mut())) {
                    reach = reach.max(std::mem::take(e));
                    // branch-free: a conditional move, not a jump per voxel
                    *cell = if i < reach && *cell == 0 { NEIGHBOUR } else { *cell };
                }
            }
        },
    );
}

/// One sphere's circle on one z-plane (`rem_z`: the squared radius left there), cut into the
/// x-chords of rows j0..=j1.
struct Row<'a> {
    ax: &'a Axis,
    o1: f64,
    v1: f64,
    cx: f64,
    cy: f64,
    rem_z: f64,
}

impl Row<'_> {
    /// `emit(j, i0, i1)` for every row whose chord holds a voxel centre.
    #[inline]
    fn chords(&self, j0: i64, j1: i64, emit: impl FnMut(i64, i64, i64)) {
        #[cfg(target_arch = "x86_64")]
        {
            // std caches the answer: one relaxed load per circle
            if std::arch::is_x86_feature_detected!("avx") {
                // SAFETY: the CPU has AVX (checked just above).
                unsafe { self.chords_avx(j0, j1, emit) };
                return;
            }
            self.chords_sse2(j0, j1, emit);
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.chords_scalar(j0, j1, emit);
    }

    /// [`Row::chords_sse2`] four rows per step, where the CPU has AVX (checked at run time: the
    /// baseline build cannot assume it): the same IEEE operations per lane, so the same voxels;
    /// a precise relabel spends most of its time here.
    ///
    /// SAFETY: the CPU must have AVX.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn chords_avx(&self, j0: i64, j1: i64, mut emit: impl FnMut(i64, i64, i64)) {
        use std::arch::x86_64::*;
        let ax = self.ax;
        let last_i = ax.n as i64 - 1;
        let (o1, v1, cy, rz) =
            (_mm256_set1_pd(self.o1), _mm256_set1_pd(self.v1), _mm256_set1_pd(self.cy), _mm256_set1_pd(self.rem_z));
        let (cx, o0, lim) = (_mm256_set1_pd(self.cx), _mm256_set1_pd(ax.o), _mm256_set1_pd((1u64 << 30) as f64));
        let (neg_lim, zero) = (_mm256_sub_pd(_mm256_setzero_pd(), lim), _mm256_setzero_pd());
        let (recip, v0) = (_mm256_set1_pd(ax.recip.unwrap_or(1.0)), _mm256_set1_pd(ax.v));
        let mut j = j0;
        while j <= j1 {
            let jj = _mm256_set_pd((j + 3) as f64, (j + 2) as f64, (j + 1) as f64, j as f64);
            let dy = _mm256_sub_pd(_mm256_add_pd(o1, _mm256_mul_pd(jj, v1)), cy);
            let rem = _mm256_sub_pd(rz, _mm256_mul_pd(dy, dy));
            // not below zero, as the reference asks (a NaN goes on)
            let ok = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_NLT_UQ>(rem, zero));
            if ok != 0 {
                let half = _mm256_sqrt_pd(rem);
                let (da, db) = (_mm256_sub_pd(_mm256_sub_pd(cx, half), o0), _mm256_sub_pd(_mm256_add_pd(cx, half), o0));
                let (a, b) = match ax.recip {
                    Some(_) => (_mm256_mul_pd(da, recip), _mm256_mul_pd(db, recip)),
                    None => (_mm256_div_pd(da, v0), _mm256_div_pd(db, v0)),
                };
                if _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_UNORD_Q>(a, b)) & ok != 0 {
                    // NaN (bad coordinates): the reference's saturating casts decide
                    self.chords_scalar(j, (j + 3).min(j1), &mut emit);
                    j += 4;
                    continue;
                }
                let a = _mm256_min_pd(_mm256_max_pd(a, neg_lim), lim);
                let b = _mm256_min_pd(_mm256_max_pd(b, neg_lim), lim);
                let (ta, tb) = (_mm256_cvttpd_epi32(a), _mm256_cvttpd_epi32(b));
                // ceil: up one where truncation fell below; floor: down one where above
                let up = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(_mm256_cvtepi32_pd(ta), a));
                let down = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(_mm256_cvtepi32_pd(tb), b));
                let (mut fa, mut fb) = ([0i32; 4], [0i32; 4]);
                // SAFETY: 16-byte unaligned stores into local arrays of 16 bytes.
                unsafe {
                    _mm_storeu_si128(fa.as_mut_ptr().cast(), ta);
                    _mm_storeu_si128(fb.as_mut_ptr().cast(), tb);
                }
                emit_lanes((j, j1, 4, last_i), [ok, up, down], (fa, fb), &mut emit);
            }
            j += 4;
        }
    }

    /// The reference: one row at a time.
    fn chords_scalar(&self, j0: i64, j1: i64, mut emit: impl FnMut(i64, i64, i64)) {
        for j in j0..=j1 {
            let dy = self.o1 + j as f64 * self.v1 - self.cy;
            let rem = self.rem_z - dy * dy;
            if rem < 0.0 {
                continue;
            }
            if let Some((i0, i1)) = self.ax.chord(self.cx, rem.sqrt()) {
                emit(j, i0, i1);
            }
        }
    }

    /// Two rows per step in SSE2 (x86-64's baseline): each lane does the reference's IEEE
    /// operations in its order (multiply, add, subtract, square root, and truncating
    /// conversions, all exact per lane), so the chords are the same voxels; the sphere fill
    /// spends most of a precise relabel here. Positions are clamped to ±2^30 steps first so
    /// the 32-bit conversion cannot saturate (both ends are clipped to the axis after).
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn chords_sse2(&self, j0: i64, j1: i64, emit: impl FnMut(i64, i64, i64)) {
        use std::arch::x86_64::*;
        // one loop per kind of step, so the choice is made once per circle, not per row
        // SAFETY: SSE2 is part of x86-64's baseline.
        match self.ax.recip {
            Some(r) => self.chords_sse2_by(j0, j1, emit, |d| unsafe { _mm_mul_pd(d, _mm_set1_pd(r)) }),
            None => {
                let v = self.ax.v;
                self.chords_sse2_by(j0, j1, emit, |d| unsafe { _mm_div_pd(d, _mm_set1_pd(v)) })
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn chords_sse2_by(
        &self,
        j0: i64,
        j1: i64,
        mut emit: impl FnMut(i64, i64, i64),
        steps: impl Fn(std::arch::x86_64::__m128d) -> std::arch::x86_64::__m128d,
    ) {
        use std::arch::x86_64::*;
        let ax = self.ax;
        let last_i = ax.n as i64 - 1;
        // SAFETY: SSE2 is part of x86-64's baseline; only register arithmetic and stores into
        // local arrays.
        unsafe {
            let (o1, v1, cy, rz) =
                (_mm_set1_pd(self.o1), _mm_set1_pd(self.v1), _mm_set1_pd(self.cy), _mm_set1_pd(self.rem_z));
            let (cx, o0, lim) = (_mm_set1_pd(self.cx), _mm_set1_pd(ax.o), _mm_set1_pd((1u64 << 30) as f64));
            let clamp = |x: __m128d| _mm_min_pd(_mm_max_pd(x, _mm_sub_pd(_mm_setzero_pd(), lim)), lim);
            let mut j = j0;
            while j <= j1 {
                let jj = _mm_set_pd((j + 1) as f64, j as f64);
                let dy = _mm_sub_pd(_mm_add_pd(o1, _mm_mul_pd(jj, v1)), cy);
                let rem = _mm_sub_pd(rz, _mm_mul_pd(dy, dy));
                // not below zero, as the reference asks (a NaN goes on)
                let ok = _mm_movemask_pd(_mm_cmpnlt_pd(rem, _mm_setzero_pd()));
                if ok != 0 {
                    let half = _mm_sqrt_pd(rem);
                    let (a, b) =
                        (steps(_mm_sub_pd(_mm_sub_pd(cx, half), o0)), steps(_mm_sub_pd(_mm_add_pd(cx, half), o0)));
                    if _mm_movemask_pd(_mm_cmpunord_pd(a, b)) & ok != 0 {
                        // NaN (bad coordinates): the reference's saturating casts decide
                        self.chords_scalar(j, (j + 1).min(j1), &mut emit);
                        j += 2;
                        continue;
                    }
                    let (a, b) = (clamp(a), clamp(b));
                    let (ta, tb) = (_mm_cvttpd_epi32(a), _mm_cvttpd_epi32(b));
                    // ceil: up one where truncation fell below; floor: down one where above
                    let up = _mm_movemask_pd(_mm_cmplt_pd(_mm_cvtepi32_pd(ta), a));
                    let down = _mm_movemask_pd(_mm_cmpgt_pd(_mm_cvtepi32_pd(tb), b));
                    let (mut fa, mut fb) = ([0i32; 4], [0i32; 4]);
                    _mm_storeu_si128(fa.as_mut_ptr().cast(), ta);
                    _mm_storeu_si128(fb.as_mut_ptr().cast(), tb);
                    emit_lanes((j, j1, 2, last_i), [ok, up, down], (fa, fb), &mut emit);
                }
                j += 2;
            }
        }
    }
}

/// The chords of `lanes` rows from row `j` (rows past `j1` left out), from both SIMD widths:
/// truncated ends `fa`, `fb`, and bit masks of the lanes to emit (`ok`), of those whose first
/// end goes up one (ceil) and whose last goes down one (floor); ends clipped to 0..=`last_i`.
#[inline(always)]
fn emit_lanes(
    (j, j1, lanes, last_i): (i64, i64, usize, i64),
    [ok, up, down]: [i32; 3],
    (fa, fb): ([i32; 4], [i32; 4]),
    emit: &mut impl FnMut(i64, i64, i64),
) {
    for l in 0..lanes {
        if ok >> l & 1 == 0 || j + (l as i64) > j1 {
            continue;
        }
        let first = (fa[l] as i64 + (up >> l & 1) as i64).max(0);
        let last = (fb[l] as i64 - (down >> l & 1) as i64).min(last_i);
        if first <= last {
            emit(j + l as i64, first, last);
        }
    }
}

/// One axis of voxel centres: origin `o`, step `v`, `n` of them. The sphere fill asks it for
/// millions of chords, so the arithmetic avoids what is slow there without changing a result:
/// a power-of-two step (1 Å, the data set's) divides by multiplying with its exact reciprocal,
/// and ceil/floor are integer conversions, not libm calls (x86-64's baseline has no rounding
/// instruction).
#[derive(Clone, Copy)]
struct Axis {
    o: f64,
    v: f64,
    recip: Option<f64>,
    n: usize,
}

impl Axis {
    fn new(o: f64, v: f64, n: usize) -> Self {
        let power_of_two = v.is_normal() && v > 0.0 && v.to_bits() & ((1u64 << 52) - 1) == 0;
        Axis { o, v, recip: power_of_two.then(|| 1.0 / v), n }
    }

    #[inline]
    fn steps(&self, d: f64) -> f64 {
        match self.recip {
            Some(r) => d * r,
            None => d / self.v,
        }
    }

    /// Indices of the voxel centres within `half` of `centre`, or None when there are none.
    #[inline]
    fn chord(&self, centre: f64, half: f64) -> Option<(i64, i64)> {
        let first = ceil_i(self.steps(centre - half - self.o)).max(0);
        let last = floor_i(self.steps(centre + half - self.o)).min(self.n as i64 - 1);
        (first <= last).then_some((first, last))
    }
}

/// `x.ceil() as i64` for finite x (the cast saturates beyond i64, as the float one does).
#[inline]
fn ceil_i(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) < x { t + 1 } else { t }
}

/// `x.floor() as i64` for finite x.
#[inline]
fn floor_i(x: f64) -> i64 {
    let t = x as i64;
    if (t as f64) > x { t - 1 } else { t }
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
        // spread over the grid (box clipped at the edges), and a small cluster (box inside)
        // and a dense random set: adjacent atoms in a row, overlapping intervals, radius 6
        let random: Vec<usize> = (0..60u64).map(|k| (k.wrapping_mul(2654435761) % g.len() as u64) as usize).collect();
        let row = (0..6).map(|i| g.offset([3 + i, 4, 4])).collect();
        for atoms in [vec![5usize, 300, 1000, 2000, 2400], vec![g.offset([8, 6, 5]), g.offset([9, 7, 5])], random, row]
        {
            let mut class = vec![0i16; g.len()];
            for o in atoms {
                class[o] = ATOM;
            }
            for r in [1, 2, 4, 6] {
                let mut c = class.clone();
                dilate_cube(&mut c, &g, r, occupied_box(&class, &g).unwrap());
                c.iter_mut().for_each(|v| *v = finished(*v));
                assert_eq!(c, brute_cube(&class, &g, r as i64), "r = {r}");
            }
        }
    }

    #[test]
    fn chord_arithmetic_equals_the_plain_formula() {
        let plain = |c: f64, h: f64, o: f64, v: f64, n: usize| {
            let first = ((c - h - o) / v).ceil().max(0.0) as i64;
            let last = ((c + h - o) / v).floor().min(n as f64 - 1.0) as i64;
            (first <= last).then_some((first, last))
        };
        let mut seed = 3u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for v in [1.0, 0.5, 2.0, 1.05, 0.83, 1.1] {
            let a = Axis::new(-3.25, v, 40);
            for _ in 0..20_000 {
                let (c, h) = (rnd() * 60.0 - 10.0, rnd() * 7.0);
                assert_eq!(a.chord(c, h), plain(c, h, -3.25, v, 40), "c {c} h {h} v {v}");
            }
            // centres on voxel boundaries: the exact ties
            for k in -5..50 {
                let c = -3.25 + k as f64 * v;
                assert_eq!(a.chord(c, 2.0 * v), plain(c, 2.0 * v, -3.25, v, 40), "tie {k} v {v}");
            }
        }
    }

    #[test]
    fn row_chords_in_simd_equal_one_at_a_time() {
        let mut seed = 11u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for v in [1.0, 0.5, 1.05, 0.83, 2.0] {
            let ax = Axis::new(-3.25, v, 40);
            for n in 0..30_000 {
                // every tenth centre sits on a voxel boundary: the exact ties
                let cx = if n % 10 == 0 { -3.25 + (n % 50) as f64 * v } else { rnd() * 60.0 - 10.0 };
                let row = Row { ax: &ax, o1: 1.5, v1: v, cx, cy: rnd() * 40.0, rem_z: rnd() * 50.0 };
                let (j0, j1) = ((rnd() * 40.0) as i64 - 5, (rnd() * 40.0) as i64);
                let row = match n % 1000 {
                    1 => Row { cx: f64::NAN, ..row },
                    2 => Row { rem_z: f64::NAN, ..row },
                    3 => Row { cy: f64::NAN, ..row },
                    _ => row,
                };
                let (mut a, mut b) = (Vec::new(), Vec::new());
                row.chords(j0, j1, |j, i0, i1| a.push((j, i0, i1)));
                row.chords_scalar(j0, j1, |j, i0, i1| b.push((j, i0, i1)));
                assert_eq!(a, b, "v {v} cx {cx} rows {j0}..={j1}");
                // both SIMD widths, whichever `chords` picked on this CPU
                #[cfg(target_arch = "x86_64")]
                {
                    let mut c = Vec::new();
                    row.chords_sse2(j0, j1, |j, i0, i1| c.push((j, i0, i1)));
                    assert_eq!(c, b, "sse2: v {v} cx {cx} rows {j0}..={j1}");
                }
            }
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

    #[test]
    fn overlapping_spheres_match_brute_force() {
        let g = Grid::new([24, 20, 22], [0.9, 1.0, 1.1], [2.0, -1.0, 0.5]);
        let mut seed = 7u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as f32 / (1u64 << 31) as f32
        };
        let centres: Vec<Vec3> =
            (0..40).map(|_| Vec3::new(2.0 + rnd() * 22.0, -1.0 + rnd() * 20.0, 0.5 + rnd() * 24.0)).collect();
        let mut c = vec![0i16; g.len()];
        c[g.offset([3, 3, 3])] = ATOM;
        fill_spheres(&mut c, &g, &centres, 3.3);
        for o in 0..g.len() {
            let w = g.index_to_world(g.ijk(o).map(|v| v as f64)).as_vec3();
            let d = centres.iter().map(|a| a.distance(w)).fold(f32::INFINITY, f32::min);
            if o == g.offset([3, 3, 3]) {
                assert_eq!(c[o], ATOM, "atom voxels keep their class");
            } else if d < 3.3 - 1e-4 {
                assert_eq!(c[o], NEIGHBOUR, "{:?} at {d}", g.ijk(o));
            } else if d > 3.3 + 1e-4 {
                assert_eq!(c[o], 0, "{:?} at {d}", g.ijk(o));
            }
        }
    }
}
