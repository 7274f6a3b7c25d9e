// Meshes (surfaces and square-mesh lines), sphere impostors and the blit into egui's pass.
// Colours are in display (sRGB-encoded) space like egui's, so layer colours look the same
// in the slice view and in 3-D.

struct Globals {
    view: mat4x4<f32>,
    proj: mat4x4<f32>,
    // xyz: direction towards the light in view space; w: strength.
    light0: vec4<f32>,
    light1: vec4<f32>,
    // x: ambient, y: 1 for orthographic.
    params: vec4<f32>,
};
@group(0) @binding(0) var<uniform> g: Globals;

struct Object { colour: vec4<f32> };
@group(1) @binding(0) var<uniform> obj: Object;

struct MeshOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) normal: vec3<f32>,
    @location(1) vpos: vec3<f32>,
};

@vertex
fn vs_mesh(@location(0) p: vec3<f32>, @location(1) n: vec3<f32>) -> MeshOut {
    var out: MeshOut;
    let v = g.view * vec4<f32>(p, 1.0);
    out.pos = g.proj * v;
    out.normal = (g.view * vec4<f32>(n, 0.0)).xyz;
    out.vpos = v.xyz;
    return out;
}

fn to_eye(vpos: vec3<f32>) -> vec3<f32> {
    if (g.params.y > 0.5) {
        return vec3<f32>(0.0, 0.0, 1.0);
    }
    return normalize(-vpos);
}

// Two directional lights plus ambient, two-sided, with a little specular from the key light.
fn shade(n_in: vec3<f32>, vpos: vec3<f32>, base: vec3<f32>) -> vec3<f32> {
    var n = normalize(n_in);
    let e = to_eye(vpos);
    if (dot(n, e) < 0.0) {
        n = -n;
    }
    let d0 = max(dot(n, g.light0.xyz), 0.0) * g.light0.w;
    let d1 = max(dot(n, g.light1.xyz), 0.0) * g.light1.w;
    let h = normalize(g.light0.xyz + e);
    let spec = pow(max(dot(n, h), 0.0), 40.0) * 0.3;
    return min(base * (g.params.x + d0 + d1) + vec3<f32>(spec), vec3<f32>(1.0));
}

@fragment
fn fs_mesh(in: MeshOut) -> @location(0) vec4<f32> {
    return vec4<f32>(shade(in.normal, in.vpos, obj.colour.rgb), obj.colour.a);
}

@fragment
fn fs_lines(in: MeshOut) -> @location(0) vec4<f32> {
    return vec4<f32>(obj.colour.rgb, 1.0);
}

struct SphereOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) vpos: vec3<f32>,
    @location(1) centre: vec3<f32>,
    @location(2) radius: f32,
    @location(3) colour: vec4<f32>,
};

// One camera-facing quad per sphere, moved to the sphere's front and made big enough to
// cover its silhouette; the fragment shader ray-casts the exact sphere.
@vertex
fn vs_sphere(@builtin(vertex_index) vi: u32, @location(0) c_r: vec4<f32>, @location(1) colour: vec4<f32>) -> SphereOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    var out: SphereOut;
    let c = (g.view * vec4<f32>(c_r.xyz, 1.0)).xyz;
    let r = c_r.w;
    var grow = 1.0;
    if (g.params.y < 0.5) {
        // Perspective: the silhouette of a near sphere is wider than its radius.
        grow = 1.0 + 2.0 * r / max(-c.z - r, r);
    }
    let v = vec3<f32>(c.xy + corners[vi] * r * grow, c.z + r);
    out.pos = g.proj * vec4<f32>(v, 1.0);
    out.vpos = v;
    out.centre = c;
    out.radius = r;
    out.colour = colour;
    return out;
}

struct SphereFrag {
    @location(0) colour: vec4<f32>,
    @builtin(frag_depth) depth: f32,
};

@fragment
fn fs_sphere(in: SphereOut) -> SphereFrag {
    var o = vec3<f32>(0.0);
    var d = normalize(in.vpos);
    if (g.params.y > 0.5) {
        o = vec3<f32>(in.vpos.xy, in.vpos.z + in.radius);
        d = vec3<f32>(0.0, 0.0, -1.0);
    }
    let oc = o - in.centre;
    let b = dot(oc, d);
    let h = b * b - (dot(oc, oc) - in.radius * in.radius);
    if (h < 0.0) {
        discard;
    }
    let hit = o + d * (-b - sqrt(h));
    let clip = g.proj * vec4<f32>(hit, 1.0);
    let depth = clip.z / clip.w;
    if (depth < 0.0 || depth > 1.0) {
        discard;
    }
    var out: SphereFrag;
    out.colour = vec4<f32>(shade(hit - in.centre, hit, in.colour.rgb), 1.0);
    out.depth = depth;
    return out;
}

