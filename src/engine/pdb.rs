//! PDB fixed-column ATOM/HETATM records, every MODEL.
//!
//! Written by hand rather than with pdbtbx 0.12: at every strictness level pdbtbx refuses
//! real inputs of this data set (RCSB assembly files: "Atoms in Models not corresponding";
//! cropped models: "Could not find a bond partner"), panics on unknown space groups, and
//! regroups atoms by chain, losing the file order the published atom-type rule depends on.

use std::path::Path;

use glam::Vec3;

use super::error::ModelError;
use super::fixed_decimal::{parse_f32, parse_f64};
use super::model::{Atom, CompactString, RawAtom, element_from_name};

/// Whether `line` is an atom record, and whether a hetero one. Besides the standard
/// `ATOM  `/`HETATM`, serials of six decimal digits (`ATOM 100000`, `HETATM100000`, as
/// written past 99,999 atoms by some programs) push into the record name: the other fields
/// keep their columns.
fn atom_record(line: &str) -> Option<bool> {
    let b = line.as_bytes();
    if b.starts_with(b"HETATM") {
        return Some(true);
    }
    if b.starts_with(b"ATOM  ") || (b.starts_with(b"ATOM ") && b.get(5).is_some_and(u8::is_ascii_digit)) {
        return Some(false);
    }
    None
}

/// Lines that look like atom records but are not read (counted, never dropped silently).
fn atom_like(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() >= 4 && (b[..4].eq_ignore_ascii_case(b"ATOM") || b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"HETATM"))
}

/// An atom record found by the first pass: its text, whether hetero, its MODEL index and its
/// 0-based line number (both counted within its piece; [`parse`] makes them global).
struct AtomLine<'a> {
    line: &'a str,
    hetero: bool,
    model: u32,
    ln: usize,
}

/// What one piece of the file holds: its atom records, its MODEL records, its line count, the
/// atom-like lines not read (how many, the first one's number from 1 within the piece), and
/// the resolutions its REMARK 2 and REMARK 3 lines state (the first of each).
struct Piece<'a> {
    atoms: Vec<AtomLine<'a>>,
    models: u32,
    lines: usize,
    skipped: usize,
    first_skipped: Option<usize>,
    resolution: [Option<f32>; 2],
}

/// The records of `text`, numbered from the piece's start, so that no serial pass has to count
/// the file's lines first.
fn scan_piece(text: &str) -> Piece<'_> {
    // PDB records are 80 columns: room for every line being an atom record, so no regrowth
    let mut p = Piece {
        atoms: Vec::with_capacity(text.len() / 81 + 1),
        models: 0,
        lines: 0,
        skipped: 0,
        first_skipped: None,
        resolution: [None; 2],
    };
    for (k, line) in text.lines().enumerate() {
        p.lines = k + 1;
        if line.starts_with("MODEL") {
            p.models += 1;
            continue;
        }
        // ENDMDL: a following MODEL increments; atoms after ENDMDL without MODEL stay in this one
        let Some(hetero) = atom_record(line) else {
            if atom_like(line) {
                p.skipped += 1;
                p.first_skipped = p.first_skipped.or(Some(k + 1));
            } else if line.starts_with("REMARK") {
                for (r, v) in p.resolution.iter_mut().zip(remark_resolution(line)) {
                    *r = r.or(v);
                }
            }
            continue;
        };
        p.atoms.push(AtomLine { line, hetero, model: p.models, ln: k });
    }
    p
}

/// Pieces of about `size` bytes ending at line ends.
fn pieces(text: &str, size: usize) -> Vec<&str> {
    let (mut out, mut rest) = (Vec::new(), text);
    while !rest.is_empty() {
        let cut = match rest.as_bytes().get(size..).and_then(|b| b.iter().position(|&c| c == b'\n')) {
            Some(i) => size + i + 1,
            None => rest.len(),
        };
        let (piece, tail) = rest.split_at(cut);
        out.push(piece);
        rest = tail;
    }
    out
}

/// Atom records, the stated resolution, and warnings. Lines are independent, so the file is
/// read on the thread pool (parsing was a fifth of `label`'s whole process) in two passes:
/// pieces of the file find the atom records, then the records become atoms straight into the
/// one vector (rayon's indexed collect: no joining copy of the atoms); the first error in file
/// order is the one reported, as a serial read would.
pub(crate) fn parse(text: &str, path: &Path) -> Result<(Vec<RawAtom>, Option<f32>, Vec<String>), ModelError> {
    parse_in_pieces(text, path, (text.len() / (4 * rayon::current_num_threads())).max(1 << 16))
}

