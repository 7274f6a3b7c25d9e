//! Atomic models: PDB, mmCIF and RCSB assembly files (`.pdb1`, assembly `.cif`). The
//! format is decided from the content, never from the extension.

use std::io::Read;
use std::path::{Path, PathBuf};

pub use compact_str::CompactString;
use glam::Vec3;
use rustc_hash::FxHashMap;

pub use super::altloc::AltlocRule;
use super::error::ModelError;

/// One atom, one position (which altloc: see `AltlocRule`).
///
/// The four names are `CompactString`s (derefs to `&str`): held inline up to 24 bytes, so a
/// 275k-atom file parses without a heap allocation per field (they are 1-5 characters).
#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    /// Cartesian position in Å, as float32 (what the published pipeline computed with).
    pub pos: Vec3,
    /// Atom name, trimmed ("CA", "OG1").
    pub name: CompactString,
    /// Element symbol, upper case ("C", "FE"); from the element column, else the name.
    pub element: CompactString,
    /// Residue name ("ALA", "HOH", "CA").
    pub res_name: CompactString,
    pub chain: CompactString,
    pub res_seq: isize,
    /// Insertion code (PDB column 27, mmCIF `pdbx_PDB_ins_code`, or the letter of `15A`).
    pub ins_code: Option<char>,
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
            ins_code: None,
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
    /// Atoms dropped because another altloc of the same atom was chosen.
    pub altlocs_dropped: usize,
    /// Residues dropped because another residue (another name, with altlocs) holds the same
    /// position (microheterogeneity), and their atoms.
    pub residues_dropped: usize,
    pub residue_atoms_dropped: usize,
    /// Atoms dropped under `AltlocRule::Biopython` for repeating a name in a residue, or for
    /// belonging to a hetero residue whose id came earlier in the chain (Biopython's reader
    /// drops both).
    pub duplicates_dropped: usize,
    /// The rule the atoms were chosen under.
    pub altloc_rule: AltlocRule,
    /// Resolution stated in the file (PDB REMARK 2 or REMARK 3, mmCIF
    /// `_em_3d_reconstruction.resolution`, `_refine.ls_d_res_high`, `_reflns.d_resolution_high`).
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
        let mut m: FxHashMap<&str, usize> = FxHashMap::default();
        for a in &self.atoms {
            *m.entry(a.element.as_str()).or_default() += 1;
        }
        let mut v: Vec<_> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        v.sort();
        v
    }
}

/// How a model is read: the choices that depend on the labeling preset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReadOptions {
    pub altlocs: AltlocRule,
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

/// Nucleotides of RNA and DNA (the PDB's standard residue names).
pub fn is_nucleotide(res_name: &str) -> bool {
    matches!(res_name, "A" | "C" | "G" | "U" | "I" | "N" | "DA" | "DC" | "DG" | "DT" | "DU" | "DI" | "DN")
}

/// Read a model file (plain, gzip or bzip2) with the default options (the `denoisecryodata` rules).
pub fn read_model(path: &Path) -> Result<Model, ModelError> {
    read_model_with(path, ReadOptions::default())
}

/// Read a model file (plain, gzip or bzip2), choosing PDB or mmCIF from its content.
pub fn read_model_with(path: &Path, opts: ReadOptions) -> Result<Model, ModelError> {
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
    parse_model_with(&bytes, path, opts)
}

/// Parse model text already in memory with the default options; `path` names it in messages.
pub fn parse_model(bytes: &[u8], path: &Path) -> Result<Model, ModelError> {
    parse_model_with(bytes, path, ReadOptions::default())
}

/// Parse model text already in memory; `path` names it in messages.
pub fn parse_model_with(bytes: &[u8], path: &Path, opts: ReadOptions) -> Result<Model, ModelError> {
    let p = path.to_path_buf();
    // valid UTF-8 (the usual case) is checked without the lossy decoder's per-chunk work
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    // The format registry (formats.rs) owns content sniffing, as gemmi's mmread does.
    let (raw, format, resolution, mut warnings) = if super::formats::is_mmcif(&text) {
        let (raw, res, w) = super::mmcif::parse(&text, path)?;
        (raw, "mmCIF", res, w)
    } else {
        let (raw, res, w) = super::pdb::parse(&text, path)?;
        (raw, "PDB", res, w)
    };
    let mut model = super::altloc::assemble(raw, format, opts.altlocs);
    model.altloc_rule = opts.altlocs;
    model.resolution = resolution;
    model.path = p.clone();
    if model.residues_dropped > 0 {
        warnings.push(format!(
            "{} residue(s) ({} atoms) dropped where another residue holds the same position (microheterogeneity)",
            model.residues_dropped, model.residue_atoms_dropped
        ));
    }
    if model.duplicates_dropped > 0 {
        warnings.push(format!(
            "{} atom(s) dropped as Biopython's reader drops them (a name repeated in a residue, or a hetero residue id repeated in a chain)",
            model.duplicates_dropped
        ));
    }
    model.warnings = warnings;
    if model.atoms.is_empty() {
        return Err(ModelError::NoAtoms(p));
    }
    Ok(model)
}

