//! Frame time of the 3-D view on the CPU Vulkan driver (lavapipe), orbiting.
//!
//! Scenes, with the 3-D view's defaults (map a transparent surface at the contour level, atoms
//! as sticks coloured by element, soft lighting, silhouettes, 1280x800):
//! - 5ni1: EMD-3488 (100^3) with 5NI1 (4,579 atoms);
//! - big: a synthetic 395^3 map (like the data set's 403^3 entry), 1 Å voxels, with 5ME2 tiled 4x4x4 (285,952 atoms) and a
//!   Gaussian density around every atom, contoured at auto step 2 (as the app does over 300^3).
//!
//! Each scene is timed still (the defaults at full size), moving (the interactive frames the
//! view draws while the camera moves: half size, fewer ambient-occlusion samples, the map
//! surface's coarse copy at twice the step, made by the app's `extract_lod`), moving with the
//! full surface (what the coarse copy saves) and, as the
//! baseline in the same run, with the old look (simple lighting, no silhouettes, full size);
//! each prints its ratio to the baseline.
//!
//! WGPU_BACKEND=vulkan cargo bench --profile dev --config 'profile.dev.package.cryolabel.opt-level=3' --bench view3d
//! (add `-- 5ni1` to skip the big scene; with VIEW3D_PNG=DIR it writes each scene's moving and
//! still frames there as PNG files, to look at)

use std::sync::Arc;
use std::time::Instant;

use cryolabel::engine::{Atom, Grid, Volume, bonds::bonds, read_map, read_model};
use cryolabel::render::Histogram;
use cryolabel::render::atoms::{ColourBy, atom_colours, stick_instances};
use cryolabel::render::camera::Camera;
use cryolabel::render::isosurface::{Field, Sampling, auto_step, extract_lod};
use cryolabel::render::scene3d::{Frame, Lighting, Scene3dGpu, SceneMesh, SceneSpheres, SceneSticks, Style};
use eframe::wgpu;
use glam::Vec3;

const SIZE: [u32; 2] = [1280, 800];
const FRAMES: usize = 24;

#[path = "../tests/common/headless.rs"]
mod headless;

/// The default scene's frame for a map, its contour level and atoms. Its geometry's keys start
/// at `keys`: each scene needs its own, or the renderer (which uploads a key once) would draw
/// the previous scene's buffers under the same keys. That happened to an earlier version of
/// this bench: the big scene's first figures (112 ms still) were 5ni1's geometry.
fn scene(volume: &Volume<f32>, level: f32, atoms: &[Atom], keys: u64) -> Frame {
    let t = Instant::now();
    let step = auto_step(volume.grid.shape);
    // The app's extraction: the surface and, when big, its coarse copy for moving frames.
    let field = |s: Sampling| Field::from_volume(volume, s, |v| v);
    let sampling = Sampling { step, region: None };
    let lod = extract_lod(field, sampling, level, &Default::default()).expect("not cancelled");
    let t_mesh = t.elapsed().as_secs_f64() * 1e3;
    let (mesh, coarse) = (lod.full, lod.coarse);
    let t = Instant::now();
    let b = bonds(atoms);
    let t_bonds = t.elapsed().as_secs_f64() * 1e3;
    let colours = atom_colours(atoms, &ColourBy::Element, |_| 0);
    let positions: Vec<Vec3> = atoms.iter().map(|a| a.pos).collect();
    let (spheres, sticks) = stick_instances(&positions, &b.pairs, &colours, 0.2, 0.5);
    println!(
        "  scene: step {step}, {} map triangles, {} in the coarse copy for moving frames ({t_mesh:.0} ms both), {} atoms, {} bonds ({t_bonds:.0} ms: {} from templates, {} by radii)",
        mesh.triangles(),
        coarse.as_ref().map_or(0, |c| c.triangles()),
        atoms.len(),
        b.pairs.len(),
        b.from_templates,
        b.from_radii
    );
    let (lo, hi) = volume.grid.bounds();
    let mut camera = Camera::default();
    camera.fit(lo.as_vec3(), hi.as_vec3());
    Frame {
        meshes: vec![SceneMesh {
            key: keys,
            mesh: Arc::new(mesh),
            colour: [0.7, 0.7, 1.0, 0.5],
            style: Style::Surface,
            coarse: coarse.map(|c| (keys + 3, Arc::new(c))),
        }],
        spheres: vec![SceneSpheres { key: keys + 1, spheres: Arc::new(spheres) }],
        sticks: vec![SceneSticks { key: keys + 2, sticks: Arc::new(sticks) }],
        ..Frame::new(camera, SIZE)
    }
}

