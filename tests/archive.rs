//! Opening by accession against a local HTTP server on 127.0.0.1 (a free port per test) that
//! serves ../shared files in the EMDB and PDB archives' layout, and misbehaves on purpose:
//! a 404, a truncated gzip, a connection dropped mid-file, a stall. Every command runs with
//! CRYOLABEL_EMDB_URL / CRYOLABEL_PDB_URL pointing here, so no test reaches beyond this machine.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::data;

const MAP: &str = "/emdb/structures/EMD-3488/map/emd_3488.map.gz";
const HEADER: &str = "/emdb/structures/EMD-3488/header/emd-3488.xml";
const PDB1: &str = "/pdb/download/5me2.pdb1.gz";
const CIF_5NI1: &str = "/pdb/download/5ni1.cif.gz";

/// How the server treats one path.
#[derive(Clone, Copy, PartialEq)]
enum Trick {
    /// The first request gets the headers and half the body, then the connection closes.
    DropOnce,
    /// Headers and a few bytes, then nothing for a minute.
    Stall,
}

#[derive(Default)]
struct State {
    files: HashMap<String, Vec<u8>>,
    tricks: HashMap<String, Trick>,
    /// Paths already dropped once.
    dropped: HashSet<String>,
    /// (path, Range header) of every request.
    log: Vec<(String, Option<String>)>,
}

struct Server {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Server {
    fn url(&self, archive: &str) -> String {
        format!("http://127.0.0.1:{}/{archive}", self.port)
    }
    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.state.lock().unwrap().log.clone()
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The archive files, gzipped once per test process.
fn archive_files() -> &'static HashMap<String, Vec<u8>> {
    static FILES: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let read = |rel: &str| std::fs::read(data(rel)).unwrap();
        HashMap::from([
            (MAP.to_string(), gz(&read("5ni1/emd_3488.mrc"))),
            (HEADER.to_string(), read("5ni1/emd-3488-header.xml")),
            (PDB1.to_string(), gz(&read("5ni1/5me2.pdb1"))),
            (CIF_5NI1.to_string(), gz(&read("5ni1/5ni1_updated.cif"))),
        ])
    })
}

/// Start a server with the archive files, changed by `edit`.
fn serve(edit: impl FnOnce(&mut State)) -> Server {
    let mut st = State { files: archive_files().clone(), ..Default::default() };
    edit(&mut st);
    let state = Arc::new(Mutex::new(st));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let s2 = state.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let s = s2.clone();
            std::thread::spawn(move || {
                let _ = answer(conn, &s);
            });
        }
    });
    Server { port, state }
}

/// One request on a connection, then close (`Connection: close`).
fn answer(conn: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.trim().eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_string());
        }
    }
    let (body, trick) = {
        let mut s = state.lock().unwrap();
        s.log.push((path.clone(), range.clone()));
        let mut trick = s.tricks.get(&path).copied();
        if trick == Some(Trick::DropOnce) && !s.dropped.insert(path.clone()) {
            trick = None;
        }
        (s.files.get(&path).cloned(), trick)
    };
    let mut out = conn;
    let Some(body) = body else {
        let msg = b"not found";
        write!(out, "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", msg.len())?;
        return out.write_all(msg);
    };
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n < body.len());
    match start {
        Some(n) => write!(
            out,
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {n}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len() - 1,
            body.len(),
            body.len() - n
        )?,
        None => write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())?,
    }
    let rest = &body[start.unwrap_or(0)..];
    match trick {
        Some(Trick::DropOnce) => out.write_all(&rest[..rest.len() / 2]),
        Some(Trick::Stall) => {
            out.write_all(&rest[..100])?;
            out.flush()?;
            std::thread::sleep(Duration::from_secs(60));
            Ok(())
        }
        None => out.write_all(rest),
    }
}

/// The binary with the archive settings pointing at `server` (or at `urls` when given),
/// short timeouts and retries, and its own cache.
fn cryolabel(server: &Server, cache: &Path) -> Command {
    let mut c = Command::new(common::bin());
    c.env("CRYOLABEL_EMDB_URL", server.url("emdb"))
        .env("CRYOLABEL_PDB_URL", server.url("pdb"))
        .env("CRYOLABEL_CACHE", cache)
        .env("CRYOLABEL_TIMEOUT", "1")
        .env("CRYOLABEL_RETRIES", "2")
        .env("CRYOLABEL_BACKOFF_MS", "50")
        .env_remove("CRYOLABEL_OFFLINE");
    for k in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"] {
        c.env_remove(k);
    }
    c
}

