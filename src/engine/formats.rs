//! The one registry of the file formats cryolabel reads: extensions, content sniffers,
//! dialog filters and compression by magic bytes (the layout of gemmi's `mmread.hpp`).
//!
//! Content decides, not the name: a CCP4 mask named `.msk`, a tomogram named `.rec` or `.st`,
//! or a map without an extension is a map because its header says so. The name is consulted
//! only when the content is too damaged to tell, so a broken `.mrc` still reaches the map
//! reader and gets its precise error. Adding a format, an extension or a compression is one
//! edit here; `info`, the viewer's open dialog and drag-and-drop, `batch` folder scanning and
//! `report` all ask this module.

use std::io::Read;
use std::path::{Path, PathBuf};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Map,
    Model,
}

/// One format: its kind, a name for messages, and the extensions it is saved under, in
/// order of preference (`report` takes the first model found in this order).
pub struct Format {
    pub kind: Kind,
    pub name: &'static str,
    pub extensions: &'static [&'static str],
}

/// Every format, in order of preference within a kind.
pub const FORMATS: &[Format] = &[
    Format {
        kind: Kind::Map,
        name: "MRC/CCP4 map",
        extensions: &["mrc", "map", "ccp4", "mrcs", "rec", "st", "ali", "msk"],
    },
    Format {
        kind: Kind::Model,
        name: "PDB assembly (RCSB)",
        extensions: &["pdb1", "pdb2", "pdb3", "pdb4", "pdb5", "pdb6", "pdb7", "pdb8", "pdb9"],
    },
    Format { kind: Kind::Model, name: "mmCIF", extensions: &["cif", "mmcif"] },
    Format { kind: Kind::Model, name: "PDB", extensions: &["pdb", "ent"] },
];

/// How a file's bytes are compressed, told by their first bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Bzip2,
}

/// (compression, magic bytes, extension).
const COMPRESSIONS: &[(Compression, &[u8], &str)] =
    &[(Compression::Gzip, &[0x1f, 0x8b], "gz"), (Compression::Bzip2, b"BZh", "bz2")];

impl Compression {
    /// From the file's first bytes.
    pub fn of(head: &[u8]) -> Compression {
        COMPRESSIONS.iter().find(|(_, magic, _)| head.starts_with(magic)).map(|c| c.0).unwrap_or_default()
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// The decompressing reader (every member of a multi-member stream, as `gzip -d` does).
    pub fn decoder<'a>(self, r: impl Read + 'a) -> Box<dyn Read + 'a> {
        match self {
            Compression::None => Box::new(r),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        }
    }

    /// How many times larger than the compressed bytes the output may reasonably be: bounds
    /// the buffer reserved up front, so a lying header cannot reserve gigabytes for a small
    /// file (the buffer still grows if the data really is that compressible).
    pub fn reserve_ratio(self) -> u64 {
        match self {
            Compression::None => 1,
            // deflate's hard limit
            Compression::Gzip => 1032,
            // bzip2 has no useful hard limit; this only sizes the first allocation
            Compression::Bzip2 => 64,
        }
    }
}

/// Open a file and decompress it by its magic bytes.
pub fn open(path: &Path) -> std::io::Result<(Box<dyn Read>, Compression)> {
    let mut magic = [0u8; 3];
    let got = read_up_to(&mut std::fs::File::open(path)?, &mut magic)?;
    let c = Compression::of(&magic[..got]);
    Ok((c.decoder(std::fs::File::open(path)?), c))
}

/// Read up to `buf.len()` bytes (fewer only at the end of the stream).
pub fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Why a file's format could not be told.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{}: cannot read: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    #[error("{}: unknown format: {}", .0.display(), .1)]
    Unknown(PathBuf, String),
}

/// Bytes of (decompressed) content the sniffers look at: a map header is 1024; a PDB or mmCIF
/// file shows what it is in its first line that is not blank or a comment.
const SNIFF: usize = 4096;

