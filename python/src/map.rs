//! `Map`, `read_map`, `write_map` and `simulate`: maps as numpy arrays on an engine `Grid`.

use std::path::PathBuf;

use cryolabel::engine::grid::{Grid, Volume};
use cryolabel::engine::mapio::{Durability, write_map_data};
use cryolabel::engine::{self, SimParams};
use numpy::ndarray::Array3;
use numpy::{PyArray3, PyArrayMethods, PyReadonlyArray3, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors;
use crate::model::Model;

/// A density map: `data` is a float32 numpy array of shape (nz, ny, nx), the order mrcfile
/// gives for a map stored x fastest (MRC axis order 1,2,3; other orders are permuted to it,
/// so index [k, j, i] is always voxel (x=i, y=j, z=k)). `voxel_size` and `origin` are (x, y, z)
/// in Å; `origin` is the world position of voxel 0's centre (ORIGIN, else NSTART x voxel).
#[pyclass(frozen, module = "cryolabel")]
pub struct Map {
    pub data: Py<PyArray3<f32>>,
    pub grid: Grid,
    path: Option<String>,
    warnings: Vec<String>,
}

/// Engine x-fastest voxels of `grid` as a (nz, ny, nx) numpy array that owns them (no copy).
pub fn to_numpy<'py, T: numpy::Element>(py: Python<'py>, grid: &Grid, data: Vec<T>) -> Bound<'py, PyArray3<T>> {
    let [nx, ny, nz] = grid.shape;
    let a = Array3::from_shape_vec((nz, ny, nx), data).expect("engine volumes hold nx*ny*nz voxels");
    PyArray3::from_owned_array(py, a)
}

/// The C-contiguous voxels of an array that must be on `grid` (shape (nz, ny, nx)).
pub fn on_grid<'a, T: numpy::Element>(a: &'a PyReadonlyArray3<'_, T>, grid: &Grid, what: &str) -> PyResult<&'a [T]> {
    let [nx, ny, nz] = grid.shape;
    if a.shape() != [nz, ny, nx] {
        return Err(PyValueError::new_err(format!(
            "{what}: shape {:?} is not the map's (nz, ny, nx) = ({nz}, {ny}, {nx})",
            a.shape()
        )));
    }
    a.as_slice().map_err(|_| PyValueError::new_err(format!("{what}: the array is not C-contiguous")))
}

impl Map {
    pub fn new(py: Python<'_>, vol: Volume<f32>, path: Option<String>, warnings: Vec<String>) -> Map {
        let data = to_numpy(py, &vol.grid, vol.data).unbind();
        Map { data, grid: vol.grid, path, warnings }
    }

    /// The file name for messages, else `what`.
    pub fn path_or(&self, what: &str) -> String {
        self.path.clone().unwrap_or_else(|| what.to_string())
    }

    /// A copy of the voxels as an engine volume (the engine's functions own their inputs).
    pub fn volume(&self, py: Python<'_>) -> PyResult<Volume<f32>> {
        let a = self.data.bind(py).readonly();
        Ok(Volume { grid: self.grid, data: on_grid(&a, &self.grid, "Map.data")?.to_vec() })
    }
}

#[pymethods]
impl Map {
    /// float32 numpy array (nz, ny, nx): the voxels, owned by this Map (not a copy).
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyArray3<f32>> {
        self.data.clone_ref(py)
    }
    /// Voxel edge lengths (x, y, z), Å.
    #[getter]
    fn voxel_size(&self) -> (f32, f32, f32) {
        let v = self.grid.voxel;
        (v[0], v[1], v[2])
    }
    /// World position (x, y, z), Å, of the centre of voxel 0.
    #[getter]
    fn origin(&self) -> (f32, f32, f32) {
        let o = self.grid.origin;
        (o[0], o[1], o[2])
    }
    /// The header's NSTART (x, y, z), kept so maps written `like=` this one keep it.
    #[getter]
    fn nstart(&self) -> (i32, i32, i32) {
        let s = self.grid.nstart;
        (s[0], s[1], s[2])
    }
    /// (nz, ny, nx), as `data.shape`.
    #[getter]
    fn shape(&self) -> (usize, usize, usize) {
        let n = self.grid.shape;
        (n[2], n[1], n[0])
    }
    /// The file it was read from (None for a computed map).
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.clone()
    }
    /// Unusual header facts the reader noticed (as `cryolabel info` prints them).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
    fn __repr__(&self) -> String {
        let n = self.grid.shape;
        format!(
            "cryolabel.Map({}x{}x{} voxels of {:?} Å, origin {:?} Å{})",
            n[0],
            n[1],
            n[2],
            self.grid.voxel,
            self.grid.origin,
            self.path.as_ref().map(|p| format!(", {p}")).unwrap_or_default()
        )
    }
}

