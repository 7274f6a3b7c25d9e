//! Sub-cubes for training: size^3 windows at a stride over an entry's experimental map and its
//! three labels, the same window in all four, as .npy (z, y, x order, as numpy reads MRC data).
//! The last window on an axis is shifted back to end at the map's edge, so every voxel is in
//! some cube; a map smaller than the cube is zero-padded past its end (background).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::npy::{NpyValue, to_npy};
use super::{DatasetError, write_text};
use crate::engine::export::label_file_names;
use crate::engine::grid::Volume;
use crate::engine::mapio::{Durability, read_map, write_atomic};

#[derive(Clone, Debug)]
pub struct CubeParams {
    pub size: usize,
    pub stride: usize,
    /// Keep cubes whose classification is all background.
    pub keep_empty: bool,
    /// Cut only these ids (the label-quality filters of `cubes`); None = every entry.
    pub only: Option<Vec<String>>,
    /// fsync each cube file and the index (`--sync`), or rename only.
    pub durability: Durability,
}

/// Window starts along an axis of `n` voxels: 0, stride, ... and a last one at n - size.
pub fn starts(n: usize, size: usize, stride: usize) -> Vec<usize> {
    let mut v = Vec::new();
    let mut x = 0;
    loop {
        if x + size >= n {
            v.push(n.saturating_sub(size));
            break;
        }
        v.push(x);
        x += stride.max(1);
    }
    v.dedup();
    v
}

/// One written cube, a row of index.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct Cube {
    pub id: String,
    /// Voxel index (i, j, k) = (x, y, z) of the cube's first voxel in the entry's grid.
    pub origin: [usize; 3],
    /// World position of that voxel's centre, Å.
    pub world: [f64; 3],
    /// Voxels per class 0, 1, 2 inside the cube (padding not counted).
    pub class_counts: [usize; 3],
    /// File name stem; the four files are `<stem>_{map,regression,classification,types}.npy`.
    pub stem: String,
}

pub const INDEX_COLUMNS: &[&str] =
    &["id", "i", "j", "k", "x_A", "y_A", "z_A", "background", "atom", "neighbour", "stem"];
pub const PARTS: [&str; 4] = ["map", "regression", "classification", "types"];

fn window<T: Copy + Default>(v: &Volume<T>, o: [usize; 3], s: usize) -> Vec<T> {
    window_of(&v.data, v.grid.shape, o, s)
}

/// The s^3 window at voxel `o` of x-fastest `data` of `shape`, (z, y, x) order, zero past the
/// end. Public for the Python package's CubeDataset, which cuts the same windows from
/// memory-mapped files.
pub fn window_of<T: Copy + Default>(data: &[T], n: [usize; 3], o: [usize; 3], s: usize) -> Vec<T> {
    let mut out = vec![T::default(); s * s * s];
    for z in 0..s.min(n[2].saturating_sub(o[2])) {
        for y in 0..s.min(n[1].saturating_sub(o[1])) {
            let w = s.min(n[0].saturating_sub(o[0]));
            let src = o[0] + n[0] * (o[1] + y + n[1] * (o[2] + z));
            let dst = (z * s + y) * s;
            out[dst..dst + w].copy_from_slice(&data[src..src + w]);
        }
    }
    out
}

fn write_npy<T: NpyValue>(path: &Path, data: &[T], s: usize, d: Durability) -> Result<(), DatasetError> {
    let bytes = to_npy(data, &[s, s, s]);
    write_atomic(path, d, |f| std::io::Write::write_all(f, &bytes)).map_err(DatasetError::from)
}

/// Every window origin (i, j, k) of a grid of `shape`, x fastest then y then z: the order of
/// the cubes in index.csv and in the Python CubeDataset.
pub fn cube_origins(shape: [usize; 3], size: usize, stride: usize) -> Vec<[usize; 3]> {
    let [xs, ys, zs] = [0, 1, 2].map(|a| starts(shape[a], size, stride));
    let mut origins: Vec<[usize; 3]> = Vec::with_capacity(xs.len() * ys.len() * zs.len());
    for &k in &zs {
        for &j in &ys {
            origins.extend(xs.iter().map(|&i| [i, j, k]));
        }
    }
    origins
}

/// Voxels per class 0, 1, 2 of a classification window at `o` (padding not counted); a cube
/// with no class 1 or 2 is empty and `cubes` drops it unless asked to keep it.
pub fn class_counts(c: &[i16], shape: [usize; 3], o: [usize; 3], s: usize) -> [usize; 3] {
    let inside = (0..3).map(|a| s.min(shape[a] - o[a])).product::<usize>();
    let mut counts = [0usize; 3];
    for &v in c {
        if (1..=2).contains(&v) {
            counts[v as usize] += 1;
        }
    }
    counts[0] = inside - counts[1] - counts[2];
    counts
}

