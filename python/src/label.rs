//! `label` and its `Labels`, and `fsc`: the CLI's `label` and `fsc` commands as functions.

use std::path::PathBuf;

use clap::ValueEnum;
use cryolabel::cli::{AtomTypesArg, IndexArg, LabelOptions, NeighbourhoodArg, PresetArg};
use cryolabel::engine::export::{LabelArrays, write_label_arrays};
use cryolabel::engine::grid::{Grid, Volume};
use cryolabel::engine::mapio::Durability;
use cryolabel::engine::resample::into_grid;
use cryolabel::engine::{self, FscCurve, LabelParams, LabelStats, SimParams};
use numpy::ndarray::Array2;
use numpy::{PyArray2, PyArray3, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;
use crate::map::{Map, on_grid, resolution_for, to_numpy};
use crate::model::Model;

/// The three label maps of a map and its model, on the map's grid, as numpy arrays
/// (nz, ny, nx): `regression` float32, `classification` int16 (0 background, 1 atom,
/// 2 neighbour), `types` float32 (CA 1, CB 2, C 3, O 4, N 5). `write(dir, id)` writes the
/// three files exactly as `cryolabel label` does.
#[pyclass(frozen, module = "cryolabel")]
pub struct Labels {
    regression: Py<PyArray3<f32>>,
    classification: Py<PyArray3<i16>>,
    types: Py<PyArray3<f32>>,
    grid: Grid,
    params: LabelParams,
    stats: LabelStats,
    default_id: String,
}

#[pymethods]
impl Labels {
    /// float32 (nz, ny, nx): the simulated density at atom and neighbour voxels, else 0.
    #[getter]
    fn regression(&self, py: Python<'_>) -> Py<PyArray3<f32>> {
        self.regression.clone_ref(py)
    }
    /// int16 (nz, ny, nx): 0 background, 1 atom, 2 neighbour.
    #[getter]
    fn classification(&self, py: Python<'_>) -> Py<PyArray3<i16>> {
        self.classification.clone_ref(py)
    }
    /// float32 (nz, ny, nx): atom type CA 1, CB 2, C 3, O 4, N 5, else 0.
    #[getter]
    fn types(&self, py: Python<'_>) -> Py<PyArray3<f32>> {
        self.types.clone_ref(py)
    }
    /// The parameters used: index rule, neighbourhood, atom-type rule, radius.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let p = &self.params;
        d.set_item("index", format!("{:?}", p.index).to_lowercase())?;
        d.set_item("neighbourhood", format!("{:?}", p.neighbourhood).to_lowercase())?;
        d.set_item("atom_types", format!("{:?}", p.atom_types).to_lowercase())?;
        d.set_item("radius", p.radius)?;
        Ok(d)
    }
    /// The counts `cryolabel label` prints: atoms, atoms outside the grid, atoms without
    /// simulated density, collisions, class and type counts, warnings, label time (s).
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let s = &self.stats;
        d.set_item("atoms", s.atoms)?;
        d.set_item("atoms_outside", s.atoms_outside)?;
        d.set_item("atoms_without_density", s.atoms_without_density)?;
        d.set_item("collisions", s.collisions)?;
        d.set_item("class_counts", s.class_counts.to_vec())?;
        d.set_item("type_counts", s.type_counts.to_vec())?;
        d.set_item("warnings", s.warnings.clone())?;
        d.set_item("seconds", s.elapsed.as_secs_f64())?;
        Ok(d)
    }
    /// Write `<id>_regression_situs.mrc`, `<id>_classification_situs.mrc` and
    /// `<id>_classification_types_situs.mrc` into `dir` (created if needed), byte for byte what
    /// `cryolabel label --out DIR --id ID` writes (the same engine function). `id` defaults to
    /// the model file's stem, as in the CLI. Returns the three paths.
    #[pyo3(signature = (dir, id = None))]
    fn write(&self, py: Python<'_>, dir: PathBuf, id: Option<String>) -> PyResult<Vec<String>> {
        let id = id.unwrap_or_else(|| self.default_id.clone());
        let (r, c, t) = (
            self.regression.bind(py).readonly(),
            self.classification.bind(py).readonly(),
            self.types.bind(py).readonly(),
        );
        let g = &self.grid;
        let arrays = LabelArrays {
            regression: on_grid(&r, g, "Labels.regression")?,
            classification: on_grid(&c, g, "Labels.classification")?,
            types: on_grid(&t, g, "Labels.types")?,
        };
        let paths =
            py.detach(|| write_label_arrays(&dir, &id, g, &arrays, Durability::from_env())).map_err(errors::engine)?;
        Ok(paths.iter().map(|p| p.display().to_string()).collect())
    }
    fn __repr__(&self) -> String {
        let c = self.stats.class_counts;
        format!(
            "cryolabel.Labels({:?} voxels; background {}, atom {}, neighbour {})",
            self.grid.shape, c[0], c[1], c[2]
        )
    }
}

