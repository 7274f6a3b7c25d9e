//! Turning volumes into pixels: slice images, palettes and histograms.
//!
//! Knows nothing of egui widgets or app state: it takes volumes and display settings and
//! returns images (epaint's `ColorImage`, a plain pixel buffer) or numbers. The app decides
//! what to draw and when; this module only decides how.

pub mod histogram;
pub mod palette;
pub mod slice;

pub use histogram::Histogram;
pub use slice::{Axis, SliceLayers, SliceStyle};
pub mod atoms;
pub mod camera;
pub mod isosurface;
pub mod pick;
pub mod scene3d;
mod scene3d_pipes;
