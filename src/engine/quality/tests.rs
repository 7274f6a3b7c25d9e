use std::path::Path;

use glam::Vec3;

use super::*;
use crate::engine::grid::Grid;
use crate::engine::model::{Atom, read_model};
use crate::engine::simulate::model_of;

fn lcg(seed: u64) -> impl FnMut() -> f32 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A map on `grid` holding `f` at every voxel centre.
fn map_of(grid: Grid, f: impl Fn(Vec3) -> f32) -> Volume<f32> {
    let mut v = Volume::zeros(grid);
    for o in 0..grid.len() {
        let w = grid.index_to_world(grid.ijk(o).map(|x| x as f64)).as_vec3();
        v.data[o] = f(w);
    }
    v
}

fn gaussian(c: Vec3, sigma: f32) -> impl Fn(Vec3) -> f32 {
    move |p| (-(p - c).length_squared() / (2.0 * sigma * sigma)).exp()
}

#[test]
fn probe_directions_are_cctbx_spiral() {
    let d = probe_directions_ref();
    assert_eq!(d.len(), 32);
    for v in &d {
        assert!((v.length() - 1.0).abs() < 1e-5);
    }
    // First and last are the poles; the second is cctbx's (x, y, z) for n = 32.
    assert!((d[0] - Vec3::new(0.0, 0.0, -1.0)).length() < 1e-5);
    assert!((d[31] - Vec3::new(0.0, 0.0, 1.0)).length() < 1e-5);
    let h = -1.0 + 2.0 / 31.0f64;
    let t = 3.6 / (32.0 * (1.0 - h * h)).sqrt();
    let s = (1.0 - h * h).sqrt();
    assert!((d[1] - Vec3::new((s * t.cos()) as f32, (s * t.sin()) as f32, h as f32)).length() < 1e-5);
}

fn probe_directions_ref() -> Vec<Vec3> {
    qscore::probe_directions(32)
}

#[test]
fn gaussian_atom_of_sigma_0_6_scores_near_one() {
    let grid = Grid::new([48; 3], [0.25; 3], [0.0; 3]);
    let c = Vec3::splat(6.0);
    let map = map_of(grid, gaussian(c, 0.6));
    let model = model_of(vec![Atom::new("CA", "C", "ALA", c)], Path::new("one.pdb"));
    let q = assess(&map, &model, &QualityParams::new(3.0), None).unwrap();
    assert!(q.atoms[0].q > 0.99, "Q {}", q.atoms[0].q);
    // A broader blob (sigma 1.5 Å) fits the 0.6 Å reference worse.
    let wide = map_of(grid, gaussian(c, 1.5));
    let q2 = assess(&wide, &model, &QualityParams::new(3.0), None).unwrap();
    assert!(q2.atoms[0].q < q.atoms[0].q - 0.05, "{} vs {}", q2.atoms[0].q, q.atoms[0].q);
}

#[test]
fn pure_noise_scores_near_zero() {
    let grid = Grid::new([40; 3], [1.0; 3], [0.0; 3]);
    let mut rnd = lcg(7);
    let data: Vec<f32> = (0..grid.len()).map(|_| rnd() - 0.5).collect();
    let map = Volume { grid, data };
    let atoms: Vec<Atom> = (0..300)
        .map(|_| Atom::new("CA", "C", "GLY", Vec3::new(rnd(), rnd(), rnd()) * 32.0 + Vec3::splat(3.0)))
        .collect();
    let model = model_of(atoms, Path::new("noise.pdb"));
    let q = assess(&map, &model, &QualityParams::new(3.0), None).unwrap();
    assert!(q.summary.atoms_scored > 250);
    assert!(q.summary.mean_q.abs() < 0.1, "mean Q on noise {}", q.summary.mean_q);
    assert!(q.summary.low_q_fraction > 0.7, "share below 0.4: {}", q.summary.low_q_fraction);
}

#[test]
fn hydrogens_are_skipped_and_neighbours_drop_probes() {
    let grid = Grid::new([40; 3], [0.3; 3], [0.0; 3]);
    let (a, b) = (Vec3::new(5.0, 6.0, 6.0), Vec3::new(6.5, 6.0, 6.0));
    let map = map_of(grid, |p| gaussian(a, 0.6)(p) + gaussian(b, 0.6)(p));
    let atoms =
        vec![Atom::new("C1", "C", "LIG", a), Atom::new("C2", "C", "LIG", b), Atom::new("H1", "H", "LIG", a + Vec3::X)];
    let q = assess(&map, &model_of(atoms, Path::new("pair.pdb")), &QualityParams::new(3.0), None).unwrap();
    assert!(q.atoms[2].q.is_nan());
    assert_eq!(q.summary.hydrogens_skipped, 1);
    // Without the rejection the neighbour's density would spoil both atoms' Q.
    assert!(q.atoms[0].q > 0.95 && q.atoms[1].q > 0.95, "{:?}", q.atoms);
}