pub(crate) fn choice<T: ValueEnum>(what: &str, v: Option<&str>) -> PyResult<Option<T>> {
    v.map(|s| {
        T::from_str(s, true).map_err(|_| {
            let names: Vec<String> = T::value_variants()
                .iter()
                .filter_map(|x| x.to_possible_value())
                .map(|p| p.get_name().to_string())
                .collect();
            PyValueError::new_err(format!("{what}={s:?}: expected one of {}", names.join(", ")))
        })
    })
    .transpose()
}

/// The simulated map on the experimental grid: given (a Map or a path, resampled
/// trilinearly when on another grid) or simulated with pdb2vol's rules, as the CLI does.
fn simulated_on(
    py: Python<'_>,
    grid: &Grid,
    model: &Model,
    simulated: Option<&Bound<'_, PyAny>>,
    resolution: Option<f64>,
) -> PyResult<Volume<f32>> {
    let vol = match simulated {
        Some(s) if s.is_instance_of::<Map>() => s.cast::<Map>()?.get().volume(py)?,
        Some(s) => {
            let path: PathBuf = s.extract()?;
            py.detach(|| engine::read_map(&path)).map_err(errors::map)?.volume
        }
        None => {
            let r = resolution_for(model, resolution)?;
            let p = SimParams::new(r, grid.voxel[0] as f64);
            let m = &model.model;
            return Ok(py.detach(|| engine::simulate::simulate_on(m, &p, grid)).map_err(errors::engine)?.1);
        }
    };
    Ok(py.detach(|| into_grid(vol, grid).0))
}

/// Make the three label maps of `map` and `model`: `cryolabel label` as a function, with
/// every labeling option of the CLI as a keyword. `simulated` is the noise-free map (a Map or
/// a path; resampled onto `map`'s grid when on another); without it the model is simulated
/// on `map`'s grid at `resolution` (default: the model's). `preset` is "denoisecryodata" (the
/// published data set's rules) or "precise"; `index` ("reference"/"nearest"),
/// `neighbourhood` ("cube"/"sphere") and `atom_types` ("names"/"residues") override its
/// parts; `radius` is voxels for the cube, Å for the sphere (0..=64).
/// Raises ValueError (naming the model) when every atom falls outside the map.
#[pyfunction]
#[pyo3(signature = (map, model, simulated = None, resolution = None, preset = "denoisecryodata", radius = 6.0,
                    index = None, neighbourhood = None, atom_types = None))]
#[allow(clippy::too_many_arguments)]
pub fn label(
    py: Python<'_>,
    map: &Map,
    model: &Model,
    simulated: Option<&Bound<'_, PyAny>>,
    resolution: Option<f64>,
    preset: &str,
    radius: f32,
    index: Option<&str>,
    neighbourhood: Option<&str>,
    atom_types: Option<&str>,
) -> PyResult<Labels> {
    if simulated.is_some() && resolution.is_some() {
        return Err(PyValueError::new_err("give simulated or resolution, not both (resolution is for the simulation)"));
    }
    let opts = LabelOptions {
        preset: choice::<PresetArg>("preset", Some(preset))?.expect("given"),
        radius,
        index: choice::<IndexArg>("index", index)?,
        neighbourhood: choice::<NeighbourhoodArg>("neighbourhood", neighbourhood)?,
        atom_types: choice::<AtomTypesArg>("atom_types", atom_types)?,
    };
    let params = opts.params().map_err(errors::value)?;
    let grid = map.grid;
    let sim = simulated_on(py, &grid, model, simulated, resolution)?;
    let atoms = &model.model.atoms;
    let labels = py.detach(|| engine::label::label(&sim, atoms, &params, None)).map_err(errors::engine)?;
    drop(sim);
    if labels.stats.atoms_outside == labels.stats.atoms {
        return Err(PyValueError::new_err(format!(
            "{}: {}",
            model.model.path.display(),
            engine::label::miss_message(&grid, atoms)
        )));
    }
    let l = labels;
    Ok(Labels {
        regression: to_numpy(py, &grid, l.regression.data).unbind(),
        classification: to_numpy(py, &grid, l.classification.data).unbind(),
        types: to_numpy(py, &grid, l.atom_types.data).unbind(),
        grid,
        params: l.params,
        stats: l.stats,
        default_id: cryolabel::cli::label::default_id(&model.model.path),
    })
}

