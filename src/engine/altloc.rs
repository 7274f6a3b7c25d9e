//! One position per atom and one residue per position: the two rules a reading can follow.
//!
//! `AltlocRule::Biopython` is what the published pipeline saw: Biopython's `PDBParser` /
//! `MMCIFParser` (PERMISSIVE) building its hierarchy, then `get_atoms()`. Its structure builder
//! is re-enacted step for step (`biopython`), because its choices are not one simple rule:
//! at a microheterogeneous position the residue read *last* is the one kept (whatever the
//! occupancies), a residue moved into a `DisorderedResidue` goes to the end of its chain, a
//! hetero residue whose id repeats further down is dropped, an atom name repeated without
//! altloc is dropped, and atoms come out grouped by chain and residue, not in file order.
//!
//! `AltlocRule::HighestOccupancy` (the `precise` preset) keeps file order, at a
//! microheterogeneous position the residue with the highest occupancy, and of each atom the
//! altloc with the highest occupancy (the first on a tie).

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use rayon::prelude::*;

use super::model::{Model, RawAtom};

/// How alternative conformations and microheterogeneity are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AltlocRule {
    /// Exactly what Biopython's readers + `get_atoms()` yield (the `denoisecryodata` preset).
    #[default]
    Biopython,
    /// The residue, then the altloc, with the highest occupancy (the `precise` preset).
    HighestOccupancy,
}

/// Turn raw records into a model under `rule`.
pub(crate) fn assemble(raw: Vec<RawAtom>, format: &'static str, rule: AltlocRule) -> Model {
    let (order, drops) = match rule {
        AltlocRule::Biopython => biopython(&raw),
        AltlocRule::HighestOccupancy => highest_occupancy(&raw),
    };
    let mut model = Model { format, ..Default::default() };
    model.altlocs_dropped = drops.altlocs;
    model.residues_dropped = drops.residues;
    model.residue_atoms_dropped = drops.residue_atoms;
    model.duplicates_dropped = drops.duplicates;
    let ((chains, residues, per_model), atoms) =
        if order.len() == raw.len() && order.iter().enumerate().all(|(k, &i)| k == i) {
            // every atom in file order (the usual case): moved in place, a vector of RawAtom
            // becoming one of Atom
            (count(&raw, &order), raw.into_iter().map(|r| r.atom).collect())
        } else {
            // copied on the thread pool: moving 136-byte atoms one by one, into a new vector or in
            // place cycle by cycle, cost as much as the rule that chose them (fresh pages fault in
            // slowly; swaps miss the cache); the records are freed off this thread
            let mut atoms = Vec::new();
            let counts = rayon::join(
                || count(&raw, &order),
                || order.par_iter().map(|&i| raw[i].atom.clone()).collect_into_vec(&mut atoms),
            )
            .0;
            rayon::spawn(move || drop(raw));
            (counts, atoms)
        };
    model.atoms = atoms;
    model.chains = chains;
    model.residues = residues;
    model.atoms_per_model = per_model;
    model
}

/// Chains (per MODEL), residues, and atoms per MODEL of the atoms `order` keeps.
fn count(raw: &[RawAtom], order: &[usize]) -> (usize, usize, Vec<usize>) {
    let mut chains: FxHashSet<(u32, &str)> = Default::default();
    let mut residues: FxHashSet<(u32, &str, isize, Option<char>, u32)> = Default::default();
    let mut per_model: Vec<usize> = Vec::new();
    let mut last: Option<&RawAtom> = None;
    for &i in order {
        let (r, a) = (&raw[i], &raw[i].atom);
        // atoms of a residue come together: hash only where the residue changes
        let same_chain = last.is_some_and(|l| l.atom.model == a.model && same_str(&l.atom.chain, &a.chain));
        let same_res = same_chain
            && last.is_some_and(|l| l.atom.res_seq == a.res_seq && l.atom.ins_code == a.ins_code && l.group == r.group);
        if !same_res {
            if !same_chain {
                chains.insert((a.model, a.chain.as_str()));
            }
            residues.insert((a.model, a.chain.as_str(), a.res_seq, a.ins_code, r.group));
        }
        last = Some(r);
        if per_model.len() <= a.model as usize {
            per_model.resize(a.model as usize + 1, 0);
        }
        per_model[a.model as usize] += 1;
    }
    (chains.len(), residues.len(), per_model)
}