/// Median milliseconds per frame while orbiting 5 degrees a frame (upload excluded: warm-up).
fn orbit(gpu: &mut Scene3dGpu, device: &wgpu::Device, queue: &wgpu::Queue, frame: &Frame) -> f64 {
    let mut f = frame.clone();
    let mut draw = |f: &Frame| {
        let mut encoder = device.create_command_encoder(&Default::default());
        gpu.render(device, queue, &mut encoder, f);
        queue.submit([encoder.finish()]);
        device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
    };
    draw(&f);
    let mut times = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        f.camera.rotate(5.0 / 180.0 * SIZE[1] as f32, 0.0, SIZE[1] as f32);
        let t = Instant::now();
        draw(&f);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn report(name: &str, gpu: &mut Scene3dGpu, device: &wgpu::Device, queue: &wgpu::Queue, frame: &Frame) {
    let defaults = orbit(gpu, device, queue, frame);
    let moving = orbit(gpu, device, queue, &Frame { interactive: true, ..frame.clone() });
    // The same without the coarse copy: what it saves.
    let mut fine = Frame { interactive: true, ..frame.clone() };
    fine.meshes.iter_mut().for_each(|m| m.coarse = None);
    let moving_fine = orbit(gpu, device, queue, &fine);
    if let Ok(dir) = std::env::var("VIEW3D_PNG") {
        let img = gpu.render_image(device, queue, &Frame { interactive: true, ..frame.clone() }).expect("image");
        img.save(std::path::Path::new(&dir).join(format!("{name}-moving.png"))).expect("png");
        let img = gpu.render_image(device, queue, frame).expect("image");
        img.save(std::path::Path::new(&dir).join(format!("{name}-still.png"))).expect("png");
    }
    let full = orbit(gpu, device, queue, &Frame { lighting: Lighting::Full, ..frame.clone() });
    let simple = Frame { lighting: Lighting::Simple, silhouettes: false, ..frame.clone() };
    let base = orbit(gpu, device, queue, &simple);
    let small = Frame { size: [640, 400], ..frame.clone() };
    let quarter = orbit(gpu, device, queue, &small);
    let small_moving = orbit(gpu, device, queue, &Frame { interactive: true, ..small.clone() });
    // Last: an empty frame drops the scene's buffers (they are kept only while drawn).
    let empty = Frame { meshes: Vec::new(), spheres: Vec::new(), sticks: Vec::new(), ..frame.clone() };
    let fixed = orbit(gpu, device, queue, &empty);
    println!(
        "  {name}: empty frame (passes and clears only) {fixed:.1} ms; in a 640x400 view: still {quarter:.1} ms, moving {small_moving:.1} ms = {:.1} fps",
        1e3 / small_moving
    );
    let fps = |ms: f64| 1e3 / ms;
    println!(
        "{name}: still (defaults: soft + silhouettes + OIT, full size) {defaults:.1} ms/frame = {:.1} fps, {:.2}x the baseline",
        fps(defaults),
        defaults / base
    );
    println!(
        "{name}: moving (interactive: half size, 8 AO samples, coarse map surface) {moving:.1} ms/frame = {:.1} fps, {:.2}x the baseline",
        fps(moving),
        moving / base
    );
    println!(
        "{name}: moving without the coarse map surface (full mesh) {moving_fine:.1} ms/frame = {:.1} fps, {:.2}x the baseline; the coarse copy makes moving {:.2}x faster",
        fps(moving_fine),
        moving_fine / base,
        moving_fine / moving
    );
    println!(
        "{name}: still with lighting full (2048x2048 shadow map) {full:.1} ms/frame = {:.1} fps, {:.2}x the baseline",
        fps(full),
        full / base
    );
    println!("{name}: baseline (simple lighting, no silhouettes, full size) {base:.1} ms/frame = {:.1} fps", fps(base));
}

/// 5ME2 tiled n x n x n at `spacing` Å, on an (n * spacing)-Å 1 Å map with a Gaussian per atom.
fn big_scene(n: usize, spacing: f32) -> (Volume<f32>, Vec<Atom>) {
    let model = read_model(std::path::Path::new("../shared/data/real/5ni1/5me2.pdb")).expect("5me2.pdb");
    let (lo, _) = model.bounding_box().expect("atoms");
    let mut atoms = Vec::with_capacity(model.atoms.len() * n * n * n);
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                let shift = Vec3::new(i as f32, j as f32, k as f32) * spacing - lo + Vec3::splat(10.0);
                let copy = (i + n * (j + n * k)) as u32;
                atoms.extend(model.atoms.iter().map(|a| Atom { pos: a.pos + shift, model: copy, ..a.clone() }));
            }
        }
    }
    let side = (n as f32 * spacing).ceil() as usize + 3;
    let grid = Grid::new([side; 3], [1.0; 3], [0.0; 3]);
    let mut v = Volume::<f32>::zeros(grid);
    for a in &atoms {
        let c = a.pos;
        let ijk = [c.x, c.y, c.z].map(|x| x.round() as i64);
        for dz in -2..=2i64 {
            for dy in -2..=2i64 {
                for dx in -2..=2i64 {
                    let [x, y, z] = [ijk[0] + dx, ijk[1] + dy, ijk[2] + dz];
                    if x < 0 || y < 0 || z < 0 || x >= side as i64 || y >= side as i64 || z >= side as i64 {
                        continue;
                    }
                    let d2 = Vec3::new(x as f32, y as f32, z as f32).distance_squared(c);
                    v.data[grid.offset([x as usize, y as usize, z as usize])] += (-d2 / 2.0).exp();
                }
            }
        }
    }
    (v, atoms)
}

