//! The Python package (python/, `pip install ./python`): its pytest suite, run against the
//! `cryolabel` binary of this build and the real data. Without the package installed the test
//! says so and passes outside CI; in CI (CI=true, .ci/run installs it) it fails.

mod common;

use std::path::Path;
use std::process::Command;

fn python_ok(code: &str) -> Result<(), String> {
    let o = Command::new("python3").args(["-c", code]).output().map_err(|e| format!("python3: {e}"))?;
    if o.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&o.stderr).into_owned()) }
}

#[test]
fn pytest_suite_of_the_python_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = std::env::var_os("CI").is_some();
    for (code, what) in
        [("import cryolabel", "the cryolabel package (pip install ./python)"), ("import pytest", "pytest")]
    {
        if let Err(e) = python_ok(code) {
            assert!(!ci, "CI must install {what} (.ci/run does): {e}");
            eprintln!("skipped: {what} is not installed: {e}");
            return;
        }
    }
    let data = common::data("").parent().expect("data/real has a parent").to_path_buf();
    let out = Command::new("python3")
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "python/tests"])
        .current_dir(root)
        .env("CRYOLABEL_BIN", common::bin())
        .env("CRYOLABEL_DATA", &data)
        .output()
        .expect("run pytest");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{text}");
    assert!(out.status.success(), "pytest python/tests failed");
    if ci {
        assert!(!text.contains("skipped"), "in CI no Python test may skip:\n{text}");
    }
}
