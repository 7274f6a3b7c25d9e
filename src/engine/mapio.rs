//! MRC2014 / CCP4 map reading and writing. The only module that talks to the `mrc` crate
//! (pinned `=0.8.0`: its API breaks every minor release).
//!
//! `mrc` decodes the header and the voxel modes; it does not apply MAPC/MAPR/MAPS, combine
//! ORIGIN with NSTART, handle non-orthogonal cells (resampled here: engine::skew) or guard
//! memory, so this module does.
//! Writes go to a temporary name in the destination folder and are renamed into place,
//! so a failed or killed export never leaves a partial file.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::MapError;
use super::formats::{Compression, read_up_to};
use super::grid::{Grid, Stats, Volume};
pub use super::mapwrite::{
    Durability, MapValue, VoxelSource, write_atomic, write_map, write_map_data, write_map_source,
};
use super::placement::placement;
use super::skew::{SkewedVolume, cell_axes, is_orthogonal};

/// A map as read: the density on its grid (x fastest) plus what the header said.
#[derive(Clone, Debug)]
pub struct MapFile {
    pub path: PathBuf,
    pub volume: Volume<f32>,
    pub header: HeaderInfo,
    /// Risky or unusual header facts a user should see.
    pub warnings: Vec<String>,
    /// The values as stored when the cell is not orthogonal; `volume` then holds them
    /// resampled onto an orthogonal grid (a warning says so).
    pub skewed: Option<SkewedVolume>,
}

/// Header facts kept for display (`cryolabel info`, the diagnostics panel).
#[derive(Clone, Debug, Default)]
pub struct HeaderInfo {
    pub mode: i32,
    pub axis_order: [i32; 3],
    pub nstart_crs: [i32; 3],
    pub sampling: [i32; 3],
    pub cell: [f32; 3],
    pub angles: [f32; 3],
    pub origin_field: [f32; 3],
    pub ispg: i32,
    pub nsymbt: i32,
    pub nversion: i32,
    pub big_endian: bool,
    pub header_stats: Stats,
    pub labels: Vec<String>,
    /// How the file was compressed (told by its magic bytes, not its name).
    pub compression: Compression,
}

pub(crate) const HEADER: usize = 1024;

/// Bytes of memory this process may reasonably take (MemAvailable), for refusing absurd headers.
pub fn available_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(16 << 30)
}

fn bytes_per_voxel(mode: i32) -> Option<u64> {
    match mode {
        0 => Some(1),
        1 | 6 | 12 => Some(2),
        2 => Some(4),
        _ => None,
    }
}

/// Where the map's bytes come from. A file exactly the size its header claims is memory-mapped
/// by `mrc`; memory is what the fuzzer and tests hand over, so they avoid the filesystem.
enum Source<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl Source<'_> {
    fn open(&self) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(match self {
            Source::File(p) => Box::new(std::fs::File::open(p)?),
            Source::Bytes(b) => Box::new(*b),
        })
    }
    fn len(&self) -> std::io::Result<u64> {
        Ok(match self {
            Source::File(p) => std::fs::metadata(p)?.len(),
            Source::Bytes(b) => b.len() as u64,
        })
    }
    fn read_all(&self) -> std::io::Result<Vec<u8>> {
        match self {
            Source::File(p) => std::fs::read(p),
            Source::Bytes(b) => Ok(b.to_vec()),
        }
    }
    fn reader(&self, name: &Path) -> Result<mrc::Reader, MapError> {
        let r = match self {
            Source::File(p) => mrc::Reader::open_permissive(p).map(|r| r.0),
            Source::Bytes(b) => mrc::Reader::from_bytes_permissive(b.to_vec()).map(|r| r.0),
        };
        r.map_err(|e| MapError::Invalid(name.to_path_buf(), e.to_string()))
    }
}

/// `mrc` in permissive mode: its strict mode refuses headers gemmi and mrcfile read (NLABL
/// not matching the labels present: gemmi's own 1pfe mask); check_header decides instead.
fn read_bytes(bytes: Vec<u8>) -> Result<mrc::Reader, mrc::Error> {
    mrc::Reader::from_bytes_permissive(bytes).map(|r| r.0)
}

