//! Fourier shell correlation (FSC) between two maps on one grid, and map-model FSC.
//!
//! FSC(shell) = Re Σ F₁F₂* / sqrt(Σ|F₁|² Σ|F₂|²) over the Fourier voxels of the shell, as in
//! cctbx/mtriage and Bsoft. Shells are by reciprocal radius |k| in Å⁻¹ with per-axis spacing
//! 1/(n·voxel), so non-cubic boxes and voxels bin correctly; the bin width is 1/(longest box
//! edge in Å), i.e. one Fourier index per shell on a cube. Shell i holds the voxels with
//! round(|k|/Δ) = i (round half up), up to the Nyquist frequency of the coarsest axis.
//! Sums run over the full spectrum (the half spectrum, mirrored planes counted twice), so the
//! numbers equal numpy's `fftn` computed the same way (tests/python/fsc_check.py).

use rayon::prelude::*;
use serde::Serialize;

use super::error::EngineError;
use super::fft3::{HalfSpectrum, rfft3};
use super::grid::Volume;
use super::model::Atom;
use super::modelmap::{atom_mask, model_map};

/// One Fourier shell.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FscShell {
    /// Shell centre, spatial frequency in Å⁻¹ (i·Δ).
    pub freq: f64,
    /// 1/freq in Å (infinite for the DC shell).
    pub resolution: f64,
    pub fsc: f64,
    /// Full-spectrum Fourier voxels in the shell.
    pub count: u64,
}

/// An FSC curve with the shells from DC to Nyquist.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FscCurve {
    pub shells: Vec<FscShell>,
    /// Bin width Δ in Å⁻¹.
    pub bin_width: f64,
}

/// Conventional thresholds: 0.5 for map-model FSC, 0.143 for half maps.
pub const FSC_05: f64 = 0.5;
pub const FSC_0143: f64 = 0.143;

impl FscCurve {
    /// Resolution (Å) where the curve first drops below `threshold`, scanning up from shell 1
    /// (the DC shell is one voxel whose sign only says whether the means agree), linearly
    /// interpolated in frequency between the last shell at or above and the first below.
    /// If shell 1 is already below and the DC shell is too, the shell-1 resolution is returned
    /// (an upper bound). `None` when the curve never drops below (better than Nyquist) or
    /// has fewer than two shells.
    pub fn resolution_at(&self, threshold: f64) -> Option<f64> {
        let s = &self.shells;
        for i in 1..s.len() {
            if s[i].fsc < threshold {
                let (a, b) = (&s[i - 1], &s[i]);
                if a.fsc < threshold {
                    return Some(b.resolution);
                }
                let t = (a.fsc - threshold) / (a.fsc - b.fsc);
                let f = a.freq + t * (b.freq - a.freq);
                return Some(1.0 / f);
            }
        }
        None
    }

    /// Resolution (Å) of the last shell: the best a crossing can report.
    pub fn nyquist(&self) -> Option<f64> {
        self.shells.last().filter(|s| s.freq > 0.0).map(|s| s.resolution)
    }

    /// Resolution at FSC = 0.5 (map-model convention).
    pub fn d05(&self) -> Option<f64> {
        self.resolution_at(FSC_05)
    }

    /// Resolution at FSC = 0.143 (half-map convention).
    pub fn d0143(&self) -> Option<f64> {
        self.resolution_at(FSC_0143)
    }

    /// CSV with a header: shell, freq_per_A, resolution_A, fsc, count.
    pub fn to_csv(&self) -> String {
        let rows = self.shells.iter().enumerate().map(|(i, s)| {
            (i, format!("{:.6}", s.freq), format!("{:.4}", s.resolution), format!("{:.6}", s.fsc), s.count)
        });
        super::table::serialize(&["shell", "freq_per_A", "resolution_A", "fsc", "count"], rows)
    }
}

