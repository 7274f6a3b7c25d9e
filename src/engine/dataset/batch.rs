//! Run many entries through `prepare`: in parallel without oversubscribing cores or memory,
//! resumably (a finished entry whose inputs and parameters are unchanged is skipped), and
//! recording failures instead of stopping.
//!
//! Cores: `jobs` worker threads each run one entry; the heavy loops inside an entry use the one
//! global rayon pool, so N entries at once share its threads instead of spawning N pools.
//! Memory: each entry's need is estimated from its map header before it starts, and an entry
//! waits while the running ones plus it would exceed the budget (one runs alone whatever it needs).

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use super::manifest::{Entry, Failure};
use super::metadata::{self, FscFigures, entry_row, read_json, table_names};
use super::{DatasetError, write_text};
use crate::engine::mapio::{Durability, available_memory, read_header_size, read_map};
use crate::engine::model::read_model;
use crate::engine::prepare::{PrepareParams, prepare, sha256_file};

/// Settings of a batch run.
#[derive(Clone, Debug)]
pub struct BatchParams {
    pub out: PathBuf,
    /// Parameters for every entry; `id` and `resolution` are set per entry.
    pub prepare: PrepareParams,
    /// Entries run at once (at least 1).
    pub jobs: usize,
    /// Also compute the map-model FSC and the label-quality summary (mean Q, unmodelled
    /// fraction, unsupported atoms) of each entry (into fsc.json and metadata.csv).
    pub fsc: bool,
    /// Names the tables `metadata.shard-I-of-N.csv`, so array tasks sharing `out` never collide.
    pub shard: Option<(usize, usize)>,
    /// Bytes the running entries may use together; None: 3/4 of MemAvailable at start.
    pub memory_budget: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Done,
    Skipped,
    Failed(String),
}

/// Progress reports, from worker threads.
#[derive(Debug)]
pub enum Event<'a> {
    Started { id: &'a str },
    Finished { id: &'a str, outcome: &'a Outcome, seconds: f64 },
}

#[derive(Debug, Default)]
pub struct Summary {
    pub done: Vec<String>,
    pub skipped: Vec<String>,
    pub failed: Vec<Failure>,
    pub metadata: PathBuf,
    pub failures: PathBuf,
    pub seconds: f64,
    /// Seconds per stage summed over the entries done in this run (read, resample, simulate,
    /// label, write, fsc), and the bytes they wrote.
    pub stages: [(&'static str, f64); 6],
    pub bytes_written: u64,
}

const STAGES: [&str; 6] = ["read", "resample", "simulate", "label", "write", "fsc"];

/// An entry's stage seconds (STAGES order) and bytes written, from its provenance.json and
/// fsc.json, for the run's totals.
fn entry_costs(out: &Path, id: &str) -> ([f64; 6], u64) {
    let d = out.join(id);
    let prov = read_json(&d.join("provenance.json")).unwrap_or_default();
    let mut t = STAGES.map(|k| prov["timings_s"][k].as_f64().unwrap_or(0.0));
    t[5] = read_json(&d.join("fsc.json")).ok().and_then(|f| f["seconds"].as_f64()).unwrap_or(0.0);
    (t, prov["bytes_written"].as_u64().unwrap_or(0))
}

/// Bytes one entry needs at its peak, from its map header: the file's voxels plus a float copy,
/// and on the 1-Å grid about a dozen float volumes (map, simulation on its own grid and on this
/// one, three labels, neighbour work arrays, write buffers); FSC adds complex transforms.
pub fn estimate_memory(map: &Path, spacing: f32, fsc: bool) -> Option<u64> {
    let h = read_header_size(map).ok()?;
    let n_in = h.n.iter().map(|&n| n as f64).product::<f64>();
    let scale: f64 = h.voxel.iter().map(|&v| (v as f64 / spacing as f64).max(1e-3)).product();
    let n_out = n_in * scale;
    let factor = if fsc { 20.0 } else { 12.0 };
    Some((n_in * (4 + h.bytes_per_voxel) as f64 + n_out * 4.0 * factor) as u64)
}

/// The parameters a finished entry's provenance.json must show for it to be reused.
fn expected_params(p: &PrepareParams, resolution: Option<f64>) -> Vec<(&'static str, Value)> {
    let s = &p.sim;
    let l = &p.label;
    let mut v = vec![
        ("/grid/voxel/0", json!(p.spacing)),
        ("/simulation/kernel", json!(format!("{:?}", s.kernel))),
        ("/simulation/mass_weighted", json!(s.mass_weighted)),
        ("/simulation/exclude_water", json!(s.exclude_water)),
        ("/simulation/b_cutoff", json!(s.b_cutoff)),
        ("/simulation/lattice_correction", json!(s.lattice_correction)),
        ("/simulation/amplitude", json!(s.amplitude)),
        ("/labels/index", json!(format!("{:?}", l.index))),
        ("/labels/neighbourhood", json!(format!("{:?}", l.neighbourhood))),
        ("/labels/atom_types", json!(format!("{:?}", l.atom_types))),
        ("/labels/radius", json!(l.radius)),
    ];
    match resolution {
        Some(r) => v.extend([("/resolution/value", json!(r)), ("/resolution/source", json!("argument"))]),
        None => v.push(("/resolution/source", json!("model file"))),
    }
    v
}

/// Equal JSON, numbers to float32 precision (parameters are f32 and f64 mixed).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * x.abs().max(1.0),
        _ => a == b,
    }
}

