//! Whole data sets: a manifest of (map, model) entries run through `prepare` in parallel and
//! resumably, the set's metadata and failures tables, shard merging, sub-cubes and splits.

pub mod batch;
pub mod cubes;
pub mod manifest;
pub mod metadata;
pub mod npy;
pub mod split;

use std::path::PathBuf;

/// Errors of the data-set layer; per-entry failures are not errors (they go to failures.csv).
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{}: cannot read: {}", .0.display(), .1)]
    Read(PathBuf, std::io::Error),
    #[error("cannot write {}: {}", .0.display(), .1)]
    Write(PathBuf, std::io::Error),
    #[error("{}: {}", .0.display(), .1)]
    Invalid(PathBuf, String),
    #[error(transparent)]
    Engine(#[from] super::EngineError),
    #[error(transparent)]
    Map(#[from] super::MapError),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Table(#[from] super::table::TableError),
}

/// Write text atomically (temporary sibling + rename), as every output of the engine is.
pub fn write_text(path: &std::path::Path, text: &str, d: super::Durability) -> Result<(), DatasetError> {
    super::mapio::write_atomic(path, d, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(DatasetError::from)
}
