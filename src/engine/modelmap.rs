//! A model map for map-model FSC, and a soft mask around atoms.
//!
//! The model map is ChimeraX molmap's: one Gaussian per atom, weight = atomic number,
//! σ = R/(π√2) ≈ 0.225·R, cut at 4σ, computed on the experimental map's grid. Note that FSC
//! is unchanged by any real positive isotropic filter applied to one map, so σ (hence the
//! resolution) hardly moves the FSC curve; it matters only through the 4σ cut-off and
//! float range near Nyquist. Both functions split the work over z planes with rayon.

use rayon::prelude::*;

use super::grid::{Grid, Volume};
use super::model::Atom;

/// molmap's σ factor 1/(π√2).
pub const SIGMA_FACTOR: f32 = 0.225_079;

/// Atomic number of an element symbol (upper case); 6 for unknown symbols.
pub fn atomic_number(element: &str) -> f32 {
    match element {
        "H" | "D" => 1.0,
        "C" => 6.0,
        "N" => 7.0,
        "O" => 8.0,
        "NA" => 11.0,
        "MG" => 12.0,
        "P" => 15.0,
        "S" => 16.0,
        "CL" => 17.0,
        "K" => 19.0,
        "CA" => 20.0,
        "MN" => 25.0,
        "FE" => 26.0,
        "CO" => 27.0,
        "NI" => 28.0,
        "CU" => 29.0,
        "ZN" => 30.0,
        "SE" => 34.0,
        "BR" => 35.0,
        "I" => 53.0,
        _ => 6.0,
    }
}

/// An atom in fractional voxel coordinates, with its weight.
#[derive(Clone, Copy)]
struct Placed {
    f: [f64; 3],
    w: f32,
}

/// Atoms as fractional indices, sorted by z, for per-plane range searches.
fn placed(grid: &Grid, atoms: &[Atom]) -> Vec<Placed> {
    let mut p: Vec<Placed> = atoms
        .iter()
        .filter(|a| a.pos.is_finite())
        .map(|a| Placed { f: grid.world_to_fractional(a.pos.as_dvec3()), w: atomic_number(&a.element) })
        .collect();
    p.sort_by(|a, b| a.f[2].total_cmp(&b.f[2]));
    p
}

/// Inclusive index range [lo, hi] of voxels within `r` voxels of `c` on an axis of n; None if empty.
#[inline]
fn window(c: f64, r: f64, n: usize) -> Option<(usize, usize)> {
    let lo = (c - r).ceil().max(0.0);
    let hi = (c + r).floor().min(n as f64 - 1.0);
    (lo <= hi).then_some((lo as usize, hi as usize))
}

/// Visit, for each z plane in parallel, the atoms within `reach` Å of it in z.
fn for_each_plane(
    grid: &Grid,
    atoms: &[Placed],
    reach: f32,
    out: &mut [f32],
    f: impl Fn(usize, &mut [f32], &[Placed]) + Sync,
) {
    let [nx, ny, _] = grid.shape;
    let rz = reach as f64 / grid.voxel[2] as f64;
    out.par_chunks_mut(nx * ny).enumerate().for_each(|(z, plane)| {
        let lo = atoms.partition_point(|a| a.f[2] < z as f64 - rz);
        let hi = atoms.partition_point(|a| a.f[2] <= z as f64 + rz);
        f(z, plane, &atoms[lo..hi]);
    });
}

/// molmap-style model map on `grid`; `resolution` in Å (non-positive or non-finite: 3 Å).
pub fn model_map(grid: &Grid, atoms: &[Atom], resolution: f32) -> Volume<f32> {
    let mut vol = Volume::<f32>::zeros(*grid);
    if grid.is_empty() {
        return vol;
    }
    let res = if resolution.is_finite() && resolution > 0.0 { resolution } else { 3.0 };
    let sigma = (SIGMA_FACTOR * res) as f64;
    let reach = 4.0 * sigma;
    let inv2s2 = 1.0 / (2.0 * sigma * sigma);
    let [nx, ny, _] = grid.shape;
    let v = grid.voxel.map(|x| x as f64);
    let p = placed(grid, atoms);
    for_each_plane(grid, &p, reach as f32, &mut vol.data, |z, plane, near| {
        let mut gx = Vec::new();
        for a in near {
            let dz = (z as f64 - a.f[2]) * v[2];
            let wz = a.w as f64 * (-dz * dz * inv2s2).exp();
            let (Some((x0, x1)), Some((y0, y1))) = (window(a.f[0], reach / v[0], nx), window(a.f[1], reach / v[1], ny))
            else {
                continue;
            };
            gx.clear();
            gx.extend((x0..=x1).map(|x| {
                let d = (x as f64 - a.f[0]) * v[0];
                (-d * d * inv2s2).exp()
            }));
            for y in y0..=y1 {
                let d = (y as f64 - a.f[1]) * v[1];
                let wyz = wz * (-d * d * inv2s2).exp();
                let row = &mut plane[y * nx + x0..=y * nx + x1];
                for (o, g) in row.iter_mut().zip(&gx) {
                    *o += (wyz * g) as f32;
                }
            }
        }
    });
    vol
}

