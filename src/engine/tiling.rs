//! Benchmark cases: a model tiled on a lattice, each copy with its own chain ids.
//!
//! Copies that shared chain id and residue number would be merged or dropped by readers,
//! silently shrinking the case (see ../shared/data/README.md), so ids are renamed.

use glam::Vec3;

use super::model::Model;

const IDS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `copies` per axis, `step` Å apart (5me2 tiled 2x2x2 at 80 Å gives 35,744 atoms).
pub fn tile(model: &Model, copies: [usize; 3], step: f32) -> Model {
    let chains: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for a in &model.atoms {
            if !v.contains(&a.chain.as_str()) {
                v.push(&a.chain);
            }
        }
        v
    };
    let mut out = Model { format: model.format, path: model.path.clone(), ..Default::default() };
    let mut copy = 0;
    for i in 0..copies[0] {
        for j in 0..copies[1] {
            for k in 0..copies[2] {
                let shift = Vec3::new(i as f32, j as f32, k as f32) * step;
                for a in &model.atoms {
                    let mut b = a.clone();
                    b.pos += shift;
                    let c = chains.iter().position(|c| *c == a.chain).unwrap_or(0) + copy * chains.len();
                    b.chain = IDS
                        .get(c..c + 1)
                        .map(compact_str::CompactString::from)
                        .unwrap_or_else(|| compact_str::format_compact!("C{c}"));
                    b.model = 0;
                    out.atoms.push(b);
                }
                copy += 1;
            }
        }
    }
    out.atoms_per_model = vec![out.atoms.len()];
    out.chains = chains.len() * copy;
    out.residues = model.residues * copy;
    out
}
