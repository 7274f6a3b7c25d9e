//! Covalent bonds of a model, for drawing atoms as sticks.
//!
//! Standard residues (the 20 amino acids, MSE, and RNA/DNA nucleotides) take their bonds from
//! templates (atom-name pairs), plus the peptide C–N and phosphodiester O3'–P links to the next
//! residue. Everything else (ligands, hydrogens, atoms a template does not name, disulfides)
//! is bonded by covalent radii: d <= r1 + r2 + 0.4 Å, ChimeraX's (and Chimera's) tolerance.
//! Metal ions are never bonded (ChimeraX shows coordination as pseudobonds, which we do not
//! draw), and nothing bonds across MODELs or to a water of another residue.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use glam::Vec3;

use super::model::Atom;

/// ChimeraX's bond-length tolerance for the covalent-radius rule, Å.
pub const TOLERANCE: f32 = 0.4;

const BACKBONE: &str = "N-CA CA-C C-O C-OXT";
const SUGAR: &str = "P-OP1 P-OP2 P-O1P P-O2P P-O5' O5'-C5' C5'-C4' C4'-O4' C4'-C3' C3'-O3' C3'-C2' C2'-C1' \
                     C1'-O4' C2'-O2'";
const PURINE: &str = "C1'-N9 N9-C8 C8-N7 N7-C5 C5-C6 C6-N1 N1-C2 C2-N3 N3-C4 C4-C5 C4-N9";
const PYRIMIDINE: &str = "C1'-N1 N1-C2 C2-O2 C2-N3 N3-C4 C4-C5 C5-C6 C6-N1";

/// Side-chain (or base) bonds of each standard residue, as "A-B" atom-name pairs.
fn side_chain(res: &str) -> Option<(&'static str, &'static [&'static str])> {
    const PHE: &str = "CA-CB CB-CG CG-CD1 CG-CD2 CD1-CE1 CD2-CE2 CE1-CZ CE2-CZ";
    let aa = |s: &'static [&'static str]| Some((BACKBONE, s));
    let na = |s: &'static [&'static str]| Some((SUGAR, s));
    match res {
        "GLY" => aa(&[]),
        "ALA" => aa(&["CA-CB"]),
        "ARG" => aa(&["CA-CB CB-CG CG-CD CD-NE NE-CZ CZ-NH1 CZ-NH2"]),
        "ASN" => aa(&["CA-CB CB-CG CG-OD1 CG-ND2"]),
        "ASP" => aa(&["CA-CB CB-CG CG-OD1 CG-OD2"]),
        "CYS" => aa(&["CA-CB CB-SG"]),
        "GLN" => aa(&["CA-CB CB-CG CG-CD CD-OE1 CD-NE2"]),
        "GLU" => aa(&["CA-CB CB-CG CG-CD CD-OE1 CD-OE2"]),
        "HIS" => aa(&["CA-CB CB-CG CG-ND1 CG-CD2 ND1-CE1 CE1-NE2 NE2-CD2"]),
        "ILE" => aa(&["CA-CB CB-CG1 CB-CG2 CG1-CD1"]),
        "LEU" => aa(&["CA-CB CB-CG CG-CD1 CG-CD2"]),
        "LYS" => aa(&["CA-CB CB-CG CG-CD CD-CE CE-NZ"]),
        "MET" => aa(&["CA-CB CB-CG CG-SD SD-CE"]),
        "MSE" => aa(&["CA-CB CB-CG CG-SE SE-CE"]),
        "PHE" => aa(&[PHE]),
        "PRO" => aa(&["CA-CB CB-CG CG-CD CD-N"]),
        "SER" => aa(&["CA-CB CB-OG"]),
        "THR" => aa(&["CA-CB CB-OG1 CB-CG2"]),
        "TRP" => aa(&["CA-CB CB-CG CG-CD1 CG-CD2 CD1-NE1 NE1-CE2 CD2-CE2 CD2-CE3 CE2-CZ2 CE3-CZ3 CZ2-CH2 CZ3-CH2"]),
        "TYR" => aa(&[PHE, "CZ-OH"]),
        "VAL" => aa(&["CA-CB CB-CG1 CB-CG2"]),
        "A" | "DA" => na(&[PURINE, "C6-N6"]),
        "G" | "DG" => na(&[PURINE, "C6-O6 C2-N2"]),
        "C" | "DC" => na(&[PYRIMIDINE, "C4-N4"]),
        "U" => na(&[PYRIMIDINE, "C4-O4"]),
        "DT" => na(&[PYRIMIDINE, "C4-O4 C5-C7 C5-C5M"]),
        _ => None,
    }
}

