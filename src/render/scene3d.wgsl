// Geometry of the 3-D view: meshes (lit triangles, square-mesh lines), sphere and stick
// impostors (ray-cast in the fragment shader, exact depth), and the transparent-surface
// fragment for weighted blended order-independent transparency (McGuire & Bavoil 2013).
// Colours are in display (sRGB-encoded) space like egui's, so layer colours look the same
// in the slice view and in 3-D.

struct Globals {
    view: mat4x4<f32>,
    proj: mat4x4<f32>,
    // xyz: direction towards the light in view space; w: strength.
    light0: vec4<f32>,
    light1: vec4<f32>,
    // x: ambient, y: 1 for orthographic, z: specular strength, w: shadow depth bias (map units).
    params: vec4<f32>,
    // View space to the key light's shadow map: xy texture coordinates, z depth (lighting full).
    light_mat: mat4x4<f32>,
    // x: near clip distance, y: 1 / (far - near): eye depths to 0..1.
    depth: vec4<f32>,
};
@group(0) @binding(0) var<uniform> g: Globals;
// The key light's shadow map (lighting full; a 1x1 stand-in otherwise and in the shadow pass).
@group(0) @binding(1) var shadow_tex: texture_depth_2d;
@group(0) @binding(2) var shadow_smp: sampler_comparison;

// Pipeline constant: shade with the key light's shadow (lighting full). A constant rather than
// a uniform branch: lavapipe would pay for the lookups of a branch not taken.
override SHADOWS: bool = false;

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

// Fraction of the key light reaching a view-space point: the shadow map compared (bilinear
// comparison, four taps a texel apart: a soft 3x3-texel PCF) at the point moved a little along
// its normal, so surfaces do not shadow themselves.
fn key_light(vpos: vec3<f32>, n: vec3<f32>) -> f32 {
    let q = g.light_mat * vec4<f32>(vpos + n * 0.2, 1.0);
    let uv = q.xy;
    if (any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0)) || q.z > 1.0) {
        return 1.0;
    }
    let texel = 1.0 / vec2<f32>(textureDimensions(shadow_tex));
    let z = q.z - g.params.w;
    var lit = 0.0;
    lit += textureSampleCompareLevel(shadow_tex, shadow_smp, uv + vec2<f32>(-0.5, -0.5) * texel, z);
    lit += textureSampleCompareLevel(shadow_tex, shadow_smp, uv + vec2<f32>(0.5, -0.5) * texel, z);
    lit += textureSampleCompareLevel(shadow_tex, shadow_smp, uv + vec2<f32>(-0.5, 0.5) * texel, z);
    lit += textureSampleCompareLevel(shadow_tex, shadow_smp, uv + vec2<f32>(0.5, 0.5) * texel, z);
    return lit * 0.25;
}

// Two directional lights plus ambient, two-sided, with a little specular from the key light
// (shadowed with lighting full).
fn shade(n_in: vec3<f32>, vpos: vec3<f32>, base: vec3<f32>) -> vec3<f32> {
    var n = normalize(n_in);
    let e = to_eye(vpos);
    if (dot(n, e) < 0.0) {
        n = -n;
    }
    var key = g.light0.w;
    if (SHADOWS) {
        key = key * key_light(vpos, n);
    }
    let d0 = max(dot(n, g.light0.xyz), 0.0) * key;
    let d1 = max(dot(n, g.light1.xyz), 0.0) * g.light1.w;
    let h = normalize(g.light0.xyz + e);
    let spec = pow(max(dot(n, h), 0.0), 40.0) * g.params.z * key / max(g.light0.w, 1e-6);
    return min(base * (g.params.x + d0 + d1) + vec3<f32>(spec), vec3<f32>(1.0));
}

@fragment
fn fs_mesh(in: MeshOut) -> @location(0) vec4<f32> {
    return vec4<f32>(shade(in.normal, in.vpos, obj.colour.rgb), 1.0);
}

