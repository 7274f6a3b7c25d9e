//! What the 3-D view shows, built from the session: one isosurface per visible layer
//! (cached until its inputs change), spheres for atoms and atom-type voxels, the slice plane.
//! Isosurfaces are extracted on background threads: while a layer's new surface is being
//! made, its previous one stays on screen; a result superseded by a newer request is dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use eframe::egui::{self, Color32};
use glam::Vec3;

use super::session::Session;
use crate::engine::Grid;
use crate::render::isosurface::{Field, Mesh, Sampling, extract};
use crate::render::scene3d::{SceneMesh, SceneSpheres, Style};

/// 3-D display choices the layers panel does not hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options3d {
    pub map_style: Style,
    /// Sampling step; set from the map size on open (ChimeraX's auto step), changeable.
    pub step: usize,
    pub auto_step: usize,
    /// Contour only within `zone_radius` Å of the model's atoms.
    pub zone: bool,
    pub zone_radius: f32,
    /// Regression isosurface level as a fraction of the regression maximum.
    pub regression_level: f32,
    pub show_plane: bool,
    pub atom_radius: f32,
}

impl Default for Options3d {
    fn default() -> Self {
        Options3d {
            map_style: Style::Mesh,
            step: 1,
            auto_step: 1,
            zone: false,
            zone_radius: 6.0,
            regression_level: 0.3,
            show_plane: true,
            atom_radius: 0.5,
        }
    }
}

/// Identifies one layer's surface: when any part changes, it is re-extracted.
#[derive(Clone, Debug, PartialEq)]
struct MeshKey {
    revision: u64,
    level: u32,
    sampling: Sampling,
    zone: Option<u32>,
}

