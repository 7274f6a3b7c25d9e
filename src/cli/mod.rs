//! Command-line interface: one file per command, each with its clap `Args` and a `run`.

pub mod accession;
pub mod batch;
pub mod cubes;
pub mod fetch;
pub mod fsc;
pub mod info;
pub mod label;
pub mod merge;
pub mod plot;
pub mod prepare;
pub mod quality;
pub mod report;
pub mod resample;
pub mod simulate;
pub mod split;
#[cfg(feature = "gui")]
pub mod view;

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::sync::OnceLock;

use crate::engine::{AtomTypeRule, Durability, IndexRule, LabelParams, Neighbourhood, Preset};

#[derive(Parser, Debug)]
#[command(name = "cryolabel", version, about = "Viewer and labeler for cryo-EM machine-learning data")]
pub struct Cli {
    /// fsync every output file and its folder before exiting (also CRYOLABEL_SYNC=1). Without
    /// it outputs are still complete or absent (temporary name, then rename) but left to the
    /// page cache; `batch` always syncs.
    #[arg(long, global = true)]
    pub sync: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

static DURABILITY: OnceLock<Durability> = OnceLock::new();

impl Cli {
    /// What `--sync` and CRYOLABEL_SYNC ask for; `main` hands it to [`set_durability`].
    pub fn durability(&self) -> Durability {
        if self.sync { Durability::Synced } else { Durability::from_env() }
    }
}

/// Set once by `main` from the global `--sync` flag, before the command runs.
pub fn set_durability(d: Durability) {
    let _ = DURABILITY.set(d);
}

/// The durability every command's outputs get (`batch` excepted: it always syncs). Without
/// `main` (a test calling a command's `run`), CRYOLABEL_SYNC alone decides.
pub fn durability() -> Durability {
    *DURABILITY.get_or_init(Durability::from_env)
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Make the three label maps (regression, classification, atom types) for a map and model.
    Label(label::LabelArgs),
    /// Describe a map's grid and header, or a model's contents.
    Info(info::InfoArgs),
    /// Simulate a noise-free map from a model with Situs pdb2vol's rules.
    Simulate(simulate::SimulateArgs),
    /// Resample a map to a new voxel size or onto another map's grid.
    Resample(resample::ResampleArgs),
    /// From a raw map and a model to a data-set folder: resample, simulate, label, write.
    Prepare(prepare::PrepareArgs),
    /// Fourier shell correlation of a map against a model (model map) or a second map.
    Fsc(fsc::FscArgs),
    /// Label-quality report of a data-set folder: FSC of map and regression label vs model.
    Report(report::ReportArgs),
    /// A whole data set: every entry of a manifest or raw folder through prepare, resumable.
    Batch(batch::BatchArgs),
    /// Merge the metadata/failures tables of cluster shards.
    Merge(merge::MergeArgs),
    /// Cut a data set into size^3 .npy cubes (map and three labels) with an index CSV.
    Cubes(cubes::CubesArgs),
    /// Where model and map disagree: per-atom Q-score, per-residue Q and CC, unmodelled density.
    Quality(quality::QualityArgs),
    /// Train/validation/test split stratified by resolution, seeded.
    Split(split::SplitArgs),
    /// Download entries by id into the cache (EMDB map and header, PDB model), nothing else.
    Fetch(fetch::FetchArgs),
    /// Open the viewer (with no arguments: the bundled sample).
    #[cfg(feature = "gui")]
    View(view::ViewArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// The published data set's rules (index rounding, 6-voxel cube, atom types by name).
    Denoisecryodata,
    /// Nearest voxel, a true sphere of R Å, amino-acid atom types, nearest atom wins.
    Precise,
}

impl From<PresetArg> for Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Denoisecryodata => Preset::DenoiseCryoData,
            PresetArg::Precise => Preset::Precise,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum IndexArg {
    Reference,
    Nearest,
}

impl From<IndexArg> for IndexRule {
    fn from(a: IndexArg) -> Self {
        match a {
            IndexArg::Reference => IndexRule::Reference,
            IndexArg::Nearest => IndexRule::Nearest,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum NeighbourhoodArg {
    Cube,
    Sphere,
}

impl From<NeighbourhoodArg> for Neighbourhood {
    fn from(a: NeighbourhoodArg) -> Self {
        match a {
            NeighbourhoodArg::Cube => Neighbourhood::Cube,
            NeighbourhoodArg::Sphere => Neighbourhood::Sphere,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AtomTypesArg {
    Names,
    Residues,
}

impl From<AtomTypesArg> for AtomTypeRule {
    fn from(a: AtomTypesArg) -> Self {
        match a {
            AtomTypesArg::Names => AtomTypeRule::Names,
            AtomTypesArg::Residues => AtomTypeRule::Residues,
        }
    }
}

/// The labeling preset and its parts, shared by `label`, `prepare` and `batch`.
#[derive(Args, Debug, Clone)]
pub struct LabelOptions {
    #[arg(long, value_enum, default_value = "denoisecryodata")]
    pub preset: PresetArg,
    /// Neighbour radius: voxels for the cube, Å for the sphere.
    #[arg(long, default_value_t = 6.0)]
    pub radius: f32,
    /// Override the preset's atom-to-voxel rule.
    #[arg(long, value_enum)]
    pub index: Option<IndexArg>,
    /// Override the preset's neighbourhood.
    #[arg(long, value_enum)]
    pub neighbourhood: Option<NeighbourhoodArg>,
    /// Override the preset's atom-type rule.
    #[arg(long, value_enum)]
    pub atom_types: Option<AtomTypesArg>,
}

impl LabelOptions {
    /// The parameters these options select; refuses a radius outside 0..=64.
    pub fn params(&self) -> anyhow::Result<LabelParams> {
        if !(self.radius.is_finite() && self.radius >= 0.0 && self.radius <= 64.0) {
            anyhow::bail!("--radius {} is outside 0..=64", self.radius);
        }
        let mut p = LabelParams::preset(Preset::from(self.preset));
        p.radius = self.radius;
        if let Some(i) = self.index {
            p.index = i.into();
        }
        if let Some(n) = self.neighbourhood {
            p.neighbourhood = n.into();
        }
        if let Some(a) = self.atom_types {
            p.atom_types = a.into();
        }
        Ok(p)
    }
}
