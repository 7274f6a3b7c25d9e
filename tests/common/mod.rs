#![allow(dead_code)]
//! Shared helpers for integration tests: real data is read in place from ../shared.

use std::path::PathBuf;
use std::process::Command;

pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real")).join(rel)
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cryolabel"))
}

/// Run the `cryolabel` binary: (success, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(bin()).args(args).output().expect("run cryolabel");
    (o.status.success(), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

/// Whether a test's prerequisite (a Python package, Xvfb, a wgpu adapter) is `present`.
/// Outside CI a test may skip without it, saying so; in CI (`CI` set) its absence FAILS the
/// test, since .ci/run installs everything the tests need: a skip there would hide a check.
pub fn prerequisite(present: bool, what: &str) -> bool {
    if !present {
        assert!(std::env::var_os("CI").is_none(), "CI must provide {what} (.ci/run installs it); not skipping");
        eprintln!("skipped: {what} not available");
    }
    present
}

/// An Xvfb server for a real-window test, stopped when dropped. None where Xvfb is not
/// installed (a [`prerequisite`]: a failure under CI). `display` is ":N"; each test binary picks
/// its own N (from the process id) so parallel test binaries do not collide.
pub fn xvfb(display: &str) -> Option<Xvfb> {
    use std::process::Stdio;
    let there = Command::new("Xvfb").arg("-help").stderr(Stdio::null()).stdout(Stdio::null()).status().is_ok();
    if !prerequisite(there, "Xvfb") {
        return None;
    }
    let child = Command::new("Xvfb")
        .args([display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb");
    std::thread::sleep(std::time::Duration::from_millis(800));
    Some(Xvfb(child))
}

pub struct Xvfb(std::process::Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether python3 can import these modules (comma-separated), as a [`prerequisite`].
pub fn python_with(modules: &str) -> bool {
    let ok = Command::new("python3").args(["-c", &format!("import {modules}")]).status().is_ok_and(|s| s.success());
    prerequisite(ok, &format!("python3 with {modules}"))
}

/// Whether python3 can import mrcfile, gemmi and numpy (pip-installed by .ci/run).
pub fn python_readers() -> bool {
    python_with("mrcfile, gemmi, numpy")
}

/// The script that checks label files with mrcfile and gemmi (tests/python/check_outputs.py).
pub const CHECK_OUTPUTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/check_outputs.py");

/// Whether python3 can import every module in `modules` (e.g. "gemmi", "Bio"). Outside CI a
/// test may skip without them (it says so); in CI it fails, since .ci/run pip-installs them.
pub fn python_has(modules: &[&str]) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {}", modules.join(", "))])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must pip-install the python modules {modules:?} (.ci/run does)");
        eprintln!("skipped: python3 cannot import {modules:?}");
    }
    ok
}

/// The shared data folder itself (real/ and interop/ are under it).
pub fn shared_data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data"))
}
