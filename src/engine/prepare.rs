//! The paper's pipeline in one step, from a raw EMDB map and a PDB entry to a data-set folder:
//! resample the map (1 Å), simulate with pdb2vol's rules on that grid, label, write
//!
//! ```text
//! <out>/<id>/<id>.mrc                           the map on the new grid
//! <out>/<id>/<id>.pdb1  (or <id>.cif)           the model, one MODEL per copy
//! <out>/<id>/<id>_situs_simulated.mrc           the simulated map on the same grid
//! <out>/<id>/<id>_regression_situs.mrc, ...     the three label maps
//! <out>/<id>/provenance.json                    inputs (sha256), parameters, counts, timings
//! ```
//!
//! Everything is computed before the first file is written, and each file is written atomically.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::error::EngineError;
use super::label::{LabelCore, LabelParams, label_core};
use super::mapio::{Durability, read_map, write_atomic, write_map};
use super::model::{Model, read_model_with};
use super::modelwrite::{pdb_unfit, to_mmcif, to_pdb};
use super::resample::resample_spacing;
use super::simulate::{KernelWidth, SimParams, Simulated, simulate_on};

/// What `prepare` needs besides the two input files.
#[derive(Clone, Debug)]
pub struct PrepareParams {
    /// Voxel size of the data set's grid, Å.
    pub spacing: f32,
    /// Resolution for the simulation; None: the model's own (mmCIF/PDB header).
    pub resolution: Option<f64>,
    /// Folder and file id; None: the model's entry id, else its file stem.
    pub id: Option<String>,
    /// pdb2vol answers; spacing and width are set from the fields above.
    pub sim: SimParams,
    pub label: LabelParams,
    /// Whether each output is fsynced before `prepare` returns (`batch` always asks for it).
    pub durability: Durability,
}

/// What was made and where it went.
#[derive(Debug)]
pub struct Prepared {
    pub dir: PathBuf,
    pub id: String,
    pub files: Vec<PathBuf>,
    /// True when the model went to `<id>.cif` because PDB format cannot hold it.
    pub model_as_cif: Option<String>,
    pub resolution: f64,
    pub resolution_source: &'static str,
    /// The simulation's counts and own grid; its own-grid voxels are not kept (memory).
    pub sim: Simulated,
    /// The labels as decided (class map, atom-type voxels, counts); the files hold them laid out.
    pub labels: LabelCore,
    pub model: Model,
    pub grid: super::grid::Grid,
    pub warnings: Vec<String>,
}

/// The entry id of a model file: mmCIF `data_XXXX` or PDB HEADER columns 63-66, lower case;
/// else the file name up to its first dot.
pub fn model_id(path: &Path) -> String {
    let stem = || {
        let n = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        n.split('.').next().filter(|s| !s.is_empty()).unwrap_or("model").to_string()
    };
    let Ok(bytes) = read_head(path, 8192) else { return stem() };
    for l in bytes.lines().take(50) {
        let id = if let Some(d) = l.strip_prefix("data_") {
            d.trim().to_string()
        } else if l.starts_with("HEADER") {
            l.get(62..66).unwrap_or("").trim().to_string()
        } else {
            continue;
        };
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return id.to_ascii_lowercase();
        }
    }
    stem()
}

