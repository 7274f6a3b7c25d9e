//! The 3-D scene on wgpu: isosurface meshes (surface or square-mesh style), sphere and stick
//! impostors for atoms and bonds, rendered offscreen and then copied into egui's render pass by
//! a paint callback (or read back as an image for PNG export and tests).
//!
//! Passes (all offscreen, so egui's pass, which has no depth buffer, only gets a blit); a pass
//! a frame does not need is skipped (lavapipe, the CPU driver, pays for every pixel of each):
//! 0. shadow (lighting full): depth of the opaque things seen from the key light;
//! 1. opaque: spheres, sticks, opaque surfaces and mesh-style lines, into colour + depth;
//! 2. ambient occlusion (lighting soft and full): screen-space, only on opaque pixels;
//! 3. transparent depth (with silhouettes): the nearest transparent surface;
//! 4. transparent colour: weighted blended order-independent transparency (McGuire & Bavoil
//!    2013): sums and products only, so the image does not depend on the order surfaces come in;
//! 5. post: the occlusion applied, the transparent layer composited over the opaque image,
//!    and silhouette edges at depth steps.
//!
//! While the camera moves a frame may be `interactive`: half the size, fewer occlusion
//! samples, scaled up by the blit, and big surfaces drawn from their coarse copies.

use std::collections::HashMap;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use eframe::wgpu;
use glam::{Mat4, Vec3};

use super::camera::Camera;
use super::isosurface::Mesh;
use super::scene3d_pipes::{DEPTH_FORMAT, Lit, Pipelines};

#[path = "scene3d_targets.rs"]
mod targets;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Surface,
    Mesh,
}

/// ChimeraX's lighting presets (`lighting simple | soft | full`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lighting {
    /// Two directional lights and a little ambient: fastest.
    Simple,
    /// Mostly ambient light with ambient occlusion (crevices darken), a weaker key light.
    Soft,
    /// Ambient occlusion as soft, and a stronger key light that casts shadows (a shadow map
    /// of the opaque atoms and surfaces, seen from the light, filtered at lookup).
    Full,
}

/// Side of the key light's shadow map, texels.
const SHADOW_SIZE: u32 = 2048;

/// One surface to draw. `key` identifies the geometry: same key, no re-upload.
#[derive(Clone)]
pub struct SceneMesh {
    pub key: u64,
    pub mesh: Arc<Mesh>,
    /// sRGB-encoded RGB and opacity.
    pub colour: [f32; 4],
    pub style: Style,
    /// The same surface at twice the step (key, mesh), drawn instead in interactive frames:
    /// a software rasteriser's cost of a big transparent surface is its triangles' set-up,
    /// which does not shrink with the pixels. Still frames and exports draw `mesh`.
    pub coarse: Option<(u64, Arc<Mesh>)>,
}

/// Spheres: centre xyz + radius, and an sRGB colour each. `key` as for meshes.
#[derive(Clone)]
pub struct SceneSpheres {
    pub key: u64,
    pub spheres: Arc<Vec<[f32; 8]>>,
}

/// Sticks (bonds): end a xyz + radius, end b xyz + 0, colour of a's half, colour of b's half.
#[derive(Clone)]
pub struct SceneSticks {
    pub key: u64,
    pub sticks: Arc<Vec<[f32; 16]>>,
}

/// Everything one frame draws.
#[derive(Clone)]
pub struct Frame {
    pub camera: Camera,
    pub size: [u32; 2],
    pub background: [f32; 3],
    pub meshes: Vec<SceneMesh>,
    pub spheres: Vec<SceneSpheres>,
    pub sticks: Vec<SceneSticks>,
    pub lighting: Lighting,
    /// Dark outlines where the depth steps (ChimeraX's `graphics silhouettes true`).
    pub silhouettes: bool,
    /// The camera is moving: render at half the size in each direction (the blit scales it
    /// up) with half the ambient-occlusion samples, so a slow (CPU) GPU keeps up; the view
    /// renders one full frame when the camera stops.
    pub interactive: bool,
}

impl Frame {
    /// An empty frame with the defaults: soft lighting, silhouettes on, black background.
    pub fn new(camera: Camera, size: [u32; 2]) -> Self {
        Frame {
            camera,
            size,
            background: [0.0; 3],
            meshes: Vec::new(),
            spheres: Vec::new(),
            sticks: Vec::new(),
            lighting: Lighting::Soft,
            silhouettes: true,
            interactive: false,
        }
    }