/// `a == b` for the short names of atoms, residues and chains, without a call to `memcmp`
/// (a tenth of `assemble`'s time when it compared every atom's names so).
#[inline(always)]
fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && if a.len() <= 4 { (0..a.len()).all(|k| a[k] == b[k]) } else { a == b }
}

#[derive(Default)]
struct Drops {
    altlocs: usize,
    residues: usize,
    residue_atoms: usize,
    duplicates: usize,
}

/// Residue position, without the residue name.
type Pos<'a> = (u32, &'a str, isize, Option<char>, u32);

fn pos(r: &RawAtom) -> Pos<'_> {
    (r.atom.model, r.atom.chain.as_str(), r.atom.res_seq, r.atom.ins_code, r.group)
}

/// The `precise` rule; file order is kept.
fn highest_occupancy(raw: &[RawAtom]) -> (Vec<usize>, Drops) {
    let mut d = Drops::default();
    if raw.iter().all(|r| r.altloc == ' ') {
        // nothing to choose: no altlocs, and no microheterogeneity (it needs altlocs)
        return ((0..raw.len()).collect(), d);
    }
    // positions held by more than one residue name (rare: only these get the occupancy sums)
    let mut first: HashMap<Pos, (&str, bool)> = HashMap::default();
    let mut last = None;
    for r in raw {
        if last == Some((pos(r), r.atom.res_name.as_str())) {
            continue;
        }
        last = Some((pos(r), r.atom.res_name.as_str()));
        let e = first.entry(pos(r)).or_insert((r.atom.res_name.as_str(), false));
        e.1 |= e.0 != r.atom.res_name;
    }
    // per residue name at such a position: per altloc id the highest atom occupancy, summed
    // over the residue's altloc ids (the fraction of molecules it covers), and whether every
    // one of its atoms has an altloc (else the file is malformed and both residues are kept)
    let mut at: HashMap<Pos, Vec<(&str, Vec<(char, f32)>, bool)>> = HashMap::default();
    for r in raw.iter().filter(|r| first[&pos(r)].1) {
        let names = at.entry(pos(r)).or_default();
        let k = match names.iter().position(|(n, _, _)| *n == r.atom.res_name) {
            Some(k) => k,
            None => {
                names.push((r.atom.res_name.as_str(), Vec::new(), true));
                names.len() - 1
            }
        };
        let (_, occ, all_alt) = &mut names[k];
        *all_alt &= r.altloc != ' ';
        match occ.iter_mut().find(|(c, _)| *c == r.altloc) {
            Some((_, o)) => *o = o.max(r.atom.occupancy),
            None => occ.push((r.altloc, r.atom.occupancy)),
        }
    }
    let mut chosen: HashMap<Pos, &str> = HashMap::default();
    for (p, names) in &at {
        if names.iter().all(|(_, _, all_alt)| *all_alt) {
            let total = |occ: &Vec<(char, f32)>| occ.iter().map(|(_, o)| o).sum::<f32>();
            let mut best = 0;
            for (k, (_, occ, _)) in names.iter().enumerate() {
                if total(occ) > total(&names[best].1) {
                    best = k;
                }
            }
            chosen.insert(*p, names[best].0);
            d.residues += names.len() - 1;
        }
    }
    let mut index: HashMap<(Pos, &str, &str), usize> = HashMap::default();
    let mut order: Vec<usize> = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let p = pos(r);
        if chosen.get(&p).is_some_and(|n| *n != r.atom.res_name) {
            d.residue_atoms += 1;
            continue;
        }
        let key = (p, r.atom.res_name.as_str(), r.atom.name.as_str());
        match index.get(&key) {
            Some(&k) if r.altloc != ' ' => {
                d.altlocs += 1;
                if r.atom.occupancy > raw[order[k]].atom.occupancy {
                    order[k] = i;
                }
            }
            _ => {
                index.insert(key, order.len());
                order.push(i);
            }
        }
    }
    (order, d)
}

