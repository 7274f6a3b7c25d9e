//! Simulated density maps, Situs `pdb2vol` (2.x) reproduced step by step, so a data set can be
//! made without Situs. Where pdb2vol has a quirk it is kept and said so here:
//!
//! - weights are element masses from pdb2vol's table (first 30 elements); an element missing
//!   from it gets the mass of C, N, O, P or S when its first letter is one of those ("SE" weighs
//!   as S) and **weight 0 otherwise** (pdb2vol's "assign carbon mass" branch is unreachable);
//! - hydrogens (element H or D) are dropped before anything else, so they do not widen the box;
//! - the lattice is in register with (0,0,0); margins of 2 voxels, plus `exth` after the kernel;
//! - the Gaussian is cut at a sphere, d^2 < 9 sigma_1D^2 voxels^2, and is not normalised;
//! - when the Gaussian half-max radius is below one voxel, no kernel is applied at all and the
//!   bare trilinear projection is the output (pdb2vol's "menu 6"), with a warning.
//!
//! Differences: the model reader keeps one altloc per atom where pdb2vol takes every record,
//! and the element comes from the element column (else the name), where pdb2vol reads name
//! columns 13-14 (the two agree on the data set's files).

use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::error::EngineError;
use super::grid::{Grid, Volume};
use super::model::{Atom, Model};
use super::resample::resample_onto;

/// Smoothing kernels of pdb2vol's menu, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// exp(-1.5 r^2 / sigma^2), cut at sqrt(3) sigma.
    Gaussian,
    /// max(0, 1 - 0.5 |r| / r_half).
    Triangular,
    /// max(0, 1 - 0.5 |r|^1.5 / r_half^1.5).
    SemiEpanechnikov,
    /// max(0, 1 - 0.5 r^2 / r_half^2).
    Epanechnikov,
    /// max(0, 1 - 0.5 r^60 / r_half^60).
    HardSphere,
}

impl Kernel {
    /// Exponent n of 1 - 0.5 (r/r_half)^n; None for the Gaussian.
    fn exponent(self) -> Option<f64> {
        match self {
            Kernel::Gaussian => None,
            Kernel::Triangular => Some(1.0),
            Kernel::SemiEpanechnikov => Some(1.5),
            Kernel::Epanechnikov => Some(2.0),
            Kernel::HardSphere => Some(60.0),
        }
    }
}

/// The kernel width as pdb2vol asks for it (a signed number there).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KernelWidth {
    /// Target resolution R in Å: the kernel's 3-D rms radius sigma = R/2.
    Resolution(f64),
    /// Kernel half-max radius in Å.
    HalfMaxRadius(f64),
}

/// pdb2vol's answers. Defaults are the ones behind the data set's `expected/` files.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimParams {
    /// Voxel spacing in Å (pdb2vol raises anything below 0.1 to 0.1).
    pub spacing: f64,
    pub width: KernelWidth,
    pub kernel: Kernel,
    /// Weight atoms by mass (else 1 each).
    pub mass_weighted: bool,
    /// Drop waters (residue HOH, H2O or TIP3).
    pub exclude_water: bool,
    /// Keep only atoms whose B, rounded to 0.01, is at most this + 0.001.
    pub b_cutoff: Option<f64>,
    /// Narrow the kernel by the variance the trilinear projection adds.
    pub lattice_correction: bool,
    /// Kernel peak value (no normalisation).
    pub amplitude: f64,
}

impl SimParams {
    /// The data set's answers at resolution `r` Å and spacing `spacing` Å.
    pub fn new(r: f64, spacing: f64) -> Self {
        SimParams {
            spacing,
            width: KernelWidth::Resolution(r),
            kernel: Kernel::Gaussian,
            mass_weighted: true,
            exclude_water: true,
            b_cutoff: None,
            lattice_correction: true,
            amplitude: 1.0,
        }
    }
}

