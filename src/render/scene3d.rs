//! The 3-D scene on wgpu: isosurface meshes (surface or square-mesh style), sphere
//! impostors for atoms, rendered into an offscreen colour+depth target and then copied into
//! egui's render pass by a paint callback (or read back as an image for PNG export and tests).
//!
//! Why offscreen: egui's pass has no depth buffer (and kittest's neither), and the same
//! target gives a PNG of just the 3-D view. Transparency: opaque things first, then each
//! transparent surface back to front (sorted by its nearest bounding-box corner) with a
//! depth pre-pass, so each transparent surface shows its front layer only, as ChimeraX does.

use std::collections::HashMap;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use eframe::wgpu::{self, util::DeviceExt};
use glam::{Mat4, Vec3};

use super::camera::Camera;
use super::isosurface::Mesh;

const COLOUR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Surface,
    Mesh,
}

/// One surface to draw. `key` identifies the geometry: same key, no re-upload.
#[derive(Clone)]
pub struct SceneMesh {
    pub key: u64,
    pub mesh: Arc<Mesh>,
    /// sRGB-encoded RGB and opacity.
    pub colour: [f32; 4],
    pub style: Style,
}

/// Spheres: centre xyz + radius, and an sRGB colour each. `key` as for meshes.
#[derive(Clone)]
pub struct SceneSpheres {
    pub key: u64,
    pub spheres: Arc<Vec<[f32; 8]>>,
}

/// Everything one frame draws.
#[derive(Clone)]
pub struct Frame {
    pub camera: Camera,
    pub size: [u32; 2],
    pub background: [f32; 3],
    pub meshes: Vec<SceneMesh>,
    pub spheres: Vec<SceneSpheres>,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Globals {
    view: [[f32; 4]; 4],
    proj: [[f32; 4]; 4],
    light0: [f32; 4],
    light1: [f32; 4],
    params: [f32; 4],
}

struct GpuMesh {
    vertices: wgpu::Buffer,
    triangles: wgpu::Buffer,
    n_triangles: u32,
    lines: Option<(wgpu::Buffer, u32)>,
    bounds: (Vec3, Vec3),
    object: wgpu::Buffer,
    bind: wgpu::BindGroup,
}

struct Target {
    size: [u32; 2],
    colour: wgpu::Texture,
    depth: wgpu::TextureView,
    blit: wgpu::BindGroup,
}

/// GPU state of the 3-D view; lives in egui-wgpu's callback resources.
pub struct Scene3dGpu {
    globals: wgpu::Buffer,
    globals_bind: wgpu::BindGroup,
    object_layout: wgpu::BindGroupLayout,
    opaque: wgpu::RenderPipeline,
    prepass: wgpu::RenderPipeline,
    blend: wgpu::RenderPipeline,
    lines: wgpu::RenderPipeline,
    spheres: wgpu::RenderPipeline,
    blit: wgpu::RenderPipeline,
    blit_layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    meshes: HashMap<u64, GpuMesh>,
    sphere_sets: HashMap<u64, (wgpu::Buffer, u32)>,
    target: Option<Target>,
}

fn uniform_layout(device: &wgpu::Device, label: &str) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &[wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        }],
    })
}