/// Read a map (.mrc/.map/.ccp4, optionally .gz) with the engine's reader: `cryolabel`'s own
/// checks and messages. Raises FileNotFoundError for a missing file and ValueError for a file
/// that is not a map the engine can use; both name the file.
#[pyfunction]
pub fn read_map(py: Python<'_>, path: PathBuf) -> PyResult<Map> {
    let f = py.detach(|| engine::read_map(&path)).map_err(errors::map)?;
    Ok(Map::new(py, f.volume, Some(path.display().to_string()), f.warnings))
}

/// Write `array` (nz, ny, nx), float32 or int16, on `like`'s grid as an MRC file, exactly as
/// the CLI writes maps (axis order 1,2,3, `like`'s ORIGIN and NSTART, exact statistics,
/// atomic: a temporary name then a rename). Other dtypes are written as float32.
#[pyfunction]
#[pyo3(signature = (path, array, like, label = "cryolabel python"))]
pub fn write_map(py: Python<'_>, path: PathBuf, array: &Bound<'_, PyAny>, like: &Map, label: &str) -> PyResult<()> {
    let np = py.import("numpy")?;
    let mut a = np.call_method1("ascontiguousarray", (array,))?;
    let kind: String = a.getattr("dtype")?.getattr("str")?.extract()?;
    let what = format!("write_map({})", path.display());
    if kind.ends_with("i2") {
        let a = a.cast_into::<PyArray3<i16>>()?.readonly();
        let data = on_grid(&a, &like.grid, &what)?;
        return py
            .detach(|| write_map_data(&path, &like.grid, data, label, Durability::from_env()))
            .map_err(errors::map);
    }
    if kind != "<f4" {
        a = a.call_method1("astype", ("float32",))?;
    }
    let a = a.cast_into::<PyArray3<f32>>()?.readonly();
    let data = on_grid(&a, &like.grid, &what)?;
    py.detach(|| write_map_data(&path, &like.grid, data, label, Durability::from_env())).map_err(errors::map)
}

/// The simulation's resolution: the argument, else the model's stated one (the CLI's rule).
pub fn resolution_for(model: &Model, resolution: Option<f64>) -> PyResult<f64> {
    match resolution.or(engine::simulate::model_resolution(&model.model)) {
        Some(r) if r.is_finite() && r > 0.0 => Ok(r),
        Some(r) => Err(PyValueError::new_err(format!("resolution {r} must be a positive number of Å"))),
        None => Err(PyValueError::new_err(format!(
            "{}: the model states no resolution; pass resolution=R (or simulated=MAP)",
            model.model.path.display()
        ))),
    }
}

/// Simulate a noise-free map from `model` with Situs pdb2vol's rules (Gaussian kernel, mass
/// weighting, lattice correction), as `cryolabel label` does when it gets no --simulated map.
/// With `like`, the map is on `like`'s grid (simulated at its voxel size and placed or
/// resampled onto it); without, on the model's own box at `spacing` Å. `resolution` defaults
/// to the model's stated resolution.
#[pyfunction]
#[pyo3(signature = (model, like = None, resolution = None, spacing = 1.0))]
pub fn simulate(
    py: Python<'_>,
    model: &Model,
    like: Option<&Map>,
    resolution: Option<f64>,
    spacing: f64,
) -> PyResult<Map> {
    let r = resolution_for(model, resolution)?;
    let m = &model.model;
    let (sim, vol) = match like {
        Some(like) => {
            let grid = like.grid;
            let p = SimParams::new(r, grid.voxel[0] as f64);
            py.detach(|| engine::simulate::simulate_on(m, &p, &grid)).map_err(errors::engine)?
        }
        None => {
            if !(spacing.is_finite() && spacing > 0.0) {
                return Err(PyValueError::new_err(format!("spacing {spacing} must be a positive number of Å")));
            }
            let p = SimParams::new(r, spacing);
            let s = py.detach(|| engine::simulate::simulate(m, &p)).map_err(errors::engine)?;
            let v = s.volume.clone();
            (s, v)
        }
    };
    Ok(Map::new(py, vol, None, sim.warnings))
}
