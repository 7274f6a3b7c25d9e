//! The `_atom_site` loop of mmCIF files (PDB entries, PDBe "updated" files, assemblies).
//!
//! Hand-written for the same reasons as the PDB reader (see `model::parse_pdb`): pdbtbx
//! validates MODEL correspondence and refuses assembly files, and regroups atoms.

use std::path::Path;

use glam::Vec3;

use super::error::ModelError;
use super::model::{Atom, Model, RawAtom, assemble};

/// Split a CIF data line into tokens, honouring '...' and "..." quoting.
fn tokens(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let q = b[i];
        if q == b'\'' || q == b'"' {
            let start = i + 1;
            let mut j = start;
            // a closing quote must be followed by whitespace or the end of line
            while j < b.len() && !(b[j] == q && (j + 1 == b.len() || b[j + 1].is_ascii_whitespace())) {
                j += 1;
            }
            out.push(&line[start..j.min(b.len())]);
            i = j + 1;
        } else {
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(&line[start..i]);
        }
    }
    out
}

pub fn parse_atom_site(text: &str, path: &Path) -> Result<Model, ModelError> {
    let bad = |m: String| ModelError::Parse(path.to_path_buf(), m);
    let mut lines = text.lines().enumerate().peekable();
    // find "loop_" followed by _atom_site.* tags
    let mut tags: Vec<String> = Vec::new();
    while let Some((_, l)) = lines.next() {
        if l.trim() == "loop_" {
            if let Some((_, next)) = lines.peek() {
                if next.trim_start().starts_with("_atom_site.") {
                    while let Some((_, t)) = lines.peek() {
                        let t = t.trim();
                        if let Some(tag) = t.strip_prefix("_atom_site.") {
                            tags.push(tag.split_whitespace().next().unwrap_or("").to_string());
                            lines.next();
                        } else {
                            break;
                        }
                    }
                    break;
                }
            }
        }
    }
    if tags.is_empty() {
        return Err(bad("no _atom_site loop (no atoms)".into()));
    }
    let col = |names: &[&str]| names.iter().find_map(|n| tags.iter().position(|t| t == n));
    let need = |names: &[&str]| col(names).ok_or_else(|| bad(format!("_atom_site has no {} column", names[0])));
    let (cx, cy, cz) = (need(&["Cartn_x"])?, need(&["Cartn_y"])?, need(&["Cartn_z"])?);
    let c_name = need(&["auth_atom_id", "label_atom_id"])?;
    let c_res = col(&["auth_comp_id", "label_comp_id"]);
    let c_chain = col(&["auth_asym_id", "label_asym_id"]);
    let c_seq = col(&["auth_seq_id", "label_seq_id"]);
    let c_ins = col(&["pdbx_PDB_ins_code"]);
    let c_alt = col(&["label_alt_id"]);
    let c_group = col(&["group_PDB"]);
    let c_elem = col(&["type_symbol"]);
    let c_occ = col(&["occupancy"]);
    let c_b = col(&["B_iso_or_equiv"]);
    let c_model = col(&["pdbx_PDB_model_num"]);

    let mut raw = Vec::new();
    // MODEL number -> 0-based index in order of first appearance (a map: hostile files can
    // give every atom its own model number)
    let mut model_ids: std::collections::HashMap<String, usize> = Default::default();
    let mut pending: Vec<String> = Vec::new();
    for (ln, l) in lines {
        let t = l.trim_start();
        if t.starts_with('_') || t.starts_with("loop_") || t.starts_with("data_") || t.starts_with('#') {
            break;
        }
        pending.extend(tokens(l).into_iter().map(str::to_string));
        if pending.len() < tags.len() {
            continue;
        }
        if pending.len() > tags.len() {
            return Err(bad(format!(
                "line {}: {} values for {} _atom_site columns",
                ln + 1,
                pending.len(),
                tags.len()
            )));
        }
        let v = std::mem::take(&mut pending);
        let get = |c: Option<usize>| c.map(|i| v[i].as_str()).filter(|s| *s != "?" && *s != ".").unwrap_or("");
        let coord = |i: usize, what: &str| -> Result<f32, ModelError> {
            let x: f64 =
                v[i].parse().map_err(|_| bad(format!("line {}: unreadable {what} coordinate {:?}", ln + 1, v[i])))?;
            if !x.is_finite() {
                return Err(bad(format!("line {}: non-finite {what} coordinate", ln + 1)));
            }
            Ok(x as f32)
        };
        let pos = Vec3::new(coord(cx, "x")?, coord(cy, "y")?, coord(cz, "z")?);
        let model_id = get(c_model).to_string();
        let next = model_ids.len();
        let model = *model_ids.entry(model_id).or_insert(next);
        raw.push(RawAtom {
            atom: Atom {
                pos,
                name: get(Some(c_name)).to_string(),
                element: get(c_elem).to_ascii_uppercase(),
                res_name: get(c_res).to_string(),
                chain: get(c_chain).to_string(),
                res_seq: get(c_seq).parse().unwrap_or(0),
                hetero: get(c_group) == "HETATM",
                occupancy: get(c_occ).parse().unwrap_or(1.0),
                b_factor: get(c_b).parse().unwrap_or(0.0),
                model: model as u32,
            },
            altloc: !get(c_alt).is_empty(),
            ins_code: get(c_ins).to_string(),
        });
    }
    Ok(assemble(raw, "mmCIF"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_tokens() {
        assert_eq!(tokens("ATOM 1 C \"C1'\" 'A B' 3.0"), vec!["ATOM", "1", "C", "C1'", "A B", "3.0"]);
    }
}