/// Read a map (MRC2014/CCP4 under any name, plain, gzip or bzip2 by their magic bytes; either
/// byte order; modes 0,1,2,6,12).
pub fn read_map(path: &Path) -> Result<MapFile, MapError> {
    read_source(Source::File(path), path)
}

/// Read a map held in memory (plain or compressed bytes); `name` names it in messages.
/// The same checks as [`read_map`]: the path reader and the fuzzer share this code.
pub fn read_map_bytes(bytes: &[u8], name: &Path) -> Result<MapFile, MapError> {
    read_source(Source::Bytes(bytes), name)
}

fn read_source(src: Source<'_>, name: &Path) -> Result<MapFile, MapError> {
    let p = name.to_path_buf();
    let io = |e| MapError::Io(p.clone(), e);
    let file_len = src.len().map_err(io)?;
    // Header first, so an absurd header is refused before anything large is allocated.
    let (h, compression) = read_head(&src, &p)?;
    let mut warnings = Vec::new();
    let mut info = check_header(&p, &h, &mut warnings)?;
    info.compression = compression;

    let n = [h.nx as u64, h.ny as u64, h.nz as u64];
    let voxels = n[0].checked_mul(n[1]).and_then(|v| v.checked_mul(n[2]));
    let bpv = bytes_per_voxel(h.mode).unwrap_or(4);
    let data_bytes = voxels.and_then(|v| v.checked_mul(bpv));
    let (Some(voxels), Some(data_bytes)) = (voxels, data_bytes) else {
        return Err(MapError::TooLarge { path: p, need: u64::MAX, have: available_memory() });
    };
    let place = placement(&h, &mut warnings);
    // The file's bytes (mapped or decompressed), the float32 volume, its x,y,z copy when the
    // axes are permuted, and the orthogonal grid a skewed lattice is resampled onto.
    let copies = if [h.mapc, h.mapr, h.maps] == [1, 2, 3] { 1 } else { 2 };
    let resampled = match place.skewed {
        Some(_) => place.grid.shape.iter().try_fold(4u64, |b, &n| b.checked_mul(n as u64)).unwrap_or(u64::MAX),
        None => 0,
    };
    let need = voxels.saturating_mul(4 * copies).saturating_add(data_bytes).saturating_add(resampled);
    let have = available_memory();
    if need > have {
        return Err(MapError::TooLarge { path: p, need, have });
    }
    let nsymbt = h.nsymbt as u64;
    let expect = HEADER as u64 + nsymbt + data_bytes;
    let nsymbt_absent = || format!("NSYMBT claims {nsymbt} extended-header bytes that are absent; ignored");

    let reader = if compression != Compression::None {
        // Capacity bounded by what the compressed bytes could expand to, so a lying header
        // cannot make us reserve gigabytes for a kilobyte file.
        let cap = expect.min(file_len.saturating_mul(compression.reserve_ratio()).saturating_add(HEADER as u64));
        let mut buf = Vec::with_capacity(cap as usize);
        compression
            .decoder(src.open().map_err(io)?)
            .take(expect)
            .read_to_end(&mut buf)
            .map_err(|e| MapError::Invalid(p.clone(), format!("{} stream is damaged: {e}", compression.name())))?;
        let have_len = buf.len() as u64;
        if have_len < expect {
            if have_len == HEADER as u64 + data_bytes && nsymbt > 0 {
                warnings.push(nsymbt_absent());
                patch_nsymbt(&mut buf, info.big_endian);
            } else {
                return Err(MapError::Truncated(p, expect, have_len));
            }
        }
        read_bytes(buf).map_err(|e| MapError::Invalid(p.clone(), e.to_string()))?
    } else if file_len < expect {
        if file_len == HEADER as u64 + data_bytes && nsymbt > 0 {
            // EMDB has maps whose NSYMBT names bytes that are not there (ChimeraX tolerates it).
            warnings.push(nsymbt_absent());
            let mut bytes = src.read_all().map_err(io)?;
            patch_nsymbt(&mut bytes, info.big_endian);
            read_bytes(bytes).map_err(|e| MapError::Invalid(p.clone(), e.to_string()))?
        } else {
            return Err(MapError::Truncated(p, expect, file_len));
        }
    } else if file_len > expect {
        warnings.push(format!("{} bytes after the voxel data ignored", file_len - expect));
        let mut bytes = src.read_all().map_err(io)?;
        bytes.truncate(expect as usize);
        read_bytes(bytes).map_err(|e| MapError::Invalid(p.clone(), e.to_string()))?
    } else {
        src.reader(&p)?
    };
    // Plain little-endian float32 (what EMDB and this engine write) is one read into the voxel
    // buffer: mrc's decode-and-convert took several times as long as the read itself
    // (python/bench/bench.py, where read_map must beat mrcfile's read plus a copy).
    let plain_f32 = compression == Compression::None
        && h.mode == 2
        && !info.big_endian
        && cfg!(target_endian = "little")
        && file_len == expect;
    let crs = match (&src, plain_f32) {
        (Source::File(path), true) => read_f32_at(path, HEADER as u64 + nsymbt, voxels as usize).map_err(io)?,
        _ => {
            reader
                .convert::<f32>()
                .read_volume()
                .map_err(|e| MapError::Invalid(p.clone(), format!("cannot decode voxel data: {e}")))?
                .data
        }
    };
    if crs.len() as u64 != voxels {
        return Err(MapError::Invalid(p, format!("decoded {} voxels, the header says {voxels}", crs.len())));
    }

    let n_crs = [h.nx as usize, h.ny as usize, h.nz as usize];
    let data = if place.axis == [0, 1, 2] { crs } else { permute_to_xyz(&crs, n_crs, place.axis, place.shape) };
    let bad = super::grid::count_non_finite(&data);
    if bad > 0 {
        warnings.push(format!(
            "{bad} of {} voxels are NaN or infinite: statistics, histogram and contours use the finite \
             voxels, FSC reads them as 0, resampling carries them into the voxels they touch",
            data.len()
        ));
    }
    let (data, skewed) = match place.skewed {
        None => (data, None),
        Some(lattice) => {
            let stored = SkewedVolume { grid: lattice, data };
            let g = &place.grid;
            warnings.push(skew_warning(&lattice, g));
            (stored.resample_onto(g).data, Some(stored))
        }
    };
    Ok(MapFile { path: p, volume: Volume { grid: place.grid, data }, header: info, warnings, skewed })
}

