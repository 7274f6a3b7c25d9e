//! Atoms in the 3-D view: sticks with bonds (cached per model), their colours, the selected
//! residue's highlight, and what the pointer is over (chain, residue, atom, the three labels).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

use super::session::Session;
use super::view3d_scene::{Options3d, Residue, SceneCache};
use crate::engine::bonds::{Bonds, bonds_cancellable};
use crate::engine::{Atom, Labels};
use crate::render::atoms::{ColourBy, SELECTED, atom_colours, stick_instances};
use crate::render::scene3d::{SceneSpheres, SceneSticks};

/// Radius of atoms with no bond (ions, waters), Å.
const BALL: f32 = 0.5;

/// The label voxel an atom falls in, by the labels' own index rule.
pub fn atom_voxel(labels: &Labels, a: &Atom) -> Option<usize> {
    let g = labels.classification.grid;
    g.checked(g.world_to_index(a.pos, labels.params.index)).map(|ijk| g.offset(ijk))
}

/// The three label values at an atom: regression, class, atom type.
pub fn labels_at(labels: &Labels, a: &Atom) -> Option<(f32, i16, u8)> {
    let o = atom_voxel(labels, a)?;
    Some((
        *labels.regression.data.get(o)?,
        *labels.classification.data.get(o)?,
        labels.atom_types.data.get(o)?.round().clamp(0.0, 255.0) as u8,
    ))
}

/// One line naming an atom and its labels, as the hover shows it.
pub fn describe(a: &Atom, labels: Option<&Labels>) -> String {
    let mut s = format!("chain {} · {} {} · {} ({})", a.chain, a.res_name, a.res_seq, a.name, a.element);
    match labels.and_then(|l| labels_at(l, a)) {
        Some((reg, class, ty)) => {
            let class = crate::render::palette::CLASS_NAMES.get(class as usize).copied().unwrap_or("?");
            let ty = crate::render::palette::TYPE_NAMES.get(ty as usize).copied().unwrap_or("?");
            s += &format!(" · regression {reg:.3} · class {class} · type {ty}");
        }
        None if labels.is_some() => s += " · outside the label grid",
        None => {}
    }
    s
}

