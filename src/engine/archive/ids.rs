//! Accession ids as users type them (ChimeraX's `emdb:3488`, EMDB's `EMD-3488`, the map file's
//! `emd_3488`; `pdb:5me2`, `5ME2`) and the names the archives give their files.

use std::fmt;
use std::path::Path;

/// An EMDB entry: its digits as the archive writes them (at least four, zero-padded).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmdbId(String);

/// A PDB entry: four characters, a digit then three letters or digits, lower case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PdbId(String);

/// An id of either archive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Accession {
    Emdb(EmdbId),
    Pdb(PdbId),
}

impl EmdbId {
    /// From the digits alone ("3488", "0001", "48532"); fewer than four digits are padded,
    /// as EMDB pads them (EMD-0001).
    pub fn new(digits: &str) -> Option<EmdbId> {
        let ok = !digits.is_empty() && digits.len() <= 8 && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| EmdbId(format!("{digits:0>4}")))
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
    /// The archive's folder name, `EMD-3488`.
    pub fn folder(&self) -> String {
        format!("EMD-{}", self.0)
    }
    /// Path of the map below the EMDB root: `structures/EMD-3488/map/emd_3488.map.gz`.
    pub fn map_path(&self) -> String {
        format!("structures/EMD-{0}/map/emd_{0}.map.gz", self.0)
    }
    /// Path of the header XML below the EMDB root: `structures/EMD-3488/header/emd-3488.xml`.
    pub fn header_path(&self) -> String {
        format!("structures/EMD-{0}/header/emd-{0}.xml", self.0)
    }
}

impl PdbId {
    pub fn new(s: &str) -> Option<PdbId> {
        let b = s.as_bytes();
        let ok = b.len() == 4 && b[0].is_ascii_digit() && b.iter().all(|c| c.is_ascii_alphanumeric());
        ok.then(|| PdbId(s.to_ascii_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Paths below the PDB root, in the order they are tried: the first biological assembly
    /// (what the published data set used), then the mmCIF (entries too large for PDB format
    /// have no .pdb1).
    pub fn model_paths(&self) -> [String; 2] {
        [format!("download/{}.pdb1.gz", self.0), format!("download/{}.cif.gz", self.0)]
    }
}

impl fmt::Display for EmdbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EMD-{}", self.0)
    }
}

impl fmt::Display for PdbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Accession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Accession::Emdb(e) => write!(f, "emdb:{}", e.digits()),
            Accession::Pdb(p) => write!(f, "pdb:{p}"),
        }
    }
}

/// Where a typed word stands, which decides whether a bare 4-character word is a PDB id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Where a map is expected: a path, or an id with its archive named.
    Map,
    /// Where a model is expected: a bare `5me2` is a PDB id too.
    Model,
    /// A field that only takes ids (`fetch`, the viewer's Open accession): bare PDB ids too.
    Id,
}

/// The id a word names with its archive written out, or None (a path, or nothing we know).
/// `emdb:3488`, `emdb:EMD-3488`, `EMD-3488`, `emd_3488`, `emd-3488`; `pdb:5me2`, `pdb:5ME2`.
pub fn parse_explicit(word: &str) -> Option<Accession> {
    let w = word.trim();
    let lower = w.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("emdb:") {
        let rest = rest.strip_prefix("emd-").or_else(|| rest.strip_prefix("emd_")).unwrap_or(rest);
        return EmdbId::new(rest).map(Accession::Emdb);
    }
    if let Some(rest) = lower.strip_prefix("pdb:") {
        return PdbId::new(rest).map(Accession::Pdb);
    }
    let digits = lower.strip_prefix("emd-").or_else(|| lower.strip_prefix("emd_"))?;
    EmdbId::new(digits).filter(|_| digits.len() >= 4).map(Accession::Emdb)
}

/// Whether a word that failed to parse was meant as an id (`emdb:34x8`, `pdb:5me`): such a
/// word gets "not a valid id" instead of "no such file".
pub fn looks_like_id(word: &str) -> bool {
    let l = word.trim().to_ascii_lowercase();
    l.starts_with("emdb:") || l.starts_with("pdb:")
}

/// What a typed word is: an id, or None for a path. An existing file of that name always
/// wins (relative names against `base`); a bare 4-character PDB id counts only where a model
/// or an id is expected.
pub fn classify(word: &str, slot: Slot, base: &Path) -> Option<Accession> {
    let w = word.trim();
    if w.is_empty() || base.join(w).exists() {
        return None;
    }
    parse_explicit(w).or_else(|| match slot {
        Slot::Model | Slot::Id => PdbId::new(w).map(Accession::Pdb),
        Slot::Map => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let emd = Some(Accession::Emdb(EmdbId::new("3488").unwrap()));
        for w in ["emdb:3488", "EMDB:3488", "emdb:EMD-3488", "EMD-3488", "emd-3488", "emd_3488", " EMD-3488 "] {
            assert_eq!(parse_explicit(w), emd, "{w}");
        }
        let pdb = Some(Accession::Pdb(PdbId::new("5me2").unwrap()));
        for w in ["pdb:5me2", "PDB:5ME2", "pdb:5Me2"] {
            assert_eq!(parse_explicit(w), pdb, "{w}");
        }
        for w in ["emdb:", "emdb:34a8", "EMD-34", "pdb:5me", "pdb:me22", "5me2", "map.mrc", "emd_3488.map"] {
            assert_eq!(parse_explicit(w), None, "{w}");
        }
        assert_eq!(EmdbId::new("1").unwrap().to_string(), "EMD-0001");
    }

    #[test]
    fn bare_pdb_only_as_model_and_never_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(classify("5ME2", Slot::Model, dir.path()), Some(Accession::Pdb(PdbId::new("5me2").unwrap())));
        assert_eq!(classify("5me2", Slot::Map, dir.path()), None);
        std::fs::write(dir.path().join("5me2"), "").unwrap();
        assert_eq!(classify("5me2", Slot::Model, dir.path()), None);
        std::fs::write(dir.path().join("EMD-3488"), "").unwrap();
        assert_eq!(classify("EMD-3488", Slot::Map, dir.path()), None);
        assert!(classify("emd_3488", Slot::Map, dir.path()).is_some());
    }

    #[test]
    fn archive_paths() {
        let e = EmdbId::new("3488").unwrap();
        assert_eq!(e.map_path(), "structures/EMD-3488/map/emd_3488.map.gz");
        assert_eq!(e.header_path(), "structures/EMD-3488/header/emd-3488.xml");
        let p = PdbId::new("5ME2").unwrap();
        assert_eq!(p.model_paths(), ["download/5me2.pdb1.gz".to_string(), "download/5me2.cif.gz".to_string()]);
    }
}
