//! `cryolabel batch --jobs 2` on the synthetic data set (shared/tools/make_dataset.py) as a
//! whole process, with its peak resident memory, against the disk's synced write speed measured
//! in the same run: `dd conv=fdatasync` copying every file the batch wrote (the same bytes, one
//! file at a time, each synced as the batch syncs each of its files).
//!
//! BENCH_ENTRIES (default 12) entries; the set and the outputs live in target/bench-cases and the
//! dd copies are deleted after timing. Needs python3 with numpy, mrcfile (to make the set).
//!
//! `cargo bench --no-default-features --profile dev --config 'profile.dev.package.cryolabel.opt-level=3' --bench batch_process`

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::{self, cryolabel, show};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Sum of the t_* columns of metadata.csv (seconds over all entries), by column name.
fn stage_sums(csv: &Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(csv).unwrap_or_default();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let mut sums = vec![0.0f64; head.len()];
    for l in lines {
        for (sum, v) in sums.iter_mut().zip(l.split(',')) {
            *sum += v.parse::<f64>().unwrap_or(0.0);
        }
    }
    head.iter()
        .zip(sums)
        .filter(|(h, _)| h.starts_with("t_") && h.ends_with("_s") && !h.ends_with("_per_s")) // seconds, not rates
        .map(|(h, s)| (h.to_string(), s))
        .collect()
}

fn main() {
    let entries: usize = std::env::var("BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let set = process::cases().join(format!("dataset{entries}"));
    let manifest = set.join("manifest.csv");
    if !manifest.is_file() {
        let tool = process::shared().join("tools/make_dataset.py");
        process::run(Command::new("python3").arg(tool).arg(process::shared()).arg(&set).arg(entries.to_string()));
    }
    let out = set.join("out");
    let _ = std::fs::remove_dir_all(&out);
    println!("batch --jobs 2, whole process: {entries} synthetic entries (make_dataset.py); load {}", process::load());
    let batch = process::run(
        Command::new(cryolabel()).args(["batch", "--jobs", "2", "--manifest"]).arg(&manifest).arg("--out").arg(&out),
    );
    let mut files = Vec::new();
    files_under(&out, &mut files);
    let bytes: u64 = files.iter().map(|f| f.metadata().map(|m| m.len()).unwrap_or(0)).sum();
    println!("{}", show("cryolabel batch --jobs 2", &batch));
    println!(
        "  wrote {} files, {:.2} GB: {:.0} MB/s",
        files.len(),
        bytes as f64 / 1e9,
        bytes as f64 / 1e6 / batch.wall.as_secs_f64()
    );
    for (stage, s) in stage_sums(&out.join("metadata.csv")) {
        println!("  {stage:<14} {s:>8.2} s summed over entries");
    }

    // Baseline: the same bytes through dd with fdatasync, one file after another.
    let copies = set.join("dd");
    let _ = std::fs::remove_dir_all(&copies);
    std::fs::create_dir_all(&copies).unwrap();
    let t = Instant::now();
    let mut dd_cpu = Duration::ZERO;
    for (k, f) in files.iter().enumerate() {
        let r = process::run(
            Command::new("dd")
                .arg(format!("if={}", f.display()))
                .arg(format!("of={}", copies.join(k.to_string()).display()))
                .args(["bs=4M", "conv=fdatasync", "status=none"]),
        );
        dd_cpu += r.cpu;
    }
    let dd = t.elapsed();
    let _ = std::fs::remove_dir_all(&copies);
    println!(
        "{:<52} {:>8.3} s wall  {:>7.3} s cpu  ({:.0} MB/s)",
        "dd conv=fdatasync, the same files",
        dd.as_secs_f64(),
        dd_cpu.as_secs_f64(),
        bytes as f64 / 1e6 / dd.as_secs_f64()
    );
    let ratio = batch.wall.as_secs_f64() / dd.as_secs_f64();
    println!("ratio (batch / dd): {ratio:.2}x  (goal <= 1.3x: {})", if ratio <= 1.3 { "met" } else { "NOT met" });
    let gb = batch.peak_rss as f64 / (1u64 << 30) as f64;
    println!("peak memory {gb:.2} GiB (goal < 2 GiB: {})", if gb < 2.0 { "met" } else { "NOT met" });
}
