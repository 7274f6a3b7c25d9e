//! Grid geometry: where every voxel of a map sits in world space (Å).
//!
//! A `Grid` is the only place world coordinates become voxel indices. Memory order is
//! always x fastest, then y, then z (MRC axis order 1,2,3 after permutation on read).

use glam::{DVec3, Vec3};

/// How an atom coordinate becomes a voxel index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexRule {
    /// The published script: `ceil(floor(c - o) / v)` per axis in float32 arithmetic.
    /// It rounds the offset down to whole Ångström first, then up to a voxel, so atoms can
    /// land up to one voxel (plus one Å) from their true voxel. Kept for bit-exact data sets.
    Reference,
    /// The voxel whose centre is nearest to the atom: `round((c - o) / v)`.
    Nearest,
}

/// A regular orthogonal lattice: shape, voxel size and the world position of voxel 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    /// Voxels along x, y, z.
    pub shape: [usize; 3],
    /// Voxel edge lengths along x, y, z in Å.
    pub voxel: [f32; 3],
    /// World position (Å) of the centre of voxel (0,0,0).
    pub origin: [f32; 3],
    /// Header ORIGIN field as stored (Å); kept for files written back and for the
    /// reference rule, which reads this field and ignores NSTART.
    pub header_origin: [f32; 3],
    /// Header NSTART (x, y, z after permutation), kept so outputs reproduce the input header.
    pub nstart: [i32; 3],
}

impl Grid {
    /// A grid whose origin is stored in the ORIGIN field (NSTART zero).
    pub fn new(shape: [usize; 3], voxel: [f32; 3], origin: [f32; 3]) -> Self {
        Grid { shape, voxel, origin, header_origin: origin, nstart: [0; 3] }
    }

    /// A grid in register with the coordinate origin where possible: NSTART = origin/voxel
    /// when that is an integer, so ChimeraX (.map), Situs, gemmi and mrcfile agree.
    pub fn registered(shape: [usize; 3], voxel: [f32; 3], origin: [f32; 3]) -> Self {
        let mut nstart = [0i32; 3];
        for a in 0..3 {
            let n = (origin[a] as f64 / voxel[a] as f64).round();
            if ((n * voxel[a] as f64) - origin[a] as f64).abs() < 1e-3 * voxel[a] as f64 && n.abs() < 1e8 {
                nstart[a] = n as i32;
            } else {
                nstart = [0; 3];
                break;
            }
        }
        Grid { shape, voxel, origin, header_origin: origin, nstart }
    }