/// The first `n` bytes of a file as text, decompressed if need be (formats::open).
fn read_head(path: &Path, n: u64) -> std::io::Result<String> {
    let (f, _) = super::formats::open(path)?;
    let mut buf = Vec::new();
    f.take(n).read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, std::io::Error> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Run the pipeline and write the folder `<out>/<id>/`.
pub fn prepare(
    map_path: &Path,
    model_path: &Path,
    out: &Path,
    p: &PrepareParams,
    cancel: Option<&AtomicBool>,
) -> Result<Prepared, EngineError> {
    let t0 = Instant::now();
    if !(p.spacing.is_finite() && p.spacing >= 0.1) {
        return Err(EngineError::Input(format!("spacing {} Å: must be at least 0.1", p.spacing)));
    }
    let id = p.id.clone().unwrap_or_else(|| model_id(model_path));
    super::export::check_id(&id)?;
    // The inputs' sha256 (for provenance.json) on their own thread while everything else runs,
    // and the map and the model read at once: parsing is CPU, reading the map mostly I/O.
    let hashing = {
        let (a, b) = (map_path.to_path_buf(), model_path.to_path_buf());
        std::thread::spawn(move || [sha256_file(&a), sha256_file(&b)])
    };
    let (map, model) = std::thread::scope(|s| {
        let map = s.spawn(|| read_map(map_path));
        let model = read_model_with(model_path, p.label.read_options());
        (map.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), model)
    });
    let map = map?;
    let mut warnings: Vec<String> = map.warnings.iter().map(|w| format!("{}: {w}", map_path.display())).collect();
    let model = model?;
    warnings.extend(model.warnings.iter().map(|w| format!("{}: {w}", model_path.display())));
    let (resolution, resolution_source) = match (p.resolution, super::simulate::model_resolution(&model)) {
        (Some(r), _) => (r, "argument"),
        (None, Some(r)) => (r, "model file"),
        (None, None) => {
            return Err(EngineError::Input(format!(
                "{}: the model states no resolution (no _em_3d_reconstruction.resolution or REMARK 2); pass --resolution",
                model_path.display()
            )));
        }
    };
    if !(resolution.is_finite() && resolution > 0.0) {
        return Err(EngineError::Input(format!("resolution {resolution} Å must be positive")));
    }
    let t_read = t0.elapsed();

    let t = Instant::now();
    // A non-orthogonal map goes from its stored lattice to the new grid in one interpolation
    // (read_map's warning says it was resampled).
    let exp = match &map.skewed {
        Some(k) => k.resample_onto(&k.grid.orthogonal_grid(Some(p.spacing))),
        None => resample_spacing(&map.volume, p.spacing),
    };
    let grid = exp.grid;
    // Only the input's grid is needed from here on: its voxels go before the simulation and the
    // labels are allocated (batch runs entries side by side under a memory budget).
    let map_grid = map.volume.grid;
    drop(map);
    let t_resample = t.elapsed();

    let t = Instant::now();
    let mut sp = p.sim;
    sp.spacing = p.spacing as f64;
    sp.width = KernelWidth::Resolution(resolution);
    let (mut sim, sim_on_grid) = simulate_on(&model, &sp, &grid)?;
    // The simulation on its own grid is not written; only its counts and placement are kept.
    sim.volume.data = Vec::new();
    let t_sim = t.elapsed();

    let t = Instant::now();
    // not laid out: the label files are written from the class map and the simulation
    let labels = label_core(grid, &sim_on_grid.data, &model.atoms, &p.label, cancel)?;
    if labels.stats.atoms_outside == labels.stats.atoms {
        return Err(EngineError::Input(format!(
            "{}: {}",
            model_path.display(),
            super::label::miss_message(&grid, &model.atoms)
        )));
    }
    let t_label = t.elapsed();

    // Model text before any write, so a failure leaves nothing behind.
    let model_as_cif = pdb_unfit(&model);
    let (model_name, model_text) = match &model_as_cif {
        None => (format!("{id}.pdb1"), to_pdb(&model, Some(resolution))),
        Some(_) => (format!("{id}.cif"), to_mmcif(&model, &id, Some(resolution))),
    };
    if let Some(why) = &model_as_cif {
        warnings.push(format!("the model is written as {model_name}, not {id}.pdb1: {why}"));
    }
    let hashes = hashing.join().unwrap_or_else(|e| std::panic::resume_unwind(e));

    let t = Instant::now();
    let dir = out.join(&id);
    std::fs::create_dir_all(&dir).map_err(|e| EngineError::Write(dir.clone(), e))?;
    let tag = format!("cryolabel {} {id}", env!("CARGO_PKG_VERSION"));
    let d = p.durability;
    let map_out = dir.join(format!("{id}.mrc"));
    let model_out = dir.join(&model_name);
    let sim_out = dir.join(format!("{id}_situs_simulated.mrc"));
    // All six files at once: a write mostly waits for the disk, which takes them together as
    // fast as one; nothing is copied, each thread streams from the volume it writes.
    let (written, label_files) = std::thread::scope(|s| {
        let jobs = [
            s.spawn(|| write_map(&map_out, &exp, &format!("{tag} map at {} A", p.spacing), d)),
            s.spawn(|| write_atomic(&model_out, d, |f| std::io::Write::write_all(f, model_text.as_bytes()))),
            s.spawn(|| write_map(&sim_out, &sim_on_grid, &format!("{tag} pdb2vol-rule simulation R {resolution}"), d)),
        ];
        let labels = super::export::write_label_core(&dir, &id, &labels, &sim_on_grid.data, d);
        (jobs.map(|j| j.join().unwrap_or_else(|e| std::panic::resume_unwind(e))), labels)
    });
    for w in written {
        w?;
    }
    let mut files = vec![map_out, model_out, sim_out];
    files.extend(label_files?);
    let t_write = t.elapsed();
    let bytes_written: u64 = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();

    let s = &labels.stats;
    let hash = |h: &Result<String, std::io::Error>| {
        h.as_ref().map(|s| json!(s)).unwrap_or_else(|e| json!(format!("unreadable: {e}")))
    };
    let prov = json!({
        "tool": "cryolabel",
        "version": env!("CARGO_PKG_VERSION"),
        "command": "prepare",
        "id": id,
        "inputs": {
            "map": { "path": map_path.display().to_string(), "sha256": hash(&hashes[0]),
                     "shape": map_grid.shape, "voxel": map_grid.voxel, "origin": map_grid.origin },
            "model": { "path": model_path.display().to_string(), "sha256": hash(&hashes[1]), "format": model.format,
                       "atoms": model.atoms.len(), "atoms_per_model": model.atoms_per_model, "altlocs_dropped": model.altlocs_dropped,
                       "altloc_rule": format!("{:?}", model.altloc_rule), "residues_dropped": model.residues_dropped },
        },
        "grid": { "shape": grid.shape, "voxel": grid.voxel, "origin": grid.origin,
                  "rule": "voxel 0 kept, n' = floor((n-1) v / s) + 1, trilinear" },
        "resolution": { "value": resolution, "source": resolution_source },
        "simulation": {
            "rules": "Situs pdb2vol 2.x",
            "spacing": sim.volume.grid.voxel[0], "kernel": format!("{:?}", sp.kernel), "width": format!("{:?}", sp.width),
            "mass_weighted": sp.mass_weighted, "exclude_water": sp.exclude_water, "b_cutoff": sp.b_cutoff,
            "lattice_correction": sp.lattice_correction, "amplitude": sp.amplitude,
            "own_grid": { "shape": sim.volume.grid.shape, "origin": sim.volume.grid.origin },
            "atoms_used": sim.atoms_used, "hydrogens_dropped": sim.hydrogens_dropped, "waters_dropped": sim.waters_dropped,
            "b_dropped": sim.b_dropped, "zero_weight": sim.zero_weight, "lattice_rmsd": sim.lattice_rmsd,
            "kernel_half_width_voxels": sim.exth, "output_resolution": sim.output_resolution, "kernel_applied": sim.kernel_applied,
        },
        "labels": {
            "index": format!("{:?}", p.label.index), "neighbourhood": format!("{:?}", p.label.neighbourhood),
            "atom_types": format!("{:?}", p.label.atom_types), "radius": p.label.radius,
            "preset": p.label.matching_preset().map(|x| format!("{x:?}")),
            "atoms": s.atoms, "atoms_outside": s.atoms_outside, "atoms_without_density": s.atoms_without_density,
            "collisions": s.collisions, "class_counts": s.class_counts, "type_counts": s.type_counts,
        },
        "outputs": files.iter().map(|f| f.file_name().unwrap_or_default().to_string_lossy().to_string()).collect::<Vec<_>>(),
        "model_written_as_cif": model_as_cif,
        "timings_s": { "read": t_read.as_secs_f64(), "resample": t_resample.as_secs_f64(), "simulate": t_sim.as_secs_f64(),
                       "label": t_label.as_secs_f64(), "write": t_write.as_secs_f64(), "total": t0.elapsed().as_secs_f64() },
        "bytes_written": bytes_written,
        "warnings": warnings.iter().chain(sim.warnings.iter()).chain(s.warnings.iter()).collect::<Vec<_>>(),
    });
    let prov_out = dir.join("provenance.json");
    let text = serde_json::to_string_pretty(&prov).map_err(|e| EngineError::Input(format!("provenance: {e}")))?;
    write_atomic(&prov_out, d, |f| std::io::Write::write_all(f, text.as_bytes()))?;
    files.push(prov_out);
    Ok(Prepared { dir, id, files, model_as_cif, resolution, resolution_source, sim, labels, model, grid, warnings })
}
