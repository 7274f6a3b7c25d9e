//! Where a batch's entries come from: a manifest CSV or a folder of `<id>/` folders, and the
//! deterministic share of them one cluster shard takes.

use std::path::{Path, PathBuf};

use super::DatasetError;
use crate::engine::archive::ids::{self, Accession, Slot};
use crate::engine::formats::{self, Kind};
use crate::engine::table::{self, ReadOptions};

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
    let base = path.parent().unwrap_or(Path::new("."));
    let bad = |m: String| DatasetError::Invalid(path.to_path_buf(), m);
    let o = ReadOptions { trim: true, comments: true, lowercase_head: true, flexible: true };
    let t = table::read(path, o)?;
    if t.head.iter().all(|h| h.is_empty()) {
        return Err(bad("empty manifest".into()));
    }
    let (Some(ci), Some(cm), Some(cmo)) =
        (t.column("id"), t.column("map").or(t.column("emdb")), t.column("model").or(t.column("pdb")))
    else {
        return Err(bad(format!(
            "the header must name id, map and model (or id, emdb and pdb; optionally resolution); it has {:?}",
            t.head
        )));
    };
    let emdb_column = t.column("map").is_none();
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
    let cr = t.column("resolution");
    let mut out: Vec<Entry> = Vec::new();
    for (row, &n) in t.rows.iter().zip(&t.lines) {
        let get = |c: usize| row.get(c).cloned().unwrap_or_default();
        let (id, map, model, resolution) = (get(ci), word(&get(cm)), get(cmo), cr.map(get).unwrap_or_default());
        let emdb_alone = model.is_empty() && matches!(ids::classify(&map, Slot::Map, base), Some(Accession::Emdb(_)));
        if id.is_empty() || map.is_empty() || (model.is_empty() && !emdb_alone) {
            return Err(bad(format!("line {n}: id, map and model must all be given")));
        }
        let resolution = match resolution.as_str() {
            "" => None,
            s => match s.parse::<f64>() {
                Ok(r) if r.is_finite() && r > 0.0 => Some(r),
                _ => return Err(bad(format!("line {n}: resolution {s:?} is not a positive number"))),
            },
        };
        crate::engine::export::check_id(&id).map_err(|e| bad(format!("line {n}: {e}")))?;
        if out.iter().any(|e| e.id == id) {
            return Err(bad(format!("line {n}: id {id:?} appears twice")));
        }
        let model = if model.is_empty() { PathBuf::new() } else { locate(&model, Slot::Model) };
        out.push(Entry { map: locate(&map, Slot::Map), model, id, resolution });
    }
    Ok(out)
}

/// What a file in a raw folder is, by content as `info` decides (formats::identify); hidden
/// files and files of neither kind (notes, checksums) are not inputs.
fn kind_of(p: &Path) -> Option<Kind> {
    let hidden = p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
    if hidden { None } else { formats::identify(p).ok() }
}

/// Scan `raw/<id>/` folders, each holding exactly one map and one model (told by content, so a
/// `.rec`, `.msk` or `.map.bz2` map counts). A folder with none or
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
        let kinds: Vec<Option<Kind>> = files.iter().map(|p| kind_of(p)).collect();
        let of = |k: Kind| -> Vec<&PathBuf> {
            files.iter().zip(&kinds).filter(|(_, kk)| **kk == Some(k)).map(|(p, _)| p).collect()
        };
        let (maps, models) = (of(Kind::Map), of(Kind::Model));
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
        std::fs::write(&m, "ID, Map ,model,resolution\n\"a,1\",\"b\nc.mrc\", c \n").unwrap();
        let e = read_manifest(&m).unwrap();
        assert_eq!((e[0].id.as_str(), &e[0].map, e[0].resolution), ("a,1", &dir.path().join("b\nc.mrc"), None));
        std::fs::write(&m, "id,map,model,resolution\na,b,c,-1\n").unwrap();
        assert!(read_manifest(&m).is_err());
    }

    #[test]
    fn scan_takes_one_map_and_one_model_per_folder() {
        let dir = tempfile::tempdir().unwrap();
        for (d, files) in
            [("a", &["x.map.gz", "x.cif", "notes.txt"][..]), ("b", &["1.mrc", "2.rec", "m.pdb"][..]), ("c", &[][..])]
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
