//! Whole-process timing for the benches that compare `cryolabel` with other programs: each run
//! is a fresh process (start-up, reading, writing and exit all count), reaped with `wait4` so
//! its own CPU time and peak resident memory come back with it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One finished process.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub wall: Duration,
    /// User + system CPU time: on a loaded machine the wall time waits for a core, this does not.
    pub cpu: Duration,
    /// Peak resident set, bytes (the largest of the process and its waited-for children).
    pub peak_rss: u64,
}

/// The binary under test, built in the same profile as the bench (`cargo bench` builds it).
pub fn cryolabel() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cryolabel"))
}

/// Scratch folder for generated cases, kept between runs: target/bench-cases/.
pub fn cases() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-cases");
    std::fs::create_dir_all(&d).expect("create target/bench-cases");
    d
}

/// The shared data folder (../shared from the checkout, as the tests find it).
pub fn shared() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("../shared"), PathBuf::from("/work/shared")]
        .into_iter()
        .find(|p| p.join("data").is_dir())
        .expect("../shared/data (the project's shared data folder)")
}

/// Run `cmd` to completion; panics with its stderr if it fails (a bench with a broken side
/// measures nothing).
pub fn run(cmd: &mut Command) -> Run {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let t = Instant::now();
    let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child, with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let wall = t.elapsed();
    assert_eq!(r, pid, "wait4 failed for {cmd:?}");
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        panic!("{cmd:?} failed (status {status}):\n{err}");
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Run { wall, cpu: tv(ru.ru_utime) + tv(ru.ru_stime), peak_rss: ru.ru_maxrss as u64 * 1024 }
}

/// The best (least disturbed) of `n` runs of a command built by `make`: fastest wall time,
/// least CPU time and largest peak memory, each over the runs.
pub fn best_run(n: usize, mut make: impl FnMut() -> Command) -> Run {
    let runs: Vec<Run> = (0..n.max(1)).map(|_| run(&mut make())).collect();
    Run {
        wall: runs.iter().map(|r| r.wall).min().unwrap(),
        cpu: runs.iter().map(|r| r.cpu).min().unwrap(),
        peak_rss: runs.iter().map(|r| r.peak_rss).max().unwrap(),
    }
}

/// Remove a previous run's outputs before the next run starts (outside its timing), so every
/// run writes new files, as a first run does. On ext4 (this machine) replacing an existing
/// file, by rename or by truncation, makes the kernel start writing the new one back at once
/// (`auto_da_alloc`), which a rerun into the same folder would pay and a first run does not.
pub fn fresh(path: &Path) {
    let _ = std::fs::remove_dir_all(path).or_else(|_| std::fs::remove_file(path));
}

/// Python 3 with the given modules, or None (the bench then says what it could not compare).
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let py = PathBuf::from("python3");
    let probe = format!("import {}", modules.join(", "));
    let ok = Command::new(&py).args(["-c", &probe]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    ok.then_some(py)
}

/// "name  wall s (cpu s, peak MB)".
pub fn show(name: &str, r: &Run) -> String {
    format!(
        "{name:<52} {:>8.3} s wall  {:>7.3} s cpu  {:>6.0} MB peak",
        r.wall.as_secs_f64(),
        r.cpu.as_secs_f64(),
        r.peak_rss as f64 / 1e6
    )
}

/// Load average over the last minute: printed with the figures, so a reader knows whether the
/// machine was quiet.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().next().unwrap_or("?").to_string())
        .unwrap_or_default()
}

/// The tiled case on an n³ grid, with its simulated map: made once, kept in target/bench-cases.
pub fn tiled_case(n: usize) -> (PathBuf, PathBuf, PathBuf) {
    let dir = cases().join(format!("tiled{n}"));
    let (map, model, sim) = (dir.join(format!("exp{n}.mrc")), dir.join("tiled.pdb"), dir.join(format!("sim{n}.mrc")));
    if !map.is_file() || !model.is_file() {
        let tool = shared().join("tools/make_tiled_case.py");
        run(Command::new("python3").arg(tool).arg(shared()).arg(&dir).arg(n.to_string()));
    }
    if !sim.is_file() {
        run(Command::new(cryolabel()).args(["simulate", "--resolution", "3.2", "--model"]).args([
            model.as_os_str(),
            "--like".as_ref(),
            map.as_os_str(),
            "--out".as_ref(),
            sim.as_os_str(),
        ]));
    }
    (map, model, sim)
}