    /// The size the frame is rendered at: half in each direction while interactive.
    pub fn render_size(&self) -> [u32; 2] {
        let [w, h] = self.size;
        let s = if self.interactive { [w.div_ceil(2), h.div_ceil(2)] } else { [w, h] };
        s.map(|x| x.clamp(1, 8192))
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Globals {
    view: [[f32; 4]; 4],
    proj: [[f32; 4]; 4],
    light0: [f32; 4],
    light1: [f32; 4],
    params: [f32; 4],
    light_mat: [[f32; 4]; 4],
    depth: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct PostUniform {
    inv_proj: [[f32; 4]; 4],
    proj: [[f32; 4]; 4],
    params: [f32; 4],
    size: [f32; 4],
    edge: [f32; 4],
}

struct GpuMesh {
    vertices: wgpu::Buffer,
    triangles: wgpu::Buffer,
    n_triangles: u32,
    lines: Option<(wgpu::Buffer, u32)>,
    object: wgpu::Buffer,
    bind: wgpu::BindGroup,
}

/// The offscreen textures, remade when the view's size changes.
struct Target {
    size: [u32; 2],
    scene: wgpu::TextureView,
    depth: wgpu::TextureView,
    tnear: wgpu::TextureView,
    accum: wgpu::TextureView,
    reveal: wgpu::TextureView,
    ao: wgpu::TextureView,
    ao_bind: wgpu::BindGroup,
    /// The finished image: blitted into egui's pass, copied out for PNG files.
    colour: wgpu::Texture,
    colour_view: wgpu::TextureView,
    post: wgpu::BindGroup,
    blit: wgpu::BindGroup,
}

/// GPU state of the 3-D view; lives in egui-wgpu's callback resources.
pub struct Scene3dGpu {
    pipes: Pipelines,
    globals: wgpu::Buffer,
    globals_bind: wgpu::BindGroup,
    /// The shadow pass's globals: the key light's view and projection.
    shadow_globals: wgpu::Buffer,
    shadow_globals_bind: wgpu::BindGroup,
    shadow_map: wgpu::TextureView,
    post_uniform: wgpu::Buffer,
    sampler: wgpu::Sampler,
    /// Nearest and clamped, for the post pass's gathers.
    point: wgpu::Sampler,
    meshes: HashMap<u64, GpuMesh>,
    sphere_sets: HashMap<u64, (wgpu::Buffer, u32)>,
    stick_sets: HashMap<u64, (wgpu::Buffer, u32)>,
    /// The targets of the last two sizes rendered, the last used first: moving (half size)
    /// and still (full size) frames alternate without remaking textures.
    targets: Vec<Target>,
    /// Post-pass variants by [ambient occlusion, silhouettes, transparency].
    post: HashMap<[bool; 3], wgpu::RenderPipeline>,
    /// Surface triangles the last frame drew (coarse copies while interactive).
    drawn: usize,
}

fn colour_attachment(view: &wgpu::TextureView, clear: wgpu::Color) -> Option<wgpu::RenderPassColorAttachment<'_>> {
    Some(wgpu::RenderPassColorAttachment {
        view,
        resolve_target: None,
        depth_slice: None,
        ops: wgpu::Operations { load: wgpu::LoadOp::Clear(clear), store: wgpu::StoreOp::Store },
    })
}

fn depth_attachment(view: &wgpu::TextureView, clear: bool) -> Option<wgpu::RenderPassDepthStencilAttachment<'_>> {
    let load = if clear { wgpu::LoadOp::Clear(1.0) } else { wgpu::LoadOp::Load };
    Some(wgpu::RenderPassDepthStencilAttachment {
        view,
        depth_ops: Some(wgpu::Operations { load, store: wgpu::StoreOp::Store }),
        stencil_ops: None,
    })
}

fn begin<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    label: &str,
    colour: &[Option<wgpu::RenderPassColorAttachment<'_>>],
    depth: Option<wgpu::RenderPassDepthStencilAttachment<'_>>,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: colour,
        depth_stencil_attachment: depth,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}

impl Scene3dGpu {
    /// Build the pipelines; `target_format` is the format of the pass the view is blitted into.
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let pipes = Pipelines::new(device, target_format);
        let uniform = |label: &str, size: usize| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let globals = uniform("scene3d globals", std::mem::size_of::<Globals>());
        let shadow_globals = uniform("scene3d shadow globals", std::mem::size_of::<Globals>());
        let post_uniform = uniform("scene3d post", std::mem::size_of::<PostUniform>());
        let depth_texture = |size: u32| {
            device
                .create_texture(&wgpu::TextureDescriptor {
                    label: Some("scene3d shadow map"),
                    size: wgpu::Extent3d { width: size, height: size, depth_or_array_layers: 1 },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format: DEPTH_FORMAT,
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
                    view_formats: &[],
                })
                .create_view(&Default::default())
        };
        let shadow_map = depth_texture(SHADOW_SIZE);
        // The shadow pass cannot read the map it writes: it binds a stand-in.
        let stand_in = depth_texture(1);
        let compare = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("scene3d shadow"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            compare: Some(wgpu::CompareFunction::LessEqual),
            ..Default::default()
        });
        let bind = |label, buffer: &wgpu::Buffer, map: &wgpu::TextureView| {
            device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &pipes.globals_layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: buffer.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::TextureView(map) },
                    wgpu::BindGroupEntry { binding: 2, resource: wgpu::BindingResource::Sampler(&compare) },
                ],
            })
        };
        let globals_bind = bind("scene3d globals", &globals, &shadow_map);
        let shadow_globals_bind = bind("scene3d shadow globals", &shadow_globals, &stand_in);
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Scene3dGpu {
            pipes,
            globals,
            globals_bind,
            shadow_globals,
            shadow_globals_bind,
            shadow_map,
            post_uniform,
            sampler,
            point: device
                .create_sampler(&wgpu::SamplerDescriptor { label: Some("scene3d point"), ..Default::default() }),
            meshes: HashMap::new(),
            sphere_sets: HashMap::new(),
            stick_sets: HashMap::new(),
            targets: Vec::new(),
            post: HashMap::new(),
            drawn: 0,
        }
    }

    fn write_uniforms(&self, queue: &wgpu::Queue, frame: &Frame, size: [u32; 2]) {
        let cam = &frame.camera;
        let aspect = size[0] as f32 / size[1] as f32;
        let proj = cam.projection(aspect);
        let key = Vec3::new(-0.4, 0.6, 0.7).normalize();
        let fill = Vec3::new(0.6, -0.3, 0.75).normalize();
        // (ambient, key, fill, specular, ambient occlusion strength)
        let (ambient, k, f, spec, ao) = match frame.lighting {
            Lighting::Simple => (0.25, 0.65, 0.3, 0.3, 0.0),
            Lighting::Soft => (0.55, 0.5, 0.15, 0.15, 0.9),
            Lighting::Full => (0.4, 0.8, 0.1, 0.2, 0.9),
        };
        let (near, far) = depth_range(&proj);
        let range = (far - near).max(1e-3);
        let view = cam.view();
        let (light_view, light_proj, bias) = key_light(cam, key);
        // View space -> shadow-map texture coordinates and depth.
        let to_uv = Mat4::from_translation(Vec3::new(0.5, 0.5, 0.0)) * Mat4::from_scale(Vec3::new(0.5, -0.5, 1.0));
        let g = Globals {
            view: view.to_cols_array_2d(),
            proj: proj.to_cols_array_2d(),
            light0: key.extend(k).into(),
            light1: fill.extend(f).into(),
            params: [ambient, if cam.perspective { 0.0 } else { 1.0 }, spec, bias],
            light_mat: (to_uv * light_proj * light_view).to_cols_array_2d(),
            depth: [near, 1.0 / range, 0.0, 0.0],
        };
        queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&g));
        if frame.lighting == Lighting::Full {
            let shadow = Globals {
                view: (light_view * view).to_cols_array_2d(),
                proj: light_proj.to_cols_array_2d(),
                params: [0.0, 1.0, 0.0, 0.0],
                ..g
            };
            queue.write_buffer(&self.shadow_globals, 0, bytemuck::bytes_of(&shadow));
        }
        let post = PostUniform {
            inv_proj: proj.inverse().to_cols_array_2d(),
            proj: proj.to_cols_array_2d(),
            // AO radius: a few Å, growing a little with the scene so big maps still shade.
            params: [ao, (0.02 * range).clamp(2.5, 8.0), if frame.silhouettes { 0.03 } else { 0.0 }, 1.0],
            size: [size[0] as f32, size[1] as f32, range, if frame.interactive { 8.0 } else { 16.0 }],
            edge: [0.0, 0.0, 0.0, near],
        };
        queue.write_buffer(&self.post_uniform, 0, bytemuck::bytes_of(&post));
        for m in &frame.meshes {
            for key in std::iter::once(m.key).chain(m.coarse.as_ref().map(|c| c.0)) {
                if let Some(gm) = self.meshes.get(&key) {
                    queue.write_buffer(&gm.object, 0, bytemuck::cast_slice(&m.colour));
                }
            }
        }
    }

    /// The geometry drawn for `m`: its coarse copy in an interactive frame when there is one
    /// (and it is uploaded), else the full surface.
    fn gpu_mesh(&self, m: &SceneMesh, interactive: bool) -> Option<&GpuMesh> {
        let coarse = m.coarse.as_ref().filter(|_| interactive).and_then(|(k, _)| self.meshes.get(k));
        coarse.or_else(|| self.meshes.get(&m.key))
    }

    /// Surface triangles (opaque, transparent and the shadow map's not counted twice) the last
    /// frame drew: tells the coarse copies of interactive frames from the full surfaces.
    pub fn triangles_drawn(&self) -> usize {
        self.drawn
    }

    /// Record the frame into `encoder`, rendering into the offscreen target.
    pub fn render(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        frame: &Frame,
    ) {
        self.upload(device, frame);
        self.ensure_target(device, frame.render_size());
        let has_transparent = frame
            .meshes
            .iter()
            .any(|m| m.style == Style::Surface && m.colour[3] < 0.999 && self.gpu_mesh(m, false).is_some());
        let variant = [frame.lighting != Lighting::Simple, frame.silhouettes, has_transparent];
        if !self.post.contains_key(&variant) {
            let pipeline = self.pipes.post(device, variant);
            self.post.insert(variant, pipeline);
        }
        let t = &self.targets[0];
        self.write_uniforms(queue, frame, t.size);
        let p = &self.pipes;
        let full = frame.lighting == Lighting::Full;
        if full {
            self.shadow_pass(encoder, frame);
        }
        let lit = &p.lit[full as usize];
        let [r, g, b] = frame.background.map(|c| c as f64);
        let mut transparent = Vec::new();
        let mut drawn = 0;
        {
            let clear = wgpu::Color { r, g, b, a: 1.0 };
            let mut pass = begin(
                encoder,
                "scene3d opaque",
                &[colour_attachment(&t.scene, clear)],
                depth_attachment(&t.depth, true),
            );
            pass.set_bind_group(0, &self.globals_bind, &[]);
            self.draw_atoms(&mut pass, frame, &lit.spheres, &lit.sticks);
            for m in &frame.meshes {
                let Some(gm) = self.gpu_mesh(m, frame.interactive) else { continue };
                if m.style == Style::Surface {
                    drawn += gm.n_triangles as usize / 3;
                }
                pass.set_bind_group(1, &gm.bind, &[]);
                pass.set_vertex_buffer(0, gm.vertices.slice(..));
                match (m.style, m.colour[3] >= 0.999) {
                    (Style::Mesh, _) => {
                        if let Some((buf, n)) = &gm.lines {
                            pass.set_pipeline(&p.lines);
                            pass.set_index_buffer(buf.slice(..), wgpu::IndexFormat::Uint32);
                            pass.draw_indexed(0..*n, 0, 0..1);
                        }
                    }
                    (Style::Surface, true) => {
                        pass.set_pipeline(&lit.opaque);
                        pass.set_index_buffer(gm.triangles.slice(..), wgpu::IndexFormat::Uint32);
                        pass.draw_indexed(0..gm.n_triangles, 0, 0..1);
                    }
                    (Style::Surface, false) => transparent.push(gm),
                }
            }
        }
        if variant[0] {
            self.ao_pass(encoder, t);
        }
        self.transparent_pass(encoder, t, lit, &transparent);
        self.drawn = drawn;
        let zero = wgpu::Color::TRANSPARENT;
        let mut pass = begin(encoder, "scene3d post", &[colour_attachment(&t.colour_view, zero)], None);
        pass.set_pipeline(&self.post[&variant]);
        pass.set_bind_group(0, &t.post, &[]);
        pass.draw(0..3, 0..1);
    }

    /// Ambient occlusion into its target, only where something opaque is (the pipeline's
    /// depth test against the opaque depth, read-only).
    fn ao_pass(&self, encoder: &mut wgpu::CommandEncoder, t: &Target) {
        let read_only =
            Some(wgpu::RenderPassDepthStencilAttachment { view: &t.depth, depth_ops: None, stencil_ops: None });
        let mut pass = begin(encoder, "scene3d ao", &[colour_attachment(&t.ao, wgpu::Color::WHITE)], read_only);
        pass.set_pipeline(&self.pipes.ao);
        pass.set_bind_group(0, &t.ao_bind, &[]);
        pass.draw(0..3, 0..1);
    }

    /// Transparent surfaces, in the order given (the result does not depend on it): OIT colour
    /// and revealage, and their nearest eye depth. Without any, nothing is drawn and the post
    /// pass reads no transparency target.
    fn transparent_pass(&self, encoder: &mut wgpu::CommandEncoder, t: &Target, lit: &Lit, transparent: &[&GpuMesh]) {
        if transparent.is_empty() {
            return;
        }
        let (zero, one) = (wgpu::Color::TRANSPARENT, wgpu::Color::WHITE);
        let mut pass = begin(
            encoder,
            "scene3d transparent",
            &[colour_attachment(&t.accum, zero), colour_attachment(&t.reveal, one), colour_attachment(&t.tnear, one)],
            depth_attachment(&t.depth, false),
        );
        pass.set_bind_group(0, &self.globals_bind, &[]);
        pass.set_pipeline(&lit.oit);
        for gm in transparent {
            pass.set_bind_group(1, &gm.bind, &[]);
            pass.set_vertex_buffer(0, gm.vertices.slice(..));
            pass.set_index_buffer(gm.triangles.slice(..), wgpu::IndexFormat::Uint32);
            pass.draw_indexed(0..gm.n_triangles, 0, 0..1);
        }
    }

    /// The atoms' sphere and stick impostors (one quad an instance) with the given pipelines:
    /// the lit ones in the opaque pass, the depth-only ones in the shadow pass.
    fn draw_atoms(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        frame: &Frame,
        spheres: &wgpu::RenderPipeline,
        sticks: &wgpu::RenderPipeline,
    ) {
        for (pipeline, sets, keys) in [
            (spheres, &self.sphere_sets, frame.spheres.iter().map(|s| s.key).collect::<Vec<_>>()),
            (sticks, &self.stick_sets, frame.sticks.iter().map(|s| s.key).collect()),
        ] {
            pass.set_pipeline(pipeline);
            for key in keys {
                if let Some((buf, n)) = sets.get(&key) {
                    pass.set_vertex_buffer(0, buf.slice(..));
                    pass.draw(0..6, 0..*n);
                }
            }
        }
    }

    /// The key light's shadow map: depth from the light of the opaque things (spheres, sticks,
    /// opaque surfaces; transparent surfaces cast none).
    fn shadow_pass(&self, encoder: &mut wgpu::CommandEncoder, frame: &Frame) {
        let p = &self.pipes;
        let mut pass = begin(encoder, "scene3d shadow", &[], depth_attachment(&self.shadow_map, true));
        pass.set_bind_group(0, &self.shadow_globals_bind, &[]);
        self.draw_atoms(&mut pass, frame, &p.shadow_spheres, &p.shadow_sticks);
        pass.set_pipeline(&p.shadow_mesh);
        for m in frame.meshes.iter().filter(|m| m.style == Style::Surface && m.colour[3] >= 0.999) {
            if let Some(gm) = self.gpu_mesh(m, frame.interactive) {
                pass.set_bind_group(1, &gm.bind, &[]);
                pass.set_vertex_buffer(0, gm.vertices.slice(..));
                pass.set_index_buffer(gm.triangles.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(0..gm.n_triangles, 0, 0..1);
            }
        }
    }

    /// Copy the offscreen image into egui's pass (the paint callback's viewport).
    pub fn paint(&self, pass: &mut wgpu::RenderPass<'static>) {
        if let Some(t) = self.targets.first() {
            pass.set_pipeline(&self.pipes.blit);
            pass.set_bind_group(0, &t.blit, &[]);
            pass.draw(0..3, 0..1);
        }
    }
}