fn main() {
    let only_small = std::env::args().any(|a| a == "5ni1");
    let (device, queue, adapter) = headless::device().expect("a wgpu adapter (mesa-vulkan-drivers for lavapipe)");
    println!("adapter: {adapter}; {}x{} pixels, median of {FRAMES} orbiting frames", SIZE[0], SIZE[1]);
    let mut gpu = Scene3dGpu::new(&device, wgpu::TextureFormat::Rgba8Unorm);

    let map = read_map(std::path::Path::new("../shared/data/real/5ni1/emd_3488.mrc")).expect("emd_3488.mrc");
    let model = read_model(std::path::Path::new("../shared/data/real/5ni1/5ni1_updated.cif")).expect("5ni1");
    let level = Histogram::of(&map.volume.data, 256).level_enclosing(0.01);
    println!("5ni1 (contour level {level:.3}, the app's default: 1% of voxels enclosed)");
    report("5ni1", &mut gpu, &device, &queue, &scene(&map.volume, level, &model.atoms, 10));

    if !only_small {
        let t = Instant::now();
        let (volume, atoms) = big_scene(4, 98.0);
        println!(
            "big: {}^3 map, {} atoms (built in {:.1} s)",
            volume.grid.shape[0],
            atoms.len(),
            t.elapsed().as_secs_f64()
        );
        let level = Histogram::of(&volume.data, 256).level_enclosing(0.01);
        report("big", &mut gpu, &device, &queue, &scene(&volume, level, &atoms, 20));
    }
}
