//! `cryolabel fsc`: Fourier shell correlation of a map against a model or a second map.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::engine::{self, FscCurve, fsc, resample::into_grid};

#[derive(Args, Debug, Clone)]
pub struct FscArgs {
    /// Map (.mrc/.map, optionally .gz), or an EMDB id (emdb:3488); the FSC runs on its grid.
    #[arg(long)]
    pub map: PathBuf,
    /// Fitted model (PDB, mmCIF, assembly file), or a PDB id (pdb:5me2): FSC against its model map.
    #[arg(long, conflicts_with = "map2", required_unless_present = "map2")]
    pub model: Option<PathBuf>,
    /// Second map: resampled onto the first map's grid if the grids differ.
    #[arg(long)]
    pub map2: Option<PathBuf>,
    /// Resolution (Å) of the model map; default: the model file's, else 3 Å.
    #[arg(long)]
    pub resolution: Option<f32>,
    /// Multiply both maps by a soft mask around the atoms (3 Å + 3 Å cosine edge; needs --model).
    #[arg(long, requires = "model")]
    pub mask: bool,
    #[command(flatten)]
    pub archive: super::accession::ArchiveOptions,
    /// Write the curve as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Draw the curve as a PNG (no text: 0.5 and 0.143 lines, ticks at the crossings).
    #[arg(long)]
    pub plot: Option<PathBuf>,
}

/// Model-map resolution: the flag, else the model file's stated resolution, else 3 Å.
pub fn model_resolution(flag: Option<f32>, model: &engine::Model) -> Result<f32> {
    match flag {
        Some(r) if !(r.is_finite() && r > 0.0 && r < 1000.0) => {
            bail!("--resolution {r} must be a positive number of Å")
        }
        Some(r) => Ok(r),
        None => Ok(model.resolution.filter(|r| r.is_finite() && *r > 0.0).unwrap_or(3.0)),
    }
}

/// "3.21 Å", or "< 2.10 Å" (better than Nyquist) when the curve never drops below.
pub fn fmt_res(d: Option<f64>, c: &FscCurve) -> String {
    match (d, c.nyquist()) {
        (Some(d), _) => format!("{d:.2} Å"),
        (None, Some(n)) => format!("< {n:.2} Å"),
        (None, None) => "-".into(),
    }
}

/// A short table: about 12 rows spread over the curve.
pub fn summary(c: &FscCurve) -> String {
    let mut out = String::from("  freq(1/Å)  res(Å)     FSC  voxels\n");
    let step = (c.shells.len() / 12).max(1);
    for (i, s) in c.shells.iter().enumerate().skip(1) {
        if i % step == 0 || i + 1 == c.shells.len() {
            out += &format!("  {:9.4} {:7.2} {:7.3} {:7}\n", s.freq, s.resolution, s.fsc, s.count);
        }
    }
    out
}

pub fn run(args: &FscArgs) -> Result<()> {
    let mut args = args.clone();
    let r = super::accession::localize(Some(&mut args.map), args.model.as_mut(), &args.archive)?;
    args.resolution = args.resolution.or(r.resolution().map(|v| v as f32));
    let args = &args;
    let t0 = std::time::Instant::now();
    let map = engine::read_map(&args.map)?.volume;
    let (curve, what) = if let Some(model_path) = &args.model {
        let model = engine::read_model(model_path)?;
        let res = model_resolution(args.resolution, &model)?;
        let c = fsc::map_model_fsc(&map, &model.atoms, res, args.mask);
        let m = if args.mask { ", masked" } else { "" };
        (
            c,
            format!(
                "map {} vs model {} ({} atoms, model map at {res} Å{m})",
                args.map.display(),
                model_path.display(),
                model.atoms.len()
            ),
        )
    } else if let Some(p2) = &args.map2 {
        let other = engine::read_map(p2)?.volume;
        let (other, resampled) = into_grid(other, &map.grid);
        if resampled {
            eprintln!("note: {} is on another grid; resampled trilinearly onto {}", p2.display(), args.map.display());
        }
        (fsc::fsc(&map, &other)?, format!("map {} vs map {}", args.map.display(), p2.display()))
    } else {
        bail!("give --model or --map2");
    };
    if curve.shells.is_empty() {
        bail!("{}: the map is too small for an FSC", args.map.display());
    }
    println!("FSC {what}");
    print!("{}", summary(&curve));
    println!("FSC = 0.5   at {}", fmt_res(curve.d05(), &curve));
    println!("FSC = 0.143 at {}", fmt_res(curve.d0143(), &curve));
    if let Some(p) = &args.csv {
        engine::mapio::write_atomic(p, super::durability(), |f| {
            std::io::Write::write_all(f, curve.to_csv().as_bytes())
        })
        .with_context(|| format!("writing {}", p.display()))?;
        println!("wrote {}", p.display());
    }
    if let Some(p) = &args.plot {
        super::plot::write_png(p, &[(&curve, super::plot::COLOURS[0])])
            .with_context(|| format!("writing {}", p.display()))?;
        println!("wrote {}", p.display());
    }
    eprintln!("done in {:.2} s", t0.elapsed().as_secs_f64());
    Ok(())
}