/// What a reader of a skewed map is told about the grid its voxels were resampled onto.
fn skew_warning(lattice: &super::skew::SkewedGrid, g: &Grid) -> String {
    format!(
        "non-orthogonal cell (angles {:.3}, {:.3}, {:.3} degrees): resampled onto an orthogonal grid of \
         {} x {} x {} voxels of {:.4} Å (trilinear in the skewed lattice, 0 outside it: ChimeraX's \
         `volume resample onGrid` rule)",
        lattice.angles[0], lattice.angles[1], lattice.angles[2], g.shape[0], g.shape[1], g.shape[2], g.voxel[0]
    )
}

/// `n` little-endian float32 values at byte `offset` of a file, read straight into the buffer.
fn read_f32_at(path: &Path, offset: u64, n: usize) -> std::io::Result<Vec<f32>> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut v = super::grid::zeroed::<f32>(n);
    f.read_exact(bytemuck::cast_slice_mut(&mut v))?;
    Ok(v)
}

/// The decoded 1024-byte header, decompressed when the bytes start with a compressor's magic
/// (formats::Compression), and which compression that was.
fn read_head(src: &Source<'_>, p: &Path) -> Result<(mrc::Header, Compression), MapError> {
    let io = |e| MapError::Io(p.to_path_buf(), e);
    let mut magic = [0u8; 3];
    let got = read_up_to(&mut src.open().map_err(io)?, &mut magic).map_err(io)?;
    let compression = Compression::of(&magic[..got]);
    let mut head = [0u8; HEADER];
    let head_len = if compression != Compression::None {
        read_up_to(&mut compression.decoder(src.open().map_err(io)?), &mut head).map_err(|e| {
            MapError::Invalid(p.to_path_buf(), format!("not a readable {} file: {e}", compression.name()))
        })?
    } else {
        read_up_to(&mut src.open().map_err(io)?, &mut head).map_err(io)?
    };
    if head_len < HEADER {
        return Err(MapError::Truncated(p.to_path_buf(), HEADER as u64, head_len as u64));
    }
    Ok((mrc::Header::decode_from_bytes_with_info(&head).0, compression))
}

