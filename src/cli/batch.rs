//! `cryolabel batch`: a whole data set from a manifest or a folder of raw entries, with a
//! progress bar, resume, failures recorded, and cluster shards.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::accession::{self, ArchiveOptions};
use super::prepare::PipelineOptions;
use crate::engine::archive::{Slot, ids};
use crate::engine::dataset::batch::{BatchParams, Event, Outcome, run_batch};
use crate::engine::dataset::manifest::{Entry, Failure};
use crate::engine::dataset::manifest::{read_manifest, scan_input, shard_from, take_shard};

#[derive(Args, Debug, Clone)]
pub struct BatchArgs {
    /// CSV with columns id,map,model[,resolution] (relative paths are against its folder), or
    /// id,emdb,pdb[,resolution] with ids, fetched into the cache first (in parallel).
    #[arg(long, required_unless_present = "input", conflicts_with = "input")]
    pub manifest: Option<PathBuf>,
    /// Folder of raw/<id>/ folders, each holding one map and one model.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Data-set folder: OUT/<id>/ per entry, OUT/metadata.csv, OUT/failures.csv.
    #[arg(long)]
    pub out: PathBuf,
    /// Entries run at once (default: the number of cores). Inner loops share one thread pool.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Take shard I of N (I from 0) of the sorted ids; default: SLURM_ARRAY_TASK_ID/COUNT if set.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Also compute the map-model FSC (0.5 and 0.143) and the label-quality summary (mean
    /// Q-score, unmodelled fraction, unsupported atoms) of every entry into metadata.csv.
    #[arg(long)]
    pub fsc: bool,
    /// Memory the running entries may take together, GiB (default: 3/4 of available).
    #[arg(long)]
    pub memory_gib: Option<f64>,
    /// Simulation and labeling for every entry; `--resolution` serves entries whose manifest
    /// row gives none (default: the model's own).
    #[command(flatten)]
    pub pipeline: PipelineOptions,
    #[command(flatten)]
    pub archive: ArchiveOptions,
}

/// Entries named by ids get their files from the archive (cache first), several at once, and
/// the EMDB header's resolution where neither the row nor --resolution gives one. An entry that
/// cannot be fetched becomes a failure, like one that cannot be prepared.
fn fetch_ids(entries: Vec<Entry>, early: &mut Vec<Failure>, args: &BatchArgs) -> Result<Vec<Entry>> {
    let here = std::path::Path::new(".");
    let is_id = |p: &std::path::Path, slot| p.to_str().is_some_and(|w| ids::classify(w, slot, here).is_some());
    let (named, mut ready): (Vec<Entry>, Vec<Entry>) = entries
        .into_iter()
        .partition(|e| is_id(&e.map, Slot::Map) || is_id(&e.model, Slot::Model) || e.model.as_os_str().is_empty());
    if named.is_empty() {
        return Ok(ready);
    }
    let words: Vec<accession::Words> = named
        .iter()
        .map(|e| {
            let w = [(&e.map, Slot::Map), (&e.model, Slot::Model)];
            w.iter().filter(|(p, _)| !p.as_os_str().is_empty()).map(|(p, s)| (p.to_string_lossy().into(), *s)).collect()
        })
        .collect();
    let jobs = args.jobs.unwrap_or(4).max(1);
    eprintln!("batch: {} entries named by id; fetching what the cache lacks, {jobs} at once", named.len());
    for (mut e, r) in named.into_iter().zip(accession::resolve_many(&words, true, jobs, &args.archive)?) {
        match r {
            Ok(r) if r.map.is_some() && r.model.is_some() => {
                e.resolution = e.resolution.or(r.resolution());
                e.map = r.map.unwrap_or_default();
                e.model = r.model.unwrap_or_default();
                ready.push(e);
            }
            Ok(_) => early.push(failure(&e, "no fitted model in the EMDB header; give a pdb id".into())),
            Err(err) => early.push(failure(&e, err.to_string())),
        }
    }
    ready.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(ready)
}

fn failure(e: &Entry, reason: String) -> Failure {
    Failure { id: e.id.clone(), map: e.map.display().to_string(), model: e.model.display().to_string(), reason }
}

