//! Tests of the pdb2vol simulation (kept apart to keep simulate.rs short).
use super::*;
use glam::Vec3;

fn atom(x: f32, y: f32, z: f32, el: &str) -> Atom {
    Atom::new(el, el, "ALA", Vec3::new(x, y, z))
}

#[test]
fn masses_follow_pdb2vol() {
    assert_eq!(pdb2vol_mass("FE"), 55.847);
    assert_eq!(pdb2vol_mass("SE"), 32.060, "first letter S");
    assert_eq!(pdb2vol_mass("MO"), 0.0, "unknown weighs 0");
    assert_eq!(pdb2vol_mass("CA"), 40.080);
}

#[test]
fn fast_equals_naive_for_every_kernel() {
    let atoms: Vec<Atom> = (0..40)
        .map(|i| {
            let t = i as f32;
            atom(
                3.0 + (t * 0.37).sin() * 5.0,
                2.0 + t * 0.21,
                -4.0 + (t * 0.9).cos() * 3.0,
                ["C", "N", "O", "S", "FE"][i % 5],
            )
        })
        .chain([atom(1.0, 1.0, 1.0, "H")])
        .collect();
    let m = model_of(atoms, Path::new("t.pdb"));
    for k in [Kernel::Gaussian, Kernel::Triangular, Kernel::SemiEpanechnikov, Kernel::Epanechnikov, Kernel::HardSphere]
    {
        let mut p = SimParams::new(3.2, 1.05);
        p.kernel = k;
        let a = simulate(&m, &p).unwrap();
        let b = simulate_naive(&m, &p).unwrap();
        assert_eq!(a.volume.grid, b.volume.grid);
        assert_eq!(a.hydrogens_dropped, 1);
        let max = b.volume.data.iter().cloned().fold(0f32, f32::max);
        let diff = a.volume.data.iter().zip(&b.volume.data).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        assert!(diff <= 1e-5 * max, "{k:?}: {diff} of {max}");
    }
}

#[test]
fn grid_is_in_register_with_margins() {
    let m = model_of(vec![atom(10.2, 0.0, -3.3, "C"), atom(20.0, 5.0, 1.0, "C")], Path::new("t.pdb"));
    let s = simulate(&m, &SimParams::new(3.2, 1.0)).unwrap();
    let e = s.exth as f32;
    assert_eq!(s.volume.grid.origin, [10.0 - 2.0 - e, -2.0 - e, -4.0 - 2.0 - e]);
    assert_eq!(s.volume.grid.shape[0], 10 + 5 + 2 * s.exth);
    // mass is conserved up to the kernel's (unnormalised) sum
    assert!(s.volume.data.iter().all(|v| *v >= 0.0));
}

#[test]
fn small_kernel_is_bare_projection() {
    let m = model_of(vec![atom(0.5, 0.5, 0.5, "C")], Path::new("t.pdb"));
    let s = simulate(&m, &SimParams::new(2.0, 1.05)).unwrap();
    assert!(!s.kernel_applied);
    let total: f32 = s.volume.data.iter().sum();
    assert!((total - 12.011).abs() < 1e-3);
    assert!(!s.warnings.is_empty());
}

#[test]
fn place_copies_every_overlapping_voxel_and_zeroes_the_rest() {
    let s = Grid::new([5, 4, 3], [1.0; 3], [2.0, -1.0, 0.0]);
    let src = Volume { grid: s, data: (0..s.len()).map(|v| v as f32 + 1.0).collect() };
    for origin in [[0.0, 0.0, 0.0], [3.0, -2.0, 1.0], [-4.0, 1.0, -1.0], [20.0, 0.0, 0.0]] {
        let t = Grid::new([6, 3, 4], [1.0; 3], origin);
        let out = place(&src, &t).unwrap();
        for o in 0..t.len() {
            let [i, j, k] = t.ijk(o).map(|v| v as i64);
            let si = [i + (origin[0] - 2.0) as i64, j + (origin[1] + 1.0) as i64, k + origin[2] as i64];
            let want = s.checked(si).map_or(0.0, |q| src.data[s.offset(q)]);
            assert_eq!(out.data[o], want, "target voxel {:?} with target origin {origin:?}", [i, j, k]);
        }
    }
}

/// The sparse lattice holds the dense `lattice[o] += t` sums bit for bit: repeated offsets
/// added in the order given (not sorted by value), voxels summing to zero left out, planes in
/// (y, x) order.
#[test]
fn sparse_lattice_sums_as_the_dense_one() {
    let n2 = [7, 5, 6];
    let mut seed = 3u64;
    let mut rnd = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut cs: Vec<(usize, f64)> =
        (0..3000).map(|_| ((rnd() % 210) as usize, (rnd() % 1000) as f64 * 1e-3 + 1e-9)).collect();
    cs.push((209, 0.0)); // an offset whose only contribution is zero
    cs.retain(|c| c.0 != 209 || c.1 == 0.0);
    let mut dense = vec![0f64; 210];
    for &(o, t) in &cs {
        dense[o] += t;
    }
    // bucketed by plane as `plan` does: counting sort, stable
    let plane = n2[0] * n2[1];
    let mut start = vec![0usize; n2[2] + 1];
    for c in &cs {
        start[c.0 / plane + 1] += 1;
    }
    for z in 0..n2[2] {
        start[z + 1] += start[z];
    }
    let mut by_z = vec![(0usize, 0f64); cs.len()];
    let mut next = start.clone();
    for &c in &cs {
        by_z[next[c.0 / plane]] = c;
        next[c.0 / plane] += 1;
    }
    let lattice = conv::Lattice::of_planes(n2, &start, &by_z);
    assert_eq!(
        lattice.dense().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        dense.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    let scan: Vec<(usize, usize, usize)> =
        (0..210).filter(|&o| dense[o] != 0.0).map(|o| (o % 7, (o / 7) % 5, o / 35)).collect();
    let sparse: Vec<(usize, usize, usize)> =
        lattice.planes.iter().enumerate().flat_map(|(z, p)| p.iter().map(move |&(x, y, _)| (x, y, z))).collect();
    assert_eq!(sparse, scan);
}