fn patch_nsymbt(bytes: &mut [u8], big_endian: bool) {
    let z = if big_endian { 0i32.to_be_bytes() } else { 0i32.to_le_bytes() };
    bytes[92..96].copy_from_slice(&z);
}

/// Refuse what cannot be read correctly; collect warnings for what is merely unusual.
fn check_header(p: &Path, h: &mrc::Header, warnings: &mut Vec<String>) -> Result<HeaderInfo, MapError> {
    let bad = |m: String| MapError::Invalid(p.to_path_buf(), m);
    if h.nx <= 0 || h.ny <= 0 || h.nz <= 0 {
        return Err(bad(format!(
            "dimensions {} x {} x {} are not all positive (not an MRC/CCP4 map?)",
            h.nx, h.ny, h.nz
        )));
    }
    match h.mode {
        0 | 1 | 2 | 6 | 12 => {}
        3 | 4 => {
            return Err(MapError::Unsupported(
                p.to_path_buf(),
                format!("mode {} holds complex (Fourier) values, not a real-space density map", h.mode),
            ));
        }
        101 => {
            return Err(MapError::Unsupported(
                p.to_path_buf(),
                "mode 101 (4-bit packed images) is not a density map".into(),
            ));
        }
        m => return Err(bad(format!("unknown data mode {m} (expected 0, 1, 2, 6 or 12)"))),
    }
    let mut order = [h.mapc, h.mapr, h.maps];
    order.sort();
    if order != [1, 2, 3] {
        return Err(bad(format!(
            "axis order MAPC/MAPR/MAPS = {},{},{} is not a permutation of 1,2,3",
            h.mapc, h.mapr, h.maps
        )));
    }
    let angles = [h.alpha, h.beta, h.gamma];
    if !is_orthogonal(angles) && cell_axes(angles.map(|a| if a == 0.0 { 90.0 } else { f64::from(a) })).is_none() {
        return Err(bad(format!(
            "cell angles {:.3}, {:.3}, {:.3} degrees describe no cell (each must lie between 0 and 180 and \
             together enclose a volume)",
            angles[0], angles[1], angles[2]
        )));
    }
    if h.nsymbt < 0 {
        return Err(bad(format!("negative extended-header size NSYMBT {}", h.nsymbt)));
    }
    let labels = h.label.chunks(80).filter(|l| l.iter().any(|&b| b != 0 && b != b' ')).count();
    if labels != h.nlabl.max(0) as usize {
        warnings.push(format!("NLABL says {} labels, {labels} are present", h.nlabl));
    }
    if &h.map != b"MAP " {
        warnings.push("no \"MAP \" stamp: an old-style CCP4/MRC header".into());
    }
    if h.ispg > 1 && h.ispg < 400 {
        warnings.push(format!("space group {} recorded; symmetry is ignored, the box is read as it is", h.ispg));
    }
    if [h.mapc, h.mapr, h.maps] != [1, 2, 3] {
        warnings.push(format!("axis order {},{},{} permuted to x,y,z", h.mapc, h.mapr, h.maps));
    }
    if [h.mx, h.my, h.mz] != [h.nx, h.ny, h.nz] {
        warnings.push(format!("sampling MX,MY,MZ {:?} differs from NX,NY,NZ", [h.mx, h.my, h.mz]));
    }
    Ok(HeaderInfo {
        mode: h.mode,
        axis_order: [h.mapc, h.mapr, h.maps],
        nstart_crs: [h.nxstart, h.nystart, h.nzstart],
        sampling: [h.mx, h.my, h.mz],
        cell: [h.xlen, h.ylen, h.zlen],
        angles,
        origin_field: h.origin,
        ispg: h.ispg,
        nsymbt: h.nsymbt,
        nversion: h.nversion(),
        big_endian: h.machst[0] == 0x11,
        header_stats: Stats { min: h.dmin, max: h.dmax, mean: h.dmean, rms: h.rms },
        labels: h.get_labels(),
        compression: Compression::None,
    })
}

/// What a map's header says about its size, read without the voxel data: for the batch
/// scheduler, which must know an entry's memory before it starts one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeaderSize {
    /// Voxels per axis, in file (column, row, section) order.
    pub n: [usize; 3],
    /// Voxel edge per axis, Å (CELLA / MX ...); 1 where the header has none.
    pub voxel: [f32; 3],
    pub bytes_per_voxel: u64,
}

