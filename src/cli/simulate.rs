//! `cryolabel simulate`: a noise-free map from a model with Situs pdb2vol's rules, on its own
//! grid (`--spacing`) or on an existing map's grid (`--like`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use crate::engine::{self, Kernel, KernelWidth, SimParams, simulate};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum KernelArg {
    Gaussian,
    Triangular,
    SemiEpanechnikov,
    Epanechnikov,
    HardSphere,
}

impl From<KernelArg> for Kernel {
    fn from(k: KernelArg) -> Self {
        match k {
            KernelArg::Gaussian => Kernel::Gaussian,
            KernelArg::Triangular => Kernel::Triangular,
            KernelArg::SemiEpanechnikov => Kernel::SemiEpanechnikov,
            KernelArg::Epanechnikov => Kernel::Epanechnikov,
            KernelArg::HardSphere => Kernel::HardSphere,
        }
    }
}

/// pdb2vol's questions as options; the defaults are the answers behind the data set.
#[derive(Args, Debug, Clone)]
pub struct SimOptions {
    #[arg(long, value_enum, default_value = "gaussian")]
    pub kernel: KernelArg,
    /// Give the kernel's half-max radius in Å instead of a resolution.
    #[arg(long, conflicts_with = "resolution")]
    pub half_max: Option<f64>,
    /// Weight every atom 1 instead of its mass.
    #[arg(long)]
    pub no_mass: bool,
    /// Keep waters (pdb2vol asks; the data set drops them).
    #[arg(long)]
    pub keep_water: bool,
    /// Keep only atoms with B at most this.
    #[arg(long)]
    pub b_cutoff: Option<f64>,
    /// Do not narrow the kernel for the smoothing of the lattice projection.
    #[arg(long)]
    pub no_lattice_correction: bool,
    /// Kernel peak value.
    #[arg(long, default_value_t = 1.0)]
    pub amplitude: f64,
}

impl SimOptions {
    /// Parameters at `resolution` (ignored when --half-max is given) and `spacing`.
    pub fn params(&self, resolution: Option<f64>, spacing: f64) -> Result<SimParams> {
        let width = match (self.half_max, resolution) {
            (Some(h), _) => KernelWidth::HalfMaxRadius(h),
            (None, Some(r)) => KernelWidth::Resolution(r),
            (None, None) => bail!("no resolution: pass --resolution (the model states none)"),
        };
        let mut p = SimParams::new(1.0, spacing);
        p.width = width;
        p.kernel = self.kernel.into();
        p.mass_weighted = !self.no_mass;
        p.exclude_water = !self.keep_water;
        p.b_cutoff = self.b_cutoff;
        p.lattice_correction = !self.no_lattice_correction;
        p.amplitude = self.amplitude;
        Ok(p)
    }
}

#[derive(Args, Debug, Clone)]
pub struct SimulateArgs {
    /// Model (PDB, mmCIF, assembly file).
    #[arg(long)]
    pub model: PathBuf,
    /// Target resolution in Å (sigma = R/2); default: the model's stated resolution.
    #[arg(long)]
    pub resolution: Option<f64>,
    /// Voxel spacing in Å: pdb2vol's own grid around the model.
    #[arg(long, required_unless_present = "like", conflicts_with = "like")]
    pub spacing: Option<f64>,
    /// Put the result on this map's grid (its voxel size, origin and shape; zero outside).
    #[arg(long)]
    pub like: Option<PathBuf>,
    /// Output map (.mrc; .gz to compress).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
}

pub fn run(args: &SimulateArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let model = engine::read_model(&args.model)?;
    let resolution = args.resolution.or(engine::simulate::model_resolution(&model));
    let (sim, vol) = match (&args.like, args.spacing) {
        (Some(like), _) => {
            // only the map's grid is needed: its voxels are not read
            let (grid, warnings) = engine::mapio::read_grid(like)?;
            for w in &warnings {
                eprintln!("warning: {}: {w}", like.display());
            }
            let p = args.sim.params(resolution, grid.voxel[0] as f64)?;
            simulate::simulate_on(&model, &p, &grid)?
        }
        (None, Some(spacing)) => {
            let p = args.sim.params(resolution, spacing)?;
            let s = simulate::simulate(&model, &p)?;
            let v = s.volume.clone();
            (s, v)
        }
        (None, None) => bail!("give --spacing (pdb2vol's own grid) or --like MAP"),
    };
    let label = format!("cryolabel {} simulate {}", env!("CARGO_PKG_VERSION"), args.model.display());
    let st = engine::mapio::write_map_source(&args.out, &vol.grid, &vol.data[..], &label, super::durability())
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "model      {}: {} atoms used ({} hydrogens, {} waters, {} above the B cutoff dropped; {} weigh 0)",
        args.model.display(),
        sim.atoms_used,
        sim.hydrogens_dropped,
        sim.waters_dropped,
        sim.b_dropped,
        sim.zero_weight
    );
    println!(
        "kernel     {:?}, lattice smoothing {:.3} Å, half-width {} voxels, output resolution {:.3} Å",
        args.sim.kernel, sim.lattice_rmsd, sim.exth, sim.output_resolution
    );
    let g = &sim.volume.grid;
    println!("own grid   {:?} voxels of {} Å at {:?} Å", g.shape, g.voxel[0], g.origin);
    if args.like.is_some() {
        let g = &vol.grid;
        println!("on grid    {:?} voxels of {:?} Å at {:?} Å", g.shape, g.voxel, g.origin);
    }
    println!("values     max {:.4}, mean {:.5}", st.max, st.mean);
    for w in &sim.warnings {
        println!("warning    {w}");
    }
    println!("time       simulate {:.3} s, total {:.3} s", sim.elapsed.as_secs_f64(), t0.elapsed().as_secs_f64());
    println!("wrote      {}", args.out.display());
    Ok(())
}
