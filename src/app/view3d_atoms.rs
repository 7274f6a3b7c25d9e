//! Atoms in the 3-D view: sticks with bonds (cached per model), their colours, the selected
//! residue's highlight, and what the pointer is over (chain, residue, atom, the three labels).

use std::sync::Arc;

use super::session::Session;
use super::view3d_scene::{Options3d, Residue, SceneCache};
use crate::engine::bonds::bonds;
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

impl SceneCache {
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
        let key = hash(&[addr as u64, colour_key, sel, o.stick_radius.to_bits() as u64]);
        if let Some((k, id, sp, st)) = &self.sticks
            && *k == key
        {
            return (SceneSpheres { key: *id, spheres: sp.clone() }, SceneSticks { key: *id + 1, sticks: st.clone() });
        }
        if self.bonds.as_ref().is_none_or(|(a, _)| *a != addr) {
            self.bonds = Some((addr, Arc::new(bonds(atoms))));
        }
        let pairs = &self.bonds.as_ref().expect("just set").1.pairs;
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
}
