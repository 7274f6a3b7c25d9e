//! The 3-D view rendered headless (wgpu on lavapipe, no X server): depth and colour checked
//! in the image, for the scene alone and inside the whole app (egui_kittest).

use std::sync::Arc;
use std::time::Duration;

use cryolabel::app::{CryolabelApp, sample::sample_options};
use cryolabel::engine::{Grid, Volume};
use cryolabel::render::camera::Camera;
use cryolabel::render::isosurface::{Field, Sampling, extract};
use cryolabel::render::scene3d::{Frame, Scene3dGpu, SceneMesh, SceneSpheres, Style};
use eframe::{egui, wgpu};
use glam::Vec3;

mod common;

fn device() -> Option<(wgpu::Device, wgpu::Queue)> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all()),
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: Default::default(),
        force_fallback_adapter: false,
        compatible_surface: None,
        apply_limit_buckets: false,
    }))
    .ok()?;
    pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).ok()
}

/// A ball of radius 8 Å at the origin, on a 1 Å grid.
fn ball() -> Field {
    let g = Grid::new([32; 3], [1.0; 3], [-15.5; 3]);
    let mut v = Volume::<f32>::zeros(g);
    for o in 0..g.len() {
        let [i, j, k] = g.ijk(o);
        v.data[o] = -g.index_to_world([i as f64, j as f64, k as f64]).as_vec3().length();
    }
    Field::from_volume(&v, Sampling::default(), |x| x)
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
        camera,
        size: [200, 160],
        background: [0.0; 3],
        meshes: vec![SceneMesh { key: 1, mesh, colour: [1.0, 0.1, 0.1, 1.0], style: Style::Surface }],
        spheres: vec![SceneSpheres { key: 2, spheres: Arc::new(atoms) }],
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

#[test]
fn app_starts_in_3d_and_draws_the_map() {
    if !common::prerequisite(device().is_some(), "a wgpu adapter (mesa-vulkan-drivers: lavapipe)") {
        return;
    }
    let mut opts = sample_options().expect("sample files");
    opts.view3d = true;
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1400.0, 880.0))
        .wgpu()
        .build_eframe(move |cc| CryolabelApp::new(cc, opts));
    for _ in 0..1500 {
        h.step();
        let s = &h.state().session;
        // Surfaces are extracted in the background: wait until they have all landed.
        if !s.jobs.busy() && s.labels.is_some() && !h.state().view3d.contouring() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run_steps(3);
    assert!(!h.state().view3d.contouring(), "no extraction still pending after the frames settled");
    assert!(h.state().view3d.active);
    let img = h.render().expect("render");
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
    assert!(h.state().view3d.pick(egui::vec2(350.0, 350.0), rect).is_some());
}