    pub fn len(&self) -> usize {
        self.shape[0] * self.shape[1] * self.shape[2]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Linear offset of voxel (i, j, k) in x-fastest memory.
    #[inline]
    pub fn offset(&self, ijk: [usize; 3]) -> usize {
        ijk[0] + self.shape[0] * (ijk[1] + self.shape[1] * ijk[2])
    }

    /// Voxel (i, j, k) of a linear offset.
    #[inline]
    pub fn ijk(&self, offset: usize) -> [usize; 3] {
        let nx = self.shape[0];
        let nxy = nx * self.shape[1];
        [offset % nx, (offset / nx) % self.shape[1], offset / nxy]
    }

    /// World position (Å) of the centre of voxel (i, j, k); accepts fractional indices.
    pub fn index_to_world(&self, ijk: [f64; 3]) -> DVec3 {
        DVec3::new(
            self.origin[0] as f64 + ijk[0] * self.voxel[0] as f64,
            self.origin[1] as f64 + ijk[1] * self.voxel[1] as f64,
            self.origin[2] as f64 + ijk[2] * self.voxel[2] as f64,
        )
    }

    /// Fractional voxel index of a world position (voxel centres at integers).
    pub fn world_to_fractional(&self, p: DVec3) -> [f64; 3] {
        [
            (p.x - self.origin[0] as f64) / self.voxel[0] as f64,
            (p.y - self.origin[1] as f64) / self.voxel[1] as f64,
            (p.z - self.origin[2] as f64) / self.voxel[2] as f64,
        ]
    }

    /// Fractional voxel index of a world position in float32, for hot sampling loops
    /// (Q-score probes) where the f64 `world_to_fractional` costs too much.
    #[inline]
    pub fn fractional_f32(&self, p: Vec3) -> Vec3 {
        (p - Vec3::from(self.origin)) / Vec3::from(self.voxel)
    }

    /// Signed voxel index of an atom under a rule; may lie outside the grid.
    pub fn world_to_index(&self, p: Vec3, rule: IndexRule) -> [i64; 3] {
        let c = [p.x, p.y, p.z];
        let mut out = [0i64; 3];
        for a in 0..3 {
            out[a] = match rule {
                IndexRule::Reference => {
                    // float32 throughout, as numpy did in the published script; `self.origin`
                    // is the true placement (ORIGIN, else NSTART x voxel), so NSTART is honoured.
                    let d = (c[a] - self.origin[a]).floor();
                    (d / self.voxel[a]).ceil() as i64
                }
                IndexRule::Nearest => (((c[a] as f64) - self.origin[a] as f64) / self.voxel[a] as f64).round() as i64,
            };
        }
        out
    }

    /// The index if it lies inside the grid: atoms outside are skipped, never wrapped.
    #[inline]
    pub fn checked(&self, ijk: [i64; 3]) -> Option<[usize; 3]> {
        for a in 0..3 {
            if ijk[a] < 0 || ijk[a] >= self.shape[a] as i64 {
                return None;
            }
        }
        Some([ijk[0] as usize, ijk[1] as usize, ijk[2] as usize])
    }

    /// World-space box covered by voxel centres: (min, max).
    pub fn bounds(&self) -> (DVec3, DVec3) {
        let max =
            [(self.shape[0].max(1) - 1) as f64, (self.shape[1].max(1) - 1) as f64, (self.shape[2].max(1) - 1) as f64];
        (self.index_to_world([0.0; 3]), self.index_to_world(max))
    }

    /// Same lattice (shape, voxel, placement) within `tol` Å; `HEADER_NOISE` is the tolerance
    /// the engine uses everywhere.
    pub fn same_lattice(&self, other: &Grid, tol: f32) -> bool {
        self.shape == other.shape
            && (0..3).all(|a| {
                (self.voxel[a] - other.voxel[a]).abs() <= tol * 1e-2 && (self.origin[a] - other.origin[a]).abs() <= tol
            })
    }
}

/// Å: two placements this close are the same lattice. Headers round placements through
/// float32 (ORIGIN 162.74998 against NSTART 155 x 1.05 = 162.75), which must not turn a copy
/// into an interpolation.
pub const HEADER_NOISE: f32 = 1e-3;

/// A scalar field on a grid, x-fastest.
#[derive(Clone, Debug)]
pub struct Volume<T> {
    pub grid: Grid,
    pub data: Vec<T>,
}

impl<T: Copy + Default> Volume<T> {
    pub fn zeros(grid: Grid) -> Self {
        Volume { data: zeroed(grid.len()), grid }
    }

    #[inline]
    pub fn at(&self, ijk: [usize; 3]) -> T {
        self.data[self.grid.offset(ijk)]
    }
}

/// glibc's allocator set for grid work; the command line and the viewer call it first thing
/// (and the relabel bench, which times the viewer's path). Large buffers (maps, labels) always
/// from their own mmap: glibc otherwise raises its mmap threshold after the first large free
/// and serves the next grids from the heap, where calloc must clear them by hand and huge-page
/// advice ([`zeroed`]) comes too late. And freed heap memory stays with the process up to
/// 64 MB instead of going back to the kernel at every free (glibc trims a thread's heap with
/// madvise(DONTNEED) once 128 KB are free at its top): the thread pool's per-task buffers (a
/// convolution slab, 220 KB) were handed back and faulted in again, cleared, dozens of times
/// per command, and first-touch faults cost about 1 ms per MB on the project's machine.
/// Not called by the Python module: the allocator of a user's interpreter is not ours to set.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// `n` zeros (`T::default()` of the number types) for a whole grid. Fresh pages, zeroed lazily
/// by the kernel; a large buffer is asked to be backed by transparent huge pages, since touching
/// fresh 4 KiB pages one fault at a time was most of a relabel at 256³ (168 MB of outputs,
/// about 41,000 faults) and much of `simulate`: 2 MiB pages take 512 times fewer.
pub fn zeroed<T: Copy + Default>(n: usize) -> Vec<T> {
    let v = vec![T::default(); n];
    advise_huge_pages(&v);
    v
}

/// Ask Linux to back the 2 MiB-aligned interior of `v` with transparent huge pages (the
/// kernel's `madvise` mode, the common default). Only advice: contents are unchanged, and
/// pages already touched stay as they are, so call it before the first write. A no-op
/// elsewhere, and below 4 MiB.
pub fn advise_huge_pages<T>(v: &[T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let (start, len) = (v.as_ptr() as usize, std::mem::size_of_val(v));
        let (lo, hi) = (start.next_multiple_of(HUGE), (start + len) / HUGE * HUGE);
        if len >= 2 * HUGE && hi > lo {
            // SAFETY: advice on whole pages inside memory `v` owns; it changes no contents.
            unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE) };
        }
    }
}