/// Run: (success, stdout, stderr).
fn run(mut c: Command, args: &[&str]) -> (bool, String, String) {
    let o = c.args(args).output().expect("run cryolabel");
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

/// Every file below `dir`, relative.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// provenance.json without what differs between a local file and its cached download (the
/// input paths and checksums, paths in warnings) and without timings.
fn provenance_core(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for k in ["map", "model"] {
        let i = v["inputs"][k].as_object_mut().unwrap();
        i.remove("path");
        i.remove("sha256");
    }
    let o = v.as_object_mut().unwrap();
    o.remove("timings_s");
    let warnings = o["warnings"].as_array().map(|w| w.len());
    o.insert("warnings".into(), serde_json::json!(warnings));
    v
}

#[test]
fn prepare_by_id_gives_the_same_files_as_local_files_and_a_second_run_costs_no_network() {
    let server = serve(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (a, b) = (dir.path().join("local"), dir.path().join("dataset"));
    let map = data("5ni1/emd_3488.mrc");
    let model = data("5ni1/5me2.pdb1");
    let (ok, _, err) = run(
        cryolabel(&server, &cache),
        &["prepare", "--map", map.to_str().unwrap(), "--model", model.to_str().unwrap()]
            .into_iter()
            .chain(["--out", a.to_str().unwrap(), "--id", "5ni1", "--resolution", "3.2"])
            .collect::<Vec<_>>(),
    );
    assert!(ok, "{err}");
    assert!(server.requests().is_empty(), "local files need no network");
    // the README's command
    let mut c = cryolabel(&server, &cache);
    c.current_dir(dir.path());
    let (ok, out, err) =
        run(c, &["prepare", "--map", "emdb:3488", "--model", "pdb:5me2", "--out", "dataset/", "--id", "5ni1"]);
    assert!(ok, "{err}");
    assert!(err.contains("resolution 3.2 Å from the EMDB header of EMD-3488"), "{err}");
    assert!(out.contains("resolution 3.2 Å (argument)"), "{out}");
    let fetched: HashSet<String> = server.requests().into_iter().map(|(p, _)| p).collect();
    assert_eq!(fetched, HashSet::from([MAP.into(), HEADER.into(), PDB1.into()]));
    let files = files_under(&a.join("5ni1"));
    assert_eq!(files, files_under(&b.join("5ni1")));
    assert!(files.len() >= 7, "{files:?}");
    for f in &files {
        if f.file_name().unwrap() == "provenance.json" {
            assert_eq!(provenance_core(&a.join("5ni1").join(f)), provenance_core(&b.join("5ni1").join(f)));
        } else {
            assert!(
                std::fs::read(a.join("5ni1").join(f)).unwrap() == std::fs::read(b.join("5ni1").join(f)).unwrap(),
                "{f:?} differs"
            );
        }
    }
    // a second open is served by the cache
    let n = server.requests().len();
    let (ok, out, err) = run(cryolabel(&server, &cache), &["fetch", "emdb:3488", "pdb:5me2"]);
    assert!(ok, "{err}");
    assert!(out.contains("EMD-3488 map:") && out.contains("pdb:5me2 model:"), "{out}");
    assert_eq!(server.requests().len(), n, "no request for cached files");
}

#[test]
fn header_contour_resolution_and_fitted_model_are_used() {
    let server = serve(|s| {
        let h = String::from_utf8(s.files[HEADER].clone()).unwrap();
        let h =
            h.replace("<level>0.12</level>", "<level>0.2</level>").replace(">3.2</resolution>", ">4.5</resolution>");
        s.files.insert(HEADER.into(), h.into_bytes());
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // alone, an EMDB id brings its first fitted model
    let (ok, out, err) = run(cryolabel(&server, &cache), &["fetch", "emdb:3488"]);
    assert!(ok, "{err}");
    assert!(out.contains("EMD-3488: resolution 4.5 Å, author's contour 0.2, fitted models 5me2 5ni1"), "{out}");
    assert!(out.contains("(the header's first fitted model)"), "{out}");
    assert!(cache.join("pdb/download/5me2.pdb1.gz").is_file());
    assert!(err.contains("fetched") && err.contains("/s)"), "size and speed reported: {err}");
    // the header's resolution drives the simulation of a batch built from ids
    let manifest = dir.path().join("ids.csv");
    std::fs::write(&manifest, "id,emdb,pdb\n5ni1,emdb:3488,pdb:5me2\n").unwrap();
    let mut c = cryolabel(&server, &cache);
    c.current_dir(dir.path());
    let (ok, out, err) = run(c, &["batch", "--manifest", "ids.csv", "--out", "dataset/", "--jobs", "2"]);
    assert!(ok, "{out}\n{err}");
    let prov: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("dataset/5ni1/provenance.json")).unwrap())
            .unwrap();
    assert_eq!(prov["resolution"]["value"].as_f64(), Some(4.5));
    // a PDB entry without an assembly file falls back to its mmCIF; a bare id is a model
    let (ok, out, err) = run(cryolabel(&server, &cache), &["fetch", "5NI1"]);
    assert!(ok, "{err}");
    assert!(out.contains("5ni1.cif.gz"), "{out}");
}

#[test]
fn a_missing_id_is_a_404_naming_id_and_url_and_leaves_no_file() {
    let server = serve(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "EMD-9999"]);
    assert!(!ok);
    let url = format!("{}/structures/EMD-9999/header/emd-9999.xml", server.url("emdb"));
    assert!(err.contains("EMD-9999") && err.contains(&url) && err.contains("404"), "{err}");
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "pdb:1abc"]);
    assert!(!ok);
    assert!(err.contains("pdb:1abc model: not in the archive") && err.contains("1abc.cif.gz"), "{err}");
    assert!(files_under(&cache).is_empty(), "{:?}", files_under(&cache));
}

