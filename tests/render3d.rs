//! The 3-D view rendered headless (wgpu on lavapipe, no X server): depth and colour checked
//! in the image, for the scene alone and inside the whole app (egui_kittest).

use std::sync::Arc;
use std::time::Duration;

use cryolabel::app::{CryolabelApp, sample::sample_options};
use cryolabel::engine::{Grid, Volume};
use cryolabel::render::atoms::ColourBy;
use cryolabel::render::camera::Camera;
use cryolabel::render::isosurface::{Field, Mesh, Sampling, extract};
use cryolabel::render::scene3d::{Frame, Lighting, Scene3dGpu, SceneMesh, SceneSpheres, SceneSticks, Style};
use eframe::{egui, wgpu};
use glam::Vec3;

mod common;

#[path = "common/headless.rs"]
mod headless;

fn device() -> Option<(wgpu::Device, wgpu::Queue)> {
    headless::device().map(|(d, q, _)| (d, q))
}

/// A ball of radius 8 Å at the origin, on a 1 Å grid.
fn ball() -> Field {
    ball_at(Vec3::ZERO)
}

/// Minus the distance to `c` on a 32 Å cube around the origin: contour at -r for a ball.
fn ball_at(c: Vec3) -> Field {
    let g = Grid::new([32; 3], [1.0; 3], [-15.5; 3]);
    let mut v = Volume::<f32>::zeros(g);
    for o in 0..g.len() {
        let [i, j, k] = g.ijk(o);
        v.data[o] = -g.index_to_world([i as f64, j as f64, k as f64]).as_vec3().distance(c);
    }
    Field::from_volume(&v, Sampling::default(), |x| x)
}

/// Pixel (x, y) where a world point lands in a frame of `size`.
fn to_px(camera: &Camera, size: [u32; 2], p: Vec3) -> (u32, u32) {
    let clip = camera.projection(size[0] as f32 / size[1] as f32) * camera.view() * p.extend(1.0);
    let ndc = clip.truncate() / clip.w;
    (((ndc.x * 0.5 + 0.5) * size[0] as f32) as u32, ((0.5 - ndc.y * 0.5) * size[1] as f32) as u32)
}

fn fitted_camera() -> Camera {
    let mut camera = Camera::default();
    camera.fit(Vec3::splat(-15.5), Vec3::splat(15.5));
    camera
}

#[test]
fn sticks_are_drawn_between_bonded_atoms_in_each_atoms_colour() {
    let Some((device, queue)) = device() else { panic!("no wgpu adapter (install mesa-vulkan-drivers)") };
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let camera = fitted_camera();
    let (a, b) = (Vec3::new(-10.0, 3.0, 0.0), Vec3::new(10.0, -3.0, 0.0));
    let (red, blue) = ([1.0, 0.0, 0.0], [0.0, 0.0, 1.0]);
    let stick = [a.x, a.y, a.z, 0.6, b.x, b.y, b.z, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0];
    let frame = Frame {
        spheres: vec![SceneSpheres { key: 1, spheres: Arc::new(vec![sphere(a, 0.6, red), sphere(b, 0.6, blue)]) }],
        sticks: vec![SceneSticks { key: 2, sticks: Arc::new(vec![stick]) }],
        ..Frame::new(camera, [240, 200])
    };
    // Still, and moving (interactive: half the size in each direction, what the view shows
    // scaled up while the camera moves).
    for interactive in [false, true] {
        let frame = Frame { interactive, ..frame.clone() };
        let img = gpu.render_image(&device, &queue, &frame).expect("image");
        assert_eq!([img.width(), img.height()], frame.render_size());
        assert_eq!(frame.render_size(), if interactive { [120, 100] } else { [240, 200] });
        keep(&img, if interactive { "sticks-moving" } else { "sticks" });
        let px = |p: Vec3| to_px(&camera, [img.width(), img.height()], p);
        for (t, want_red) in [(0.2f32, true), (0.35, true), (0.65, false), (0.8, false)] {
            let (x, y) = px(a.lerp(b, t));
            let p = img.get_pixel(x, y).0;
            if want_red {
                assert!(p[0] > 80 && p[2] < 40, "red half of the stick at t={t} ({interactive}): {p:?}");
            } else {
                assert!(p[2] > 80 && p[0] < 40, "blue half of the stick at t={t} ({interactive}): {p:?}");
            }
        }
        // Off the segment: background.
        let (x, y) = px(Vec3::new(0.0, 6.0, 0.0));
        assert_eq!(&img.get_pixel(x, y).0[..3], &[0, 0, 0]);
    }
}

