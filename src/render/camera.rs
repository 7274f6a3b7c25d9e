//! The 3-D camera: orbit about a centre (trackball), pan, zoom, a near/far clip slab and
//! orthographic or perspective projection. Depth runs 0..1 as wgpu expects.

use glam::{Mat4, Quat, Vec3, Vec4Swizzles};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    /// The point rotations turn about and the view looks at (ChimeraX's centre of rotation).
    pub centre: Vec3,
    /// Camera orientation: maps view axes to world axes.
    pub rotation: Quat,
    /// Eye to centre, Å.
    pub distance: f32,
    /// Vertical field of view in radians; orthographic views use the same framing.
    pub fov_y: f32,
    pub perspective: bool,
    /// Radius of the scene about `centre`, sets the depth range.
    pub radius: f32,
    /// Clip slab as fractions of the scene depth (0 = front of the scene, 1 = back).
    pub near_clip: f32,
    pub far_clip: f32,
}

impl Default for Camera {
    fn default() -> Self {
        Camera {
            centre: Vec3::ZERO,
            rotation: Quat::IDENTITY,
            distance: 100.0,
            fov_y: 30f32.to_radians(),
            perspective: false,
            radius: 50.0,
            near_clip: 0.0,
            far_clip: 1.0,
        }
    }
}

impl Camera {
    /// Frame a box: look down -z at its centre from far enough to see all of it.
    pub fn fit(&mut self, lo: Vec3, hi: Vec3) {
        let r = ((hi - lo).length() * 0.5).max(1.0);
        self.centre = (lo + hi) * 0.5;
        self.radius = r;
        self.distance = r / (self.fov_y * 0.5).sin() * 1.05;
        self.near_clip = 0.0;
        self.far_clip = 1.0;
    }

    pub fn view(&self) -> Mat4 {
        Mat4::from_translation(Vec3::new(0.0, 0.0, -self.distance))
            * Mat4::from_quat(self.rotation.inverse())
            * Mat4::from_translation(-self.centre)
    }

    /// Half the visible height at the centre's depth, Å.
    pub fn half_height(&self) -> f32 {
        self.distance * (self.fov_y * 0.5).tan()
    }

    pub fn projection(&self, aspect: f32) -> Mat4 {
        let aspect = if aspect.is_finite() && aspect > 0.0 { aspect } else { 1.0 };
        // Radius is measured from the scene centre, which may have been panned away from.
        let depth = 2.0 * self.radius;
        let front = self.distance - self.radius;
        let near_clip = self.near_clip.clamp(0.0, 1.0);
        let far_clip = self.far_clip.clamp(near_clip + 1e-3, 1.0 + 1e-3);
        let (mut near, far) = (front + near_clip * depth, front + far_clip * depth + 1e-3 * depth);
        if self.perspective {
            near = near.max(far * 1e-3).max(1e-3);
            perspective(self.fov_y, aspect, near, far.max(near * 1.01))
        } else {
            let h = self.half_height();
            orthographic(h * aspect, h, near, far.max(near + 1e-3))
        }
    }

    /// Rotate as a trackball: a drag of (dx, dy) pixels turns the scene about the screen
    /// axis perpendicular to the drag; a viewport-height drag is half a turn.
    pub fn rotate(&mut self, dx: f32, dy: f32, viewport_height: f32) {
        let d = glam::Vec2::new(dx, dy);
        if d.length_squared() == 0.0 || !d.is_finite() {
            return;
        }
        let angle = d.length() / viewport_height.max(1.0) * std::f32::consts::PI;
        let axis = Vec3::new(dy, dx, 0.0).normalize();
        self.rotation = (self.rotation * Quat::from_axis_angle(axis, -angle)).normalize();
    }

    /// Move the centre so the scene follows a drag of (dx, dy) pixels.
    pub fn pan(&mut self, dx: f32, dy: f32, viewport_height: f32) {
        let per_px = 2.0 * self.half_height() / viewport_height.max(1.0);
        let shift = self.rotation * Vec3::new(-dx * per_px, dy * per_px, 0.0);
        if shift.is_finite() {
            self.centre += shift;
        }
    }

    /// Zoom by a factor (> 1 = closer).
    pub fn zoom(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.distance = (self.distance / factor).clamp(self.radius * 0.01, self.radius * 50.0);
        }
    }

    /// The world-space ray through a viewport position (pixels from the top-left).
    pub fn ray(&self, px: f32, py: f32, width: f32, height: f32) -> (Vec3, Vec3) {
        let ndc = glam::Vec2::new(2.0 * px / width.max(1.0) - 1.0, 1.0 - 2.0 * py / height.max(1.0));
        let inv = (self.projection(width / height.max(1.0)) * self.view()).inverse();
        let a = inv * glam::Vec4::new(ndc.x, ndc.y, 0.0, 1.0);
        let b = inv * glam::Vec4::new(ndc.x, ndc.y, 1.0, 1.0);
        let (a, b) = (a.xyz() / a.w, b.xyz() / b.w);
        (a, (b - a).normalize_or(Vec3::NEG_Z))
    }
}

/// Right-handed perspective, depth 0 (near) to 1 (far).
fn perspective(fov_y: f32, aspect: f32, near: f32, far: f32) -> Mat4 {
    let f = 1.0 / (fov_y * 0.5).tan();
    let r = far / (near - far);
    Mat4::from_cols_array(&[f / aspect, 0.0, 0.0, 0.0, 0.0, f, 0.0, 0.0, 0.0, 0.0, r, -1.0, 0.0, 0.0, r * near, 0.0])
}

/// Right-handed symmetric orthographic, depth 0 (near) to 1 (far).
pub(crate) fn orthographic(half_w: f32, half_h: f32, near: f32, far: f32) -> Mat4 {
    let r = 1.0 / (near - far);
    Mat4::from_cols_array(&[
        1.0 / half_w,
        0.0,
        0.0,
        0.0,
        0.0,
        1.0 / half_h,
        0.0,
        0.0,
        0.0,
        0.0,
        r,
        0.0,
        0.0,
        0.0,
        r * near,
        1.0,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_projects_to_the_middle_and_ray_hits_it() {
        for perspective in [false, true] {
            let mut c = Camera { perspective, ..Default::default() };
            c.fit(Vec3::splat(-10.0), Vec3::splat(30.0));
            c.rotate(40.0, -25.0, 500.0);
            let clip = c.projection(1.5) * c.view() * c.centre.extend(1.0);
            let ndc = clip.xyz() / clip.w;
            assert!(ndc.x.abs() < 1e-4 && ndc.y.abs() < 1e-4 && (0.0..1.0).contains(&ndc.z), "{ndc}");
            let (o, d) = c.ray(300.0, 200.0, 600.0, 400.0);
            let to_centre = c.centre - o;
            assert!((to_centre - d * to_centre.dot(d)).length() < 1e-2);
        }
    }

    #[test]
    fn pan_moves_the_centre_in_the_screen_plane() {
        let mut c = Camera::default();
        c.pan(10.0, 0.0, 100.0);
        assert!(c.centre.x < 0.0 && c.centre.y.abs() < 1e-5 && c.centre.z.abs() < 1e-5);
    }
}
