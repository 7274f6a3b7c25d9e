//! `CubeDataset`: the training cubes of `cryolabel cubes`, cut on demand from a data-set
//! folder (`prepare`/`batch` output) whose maps are memory-mapped, so a data set larger than
//! memory can feed a training loop. The windows, their order and the empty-cube rule are the
//! engine's (`engine::dataset::cubes`), so `ds[i]` equals the i-th row of `cubes`' index.csv.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cryolabel::engine::dataset::cubes::{class_counts, cube_origins, dataset_ids, window_of};
use cryolabel::engine::dataset::split::{DEFAULT_EDGES, Fractions, split, split_items};
use cryolabel::engine::export::label_file_names;
use cryolabel::engine::mapio::{raw_layout, read_map};
use memmap2::Mmap;
use numpy::PyArray3;
use numpy::ndarray::Array3;
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;

/// One map file of an entry: memory-mapped when its bytes can be used in place (every map the
/// engine writes), else read whole (a gzipped or permuted map someone put there).
enum Part {
    F32(Mmap, usize),
    I16(Mmap, usize),
    Owned(Vec<f32>),
}

impl Part {
    fn open(path: &Path) -> PyResult<(Part, [usize; 3])> {
        if let Some(l) = raw_layout(path).map_err(errors::map)? {
            let n = l.shape.iter().product::<usize>();
            let file =
                std::fs::File::open(path).map_err(|e| errors::map(cryolabel::engine::MapError::Io(path.into(), e)))?;
            // SAFETY: the file is only read; a data-set folder is not rewritten while training
            // reads it (its files are replaced by rename, which leaves this mapping intact).
            let mm = unsafe { Mmap::map(&file) }
                .map_err(|e| errors::map(cryolabel::engine::MapError::Io(path.into(), e)))?;
            let off = l.offset as usize;
            let aligned = |size: usize| (mm.as_ptr() as usize + off) % size == 0 && cfg!(target_endian = "little");
            match l.mode {
                2 if aligned(4) && mm.len() >= off + 4 * n => return Ok((Part::F32(mm, off), l.shape)),
                1 if aligned(2) && mm.len() >= off + 2 * n => return Ok((Part::I16(mm, off), l.shape)),
                _ => {}
            }
        }
        let v = read_map(path).map_err(errors::map)?.volume;
        Ok((Part::Owned(v.data), v.grid.shape))
    }

    fn f32s(&self, shape: [usize; 3], o: [usize; 3], s: usize) -> Vec<f32> {
        let n = shape.iter().product::<usize>();
        match self {
            Part::F32(m, off) => window_of(bytemuck::cast_slice::<u8, f32>(&m[*off..off + 4 * n]), shape, o, s),
            Part::I16(m, off) => {
                let w = window_of(bytemuck::cast_slice::<u8, i16>(&m[*off..off + 2 * n]), shape, o, s);
                w.into_iter().map(f32::from).collect()
            }
            Part::Owned(v) => window_of(v, shape, o, s),
        }
    }

    /// int16 windows (classification), cast as `cubes` casts a float file: `v as i16`.
    fn i16s(&self, shape: [usize; 3], o: [usize; 3], s: usize) -> Vec<i16> {
        let n = shape.iter().product::<usize>();
        match self {
            Part::I16(m, off) => window_of(bytemuck::cast_slice::<u8, i16>(&m[*off..off + 2 * n]), shape, o, s),
            _ => self.f32s(shape, o, s).into_iter().map(|v| v as i16).collect(),
        }
    }
}

/// An entry of the data set: its map and three labels, all of one shape.
struct Entry {
    id: String,
    shape: [usize; 3],
    /// World placement from provenance.json (voxel size, origin), if it says.
    voxel: Option<[f64; 3]>,
    origin: Option<[f64; 3]>,
    /// map, regression, classification, types
    parts: [Part; 4],
}

fn provenance_grid(dir: &Path) -> (Option<[f64; 3]>, Option<[f64; 3]>) {
    let text = std::fs::read_to_string(dir.join("provenance.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let triple = |k: &str| -> Option<[f64; 3]> {
        let a = v["grid"][k].as_array()?;
        Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?, a.get(2)?.as_f64()?])
    };
    (triple("voxel"), triple("origin"))
}