/// A Fourier shell correlation: `d05` and `d0143` are the resolutions (Å) where the curve
/// first drops below 0.5 and 0.143 (None when it never does: better than Nyquist), `curve` is
/// float64 (shells, 4): frequency 1/Å, resolution Å, FSC, voxels in the shell.
#[pyclass(frozen, module = "cryolabel")]
pub struct Fsc {
    curve: FscCurve,
    array: Py<PyArray2<f64>>,
}

#[pymethods]
impl Fsc {
    /// Resolution (Å) at FSC = 0.5, None if the curve never drops below it.
    #[getter]
    fn d05(&self) -> Option<f64> {
        self.curve.d05()
    }
    /// Resolution (Å) at FSC = 0.143, None if the curve never drops below it.
    #[getter]
    fn d0143(&self) -> Option<f64> {
        self.curve.d0143()
    }
    /// The Nyquist resolution (Å) of the grid.
    #[getter]
    fn nyquist(&self) -> Option<f64> {
        self.curve.nyquist()
    }
    /// float64 (shells, 4): frequency (1/Å), resolution (Å), FSC, voxel count.
    #[getter]
    fn curve(&self, py: Python<'_>) -> Py<PyArray2<f64>> {
        self.array.clone_ref(py)
    }
    /// The curve as `cryolabel fsc --csv` writes it.
    fn to_csv(&self) -> String {
        self.curve.to_csv()
    }
    fn __repr__(&self) -> String {
        let f = |d: Option<f64>| d.map(|d| format!("{d:.3}")).unwrap_or_else(|| "None".into());
        format!("cryolabel.Fsc(d05={}, d0143={}, {} shells)", f(self.d05()), f(self.d0143()), self.curve.shells.len())
    }
}

/// Fourier shell correlation of `map` against `model` (its model map at `resolution` Å,
/// default the model's stated resolution, else 3 Å) or against a second map `map2` (resampled
/// onto `map`'s grid if on another): `cryolabel fsc`. `mask` multiplies both by a soft mask
/// around the atoms (3 Å + 3 Å cosine edge; needs `model`).
#[pyfunction]
#[pyo3(signature = (map, model = None, map2 = None, resolution = None, mask = false))]
pub fn fsc(
    py: Python<'_>,
    map: &Map,
    model: Option<&Model>,
    map2: Option<&Map>,
    resolution: Option<f32>,
    mask: bool,
) -> PyResult<Fsc> {
    let a = map.volume(py)?;
    let curve = match (model, map2) {
        (Some(m), None) => {
            let r = cryolabel::cli::fsc::model_resolution(resolution, &m.model).map_err(errors::value)?;
            let atoms = &m.model.atoms;
            py.detach(|| engine::fsc::map_model_fsc(&a, atoms, r, mask))
        }
        (None, Some(b)) if !mask => {
            let b = b.volume(py)?;
            py.detach(|| engine::fsc::fsc(&a, &into_grid(b, &a.grid).0)).map_err(errors::engine)?
        }
        (None, Some(_)) => return Err(PyValueError::new_err("mask needs model")),
        _ => return Err(PyValueError::new_err("give model or map2 (one of them)")),
    };
    if curve.shells.is_empty() {
        let name = map.path_or("map");
        return Err(PyValueError::new_err(format!("{name}: the map is too small for an FSC")));
    }
    let rows: Vec<f64> = curve.shells.iter().flat_map(|s| [s.freq, s.resolution, s.fsc, s.count as f64]).collect();
    let arr = Array2::from_shape_vec((curve.shells.len(), 4), rows).expect("4 per shell");
    Ok(Fsc { array: PyArray2::from_owned_array(py, arr).unbind(), curve })
}
