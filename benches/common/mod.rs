//! Timing shared by the `harness = false` benchmarks.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// The fastest of `runs` calls: the least disturbed by other work on the machine.
pub fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}
/// The fastest of `runs` calls and the last call's result (to check or print).
pub fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        last = Some(r);
    }
    (best, last.unwrap())
}

pub mod process;