/// Read and check only the 1024-byte header (gzip-aware).
pub fn read_header_size(path: &Path) -> Result<HeaderSize, MapError> {
    let (h, _) = read_head(&Source::File(path), path)?;
    check_header(path, &h, &mut Vec::new())?;
    let m = [h.mx, h.my, h.mz];
    let cell = [h.xlen, h.ylen, h.zlen];
    let voxel = std::array::from_fn(|a| if m[a] > 0 && cell[a] > 0.0 { cell[a] / m[a] as f32 } else { 1.0 });
    Ok(HeaderSize {
        n: [h.nx as usize, h.ny as usize, h.nz as usize],
        voxel,
        bytes_per_voxel: bytes_per_voxel(h.mode).unwrap_or(4),
    })
}

/// The grid a map's voxels lie on (what [`read_map`] would place them on) and the header's
/// warnings, without reading the voxels: `label` and `simulate --like` need only the
/// experimental map's grid, and reading a 526^3 map to drop it costs more than the labels.
/// A plain file must still be as long as its header says; a compressed one is read whole (its
/// length is only known by decompressing).
pub fn read_grid(path: &Path) -> Result<(Grid, Vec<String>), MapError> {
    let src = Source::File(path);
    let p = path.to_path_buf();
    let (h, compression) = read_head(&src, &p)?;
    if compression != Compression::None {
        let m = read_map(path)?;
        return Ok((m.volume.grid, m.warnings));
    }
    let mut warnings = Vec::new();
    check_header(&p, &h, &mut warnings)?;
    let n = [h.nx, h.ny, h.nz].map(|v| v as u64);
    let data = n.iter().try_fold(bytes_per_voxel(h.mode).unwrap_or(4), |b, &v| b.checked_mul(v));
    // the same refusal as read_map's: a header claiming more than memory holds is absurd
    let have = available_memory();
    let voxels = n.iter().try_fold(4u64, |b, &v| b.checked_mul(v));
    match voxels.zip(data).map(|(v, d)| v.saturating_add(d)) {
        Some(need) if need <= have => {}
        need => return Err(MapError::TooLarge { path: p, need: need.unwrap_or(u64::MAX), have }),
    }
    let len = src.len().map_err(|e| MapError::Io(p.clone(), e))?;
    // read_map accepts a missing extended header (NSYMBT naming absent bytes) with a warning
    let need = data.map(|d| HEADER as u64 + d).unwrap_or(u64::MAX);
    if len < need {
        return Err(MapError::Truncated(p, need + h.nsymbt.max(0) as u64, len));
    }
    let place = placement(&h, &mut warnings);
    if let Some(lattice) = &place.skewed {
        warnings.push(skew_warning(lattice, &place.grid));
    }
    Ok((place.grid, warnings))
}

/// Where a map's voxels lie in its file, for readers that memory-map it (the Python package's
/// CubeDataset reads training cubes lazily from a data-set folder this way).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawLayout {
    /// Voxels along x, y, z.
    pub shape: [usize; 3],
    /// MRC mode (2 float32, 1 int16, ...).
    pub mode: i32,
    /// Byte offset of voxel 0.
    pub offset: u64,
}

/// The raw layout of a map whose bytes can be used in place: not gzipped, little-endian,
/// axis order 1,2,3, exactly as long as its header says (every map the engine writes).
/// `Ok(None)` for any other readable map: read it with [`read_map`] instead.
pub fn raw_layout(path: &Path) -> Result<Option<RawLayout>, MapError> {
    let (h, compression) = read_head(&Source::File(path), path)?;
    let info = check_header(path, &h, &mut Vec::new())?;
    let len = std::fs::metadata(path).map_err(|e| MapError::Io(path.to_path_buf(), e))?.len();
    let shape = [h.nx as usize, h.ny as usize, h.nz as usize];
    let bpv = bytes_per_voxel(h.mode).unwrap_or(4);
    let offset = HEADER as u64 + h.nsymbt as u64;
    let data = (shape[0] * shape[1] * shape[2]) as u64 * bpv;
    // A skewed lattice is never used in place: read_map resamples it onto an orthogonal grid.
    let plain = compression == Compression::None
        && !info.big_endian
        && [h.mapc, h.mapr, h.maps] == [1, 2, 3]
        && is_orthogonal([h.alpha, h.beta, h.gamma]);
    Ok((plain && len == offset + data).then_some(RawLayout { shape, mode: h.mode, offset }))
}

