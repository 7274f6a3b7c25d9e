#!/usr/bin/env bash
# Peak resident memory of `cryolabel label` on a 526^3 float32 map (~580 MB) with a tiled
# model, read from `/usr/bin/time -v`. A measurement, not a test: it needs ~3 GB of RAM and
# ~1.2 GB of scratch disk. Usage: scripts/peak-memory.sh [path/to/cryolabel] [N]
# The map and model are generated in a temporary folder (nothing from ../shared is copied).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/debug/cryolabel}
n=${2:-526}
model_src=$root/../shared/data/real/5ni1/5me2.pdb
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$n" "$model_src" <<'PY'
import struct, sys
tmp, n, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
v = 1.05
h = bytearray(1024)
struct.pack_into("<3i i 3i 3i 3f 3f 3i 3f i i", h, 0, n, n, n, 2, 0, 0, 0, n, n, n,
                 n * v, n * v, n * v, 90.0, 90.0, 90.0, 1, 2, 3, 0.0, 1.0, 0.45, 1, 0)
h[208:212] = b"MAP "
h[212:216] = bytes([0x44, 0x44, 0, 0])
plane = struct.pack("<4f", 0.0, 0.5, 1.0, 0.3) * (n * n // 4) + struct.pack("<f", 0.2) * (n * n % 4)
with open(f"{tmp}/big.mrc", "wb") as f:
    f.write(h)
    for _ in range(n):
        f.write(plane)
atoms = [l for l in open(src) if l.startswith(("ATOM", "HETATM"))]
k = max(1, int(n * v // 120))  # copies per axis, 120 A apart, each its own MODEL
with open(f"{tmp}/tiled.pdb", "w") as f:
    m = 0
    for i in range(k):
        for j in range(k):
            for l in range(k):
                m += 1
                f.write(f"MODEL     {m:4d}\n")
                for a in atoms:
                    x, y, z = float(a[30:38]) + 120 * i, float(a[38:46]) + 120 * j, float(a[46:54]) + 120 * l
                    f.write(f"{a[:30]}{x:8.3f}{y:8.3f}{z:8.3f}{a[54:]}")
                f.write("ENDMDL\n")
print(f"{n}^3 map, {m} copies x {len(atoms)} atoms")
PY
/usr/bin/time -v "$bin" label --map "$tmp/big.mrc" --model "$tmp/tiled.pdb" --simulated "$tmp/big.mrc" \
    --out "$tmp/out" --id big > "$tmp/stdout" 2> "$tmp/time"
grep -E "^(classes|time)" "$tmp/stdout"
grep -E "Maximum resident set size|Elapsed \(wall" "$tmp/time"
ls -l "$tmp/out"
