//! mmCIF models: the `_atom_site` category (a loop, or one atom as key-value pairs) and the
//! stated resolution, read through the CIF tokenizer of `cif.rs`.
//!
//! Hand-written for the same reasons as the PDB reader (see `pdb.rs`): pdbtbx validates MODEL
//! correspondence and refuses assembly files, and regroups atoms.

use rustc_hash::FxHashMap;
use std::path::Path;

use glam::Vec3;

use super::cif::{Item, Reader, Value};
use super::error::ModelError;
use super::fixed_decimal::{parse_f32, parse_f64};
use super::model::{Atom, CompactString, RawAtom, element_from_bare_name};

/// Column of each `_atom_site` item used, by position in the row.
#[derive(Default)]
struct Cols {
    x: Option<usize>,
    y: Option<usize>,
    z: Option<usize>,
    group: Option<usize>,
    symbol: Option<usize>,
    /// (auth, label) pairs: the first non-null of the two wins, row by row.
    atom: (Option<usize>, Option<usize>),
    comp: (Option<usize>, Option<usize>),
    asym: (Option<usize>, Option<usize>),
    seq: (Option<usize>, Option<usize>),
    ins: Option<usize>,
    alt: Option<usize>,
    occ: Option<usize>,
    b: Option<usize>,
    model: Option<usize>,
}

impl Cols {
    fn new(tags: &[&str]) -> Self {
        let mut c = Cols::default();
        for (i, t) in tags.iter().enumerate() {
            let Some(item) = item_of(t, "_atom_site.") else { continue };
            let slot = match item.to_ascii_lowercase().as_str() {
                "cartn_x" => &mut c.x,
                "cartn_y" => &mut c.y,
                "cartn_z" => &mut c.z,
                "group_pdb" => &mut c.group,
                "type_symbol" => &mut c.symbol,
                "auth_atom_id" => &mut c.atom.0,
                "label_atom_id" => &mut c.atom.1,
                "auth_comp_id" => &mut c.comp.0,
                "label_comp_id" => &mut c.comp.1,
                "auth_asym_id" => &mut c.asym.0,
                "label_asym_id" => &mut c.asym.1,
                "auth_seq_id" => &mut c.seq.0,
                "label_seq_id" => &mut c.seq.1,
                "pdbx_pdb_ins_code" => &mut c.ins,
                "label_alt_id" => &mut c.alt,
                "occupancy" => &mut c.occ,
                "b_iso_or_equiv" => &mut c.b,
                "pdbx_pdb_model_num" => &mut c.model,
                _ => continue,
            };
            *slot = Some(i);
        }
        c
    }
}

/// The item name of `tag` in `category` (given with its dot), case-insensitively.
fn item_of<'a>(tag: &'a str, category: &str) -> Option<&'a str> {
    let n = category.len();
    (tag.len() > n && tag.as_bytes()[..n].eq_ignore_ascii_case(category.as_bytes())).then(|| &tag[n..])
}

/// Resolution items, most specific to cryo-EM first.
const RESOLUTION: [&str; 3] =
    ["_em_3d_reconstruction.resolution", "_refine.ls_d_res_high", "_reflns.d_resolution_high"];