/// In perspective, close up: a stick across the view and one steeply along it, off-centre.
/// The quad each is drawn on covers the whole cylinder: points just inside its rim are lit.
#[test]
fn stick_quads_cover_the_cylinder_in_perspective() {
    let Some((device, queue)) = device() else { panic!("no wgpu adapter (install mesa-vulkan-drivers)") };
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let mut camera = fitted_camera();
    camera.perspective = true;
    camera.zoom(3.0);
    let size = [200, 200];
    let r = 1.0;
    let stick = |a: Vec3, b: Vec3| [a.x, a.y, a.z, r, b.x, b.y, b.z, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let (x, y) = to_px(&camera, size, Vec3::new(4.0, 3.0, 0.0));
    let (_, d) = camera.ray(x as f32, y as f32, size[0] as f32, size[1] as f32);
    let steep = (d + d.any_orthonormal_vector() * 0.6).normalize();
    let ends = [
        (Vec3::new(-6.0, -5.0, 2.0), Vec3::new(6.0, -1.0, -2.0)),
        (Vec3::new(4.0, 3.0, 0.0) - steep * 4.0, Vec3::new(4.0, 3.0, 0.0) + steep * 4.0),
    ];
    let frame = Frame {
        sticks: vec![SceneSticks { key: 1, sticks: Arc::new(ends.iter().map(|&(a, b)| stick(a, b)).collect()) }],
        lighting: Lighting::Simple,
        silhouettes: false,
        ..Frame::new(camera, size)
    };
    let img = gpu.render_image(&device, &queue, &frame).expect("image");
    keep(&img, "stick-quads");
    for (a, b) in ends {
        for t in [0.15f32, 0.5, 0.85] {
            let m = a.lerp(b, t);
            let (x, y) = to_px(&camera, size, m);
            let to_eye = -camera.ray(x as f32, y as f32, size[0] as f32, size[1] as f32).1;
            let side = to_eye.cross(b - a).normalize() * 0.8 * r;
            for p in [m + side, m - side] {
                let (x, y) = to_px(&camera, size, p);
                let c = img.get_pixel(x, y).0;
                assert!(c[0] > 40, "stick {a}-{b} at t={t}, near its rim: {c:?}");
            }
        }
    }
}

/// Lighting full: a ball between the key light and a plane shadows the plane (darker than
/// the same pixel without the ball); a pixel nothing occludes is the same with and without the
/// ball; soft lighting casts no shadow there.
#[test]
fn full_lighting_casts_the_key_lights_shadow() {
    let Some((device, queue)) = device() else { panic!("no wgpu adapter (install mesa-vulkan-drivers)") };
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let mut camera = fitted_camera();
    camera.perspective = false;
    let size = [200, 200];
    // A plane facing the camera at z = -10, and a ball 16 Å from the plane's centre towards
    // the key light (view space: up, left and in front; the camera is unrotated).
    let plane = Mesh {
        positions: vec![[-15.0, -15.0, -10.0], [15.0, -15.0, -10.0], [15.0, 15.0, -10.0], [-15.0, 15.0, -10.0]],
        normals: vec![[0.0, 0.0, 1.0]; 4],
        indices: vec![0, 1, 2, 0, 2, 3],
    };
    let key = Vec3::new(-0.4, 0.6, 0.7).normalize();
    let (shadowed, open) = (Vec3::new(0.0, 0.0, -10.0), Vec3::new(8.0, -8.0, -10.0));
    let ball = SceneSpheres { key: 2, spheres: Arc::new(vec![sphere(shadowed + key * 16.0, 2.5, [1.0, 1.0, 1.0])]) };
    let mesh =
        SceneMesh { key: 1, mesh: Arc::new(plane), colour: [0.8, 0.8, 0.8, 1.0], style: Style::Surface, coarse: None };
    let mut render = |lighting, with_ball: bool| {
        let frame = Frame {
            meshes: vec![mesh.clone()],
            spheres: if with_ball { vec![ball.clone()] } else { Vec::new() },
            lighting,
            silhouettes: false,
            ..Frame::new(camera, size)
        };
        let img = gpu.render_image(&device, &queue, &frame).expect("image");
        keep(&img, &format!("shadow-{lighting:?}-{with_ball}"));
        [shadowed, open].map(|p| {
            let (x, y) = to_px(&camera, size, p);
            img.get_pixel(x, y).0[..3].iter().map(|&c| c as i32).sum::<i32>()
        })
    };
    let [full_shadowed, full_open] = render(Lighting::Full, true);
    let [bare_shadowed, bare_open] = render(Lighting::Full, false);
    let [soft_shadowed, _] = render(Lighting::Soft, true);
    let [soft_bare, _] = render(Lighting::Soft, false);
    assert!(
        full_shadowed + 60 < bare_shadowed,
        "in the ball's shadow: {full_shadowed} vs {bare_shadowed} without the ball"
    );
    assert!((full_open - bare_open).abs() <= 6, "no occluder: {full_open} vs {bare_open}");
    assert!((soft_shadowed - soft_bare).abs() <= 6, "soft casts no shadow: {soft_shadowed} vs {soft_bare}");
}

#[test]
fn silhouettes_darken_the_pixels_along_a_depth_step() {
    let Some((device, queue)) = device() else { panic!("no wgpu adapter (install mesa-vulkan-drivers)") };
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let camera = fitted_camera();
    let mesh = Arc::new(extract(&ball(), -8.0));
    let mut frame = Frame {
        background: [1.0; 3],
        meshes: vec![SceneMesh { key: 1, mesh, colour: [1.0, 0.8, 0.2, 1.0], style: Style::Surface, coarse: None }],
        lighting: Lighting::Simple,
        ..Frame::new(camera, [200, 200])
    };
    // The ring of pixels just outside the ball's outline (radius 8 Å), where depth steps to the
    // background.
    let ring = |img: &image::RgbaImage| {
        let (cx, cy) = to_px(&camera, frame.size, Vec3::ZERO);
        let (ex, _) = to_px(&camera, frame.size, Vec3::new(8.0, 0.0, 0.0));
        let r = (ex - cx) as f32 + 0.7;
        let mut dark = 0;
        for k in 0..72 {
            let a = k as f32 * std::f32::consts::TAU / 72.0;
            let p = img.get_pixel((cx as f32 + r * a.cos()) as u32, (cy as f32 + r * a.sin()) as u32).0;
            dark += (p[0] as u32 + p[1] as u32 + p[2] as u32 <= 120) as usize;
        }
        dark
    };
    let with = gpu.render_image(&device, &queue, &frame).expect("image");
    frame.silhouettes = false;
    let without = gpu.render_image(&device, &queue, &frame).expect("image");
    keep(&with, "silhouettes");
    let (on, off) = (ring(&with), ring(&without));
    assert!(on >= 60, "silhouette: {on} of 72 ring pixels dark");
    assert!(off <= 4, "no silhouette: {off} of 72 ring pixels dark");
    // The same on a transparent ball (its nearest depth comes from the transparency pass).
    frame.meshes[0].colour[3] = 0.5;
    frame.silhouettes = true;
    let transparent = gpu.render_image(&device, &queue, &frame).expect("image");
    keep(&transparent, "silhouettes-transparent");
    let on = ring(&transparent);
    assert!(on >= 60, "silhouette of a transparent ball: {on} of 72 ring pixels dark");
}

#[test]
fn transparent_surfaces_blend_the_same_in_either_order() {
    let Some((device, queue)) = device() else { panic!("no wgpu adapter (install mesa-vulkan-drivers)") };
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let camera = fitted_camera();
    // Two interpenetrating balls: per-mesh sorting cannot get both orders right.
    let red = SceneMesh {
        key: 1,
        mesh: Arc::new(extract(&ball_at(Vec3::new(-3.0, 0.0, 0.0)), -7.0)),
        colour: [1.0, 0.2, 0.1, 0.5],
        style: Style::Surface,
        coarse: None,
    };
    let blue = SceneMesh {
        key: 2,
        mesh: Arc::new(extract(&ball_at(Vec3::new(3.0, 0.0, 2.0)), -7.0)),
        colour: [0.1, 0.3, 1.0, 0.5],
        style: Style::Surface,
        coarse: None,
    };
    let frame = |meshes| Frame { meshes, ..Frame::new(camera, [200, 160]) };
    let ab = gpu.render_image(&device, &queue, &frame(vec![red.clone(), blue.clone()])).expect("image");
    let ba = gpu.render_image(&device, &queue, &frame(vec![blue, red])).expect("image");
    keep(&ab, "oit");
    let worst = ab.pixels().zip(ba.pixels()).map(|(p, q)| (0..3).map(|c| p.0[c].abs_diff(q.0[c])).max().unwrap()).max();
    assert!(worst.unwrap() <= 1, "largest channel difference between the orders: {worst:?}");
    // Where they overlap both colours show.
    let p = ab.get_pixel(100, 80).0;
    assert!(p[0] > 40 && p[2] > 40, "overlap blends red and blue: {p:?}");
}

#[test]
fn interactive_frames_draw_the_coarse_copy_still_frames_the_full_surface() {
    let Some((device, queue)) = device() else { panic!("no wgpu adapter (install mesa-vulkan-drivers)") };
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let camera = fitted_camera();
    // A "coarse copy" told apart by its shape: a smaller ball (radius 4 Å against 8).
    let full = Arc::new(extract(&ball(), -8.0));
    let coarse = Arc::new(extract(&ball(), -4.0));
    assert_ne!(full.triangles(), coarse.triangles());
    let mut frame = Frame {
        background: [1.0; 3],
        meshes: vec![SceneMesh {
            key: 1,
            mesh: full.clone(),
            colour: [1.0, 0.8, 0.2, 0.5],
            style: Style::Surface,
            coarse: Some((2, coarse.clone())),
        }],
        ..Frame::new(camera, [200, 200])
    };
    // A pixel 6 Å from the centre: on the full ball, outside the small one.
    let at6 = |img: &image::RgbaImage, size: [u32; 2]| {
        let (x, y) = to_px(&camera, size, Vec3::new(6.0, 0.0, 0.0));
        let p = img.get_pixel(x, y).0;
        p[0] as u32 + p[1] as u32 + p[2] as u32
    };
    let still = gpu.render_image(&device, &queue, &frame).expect("image");
    assert_eq!(gpu.triangles_drawn(), full.triangles());
    frame.interactive = true;
    let moving = gpu.render_image(&device, &queue, &frame).expect("image");
    keep(&moving, "coarse-moving");
    assert_eq!(gpu.triangles_drawn(), coarse.triangles());
    assert!(at6(&still, [200, 200]) < 700, "the full ball covers 6 Å: {}", at6(&still, [200, 200]));
    assert_eq!(at6(&moving, [100, 100]), 765, "the coarse copy (4 Å) leaves 6 Å white");
    // Without a coarse copy a moving frame draws the full surface; the next still frame too.
    frame.meshes[0].coarse = None;
    gpu.render_image(&device, &queue, &frame).expect("image");
    assert_eq!(gpu.triangles_drawn(), full.triangles());
    frame.meshes[0].coarse = Some((2, coarse));
    frame.interactive = false;
    gpu.render_image(&device, &queue, &frame).expect("image");
    assert_eq!(gpu.triangles_drawn(), full.triangles());
}

/// Keep a rendered image in the temporary folder, for looking at when a test fails.
fn keep(img: &image::RgbaImage, name: &str) {
    let _ = img.save(std::env::temp_dir().join(format!("cryolabel-render3d-{name}.png")));
}

fn sphere(p: Vec3, r: f32, c: [f32; 3]) -> [f32; 8] {
    [p.x, p.y, p.z, r, c[0], c[1], c[2], 1.0]
}

#[test]
fn surface_in_the_middle_background_in_corners_hidden_atom_hidden() {
    let d = device();
    if !common::prerequisite(d.is_some(), "a wgpu adapter (mesa-vulkan-drivers: lavapipe)") {
        return;
    }
    let (device, queue) = d.unwrap();
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);
    let mesh = Arc::new(extract(&ball(), -8.0));
    let mut camera = Camera::default();
    camera.fit(Vec3::splat(-15.5), Vec3::splat(15.5));
    let green = [0.0, 1.0, 0.0];
    let blue = [0.0, 0.0, 1.0];
    // One atom inside the ball (must be hidden), one beside it in plain view.
    let atoms = vec![sphere(Vec3::ZERO, 3.0, green), sphere(Vec3::new(13.0, 0.0, 0.0), 1.5, blue)];
    let frame = Frame {
        meshes: vec![SceneMesh { key: 1, mesh, colour: [1.0, 0.1, 0.1, 1.0], style: Style::Surface, coarse: None }],
        spheres: vec![SceneSpheres { key: 2, spheres: Arc::new(atoms) }],
        ..Frame::new(camera, [200, 160])
    };
    let img = gpu.render_image(&device, &queue, &frame).expect("image");
    let centre = img.get_pixel(100, 80).0;
    assert!(centre[0] > 120 && centre[1] < 60 && centre[2] < 60, "centre is the red surface: {centre:?}");
    for (x, y) in [(0, 0), (199, 0), (0, 159), (199, 159)] {
        assert_eq!(&img.get_pixel(x, y).0[..3], &[0, 0, 0], "corner ({x},{y}) is background");
    }
    let count = |f: &dyn Fn([u8; 4]) -> bool| img.pixels().filter(|p| f(p.0)).count();
    assert_eq!(count(&|p| p[1] > 100 && p[0] < 80), 0, "the atom inside the opaque ball is hidden");
    assert!(count(&|p| p[2] > 100 && p[0] < 80) > 20, "the atom beside the ball is visible");

    // Make the ball transparent: the inner atom now shows through.
    let mut see_through = frame.clone();
    see_through.meshes[0].colour[3] = 0.3;
    let img = gpu.render_image(&device, &queue, &see_through).expect("image");
    assert!(
        img.pixels().filter(|p| p.0[1] > 60 && p.0[1] > p.0[0]).count() > 20,
        "atom visible through a transparent surface"
    );

    // White background, mesh style: the corners follow the background.
    let mut white = frame.clone();
    white.background = [1.0; 3];
    white.meshes[0].style = Style::Mesh;
    let img = gpu.render_image(&device, &queue, &white).expect("image");
    assert_eq!(&img.get_pixel(0, 0).0[..3], &[255, 255, 255]);
}