/// A simulated map and what pdb2vol would have printed about it.
#[derive(Clone, Debug)]
pub struct Simulated {
    /// On the simulation's own grid. From `simulate_on`, when the map's grid shares the own
    /// grid's lattice, only the grid: its voxels went straight onto the map's grid (no data).
    pub volume: Volume<f32>,
    pub atoms_used: usize,
    pub hydrogens_dropped: usize,
    pub waters_dropped: usize,
    pub b_dropped: usize,
    /// Atoms kept with weight 0 (element not in pdb2vol's table).
    pub zero_weight: usize,
    /// Lattice smoothing, Å (pdb2vol's "sigma = atom rmsd").
    pub lattice_rmsd: f64,
    /// Kernel half-width in voxels (0 when no kernel was applied).
    pub exth: usize,
    /// pdb2vol's reported resolution of the output (2 sigma), Å.
    pub output_resolution: f64,
    pub kernel_applied: bool,
    pub warnings: Vec<String>,
    pub elapsed: Duration,
}

/// pdb2vol's mass table (`lib_pio.c`), kept as float32 like the original.
const MASSES: [(&str, f32); 30] = [
    ("H", 1.008),
    ("HE", 4.003),
    ("LI", 6.940),
    ("BE", 9.012),
    ("B", 10.810),
    ("C", 12.011),
    ("N", 14.007),
    ("O", 16.000),
    ("F", 18.998),
    ("NE", 20.179),
    ("NA", 22.990),
    ("MG", 24.305),
    ("AL", 26.982),
    ("SI", 28.086),
    ("P", 30.974),
    ("S", 32.060),
    ("CL", 35.453),
    ("AR", 39.948),
    ("K", 39.098),
    ("CA", 40.080),
    ("SC", 44.956),
    ("TI", 47.880),
    ("V", 50.942),
    ("CR", 51.996),
    ("MN", 54.938),
    ("FE", 55.847),
    ("CO", 58.933),
    ("NI", 58.710),
    ("CU", 63.546),
    ("ZN", 65.380),
];

/// Mass of an (upper-case) element under pdb2vol's lookup: exact match, else the first letter
/// if it is C, N, O, P or S, else 0.
pub fn pdb2vol_mass(element: &str) -> f32 {
    if let Some((_, m)) = MASSES.iter().find(|(e, _)| *e == element) {
        return *m;
    }
    match element.chars().next() {
        Some('C') => 12.011,
        Some('N') => 14.007,
        Some('O') => 16.000,
        Some('P') => 30.974,
        Some('S') => 32.060,
        _ => 0.0,
    }
}

fn is_water(res: &str) -> bool {
    matches!(res, "HOH" | "H2O" | "TIP3" | "TIP")
}

/// Everything up to the convolution: the projected lattice and the kernel.
pub(crate) struct Plan {
    pub spacing: f64,
    /// Lattice shape and the world position of its voxel 0.
    pub n2: [usize; 3],
    pub orig2: [f64; 3],
    /// The lattice's non-zero voxels.
    pub lattice: conv::Lattice,
    /// Kernel half-width and dense kernel of side 2*exth+1 (None: no kernel, "menu 6").
    pub exth: usize,
    pub kernel: Option<Vec<f64>>,
    pub out: Simulated,
}

fn sim_err(model: &Model, msg: String) -> EngineError {
    EngineError::Simulate(model.path.clone(), msg)
}