impl Scene3dGpu {
    /// Build the pipelines; `target_format` is the format of the pass the view is blitted into.
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("scene3d"),
            source: wgpu::ShaderSource::Wgsl(include_str!("scene3d.wgsl").into()),
        });
        let blit_shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("scene3d blit"),
            source: wgpu::ShaderSource::Wgsl(include_str!("blit.wgsl").into()),
        });
        let globals_layout = uniform_layout(device, "scene3d globals");
        let object_layout = uniform_layout(device, "scene3d object");
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene3d"),
            bind_group_layouts: &[Some(&globals_layout), Some(&object_layout)],
            immediate_size: 0,
        });
        // Spheres carry their colour per instance, so their layout has no object group.
        let sphere_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene3d spheres"),
            bind_group_layouts: &[Some(&globals_layout)],
            immediate_size: 0,
        });
        let mesh_vertex = wgpu::VertexBufferLayout {
            array_stride: 24,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3],
        };
        let sphere_instance = wgpu::VertexBufferLayout {
            array_stride: 32,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4],
        };
        let alpha_blend = wgpu::BlendState {
            color: wgpu::BlendComponent {
                src_factor: wgpu::BlendFactor::SrcAlpha,
                dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
                operation: wgpu::BlendOperation::Add,
            },
            alpha: wgpu::BlendComponent::OVER,
        };
        let pipeline = |label: &str,
                        layout: &wgpu::PipelineLayout,
                        vs: &str,
                        fs: &str,
                        buffers: &[Option<wgpu::VertexBufferLayout>],
                        topology: wgpu::PrimitiveTopology,
                        write: bool,
                        compare: wgpu::CompareFunction,
                        colour: Option<wgpu::BlendState>,
                        writes: wgpu::ColorWrites| {
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: Some(layout),
                vertex: wgpu::VertexState {
                    module: &shader,
                    entry_point: Some(vs),
                    compilation_options: Default::default(),
                    buffers,
                },
                primitive: wgpu::PrimitiveState { topology, cull_mode: None, ..Default::default() },
                depth_stencil: Some(wgpu::DepthStencilState {
                    format: DEPTH_FORMAT,
                    depth_write_enabled: Some(write),
                    depth_compare: Some(compare),
                    stencil: Default::default(),
                    bias: Default::default(),
                }),
                multisample: Default::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &shader,
                    entry_point: Some(fs),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format: COLOUR_FORMAT,
                        blend: colour,
                        write_mask: writes,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        use wgpu::{ColorWrites as W, CompareFunction as C, PrimitiveTopology as T};
        let mv = &[Some(mesh_vertex)][..];
        let opaque =
            pipeline("opaque", &layout, "vs_mesh", "fs_mesh", mv, T::TriangleList, true, C::Less, None, W::ALL);
        let prepass =
            pipeline("prepass", &layout, "vs_mesh", "fs_mesh", mv, T::TriangleList, true, C::Less, None, W::empty());
        let blend = pipeline(
            "blend",
            &layout,
            "vs_mesh",
            "fs_mesh",
            mv,
            T::TriangleList,
            false,
            C::LessEqual,
            Some(alpha_blend),
            W::ALL,
        );
        let lines = pipeline("lines", &layout, "vs_mesh", "fs_lines", mv, T::LineList, true, C::Less, None, W::ALL);
        let spheres = pipeline(
            "spheres",
            &sphere_layout,
            "vs_sphere",
            "fs_sphere",
            &[Some(sphere_instance)],
            T::TriangleList,
            true,
            C::Less,
            None,
            W::ALL,
        );

        let blit_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("scene3d blit"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let blit_pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene3d blit"),
            bind_group_layouts: &[Some(&blit_layout)],
            immediate_size: 0,
        });
        let blit = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("scene3d blit"),
            layout: Some(&blit_pipeline_layout),
            vertex: wgpu::VertexState {
                module: &blit_shader,
                entry_point: Some("vs_blit"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: &blit_shader,
                entry_point: Some(if target_format.is_srgb() { "fs_blit_srgb" } else { "fs_blit" }),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState { format: target_format, blend: None, write_mask: W::ALL })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let globals = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("scene3d globals"),
            size: std::mem::size_of::<Globals>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let globals_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scene3d globals"),
            layout: &globals_layout,
            entries: &[wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() }],
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Scene3dGpu {
            globals,
            globals_bind,
            object_layout,
            opaque,
            prepass,
            blend,
            lines,
            spheres,
            blit,
            blit_layout,
            sampler,
            meshes: HashMap::new(),
            sphere_sets: HashMap::new(),
            target: None,
        }
    }

    fn upload(&mut self, device: &wgpu::Device, frame: &Frame) {
        let keep: std::collections::HashSet<u64> = frame.meshes.iter().map(|m| m.key).collect();
        self.meshes.retain(|k, _| keep.contains(k));
        let keep: std::collections::HashSet<u64> = frame.spheres.iter().map(|m| m.key).collect();
        self.sphere_sets.retain(|k, _| keep.contains(k));
        for m in &frame.meshes {
            if self.meshes.contains_key(&m.key) || m.mesh.is_empty() {
                continue;
            }
            let verts: Vec<[f32; 6]> = m
                .mesh
                .positions
                .iter()
                .zip(&m.mesh.normals)
                .map(|(p, n)| [p[0], p[1], p[2], n[0], n[1], n[2]])
                .collect();
            let init = |label: &str, contents: &[u8], usage| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents, usage })
            };
            let vertices = init("mesh vertices", bytemuck::cast_slice(&verts), wgpu::BufferUsages::VERTEX);
            let triangles = init("mesh triangles", bytemuck::cast_slice(&m.mesh.indices), wgpu::BufferUsages::INDEX);
            let line_idx = m.mesh.line_indices();
            let lines = (!line_idx.is_empty()).then(|| {
                (init("mesh lines", bytemuck::cast_slice(&line_idx), wgpu::BufferUsages::INDEX), line_idx.len() as u32)
            });
            let object = init("mesh object", &[0u8; 16], wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST);
            let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("mesh object"),
                layout: &self.object_layout,
                entries: &[wgpu::BindGroupEntry { binding: 0, resource: object.as_entire_binding() }],
            });
            let bounds = m.mesh.bounds().unwrap_or((Vec3::ZERO, Vec3::ZERO));
            let n_triangles = m.mesh.indices.len() as u32;
            self.meshes.insert(m.key, GpuMesh { vertices, triangles, n_triangles, lines, bounds, object, bind });
        }
        for s in &frame.spheres {
            if self.sphere_sets.contains_key(&s.key) || s.spheres.is_empty() {
                continue;
            }
            let buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("spheres"),
                contents: bytemuck::cast_slice(s.spheres.as_slice()),
                usage: wgpu::BufferUsages::VERTEX,
            });
            self.sphere_sets.insert(s.key, (buf, s.spheres.len() as u32));
        }
    }

    fn ensure_target(&mut self, device: &wgpu::Device, size: [u32; 2]) {
        let size = [size[0].clamp(1, 8192), size[1].clamp(1, 8192)];
        if self.target.as_ref().is_some_and(|t| t.size == size) {
            return;
        }
        let extent = wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 };
        let texture = |format, usage| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some("scene3d target"),
                size: extent,
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats: &[],
            })
        };
        use wgpu::TextureUsages as U;
        let colour = texture(COLOUR_FORMAT, U::RENDER_ATTACHMENT | U::TEXTURE_BINDING | U::COPY_SRC);
        let depth = texture(DEPTH_FORMAT, U::RENDER_ATTACHMENT).create_view(&Default::default());
        let blit = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scene3d blit"),
            layout: &self.blit_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&colour.create_view(&Default::default())),
                },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(&self.sampler) },
            ],
        });
        self.target = Some(Target { size, colour, depth, blit });
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
        self.ensure_target(device, frame.size);
        let Some(target) = &self.target else { return };
        let cam = &frame.camera;
        let view = cam.view();
        let aspect = target.size[0] as f32 / target.size[1] as f32;
        let key = Vec3::new(-0.4, 0.6, 0.7).normalize();
        let fill = Vec3::new(0.6, -0.3, 0.75).normalize();
        let g = Globals {
            view: view.to_cols_array_2d(),
            proj: cam.projection(aspect).to_cols_array_2d(),
            light0: key.extend(0.65).into(),
            light1: fill.extend(0.3).into(),
            params: [0.25, if cam.perspective { 0.0 } else { 1.0 }, 0.0, 0.0],
        };
        queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&g));
        for m in &frame.meshes {
            if let Some(gm) = self.meshes.get(&m.key) {
                queue.write_buffer(&gm.object, 0, bytemuck::cast_slice(&m.colour));
            }
        }
        let [r, gr, b] = frame.background.map(|c| c as f64);
        let colour_view = target.colour.create_view(&Default::default());
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("scene3d"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &colour_view,
                resolve_target: None,
                depth_slice: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color { r, g: gr, b, a: 1.0 }),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &target.depth,
                depth_ops: Some(wgpu::Operations { load: wgpu::LoadOp::Clear(1.0), store: wgpu::StoreOp::Store }),
                stencil_ops: None,
            }),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_bind_group(0, &self.globals_bind, &[]);
        // Opaque: spheres, opaque surfaces, all meshes drawn as lines.
        pass.set_pipeline(&self.spheres);
        for s in &frame.spheres {
            if let Some((buf, n)) = self.sphere_sets.get(&s.key) {
                pass.set_vertex_buffer(0, buf.slice(..));
                pass.draw(0..6, 0..*n);
            }
        }
        let mut transparent = Vec::new();
        for m in &frame.meshes {
            let Some(gm) = self.meshes.get(&m.key) else { continue };
            pass.set_bind_group(1, &gm.bind, &[]);
            pass.set_vertex_buffer(0, gm.vertices.slice(..));
            match (m.style, m.colour[3] >= 0.999) {
                (Style::Mesh, _) => {
                    if let Some((buf, n)) = &gm.lines {
                        pass.set_pipeline(&self.lines);
                        pass.set_index_buffer(buf.slice(..), wgpu::IndexFormat::Uint32);
                        pass.draw_indexed(0..*n, 0, 0..1);
                    }
                }
                (Style::Surface, true) => {
                    pass.set_pipeline(&self.opaque);
                    pass.set_index_buffer(gm.triangles.slice(..), wgpu::IndexFormat::Uint32);
                    pass.draw_indexed(0..gm.n_triangles, 0, 0..1);
                }
                (Style::Surface, false) => transparent.push((nearest_depth(&view, gm.bounds), gm)),
            }
        }
        // Back to front: the surface whose nearest corner is farthest goes first, so a
        // surface nested inside another is drawn before the one around it.
        transparent.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (_, gm) in transparent {
            pass.set_bind_group(1, &gm.bind, &[]);
            pass.set_vertex_buffer(0, gm.vertices.slice(..));
            pass.set_index_buffer(gm.triangles.slice(..), wgpu::IndexFormat::Uint32);
            pass.set_pipeline(&self.prepass);
            pass.draw_indexed(0..gm.n_triangles, 0, 0..1);
            pass.set_pipeline(&self.blend);
            pass.draw_indexed(0..gm.n_triangles, 0, 0..1);
        }
    }

    /// Copy the offscreen image into egui's pass (the paint callback's viewport).
    pub fn paint(&self, pass: &mut wgpu::RenderPass<'static>) {
        if let Some(t) = &self.target {
            pass.set_pipeline(&self.blit);
            pass.set_bind_group(0, &t.blit, &[]);
            pass.draw(0..3, 0..1);
        }
    }

    /// Render a frame and read it back (PNG export, tests).
    pub fn render_image(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        frame: &Frame,
    ) -> Option<image::RgbaImage> {
        let mut encoder = device.create_command_encoder(&Default::default());
        self.render(device, queue, &mut encoder, frame);
        let t = self.target.as_ref()?;
        let [w, h] = t.size;
        let row = (w * 4).div_ceil(256) * 256;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("scene3d readback"),
            size: (row * h) as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        encoder.copy_texture_to_buffer(
            t.colour.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &buffer,
                layout: wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(row), rows_per_image: Some(h) },
            },
            wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 },
        );
        queue.submit([encoder.finish()]);
        let slice = buffer.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        device.poll(wgpu::PollType::wait_indefinitely()).ok()?;
        rx.recv().ok()?.ok()?;
        let data = slice.get_mapped_range().ok()?;
        let mut pixels = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h as usize {
            pixels.extend_from_slice(&data[y * row as usize..y * row as usize + w as usize * 4]);
        }
        drop(data);
        buffer.unmap();
        image::RgbaImage::from_raw(w, h, pixels)
    }
}

/// View-space distance to the nearest corner of a box (bigger = farther).
fn nearest_depth(view: &Mat4, (lo, hi): (Vec3, Vec3)) -> f32 {
    let mut best = f32::INFINITY;
    for i in 0..8 {
        let p = Vec3::new(
            if i & 1 == 0 { lo.x } else { hi.x },
            if i & 2 == 0 { lo.y } else { hi.y },
            if i & 4 == 0 { lo.z } else { hi.z },
        );
        best = best.min(-view.transform_point3(p).z);
    }
    // Sort descending by distance: negate so an ascending sort draws far first.
    -best
}
