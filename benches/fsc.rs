//! FSC speed: a 256³ pair (target < 2 s on 2 cores), and, for scale, the same FSC with a
//! straightforward full complex 3-D FFT (strided gather per axis, no real-to-complex).
//! `cargo bench --bench fsc` (release); FSC_BENCH_N=128 for a smaller cube.

use std::time::Instant;

use cryolabel::engine::fsc::fsc_arrays;
use rayon::prelude::*;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

fn synthetic(n: usize, seed: u32) -> Vec<f32> {
    (0..n * n * n)
        .into_par_iter()
        .map(|i| {
            let mut h = (i as u32).wrapping_mul(2_654_435_761) ^ seed;
            h ^= h >> 15;
            h = h.wrapping_mul(2_246_822_519);
            h ^= h >> 13;
            let (x, y, z) = ((i % n) as f32, ((i / n) % n) as f32, (i / (n * n)) as f32);
            (0.05 * x + 0.07 * y).sin() * (0.03 * z).cos() + (h as f32 / u32::MAX as f32 - 0.5)
        })
        .collect()
}

/// Baseline: full complex FFT along each axis with a gather/scatter per line.
fn naive_fsc(a: &[f32], b: &[f32], n: usize) -> Vec<f64> {
    let fft = FftPlanner::<f32>::new().plan_fft_forward(n);
    let spectrum = |d: &[f32]| {
        let mut c: Vec<Complex32> = d.iter().map(|&v| Complex32::new(v, 0.0)).collect();
        for stride in [1, n, n * n] {
            let lines: Vec<Vec<Complex32>> = (0..n * n)
                .into_par_iter()
                .map(|l| {
                    let base = if stride == 1 {
                        l * n
                    } else if stride == n {
                        (l / n) * n * n + l % n
                    } else {
                        l
                    };
                    let mut line: Vec<Complex32> = (0..n).map(|i| c[base + i * stride]).collect();
                    fft.process(&mut line);
                    line
                })
                .collect();
            for (l, line) in lines.into_iter().enumerate() {
                let base = if stride == 1 {
                    l * n
                } else if stride == n {
                    (l / n) * n * n + l % n
                } else {
                    l
                };
                for (i, v) in line.into_iter().enumerate() {
                    c[base + i * stride] = v;
                }
            }
        }
        c
    };
    let (fa, fb) = (spectrum(a), spectrum(b));
    let mut sums = vec![[0f64; 3]; n / 2 + 1];
    let k = |i: usize| if i <= n / 2 { i as f64 } else { i as f64 - n as f64 };
    for i in 0..n * n * n {
        let r = (k(i % n).powi(2) + k((i / n) % n).powi(2) + k(i / (n * n)).powi(2)).sqrt();
        let s = (r + 0.5).floor() as usize;
        if r <= (n / 2) as f64 && s < sums.len() {
            let (x, y) = (fa[i], fb[i]);
            sums[s][0] += (x.re * y.re + x.im * y.im) as f64;
            sums[s][1] += x.norm_sqr() as f64;
            sums[s][2] += y.norm_sqr() as f64;
        }
    }
    sums.iter().map(|s| s[0] / (s[1] * s[2]).sqrt()).collect()
}

fn main() {
    let n: usize = std::env::var("FSC_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let (a, b) = (synthetic(n, 1), synthetic(n, 2));
    println!("FSC of a {n}^3 pair, {} rayon threads", rayon::current_num_threads());
    let mut best = f64::INFINITY;
    let mut curve = None;
    for _ in 0..3 {
        let t = Instant::now();
        curve = Some(fsc_arrays(&a, &b, [n; 3], [1.0; 3]).expect("fsc"));
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("cryolabel fsc_arrays (r2c, batched rows): {best:.3} s (best of 3)");
    let t = Instant::now();
    let naive = naive_fsc(&a, &b, n);
    let tn = t.elapsed().as_secs_f64();
    println!("baseline full complex FFT, gathered lines: {tn:.3} s  (ratio {:.1}x)", tn / best);
    let c = curve.unwrap();
    let worst = c.shells.iter().zip(&naive).skip(1).map(|(s, r)| (s.fsc - r).abs()).fold(0.0, f64::max);
    println!("max |FSC difference| vs baseline: {worst:.2e}");
}
