//! The wgpu pipelines and bind-group layouts of the 3-D view (see scene3d.rs for the passes).

use eframe::wgpu;

pub(super) const COLOUR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
pub(super) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// Ambient light per pixel from the ambient-occlusion pass.
pub(super) const AO_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R8Unorm;
/// Weighted-blended OIT targets: summed premultiplied colour and weight, and the product of
/// (1 - alpha). Half floats: enough range for the weights, blendable everywhere (lavapipe too;
/// 32-bit floats measured no faster there).
pub(super) const ACCUM_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;
pub(super) const REVEAL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Float;
/// The nearest transparent surface's eye depth, 0..1 of the depth range (min-blended): half
/// floats resolve 1/2048 of the range, far finer than the silhouettes' 3% step.
pub(super) const NEAR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Float;

pub(super) struct Pipelines {
    pub globals_layout: wgpu::BindGroupLayout,
    pub object_layout: wgpu::BindGroupLayout,
    pub post_layout: wgpu::BindGroupLayout,
    /// The ambient-occlusion pass: the post uniform and the opaque depth.
    pub ao_layout: wgpu::BindGroupLayout,
    pub ao: wgpu::RenderPipeline,
    post_shader: wgpu::ShaderModule,
    pub blit_layout: wgpu::BindGroupLayout,
    /// The shaded pipelines without and with the key light's shadow (lighting full).
    pub lit: [Lit; 2],
    pub lines: wgpu::RenderPipeline,
    /// The shadow pass (depth only, from the key light): opaque meshes, spheres, sticks.
    pub shadow_mesh: wgpu::RenderPipeline,
    pub shadow_spheres: wgpu::RenderPipeline,
    pub shadow_sticks: wgpu::RenderPipeline,
    pub blit: wgpu::RenderPipeline,
}

/// The pipelines whose fragments are lit (and shadowed with lighting full).
pub(super) struct Lit {
    pub opaque: wgpu::RenderPipeline,
    pub spheres: wgpu::RenderPipeline,
    pub sticks: wgpu::RenderPipeline,
    pub oit: wgpu::RenderPipeline,
}

pub(super) fn uniform_layout(device: &wgpu::Device, label: &str) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &[uniform_entry(0, wgpu::ShaderStages::VERTEX_FRAGMENT)],
    })
}

fn uniform_entry(binding: u32, visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn texture_entry(binding: u32, sample_type: wgpu::TextureSampleType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type,
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
}

/// What differs between the geometry pipelines.
struct Geo<'a> {
    label: &'a str,
    layout: &'a wgpu::PipelineLayout,
    vs: &'a str,
    fs: Option<&'a str>,
    buffers: &'a [Option<wgpu::VertexBufferLayout<'a>>],
    topology: wgpu::PrimitiveTopology,
    depth_write: bool,
    targets: &'a [Option<wgpu::ColorTargetState>],
    /// Pipeline constants (SHADOWS).
    constants: &'a [(&'a str, f64)],
}