/// Map or model: by content, else by name, else an error saying what the file looks like.
pub fn identify(path: &Path) -> Result<Kind, FormatError> {
    let io = |e| FormatError::Io(path.to_path_buf(), e);
    let (mut r, c) = open(path).map_err(io)?;
    let mut head = vec![0u8; SNIFF];
    // A damaged stream is left to the reader the name points to, which names the damage.
    let got = read_up_to(&mut r, &mut head);
    head.truncate(*got.as_ref().unwrap_or(&0));
    sniff(&head).or_else(|| kind_by_name(path)).ok_or_else(|| {
        FormatError::Unknown(
            path.to_path_buf(),
            match got {
                Err(e) => format!("starts like {} but cannot be decompressed: {e}", c.name()),
                Ok(_) => describe(&head, c),
            },
        )
    })
}

/// The kind the content shows, if it shows one.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    if is_map_header(head) {
        return Some(Kind::Map);
    }
    // the text up to the first byte that is not UTF-8 (a character cut at the end of the
    // sniffed bytes, a Latin-1 REMARK); binary data gives none
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
    };
    (is_mmcif(text) || is_pdb(text)).then_some(Kind::Model)
}

/// An MRC/CCP4 header: the "MAP " stamp at byte 208, or (old-style headers without it)
/// positive dimensions and a MAPC/MAPR/MAPS permutation of 1,2,3 in either byte order.
pub fn is_map_header(head: &[u8]) -> bool {
    if head.len() < 1024 {
        return false;
    }
    if &head[208..212] == b"MAP " {
        return true;
    }
    [i32::from_le_bytes, i32::from_be_bytes].iter().any(|word| {
        let w = |i: usize| word([head[4 * i], head[4 * i + 1], head[4 * i + 2], head[4 * i + 3]]);
        let mut axes = [w(16), w(17), w(18)];
        axes.sort();
        (0..3).all(|i| (1..=1 << 24).contains(&w(i))) && axes == [1, 2, 3]
    })
}

/// mmCIF: the first line that is not blank or a comment opens a `data_` block, or the text
/// holds an `_atom_site.` category.
pub fn is_mmcif(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.get(..5).is_some_and(|k| k.eq_ignore_ascii_case("data_")))
        || text.contains("\n_atom_site.")
}

/// Record names a PDB file starts with (wwPDB format 3.3, plus what programs write first).
const PDB_RECORDS: &[&str] = &[
    "HEADER", "OBSLTE", "TITLE ", "SPLIT ", "CAVEAT", "COMPND", "SOURCE", "KEYWDS", "EXPDTA", "NUMMDL", "MDLTYP",
    "AUTHOR", "REVDAT", "SPRSDE", "JRNL  ", "REMARK", "DBREF ", "SEQADV", "SEQRES", "MODRES", "HET   ", "HETNAM",
    "FORMUL", "HELIX ", "SHEET ", "SSBOND", "LINK  ", "CISPEP", "CRYST1", "ORIGX1", "SCALE1", "MTRIX1", "MODEL ",
    "ATOM  ", "HETATM", "ANISOU", "TER   ",
];

/// PDB: the first non-blank line is a PDB record.
fn is_pdb(text: &str) -> bool {
    text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| {
        let rec = format!("{:<6}", l.get(..6.min(l.len())).unwrap_or(""));
        PDB_RECORDS.contains(&rec.as_str())
    })
}

/// What a file that is neither a map nor a model looks like, for the error message.
pub fn describe(head: &[u8], c: Compression) -> String {
    let shown: Vec<String> = head.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let text: String =
        head.iter().take(16).map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
    let unpacked = if c == Compression::None { String::new() } else { format!(" after {} decompression", c.name()) };
    let mut s = format!("starts with bytes {} (\"{text}\"){unpacked}, not a map (", shown.join(" "));
    if head.len() < 1024 {
        s += &format!("only {} bytes, a map header has 1024", head.len());
    } else {
        let w = |i: usize| i32::from_le_bytes([head[4 * i], head[4 * i + 1], head[4 * i + 2], head[4 * i + 3]]);
        s += &format!("no MAP stamp, mode {}, axis order {},{},{}", w(3), w(16), w(17), w(18));
    }
    s + ") nor a model (no PDB record or mmCIF data_ block)"
}