/// Summary statistics as MRC headers store them (RMS is the standard deviation about the mean).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub min: f32,
    pub max: f32,
    pub mean: f32,
    pub rms: f32,
}

impl Stats {
    /// Over the finite values only, as mrcfile computes a header's statistics: a NaN or an
    /// infinity would otherwise make every figure NaN. See [`count_non_finite`] for how many
    /// were left out. Chunks of [`STATS_CHUNK`] voxels on the thread pool, their sums added in
    /// order: the same bits on any number of threads, and the same as a map written from
    /// chunks made on the fly (`mapwrite::VoxelSource`).
    pub fn of<T: Copy + Into<f64> + Send + Sync + bytemuck::Pod>(data: &[T]) -> Stats {
        use rayon::prelude::*;
        let parts: Vec<StatsPart> = data.par_chunks(STATS_CHUNK).map(StatsPart::of).collect();
        Stats::from_parts(&parts)
    }

    /// Of a map holding only small integers, from how many voxels hold each (value, count):
    /// integer sums are exact in float64 in any order, so these are the bits [`Stats::of`]
    /// gives, without a pass over the voxels (label classes and atom types).
    pub fn of_counts(counts: &[(f64, usize)]) -> Stats {
        let parts: Vec<StatsPart> = counts
            .iter()
            .filter(|c| c.1 > 0)
            .map(|&(v, c)| StatsPart { lo: v, hi: v, sum: v * c as f64, sum2: v * v * c as f64, n: c as u64 })
            .collect();
        Stats::from_parts(&parts)
    }

    /// The statistics of consecutive chunks' [`StatsPart`]s, in order.
    pub fn from_parts(parts: &[StatsPart]) -> Stats {
        let all = parts.iter().fold(StatsPart::EMPTY, |a, b| StatsPart {
            lo: a.lo.min(b.lo),
            hi: a.hi.max(b.hi),
            sum: a.sum + b.sum,
            sum2: a.sum2 + b.sum2,
            n: a.n + b.n,
        });
        if all.n == 0 {
            return Stats::default();
        }
        let n = all.n as f64;
        let mean = all.sum / n;
        let var = (all.sum2 / n - mean * mean).max(0.0);
        Stats { min: all.lo as f32, max: all.hi as f32, mean: mean as f32, rms: var.sqrt() as f32 }
    }
}

/// Voxels per chunk of [`Stats::of`]: every writer of statistics cuts its voxels here.
pub const STATS_CHUNK: usize = 1 << 16;

/// One chunk's part of [`Stats`]: extremes, sums and count of its finite values.
#[derive(Clone, Copy, Debug)]
pub struct StatsPart {
    lo: f64,
    hi: f64,
    sum: f64,
    sum2: f64,
    n: u64,
}

impl StatsPart {
    const EMPTY: StatsPart = StatsPart { lo: f64::INFINITY, hi: f64::NEG_INFINITY, sum: 0.0, sum2: 0.0, n: 0 };

    /// The values in order, one by one.
    pub fn of<T: Copy + Into<f64> + bytemuck::Pod>(c: &[T]) -> StatsPart {
        let (mut lo, mut hi, mut s, mut s2, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64, 0.0f64, 0u64);
        // Runs of +0.0 (most of a label map, the solvent of a simulated one) add nothing to the
        // sums (s is never -0.0, so s + 0.0 == s), and min/max with 0.0 again are no-ops: one
        // update per run gives the bits of the voxel-by-voxel loop, without its chain of
        // dependent float adds.
        for run in c.chunks(64) {
            if all_zero(bytemuck::cast_slice(run)) {
                lo = lo.min(0.0);
                hi = hi.max(0.0);
                n += run.len() as u64;
                continue;
            }
            for &v in run {
                let v: f64 = v.into();
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                    s += v;
                    s2 += v * v;
                    n += 1;
                }
            }
        }
        StatsPart { lo, hi, sum: s, sum2: s2, n }
    }
}

