//! Every command the README shows runs: the ```bash/```sh blocks of README.md and of
//! docs/readme/*.md are read as they are today, each line starting with `cryolabel` or
//! `cargo run --release --` (or quoted as `'cryolabel ...'`, as in `sbatch --wrap`) is parsed
//! with the program's own clap definition and then run with the built binary, in a temporary
//! folder per file. A documented command that stops working fails here, with its file and line.
//!
//! How the examples become runnable, with nothing edited in the markdown:
//! - `../shared/data` is the real data folder (absolute); `NAME=value` lines set `$NAME`.
//! - `[--opt value]` (optional parts) are run with the option.
//! - Files the examples name as if the reader had them (`emd_3488.mrc`, `entries.csv`, `raw/`,
//!   `dataset/5me2/`, the placeholders `MAP`, `MODEL`, `SIM`) are made in the folder first
//!   ([`fixtures`], [`PLACEHOLDERS`]).
//! - `...` stands for the arguments of the previous full command of the same subcommand.
//! - Not run, only parsed: the viewer (`cryolabel`, `cryolabel view ...`) opens a window;
//!   tests/window.rs runs `view --screenshot` under Xvfb. Without the `gui` feature the viewer
//!   lines cannot even be parsed and are listed as such.
//!
//! A new example that needs a file none of these provide fails with a message saying so: give
//! it a fixture here, or write the example with `../shared/data` paths.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use cryolabel::cli::Cli;

/// A command found in the markdown.
#[derive(Clone, Debug)]
struct Example {
    file: String,
    line: usize,
    /// `NAME=value` words before the command (`RUST_LOG=info cryolabel ...`).
    env: Vec<(String, String)>,
    args: Vec<String>,
}

/// `NAME=value` as a shell assignment.
fn assignment(w: &str) -> Option<(String, String)> {
    let (k, v) = w.split_once('=')?;
    let ok = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| (k.to_string(), v.to_string()))
}

/// Placeholder words in examples and the fixture each stands for.
const PLACEHOLDERS: &[(&str, &str)] = &[("MAP", "emd_3488.mrc"), ("MODEL", "5me2.pdb"), ("SIM", "sim.mrc")];

fn shared_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    p.canonicalize().unwrap_or_else(|e| panic!("{}: {e} (tests read the real data there)", p.display()))
}

/// Shell words of one line: quotes, backslash escapes, `$NAME` from `vars`, `#` comments.
fn words(line: &str, vars: &HashMap<String, String>) -> Vec<String> {
    let (mut out, mut cur, mut in_word) = (Vec::new(), String::new(), false);
    let (mut single, mut double) = (false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => {
                single = !single;
                in_word = true;
            }
            '"' if !single => {
                double = !double;
                in_word = true;
            }
            '\\' if !single => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            '$' if !single && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '{') => {
                let braced = chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if braced && chars.peek() == Some(&'}') {
                    chars.next();
                }
                cur.push_str(vars.get(&name).map(String::as_str).unwrap_or(""));
                in_word = true;
            }
            '#' if !single && !double && !in_word => break,
            c if c.is_whitespace() && !single && !double => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// The cryolabel arguments of a line's words, if it is a cryolabel command.
fn cryolabel_args(w: &[String], vars: &HashMap<String, String>) -> Option<Vec<String>> {
    // one command per line: stop at a pipe, a list or a redirection
    let end = w.iter().position(|t| ["|", "||", "&&", ";", ">", "2>"].contains(&t.as_str())).unwrap_or(w.len());
    let w = &w[..end];
    let s: Vec<&str> = w.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["cryolabel", rest @ ..] => Some(rest.iter().map(|a| a.to_string()).collect()),
        ["cargo", "run", "--release", "--", rest @ ..] => Some(rest.iter().map(|a| a.to_string()).collect()),
        ["cargo", "run", "--release"] => Some(Vec::new()),
        // a quoted command inside another, e.g. sbatch --wrap 'cryolabel merge ...'
        _ => w.iter().find(|t| t.starts_with("cryolabel ")).and_then(|t| cryolabel_args(&words(t, vars), vars)),
    }
}