/// An atom name in a Biopython residue: one atom, or a `DisorderedAtom` of altlocs.
enum AtomSlot {
    Removed,
    One(usize),
    /// Raw index per altloc; the selected one; Biopython's `last_occupancy`.
    Alts(Vec<usize>, usize, f32),
}

impl AtomSlot {
    /// Atom records held.
    fn records(&self) -> usize {
        match self {
            AtomSlot::Removed => 0,
            AtomSlot::One(_) => 1,
            AtomSlot::Alts(alts, _, _) => alts.len(),
        }
    }
}

struct BioResidue<'a> {
    name: &'a str,
    atoms: Vec<(&'a str, AtomSlot)>,
}

enum ResSlot<'a> {
    Removed,
    One(BioResidue<'a>),
    /// A `DisorderedResidue`: one child per residue name, and the selected one.
    Alts(Vec<BioResidue<'a>>, usize),
}

/// Biopython's residue id in a chain: hetero field, het name or "", seq, ins code, group.
type ResId<'a> = (u8, &'a str, isize, Option<char>, u32);

#[derive(Default)]
struct BioChain<'a> {
    residues: Vec<ResSlot<'a>>,
    index: HashMap<ResId<'a>, usize>,
}

/// Where atoms go: a residue (chain, slot), or nowhere (Biopython's orphan residue, or none).
#[derive(Clone, Copy, PartialEq)]
enum Cur {
    Nowhere,
    At(usize, usize),
}

/// Biopython's hetero field: b' ' for ATOM, b'W' for HOH/WAT HETATM, b'H' for other HETATM.
fn field(r: &RawAtom) -> u8 {
    match (r.atom.hetero, r.atom.res_name.as_str()) {
        (false, _) => b' ',
        (true, "HOH" | "WAT") => b'W',
        (true, _) => b'H',
    }
}

/// Whether the builder reads `x` into the same residue as `r`, the atom before it.
fn same_residue(x: &RawAtom, r: &RawAtom) -> bool {
    let (a, b) = (&x.atom, &r.atom);
    a.model == b.model
        && a.res_seq == b.res_seq
        && a.ins_code == b.ins_code
        && x.group == r.group
        && a.hetero == b.hetero
        && same_str(&a.chain, &b.chain)
        && same_str(&a.res_name, &b.res_name)
}

/// Biopython's builder where `raw` gives it no choice to make: no altloc, every residue read in
/// one run of atoms whose names differ, no residue id repeated in its chain. Its result is
/// then the atoms grouped by chain (in order of first appearance, per run of equal MODEL
/// numbers), residues and atoms in file order, nothing dropped. `None` where the builder must
/// run (its hierarchy, a vector per residue and hash maps, took most of `assemble`'s time).
fn biopython_simple(raw: &[RawAtom]) -> Option<Vec<usize>> {
    let runs = residue_runs(raw)?;
    // (first atom, end, MODEL block, chain's rank in its block)
    let mut placed: Vec<(usize, usize, u32, u32)> = Vec::with_capacity(runs.len());
    let mut ranks: HashMap<&str, u32> = HashMap::default();
    // (MODEL block, chain's rank, Biopython's residue id)
    let mut seen: FxHashSet<(u32, u32, ResId)> = FxHashSet::default();
    let (mut block, mut sorted) = (0u32, true);
    for (start, end) in runs {
        let r = &raw[start];
        let a = &r.atom;
        if start > 0 && raw[start - 1].atom.model != a.model {
            block += 1;
            ranks.clear();
        }
        let next = ranks.len() as u32;
        let rank = *ranks.entry(a.chain.as_str()).or_insert(next);
        let f = field(r);
        let het_name = if f == b'H' { a.res_name.as_str() } else { "" };
        if !seen.insert((block, rank, (f, het_name, a.res_seq, a.ins_code, r.group))) {
            return None; // a residue read again, or a hetero residue's id repeated
        }
        sorted &= placed.last().is_none_or(|&(_, _, b, k)| b != block || k <= rank);
        placed.push((start, end, block, rank));
    }
    if sorted {
        return Some((0..raw.len()).collect());
    }
    placed.sort_by_key(|&(_, _, b, k)| (b, k)); // stable: a chain's residues stay in file order
    Some(placed.iter().flat_map(|&(s, e, _, _)| s..e).collect())
}

