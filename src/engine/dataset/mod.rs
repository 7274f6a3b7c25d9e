//! Whole data sets: a manifest of (map, model) entries run through `prepare` in parallel and
//! resumably, the set's metadata and failures tables, shard merging, sub-cubes and splits.

pub mod batch;
pub mod cubes;
pub mod manifest;
pub mod metadata;
pub mod npy;
pub mod split;

use std::path::PathBuf;

/// Errors of the data-set layer; per-entry failures are not errors (they go to failures.csv).
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{}: cannot read: {}", .0.display(), .1)]
    Read(PathBuf, std::io::Error),
    #[error("{}: cannot write: {}", .0.display(), .1)]
    Write(PathBuf, std::io::Error),
    #[error("{}: {}", .0.display(), .1)]
    Invalid(PathBuf, String),
    #[error(transparent)]
    Engine(#[from] super::EngineError),
    #[error(transparent)]
    Map(#[from] super::MapError),
    #[error("{0}")]
    Input(String),
}

/// Split one CSV line into fields; double-quoted fields may hold commas and `""`.
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

/// One CSV field, quoted when it must be.
pub fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Write text atomically (temporary sibling + rename), as every output of the engine is.
pub fn write_text(path: &std::path::Path, text: &str) -> Result<(), DatasetError> {
    super::mapio::write_atomic(path, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(DatasetError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_with_quotes() {
        let fields = ["a", "b,c", "say \"hi\"", ""];
        let line: Vec<String> = fields.iter().map(|f| csv_quote(f)).collect();
        assert_eq!(csv_fields(&line.join(",")), fields);
    }
}
