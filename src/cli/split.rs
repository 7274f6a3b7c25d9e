//! `cryolabel split`: train/validation/test stratified by resolution bins, seeded.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use crate::engine::dataset::metadata::read_csv;
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
    #[command(flatten)]
    pub quality: QualityFilter,
}

/// Keep only entries whose label-quality summary (metadata.csv's `mean_q` and
/// `unmodelled_fraction`, written by `batch --fsc`) passes; shared by `split` and `cubes`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct QualityFilter {
    /// Leave out entries whose mean Q-score is below this.
    #[arg(long)]
    pub min_q: Option<f64>,
    /// Leave out entries whose unmodelled fraction is above this.
    #[arg(long)]
    pub max_unmodelled: Option<f64>,
}

impl QualityFilter {
    /// Ids of metadata.csv that pass, and (id, reason) of those that do not.
    pub fn apply(&self, meta: &std::path::Path) -> Result<(Vec<String>, Vec<(String, String)>)> {
        let (head, rows) = read_csv(meta).with_context(|| "run `cryolabel batch --fsc` (or `merge`) first")?;
        let col = |n: &str| head.iter().position(|h| h == n);
        let ci = col("id").with_context(|| format!("{}: no id column", meta.display()))?;
        let (mut keep, mut out) = (Vec::new(), Vec::new());
        for r in &rows {
            let get = |name: &str| -> Result<f64> {
                let v = col(name).and_then(|c| r.get(c)).map(|v| v.trim()).unwrap_or("");
                v.parse().with_context(|| {
                    format!(
                        "{}: entry {} has no {name} (run `cryolabel batch --fsc` to compute it)",
                        meta.display(),
                        r[ci]
                    )
                })
            };
            let mut why = None;
            if let Some(m) = self.min_q {
                let q = get("mean_q")?;
                if q < m {
                    why = Some(format!("mean Q {q} < {m}"));
                }
            }
            if let Some(m) = self.max_unmodelled {
                let u = get("unmodelled_fraction")?;
                if u > m {
                    why = Some(format!("unmodelled fraction {u} > {m}"));
                }
            }
            match why {
                Some(w) => out.push((r[ci].clone(), w)),
                None => keep.push(r[ci].clone()),
            }
        }
        Ok((keep, out))
    }

    pub fn active(&self) -> bool {
        self.min_q.is_some() || self.max_unmodelled.is_some()
    }
}

pub fn run(args: &SplitArgs) -> Result<()> {
    let meta = args.dataset.join("metadata.csv");
    let mut items = split_items(&args.dataset).with_context(|| "run `cryolabel batch` (or `merge`) first")?;
    if args.quality.active() {
        let (keep, left_out) = args.quality.apply(&meta)?;
        for (id, why) in &left_out {
            println!("left out   {id}: {why}");
        }
        items.retain(|(id, _)| keep.contains(id));
    }
    let f = &args.fractions;
    if f.len() != 3 {
        bail!("--fractions takes three numbers, train,validation,test (e.g. 0.8,0.1,0.1); got {f:?}");
    }
    let edges = args.bins.clone().unwrap_or_else(|| DEFAULT_EDGES.to_vec());
    let assigned = split(&items, &edges, Fractions(f[0], f[1], f[2]), args.seed).map_err(anyhow::Error::msg)?;
    let rows = assigned.iter().map(|a| (&a.id, a.resolution.to_string(), &a.bin, a.split));
    let text = table::serialize(&["id", "resolution", "bin", "split"], rows);
    write_text(&args.out, &text, super::durability())?;
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
