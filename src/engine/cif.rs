//! A CIF 1.1 tokenizer and item reader (STAR syntax as the PDB's mmCIF files use it).
//!
//! Written by hand: the one Rust CIF reader at hand, pdbtbx 0.12's lexer, copies every value
//! into its own `String` (a 275,000-atom model has about six million values) and builds the
//! whole file in memory before the first atom is seen. This reader borrows every value from the
//! input and hands an `_atom_site` loop over row by row through one reused buffer, so the hot
//! path allocates nothing per token.
//!
//! What it follows of CIF 1.1: comments (`#` at the start of a token) anywhere, also inside a
//! loop; `;` text fields (a `;` in the first column opens and closes them); quoted values whose
//! quote closes only when followed by whitespace (`'O5''` style embedded quotes stay in the
//! value); `loop_`, `data_`, `save_` and tags case-insensitive; `?` and `.` unquoted are null.
//! What is malformed is an error naming the file and the line: an unterminated quote or text
//! field, a loop whose value count is not a multiple of its tag count, a tag without a value.

use std::path::Path;

use super::error::ModelError;

/// One value as written; `quoted` tells a literal `'.'` from the null `.`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    pub text: &'a str,
    pub quoted: bool,
}

impl<'a> Value<'a> {
    /// The value, or None for CIF's null markers (`?` unknown, `.` not applicable).
    pub fn get(self) -> Option<&'a str> {
        if !self.quoted && (self.text == "?" || self.text == ".") { None } else { Some(self.text) }
    }

    /// A number, with a trailing standard uncertainty `1.234(5)` ignored.
    pub fn number(self) -> Option<f64> {
        let t = self.get()?;
        let t = t.find('(').map_or(t, |i| &t[..i]);
        t.parse().ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Data(&'a str),
    Save,
    Loop,
    Tag(&'a str),
    Value(Value<'a>),
}

/// A structural item of a data block.
#[derive(Debug)]
pub enum Item<'a> {
    /// `data_NAME`: a new data block begins.
    Data(&'a str),
    /// A tag and its single value (a one-row category, or an item of it).
    Pair { tag: &'a str, value: Value<'a>, line: usize },
    /// `loop_` and its tags; read its rows with `Reader::row` or skip them with `skip_rows`.
    Loop { tags: Vec<&'a str>, line: usize },
}

pub struct Reader<'a> {
    s: &'a str,
    pos: usize,
    line: usize,
    path: &'a Path,
    peeked: Option<(Tok<'a>, usize)>,
    /// Columns of the loop being read (0 outside a loop).
    ncols: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str, path: &'a Path) -> Self {
        Reader { s: text, pos: 0, line: 1, path, peeked: None, ncols: 0 }
    }

    /// The line the reader is on (after the last value read).
    pub fn line(&self) -> usize {
        self.line
    }

    fn err(&self, line: usize, what: String) -> ModelError {
        ModelError::Parse(self.path.to_path_buf(), format!("line {line}: {what}"))
    }

    /// Skip whitespace and comments; true at the start of a line afterwards.
    fn skip_blank(&mut self) {
        let b = self.s.as_bytes();
        while self.pos < b.len() {
            match b[self.pos] {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'#' => {
                    while self.pos < b.len() && b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn at_line_start(&self) -> bool {
        self.pos == 0 || self.s.as_bytes()[self.pos - 1] == b'\n'
    }

    /// The next token and its line, None at the end of the text.
    fn lex(&mut self) -> Result<Option<(Tok<'a>, usize)>, ModelError> {
        if let Some(t) = self.peeked.take() {
            return Ok(Some(t));
        }
        self.skip_blank();
        let b = self.s.as_bytes();
        if self.pos >= b.len() {
            return Ok(None);
        }
        let line = self.line;
        let c = b[self.pos];
        if c == b';' && self.at_line_start() {
            return self.text_field(line).map(Some);
        }
        if c == b'\'' || c == b'"' {
            let start = self.pos + 1;
            let mut j = start;
            loop {
                if j >= b.len() || b[j] == b'\n' || b[j] == b'\r' {
                    return Err(self.err(line, format!("unterminated {} quote", c as char)));
                }
                if b[j] == c && (j + 1 == b.len() || b[j + 1].is_ascii_whitespace()) {
                    break;
                }
                j += 1;
            }
            self.pos = j + 1;
            return Ok(Some((Tok::Value(Value { text: &self.s[start..j], quoted: true }), line)));
        }
        let start = self.pos;
        while self.pos < b.len() && !b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let t = &self.s[start..self.pos];
        let tok = if c == b'_' {
            Tok::Tag(t)
        } else if t.len() >= 5 && t.as_bytes()[..5].eq_ignore_ascii_case(b"data_") {
            Tok::Data(&t[5..])
        } else if t.eq_ignore_ascii_case("loop_") {
            Tok::Loop
        } else if t.len() >= 5 && t.as_bytes()[..5].eq_ignore_ascii_case(b"save_") {
            Tok::Save
        } else if t.eq_ignore_ascii_case("stop_") || t.eq_ignore_ascii_case("global_") {
            return Err(self.err(line, format!("reserved word {t:?} (not used by mmCIF)")));
        } else {
            Tok::Value(Value { text: t, quoted: false })
        };
        Ok(Some((tok, line)))
    }

    /// A `;` text field: from after the opening `;` to the newline before the closing `;`.
    fn text_field(&mut self, line: usize) -> Result<(Tok<'a>, usize), ModelError> {
        let b = self.s.as_bytes();
        let start = self.pos + 1;
        let mut j = start;
        loop {
            match b[j..].iter().position(|&c| c == b'\n') {
                None => return Err(self.err(line, "unterminated ';' text field".into())),
                Some(k) => {
                    j += k + 1;
                    self.line += 1;
                    if b.get(j) == Some(&b';') {
                        let end = if j >= 2 && b[j - 2] == b'\r' { j - 2 } else { j - 1 };
                        self.pos = j + 1;
                        let text = &self.s[start..end.max(start)];
                        return Ok((Tok::Value(Value { text, quoted: true }), line));
                    }
                }
            }
        }
    }

    /// The next item; values of an unread loop are skipped first.
    pub fn next_item(&mut self) -> Result<Option<Item<'a>>, ModelError> {
        if self.ncols > 0 {
            self.skip_rows()?;
        }
        let Some((tok, line)) = self.lex()? else { return Ok(None) };
        match tok {
            Tok::Data(name) => Ok(Some(Item::Data(name))),
            Tok::Save => self.next_item(),
            Tok::Value(v) => Err(self.err(line, format!("value {:?} without a tag", v.text))),
            Tok::Tag(tag) => match self.lex()? {
                Some((Tok::Value(value), _)) => Ok(Some(Item::Pair { tag, value, line })),
                _ => Err(self.err(line, format!("tag {tag} has no value"))),
            },
            Tok::Loop => {
                let mut tags = Vec::new();
                while let Some((tok, l)) = self.lex()? {
                    if let Tok::Tag(t) = tok {
                        tags.push(t);
                    } else {
                        self.peeked = Some((tok, l));
                        break;
                    }
                }
                if tags.is_empty() {
                    return Err(self.err(line, "loop_ without tags".into()));
                }
                self.ncols = tags.len();
                Ok(Some(Item::Loop { tags, line }))
            }
        }
    }

    /// Fill `row` with the next row of the current loop; false after its last row. A row cut
    /// short by the end of the loop is an error naming the line of its last value.
    pub fn row(&mut self, row: &mut Vec<Value<'a>>) -> Result<bool, ModelError> {
        row.clear();
        if self.ncols == 0 {
            return Ok(false);
        }
        let mut last_line = self.line;
        while row.len() < self.ncols {
            match self.lex()? {
                Some((Tok::Value(v), l)) => {
                    row.push(v);
                    last_line = l;
                }
                other => {
                    self.peeked = other;
                    let n = self.ncols;
                    self.ncols = 0;
                    if row.is_empty() {
                        return Ok(false);
                    }
                    return Err(self.err(
                        last_line,
                        format!("loop row cut short: {} of {n} values, then the loop ends", row.len()),
                    ));
                }
            }
        }
        Ok(true)
    }

    /// Skip the remaining rows of the current loop (still checking they are whole).
    pub fn skip_rows(&mut self) -> Result<(), ModelError> {
        let mut row = Vec::with_capacity(self.ncols);
        while self.row(&mut row)? {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Result<Vec<String>, ModelError> {
        let p = Path::new("t.cif");
        let mut r = Reader::new(text, p);
        let mut out = Vec::new();
        while let Some(item) = r.next_item()? {
            match item {
                Item::Data(n) => out.push(format!("data:{n}")),
                Item::Pair { tag, value, .. } => out.push(format!("{tag}={}", value.text)),
                Item::Loop { tags, .. } => {
                    out.push(format!("loop:{}", tags.join(",")));
                    let mut row = Vec::new();
                    while r.row(&mut row)? {
                        out.push(row.iter().map(|v| v.text).collect::<Vec<_>>().join("|"));
                    }
                }
            }
        }
        Ok(out)
    }

    #[test]
    fn quotes_comments_text_fields_and_case() {
        let text = "DATA_x\n_a.b 'it''s' _a.c \"say \"hi\"\"\nLOOP_\n_t.X\n_t.y\n1 'O5''x'\n# a comment\n2 #c\n;line one\nline two\n;\n_s.r 3.2(1)\n";
        let v = values(text).unwrap();
        assert_eq!(
            v,
            vec![
                "data:x",
                "_a.b=it''s",
                "_a.c=say \"hi\"",
                "loop:_t.X,_t.y",
                "1|O5''x",
                "2|line one\nline two",
                "_s.r=3.2(1)"
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = values("data_x\nloop_\n_t.a\n_t.b\n1 2\n3\n").unwrap_err().to_string();
        assert!(e.contains("t.cif") && e.contains("line 6") && e.contains("cut short"), "{e}");
        let e = values("data_x\n_a.b 'open\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("unterminated"), "{e}");
        let e = values("data_x\n_a.b\n;never closed\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("text field"), "{e}");
        let e = values("data_x\n_a.b\n").unwrap_err().to_string();
        assert!(e.contains("no value"), "{e}");
    }

    #[test]
    fn null_and_uncertainty() {
        let v = |text, quoted| Value { text, quoted };
        assert_eq!(v("?", false).get(), None);
        assert_eq!(v(".", true).get(), Some("."));
        assert_eq!(v("3.2(1)", false).number(), Some(3.2));
    }
}
