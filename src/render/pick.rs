//! Picking in 3-D: the nearest surface triangle or sphere along a ray.

use glam::Vec3;

use super::isosurface::Mesh;

/// Distance along the ray to the first triangle hit (Möller–Trumbore, both sides).
pub fn ray_mesh(origin: Vec3, dir: Vec3, mesh: &Mesh) -> Option<f32> {
    let mut best: Option<f32> = None;
    for t in mesh.indices.chunks_exact(3) {
        let Some([a, b, c]) = [t[0], t[1], t[2]]
            .map(|i| mesh.positions.get(i as usize).map(|p| Vec3::from(*p)))
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .and_then(|v| <[Vec3; 3]>::try_from(v).ok())
        else {
            continue;
        };
        let (e1, e2) = (b - a, c - a);
        let p = dir.cross(e2);
        let det = e1.dot(p);
        if det.abs() < 1e-12 {
            continue;
        }
        let inv = 1.0 / det;
        let s = origin - a;
        let u = s.dot(p) * inv;
        if !(0.0..=1.0).contains(&u) {
            continue;
        }
        let q = s.cross(e1);
        let v = dir.dot(q) * inv;
        if v < 0.0 || u + v > 1.0 {
            continue;
        }
        let d = e2.dot(q) * inv;
        if d > 0.0 && best.is_none_or(|b| d < b) {
            best = Some(d);
        }
    }
    best
}

/// Distance along the ray to the first sphere hit; spheres are [x, y, z, r, ...].
pub fn ray_spheres(origin: Vec3, dir: Vec3, spheres: &[[f32; 8]]) -> Option<f32> {
    ray_spheres_index(origin, dir, spheres, 0.0).map(|(t, _)| t)
}

/// The first sphere hit, each sphere at least `min_radius` big (thin sticks' atoms stay easy to
/// point at): distance along the ray and the sphere's index (an atom, for atoms).
pub fn ray_spheres_index(origin: Vec3, dir: Vec3, spheres: &[[f32; 8]], min_radius: f32) -> Option<(f32, usize)> {
    let mut best: Option<(f32, usize)> = None;
    for (i, s) in spheres.iter().enumerate() {
        let (c, r) = (Vec3::new(s[0], s[1], s[2]), s[3].max(min_radius));
        let oc = origin - c;
        let b = oc.dot(dir);
        let h = b * b - (oc.length_squared() - r * r);
        if h < 0.0 {
            continue;
        }
        let d = -b - h.sqrt();
        if d > 0.0 && best.is_none_or(|x| d < x.0) {
            best = Some((d, i));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_the_nearest() {
        let m = Mesh {
            positions: vec![[-1.0, -1.0, 0.0], [1.0, -1.0, 0.0], [1.0, 1.0, 0.0], [-1.0, 1.0, 0.0]],
            normals: vec![[0.0, 0.0, 1.0]; 4],
            indices: vec![0, 1, 2, 0, 2, 3],
        };
        let o = Vec3::new(0.2, 0.3, 5.0);
        assert!((ray_mesh(o, Vec3::NEG_Z, &m).unwrap() - 5.0).abs() < 1e-5);
        assert!(ray_mesh(o, Vec3::Z, &m).is_none());
        let s = [[0.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, -2.0, 1.0, 0.0, 0.0, 0.0, 0.0]];
        assert!((ray_spheres(Vec3::new(0.0, 0.0, 5.0), Vec3::NEG_Z, &s).unwrap() - 2.0).abs() < 1e-5);
        assert_eq!(ray_spheres_index(Vec3::new(0.0, 0.0, -5.0), Vec3::Z, &s, 0.0).map(|h| h.1), Some(1));
        assert_eq!(ray_spheres_index(Vec3::new(1.5, 0.0, 5.0), Vec3::NEG_Z, &s, 2.0).map(|h| h.1), Some(0));
    }
}
