//! The data set's file layout: `<id>_regression_situs.mrc` (float32),
//! `<id>_classification_situs.mrc` (int16), `<id>_classification_types_situs.mrc` (float32).

use std::path::{Path, PathBuf};

use super::error::EngineError;
use super::label::Labels;
use super::mapio::write_map;

/// Names of the three label files for an id, in the order regression, classification, types.
pub fn label_file_names(id: &str) -> [String; 3] {
    [
        format!("{id}_regression_situs.mrc"),
        format!("{id}_classification_situs.mrc"),
        format!("{id}_classification_types_situs.mrc"),
    ]
}

/// Write the three label maps into `dir` (created if needed); each file is written atomically.
/// The three are written at once, each on its own thread: most of a write is waiting for the
/// disk, which takes the three streams together as fast as one.
pub fn write_labels(dir: &Path, id: &str, labels: &Labels) -> Result<Vec<PathBuf>, EngineError> {
    std::fs::create_dir_all(dir).map_err(|e| EngineError::Write(dir.to_path_buf(), e))?;
    let names = label_file_names(id);
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let tag = format!("cryolabel {} {id}", env!("CARGO_PKG_VERSION"));
    let results = std::thread::scope(|s| {
        let r = s.spawn(|| write_map(&paths[0], &labels.regression, &format!("{tag} regression")));
        let c = s.spawn(|| write_map(&paths[1], &labels.classification, &format!("{tag} classification")));
        let t = write_map(&paths[2], &labels.atom_types, &format!("{tag} atom types"));
        [r, c]
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .into_iter()
            .chain([t])
            .collect::<Vec<_>>()
    });
    for r in results {
        r?;
    }
    Ok(paths)
}
