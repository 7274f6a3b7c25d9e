// The post pass of the 3-D view, one full-screen triangle: ambient occlusion on the opaque
// image (screen-space, from the depth buffer: ChimeraX's "lighting soft" look), the
// order-independent transparent layer composited over it, and silhouette edges where the
// nearest surface (opaque or transparent) steps in depth (ChimeraX's "graphics silhouettes").

struct Post {
    inv_proj: mat4x4<f32>,
    proj: mat4x4<f32>,
    // x: AO strength (0: off), y: AO radius (view units, Å), z: silhouette depth jump as a
    // fraction of the depth range (0: off), w: silhouette width in pixels.
    params: vec4<f32>,
    // xy: image size in pixels, z: depth range (far - near, Å).
    size: vec4<f32>,
    // rgb: silhouette colour.
    edge: vec4<f32>,
};
@group(0) @binding(0) var<uniform> p: Post;
@group(0) @binding(1) var colour_tex: texture_2d<f32>;
@group(0) @binding(2) var depth_tex: texture_depth_2d;
@group(0) @binding(3) var tdepth_tex: texture_depth_2d;
@group(0) @binding(4) var accum_tex: texture_2d<f32>;
@group(0) @binding(5) var reveal_tex: texture_2d<f32>;

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

fn nearest_depth(px: vec2<i32>) -> f32 {
    let q = clamp_px(px);
    return min(textureLoad(depth_tex, q, 0), textureLoad(tdepth_tex, q, 0));
}

fn view_pos(px: vec2<i32>, d: f32) -> vec3<f32> {
    let uv = (vec2<f32>(px) + 0.5) / p.size.xy;
    let v = p.inv_proj * vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, d, 1.0);
    return v.xyz / v.w;
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
    var occluded = 0.0;
    for (var i = 0; i < 16; i++) {
        let f = (f32(i) + 0.5) / 16.0;
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
        let scene = view_pos(q, opaque_depth(q)).z;
        if (scene > s.z + 0.02 * radius) {
            occluded += smoothstep(0.0, 1.0, radius / abs(pos.z - scene));
        }
    }
    return 1.0 - p.params.x * occluded / 16.0;
}

@fragment
fn fs_post(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let px = vec2<i32>(frag.xy);
    var c = textureLoad(colour_tex, px, 0).rgb;
    let d = textureLoad(depth_tex, px, 0);
    if (p.params.x > 0.0 && d < 1.0) {
        c = c * ambient(px, d);
    }
    let acc = textureLoad(accum_tex, px, 0);
    let reveal = textureLoad(reveal_tex, px, 0).r;
    if (acc.a > 1e-6) {
        let t = acc.rgb / clamp(acc.a, 1e-4, 5e4);
        c = c * reveal + t * (1.0 - reveal);
    }
    if (p.params.z > 0.0) {
        let here = -view_pos(px, nearest_depth(px)).z;
        let w = i32(max(p.params.w, 1.0));
        let jump = p.params.z * p.size.z;
        var edge = false;
        var offsets = array<vec2<i32>, 4>(vec2<i32>(w, 0), vec2<i32>(-w, 0), vec2<i32>(0, w), vec2<i32>(0, -w));
        for (var k = 0; k < 4; k++) {
            let q = px + offsets[k];
            let there = -view_pos(q, nearest_depth(q)).z;
            if (here - there > jump) {
                edge = true;
            }
        }
        if (edge) {
            c = p.edge.rgb;
        }
    }
    return vec4<f32>(c, 1.0);
}
