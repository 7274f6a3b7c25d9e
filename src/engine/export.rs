//! The data set's file layout: `<id>_regression_situs.mrc` (float32),
//! `<id>_classification_situs.mrc` (int16), `<id>_classification_types_situs.mrc` (float32).

use std::path::{Path, PathBuf};

use super::error::EngineError;
use super::grid::Grid;
use super::label::Labels;
use super::mapio::write_map_data;

/// Names of the three label files for an id, in the order regression, classification, types.
pub fn label_file_names(id: &str) -> [String; 3] {
    [
        format!("{id}_regression_situs.mrc"),
        format!("{id}_classification_situs.mrc"),
        format!("{id}_classification_types_situs.mrc"),
    ]
}

/// Write the three label maps into `dir` (created if needed); each file is written atomically.
pub fn write_labels(dir: &Path, id: &str, labels: &Labels) -> Result<Vec<PathBuf>, EngineError> {
    let arrays = LabelArrays {
        regression: &labels.regression.data,
        classification: &labels.classification.data,
        types: &labels.atom_types.data,
    };
    write_label_arrays(dir, id, &labels.regression.grid, &arrays)
}

/// The three label maps' voxels (x fastest) wherever they are held: the Python package's
/// `Labels.write` passes its numpy arrays, so both write the same bytes through one path.
pub struct LabelArrays<'a> {
    pub regression: &'a [f32],
    pub classification: &'a [i16],
    pub types: &'a [f32],
}

/// [`write_labels`] of arrays on `grid`.
pub fn write_label_arrays(dir: &Path, id: &str, grid: &Grid, a: &LabelArrays) -> Result<Vec<PathBuf>, EngineError> {
    std::fs::create_dir_all(dir).map_err(|e| EngineError::Write(dir.to_path_buf(), e))?;
    let names = label_file_names(id);
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let tag = format!("cryolabel {} {id}", env!("CARGO_PKG_VERSION"));
    write_map_data(&paths[0], grid, a.regression, &format!("{tag} regression"))?;
    write_map_data(&paths[1], grid, a.classification, &format!("{tag} classification"))?;
    write_map_data(&paths[2], grid, a.types, &format!("{tag} atom types"))?;
    Ok(paths)
}