/// Every cryolabel command in the ```bash and ```sh blocks of one markdown file.
fn examples(path: &Path, data: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let mut vars: HashMap<String, String> = HashMap::new();
    let (mut out, mut in_block, mut pending, mut start) = (Vec::new(), false, String::new(), 0);
    for (n, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.starts_with("```") {
            in_block = !in_block && matches!(t.trim_start_matches('`').trim(), "bash" | "sh" | "shell" | "console");
            pending.clear();
            continue;
        }
        if !in_block {
            continue;
        }
        if pending.is_empty() {
            start = n + 1;
        }
        let l = raw.replace("../shared/data", &data.to_string_lossy());
        if let Some(head) = l.trim_end().strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(&l);
        let line = std::mem::take(&mut pending);
        let w = words(&line, &vars);
        if let [one] = w.as_slice()
            && let Some((k, v)) = assignment(one)
        {
            vars.insert(k, v);
            continue;
        }
        let env: Vec<(String, String)> = w.iter().map_while(|t| assignment(t)).collect();
        if let Some(args) = cryolabel_args(&w[env.len()..], &vars) {
            let args = args.iter().map(|a| a.trim_start_matches('[').trim_end_matches(']').to_string()).collect();
            out.push(Example { file: file.clone(), line: start, env, args });
        }
    }
    out
}

fn gunzip(from: &Path, to: &Path) {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(from).unwrap()).read_to_end(&mut bytes).unwrap();
    std::fs::write(to, bytes).unwrap();
}

fn link(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(from, to).unwrap();
}

/// The files the examples assume the reader has, made in `dir` from the real data.
fn fixtures(dir: &Path, data: &Path) {
    let r = data.join("real");
    let (map, pdb) = (r.join("5ni1/emd_3488.mrc"), r.join("5ni1/5me2.pdb"));
    link(&map, &dir.join("emd_3488.mrc"));
    link(&pdb, &dir.join("5me2.pdb"));
    gunzip(&r.join("5ni1/expected/5me2_situs_simulated.mrc.gz"), &dir.join("sim.mrc"));
    std::fs::copy(dir.join("sim.mrc"), dir.join("5me2_sim.mrc")).unwrap();
    gunzip(&r.join("5ni1/expected/5me2_classification_situs.mrc.gz"), &dir.join("labels.mrc"));
    let (small_map, small_pdb) = (r.join("6vyb/emd_21457_seg.mrc"), r.join("6vyb/6vyb_Ndom.pdb"));
    link(&small_map, &dir.join("other.mrc"));
    // a manifest and a raw/<id>/ folder of one small entry (batch runs the whole pipeline)
    let manifest = format!("id,map,model,resolution\n6vyb,{},{},3.1\n", small_map.display(), small_pdb.display());
    std::fs::write(dir.join("entries.csv"), manifest).unwrap();
    link(&small_map, &dir.join("raw/6vyb/emd_21457_seg.mrc"));
    link(&small_pdb, &dir.join("raw/6vyb/6vyb_Ndom.pdb"));
    // a data-set entry folder for `report`
    link(&map, &dir.join("dataset/5me2/5me2.mrc"));
    link(&pdb, &dir.join("dataset/5me2/5me2.pdb"));
}

/// The subcommand of an argument list (None: the viewer on the bundled sample).
fn subcommand(args: &[String]) -> Option<&str> {
    args.first().map(String::as_str).filter(|a| !a.starts_with('-'))
}