type App = egui_kittest::Harness<'static, CryolabelApp>;

/// The app on the bundled sample, in 3-D, once labels and every surface have landed.
fn sample_app() -> App {
    let mut opts = sample_options().expect("sample files");
    opts.view3d = true;
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 880.0))
        .wgpu()
        .build_eframe(move |cc| CryolabelApp::new(cc, opts));
    settle(&mut h);
    h
}

/// Step until no job or surface extraction is in flight (30 s at most).
fn settle(h: &mut App) {
    for _ in 0..1500 {
        h.step();
        let s = &h.state().session;
        if !s.jobs.busy() && s.labels.is_some() && !h.state().view3d.contouring() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(3);
    assert!(!h.state().view3d.contouring(), "no extraction still pending after the frames settled");
}

/// The README's 3-D screenshots, rendered headless from the sample by the same offscreen path
/// as the Save PNG button. They are written to docs/ when CRYOLABEL_DOCS=1, to a temporary
/// folder otherwise; either way their pixels are checked.
#[test]
fn sample_scenes_for_the_readme() {
    let out = if std::env::var_os("CRYOLABEL_DOCS").is_some() {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs")
    } else {
        tempfile::tempdir().expect("temp dir").keep()
    };
    let mut h = sample_app();
    // Closer and turned a little, as one would for a figure.
    h.state_mut().view3d.camera.zoom(1.8);
    h.state_mut().view3d.camera.rotate(70.0, 40.0, 600.0);
    let count = |img: &image::RgbaImage, f: &dyn Fn([u8; 4]) -> bool| img.pixels().filter(|p| f(p.0)).count();
    let shoot = |h: &mut App, name: &str| {
        settle(h);
        let app = h.state_mut();
        let path = out.join(name);
        app.view3d.save_png(&app.session, &path).expect("PNG written");
        image::open(&path).expect("PNG readable").to_rgba8()
    };
    // Defaults: transparent light-blue map, sticks coloured by element, soft lighting.
    let default = shoot(&mut h, "screenshot-3d-default.png");
    let tan = count(&default, &|p| p[0] > 120 && p[0] as i32 > p[2] as i32 + 30 && p[1] as i32 > p[2] as i32 + 10);
    let red = count(&default, &|p| p[0] > 150 && p[1] < 60 && p[2] < 60);
    assert!(tan > 200 && red > 20, "carbon tan ({tan}) and oxygen red ({red}) sticks in the default scene");
    assert!(h.state().view3d.bond_count() > 1000, "bonds found: {}", h.state().view3d.bond_count());
    // Smooth class envelopes.
    h.state_mut().view3d.options.classes = true;
    let envelopes = shoot(&mut h, "screenshot-3d-envelopes.png");
    assert!(count(&envelopes, &|p| p[2] as i32 > p[0] as i32 + 40) > 2000, "sky-blue neighbour envelope drawn");
    // Atoms coloured by their atom-type label.
    h.state_mut().view3d.options.classes = false;
    h.state_mut().view3d.options.colour_by = ColourBy::AtomTypeLabel;
    let types = shoot(&mut h, "screenshot-3d-atom-types.png");
    let orange = count(&types, &|p| p[0] > 150 && p[1] > 90 && p[1] < 180 && p[2] < 60);
    assert!(orange > 20, "CA atoms orange as on the slices ({orange} pixels)");
    // Lighting full: the default scene with the key light's shadows.
    h.state_mut().view3d.options.colour_by = ColourBy::Element;
    h.state_mut().view3d.options.lighting = Lighting::Full;
    let full = shoot(&mut h, "screenshot-3d-full.png");
    let tan = count(&full, &|p| p[0] > 120 && p[0] as i32 > p[2] as i32 + 30 && p[1] as i32 > p[2] as i32 + 10);
    let sum = |p: &image::Rgba<u8>| p.0[..3].iter().map(|&c| c as i32).sum::<i32>();
    let shadowed = full.pixels().zip(default.pixels()).filter(|(f, d)| sum(f) + 90 < sum(d)).count();
    assert!(tan > 200, "sticks still drawn with lighting full ({tan} tan pixels)");
    assert!(shadowed > 500, "lighting full darkens the shadowed pixels ({shadowed} much darker than soft)");
}

#[test]
fn app_starts_in_3d_and_draws_the_map() {
    assert!(device().is_some(), "no wgpu adapter (install mesa-vulkan-drivers)");
    let mut h = sample_app();
    assert!(h.state().view3d.active);
    // The camera frames the model (ChimeraX's `view` fits what is displayed), not the map's box.
    let atoms = h.state().session.model.as_ref().expect("the sample's model").atoms.clone();
    let (lo, hi) =
        atoms.iter().fold((Vec3::INFINITY, Vec3::NEG_INFINITY), |(lo, hi), a| (lo.min(a.pos), hi.max(a.pos)));
    let centre = h.state().view3d.camera.centre;
    assert!(centre.distance((lo + hi) / 2.0) < 1e-3, "camera centre {centre} vs the model's {}", (lo + hi) / 2.0);
    let img = h.render().expect("render");
    keep(&img, "app");
    // The 3-D view fills the central panel; its middle has lit surfaces, not background.
    let (cx, cy) = (img.width() / 2, img.height() / 2);
    let mut lit = 0;
    for dy in -40i32..40 {
        for dx in -40i32..40 {
            let p = img.get_pixel((cx as i32 + dx) as u32, (cy as i32 + dy) as u32).0;
            if p[0] as u32 + p[1] as u32 + p[2] as u32 > 90 {
                lit += 1;
            }
        }
    }
    assert!(lit > 1000, "surfaces drawn in the middle of the 3-D view ({lit} lit pixels)");
    // Picking through the middle of the view hits something.
    let rect = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(700.0, 700.0));
    let hits = (0..25).filter(|k| {
        let at = egui::vec2(230.0 + 60.0 * (k % 5) as f32, 230.0 + 60.0 * (k / 5) as f32);
        h.state().view3d.pick(at, rect).is_some()
    });
    assert!(hits.count() >= 10, "picking on a grid across the middle of the view hits atoms or the map");
}
