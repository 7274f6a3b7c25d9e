//! `cryolabel merge`: the metadata and failures tables of cluster shards into one of each.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use crate::engine::dataset::metadata::merge;

#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// Shard output folders (or the one folder all shards wrote into).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where metadata.csv and failures.csv go.
    #[arg(long)]
    pub out: PathBuf,
    /// Also move entry folders from shard folders into OUT (a rename: same file system).
    #[arg(long)]
    pub move_entries: bool,
}

pub fn run(args: &MergeArgs) -> Result<()> {
    let m = merge(&args.dirs, &args.out, args.move_entries, super::durability())?;
    if m.tables_read.is_empty() {
        bail!("no metadata*.csv or failures*.csv in {:?}", args.dirs);
    }
    println!("read       {} tables", m.tables_read.len());
    println!("entries    {} in {}", m.entries, args.out.join("metadata.csv").display());
    println!("failures   {} in {}", m.failures, args.out.join("failures.csv").display());
    if args.move_entries {
        println!("moved      {} entry folders", m.moved);
    }
    if !m.duplicates.is_empty() {
        println!("duplicates {} ids listed twice, first kept: {}", m.duplicates.len(), m.duplicates.join(", "));
    }
    Ok(())
}
