// The post pass of the 3-D view, one full-screen triangle: ambient occlusion on the opaque
// image (screen-space, from the depth buffer: ChimeraX's "lighting soft" look), the
// order-independent transparent layer composited over it, and silhouette edges where the
// nearest surface (opaque or transparent) steps in depth (ChimeraX's "graphics silhouettes").

struct Post {
    inv_proj: mat4x4<f32>,
    proj: mat4x4<f32>,
    // x: AO strength (0: off), y: AO radius (view units, Å), z: silhouette depth jump as a
    // fraction of the depth range (0: off); silhouettes are one pixel wide.
    params: vec4<f32>,
    // xy: image size in pixels, z: depth range (far - near, Å), w: ambient occlusion samples.
    size: vec4<f32>,
    // rgb: silhouette colour, w: near clip distance (Å).
    edge: vec4<f32>,
};
@group(0) @binding(0) var<uniform> p: Post;
// Pipeline constants: what this variant of the pass does. Work a frame does not need is not
// compiled in (the CPU driver, lavapipe, pays for every texture read of every pixel).
override AO: bool = true;
override EDGES: bool = true;
override OIT: bool = true;
@group(0) @binding(1) var colour_tex: texture_2d<f32>;
@group(0) @binding(2) var depth_tex: texture_depth_2d;
// The nearest transparent surface's eye depth, 0 (near) to 1 (far).
@group(0) @binding(3) var tnear_tex: texture_2d<f32>;
@group(0) @binding(4) var accum_tex: texture_2d<f32>;
@group(0) @binding(5) var reveal_tex: texture_2d<f32>;
// Ambient light reaching each opaque pixel (the ambient-occlusion pass's output; 1 elsewhere).
@group(0) @binding(6) var ao_tex: texture_2d<f32>;
// Nearest, clamped: for gathering 2x2 blocks of depths.
@group(0) @binding(7) var point_smp: sampler;

@vertex
fn vs_post(@builtin(vertex_index) vi: u32) -> @builtin(position) vec4<f32> {
    let xy = vec2<f32>(f32((vi << 1u) & 2u), f32(vi & 2u)) * 2.0 - 1.0;
    return vec4<f32>(xy, 0.0, 1.0);
}

fn clamp_px(px: vec2<i32>) -> vec2<i32> {
    return clamp(px, vec2<i32>(0), vec2<i32>(p.size.xy) - vec2<i32>(1));
}

fn opaque_depth(px: vec2<i32>) -> f32 {
    return textureLoad(depth_tex, clamp_px(px), 0);
}

fn view_pos(px: vec2<i32>, d: f32) -> vec3<f32> {
    let uv = (vec2<f32>(px) + 0.5) / p.size.xy;
    let v = p.inv_proj * vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, d, 1.0);
    return v.xyz / v.w;
}

// Distance in front of the eye (Å) of a depth-buffer value: for perspective and orthographic
// projections the view z depends on the depth alone, so two multiply-adds and a division
// instead of a whole inverse-projection product (this runs several times for every pixel).
fn eye_depth(d: f32) -> f32 {
    let z = p.inv_proj[2].z * d + p.inv_proj[3].z;
    let w = p.inv_proj[2].w * d + p.inv_proj[3].w;
    return -z / w;
}