/// Select atoms, build the lattice, project, and make the kernel, as pdb2vol does.
pub(crate) fn plan(model: &Model, p: &SimParams) -> Result<Plan, EngineError> {
    let t0 = Instant::now();
    if !p.spacing.is_finite() || p.spacing <= 0.0 {
        return Err(sim_err(model, format!("voxel spacing {} Å must be positive", p.spacing)));
    }
    let (wval, is_res) = match p.width {
        KernelWidth::Resolution(r) => (r, true),
        KernelWidth::HalfMaxRadius(r) => (r, false),
    };
    if !(wval.is_finite() && wval > 0.0) {
        return Err(sim_err(model, format!("kernel width {wval} Å must be positive")));
    }
    if !(p.amplitude.is_finite()) {
        return Err(sim_err(model, "kernel amplitude must be finite".into()));
    }
    let width = p.spacing.max(0.1);
    let mut warnings = Vec::new();
    if width != p.spacing {
        warnings.push("voxel spacing raised to pdb2vol's minimum, 0.1 Å".into());
    }

    // Selection: hydrogens always out, waters on request, optional B threshold.
    let (mut hyd, mut wat, mut bdrop, mut zero) = (0, 0, 0, 0);
    let mut sel: Vec<(&Atom, f64)> = Vec::with_capacity(model.atoms.len());
    for a in &model.atoms {
        if a.element == "H" || a.element == "D" {
            hyd += 1;
            continue;
        }
        if p.exclude_water && is_water(&a.res_name) {
            wat += 1;
            continue;
        }
        if let Some(c) = p.b_cutoff
            && 0.01 * (0.5 + 100.0 * a.b_factor as f64).floor() > c + 0.001
        {
            bdrop += 1;
            continue;
        }
        let w = if p.mass_weighted { pdb2vol_mass(&a.element) as f64 } else { 1.0 };
        if w == 0.0 {
            zero += 1;
        }
        sel.push((a, w));
    }
    if sel.is_empty() {
        return Err(sim_err(
            model,
            format!("no atoms left to simulate ({hyd} hydrogens, {wat} waters, {bdrop} above the B cutoff dropped)"),
        ));
    }
    if zero > 0 {
        warnings
            .push(format!("{zero} atoms have an element missing from pdb2vol's mass table and weigh 0, as in pdb2vol"));
    }

    // Box in register with the origin, 2-voxel margin.
    let mut lo = [1e20f64; 3];
    let mut hi = [-1e20f64; 3];
    for (a, _) in &sel {
        let c = [a.pos.x as f64, a.pos.y as f64, a.pos.z as f64];
        for k in 0..3 {
            lo[k] = lo[k].min(c[k]);
            hi[k] = hi[k].max(c[k]);
        }
    }
    const MARGIN: usize = 2;
    let mut n2 = [0usize; 3];
    let mut orig2 = [0f64; 3];
    for k in 0..3 {
        // pdb2vol computes ceil((max - min) / width) from the snapped doubles, where float
        // noise can add a voxel (66.00000000000001 -> 67); the published files have none, so
        // the extent comes from the integer indices.
        let (klo, khi) = ((lo[k] / width).floor(), (hi[k] / width).ceil());
        lo[k] = width * klo;
        n2[k] = (khi - klo) as usize + 2 * MARGIN + 1;
        orig2[k] = lo[k] - MARGIN as f64 * width;
    }

    // Kernel widths (pdb2vol's exact expressions).
    let n_of = |n: f64| (3.0 * (3.0 + n) / (5.0 * (5.0 + n))).sqrt();
    let pow2 = |n: f64| ((1.0 / n) * 2f64.ln()).exp();
    let (sig1, rh1) = if is_res {
        let s = wval / 2.0;
        (s, s * 2f64.ln().sqrt() / 1.5f64.sqrt())
    } else {
        (wval * 1.5f64.sqrt() / 2f64.ln().sqrt(), wval)
    };
    let (sig, rh, rc) = match p.kernel.exponent() {
        None => (sig1, rh1, 3f64.sqrt() * sig1),
        Some(n) => {
            let (s, r) = if is_res {
                (wval / 2.0, wval / 2.0 / (pow2(n) * n_of(n)))
            } else {
                (wval * (pow2(n) * n_of(n)), wval)
            };
            (s, r, pow2(n) * r)
        }
    };
    let kernel_applied = rh1 / width >= 1.0;
    let exth_guess = if kernel_applied { (rc / width).ceil() as usize + 1 } else { 0 };

    // Refuse absurd grids before allocating.
    let n3: u128 = (0..3).map(|k| (n2[k] + 2 * exth_guess) as u128).product();
    let need = (n2.iter().map(|&v| v as u128).product::<u128>() * 8 + n3 * 12) as u64;
    let have = super::mapio::available_memory();
    if need > have {
        return Err(sim_err(
            model,
            format!(
                "the simulated grid ({:?} voxels of {width} Å) needs {need} bytes, more than the {have} available",
                n2
            ),
        ));
    }

    // Trilinear projection, keeping track of the smoothing it adds (voxel^2).
    // Each atom adds four contributions to plane z0 and four to z0 + 1: counted first, so they
    // go straight into their plane's bucket, in atom order (no sort, no second copy).
    let lattice_pos = |at: &Atom| {
        [
            MARGIN as f64 + (at.pos.x as f64 - lo[0]) / width,
            MARGIN as f64 + (at.pos.y as f64 - lo[1]) / width,
            MARGIN as f64 + (at.pos.z as f64 - lo[2]) / width,
        ]
    };
    let mut start = vec![0usize; n2[2] + 1];
    for (at, _) in &sel {
        let z0 = lattice_pos(at)[2].floor() as usize;
        start[z0 + 1] += 4;
        start[z0 + 2] += 4;
    }
    for z in 0..n2[2] {
        start[z + 1] += start[z];
    }
    let mut by_z = vec![(0usize, 0f64); 8 * sel.len()];
    let mut next = start.clone();
    let idx = |i: usize, j: usize| i + n2[0] * j;
    let (mut varp, mut mass_total) = (0f64, 0f64);
    for (at, w) in &sel {
        let g = lattice_pos(at);
        let (x0, y0, z0) = (g[0].floor() as usize, g[1].floor() as usize, g[2].floor() as usize);
        let (a, b, c) = (x0 as f64 + 1.0 - g[0], y0 as f64 + 1.0 - g[1], z0 as f64 + 1.0 - g[2]);
        for (dz, fz, cz) in [(0, c, 1.0 - c), (1, 1.0 - c, c)] {
            for (dy, fy, cy) in [(0, b, 1.0 - b), (1, 1.0 - b, b)] {
                for (dx, fx, cx) in [(0, a, 1.0 - a), (1, 1.0 - a, a)] {
                    let t = w * fx * fy * fz;
                    let z = z0 + dz;
                    by_z[next[z]] = (idx(x0 + dx, y0 + dy) + n2[0] * n2[1] * z, t);
                    next[z] += 1;
                    varp += t * (cx * cx + cy * cy + cz * cz);
                }
            }
        }
        mass_total += w;
    }
    let lattice = conv::Lattice::of_planes(n2, &start, &by_z);
    drop(by_z);
    if mass_total <= 0.0 {
        return Err(sim_err(model, "every selected atom weighs 0 (no element pdb2vol knows)".into()));
    }
    varp /= mass_total;

    let mut out = Simulated {
        volume: Volume { grid: Grid::new([0; 3], [width as f32; 3], [0.0; 3]), data: Vec::new() },
        atoms_used: sel.len(),
        hydrogens_dropped: hyd,
        waters_dropped: wat,
        b_dropped: bdrop,
        zero_weight: zero,
        lattice_rmsd: width * varp.sqrt(),
        exth: 0,
        output_resolution: width * varp.sqrt() * 2.0,
        kernel_applied,
        warnings,
        elapsed: Duration::ZERO,
    };
    if !kernel_applied {
        out.warnings.push(format!(
            "kernel half-max radius {rh1:.3} Å is below one voxel ({width} Å): no kernel applied, the map is the bare lattice projection (as pdb2vol); lower the spacing or raise the resolution"
        ));
        out.elapsed = t0.elapsed();
        return Ok(Plan { spacing: width, n2, orig2, lattice, exth: 0, kernel: None, out });
    }

    // Kernel map.
    let kmsd = sig * sig / (width * width);
    let varmap = if p.lattice_correction { kmsd - varp } else { kmsd };
    out.output_resolution =
        if p.lattice_correction { 2.0 * sig } else { 2.0 * (sig * sig + varp * width * width).sqrt() };
    if varmap < 0.0 {
        return Err(sim_err(
            model,
            format!("lattice smoothing ({:.3} Å) exceeds the kernel size: lower the spacing", out.lattice_rmsd),
        ));
    }
    let (exth, value): (usize, Box<dyn Fn(f64) -> f64>) = match p.kernel.exponent() {
        None => {
            let sigmap = (varmap / 3.0).sqrt();
            let bvalue = -1.0 / (2.0 * sigmap * sigmap);
            let cvalue = 9.0 * sigmap * sigmap;
            let amp = p.amplitude;
            (
                (3.0 * sigmap).ceil() as usize,
                Box::new(move |d2: f64| if d2 < cvalue { amp * (d2 * bvalue).exp() } else { 0.0 }),
            )
        }
        Some(n) => {
            let bvalue = 0.5 * (-n * rh.ln()).exp() * (n * width.ln()).exp();
            let amp = p.amplitude;
            (
                (rc / width).ceil() as usize,
                Box::new(move |d2: f64| (amp * (1.0 - ((n / 2.0) * d2.ln()).exp() * bvalue)).max(0.0)),
            )
        }
    };
    let side = 2 * exth + 1;
    let mut kernel = vec![0f64; side * side * side];
    for z in 0..side {
        for y in 0..side {
            for x in 0..side {
                let d = |v: usize| (v as f64 - exth as f64).powi(2);
                kernel[x + side * (y + side * z)] = value(d(x) + d(y) + d(z));
            }
        }
    }
    out.exth = exth;
    out.elapsed = t0.elapsed();
    Ok(Plan { spacing: width, n2, orig2, lattice, exth, kernel: Some(kernel), out })
}

