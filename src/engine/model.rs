//! Atomic models: PDB, mmCIF and RCSB assembly files (`.pdb1`, assembly `.cif`). The
//! format is decided from the content, never from the extension.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use glam::Vec3;

use super::error::ModelError;

/// One atom, one position (the altloc with the highest occupancy, the first on a tie).
#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    /// Cartesian position in Å, as float32 (what the published pipeline computed with).
    pub pos: Vec3,
    /// Atom name, trimmed ("CA", "OG1").
    pub name: String,
    /// Element symbol, upper case ("C", "FE"); from the element column, else the name.
    pub element: String,
    /// Residue name ("ALA", "HOH", "CA").
    pub res_name: String,
    pub chain: String,
    pub res_seq: isize,
    pub hetero: bool,
    pub occupancy: f32,
    pub b_factor: f32,
    /// 0-based MODEL index (assembly files hold one copy per MODEL).
    pub model: u32,
}

impl Atom {
    /// An atom with neutral defaults (occupancy 1, chain A, residue 1), for generated cases.
    pub fn new(name: &str, element: &str, res_name: &str, pos: Vec3) -> Self {
        Atom {
            pos,
            name: name.into(),
            element: element.into(),
            res_name: res_name.into(),
            chain: "A".into(),
            res_seq: 1,
            hetero: false,
            occupancy: 1.0,
            b_factor: 0.0,
            model: 0,
        }
    }
}

/// The atoms of every MODEL, in file order within the pdbtbx hierarchy.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub path: PathBuf,
    pub format: &'static str,
    pub atoms: Vec<Atom>,
    /// Atoms in each MODEL.
    pub atoms_per_model: Vec<usize>,
    /// Chains counted per MODEL (assembly files reuse chain ids across MODELs).
    pub chains: usize,
    pub residues: usize,
    /// Atoms dropped because another altloc of the same atom had a higher occupancy.
    pub altlocs_dropped: usize,
    /// Resolution stated in the file (PDB REMARK 2, mmCIF `_em_3d_reconstruction.resolution`).
    pub resolution: Option<f32>,
    /// Parser warnings worth showing to a user.
    pub warnings: Vec<String>,
}

impl Model {
    pub fn bounding_box(&self) -> Option<(Vec3, Vec3)> {
        let first = self.atoms.first()?.pos;
        Some(self.atoms.iter().fold((first, first), |(lo, hi), a| (lo.min(a.pos), hi.max(a.pos))))
    }

    /// Element symbol -> count, sorted by symbol.
    pub fn element_counts(&self) -> Vec<(String, usize)> {
        let mut m: HashMap<&str, usize> = HashMap::new();
        for a in &self.atoms {
            *m.entry(a.element.as_str()).or_default() += 1;
        }
        let mut v: Vec<_> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        v.sort();
        v
    }
}

/// The 20 standard amino acids plus MSE, the residues whose CA/CB/C/O/N are protein atoms.
pub fn is_amino_acid(res_name: &str) -> bool {
    matches!(
        res_name,
        "ALA"
            | "ARG"
            | "ASN"
            | "ASP"
            | "CYS"
            | "GLN"
            | "GLU"
            | "GLY"
            | "HIS"
            | "ILE"
            | "LEU"
            | "LYS"
            | "MET"
            | "PHE"
            | "PRO"
            | "SER"
            | "THR"
            | "TRP"
            | "TYR"
            | "VAL"
            | "MSE"
            | "SEC"
            | "PYL"
    )
}

/// Read a model file (plain, gzip or bzip2), choosing PDB or mmCIF from its content.
pub fn read_model(path: &Path) -> Result<Model, ModelError> {
    let p = path.to_path_buf();
    let raw = std::fs::read(path).map_err(|e| ModelError::Io(p.clone(), e))?;
    let c = super::formats::Compression::of(&raw);
    let bytes = if c != super::formats::Compression::None {
        let mut out = Vec::new();
        c.decoder(&raw[..])
            .take(4 << 30)
            .read_to_end(&mut out)
            .map_err(|e| ModelError::Parse(p.clone(), format!("not a readable {} file: {e}", c.name())))?;
        out
    } else {
        raw
    };
    parse_model(&bytes, path)
}

