//! The data set's file layout: `<id>_regression_situs.mrc` (float32),
//! `<id>_classification_situs.mrc` (int16), `<id>_classification_types_situs.mrc` (float32).

use std::path::{Path, PathBuf};

use super::error::EngineError;
use super::grid::Grid;
use super::label::{LabelCore, Labels};
use super::mapio::{Durability, VoxelSource, write_map_source};

/// An id names the output files (`<id>_regression_situs.mrc`) and a data set's entry folder
/// (`<out>/<id>/`), so it must be a file-name stem: a path separator or `..` would put outputs
/// outside the folder asked for. One check for `label`, `prepare`, `batch` and the viewer.
pub fn check_id(id: &str) -> Result<(), EngineError> {
    let why = if id.is_empty() {
        "it is empty"
    } else if id.contains(['/', '\\']) {
        "it holds a path separator"
    } else if id == "." || id == ".." {
        "it is `.` or `..`"
    } else if id.contains('\0') {
        "it holds a NUL byte"
    } else {
        return Ok(());
    };
    Err(EngineError::Input(format!("id {id:?} is not a file-name stem: {why}")))
}

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
pub fn write_labels(dir: &Path, id: &str, labels: &Labels, d: Durability) -> Result<Vec<PathBuf>, EngineError> {
    let arrays = LabelArrays {
        regression: &labels.regression.data,
        classification: &labels.classification.data,
        types: &labels.atom_types.data,
    };
    write_label_arrays(dir, id, &labels.regression.grid, &arrays, d)
}

/// [`write_labels`] of labels not laid out ([`LabelCore`]): the regression and atom-type voxels
/// are made chunk by chunk as they are written, from the class map and `sim`, the simulated map
/// it labelled. The same bytes as [`write_labels`] of the same labels.
pub fn write_label_core(
    dir: &Path,
    id: &str,
    core: &LabelCore,
    sim: &[f32],
    d: Durability,
) -> Result<Vec<PathBuf>, EngineError> {
    let grid = core.classification.grid;
    write_label_sources(dir, id, &grid, [&core.regression(sim), &core.types()], &core.classes(), d)
}

/// The three label maps' voxels (x fastest) wherever they are held: the Python package's
/// `Labels.write` passes its numpy arrays, so both write the same bytes through one path.
pub struct LabelArrays<'a> {
    pub regression: &'a [f32],
    pub classification: &'a [i16],
    pub types: &'a [f32],
}

/// [`write_labels`] of arrays on `grid`.
pub fn write_label_arrays(
    dir: &Path,
    id: &str,
    grid: &Grid,
    a: &LabelArrays,
    d: Durability,
) -> Result<Vec<PathBuf>, EngineError> {
    write_label_sources(dir, id, grid, [&a.regression, &a.types], &a.classification, d)
}

/// The one writer of label files: regression and atom types (float32), classification (int16).
fn write_label_sources(
    dir: &Path,
    id: &str,
    grid: &Grid,
    [regression, types]: [&(dyn VoxelSource<f32> + '_); 2],
    classification: &(dyn VoxelSource<i16> + '_),
    d: Durability,
) -> Result<Vec<PathBuf>, EngineError> {
    check_id(id)?;
    std::fs::create_dir_all(dir).map_err(|e| EngineError::Write(dir.to_path_buf(), e))?;
    let names = label_file_names(id);
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let tag = format!("cryolabel {} {id}", env!("CARGO_PKG_VERSION"));
    let results = std::thread::scope(|s| {
        let r = s.spawn(|| write_map_source(&paths[0], grid, regression, &format!("{tag} regression"), d));
        let c = s.spawn(|| write_map_source(&paths[1], grid, classification, &format!("{tag} classification"), d));
        let t = write_map_source(&paths[2], grid, types, &format!("{tag} atom types"), d);
        [r, c]
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)).map(|_| ()))
            .into_iter()
            .chain([t.map(|_| ())])
            .collect::<Vec<_>>()
    });
    for r in results {
        r?;
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_file_name_stems() {
        for ok in ["5me2", "emd_3488.v2", "a..b", "x y"] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for (bad, why) in
            [("a/../b", "path separator"), ("..", "`..`"), (".", "`.`"), ("a\\b", "path separator"), ("", "empty")]
        {
            let e = check_id(bad).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("not a file-name stem"), "{bad}: {e}");
        }
    }
}