/// Why the entry's folder cannot be reused, or None when it is complete and current: every
/// output listed in provenance.json present, the inputs' sha256 and the parameters unchanged.
pub fn stale_reason(out: &Path, e: &Entry, p: &PrepareParams) -> Option<String> {
    let dir = out.join(&e.id);
    let prov = match read_json(&dir.join("provenance.json")) {
        Ok(v) => v,
        Err(_) => return Some("no readable provenance.json".into()),
    };
    if prov["id"] != json!(e.id) {
        return Some("provenance.json names another id".into());
    }
    let outputs = prov["outputs"].as_array().cloned().unwrap_or_default();
    if outputs.len() < 6 {
        return Some("provenance.json lists too few outputs".into());
    }
    for o in &outputs {
        let ok = o.as_str().is_some_and(|n| dir.join(n).metadata().is_ok_and(|m| m.len() > 0));
        if !ok {
            return Some(format!("output {o} missing"));
        }
    }
    for (key, input) in [("map", &e.map), ("model", &e.model)] {
        let want = prov["inputs"][key]["sha256"].as_str().unwrap_or("");
        if sha256_file(input).ok().as_deref() != Some(want) {
            return Some(format!("{key} input changed"));
        }
    }
    for (ptr, want) in expected_params(p, e.resolution) {
        let have = prov.pointer(ptr).cloned().unwrap_or(Value::Null);
        if !same(&have, &want) {
            return Some(format!("parameter {ptr} was {have}, now {want}"));
        }
    }
    None
}

/// Compute and store the map-model FSC and the label-quality summary of a finished entry
/// folder (from its own files).
pub fn entry_fsc(dir: &Path, id: &str) -> Result<FscFigures, DatasetError> {
    let t = Instant::now();
    let d = dir.join(id);
    let prov = read_json(&d.join("provenance.json"))?;
    let res = prov["resolution"]["value"]
        .as_f64()
        .ok_or_else(|| DatasetError::Invalid(d.join("provenance.json"), "no resolution".into()))?;
    let map = read_map(&d.join(format!("{id}.mrc")))?;
    let model_path = [format!("{id}.pdb1"), format!("{id}.cif")].into_iter().map(|n| d.join(n)).find(|p| p.is_file());
    let model_path = model_path.ok_or_else(|| DatasetError::Invalid(d.clone(), "no model file".into()))?;
    let model = read_model(&model_path).map_err(crate::engine::EngineError::from)?;
    let curve = crate::engine::fsc::map_model_fsc(&map.volume, &model.atoms, res as f32, false);
    let q = crate::engine::quality::assess(
        &map.volume,
        &model,
        &crate::engine::quality::QualityParams::new(res as f32),
        None,
    )?;
    let f = FscFigures {
        fsc05_a: curve.d05(),
        fsc0143_a: curve.d0143(),
        seconds: t.elapsed().as_secs_f64(),
        mean_q: Some(q.summary.mean_q),
        unmodelled_fraction: Some(q.summary.unmodelled_fraction),
        unsupported_atoms: Some(q.summary.unsupported_atoms),
    };
    let text = serde_json::to_string_pretty(&f).map_err(|e| DatasetError::Input(e.to_string()))?;
    write_text(&d.join("fsc.json"), &text, BATCH_DURABILITY)?;
    Ok(f)
}

/// Memory admission: running entries' estimates may not add up past the budget.
struct Budget {
    limit: u64,
    state: Mutex<(u64, usize)>,
    cv: Condvar,
}