impl Entry {
    fn open(folder: &Path, id: &str) -> PyResult<Entry> {
        let d = folder.join(id);
        let names = label_file_names(id);
        let files = [d.join(format!("{id}.mrc")), d.join(&names[0]), d.join(&names[1]), d.join(&names[2])];
        let mut shape = [0; 3];
        let mut parts = Vec::with_capacity(4);
        for (k, f) in files.iter().enumerate() {
            let (p, s) = Part::open(f)?;
            if k == 0 {
                shape = s;
            } else if s != shape {
                return Err(PyValueError::new_err(format!(
                    "{}: shape {s:?} differs from the map's {shape:?}",
                    f.display()
                )));
            }
            parts.push(p);
        }
        let (voxel, origin) = provenance_grid(&d);
        let parts: [Part; 4] = parts.try_into().ok().expect("four parts");
        Ok(Entry { id: id.to_string(), shape, voxel, origin, parts })
    }
}

/// Training cubes of a data-set folder (made by `cryolabel prepare` or `batch`): the
/// size^3 windows `cryolabel cubes --size SIZE --stride STRIDE` writes, in the same order and
/// with the same rule for empty cubes, cut on demand from memory-mapped maps. A
/// `torch.utils.data.Dataset` by protocol (`len(ds)`, `ds[i]`), without importing torch:
/// `ds[i]` is a dict of numpy arrays `map`, `regression`, `types` (float32) and
/// `classification` (int16), each (size, size, size) in (z, y, x) order, plus `id` (the
/// entry), `offset` (i, j, k) = (x, y, z) voxel of the cube's first voxel and `world` (x, y, z)
/// Å of that voxel (None if the entry's provenance.json gives no grid).
/// `keep_empty=True` keeps all-background cubes (else they are skipped, as `cubes` does;
/// finding them reads each classification map once when the dataset is made). `ids`
/// restricts it to some entries.
#[pyclass(frozen, module = "cryolabel")]
pub struct CubeDataset {
    folder: PathBuf,
    size: usize,
    stride: usize,
    keep_empty: bool,
    entries: Vec<Arc<Entry>>,
    /// (entry, origin) per cube.
    cubes: Vec<(usize, [usize; 3])>,
}

impl CubeDataset {
    fn build(folder: PathBuf, size: usize, stride: usize, keep_empty: bool, entries: Vec<Arc<Entry>>) -> CubeDataset {
        let mut cubes = Vec::new();
        for (e, entry) in entries.iter().enumerate() {
            for o in cube_origins(entry.shape, size, stride) {
                let keep = keep_empty || {
                    let c = entry.parts[2].i16s(entry.shape, o, size);
                    let n = class_counts(&c, entry.shape, o, size);
                    n[1] + n[2] > 0
                };
                if keep {
                    cubes.push((e, o));
                }
            }
        }
        CubeDataset { folder, size, stride, keep_empty, entries, cubes }
    }

    fn subset(&self, ids: &[String]) -> CubeDataset {
        let entries = self.entries.iter().filter(|e| ids.contains(&e.id)).cloned().collect();
        let mut out = CubeDataset {
            folder: self.folder.clone(),
            size: self.size,
            stride: self.stride,
            keep_empty: self.keep_empty,
            entries,
            cubes: Vec::new(),
        };
        // Same cubes as self has for these entries, without scanning again.
        for &(e, o) in &self.cubes {
            if let Some(k) = out.entries.iter().position(|x| Arc::ptr_eq(x, &self.entries[e])) {
                out.cubes.push((k, o));
            }
        }
        out
    }
}

#[pymethods]
impl CubeDataset {
    #[new]
    #[pyo3(signature = (folder, size = 64, stride = 50, keep_empty = false, ids = None))]
    fn new(
        py: Python<'_>,
        folder: PathBuf,
        size: usize,
        stride: usize,
        keep_empty: bool,
        ids: Option<Vec<String>>,
    ) -> PyResult<CubeDataset> {
        if size == 0 || stride == 0 || size > 1024 {
            return Err(PyValueError::new_err("size must be 1..=1024 and stride at least 1"));
        }
        let all = dataset_ids(&folder).map_err(errors::dataset)?;
        if all.is_empty() {
            return Err(PyValueError::new_err(format!(
                "{}: no entries (sub-folders with a provenance.json); is it a data-set folder made by `cryolabel prepare` or `batch`?",
                folder.display()
            )));
        }
        let wanted = match ids {
            Some(ids) => {
                if let Some(bad) = ids.iter().find(|i| !all.contains(i)) {
                    return Err(PyValueError::new_err(format!("{}: no entry {bad:?}", folder.display())));
                }
                all.into_iter().filter(|i| ids.contains(i)).collect()
            }
            None => all,
        };
        py.detach(|| {
            let entries =
                wanted.iter().map(|id| Entry::open(&folder, id).map(Arc::new)).collect::<PyResult<Vec<_>>>()?;
            Ok(CubeDataset::build(folder.clone(), size, stride, keep_empty, entries))
        })
    }