/// Per-shell sums: Re F₁F₂*, |F₁|², |F₂|², voxel count.
type Sums = Vec<[f64; 4]>;

/// Signed Fourier index of unsigned index k on an axis of n.
#[inline]
fn signed(k: usize, n: usize) -> f64 {
    if k <= n / 2 { k as f64 } else { k as f64 - n as f64 }
}

/// Shell geometry shared with the Python check: Δ = 1/max(nᵢvᵢ), cutoff = min(1/(2vᵢ)).
fn shell_geometry(n: [usize; 3], voxel: [f32; 3]) -> (f64, f64) {
    let edge = (0..3).map(|a| n[a] as f64 * voxel[a] as f64).fold(0.0, f64::max);
    let nyquist = (0..3).map(|a| 0.5 / voxel[a] as f64).fold(f64::INFINITY, f64::min);
    (1.0 / edge, nyquist)
}

/// FSC of two half spectra of the same real-space shape.
fn shell_sums(f1: &HalfSpectrum, f2: &HalfSpectrum, voxel: [f32; 3]) -> (Sums, f64) {
    let [nx, ny, nz] = f1.n;
    let (delta, nyquist) = shell_geometry(f1.n, voxel);
    let limit = nyquist * (1.0 + 1e-9);
    let nshell = (nyquist / delta + 0.5 + 1e-9).floor() as usize + 1;
    let freq = |k: usize, n: usize, v: f32| signed(k, n) / (n as f64 * v as f64);
    let fy2: Vec<f64> = (0..ny).map(|k| freq(k, ny, voxel[1]).powi(2)).collect();
    let fz2: Vec<f64> = (0..nz).map(|k| freq(k, nz, voxel[2]).powi(2)).collect();
    let plane = ny * nz;
    let sums = f1
        .data
        .par_chunks(plane)
        .zip(f2.data.par_chunks(plane))
        .enumerate()
        .fold(
            || vec![[0f64; 4]; nshell],
            |mut acc, (kx, (p1, p2))| {
                let fx2 = (kx as f64 / (nx as f64 * voxel[0] as f64)).powi(2);
                let w = f1.plane_weight(kx) as f64;
                for ky in 0..ny {
                    let fxy2 = fx2 + fy2[ky];
                    let row = ky * nz;
                    for kz in 0..nz {
                        let s = (fxy2 + fz2[kz]).sqrt();
                        if s > limit {
                            continue;
                        }
                        let shell = (s / delta + 0.5).floor() as usize;
                        if shell >= nshell {
                            continue;
                        }
                        let (a, b) = (p1[row + kz], p2[row + kz]);
                        let (ar, ai, br, bi) = (a.re as f64, a.im as f64, b.re as f64, b.im as f64);
                        let e = &mut acc[shell];
                        e[0] += w * (ar * br + ai * bi);
                        e[1] += w * (ar * ar + ai * ai);
                        e[2] += w * (br * br + bi * bi);
                        e[3] += w;
                    }
                }
                acc
            },
        )
        .reduce(
            || vec![[0f64; 4]; nshell],
            |mut x, y| {
                for (a, b) in x.iter_mut().zip(y) {
                    for j in 0..4 {
                        a[j] += b[j];
                    }
                }
                x
            },
        );
    (sums, delta)
}

fn curve_from_sums(sums: Sums, delta: f64) -> FscCurve {
    let mut shells: Vec<FscShell> = sums
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let den = (e[1] * e[2]).sqrt();
            let freq = i as f64 * delta;
            FscShell {
                freq,
                resolution: if i == 0 { f64::INFINITY } else { 1.0 / freq },
                // A shell where either map has no power correlates with nothing.
                fsc: if den > 0.0 { e[0] / den } else { 0.0 },
                count: e[3] as u64,
            }
        })
        .collect();
    while shells.last().is_some_and(|s| s.count == 0) {
        shells.pop();
    }
    FscCurve { shells, bin_width: delta }
}

