//! The local cache of archive files. It mirrors the archives' own layout below one folder per
//! archive (`<cache>/emdb/structures/EMD-3488/map/emd_3488.map.gz`,
//! `<cache>/pdb/download/5me2.pdb1.gz`), so a cache folder can also be filled by rsync from a
//! mirror, and a file found there is never fetched again.

use std::path::{Path, PathBuf};

use super::download::{Sink, download};
use super::ids::{EmdbId, PdbId};
use super::{ArchiveError, Settings};

/// Which archive a file comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archive {
    Emdb,
    Pdb,
}

impl Archive {
    fn folder(self) -> &'static str {
        match self {
            Archive::Emdb => "emdb",
            Archive::Pdb => "pdb",
        }
    }
}

/// The platform's cache folder for cryolabel (`~/.cache/cryolabel` on Linux,
/// `~/Library/Caches/cryolabel` on macOS, `%LOCALAPPDATA%\cryolabel` on Windows).
pub fn default_cache_dir() -> PathBuf {
    dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("cryolabel")
}

/// One archive file: where it lives remotely and in the cache.
#[derive(Clone, Debug)]
pub struct Remote {
    pub archive: Archive,
    /// Path below the archive root, as the archive lays it out.
    pub rel: String,
    /// Names it in messages and progress bars, e.g. "EMD-3488 map".
    pub what: String,
}

impl Remote {
    pub fn emdb_map(id: &EmdbId) -> Remote {
        Remote { archive: Archive::Emdb, rel: id.map_path(), what: format!("{id} map") }
    }
    pub fn emdb_header(id: &EmdbId) -> Remote {
        Remote { archive: Archive::Emdb, rel: id.header_path(), what: format!("{id} header") }
    }
    /// The model's candidates in the order they are tried (assembly .pdb1, then mmCIF).
    pub fn pdb_models(id: &PdbId) -> Vec<Remote> {
        let whats = [format!("{id} assembly (.pdb1)"), format!("{id} model (.cif)")];
        id.model_paths().into_iter().zip(whats).map(|(rel, what)| Remote { archive: Archive::Pdb, rel, what }).collect()
    }
    pub fn url(&self, s: &Settings) -> String {
        let root = match self.archive {
            Archive::Emdb => &s.emdb_url,
            Archive::Pdb => &s.pdb_url,
        };
        format!("{}/{}", root.trim_end_matches('/'), self.rel)
    }
    pub fn cached(&self, s: &Settings) -> PathBuf {
        s.cache.join(self.archive.folder()).join(&self.rel)
    }
}

/// The cached copy of a file, downloading it first when it is not there (never with
/// `offline`, which names the missing file instead).
pub fn get(r: &Remote, s: &Settings, on: Sink) -> Result<PathBuf, ArchiveError> {
    let path = r.cached(s);
    if path.is_file() {
        return Ok(path);
    }
    if s.offline {
        return Err(ArchiveError::NotCached { what: r.what.clone(), path });
    }
    download(s, &r.url(s), &path, &r.what, on)?;
    Ok(path)
}

/// The first of several candidates: any already cached wins (so a second open costs no
/// network even when the first candidate was missing remotely), else each is fetched in turn
/// while the archive says 404.
pub fn get_first(candidates: &[Remote], what: &str, s: &Settings, on: Sink) -> Result<PathBuf, ArchiveError> {
    if let Some(p) = candidates.iter().map(|r| r.cached(s)).find(|p| p.is_file()) {
        return Ok(p);
    }
    if s.offline {
        let names = candidates.iter().map(|r| r.cached(s).display().to_string()).collect::<Vec<_>>();
        return Err(ArchiveError::NotCached { what: what.into(), path: PathBuf::from(names.join(" or ")) });
    }
    let mut missing = Vec::new();
    for r in candidates {
        match get(r, s, on) {
            Ok(p) => return Ok(p),
            Err(ArchiveError::NotFound { url, .. }) => missing.push(url),
            Err(e) => return Err(e),
        }
    }
    Err(ArchiveError::NotFound { what: what.into(), url: missing.join(" nor ") })
}

/// Whether `path` lies in the cache (for messages: "cached" vs a user's own file).
pub fn in_cache(path: &Path, s: &Settings) -> bool {
    path.starts_with(&s.cache)
}