/// [`parse`] with pieces of about `size` bytes (a test cuts them line by line).
fn parse_in_pieces(
    text: &str,
    path: &Path,
    size: usize,
) -> Result<(Vec<RawAtom>, Option<f32>, Vec<String>), ModelError> {
    use rayon::prelude::*;
    let scanned: Vec<Piece> = pieces(text, size).into_par_iter().map(scan_piece).collect();
    // per piece: its first atom's index in the file, and the MODEL records and lines before it
    let mut starts = Vec::with_capacity(scanned.len());
    let (mut skipped, mut first_skipped, mut resolution) = (0, None, [None; 2]);
    let (mut atoms, mut models_before, mut lines_before) = (0usize, 0u32, 0usize);
    for p in &scanned {
        starts.push((atoms, models_before, lines_before));
        skipped += p.skipped;
        first_skipped = first_skipped.or(p.first_skipped.map(|l| l + lines_before));
        for (r, v) in resolution.iter_mut().zip(p.resolution) {
            *r = r.or(v);
        }
        atoms += p.atoms.len();
        models_before += p.models;
        lines_before += p.lines;
    }
    // the k-th atom record of the file, its MODEL index (the first MODEL opens model 0) and
    // line number: read through the pieces, with no joined copy of their records
    let record = |k: usize| {
        // an empty piece starts where the next one does: the last start at or before k holds k
        let p = starts.partition_point(|s| s.0 <= k) - 1;
        let (first, models, lines) = starts[p];
        let a = &scanned[p].atoms[k - first];
        (a, (models + a.model).saturating_sub(1), lines + a.ln)
    };
    let failed = std::sync::atomic::AtomicBool::new(false);
    let mut raw = Vec::new();
    (0..atoms)
        .into_par_iter()
        .map(|k| {
            let (a, model, _) = record(k);
            match position(a.line) {
                Ok(pos) => atom(a.line, a.hetero, model, pos),
                Err(_) => {
                    failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    RawAtom::placeholder()
                }
            }
        })
        .collect_into_vec(&mut raw);
    if failed.into_inner() {
        // errors are rare: find the first in file order again, serially
        let (line, ln, what) = (0..atoms)
            .find_map(|k| {
                let (a, _, ln) = record(k);
                position(a.line).err().map(|e| (a.line, ln, e))
            })
            .expect("a record that failed fails again");
        return Err(ModelError::Parse(path.to_path_buf(), format!("line {}: {what}: {line:?}", ln + 1)));
    }
    let mut warnings = Vec::new();
    if let Some(first) = first_skipped {
        warnings.push(format!("{skipped} ATOM/HETATM-like line(s) not read as atom records (first at line {first})"));
    }
    Ok((raw, resolution[0].or(resolution[1]), warnings))
}

/// `str::trim` for a column: the ASCII whitespace bytes are cut without decoding characters;
/// only a column with a non-ASCII character at an end is left to `str::trim` (the same result:
/// trimming is idempotent). `trim_ascii` would differ: it keeps U+000B, which `trim` cuts.
#[inline(always)]
fn trim(s: &str) -> &str {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    let b = s.as_bytes();
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    // ASCII bytes are character boundaries
    let t = &s[start..end];
    if t.as_bytes().first().is_some_and(|c| !c.is_ascii()) || t.as_bytes().last().is_some_and(|c| !c.is_ascii()) {
        t.trim()
    } else {
        t
    }
}

/// Columns `a..b` of `line`; "" where the line is shorter or the cut would split a character.
#[inline(always)]
fn col(line: &str, a: usize, b: usize) -> &str {
    line.get(a..b.min(line.len())).unwrap_or("")
}

/// The position of an atom record; the error says which coordinate is wrong (the caller adds
/// the line). Kept apart from [`atom`], whose other fields cannot fail, so that the parallel
/// read builds each record in place.
#[inline]
fn position(line: &str) -> Result<Vec3, String> {
    let coord = |a: usize, b: usize, what: &str| -> Result<f32, String> {
        let v = parse_f64(trim(col(line, a, b))).map_err(|_| format!("unreadable {what} coordinate"))?;
        if !v.is_finite() {
            return Err(format!("non-finite {what} coordinate"));
        }
        Ok(v as f32)
    };
    Ok(Vec3::new(coord(30, 38, "x")?, coord(38, 46, "y")?, coord(46, 54, "z")?))
}

