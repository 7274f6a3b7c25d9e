//! Open entries by accession, as ChimeraX does (`emdb:3488`, `pdb:5me2`): ids are parsed
//! (ids.rs), their files fetched from the EMDB and PDB archives into a local cache
//! (download.rs, cache.rs), and the EMDB header read for the resolution, the author's contour
//! level and the fitted models (header.rs). `resolve` turns what a user typed into local paths;
//! every command and the viewer call it, so an id is as good as a path everywhere.

pub mod cache;
pub mod download;
pub mod header;
pub mod ids;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use cache::{Remote, default_cache_dir};
pub use download::{Event, Sink, quiet};
pub use header::EmdbHeader;
pub use ids::{Accession, EmdbId, PdbId, Slot};

/// The wwPDB's EMDB archive.
pub const DEFAULT_EMDB_URL: &str = "https://files.wwpdb.org/pub/emdb";
/// RCSB's file server.
pub const DEFAULT_PDB_URL: &str = "https://files.rcsb.org";

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{word:?}: {why}")]
    BadId { word: String, why: String },
    #[error("{0}")]
    Input(String),
    #[error("{what}: not in the archive (HTTP 404 for {url})")]
    NotFound { what: String, url: String },
    #[error("{what}: the server answered HTTP {status} for {url}")]
    Http { what: String, url: String, status: u16 },
    #[error(
        "cannot reach the archive at {url}: {why} (no network? check the connection, a proxy, or CRYOLABEL_EMDB_URL / CRYOLABEL_PDB_URL; --offline uses the cache alone)"
    )]
    Unreachable { url: String, why: String },
    #[error("{url}: the server sent nothing for {seconds} s (timeout; CRYOLABEL_TIMEOUT sets it)")]
    Timeout { url: String, seconds: f64 },
    #[error("{url}: the download was interrupted: {why}")]
    Interrupted { url: String, why: String },
    #[error("{error} (tried {attempts} times{})", kept_note(.kept))]
    Attempts { error: Box<ArchiveError>, attempts: u32, kept: bool },
    #[error("{what} from {url}: {why}; the download was discarded")]
    Corrupt { what: String, url: String, why: String },
    #[error("offline: {what} is not in the cache ({})", path.display())]
    NotCached { what: String, path: PathBuf },
    #[error("{}: {why}", path.display())]
    Header { path: PathBuf, why: String },
    #[error("{id}: its EMDB header lists no fitted model; name one (e.g. pdb:1abc)")]
    NoFittedModel { id: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{name}={value:?}: {why}")]
    Setting { name: &'static str, value: String, why: &'static str },
}

/// Where files come from and go, and how patiently. `from_env` reads the settings a user sets.
#[derive(Clone)]
pub struct Settings {
    pub emdb_url: String,
    pub pdb_url: String,
    pub cache: PathBuf,
    /// Use the cache alone; a missing file is an error naming it.
    pub offline: bool,
    /// Longest wait for a connection or for the next bytes (not for a whole file).
    pub timeout: Duration,
    /// Further attempts after a failed one (timeouts, dropped connections, 5xx).
    pub retries: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("emdb_url", &self.emdb_url)
            .field("pdb_url", &self.pdb_url)
            .field("cache", &self.cache)
            .field("offline", &self.offline)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl Settings {
    pub fn new(emdb_url: String, pdb_url: String, cache: PathBuf, timeout: Duration) -> Settings {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout))
            .timeout_per_read(Some(timeout))
            .user_agent(format!("cryolabel/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Settings {
            emdb_url,
            pdb_url,
            cache,
            offline: false,
            timeout,
            retries: 3,
            backoff: Duration::from_millis(1000),
            agent: config.new_agent(),
        }
    }

    /// The settings from the environment: CRYOLABEL_EMDB_URL, CRYOLABEL_PDB_URL, CRYOLABEL_CACHE
    /// (each overridden by `cache` when given), CRYOLABEL_TIMEOUT (s, default 30),
    /// CRYOLABEL_RETRIES (default 3), CRYOLABEL_BACKOFF_MS (default 1000), CRYOLABEL_OFFLINE=1.
    pub fn from_env(cache: Option<PathBuf>, offline: bool) -> Result<Settings, ArchiveError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let number = |name: &'static str, default: f64, max: f64| -> Result<f64, ArchiveError> {
            let Some(v) = var(name) else { return Ok(default) };
            match v.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 && x <= max => Ok(x),
                _ => Err(ArchiveError::Setting { name, value: v, why: "not a number in range" }),
            }
        };
        let timeout = number("CRYOLABEL_TIMEOUT", 30.0, 86400.0)?.max(0.05);
        let cache = cache.or_else(|| var("CRYOLABEL_CACHE").map(PathBuf::from)).unwrap_or_else(default_cache_dir);
        let mut s = Settings::new(
            var("CRYOLABEL_EMDB_URL").unwrap_or_else(|| DEFAULT_EMDB_URL.into()),
            var("CRYOLABEL_PDB_URL").unwrap_or_else(|| DEFAULT_PDB_URL.into()),
            cache,
            Duration::from_secs_f64(timeout),
        );
        s.retries = number("CRYOLABEL_RETRIES", 3.0, 100.0)? as u32;
        s.backoff = Duration::from_secs_f64(number("CRYOLABEL_BACKOFF_MS", 1000.0, 600_000.0)? / 1000.0);
        s.offline = offline || var("CRYOLABEL_OFFLINE").is_some_and(|v| v != "0");
        Ok(s)
    }

    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    pub(crate) fn timeout_secs(&self) -> f64 {
        self.timeout.as_secs_f64()
    }
}