/// Cut one entry of a data-set folder into cubes under `<out>/<id>/`.
pub fn cube_entry(dataset: &Path, id: &str, out: &Path, p: &CubeParams) -> Result<Vec<Cube>, DatasetError> {
    if p.size == 0 || p.stride == 0 {
        return Err(DatasetError::Input("cube size and stride must be at least 1".into()));
    }
    let d = dataset.join(id);
    let names = label_file_names(id);
    let map = read_map(&d.join(format!("{id}.mrc")))?.volume;
    let reg = read_map(&d.join(&names[0]))?.volume;
    let cls = read_map(&d.join(&names[1]))?.volume;
    let typ = read_map(&d.join(&names[2]))?.volume;
    for (n, v) in names.iter().zip([&reg, &cls, &typ]) {
        if v.grid.shape != map.grid.shape {
            return Err(DatasetError::Invalid(
                d.join(n),
                format!("shape {:?} differs from the map's {:?}", v.grid.shape, map.grid.shape),
            ));
        }
    }
    let cls = Volume { grid: cls.grid, data: cls.data.iter().map(|&v| v as i16).collect::<Vec<i16>>() };
    let dir = out.join(id);
    std::fs::create_dir_all(&dir).map_err(|e| DatasetError::Write(dir.clone(), e))?;
    let s = p.size;
    let g = map.grid;
    let origins = cube_origins(g.shape, s, p.stride);
    let cubes: Vec<Option<Cube>> = origins
        .par_iter()
        .map(|&o| -> Result<Option<Cube>, DatasetError> {
            let c = window(&cls, o, s);
            let counts = class_counts(&c, g.shape, o, s);
            if counts[1] + counts[2] == 0 && !p.keep_empty {
                return Ok(None);
            }
            let stem = format!("{id}_{}_{}_{}", o[0], o[1], o[2]);
            let path = |part: &str| dir.join(format!("{stem}_{part}.npy"));
            write_npy(&path("map"), &window(&map, o, s), s, p.durability)?;
            write_npy(&path("regression"), &window(&reg, o, s), s, p.durability)?;
            write_npy(&path("classification"), &c, s, p.durability)?;
            write_npy(&path("types"), &window(&typ, o, s), s, p.durability)?;
            let w = g.index_to_world([o[0] as f64, o[1] as f64, o[2] as f64]);
            Ok(Some(Cube { id: id.to_string(), origin: o, world: [w.x, w.y, w.z], class_counts: counts, stem }))
        })
        .collect::<Result<_, _>>()?;
    Ok(cubes.into_iter().flatten().collect())
}

/// The ids of a data-set folder: sub-folders holding a provenance.json, sorted.
pub fn dataset_ids(dataset: &Path) -> Result<Vec<String>, DatasetError> {
    let mut ids: Vec<String> = std::fs::read_dir(dataset)
        .map_err(|e| DatasetError::Read(dataset.to_path_buf(), e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("provenance.json").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    ids.sort();
    Ok(ids)
}

/// Cut every entry and write `<out>/index.csv`. Entries are done one after another (each is
/// parallel inside), so memory stays at one entry's maps.
pub fn make_cubes(
    dataset: &Path,
    out: &Path,
    p: &CubeParams,
    on_entry: &dyn Fn(&str, usize),
) -> Result<(Vec<Cube>, PathBuf), DatasetError> {
    let mut all = Vec::new();
    for id in dataset_ids(dataset)?.into_iter().filter(|id| p.only.as_ref().is_none_or(|o| o.contains(id))) {
        let c = cube_entry(dataset, &id, out, p)?;
        on_entry(&id, c.len());
        all.extend(c);
    }
    let rows = all.iter().map(|c| {
        let [i, j, k] = c.origin;
        let [x, y, z] = c.world.map(|v| format!("{v:.4}"));
        let [b, a, n] = c.class_counts;
        (&c.id, i, j, k, x, y, z, b, a, n, &c.stem)
    });
    let text = crate::engine::table::serialize(INDEX_COLUMNS, rows);
    let index = out.join("index.csv");
    write_text(&index, &text, p.durability)?;
    Ok((all, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_window_is_shifted_back_to_the_end() {
        assert_eq!(starts(104, 64, 50), vec![0, 40]);
        assert_eq!(starts(150, 64, 50), vec![0, 50, 86]);
        assert_eq!(starts(64, 64, 50), vec![0]);
        assert_eq!(starts(30, 64, 50), vec![0]);
        assert_eq!(starts(114, 64, 50), vec![0, 50]);
    }
}