/// The key light's shadow camera, from view space: a view looking along the light at the
/// scene's centre and an orthographic projection holding the scene's bounding sphere; and the
/// depth bias (a quarter ångström, in the map's depth units) that keeps lit surfaces from
/// shadowing themselves.
fn key_light(cam: &Camera, key: Vec3) -> (Mat4, Mat4, f32) {
    let centre = cam.view().transform_point3(cam.centre);
    let r = cam.radius.max(1e-3);
    // Turn the light's direction onto +z (towards the light's eye), 2r from the centre.
    let view = Mat4::from_translation(Vec3::new(0.0, 0.0, -2.0 * r))
        * Mat4::from_quat(glam::Quat::from_rotation_arc(key, Vec3::Z))
        * Mat4::from_translation(-centre);
    let proj = super::camera::orthographic(r, r, r * 0.5, r * 3.5);
    (view, proj, 0.25 / (3.0 * r))
}

/// Near and far clip distances of a projection (depth 0 and 1 on the view axis).
fn depth_range(proj: &Mat4) -> (f32, f32) {
    let inv = proj.inverse();
    let z = |d: f32| {
        let v = inv * glam::Vec4::new(0.0, 0.0, d, 1.0);
        -v.z / v.w
    };
    (z(0.0), z(1.0))
}
