//! Command-line interface: one file per command, each with its clap `Args` and a `run`.

pub mod fsc;
pub mod info;
pub mod label;
pub mod plot;
pub mod prepare;
pub mod report;
pub mod resample;
pub mod simulate;
pub mod view;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::{AtomTypeRule, IndexRule, Neighbourhood, Preset};

#[derive(Parser, Debug)]
#[command(name = "cryolabel", version, about = "Viewer and labeler for cryo-EM machine-learning data")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Make the three label maps (regression, classification, atom types) for a map and model.
    Label(label::LabelArgs),
    /// Describe a map's grid and header, or a model's contents.
    Info(info::InfoArgs),
    /// Open the viewer (with no arguments: the bundled sample).
    View(view::ViewArgs),
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
