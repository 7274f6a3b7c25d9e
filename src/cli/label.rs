//! `cryolabel label`: the three label maps of a map and its model.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::LabelOptions;
use crate::engine::{self, resample::into_grid};

#[derive(Args, Debug, Clone)]
pub struct LabelArgs {
    /// Experimental map (.mrc/.map, optionally .gz), or an EMDB id (emdb:3488): the labels use
    /// its exact grid.
    #[arg(long)]
    pub map: PathBuf,
    /// Fitted model (PDB, mmCIF or assembly file such as .pdb1), or a PDB id (pdb:5me2, 5me2).
    #[arg(long)]
    pub model: PathBuf,
    /// Simulated noise-free map (pdb2vol); resampled onto the map's grid if it differs.
    /// Without it the map is simulated on the map's grid with pdb2vol's rules.
    #[arg(long)]
    pub simulated: Option<PathBuf>,
    /// Resolution in Å for the simulation when --simulated is absent (default: the model's).
    #[arg(long, conflicts_with = "simulated")]
    pub resolution: Option<f64>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// File id (default: the model file's stem).
    #[arg(long)]
    pub id: Option<String>,
    #[command(flatten)]
    pub labeling: LabelOptions,
    #[command(flatten)]
    pub archive: super::accession::ArchiveOptions,
    /// `precise` preset only: leave atoms whose Q-score against the map is below Q out of the
    /// atom and neighbour labels (train only on what the map supports); they are counted.
    #[arg(long, value_name = "Q")]
    pub min_q: Option<f32>,
}

/// Id of the outputs: given, else the model file's stem up to its first dot.
pub fn default_id(model: &std::path::Path) -> String {
    let name = model.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    name.split('.').next().unwrap_or("model").to_string()
}

pub fn run(args: &LabelArgs) -> Result<()> {
    let mut args = args.clone();
    let r = super::accession::localize(Some(&mut args.map), Some(&mut args.model), &args.archive)?;
    if args.simulated.is_none() {
        args.resolution = args.resolution.or(r.resolution());
    }
    let args = &args;
    let t0 = std::time::Instant::now();
    let params = args.labeling.params()?;
    // refused before any work: the id names the output files
    let id = args.id.clone().unwrap_or_else(|| default_id(&args.model));
    engine::export::check_id(&id).context("--id")?;
    // Labels need only the experimental grid: its voxels are read only for --min-q (a 526^3
    // map is 580 MB that would otherwise be read only to be dropped).
    let (grid, map_volume, warnings) = if args.min_q.is_some() {
        let map = engine::read_map(&args.map)?;
        (map.volume.grid, Some(map.volume), map.warnings)
    } else {
        let (grid, warnings) = engine::mapio::read_grid(&args.map)?;
        (grid, None, warnings)
    };
    for w in &warnings {
        eprintln!("warning: {}: {w}", args.map.display());
    }
    // The model and the simulated map are read at once: parsing is CPU, the map is mapped (or
    // read) from the page cache, and on two cores the two overlap.
    let (model, simulated) = std::thread::scope(|s| {
        let sim = args.simulated.as_ref().map(|p| s.spawn(move || read_simulated(p, &grid)));
        let model = engine::read_model_with(&args.model, params.read_options());
        (model, sim.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))))
    });
    let mut model = model?;
    let simulated = simulated.transpose()?;
    let left_out = match (args.min_q, &map_volume) {
        (Some(q), Some(v)) => leave_out_low_q(v, &mut model, q, &args.labeling)?,
        _ => 0,
    };
    drop(map_volume);
    let sim_on_grid = simulated_on_grid(args, &grid, simulated, &model)?;
    let t_read = t0.elapsed();
    // not laid out: the files are written from the class map and the simulated map
    let labels = engine::label::label_core(grid, sim_on_grid.data(), &model.atoms, &params, None)?;
    let s = &labels.stats;
    if s.atoms_outside == s.atoms {
        bail!("{}: {}", args.model.display(), engine::label::miss_message(&grid, &model.atoms));
    }
    let paths = engine::export::write_label_core(&args.out, &id, &labels, sim_on_grid.data(), super::durability())
        .context("writing the label maps")?;
    drop(sim_on_grid);

    let per_model: Vec<String> = model.atoms_per_model.iter().map(|n| n.to_string()).collect();
    println!(
        "model      {} ({}): {} atoms in {} MODEL(s) [{}]",
        args.model.display(),
        model.format,
        s.atoms,
        per_model.len(),
        per_model.join(", ")
    );
    println!(
        "map        {} : {:?} voxels of {:?} Å, origin {:?} Å",
        args.map.display(),
        grid.shape,
        grid.voxel,
        grid.origin
    );
    println!(
        "params     index {:?}, neighbourhood {:?} radius {}, atom types {:?}{}",
        params.index,
        params.neighbourhood,
        params.radius,
        params.atom_types,
        params.matching_preset().map(|p| format!(" (preset {p:?})")).unwrap_or_default()
    );
    println!(
        "atoms      outside grid {}, inside with zero simulated density {}",
        s.atoms_outside, s.atoms_without_density
    );
    println!("collisions {} voxels hold more than one atom", s.collisions);
    println!(
        "classes    background {}, atom {}, neighbour {}",
        s.class_counts[0], s.class_counts[1], s.class_counts[2]
    );
    println!(
        "types      CA {}, CB {}, C {}, O {}, N {}",
        s.type_counts[1], s.type_counts[2], s.type_counts[3], s.type_counts[4], s.type_counts[5]
    );
    if let Some(q) = args.min_q {
        println!("min Q      {left_out} atoms with Q-score < {q} left out of the atom and neighbour labels");
    }
    for w in &s.warnings {
        println!("warning    {w}");
    }
    println!(
        "time       read {:.3} s, label {:.3} s, total {:.3} s",
        t_read.as_secs_f64(),
        s.elapsed.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    for p in paths {
        println!("wrote      {}", p.display());
    }
    Ok(())
}