/// A plain float32 map's voxels used in place from the page cache. Reading them into a `Vec`
/// costs a copy into fresh memory, which the kernel must clear first: a tenth of `label`'s
/// whole process on the 180³ case, for voxels `label` only reads.
pub struct MappedF32 {
    /// Where the voxels lie, as [`read_map`] would place them.
    pub grid: Grid,
    map: memmap2::Mmap,
    offset: usize,
}

impl MappedF32 {
    /// The voxels, x fastest, `grid.len()` of them.
    pub fn data(&self) -> &[f32] {
        bytemuck::cast_slice(&self.map[self.offset..self.offset + 4 * self.grid.len()])
    }
}

/// `path` memory-mapped when its voxels can be used as they lie: float32, the layout of
/// [`raw_layout`] (plain, little-endian, axis order 1,2,3, orthogonal, exactly as long as its
/// header says), on a little-endian machine. `Ok(None)` for any other readable map: read it
/// with [`read_map`].
pub fn map_f32(path: &Path) -> Result<Option<MappedF32>, MapError> {
    let Some(layout) = raw_layout(path)? else { return Ok(None) };
    if layout.mode != 2 || layout.offset % 4 != 0 || !cfg!(target_endian = "little") {
        return Ok(None);
    }
    let (grid, _) = read_grid(path)?;
    let io = |e| MapError::Io(path.to_path_buf(), e);
    let file = std::fs::File::open(path).map_err(io)?;
    // SAFETY: a read-only mapping, only read. Files are replaced by rename (every writer of
    // this engine does so), which leaves the mapped inode as it was; a program truncating the
    // file in place while it is read would raise SIGBUS, as with any memory-mapped reader
    // (the `mrc` crate maps its inputs the same way).
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(io)?;
    let offset = layout.offset as usize;
    if map.len() < offset + 4 * grid.len() || grid.shape != layout.shape {
        return Ok(None);
    }
    Ok(Some(MappedF32 { grid, map, offset }))
}

/// Reorder file-order data (columns fastest) into x-fastest order.
fn permute_to_xyz(crs: &[f32], n_crs: [usize; 3], axis: [usize; 3], shape: [usize; 3]) -> Vec<f32> {
    let mut out = vec![0.0f32; crs.len()];
    let stride_xyz = [1, shape[0], shape[0] * shape[1]];
    let s = [stride_xyz[axis[0]], stride_xyz[axis[1]], stride_xyz[axis[2]]];
    let mut i = 0;
    for sec in 0..n_crs[2] {
        for row in 0..n_crs[1] {
            let base = row * s[1] + sec * s[2];
            for col in 0..n_crs[0] {
                out[base + col * s[0]] = crs[i];
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::grid::Grid;

    #[test]
    fn write_then_read_round_trip_keeps_grid() {
        let dir = tempfile::tempdir().unwrap();
        let mut grid = Grid::new([4, 3, 2], [1.5; 3], [3.0, -4.5, 6.0]);
        grid.nstart = [2, -3, 4];
        let vol = Volume { grid, data: (0..24).map(|v| v as f32 * 0.5).collect() };
        for name in ["a.mrc", "a.mrc.gz"] {
            let path = dir.path().join(name);
            write_map(&path, &vol, "test", Durability::Renamed).unwrap();
            let back = read_map(&path).unwrap();
            assert_eq!(back.volume.grid, grid);
            assert_eq!(back.volume.data, vol.data);
            assert_eq!(back.header.header_stats.max, 11.5);
        }
    }

    #[test]
    fn permutation_puts_columns_on_their_axis() {
        // columns = z (n=2), rows = x (n=3), sections = y (n=4): MAPC,MAPR,MAPS = 3,1,2
        let n_crs = [2, 3, 4];
        let axis = [2, 0, 1];
        let shape = [3, 4, 2];
        let crs: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let xyz = permute_to_xyz(&crs, n_crs, axis, shape);
        // file value at (col=1,row=2,sec=3) = 1 + 2*2 + 3*6 = 23 lands at x=2,y=3,z=1
        assert_eq!(xyz[2 + 3 * 3 + 1 * 12], 23.0);
    }
}
