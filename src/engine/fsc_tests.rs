//! FSC tests with analytic answers.

use super::*;
use crate::engine::grid::Grid;

/// Deterministic standard normal samples (splitmix64 + Box-Muller).
fn normals(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (next().max(1e-300), next());
            ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
        })
        .collect()
}

/// Periodic separable Gaussian blur, σ in voxels: transfer exp(-2π²σ²f²) (f in cycles/voxel).
fn blur(data: &[f32], n: [usize; 3], sigma: f64) -> Vec<f32> {
    let k = (5.0 * sigma).ceil() as i64;
    let mut w: Vec<f64> = (-k..=k).map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp()).collect();
    let sum: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= sum);
    let mut cur: Vec<f64> = data.iter().map(|&v| v as f64).collect();
    let stride = [1, n[0], n[0] * n[1]];
    for axis in 0..3 {
        let mut out = vec![0.0; cur.len()];
        for (o, val) in out.iter_mut().enumerate() {
            let idx = (o / stride[axis]) % n[axis];
            let base = o - idx * stride[axis];
            *val = (-k..=k)
                .map(|d| {
                    let j = (idx as i64 + d).rem_euclid(n[axis] as i64) as usize;
                    w[(d + k) as usize] * cur[base + j * stride[axis]]
                })
                .sum();
        }
        cur = out;
    }
    cur.into_iter().map(|v| v as f32).collect()
}

#[test]
fn map_with_itself_is_one_in_every_shell() {
    let n = [20, 16, 12];
    let a = normals(n.iter().product(), 1);
    let c = fsc_arrays(&a, &a, n, [1.2; 3]).unwrap();
    assert!(c.shells.len() > 5);
    assert!(c.shells.iter().all(|s| (s.fsc - 1.0).abs() < 1e-9 && s.count > 0));
    // Every Fourier voxel inside Nyquist is counted once.
    assert_eq!(c.shells[0].count, 1);
    assert_eq!(c.d05(), None);
}

#[test]
fn independent_noise_correlates_near_zero() {
    let n = [32, 28, 24];
    let len = n.iter().product();
    let c = fsc_arrays(&normals(len, 2), &normals(len, 3), n, [1.0; 3]).unwrap();
    let inner = &c.shells[1..];
    // Count-weighted mean: its standard error is 1/sqrt(voxels) ≈ 0.002 here.
    let total: f64 = inner.iter().map(|s| s.count as f64).sum();
    let mean = inner.iter().map(|s| s.fsc * s.count as f64).sum::<f64>() / total;
    assert!(mean.abs() < 0.01, "mean FSC {mean}");
    for s in inner.iter().filter(|s| s.count >= 50) {
        assert!(s.fsc.abs() < 5.0 / (s.count as f64).sqrt(), "shell {s:?}");
    }
}

/// Two maps = blurred signal + independent noise: FSC(k) = T²/(T² + σn²) with
/// T = exp(-2π²σ²k²), so FSC = t where k = sqrt(ln((1-t)/(t·σn²)))/(2πσ). A wrong frequency
/// unit (voxel size, per-axis spacing) or binning moves the crossings.
#[test]
fn signal_plus_noise_crosses_where_the_spectral_snr_says() {
    let n = [64, 48, 40];
    let voxel = 1.5f32;
    let (sigma_a, sigma_n) = (2.0f64, 0.1f64);
    let len: usize = n.iter().product();
    let signal = blur(&normals(len, 7), n, sigma_a / voxel as f64);
    let mk =
        |seed| -> Vec<f32> { signal.iter().zip(normals(len, seed)).map(|(s, e)| s + sigma_n as f32 * e).collect() };
    let c = fsc_arrays(&mk(8), &mk(9), n, [voxel; 3]).unwrap();
    for t in [0.5, 0.143] {
        let k = ((1.0 - t) / (t * sigma_n * sigma_n)).ln().sqrt() / (2.0 * std::f64::consts::PI * sigma_a);
        let got = c.resolution_at(t).unwrap();
        assert!((got * k - 1.0).abs() < 0.03, "t={t}: got {got:.3} Å, expected {:.3} Å", 1.0 / k);
    }
}

#[test]
fn crossing_interpolates_linearly_in_frequency() {
    let shell =
        |i: usize, fsc: f64| FscShell { freq: i as f64 * 0.1, resolution: 1.0 / (i as f64 * 0.1), fsc, count: 1 };
    let c = FscCurve {
        shells: vec![shell(0, 1.0), shell(1, 0.9), shell(2, 0.7), shell(3, 0.3), shell(4, 0.6)],
        bin_width: 0.1,
    };
    // 0.7 -> 0.3 between 0.2 and 0.3 Å⁻¹: 0.5 at 0.25 Å⁻¹ = 4 Å; the later rise is ignored.
    assert!((c.d05().unwrap() - 4.0).abs() < 1e-12);
    assert!((c.resolution_at(0.95).unwrap() - 20.0).abs() < 1e-9);
    assert_eq!(c.resolution_at(0.2), None);
}

#[test]
fn mismatched_grids_are_an_error_not_a_panic() {
    let a = Volume { grid: Grid::new([4, 4, 4], [1.0; 3], [0.0; 3]), data: vec![0.0; 64] };
    let b = Volume { grid: Grid::new([4, 4, 5], [1.0; 3], [0.0; 3]), data: vec![0.0; 80] };
    assert!(fsc(&a, &b).is_err());
    assert!(fsc_arrays(&[0.0; 3], &[0.0; 3], [3, 1, 1], [1.0; 3]).is_err());
    assert!(fsc_arrays(&[0.0; 8], &[0.0; 8], [usize::MAX, 2, 2], [1.0; 3]).is_err());
    // All-zero maps: defined (0), not NaN.
    assert!(fsc(&a, &a).unwrap().shells.iter().all(|s| s.fsc == 0.0));
}