/// The simulated map as read: a plain float32 file on the map's grid is used in place
/// (memory-mapped: `label` only reads it), any other is read into memory.
enum Simulated {
    Mapped(engine::mapio::MappedF32),
    Read(engine::Volume<f32>),
}

impl Simulated {
    fn data(&self) -> &[f32] {
        match self {
            Simulated::Mapped(m) => m.data(),
            Simulated::Read(v) => &v.data,
        }
    }
}

/// `--simulated`: memory-mapped when it is a plain float32 file on `grid`'s lattice.
fn read_simulated(path: &Path, grid: &engine::Grid) -> Result<Simulated> {
    if let Some(m) = engine::mapio::map_f32(path)?
        && m.grid.same_lattice(grid, engine::grid::HEADER_NOISE)
    {
        return Ok(Simulated::Mapped(m));
    }
    Ok(Simulated::Read(engine::read_map(path)?.volume))
}

/// The simulated voxels on the map's grid: `--simulated` as read (resampled when it lies on
/// another grid), else simulated with pdb2vol's rules at the model's or the given resolution.
fn simulated_on_grid(
    args: &LabelArgs,
    grid: &engine::Grid,
    simulated: Option<Simulated>,
    model: &engine::Model,
) -> Result<Simulated> {
    Ok(match (&args.simulated, simulated) {
        (Some(_), Some(Simulated::Mapped(m))) => Simulated::Mapped(m),
        (Some(path), Some(Simulated::Read(sim))) => {
            let from = sim.grid;
            let (on_grid, resampled) = into_grid(sim, grid);
            if resampled {
                eprintln!(
                    "note: {} is on another grid ({:?} voxels of {:?} Å at {:?}); resampled trilinearly onto the map's grid",
                    path.display(),
                    from.shape,
                    from.voxel,
                    from.origin
                );
            }
            Simulated::Read(on_grid)
        }
        _ => {
            let Some(r) = args.resolution.or(engine::simulate::model_resolution(model)) else {
                bail!(
                    "{}: the model states no resolution; pass --resolution R (or --simulated MAP)",
                    args.model.display()
                );
            };
            let p = engine::SimParams::new(r, grid.voxel[0] as f64);
            let (s, v) = engine::simulate::simulate_on(model, &p, grid)?;
            for w in &s.warnings {
                eprintln!("warning: simulation: {w}");
            }
            eprintln!(
                "note: simulated at {r} Å with pdb2vol's rules on the map's grid ({} atoms, {:.3} s)",
                s.atoms_used,
                s.elapsed.as_secs_f64()
            );
            Simulated::Read(v)
        }
    })
}

/// Drop the atoms whose Q-score (engine::quality) is below `min_q`; atoms without a Q
/// (hydrogens, outside the map) stay. Returns how many were dropped.
fn leave_out_low_q(
    map: &engine::Volume<f32>,
    model: &mut engine::Model,
    min_q: f32,
    o: &LabelOptions,
) -> Result<usize> {
    if o.preset != super::PresetArg::Precise {
        bail!("--min-q belongs to the precise preset (add --preset precise)");
    }
    if !(min_q.is_finite() && (-1.0..=1.0).contains(&min_q)) {
        bail!("--min-q {min_q} must lie in -1..=1");
    }
    let q = engine::quality::atom_q(map, model, &engine::quality::QParams::default());
    let before = model.atoms.len();
    let mut keep = q.iter().map(|&q| !(q < min_q));
    model.atoms.retain(|_| keep.next().unwrap_or(true));
    Ok(before - model.atoms.len())
}