    fn __len__(&self) -> usize {
        self.cubes.len()
    }

    /// The cube `i` (negative counts from the end): a dict of numpy arrays and its place.
    fn __getitem__<'py>(&self, py: Python<'py>, i: isize) -> PyResult<Bound<'py, PyDict>> {
        let n = self.cubes.len() as isize;
        let k = if i < 0 { i + n } else { i };
        if k < 0 || k >= n {
            return Err(PyIndexError::new_err(format!("cube {i} of {n}")));
        }
        let (e, o) = self.cubes[k as usize];
        let entry = &self.entries[e];
        let s = self.size;
        let sh = entry.shape;
        let (m, r, c, t) = py.detach(|| {
            let p = &entry.parts;
            (p[0].f32s(sh, o, s), p[1].f32s(sh, o, s), p[2].i16s(sh, o, s), p[3].f32s(sh, o, s))
        });
        let cube = |v| Array3::from_shape_vec((s, s, s), v).expect("s^3");
        let d = PyDict::new(py);
        d.set_item("map", PyArray3::from_owned_array(py, cube(m)))?;
        d.set_item("regression", PyArray3::from_owned_array(py, cube(r)))?;
        d.set_item(
            "classification",
            PyArray3::from_owned_array(py, Array3::from_shape_vec((s, s, s), c).expect("s^3")),
        )?;
        d.set_item("types", PyArray3::from_owned_array(py, cube(t)))?;
        d.set_item("id", &entry.id)?;
        d.set_item("offset", (o[0], o[1], o[2]))?;
        let world = match (entry.voxel, entry.origin) {
            (Some(v), Some(g)) => Some((0..3).map(|a| g[a] + o[a] as f64 * v[a]).collect::<Vec<f64>>()),
            _ => None,
        };
        d.set_item("world", world.map(|w| (w[0], w[1], w[2])))?;
        Ok(d)
    }

    /// The entry ids, sorted.
    #[getter]
    fn ids(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.id.clone()).collect()
    }

    /// (id, (i, j, k)) of every cube, in order: the rows of `cryolabel cubes`' index.csv.
    #[getter]
    fn cubes(&self) -> Vec<(String, (usize, usize, usize))> {
        self.cubes.iter().map(|&(e, o)| (self.entries[e].id.clone(), (o[0], o[1], o[2]))).collect()
    }

    /// The data-set folder.
    #[getter]
    fn folder(&self) -> String {
        self.folder.display().to_string()
    }

    /// Split by entry, as `cryolabel split` does (stratified by resolution bins from the
    /// folder's metadata.csv, seeded): a dict "train"/"validation"/"test" -> CubeDataset over
    /// those entries. `fractions` are train, validation, test; `bins` the bin edges in Å.
    #[pyo3(signature = (fractions = (0.8, 0.1, 0.1), seed = 0, bins = None))]
    fn split<'py>(
        &self,
        py: Python<'py>,
        fractions: (f64, f64, f64),
        seed: u64,
        bins: Option<Vec<f64>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let items = split_items(&self.folder).map_err(|e| {
            let err = errors::dataset(e);
            let msg = format!("{}; run `cryolabel batch` (or `merge`) first", err.value(py));
            PyErr::from_type(err.get_type(py), msg)
        })?;
        let items: Vec<(String, f64)> =
            items.into_iter().filter(|(id, _)| self.entries.iter().any(|e| &e.id == id)).collect();
        let edges = bins.unwrap_or_else(|| DEFAULT_EDGES.to_vec());
        let f = Fractions(fractions.0, fractions.1, fractions.2);
        let assigned = split(&items, &edges, f, seed).map_err(PyValueError::new_err)?;
        let d = PyDict::new(py);
        for part in ["train", "validation", "test"] {
            let ids: Vec<String> = assigned.iter().filter(|a| a.split == part).map(|a| a.id.clone()).collect();
            d.set_item(part, Py::new(py, self.subset(&ids))?)?;
        }
        Ok(d)
    }

    /// Pickling (DataLoader workers started by spawn): rebuilt from the folder.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let py = slf.py();
        let me = slf.get();
        let args = (me.folder.clone(), me.size, me.stride, me.keep_empty, me.ids()).into_pyobject(py)?.into_any();
        Ok((py.get_type::<CubeDataset>().into_any(), args))
    }

    fn __repr__(&self) -> String {
        format!(
            "cryolabel.CubeDataset({} cubes of {}^3 from {} entries in {})",
            self.cubes.len(),
            self.size,
            self.entries.len(),
            self.folder.display()
        )
    }
}
