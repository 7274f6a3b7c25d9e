#![allow(dead_code)]
//! Shared helpers for integration tests: real data is read in place from ../shared.

use std::path::PathBuf;

pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real")).join(rel)
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cryolabel"))
}
