//! One file from an archive into the cache: to a temporary name, resumed with an HTTP range
//! request after an interruption, retried with backoff, checked (size when the server states
//! it, gzip integrity), and only then renamed to its final name. ureq does the HTTP.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{ArchiveError, Settings};

/// Progress of downloads, reported from worker threads (the CLI draws bars from these).
#[derive(Debug)]
pub enum Event<'a> {
    /// A transfer begins; `resumed` bytes were already on disk from an earlier attempt.
    Start { name: &'a str, url: &'a str, total: Option<u64>, resumed: u64 },
    /// Bytes on disk so far.
    Bytes { name: &'a str, done: u64 },
    /// An attempt failed and another follows after `wait`.
    Retry { name: &'a str, why: &'a str, wait: Duration },
    /// The file is complete and checked; `bytes` came over the network in this call.
    Done { name: &'a str, bytes: u64, seconds: f64 },
}

/// Where progress goes.
pub type Sink<'a> = &'a (dyn Fn(Event) + Sync);

/// A sink that drops everything.
pub fn quiet(_: Event) {}

/// The temporary name a download grows under: a fixed sibling, so a later run resumes it.
pub fn part_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.download"))
}

/// How one attempt ended when it did not finish the file.
enum Failed {
    /// Worth another attempt (timeouts, dropped connections, 5xx, short bodies).
    Retry(ArchiveError),
    /// Final (404, other 4xx).
    Fatal(ArchiveError),
}

/// Download `url` to `dest` (whose parent is created). `what` names the file in messages
/// (e.g. "EMD-3488 map").
pub fn download(s: &Settings, url: &str, dest: &Path, what: &str, on: Sink) -> Result<(), ArchiveError> {
    let part = part_path(dest);
    let t0 = Instant::now();
    let mut fetched = 0u64;
    let mut attempt = 0u32;
    loop {
        match attempt_once(s, url, &part, what, on, &mut fetched) {
            Ok(()) => break,
            Err(Failed::Fatal(e)) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
            Err(Failed::Retry(e)) => {
                attempt += 1;
                if attempt > s.retries {
                    return Err(e.after_attempts(attempt, part.exists()));
                }
                let wait = s.backoff.saturating_mul(1 << (attempt - 1).min(8));
                on(Event::Retry { name: what, why: &e.to_string(), wait });
                std::thread::sleep(wait);
            }
        }
    }
    if let Err(why) = check_file(&part, url) {
        let _ = std::fs::remove_file(&part);
        return Err(ArchiveError::Corrupt { what: what.to_string(), url: url.to_string(), why });
    }
    std::fs::rename(&part, dest).map_err(|e| ArchiveError::Io { path: dest.to_path_buf(), source: e })?;
    on(Event::Done { name: what, bytes: fetched, seconds: t0.elapsed().as_secs_f64() });
    Ok(())
}

/// One request: continue the part file from its length, or start it over.
fn attempt_once(s: &Settings, url: &str, part: &Path, what: &str, on: Sink, fetched: &mut u64) -> Result<(), Failed> {
    let have = part.metadata().map(|m| m.len()).unwrap_or(0);
    let mut req = s.agent().get(url);
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let resp = req.call().map_err(|e| classify(e, url, s))?;
    let status = resp.status().as_u16();
    let length = resp.body().content_length();
    let (start, total) = match status {
        200 => (0, length),
        206 => {
            let range = resp.headers().get("content-range").and_then(|v| v.to_str().ok()).and_then(content_range);
            match range {
                Some((first, total)) if first == have => (have, total.or(length.map(|l| have + l))),
                _ => {
                    // the server resumed somewhere else: start over
                    let _ = std::fs::remove_file(part);
                    return Err(Failed::Retry(ArchiveError::Interrupted {
                        url: url.into(),
                        why: "the server answered the range request with another range".into(),
                    }));
                }
            }
        }
        416 => {
            let _ = std::fs::remove_file(part);
            let why = "the server refused to resume the partial download".into();
            return Err(Failed::Retry(ArchiveError::Interrupted { url: url.into(), why }));
        }
        404 | 410 => return Err(Failed::Fatal(ArchiveError::NotFound { what: what.into(), url: url.into() })),
        400..=499 => return Err(Failed::Fatal(ArchiveError::Http { what: what.into(), url: url.into(), status })),
        _ => return Err(Failed::Retry(ArchiveError::Http { what: what.into(), url: url.into(), status })),
    };
    if let Some(dir) = part.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failed::Fatal(ArchiveError::Io { path: dir.into(), source: e }))?;
    }
    let io_err = |e| Failed::Fatal(ArchiveError::Io { path: part.to_path_buf(), source: e });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(start > 0)
        .truncate(start == 0)
        .open(part)
        .map_err(io_err)?;
    on(Event::Start { name: what, url, total, resumed: start });
    let mut body = resp.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut done = start;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                file.flush().map_err(io_err)?;
                return Err(Failed::Retry(classify_io(e, url, s)));
            }
        };
        file.write_all(&buf[..n]).map_err(io_err)?;
        done += n as u64;
        *fetched += n as u64;
        on(Event::Bytes { name: what, done });
    }
    file.sync_all().map_err(io_err)?;
    match total {
        Some(t) if done != t => Err(Failed::Retry(ArchiveError::Interrupted {
            url: url.into(),
            why: format!("the connection ended after {done} of {t} bytes"),
        })),
        _ => Ok(()),
    }
}

