//! The bundled sample (a crop of EMD-3488 with PDB 5ME2, see assets/README.md), opened when
//! cryolabel starts with no arguments. The files are compiled into the binary, so an installed
//! executable works anywhere; the source tree's copy is used when it exists.

use std::path::{Path, PathBuf};

const MAP: (&str, &[u8]) = ("emd_3488_crop.mrc", include_bytes!("../../assets/emd_3488_crop.mrc"));
const MODEL: (&str, &[u8]) = ("5me2_crop.pdb", include_bytes!("../../assets/5me2_crop.pdb"));
const SIMULATED: (&str, &[u8]) =
    ("5me2_simulated_crop.mrc.gz", include_bytes!("../../assets/5me2_simulated_crop.mrc.gz"));

/// Paths of the sample's map, model and simulated map.
pub fn sample_files() -> std::io::Result<[PathBuf; 3]> {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let files = [MAP, MODEL, SIMULATED];
    if files.iter().all(|(n, _)| tree.join(n).is_file()) {
        return Ok(files.map(|(n, _)| tree.join(n)));
    }
    let dir = std::env::temp_dir().join(format!("cryolabel-sample-{}", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&dir)?;
    for (n, bytes) in files {
        let p = dir.join(n);
        if std::fs::metadata(&p).map(|m| m.len() as usize).ok() != Some(bytes.len()) {
            crate::engine::mapio::write_atomic(&p, crate::engine::Durability::Renamed, |f| {
                std::io::Write::write_all(f, bytes)
            })
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
    }
    Ok(files.map(|(n, _)| dir.join(n)))
}

/// Start options that open the sample.
pub fn sample_options() -> std::io::Result<super::StartOptions> {
    let [map, model, simulated] = sample_files()?;
    Ok(super::StartOptions {
        map: Some(map),
        model: Some(model),
        simulated: Some(simulated),
        screenshot: None,
        ..Default::default()
    })
}
