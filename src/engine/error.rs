//! Engine errors: every one names the file and says what is wrong with it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("{}: cannot read: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    #[error("{}: {}", .0.display(), .1)]
    Invalid(PathBuf, String),
    #[error("{}: not supported: {}", .0.display(), .1)]
    Unsupported(PathBuf, String),
    #[error("{}: the header asks for {need} bytes of voxel data, more than this machine can hold ({have} bytes available); refusing before allocating", path.display())]
    TooLarge { path: PathBuf, need: u64, have: u64 },
    #[error("{}: truncated: the header needs {} bytes but the file has {}", .0.display(), .1, .2)]
    Truncated(PathBuf, u64, u64),
    /// Writing (any output goes through `mapio::write_atomic`), so the message never says "read".
    #[error("cannot write {}: {}", .0.display(), .1)]
    Write(PathBuf, std::io::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{}: cannot read: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    #[error("{}: cannot parse the model: {}", .0.display(), .1)]
    Parse(PathBuf, String),
    #[error("{}: the model has no atoms", .0.display())]
    NoAtoms(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Map(#[from] MapError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("{0}")]
    Input(String),
    #[error("cannot write {}: {}", .0.display(), .1)]
    Write(PathBuf, std::io::Error),
    #[error("{}: cannot simulate a map: {}", .0.display(), .1)]
    Simulate(PathBuf, String),
    #[error("cancelled")]
    Cancelled,
}