fn hash(parts: &[u64]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// Bonds being found on a background thread for the model whose atoms live at `addr`.
pub(super) struct BondsJob {
    addr: usize,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Option<Bonds>>,
}

impl Drop for BondsJob {
    /// A job replaced by another model's (or forgotten) stops at its next check.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl SceneCache {
    /// The bonds of `atoms` if they are known; otherwise None, and `find` starts on a
    /// background thread (cancelling the search for any other model), so a big model does not
    /// stall the window: its atoms show as balls until the bonds land (and wake the view).
    pub(super) fn bonds_for(
        &mut self,
        atoms: &Arc<Vec<Atom>>,
        find: impl FnOnce(&[Atom], &AtomicBool) -> Option<Bonds> + Send + 'static,
    ) -> Option<Arc<Bonds>> {
        let addr = Arc::as_ptr(atoms) as usize;
        if let Some(job) = &self.bonds_job
            && job.addr == addr
        {
            use std::sync::mpsc::TryRecvError;
            let landed = match job.rx.try_recv() {
                Ok(found) => found,
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => {
                    // The search panicked: the atoms stay balls, and the view says so.
                    self.failed = Some("the bonds could not be found; atoms are drawn as balls".into());
                    Some(Bonds::default())
                }
            };
            if let Some(b) = landed {
                self.bonds_job = None;
                self.bonds = Some((addr, Arc::new(b)));
            }
        }
        if let Some((a, b)) = &self.bonds
            && *a == addr
        {
            return Some(b.clone());
        }
        if self.bonds_job.as_ref().is_none_or(|j| j.addr != addr) {
            let cancel = Arc::new(AtomicBool::new(false));
            let (tx, rx) = channel();
            let (atoms, flag, ctx) = (atoms.clone(), cancel.clone(), self.ctx.clone());
            std::thread::spawn(move || {
                let _ = tx.send(find(&atoms, &flag));
                if let Some(ctx) = ctx {
                    ctx.request_repaint();
                }
            });
            self.bonds_job = Some(BondsJob { addr, cancel, rx });
        }
        None
    }

    /// Bonds are being found in the background.
    pub fn bonds_pending(&self) -> bool {
        self.bonds_job.is_some()
    }

    /// Spheres (one per atom, in atom order, so a picked sphere is an atom index) and sticks;
    /// rebuilt only when the model, colouring, radius, labels or selection change.
    pub(super) fn sticks(&mut self, s: &Session, o: &Options3d, atoms: &Arc<Vec<Atom>>) -> (SceneSpheres, SceneSticks) {
        let addr = Arc::as_ptr(atoms) as usize;
        let colour_key = match &o.colour_by {
            ColourBy::Element => 1,
            ColourBy::AtomTypeLabel => 2 ^ s.revision.wrapping_mul(16),
            ColourBy::Scalar { values, range, .. } => {
                3 ^ (Arc::as_ptr(values) as u64) ^ (range[0].to_bits() as u64) << 32 ^ range[1].to_bits() as u64
            }
        };
        let sel = o.selection.as_ref().map_or(0, |r| hash(&[r.model as u64, r.seq as u64, hash_str(&r.chain)]) | 1);
        let found = self.bonds_for(atoms, bonds_cancellable);
        let key = hash(&[addr as u64, colour_key, sel, o.stick_radius.to_bits() as u64, found.is_some() as u64]);
        if let Some((k, id, sp, st)) = &self.sticks
            && *k == key
        {
            return (SceneSpheres { key: *id, spheres: sp.clone() }, SceneSticks { key: *id + 1, sticks: st.clone() });
        }
        // Until the bonds land, every atom is a ball.
        let pairs = found.as_ref().map_or(&[][..], |b| &b.pairs[..]);
        let labels = s.labels.as_deref();
        let mut colours = atom_colours(atoms, &o.colour_by, |i| {
            labels.and_then(|l| labels_at(l, &atoms[i])).map_or(0, |(_, _, t)| t)
        });
        if let Some(r) = &o.selection {
            for (c, a) in colours.iter_mut().zip(atoms.iter()) {
                if r.contains(a) {
                    *c = SELECTED;
                }
            }
        }
        let positions: Vec<glam::Vec3> = atoms.iter().map(|a| a.pos).collect();
        let r = o.stick_radius.clamp(0.05, 2.0);
        let (sp, st) = stick_instances(&positions, pairs, &colours, r, BALL.max(r));
        let (sp, st) = (Arc::new(sp), Arc::new(st));
        self.next += 2;
        let id = self.next - 1;
        self.sticks = Some((key, id, sp.clone(), st.clone()));
        (SceneSpheres { key: id, spheres: sp }, SceneSticks { key: id + 1, sticks: st })
    }

    /// The atom spheres shown now (in atom order), for picking atoms by index.
    pub fn atom_spheres(&self) -> Option<Arc<Vec<[f32; 8]>>> {
        self.sticks.as_ref().map(|t| t.2.clone())
    }

    /// Number of bonds of the shown model.
    pub fn bond_count(&self) -> usize {
        self.bonds.as_ref().map_or(0, |b| b.1.pairs.len())
    }
}

fn hash_str(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// The residue of atom `i`, if there is such an atom.
pub fn residue_of(atoms: &[Atom], i: usize) -> Option<Residue> {
    atoms.get(i).map(Residue::of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hover_names_chain_residue_and_atom() {
        let a = Atom { chain: "B".into(), res_seq: 42, ..Atom::new("NZ", "N", "LYS", glam::Vec3::ZERO) };
        assert_eq!(describe(&a, None), "chain B · LYS 42 · NZ (N)");
        let r = residue_of(std::slice::from_ref(&a), 0).unwrap();
        assert!(r.contains(&a) && !r.contains(&Atom { res_seq: 43, ..a.clone() }));
    }

    /// Poll until the bonds of `atoms` land (5 s at most).
    fn landed(c: &mut SceneCache, atoms: &Arc<Vec<Atom>>) -> Arc<Bonds> {
        for _ in 0..500 {
            if let Some(b) = c.bonds_for(atoms, |_, _| unreachable!("already searching")) {
                return b;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the bonds did not land");
    }

    #[test]
    fn bonds_are_found_in_the_background_and_a_superseded_search_is_cancelled() {
        use std::sync::mpsc::sync_channel;
        let sg =
            |seq| Atom { res_seq: seq, ..Atom::new("SG", "S", "CYS", glam::Vec3::new(seq as f32 * 2.05, 0.0, 0.0)) };
        let atoms = Arc::new(vec![sg(0), sg(1)]);
        let mut c = SceneCache::default();
        // A search held until told to go: the call returns at once, with no bonds yet.
        let (go, wait) = sync_channel::<()>(0);
        let found = c.bonds_for(&atoms, move |a, cancel| {
            wait.recv().unwrap();
            bonds_cancellable(a, cancel)
        });
        assert!(found.is_none() && c.bonds_pending() && c.pending());
        go.send(()).unwrap();
        assert_eq!(landed(&mut c, &atoms).pairs, vec![[0, 1]]);
        assert!(!c.bonds_pending());

        // Another model's search runs; a third model replaces it before it ends: its flag is set.
        let (started_tx, started) = sync_channel::<()>(1);
        let (flag_tx, flag) = sync_channel::<bool>(1);
        let other = Arc::new(atoms.to_vec());
        let _ = c.bonds_for(&other, move |_, cancel| {
            started_tx.send(()).unwrap();
            for _ in 0..500 {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            flag_tx.send(cancel.load(Ordering::Relaxed)).unwrap();
            None
        });
        started.recv().unwrap();
        let third = Arc::new(vec![sg(0), sg(1), sg(2)]);
        assert!(c.bonds_for(&third, bonds_cancellable).is_none());
        assert!(flag.recv().unwrap(), "the superseded search was told to stop");
        assert_eq!(landed(&mut c, &third).pairs.len(), 2);
    }
}
