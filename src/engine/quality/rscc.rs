//! Residues and their real-space correlation: the model map against the experimental map
//! inside a mask around the residue's atoms, as phenix.map_model_cc's CC per residue.

use rustc_hash::FxHashMap as HashMap;

use glam::Vec3;
use rayon::prelude::*;

use crate::engine::grid::Volume;
use crate::engine::model::{Atom, is_amino_acid};

/// One residue: its identity and the indices of its atoms in the model.
#[derive(Clone, Debug, PartialEq)]
pub struct Residue {
    pub model: u32,
    pub chain: String,
    pub res_seq: isize,
    /// Insertion code (52A), if any.
    pub ins_code: Option<char>,
    pub res_name: String,
    pub atoms: Vec<usize>,
}

impl Residue {
    fn ins(&self) -> String {
        self.ins_code.map(String::from).unwrap_or_default()
    }

    /// "A 42 LYS" (with the MODEL number when there are several).
    pub fn label(&self) -> String {
        if self.model > 0 {
            format!("{} {}{} {} (model {})", self.chain, self.res_seq, self.ins(), self.res_name, self.model + 1)
        } else {
            format!("{} {}{} {}", self.chain, self.res_seq, self.ins(), self.res_name)
        }
    }
}

/// Main-chain atoms of an amino acid, as the Q-score tools count them (CB included).
pub fn is_main_chain(atom: &Atom) -> bool {
    is_amino_acid(&atom.res_name) && matches!(atom.name.as_str(), "N" | "CA" | "C" | "O" | "CB")
}

/// Residues keyed by (MODEL, chain, number, insertion code, name), in order of first appearance.
pub fn group_residues(atoms: &[Atom]) -> Vec<Residue> {
    let mut index: HashMap<(u32, &str, isize, Option<char>, &str), usize> = HashMap::default();
    let mut out: Vec<Residue> = Vec::new();
    for (i, a) in atoms.iter().enumerate() {
        let k = (a.model, a.chain.as_str(), a.res_seq, a.ins_code, a.res_name.as_str());
        let r = *index.entry(k).or_insert_with(|| {
            out.push(Residue {
                model: a.model,
                chain: a.chain.to_string(),
                res_seq: a.res_seq,
                ins_code: a.ins_code,
                res_name: a.res_name.to_string(),
                atoms: Vec::new(),
            });
            out.len() - 1
        });
        out[r].atoms.push(i);
    }
    out
}

/// Pearson correlation of `map` and `model_map` over the voxels within `radius` Å of any atom
/// of each residue (NaN when fewer than two voxels or no variance).
pub fn residue_cc(
    map: &Volume<f32>,
    model_map: &Volume<f32>,
    pos: &[Vec3],
    residues: &[Residue],
    radius: f32,
) -> Vec<f32> {
    residues
        .par_iter()
        .map_init(Vec::new, |mask: &mut Vec<bool>, r| {
            let pts: Vec<Vec3> = r.atoms.iter().map(|&i| pos[i]).filter(|p| p.is_finite()).collect();
            masked_cc(map, model_map, &pts, radius, mask)
        })
        .collect()
}

fn masked_cc(map: &Volume<f32>, model_map: &Volume<f32>, pts: &[Vec3], radius: f32, mask: &mut Vec<bool>) -> f32 {
    let g = &map.grid;
    if pts.is_empty() {
        return f32::NAN;
    }
    // The residue's box in voxels, clipped to the map.
    let (mut lo, mut hi) = ([i64::MAX; 3], [i64::MIN; 3]);
    for p in pts {
        let f = g.fractional_f32(*p);
        for a in 0..3 {
            let r = radius / g.voxel[a];
            lo[a] = lo[a].min(((f[a] - r).ceil() as i64).max(0));
            hi[a] = hi[a].max(((f[a] + r).floor() as i64).min(g.shape[a] as i64 - 1));
        }
    }
    if (0..3).any(|a| lo[a] > hi[a]) {
        return f32::NAN;
    }
    let d = [0, 1, 2].map(|a| (hi[a] - lo[a] + 1) as usize);
    mask.clear();
    mask.resize(d[0] * d[1] * d[2], false);
    let r2 = radius * radius;
    for p in pts {
        let f = g.fractional_f32(*p);
        let span = |a: usize| {
            let r = radius / g.voxel[a];
            (((f[a] - r).ceil() as i64).max(lo[a]), ((f[a] + r).floor() as i64).min(hi[a]))
        };
        let ((x0, x1), (y0, y1), (z0, z1)) = (span(0), span(1), span(2));
        for z in z0..=z1 {
            let dz = (z as f32 - f.z) * g.voxel[2];
            for y in y0..=y1 {
                let dy = (y as f32 - f.y) * g.voxel[1];
                let row = d[0] * ((y - lo[1]) as usize + d[1] * (z - lo[2]) as usize);
                for x in x0..=x1 {
                    let dx = (x as f32 - f.x) * g.voxel[0];
                    if dx * dx + dy * dy + dz * dz <= r2 {
                        mask[row + (x - lo[0]) as usize] = true;
                    }
                }
            }
        }
    }
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0f64, 0f64, 0f64, 0f64, 0f64, 0f64);
    for z in 0..d[2] {
        for y in 0..d[1] {
            let row = d[0] * (y + d[1] * z);
            let o = g.offset([lo[0] as usize, lo[1] as usize + y, lo[2] as usize + z]);
            for x in 0..d[0] {
                if mask[row + x] {
                    let (a, b) = (map.data[o + x] as f64, model_map.data[o + x] as f64);
                    n += 1.0;
                    sa += a;
                    sb += b;
                    saa += a * a;
                    sbb += b * b;
                    sab += a * b;
                }
            }
        }
    }
    let var = (n * saa - sa * sa) * (n * sbb - sb * sb);
    if n < 2.0 || var <= 0.0 { f32::NAN } else { ((n * sab - sa * sb) / var.sqrt()) as f32 }
}