/// FSC of two arrays of one shape (x fastest) and voxel size (Å).
pub fn fsc_arrays(a: &[f32], b: &[f32], shape: [usize; 3], voxel: [f32; 3]) -> Result<FscCurve, EngineError> {
    let len = shape[0].checked_mul(shape[1]).and_then(|v| v.checked_mul(shape[2]));
    if len != Some(a.len()) || len != Some(b.len()) {
        return Err(EngineError::Input(format!(
            "FSC: arrays of {} and {} values for a {shape:?} grid",
            a.len(),
            b.len()
        )));
    }
    if shape.iter().any(|&n| n < 2) || voxel.iter().any(|&v| !(v.is_finite() && v > 0.0)) {
        return Err(EngineError::Input(format!(
            "FSC needs at least 2 voxels per axis and positive voxel sizes, got {shape:?}, {voxel:?}"
        )));
    }
    // A NaN would make every Fourier coefficient NaN: non-finite voxels count as 0 (the map
    // reader warns how many there are).
    let (a, b) = (finite_or_zero(a), finite_or_zero(b));
    let (f1, f2) = rayon::join(|| rfft3(&a, shape), || rfft3(&b, shape));
    let (sums, delta) = shell_sums(&f1, &f2, voxel);
    Ok(curve_from_sums(sums, delta))
}

/// The values with NaN and infinities as 0; borrowed when there are none.
fn finite_or_zero(v: &[f32]) -> std::borrow::Cow<'_, [f32]> {
    if v.par_iter().all(|x| x.is_finite()) {
        std::borrow::Cow::Borrowed(v)
    } else {
        std::borrow::Cow::Owned(v.par_iter().map(|&x| if x.is_finite() { x } else { 0.0 }).collect())
    }
}

/// FSC of two maps on the same lattice (shape and voxel size; placement is not compared).
pub fn fsc(a: &Volume<f32>, b: &Volume<f32>) -> Result<FscCurve, EngineError> {
    if a.grid.shape != b.grid.shape
        || (0..3).any(|i| (a.grid.voxel[i] - b.grid.voxel[i]).abs() > 1e-4 * a.grid.voxel[i])
    {
        return Err(EngineError::Input(format!(
            "FSC needs both maps on one grid: {:?} at {:?} Å vs {:?} at {:?} Å (resample one first)",
            a.grid.shape, a.grid.voxel, b.grid.shape, b.grid.voxel
        )));
    }
    fsc_arrays(&a.data, &b.data, a.grid.shape, a.grid.voxel)
}

/// Default soft mask around atoms: radius and cosine edge width, Å.
pub const MASK_RADIUS: f32 = 3.0;
pub const MASK_EDGE: f32 = 3.0;

/// Map-model FSC for the viewer and the CLI: a model map at `resolution` Å on `map`'s grid,
/// optionally both multiplied by a soft mask around the atoms (radius 3 Å + 3 Å cosine edge).
/// Degenerate input (empty grid, no atoms) gives an empty or all-zero curve, never a panic.
pub fn map_model_fsc(map: &Volume<f32>, atoms: &[Atom], resolution: f32, mask: bool) -> FscCurve {
    let model = model_map(&map.grid, atoms, resolution);
    let result = if mask {
        let m = atom_mask(&map.grid, atoms, MASK_RADIUS, MASK_EDGE);
        let a: Vec<f32> = map.data.par_iter().zip(&m.data).map(|(v, w)| v * w).collect();
        let b: Vec<f32> = model.data.par_iter().zip(&m.data).map(|(v, w)| v * w).collect();
        fsc_arrays(&a, &b, map.grid.shape, map.grid.voxel)
    } else {
        fsc_arrays(&map.data, &model.data, map.grid.shape, map.grid.voxel)
    };
    result.unwrap_or_default()
}

#[cfg(test)]
#[path = "fsc_tests.rs"]
mod tests;