#[test]
fn blob_without_atoms_is_found_with_its_volume() {
    let grid = Grid::new([40; 3], [1.0; 3], [0.0; 3]);
    let (atom, centre, r) = (Vec3::splat(8.0), Vec3::new(26.0, 26.0, 26.0), 4.5f32);
    let map = map_of(grid, |p| gaussian(atom, 0.8)(p) + if (p - centre).length() <= r { 1.0 } else { 0.0 });
    let model = model_of(vec![Atom::new("CA", "C", "ALA", atom)], Path::new("blob.pdb"));
    let mut p = QualityParams::new(3.0);
    p.contour = Contour::Level(0.5);
    let q = assess(&map, &model, &p, None).unwrap();
    assert_eq!(q.blobs.len(), 1, "{:?}", q.blobs.iter().map(|b| b.volume_a3).collect::<Vec<_>>());
    let b = &q.blobs[0];
    let want = 4.0 / 3.0 * std::f64::consts::PI * (r as f64).powi(3);
    assert!((b.volume_a3 / want - 1.0).abs() < 0.1, "volume {} vs {want}", b.volume_a3);
    assert!((Vec3::new(b.centroid[0] as f32, b.centroid[1] as f32, b.centroid[2] as f32) - centre).length() < 0.2);
    let d = (centre - atom).length() - r;
    assert!((b.nearest_atom - d).abs() < 1.0, "nearest {} vs {d}", b.nearest_atom);
    assert_eq!(b.peak, 1.0);
    // The atom's own density is modelled: nothing else is unmodelled.
    assert!(q.summary.unmodelled_fraction > 0.9 && q.summary.unmodelled_fraction <= 1.0);
    assert_eq!(q.summary.unsupported_atoms, 0);
}

#[test]
fn contour_rules() {
    let grid = Grid::new([10; 3], [1.0; 3], [0.0; 3]);
    let map = Volume { grid, data: (0..1000).map(|i| i as f32).collect() };
    let model = model_of(vec![Atom::new("CA", "C", "ALA", Vec3::ZERO)], Path::new("m.pdb"));
    assert_eq!(contour_level(&map, &model, Contour::VoxelFraction(0.01)), 990.0);
    assert_eq!(contour_level(&map, &model, Contour::Level(3.0)), 3.0);
    // 12.011 Da x 1.21 Å³/Da = 14.5 Å³: the 14 highest voxels.
    assert_eq!(contour_level(&map, &model, Contour::ModelVolume), 986.0);
}

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real").join(rel)
}

#[test]
fn a_chain_shifted_by_2_a_is_flagged() {
    let map = crate::engine::read_map(&data("5ni1/emd_3488.mrc")).unwrap().volume;
    let mut model = read_model(&data("5ni1/5me2.pdb")).unwrap();
    for a in model.atoms.iter_mut().filter(|a| a.chain == "B") {
        a.pos += Vec3::new(2.0, 0.0, 0.0);
    }
    let q = assess(&map, &model, &QualityParams::new(3.2), None).unwrap();
    let chain_q = |c: &str, f: &dyn Fn(&ResidueQuality) -> f32| {
        let v: Vec<f32> = q.residues.iter().filter(|r| r.residue.chain == c).map(f).filter(|x| x.is_finite()).collect();
        v.iter().sum::<f32>() / v.len() as f32
    };
    let (qa, qb) = (chain_q("A", &|r| r.q), chain_q("B", &|r| r.q));
    let (cca, ccb) = (chain_q("A", &|r| r.cc), chain_q("B", &|r| r.cc));
    eprintln!("mean Q A {qa:.3} B {qb:.3}; CC A {cca:.3} B {ccb:.3}");
    assert!(qa > 0.5 && qb < qa - 0.25, "Q A {qa} B {qb}");
    assert!(ccb < cca - 0.2, "CC A {cca} B {ccb}");
    // The worst residues are the shifted chain's.
    let worst = q.worst_residues(20);
    assert!(worst.iter().filter(|r| r.residue.chain == "B").count() >= 18);
}
