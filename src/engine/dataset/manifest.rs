//! Where a batch's entries come from: a manifest CSV or a folder of `<id>/` folders, and the
//! deterministic share of them one cluster shard takes.

use std::path::{Path, PathBuf};

use super::{DatasetError, csv_fields};
use crate::engine::archive::ids::{self, Accession, Slot};

/// One data-set entry to prepare.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: String,
    pub map: PathBuf,
    pub model: PathBuf,
    /// Simulation resolution, Å; None: the model's stated one.
    pub resolution: Option<f64>,
}

/// An entry that could not even be set up (from a scan), recorded like a failed run.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub id: String,
    pub map: String,
    pub model: String,
    pub reason: String,
}

/// Read a manifest: a header row naming `id`, `map` (or `emdb`), `model` (or `pdb`) and
/// optionally `resolution` (any order, other columns ignored); `#` lines and blank lines
/// skipped. Relative paths are resolved against the manifest's folder, so a manifest travels
/// with its data; ids (emdb:3488, EMD-3488, 3488 in an `emdb` column; pdb:5me2, 5me2) are kept
/// as typed for the caller to fetch. An EMDB id's model may be left empty (its first fitted one).
pub fn read_manifest(path: &Path) -> Result<Vec<Entry>, DatasetError> {
    let text = std::fs::read_to_string(path).map_err(|e| DatasetError::Read(path.to_path_buf(), e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let bad = |m: String| DatasetError::Invalid(path.to_path_buf(), m);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let (_, head) = lines.next().ok_or_else(|| bad("empty manifest".into()))?;
    let head: Vec<String> = csv_fields(head).into_iter().map(|h| h.to_ascii_lowercase()).collect();
    let col = |name: &str| head.iter().position(|h| h == name);
    let (Some(ci), Some(cm), Some(cmo)) = (col("id"), col("map").or(col("emdb")), col("model").or(col("pdb"))) else {
        return Err(bad(format!(
            "the header must name id, map and model (or id, emdb and pdb; optionally resolution); it has {head:?}"
        )));
    };
    let emdb_column = col("map").is_none();
    // an id stays as typed (the CLI fetches it); anything else is a path against the manifest
    let word = |v: &str| {
        if emdb_column && !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            format!("emdb:{v}")
        } else {
            v.into()
        }
    };
    let locate = |v: &str, slot: Slot| {
        if ids::classify(v, slot, base).is_some() { PathBuf::from(v) } else { base.join(v) }
    };
    let cr = col("resolution");
    let mut out: Vec<Entry> = Vec::new();
    for (n, line) in lines {
        let f = csv_fields(line);
        let get = |c: usize| f.get(c).map(String::as_str).unwrap_or("");
        let (id, map, model) = (get(ci), word(get(cm)), get(cmo));
        let map = map.as_str();
        let emdb_alone = model.is_empty() && matches!(ids::classify(map, Slot::Map, base), Some(Accession::Emdb(_)));
        if id.is_empty() || map.is_empty() || (model.is_empty() && !emdb_alone) {
            return Err(bad(format!("line {}: id, map and model must all be given", n + 1)));
        }
        let resolution = match cr.map(get).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<f64>() {
                Ok(r) if r.is_finite() && r > 0.0 => Some(r),
                _ => return Err(bad(format!("line {}: resolution {s:?} is not a positive number", n + 1))),
            },
        };
        if out.iter().any(|e| e.id == id) {
            return Err(bad(format!("line {}: id {id:?} appears twice", n + 1)));
        }
        let model = if model.is_empty() { PathBuf::new() } else { locate(model, Slot::Model) };
        out.push(Entry { id: id.to_string(), map: locate(map, Slot::Map), model, resolution });
    }
    Ok(out)
}

const MAP_EXT: &[&str] = &[".mrc", ".map", ".ccp4", ".mrc.gz", ".map.gz", ".ccp4.gz"];
const MODEL_EXT: &[&str] =
    &[".pdb", ".ent", ".pdb1", ".cif", ".mmcif", ".pdb.gz", ".ent.gz", ".pdb1.gz", ".cif.gz", ".mmcif.gz"];

fn has_ext(p: &Path, exts: &[&str]) -> bool {
    let n = p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    !n.starts_with('.') && exts.iter().any(|e| n.ends_with(e))
}

/// Scan `raw/<id>/` folders, each holding exactly one map and one model. A folder with none or
/// several of either becomes a failure that says so, not a guess.
pub fn scan_input(dir: &Path) -> Result<(Vec<Entry>, Vec<Failure>), DatasetError> {
    let rd = |e| DatasetError::Read(dir.to_path_buf(), e);
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(rd)?.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let (mut entries, mut failures) = (Vec::new(), Vec::new());
    for d in dirs {
        let id = d.file_name().unwrap_or_default().to_string_lossy().to_string();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(|e| DatasetError::Read(d.clone(), e))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let maps: Vec<&PathBuf> = files.iter().filter(|p| has_ext(p, MAP_EXT)).collect();
        let models: Vec<&PathBuf> = files.iter().filter(|p| has_ext(p, MODEL_EXT)).collect();
        let names = |v: &[&PathBuf]| v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(";");
        if maps.len() == 1 && models.len() == 1 {
            entries.push(Entry { id, map: maps[0].clone(), model: models[0].clone(), resolution: None });
        } else {
            let reason = format!(
                "{}: needs exactly one map and one model, found {} map(s) and {} model(s)",
                d.display(),
                maps.len(),
                models.len()
            );
            failures.push(Failure { id, map: names(&maps), model: names(&models), reason });
        }
    }
    Ok((entries, failures))
}