impl Plan {
    fn output_grid(&self) -> ([usize; 3], [f32; 3]) {
        let e = self.exth;
        let n3 = [self.n2[0] + 2 * e, self.n2[1] + 2 * e, self.n2[2] + 2 * e];
        let o = [0, 1, 2].map(|k| (self.orig2[k] - e as f64 * self.spacing) as f32);
        (n3, o)
    }

    fn finish(mut self, data: Vec<f32>, t0: Instant) -> Simulated {
        let (n3, o) = self.output_grid();
        self.out.volume = Volume { grid: Grid::registered(n3, [self.spacing as f32; 3], o), data };
        self.out.elapsed += t0.elapsed();
        self.out
    }
}

/// pdb2vol on its own grid. The convolution visits only non-zero lattice voxels and only the
/// kernel's non-zero entries, one output z-slab per task; the sums are those of pdb2vol.
pub fn simulate(model: &Model, p: &SimParams) -> Result<Simulated, EngineError> {
    with_plan(model, p, |plan, kernel| conv::Conv::new(plan, kernel).own())
}

/// pdb2vol's convolution loop as written (every non-zero lattice voxel times the whole kernel
/// box, one thread): the baseline for tests and the benchmark.
pub fn simulate_naive(model: &Model, p: &SimParams) -> Result<Simulated, EngineError> {
    with_plan(model, p, |plan, kernel| {
        let (n2, e) = (plan.n2, plan.exth);
        let side = 2 * e + 1;
        let (n3, _) = plan.output_grid();
        let mut acc = vec![0f64; n3[0] * n3[1] * n3[2]];
        for (count, &v) in plan.lattice.dense().iter().enumerate() {
            if v == 0.0 {
                continue;
            }
            let (i, j, k) = (count % n2[0], (count / n2[0]) % n2[1], count / (n2[0] * n2[1]));
            for z in 0..side {
                for y in 0..side {
                    for x in 0..side {
                        acc[(i + x) + n3[0] * ((j + y) + n3[1] * (k + z))] += kernel[x + side * (y + side * z)] * v;
                    }
                }
            }
        }
        acc.into_iter().map(|v| v as f32).collect()
    })
}