/// The runs of atoms the builder reads into one residue each, as (first, end); `None` where a
/// run has an altloc or repeats a name. Found on the thread pool, in pieces cut where a run
/// ends (the scan touches every record once; serially it was most of the shortcut's time).
fn residue_runs(raw: &[RawAtom]) -> Option<Vec<(usize, usize)>> {
    residue_runs_in(raw, (4 * rayon::current_num_threads()).min(raw.len() / 4096).max(1))
}

/// [`residue_runs`] in about `pieces` pieces (a test cuts many).
fn residue_runs_in(raw: &[RawAtom], pieces: usize) -> Option<Vec<(usize, usize)>> {
    let mut cuts: Vec<usize> = (0..pieces).map(|k| k * raw.len() / pieces).collect();
    for c in cuts.iter_mut().skip(1) {
        while *c > 0 && *c < raw.len() && same_residue(&raw[*c], &raw[*c - 1]) {
            *c += 1;
        }
    }
    cuts.push(raw.len());
    let runs: Vec<Vec<(usize, usize)>> = cuts
        .par_windows(2)
        .map(|w| {
            let (mut start, mut runs) = (w[0], Vec::new());
            while start < w[1] {
                let r = &raw[start];
                let end = start + 1 + raw[start + 1..w[1]].iter().take_while(|x| same_residue(x, r)).count();
                if raw[start..end].iter().any(|x| x.altloc != ' ') {
                    return None;
                }
                for j in start + 1..end {
                    if raw[start..j].iter().any(|x| same_str(&x.atom.name, &raw[j].atom.name)) {
                        return None; // a name repeated in a residue
                    }
                }
                runs.push((start, end));
                start = end;
            }
            Some(runs)
        })
        .collect::<Option<_>>()?;
    Some(runs.concat())
}

/// Re-enact Biopython's `StructureBuilder` (PERMISSIVE) and `get_atoms()`.
fn biopython(raw: &[RawAtom]) -> (Vec<usize>, Drops) {
    match biopython_simple(raw) {
        Some(order) => (order, Drops::default()),
        None => biopython_builder(raw),
    }
}

