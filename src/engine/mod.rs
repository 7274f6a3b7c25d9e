//! The engine: grid geometry, map and model readers/writers, resampling, simulation and
//! labeling. Pure library code: no GUI types, usable from the CLI, the viewer and batch.

pub mod altloc;
pub mod archive;
pub mod bonds;
pub mod cif;
pub mod dataset;
pub mod error;
pub mod export;
pub mod fft3;
mod fixed_decimal;
pub mod formats;
pub mod fsc;
pub mod grid;
pub mod label;
pub mod mapio;
mod mapwrite;
pub mod mmcif;
pub mod model;
pub mod modelmap;
pub mod modelwrite;
pub mod neighbours;
pub mod pdb;
mod placement;
pub mod prepare;
pub mod quality;
pub mod resample;
pub mod simulate;
pub mod skew;
pub mod table;
pub mod tiling;

pub use error::{EngineError, MapError, ModelError};
pub use fsc::{FscCurve, FscShell, map_model_fsc};
pub use grid::{Grid, IndexRule, Stats, Volume};
pub use label::{AtomTypeRule, LabelParams, LabelStats, Labels, Neighbourhood, Preset};
pub use mapio::{Durability, MapFile, read_map, read_map_bytes, write_map};
pub use model::{AltlocRule, Atom, Model, ReadOptions, read_model, read_model_with};
pub use simulate::{Kernel, KernelWidth, SimParams, Simulated};