/// Covalent radius in Å (Cordero et al. 2008, rounded), or None for metals, which are not bonded.
pub fn covalent_radius(element: &str) -> Option<f32> {
    Some(match element {
        "H" | "D" => 0.31,
        "C" => 0.76,
        "N" => 0.71,
        "O" => 0.66,
        "S" => 1.05,
        "P" => 1.07,
        "SE" => 1.20,
        "F" => 0.57,
        "CL" => 1.02,
        "BR" => 1.20,
        "I" => 1.39,
        "B" => 0.84,
        "SI" => 1.11,
        "AS" => 1.19,
        "NA" | "MG" | "K" | "CA" | "MN" | "FE" | "CO" | "NI" | "CU" | "ZN" | "CD" | "HG" | "SR" | "BA" | "LI"
        | "AL" | "PT" | "AU" | "AG" | "PB" | "CS" | "RB" | "MO" | "W" | "V" | "CR" | "GD" | "YB" | "TB" => {
            return None;
        }
        _ => 0.76,
    })
}

/// What `bonds` found and how.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bonds {
    /// Atom index pairs (i < j), each bond once.
    pub pairs: Vec<[u32; 2]>,
    /// Bonds that came from residue templates and links.
    pub from_templates: usize,
    /// Bonds that came from the covalent-radius rule.
    pub from_radii: usize,
}

/// Same residue: same model, chain, number and name.
fn same_residue(a: &Atom, b: &Atom) -> bool {
    a.model == b.model && a.res_seq == b.res_seq && a.chain == b.chain && a.res_name == b.res_name
}

fn in_template(a: &Atom) -> bool {
    side_chain(&a.res_name).is_some_and(|(main, side)| {
        let named = |s: &str| s.split([' ', '-']).any(|n| n == a.name);
        named(main) || side.iter().any(|s| named(s))
    })
}

/// The bonds of `atoms` (see the module comment for the rules).
pub fn bonds(atoms: &[Atom]) -> Bonds {
    bonds_cancellable(atoms, &std::sync::atomic::AtomicBool::new(false)).unwrap_or_default()
}

/// As [`bonds`], checking `cancel` every 4,096 atoms: None when it was set (a viewer finding
/// bonds in the background drops a model's search when another model replaces it).
pub fn bonds_cancellable(atoms: &[Atom], cancel: &std::sync::atomic::AtomicBool) -> Option<Bonds> {
    let stop = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    let mut out = Bonds::default();
    let mut seen = FxHashSet::default();
    let mut add = |i: usize, j: usize, template: bool, out: &mut Bonds| {
        let p = [i.min(j) as u32, i.max(j) as u32];
        if i != j && seen.insert(p) {
            out.pairs.push(p);
            if template {
                out.from_templates += 1;
            } else {
                out.from_radii += 1;
            }
        }
    };
    // Templates, residue by residue (consecutive atoms of one residue).
    let mut start = 0;
    let mut prev: Option<(usize, usize)> = None;
    let mut checked = 0;
    while start < atoms.len() {
        if start >= checked {
            if stop() {
                return None;
            }
            checked = start + 4096;
        }
        let mut end = start + 1;
        while end < atoms.len() && same_residue(&atoms[start], &atoms[end]) {
            end += 1;
        }
        let res = &atoms[start..end];
        if let Some((main, side)) = side_chain(&res[0].res_name) {
            let find = |name: &str| res.iter().position(|a| a.name == name).map(|k| start + k);
            for pair in std::iter::once(main).chain(side.iter().copied()).flat_map(|s| s.split(' ')) {
                if let Some((a, b)) = pair.split_once('-')
                    && let (Some(i), Some(j)) = (find(a), find(b))
                    && atoms[i].pos.distance(atoms[j].pos) < 2.5
                {
                    add(i, j, true, &mut out);
                }
            }
            // Link to the previous residue of the same chain: peptide C-N or O3'-P.
            if let Some((ps, pe)) = prev {
                let p = &atoms[ps..pe];
                let link = |from: &str, to: &str| {
                    let i = p.iter().position(|a| a.name == from).map(|k| ps + k)?;
                    let j = find(to)?;
                    (atoms[i].chain == atoms[j].chain
                        && atoms[i].model == atoms[j].model
                        && atoms[i].pos.distance(atoms[j].pos) < 2.0)
                        .then_some((i, j))
                };
                if let Some((i, j)) = link("C", "N").or_else(|| link("O3'", "P")) {
                    add(i, j, true, &mut out);
                }
            }
            prev = Some((start, end));
        } else {
            prev = None;
        }
        start = end;
    }
    radius_bonds(atoms, &stop, |i, j| add(i, j, false, &mut out)).then_some(out)
}

