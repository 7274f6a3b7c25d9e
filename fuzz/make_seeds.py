#!/usr/bin/env python3
"""Write small fuzz seeds into fuzz/corpus/{map,model}, derived at fuzz time from ../shared/data.

The real files are never copied into the repo (the corpus folder is git-ignored). Maps are
shrunk to 4x4x4 (NX/NY/NZ and MX/MY/MZ rewritten, the first voxels kept) so each seed is a few
KB: large seeds slow libFuzzer down by orders of magnitude. Models keep their first atoms.
"""
import gzip, os, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "shared", "data", "real")
if len(sys.argv) > 1:
    data = sys.argv[1]
out = {k: os.path.join(here, "corpus", k) for k in ("map", "model")}
for d in out.values():
    os.makedirs(d, exist_ok=True)

def shrink_map(raw, n=4):
    be = raw[212] == 0x11
    e = ">" if be else "<"
    mode = struct.unpack(e + "i", raw[12:16])[0]
    nsymbt = struct.unpack(e + "i", raw[92:96])[0]
    bpv = {0: 1, 1: 2, 2: 4, 6: 2, 12: 2}.get(mode, 4)
    head = bytearray(raw[:1024])
    head[0:12] = struct.pack(e + "3i", n, n, n)
    head[28:40] = struct.pack(e + "3i", n, n, n)
    body = raw[1024:1024 + nsymbt + n * n * n * bpv]
    return bytes(head) + body

count = 0
for root, _, files in os.walk(data):
    for f in sorted(files):
        path = os.path.join(root, f)
        tag = os.path.basename(root) + "_" + f
        raw = open(path, "rb").read()
        if raw[:2] == b"\x1f\x8b":
            try:
                raw = gzip.decompress(raw)
            except Exception:
                continue
            gz = True
        else:
            gz = False
        if f.endswith((".mrc", ".map", ".ccp4")) or ".mrc" in f or ".map" in f:
            small = shrink_map(raw)
            open(os.path.join(out["map"], tag), "wb").write(gzip.compress(small) if gz else small)
            count += 1
        elif f.endswith((".pdb", ".pdb1", ".cif")):
            lines = raw.decode("latin-1").splitlines(keepends=True)
            if f.endswith(".cif"):
                i = next((k for k, l in enumerate(lines) if l.startswith("_atom_site.")), 0)
                keep = lines[max(0, i - 3): i + 60]
            else:
                atoms = [l for l in lines if l.startswith(("ATOM", "HETATM", "MODEL", "ENDMDL"))]
                keep = [l for l in lines if l.startswith(("HEADER", "REMARK   2", "CRYST1"))][:3] + atoms[:40] + atoms[-10:]
            open(os.path.join(out["model"], tag), "w", encoding="latin-1").write("".join(keep))
            count += 1
print(f"{count} seeds written under {os.path.join(here, 'corpus')}")