fn geometry(device: &wgpu::Device, shader: &wgpu::ShaderModule, g: Geo) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(g.label),
        layout: Some(g.layout),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some(g.vs),
            compilation_options: wgpu::PipelineCompilationOptions { constants: g.constants, ..Default::default() },
            buffers: g.buffers,
        },
        primitive: wgpu::PrimitiveState { topology: g.topology, cull_mode: None, ..Default::default() },
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(g.depth_write),
            depth_compare: Some(wgpu::CompareFunction::Less),
            stencil: Default::default(),
            bias: Default::default(),
        }),
        multisample: Default::default(),
        fragment: g.fs.map(|fs| wgpu::FragmentState {
            module: shader,
            entry_point: Some(fs),
            compilation_options: wgpu::PipelineCompilationOptions { constants: g.constants, ..Default::default() },
            targets: g.targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

fn fullscreen(
    device: &wgpu::Device,
    label: &str,
    shader: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    (vs, fs): (&str, &str),
    format: wgpu::TextureFormat,
    constants: &[(&str, f64)],
) -> wgpu::RenderPipeline {
    let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(&pl),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some(vs),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        fragment: Some(wgpu::FragmentState {
            module: shader,
            entry_point: Some(fs),
            compilation_options: wgpu::PipelineCompilationOptions { constants, ..Default::default() },
            targets: &[Some(wgpu::ColorTargetState { format, blend: None, write_mask: wgpu::ColorWrites::ALL })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The ambient-occlusion pass: a far-plane triangle that passes the depth test (greater, no
/// writes) only where something opaque is, so empty pixels cost no shading.
fn ao_pipeline(
    device: &wgpu::Device,
    shader: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
) -> wgpu::RenderPipeline {
    let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("scene3d ao"),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("scene3d ao"),
        layout: Some(&pl),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some("vs_ao"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH_FORMAT,
            depth_write_enabled: Some(false),
            depth_compare: Some(wgpu::CompareFunction::Greater),
            stencil: Default::default(),
            bias: Default::default(),
        }),
        multisample: Default::default(),
        fragment: Some(wgpu::FragmentState {
            module: shader,
            entry_point: Some("fs_ao"),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: AO_FORMAT,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

impl Pipelines {
    /// `target_format`: the format of egui's pass the finished image is blitted into.
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let module = |label: &str, src: &'static str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(src.into()),
            })
        };
        let shader = module("scene3d", include_str!("scene3d.wgsl"));
        let post_shader = module("scene3d post", include_str!("post.wgsl"));
        let blit_shader = module("scene3d blit", include_str!("blit.wgsl"));
        // The globals, and the key light's shadow map with its comparison sampler.
        let globals_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("scene3d globals"),
            entries: &[
                uniform_entry(0, wgpu::ShaderStages::VERTEX_FRAGMENT),
                texture_entry(1, wgpu::TextureSampleType::Depth),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                    count: None,
                },
            ],
        });
        let object_layout = uniform_layout(device, "scene3d object");
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene3d"),
            bind_group_layouts: &[Some(&globals_layout), Some(&object_layout)],
            immediate_size: 0,
        });
        // Spheres and sticks carry their colours per instance: no object group.
        let instanced = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("scene3d instanced"),
            bind_group_layouts: &[Some(&globals_layout)],
            immediate_size: 0,
        });
        let mesh_vertex = [Some(wgpu::VertexBufferLayout {
            array_stride: 24,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3],
        })];
        let sphere_instance = [Some(wgpu::VertexBufferLayout {
            array_stride: 32,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4],
        })];
        let stick_instance = [Some(wgpu::VertexBufferLayout {
            array_stride: 64,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4, 2 => Float32x4, 3 => Float32x4],
        })];
        let colour =
            [Some(wgpu::ColorTargetState { format: COLOUR_FORMAT, blend: None, write_mask: wgpu::ColorWrites::ALL })];
        let add = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::One,
            dst_factor: wgpu::BlendFactor::One,
            operation: wgpu::BlendOperation::Add,
        };
        let min = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::One,
            dst_factor: wgpu::BlendFactor::One,
            operation: wgpu::BlendOperation::Min,
        };
        let times_one_minus = wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::Zero,
            dst_factor: wgpu::BlendFactor::OneMinusSrc,
            operation: wgpu::BlendOperation::Add,
        };
        let oit_targets = [
            Some(wgpu::ColorTargetState {
                format: ACCUM_FORMAT,
                blend: Some(wgpu::BlendState { color: add, alpha: add }),
                write_mask: wgpu::ColorWrites::ALL,
            }),
            Some(wgpu::ColorTargetState {
                format: REVEAL_FORMAT,
                blend: Some(wgpu::BlendState { color: times_one_minus, alpha: times_one_minus }),
                write_mask: wgpu::ColorWrites::ALL,
            }),
            Some(wgpu::ColorTargetState {
                format: NEAR_FORMAT,
                blend: Some(wgpu::BlendState { color: min, alpha: min }),
                write_mask: wgpu::ColorWrites::ALL,
            }),
        ];
        use wgpu::PrimitiveTopology as T;
        let geo = |label: &str,
                   layout: &wgpu::PipelineLayout,
                   vs: &str,
                   fs: Option<&str>,
                   buffers: &[Option<wgpu::VertexBufferLayout>],
                   topology: wgpu::PrimitiveTopology,
                   depth_write: bool,
                   targets: &[Option<wgpu::ColorTargetState>]| {
            let constants = &[];
            geometry(device, &shader, Geo { label, layout, vs, fs, buffers, topology, depth_write, targets, constants })
        };
        let lit = |shadows: bool| {
            let constants = &[("SHADOWS", if shadows { 1.0 } else { 0.0 })];
            let g = |label, layout, vs, fs, buffers, depth_write, targets| {
                let fs = Some(fs);
                let topology = T::TriangleList;
                geometry(
                    device,
                    &shader,
                    Geo { label, layout, vs, fs, buffers, topology, depth_write, targets, constants },
                )
            };
            Lit {
                opaque: g("opaque", &layout, "vs_mesh", "fs_mesh", &mesh_vertex, true, &colour),
                spheres: g("spheres", &instanced, "vs_sphere", "fs_sphere", &sphere_instance, true, &colour),
                sticks: g("sticks", &instanced, "vs_stick", "fs_stick", &stick_instance, true, &colour),
                oit: g("oit", &layout, "vs_mesh", "fs_mesh_oit", &mesh_vertex, false, &oit_targets),
            }
        };
        let lit = [lit(false), lit(true)];
        let lines = geo("lines", &layout, "vs_mesh", Some("fs_lines"), &mesh_vertex, T::LineList, true, &colour);
        let shadow_mesh = geo("shadow mesh", &layout, "vs_mesh", None, &mesh_vertex, T::TriangleList, true, &[]);
        let shadow_spheres = geo(
            "shadow spheres",
            &instanced,
            "vs_sphere",
            Some("fs_sphere_depth"),
            &sphere_instance,
            T::TriangleList,
            true,
            &[],
        );
        let shadow_sticks = geo(
            "shadow sticks",
            &instanced,
            "vs_stick",
            Some("fs_stick_depth"),
            &stick_instance,
            T::TriangleList,
            true,
            &[],
        );

        use wgpu::TextureSampleType as S;
        let unfiltered = S::Float { filterable: false };
        let post_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("scene3d post"),
            entries: &[
                uniform_entry(0, wgpu::ShaderStages::FRAGMENT),
                texture_entry(1, unfiltered),
                texture_entry(2, S::Depth),
                texture_entry(3, unfiltered),
                texture_entry(4, unfiltered),
                texture_entry(5, unfiltered),
                texture_entry(6, unfiltered),
                wgpu::BindGroupLayoutEntry {
                    binding: 7,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::NonFiltering),
                    count: None,
                },
            ],
        });
        let ao_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("scene3d ao"),
            entries: &[uniform_entry(0, wgpu::ShaderStages::FRAGMENT), texture_entry(2, S::Depth)],
        });
        let ao = ao_pipeline(device, &post_shader, &ao_layout);
        let blit_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("scene3d blit"),
            entries: &[
                texture_entry(0, S::Float { filterable: true }),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let fs_blit = if target_format.is_srgb() { "fs_blit_srgb" } else { "fs_blit" };
        let blit =
            fullscreen(device, "scene3d blit", &blit_shader, &blit_layout, ("vs_blit", fs_blit), target_format, &[]);
        Pipelines {
            globals_layout,
            object_layout,
            post_layout,
            ao_layout,
            ao,
            post_shader,
            blit_layout,
            lit,
            lines,
            shadow_mesh,
            shadow_spheres,
            shadow_sticks,
            blit,
        }
    }

    /// The post pass for one combination of its parts (ambient occlusion, silhouette edges,
    /// a transparent layer to composite): made when first needed.
    pub fn post(&self, device: &wgpu::Device, [ao, edges, oit]: [bool; 3]) -> wgpu::RenderPipeline {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        let constants = [("AO", b(ao)), ("EDGES", b(edges)), ("OIT", b(oit))];
        let label = "scene3d post";
        fullscreen(
            device,
            label,
            &self.post_shader,
            &self.post_layout,
            ("vs_post", "fs_post"),
            COLOUR_FORMAT,
            &constants,
        )
    }
}