/// Parse, then run (or say why not) every example of one file; returns failures.
fn check_file(md: &Path, data: &Path, log: &mut Vec<String>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path(), data);
    let mut failures = Vec::new();
    let mut last: HashMap<String, Vec<String>> = HashMap::new();
    for ex in examples(md, data) {
        let at = format!("{}:{}", ex.file, ex.line);
        let mut args: Vec<String> = Vec::new();
        for a in &ex.args {
            match (a.as_str(), PLACEHOLDERS.iter().find(|(p, _)| *p == a.as_str())) {
                ("...", _) => match subcommand(&ex.args).and_then(|s| last.get(s)) {
                    Some(prev) => args.extend(prev.iter().skip(1).cloned()),
                    None => failures.push(format!("{at}: `...` with no earlier command of this kind to stand for")),
                },
                (_, Some((_, file))) => args.push(file.to_string()),
                _ => args.push(a.clone()),
            }
        }
        let shown = format!("cryolabel {}", ex.args.join(" "));
        let viewer = matches!(subcommand(&args), None | Some("view"));
        if viewer && !cfg!(feature = "gui") {
            log.push(format!("{at}: not parsed (this build has no `gui` feature): {shown}"));
            continue;
        }
        if let Err(e) = Cli::try_parse_from(std::iter::once("cryolabel".to_string()).chain(args.iter().cloned())) {
            failures.push(format!("{at}: `{shown}` does not parse:\n{e}"));
            continue;
        }
        if viewer {
            log.push(format!("{at}: parsed, not run (opens a window; tests/window.rs runs it): {shown}"));
            continue;
        }
        let t0 = std::time::Instant::now();
        let o = Command::new(common::bin()).args(&args).envs(ex.env.clone()).current_dir(dir.path()).output().unwrap();
        if o.status.success() {
            log.push(format!("{at}: ran in {:.1} s: {shown}", t0.elapsed().as_secs_f64()));
        } else {
            failures.push(format!(
                "{at}: `{shown}` failed ({}); if it needs a file no fixture provides, add one in \
                 tests/readme_commands.rs:\n{}{}",
                o.status,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        // `...` stands for a full command, not for one that itself used `...`
        if let Some(s) = subcommand(&args).filter(|_| !ex.args.iter().any(|a| a == "...")) {
            last.insert(s.to_string(), args.clone());
        }
    }
    failures
}

fn markdown_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = vec![root.join("README.md")];
    if let Ok(rd) = std::fs::read_dir(root.join("docs/readme")) {
        let mut more: Vec<PathBuf> =
            rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
        more.sort();
        v.extend(more);
    }
    v
}

#[test]
fn every_readme_command_parses_and_runs() {
    let data = shared_data();
    let files = markdown_files();
    let found: usize = files.iter().map(|f| examples(f, &data).len()).sum();
    assert!(found >= 20, "only {found} commands found in {files:?}: is the markdown parsed?");
    let mut log = Vec::new();
    let failures: Vec<String> = files.iter().flat_map(|f| check_file(f, &data, &mut log)).collect();
    eprintln!("{}", log.join("\n"));
    assert!(failures.is_empty(), "{} README command(s) fail:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_markdown_reader_finds_what_a_shell_would_run() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("x.md");
    let text = "```bash\nD=../shared/data/real\n# a comment line\ncryolabel info $D/x.mrc   # trailing\n\
                cargo run --release -- label ... --radius 6\ncargo run --release\ncargo test\n\
                cryolabel fsc --map 'a b.mrc' \\\n    --csv fsc.csv\n\
                sbatch --wrap 'cryolabel merge d/ --out d/'\ncryolabel report d/ [--mask]\n\
                RUST_LOG=info cryolabel info x.pdb\n```\n\
                ```text\ncryolabel not a shell block\n```\n";
    std::fs::write(&md, text).unwrap();
    let got: Vec<(usize, String)> =
        examples(&md, Path::new("/DATA")).into_iter().map(|e| (e.line, e.args.join("|"))).collect();
    let want = [
        (4, "info|/DATA/real/x.mrc"),
        (5, "label|...|--radius|6"),
        (6, ""),
        (8, "fsc|--map|a b.mrc|--csv|fsc.csv"),
        (10, "merge|d/|--out|d/"),
        (11, "report|d/|--mask"),
        (12, "info|x.pdb"),
    ];
    assert_eq!(got, want.map(|(n, s)| (n, s.to_string())));
}
