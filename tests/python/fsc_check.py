"""Independent FSC with numpy's full complex FFT, compared with `cryolabel fsc --csv`.

Usage: fsc_check.py A.mrc B.mrc CURVE.csv
Reads plain MRC (mode 2, axis order 1,2,3), bins |k| (1/Å) with the same rule as
src/engine/fsc.rs: Δ = 1/max(n·voxel), shell = floor(|k|/Δ + 0.5), |k| ≤ min Nyquist.
Exits non-zero when any shell's FSC differs by more than 1e-4 or a count differs.
"""
import sys
import numpy as np


def read_mrc(path):
    raw = open(path, "rb").read()
    ints = np.frombuffer(raw[:1024], dtype="<i4")
    floats = np.frombuffer(raw[:1024], dtype="<f4")
    nx, ny, nz, mode = (int(v) for v in ints[:4])
    mx, my, mz = (int(v) for v in ints[7:10])
    cell = floats[10:13].astype(np.float64)
    assert mode == 2 and tuple(ints[16:19]) == (1, 2, 3), "test maps are float32, axis order 1,2,3"
    nsymbt = int(ints[23])
    data = np.frombuffer(raw[1024 + nsymbt:1024 + nsymbt + 4 * nx * ny * nz], dtype="<f4")
    voxel = cell / np.array([mx, my, mz], dtype=np.float64)
    return data.reshape(nz, ny, nx).astype(np.float64), voxel  # voxel as (x, y, z)


def fsc(a, b, voxel):
    nz, ny, nx = a.shape
    fa, fb = np.fft.fftn(a), np.fft.fftn(b)
    kz = np.fft.fftfreq(nz) * nz / (nz * voxel[2])
    ky = np.fft.fftfreq(ny) * ny / (ny * voxel[1])
    kx = np.fft.fftfreq(nx) * nx / (nx * voxel[0])
    s = np.sqrt(kx[None, None, :] ** 2 + ky[None, :, None] ** 2 + kz[:, None, None] ** 2)
    delta = 1.0 / max(nx * voxel[0], ny * voxel[1], nz * voxel[2])
    nyq = min(0.5 / v for v in voxel)
    inside = s <= nyq * (1 + 1e-9)
    shell = np.floor(s / delta + 0.5).astype(np.int64)[inside]
    num = np.bincount(shell, (fa * np.conj(fb)).real[inside])
    p1 = np.bincount(shell, (np.abs(fa) ** 2)[inside])
    p2 = np.bincount(shell, (np.abs(fb) ** 2)[inside])
    cnt = np.bincount(shell)
    den = np.sqrt(p1 * p2)
    return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0), cnt


def main():
    a, va = read_mrc(sys.argv[1])
    b, _ = read_mrc(sys.argv[2])
    ref, cnt = fsc(a, b, va)
    rows = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1, ndmin=2)
    bad = 0
    if len(rows) != len(ref):
        print(f"shell count: csv {len(rows)} numpy {len(ref)}")
        bad += 1
    for r in rows:
        i = int(r[0])
        if i >= len(ref) or abs(r[3] - ref[i]) > 1e-4 or int(r[4]) != cnt[i]:
            print(f"shell {i}: csv fsc {r[3]} count {int(r[4])}, numpy {ref[i] if i < len(ref) else None} {cnt[i] if i < len(cnt) else None}")
            bad += 1
    print(f"{len(rows)} shells compared, {bad} differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
