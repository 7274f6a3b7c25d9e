//! Writing a model back out: PDB format (one MODEL per copy, like RCSB `.pdb1` assembly files)
//! where the format can hold it, mmCIF otherwise. Small hand writers: only the atom records
//! and the resolution travel, which is all the data set uses.

use std::fmt::Write as _;

use super::model::Model;

/// Why a model does not fit PDB format, if it does not.
pub fn pdb_unfit(model: &Model) -> Option<String> {
    if model.atoms.len() > 99_999 {
        return Some(format!("{} atoms, more than PDB format's 99,999", model.atoms.len()));
    }
    for a in &model.atoms {
        if a.chain.chars().count() > 1 {
            return Some(format!("chain id {:?} is longer than PDB format's one character", a.chain));
        }
        if a.name.len() > 4 || a.res_name.len() > 3 {
            return Some(format!("atom {:?} of residue {:?} does not fit PDB's name columns", a.name, a.res_name));
        }
        if !(-999..=9999).contains(&a.res_seq) {
            return Some(format!("residue number {} does not fit PDB's four columns", a.res_seq));
        }
        let p = [a.pos.x, a.pos.y, a.pos.z];
        if p.iter().any(|c| !(-999.999..=9999.999).contains(c)) {
            return Some(format!("coordinate {p:?} does not fit PDB's eight columns"));
        }
    }
    None
}

/// PDB text with one MODEL per copy (Atom.model), REMARK 2 carrying the resolution.
/// Call `pdb_unfit` first: fields that do not fit are not checked again here.
pub fn to_pdb(model: &Model, resolution: Option<f64>) -> String {
    let mut s = String::with_capacity(model.atoms.len() * 82 + 256);
    s.push_str("REMARK   1 WRITTEN BY CRYOLABEL\n");
    if let Some(r) = resolution {
        let _ = writeln!(s, "REMARK   2 RESOLUTION. {r:7.2} ANGSTROMS.");
    }
    let mut current: Option<u32> = None;
    for (i, a) in model.atoms.iter().enumerate() {
        if current != Some(a.model) {
            if current.is_some() {
                s.push_str("ENDMDL\n");
            }
            let _ = writeln!(s, "MODEL     {:>4}", a.model + 1);
            current = Some(a.model);
        }
        // one-letter elements start in column 14 unless the name fills all four columns
        let name =
            if a.name.len() < 4 && a.element.len() < 2 { format!(" {:<3}", a.name) } else { format!("{:<4}", a.name) };
        let _ = writeln!(
            s,
            "{:<6}{:>5} {}{}{:>3} {:1}{:>4}{}   {:8.3}{:8.3}{:8.3}{:6.2}{:6.2}          {:>2}",
            if a.hetero { "HETATM" } else { "ATOM" },
            (i + 1) % 100_000,
            name,
            ' ',
            a.res_name,
            a.chain,
            a.res_seq,
            a.ins_code.unwrap_or(' '),
            a.pos.x,
            a.pos.y,
            a.pos.z,
            a.occupancy,
            a.b_factor,
            a.element
        );
    }
    if current.is_some() {
        s.push_str("ENDMDL\n");
    }
    s.push_str("END\n");
    s
}

/// A CIF value, quoted when it must be.
fn cif(v: &str) -> String {
    if v.is_empty() {
        return "?".into();
    }
    let plain = !v.contains(char::is_whitespace)
        && !v.starts_with(['_', '#', '$', '\'', '"', '[', ']', ';'])
        && !matches!(v.to_ascii_lowercase().as_str(), "loop_" | "stop_" | "global_")
        && !v.to_ascii_lowercase().starts_with("data_")
        && !v.to_ascii_lowercase().starts_with("save_");
    if plain {
        v.into()
    } else if !v.contains('\'') {
        format!("'{v}'")
    } else {
        format!("\"{v}\"")
    }
}

/// mmCIF text: one `_atom_site` loop (every copy, numbered by `pdbx_PDB_model_num`) and the
/// resolution as `_em_3d_reconstruction.resolution`. The columns are those gemmi needs to
/// build a structure (it reads nothing from a loop lacking `label_alt_id` or the auth ids).
pub fn to_mmcif(model: &Model, id: &str, resolution: Option<f64>) -> String {
    let mut s = String::with_capacity(model.atoms.len() * 110 + 1024);
    let _ = writeln!(s, "data_{}\n#", id.replace(char::is_whitespace, "_"));
    if let Some(r) = resolution {
        let _ = writeln!(s, "_em_3d_reconstruction.resolution {r}\n#");
    }
    s.push_str("loop_\n");
    for t in [
        "group_PDB",
        "id",
        "type_symbol",
        "label_atom_id",
        "label_alt_id",
        "label_comp_id",
        "label_asym_id",
        "label_seq_id",
        "pdbx_PDB_ins_code",
        "Cartn_x",
        "Cartn_y",
        "Cartn_z",
        "occupancy",
        "B_iso_or_equiv",
        "auth_seq_id",
        "auth_comp_id",
        "auth_asym_id",
        "auth_atom_id",
        "pdbx_PDB_model_num",
    ] {
        let _ = writeln!(s, "_atom_site.{t}");
    }
    for (i, a) in model.atoms.iter().enumerate() {
        let (name, res, chain) = (cif(&a.name), cif(&a.res_name), cif(&a.chain));
        let _ = writeln!(
            s,
            "{} {} {} {name} . {res} {chain} {} {} {:.3} {:.3} {:.3} {:.2} {:.2} {} {res} {chain} {name} {}",
            if a.hetero { "HETATM" } else { "ATOM" },
            i + 1,
            cif(&a.element),
            a.res_seq,
            a.ins_code.map_or("?".to_string(), |c| cif(&c.to_string())),
            a.pos.x,
            a.pos.y,
            a.pos.z,
            a.occupancy,
            a.b_factor,
            a.res_seq,
            a.model + 1
        );
    }
    s.push_str("#\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::parse_model;
    use std::path::Path;

    const PDB: &str = "\
ATOM      1  N   ALA A   1      10.000  10.000  10.000  1.00 10.00           N
ATOM      2  CA  ALA A   1      11.000  10.000  10.000  1.00 10.00           C
HETATM    3 FE   HEM B   2      12.000 -10.000 100.500  0.50 20.00          FE
END
";

    #[test]
    fn pdb_and_mmcif_round_trip() {
        let m = parse_model(PDB.as_bytes(), Path::new("t.pdb")).unwrap();
        assert!(pdb_unfit(&m).is_none());
        for (text, name) in [(to_pdb(&m, Some(3.2)), "a.pdb"), (to_mmcif(&m, "t", Some(3.2)), "a.cif")] {
            let back = parse_model(text.as_bytes(), Path::new(name)).unwrap();
            assert_eq!(back.atoms, m.atoms, "{name}:\n{text}");
            assert_eq!(back.resolution, Some(3.2), "{name}");
        }
    }

    #[test]
    fn long_chain_ids_need_mmcif() {
        let mut m = parse_model(PDB.as_bytes(), Path::new("t.pdb")).unwrap();
        m.atoms[0].chain = "AA".into();
        assert!(pdb_unfit(&m).unwrap().contains("chain"));
    }
}
