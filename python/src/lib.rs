//! The Python extension `cryolabel._cryolabel`: the engine (no GUI) as functions and classes
//! whose arrays are numpy arrays owning the engine's buffers. The Python package
//! `cryolabel` (python/cryolabel/__init__.py) re-exports it with its docstrings and stubs.

mod dataset;
mod errors;
mod label;
mod map;
mod model;

use pyo3::prelude::*;

#[pymodule]
fn _cryolabel(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<map::Map>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<label::Labels>()?;
    m.add_class::<label::Fsc>()?;
    m.add_class::<dataset::CubeDataset>()?;
    m.add_function(wrap_pyfunction!(map::read_map, m)?)?;
    m.add_function(wrap_pyfunction!(map::write_map, m)?)?;
    m.add_function(wrap_pyfunction!(map::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(model::read_model, m)?)?;
    m.add_function(wrap_pyfunction!(label::label, m)?)?;
    m.add_function(wrap_pyfunction!(label::fsc, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
