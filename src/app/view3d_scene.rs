//! What the 3-D view shows, built from the session: one isosurface per visible layer
//! (cached until its inputs change), spheres for atoms and atom-type voxels, the slice plane.
//! Isosurfaces are extracted on background threads: while a layer's new surface is being
//! made, its previous one stays on screen; a result superseded by a newer request is dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use eframe::egui::{self, Color32};
use glam::Vec3;

use super::session::Session;
use crate::engine::bonds::Bonds;
use crate::engine::{Atom, Grid};
use crate::render::atoms::ColourBy;
use crate::render::isosurface::{Field, Mesh, Sampling, Surfaces, extract_cancellable, extract_lod};
use crate::render::scene3d::{Lighting, SceneMesh, SceneSpheres, SceneSticks, Style};

#[path = "view3d_extract.rs"]
mod extract;

/// What one frame draws.
#[derive(Default)]
pub struct Scene {
    pub meshes: Vec<SceneMesh>,
    pub spheres: Vec<SceneSpheres>,
    pub sticks: Vec<SceneSticks>,
}

/// Map colour in 3-D: ChimeraX's default volume colour (light blue).
pub const MAP_COLOUR: [f32; 3] = [0.70, 0.70, 1.0];

/// How the current slice shows in 3-D.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plane {
    Off,
    /// A thin outline of the slice's rectangle: shows where the slice is, hides nothing.
    Outline,
    Filled,
}

/// 3-D display choices the layers panel does not hold. The defaults are the readable scene
/// ChimeraX shows for a map with a model: the map a transparent surface at the contour level,
/// atoms as sticks coloured by element, soft lighting with silhouettes; label surfaces are
/// one click away.
#[derive(Clone, Debug, PartialEq)]
pub struct Options3d {
    pub map_style: Style,
    /// Map surface opacity when a model is shown (without one the surface is opaque).
    pub map_opacity: f32,
    /// Sampling step; set from the map size on open (ChimeraX's auto step), changeable.
    pub step: usize,
    pub auto_step: usize,
    /// Contour only within `zone_radius` Å of the selection (of all atoms if none).
    pub zone: bool,
    pub zone_radius: f32,
    /// Regression isosurface level as a fraction of the regression maximum.
    pub regression_level: f32,
    /// Label surfaces in 3-D (the Layers panel's colours and opacities).
    pub classes: bool,
    pub regression: bool,
    /// Atom-type label voxels as small spheres.
    pub type_voxels: bool,
    /// Exact voxel blocks instead of smoothed envelopes for the class surfaces.
    pub voxels: bool,
    pub plane: Plane,
    pub colour_by: ColourBy,
    pub stick_radius: f32,
    pub lighting: Lighting,
    pub silhouettes: bool,
    /// While the camera moves, render at half size with fewer ambient-occlusion samples (one
    /// full frame follows when it stops). On by default on a CPU (software) GPU.
    pub interactive: bool,
    /// The selected residue (click an atom), highlighted and used by the zone.
    pub selection: Option<Residue>,
}

impl Default for Options3d {
    fn default() -> Self {
        Options3d {
            map_style: Style::Surface,
            map_opacity: 0.5,
            step: 1,
            auto_step: 1,
            zone: false,
            zone_radius: 6.0,
            regression_level: 0.3,
            classes: false,
            regression: false,
            type_voxels: false,
            voxels: false,
            plane: Plane::Outline,
            colour_by: ColourBy::Element,
            stick_radius: 0.2,
            lighting: Lighting::Soft,
            silhouettes: true,
            interactive: false,
            selection: None,
        }
    }
}

/// One residue of the model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Residue {
    pub model: u32,
    pub chain: String,
    pub seq: isize,
    pub name: String,
}

impl Residue {
    pub fn of(a: &Atom) -> Self {
        Residue { model: a.model, chain: a.chain.to_string(), seq: a.res_seq, name: a.res_name.to_string() }
    }

    pub fn contains(&self, a: &Atom) -> bool {
        a.res_seq == self.seq && a.model == self.model && a.chain == self.chain && a.res_name == self.name
    }
}

/// Identifies one layer's surface: when any part changes, it is re-extracted.
#[derive(Clone, Debug, PartialEq)]
struct MeshKey {
    revision: u64,
    level: u32,
    sampling: Sampling,
    zone: Option<u32>,
    smooth: bool,
}

