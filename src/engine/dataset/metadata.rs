//! The set's tables. `metadata.csv` has one row per finished entry, built from the entry's own
//! folder (provenance.json, fsc.json), so a resumed or sharded run gives the same rows as a
//! single run; `failures.csv` has one row per failed entry with its reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::manifest::Failure;
use super::{DatasetError, write_text};
use crate::engine::mapio::Durability;
use crate::engine::table::{self, ReadOptions};

/// metadata.csv columns. Columns starting `t_` are timings (seconds, or MB/s for the write rate)
/// and differ run to run.
pub const COLUMNS: &[&str] = &[
    "id",
    "resolution",
    "resolution_source",
    "grid_x",
    "grid_y",
    "grid_z",
    "voxel_A",
    "atoms",
    "atoms_outside",
    "atoms_without_density",
    "voxels_background",
    "voxels_atom",
    "voxels_neighbour",
    "fsc05_A",
    "fsc0143_A",
    "mean_q",
    "unmodelled_fraction",
    "unsupported_atoms",
    "t_read_s",
    "t_resample_s",
    "t_simulate_s",
    "t_label_s",
    "t_write_s",
    "t_fsc_s",
    "t_total_s",
    "bytes_written",
    "t_write_MB_per_s",
];
pub const FAILURE_COLUMNS: &[&str] = &["id", "map", "model", "reason"];

/// File names of the tables a run writes: plain, or per shard so array tasks never collide.
pub fn table_names(shard: Option<(usize, usize)>) -> (String, String) {
    match shard {
        None => ("metadata.csv".into(), "failures.csv".into()),
        Some((i, n)) => (format!("metadata.shard-{i}-of-{n}.csv"), format!("failures.shard-{i}-of-{n}.csv")),
    }
}

/// FSC figures kept beside an entry in `fsc.json` (map-model, unmasked).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FscFigures {
    pub fsc05_a: Option<f64>,
    pub fsc0143_a: Option<f64>,
    pub seconds: f64,
    /// Label quality (engine::quality, default contour): mean Q-score, unmodelled fraction,
    /// unsupported atoms. Absent in fsc.json files written before they existed.
    #[serde(default)]
    pub mean_q: Option<f64>,
    #[serde(default)]
    pub unmodelled_fraction: Option<f64>,
    #[serde(default)]
    pub unsupported_atoms: Option<usize>,
}

pub fn read_json(path: &Path) -> Result<Value, DatasetError> {
    let text = std::fs::read_to_string(path).map_err(|e| DatasetError::Read(path.to_path_buf(), e))?;
    serde_json::from_str(&text).map_err(|e| DatasetError::Invalid(path.to_path_buf(), format!("not JSON: {e}")))
}

fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

