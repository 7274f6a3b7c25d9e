//! The 3-D view's background extraction: each changed layer's surface is made on its own
//! thread; the layer keeps its previous surface until the new one lands; a request superseded
//! by a newer one for the same layer is cancelled and its result dropped. A child module of
//! view3d_scene.rs (it reaches the private state of `SceneCache`).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::{MeshKey, Pending, SceneCache};
use crate::render::isosurface::{Mesh, Surfaces};

/// A layer's surface to draw: id and mesh, and its coarse copy's (for moving frames), if any.
pub(super) type Shown = (u64, Arc<Mesh>, Option<(u64, Arc<Mesh>)>);

impl SceneCache {
    /// Some extraction (or the search for bonds) is in flight.
    pub fn pending(&self) -> bool {
        !self.pending.is_empty() || self.bonds_job.is_some()
    }

    /// Take the results that arrived: keep those still wanted, drop the stale ones.
    pub fn poll(&mut self) {
        while let Ok((name, ticket, key, mesh, ms)) = self.rx.try_recv() {
            if self.pending.get(name).is_some_and(|p| p.ticket == ticket)
                && let Some(mesh) = mesh.transpose()
            {
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
                self.meshes.insert(name, (key, self.next, Arc::new(mesh.full)));
                match mesh.coarse {
                    Some(c) => {
                        self.next += 1;
                        self.coarse.insert(name, (self.next, Arc::new(c)));
                    }
                    None => {
                        self.coarse.remove(name);
                    }
                }
                self.last_ms = Some(ms);
            } else {
                self.stale_dropped += 1;
            }
        }
    }

    /// The synchronous mesh for `name` (cheap ones: the slice plane).
    pub(super) fn mesh_now(
        &mut self,
        name: &'static str,
        key: MeshKey,
        make: impl FnOnce() -> Mesh,
    ) -> (u64, Arc<Mesh>) {
        if let Some((k, id, m)) = self.meshes.get(name)
            && *k == key
        {
            return (*id, m.clone());
        }
        self.next += 1;
        let m = Arc::new(make());
        self.meshes.insert(name, (key, self.next, m.clone()));
        self.coarse.remove(name);
        (self.next, m)
    }

    /// The mesh to draw for `name` now. When `key` differs from the shown mesh's and is not
    /// already being made, `make` starts on a new thread (superseding any older request for
    /// this layer); until it lands, the previous mesh is returned (None if there is none).
    pub(super) fn mesh(
        &mut self,
        name: &'static str,
        key: MeshKey,
        make: impl FnOnce(&AtomicBool) -> Option<Mesh> + Send + 'static,
    ) -> Option<(u64, Arc<Mesh>)> {
        self.surfaces(name, key, move |cancel| make(cancel).map(Surfaces::from)).map(|(id, m, _)| (id, m))
    }