@fragment
fn fs_lines(in: MeshOut) -> @location(0) vec4<f32> {
    return vec4<f32>(obj.colour.rgb, 1.0);
}

struct Oit {
    @location(0) accum: vec4<f32>,
    @location(1) reveal: vec4<f32>,
    // The eye depth (0 near .. 1 far), min-blended: the nearest transparent surface, for the
    // silhouettes (written here rather than in a depth pass of its own: one pass fewer over
    // the transparent triangles).
    @location(2) near: vec4<f32>,
};

// Weighted blended OIT: accumulate premultiplied colour times a depth weight (added up in
// any order) and the product of (1 - alpha) (multiplied in any order); the post pass
// divides and composites. The weight favours nearer layers, as in the paper's eq. (9).
@fragment
fn fs_mesh_oit(in: MeshOut) -> Oit {
    let a = obj.colour.a;
    let c = shade(in.normal, in.vpos, obj.colour.rgb);
    let w = a * clamp(10.0 * pow(1.0 - 0.9 * in.pos.z, 3.0), 0.01, 10.0);
    var out: Oit;
    out.accum = vec4<f32>(c * a, a) * w;
    out.reveal = vec4<f32>(a);
    out.near = vec4<f32>((-in.vpos.z - g.depth.x) * g.depth.y);
    return out;
}

struct ImpostorFrag {
    @location(0) colour: vec4<f32>,
    @builtin(frag_depth) depth: f32,
};

// The eye ray through a view-space point: origin and direction (orthographic or perspective).
fn eye_ray(vpos: vec3<f32>) -> array<vec3<f32>, 2> {
    if (g.params.y > 0.5) {
        return array<vec3<f32>, 2>(vec3<f32>(vpos.xy, 0.0), vec3<f32>(0.0, 0.0, -1.0));
    }
    return array<vec3<f32>, 2>(vec3<f32>(0.0), normalize(vpos));
}

// Depth of a ray-cast hit; outside the clip range the fragment is dropped.
fn hit_depth(hit: vec3<f32>) -> f32 {
    let clip = g.proj * vec4<f32>(hit, 1.0);
    let depth = clip.z / clip.w;
    if (depth < 0.0 || depth > 1.0) {
        discard;
    }
    return depth;
}

fn impostor(hit: vec3<f32>, n: vec3<f32>, colour: vec3<f32>) -> ImpostorFrag {
    var out: ImpostorFrag;
    out.depth = hit_depth(hit);
    out.colour = vec4<f32>(shade(n, hit, colour), 1.0);
    return out;
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

fn sphere_hit(in: SphereOut) -> vec3<f32> {
    let ray = eye_ray(in.vpos);
    // Start the ray beside the sphere so the quadratic is solved with small numbers.
    let o = ray[0] + ray[1] * dot(in.centre - ray[0], ray[1]);
    let d = ray[1];
    let oc = o - in.centre;
    let b = dot(oc, d);
    let h = b * b - (dot(oc, oc) - in.radius * in.radius);
    if (h < 0.0) {
        discard;
    }
    return o + d * (-b - sqrt(h));
}

@fragment
fn fs_sphere(in: SphereOut) -> ImpostorFrag {
    let hit = sphere_hit(in);
    return impostor(hit, hit - in.centre, in.colour.rgb);
}

// The shadow pass: depth only, seen from the key light.
@fragment
fn fs_sphere_depth(in: SphereOut) -> @builtin(frag_depth) f32 {
    return hit_depth(sphere_hit(in));
}

struct StickOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) vpos: vec3<f32>,
    @location(1) a: vec3<f32>,
    @location(2) b: vec3<f32>,
    @location(3) radius: f32,
    @location(4) ca: vec4<f32>,
    @location(5) cb: vec4<f32>,
};

