//! Every CSV table cryolabel writes or reads (metadata.csv, failures.csv, manifests, the cubes
//! index, splits, report.csv, FSC curves) goes through the csv crate here: a field holding a
//! comma, a quote or a newline (a failure reason, a path) is quoted on the way out and comes
//! back whole, which hand-written joins and line splitting did not do.
//!
//! Output is what the tables always looked like: `\n` line ends, quotes only where a field needs
//! them, a header row even when there are no rows.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// A table that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("{}: cannot read: {}", .0.display(), .1)]
    Read(PathBuf, std::io::Error),
    #[error("{}: not a CSV table: {}", .0.display(), .1)]
    Invalid(PathBuf, String),
}

/// A table as text: its header, then one record per row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The line each row starts on (1-based), for messages.
    pub lines: Vec<u64>,
}

impl Table {
    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.head.iter().position(|h| h == name)
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new())
}

/// Writing to memory fails only on a record of another width (`flexible` is off) or a value
/// serde cannot flatten into one row; both are programming errors in the caller, not bad input.
fn finish(w: csv::Writer<Vec<u8>>) -> String {
    let bytes = w.into_inner().expect("CSV into memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// CSV text of `columns` and string rows.
pub fn to_csv<R, F>(columns: &[&str], rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut w = writer();
    w.write_record(columns).expect("CSV header");
    for r in rows {
        w.write_record(r).expect("CSV rows have the header's width");
    }
    finish(w)
}

/// CSV text of `columns` and serde rows (a struct per row, its fields in column order).
pub fn serialize<T: Serialize>(columns: &[&str], rows: impl IntoIterator<Item = T>) -> String {
    let mut w = writer();
    w.write_record(columns).expect("CSV header");
    for r in rows {
        w.serialize(r).expect("CSV rows are flat records");
    }
    finish(w)
}

/// How to read a table.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Trim spaces around fields (hand-written manifests); our own tables keep fields as written.
    pub trim: bool,
    /// Skip lines starting with `#`.
    pub comments: bool,
    /// Lower-case the header names.
    pub lowercase_head: bool,
    /// Allow rows shorter (or longer) than the header: a hand-written row may leave out its
    /// trailing empty fields.
    pub flexible: bool,
}

fn reader(path: &Path, o: ReadOptions) -> Result<csv::Reader<std::fs::File>, TableError> {
    let file = std::fs::File::open(path).map_err(|e| TableError::Read(path.to_path_buf(), e))?;
    Ok(csv::ReaderBuilder::new()
        .trim(if o.trim { csv::Trim::All } else { csv::Trim::None })
        .comment(o.comments.then_some(b'#'))
        .flexible(o.flexible)
        .from_reader(file))
}

fn invalid(path: &Path, e: csv::Error) -> TableError {
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => TableError::Read(path.to_path_buf(), e),
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
            let line = pos.map(|p| p.line().to_string()).unwrap_or_else(|| "?".into());
            TableError::Invalid(path.to_path_buf(), format!("line {line}: {len} fields, the header has {expected_len}"))
        }
        _ => TableError::Invalid(path.to_path_buf(), text),
    }
}

fn head(path: &Path, r: &mut csv::Reader<std::fs::File>, o: ReadOptions) -> Result<csv::StringRecord, TableError> {
    let mut h = r.headers().map_err(|e| invalid(path, e))?.clone();
    if o.lowercase_head {
        h = h.iter().map(|s| s.to_ascii_lowercase()).collect();
        r.set_headers(h.clone());
    }
    Ok(h)
}

/// Read a table as strings. A row with a field count other than the header's is refused,
/// naming its line; blank lines are skipped.
pub fn read(path: &Path, o: ReadOptions) -> Result<Table, TableError> {
    let mut r = reader(path, o)?;
    let head = head(path, &mut r, o)?.iter().map(String::from).collect();
    let mut t = Table { head, ..Table::default() };
    for rec in r.records() {
        let rec = rec.map_err(|e| invalid(path, e))?;
        t.lines.push(rec.position().map(|p| p.line()).unwrap_or(0));
        t.rows.push(rec.iter().map(String::from).collect());
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_and_newlines_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let rows = vec![vec!["a", "b,c", "say \"hi\"", ""], vec!["x", "two\nlines", "cr\r\nlf", "#not a comment"]];
        let text = to_csv(&["w", "x", "y", "z"], &rows);
        assert!(text.starts_with("w,x,y,z\na,\"b,c\",\"say \"\"hi\"\"\",\n"), "{text:?}");
        std::fs::write(&p, &text).unwrap();
        let t = read(&p, ReadOptions::default()).unwrap();
        assert_eq!(t.head, ["w", "x", "y", "z"]);
        assert_eq!(t.rows, rows);
        assert_eq!(t.lines, [2, 3]);
    }

    #[test]
    fn header_only_and_ragged_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        assert_eq!(to_csv::<Vec<&str>, &str>(&["a", "b"], vec![]), "a,b\n");
        std::fs::write(&p, "a,b\n1,2\n3\n").unwrap();
        let e = read(&p, ReadOptions::default()).unwrap_err().to_string();
        assert!(e.contains("line 3: 1 fields, the header has 2"), "{e}");
    }
}