/// Atoms drawn as sticks: input key, id, spheres (one per atom, in atom order), sticks.
pub(super) type StickSet = (u64, u64, Arc<Vec<[f32; 8]>>, Arc<Vec<[f32; 16]>>);

/// A finished background extraction: layer, ticket, key, mesh (None: cancelled; Err: the
/// panic that stopped it), milliseconds.
type Landed = (&'static str, u64, MeshKey, Result<Option<Surfaces>, String>, f64);

/// A layer's newest extraction in flight: its key, ticket and cancel flag.
struct Pending {
    key: MeshKey,
    ticket: u64,
    cancel: Arc<AtomicBool>,
}

impl Drop for Pending {
    /// A request that is replaced or forgotten is superseded: its extraction stops at its next slab.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

pub struct SceneCache {
    /// The meshes shown now (the newest that arrived per layer).
    meshes: HashMap<&'static str, (MeshKey, u64, Arc<Mesh>)>,
    /// Their coarse copies (id, mesh), made with them, for frames drawn while moving.
    coarse: HashMap<&'static str, (u64, Arc<Mesh>)>,
    /// The newest request per layer whose result has not arrived.
    pending: HashMap<&'static str, Pending>,
    tx: Sender<Landed>,
    rx: Receiver<Landed>,
    /// Woken when a result lands.
    pub ctx: Option<egui::Context>,
    spheres: HashMap<&'static str, (u64, u64, Arc<Vec<[f32; 8]>>)>,
    /// Atoms as sticks: the input key, id, spheres (one per atom, in atom order) and sticks.
    pub(super) sticks: Option<StickSet>,
    /// Bonds of the shown model, keyed by its atoms' address.
    pub(super) bonds: Option<(usize, Arc<Bonds>)>,
    /// The background search for the shown model's bonds, while it runs.
    pub(super) bonds_job: Option<super::view3d_atoms::BondsJob>,
    pub(super) next: u64,
    /// Milliseconds the last extraction that arrived took (on its thread).
    pub last_ms: Option<f64>,
    pub triangles: usize,
    /// Results dropped because a newer request for their layer superseded them.
    pub stale_dropped: usize,
    /// Extractions that panicked, by layer: not retried for the same key.
    broken: HashMap<&'static str, MeshKey>,
    /// The last extraction failure, for the view to show (taken when shown).
    pub failed: Option<String>,
}

impl Default for SceneCache {
    fn default() -> Self {
        let (tx, rx) = channel();
        SceneCache {
            meshes: HashMap::new(),
            coarse: HashMap::new(),
            pending: HashMap::new(),
            tx,
            rx,
            ctx: None,
            spheres: HashMap::new(),
            sticks: None,
            bonds: None,
            bonds_job: None,
            next: 0,
            last_ms: None,
            triangles: 0,
            stale_dropped: 0,
            broken: HashMap::new(),
            failed: None,
        }
    }
}

pub fn rgba(c: Color32, opacity: f32) -> [f32; 4] {
    [c.r() as f32 / 255.0, c.g() as f32 / 255.0, c.b() as f32 / 255.0, opacity.clamp(0.0, 1.0)]
}

/// Voxel box within `r` Å of the atoms (None: no atoms or none near the grid).
fn zone_region(grid: &Grid, atoms: &[Vec3], r: f32) -> Option<([usize; 3], [usize; 3])> {
    let (lo, hi) = atoms.iter().fold((Vec3::INFINITY, Vec3::NEG_INFINITY), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    if !lo.is_finite() {
        return None;
    }
    let a = grid.world_to_fractional((lo - r).as_dvec3());
    let b = grid.world_to_fractional((hi + r).as_dvec3());
    let lo = [0, 1, 2].map(|i| a[i].floor().clamp(0.0, grid.shape[i] as f64) as usize);
    let hi = [0, 1, 2].map(|i| (b[i].ceil() + 1.0).clamp(0.0, grid.shape[i] as f64) as usize);
    (0..3).all(|i| hi[i] > lo[i] + 1).then_some((lo, hi))
}

impl SceneCache {
    fn spheres(&mut self, name: &'static str, key: u64, make: impl FnOnce() -> Vec<[f32; 8]>) -> SceneSpheres {
        if let Some((k, id, s)) = self.spheres.get(name)
            && *k == key
        {
            return SceneSpheres { key: *id, spheres: s.clone() };
        }
        self.next += 1;
        let s = Arc::new(make());
        self.spheres.insert(name, (key, self.next, s.clone()));
        SceneSpheres { key: self.next, spheres: s }
    }

    /// What to draw now; starts extracting surfaces whose inputs changed (drawing each
    /// layer's previous surface until its new one arrives).
    pub fn build(&mut self, s: &Session, o: &Options3d) -> Scene {
        self.poll();
        let mut out = Scene::default();
        let Some(map) = &s.map else { return out };
        let grid = map.volume.grid;
        let model_atoms = s.model.as_ref().map(|m| m.atoms.clone());
        let has_model = model_atoms.as_ref().is_some_and(|a| !a.is_empty());
        // The zone surrounds the selected residue, else every atom (ChimeraX's `volume zone`).
        let zone_atoms: Arc<Vec<Vec3>> = Arc::new(
            model_atoms
                .iter()
                .flat_map(|a| a.iter())
                .filter(|a| o.selection.as_ref().is_none_or(|r| r.contains(a)))
                .map(|a| a.pos)
                .collect(),
        );
        let zone = (o.zone && !zone_atoms.is_empty()).then_some(o.zone_radius.clamp(0.5, 100.0));
        let region = zone.and_then(|r| zone_region(&grid, &zone_atoms, r));
        let sampling = Sampling { step: o.step.clamp(1, 16), region };
        let st = &s.view.style;
        let rev = s.revision;
        let key = |level: f32, smooth: bool| MeshKey {
            revision: rev,
            level: level.to_bits(),
            sampling,
            zone: zone.map(f32::to_bits),
            smooth,
        };

        if st.map.visible {
            let level = s.view.contour_level;
            let (volume, atoms, fill) = (map.volume.clone(), zone_atoms.clone(), map.stats.min - 1.0);
            // With a coarse copy at twice the step for moving frames (when the surface is big).
            if let Some((id, mesh, coarse)) = self.surfaces("map", key(level, false), move |cancel| {
                let field = |s: Sampling| {
                    let mut f = Field::from_volume(&volume, s, |v| v);
                    if let Some(r) = zone {
                        f.zone(&atoms, r, fill);
                    }
                    f
                };
                extract_lod(field, sampling, level, cancel)
            }) {
                let opacity = if has_model { o.map_opacity } else { 1.0 };
                let [r, g, b] = MAP_COLOUR;
                out.meshes.push(SceneMesh { key: id, mesh, colour: [r, g, b, opacity], style: o.map_style, coarse });
            }
        }
        if let Some(labels) = &s.labels {
            self.label_surfaces(&mut out, s, o, labels, key);
            let at = &st.atom_types;
            if o.type_voxels {
                let shown: u64 = at.shown.iter().enumerate().map(|(i, v)| (*v as u64) << i).sum();
                let radius = 0.35 * grid.voxel.iter().cloned().fold(f32::INFINITY, f32::min);
                let colours = at.colours.clone();
                out.spheres.push(self.spheres("types", rev.wrapping_mul(64) ^ shown, || {
                    let g = labels.atom_types.grid;
                    let mut v = Vec::new();
                    for (off, &t) in labels.atom_types.data.iter().enumerate() {
                        let t = t.round() as usize;
                        if t == 0 || t >= 64 || (shown >> t) & 1 == 0 {
                            continue;
                        }
                        let [i, j, k] = g.ijk(off);
                        let p = g.index_to_world([i as f64, j as f64, k as f64]).as_vec3();
                        let c = rgba(colours.get(t).copied().unwrap_or(Color32::GRAY), 1.0);
                        v.push([p.x, p.y, p.z, radius, c[0], c[1], c[2], 1.0]);
                    }
                    v
                }));
            }
        }
        if s.view.atoms.visible
            && let Some(atoms) = &model_atoms
            && !atoms.is_empty()
        {
            let (spheres, sticks) = self.sticks(s, o, atoms);
            out.spheres.push(spheres);
            out.sticks.push(sticks);
        }
        if o.plane != Plane::Off {
            let a = s.view.axis.index();
            let (id, mesh) = self.mesh_now(
                "plane",
                MeshKey {
                    revision: (a as u64) << 40 | s.view.focus[a] as u64,
                    level: 0,
                    sampling,
                    zone: None,
                    smooth: false,
                },
                || slice_plane(&grid, a, s.view.focus[a]),
            );
            let (style, opacity) = if o.plane == Plane::Filled { (Style::Surface, 0.2) } else { (Style::Mesh, 1.0) };
            out.meshes.push(SceneMesh {
                key: id,
                mesh,
                colour: rgba(crate::render::palette::CONTOUR_COLOUR, opacity),
                style,
                coarse: None,
            });
        }
        self.triangles = out.meshes.iter().map(|m| m.mesh.triangles()).sum();
        out
    }

    /// Regression and class surfaces (when switched on in 3-D). Class masks are smoothed
    /// (Gaussian, sigma 1 sample, then divided by the local peak so lone voxels survive) and
    /// contoured at 0.5: molecular envelopes instead of voxel blocks, unless `voxels` asks
    /// for the exact blocks.
    fn label_surfaces(
        &mut self,
        out: &mut Scene,
        s: &Session,
        o: &Options3d,
        labels: &Arc<crate::engine::Labels>,
        key: impl Fn(f32, bool) -> MeshKey,
    ) {
        let st = &s.view.style;
        if o.regression {
            let level = o.regression_level.clamp(0.0, 1.0) * st.regression_max;
            let l = labels.clone();
            let sampling = key(0.0, false).sampling;
            if let Some((id, mesh)) = self.mesh("regression", key(level, false), move |cancel| {
                extract_cancellable(&Field::from_volume(&l.regression, sampling, |v| v), level, cancel)
            }) {
                out.meshes.push(SceneMesh {
                    key: id,
                    mesh,
                    colour: rgba(st.regression.colour, st.regression.opacity),
                    style: Style::Surface,
                    coarse: None,
                });
            }
        }
        let cl = &st.classification;
        for (c, name) in [(1i16, "class 1"), (2, "class 2")] {
            if o.classes && cl.shown.get(c as usize).copied().unwrap_or(false) {
                let l = labels.clone();
                let smooth = !o.voxels;
                let k = key(0.5, smooth);
                let sampling = k.sampling;
                if let Some((id, mesh)) = self.mesh(name, k, move |cancel| {
                    let mut f = Field::from_volume(&l.classification, sampling, |v| (v == c) as u8 as f32);
                    if smooth {
                        f.smooth(1.0);
                        f.normalise_local_max(2, 0.01);
                    }
                    extract_cancellable(&f, 0.5, cancel)
                }) {
                    let colour = cl.colours.get(c as usize).copied().unwrap_or(Color32::GRAY);
                    out.meshes.push(SceneMesh {
                        key: id,
                        mesh,
                        colour: rgba(colour, cl.opacity),
                        style: Style::Surface,
                        coarse: None,
                    });
                }
            }
        }
    }

    /// Everything pickable: meshes (not the slice plane) and spheres (type voxels and atoms).
    pub fn pickables(&self) -> (Vec<Arc<Mesh>>, Vec<Arc<Vec<[f32; 8]>>>) {
        let m = self.meshes.iter().filter(|(k, _)| **k != "plane").map(|(_, v)| v.2.clone()).collect();
        let s = self.spheres.values().map(|v| v.2.clone()).chain(self.sticks.iter().map(|t| t.2.clone())).collect();
        (m, s)
    }
}

/// The current slice as a quad across the grid, normal to `axis`.
fn slice_plane(grid: &Grid, axis: usize, index: usize) -> Mesh {
    let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
    let (lo, hi) = grid.bounds();
    let (lo, hi) = (lo.as_vec3(), hi.as_vec3());
    let w = grid.origin[axis] + index as f32 * grid.voxel[axis];
    let corner = |a: f32, b: f32| {
        let mut p = [0f32; 3];
        p[axis] = w;
        p[u] = a;
        p[v] = b;
        p
    };
    let mut n = [0f32; 3];
    n[axis] = 1.0;
    Mesh {
        positions: vec![corner(lo[u], lo[v]), corner(hi[u], lo[v]), corner(hi[u], hi[v]), corner(lo[u], hi[v])],
        normals: vec![n; 4],
        indices: vec![0, 1, 2, 0, 2, 3],
    }
}