/// Plan a simulation, run `convolve(plan, kernel)` (or keep the bare lattice projection when
/// pdb2vol applies no kernel), and time it: what `simulate` and its baseline share.
fn with_plan(
    model: &Model,
    p: &SimParams,
    convolve: impl FnOnce(&Plan, &[f64]) -> Vec<f32>,
) -> Result<Simulated, EngineError> {
    let plan = plan(model, p)?;
    let t0 = Instant::now();
    let data = match &plan.kernel {
        None => plan.lattice.dense().iter().map(|&v| v as f32).collect(),
        Some(kernel) => convolve(&plan, kernel),
    };
    Ok(plan.finish(data, t0))
}

/// pdb2vol at `target`'s voxel size, then placed on `target` (zero outside). When the two
/// lattices coincide (same voxel, origins a whole number of voxels apart, as for EMDB maps with
/// origin 0 or in register) values are copied, no interpolation; otherwise ChimeraX's
/// trilinear rule (`resample_onto`), which is what the published pipeline did.
pub fn simulate_on(model: &Model, p: &SimParams, target: &Grid) -> Result<(Simulated, Volume<f32>), EngineError> {
    let v = target.voxel;
    let cubic = (v[1] - v[0]).abs() <= 1e-5 * v[0] && (v[2] - v[0]).abs() <= 1e-5 * v[0];
    let mut q = *p;
    q.spacing = v[0].min(v[1]).min(v[2]) as f64;
    let plan = plan(model, &q)?;
    let t0 = Instant::now();
    let (n3, o) = plan.output_grid();
    let own = Grid::registered(n3, [plan.spacing as f32; 3], o);
    let (mut sim, placed) = match (&plan.kernel, conv::Overlap::of(&own, target)) {
        // the same lattice: convolved straight onto the target (sim.volume keeps only its grid)
        (Some(kernel), Some(ov)) => {
            let placed = conv::Conv::new(&plan, kernel).onto(target, &ov);
            (plan.finish(Vec::new(), t0), placed)
        }
        _ => {
            let data = match &plan.kernel {
                None => plan.lattice.dense().iter().map(|&v| v as f32).collect(),
                Some(kernel) => conv::Conv::new(&plan, kernel).own(),
            };
            let sim = plan.finish(data, t0);
            let placed = place(&sim.volume, target).unwrap_or_else(|| resample_onto(&sim.volume, target));
            (sim, placed)
        }
    };
    if !cubic {
        sim.warnings.push(format!(
            "the map's voxels are not cubic ({v:?} Å); simulated at {} Å and resampled trilinearly",
            q.spacing
        ));
    }
    Ok((sim, placed))
}