/// Raw atom record before altlocs are resolved.
pub(crate) struct RawAtom {
    pub atom: Atom,
    /// Alternate location id; ' ' for none.
    pub altloc: char,
    /// Tells apart residues that have no sequence number (mmCIF label-only waters, `.`); 0
    /// where the number identifies the residue.
    pub group: u32,
    /// PDB columns 13-16 as written (Biopython tells apart names that differ only in spaces);
    /// zeros for mmCIF, whose names have no columns.
    pub name_field: [u8; 4],
}

impl RawAtom {
    /// A record that stands in for an unreadable one while a parallel read finishes (the read
    /// then fails); it allocates nothing.
    pub(crate) fn placeholder() -> Self {
        RawAtom { atom: Atom::new("", "", "", Vec3::ZERO), altloc: ' ', group: 0, name_field: [0; 4] }
    }
}

/// Element of an atom whose file gives none. Atoms of standard residues (amino acids,
/// nucleotides) are named after their element's one letter, then a position (NE2 is a
/// nitrogen, not neon); other atoms follow the PDB name-field rule of `pdb_name_element`.
pub fn element_from_name(field: &str, res_name: &str) -> CompactString {
    if is_amino_acid(res_name) || is_nucleotide(res_name) {
        if let Some(c) = field.trim().chars().find(|c| c.is_ascii_alphabetic()) {
            return CompactString::from(c.to_ascii_uppercase().encode_utf8(&mut [0; 4]) as &str);
        }
    }
    pdb_name_element(field)
}

/// Element of an mmCIF atom without `type_symbol` (no column alignment to go by): standard
/// residues as in `element_from_name`; a single-atom residue named like its atom (ions: ZN, MG,
/// CA in CA) or an atom named exactly a common two-letter ligand element (FE in HEM, CL) is that
/// element; otherwise the first letter.
pub fn element_from_bare_name(name: &str, res_name: &str) -> CompactString {
    let mut letters: CompactString = name.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    letters.make_ascii_uppercase();
    let two_letter = ["FE", "ZN", "MG", "MN", "CU", "CO", "NI", "CL", "BR", "NA", "SE", "CD", "HG", "PT", "AU", "MO"];
    if is_amino_acid(res_name) || is_nucleotide(res_name) || letters.len() < 2 {
        return element_from_name(&format!(" {name}"), res_name);
    }
    if (name == res_name && letters.len() == name.len() && name.len() <= 2)
        || two_letter.contains(&name.to_ascii_uppercase().as_str())
    {
        return letters;
    }
    letters[..1].into()
}

/// Element from the 4-character PDB name field: right-justified one-letter elements start
/// in column 14 (" CA " is carbon), two-letter ones in column 13 ("CA  " is calcium).
pub(crate) fn pdb_name_element(field: &str) -> CompactString {
    let mut f = field.chars();
    let mut e: CompactString = match f.next() {
        Some(c) if c == ' ' || c.is_ascii_digit() => {
            f.next().map(|c| CompactString::from(c.encode_utf8(&mut [0; 4]) as &str)).unwrap_or_else(|| "X".into())
        }
        Some('H') if field.trim().len() == 4 => "H".into(),
        Some(_) => field.trim().chars().take_while(|c| c.is_ascii_alphabetic()).take(2).collect(),
        None => "X".into(),
    };
    e.make_ascii_uppercase();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calcium_and_c_alpha_elements() {
        assert_eq!(element_from_name(" CA ", "CA"), "C");
        assert_eq!(element_from_name("CA  ", "CA"), "CA");
        assert_eq!(element_from_name("1HB ", "ALA"), "H");
        // item 4: atoms of standard residues are named after a one-letter element
        assert_eq!(element_from_name("NE2 ", "HIS"), "N");
        assert_eq!(element_from_name("NE2 ", "LIG"), "NE");
        assert_eq!(element_from_name("OP1 ", "DA"), "O");
        assert_eq!(element_from_bare_name("NE2", "HIS"), "N");
        assert_eq!(element_from_bare_name("FE", "HEM"), "FE");
        assert_eq!(element_from_bare_name("ZN", "ZN"), "ZN");
        assert_eq!(element_from_bare_name("C12", "LIG"), "C");
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