/// Parse model text already in memory; `path` names it in messages.
pub fn parse_model(bytes: &[u8], path: &Path) -> Result<Model, ModelError> {
    let p = path.to_path_buf();
    let text = String::from_utf8_lossy(bytes);
    let is_cif = super::formats::is_mmcif(&text);
    let mut model = if is_cif {
        let mut m = super::mmcif::parse_atom_site(&text, path)?;
        m.resolution = cif_resolution(&text);
        m
    } else {
        let mut m = parse_pdb(&text, path)?;
        m.resolution = pdb_resolution(&text);
        m
    };
    model.path = p.clone();
    if model.atoms.is_empty() {
        return Err(ModelError::NoAtoms(p));
    }
    Ok(model)
}

/// Raw atom record before altlocs are resolved.
pub(crate) struct RawAtom {
    pub atom: Atom,
    pub altloc: bool,
    pub ins_code: String,
}

/// Keep one position per atom (highest occupancy, first on a tie), in order of first
/// appearance, and count chains and residues per MODEL.
pub(crate) fn assemble(raw: Vec<RawAtom>, format: &'static str) -> Model {
    let mut model = Model { format, ..Default::default() };
    let mut index: HashMap<(u32, String, isize, String, String, String), usize> = HashMap::new();
    let mut residues: std::collections::HashSet<(u32, String, isize, String)> = Default::default();
    let mut chains: std::collections::HashSet<(u32, String)> = Default::default();
    let mut per_model: Vec<usize> = Vec::new();
    for r in raw {
        let a = r.atom;
        let key = (a.model, a.chain.clone(), a.res_seq, r.ins_code.clone(), a.res_name.clone(), a.name.clone());
        residues.insert((a.model, a.chain.clone(), a.res_seq, r.ins_code.clone()));
        chains.insert((a.model, a.chain.clone()));
        match index.get(&key) {
            Some(&i) if r.altloc => {
                model.altlocs_dropped += 1;
                if a.occupancy > model.atoms[i].occupancy {
                    model.atoms[i] = a;
                }
            }
            _ => {
                if per_model.len() <= a.model as usize {
                    per_model.resize(a.model as usize + 1, 0);
                }
                per_model[a.model as usize] += 1;
                index.insert(key, model.atoms.len());
                model.atoms.push(a);
            }
        }
    }
    model.atoms_per_model = per_model;
    model.chains = chains.len();
    model.residues = residues.len();
    model
}

/// PDB fixed-column ATOM/HETATM records, every MODEL.
///
/// Written by hand rather than with pdbtbx 0.12: at every strictness level pdbtbx refuses
/// real inputs of this data set (RCSB assembly files: "Atoms in Models not corresponding";
/// cropped models: "Could not find a bond partner"), panics on unknown space groups, and
/// regroups atoms by chain, losing the file order the published atom-type rule depends on.
pub fn parse_pdb(text: &str, path: &Path) -> Result<Model, ModelError> {
    let mut raw = Vec::new();
    let mut model_no: u32 = 0;
    let mut seen_model = false;
    for (ln, line) in text.lines().enumerate() {
        let rec = line.get(..6).unwrap_or(line);
        if rec.starts_with("MODEL") {
            if seen_model {
                model_no += 1;
            }
            seen_model = true;
            continue;
        }
        if rec.starts_with("ENDMDL") {
            // a following MODEL increments; atoms after ENDMDL without MODEL stay in this one
            continue;
        }
        let hetero = rec == "HETATM";
        if !(rec == "ATOM  " || hetero || rec == "ATOM") {
            continue;
        }
        let col = |a: usize, b: usize| line.get(a..b.min(line.len())).unwrap_or("");
        let bad = |what: &str| ModelError::Parse(path.to_path_buf(), format!("line {}: {what}: {line:?}", ln + 1));
        let coord = |a: usize, b: usize, what: &str| -> Result<f32, ModelError> {
            let v: f64 = col(a, b).trim().parse().map_err(|_| bad(&format!("unreadable {what} coordinate")))?;
            if !v.is_finite() {
                return Err(bad(&format!("non-finite {what} coordinate")));
            }
            Ok(v as f32)
        };
        let pos = Vec3::new(coord(30, 38, "x")?, coord(38, 46, "y")?, coord(46, 54, "z")?);
        let name_field = col(12, 16);
        let name = name_field.trim().to_string();
        let element = {
            let e = col(76, 78).trim();
            if !e.is_empty() && e.chars().all(|c| c.is_ascii_alphabetic()) {
                e.to_ascii_uppercase()
            } else {
                element_from_name_field(name_field)
            }
        };
        let res_seq = parse_hybrid36(col(22, 26).trim()).unwrap_or(0);
        raw.push(RawAtom {
            atom: Atom {
                pos,
                name,
                element,
                res_name: col(17, 20).trim().to_string(),
                chain: col(21, 22).trim().to_string(),
                res_seq,
                hetero,
                occupancy: col(54, 60).trim().parse().unwrap_or(1.0),
                b_factor: col(60, 66).trim().parse().unwrap_or(0.0),
                model: model_no,
            },
            altloc: !col(16, 17).trim().is_empty(),
            ins_code: col(26, 27).trim().to_string(),
        });
    }
    Ok(assemble(raw, "PDB"))
}