/// The metadata row of a finished entry folder `<dir>/<id>/`.
pub fn entry_row(dir: &Path, id: &str) -> Result<Vec<String>, DatasetError> {
    let d = dir.join(id);
    let p = read_json(&d.join("provenance.json"))?;
    let fsc: Option<FscFigures> =
        std::fs::read_to_string(d.join("fsc.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
    let g = &p["grid"];
    let l = &p["labels"];
    let t = &p["timings_s"];
    let f3 = |v: &Value| format!("{:.4}", v.as_f64().unwrap_or(0.0));
    let mut row = vec![
        id.to_string(),
        num(&p["resolution"]["value"]),
        num(&p["resolution"]["source"]),
        num(&g["shape"][0]),
        num(&g["shape"][1]),
        num(&g["shape"][2]),
        num(&g["voxel"][0]),
        num(&l["atoms"]),
        num(&l["atoms_outside"]),
        num(&l["atoms_without_density"]),
        num(&l["class_counts"][0]),
        num(&l["class_counts"][1]),
        num(&l["class_counts"][2]),
        opt(fsc.and_then(|f| f.fsc05_a)),
        opt(fsc.and_then(|f| f.fsc0143_a)),
        fsc.and_then(|f| f.mean_q).map(|x| format!("{x:.4}")).unwrap_or_default(),
        fsc.and_then(|f| f.unmodelled_fraction).map(|x| format!("{x:.4}")).unwrap_or_default(),
        fsc.and_then(|f| f.unsupported_atoms).map(|x| x.to_string()).unwrap_or_default(),
    ];
    row.extend(["read", "resample", "simulate", "label", "write"].iter().map(|k| f3(&t[k])));
    row.push(fsc.map(|f| format!("{:.4}", f.seconds)).unwrap_or_default());
    row.push(f3(&t["total"]));
    // what the entry wrote and how fast (bytes over the write stage: the disk's share of the run)
    let bytes = p["bytes_written"].as_u64();
    row.push(bytes.map(|b| b.to_string()).unwrap_or_default());
    let rate = bytes.zip(t["write"].as_f64()).filter(|(_, s)| *s > 0.0).map(|(b, s)| b as f64 / 1e6 / s);
    row.push(rate.map(|r| format!("{r:.1}")).unwrap_or_default());
    Ok(row)
}

/// A table as CSV text, header first.
pub fn to_csv(columns: &[&str], rows: &[Vec<String>]) -> String {
    table::to_csv(columns, rows)
}

pub fn failure_rows(f: &[Failure]) -> Vec<Vec<String>> {
    f.iter().map(|f| vec![f.id.clone(), f.map.clone(), f.model.clone(), f.reason.clone()]).collect()
}

/// Read one of our tables: (header, rows), fields exactly as written. Rows with a field count
/// other than the header's are refused.
pub fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), DatasetError> {
    let t = table::read(path, ReadOptions::default())?;
    Ok((t.head, t.rows))
}

/// What `merge` did.
#[derive(Debug, Default)]
pub struct Merged {
    pub entries: usize,
    pub failures: usize,
    pub tables_read: Vec<PathBuf>,
    pub moved: usize,
    /// Ids listed by more than one table; the first table (in path order) wins.
    pub duplicates: Vec<String>,
}

fn tables_in(dir: &Path, stem: &str) -> Result<Vec<PathBuf>, DatasetError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| DatasetError::Read(dir.to_path_buf(), e))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n == format!("{stem}.csv") || (n.starts_with(&format!("{stem}.shard-")) && n.ends_with(".csv"))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Merge the metadata and failures tables of shard folders (or of one folder that all shards
/// wrote into) into `<out>/metadata.csv` and `<out>/failures.csv`, rows sorted by id. An entry
/// done in any shard drops its failure rows (a later retry succeeded). With `move_entries`,
/// entry folders of shard folders other than `out` are renamed into `out`.
pub fn merge(dirs: &[PathBuf], out: &Path, move_entries: bool, d: Durability) -> Result<Merged, DatasetError> {
    std::fs::create_dir_all(out).map_err(|e| DatasetError::Write(out.to_path_buf(), e))?;
    let mut m = Merged::default();
    let mut rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut fails: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in dirs {
        for (stem, cols, into) in [("metadata", COLUMNS, &mut rows), ("failures", FAILURE_COLUMNS, &mut fails)] {
            for t in tables_in(dir, stem)? {
                let (head, body) = read_csv(&t)?;
                if head != cols {
                    return Err(DatasetError::Invalid(t, format!("columns {head:?} are not those of a {stem} table")));
                }
                for r in body {
                    if stem == "metadata" && move_entries && !same_dir(dir, out) {
                        let (from, to) = (dir.join(&r[0]), out.join(&r[0]));
                        if from.is_dir() && !to.exists() {
                            std::fs::rename(&from, &to).map_err(|e| DatasetError::Write(to.clone(), e))?;
                            m.moved += 1;
                        }
                    }
                    if into.contains_key(&r[0]) {
                        m.duplicates.push(r[0].clone());
                    } else {
                        into.insert(r[0].clone(), r);
                    }
                }
                m.tables_read.push(t);
            }
        }
    }
    fails.retain(|id, _| !rows.contains_key(id));
    m.entries = rows.len();
    m.failures = fails.len();
    let rows: Vec<Vec<String>> = rows.into_values().collect();
    let fails: Vec<Vec<String>> = fails.into_values().collect();
    write_text(&out.join("metadata.csv"), &to_csv(COLUMNS, &rows), d)?;
    write_text(&out.join("failures.csv"), &to_csv(FAILURE_COLUMNS, &fails), d)?;
    Ok(m)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failure reason is free text (an error message, a path): commas, quotes and newlines
    /// must come through `merge` whole, in the right column.
    #[test]
    fn merge_keeps_reasons_with_commas_quotes_and_newlines() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let reason = |i: usize| format!("e{i}.mrc: truncated, the header needs 10 bytes\nsecond \"line\", here");
        for (k, d) in [&a, &b].into_iter().enumerate() {
            std::fs::create_dir_all(d).unwrap();
            let f = [Failure { id: format!("e{k}"), map: "m,1.mrc".into(), model: "x.pdb".into(), reason: reason(k) }];
            let (_, fname) = table_names(Some((k, 2)));
            write_text(&d.join(fname), &to_csv(FAILURE_COLUMNS, &failure_rows(&f)), Durability::Renamed).unwrap();
            write_text(&d.join(table_names(Some((k, 2))).0), &to_csv(COLUMNS, &[]), Durability::Renamed).unwrap();
        }
        let out = dir.path().join("out");
        let m = merge(&[a, b], &out, false, Durability::Renamed).unwrap();
        assert_eq!((m.entries, m.failures, m.tables_read.len()), (0, 2, 4));
        let (head, rows) = read_csv(&out.join("failures.csv")).unwrap();
        assert_eq!(head, FAILURE_COLUMNS);
        assert_eq!(
            rows,
            (0..2).map(|i| vec![format!("e{i}"), "m,1.mrc".into(), "x.pdb".into(), reason(i)]).collect::<Vec<_>>()
        );
    }
}
