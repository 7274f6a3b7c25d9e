//! `cryolabel cubes`: size^3 training cubes of a data set as .npy, with an index CSV.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use crate::engine::dataset::cubes::{CubeParams, make_cubes};

#[derive(Args, Debug, Clone)]
pub struct CubesArgs {
    /// Data-set folder (OUT of `batch`).
    #[arg(long)]
    pub dataset: PathBuf,
    /// Cube edge, voxels.
    #[arg(long, default_value_t = 64)]
    pub size: usize,
    /// Step between cube origins, voxels (the last cube on an axis ends at the map's edge).
    #[arg(long, default_value_t = 50)]
    pub stride: usize,
    /// Where OUT/<id>/<id>_i_j_k_{map,regression,classification,types}.npy and OUT/index.csv go.
    #[arg(long)]
    pub out: PathBuf,
    /// Keep cubes that are all background.
    #[arg(long)]
    pub keep_empty: bool,
    #[command(flatten)]
    pub quality: super::split::QualityFilter,
}

pub fn run(args: &CubesArgs) -> Result<()> {
    if args.size == 0 || args.stride == 0 || args.size > 1024 {
        bail!("--size must be 1..=1024 and --stride at least 1");
    }
    let mut p = CubeParams {
        size: args.size,
        stride: args.stride,
        keep_empty: args.keep_empty,
        only: None,
        durability: super::durability(),
    };
    if args.quality.active() {
        let (keep, left_out) = args.quality.apply(&args.dataset.join("metadata.csv"))?;
        for (id, why) in &left_out {
            println!("left out   {id}: {why}");
        }
        p.only = Some(keep);
    }
    let (cubes, index) = make_cubes(&args.dataset, &args.out, &p, &|id, n| eprintln!("{id}: {n} cubes"))?;
    if cubes.is_empty() {
        println!("no cubes (is {} a data-set folder?)", args.dataset.display());
    }
    println!("{} cubes of {}^3, index {}", cubes.len(), args.size, index.display());
    Ok(())
}
