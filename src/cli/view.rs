//! `cryolabel view`: open the viewer on a map and model (and a simulated map).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::accession::{self, ArchiveOptions};
use crate::app::{self, StartOptions};
use crate::engine::archive::{Input, Slot};

#[derive(Args, Debug, Clone, Default)]
pub struct ViewArgs {
    /// Experimental map (.mrc/.map/.ccp4, optionally .gz), or an EMDB id (emdb:3488, EMD-3488,
    /// emd_3488): fetched with its first fitted model, the author's contour and resolution.
    pub map: Option<String>,
    /// Fitted model (.pdb, .pdb1, .cif), or a PDB id (pdb:5me2, 5me2).
    pub model: Option<String>,
    /// Simulated noise-free map (resampled onto the map's grid if needed); without it the
    /// viewer simulates one from the model.
    #[arg(long)]
    pub simulated: Option<PathBuf>,
    /// Resolution in Å for simulating the model's map (default: the model file's).
    #[arg(long)]
    pub resolution: Option<f32>,
    /// Render the window once the labels are ready, write this PNG and exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Which view to show first.
    #[arg(long, value_enum, default_value_t = ViewKind::Slices)]
    pub view: ViewKind,
    #[command(flatten)]
    pub archive: ArchiveOptions,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ViewKind {
    #[default]
    Slices,
    #[value(name = "3d")]
    ThreeD,
}

pub fn run(args: &ViewArgs) -> Result<()> {
    let mut opts = if args.map.is_none() && args.model.is_none() && args.simulated.is_none() {
        app::sample::sample_options()?
    } else {
        StartOptions::default()
    };
    if args.map.is_some() || args.model.is_some() {
        let words = [(&args.map, Slot::Map), (&args.model, Slot::Model)];
        let words: Vec<Input> =
            words.iter().filter_map(|(w, slot)| w.as_deref().map(|word| Input { word, slot: *slot })).collect();
        let r = accession::resolve(&words, true, &args.archive)?;
        opts.map = r.map.clone();
        opts.model = r.model.clone();
        opts.resolution = r.resolution().map(|v| v as f32);
        opts.resolution_from_header = opts.resolution.is_some() && args.resolution.is_none();
        opts.contour = r.contour();
    }
    opts.simulated = args.simulated.clone().or(opts.simulated);
    opts.resolution = args.resolution.or(opts.resolution);
    opts.screenshot = args.screenshot.clone();
    opts.view3d = args.view == ViewKind::ThreeD;
    app::run(opts)
}
