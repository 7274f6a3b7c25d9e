//! `Model` and `read_model`: atoms as numpy arrays and lists.

use std::path::PathBuf;
use std::sync::Arc;

use cryolabel::engine;
use numpy::ndarray::{Array1, Array2};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::errors;

/// An atomic model as the engine reads it (PDB, mmCIF, assembly files such as .pdb1): every
/// atom of every MODEL, one position per atom (the altloc of highest occupancy). Columns are
/// per atom, in file order: `positions` (N, 3) float32 Å, `resseq` (N,) int64, and lists
/// `elements`, `names`, `resnames`, `chains`.
#[pyclass(frozen, module = "cryolabel")]
pub struct Model {
    pub model: Arc<engine::Model>,
    positions: Py<PyArray2<f32>>,
    resseq: Py<PyArray1<i64>>,
}

#[pymethods]
impl Model {
    fn __len__(&self) -> usize {
        self.model.atoms.len()
    }
    /// float32 (N, 3): atom coordinates x, y, z in Å.
    #[getter]
    fn positions(&self, py: Python<'_>) -> Py<PyArray2<f32>> {
        self.positions.clone_ref(py)
    }
    /// int64 (N,): residue sequence numbers.
    #[getter]
    fn resseq(&self, py: Python<'_>) -> Py<PyArray1<i64>> {
        self.resseq.clone_ref(py)
    }
    /// Element symbols, one per atom.
    #[getter]
    fn elements(&self) -> Vec<String> {
        self.model.atoms.iter().map(|a| a.element.to_string()).collect()
    }
    /// Atom names (CA, CB, ...), one per atom.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.model.atoms.iter().map(|a| a.name.to_string()).collect()
    }
    /// Residue names, one per atom.
    #[getter]
    fn resnames(&self) -> Vec<String> {
        self.model.atoms.iter().map(|a| a.res_name.to_string()).collect()
    }
    /// Chain ids, one per atom.
    #[getter]
    fn chains(&self) -> Vec<String> {
        self.model.atoms.iter().map(|a| a.chain.to_string()).collect()
    }
    /// Atoms per MODEL record (assembly files hold one MODEL per copy).
    #[getter]
    fn atoms_per_model(&self) -> Vec<usize> {
        self.model.atoms_per_model.clone()
    }
    /// The resolution the file states (Å), if any.
    #[getter]
    fn resolution(&self) -> Option<f64> {
        engine::simulate::model_resolution(&self.model)
    }
    /// File format as detected ("PDB", "mmCIF", ...).
    #[getter]
    fn format(&self) -> &'static str {
        self.model.format
    }
    /// The file it was read from.
    #[getter]
    fn path(&self) -> String {
        self.model.path.display().to_string()
    }
    /// What the reader skipped or found odd.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.model.warnings.clone()
    }
    fn __repr__(&self) -> String {
        format!(
            "cryolabel.Model({} atoms, {}, {})",
            self.model.atoms.len(),
            self.model.format,
            self.model.path.display()
        )
    }
}

/// Read a model (PDB, mmCIF or an assembly file such as .pdb1, optionally gzipped) with the
/// engine's readers, as the labeling `preset` reads it: "denoisecryodata" (default) yields
/// exactly Biopython's atoms in Biopython's order (the published script's reader; a hetero
/// residue joins its chain), "precise" keeps file order and the residue/altloc with the
/// highest occupancy. FileNotFoundError for a missing file, ValueError for one that holds no
/// readable atoms; both name the file.
#[pyfunction]
#[pyo3(signature = (path, preset = "denoisecryodata"))]
pub fn read_model(py: Python<'_>, path: PathBuf, preset: &str) -> PyResult<Model> {
    let preset: cryolabel::cli::PresetArg = crate::label::choice("preset", Some(preset))?.expect("given");
    let opts = engine::LabelParams::preset(preset.into()).read_options();
    let m = py.detach(|| engine::read_model_with(&path, opts)).map_err(errors::model)?;
    let n = m.atoms.len();
    let xyz: Vec<f32> = m.atoms.iter().flat_map(|a| [a.pos.x, a.pos.y, a.pos.z]).collect();
    let positions = PyArray2::from_owned_array(py, Array2::from_shape_vec((n, 3), xyz).expect("3 per atom")).unbind();
    let seq = Array1::from_iter(m.atoms.iter().map(|a| a.res_seq as i64));
    let resseq = PyArray1::from_owned_array(py, seq).unbind();
    Ok(Model { model: Arc::new(m), positions, resseq })
}