/// Whether every byte is zero (for voxels: all +0.0, or all 0): word-wide ORs, which the
/// compiler vectorizes.
pub(crate) fn all_zero(bytes: &[u8]) -> bool {
    let (head, words, tail) = bytemuck::pod_align_to::<u8, u64>(bytes);
    head.iter().chain(tail).all(|&b| b == 0) && words.iter().fold(0, |a, &w| a | w) == 0
}

/// How many values are NaN or infinite: they are left out of statistics, histograms and
/// contours, and read as 0 where a computation needs every voxel (FFTs).
pub fn count_non_finite(data: &[f32]) -> usize {
    use rayon::prelude::*;
    data.par_chunks(1 << 16).map(|c| c.iter().filter(|v| !v.is_finite()).count()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_rule_matches_published_formula() {
        let g = Grid::new([100; 3], [1.05; 3], [0.0; 3]);
        // floor(10.5) = 10; 10 / 1.05 = 9.52 -> 10
        assert_eq!(g.world_to_index(Vec3::new(10.5, 0.99, 2.1), IndexRule::Reference), [10, 0, 2]);
        assert_eq!(g.world_to_index(Vec3::new(10.5, 0.99, 2.1), IndexRule::Nearest), [10, 1, 2]);
    }

    #[test]
    fn outside_is_never_wrapped() {
        let g = Grid::new([10; 3], [1.0; 3], [0.0; 3]);
        assert_eq!(g.checked([-1, 0, 0]), None);
        assert_eq!(g.checked([0, 10, 0]), None);
        assert_eq!(g.checked([9, 9, 9]), Some([9, 9, 9]));
    }

    #[test]
    fn statistics_leave_out_nan_and_infinity() {
        let s = Stats::of(&[1.0f32, f32::NAN, 3.0, f32::INFINITY, f32::NEG_INFINITY]);
        assert_eq!(s, Stats { min: 1.0, max: 3.0, mean: 2.0, rms: 1.0 });
        assert_eq!(count_non_finite(&[1.0, f32::NAN, f32::INFINITY]), 2);
        assert_eq!(Stats::of(&[f32::NAN]), Stats::default());
    }

    /// Statistics from counts of small integers are the bits of a pass over the voxels.
    #[test]
    fn counts_give_the_statistics_of_the_voxels() {
        let mut v: Vec<i16> = (0..200_003).map(|i| [0, 0, 0, 1, 2, 0, 2][i % 7]).collect();
        v[5] = 5;
        let counts: Vec<(f64, usize)> =
            (0..6).map(|k| (k as f64, v.iter().filter(|&&x| x == k as i16).count())).collect();
        assert_eq!(Stats::of_counts(&counts), Stats::of(&v));
        assert_eq!(Stats::of_counts(&[(0.0, 10), (1.0, 0)]), Stats::of(&[0i16; 10]));
        assert_eq!(Stats::of_counts(&[]), Stats::default());
    }

    /// Skipping runs of zeros gives the bits of the plain voxel-by-voxel loop: zero runs of every
    /// length and phase, -0.0 (not skipped), negatives, NaN and infinities among them.
    #[test]
    fn zero_runs_change_no_bit_of_the_statistics() {
        let plain = |d: &[f32]| {
            let (mut lo, mut hi, mut s, mut s2, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64, 0.0f64, 0u64);
            for &v in d {
                let v = v as f64;
                if v.is_finite() {
                    (lo, hi, s, s2, n) = (lo.min(v), hi.max(v), s + v, s2 + v * v, n + 1);
                }
            }
            let (n, mean) = (n as f64, s / n as f64);
            let var = (s2 / n - mean * mean).max(0.0);
            [lo as f32, hi as f32, mean as f32, var.sqrt() as f32].map(f32::to_bits)
        };
        let mut seed = 7u64;
        for case in 0..40 {
            let mut d = vec![0f32; 5000];
            for v in d.iter_mut() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let r = (seed >> 40) as u32;
                if r % 100 < case {
                    *v = match r % 7 {
                        0 => -0.0,
                        1 => f32::NAN,
                        2 => -(r as f32) * 1e-3,
                        3 if case % 5 == 0 => f32::INFINITY,
                        _ => (r as f32).sqrt() * 0.37,
                    };
                }
            }
            let st = Stats::of(&d);
            assert_eq!([st.min, st.max, st.mean, st.rms].map(f32::to_bits), plain(&d), "case {case}");
        }
    }

    #[test]
    fn offsets_round_trip() {
        let g = Grid::new([3, 4, 5], [1.0; 3], [0.0; 3]);
        for o in 0..g.len() {
            assert_eq!(g.offset(g.ijk(o)), o);
        }
    }
}
