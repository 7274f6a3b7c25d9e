//! 3-D real-to-complex FFT of an x-fastest volume, for Fourier shell statistics.
//!
//! Real-to-complex along x (half the work and memory of a complex FFT), then complex FFTs
//! along y and z. Each pass runs on contiguous rows so rustfft can batch them; two
//! transposes make y and then z contiguous. Rayon splits every pass over slabs.

use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

/// The non-redundant half of the spectrum of a real 3-D array: kx in 0..=nx/2, every ky
/// and kz. Layout [kx][ky][kz], kz fastest. Unnormalised (numpy's `fftn` convention).
#[derive(Clone, Debug)]
pub struct HalfSpectrum {
    /// Real-space shape (x, y, z).
    pub n: [usize; 3],
    /// nx/2 + 1.
    pub nh: usize,
    pub data: Vec<Complex32>,
}

impl HalfSpectrum {
    /// Offset of Fourier voxel (kx, ky, kz) with kx < nh and ky, kz unsigned indices.
    #[inline]
    pub fn offset(&self, kx: usize, ky: usize, kz: usize) -> usize {
        kz + self.n[2] * (ky + self.n[1] * kx)
    }

    /// How many full-spectrum voxels the half-spectrum plane `kx` stands for: planes other
    /// than kx = 0 and (even nx) kx = nx/2 also represent their conjugate mirror.
    #[inline]
    pub fn plane_weight(&self, kx: usize) -> u32 {
        if kx == 0 || (self.n[0] % 2 == 0 && kx == self.n[0] / 2) { 1 } else { 2 }
    }
}

/// Forward FFT of `data` (x fastest, shape `n`). `data.len()` must equal the product of `n`
/// and every axis must be at least 1; an empty array gives an empty spectrum.
pub fn rfft3(data: &[f32], n: [usize; 3]) -> HalfSpectrum {
    let [nx, ny, nz] = n;
    let nh = nx / 2 + 1;
    if nx == 0 || ny == 0 || nz == 0 || nx.checked_mul(ny).and_then(|v| v.checked_mul(nz)) != Some(data.len()) {
        return HalfSpectrum { n, nh, data: Vec::new() };
    }
    let r2c = RealFftPlanner::<f32>::new().plan_fft_forward(nx);
    let mut planner = FftPlanner::<f32>::new();
    let fft_y = planner.plan_fft_forward(ny);
    let fft_z = planner.plan_fft_forward(nz);
    let zero = Complex32::new(0.0, 0.0);

    // Pass 1: x rows -> a[z][y][kx].
    let slab = nh * ny;
    let mut a = vec![zero; slab * nz];
    a.par_chunks_mut(slab).zip(data.par_chunks(nx * ny)).for_each_init(
        || (vec![0f32; nx], r2c.make_scratch_vec()),
        |(input, scratch), (out, src)| {
            for y in 0..ny {
                input.copy_from_slice(&src[y * nx..(y + 1) * nx]);
                // Lengths are right by construction; an error cannot happen.
                let _ = r2c.process_with_scratch(input, &mut out[y * nh..(y + 1) * nh], scratch);
            }
        },
    );

    // Pass 2: transpose each z slab to b[z][kx][y], FFT the y rows in one batch.
    let mut b = vec![zero; slab * nz];
    b.par_chunks_mut(slab).zip(a.par_chunks(slab)).for_each_init(
        || vec![zero; fft_y.get_inplace_scratch_len()],
        |scratch, (dst, src)| {
            for y in 0..ny {
                let row = &src[y * nh..(y + 1) * nh];
                for (kx, v) in row.iter().enumerate() {
                    dst[kx * ny + y] = *v;
                }
            }
            fft_y.process_with_scratch(dst, scratch);
        },
    );

    // Pass 3: transpose to c[kx][y][z] (reusing `a`), FFT the z rows.
    let plane = ny * nz;
    a.par_chunks_mut(plane).enumerate().for_each_init(
        || vec![zero; fft_z.get_inplace_scratch_len()],
        |scratch, (kx, dst)| {
            for z in 0..nz {
                let src = &b[z * slab + kx * ny..z * slab + (kx + 1) * ny];
                for (y, v) in src.iter().enumerate() {
                    dst[y * nz + z] = *v;
                }
            }
            fft_z.process_with_scratch(dst, scratch);
        },
    );
    HalfSpectrum { n, nh, data: a }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct DFT of one coefficient, f64.
    fn dft(data: &[f32], n: [usize; 3], k: [usize; 3]) -> (f64, f64) {
        let (mut re, mut im) = (0.0, 0.0);
        for z in 0..n[2] {
            for y in 0..n[1] {
                for x in 0..n[0] {
                    let ph = -2.0
                        * std::f64::consts::PI
                        * ((k[0] * x) as f64 / n[0] as f64
                            + (k[1] * y) as f64 / n[1] as f64
                            + (k[2] * z) as f64 / n[2] as f64);
                    let v = data[x + n[0] * (y + n[1] * z)] as f64;
                    re += v * ph.cos();
                    im += v * ph.sin();
                }
            }
        }
        (re, im)
    }

    #[test]
    fn matches_direct_dft_on_odd_and_even_axes() {
        let n = [6, 5, 4];
        let data: Vec<f32> = (0..120).map(|i| ((i * 37 % 17) as f32 - 8.0) * 0.25).collect();
        let s = rfft3(&data, n);
        for kx in 0..s.nh {
            for ky in 0..n[1] {
                for kz in 0..n[2] {
                    let (re, im) = dft(&data, n, [kx, ky, kz]);
                    let c = s.data[s.offset(kx, ky, kz)];
                    assert!(
                        (c.re as f64 - re).abs() < 1e-3 && (c.im as f64 - im).abs() < 1e-3,
                        "{kx},{ky},{kz}: {c} vs {re},{im}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_length_gives_empty_spectrum() {
        assert!(rfft3(&[1.0; 5], [2, 2, 2]).data.is_empty());
    }
}