// Fraction of ambient light reaching the opaque point at `px`: 16 samples in the hemisphere
// around the surface normal (reconstructed from neighbouring depths), rotated in a 4x4
// interleaved pattern, each occluded when the depth buffer has something in front of it
// within the radius.
fn ambient(px: vec2<i32>, d: f32) -> f32 {
    let pos = view_pos(px, d);
    let r = view_pos(px + vec2<i32>(1, 0), opaque_depth(px + vec2<i32>(1, 0))) - pos;
    let l = pos - view_pos(px - vec2<i32>(1, 0), opaque_depth(px - vec2<i32>(1, 0)));
    let u = view_pos(px + vec2<i32>(0, 1), opaque_depth(px + vec2<i32>(0, 1))) - pos;
    let dn = pos - view_pos(px - vec2<i32>(0, 1), opaque_depth(px - vec2<i32>(0, 1)));
    // The smaller difference on each axis: no normal from across a depth step.
    let dx = select(l, r, abs(r.z) < abs(l.z));
    let dy = select(dn, u, abs(u.z) < abs(dn.z));
    var n = normalize(cross(dx, dy));
    if (n.z < 0.0) {
        n = -n;
    }
    var side = vec3<f32>(1.0, 0.0, 0.0);
    if (abs(n.x) > 0.9) {
        side = vec3<f32>(0.0, 1.0, 0.0);
    }
    let t = normalize(cross(n, side));
    let b = cross(n, t);
    let rot = f32((px.x & 3) * 4 + (px.y & 3)) * 0.3927;
    let radius = p.params.y;
    let n_samples = i32(p.size.w);
    var occluded = 0.0;
    for (var i = 0; i < n_samples; i++) {
        let f = (f32(i) + 0.5) / f32(n_samples);
        let phi = f32(i) * 2.39996 + rot;
        let ring = sqrt(f);
        let dir = t * (ring * cos(phi)) + b * (ring * sin(phi)) + n * sqrt(1.0 - f);
        let scale = mix(0.15, 1.0, f * f);
        let s = pos + dir * (radius * scale);
        let clip = p.proj * vec4<f32>(s, 1.0);
        let ndc = clip.xy / clip.w;
        let q = vec2<i32>((vec2<f32>(ndc.x, -ndc.y) * 0.5 + 0.5) * p.size.xy);
        if (any(q < vec2<i32>(0)) || any(q >= vec2<i32>(p.size.xy))) {
            continue;
        }
        let scene = -eye_depth(opaque_depth(q));
        if (scene > s.z + 0.02 * radius) {
            occluded += smoothstep(0.0, 1.0, radius / abs(pos.z - scene));
        }
    }
    return 1.0 - p.params.x * occluded / f32(n_samples);
}

// The ambient-occlusion pass: a full-screen triangle at the far plane, depth-tested (greater)
// against the opaque depth buffer, so only pixels with something opaque on them run the
// shader. (In the post pass a branch would not save the work: lavapipe runs both sides of a
// branch for all pixels of a block, masked.)
@vertex
fn vs_ao(@builtin(vertex_index) vi: u32) -> @builtin(position) vec4<f32> {
    let xy = vec2<f32>(f32((vi << 1u) & 2u), f32(vi & 2u)) * 2.0 - 1.0;
    return vec4<f32>(xy, 1.0, 1.0);
}

@fragment
fn fs_ao(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let px = vec2<i32>(frag.xy);
    return vec4<f32>(ambient(px, textureLoad(depth_tex, px, 0)));
}

@fragment
fn fs_post(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let px = vec2<i32>(frag.xy);
    var c = textureLoad(colour_tex, px, 0).rgb;
    if (AO) {
        c = c * textureLoad(ao_tex, px, 0).r;
    }
    if (OIT) {
        let acc = textureLoad(accum_tex, px, 0);
        let reveal = textureLoad(reveal_tex, px, 0).r;
        if (acc.a > 1e-6) {
            let t = acc.rgb / clamp(acc.a, 1e-4, 5e4);
            c = c * reveal + t * (1.0 - reveal);
        }
    }
    if (EDGES) {
        // The pixel and its four neighbours from two 2x2 gathers (the blocks up-left and
        // down-right of the pixel): two texture operations instead of five (lavapipe pays
        // per operation). Gather order: x (0,1), y (1,1), z (1,0), w (0,0) of the block.
        let texel = 1.0 / p.size.xy;
        let centre = (vec2<f32>(px) + 0.5) * texel;
        let ul = textureGather(depth_tex, point_smp, centre - 0.5 * texel);
        let dr = textureGather(depth_tex, point_smp, centre + 0.5 * texel);
        // self, left, up, right, down
        var d = array<f32, 5>(eye_depth(ul.y), eye_depth(ul.x), eye_depth(ul.z), eye_depth(dr.z), eye_depth(dr.x));
        if (OIT) {
            let tul = p.edge.w + textureGather(0, tnear_tex, point_smp, centre - 0.5 * texel) * p.size.z;
            let tdr = p.edge.w + textureGather(0, tnear_tex, point_smp, centre + 0.5 * texel) * p.size.z;
            d = array<f32, 5>(
                min(d[0], tul.y), min(d[1], tul.x), min(d[2], tul.z), min(d[3], tdr.z), min(d[4], tdr.x),
            );
        }
        let far = d[0] - p.params.z * p.size.z;
        let edge = d[1] < far | d[2] < far | d[3] < far | d[4] < far;
        if (edge) {
            c = p.edge.rgb;
        }
    }
    return vec4<f32>(c, 1.0);
}