fn kept_note(kept: &bool) -> &'static str {
    if *kept { "; the partial file is kept and the next run resumes it" } else { "" }
}

impl ArchiveError {
    /// The last error of several attempts.
    pub(crate) fn after_attempts(self, attempts: u32, kept: bool) -> ArchiveError {
        if attempts <= 1 { self } else { ArchiveError::Attempts { error: Box::new(self), attempts, kept } }
    }
}

/// A word a user typed (a path or an id) and where it stands.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub word: &'a str,
    pub slot: Slot,
}

/// Local files for what a user typed, and what the archive said about the entry.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub map: Option<PathBuf>,
    pub model: Option<PathBuf>,
    pub emdb: Option<EmdbId>,
    pub pdb: Option<PdbId>,
    /// The EMDB header of `emdb` (resolution, contour, fitted models).
    pub header: Option<EmdbHeader>,
    pub header_path: Option<PathBuf>,
    /// The model is the header's first fitted one (no model was named).
    pub model_from_header: bool,
}

impl Resolved {
    /// The header's resolution, Å.
    pub fn resolution(&self) -> Option<f64> {
        self.header.as_ref().and_then(|h| h.resolution)
    }
    /// The author's recommended contour level.
    pub fn contour(&self) -> Option<f32> {
        self.header.as_ref().and_then(|h| h.contour)
    }
}

/// Turn typed words into local files: paths stay as they are; ids are fetched into the cache
/// (or found there). An id goes where its archive says (EMDB: the map, PDB: the model) whatever
/// its slot; the slot decides paths and bare PDB ids (`ids::classify`). With `fitted_model`, an
/// EMDB id without a named model brings its header's first fitted model. Relative words are
/// looked up against `base` when deciding path or id. The map and model download in parallel.
pub fn resolve(
    inputs: &[Input],
    base: &Path,
    fitted_model: bool,
    s: &Settings,
    on: Sink,
) -> Result<Resolved, ArchiveError> {
    let mut r = Resolved::default();
    let twice = |what: &str| ArchiveError::Input(format!("two {what}s given; give one map and one model"));
    for inp in inputs.iter().filter(|i| !i.word.trim().is_empty()) {
        match ids::classify(inp.word, inp.slot, base) {
            Some(Accession::Emdb(e)) if r.emdb.is_none() && r.map.is_none() => r.emdb = Some(e),
            Some(Accession::Pdb(p)) if r.pdb.is_none() && r.model.is_none() => r.pdb = Some(p),
            Some(Accession::Emdb(_)) => return Err(twice("map")),
            Some(Accession::Pdb(_)) => return Err(twice("model")),
            None if ids::looks_like_id(inp.word) => {
                let why = "not an id (emdb:3488, EMD-3488, emd_3488; pdb:5me2, 5me2)".into();
                return Err(ArchiveError::BadId { word: inp.word.into(), why });
            }
            None => {
                let slot = match inp.slot {
                    Slot::Map => &mut r.map,
                    Slot::Model => &mut r.model,
                    Slot::Id => {
                        let why = "neither an id (emdb:3488, EMD-3488; pdb:5me2, 5me2) nor an existing file".into();
                        return Err(ArchiveError::BadId { word: inp.word.into(), why });
                    }
                };
                if slot.is_some() {
                    return Err(twice(if inp.slot == Slot::Map { "map" } else { "model" }));
                }
                *slot = Some(PathBuf::from(inp.word.trim()));
            }
        }
    }
    if r.emdb.is_some() && r.map.is_some() || r.pdb.is_some() && r.model.is_some() {
        return Err(ArchiveError::Input("both a file and an id given for the same input".into()));
    }
    if let Some(e) = &r.emdb {
        let (h, path) = fetch_header(e, s, on)?;
        if fitted_model && r.pdb.is_none() && r.model.is_none() {
            r.pdb = h.fitted.first().cloned();
            r.model_from_header = r.pdb.is_some();
        }
        r.header = Some(h);
        r.header_path = Some(path);
    }
    let (map, model) = std::thread::scope(|sc| {
        let map = r.emdb.as_ref().map(|e| sc.spawn(|| cache::get(&Remote::emdb_map(e), s, on)));
        let model = r.pdb.as_ref().map(|p| cache::get_first(&Remote::pdb_models(p), &format!("pdb:{p} model"), s, on));
        let map = map.map(|h| h.join().unwrap_or_else(|_| Err(ArchiveError::Input("download thread panicked".into()))));
        (map, model)
    });
    if let Some(m) = map {
        r.map = Some(m?);
    }
    if let Some(m) = model {
        r.model = Some(m?);
    }
    Ok(r)
}

/// The header of an EMDB entry, parsed; a cached header that does not parse is removed so the
/// next run fetches it again.
pub fn fetch_header(id: &EmdbId, s: &Settings, on: Sink) -> Result<(EmdbHeader, PathBuf), ArchiveError> {
    let path = cache::get(&Remote::emdb_header(id), s, on)?;
    match header::read_header(&path) {
        Ok(h) => Ok((h, path)),
        Err(e) => {
            if !s.offline {
                let _ = std::fs::remove_file(&path);
            }
            Err(e)
        }
    }
}
