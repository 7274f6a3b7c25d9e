//! Engine errors as Python exceptions, carrying the engine's (= the CLI's) message, which
//! names the file: a missing file is FileNotFoundError, other I/O trouble OSError, bad or
//! unsupported content and bad arguments ValueError.

use std::io::ErrorKind;

use cryolabel::engine::dataset::DatasetError;
use cryolabel::engine::table::TableError;
use cryolabel::engine::{EngineError, MapError, ModelError};
use pyo3::PyErr;
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyValueError};

fn io(kind: ErrorKind, msg: String) -> PyErr {
    if kind == ErrorKind::NotFound { PyFileNotFoundError::new_err(msg) } else { PyOSError::new_err(msg) }
}

pub fn map(e: MapError) -> PyErr {
    let msg = e.to_string();
    match e {
        MapError::Io(_, io_err) | MapError::Write(_, io_err) => io(io_err.kind(), msg),
        _ => PyValueError::new_err(msg),
    }
}

pub fn model(e: ModelError) -> PyErr {
    let msg = e.to_string();
    match e {
        ModelError::Io(_, io_err) => io(io_err.kind(), msg),
        _ => PyValueError::new_err(msg),
    }
}

pub fn engine(e: EngineError) -> PyErr {
    match e {
        EngineError::Map(m) => map(m),
        EngineError::Model(m) => model(m),
        EngineError::Write(ref _p, ref io_err) => io(io_err.kind(), e.to_string()),
        EngineError::Cancelled => PyRuntimeError::new_err(e.to_string()),
        EngineError::Input(_) | EngineError::Simulate(..) => PyValueError::new_err(e.to_string()),
    }
}

pub fn dataset(e: DatasetError) -> PyErr {
    match e {
        DatasetError::Engine(x) => engine(x),
        DatasetError::Map(x) => map(x),
        DatasetError::Read(ref _p, ref io_err) | DatasetError::Write(ref _p, ref io_err) => {
            io(io_err.kind(), e.to_string())
        }
        DatasetError::Table(TableError::Read(ref _p, ref io_err)) => io(io_err.kind(), e.to_string()),
        DatasetError::Invalid(..) | DatasetError::Input(_) | DatasetError::Table(_) => {
            PyValueError::new_err(e.to_string())
        }
    }
}

/// An anyhow error from the CLI's shared option checks (e.g. the radius range).
pub fn value(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}
