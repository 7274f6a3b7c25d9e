//! `cryolabel resample`: a map to a new voxel size (voxel 0 kept) or onto another map's grid;
//! a map with a non-orthogonal cell onto an orthogonal grid (engine::skew), straight from its
//! stored lattice.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::engine::{self, resample};

#[derive(Args, Debug, Clone)]
pub struct ResampleArgs {
    /// Map to resample.
    #[arg(long)]
    pub map: PathBuf,
    /// New voxel size in Å; the grid keeps voxel 0's position, n' = floor((n-1) v / s) + 1.
    /// For a non-orthogonal cell: the orthogonal grid's voxel (default its smallest step),
    /// over the box enclosing the stored lattice.
    #[arg(long, conflicts_with = "like")]
    pub spacing: Option<f32>,
    /// Resample onto this map's grid instead (ChimeraX `volume resample onGrid` rule).
    #[arg(long)]
    pub like: Option<PathBuf>,
    /// Nearest voxel instead of trilinear: for label maps, which must not be blended.
    #[arg(long)]
    pub nearest: bool,
    /// Output map.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &ResampleArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let map = engine::read_map(&args.map)?;
    for w in &map.warnings {
        eprintln!("warning: {}: {w}", args.map.display());
    }
    let src = &map.volume;
    let target = match (&args.like, args.spacing, &map.skewed) {
        (Some(like), _, _) => engine::read_map(like)?.volume.grid,
        (None, Some(s), _) if !(s.is_finite() && s >= 0.01) => bail!("--spacing {s}: must be at least 0.01 Å"),
        (None, s, Some(k)) => k.grid.orthogonal_grid(s),
        (None, Some(s), None) => resample::standard_grid(&src.grid, s),
        (None, None, None) => bail!("give --spacing or --like (only a non-orthogonal map has a default grid)"),
    };
    let n = target.len() as u64;
    if n * 4 > engine::mapio::available_memory() {
        bail!("the new grid {:?} would need {} bytes, more than available", target.shape, n * 4);
    }
    let label = format!("cryolabel {} resample {}", env!("CARGO_PKG_VERSION"), args.map.display());
    let write = |r: Result<(), engine::MapError>| r.with_context(|| format!("writing {}", args.out.display()));
    if let Some(k) = &map.skewed {
        if args.nearest {
            bail!(
                "{}: --nearest is for label maps on orthogonal grids; this map's cell is not orthogonal",
                args.map.display()
            );
        }
        // From the stored lattice, not from the orthogonal copy read_map made: one interpolation.
        write(engine::write_map(&args.out, &k.resample_onto(&target), &label, super::durability()))?;
    } else if args.nearest {
        let out = resample::resample_nearest(src, &target);
        if map.header.mode == 1 {
            // integer labels stay integers
            let v = engine::Volume { grid: out.grid, data: out.data.iter().map(|&x| x as i16).collect::<Vec<i16>>() };
            write(engine::write_map(&args.out, &v, &label, super::durability()))?;
        } else {
            write(engine::write_map(&args.out, &out, &label, super::durability()))?;
        }
    } else if args.like.is_some() {
        write(engine::write_map(&args.out, &resample::resample_onto(src, &target), &label, super::durability()))?;
    } else {
        write(engine::write_map(
            &args.out,
            &resample::resample_spacing(src, args.spacing.unwrap_or(1.0)),
            &label,
            super::durability(),
        ))?;
    }
    match &map.skewed {
        Some(k) => println!(
            "from       {:?} lattice points of {:?} Å along a non-orthogonal cell (angles {:?})",
            k.grid.shape, k.grid.step, k.grid.angles
        ),
        None => println!("from       {:?} voxels of {:?} Å at {:?} Å", src.grid.shape, src.grid.voxel, src.grid.origin),
    }
    println!(
        "to         {:?} voxels of {:?} Å at {:?} Å ({})",
        target.shape,
        target.voxel,
        target.origin,
        if args.nearest { "nearest" } else { "trilinear" }
    );
    println!("time       {:.3} s", t0.elapsed().as_secs_f64());
    println!("wrote      {}", args.out.display());
    Ok(())
}