/// Which shard this process is: `--shard I/N` if given, else SLURM's array variables
/// (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), else none.
pub fn shard_from(
    arg: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(usize, usize)>, DatasetError> {
    let bad = |m: String| DatasetError::Input(m);
    if let Some(s) = arg {
        let (i, n) = s.split_once('/').ok_or_else(|| bad(format!("--shard {s:?}: expected I/N, e.g. 0/4")))?;
        let (i, n) = (i.trim().parse::<usize>(), n.trim().parse::<usize>());
        return match (i, n) {
            (Ok(i), Ok(n)) if n > 0 && i < n => Ok(Some((i, n))),
            _ => Err(bad(format!("--shard {s:?}: need 0 <= I < N"))),
        };
    }
    let (Some(id), Some(count)) = (env("SLURM_ARRAY_TASK_ID"), env("SLURM_ARRAY_TASK_COUNT")) else { return Ok(None) };
    let min = env("SLURM_ARRAY_TASK_MIN").and_then(|m| m.parse::<usize>().ok()).unwrap_or(0);
    match (id.parse::<usize>(), count.parse::<usize>()) {
        (Ok(i), Ok(n)) if n > 0 && i >= min && i - min < n => Ok(Some((i - min, n))),
        _ => Err(bad(format!("SLURM_ARRAY_TASK_ID={id} SLURM_ARRAY_TASK_COUNT={count} (MIN {min}): not a shard I/N"))),
    }
}

/// Shard I of N: the entries whose position among the ids, sorted, is I mod N. The same
/// manifest gives every array task a disjoint share whatever the row order.
pub fn take_shard<T>(mut items: Vec<T>, id: impl Fn(&T) -> &str, shard: Option<(usize, usize)>) -> Vec<T> {
    items.sort_by(|a, b| id(a).cmp(id(b)));
    match shard {
        None => items,
        Some((i, n)) => items.into_iter().enumerate().filter(|(k, _)| k % n == i).map(|(_, e)| e).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_sorted_ids() {
        let ids = vec!["d", "a", "c", "b", "e"];
        let all: Vec<&str> = (0..2).flat_map(|i| take_shard(ids.clone(), |s| s, Some((i, 2)))).collect();
        assert_eq!(take_shard(ids.clone(), |s| s, Some((0, 2))), ["a", "c", "e"]);
        assert_eq!(all.len(), 5);
    }

    #[test]
    fn shard_from_slurm_and_flag() {
        let env = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("3".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("4".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_string()),
            _ => None,
        };
        assert_eq!(shard_from(None, env).unwrap(), Some((2, 4)));
        assert_eq!(shard_from(Some("1/3"), env).unwrap(), Some((1, 3)));
        assert!(shard_from(Some("3/3"), env).is_err());
        assert_eq!(shard_from(None, |_| None).unwrap(), None);
    }

    #[test]
    fn manifest_resolves_relative_paths_and_checks_rows() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("m.csv");
        std::fs::write(&m, "# comment\nid,map,model,resolution\na,x/a.mrc,/abs/a.pdb,3.2\nb,b.map,b.cif,\n").unwrap();
        let e = read_manifest(&m).unwrap();
        assert_eq!(e[0].map, dir.path().join("x/a.mrc"));
        assert_eq!(e[0].model, PathBuf::from("/abs/a.pdb"));
        assert_eq!((e[0].resolution, e[1].resolution), (Some(3.2), None));
        std::fs::write(&m, "id,map\na,b\n").unwrap();
        assert!(read_manifest(&m).is_err());
        std::fs::write(&m, "id,map,model,resolution\na,b,c,-1\n").unwrap();
        assert!(read_manifest(&m).is_err());
    }

    #[test]
    fn scan_takes_one_map_and_one_model_per_folder() {
        let dir = tempfile::tempdir().unwrap();
        for (d, files) in
            [("a", &["x.map.gz", "x.cif", "notes.txt"][..]), ("b", &["1.mrc", "2.mrc", "m.pdb"][..]), ("c", &[][..])]
        {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
            for f in files {
                std::fs::write(dir.path().join(d).join(f), "").unwrap();
            }
        }
        let (e, f) = scan_input(dir.path()).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].id.as_str(), e[0].model.file_name().unwrap()), ("a", std::ffi::OsStr::new("x.cif")));
        assert_eq!(f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    }
}