impl Budget {
    fn acquire(&self, need: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while s.1 > 0 && s.0.saturating_add(need) > self.limit {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.0 = s.0.saturating_add(need);
        s.1 += 1;
    }
    fn release(&self, need: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = s.0.saturating_sub(need);
        s.1 -= 1;
        self.cv.notify_all();
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// Every file `batch` writes is fsynced, whatever `--sync` says: its resume trusts an entry
/// whose outputs are present (`stale_reason` reads provenance.json and skips the entry), so
/// after a machine crash a file renamed into place but never flushed (empty or short under its
/// final name) must not exist. Single commands leave that to the user, who reruns them.
const BATCH_DURABILITY: Durability = Durability::Synced;

/// One entry, start to finish; never panics out.
fn run_entry(e: &Entry, p: &BatchParams, budget: &Budget) -> Outcome {
    let stale = stale_reason(&p.out, e, &p.prepare);
    let need_fsc = p.fsc && !p.out.join(&e.id).join("fsc.json").is_file();
    if stale.is_none() && !need_fsc {
        return Outcome::Skipped;
    }
    let need = estimate_memory(&e.map, p.prepare.spacing, p.fsc).unwrap_or(0);
    budget.acquire(need);
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| -> Result<(), DatasetError> {
        if stale.is_some() {
            // an old fsc.json belongs to the old outputs
            let _ = std::fs::remove_file(p.out.join(&e.id).join("fsc.json"));
            let mut pp = p.prepare.clone();
            pp.id = Some(e.id.clone());
            pp.resolution = e.resolution;
            pp.durability = BATCH_DURABILITY;
            prepare(&e.map, &e.model, &p.out, &pp, None)?;
        }
        if p.fsc {
            entry_fsc(&p.out, &e.id)?;
        }
        Ok(())
    }));
    budget.release(need);
    match result {
        Ok(Ok(())) if stale.is_none() => Outcome::Skipped,
        Ok(Ok(())) => Outcome::Done,
        Ok(Err(err)) => Outcome::Failed(err.to_string()),
        Err(panic) => Outcome::Failed(format!("internal error (please report): {}", panic_text(panic))),
    }
}

struct Results {
    summary: Summary,
    rows: Vec<Vec<String>>,
    last_write: Instant,
}

fn write_tables(r: &mut Results) -> Result<(), DatasetError> {
    r.rows.sort();
    r.summary.failed.sort_by(|a, b| a.id.cmp(&b.id));
    write_text(&r.summary.metadata, &metadata::to_csv(metadata::COLUMNS, &r.rows), BATCH_DURABILITY)?;
    write_text(
        &r.summary.failures,
        &metadata::to_csv(metadata::FAILURE_COLUMNS, &metadata::failure_rows(&r.summary.failed)),
        BATCH_DURABILITY,
    )?;
    r.last_write = Instant::now();
    Ok(())
}

/// Run the batch. `failed_early` are entries that failed before running (e.g. a scan found
/// two maps). Writes `<out>/metadata*.csv` and `<out>/failures*.csv` (every few seconds while
/// running, and at the end). Per-entry failures are in the summary, not an Err.
pub fn run_batch(
    entries: Vec<Entry>,
    failed_early: Vec<Failure>,
    p: &BatchParams,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<Summary, DatasetError> {
    let t0 = Instant::now();
    std::fs::create_dir_all(&p.out).map_err(|e| DatasetError::Write(p.out.clone(), e))?;
    let (mname, fname) = table_names(p.shard);
    let summary = Summary {
        failed: failed_early,
        stages: STAGES.map(|k| (k, 0.0)),
        metadata: p.out.join(mname),
        failures: p.out.join(fname),
        ..Default::default()
    };
    let results = Mutex::new(Results { summary, rows: Vec::new(), last_write: Instant::now() });
    let budget = Budget {
        limit: p.memory_budget.unwrap_or(available_memory() / 4 * 3),
        state: Mutex::new((0, 0)),
        cv: Condvar::new(),
    };
    let queue = Mutex::new(entries.into_iter().collect::<VecDeque<_>>());
    let write_err: Mutex<Option<DatasetError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..p.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let Some(e) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front() else { break };
                    on_event(Event::Started { id: &e.id });
                    let t = Instant::now();
                    let mut outcome = run_entry(&e, p, &budget);
                    let row = match &outcome {
                        Outcome::Failed(_) => None,
                        _ => match entry_row(&p.out, &e.id) {
                            Ok(r) => Some(r),
                            Err(err) => {
                                outcome = Outcome::Failed(format!("finished but its metadata is unreadable: {err}"));
                                None
                            }
                        },
                    };
                    on_event(Event::Finished { id: &e.id, outcome: &outcome, seconds: t.elapsed().as_secs_f64() });
                    let costs = (outcome == Outcome::Done).then(|| entry_costs(&p.out, &e.id));
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some((t, bytes)) = costs {
                        r.summary.stages.iter_mut().zip(t).for_each(|(s, t)| s.1 += t);
                        r.summary.bytes_written += bytes;
                    }
                    match outcome {
                        Outcome::Done => r.summary.done.push(e.id.clone()),
                        Outcome::Skipped => r.summary.skipped.push(e.id.clone()),
                        Outcome::Failed(reason) => r.summary.failed.push(Failure {
                            id: e.id.clone(),
                            map: e.map.display().to_string(),
                            model: e.model.display().to_string(),
                            reason,
                        }),
                    }
                    r.rows.extend(row);
                    if r.last_write.elapsed().as_secs_f64() > 5.0 {
                        if let Err(err) = write_tables(&mut r) {
                            *write_err.lock().unwrap_or_else(|e| e.into_inner()) = Some(err);
                        }
                    }
                }
            });
        }
    });
    let mut r = results.into_inner().unwrap_or_else(|e| e.into_inner());
    write_tables(&mut r)?;
    if let Some(err) = write_err.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(err);
    }
    r.summary.done.sort();
    r.summary.skipped.sort();
    r.summary.seconds = t0.elapsed().as_secs_f64();
    Ok(r.summary)
}