pub fn run(args: &BatchArgs) -> Result<()> {
    let mut prepare = args.pipeline.params("batch", None)?;
    let default_resolution = prepare.resolution.take();
    let (mut entries, early) = match (&args.manifest, &args.input) {
        (Some(m), _) => (read_manifest(m)?, Vec::new()),
        (None, Some(d)) => scan_input(d)?,
        (None, None) => bail!("give --manifest or --input"),
    };
    for e in entries.iter_mut().filter(|e| e.resolution.is_none()) {
        e.resolution = default_resolution;
    }
    let shard = shard_from(args.shard.as_deref(), |k| std::env::var(k).ok())?;
    let entries = take_shard(entries, |e| &e.id, shard);
    let mut early = take_shard(early, |f| &f.id, shard);
    let entries = fetch_ids(entries, &mut early, args)?;
    let memory_budget = match args.memory_gib {
        Some(g) if g.is_finite() && g > 0.0 => Some((g * (1u64 << 30) as f64) as u64),
        Some(g) => bail!("--memory-gib {g} must be positive"),
        None => None,
    };
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let p = BatchParams { out: args.out.clone(), prepare, jobs, fsc: args.fsc, shard, memory_budget };
    let total = entries.len() + early.len();
    let shard_text = shard.map(|(i, n)| format!(" (shard {i}/{n})")).unwrap_or_default();
    eprintln!("batch: {total} entries{shard_text}, {jobs} at once, into {}", args.out.display());

    let tty = std::io::stderr().is_terminal();
    let bar = if tty { ProgressBar::new(total as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {prefix} ETA {eta} | {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(250));
    bar.inc(early.len() as u64);
    let state = Mutex::new((Vec::<String>::new(), [0usize; 3], early.len()));
    let on_event = |ev: Event| {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        match ev {
            Event::Started { id } => s.0.push(id.to_string()),
            Event::Finished { id, outcome, seconds } => {
                s.0.retain(|x| x != id);
                let k = match outcome {
                    Outcome::Done => 0,
                    Outcome::Skipped => 1,
                    Outcome::Failed(_) => 2,
                };
                s.1[k] += 1;
                bar.inc(1);
                if !tty {
                    let what = match outcome {
                        Outcome::Done => "done".to_string(),
                        Outcome::Skipped => "skipped (up to date)".to_string(),
                        Outcome::Failed(r) => format!("FAILED: {r}"),
                    };
                    eprintln!("[{}/{total}] {id} {what} ({seconds:.1} s)", s.1.iter().sum::<usize>() + s.2);
                }
            }
        }
        bar.set_prefix(format!("done {} skipped {} failed {}", s.1[0], s.1[1], s.1[2] + s.2));
        bar.set_message(s.0.join(" "));
    };
    let summary = run_batch(entries, early, &p, &on_event)?;
    bar.finish_and_clear();

    println!(
        "{} done, {} skipped (up to date), {} failed, in {:.1} s",
        summary.done.len(),
        summary.skipped.len(),
        summary.failed.len(),
        summary.seconds
    );
    let stages: Vec<String> = summary.stages.iter().map(|(k, s)| format!("{k} {s:.1} s")).collect();
    println!("stages     {} (summed over the entries done)", stages.join(", "));
    let write_s = summary.stages[4].1;
    println!(
        "written    {:.2} GB: {:.0} MB/s over the run, {:.0} MB/s per entry while it wrote",
        summary.bytes_written as f64 / 1e9,
        summary.bytes_written as f64 / 1e6 / summary.seconds.max(1e-9),
        if write_s > 0.0 { summary.bytes_written as f64 / 1e6 / write_s } else { 0.0 }
    );
    println!("metadata   {}", summary.metadata.display());
    println!("failures   {}", summary.failures.display());
    if !summary.failed.is_empty() {
        for f in &summary.failed {
            println!("failed     {}: {}", f.id, f.reason);
        }
        let ids: Vec<&str> = summary.failed.iter().map(|f| f.id.as_str()).collect();
        bail!(
            "{} of {total} entries failed: {} (reasons in {})",
            ids.len(),
            ids.join(", "),
            summary.failures.display()
        );
    }
    Ok(())
}