/// Copy `src` onto `target` when both share one lattice (whole-voxel offset); None otherwise.
pub fn place(src: &Volume<f32>, target: &Grid) -> Option<Volume<f32>> {
    let s = &src.grid;
    let ov = conv::Overlap::of(s, target)?;
    let mut out = ov.buffer(target);
    if ov.covered() == 0 {
        return Some(out);
    }
    let ([sx, sy, sz], off) = (ov.spans, ov.off);
    let [tx, ty, _] = target.shape;
    out.data.par_chunks_mut(tx * ty).enumerate().filter(|(k, _)| (sz.0..sz.1).contains(k)).for_each(|(k, slab)| {
        let sk = (k as i64 + off[2]) as usize;
        for j in sy.0..sy.1 {
            let sj = (j as i64 + off[1]) as usize;
            let from = (sx.0 as i64 + off[0]) as usize + s.shape[0] * (sj + s.shape[1] * sk);
            slab[j * tx + sx.0..j * tx + sx.1].copy_from_slice(&src.data[from..from + sx.1 - sx.0]);
        }
    });
    Some(out)
}

/// The model's stated resolution as the decimal it was written as (3.2, not 3.2000000477).
pub fn model_resolution(model: &Model) -> Option<f64> {
    model.resolution.and_then(|r| r.to_string().parse().ok())
}

/// Model-less helper for callers that hold atoms only (the path is used in messages).
pub fn model_of(atoms: Vec<Atom>, path: &Path) -> Model {
    Model { path: path.to_path_buf(), atoms, ..Default::default() }
}

#[path = "simulate_conv.rs"]
mod conv;

#[cfg(test)]
#[path = "simulate_tests.rs"]
mod tests;
