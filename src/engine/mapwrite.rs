//! Writing maps: MRC2014 headers with exact statistics, voxels streamed from memory, every file
//! written atomically (temporary sibling, then rename; fsynced when the caller asks for
//! [`Durability::Synced`]). Split from `mapio` (the reader); its names are re-exported there,
//! so callers keep `mapio::write_map`.

use std::io::{Seek, Write};
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use super::error::MapError;
use super::grid::{Grid, STATS_CHUNK, Stats, StatsPart, Volume, all_zero};
use super::mapio::HEADER;

/// Voxel types the data set uses, with their MRC modes. `Pod`: on a little-endian machine the
/// voxels are written as they lie in memory, without a converted copy.
pub trait MapValue: Copy + Send + Sync + Into<f64> + bytemuck::Pod + 'static {
    const MODE: i32;
    fn put_le(self, out: &mut Vec<u8>);
}
impl MapValue for f32 {
    const MODE: i32 = 2;
    fn put_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}
impl MapValue for i16 {
    const MODE: i32 = 1;
    fn put_le(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// The 1024-byte header `write_map_data` writes for voxels on `g` with statistics `stats`.
fn header_bytes<T: MapValue>(g: &Grid, stats: Stats, label: &str) -> [u8; HEADER] {
    let mut h = mrc::Header::new();
    h.nx = g.shape[0] as i32;
    h.ny = g.shape[1] as i32;
    h.nz = g.shape[2] as i32;
    h.mode = T::MODE;
    h.nxstart = g.nstart[0];
    h.nystart = g.nstart[1];
    h.nzstart = g.nstart[2];
    h.mx = h.nx;
    h.my = h.ny;
    h.mz = h.nz;
    h.xlen = g.voxel[0] * g.shape[0] as f32;
    h.ylen = g.voxel[1] * g.shape[1] as f32;
    h.zlen = g.voxel[2] * g.shape[2] as f32;
    h.origin = g.header_origin;
    h.dmin = stats.min;
    h.dmax = stats.max;
    h.dmean = stats.mean;
    h.rms = stats.rms;
    h.ispg = 1;
    h.add_label(label);
    let mut head = [0u8; HEADER];
    h.encode_to_bytes(&mut head);
    head
}

/// The voxels as little-endian bytes into `w`: straight from memory on a little-endian
/// machine, else converted through a small buffer (never a second full copy: a 526^3 float32
/// label map is 580 MB, and labeling holds three of them while writing).
fn put_voxels<T: MapValue>(w: &mut dyn Write, data: &[T]) -> std::io::Result<()> {
    if cfg!(target_endian = "little") {
        for part in data.chunks(1 << 22) {
            w.write_all(bytemuck::cast_slice(part))?;
        }
        return Ok(());
    }
    let mut chunk = Vec::with_capacity(1 << 16);
    for part in data.chunks(1 << 14) {
        chunk.clear();
        for &v in part {
            v.put_le(&mut chunk);
        }
        w.write_all(&chunk)?;
    }
    Ok(())
}

/// Write a map with axis order 1,2,3, the grid's ORIGIN and NSTART as they came, MX = NX,
/// CELLA = N x voxel, exact DMIN/DMAX/DMEAN and RMS = standard deviation, MRC2014 stamp.
/// `.gz` paths are gzipped. Atomic: temporary file in the same folder, then rename.
pub fn write_map<T: MapValue>(path: &Path, vol: &Volume<T>, label: &str, d: Durability) -> Result<(), MapError> {
    write_map_data(path, &vol.grid, &vol.data, label, d)
}

/// [`write_map`] of voxels held elsewhere (x fastest, `grid.len()` of them): the Python
/// package writes numpy arrays through this without copying them into a `Volume`.
pub fn write_map_data<T: MapValue>(
    path: &Path,
    g: &Grid,
    data: &[T],
    label: &str,
    d: Durability,
) -> Result<(), MapError> {
    write_map_source(path, g, data, label, d).map(|_| ())
}

/// Where a map file's voxels come from, chunk by chunk (x fastest): a slice in memory, or values
/// made on the fly (`label` writes its regression and atom-type maps from the class map and the
/// simulated map, without holding two more grid-sized buffers).
pub trait VoxelSource<T>: Sync {
    /// Voxels in all.
    fn voxels(&self) -> usize;
    /// Voxels `range`: borrowed, or made into `scratch`.
    fn chunk<'a>(&'a self, range: Range<usize>, scratch: &'a mut Vec<T>) -> &'a [T];
    /// The voxels' statistics when the source knows them without a pass (counts of a few
    /// integer values, `Stats::of_counts`); they must be what `Stats::of` gives.
    fn known_stats(&self) -> Option<Stats> {
        None
    }
}

impl<T: MapValue> VoxelSource<T> for [T] {
    fn voxels(&self) -> usize {
        self.len()
    }
    fn chunk<'a>(&'a self, range: Range<usize>, _: &'a mut Vec<T>) -> &'a [T] {
        &self[range]
    }
}

/// A reference is sized, so a slice's can stand behind `&dyn VoxelSource`.
impl<T, S: VoxelSource<T> + ?Sized> VoxelSource<T> for &S {
    fn voxels(&self) -> usize {
        (**self).voxels()
    }
    fn chunk<'a>(&'a self, range: Range<usize>, scratch: &'a mut Vec<T>) -> &'a [T] {
        (**self).chunk(range, scratch)
    }
    fn known_stats(&self) -> Option<Stats> {
        (**self).known_stats()
    }
}

/// Write a map whose voxels come from `src`; returns the statistics written into the header
/// (`simulate` prints them; no second pass over the voxels).
///
/// A plain file is written in one parallel pass over chunks of [`STATS_CHUNK`] voxels: each
/// chunk's statistics and its non-zero file blocks (zeros are left as holes: [`SPARSE_BLOCK`]),
/// then the header in its place. A gzip stream cannot be rewritten, so there the statistics
/// come first.
pub fn write_map_source<T: MapValue, S: VoxelSource<T> + ?Sized>(
    path: &Path,
    g: &Grid,
    src: &S,
    label: &str,
    d: Durability,
) -> Result<Stats, MapError> {
    if src.voxels() != g.len() {
        return Err(MapError::Invalid(
            path.to_path_buf(),
            format!("{} values for a {:?} grid of {} voxels", src.voxels(), g.shape, g.len()),
        ));
    }
    let gz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let mut wrote = Stats::default();
    write_atomic(path, d, |file| {
        if gz {
            wrote = source_stats(src);
            let head = header_bytes::<T>(g, wrote, label);
            let mut buf = std::io::BufWriter::with_capacity(1 << 20, file);
            let mut enc = flate2::write::GzEncoder::new(&mut buf, flate2::Compression::fast());
            enc.write_all(&head)?;
            let mut scratch = Vec::new();
            for k in 0..src.voxels().div_ceil(STATS_CHUNK) {
                put_voxels(&mut enc, src.chunk(chunk_range(k, src.voxels()), &mut scratch))?;
            }
            enc.finish()?;
            return buf.flush();
        }
        wrote = put_voxels_file(file, src)?;
        file.seek(std::io::SeekFrom::Start(0))?;
        file.write_all(&header_bytes::<T>(g, wrote, label))
    })?;
    Ok(wrote)
}

/// Voxels of chunk `k` of `n`.
fn chunk_range(k: usize, n: usize) -> Range<usize> {
    k * STATS_CHUNK..((k + 1) * STATS_CHUNK).min(n)
}

/// [`Stats::of`] of a source's voxels: the same chunks, the same order of sums.
fn source_stats<T: MapValue, S: VoxelSource<T> + ?Sized>(src: &S) -> Stats {
    if let Some(known) = src.known_stats() {
        return known;
    }
    let n = src.voxels();
    let parts: Vec<StatsPart> = (0..n.div_ceil(STATS_CHUNK))
        .into_par_iter()
        .map_init(Vec::new, |scratch, k| StatsPart::of(src.chunk(chunk_range(k, n), scratch)))
        .collect();
    Stats::from_parts(&parts)
}

/// File blocks whose voxels are all zero are not written, only skipped: the file reads back
/// the same bytes (a hole reads as zeros), but the kernel neither copies nor allocates those
/// pages. Label maps are mostly background (a 526^3 regression map with one complex in it is
/// 580 MB of which a few percent are not zero), so this is most of the write. 4 KiB is the
/// page and the usual filesystem block.
const SPARSE_BLOCK: usize = 4096;

/// Chunks made (and their statistics computed) at once on the thread pool before they are
/// written: 4 MB of float32.
const BATCH: usize = 16;

/// The voxels after the header's place in a fresh (empty) `file`, sparse where they are zero
/// ([`SPARSE_BLOCK`]); the file ends at its full length either way. Returns the voxels'
/// statistics. Chunks are made and their statistics computed [`BATCH`] at a time on the thread
/// pool, then written by this thread in order: writes to one file from several threads only
/// queue on its inode lock (in the kernel, spinning), while the three label files written at
/// once keep both cores busy. Dense (plain writes) on big-endian machines and where positioned
/// writes are not available.
fn put_voxels_file<T: MapValue, S: VoxelSource<T> + ?Sized>(file: &std::fs::File, src: &S) -> std::io::Result<Stats> {
    let n = src.voxels();
    let known = src.known_stats();
    let mut bufs: Vec<Vec<T>> = (0..BATCH).map(|_| Vec::new()).collect();
    let mut parts = Vec::new();
    let sparse = cfg!(unix) && cfg!(target_endian = "little");
    let mut w = file;
    if !sparse {
        w.write_all(&[0u8; HEADER])?;
    }
    for first in (0..n.div_ceil(STATS_CHUNK)).step_by(BATCH) {
        let ks = first..(first + BATCH).min(n.div_ceil(STATS_CHUNK));
        let made: Vec<(usize, &[T], Option<StatsPart>)> = bufs[..ks.len()]
            .par_iter_mut()
            .zip(ks.into_par_iter())
            .map(|(buf, k)| {
                let r = chunk_range(k, n);
                let v = src.chunk(r.clone(), buf);
                (r.start, v, known.is_none().then(|| StatsPart::of(v)))
            })
            .collect();
        for (start, v, part) in made {
            parts.extend(part);
            #[cfg(unix)]
            if sparse {
                put_sparse(file, HEADER + size_of::<T>() * start, bytemuck::cast_slice(v))?;
                continue;
            }
            let _ = start;
            put_voxels(&mut w, v)?;
        }
    }
    if sparse {
        file.set_len((HEADER + size_of::<T>() * n) as u64)?;
    }
    Ok(known.unwrap_or_else(|| Stats::from_parts(&parts)))
}

/// `bytes` at file offset `at`, cut at [`SPARSE_BLOCK`] boundaries of the file: runs of blocks
/// holding a non-zero byte go out in one positioned write each, all-zero blocks are skipped.
/// A block shared with a neighbouring chunk is written by whichever holds its non-zero bytes.
#[cfg(unix)]
fn put_sparse(file: &std::fs::File, at: usize, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let end = at + bytes.len();
    let (mut pos, mut run) = (at, None);
    while pos < end {
        let next = ((pos / SPARSE_BLOCK + 1) * SPARSE_BLOCK).min(end);
        let zero = all_zero(&bytes[pos - at..next - at]);
        match (zero, run) {
            (true, Some(s)) => {
                file.write_all_at(&bytes[s - at..pos - at], s as u64)?;
                run = None;
            }
            (false, None) => run = Some(pos),
            _ => {}
        }
        pos = next;
    }
    if let Some(s) = run {
        file.write_all_at(&bytes[s - at..], s as u64)?;
    }
    Ok(())
}

/// How far [`write_atomic`] pushes a finished file before it returns. Both kinds write a
/// temporary sibling and rename it over the final name only once it is complete, so a process
/// that dies or fails mid-write never leaves a partial output under the final name; they differ
/// only in what survives a crash of the whole machine (power loss, kernel panic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Rename without fsync: the kernel writes the pages back when it likes, as numpy, mrcfile,
    /// gemmi and ChimeraX do. The default of single commands, the viewer and Python: fsyncing
    /// 58 MB costs more than labeling it, and a user simply reruns a command after a power cut.
    #[default]
    Renamed,
    /// fsync the file before the rename and its folder after it: when the call returns, the
    /// file is on disk under its final name. `--sync` / `CRYOLABEL_SYNC=1`, and always `batch`.
    Synced,
}

impl Durability {
    /// `CRYOLABEL_SYNC` set to anything but empty, `0`, `false` or `no` asks for [`Durability::Synced`].
    pub fn from_env() -> Self {
        match std::env::var("CRYOLABEL_SYNC") {
            Ok(v) if !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false" | "no") => Self::Synced,
            _ => Self::Renamed,
        }
    }
}

/// Write through `f` into `path` atomically: a temporary sibling, then rename; with
/// [`Durability::Synced`] the file is fsynced before the rename and its folder after.
pub fn write_atomic(
    path: &Path,
    d: Durability,
    f: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), MapError> {
    let p = path.to_path_buf();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
    clean_stale_parts(dir, &name);
    let tmp = dir.join(format!(".{name}.part-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        f(&mut file)?;
        if d == Durability::Synced {
            file.sync_all()?;
        }
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(MapError::Write(p, e));
    }
    if d == Durability::Synced {
        sync_dir(dir).map_err(|e| MapError::Write(p, e))?;
    }
    Ok(())
}

/// fsync a folder, so a rename in it survives a crash (the file's own fsync does not cover its
/// directory entry). Only Unix can open a folder for that; elsewhere the rename stands alone.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Remove `.{name}.part-<pid>` siblings whose writer is gone (killed mid-export), so they
/// do not pile up. A live writer's file is left alone; only Linux can tell (`/proc/<pid>`).
fn clean_stale_parts(dir: &Path, name: &str) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let prefix = format!(".{name}.part-");
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let file = e.file_name();
        let pid = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of zeros become holes, other blocks (a lone non-zero voxel, a -0.0, the header's
    /// block) are written, and the file reads back the exact bytes a dense write gives.
    #[test]
    fn zero_blocks_are_holes_with_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let g = Grid::new([64, 64, 64], [1.0; 3], [0.0; 3]);
        let mut data = vec![0f32; g.len()];
        data[7] = 1.5; // header block
        data[100_000] = -0.0; // not zero bytes: written
        data[200_000..200_010].fill(2.0);
        data[g.len() - 1] = 3.0; // the last, partial block
        let (sparse, dense) = (dir.path().join("s.mrc"), dir.path().join("d.mrc"));
        write_map_data(&sparse, &g, &data, "t", Durability::Renamed).unwrap();
        write_atomic(&dense, Durability::Renamed, |f| {
            f.write_all(&header_bytes::<f32>(&g, Stats::of(&data), "t"))?;
            put_voxels(f, &data)
        })
        .unwrap();
        let (s, d) = (std::fs::read(&sparse).unwrap(), std::fs::read(&dense).unwrap());
        assert_eq!(s.len(), HEADER + 4 * g.len());
        assert!(s == d, "sparse and dense writes differ");
        let back = crate::engine::read_map(&sparse).unwrap();
        assert_eq!(back.volume.data[100_000].to_bits(), (-0.0f32).to_bits());
        // where the filesystem has holes, the zero blocks take no space (5 non-zero blocks)
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let probe = dir.path().join("probe");
            std::fs::File::create(&probe).unwrap().set_len(1 << 20).unwrap();
            if std::fs::metadata(&probe).unwrap().blocks() == 0 {
                let used = std::fs::metadata(&sparse).unwrap().blocks() * 512;
                assert!(used <= 8 * SPARSE_BLOCK as u64, "{used} bytes allocated for 5 non-zero blocks");
            }
        }
    }