/// `Content-Range: bytes FIRST-LAST/TOTAL` (TOTAL may be `*`): (FIRST, TOTAL).
fn content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim();
    let (range, total) = rest.split_once('/')?;
    let first = range.split_once('-')?.0.trim().parse().ok()?;
    Some((first, total.trim().parse().ok()))
}

/// A failed request: a timeout, a host that cannot be reached, or anything else (retried).
fn classify(e: ureq::Error, url: &str, s: &Settings) -> Failed {
    let why = e.to_string();
    match e {
        ureq::Error::Timeout(_) => Failed::Retry(ArchiveError::Timeout { url: url.into(), seconds: s.timeout_secs() }),
        ureq::Error::HostNotFound => {
            Failed::Retry(ArchiveError::Unreachable { url: url.into(), why: "host not found (DNS)".into() })
        }
        ureq::Error::ConnectionFailed => Failed::Retry(ArchiveError::Unreachable { url: url.into(), why }),
        ureq::Error::Io(io) => Failed::Retry(classify_io(io, url, s)),
        _ => Failed::Retry(ArchiveError::Interrupted { url: url.into(), why }),
    }
}

fn classify_io(e: std::io::Error, url: &str, s: &Settings) -> ArchiveError {
    use std::io::ErrorKind as K;
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>())
        && matches!(inner, ureq::Error::Timeout(_))
    {
        return ArchiveError::Timeout { url: url.into(), seconds: s.timeout_secs() };
    }
    match e.kind() {
        K::TimedOut | K::WouldBlock => ArchiveError::Timeout { url: url.into(), seconds: s.timeout_secs() },
        K::ConnectionRefused | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable => {
            ArchiveError::Unreachable { url: url.into(), why: e.to_string() }
        }
        _ => ArchiveError::Interrupted { url: url.into(), why: e.to_string() },
    }
}

/// A complete download: gzip files must decompress to their end (a truncated or damaged
/// stream is caught here, not by the map reader later).
fn check_file(path: &Path, url: &str) -> Result<(), String> {
    if !url.ends_with(".gz") {
        return Ok(());
    }
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, f));
    std::io::copy(&mut gz, &mut std::io::sink()).map(|_| ()).map_err(|e| format!("not a complete gzip file: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_header() {
        assert_eq!(content_range("bytes 100-199/200"), Some((100, Some(200))));
        assert_eq!(content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(content_range("items 1-2/3"), None);
    }

    #[test]
    fn gzip_check_catches_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&[7u8; 10000]).unwrap();
        let gz = enc.finish().unwrap();
        std::fs::write(&p, &gz).unwrap();
        assert!(check_file(&p, "http://h/x.gz").is_ok());
        std::fs::write(&p, &gz[..gz.len() - 9]).unwrap();
        assert!(check_file(&p, "http://h/x.gz").unwrap_err().contains("gzip"));
        assert!(check_file(&p, "http://h/x.xml").is_ok());
    }
}