/// Soft mask: 1 within `radius` Å of any atom, falling to 0 over `edge` Å by a raised cosine.
pub fn atom_mask(grid: &Grid, atoms: &[Atom], radius: f32, edge: f32) -> Volume<f32> {
    let mut vol = Volume::<f32>::zeros(*grid);
    if grid.is_empty() {
        return vol;
    }
    let (r, e) = (radius.max(0.0) as f64, edge.max(0.0) as f64);
    let reach = r + e;
    let [nx, ny, _] = grid.shape;
    let v = grid.voxel.map(|x| x as f64);
    let p = placed(grid, atoms);
    for_each_plane(grid, &p, reach as f32, &mut vol.data, |z, plane, near| {
        for a in near {
            let dz = (z as f64 - a.f[2]) * v[2];
            let (Some((x0, x1)), Some((y0, y1))) = (window(a.f[0], reach / v[0], nx), window(a.f[1], reach / v[1], ny))
            else {
                continue;
            };
            for y in y0..=y1 {
                let dy = (y as f64 - a.f[1]) * v[1];
                for x in x0..=x1 {
                    let dx = (x as f64 - a.f[0]) * v[0];
                    let d = (dx * dx + dy * dy + dz * dz).sqrt();
                    let m = if d <= r {
                        1.0
                    } else if d < reach && e > 0.0 {
                        0.5 * (1.0 + (std::f64::consts::PI * (d - r) / e).cos())
                    } else {
                        0.0
                    };
                    let o = &mut plane[y * nx + x];
                    *o = o.max(m as f32);
                }
            }
        }
    });
    vol
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec3;

    fn atom(x: f32, y: f32, z: f32, el: &str) -> Atom {
        Atom::new(el, el, "X", Vec3::new(x, y, z))
    }

    #[test]
    fn gaussian_integrates_to_atomic_number_and_peaks_at_atom() {
        let g = Grid::new([32; 3], [0.5; 3], [0.0; 3]);
        let m = model_map(&g, &[atom(8.0, 8.0, 8.0, "O")], 3.0);
        let sigma = SIGMA_FACTOR as f64 * 3.0;
        let integral: f64 = m.data.iter().map(|&v| v as f64).sum::<f64>() * 0.125;
        let expect = 8.0 * (2.0 * std::f64::consts::PI).powf(1.5) * sigma.powi(3);
        assert!((integral / expect - 1.0).abs() < 1e-3, "{integral} vs {expect}");
        assert_eq!(m.at([16, 16, 16]), m.data.iter().cloned().fold(0.0, f32::max));
    }

    #[test]
    fn mask_is_one_near_atoms_soft_then_zero() {
        let g = Grid::new([40, 30, 20], [1.0; 3], [0.0; 3]);
        let m = atom_mask(&g, &[atom(10.0, 10.0, 10.0, "C")], 3.0, 2.0);
        assert_eq!(m.at([13, 10, 10]), 1.0);
        assert!((m.at([14, 10, 10]) - 0.5).abs() < 1e-6);
        assert_eq!(m.at([15, 10, 10]), 0.0);
        assert_eq!(m.at([30, 20, 5]), 0.0);
    }

    #[test]
    fn atoms_outside_and_empty_grids_are_harmless() {
        let g = Grid::new([8; 3], [1.0; 3], [0.0; 3]);
        let far = [atom(-100.0, 4.0, 4.0, "C"), atom(f32::NAN, 0.0, 0.0, "C")];
        assert!(model_map(&g, &far, 3.0).data.iter().all(|&v| v == 0.0));
        let empty = Grid::new([0, 8, 8], [1.0; 3], [0.0; 3]);
        assert!(model_map(&empty, &far, 3.0).data.is_empty());
    }
}