    /// Voxels made chunk by chunk give the same file as the same voxels in a slice, plain and
    /// gzipped (whose statistics come from a first pass over the chunks).
    #[test]
    fn made_voxels_write_as_a_slice_does() {
        struct Ramp(usize);
        impl VoxelSource<f32> for Ramp {
            fn voxels(&self) -> usize {
                self.0
            }
            fn chunk<'a>(&'a self, r: Range<usize>, scratch: &'a mut Vec<f32>) -> &'a [f32] {
                scratch.clear();
                scratch.extend(r.map(|i| if i % 3 == 0 { 0.0 } else { (i % 11) as f32 * 0.3 }));
                scratch
            }
        }
        let g = Grid::new([70, 60, 50], [1.0; 3], [0.0; 3]);
        let mut scratch = Vec::new();
        let data = Ramp(g.len()).chunk(0..g.len(), &mut scratch).to_vec();
        let dir = tempfile::tempdir().unwrap();
        for ext in ["mrc", "mrc.gz"] {
            let (a, b) = (dir.path().join(format!("a.{ext}")), dir.path().join(format!("b.{ext}")));
            let sa = write_map_source(&a, &g, &data[..], "t", Durability::Renamed).unwrap();
            let sb = write_map_source(&b, &g, &Ramp(g.len()), "t", Durability::Renamed).unwrap();
            assert_eq!(sa, sb);
            assert_eq!(sa, Stats::of(&data));
            assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "{ext}");
        }
    }

    #[test]
    fn all_zero_sees_every_byte() {
        let mut b = vec![0u8; 4096 + 3];
        assert!(all_zero(&b[1..]));
        for i in [0, 1, 2, 800, 4095, 4096, 4098] {
            b[i] = 1;
            assert!(!all_zero(&b[..]), "{i}");
            b[i] = 0;
        }
    }
}