/// Pairs bonded by the covalent-radius rule: same model; at least one atom that no template
/// names (or both cysteine SG: disulfides); never a water to another residue. False when
/// `stop` said so (checked every 4,096 atoms).
fn radius_bonds(atoms: &[Atom], stop: &dyn Fn() -> bool, mut add: impl FnMut(usize, usize)) -> bool {
    const CELL: f32 = 3.0;
    let radius: Vec<Option<f32>> = atoms.iter().map(|a| covalent_radius(&a.element)).collect();
    let templated: Vec<bool> = atoms.iter().map(in_template).collect();
    let cell = |p: Vec3| (p / CELL).floor().as_ivec3();
    let mut cells: HashMap<glam::IVec3, Vec<u32>> = HashMap::default();
    for (i, a) in atoms.iter().enumerate() {
        if radius[i].is_some() && a.pos.is_finite() {
            cells.entry(cell(a.pos)).or_default().push(i as u32);
        }
    }
    let water = |a: &Atom| matches!(a.res_name.as_str(), "HOH" | "WAT" | "DOD");
    for (i, a) in atoms.iter().enumerate() {
        if i % 4096 == 0 && stop() {
            return false;
        }
        let Some(ri) = radius[i] else { continue };
        if !a.pos.is_finite() {
            continue;
        }
        let c = cell(a.pos);
        for dz in -1..=1 {
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let Some(list) = cells.get(&(c + glam::IVec3::new(dx, dy, dz))) else { continue };
                    for &j in list {
                        let j = j as usize;
                        if j <= i {
                            continue;
                        }
                        let b = &atoms[j];
                        let same = same_residue(a, b);
                        let disulfide = a.name == "SG" && b.name == "SG";
                        let wanted = a.model == b.model
                            && (disulfide || !(templated[i] && templated[j]))
                            && (same || !(water(a) || water(b)));
                        let rj = radius[j].unwrap_or(0.0);
                        if wanted && a.pos.distance(b.pos) <= ri + rj + TOLERANCE {
                            add(i, j);
                        }
                    }
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str, el: &str, res: &str, seq: isize, p: [f32; 3]) -> Atom {
        Atom { res_seq: seq, ..Atom::new(name, el, res, Vec3::from(p)) }
    }

    fn has(b: &Bonds, i: u32, j: u32) -> bool {
        b.pairs.contains(&[i.min(j), i.max(j)])
    }

    #[test]
    fn template_bonds_follow_names_not_distance_and_peptide_links_residues() {
        // Two alanines along x; the CB of residue 1 sits 1.53 Å from CA, the O 1.23 Å from C.
        let atoms = vec![
            at("N", "N", "ALA", 1, [0.0, 0.0, 0.0]),
            at("CA", "C", "ALA", 1, [1.46, 0.0, 0.0]),
            at("C", "C", "ALA", 1, [2.0, 1.42, 0.0]),
            at("O", "O", "ALA", 1, [1.3, 2.43, 0.0]),
            at("CB", "C", "ALA", 1, [1.96, -0.8, 1.2]),
            at("N", "N", "ALA", 2, [3.33, 1.5, 0.0]),
            at("CA", "C", "ALA", 2, [4.0, 2.8, 0.0]),
        ];
        let b = bonds(&atoms);
        for (i, j) in [(0, 1), (1, 2), (2, 3), (1, 4), (2, 5), (5, 6)] {
            assert!(has(&b, i, j), "bond {i}-{j} in {:?}", b.pairs);
        }
        // N-C of one residue (2.4 Å) and O to the next N are not bonds.
        assert!(!has(&b, 0, 2) && !has(&b, 3, 5));
        assert_eq!(b.pairs.len(), 6);
        assert_eq!((b.from_templates, b.from_radii), (6, 0));
    }

    #[test]
    fn ligands_use_covalent_radii_with_chimerax_tolerance_and_metals_stay_unbonded() {
        let atoms = vec![
            at("C1", "C", "LIG", 1, [0.0, 0.0, 0.0]),
            at("C2", "C", "LIG", 1, [1.9, 0.0, 0.0]), // 1.9 <= 0.76*2 + 0.4 = 1.92: bonded
            at("C3", "C", "LIG", 1, [1.9, 1.95, 0.0]), // 1.95 > 1.92: not bonded
            at("ZN", "ZN", "ZN", 2, [0.0, 1.0, 0.0]), // metal: never bonded
            at("O", "O", "HOH", 3, [3.2, 0.0, 0.0]),  // water near C2 (1.3 Å): other residue, not bonded
        ];
        let b = bonds(&atoms);
        assert_eq!(b.pairs, vec![[0, 1]]);
        assert_eq!(b.from_radii, 1);
    }

    #[test]
    fn disulfide_and_hydrogens_by_radii() {
        let atoms = vec![
            at("SG", "S", "CYS", 1, [0.0, 0.0, 0.0]),
            at("SG", "S", "CYS", 9, [2.05, 0.0, 0.0]),
            at("HG", "H", "CYS", 9, [2.05, 1.3, 0.0]),
            at("CA", "C", "ALA", 4, [0.0, 0.0, 1.5]), // templated atoms of other residues: no
        ];
        let b = bonds(&atoms);
        assert!(has(&b, 0, 1) && has(&b, 1, 2));
        assert_eq!(b.pairs.len(), 2, "{:?}", b.pairs);
    }

    #[test]
    fn a_set_cancel_flag_stops_the_search() {
        use std::sync::atomic::AtomicBool;
        let atoms = vec![at("SG", "S", "CYS", 1, [0.0, 0.0, 0.0]), at("SG", "S", "CYS", 9, [2.05, 0.0, 0.0])];
        assert!(bonds_cancellable(&atoms, &AtomicBool::new(true)).is_none());
        let b = bonds_cancellable(&atoms, &AtomicBool::new(false)).expect("not cancelled");
        assert_eq!(b.pairs, bonds(&atoms).pairs);
        assert_eq!(b.pairs.len(), 1);
    }
}