/// Residue numbers beyond 9999 use hybrid-36 ("A000" = 10000).
fn parse_hybrid36(s: &str) -> Option<isize> {
    if let Ok(v) = s.parse::<isize>() {
        return Some(v);
    }
    let first = s.chars().next()?;
    let v = isize::from_str_radix(s, 36).ok()?;
    let width = s.len() as u32;
    let base = 10isize.pow(width);
    let span = 26 * 36isize.pow(width - 1);
    if first.is_ascii_uppercase() {
        Some(v - 10 * 36isize.pow(width - 1) + base)
    } else if first.is_ascii_lowercase() {
        Some(v - 10 * 36isize.pow(width - 1) + base + span)
    } else {
        None
    }
}

/// Element from the 4-character PDB name field: right-justified one-letter elements start
/// in column 14 (" CA " is carbon), two-letter ones in column 13 ("CA  " is calcium).
fn element_from_name_field(field: &str) -> String {
    let f: Vec<char> = field.chars().collect();
    match f.first() {
        Some(c) if *c == ' ' || c.is_ascii_digit() => {
            f.get(1).map(|c| c.to_ascii_uppercase().to_string()).unwrap_or_else(|| "X".into())
        }
        Some('H') if field.trim().len() == 4 => "H".into(),
        Some(_) => field
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .take(2)
            .collect::<String>()
            .to_ascii_uppercase(),
        None => "X".into(),
    }
}

fn pdb_resolution(text: &str) -> Option<f32> {
    text.lines()
        .filter(|l| l.starts_with("REMARK   2 RESOLUTION."))
        .find_map(|l| l["REMARK   2 RESOLUTION.".len()..].split_whitespace().next()?.parse().ok())
}

fn cif_resolution(text: &str) -> Option<f32> {
    for key in ["_em_3d_reconstruction.resolution ", "_refine.ls_d_res_high ", "_reflns.d_resolution_high "] {
        if let Some(l) = text.lines().find(|l| l.starts_with(key)) {
            if let Some(v) = l[key.len()..].split_whitespace().next().and_then(|v| v.parse().ok()) {
                return Some(v);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hybrid36_residue_numbers() {
        assert_eq!(parse_hybrid36("9999"), Some(9999));
        assert_eq!(parse_hybrid36("A000"), Some(10000));
        assert_eq!(parse_hybrid36("-12"), Some(-12));
    }

    #[test]
    fn calcium_and_c_alpha_elements() {
        assert_eq!(element_from_name_field(" CA "), "C");
        assert_eq!(element_from_name_field("CA  "), "CA");
        assert_eq!(element_from_name_field("1HB "), "H");
    }

    #[test]
    fn altloc_keeps_highest_occupancy() {
        let pdb = "\
ATOM      1  N  AALA A   1      10.000  10.000  10.000  0.40 10.00           N
ATOM      2  N  BALA A   1      11.000  10.000  10.000  0.60 10.00           N
ATOM      3  CA  ALA A   1      12.000  10.000  10.000  1.00 10.00           C
END
";
        let m = parse_model(pdb.as_bytes(), Path::new("t.pdb")).unwrap();
        let n: Vec<_> = m.atoms.iter().filter(|a| a.name == "N").collect();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].pos.x, 11.0);
        assert_eq!(m.atoms.len(), 2);
    }

    #[test]
    fn empty_model_is_an_error() {
        let e = parse_model(b"HEADER    NOTHING\nEND\n", Path::new("empty.pdb")).unwrap_err();
        assert!(e.to_string().contains("empty.pdb"), "{e}");
    }
}
