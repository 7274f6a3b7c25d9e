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
pub mod process;
