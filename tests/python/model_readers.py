#!/usr/bin/env python3
"""What gemmi and Biopython read from model files, as JSON, for tests/models.rs to compare.

usage: model_readers.py FILE...   (prints one JSON object: {path: {...}})

Per file:
  gemmi:    every atom record gemmi reads (altlocs included), its resolution
  precise:  gemmi's atoms after the `precise` rule, computed here independently of cryolabel:
            at a position held by residues of different names (all with altlocs) the residue
            whose altlocs' occupancies sum highest; then per atom the altloc with the highest
            occupancy, the first on a tie
  bio:      Biopython PDBParser/MMCIFParser (PERMISSIVE, QUIET) + get_atoms(), in its order
"""
import json
import sys
import warnings

import gemmi
from Bio.PDB import MMCIFParser, PDBParser

warnings.simplefilter("ignore")


def is_cif(path):
    with open(path, "rb") as f:
        head = f.read(4096).decode("latin-1")
    first = next((l.strip() for l in head.splitlines() if l.strip() and not l.strip().startswith("#")), "")
    return first.lower().startswith("data_") or "\n_atom_site." in head


def gemmi_atoms(path):
    fmt = gemmi.CoorFormat.Mmcif if is_cif(path) else gemmi.CoorFormat.Pdb
    st = gemmi.read_structure(path, format=fmt, merge_chain_parts=True)
    atoms = []
    for mi, model in enumerate(st):
        for chain in model:
            for res in chain:
                icode = res.seqid.icode.strip()
                for a in res:
                    atoms.append({
                        "model": mi, "chain": chain.name, "res": res.name, "seq": res.seqid.num,
                        "icode": icode, "name": a.name, "alt": a.altloc if a.altloc != "\0" else "",
                        "element": a.element.name.upper(), "xyz": [a.pos.x, a.pos.y, a.pos.z],
                        "occ": a.occ, "het": res.het_flag == "H",
                    })
    return atoms, (st.resolution or None)


def precise(atoms):
    pos = lambda a: (a["model"], a["chain"], a["seq"], a["icode"])
    names = {}
    for a in atoms:
        per = names.setdefault(pos(a), {}).setdefault(a["res"], {"alts": {}, "all_alt": True})
        per["all_alt"] &= a["alt"] != ""
        per["alts"][a["alt"]] = max(per["alts"].get(a["alt"], -1e9), a["occ"])
    chosen = {}
    for p, by_name in names.items():
        if len(by_name) > 1 and all(v["all_alt"] for v in by_name.values()):
            best = None
            for n, v in by_name.items():  # dicts keep file order: first on a tie
                total = sum(v["alts"].values())
                if best is None or total > best[1]:
                    best = (n, total)
            chosen[p] = best[0]
    out, index = [], {}
    for a in atoms:
        if chosen.get(pos(a), a["res"]) != a["res"]:
            continue
        key = pos(a) + (a["res"], a["name"])
        if a["alt"] and key in index:
            k = index[key]
            if a["occ"] > out[k]["occ"]:
                out[k] = a
        else:
            index[key] = len(out)
            out.append(a)
    return out


def bio_atoms(path):
    parser = MMCIFParser(QUIET=True) if is_cif(path) else PDBParser(QUIET=True)
    s = parser.get_structure("x", path)
    out = []
    for a in s.get_atoms():
        res = a.get_parent()
        het, seq, icode = res.get_id()
        out.append({
            "chain": res.get_parent().id, "res": res.get_resname(), "seq": seq, "icode": icode.strip(),
            "name": a.get_name(), "xyz": [float(c) for c in a.coord],
        })
    return out


result = {}
for path in sys.argv[1:]:
    g, resolution = gemmi_atoms(path)
    result[path] = {"gemmi": g, "precise": precise(g), "resolution": resolution, "bio": bio_atoms(path)}
json.dump(result, sys.stdout)