/// State carried from row to row.
#[derive(Default)]
struct Rows<'a> {
    raw: Vec<RawAtom>,
    /// pdbx_PDB_model_num -> 0-based index in order of first appearance (a map: hostile files
    /// can give every atom its own model number).
    models: FxHashMap<&'a str, u32>,
    /// The previous row's model id and index (rows of one model come together).
    last_model: Option<(&'a str, u32)>,
    /// The current residue without a sequence number: (chain, comp), group, names seen.
    unnumbered: Option<((&'a str, &'a str), u32, Vec<&'a str>)>,
    groups: u32,
}

/// Atom records, the stated resolution, and warnings.
pub(crate) fn parse(text: &str, path: &Path) -> Result<(Vec<RawAtom>, Option<f32>, Vec<String>), ModelError> {
    let mut r = Reader::new(text, path);
    let mut rows = Rows::default();
    let mut res: [Option<f32>; 3] = [None; 3];
    let mut single: (Vec<&str>, Vec<Value>, usize) = (Vec::new(), Vec::new(), 0);
    let mut blocks = 0;
    let mut buf: Vec<Value> = Vec::new();
    while let Some(item) = r.next_item()? {
        match item {
            Item::Data(_) => {
                blocks += 1;
                if blocks > 1 && (!rows.raw.is_empty() || !single.0.is_empty()) {
                    break; // the first data block with atoms is the model
                }
            }
            Item::Pair { tag, value, line } => {
                if let Some(k) = RESOLUTION.iter().position(|t| t.eq_ignore_ascii_case(tag)) {
                    res[k] = res[k].or(value.number().map(|v| v as f32));
                } else if item_of(tag, "_atom_site.").is_some() {
                    single.0.push(tag);
                    single.1.push(value);
                    single.2 = line;
                }
            }
            Item::Loop { tags, line } => {
                if tags.iter().any(|t| item_of(t, "_atom_site.").is_some()) {
                    let cols = Cols::new(&tags);
                    check(&cols, path, line)?;
                    while r.row(&mut buf)? {
                        rows.push(&cols, &buf, r.line(), path)?;
                    }
                } else if let Some((k, c)) = RESOLUTION
                    .iter()
                    .enumerate()
                    .find_map(|(k, t)| Some((k, tags.iter().position(|g| g.eq_ignore_ascii_case(t))?)))
                {
                    while r.row(&mut buf)? {
                        res[k] = res[k].or(buf[c].number().map(|v| v as f32));
                    }
                }
            }
        }
    }
    if !single.0.is_empty() {
        let cols = Cols::new(&single.0);
        check(&cols, path, single.2)?;
        rows.push(&cols, &single.1, single.2, path)?;
    }
    if rows.raw.is_empty() {
        return Err(ModelError::Parse(path.to_path_buf(), "no _atom_site category (no atoms)".into()));
    }
    let resolution = res.into_iter().flatten().find(|v| v.is_finite() && *v > 0.0);
    Ok((rows.raw, resolution, Vec::new()))
}

fn check(c: &Cols, path: &Path, line: usize) -> Result<(), ModelError> {
    let missing: Vec<&str> = [(c.x, "Cartn_x"), (c.y, "Cartn_y"), (c.z, "Cartn_z")]
        .into_iter()
        .filter_map(|(v, n)| v.is_none().then_some(n))
        .chain((c.atom.0.is_none() && c.atom.1.is_none()).then_some("auth_atom_id or label_atom_id"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ModelError::Parse(path.to_path_buf(), format!("line {line}: _atom_site has no {}", missing.join(", "))))
    }
}

impl<'a> Rows<'a> {
    fn push(&mut self, c: &Cols, v: &[Value<'a>], line: usize, path: &Path) -> Result<(), ModelError> {
        let get = |i: Option<usize>| i.and_then(|i| v[i].get());
        let pick = |(auth, label): (Option<usize>, Option<usize>)| get(auth).or_else(|| get(label));
        let bad = |m: String| ModelError::Parse(path.to_path_buf(), format!("line {line}: {m}"));
        let coord = |i: Option<usize>, what: &str| -> Result<f32, ModelError> {
            let t = i.map_or("", |i| v[i].text);
            let x = parse_f64(t).map_err(|_| bad(format!("unreadable {what} coordinate {t:?}")))?;
            if !x.is_finite() {
                return Err(bad(format!("non-finite {what} coordinate")));
            }
            Ok(x as f32)
        };
        let pos = Vec3::new(coord(c.x, "x")?, coord(c.y, "y")?, coord(c.z, "z")?);
        let name = pick(c.atom).ok_or_else(|| bad("atom without a name".into()))?;
        let res_name = pick(c.comp).unwrap_or("");
        let chain = pick(c.asym).unwrap_or("");
        let (res_seq, seq_ins) = match pick(c.seq) {
            Some(s) => split_seq(s),
            None => (None, None),
        };
        let group = match res_seq {
            Some(_) => {
                self.unnumbered = None;
                0
            }
            None => self.group(chain, res_name, name),
        };
        let element = get(c.symbol)
            .map(|s| s.trim_end_matches(|ch: char| !ch.is_ascii_alphabetic()))
            .filter(|s| !s.is_empty() && s.chars().all(|ch| ch.is_ascii_alphabetic()))
            .map_or_else(
                || element_from_bare_name(name, res_name),
                |s| {
                    let mut e = CompactString::from(s);
                    e.make_ascii_uppercase();
                    e
                },
            );
        let model_id = get(c.model).unwrap_or("");
        let model = match self.last_model {
            Some((id, m)) if id == model_id => m,
            _ => {
                let next = self.models.len() as u32;
                let m = *self.models.entry(model_id).or_insert(next);
                self.last_model = Some((model_id, m));
                m
            }
        };
        self.raw.push(RawAtom {
            atom: Atom {
                pos,
                name: name.into(),
                element,
                res_name: res_name.into(),
                chain: chain.into(),
                res_seq: res_seq.unwrap_or(0),
                ins_code: get(c.ins).and_then(|s| s.chars().next()).or(seq_ins),
                hetero: get(c.group).is_some_and(|g| g.eq_ignore_ascii_case("HETATM")),
                occupancy: get(c.occ).and_then(|s| parse_f32(s).ok()).unwrap_or(1.0),
                b_factor: get(c.b).and_then(|s| parse_f32(s).ok()).unwrap_or(0.0),
                model,
            },
            altloc: get(c.alt).and_then(|s| s.chars().next()).unwrap_or(' '),
            group,
            name_field: [0; 4],
        });
        Ok(())
    }

    /// Group of an atom without a sequence number: a new residue begins where the chain or
    /// residue name changes or an atom name repeats (each water of a label-only file is one).
    fn group(&mut self, chain: &'a str, comp: &'a str, name: &'a str) -> u32 {
        match &mut self.unnumbered {
            Some((key, g, names)) if *key == (chain, comp) && !names.contains(&name) => {
                names.push(name);
                *g
            }
            _ => {
                self.groups += 1;
                self.unnumbered = Some(((chain, comp), self.groups, vec![name]));
                self.groups
            }
        }
    }
}

/// A sequence id as a number and an insertion code: `15` -> 15, `15A` -> 15 and 'A'; None for
/// an id with no leading number.
fn split_seq(s: &str) -> (Option<isize>, Option<char>) {
    let end =
        s.char_indices().find(|&(i, ch)| !(ch.is_ascii_digit() || (i == 0 && ch == '-'))).map_or(s.len(), |(i, _)| i);
    match s[..end].parse::<isize>() {
        Ok(n) => (Some(n), s[end..].chars().next()),
        Err(_) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_ids_with_insertion_codes() {
        assert_eq!(split_seq("15"), (Some(15), None));
        assert_eq!(split_seq("15A"), (Some(15), Some('A')));
        assert_eq!(split_seq("-3"), (Some(-3), None));
        assert_eq!(split_seq("A"), (None, None));
    }
}