    /// `mesh` for a job that may also make a coarse copy of the surface (in the same job,
    /// cancelled with it): the shown surface comes with its coarse copy, if it has one.
    pub(super) fn surfaces(
        &mut self,
        name: &'static str,
        key: MeshKey,
        make: impl FnOnce(&AtomicBool) -> Option<Surfaces> + Send + 'static,
    ) -> Option<Shown> {
        let coarse = self.coarse.get(name).cloned();
        let shown = self.meshes.get(name).map(|(k, id, m)| (k.clone(), *id, m.clone()));
        if let Some((k, id, m)) = &shown
            && *k == key
        {
            // Back to the shown key: whatever is in flight for this layer is now stale.
            self.pending.remove(name);
            return Some((*id, m.clone(), coarse));
        }
        if self.pending.get(name).is_none_or(|p| p.key != key) && self.broken.get(name) != Some(&key) {
            // Replacing the pending request drops it, which sets its cancel flag: the
            // superseded extraction stops at its next slab, and whatever it sends is dropped
            // in `poll` (its ticket is no longer the layer's newest). A key whose extraction
            // panicked is not retried.
            self.next += 1;
            let ticket = self.next;
            let cancel = Arc::new(AtomicBool::new(false));
            self.pending.insert(name, Pending { key: key.clone(), ticket, cancel: cancel.clone() });
            let (tx, ctx) = (self.tx.clone(), self.ctx.clone());
            std::thread::spawn(move || {
                let t0 = Instant::now();
                let mesh = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| make(&cancel))).map_err(|p| {
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
        shown.map(|(_, id, m)| (id, m, coarse))
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use std::sync::mpsc::sync_channel;
    use std::time::Duration;

    fn key(level: f32) -> MeshKey {
        MeshKey { revision: 1, level: level.to_bits(), sampling: Sampling::default(), zone: None, smooth: false }
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
        assert!(c.mesh("map", key(1.0), |_| Some(tagged(1.0))).is_none());
        assert!(c.pending());
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(1.0), |_| unreachable!())), Some(1.0));

        // Level 2: its job is held; the level-1 mesh stays on screen meanwhile.
        let (go2, wait2) = sync_channel::<()>(0);
        assert_eq!(
            tag(&c.mesh("map", key(2.0), move |_| {
                wait2.recv().unwrap();
                Some(tagged(2.0))
            })),
            Some(1.0)
        );
        assert!(c.pending());
        // Asking again for the same key starts nothing new and still shows level 1.
        assert_eq!(tag(&c.mesh("map", key(2.0), |_| unreachable!())), Some(1.0));

        // Level 3 supersedes level 2 before it lands, and finishes first.
        assert_eq!(tag(&c.mesh("map", key(3.0), |_| Some(tagged(3.0)))), Some(1.0));
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(3.0), |_| unreachable!())), Some(3.0));
        assert!(c.last_ms.is_some());

        // Now the level-2 job finishes: its result is stale and dropped, level 3 stays.
        go2.send(()).unwrap();
        wait(&mut c, |c| c.stale_dropped == 1);
        assert!(!c.pending());
        assert_eq!(tag(&c.mesh("map", key(3.0), |_| unreachable!())), Some(3.0));
        let (meshes, _) = c.pickables();
        assert_eq!(meshes.len(), 1);
        assert_eq!(meshes[0].positions[0][0], 3.0);
    }

    #[test]
    fn a_surface_lands_with_its_coarse_copy_under_its_own_id() {
        let mut c = SceneCache::default();
        let both = |_: &AtomicBool| Some(Surfaces { full: tagged(1.0), coarse: Some(tagged(0.5)) });
        assert!(c.surfaces("map", key(1.0), both).is_none());
        wait(&mut c, |c| !c.pending());
        let (id, full, coarse) = c.surfaces("map", key(1.0), |_| unreachable!()).expect("landed");
        let (coarse_id, coarse) = coarse.expect("the coarse copy is kept with the surface");
        assert_eq!((full.positions[0][0], coarse.positions[0][0]), (1.0, 0.5));
        assert_ne!(id, coarse_id, "the renderer uploads each once, under its own key");
        // A new surface without a coarse copy drops the old copy.
        let _ = c.mesh("map", key(2.0), |_| Some(tagged(2.0)));
        wait(&mut c, |c| !c.pending());
        let (_, full, coarse) = c.surfaces("map", key(2.0), |_| unreachable!()).expect("landed");
        assert_eq!(full.positions[0][0], 2.0);
        assert!(coarse.is_none());
    }

    #[test]
    fn superseded_extraction_sees_its_cancel_flag() {
        let mut c = SceneCache::default();
        let (started_tx, started) = sync_channel::<()>(1);
        let (flag_tx, flag) = sync_channel::<bool>(1);
        let _ = c.mesh("map", key(1.0), move |cancel| {
            started_tx.send(()).unwrap();
            // Poll the flag as extract_with does per slab, for at most 5 s.
            for _ in 0..500 {
                if cancel.load(Ordering::Relaxed) {
                    flag_tx.send(true).unwrap();
                    return None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            flag_tx.send(false).unwrap();
            Some(tagged(1.0))
        });
        started.recv().unwrap();
        let _ = c.mesh("map", key(2.0), |_| Some(tagged(2.0)));
        assert!(flag.recv().unwrap(), "the superseded job was told to stop");
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(2.0), |_| unreachable!())), Some(2.0));
    }

    #[test]
    fn a_panicking_extraction_ends_pending_says_why_and_is_not_retried() {
        let mut c = SceneCache::default();
        assert_eq!(tag(&c.mesh("map", key(1.0), |_| Some(tagged(1.0)))), None);
        wait(&mut c, |c| !c.pending());
        assert_eq!(tag(&c.mesh("map", key(4.0), |_| -> Option<Mesh> { panic!("marching cubes") })), Some(1.0));
        wait(&mut c, |c| !c.pending());
        assert_eq!(c.failed.take().as_deref(), Some("the map surface could not be made: marching cubes"));
        // the same key again starts nothing (no endless retries); the old surface stays
        assert_eq!(tag(&c.mesh("map", key(4.0), |_| unreachable!())), Some(1.0));
        assert!(!c.pending());
    }
}