/// One atom record at `pos`.
#[inline]
fn atom(line: &str, hetero: bool, model: u32, pos: Vec3) -> RawAtom {
    let col = |a: usize, b: usize| col(line, a, b);
    let name_field = col(12, 16);
    let res_name = trim(col(17, 20));
    let element = {
        let e = trim(col(76, 78));
        if !e.is_empty() && e.bytes().all(|c| c.is_ascii_uppercase()) {
            CompactString::from(e) // as written, the usual case
        } else if !e.is_empty() && e.chars().all(|c| c.is_ascii_alphabetic()) {
            let mut e = CompactString::from(e);
            e.make_ascii_uppercase();
            e
        } else {
            element_from_name(name_field, res_name)
        }
    };
    RawAtom {
        atom: Atom {
            pos,
            name: trim(name_field).into(),
            element,
            res_name: res_name.into(),
            // two-character chain ids occupy columns 21-22 (gemmi writes them past 62 chains)
            chain: trim(col(20, 22)).into(),
            res_seq: parse_hybrid36(trim(col(22, 26))).unwrap_or(0),
            ins_code: col(26, 27).chars().next().filter(|c| !c.is_whitespace()),
            hetero,
            occupancy: parse_f32(trim(col(54, 60))).unwrap_or(1.0),
            b_factor: parse_f32(trim(col(60, 66))).unwrap_or(0.0),
            model,
        },
        altloc: col(16, 17).chars().next().unwrap_or(' '),
        group: 0,
        name_field: {
            let mut f = [b' '; 4];
            for (d, c) in f.iter_mut().zip(name_field.bytes()) {
                *d = c;
            }
            f
        },
    }
}

/// Residue numbers beyond 9999 use hybrid-36 ("A000" = 10000).
pub(crate) fn parse_hybrid36(s: &str) -> Option<isize> {
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

/// The resolution a REMARK line states: REMARK 2 `RESOLUTION.`, REMARK 3 `RESOLUTION RANGE
/// HIGH (ANGSTROMS)` (PDB-REDO files have no REMARK 2); the first of each kind in the file
/// counts, REMARK 2 before REMARK 3.
fn remark_resolution(line: &str) -> [Option<f32>; 2] {
    ["REMARK   2 RESOLUTION.", "REMARK   3   RESOLUTION RANGE HIGH (ANGSTROMS)"].map(|prefix| {
        let v = line.strip_prefix(prefix)?.trim_start_matches([' ', ':']).split_whitespace().next()?;
        v.parse::<f32>().ok().filter(|r| r.is_finite() && *r > 0.0)
    })
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

    /// Pieces of one line each give the serial reading: MODEL numbers, the skipped lines'
    /// numbers, and the line of the first error.
    #[test]
    fn pieces_read_as_one() {
        let atom = |x: &str| format!("ATOM      1  CA  ALA A   1    {x:>8}   1.000   1.000  1.00  0.00           C\n");
        let text = format!(
            "{}MODEL        1\n{}{}ENDMDL\nMODEL        2\natom garbage\n{}ENDMDL\n",
            atom("1.000"),
            atom("2.000"),
            atom("3.000"),
            atom("4.000")
        );
        let p = Path::new("t.pdb");
        let read = |size| {
            let (raw, _, w) = parse_in_pieces(&text, p, size).unwrap();
            (raw.iter().map(|r| (r.atom.model, r.atom.pos.x)).collect::<Vec<_>>(), w)
        };
        let whole = read(usize::MAX);
        assert_eq!(whole.0, vec![(0, 1.0), (0, 2.0), (0, 3.0), (1, 4.0)]);
        assert!(whole.1[0].contains("first at line 7"), "{:?}", whole.1);
        assert_eq!(read(1), whole);
        let bad = text.replace("   3.000", "   x.000");
        let e = |size| parse_in_pieces(&bad, p, size).err().unwrap().to_string();
        assert!(e(usize::MAX).contains("line 4:"), "{}", e(usize::MAX));
        assert_eq!(e(1), e(usize::MAX));
    }

    #[test]
    fn record_names() {
        assert_eq!(atom_record("ATOM      1  N"), Some(false));
        assert_eq!(atom_record("ATOM 100000  N"), Some(false));
        assert_eq!(atom_record("HETATM100000 FE"), Some(true));
        assert_eq!(atom_record("ATOMS"), None);
        assert!(atom_like("atom      1"));
    }

    #[test]
    fn remark_3_resolution() {
        let t =
            "REMARK   3   RESOLUTION RANGE HIGH (ANGSTROMS) :   3.29\nREMARK   3   BIN RESOLUTION RANGE HIGH : 3.291\n";
        let resolution = |t: &str| parse_in_pieces(t, Path::new("t.pdb"), 1).unwrap().1;
        assert_eq!(resolution(t), Some(3.29));
        assert_eq!(resolution("REMARK   2 RESOLUTION.    1.54 ANGSTROMS.\n"), Some(1.54));
        assert_eq!(resolution("REMARK   2 RESOLUTION. NOT APPLICABLE.\n"), None);
        // REMARK 2 wins wherever it comes
        assert_eq!(resolution(&format!("{t}REMARK   2 RESOLUTION.    1.54 ANGSTROMS.\n")), Some(1.54));
    }
}
