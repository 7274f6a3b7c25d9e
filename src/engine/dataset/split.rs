//! Train/validation/test split stratified by resolution bins, as Cryo2StructData recommends:
//! each bin is split in the same fractions, so every split sees every resolution range.
//! Reproducible: ids are sorted, then shuffled per bin by a seeded SplitMix64 written here
//! (a crate's RNG could change its stream between versions and silently change the split).

use std::path::Path;

use super::DatasetError;
use super::metadata::read_csv;

/// Fractions for train, validation and test (normalised to sum 1).
#[derive(Clone, Copy, Debug)]
pub struct Fractions(pub f64, pub f64, pub f64);

/// Default bin edges, Å: (-inf,2), [2,3), [3,4), [4,5), [5,6), [6,8), [8,10), [10,inf).
pub const DEFAULT_EDGES: &[f64] = &[2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0];

#[derive(Clone, Debug, PartialEq)]
pub struct Assigned {
    pub id: String,
    pub resolution: f64,
    /// Bin label, e.g. "3-4".
    pub bin: String,
    pub split: &'static str,
}

struct SplitMix64(u64);
impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn bin_label(edges: &[f64], b: usize) -> String {
    match (b.checked_sub(1).map(|i| edges[i]), edges.get(b)) {
        (None, Some(hi)) => format!("<{hi}"),
        (Some(lo), Some(hi)) => format!("{lo}-{hi}"),
        (Some(lo), None) => format!(">={lo}"),
        (None, None) => "all".into(),
    }
}

/// Assign each (id, resolution) to train, validation or test. Within each bin the counts are
/// round(n x fraction) for train and validation, the rest test.
pub fn split(items: &[(String, f64)], edges: &[f64], f: Fractions, seed: u64) -> Result<Vec<Assigned>, String> {
    let mut edges = edges.to_vec();
    if edges.iter().any(|e| !e.is_finite()) {
        return Err("bin edges must be finite".into());
    }
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    let sum = f.0 + f.1 + f.2;
    if [f.0, f.1, f.2].iter().any(|x| !x.is_finite() || *x < 0.0) || sum <= 0.0 {
        return Err(format!("fractions {:?} must be non-negative with a positive sum", (f.0, f.1, f.2)));
    }
    let (ft, fv) = (f.0 / sum, f.1 / sum);
    let mut sorted = items.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(items.len());
    for b in 0..=edges.len() {
        let mut ids: Vec<&(String, f64)> =
            sorted.iter().filter(|(_, r)| edges.partition_point(|e| e <= r) == b).collect();
        let mut rng = SplitMix64(seed ^ (b as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        for i in (1..ids.len()).rev() {
            ids.swap(i, rng.below(i + 1));
        }
        let n = ids.len();
        let nt = ((n as f64 * ft).round() as usize).min(n);
        let nv = ((n as f64 * fv).round() as usize).min(n - nt);
        for (k, (id, r)) in ids.into_iter().enumerate() {
            let split = if k < nt {
                "train"
            } else if k < nt + nv {
                "validation"
            } else {
                "test"
            };
            out.push(Assigned { id: id.clone(), resolution: *r, bin: bin_label(&edges, b), split });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The (id, resolution) rows of `<dataset>/metadata.csv` (written by `batch` or `merge`): what
/// [`split`] takes, for the CLI's `split` and the Python package's `CubeDataset.split` alike.
pub fn split_items(dataset: &Path) -> Result<Vec<(String, f64)>, DatasetError> {
    let meta = dataset.join("metadata.csv");
    let (head, rows) = read_csv(&meta)?;
    let (Some(ci), Some(cr)) = (head.iter().position(|h| h == "id"), head.iter().position(|h| h == "resolution"))
    else {
        return Err(DatasetError::Invalid(meta, "no id and resolution columns".into()));
    };
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let res: f64 = r[cr].parse().map_err(|e| {
            DatasetError::Invalid(meta.clone(), format!("entry {}: resolution {:?}: {e}", r[ci], r[cr]))
        })?;
        items.push((r[ci].clone(), res));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_and_reproducible() {
        let items: Vec<(String, f64)> = (0..100).map(|i| (format!("e{i:03}"), 2.0 + (i % 4) as f64)).collect();
        let a = split(&items, DEFAULT_EDGES, Fractions(0.8, 0.1, 0.1), 7).unwrap();
        assert_eq!(a, split(&items, DEFAULT_EDGES, Fractions(0.8, 0.1, 0.1), 7).unwrap());
        assert_ne!(a, split(&items, DEFAULT_EDGES, Fractions(0.8, 0.1, 0.1), 8).unwrap());
        for bin in ["2-3", "3-4", "4-5", "5-6"] {
            let n = |s: &str| a.iter().filter(|x| x.bin == bin && x.split == s).count();
            assert_eq!((n("train"), n("validation"), n("test")), (20, 3, 2), "{bin}");
        }
    }
}