/// The file name without a compression suffix and a known format extension, and the kind that
/// extension names: `emd_1.map.gz` gives ("emd_1", Some(Map)); `notes.txt` gives ("notes.txt", None).
pub fn split_name(name: &str) -> (&str, Option<Kind>) {
    let lower = name.to_ascii_lowercase();
    let mut end = name.len();
    if let Some(&(_, _, ext)) = COMPRESSIONS.iter().find(|(_, _, e)| lower.ends_with(&format!(".{e}"))) {
        end -= ext.len() + 1;
    }
    for f in FORMATS {
        for ext in f.extensions {
            if lower[..end].ends_with(&format!(".{ext}")) {
                return (&name[..end - ext.len() - 1], Some(f.kind));
            }
        }
    }
    (name, None)
}

/// The kind a path's name suggests.
pub fn kind_by_name(path: &Path) -> Option<Kind> {
    split_name(&path.file_name()?.to_string_lossy()).1
}

/// Rank of a path's extension in the registry (lower is preferred); unknown names rank last.
pub fn preference(path: &Path) -> usize {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let (stem, _) = split_name(&name);
    let ext = name[stem.len()..].trim_start_matches('.').split('.').next().unwrap_or("");
    FORMATS.iter().flat_map(|f| f.extensions.iter()).position(|e| *e == ext).unwrap_or(usize::MAX)
}

/// File-dialog filters for a kind (or both): every extension, plus the compressed ones. A
/// dialog filters on the last extension only, so `gz` and `bz2` are offered as such; the
/// content decides what they are.
pub fn dialog_filter(kind: Option<Kind>) -> (&'static str, Vec<&'static str>) {
    let label = match kind {
        Some(Kind::Map) => "Map",
        Some(Kind::Model) => "Model",
        None => "Map or model",
    };
    let mut exts: Vec<&'static str> = FORMATS
        .iter()
        .filter(|f| kind.is_none_or(|k| k == f.kind))
        .flat_map(|f| f.extensions.iter().copied())
        .collect();
    exts.extend(COMPRESSIONS.iter().map(|c| c.2));
    (label, exts)
}

/// Every extension of a kind, for help texts ("mrc, map, ccp4, ...; gz, bz2").
pub fn extensions_text(kind: Kind) -> String {
    let (_, exts) = dialog_filter(Some(kind));
    exts.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_stem_and_kind() {
        assert_eq!(split_name("emd_1.map.gz"), ("emd_1", Some(Kind::Map)));
        assert_eq!(split_name("EMD-3197.MAP.BZ2"), ("EMD-3197", Some(Kind::Map)));
        assert_eq!(split_name("t.rec"), ("t", Some(Kind::Map)));
        assert_eq!(split_name("5me2.pdb1"), ("5me2", Some(Kind::Model)));
        assert_eq!(split_name("x.ent.gz"), ("x", Some(Kind::Model)));
        assert_eq!(split_name("notes.txt"), ("notes.txt", None));
        assert!(preference(Path::new("a.pdb1")) < preference(Path::new("a.cif")));
        assert!(preference(Path::new("a.cif.gz")) < preference(Path::new("a.pdb")));
    }

    #[test]
    fn content_decides() {
        let mut h = vec![0u8; 1024];
        assert_eq!(sniff(&h), None);
        h[208..212].copy_from_slice(b"MAP ");
        assert_eq!(sniff(&h), Some(Kind::Map));
        let mut old = vec![0u8; 1024];
        for (i, v) in [10i32, 20, 30, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2].iter().enumerate() {
            old[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
        }
        assert_eq!(sniff(&old), Some(Kind::Map), "old-style big-endian header");
        assert_eq!(sniff(b"HEADER    PROTEIN\nATOM      1  N   MET A   1"), Some(Kind::Model));
        assert_eq!(sniff(b"# written by x\ndata_1ABC\nloop_\n"), Some(Kind::Model));
        assert_eq!(sniff(b"id,map,model\n"), None);
        let d = describe(b"PK\x03\x04zip", Compression::None);
        assert!(d.starts_with("starts with bytes 50 4b 03 04"), "{d}");
        assert!(d.contains("nor a model"), "{d}");
    }

    #[test]
    fn filters_cover_every_extension() {
        let (_, all) = dialog_filter(None);
        for e in ["mrc", "rec", "mrcs", "msk", "st", "pdb", "ent", "pdb1", "cif", "gz", "bz2"] {
            assert!(all.contains(&e), "{e}");
        }
        assert!(!dialog_filter(Some(Kind::Map)).1.contains(&"pdb"));
    }
}