/// Biopython's `StructureBuilder`, step for step.
fn biopython_builder(raw: &[RawAtom]) -> (Vec<usize>, Drops) {
    let mut d = Drops::default();
    let mut models: Vec<(Vec<BioChain>, HashMap<&str, usize>)> = Vec::new();
    let mut cur_model: Option<u32> = None;
    let mut cur_chain: Option<&str> = None;
    let mut cur_res: Option<(u8, isize, Option<char>, u32, &str)> = None;
    let mut cur = Cur::Nowhere;
    for (i, r) in raw.iter().enumerate() {
        let a = &r.atom;
        if cur_model != Some(a.model) {
            cur_model = Some(a.model);
            models.push((Vec::new(), HashMap::default()));
            cur_chain = None;
        }
        let (chains, by_id) = models.last_mut().expect("a model");
        let f = field(r);
        let res_id = (f, a.res_seq, a.ins_code, r.group, a.res_name.as_str());
        let new_chain = cur_chain != Some(a.chain.as_str());
        if new_chain {
            cur_chain = Some(a.chain.as_str());
        }
        if new_chain || cur_res != Some(res_id) {
            cur_res = Some(res_id);
            let c = *by_id.entry(a.chain.as_str()).or_insert_with(|| {
                chains.push(BioChain::default());
                chains.len() - 1
            });
            cur = init_residue(&mut chains[c], c, r, f);
        }
        let Cur::At(c, s) = cur else {
            continue;
        };
        let res = match &mut chains[c].residues[s] {
            ResSlot::One(res) => res,
            ResSlot::Alts(children, sel) => &mut children[*sel],
            ResSlot::Removed => unreachable!("current residue is never detached"),
        };
        init_atom(res, raw, i);
    }
    let mut order = Vec::with_capacity(raw.len());
    for (chains, _) in &models {
        for ch in chains {
            for slot in &ch.residues {
                let res = match slot {
                    ResSlot::Removed => continue,
                    ResSlot::One(res) => res,
                    ResSlot::Alts(children, sel) => {
                        d.residues += children.len() - 1;
                        d.residue_atoms += children
                            .iter()
                            .enumerate()
                            .filter(|(k, _)| k != sel)
                            .map(|(_, ch)| ch.atoms.iter().map(|(_, a)| a.records()).sum::<usize>())
                            .sum::<usize>();
                        &children[*sel]
                    }
                };
                for (_, a) in &res.atoms {
                    match a {
                        AtomSlot::Removed => {}
                        AtomSlot::One(j) => order.push(*j),
                        AtomSlot::Alts(alts, sel, _) => {
                            order.push(alts[*sel]);
                            d.altlocs += alts.len() - 1;
                        }
                    }
                }
            }
        }
    }
    // what is neither an altloc nor a dropped residue: repeated names, orphaned residues
    d.duplicates = raw.len() - order.len() - d.altlocs - d.residue_atoms;
    (order, d)
}

/// `StructureBuilder.init_residue`, with PERMISSIVE's handling of its exceptions.
fn init_residue<'a>(chain: &mut BioChain<'a>, c: usize, r: &'a RawAtom, f: u8) -> Cur {
    let a = &r.atom;
    let het_name = if f == b'H' { a.res_name.as_str() } else { "" };
    let id = (f, het_name, a.res_seq, a.ins_code, r.group);
    let fresh = || BioResidue { name: a.res_name.as_str(), atoms: Vec::new() };
    let Some(&s) = chain.index.get(&id) else {
        chain.residues.push(ResSlot::One(fresh()));
        chain.index.insert(id, chain.residues.len() - 1);
        return Cur::At(c, chain.residues.len() - 1);
    };
    if f != b' ' {
        // chain.add raises "Residue ... already defined": its atoms go to an orphan residue
        return Cur::Nowhere;
    }
    match &mut chain.residues[s] {
        ResSlot::Alts(children, sel) => match children.iter().position(|ch| ch.name == a.res_name) {
            Some(k) => {
                // disordered_select, then (no return in Biopython) chain.add raises: orphan
                *sel = k;
                Cur::Nowhere
            }
            None => {
                children.push(fresh());
                *sel = children.len() - 1;
                Cur::At(c, s)
            }
        },
        ResSlot::One(res) if res.name == a.res_name => Cur::At(c, s),
        ResSlot::One(res) => {
            let all_alt = res.atoms.iter().all(|(_, x)| matches!(x, AtomSlot::Alts(..) | AtomSlot::Removed));
            if !all_alt {
                // "Blank altlocs in duplicate residue": the residue is None, its atoms skipped
                return Cur::Nowhere;
            }
            let ResSlot::One(old) = std::mem::replace(&mut chain.residues[s], ResSlot::Removed) else { unreachable!() };
            chain.residues.push(ResSlot::Alts(vec![old, fresh()], 1));
            chain.index.insert(id, chain.residues.len() - 1);
            Cur::At(c, chain.residues.len() - 1)
        }
        ResSlot::Removed => unreachable!("the index never points at a detached slot"),
    }
}

