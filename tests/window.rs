//! The real window under Xvfb: `cryolabel view --screenshot` renders the sample, writes a PNG
//! and exits. Skipped (with a note) where Xvfb is not installed, but never in CI.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn screenshot_flag_writes_a_png_and_exits() {
    let display = format!(":{}", 150 + std::process::id() % 100);
    let Some(xvfb) = common::xvfb(&display) else { return };
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cryolabel"))
        .args(["view", "--screenshot"])
        .arg(&shot)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_RUNTIME_DIR", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cryolabel");
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t0.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(xvfb);
    let status = status.expect("cryolabel exits after the screenshot");
    assert!(status.success(), "exit status {status:?}");
    let img = image::open(&shot).expect("a PNG was written").to_rgba8();
    assert!(img.width() >= 800 && img.height() >= 600, "window-sized: {}x{}", img.width(), img.height());
    let distinct: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).take(200_000).collect();
    assert!(distinct.len() > 50, "a rendered UI, not a blank frame ({} colours)", distinct.len());
}
