//! `cryolabel prepare`: a raw EMDB map and a PDB entry to a data-set folder, in one step.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use super::LabelOptions;
use super::accession::{self, ArchiveOptions};
use super::simulate::SimOptions;
use crate::engine::archive::{Input, Slot};
use crate::engine::{self, prepare::PrepareParams};

#[derive(Args, Debug, Clone)]
pub struct PrepareArgs {
    /// Experimental map as EMDB ships it (.map/.mrc, optionally .gz), or an EMDB id
    /// (emdb:3488, EMD-3488), fetched into the cache; its header's resolution is then used.
    #[arg(long)]
    pub map: String,
    /// Fitted model (PDB, mmCIF or assembly file), or a PDB id (pdb:5me2, 5me2).
    #[arg(long)]
    pub model: String,
    /// Data-set folder; the files go to OUT/<id>/.
    #[arg(long)]
    pub out: PathBuf,
    /// Entry id (default: the model's data_/HEADER id, else its file stem).
    #[arg(long)]
    pub id: Option<String>,
    #[command(flatten)]
    pub pipeline: PipelineOptions,
    #[command(flatten)]
    pub archive: ArchiveOptions,
}

/// Everything the prepare pipeline takes besides its inputs; shared by `prepare` and `batch`.
#[derive(Args, Debug, Clone)]
pub struct PipelineOptions {
    /// Resolution for the simulation in Å (default: the model's stated resolution).
    #[arg(long)]
    pub resolution: Option<f64>,
    /// Voxel size of the data set's grid in Å.
    #[arg(long, default_value_t = 1.0)]
    pub spacing: f32,
    #[command(flatten)]
    pub labeling: LabelOptions,
    #[command(flatten)]
    pub sim: SimOptions,
}

impl PipelineOptions {
    /// Checked pipeline parameters; `command` names the command in messages.
    pub fn params(&self, command: &str, id: Option<String>) -> Result<PrepareParams> {
        let label = self.labeling.params()?;
        if self.sim.half_max.is_some() {
            bail!("{command} simulates at a resolution: use --resolution instead of --half-max");
        }
        if let Some(r) = self.resolution.filter(|r| !(r.is_finite() && *r > 0.0)) {
            bail!("--resolution {r} must be positive");
        }
        // the kernel width is set by prepare from the resolution; a placeholder here
        let sim = self.sim.params(Some(1.0), self.spacing as f64)?;
        Ok(PrepareParams {
            spacing: self.spacing,
            resolution: self.resolution,
            id,
            sim,
            label,
            durability: super::durability(),
        })
    }
}

pub fn run(args: &PrepareArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let mut params = args.pipeline.params("prepare", args.id.clone())?;
    let words = [Input { word: &args.map, slot: Slot::Map }, Input { word: &args.model, slot: Slot::Model }];
    let inputs = accession::resolve(&words, false, &args.archive)?;
    let (Some(map), Some(model)) = (&inputs.map, &inputs.model) else { bail!("give --map and --model") };
    if let (None, Some(res), Some(e)) = (params.resolution, inputs.resolution(), &inputs.emdb) {
        eprintln!("resolution {res} Å from the EMDB header of {e}");
        params.resolution = Some(res);
    }
    let r = engine::prepare::prepare(map, model, &args.out, &params, None)?;
    let s = &r.labels.stats;
    let g = &r.grid;
    println!("id         {}", r.id);
    println!(
        "model      {} ({}): {} atoms in {} MODEL(s)",
        model.display(),
        r.model.format,
        r.model.atoms.len(),
        r.model.atoms_per_model.len()
    );
    println!("grid       {:?} voxels of {:?} Å at {:?} Å", g.shape, g.voxel, g.origin);
    println!(
        "simulate   resolution {} Å ({}), {} atoms, half-width {} voxels",
        r.resolution, r.resolution_source, r.sim.atoms_used, r.sim.exth
    );
    println!(
        "labels     background {}, atom {}, neighbour {}; atoms outside {}",
        s.class_counts[0], s.class_counts[1], s.class_counts[2], s.atoms_outside
    );
    for w in r.warnings.iter().chain(&r.sim.warnings).chain(&s.warnings) {
        println!("warning    {w}");
    }
    println!("time       {:.3} s", t0.elapsed().as_secs_f64());
    for f in &r.files {
        println!("wrote      {}", f.display());
    }
    Ok(())
}