// One screen-aligned quad per bond (2 triangles; a box took 12, and vertex work and triangle
// set-up are most of a CPU driver's cost for thousands of bonds), covering the discs that
// bound the two end spheres' silhouettes, at the depth of the bond's front. The fragment
// shader ray-casts the exact cylinder. The ends are open: the atoms' spheres of the same
// radius close them.
@vertex
fn vs_stick(
    @builtin(vertex_index) vi: u32,
    @location(0) a_r: vec4<f32>,
    @location(1) b_pad: vec4<f32>,
    @location(2) ca: vec4<f32>,
    @location(3) cb: vec4<f32>,
) -> StickOut {
    // x: 0 at end a, 1 at end b; y: side.
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(0.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(0.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(0.0, 1.0),
    );
    let k = corners[vi];
    let a = (g.view * vec4<f32>(a_r.xyz, 1.0)).xyz;
    let b = (g.view * vec4<f32>(b_pad.xyz, 1.0)).xyz;
    let r = a_r.w;
    let persp = g.params.y < 0.5;
    // The ends and the radius in the view plane: x/-z, y/-z for perspective (a near sphere's
    // silhouette is wider than its radius, as for the sphere quads).
    var sa = a.xy;
    var sb = b.xy;
    var big = r;
    if (persp) {
        let da = max(-a.z - r, 1e-3);
        let db = max(-b.z - r, 1e-3);
        sa = a.xy / max(-a.z, 1e-3);
        sb = b.xy / max(-b.z, 1e-3);
        let ra = r * (1.0 + 2.0 * r / max(da, r)) / da;
        let rb = r * (1.0 + 2.0 * r / max(db, r)) / db;
        big = max(ra, rb);
    }
    big = big * 1.05;
    var dir = vec2<f32>(1.0, 0.0);
    let len = length(sb - sa);
    if (len > 1e-6 * big) {
        dir = (sb - sa) / len;
    }
    let perp = vec2<f32>(-dir.y, dir.x);
    let end = select(sa - dir * big, sb + dir * big, k.x > 0.5);
    let s = end + perp * (k.y * big);
    let zf = max(a.z, b.z) + r;
    var v = vec3<f32>(s, zf);
    if (persp) {
        v = vec3<f32>(s * -zf, zf);
    }
    var out: StickOut;
    out.pos = g.proj * vec4<f32>(v, 1.0);
    out.vpos = v;
    out.a = a;
    out.b = b;
    out.radius = r;
    out.ca = ca;
    out.cb = cb;
    return out;
}

// The ray-cast hit on a bond's cylinder: the point and how far along the bond (0 at a, 1 at b).
fn stick_hit(in: StickOut) -> vec4<f32> {
    let ray = eye_ray(in.vpos);
    let d = ray[1];
    // Start the ray level with the bond so the quadratic is solved with small numbers.
    let o = ray[0] + d * dot(in.a - ray[0], d);
    let ba = in.b - in.a;
    let oc = o - in.a;
    let baba = dot(ba, ba);
    let bard = dot(ba, d);
    let baoc = dot(ba, oc);
    let k2 = baba - bard * bard;
    let k1 = baba * dot(oc, d) - baoc * bard;
    let k0 = baba * dot(oc, oc) - baoc * baoc - in.radius * in.radius * baba;
    let h = k1 * k1 - k2 * k0;
    if (h < 0.0 || k2 < 1e-8 * baba) {
        discard;
    }
    let t = (-k1 - sqrt(h)) / k2;
    let y = baoc + t * bard;
    if (y < 0.0 || y > baba) {
        discard;
    }
    return vec4<f32>(o + d * t, y / baba);
}

@fragment
fn fs_stick(in: StickOut) -> ImpostorFrag {
    let hit = stick_hit(in);
    let n = (hit.xyz - mix(in.a, in.b, hit.w)) / in.radius;
    var c = in.ca.rgb;
    if (hit.w > 0.5) {
        c = in.cb.rgb;
    }
    return impostor(hit.xyz, n, c);
}

@fragment
fn fs_stick_depth(in: StickOut) -> @builtin(frag_depth) f32 {
    return hit_depth(stick_hit(in).xyz);
}
