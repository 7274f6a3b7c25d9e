//! `cryolabel split`: train/validation/test stratified by resolution bins, seeded.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use crate::engine::dataset::split::{DEFAULT_EDGES, Fractions, split, split_items};
use crate::engine::dataset::write_text;
use crate::engine::table;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SplitBy {
    /// Stratify by resolution bins (Cryo2StructData's recommendation).
    Resolution,
}

#[derive(Args, Debug, Clone)]
pub struct SplitArgs {
    /// Data-set folder holding metadata.csv (from `batch` or `merge`).
    #[arg(long)]
    pub dataset: PathBuf,
    #[arg(long, value_enum, default_value = "resolution")]
    pub by: SplitBy,
    /// Output CSV: id,resolution,bin,split.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fractions train,validation,test (one comma-separated argument, as the README shows).
    #[arg(long, default_value = "0.8,0.1,0.1", value_delimiter = ',')]
    pub fractions: Vec<f64>,
    /// Resolution bin edges in Å.
    #[arg(long, value_delimiter = ',')]
    pub bins: Option<Vec<f64>>,
}

pub fn run(args: &SplitArgs) -> Result<()> {
    let items = split_items(&args.dataset).with_context(|| "run `cryolabel batch` (or `merge`) first")?;
    let f = &args.fractions;
    if f.len() != 3 {
        bail!("--fractions takes three numbers, train,validation,test (e.g. 0.8,0.1,0.1); got {f:?}");
    }
    let edges = args.bins.clone().unwrap_or_else(|| DEFAULT_EDGES.to_vec());
    let assigned = split(&items, &edges, Fractions(f[0], f[1], f[2]), args.seed).map_err(anyhow::Error::msg)?;
    let rows = assigned.iter().map(|a| (&a.id, a.resolution.to_string(), &a.bin, a.split));
    let text = table::serialize(&["id", "resolution", "bin", "split"], rows);
    write_text(&args.out, &text)?;
    let n = |s: &str| assigned.iter().filter(|a| a.split == s).count();
    println!(
        "{} entries: train {}, validation {}, test {} -> {}",
        assigned.len(),
        n("train"),
        n("validation"),
        n("test"),
        args.out.display()
    );
    Ok(())
}
