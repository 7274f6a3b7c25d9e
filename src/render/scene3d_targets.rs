//! The 3-D view's GPU resources: geometry uploaded once per key, the offscreen targets per
//! size, and the read-back of a finished frame (PNG export, tests). A child module of
//! scene3d.rs (it reaches the private state of `Scene3dGpu`).

use eframe::wgpu::{self, util::DeviceExt};

use super::{Frame, GpuMesh, Scene3dGpu, Target};
use crate::render::scene3d_pipes::{ACCUM_FORMAT, AO_FORMAT, COLOUR_FORMAT, DEPTH_FORMAT, NEAR_FORMAT, REVEAL_FORMAT};

impl Scene3dGpu {
    pub(super) fn upload(&mut self, device: &wgpu::Device, frame: &Frame) {
        // A coarse copy is uploaded with its surface, still frame or not, so the first moving
        // frame does not pay for it.
        let all = || {
            frame
                .meshes
                .iter()
                .flat_map(|m| std::iter::once((m.key, &m.mesh)).chain(m.coarse.iter().map(|(k, c)| (*k, c))))
        };
        let keep: std::collections::HashSet<u64> = all().map(|(k, _)| k).collect();
        self.meshes.retain(|k, _| keep.contains(k));
        let keep: std::collections::HashSet<u64> = frame.spheres.iter().map(|m| m.key).collect();
        self.sphere_sets.retain(|k, _| keep.contains(k));
        let keep: std::collections::HashSet<u64> = frame.sticks.iter().map(|m| m.key).collect();
        self.stick_sets.retain(|k, _| keep.contains(k));
        for (key, mesh) in all() {
            if self.meshes.contains_key(&key) || mesh.is_empty() {
                continue;
            }
            let verts: Vec<[f32; 6]> =
                mesh.positions.iter().zip(&mesh.normals).map(|(p, n)| [p[0], p[1], p[2], n[0], n[1], n[2]]).collect();
            let init = |label: &str, contents: &[u8], usage| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents, usage })
            };
            let vertices = init("mesh vertices", bytemuck::cast_slice(&verts), wgpu::BufferUsages::VERTEX);
            let triangles = init("mesh triangles", bytemuck::cast_slice(&mesh.indices), wgpu::BufferUsages::INDEX);
            let line_idx = mesh.line_indices();
            let lines = (!line_idx.is_empty()).then(|| {
                (init("mesh lines", bytemuck::cast_slice(&line_idx), wgpu::BufferUsages::INDEX), line_idx.len() as u32)
            });
            let object = init("mesh object", &[0u8; 16], wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST);
            let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("mesh object"),
                layout: &self.pipes.object_layout,
                entries: &[wgpu::BindGroupEntry { binding: 0, resource: object.as_entire_binding() }],
            });
            let n_triangles = mesh.indices.len() as u32;
            self.meshes.insert(key, GpuMesh { vertices, triangles, n_triangles, lines, object, bind });
        }
        for s in &frame.spheres {
            upload_instances(device, &mut self.sphere_sets, s.key, s.spheres.as_slice(), "spheres");
        }
        for s in &frame.sticks {
            upload_instances(device, &mut self.stick_sets, s.key, s.sticks.as_slice(), "sticks");
        }
    }

    /// Make the target of `size` the first of `targets`, creating it if it is not kept.
    pub(super) fn ensure_target(&mut self, device: &wgpu::Device, size: [u32; 2]) {
        if let Some(i) = self.targets.iter().position(|t| t.size == size) {
            let t = self.targets.remove(i);
            self.targets.insert(0, t);
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
        let read = U::RENDER_ATTACHMENT | U::TEXTURE_BINDING;
        let view = |t: wgpu::Texture| t.create_view(&Default::default());
        let scene = view(texture(COLOUR_FORMAT, read));
        let depth = view(texture(DEPTH_FORMAT, read));
        let tnear = view(texture(NEAR_FORMAT, read));
        let accum = view(texture(ACCUM_FORMAT, read));
        let reveal = view(texture(REVEAL_FORMAT, read));
        let ao = view(texture(AO_FORMAT, read));
        let colour = texture(COLOUR_FORMAT, read | U::COPY_SRC);
        fn tex(binding: u32, v: &wgpu::TextureView) -> wgpu::BindGroupEntry<'_> {
            wgpu::BindGroupEntry { binding, resource: wgpu::BindingResource::TextureView(v) }
        }
        let post = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scene3d post"),
            layout: &self.pipes.post_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: self.post_uniform.as_entire_binding() },
                tex(1, &scene),
                tex(2, &depth),
                tex(3, &tnear),
                tex(4, &accum),
                tex(5, &reveal),
                tex(6, &ao),
                wgpu::BindGroupEntry { binding: 7, resource: wgpu::BindingResource::Sampler(&self.point) },
            ],
        });
        let ao_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scene3d ao"),
            layout: &self.pipes.ao_layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: self.post_uniform.as_entire_binding() },
                tex(2, &depth),
            ],
        });
        let blit = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("scene3d blit"),
            layout: &self.pipes.blit_layout,
            entries: &[
                tex(0, &colour.create_view(&Default::default())),
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(&self.sampler) },
            ],
        });
        let colour_view = colour.create_view(&Default::default());
        self.targets.insert(
            0,
            Target { size, scene, depth, tnear, accum, reveal, ao, ao_bind, colour, colour_view, post, blit },
        );
        self.targets.truncate(2);
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
        let t = self.targets.first()?;
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

/// Upload one instance set (spheres or sticks) under `key`, once: a key already held keeps its
/// buffer, and an empty set gets none.
fn upload_instances<T: bytemuck::Pod>(
    device: &wgpu::Device,
    sets: &mut std::collections::HashMap<u64, (wgpu::Buffer, u32)>,
    key: u64,
    items: &[T],
    label: &str,
) {
    if sets.contains_key(&key) || items.is_empty() {
        return;
    }
    let buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(items),
        usage: wgpu::BufferUsages::VERTEX,
    });
    sets.insert(key, (buf, items.len() as u32));
}