/// `StructureBuilder.init_atom`.
fn init_atom<'a>(res: &mut BioResidue<'a>, raw: &'a [RawAtom], i: usize) {
    let r = &raw[i];
    let find = |res: &BioResidue, name: &str| {
        res.atoms.iter().position(|(n, s)| *n == name && !matches!(s, AtomSlot::Removed))
    };
    let mut name = r.atom.name.as_str();
    let mut found = find(res, name);
    if let Some(k) = found {
        // "Atom names differ only in spaces": the new atom goes by its name with the spaces
        let other = match &res.atoms[k].1 {
            AtomSlot::One(j) => *j,
            AtomSlot::Alts(alts, sel, _) => alts[*sel],
            AtomSlot::Removed => unreachable!(),
        };
        if raw[other].name_field != r.name_field {
            name = std::str::from_utf8(&r.name_field).unwrap_or(name);
            found = find(res, name);
        }
    }
    if r.altloc == ' ' {
        if found.is_none() {
            res.atoms.push((name, AtomSlot::One(i)));
        } // else "Atom defined twice": dropped
        return;
    }
    let occ = r.atom.occupancy;
    match found {
        None => res.atoms.push((name, AtomSlot::Alts(vec![i], 0, occ))),
        Some(k) => match &mut res.atoms[k].1 {
            AtomSlot::Alts(alts, sel, last) => {
                alts.push(i);
                if occ > *last {
                    *last = occ;
                    *sel = alts.len() - 1;
                }
            }
            AtomSlot::One(j) => {
                // blank altloc first: detach it, re-add both (this atom first) at the end
                let j = *j;
                res.atoms[k].1 = AtomSlot::Removed;
                let jo = raw[j].atom.occupancy;
                let (sel, last) = if jo > occ { (1, jo) } else { (0, occ) };
                res.atoms.push((name, AtomSlot::Alts(vec![i, j], sel, last)));
            }
            AtomSlot::Removed => unreachable!(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Atom;

    /// The shortcut gives the builder's result wherever it answers, and answers for plain files.
    #[test]
    fn simple_biopython_is_the_builder() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        let (mut answered, mut regrouped) = (0, 0);
        for case in 0..6000 {
            // the odd cases repeat less, so that the shortcut answers often
            let (chains, res, names) = if case % 2 == 0 { (3, 4, 5) } else { (2, 40, 40) };
            let mut raw = Vec::new();
            let (mut model, mut chain, mut seq, mut name, mut res_name) = (0, 0, 0, 0, "ALA");
            for _ in 0..1 + next(60) {
                match next(20) {
                    0 => model += 1,
                    1..=3 => chain = next(chains),
                    4..=7 => seq = if case % 2 == 0 { next(res) } else { seq + 1 },
                    _ => {}
                }
                if case % 2 == 0 || next(5) == 0 {
                    res_name = ["ALA", "GLY", "HOH", "ZN"][next(4)];
                }
                name = if next(4) == 0 { next(names) } else { (name + 1) % names as usize };
                let mut a = Atom::new(&format!("N{name}"), "N", res_name, glam::Vec3::ZERO);
                a.chain = ["A", "B", "C"][chain].into();
                a.res_seq = seq as isize;
                a.hetero = matches!(res_name, "HOH" | "ZN") || case % 2 == 0 && next(8) == 0;
                a.model = model;
                let name_field = *b" N  ";
                raw.push(RawAtom { atom: a, altloc: ' ', group: (case % 2 == 0 && next(4) == 0) as u32, name_field });
            }
            assert_eq!(residue_runs_in(&raw, 7), residue_runs_in(&raw, 1), "case {case}");
            if let Some(order) = biopython_simple(&raw) {
                answered += 1;
                regrouped += usize::from(order.iter().enumerate().any(|(k, &i)| k != i));
                let (want, d) = biopython_builder(&raw);
                assert_eq!(order, want, "case {case}");
                assert_eq!((d.altlocs, d.residues, d.residue_atoms, d.duplicates), (0, 0, 0, 0));
            }
        }
        assert!(answered > 300 && regrouped > 50, "{answered} {regrouped}");
    }
}
