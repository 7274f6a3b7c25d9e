//! `cryolabel prepare`: a raw EMDB map and a PDB entry to a data-set folder, in one step.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use super::simulate::SimOptions;
use super::{AtomTypesArg, IndexArg, NeighbourhoodArg, PresetArg};
use crate::engine::{self, label::LabelParams, prepare::PrepareParams, Preset};

#[derive(Args, Debug, Clone)]
pub struct PrepareArgs {
    /// Experimental map as EMDB ships it (.map/.mrc, optionally .gz).
    #[arg(long)]
    pub map: PathBuf,
    /// Fitted model (PDB, mmCIF or assembly file).
    #[arg(long)]
    pub model: PathBuf,
    /// Data-set folder; the files go to OUT/<id>/.
    #[arg(long)]
    pub out: PathBuf,
    /// Entry id (default: the model's data_/HEADER id, else its file stem).
    #[arg(long)]
    pub id: Option<String>,
    /// Resolution for the simulation in Å (default: the model's stated resolution).
    #[arg(long)]
    pub resolution: Option<f64>,
    /// Voxel size of the data set's grid in Å.
    #[arg(long, default_value_t = 1.0)]
    pub spacing: f32,
    #[arg(long, value_enum, default_value = "denoisecryodata")]
    pub preset: PresetArg,
    /// Neighbour radius: voxels for the cube, Å for the sphere.
    #[arg(long, default_value_t = 6.0)]
    pub radius: f32,
    #[arg(long, value_enum)]
    pub index: Option<IndexArg>,
    #[arg(long, value_enum)]
    pub neighbourhood: Option<NeighbourhoodArg>,
    #[arg(long, value_enum)]
    pub atom_types: Option<AtomTypesArg>,
    #[command(flatten)]
    pub sim: SimOptions,
}

pub fn run(args: &PrepareArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    if !(args.radius.is_finite() && args.radius >= 0.0 && args.radius <= 64.0) {
        bail!("--radius {} is outside 0..=64", args.radius);
    }
    let mut label = LabelParams::preset(Preset::from(args.preset));
    label.radius = args.radius;
    if let Some(i) = args.index {
        label.index = i.into();
    }
    if let Some(n) = args.neighbourhood {
        label.neighbourhood = n.into();
    }
    if let Some(a) = args.atom_types {
        label.atom_types = a.into();
    }
    if args.sim.half_max.is_some() {
        bail!("prepare simulates at a resolution: use --resolution instead of --half-max");
    }
    // the kernel width is set by prepare from the resolution; a placeholder here
    let sim = args.sim.params(Some(1.0), args.spacing as f64)?;
    let params = PrepareParams { spacing: args.spacing, resolution: args.resolution, id: args.id.clone(), sim, label };
    let r = engine::prepare::prepare(&args.map, &args.model, &args.out, &params, None)?;
    let s = &r.labels.stats;
    let g = &r.grid;
    println!("id         {}", r.id);
    println!("model      {} ({}): {} atoms in {} MODEL(s)", args.model.display(), r.model.format, r.model.atoms.len(), r.model.atoms_per_model.len());
    println!("grid       {:?} voxels of {:?} Å at {:?} Å", g.shape, g.voxel, g.origin);
    println!("simulate   resolution {} Å ({}), {} atoms, half-width {} voxels", r.resolution, r.resolution_source, r.sim.atoms_used, r.sim.exth);
    println!("labels     background {}, atom {}, neighbour {}; atoms outside {}", s.class_counts[0], s.class_counts[1], s.class_counts[2], s.atoms_outside);
    for w in r.warnings.iter().chain(&r.sim.warnings).chain(&s.warnings) {
        println!("warning    {w}");
    }
    println!("time       {:.3} s", t0.elapsed().as_secs_f64());
    for f in &r.files {
        println!("wrote      {}", f.display());
    }
    Ok(())
}