/// A finished background extraction: layer, ticket, key, mesh (or the panic that stopped it),
/// milliseconds.
type Landed = (&'static str, u64, MeshKey, Result<Mesh, String>, f64);

/// A layer's newest extraction in flight: its key and ticket.
struct Pending {
    key: MeshKey,
    ticket: u64,
}

pub struct SceneCache {
    /// The meshes shown now (the newest that arrived per layer).
    meshes: HashMap<&'static str, (MeshKey, u64, Arc<Mesh>)>,
    /// The newest request per layer whose result has not arrived.
    pending: HashMap<&'static str, Pending>,
    tx: Sender<Landed>,
    rx: Receiver<Landed>,
    /// Woken when a result lands.
    pub ctx: Option<egui::Context>,
    spheres: HashMap<&'static str, (u64, u64, Arc<Vec<[f32; 8]>>)>,
    next: u64,
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
            pending: HashMap::new(),
            tx,
            rx,
            ctx: None,
            spheres: HashMap::new(),
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
    /// Some extraction is in flight.
    pub fn pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Take the results that arrived: keep those still wanted, drop the stale ones.
    pub fn poll(&mut self) {
        while let Ok((name, ticket, key, mesh, ms)) = self.rx.try_recv() {
            if self.pending.get(name).is_some_and(|p| p.ticket == ticket) {
                self.pending.remove(name);
                let mesh = match mesh {
                    Ok(m) => m,
                    Err(e) => {
                        self.failed = Some(format!("the {name} surface could not be made: {e}"));
                        self.broken.insert(name, key);
                        continue;
                    }
                };
                self.next += 1;
                self.meshes.insert(name, (key, self.next, Arc::new(mesh)));
                self.last_ms = Some(ms);
            } else {
                self.stale_dropped += 1;
            }
        }
    }

    /// The synchronous mesh for `name` (cheap ones: the slice plane).
    fn mesh_now(&mut self, name: &'static str, key: MeshKey, make: impl FnOnce() -> Mesh) -> (u64, Arc<Mesh>) {
        if let Some((k, id, m)) = self.meshes.get(name)
            && *k == key
        {
            return (*id, m.clone());
        }
        self.next += 1;
        let m = Arc::new(make());
        self.meshes.insert(name, (key, self.next, m.clone()));
        (self.next, m)
    }

    /// The mesh to draw for `name` now. When `key` differs from the shown mesh's and is not
    /// already being made, `make` starts on a new thread (superseding any older request for
    /// this layer); until it lands, the previous mesh is returned (None if there is none).
    fn mesh(
        &mut self,
        name: &'static str,
        key: MeshKey,
        make: impl FnOnce() -> Mesh + Send + 'static,
    ) -> Option<(u64, Arc<Mesh>)> {
        let shown = self.meshes.get(name).map(|(k, id, m)| (k.clone(), *id, m.clone()));
        if let Some((k, id, m)) = &shown
            && *k == key
        {
            // Back to the shown key: whatever is in flight for this layer is now stale.
            self.pending.remove(name);
            return Some((*id, m.clone()));
        }
        if self.pending.get(name).is_none_or(|p| p.key != key) && self.broken.get(name) != Some(&key) {
            // The extraction cannot be interrupted; a superseded job runs out and its result
            // is dropped in `poll` (its ticket is no longer the layer's newest).
            self.next += 1;
            let ticket = self.next;
            self.pending.insert(name, Pending { key: key.clone(), ticket });
            let (tx, ctx) = (self.tx.clone(), self.ctx.clone());
            std::thread::spawn(move || {
                let t0 = Instant::now();
                let mesh = std::panic::catch_unwind(std::panic::AssertUnwindSafe(make)).map_err(|p| {
                    p.downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default()
                });
                let _ = tx.send((name, ticket, key, mesh, t0.elapsed().as_secs_f64() * 1e3));
                if let Some(ctx) = ctx {
                    ctx.request_repaint();
                }
            });
        }
        shown.map(|(_, id, m)| (id, m))
    }

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

    /// The meshes and spheres to draw now; starts extracting surfaces whose inputs changed
    /// (drawing each layer's previous surface until its new one arrives).
    pub fn build(&mut self, s: &Session, o: &Options3d) -> (Vec<SceneMesh>, Vec<SceneSpheres>) {
        self.poll();
        let (mut meshes, mut spheres) = (Vec::new(), Vec::new());
        let Some(map) = &s.map else { return (meshes, spheres) };
        let grid = map.volume.grid;
        let atoms: Arc<Vec<Vec3>> =
            Arc::new(s.model.as_ref().map(|m| m.atoms.iter().map(|a| a.pos).collect()).unwrap_or_default());
        let zone = (o.zone && !atoms.is_empty()).then_some(o.zone_radius.clamp(0.5, 100.0));
        let region = zone.and_then(|r| zone_region(&grid, &atoms, r));
        let sampling = Sampling { step: o.step.clamp(1, 16), region };
        let st = &s.view.style;
        let rev = s.revision;
        let key =
            |level: f32| MeshKey { revision: rev, level: level.to_bits(), sampling, zone: zone.map(f32::to_bits) };

        if st.map.visible {
            let level = s.view.contour_level;
            let (volume, atoms, fill) = (map.volume.clone(), atoms.clone(), map.stats.min - 1.0);
            if let Some((id, mesh)) = self.mesh("map", key(level), move || {
                let mut f = Field::from_volume(&volume, sampling, |v| v);
                if let Some(r) = zone {
                    f.zone(&atoms, r, fill);
                }
                extract(&f, level)
            }) {
                meshes.push(SceneMesh {
                    key: id,
                    mesh,
                    colour: rgba(st.map.colour, st.map.opacity),
                    style: o.map_style,
                });
            }
        }
        if let Some(labels) = &s.labels {
            if st.regression.visible {
                let level = o.regression_level.clamp(0.0, 1.0) * st.regression_max;
                let l = labels.clone();
                if let Some((id, mesh)) = self.mesh("regression", key(level), move || {
                    extract(&Field::from_volume(&l.regression, sampling, |v| v), level)
                }) {
                    meshes.push(SceneMesh {
                        key: id,
                        mesh,
                        colour: rgba(st.regression.colour, st.regression.opacity),
                        style: Style::Surface,
                    });
                }
            }
            let cl = &st.classification;
            for (c, name) in [(1i16, "class 1"), (2, "class 2")] {
                if cl.visible && cl.shown.get(c as usize).copied().unwrap_or(false) {
                    let l = labels.clone();
                    if let Some((id, mesh)) = self.mesh(name, key(0.5), move || {
                        extract(&Field::from_volume(&l.classification, sampling, |v| (v == c) as u8 as f32), 0.5)
                    }) {
                        let colour = cl.colours.get(c as usize).copied().unwrap_or(Color32::GRAY);
                        meshes.push(SceneMesh {
                            key: id,
                            mesh,
                            colour: rgba(colour, cl.opacity),
                            style: Style::Surface,
                        });
                    }
                }
            }
            let at = &st.atom_types;
            if at.visible {
                let shown: u64 = at.shown.iter().enumerate().map(|(i, v)| (*v as u64) << i).sum();
                let radius = 0.35 * grid.voxel.iter().cloned().fold(f32::INFINITY, f32::min);
                let colours = at.colours.clone();
                spheres.push(self.spheres("types", rev.wrapping_mul(64) ^ shown, || {
                    let g = labels.atom_types.grid;
                    let mut out = Vec::new();
                    for (o, &t) in labels.atom_types.data.iter().enumerate() {
                        let t = t.round() as usize;
                        if t == 0 || t >= 64 || (shown >> t) & 1 == 0 {
                            continue;
                        }
                        let [i, j, k] = g.ijk(o);
                        let p = g.index_to_world([i as f64, j as f64, k as f64]).as_vec3();
                        let c = rgba(colours.get(t).copied().unwrap_or(Color32::GRAY), 1.0);
                        out.push([p.x, p.y, p.z, radius, c[0], c[1], c[2], 1.0]);
                    }
                    out
                }));
            }
        }
        if s.view.atoms.visible && !atoms.is_empty() {
            let c = rgba(s.view.atoms.colour, 1.0);
            let r = o.atom_radius.clamp(0.05, 5.0);
            let key = (s.model.as_ref().map_or(0, |m| Arc::as_ptr(&m.atoms) as u64))
                ^ (r.to_bits() as u64) << 32
                ^ c[0].to_bits() as u64;
            spheres.push(
                self.spheres("atoms", key, || {
                    atoms.iter().map(|p| [p.x, p.y, p.z, r, c[0], c[1], c[2], 1.0]).collect()
                }),
            );
        }
        if o.show_plane {
            let a = s.view.axis.index();
            let (id, mesh) = self.mesh_now(
                "plane",
                MeshKey { revision: (a as u64) << 40 | s.view.focus[a] as u64, level: 0, sampling, zone: None },
                || slice_plane(&grid, a, s.view.focus[a]),
            );
            meshes.push(SceneMesh {
                key: id,
                mesh,
                colour: rgba(crate::render::palette::CONTOUR_COLOUR, 0.2),
                style: Style::Surface,
            });
        }
        self.triangles = meshes.iter().map(|m| m.mesh.triangles()).sum();
        (meshes, spheres)
    }

    /// Everything pickable: meshes (not the slice plane) and spheres.
    pub fn pickables(&self) -> (Vec<Arc<Mesh>>, Vec<Arc<Vec<[f32; 8]>>>) {
        let m = self.meshes.iter().filter(|(k, _)| **k != "plane").map(|(_, v)| v.2.clone()).collect();
        let s = self.spheres.values().map(|v| v.2.clone()).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;
    use std::time::Duration;

    fn key(level: f32) -> MeshKey {
        MeshKey { revision: 1, level: level.to_bits(), sampling: Sampling::default(), zone: None }
    }

    /// A one-triangle mesh whose first x coordinate tags it.
    fn tagged(tag: f32) -> Mesh {
        Mesh {
            positions: vec![[tag, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            normals: vec![[1.0, 0.0, 0.0]; 3],
            indices: vec![0, 1, 2],
        }
    }

    fn tag(m: &Option<(u64, Arc<Mesh>)>) -> Option<f32> {
        m.as_ref().map(|(_, m)| m.positions[0][0])
    }

    /// Poll until `done` holds (5 s at most).
    fn wait(c: &mut SceneCache, done: impl Fn(&SceneCache) -> bool) {
        for _ in 0..500 {
            c.poll();
            if done(c) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("background extraction did not arrive");
    }

    #[test]
    fn old_mesh_stays_until_the_new_one_lands_and_stale_results_are_dropped() {
        let mut c = SceneCache::default();
        // First request: nothing to show until it lands.
        assert!(c.mesh("map", key(1.0), || tagged(1.0)).is_none());
        assert!(c.pending());
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(1.0), || unreachable!())), Some(1.0));

        // Level 2: its job is held; the level-1 mesh stays on screen meanwhile.
        let (go2, wait2) = sync_channel::<()>(0);
        assert_eq!(
            tag(&c.mesh("map", key(2.0), move || {
                wait2.recv().unwrap();
                tagged(2.0)
            })),
            Some(1.0)
        );
        assert!(c.pending());
        // Asking again for the same key starts nothing new and still shows level 1.
        assert_eq!(tag(&c.mesh("map", key(2.0), || unreachable!())), Some(1.0));

        // Level 3 supersedes level 2 before it lands, and finishes first.
        assert_eq!(tag(&c.mesh("map", key(3.0), || tagged(3.0))), Some(1.0));
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(3.0), || unreachable!())), Some(3.0));
        assert!(c.last_ms.is_some());

        // Now the level-2 job finishes: its result is stale and dropped, level 3 stays.
        go2.send(()).unwrap();
        wait(&mut c, |c| c.stale_dropped == 1);
        assert!(!c.pending());
        assert_eq!(tag(&c.mesh("map", key(3.0), || unreachable!())), Some(3.0));
        let (meshes, _) = c.pickables();
        assert_eq!(meshes.len(), 1);
        assert_eq!(meshes[0].positions[0][0], 3.0);
    }

    #[test]
    fn a_panicking_extraction_ends_pending_says_why_and_is_not_retried() {
        let mut c = SceneCache::default();
        assert_eq!(tag(&c.mesh("map", key(1.0), || tagged(1.0))), None);
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(4.0), || panic!("marching cubes"))), Some(1.0));
        wait(&mut c, |c| !c.pending());
        assert_eq!(c.failed.take().as_deref(), Some("the map surface could not be made: marching cubes"));
        // the same key again starts nothing (no endless retries); the old surface stays
        assert_eq!(tag(&c.mesh("map", key(4.0), || unreachable!())), Some(1.0));
        assert!(!c.pending());
    }
}
