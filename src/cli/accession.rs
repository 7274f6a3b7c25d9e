//! Ids where paths are taken: the `--cache`/`--offline` options every command that opens
//! files shares, the one call that turns typed words into local files (engine::archive::resolve),
//! and progress bars for the downloads it makes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Result;
use clap::Args;
use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressStyle};

use crate::engine::archive::{self, Event, Input, Resolved, Settings};

/// Where downloaded entries are kept and whether to download at all.
#[derive(Args, Debug, Clone, Default)]
pub struct ArchiveOptions {
    /// Folder of downloaded entries (default: $CRYOLABEL_CACHE, else the platform's cache
    /// folder, e.g. ~/.cache/cryolabel).
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Use only the cache; a file not there is an error that names it.
    #[arg(long)]
    pub offline: bool,
}

impl ArchiveOptions {
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings::from_env(self.cache.clone(), self.offline)?)
    }
}

/// Progress bars, one per file in flight (hidden when stderr is not a terminal), and one line
/// per finished download with its size and speed.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Default for Bars {
    fn default() -> Self {
        Bars { multi: MultiProgress::new(), bars: Mutex::new(HashMap::new()) }
    }
}

impl Bars {
    pub fn event(&self, e: Event) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        match e {
            Event::Start { name, total, resumed, .. } => {
                let bar = self.multi.add(match total {
                    Some(t) => ProgressBar::new(t),
                    None => ProgressBar::no_length(),
                });
                let template = "{prefix:28} {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
                bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
                bar.set_prefix(name.to_string());
                bar.set_position(resumed);
                if resumed > 0 {
                    self.multi.suspend(|| eprintln!("resuming  {name} from {}", HumanBytes(resumed)));
                }
                if let Some(old) = bars.insert(name.to_string(), bar) {
                    old.finish_and_clear();
                }
            }
            Event::Bytes { name, done } => {
                if let Some(b) = bars.get(name) {
                    b.set_position(done);
                }
            }
            Event::Retry { name, why, wait } => {
                if let Some(b) = bars.remove(name) {
                    b.finish_and_clear();
                }
                self.multi.suspend(|| eprintln!("retrying  {name} in {:.1} s: {why}", wait.as_secs_f64()));
            }
            Event::Done { name, bytes, seconds } => {
                if let Some(b) = bars.remove(name) {
                    b.finish_and_clear();
                }
                let speed = HumanBytes((bytes as f64 / seconds.max(1e-3)) as u64);
                self.multi
                    .suspend(|| eprintln!("fetched   {name}: {} in {seconds:.1} s ({speed}/s)", HumanBytes(bytes)));
            }
        }
    }
}

/// Typed words to local files, downloading what is not cached, with progress bars; the header's
/// facts and where each file came from are said on stderr. Every command calls this.
pub fn resolve(inputs: &[Input], fitted_model: bool, opts: &ArchiveOptions) -> Result<Resolved> {
    let any_id = inputs.iter().any(|i| archive::ids::classify(i.word, i.slot, Path::new(".")).is_some());
    if !any_id {
        // paths only: no settings, no network, the same checks for bad words
        let s = Settings::new(String::new(), String::new(), PathBuf::new(), std::time::Duration::from_secs(1));
        return Ok(archive::resolve(inputs, Path::new("."), false, &s, &archive::quiet)?);
    }
    let s = opts.settings()?;
    let bars = Bars::default();
    let r = archive::resolve(inputs, Path::new("."), fitted_model, &s, &|e| bars.event(e))?;
    for line in describe(&r) {
        eprintln!("{line}");
    }
    Ok(r)
}

/// What came from the archive, for the user: the header's facts and the local files.
pub fn describe(r: &Resolved) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(e), Some(h)) = (&r.emdb, &r.header) {
        let num = |v: Option<String>| v.unwrap_or_else(|| "not stated".into());
        let fitted = h.fitted.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ");
        out.push(format!(
            "{e}: resolution {} Å, author's contour {}, fitted models {}",
            num(h.resolution.map(|v| v.to_string())),
            num(h.contour.map(|v| v.to_string())),
            if fitted.is_empty() { "none".to_string() } else { fitted }
        ));
        if let Some(m) = &r.map {
            out.push(format!("{e} map: {}", m.display()));
        }
    }
    if let (Some(p), Some(m)) = (&r.pdb, &r.model) {
        let why = if r.model_from_header { " (the header's first fitted model)" } else { "" };
        out.push(format!("pdb:{p} model: {}{why}", m.display()));
    }
    out
}

/// One entry's typed words and their slots.
pub type Words = Vec<(String, archive::Slot)>;

/// Resolve many entries, `jobs` at once (each fetches its map and model in parallel too),
/// under one set of progress bars. Settings errors fail the whole call; an entry's own failure
/// is its result, so a batch can record it and go on.
pub fn resolve_many(
    entries: &[Words],
    fitted_model: bool,
    jobs: usize,
    opts: &ArchiveOptions,
) -> Result<Vec<Result<Resolved, archive::ArchiveError>>> {
    let s = opts.settings()?;
    let bars = Bars::default();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Resolved, archive::ArchiveError>>>> =
        Mutex::new((0..entries.len()).map(|_| None).collect());
    std::thread::scope(|sc| {
        for _ in 0..jobs.clamp(1, entries.len().max(1)) {
            sc.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(words) = entries.get(k) else { break };
                    let inputs: Vec<Input> = words.iter().map(|(w, slot)| Input { word: w, slot: *slot }).collect();
                    let r = archive::resolve(&inputs, Path::new("."), fitted_model, &s, &|e| bars.event(e));
                    results.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(r);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(results.into_iter().map(|r| r.unwrap_or_else(|| Err(archive::ArchiveError::Input("not run".into())))).collect())
}

/// For commands whose path options stay `PathBuf`s (clap takes any word): replace an id in
/// `map` / `model` by the cached file, fetching it first. No fitted-model guessing here: these
/// commands name their model.
pub fn localize(map: Option<&mut PathBuf>, model: Option<&mut PathBuf>, opts: &ArchiveOptions) -> Result<Resolved> {
    let words: Vec<(String, archive::Slot)> =
        [(map.as_deref(), archive::Slot::Map), (model.as_deref(), archive::Slot::Model)]
            .into_iter()
            .filter_map(|(p, slot)| p.map(|p| (p.to_string_lossy().to_string(), slot)))
            .collect();
    let inputs: Vec<Input> = words.iter().map(|(w, slot)| Input { word: w, slot: *slot }).collect();
    let r = resolve(&inputs, false, opts)?;
    // an id goes where its archive says; put each file back into the option that named it
    let mut files = [r.map.clone(), r.model.clone()].into_iter().flatten().collect::<Vec<_>>().into_iter();
    for p in [map, model].into_iter().flatten() {
        if let Some(f) = files.next() {
            *p = f;
        }
    }
    Ok(r)
}
