//! Per-atom Q-score (Pintilie et al. 2020, Nat Methods 17:328) with the reference parameters of
//! MapQ and of cctbx's `cctbx.maptbx.qscore` (the implementation behind phenix's Q-score tool).
//!
//! Around each atom, probes sit on shells of radius 0.1..2.0 Å (20 shells, 32 probes each);
//! a probe is dropped when another atom is nearer to it than rtol x the shell radius, so a
//! probe measures this atom's density, not a neighbour's. Q is the Pearson correlation of the
//! probed map values (trilinear on the map's own grid) with a reference Gaussian
//! A exp(-r²/(2·0.6²)) + B, A and B from the whole map's statistics.

use glam::Vec3;
use rayon::prelude::*;

use super::cells::Cells;
use crate::engine::grid::{Stats, Volume};

/// The Q-score's parameters; `Default` is the reference (MapQ, cctbx).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QParams {
    /// Radius of the first and the last shell, Å.
    pub shell_start: f32,
    pub shell_stop: f32,
    pub shells: usize,
    /// Probes per shell.
    pub probes: usize,
    /// A probe is dropped when another atom is nearer than rtol x the shell radius.
    pub rtol: f32,
    /// Width of the reference Gaussian, Å.
    pub sigma: f32,
}

impl Default for QParams {
    fn default() -> Self {
        QParams { shell_start: 0.1, shell_stop: 2.0, shells: 20, probes: 32, rtol: 0.9, sigma: 0.6 }
    }
}

impl QParams {
    /// Shell radii, evenly spaced from start to stop inclusive (numpy's linspace).
    pub fn radii(&self) -> Vec<f32> {
        let n = self.shells.max(1);
        if n == 1 {
            return vec![self.shell_start];
        }
        (0..n).map(|i| self.shell_start + (self.shell_stop - self.shell_start) * i as f32 / (n - 1) as f32).collect()
    }
}

/// Probe directions: MapQ's spiral of `n` points on the unit sphere, as cctbx's
/// `generate_probes_np` computes them (z from -1 to 1 evenly, longitude stepped by
/// 3.6 / sqrt(n (1 - z²))), so the probes are the reference's own points.
pub fn probe_directions(n: usize) -> Vec<Vec3> {
    if n < 2 {
        return vec![Vec3::Z; n];
    }
    let mut theta = 0.0f64;
    (0..n)
        .map(|i| {
            let h = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
            if i > 0 && i < n - 1 {
                theta += 3.6 / (n as f64 * (1.0 - h * h)).sqrt();
            }
            let phi = h.acos();
            Vec3::new((phi.sin() * theta.cos()) as f32, (phi.sin() * theta.sin()) as f32, phi.cos() as f32)
        })
        .collect()
}

/// The reference Gaussian's A and B from the whole map: B = max(mean - 1 sd, min),
/// A = min(mean + 10 sd, max) - B (cctbx and MapQ).
pub fn reference_ab(stats: &Stats) -> (f64, f64) {
    let (mean, sd) = (stats.mean as f64, stats.rms as f64);
    let b = (mean - sd).max(stats.min as f64);
    let a = (mean + 10.0 * sd).min(stats.max as f64) - b;
    (a, b)
}

/// Trilinear value at a world position; None outside the grid (never wrapped or clamped).
#[inline]
pub fn sample(map: &Volume<f32>, p: Vec3) -> Option<f32> {
    let g = &map.grid;
    let f = g.fractional_f32(p);
    let mut i0 = [0usize; 3];
    let mut t = [0f32; 3];
    for a in 0..3 {
        let n = g.shape[a];
        let x = f[a];
        if !(x >= 0.0 && x <= (n as f32 - 1.0)) || n < 2 {
            return None;
        }
        let i = (x.floor() as usize).min(n - 2);
        i0[a] = i;
        t[a] = x - i as f32;
    }
    let (nx, nxy) = (g.shape[0], g.shape[0] * g.shape[1]);
    let o = i0[0] + nx * i0[1] + nxy * i0[2];
    let d = &map.data;
    let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
    let x00 = lerp(d[o], d[o + 1], t[0]);
    let x10 = lerp(d[o + nx], d[o + nx + 1], t[0]);
    let x01 = lerp(d[o + nxy], d[o + nxy + 1], t[0]);
    let x11 = lerp(d[o + nxy + nx], d[o + nxy + nx + 1], t[0]);
    Some(lerp(lerp(x00, x10, t[1]), lerp(x01, x11, t[1]), t[2]))
}

/// Q of every point in `cells` (the heavy atoms); NaN where fewer than two probes survive
/// (atom outside the map, buried in others) or the probes cannot correlate.
pub fn q_scores(map: &Volume<f32>, cells: &Cells, n_points: usize, p: &QParams, stats: &Stats) -> Vec<f32> {
    let dirs = probe_directions(p.probes);
    let radii = p.radii();
    let (a, b) = reference_ab(stats);
    let g: Vec<f64> =
        radii.iter().map(|&r| a * (-(r as f64).powi(2) / (2.0 * (p.sigma as f64).powi(2))).exp() + b).collect();
    let reach = (1.0 + p.rtol) * p.shell_stop;
    (0..n_points as u32)
        .into_par_iter()
        .map_init(Vec::new, |near: &mut Vec<(f32, Vec3)>, i| {
            let c = cells.point(i);
            near.clear();
            cells.for_each_within(c, reach, |j, d2| {
                if j != i {
                    near.push((d2.sqrt(), cells.point(j)));
                }
            });
            near.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
            one_atom(map, c, near, &dirs, &radii, &g, p.rtol)
        })
        .collect()
}

/// One atom's Q from its neighbours (sorted by distance): sums per shell, then Pearson.
fn one_atom(
    map: &Volume<f32>,
    c: Vec3,
    near: &[(f32, Vec3)],
    dirs: &[Vec3],
    radii: &[f32],
    g: &[f64],
    rtol: f32,
) -> f32 {
    let (mut n, mut sg, mut sgg, mut sd, mut sdd, mut sgd) = (0f64, 0f64, 0f64, 0f64, 0f64, 0f64);
    for (s, &r) in radii.iter().enumerate() {
        // A neighbour can reject a probe of this shell only if it is nearer than r + rtol r.
        let k = near.partition_point(|x| x.0 < (1.0 + rtol) * r);
        let reject2 = (rtol * r) * (rtol * r);
        let (mut m, mut s1, mut s2) = (0u32, 0f64, 0f64);
        for &d in dirs {
            let q = c + d * r;
            if near[..k].iter().any(|&(_, b)| (b - q).length_squared() < reject2) {
                continue;
            }
            if let Some(v) = sample(map, q) {
                let v = v as f64;
                m += 1;
                s1 += v;
                s2 += v * v;
            }
        }
        let (m, gs) = (m as f64, g[s]);
        n += m;
        sg += m * gs;
        sgg += m * gs * gs;
        sd += s1;
        sdd += s2;
        sgd += gs * s1;
    }
    if n < 2.0 {
        return f32::NAN;
    }
    let cov = n * sgd - sg * sd;
    let var = (n * sgg - sg * sg) * (n * sdd - sd * sd);
    if var > 0.0 { (cov / var.sqrt()) as f32 } else { f32::NAN }
}
