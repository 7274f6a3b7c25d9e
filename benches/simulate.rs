//! Simulation benchmark on the 35,744-atom case: 5me2 tiled 2x2x2 at 80 Å, every copy with its
//! own chain ids (the recipe of shared/tools/make_tiled_case.py, via engine::tiling).
//! Run with `cargo bench --bench simulate`. Prints the engine's time, pdb2vol's loop as written
//! (single thread, whole kernel box) measured in the same run, and their ratio.
//! Reference figures on a 2-core machine: pdb2vol 0.21 s, gemmi 0.18 s.

mod common;
use common::best;
use std::path::Path;

use cryolabel::engine::{Grid, SimParams, read_model, simulate, tiling::tile};

fn tiled() -> cryolabel::engine::Model {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/real/5ni1/5me2.pdb"));
    let m = read_model(path).expect("read 5me2.pdb");
    tile(&m, [2, 2, 2], 80.0)
}

fn main() {
    let model = tiled();
    assert_eq!(model.atoms.len(), 35_744, "every copy must be kept");
    let p = SimParams::new(3.2, 1.0);
    println!(
        "case       5me2 tiled 2x2x2 at 80 Å: {} atoms, R 3.2 Å, spacing 1 Å, {} threads",
        model.atoms.len(),
        rayon::current_num_threads()
    );
    let (t_fast, fast) = best(7, || simulate::simulate(&model, &p).unwrap());
    let (t_naive, naive) = best(2, || simulate::simulate_naive(&model, &p).unwrap());
    let diff = fast.volume.data.iter().zip(&naive.volume.data).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    println!("grid       {:?} voxels, kernel half-width {} voxels", fast.volume.grid.shape, fast.exth);
    println!("engine     {:.4} s (best of 7)", t_fast.as_secs_f64());
    println!("naive      {:.4} s (best of 2; pdb2vol's loop, one thread)", t_naive.as_secs_f64());
    println!(
        "ratio      {:.1}x faster than the naive loop; max |diff| {diff:.2e}",
        t_naive.as_secs_f64() / t_fast.as_secs_f64()
    );
    println!(
        "reference  pdb2vol 0.21 s -> {:.1}x; gemmi 0.18 s -> {:.1}x",
        0.21 / t_fast.as_secs_f64(),
        0.18 / t_fast.as_secs_f64()
    );
    let grid = Grid::new([180; 3], [1.0; 3], [0.0; 3]);
    let (t_on, _) = best(5, || simulate::simulate_on(&model, &p, &grid).unwrap());
    println!("on 180^3   {:.4} s (simulate and place on a 1 Å map's grid, best of 5)", t_on.as_secs_f64());
}