#[test]
fn no_network_is_a_different_clear_error() {
    // a port nobody listens on: connection refused
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server { port, state: Default::default() };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "emdb:3488", "pdb:5me2"]);
    assert!(!ok);
    assert!(err.contains("cannot reach the archive") && !err.contains("404"), "{err}");
    assert!(files_under(&cache).is_empty());
}

#[test]
fn a_truncated_gzip_is_refused_and_discarded() {
    let server = serve(|s| {
        let m = s.files.get_mut(MAP).unwrap();
        m.truncate(m.len() - 5000);
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "emdb:3488", "pdb:5me2"]);
    assert!(!ok);
    assert!(err.contains("EMD-3488 map") && err.contains("not a complete gzip file"), "{err}");
    let left: Vec<PathBuf> = files_under(&cache).into_iter().filter(|p| p.to_string_lossy().contains("map")).collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_dropped_connection_resumes_with_a_range_request() {
    let server = serve(|s| {
        s.tricks.insert(MAP.into(), Trick::DropOnce);
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "emdb:3488", "pdb:5me2"]);
    assert!(ok, "{err}");
    let map_requests: Vec<Option<String>> =
        server.requests().into_iter().filter(|(p, _)| p == MAP).map(|(_, r)| r).collect();
    let half = archive_files()[MAP].len() / 2;
    assert_eq!(map_requests, [None, Some(format!("bytes={half}-"))]);
    assert!(err.contains("resuming"), "{err}");
    let got = std::fs::read(cache.join("emdb/structures/EMD-3488/map/emd_3488.map.gz")).unwrap();
    assert!(got == archive_files()[MAP], "the resumed file is the served file");
}

#[test]
fn a_stalled_server_times_out_with_a_clear_error() {
    let server = serve(|s| {
        s.tricks.insert(MAP.into(), Trick::Stall);
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut c = cryolabel(&server, &cache);
    c.env("CRYOLABEL_RETRIES", "1");
    let t0 = Instant::now();
    let (ok, _, err) = run(c, &["fetch", "emdb:3488"]);
    assert!(!ok);
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    assert!(err.contains("sent nothing for 1 s") && err.contains("CRYOLABEL_TIMEOUT"), "{err}");
    assert!(err.contains("tried 2 times"), "{err}");
    assert!(!cache.join("emdb/structures/EMD-3488/map/emd_3488.map.gz").exists());
}

#[test]
fn offline_uses_the_cache_alone() {
    let server = serve(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "--offline", "emdb:3488", "pdb:5me2"]);
    assert!(!ok);
    let missing = cache.join("emdb/structures/EMD-3488/header/emd-3488.xml");
    assert!(
        err.contains("offline: EMD-3488 header is not in the cache") && err.contains(missing.to_str().unwrap()),
        "{err}"
    );
    assert!(server.requests().is_empty());
    // `--cache DIR` instead of the environment, then offline from it
    let (ok, _, err) = run(
        cryolabel(&server, Path::new("/nonexistent")),
        &["fetch", "--cache", cache.to_str().unwrap(), "emdb:3488", "pdb:5me2"],
    );
    assert!(ok, "{err}");
    let n = server.requests().len();
    let out_dir = dir.path().join("out");
    let (ok, out, err) = run(
        cryolabel(&server, &cache),
        &[
            "prepare",
            "--offline",
            "--map",
            "EMD-3488",
            "--model",
            "5me2",
            "--out",
            out_dir.to_str().unwrap(),
            "--id",
            "x",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("wrote"), "{out}");
    assert_eq!(server.requests().len(), n, "offline made no request");
    // bad words are said as such
    let (ok, _, err) = run(cryolabel(&server, &cache), &["fetch", "pdb:5m"]);
    assert!(!ok && err.contains("not an id"), "{err}");
    // info, label and fsc take ids too
    let (ok, out, err) = run(cryolabel(&server, &cache), &["info", "--offline", "emdb:3488"]);
    assert!(ok && out.contains("100") && err.contains("EMD-3488: resolution 3.2"), "{out}\n{err}");
    let (ok, out, err) = run(cryolabel(&server, &cache), &["info", "--offline", "5me2"]);
    assert!(ok && out.contains("4468"), "{out}\n{err}");
    let labels = dir.path().join("labels");
    let args = ["label", "--offline", "--map", "emdb:3488", "--model", "pdb:5me2", "--out", labels.to_str().unwrap()];
    let (ok, _, err) = run(cryolabel(&server, &cache), &args);
    assert!(ok, "{err}");
    assert!(std::fs::read_dir(&labels).unwrap().count() >= 3);
    let (ok, out, err) = run(cryolabel(&server, &cache), &["fsc", "--offline", "--map", "EMD-3488", "--model", "5me2"]);
    assert!(ok && out.contains("3.2"), "{out}\n{err}");
    assert_eq!(server.requests().len(), n, "offline made no request");
}

/// The viewer's File > Open accession…: fetched in the background through the same resolver,
/// the map opens at the author's contour with the header's resolution, and the entry is
/// remembered in the recent list.
#[cfg(feature = "gui")]
#[test]
fn viewer_open_accession_uses_the_authors_contour() {
    use cryolabel::app::{CryolabelApp, StartOptions};
    use cryolabel::engine::archive::Settings;
    use eframe::egui;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    let server = serve(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let mut s = Settings::new(server.url("emdb"), server.url("pdb"), dir.path().join("cache"), Duration::from_secs(2));
    s.retries = 1;
    s.backoff = Duration::from_millis(50);
    let recent = dir.path().join("recent.txt");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 880.0))
        .wgpu()
        .build_eframe(|cc| CryolabelApp::new(cc, StartOptions::default()));
    {
        let a = &mut h.state_mut().accession;
        a.settings = Some(s);
        a.recent_file = Some(recent.clone());
        a.recent.clear();
    }
    h.run_steps(2);
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Open accession…").click();
    h.run_steps(2);
    h.state_mut().accession.text = "emdb:3488".into();
    h.run_steps(1);
    h.get_by_label("Fetch and open").click();
    for _ in 0..1500 {
        h.step();
        let st = &h.state().session;
        if st.map.is_some() && st.model.is_some() && !st.jobs.busy() {
            break;
        }
        assert!(st.error.is_none(), "{:?}", st.error);
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = &h.state().session;
    assert!(st.map.is_some() && st.model.is_some(), "map and its fitted model opened; error {:?}", st.error);
    assert_eq!(st.view.contour_level, 0.12, "the author's contour");
    assert_eq!(st.resolution, Some(3.2));
    assert_eq!(st.fsc_resolution(), (3.2, "from the EMDB header"));
    assert_eq!(std::fs::read_to_string(&recent).unwrap().trim(), "emdb:3488");
}

/// `cryolabel view emdb:3488` and `cryolabel view EMD-3488 5me2` in the real window under
/// Xvfb (with --screenshot so they exit): the header's facts are used and said.
#[cfg(feature = "gui")]
#[test]
fn view_by_id_in_the_window() {
    let display = format!(":{}", 50 + std::process::id() % 100);
    let Some(xvfb) = common::xvfb(&display) else { return };
    let server = serve(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    for (k, words) in [["emdb:3488", ""], ["EMD-3488", "5me2"]].iter().enumerate() {
        let shot = dir.path().join(format!("shot{k}.png"));
        let mut c = cryolabel(&server, &cache);
        c.arg("view").args(words.iter().filter(|w| !w.is_empty())).arg("--screenshot").arg(&shot);
        c.env("DISPLAY", &display).env_remove("WAYLAND_DISPLAY").env("XDG_RUNTIME_DIR", dir.path());
        let o = c.output().expect("run cryolabel view");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{words:?}: {err}");
        assert!(err.contains("EMD-3488: resolution 3.2 Å, author's contour 0.12"), "{err}");
        assert!(err.contains("pdb:5me2 model:"), "{err}");
        assert!(image::open(&shot).is_ok(), "a PNG was written");
    }
    drop(xvfb);
}
